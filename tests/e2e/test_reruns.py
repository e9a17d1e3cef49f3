"""Browser: a lever move runs its page's fragment once, and nothing else (issue 12).

Only a real browser shows what a move costs. The test reads Streamlit's own messages
off the websocket: every run starts with ``new_session`` (naming the fragments it runs,
none for the whole app) and ends with ``script_finished``, whose status says whether it
was cut short for another run; between them come the elements the run draws.
After the first edit (which also redraws the sidebar, since the scenario becomes
"edited"), each move must be exactly one run of the page's fragment, and the sidebar's
download and the URL must still carry the scenario the page shows.

On the pages whose levers sit in a panel of their own (CLV, dashboard) the move names
the results fragment from the lever's callback, so the panel's own run ends before it
starts ("early for rerun", having drawn nothing) and the results fragment runs
without redrawing a single lever; a move that changes what another lever shows (no
programme: its spend lever is switched off) redraws the panel too.
"""

from __future__ import annotations

import tomllib
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
from playwright.sync_api import expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from sim import scenario_io
from sim.library import load_preset
from sim.report import run_report
from tests.e2e.conftest import wait_for_app

FRAGMENT_RUN = "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"


class RunLog:
    """Script runs the server reports to this page: ``full`` or ``fragment`` when a run
    starts, the status name of each finished run; and the widgets each run drew (their
    user keys, in :attr:`drawn`, one list per run)."""

    def __init__(self, page) -> None:
        self.events: list[str] = []
        self.drawn: list[list[str]] = []
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
            self.drawn.append([])
        elif kind == "script_finished":
            self.events.append(ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished))
        elif kind == "delta" and self.drawn and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            widget = getattr(element, element.WhichOneof("type") or "", None)
            widget_id = getattr(widget, "id", "")
            self.drawn[-1].append(widget_id.rsplit("-", 1)[-1] if widget_id else "")

    def take(self) -> list[str]:
        events, self.events = self.events, []
        return events

    def take_drawn(self) -> list[list[str]]:
        drawn, self.drawn = self.drawn, []
        return drawn

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
    ("clv", "textbook_magazine", lambda p: _step_up(p, "Renewal price"), "renewal_price"),
    ("loyalty", "whatif_points_programme", lambda p: _slider_right(p, "Competition"),
     "competition"),
    ("dashboard", "whatif_crm_system", lambda p: _step_up(p, "Acquisition budget"),
     "acq_budget"),
    ("roi", "whatif_crm_system", lambda p: _step_up(p, "Training per year"), None),
]
CUT_BEFORE_START = "FINISHED_EARLY_FOR_RERUN"


@pytest.mark.parametrize("path,preset,move,panel_lever", MOVES, ids=[m[0] for m in MOVES])
def test_a_move_is_one_fragment_run(page, app_url, path, preset, move, panel_lever) -> None:
    runs = RunLog(page)
    page.goto(f"{app_url}/{path}?scenario={preset}")
    wait_for_app(page)
    assert page.get_by_test_id("stException").count() == 0
    runs.settle(page)
    move(page)                          # the first edit: page and sidebar ("edited")
    page.get_by_test_id("stSidebar").get_by_text(
        "Edited: the levers differ from the loaded file").wait_for(timeout=10_000)
    runs.settle(page)
    runs.take_drawn()
    for _ in range(2):
        move(page)
        events = runs.settle(page)
        drawn = runs.take_drawn()
        if panel_lever is None:         # the levers sit in the page's fragment
            assert events == ["fragment", FRAGMENT_RUN]   # one run, nothing cut short
            continue
        # the panel's run, replaced before it drew anything; then the results alone
        assert events == ["fragment", CUT_BEFORE_START, "fragment", FRAGMENT_RUN]
        assert drawn[0] == [] and len(drawn[1]) > 10
        assert panel_lever not in drawn[1]            # no lever redrawn
    assert page.get_by_test_id("stException").count() == 0


def test_a_move_that_switches_another_lever_off_redraws_the_panel(page, app_url) -> None:
    runs = RunLog(page)
    page.goto(f"{app_url}/dashboard?scenario=whatif_points_programme")
    wait_for_app(page)
    spend = page.get_by_test_id("stNumberInput").filter(has_text="Programme spend").first
    assert spend.get_by_role("spinbutton").is_enabled()
    _step_up(page, "Acquisition budget")            # the first edit (sidebar: "edited")
    runs.settle(page)
    runs.take_drawn()
    box = page.get_by_test_id("stSelectbox").filter(has_text="Loyalty programme").first
    box.click()
    page.get_by_role("option", name="None", exact=True).click()
    wait_for_app(page)
    runs.settle(page)
    drawn = runs.take_drawn()
    assert "programme_spend" in drawn[-1] and "acq_budget" in drawn[-1]   # the panel, redrawn
    expect(spend.get_by_role("spinbutton")).to_be_disabled()
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
    text = open(info.value.path(), encoding="utf-8").read()
    assert tomllib.loads(text)["acquisition"]["budget_per_year"] == 400_000.0
    # The page's downloads are not redrawn by a move either: built on click, they hold the
    # moved scenario's figures, those of `python -m sim run` on the downloaded file.
    with page.expect_download() as info:
        page.get_by_role("button", name="Yearly results (CSV)").click()
    shown = pd.read_csv(info.value.path())
    expected = run_report(scenario_io.loads(text))["yearly"]
    assert shown["customers"].tolist() == pytest.approx([row["customers"] for row in expected],
                                                        rel=1e-12)
    loaded = run_report(load_preset("whatif_crm_system"))["yearly"]
    assert shown["customers"].iloc[-1] != pytest.approx(loaded[-1]["customers"], rel=1e-6)
