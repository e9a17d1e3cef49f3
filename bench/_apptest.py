"""Shared by the page benchmarks: time AppTest reruns after widget moves.

Besides AppTest's own round trip, each move's *server time* is measured inside
Streamlit's script runner (``ScriptRunner._run_script``: the callbacks and the
script, what a browser session waits for before the last message leaves the
server), as wall time and as the script thread's CPU time (``time.thread_time``),
which other processes on a shared machine disturb much less.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from streamlit.runtime.scriptrunner import script_runner
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


@contextlib.contextmanager
def script_times() -> Iterator[list[tuple[float, float]]]:
    """Record ``(wall, cpu)`` seconds of every script run started inside the block."""
    runs: list[tuple[float, float]] = []
    original = script_runner.ScriptRunner._run_script

    def timed(self: script_runner.ScriptRunner, rerun_data: object) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            original(self, rerun_data)  # type: ignore[arg-type]
        finally:
            runs.append((time.perf_counter() - wall, time.thread_time() - cpu))

    script_runner.ScriptRunner._run_script = timed  # type: ignore[method-assign]
    try:
        yield runs
    finally:
        script_runner.ScriptRunner._run_script = original  # type: ignore[method-assign]


def time_moves(at: AppTest, move: Callable[[AppTest, float], None], values: Sequence[float],
               label: str, target_ms: float) -> float:
    """Apply ``move(at, value)`` then rerun for every value; print the AppTest round trip and
    the server time (wall and CPU) of the script runs; return the median server wall time
    (ms), which ``target_ms`` is checked against."""
    times: list[float] = []
    runs: list[tuple[float, float]] = []
    for value in values:
        try:
            move(at, value)
        except KeyError:
            # The last move reran only the page's fragments (as in a browser), so AppTest's
            # tree lacks the lever panel that a browser keeps: redraw it, untimed.
            at.run()
            move(at, value)
        with script_times() as move_runs:
            begin = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - begin)
        runs.extend(move_runs)
        assert not at.exception, at.exception
    median = statistics.median(times) * 1e3
    server = statistics.median(w for w, _ in runs) * 1e3
    cpu = statistics.median(c for _, c in runs) * 1e3
    verdict = "met" if server <= target_ms else "NOT met"
    print(f"  {label}, {len(values)} moves: server time median {server:.0f} ms "
          f"(script thread CPU {cpu:.0f} ms), AppTest round trip median {median:.0f} ms, "
          f"min {min(times) * 1e3:.0f} ms, max {max(times) * 1e3:.0f} ms "
          f"(target <= {target_ms:.0f} ms: {verdict})")
    return server


def time_call(fn: Callable[[], object], repeat: int = 50) -> tuple[float, float]:
    """Median and minimum wall time of ``fn()`` in milliseconds."""
    fn()
    times = []
    for _ in range(repeat):
        begin = time.perf_counter()
        fn()
        times.append(time.perf_counter() - begin)
    return statistics.median(times) * 1e3, min(times) * 1e3
