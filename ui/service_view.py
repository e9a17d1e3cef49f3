"""The "Service operations" page's Streamlit side: staffing levers, cached runs, tables.

The contact centre simulated is the current scenario's ``[service]`` table; a scenario
without one gets the defaults with agents by hour sized by Erlang C to its customers
(:func:`sim.service.run.service_for`), and the first lever moved writes that table into
the scenario (so it downloads and saves with it). Levers write into the current scenario
like every other lever (``ui.levers.apply_edit``: validated as a file would be).

Runs happen behind a button: :func:`cached_results` runs the scenario with its service
feedback, its baseline and "what do N more agents buy?" with a progress bar, cached on the
scenario and the centre (``st.cache_data``, 8 entries; each engine run also cached, 64
entries). Session state keeps only what was last asked for (:func:`requested`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import streamlit as st

from sim.scenario import Scenario, spec_at
from sim.service.kpis import YEARLY_COLUMNS
from sim.service.params import AGENTS_MAX, Service, with_agents_by_hour
from sim.service.run import (
    ServiceJob,
    ServiceOutcome,
    ServiceRun,
    estimate_events,
    job_for,
    run_job,
    service_aware_run,
    service_for,
    staffing_options,
)
from ui import state
from ui.i18n import fmt_count, fmt_money, fmt_money_short, fmt_number, fmt_pct, t
from ui.levers import apply_edit

__all__ = ["SHIFTS", "REQUEST_KEY", "service_of", "has_section", "shift_peak", "with_shift",
           "render_centre_levers", "cached_results", "requested", "request", "is_current",
           "headline", "chain_frame", "yearly_frame", "staffing_frame", "busiest_year",
           "run_size_text", "day_labels"]

SHIFTS = (("night", 0, 8), ("day", 8, 16), ("evening", 16, 24))
"""The page's three shifts: (code, first hour, last hour + 1)."""
REQUEST_KEY = "service_request"
"""Session key of the last run asked for: ``(scenario, service)``."""
_ERROR_KEY = "service_lever_error"
_HASH = {**state.BY_CONTENT, Service: repr, ServiceJob: repr}


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=state.BY_CONTENT)
def service_of(scenario: Scenario) -> Service:
    """The contact centre of ``scenario`` (its ``[service]``, or sized defaults)."""
    return service_for(scenario, state.cohort_run(scenario))


def has_section(scenario: Scenario) -> bool:
    """True when the scenario has its own ``[service]`` table."""
    return scenario.service is not None


def shift_peak(service: Service, shift: str) -> int:
    """Agents on duty at the shift's busiest hour."""
    _code, first, last = next(s for s in SHIFTS if s[0] == shift)
    return int(max(service.agents_by_hour[first:last]))


def with_shift(service: Service, shift: str, peak: int) -> Service:
    """``service`` with the shift's busiest hour at ``peak`` agents: every hour of the
    shift moves by the same number of agents (its shape kept, none below 0)."""
    _code, first, last = next(s for s in SHIFTS if s[0] == shift)
    delta = int(peak) - shift_peak(service, shift)
    agents = list(service.agents_by_hour)
    for h in range(first, last):
        agents[h] = float(max(0, int(agents[h]) + delta))
    return with_agents_by_hour(service, tuple(agents))


def _edit(key: str, change: Any) -> None:
    """Callback: apply ``change(service, value)`` to the current scenario's centre."""
    scenario = state.current_scenario()
    service = service_of(scenario)
    edited = dataclasses.replace(scenario, service=change(service, st.session_state[key]))
    problem = apply_edit(edited)
    st.session_state[_ERROR_KEY] = (key, problem) if problem else None


def _number(container: Any, key: str, label: str, help_text: str, value: float,
            low: float, high: float, step: float, change: Any, integer: bool = False) -> None:
    st.session_state[key] = int(value) if integer else float(value)
    container.number_input(label, min_value=int(low) if integer else float(low),
                           max_value=int(high) if integer else float(high),
                           step=int(step) if integer else float(step), key=key,
                           help=help_text, on_change=_edit, args=(key, change),
                           format="%d" if integer else "%.1f")
    error = st.session_state.get(_ERROR_KEY)
    if error and error[0] == key:
        container.error(error[1], icon=":material/error:")


