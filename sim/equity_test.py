"""The Blattberg-Deighton customer-equity test (HBR 1996; Pfeifer 2005), DOMAIN.md §9.

A manager states, for acquisition and for retention, a ceiling and one observed point;
each response curve is then

    a(A) = a_max (1 − e^(−k₁A)),   k₁ = −ln(1 − a₀/a_max) / A₀   (per prospect)
    r(R) = r_max (1 − e^(−k₂R)),   k₂ = −ln(1 − r₀/r_max) / R₀   (per customer-period)

(the shape of paid acquisition, :func:`sim.acquisition.paid_conversion_share`, with a
potential of one prospect). An acquired customer pays the margin m at once; at the end
of each period the firm spends R on every customer it still has, a share r = r(R) of
them stays and pays m again. With discount rate d per period, over the whole life,

    V(R) = m + Σ_{t≥1} (m·r^t − R·r^(t−1)) / (1+d)^t = m + (m·r − R) / (1 + d − r),

and the customer equity per prospect is CE(A, R) = a(A)·V(R) − A.

**The optimum.** CE is maximised by the R that maximises V (for any A with a(A) > 0) and
then by the A that maximises a(A)·V − A. The first-order conditions are

    r′(R)·(m(1+d) − R) = 1 + d − r(R)        and        a′(A)·V(R*) = 1.

The retention condition has the closed form R* = M − (1 + W₀(z))/k₂ with M = m(1+d),
z = (1 + d − r_max)/r_max · e^(k₂M − 1) and W₀ the Lambert W function (its principal
branch); it has a root R* > 0 exactly when r_max·k₂·M > 1 + d (else the first unit of
retention spend does not pay: R* = 0). Acquisition: A* = ln(a_max k₁ V(R*))/k₁ when
a_max k₁ V(R*) > 1, else A* = 0. At an interior optimum the marginal cost of acquiring a
customer, 1/a′(A*), and of retaining one, 1/r′(R*), both equal V(R*) (Pfeifer); the
average costs A/a and R/r differ, and their ratio is what "acquiring a customer costs
5× keeping one" (seed 000) talks about.

:func:`solve` also maximises CE numerically (bounded Brent searches and an L-BFGS-B
polish, scipy, independent of the closed form) and keeps both, so every result carries
its own check.

Units: money in the scenario currency; ``acquisition_spend`` per prospect,
``retention_spend`` and ``margin`` per customer-period; rates are fractions; the
discount rate is per period (the period of the retention rate: a year for a yearly rate).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.optimize import brentq, minimize, minimize_scalar
from scipy.special import lambertw

from sim.schema import Issue, ScenarioError, spec

_A = "messages.allowed."
_F = "messages.found."

if TYPE_CHECKING:
    from sim.scenario import Scenario

__all__ = ["MONEY_MAX", "EquityTest", "ResponseCurve", "PlanPoint", "EquityTestResult",
           "RESULT_KEYS", "calibrate", "curve_issues", "response_curves", "customer_value",
           "equity",
           "retention_condition", "solve", "equity_test_of", "equity_grid",
           "marginal_cost_curves"]

MONEY_MAX = 1e9
SECTION = "equity_test"
"""The scenario section's name (field paths in messages start with it)."""


@dataclass(frozen=True)
class EquityTest:
    """The inputs of the customer-equity test (the optional ``[equity_test]`` section).

    The defaults are an illustration (not a published case): a margin of 100 a period,
    15 % discount; 60 per prospect acquires 30 % of prospects against a ceiling of
    50 %; 15 per customer-period keeps 65 % against a ceiling of 85 %. That plan just
    breaks even (CE = 0); the optimum spends about 41 and 31 for CE ≈ 16 per prospect.
    """

    margin: float = spec(100.0, "float", unit="currency/customer-period", minimum=0,
                         maximum=MONEY_MAX)
    discount_rate: float = spec(0.15, "float", unit="fraction/period", minimum=0, maximum=1)
    acquisition_ceiling: float = spec(0.50, "float", unit="fraction of prospects", minimum=0,
                                      maximum=1)
    acquisition_spend: float = spec(60.0, "float", unit="currency/prospect", minimum=0,
                                    maximum=MONEY_MAX)
    acquisition_rate: float = spec(0.30, "float", unit="fraction of prospects", minimum=0,
                                   maximum=1)
    retention_ceiling: float = spec(0.85, "float", unit="fraction/period", minimum=0,
                                    maximum=1)
    retention_spend: float = spec(15.0, "float", unit="currency/customer-period", minimum=0,
                                  maximum=MONEY_MAX)
    retention_rate: float = spec(0.65, "float", unit="fraction/period", minimum=0, maximum=1)

    def rules(self) -> list[Issue]:
        """Every observed point must calibrate its curve, and the margin must be positive."""
        found = []
        if self.margin <= 0:
            found.append(Issue("margin", "rule", allowed_key=_A + "eq_margin",
                               got_key=_F + "eq_margin",
                               params=(("margin", f"{self.margin:g}"),)))
        for part, noun in (("acquisition", "prospects"), ("retention", "customers")):
            found.extend(curve_issues(f"{part}_ceiling", f"{part}_spend", f"{part}_rate",
                                      noun, getattr(self, f"{part}_ceiling"),
                                      getattr(self, f"{part}_spend"),
                                      getattr(self, f"{part}_rate")))
        return found


