"""Altair builders for the Compare page: overlaid lines, the tornado and the heat map.

Like the other pages' charts, these are templates over *named* datasets: a builder
takes only translated labels (and code constants such as field names), so
:func:`ui.charts.show_template_chart` builds and validates it once and each rerun
sends only the frames made by the ``*_data`` functions. Whatever follows the data
(the scenarios compared and their colour order, the levers of the tornado and their
order, the heat map's grid values) travels in the data, never in the cached spec.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts import _HEIGHT, LEGEND, _check_rows
from ui.palette import BAR_OUTLINE, SERIES_COLOURS, TEXT, colour_scale, dash_scale, shape_scale

__all__ = ["overlay_chart", "overlay_data", "tornado_chart", "tornado_data", "heat_map_chart",
           "heat_map_data"]


def overlay_data(frame: pd.DataFrame, x: str, y: str) -> dict[str, pd.DataFrame]:
    """Dataset of :func:`overlay_chart` from a frame with ``scenario``, ``x`` and ``y``
    columns: adds ``rank``, each scenario's position in ``frame`` (its colour order)."""
    data = frame[["scenario", x, y]]
    return {"overlay": _check_rows(data.assign(rank=pd.factorize(data["scenario"])[0]))}


def overlay_chart(x: str, y: str, title: str, x_title: str, y_title: str, legend_title: str,
                  y_format: str = ",.0f") -> alt.Chart:
    """One line per scenario: a template over the dataset ``overlay`` (:func:`overlay_data`);
    colours, dashes, point shapes and the legend follow the scenarios' order in the data
    (``rank``). The plot keeps its height whatever the number of scenarios (the legend,
    one scenario a row, is added below it).

    Args:
        x, y: the data's column names for the x axis and the value.
    """
    order = alt.EncodingSortField(field="rank", op="min")
    return alt.Chart(alt.NamedData(name="overlay"), title=title, height=_HEIGHT).mark_line(
        point=alt.OverlayMarkDef(filled=True, size=70), strokeWidth=2.5).encode(
        x=alt.X(f"{x}:O", title=x_title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format)),
        color=alt.Color("scenario:N", title=legend_title, sort=order, scale=colour_scale(),
                        legend=LEGEND),
        strokeDash=alt.StrokeDash("scenario:N", title=legend_title, sort=order,
                                  scale=dash_scale(), legend=LEGEND),
        shape=alt.Shape("scenario:N", title=legend_title, sort=order, scale=shape_scale(),
                        legend=LEGEND),
        tooltip=[alt.Tooltip("scenario:N", title=legend_title),
                 alt.Tooltip(f"{x}:O", title=x_title),
                 alt.Tooltip(f"{y}:Q", title=y_title, format=y_format)])


_LABEL_LIMIT = "containerSize()[0] < 600 ? 120 : 300"
"""The levers' names take at most 120 px on a phone, 300 px on a wider screen."""


def tornado_data(frame: pd.DataFrame, base: float, low_label: str,
                 high_label: str) -> dict[str, pd.DataFrame]:
    """Datasets of :func:`tornado_chart`: ``bars`` (two per lever, from the base to the
    metric with the lever lowered / raised, ``rank`` = the lever's position in ``frame``)
    and ``base`` (the bars' common edge).

    Args:
        frame: ``field, low, high`` (the metric with the lever moved down / up), sorted
            by swing, largest first.
        base: the metric at the scenario's values.
        low_label, high_label: the translated names of the two moves (as in the chart).
    """
    n = len(frame)
    bars = pd.DataFrame({
        "field": np.repeat(frame["field"].to_numpy(dtype=object), 2),
        "move": np.tile(np.array([low_label, high_label], dtype=object), n),
        "start": np.full(2 * n, float(base)),
        "end": np.column_stack([frame["low"].to_numpy(dtype=float),
                                frame["high"].to_numpy(dtype=float)]).reshape(-1),
        "rank": np.repeat(np.arange(n), 2)})
    return {"bars": _check_rows(bars), "base": pd.DataFrame({"base": [float(base)]})}


