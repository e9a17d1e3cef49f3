"""Whole-model optimiser: the plan of acquisition budget and relationship programmes with the
highest NPV, on any scenario, and how sure and how flat that answer is.

**Levers** (a :class:`Plan`): the paid acquisition budget per year
(``acquisition.budget_per_year``, when ``acquisition.mode = "paid"``), the retention spend
per customer-period (``retention_spend.spend``, when the scenario's ``[retention_spend]``
response curve is on: :mod:`sim.retention_spend`), and the portfolio of the five
programmes of DOMAIN.md §4 (which run, and each one's ``enrolment_share``; with retention
model ``satisfaction``, the only one programmes act through). Every other field, the
programmes' costs per member and effects included, stays as the scenario has it.

**Objective.** The NPV of the scenario with the plan minus the NPV of one fixed
*reference*, :func:`sim.whatif.baseline_for` of the scenario as given (its ``[baseline]``:
"do nothing" at the loaded acquisition budget for ``no_programme``, the preset's policy
for ``preset``, the loaded plan itself for ``as_is``). Every candidate is measured against
the same reference, so the ranking is the ranking of NPV. Each candidate's gain against
its *own* baseline (what the dashboard shows once the plan is applied) is computed too,
batched: for ``no_programme`` that baseline moves with the acquisition budget, which is
why it cannot be the objective — it charges nothing for acquisition spend (on
``whatif_points_programme`` it grows to +2.3 M at a budget of 5 M a year while the NPV
falls by 17 M).

**Budget** (optional): a cap on the yearly spend the levers decide, the acquisition
budget plus the programmes' and the retention spend's average yearly cost over the horizon
(fixed and per member or customer, undiscounted). The CRM system and a scheduled
acquisition's cost per customer are not in it (no lever here changes them). With a cap
the optimum is a split of that budget between acquiring and keeping customers; without
one the split is reported as found.

**Search** (every candidate through :func:`sim.batch.evaluate_kpis`, in batches):

1. *screen*: every programme set (all 32 with satisfaction retention, else none) at
   enrolments 50 % and 100 % each, at half, once and twice the loaded budget (and of the
   loaded retention spend);
2. *refine*: the best sets (and the loaded plan's, and no programme) by a batched compass
   search over the budget, the retention spend and each enrolment (a step that improves
   doubles, none halves every step, to 0.5 % of enrolment and 0.01 % of the first budget
   or retention-spend step);
3. *surface*: the optimum's portfolio over a grid of budgets and retention spends (with
   the retention lever) or enrolment scales (without it): the page's heat map;
4. the optimum's finance (:func:`sim.whatif.finance_summary`: ROI, IRR, paybacks) against
   the reference and against its own baseline, and a Monte Carlo re-run of the optimum
   and the reference (:func:`sim.whatif.run_engines`, common random numbers) for the
   P10-P90 band of the NPV gain.

The loaded plan is always a candidate, so the optimum never loses to it (within the
budget). The *flat region* is every candidate within 1 % of the best gain.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.batch import evaluate_kpis
from sim.budget import BudgetError, cohort_estimate
from sim.cohort import run_cohort
from sim.finance import FinanceSummary
from sim.programmes import PROGRAMME_KINDS, programme_mix
from sim.retention_spend import spend_per_period
from sim.scenario import MONEY_MAX, Scenario, replace_path, scenario_name
from sim.schema import Issue, ScenarioError
from sim.whatif import baseline_for, finance_summary, run_engines

_A = "messages.allowed."
_F = "messages.found."

__all__ = ["PROGRAMME_SETS", "FLAT_SHARE", "STAGES", "Plan", "Candidate", "FlatRegion",
           "Spend", "Band", "OptimiseResult", "plan_of", "apply_plan", "evaluate_plans",
           "optimise", "budget_levers", "retention_lever", "programme_spend_per_customer",
           "OPTIMISE_TIME_BUDGET_SECONDS", "search_seconds"]

PROGRAMME_SETS: tuple[tuple[str, ...], ...] = tuple(
    combo for size in range(len(PROGRAMME_KINDS) + 1)
    for combo in itertools.combinations(PROGRAMME_KINDS, size))
"""The 32 portfolios (sets of programmes that run), the empty one first, in book order."""
FLAT_SHARE = 0.01
"""The flat region: candidates whose NPV gain is within this share of the best's."""
STAGES = ("screen", "refine", "surface", "finance", "monte_carlo", "done")
"""Progress stage codes, in order (the page translates them)."""

ProgressCallback = Callable[[float, str], None]
"""``progress(fraction done in [0, 1], stage code)``."""

_SCREEN_LEVELS = (0.5, 1.0)
_REDUCED_SCREEN_LEVELS = (1.0,)
_SCREEN_BUDGETS = (0.5, 1.0, 2.0)
_REFINE_SETS = 6
_MAX_ITERATIONS = 40


@dataclass(frozen=True)
class _SearchShape:
    """How wide the search is: enrolment levels screened, portfolios refined, compass
    iterations."""

    levels: tuple[float, ...]
    refine_sets: int
    max_iterations: int


_FULL_SEARCH = _SearchShape(_SCREEN_LEVELS, _REFINE_SETS, _MAX_ITERATIONS)
_REDUCED_SEARCH = _SearchShape(_REDUCED_SCREEN_LEVELS, 2, 20)

