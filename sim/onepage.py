"""The one-page report: a self-contained HTML file that prints on one A4 page.

:func:`single_report` shows one scenario against its baseline (the dashboard's
figures: :func:`sim.report.run_report` of the same :class:`sim.whatif.WhatIf`, so the
report, the page and ``python -m sim run --format json`` show the same numbers);
:func:`comparison_report` shows 2-6 scenarios side by side (the Compare page's
:class:`sim.compare.Comparison`). Both hold the headline KPIs against the baseline
with a sentence saying what the baseline is, the charts (Vega-Lite rendered to SVG
by vl-convert and inlined), the levers that differ from the loaded file, the
finance definitions, the date and the scenario file's sha256.

The file makes no external request: no script, no stylesheet, no web font, no image
by URL (the SVGs lose their ``xmlns`` URIs, which inline SVG in HTML does not need);
the text uses local fonts that have Chinese (:data:`FONT_STACK`). Text comes from the
``report.*`` catalog keys (:mod:`sim.locale`); user text (names, descriptions) is
escaped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import vl_convert

from sim.compare import Comparison, differing_fields
from sim.display import field_label, format_kpi, kpi_label
from sim.kpis import KPIS, missing_reason, rounds_to_zero
from sim.locale import format_money, format_number, format_pct, translate
from sim.palette import DASHES, NEUTRAL, SERIES_COLOURS
from sim.report import run_report
from sim.scenario import Scenario, scenario_to_dict
from sim.schema import localized_text
from sim.whatif import WhatIf

__all__ = ["FONT_STACK", "ScenarioSource", "scenario_digest",
           "single_report", "comparison_report", "lever_changes", "headline_figures",
           "HEADLINE_KPIS", "FINANCE_ROWS", "COMPARE_ROWS", "MAX_LEVER_ROWS", "svg_chart"]

FONT_STACK = ('"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
              '"Noto Sans SC", "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif')
"""Local fonts only, each with Chinese glyphs, then Latin fallbacks."""

HEADLINE_KPIS = ("customers_end", "retention_last_year", "clv_net", "customer_equity", "npv")
"""Engine KPIs of the headline table (the dashboard's tiles), scenario against baseline."""
FINANCE_ROWS = ("npv_delta", "roi", "irr", "payback_years", "discounted_payback_years",
                "incremental_benefit", "incremental_cost")
"""Finance against the baseline (:class:`sim.finance.FinanceSummary`)."""
COMPARE_ROWS = ("customers_end", "retention_last_year", "clv_net", "customer_equity", "npv",
                "npv_delta", "roi", "payback_years", "discounted_payback_years")
"""KPI rows of the comparison report (of :data:`sim.kpis.COMPARE_KPIS`)."""
SHORT = frozenset({"customer_equity", "npv", "npv_delta", "incremental_benefit",
                   "incremental_cost"})
"""Totals shown in the language's large units, as the dashboard's tiles show them."""
MAX_LEVER_ROWS = 10
"""Lever rows printed (the rest are counted) so the page stays one page."""
BASELINE_COLOUR = NEUTRAL
"""The baseline's series (the scenarios take :data:`sim.palette.SERIES_COLOURS`, and a
dash each from :data:`sim.palette.DASHES`)."""


def _dashes(n: int) -> list[list[int]]:
    """The first ``n`` dash patterns of the palette, as Vega-Lite lists."""
    return [list(d) for d in DASHES[:n]]


@dataclass(frozen=True)
class ScenarioSource:
    """The scenario as loaded and where it came from (for the levers and the hash).

    Attributes:
        scenario: the scenario as loaded (the levers are measured from it).
        label: the file's name as shown (e.g. ``whatif_today.toml``), or "" without a file.
        data: the file's bytes, or None (then the hash is of the canonical scenario).
    """

    scenario: Scenario
    label: str = ""
    data: bytes | None = None


def scenario_digest(scenario: Scenario, data: bytes | None) -> tuple[str, str]:
    """``("file", sha256 of the bytes)`` when there is a file, else ``("canonical", sha256
    of the canonical scenario)``: its every field as JSON with sorted keys, no spaces,
    UTF-8 (the same scenario gives the same hash on every machine)."""
    if data is not None:
        return "file", hashlib.sha256(data).hexdigest()
    canonical = json.dumps(scenario_to_dict(scenario), sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"), allow_nan=False)
    return "canonical", hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _t(key: str, lang: str, **params: Any) -> str:
    return translate(key, lang, **params)


# --- charts -------------------------------------------------------------------------------

_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_ID = re.compile(r'\bid="([^"]+)"')


def svg_chart(spec: dict[str, Any], prefix: str, lang: str) -> str:
    """A Vega-Lite spec rendered to an inline SVG that references nothing outside itself.

    The ``xmlns`` URIs are dropped (inline SVG in HTML needs none) and every element id is
    prefixed with ``prefix``, so two charts on one page never share a clip path.

    Raises:
        ValueError: the SVG still refers to something by URL (it would be a request).
    """
    svg = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[],
                                     format_locale="zh-CN" if lang == "zh" else "en-US")
    svg = _XMLNS.sub("", svg, count=2)
    for ident in set(_ID.findall(svg)):
        svg = (svg.replace(f'id="{ident}"', f'id="{prefix}-{ident}"')
               .replace(f"url(#{ident})", f"url(#{prefix}-{ident})")
               .replace(f'href="#{ident}"', f'href="#{prefix}-{ident}"'))
    if re.search(r"https?:|<image|@import|url\((?!#)", svg):
        raise ValueError("the chart's SVG refers to an external resource")
    return svg


def _config() -> dict[str, Any]:
    font = FONT_STACK.replace('"', "")
    return {"font": font, "view": {"stroke": None},
            "axis": {"labelFontSize": 10, "titleFontSize": 10, "grid": True,
                     "gridColor": "#e6e6e6"},
            "legend": {"orient": "bottom", "labelFontSize": 10, "titleFontSize": 10,
                       "symbolStrokeWidth": 2.5, "symbolSize": 300, "symbolType": "stroke",
                       "labelLimit": 260},
            "title": {"fontSize": 12, "anchor": "start", "fontWeight": "bold"}}


def _spec(title: str, layers: list[dict[str, Any]], values: list[dict[str, Any]],
          width: int = 300, height: int = 140) -> dict[str, Any]:
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "width": width, "height": height, "title": title,
            "data": {"values": values}, "layer": layers, "config": _config()}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
            for row in frame.to_dict(orient="records")]


