"""Scenario edits behind the multi-field levers (sim/edits.py)."""

from __future__ import annotations

import pytest

from sim.edits import (
    acquisition_years,
    programme_spend_bounds,
    programme_spend_percent,
    running_programme,
    with_acquisition_years,
    with_only_programme,
    with_programme_spend_percent,
)
from sim.library import load_preset
from sim.scenario import replace_path


def test_reading_and_writing_back_changes_nothing() -> None:
    for preset in ("textbook_magazine", "textbook_five_cohorts", "whatif_points_programme",
                   "whatif_today"):
        s = load_preset(preset)
        assert with_acquisition_years(s, acquisition_years(s)) is s
        assert with_only_programme(s, running_programme(s)) is s
        assert with_programme_spend_percent(s, programme_spend_percent(s)) is s


def test_acquisition_years_of_a_list_counts_non_zero_years_and_becomes_a_constant() -> None:
    s = load_preset("textbook_five_cohorts")
    assert acquisition_years(s) == 5
    three = with_acquisition_years(s, 3)
    assert three.acquisition.mode == "constant" and three.acquisition.years == 3
    assert three.acquisition.constant == 1000.0
    assert three.acquisition.new_per_year(three.horizon_years)[:4] == [1000.0] * 3 + [0.0]


def test_one_programme_at_a_time_and_spend_in_percent_of_reference() -> None:
    s = load_preset("whatif_points_programme")
    assert running_programme(s) == "points"
    vip = with_only_programme(s, "recognition")
    assert running_programme(vip) == "recognition" and not vip.programmes.points.enabled
    assert running_programme(with_only_programme(s, "none")) == "none"
    doubled = with_programme_spend_percent(s, 200.0)
    ref = s.programmes.points.reference_cost_per_member
    assert doubled.programmes.points.cost_per_member_year == pytest.approx(2 * ref)
    assert programme_spend_percent(doubled) == pytest.approx(200.0)
    low, high = programme_spend_bounds(s)
    assert low == 0.0 and high * ref / 100.0 == pytest.approx(1e6)
    both = replace_path(s, "programmes.recognition.enabled", True)
    spent = with_programme_spend_percent(both, 50.0)
    assert spent.programmes.recognition.cost_per_member_year == pytest.approx(
        0.5 * both.programmes.recognition.reference_cost_per_member)
