"""Page "Optimise": where the next dollar should go.

The Blattberg-Deighton customer-equity test on the scenario's ``[equity_test]`` inputs
(the optimum, Pfeifer's marginal-cost check, the CE heat map and the marginal-cost curves
crossing at the customer's value), then the whole-model optimiser behind a button (the
acquisition budget and the programme portfolio with the highest NPV gain, its money, its
Monte Carlo band, how flat it is), each optimum appliable to the scenario and undoable.
"""

import streamlit as st

from sim.equity_test import equity_grid, marginal_cost_curves, solve
from sim.optimise import budget_levers, retention_lever
from sim.scenario import MONEY_MAX
from sim.schema import ScenarioError
from ui import state
from ui.charts import show_template_chart
from ui.entry import require_entry_point
from ui.i18n import fmt_money, fmt_money_short, fmt_number, fmt_pct, t
from ui.kpi_format import finance_metric
from ui.optimise_charts import (
    equity_heat_chart,
    equity_heat_data,
    marginal_cost_chart,
    marginal_cost_data,
    portfolio_chart,
    portfolio_data,
    profile_chart,
    profile_data,
    surface_chart,
    surface_data,
)
from ui.optimise_view import (
    add_equity_section,
    apply_equity,
    apply_scenario,
    cached_optimise,
    equity_optimum_section,
    equity_problems,
    equity_table,
    lever_table,
    note_text,
    optimise_problem_text,
    portfolio_frame,
    reference_text,
    remove_equity_section,
    render_equity_inputs,
    request,
    set_request,
    short_number,
    surface_axes,
    undo,
    undo_pending,
)

require_entry_point()


def _equity_charts(result, currency: str) -> None:
    o, c = result.optimum, result.current
    marks = (t("optimise.mark_optimum"), t("optimise.mark_observed"))
    left, right = st.columns(2)
    show_template_chart(
        left, equity_heat_chart,
        (t("optimise.heat_title"), t("optimise.axis_a_spend", currency=currency),
         t("optimise.axis_r_spend", currency=currency),
         t("optimise.axis_equity", currency=currency), t("optimise.marks"), marks),
        equity_heat_data(equity_grid(result), (o.acquisition_spend, o.retention_spend),
                         (c.acquisition_spend, c.retention_spend), marks),
        key="equity_heat")
    series = {"acquisition": t("optimise.curve_acquisition"),
              "retention": t("optimise.curve_retention")}
    value = t("optimise.value_label", value=fmt_money(o.customer_value, currency))
    crossings = ([(o.acquisition_spend, series["acquisition"])] if result.interior_acquisition
                 else [])
    crossings += [(o.retention_spend, series["retention"])] if result.interior_retention else []
    show_template_chart(
        right, marginal_cost_chart,
        (t("optimise.mc_title"), t("optimise.axis_spend", currency=currency),
         t("optimise.axis_marginal", currency=currency), t("optimise.curve"),
         (series["acquisition"], series["retention"])),
        marginal_cost_data(marginal_cost_curves(result), series, o.customer_value, value,
                           crossings),
        key="marginal_costs")
    right.caption(t("optimise.mc_caption"))


def _equity_check(result, currency: str) -> None:
    o = result.optimum
    gap_a, gap_r = result.value_gaps
    values = {"acq": fmt_number(result.marginal_acquisition_cost, 6),
              "ret": fmt_number(result.marginal_retention_cost, 6),
              "value": fmt_number(o.customer_value, 6)}
    if result.interior_acquisition and result.interior_retention:
        st.success(t("optimise.check_ok", gap=f"{max(abs(gap_a), abs(gap_r)):.1e}", **values),
                   icon=":material/check_circle:")
    if not result.interior_acquisition:
        st.warning(t("optimise.check_corner_a", acq=fmt_money(result.marginal_acquisition_cost,
                                                               currency),
                     value=fmt_money(o.customer_value, currency)), icon=":material/info:")
    if not result.interior_retention:
        st.warning(t("optimise.check_corner_r", ret=fmt_money(result.marginal_retention_cost,
                                                               currency),
                     value=fmt_money(o.customer_value, currency)), icon=":material/info:")
    st.caption(t("optimise.numerical", a=fmt_number(result.numerical_acquisition_spend, 4),
                 r=fmt_number(result.numerical_retention_spend, 4),
                 gap=f"{result.numerical_gap:.1e}"))
    if o.average_cost_ratio is not None and result.current.average_cost_ratio is not None:
        st.caption(t("optimise.ratio_note", opt=fmt_number(o.average_cost_ratio, 2),
                     obs=fmt_number(result.current.average_cost_ratio, 2)))


