"""AppTest: the CLV & cohorts page in both languages, the uplift slider, the five-cohort case."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.shown_tables import shown_table
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


def _open(lang: str = "en", preset: str = "textbook_magazine") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["preset"] = preset
    at.run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str):
    matches = [m for m in at.metric if m.label == label]
    assert matches, [m.label for m in at.metric]
    return matches[0]


@pytest.mark.parametrize("lang,title,net_label", [
    ("en", "Customer lifetime value and cohorts", "Value after acquisition cost"),
    ("zh", "客户终身价值与客户群", "扣除获客成本后的价值"),
])
def test_page_loads_with_the_books_value_in_both_languages(lang: str, title: str,
                                                           net_label: str) -> None:
    at = _open(lang)
    assert at.title[0].value == title
    assert _metric(at, net_label).value == "USD 16.94"


@pytest.mark.parametrize("lang,net_label", [("en", "Value after acquisition cost"),
                                            ("zh", "扣除获客成本后的价值")])
def test_uplift_slider_moves_the_net_value_to_about_22(lang: str, net_label: str) -> None:
    at = _open(lang)
    at.slider(key="uplift").set_value(2.0).run()
    assert not at.exception, at.exception
    metric = _metric(at, net_label)
    assert metric.value == "USD 21.99"
    assert metric.delta == "+USD 5.05"


def test_five_cohort_case_shows_the_aggregate_and_the_lesson() -> None:
    at = _open(preset="textbook_five_cohorts")
    aggregate = shown_table(at, "aggregate")
    assert list(aggregate.iloc[0]) == ["1,000", "1,600", "1,990", "2,263", "2,468", "1,627",
                                       "1,154", "865", "672", "532"]     # as shown
    assert aggregate.iloc[1, 0] == "–" and aggregate.iloc[1, -1] == "79.2"
    lesson = " ".join(info.value for info in at.info)
    assert "60.0 %" in lesson and "79.2 %" in lesson


def test_whole_life_value_is_the_run_jsons_for_an_sbg_scenario() -> None:
    """Issue 13 item 2: the CLV page shows the whole-life CLV and DEL that
    ``python -m sim run --format json`` reports under ``whole_life``."""
    import io
    import json
    from contextlib import redirect_stdout

    from sim.cli import main

    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["run", str(ROOT / "scenarios" / "baseline.toml"), "--format", "json",
                     "--replications", "0"]) == 0
    life = json.loads(out.getvalue())["whole_life"]
    at = _open("en", "baseline")
    assert _metric(at, "Whole-life value per acquired customer").value == \
        f"USD {life['clv_whole_life']:,.2f}"
    assert _metric(at, "Discounted expected lifetime").value == f"{life['del']:.2f} years"
    zh = _open("zh", "baseline")
    assert _metric(zh, "折现预期生命周期").value == f"{life['del']:.2f} 年"


def test_whole_life_says_why_it_is_missing_for_other_retention_models() -> None:
    at = _open("en", "textbook_magazine")          # table retention, not sBG
    assert any("needs sBG retention" in c.value for c in at.caption)
