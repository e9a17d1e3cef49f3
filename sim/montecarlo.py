"""Monte Carlo engine: individual customers, vectorised over customers and replications.

It runs the *same* model as the expected-value cohort engine, from the same
:class:`sim.cohort.CohortInputs`, one customer at a time:

1. **Arrivals.** Cohort ``a`` of replication ``r`` has ``N[r, a] ~ Poisson(new[a])``
   customers (drawn by inverse CDF, so a larger expected cohort never gets
   fewer customers from the same random number).
2. **Class.** Each customer draws its class (e.g. satisfaction class) from
   ``class_weights``.
3. **Lifetime.** Each customer draws a uniform ``u`` and lives
   ``K = #{k : S_c(k) > u}`` periods, where ``S_c`` is its class's survival by
   tenure: exactly the period-by-period renewal process of the cohort engine,
   sampled in one draw instead of one draw per period (inverse-CDF sampling of
   the lifetime). Active at tenure ``k`` ⇔ ``K > k``; renewed at the end of
   tenure ``k`` ⇔ ``K > k + 1``.

Common random numbers: every random number is a hash of (seed, stream,
replication, cohort, customer index), not a position in a generator's stream.
Two runs with the same seed give each customer the same uniforms, even when the
scenarios acquire different numbers of customers, so a scenario and its
baseline differ only by what the levers change (a scenario identical to its
baseline has exactly zero delta), and results are identical on every machine.

Accounting (cash timing, discounting, acquisition spend) is shared with the
cohort engine through :mod:`sim.accounting`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from scipy.stats import poisson

from sim.accounting import PeriodSeries, account_periods, tenure_values, yearly_from_periods
from sim.budget import CUSTOMER_CHUNK, check_monte_carlo, replication_chunk
from sim.cohort import CohortInputs, cohort_inputs
from sim.retention import survival_from_retention
from sim.scenario import Scenario

__all__ = ["McResult", "run_monte_carlo", "hashed_uniforms", "BAND_QUANTILES"]

BAND_QUANTILES = (0.10, 0.50, 0.90)
"""P10, P50, P90."""

_STREAM_ARRIVALS = 1
_STREAM_CLASS = 2
_STREAM_LIFETIME = 3
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_Words = TypeVar("_Words", np.ndarray, np.uint64)


def _splitmix64(x: _Words) -> _Words:
    """SplitMix64 finaliser: a well-mixed 64-bit hash of each element (uint64 in, uint64 out)."""
    z = x + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def hashed_uniforms(seed: int, stream: int, replication: np.ndarray, cohort: np.ndarray,
                    index: np.ndarray) -> np.ndarray:
    """Uniforms in [0, 1) that depend only on (seed, stream, replication, cohort, index).

    Args:
        seed: the scenario's seed (0 … 2³²−1).
        stream: which random quantity (arrivals, class, lifetime).
        replication, cohort, index: integer arrays (broadcast together); cohort < 2²⁰,
            index < 2²⁸, replication < 2¹⁶.
    """
    with np.errstate(over="ignore"):
        key = _splitmix64(np.uint64(seed) * np.uint64(0x100000001B3) + np.uint64(stream))
        word = ((np.asarray(replication, dtype=np.uint64) << np.uint64(48))
                ^ (np.asarray(cohort, dtype=np.uint64) << np.uint64(28))
                ^ np.asarray(index, dtype=np.uint64))
        mixed = _splitmix64(word ^ key)
    return (mixed >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


@dataclass
class McResult:
    """Output of :func:`run_monte_carlo`: every series per replication.

    Attributes:
        replications: number of replications R.
        periods: ``{name: array (R, T)}`` per-period series (as the cohort engine's periods table).
        yearly: ``{name: array (R, Y)}`` per-year series (as the cohort engine's yearly table).
        kpis: ``{name: array (R,)}`` per-replication KPIs (same names as the cohort engine).
        customers: customers simulated, over all replications.
        customer_periods: Σ over customers of the periods from acquisition to the horizon's
            end (what a period-by-period simulation would have to decide).
    """

    replications: int
    periods: dict[str, np.ndarray]
    yearly: dict[str, np.ndarray]
    kpis: dict[str, np.ndarray]
    customers: int
    customer_periods: int

    def bands(self, quantiles: tuple[float, ...] = BAND_QUANTILES,
              names: tuple[str, ...] | None = None) -> pd.DataFrame:
        """Yearly P10/P50/P90 (and mean) of the yearly series ``names`` (default: all), long format.

        Columns: ``year, series, mean, p10, p50, p90``.
        """
        frames = []
        for name, values in self.yearly.items():
            if name == "year" or (names is not None and name not in names):
                continue
            with warnings.catch_warnings():     # all-NaN columns (retention in year 1) stay NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                q = np.nanquantile(values, quantiles, axis=0)
                mean = np.nanmean(values, axis=0)
            frame = pd.DataFrame({"year": self.yearly["year"][0], "series": name, "mean": mean})
            for qi, qv in zip(quantiles, q, strict=True):
                frame[f"p{round(qi * 100)}"] = qv
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def kpi_summary(self, quantiles: tuple[float, ...] = BAND_QUANTILES
                    ) -> dict[str, dict[str, float]]:
        """``{kpi: {"mean", "std_error", "p10", "p50", "p90"}}`` over replications."""
        summary = {}
        for name, values in self.kpis.items():
            finite = values[np.isfinite(values)]
            entry = {"mean": float(finite.mean()) if len(finite) else float("nan"),
                     "std_error": float(finite.std(ddof=1) / np.sqrt(len(finite)))
                     if len(finite) > 1 else float("nan")}
            for qi in quantiles:
                entry[f"p{round(qi * 100)}"] = (float(np.quantile(finite, qi)) if len(finite)
                                               else float("nan"))
            summary[name] = entry
        return summary


def _arrivals(seed: int, new: np.ndarray, replications: int) -> np.ndarray:
    """Customers acquired per (replication, period): Poisson(new) by inverse CDF, shape (R, T)."""
    r = np.arange(replications)[:, None]
    a = np.arange(len(new))[None, :]
    u = hashed_uniforms(seed, _STREAM_ARRIVALS, r, a, np.zeros_like(a))
    lam = np.broadcast_to(new, u.shape)
    counts = np.where(lam > 0, poisson.ppf(u, np.maximum(lam, 1e-300)), 0.0)
    return counts.astype(np.int64)


def _lifetimes(seed: int, rep: np.ndarray, cohort: np.ndarray, index: np.ndarray,
               inputs: CohortInputs) -> np.ndarray:
    """Lifetime (periods active, 0 … T+1) of the customers (replication, cohort, index)."""
    n_class = len(inputs.class_weights)
    if n_class > 1:
        u_class = hashed_uniforms(seed, _STREAM_CLASS, rep, cohort, index)
        cum = np.cumsum(inputs.class_weights)
        klass = np.minimum(np.searchsorted(cum / cum[-1], u_class, side="right"), n_class - 1)
        del u_class
    else:
        klass = np.zeros(len(rep), dtype=np.int64)

    # Survival at tenure 0..T (the last entry: renewed at the end of the last period).
    surv = survival_from_retention(inputs.retention)                     # (C, T)
    full = np.concatenate([surv, surv[:, -1:] * inputs.retention[:, -1:]], axis=1)  # (C, T+1)
    width = full.shape[1]
    # K = #{k : S_c(k) > u}; one sorted array for all classes (class c offset by 2c).
    keyed = (-full + 2.0 * np.arange(n_class)[:, None]).ravel()
    u_life = hashed_uniforms(seed, _STREAM_LIFETIME, rep, cohort, index)
    return np.searchsorted(keyed, -u_life + 2.0 * klass, side="left") - klass * width


def _customer_chunks(flat: np.ndarray, chunk: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(owner, index)`` of the customers in chunks of at most ``chunk``: the flat cell
    each belongs to and its index within the cell (the customers' order is fixed)."""
    cum = np.cumsum(flat)
    total = int(cum[-1]) if len(cum) else 0
    for begin in range(0, total, chunk):
        position = np.arange(begin, min(begin + chunk, total), dtype=np.int64)
        owner = np.searchsorted(cum, position, side="right")
        yield owner, position - (cum[owner] - flat[owner])


def run_monte_carlo(scenario: Scenario, inputs: CohortInputs | None = None,
                    replications: int = 20, seed: int | None = None) -> McResult:
    """Simulate individual customers ``replications`` times.

    Args:
        scenario: the scenario (horizon, periods, finance).
        inputs: engine arrays (as for :func:`sim.cohort.run_cohort`); default from the scenario.
        replications: number of independent replications (≥ 1).
        seed: overrides ``scenario.seed``.

    Returns:
        An :class:`McResult` whose means converge to the cohort engine's expectations.

    Raises:
        sim.budget.BudgetError: the run is over the work budget (:mod:`sim.budget`).
    """
    inp = inputs if inputs is not None else cohort_inputs(scenario)
    check_monte_carlo(scenario, inp, replications)
    seed = scenario.seed if seed is None else seed
    periods, ppy = scenario.periods, scenario.periods_per_year
    counts = _arrivals(seed, inp.new, replications)                      # (R, T)

    # CLV per acquired customer over the tenure horizon, from each customer's own lifetime:
    # margin and savings of the periods billed, minus programme costs of the periods active
    # (sim.accounting.clv_by_lifetime, summed by cumulative sums).
    per_tenure = tenure_values(scenario, inp)
    cum_value = np.concatenate([[0.0], np.cumsum(per_tenure["clv_by_tenure"])])
    cum_cost = np.concatenate([[0.0], np.cumsum(per_tenure["retention_cost_by_tenure"])])
    shift = 0 if scenario.finance.cash_timing == "start" else 1

    # Stream over chunks of replications (the (R, A, K) arrays) and, within each, over
    # chunks of customers: memory O(customers in a chunk + chunk × periods²).
    width = periods + 2
    step = replication_chunk(periods)
    value_sum = np.zeros(replications)
    parts: list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]] = []
    for r0 in range(0, replications, step):
        sub = counts[r0:r0 + step]
        n_sub = sub.shape[0]
        hist = np.zeros(n_sub * periods * width, dtype=np.int64)
        for owner, index in _customer_chunks(sub.ravel(), CUSTOMER_CHUNK):
            rep_local, cohort = owner // periods, owner % periods
            lifetime = _lifetimes(seed, rep_local + r0, cohort, index, inp)
            hist += np.bincount((rep_local * periods + cohort) * width + lifetime,
                                minlength=hist.size)
            value = (cum_value[np.clip(lifetime - shift, 0, periods)]
                     - cum_cost[np.clip(lifetime, 0, periods)])
            np.add.at(value_sum, rep_local + r0, value)
            del owner, index, rep_local, cohort, lifetime, value
        # Customers by (replication, cohort, lifetime) → alive at each tenure by reverse cumsum.
        at_least = np.cumsum(hist.reshape(n_sub, periods, width)[:, :, ::-1], axis=2)[:, :, ::-1]
        del hist
        alive = at_least[:, :, 1:periods + 1].astype(float)             # K > k, k = 0..T−1
        renewed = at_least[:, :, 2:periods + 2].astype(float)           # K > k + 1
        del at_least
        series = account_periods(scenario, inp, sub.astype(float), alive, renewed)
        parts.append((series.as_dict(), yearly_from_periods(series, alive, ppy,
                                                            scenario.horizon_years)))
        del alive, renewed
    periods_out: dict[str, Any] = {k: np.concatenate([p[0][k] for p in parts])
                                   for k in parts[0][0]}
    yearly = {k: np.concatenate([p[1][k] for p in parts]) for k in parts[0][1]}
    total = PeriodSeries(**periods_out, **per_tenure)
    acquired = counts.sum(axis=1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        clv_gross = value_sum / acquired
    kpis = total.kpis(yearly, clv_gross, scenario.market.size)

    customer_periods = int(((periods - np.arange(periods))[None, :] * counts).sum())
    return McResult(replications, periods_out, yearly, kpis,
                    int(acquired.sum()), customer_periods)
