"""AppTest: the executive dashboard and the ROI & TCO page, in English and Chinese."""

from __future__ import annotations

import dataclasses

import pytest
from streamlit.testing.v1 import AppTest

from sim.report import run_report
from sim.scenario import replace_path
from sim.scenario_io import load
from sim.tco import tco_yearly
from sim.whatif import evaluate
from tests.app.shown_tables import shown_tables
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
PRESET = "whatif_crm_system"


def _open(page: str, lang: str = "en", preset: str = PRESET) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["preset"] = preset
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label_start: str):
    matches = [m for m in at.metric if m.label.startswith(label_start)]
    assert matches, [m.label for m in at.metric]
    return matches[0]


def _money(text: str) -> float:
    """A shown amount back to a number: ``USD 1,234``, ``+USD 2.77M`` or ``USD 277万``."""
    scale = {"K": 1e3, "M": 1e6, "B": 1e9, "万": 1e4, "亿": 1e8}
    value = text.replace("USD", "").replace(",", "").replace("+", "").strip()
    unit = value.lstrip("-0123456789.")
    number = value[:len(value) - len(unit)]
    return float(number) * scale.get(unit.strip(), 1.0)


@pytest.mark.parametrize("lang,npv_label,title", [("en", "NPV", "Executive what-if dashboard"),
                                                   ("zh", "净现值", "高管情景分析看板")])
def test_dashboard_loads_in_both_languages(lang: str, npv_label: str, title: str) -> None:
    at = _open("pages/dashboard.py", lang)
    assert at.title[0].value == title
    scenario = load(ROOT / "scenarios" / f"{PRESET}.toml")
    expected = evaluate(scenario).result.kpis["npv"]
    shown = _money(_metric(at, npv_label).value)           # rounded to 3-4 digits for reading
    assert shown == pytest.approx(expected, rel=5e-3)
    assert list(shown_tables(at)) == ["scorecard"] and not at.dataframe   # a static table


def test_against_the_file_as_loaded_the_budget_lever_shows_its_deltas_as_the_cli() -> None:
    """The baseline is part of the scenario: measured against the library file as loaded,
    a budget move shows the deltas ``python -m sim run`` gives for the edited file."""
    at = _open("pages/dashboard.py")
    assert _metric(at, "Customers after").delta == ""      # a zero delta is not shown
    picker = at.selectbox(key="baseline_choice")
    assert picker.value == "no_programme"
    assert any(label.endswith("in this scenario's market (as loaded)") and "CRM system" in label
               for label in picker.options)
    picker.set_value(f"preset:{PRESET}").run()
    at.number_input(key="acq_budget").set_value(400_000.0).run()
    assert not at.exception, at.exception
    loaded = load(ROOT / "scenarios" / f"{PRESET}.toml")
    edited = replace_path(replace_path(loaded, "acquisition.budget_per_year", 400_000.0),
                          "baseline", dataclasses.replace(loaded.baseline, kind="preset",
                                                          preset=PRESET))
    assert at.session_state["current_scenario"].scenario == edited
    report = run_report(edited, replications=0)
    delta = report["delta"]["customers_end"]
    assert delta > 100
    assert _metric(at, "Customers after").delta == f"{delta:+,.0f}"
    assert _money(_metric(at, "NPV").delta) == pytest.approx(report["finance"]["npv_delta"],
                                                             rel=5e-3)
    assert _metric(at, "ROI").value == f"{report['finance']['roi'] * 100:.1f} %"


def test_roi_is_shown_as_undefined_without_incremental_cost() -> None:
    at = _open("pages/dashboard.py", preset="textbook_magazine")
    for label in ("ROI", "Payback (undiscounted)", "Discounted payback"):
        assert _metric(at, label).value == "—"
        assert _metric(at, label).delta == "no investment"
    at = _open("pages/dashboard.py", lang="zh", preset="textbook_magazine")
    assert _metric(at, "投资回报率").value == "—"
    assert _metric(at, "投资回报率").delta == "无投资"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_dashboard_and_roi_page_show_the_same_finance_for_one_scenario(lang: str) -> None:
    """Issue 10: the dashboard said payback 6.2 years, the ROI page 7.1, for one scenario;
    and "not defined" on one page where the other said "not within the horizon"."""
    for preset in ("whatif_points_programme", "whatif_crm_system"):
        dash = _open("pages/dashboard.py", lang, preset=preset)
        roi = _open("pages/roi.py", lang, preset=preset)
        finance = evaluate(load(ROOT / "scenarios" / f"{preset}.toml"), replications=0).finance
        for key in ("payback_years", "discounted_payback_years"):
            label = {"en": {"payback_years": "Payback (undiscounted)",
                            "discounted_payback_years": "Discounted payback"},
                     "zh": {"payback_years": "投资回收期（未折现）",
                            "discounted_payback_years": "折现回收期"}}[lang][key]
            on_dash, on_roi = _metric(dash, label), _metric(roi, label)
            assert (on_dash.value, on_dash.delta) == (on_roi.value, on_roi.delta), key
            if finance.value(key) is None:
                assert on_dash.value == "—" and on_dash.delta == {
                    "en": "not within the horizon", "zh": "期限内无法回收"}[lang]
            else:
                assert on_dash.value.startswith(f"{finance.value(key):.1f}")


