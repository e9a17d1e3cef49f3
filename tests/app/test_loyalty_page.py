"""AppTest: the "Satisfaction & loyalty" page in both languages."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from sim.cohort import run_cohort
from sim.scenario import replace_path
from sim.scenario_io import load
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


def _open(preset: str, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["preset"] = preset
    at.run()
    at.switch_page("pages/loyalty.py").run()
    assert not at.exception, at.exception
    return at


def _retention(at: AppTest, label: str) -> float:
    metric = next(m for m in at.metric if m.label.startswith(label))
    return float(metric.value.replace("%", "").strip()) / 100


@pytest.mark.parametrize("lang,title,retention_label", [
    ("en", "Satisfaction, loyalty and competition", "Retention of new customers"),
    ("zh", "客户满意、客户忠诚与竞争", "新客户保留率")])
def test_competition_slider_moves_retention_the_right_way(lang, title, retention_label) -> None:
    at = _open("lesson_satisfied_defect", lang)
    assert at.title[0].value == title
    scenario = load(ROOT / "scenarios" / "lesson_satisfied_defect.toml")
    expected = run_cohort(scenario).tenure["renewal_rate"].iloc[0]
    shown = _retention(at, retention_label)
    assert shown == pytest.approx(expected, abs=0.0006)
    at.slider(key="competition").set_value(20.0).run()          # less competition
    assert not at.exception
    lower = _retention(at, retention_label)
    calmer = replace_path(scenario, "competition.intensity", 0.2)
    assert lower == pytest.approx(run_cohort(calmer).tenure["renewal_rate"].iloc[0], abs=0.0006)
    assert lower > shown + 0.2                                    # same satisfaction, more loyalty


def test_lesson_note_and_lock_in_warning() -> None:
    at = _open("lesson_false_loyalty")
    assert any(i.body.startswith("Lesson — false loyalty") for i in at.info)
    assert any("switching costs" in w.body for w in at.warning)
    at.toggle(key="prog_points").set_value(False).run()
    assert not any("switching costs" in w.body for w in at.warning)


def test_scenario_without_satisfaction_model_explains_itself() -> None:
    at = _open("textbook_magazine")
    assert any("retention model" in i.body for i in at.info)
