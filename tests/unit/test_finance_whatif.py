"""NPV, IRR, payback and ROI against hand-computed cases; the what-if baseline and its deltas."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim.finance import (
    REASON_NO_INVESTMENT,
    REASON_NO_SIGN_CHANGE,
    REASON_NOT_WITHIN_HORIZON,
    dated_irr,
    dated_payback,
    irr,
    npv,
    payback_period,
    roi,
    summarise_incremental,
)
from sim.scenario import replace_path
from sim.scenario_io import load
from sim.whatif import baseline_for, compare_runs, evaluate, run_engines
from tests.conftest import ROOT

SCENARIOS = ROOT / "scenarios"


def test_npv_hand_computed() -> None:
    # -1000 now, then 500, 400, 300 at the start of years 2-4, at 10 %.
    flows = [-1000.0, 500.0, 400.0, 300.0]
    expected = -1000 + 500 / 1.1 + 400 / 1.1**2 + 300 / 1.1**3
    assert npv(flows, 0.10) == pytest.approx(expected, rel=1e-12)
    assert npv(flows, 0.10, timing="end") == pytest.approx(expected / 1.1, rel=1e-12)


def test_irr_hand_computed() -> None:
    # -100 then 110 one year later: IRR exactly 10 %.
    assert irr([-100.0, 110.0]) == pytest.approx(0.10, abs=1e-9)
    # -1000, 500, 400, 300: 10.65 % (500/1.1065 + 400/1.1065² + 300/1.1065³ = 1000).
    rate = irr([-1000.0, 500.0, 400.0, 300.0])
    assert rate == pytest.approx(0.106517, abs=1e-5)
    assert npv([-1000.0, 500.0, 400.0, 300.0], rate) == pytest.approx(0.0, abs=1e-6)
    # Monthly flows: the annualised rate of 1 % a month is 1.01^12 − 1.
    monthly = [-100.0] + [0.0] * 11 + [100.0 * 1.01**12]
    assert irr(monthly, periods_per_year=12) == pytest.approx(1.01**12 - 1, abs=1e-8)
    assert irr([100.0, 50.0]) is None          # never negative: no IRR


def test_payback_hand_computed() -> None:
    # Flows at the start of years 1-4 (dates 0, 1, 2, 3): cumulative -1000, -500, -100, +200
    # → crosses zero a third of the way from date 2 to date 3.
    assert payback_period([-1000.0, 500.0, 400.0, 300.0]) == pytest.approx(2 + 100 / 300)
    assert payback_period([-1000.0, 100.0, 100.0]) is None
    assert payback_period([10.0, 5.0]) == 0.0
    # Monthly: -1200 at 0, +100 at each month start → cumulative 0 at month 12 = 1 year.
    assert payback_period([-1200.0] + [100.0] * 24, 12) == pytest.approx(1.0)


def test_payback_dates_the_investment_at_time_zero() -> None:
    # Start timing, yearly: -100 + 60 at t = 0, +60 at t = 1 → 40/60 of the first year
    # (the old rule spread the investment over year 1 and said 1.667).
    start = summarise_incremental(np.array([60.0, 60.0]), np.array([100.0, 0.0]), 0.0, 1, "start")
    assert start.payback_years == pytest.approx(2 / 3)
    assert start.discounted_payback_years == pytest.approx(2 / 3)
    # End timing: -100 at 0, +60 at 1, +60 at 2 → 1 + 40/60.
    end = summarise_incremental(np.array([60.0, 60.0]), np.array([100.0, 0.0]), 0.0, 1, "end")
    assert end.payback_years == pytest.approx(1 + 2 / 3)
    # Discounted at 10 %, start timing: -40 at 0, +60/1.1 at 1 → 40 / 54.545 = 0.733.
    disc = summarise_incremental(np.array([60.0, 60.0]), np.array([100.0, 0.0]), 0.10, 1, "start")
    assert disc.payback_years == pytest.approx(2 / 3)
    assert disc.discounted_payback_years == pytest.approx(40 / (60 / 1.1))
    assert dated_payback([-100.0, 60.0, 60.0], [0.0, 1.0, 2.0]) == pytest.approx((1 + 2 / 3, None))


def test_missing_values_carry_their_reason() -> None:
    nothing = summarise_incremental(np.array([10.0, 10.0]), np.zeros(2), 0.1, 1, "start")
    assert (nothing.roi, nothing.irr, nothing.payback_years,
            nothing.discounted_payback_years) == (None, None, None, None)
    assert {nothing.roi_reason, nothing.irr_reason, nothing.payback_reason,
            nothing.discounted_payback_reason} == {REASON_NO_INVESTMENT}
    never = summarise_incremental(np.array([10.0, 10.0]), np.array([100.0, 0.0]), 0.1, 1, "start")
    assert never.payback_years is None and never.payback_reason == REASON_NOT_WITHIN_HORIZON
    assert never.discounted_payback_reason == REASON_NOT_WITHIN_HORIZON
    assert never.roi == pytest.approx((10 + 10 / 1.1 - 100) / 100) and never.roi_reason is None
    lost = summarise_incremental(np.zeros(2), np.array([100.0, 0.0]), 0.1, 1, "start")
    assert lost.irr is None and lost.irr_reason == REASON_NO_SIGN_CHANGE
    assert dated_irr([-100.0, 121.0], [0.0, 2.0]) == pytest.approx((0.10, None))
    data = never.as_dict()
    assert list(data)[:7] == ["incremental_benefit", "incremental_cost", "npv_delta", "roi", "irr",
                              "payback_years", "discounted_payback_years"]
    assert data["payback_reason"] == "not_within_horizon" and data["roi_reason"] is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        never.roi = 1.0  # type: ignore[misc]


@pytest.mark.parametrize("timing", ["start", "end"])
@pytest.mark.parametrize("name", ["whatif_points_programme", "lesson_false_loyalty"])
def test_irr_zeroes_the_engines_own_npv_under_both_cash_timings(name: str, timing: str) -> None:
    s = replace_path(load(SCENARIOS / f"{name}.toml"), "finance.cash_timing", timing)
    f = evaluate(s, replications=0).finance
    assert f.irr is not None and f.irr_reason is None
    at_irr = evaluate(replace_path(s, "finance.discount_rate", f.irr), replications=0).finance
    assert abs(at_irr.npv_delta) <= 1e-7 * f.incremental_cost
    # Either side of the IRR the NPV gain has opposite signs (a genuine root).
    lower = evaluate(replace_path(s, "finance.discount_rate", f.irr - 0.01), replications=0)
    higher = evaluate(replace_path(s, "finance.discount_rate", f.irr + 0.01), replications=0)
    assert lower.finance.npv_delta * higher.finance.npv_delta < 0


def test_payback_is_where_the_dated_cumulative_cash_crosses_zero() -> None:
    w = evaluate(load(SCENARIOS / "whatif_points_programme.toml"), replications=0)
    cash = w.incremental_cash()
    for column, payback in (("cumulative", w.finance.payback_years),
                            ("cumulative_discounted", w.finance.discounted_payback_years)):
        assert payback is not None
        assert np.interp(payback, cash["year"], cash[column]) == pytest.approx(0.0, abs=1e-6)
        assert (cash.loc[cash["year"] > payback + 1e-9, column] >= 0).all()
    assert w.finance.payback_years <= w.finance.discounted_payback_years


def test_roi_defined_and_undefined() -> None:
    assert roi(150.0, 100.0) == pytest.approx(0.5)
    assert roi(50.0, 100.0) == pytest.approx(-0.5)
    assert roi(100.0, 0.0) is None             # nothing invested: undefined, not inf
    assert roi(100.0, -20.0) is None           # money saved, not invested
    assert roi(float("nan"), 10.0) is None


def _with_crm():
    s = load(SCENARIOS / "baseline.toml")
    return replace_path(s, "crm_system.enabled", True)


def test_identical_scenarios_run_separately_have_exactly_zero_delta() -> None:
    # Two separate runs (not one result compared with itself): common random numbers make
    # every Monte Carlo draw identical, so every delta is exactly zero.
    s = _with_crm()
    twin = dataclasses.replace(s, name="a twin")
    w = compare_runs(run_engines(s, 5), run_engines(twin, 5))
    assert w.result is not w.base_result and w.mc is not w.base_mc
    for row in w.kpi_rows():
        if math.isnan(row["scenario"]):            # market share of an unbounded market
            assert math.isnan(row["baseline"]), row
            continue
        assert row["delta"] == 0.0, row
        for q in ("p10", "p50", "p90"):
            assert row[f"scenario_{q}"] == row[f"baseline_{q}"]
    assert w.finance.roi is None and w.finance.roi_reason == REASON_NO_INVESTMENT
    assert w.finance.npv_delta == 0.0


def test_as_is_baseline_is_the_scenario_itself() -> None:
    s = dataclasses.replace(_with_crm(), baseline=dataclasses.replace(
        _with_crm().baseline, kind="as_is"))
    assert baseline_for(s) == s
    f = evaluate(s, replications=0).finance
    assert f.npv_delta == 0.0 and f.roi_reason == REASON_NO_INVESTMENT


def test_baseline_without_crm_system_measures_its_cost_and_savings() -> None:
    s = _with_crm()
    w = evaluate(s, replications=0)
    assert not w.baseline.crm_system.enabled
    rate, ppy = s.finance.discount_rate, s.periods_per_year
    tco_discounted = float((w.result.periods["system_cost"] *
                            (1 + rate) ** -(np.arange(s.periods) / ppy)).sum())
    assert w.finance.incremental_cost == pytest.approx(tco_discounted, rel=1e-9)
    assert w.finance.incremental_benefit > 0          # cost savings per customer
    assert w.finance.npv_delta == pytest.approx(w.result.kpis["npv"] - w.base_result.kpis["npv"])
    expected_roi = (w.finance.incremental_benefit - w.finance.incremental_cost) / \
        w.finance.incremental_cost
    assert w.finance.roi == pytest.approx(expected_roi)


def test_baseline_is_a_function_of_the_scenario_alone() -> None:
    edited = replace_path(_with_crm(), "pricing.renewal_price", 999.0)
    edited = replace_path(edited, "market.size", 123_456.0)
    base = baseline_for(edited)
    assert base.pricing.renewal_price == 999.0                           # same policy
    assert base.market.size == 123_456.0                                 # same market
    assert not base.crm_system.enabled                                   # no programme
    # A preset baseline runs the named file's policy in the scenario's market.
    push = load(SCENARIOS / "whatif_acquisition_push.toml")
    moved = replace_path(replace_path(push, "competition.intensity", 0.85), "market.size", 50_000.0)
    today = baseline_for(moved)
    assert today.acquisition.budget_per_year == load(
        SCENARIOS / "whatif_today.toml").acquisition.budget_per_year
    assert today.competition.intensity == 0.85 and today.market.size == 50_000.0


def test_same_scenario_gives_the_same_roi_from_every_path() -> None:
    # The points programme at competition 90 %, reached two ways (issue 10: -5.9 % vs -257.6 %).
    from_points = replace_path(load(SCENARIOS / "whatif_points_programme.toml"),
                               "competition.intensity", 0.9)
    from_entry = replace_path(load(SCENARIOS / "whatif_competitor_enters.toml"),
                              "programmes.points.enabled", True)
    # ... and with the entry measured against today's policy (a preset), which in the
    # scenario's market means the same as "without the programme".
    against_today = dataclasses.replace(from_entry, baseline=dataclasses.replace(
        from_entry.baseline, kind="preset", preset="whatif_today"))
    plain = [dataclasses.replace(s, name="x", description="", baseline=from_points.baseline)
             for s in (from_points, from_entry, against_today)]
    assert plain[0] == plain[1] == plain[2]          # equal but for name/description/baseline
    finances = [evaluate(s, replications=0).finance for s in (from_points, from_entry,
                                                                 against_today)]
    for f in finances[1:]:
        for key in ("incremental_benefit", "incremental_cost", "npv_delta", "roi",
                    "payback_years", "discounted_payback_years"):
            a, b = finances[0].value(key), f.value(key)
            assert (a is None and b is None) or a == pytest.approx(b, rel=1e-9), key
        assert f.payback_reason == finances[0].payback_reason


def test_roi_undefined_when_nothing_is_invested() -> None:
    # Raising the price costs nothing extra: benefit without incremental cost.
    loaded = load(SCENARIOS / "baseline.toml")
    edited = replace_path(loaded, "pricing.renewal_price", loaded.pricing.renewal_price + 10)
    f = compare_runs(run_engines(edited, 0), run_engines(loaded, 0)).finance
    assert f.incremental_cost == 0.0
    assert f.roi is None and f.roi_reason == REASON_NO_INVESTMENT
    assert f.payback_years is None and f.payback_reason == REASON_NO_INVESTMENT
    assert f.npv_delta > 0


def test_more_acquisition_spend_pays_back_later_than_never() -> None:
    loaded = load(SCENARIOS / "textbook_five_cohorts.toml")
    edited = replace_path(loaded, "acquisition.constant", 1500.0)
    f = compare_runs(run_engines(edited, 0), run_engines(loaded, 0)).finance
    assert f.incremental_cost == pytest.approx(
        sum(500 * 50 / 1.15**t for t in range(5)), rel=1e-9)
    assert f.payback_years is not None and f.discounted_payback_years is not None
    assert f.payback_years <= f.discounted_payback_years
    assert f.irr is not None and f.irr > 0.15           # NPV > 0 at 15 % ⇒ IRR > 15 %
    assert f.npv_delta > 0 and math.isfinite(f.roi)
