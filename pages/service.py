"""Page "Service operations": the contact centre as an event simulation feeding loyalty."""

import streamlit as st

from sim.schema import ScenarioError
from ui import state
from ui.charts import show_template_chart
from ui.entry import require_entry_point
from ui.i18n import fmt_number, t
from ui.kpi_format import run_problem_text
from ui.levers import Reruns, render_lever
from ui.service_charts import hourly_chart, hourly_data, wait_chart, week_chart, week_data
from ui.service_view import (
    busiest_year,
    cached_results,
    chain_frame,
    day_labels,
    has_section,
    headline,
    is_current,
    render_centre_levers,
    request,
    requested,
    run_size_text,
    service_of,
    staffing_frame,
    yearly_frame,
)
from ui.sidebar import STATUS_FRAGMENT

require_entry_point()

RERUN = Reruns("service_body", STATUS_FRAGMENT)  # the fragments a lever move reruns


def _charts(outcome) -> None:
    run = outcome.run
    years = [int(y) for y in run.yearly["year"]]
    if st.session_state.get("svc_year") not in years:
        st.session_state["svc_year"] = busiest_year(run)
    year = st.selectbox(t("service.year"), years, key="svc_year",
                        help=t("service.year_help"))
    days = day_labels()
    left, right = st.columns(2)
    show_template_chart(left, week_chart,
                        (t("service.week_title", year=year), t("service.week_x"),
                         t("service.week_queue"), t("service.week_agents"), days),
                        week_data(run.week, year), key="svc_week", stretch=True)
    show_template_chart(right, wait_chart,
                        (t("service.wait_title", year=year), t("service.week_x"),
                         t("service.wait_y"), days),
                        week_data(run.week, year), key="svc_wait", stretch=True)
    status = (t("service.meets_goal"), t("service.below_goal"))
    show_template_chart(st, hourly_chart,
                        (t("service.hourly_title", year=year,
                           target=fmt_number(outcome.service.target_seconds)),
                         t("service.hourly_x"), t("service.hourly_y"), t("service.goal"),
                         status),
                        hourly_data(run.hourly, year, outcome.service.service_level_goal,
                                    status), key="svc_hourly", stretch=True)


def _results(outcome, table) -> None:
    currency = outcome.scenario.currency
    figures = headline(outcome)
    for row in (figures[:4], figures[4:]):
        for col, (label, value) in zip(st.columns(4), row, strict=False):
            col.metric(label, value)
    st.subheader(t("service.chain_header"))
    if outcome.feedback != "satisfaction":
        st.info(t("service.no_feedback", model=outcome.scenario.retention.model),
                icon=":material/info:")
    st.caption(t("service.chain_caption", shift=f"{outcome.shift:+.3f}"))
    st.dataframe(chain_frame(outcome), hide_index=True, key="svc_chain")
    _charts(outcome)
    st.subheader(t("service.yearly_header"))
    st.dataframe(yearly_frame(outcome.run, currency), hide_index=True, key="svc_yearly")
    st.subheader(t("service.staffing_header"))
    st.caption(t("service.staffing_caption"))
    st.dataframe(staffing_frame(table, currency), hide_index=True, key="svc_staffing")


@st.fragment(key="service_body")
def service_page() -> None:
    scenario = state.current_scenario()
    service = service_of(scenario)
    if not has_section(scenario):
        st.info(t("service.no_section"), icon=":material/support_agent:")
    with st.expander(t("service.levers"), expanded=True, icon=":material/tune:"):
        render_centre_levers(scenario)
        render_lever("crm_enabled", st, rerun=RERUN)
        st.caption(t("service.crm_caption",
                     cut=fmt_number(service.crm_handling_cut * 100),
                     fcr=fmt_number(service.crm_fcr_points * 100)))
    scenario = state.current_scenario()
    service = service_of(scenario)
    st.caption(run_size_text(scenario, service))
    if st.button(t("service.run"), key="svc_run", type="primary", icon=":material/play_arrow:"):
        request(scenario, service)
    if requested() is None:
        st.info(t("service.press_run"), icon=":material/play_circle:")
        return
    if not is_current(scenario, service):
        st.info(t("service.stale"), icon=":material/refresh:")
        return
    try:
        outcome, table = cached_results(scenario, service)
    except ScenarioError as exc:
        st.error(run_problem_text(exc), icon=":material/block:")
        return
    _results(outcome, table)


st.title(t("service.title"))
st.caption(t("service.intro"))
service_page()
