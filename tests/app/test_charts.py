"""Every chart the pages draw is a valid Vega-Lite spec with its data.

The pages skip Altair's schema validation on every rerun (ui.charts.vega_lite_spec,
for speed); this test validates what each page actually sends to the browser.
"""

from __future__ import annotations

import html
import json
import re

import pandas as pd
import pyarrow as pa
import pytest
import vl_convert
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema import load_schema
from streamlit.testing.v1 import AppTest

from sim import scenario_io
from sim.cohort import run_cohort
from tests.conftest import ROOT
from ui.charts import template_spec
from ui.palette import SERIES_COLOURS

PAGES = [("pages/clv.py", "textbook_five_cohorts", 3),
         ("pages/loyalty.py", "whatif_points_programme", 2),
         ("pages/dashboard.py", "whatif_crm_system", 2),
         ("pages/roi.py", "whatif_crm_system", 2),
         ("pages/compare.py", "whatif_points_programme", 5)]


@pytest.mark.parametrize("page,preset,count", PAGES, ids=[p[0] for p in PAGES])
def test_page_charts_are_valid_vega_lite(page: str, preset: str, count: int) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["preset"] = preset
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) == count
    schema = load_schema()
    for chart in charts:
        spec = json.loads(chart.proto.spec)
        validate_jsonschema(spec, schema, rootschema=schema)
        assert "width" not in spec.get("config", {}).get("view", {})
        assert chart.proto.datasets and all(d.data.data for d in chart.proto.datasets)


# --- Templates: the cached spec must not carry anything that follows the data ------------
#
# The charts are built once per set of labels (ui.charts.show_template_chart) and reused
# for every later run with the same labels, in any session. A chart that put something
# data-dependent into the spec (the scenarios compared, the tornado's levers, a marker)
# would draw the first run's series over the next run's data. These tests draw two
# different data sets through the same (cached) template and check each is drawn as
# itself: its series in the datasets, and its legend, colours and axis order as rendered.

SERIES = [c.lower() for c in SERIES_COLOURS]     # the app's scheme (ui.palette), in order


def _frames(chart) -> dict[str, pd.DataFrame]:
    return {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pandas()
            for d in chart.proto.datasets}


def _svg(spec: dict, datasets: dict[str, pd.DataFrame]) -> str:
    """The chart as the browser would draw it (Vega's SVG renderer, vl-convert)."""
    spec = {**spec, "width": 700,
            "datasets": {name: json.loads(frame.to_json(orient="records"))
                         for name, frame in datasets.items()}}
    return vl_convert.vegalite_to_svg(spec)


def _legend(svg: str) -> list[tuple[str, str]]:
    """(label, symbol colour) of each legend entry, in the order drawn."""
    entries = re.findall(r'fill="(#[0-9a-fA-F]+)" stroke="[^"]*"[^>]*/></g><g class="mark-text '
                         r'role-legend-label"[^>]*><text[^>]*>([^<]*)</text>', svg)
    return [(html.unescape(label), colour.lower()) for colour, label in entries]


def _axis_labels(svg: str, axis: str) -> list[str]:
    """The tick labels of the ``axis`` ("X" or "Y") axis, in the order drawn."""
    for part in svg.split('aria-roledescription="axis" aria-label="')[1:]:
        if part.startswith(f"{axis}-axis"):
            labels = re.search(r'class="mark-text role-axis-label"[^>]*>(.*?)</g>', part)
            return [html.unescape(text) for text in re.findall(r"<text[^>]*>([^<]*)</text>",
                                                               labels.group(1))]
    raise AssertionError(f"no {axis} axis")


CHART_AT = {"tenure_chart": (0, "tenure"), "layer_chart": (1, "cohorts"),
            "retention_chart": (2, "lines"),
            "compare_customers": (0, "overlay"), "compare_cash": (1, "overlay"),
            "compare_retention": (2, "overlay"), "tornado_chart": (3, "bars"),
            "heat_chart": (4, "cells")}
"""Where each chart is in its page (AppTest gives charts without a selection no key),
and its first dataset."""


def _by_key(at: AppTest, key: str):
    index, dataset = CHART_AT[key]
    chart = at.get("vega_lite_chart")[index]
    assert chart.proto.datasets[0].name == dataset, key
    return chart


