"""Money over time: discounting, NPV, IRR and payback.

Rates are annual fractions; the period rate for ``periods_per_year`` = n is
(1 + i)^(1/n) − 1, so a year of periods discounts exactly like one year.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

__all__ = [
    "period_rate",
    "discount_factors",
    "npv",
    "irr",
    "payback_period",
    "roi",
]


def period_rate(annual_rate: float, periods_per_year: int) -> float:
    """Discount rate per period (fraction) equivalent to ``annual_rate`` per year."""
    return (1.0 + annual_rate) ** (1.0 / periods_per_year) - 1.0


def discount_factors(n_periods: int, annual_rate: float, periods_per_year: int,
                     timing: str = "start") -> np.ndarray:
    """Discount factor of each period's cash flow, periods 1..n.

    Args:
        n_periods: number of periods.
        annual_rate: annual discount rate (fraction).
        periods_per_year: 1 or 12.
        timing: ``start`` (period t discounted by (1+i_p)^(t−1): first period
            undiscounted) or ``end`` (by (1+i_p)^t).
    """
    rate = period_rate(annual_rate, periods_per_year)
    exponent = np.arange(n_periods, dtype=float) + (1.0 if timing == "end" else 0.0)
    return (1.0 + rate) ** (-exponent)


def npv(cash_flows: np.ndarray, annual_rate: float, periods_per_year: int = 1,
        timing: str = "start") -> float:
    """Net present value (currency) of per-period cash flows."""
    flows = np.asarray(cash_flows, dtype=float)
    return float(flows @ discount_factors(len(flows), annual_rate, periods_per_year, timing))


def irr(cash_flows: np.ndarray, periods_per_year: int = 1) -> float | None:
    """Internal rate of return (annual fraction) of per-period cash flows.

    The flows are taken at the start of each period (the first undiscounted).
    Returns None when no rate in (−99 %, 10 000 %) makes the NPV zero (e.g. all
    flows of one sign); the smallest root is returned when there are several.
    """
    flows = np.asarray(cash_flows, dtype=float)
    if not (np.any(flows > 0) and np.any(flows < 0)):
        return None
    t = np.arange(len(flows), dtype=float)

    def value(rate: float) -> float:
        return float(flows @ (1.0 + rate) ** (-t))

    grid = np.concatenate([np.linspace(-0.99, 1.0, 400), np.geomspace(1.0, 100.0, 200)[1:]])
    values = [value(r) for r in grid]
    for lo, hi, vlo, vhi in zip(grid[:-1], grid[1:], values[:-1], values[1:]):
        if vlo == 0.0:
            root = lo
            break
        if vlo * vhi < 0:
            root = brentq(value, lo, hi, xtol=1e-12)
            break
    else:
        return None
    return (1.0 + root) ** periods_per_year - 1.0


def payback_period(cash_flows: np.ndarray, periods_per_year: int = 1) -> float | None:
    """Years until cumulative cash flow first turns non-negative and stays so, or None.

    Cash of period t is taken as accruing evenly over the period, so the answer
    interpolates within the period in which the cumulative sum crosses zero.
    Pass discounted flows to get the discounted payback. Returns 0 when the
    cumulative sum never goes negative.
    """
    flows = np.asarray(cash_flows, dtype=float)
    cumulative = np.cumsum(flows)
    if np.all(cumulative >= 0):
        return 0.0
    negative = np.nonzero(cumulative < 0)[0]
    last_negative = int(negative[-1])
    if last_negative == len(flows) - 1:
        return None
    before = cumulative[last_negative]
    step = flows[last_negative + 1]
    fraction = -before / step if step > 0 else 1.0
    periods = last_negative + 1 + fraction
    result = periods / periods_per_year
    return result if math.isfinite(result) else None


def roi(incremental_benefit: float, incremental_cost: float) -> float | None:
    """Return on investment (fraction): (benefit − cost) / cost, both incremental vs a baseline.

    Args:
        incremental_benefit: discounted extra margin plus cost reductions (currency).
        incremental_cost: discounted extra spending (currency).

    Returns None (ROI undefined, shown as such) when the incremental cost is not
    positive: with nothing invested, a ratio would be infinite or meaningless.
    """
    if not (math.isfinite(incremental_benefit) and math.isfinite(incremental_cost)):
        return None
    if incremental_cost <= 1e-9 * max(1.0, abs(incremental_benefit)):
        return None
    return (incremental_benefit - incremental_cost) / incremental_cost