def curve_issues(ceiling_field: str, spend_field: str, rate_field: str, noun: str,
                 ceiling: float, spend: float, rate: float) -> list[Issue]:
    """Why the observed point ``(spend, rate)`` under ``ceiling`` cannot calibrate
    ceiling·(1 − e^(−k·spend)); each issue names its field (``*_field``). ``noun``: what
    spending moves (``prospects`` or ``customers``, a ``messages.noun.*`` key name)."""
    shown = (("rate_field", rate_field), ("rate", f"{rate:g}"),
             ("ceiling_field", ceiling_field), ("ceiling", f"{ceiling:g}"),
             ("spend_field", spend_field), ("spend", f"{spend:g}"))
    if rate <= 0:
        return [Issue(rate_field, "rule", allowed_key=_A + "eq_rate", got_key=_F + "eq_is",
                      params=(("field", rate_field), ("value", f"{rate:g}")),
                      keyed_params=(("noun", f"messages.noun.{noun}"),))]
    if ceiling <= rate:
        return [Issue(ceiling_field, "rule", allowed_key=_A + "eq_ceiling",
                      got_key=_F + "eq_ceiling", params=shown)]
    if spend <= 0:
        return [Issue(spend_field, "rule", allowed_key=_A + "eq_spend",
                      got_key=_F + "eq_spend", params=shown)]
    return []


def _raise_if_invalid(test: EquityTest) -> None:
    found = test.rules()
    if found:
        raise ScenarioError([i.under(SECTION) for i in found])


@dataclass(frozen=True)
class ResponseCurve:
    """rate(spend) = ceiling·(1 − e^(−k·spend)): a rate (fraction) for a spend (currency).

    Attributes:
        ceiling: the rate unlimited spending approaches (fraction).
        k: response (1/currency).
    """

    ceiling: float
    k: float

    def rate(self, spend: float | np.ndarray) -> float | np.ndarray:
        """The rate a spend reaches (paid acquisition's curve on one prospect)."""
        # imported here: sim.acquisition reads sim.scenario, which declares EquityTest
        from sim.acquisition import paid_conversion_share

        return paid_conversion_share(spend, 1.0, self.ceiling, self.k)

    def slope(self, spend: float | np.ndarray) -> float | np.ndarray:
        """d rate / d spend (fraction per currency unit)."""
        return self.ceiling * self.k * np.exp(-self.k * np.asarray(spend, dtype=float)) + 0.0

    def marginal_cost(self, spend: float | np.ndarray) -> float | np.ndarray:
        """Cost of one more acquired or retained customer at this spend, 1/slope (currency)."""
        with np.errstate(over="ignore"):
            value = np.exp(self.k * np.asarray(spend, dtype=float)) / (self.ceiling * self.k)
        return float(value) if np.ndim(value) == 0 else value


def calibrate(ceiling: float, spend: float, rate: float) -> ResponseCurve:
    """The curve through the observed ``(spend, rate)`` under ``ceiling``:
    k = −ln(1 − rate/ceiling)/spend (needs 0 < rate < ceiling and spend > 0)."""
    return ResponseCurve(ceiling, -math.log1p(-rate / ceiling) / spend)


