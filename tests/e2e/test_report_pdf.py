"""Browser: the one-page report printed to PDF by headless Chromium is one A4 page, in English
and Chinese, alone and as a comparison of six, with the figures of ``run --format json`` and
of the dashboard it was downloaded from; it makes no request while it opens and prints."""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from sim.cli import main
from sim.display import format_kpi
from sim.locale import translate
from tests.e2e.conftest import ARTIFACTS, wait_for_app

LIB = Path(__file__).resolve().parents[2] / "scenarios"
POINTS = LIB / "whatif_points_programme.toml"
SIX = ["whatif_today", "whatif_points_programme", "whatif_vip_offers", "whatif_affinity",
       "whatif_community", "whatif_competitor_enters"]
A4_PRINTABLE_PX = (297 - 2 * 8) / 25.4 * 96
"""The A4 page's height inside the report's 8 mm @page margins, in CSS pixels."""
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def _cli(*argv: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        assert main(list(argv)) == 0
    return out.getvalue()


def _print(page, html_path: Path, name: str) -> tuple[bytes, str]:
    """Open the report from disk with every non-file request refused and counted, print it to
    an A4 PDF (saved to artifacts/), take a screenshot; return the PDF and the printed text."""
    requests: list[str] = []

    def refuse(route) -> None:
        requests.append(route.request.url)
        route.abort()

    page.route(re.compile(r"^(?!file:|data:|about:).*"), refuse)
    page.goto(html_path.as_uri())
    page.emulate_media(media="print")
    height = page.evaluate("document.querySelector('.page').getBoundingClientRect().height")
    width = page.evaluate("document.querySelector('.page').getBoundingClientRect().width")
    assert height <= A4_PRINTABLE_PX, f"{name}: {height:.0f} px of {A4_PRINTABLE_PX:.0f}"
    assert width <= (210 - 16) / 25.4 * 96 + 1
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert requests == [], requests
    assert pdf.startswith(b"%PDF")
    assert len(PAGE_OBJECT.findall(pdf)) == 1, f"{name}: not one page"
    return pdf, page.inner_text("main")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_report_prints_on_one_a4_page_with_the_runs_figures(page, tmp_path, lang) -> None:
    out = tmp_path / f"report_{lang}.html"
    _cli("report", str(POINTS), "--lang", lang, "-o", str(out))
    report = json.loads(_cli("run", str(POINTS), "--format", "json"))
    pdf, text = _print(page, out, f"report_{lang}")
    for key in ("npv", "customer_equity"):
        assert format_kpi(key, report["kpis"][key], "USD", lang, short=True) in text
    assert format_kpi("customers_end", report["kpis"]["customers_end"], "USD", lang) in text
    assert format_kpi("roi", report["finance"]["roi"], "USD", lang) in text
    assert format_kpi("payback_years", report["finance"]["payback_years"], "USD", lang) in text
    assert translate("report.headline", lang) in text
    assert page.locator("svg").count() == 2
    if lang == "zh":                     # the Chinese text was set in a local CJK font
        assert re.search(rb"/FontName\s*/[A-Z]{6}\+NotoSansCJKsc", pdf), "no CJK font in the PDF"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_comparison_of_six_prints_on_one_page(page, tmp_path, lang) -> None:
    files = [str(LIB / f"{name}.toml") for name in SIX]
    out = tmp_path / f"compare_{lang}.html"
    _cli("report", files[0], "--compare", *files[1:], "--lang", lang, "-o", str(out))
    data = json.loads(_cli("compare", *files, "--format", "json"))
    _, text = _print(page, out, f"report_compare6_{lang}")
    for label in data["scenarios"]:
        entry = data["kpis"]["npv"][label]
        assert format_kpi("npv", entry["value"], "USD", lang) in text, label


def test_the_dashboards_download_has_the_tiles_figures_in_chinese(browser, app_url,
                                                                    tmp_path) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000},
                                  accept_downloads=True)
    app = context.new_page()
    try:
        app.goto(f"{app_url}/dashboard?scenario=whatif_points_programme")
        wait_for_app(app)
        assert app.get_by_test_id("stException").count() == 0
        tile = app.get_by_test_id("stMetric").filter(has_text=translate("dashboard.kpi_npv",
                                                                        "zh")).first
        npv = tile.get_by_test_id("stMetricValue").inner_text().strip()
        button = app.get_by_test_id("stDownloadButton").filter(
            has_text=translate("report.download", "zh"))
        with app.expect_download(timeout=60_000) as info:
            button.first.click()
        saved = tmp_path / "dashboard_report.html"
        info.value.save_as(saved)
        assert info.value.suggested_filename.endswith("_zh.html")
        printer = context.new_page()
        _, text = _print(printer, saved, "report_dashboard_zh")
        assert npv in text and translate("report.headline", "zh") in text
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_fullest_single_report_still_prints_on_one_page(page, tmp_path, lang) -> None:
    """A lesson with its note, a dozen levers moved and a market too small for the
    acquisition (a budget notice): everything the single report can hold."""
    from sim.onepage import ScenarioSource, single_report
    from sim.scenario import replace_path
    from sim.scenario_io import load
    from sim.whatif import evaluate

    path = LIB / "lesson_false_loyalty.toml"
    loaded = edited = load(path)
    for field, value in (("competition.intensity", 0.85), ("satisfaction.service_quality", 4.4),
                         ("finance.discount_rate", 0.12), ("horizon_years", 8),
                         ("pricing.renewal_price", 333.0), ("pricing.first_year_price", 299.0),
                         ("pricing.variable_cost", 150.0), ("crm_system.enabled", True),
                         ("satisfaction.spread", 0.7), ("retention.uplift_points", 2.0),
                         ("pricing.acquisition_cost", 77.0), ("seed", 7), ("market.size", 900.0)):
        edited = replace_path(edited, field, value)
    w = evaluate(edited)
    assert w.notices, "the small market should cut acquisition"
    out = tmp_path / "full.html"
    out.write_text(single_report(w, lang, ScenarioSource(loaded, path.name, path.read_bytes()),
                                 note=translate("lesson.lesson_false_loyalty", lang)),
                   encoding="utf-8")
    _, text = _print(page, out, f"report_fullest_{lang}")
    assert translate(f"budget.{w.notices[0].code}", lang, **dict(w.notices[0].params)) in text
