"""Sample data: a customer-level transaction log drawn by the Monte Carlo engine.

"Try with sample data" (issue 13) needs a log that looks like a real export and whose
truth is known. It is one replication of :func:`sim.montecarlo.run_monte_carlo` written
out customer by customer, not a second churn model:

* **customers** per acquisition period: the engine's arrivals,
  ``Poisson(new[a])`` by inverse CDF of the uniform
  :func:`sim.montecarlo.hashed_uniforms` ``(seed, stream 1, replication, cohort, 0)``,
  with ``new`` from :func:`sim.cohort.cohort_inputs`;
* each customer's **class** and **lifetime** K (periods active): the engine's exact rules
  of its uniforms (streams 2 and 3 of its (replication, cohort, index)), so the customers
  active in each period are those of the engine's replication (the test checks it, count
  for count, against ``run_monte_carlo``);
* one **transaction** at the start of every period the customer is active (its
  purchase, then its renewals), dated on the customer's day in that period, for the
  engine's price of that tenure period (``CohortInputs.price``: the first-year price,
  then the renewal price, per customer-period).

What the engine does not decide is drawn from a ``numpy.random.Generator`` seeded from
the scenario's seed and the replication (so the file is the same on every machine): the
day of the month (1-28) and, with yearly periods, the month of the year a customer
joined; a ``region`` attribute; and, when ``spend_cv`` > 0, how far each amount departs
from the price (a customer factor times a transaction factor, both gamma with mean 1,
so amounts average the price). The ``stage`` column is the customer's relationship stage
on the observation date: ``new`` (active, first tenure year), ``developing`` (active,
tenure years 2-3), ``mature`` (active, year 4 on) or ``lapsed`` (not active in the last
period).

The log covers the scenario's horizon from ``start``; the observation date is its last
day. :attr:`SampleData.survivors` is the matching :class:`sim.datafile.SurvivorTable`:
cohorts by acquisition year, customers active at tenure-year ages 0, 1, … as far as the
horizon shows every customer of the cohort (right-censored, as a layer cake); cohorts
seen for a single age are left out (a survivor table needs two).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy.stats import poisson

from sim.budget import check_monte_carlo
from sim.cohort import CohortInputs, cohort_inputs
from sim.datafile import SurvivorTable
from sim.montecarlo import hashed_uniforms
from sim.retention import survival_from_retention
from sim.scenario import Scenario

__all__ = ["SampleData", "LOG_COLUMNS", "REGIONS", "STAGES", "sample_data", "sample_customers",
           "survivors_csv"]

LOG_COLUMNS = ("customer_id", "date", "amount", "region", "stage")
"""Columns of the sample log, in order."""
REGIONS = {"north": 0.35, "east": 0.30, "south": 0.20, "west": 0.15}
"""The ``region`` attribute's values and their shares."""
STAGES = ("new", "developing", "mature", "lapsed")
"""The ``stage`` attribute's values (relationship stage on the observation date)."""
DEFAULT_START = date(2020, 1, 1)

# Streams of sim.montecarlo (its _STREAM_* constants): the same uniforms as the engine.
_STREAM_ARRIVALS, _STREAM_CLASS, _STREAM_LIFETIME = 1, 2, 3
_EXTRA = 0x5A4D_504C  # the Generator's extra seed word for what the engine does not draw


@dataclass(frozen=True)
class SampleCustomers:
    """The customers of one replication, one entry each, in acquisition order.

    Attributes:
        cohort: acquisition period (0 … T−1).
        index: the customer's index within its cohort (its hash word's index).
        klass: the customer's class (0 … C−1).
        lifetime: periods active, K (1 … T+1; K = T+1: renewed at the end of the horizon).
        scale: the factor applied to the engine's expected arrivals (1: the engine's run).
    """

    cohort: np.ndarray
    index: np.ndarray
    klass: np.ndarray
    lifetime: np.ndarray
    scale: float


