"""Browser: switch scenario, then move a lever and back — the page shows the CLI's numbers.

Issue 10, point 1: after picking another scenario the lever widgets kept the previous
scenario's values in the browser (AppTest does not show it), and the first lever touched
applied all of them (CLV page, ``baseline``, one +0.5 uplift step: net CLV 403.51 → 44.40).
"""

from __future__ import annotations

import json
import subprocess
import sys

from sim import scenario_io
from sim.library import load_preset
from sim.scenario import replace_path, scenario_name
from tests.e2e.conftest import ROOT, screenshot, sidebar_select, wait_for_app


def _cli_kpis(scenario, tmp_path) -> dict:
    """``python -m sim run FILE --format json`` on ``scenario`` (what a planner would run)."""
    path = tmp_path / "scenario.toml"
    path.write_text(scenario_io.dumps(scenario), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--format", "json",
                          "--replications", "0"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)["kpis"]


def _usd(value: float) -> str:
    return f"{'-' if value < 0 else ''}USD {abs(value):,.2f}"


def _wait_metric(page, label: str, value: str) -> None:
    page.wait_for_function(
        "([label, value]) => [...document.querySelectorAll('[data-testid=stMetric]')]"
        ".some(m => m.innerText.includes(label) &&"
        " m.querySelector('[data-testid=stMetricValue]').innerText.trim() === value)",
        arg=[label, value], timeout=20_000)


def test_switch_scenario_then_move_the_uplift_and_back(page, app_url, tmp_path):
    baseline = load_preset("baseline")
    page.goto(app_url)
    wait_for_app(page)
    # An edit on the first scenario, which must not follow the user to the next one.
    price = page.get_by_test_id("stNumberInput").filter(has_text="Renewal price").first
    price.get_by_role("spinbutton").fill("99")
    price.get_by_role("spinbutton").press("Enter")
    wait_for_app(page)
    sidebar_select(page, "Scenario", scenario_name(baseline, "en"))
    label = "Value after acquisition cost"
    _wait_metric(page, label, _usd(_cli_kpis(baseline, tmp_path)["clv_net"]))
    assert price.get_by_role("spinbutton").input_value() == f"{baseline.pricing.renewal_price:.2f}"

    thumb = page.get_by_test_id("stSlider").filter(has_text="Renewal rate uplift").first \
        .get_by_role("slider")
    thumb.focus()
    page.keyboard.press("ArrowRight")                      # one +0.5 point step
    wait_for_app(page)
    stepped = replace_path(baseline, "retention.uplift_points", 0.5)
    _wait_metric(page, label, _usd(_cli_kpis(stepped, tmp_path)["clv_net"]))
    screenshot(page, "state_baseline_uplift_step")
    page.keyboard.press("ArrowLeft")                       # and back
    wait_for_app(page)
    _wait_metric(page, label, _usd(_cli_kpis(baseline, tmp_path)["clv_net"]))
    assert page.get_by_test_id("stException").count() == 0


def test_switch_scenario_then_one_plus_on_the_dashboard(page, app_url, tmp_path):
    loaded = load_preset("whatif_competitor_enters")
    page.goto(app_url)
    wait_for_app(page)
    price = page.get_by_test_id("stNumberInput").filter(has_text="Renewal price").first
    price.get_by_role("spinbutton").fill("80")
    price.get_by_role("spinbutton").press("Enter")
    wait_for_app(page)
    sidebar_select(page, "Scenario", scenario_name(loaded, "en"))
    page.get_by_test_id("stSidebarNav").get_by_text("Executive dashboard").click()
    wait_for_app(page)
    label = f"Customers after {loaded.horizon_years} years"
    _wait_metric(page, label, f"{_cli_kpis(loaded, tmp_path)['customers_end']:,.0f}")
    price = page.get_by_test_id("stNumberInput").filter(has_text="Renewal price").first
    assert price.get_by_role("spinbutton").input_value() == f"{loaded.pricing.renewal_price:.2f}"
    price.get_by_test_id("stNumberInputStepUp").click()     # one "+": +0.10
    wait_for_app(page)
    stepped = replace_path(loaded, "pricing.renewal_price", loaded.pricing.renewal_price + 0.1)
    _wait_metric(page, label, f"{_cli_kpis(stepped, tmp_path)['customers_end']:,.0f}")
    assert page.get_by_test_id("stException").count() == 0
    screenshot(page, "state_dashboard_one_plus")


def test_move_a_lever_save_then_reload_the_saved_file(page, app_url, tmp_path):
    """Save writes the scenario the page shows (the moved lever included, under the name
    typed for the edited copy) and the file loads back to the same numbers on the command
    line; the saved file is then the loaded scenario (unedited, named by the picker) and the
    page shows those numbers again."""
    from tests.e2e.conftest import SAVE_DIR

    target = SAVE_DIR / "e2e_saved_uplift.toml"
    target.unlink(missing_ok=True)
    book = load_preset("textbook_magazine")
    page.goto(app_url)
    wait_for_app(page)
    thumb = page.get_by_test_id("stSlider").filter(has_text="Renewal rate uplift").first \
        .get_by_role("slider")
    thumb.focus()
    for _ in range(4):                                    # +2 points
        page.keyboard.press("ArrowRight")
    wait_for_app(page)
    label = "Value after acquisition cost"
    lifted = replace_path(book, "retention.uplift_points", 2.0)
    _wait_metric(page, label, _usd(_cli_kpis(lifted, tmp_path)["clv_net"]))
    sidebar = page.get_by_test_id("stSidebar")
    copy_name = sidebar.get_by_label("Name in the file")
    copy_name.fill("Magazine, renewals +2 points")
    copy_name.press("Enter")
    wait_for_app(page)
    sidebar.get_by_role("button", name="Save into the library").click()   # the popover
    name = page.get_by_test_id("stTextInput").filter(has_text="File name in the library") \
        .first.get_by_role("textbox")
    assert name.input_value() == "magazine_renewals_2_points"
    name.fill("e2e_saved_uplift")
    name.press("Enter")
    wait_for_app(page)
    page.get_by_test_id("stPopoverBody").get_by_role(
        "button", name="Save into the library").click()
    wait_for_app(page)
    page.get_by_text("Saved as e2e_saved_uplift.toml.").wait_for(timeout=15_000)
    saved = scenario_io.load(target)
    assert scenario_name(saved, "en") == "Magazine, renewals +2 points"
    assert saved == replace_path(replace_path(lifted, "name", saved.name),
                                 "description", saved.description)   # what the page showed
    assert _cli_kpis(saved, tmp_path)["clv_net"] == _cli_kpis(lifted, tmp_path)["clv_net"]
    picker = sidebar.get_by_test_id("stSelectbox").filter(has_text="Scenario").first
    assert picker.get_by_role("combobox").input_value() == \
        "Magazine, renewals +2 points (e2e_saved_uplift.toml) · this session"
    assert sidebar.get_by_text("As loaded from the file").count() == 1
    _wait_metric(page, label, _usd(_cli_kpis(saved, tmp_path)["clv_net"]))  # same numbers
    assert page.get_by_test_id("stException").count() == 0
    target.unlink()
