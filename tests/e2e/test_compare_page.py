"""Browser: upload a scenario file in the sidebar and see it in the comparison; each
control of the page reruns only the fragment of the charts that depend on it."""

from __future__ import annotations

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from sim import scenario_io
from sim.scenario import replace_path
from tests.e2e.conftest import ROOT, assert_charts_drawn, screenshot, wait_for_app
from tests.e2e.test_reruns import FRAGMENT_RUN, RunLog


def test_uploaded_scenario_appears_in_the_comparison(page, app_url, tmp_path):
    upload = replace_path(scenario_io.load(ROOT / "scenarios" / "whatif_points_programme.toml"),
                          "name", "E2E rival outlook")
    upload = replace_path(upload, "competition.intensity", 0.85)
    path = tmp_path / "rival_outlook.toml"
    scenario_io.save(upload, path)

    page.goto(f"{app_url}/compare?scenario=whatif_points_programme")
    wait_for_app(page)
    assert page.get_by_test_id("stException").count() == 0
    page.get_by_test_id("stSidebar").get_by_text("Scenario files").click()
    page.get_by_test_id("stSidebar").locator("input[type=file]").set_input_files(str(path))
    wait_for_app(page)
    page.get_by_test_id("stSidebar").get_by_text("E2E rival outlook is valid").wait_for(
        timeout=15_000)
    chips = page.get_by_test_id("stMultiSelect").first
    chips.get_by_text("Uploaded: E2E rival outlook (rival_outlook.toml)").wait_for(timeout=15_000)
    # The upload joined the default pair (current scenario and another preset).
    assert chips.get_by_text("Current: What-if: loyalty points programme").count() == 1
    assert chips.get_by_text("Baseline: monthly subscription business").count() == 1
    page.get_by_text("parameters have different values").first.wait_for(timeout=15_000)
    assert_charts_drawn(page, 5, range(3))       # the Compare tab's three overlays
    assert page.get_by_test_id("stException").count() == 0
    screenshot(page, "compare_upload")
    page.get_by_role("tab", name="Sensitivity").click()
    wait_for_app(page)
    assert_charts_drawn(page, 5, range(3, 5))    # the tornado and the heat map
    screenshot(page, "compare_sensitivity")


class FragmentLog(RunLog):
    """:class:`RunLog`, and for each run the fragments it ran (``fragments``), the
    fragment of every element it sent (``senders``) and the charts it sent, each named by
    its first dataset (``charts``: ``overlay``, ``bars`` for the tornado, ``cells`` for
    the heat map)."""

    def __init__(self, page) -> None:
        self.runs: list[dict[str, list[str]]] = []
        super().__init__(page)

    def _frame(self, payload) -> None:
        super()._frame(payload)
        if not isinstance(payload, bytes):
            return
        msg = ForwardMsg()
        msg.ParseFromString(payload)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.runs.append({"fragments": list(msg.metadata.run.fragment_ids), "senders": [],
                              "charts": []})
        elif kind == "delta" and self.runs:
            run = self.runs[-1]
            run["senders"].append(msg.delta.fragment_id)
            element = msg.delta.new_element
            if msg.delta.WhichOneof("type") == "new_element" and \
                    element.WhichOneof("type") == "vega_lite_chart":
                run["charts"].append(element.vega_lite_chart.datasets[0].name)

    def one_fragment_run(self, page) -> dict[str, list[str]]:
        """The only run since the last call: a fragment run, not cut short (waits for it
        to finish: a new heat-map grid can take longer than the page's idle check)."""
        for _ in range(300):
            if self.events and self.events[-1] != "fragment" and \
                    self.events[-1] != "full":
                break
            page.wait_for_timeout(100)
        page.wait_for_timeout(300)                         # a second run would start now
        assert self.take() == ["fragment", FRAGMENT_RUN]
        (run,), self.runs = self.runs, []
        assert len(run["fragments"]) == 1
        return run


def _slider_right(page, label: str) -> None:
    slider = page.get_by_test_id("stSlider").filter(has_text=label).first
    slider.get_by_role("slider").first.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)


def _pick(page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)


def test_each_control_reruns_only_the_charts_that_depend_on_it(page, app_url) -> None:
    """Issue 12: the heat map's controls rerun the heat map alone; the step reruns the
    Sensitivity tab (the tornado, and the heat map whose levers it ranks), and the
    Compare tab's reference reruns the Compare tab; none of them reruns the page."""
    runs = FragmentLog(page)
    page.goto(f"{app_url}/compare?scenario=textbook_magazine")
    wait_for_app(page)
    page.get_by_role("tab", name="Sensitivity").click()
    wait_for_app(page)
    assert_charts_drawn(page, 5, range(3, 5))
    runs.take()
    runs.runs = []

    _slider_right(page, "Values per lever")
    heat = runs.one_fragment_run(page)
    assert heat["charts"] == ["cells"]                     # the heat map, nothing else
    assert set(heat["senders"]) == set(heat["fragments"])  # every element from that fragment
    _pick(page, "Lever across", "Discount rate")
    pick = runs.one_fragment_run(page)
    assert pick["fragments"] == heat["fragments"] and pick["charts"] == ["cells"]
    _slider_right(page, "Range")
    assert runs.one_fragment_run(page)["fragments"] == heat["fragments"]

    _slider_right(page, "Step")
    step = runs.one_fragment_run(page)
    assert step["fragments"] != heat["fragments"]
    assert step["charts"] == ["bars", "cells"]             # the tornado and the heat map
    assert set(step["senders"]) == {*step["fragments"], *heat["fragments"]}
    assert_charts_drawn(page, 5, range(3, 5))

    page.get_by_role("tab", name="Compare").click()
    wait_for_app(page)
    assert runs.take() == []                               # a tab is not a run
    _pick(page, "Reference", "Baseline: monthly subscription business")
    compare = runs.one_fragment_run(page)
    assert compare["charts"] == ["overlay"] * 3
    assert not {*compare["fragments"]} & {*step["fragments"], *heat["fragments"]}
    assert_charts_drawn(page, 5, range(3))
    assert page.get_by_test_id("stException").count() == 0
