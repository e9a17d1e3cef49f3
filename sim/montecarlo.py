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

Speed (issue 12; ``bench/bench_montecarlo.py``): the class and the lifetime are read
from look-up tables indexed by the top bits of the customer's hashes
(:class:`_LifetimeSampler`), which give the bits a binary search per customer gives;
customers are drawn in blocks of :data:`_BLOCK` whose work arrays stay in the
processor's cache; each replication's CLV sum adds its customers' values one after
the other in their fixed order, so its float result does not depend on the blocks.
Fixed costs at the dashboard's size (issue 12): the arrivals' Poisson quantiles are
scipy's, found without its slow inverse (:func:`_poisson_ppf`); the accounting reads the
counts by (cohort, tenure) in place, without calendar-shifted copies
(:func:`sim.accounting.calendar_sums`); tables and arrivals that a scenario and its
baseline share are computed once.

Accounting (cash timing, discounting, acquisition spend) is shared with the
cohort engine through :mod:`sim.accounting`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from scipy import special
from scipy.stats import poisson

from sim.accounting import PeriodSeries, account_periods, tenure_values, yearly_from_periods
from sim.budget import CUSTOMER_CHUNK, check_monte_carlo, replication_chunk
from sim.cohort import CohortInputs, cohort_inputs
from sim.frames import frame_of
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

_TO_UNIT = 1.0 / 9007199254740992.0
"""2⁻⁵³: a hash's top 53 bits times this is its uniform in [0, 1)."""

_TABLE_BITS = 14
"""Look-up tables resolve a uniform by its top bits: up to 2¹⁴ buckets per class
(:func:`_table_bits`)."""

_TABLE_ENTRIES = 1 << 18
"""Lifetime-table entries (classes × buckets, 2 or 4 bytes each) above which a class gets
fewer buckets: the table stays in the processor's cache."""

_STRADDLES = -1
"""Class-table entry of a bucket that straddles a class boundary (resolved exactly)."""

_MANY_STEPS = -(1 << 15)
"""Lifetime-table entry of a bucket that straddles several survival steps (resolved by the
exact rule); −1 − K: one step, lifetime K or K + 1 (one comparison)."""

_BLOCK = 1 << 16
"""Customers drawn together, at most (and at most :data:`sim.budget.CUSTOMER_CHUNK`): their
work arrays stay in the processor's cache."""

_INDEX_LIMIT = 1 << 28
"""Customers of one cell below which ``word ^ index == word + index`` (the index bits)."""


def _splitmix64(x: _Words) -> _Words:
    """SplitMix64 finaliser: a well-mixed 64-bit hash of each element (uint64 in, uint64 out).

    The sampler (:class:`_LifetimeSampler`) computes the same steps in place, in its work
    buffers, and leaves the last one to the few hashes it needs whole (:func:`_partial_hash`).
    """
    z = x + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def _unit(hashes: np.ndarray) -> np.ndarray:
    """The uniforms in [0, 1) of 64-bit hashes (their top 53 bits; as :func:`hashed_uniforms`)."""
    return (hashes >> np.uint64(11)).astype(np.float64) * _TO_UNIT


def _partial_hash(words: np.ndarray) -> np.ndarray:
    """SplitMix64 of ``words`` without its last step ``z ^= z >> 31``, which leaves the top
    31 bits as they are: the look-up needs only the top bits, and finishes the few hashes
    it resolves exactly (:func:`_finish_hash`). uint64 in and out."""
    with np.errstate(over="ignore"):
        z = words + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        return (z ^ (z >> np.uint64(27))) * _MIX2


def _finish_hash(partial: np.ndarray) -> np.ndarray:
    """The SplitMix64 hashes of partial hashes (:func:`_partial_hash`)."""
    return partial ^ (partial >> np.uint64(31))


def _stream_key(seed: int, stream: int) -> np.uint64:
    """The 64-bit key of one random stream of one seed (as :func:`hashed_uniforms`)."""
    with np.errstate(over="ignore"):
        return _splitmix64(np.uint64(seed) * np.uint64(0x100000001B3) + np.uint64(stream))