def _equity_section() -> None:
    scenario = state.current_scenario()
    currency = scenario.currency
    st.subheader(t("optimise.equity_header"))
    st.caption(t("optimise.equity_intro"))
    section = scenario.equity_test
    if section is None:
        st.info(t("optimise.equity_missing"), icon=":material/info:")
        st.button(t("optimise.equity_add"), key="eq_add", on_click=add_equity_section,
                  icon=":material/add:")
        return
    render_equity_inputs(section)
    try:
        result = solve(section)
    except ScenarioError as exc:
        st.error(equity_problems(list(exc.issues)), icon=":material/error:")
        return
    o, c = result.optimum, result.current
    cols = st.columns(4)
    cols[0].metric(t("optimise.m_a_spend"), fmt_money(o.acquisition_spend, currency),
                   help=t("optimise.m_a_spend_help"))
    cols[1].metric(t("optimise.m_r_spend"), fmt_money(o.retention_spend, currency),
                   help=t("optimise.m_r_spend_help"))
    cols[2].metric(t("optimise.m_value"), fmt_money(o.customer_value, currency),
                   help=t("optimise.m_value_help"))
    gain = o.equity_per_prospect - c.equity_per_prospect
    cols[3].metric(t("optimise.m_equity"), fmt_money(o.equity_per_prospect, currency),
                   delta=t("optimise.vs_observed", delta=fmt_money(gain, currency))
                   if abs(gain) > 5e-3 else None, help=t("optimise.m_equity_help"))
    st.caption(t("optimise.rates_note", a=fmt_pct(o.acquisition_rate),
                 r=fmt_pct(o.retention_rate)))
    _equity_check(result, currency)
    st.dataframe(equity_table(result, currency), hide_index=True, key="equity_table")
    _equity_charts(result, currency)
    at_optimum = equity_optimum_section(result)
    b1, b2, b3 = st.columns(3)
    b1.button(t("optimise.equity_apply"), key="eq_apply", on_click=apply_equity,
              args=(at_optimum,), icon=":material/done:",
              disabled=at_optimum is None or abs(gain) <= 5e-3,
              help=t("optimise.equity_apply_help"))
    if undo_pending() == "equity":
        b2.button(t("optimise.undo"), key="eq_undo", on_click=undo, icon=":material/undo:")
    b3.button(t("optimise.equity_remove"), key="eq_remove", on_click=remove_equity_section,
              icon=":material/delete:")


def _model_charts(result, asked_scenario) -> None:
    currency = result.scenario.currency
    o = result.optimum.plan
    surface = result.surface
    marks = (t("optimise.mark_optimum"), t("optimise.mark_current"))
    axes = surface_axes(result, asked_scenario)
    y_col, y_title, y_opt, y_cur, on_surface = (axes.column, axes.title, axes.optimum,
                                                axes.current, axes.current_on_surface)
    now = result.current.plan
    budgets = surface["budget_per_year"].dropna().unique()
    scales = surface[y_col].unique()
    gain_title = t("optimise.axis_gain", currency=currency)
    if len(budgets) > 1 and len(scales) > 1:
        current = (now.budget_per_year, y_cur) if on_surface else None
        show_template_chart(
            st, surface_chart,
            (t("optimise.surface_title"), t("optimise.axis_budget", currency=currency),
             y_title, gain_title, t("optimise.marks"), marks),
            surface_data(surface, y_col, (o.budget_per_year, y_opt), current, marks),
            key="npv_surface")
        st.caption((t("optimise.surface_caption") if on_surface
                    else t("optimise.surface_caption_other"))
                   + (" " + t("optimise.surface_faded") if result.budget is not None else ""))
    elif len(budgets) > 1:
        line = surface.sort_values("budget_per_year")
        show_template_chart(
            st, profile_chart,
            (t("optimise.profile_budget_title"), t("optimise.axis_budget", currency=currency),
             gain_title, t("optimise.marks"), marks),
            profile_data(line["budget_per_year"].to_numpy(), line["npv_gain"].to_numpy(),
                         (o.budget_per_year, result.optimum.npv_gain),
                         (now.budget_per_year, result.current.npv_gain), marks),
            key="npv_profile")
    elif len(scales) > 1:
        line = surface.sort_values(y_col)
        show_template_chart(
            st, profile_chart,
            (t("optimise.profile_spend_title"), y_title, gain_title, t("optimise.marks"),
             marks),
            profile_data(line[y_col].to_numpy(), line["npv_gain"].to_numpy(),
                         (y_opt, result.optimum.npv_gain),
                         (y_cur, result.current.npv_gain) if on_surface else None, marks),
            key="npv_profile")
    bars = portfolio_frame(result)
    if len(bars) > 1:
        order = (t("optimise.bar_optimum"), t("optimise.bar_runner_up"), t("optimise.bar_other"))
        show_template_chart(st, portfolio_chart,
                            (t("optimise.bars_title"), gain_title, t("optimise.portfolio"),
                             t("optimise.bar_legend"), order),
                            portfolio_data(bars), key="portfolio_bars", stretch=True)


