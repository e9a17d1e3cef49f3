"""Altair chart builders: tidy data frame in, ``alt.Chart`` out (pure functions).

Titles and axis labels are passed in already translated, so builders know
nothing of languages and can be tested on their ``to_dict()``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa

from ui.palette import BAR_OUTLINE, colour_scale, dash_scale, shape_scale

__all__ = ["MAX_CHART_ROWS", "LEGEND", "AUTOSIZE", "show_template_chart", "template_spec",
           "vega_lite_spec", "layer_cake_chart", "layer_cake_data", "retention_lines_chart",
           "retention_lines_data",
           "tenure_value_chart", "tenure_value_data",
           "presenting_spec", "PRESENTING_SCALE", "PRESENTING_FONTS"]

MAX_CHART_ROWS = 5000
"""Largest dataset a chart may carry to the browser (rows)."""

_HEIGHT = 320
"""Plot-area height of a chart (px): legible from the back of a room, and on a phone."""

COHORT_LAYERS = 8
"""Most layers the layer cake stacks (the Okabe-Ito colours); older cohorts are grouped."""

LEGEND = alt.Legend(orient="bottom", direction="vertical", labelLimit=300, symbolSize=160,
                    symbolStrokeWidth=2.5, columns=1)
"""Legend under the plot, one series a row: with the charts' ``fit-x`` autosize it adds
height below the plot instead of taking it from the plot (many scenarios) or taking a
narrow column's width (a phone)."""

_COHORT_LEGEND = alt.Legend(orient="bottom", direction="horizontal", columns=4, symbolSize=140)
"""Cohort names are short (``3``, ``1-2``): four to a row under the plot."""

AUTOSIZE = {"type": "fit-x", "contains": "padding"}
"""Width: the container's; height: the plot area's own (``_HEIGHT``), legends and titles
added around it. (Streamlit's default, ``fit``, squeezes the plot into the height.)"""