OPTIMISE_TIME_BUDGET_SECONDS = 10.0
"""Estimated time one optimisation may take (seconds, one core; as one Monte Carlo run,
:data:`sim.budget.TIME_BUDGET_SECONDS`): a room shares the server. Over it the search is
reduced (note ``reduced_search``); over it even then, the optimiser refuses."""

_EVALUATION_SHARE = 0.05
"""A batched KPI evaluation costs about this share of the cohort engine's estimated time
(:func:`sim.budget.cohort_estimate`; measured with bench/bench_optimise.py: 0.3-4.6 ms a
plan at 120-600 periods, 1/19-1/28 of the estimate)."""
_EVALUATIONS_PER_STEP = 1.25
"""Plans a compass search evaluates per portfolio, iteration and axis, on average (the
shipped what-ifs: 1,150-1,900 after the screen with 6 portfolios × 40 iterations × 6-7
axes), plus :data:`_SURFACE_BUDGETS` × (:data:`_SURFACE_SCALES` + 1) for the surface."""
_ENROLMENT_STEP, _ENROLMENT_MIN_STEP = 0.25, 0.005
_SURFACE_BUDGETS, _SURFACE_SCALES = 13, 11


@dataclass(frozen=True)
class Plan:
    """A point of the search: the levers the optimiser sets.

    Attributes:
        budget_per_year: paid acquisition budget (currency/year); None when acquisition
            is not paid (not a lever).
        enrolment: ``(kind, enrolment share)`` of every programme that runs, book order.
        retention_spend: retention spend per active customer-period (currency); None
            when the scenario has no retention response curve (not a lever).
    """

    budget_per_year: float | None
    enrolment: tuple[tuple[str, float], ...] = ()
    retention_spend: float | None = None

    @property
    def programmes(self) -> tuple[str, ...]:
        """The portfolio: the kinds that run."""
        return tuple(kind for kind, _ in self.enrolment)

    def key(self) -> tuple[Any, ...]:
        """Equal keys: the same plan (rounded far below any step of the search)."""
        budget = None if self.budget_per_year is None else round(self.budget_per_year, 6)
        spend = None if self.retention_spend is None else round(self.retention_spend, 9)
        return (budget, tuple((k, round(e, 9)) for k, e in self.enrolment), spend)

    def levers(self) -> dict[str, float | bool]:
        """``{scenario field path: value}``: the budget and the retention spend (each if a
        lever), every programme's ``enabled`` and the running ones' ``enrolment_share``."""
        out: dict[str, float | bool] = {}
        if self.budget_per_year is not None:
            out["acquisition.budget_per_year"] = self.budget_per_year
        if self.retention_spend is not None:
            out["retention_spend.spend"] = self.retention_spend
        shares = dict(self.enrolment)
        for kind in PROGRAMME_KINDS:
            out[f"programmes.{kind}.enabled"] = kind in shares
            if kind in shares:
                out[f"programmes.{kind}.enrolment_share"] = shares[kind]
        return out


def plan_of(scenario: Scenario) -> Plan:
    """The plan a scenario runs (its budget if paid, its enabled programmes, its retention
    spend if the response curve is on)."""
    budget = (scenario.acquisition.budget_per_year if scenario.acquisition.mode == "paid"
              else None)
    spend = scenario.retention_spend.spend if retention_lever(scenario) else None
    return Plan(budget, tuple((kind, p.enrolment_share) for kind, p in scenario.programmes.items()
                              if p.enabled), spend)


def apply_plan(scenario: Scenario, plan: Plan) -> Scenario:
    """``scenario`` with the plan's levers (other programmes switched off, their fields
    kept). Not validated: the plan's values are within the schema's ranges by
    construction, and programmes run only with satisfaction retention."""
    s = scenario
    if plan.budget_per_year is not None and s.acquisition.budget_per_year != plan.budget_per_year:
        s = replace_path(s, "acquisition.budget_per_year", float(plan.budget_per_year))
    if plan.retention_spend is not None and s.retention_spend.spend != plan.retention_spend:
        s = replace_path(s, "retention_spend.spend", float(plan.retention_spend))
    shares = dict(plan.enrolment)
    for kind, programme in scenario.programmes.items():
        enabled = kind in shares
        share = shares.get(kind, programme.enrolment_share)
        if programme.enabled != enabled or programme.enrolment_share != share:
            s = replace_path(s, f"programmes.{kind}",
                             dataclasses.replace(programme, enabled=enabled,
                                                 enrolment_share=float(share)))
    return s


