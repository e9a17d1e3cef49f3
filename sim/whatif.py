"""What-if evaluation: a scenario against its counterfactual baseline, with ROI.

The baseline is what would happen without the scenario's levers (DESIGN.md,
Counterfactuals, README "Baseline"). It is a function of the scenario alone
(:func:`baseline_for`), so the same scenario gives the same ROI from every path:
``no_programme`` = the scenario without its loyalty programmes and CRM system;
``preset`` = a named library file's policy in the scenario's market, horizon,
seed and finance; ``as_is`` = the scenario itself.

Both runs use the same seed, so the Monte Carlo engine gives them common
random numbers and deltas are not noise.

Finance (all discounted as the engines discount, currency):

* incremental benefit = Δ margin (revenue − variable cost) + Δ cost savings;
* incremental cost = Δ acquisition spend + Δ programme costs + Δ CRM system cost;
* ROI = (benefit − cost) / cost, undefined (None) when the incremental cost is
  not positive; NPV delta = benefit − cost;
* IRR, simple and discounted payback (years) of the incremental cash flow, every
  flow dated as the NPV dates it (see :class:`sim.finance.FinanceSummary`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.budget import Notice, plan_run
from sim.cohort import CohortInputs, CohortResult, cohort_inputs, run_cohort
from sim.finance import (
    FinanceSummary,
    cumulative_by_date,
    incremental_flows,
    roi,
    summarise_incremental,
)
from sim.frames import frame_of
from sim.library import load_preset
from sim.montecarlo import McResult, run_monte_carlo
from sim.scenario import Scenario, get_path, replace_path
from sim.schema import Issue, ScenarioError

_A = "messages.allowed."
_F = "messages.found."

__all__ = ["MARKET_PATHS", "WhatIf", "baseline_for", "evaluate",
           "finance_summary", "roi_by_benefit_share", "EngineRun", "run_engines",
           "monte_carlo_part", "compare_runs"]

MARKET_PATHS: tuple[str, ...] = ("market.size", "competition.intensity")
"""Fields describing the market, not the firm's policy: the baseline shares them."""


def _without_levers(scenario: Scenario) -> Scenario:
    """The scenario without its CRM system and without any loyalty programme."""
    base = replace_path(scenario, "crm_system.enabled", False)
    for kind, _programme in scenario.programmes.items():
        base = replace_path(base, f"programmes.{kind}.enabled", False)
    return base


def baseline_for(scenario: Scenario) -> Scenario:
    """The counterfactual of ``scenario``: a function of the scenario alone.

    * ``baseline.kind = "no_programme"``: the scenario without its loyalty programmes
      and without its CRM system (its TCO and its savings);
    * ``"preset"``: the library file ``baseline.preset`` (its policy: prices,
      acquisition, service, programmes…) run in the scenario's market
      (:data:`MARKET_PATHS`) and on the scenario's horizon, periods, seed, finance
      and Monte Carlo settings;
    * ``"as_is"``: the scenario itself (nothing is incremental).

    Args:
        scenario: the scenario being evaluated (current lever values).

    Raises:
        ScenarioError: the named preset does not exist or is invalid.
    """
    kind = scenario.baseline.kind
    if kind == "as_is":
        return scenario
    if kind == "no_programme":
        return _without_levers(scenario)
    try:
        named = load_preset(scenario.baseline.preset)
    except ScenarioError as exc:
        raise ScenarioError([Issue("baseline.preset", "rule",
                                   got=repr(scenario.baseline.preset),
                                   allowed_key=_A + "wi_preset"), *exc.issues],
                            total=exc.total + 1) from None
    base = named
    for path in MARKET_PATHS:
        base = replace_path(base, path, get_path(scenario, path))
    return dataclasses.replace(base, horizon_years=scenario.horizon_years,
                               periods_per_year=scenario.periods_per_year, seed=scenario.seed,
                               finance=scenario.finance, monte_carlo=scenario.monte_carlo,
                               baseline=scenario.baseline, name=named.name)


