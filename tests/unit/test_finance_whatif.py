"""NPV, IRR, payback and ROI against hand-computed cases; the what-if baseline and its deltas."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim.finance import irr, npv, payback_period, roi
from sim.scenario import replace_path
from sim.scenario_io import load
from sim.whatif import baseline_for, evaluate
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
    # Cumulative: -1000, -500, -100, +200 → pays back 1/3 of the way through year 4.
    assert payback_period([-1000.0, 500.0, 400.0, 300.0]) == pytest.approx(3 + 100 / 300)
    assert payback_period([-1000.0, 100.0, 100.0]) is None
    assert payback_period([10.0, 5.0]) == 0.0
    # Monthly: 12 periods to recover → 1 year.
    assert payback_period([-1200.0] + [100.0] * 24, 12) == pytest.approx((12 + 1.0) / 12)


def test_roi_defined_and_undefined() -> None:
    assert roi(150.0, 100.0) == pytest.approx(0.5)
    assert roi(50.0, 100.0) == pytest.approx(-0.5)
    assert roi(100.0, 0.0) is None             # nothing invested: undefined, not inf
    assert roi(100.0, -20.0) is None           # money saved, not invested
    assert roi(float("nan"), 10.0) is None


def _with_crm():
    s = load(SCENARIOS / "baseline.toml")
    return replace_path(s, "crm_system.enabled", True)


def test_identical_baseline_has_exactly_zero_delta() -> None:
    s = dataclasses.replace(_with_crm(), baseline=dataclasses.replace(
        _with_crm().baseline, kind="as_is"))
    w = evaluate(s, replications=5)
    for row in w.kpi_rows():
        if math.isnan(row["scenario"]):            # market share of an unbounded market
            assert math.isnan(row["baseline"]), row
            continue
        assert row["delta"] == 0.0, row
        for q in ("p10", "p50", "p90"):
            assert row[f"scenario_{q}"] == row[f"baseline_{q}"]
    assert w.finance["roi"] is None and w.finance["npv_delta"] == 0.0


def test_baseline_without_crm_system_measures_its_cost_and_savings() -> None:
    s = _with_crm()
    w = evaluate(s, replications=0)
    assert not w.baseline.crm_system.enabled
    rate, ppy = s.finance.discount_rate, s.periods_per_year
    tco_discounted = float((w.result.periods["system_cost"] *
                            (1 + rate) ** -(np.arange(s.periods) / ppy)).sum())
    assert w.finance["incremental_cost"] == pytest.approx(tco_discounted, rel=1e-9)
    assert w.finance["incremental_benefit"] > 0          # cost savings per customer
    assert w.finance["npv_delta"] == pytest.approx(w.result.kpis["npv"] - w.base_result.kpis["npv"])
    expected_roi = (w.finance["incremental_benefit"] - w.finance["incremental_cost"]) / \
        w.finance["incremental_cost"]
    assert w.finance["roi"] == pytest.approx(expected_roi)


def test_baseline_shares_the_market_but_not_the_levers() -> None:
    loaded = _with_crm()
    edited = replace_path(loaded, "pricing.renewal_price", 999.0)
    edited = replace_path(edited, "market.size", 123_456.0)
    base = baseline_for(edited, loaded)
    assert base.pricing.renewal_price == loaded.pricing.renewal_price     # policy as loaded
    assert base.market.size == 123_456.0                                 # same market
    assert not base.crm_system.enabled                                   # no programme


def test_roi_undefined_when_nothing_is_invested() -> None:
    # Raising the price costs nothing extra: benefit without incremental cost.
    loaded = load(SCENARIOS / "baseline.toml")
    edited = replace_path(loaded, "pricing.renewal_price", loaded.pricing.renewal_price + 10)
    w = evaluate(edited, loaded, replications=0)
    assert w.finance["incremental_cost"] == 0.0
    assert w.finance["roi"] is None
    assert w.finance["npv_delta"] > 0


def test_more_acquisition_spend_pays_back_later_than_never() -> None:
    loaded = load(SCENARIOS / "textbook_five_cohorts.toml")
    edited = replace_path(loaded, "acquisition.constant", 1500.0)
    w = evaluate(edited, loaded, replications=0)
    f = w.finance
    assert f["incremental_cost"] == pytest.approx(
        sum(500 * 50 / 1.15**t for t in range(5)), rel=1e-9)
    assert f["payback_years"] is not None and f["discounted_payback_years"] is not None
    assert f["payback_years"] <= f["discounted_payback_years"]
    assert f["irr"] is not None and f["irr"] > 0.15           # NPV > 0 at 15 % ⇒ IRR > 15 %
    assert f["npv_delta"] > 0 and math.isfinite(f["roi"])