def response_curves(test: EquityTest) -> tuple[ResponseCurve, ResponseCurve]:
    """The acquisition and retention curves of ``test``.

    Raises:
        ScenarioError: an observed point cannot calibrate its curve (field named).
    """
    _raise_if_invalid(test)
    return (calibrate(test.acquisition_ceiling, test.acquisition_spend, test.acquisition_rate),
            calibrate(test.retention_ceiling, test.retention_spend, test.retention_rate))


def _keep_gap(test: EquityTest, retention: ResponseCurve,
              spend: float | np.ndarray) -> np.ndarray:
    """1 + d − r(R) written as (1 + d − r_max) + r_max·e^(−kR): no cancellation when r is
    close to 1 + d (no discount and a ceiling of 1: then exactly r_max·e^(−kR))."""
    d, c = test.discount_rate, retention.ceiling
    return (1.0 + d - c) + c * np.exp(-retention.k * np.asarray(spend, dtype=float))


def customer_value(test: EquityTest, retention: ResponseCurve,
                   spend: float | np.ndarray) -> float | np.ndarray:
    """V(R) = m + (m·r − R)/(1 + d − r) (currency per acquired customer), r = r(R); +inf
    or −inf where 1 + d − r underflows to 0 (no discount, a ceiling of 1, kR > ~745)."""
    m = test.margin
    r = retention.rate(spend)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = m + (m * r - np.asarray(spend, dtype=float)) / _keep_gap(test, retention, spend)
    return float(value) if np.ndim(value) == 0 else value


def equity(test: EquityTest, acquisition: ResponseCurve, retention: ResponseCurve,
           acquisition_spend: float | np.ndarray,
           retention_spend: float | np.ndarray) -> float | np.ndarray:
    """CE(A, R) = a(A)·V(R) − A (currency per prospect); arrays broadcast."""
    with np.errstate(invalid="ignore"):
        value = (np.asarray(acquisition.rate(acquisition_spend))
                 * np.asarray(customer_value(test, retention, retention_spend))
                 - np.asarray(acquisition_spend, dtype=float))
    return float(value) if np.ndim(value) == 0 else value


def retention_condition(test: EquityTest, retention: ResponseCurve, spend: float) -> float:
    """g(R) = r′(R)·(m(1+d) − R) − (1 + d − r(R)): zero at the optimal retention spend,
    positive below it (dV/dR = g/(1 + d − r)²)."""
    m, d = test.margin, test.discount_rate
    return float(retention.slope(spend) * (m * (1 + d) - spend)
                 - _keep_gap(test, retention, spend))


def _optimal_retention(test: EquityTest, retention: ResponseCurve) -> float:
    """R* from the closed form (Lambert W), 0 when the first unit of spend does not pay."""
    d, c, k = test.discount_rate, retention.ceiling, retention.k
    big_m = test.margin * (1 + d)
    if c * k * big_m <= 1 + d:
        return 0.0
    log_z = math.log((1 + d - c) / c) + k * big_m - 1 if c < 1 + d else -math.inf
    if log_z < 700:                             # W₀(z) directly
        u = float(lambertw(math.exp(log_z)).real) if math.isfinite(log_z) else 0.0
    else:                                       # z overflows: solve u + ln u = ln z
        u = float(brentq(lambda x: x + math.log(x) - log_z, log_z - math.log(log_z), log_z,
                         xtol=1e-14, rtol=1e-15))
    return min(max(big_m - (1 + u) / k, 0.0), big_m)


@dataclass(frozen=True)
class PlanPoint:
    """One plan on the two curves (currency, fractions).

    Attributes:
        acquisition_spend, retention_spend: A per prospect, R per customer-period.
        acquisition_rate, retention_rate: a(A), r(R).
        customer_value: V(R) per acquired customer.
        equity_per_prospect: CE(A, R).
        average_acquisition_cost: A/a per acquired customer (None when a = 0).
        average_retention_cost: R/r per retained customer-period (None when r = 0).
        average_cost_ratio: (A/a)/(R/r) (None when either is missing or R = 0).
    """

    acquisition_spend: float
    retention_spend: float
    acquisition_rate: float
    retention_rate: float
    customer_value: float
    equity_per_prospect: float
    average_acquisition_cost: float | None
    average_retention_cost: float | None
    average_cost_ratio: float | None


