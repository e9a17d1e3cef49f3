"""Fast paths of the engines give the numbers of the plain ones, bit for bit (issue 12).

* Poisson arrivals: sim.montecarlo._poisson_ppf against scipy.stats.poisson.ppf on random
  uniforms and on uniforms exactly at and next to the CDF's steps (scipy's own pdtr values),
  for means from 1e-300 to past 1e6 (where scipy itself answers).
* Acquisition of one scenario: its period loop on floats against the loop on arrays.
* Calendar totals: sim.accounting.calendar_sums against calendar_layers summed; cohort_sums in
  one skewed array against the cohort-by-cohort loop; money curves that scale the counts
  exactly against the summed products; the customers kept at each year's end read at once
  against year by year.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special
from scipy.stats import poisson

import sim.accounting as accounting
import sim.acquisition as acquisition
import sim.montecarlo as mc
from sim.accounting import calendar_layers, calendar_sums, cohort_sums, yearly_from_periods
from sim.cohort import class_inputs, cohort_inputs, run_cohort
from sim.montecarlo import run_monte_carlo
from sim.scenario import replace_path
from sim.scenario_io import load
from tests.conftest import ROOT

SCENARIOS = ROOT / "scenarios"
_TOP = 2.0**53


def _on_grid(u: np.ndarray) -> np.ndarray:
    """Uniforms as the engine draws them: multiples of 2⁻⁵³ in [0, 1)."""
    return np.floor(np.clip(u, 0.0, 1.0 - 1.0 / _TOP) * _TOP) / _TOP


def _step_uniforms(mu: float, rng: np.random.Generator) -> np.ndarray:
    """Uniforms at scipy's CDF steps pdtr(k, mu) and one and two grid steps either side, for
    k over the distribution's whole range (at most 300 k, 40 above mu = 1e4, where scipy's
    ppf is slow), plus random ones."""
    most, random = (300, 2000) if mu <= 1e4 else (40, 200)
    sd = np.sqrt(mu)
    ks = np.unique(np.clip(np.round(mu + sd * np.linspace(-9, 9, most)), 0, None))
    ks = np.unique(np.concatenate([ks, np.arange(min(40, int(mu + 40 * sd + 40)))]))
    steps = special.pdtr(ks, mu)
    steps = steps[(steps > 0) & (steps < 1)]
    near = np.concatenate([np.nextafter(steps, 1.0), np.nextafter(steps, 0.0), steps,
                           np.nextafter(np.nextafter(steps, 1.0), 1.0),
                           np.nextafter(np.nextafter(steps, 0.0), 0.0)])
    grid = np.round(steps * _TOP)
    near = np.concatenate([near, *((grid + d) / _TOP for d in (-2, -1, 0, 1, 2))])
    ends = [0.0, 1.0 / _TOP, 2.0 / _TOP, 1e-300, 0.5, 1.0 - 1.0 / _TOP, 1.0 - 2.0 / _TOP]
    return np.concatenate([near[(near >= 0) & (near < 1)], ends,
                           _on_grid(rng.random(random))])


def test_poisson_quantiles_are_scipys_at_every_step_and_at_random() -> None:
    rng = np.random.default_rng(12)
    means = np.concatenate([[1e-300, 1e-200, 1e-12, 1e-6], np.geomspace(1e-3, 1e6, 150),
                            [0.5, 1.0, 2.0, 5.0, 10.0, 90.0, 1e6 - 1, 1e6, 1e6 + 1, 3e6]])
    qs, mus = [], []
    for mu in means:
        q = _step_uniforms(float(mu), rng)
        qs.append(q)
        mus.append(np.full(len(q), mu))
    # Random means with random uniforms, as the engine meets them (R × T of them); scipy
    # takes 65 µs a quantile at mu = 1e6, so fewer large ones.
    for many, top in ((700_000, 1e4), (15_000, 2e6)):
        qs.append(_on_grid(rng.random(many)))
        mus.append(np.exp(rng.uniform(np.log(1e-4), np.log(top), many)))
    q, mu = np.concatenate(qs), np.concatenate(mus)
    assert len(q) > 1_000_000
    want = poisson.ppf(q, mu)
    got = mc._poisson_ppf(q, mu)
    bad = np.flatnonzero(got.view(np.int64) != want.view(np.int64))
    assert not len(bad), (q[bad][:5], mu[bad][:5], got[bad][:5], want[bad][:5])
    # The shape is kept, and u = 0 gives scipy's −1.
    square = mc._poisson_ppf(q[:600].reshape(20, 30), mu[:600].reshape(20, 30))
    assert square.shape == (20, 30)
    assert mc._poisson_ppf(np.zeros(1), np.ones(1))[0] == poisson.ppf(0.0, 1.0) == -1.0


def test_poisson_quantiles_left_to_scipy_are_few() -> None:
    """Uniforms near a step (pdtrik's error band) go to scipy: about 1e-7 of random draws."""
    rng = np.random.default_rng(5)
    q = _on_grid(rng.random(200_000))
    calls = []
    original = mc.poisson.ppf

    def counted(u: np.ndarray, m: np.ndarray) -> np.ndarray:
        calls.append(len(u))
        return original(u, m)

    mc.poisson.ppf = counted                  # type: ignore[method-assign]
    try:
        got = mc._poisson_ppf(q, np.full(len(q), 90.0))
    finally:
        mc.poisson.ppf = original             # type: ignore[method-assign]
    np.testing.assert_array_equal(got, poisson.ppf(q, 90.0))
    assert sum(calls) <= 2


def test_arrivals_are_scipys_and_cached_read_only() -> None:
    new = np.linspace(0.0, 300.0, 24)
    new[3] = 0.0
    r = np.arange(30)[:, None]
    a = np.arange(len(new))[None, :]
    u = mc.hashed_uniforms(9, 1, r, a, np.zeros_like(a))
    lam = np.broadcast_to(new, u.shape)
    want = np.where(lam > 0, poisson.ppf(u, np.maximum(lam, 1e-300)), 0.0).astype(np.int64)
    first = mc._arrivals(9, new, 30)
    np.testing.assert_array_equal(first, want)
    assert mc._arrivals(9, new.copy(), 30) is first and not first.flags.writeable
    big = mc._arrivals(9, np.full(mc._ARRIVALS_CACHED, 5.0), 2)      # not cached
    assert big.shape == (2, mc._ARRIVALS_CACHED) and mc._arrivals(
        9, np.full(mc._ARRIVALS_CACHED, 5.0), 2) is not big


@pytest.mark.parametrize("seed", range(5))
def test_calendar_sums_are_calendar_layers_summed(seed: int) -> None:
    rng = np.random.default_rng(seed)
    reps, periods, quantities = int(rng.integers(1, 30)), int(rng.integers(1, 60)), 3
    counts = rng.integers(0, 10**6, (reps, periods, periods + 2)).astype(
        [np.int32, np.int64][seed % 2])[:, :, 1:periods + 1]                  # a view, as MC
    curves = rng.choice([0.0, 1.0, 30.0, 1 / 3, 1e-300, 7e15], (quantities, periods))
    curves *= rng.random((quantities, periods))
    got = calendar_sums(counts, curves)
    want = np.stack([calendar_layers(counts * curves[q]).sum(axis=-2)
                     for q in range(quantities)], axis=1)
    assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize("seed", range(6))
def test_cohort_sums_in_one_array_are_the_loop(seed: int, monkeypatch) -> None:
    rng = np.random.default_rng(100 + seed)
    runs, periods, quantities = int(rng.integers(1, 5)), int(rng.integers(1, 50)), 4
    new = rng.choice([0.0, -0.0, 1.0, 3.3, 1e-300, 7e15], (runs, periods))
    new *= rng.random((runs, periods))
    curves = rng.choice([0.0, -0.0, 1.0, -2.5, 1e16, np.nan], (runs, quantities, periods))
    curves *= rng.random((runs, quantities, periods))
    if seed % 2:
        curves = curves[0]                                                    # shared (Q, T)
    vectorised = cohort_sums(new, curves)
    monkeypatch.setattr(accounting, "_SKEW_LIMIT", 0)
    loop = cohort_sums(new, curves)
    assert vectorised.tobytes() == loop.tobytes()


def test_exactly_scaled_prices_are_the_summed_products(monkeypatch) -> None:
    """Constant prices that scale the counts exactly: the same bytes as summing x · price."""
    s = load(SCENARIOS / "whatif_crm_system.toml")
    cases = [s, replace_path(s, "finance.cash_timing", "end"),
             replace_path(replace_path(s, "pricing.first_year_price", 0.0),
                          "pricing.renewal_price", 0.0)]
    assert accounting._exactly_scaled(np.full(5, 30.0), 1e12)
    assert not accounting._exactly_scaled(np.full(5, 30.0), 2**52)
    assert not accounting._exactly_scaled(np.full(5, 359.99 / 12), 10**6)
    assert accounting._exactly_scaled(np.full(5, 359.99 / 12), 4)     # few: exact products
    assert not accounting._exactly_scaled(np.array([30.0, 30.0, 20.0]), 10)
    assert not accounting._exactly_scaled(np.full(3, -30.0), 10)
    for scenario in cases:
        fast = run_monte_carlo(scenario, replications=9)
        with monkeypatch.context() as m:
            m.setattr(accounting, "_exactly_scaled", lambda curve, most: False)
            plain = run_monte_carlo(scenario, replications=9)
        for part in ("periods", "yearly", "kpis"):
            for key, values in getattr(plain, part).items():
                assert getattr(fast, part)[key].tobytes() == values.tobytes(), (part, key)


@pytest.mark.parametrize("name", ["whatif_crm_system", "whatif_points_programme",
                                  "textbook_five_cohorts", "lesson_false_loyalty"])
def test_customers_kept_read_at_once_are_year_by_year(name: str, monkeypatch) -> None:
    s = load(SCENARIOS / f"{name}.toml")
    inputs = cohort_inputs(s)
    at_once = run_cohort(s, inputs), run_monte_carlo(s, inputs, 7)
    monkeypatch.setattr(accounting, "_KEPT_AT_ONCE", 0)
    by_year = run_cohort(s, inputs), run_monte_carlo(s, inputs, 7)
    for column in at_once[0].yearly:
        assert (at_once[0].yearly[column].to_numpy().tobytes()
                == by_year[0].yearly[column].to_numpy().tobytes()), column
    for key, values in by_year[1].yearly.items():
        assert at_once[1].yearly[key].tobytes() == values.tobytes(), key
    assert yearly_from_periods is accounting.yearly_from_periods


def _acquire_both(scenario, curves, monkeypatch):
    """acquire of one scenario on floats and on arrays of one."""
    on_floats = acquisition.acquire([scenario], curves[None])
    with monkeypatch.context() as m:
        m.setattr(acquisition, "_ONE_ON_FLOATS", False)
        on_arrays = acquisition.acquire([scenario], curves[None])
    return on_floats, on_arrays


def _same_batch(a, b) -> None:
    for field in ("new", "spend", "potential", "customers_before", "referrals", "lost",
                  "demand", "capped"):
        x, y = getattr(a, field), getattr(b, field)
        assert (x is None) == (y is None), field
        if x is not None:
            assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), field


