"""Benchmark: the satisfaction-loyalty engine and a competition slider move (issue 3).

Target: a slider move on the Satisfaction & loyalty page under 150 ms (AppTest
rerun, median of 20) with the engine running 20 satisfaction classes over
10 years of monthly periods (preset whatif_points_programme). Every move sets
a competition intensity not seen before, so the engines really run.

Run: python bench/bench_loyalty.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._apptest import open_page, time_call, time_moves
from sim.cohort import run_cohort
from sim.lessons import top_box_table
from sim.scenario_io import load

PRESET = "whatif_points_programme"


def main() -> None:
    scenario = load(ROOT / "scenarios" / f"{PRESET}.toml")
    print(f"Scenario {PRESET}: {scenario.satisfaction.classes} satisfaction classes, "
          f"{scenario.horizon_years} years x {scenario.periods_per_year} periods")
    median, best = time_call(lambda: run_cohort(scenario), repeat=50)
    print(f"  cohort engine with satisfaction classes: median {median:.2f} ms, min {best:.2f} ms")
    median, best = time_call(lambda: top_box_table(scenario), repeat=20)
    print(f"  'satisfaction 4 -> 5' table (4 engine runs): median {median:.2f} ms, "
          f"min {best:.2f} ms")

    at = open_page(PRESET, "pages/loyalty.py")
    values = [3.0 + 4.5 * i for i in range(20)]

    def move(app, value: float) -> None:
        app.slider(key="competition").set_value(value)

    time_moves(at, move, values, "Satisfaction & loyalty page competition slider", 150)


if __name__ == "__main__":
    main()
