"""The one-page report (sim/onepage.py): self-contained, the figures of ``run --format json``
and ``compare --format json``, both languages, the levers, the hash, escaped user text."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout

import pytest

from sim.cli import main
from sim.compare import compare
from sim.display import format_kpi, kpi_label
from sim.locale import translate
from sim.onepage import (
    COMPARE_ROWS,
    FINANCE_ROWS,
    HEADLINE_KPIS,
    SHORT,
    ScenarioSource,
    comparison_report,
    headline_figures,
    scenario_digest,
    single_report,
)
from sim.scenario import replace_path
from sim.scenario_io import load
from sim.whatif import evaluate
from tests.conftest import ROOT
from tests.unit.report_html import page_text, tables

POINTS = ROOT / "scenarios" / "whatif_points_programme.toml"
TODAY = ROOT / "scenarios" / "whatif_today.toml"
VIP = ROOT / "scenarios" / "whatif_vip_offers.toml"
DAY = dt.date(2026, 12, 2)


def _json(*argv: str) -> dict:
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        assert main(list(argv)) == 0
    return json.loads(out.getvalue())


def _single(path=POINTS, lang="en", scenario=None, **kwargs) -> str:
    loaded = load(path)
    shown = scenario if scenario is not None else loaded
    return single_report(evaluate(shown), lang, ScenarioSource(loaded, path.name,
                                                               path.read_bytes()),
                         today=DAY, **kwargs)


def _assert_self_contained(html: str) -> None:
    """Nothing the browser would fetch: no URL at all, no script, stylesheet link, import,
    external url(), src or href other than a fragment."""
    assert not re.search(r"https?:", html), "a URL in the report"
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"url\((?!#)", html)
    assert not re.search(r'\b(src|href)="(?!#)', html)
    assert "@font-face" not in html                       # local fonts only


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_single_report_is_self_contained_with_cjk_fonts_and_a4(lang: str) -> None:
    html = _single(lang=lang)
    _assert_self_contained(html)
    assert html.count("<svg") == 2                           # the two main charts, inline
    assert "@page { size: A4" in html
    for font in ("Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Source Han Sans SC"):
        assert f'"{font}"' in html
    assert f'<html lang="{"zh-Hans" if lang == "zh" else "en"}">' in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))                         # two charts share no clip path id


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_single_report_prints_run_jsons_figures(lang: str) -> None:
    """The headline and money tables hold exactly ``python -m sim run --format json``'s
    values (scenario, baseline, delta; finance), in the page's formats."""
    report = _json("run", str(POINTS), "--format", "json")
    html = _single(lang=lang)
    kpi_table, finance_table = tables(html)[:2]
    money = report["currency"]
    assert len(kpi_table) == 1 + len(HEADLINE_KPIS)
    for key, row in zip(HEADLINE_KPIS, kpi_table[1:], strict=True):
        short = key in SHORT
        assert row[1:] == [format_kpi(key, report["kpis"][key], money, lang, short=short),
                           format_kpi(key, report["baseline"]["kpis"][key], money, lang,
                                      short=short),
                           format_kpi(key, report["delta"][key], money, lang, delta=True,
                                      short=short)], key
    finance = report["finance"]
    assert [row[0] for row in finance_table[1:]] == [kpi_label(k, lang) for k in FINANCE_ROWS]
    for key, row in zip(FINANCE_ROWS, finance_table[1:], strict=True):
        assert row[1] == format_kpi(key, finance[key], money, lang, short=key in SHORT), key
    figures = headline_figures(evaluate(load(POINTS)))
    assert figures["kpis"] == {k: report["kpis"][k] for k in HEADLINE_KPIS}
    assert figures["finance"] == {k: finance[k] for k in FINANCE_ROWS}
    # a figure that is actually there: the points programme's NPV gain is positive
    assert finance["npv_delta"] > 0 and format_kpi("npv_delta", finance["npv_delta"], money,
                                                    lang, short=True) in page_text(html)


def test_missing_values_print_their_reason() -> None:
    """whatif_today is its own baseline: ROI and paybacks have no value (no investment)."""
    html = _single(TODAY)
    finance = {row[0]: row[1] for row in tables(html)[1][1:]}
    assert finance[kpi_label("roi", "en")] == translate("reason.no_investment", "en")
    assert finance[kpi_label("payback_years", "en")] == translate("reason.no_investment", "en")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_baseline_sentence_definitions_date_and_hash(lang: str) -> None:
    html = _single(lang=lang)
    text = page_text(html)
    kind = translate("baseline_kind.no_programme", lang)
    assert translate("dashboard.baseline_note", lang, kind=kind) in text
    for key in ("def_npv_delta", "def_roi", "def_irr", "def_payback", "def_discounted_payback"):
        assert translate(f"report.{key}", lang) in text
    assert "2026-12-02" in text
    digest = hashlib.sha256(POINTS.read_bytes()).hexdigest()
    assert digest in text and translate("report.hash_file", lang, file=POINTS.name) in text
    assert translate("report.levers_none", lang) in text       # the file as loaded


