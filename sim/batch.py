"""KPI-only, batched evaluation: many scenarios in one numpy pass of the cohort engine.

:func:`evaluate_kpis` gives the headline KPIs of :func:`sim.cohort.run_cohort` (the
same numbers, by the same code) for N scenarios without building any DataFrame:

1. scenarios are grouped by shape (:func:`batch_key`: horizon, periods per year,
   cash timing, paid acquisition or not); each group is cut into chunks that fit
   the work budget (:func:`batch_chunk`);
2. each scenario's classes (:func:`sim.cohort.class_inputs`, once for all the
   scenarios of equal :func:`sim.cohort.class_key`) and money per customer
   (:func:`sim.accounting.money_terms`) are computed on their own and reduced at
   once to curves by tenure, shape (T,): the number of classes does not have to match;
3. acquisition runs for the whole chunk in one loop over periods with vectors of
   length N (:func:`sim.acquisition.acquire`), and the cash flows, yearly series
   and KPIs are computed on arrays with a leading axis N
   (:func:`sim.cohort.expected_kpis`).

``run_cohort`` runs steps 2-3 with N = 1, so a batch and a single run agree to
rounding. Memory grows with N × periods (no periods² array): about
:data:`BYTES_PER_SCENARIO_PERIOD` bytes per scenario and period.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np

from sim.accounting import money_terms, stack_money_terms
from sim.acquisition import acquire, acquisition_curves
from sim.budget import MEMORY_BUDGET_BYTES, check_cohort
from sim.cohort import (
    class_inputs,
    class_key,
    cost_per_acquired,
    expected_kpis,
    expected_paths,
    tenure_prices,
)
from sim.scenario import Scenario

__all__ = ["KPI_NAMES", "BYTES_PER_SCENARIO_PERIOD", "BatchKey", "batch_key", "batch_chunk",
           "evaluate_kpis"]

KPI_NAMES = ("clv_gross", "clv_net", "customer_equity", "npv", "acquired", "customers_end",
             "revenue", "profit", "retention_last_year", "market_share")
"""The cohort engine's KPIs (``run_cohort(s).kpis``; units in :mod:`sim.kpis`)."""

BYTES_PER_SCENARIO_PERIOD = 1024.0
"""Peak memory of a batch per scenario and period (bytes), with margin: 290-430 measured
(tracemalloc, 100-300 scenarios of 120-600 periods; tests/unit/test_batch.py checks it)."""

BatchKey = tuple[int, int, str, bool]
"""``(horizon_years, periods_per_year, cash_timing, paid)``: scenarios run together."""


def batch_key(scenario: Scenario) -> BatchKey:
    """The shape a scenario shares with the others of its group."""
    return (scenario.horizon_years, scenario.periods_per_year, scenario.finance.cash_timing,
            scenario.acquisition.mode == "paid")


