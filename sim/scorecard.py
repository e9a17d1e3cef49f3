"""Balanced scorecard of a what-if (DOMAIN.md §5): four perspectives, direction vs baseline.

Perspectives (平衡计分卡): financial, customer, internal process, learning and
growth. Each indicator is computed from an engine result; ``higher_is_better``
says which way is an improvement, so the page can mark each delta as better or
worse than the baseline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.cohort import CohortResult
from sim.scenario import Scenario
from sim.tco import tco_yearly

__all__ = ["PERSPECTIVES", "Indicator", "INDICATORS", "scorecard_rows"]

PERSPECTIVES = ("financial", "customer", "internal_process", "learning_growth")


@dataclass(frozen=True)
class Indicator:
    """One scorecard line: ``key`` (i18n and JSON name), unit, direction and how to compute it."""

    perspective: str
    key: str
    unit: str
    higher_is_better: bool
    compute: Callable[[Scenario, CohortResult], float]


def _total(column: str) -> Callable[[Scenario, CohortResult], float]:
    return lambda _s, r: float(r.yearly[column].sum())


def _cost_per_acquired(_s: Scenario, r: CohortResult) -> float:
    acquired = float(r.yearly["new"].sum())
    return float(r.yearly["acquisition_spend"].sum()) / acquired if acquired > 0 else float("nan")


def _training(s: Scenario, _r: CohortResult) -> float:
    if not s.crm_system.enabled:
        return 0.0
    return float(tco_yearly(s.crm_system, s.horizon_years)["training"].sum())


def _cost_to_serve(s: Scenario, r: CohortResult) -> float:
    """Variable cost net of savings per customer-year served (currency)."""
    customer_years = float(r.periods["active"].sum()) / s.periods_per_year
    net = float(r.yearly["variable_cost"].sum() - r.yearly["cost_saving"].sum())
    return net / customer_years if customer_years > 0 else float("nan")


def _churn_share(_s: Scenario, r: CohortResult) -> float:
    served = float(r.yearly["customers"].iloc[:-1].sum())
    return float(r.yearly["churned"].iloc[1:].sum()) / served if served > 0 else float("nan")


INDICATORS: tuple[Indicator, ...] = (
    Indicator("financial", "npv", "currency", True, lambda _s, r: r.kpis["npv"]),
    Indicator("financial", "profit", "currency", True, _total("profit")),
    Indicator("financial", "revenue", "currency", True, _total("revenue")),
    Indicator("customer", "customers_end", "customers", True,
              lambda _s, r: r.kpis["customers_end"]),
    Indicator("customer", "retention_last_year", "fraction", True,
              lambda _s, r: r.kpis["retention_last_year"]),
    Indicator("customer", "clv_net", "currency/customer", True, lambda _s, r: r.kpis["clv_net"]),
    Indicator("internal_process", "cost_per_acquired", "currency/customer", False,
              _cost_per_acquired),
    Indicator("internal_process", "cost_to_serve", "currency/customer-year", False,
              _cost_to_serve),
    Indicator("internal_process", "churn_share", "fraction", False, _churn_share),
    Indicator("learning_growth", "training_spend", "currency", True, _training),
    Indicator("learning_growth", "customer_equity", "currency", True,
              lambda _s, r: r.kpis["customer_equity"]),
)


def scorecard_rows(scenario: Scenario, result: CohortResult, baseline: Scenario,
                   base_result: CohortResult) -> list[dict[str, object]]:
    """Rows ``perspective, indicator, unit, scenario, baseline, delta, direction``.

    ``direction`` is ``better``, ``worse`` or ``same`` (relative change below 1e-9),
    or ``n/a`` when either value is undefined.
    """
    rows = []
    for ind in INDICATORS:
        now, base = ind.compute(scenario, result), ind.compute(baseline, base_result)
        if not (np.isfinite(now) and np.isfinite(base)):
            direction = "n/a"
        elif abs(now - base) <= 1e-9 * max(1.0, abs(base)):
            direction = "same"
        else:
            direction = "better" if (now > base) == ind.higher_is_better else "worse"
        rows.append({"perspective": ind.perspective, "indicator": ind.key, "unit": ind.unit,
                     "scenario": now, "baseline": base, "delta": now - base,
                     "direction": direction})
    return rows
