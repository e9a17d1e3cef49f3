"""The event engine against queueing theory (DOMAIN.md §11), and the closed forms themselves.

Validation runs (fixed seeds, so each test is deterministic): Poisson arrivals at
100 requests/hour, exponential handling of mean 5 minutes, 10 agents all the time
(offered load 8.33 Erlangs, ρ = 0.83), every request resolved at its first contact;
2,000 simulated hours (about 200,000 requests), the first 10 % left out as a warm-up and
the rest cut into 20 batches of 90 hours. **Tolerance:** every closed-form value lies
inside the run's 99 % batch-means interval (t(0.995, 19) = 2.86 standard errors), and
those intervals are narrow enough to mean something (stated per figure below).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.service.erlang import agents_for_service_level, erlang_a, erlang_b, erlang_c
from sim.service.kpis import batch_interval
from sim.service.queue import simulate_queue

LAM, HANDLING, AGENTS, HOURS = 100.0, 5.0, 10, 2000.0
LEVEL = 0.99


def _within(run, name: str, value: float, width: float) -> None:
    """``value`` is inside the run's 99 % interval of ``name``, whose half-width is at most
    ``width`` (absolute)."""
    e = run.estimates[name]
    stats = _reinterval(run, name)
    assert stats["low"] <= value <= stats["high"], (name, value, stats, e)
    assert (stats["high"] - stats["low"]) / 2 <= width, (name, stats)


def _reinterval(run, name: str) -> dict:
    """The 99 % interval of a figure of ``run`` (the runs report 95 %)."""
    e = run.estimates[name]
    half95 = (e["high"] - e["low"]) / 2
    from scipy.stats import t

    half = half95 * t.ppf(0.995, e["batches"] - 1) / t.ppf(0.975, e["batches"] - 1)
    return {"low": e["estimate"] - half, "high": e["estimate"] + half}


@pytest.fixture(scope="module")
def mmc():
    return simulate_queue(LAM, AGENTS, HANDLING, None, 20.0, HOURS, seed=7)


@pytest.fixture(scope="module")
def mmc_m():
    return simulate_queue(LAM, AGENTS, HANDLING, 3.0, 20.0, HOURS, seed=11)


def test_erlang_c_formula_is_the_textbook_sum() -> None:
    a, c = LAM / 60 * HANDLING, AGENTS
    top = a ** c / math.factorial(c) * c / (c - a)
    p_wait = top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)
    figures = erlang_c(LAM / 60, HANDLING, c)
    assert figures.p_wait == pytest.approx(p_wait, rel=1e-12)
    assert figures.mean_wait == pytest.approx(p_wait / (c / HANDLING - LAM / 60), rel=1e-12)
    gap = c / HANDLING - LAM / 60
    assert figures.service_level(1 / 3) == pytest.approx(1 - p_wait * math.exp(-gap / 3))
    assert figures.utilisation == pytest.approx(a / c)
    assert erlang_b(a, c) == pytest.approx(
        a ** c / math.factorial(c) / sum(a ** k / math.factorial(k) for k in range(c + 1)))
    assert not erlang_c(LAM / 60, HANDLING, 8).stable            # a = 8.33 > 8 agents


def test_erlang_a_tends_to_erlang_c_as_patience_grows() -> None:
    c = erlang_c(LAM / 60, HANDLING, AGENTS)
    a = erlang_a(LAM / 60, HANDLING, AGENTS, 1e6)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-3)
    assert a.mean_wait == pytest.approx(c.mean_wait, rel=1e-3)
    assert a.abandonment < 1e-5
    assert a.service_level(1 / 3) == pytest.approx(c.service_level(1 / 3), rel=1e-3)


def test_erlang_a_is_consistent() -> None:
    a = erlang_a(LAM / 60, HANDLING, AGENTS, 3.0)
    assert a.p_wait_exceeds(0.0) == pytest.approx(a.p_wait, rel=1e-9)
    assert a.service_level(1e4) == pytest.approx(1 - a.abandonment, abs=1e-9)
    assert 0 < a.service_level(1 / 3) < 1 - a.abandonment
    # Time in queue of all arrivals = answered share × their mean + the abandoned's.
    assert a.mean_wait > a.mean_wait_answered * (1 - a.abandonment)
    # Overloaded systems stay stable with abandonment: Little's law on the abandoned.
    over = erlang_a(3.0, HANDLING, AGENTS, 2.0)
    assert over.stable and over.abandonment > 0.25
    assert over.utilisation == pytest.approx(3.0 * (1 - over.abandonment) * HANDLING / AGENTS)


def test_mmc_waiting_time_matches_erlang_c(mmc) -> None:
    """P(wait > 0), mean wait, service level (20 s), utilisation and P(wait > t) for
    t = 0.5, 1, 3 minutes: Erlang C inside the 99 % interval of a 2,000-hour run."""
    figures = erlang_c(LAM / 60, HANDLING, AGENTS)
    assert mmc.requests == pytest.approx(LAM * HOURS, rel=0.01)
    _within(mmc, "p_wait", figures.p_wait, 0.03)                       # P ≈ 0.488
    _within(mmc, "mean_wait_minutes", figures.mean_wait, 0.25)         # W_q ≈ 1.46 min
    _within(mmc, "service_level", figures.service_level(20 / 60), 0.03)
    _within(mmc, "utilisation", figures.utilisation, 0.015)
    _within(mmc, "mean_handling_minutes", HANDLING, 0.05)
    assert mmc.estimates["abandonment"]["estimate"] == 0.0
    for t in (0.5, 1.0, 3.0):
        e = mmc.p_wait_exceeds(t, LEVEL)
        assert e["low"] <= figures.p_wait_exceeds(t) <= e["high"], (t, e)
        assert (e["high"] - e["low"]) / 2 <= 0.035


def test_mmc_with_patience_matches_erlang_a(mmc_m) -> None:
    """With exponential patience (mean 3 minutes): abandonment, P(wait > 0), mean time in
    queue, service level and P(wait > t): Erlang A inside the run's 99 % interval."""
    figures = erlang_a(LAM / 60, HANDLING, AGENTS, 3.0)
    _within(mmc_m, "abandonment", figures.abandonment, 0.005)           # ≈ 7.6 %
    _within(mmc_m, "p_wait", figures.p_wait, 0.015)
    _within(mmc_m, "mean_wait_minutes", figures.mean_wait, 0.02)
    _within(mmc_m, "service_level", figures.service_level(20 / 60), 0.015)
    _within(mmc_m, "utilisation", figures.utilisation, 0.01)
    for t in (0.5, 1.0, 3.0):
        e = mmc_m.p_wait_exceeds(t, LEVEL)
        assert e["low"] <= figures.p_wait_exceeds(t) <= e["high"], (t, e)