@dataclass(frozen=True)
class Candidate:
    """One evaluated plan (expected-value engine; currency).

    Attributes:
        plan: the levers.
        npv: NPV of the scenario with the plan.
        npv_gain: ``npv`` − NPV of the reference (the objective).
        own_baseline_gain: ``npv`` − NPV of the plan's own baseline
            (:func:`sim.whatif.baseline_for` of the planned scenario).
        spend_per_year: acquisition budget + average programme cost per year (None when
            not computed: searches without a budget compute it for the reported plans).
    """

    plan: Plan
    npv: float
    npv_gain: float
    own_baseline_gain: float
    spend_per_year: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``levers``, ``npv_gain``, ``own_baseline_gain``, ``spend_per_year``."""
        return {"levers": self.plan.levers(), "npv_gain": _clean(self.npv_gain),
                "own_baseline_gain": _clean(self.own_baseline_gain),
                "spend_per_year": _clean(self.spend_per_year)}


def _clean(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


class _Evaluator:
    """Evaluates plans of one scenario in batches, remembering every one (by plan key)."""

    def __init__(self, scenario: Scenario, reference: Scenario, budget: float | None):
        self.scenario, self.reference, self.budget = scenario, reference, budget
        self.seen: dict[tuple[Any, ...], Candidate] = {}
        self.evaluations = 0
        self.reference_npv = float(evaluate_kpis([reference], "npv")[0])
        self._own_base: dict[Any, float] = {}

    def _own_base_key(self, plan: Plan) -> Any:
        kind = self.scenario.baseline.kind
        if kind == "no_programme":          # the plan without programmes: moves with budget
            return ("budget", plan.key()[0], plan.key()[2])
        return "fixed" if kind == "preset" else None     # as_is: the plan itself

    def evaluate(self, plans: Sequence[Plan], spend: bool | None = None) -> list[Candidate]:
        """The candidates of ``plans`` (new ones in one batch). ``spend``: also compute
        each one's spend (default: when there is a budget)."""
        want_spend = self.budget is not None if spend is None else spend
        new = list({p.key(): p for p in plans
                    if p.key() not in self.seen
                    or (want_spend and self.seen[p.key()].spend_per_year is None)}.values())
        if new:
            self._run(new, want_spend)
        return [self.seen[p.key()] for p in plans]

    def _run(self, plans: list[Plan], want_spend: bool) -> None:
        scenarios = [apply_plan(self.scenario, p) for p in plans]
        batch = list(scenarios)
        bases: dict[Any, int] = {}
        for plan in plans:
            key = self._own_base_key(plan)
            if key is not None and key not in self._own_base and key not in bases:
                bases[key] = len(batch)
                # no_programme: the planned budget without programmes (one per budget)
                batch.append(baseline_for(apply_plan(
                    self.scenario, Plan(plan.budget_per_year, (), plan.retention_spend)))
                             if key != "fixed" else self.reference)
        aux_at = len(batch)
        if want_spend:
            batch.extend(_spend_probe(s) for s in scenarios)
        kpis = evaluate_kpis(batch, ("npv", "profit"))
        self.evaluations += len(plans)
        for key, row in bases.items():
            self._own_base[key] = float(kpis["npv"][row])
        for i, (plan, s) in enumerate(zip(plans, scenarios, strict=True)):
            npv = float(kpis["npv"][i])
            key = self._own_base_key(plan)
            own = npv - (npv if key is None else self._own_base[key])
            spend = (_spend_per_year(s, float(kpis["profit"][aux_at + i])) if want_spend
                     else None)
            self.seen[plan.key()] = Candidate(plan, npv, npv - self.reference_npv, own, spend)

    def feasible(self, candidate: Candidate) -> bool:
        """Within the budget (always, without one)."""
        if self.budget is None:
            return True
        spend = candidate.spend_per_year
        return spend is not None and spend <= self.budget * (1 + 1e-12)


def _spend_probe(scenario: Scenario) -> Scenario:
    """The scenario earning nothing and without its CRM system: its profit is minus the
    acquisition spend and the programme costs (classes shared with the scenario)."""
    s = replace_path(scenario, "pricing", dataclasses.replace(
        scenario.pricing, first_year_price=0.0, renewal_price=0.0, variable_cost=0.0,
        acquisition_cost=0.0))
    return replace_path(s, "crm_system.enabled", False) if s.crm_system.enabled else s


def _paid_spend_total(scenario: Scenario) -> float:
    a = scenario.acquisition
    if a.mode != "paid":
        return 0.0
    return a.budget_per_year * min(a.years, scenario.horizon_years)


def _spend_per_year(scenario: Scenario, probe_profit: float) -> float:
    """Acquisition budget + average yearly programme cost (undiscounted, currency/year)."""
    programmes = -probe_profit - _paid_spend_total(scenario)
    budget = scenario.acquisition.budget_per_year if scenario.acquisition.mode == "paid" else 0.0
    return budget + max(programmes, 0.0) / scenario.horizon_years


def evaluate_plans(scenario: Scenario, plans: Sequence[Plan],
                   budget: float | None = None) -> list[Candidate]:
    """Evaluate ``plans`` on ``scenario`` in one batch, against its reference
    (:func:`sim.whatif.baseline_for` of ``scenario``), spend included.

    Raises:
        ScenarioError: the baseline's preset is missing or invalid.
    """
    return _Evaluator(scenario, baseline_for(scenario), budget).evaluate(plans, spend=True)


def budget_levers(scenario: Scenario) -> tuple[bool, tuple[tuple[str, ...], ...]]:
    """What the optimiser can move on ``scenario``: whether the acquisition budget is a
    lever (paid acquisition over at least one year), and the portfolios it can choose
    from (all 32 with satisfaction retention, else only none)."""
    paid = scenario.acquisition.mode == "paid" and scenario.acquisition.years > 0
    sets = PROGRAMME_SETS if scenario.retention.model == "satisfaction" else ((),)
    return paid, sets


def retention_lever(scenario: Scenario) -> bool:
    """Whether the retention spend is a lever: the scenario's ``[retention_spend]``
    response curve is on."""
    return scenario.retention_spend.enabled