def _plan_point(test: EquityTest, acq: ResponseCurve, ret: ResponseCurve, a_spend: float,
                r_spend: float) -> PlanPoint:
    a, r = float(acq.rate(a_spend)), float(ret.rate(r_spend))
    value = float(customer_value(test, ret, r_spend))
    avg_a = a_spend / a if a > 0 else None
    avg_r = r_spend / r if r > 0 else None
    ratio = avg_a / avg_r if avg_a is not None and avg_r else None
    return PlanPoint(a_spend, r_spend, a, r, value, a * value - a_spend, avg_a, avg_r, ratio)


@dataclass(frozen=True)
class EquityTestResult:
    """The test's answer: the optimum, the current plan, and the checks.

    Attributes:
        test: the inputs.
        acquisition, retention: the calibrated curves.
        optimum: the plan from the first-order conditions (closed form).
        current: the observed plan (the calibration points).
        marginal_acquisition_cost: 1/a′(A*) (currency per acquired customer).
        marginal_retention_cost: 1/r′(R*) (currency per retained customer-period).
        interior_acquisition, interior_retention: False when the optimum spends nothing
            on that side (a corner: the first unit of spend does not pay; the
            marginal-cost identity then does not hold).
        numerical_acquisition_spend, numerical_retention_spend, numerical_equity: the
            numerical maximum of CE (scipy), independent of the closed form.
        retention_gap: g(R*) (:func:`retention_condition`, 0 at an interior optimum).
    """

    test: EquityTest
    acquisition: ResponseCurve
    retention: ResponseCurve
    optimum: PlanPoint
    current: PlanPoint
    marginal_acquisition_cost: float
    marginal_retention_cost: float
    interior_acquisition: bool
    interior_retention: bool
    numerical_acquisition_spend: float
    numerical_retention_spend: float
    numerical_equity: float
    retention_gap: float

    @property
    def value_gaps(self) -> tuple[float, float]:
        """Marginal acquisition cost − V(R*) and marginal retention cost − V(R*)
        (currency; both 0 at an interior optimum)."""
        v = self.optimum.customer_value
        return self.marginal_acquisition_cost - v, self.marginal_retention_cost - v

    @property
    def numerical_gap(self) -> float:
        """Largest distance between the closed-form and the numerical optimum, relative
        to each spend's scale (|x − y| / max(1, |x|)). The retention spend counts only
        when the optimum acquires customers (with a* = 0 every R gives CE = 0)."""
        o = self.optimum
        gaps = [abs(o.acquisition_spend - self.numerical_acquisition_spend)
                / max(1.0, abs(o.acquisition_spend))]
        if self.interior_acquisition:
            gaps.append(abs(o.retention_spend - self.numerical_retention_spend)
                        / max(1.0, abs(o.retention_spend)))
        return max(gaps)

    def as_dict(self) -> dict[str, float | None]:
        """The JSON object of ``python -m sim optimise`` (:data:`RESULT_KEYS`, the optimum)."""
        o = self.optimum
        return {"acquisition_spend": o.acquisition_spend,
                "retention_spend": o.retention_spend,
                "acquisition_rate": o.acquisition_rate,
                "retention_rate": o.retention_rate,
                "customer_value": o.customer_value,
                "equity_per_prospect": o.equity_per_prospect,
                "marginal_acquisition_cost": self.marginal_acquisition_cost,
                "marginal_retention_cost": self.marginal_retention_cost,
                "average_cost_ratio": o.average_cost_ratio}


RESULT_KEYS = ("acquisition_spend", "retention_spend", "acquisition_rate", "retention_rate",
               "customer_value", "equity_per_prospect", "marginal_acquisition_cost",
               "marginal_retention_cost", "average_cost_ratio")
"""Keys of :meth:`EquityTestResult.as_dict` (a stable contract of the CLI's JSON)."""


def _scan_then_brent(f: Callable[[float], float], high: float) -> float:
    """The minimiser of ``f`` on [0, high]: the best of 0 and a scan of 400 points spread
    linearly and geometrically (down to 1e-12 of ``high``: an optimum may be tiny against
    the bound), then bounded Brent search between the best point's neighbours."""
    grid = np.unique(np.concatenate([[0.0], np.linspace(0.0, high, 200),
                                     np.geomspace(1e-12 * high, high, 200)]))
    values = np.array([f(float(x)) for x in grid])
    best = int(np.argmin(values))
    low, top = float(grid[max(best - 1, 0)]), float(grid[min(best + 1, len(grid) - 1)])
    if top <= low:
        return float(grid[best])
    found = minimize_scalar(f, bounds=(low, top), method="bounded",
                            options={"xatol": 1e-13 * max(1.0, top)})
    return float(found.x) if float(found.fun) <= values[best] else float(grid[best])


