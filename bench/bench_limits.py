"""Benchmark: the largest runs the work budget (sim.budget) admits, measured.

For the largest admitted Monte Carlo runs (the most memory: many replications of a
short monthly horizon; the most time: the most customers; the longest horizon:
50 monthly years) and the largest cohort run (60 satisfaction classes with
programme members = 120 classes × 600 periods), each in a fresh subprocess,
prints the budget's estimate beside the measured peak (tracemalloc: memory the
run allocates; ru_maxrss: the whole process, Python and libraries included) and
the time. Targets (issue 11): every peak < 1.5 GB, estimate within 2× of the
measured (tracemalloc) peak. Exits 1 if a target is missed.

Run: python bench/bench_limits.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.budget import (  # noqa: E402
    MEMORY_BUDGET_BYTES,
    TIME_BUDGET_SECONDS,
    cohort_estimate,
    monte_carlo_estimate,
)
from sim.cohort import cohort_inputs  # noqa: E402
from sim.library import load_preset  # noqa: E402
from sim.programmes import PROGRAMME_KINDS  # noqa: E402
from sim.scenario import Scenario, replace_path  # noqa: E402

GB = 1e9
MB = 2**20


def monte_carlo_case(years: int, ppy: int, per_year: float) -> Scenario:
    s = load_preset("baseline")
    for path, value in (("horizon_years", years), ("periods_per_year", ppy),
                        ("acquisition.mode", "constant"), ("acquisition.constant", per_year),
                        ("acquisition.years", years)):
        s = replace_path(s, path, value)
    return s


def cohort_case() -> Scenario:
    s = load_preset("whatif_points_programme")
    for kind in PROGRAMME_KINDS:
        s = replace_path(s, f"programmes.{kind}.enabled", True)
    s = replace_path(s, "satisfaction.classes", 60)
    s = replace_path(s, "periods_per_year", 12)
    return replace_path(s, "horizon_years", 50)


def largest_admitted(years: int, ppy: int, replications: int) -> tuple[Scenario, int]:
    """The most customers per year (by bisection) this horizon and replications admit."""
    lo, hi = 1.0, 1e9
    for _ in range(60):
        mid = (lo * hi) ** 0.5
        s = monte_carlo_case(years, ppy, mid)
        if monte_carlo_estimate(s, cohort_inputs(s), replications).fits():
            lo = mid
        else:
            hi = mid
    return monte_carlo_case(years, ppy, lo), replications


def most_replications(years: int, ppy: int, per_year: float) -> tuple[Scenario, int]:
    s = monte_carlo_case(years, ppy, per_year)
    inputs = cohort_inputs(s)
    reps = max(r for r in range(1, 2001) if monte_carlo_estimate(s, inputs, r).fits())
    return s, reps


_CHILD = r"""
import json, resource, sys, time, tracemalloc
sys.path.insert(0, {root!r})
from sim.scenario import scenario_from_dict
from sim.cohort import cohort_inputs, run_cohort
from sim.montecarlo import run_monte_carlo
args = json.loads(sys.stdin.read())
s = scenario_from_dict(args["scenario"])
inputs = cohort_inputs(s)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
tracemalloc.start()
t0 = time.perf_counter()
if args["engine"] == "mc":
    out = run_monte_carlo(s, inputs, args["replications"])
    customers = out.customers
else:
    run_cohort(s, inputs)
    customers = float(inputs.new.sum())
seconds = time.perf_counter() - t0
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"peak": peak, "rss": rss, "rss_before": before, "seconds": seconds,
                   "customers": customers}}))
"""


def measure(s: Scenario, engine: str, replications: int = 0) -> dict:
    from sim.scenario import scenario_to_dict

    payload = json.dumps({"scenario": scenario_to_dict(s), "engine": engine,
                          "replications": replications})
    done = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(ROOT))], input=payload,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> int:
    print(f"Budget per run: {MEMORY_BUDGET_BYTES / MB:.0f} MiB, {TIME_BUDGET_SECONDS:g} s "
          "(estimated)\n")
    cases = [
        ("MC most replications, 5 monthly years", "mc", *most_replications(5, 12, 100.0)),
        ("MC most customers, 10 years, 2000 reps", "mc", *largest_admitted(10, 1, 2000)),
        ("MC most customers, 10 monthly years, 20 reps", "mc", *largest_admitted(10, 12, 20)),
        ("MC 50 monthly years, most replications", "mc", *most_replications(50, 12, 10.0)),
        ("Cohort 120 classes x 600 periods", "cohort", cohort_case(), 0),
    ]
    ok = True
    header = (f"{'run':<46} {'reps':>5} {'customers':>12} {'est MB':>8} {'peak MB':>8} "
              f"{'ratio':>6} {'RSS MB':>8} {'est s':>6} {'s':>6}")
    print(header)
    print("-" * len(header))
    for label, engine, s, reps in cases:
        est = (monte_carlo_estimate(s, cohort_inputs(s), reps) if engine == "mc"
               else cohort_estimate(s))
        got = measure(s, engine, reps)
        ratio = est.memory_bytes / got["peak"]
        fine = 0.5 <= ratio <= 2.0 and got["rss"] < 1.5 * GB and got["peak"] < 1.5 * GB
        ok &= fine
        print(f"{label:<46} {reps:>5} {got['customers']:>12,.0f} {est.memory_bytes / MB:>8.1f} "
              f"{got['peak'] / MB:>8.1f} {ratio:>6.2f} {got['rss'] / MB:>8.1f} "
              f"{est.seconds:>6.2f} {got['seconds']:>6.2f}" + ("" if fine else "  <- MISSED"))
    print("\nTargets: peak < 1.5 GB (tracemalloc and process RSS); estimate within 2x of the "
          "tracemalloc peak (ratio 0.5-2).", "All met." if ok else "MISSED.")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
