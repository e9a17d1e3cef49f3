"""Shared accounting: from customers alive by (cohort, tenure) to cash flows and yearly tables.

Both engines describe a run as arrays with a leading axis ``R`` (Monte Carlo
replications; for the expected-value engine R = 1, or the N scenarios of a batch,
:mod:`sim.batch`):

* ``new[r, a]``: customers acquired in period ``a``;
* ``alive[r, a, k]``: customers of cohort ``a`` active in their tenure period ``k``;
* ``renewed[r, a, k]``: of those, the ones who renewed at the end of period ``k``.

Monte Carlo passes these arrays (:func:`account_periods`). In the expected-value
engine every cohort follows its run's expected path, ``alive[r, a, k] = new[r, a] ·
survival[r, k]`` (:class:`ExpectedCohorts`), so calendar totals are sums over
cohorts of ``new`` times a curve by tenure (:func:`cohort_sums`) and no (R, A, K)
array is built (:func:`account_expected`). Prices, costs and discount factors are
:class:`MoneyTerms`, one row per run or one row shared by all.

Cash timing ``start``: active customers pay at the period's start (the book).
``end``: the period's margin is billed in arrears to the customers who renewed,
discounted by a full period (Gupta-Lehmann). Acquisition spend is paid at the
start of the acquisition period. Money in the scenario currency.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from sim.finance import discount_factors
from sim.scenario import Scenario
from sim.tco import CrmSystem, tco_period_costs


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


__all__ = ["PeriodSeries", "MoneyTerms", "ExpectedCohorts", "calendar_layers", "calendar_sums",
           "cohort_sums", "money_terms", "stack_money_terms", "account_periods", "account_expected",
           "tenure_values", "clv_by_lifetime", "yearly_from_periods"]


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


_SKEW_LIMIT = 1 << 18
"""Cells (runs × quantities × cohorts × (T + 1)) above which :func:`cohort_sums` adds cohort
by cohort instead of in one skewed array (2 MiB of floats)."""


_SKEW_CHUNK = 1 << 16
"""Cells of the work array of :func:`calendar_sums` (512 KiB): replications at a time."""


@lru_cache(maxsize=32)
def _horizon_mask(periods: int) -> np.ndarray:
    """(A, K) with A = K = T: True where cohort a's tenure k is inside the horizon
    (a + k < T) (read-only)."""
    k = np.arange(periods)
    mask = k[None, :] < periods - k[:, None]
    mask.flags.writeable = False
    return mask


def _skewed(buffer: np.ndarray) -> np.ndarray:
    """The calendar view of cohort rows by tenure: ``out[..., a, t] = buffer[..., a, t − a]``.

    Args:
        buffer: (..., A, K + 1) with A = K = T, cohort a's values at tenure k < T − a in
            ``[..., a, k]`` and zeros from ``[..., a, T − a]`` to the end of the row.

    Returns:
        A view (..., A, T) (no copy): row a read from ``a`` entries before its start, so that
        entries with t < a read the zeros at the end of row a − 1 (0, as in
        :func:`calendar_layers`). Summed over axis −2 it gives the calendar totals, added in
        cohort order.
    """
    *lead, n_a, width = buffer.shape
    flat = buffer.reshape(*lead, n_a * width)[..., :n_a * (width - 1)]
    return flat.reshape(*lead, n_a, width - 1)


def calendar_sums(by_tenure: np.ndarray, curves: np.ndarray) -> np.ndarray:
    """Calendar totals of cohorts by tenure weighted by curves by tenure: ``Σ_{a ≤ t}
    x[r, a, t − a] · curves[q, t − a]``, bit for bit :func:`calendar_layers` of
    ``x · curves[q]`` summed over its cohort axis, without building it.

    Args:
        by_tenure: (R, A, K) with A = K = T (e.g. customers active by cohort and tenure;
            integer counts or floats).
        curves: (Q, K) values per unit by tenure period.

    Returns:
        (R, Q, T), each quantity and period summed in cohort order.
    """
    n_rep, n_a, periods = by_tenure.shape
    mask = _horizon_mask(periods)
    weights = [np.where(mask, curve, 0.0) for curve in curves]
    step = max(1, _SKEW_CHUNK // (n_a * (periods + 1)))
    buffer = np.zeros((min(step, n_rep), n_a, periods + 1))
    out = np.empty((n_rep, len(curves), periods))
    for r0 in range(0, n_rep, step):
        x = by_tenure[r0:r0 + step]
        part = buffer[:len(x)]
        for q, weight in enumerate(weights):
            # x · curve at a + k < T (the products calendar_layers sums), x · 0 = 0 beyond
            # the horizon (x is finite there: customers).
            np.multiply(x, weight, out=part[:, :, :periods])
            np.add.reduce(_skewed(part), axis=1, out=out[r0:r0 + len(x), q])
    return out


def cohort_sums(new: np.ndarray, curves: np.ndarray) -> np.ndarray:
    """Calendar totals of cohorts that follow curves by tenure: ``Σ_{a ≤ t} new[r, a] ·
    curves[r, q, t − a]``.

    Args:
        new: (R, T) customers acquired per period.
        curves: (R, Q, T) or (Q, T): Q quantities per acquired customer by tenure period.

    Returns:
        (R, Q, T): the calendar total of every quantity and period, summed in cohort order
        (as :func:`calendar_layers` summed over its cohort axis). Small runs in one skewed
        array (:func:`_skewed`), larger ones cohort by cohort: the same sums, bit for bit
        (every sum starts at +0.0 and adds the cohorts in order; the skewed array adds a
        +0.0 for each cohort not yet acquired, which changes no sum that starts at +0.0).
    """
    n_rep, periods = new.shape
    curves = np.broadcast_to(curves, (n_rep, *curves.shape[-2:]))
    n_q = curves.shape[1]
    if n_rep * n_q * periods * (periods + 1) <= _SKEW_LIMIT:
        buffer = np.zeros((n_rep, n_q, periods, periods + 1))
        np.multiply(new[:, None, :, None], curves[:, :, None, :], out=buffer[..., :periods],
                    where=_horizon_mask(periods))
        return np.add.reduce(_skewed(buffer), axis=2)
    out = np.zeros(curves.shape)
    for a in range(periods):
        out[:, :, a:] += new[:, a, None, None] * curves[:, :, :periods - a]
    return out


@dataclass(frozen=True)
class ExpectedCohorts:
    """Every cohort on its run's expected path: ``alive[r, a, k] = new[r, a] ·
    survival[r, k]`` (customers), without the (R, A, K) array.

    Attributes:
        new: (R, T) customers acquired per period.
        survival: (R, T) share of a cohort active in tenure period k.
    """

    new: np.ndarray
    survival: np.ndarray

    def cells(self, cohorts: np.ndarray, tenure: np.ndarray) -> np.ndarray:
        """``alive[:, cohorts, tenure]``, shape (R, n)."""
        return self.new[:, cohorts] * self.survival[:, tenure]


@dataclass(frozen=True)
class MoneyTerms:
    """Prices, costs and discount factors of runs on a leading axis: N rows, or 1 row shared
    by every replication. Money in the scenario currency.

    Attributes:
        price, variable_cost: (N, T) per customer-period by tenure period.
        programme_cost: (N, T) programme cost per active customer-period by tenure period,
            or None (no programme members).
        programme_fixed: (N, 1) fixed programme cost per period.
        acquisition_cost: (N, 1) per acquired customer.
        acquisition_spend: (N, T) per period, or None (``new × acquisition_cost``).
        system_cost: (N, T) the CRM system's TCO per period (0 when it is off).
        saving_rate: (N, 1) the CRM system's saving per billable customer-period.
        d_margin, d_start: (N, T) discount factors of the margin (``cash_timing``) and of
            start-of-period payments.
        cash_timing: ``start`` or ``end`` (the same for every row).
    """

    price: np.ndarray
    variable_cost: np.ndarray
    programme_cost: np.ndarray | None
    programme_fixed: np.ndarray
    acquisition_cost: np.ndarray
    acquisition_spend: np.ndarray | None
    system_cost: np.ndarray
    saving_rate: np.ndarray
    d_margin: np.ndarray
    d_start: np.ndarray
    cash_timing: str


@lru_cache(maxsize=64)
def _system_costs(system: CrmSystem, years: int, ppy: int) -> np.ndarray:
    """:func:`sim.tco.tco_period_costs`, cached (a read-only array)."""
    costs = tco_period_costs(system, years, ppy)
    costs.flags.writeable = False
    return costs


@lru_cache(maxsize=256)
def _discount(periods: int, rate: float, ppy: int, timing: str) -> np.ndarray:
    """:func:`sim.finance.discount_factors`, cached (a read-only array)."""
    factors = discount_factors(periods, rate, ppy, timing)
    factors.flags.writeable = False
    return factors


def money_terms(scenario: Scenario, inputs: CohortInputsLike) -> MoneyTerms:
    """The :class:`MoneyTerms` (one row) of a scenario and its engine inputs.

    The CRM system (when enabled) costs its TCO, spread evenly over each year's
    periods and paid at their start, and saves ``saving_per_customer_year``
    per billable customer-year, timed like the margin. Programmes cost their
    fixed amount spread over the periods plus their cost per active member,
    paid at the period's start.
    """
    fin, system = scenario.finance, scenario.crm_system
    ppy, periods = scenario.periods_per_year, scenario.periods

    def row(x: Any) -> np.ndarray:
        return np.asarray(x, dtype=float).reshape(1, -1)

    spend = inputs.acquisition_spend
    member = inputs.programme_cost
    return MoneyTerms(
        price=row(inputs.price), variable_cost=row(inputs.variable_cost),
        programme_cost=None if member is None else row(member),
        programme_fixed=row(inputs.programme_fixed_per_year / ppy),
        acquisition_cost=row(inputs.acquisition_cost),
        acquisition_spend=None if spend is None else row(spend),
        system_cost=row(_system_costs(system, scenario.horizon_years, ppy)),
        saving_rate=row(system.saving_per_customer_year / ppy if system.enabled else 0.0),
        d_margin=row(_discount(periods, fin.discount_rate, ppy, fin.cash_timing)),
        d_start=row(_discount(periods, fin.discount_rate, ppy, "start")),
        cash_timing=fin.cash_timing)


def stack_money_terms(rows: Sequence[MoneyTerms]) -> MoneyTerms:
    """One :class:`MoneyTerms` with the rows of ``rows`` on its leading axis.

    A missing programme cost (None) in some rows is 0 there; acquisition spend must be
    given in every row or in none, and the cash timing must be the same.

    Raises:
        ValueError: mixed cash timing or acquisition spend.
    """
    timing = rows[0].cash_timing
    if any(r.cash_timing != timing for r in rows) or len(
            {r.acquisition_spend is None for r in rows}) > 1:
        raise ValueError("stack_money_terms: rows differ in cash timing or acquisition spend")
    stacked: dict[str, Any] = {"cash_timing": timing}
    for f in fields(MoneyTerms):
        if f.name == "cash_timing":
            continue
        values = [getattr(r, f.name) for r in rows]
        if all(v is None for v in values):
            stacked[f.name] = None
            continue
        like = next(v for v in values if v is not None)
        stacked[f.name] = np.concatenate([np.zeros_like(like) if v is None else v
                                          for v in values])
    return MoneyTerms(**stacked)


@dataclass
class PeriodSeries:
    """Per-period series, each of shape (R, T), plus the per-customer values by tenure
    (:func:`tenure_values`): shape (T,) and a float when every row shares them, (R, T)
    and (R,) when each row has its own (a batch of scenarios)."""

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
    acquisition_cost: float | np.ndarray

    def as_dict(self, copy: bool = True) -> dict[str, np.ndarray]:
        """The (R, T) series by name: copies, or (``copy`` False) the arrays themselves (some
        read-only views)."""
        return {name: np.array(getattr(self, name)) if copy else getattr(self, name)
                for name in _SERIES}

    def kpis(self, yearly: dict[str, np.ndarray], clv_gross: np.ndarray,
             market_size: float | np.ndarray = 0.0) -> dict[str, np.ndarray]:
        """Headline KPIs per replication (arrays (R,)); names as in :mod:`sim.kpis`.

        Args:
            clv_gross: per replication, discounted value of one acquired customer net of
                retention spend (see :func:`clv_by_lifetime`); NaN where nobody is acquired.

        ``clv_net`` = ``clv_gross`` − acquisition cost per customer (NaN where nobody is
        acquired: a per-customer value of no customer is undefined); ``customer_equity``
        = Σ new customers discounted to today × ``clv_net`` (0 where nobody is acquired);
        ``market_share`` = customers at the end / ``market_size`` (customers, a float or
        one per row; NaN when the market is unbounded, size 0).
        """
        acquired = self.new.sum(axis=1)
        nobody = ~(acquired > 0)
        clv_gross = np.where(nobody, np.nan, clv_gross)
        clv_net = clv_gross - self.acquisition_cost
        equity = np.where(nobody, 0.0, (self.new * self.acquisition_discount).sum(axis=1)
                          * np.where(nobody, 0.0, clv_net))
        customers_end = yearly["customers"][:, -1]
        size = np.asarray(market_size, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(size > 0, customers_end / size, np.nan)
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


_SERIES = tuple(f.name for f in fields(PeriodSeries)
                if f.name not in ("clv_by_tenure", "retention_cost_by_tenure",
                                  "acquisition_discount", "acquisition_cost"))
"""The (R, T) series of a :class:`PeriodSeries`, in field order."""


def _exactly_scaled(curve: np.ndarray, most: float) -> bool:
    """Whether ``curve`` (by tenure) is one value c ≥ 0 whose products with whole numbers up to
    ``most`` and their sums are all exact floats: c = m · 2^e with m odd and m · most < 2⁵³.
    Then any sum of ``x · c`` over counts x (in any order) is c times the sum of the x."""
    value = float(curve[0])
    if not (np.all(curve == value) and 0.0 <= value < 1e300 and np.signbit(value) == 0):
        return False
    if value == 0.0:
        return True
    mantissa = int(math.frexp(value)[0] * 2**53)
    odd = mantissa // (mantissa & -mantissa)
    return odd * int(most) < 2**53


def account_periods(scenario: Scenario, inputs: CohortInputsLike, new: np.ndarray,
                    alive: np.ndarray, renewed: np.ndarray) -> PeriodSeries:
    """Cash flows per period from customers by (cohort, tenure) (Monte Carlo).

    Args:
        scenario: horizon, periods per year, finance and the CRM system's costs/savings.
        inputs: the engine arrays (``price``, ``variable_cost`` per customer-period by
            tenure, ``acquisition_cost`` per customer or ``acquisition_spend`` per period).
        new: (R, T) customers acquired per period.
        alive, renewed: (R, A, K) customers by cohort and tenure (see module docstring):
            whole numbers (integer or float arrays; views are fine).

    Costs and savings as in :func:`money_terms`; the per-customer values by tenure are
    :func:`tenure_values` (shape (T,)). Calendar totals are :func:`calendar_sums` (the sums of
    :func:`calendar_layers`, bit for bit); a money curve that is one value by tenure and
    scales the counts exactly (:func:`_exactly_scaled`) is that value times the customers.
    """
    terms = money_terms(scenario, inputs)
    start = terms.cash_timing == "start"
    n_rep, _, periods = alive.shape
    most = float(np.max(new.sum(axis=1), initial=0.0))
    ones = np.ones(periods)
    money = {"revenue": terms.price[0], "variable_cost": terms.variable_cost[0]}
    member = {} if terms.programme_cost is None else {"member": terms.programme_cost[0]}
    # Quantities summed from the counts: customers (alive and, with cash at the end, billed)
    # and every money curve that does not scale the counts exactly.
    by_alive = {"active": ones, **member}
    by_billed = by_alive if start else {"billable": ones}
    by_billed.update(money)
    scaled = {name: float(curve[0]) for name, curve in {**money, **member}.items()
              if _exactly_scaled(curve, most)}
    totals: dict[str, np.ndarray] = {}
    for counts, wanted in ((alive, by_alive), (renewed, by_billed)):
        names = [n for n in wanted if n not in scaled and n not in totals]
        if names:
            sums = calendar_sums(counts, np.stack([wanted[n] for n in names]))
            totals.update({n: sums[:, i] for i, n in enumerate(names)})
        if start:
            break
    billable = totals["active"] if start else totals["billable"]
    for name, value in scaled.items():
        totals[name] = value * (totals["active"] if name == "member" else billable)
    return _cash_flows(terms, new, totals["active"], billable, totals["revenue"],
                       totals["variable_cost"], totals.get("member"),
                       tenure_values(scenario, inputs))


def account_expected(terms: MoneyTerms, new: np.ndarray, survival: np.ndarray,
                     renewed: np.ndarray) -> PeriodSeries:
    """Cash flows per period of expected cohorts (the cohort engine, one run or a batch).

    Args:
        terms: the runs' :class:`MoneyTerms` (N rows, or 1 shared).
        new: (N, T) customers acquired per period.
        survival: (N, T) share of a cohort active in tenure period k (all classes).
        renewed: (N, T) share of a cohort that renews at the end of tenure period k.

    Returns:
        The :class:`PeriodSeries` of the N runs; its per-customer values by tenure have
        the shape of ``terms`` ((N, T), and (N,) for the acquisition cost).
    """
    billable = survival if terms.cash_timing == "start" else renewed
    survival = np.broadcast_to(survival, new.shape)
    billable = np.broadcast_to(billable, new.shape)
    curves = [survival, billable * terms.price, billable * terms.variable_cost]
    if terms.cash_timing != "start":
        curves.append(billable)
    if terms.programme_cost is not None:
        curves.append(survival * terms.programme_cost)
    sums = cohort_sums(new, np.stack(curves, axis=1))                     # (N, Q, T)
    active, revenue, var_cost = sums[:, 0], sums[:, 1], sums[:, 2]
    billable_t = active if terms.cash_timing == "start" else sums[:, 3]
    member_cost = None if terms.programme_cost is None else sums[:, -1]
    return _cash_flows(terms, new, active, billable_t, revenue, var_cost, member_cost,
                       _tenure_arrays(terms))


def _cash_flows(terms: MoneyTerms, new: np.ndarray, active: np.ndarray, billable: np.ndarray,
                revenue: np.ndarray, var_cost: np.ndarray, member_cost: np.ndarray | None,
                per_tenure: dict[str, Any]) -> PeriodSeries:
    """The :class:`PeriodSeries` from calendar totals (R, T): customers active and billed,
    revenue, variable cost and programme cost of members (None: no members)."""
    acq_spend = (new * terms.acquisition_cost if terms.acquisition_spend is None
                 else np.broadcast_to(terms.acquisition_spend, new.shape))
    system_cost = np.broadcast_to(terms.system_cost, active.shape)
    cost_saving = billable * terms.saving_rate
    programme_cost = np.broadcast_to(terms.programme_fixed, active.shape)
    if member_cost is not None:
        programme_cost = programme_cost + member_cost
    profit = revenue - var_cost - acq_spend - programme_cost - system_cost + cost_saving
    discounted = ((revenue - var_cost + cost_saving) * terms.d_margin
                  - (acq_spend + programme_cost + system_cost) * terms.d_start)

    kept = active - new
    prev = np.concatenate([np.full((active.shape[0], 1), np.nan), active[:, :-1]], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        retention = np.where(prev > 0, kept / prev, np.nan)
    churned = np.concatenate([np.zeros((active.shape[0], 1)),
                              np.maximum(prev[:, 1:] - kept[:, 1:], 0.0)], axis=1)
    return PeriodSeries(new=new, active=active, churned=churned, retention=retention,
                        revenue=revenue, variable_cost=var_cost, acquisition_spend=acq_spend,
                        programme_cost=np.array(programme_cost), system_cost=system_cost,
                        cost_saving=cost_saving, profit=profit, discounted_profit=discounted,
                        **per_tenure)


def _tenure_arrays(terms: MoneyTerms) -> dict[str, Any]:
    """:func:`tenure_values` of every row of ``terms``: (N, T) arrays, acquisition cost (N,)."""
    per_member = (np.zeros_like(terms.price) if terms.programme_cost is None
                  else terms.programme_cost)
    return {"clv_by_tenure": (terms.price - terms.variable_cost + terms.saving_rate)
            * terms.d_margin,
            "retention_cost_by_tenure": per_member * terms.d_start,
            "acquisition_discount": terms.d_start,
            "acquisition_cost": terms.acquisition_cost[:, 0]}


def tenure_values(scenario: Scenario, inputs: CohortInputsLike) -> dict[str, Any]:
    """Per-customer values by tenure period, independent of how many customers there are.

    ``clv_by_tenure`` (margin plus CRM saving per customer-period, discounted as the margin
    is), ``retention_cost_by_tenure`` (programme cost per member-period, discounted at the
    period's start), ``acquisition_discount`` (start-of-period factors), each shape (T,),
    and ``acquisition_cost`` (per customer, a float): the :class:`PeriodSeries` fields of
    that name.
    """
    values = _tenure_arrays(money_terms(scenario, inputs))
    return {"clv_by_tenure": values["clv_by_tenure"][0],
            "retention_cost_by_tenure": values["retention_cost_by_tenure"][0],
            "acquisition_discount": np.array(values["acquisition_discount"][0]),
            "acquisition_cost": float(values["acquisition_cost"][0])}


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
            survival probabilities for a cohort's expected customer); with per-row values
            by tenure (R, T), shape (R, T) (one row each).
    """
    return ((billed * series.clv_by_tenure).sum(axis=-1)
            - (active * series.retention_cost_by_tenure).sum(axis=-1))


_KEPT_AT_ONCE = 1 << 16
"""Cells (runs × years × cohorts) up to which :func:`yearly_from_periods` reads every year's
customers kept at once (else year by year)."""


@lru_cache(maxsize=32)
def _kept_cells(ppy: int, years: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Y, (Y − 1)·ppy) cohort and tenure of the cells alive at the end of each year y that
    were acquired before it began, and which of them exist (cohort < y·ppy); read-only."""
    cohort = np.arange(max(years - 1, 1) * ppy)
    year = np.arange(years)[:, None]
    inside = cohort[None, :] < year * ppy
    cohorts = np.where(inside, cohort[None, :], 0)
    tenure = np.where(inside, (year + 1) * ppy - 1 - cohort[None, :], 0)
    for array in (cohorts, tenure, inside):
        array.flags.writeable = False
    return cohorts, tenure, inside


def yearly_from_periods(series: PeriodSeries, alive: np.ndarray | ExpectedCohorts, ppy: int,
                        years: int) -> dict[str, np.ndarray]:
    """Yearly series (R, Y): sums of flows, year-end customers and yearly retention.

    ``retention`` of year y = customers at the end of y acquired before y began /
    customers at the end of y − 1 (NaN in year 1). ``alive``: the (R, A, K) customers
    by cohort and tenure, or the expected cohorts that give them.
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
    if n_rep * years * (years - 1) * ppy <= _KEPT_AT_ONCE:
        # Every year at once: year y's cohorts 0 … y·ppy − 1 in row y, then zeros (a sum that
        # starts at +0.0 of customers ≥ 0 is unchanged by adding +0.0).
        cohorts, tenure, inside = _kept_cells(ppy, years)
        cells = (alive.cells(cohorts, tenure) if isinstance(alive, ExpectedCohorts)
                 else alive[:, cohorts, tenure])
        kept[:] = np.cumsum(np.where(inside, cells, 0), axis=2)[:, :, -1]
    else:
        for y in range(1, years):
            cohorts = np.arange(y * ppy)
            cells = (alive.cells(cohorts, year_end[y] - cohorts)
                     if isinstance(alive, ExpectedCohorts)
                     else alive[:, cohorts, year_end[y] - cohorts])
            kept[:, y] = np.cumsum(cells, axis=1)[:, -1]
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
