"""Benchmark: "lever move -> last paint" in a real browser, on every page of the app.

What is measured. ``streamlit run app.py`` is started on a free loopback port
(headless, as in tests/e2e/conftest.py) and each page is opened in headless
Chromium (Playwright, Debian's /usr/bin/chromium), in its own browser context, so
its own Streamlit session. An init script in the page records:

* the input event's time (``event.timeStamp`` of the ``pointerdown`` of a "+"
  click, or the ``keydown`` of an arrow key on a slider or of Enter after typing a
  value), the start of the interval;
* every DOM mutation (MutationObserver on the whole document: text, attributes,
  the SVG marks Vega redraws), and the end of the frame painted after it
  (``requestAnimationFrame`` then a task), the end of the interval: the
  *last paint*;
* the arrival time of every websocket message, so the interval splits into
  "server" (input -> the last message of the run, i.e. ``script_finished``) and
  "browser" (that message -> last paint).

A move is over when the app's status says ``notRunning``, the page's outputs
(the ``st.metric`` values and deltas and the Vega chart titles) differ from what
they were before the move, and nothing has changed in the DOM for ``--quiet-ms``
(300 ms). A move whose outputs did not change within ``--timeout`` is an error
(a fast "nothing happened" must not count as fast), as is a move that shows an
exception. The websocket frames are also decoded (``streamlit.proto.ForwardMsg``)
to count the script runs each move caused (full-app runs, fragment runs).

The moves (``--moves``, default 20, after one unmeasured warm-up move), each to a
value not shown before, so the scenario's engines really run, except on Compare:

* CLV (``/``, textbook_magazine): the "Renewal rate uplift" slider, ArrowRight (+0.5 points);
* Loyalty (``/loyalty``, lesson_false_loyalty): "Service quality" slider, ArrowRight (+0.05);
* Dashboard (``/dashboard``, whatif_crm_system): "+" on "Acquisition budget" (+50,000);
* ROI (``/roi``, whatif_crm_system): type a new "Recurring training" figure, Enter;
* Compare (``/compare``, whatif_crm_system, Sensitivity tab): the "Step" slider,
  ArrowRight up to 50 %, then ArrowLeft down to 5 %, … (it has ten values, so
  some moves return to a value already computed: cache hits, reported apart).

Targets (tracker issue 12): per page p50 <= 250 ms and p95 <= 500 ms.

The machine's load average is printed with every page, because other work on the
same cores slows the figures down.

Run: python bench/bench_browser.py [--app-dir PATH] [--moves 20] [--pages clv,dashboard]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, WebSocket, sync_playwright
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench._browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    cpu_snapshot,
    describe_app_dir,
    load_average,
    machine_busy,
    percentile,
    stop_on_sigterm,
    streamlit_server,
    tree_cpu_seconds,
)

TARGET_P50_MS = 250.0
TARGET_P95_MS = 500.0

INIT_SCRIPT = """
(() => {
  const s = window.__bench = {armed: false, t0: null, lastMut: 0, lastPaint: 0, mutations: 0,
                              msgTimes: []};
  const arm = (e) => { if (s.armed) { s.t0 = e.timeStamp; s.armed = false; } };
  window.addEventListener('pointerdown', arm, true);
  window.addEventListener('keydown', arm, true);
  new MutationObserver((records) => {
    s.lastMut = performance.now();
    s.mutations += records.length;
    requestAnimationFrame(() => setTimeout(() => { s.lastPaint = performance.now(); }, 0));
  }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { s.msgTimes.push(performance.now()); });
    }
  };
})();
"""

OUTPUTS_JS = """() => {
  const texts = (sel) => [...document.querySelectorAll(sel)].map(e => e.textContent.trim());
  return JSON.stringify([texts('[data-testid=stMetricValue]'), texts('[data-testid=stMetricDelta]'),
                         texts('[data-testid=stVegaLiteChart] .role-title-text')]);
}"""

ARM_JS = """() => { const s = window.__bench; s.armed = true; s.t0 = null; s.msgTimes = [];
  s.mutations = 0; return (OUTPUTS)(); }""".replace("OUTPUTS", OUTPUTS_JS)

SETTLE_JS = """async ([before, quietMs, timeoutMs]) => {
  const s = window.__bench, start = performance.now();
  const outputs = OUTPUTS;
  const errors = () => document.querySelectorAll('[data-testid=stException]').length;
  for (;;) {
    await new Promise(r => setTimeout(r, 20));
    const now = performance.now();
    const app = document.querySelector('[data-testid=stApp]');
    const idle = app !== null && app.getAttribute('data-test-script-state') === 'notRunning';
    const after = outputs();
    const done = s.t0 !== null && idle && after !== before && now - s.lastMut >= quietMs;
    const late = now - start > timeoutMs;
    if (done || late || (idle && errors() > 0 && now - s.lastMut >= quietMs)) {
      return {done, t0: s.t0, lastMut: s.lastMut, lastPaint: Math.max(s.lastPaint, s.lastMut),
              msgTimes: s.msgTimes.filter(t => s.t0 !== null && t >= s.t0),
              allMsgs: s.msgTimes.length, mutations: s.mutations, changed: after !== before,
              exceptions: errors(), outputs: after};
    }
  }
}""".replace("OUTPUTS", OUTPUTS_JS)


@dataclass
class Move:
    """One measured lever move."""

    value: str
    new_value: bool
    latency_ms: float | None = None
    server_ms: float | None = None
    runs: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class Case:
    """A page and the lever move repeated on it."""

    name: str
    path: str
    lever: str
    move: Callable[[Page, int], tuple[str, bool]]
    """Perform move ``i`` (0 = warm-up); return the new value's text and whether it is new."""
    setup: Callable[[Page], None] | None = None


