"""Monte Carlo engine: agreement with the cohort engine, determinism, common random numbers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.stats import poisson

import sim.montecarlo as mc
from sim.accounting import PeriodSeries, _cash_flows, money_terms, tenure_values
from sim.budget import CUSTOMER_CHUNK, replication_chunk
from sim.cohort import CohortInputs, cohort_inputs, run_cohort
from sim.montecarlo import hashed_uniforms, run_monte_carlo
from sim.retention import survival_from_retention
from sim.scenario import replace_path
from sim.scenario_io import load
from tests.conftest import ROOT

SCENARIOS = ROOT / "scenarios"


def _monthly_sbg():
    s = load(SCENARIOS / "baseline.toml")
    s = replace_path(s, "acquisition.mode", "constant")
    s = replace_path(s, "acquisition.constant", 1200.0)
    return replace_path(s, "acquisition.years", 3)


def _end_timing():
    s = load(SCENARIOS / "textbook_five_cohorts.toml")
    return replace_path(s, "finance.cash_timing", "end")


def _paid():
    s = load(SCENARIOS / "baseline.toml")
    s = replace_path(s, "acquisition.mode", "paid")
    s = replace_path(s, "acquisition.years", 5)
    s = replace_path(s, "acquisition.budget_per_year", 40_000.0)
    s = replace_path(s, "market.size", 20_000.0)
    return replace_path(s, "crm_system.enabled", True)


def _satisfaction_with_programme():
    s = replace_path(_monthly_sbg(), "retention.model", "satisfaction")
    s = replace_path(s, "programmes.points.enabled", True)
    return replace_path(s, "programmes.community.enabled", True)


def _programme_crm_end_timing():
    s = replace_path(_satisfaction_with_programme(), "crm_system.enabled", True)
    return replace_path(s, "finance.cash_timing", "end")


CASES = {
    "satisfaction_classes_with_programmes": _satisfaction_with_programme,
    "programmes_crm_end_timing": _programme_crm_end_timing,
    "textbook": lambda: load(SCENARIOS / "textbook_magazine.toml"),
    "five_cohorts_end_timing": _end_timing,
    "monthly_sbg": _monthly_sbg,
    "paid_with_crm": _paid,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_monte_carlo_mean_agrees_with_cohort_engine(name: str) -> None:
    scenario = CASES[name]()
    expected = run_cohort(scenario)
    mc = run_monte_carlo(scenario, replications=120)
    summary = mc.kpi_summary()
    for kpi in ("clv_gross", "clv_net", "customer_equity", "npv", "customers_end", "revenue",
                "acquired"):
        mean, se = summary[kpi]["mean"], summary[kpi]["std_error"]
        assert se > 0, kpi
        assert abs(mean - expected.kpis[kpi]) <= 3 * se, (kpi, mean, expected.kpis[kpi], se)
    # Yearly customers, year by year.
    yearly_mean = mc.yearly["customers"].mean(axis=0)
    yearly_se = mc.yearly["customers"].std(axis=0, ddof=1) / np.sqrt(mc.replications)
    gap = np.abs(yearly_mean - expected.yearly["customers"].to_numpy())
    assert np.all(gap <= 3 * yearly_se + 1e-9), (gap, yearly_se)


def test_same_seed_gives_identical_output_and_other_seed_differs() -> None:
    scenario = load(SCENARIOS / "textbook_five_cohorts.toml")
    a = run_monte_carlo(scenario, replications=10)
    b = run_monte_carlo(scenario, replications=10)
    c = run_monte_carlo(dataclasses.replace(scenario, seed=scenario.seed + 1), replications=10)
    for key in a.yearly:
        np.testing.assert_array_equal(a.yearly[key], b.yearly[key])
    assert not np.array_equal(a.yearly["customers"], c.yearly["customers"])


def test_common_random_numbers_zero_delta_for_identical_economics() -> None:
    """Different scenario objects with the same economics get exactly the same draws."""
    scenario = load(SCENARIOS / "baseline.toml")
    twin = dataclasses.replace(scenario, name="a twin", description="renamed only")
    twin = replace_path(twin, "crm_system.service_saving", 99.0)   # system disabled: no effect
    a = run_monte_carlo(scenario, replications=5)
    b = run_monte_carlo(twin, replications=5)
    for key in a.kpis:
        np.testing.assert_array_equal(a.kpis[key], b.kpis[key])


def test_common_random_numbers_couple_customers_monotonically() -> None:
    """More acquisition never gives fewer customers in any replication (inverse-CDF coupling)."""
    low = load(SCENARIOS / "textbook_five_cohorts.toml")
    assert low.acquisition.mode == "constant"
    high = replace_path(low, "acquisition.constant", 1100.0)
    a = run_monte_carlo(low, replications=8)
    b = run_monte_carlo(high, replications=8)
    assert np.all(b.yearly["new"] >= a.yearly["new"])
    assert np.all(b.yearly["customers"] >= a.yearly["customers"])
    assert b.yearly["customers"].sum() > a.yearly["customers"].sum()


def test_hashed_uniforms_are_uniform_and_independent_of_batch() -> None:
    idx = np.arange(200_000)
    u = hashed_uniforms(7, 3, np.zeros_like(idx), np.zeros_like(idx), idx)
    assert 0.0 <= u.min() and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.005
    counts = np.histogram(u, bins=10, range=(0, 1))[0]
    assert counts.min() > 19_000 and counts.max() < 21_000
    # The same key gives the same number whatever else is drawn with it.
    single = hashed_uniforms(7, 3, np.zeros(1), np.zeros(1), np.array([12345]))
    assert single[0] == u[12345]


def test_customer_periods_counts_every_customer_to_the_horizon() -> None:
    scenario = load(SCENARIOS / "textbook_magazine.toml")
    mc = run_monte_carlo(scenario, replications=3)
    acquired_year1 = int(mc.yearly["new"][:, 0].sum())
    assert mc.customers == acquired_year1
    assert mc.customer_periods == acquired_year1 * scenario.periods


def test_bands_are_ordered() -> None:
    mc = run_monte_carlo(load(SCENARIOS / "textbook_five_cohorts.toml"), replications=30)
    bands = mc.bands()
    customers = bands[bands["series"] == "customers"]
    assert np.all(customers["p10"] <= customers["p50"])
    assert np.all(customers["p50"] <= customers["p90"])
    assert np.all(customers["p10"] < customers["p90"])


# --- Lifetimes by table look-up: bit for bit the old binary search -------------------------
#
# The references below are the engine as it was before the look-up tables (issue 12): one
# binary search per customer for the class and for the lifetime, customers enumerated by
# a binary search over the cells, values summed with np.add.at. The engine must give the
# same numbers, bit for bit.

_MASK28 = (1 << 28) - 1
_MASK20 = (1 << 20) - 1
_M64 = (1 << 64) - 1


def _reference_from_uniforms(u_class, u_life, inputs):
    """The old rule: class by searchsorted in the cumulative weights, then
    K = #{k : S_c(k) > u} by searchsorted in all classes' survival (class c offset by 2c)."""
    n_class = len(inputs.class_weights)
    if n_class > 1:
        cum = np.cumsum(inputs.class_weights)
        klass = np.minimum(np.searchsorted(cum / cum[-1], u_class, side="right"), n_class - 1)
    else:
        klass = np.zeros(len(u_life), dtype=np.int64)
    surv = survival_from_retention(inputs.retention)
    full = np.concatenate([surv, surv[:, -1:] * inputs.retention[:, -1:]], axis=1)
    width = full.shape[1]
    keyed = (-full + 2.0 * np.arange(n_class)[:, None]).ravel()
    return np.searchsorted(keyed, -u_life + 2.0 * klass, side="left") - klass * width


