"""Benchmark: a lever move on the executive dashboard (AppTest, median of 40 moves).

Target (issue 12): dashboard rerun server time <= 60 ms median (the script run of the
move, measured inside Streamlit's script runner; see bench/_apptest.py). The preset
whatif_crm_system acquires about 10,700 customers over 10 monthly years, 20 Monte Carlo
replications; each move sets the acquisition budget to a value not seen before, so the
scenario's and its baseline's engines (cohort + Monte Carlo; the baseline follows the
budget) really run. Also prints the engines alone and the rerun when every run is cached
(the same 5 budgets again), which is the Streamlit and chart part of the time.

Run: python bench/bench_dashboard.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest

from bench._apptest import open_page, time_moves
from sim.cohort import run_cohort
from sim.scenario_io import load
from sim.whatif import run_engines

PRESET = "whatif_crm_system"


def main(moves: int = 40) -> None:
    scenario = load(ROOT / "scenarios" / f"{PRESET}.toml")
    acquired = run_cohort(scenario).kpis["acquired"]
    print(f"Scenario {PRESET}: {acquired:,.0f} customers acquired, "
          f"{scenario.horizon_years} years x {scenario.periods_per_year} periods, "
          f"{scenario.monte_carlo.replications} replications")
    start = time.perf_counter()
    run_engines(scenario)
    print(f"  engines alone (cohort + Monte Carlo): {(time.perf_counter() - start) * 1e3:.1f} ms")

    at = open_page(PRESET, "pages/dashboard.py")
    # Distinct budgets over the same range whatever the number of moves (260,000 to
    # 1,210,000 a year: the bigger the budget, the more customers the engines simulate).
    budgets = [260_000.0 + 950_000.0 * i / max(1, moves - 1) for i in range(moves)]

    def move(app: AppTest, budget: float) -> None:
        app.number_input(key="acq_budget").set_value(budget)

    time_moves(at, move, budgets, "dashboard lever move (engines run)", 60)
    time_moves(at, move, budgets[:5] * 4, "the same move, every run cached (UI only)", 60)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=40, help="lever moves timed (default 40)")
    main(parser.parse_args().moves)
