"""AppTest: the "Service operations" page — levers, the run, the same numbers as sim/."""

from __future__ import annotations

import dataclasses
import json

import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema import load_schema
from streamlit.testing.v1 import AppTest

from sim.cohort import run_cohort
from sim.scenario_io import load
from sim.service.kpis import YEARLY_COLUMNS
from sim.service.params import Service
from sim.service.run import service_aware_run, service_for
from tests.conftest import ROOT
from ui.i18n import load_catalog
from ui.service_view import SHIFTS
from ui.state import LiveScenario

APP = str(ROOT / "app.py")
LESSON = ROOT / "scenarios" / "lesson_satisfied_defect.toml"


def _small(**changes) -> object:
    """The lesson scenario with a light [service]: one week a year, one feedback pass."""
    s = load(LESSON)
    service = dataclasses.replace(service_for(s), sample_weeks=1, feedback_passes=1)
    return dataclasses.replace(s, service=dataclasses.replace(service, **changes))


def _open(scenario=None, lang: str = "en", preset: str = "lesson_satisfied_defect") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = lang
    at.session_state["preset"] = preset
    if scenario is not None:
        at.session_state["base_scenario"] = scenario
        at.session_state["current_scenario"] = LiveScenario(scenario)
    at.run()
    at.switch_page("pages/service.py").run()
    assert not at.exception, at.exception
    return at


def _run(at: AppTest) -> AppTest:
    at.button(key="svc_run").click().run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


def test_run_shows_the_numbers_sim_computes() -> None:
    scenario = _small()
    at = _open(scenario)
    assert any("Run the simulation" in i.body for i in at.info)
    assert not at.metric
    _run(at)
    outcome = service_aware_run(scenario)
    yearly = outcome.run.yearly
    weights = yearly["contacts"]
    level = float((yearly["service_level"] * weights).sum() / weights.sum())
    assert _metric(at, "Service level (20 s)") == f"{level * 100:.1f} %"
    chain = at.dataframe[0].value
    npv_row = chain[chain.iloc[:, 0] == "NPV (without agent cost)"].iloc[0]
    assert npv_row["With the simulated service"] == f"USD {outcome.result.kpis['npv']:,.0f}"
    assert npv_row["Without service feedback"] == f"USD {run_cohort(scenario).kpis['npv']:,.0f}"
    assert len(at.dataframe[1].value) == scenario.horizon_years
    assert len(at.dataframe[1].value.columns) == len(YEARLY_COLUMNS)
    staffing = at.dataframe[2].value
    assert staffing.iloc[:, 0].tolist() == ["-5", "-4", "-3", "-2", "-1", "+1", "+2", "+3",
                                            "+4", "+5"]
    charts = at.get("vega_lite_chart")
    assert len(charts) == 3
    schema = load_schema()
    for chart in charts:
        validate_jsonschema(json.loads(chart.proto.spec), schema, rootschema=schema)
        assert chart.proto.datasets


def test_chinese() -> None:
    at = _open(_small(), lang="zh")
    assert at.title[0].value == "服务运营：从排队到客户流失"
    _run(at)
    labels = [m.label for m in at.metric]
    assert "平均应答速度" in labels and "首次解决率" in labels
    assert "环节" in at.dataframe[0].value.columns


def test_a_scenario_without_a_service_table_gets_sized_defaults_and_a_lever_writes_it() -> None:
    at = _open()
    assert any("no [service] table" in i.body for i in at.info)
    assert at.session_state["current_scenario"].scenario.service is None
    day = at.number_input(key="svc_shift_day")
    peak = day.value
    day.set_value(peak + 2).run()
    assert not at.exception, at.exception
    written = at.session_state["current_scenario"].scenario.service
    assert written is not None
    base = service_for(load(LESSON))
    assert written.agents_by_hour[8:16] == tuple(a + 2 for a in base.agents_by_hour[8:16])
    assert written.agents_by_hour[:8] == base.agents_by_hour[:8]
    assert not any("no [service] table" in i.body for i in at.info)


def test_run_then_edit_asks_to_run_again_and_handling_is_written() -> None:
    at = _run(_open(_small()))
    at.number_input(key="svc_query_minutes").set_value(9.0).run()
    assert any("changed since the last run" in i.body for i in at.info)
    assert at.session_state["current_scenario"].scenario.service.query_handling_minutes == 9.0
    _run(at)
    assert at.metric


def test_no_agents_at_all_is_refused_and_nothing_changes() -> None:
    scenario = _small()
    at = _open(scenario)
    for code, _first, _last in SHIFTS:
        at.number_input(key=f"svc_shift_{code}").set_value(0).run()
    assert not at.exception
    assert any("service.agents_by_hour" in e.body for e in at.error)
    kept = at.session_state["current_scenario"].scenario.service
    assert sum(kept.agents_by_hour) > 0


def test_over_the_event_budget_is_refused_before_running() -> None:
    heavy = dataclasses.replace(_small(), service=Service(sample_weeks=52,
                                                         queries_per_customer_month=20.0))
    at = _run(_open(heavy))
    assert any("service.sample_weeks" in e.body for e in at.error)
    assert not at.metric


def test_a_scenario_whose_retention_ignores_satisfaction_says_so() -> None:
    s = load(ROOT / "scenarios" / "textbook_magazine.toml")
    s = dataclasses.replace(s, service=dataclasses.replace(service_for(s), sample_weeks=1,
                                                           feedback_passes=1))
    at = _run(_open(s, preset="textbook_magazine"))
    assert any("does not come from satisfaction" in i.body for i in at.info)


def test_keys_built_at_run_time_exist() -> None:
    for lang in ("en", "zh"):
        catalog = load_catalog(lang)
        keys = [f"service.shift_{code}" for code, _f, _l in SHIFTS]
        keys += [f"service.day_{d}" for d in range(7)]
        keys += [f"service.col_{c}" for c in YEARLY_COLUMNS]
        keys += [f"service.chain_{n}" for n in ("without", "with", "baseline")]
        missing = [k for k in keys if k not in catalog]
        assert not missing, (lang, missing)


@pytest.mark.parametrize("name", ["_cached_job", "cached_results", "service_of"])
def test_page_caches_are_bounded(name) -> None:
    import ui.service_view as view

    source = (ROOT / "ui" / "service_view.py").read_text(encoding="utf-8")
    head = source.split(f"def {name}(")[0].rsplit("@st.cache_data(", 1)[1]
    assert "max_entries=" in head.split(")")[0]
    assert callable(getattr(view, name))
