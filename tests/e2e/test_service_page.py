"""Browser: open "Service operations", run the simulation, see the KPIs and the charts."""

from __future__ import annotations

from tests.e2e.conftest import assert_charts_drawn, screenshot, sidebar_select, wait_for_app


def test_service_page_run(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    sidebar_select(page, "Scenario", "Lesson: satisfied customers still defect")
    page.get_by_test_id("stSidebarNav").get_by_text("Service operations").click()
    wait_for_app(page)
    page.get_by_text("Press \"Run the simulation\"").wait_for()
    page.get_by_role("button", name="Run the simulation").click()
    page.get_by_text("From waiting to NPV").wait_for(timeout=120_000)
    wait_for_app(page, timeout=120_000)
    assert page.get_by_test_id("stException").count() == 0
    metrics = page.get_by_test_id("stMetric")
    assert metrics.count() == 7
    labels = page.get_by_test_id("stMetricLabel").all_inner_texts()
    assert any(label.startswith("Service level") for label in labels)
    assert "%" in metrics.first.get_by_test_id("stMetricValue").inner_text()
    page.get_by_text("What do N more agents buy?").wait_for()
    assert_charts_drawn(page, 3)
    screenshot(page, "service_page")
