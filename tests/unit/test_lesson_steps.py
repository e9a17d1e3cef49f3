"""Predict-then-reveal lessons (sim/lesson_steps.py): the truths against the textbook (DOMAIN.md
§1-2) and independent engine runs, and the validation of the lesson data."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from sim.cohort import run_cohort
from sim.lesson_steps import (
    guess_histogram,
    lesson,
    lesson_scenario,
    lessons,
    load_lessons,
    retention_by_year,
    room_consensus,
    step_truth,
    summary_table,
    sweep_table,
    sweep_x_of_step,
)
from sim.lessons import top_box_ratios, top_box_table
from sim.library import load_preset
from sim.programmes import Programmes
from sim.scenario import replace_path
from sim.schema import ScenarioError

FIVE_COHORTS_AGGREGATE = (0.600, 0.619, 0.635, 0.649, 0.660, 0.709, 0.750, 0.778, 0.792)
"""DOMAIN.md §2: yearly aggregate retention, years 2-10 (one decimal of a percent, from the
book's rounded counts: 1628 / 2468 = 66.0 % where the unrounded counts give 65.9 %)."""


def _truth(lesson_id: str, step_id: str):
    one = lesson(lesson_id)
    return step_truth(lesson_scenario(one), one.step_by_id(step_id))


def test_the_five_lessons_ship_in_order() -> None:
    assert list(lessons()) == ["satisfied_defect", "false_loyalty", "top_box",
                               "aggregate_retention", "retention_point"]
    assert all(len(one.steps) >= 2 for one in lessons().values())


def test_aggregate_retention_flatters_as_the_textbook_says() -> None:
    trend = _truth("aggregate_retention", "trend")
    assert trend.choice == "rises"
    assert trend.before == pytest.approx(0.600, abs=5e-4)
    assert trend.after == pytest.approx(0.792, abs=5e-4)
    assert _truth("aggregate_retention", "year_ten").value == pytest.approx(0.792, abs=5e-4)
    by_year = retention_by_year(load_preset("textbook_five_cohorts"))
    aggregate = by_year[by_year["series"] == "aggregate"]["retention"].to_list()
    assert aggregate == pytest.approx(FIVE_COHORTS_AGGREGATE, abs=1e-3)
    cohort = by_year[by_year["series"] == "cohort"]["retention"].to_list()
    assert cohort == pytest.approx([0.60, 0.65, 0.70, 0.75, 0.78, 0.79, 0.80, 0.80, 0.80])


def test_acquiring_every_year_keeps_the_aggregate_down() -> None:
    s = replace_path(load_preset("textbook_five_cohorts"), "acquisition.years", 10)
    expected = float(run_cohort(s).yearly["retention"].iloc[-1])
    truth = _truth("aggregate_retention", "keep_acquiring")
    assert truth.value == pytest.approx(expected)
    assert truth.value < 0.75 < truth.before


def test_one_retention_point_is_worth_what_the_engine_says() -> None:
    magazine = load_preset("textbook_magazine")
    clv = _truth("retention_point", "clv")
    assert clv.before == pytest.approx(17, abs=0.1)            # DOMAIN.md §1: ≈ 17 USD
    plus_one = replace_path(magazine, "retention.by_tenure_year",
                            tuple(r + 0.01 for r in magazine.retention.by_tenure_year))
    assert clv.value == pytest.approx(run_cohort(plus_one).kpis["clv_net"])
    two = _truth("retention_point", "two_points")
    assert two.value == pytest.approx(22, abs=0.1)             # DOMAIN.md §1: ≈ 22 USD
    change = _truth("retention_point", "equity_change")
    ce0, ce1 = run_cohort(magazine).kpis["customer_equity"], run_cohort(plus_one).kpis[
        "customer_equity"]
    assert change.value == pytest.approx(ce1 / ce0 - 1)
    assert 0.10 < change.value < 0.20                            # far more than 1 %


def test_satisfied_customers_defect_and_lower_competition_keeps_them() -> None:
    s = load_preset("lesson_satisfied_defect")
    first = _truth("satisfied_defect", "retention")
    assert first.value == pytest.approx(float(run_cohort(s).tenure["renewal_rate"].iloc[0]))
    assert first.value < 0.5
    low = _truth("satisfied_defect", "low_competition")
    s3 = replace_path(s, "competition.intensity", 0.3)
    assert low.value == pytest.approx(float(run_cohort(s3).tenure["renewal_rate"].iloc[0]))
    mercenaries = _truth("satisfied_defect", "mercenaries")
    assert mercenaries.value == pytest.approx(
        float(run_cohort(s).loyalty_types.iloc[0]["mercenaries"]))


def test_switching_the_points_programme_off_lowers_retention() -> None:
    s = load_preset("lesson_false_loyalty")
    truth = _truth("false_loyalty", "switch_off")
    off = dataclasses.replace(s, programmes=Programmes())
    assert truth.choice == "falls"
    assert truth.after == pytest.approx(float(run_cohort(off).tenure["renewal_rate"].iloc[0]))
    hostages = _truth("false_loyalty", "hostages")
    assert hostages.value == pytest.approx(float(run_cohort(s).loyalty_types.iloc[0]["hostages"]))


def test_the_top_box_is_worth_more_under_high_competition() -> None:
    s = load_preset("lesson_top_box")
    high, low = _truth("top_box", "ratio_high"), _truth("top_box", "ratio_low")
    assert high.value == pytest.approx(top_box_ratios(top_box_table(s, (0.9,)))[0.9])
    assert low.value == pytest.approx(top_box_ratios(top_box_table(s, (0.1,)))[0.1])
    assert high.value > 3 > 1.5 > low.value


@pytest.mark.parametrize("lesson_id,step_id", [(one.id, s.id) for one in lessons().values()
                                               for s in one.steps])
def test_every_step_has_an_answer_its_guess_can_reach(lesson_id: str, step_id: str) -> None:
    one = lesson(lesson_id)
    step = one.step_by_id(step_id)
    truth = step_truth(lesson_scenario(one), step)
    assert math.isfinite(truth.value)
    if step.guess == "slider":
        assert step.min <= truth.value <= step.max, (truth.value, step.min, step.max)
    else:
        assert truth.choice in ("falls", "same", "rises")
    if step.chart == "sweep":
        sweep = sweep_table(lesson_scenario(one), step)
        x = sweep_x_of_step(lesson_scenario(one), step)
        assert sweep["value"].notna().all()
        assert sweep["x"].min() <= x <= sweep["x"].max()


def _data(**step):
    base = {"id": "a", "measure": "retention_year1", "guess": "slider", "chart": "before_after"}
    return {"lessons": {"x": {"scenario": "lesson_top_box", "steps": [{**base, **step}]}}}


@pytest.mark.parametrize("step,path,fragment", [
    ({"measure": "retention"}, "lessons.x.steps[0].measure", "retention_year1"),
    ({"colour": "red"}, "lessons.x.steps[0].colour", "unknown"),
    ({"min": 0.8, "max": 0.2}, "lessons.x.steps[0].min", "min < max"),
    ({"min": "low"}, "lessons.x.steps[0].min", "finite number"),
    ({"chart": "sweep"}, "lessons.x.steps[0].sweep_path", "field path"),
    ({"shift": {"competition.intensity": 0.5}}, "lessons.x.steps[0]", "competition.intensity"),
])
def test_bad_lesson_data_names_the_field(step, path, fragment) -> None:
    with pytest.raises(ScenarioError) as error:
        load_lessons(_data(**step), ["lesson_top_box"])
    issue = error.value.issues[0]
    assert issue.path == path
    assert fragment in str(issue)


def test_a_lesson_on_a_missing_preset_is_refused() -> None:
    data = _data()
    data["lessons"]["x"]["scenario"] = "no_such_file"
    with pytest.raises(ScenarioError, match="lessons.x.scenario"):
        load_lessons(data, ["lesson_top_box"])


def test_summary_compares_guesses_with_the_truth() -> None:
    one = lesson("aggregate_retention")
    base = lesson_scenario(one)
    truths = {s.id: step_truth(base, s) for s in one.steps}
    table = summary_table(one, truths, {"trend": "falls", "year_ten": 0.70},
                          {"year_ten": [0.6, 0.7, 0.9], "trend": ["rises", "rises", "same"]})
    rows = table.set_index("step")
    assert rows.loc["trend", "error"] == 1.0 and rows.loc["trend", "room_error"] == 0.0
    assert rows.loc["year_ten", "error"] == pytest.approx(0.70 - truths["year_ten"].value)
    assert rows.loc["year_ten", "room"] == pytest.approx(0.7)
    assert rows.loc["year_ten", "room_count"] == 3
    assert rows.loc["keep_acquiring", "guess"] is None
    assert pd.isna(rows.loc["keep_acquiring", "error"])


def test_room_consensus_and_histogram() -> None:
    step = lesson("aggregate_retention").step_by_id("year_ten")          # range 0.5-1.0
    assert room_consensus(step, []) is None
    assert room_consensus(step, [0.6, 0.8, 0.9, 0.55]) == pytest.approx(0.7)
    choice = lesson("aggregate_retention").step_by_id("trend")
    assert room_consensus(choice, ["same", "rises", "same"]) == "same"
    bins = guess_histogram(step, [0.1, 0.52, 0.99, 2.0], bins=5)
    assert bins["count"].to_list() == [2, 0, 0, 0, 2]                 # outside: the end bins
    assert bins["low"].iloc[0] == 0.5 and bins["high"].iloc[-1] == 1.0