def _open(page: str, preset: str, lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["lang"] = lang
    at.session_state["preset"] = preset
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


OVERLAYS = ("compare_customers", "compare_cash", "compare_retention")
SELECTIONS = (["current", "preset:whatif_today"],
              # another size, other names, and an order that is not alphabetical
              ["preset:whatif_vip_offers", "preset:textbook_magazine", "current"])


def test_compare_overlays_draw_each_selection_not_a_stale_one() -> None:
    at = _open("pages/compare.py", "whatif_points_programme")
    specs: dict[str, set[str]] = {key: set() for key in OVERLAYS}
    for selection in SELECTIONS:
        at.multiselect(key="compare_choice").set_value(selection).run()
        assert not at.exception, at.exception
        labels = list(at.tabs[0].dataframe[0].value.columns[1:1 + len(selection)])
        assert len(set(labels)) == len(selection)
        for key in OVERLAYS:
            chart = _by_key(at, key)
            frames = _frames(chart)
            assert list(frames) == ["overlay"]
            assert list(dict.fromkeys(frames["overlay"]["scenario"])) == labels
            spec = json.loads(chart.proto.spec)
            assert not any(label in chart.proto.spec for label in labels), key
            specs[key].add(chart.proto.spec)
            # Legend and colours as drawn: the selection's order, one colour each.
            assert _legend(_svg(spec, frames)) == list(zip(labels, SERIES, strict=False))
    assert SELECTIONS[1] != sorted(SELECTIONS[1])
    assert all(len(sent) == 1 for sent in specs.values()), "the spec followed the data"


def test_tornado_and_heat_map_follow_their_data_through_one_template() -> None:
    """Two scenarios (other levers, other order) and two lever pairs through one template."""
    sent: dict[str, set[str]] = {"tornado_chart": set()}
    for preset in ("textbook_magazine", "whatif_points_programme"):
        at = _open("pages/compare.py", preset)
        chart = _by_key(at, "tornado_chart")
        frames = _frames(chart)
        bars = frames["bars"]
        order = list(dict.fromkeys(bars.sort_values("rank", kind="stable")["field"]))
        assert _axis_labels(_svg(json.loads(chart.proto.spec), frames), "Y") == order
        assert not any(field in chart.proto.spec for field in order)
        sent["tornado_chart"].add(chart.proto.spec)
        swing = (bars.groupby("field", sort=False)["end"].agg(lambda e: e.max() - e.min()))
        assert list(swing.loc[order]) == sorted(swing, reverse=True)   # largest first
        assert frames["base"]["base"].iloc[0] == pytest.approx(bars["start"].iloc[0])
    assert len(sent["tornado_chart"]) == 1

    for x_label, y_label in (("Renewal price", "Discount rate"),
                             ("Discount rate", "First-year price")):
        at.selectbox(key="heat_x").set_value(x_label).run()
        at.selectbox(key="heat_y").set_value(y_label).run()
        chart = _by_key(at, "heat_chart")
        frames = _frames(chart)
        cells = frames["cells"]
        svg = _svg(json.loads(chart.proto.spec), frames)
        xs = cells.drop_duplicates("x").sort_values("x_value")["x"]
        ys = cells.drop_duplicates("y").sort_values("y_value", ascending=False)["y"]
        assert _axis_labels(svg, "X") == list(xs) and _axis_labels(svg, "Y") == list(ys)
        encoding = json.loads(chart.proto.spec)["layer"][0]["encoding"]
        assert encoding["x"]["sort"] == {"field": "x_value", "op": "min"}
        assert encoding["x"]["title"] == x_label and encoding["y"]["title"] == y_label


def test_clv_charts_are_one_template_over_each_scenarios_data() -> None:
    sent: dict[str, set[str]] = {"tenure_chart": set(), "layer_chart": set(),
                                 "retention_chart": set()}
    for preset in ("textbook_magazine", "textbook_five_cohorts"):
        at = _open("pages/clv.py", preset)
        for key in sent:
            sent[key].add(_by_key(at, key).proto.spec)
        result = run_cohort(scenario_io.load(ROOT / "scenarios" / f"{preset}.toml"))
        layer = _frames(_by_key(at, "layer_chart"))["cohorts"]
        cohorts = result.cohorts        # the layers: the cohorts that ever had a customer
        alive = cohorts[cohorts.groupby("cohort_year")["customers"].transform("max") > 0.05]
        assert sorted(layer["customers"]) == sorted(alive["customers"].round(1))
        assert set(layer["cohort"]) == {str(c) for c in alive["cohort_year"].unique()}
        tenure = _frames(_by_key(at, "tenure_chart"))["tenure"]
        current = tenure[tenure["series"] == "Your scenario"]["discounted_profit"]
        assert current.tolist() == pytest.approx(result.tenure["discounted_profit"].tolist())
        lines = _frames(_by_key(at, "retention_chart"))["lines"]
        assert set(lines["series"]) == {"All customers (aggregate)",
                                        "Any single cohort (by tenure)"}
    assert all(len(specs) == 1 for specs in sent.values()), "a CLV spec followed the data"
    at = _open("pages/clv.py", "textbook_magazine", lang="zh")     # one template per language
    for key, specs in sent.items():
        assert _by_key(at, key).proto.spec not in specs, key


def test_builders_hold_no_inline_data() -> None:
    """Every template builder draws only named datasets (the data travel separately)."""
    from ui.charts import layer_cake_chart, retention_lines_chart, tenure_value_chart
    from ui.compare_charts import heat_map_chart, overlay_chart, tornado_chart

    builders = [(layer_cake_chart, ("t", "x", "y", "l")),
                (retention_lines_chart, ("t", "x", "y", "l", ("a", "b"))),
                (tenure_value_chart, ("t", "x", "y", "l", ("a", "b"))),
                (overlay_chart, ("year", "customers", "t", "x", "y", "l", ",.0f")),
                (tornado_chart, ("t", "x", "down", "up")),
                (heat_map_chart, ("t", "x", "y", "v"))]
    for builder, labels in builders:
        spec = json.dumps(template_spec(builder, labels, {}))
        assert '"values"' not in spec and '"data": {"name"' in spec, builder.__name__