@dataclass(frozen=True)
class SampleData:
    """A sample transaction log and its survivor table.

    Attributes:
        log_csv: UTF-8 CSV bytes, columns :data:`LOG_COLUMNS` (date ISO ``YYYY-MM-DD``,
            amount in the scenario's currency, 2 decimals), sorted by date then customer.
        survivors: cohorts by acquisition year, active customers by tenure-year age.
        observation_date: the last day the log covers.
        customers: customers in the log.
        transactions: rows of the log.
        scale: factor applied to the scenario's expected arrivals (1 unless capped).
        currency: the scenario's currency code.
    """

    log_csv: bytes
    survivors: SurvivorTable
    observation_date: date
    customers: int
    transactions: int
    scale: float
    currency: str


def _lifetimes(u: np.ndarray, klass: np.ndarray, inputs: CohortInputs) -> np.ndarray:
    """K = #{k : S_c(k) > u} over tenure 0 … T (the engine's exact rule, including its
    comparison of the rounded 2c − S_c(k) with the rounded 2c − u)."""
    surv = survival_from_retention(inputs.retention)                     # (C, T)
    full = np.concatenate([surv, surv[:, -1:] * inputs.retention[:, -1:]], axis=1)
    lifetime = np.empty(len(u), dtype=np.int64)
    for c in range(full.shape[0]):
        mine = np.flatnonzero(klass == c)
        keys = -full[c] + 2.0 * c                                        # ascending
        lifetime[mine] = np.searchsorted(keys, -u[mine] + 2.0 * c, side="left")
    return lifetime


def sample_customers(scenario: Scenario, inputs: CohortInputs | None = None,
                     replication: int = 0, max_customers: int | None = None
                     ) -> SampleCustomers:
    """The customers of replication ``replication`` of the scenario's Monte Carlo run.

    Args:
        scenario: the scenario (its seed, horizon, periods).
        inputs: :func:`sim.cohort.cohort_inputs` of it (computed when None).
        replication: which replication (0 … 65535).
        max_customers: when the scenario expects more customers, its expected arrivals are
            scaled down to this many (the draws are then no longer the engine's run).

    Raises:
        sim.budget.BudgetError: one replication is over the work budget.
    """
    inp = inputs if inputs is not None else cohort_inputs(scenario)
    check_monte_carlo(scenario, inp, 1)
    expected = float(inp.new.sum())
    scale = 1.0
    if max_customers is not None and expected > max_customers:
        scale = max_customers / expected
    new = inp.new * scale
    periods = np.arange(len(new))
    u = hashed_uniforms(scenario.seed, _STREAM_ARRIVALS, np.full_like(periods, replication),
                        periods, np.zeros_like(periods))
    counts = np.where(new > 0, poisson.ppf(u, np.maximum(new, 1e-300)), 0.0).astype(np.int64)
    cohort = np.repeat(periods, counts)
    index = np.arange(len(cohort)) - np.repeat(np.cumsum(counts) - counts, counts)
    rep = np.full(len(cohort), replication)
    weights = np.cumsum(inp.class_weights)
    u_class = hashed_uniforms(scenario.seed, _STREAM_CLASS, rep, cohort, index)
    klass = np.minimum(np.searchsorted(weights / weights[-1], u_class, side="right"),
                       len(weights) - 1)
    u_life = hashed_uniforms(scenario.seed, _STREAM_LIFETIME, rep, cohort, index)
    return SampleCustomers(cohort, index, klass, _lifetimes(u_life, klass, inp), scale)


def _survivors(cohort_year: np.ndarray, lifetime: np.ndarray, ppy: int, years: int,
               first_year: int) -> SurvivorTable:
    labels, survivors = [], []
    for y in range(years):
        ages = years - y                       # ages 0 … years − y − 1 seen for everyone
        mine = lifetime[cohort_year == y]
        if ages < 2 or len(mine) == 0:
            continue
        alive = [(mine > j * ppy).sum() for j in range(ages)]
        labels.append(str(first_year + y))
        survivors.append(np.asarray(alive, dtype=float))
    if not survivors:
        return SurvivorTable(("none",), (np.zeros(1),))      # raises: nothing to fit
    return SurvivorTable(tuple(labels), tuple(survivors))