def customers_chart(w: WhatIf, lang: str) -> dict[str, Any]:
    """The dashboard's "customers over time": expected customers by year of scenario and
    baseline, with the Monte Carlo P10-P90 band when it ran."""
    names = {"scenario": _t("dashboard.series_scenario", lang),
             "baseline": _t("dashboard.series_baseline", lang)}
    bands = w.series_bands("customers")
    frame = bands.assign(series=bands["run"].map(names))[["year", "series", "expected", "p10",
                                                          "p90"]]
    order = [names["scenario"], names["baseline"]]
    colour = {"field": "series", "type": "nominal", "title": None,
              "scale": {"domain": order, "range": [SERIES_COLOURS[0], BASELINE_COLOUR]},
              "sort": order}
    x = {"field": "year", "type": "ordinal", "title": _t("common.year", lang),
         "axis": {"labelAngle": 0}}
    y_title = _t("common.customers", lang)
    layers = [
        {"mark": {"type": "area", "opacity": 0.2},
         "encoding": {"x": x, "y": {"field": "p10", "type": "quantitative", "title": y_title,
                                    "axis": {"format": ",.0f"}},
                      "y2": {"field": "p90"}, "fill": {**colour, "legend": None}}},
        {"mark": {"type": "line", "point": True, "strokeWidth": 2.5},
         "encoding": {"x": x, "y": {"field": "expected", "type": "quantitative"},
                      "color": colour,
                      "strokeDash": {"field": "series", "type": "nominal", "title": None,
                                     "scale": {"domain": order, "range": _dashes(2)},
                                     "sort": order}}},
    ]
    return _spec(_t("dashboard.customers_title", lang), layers, _records(frame))