@dataclass(frozen=True)
class FlatRegion:
    """The candidates within :data:`FLAT_SHARE` of the best NPV gain.

    Attributes:
        tolerance: how far below the best gain a candidate may be (currency).
        candidates: those candidates, best first.
    """

    tolerance: float
    candidates: tuple[Candidate, ...]

    def portfolios(self) -> list[tuple[str, ...]]:
        """The distinct portfolios in the region, in order of their best candidate."""
        return list(dict.fromkeys(c.plan.programmes for c in self.candidates))

    def budget_range(self) -> tuple[float, float] | None:
        """Lowest and highest budget in the region (None when the budget is not a lever)."""
        values = [c.plan.budget_per_year for c in self.candidates
                  if c.plan.budget_per_year is not None]
        return (min(values), max(values)) if values else None

    def enrolment_ranges(self) -> dict[str, tuple[float, float]]:
        """``{kind: (lowest, highest) enrolment}`` over the candidates that run it."""
        found: dict[str, list[float]] = {}
        for c in self.candidates:
            for kind, share in c.plan.enrolment:
                found.setdefault(kind, []).append(share)
        return {kind: (min(v), max(v)) for kind, v in found.items()}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``share``, ``tolerance``, ``candidates`` (count), ``portfolios``,
        ``budget_per_year`` ([low, high] or null), ``enrolment`` ({kind: [low, high]}),
        ``npv_gain`` ([lowest, highest])."""
        budget = self.budget_range()
        gains = [c.npv_gain for c in self.candidates]
        return {"share": FLAT_SHARE, "tolerance": self.tolerance,
                "candidates": len(self.candidates),
                "portfolios": [list(p) for p in self.portfolios()],
                "budget_per_year": None if budget is None else list(budget),
                "enrolment": {k: list(v) for k, v in self.enrolment_ranges().items()},
                "npv_gain": [min(gains), max(gains)]}


@dataclass(frozen=True)
class Spend:
    """A plan's yearly spend on the levers (currency/year, undiscounted).

    Attributes:
        acquisition: the paid acquisition budget (0 when not paid).
        programmes: the programmes' average yearly cost (fixed and per member).
        retention: the retention spend's average yearly cost (0 when off).
    """

    acquisition: float
    programmes: float
    retention: float = 0.0

    @property
    def total(self) -> float:
        """Acquisition + programmes + retention spend."""
        return self.acquisition + self.programmes + self.retention

    @property
    def acquisition_share(self) -> float | None:
        """Acquisition's share of the total (None when nothing is spent)."""
        return self.acquisition / self.total if self.total > 0 else None

    def as_dict(self) -> dict[str, float | None]:
        """JSON-ready."""
        return {"acquisition": self.acquisition, "programmes": self.programmes,
                "retention": self.retention, "total": self.total,
                "acquisition_share": self.acquisition_share}


@dataclass(frozen=True)
class Band:
    """The Monte Carlo NPV gain of the optimum against the reference, replication by
    replication with common random numbers (currency)."""

    replications: int
    mean: float
    p10: float
    p50: float
    p90: float

    def as_dict(self) -> dict[str, float | int]:
        """JSON-ready."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class OptimiseResult:
    """The optimiser's answer.

    Attributes:
        scenario: the scenario as given; reference: what every gain is measured against.
        budget: the cap (currency/year) or None.
        budget_lever: True when the acquisition budget was a lever.
        portfolios_searched: the programme sets considered.
        optimum, current, runner_up: the best candidate, the loaded plan, and the best
            candidate with another portfolio (None when only one portfolio was open).
        optimum_scenario: the scenario with the optimum's levers (validated).
        flat_region: the candidates within 1 % of the best gain.
        best_by_portfolio: the best candidate of each portfolio evaluated, best first.
        finance: the optimum against the reference (ROI, IRR, paybacks).
        own_finance: the optimum against its own baseline (what the dashboard shows).
        spend, current_spend: the optimum's and the loaded plan's yearly spend.
        band: the Monte Carlo P10-P90 of the NPV gain (None without Monte Carlo).
        surface: NPV gain over budget × enrolment scale for the optimum's portfolio:
            ``budget_per_year, scale, spend_per_customer, npv_gain, within_budget``
            (``scale`` 1 = the optimum's enrolments, 0 = no programme;
            ``spend_per_customer`` the programmes' nominal cost per customer-year at
            enrolment, currency; ``within_budget`` False for a plan over the budget).
        evaluations: plans evaluated.
        notes: codes of what limited the search (``budget_not_a_lever``,
            ``no_programmes_without_satisfaction``, ``current_over_budget``,
            ``monte_carlo_skipped``, ``over_budget:<kind>``: a programme whose fixed cost
            alone exceeds the budget, ``reduced_search``: the scenario is so large that
            the full search was estimated over :data:`OPTIMISE_TIME_BUDGET_SECONDS`, so
            one enrolment level was screened and fewer portfolios refined).
    """

    scenario: Scenario
    reference: Scenario
    budget: float | None
    budget_lever: bool
    portfolios_searched: tuple[tuple[str, ...], ...]
    optimum: Candidate
    current: Candidate
    runner_up: Candidate | None
    optimum_scenario: Scenario
    flat_region: FlatRegion
    best_by_portfolio: tuple[Candidate, ...]
    finance: FinanceSummary
    own_finance: FinanceSummary
    spend: Spend
    current_spend: Spend
    band: Band | None
    surface: pd.DataFrame = field(repr=False, compare=False)
    evaluations: int = 0
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (``python -m sim optimise --format json``): ``optimum`` (the levers),
        ``npv_gain``, ``roi``, ``runner_up``, ``flat_region`` and the rest."""
        fin = self.finance
        return {
            "scenario": scenario_name(self.scenario, "en"),
            "currency": self.scenario.currency,
            "measured_against": {"kind": self.scenario.baseline.kind,
                                 "name": scenario_name(self.reference, "en")},
            "budget": self.budget,
            "optimum": self.optimum.plan.levers(),
            "npv_gain": _clean(self.optimum.npv_gain),
            "roi": _clean(fin.roi),
            "roi_reason": fin.roi_reason,
            "irr": _clean(fin.irr),
            "payback_years": _clean(fin.payback_years),
            "payback_reason": fin.payback_reason,
            "discounted_payback_years": _clean(fin.discounted_payback_years),
            "spend": self.spend.as_dict(),
            "npv_gain_band": None if self.band is None else self.band.as_dict(),
            "runner_up": None if self.runner_up is None else self.runner_up.as_dict(),
            "flat_region": self.flat_region.as_dict(),
            "current": {**self.current.as_dict(), "spend": self.current_spend.as_dict()},
            "after_apply": {"npv_gain": _clean(self.own_finance.npv_delta),
                            "roi": _clean(self.own_finance.roi),
                            "roi_reason": self.own_finance.roi_reason,
                            "payback_years": _clean(self.own_finance.payback_years),
                            "payback_reason": self.own_finance.payback_reason},
            "best_by_portfolio": [{"portfolio": list(c.plan.programmes),
                                   **c.as_dict()} for c in self.best_by_portfolio],
            "evaluations": self.evaluations,
            "notes": list(self.notes),
        }