def test_an_unstable_queue_has_no_closed_form_but_runs() -> None:
    run = simulate_queue(120.0, 9, 5.0, None, 20.0, 50.0, seed=3)      # a = 10 > 9
    assert not run.analytic.stable
    d = run.as_dict()
    assert d["erlang_c"]["stable"] is False and d["erlang_c"]["p_wait"] is None
    assert d["utilisation"]["estimate"] > 0.95


def test_batch_interval() -> None:
    rng = np.random.default_rng(0)
    den = np.full(20, 100.0)
    num = rng.binomial(100, 0.3, 20).astype(float)
    e = batch_interval(num, den)
    assert e["estimate"] == pytest.approx(num.sum() / den.sum())
    assert e["low"] < 0.3 < e["high"]
    assert math.isnan(batch_interval(np.array([1.0]), np.array([2.0]))["low"])


def test_agents_for_service_level() -> None:
    c = agents_for_service_level(LAM / 60, HANDLING, 1 / 3, 0.8)
    assert erlang_c(LAM / 60, HANDLING, c).service_level(1 / 3) >= 0.8
    assert erlang_c(LAM / 60, HANDLING, c - 1).service_level(1 / 3) < 0.8 or \
        not erlang_c(LAM / 60, HANDLING, c - 1).stable
    assert agents_for_service_level(0.0, HANDLING, 1 / 3, 0.8) == 0
