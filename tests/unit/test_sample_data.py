"""Sample data (sim.sample_data): the Monte Carlo engine's customers written out as a log."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pandas as pd
import pytest

from sim.cohort import cohort_inputs, expected_paths
from sim.library import load_preset
from sim.montecarlo import run_monte_carlo
from sim.sample_data import LOG_COLUMNS, REGIONS, STAGES, sample_customers, sample_data
from sim.scenario import Scenario, replace_path


def sbg_scenario(alpha: float = 0.7, beta: float = 2.4, ppy: int = 1,
                 customers: float = 4000.0, years: int = 6) -> Scenario:
    s = load_preset("textbook_magazine")
    for path, value in (("retention.model", "sbg"), ("retention.sbg_alpha", alpha),
                        ("retention.sbg_beta", beta), ("acquisition.mode", "constant"),
                        ("acquisition.constant", customers), ("acquisition.years", years),
                        ("horizon_years", 10), ("periods_per_year", ppy)):
        s = replace_path(s, path, value)
    return s


def _active_by_period(cohort: np.ndarray, lifetime: np.ndarray, periods: int) -> np.ndarray:
    starts = np.bincount(cohort, minlength=periods + 1)[:periods]
    ends = np.bincount(np.minimum(cohort + lifetime, periods), minlength=periods + 1)[:periods]
    return np.cumsum(starts) - np.cumsum(ends)


@pytest.mark.parametrize("preset", ["textbook_magazine", "textbook_five_cohorts",
                                    "lesson_top_box", "whatif_today"])
def test_customers_are_the_engines_replication(preset: str) -> None:
    """Customers active in each period: the Monte Carlo run's, count for count, in
    several replications (one class and satisfaction classes; yearly and monthly)."""
    scenario = load_preset(preset)
    inputs = cohort_inputs(scenario)
    mc = run_monte_carlo(scenario, inputs, replications=3)
    for r in range(3):
        people = sample_customers(scenario, inputs, replication=r)
        assert people.scale == 1.0
        assert len(people.cohort) == mc.kpis["acquired"][r]
        active = _active_by_period(people.cohort, people.lifetime, scenario.periods)
        np.testing.assert_array_equal(active, mc.periods["active"][r])


def _pooled_survival(table) -> tuple[np.ndarray, np.ndarray]:
    """Pooled share alive at each age and the starting customers it is measured on."""
    longest = max(len(s) for s in table.survivors)
    alive, base = np.zeros(longest), np.zeros(longest)
    for counts in table.survivors:
        alive[:len(counts)] += counts
        base[:len(counts)] += counts[0]
    return alive / base, base


@pytest.mark.parametrize("scenario", [sbg_scenario(), sbg_scenario(ppy=12, customers=1500),
                                      load_preset("lesson_top_box"),
                                      load_preset("textbook_five_cohorts")],
                         ids=["sbg_yearly", "sbg_monthly", "satisfaction", "table"])
def test_cohort_survival_matches_the_expected_survival(scenario: Scenario) -> None:
    data = sample_data(scenario)
    inputs = cohort_inputs(scenario)
    expected, _renewed = expected_paths(inputs.class_weights, inputs.retention)
    share, base = _pooled_survival(data.survivors)
    ppy = scenario.periods_per_year
    truth = expected[np.arange(len(share)) * ppy]
    se = np.sqrt(truth * (1 - truth) / base)
    assert share[0] == 1.0
    assert np.all(np.abs(share - truth) <= 4 * se + 1e-12), (share, truth)


def test_log_and_survivor_table_agree() -> None:
    scenario = sbg_scenario(ppy=12, customers=800, years=3)
    data = sample_data(scenario, start=date(2021, 1, 1))
    log = pd.read_csv(io.BytesIO(data.log_csv), dtype={"customer_id": str})
    assert tuple(log.columns) == LOG_COLUMNS
    assert len(log) == data.transactions and log["customer_id"].nunique() == data.customers
    assert set(log["region"]) <= set(REGIONS) and set(log["stage"]) <= set(STAGES)
    dates = pd.to_datetime(log["date"])
    assert dates.min() >= pd.Timestamp("2021-01-01")
    assert dates.max() <= pd.Timestamp(data.observation_date) == pd.Timestamp("2030-12-31")
    assert (dates.dt.day <= 28).all() and dates.is_monotonic_increasing
    # Monthly billing: one row per customer and month active; cohort sizes by first year.
    first = log.assign(when=dates).groupby("customer_id")["when"].min().dt.year
    sizes = first.value_counts().sort_index()
    for label, counts in zip(data.survivors.labels, data.survivors.survivors, strict=True):
        assert counts[0] == sizes[int(label)]
    # One stage per customer; the lapsed customers are those without a row in the last month.
    stage = log.groupby("customer_id")["stage"].agg(["nunique", "first"])
    assert (stage["nunique"] == 1).all()
    last = log.assign(when=dates).groupby("customer_id")["when"].max()
    active_end = last >= pd.Timestamp("2030-12-01")
    assert ((stage["first"] == "lapsed") == ~active_end).all()


def test_amounts_are_the_prices() -> None:
    scenario = load_preset("textbook_magazine")
    exact = pd.read_csv(io.BytesIO(sample_data(scenario, spend_cv=0.0).log_csv))
    assert set(exact["amount"]) == {35.90, 75.90}
    noisy = pd.read_csv(io.BytesIO(sample_data(scenario).log_csv))
    first = noisy.groupby("customer_id").head(1)["amount"]
    assert first.std() > 5 and abs(first.mean() - 35.90) < 3 * first.std() / np.sqrt(len(first))


def test_same_seed_same_file_and_cap() -> None:
    scenario = load_preset("whatif_today")
    one, two = sample_data(scenario, max_customers=2000), sample_data(scenario, max_customers=2000)
    assert one.log_csv == two.log_csv
    assert one.scale < 1 and abs(one.customers - 2000) < 4 * np.sqrt(2000)
    other = sample_data(replace_path(scenario, "seed", 7), max_customers=2000)
    assert other.log_csv != one.log_csv


def test_refitting_sbg_recovers_alpha_and_beta() -> None:
    """Sample data from an sBG scenario: the maximum-likelihood fit of its survivor table
    finds the scenario's alpha and beta (within 3 standard errors), and so does the fit of
    the cohort activity read back from the log file."""
    from sim.retention_fit import fit_retention
    from sim.transactions import cohort_activity, read_transactions

    truth = {"alpha": 0.7, "beta": 2.4}
    data = sample_data(sbg_scenario(customers=5000, **truth))
    fit = fit_retention(data.survivors, "sbg")
    for name, value in truth.items():
        assert abs(fit.params[name] - value) < 3 * fit.standard_errors[name], (fit.params, name)
    log = read_transactions(data.log_csv, "customer_id", "date", "amount")
    table = cohort_activity(log, "year", data.observation_date)
    assert table.labels == data.survivors.labels
    for mine, theirs in zip(data.survivors.survivors, table.survivors, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert fit_retention(table, "sbg").params == fit.params