def hashed_uniforms(seed: int, stream: int, replication: np.ndarray, cohort: np.ndarray,
                    index: np.ndarray) -> np.ndarray:
    """Uniforms in [0, 1) that depend only on (seed, stream, replication, cohort, index).

    Args:
        seed: the scenario's seed (0 … 2³²−1).
        stream: which random quantity (arrivals, class, lifetime).
        replication, cohort, index: integer arrays (broadcast together); cohort < 2²⁰,
            index < 2²⁸, replication < 2¹⁶.
    """
    word = ((np.asarray(replication, dtype=np.uint64) << np.uint64(48))
            ^ (np.asarray(cohort, dtype=np.uint64) << np.uint64(28))
            ^ np.asarray(index, dtype=np.uint64))
    with np.errstate(over="ignore"):
        mixed = _splitmix64(word ^ _stream_key(seed, stream))
    return _unit(mixed)


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

    def band_arrays(self, name: str, quantiles: tuple[float, ...] = BAND_QUANTILES
                    ) -> dict[str, np.ndarray]:
        """The yearly series ``name`` across replications, by year (1 … Y, in order): its
        ``mean`` and one array per quantile (``p10``, ``p50``, ``p90`` by default), each of
        shape (Y,), in the series' unit. A year where every replication is NaN (retention
        in year 1) stays NaN."""
        values = self.yearly[name]
        if not np.isnan(values).any():
            # the same floats as the NaN-aware path, which loops over the years in Python
            q = np.quantile(values, quantiles, axis=0)
            mean = values.mean(axis=0)
        else:
            with warnings.catch_warnings():  # all-NaN columns (retention in year 1) stay NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                q = np.nanquantile(values, quantiles, axis=0)
                mean = np.nanmean(values, axis=0)
        return {"mean": mean, **{f"p{round(qi * 100)}": qv
                                 for qi, qv in zip(quantiles, q, strict=True)}}

    def bands(self, quantiles: tuple[float, ...] = BAND_QUANTILES,
              names: tuple[str, ...] | None = None) -> pd.DataFrame:
        """Yearly P10/P50/P90 (and mean) of the yearly series ``names`` (default: all), long format.

        Columns: ``year, series, mean, p10, p50, p90`` (:meth:`band_arrays` of each series).
        """
        kept = [n for n in self.yearly if n != "year" and (names is None or n in names)]
        years = self.yearly["year"][0]
        columns: dict[str, list[np.ndarray]] = {"mean": []}
        columns.update({f"p{round(qi * 100)}": [] for qi in quantiles})
        for name in kept:
            for key, values in self.band_arrays(name, quantiles).items():
                columns[key].append(values)
        return frame_of({"year": np.tile(years, len(kept)),
                         "series": np.repeat(np.array(kept, dtype=object), len(years)),
                         **{k: np.concatenate(v) if v else np.empty(0)
                            for k, v in columns.items()}})

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


_PPF_OWN_MAX = 1e6
"""Poisson means up to which :func:`_poisson_ppf` finds quantiles itself (above: scipy)."""

_PPF_MARGIN = 1e-7
"""Uniforms within this share of a step's probability (or :data:`_PPF_ULPS` of themselves)
of a step of the CDF go to scipy (:func:`_poisson_ppf`)."""

_PPF_ULPS = 2.0**-44

_PPF_ROUNDS = 64
"""Steps :func:`_poisson_ppf` walks from its first guess before it leaves a uniform to scipy."""


