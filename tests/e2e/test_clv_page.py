"""Browser: load the app, move the renewal-uplift slider, see the CLV change."""

from __future__ import annotations

import re

from tests.e2e.conftest import assert_charts_drawn, screenshot, sidebar_select, wait_for_app


def _metric_value(page, label: str) -> str:
    metric = page.get_by_test_id("stMetric").filter(has_text=label).first
    return metric.get_by_test_id("stMetricValue").inner_text()


def test_uplift_slider_changes_clv(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    assert page.get_by_test_id("stException").count() == 0
    assert _metric_value(page, "Value after acquisition cost") == "USD 16.94"

    slider = page.get_by_test_id("stSlider").filter(has_text="Renewal rate uplift").first
    thumb = slider.get_by_role("slider")
    thumb.focus()
    for _ in range(4):  # step 0.5 points → +2 points
        page.keyboard.press("ArrowRight")
    wait_for_app(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stMetricValue]')]"
        ".some(e => e.innerText.trim() === 'USD 21.99')", timeout=15_000)
    assert _metric_value(page, "Value after acquisition cost") == "USD 21.99"
    delta = page.get_by_test_id("stMetric").filter(has_text="Value after acquisition cost").first
    assert re.search(r"USD 5\.05", delta.inner_text())
    assert_charts_drawn(page, 3)
    screenshot(page, "clv_page_uplift")


def test_language_choice_holds_across_pages(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    sidebar_select(page, "Language", "简体中文")
    page.get_by_role("heading", name="客户终身价值与客户群").wait_for(timeout=15_000)
    page.get_by_test_id("stSidebarNav").get_by_text("高管决策看板").click()
    wait_for_app(page)
    page.get_by_role("heading", name="高管情景分析看板").wait_for(timeout=15_000)
    page.get_by_test_id("stSidebarNav").get_by_text("情景比较与敏感性").click()
    wait_for_app(page)
    page.get_by_role("heading", name="比较情景，找出最关键的杠杆").wait_for(timeout=15_000)
    chosen = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(
        has_text="语言").first
    assert chosen.get_by_role("combobox").input_value() == "简体中文"
    assert page.get_by_test_id("stException").count() == 0
    screenshot(page, "compare_page_zh")
