"""Money over time: discounting, NPV, IRR and payback.

Rates are annual fractions; the period rate for ``periods_per_year`` = n is
(1 + i)^(1/n) − 1, so a year of periods discounts exactly like one year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

__all__ = [
    "REASON_NO_INVESTMENT",
    "REASON_NOT_WITHIN_HORIZON",
    "REASON_NO_SIGN_CHANGE",
    "REASON_NO_ROOT",
    "REASONS",
    "FinanceSummary",
    "period_rate",
    "discount_factors",
    "flow_times",
    "npv",
    "dated_npv",
    "irr",
    "dated_irr",
    "payback_period",
    "dated_payback",
    "cumulative_by_date",
    "incremental_flows",
    "roi",
    "invested",
    "summarise_incremental",
]

REASON_NO_INVESTMENT = "no_investment"
"""Nothing is spent beyond the baseline (incremental cost ≤ 0): ROI, IRR, paybacks undefined."""
REASON_NOT_WITHIN_HORIZON = "not_within_horizon"
"""The cumulative incremental cash is still negative at the horizon's end: no payback."""
REASON_NO_SIGN_CHANGE = "no_sign_change"
"""The incremental cash flows are all of one sign: no rate makes their NPV zero (IRR)."""
REASON_NO_ROOT = "no_root"
"""The flows change sign but no rate in (−99 %, 10 000 %) makes their NPV zero (IRR)."""
REASONS = (REASON_NO_INVESTMENT, REASON_NOT_WITHIN_HORIZON, REASON_NO_SIGN_CHANGE,
           REASON_NO_ROOT)
"""Every reason code a :class:`FinanceSummary` value can be missing for."""


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


def flow_times(n_periods: int, periods_per_year: int, timing: str = "start") -> np.ndarray:
    """Date of each period's cash flow in years from the start (periods 1..n).

    ``start``: period t (1-based) is dated (t − 1) / periods_per_year (the first at 0);
    ``end``: t / periods_per_year. These are exactly the dates :func:`discount_factors`
    discounts by: factor = (1 + annual_rate) ** −date.
    """
    shift = 1.0 if timing == "end" else 0.0
    return (np.arange(n_periods, dtype=float) + shift) / periods_per_year


def dated_npv(amounts: np.ndarray, times: np.ndarray, annual_rate: float) -> float:
    """Net present value (currency) of ``amounts`` paid at ``times`` (years from the start)."""
    a, t = np.asarray(amounts, dtype=float), np.asarray(times, dtype=float)
    return float(a @ (1.0 + annual_rate) ** (-t))


_IRR_GRID = np.concatenate([np.linspace(-0.99, 1.0, 400), np.geomspace(1.0, 100.0, 200)[1:]])
"""Annual rates at which :func:`dated_irr` looks for the NPV's first sign change."""


def dated_irr(amounts: np.ndarray, times: np.ndarray) -> tuple[float | None, str | None]:
    """Internal rate of return (annual fraction) of dated cash flows, and why it is missing.

    Args:
        amounts: cash flows (currency), any sign.
        times: their dates in years from the start (any order; equal dates allowed).

    Returns:
        ``(rate, None)`` with the smallest annual rate in (−99 %, 10 000 %) at which
        ``dated_npv(amounts, times, rate) = 0``; ``(None, "no_sign_change")`` when the
        flows are all of one sign (or zero); ``(None, "no_root")`` when no rate in that
        range makes the NPV zero.
    """
    a, t = np.asarray(amounts, dtype=float), np.asarray(times, dtype=float)
    scale = max(1.0, float(np.abs(a).sum()))
    if not (np.any(a > 1e-12 * scale) and np.any(a < -1e-12 * scale)):
        return None, REASON_NO_SIGN_CHANGE

    def value(rate: float) -> float:
        return float(a @ (1.0 + rate) ** (-t))

    grid = _IRR_GRID
    with np.errstate(over="ignore", invalid="ignore"):
        values = ((1.0 + grid)[:, None] ** (-t)[None, :]) @ a    # NPV at every rate
        low, high = values[:-1], values[1:]
        # The first grid step, in order, where the NPV is zero at its start or changes sign.
        hit = (low == 0.0) | (np.isfinite(low) & np.isfinite(high) & (low * high < 0))
    steps = np.flatnonzero(hit)
    if len(steps) == 0:
        return None, REASON_NO_ROOT
    i = int(steps[0])
    if low[i] == 0.0:
        return float(grid[i]), None
    return float(brentq(value, grid[i], grid[i + 1], xtol=1e-14, rtol=1e-14)), None