def _slider(page: Page, label: str) -> Any:
    return page.get_by_test_id("stSlider").filter(has_text=label).first.get_by_role("slider")


def _slider_move(label: str) -> Callable[[Page, int], tuple[str, bool]]:
    """Arrow keys on a slider: right until its maximum, then left until its minimum, …"""
    seen: set[str] = set()
    direction = ["ArrowRight"]

    def move(page: Page, i: int) -> tuple[str, bool]:
        thumb = _slider(page, label)
        current = thumb.input_value()
        seen.add(current)
        if current == thumb.get_attribute("max"):
            direction[0] = "ArrowLeft"
        elif current == thumb.get_attribute("min"):
            direction[0] = "ArrowRight"
        thumb.focus()
        page.keyboard.press(direction[0])
        value = thumb.input_value()
        new = value not in seen
        seen.add(value)
        return value, new
    return move


def _step_up(label: str) -> Callable[[Page, int], tuple[str, bool]]:
    def move(page: Page, i: int) -> tuple[str, bool]:
        box = page.get_by_test_id("stNumberInput").filter(has_text=label).first
        box.get_by_test_id("stNumberInputStepUp").click()
        return box.get_by_role("spinbutton").input_value(), True
    return move


def _type_enter(label: str,
                value: Callable[[int], float]) -> Callable[[Page, int], tuple[str, bool]]:
    def move(page: Page, i: int) -> tuple[str, bool]:
        field_ = page.get_by_test_id("stNumberInput").filter(has_text=label).first \
            .get_by_role("spinbutton")
        text = f"{value(i):.0f}"
        field_.fill(text)
        field_.press("Enter")
        return text, True
    return move


def _open_sensitivity(page: Page) -> None:
    page.get_by_role("tab", name="Sensitivity").click()
    page.wait_for_timeout(500)


CASES: tuple[Case, ...] = (
    Case("clv", "/?scenario=textbook_magazine", "uplift slider, ArrowRight",
         _slider_move("Renewal rate uplift")),
    Case("loyalty", "/loyalty?scenario=lesson_false_loyalty", "service quality slider, ArrowRight",
         _slider_move("Service quality")),
    Case("dashboard", "/dashboard?scenario=whatif_crm_system", "acquisition budget '+'",
         _step_up("Acquisition budget")),
    Case("roi", "/roi?scenario=whatif_crm_system", "training per year: type, Enter",
         _type_enter("Training per year", lambda i: 9_000 + 500 * i)),
    Case("compare", "/compare?scenario=whatif_crm_system", "sensitivity step slider, arrows",
         _slider_move("Step"),
         _open_sensitivity),
)

_STATUS = {ForwardMsg.FINISHED_SUCCESSFULLY: "full", ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
           "fragment", ForwardMsg.FINISHED_EARLY_FOR_RERUN: "interrupted",
           ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile-error"}


class FrameLog:
    """The ForwardMsgs a page receives (decoded from the websocket frames over CDP)."""

    def __init__(self, page: Page) -> None:
        self.kinds: list[str] = []
        page.on("websocket", self._attach)

    def _attach(self, ws: WebSocket) -> None:
        if ws.url.endswith("/_stcore/stream"):
            ws.on("framereceived", self._frame)

    def _frame(self, payload: bytes | str) -> None:
        msg = ForwardMsg()
        try:
            msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
        except Exception:         # noqa: BLE001 - a frame we cannot read is only not counted
            self.kinds.append("?")
            return
        kind = msg.WhichOneof("type") or "?"
        if kind == "script_finished":
            kind = "finished:" + _STATUS.get(msg.script_finished, str(msg.script_finished))
        self.kinds.append(kind)


def _wait_idle(page: Page, timeout_ms: float = 60_000) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']",
                           timeout=timeout_ms)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                           timeout=timeout_ms)
    page.wait_for_function("() => performance.now() - window.__bench.lastMut > 500",
                           timeout=timeout_ms)


