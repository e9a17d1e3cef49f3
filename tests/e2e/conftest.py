"""Browser tests: Playwright drives Debian's chromium against ``streamlit run`` on localhost.

The app is started once per test session on a free loopback port; tests wait
for ``/_stcore/health`` before opening pages. Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
SAVE_DIR = ARTIFACTS / "saved_scenarios"
"""Where the test server saves scenarios (never into scenarios/)."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = _chromium()
    if executable is None:
        pytest.fail("Debian chromium is not installed (apt-get install chromium); "
                    ".ci/run installs it")
    return {**browser_type_launch_args, "executable_path": executable,
            "args": ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1500, "height": 1100}, "locale": "en-US"}


@contextlib.contextmanager
def _streamlit_server():
    """Run ``streamlit run app.py`` on a free loopback port; yield its base URL once healthy."""
    port = _free_port()
    save_dir = SAVE_DIR                               # never write into scenarios/ from tests
    save_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS": "full",
           "CRMSIM_SAVE_DIR": str(save_dir), "CRMSIM_ALLOW_SAVE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            proc.kill()
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            pytest.fail(f"streamlit did not become healthy on {url}:\n{out[-3000:]}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def app_url():
    """The app, started once for the test session."""
    with _streamlit_server() as url:
        yield url


@pytest.fixture()
def fresh_app_url():
    """The app on a server that has not served any request yet (for deep-link tests)."""
    with _streamlit_server() as url:
        yield url


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until the app is connected and its script has finished running."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']",
                           timeout=timeout)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                           timeout=timeout)
    page.wait_for_timeout(400)


def screenshot(page, name: str) -> Path:
    """Full-page screenshot into artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_charts_drawn(page, expected: int, visible: range | None = None) -> None:
    """The page has ``expected`` Vega-Lite charts and those in ``visible`` (default: all;
    charts in a hidden tab are not drawn) rendered marks. A chart whose spec fails in
    the browser stays an empty box, which no server-side test can see."""
    charts = page.get_by_test_id("stVegaLiteChart")
    charts.nth(expected - 1).wait_for(state="attached", timeout=15_000)
    page.wait_for_timeout(800)
    assert charts.count() == expected
    for i in visible if visible is not None else range(expected):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        drawn = chart.evaluate(
            "el => { const c = el.querySelector('canvas, svg.marks');"
            " if (!c) return 0; const r = c.getBoundingClientRect(); return r.width * r.height; }")
        assert drawn > 10_000, f"chart {i} was not drawn"


def sidebar_select(page, label: str, option: str) -> None:
    """Pick ``option`` in the sidebar selectbox labelled ``label`` and wait for the rerun."""
    box = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(
        has_text=label).first
    box.click()
    page.get_by_role("option", name=option).click()
    wait_for_app(page)
