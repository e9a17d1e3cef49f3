"""Page "Satisfaction & loyalty": the loyalty curves, loyalty types, the top box, programmes."""

import pandas as pd
import streamlit as st

from sim.lessons import (
    LOCK_IN_WARNING_SHARE,
    curve_table,
    loyalty_gain_breakdown,
    top_box_ratios,
    top_box_table,
)
from sim.loyalty import ZONES, loyalty_zones
from sim.population import satisfied_share
from sim.scenario import Scenario
from ui import state
from ui.charts import show_template_chart
from ui.entry import require_entry_point
from ui.i18n import fmt_count, fmt_money, fmt_number, fmt_pct, load_catalog, t
from ui.kpi_format import metric_delta, signed_delta
from ui.lesson_view import open_lesson_button
from ui.levers import Reruns, render_lever
from ui.loyalty_charts import (
    loyalty_curves_chart,
    loyalty_curves_data,
    quadrant_chart,
    quadrant_data,
)
from ui.report_download import single_report_button
from ui.sidebar import STATUS_FRAGMENT
from ui.tables import show_table

require_entry_point()

PANEL_LEVERS = ("competition", "service_quality", "satisfaction_spread")
RERUN = Reruns("loyalty_body", STATUS_FRAGMENT, panel="loyalty_levers",
               panel_levers=PANEL_LEVERS)
PROGRAMME_RERUN = Reruns("loyalty_body", STATUS_FRAGMENT)
"""The programme toggles sit in the results fragment, beside their costs."""
TOP_BOX_COMPETITION = (0.0, 1.0)  # the two curves drawn: low and high competition
QUADRANTS = {"loyalists": ("satisfied", "stays"), "mercenaries": ("satisfied", "leaves"),
             "hostages": ("dissatisfied", "stays"), "defectors": ("dissatisfied", "leaves")}


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=state.BY_CONTENT)
def _top_box(scenario: Scenario) -> pd.DataFrame:
    return top_box_table(scenario, TOP_BOX_COMPETITION)


def _curves_chart(scenario: Scenario, result) -> None:
    c = scenario.competition.intensity
    curves = curve_table(scenario, (0.0, 1.0, c))
    labels = [t("loyalty.series_low"), t("loyalty.series_high"),
              t("loyalty.series_current", value=fmt_number(c * 100))]
    curves["series"] = curves["level"].map(dict(enumerate(labels)))
    zones = pd.DataFrame(loyalty_zones(c, scenario.loyalty_curve))
    zones["zone"] = zones["zone"].map(lambda z: t(f"loyalty.zone_{z}"))
    frames = []
    pop = state.cohort_inputs_of(scenario).population
    if pop is not None:
        frames.append(pd.DataFrame({
            "satisfaction": pop.satisfaction, "loyalty": pop.loyalty, "share": pop.weights,
            "group": [t("loyalty.group_member") if m else t("loyalty.group_other")
                      for m in pop.member]}))
    population = pd.concat(frames) if frames else pd.DataFrame(
        columns=["satisfaction", "loyalty", "share", "group"])
    labels = (t("loyalty.curves_title"), t("loyalty.curves_x"), t("loyalty.curves_y"),
              t("loyalty.curves_legend"), t("loyalty.population_legend"),
              tuple(t(f"loyalty.zone_{z}") for z in ZONES),
              (t("loyalty.group_member"), t("loyalty.group_other")))
    show_template_chart(st, loyalty_curves_chart, labels,
                        loyalty_curves_data(curves, zones, population), key="loyalty_curves",
                        stretch=True)
    st.caption(t("loyalty.zones_caption", low=fmt_number(scenario.loyalty_curve.defection_below, 1),
                 high=fmt_number(scenario.loyalty_curve.affection_from, 1)))


def _types(scenario: Scenario, result) -> None:
    year1 = result.loyalty_types.iloc[0]
    frame = pd.DataFrame([{"attitude": t(f"loyalty.{att}"), "behaviour": t(f"loyalty.{beh}"),
                           "label": t(f"loyalty.{kind}"), "share": float(year1[kind])}
                          for kind, (att, beh) in QUADRANTS.items()])
    labels = (t("loyalty.quadrant_title"), t("loyalty.quadrant_x"), t("loyalty.quadrant_y"),
              (t("loyalty.dissatisfied"), t("loyalty.satisfied")),
              (t("loyalty.stays"), t("loyalty.leaves")))
    show_template_chart(st, quadrant_chart, labels, quadrant_data(frame), key="loyalty_quadrant",
                        stretch=True)


def _kpis(scenario: Scenario, result, reference) -> None:
    pop = state.cohort_inputs_of(scenario).population
    year1, ref1 = result.loyalty_types.iloc[0], reference.loyalty_types
    satisfied = satisfied_share(pop)
    retention = float(result.tenure["renewal_rate"].iloc[0])
    cols = st.columns(4)
    cols[0].metric(t("loyalty.kpi_satisfaction"), fmt_number(year1["mean_satisfaction"], 2),
                   delta=None if ref1 is None else signed_delta(
                       year1["mean_satisfaction"] - ref1.iloc[0]["mean_satisfaction"], 2))
    cols[1].metric(t("loyalty.kpi_satisfied_share",
                     threshold=fmt_number(scenario.satisfaction.satisfied_from, 1)),
                   fmt_pct(satisfied))
    ref_retention = float(reference.tenure["renewal_rate"].iloc[0])
    money = scenario.currency
    delta, color = metric_delta("retention_last_year", retention - ref_retention, money)
    cols[2].metric(t("loyalty.kpi_retention"), fmt_pct(retention),
                   help=t("loyalty.kpi_retention_help"), delta=delta, delta_color=color)
    delta, color = metric_delta("customers_end", result.kpis["customers_end"]
                                - reference.kpis["customers_end"], money)
    cols[3].metric(t("loyalty.kpi_customers_end", years=scenario.horizon_years),
                   fmt_count(result.kpis["customers_end"]), delta=delta, delta_color=color)


