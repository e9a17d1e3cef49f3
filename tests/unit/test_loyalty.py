"""The satisfaction-loyalty model: curve properties, satisfaction, programmes, sorting, types."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cohort import run_cohort
from sim.lessons import top_box_ratios, top_box_table
from sim.loyalty import LoyaltyCurve, loyalty_probability, loyalty_zones
from sim.population import satisfaction_population, satisfied_share
from sim.programmes import PROGRAMME_KINDS, Programmes, programme_mix
from sim.satisfaction import Satisfaction, mean_satisfaction
from sim.scenario import Scenario, replace_path

S_GRID = np.linspace(1, 5, 161)
C_GRID = np.linspace(0, 1, 21)


def test_loyalty_rises_with_satisfaction_and_never_rises_with_competition() -> None:
    table = loyalty_probability(S_GRID[None, :], C_GRID[:, None])       # (c, s)
    assert table.shape == (21, 161)
    assert np.all(np.diff(table, axis=1) >= -1e-12)                     # non-decreasing in s
    assert np.all(np.diff(table, axis=0) <= 1e-12)                      # non-increasing in c
    assert np.all((table >= 0) & (table <= 1))


def test_low_competition_keeps_loyalty_high() -> None:
    low = loyalty_probability(S_GRID, 0.0)
    assert low[0] >= 0.6 and low.min() >= 0.6


def test_high_competition_is_flat_then_steep_with_xerox_ratio() -> None:
    high = loyalty_probability(S_GRID, 1.0)
    at = dict(zip(np.round(S_GRID, 3), high, strict=True))
    assert at[1.0] < 0.2 and at[4.0] - at[1.0] < 0.05                  # low and flat to 4
    assert at[5.0] / at[4.0] == pytest.approx(6.0, abs=0.5)            # Xerox: ≈ 6×
    assert at[5.0] - at[4.5] > 0.3                                      # steep at the top


def test_zones_cover_the_scale_in_order() -> None:
    zones = loyalty_zones(1.0)
    assert [z["zone"] for z in zones] == ["defection", "indifference", "affection"]
    assert zones[0]["s_from"] == 1.0 and zones[-1]["s_to"] == 5.0
    assert zones[0]["loyalty_to"] <= zones[2]["loyalty_from"]


curves = st.builds(
    LoyaltyCurve,
    low_floor=st.floats(0.5, 0.8), low_top=st.floats(0.9, 1.0),
    low_midpoint=st.floats(1, 5), low_steepness=st.floats(0.1, 5),
    high_floor=st.floats(0.0, 0.3), high_top=st.floats(0.5, 0.9),
    high_midpoint=st.floats(3.5, 5), high_steepness=st.floats(1, 20))


@settings(max_examples=60, deadline=None)
@given(curves)
def test_monotone_for_any_valid_curve(curve: LoyaltyCurve) -> None:
    if curve.rules():        # an invalid curve is refused at load; nothing to check
        return
    table = loyalty_probability(S_GRID[None, :], C_GRID[:, None], curve)
    assert np.all(np.diff(table, axis=1) >= -1e-12)
    assert np.all(np.diff(table, axis=0) <= 1e-12)


def test_a_curve_with_high_above_low_is_refused() -> None:
    from sim.scenario import scenario_from_dict
    from sim.schema import ScenarioError
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict({"loyalty_curve": {"high_top": 1.0, "low_top": 0.9}})
    assert err.value.issues[0].path == "loyalty_curve.high_top"


def test_shortfall_hurts_more_than_surplus_helps() -> None:
    sat = Satisfaction(service_quality=3.0, expectation=3.0, expectation_per_competition=0.0)
    at_expectation = float(mean_satisfaction(sat, 0.0))
    above = float(mean_satisfaction(dataclasses.replace(sat, service_quality=3.5), 0.0))
    below = float(mean_satisfaction(dataclasses.replace(sat, service_quality=2.5), 0.0))
    assert at_expectation == 4.0
    assert at_expectation - below == pytest.approx(2 * (above - at_expectation))
    # Competition raises the expectation, so the same service satisfies less.
    rivals = dataclasses.replace(sat, expectation_per_competition=0.6)
    assert float(mean_satisfaction(rivals, 1.0)) < float(mean_satisfaction(rivals, 0.0))


def _satisfaction_scenario(**changes: float) -> Scenario:
    s = replace_path(Scenario(), "retention.model", "satisfaction")
    for path, value in changes.items():
        s = replace_path(s, path.replace("__", "."), value)
    return s


def test_heterogeneous_cohort_retention_rises_by_sorting_and_homogeneous_is_flat() -> None:
    mixed = run_cohort(_satisfaction_scenario(satisfaction__spread=0.8)).tenure["renewal_rate"]
    assert np.all(np.diff(mixed.to_numpy()) > 0)
    flat = run_cohort(_satisfaction_scenario(satisfaction__spread=0.0)).tenure["renewal_rate"]
    assert np.allclose(flat, flat.iloc[0], atol=1e-12)


def _enabled(programmes: Programmes, kinds: tuple[str, ...], **changes: float) -> Programmes:
    for kind in kinds:
        programmes = dataclasses.replace(
            programmes, **{kind: dataclasses.replace(getattr(programmes, kind), enabled=True,
                                                     **changes)})
    return programmes


def test_stacking_every_programme_at_the_extremes_stays_in_bounds() -> None:
    extreme = _enabled(Programmes(), PROGRAMME_KINDS, enrolment_share=1.0, perceived_value=4.0,
                       switching_cost=1.0, cost_per_member_year=1e6)
    mix = programme_mix(extreme)
    assert 0.0 <= mix.switching_cost <= 1.0 and mix.member_share == 1.0
    s = dataclasses.replace(_satisfaction_scenario(competition__intensity=1.0), programmes=extreme)
    pop = satisfaction_population(s)
    for values in (pop.loyalty, pop.felt_competition, pop.weights):
        assert np.all((values >= 0) & (values <= 1))
    assert pop.satisfaction.max() <= 5.0 and pop.weights.sum() == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(kinds=st.sets(st.sampled_from(PROGRAMME_KINDS), min_size=1),
       spend_low=st.floats(0, 50), extra=st.floats(0, 50), enrol=st.floats(0, 1))
def test_more_programme_spend_never_lowers_satisfaction(kinds, spend_low, extra, enrol) -> None:
    base = _satisfaction_scenario(competition__intensity=0.7)

    def mean_sat(programmes: Programmes) -> float:
        pop = satisfaction_population(dataclasses.replace(base, programmes=programmes))
        return float(pop.weights @ pop.satisfaction)

    none = mean_sat(Programmes())
    low = mean_sat(_enabled(Programmes(), tuple(kinds), cost_per_member_year=spend_low,
                            enrolment_share=enrol))
    high = mean_sat(_enabled(Programmes(), tuple(kinds), cost_per_member_year=spend_low + extra,
                             enrolment_share=enrol))
    assert none <= low + 1e-12 <= high + 2e-12


def test_switching_cost_programme_creates_hostages_and_is_flagged() -> None:
    base = _satisfaction_scenario(competition__intensity=0.9, satisfaction__service_quality=3.2)
    points = dataclasses.replace(base, programmes=_enabled(Programmes(), ("points",)))
    before = run_cohort(base).loyalty_types
    after = run_cohort(points).loyalty_types
    assert after["hostages"].iloc[0] > before["hostages"].iloc[0] + 0.05
    pop, before_pop = satisfaction_population(points), satisfaction_population(base)
    gain_total = pop.weights @ pop.loyalty - before_pop.weights @ before_pop.loyalty
    gain_by_lock_in = pop.weights @ (pop.loyalty - pop.loyalty_without_switching)
    assert gain_total > 0
    assert gain_by_lock_in > 0.5 * gain_total          # the points programme buys lock-in


def test_loyalty_types_are_shares() -> None:
    types = run_cohort(_satisfaction_scenario()).loyalty_types
    total = types[["loyalists", "mercenaries", "hostages", "defectors"]].sum(axis=1)
    assert np.allclose(total, 1.0)


def test_word_of_mouth_feeds_acquisition() -> None:
    steady = {"acquisition__mode": "constant", "acquisition__years": 10}
    quiet = _satisfaction_scenario(**steady,word_of_mouth__referrals_per_loyalist=0.0,
                                   word_of_mouth__lost_per_defector=0.0)
    talking = _satisfaction_scenario(**steady, word_of_mouth__referrals_per_loyalist=0.2,
                                     word_of_mouth__lost_per_defector=0.0)
    bitter = _satisfaction_scenario(**steady, word_of_mouth__referrals_per_loyalist=0.0,
                                    word_of_mouth__lost_per_defector=2.0)
    acquired = {name: run_cohort(s).kpis["acquired"]
                for name, s in (("quiet", quiet), ("talking", talking), ("bitter", bitter))}
    assert acquired["talking"] > acquired["quiet"] > acquired["bitter"]


def test_satisfied_share_is_the_weight_of_the_satisfied_classes() -> None:
    scenario = replace_path(Scenario(), "retention.model", "satisfaction")
    pop = satisfaction_population(scenario)
    expected = sum(w for w, s in zip(pop.weights, pop.satisfaction, strict=True)
                   if s >= scenario.satisfaction.satisfied_from)
    assert satisfied_share(pop) == pytest.approx(expected)
    assert 0 < satisfied_share(pop) < 1
    better = replace_path(scenario, "satisfaction.service_quality", 5.0)
    assert satisfied_share(satisfaction_population(better)) >= satisfied_share(pop)


def test_top_box_ratios_divide_retention_at_5_by_retention_at_4() -> None:
    table = top_box_table(Scenario(), (0.0, 1.0))
    ratios = top_box_ratios(table)
    assert set(ratios) == {0.0, 1.0}
    for c, ratio in ratios.items():
        at = table[table["competition"] == c].set_index("satisfaction")["retention"]
        assert ratio == pytest.approx(at[5.0] / at[4.0])
    assert ratios[1.0] > ratios[0.0] >= 1.0          # the top box matters under competition
    zero = pd.DataFrame({"competition": [0.5, 0.5], "satisfaction": [4.0, 5.0],
                         "retention": [0.0, 0.3]})
    assert np.isnan(top_box_ratios(zero)[0.5])
