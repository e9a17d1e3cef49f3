"""Shared by the page benchmarks: time AppTest reruns after widget moves."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def open_page(preset: str, page: str | None = None) -> AppTest:
    """The app with ``preset`` loaded, switched to ``page`` (``pages/….py``) if given."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["preset"] = preset
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def time_moves(at: AppTest, move: Callable[[AppTest, float], None], values: Sequence[float],
               label: str, target_ms: float) -> float:
    """Apply ``move(at, value)`` then rerun for every value; print and return the median (ms)."""
    times = []
    for value in values:
        move(at, value)
        begin = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - begin)
        assert not at.exception, at.exception
    median = statistics.median(times) * 1e3
    print(f"  {label}, AppTest rerun over {len(values)} moves: median {median:.0f} ms, "
          f"min {min(times) * 1e3:.0f} ms, max {max(times) * 1e3:.0f} ms "
          f"(target < {target_ms:.0f} ms)")
    return median


def time_call(fn: Callable[[], object], repeat: int = 50) -> tuple[float, float]:
    """Median and minimum wall time of ``fn()`` in milliseconds."""
    fn()
    times = []
    for _ in range(repeat):
        begin = time.perf_counter()
        fn()
        times.append(time.perf_counter() - begin)
    return statistics.median(times) * 1e3, min(times) * 1e3