def _check_budget(scenario: Scenario, budget: float | None, paid: bool,
                  sets: tuple[tuple[str, ...], ...]) -> None:
    if budget is None:
        return
    if not (isinstance(budget, (int, float)) and math.isfinite(budget)
            and 0 <= budget <= MONEY_MAX):
        raise ScenarioError([Issue("budget", "range", got=repr(budget),
                                   allowed_key=_A + "opt_budget",
                                   params=(("max", f"{MONEY_MAX:g}"),))])
    if not paid and len(sets) > 1:
        cheapest = min((p.fixed_cost_per_year, kind) for kind, p in scenario.programmes.items())
        if budget < cheapest[0]:
            raise ScenarioError([Issue(
                "budget", "rule", allowed_key=_A + "opt_budget_floor",
                got_key=_F + "opt_budget_floor",
                params=(("cost", f"{cheapest[0]:g}"), ("kind", str(cheapest[1])),
                        ("budget", f"{budget:g}")))])


def _budget_scale(scenario: Scenario) -> tuple[float, float]:
    """(start, upper bound) of the budget search (currency/year): the loaded budget and
    the larger of 4× it and the budget that converts 95 % of the ceiling of the whole
    market (3 · size / response)."""
    a = scenario.acquisition
    saturating = 3.0 * scenario.market.size / a.response if a.response > 0 else 0.0
    high = min(MONEY_MAX, max(4.0 * a.budget_per_year, saturating))
    start = a.budget_per_year if a.budget_per_year > 0 else 0.1 * high
    return start, max(high, start)


def _clip(x: float, low: float, high: float) -> float:
    return min(max(x, low), high)


@dataclass
class _Axis:
    """One coordinate of a compass search: ``lever`` ``budget``, ``retention`` or the
    index of an enrolment; its current step, the step it stops below, the largest step,
    and its bounds."""

    lever: str | int
    step: float
    min_step: float
    max_step: float
    low: float
    high: float


def _axes_of(start: Plan, budget_step: float, budget_bounds: tuple[float, float],
             spend_step: float, spend_bounds: tuple[float, float]) -> list[_Axis]:
    axes = []
    if start.budget_per_year is not None:
        low, high = budget_bounds
        axes.append(_Axis("budget", budget_step, max(1e-4 * budget_step, 1e-7 * high),
                          (high - low) / 2, low, high))
    if start.retention_spend is not None:
        low, high = spend_bounds
        axes.append(_Axis("retention", spend_step, max(1e-4 * spend_step, 1e-9 * high),
                          (high - low) / 2, low, high))
    axes.extend(_Axis(i, _ENROLMENT_STEP, _ENROLMENT_MIN_STEP, 0.5, 0.0, 1.0)
                for i in range(len(start.enrolment)))
    return axes


class _Compass:
    """Compass search of one portfolio: the budget, the retention spend and each
    enrolment (those that are levers), ± a step each."""

    def __init__(self, start: Plan, budget_step: float, budget_bounds: tuple[float, float],
                 spend_step: float = 0.0, spend_bounds: tuple[float, float] = (0.0, 0.0)):
        self.plan = start
        self.axes = _axes_of(start, budget_step, budget_bounds, spend_step, spend_bounds)
        self.done = not self.axes

    def _moved(self, index: int, sign: int) -> Plan | None:
        p, axis = self.plan, self.axes[index]
        if axis.lever == "budget":
            current = p.budget_per_year
        elif axis.lever == "retention":
            current = p.retention_spend
        else:
            current = p.enrolment[int(axis.lever)][1]
        assert current is not None
        moved = _clip(current + sign * axis.step, axis.low, axis.high)
        if moved == current:
            return None
        if axis.lever == "budget":
            return dataclasses.replace(p, budget_per_year=moved)
        if axis.lever == "retention":
            return dataclasses.replace(p, retention_spend=moved)
        enrolment = list(p.enrolment)
        enrolment[int(axis.lever)] = (enrolment[int(axis.lever)][0], moved)
        return dataclasses.replace(p, enrolment=tuple(enrolment))

    def neighbours(self) -> list[tuple[int, Plan]]:
        """``(axis, plan)`` one step either way along every axis (within bounds)."""
        found = []
        for axis in range(len(self.axes)):
            for sign in (1, -1):
                moved = self._moved(axis, sign)
                if moved is not None:
                    found.append((axis, moved))
        return found

    def update(self, best_axis: int | None, best_plan: Plan | None) -> None:
        """Move to the improving neighbour (its step doubles) or halve every step."""
        if best_plan is not None and best_axis is not None:
            self.plan = best_plan
            axis = self.axes[best_axis]
            axis.step = min(2 * axis.step, max(axis.max_step, 1e-12))
        else:
            for axis in self.axes:
                axis.step /= 2
        self.done = all(a.step < a.min_step for a in self.axes)