def _reference_lifetimes(seed, rep, cohort, index, inputs):
    """The old sim.montecarlo._lifetimes."""
    u_class = hashed_uniforms(seed, 2, rep, cohort, index)
    u_life = hashed_uniforms(seed, 3, rep, cohort, index)
    return _reference_from_uniforms(u_class, u_life, inputs)


def _reference_chunks(flat, chunk):
    cum = np.cumsum(flat)
    total = int(cum[-1]) if len(cum) else 0
    for begin in range(0, total, chunk):
        position = np.arange(begin, min(begin + chunk, total), dtype=np.int64)
        owner = np.searchsorted(cum, position, side="right")
        yield owner, position - (cum[owner] - flat[owner])


def _reference_arrivals(seed, new, replications):
    """The old sim.montecarlo._arrivals: scipy's Poisson ppf."""
    r = np.arange(replications)[:, None]
    a = np.arange(len(new))[None, :]
    u = hashed_uniforms(seed, 1, r, a, np.zeros_like(a))
    lam = np.broadcast_to(new, u.shape)
    counts = np.where(lam > 0, poisson.ppf(u, np.maximum(lam, 1e-300)), 0.0)
    return counts.astype(np.int64)


def _reference_calendar_layers(by_tenure):
    """The old sim.accounting.calendar_layers."""
    *lead, n_a, n_k = by_tenure.shape
    padded = np.zeros((*lead, n_a, n_k + n_a), dtype=by_tenure.dtype)
    padded[..., :n_k] = by_tenure
    flat = padded.reshape(*lead, n_a * (n_k + n_a))[..., : n_a * (n_k + n_a - 1)]
    return flat.reshape(*lead, n_a, n_k + n_a - 1)[..., :n_k]


