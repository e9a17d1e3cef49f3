"""Benchmark: comparison view, tornado and heat map (sim/compare.py, sim/sensitivity.py).

Targets: six scenarios compared (each with its baseline, cohort engine) under 1 s;
the tornado over every lever of ``whatif_points_programme`` and its 10 × 10 heat map
(renewal price × variable cost) each at most 60 ms (issue 12: KPI-only, batched
evaluation, :mod:`sim.batch`). Beside each batched figure the old way is timed in
the same run: the same function with its moved scenarios evaluated by a plain loop
over :func:`sim.cohort.run_cohort` (what the code did before the batch). Every call
is timed cold (no result cache), as the page's first view of a new selection;
figures are the median and minimum of several calls (wall time, and the process's
CPU time, which other programs on the machine disturb less).

Run: python bench/bench_compare.py
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import sim.sensitivity as sensitivity  # noqa: E402
from bench._timing import time_fn as _time  # noqa: E402
from sim.cohort import run_cohort  # noqa: E402
from sim.compare import compare  # noqa: E402
from sim.library import load_preset  # noqa: E402
from sim.scenario import Scenario  # noqa: E402
from sim.sensitivity import heat_map, sensitivity_levers, tornado  # noqa: E402

SIX = ("whatif_today", "whatif_points_programme", "whatif_vip_offers", "whatif_affinity",
       "whatif_community", "whatif_knowledge")
TARGET_MS = 60.0


def _loop(scenarios: Sequence[Scenario], metrics: str | Sequence[str]
          ) -> np.ndarray | dict[str, np.ndarray]:
    """The old evaluation: one full cohort run (five DataFrames) per scenario."""
    names = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    runs = [run_cohort(s).kpis for s in scenarios]
    values = {m: np.array([kpis[m] for kpis in runs]) for m in names}
    return values[names[0]] if isinstance(metrics, str) else values


@contextmanager
def _old_loop() -> Iterator[None]:
    batched = sensitivity.evaluate_kpis
    sensitivity.evaluate_kpis = _loop  # type: ignore[assignment]
    try:
        yield
    finally:
        sensitivity.evaluate_kpis = batched


def _report(label: str, fn: Callable[[], object], repeat: int, old_repeat: int,
            target_ms: float | None) -> None:
    median, best, cpu = _time(fn, repeat)
    with _old_loop():
        old_median, old_best, old_cpu = _time(fn, old_repeat)
    verdict = ""
    if target_ms is not None:
        verdict = (f" (target <= {target_ms:.0f} ms: "
                   f"{'met' if median <= target_ms else 'MISSED'})")
    print(f"{label}:\n"
          f"  batched   median {median:6.1f} ms, min {best:6.1f} ms, CPU {cpu:6.1f} ms{verdict}\n"
          f"  old loop  median {old_median:6.1f} ms, min {old_best:6.1f} ms, CPU {old_cpu:6.1f} ms"
          f"  ({old_median / median:.1f}x slower)")


def main() -> None:
    scenarios = [load_preset(name) for name in SIX]
    shape = ", ".join(sorted({f"{s.horizon_years} years x {s.periods_per_year} periods"
                              for s in scenarios}))
    median, best, _ = _time(lambda: compare(scenarios, 0), repeat=10)
    print(f"Compare six what-if presets ({shape}, satisfaction classes, each "
          f"with its baseline): median {median:.0f} ms, min {best:.0f} ms (target < 1000 ms)")

    points = load_preset("whatif_points_programme")
    for label, scenario, target in (("the default scenario (Scenario())", Scenario(), None),
                                    ("whatif_points_programme", points, TARGET_MS)):
        levers = sum(len(group) for group in sensitivity_levers(scenario))
        _report(f"Tornado over every lever ({levers}) of {label}: the base and "
                f"{2 * levers} moved scenarios", lambda s=scenario: tornado(s), 21, 5, target)

    _report("Heat map 10 x 10 on whatif_points_programme (pricing.renewal_price x "
            "pricing.variable_cost: the moved scenarios share their classes)",
            lambda: heat_map(points, "pricing.renewal_price", "pricing.variable_cost",
                             points=10), 21, 3, TARGET_MS)
    _report("Heat map 10 x 10 on whatif_points_programme (competition.intensity x "
            "satisfaction.service_quality: 100 distinct class sets, for scale)",
            lambda: heat_map(points, "competition.intensity", "satisfaction.service_quality",
                             points=10), 11, 3, None)
    _report("Heat map 5 x 5 on whatif_points_programme (pricing.renewal_price x "
            "competition.intensity, the page's default size)",
            lambda: heat_map(points, "pricing.renewal_price", "competition.intensity"),
            21, 5, None)


if __name__ == "__main__":
    main()
