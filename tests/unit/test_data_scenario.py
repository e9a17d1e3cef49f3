"""Use in a scenario (sim.data_scenario): fits and logs written into a valid scenario."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from sim import scenario_io
from sim.cli import main
from sim.cohort import run_cohort
from sim.data_scenario import (
    MAX_NAME,
    fit_clv,
    fit_lifetime,
    fitted_name,
    fitted_names,
    fitted_scenario,
    log_economics,
    pooled_renewal,
    pooled_survival,
)
from sim.library import load_preset
from sim.retention import sbg_survival
from sim.retention_fit import fit_retention
from sim.sample_data import sample_data
from sim.scenario import replace_path
from sim.schema import BilingualText, ScenarioError
from sim.transactions import cohort_activity, read_transactions
from tests.unit.test_sample_data import sbg_scenario


@pytest.fixture(scope="module")
def sample():
    """A yearly sBG business: 3,000 customers a year for 6 years, 10 years observed."""
    scenario = sbg_scenario(alpha=0.8, beta=2.5, customers=3000)
    return scenario, sample_data(scenario)


def _renewal(scenario) -> np.ndarray:
    return run_cohort(scenario).tenure["renewal_rate"].to_numpy()


def test_sbg_fit_becomes_the_sbg_model_and_runs(sample, tmp_path, capsys) -> None:
    truth, data = sample
    base = load_preset("textbook_magazine")
    fit = fit_retention(data.survivors, "sbg")
    scenario = fitted_scenario(base, "sample.csv", fit=fit)
    assert scenario.name == BilingualText(                   # named in both languages
        en="Textbook: magazine publisher (one cohort) — fitted from sample.csv",
        zh="教材案例：杂志出版商（一个客户群）——拟合自 sample.csv")
    assert scenario.description.en.startswith(
        "Fitted from sample.csv on the base scenario 'Textbook: magazine publisher (one cohort)'.")
    assert scenario.description.zh.startswith(
        "据 sample.csv 在基础情景“教材案例：杂志出版商（一个客户群）”上拟合。"
        "客户保留率：sbg 模型拟合")
    assert scenario.retention.model == "sbg"
    assert scenario.retention.sbg_alpha == fit.params["alpha"]
    assert scenario.retention.sbg_beta == fit.params["beta"]
    assert scenario.pricing == base.pricing and scenario.acquisition == base.acquisition
    years = np.arange(1, scenario.horizon_years + 1)
    np.testing.assert_allclose(_renewal(scenario), fit.renewal(years), rtol=1e-12)
    survival = run_cohort(scenario).tenure["customers"].to_numpy() / 1000.0
    np.testing.assert_allclose(survival, fit.survival(years - 1), rtol=1e-12)
    # The file loads back identically and the command line runs it.
    path = tmp_path / "fitted.toml"
    path.write_text(scenario_io.dumps(scenario), encoding="utf-8")
    assert scenario_io.load(path) == scenario
    assert main(["run", str(path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["kpis"]["clv_gross"] == pytest.approx(run_cohort(scenario).kpis["clv_gross"])


def test_bdw_fit_and_plain_table_become_renewal_tables(sample) -> None:
    _truth, data = sample
    base = load_preset("textbook_magazine")
    fit = fit_retention(data.survivors, "bdw")
    scenario = fitted_scenario(base, "sample.csv", fit=fit)
    years = np.arange(1, base.horizon_years + 1)
    assert scenario.retention.model == "table"
    assert len(scenario.retention.by_tenure_year) == base.horizon_years
    np.testing.assert_allclose(_renewal(scenario), fit.renewal(years), rtol=1e-12)
    plain = fitted_scenario(base, "sample.csv", table=data.survivors)
    pooled = pooled_renewal(data.survivors)
    assert plain.retention.by_tenure_year == tuple(pooled)
    # Pooled rates by hand: age 1 over every cohort seen at age 1.
    seen = [s for s in data.survivors.survivors if len(s) > 1]
    assert pooled[0] == pytest.approx(sum(s[1] for s in seen) / sum(s[0] for s in seen))
    np.testing.assert_allclose(_renewal(plain)[:len(pooled)], pooled, rtol=1e-12)


def test_log_gives_acquisition_and_prices() -> None:
    base = load_preset("textbook_five_cohorts")
    data = sample_data(base, spend_cv=0.0)
    log = read_transactions(data.log_csv, "customer_id", "date", "amount")
    economics = log_economics(log, data.observation_date)
    sizes = [s[0] for s in cohort_activity(log, "year", data.observation_date).survivors]
    assert economics.first_year == 2020 and economics.last_year_share == 1.0
    assert economics.acquired_per_year[:len(sizes)] == tuple(sizes)
    assert sum(economics.acquired_per_year) == data.customers
    assert economics.first_year_revenue == pytest.approx(base.pricing.first_year_price, abs=1e-9)
    assert economics.renewal_revenue == pytest.approx(base.pricing.renewal_price, abs=1e-9)
    margin = economics.margin_per_customer_year(base.pricing.variable_cost)
    assert base.pricing.first_year_price - 30 < margin < base.pricing.renewal_price - 30
    table = cohort_activity(log, "year", data.observation_date)
    fit = fit_retention(table, "sbg")
    scenario = fitted_scenario(base, "log.csv", fit=fit, economics=economics, variable_cost=25.0)
    assert scenario.acquisition.mode == "list"
    assert scenario.acquisition.per_year == economics.acquired_per_year
    assert scenario.pricing.first_year_price == economics.first_year_revenue
    assert scenario.pricing.variable_cost == 25.0
    assert scenario.pricing.acquisition_cost == base.pricing.acquisition_cost
    run = run_cohort(scenario)
    assert run.yearly["new"].iloc[0] == economics.acquired_per_year[0]


def test_monthly_log_measures_whole_customer_years() -> None:
    """Monthly billing with churn spread over the year: the customer-years after which the
    customer stayed are whole years at the price; a partial last year is annualised."""
    base = sbg_scenario(ppy=12, customers=1500, years=3)
    base = replace_path(base, "retention.churn_timing", "spread")
    data = sample_data(base, spend_cv=0.0)
    log = read_transactions(data.log_csv, "customer_id", "date", "amount")
    economics = log_economics(log, data.observation_date)
    # Monthly amounts are rounded to cents: 12 of them are within 6 cents of the price.
    assert economics.first_year_revenue == pytest.approx(base.pricing.first_year_price, abs=0.06)
    assert economics.renewal_revenue == pytest.approx(base.pricing.renewal_price, abs=0.06)
    cut = log_economics(log, "2022-07-01")
    assert cut.last_year_share == pytest.approx(182 / 365)
    assert cut.acquired_per_year[:2] == economics.acquired_per_year[:2]
    assert len(cut.acquired_per_year) == 3


def test_programmes_switched_off_and_baseline_is_no_programme(sample) -> None:
    _truth, data = sample
    base = load_preset("whatif_points_programme")
    assert base.programmes.any_enabled() and base.retention.model == "satisfaction"
    scenario = fitted_scenario(base, "x.csv", fit=fit_retention(data.survivors, "sbg"))
    assert not scenario.programmes.any_enabled()
    assert scenario.baseline.kind == "no_programme"
    run_cohort(scenario)


def test_invalid_results_are_refused(sample) -> None:
    _truth, data = sample
    fit = fit_retention(data.survivors, "sbg")
    huge = dataclasses.replace(fit, params={"alpha": 5000.0, "beta": 2.0})
    with pytest.raises(ScenarioError) as caught:
        fitted_scenario(load_preset("textbook_magazine"), "x.csv", fit=huge)
    assert caught.value.issues[0].path == "retention.sbg_alpha"
    with pytest.raises(ScenarioError):
        fitted_scenario(load_preset("textbook_magazine"), "x.csv")


def test_names_fit_the_schema() -> None:
    long = fitted_name("B" * 200, "f" * 300 + ".csv")
    assert len(long) <= MAX_NAME and long.startswith("B") and "fitted from" in long
    assert fitted_name("Base", "a.csv") == "Base — fitted from a.csv"
    assert fitted_name("Base — fitted from a.csv", "b.csv") == "Base — fitted from b.csv"
    assert fitted_name("基准——拟合自 a.csv", "b.csv", "zh") == "基准——拟合自 b.csv"
    assert fitted_names(BilingualText(en="Base", zh="基准"), "a.csv") == BilingualText(
        en="Base — fitted from a.csv", zh="基准——拟合自 a.csv")
    assert fitted_names("Plain", "a.csv").zh == "Plain——拟合自 a.csv"


def test_fitting_a_fitted_scenario_again_gives_the_same_scenario(sample) -> None:
    """Use in a scenario twice with the same data: the second copy is the first (the name
    and description do not grow a chain of fits)."""
    _truth, data = sample
    fit = fit_retention(data.survivors, "sbg")
    once = fitted_scenario(load_preset("textbook_magazine"), "s.csv", fit=fit)
    assert fitted_scenario(once, "s.csv", fit=fit) == once


def test_whole_life_of_a_fit(sample) -> None:
    """DEL: sBG by its closed form; the beta-discrete-Weibull by its series, which at c = 1
    is the sBG's, and with c > 1 is shorter; CLV = margin x DEL."""
    _truth, data = sample
    fit = fit_retention(data.survivors, "sbg")
    alpha, beta = fit.params["alpha"], fit.params["beta"]
    ages = np.arange(5000)
    brute = float(np.sum(sbg_survival(alpha, beta, ages) / 1.1 ** ages))
    assert fit_lifetime(fit, 0.1) == pytest.approx(brute, rel=1e-9)
    as_bdw = dataclasses.replace(fit, model="bdw", params={"alpha": alpha, "beta": beta, "c": 1.0})
    assert fit_lifetime(as_bdw, 0.1) == pytest.approx(fit_lifetime(fit, 0.1), rel=1e-9)
    steeper = dataclasses.replace(as_bdw, params={"alpha": alpha, "beta": beta, "c": 1.5})
    assert 1.0 < fit_lifetime(steeper, 0.1) < fit_lifetime(fit, 0.1)
    assert fit_clv(fit, 40.0, 0.1) == pytest.approx(40.0 * fit_lifetime(fit, 0.1))
    heavy = dataclasses.replace(as_bdw, params={"alpha": 0.6, "beta": beta, "c": 1.5})
    assert fit_lifetime(heavy, 0.0) == np.inf             # c·α ≤ 1: no finite lifetime
    assert np.isnan(fit_lifetime(steeper, 0.0))           # c·α = 1.15: finite, too slow to sum
    light = dataclasses.replace(as_bdw, params={"alpha": 2.5, "beta": beta, "c": 1.5})
    t = np.arange(2_000_000, dtype=float)
    tail = float(np.sum(sbg_survival(2.5, beta, t ** 1.5)))
    assert fit_lifetime(light, 0.0) == pytest.approx(tail, rel=1e-6)
    with pytest.raises(ValueError):
        fit_lifetime(fit, -0.1)


def test_pooled_survival_over_censored_cohorts(sample) -> None:
    _truth, data = sample
    shares = pooled_survival(data.survivors)
    seen = [s for s in data.survivors.survivors if len(s) > 3]
    assert shares[0] == 1.0
    assert shares[3] == pytest.approx(sum(s[3] for s in seen) / sum(s[0] for s in seen))
