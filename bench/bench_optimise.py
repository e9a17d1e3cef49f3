"""Benchmark: the Optimise page's two computations (issue 14 "Tests and speed").

Targets: the customer-equity test (:func:`sim.equity_test.solve`: calibration, closed-form
optimum, marginal costs, numerical check) at most 20 ms; the whole-model optimiser
(:func:`sim.optimise.optimise`) on ``scenarios/whatif_today.toml`` at most 3 s, Monte Carlo
re-run of the optimum included. Each figure is the median (and minimum) wall time and the
median CPU time after one warm-up; the optimiser is also timed without Monte Carlo and
with a budget cap, and its number of plans evaluated is printed; so are the optimiser
with the retention-spend lever (``whatif_retention_spend``) and the largest horizon
(50 monthly years: the reduced search, within the 10 s work guard). The machine's load is
printed too (other sessions may share it).

Run: python bench/bench_optimise.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._timing import print_timings  # noqa: E402
from sim.equity_test import EquityTest, solve  # noqa: E402
from sim.library import load_preset  # noqa: E402
from sim.optimise import optimise  # noqa: E402
from sim.scenario import replace_path  # noqa: E402


def main() -> None:
    today = load_preset("whatif_today")
    test = EquityTest()
    result = optimise(today)
    print(f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"whatif_today: {result.evaluations} plans evaluated, NPV gain "
          f"{result.optimum.npv_gain:,.0f} {today.currency} (runner-up "
          f"{result.runner_up.npv_gain if result.runner_up else float('nan'):,.0f})")
    spend = load_preset("whatif_retention_spend")
    large = replace_path(today, "horizon_years", 50)
    for name, scenario in (("whatif_retention_spend", spend), ("whatif_today, 50 years", large)):
        found = optimise(scenario, replications=0)
        print(f"{name}: {found.evaluations} plans evaluated, notes {list(found.notes)}")
    rows = [
        ("equity test (default inputs)", lambda: solve(test), 20.0, 50),
        ("optimiser, whatif_today", lambda: optimise(today), 3000.0, 5),
        ("optimiser, whatif_today, no MC", lambda: optimise(today, replications=0), None, 5),
        ("optimiser, budget 300,000", lambda: optimise(today, 300_000.0), None, 3),
        ("optimiser, whatif_retention_spend", lambda: optimise(spend), None, 3),
        ("optimiser, 50 years (reduced)", lambda: optimise(large), 10000.0, 3),
    ]
    print_timings(rows)


if __name__ == "__main__":
    main()
