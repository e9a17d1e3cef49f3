"""Benchmark: a lever move on the executive dashboard (AppTest rerun, median of 20).

Target (issue 4): under 300 ms with about 10,000 customers, 10 years of monthly
periods and 20 Monte Carlo replications. The preset whatif_crm_system acquires
about 14,000 customers over 10 monthly years, 20 replications; each move sets
the acquisition budget to a value not seen before, so the scenario's engines
(cohort + Monte Carlo) really run; the baseline's run is cached, as in the app.

Run: python bench/bench_dashboard.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest

from sim.cohort import run_cohort
from sim.scenario_io import load
from sim.whatif import run_engines

PRESET = "whatif_crm_system"


def main(moves: int = 20) -> None:
    scenario = load(ROOT / "scenarios" / f"{PRESET}.toml")
    acquired = run_cohort(scenario).kpis["acquired"]
    print(f"Scenario {PRESET}: {acquired:,.0f} customers acquired, "
          f"{scenario.horizon_years} years x {scenario.periods_per_year} periods, "
          f"{scenario.monte_carlo.replications} replications")
    start = time.perf_counter()
    run_engines(scenario)
    print(f"  engines alone (cohort + Monte Carlo): {(time.perf_counter() - start) * 1e3:.1f} ms")

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["preset"] = PRESET
    at.run()
    at.switch_page("pages/dashboard.py").run()
    assert not at.exception, at.exception
    times = []
    for i in range(moves):
        budget = 260_000.0 + 50_000.0 * i
        begin = time.perf_counter()
        at.number_input(key="acq_budget").set_value(budget).run()
        times.append(time.perf_counter() - begin)
        assert not at.exception, at.exception
    print(f"  dashboard lever move, AppTest rerun over {moves} moves: median "
          f"{statistics.median(times) * 1e3:.0f} ms, min {min(times) * 1e3:.0f} ms, "
          f"max {max(times) * 1e3:.0f} ms (target < 300 ms)")


if __name__ == "__main__":
    main()
