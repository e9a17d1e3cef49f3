"""Browser: the trainer's page with a lesson scenario, competition slider, screenshot."""

from __future__ import annotations

from tests.e2e.conftest import assert_charts_drawn, screenshot, sidebar_select, wait_for_app


def test_loyalty_page_lesson(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    sidebar_select(page, "Scenario", "Lesson: false loyalty from a points programme")
    page.get_by_test_id("stSidebarNav").get_by_text("Satisfaction & loyalty").click()
    wait_for_app(page)
    assert page.get_by_test_id("stException").count() == 0
    page.get_by_text("of the loyalty the programmes add comes from switching costs").wait_for()
    assert_charts_drawn(page, 2)                 # the curves and the loyalty-type quadrant
    screenshot(page, "loyalty_page_false_loyalty")
