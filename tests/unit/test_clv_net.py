"""CLV and customer equity net of retention spend (issue 10): programme cost per member and the
CRM system's savings per customer are in the customer's value; fixed costs stay in NPV only."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.cohort import cohort_inputs, run_cohort
from sim.finance import discount_factors
from sim.scenario import replace_path
from sim.scenario_io import load
from tests.conftest import ROOT

SCENARIOS = ROOT / "scenarios"


def test_the_book_case_is_unchanged() -> None:
    # DOMAIN.md §1 (the book): ≈ 67 USD per subscriber, ≈ 17 after the 50 USD acquisition cost.
    kpis = run_cohort(load(SCENARIOS / "textbook_magazine.toml")).kpis
    assert kpis["clv_gross"] == pytest.approx(66.94, abs=0.005)
    assert kpis["clv_net"] == pytest.approx(16.94, abs=0.005)


def test_ten_times_the_cost_per_member_lowers_clv_and_equity() -> None:
    s = load(SCENARIOS / "whatif_points_programme.toml")
    cost = s.programmes.points.cost_per_member_year
    dear = replace_path(s, "programmes.points.cost_per_member_year", 10 * cost)
    cheap_kpis, dear_kpis = run_cohort(s).kpis, run_cohort(dear).kpis
    assert dear_kpis["npv"] < cheap_kpis["npv"]
    # Before issue 10, CLV and equity stayed identical while NPV fell by 800 k.
    for key in ("clv_gross", "clv_net", "customer_equity"):
        assert dear_kpis[key] < cheap_kpis[key] - 1.0, key


def test_clv_subtracts_each_members_cost_and_adds_the_crm_savings_per_customer() -> None:
    s = replace_path(load(SCENARIOS / "whatif_points_programme.toml"), "crm_system.enabled", True)
    s = replace_path(s, "finance.cash_timing", "end")
    inp = cohort_inputs(s)
    result = run_cohort(s, inp)
    ppy, rate = s.periods_per_year, s.finance.discount_rate
    weights = inp.class_weights
    survival = weights @ np.cumprod(np.concatenate(
        [np.ones((len(weights), 1)), inp.retention[:, :-1]], axis=1), axis=1)
    renewed = weights @ (np.cumprod(inp.retention, axis=1))
    d_start = discount_factors(s.periods, rate, ppy, "start")
    d_end = discount_factors(s.periods, rate, ppy, "end")
    saving = s.crm_system.saving_per_customer_year / ppy
    expected = (renewed @ ((inp.price - inp.variable_cost + saving) * d_end)
                - survival @ (inp.programme_cost * d_start))
    assert result.kpis["clv_gross"] == pytest.approx(expected, rel=1e-9)
    size = result.tenure["customers"].iloc[0]
    assert result.tenure["discounted_profit"].sum() / size == pytest.approx(expected, rel=1e-9)
    # The fixed programme cost per year is not per customer: it does not move CLV.
    fixed = replace_path(s, "programmes.points.fixed_cost_per_year", 10 * 60_000.0)
    assert run_cohort(fixed).kpis["clv_gross"] == pytest.approx(expected, rel=1e-12)
    assert run_cohort(fixed).kpis["npv"] < result.kpis["npv"]


def test_net_clv_is_undefined_when_nobody_is_acquired() -> None:
    s = replace_path(load(SCENARIOS / "whatif_today.toml"), "acquisition.budget_per_year", 0.0)
    kpis = run_cohort(s).kpis
    assert kpis["acquired"] == 0
    assert math.isnan(kpis["clv_gross"]) and math.isnan(kpis["clv_net"])   # was 452 "better"
    assert kpis["customer_equity"] == 0.0
