"""Browser: load the app, move the renewal-uplift slider, see the CLV change."""

from __future__ import annotations

import re

from tests.e2e.conftest import assert_charts_drawn, screenshot, wait_for_app


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
