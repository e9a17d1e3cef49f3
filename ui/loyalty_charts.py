"""Altair builders for the "Satisfaction & loyalty" page (pure functions, labels translated).

These charts redraw on every competition-slider move, so they are built as
templates over *named* datasets: the chart depends only on its (translated)
labels and is built once (:func:`ui.charts.show_template_chart` caches it), and
each rerun sends only the data frames made by the ``*_data`` functions.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.charts import _HEIGHT, _check_rows

__all__ = ["loyalty_curves_chart", "loyalty_curves_data", "quadrant_chart", "quadrant_data"]

ZONE_COLOURS = ("#fde0dd", "#f0f0f0", "#e5f5e0")
"""Defection (red tint), indifference (grey), affection (green tint)."""


def loyalty_curves_data(curves: pd.DataFrame, zones: pd.DataFrame,
                        population: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Datasets of :func:`loyalty_curves_chart`.

    Args:
        curves: ``satisfaction, loyalty, series`` (series already translated).
        zones: ``zone, s_from, s_to`` (zone translated), in order defection → affection.
        population: ``satisfaction, loyalty, share, group`` (group translated).
    """
    return {"curves": _check_rows(curves[["satisfaction", "loyalty", "series"]]),
            "zones": _check_rows(zones.assign(mid=(zones["s_from"] + zones["s_to"]) / 2)),
            "population": _check_rows(population)}


def loyalty_curves_chart(title: str, x_title: str, y_title: str, legend_title: str,
                         group_title: str, zone_labels: tuple[str, ...]) -> alt.LayerChart:
    """Loyalty against satisfaction: shaded zones, one line per competition level, and the
    current population's classes as dots on the current curve (size = share of customers).

    ``zone_labels``: the translated zone names, defection → affection (colour order).
    """
    zone_layer = alt.Chart(alt.NamedData(name="zones")).mark_rect(opacity=0.6).encode(
        x=alt.X("s_from:Q", title=x_title, scale=alt.Scale(domain=[1, 5])), x2=alt.X2("s_to:Q"),
        color=alt.Color("zone:N", legend=alt.Legend(title=None, orient="bottom"),
                        scale=alt.Scale(domain=list(zone_labels), range=list(ZONE_COLOURS))))
    zone_text = alt.Chart(alt.NamedData(name="zones")).mark_text(
        fontSize=13, color="#555").encode(x=alt.X("mid:Q"), y=alt.YValue(-8),
                                          text=alt.Text("zone:N"))
    lines = alt.Chart(alt.NamedData(name="curves")).mark_line(strokeWidth=3).encode(
        x=alt.X("satisfaction:Q", title=x_title),
        y=alt.Y("loyalty:Q", title=y_title, axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1])),
        strokeDash=alt.StrokeDash("series:N", title=legend_title),
        tooltip=[alt.Tooltip("series:N", title=legend_title),
                 alt.Tooltip("satisfaction:Q", title=x_title, format=".2f"),
                 alt.Tooltip("loyalty:Q", title=y_title, format=".1%")])
    dots = alt.Chart(alt.NamedData(name="population")).mark_circle(
        opacity=0.85, stroke="white").encode(
        x=alt.X("satisfaction:Q"), y=alt.Y("loyalty:Q"),
        size=alt.Size("share:Q", legend=None, scale=alt.Scale(range=[30, 400])),
        color=alt.Color("group:N", title=group_title,
                        scale=alt.Scale(range=["#1f5fae", "#d62728"])),
        tooltip=[alt.Tooltip("group:N", title=group_title),
                 alt.Tooltip("satisfaction:Q", title=x_title, format=".2f"),
                 alt.Tooltip("loyalty:Q", title=y_title, format=".1%"),
                 alt.Tooltip("share:Q", format=".1%")])
    return alt.layer(zone_layer, zone_text, lines, dots,
                     title=alt.TitleParams(title, offset=12)).properties(
        height=_HEIGHT + 60).resolve_scale(color="independent")


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
    base = alt.Chart(alt.NamedData(name="types"), title=title, height=_HEIGHT,
                     width=_HEIGHT).encode(
        x=alt.X("attitude:N", title=x_title, sort=list(x_order), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("behaviour:N", title=y_title, sort=list(y_order)))
    cells = base.mark_rect(stroke="white", strokeWidth=3).encode(
        color=alt.Color("share:Q", legend=None, scale=alt.Scale(scheme="blues", domain=[0, 1])))
    text = base.mark_text(fontSize=16, lineBreak="\n", fontWeight="bold").encode(
        text=alt.Text("text:N"), color=alt.Color("text_colour:N", scale=None))
    # The text colours are literal: their scale must not merge with the cells' scale.
    return alt.layer(cells, text).resolve_scale(color="independent")