def _poisson_ppf(q: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """``scipy.stats.poisson.ppf(q, mu)``, the same floats, about 3x faster.

    scipy's ppf is k = ceil(pdtrik(q, mu)), minus one where pdtr(k − 1, mu) ≥ q: the
    smallest k with pdtr(k − 1) < q ≤ pdtr(k) whenever its continuous inverse pdtrik lands
    in (k − 1, k + 1]. Here k is found from a Cornish-Fisher guess by walking to the bracket
    pdtr(k − 1) < q ≤ pdtr(k) of scipy's own pdtr (so k is what scipy returns, whatever
    pdtr's rounding), without pdtrik, whose root is only approximate: within about 2e-10 of
    a step's probability above the step (measured up to mu = 1e6), scipy's answer can be
    k − 1. The uniforms that close to a step (within :data:`_PPF_MARGIN` of the step's
    probability, or :data:`_PPF_ULPS` of themselves, on either side), those not bracketed
    within :data:`_PPF_ROUNDS` steps, q outside (0, 1) and means outside (0,
    :data:`_PPF_OWN_MAX`] are scipy's ppf itself (a few in 10⁷ draws).

    Args:
        q: uniforms in [0, 1); mu: Poisson means (> 0), the same shape.

    Returns:
        Quantiles (floats, as scipy returns them: −1 where q = 0), the shape of ``q``.
    """
    shape = q.shape
    q, mu = q.ravel(), mu.ravel()
    out = np.empty(len(q))
    own = np.flatnonzero((q > 0.0) & (q < 1.0) & (mu > 0.0) & (mu <= _PPF_OWN_MAX))
    qo, mo = q[own], mu[own]
    z = special.ndtri(qo)
    s = np.sqrt(mo)
    guess = mo + s * z + (z * z - 1.0) / 6.0
    guess += np.where(mo >= 5.0, z * (11.0 - 5.0 * z * z) / (72.0 * s), 0.0)
    k = np.maximum(np.ceil(guess - 0.5), 0.0)
    cdf = special.pdtr(np.stack([k - 1.0, k]), mo)
    low = np.where(k > 0.0, cdf[0], 0.0)                  # pdtr(−1) = P(X ≤ −1) = 0
    high = cdf[1]
    pending = np.arange(len(qo))
    for _ in range(_PPF_ROUNDS):
        qp, lp, hp = qo[pending], low[pending], high[pending]
        up, down = qp > hp, qp <= lp
        move = up | down
        if not move.any():
            pending = pending[:0]
            break
        moved, up = pending[move], up[move]
        step = np.where(up, k[moved] + 1.0, k[moved] - 1.0)
        # Up: the old high is the new low; down: the old low is the new high.
        fresh = special.pdtr(np.where(up, step, step - 1.0), mo[moved])
        fresh = np.where(up | (step > 0.0), fresh, 0.0)
        k[moved] = step
        low[moved] = np.where(up, hp[move], fresh)
        high[moved] = np.where(up, fresh, lp[move])
        pending = moved
    near = _PPF_MARGIN * (high - low) + _PPF_ULPS * qo
    unsure = (qo - low <= near) | (high - qo <= near)
    unsure[pending] = True
    out[own] = k
    rest = np.ones(len(q), dtype=bool)
    rest[own[~unsure]] = False
    if rest.any():
        out[rest] = poisson.ppf(q[rest], mu[rest])
    return out.reshape(shape)


_ARRIVALS_CACHED = 1 << 15
"""Replications × periods up to which :func:`_arrivals` keeps its result (at most 256 KiB
each, 16 of them): a scenario and its baseline with the same acquisition draw it once."""


def _arrivals(seed: int, new: np.ndarray, replications: int) -> np.ndarray:
    """Customers acquired per (replication, period): Poisson(new) by inverse CDF, shape (R, T)
    (:func:`_poisson_ppf`, the integers of ``scipy.stats.poisson.ppf``); read-only."""
    new = np.ascontiguousarray(new, dtype=float)
    if replications * len(new) <= _ARRIVALS_CACHED:
        return _cached_arrivals(int(seed), new.tobytes(), int(replications))
    return _draw_arrivals(seed, new, replications)


def _draw_arrivals(seed: int, new: np.ndarray, replications: int) -> np.ndarray:
    r = np.arange(replications)[:, None]
    a = np.arange(len(new))[None, :]
    u = hashed_uniforms(seed, _STREAM_ARRIVALS, r, a, np.zeros_like(a))
    lam = np.broadcast_to(new, u.shape)
    counts = np.where(lam > 0, _poisson_ppf(u, np.maximum(lam, 1e-300)), 0.0).astype(np.int64)
    counts.flags.writeable = False
    return counts


@lru_cache(maxsize=16)
def _cached_arrivals(seed: int, new: bytes, replications: int) -> np.ndarray:
    return _draw_arrivals(seed, np.frombuffer(new), replications)


# Class and lifetime of a customer from its uniforms: the exact rules (one binary search per
# customer), which define the results, and look-up tables that give the same bits faster.


def _class_by_search(u: np.ndarray, inputs: CohortInputs) -> np.ndarray:
    """Class (0 … C−1) of the customers with class uniforms ``u``: the exact rule, a binary
    search in the cumulative class shares (non-decreasing in ``u``)."""
    cum = np.cumsum(inputs.class_weights)
    return np.minimum(np.searchsorted(cum / cum[-1], u, side="right"),
                      len(inputs.class_weights) - 1)


def _survival_keys(inputs: CohortInputs) -> np.ndarray:
    """Survival at tenure 0 … T of every class as one ascending array (class c: 2c − S_c(k)).

    Shape (C·(T+1),); the last tenure entry of a class is "renewed at the end of the last
    period".
    """
    surv = survival_from_retention(inputs.retention)                     # (C, T)
    full = np.concatenate([surv, surv[:, -1:] * inputs.retention[:, -1:]], axis=1)  # (C, T+1)
    return (-full + 2.0 * np.arange(len(inputs.class_weights))[:, None]).ravel()


def _lifetime_by_search(u: np.ndarray, klass: np.ndarray, keys: np.ndarray,
                        width: int) -> np.ndarray:
    """Lifetime K = #{k : S_c(k) > u} (periods, 0 … T+1) of customers of classes ``klass``
    with lifetime uniforms ``u``: the exact rule, a binary search in ``keys``
    (:func:`_survival_keys`; ``width`` = T+1 entries a class). For a class c ≥ 1 the
    comparison is of the rounded 2c − S_c(k) with the rounded 2c − u, and that rounding is
    part of the rule. Non-increasing in ``u`` (rounding is monotone)."""
    return np.searchsorted(keys, -u + 2.0 * klass, side="left") - klass * width


def _table_bits(n_class: int) -> int:
    """Bucket bits for ``n_class`` classes: 14 up to 16 classes, 13 up to 32, 12 up to 64…
    (at least 8)."""
    return max(8, min(_TABLE_BITS, (_TABLE_ENTRIES // n_class).bit_length() - 1))


def _bucket_edges(bits: int) -> np.ndarray:
    """The edges j / 2^bits (j = 0 … 2^bits) of the 2^bits buckets of a hash's top bits:
    bucket j holds the uniforms in [edge j, edge j+1) (exact binary fractions)."""
    return np.arange((1 << bits) + 1) / float(1 << bits)


def _count_below(points: np.ndarray, thresholds: np.ndarray, strict: bool) -> np.ndarray:
    """``#{i : thresholds[i] < points[j]}`` (strict) or ``≤`` for every j, by one binary
    search per threshold (not per point); ``points`` ascending."""
    where = np.searchsorted(points, thresholds, side="right" if strict else "left")
    return np.cumsum(np.bincount(where, minlength=len(points) + 1))[:len(points)]


def _step_table(at_edges: np.ndarray, dtype: type[np.signedinteger[Any]]) -> np.ndarray:
    """A monotone step function's value on each bucket, from its values at the bucket edges
    (:func:`_bucket_edges`): the value where it is the same at both edges of a bucket
    (so on the whole bucket), else :data:`_STRADDLES` (somewhere inside it steps, or
    exactly at its upper edge: such a bucket is resolved exactly too)."""
    low, high = at_edges[:-1], at_edges[1:]
    return np.where(low == high, low, _STRADDLES).astype(dtype)


def _class_table(class_weights: np.ndarray, bits: int) -> np.ndarray:
    """First row of each bucket's class in the lifetime table (class × 2^bits), shape
    (2^bits,) (:func:`_step_table` of :func:`_class_by_search`)."""
    cum = np.cumsum(class_weights)
    at_edges = np.minimum(_count_below(_bucket_edges(bits), cum / cum[-1], strict=False),
                          len(cum) - 1)
    return _step_table(at_edges << bits, np.int64)


def _lifetime_table(keys: np.ndarray, n_class: int, width: int, bits: int) -> np.ndarray:
    """Lifetime on each (class, bucket of the lifetime hash), shape (C · 2^bits,), row-major,
    from :func:`_lifetime_by_search` at the bucket edges (counted per survival value): the
    lifetime where it is the same at both edges; −1 − K where it is K + 1 at the lower edge
    and K at the upper one (one step inside: K or K + 1); else :data:`_MANY_STEPS`."""
    dtype = np.int16 if width + 1 < 1 << 15 else np.int32     # up to T+2 (padding)
    edges = _bucket_edges(bits)
    rows = []
    for c in range(n_class):
        # K(u) = #{k : keys[k] < −u + 2c}: the other classes' keys lie below 2c − 1 or above
        # 2c, so only class c's decide (as in the exact rule's one search over all classes).
        at_edges = _count_below((-edges + 2.0 * c)[::-1], keys[c * width:(c + 1) * width],
                                strict=True)[::-1]
        low, high = at_edges[:-1], at_edges[1:]                   # low ≥ high
        rows.append(np.where(low == high, low, np.where(low == high + 1, -1 - high,
                                                         _MANY_STEPS)).astype(dtype))
    return np.concatenate(rows)


@lru_cache(maxsize=16)
def _tables(bits: int, width: int, keys: bytes, class_weights: bytes
            ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_class_table` and :func:`_lifetime_table` (read-only) of survival keys and class
    shares (their float64 bytes: :func:`_survival_keys`, ``class_weights``), cached: a
    dashboard's scenario and its baseline, and every lever that leaves retention alone, share
    them (at most 1.2 MB each: :data:`_TABLE_ENTRIES`)."""
    weights = np.frombuffer(class_weights)
    class_table = _class_table(weights, bits)
    life_table = _lifetime_table(np.frombuffer(keys), len(weights), width, bits)
    class_table.flags.writeable = False
    life_table.flags.writeable = False
    return class_table, life_table


def _tables_apply(keys: np.ndarray, inputs: CohortInputs) -> bool:
    """Whether survival and class shares are monotone and finite, as the look-up tables
    assume (always, for rates in [0, 1] and weights ≥ 0; otherwise every customer is
    resolved by the exact rules)."""
    cum = np.cumsum(inputs.class_weights)
    return bool(np.all(np.diff(keys) >= 0) and np.all(np.diff(cum) >= 0)
                and np.isfinite(cum[-1]) and cum[-1] > 0)


class _LifetimeSampler:
    """Draws the customers' classes and lifetimes of a run, block by block.

    Each customer's uniforms are :func:`hashed_uniforms` of its (replication, cohort, index);
    its class and lifetime are the exact rules :func:`_class_by_search` and
    :func:`_lifetime_by_search` of those uniforms, bit for bit, found by look-up instead of
    a binary search per customer. The top ``bits`` bits of a hash (:func:`_table_bits`)
    pick a bucket, a range of 2^(53 − bits) consecutive uniforms; both rules are monotone in
    the uniform, so a rule that gives the same value at a bucket's two edges gives it on the
    whole bucket, and the table holds that value. The buckets whose edges differ straddle a
    step (a class boundary, a survival value): their customers, at most one bucket in
    2^bits per step (under 1 % of customers at 120 monthly periods), are resolved exactly:
    by one comparison with the step where a bucket holds one survival step (the comparison
    the rule makes), else by the rule's binary search.

    Memory: the lifetime table has classes × 2^bits entries of 2 bytes (4 from 32,766
    periods on), at most 2¹⁸ entries up to 1,024 classes; the class table 2^bits entries
    of 8 bytes (both cached, :func:`_tables`); two work arrays of ``block`` customers
    (:data:`_BLOCK`), 8 bytes each, three with several classes.
    """

    def __init__(self, seed: int, inputs: CohortInputs, block: int = _BLOCK) -> None:
        self.n_class = len(inputs.class_weights)
        self.inputs = inputs
        self.width = inputs.retention.shape[1] + 1
        self.keys = _survival_keys(inputs)
        self.class_key = _stream_key(seed, _STREAM_CLASS)
        self.life_key = _stream_key(seed, _STREAM_LIFETIME)
        self.bits = bits = _table_bits(self.n_class)
        self.bucket_shift = np.uint64(64 - bits)
        self.buckets = 1 << bits
        if _tables_apply(self.keys, inputs):
            self.class_table, self.life_table = _tables(
                bits, self.width, self.keys.tobytes(),
                np.asarray(inputs.class_weights, dtype=float).tobytes())
        else:
            self.class_table = np.full(self.buckets, _STRADDLES, dtype=np.int64)
            self.life_table = np.full(self.n_class * self.buckets, _MANY_STEPS, dtype=np.int32)
        self.hash = np.empty(block, dtype=np.uint64)
        self.work = np.empty(block, dtype=np.uint64)
        self.row = np.empty(block if self.n_class > 1 else 0, dtype=np.int64)

    def _mix(self, words: np.ndarray, key: np.uint64) -> tuple[np.ndarray, np.ndarray]:
        """The partial hashes of ``words`` in ``key``'s stream (:func:`_partial_hash`, in
        the work buffers) and their buckets (top bits, as int64)."""
        n = len(words)
        z, t = self.hash[:n], self.work[:n]
        np.bitwise_xor(words, key, out=z)
        np.add(z, _GOLDEN, out=z)
        for shift, mult in ((30, _MIX1), (27, _MIX2)):
            np.right_shift(z, np.uint64(shift), out=t)
            np.bitwise_xor(z, t, out=z)
            np.multiply(z, mult, out=z)
        np.right_shift(z, self.bucket_shift, out=t)
        return z, t.view(np.int64)

    def lifetimes(self, words: np.ndarray) -> np.ndarray:
        """Lifetime (periods active, 0 … T+1; int16 or int32) of the customers with hash
        words ``words`` ((replication << 48) ^ (cohort << 28) ^ index; at most ``block``)."""
        row = None
        if self.n_class > 1:
            row = self.rows(*self._mix(words, self.class_key), out=self.row[:len(words)])
        return self.lookup(row, *self._mix(words, self.life_key))

    def buckets_of(self, partial: np.ndarray) -> np.ndarray:
        """The bucket (top ``bits`` bits, int64) of each partial hash (the hash's top bits)."""
        return (partial >> self.bucket_shift).astype(np.int64)

    def rows(self, partial: np.ndarray, bucket: np.ndarray, out: np.ndarray | None = None
             ) -> np.ndarray:
        """First entry in the lifetime table of the class of each customer with class-stream
        partial hashes ``partial`` (:func:`_partial_hash`; buckets ``bucket``): class ×
        2^bits (int64)."""
        row = np.take(self.class_table, bucket, out=out, mode="clip")
        odd = np.flatnonzero(row < 0)
        if len(odd):
            row[odd] = _class_by_search(_unit(_finish_hash(partial[odd])),
                                        self.inputs) << self.bits
        return row

    def lookup(self, row: np.ndarray | None, partial: np.ndarray, bucket: np.ndarray
               ) -> np.ndarray:
        """Lifetime of each customer with lifetime-stream partial hashes ``partial``
        (:func:`_partial_hash`; buckets ``bucket``) and class rows ``row`` (:meth:`rows`;
        None: one class). ``row`` is overwritten."""
        index = bucket if row is None else np.add(row, bucket, out=row)
        lifetime = np.take(self.life_table, index, mode="clip")
        odd = np.flatnonzero(lifetime < 0)
        if len(odd):
            lifetime[odd] = self._resolve(lifetime[odd].astype(np.int64), index[odd] >> self.bits,
                                          _unit(_finish_hash(partial[odd])))
        return lifetime

    def _resolve(self, entry: np.ndarray, klass: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Lifetimes of customers in straddling buckets (table entries ``entry`` < 0, classes
        ``klass``, uniforms ``u``), as :func:`_lifetime_by_search` gives them: over one step
        K … K + 1 (entry −1 − K), K + [2c − S_c(K) < 2c − u] (rounded, as the rule compares;
        the keys below K are below, those above K are not); else by the rule itself."""
        needle = -u + 2.0 * klass
        step = -1 - entry
        one = entry != _MANY_STEPS
        at = np.where(one, klass * self.width + step, 0)
        out = np.where(one, step + (self.keys[at] < needle), 0)
        many = np.flatnonzero(~one)
        if len(many):
            out[many] = _lifetime_by_search(u[many], klass[many], self.keys, self.width)
        return out


def _customer_blocks(flat: np.ndarray, r0: int, periods: int, block: int
                     ) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """The customers of the cells ``flat`` (replications r0…, cohorts 0 … T−1, row-major)
    in blocks of at most ``block``, in their fixed order.

    Yields ``(first, per_cell, words)``: the first cell of the block, its customers in
    each cell from ``first`` on, and each customer's hash word
    ``(replication << 48) ^ (cohort << 28) ^ index`` (index within its cell).
    """
    cum = np.cumsum(flat)
    total = int(cum[-1]) if len(cum) else 0
    start = cum - flat
    cell = np.arange(len(flat), dtype=np.uint64)
    base = (((cell // np.uint64(periods) + np.uint64(r0)) << np.uint64(48))
            ^ ((cell % np.uint64(periods)) << np.uint64(28)))
    small = total == 0 or int(flat.max()) < _INDEX_LIMIT
    # word = base + index = (base − start) + position while index < 2²⁸ (mod 2⁶⁴).
    offset = base - start.astype(np.uint64)
    counter = np.arange(block, dtype=np.uint64)
    for begin in range(0, total, block):
        end = min(begin + block, total)
        first = int(np.searchsorted(cum, begin, side="right"))
        last = int(np.searchsorted(cum, end - 1, side="right")) + 1
        per_cell = np.minimum(cum[first:last], end) - np.maximum(start[first:last], begin)
        if small:
            words = np.repeat(offset[first:last] + np.uint64(begin), per_cell)
            words += counter[:end - begin]
        else:
            index = (counter[:end - begin] + np.uint64(begin)
                     - np.repeat(start[first:last].astype(np.uint64), per_cell))
            words = np.repeat(base[first:last], per_cell) ^ index
        yield first, per_cell, words


def _add_in_order(total: np.ndarray, values: np.ndarray, r0: int, first: int,
                  per_cell: np.ndarray, periods: int) -> None:
    """``total[r] += v`` for each customer's value, one customer after the other (the sums
    of ``np.add.at``, bit for bit), by one running sum per replication of the block.

    Args:
        total: per-replication sums, shape (R,), updated in place.
        values: the block's values (overwritten), its customers from cell ``first`` on
            (``per_cell`` customers a cell; cell = local replication × T + cohort; the
            block's replications start at ``r0``).
    """
    cells = np.arange(first, first + len(per_cell))
    ends = np.cumsum(per_cell)
    last_cell = np.flatnonzero(np.diff(cells // periods, append=-1))   # last cell per replication
    begin = 0
    for cell in last_cell:
        end = int(ends[cell])
        if end > begin:
            run = values[begin:end]
            rep = r0 + (first + int(cell)) // periods
            run[0] += total[rep]
            np.add.accumulate(run, out=run)
            total[rep] = run[-1]
        begin = end


_LOCKSTEP = 8
"""Replications (at least) whose customers are drawn in lockstep (:func:`_lockstep_blocks`)."""


def _in_lockstep(sub: np.ndarray, block: int) -> bool:
    """Whether to draw the replications ``sub`` (customers by replication and cohort) in
    lockstep, in blocks of ``block``: enough of them to sum side by side (and at most
    ``block``), of similar sizes (padding under 25 %)."""
    totals = sub.sum(axis=1)
    return bool(_LOCKSTEP <= len(sub) <= block and totals.sum() > 0
                and int(sub.max()) < _INDEX_LIMIT
                and len(sub) * int(totals.max()) <= 1.25 * int(totals.sum()))


def _count(hist: np.ndarray, cells: np.ndarray, runs: np.ndarray, lifetime: np.ndarray
           ) -> None:
    """``hist[cell, K] +=`` the customers of each run with lifetime K.

    Args:
        hist: customers by cell and lifetime, shape (cells, T+2), updated in place.
        cells, runs: the block's runs of one cell's customers, in order: their cells and
            lengths.
        lifetime: the block's customers' lifetimes.
    """
    key = np.repeat(cells * hist.shape[1], runs)
    key += lifetime
    np.add.at(hist.reshape(-1), key, hist.dtype.type(1))


def _lockstep_blocks(sub: np.ndarray, r0: int, block: int
                     ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """The customers of replications r0 … r0+n−1 in lockstep: block j holds, for each
    replication, its customers ranked j·m … (j+1)·m − 1 in the replication's fixed order
    (m = ``block`` // n ≥ 1), one row per replication, padded to m.

    Args:
        sub: customers by (replication, cohort), shape (n, T); every cell under 2²⁸.

    Yields ``(cells, counts, words, lengths)``: the block's runs of one cell's customers,
    row by row (cell = local replication × T + cohort; n × T for padding) and their
    lengths; the hash words ``(replication << 48) ^ (cohort << 28) ^ index``, shape
    (n · m,), row-major (padding gets arbitrary words); each row's real customers.
    """
    n, periods = sub.shape
    m = max(1, block // n)
    cum = np.cumsum(sub, axis=1)
    start = cum - sub
    cell = np.arange(n * periods, dtype=np.uint64).reshape(n, periods)
    base = (((cell // np.uint64(periods) + np.uint64(r0)) << np.uint64(48))
            ^ ((cell % np.uint64(periods)) << np.uint64(28)))
    # word = base + index = (base − start) + rank (mod 2⁶⁴); the last column pads.
    offset = np.concatenate([base - start.astype(np.uint64), np.zeros((n, 1), np.uint64)],
                            axis=1)
    cells = np.concatenate([np.arange(n * periods).reshape(n, periods),
                            np.full((n, 1), n * periods)], axis=1).ravel()
    counter = np.arange(m, dtype=np.uint64)
    counts = np.empty((n, periods + 1), dtype=np.int64)
    for low in range(0, int(cum[:, -1].max()), m):
        np.clip(np.minimum(cum, low + m) - np.maximum(start, low), 0, None,
                out=counts[:, :periods])
        lengths = counts[:, :periods].sum(axis=1)
        counts[:, periods] = m - lengths
        words = np.repeat((offset + np.uint64(low)).ravel(), counts.ravel())
        words.reshape(n, m)[:] += counter                  # each row: its ranks low … low+m−1
        runs = np.flatnonzero(counts)
        yield cells[runs], counts.ravel()[runs], words, lengths


def _even_rows(longest: int, most: int) -> int:
    """Customers of each replication per lockstep block: at most ``most``, as few blocks as
    that allows (for the replication with ``longest`` customers), as even as they can be (the
    least padding in the last block). Results do not depend on it."""
    blocks = max(1, -(-longest // most))
    return max(1, -(-longest // blocks))


def _add_lockstep(total: np.ndarray, values: np.ndarray) -> None:
    """``total[r] += v`` for each value of column r, one row after the other (the sums of
    ``np.add.at`` in that order, bit for bit): one reduction over the rows, the columns side
    by side.

    Args:
        total: per-replication sums, shape (n,), updated in place (never −0.0: sums that
            start at +0.0 are not, so padding with +0.0 leaves them unchanged).
        values: (m, n), C-contiguous, overwritten: row i holds each replication's i-th value.
    """
    values[0] += total
    # Over axis 0 of a C-contiguous array numpy adds row after row into the result (pairwise
    # summation is only along the contiguous axis), so each column is summed in order.
    total[:] = np.add.reduce(values, axis=0)


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
    # blocks of customers: memory O(customers in a block + chunk × periods²).
    width = periods + 2                                                  # lifetimes 0 … T+1
    lifetimes = np.arange(width)
    value_by_lifetime = np.append(cum_value[np.clip(lifetimes - shift, 0, periods)]
                                  - cum_cost[np.clip(lifetimes, 0, periods)], 0.0)  # 0: padding
    block = min(_BLOCK, CUSTOMER_CHUNK)
    sampler = _LifetimeSampler(seed, inp, block)
    step = replication_chunk(periods)
    value_sum = np.zeros(replications)
    periods_out: dict[str, np.ndarray] = {}
    yearly: dict[str, np.ndarray] = {}
    for r0 in range(0, replications, step):
        sub = counts[r0:r0 + step]
        n_sub = sub.shape[0]
        # Customers by (replication, cohort) row and lifetime; the last row counts padding.
        # Counts of a cell and their cumulative sums stay under its customers.
        small = int(sub.max(initial=0)) < np.iinfo(np.int32).max
        hist = np.zeros((n_sub * periods + 1, width), dtype=np.int32 if small else np.int64)
        if _in_lockstep(sub, block):
            for cells, runs, words, lengths in _lockstep_blocks(
                    sub, r0, n_sub * _even_rows(int(sub.sum(axis=1).max()), block // n_sub)):
                lifetime = sampler.lifetimes(words)
                _count(hist, cells, runs, lifetime)
                rows = lifetime.reshape(n_sub, -1)
                for r in np.flatnonzero(lengths < rows.shape[1]):
                    rows[r, lengths[r]:] = width                         # padding: value 0
                _add_lockstep(value_sum[r0:r0 + n_sub],
                              np.ascontiguousarray(np.take(value_by_lifetime, rows.T)))
                del lifetime, rows, words
        else:
            for first, per_cell, words in _customer_blocks(sub.ravel(), r0, periods, block):
                lifetime = sampler.lifetimes(words)
                _count(hist, np.arange(first, first + len(per_cell)), per_cell, lifetime)
                _add_in_order(value_sum, np.take(value_by_lifetime, lifetime), r0, first,
                              per_cell, periods)
                del lifetime, words
        # → customers with lifetime ≤ K → with lifetime > K (in place): alive at tenure k:
        # K > k; renewed at its end: K > k + 1 (exact counts, views).
        cumulative = hist[:-1]
        np.cumsum(cumulative, axis=1, out=cumulative)
        np.subtract(cumulative[:, -1:].copy(), cumulative, out=cumulative)
        by_tenure = cumulative.reshape(n_sub, periods, width)
        alive, renewed = by_tenure[:, :, :periods], by_tenure[:, :, 1:periods + 1]
        series = account_periods(scenario, inp, sub.astype(float), alive, renewed)
        # This chunk's rows of every series (the whole run's arrays, filled chunk by chunk).
        for out, part in ((periods_out, series.as_dict(copy=False)),
                          (yearly, yearly_from_periods(series, alive, ppy,
                                                       scenario.horizon_years))):
            for key, values in part.items():
                if key not in out:
                    out[key] = np.empty((replications, *values.shape[1:]), dtype=values.dtype)
                out[key][r0:r0 + n_sub] = values
        del hist, cumulative, by_tenure, alive, renewed, series
    total = PeriodSeries(**periods_out, **per_tenure)
    acquired = counts.sum(axis=1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        clv_gross = value_sum / acquired
    kpis = total.kpis(yearly, clv_gross, scenario.market.size)

    customer_periods = int(((periods - np.arange(periods))[None, :] * counts).sum())
    return McResult(replications, periods_out, yearly, kpis,
                    int(acquired.sum()), customer_periods)
