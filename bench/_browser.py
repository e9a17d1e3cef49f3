"""Shared by the browser and room benchmarks: a ``streamlit run`` server, Chromium, figures.

The server is started like the browser tests start it (tests/e2e/conftest.py):
headless, on a free loopback port, file watcher off, and it is always stopped
(process group terminated, then killed) when the ``with`` block ends, also on
Ctrl-C, SIGTERM or an exception.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run",
                 # Several pages in one browser: none of them is throttled as "hidden".
                 "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                 "--disable-backgrounding-occluded-windows"]

__all__ = ["ROOT", "CHROMIUM", "CHROMIUM_ARGS", "Server", "streamlit_server", "percentile",
           "load_average", "cpu_snapshot", "machine_busy", "RssSampler", "tree_rss_mib",
           "tree_cpu_seconds", "describe_app_dir", "stop_on_sigterm"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, nearest-rank (NaN when empty)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def load_average() -> str:
    """``uptime``'s load averages (1, 5, 15 min) and the core count, as one line."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def cpu_snapshot() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as fh:
        values = [float(v) for v in fh.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0.0)     # idle + iowait
    return sum(values) - idle, sum(values)


def machine_busy(since: tuple[float, float]) -> str:
    """How busy all cores were since ``since`` (a :func:`cpu_snapshot`), e.g. ``cpu 63 %``."""
    busy, total = cpu_snapshot()
    span = total - since[1]
    return f"machine cpu {100 * (busy - since[0]) / span:.0f} % busy" if span > 0 else ""


def describe_app_dir(app_dir: Path) -> str:
    """``<path> @ <short commit>`` (``+ local changes`` when the checkout is dirty)."""
    try:
        commit = subprocess.run(["git", "-C", str(app_dir), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(app_dir), "status", "--porcelain", "--",
                                "app.py", "pages", "ui", "sim"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(app_dir)
    return f"{app_dir} @ {commit}{' + local changes' if dirty else ''}"


def stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit and SIGINT into KeyboardInterrupt (also when the shell
    started the bench in the background with SIGINT ignored), so ``with`` blocks (the
    server) clean up."""
    def _raise(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, _raise)
    signal.signal(signal.SIGINT, signal.default_int_handler)


@dataclass
class Server:
    """A running ``streamlit run`` process."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        """The streamlit process id."""
        return self.process.pid

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's output."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


@contextlib.contextmanager
def streamlit_server(app_dir: Path, extra_args: Sequence[str] = (),
                     env: dict[str, str] | None = None) -> Iterator[Server]:
    """Run ``streamlit run app.py`` in ``app_dir`` on a free loopback port until the block ends.

    Raises:
        RuntimeError: the server did not answer ``/_stcore/health`` within 60 s.
    """
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_streamlit_{port}.log"
    full_env = {**os.environ, "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS": "full", **(env or {})}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
             "--server.runOnSave", "false", *extra_args],
            cwd=app_dir, env=full_env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)        # its own process group: stopped as a whole
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited ({proc.returncode}):\n{server.log_tail()}")
            try:
                with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit not healthy on {server.url}:\n{server.log_tail()}")
            time.sleep(0.3)
        yield server
    finally:
        _stop(proc)
        with contextlib.suppress(OSError):
            log.unlink()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the server's process group; kill it if it has not gone within 10 s."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                found.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return found


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mib(pid: int) -> float:
    """RSS of ``pid`` and all its descendants (MiB), from /proc."""
    total, todo, seen = 0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        total += _rss_kib(current)
        todo.extend(_children(current))
    return total / 1024


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system, seconds) used so far by ``pid`` and its live descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo, seen = 0.0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(_children(current))
    return total


@dataclass
class RssSampler:
    """Samples the RSS of a process tree every ``interval`` seconds in a thread."""

    pid: int
    interval: float = 0.5
    samples: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> RssSampler:
        self.samples.append(tree_rss_mib(self.pid))
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.samples.append(tree_rss_mib(self.pid))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.samples.append(tree_rss_mib(self.pid))

    @property
    def peak(self) -> float:
        """Largest sample (MiB)."""
        return max(self.samples, default=math.nan)

    @property
    def first(self) -> float:
        """First sample (MiB)."""
        return self.samples[0] if self.samples else math.nan

    @property
    def last(self) -> float:
        """Latest sample (MiB)."""
        return self.samples[-1] if self.samples else math.nan
