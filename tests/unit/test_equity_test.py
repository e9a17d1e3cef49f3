"""The Blattberg-Deighton customer-equity test (sim.equity_test, DOMAIN.md §9): the
closed-form optimum against a numerical one, Pfeifer's marginal-cost identity, corners,
bad input, and the optional ``[equity_test]`` scenario section."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from sim.equity_test import (
    RESULT_KEYS,
    EquityTest,
    calibrate,
    customer_value,
    equity,
    equity_grid,
    equity_test_of,
    marginal_cost_curves,
    retention_condition,
    solve,
)
from sim.library import load_preset
from sim.scenario import Scenario, scenario_from_dict, scenario_to_dict, spec_at
from sim.scenario_io import dumps, loads
from sim.schema import ScenarioError

DEFAULT = EquityTest()


def _interior(test: EquityTest) -> bool:
    result = solve(test)
    return result.interior_acquisition and result.interior_retention


def test_calibration_goes_through_the_observed_point() -> None:
    acq, ret = calibrate(0.5, 60.0, 0.3), calibrate(0.85, 15.0, 0.65)
    assert acq.k == pytest.approx(-math.log(1 - 0.3 / 0.5) / 60.0, rel=1e-15)
    assert float(acq.rate(60.0)) == pytest.approx(0.3, rel=1e-14)
    assert float(ret.rate(15.0)) == pytest.approx(0.65, rel=1e-14)
    assert float(acq.rate(0.0)) == 0.0 and float(acq.rate(1e6)) == pytest.approx(0.5)


def test_customer_value_is_the_whole_life_sum() -> None:
    """V(R) = m + (m·r − R)/(1+d−r): m now, then at the end of each period R spent on the
    r^(t−1) customers left and m from the r^t who stay, discounted by (1+d)^t."""
    _, ret = calibrate(0.5, 60.0, 0.3), calibrate(0.85, 15.0, 0.65)
    m, d, spend = DEFAULT.margin, DEFAULT.discount_rate, 20.0
    r = float(ret.rate(spend))
    t = np.arange(1, 2000)
    series = m + np.sum((m * r ** t - spend * r ** (t - 1)) / (1 + d) ** t)
    assert float(customer_value(DEFAULT, ret, spend)) == pytest.approx(series, rel=1e-12)


def test_default_example() -> None:
    """The section's illustration: the current plan breaks even, the optimum earns ~16."""
    result = solve(DEFAULT)
    o, c = result.optimum, result.current
    assert c.equity_per_prospect == pytest.approx(0.0, abs=1e-9)
    assert c.average_cost_ratio == pytest.approx((60 / 0.3) / (15 / 0.65), rel=1e-12)
    assert o.acquisition_spend == pytest.approx(41.0384, abs=1e-4)
    assert o.retention_spend == pytest.approx(31.1057, abs=1e-4)
    assert o.acquisition_rate == pytest.approx(0.23283, abs=1e-5)
    assert o.retention_rate == pytest.approx(0.80770, abs=1e-5)
    assert o.customer_value == pytest.approx(245.0914, abs=1e-4)
    assert o.equity_per_prospect == pytest.approx(16.0259, abs=1e-4)
    assert o.average_cost_ratio == pytest.approx(4.5768, abs=1e-4)
    assert tuple(result.as_dict()) == RESULT_KEYS


def test_closed_form_agrees_with_numerical_maximum() -> None:
    result = solve(DEFAULT)
    assert result.numerical_gap < 1e-4
    assert abs(result.numerical_equity - result.optimum.equity_per_prospect) < 1e-8


def test_retention_condition_and_its_root() -> None:
    """The Lambert-W closed form is the root of r′(R)(m(1+d) − R) = 1 + d − r(R)."""
    result = solve(DEFAULT)
    g = lambda spend: retention_condition(DEFAULT, result.retention, spend)  # noqa: E731
    root = brentq(g, 0.0, DEFAULT.margin * (1 + DEFAULT.discount_rate), xtol=1e-14)
    assert result.optimum.retention_spend == pytest.approx(root, abs=1e-9)
    assert abs(result.retention_gap) < 1e-12
    assert g(root - 1.0) > 0 > g(root + 1.0)


