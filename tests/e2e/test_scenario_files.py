"""Browser: the sidebar's files (issue 16, item 6).

An edited scenario is downloaded with the prompted name and its changed values, keeping
the shipped file's comments, and runs in ``python -m sim run`` to the engine's numbers; the
"Copy link" box shows a link (with Streamlit's copy button) that opens the same levers; the
picker names an uploaded scenario. Screenshots of the sidebar in both languages.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from sim import scenario_io
from sim.cli import main
from sim.library import SCENARIO_DIR, load_preset
from sim.report import run_report
from sim.scenario import replace_path, scenario_description, scenario_name
from tests.e2e.conftest import ARTIFACTS, wait_for_app


def _sidebar_shot(page, name: str, hover=None) -> Path:
    """The whole sidebar (it scrolls on its own): a tall 1440-wide viewport, then the
    sidebar's content alone, into artifacts/<name>.png (``hover``: pointed at first)."""
    page.set_viewport_size({"width": 1440, "height": 2400})
    page.wait_for_timeout(500)
    if hover is not None:
        hover.hover()
        page.wait_for_timeout(300)
    path = ARTIFACTS / f"{name}.png"
    page.get_by_test_id("stSidebarUserContent").screenshot(path=str(path))
    page.set_viewport_size({"width": 1500, "height": 1100})
    return path

TODAY = "whatif_today"


def _cli_kpis(path: Path) -> dict:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert main(["run", str(path), "--format", "json", "--replications", "0"]) == 0
    return json.loads(out.getvalue())["kpis"]


def test_download_of_an_edit_is_renamed_keeps_comments_and_runs_the_same(page, app_url):
    page.goto(f"{app_url}/dashboard?scenario={TODAY}&renewal_price=400")
    wait_for_app(page)
    sidebar = page.get_by_test_id("stSidebar")
    name_box = sidebar.get_by_label("Name in the file")
    name_box.wait_for(timeout=20_000)
    assert name_box.input_value() == f"{scenario_name(load_preset(TODAY), 'en')} (edited)"
    _sidebar_shot(page, "files_sidebar_edited_en")
    with page.expect_download() as info:
        sidebar.get_by_test_id("stDownloadButton").get_by_role("button").click()
    download = info.value
    assert download.suggested_filename == "what_if_today_no_programme_edited.toml"
    target = ARTIFACTS / "downloaded_edit.toml"
    download.save_as(str(target))
    text = target.read_text(encoding="utf-8")
    original = (SCENARIO_DIR / f"{TODAY}.toml").read_text(encoding="utf-8")
    comments = [line for line in original.splitlines() if line.startswith("#")]
    assert comments and all(line in text.splitlines() for line in comments)
    assert "renewal_price = 400.0" in text
    loaded = scenario_io.load(target)
    expected = replace_path(load_preset(TODAY), "pricing.renewal_price", 400.0)
    name = scenario_name(expected, "en")
    assert scenario_name(loaded, "en") == f"{name} (edited)"
    assert scenario_description(loaded, "en").startswith(
        f"Edited from “{name}”. Changed: Renewal price: 360 → 400.")
    assert loaded == replace_path(replace_path(expected, "name", loaded.name),
                                  "description", loaded.description)
    kpis = run_report(expected, replications=0)["kpis"]
    assert _cli_kpis(target) == json.loads(json.dumps(kpis))


def test_copy_link_shows_a_link_with_a_copy_button_that_opens_the_same_levers(page, app_url):
    page.goto(f"{app_url}/dashboard?scenario={TODAY}&renewal_price=400")
    wait_for_app(page)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Copy link").click()
    code = page.get_by_test_id("stCode").filter(has_text="renewal_price=400")
    code.wait_for(timeout=15_000)
    link = code.inner_text().strip()
    assert link.startswith(f"{app_url}/dashboard?") and f"scenario={TODAY}" in link
    _sidebar_shot(page, "files_copy_link_en", hover=code)
    assert code.locator("button[aria-label='Copy to clipboard']").count() == 1  # Streamlit's
    tiles = page.get_by_test_id("stMetric").all_inner_texts()
    other = page.context.new_page()                     # another person opening the link
    other.goto(link)
    wait_for_app(other)
    other.get_by_test_id("stMetric").nth(len(tiles) - 1).wait_for(timeout=20_000)
    assert other.get_by_test_id("stSidebar").get_by_text("Edited").count() >= 1
    assert tiles and other.get_by_test_id("stMetric").all_inner_texts() == tiles
    other.close()


def test_the_picker_names_an_uploaded_file(page, app_url, tmp_path):
    mine = replace_path(load_preset("baseline"), "name", "My uploaded plan")
    path = tmp_path / "plan.toml"
    path.write_text(scenario_io.dumps(mine), encoding="utf-8")
    page.goto(app_url)
    wait_for_app(page)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Scenario files").click()
    sidebar.locator("input[type='file']").set_input_files(str(path))
    sidebar.get_by_role("button", name="Open it as the current scenario").click()
    wait_for_app(page)
    picker = sidebar.get_by_test_id("stSelectbox").filter(has_text="Scenario").first
    assert picker.get_by_role("combobox").input_value() == \
        "My uploaded plan (plan.toml) · this session"


def test_zh_sidebar_when_edited(page, app_url):
    page.goto(f"{app_url}/dashboard?scenario={TODAY}&renewal_price=400")
    wait_for_app(page)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="中文").click()
    wait_for_app(page)
    sidebar.get_by_label("文件中的名称").wait_for(timeout=20_000)
    assert sidebar.get_by_label("文件中的名称").input_value().endswith("（已修改）")
    sidebar.get_by_text("复制链接").click()
    code = page.get_by_test_id("stCode").first
    code.wait_for(timeout=15_000)
    _sidebar_shot(page, "files_sidebar_edited_zh", hover=code)
