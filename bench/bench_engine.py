"""Benchmark: the cohort engine and a slider move on the CLV page (issue 2).

Targets: the textbook scenario under 5 ms; 10 years of monthly periods with a
new cohort every month under 20 ms; a slider move on the CLV page (AppTest
rerun, median of 20) under 150 ms. Each slider move sets a renewal uplift not
seen before, so the engine really runs (the baseline's run is cached, as in
the app).

Run: python bench/bench_engine.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._apptest import open_page, time_call, time_moves
from sim.cohort import run_cohort
from sim.scenario import replace_path
from sim.scenario_io import load


def main() -> None:
    textbook = load(ROOT / "scenarios" / "textbook_magazine.toml")
    median, best = time_call(lambda: run_cohort(textbook), repeat=200)
    print(f"Cohort engine, textbook magazine case (10 yearly periods): median {median:.2f} ms, "
          f"min {best:.2f} ms (target < 5 ms)")

    monthly = replace_path(textbook, "periods_per_year", 12)
    monthly = replace_path(monthly, "acquisition.mode", "constant")
    monthly = replace_path(monthly, "acquisition.constant", 12_000.0)
    monthly = replace_path(monthly, "acquisition.years", 10)
    cohorts = int((run_cohort(monthly).periods["new"] > 0).sum())
    median, best = time_call(lambda: run_cohort(monthly), repeat=100)
    print(f"Cohort engine, 10 years monthly, {cohorts} monthly cohorts: median {median:.2f} ms, "
          f"min {best:.2f} ms (target < 20 ms)")

    at = open_page("textbook_magazine")
    values = [round(-4.75 + 0.5 * i, 2) for i in range(20)]

    def move(app, value: float) -> None:
        app.slider(key="uplift").set_value(value)

    time_moves(at, move, values, "CLV page uplift slider", 150)


if __name__ == "__main__":
    main()
