"""Charts for a room (issue 16, item 5): every chart the pages build, as it is sent.

Every page is opened (AppTest) over shipped scenarios, with its buttons pressed and,
on Compare, six scenarios chosen; every chart drawn passes through
``ui.charts.template_spec``, which this test records. For every multi-series layer
(a nominal or datum colour whose data hold more than one value) the test requires:

- a legend (the colour's legend is not switched off, and the chart as Vega draws it,
  vl-convert's SVG, names every series in a legend);
- as many distinct colours as series, all from the app's scheme (``ui.palette``);
- a second encoding of the same series: dash pattern (``strokeDash``) or point shape
  (``shape``), or, for layers that each draw one measure (the series named by a
  ``calculate``), a different mark type than the other such layers (an area and a line);
- a plot-area height of at least :data:`MIN_PLOT_HEIGHT` and the ``fit-x`` autosize that
  keeps it (a legend adds height instead of squeezing the plot).

Background rectangles (``rect`` marks: the loyalty zones, each named on the chart;
heat maps, whose colour is quantitative) are not series.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
import vl_convert

import ui.charts
from tests.app.test_charts import _open
from ui.palette import SERIES_COLOURS, ZONE_TINTS

MIN_PLOT_HEIGHT = 250
SCHEME = {c.lower() for c in SERIES_COLOURS + ZONE_TINTS}

Recorded = list[tuple[str, dict[str, Any], dict[str, pd.DataFrame]]]


@pytest.fixture()
def recorded(monkeypatch) -> Recorded:
    """Every (builder name, spec, datasets) the pages send during the test."""
    calls: Recorded = []
    original = ui.charts.template_spec

    def recording(builder, labels, datasets):
        spec = original(builder, labels, datasets)
        calls.append((builder.__name__, spec, dict(datasets)))
        return spec

    monkeypatch.setattr(ui.charts, "template_spec", recording)
    return calls


def _units(spec: dict[str, Any], height: Any = None) -> Iterator[tuple[dict[str, Any], Any]]:
    """Each single-view spec of ``spec`` (layers flattened), with the height it draws at."""
    height = spec.get("height", height)
    if "layer" in spec:
        for layer in spec["layer"]:
            yield from _units(layer, height)
    else:
        yield spec, height


def _mark(unit: dict[str, Any]) -> str:
    mark = unit.get("mark")
    return mark.get("type") if isinstance(mark, dict) else str(mark)


def _series(unit: dict[str, Any], datasets: dict[str, pd.DataFrame]) -> list[str]:
    """The distinct values of the unit's nominal/ordinal colour field in its dataset."""
    colour = unit.get("encoding", {}).get("color", {})
    field = colour.get("field")
    if not field or colour.get("type") not in ("nominal", "ordinal") or \
            colour.get("scale", {}) is None:
        return []
    frame = datasets.get(unit.get("data", {}).get("name", ""))
    if frame is None or field not in frame:
        return []
    return [str(v) for v in dict.fromkeys(frame[field].dropna())]


def _colours(colour: dict[str, Any], series: list[str]) -> list[str]:
    scale = colour.get("scale") or {}
    colours = scale.get("range")
    assert isinstance(colours, list), f"no colour range from the app's scheme: {colour}"
    domain = scale.get("domain")
    if isinstance(domain, list):
        return [colours[domain.index(s)] for s in series if s in domain]
    return colours[:len(series)]


def _legend_labels(spec: dict[str, Any], datasets: dict[str, pd.DataFrame]) -> list[str]:
    """The legend labels of the chart as Vega draws it (vl-convert's SVG, 700 px wide)."""
    data = {name: json.loads(frame.to_json(orient="records")) for name, frame in datasets.items()}
    svg = vl_convert.vegalite_to_svg({**spec, "width": 700, "datasets": data})
    return [html.unescape(text) for text in re.findall(
        r'class="mark-text role-legend-label"[^>]*><text[^>]*>([^<]*)</text>', svg)]


