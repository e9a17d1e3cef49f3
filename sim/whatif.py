"""What-if evaluation: a scenario against its counterfactual baseline, with ROI.

The baseline is what would happen without the scenario's levers (DESIGN.md,
Counterfactuals). It starts from a *reference* policy — the scenario as loaded
(when the user has edited levers) or the scenario itself — and always takes the
scenario's market (same competition, same market size) and horizon, seed and
finance, so the comparison is "same market, without the levers". With
``baseline.kind = "no_programme"`` the baseline also runs without the loyalty
programmes and without the CRM system (its TCO and its cost savings).

Both runs use the same seed, so the Monte Carlo engine gives them common
random numbers and deltas are not noise.

Finance (all discounted as the engines discount, currency):

* incremental benefit = Δ margin (revenue − variable cost) + Δ cost savings;
* incremental cost = Δ acquisition spend + Δ programme costs + Δ CRM system cost;
* ROI = (benefit − cost) / cost, undefined (None) when the incremental cost is
  not positive; NPV delta = benefit − cost;
* IRR, simple and discounted payback (years) of the incremental cash flow.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.cohort import CohortResult, cohort_inputs, run_cohort
from sim.finance import discount_factors, irr, payback_period, roi
from sim.library import load_preset
from sim.montecarlo import McResult, run_monte_carlo
from sim.scenario import Scenario, get_path, replace_path
from sim.schema import Issue, ScenarioError

__all__ = ["MARKET_PATHS", "HEADLINE_KPIS", "WhatIf", "baseline_for", "evaluate",
           "finance_summary", "roi_by_benefit_share", "EngineRun", "run_engines",
           "compare_runs"]

MARKET_PATHS: tuple[str, ...] = ("market.size", "competition.intensity")
"""Fields describing the market, not the firm's policy: the baseline shares them."""

HEADLINE_KPIS = ("customers_end", "retention_last_year", "clv_net", "customer_equity", "npv")
"""The dashboard's KPI row (plus ROI and payback from :func:`finance_summary`)."""


def _without_levers(scenario: Scenario) -> Scenario:
    """The scenario without its CRM system and without any loyalty programme."""
    base = replace_path(scenario, "crm_system.enabled", False)
    for kind, _programme in scenario.programmes.items():
        base = replace_path(base, f"programmes.{kind}.enabled", False)
    return base


def baseline_for(scenario: Scenario, reference: Scenario | None = None) -> Scenario:
    """The counterfactual of ``scenario``: the reference policy in the scenario's market.

    Args:
        scenario: the scenario being evaluated (current lever values).
        reference: the policy to fall back to (e.g. the scenario as loaded);
            defaults to the scenario itself.

    With ``baseline.kind = "preset"`` the baseline is the named scenario file as it is
    (its own market), on the scenario's horizon, periods, seed and finance.

    Raises:
        ScenarioError: the named preset does not exist or is invalid.
    """
    if scenario.baseline.kind == "preset":
        try:
            named = load_preset(scenario.baseline.preset)
        except ScenarioError as exc:
            raise ScenarioError([Issue("baseline.preset", "rule",
                                       "the id of a valid scenario file in scenarios/",
                                       repr(scenario.baseline.preset)), *exc.issues]) from None
        return dataclasses.replace(named, horizon_years=scenario.horizon_years,
                                   periods_per_year=scenario.periods_per_year, seed=scenario.seed,
                                   finance=scenario.finance, monte_carlo=scenario.monte_carlo,
                                   baseline=scenario.baseline, name=named.name)
    base = scenario if reference is None else reference
    for path in MARKET_PATHS:
        base = replace_path(base, path, get_path(scenario, path))
    base = dataclasses.replace(
        base, horizon_years=scenario.horizon_years, periods_per_year=scenario.periods_per_year,
        seed=scenario.seed, finance=scenario.finance, monte_carlo=scenario.monte_carlo,
        baseline=scenario.baseline, name=scenario.name)
    if scenario.baseline.kind == "no_programme":
        base = _without_levers(base)
    return base