def tornado_chart(title: str, x_title: str, low_label: str,
                  high_label: str) -> alt.LayerChart:
    """Bars from the metric at the low step to the base and from the base to the high step
    (colour and outline dash by move), levers in the data's order (``rank``): a template
    over the datasets ``bars`` and ``base`` (:func:`tornado_data`)."""
    moves = [low_label, high_label]
    bars = alt.Chart(alt.NamedData(name="bars")).mark_bar(
        opacity=0.9, stroke=BAR_OUTLINE, strokeWidth=1.2).encode(
        y=alt.Y("field:N", sort=alt.EncodingSortField(field="rank", op="min"), title=None,
                axis=alt.Axis(labelLimit=alt.ExprRef(_LABEL_LIMIT))),
        x=alt.X("start:Q", title=x_title, axis=alt.Axis(format=",.0f"),
                scale=alt.Scale(zero=False)), x2=alt.X2("end:Q"),
        color=alt.Color("move:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=moves,
                                        range=[SERIES_COLOURS[3], SERIES_COLOURS[0]])),
        strokeDash=alt.StrokeDash("move:N", title=None, legend=alt.Legend(orient="bottom"),
                                  scale=dash_scale(moves)),
        tooltip=[alt.Tooltip("field:N"), alt.Tooltip("move:N"),
                 alt.Tooltip("end:Q", title=x_title, format=",.2f")])
    rule = alt.Chart(alt.NamedData(name="base")).mark_rule(color=TEXT, strokeWidth=2).encode(
        x=alt.X("base:Q"))
    return alt.layer(bars, rule, title=title).properties(height=alt.Step(30))


def _grid_text(values: pd.Series) -> pd.Series:
    return values.map(lambda v: f"{v:,.4g}")


def heat_map_data(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Dataset of :func:`heat_map_chart` from ``x, y, value`` (the two levers' values and
    the metric): the levers' values as axis text (``x``, ``y``) with their numbers kept for
    the axis order (``x_value``, ``y_value``), the cell text and a text colour readable on
    the cell (white on the darkest cells: beyond 60 % of the extreme on the same side of 0).
    """
    high, low = max(float(frame["value"].max()), 0.0), min(float(frame["value"].min()), 0.0)
    extreme = frame["value"].map(lambda v: (high if v >= 0 else -low) or 1.0)
    return {"cells": _check_rows(pd.DataFrame({
        "x": _grid_text(frame["x"]), "y": _grid_text(frame["y"]),
        "x_value": frame["x"], "y_value": frame["y"], "value": frame["value"],
        "text": frame["value"].map(lambda v: f"{v:,.0f}"),
        "text_colour": (frame["value"].abs() / extreme).gt(0.6).map(
            {True: "white", False: "#222"})}))}


def heat_map_chart(title: str, x_title: str, y_title: str, value_title: str) -> alt.LayerChart:
    """The metric over a grid of two levers (x ascending, y descending): a template over
    the dataset ``cells`` (:func:`heat_map_data`)."""
    base = alt.Chart(alt.NamedData(name="cells"), title=title, height=_HEIGHT + 40).encode(
        x=alt.X("x:O", title=x_title, sort=alt.EncodingSortField(field="x_value", op="min"),
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("y:O", title=y_title,
                sort=alt.EncodingSortField(field="y_value", op="min", order="descending")))
    cells = base.mark_rect().encode(
        color=alt.Color("value:Q", title=value_title, scale=alt.Scale(scheme="redblue",
                                                                      domainMid=0)),
        tooltip=[alt.Tooltip("x:O", title=x_title), alt.Tooltip("y:O", title=y_title),
                 alt.Tooltip("value:Q", title=value_title, format=",.0f")])
    text = base.mark_text(fontSize=12).encode(text=alt.Text("text:N"),
                                              color=alt.Color("text_colour:N", scale=None))
    return alt.layer(cells, text).resolve_scale(color="independent")
