"""Browser: pick the what-if preset, open the dashboard, move a lever, see a KPI delta change;
then the ROI & TCO page. The sidebar (language, scenario) must be there on every page."""

from __future__ import annotations

from tests.e2e.conftest import assert_charts_drawn, screenshot, sidebar_select, wait_for_app


def _metric(page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).first



def test_dashboard_lever_moves_kpi_delta(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    sidebar_select(page, "Scenario", "What-if: CRM system, paid acquisition")
    page.get_by_test_id("stSidebarNav").get_by_text("Executive dashboard").click()
    wait_for_app(page)
    assert page.get_by_test_id("stException").count() == 0
    # The frame (language and scenario picker) is on this page too, and the choice held.
    sidebar = page.get_by_test_id("stSidebar")
    assert sidebar.get_by_text("What-if: CRM system, paid acquisition").count() >= 1
    customers = _metric(page, "Customers after 10 years")
    assert customers.get_by_test_id("stMetricDelta").count() == 0     # a zero delta is hidden
    # Measure against the file as loaded, so the budget lever's own effect shows.
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Measured against").first
    picker.click()
    page.get_by_role("option", name="(as loaded)").click()
    wait_for_app(page)

    budget = page.get_by_test_id("stNumberInput").filter(has_text="Acquisition budget").first
    for _ in range(2):                      # +2 × 50,000 per year
        budget.get_by_test_id("stNumberInputStepUp").click()
        wait_for_app(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stMetric]')]"
        ".some(m => m.innerText.includes('Customers after') &&"
        " m.querySelector('[data-testid=stMetricDelta]') &&"
        " m.querySelector('[data-testid=stMetricDelta]').innerText.trim() !== '0')",
        timeout=20_000)
    delta = customers.get_by_test_id("stMetricDelta").inner_text().strip()
    assert int(delta.replace(",", "")) > 500
    # The sidebar (its own fragment, rerun with the page's) now says the scenario is edited.
    sidebar.get_by_text("Edited: the levers differ from the loaded file").wait_for(timeout=10_000)
    assert_charts_drawn(page, 2)
    screenshot(page, "dashboard_budget_up")

    page.get_by_test_id("stSidebarNav").get_by_text("ROI & TCO").click()
    wait_for_app(page)
    assert page.get_by_test_id("stException").count() == 0
    assert _metric(page, "TCO over the costed years").count() == 1
    assert_charts_drawn(page, 2)
    screenshot(page, "roi_tco_page")
