"""Altair builders for the "Satisfaction & loyalty" page (pure functions, labels translated).

These charts redraw on every competition-slider move, so they are built as
templates over *named* datasets: the chart depends only on its (translated)
labels and is built once (:func:`ui.charts.show_template_chart` caches it), and
each rerun sends only the data frames made by the ``*_data`` functions.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.charts import _HEIGHT, LEGEND, _check_rows
from ui.palette import MUTED, ZONE_TINTS, colour_scale, dash_scale, shape_scale

__all__ = ["loyalty_curves_chart", "loyalty_curves_data", "quadrant_chart", "quadrant_data"]

ZONE_COLOURS = ZONE_TINTS
"""Defection, indifference, affection (light tints; each zone is also named on the chart)."""

GROUP_OFFSET = 3
"""The population's groups take the series colours after the (up to) three curves'."""

_GROUP_LEGEND = alt.Legend(orient="top-left", fillColor="white", padding=6,
                           strokeColor="#cccccc", labelLimit=180, symbolSize=140)
"""The population's legend sits in the plot's empty corner (high loyalty at low
satisfaction, above every curve), so the curves' legend has the width under the plot to
itself."""


def loyalty_curves_data(curves: pd.DataFrame, zones: pd.DataFrame,
                        population: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Datasets of :func:`loyalty_curves_chart`.

    Args:
        curves: ``satisfaction, loyalty, series, level`` (series already translated;
            level: the curve's position, its colour and dash order).
        zones: ``zone, s_from, s_to`` (zone translated), in order defection → affection.
        population: ``satisfaction, loyalty, share, group`` (group translated).
    """
    return {"curves": _check_rows(curves[["satisfaction", "loyalty", "series", "level"]]),
            "zones": _check_rows(zones.assign(mid=(zones["s_from"] + zones["s_to"]) / 2)),
            "population": _check_rows(population)}


def loyalty_curves_chart(title: str, x_title: str, y_title: str, legend_title: str,
                         group_title: str, zone_labels: tuple[str, ...],
                         groups: tuple[str, ...]) -> alt.LayerChart:
    """Loyalty against satisfaction: shaded zones, one line per competition level (colour
    and dash), and the current population's classes as dots on the current curve (colour
    and shape by group, size = share of customers).

    Args:
        zone_labels: the translated zone names, defection → affection (colour order).
        groups: the population's translated groups (members, others).
    """
    by_level = alt.EncodingSortField(field="level", op="min")   # the curves follow the data
    zone_layer = alt.Chart(alt.NamedData(name="zones")).mark_rect(opacity=0.6).encode(
        x=alt.X("s_from:Q", title=x_title, scale=alt.Scale(domain=[1, 5])), x2=alt.X2("s_to:Q"),
        color=alt.Color("zone:N", legend=None,              # each zone is named on the chart
                        scale=alt.Scale(domain=list(zone_labels), range=list(ZONE_COLOURS))))
    zone_text = alt.Chart(alt.NamedData(name="zones")).mark_text(
        fontSize=14, color=MUTED).encode(x=alt.X("mid:Q"), y=alt.YValue(-8),
                                          text=alt.Text("zone:N"))
    lines = alt.Chart(alt.NamedData(name="curves")).mark_line(strokeWidth=3.5).encode(
        x=alt.X("satisfaction:Q", title=x_title),
        y=alt.Y("loyalty:Q", title=y_title, axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("series:N", title=legend_title, sort=by_level, scale=colour_scale(),
                        legend=LEGEND),
        strokeDash=alt.StrokeDash("series:N", title=legend_title, sort=by_level,
                                  scale=dash_scale(), legend=LEGEND),
        tooltip=[alt.Tooltip("series:N", title=legend_title),
                 alt.Tooltip("satisfaction:Q", title=x_title, format=".2f"),
                 alt.Tooltip("loyalty:Q", title=y_title, format=".1%")])
    dots = alt.Chart(alt.NamedData(name="population")).mark_point(
        opacity=0.9, filled=True, stroke="white", strokeWidth=1).encode(
        x=alt.X("satisfaction:Q"), y=alt.Y("loyalty:Q"),
        size=alt.Size("share:Q", legend=None, scale=alt.Scale(range=[40, 420])),
        color=alt.Color("group:N", title=group_title,
                        scale=colour_scale(groups, offset=GROUP_OFFSET), legend=_GROUP_LEGEND),
        shape=alt.Shape("group:N", title=group_title,
                        scale=shape_scale(groups, offset=GROUP_OFFSET), legend=_GROUP_LEGEND),
        tooltip=[alt.Tooltip("group:N", title=group_title),
                 alt.Tooltip("satisfaction:Q", title=x_title, format=".2f"),
                 alt.Tooltip("loyalty:Q", title=y_title, format=".1%"),
                 alt.Tooltip("share:Q", format=".1%")])
    return alt.layer(zone_layer, zone_text, lines, dots,
                     title=alt.TitleParams(title, offset=16)).properties(
        height=_HEIGHT + 60).resolve_scale(color="independent", strokeDash="independent",
                                           shape="independent")


def quadrant_data(types: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Dataset of :func:`quadrant_chart` from ``attitude, behaviour, label, share``
    (labels translated): adds the cell text and a text colour readable on the cell."""
    percent = (types["share"] * 100).round(0).astype(int).astype(str)
    return {"types": _check_rows(types.assign(
        text=types["label"] + "\n" + percent + " %",
        text_colour=types["share"].gt(0.45).map({True: "white", False: "#222"})))}


def quadrant_chart(title: str, x_title: str, y_title: str, x_order: tuple[str, ...],
                   y_order: tuple[str, ...]) -> alt.LayerChart:
    """The four loyalty types as a 2 × 2 grid: attitude (x) against behaviour (y).

    ``x_order``: attitudes left to right; ``y_order``: behaviours top to bottom.
    """
    base = alt.Chart(alt.NamedData(name="types"), title=title, height=_HEIGHT).encode(
        x=alt.X("attitude:N", title=x_title, sort=list(x_order), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("behaviour:N", title=y_title, sort=list(y_order)))
    cells = base.mark_rect(stroke="white", strokeWidth=3).encode(
        color=alt.Color("share:Q", legend=None, scale=alt.Scale(scheme="blues", domain=[0, 1])))
    text = base.mark_text(fontSize=16, lineBreak="\n", fontWeight="bold").encode(
        text=alt.Text("text:N"), color=alt.Color("text_colour:N", scale=None))
    # The text colours are literal: their scale must not merge with the cells' scale.
    return alt.layer(cells, text).resolve_scale(color="independent")
