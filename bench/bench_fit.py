"""Benchmark: retention fits from data (sim/retention_fit.py, issue 13 "Speed").

Targets: an sBG fit on a 12-period table at most 50 ms; on 60 cohorts × 60 periods (a
layer cake: cohort i observed for 60 − i periods, 10,000 customers each) at most 500 ms.
Each figure is the median (and minimum) wall time and the median CPU time of repeated
calls of :func:`sim.retention_fit.fit_retention` (starts, BFGS, Hessian and intervals),
after one warm-up; the beta-discrete-Weibull and the CSV reading are timed beside them.

Run: python bench/bench_fit.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench._timing import print_timings  # noqa: E402
from sim.datafile import SurvivorTable  # noqa: E402
from sim.retention_fit import fit_retention, read_survivor_csv  # noqa: E402
from sim.sample_data import survivors_csv  # noqa: E402

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]


def _layer_cake(cohorts: int, periods: int, customers: int, seed: int = 1) -> SurvivorTable:
    """sBG(0.8, 2.5) survivors drawn with numpy: cohort i observed for periods − i periods."""
    rng = np.random.default_rng(seed)
    survivors = []
    for i in range(cohorts):
        theta = rng.beta(0.8, 2.5, customers)
        lifetime = np.ceil(np.log(rng.random(customers)) / np.log1p(-theta))
        ages = np.arange(max(periods - i, 1) + 1)
        survivors.append((lifetime[None, :] > ages[:, None]).sum(axis=1).astype(float))
    return SurvivorTable(tuple(f"c{i}" for i in range(cohorts)), tuple(survivors))


def main() -> None:
    twelve = SurvivorTable(("all",), (np.array(REGULAR, dtype=float),))
    cake = _layer_cake(60, 60, 10_000)
    csv = survivors_csv(cake)
    rows = [
        ("sBG, 12 periods (F&H regular)", lambda: fit_retention(twelve), 50.0, 30),
        ("sBG, 60 cohorts x 60 periods", lambda: fit_retention(cake), 500.0, 15),
        ("bdw, 12 periods", lambda: fit_retention(twelve, "bdw"), None, 15),
        ("bdw, 60 cohorts x 60 periods", lambda: fit_retention(cake, "bdw"), None, 7),
        ("read CSV, 60 x 60 (1,890 rows)", lambda: read_survivor_csv(csv), None, 15),
    ]
    print_timings(rows)


if __name__ == "__main__":
    main()