def cash_chart(w: WhatIf, lang: str) -> dict[str, Any]:
    """The dashboard's cumulative incremental cash against the baseline, undiscounted and
    discounted, with the undiscounted payback marked."""
    cash = w.incremental_cash()
    plain, discounted = (_t("dashboard.series_cash", lang),
                         _t("dashboard.series_cash_discounted", lang))
    rows = ([{"year": y, "series": plain, "value": v}
             for y, v in zip(cash["year"], cash["cumulative"], strict=True)]
            + [{"year": y, "series": discounted, "value": v}
               for y, v in zip(cash["year"], cash["cumulative_discounted"], strict=True)])
    order = [plain, discounted]
    x = {"field": "year", "type": "quantitative", "title": _t("common.year", lang),
         "axis": {"tickMinStep": 1}}
    one: dict[str, Any] = {"values": [{}]}
    layers: list[dict[str, Any]] = [
        {"data": one, "mark": {"type": "rule", "color": "#555"}, "encoding": {"y": {"datum": 0}}},
        {"mark": {"type": "line", "point": len(cash) <= 30, "strokeWidth": 2.5},
         "encoding": {"x": x,
                      "y": {"field": "value", "type": "quantitative",
                            "title": _t("dashboard.cash_y", lang,
                                        currency=w.scenario.currency),
                            "axis": {"format": ",.0f"}},
                      "color": {"field": "series", "type": "nominal", "title": None,
                                "scale": {"domain": order,
                                          "range": [SERIES_COLOURS[0], SERIES_COLOURS[1]]},
                                "sort": order},
                      "strokeDash": {"field": "series", "type": "nominal", "title": None,
                                     "scale": {"domain": order, "range": _dashes(2)},
                                     "sort": order}}},
    ]
    payback = w.finance.payback_years
    if payback is not None:
        label = _t("dashboard.payback_label", lang,
                   years=format_kpi("payback_years", payback, "", lang))
        layers += [
            {"data": one, "mark": {"type": "rule", "strokeDash": [6, 4], "strokeWidth": 1.5,
                                   "color": "#b2182b"}, "encoding": {"x": {"datum": payback}}},
            {"data": one, "mark": {"type": "text", "align": "left", "dx": 4, "dy": 8,
                                   "fontSize": 10,
                      "color": "#b2182b"},
             "encoding": {"x": {"datum": payback}, "y": {"value": 0},
                          "text": {"value": label}}},
        ]
    return _spec(_t("dashboard.cash_title", lang), layers, rows)


def comparison_chart(result: Comparison, lang: str, currency: str) -> dict[str, Any]:
    """The Compare page's cumulative discounted profit by year, one line per scenario."""
    yearly = result.yearly()
    order = list(result.labels)
    n = len(order)
    layers: list[dict[str, Any]] = [{"mark": {"type": "line", "point": True, "strokeWidth": 2.5},
               "encoding": {
                   "x": {"field": "year", "type": "ordinal", "title": _t("common.year", lang),
                         "axis": {"labelAngle": 0}},
                   "y": {"field": "cumulative_discounted_profit", "type": "quantitative",
                         "title": _t("compare.cash_y", lang, currency=currency),
                         "axis": {"format": ",.0f"}},
                   "color": {"field": "scenario", "type": "nominal", "title": None,
                             "scale": {"domain": order, "range": list(SERIES_COLOURS[:n])},
                             "sort": order,
                             "legend": {"columns": min(n, 3), "labelLimit": 200}},
                   "strokeDash": {"field": "scenario", "type": "nominal", "title": None,
                                  "scale": {"domain": order, "range": _dashes(n)},
                                  "sort": order}}}]
    values = _records(yearly[["scenario", "year", "cumulative_discounted_profit"]])
    return _spec(_t("compare.cash_title", lang), layers, values, width=640,
                 height=140 if n <= 3 else 100)