def vega_lite_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite spec with its data inline, without Altair's schema validation.

    Validation walks the whole Vega-Lite JSON schema (about 15 ms per chart on every
    rerun); the builders here are validated once in the tests instead
    (tests/app/test_charts.py). Altair's default theme sizes (300 × 300) are dropped so
    the chart fills its column, as ``st.altair_chart`` does; the plot keeps its height
    (:data:`AUTOSIZE`). Charts draw as SVG (sharp on a projector, in a screenshot and when
    zoomed; a few hundred marks each).
    """
    spec = chart.to_dict(validate=False)
    spec.setdefault("autosize", dict(AUTOSIZE))
    spec.setdefault("usermeta", {"embedOptions": {"renderer": "svg"}})
    view = spec.get("config", {}).get("view", {})
    for size in ("continuousWidth", "continuousHeight"):
        view.pop(size, None)
    if "view" in spec.get("config", {}) and not view:
        del spec["config"]["view"]
    if "config" in spec and not spec["config"]:
        del spec["config"]
    return spec


@functools.lru_cache(maxsize=128)
def _template_json(builder: Callable[..., alt.TopLevelMixin], labels: tuple[Any, ...]) -> str:
    chart = builder(*labels)
    chart.to_dict()                       # validate once per template
    return json.dumps(vega_lite_spec(chart))


def template_spec(builder: Callable[..., alt.TopLevelMixin], labels: tuple[Any, ...],
                  datasets: Mapping[str, Any]) -> dict[str, Any]:
    """The Vega-Lite spec of ``builder(*labels)`` (built and validated once per labels,
    cached) with ``datasets`` (name → data) as its named datasets."""
    spec = json.loads(_template_json(builder, labels))
    spec["datasets"] = dict(datasets)
    return spec


def arrow_dataset(frame: Any) -> Any:
    """``frame`` as the Arrow table Streamlit sends a chart: numbers, flags and text column
    by column (NaN and None as null, as Streamlit's own pandas conversion gives them), in
    half the time of ``pyarrow.Table.from_pandas`` (0.2 against 0.5 ms for a chart's few
    dozen rows, on every lever move). Anything else is returned as it is (Streamlit
    converts it)."""
    if not isinstance(frame, pd.DataFrame) or not frame.columns.is_unique:
        return frame
    columns = {}
    for name, column in frame.items():
        if column.dtype.kind in "biuf":
            columns[str(name)] = pa.array(column.to_numpy(), from_pandas=True)
        elif column.dtype.kind == "O":              # text (pandas' str dtype, or objects)
            values = column.tolist()
            if all(v is None for v in values):
                columns[str(name)] = pa.nulls(len(values))
                continue
            try:
                columns[str(name)] = pa.array(values, type=pa.large_string(), from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):      # not text: Streamlit's way
                return frame
        else:
            return frame
    return pa.table(columns)


PRESENTING_SCALE = 1.3
"""How much taller charts are in presentation mode (their letters grow to
:data:`PRESENTING_FONTS`); the lesson charts draw themselves larger (``enlarge=False``)."""

PRESENTING_FONTS = {"label": 16, "title": 18, "chart_title": 21}
"""Font sizes (px) of axis and legend labels, their titles and chart titles in
presentation mode."""

_AXIS_CHANNELS = ("x", "y")
_LEGEND_CHANNELS = ("color", "fill", "stroke", "strokeDash", "shape", "size", "opacity")


def _bigger_guides(encoding: dict[str, Any]) -> None:
    fonts = {"labelFontSize": PRESENTING_FONTS["label"],
             "titleFontSize": PRESENTING_FONTS["title"]}
    for channels, guide in ((_AXIS_CHANNELS, "axis"), (_LEGEND_CHANNELS, "legend")):
        for channel in channels:
            enc = encoding.get(channel)
            if isinstance(enc, dict) and enc.get(guide, {}) is not None:
                enc[guide] = {**enc.get(guide, {}), **fonts}


def presenting_spec(spec: dict[str, Any], scale: float = PRESENTING_SCALE) -> dict[str, Any]:
    """``spec`` for a projector: every stated height (the top level's, each layer's, each
    concatenated view's) times ``scale``; axis and legend letters and titles at
    :data:`PRESENTING_FONTS` (set on each axis and legend: Streamlit's chart theme
    overrides sizes in the spec's ``config``); text marks ``scale`` times larger. The width
    stays the container's. Changes ``spec`` itself (a fresh copy per draw)."""
    def grow(node: Any) -> None:
        if not isinstance(node, dict):
            return
        if isinstance(node.get("height"), (int, float)):
            node["height"] = round(node["height"] * scale)
        if isinstance(node.get("encoding"), dict):
            _bigger_guides(node["encoding"])
        title = node.get("title")
        if isinstance(title, str) and title:
            node["title"] = {"text": title, "fontSize": PRESENTING_FONTS["chart_title"]}
        elif isinstance(title, dict):
            title["fontSize"] = PRESENTING_FONTS["chart_title"]
        mark = node.get("mark")
        if isinstance(mark, dict) and mark.get("type") == "text":
            mark["fontSize"] = round(mark.get("fontSize", 11) * scale)
        for part in ("layer", "hconcat", "vconcat", "concat"):
            for child in node.get(part, []):
                grow(child)
        grow(node.get("spec"))

    grow(spec)
    return spec


def _presenting() -> bool:
    from ui.presentation import presentation_on  # ui.presentation reads the levers

    return presentation_on()


def show_template_chart(container: Any, builder: Callable[..., alt.TopLevelMixin],
                        labels: tuple[Any, ...], datasets: Mapping[str, pd.DataFrame],
                        key: str, stretch: bool = False, enlarge: bool = True) -> None:
    """Draw a chart over named datasets: ``builder(*labels)`` is built and validated once
    (cached on the labels), each call sends only ``datasets`` (name → frame).
    ``stretch``: fill the container's width. ``enlarge``: in presentation mode, draw it
    taller with larger letters (:func:`presenting_spec`; False for a chart that scales
    itself)."""
    spec = template_spec(builder, labels, datasets)
    spec["datasets"] = {name: arrow_dataset(data) for name, data in spec["datasets"].items()}
    if stretch:
        spec["width"] = "container"         # a layered spec stretches only when it says so
    if enlarge and _presenting():
        spec = presenting_spec(spec)
    container.vega_lite_chart(spec=spec, key=key, width="stretch" if stretch else None)


def _check_rows(frame: pd.DataFrame) -> pd.DataFrame:
    if len(frame) > MAX_CHART_ROWS:
        raise ValueError(f"chart data has {len(frame)} rows; aggregate to at most {MAX_CHART_ROWS}")
    return frame


def layer_cake_data(cohorts: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Dataset of :func:`layer_cake_chart` from ``year, cohort_year, customers``.

    Only cohorts that ever had a customer are drawn (a legend lists what exists). Beyond
    :data:`COHORT_LAYERS` cohorts, consecutive acquisition years are grouped
    (``cohort`` = ``"1-3"``), so every layer keeps a colour of its own; ``cohort_order``
    is the first acquisition year of each layer (the stacking and legend order).
    """
    frame = cohorts[["year", "cohort_year", "customers"]]
    alive = frame.groupby("cohort_year")["customers"].transform("max") > 0.05
    frame = frame[alive]
    years = sorted(frame["cohort_year"].unique())
    groups = np.array_split(np.asarray(years), min(len(years), COHORT_LAYERS)) if years else []
    first = {int(y): int(g[0]) for g in groups for y in g}
    name = {int(g[0]): (f"{g[0]}" if len(g) == 1 else f"{g[0]}-{g[-1]}") for g in groups}
    order = frame["cohort_year"].map(first)
    grouped = (frame.assign(cohort_order=order).groupby(["year", "cohort_order"], as_index=False)
               ["customers"].sum())
    grouped = grouped.assign(cohort=grouped["cohort_order"].map(name),
                             customers=grouped["customers"].round(1))
    return {"cohorts": _check_rows(grouped[["year", "cohort", "cohort_order", "customers"]])}


def layer_cake_chart(title: str, x_title: str, y_title: str, legend_title: str) -> alt.LayerChart:
    """Stacked area of customers by calendar year, one layer per acquisition-year cohort
    (colour, and a point shape on each layer's top edge): a template over the dataset
    ``cohorts`` (:func:`layer_cake_data`)."""
    order = alt.EncodingSortField(field="cohort_order", op="min")
    base = alt.Chart(alt.NamedData(name="cohorts")).encode(
        x=alt.X("year:O", title=x_title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("customers:Q", title=y_title, stack="zero"),
        color=alt.Color("cohort:N", title=legend_title, sort=order, scale=colour_scale(),
                        legend=_COHORT_LEGEND),
        order=alt.Order("cohort_order:Q"),
        tooltip=[alt.Tooltip("year:O", title=x_title),
                 alt.Tooltip("cohort:N", title=legend_title),
                 alt.Tooltip("customers:Q", title=y_title, format=",.0f")])
    area = base.mark_area(opacity=0.8, interpolate="step-after", line=True)
    points = base.mark_point(filled=True, size=60, opacity=1, stroke="white",
                             strokeWidth=0.8).encode(
        shape=alt.Shape("cohort:N", title=legend_title, sort=order, scale=shape_scale(),
                        legend=_COHORT_LEGEND))
    return alt.layer(area, points, title=title, height=_HEIGHT)


def retention_lines_data(lines: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Dataset of :func:`retention_lines_chart` from ``year, series, retention`` (retention
    as a fraction, series translated); years without a retention are left out."""
    frame = lines[["year", "series", "retention"]]
    return {"lines": _check_rows(frame.dropna(subset=["retention"]))}


def retention_lines_chart(title: str, x_title: str, y_title: str, legend_title: str,
                          series: tuple[str, ...]) -> alt.Chart:
    """Retention (%) over years, one line per series (e.g. aggregate vs a single cohort),
    told apart by colour, dash and point shape in one legend: a template over the dataset
    ``lines`` (:func:`retention_lines_data`). ``series``: the translated series names."""
    return (
        alt.Chart(alt.NamedData(name="lines"), title=title, height=_HEIGHT)
        .mark_line(point=alt.OverlayMarkDef(filled=True, size=70), strokeWidth=3)
        .encode(
            x=alt.X("year:O", title=x_title, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("retention:Q", title=y_title, axis=alt.Axis(format=".0%"),
                    scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", title=legend_title, scale=colour_scale(series),
                            legend=LEGEND),
            strokeDash=alt.StrokeDash("series:N", title=legend_title, scale=dash_scale(series),
                                      legend=LEGEND),
            shape=alt.Shape("series:N", title=legend_title, scale=shape_scale(series),
                            legend=LEGEND),
            tooltip=[alt.Tooltip("year:O", title=x_title),
                     alt.Tooltip("series:N", title=legend_title),
                     alt.Tooltip("retention:Q", title=y_title, format=".1%")],
        )
    )


def tenure_value_data(tenure: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Dataset of :func:`tenure_value_chart` from ``tenure_year, series, discounted_profit``
    (series translated: the current scenario and its reference)."""
    return {"tenure": _check_rows(tenure[["tenure_year", "series", "discounted_profit"]])}


def tenure_value_chart(title: str, x_title: str, y_title: str, legend_title: str,
                       series: tuple[str, ...]) -> alt.Chart:
    """Discounted profit by tenure year, current scenario against its reference (colour
    and outline dash): a template over the dataset ``tenure`` (:func:`tenure_value_data`).
    ``series``: the translated series names, current first."""
    return (
        alt.Chart(alt.NamedData(name="tenure"), title=title, height=_HEIGHT)
        .mark_bar(stroke=BAR_OUTLINE, strokeWidth=1.5)
        .encode(
            x=alt.X("tenure_year:O", title=x_title, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("series:N", sort=list(series)),
            y=alt.Y("discounted_profit:Q", title=y_title),
            color=alt.Color("series:N", title=legend_title, scale=colour_scale(series),
                            legend=LEGEND),
            strokeDash=alt.StrokeDash("series:N", title=legend_title, scale=dash_scale(series),
                                      legend=LEGEND),
            tooltip=[alt.Tooltip("tenure_year:O", title=x_title),
                     alt.Tooltip("series:N", title=legend_title),
                     alt.Tooltip("discounted_profit:Q", title=y_title, format=",.0f")],
        )
    )