def _numerical_optimum(test: EquityTest, acq: ResponseCurve, ret: ResponseCurve
                       ) -> tuple[float, float]:
    """Maximise CE numerically, without the closed form or the first-order conditions.

    For any A with a(A) > 0, CE(A, R) = a(A)·V(R) − A is largest at the R that maximises
    V, so: log V is maximised over [0, m(1+d)] (V ≤ 0 beyond), then a(A)·V − A over a box
    that holds every A with CE ≥ 0, each by a scan and bounded Brent search (scipy), and
    the pair is polished jointly (L-BFGS-B with the analytic gradient on scaled
    variables; kept only if it gains beyond rounding). A local search of CE from an
    arbitrary start can stall on the line A = 0, where CE = 0 for every R."""
    m, d = test.margin, test.discount_rate
    big_m = m * (1 + d)
    ca, ka, cr, kr = acq.ceiling, acq.k, ret.ceiling, ret.k

    def value(r_spend: float) -> float:
        er = math.exp(-kr * r_spend)
        return m + (m * cr * (1.0 - er) - r_spend) / ((1.0 + d - cr) + cr * er)

    def neg_log_value(r_spend: float) -> float:
        v = value(r_spend)                    # V = (m(1+d) − R)/(1 + d − r) > 0 below m(1+d)
        return -math.log(v) if v > 0 else math.inf

    # log V and a·V − A without its constant a_max·V: the same maxima, better conditioned
    # when V is large (V = 4e10 leaves A undetermined to 1e-2 in a·V − A itself)
    r_spend = _scan_then_brent(neg_log_value, big_m)
    if value(r_spend) <= value(0.0):
        r_spend = 0.0
    v = value(r_spend)
    a_hi = max(2.0 * ca * v, 1e-12)          # a·V − A < 0 beyond it
    a_spend = _scan_then_brent(lambda x: ca * v * math.exp(-ka * x) + x, a_hi)
    if ca * v - (ca * v * math.exp(-ka * a_spend) + a_spend) <= 0.0:
        a_spend = 0.0

    def negative(x: np.ndarray) -> tuple[float, np.ndarray]:
        a_s, r_s = float(x[0]) * a_hi, float(x[1]) * big_m
        ea, er = math.exp(-ka * a_s), math.exp(-kr * r_s)
        a, r, gap = ca * (1.0 - ea), cr * (1.0 - er), (1.0 + d - cr) + cr * er
        val = m + (m * r - r_s) / gap
        dv = (cr * kr * er * (big_m - r_s) - gap) / gap ** 2
        grad = np.array([(ca * ka * ea * val - 1.0) * a_hi, a * dv * big_m])
        return -(a * val - a_s), -grad

    start = np.array([a_spend / a_hi, r_spend / big_m])
    polish = minimize(negative, start, jac=True, method="L-BFGS-B", bounds=[(0, 1), (0, 1)],
                      options={"ftol": 1e-15, "gtol": 1e-13, "maxiter": 200})
    here = negative(start)[0]
    if float(polish.fun) < here - 1e-12 * max(1.0, abs(here)):     # beyond rounding only
        a_spend, r_spend = float(polish.x[0]) * a_hi, float(polish.x[1]) * big_m
    return a_spend, r_spend