def test_one_scenarios_acquisition_on_floats_is_the_array_loop(monkeypatch) -> None:
    """Every shipped file and lever variant, and random paid and scheduled acquisition (word
    of mouth, small, large and unbounded markets, yearly and monthly)."""
    from tests.unit.test_batch import _variants

    for name, s in _variants().items():
        c = class_inputs(s)
        curves = acquisition.acquisition_curves(c.class_weights, c.survival,
                                                s.periods_per_year, c.referral_rate,
                                                c.loss_rate)
        _same_batch(*_acquire_both(s, curves, monkeypatch))
        assert name
    rng = np.random.default_rng(3)
    base = load(SCENARIOS / "whatif_points_programme.toml")
    for trial in range(120):
        s = base
        ppy = int(rng.choice([1, 12]))
        moves = {"periods_per_year": ppy, "horizon_years": int(rng.integers(1, 16)),
                 "market.size": float(rng.choice([0.0, 500.0, 5e4, 1e7])),
                 "acquisition.mode": str(rng.choice(["paid", "constant"])),
                 "acquisition.years": int(rng.integers(1, 16)),
                 "acquisition.budget_per_year": float(rng.uniform(0, 2e6)),
                 "acquisition.ceiling": float(rng.uniform(0.01, 1.0)),
                 "acquisition.response": float(rng.uniform(0.001, 0.2)),
                 "acquisition.constant": float(rng.uniform(0, 2e4)),
                 "competition.intensity": float(rng.uniform(0, 1))}
        for path, value in moves.items():
            s = replace_path(s, path, value)
        periods = s.periods
        weights = rng.dirichlet(np.ones(3))
        survival = np.cumprod(rng.uniform(0.5, 1.0, (3, periods)), axis=1)
        referral = rng.uniform(0, 3.0, 3) * (trial % 3 > 0)
        loss = rng.uniform(0, 3.0, 3) * (trial % 3 > 0)
        curves = acquisition.acquisition_curves(weights, survival, ppy, referral, loss)
        _same_batch(*_acquire_both(s, curves, monkeypatch))


def test_cohort_inputs_of_the_same_scenario_object_are_copies_of_one_computation() -> None:
    import sim.cohort as cohort

    s = load(SCENARIOS / "whatif_points_programme.toml")
    first = cohort_inputs(s)
    again = cohort_inputs(s)                       # the same object: from the kept inputs
    twin = cohort_inputs(replace_path(s, "seed", s.seed))          # equal, not the same
    assert id(s) in cohort._kept_inputs
    for other in (again, twin):
        for name in ("new", "class_weights", "retention", "price", "programme_cost"):
            a, b = getattr(first, name), getattr(other, name)
            assert a is not b and a.tobytes() == b.tobytes(), name
        assert other.acquisition is not None and first.acquisition is not None
        assert other.acquisition.new.tobytes() == first.acquisition.new.tobytes()
    again.new[:] = -1.0                            # a caller's edit stays its own
    assert cohort_inputs(s).new.tobytes() == first.new.tobytes()
