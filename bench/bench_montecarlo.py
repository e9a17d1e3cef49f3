"""Benchmark: Monte Carlo engine throughput against a simpy per-customer reference.

Prints customer-periods per second for
  * the vectorised engine (sim.montecarlo) at the dashboard's size (about
    10,000 customers, 10 years monthly, 20 replications) and at a larger size;
  * the same model written as one simpy process per customer, which draws one
    uniform per customer-period (class once, then renew-or-leave every period),
and the speed ratio. Targets (issue 4): ≥ 1.5e8 customer-periods/s on one core
and ≥ 100× the simpy reference. Also prints the agreement of the two on the
mean of customers alive at the horizon's end.

At the draw limit (issue 12), at the dashboard's size (10,000 customers a year x
10 years monthly x 20 replications; one class, and the same with 20 satisfaction
classes) it prints, from one run:
  * the engine's time (median) and customers/s;
  * the engine as it was before the look-up tables (:func:`run_by_search`: one
    binary search per customer for the lifetime, :func:`_lifetimes_by_search`,
    and for the class, customers enumerated by a binary search, values summed by
    np.add.at), its time, and the speed-up; the two give bit-identical results;
  * numpy drawing as many uniforms (``np.random.default_rng().random(n)``) for
    n = customers drawn, and for n = uniforms the engine needs (one lifetime
    uniform per customer, one class uniform per customer when there are several
    classes, one arrivals uniform per replication and period), and the ratios
    engine / numpy. Targets: ≥ 3x the old engine, ≤ 10x numpy.
Timings are medians over interleaved repeats, wall clock and (in brackets) CPU
time of this process: other processes share the CPU, and slow the wall clock.

A customer-period is one customer over one period between its acquisition and
the horizon's end: the decisions a period-by-period simulation has to make.

Run: python bench/bench_montecarlo.py
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import simpy

from sim.accounting import PeriodSeries, account_periods, tenure_values, yearly_from_periods
from sim.budget import CUSTOMER_CHUNK, check_monte_carlo, replication_chunk
from sim.cohort import CohortInputs, cohort_inputs
from sim.montecarlo import McResult, _arrivals, hashed_uniforms, run_monte_carlo
from sim.retention import survival_from_retention
from sim.scenario import Scenario, replace_path
from sim.scenario_io import load

ROOT = Path(__file__).resolve().parents[1]


def dashboard_scenario(customers_per_year: float) -> Scenario:
    """The plain baseline, 10 years monthly, acquiring ``customers_per_year`` for 10 years."""
    scenario = load(ROOT / "scenarios" / "baseline.toml")
    scenario = dataclasses.replace(scenario, horizon_years=10, periods_per_year=12)
    scenario = replace_path(scenario, "acquisition.mode", "constant")
    scenario = replace_path(scenario, "acquisition.constant", customers_per_year)
    return replace_path(scenario, "acquisition.years", 10)


def simpy_reference(scenario: Scenario, inputs: CohortInputs, replications: int,
                    seed: int) -> tuple[float, int, float]:
    """One simpy process per customer.

    Returns (seconds, customer-periods, mean customers at end).
    """
    rng = np.random.default_rng(seed)
    periods = scenario.periods
    weights = inputs.class_weights / inputs.class_weights.sum()
    retention = inputs.retention
    margin = inputs.price - inputs.variable_cost
    start = time.perf_counter()
    end_counts = []
    for _ in range(replications):
        env = simpy.Environment()
        state = {"alive_at_end": 0, "margin": 0.0}

        def customer(env: simpy.Environment, klass: int, state: dict) -> simpy.events.Event:
            tenure = 0
            while True:
                state["margin"] += margin[tenure]
                yield env.timeout(1)
                if env.now >= periods:
                    state["alive_at_end"] += 1
                    return
                if rng.random() >= retention[klass, tenure]:
                    return
                tenure += 1

        def arrivals(env: simpy.Environment, state: dict) -> simpy.events.Event:
            for period in range(periods):
                for _ in range(rng.poisson(inputs.new[period])):
                    klass = int(rng.choice(len(weights), p=weights)) if len(weights) > 1 else 0
                    env.process(customer(env, klass, state))
                yield env.timeout(1)

        env.process(arrivals(env, state))
        env.run()
        end_counts.append(state["alive_at_end"])
    seconds = time.perf_counter() - start
    # Expected customer-periods of the reference (same definition as the engine's count).
    customer_periods = int(round(replications * float(
        ((periods - np.arange(periods)) * inputs.new).sum())))
    return seconds, customer_periods, float(np.mean(end_counts))


def time_engine(scenario: Scenario, replications: int,
                repeats: int = 7) -> tuple[float, int, float]:
    """Median seconds of run_monte_carlo, its customer-periods and mean customers at the end."""
    inputs = cohort_inputs(scenario)
    run_monte_carlo(scenario, inputs, replications)            # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = run_monte_carlo(scenario, inputs, replications)
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result.customer_periods, float(
        result.yearly["customers"][:, -1].mean())


def _lifetimes_by_search(seed: int, rep: np.ndarray, cohort: np.ndarray, index: np.ndarray,
                         inputs: CohortInputs) -> np.ndarray:
    """The old engine's lifetimes: class and K = #{k : S_c(k) > u} by binary search."""
    n_class = len(inputs.class_weights)
    if n_class > 1:
        u_class = hashed_uniforms(seed, 2, rep, cohort, index)
        cum = np.cumsum(inputs.class_weights)
        klass = np.minimum(np.searchsorted(cum / cum[-1], u_class, side="right"), n_class - 1)
        del u_class
    else:
        klass = np.zeros(len(rep), dtype=np.int64)
    surv = survival_from_retention(inputs.retention)                     # (C, T)
    full = np.concatenate([surv, surv[:, -1:] * inputs.retention[:, -1:]], axis=1)  # (C, T+1)
    width = full.shape[1]
    keyed = (-full + 2.0 * np.arange(n_class)[:, None]).ravel()
    u_life = hashed_uniforms(seed, 3, rep, cohort, index)
    return np.searchsorted(keyed, -u_life + 2.0 * klass, side="left") - klass * width