def _rank(ev: _Evaluator, c: Candidate) -> tuple[int, float]:
    """Search order: any plan within the budget before any over it; within the budget the
    higher NPV gain, over it the smaller overspend (so a search can walk into the budget)."""
    if ev.feasible(c):
        return (1, c.npv_gain)
    over = math.inf if c.spend_per_year is None or ev.budget is None else (
        c.spend_per_year - ev.budget)
    return (0, -over)


def _better(new: tuple[int, float], old: tuple[int, float]) -> bool:
    if new[0] != old[0]:
        return new[0] > old[0]
    return new[1] > old[1] + 1e-9 * max(1.0, abs(old[1]))


def _screen_plans(paid: bool, sets: Sequence[tuple[str, ...]], start_budget: float,
                  high: float, spend: _SpendScale | None,
                  levels: tuple[float, ...] = _SCREEN_LEVELS) -> list[Plan]:
    budgets: list[float | None] = ([_clip(f * start_budget, 0.0, high) for f in _SCREEN_BUDGETS]
                                   if paid else [None])
    spends: list[float | None] = ([_clip(f * spend.start, 0.0, spend.high)
                                   for f in _SCREEN_BUDGETS] if spend is not None else [None])
    plans: list[Plan] = []
    for portfolio in sets:
        for shares in itertools.product(levels, repeat=len(portfolio)):
            enrolment = tuple(zip(portfolio, shares, strict=True))
            plans.extend(Plan(b, enrolment, r) for b in budgets for r in spends)
    return plans


@dataclass(frozen=True)
class _SpendScale:
    """Where the retention-spend search starts and how far it goes (currency per
    customer-period)."""

    start: float
    high: float

    @property
    def step(self) -> float:
        """The first compass step."""
        return 0.5 * max(self.start, 0.05 * self.high)


def _spend_scale(scenario: Scenario) -> _SpendScale:
    """From the loaded spend (or the observed one when it is 0) up to the larger of 4× it
    and the spend that buys 99.75 % of the ceiling (k·R = 6)."""
    section = scenario.retention_spend
    k = section.curve().k
    start = section.spend if section.spend > 0 else section.observed_spend
    high = min(MONEY_MAX, max(4.0 * start, 6.0 / k if k > 0 else 0.0))
    return _SpendScale(start, max(high, start))


def _best_by_portfolio(ev: _Evaluator) -> dict[tuple[str, ...], Candidate]:
    best: dict[tuple[str, ...], Candidate] = {}
    for c in ev.seen.values():
        if not ev.feasible(c):
            continue
        held = best.get(c.plan.programmes)
        if held is None or c.npv_gain > held.npv_gain:
            best[c.plan.programmes] = c
    return best


def programme_spend_per_customer(scenario: Scenario) -> float:
    """The running programmes' nominal cost per customer-year at enrolment (currency):
    the share of customers in at least one programme × a member's expected cost
    (:func:`sim.programmes.programme_mix`; fixed costs not included)."""
    mix = programme_mix(scenario.programmes)
    return mix.member_share * mix.cost_per_member_year


def _surface(ev: _Evaluator, optimum: Plan, high: float,
             spend: _SpendScale | None) -> pd.DataFrame:
    """NPV gain over budgets 0 … 2× the optimum's (or the cap) and, with the retention
    lever, retention spends 0 … 2× the optimum's (the optimum's portfolio); without it,
    enrolment scales of the optimum's portfolio 0 (no programme) … the largest that keeps
    every enrolment ≤ 1."""
    budgets: list[float | None]
    if optimum.budget_per_year is not None:
        top = min(max(2.0 * optimum.budget_per_year, 1e-9), high)
        budgets = list(np.linspace(0.0, top, _SURFACE_BUDGETS))
    else:
        budgets = [None]
    plans: list[Plan] = []
    rows: list[tuple[float | None, float, float, float | None]] = []
    if spend is not None and optimum.retention_spend is not None:
        top_spend = min(max(2.0 * optimum.retention_spend, spend.start), spend.high)
        per_customer = programme_spend_per_customer(apply_plan(ev.scenario, optimum))
        for r in np.linspace(0.0, top_spend, _SURFACE_SCALES):
            scale = r / optimum.retention_spend if optimum.retention_spend > 0 else math.nan
            for b in budgets:
                plans.append(Plan(b, optimum.enrolment, float(r)))
                rows.append((b, scale, per_customer, float(r)))
    else:
        if optimum.enrolment:
            largest = max(e for _, e in optimum.enrolment)
            top_scale = 1.0 / largest if largest > 0 else 1.0
            scales = list(np.linspace(0.0, top_scale, _SURFACE_SCALES))
            if not any(abs(x - 1.0) < 1e-12 for x in scales):
                scales = sorted([*scales, 1.0])
        else:
            scales = [1.0]
        for scale in scales:
            # scale 0: no programme at all (not the portfolio running with nobody enrolled)
            enrolment = () if scale == 0 else tuple((k, _clip(e * scale, 0.0, 1.0))
                                                    for k, e in optimum.enrolment)
            per_customer = programme_spend_per_customer(
                apply_plan(ev.scenario, Plan(optimum.budget_per_year, enrolment)))
            for b in budgets:
                plans.append(Plan(b, enrolment, optimum.retention_spend))
                rows.append((b, scale, per_customer, optimum.retention_spend))
    found = ev.evaluate(plans)                      # with a budget: spend too
    return pd.DataFrame({"budget_per_year": [np.nan if r[0] is None else r[0] for r in rows],
                         "scale": [r[1] for r in rows],
                         "spend_per_customer": [r[2] for r in rows],
                         "retention_spend": [np.nan if r[3] is None else r[3] for r in rows],
                         "npv_gain": [c.npv_gain for c in found],
                         "within_budget": [ev.feasible(c) for c in found]})


