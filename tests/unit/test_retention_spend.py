"""Retention spend as an engine lever (sim.retention_spend, issue 14 item 1): the B&D
response curve in the engines, its cost, its closed form, the optimiser finding the
engine's own optimum, and bad input."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from sim.batch import evaluate_kpis
from sim.cohort import class_inputs, run_cohort
from sim.equity_test import calibrate
from sim.library import list_presets, load_preset
from sim.montecarlo import run_monte_carlo
from sim.optimise import Plan, evaluate_plans, optimise, plan_of
from sim.retention_spend import RetentionSpend, effective_uplift_points
from sim.scenario import Scenario, replace_path, scenario_from_dict, scenario_to_dict
from sim.schema import ScenarioError

PRESET_IDS = [p.preset_id for p in list_presets()[0]]


def _with_spend(s: Scenario, spend: float, observed: float = 10.0, rate: float | None = None,
                ceiling: float = 0.95) -> Scenario:
    section = RetentionSpend(enabled=True, spend=spend, observed_spend=observed,
                             observed_rate=rate if rate is not None else 0.8, ceiling=ceiling)
    return dataclasses.replace(s, retention_spend=section)


def _constant(rate: float = 0.6, horizon: int = 30) -> Scenario:
    """One cohort of 1,000 (yearly periods), constant retention, margin 60 a year."""
    return scenario_from_dict({
        "schema_version": 2, "name": "constant", "horizon_years": horizon,
        "periods_per_year": 1,
        "acquisition": {"mode": "list", "per_year": [1000.0]},
        "pricing": {"first_year_price": 100.0, "renewal_price": 100.0,
                    "variable_cost": 40.0, "acquisition_cost": 0.0},
        "retention": {"model": "constant", "constant": rate},
        "finance": {"discount_rate": 0.12, "cash_timing": "start"},
        "baseline": {"kind": "as_is"}})


@pytest.mark.parametrize("preset", PRESET_IDS)
def test_at_the_observed_spend_retention_is_the_scenarios_own(preset: str) -> None:
    s = dataclasses.replace(load_preset(preset), retention_spend=RetentionSpend())   # off
    on = _with_spend(s, 10.0, observed=10.0, rate=0.5)
    off, with_spend = class_inputs(s), class_inputs(on)
    np.testing.assert_array_equal(with_spend.retention, off.retention)
    np.testing.assert_array_equal(with_spend.class_weights, off.class_weights)
    # ... and its cost is the spend on every active customer-period
    a, b = run_cohort(s).periods, run_cohort(on).periods
    np.testing.assert_allclose(b["programme_cost"] - a["programme_cost"], 10.0 * a["active"],
                               rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(a["profit"] - b["profit"], 10.0 * a["active"],
                               rtol=1e-12, atol=1e-6)


@pytest.mark.parametrize("spend", [0.0, 3.0, 10.0, 25.0, 80.0])
def test_spend_moves_every_rate_by_the_response_curve(spend: float) -> None:
    s = _with_spend(_constant(0.8), spend, observed=10.0, rate=0.8, ceiling=0.95)
    expected = calibrate(0.95, 10.0, 0.8).rate(spend)
    rates = class_inputs(s).annual_rates
    np.testing.assert_allclose(rates, expected, rtol=0, atol=1e-15)
    assert effective_uplift_points(s) == pytest.approx(100 * (expected - 0.8), abs=1e-12)


def test_satisfaction_classes_shift_like_the_uplift_lever() -> None:
    s = load_preset("whatif_today")
    on = _with_spend(s, 20.0, observed=10.0, rate=0.55, ceiling=0.9)
    shift = float(calibrate(0.9, 10.0, 0.55).rate(20.0)) - 0.55
    via_uplift = replace_path(s, "retention.uplift_points", 100 * shift)
    np.testing.assert_allclose(class_inputs(on).retention, class_inputs(via_uplift).retention,
                               rtol=0, atol=1e-14)


def _closed_form_value(spend: float, rate_at: calibrate, horizon: int, margin: float,
                       d: float) -> float:
    """Σ_{k<H} r^k (m − R)/(1+d)^k: a customer's discounted margin less retention spend,
    both at each period's start (the engine's convention), constant r = r(R)."""
    q = float(rate_at.rate(spend)) / (1 + d)
    return (margin - spend) * (1 - q ** horizon) / (1 - q)


def test_cohort_npv_equals_the_closed_form_at_every_spend() -> None:
    base = _constant(0.8, horizon=30)
    curve = calibrate(0.95, 10.0, 0.8)
    for spend in (0.0, 5.0, 10.0, 20.0, 40.0):
        s = _with_spend(base, spend, observed=10.0, rate=0.8, ceiling=0.95)
        npv = run_cohort(s).kpis["npv"]
        assert npv == pytest.approx(1000 * _closed_form_value(spend, curve, 30, 60.0, 0.12),
                                    rel=1e-12)


def test_optimiser_finds_the_engines_closed_form_optimum() -> None:
    s = _with_spend(_constant(0.8, horizon=30), 10.0, observed=10.0, rate=0.8, ceiling=0.95)
    curve = calibrate(0.95, 10.0, 0.8)
    best = minimize_scalar(lambda r: -_closed_form_value(r, curve, 30, 60.0, 0.12),
                           bounds=(0.0, 60.0), method="bounded",
                           options={"xatol": 1e-10})
    result = optimise(s, replications=0)
    found = result.optimum.plan.retention_spend
    assert found is not None
    assert found == pytest.approx(best.x, rel=1e-4)
    value = 1000 * -best.fun
    assert result.optimum.npv == pytest.approx(value, rel=1e-7)
    assert result.optimum.npv <= value * (1 + 1e-12)
    # the loaded plan (10) is worse, and the surface runs over the retention spend
    assert result.current.npv < result.optimum.npv
    assert result.surface["retention_spend"].nunique() > 5


def test_optimiser_keeps_the_lever_off_without_the_section() -> None:
    s = _constant(0.8)
    assert plan_of(s).retention_spend is None
    assert "retention_spend.spend" not in optimise(s, replications=0).optimum.plan.levers()


def test_spend_is_split_from_programme_cost_in_the_optimisers_report() -> None:
    s = load_preset("whatif_retention_spend")
    result = optimise(s, replications=0)
    active = run_cohort(result.optimum_scenario).periods["active"].sum()
    assert result.spend.retention == pytest.approx(
        result.optimum_scenario.retention_spend.spend * active / s.horizon_years, rel=1e-12)
    assert result.spend.total == pytest.approx(
        result.spend.acquisition + result.spend.programmes + result.spend.retention)


def test_monte_carlo_agrees_with_the_cohort_engine_with_spend() -> None:
    s = _with_spend(load_preset("baseline"), 25.0, observed=10.0, rate=0.5, ceiling=0.9)
    expected = run_cohort(s)
    summary = run_monte_carlo(s, replications=120).kpi_summary()
    for kpi in ("clv_net", "npv", "customers_end"):
        mean, se = summary[kpi]["mean"], summary[kpi]["std_error"]
        gap = abs(mean - expected.kpis[kpi])
        assert gap <= 3 * se + 1e-9 * abs(expected.kpis[kpi]), (kpi, mean, expected.kpis[kpi])


def test_batch_equals_the_cohort_engine_with_spend() -> None:
    scenarios = [_with_spend(load_preset(p), r, observed=10.0, rate=0.5, ceiling=0.9)
                 for p in ("whatif_today", "textbook_magazine", "baseline") for r in (0, 7, 30)]
    batch = evaluate_kpis(scenarios, ("npv", "clv_net", "customers_end"))
    for i, s in enumerate(scenarios):
        k = run_cohort(s).kpis
        for name in ("npv", "clv_net", "customers_end"):
            assert batch[name][i] == pytest.approx(k[name], rel=1e-12, abs=1e-9), (i, name)


@pytest.mark.parametrize(("fields", "path", "words"), [
    ({"ceiling": 0.7, "observed_rate": 0.8}, "retention_spend.ceiling", "more than observed_rate"),
    ({"observed_rate": 0.0}, "retention_spend.observed_rate", "more than 0"),
    ({"observed_spend": 0.0}, "retention_spend.observed_spend", "more than 0 when"),
])
def test_bad_response_curves_name_the_field(fields: dict, path: str, words: str) -> None:
    data = scenario_to_dict(Scenario())
    data["retention_spend"] = {**data["retention_spend"], "enabled": True, **fields}
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(data)
    issue = next(i for i in err.value.issues if i.path == path)
    assert words in issue.allowed


def test_an_off_section_is_not_checked_and_changes_nothing() -> None:
    data = scenario_to_dict(Scenario())
    data["retention_spend"] = {"enabled": False, "observed_rate": 0.0}
    s = scenario_from_dict(data)
    got, want = run_cohort(s).kpis, run_cohort(Scenario()).kpis
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert got[key] == value or (math.isnan(got[key]) and math.isnan(value)), key
    assert not math.isnan(effective_uplift_points(s))


@settings(max_examples=25, deadline=None)
@given(ceiling=st.floats(0.3, 0.99), share=st.floats(0.1, 0.95),
       observed=st.floats(0.5, 60.0), horizon=st.integers(2, 30))
def test_no_retention_spend_on_a_fine_grid_beats_the_optimiser(
        ceiling: float, share: float, observed: float, horizon: int) -> None:
    """Over random retention response curves, no spend on a fine grid (401 points from 0
    to 4× the observed spend or k·R = 6, and 201 around the optimum) beats the
    optimiser's, within a millionth."""
    rate = share * ceiling
    s = _with_spend(_constant(0.5, horizon=horizon), observed, observed=observed, rate=rate,
                    ceiling=ceiling)
    result = optimise(s, replications=0)
    best = result.optimum.plan.retention_spend
    assert best is not None
    top = max(4 * observed, 6 / s.retention_spend.curve().k)
    grid = list(np.linspace(0.0, top, 401)) + list(np.linspace(0.8, 1.2, 201) * best)
    found = evaluate_plans(s, [Plan(None, (), float(r)) for r in grid])
    tolerance = 1e-6 * max(1.0, abs(result.optimum.npv_gain)) + 1e-6
    assert max(c.npv_gain for c in found) <= result.optimum.npv_gain + tolerance
