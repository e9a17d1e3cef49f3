"""Property tests (hypothesis) of the cohort engine and the scenario loader."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim.cohort import run_cohort
from sim.scenario import Scenario, replace_path, scenario_from_dict
from sim.schema import ScenarioError

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

rates = st.floats(0.0, 1.0, allow_nan=False)
money = st.floats(0.0, 500.0, allow_nan=False)


@st.composite
def retention_specs(draw) -> dict:
    model = draw(st.sampled_from(["table", "constant", "sbg"]))
    if model == "table":
        return {"model": model, "by_tenure_year": draw(st.lists(rates, min_size=1, max_size=12))}
    if model == "constant":
        return {"model": model, "constant": draw(rates)}
    return {"model": model, "sbg_alpha": draw(st.floats(0.01, 50)),
            "sbg_beta": draw(st.floats(0.01, 50))}


@st.composite
def scenarios(draw) -> Scenario:
    """Valid scenarios whose margin is not negative (price ≥ variable cost)."""
    cost = draw(money)
    return scenario_from_dict({
        "schema_version": 1, "name": "property",
        "horizon_years": draw(st.integers(1, 15)),
        "periods_per_year": draw(st.sampled_from([1, 12])),
        "acquisition": {"mode": "list",
                        "per_year": draw(st.lists(st.floats(0, 1e5), min_size=1, max_size=15))},
        "pricing": {"first_year_price": cost + draw(money), "renewal_price": cost + draw(money),
                    "variable_cost": cost, "acquisition_cost": draw(money)},
        "retention": {**draw(retention_specs()),
                      "churn_timing": draw(st.sampled_from(["renewal", "spread"]))},
        "finance": {"discount_rate": draw(st.floats(0, 1)),
                    "cash_timing": draw(st.sampled_from(["start", "end"]))},
    })


@FAST
@given(scenarios())
def test_counts_are_never_negative_and_rates_stay_in_0_1(scenario: Scenario) -> None:
    result = run_cohort(scenario)
    for column in ("new", "active", "churned", "revenue", "variable_cost"):
        assert (result.periods[column] >= -1e-9).all(), column
    assert (result.tenure["customers"] >= 0).all()
    for frame, column in ((result.periods, "retention"), (result.yearly, "retention"),
                          (result.tenure, "renewal_rate")):
        values = frame[column].dropna()
        assert ((values >= 0) & (values <= 1 + 1e-12)).all(), column
    assert all(math.isfinite(v) or math.isnan(v) for v in result.kpis.values())
    # Per-customer values exist exactly when someone is acquired (no "CLV" of nobody).
    acquired = result.kpis["acquired"] > 0
    assert math.isfinite(result.kpis["clv_net"]) == acquired
    assert math.isfinite(result.kpis["customer_equity"])


@FAST
@given(scenarios(), st.floats(0.1, 30))
def test_higher_retention_never_lowers_clv(scenario: Scenario, points: float) -> None:
    result = run_cohort(scenario)
    assume(result.kpis["acquired"] > 0)             # CLV of no customer is undefined (NaN)
    base = result.kpis["clv_gross"]
    higher = run_cohort(replace_path(scenario, "retention.uplift_points",
                                     scenario.retention.uplift_points + points)).kpis["clv_gross"]
    assert higher >= base - 1e-9 * max(1.0, abs(base))


@FAST
@given(scenarios(), st.floats(0.001, 0.5))
def test_a_higher_discount_rate_never_raises_clv(scenario: Scenario, more: float) -> None:
    result = run_cohort(scenario)
    assume(result.kpis["acquired"] > 0)             # CLV of no customer is undefined (NaN)
    base = result.kpis["clv_gross"]
    rate = min(1.0, scenario.finance.discount_rate + more)
    higher = run_cohort(replace_path(scenario, "finance.discount_rate", rate)).kpis["clv_gross"]
    assert higher <= base + 1e-9 * max(1.0, abs(base))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=True)
    | st.text(max_size=20),
    lambda children: (st.lists(children, max_size=4)
                      | st.dictionaries(st.text(max_size=12), children, max_size=4)),
    max_leaves=20)
known_keys = st.sampled_from(["schema_version", "name", "horizon_years", "periods_per_year",
                              "acquisition", "pricing", "retention", "finance", "seed",
                              "currency", "market", "programmes", "competition"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(known_keys | st.text(max_size=10), json_values, max_size=8))
def test_invalid_scenario_input_yields_a_validation_message_never_a_crash(data: dict) -> None:
    try:
        scenario = scenario_from_dict(data)
    except ScenarioError as exc:
        assert exc.issues and all(str(issue) for issue in exc.issues)
        return
    run_cohort(scenario)                     # whatever validated must run


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["pricing.renewal_price", "retention.constant", "finance.discount_rate",
                        "horizon_years", "acquisition.per_year"]),
       st.sampled_from([float("nan"), float("inf"), -1.0, 1e300, "ten", None, [1, "x"], True]))
def test_out_of_range_values_name_the_field_and_the_allowed_range(path: str, value) -> None:
    section, _, name = path.partition(".")
    data: dict = {"schema_version": 1, "name": "x"}
    if name:
        data[section] = {name: value}
    else:
        data[section] = value
    try:
        scenario_from_dict(data)
    except ScenarioError as exc:
        assert any(issue.path == path or issue.path.startswith(path)
                   for issue in exc.issues), exc.issues
        assert all(issue.allowed for issue in exc.issues)
        return
    raise AssertionError(f"{path} = {value!r} was accepted")