def check_chart(name: str, spec: dict[str, Any], datasets: dict[str, pd.DataFrame]) -> None:
    """Fail on a multi-series layer without legend, colours or a second encoding."""
    units = list(_units(spec))
    measures: dict[str, dict[str, str]] = {}        # field → {measure: mark}
    multi: dict[str, list[str]] = {}                # field → its series
    for unit, height in units:
        encoding = unit.get("encoding", {})
        colour = encoding.get("color", {})
        named = [t for t in unit.get("transform", [])
                 if "calculate" in t and t.get("as") == colour.get("field")]
        if named:
            assert colour.get("legend", {}) is not None, f"{name}: a measure without legend"
            measures.setdefault(colour["field"], {})[named[0]["calculate"]] = _mark(unit)
            colours = _colours(colour, [json.loads(named[0]["calculate"])])
            assert set(c.lower() for c in colours) <= SCHEME, f"{name}: {colours}"
            continue
        series = _series(unit, datasets)
        if len(series) < 2 or _mark(unit) == "rect":
            continue
        field = colour["field"]
        multi[field] = series
        same = [u for u, _ in units if u.get("encoding", {}).get("color", {}).get("field")
                == field]
        assert any(u["encoding"]["color"].get("legend", {}) is not None for u in same), \
            f"{name}: {len(series)} series ({field}) and no legend"
        colours = [c.lower() for c in _colours(colour, series)]
        assert len(set(colours)) >= len(series), \
            f"{name}: {len(series)} series ({field}) in {len(set(colours))} colours"
        assert set(colours) <= SCHEME, f"{name}: colours outside the scheme: {colours}"
        second = [u for u in same if any(
            u.get("encoding", {}).get(channel, {}).get("field") == field
            for channel in ("strokeDash", "shape"))]
        assert second, f"{name}: {field} is told apart by colour alone (no dash, no shape)"
        plot = height if isinstance(height, int | float) else None
        assert plot is None or plot >= MIN_PLOT_HEIGHT or name == "share_bars_chart", \
            f"{name}: plot {plot} px tall"
    drawn = _legend_labels(spec, datasets)
    for field, values in multi.items():
        missing = [v for v in values if not any(
            label == v or (label.endswith("…") and v.startswith(label[:-1])) for label in drawn)]
        assert not missing, f"{name}: the legend as drawn lacks {missing} ({field})"
    for field, marks in measures.items():
        if len(marks) > 1:
            assert len(set(marks.values())) == len(marks), \
                f"{name}: measures ({field}) told apart by colour alone"
            colour_of = [_colours(u["encoding"]["color"], [json.loads(m)])[0]
                         for u, _ in units for m in marks
                         if u.get("encoding", {}).get("color", {}).get("field") == field
                         and any(t.get("calculate") == m for t in u.get("transform", []))]
            assert len(set(colour_of)) == len(marks), f"{name}: measures share a colour"
    assert spec.get("autosize", {}).get("type") == "fit-x", f"{name}: the plot is squeezed"


SIX = ["current", "preset:whatif_today", "preset:whatif_vip_offers",
       "preset:textbook_magazine", "preset:whatif_crm_system", "preset:lesson_top_box"]

VISITS = [("pages/clv.py", "textbook_five_cohorts", None),
          ("pages/clv.py", "whatif_points_programme", None),
          ("pages/loyalty.py", "lesson_false_loyalty", None),
          ("pages/loyalty.py", "whatif_points_programme", None),
          ("pages/dashboard.py", "whatif_points_programme", None),
          ("pages/roi.py", "whatif_crm_system", None),
          ("pages/compare.py", "whatif_points_programme", "six"),
          ("pages/your_data.py", "whatif_today", None),
          ("pages/optimise.py", "whatif_today", "optimise"),
          ("pages/service.py", "lesson_satisfied_defect", "service")]

EXPECTED = {"layer_cake_chart", "retention_lines_chart", "tenure_value_chart",
            "loyalty_curves_chart", "quadrant_chart", "band_chart", "cash_chart",
            "tco_stack_chart", "roi_curve_chart", "overlay_chart", "tornado_chart",
            "heat_map_chart", "survival_fit_chart", "equity_heat_chart",
            "marginal_cost_chart", "week_chart", "wait_chart", "hourly_chart"}