@dataclass
class WhatIf:
    """A scenario and its baseline, run by both engines, with the finance summary.

    Attributes:
        scenario, baseline: the two scenarios.
        result, base_result: expected-value cohort engine results.
        mc, base_mc: Monte Carlo results (None when not run).
        finance: see :func:`finance_summary`.
        notices: what the runs did differently from what the files asked (Monte Carlo
            over the work budget, the market bound cutting acquisition…): see
            :class:`sim.budget.Notice`; the scenario's first, then the baseline's new ones.
    """

    scenario: Scenario
    baseline: Scenario
    result: CohortResult
    base_result: CohortResult
    mc: McResult | None
    base_mc: McResult | None
    finance: FinanceSummary
    notices: tuple[Notice, ...] = ()

    def kpi_rows(self) -> list[dict[str, Any]]:
        """One row per KPI: ``kpi, scenario, baseline, delta`` (+ ``p10, p50, p90`` of each)."""
        rows = []
        mc = self.mc.kpi_summary() if self.mc is not None else {}
        base_mc = self.base_mc.kpi_summary() if self.base_mc is not None else {}
        for name, value in self.result.kpis.items():
            base = self.base_result.kpis[name]
            row: dict[str, Any] = {"kpi": name, "scenario": value, "baseline": base,
                                   "delta": value - base}
            for label, summary in (("scenario", mc), ("baseline", base_mc)):
                if name in summary:
                    for q in ("p10", "p50", "p90"):
                        row[f"{label}_{q}"] = summary[name][q]
            rows.append(row)
        return rows

    def series_bands(self, series: str = "customers") -> pd.DataFrame:
        """Yearly ``series`` of scenario and baseline: expected value and P10/P90.

        Columns ``year, run`` (``scenario`` or ``baseline``), ``expected, p10, p90``; the
        band collapses onto the expected value when Monte Carlo did not run.
        """
        columns: dict[str, list[np.ndarray]] = {k: [] for k in ("year", "expected", "p10", "p90")}
        runs = []
        for run, result, mc in (("scenario", self.result, self.mc),
                                ("baseline", self.base_result, self.base_mc)):
            years = result.yearly["year"].to_numpy()
            expected = result.yearly[series].to_numpy(dtype=float)
            low = high = expected
            if mc is not None:
                band = mc.band_arrays(series)           # years 1…Y in order
                low, high = band["p10"], band["p90"]
            for name, values in zip(columns, (years, expected, low, high), strict=True):
                columns[name].append(values)
            runs.append(np.full(len(years), run, dtype=object))
        data = {name: np.concatenate(parts) for name, parts in columns.items()}
        return frame_of({"year": data["year"], "run": np.concatenate(runs),
                         "expected": data["expected"], "p10": data["p10"],
                         "p90": data["p90"]})

    def incremental_cash(self) -> pd.DataFrame:
        """Cumulative incremental cash flow at each flow date: ``year`` (years from the start,
        the dates :attr:`finance` is computed on, 0 first), ``cumulative``,
        ``cumulative_discounted`` (currency). The paybacks are read off these lines
        (linear between consecutive dates)."""
        fin = self.scenario.finance
        now, base = _flows(self.result), _flows(self.base_result)
        flows = incremental_flows(now["benefit"] - base["benefit"], now["cost"] - base["cost"],
                                  fin.discount_rate, self.scenario.periods_per_year,
                                  fin.cash_timing)
        dates, cumulative = cumulative_by_date(flows["amount"], flows["time"])
        _, discounted = cumulative_by_date(flows["discounted"], flows["time"])
        if dates[0] > 0:
            dates, cumulative, discounted = (np.concatenate([[0.0], x])
                                             for x in (dates, cumulative, discounted))
        return frame_of({"year": dates, "cumulative": cumulative,
                         "cumulative_discounted": discounted})


_FLOW_COLUMNS = ["revenue", "variable_cost", "cost_saving", "acquisition_spend",
                 "programme_cost", "system_cost"]


def _flows(result: CohortResult) -> dict[str, np.ndarray]:
    """Per-period ``benefit`` (margin + savings) and ``cost`` (currency) of a cohort run."""
    periods = result.periods
    names = periods.columns.tolist()
    # One array of the whole table, then its columns (reading six columns as Series costs
    # ten times more; a six-column sub-table more still).
    revenue, variable, saving, acquisition, programme, system = (
        periods.to_numpy(dtype=float)[:, [names.index(name) for name in _FLOW_COLUMNS]].T)
    return {"benefit": revenue - variable + saving,
            "cost": acquisition + programme + system}


def finance_summary(scenario: Scenario, result: CohortResult,
                    base_result: CohortResult) -> FinanceSummary:
    """The :class:`sim.finance.FinanceSummary` of ``result`` against ``base_result``.

    Incremental benefit, cost, NPV delta (currency, discounted as the engines discount),
    ROI (fraction), IRR (annual fraction) and the undiscounted and discounted paybacks
    (years), each missing value with its reason. Costs are dated at the period's start,
    margin and savings at its start or end per ``finance.cash_timing``.
    """
    fin = scenario.finance
    now, base = _flows(result), _flows(base_result)
    return summarise_incremental(now["benefit"] - base["benefit"], now["cost"] - base["cost"],
                                 fin.discount_rate, scenario.periods_per_year, fin.cash_timing)


