"""Page "Compare & sensitivity": scenarios side by side, and which lever moves NPV most.

Each chart group is a fragment, so a control reruns only what depends on it: the
scenario picker and reference rerun the Compare tab (``compare_scenarios``); the step
and the result rerun the Sensitivity tab (``sensitivity``: the tornado, and the heat
map, whose levers are ranked by the tornado's swing and whose grid is of that result);
the heat map's levers, span and grid size rerun the heat map alone (``heat_map``,
nested in ``sensitivity``).
"""

import streamlit as st

from sim.compare import MAX_SCENARIOS, MIN_SCENARIOS
from sim.scenario import Scenario
from sim.sensitivity import DEFAULT_STEP, METRICS, sensitivity_levers
from ui import state
from ui.charts import show_template_chart
from ui.compare_charts import (
    heat_map_chart,
    heat_map_data,
    overlay_chart,
    overlay_data,
    tornado_chart,
    tornado_data,
)
from ui.compare_view import (
    CURRENT,
    bar_label,
    cached_compare,
    cached_heat_map,
    cached_tornado,
    choices,
    differences_display,
    differs_columns,
    field_label,
    kpi_columns,
    kpi_tables,
    tornado_display,
)
from ui.entry import require_entry_point
from ui.exports import csv_bytes
from ui.i18n import fmt_money, local_text, t, widget_format
from ui.layout import table_height
from ui.report_download import comparison_report_button
from ui.text import md_text

require_entry_point()

TORNADO_BARS = 12  # levers drawn; the table lists all
SIDE_BY_SIDE = 4   # most scenarios whose charts are drawn two to a row


def _default_selection(options: dict) -> list[str]:
    loaded = state.loaded_preset()
    others = [key for key in options if key.startswith("preset:") and key != f"preset:{loaded}"]
    return [CURRENT, *others[:1]]


def _overlay(container, frame, x: str, y: str, labels: tuple[str, str, str], key: str,
             y_format: str = ",.0f") -> None:
    """One line per scenario of ``frame`` (``scenario``, ``x``, ``y``); ``labels``: the
    title and the axis titles."""
    show_template_chart(container, overlay_chart,
                        (x, y, *labels, t("compare.legend"), y_format),
                        overlay_data(frame, x, y), key=key)


@st.fragment(key="compare_scenarios")
def _compare_tab() -> None:
    options = choices()
    selected = st.session_state.get("compare_choice") or _default_selection(options)
    new = [f"upload:{label}" for label in state.take_new_uploads()]   # joins the comparison
    st.session_state["compare_choice"] = list(dict.fromkeys(
        [k for k in selected + new if k in options]))[:MAX_SCENARIOS]
    chosen = st.multiselect(t("compare.choose"), list(options), key="compare_choice",
                            max_selections=MAX_SCENARIOS,
                            format_func=lambda k: options[k][0], help=t("compare.choose_help"))
    chosen = [key for key in chosen if key in options]
    if len(chosen) < MIN_SCENARIOS:
        st.info(t("compare.need_two", low=MIN_SCENARIOS, high=MAX_SCENARIOS),
                icon=":material/info:")
        return
    reference_key = st.selectbox(t("compare.reference"), chosen, key="compare_reference",
                                 format_func=lambda k: options[k][0],
                                 help=t("compare.reference_help"))
    reference = chosen.index(reference_key) if reference_key in chosen else 0
    scenarios = tuple(options[key][1] for key in chosen)
    result = cached_compare(scenarios, reference, tuple(options[key][0] for key in chosen))
    currency = scenarios[reference].currency

    st.subheader(t("compare.kpi_header"))
    st.caption(t("compare.kpi_caption", reference=md_text(result.labels[reference])))
    for i, table in enumerate(kpi_tables(result, currency)):
        st.dataframe(table, hide_index=True, key="compare_kpis" if i == 0 else "compare_deltas",
                     height=table_height(len(table)), column_config=kpi_columns(table),
                     width="content")
    st.download_button(t("compare.download_csv"), data=csv_bytes(result.kpi_table()),
                       file_name="comparison.csv", mime="text/csv", on_click="ignore",
                       key="compare_csv", icon=":material/download:")
    comparison_report_button(st, scenarios, reference, result.labels, chosen, key="compare_report")

    yearly = result.yearly()
    # Side by side for a few scenarios; one under the other beyond, so the legend's rows
    # and the lines keep the page's width (the plots keep their height either way).
    left, right = st.columns(2) if len(chosen) <= SIDE_BY_SIDE else (st, st)
    _overlay(left, yearly, "year", "customers",
             (t("compare.customers_title"), t("common.year"), t("common.customers")),
             key="compare_customers")
    _overlay(right, yearly, "year", "cumulative_discounted_profit",
             (t("compare.cash_title"), t("common.year"), t("compare.cash_y", currency=currency)),
             key="compare_cash")
    _overlay(st, result.retention_by_tenure(), "tenure_year", "renewal_rate",
             (t("compare.retention_title"), t("compare.tenure_year"), t("compare.retention_y")),
             key="compare_retention", y_format=".0%")

    st.subheader(t("compare.differs_header"))
    differs = result.differences()
    if differs.empty:
        st.info(t("compare.no_differences"), icon=":material/check:")
    else:
        st.caption(t("compare.differs_caption", n=len(differs)))
        shown = differences_display(differs)
        st.dataframe(shown, hide_index=True, key="compare_differs", width="content",
                     column_config=differs_columns(shown))


