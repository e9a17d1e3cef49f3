"""A scenario's contact centre simulated year by year, and the results with its feedback.

**Demand from the cohort engine.** Each year of the horizon simulates ``sample_weeks``
weeks spread over the year (week j_k = ⌊(k + ½)·52/n⌋, k = 0…n−1), one after the other in
one continuous run. A week's arrival rate is the active customers of its month (the cohort
engine's ``active``: the month's period, or the year's with yearly periods) × the request
rates, shaped by the weekly and daily profiles. Counts per year are scaled to 365 days;
the cost is 365 days of ``agents_by_hour`` × ``agent_cost_per_hour``.

**Feedback** (:func:`service_aware_run`). Pass 1 takes the customers of the scenario as it
is (:func:`sim.cohort.run_cohort`), simulates the service, maps the experience to a shift in
perceived performance (:mod:`sim.service.loyalty_link`) and runs the service-adjusted
scenario; each further pass (``feedback_passes``) simulates the customers of the previous
pass's adjusted run. The result is set beside the same scenario without the feedback (the
NPV effect of the service) and, with the same contact centre, beside the scenario's
baseline (:func:`sim.whatif.baseline_for`).

**Money.** The cohort engine's NPV knows nothing of the agents; the service cost is a
separate present value: each year's cost spread over its periods and discounted as the
engine discounts costs (at the start of each period). "NPV with the service cost" is the
engine's NPV minus it.

**Budget.** Every run's simpy events are estimated from its expected contacts before it
starts; a run over :data:`sim.service.queue.EVENT_BUDGET` is refused with a
:class:`sim.budget.BudgetError` naming the fields to lower.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.budget import BudgetError
from sim.cohort import CohortResult, run_cohort
from sim.finance import discount_factors, roi
from sim.scenario import Scenario
from sim.schema import Issue
from sim.service.erlang import agents_for_service_level
from sim.service.kpis import hourly_service_level, week_profile, yearly_table
from sim.service.loyalty_link import (
    FEEDBACK_NONE,
    experience_table,
    feedback_kind,
    mean_shift,
    service_adjusted_scenario,
    yearly_shift,
)
from sim.service.model import (
    HOURS_PER_WEEK,
    MINUTES_PER_WEEK,
    QueueParams,
    run_queue,
    streams,
    weekly_arrivals,
)
from sim.service.params import HOURS, Service, with_agents_by_hour
from sim.service.queue import EVENT_BUDGET

_A = "messages.allowed."
_F = "messages.found."

__all__ = ["ServiceJob", "ServiceRun", "ServiceOutcome", "Engine", "Progress", "STAFFING_DELTAS",
           "sample_weeks", "week_shape", "queue_params", "job_for", "estimate_events",
           "check_job", "run_job", "service_cost_pv", "suggest_agents", "service_for",
           "service_aware_run", "staffing_options", "STAFFING_COLUMNS"]

STAFFING_DELTAS = (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5)
"""Agents added to (or taken from) every staffed hour in "what do N more agents buy?"."""

STAFFING_COLUMNS = ("agents_delta", "agent_hours", "service_level", "asa_seconds",
                    "abandonment", "shift_points", "npv", "service_cost_pv", "npv_gain",
                    "incremental_cost", "roi", "roi_reason")
"""Columns of :func:`staffing_options`."""


@dataclass(frozen=True)
class ServiceJob:
    """One run of the event engine: everything it reads (hashable: a cache key).

    Attributes:
        service: the contact centre; crm_enabled: the CRM system is on (its cuts apply);
        seed: the scenario's seed; customers: active customers of each sampled week, by
        year (Y tuples of ``service.sample_weeks`` values).
    """

    service: Service
    crm_enabled: bool
    seed: int
    customers: tuple[tuple[float, ...], ...]

    @property
    def years(self) -> int:
        """Years simulated."""
        return len(self.customers)


@dataclass(frozen=True, eq=False)
class ServiceRun:
    """What one run of the event engine measured.

    Attributes:
        yearly: KPIs per year (:data:`sim.service.kpis.YEARLY_COLUMNS`).
        week: typical week of each year (:func:`sim.service.kpis.week_profile`).
        hourly: service level by hour of the day and year
            (:func:`sim.service.kpis.hourly_service_level`).
        experience: per year and kind (:data:`sim.service.loyalty_link.EXPERIENCE_COLUMNS`).
        shift: the shift in perceived performance applied (1-5 points, ≤ 0).
        customers_by_year: mean active customers of each year's sampled weeks.
        requests, contacts, events: simulated first contacts, contacts, simpy events;
        seconds: wall time of the simulation.
    """

    yearly: pd.DataFrame
    week: pd.DataFrame
    hourly: pd.DataFrame
    experience: pd.DataFrame
    shift: float
    customers_by_year: np.ndarray
    requests: int
    contacts: int
    events: int
    seconds: float


Engine = Callable[[ServiceJob], ServiceRun]
"""Runs a job: :func:`run_job`, or a caching wrapper of it (the page's)."""
Progress = Callable[[float], None]
"""Told the share of the work done (0-1) after each engine run."""


def sample_weeks(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The weeks of a year simulated (0-51) and the month (0-11) each falls in."""
    weeks = np.floor((np.arange(n) + 0.5) * 52 / n).astype(int)
    months = np.minimum(11, np.floor((7 * weeks + 3.5) * 12 / 365).astype(int))
    return weeks, months


def week_shape(service: Service) -> np.ndarray:
    """Relative arrival rate by hour of the week (168, mean 1): weekly × daily profile."""
    shape = np.outer(service.weekly_profile, service.daily_profile).ravel()
    mean = shape.mean()
    return shape / mean if mean > 0 else np.zeros(HOURS_PER_WEEK)


def queue_params(service: Service, crm_enabled: bool) -> QueueParams:
    """The engine's :class:`~sim.service.model.QueueParams` of ``service``, with the CRM
    system's cut in handling time and rise in first-contact resolution when it is on."""
    cut = service.crm_handling_cut if crm_enabled else 0.0
    rise = service.crm_fcr_points if crm_enabled else 0.0
    return QueueParams(
        handling=(service.query_handling_minutes * (1 - cut),
                  service.complaint_handling_minutes * (1 - cut)),
        distribution=service.handling_distribution, spread=service.handling_spread,
        patience=service.patience_minutes if service.patience_minutes > 0 else math.inf,
        fcr=(min(1.0, service.query_fcr + rise), min(1.0, service.complaint_fcr + rise)),
        redial_share=service.redial_share, return_after=service.return_after_hours * 60.0,
        max_contacts=service.max_contacts,
        agents_by_hour=tuple(int(a) for a in service.agents_by_hour))


def _active_by_month(scenario: Scenario, result: CohortResult) -> np.ndarray:
    """Active customers by year and month, shape (Y, 12)."""
    active = result.periods["active"].to_numpy(dtype=float)
    years = scenario.horizon_years
    if scenario.periods_per_year == 12:
        return active.reshape(years, 12)
    return np.repeat(active[:, None], 12, axis=1)


def job_for(scenario: Scenario, result: CohortResult, service: Service | None = None
            ) -> ServiceJob:
    """The engine run of ``scenario``'s contact centre (``service``, default the scenario's
    ``[service]``) for the customers of ``result`` (a cohort run of the scenario)."""
    service = service or scenario.service
    if service is None:
        raise ValueError("the scenario has no [service] section")
    _weeks, months = sample_weeks(service.sample_weeks)
    by_month = _active_by_month(scenario, result)
    customers = tuple(tuple(float(x) for x in row[months]) for row in by_month)
    return ServiceJob(service, scenario.crm_system.enabled, scenario.seed, customers)


def _hourly_rates(job: ServiceJob) -> np.ndarray:
    """(W, 2) mean queries and complaints per hour in each simulated week (run order)."""
    s = job.service
    per_hour = np.array([s.queries_per_customer_month, s.complaints_per_customer_month]) \
        * 12.0 / (365.0 * 24.0)
    customers = np.asarray(job.customers, dtype=float).ravel()
    return customers[:, None] * per_hour[None, :]


def _contacts_per_request(params: QueueParams, service: Service) -> float:
    """Contacts per request at most, about: returns after a failed resolution or a redial
    (the larger of the two chances) repeat up to ``max_contacts``."""
    again = max(1.0 - min(params.fcr), service.redial_share if math.isfinite(params.patience)
                else 0.0)
    return float(sum(again ** k for k in range(params.max_contacts)))


def estimate_events(job: ServiceJob) -> float:
    """Simpy events the run of ``job`` schedules, about: per contact an arrival, an end of
    handling and (with finite patience) an abandonment timer, one more per return; one
    per simulated hour."""
    params = queue_params(job.service, job.crm_enabled)
    requests = float(_hourly_rates(job).sum()) * HOURS_PER_WEEK
    per_contact = 3.0 if math.isfinite(params.patience) else 2.0
    contacts = requests * _contacts_per_request(params, job.service)
    weeks = job.years * job.service.sample_weeks
    return contacts * per_contact + (contacts - requests) + weeks * HOURS_PER_WEEK


def check_job(job: ServiceJob) -> None:
    """Refuse a run over the event budget before it starts (:class:`sim.budget.BudgetError`
    naming the fields to lower and the events they imply)."""
    events = estimate_events(job)
    if events <= EVENT_BUDGET:
        return
    s = job.service
    requests = float(_hourly_rates(job).sum()) * HOURS_PER_WEEK
    weekly = requests / max(1, job.years * s.sample_weeks)
    raise BudgetError([
        Issue("service.sample_weeks", "rule", allowed_key=_A + "sv_run_events",
              got_key=_F + "sv_run_events",
              params=(("budget", f"{EVENT_BUDGET:,}"), ("weeks", str(s.sample_weeks)),
                      ("years", str(job.years)), ("weekly", f"{weekly:,.0f}"),
                      ("events", f"{events:,.0f}"))),
        Issue("service.queries_per_customer_month", "rule",
              allowed_key=_A + "sv_fewer_requests", got_key=_F + "sv_requests",
              params=(("queries", f"{s.queries_per_customer_month:g}"),
                      ("complaints", f"{s.complaints_per_customer_month:g}"))),
    ])


def run_job(job: ServiceJob) -> ServiceRun:
    """Run the event engine for ``job`` (refused first when over the budget).

    Raises:
        sim.budget.BudgetError: over :data:`sim.service.queue.EVENT_BUDGET`.
    """
    check_job(job)
    s = job.service
    params = queue_params(s, job.crm_enabled)
    rng = streams(job.seed)
    times, kinds = weekly_arrivals(rng["arrivals"], _hourly_rates(job), week_shape(s))
    log = run_queue(params, times, kinds, rng)
    weeks = s.sample_weeks
    week_of_request = np.floor(times / MINUTES_PER_WEEK).astype(np.int64)
    request_year = week_of_request // weeks
    years = job.years
    experience = experience_table(log, request_year, years, s)
    shifts = yearly_shift(experience, s, years)
    customers = np.asarray(job.customers, dtype=float).reshape(years, weeks).mean(axis=1)
    staffed_week = 7 * 60.0 * float(sum(params.agents_by_hour))
    yearly = yearly_table(log, request_year, years, weeks, s.target_seconds / 60.0,
                          staffed_week, 365.0 * float(sum(params.agents_by_hour)),
                          s.agent_cost_per_hour, shifts)
    week_year = np.repeat(np.arange(years), weeks)
    contact_year = request_year[log.request]
    return ServiceRun(yearly=yearly, week=week_profile(log, week_year, params.agents_by_hour),
                      hourly=hourly_service_level(log, contact_year, s.target_seconds / 60.0,
                                                  years),
                      experience=experience, shift=mean_shift(shifts, customers),
                      customers_by_year=customers, requests=log.requests,
                      contacts=len(log.request), events=log.events, seconds=log.seconds)


def service_cost_pv(scenario: Scenario, yearly_cost: np.ndarray) -> float:
    """Present value (currency) of the yearly service costs, each spread evenly over the
    year's periods and discounted at the start of each period (as the engines discount
    costs)."""
    ppy = scenario.periods_per_year
    per_period = np.repeat(np.asarray(yearly_cost, dtype=float) / ppy, ppy)
    factors = discount_factors(len(per_period), scenario.finance.discount_rate, ppy, "start")
    return float(per_period @ factors)


def suggest_agents(scenario: Scenario, service: Service, result: CohortResult) -> tuple[int, ...]:
    """Agents by hour meeting ``service_level_goal`` within ``target_seconds`` by Erlang C at
    the busiest month's customers and each hour's busiest weekday (handling: the requests'
    mean, CRM cut included); at least one agent every hour.

    Returns after a failed resolution come back about a day later, spread over the day:
    each hour's rate adds them at the day's mean rate (Σ_{k=1}^{K−1} (1 − fcr)^k returns
    per request, fcr the requests' mean first-contact resolution)."""
    params = queue_params(service, scenario.crm_system.enabled)
    peak = float(_active_by_month(scenario, result).max())
    rates = np.array([service.queries_per_customer_month,
                      service.complaints_per_customer_month]) * 12.0 / (365.0 * 24.0 * 60.0)
    total = float(rates.sum())
    handling = float(rates @ np.asarray(params.handling) / total) if total > 0 else 1.0
    shape = week_shape(service).reshape(7, HOURS).max(axis=0)
    fail = float(rates @ (1.0 - np.asarray(params.fcr)) / total) if total > 0 else 0.0
    repeats = float(sum(fail ** k for k in range(1, params.max_contacts)))
    agents = []
    for h in range(HOURS):
        lam = peak * total * (float(shape[h]) + repeats)
        needed = agents_for_service_level(lam, handling, service.target_seconds / 60.0,
                                          service.service_level_goal)
        agents.append(max(1, needed))
    return tuple(agents)


def service_for(scenario: Scenario, result: CohortResult | None = None) -> Service:
    """The scenario's ``[service]``; without one, the defaults with agents by hour sized to
    the scenario's customers (:func:`suggest_agents`)."""
    if scenario.service is not None:
        return scenario.service
    base = Service()
    result = result if result is not None else run_cohort(scenario)
    return with_agents_by_hour(base, suggest_agents(scenario, base, result))


@dataclass(frozen=True, eq=False)
class ServiceOutcome:
    """A scenario's results with the feedback of its simulated service.

    Attributes:
        scenario: as given; service: the contact centre simulated.
        adjusted: the service-adjusted scenario of the last pass
            (:func:`sim.service.loyalty_link.service_adjusted_scenario`).
        feedback: ``satisfaction`` or ``not_satisfaction_model``.
        passes: the shift of each pass (1-5 points).
        run: the last pass's engine run.
        plain: :func:`sim.cohort.run_cohort` of the scenario (no feedback).
        result: :func:`sim.cohort.run_cohort` of ``adjusted``.
        service_cost_pv: present value of the service cost (currency).
        baseline: the scenario's baseline with the same contact centre (None when not asked
            for, or when the baseline is the scenario itself: then ``baseline_is_scenario``).
    """

    scenario: Scenario
    service: Service
    adjusted: Scenario
    feedback: str
    passes: tuple[float, ...]
    run: ServiceRun
    plain: CohortResult
    result: CohortResult
    service_cost_pv: float
    baseline: ServiceOutcome | None = None
    baseline_is_scenario: bool = False

    @property
    def shift(self) -> float:
        """The shift applied (the last pass's)."""
        return self.passes[-1]

    @property
    def npv_effect(self) -> float:
        """NPV with the service feedback − NPV of the same scenario without it (currency;
        the service cost is the same in both and left out)."""
        return self.result.kpis["npv"] - self.plain.kpis["npv"]

    @property
    def npv_with_service_cost(self) -> float:
        """The engine's NPV with the feedback minus the service cost's present value."""
        return self.result.kpis["npv"] - self.service_cost_pv

    def against_baseline(self) -> float | None:
        """NPV with the service cost of the scenario − of its baseline (both with the
        feedback of the same contact centre); None without a baseline run."""
        if self.baseline_is_scenario:
            return 0.0
        if self.baseline is None:
            return None
        return self.npv_with_service_cost - self.baseline.npv_with_service_cost


def _passes(scenario: Scenario, service: Service, plain: CohortResult, engine: Engine,
            tick: Callable[[], None]) -> tuple[Scenario, tuple[float, ...], ServiceRun,
                                               CohortResult]:
    result, adjusted = plain, scenario
    shifts: list[float] = []
    run: ServiceRun | None = None
    for _ in range(service.feedback_passes):
        run = engine(job_for(scenario, result, service))
        tick()
        shift = run.shift if feedback_kind(scenario) != FEEDBACK_NONE else 0.0
        shifts.append(shift)
        adjusted = service_adjusted_scenario(scenario, shift)
        result = plain if adjusted is scenario else run_cohort(adjusted)
        if feedback_kind(scenario) == FEEDBACK_NONE:
            break
    assert run is not None
    return adjusted, tuple(shifts), run, result


def _outcome(scenario: Scenario, service: Service, engine: Engine,
             tick: Callable[[], None]) -> ServiceOutcome:
    plain = run_cohort(scenario)
    check_job(job_for(scenario, plain, service))
    adjusted, shifts, run, result = _passes(scenario, service, plain, engine, tick)
    cost = service_cost_pv(scenario, run.yearly["cost"].to_numpy())
    return ServiceOutcome(scenario, service, adjusted, feedback_kind(scenario), shifts, run,
                          plain, result, cost)


def service_aware_run(scenario: Scenario, *, engine: Engine = run_job,
                      progress: Progress | None = None, with_baseline: bool = True,
                      service: Service | None = None) -> ServiceOutcome:
    """The scenario's results with the feedback of its simulated contact centre.

    Args:
        scenario: the scenario; its ``[service]`` is the contact centre (``service``
            overrides it; without either, :func:`service_for`'s sized defaults).
        engine: runs one :class:`ServiceJob` (a caching wrapper of :func:`run_job`).
        progress: told the share of the engine runs done after each.
        with_baseline: also run the scenario's baseline (:func:`sim.whatif.baseline_for`)
            with the same contact centre.

    Raises:
        sim.budget.BudgetError: a run over the event budget (before it starts).
    """
    from sim.whatif import baseline_for

    service = service or service_for(scenario)
    baseline = baseline_for(scenario) if with_baseline else None
    same = baseline is not None and baseline == scenario
    total = service.feedback_passes * (2 if baseline is not None and not same else 1)
    done = [0]

    def tick() -> None:
        done[0] += 1
        if progress is not None:
            progress(min(1.0, done[0] / total))

    outcome = _outcome(scenario, service, engine, tick)
    if baseline is None or same:
        if progress is not None:
            progress(1.0)
        return dataclasses.replace(outcome, baseline_is_scenario=same)
    base = _outcome(baseline, service, engine, tick)
    if progress is not None:
        progress(1.0)
    return dataclasses.replace(outcome, baseline=base)


def _shifted_agents(service: Service, delta: int) -> tuple[int, ...]:
    """``delta`` agents more (or fewer) in every staffed hour; at least one stays."""
    return tuple(0 if a == 0 else max(1, int(a) + delta) for a in service.agents_by_hour)


def staffing_options(outcome: ServiceOutcome, deltas: Sequence[int] = STAFFING_DELTAS, *,
                     engine: Engine = run_job, progress: Progress | None = None
                     ) -> pd.DataFrame:
    """What N more (or fewer) agents buy: one row per delta (:data:`STAFFING_COLUMNS`).

    Each option adds ``delta`` agents to every staffed hour (at least one agent stays in
    each), simulates the customers of the outcome's adjusted run once (one pass, common
    random numbers) and runs its service-adjusted scenario. ``npv_gain`` = (NPV −
    service cost PV) of the option − the same of the current staffing;
    ``incremental_cost`` = the change in the service cost's present value; ``roi`` =
    npv_gain / incremental_cost when the option costs more (else NaN, ``roi_reason``
    ``no_investment``). A delta of 0 is the current staffing.
    """
    scenario, service = outcome.scenario, outcome.service
    base_value = outcome.npv_with_service_cost
    rows: list[dict[str, Any]] = []
    for i, delta in enumerate(deltas):
        agents = _shifted_agents(service, delta)
        option = with_agents_by_hour(service, agents)
        if delta == 0:
            run, result, cost, shift = (outcome.run, outcome.result, outcome.service_cost_pv,
                                        outcome.shift)
        else:
            run = engine(job_for(scenario, outcome.result, option))
            shift = run.shift if outcome.feedback != FEEDBACK_NONE else 0.0
            adjusted = service_adjusted_scenario(scenario, shift)
            result = outcome.plain if adjusted is scenario else run_cohort(adjusted)
            cost = service_cost_pv(scenario, run.yearly["cost"].to_numpy())
        npv = result.kpis["npv"]
        gain = npv - cost - base_value
        extra = cost - outcome.service_cost_pv
        value = roi(gain + extra, extra) if extra > 0 else None
        yearly = run.yearly
        rows.append({"agents_delta": delta, "agent_hours": float(yearly["agent_hours"].iloc[0]),
                     "service_level": _weighted(yearly, "service_level"),
                     "asa_seconds": _weighted(yearly, "asa_seconds"),
                     "abandonment": _weighted(yearly, "abandonment"),
                     "shift_points": shift, "npv": npv, "service_cost_pv": cost,
                     "npv_gain": gain, "incremental_cost": extra, "roi": value,
                     "roi_reason": None if value is not None else "no_investment"})
        if progress is not None:
            progress((i + 1) / len(deltas))
    return pd.DataFrame(rows, columns=list(STAFFING_COLUMNS))


def _weighted(yearly: pd.DataFrame, column: str) -> float:
    """A contact share or mean over the horizon, weighted by each year's contacts."""
    values = yearly[column].to_numpy(dtype=float)
    weights = yearly["contacts"].to_numpy(dtype=float)
    keep = np.isfinite(values) & (weights > 0)
    return float(values[keep] @ weights[keep] / weights[keep].sum()) if keep.any() else math.nan