def _top_box_section(scenario: Scenario) -> None:
    st.subheader(t("loyalty.top_box_header"))
    table = _top_box(scenario)
    money, years = scenario.currency, scenario.horizon_years
    rows = []
    markets = (t("loyalty.market_low"), t("loyalty.market_high"))
    for c, label in zip(TOP_BOX_COMPETITION, markets, strict=True):
        at4, at5 = (table[(table["competition"] == c) & (table["satisfaction"] == s)].iloc[0]
                    for s in (4.0, 5.0))
        rows.append({t("loyalty.col_market"): label,
                     t("loyalty.col_retention_4"): fmt_pct(at4["retention"]),
                     t("loyalty.col_retention_5"): fmt_pct(at5["retention"]),
                     t("loyalty.col_customers_4", years=years): fmt_count(at4["customers_end"]),
                     t("loyalty.col_customers_5", years=years): fmt_count(at5["customers_end"]),
                     t("loyalty.col_clv_4"): fmt_money(at4["clv_net"], money),
                     t("loyalty.col_clv_5"): fmt_money(at5["clv_net"], money)})
    # One column per market, one row per figure: fits any width (seven columns of
    # sentence-long headers were cut at 1440 px, in Chinese most of all).
    shown = pd.DataFrame(rows).set_index(t("loyalty.col_market")).T
    show_table(st, shown, key="top_box")
    st.caption(t("loyalty.top_box_caption", low=fmt_number(TOP_BOX_COMPETITION[0] * 100),
                 high=fmt_number(TOP_BOX_COMPETITION[1] * 100)))
    ratio = top_box_ratios(table)
    st.info(t("loyalty.top_box_lesson", ratio=fmt_number(ratio[TOP_BOX_COMPETITION[1]], 1),
              ratio_low=fmt_number(ratio[TOP_BOX_COMPETITION[0]], 2)), icon=":material/school:")


def _programmes(scenario: Scenario, result) -> None:
    st.subheader(t("loyalty.programmes_header"))
    st.caption(t("loyalty.programmes_caption"))
    money = scenario.currency
    per_row = 3                  # five toggles in one row cut their names short
    kinds = list(scenario.programmes.items())
    cols = [col for start in range(0, len(kinds), per_row) for col in st.columns(per_row)]
    for col, (kind, programme) in zip(cols, kinds, strict=False):
        render_lever(f"prog_{kind}", col, rerun=PROGRAMME_RERUN)
        col.caption(t("loyalty.programme_cost",
                      fixed=fmt_money(programme.fixed_cost_per_year, money, 0),
                      per_member=fmt_money(programme.cost_per_member_year, money),
                      share=fmt_pct(programme.enrolment_share, 0)))
    st.write(t("loyalty.programmes_total",
               cost=fmt_money(float(result.yearly["programme_cost"].iloc[0]), money, 0)))
    if scenario.programmes.any_enabled():
        gain = loyalty_gain_breakdown(scenario)
        st.info(t("loyalty.gain_info", without=fmt_pct(gain["without"]),
                  **{"with": fmt_pct(gain["with"])},
                  from_satisfaction=fmt_number(gain["from_satisfaction"] * 100, 1),
                  from_switching=fmt_number(gain["from_switching_cost"] * 100, 1)),
                icon=":material/info:")
        if gain["switching_share"] > LOCK_IN_WARNING_SHARE:
            st.warning(t("loyalty.lock_in_warning", share=fmt_pct(gain["switching_share"], 0)),
                       icon=":material/lock:")


@st.fragment(key="loyalty_levers")
def loyalty_levers() -> None:
    """The lever panel (redrawn only when what it shows changes: :class:`ui.levers.Reruns`)."""
    with st.expander(t("loyalty.levers"), expanded=True, icon=":material/tune:"):
        for col, key in zip(st.columns(len(PANEL_LEVERS)), PANEL_LEVERS, strict=True):
            render_lever(key, col, rerun=RERUN)


@st.fragment(key="loyalty_body")
def loyalty_page() -> None:
    if _lesson_key in load_catalog("en"):     # in the fragment: the report follows the levers
        single_report_button(st, key="lesson_report")
    base = state.base_scenario()
    scenario = state.current_scenario()
    if scenario.retention.model != "satisfaction":
        st.info(t("loyalty.needs_model", model=scenario.retention.model), icon=":material/info:")
        _curves_chart(scenario, None)
        return
    result, reference = state.cohort_run(scenario), state.cohort_run(base)
    _kpis(scenario, result, reference)
    left, right = st.columns([3, 2])
    with left:
        _curves_chart(scenario, result)
    with right:
        _types(scenario, result)
    _top_box_section(scenario)
    _programmes(scenario, result)


st.title(t("loyalty.title"))
st.caption(t("loyalty.intro"))
_lesson_key = f"lesson.{st.session_state.get(state.PRESET_KEY, '')}"
if _lesson_key in load_catalog("en"):
    st.info(t(_lesson_key), icon=":material/school:")
    open_lesson_button(st.session_state.get(state.PRESET_KEY))
loyalty_levers()
loyalty_page()