@dataclass
class EngineRun:
    """One scenario through both engines (the unit pages cache), with the budget's notices."""

    scenario: Scenario
    result: CohortResult
    mc: McResult | None
    notices: tuple[Notice, ...] = ()


def run_engines(scenario: Scenario, replications: int | None = None) -> EngineRun:
    """Run ``scenario`` through the cohort engine and (unless 0 replications) Monte Carlo,
    within the work budget (:func:`sim.budget.plan_run`): Monte Carlo over the budget is
    not run (``mc`` None) and a ``monte_carlo_skipped`` notice says why.

    Args:
        replications: default ``scenario.monte_carlo.replications``; 0 skips Monte Carlo.

    Raises:
        sim.budget.BudgetError: the cohort engine is over the budget (names the fields).
    """
    inputs = cohort_inputs(scenario)
    mc, notices = monte_carlo_part(scenario, inputs, replications)
    return EngineRun(scenario, run_cohort(scenario, inputs), mc, notices)


def monte_carlo_part(scenario: Scenario, inputs: CohortInputs, replications: int | None = None
                     ) -> tuple[McResult | None, tuple[Notice, ...]]:
    """The Monte Carlo half of :func:`run_engines`: the run (None when 0 replications are
    asked for or it is over the work budget) and the run's notices (the budget's, and the
    market bound's, which hold for the cohort engine too).

    Args:
        inputs: :func:`sim.cohort.cohort_inputs` of ``scenario``.
        replications: default ``scenario.monte_carlo.replications``; 0 skips Monte Carlo.
    """
    wanted = scenario.monte_carlo.replications if replications is None else replications
    reps, notices = plan_run(scenario, inputs, wanted)
    return (run_monte_carlo(scenario, inputs, reps) if reps > 0 else None), notices


def compare_runs(run: EngineRun, base_run: EngineRun,
                 finance: FinanceSummary | None = None) -> WhatIf:
    """A :class:`WhatIf` from a scenario's run and its baseline's run.

    Monte Carlo results are kept only when both runs have them (bands and deltas
    compare the two with common random numbers); the notices of both runs are kept
    once each. ``finance``: :func:`finance_summary` of the two runs if already computed
    (it depends on the expected-value results only).
    """
    mc, base_mc = ((run.mc, base_run.mc) if run.mc is not None and base_run.mc is not None
                   else (None, None))
    notices = tuple(dict.fromkeys((*run.notices, *base_run.notices)))
    return WhatIf(run.scenario, base_run.scenario, run.result, base_run.result, mc, base_mc,
                  finance or finance_summary(run.scenario, run.result, base_run.result),
                  notices)


def evaluate(scenario: Scenario, replications: int | None = None) -> WhatIf:
    """Run a scenario and its baseline (:func:`baseline_for`) through both engines.

    Args:
        scenario: the scenario with the user's levers.
        replications: Monte Carlo replications; default ``scenario.monte_carlo.replications``;
            0 skips the Monte Carlo engine.

    Raises:
        sim.budget.BudgetError: a cohort run is over the work budget.
    """
    baseline = baseline_for(scenario)
    run = run_engines(scenario, replications)
    if baseline == scenario:
        base_run = run
    else:
        # Monte Carlo skipped for the scenario: the baseline's would be shown nowhere.
        base_run = run_engines(baseline, 0 if run.mc is None else replications)
    return compare_runs(run, base_run)


def roi_by_benefit_share(incremental_benefit: float, incremental_cost: float,
                         shares: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """ROI when only a share of the assumed incremental benefit materialises.

    Args:
        incremental_benefit, incremental_cost: discounted, currency (see :func:`finance_summary`).
        shares: benefit shares to evaluate (fractions); default 0 % … 200 % by 5 %.

    Returns ``{"benefit_share": shares, "roi": ROI (NaN where undefined)}`` and the
    break-even share (``cost / benefit``) under ``"break_even_share"`` (NaN if none).
    """
    shares = np.round(np.arange(0.0, 2.0001, 0.05), 10) if shares is None else np.asarray(shares)
    values = [roi(s * incremental_benefit, incremental_cost) for s in shares]
    curve = np.array([np.nan if v is None else v for v in values], dtype=float)
    break_even = (incremental_cost / incremental_benefit
                  if incremental_benefit > 0 and incremental_cost > 0 else float("nan"))
    return {"benefit_share": shares, "roi": curve, "break_even_share": np.array(break_even)}