@dataclass
class WhatIf:
    """A scenario and its baseline, run by both engines, with the finance summary.

    Attributes:
        scenario, baseline: the two scenarios.
        result, base_result: expected-value cohort engine results.
        mc, base_mc: Monte Carlo results (None when not run).
        finance: see :func:`finance_summary`.
    """

    scenario: Scenario
    baseline: Scenario
    result: CohortResult
    base_result: CohortResult
    mc: McResult | None
    base_mc: McResult | None
    finance: dict[str, float | None]

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
        frames = []
        for run, result, mc in (("scenario", self.result, self.mc),
                                ("baseline", self.base_result, self.base_mc)):
            frame = pd.DataFrame({"year": result.yearly["year"], "run": run,
                                  "expected": result.yearly[series]})
            if mc is not None:
                band = mc.bands(names=(series,)).set_index("year")
                frame["p10"] = band.loc[frame["year"], "p10"].to_numpy()
                frame["p90"] = band.loc[frame["year"], "p90"].to_numpy()
            else:
                frame["p10"] = frame["p90"] = frame["expected"]
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def incremental_cash(self) -> pd.DataFrame:
        """Cumulative incremental cash flow at each year end: ``year, cumulative,
        cumulative_discounted`` (currency), with year 0 = 0."""
        now, base = self.result.yearly, self.base_result.yearly
        flow = (now["profit"] - base["profit"]).to_numpy()
        discounted = (now["discounted_profit"] - base["discounted_profit"]).to_numpy()
        return pd.DataFrame({"year": np.arange(len(flow) + 1),
                             "cumulative": np.concatenate([[0.0], np.cumsum(flow)]),
                             "cumulative_discounted": np.concatenate([[0.0],
                                                                      np.cumsum(discounted)])})


def _flows(result: CohortResult) -> dict[str, np.ndarray]:
    p = result.periods
    return {"benefit": (p["revenue"] - p["variable_cost"] + p["cost_saving"]).to_numpy(),
            "cost": (p["acquisition_spend"] + p["programme_cost"] + p["system_cost"]).to_numpy()}


def finance_summary(scenario: Scenario, result: CohortResult,
                    base_result: CohortResult) -> dict[str, float | None]:
    """Incremental benefit, cost, ROI, NPV delta, IRR and paybacks of scenario vs baseline.

    Returns a dict with ``incremental_benefit``, ``incremental_cost``, ``npv_delta``
    (currency, discounted), ``roi`` (fraction or None), ``irr`` (annual fraction or
    None), ``payback_years`` and ``discounted_payback_years`` (years or None: never
    within the horizon).
    """
    fin, ppy = scenario.finance, scenario.periods_per_year
    now, base = _flows(result), _flows(base_result)
    d_margin = discount_factors(scenario.periods, fin.discount_rate, ppy, fin.cash_timing)
    d_start = discount_factors(scenario.periods, fin.discount_rate, ppy, "start")
    delta_benefit = now["benefit"] - base["benefit"]
    delta_cost = now["cost"] - base["cost"]
    benefit = float(delta_benefit @ d_margin)
    cost = float(delta_cost @ d_start)
    delta_flow = delta_benefit - delta_cost
    delta_discounted = delta_benefit * d_margin - delta_cost * d_start
    return {
        "incremental_benefit": benefit,
        "incremental_cost": cost,
        "npv_delta": benefit - cost,
        "roi": roi(benefit, cost),
        "irr": irr(delta_flow, ppy),
        "payback_years": payback_period(delta_flow, ppy) if cost > 0 else None,
        "discounted_payback_years": payback_period(delta_discounted, ppy) if cost > 0 else None,
    }


@dataclass
class EngineRun:
    """One scenario through both engines (the unit pages cache)."""

    scenario: Scenario
    result: CohortResult
    mc: McResult | None


def run_engines(scenario: Scenario, replications: int | None = None) -> EngineRun:
    """Run ``scenario`` through the cohort engine and (unless 0 replications) Monte Carlo.

    Args:
        replications: default ``scenario.monte_carlo.replications``; 0 skips Monte Carlo.
    """
    inputs = cohort_inputs(scenario)
    reps = scenario.monte_carlo.replications if replications is None else replications
    mc = run_monte_carlo(scenario, inputs, reps) if reps > 0 else None
    return EngineRun(scenario, run_cohort(scenario, inputs), mc)


def compare_runs(run: EngineRun, base_run: EngineRun) -> WhatIf:
    """A :class:`WhatIf` from a scenario's run and its baseline's run."""
    return WhatIf(run.scenario, base_run.scenario, run.result, base_run.result, run.mc,
                  base_run.mc, finance_summary(run.scenario, run.result, base_run.result))


def evaluate(scenario: Scenario, reference: Scenario | None = None,
             replications: int | None = None) -> WhatIf:
    """Run a scenario and its baseline through both engines.

    Args:
        scenario: the scenario with the user's levers.
        reference: the policy the baseline starts from (default: the scenario).
        replications: Monte Carlo replications; default ``scenario.monte_carlo.replications``;
            0 skips the Monte Carlo engine.
    """
    baseline = baseline_for(scenario, reference)
    run = run_engines(scenario, replications)
    base_run = (EngineRun(baseline, run.result, run.mc) if baseline == scenario
                else run_engines(baseline, replications))
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
