"""Balanced scorecard of a what-if (DOMAIN.md §5): four perspectives, direction vs baseline.

Perspectives (平衡计分卡): financial, customer, internal process, learning and
growth. Each indicator is a KPI of the registry (:mod:`sim.kpis`: unit,
direction, label, format) computed from an engine result, so the page can mark
each delta as better, worse, the same, or just changed (a neutral KPI such as
training spend is neither better nor worse when it rises).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.cohort import CohortResult
from sim.kpis import KPIS, Kpi, judge
from sim.scenario import Scenario
from sim.tco import tco_yearly

__all__ = ["PERSPECTIVES", "Indicator", "INDICATORS", "Totals", "totals_of", "scorecard_rows"]

PERSPECTIVES = ("financial", "customer", "internal_process", "learning_growth")


@dataclass(frozen=True)
class Totals:
    """One run's figures the indicators read: its KPIs and the total of every column of its
    yearly and period tables over the horizon (NaN counted as 0, as pandas sums), each
    summed once."""

    kpis: dict[str, float]
    yearly: dict[str, float]
    periods: dict[str, float]


def _column_totals(frame: pd.DataFrame) -> dict[str, float]:
    # Columns side by side, each contiguous: the same pairwise sums as column by column.
    values = np.ascontiguousarray(frame.to_numpy(dtype=float).T)
    return dict(zip(frame.columns.tolist(), np.nansum(values, axis=1).tolist(), strict=True))


def totals_of(result: CohortResult) -> Totals:
    """The :class:`Totals` of a cohort-engine run."""
    return Totals(result.kpis, _column_totals(result.yearly), _column_totals(result.periods))


@dataclass(frozen=True)
class Indicator:
    """One scorecard line: its perspective, its KPI ``key`` (in :data:`sim.kpis.KPIS`) and
    how to compute it from a scenario and its run's :class:`Totals`."""

    perspective: str
    key: str
    compute: Callable[[Scenario, Totals], float]

    @property
    def kpi(self) -> Kpi:
        """The registry entry (unit, direction, label key, format rule)."""
        return KPIS[self.key]


def _total(column: str) -> Callable[[Scenario, Totals], float]:
    return lambda _s, r: r.yearly[column]


def _kpi(key: str) -> Callable[[Scenario, Totals], float]:
    return lambda _s, r: r.kpis[key]


def _cost_per_acquired(_s: Scenario, r: Totals) -> float:
    acquired = r.yearly["new"]
    return r.yearly["acquisition_spend"] / acquired if acquired > 0 else float("nan")


def _training(s: Scenario, _r: Totals) -> float:
    if not s.crm_system.enabled:
        return 0.0
    return float(tco_yearly(s.crm_system, s.horizon_years)["training"].sum())


def _customer_years(s: Scenario, r: Totals) -> float:
    """Customer-years served over the horizon (Σ active customer-periods / periods per year)."""
    return r.periods["active"] / s.periods_per_year


def _cost_to_serve(s: Scenario, r: Totals) -> float:
    """Variable cost net of savings per customer-year served (currency)."""
    customer_years = _customer_years(s, r)
    net = r.yearly["variable_cost"] - r.yearly["cost_saving"]
    return net / customer_years if customer_years > 0 else float("nan")


def _churn_rate(s: Scenario, r: Totals) -> float:
    """Share of customers lost per year of service (fraction, 0-1).

    Per period, p = customers lost / customer-periods served over the horizon (at most
    1: only customers served can be lost); per year, 1 − (1 − p)^periods_per_year. With
    yearly periods this is customers lost / customer-years served.
    """
    served = r.periods["active"]
    if served <= 0:
        return float("nan")
    per_period = min(r.periods["churned"] / served, 1.0)
    return 1.0 - (1.0 - per_period) ** s.periods_per_year


INDICATORS: tuple[Indicator, ...] = (
    Indicator("financial", "npv", _kpi("npv")),
    Indicator("financial", "profit", _total("profit")),
    Indicator("financial", "revenue", _total("revenue")),
    Indicator("customer", "customers_end", _kpi("customers_end")),
    Indicator("customer", "retention_last_year", _kpi("retention_last_year")),
    Indicator("customer", "clv_net", _kpi("clv_net")),
    Indicator("internal_process", "cost_per_acquired", _cost_per_acquired),
    Indicator("internal_process", "cost_to_serve", _cost_to_serve),
    Indicator("internal_process", "churn_rate", _churn_rate),
    Indicator("learning_growth", "training_spend", _training),
    Indicator("learning_growth", "customer_equity", _kpi("customer_equity")),
)


def scorecard_rows(scenario: Scenario, result: CohortResult, baseline: Scenario,
                   base_result: CohortResult) -> list[dict[str, object]]:
    """Rows ``perspective, indicator, unit, scenario, baseline, delta, direction``.

    ``direction`` is :func:`sim.kpis.judge`: ``better``, ``worse``, ``same`` (the delta
    reads as zero in the KPI's format), ``changed`` (a neutral KPI moved) or ``n/a``
    when either value is undefined (then ``delta`` is NaN).
    """
    rows = []
    now_totals, base_totals = totals_of(result), totals_of(base_result)
    for ind in INDICATORS:
        now, base = ind.compute(scenario, now_totals), ind.compute(baseline, base_totals)
        finite = bool(np.isfinite(now) and np.isfinite(base))
        rows.append({"perspective": ind.perspective, "indicator": ind.key, "unit": ind.kpi.unit,
                     "scenario": now, "baseline": base,
                     "delta": now - base if finite else float("nan"),
                     "direction": judge(ind.key, now, base)})
    return rows