def test_marginal_costs_equal_the_customer_value() -> None:
    result = solve(DEFAULT)
    v = result.optimum.customer_value
    assert abs(result.marginal_acquisition_cost - v) <= 1e-6 * v
    assert abs(result.marginal_retention_cost - v) <= 1e-6 * v


@st.composite
def equity_inputs(draw) -> EquityTest:
    a_ceiling = draw(st.floats(0.05, 1.0))
    r_ceiling = draw(st.floats(0.05, 1.0))
    return EquityTest(
        margin=draw(st.floats(1.0, 1e4)),
        discount_rate=draw(st.floats(0.0, 1.0)),
        acquisition_ceiling=a_ceiling,
        acquisition_spend=draw(st.floats(0.01, 1e3)),
        acquisition_rate=a_ceiling * draw(st.floats(0.01, 0.99)),
        retention_ceiling=r_ceiling,
        retention_spend=draw(st.floats(0.01, 1e3)),
        retention_rate=r_ceiling * draw(st.floats(0.01, 0.99)))


def _solved(test: EquityTest):
    """The result, or None when V(R*) is beyond floating point (no discount, a ceiling of
    1: r* rounds to 1), which solve refuses naming the retention ceiling."""
    try:
        return solve(test)
    except ScenarioError as error:
        assert [i.path for i in error.issues] == ["equity_test.retention_ceiling"]
        assert test.discount_rate < 1e-2 and test.retention_ceiling > 0.99
        return None


@settings(max_examples=150, deadline=None)
@given(equity_inputs())
def test_every_interior_optimum_checks_itself(test: EquityTest) -> None:
    """First-order conditions = numerical optimum to 1e-4; marginal cost = V to 1e-6."""
    result = _solved(test)
    assume(result is not None)
    assume(result.interior_acquisition and result.interior_retention)
    assert result.numerical_gap < 1e-4
    v = result.optimum.customer_value
    gap_a, gap_r = result.value_gaps
    assert abs(gap_a) <= 1e-6 * max(1.0, v)
    assert abs(gap_r) <= 1e-6 * max(1.0, v)


@settings(max_examples=150, deadline=None)
@given(equity_inputs())
def test_no_grid_point_beats_the_optimum(test: EquityTest) -> None:
    """Over random response curves, no point of a fine grid (401 × 401 up to three times
    each optimal or observed spend) has a higher customer equity than the optimum."""
    result = _solved(test)
    assume(result is not None)
    o = result.optimum
    a_axis = np.linspace(0, 3 * max(o.acquisition_spend, test.acquisition_spend), 401)
    r_axis = np.linspace(0, 3 * max(o.retention_spend, test.retention_spend), 401)
    grid = np.asarray(equity(test, result.acquisition, result.retention,
                             a_axis[:, None], r_axis[None, :]))
    tolerance = 1e-9 * max(1.0, abs(o.equity_per_prospect), test.margin)
    # no discount and a ceiling of 1: where r rounds to 1, V has no floating-point value
    finite = grid[np.isfinite(grid)]
    assert finite.size > 0.5 * grid.size
    assert finite.max() <= o.equity_per_prospect + tolerance
    assert o.equity_per_prospect >= result.current.equity_per_prospect - tolerance
    assert o.equity_per_prospect >= -tolerance                 # spending nothing gives 0


def test_acquisition_corner() -> None:
    """When even the first unit of acquisition spend costs more than a customer is worth,
    the optimum acquires nobody: A* = 0, CE* = 0, no average cost ratio."""
    test = dataclasses.replace(DEFAULT, acquisition_spend=600.0, acquisition_rate=0.05)
    result = solve(test)
    assert not result.interior_acquisition and result.interior_retention
    assert result.optimum.acquisition_spend == 0.0
    assert result.optimum.equity_per_prospect == 0.0
    assert result.optimum.average_cost_ratio is None
    assert result.marginal_acquisition_cost > result.optimum.customer_value
    assert result.as_dict()["average_cost_ratio"] is None


