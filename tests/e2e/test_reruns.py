"""Browser: a lever move runs its page's fragment once, and nothing else (issue 12).

AppTest always reruns the whole script, so only a real browser shows what a move
costs. The test reads Streamlit's own messages off the websocket: every run starts
with ``new_session`` (naming the fragments it runs, none for the whole app) and ends
with ``script_finished``, whose status says whether it was cut short for another run
(a second pass).
After the first edit (which also redraws the sidebar, since the scenario becomes
"edited"), each move must be exactly one fragment run, and the sidebar's download and
the URL must still carry the scenario the page shows.
"""

from __future__ import annotations

import tomllib
from urllib.parse import parse_qs, urlparse

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.e2e.conftest import wait_for_app

FRAGMENT_RUN = "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"


class RunLog:
    """Script runs the server reports to this page: ``full`` or ``fragment`` when a run
    starts, the status name of each finished run."""

    def __init__(self, page) -> None:
        self.events: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        if not isinstance(payload, bytes):
            return
        msg = ForwardMsg()
        try:
            msg.ParseFromString(payload)
        except Exception:       # noqa: BLE001 - not a ForwardMsg (should not happen)
            return
        kind = msg.WhichOneof("type")
        if kind == "new_session":           # a run starts: of the app, or of fragments
            self.events.append("fragment" if msg.metadata.run.fragment_ids else "full")
        elif kind == "script_finished":
            self.events.append(ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished))

    def take(self) -> list[str]:
        events, self.events = self.events, []
        return events

    def settle(self, page, timeout_ms: int = 30_000) -> list[str]:
        """The runs since the last call, once the last one has finished and nothing new
        started for 500 ms (a slow run can outlast the page's idle check)."""
        waited, seen = 0, -1
        while waited < timeout_ms:
            done = bool(self.events) and self.events[-1] not in ("fragment", "full")
            if done and len(self.events) == seen:
                break
            seen = len(self.events) if done else -1
            page.wait_for_timeout(500)
            waited += 500
        return self.take()


def _step_up(page, label: str) -> None:
    box = page.get_by_test_id("stNumberInput").filter(has_text=label).first
    box.get_by_test_id("stNumberInputStepUp").click()
    wait_for_app(page)


def _slider_right(page, label: str) -> None:
    slider = page.get_by_test_id("stSlider").filter(has_text=label).first
    slider.get_by_role("slider").first.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)


MOVES = [
    ("clv", "textbook_magazine", lambda p: _step_up(p, "Renewal price")),
    ("loyalty", "whatif_points_programme", lambda p: _slider_right(p, "Competition")),
    ("dashboard", "whatif_crm_system", lambda p: _step_up(p, "Acquisition budget")),
    ("roi", "whatif_crm_system", lambda p: _step_up(p, "Training per year")),
]


@pytest.mark.parametrize("path,preset,move", MOVES, ids=[m[0] for m in MOVES])
def test_a_move_is_one_fragment_run(page, app_url, path, preset, move) -> None:
    runs = RunLog(page)
    page.goto(f"{app_url}/{path}?scenario={preset}")
    wait_for_app(page)
    assert page.get_by_test_id("stException").count() == 0
    runs.settle(page)
    move(page)                          # the first edit: page and sidebar ("edited")
    page.get_by_test_id("stSidebar").get_by_text(
        "Edited: the levers differ from the loaded file").wait_for(timeout=10_000)
    runs.settle(page)
    for _ in range(2):
        move(page)
        assert runs.settle(page) == ["fragment", FRAGMENT_RUN]   # one run, nothing cut short
    assert page.get_by_test_id("stException").count() == 0


def test_download_and_url_follow_fragment_only_moves(page, app_url) -> None:
    page.goto(f"{app_url}/dashboard?scenario=whatif_crm_system")
    wait_for_app(page)
    for _ in range(3):                  # the last two moves rerun the page's fragment only
        _step_up(page, "Acquisition budget")
    params = parse_qs(urlparse(page.url).query)
    assert params["acq_budget"] == ["400000"]
    with page.expect_download() as info:
        page.get_by_test_id("stSidebar").get_by_text("Download this scenario (TOML)").click()
    saved = tomllib.loads(open(info.value.path(), encoding="utf-8").read())
    assert saved["acquisition"]["budget_per_year"] == 400_000.0