"""Builders the visits must reach (so a page that stops drawing cannot pass unseen)."""


def _visit(page: str, preset: str, action: str | None, lang: str) -> None:
    at = _open(page, preset, lang)
    if action == "six":
        at.multiselect(key="compare_choice").set_value(SIX).run()
    elif action == "optimise":
        at.button(key="eq_add").click().run()
        at.button(key="opt_run").click().run()
    elif action == "service":
        at.button(key="svc_run").click().run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_chart_has_legend_colours_and_a_second_encoding(recorded: Recorded,
                                                               lang: str) -> None:
    for page, preset, action in VISITS:
        _visit(page, preset, action, lang)
    built = {name for name, _, _ in recorded}
    assert EXPECTED <= built, f"not drawn: {EXPECTED - built}"
    overlays = [d for n, _, d in recorded if n == "overlay_chart"]
    assert max(d["overlay"]["scenario"].nunique() for d in overlays) == 6
    for name, spec, datasets in recorded:
        check_chart(name, spec, datasets)


def test_the_check_fails_on_a_chart_told_apart_by_colour_alone() -> None:
    """The checks above can fail: one colour for three curves, no legend, no dash."""
    import altair as alt

    frame = pd.DataFrame({"x": [1, 2, 1, 2, 1, 2], "y": [1, 2, 2, 3, 3, 4],
                          "series": ["a", "a", "b", "b", "c", "c"]})

    def chart(**encoding) -> dict[str, Any]:
        base = alt.Chart(alt.NamedData(name="d"), height=320).mark_line().encode(
            x="x:Q", y="y:Q", **encoding)
        return ui.charts.vega_lite_spec(base)

    with pytest.raises(AssertionError, match="no colour range"):
        check_chart("blue", chart(detail="series:N", color=alt.Color("series:N")), {"d": frame})
    one_blue = alt.Color("series:N", scale=alt.Scale(range=[SERIES_COLOURS[0]] * 3))
    with pytest.raises(AssertionError, match="3 series .* in 1 colours"):
        check_chart("one blue", chart(color=one_blue), {"d": frame})
    scheme = alt.Scale(range=list(SERIES_COLOURS))
    with pytest.raises(AssertionError, match="no legend"):
        check_chart("no legend", chart(color=alt.Color("series:N", scale=scheme, legend=None),
                                       strokeDash="series:N"), {"d": frame})
    with pytest.raises(AssertionError, match="colour alone"):
        check_chart("no dash", chart(color=alt.Color("series:N", scale=scheme)), {"d": frame})
    check_chart("fine", chart(color=alt.Color("series:N", scale=scheme),
                              strokeDash="series:N"), {"d": frame})


def test_layer_cake_lists_only_cohorts_that_exist_each_in_its_own_colour() -> None:
    """Acquisition for 3 of 8 years: 3 cohorts in the legend (not 8); 12 cohorts: grouped
    into at most 8 layers, so no two layers share a colour."""
    from ui.charts import layer_cake_data

    rows = [(y, c, (100.0 if c <= 3 else 0.0) * 0.8 ** (y - c))
            for c in range(1, 9) for y in range(c, 9)]
    frame = pd.DataFrame(rows, columns=["year", "cohort_year", "customers"])
    cohorts = layer_cake_data(frame)["cohorts"]
    assert sorted(cohorts["cohort"].unique()) == ["1", "2", "3"]
    rows = [(y, c, 50.0) for c in range(1, 13) for y in range(c, 13)]
    many = layer_cake_data(pd.DataFrame(rows, columns=["year", "cohort_year", "customers"]))
    layers = many["cohorts"].drop_duplicates("cohort").sort_values("cohort_order")
    assert len(layers) == 8 and layers["cohort"].iloc[0] == "1-2"
    total = many["cohorts"].groupby("year")["customers"].sum()
    assert total.loc[12] == pytest.approx(12 * 50.0)