# --- figures ------------------------------------------------------------------------------

def headline_figures(w: WhatIf) -> dict[str, Any]:
    """The figures the single report prints, taken from :func:`sim.report.run_report` of
    the same run (what ``python -m sim run --format json`` prints): ``kpis``, ``baseline``
    (its ``kpis``), ``delta`` and ``finance`` objects, restricted to the report's rows."""
    report = run_report(w.scenario, whatif=w)
    return {"currency": report["currency"], "baseline_kind": report["baseline"]["kind"],
            "kpis": {k: report["kpis"][k] for k in HEADLINE_KPIS},
            "baseline": {k: report["baseline"]["kpis"][k] for k in HEADLINE_KPIS},
            "delta": {k: report["delta"][k] for k in HEADLINE_KPIS},
            "finance": {k: report["finance"][k] for k in FINANCE_ROWS},
            "reasons": {k: report["finance"].get(r) for k, r in
                        (("roi", "roi_reason"), ("irr", "irr_reason"),
                         ("payback_years", "payback_reason"),
                         ("discounted_payback_years", "discounted_payback_reason"))},
            "notices": report["notices"]}


def _value_text(unit: str, value: Any, currency: str, lang: str) -> str:
    """A field's value for reading: fractions as percentages, money with its currency."""
    if value is None:
        return _t("report.absent", lang)
    if isinstance(value, bool):
        return _t("report.yes" if value else "report.no", lang)
    if isinstance(value, (int, float)):
        if unit.startswith("fraction") or unit == "probability/year":
            return format_pct(float(value), lang, 2 if abs(value * 100 % 1) > 1e-9 else 0)
        if unit.startswith("currency"):
            return format_money(float(value), currency, lang, 0 if float(value).is_integer()
                                else 2)
        return format_number(value, lang, 0) if float(value).is_integer() else f"{value:g}"
    if isinstance(value, tuple):
        return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    return str(value)


REPORT_FIELDS = ("baseline.kind", "crm_system.enabled", "seed", "horizon_years",
                 "periods_per_year", "monte_carlo.replications", "market.size")
"""Fields the shared ``field.*`` catalog does not name, named by ``report.field.*``."""


def _field_name(path: str, lang: str) -> str:
    """A field's name: :func:`sim.display.field_label`, else the report's own name for the
    fields it lists often (``programmes.<kind>.enabled``, ``baseline.kind``…), else the path."""
    label = field_label(path, lang)
    if label != path:
        return label
    parts = path.split(".")
    if parts[0] == "programmes" and len(parts) == 3 and parts[2] == "enabled":
        return _t("report.field.programme_enabled", lang,
                  programme=_t(f"programme.{parts[1]}", lang))
    if path in REPORT_FIELDS:
        return _t(f"report.field.{path.replace('.', '_')}", lang)
    return path


def lever_changes(loaded: Scenario, current: Scenario, lang: str) -> list[tuple[str, str, str]]:
    """``(field name, value as loaded, value now)`` for every field the levers changed."""
    return [(_field_name(path, lang), _value_text(unit, before, current.currency, lang),
             _value_text(unit, after, current.currency, lang))
            for path, unit, (before, after) in differing_fields([loaded, current])]


# --- HTML ---------------------------------------------------------------------------------

