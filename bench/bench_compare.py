"""Benchmark: comparing six scenarios and a tornado over every numeric lever (issue 5).

Targets: comparing six scenarios under 1 s; a tornado over every numeric lever
of the default scenario under 2 s. Both are timed cold (no cache), as the
page's first view of a new selection; the heat map (5 × 5) is shown for scale.

Run: python bench/bench_compare.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._apptest import time_call
from sim.compare import compare
from sim.library import load_preset
from sim.scenario import Scenario
from sim.sensitivity import heat_map, sensitivity_levers, tornado

SIX = ("whatif_today", "whatif_points_programme", "whatif_vip_offers", "whatif_affinity",
       "whatif_community", "whatif_knowledge")


def main() -> None:
    scenarios = [load_preset(name) for name in SIX]
    shape = ", ".join(sorted({f"{s.horizon_years} years x {s.periods_per_year} periods"
                              for s in scenarios}))
    median, best = time_call(lambda: compare(scenarios, 0), repeat=10)
    print(f"Compare six what-if presets ({shape}, satisfaction classes, each "
          f"with its baseline): median {median:.0f} ms, min {best:.0f} ms (target < 1000 ms)")

    for label, scenario in (("default scenario (Scenario())", Scenario()),
                            ("whatif_points_programme", load_preset("whatif_points_programme"))):
        levers = len(sensitivity_levers(scenario)[0])
        median, best = time_call(lambda s=scenario: tornado(s), repeat=5)
        print(f"Tornado over {levers} numeric levers of the {label}, {2 * levers + 1} engine runs: "
              f"median {median:.0f} ms, min {best:.0f} ms (target < 2000 ms)")

    scenario = load_preset("whatif_points_programme")
    median, best = time_call(lambda: heat_map(scenario, "pricing.renewal_price",
                                              "competition.intensity"), repeat=5)
    print(f"Heat map 5 x 5 on whatif_points_programme: median {median:.0f} ms, min {best:.0f} ms")


if __name__ == "__main__":
    main()
