"""Expected-value cohort engine: exact expectations per cohort, class and period.

A *cohort* is the customers acquired in one period. Customers of a cohort may
be split into *classes* (e.g. satisfaction classes) with their own per-period
renewal rates by tenure; with one class this is the textbook model.

Accounting conventions (all money in the scenario currency):

* ``active[c, t]``: expected customers of cohort c served in period t
  (cohort c is acquired at the start of period c and is active in it).
* Cash timing ``start``: customers active in a period pay its price and cost at
  its start; the first period is undiscounted (the book). ``end``: the period's
  margin is billed in arrears at its end to the customers who renewed, and is
  discounted by a full period (Gupta-Lehmann). Acquisition spend is always paid
  at the start of the acquisition period.
* CLV is per acquired customer over ``horizon_years`` of *tenure*, discounted
  to the acquisition date: margin plus the CRM system's savings per customer
  (timed like the margin) minus the programmes' cost per member (paid at the
  period's start); "net" subtracts the acquisition cost. Fixed programme costs
  and the CRM system's TCO are not per customer: they are in NPV only. Customer
  equity sums net CLV over every cohort acquired in the horizon, discounted to
  today. Calendar NPV sums the discounted profit of the calendar horizon only.

One run is three steps, each also run for many scenarios at once by :mod:`sim.batch`:
:func:`class_inputs` (classes, independent of prices and acquisition), acquisition
(:func:`sim.acquisition.acquire`) and :func:`expected_kpis` (cash flows, yearly series
and KPIs on arrays with a leading axis, here of length 1); :func:`run_cohort` adds the
tables.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.accounting import (
    ExpectedCohorts,
    MoneyTerms,
    PeriodSeries,
    account_expected,
    calendar_layers,
    clv_by_lifetime,
    cohort_sums,
    money_terms,
    yearly_from_periods,
)
from sim.acquisition import AcquisitionPath, acquisition_path
from sim.budget import check_cohort
from sim.frames import frame_of
from sim.population import Population, satisfaction_population, type_shares
from sim.retention import annual_renewal_rates, period_retention, survival_from_retention
from sim.retention_spend import effective_uplift_points, spend_per_period
from sim.scenario import Scenario

__all__ = ["CohortInputs", "CohortResult", "ClassInputs", "class_key", "class_inputs",
           "tenure_prices", "cohort_inputs", "cost_per_acquired", "expected_paths",
           "renewal_by_tenure_year", "expected_kpis", "run_cohort"]


@dataclass(frozen=True)
class CohortInputs:
    """Arrays the engine runs on, derived from a scenario.

    Attributes:
        new: new customers acquired in each period, shape (T,).
        class_weights: share of each class among new customers, shape (C,), sums to 1.
        retention: per-period renewal rate by class and tenure period, shape (C, T).
        annual_rates: yearly renewal rate by class and tenure year, shape (C, Y).
        price: price per customer-period by tenure period, shape (T,) (with several
            classes: the average over the cohort's customers still active).
        variable_cost: variable cost per customer-period by tenure period, shape (T,).
        acquisition_cost: cost per acquired customer (currency); with paid acquisition
            the average cost (total spend / customers acquired), used for net CLV.
        acquisition_spend: acquisition spend per period (currency), shape (T,), when
            spend is a budget rather than a cost per customer (paid acquisition);
            None means ``new × acquisition_cost``.
        programme_cost: programme cost per active customer-period by tenure period
            (members' cost × members' share of the cohort), shape (T,), or None.
        programme_fixed_per_year: fixed cost of the running programmes (currency/year).
        population: the satisfaction classes (retention model ``satisfaction``), or None.
        acquisition: where new customers came from (word of mouth, potential).
    """

    new: np.ndarray
    class_weights: np.ndarray
    retention: np.ndarray
    annual_rates: np.ndarray
    price: np.ndarray
    variable_cost: np.ndarray
    acquisition_cost: float
    acquisition_spend: np.ndarray | None = None
    programme_cost: np.ndarray | None = None
    programme_fixed_per_year: float = 0.0
    population: Population | None = None
    acquisition: AcquisitionPath | None = None


@dataclass(frozen=True)
class ClassInputs:
    """A scenario's classes before acquisition and pricing: what :class:`CohortInputs`
    holds except the customers acquired, their cost and the prices.

    Attributes:
        class_weights, retention, annual_rates, programme_cost, programme_fixed_per_year,
            population: as in :class:`CohortInputs`.
        survival: share of each class's customers active at tenure period k, shape (C, T).
        money_multiplier: cross-selling's factor on price and variable cost by tenure
            period (the cohort's average), shape (T,), or None (1).
        referral_rate, loss_rate: word of mouth, customers gained / lost per current
            customer-year by class, shape (C,); None without word of mouth.
    """

    class_weights: np.ndarray
    retention: np.ndarray
    annual_rates: np.ndarray
    survival: np.ndarray
    money_multiplier: np.ndarray | None = None
    programme_cost: np.ndarray | None = None
    programme_fixed_per_year: float = 0.0
    population: Population | None = None
    referral_rate: np.ndarray | None = None
    loss_rate: np.ndarray | None = None


def class_key(scenario: Scenario) -> tuple[object, ...]:
    """What :func:`class_inputs` reads of a scenario: equal keys give equal classes."""
    return (scenario.horizon_years, scenario.periods_per_year, scenario.retention,
            scenario.retention_spend, scenario.satisfaction, scenario.loyalty_curve,
            scenario.competition, scenario.programmes, scenario.word_of_mouth)


def class_inputs(scenario: Scenario) -> ClassInputs:
    """One class, or satisfaction classes with retention model ``satisfaction``
    (independent of prices and acquisition: see :func:`class_key`)."""
    ppy = scenario.periods_per_year
    timing = scenario.retention.churn_timing
    spend = spend_per_period(scenario)
    if scenario.retention.model != "satisfaction":
        rates = annual_renewal_rates(scenario.retention, scenario.horizon_years,
                                     effective_uplift_points(scenario))[None, :]
        retention = period_retention(rates, ppy, timing)
        return ClassInputs(class_weights=np.ones(1), retention=retention, annual_rates=rates,
                           survival=survival_from_retention(retention),
                           programme_cost=np.full(scenario.periods, spend) if spend else None)

    pop = satisfaction_population(scenario)
    rates = np.repeat(pop.loyalty[:, None], scenario.horizon_years, axis=1)
    retention = period_retention(rates, ppy, timing)
    survival = survival_from_retention(retention)                          # (C, T)
    alive = pop.weights[:, None] * survival
    total = alive.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        member_share = np.where(total > 0, (alive * pop.member[:, None]).sum(axis=0) / total, 0.0)
    # Cross-selling grows members' revenue and cost (more products) with tenure years.
    growth = (1.0 + pop.mix.cross_selling) ** (np.arange(scenario.periods) // ppy)
    wom = scenario.word_of_mouth
    referral = (wom.referrals_per_loyalist * pop.satisfied * pop.loyalty
                + pop.member * pop.mix.referrals)
    loss = wom.lost_per_defector * ~pop.satisfied * (1.0 - pop.loyalty)
    return ClassInputs(class_weights=pop.weights, retention=retention, annual_rates=rates,
                       survival=survival, money_multiplier=1.0 + member_share * (growth - 1.0),
                       programme_cost=member_share * pop.mix.cost_per_member_year / ppy + spend,
                       programme_fixed_per_year=pop.mix.fixed_cost_per_year,
                       population=pop, referral_rate=referral, loss_rate=loss)


def tenure_prices(scenario: Scenario,
                  money_multiplier: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Price and variable cost per customer-period by tenure period (currency), each (T,):
    the first-year price in tenure year 1, the renewal price after, times cross-selling's
    ``money_multiplier`` (:attr:`ClassInputs.money_multiplier`, (T,) or None)."""
    ppy, pricing = scenario.periods_per_year, scenario.pricing
    tenure = np.arange(scenario.periods)
    price = np.where(tenure < ppy, pricing.first_year_price, pricing.renewal_price) / ppy
    cost = np.full(scenario.periods, pricing.variable_cost / ppy)
    if money_multiplier is None:
        return price, cost
    return price * money_multiplier, cost * money_multiplier


_INPUTS_KEPT = 8
"""Scenario objects whose :func:`cohort_inputs` are kept (see there)."""

_INPUTS_CELLS = 1 << 16
"""Classes × periods up to which :func:`cohort_inputs` keeps its result."""

_kept_inputs: OrderedDict[int, tuple[Scenario, CohortInputs]] = OrderedDict()
_kept_lock = threading.Lock()


def cohort_inputs(scenario: Scenario) -> CohortInputs:
    """Engine inputs: :func:`class_inputs`, then acquisition with the base's feedback.

    The inputs of the last few scenario *objects* are kept: the same object asked again
    (a page's cached Monte Carlo and cohort runs of one scenario each ask) gets a copy of
    them instead of a second computation (1-2 ms at 120 periods). The very same object, not
    an equal one: a frozen scenario is its content, so the copy is what the computation
    would give, bit for bit.
    """
    with _kept_lock:
        kept = _kept_inputs.get(id(scenario))
        if kept is not None and kept[0] is scenario:
            _kept_inputs.move_to_end(id(scenario))
            return copy.deepcopy(kept[1])
    inputs = _cohort_inputs(scenario)
    if inputs.retention.size <= _INPUTS_CELLS:
        with _kept_lock:
            _kept_inputs[id(scenario)] = (scenario, copy.deepcopy(inputs))
            while len(_kept_inputs) > _INPUTS_KEPT:
                _kept_inputs.popitem(last=False)
    return inputs


def _cohort_inputs(scenario: Scenario) -> CohortInputs:
    classes = class_inputs(scenario)
    price, variable_cost = tenure_prices(scenario, classes.money_multiplier)
    path = acquisition_path(scenario, classes.class_weights, classes.survival,
                            classes.referral_rate, classes.loss_rate)
    cost = cost_per_acquired(np.array([scenario.pricing.acquisition_cost]), path.new[None],
                             None if path.spend is None else path.spend[None])
    return CohortInputs(new=path.new, class_weights=classes.class_weights,
                        retention=classes.retention, annual_rates=classes.annual_rates,
                        price=price, variable_cost=variable_cost,
                        acquisition_cost=float(cost[0]), acquisition_spend=path.spend,
                        programme_cost=classes.programme_cost,
                        programme_fixed_per_year=classes.programme_fixed_per_year,
                        population=classes.population, acquisition=path)


def cost_per_acquired(listed: np.ndarray, new: np.ndarray,
                      spend: np.ndarray | None) -> np.ndarray:
    """Acquisition cost per customer (currency) of N runs, shape (N,): the pricing field
    ``listed`` (N,), or with paid acquisition the budget spent / customers acquired
    (``spend``, ``new`` (N, T)); 0 when a paid budget acquires nobody."""
    if spend is None:
        return np.asarray(listed, dtype=float)
    acquired = new.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(acquired > 0, spend.sum(axis=1) / acquired, 0.0)


def expected_paths(class_weights: np.ndarray, retention: np.ndarray,
                   survival: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A cohort's expected path over its classes: the share active at each tenure period
    and the share that renews at its end, each shape (T,).

    Args:
        class_weights: (C,) shares of new customers; retention: (C, T) renewal rates;
        survival: (C, T) :func:`sim.retention.survival_from_retention` of ``retention``
            (computed when None).
    """
    surv_class = survival_from_retention(retention) if survival is None else survival
    return class_weights @ surv_class, class_weights @ (surv_class * retention)


def renewal_by_tenure_year(class_weights: np.ndarray, retention: np.ndarray, ppy: int,
                           years: int, survival: np.ndarray | None = None
                           ) -> tuple[np.ndarray, np.ndarray]:
    """A cohort by tenure year: the share of it active at the start of each tenure year and
    that year's renewal rate (survivors at the start of the next year / at the start of
    this one; NaN when nobody is left), each shape (Y,), fractions.

    Args:
        class_weights: (C,); retention: (C, T) per-period renewal rates by class;
        survival: the cohort's share active by tenure period (T,) (:func:`expected_paths`;
            computed when None).
    """
    surv_class = survival_from_retention(retention)
    if survival is None:
        survival = class_weights @ surv_class
    full = np.concatenate([survival,
                           [float(class_weights @ (surv_class[:, -1] * retention[:, -1]))]])
    first = np.arange(years) * ppy
    start, end = full[first], full[first + ppy]
    with np.errstate(invalid="ignore", divide="ignore"):
        return start, np.where(start > 0, end / start, np.nan)


def expected_kpis(scenario: Scenario, terms: MoneyTerms, new: np.ndarray, survival: np.ndarray,
                  renewed: np.ndarray, market_size: float | np.ndarray
                  ) -> tuple[PeriodSeries, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Period series, yearly series and KPIs of N expected-value runs of one shape.

    The one computation behind :func:`run_cohort` (N = 1) and :mod:`sim.batch`.

    Args:
        scenario: any of the runs (periods per year, horizon).
        terms: the runs' :class:`sim.accounting.MoneyTerms` (N rows).
        new, survival, renewed: (N, T) customers acquired per period; share of a cohort
            active at / renewing at the end of each tenure period (:func:`expected_paths`).
        market_size: customers (a float or (N,)), for the market share.

    Returns:
        ``(series, yearly, kpis)``: the (N, T) series, the (N, Y) yearly series and the
        KPIs (N,) named as in :meth:`sim.accounting.PeriodSeries.kpis`.
    """
    ppy, years = scenario.periods_per_year, scenario.horizon_years
    series = account_expected(terms, new, survival, renewed)
    yearly = yearly_from_periods(series, ExpectedCohorts(new, survival), ppy, years)
    # Value of one acquired customer over the tenure horizon (not cut by the calendar),
    # net of the programme cost per member and with the CRM savings per customer.
    billable = survival if terms.cash_timing == "start" else renewed
    clv_gross = clv_by_lifetime(series, billable, survival)
    return series, yearly, series.kpis(yearly, clv_gross, market_size)


@dataclass
class CohortResult:
    """Output of :func:`run_cohort`.

    Attributes:
        periods: one row per period: ``period, year, new, active, churned, retention,
            revenue, variable_cost, acquisition_spend, profit, discounted_profit``.
        yearly: one row per calendar year: ``year, new, customers`` (year end),
            ``churned, retention`` (customers at year end acquired before the
            year / customers at the previous year end), money columns summed,
            ``cumulative_discounted_profit``.
        cohorts: long table ``year, cohort_year, customers`` (year-end customers by
            acquisition year): the layer cake.
        tenure: value of one cohort by tenure year: ``tenure_year, customers``
            (at the start of the tenure year), ``renewal_rate, revenue,
            variable_cost, programme_cost`` (per member), ``cost_saving`` (CRM, per
            customer), ``profit, discounted_profit`` for ``cohort_size`` customers
            acquired together (``discounted_profit`` sums to ``cohort_size`` × CLV).
        kpis: headline figures (see :func:`run_cohort`).
        loyalty_types: with satisfaction classes, one row per year: the shares of
            ``loyalists, mercenaries, hostages, defectors`` among the customers active
            at the year's start (their coming renewal decision), ``mean_satisfaction``
            (1-5), ``member_share`` and word of mouth ``referrals``, ``lost``
            (customers/year); None otherwise.
    """

    periods: pd.DataFrame
    yearly: pd.DataFrame
    cohorts: pd.DataFrame
    tenure: pd.DataFrame
    kpis: dict[str, float] = field(default_factory=dict)
    active_by_cohort: np.ndarray | None = None
    loyalty_types: pd.DataFrame | None = None


def run_cohort(scenario: Scenario, inputs: CohortInputs | None = None,
               cohort_size: float | None = None) -> CohortResult:
    """Run the expected-value cohort engine.

    Args:
        scenario: the scenario (horizon, periods, finance).
        inputs: engine arrays; defaults to :func:`cohort_inputs` of the scenario.
        cohort_size: customers in the tenure table; defaults to the first non-zero
            year's acquisition (1000 if nobody is acquired).

    Returns:
        A :class:`CohortResult`. ``kpis`` holds ``clv_gross``, ``clv_net``
        (currency per acquired customer), ``customer_equity``, ``npv``
        (currency), ``acquired``, ``customers_end`` (customers),
        ``revenue``, ``profit`` (undiscounted, currency) and
        ``retention_last_year`` (fraction).

    Raises:
        sim.budget.BudgetError: the run is over the work budget (:mod:`sim.budget`).
    """
    check_cohort(scenario)
    inp = inputs if inputs is not None else cohort_inputs(scenario)
    ppy, periods = scenario.periods_per_year, scenario.periods

    # Survival by class and tenure, weighted into the cohort's expected path.
    surv_class = survival_from_retention(inp.retention)                      # (C, T)
    survival, renewed = expected_paths(inp.class_weights, inp.retention, surv_class)
    billable_curve = survival if scenario.finance.cash_timing == "start" else renewed

    series, yearly_arrays, kpi_arrays = expected_kpis(
        scenario, money_terms(scenario, inp), inp.new[None, :], survival[None, :],
        renewed[None, :], scenario.market.size)
    kpis = {name: float(values[0]) for name, values in kpi_arrays.items()}
    active_by_cohort = calendar_layers(inp.new[:, None] * survival[None, :])  # (A, T)

    periods_df = frame_of({"period": np.arange(1, periods + 1),
                           "year": np.arange(periods) // ppy + 1,
                           **{name: values[0] for name, values in series.as_dict().items()}})
    yearly = frame_of({name: values[0] for name, values in yearly_arrays.items()})
    cohorts = _layer_cake(active_by_cohort, ppy, scenario.horizon_years)

    size = cohort_size
    if size is None:
        nonzero = inp.new[inp.new > 0]
        size = float(nonzero[0] * ppy) if len(nonzero) else 1000.0
    system = scenario.crm_system
    saving_rate = system.saving_per_customer_year / ppy if system.enabled else 0.0
    tenure = _tenure_table(survival, billable_curve, inp, series, saving_rate, ppy,
                           scenario.horizon_years, size)
    types = _loyalty_types(inp, surv_class, ppy, scenario.horizon_years)
    return CohortResult(periods_df, yearly, cohorts, tenure, kpis, active_by_cohort, types)


def _loyalty_types(inp: CohortInputs, surv_class: np.ndarray, ppy: int,
                   years: int) -> pd.DataFrame | None:
    """Loyalty types, satisfaction and word of mouth by year (satisfaction classes only)."""
    pop = inp.population
    if pop is None:
        return None
    # Active customers of each class at each year's start, Σ_a new[a] · w_c · S_c(t − a),
    # summed cohort by cohort without the (C, A, T) array of every cohort's path.
    weighted = inp.class_weights[:, None] * surv_class                      # (C, T)
    start = cohort_sums(inp.new[None, :], weighted)[0][:, np.arange(years) * ppy]  # (C, Y)
    total = start.sum(axis=0)
    shares = type_shares(pop, start)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_s = np.where(total > 0, (pop.satisfaction @ start) / total, np.nan)
        members = np.where(total > 0, (pop.member @ start) / total, np.nan)
    path = inp.acquisition
    assert path is not None, "cohort_inputs always sets the acquisition path"
    return frame_of({"year": np.arange(1, years + 1), **shares,
                     "mean_satisfaction": mean_s, "member_share": members,
                     "referrals": path.referrals.reshape(years, ppy).sum(axis=1),
                     "lost": path.lost.reshape(years, ppy).sum(axis=1)})


def _layer_cake(active: np.ndarray, ppy: int, years: int) -> pd.DataFrame:
    year_end = np.arange(1, years + 1) * ppy - 1
    by_cohort_year = active.reshape(years, ppy, -1).sum(axis=1)[:, year_end]   # (cohort yr, yr)
    cy, y = np.meshgrid(np.arange(1, years + 1), np.arange(1, years + 1), indexing="ij")
    shown = (y >= cy).ravel()                             # years from the cohort's own on
    return frame_of({"year": y.ravel()[shown], "cohort_year": cy.ravel()[shown],
                     "customers": by_cohort_year.ravel()[shown]})


def _tenure_table(survival: np.ndarray, billable: np.ndarray, inp: CohortInputs,
                  series: PeriodSeries, saving_rate: float, ppy: int, years: int,
                  size: float) -> pd.DataFrame:
    """One cohort of ``size`` customers by tenure year; ``discounted_profit`` sums to
    ``size`` × CLV (margin and CRM savings, net of the programme cost per member)."""

    def by_year(x: np.ndarray) -> np.ndarray:
        return x.reshape(years, ppy).sum(axis=1) * size

    per_member = np.zeros_like(survival) if inp.programme_cost is None else inp.programme_cost
    revenue = by_year(billable * inp.price)
    var_cost = by_year(billable * inp.variable_cost)
    programme = by_year(survival * per_member)
    saving = by_year(billable * saving_rate)
    discounted = by_year(billable * series.clv_by_tenure[0]
                         - survival * series.retention_cost_by_tenure[0])
    start, renewal = renewal_by_tenure_year(inp.class_weights, inp.retention, ppy, years,
                                            survival)
    return frame_of({
        "tenure_year": np.arange(1, years + 1), "customers": start * size,
        "renewal_rate": renewal, "revenue": revenue, "variable_cost": var_cost,
        "programme_cost": programme, "cost_saving": saving,
        "profit": revenue - var_cost - programme + saving, "discounted_profit": discounted,
    })
