"""Benchmark: a room of people on one server, each moving a dashboard lever every few seconds.

What is measured. One ``streamlit run app.py`` (headless, free loopback port, as
in tests/e2e/conftest.py) serves ``--sessions`` (default 30) sessions, all on the
executive dashboard of ``whatif_crm_system`` (about 14,000 customers, 10 monthly
years, 20 Monte Carlo replications). After all sessions have loaded the page,
each one presses "+" on "Acquisition budget" every ``--interval`` seconds
(default 5; the sessions' clocks are staggered evenly over one interval) for
``--duration`` seconds (default 120). A session whose previous move has not
finished moves as soon as it has (people wait for the figures; the slip is
counted) and skips the due times that passed meanwhile (counted too): a slow
server gets fewer moves, as it would from people. By default every session's
values are its own (``--values distinct``: session i adds i × 1,000 to the
budget), so no session is helped by another's cached run; ``--values shared``
makes everyone press "+" from the same start, the case where the shared
``st.cache_data`` caches serve most moves.

Printed: p50/p95 of "move -> the new KPI text is shown", errors (moves that
timed out after ``--timeout`` s, exceptions or error boxes on the page, KPIs that
did not change), the script runs per move, the server's memory (RSS of the
streamlit process and its children, sampled from /proc every 0.5 s: before the
sessions, peak, at the end) and its CPU use, and the load average.

Clients (``--client``):

* ``ws`` (default): each session is a websocket client speaking Streamlit's own
  protocol, as the browser does: it connects to ``/_stcore/stream``, sends a
  ``BackMsg.rerun_script`` (query string, page, then the budget widget's id and
  new value in ``widget_states``, and the widget's fragment id, as the browser
  sends for a widget inside a ``st.fragment``), and decodes the ``ForwardMsg``
  stream. A move is shown when the run's ``script_finished`` has arrived (not a
  run cut short for a rerun) and the deltas of the KPI metrics in it differ from
  the previous ones. This is the server's part of what people feel; the browser
  adds its render (bench/bench_browser.py measures it: on the dashboard about
  100-250 ms on top of the server's time).
* ``browser``: each session is a page in one headless Chromium (Playwright,
  Debian's /usr/bin/chromium), which clicks "+" and times from the click's
  ``pointerdown`` to the DOM mutation that shows new KPI text.

Why ``ws`` is the default (tried, 2 cores, 30 sessions, 40 s of moves, commit
04f8bce): with ``--client browser`` the 30 pages took 140 s to load the
dashboard, Chromium held 13 GB of RSS, the load average went to 45, 25 of 65
clicks timed out before Chromium could even deliver them and the rest showed
their KPIs after p50 10.6 s, while the server itself used 0.14 of a core: the
browsers, not the server, set the figures. The websocket clients cost about 1 %
of a core. The output says which client was used.

Targets (tracker issue 12, "room of thirty", paced every 5 s for 2 minutes): p95 <=
1.5 s from the move to the new KPI text, no errors, server memory <= 1 GB (peak RSS of
the server and its children).

Run: python bench/bench_room.py [--sessions 30] [--interval 5] [--duration 120]
     [--client ws|browser] [--values distinct|shared] [--app-dir PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench._browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    RssSampler,
    cpu_snapshot,
    describe_app_dir,
    load_average,
    machine_busy,
    percentile,
    stop_on_sigterm,
    streamlit_server,
    tree_cpu_seconds,
    tree_rss_mib,
)

TARGET_P95_MS = 1500.0
TARGET_RSS_MIB = 1024.0
PRESET = "whatif_crm_system"
PAGE = "dashboard"
WIDGET_KEY = "acq_budget"
BUDGET = 250_000.0
STEP = 50_000.0
LOAD_TIMEOUT = 120.0


@dataclass
class MoveRecord:
    """One lever move of one session."""

    session: int
    value: float
    shown_ms: float | None = None
    kpi_ms: float | None = None
    slip_ms: float = 0.0
    runs: list[str] = field(default_factory=list)
    received_bytes: int = 0
    error: str | None = None


_STATUS = {ForwardMsg.FINISHED_SUCCESSFULLY: "full",
           ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "fragment",
           ForwardMsg.FINISHED_EARLY_FOR_RERUN: "interrupted",
           ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile-error"}


class WsSession:
    """A Streamlit session driven over the websocket, as the browser drives it."""

    def __init__(self, index: int, base_url: str) -> None:
        self.index = index
        self.url = base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.ws: Any = None
        self.widget_id = ""
        self.fragment_id = ""
        self.page_hash = ""
        self.query = f"scenario={PRESET}"
        self.metrics: dict[tuple[int, ...], str] = {}
        self.received = 0

    async def open(self) -> None:
        """Connect and load the dashboard (the browser's first ``rerun_script``)."""
        self.ws = await websockets.connect(self.url, subprotocols=[websockets.Subprotocol(
            "streamlit")], max_size=None, open_timeout=LOAD_TIMEOUT, ping_timeout=None)
        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_name = PAGE
        msg.rerun_script.context_info.locale = "en-US"
        msg.rerun_script.context_info.timezone = "UTC"
        await self.ws.send(msg.SerializeToString())
        runs, problems, _ = await asyncio.wait_for(self._read_run(time.perf_counter()),
                                                   LOAD_TIMEOUT)
        if problems or not self.widget_id:
            raise RuntimeError(f"session {self.index}: dashboard did not load: "
                               f"{problems or 'no ' + WIDGET_KEY + ' widget'} (runs {runs})")

    async def close(self) -> None:
        """Close the websocket."""
        if self.ws is not None:
            await self.ws.close()

    async def move(self, record: MoveRecord, timeout: float) -> None:
        """Set the budget widget to ``record.value``; time until the new KPIs are in."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash
        state.fragment_id = self.fragment_id
        state.context_info.locale = "en-US"
        state.context_info.timezone = "UTC"
        widget = state.widget_states.widgets.add()
        widget.id = self.widget_id
        widget.double_value = record.value
        before = dict(self.metrics)
        received = self.received
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        reader = asyncio.ensure_future(self._read_run(start))
        try:
            runs, problems, kpi_at = await asyncio.wait_for(asyncio.shield(reader), timeout)
        except TimeoutError:
            record.error = f"timeout ({timeout:.0f} s)"
            with contextlib.suppress(Exception):
                await asyncio.wait_for(reader, 120)       # let the run end before the next move
            return
        record.shown_ms = (time.perf_counter() - start) * 1000
        record.kpi_ms = None if kpi_at is None else (kpi_at - start) * 1000
        record.runs = runs
        record.received_bytes = self.received - received
        if problems:
            record.error = "; ".join(problems)
        elif self.metrics == before:
            record.error = "KPIs unchanged"

    async def _read_run(self, start: float) -> tuple[list[str], list[str], float | None]:
        """Read ForwardMsgs until a run finishes that was not cut short for a rerun."""
        runs: list[str] = []
        problems: list[str] = []
        kpi_at: float | None = None
        while True:
            frame = await self.ws.recv()
            self.received += len(frame)
            msg = ForwardMsg()
            msg.ParseFromString(frame)
            kind = msg.WhichOneof("type")
            if kind == "new_session" and not self.page_hash:
                self.page_hash = msg.new_session.page_script_hash
            elif kind == "page_info_changed":
                self.query = msg.page_info_changed.query_string
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                which = element.WhichOneof("type")
                if which == "metric":
                    path = tuple(msg.metadata.delta_path)
                    self.metrics[path] = f"{element.metric.body}|{element.metric.delta}"
                    kpi_at = time.perf_counter()
                elif which == "number_input" and element.number_input.id.endswith(
                        "-" + WIDGET_KEY):
                    self.widget_id = element.number_input.id
                    self.fragment_id = msg.delta.fragment_id
                    self.page_hash = msg.metadata.active_script_hash or self.page_hash
                elif which == "exception":
                    problems.append(f"exception: {element.exception.type}: "
                                    f"{element.exception.message[:80]}")
                elif which == "alert" and element.alert.format == Alert.ERROR:
                    problems.append(f"error box: {element.alert.body[:80]}")
            elif kind == "script_finished":
                status = _STATUS.get(msg.script_finished, str(msg.script_finished))
                runs.append(status)
                if status != "interrupted":
                    return runs, problems, kpi_at


def _values(session: int, count: int, mode: str) -> list[float]:
    offset = 0.0 if mode == "shared" else 1_000.0 * (session + 1)
    return [BUDGET + offset + STEP * (k + 1) for k in range(count)]


async def _session_loop(client: Any, index: int, sessions: int, interval: float,
                        duration: float, t_start: float, mode: str, timeout: float,
                        records: list[MoveRecord], skipped: list[int]) -> None:
    """Move every ``interval`` s from ``t_start`` + this session's offset until ``duration``.

    A move that is due while the previous one is still running is made as soon as that
    one has finished; the due times that passed meanwhile are skipped (a person does
    not click several times to catch up), and counted in ``skipped``.
    """
    end = t_start + duration
    due = t_start + interval * index / sessions
    values = iter(_values(index, int(duration / interval) + 2, mode))
    while due < end:
        now = time.perf_counter()
        if now < due:
            await asyncio.sleep(due - now)
        else:
            missed = int((now - due) // interval)
            skipped[index] += missed
            due += missed * interval
        record = MoveRecord(session=index, value=next(values),
                            slip_ms=max(0.0, (time.perf_counter() - due) * 1000))
        try:
            await client.move(record, timeout)
        except Exception as exc:   # noqa: BLE001 - a broken session is counted, the room goes on
            record.error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"[:100]
            records.append(record)
            return
        records.append(record)
        due += interval


# -- browser clients -------------------------------------------------------------------------

BROWSER_INIT = """
(() => {
  const s = window.__room = {armed: false, t0: null, before: null, shown: null};
  const kpis = () => [...document.querySelectorAll('[data-testid=stMetric]')]
      .map(m => m.textContent).join('|');
  s.kpis = kpis;
  window.addEventListener('pointerdown', (e) => {
    if (s.armed) { s.t0 = e.timeStamp; s.armed = false; } }, true);
  new MutationObserver(() => {
    if (s.t0 !== null && s.shown === null && kpis() !== s.before) s.shown = performance.now();
  }).observe(document, {subtree: true, childList: true, characterData: true});
})();
"""


class BrowserSession:
    """A session that is a page in headless Chromium."""

    def __init__(self, index: int, base_url: str, browser: Any) -> None:
        self.index = index
        self.base_url = base_url
        self.browser = browser
        self.context: Any = None
        self.page: Any = None

    async def open(self) -> None:
        """Open the dashboard in a fresh browser context (its own session)."""
        self.context = await self.browser.new_context(viewport={"width": 1500, "height": 1100},
                                                      locale="en-US")
        self.page = await self.context.new_page()
        await self.page.add_init_script(BROWSER_INIT)
        await self.page.goto(f"{self.base_url}/{PAGE}?scenario={PRESET}",
                             timeout=LOAD_TIMEOUT * 1000)
        await self._idle(LOAD_TIMEOUT)
        if await self.page.get_by_test_id("stException").count():
            raise RuntimeError(f"session {self.index}: exception on load")

    async def _idle(self, timeout: float) -> None:
        await self.page.wait_for_selector(
            "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout * 1000)

    async def close(self) -> None:
        """Close the context."""
        if self.context is not None:
            await self.context.close()

    async def move(self, record: MoveRecord, timeout: float) -> None:
        """Press "+" once, as people do; time from the press to the new KPI text in the DOM."""
        await self.page.evaluate("() => { const s = window.__room; s.armed = true; s.t0 = null;"
                                 " s.shown = null; s.before = s.kpis(); }")
        box = self.page.get_by_test_id("stNumberInput").filter(has_text="Acquisition budget")
        await box.first.get_by_test_id("stNumberInputStepUp").click(timeout=timeout * 1000)
        try:
            await self.page.wait_for_function("() => window.__room.shown !== null",
                                              timeout=timeout * 1000, polling=50)
        except Exception:          # noqa: BLE001 - Playwright's TimeoutError
            record.error = f"timeout ({timeout:.0f} s)"
            with contextlib.suppress(Exception):
                await self._idle(120)
            return
        times = await self.page.evaluate("() => [window.__room.t0, window.__room.shown]")
        record.shown_ms = times[1] - times[0] if times[0] is not None else None
        record.kpi_ms = record.shown_ms
        await self._idle(timeout)
        if await self.page.get_by_test_id("stException").count():
            record.error = "exception shown"


# -- the room --------------------------------------------------------------------------------

async def _open_all(clients: list[Any], stagger: float) -> None:
    async def one(i: int, client: Any) -> None:
        await asyncio.sleep(i * stagger)
        await client.open()
    await asyncio.gather(*(one(i, c) for i, c in enumerate(clients)))


async def run_room(base_url: str, server_pid: int, args: argparse.Namespace) -> dict[str, Any]:
    """Open the sessions, run the moves, return the figures."""
    records: list[MoveRecord] = []
    skipped = [0] * args.sessions
    pw_manager: Any = None
    browser: Any = None
    if args.client == "browser":
        from playwright.async_api import async_playwright
        pw_manager = async_playwright()
        pw = await pw_manager.__aenter__()
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        clients: list[Any] = [BrowserSession(i, base_url, browser) for i in range(args.sessions)]
    else:
        clients = [WsSession(i, base_url) for i in range(args.sessions)]
    try:
        with RssSampler(server_pid) as rss:
            idle_rss = rss.first
            t_open = time.perf_counter()
            await _open_all(clients, args.stagger)
            opened_s = time.perf_counter() - t_open
            loaded_rss = rss.samples[-1]
            print(f"  {args.sessions} sessions loaded the dashboard in {opened_s:.1f} s; "
                  f"{load_average()}", flush=True)
            load_before, machine0 = load_average(), cpu_snapshot()
            me = os.getpid()        # the client side: this process, Playwright, Chromium
            cpu0, t0 = tree_cpu_seconds(server_pid), time.perf_counter()
            client_cpu0 = tree_cpu_seconds(me) - cpu0
            t_start = time.perf_counter() + 0.5
            await asyncio.gather(*(_session_loop(c, i, args.sessions, args.interval,
                                                 args.duration, t_start, args.values,
                                                 args.timeout, records, skipped)
                                   for i, c in enumerate(clients)))
            wall = time.perf_counter() - t0
            server_cores = (tree_cpu_seconds(server_pid) - cpu0) / wall
            client_cores = (tree_cpu_seconds(me) - tree_cpu_seconds(server_pid)
                            - client_cpu0) / wall
            client_rss = tree_rss_mib(me) - tree_rss_mib(server_pid)
            load_after = f"{load_average()} ({machine_busy(machine0)} during the moves)"
        return {"records": records, "skipped": sum(skipped), "idle_rss": idle_rss,
                "loaded_rss": loaded_rss,
                "peak_rss": rss.peak, "end_rss": rss.last, "open_s": opened_s,
                "server_cores": server_cores, "client_cores": client_cores,
                "client_rss": client_rss,
                "load_before": load_before, "load_after": load_after, "wall_s": wall}
    finally:
        for c in clients:
            with contextlib.suppress(Exception):
                await c.close()
        if browser is not None:
            with contextlib.suppress(Exception):
                await browser.close()
        if pw_manager is not None:
            with contextlib.suppress(Exception):
                await pw_manager.__aexit__(None, None, None)


def summarise(result: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """p50/p95, errors, runs per move, memory and CPU."""
    records: list[MoveRecord] = result["records"]
    ok = [r for r in records if r.error is None and r.shown_ms is not None]
    shown = [r.shown_ms for r in ok if r.shown_ms is not None]
    kpi = [r.kpi_ms for r in ok if r.kpi_ms is not None]
    errors: dict[str, int] = {}
    for r in records:
        if r.error:
            key = r.error.split(":")[0] if r.error.startswith(("exception", "error box")) \
                else r.error
            errors[key] = errors.get(key, 0) + 1
    runs: dict[str, int] = {}
    for r in ok:
        key = " + ".join(r.runs) or "none"
        runs[key] = runs.get(key, 0) + 1
    sizes = [r.received_bytes for r in ok if r.received_bytes]
    slipped = [r.slip_ms for r in records if r.slip_ms > 100]
    p50, p95 = percentile(shown, 50), percentile(shown, 95)
    return {"client": args.client, "sessions": args.sessions, "interval_s": args.interval,
            "duration_s": args.duration, "values": args.values, "moves": len(records),
            "ok": len(ok), "errors": errors, "p50_ms": p50, "p95_ms": p95,
            "max_ms": max(shown, default=float("nan")),
            "kpi_p50_ms": percentile(kpi, 50), "kpi_p95_ms": percentile(kpi, 95),
            "moves_per_s": len(records) / result["wall_s"], "runs_per_move": runs,
            "kib_per_move": percentile(sizes, 50) / 1024 if sizes else float("nan"),
            "slipped_moves": len(slipped), "skipped_moves": result["skipped"],
            "slip_p95_ms": percentile(slipped, 95) if slipped else 0.0,
            "rss_idle_mib": result["idle_rss"], "rss_loaded_mib": result["loaded_rss"],
            "rss_peak_mib": result["peak_rss"], "rss_end_mib": result["end_rss"],
            "open_s": result["open_s"], "server_cores": result["server_cores"],
            "client_cores": result["client_cores"], "client_rss_mib": result["client_rss"],
            "load_before": result["load_before"],
            "load_after": result["load_after"],
            "meets_target": bool(shown) and p95 <= TARGET_P95_MS and not errors
            and result["peak_rss"] <= TARGET_RSS_MIB}


def print_summary(s: dict[str, Any]) -> None:
    """The room's figures."""
    how = ("websocket clients speaking Streamlit's protocol (no browser render included)"
           if s["client"] == "ws" else "Chromium pages (render included)")
    print(f"\nroom: {s['sessions']} sessions x one '+' on the dashboard's acquisition budget every "
          f"{s['interval_s']:g} s for {s['duration_s']:g} s ({s['values']} values); clients: {how}")
    print(f"  moves {s['moves']} ({s['moves_per_s']:.1f}/s), ok {s['ok']}, errors "
          f"{sum(s['errors'].values())}{' ' + json.dumps(s['errors']) if s['errors'] else ''}")
    print(f"  move -> new KPI text shown: p50 {s['p50_ms']:.0f} ms, p95 {s['p95_ms']:.0f} ms, "
          f"max {s['max_ms']:.0f} ms (targets p95 <= {TARGET_P95_MS:.0f} ms, no errors, peak "
          f"RSS <= {TARGET_RSS_MIB:.0f} MiB: {'MET' if s['meets_target'] else 'MISSED'})")
    if s["client"] == "ws":
        print(f"  (the KPI metric deltas arrived at p50 {s['kpi_p50_ms']:.0f} ms, p95 "
              f"{s['kpi_p95_ms']:.0f} ms; 'shown' waits for the run's script_finished)")
    if s["client"] == "ws":
        print(f"  runs per move: "
              f"{', '.join(f'{n}x {k}' for k, n in s['runs_per_move'].items())}; "
              f"{s['kib_per_move']:.0f} KiB of ForwardMsgs per move (p50, uncompressed)")
    print(f"  moves that started late (the previous one was still running): "
          f"{s['slipped_moves']}, p95 slip {s['slip_p95_ms']:.0f} ms; moves skipped (due "
          f"while one was still running): {s['skipped_moves']}")
    print(f"  server RSS (streamlit + children): idle {s['rss_idle_mib']:.0f} MiB, after loading "
          f"{s['rss_loaded_mib']:.0f} MiB, peak {s['rss_peak_mib']:.0f} MiB, end "
          f"{s['rss_end_mib']:.0f} MiB")
    print(f"  server CPU {s['server_cores']:.2f} cores busy on average; the clients (this "
          f"process{', Playwright, Chromium' if s['client'] == 'browser' else ''}) "
          f"{s['client_cores']:.2f} cores, {s['client_rss_mib']:.0f} MiB RSS; sessions loaded "
          f"in {s['open_s']:.1f} s")
    print(f"  {s['load_before']} before the moves, {s['load_after']} after")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app-dir", type=Path, default=ROOT,
                        help="checkout whose app.py is run (default: this repository)")
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between moves")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of moving")
    parser.add_argument("--client", choices=("ws", "browser"), default="ws")
    parser.add_argument("--values", choices=("distinct", "shared"), default="distinct",
                        help="distinct: every session its own budgets; shared: the same ones")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per move")
    parser.add_argument("--stagger", type=float, default=0.2,
                        help="seconds between the sessions' first page loads")
    parser.add_argument("--streamlit-arg", action="append", default=[],
                        help="extra `streamlit run` option, "
                        "e.g. --streamlit-arg=--runner.fastReruns=false")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    if args.sessions < 1 or args.interval <= 0 or args.duration <= 0:
        parser.error("--sessions, --interval and --duration must be positive")
    stop_on_sigterm()
    app_dir = args.app_dir.resolve()
    print(f"bench_room: app {describe_app_dir(app_dir)}; {args.sessions} sessions, "
          f"{args.client} clients, every {args.interval:g} s for {args.duration:g} s; "
          f"{load_average()}", flush=True)
    with streamlit_server(app_dir, args.streamlit_arg) as server:
        result = asyncio.run(run_room(server.url, server.pid, args))
    summary = summarise(result, args)
    print_summary(summary)
    if args.json:
        args.json.write_text(json.dumps({"app": describe_app_dir(app_dir), **summary},
                                        indent=2))
    return 0 if summary["meets_target"] else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted (the server was stopped)", file=sys.stderr)
        sys.exit(130)