def solve(test: EquityTest) -> EquityTestResult:
    """Run the customer-equity test on ``test``.

    Raises:
        ScenarioError: an input that cannot calibrate its curve, or an optimum at which
            the value of a customer is infinite (r* ≥ 1 + d), naming the field and why.
    """
    acq, ret = response_curves(test)
    d = test.discount_rate
    if ret.ceiling > 1 + d:                 # 1 + d − r(R) reaches 0: V has a pole
        raise ScenarioError([Issue(f"{SECTION}.retention_ceiling", "rule",
                                   allowed_key=_A + "eq_pole", got_key=_F + "eq_pole",
                                   params=(("ceiling", f"{ret.ceiling:g}"),
                                           ("limit", f"{1 + d:g}")))])
    r_spend = _optimal_retention(test, ret)
    r_star = float(ret.rate(r_spend))
    value = float(customer_value(test, ret, r_spend))
    if not math.isfinite(value):
        raise ScenarioError([Issue(f"{SECTION}.retention_ceiling", "rule",
                                   allowed_key=_A + "eq_finite_value",
                                   got_key=_F + "eq_infinite",
                                   params=(("rate", f"{r_star:.15g}"),
                                           ("gap", f"{1 + d - r_star:g}"),
                                           ("value", f"{value:g}")))])
    x = acq.ceiling * acq.k * value
    a_spend = math.log(x) / acq.k if value > 0 and x > 1 else 0.0
    optimum = _plan_point(test, acq, ret, a_spend, r_spend)
    current = _plan_point(test, acq, ret, test.acquisition_spend, test.retention_spend)
    num_a, num_r = _numerical_optimum(test, acq, ret)
    return EquityTestResult(
        test=test, acquisition=acq, retention=ret, optimum=optimum, current=current,
        marginal_acquisition_cost=float(acq.marginal_cost(a_spend)),
        marginal_retention_cost=float(ret.marginal_cost(r_spend)),
        interior_acquisition=a_spend > 0, interior_retention=r_spend > 0,
        numerical_acquisition_spend=num_a, numerical_retention_spend=num_r,
        numerical_equity=float(equity(test, acq, ret, num_a, num_r)),
        retention_gap=retention_condition(test, ret, r_spend))


def equity_test_of(scenario: Scenario) -> EquityTestResult | None:
    """:func:`solve` on the scenario's ``[equity_test]`` section (None when it has none)."""
    section: EquityTest | None = scenario.equity_test
    return None if section is None else solve(section)


def _axis(*points: float, n: int) -> np.ndarray:
    top = 2.0 * max(max(points), 1e-9)
    return np.linspace(0.0, top, n)


def equity_grid(result: EquityTestResult, points: int = 41) -> pd.DataFrame:
    """CE(A, R) on a ``points`` × ``points`` grid from 0 to twice the larger of the optimum
    and the current plan on each axis: ``acquisition_spend, retention_spend, equity,
    a_low, a_high, r_low, r_high`` (each cell's edges, for a heat map's rectangles); NaN
    where V is beyond floating point (no discount, a retention rate that rounds to 1)."""
    o, c = result.optimum, result.current
    a_axis = _axis(o.acquisition_spend, c.acquisition_spend, n=points)
    r_axis = _axis(o.retention_spend, c.retention_spend, n=points)
    aa, rr = np.meshgrid(a_axis, r_axis, indexing="ij")
    ce = np.asarray(equity(result.test, result.acquisition, result.retention, aa, rr))
    ce = np.where(np.isfinite(ce), ce, np.nan)     # no discount, r rounding to 1: no value
    half_a, half_r = (a_axis[1] - a_axis[0]) / 2, (r_axis[1] - r_axis[0]) / 2
    return pd.DataFrame({"acquisition_spend": aa.ravel(), "retention_spend": rr.ravel(),
                         "equity": ce.ravel(),
                         "a_low": np.maximum(aa.ravel() - half_a, 0.0),
                         "a_high": aa.ravel() + half_a,
                         "r_low": np.maximum(rr.ravel() - half_r, 0.0),
                         "r_high": rr.ravel() + half_r})


def marginal_cost_curves(result: EquityTestResult, points: int = 81) -> pd.DataFrame:
    """The marginal cost of an acquired customer 1/a′(A) and of a retained one 1/r′(R)
    over spend, from 0 to twice the larger optimum or current spend: ``spend, curve``
    (``acquisition`` or ``retention``), ``marginal_cost`` (currency). Both cross V(R*)
    at their optimal spend; costs above 3 V(R*) are cut off (they rise exponentially)."""
    o, c = result.optimum, result.current
    spend = _axis(o.acquisition_spend, o.retention_spend, c.acquisition_spend,
                  c.retention_spend, n=points)
    cap = 3.0 * max(o.customer_value, 1e-9)
    frames = []
    for name, curve in (("acquisition", result.acquisition), ("retention", result.retention)):
        cost = np.asarray(curve.marginal_cost(spend))
        keep = cost <= cap
        frames.append(pd.DataFrame({"spend": spend[keep], "curve": name,
                                    "marginal_cost": cost[keep]}))
    return pd.concat(frames, ignore_index=True)
