"""Browser: upload a survivor table on "Your data", see the fit, use it in a scenario, and
open the CLV page, which runs the fitted scenario (figures against the sim functions)."""

from __future__ import annotations

from sim.cohort import run_cohort
from sim.data_scenario import fitted_scenario
from sim.library import load_preset
from sim.retention_fit import fit_retention, read_survivor_csv
from sim.sample_data import sample_data, survivors_csv
from sim.scenario import replace_path, scenario_name
from tests.e2e.conftest import ARTIFACTS, assert_charts_drawn, screenshot, wait_for_app
from ui.i18n import fmt_money


def _metric_value(page, label: str) -> str:
    metric = page.get_by_test_id("stMetric").filter(has_text=label).first
    return metric.get_by_test_id("stMetricValue").inner_text().strip()


def test_upload_fit_use_in_scenario_then_clv_page(page, app_url, tmp_path):
    # A survivor file of an sBG business (the engine's own customers), as a user would have.
    truth = load_preset("textbook_five_cohorts")
    for path, value in (("retention.model", "sbg"), ("retention.sbg_alpha", 0.9),
                        ("retention.sbg_beta", 2.2)):
        truth = replace_path(truth, path, value)
    data = survivors_csv(sample_data(truth).survivors)
    csv = tmp_path / "my_cohorts.csv"
    csv.write_bytes(data)
    fit = fit_retention(read_survivor_csv(data), "sbg")
    base = load_preset("textbook_magazine")                  # the app's default scenario
    fitted = fitted_scenario(base, "my_cohorts.csv", fit=fit)

    page.goto(f"{app_url}/your_data")
    wait_for_app(page)
    page.get_by_role("heading", name="Start from your own data").wait_for(timeout=15_000)
    retention = page.get_by_test_id("stTabPanel").first
    retention.get_by_text("Upload a CSV file").click()
    wait_for_app(page)
    uploader = retention.get_by_test_id("stFileUploader").filter(has_text="Survivor table")
    uploader.locator("input[type=file]").set_input_files(str(csv))
    wait_for_app(page)
    page.get_by_role("heading", name="Fitted retention").wait_for(timeout=30_000)
    assert _metric_value(page, "α (alpha)") == f"{fit.params['alpha']:.3f}"
    assert _metric_value(page, "β (beta)") == f"{fit.params['beta']:.3f}"
    assert _metric_value(page, "Log-likelihood") == f"{fit.log_likelihood:,.2f}"
    assert page.get_by_test_id("stException").count() == 0
    assert_charts_drawn(page, 4, range(1))       # the fit chart; the sample tab has three
    screenshot(page, "your_data_fit")

    page.get_by_role("button", name="Use in a scenario").first.click()
    wait_for_app(page)
    page.get_by_text("is now the current scenario").first.wait_for(timeout=15_000)
    page.get_by_role("button", name="Download the fitted scenario (TOML)").first.wait_for()
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text(scenario_name(fitted, "en")).first.wait_for(timeout=15_000)
    picker = sidebar.get_by_test_id("stSelectbox").filter(has_text="Scenario").first
    assert (picker.get_by_role("combobox").input_value()
            == f"{scenario_name(fitted, 'en')} · this session")

    page.get_by_test_id("stSidebarNav").get_by_text("CLV & cohorts").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Customer lifetime value and cohorts").wait_for(
        timeout=15_000)
    clv = run_cohort(fitted).kpis["clv_gross"]
    assert _metric_value(page, "Lifetime value per acquired customer") == fmt_money(clv, "USD")
    assert sidebar.get_by_text(scenario_name(fitted, "en")).count() >= 1
    assert page.get_by_test_id("stException").count() == 0
    screenshot(page, "your_data_then_clv")
    assert (ARTIFACTS / "your_data_then_clv.png").exists()