def cumulative_by_date(amounts: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative cash (currency) at each distinct date (years, ascending) of dated flows."""
    a, t = np.asarray(amounts, dtype=float), np.asarray(times, dtype=float)
    dates, where = np.unique(t, return_inverse=True)
    return dates, np.cumsum(np.bincount(where, weights=a, minlength=len(dates)))


def dated_payback(amounts: np.ndarray, times: np.ndarray) -> tuple[float | None, str | None]:
    """Payback (years from the start) of dated cash flows, and why it is missing.

    Flows at equal dates are added; the cumulative cash is taken at each date and
    interpolated linearly between consecutive dates (it is 0 before the first). The
    payback is the time from which the cumulative cash stays ≥ 0: 0 when it never
    goes negative. Pass discounted amounts for the discounted payback.

    Returns:
        ``(years, None)``, or ``(None, "not_within_horizon")`` when the cumulative cash
        is still negative at the last date.
    """
    a = np.asarray(amounts, dtype=float)
    dates, cumulative = cumulative_by_date(a, times)
    tolerance = 1e-9 * max(1.0, float(np.abs(a).sum()))
    negative = np.nonzero(cumulative < -tolerance)[0]
    if len(negative) == 0:
        return 0.0, None
    last = int(negative[-1])
    if last == len(dates) - 1:
        return None, REASON_NOT_WITHIN_HORIZON
    before, after = cumulative[last], cumulative[last + 1]
    fraction = -before / (after - before)
    return float(dates[last] + fraction * (dates[last + 1] - dates[last])), None


def irr(cash_flows: np.ndarray, periods_per_year: int = 1) -> float | None:
    """Internal rate of return (annual fraction) of per-period flows dated at each period's start.

    The first flow is at time 0, the next at 1 / periods_per_year years, and so on.
    None when there is no rate (see :func:`dated_irr`).
    """
    flows = np.asarray(cash_flows, dtype=float)
    return dated_irr(flows, flow_times(len(flows), periods_per_year, "start"))[0]


def payback_period(cash_flows: np.ndarray, periods_per_year: int = 1) -> float | None:
    """Payback (years) of per-period flows dated at each period's start, or None (never).

    See :func:`dated_payback`: e.g. −40 at t = 0 and +60 at t = 1 year → 0.667 years.
    """
    flows = np.asarray(cash_flows, dtype=float)
    return dated_payback(flows, flow_times(len(flows), periods_per_year, "start"))[0]


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


def invested(incremental_benefit: float, incremental_cost: float) -> bool:
    """True when something is spent beyond the baseline (the incremental cost is positive)."""
    return (math.isfinite(incremental_cost)
            and incremental_cost > 1e-9 * max(1.0, abs(incremental_benefit)))


@dataclass(frozen=True)
class FinanceSummary:
    """The money of a scenario against its baseline: what every page, the CLI and compare show.

    All amounts are incremental (scenario − baseline), discounted as the engines
    discount, in the scenario currency. A value that can be missing is ``None``
    with its ``*_reason`` set to one of :data:`REASONS`; the reason is ``None``
    when the value exists.

    Attributes:
        incremental_benefit: Δ margin (revenue − variable cost) + Δ CRM cost savings (currency).
        incremental_cost: Δ acquisition spend + Δ programme costs + Δ CRM system cost (currency).
        npv_delta: benefit − cost = Δ NPV (currency).
        roi: (benefit − cost) / cost (fraction); reason ``no_investment`` when cost ≤ 0.
        irr: annual rate (fraction) at which the incremental flows, each at its date, have
            NPV 0; reasons ``no_investment``, ``no_sign_change``, ``no_root``.
        payback_years: years from the start from which the cumulative undiscounted
            incremental cash stays ≥ 0; reasons ``no_investment``, ``not_within_horizon``.
        discounted_payback_years: the same on discounted cash (years).
    """

    incremental_benefit: float
    incremental_cost: float
    npv_delta: float
    roi: float | None
    irr: float | None
    payback_years: float | None
    discounted_payback_years: float | None
    roi_reason: str | None = None
    irr_reason: str | None = None
    payback_reason: str | None = None
    discounted_payback_reason: str | None = None

    VALUE_KEYS = ("incremental_benefit", "incremental_cost", "npv_delta", "roi", "irr",
                  "payback_years", "discounted_payback_years")
    """The JSON keys of the values (a stable contract)."""
    REASON_KEYS = {"roi": "roi_reason", "irr": "irr_reason", "payback_years": "payback_reason",
                   "discounted_payback_years": "discounted_payback_reason"}
    """The reason key of each value that can be missing."""

    def value(self, key: str) -> float | None:
        """The value named ``key`` (one of :attr:`VALUE_KEYS`)."""
        if key not in self.VALUE_KEYS:
            raise KeyError(key)
        return getattr(self, key)

    def reason(self, key: str) -> str | None:
        """Why the value ``key`` is missing (None when it exists or can never be missing)."""
        field = self.REASON_KEYS.get(key)
        return getattr(self, field) if field else None

    def as_dict(self) -> dict[str, float | str | None]:
        """JSON-ready: the :attr:`VALUE_KEYS` then the reason keys (null when the value exists)."""
        data: dict[str, float | str | None] = {k: getattr(self, k) for k in self.VALUE_KEYS}
        data.update({r: getattr(self, r) for r in self.REASON_KEYS.values()})
        return data


def incremental_flows(delta_benefit: np.ndarray, delta_cost: np.ndarray, annual_rate: float,
                      periods_per_year: int, cash_timing: str) -> dict[str, np.ndarray]:
    """Per-period incremental benefit and cost as dated cash flows.

    Returns arrays of equal length: ``amount`` (currency: benefits positive, costs
    negative), ``time`` (years from the start: costs at the period's start, benefits
    at its start or end per ``cash_timing``), ``discounted`` (amount × (1+i)^−time, as
    the engines discount) and ``kind`` (+1 benefit, −1 cost).
    """
    benefit_flows = np.asarray(delta_benefit, dtype=float)
    cost_flows = np.asarray(delta_cost, dtype=float)
    n = len(benefit_flows)
    d_benefit = discount_factors(n, annual_rate, periods_per_year, cash_timing)
    d_cost = discount_factors(n, annual_rate, periods_per_year, "start")
    return {"amount": np.concatenate([benefit_flows, -cost_flows]),
            "time": np.concatenate([flow_times(n, periods_per_year, cash_timing),
                                    flow_times(n, periods_per_year, "start")]),
            "discounted": np.concatenate([benefit_flows * d_benefit, -cost_flows * d_cost]),
            "kind": np.concatenate([np.ones(n), -np.ones(n)])}


def summarise_incremental(delta_benefit: np.ndarray, delta_cost: np.ndarray, annual_rate: float,
                          periods_per_year: int, cash_timing: str) -> FinanceSummary:
    """The :class:`FinanceSummary` of per-period incremental flows.

    Args:
        delta_benefit: per period, Δ margin + Δ cost savings (currency), dated like the
            margin: at the period's start or end per ``cash_timing``.
        delta_cost: per period, Δ acquisition + programme + CRM system spend (currency),
            paid at the period's start.
        annual_rate: discount rate (annual fraction).
        periods_per_year: 1 or 12.
        cash_timing: ``start`` or ``end``.

    Every flow is dated as the NPV dates it; IRR solves for the rate at which that
    NPV is zero and the paybacks interpolate the cumulative cash between dates.
    """
    flows = incremental_flows(delta_benefit, delta_cost, annual_rate, periods_per_year, cash_timing)
    benefit = float(flows["discounted"][flows["kind"] == 1].sum()) + 0.0     # no −0.0
    cost = -float(flows["discounted"][flows["kind"] == -1].sum()) + 0.0
    amounts, times, discounted = flows["amount"], flows["time"], flows["discounted"]
    if not invested(benefit, cost):
        return FinanceSummary(benefit, cost, benefit - cost, None, None, None, None,
                              REASON_NO_INVESTMENT, REASON_NO_INVESTMENT, REASON_NO_INVESTMENT,
                              REASON_NO_INVESTMENT)
    rate, rate_reason = dated_irr(amounts, times)
    payback, payback_reason = dated_payback(amounts, times)
    d_payback, d_payback_reason = dated_payback(discounted, times)
    return FinanceSummary(benefit, cost, benefit - cost, roi(benefit, cost), rate, payback,
                          d_payback, None, rate_reason, payback_reason, d_payback_reason)
