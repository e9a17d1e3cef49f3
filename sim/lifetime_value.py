"""Value over the customer's whole life under sBG retention (Fader & Hardie 2010).

Conventions (DOMAIN.md §10): one margin per period, paid at the period's start by the
customers active in it; renewal decisions at the period's end; ``discount`` d per period
(fraction), v = 1/(1+d).

* **DEL**, discounted expected lifetime of a new customer (periods):
  Σ_{t≥0} S(t)·v^t = ₂F₁(1, β; α+β; v).
* **DERL(n)**, discounted expected residual lifetime of a customer who has made n renewals,
  valued just before the next renewal decision (that period's margin undiscounted):
  Σ_{t>n} S(t)/S(n)·v^(t−n−1) = (β+n)/(α+β+n) · ₂F₁(1, β+n+1; α+β+n+1; v).
  DEL = 1 + v·DERL(0).
* Whole-life CLV = margin × DEL; the residual value of today's customers = Σₙ customers
  with n renewals × margin × DERL(n).

Nothing is cut at a horizon. With d = 0 the sums are the expected (residual) lifetimes,
finite only for α > 1: DEL = (α+β−1)/(α−1), DERL(n) = (β+n)/(α−1); otherwise infinite.

**How ₂F₁ is evaluated.** For a = 1 and 0 < z < 1 the Gauss series Σₖ (b)ₖ/(c)ₖ zᵏ has
positive terms whose ratio z(b+k)/(c+k) stays below z, so it is summed (in numpy blocks)
until the bound on the rest, term·z/(1−z), is below 1e-15 of the sum: at least as exact
as the closed form needs. ``scipy.special.hyp2f1`` is not used: scipy 1.17 returns values
off by up to 3e-5 (relative) and ``inf`` for finite sums when c − a − b = α − 1 is an
integer or close to one (e.g. α = 1, 3 or 20 with a small d), which fitted α can be.

:func:`scenario_whole_life` values a scenario whose retention model is ``sbg`` over the
whole life (the ``whole_life`` object of ``python -m sim run --format json``), with the
engine's own curves so that it is the limit of ``clv_gross``, with any periods and timing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from sim.cohort import class_inputs, expected_paths, tenure_prices
from sim.finance import discount_factors
from sim.retention_spend import effective_uplift_points
from sim.scenario import Scenario

__all__ = ["MIN_DISCOUNT", "MIN_SCENARIO_DISCOUNT", "hyp2f1_a1", "discounted_expected_lifetime",
           "discounted_expected_residual_lifetime", "whole_life_clv", "customer_base_value",
           "WholeLife", "scenario_whole_life"]

MIN_DISCOUNT = 1e-6
"""Smallest positive discount rate per period summed (about 4e7 terms); 0 is exact."""
_RTOL = 1e-15
_BLOCK = 4096


def hyp2f1_a1(b: float, c: float, z: float) -> float:
    """Gauss's ₂F₁(1, b; c; z) for c > b > 0 and 0 ≤ z ≤ 1, by its series (see the module).

    At z = 1 the sum is (c−1)/(c−b−1) when c − b > 1 and infinite otherwise.

    Raises:
        ValueError: parameters outside c > b > 0, 0 ≤ z ≤ 1, or 1 − z below
            :data:`MIN_DISCOUNT`/(1 + :data:`MIN_DISCOUNT`) (too many terms).
    """
    if not (c > b > 0 and 0 <= z <= 1):
        raise ValueError(f"hyp2f1_a1 needs c > b > 0 and 0 <= z <= 1, got b={b}, c={c}, z={z}")
    if z == 1:
        return (c - 1) / (c - b - 1) if c - b > 1 else float("inf")
    if 1 - z < MIN_DISCOUNT / (1 + MIN_DISCOUNT):
        raise ValueError(f"z = {z} is too close to 1 to sum the series")
    total, term, k = 0.0, 1.0, 0
    while True:
        j = np.arange(k, k + _BLOCK, dtype=float)
        terms = term * np.cumprod(np.concatenate(([1.0], z * (b + j[:-1]) / (c + j[:-1]))))
        total += float(terms.sum())
        last = float(terms[-1])
        if last * z / (1 - z) <= _RTOL * total:
            return total
        term = last * z * (b + j[-1]) / (c + j[-1])
        k += _BLOCK


def _check(alpha: float, beta: float, discount: float) -> float:
    if not (alpha > 0 and beta > 0):
        raise ValueError(f"alpha and beta must be > 0, got {alpha}, {beta}")
    if not (discount == 0 or discount >= MIN_DISCOUNT):
        raise ValueError(f"discount must be 0 or at least {MIN_DISCOUNT}, got {discount}")
    return 1.0 / (1.0 + discount)


def discounted_expected_lifetime(alpha: float, beta: float, discount: float) -> float:
    """DEL of a new customer under sBG(α, β): Σ_{t≥0} S(t)/(1+d)^t (periods; the first
    period counts 1). ``discount`` d per period (fraction); infinite for d = 0 and α ≤ 1."""
    v = _check(alpha, beta, discount)
    return hyp2f1_a1(beta, alpha + beta, v)


def discounted_expected_residual_lifetime(alpha: float, beta: float, discount: float,
                                          renewals: np.ndarray | int) -> np.ndarray:
    """DERL(n) under sBG(α, β) for customers who have made n = ``renewals`` renewals,
    valued just before their next renewal decision (periods; see the module).

    Returns:
        Array shaped like ``renewals`` (whole numbers ≥ 0).
    """
    v = _check(alpha, beta, discount)
    n = np.asarray(renewals, dtype=float)
    if np.any(n < 0) or np.any(n != np.floor(n)):
        raise ValueError("renewals must be whole numbers >= 0")
    out = np.empty(n.shape)
    for value in np.unique(n):
        b = beta + value
        out[n == value] = b / (alpha + b) * hyp2f1_a1(b + 1, alpha + b + 1, v)
    return out


def whole_life_clv(margin: float, alpha: float, beta: float, discount: float) -> float:
    """Whole-life CLV of a new customer: margin × DEL (currency; ``margin`` per period,
    paid at each period's start while the customer is active)."""
    return margin * discounted_expected_lifetime(alpha, beta, discount)


def customer_base_value(customers: np.ndarray, margin: float, alpha: float, beta: float,
                        discount: float) -> pd.DataFrame:
    """Residual value of today's customers by tenure (Fader & Hardie 2010).

    Args:
        customers: customers active today who have made n = 0, 1, … renewals (index n),
            each just before the next renewal decision.
        margin: per customer-period from the next renewal on (currency).

    Returns:
        One row per n: ``renewals, customers, derl`` (periods), ``value_per_customer``
        (margin × DERL(n)), ``value`` (customers × that); the base's value is the sum.
    """
    counts = np.asarray(customers, dtype=float)
    n = np.arange(len(counts))
    derl = discounted_expected_residual_lifetime(alpha, beta, discount, n)
    return pd.DataFrame({"renewals": n, "customers": counts, "derl": derl,
                         "value_per_customer": margin * derl,
                         "value": counts * margin * derl})


@dataclass(frozen=True)
class WholeLife:
    """Whole-life value of a scenario with sBG retention (see :func:`scenario_whole_life`).
    Money in the scenario currency; None where there is no value, with its ``reason``.

    Attributes:
        discount_rate: the scenario's annual rate (fraction).
        del_: DEL of a new customer on the scenario's yearly sBG (years, discounted).
        clv_whole_life: value of a new customer over its whole life, before the acquisition
            cost (currency/customer): the engine's ``clv_gross`` with no horizon.
        derl_by_tenure: per n = 0 … horizon − 1 renewals: ``renewals``, ``derl`` (years,
            the yearly sBG's DERL(n)) and ``residual_value`` (currency/customer: the
            expected discounted value, at the n+1-th anniversary, of a customer active in
            the last period before it).
        base_value: residual value of the customers active at the end of the horizon
            (currency, at that date; yearly periods only), with ``base_by_tenure`` (per n:
            ``renewals, customers, residual_value, value``).
        reason: why there are no values: ``not_sbg`` (retention model is not ``sbg``),
            ``uplift`` (``retention.uplift_points`` ≠ 0: the curve is not an sBG),
            ``no_discount`` (discount rate 0: the sums are not taken; infinite for α ≤ 1),
            ``discount_too_small`` (below :data:`MIN_SCENARIO_DISCOUNT`); None otherwise.
        base_reason: why ``base_value`` is None: ``monthly`` (customers mid-year are not
            at an anniversary), ``no_run`` (no run given) or ``reason``'s.
    """

    discount_rate: float
    del_: float | None
    clv_whole_life: float | None
    derl_by_tenure: tuple[dict[str, float], ...] | None
    base_value: float | None
    base_by_tenure: tuple[dict[str, float], ...] | None
    reason: str | None
    base_reason: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``discount_rate``, ``del``, ``clv_whole_life``, ``derl_by_tenure``,
        ``base_value``, ``base_by_tenure``, ``reason``, ``base_reason``."""
        return {"discount_rate": self.discount_rate, "del": self.del_,
                "clv_whole_life": self.clv_whole_life,
                "derl_by_tenure": None if self.derl_by_tenure is None
                else [dict(row) for row in self.derl_by_tenure],
                "base_value": self.base_value,
                "base_by_tenure": None if self.base_by_tenure is None
                else [dict(row) for row in self.base_by_tenure],
                "reason": self.reason, "base_reason": self.base_reason}


MIN_SCENARIO_DISCOUNT = 1e-3
"""Smallest annual discount rate :func:`scenario_whole_life` sums over (fraction)."""
_TAIL = 1e-10
"""The engine's curves are summed until v^years/(1 − v) is below this (a bound on the rest
relative to the largest margin per period)."""


def _whole_life_curves(scenario: Scenario) -> tuple[np.ndarray, np.ndarray, int]:
    """The engine's per-customer curves by tenure period over a horizon long enough that the
    rest, from any anniversary of the scenario's horizon on, is below :data:`_TAIL`:
    ``(value, survival, years)`` with ``value[k]`` the billed
    share × (margin + CRM saving) × discount factor of tenure period k (what
    :func:`sim.cohort.run_cohort` sums into ``clv_gross``) and ``survival[k]`` the share
    active in it."""
    d = scenario.finance.discount_rate
    v = 1.0 / (1.0 + d)
    # past the horizon too, so that the residual values at every anniversary are as exact
    years = int(np.ceil(np.log(_TAIL * (1.0 - v)) / np.log(v))) + 1 + scenario.horizon_years
    long = replace(scenario, horizon_years=years)
    classes = class_inputs(long)
    survival, renewed = expected_paths(classes.class_weights, classes.retention,
                                       classes.survival)
    price, cost = tenure_prices(long, classes.money_multiplier)
    system, ppy = long.crm_system, long.periods_per_year
    saving = system.saving_per_customer_year / ppy if system.enabled else 0.0
    timing = long.finance.cash_timing
    billed = survival if timing == "start" else renewed
    # as sim.accounting's clv_by_tenure: (margin + saving) discounted like the margin
    value = billed * (price - cost + saving) * discount_factors(long.periods, d, ppy, timing)
    return value, survival, long.horizon_years


def scenario_whole_life(scenario: Scenario, cohorts: pd.DataFrame | None = None) -> WholeLife:
    """Whole-life value of ``scenario`` when its retention model is ``sbg``.

    ``clv_whole_life`` is what the engine's ``clv_gross`` sums (the scenario's own
    periods, prices, CRM saving, churn and cash timing), continued past the horizon until
    the rest is below 1e-10 of a period's margin. For yearly periods with cash at the start
    it is m₁ + m·(DEL − 1) and ``residual_value`` is m·DERL(n) (m₁ the first year's
    margin, m the renewals'): the tests hold the two to the closed forms. ``del`` and
    ``derl`` are the closed forms of the scenario's yearly sBG (α, β) at its annual rate.

    Args:
        scenario: the scenario.
        cohorts: the run's layer cake (:attr:`sim.cohort.CohortResult.cohorts`: ``year,
            cohort_year, customers``) for the value of the customers active at the end of
            the horizon (cohort year a has made horizon − a renewals); None: not valued.
    """
    d = float(scenario.finance.discount_rate)
    ret = scenario.retention
    reason = None
    if ret.model != "sbg":
        reason = "not_sbg"
    elif effective_uplift_points(scenario) != 0:
        reason = "uplift"
    elif d == 0:
        reason = "no_discount"
    elif d < MIN_SCENARIO_DISCOUNT:
        reason = "discount_too_small"
    if reason is not None:
        return WholeLife(d, None, None, None, None, None, reason, reason)
    alpha, beta = float(ret.sbg_alpha), float(ret.sbg_beta)
    value, survival, _ = _whole_life_curves(scenario)
    ppy, years = scenario.periods_per_year, scenario.horizon_years
    # residual value at anniversary n+1 of a customer active in the period before it: the
    # cash from period K = ppy·(n+1) on (start) or from K − 1 (end: that period is billed at
    # the anniversary to those who renew), discounted to the anniversary
    rest = np.cumsum(value[::-1])[::-1]
    first = ppy * np.arange(1, years + 1) - (0 if scenario.finance.cash_timing == "start" else 1)
    at = np.arange(1, years + 1)
    residual = rest[first] / (survival[ppy * at - 1] * (1.0 + d) ** -at)
    derl = discounted_expected_residual_lifetime(alpha, beta, d, np.arange(years))
    by_tenure = tuple({"renewals": n, "derl": float(x), "residual_value": float(r)}
                      for n, x, r in zip(range(years), derl, residual, strict=True))
    base_value, base_rows, base_reason = None, None, None
    if cohorts is None:
        base_reason = "no_run"
    elif ppy != 1:
        base_reason = "monthly"
    else:
        last = cohorts[cohorts["year"] == years]
        customers = np.zeros(years)
        np.add.at(customers, (years - last["cohort_year"].to_numpy()).astype(int),
                  last["customers"].to_numpy(dtype=float))
        values = customers * residual
        base_value = float(values.sum())
        base_rows = tuple({"renewals": n, "customers": float(c), "residual_value": float(r),
                           "value": float(x)}
                          for n, c, r, x in zip(range(years), customers, residual, values,
                                                strict=True))
    return WholeLife(d, discounted_expected_lifetime(alpha, beta, d), float(value.sum()),
                     by_tenure, base_value, base_rows, None, base_reason)