def _reference_account_periods(scenario, inputs, new, alive, renewed):
    """The old sim.accounting.account_periods: three calendar-shifted (R, A, T) copies."""
    terms = money_terms(scenario, inputs)
    billable = alive if terms.cash_timing == "start" else renewed
    layers = _reference_calendar_layers
    active = layers(alive).sum(axis=-2)
    billable_t = active if billable is alive else layers(billable).sum(axis=-2)
    revenue = layers(billable * terms.price[:, None, :]).sum(axis=-2)
    var_cost = layers(billable * terms.variable_cost[:, None, :]).sum(axis=-2)
    member_cost = (None if terms.programme_cost is None else
                   layers(alive * terms.programme_cost[:, None, :]).sum(axis=-2))
    return _cash_flows(terms, new, active, billable_t, revenue, var_cost, member_cost,
                       tenure_values(scenario, inputs))


def _reference_yearly(series, alive, ppy, years):
    """The old sim.accounting.yearly_from_periods (customers kept year by year)."""
    n_rep = series.new.shape[0]

    def by_year(x):
        return x.reshape(n_rep, years, ppy).sum(axis=2)

    year_end = np.arange(1, years + 1) * ppy - 1
    customers = series.active[:, year_end]
    kept = np.zeros((n_rep, years))
    for y in range(1, years):
        cohorts = np.arange(y * ppy)
        kept[:, y] = np.cumsum(alive[:, cohorts, year_end[y] - cohorts], axis=1)[:, -1]
    prev = np.concatenate([np.full((n_rep, 1), np.nan), customers[:, :-1]], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        retention = np.where(prev > 0, kept / prev, np.nan)
    yearly = {"year": np.broadcast_to(np.arange(1, years + 1), (n_rep, years)),
              "new": by_year(series.new), "customers": customers,
              "churned": by_year(series.churned), "retention": retention}
    for name in ("revenue", "variable_cost", "acquisition_spend", "programme_cost",
                 "system_cost", "cost_saving", "profit", "discounted_profit"):
        yearly[name] = by_year(getattr(series, name))
    yearly["cumulative_discounted_profit"] = np.cumsum(yearly["discounted_profit"], axis=1)
    return yearly


def _reference_run(scenario, replications):
    """The old run_monte_carlo, verbatim but for the names (and the old arrivals, accounting
    and yearly series, above)."""
    inp = cohort_inputs(scenario)
    seed = scenario.seed
    periods, ppy = scenario.periods, scenario.periods_per_year
    counts = _reference_arrivals(seed, inp.new, replications)
    per_tenure = tenure_values(scenario, inp)
    cum_value = np.concatenate([[0.0], np.cumsum(per_tenure["clv_by_tenure"])])
    cum_cost = np.concatenate([[0.0], np.cumsum(per_tenure["retention_cost_by_tenure"])])
    shift = 0 if scenario.finance.cash_timing == "start" else 1
    width = periods + 2
    step = replication_chunk(periods)
    value_sum = np.zeros(replications)
    parts = []
    for r0 in range(0, replications, step):
        sub = counts[r0:r0 + step]
        n_sub = sub.shape[0]
        hist = np.zeros(n_sub * periods * width, dtype=np.int64)
        for owner, index in _reference_chunks(sub.ravel(), CUSTOMER_CHUNK):
            rep_local, cohort = owner // periods, owner % periods
            lifetime = _reference_lifetimes(seed, rep_local + r0, cohort, index, inp)
            hist += np.bincount((rep_local * periods + cohort) * width + lifetime,
                                minlength=hist.size)
            value = (cum_value[np.clip(lifetime - shift, 0, periods)]
                     - cum_cost[np.clip(lifetime, 0, periods)])
            np.add.at(value_sum, rep_local + r0, value)
        at_least = np.cumsum(hist.reshape(n_sub, periods, width)[:, :, ::-1], axis=2)[:, :, ::-1]
        alive = at_least[:, :, 1:periods + 1].astype(float)
        renewed = at_least[:, :, 2:periods + 2].astype(float)
        series = _reference_account_periods(scenario, inp, sub.astype(float), alive, renewed)
        parts.append((dataclasses.asdict(series), _reference_yearly(series, alive, ppy,
                                                                    scenario.horizon_years)))
        for key in ("clv_by_tenure", "retention_cost_by_tenure", "acquisition_discount",
                    "acquisition_cost"):
            parts[-1][0].pop(key)
    periods_out = {k: np.concatenate([p[0][k] for p in parts]) for k in parts[0][0]}
    yearly = {k: np.concatenate([p[1][k] for p in parts]) for k in parts[0][1]}
    total = PeriodSeries(**periods_out, **per_tenure)
    acquired = counts.sum(axis=1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        clv_gross = value_sum / acquired
    kpis = total.kpis(yearly, clv_gross, scenario.market.size)
    return periods_out, yearly, kpis


def _assert_same_run(result, reference) -> None:
    periods_out, yearly, kpis = reference
    for got, want in ((result.periods, periods_out), (result.yearly, yearly),
                      (result.kpis, kpis)):
        assert sorted(got) == sorted(want)
        for key in want:
            # Bit for bit: same bytes (NaN where the reference has NaN, signed zeros alike).
            assert np.asarray(got[key]).tobytes() == np.asarray(want[key]).tobytes(), key


def _spread_satisfaction():
    s = replace_path(_satisfaction_with_programme(), "retention.churn_timing", "spread")
    return replace_path(s, "satisfaction.classes", 7)


def _crm_system():
    """Constant prices that scale the counts exactly (sim.accounting._exactly_scaled)."""
    return load(SCENARIOS / "whatif_crm_system.toml")


def _crm_system_end_timing_first_year_price():
    s = replace_path(_crm_system(), "finance.cash_timing", "end")
    return replace_path(s, "pricing.first_year_price", 299.0)


def _crm_system_odd_price():
    """One price by tenure that does not scale exactly (the counts are summed)."""
    s = replace_path(_crm_system(), "pricing.first_year_price", 359.99)
    return replace_path(s, "pricing.renewal_price", 359.99)


RUN_CASES = dict(CASES, spread_seven_classes=_spread_satisfaction,
                 false_loyalty=lambda: load(SCENARIOS / "lesson_false_loyalty.toml"),
                 crm_system=_crm_system,
                 crm_end_timing_first_year_price=_crm_system_end_timing_first_year_price,
                 crm_odd_price=_crm_system_odd_price)


@pytest.mark.parametrize("replications", [7, 20])
@pytest.mark.parametrize("name", sorted(RUN_CASES))
def test_whole_run_is_bit_identical_to_the_binary_search_engine(name: str,
                                                               replications: int) -> None:
    """7 replications: drawn one after the other; 20: in lockstep (summed side by side)."""
    scenario = RUN_CASES[name]()
    assert mc._in_lockstep(np.ones((replications, 3)), mc._BLOCK) == (
        replications >= mc._LOCKSTEP)
    _assert_same_run(run_monte_carlo(scenario, replications=replications),
                     _reference_run(scenario, replications))


def test_whole_run_is_bit_identical_in_small_blocks_and_chunks(monkeypatch) -> None:
    """Blocks that split cells and replications (in lockstep: down to one customer a
    replication), several replication chunks, the XOR path of the hash words and the
    search-everyone fallback all give the same bits."""
    scenario = _spread_satisfaction()
    reference = _reference_run(scenario, 9)
    for block in (777, 9):                           # 9: one customer a replication
        monkeypatch.setattr(mc, "_BLOCK", block)
        _assert_same_run(run_monte_carlo(scenario, replications=9), reference)
    monkeypatch.setattr(mc, "_BLOCK", 777)
    monkeypatch.setattr(mc, "replication_chunk", lambda periods: 2)
    _assert_same_run(run_monte_carlo(scenario, replications=9), reference)
    monkeypatch.setattr(mc, "replication_chunk", lambda periods: 8)      # lockstep, then one
    _assert_same_run(run_monte_carlo(scenario, replications=9), reference)
    monkeypatch.setattr(mc, "_INDEX_LIMIT", 0)
    _assert_same_run(run_monte_carlo(scenario, replications=9), reference)
    monkeypatch.setattr(mc, "_tables_apply", lambda keys, inputs: False)
    _assert_same_run(run_monte_carlo(scenario, replications=9), reference)


def test_unequal_replications_are_not_drawn_in_lockstep() -> None:
    sub = np.ones((10, 4), dtype=np.int64)
    assert mc._in_lockstep(sub, 10)
    assert not mc._in_lockstep(sub, 9)               # a block holds a customer of each
    assert not mc._in_lockstep(sub[:7], 10)          # too few to sum side by side
    sub[0] = 100                                     # padding the others would cost > 25 %
    assert not mc._in_lockstep(sub, 10)
    assert not mc._in_lockstep(np.zeros((10, 4), dtype=np.int64), 10)


def test_whole_run_with_one_class_and_one_period() -> None:
    scenario = load(SCENARIOS / "textbook_magazine.toml")
    scenario = dataclasses.replace(scenario, horizon_years=1)
    scenario = replace_path(scenario, "acquisition.years", 1)
    assert scenario.periods == 1
    _assert_same_run(run_monte_carlo(scenario, replications=4), _reference_run(scenario, 4))


def _fields(words: np.ndarray):
    """(replication, cohort, index) of hash words."""
    return ((words >> np.uint64(48)).astype(np.int64),
            ((words >> np.uint64(28)) & np.uint64(_MASK20)).astype(np.int64),
            (words & np.uint64(_MASK28)).astype(np.int64))


def _inputs(retention, weights=None) -> CohortInputs:
    retention = np.atleast_2d(np.asarray(retention, dtype=float))
    c, t = retention.shape
    weights = np.full(c, 1.0 / c) if weights is None else np.asarray(weights, dtype=float)
    return CohortInputs(new=np.ones(t), class_weights=weights, retention=retention,
                        annual_rates=retention, price=np.ones(t), variable_cost=np.zeros(t),
                        acquisition_cost=0.0)


_TOP = 2.0**53


def _hashes(uniforms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """64-bit hashes whose uniform is exactly ``uniforms`` (on the 2⁻⁵³ grid), random low bits."""
    top = (uniforms * _TOP).astype(np.uint64)
    assert np.array_equal(top.astype(np.float64) / _TOP, uniforms)
    return (top << np.uint64(11)) | rng.integers(0, 1 << 11, len(top), dtype=np.uint64)


def _partial(hashes: np.ndarray) -> np.ndarray:
    """The partial hashes (SplitMix64 but its last step z ^= z >> 31) of full hashes."""
    partial = hashes.copy()
    for _ in range(3):
        partial = hashes ^ (partial >> np.uint64(31))
    assert np.array_equal(mc._finish_hash(partial), hashes)
    return partial


def test_partial_hashes_keep_the_top_bits_and_finish_into_the_uniforms() -> None:
    rng = np.random.default_rng(10)
    rep, cohort, index = (rng.integers(0, 1 << b, 5000) for b in (16, 20, 28))
    words = ((rep.astype(np.uint64) << np.uint64(48)) ^ (cohort.astype(np.uint64) << np.uint64(28))
             ^ index.astype(np.uint64))
    sampler = mc._LifetimeSampler(3, _inputs(np.full((2, 4), 0.9)), block=5000)
    partial, bucket = sampler._mix(words, mc._stream_key(3, 3))
    np.testing.assert_array_equal(partial, mc._partial_hash(words ^ mc._stream_key(3, 3)))
    full = mc._finish_hash(partial)
    np.testing.assert_array_equal(mc._unit(full), hashed_uniforms(3, 3, rep, cohort, index))
    np.testing.assert_array_equal(bucket, (full >> np.uint64(64 - sampler.bits)).astype(np.int64))


def _around(x: np.ndarray) -> np.ndarray:
    """The uniforms on the 2⁻⁵³ grid nearest to ``x`` and one step either side (in [0, 1))."""
    m = np.round(np.clip(np.ravel(x), 0.0, 1.0) * _TOP)
    grid = np.unique(np.concatenate([m - 1, m, m + 1]))
    return grid[(grid >= 0) & (grid < _TOP)] / _TOP


def _bucket_ends(every: int, bits: int) -> np.ndarray:
    """Both ends of every ``every``-th look-up bucket (2^bits buckets)."""
    low = np.arange(0, 1 << bits, every) / 2.0**bits
    return np.concatenate([low, low + 2.0**-bits - 1 / _TOP])


def _critical_pairs(inputs: CohortInputs, rng: np.random.Generator, every: int,
                    bits: int):
    """(class uniform, lifetime uniform) pairs where a wrong table would show: for each class,
    its survival steps (exactly, and one grid step either side), bucket ends, 0 and the
    largest uniform; and class uniforms at the class boundaries and bucket ends."""
    surv = survival_from_retention(inputs.retention)
    full = np.concatenate([surv, surv[:, -1:] * inputs.retention[:, -1:]], axis=1)
    cum = np.cumsum(inputs.class_weights)
    bounds = np.concatenate([[0.0], cum / cum[-1]])
    ends = np.concatenate([_bucket_ends(every, bits), [0.0, 1.0 - 1 / _TOP]])
    u_class, u_life = [], []
    for c in range(len(inputs.class_weights)):
        life = np.concatenate([_around(full[c]), ends])
        inside = np.floor((bounds[c] + bounds[c + 1]) / 2 * _TOP) / _TOP   # a class-c uniform
        u_class.append(np.full(len(life), min(inside, 1.0 - 1 / _TOP)))
        u_life.append(life)
    classes = np.concatenate([_around(bounds), ends])
    u_class.append(classes)
    u_life.append(rng.random(len(classes)) // (1 / _TOP) / _TOP)
    return np.concatenate(u_class), np.concatenate(u_life)


def _check_lifetimes(inputs: CohortInputs, seed: int = 5, every: int = 1) -> None:
    """The look-up gives the binary search's lifetimes, bit for bit: on random customers
    (through the hash) and on customers whose uniforms sit at the critical values."""
    rng = np.random.default_rng(seed)
    sampler = mc._LifetimeSampler(seed, inputs)
    width = inputs.retention.shape[1] + 1
    words = rng.integers(0, np.iinfo(np.uint64).max, 30_000, dtype=np.uint64, endpoint=True)
    for begin in range(0, len(words), mc._BLOCK):
        part = words[begin:begin + mc._BLOCK]
        got = sampler.lifetimes(part)
        np.testing.assert_array_equal(got, _reference_lifetimes(seed, *_fields(part), inputs))
    u_class, u_life = _critical_pairs(inputs, rng, every, sampler.bits)
    for begin in range(0, len(u_life), mc._BLOCK):
        uc, ul = u_class[begin:begin + mc._BLOCK], u_life[begin:begin + mc._BLOCK]
        hc, hl = _partial(_hashes(uc, rng)), _partial(_hashes(ul, rng))
        row = (sampler.rows(hc, sampler.buckets_of(hc))
               if len(inputs.class_weights) > 1 else None)
        got = sampler.lookup(row, hl, sampler.buckets_of(hl))
        want = _reference_from_uniforms(uc, ul, inputs)
        np.testing.assert_array_equal(got, want)
        assert got.min() >= 0 and got.max() <= width
    # Tables: classes × buckets entries, a few bytes each.
    classes = len(inputs.class_weights)
    assert sampler.bits == (14 if classes <= 16 else 13 if classes <= 32 else 12)
    assert sampler.life_table.size == classes << sampler.bits <= max(1 << 18, classes << 8)
    assert sampler.life_table.itemsize <= 4 and sampler.class_table.size == 1 << sampler.bits


def _random_curves(rng: np.random.Generator, classes: int, periods: int) -> np.ndarray:
    return rng.uniform(0.3, 1.0, (classes, periods)) ** rng.uniform(0.05, 1.0, (classes, 1))


@pytest.mark.parametrize("seed", range(4))
def test_lifetime_lookup_equals_binary_search_on_random_curves(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    classes, periods = int(rng.integers(1, 9)), int(rng.integers(1, 150))
    weights = rng.dirichlet(np.ones(classes))
    _check_lifetimes(_inputs(_random_curves(rng, classes, periods), weights), seed=seed)


def test_lifetime_lookup_with_plateaus_and_monthly_renewals() -> None:
    """Retention 1 in eleven months of each tenure year (churn at anniversaries only)."""
    rng = np.random.default_rng(1)
    rates = np.ones((3, 120))
    rates[:, 11::12] = rng.uniform(0.6, 0.95, (3, 10))
    rates[1, 30:60] = 1.0
    _check_lifetimes(_inputs(rates, [0.2, 0.5, 0.3]))


def test_lifetime_lookup_with_exact_ties() -> None:
    """Dyadic survival (products of ½, ¾, 1) and class shares (¼, ¼, ½): uniforms that equal a
    survival value or a class boundary exactly occur, and must fall on the same side."""
    rates = np.array([[0.5, 1.0, 0.75, 0.5, 1.0, 0.75, 0.5, 1.0],
                      [0.75, 0.75, 0.75, 0.75, 0.5, 0.5, 0.5, 0.5],
                      [1.0, 0.5, 1.0, 0.5, 1.0, 0.5, 1.0, 0.5]])
    inputs = _inputs(rates, [0.25, 0.25, 0.5])
    surv = survival_from_retention(rates)
    assert np.array_equal(np.round(surv * _TOP) / _TOP, surv)     # on the grid: ties occur
    _check_lifetimes(inputs)
    _check_lifetimes(_inputs(rates[:1]))


def test_lifetime_lookup_when_survival_reaches_zero_or_stays_one() -> None:
    rng = np.random.default_rng(2)
    rates = rng.uniform(0.7, 1.0, (4, 40))
    rates[0, 5] = 0.0                  # nobody renews after period 6
    rates[1, 0] = 0.0                  # nobody renews at all
    rates[2] = 1.0                     # everybody stays
    rates[3, -1] = 0.0                 # nobody renews at the horizon's end
    _check_lifetimes(_inputs(rates))
    _check_lifetimes(_inputs(np.ones((1, 40))))
    _check_lifetimes(_inputs(np.zeros((1, 40))))


def test_lifetime_lookup_with_one_period_one_class_and_many_classes() -> None:
    rng = np.random.default_rng(3)
    _check_lifetimes(_inputs([[0.8]]))
    _check_lifetimes(_inputs(rng.uniform(0, 1, (5, 1)), rng.dirichlet(np.ones(5))))
    weights = rng.dirichlet(np.ones(60))
    weights[[3, 4, 17]] = 0.0          # empty classes: repeated class boundaries
    _check_lifetimes(_inputs(_random_curves(rng, 60, 120), weights), every=29)
    _check_lifetimes(_inputs(_random_curves(rng, 60, 120)), every=29)   # equal shares


def test_lifetime_lookup_with_long_horizons() -> None:
    """600 monthly periods (50 years), and a horizon past int16 lifetimes."""
    rng = np.random.default_rng(4)
    _check_lifetimes(_inputs(_random_curves(rng, 2, 600) ** 0.01), every=3)
    _check_lifetimes(_inputs(np.full((1, 40_000), 0.99995)), every=3)


def test_add_in_order_equals_add_at() -> None:
    """Per-replication sums in customer order, as np.add.at (signed zeros and all), with
    blocks that split cells and replications."""
    rng = np.random.default_rng(6)
    periods, reps, r0 = 4, 5, 3
    flat = rng.integers(0, 6, reps * periods)
    flat[[0, 7, 8, 9]] = 0                                  # empty cells, an empty replication
    n = int(flat.sum())
    values = rng.choice([-0.0, 0.0, 1e-300, 1.0, 3.3, -7e15, 1e16], n) * rng.random(n)
    values[:3] = -0.0
    owner = np.repeat(np.arange(reps * periods), flat) // periods + r0
    start = np.concatenate([np.zeros(r0), rng.choice([0.0, 0.5, -2.0], reps)])
    want = start.copy()
    np.add.at(want, owner, values)
    for block in (1, 2, 7, n):
        got = start.copy()
        done = 0
        for first, per_cell, _ in mc._customer_blocks(flat, r0, periods, block):
            size = int(per_cell.sum())
            mc._add_in_order(got, values[done:done + size].copy(), r0, first, per_cell,
                             periods)
            done += size
        assert done == n
        assert got.tobytes() == want.tobytes(), block


def test_customer_blocks_give_every_customer_its_hash_word() -> None:
    rng = np.random.default_rng(8)
    periods, r0 = 6, 9
    flat = rng.integers(0, 9, 4 * periods)
    owner = np.repeat(np.arange(len(flat)), flat)
    index = np.arange(len(owner)) - np.repeat(np.cumsum(flat) - flat, flat)
    want = ((((owner // periods) + r0).astype(np.uint64) << np.uint64(48))
            ^ ((owner % periods).astype(np.uint64) << np.uint64(28)) ^ index.astype(np.uint64))
    for block in (1, 5, 1000):
        parts = list(mc._customer_blocks(flat, r0, periods, block))
        words = np.concatenate([w for _, _, w in parts])
        np.testing.assert_array_equal(words, want)
        cells = np.concatenate([np.repeat(np.arange(f, f + len(c)), c) for f, c, _ in parts])
        np.testing.assert_array_equal(cells, owner)


@pytest.mark.parametrize("shape", [(1, 8), (3, 8), (50, 9), (200, 20), (7, 145)])
def test_add_lockstep_equals_add_at(shape) -> None:
    """Column sums row after row, as np.add.at in that order; +0.0 padding changes nothing."""
    m, n = shape
    rng = np.random.default_rng(m * n)
    values = rng.choice([-0.0, 1e-300, 1.0, 3.3, -7e15, 1e16], (m, n)) * rng.random((m, n))
    values[:, 0] = -0.0
    values[m // 2:, 1] = 0.0                         # a replication padded with +0.0
    start = rng.choice([0.0, 0.5, -2.0], n)
    want = start.copy()
    np.add.at(want, np.tile(np.arange(n), m), values.ravel())
    got = start.copy()
    mc._add_lockstep(got, values.copy())
    assert got.tobytes() == want.tobytes()
    zero = np.zeros(n)
    mc._add_lockstep(zero, np.full((m, n), -0.0))
    assert not np.signbit(zero).any()               # +0.0 + (−0.0) = +0.0, as np.add.at


def test_lockstep_blocks_give_every_customer_its_hash_word() -> None:
    rng = np.random.default_rng(9)
    periods, r0, n = 5, 4, 9
    sub = rng.integers(0, 7, (n, periods))
    sub[2] = 0                                       # a replication without customers
    for block in (1, 9, 40, 10_000):
        got = {r: [] for r in range(n)}
        counted = np.zeros(n * periods + 1, dtype=np.int64)
        for cells, runs, words, lengths in mc._lockstep_blocks(sub, r0, block):
            m = max(1, block // n)
            assert len(words) == n * m and runs.sum() == n * m
            np.add.at(counted, cells, runs)
            rows = words.reshape(n, m)
            for r in range(n):
                got[r].extend(rows[r, :lengths[r]].tolist())
        np.testing.assert_array_equal(counted[:-1], sub.ravel())
        for r in range(n):
            cohort = np.repeat(np.arange(periods), sub[r])
            index = np.arange(len(cohort)) - np.repeat(np.cumsum(sub[r]) - sub[r], sub[r])
            want = ((np.uint64(r + r0) << np.uint64(48))
                    ^ (cohort.astype(np.uint64) << np.uint64(28)) ^ index.astype(np.uint64))
            assert got[r] == want.tolist(), (block, r)


def test_lifetime_table_has_one_step_and_many_step_buckets() -> None:
    """Survival halving each period: the first steps each fall in a bucket of their own (one
    comparison), the later ones crowd into the lowest bucket (the binary search)."""
    inputs = _inputs(np.full((2, 60), 0.5), [0.5, 0.5])
    table = mc._LifetimeSampler(1, inputs).life_table
    assert (table == mc._MANY_STEPS).any()
    assert ((table < 0) & (table != mc._MANY_STEPS)).any()
    assert (table >= 0).mean() > 0.99
    _check_lifetimes(inputs)


def test_bands_without_missing_values_are_the_nan_aware_quantiles_bit_for_bit() -> None:
    """The bands skip numpy's NaN-aware quantile (a Python loop over the years) for series
    without a missing value: the same floats, and the NaN path still serves the others."""
    import warnings

    scenario = load(ROOT / "scenarios" / "whatif_crm_system.toml")
    result = run_monte_carlo(scenario, cohort_inputs(scenario), 20)
    bands = result.bands()
    for name, values in result.yearly.items():
        if name == "year":
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = np.nanquantile(values, mc.BAND_QUANTILES, axis=0)
            mean = np.nanmean(values, axis=0)
        shown = bands[bands["series"] == name]
        np.testing.assert_array_equal(shown["mean"].to_numpy(), mean)
        for q, row in zip(mc.BAND_QUANTILES, expected, strict=True):
            np.testing.assert_array_equal(shown[f"p{round(q * 100)}"].to_numpy(), row)
    assert np.isnan(result.yearly["retention"]).any()     # the NaN path is exercised too