def _one_move(page: Page, frames: FrameLog, case: Case, i: int, quiet_ms: float,
              timeout_ms: float) -> Move:
    before = page.evaluate(ARM_JS)
    first_frame = len(frames.kinds)
    value, new = case.move(page, i)
    result = page.evaluate(SETTLE_JS, [before, quiet_ms, timeout_ms])
    kinds = frames.kinds[first_frame:]
    runs = [k.split(":", 1)[1] for k in kinds if k.startswith("finished:")]
    move = Move(value=value, new_value=new, runs=runs)
    if result["t0"] is None:
        move.error = "no input event seen"
        return move
    move.latency_ms = result["lastPaint"] - result["t0"]
    times = result["msgTimes"]
    if len(times) == len(kinds) and runs:
        last_finished = max(j for j, k in enumerate(kinds) if k.startswith("finished:"))
        move.server_ms = times[last_finished] - result["t0"]
    if result["exceptions"]:
        move.error = f"{result['exceptions']} exception(s) shown"
    elif not result["done"]:
        move.error = ("timeout: outputs unchanged" if not result["changed"]
                      else "timeout: page did not settle")
    return move


def _fmt(value: float) -> str:
    return "   n/a" if value != value else f"{value:6.0f}"


def run_case(browser: Any, base_url: str, server_pid: int, case: Case, moves: int,
             quiet_ms: float, timeout_ms: float, verbose: bool) -> dict[str, Any]:
    """Open ``case``'s page in a fresh context, make one warm-up and ``moves`` measured moves."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="en-US")
    try:
        page = context.new_page()
        page.add_init_script(INIT_SCRIPT)
        frames = FrameLog(page)
        page.goto(base_url + case.path)
        _wait_idle(page)
        if case.setup:
            case.setup(page)
            _wait_idle(page)
        load_before, cpu0 = load_average(), cpu_snapshot()
        done: list[Move] = []
        for i in range(moves + 1):
            move = _one_move(page, frames, case, i, quiet_ms, timeout_ms)
            if verbose:
                print(f"    {case.name} move {i}{' (warm-up)' if i == 0 else ''}: "
                      f"{move.value} {'new' if move.new_value else 'seen'} "
                      f"{move.latency_ms or 0:.0f} ms, server {move.server_ms or 0:.0f} ms, "
                      f"runs {move.runs} {move.error or ''}", flush=True)
            done.append(move)
            if move.error:
                _wait_idle(page)
            if i == 0:              # CPU used by the measured moves: server, and the rest
                server0 = tree_cpu_seconds(server_pid)
                client0 = tree_cpu_seconds(os.getpid()) - server0
        server_cpu = tree_cpu_seconds(server_pid) - server0
        client_cpu = tree_cpu_seconds(os.getpid()) - server_cpu - server0 - client0
        warm, measured = done[0], done[1:]
        return {"case": case, "warm": warm, "moves": measured, "load_before": load_before,
                "server_cpu_ms": 1000 * server_cpu / max(moves, 1),
                "client_cpu_ms": 1000 * client_cpu / max(moves, 1),
                "load_after": f"{load_average()} ({machine_busy(cpu0)} during the moves)"}
    finally:
        context.close()


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """p50/p95 and the rest of one page's figures."""
    case: Case = result["case"]
    moves: list[Move] = result["moves"]
    ok = [m for m in moves if m.latency_ms is not None and m.error is None]
    lat = [m.latency_ms for m in ok if m.latency_ms is not None]
    srv = [m.server_ms for m in ok if m.server_ms is not None]
    new = [m.latency_ms for m in ok if m.new_value and m.latency_ms is not None]
    seen = [m.latency_ms for m in ok if not m.new_value and m.latency_ms is not None]
    runs: dict[str, int] = {}
    for m in moves:
        key = " + ".join(m.runs) if m.runs else "none"
        runs[key] = runs.get(key, 0) + 1
    p50, p95 = percentile(lat, 50), percentile(lat, 95)
    return {"page": case.name, "lever": case.lever, "moves": len(moves), "ok": len(ok),
            "errors": [m.error for m in moves if m.error], "p50": p50, "p95": p95,
            "max": max(lat, default=float("nan")),
            "server_p50": percentile(srv, 50), "server_p95": percentile(srv, 95),
            "new_p50": percentile(new, 50), "new_n": len(new),
            "seen_p50": percentile(seen, 50), "seen_n": len(seen),
            "warm_up_ms": result["warm"].latency_ms, "runs_per_move": runs,
            "server_cpu_ms": result["server_cpu_ms"], "client_cpu_ms": result["client_cpu_ms"],
            "load_before": result["load_before"], "load_after": result["load_after"],
            "meets_target": bool(lat) and p50 <= TARGET_P50_MS and p95 <= TARGET_P95_MS
            and not any(m.error for m in moves)}