def _spend_of(scenario: Scenario) -> Spend:
    """A scenario's yearly spend on the levers, from its cohort run (the engines' programme
    cost carries the retention spend: split off by the customer-periods it was paid on)."""
    periods = run_cohort(scenario).periods
    years = scenario.horizon_years
    both = float(periods["programme_cost"].sum()) / years
    retention = spend_per_period(scenario) * float(periods["active"].sum()) / years
    budget = scenario.acquisition.budget_per_year if scenario.acquisition.mode == "paid" else 0.0
    return Spend(budget, max(both - retention, 0.0), retention)


def _band(optimum: Scenario, reference: Scenario, replications: int | None
          ) -> Band | None:
    if replications == 0:
        return None
    run = run_engines(optimum, replications)
    if optimum == reference:                    # nothing differs: every replication gives 0
        return None if run.mc is None else Band(run.mc.replications, 0.0, 0.0, 0.0, 0.0)
    if run.mc is None:
        return None
    base = run_engines(reference, run.mc.replications)
    if base.mc is None:
        return None
    gain = run.mc.kpis["npv"] - base.mc.kpis["npv"]
    gain = gain[np.isfinite(gain)]
    if not len(gain):
        return None
    return Band(int(len(gain)), float(gain.mean()),
                *(float(np.quantile(gain, q)) for q in (0.1, 0.5, 0.9)))


