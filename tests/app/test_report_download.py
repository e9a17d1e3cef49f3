"""AppTest: the "Download one-page report" buttons of the dashboard, the Compare page and
the lesson scenarios; the report they give holds the figures the page shows."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from sim.locale import translate
from sim.scenario_io import load
from tests.app.test_whatif_pages import _open
from tests.conftest import ROOT
from tests.unit.report_html import page_text, tables
from ui.report_download import comparison_report_html, single_report_html

DAY = dt.date.today().isoformat()


def _button(at: AppTest, key: str):
    found = [b for b in at.get("download_button") if b.proto.id.endswith(key)
             or getattr(b, "key", None) == key]
    assert len(found) == 1, [b.proto.label for b in at.get("download_button")]
    return found[0]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_dashboard_report_has_the_tiles_figures_and_the_moved_lever(lang: str) -> None:
    at = _open("pages/dashboard.py", preset="whatif_crm_system")
    at.number_input(key="acq_budget").set_value(400_000.0).run()
    # then the language (AppTest formats a zh selectbox's value with the session's language
    # only inside a run, so widgets are moved in English first)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    assert _button(at, "dl_report").proto.label == translate("report.download", lang)
    current = at.session_state["current_scenario"].scenario
    loaded = at.session_state["base_scenario"]
    html = single_report_html(current, loaded, "whatif_crm_system", lang, DAY).decode("utf-8")
    kpis = {row[0]: row[1] for row in tables(html)[0][1:]}
    missing = translate("kpi_value.missing", lang)     # "—" on the tile, the reason under it
    shown = {m.label: m.delta if m.value == missing else m.value for m in at.metric}
    for label in (translate("dashboard.kpi_customers", lang, years=current.horizon_years),
                  translate("dashboard.kpi_retention", lang), translate("dashboard.kpi_clv", lang),
                  translate("dashboard.kpi_equity", lang), translate("dashboard.kpi_npv", lang)):
        assert kpis[label] == shown[label], label              # the page's tile, to the digit
    finance = {row[0]: row[1] for row in tables(html)[1][1:]}
    for key in ("payback_years", "discounted_payback_years"):
        label = translate(f"kpi.{key}", lang)
        assert finance[label] == shown[label], label
    assert finance[translate("kpi.roi", lang)] == shown[translate("dashboard.kpi_roi", lang)]
    text = page_text(html)
    assert translate("field.acquisition_budget_per_year", lang) in text   # the moved lever
    assert "400,000" in text and "250,000" in text


def test_compare_page_report_has_the_tables_figures() -> None:
    at = _open("pages/compare.py", preset="whatif_today")
    at.multiselect(key="compare_choice").set_value(
        ["current", "preset:whatif_points_programme", "preset:whatif_vip_offers"]).run()
    assert not at.exception, at.exception
    assert _button(at, "compare_report").proto.label == translate("report.download_compare",
                                                                  "en")
    page = at.tabs[0].dataframe[0].value
    labels = tuple(page.columns[1:4])
    scenarios = tuple(load(ROOT / "scenarios" / f"{n}.toml") for n in
                      ("whatif_today", "whatif_points_programme", "whatif_vip_offers"))
    html = comparison_report_html(scenarios, 0, labels, ("whatif_today",
                                  "whatif_points_programme", "whatif_vip_offers"), "en",
                                  DAY).decode("utf-8")
    report = tables(html)[0]
    assert report[0][1:] == list(labels)
    page_rows = {row.iloc[0]: list(row.iloc[1:4]) for _, row in page.iterrows()}
    for row in report[1:]:
        label = row[0] if row[0] != translate("report.customers_end", "en") else \
            translate("kpi.customers_end", "en")
        assert [cell.split("|")[0] for cell in row[1:]] == page_rows[label], label


def test_lesson_scenarios_offer_the_report_with_their_note() -> None:
    at = _open("pages/loyalty.py", "zh", "lesson_false_loyalty")
    assert _button(at, "lesson_report").proto.label == translate("report.download", "zh")
    loaded = at.session_state["base_scenario"]
    html = single_report_html(loaded, loaded, "lesson_false_loyalty", "zh", DAY).decode("utf-8")
    assert translate("lesson.lesson_false_loyalty", "zh") in page_text(html)
    other = _open("pages/loyalty.py", preset="whatif_today")
    assert not [b for b in other.get("download_button") if "lesson_report" in b.proto.id]