_CSS = """
@page { size: A4; margin: 8mm; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; background: #fff; }
body { font-family: FONTS; font-size: 8.4pt; line-height: 1.32; color: #1d1d1d;
       -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.page { width: 194mm; padding: 0; }
@media screen { body { background: #eee; } .page { margin: 8mm auto; background: #fff;
  padding: 8mm; width: 210mm; box-shadow: 0 0 6px #999; } }
header { border-bottom: 2px solid #1f5fae; padding-bottom: 1.5mm; margin-bottom: 2mm; }
h1 { font-size: 15pt; margin: 0 0 1mm 0; line-height: 1.2; }
h2 { font-size: 9.5pt; margin: 2.5mm 0 1mm 0; color: #1f5fae; }
.kicker { font-size: 8pt; color: #555; text-transform: uppercase; letter-spacing: .04em; }
.desc { color: #444; margin: 0; display: -webkit-box; -webkit-line-clamp: 3;
        -webkit-box-orient: vertical; overflow: hidden; }
.baseline { background: #f1f5fb; border-left: 3px solid #1f5fae; padding: 1.5mm 2.5mm;
            margin: 0 0 2mm 0; }
.note { background: #fff8e5; border-left: 3px solid #e6a700; padding: 1.5mm 2.5mm;
        margin: 2mm 0; display: -webkit-box; -webkit-line-clamp: 5;
        -webkit-box-orient: vertical; overflow: hidden; }
.cols { display: flex; gap: 5mm; }
.cols > div { flex: 1 1 0; min-width: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 0.8mm 1.5mm; border-bottom: 1px solid #e3e3e3; text-align: right;
         vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 1.5px solid #888; font-weight: 600; }
td.fig { font-variant-numeric: tabular-nums; white-space: nowrap; }
.better { color: #1a7f37; } .worse { color: #b2182b; }
.d { display: block; font-size: 7.4pt; color: #555; line-height: 1.15; }
.few .d { display: inline; margin-left: 1.5mm; }
.z4 { zoom: 0.9; width: calc(194mm / 0.9); } .z5 { zoom: 0.84; width: calc(194mm / 0.84); }
.z6 { zoom: 0.8; width: calc(194mm / 0.8); }
@media screen { .z4 { width: calc(210mm / 0.9); padding: calc(8mm / 0.9); }
  .z5 { width: calc(210mm / 0.84); padding: calc(8mm / 0.84); }
  .z6 { width: calc(210mm / 0.8); padding: calc(8mm / 0.8); } }
td.val { overflow-wrap: anywhere; }
td:first-child { min-width: 30mm; }
.chart svg { width: 100%; height: auto; display: block; }
.caption { font-size: 7.4pt; color: #555; margin: 0.5mm 0 0 0; }
.defs { columns: 2; column-gap: 5mm; font-size: 7.8pt; }
.defs p { margin: 0 0 0.8mm 0; break-inside: avoid; }
footer { margin-top: 2.5mm; border-top: 1px solid #ccc; padding-top: 1.2mm; font-size: 7.4pt;
         color: #444; }
code { font-family: "Noto Sans Mono CJK SC", "DejaVu Sans Mono", Menlo, Consolas, monospace;
       font-size: 7.2pt; word-break: break-all; }
.notice { color: #8a5300; }
""".replace("FONTS", FONT_STACK)


def _document(lang: str, title: str, body: str, css_class: str = "page") -> str:
    return ("<!DOCTYPE html>\n"
            f'<html lang="{"zh-Hans" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_CSS}</style></head>"
            f'<body><main class="{css_class}">{body}</main></body></html>\n')


def _judge_class(key: str, delta: float | None) -> str:
    if delta is None or KPIS[key].direction == "neutral" or abs(delta) < 1e-12:
        return ""
    return "better" if (delta > 0) == (KPIS[key].direction == "higher") else "worse"


DASHBOARD_LABELS = {"customers_end": "dashboard.kpi_customers",
                    "retention_last_year": "dashboard.kpi_retention",
                    "clv_net": "dashboard.kpi_clv", "customer_equity": "dashboard.kpi_equity",
                    "npv": "dashboard.kpi_npv"}
"""The headline rows carry the dashboard tiles' labels."""


def _row_label(key: str, scenario: Scenario, lang: str) -> str:
    return _t(DASHBOARD_LABELS[key], lang, years=scenario.horizon_years)


def _header(kind: str, name: str, description: str, lang: str, today: dt.date) -> str:
    desc = f'<p class="desc">{_e(description)}</p>' if description.strip() else ""
    return (f'<header><div class="kicker">{_e(_t(f"report.kicker_{kind}", lang))} · '
            f'{_e(_t("report.date", lang, date=today.isoformat()))}</div>'
            f"<h1>{_e(name)}</h1>{desc}</header>")