def test_retention_corner() -> None:
    """r_max·k₂·m(1+d) ≤ 1 + d: the first unit of retention spend does not pay, R* = 0,
    r* = 0 and V = m (one margin, the first period's)."""
    test = dataclasses.replace(DEFAULT, margin=2.0)
    result = solve(test)
    assert not result.interior_retention
    assert result.optimum.retention_spend == 0.0
    assert result.optimum.customer_value == pytest.approx(2.0)


def test_steep_retention_curve_uses_the_large_argument_branch() -> None:
    """k₂·m(1+d) beyond exp's range (z = e^(k₂M−1) overflows): the closed form still holds."""
    test = dataclasses.replace(DEFAULT, margin=1e6, retention_spend=0.01)
    result = solve(test)
    assert abs(result.retention_gap) < 1e-6
    assert result.numerical_gap < 1e-4


@pytest.mark.parametrize(("changes", "path", "words"), [
    ({"acquisition_ceiling": 0.2, "acquisition_rate": 0.3}, "equity_test.acquisition_ceiling",
     "more than acquisition_rate (0.3)"),
    ({"retention_ceiling": 0.65}, "equity_test.retention_ceiling", "more than retention_rate"),
    ({"acquisition_rate": 0.0}, "equity_test.acquisition_rate", "observed rate of 0"),
    ({"retention_rate": 0.0}, "equity_test.retention_rate", "observed rate of 0"),
    ({"acquisition_spend": 0.0}, "equity_test.acquisition_spend", "rate of 0 at no spend"),
    ({"retention_spend": 0.0}, "equity_test.retention_spend", "rate of 0 at no spend"),
    ({"margin": 0.0}, "equity_test.margin", "more than 0"),
])
def test_bad_input_names_the_field_and_why(changes: dict, path: str, words: str) -> None:
    bad = dataclasses.replace(DEFAULT, **changes)
    with pytest.raises(ScenarioError) as direct:
        solve(bad)
    assert [i.path for i in direct.value.issues] == [path]
    assert words in str(direct.value)
    data = scenario_to_dict(load_preset("whatif_today"))
    data["equity_test"] = {**scenario_to_dict(Scenario(equity_test=DEFAULT))["equity_test"],
                           **changes}
    with pytest.raises(ScenarioError) as loaded:
        scenario_from_dict(data)
    assert [i.path for i in loaded.value.issues] == [path]
    assert words in str(loaded.value)


def test_value_beyond_floating_point_is_refused() -> None:
    """No discount and a retention ceiling of 1: V(R*) = e^(k₂M − 1)/k₂ grows without bound
    with the margin; at m = 2,000 (k₂M ≈ 1,386) it is beyond floating point, so the test is
    refused, naming the ceiling. (At m = 56 it is 3.6e16, and computed.)"""
    fine = solve(EquityTest(margin=56.0, discount_rate=0.0, acquisition_ceiling=1.0,
                            acquisition_spend=1.0, acquisition_rate=0.5, retention_ceiling=1.0,
                            retention_spend=1.0, retention_rate=0.5))
    assert fine.optimum.customer_value == pytest.approx(
        math.exp(math.log(2) * 56 - 1) / math.log(2), rel=1e-9)
    bad = EquityTest(margin=2000.0, discount_rate=0.0, acquisition_ceiling=1.0,
                     acquisition_spend=1.0, acquisition_rate=0.5, retention_ceiling=1.0,
                     retention_spend=1.0, retention_rate=0.5)
    with pytest.raises(ScenarioError) as error:
        solve(bad)
    assert error.value.issues[0].path == "equity_test.retention_ceiling"


def test_infinite_customer_value_is_refused() -> None:
    """A retention ceiling above 1 + d (only possible outside the schema's range, e.g. an
    object built in code) would make V infinite: refused, naming the field."""
    bad = dataclasses.replace(DEFAULT, retention_ceiling=1.5, discount_rate=0.1)
    with pytest.raises(ScenarioError) as error:
        solve(bad)
    assert error.value.issues[0].path == "equity_test.retention_ceiling"
    assert "infinite" in str(error.value)


