"""Browser: upload a scenario file in the sidebar and see it in the comparison."""

from __future__ import annotations

from sim import scenario_io
from sim.scenario import replace_path
from tests.e2e.conftest import ROOT, assert_charts_drawn, screenshot, wait_for_app


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