@st.fragment(key="sensitivity")
def _sensitivity_tab() -> None:
    scenario = state.current_scenario()
    st.caption(t("compare.sens_intro", name=md_text(local_text(scenario.name))))
    left, right = st.columns(2)
    step = left.slider(t("compare.step"), 5, 50, int(DEFAULT_STEP * 100), 5,
                       format=widget_format("%d %%"), key="sens_step",
                       help=t("compare.step_help")) / 100
    # Options are the translated names (AppTest formats options outside the session).
    names = {t(f"kpi.{m}"): m for m in METRICS}
    metric = names.get(right.radio(t("compare.metric"), list(names), horizontal=True,
                                   key="sens_metric"), METRICS[0])
    frame = cached_tornado(scenario, step)
    moving = frame[frame[f"{metric}_swing"] > 1e-9].sort_values(
        f"{metric}_swing", ascending=False, kind="stable")
    absolute = frame[frame["step_kind"] == "absolute"]
    if moving.empty:
        st.info(t("compare.no_effect"), icon=":material/info:")
    else:
        bars = moving.head(TORNADO_BARS).rename(columns={f"{metric}_low": "low",
                                                         f"{metric}_high": "high"})
        base = float(frame[f"{metric}_base"].iloc[0])
        bars = bars.assign(field=[bar_label(row) for _, row in bars.iterrows()])
        labels = (t("compare.tornado_title", metric=t(f"kpi.{metric}"), step=round(step * 100)),
                  t(f"kpi.{metric}") + f" ({scenario.currency})",
                  t("compare.move_down"), t("compare.move_up"))
        show_template_chart(st, tornado_chart, labels,
                            tornado_data(bars[["field", "low", "high"]], base, *labels[2:]),
                            key="tornado_chart")
        st.caption(t("compare.tornado_caption", base=fmt_money(base, scenario.currency, 0),
                     n=len(frame) - len(moving)))
    if not absolute.empty:
        st.caption(t("compare.absolute_steps", fields=", ".join(
            field_label(path) for path in absolute["field"])))
    st.caption(t("compare.elasticity_note", metric=t(f"kpi.{metric}")))
    with st.expander(t("compare.tornado_table")):
        st.dataframe(tornado_display(frame), hide_index=True, key="tornado_table")

    levers = [lever.path for group in sensitivity_levers(scenario) for lever in group
              if lever.value]
    ranked = [f for f in moving["field"] if f in levers]
    ranked += [f for f in levers if f not in set(ranked)]
    _heat_map(scenario, metric, tuple(ranked))


@st.fragment(key="heat_map")
def _heat_map(scenario: Scenario, metric: str, ranked: tuple[str, ...]) -> None:
    """The metric over two levers of ``ranked`` (the tornado's order, then the levers
    without effect): its own controls rerun this fragment only."""
    st.subheader(t("compare.heat_header"))
    if len(ranked) < 2:
        st.info(t("compare.heat_need_two"), icon=":material/info:")
        return
    c1, c2, c3, c4 = st.columns(4)
    # Options are the translated names (AppTest formats options outside the session).
    by_label = {field_label(path): path for path in ranked}
    x_label = c1.selectbox(t("compare.heat_x"), list(by_label), index=0, key="heat_x")
    y_labels = [label for label in by_label if label != x_label]
    y_label = c2.selectbox(t("compare.heat_y"), y_labels, index=0, key="heat_y")
    x_path = by_label.get(x_label, ranked[0])
    y_path = by_label.get(y_label, next(p for p in ranked if p != x_path))
    span = c3.slider(t("compare.heat_span"), 5, 50, 20, 5, format=widget_format("±%d %%"),
                     key="heat_span") / 100
    points = c4.slider(t("compare.heat_points"), 3, 9, 5, 2, key="heat_points")
    grid = cached_heat_map(scenario, x_path, y_path, span, points, metric)
    show_template_chart(st, heat_map_chart,
                        (t("compare.heat_title", metric=t(f"kpi.{metric}")), field_label(x_path),
                         field_label(y_path), t(f"kpi.{metric}")),
                        heat_map_data(grid), key="heat_chart")
    st.download_button(t("compare.download_heat"), data=csv_bytes(grid), file_name="heat_map.csv",
                       mime="text/csv", on_click="ignore", key="heat_csv",
                       icon=":material/download:")


st.title(t("compare.title"))
st.caption(t("compare.intro"))
compare_tab, sensitivity_tab = st.tabs([t("compare.tab_compare"), t("compare.tab_sensitivity")])
with compare_tab:
    _compare_tab()
with sensitivity_tab:
    _sensitivity_tab()