def test_zh_report_is_chinese_and_en_is_english() -> None:
    zh, en = page_text(_single(lang="zh")), page_text(_single(lang="en"))
    assert translate("report.headline", "zh") in zh and translate("report.headline", "en") in en
    assert translate("report.headline", "en") not in zh
    assert re.search(r"[\u4e00-\u9fff]", zh) and not re.search(r"[\u4e00-\u9fff]", en)


def test_levers_that_differ_from_the_loaded_file() -> None:
    loaded = load(POINTS)
    edited = replace_path(replace_path(loaded, "competition.intensity", 0.9),
                          "finance.discount_rate", 0.12)
    html = _single(scenario=edited)
    levers = next(t for t in tables(html) if t[0][0] == translate("report.col_lever", "en"))
    rows = {row[0]: row[1:] for row in levers[1:]}
    assert rows[translate("field.competition_intensity", "en")] == ["0.6", "0.9"]
    assert rows[translate("field.finance_discount_rate", "en")] == ["10 %", "12 %"]
    text = page_text(html)
    # the file's hash, and the canonical hash of what the report shows
    assert hashlib.sha256(POINTS.read_bytes()).hexdigest() in text
    assert scenario_digest(edited, None)[1] in text
    # the figures are the edited scenario's
    assert format_kpi("npv", evaluate(edited).result.kpis["npv"], "USD", "en",
                      short=True) in text


def test_canonical_hash_without_a_file() -> None:
    scenario = load(POINTS)
    kind, digest = scenario_digest(scenario, None)
    assert kind == "canonical" and re.fullmatch(r"[0-9a-f]{64}", digest)
    assert scenario_digest(load(POINTS), None)[1] == digest                 # stable
    assert scenario_digest(replace_path(scenario, "seed", 1), None)[1] != digest
    assert scenario_digest(scenario, b"abc") == ("file", hashlib.sha256(b"abc").hexdigest())
    html = single_report(evaluate(scenario), "zh", ScenarioSource(scenario), today=DAY)
    assert translate("report.hash_canonical", "zh") in page_text(html) and digest in html


def test_lesson_note_and_escaped_user_text() -> None:
    scenario = dataclasses.replace(load(POINTS), name="<script>alert(1)</script> & co",
                                   description="a <b>bold</b> claim")
    html = single_report(evaluate(scenario), "en", ScenarioSource(scenario), today=DAY,
                         note="Lesson <i>note</i>")
    assert "<script" not in html and "<b>bold" not in html and "<i>note" not in html
    text = page_text(html)
    assert "<script>alert(1)</script> & co" in text and "Lesson <i>note</i>" in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_comparison_report_prints_compare_jsons_figures(lang: str) -> None:
    files = [POINTS, TODAY, VIP]
    data = _json("compare", *map(str, files), "--format", "json")
    scenarios = [load(p) for p in files]
    result = compare(scenarios)
    html = comparison_report(result, lang, [ScenarioSource(s, p.name, p.read_bytes())
                                            for s, p in zip(scenarios, files, strict=True)],
                             today=DAY)
    _assert_self_contained(html)
    assert html.count("<svg") == 1
    table = tables(html)[0]
    assert table[0][1:] == data["scenarios"]
    for key, row in zip(COMPARE_ROWS, table[1:], strict=True):
        for i, (label, cell) in enumerate(zip(data["scenarios"], row[1:], strict=True)):
            entry = data["kpis"][key][label]
            value = format_kpi(key, entry["value"], "USD", lang, reason=entry["reason"])
            if i == 0 or entry["delta"] is None:
                assert cell == value, (key, label)
            else:
                assert cell == value + "|" + format_kpi(key, entry["delta"], "USD", lang,
                                                        delta=True)
    text = page_text(html)
    for path in files:
        assert hashlib.sha256(path.read_bytes()).hexdigest() in text
    differs = tables(html)[1]                                # what differs, named
    assert [row[0] for row in differs[1:]] == [
        translate("report.field.baseline_kind", lang),
        *(translate("report.field.programme_enabled", lang,
                    programme=translate(f"programme.{kind}", lang))
          for kind in ("points", "recognition"))]
    assert differs[2][1:] == [translate("report.yes", lang), translate("report.no", lang),
                              translate("report.no", lang)]


def test_a_report_for_every_shipped_scenario_builds() -> None:
    """Every library file gives a self-contained report (lessons, monthly, textbook)."""
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        loaded = load(path)
        html = single_report(evaluate(loaded, replications=0), "zh",
                             ScenarioSource(loaded, path.name, path.read_bytes()), today=DAY)
        _assert_self_contained(html)
        assert html.count("<svg") == 2, path.name