def _model_result(result, asked) -> None:
    scenario = state.current_scenario()
    currency = result.scenario.currency
    best, now = result.optimum, result.current
    cols = st.columns([1, 1, 1, 1.6])
    cols[0].metric(t("optimise.m_gain"), fmt_money_short(best.npv_gain, currency),
                   delta=t("optimise.vs_current",
                           delta=fmt_money_short(best.npv_gain - now.npv_gain, currency,
                                                 delta=True)),
                   help=t("optimise.m_gain_help"))
    finance_metric(cols[1], result.finance, "roi", currency, label=t("optimise.m_roi"),
                   help_text=t("optimise.m_roi_help"))
    finance_metric(cols[2], result.finance, "payback_years", currency,
                   label=t("optimise.m_payback"), help_text=t("optimise.m_payback_help"))
    if result.band is not None:
        cols[3].metric(t("optimise.m_band", currency=currency),
                       t("optimise.band_value", low=short_number(result.band.p10),
                         high=short_number(result.band.p90)),
                       help=t("optimise.m_band_help", reps=result.band.replications,
                              seed=result.scenario.seed))
    else:
        cols[3].metric(t("optimise.m_band", currency=currency), t("common.not_available"),
                       help=t("optimise.band_off"))
    st.caption(t("optimise.measured_against", reference=reference_text(result)))
    st.dataframe(lever_table(result), hide_index=True, key="optimise_levers")
    share = result.spend.acquisition_share
    st.caption(t("optimise.split", acq=fmt_money(result.spend.acquisition, currency, 0),
                 prog=fmt_money(result.spend.programmes, currency, 0),
                 total=fmt_money(result.spend.total, currency, 0),
                 share=fmt_pct(share, 0) if share is not None else t("common.not_available"))
               if result.optimum.plan.retention_spend is None else
               t("retention_spend.split", acq=fmt_money(result.spend.acquisition, currency, 0),
                 prog=fmt_money(result.spend.programmes, currency, 0),
                 ret=fmt_money(result.spend.retention, currency, 0),
                 total=fmt_money(result.spend.total, currency, 0)))
    flat = result.flat_region
    budget = flat.budget_range()
    st.caption(t("optimise.flat", n=len(flat.candidates), total=result.evaluations,
                 tolerance=fmt_money(flat.tolerance, currency, 0),
                 portfolios=len(flat.portfolios()))
               + (" " + t("optimise.flat_budget", low=fmt_money(budget[0], currency, 0),
                          high=fmt_money(budget[1], currency, 0)) if budget else ""))
    st.caption(t("optimise.after_apply",
                 gain=fmt_money(result.own_finance.npv_delta, currency, 0)))
    for code in result.notes:
        st.info(note_text(code), icon=":material/info:")
    _model_charts(result, asked[0])
    b1, b2 = st.columns(2)
    fresh = asked[0] == scenario
    b1.button(t("optimise.apply"), key="opt_apply", on_click=apply_scenario,
              args=(result.optimum_scenario, "model"), icon=":material/done:",
              disabled=not fresh or result.optimum_scenario == scenario,
              help=t("optimise.apply_help"))
    if undo_pending() == "model":
        b2.button(t("optimise.undo"), key="opt_undo", on_click=undo, icon=":material/undo:")
        if scenario == result.optimum_scenario:
            st.success(t("optimise.applied"), icon=":material/check_circle:")
    elif not fresh:
        st.warning(t("optimise.stale"), icon=":material/history:")


def _model_section() -> None:
    scenario = state.current_scenario()
    st.subheader(t("optimise.model_header"))
    st.caption(t("optimise.model_intro"))
    paid, sets = budget_levers(scenario)
    st.caption(t("optimise.levers_" + ("both" if paid and len(sets) > 1 else
                                       "budget" if paid else
                                       "programmes" if len(sets) > 1 else "none"))
               + (" " + t("retention_spend.searched") if retention_lever(scenario) else ""))
    c1, c2, c3 = st.columns([1, 2, 1], vertical_alignment="bottom")
    cap = c1.toggle(t("optimise.cap"), key="opt_cap", help=t("optimise.cap_help"))
    default = scenario.acquisition.budget_per_year if paid else 100_000.0
    budget = c2.number_input(t("optimise.budget", currency=scenario.currency), min_value=0.0,
                             max_value=MONEY_MAX, value=float(default), step=10_000.0,
                             format="%.0f", key="opt_budget", disabled=not cap)
    if c3.button(t("optimise.run"), key="opt_run", type="primary", icon=":material/search:"):
        set_request(scenario, float(budget) if cap else None)
    asked = request()
    if asked is None:
        st.info(t("optimise.not_run"), icon=":material/info:")
        return
    try:
        result = cached_optimise(*asked)
    except ScenarioError as exc:
        st.error(optimise_problem_text(exc), icon=":material/error:")
        return
    _model_result(result, asked)


st.title(t("optimise.title"))
st.caption(t("optimise.intro"))
equity_tab, model_tab = st.tabs([t("optimise.tab_equity"), t("optimise.tab_model")])
with equity_tab:
    _equity_section()
with model_tab:
    _model_section()