def render_centre_levers(scenario: Scenario) -> None:
    """Agents by shift and the handling times (the CRM toggle is the shared lever)."""
    service = service_of(scenario)
    cols = st.columns(len(SHIFTS) + 2)
    for col, (code, first, last) in zip(cols[:len(SHIFTS)], SHIFTS, strict=True):
        _number(col, f"svc_shift_{code}", t(f"service.shift_{code}"),
                t("service.shift_help"), shift_peak(service, code), 0, AGENTS_MAX, 1,
                lambda s, v, code=code: with_shift(s, code, int(v)), integer=True)
        hours = ", ".join(str(int(a)) for a in service.agents_by_hour[first:last])
        col.caption(t("service.shift_hours", first=f"{first:02d}", last=f"{last:02d}",
                      hours=hours))
    fs = spec_at("service.query_handling_minutes")
    low, high = float(fs.minimum or 0.1), float(fs.maximum or 480)
    _number(cols[-2], "svc_query_minutes", t("service.query_minutes"),
            t("service.query_minutes_help"), service.query_handling_minutes, low, high, 0.5,
            lambda s, v: dataclasses.replace(s, query_handling_minutes=float(v)))
    _number(cols[-1], "svc_complaint_minutes", t("service.complaint_minutes"),
            t("service.complaint_minutes_help"), service.complaint_handling_minutes, low,
            high, 0.5, lambda s, v: dataclasses.replace(s, complaint_handling_minutes=float(v)))


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=_HASH)
def _cached_job(job: ServiceJob) -> ServiceRun:
    """:func:`sim.service.run.run_job`, cached on the job (64 entries)."""
    return run_job(job)


@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=_HASH)
def cached_results(scenario: Scenario, service: Service) -> tuple[ServiceOutcome, pd.DataFrame]:
    """The scenario with the feedback of ``service`` (and its baseline with the same
    centre), then "what do N more agents buy?", with a progress bar drawn and emptied
    inside (a cache hit replays an empty element).

    Raises:
        sim.budget.BudgetError: a run over the event budget (before it starts).
    """
    bar = st.progress(0.0, text=t("service.progress_run"))
    outcome = service_aware_run(
        scenario, engine=_cached_job, service=service,
        progress=lambda f: bar.progress(min(1.0, 0.5 * f), text=t("service.progress_run")))
    table = staffing_options(
        outcome, engine=_cached_job,
        progress=lambda f: bar.progress(min(1.0, 0.5 + 0.5 * f),
                                        text=t("service.progress_staffing")))
    bar.empty()
    return outcome, table


def requested() -> tuple[Scenario, Service] | None:
    """The last run asked for in this session."""
    return st.session_state.get(REQUEST_KEY)


def request(scenario: Scenario, service: Service) -> None:
    """Remember a run (the results stay in the cache)."""
    st.session_state[REQUEST_KEY] = (scenario, service)


def is_current(scenario: Scenario, service: Service) -> bool:
    """True when the last run asked for is of this scenario and centre."""
    asked = requested()
    return asked is not None and asked[0] == scenario and asked[1] == service


def run_size_text(scenario: Scenario, service: Service) -> str:
    """What a run simulates: weeks a year, feedback passes, about how many events."""
    job = job_for(scenario, state.cohort_run(scenario), service)
    return t("service.run_size", weeks=service.sample_weeks, passes=service.feedback_passes,
             events=fmt_count(estimate_events(job)))


def _weighted(yearly: pd.DataFrame, column: str) -> float:
    values, weights = yearly[column], yearly["contacts"]
    keep = values.notna() & (weights > 0)
    return float((values[keep] * weights[keep]).sum() / weights[keep].sum()) if keep.any() \
        else float("nan")


def headline(outcome: ServiceOutcome) -> list[tuple[str, str]]:
    """The service KPIs over the horizon (contact-weighted), as (label, value) pairs."""
    y = outcome.run.yearly
    cur = outcome.scenario.currency
    return [
        (t("service.kpi_service_level", target=fmt_number(outcome.service.target_seconds)),
         fmt_pct(_weighted(y, "service_level"))),
        (t("service.kpi_asa"), t("service.seconds", value=fmt_number(
            _weighted(y, "asa_seconds"), 1))),
        (t("service.kpi_abandonment"), fmt_pct(_weighted(y, "abandonment"))),
        (t("service.kpi_aht"), t("service.minutes", value=fmt_number(
            _weighted(y, "aht_minutes"), 1))),
        (t("service.kpi_occupancy"), fmt_pct(_weighted(y, "occupancy"))),
        (t("service.kpi_fcr"), fmt_pct(_weighted(y, "fcr"))),
        (t("service.kpi_cost"), fmt_money_short(float(y["cost"].iloc[0]), cur)),
    ]


def _first_year(result: Any, column: str, frame: str) -> float:
    table = getattr(result, frame)
    return float("nan") if table is None else float(table[column].iloc[0])


