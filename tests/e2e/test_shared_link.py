"""Browser: a shared link opened as the very first request of a fresh server.

Streamlit runs a ``pages/`` file on its own for that first request (ui/entry.py);
the link must still open the right page, with the sidebar, the app's navigation,
the linked scenario and the linked lever values.
"""

from __future__ import annotations

from tests.e2e.conftest import assert_charts_drawn, screenshot, wait_for_app


def test_deep_link_on_a_fresh_server(page, fresh_app_url):
    page.goto(f"{fresh_app_url}/loyalty?scenario=lesson_false_loyalty&competition=70")
    wait_for_app(page)
    page.get_by_role("heading", name="Satisfaction, loyalty and competition").wait_for(
        timeout=20_000)
    assert page.get_by_text("Page not found").count() == 0
    nav = page.get_by_test_id("stSidebarNav")
    assert nav.get_by_text("Satisfaction & loyalty").count() == 1      # the app's navigation
    assert nav.get_by_text("satisfaction loyalty").count() == 0       # not pages/ file names
    sidebar = page.get_by_test_id("stSidebar")
    assert sidebar.get_by_text("Lesson: false loyalty from a points programme").count() >= 1
    slider = page.get_by_test_id("stSlider").filter(has_text="Competition intensity").first
    assert slider.get_by_test_id("stSliderThumbValue").inner_text().strip() == "70 %"
    assert page.get_by_test_id("stException").count() == 0
    assert_charts_drawn(page, 2)
    screenshot(page, "shared_link_loyalty")


def test_deep_link_to_the_default_page_on_a_warm_server(page, app_url):
    page.goto(app_url)                       # the server has served the app already
    wait_for_app(page)
    page.goto(f"{app_url}/clv?scenario=baseline&uplift=2")
    wait_for_app(page)
    page.get_by_role("heading", name="Customer lifetime value and cohorts").wait_for(
        timeout=20_000)
    assert page.get_by_text("Page not found").count() == 0
    slider = page.get_by_test_id("stSlider").filter(has_text="Renewal rate uplift").first
    assert slider.get_by_test_id("stSliderThumbValue").inner_text().strip() == "+2.0"
    assert page.get_by_test_id("stSidebar").get_by_text("Edited").count() >= 1
    assert page.get_by_test_id("stException").count() == 0