def _definitions(scenario: Scenario, lang: str) -> str:
    fin = scenario.finance
    rate = format_pct(fin.discount_rate, lang, 1)
    timing = _t(f"report.timing_{fin.cash_timing}", lang)
    items = [("npv", _t("report.def_npv", lang, rate=rate, timing=timing)),
             ("npv_delta", _t("report.def_npv_delta", lang)),
             ("roi", _t("report.def_roi", lang)),
             ("irr", _t("report.def_irr", lang)),
             ("payback_years", _t("report.def_payback", lang)),
             ("discounted_payback_years", _t("report.def_discounted_payback", lang))]
    rows = "".join(f"<p><b>{_e(kpi_label(k, lang))}</b>: {_e(text)}</p>" for k, text in items)
    return (f'<h2>{_e(_t("report.definitions", lang))}</h2><div class="defs">{rows}'
            f'<p class="caption">{_e(_t("report.definitions_source", lang))}</p></div>')


def _hash_line(source: ScenarioSource, lang: str) -> str:
    kind, digest = scenario_digest(source.scenario, source.data)
    if kind == "file":
        text = _t("report.hash_file", lang, file=source.label or "—")
    else:
        text = _t("report.hash_canonical", lang)
    return f"{_e(text)} <code>{digest}</code>"


def _levers_block(source: ScenarioSource, current: Scenario, lang: str) -> str:
    changes = lever_changes(source.scenario, current, lang)
    head = f'<h2>{_e(_t("report.levers", lang))}</h2>'
    if not changes:
        return head + f'<p>{_e(_t("report.levers_none", lang))}</p>'
    rows = [[(_e(a), ""), (_e(b), "val"), (_e(c), "val")] for a, b, c in
            changes[:MAX_LEVER_ROWS]]
    headers = [_t(f"report.col_{c}", lang) for c in ("lever", "loaded", "now")]
    if len(rows) <= 4:
        tables = _table(headers, rows)
    else:                       # two tables side by side: half the height
        half = (len(rows) + 1) // 2
        tables = (f'<div class="cols"><div>{_table(headers, rows[:half])}</div>'
                  f"<div>{_table(headers, rows[half:])}</div></div>")
    return head + tables + _more(len(changes), lang)


def _baseline_sentence(w: WhatIf, lang: str) -> str:
    kind = _t(f"baseline_kind.{w.scenario.baseline.kind}", lang,
              preset=localized_text(w.baseline.name, lang))
    cost = format_kpi("incremental_cost", w.finance.incremental_cost, w.scenario.currency, lang)
    return (_t("dashboard.baseline_note", lang, kind=kind) + " "
            + _t("dashboard.cost_note", lang, cost=cost))


def _today(today: dt.date | None) -> dt.date:
    return today if today is not None else dt.datetime.now(dt.UTC).date()