def optimise(scenario: Scenario, budget: float | None = None,
             progress: ProgressCallback | None = None,
             replications: int | None = None) -> OptimiseResult:
    """Find the plan with the highest NPV gain on ``scenario`` (see the module docstring).

    Args:
        scenario: any valid scenario.
        budget: optional cap on the yearly spend of the levers (currency/year).
        progress: called as ``progress(fraction, stage)`` (:data:`STAGES`) along the way.
        replications: Monte Carlo replications of the optimum (default: the scenario's;
            0: no band).

    Raises:
        ScenarioError: a budget out of range or below every fixed cost when it is the only
            thing to spend on (field ``budget``); the baseline's preset missing or invalid.
        sim.budget.BudgetError: the scenario is over the work budget.
    """
    report = progress or (lambda _fraction, _stage: None)
    paid, sets = budget_levers(scenario)
    _check_budget(scenario, budget, paid, sets)
    notes: list[str] = []
    if not paid:
        notes.append("budget_not_a_lever")
    if len(sets) == 1:
        notes.append("no_programmes_without_satisfaction")
    if budget is not None:
        too_costly = [kind for kind, p in scenario.programmes.items()
                      if p.fixed_cost_per_year > budget and len(sets) > 1]
        notes.extend(f"over_budget:{kind}" for kind in too_costly)
        sets = tuple(s for s in sets if not set(s) & set(too_costly))
    spend_scale = _spend_scale(scenario) if retention_lever(scenario) else None
    reference = baseline_for(scenario)
    ev = _Evaluator(scenario, reference, budget)
    current_plan = plan_of(scenario)
    if not paid:
        current_plan = dataclasses.replace(current_plan, budget_per_year=None)
    start_budget, high = _budget_scale(scenario) if paid else (0.0, 0.0)
    if budget is not None and paid:
        high = min(high, budget)
        start_budget = min(start_budget, budget)
    report(0.0, "screen")

    # 1. screen every portfolio
    shape, screen = _search_within_budget(scenario, paid, sets, start_budget, high,
                                          spend_scale)
    if shape is _REDUCED_SEARCH:
        notes.append("reduced_search")
    ev.evaluate([current_plan, *screen])
    report(0.25, "refine")

    # 2. refine the best portfolios (within the budget first), the loaded plan's and none
    leaders: dict[tuple[str, ...], Candidate] = {}
    for c in ev.seen.values():
        held = leaders.get(c.plan.programmes)
        if held is None or _better(_rank(ev, c), _rank(ev, held)):
            leaders[c.plan.programmes] = c
    ranked = sorted(leaders.values(), key=lambda c: _rank(ev, c), reverse=True)
    chosen = [c.plan for c in ranked[:shape.refine_sets]]
    extra = [current_plan] if current_plan.programmes in set(sets) else []
    extra += [leaders[()].plan] if () in leaders else []
    starts = list({p.programmes: p for p in [*extra, *chosen]}.values())
    budget_step = 0.5 * max(start_budget, 0.05 * high) if paid else 0.0
    searches = [_Compass(p, budget_step, (0.0, high),
                         *((spend_scale.step, (0.0, spend_scale.high)) if spend_scale else ()))
                for p in starts]
    for iteration in range(shape.max_iterations):
        active = [s for s in searches if not s.done]
        if not active:
            break
        moves = [(s, axis, plan) for s in active for axis, plan in s.neighbours()]
        found = ev.evaluate([plan for _, _, plan in moves])
        for s in active:
            best_axis, best_plan = None, None
            best_rank = _rank(ev, ev.evaluate([s.plan])[0])
            for (owner, axis, plan), c in zip(moves, found, strict=True):
                if owner is s and _better(_rank(ev, c), best_rank):
                    best_axis, best_plan, best_rank = axis, plan, _rank(ev, c)
            s.update(best_axis, best_plan)
        report(0.25 + 0.5 * (iteration + 1) / shape.max_iterations, "refine")
    report(0.75, "surface")

    feasible = [c for c in ev.seen.values() if ev.feasible(c)]
    if not feasible:                          # the loaded plan over the cap, nothing under it
        feasible = [ev.evaluate([Plan(0.0 if paid else None, (),
                                      0.0 if spend_scale else None)], spend=True)[0]]
    feasible.sort(key=lambda c: -c.npv_gain)
    top = ev.evaluate([feasible[0].plan], spend=True)[0]
    current = ev.evaluate([current_plan], spend=True)[0]
    if budget is not None and not ev.feasible(current):
        notes.append("current_over_budget")
    by_portfolio = sorted(_best_by_portfolio(ev).values(), key=lambda c: -c.npv_gain)
    runner_up = next((c for c in by_portfolio if c.plan.programmes != top.plan.programmes),
                     None)
    if runner_up is not None:
        runner_up = ev.evaluate([runner_up.plan], spend=True)[0]
    tolerance = FLAT_SHARE * abs(top.npv_gain)
    flat = FlatRegion(tolerance, tuple(c for c in feasible
                                       if c.npv_gain >= top.npv_gain - tolerance))
    surface = _surface(ev, top.plan, high if paid else 0.0, spend_scale)
    report(0.85, "finance")

    optimum_scenario = _validated(apply_plan(scenario, top.plan))
    result = run_cohort(optimum_scenario)
    fin = finance_summary(optimum_scenario, result, run_cohort(reference))
    own_base = baseline_for(optimum_scenario)
    own = (finance_summary(optimum_scenario, result, run_cohort(own_base))
           if own_base != optimum_scenario else finance_summary(optimum_scenario, result, result))
    spend = _spend_of(optimum_scenario)
    current_spend = _spend_of(scenario)
    report(0.9, "monte_carlo")
    band = _band(optimum_scenario, reference, replications)
    if band is None and replications != 0:
        notes.append("monte_carlo_skipped")
    report(1.0, "done")
    return OptimiseResult(
        scenario=scenario, reference=reference, budget=budget, budget_lever=paid,
        portfolios_searched=tuple(sets), optimum=top, current=current, runner_up=runner_up,
        optimum_scenario=optimum_scenario, flat_region=flat,
        best_by_portfolio=tuple(by_portfolio), finance=fin, own_finance=own, spend=spend,
        current_spend=current_spend, band=band, surface=surface,
        evaluations=ev.evaluations, notes=tuple(notes))


def search_seconds(scenario: Scenario, screened: int, shape: _SearchShape,
                   axes: int) -> float:
    """Estimated time of a search (seconds, one core): the plans screened, the compass
    searches' and the surface's, each at :data:`_EVALUATION_SHARE` of the cohort engine's
    estimate."""
    refine = _EVALUATIONS_PER_STEP * shape.refine_sets * shape.max_iterations * axes
    surface = _SURFACE_BUDGETS * (_SURFACE_SCALES + 1)
    per_plan = _EVALUATION_SHARE * cohort_estimate(scenario).seconds
    return (screened + refine + surface) * per_plan


def _search_within_budget(scenario: Scenario, paid: bool, sets: Sequence[tuple[str, ...]],
                          start_budget: float, high: float, spend: _SpendScale | None
                          ) -> tuple[_SearchShape, list[Plan]]:
    """The full search, or the reduced one when the full one is estimated over
    :data:`OPTIMISE_TIME_BUDGET_SECONDS`, with its screen.

    Raises:
        BudgetError: even the reduced search is over the budget (fields named).
    """
    axes = int(paid) + int(spend is not None) + max(len(p) for p in sets)
    seconds = 0.0
    for shape in (_FULL_SEARCH, _REDUCED_SEARCH):
        screen = _screen_plans(paid, sets, start_budget, high, spend, shape.levels)
        seconds = search_seconds(scenario, len(screen), shape, axes)
        if seconds <= OPTIMISE_TIME_BUDGET_SECONDS:
            return shape, screen
    raise BudgetError([Issue(
        "horizon_years", "rule", allowed_key=_A + "opt_time", got_key=_F + "opt_time",
        params=(("limit", f"{OPTIMISE_TIME_BUDGET_SECONDS:g}"), ("seconds", f"{seconds:,.0f}"),
                ("periods", str(scenario.periods)), ("horizon", str(scenario.horizon_years))))])


def _validated(scenario: Scenario) -> Scenario:
    from sim.scenario import scenario_from_dict, scenario_to_dict

    return scenario_from_dict(scenario_to_dict(scenario))
