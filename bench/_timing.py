"""Shared by the benchmarks: time a call by wall clock and by CPU."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

__all__ = ["time_fn"]


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
