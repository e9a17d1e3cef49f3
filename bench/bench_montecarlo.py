"""Benchmark: Monte Carlo engine throughput against a simpy per-customer reference.

Prints customer-periods per second for
  * the vectorised engine (sim.montecarlo) at the dashboard's size (about
    10,000 customers, 10 years monthly, 20 replications) and at a larger size;
  * the same model written as one simpy process per customer, which draws one
    uniform per customer-period (class once, then renew-or-leave every period),
and the speed ratio. Targets (issue 4): ≥ 1.5e8 customer-periods/s on one core
and ≥ 100× the simpy reference. Also prints the agreement of the two on the
mean of customers alive at the horizon's end.

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

import numpy as np
import simpy

from sim.cohort import CohortInputs, cohort_inputs
from sim.montecarlo import run_monte_carlo
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


if __name__ == "__main__":
    main()