def batch_chunk(periods: int) -> int:
    """Scenarios of ``periods`` periods evaluated at once: half the work budget
    (:data:`sim.budget.MEMORY_BUDGET_BYTES`) over :data:`BYTES_PER_SCENARIO_PERIOD`, so
    the chunk plus one scenario's classes (each within the budget) stays under it."""
    return max(1, int(MEMORY_BUDGET_BYTES / 2 // (BYTES_PER_SCENARIO_PERIOD * periods)))


@dataclass(frozen=True)
class _Money:
    """What :func:`sim.accounting.money_terms` reads of a scenario's engine inputs, before
    acquisition (the listed cost per customer, no spend: set once acquisition has run)."""

    price: np.ndarray
    variable_cost: np.ndarray
    acquisition_cost: float
    acquisition_spend: np.ndarray | None
    programme_cost: np.ndarray | None
    programme_fixed_per_year: float


@dataclass(frozen=True)
class _Classes:
    """One scenario's classes reduced to curves by tenure, shape (T,) (acquisition curves
    (3, T)): no (C, T) array is kept."""

    curves: np.ndarray
    survival: np.ndarray
    renewed: np.ndarray
    money_multiplier: np.ndarray | None
    programme_cost: np.ndarray | None
    programme_fixed_per_year: float


def _reduce(scenario: Scenario) -> _Classes:
    classes = class_inputs(scenario)
    curves = acquisition_curves(classes.class_weights, classes.survival,
                                scenario.periods_per_year, classes.referral_rate,
                                classes.loss_rate)
    survival, renewed = expected_paths(classes.class_weights, classes.retention,
                                       classes.survival)
    return _Classes(curves, survival, renewed, classes.money_multiplier,
                    classes.programme_cost, classes.programme_fixed_per_year)


def _evaluate_chunk(scenarios: Sequence[Scenario]) -> dict[str, np.ndarray]:
    """KPIs (N,) of scenarios of one :func:`batch_key`. Scenarios with equal
    :func:`sim.cohort.class_key` (e.g. moved only in price or budget) share their classes."""
    seen: dict[tuple[object, ...], _Classes] = {}
    rows, terms = [], []
    for s in scenarios:
        key = class_key(s)
        row = seen.get(key)
        if row is None:
            row = seen[key] = _reduce(s)
        rows.append(row)
        price, variable_cost = tenure_prices(s, row.money_multiplier)
        terms.append(money_terms(s, _Money(
            price, variable_cost, float(s.pricing.acquisition_cost), None,
            row.programme_cost, row.programme_fixed_per_year)))
    del seen
    path = acquire(scenarios, np.stack([r.curves for r in rows]))
    listed = np.array([s.pricing.acquisition_cost for s in scenarios], dtype=float)
    money = dataclasses.replace(
        stack_money_terms(terms),
        acquisition_cost=cost_per_acquired(listed, path.new, path.spend)[:, None],
        acquisition_spend=path.spend)
    sizes = np.array([s.market.size for s in scenarios], dtype=float)
    _, _, kpis = expected_kpis(scenarios[0], money, path.new,
                               np.stack([r.survival for r in rows]),
                               np.stack([r.renewed for r in rows]), sizes)
    return kpis


@overload
def evaluate_kpis(scenarios: Sequence[Scenario], metrics: str) -> np.ndarray: ...
@overload
def evaluate_kpis(scenarios: Sequence[Scenario],
                  metrics: tuple[str, ...] | list[str] | None = None) -> dict[str, np.ndarray]: ...


def evaluate_kpis(scenarios: Sequence[Scenario],
                  metrics: str | tuple[str, ...] | list[str] | None = None
                  ) -> np.ndarray | dict[str, np.ndarray]:
    """The cohort engine's KPIs of many scenarios, without DataFrames.

    Args:
        scenarios: any scenarios (mixed horizons, periods, models…), in any order.
        metrics: one KPI name (returns its array), several (returns a dict), or None for
            every one of :data:`KPI_NAMES`.

    Returns:
        Per KPI an array (N,) in the order of ``scenarios``: exactly what
        ``run_cohort(s).kpis[name]`` gives for each (to rounding; NaN where it is NaN).

    Raises:
        ValueError: an unknown KPI name.
        sim.budget.BudgetError: a scenario over the work budget (as :func:`run_cohort`).
    """
    names = ((metrics,) if isinstance(metrics, str)
             else KPI_NAMES if metrics is None else tuple(metrics))
    unknown = [m for m in names if m not in KPI_NAMES]
    if unknown:
        raise ValueError(f"unknown KPI {', '.join(unknown)}; choose from {', '.join(KPI_NAMES)}")
    out = {m: np.full(len(scenarios), math.nan) for m in names}
    groups: dict[BatchKey, list[int]] = {}
    for i, s in enumerate(scenarios):
        check_cohort(s)
        groups.setdefault(batch_key(s), []).append(i)
    for rows in groups.values():
        step = batch_chunk(scenarios[rows[0]].periods)
        for begin in range(0, len(rows), step):
            chunk = rows[begin:begin + step]
            kpis = _evaluate_chunk([scenarios[i] for i in chunk])
            for m in names:
                out[m][chunk] = kpis[m]
    return out[names[0]] if isinstance(metrics, str) else out