def chain_frame(outcome: ServiceOutcome) -> pd.DataFrame:
    """Wait → perceived performance → satisfaction → retention → NPV: without the service
    feedback (the scenario as the other pages show it), with the simulated service, the
    change, and the baseline with the same centre (when it differs from the scenario)."""
    s, cur = outcome.scenario, outcome.scenario.currency
    runs = [("without", outcome.plain, s, None), ("with", outcome.result, outcome.adjusted,
                                                  outcome)]
    base = outcome.baseline
    if base is not None:
        runs.append(("baseline", base.result, base.adjusted, base))
    rows: dict[str, dict[str, str]] = {}

    def add(label: str, values: list[float], fmt: Any, delta_fmt: Any) -> None:
        row = {t(f"service.chain_{name}"): fmt(v) for (name, *_rest), v in zip(runs, values,
                                                                              strict=True)}
        row[t("service.chain_change")] = delta_fmt(values[1] - values[0])
        rows[label] = row

    asa = [float("nan")] + [_weighted(o.run.yearly, "asa_seconds") for *_r, o in runs[1:]]
    rows[t("service.chain_wait")] = {
        **{t(f"service.chain_{name}"): (t("service.chain_no_wait") if o is None else
                                        t("service.seconds", value=fmt_number(v, 1)))
           for (name, _res, _sc, o), v in zip(runs, asa, strict=True)},
        t("service.chain_change"): ""}
    add(t("service.chain_performance"), [sc.satisfaction.service_quality for _n, _r, sc, _o
                                         in runs],
        lambda v: fmt_number(v, 2), lambda d: f"{d:+.2f}")
    add(t("service.chain_satisfaction"),
        [_first_year(r, "mean_satisfaction", "loyalty_types") for _n, r, _s, _o in runs],
        lambda v: fmt_number(v, 2), lambda d: fmt_number(d, 2) if d != d else f"{d:+.2f}")
    add(t("service.chain_retention"),
        [_first_year(r, "renewal_rate", "tenure") for _n, r, _s, _o in runs],
        fmt_pct, lambda d: f"{d * 100:+.1f} pt")
    add(t("service.chain_customers", years=s.horizon_years),
        [r.kpis["customers_end"] for _n, r, _s, _o in runs], fmt_count,
        lambda d: f"{d:+,.0f}")
    add(t("service.chain_npv"), [r.kpis["npv"] for _n, r, _s, _o in runs],
        lambda v: fmt_money(v, cur, 0), lambda d: f"{'+' if d >= 0 else '-'}{cur} {abs(d):,.0f}")
    costs = [outcome.service_cost_pv, outcome.service_cost_pv] + (
        [base.service_cost_pv] if base is not None else [])
    add(t("service.chain_cost"), costs, lambda v: fmt_money(v, cur, 0), lambda d: "")
    add(t("service.chain_npv_cost"),
        [r.kpis["npv"] - c for (_n, r, _s, _o), c in zip(runs, costs, strict=True)],
        lambda v: fmt_money(v, cur, 0), lambda d: f"{'+' if d >= 0 else '-'}{cur} {abs(d):,.0f}")
    return pd.DataFrame(rows).T.rename_axis(t("service.chain_step")).reset_index()


def yearly_frame(run: ServiceRun, currency: str) -> pd.DataFrame:
    """The KPIs per year for reading (translated headers, rounded values)."""
    y = run.yearly
    formats = {
        "requests": fmt_count, "complaints": fmt_count, "contacts": fmt_count,
        "handled": fmt_count, "complaints_handled": fmt_count,
        "asa_seconds": lambda v: fmt_number(v, 1), "service_level": fmt_pct,
        "abandonment": fmt_pct, "aht_minutes": lambda v: fmt_number(v, 1),
        "occupancy": fmt_pct, "fcr": fmt_pct, "unresolved": fmt_pct,
        "agent_hours": fmt_count, "cost": lambda v: fmt_money(v, currency, 0),
        "shift_points": lambda v: f"{v:+.3f}"}
    out = {t("service.col_year"): y["year"].astype(int).tolist()}
    for column in YEARLY_COLUMNS[1:]:
        out[t(f"service.col_{column}")] = [formats[column](v) for v in y[column]]
    return pd.DataFrame(out)


def staffing_frame(table: pd.DataFrame, currency: str) -> pd.DataFrame:
    """"What do N more agents buy?" for reading."""
    rows = []
    for row in table.itertuples():
        roi = (t(f"reason.{row.roi_reason}") if isinstance(row.roi_reason, str)
               else fmt_pct(row.roi, 0))
        rows.append({
            t("service.col_agents_delta"): f"{row.agents_delta:+d}",
            t("service.col_agent_hours"): fmt_count(row.agent_hours),
            t("service.col_service_level"): fmt_pct(row.service_level),
            t("service.col_asa_seconds"): fmt_number(row.asa_seconds, 1),
            t("service.col_shift_points"): f"{row.shift_points:+.3f}",
            t("service.col_incremental_cost"): fmt_money(row.incremental_cost, currency, 0),
            t("service.col_npv_gain"): fmt_money(row.npv_gain, currency, 0),
            t("service.col_roi"): roi})
    return pd.DataFrame(rows)


def busiest_year(run: ServiceRun) -> int:
    """The year (1…) with the most requests: the page's default typical week."""
    return int(run.yearly.loc[run.yearly["requests"].idxmax(), "year"])


def day_labels() -> tuple[str, ...]:
    """Monday … Sunday, translated."""
    return tuple(t(f"service.day_{d}") for d in range(7))