def survivors_csv(table: SurvivorTable) -> bytes:
    """A survivor table as ``cohort,period,customers`` CSV bytes (UTF-8)."""
    rows = [(label, age, int(round(n))) for label, counts in zip(table.labels, table.survivors,
                                                                 strict=True)
            for age, n in enumerate(counts)]
    return pd.DataFrame(rows, columns=["cohort", "period", "customers"]).to_csv(
        index=False, lineterminator="\n").encode("utf-8")


def sample_data(scenario: Scenario, replication: int = 0, start: date = DEFAULT_START,
                spend_cv: float = 0.25, max_customers: int | None = None,
                inputs: CohortInputs | None = None) -> SampleData:
    """A transaction log of one Monte Carlo replication of ``scenario`` (see the module).

    Args:
        scenario: the scenario the customers are drawn from.
        replication: which replication of its Monte Carlo run.
        start: the first day of period 1 (its day of the month is ignored: periods start
            on the first of a month).
        spend_cv: coefficient of variation of a customer's spend factor and of each
            transaction's factor (0: every amount is the price).
        max_customers: cap on the expected customers (see :func:`sample_customers`).
        inputs: :func:`sim.cohort.cohort_inputs` of the scenario (computed when None).

    Raises:
        sim.budget.BudgetError: one replication is over the work budget.
        sim.datafile.DataFileError: no cohort is seen for two ages (a one-year horizon).
    """
    inp = inputs if inputs is not None else cohort_inputs(scenario)
    people = sample_customers(scenario, inp, replication, max_customers)
    ppy, periods, years = scenario.periods_per_year, scenario.periods, scenario.horizon_years
    n = len(people.cohort)
    rng = np.random.default_rng([scenario.seed, replication, _EXTRA])
    day = rng.integers(0, 28, size=n)
    month_in_year = rng.integers(0, 12, size=n) if ppy == 1 else np.zeros(n, dtype=np.int64)
    region = rng.choice(np.array(list(REGIONS)), size=n, p=list(REGIONS.values()))
    shape = 1.0 / spend_cv**2 if spend_cv > 0 else None
    factor = rng.gamma(shape, 1.0 / shape, size=n) if shape else np.ones(n)

    active_periods = np.minimum(people.lifetime, periods - people.cohort)   # within the horizon
    customer = np.repeat(np.arange(n), active_periods)
    tenure = np.arange(len(customer)) - np.repeat(np.cumsum(active_periods) - active_periods,
                                                  active_periods)
    period = people.cohort[customer] + tenure
    months_per_period = 12 // ppy
    month = period * months_per_period + month_in_year[customer]
    first = np.datetime64(f"{start.year:04d}-{start.month:02d}", "M")
    when = (first + month).astype("datetime64[D]") + day[customer]
    amount = inp.price[tenure] * factor[customer]
    if shape:
        amount = amount * rng.gamma(shape, 1.0 / shape, size=len(customer))

    last_day = (first + 12 * years).astype("datetime64[D]") - 1
    years_active = np.minimum(people.lifetime, periods - people.cohort) // ppy  # full years seen
    still = people.lifetime >= periods - people.cohort                # active in the last period
    stage = np.where(~still, "lapsed", np.where(years_active < 1, "new",
                                                np.where(years_active < 3, "developing",
                                                         "mature")))
    order = np.lexsort((customer, when))                                  # by date, then id
    customer, when, amount = customer[order], when[order], amount[order]
    width = max(6, len(str(n)))
    ids = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), width))
    cents = np.rint(amount * 100.0).astype(np.int64)
    money = np.char.add(np.char.add((cents // 100).astype(str), "."),
                        np.char.zfill((cents % 100).astype(str), 2))
    lines = zip(ids[customer].tolist(), when.astype(str).tolist(), money.tolist(),
                region[customer].tolist(), stage[customer].tolist(), strict=True)
    text = ",".join(LOG_COLUMNS) + "\n" + "".join(",".join(row) + "\n" for row in lines)
    cohort_year = people.cohort // ppy
    survivors = _survivors(cohort_year, people.lifetime, ppy, years, start.year)
    return SampleData(text.encode("utf-8"), survivors, date.fromisoformat(str(last_day)), n,
                      len(customer), people.scale, scenario.currency)
