"""Shared accounting: from customers alive by (cohort, tenure) to cash flows and yearly tables.

Both engines describe a run as arrays with a leading replication axis ``R``
(the expected-value engine has R = 1):

* ``new[r, a]``: customers acquired in period ``a``;
* ``alive[r, a, k]``: customers of cohort ``a`` active in their tenure period ``k``;
* ``renewed[r, a, k]``: of those, the ones who renewed at the end of period ``k``.

Cash timing ``start``: active customers pay at the period's start (the book).
``end``: the period's margin is billed in arrears to the customers who renewed,
discounted by a full period (Gupta-Lehmann). Acquisition spend is paid at the
start of the acquisition period. Money in the scenario currency.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np

from sim.finance import discount_factors
from sim.scenario import Scenario
from sim.tco import tco_period_costs


class CohortInputsLike(Protocol):
    """What accounting needs of :class:`sim.cohort.CohortInputs` (no import cycle).

    Read-only members, so the frozen dataclass satisfies the protocol.
    """

    @property
    def price(self) -> np.ndarray: ...
    @property
    def variable_cost(self) -> np.ndarray: ...
    @property
    def acquisition_cost(self) -> float: ...
    @property
    def acquisition_spend(self) -> np.ndarray | None: ...
    @property
    def programme_cost(self) -> np.ndarray | None: ...
    @property
    def programme_fixed_per_year(self) -> float: ...


__all__ = ["PeriodSeries", "calendar_layers", "account_periods", "tenure_values",
           "clv_by_lifetime", "yearly_from_periods"]


def calendar_layers(by_tenure: np.ndarray) -> np.ndarray:
    """Shift cohort rows from tenure to calendar time: ``out[..., a, t] = x[..., a, t − a]``.

    Args:
        by_tenure: array (..., A, K) with A = K = T (cohort, tenure period).

    Returns:
        Array (..., A, T); entries with t < a are 0. Summing over axis −2 gives
        the calendar total of every period.
    """
    *lead, n_a, n_k = by_tenure.shape
    padded = np.zeros((*lead, n_a, n_k + n_a), dtype=by_tenure.dtype)
    padded[..., :n_k] = by_tenure
    flat = padded.reshape(*lead, n_a * (n_k + n_a))[..., : n_a * (n_k + n_a - 1)]
    return flat.reshape(*lead, n_a, n_k + n_a - 1)[..., :n_k]


@dataclass
class PeriodSeries:
    """Per-period series, each of shape (R, T), plus the discounted margin by tenure (T,)."""

    new: np.ndarray
    active: np.ndarray
    churned: np.ndarray
    retention: np.ndarray
    revenue: np.ndarray
    variable_cost: np.ndarray
    acquisition_spend: np.ndarray
    programme_cost: np.ndarray
    system_cost: np.ndarray
    cost_saving: np.ndarray
    profit: np.ndarray
    discounted_profit: np.ndarray
    clv_by_tenure: np.ndarray
    retention_cost_by_tenure: np.ndarray
    acquisition_discount: np.ndarray
    acquisition_cost: float

    def as_dict(self) -> dict[str, np.ndarray]:
        """The (R, T) series by name."""
        data = asdict(self)
        for key in ("clv_by_tenure", "retention_cost_by_tenure", "acquisition_discount",
                    "acquisition_cost"):
            data.pop(key)
        return data

    def kpis(self, yearly: dict[str, np.ndarray], clv_gross: np.ndarray,
             market_size: float = 0.0) -> dict[str, np.ndarray]:
        """Headline KPIs per replication (arrays (R,)); names as in :mod:`sim.kpis`.

        Args:
            clv_gross: per replication, discounted value of one acquired customer net of
                retention spend (see :func:`clv_by_lifetime`); NaN where nobody is acquired.

        ``clv_net`` = ``clv_gross`` − acquisition cost per customer (NaN where nobody is
        acquired: a per-customer value of no customer is undefined); ``customer_equity``
        = Σ new customers discounted to today × ``clv_net`` (0 where nobody is acquired);
        ``market_share`` = customers at the end / ``market_size`` (NaN when the market
        is unbounded, size 0).
        """
        acquired = self.new.sum(axis=1)
        nobody = ~(acquired > 0)
        clv_gross = np.where(nobody, np.nan, clv_gross)
        clv_net = clv_gross - self.acquisition_cost
        equity = np.where(nobody, 0.0, (self.new * self.acquisition_discount).sum(axis=1)
                          * np.where(nobody, 0.0, clv_net))
        customers_end = yearly["customers"][:, -1]
        with np.errstate(invalid="ignore", divide="ignore"):
            share = customers_end / market_size if market_size > 0 else customers_end * np.nan
        return {
            "clv_gross": clv_gross,
            "clv_net": clv_net,
            "customer_equity": equity,
            "npv": self.discounted_profit.sum(axis=1),
            "acquired": self.new.sum(axis=1),
            "customers_end": yearly["customers"][:, -1],
            "revenue": self.revenue.sum(axis=1),
            "profit": self.profit.sum(axis=1),
            "retention_last_year": yearly["retention"][:, -1],
            "market_share": share,
        }


def account_periods(scenario: Scenario, inputs: CohortInputsLike, new: np.ndarray,
                    alive: np.ndarray, renewed: np.ndarray) -> PeriodSeries:
    """Cash flows per period from customers by (cohort, tenure).

    Args:
        scenario: horizon, periods per year, finance and the CRM system's costs/savings.
        inputs: the engine arrays (``price``, ``variable_cost`` per customer-period by
            tenure, ``acquisition_cost`` per customer or ``acquisition_spend`` per period).
        new: (R, T) customers acquired per period.
        alive, renewed: (R, A, K) customers by cohort and tenure (see module docstring).

    The CRM system (when enabled) costs its TCO, spread evenly over each year's
    periods and paid at their start, and saves ``saving_per_customer_year``
    per billable customer-year, timed like the margin. Programmes cost their
    fixed amount spread over the periods plus their cost per active member,
    paid at the period's start.
    """
    fin = scenario.finance
    ppy, periods = scenario.periods_per_year, scenario.periods
    price, variable_cost = inputs.price, inputs.variable_cost
    billable = alive if fin.cash_timing == "start" else renewed
    alive_cal = calendar_layers(alive)
    active = alive_cal.sum(axis=-2)
    billable_t = active if billable is alive else calendar_layers(billable).sum(axis=-2)
    revenue = calendar_layers(billable * price).sum(axis=-2)
    var_cost = calendar_layers(billable * variable_cost).sum(axis=-2)
    acq_spend = (new * inputs.acquisition_cost if inputs.acquisition_spend is None
                 else np.broadcast_to(inputs.acquisition_spend, new.shape))
    system = scenario.crm_system
    system_cost = np.broadcast_to(tco_period_costs(system, scenario.horizon_years, ppy),
                                  active.shape)
    saving_rate = system.saving_per_customer_year / ppy if system.enabled else 0.0
    cost_saving = billable_t * saving_rate
    programme_cost = np.full(active.shape, inputs.programme_fixed_per_year / ppy)
    if inputs.programme_cost is not None:
        programme_cost = (programme_cost
                          + calendar_layers(alive * inputs.programme_cost).sum(axis=-2))
    profit = revenue - var_cost - acq_spend - programme_cost - system_cost + cost_saving

    d_margin = discount_factors(periods, fin.discount_rate, ppy, fin.cash_timing)
    d_start = discount_factors(periods, fin.discount_rate, ppy, "start")
    discounted = ((revenue - var_cost + cost_saving) * d_margin
                  - (acq_spend + programme_cost + system_cost) * d_start)

    kept = active - new
    prev = np.concatenate([np.full((active.shape[0], 1), np.nan), active[:, :-1]], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        retention = np.where(prev > 0, kept / prev, np.nan)
    churned = np.concatenate([np.zeros((active.shape[0], 1)),
                              np.maximum(prev[:, 1:] - kept[:, 1:], 0.0)], axis=1)
    return PeriodSeries(new=new, active=active, churned=churned, retention=retention,
                        revenue=revenue, variable_cost=var_cost, acquisition_spend=acq_spend,
                        programme_cost=programme_cost, system_cost=system_cost,
                        cost_saving=cost_saving, profit=profit, discounted_profit=discounted,
                        **tenure_values(scenario, inputs))


def tenure_values(scenario: Scenario, inputs: CohortInputsLike) -> dict[str, Any]:
    """Per-customer values by tenure period, independent of how many customers there are.

    ``clv_by_tenure`` (margin plus CRM saving per customer-period, discounted as the margin
    is), ``retention_cost_by_tenure`` (programme cost per member-period, discounted at the
    period's start), ``acquisition_discount`` (start-of-period factors) and
    ``acquisition_cost`` (per customer): the :class:`PeriodSeries` fields of that name.
    """
    fin = scenario.finance
    ppy, periods = scenario.periods_per_year, scenario.periods
    system = scenario.crm_system
    saving_rate = system.saving_per_customer_year / ppy if system.enabled else 0.0
    per_member = (np.zeros(periods) if inputs.programme_cost is None
                  else np.asarray(inputs.programme_cost, dtype=float))
    d_margin = discount_factors(periods, fin.discount_rate, ppy, fin.cash_timing)
    d_start = discount_factors(periods, fin.discount_rate, ppy, "start")
    return {"clv_by_tenure": (inputs.price - inputs.variable_cost + saving_rate) * d_margin,
            "retention_cost_by_tenure": per_member * d_start,
            "acquisition_discount": d_start, "acquisition_cost": inputs.acquisition_cost}


def clv_by_lifetime(series: PeriodSeries, billed: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Value of one customer by how many periods it is billed and active (currency).

    CLV = Σ_k billed_k · (margin_k + CRM saving per customer-period) · d_margin_k
          − Σ_k active_k · programme cost per customer-period_k · d_start_k,

    with ``billed_k``/``active_k`` the customer's (or a cohort's expected) presence
    at tenure period k: margin and savings timed like the margin (``cash_timing``),
    programme costs per member paid at the period's start. Fixed programme costs
    per year and the CRM system's TCO are not per customer: they are in NPV only.

    Args:
        billed, active: arrays (..., T) of presence weights (0/1 for one customer,
            survival probabilities for a cohort's expected customer).
    """
    return billed @ series.clv_by_tenure - active @ series.retention_cost_by_tenure


def yearly_from_periods(series: PeriodSeries, alive: np.ndarray, ppy: int,
                        years: int) -> dict[str, np.ndarray]:
    """Yearly series (R, Y): sums of flows, year-end customers and yearly retention.

    ``retention`` of year y = customers at the end of y acquired before y began /
    customers at the end of y − 1 (NaN in year 1).
    """
    n_rep = series.new.shape[0]

    def by_year(x: np.ndarray) -> np.ndarray:
        return x.reshape(n_rep, years, ppy).sum(axis=2)

    year_end = np.arange(1, years + 1) * ppy - 1
    customers = series.active[:, year_end]
    # Customers at the end of year y acquired before it began: Σ_{a < start of y}
    # alive[a, end of y − a], read off the (cohort, tenure) array without shifting it to
    # calendar time (no (R, A, T) copy); summed in cohort order like a cumulative sum.
    kept = np.zeros((n_rep, years))
    for y in range(1, years):
        cohorts = np.arange(y * ppy)
        kept[:, y] = np.cumsum(alive[:, cohorts, year_end[y] - cohorts], axis=1)[:, -1]
    prev = np.concatenate([np.full((n_rep, 1), np.nan), customers[:, :-1]], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        retention = np.where(prev > 0, kept / prev, np.nan)
    yearly = {
        "year": np.broadcast_to(np.arange(1, years + 1), (n_rep, years)),
        "new": by_year(series.new),
        "customers": customers,
        "churned": by_year(series.churned),
        "retention": retention,
        "revenue": by_year(series.revenue),
        "variable_cost": by_year(series.variable_cost),
        "acquisition_spend": by_year(series.acquisition_spend),
        "programme_cost": by_year(series.programme_cost),
        "system_cost": by_year(series.system_cost),
        "cost_saving": by_year(series.cost_saving),
        "profit": by_year(series.profit),
        "discounted_profit": by_year(series.discounted_profit),
    }
    yearly["cumulative_discounted_profit"] = np.cumsum(yearly["discounted_profit"], axis=1)
    return yearly
