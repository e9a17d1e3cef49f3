"""Shared by the benchmarks: time a call by wall clock and by CPU."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

__all__ = ["time_fn", "print_timings"]


def time_fn(fn: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """Median and minimum wall time and median CPU time of ``fn()`` (ms), after one warm-up.

    CPU time (``time.process_time``) is less disturbed than wall time by other work on a
    shared machine.
    """
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall) * 1e3, min(wall) * 1e3, statistics.median(cpu) * 1e3


TimedCase = tuple[str, Callable[[], object], "float | None", int]
"""``(name, call, target ms or None, repeats)``."""


def print_timings(rows: Sequence[TimedCase]) -> None:
    """Time every case with :func:`time_fn` and print one line each: median, minimum and
    CPU ms, and ``<= target ok/MISSED`` where a case has a target."""
    print(f"{'case':<34} {'median ms':>10} {'min ms':>8} {'cpu ms':>8}  target")
    for name, fn, target, repeat in rows:
        median, low, cpu = time_fn(fn, repeat)
        verdict = "" if target is None else (f"<= {target:.0f} ms "
                                             + ("ok" if median <= target else "MISSED"))
        print(f"{name:<34} {median:>10.1f} {low:>8.1f} {cpu:>8.1f}  {verdict}")