def test_no_discount_and_a_ceiling_of_one() -> None:
    """d = 0 and r_max = 1: V is finite at the optimum (r* < 1) though it grows without
    bound; the grid leaves out the spends where r rounds to 1 (no warning, no inf)."""
    test = EquityTest(margin=20.0, discount_rate=0.0, acquisition_ceiling=1.0,
                      acquisition_spend=1.0, acquisition_rate=0.5, retention_ceiling=1.0,
                      retention_spend=1.0, retention_rate=0.5)
    result = solve(test)
    assert result.interior_retention and result.optimum.retention_rate < 1.0
    assert result.numerical_gap < 1e-4
    grid = equity_grid(result)
    finite = grid["equity"].dropna()
    assert len(finite) and np.isfinite(finite).all()
    assert finite.max() <= result.optimum.equity_per_prospect


def test_out_of_range_fields_list_their_range() -> None:
    data = scenario_to_dict(load_preset("whatif_today"))
    data["equity_test"] = {"discount_rate": 1.5, "retention_ceiling": -0.1, "typo": 1}
    with pytest.raises(ScenarioError) as error:
        scenario_from_dict(data)
    paths = {i.path for i in error.value.issues}
    assert paths == {"equity_test.discount_rate", "equity_test.retention_ceiling",
                     "equity_test.typo"}
    assert spec_at("equity_test.discount_rate").unit == "fraction/period"


def test_section_is_optional_and_round_trips() -> None:
    s = load_preset("whatif_today")
    assert s.equity_test is None and "equity_test" not in scenario_to_dict(s)
    assert "[equity_test]" not in dumps(s)
    assert equity_test_of(s) is None
    with_test = dataclasses.replace(s, equity_test=dataclasses.replace(DEFAULT, margin=80.0))
    text = dumps(with_test)
    assert "[equity_test]" in text and "margin = 80.0" in text
    assert loads(text) == with_test
    partial = text.split("[equity_test]")[0] + "[equity_test]\nmargin = 80.0\n"
    assert loads(partial).equity_test == dataclasses.replace(DEFAULT, margin=80.0)
    assert equity_test_of(loads(partial)) == solve(dataclasses.replace(DEFAULT, margin=80.0))


def test_version_1_files_still_load() -> None:
    base = dumps(load_preset("whatif_today")).replace("schema_version = 2",
                                                      "schema_version = 1")
    base = base.replace("[market]\n", "[market]\nshare_of_wallet = 0.4\n")
    assert loads(base).equity_test is None
    with_section = loads(base + "\n[equity_test]\nmargin = 50.0\n")
    assert with_section.equity_test == dataclasses.replace(DEFAULT, margin=50.0)
    assert with_section.schema_version == 2


def test_the_engines_ignore_the_section() -> None:
    from sim.batch import evaluate_kpis

    s = load_preset("whatif_today")
    with_test = dataclasses.replace(s, equity_test=DEFAULT)
    assert evaluate_kpis([s, with_test], "npv").tolist()[0] == pytest.approx(
        evaluate_kpis([with_test], "npv")[0], rel=1e-15)


def test_chart_frames() -> None:
    result = solve(DEFAULT)
    grid = equity_grid(result, points=41)
    assert len(grid) == 41 * 41 and grid["equity"].max() <= result.optimum.equity_per_prospect
    best = grid.loc[grid["equity"].idxmax()]
    assert abs(best["acquisition_spend"] - result.optimum.acquisition_spend) < 3.0
    curves = marginal_cost_curves(result)
    assert set(curves["curve"]) == {"acquisition", "retention"}
    v = result.optimum.customer_value
    for name, spend in (("acquisition", result.optimum.acquisition_spend),
                        ("retention", result.optimum.retention_spend)):
        line = curves[curves["curve"] == name]
        crossing = np.interp(v, line["marginal_cost"], line["spend"])
        assert crossing == pytest.approx(spend, rel=0.02)
    assert curves["marginal_cost"].max() <= 3 * v
