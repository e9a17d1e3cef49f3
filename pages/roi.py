"""Page "ROI & TCO": the CRM system's cost table, its total cost of ownership and the return."""

import dataclasses

import pandas as pd
import streamlit as st

from sim.scenario import scenario_from_dict, scenario_to_dict
from sim.schema import ScenarioError
from sim.tco import TCO_ELEMENTS, CrmSystem, tco_summary, tco_table, tco_warnings
from sim.whatif import roi_by_benefit_share
from ui import state
from ui.charts import show_template_chart
from ui.entry import require_entry_point
from ui.i18n import fmt_money, fmt_number, fmt_pct, issue_text, t
from ui.kpi_format import baseline_note, finance_metric, format_kpi, kpi_label, run_problem_text
from ui.levers import Reruns, render_baseline_picker, render_lever
from ui.sidebar import STATUS_FRAGMENT
from ui.whatif_charts import roi_curve_chart, roi_curve_data, tco_stack_chart, tco_stack_data

require_entry_point()

RERUN = Reruns("roi_body", STATUS_FRAGMENT)  # the fragments a lever move reruns
MAX_COSTED_YEARS = 10


def _editor_frame(system: CrmSystem, years: int) -> pd.DataFrame:
    """:func:`sim.tco.tco_table` with translated element and year labels."""
    frame = tco_table(system, years)
    frame.columns = [t("roi.col_year", year=y) for y in range(1, len(frame.columns) + 1)]
    frame.index = pd.Index([t(f"tco_element.{name}") for name in frame.index],
                           name=t("roi.col_element"))
    return frame


def _system_from_editor(system: CrmSystem, frame: pd.DataFrame, contingency: float,
                        training: float, service: float, transaction: float) -> CrmSystem:
    """Validate the edited table through the schema (ranges, NaN) and build the system."""
    values = {name: [float(v) for v in frame.iloc[i].tolist()]
              for i, name in enumerate(TCO_ELEMENTS)}
    plain = scenario_to_dict(state.current_scenario())
    plain["crm_system"] = {**plain["crm_system"], **values, "contingency_share": contingency / 100,
                           "training_per_year": training, "service_saving": service,
                           "transaction_saving": transaction, "enabled": system.enabled}
    return scenario_from_dict(plain).crm_system


def _tco_editor(system: CrmSystem, currency: str) -> CrmSystem:
    st.subheader(t("roi.tco_header"))
    c1, c2, c3, c4, c5 = st.columns(5)
    years = c1.number_input(t("roi.add_year"), 1, MAX_COSTED_YEARS,
                            value=min(max(len(c) for c in system.element_costs().values()),
                                      MAX_COSTED_YEARS),
                            key=state.editor_key("tco_years"), help=t("roi.add_year_help"))
    contingency = c2.number_input(t("roi.contingency"), 0.0, 100.0,
                                  value=system.contingency_share * 100, step=1.0,
                                  key=state.editor_key("tco_contingency"),
                                  help=t("roi.contingency_help"))
    training = c3.number_input(t("roi.training"), 0.0, 1e9, value=system.training_per_year,
                               step=1000.0, key=state.editor_key("tco_training"),
                               help=t("roi.training_help"))
    service = c4.number_input(t("roi.service_saving"), 0.0, 1e6, value=system.service_saving,
                              step=0.5, key=state.editor_key("tco_service"),
                              help=t("roi.saving_help"))
    transaction = c5.number_input(t("roi.transaction_saving"), 0.0, 1e6,
                                  value=system.transaction_saving, step=0.5,
                                  key=state.editor_key("tco_transaction"),
                                  help=t("roi.saving_help"))
    st.caption(t("roi.tco_caption", currency=currency))
    table = _editor_frame(system, int(years))
    edited = st.data_editor(table, key=state.editor_key("tco_table"),
                            column_config={c: st.column_config.NumberColumn(min_value=0.0,
                                                                            format="localized")
                                           for c in table.columns})
    try:
        new_system = _system_from_editor(system, edited.apply(pd.to_numeric, errors="coerce"),
                                         contingency, training, service, transaction)
    except ScenarioError as exc:
        st.error(t("roi.table_invalid", problems="; ".join(issue_text(i) for i in exc.issues)),
                 icon=":material/error:")
        return system
    if new_system != system:
        system_as_shown = dataclasses.replace(new_system, enabled=system.enabled)
        state.set_current(dataclasses.replace(state.current_scenario(),
                                              crm_system=system_as_shown))
    return new_system