def print_table(rows: list[dict[str, Any]]) -> None:
    """The per-page figures against the targets."""
    print(f"\nlever move -> last paint (ms; targets p50 <= {TARGET_P50_MS:.0f}, "
          f"p95 <= {TARGET_P95_MS:.0f})")
    print(f"{'page':<10} {'moves':>5} {'p50':>6} {'p95':>6} {'max':>6} {'srv50':>6} {'srv95':>6}"
          f" {'warm':>6}  target  runs per move / errors")
    for r in rows:
        runs = ", ".join(f"{n}x {k}" for k, n in r["runs_per_move"].items())
        errors = f"; {len(r['errors'])} errors: {sorted(set(r['errors']))}" if r["errors"] else ""
        warm = r["warm_up_ms"] if r["warm_up_ms"] is not None else float("nan")
        print(f"{r['page']:<10} {r['ok']:>2}/{r['moves']:<2} {_fmt(r['p50'])} {_fmt(r['p95'])}"
              f" {_fmt(r['max'])} {_fmt(r['server_p50'])} {_fmt(r['server_p95'])} {_fmt(warm)}"
              f"  {'MET ' if r['meets_target'] else 'MISS'}    {runs}{errors}")
        if r["seen_n"]:
            print(f"{'':<10} new values p50 {r['new_p50']:.0f} ms (n={r['new_n']}), values "
                  f"already computed (cache hits) p50 {r['seen_p50']:.0f} ms (n={r['seen_n']})")
        print(f"{'':<10} CPU per move: server {r['server_cpu_ms']:.0f} ms, Chromium and this "
              f"process {r['client_cpu_ms']:.0f} ms")
        print(f"{'':<10} {r['lever']}; {r['load_before']} before, {r['load_after']} after")
    print("srv = input event -> the run's last websocket message (script_finished), "
          "i.e. server time + transport;\nthe rest up to the last paint is the browser's. "
          "CPU per move is less sensitive to other load than the times.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app-dir", type=Path, default=ROOT,
                        help="checkout whose app.py is run (default: this repository)")
    parser.add_argument("--moves", type=int, default=20, help="measured moves per page")
    parser.add_argument("--pages", default=",".join(c.name for c in CASES),
                        help="comma-separated pages (default: all)")
    parser.add_argument("--quiet-ms", type=float, default=300.0,
                        help="no DOM change for this long = the page has settled")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per move")
    parser.add_argument("--streamlit-arg", action="append", default=[],
                        help="extra `streamlit run` option, "
                        "e.g. --streamlit-arg=--runner.fastReruns=true")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every move")
    args = parser.parse_args(argv)
    stop_on_sigterm()
    wanted = [p.strip() for p in args.pages.split(",") if p.strip()]
    cases = [c for c in CASES if c.name in wanted]
    if not cases:
        parser.error(f"--pages: choose from {', '.join(c.name for c in CASES)}")
    app_dir = args.app_dir.resolve()
    print(f"bench_browser: app {describe_app_dir(app_dir)}; {args.moves} moves per page after "
          f"one warm-up; Chromium {CHROMIUM} headless; {load_average()}", flush=True)
    rows = []
    with streamlit_server(app_dir, args.streamlit_arg) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for case in cases:
                print(f"  {case.name}: {case.path} ({case.lever})", flush=True)
                result = run_case(browser, server.url, server.pid, case, args.moves,
                                  args.quiet_ms, args.timeout * 1000, args.verbose)
                rows.append(summarise(result))
        finally:
            browser.close()
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps({"app": describe_app_dir(app_dir), "pages": rows},
                                        indent=2, default=str))
    return 0 if all(r["meets_target"] for r in rows) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted (the server was stopped)", file=sys.stderr)
        sys.exit(130)