def test_a_zero_delta_is_not_shown_as_a_green_gain() -> None:
    at = _open("pages/dashboard.py", preset="whatif_crm_system")
    clv = _metric(at, "Average CLV")
    # The CRM system saves per customer (CLV rises); customers do not change: no "+0" delta.
    assert _metric(at, "Customers after").delta == ""
    assert "0.00" not in clv.delta


@pytest.mark.parametrize("lang,title", [("en", "ROI and total cost of ownership"),
                                        ("zh", "投资回报率与总拥有成本（TCO）")])
def test_roi_page_shows_the_tco_of_the_scenario(lang: str, title: str) -> None:
    at = _open("pages/roi.py", lang)
    assert at.title[0].value == title
    system = load(ROOT / "scenarios" / f"{PRESET}.toml").crm_system
    total = tco_yearly(dataclasses.replace(system, repeat_last_year=False), 5)["total"].sum()
    assert _money(at.metric[0].value) == pytest.approx(total, abs=1)


def test_editing_contingency_updates_tco_and_warns_outside_the_rule_of_thumb() -> None:
    at = _open("pages/roi.py")
    assert not any("Contingency is" in i.body for i in at.info)
    cost_before = _money(_metric(at, "Incremental cost").value)
    contingency = [n for n in at.number_input if n.label.startswith("Contingency")][0]
    contingency.set_value(5.0).run()
    assert not at.exception
    system = dataclasses.replace(load(ROOT / "scenarios" / f"{PRESET}.toml").crm_system,
                                 contingency_share=0.05, repeat_last_year=False)
    assert _money(at.metric[0].value) == pytest.approx(tco_yearly(system, 5)["total"].sum(), abs=1)
    assert any("Contingency is 5.0 %" in i.body for i in at.info)
    # The edit reaches the scenario and its ROI: less contingency, less incremental cost.
    assert _money(_metric(at, "Incremental cost").value) < cost_before - 1000


def test_retention_spend_lever_runs_the_engines_like_the_cli() -> None:
    """The dashboard's retention-spend lever (issue 14): moving it shows what
    ``python -m sim run`` gives for the file with that spend; on a scenario without a
    response curve the lever is disabled and says why."""
    at = _open("pages/dashboard.py", preset="whatif_retention_spend")
    lever = at.number_input(key="retention_spend")
    assert lever.value == pytest.approx(2.0) and not lever.disabled
    lever.set_value(4.0).run()
    assert not at.exception, at.exception
    loaded = load(ROOT / "scenarios" / "whatif_retention_spend.toml")
    edited = replace_path(loaded, "retention_spend.spend", 4.0)
    assert at.session_state["current_scenario"].scenario == edited
    report = run_report(edited, replications=0)
    before = run_report(loaded, replications=0)
    assert report["kpis"]["customers_end"] > before["kpis"]["customers_end"] + 100
    assert _metric(at, "Customers after").value == f"{report['kpis']['customers_end']:,.0f}"
    assert _money(_metric(at, "NPV").value) == pytest.approx(report["kpis"]["npv"], rel=5e-3)

    off = _open("pages/dashboard.py", preset="whatif_today")
    assert off.number_input(key="retention_spend").disabled
    assert any("no retention-spend response curve" in c.value for c in off.caption), \
        [c.value for c in off.caption]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_scorecard_shows_the_run_jsons_scorecard_cell_by_cell(lang: str) -> None:
    """The dashboard's scorecard (an HTML table) against `python -m sim run`'s scorecard
    of the same file, each value in its KPI's format."""
    from sim.display import format_kpi, kpi_label
    from sim.locale import translate

    at = _open("pages/dashboard.py", lang)
    shown = shown_tables(at)["scorecard"]
    expected = run_report(load(ROOT / "scenarios" / f"{PRESET}.toml"))["scorecard"]
    assert len(shown) == len(expected)
    for (_, row), want in zip(shown.iterrows(), expected, strict=True):
        cells = list(row)
        assert cells[0] == kpi_label(want["indicator"], lang)
        assert cells[1] == format_kpi(want["indicator"], want["scenario"], "USD", lang)
        assert cells[2] == format_kpi(want["indicator"], want["baseline"], "USD", lang)
        assert cells[4] == translate(f"judgement.{want['direction'].replace('/', '_')}", lang)