def _table(headers: Sequence[str], rows: Sequence[Sequence[tuple[str, str]]]) -> str:
    """An HTML table: escaped header texts, rows of ``(html, css class)`` cells (the first
    cell of a row is its label)."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="{cls}">{cell}</td>' if cls else
                                    f"<td>{cell}</td>" for cell, cls in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _kpi_table(w: WhatIf, figures: dict[str, Any], lang: str) -> str:
    money = figures["currency"]
    rows = []
    for key in HEADLINE_KPIS:
        now, base, delta = (figures["kpis"][key], figures["baseline"][key],
                            figures["delta"][key])
        short = key in SHORT
        now_text = format_kpi(key, now, money, lang, short=short,
                              reason=missing_reason(key, w.result.kpis))
        base_text = format_kpi(key, base, money, lang, short=short,
                               reason=missing_reason(key, w.base_result.kpis))
        delta_text = ("" if delta is None or rounds_to_zero(key, delta) else   # as the tiles
                      format_kpi(key, delta, money, lang, delta=True, short=short))
        rows.append([(_e(_row_label(key, w.scenario, lang)), ""), (_e(now_text), "fig"),
                     (_e(base_text), "fig"),
                     (_e(delta_text), f"fig {_judge_class(key, delta)}".strip())])
    return _table([_t(f"report.col_{c}", lang) for c in ("kpi", "scenario", "baseline",
                                                           "delta")], rows)


def _finance_table(figures: dict[str, Any], lang: str) -> str:
    rows = []
    for key in FINANCE_ROWS:
        text = format_kpi(key, figures["finance"][key], figures["currency"], lang,
                          short=key in SHORT, reason=figures["reasons"].get(key))
        rows.append([(_e(kpi_label(key, lang)), ""), (_e(text), "fig")])
    return _table([_t("report.col_finance", lang), _t("report.col_value", lang)], rows)


def _notices(notices: Sequence[dict[str, Any]], lang: str) -> str:
    return "".join('<p class="caption notice">'
                   + _e(_t(f"budget.{n['code']}", lang, **n["params"])) + "</p>"
                   for n in notices)


def single_report(w: WhatIf, lang: str, source: ScenarioSource, *, note: str | None = None,
                  today: dt.date | None = None) -> str:
    """The one-page report of one scenario against its baseline, as an HTML document.

    Args:
        w: the scenario's run against its baseline (the page's cached
            :func:`sim.whatif.evaluate` result; Monte Carlo bands when it ran).
        lang: ``en`` or ``zh``.
        source: the scenario as loaded and its file (levers and hash).
        note: a lesson's teaching note to print (already in ``lang``), or None.
        today: the report's date (default: today, UTC).
    """
    figures = headline_figures(w)
    scenario = w.scenario
    name = localized_text(scenario.name, lang)
    day = _today(today)
    band = (_t("dashboard.band_caption", lang, reps=w.mc.replications, seed=scenario.seed)
            if w.mc is not None else _t("dashboard.mc_off", lang))
    charts = ('<div class="cols"><div class="chart">'
              + svg_chart(customers_chart(w, lang), "c1", lang)
              + f'<p class="caption">{_e(band)}</p></div><div class="chart">'
              + svg_chart(cash_chart(w, lang), "c2", lang) + "</div></div>")
    lesson = f'<div class="note">{_e(note)}</div>' if note else ""
    body = (_header("single", name, localized_text(scenario.description, lang), lang, day)
            + f'<p class="baseline">{_e(_baseline_sentence(w, lang))}</p>'
            + f'<div class="cols"><div><h2>{_e(_t("report.headline", lang))}</h2>'
            + _kpi_table(w, figures, lang) + "</div>"
            + f'<div><h2>{_e(_t("report.finance", lang))}</h2>'
            + _finance_table(figures, lang) + "</div></div>"
            + _notices(figures["notices"], lang) + lesson + charts
            + _levers_block(source, scenario, lang) + _definitions(scenario, lang)
            + _footer([source], [scenario], lang, day))
    # budget notices are long: make room for them (zoomed, wider, as a comparison of four)
    return _document(lang, _t("report.title", lang, name=name), body,
                     "page z4" if figures["notices"] else "page")


def _footer(sources: Sequence[ScenarioSource], shown: Sequence[Scenario], lang: str,
            day: dt.date) -> str:
    lines = []
    for source, scenario in zip(sources, shown, strict=True):
        line = _hash_line(source, lang)
        if scenario != source.scenario:
            _, digest = scenario_digest(scenario, None)
            line += (f" · {_e(_t('report.hash_shown', lang))} <code>{digest}</code>")
        if len(sources) > 1:
            line = f"{_e(localized_text(scenario.name, lang))}: " + line
        lines.append(f"<div>{line}</div>")
    made = _t("report.made", lang, date=day.isoformat())
    return f"<footer>{''.join(lines)}<div>{_e(made)}</div></footer>"


def _more(n_rows: int, lang: str) -> str:
    if n_rows <= MAX_LEVER_ROWS:
        return ""
    return f'<p class="caption">{_e(_t("report.levers_more", lang, n=n_rows - MAX_LEVER_ROWS))}</p>'


def _comparison_table(result: Comparison, currency: str, lang: str) -> str:
    long = result.kpi_table().set_index(["kpi", "scenario"])
    rows = []
    for key in COMPARE_ROWS:
        short = False               # the Compare page's table: whole amounts
        label = (_t("report.customers_end", lang) if key == "customers_end"
                 else kpi_label(key, lang))
        cells = [(_e(label), "")]
        for i, name in enumerate(result.labels):
            row = long.loc[(key, name)]
            value = None if pd.isna(row["value"]) else float(row["value"])
            reason = row["reason"] if isinstance(row["reason"], str) else None
            cell = _e(format_kpi(key, value, currency, lang, short=short, reason=reason))
            delta = None if pd.isna(row["delta"]) else float(row["delta"])
            if i != result.reference and delta is not None:
                text = format_kpi(key, delta, currency, lang, delta=True, short=short)
                cell += f'<span class="d {_judge_class(key, delta)}">{_e(text)}</span>'
            cells.append((cell, "fig"))
        rows.append(cells)
    return _table([_t("report.col_kpi", lang), *result.labels], rows).replace(
        "<table>", '<table class="kpis">', 1)


def _differences_block(result: Comparison, shown: Sequence[Scenario], currency: str,
                       lang: str) -> str:
    differs = differing_fields(list(shown))
    head = f'<h2>{_e(_t("report.differs", lang))}</h2>'
    if not differs:
        return head + f'<p>{_e(_t("report.differs_none", lang))}</p>'
    rows = [[(_e(_field_name(path, lang)), ""),
             *((_e(_value_text(unit, v, currency, lang)), "val") for v in values)]
            for path, unit, values in differs[:MAX_LEVER_ROWS]]
    return (head + _table([_t("report.col_lever", lang), *result.labels], rows)
            + _more(len(differs), lang))


def comparison_report(result: Comparison, lang: str, sources: Sequence[ScenarioSource], *,
                      today: dt.date | None = None) -> str:
    """The one-page report of 2-6 scenarios side by side, as an HTML document.

    Args:
        result: the comparison (:func:`sim.compare.compare`; the Compare page's).
        lang: ``en`` or ``zh``.
        sources: each compared scenario's file (same order as ``result.labels``).
        today: the report's date (default: today, UTC).
    """
    day = _today(today)
    ref = result.reference
    shown = [run.scenario for run in result.runs]
    currency = shown[ref].currency
    groups: dict[str, list[str]] = {}
    for label, run in zip(result.labels, result.runs, strict=True):
        kind = _t(f"baseline_kind.{run.scenario.baseline.kind}", lang,
                  preset=localized_text(run.baseline.name, lang))
        groups.setdefault(kind, []).append(label)
    kinds = (next(iter(groups)) if len(groups) == 1 else
             _t("report.list_sep", lang).join(_t("report.kind_for", lang, kind=kind,
                                                 labels=", ".join(labels))
                                              for kind, labels in groups.items()))
    sentence = _t("report.compare_baseline", lang, reference=result.labels[ref], kinds=kinds)
    title = _t("report.compare_title", lang, n=len(shown))
    body = (_header("compare", title, "", lang, day)
            + f'<p class="baseline">{_e(sentence)}</p>'
            + f'<h2>{_e(_t("report.headline_compare", lang))}</h2>'
            + _comparison_table(result, currency, lang)
            + '<div class="chart">' + svg_chart(comparison_chart(result, lang, currency), "c1",
                                                lang) + "</div>"
            + f'<p class="caption">{_e(_t("report.compare_engine", lang))}</p>'
            + _differences_block(result, shown, currency, lang) + _definitions(shown[ref], lang)
            + _footer(list(sources), shown, lang, day))
    return _document(lang, title, body, "page " + ("few" if len(shown) <= 3 else
                                                    f"many z{len(shown)}"))