def _tco_summary(system: CrmSystem, currency: str) -> None:
    summary = tco_summary(system)
    long = summary.yearly.melt(id_vars="year",
                               value_vars=[*TCO_ELEMENTS, "training", "contingency"],
                               var_name="element", value_name="cost")
    long["element"] = long["element"].map(lambda k: t(f"tco_element.{k}"))
    left, right = st.columns([3, 1])
    show_template_chart(left, tco_stack_chart, (t("roi.stack_title"), t("common.year"),
                                                 currency, t("roi.stack_legend")),
                        tco_stack_data(long), key="tco_chart")
    right.metric(t("roi.total_5y"), fmt_money(summary.total, currency, 0))
    right.metric(t("roi.initial_share"), fmt_pct(summary.initial_share))
    for warning in tco_warnings(system):
        params = {"value": fmt_pct(warning.value) if warning.code != "few_years"
                  else fmt_number(warning.value), "low": fmt_pct(warning.low, 0),
                  "high": fmt_pct(warning.high, 0)}
        st.info(t(f"tco_warning.{warning.code}", **params), icon=":material/lightbulb:")


def _finance(currency: str) -> None:
    try:
        w = state.whatif_run(state.current_scenario(), monte_carlo=False)   # no bands here
    except ScenarioError as exc:
        st.error(run_problem_text(exc), icon=":material/error:")
        return
    fin = w.finance
    st.subheader(t("roi.finance_header"))
    st.caption(baseline_note(w))
    cols = st.columns(3)
    for col, key, help_text in ((cols[0], "incremental_benefit", t("roi.benefit_help")),
                                (cols[1], "incremental_cost", t("roi.cost_help")),
                                (cols[2], "npv_delta", None)):
        col.metric(kpi_label(key), format_kpi(key, fin.value(key), currency), help=help_text)
    cols = st.columns(4)
    finance_metric(cols[0], fin, "roi", currency, label=t("dashboard.kpi_roi"),
                   help_text=t("dashboard.kpi_roi_help"))
    finance_metric(cols[1], fin, "irr", currency, help_text=t("kpi_help.irr"))
    finance_metric(cols[2], fin, "payback_years", currency,
                   help_text=t("kpi_help.payback_years"))
    finance_metric(cols[3], fin, "discounted_payback_years", currency,
                   help_text=t("kpi_help.discounted_payback_years"))
    curve = roi_by_benefit_share(fin.incremental_benefit, fin.incremental_cost)
    frame = pd.DataFrame({"benefit_share": curve["benefit_share"], "roi": curve["roi"]})
    if frame["roi"].notna().any():
        show_template_chart(st, roi_curve_chart, (t("roi.roi_curve_title"), t("roi.roi_curve_x"),
                                                  t("roi.roi_curve_y")),
                            roi_curve_data(frame), key="roi_curve")
    share = float(curve["break_even_share"])
    st.info(t("roi.break_even", share=fmt_pct(share, 0)) if share == share
            else t("roi.no_break_even"), icon=":material/balance:")


@st.fragment(key="roi_body")
def roi_page() -> None:
    scenario = state.current_scenario()
    left, right = st.columns(2)
    render_lever("crm_enabled", left, rerun=RERUN)
    render_baseline_picker(right, rerun=RERUN)
    if not scenario.crm_system.enabled:
        st.info(t("roi.disabled_note"), icon=":material/info:")
    was_edited = state.is_edited()
    system = _tco_editor(scenario.crm_system, scenario.currency)
    if state.is_edited() != was_edited:
        st.rerun()          # the sidebar shows whether the scenario is edited: redraw it too
    _tco_summary(system, scenario.currency)
    _finance(scenario.currency)


st.title(t("roi.title"))
st.caption(t("roi.intro"))
roi_page()