def _customer_chunks_by_search(flat: np.ndarray, chunk: int
                               ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The old engine's enumeration: (cell, index in cell) by binary search per customer."""
    cum = np.cumsum(flat)
    total = int(cum[-1]) if len(cum) else 0
    for begin in range(0, total, chunk):
        position = np.arange(begin, min(begin + chunk, total), dtype=np.int64)
        owner = np.searchsorted(cum, position, side="right")
        yield owner, position - (cum[owner] - flat[owner])


def run_by_search(scenario: Scenario, inputs: CohortInputs, replications: int) -> McResult:
    """sim.montecarlo.run_monte_carlo as it was before the look-up tables (the reference)."""
    inp = inputs
    check_monte_carlo(scenario, inp, replications)
    seed = scenario.seed
    periods, ppy = scenario.periods, scenario.periods_per_year
    counts = _arrivals(seed, inp.new, replications)
    per_tenure = tenure_values(scenario, inp)
    cum_value = np.concatenate([[0.0], np.cumsum(per_tenure["clv_by_tenure"])])
    cum_cost = np.concatenate([[0.0], np.cumsum(per_tenure["retention_cost_by_tenure"])])
    shift = 0 if scenario.finance.cash_timing == "start" else 1
    width = periods + 2
    step = replication_chunk(periods)
    value_sum = np.zeros(replications)
    parts: list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]] = []
    for r0 in range(0, replications, step):
        sub = counts[r0:r0 + step]
        n_sub = sub.shape[0]
        hist = np.zeros(n_sub * periods * width, dtype=np.int64)
        for owner, index in _customer_chunks_by_search(sub.ravel(), CUSTOMER_CHUNK):
            rep_local, cohort = owner // periods, owner % periods
            lifetime = _lifetimes_by_search(seed, rep_local + r0, cohort, index, inp)
            hist += np.bincount((rep_local * periods + cohort) * width + lifetime,
                                minlength=hist.size)
            value = (cum_value[np.clip(lifetime - shift, 0, periods)]
                     - cum_cost[np.clip(lifetime, 0, periods)])
            np.add.at(value_sum, rep_local + r0, value)
        at_least = np.cumsum(hist.reshape(n_sub, periods, width)[:, :, ::-1], axis=2)[:, :, ::-1]
        alive = at_least[:, :, 1:periods + 1].astype(float)
        renewed = at_least[:, :, 2:periods + 2].astype(float)
        series = account_periods(scenario, inp, sub.astype(float), alive, renewed)
        parts.append((series.as_dict(), yearly_from_periods(series, alive, ppy,
                                                            scenario.horizon_years)))
    periods_out: dict[str, Any] = {k: np.concatenate([p[0][k] for p in parts])
                                   for k in parts[0][0]}
    yearly = {k: np.concatenate([p[1][k] for p in parts]) for k in parts[0][1]}
    total = PeriodSeries(**periods_out, **per_tenure)
    acquired = counts.sum(axis=1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        clv_gross = value_sum / acquired
    kpis = total.kpis(yearly, clv_gross, scenario.market.size)
    customer_periods = int(((periods - np.arange(periods))[None, :] * counts).sum())
    return McResult(replications, periods_out, yearly, kpis, int(acquired.sum()),
                    customer_periods)


def _identical(a: McResult, b: McResult) -> bool:
    """Same bytes in every series and KPI."""
    return all(np.asarray(x[k]).tobytes() == np.asarray(y[k]).tobytes()
               for x, y in ((a.periods, b.periods), (a.yearly, b.yearly), (a.kpis, b.kpis))
               for k in y) and a.customers == b.customers


def _medians(runs: dict[str, Callable[[], object]], repeats: int
             ) -> dict[str, tuple[float, float]]:
    """Median wall-clock and CPU seconds of each callable, repeats interleaved (after one
    warm-up each), so that other processes slow them alike."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for run in runs.values():
        run()
    for _ in range(repeats):
        for name, run in runs.items():
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            times[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    return {name: (float(np.median([w for w, _ in t])), float(np.median([c for _, c in t])))
            for name, t in times.items()}


def draw_limit(scenario: Scenario, label: str, replications: int = 20, repeats: int = 11) -> None:
    """Issue 12: the engine against its old self and against numpy drawing its uniforms."""
    inputs = cohort_inputs(scenario)
    new = run_monte_carlo(scenario, inputs, replications)
    old = run_by_search(scenario, inputs, replications)
    customers = new.customers
    classes = len(inputs.class_weights)
    uniforms = customers * (2 if classes > 1 else 1) + replications * scenario.periods
    rng = np.random.default_rng()
    t = _medians({"engine": lambda: run_monte_carlo(scenario, inputs, replications),
                  "old": lambda: run_by_search(scenario, inputs, replications),
                  "numpy_customers": lambda: rng.random(customers),
                  "numpy_uniforms": lambda: rng.random(uniforms)}, repeats)
    engine, was = t["engine"][0], t["old"][0]
    print(f"  {label} ({classes} class{'es' if classes > 1 else ''}), {customers:,} customers, "
          f"median of {repeats} (wall clock; CPU time in brackets):")
    print(f"    engine (look-up tables):    {engine * 1e3:7.1f} ms [{t['engine'][1] * 1e3:6.1f}], "
          f"{customers / engine:.3e} customers/s, "
          f"{new.customer_periods / engine:.3e} customer-periods/s")
    print(f"    old engine (binary search): {was * 1e3:7.1f} ms [{t['old'][1] * 1e3:6.1f}], "
          f"{customers / was:.3e} customers/s")
    print(f"    speed-up: {was / engine:.2f}x [{t['old'][1] / t['engine'][1]:.2f}x], "
          f"results bit-identical: {'yes' if _identical(new, old) else 'NO'}")
    for key, n, what in (("numpy_customers", customers, "customers"),
                         ("numpy_uniforms", uniforms, "uniforms the engine needs")):
        wall, cpu = t[key]
        print(f"    numpy random(n), n = {what} ({n:,}): {wall * 1e3:5.1f} ms "
              f"[{cpu * 1e3:5.1f}]; engine / numpy = {engine / wall:.1f}x "
              f"[{t['engine'][1] / cpu:.1f}x] (old: {was / wall:.1f}x)")


def main() -> None:
    print("Monte Carlo engine (numpy, one core; OMP/BLAS threads = 1)")
    for per_year, reps in ((1_000, 20), (10_000, 20), (100_000, 20)):
        scenario = dashboard_scenario(per_year)
        seconds, cps, end_mean = time_engine(scenario, reps)
        print(f"  {per_year:>7,} customers/year x 10 years monthly x {reps} replications: "
              f"{seconds * 1e3:8.1f} ms, {cps:>13,} customer-periods, "
              f"{cps / seconds:.3e} customer-periods/s, mean customers at end {end_mean:,.1f}")

    scenario = dashboard_scenario(1_000)
    inputs = cohort_inputs(scenario)
    reps = 4
    ref_seconds, ref_cps, ref_end = simpy_reference(scenario, inputs, reps, seed=7)
    eng_seconds, eng_cps, eng_end = time_engine(scenario, reps)
    ref_rate, eng_rate = ref_cps / ref_seconds, eng_cps / eng_seconds
    print("Same model, same size (1,000 customers/year x 10 years monthly x 4 replications):")
    print(f"  simpy, one process per customer: {ref_seconds:8.3f} s, "
          f"{ref_rate:.3e} customer-periods/s,"
          f" mean customers at end {ref_end:,.1f}")
    print(f"  vectorised engine:               {eng_seconds:8.4f} s, "
          f"{eng_rate:.3e} customer-periods/s,"
          f" mean customers at end {eng_end:,.1f}")
    print(f"  speed-up: {ref_seconds / eng_seconds:,.0f}x")

    print("At the draw limit (issue 12), dashboard size: 10,000 customers/year x 10 years "
          "monthly x 20 replications")
    scenario = dashboard_scenario(10_000)
    draw_limit(scenario, "baseline")
    draw_limit(replace_path(scenario, "retention.model", "satisfaction"),
               "satisfaction classes")


if __name__ == "__main__":
    main()
