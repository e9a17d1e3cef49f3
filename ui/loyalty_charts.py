"""Altair builders for the "Satisfaction & loyalty" page (pure functions, labels translated)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.charts import _HEIGHT, _check_rows

__all__ = ["loyalty_curves_chart", "quadrant_chart"]

ZONE_COLOURS = ("#fde0dd", "#f0f0f0", "#e5f5e0")
"""Defection (red tint), indifference (grey), affection (green tint)."""


def loyalty_curves_chart(curves: pd.DataFrame, zones: pd.DataFrame, population: pd.DataFrame,
                         title: str, x_title: str, y_title: str, legend_title: str,
                         group_title: str) -> alt.LayerChart:
    """Loyalty against satisfaction: shaded zones, one line per competition level, and the
    current population's classes as dots on the current curve (size = share of customers).

    Args:
        curves: ``satisfaction, loyalty, series`` (series already translated).
        zones: ``zone, s_from, s_to`` (zone translated), in order defection → affection.
        population: ``satisfaction, loyalty, share, group`` (group translated).
    """
    zone_layer = alt.Chart(_check_rows(zones)).mark_rect(opacity=0.6).encode(
        x=alt.X("s_from:Q", title=x_title, scale=alt.Scale(domain=[1, 5])), x2="s_to:Q",
        color=alt.Color("zone:N", legend=alt.Legend(title=None, orient="bottom"),
                        scale=alt.Scale(domain=list(zones["zone"]), range=list(ZONE_COLOURS))))
    zone_text = alt.Chart(zones.assign(mid=(zones["s_from"] + zones["s_to"]) / 2)).mark_text(
        fontSize=13, color="#555").encode(x="mid:Q", y=alt.value(-8), text="zone:N")
    lines = alt.Chart(_check_rows(curves)).mark_line(strokeWidth=3).encode(
        x=alt.X("satisfaction:Q", title=x_title),
        y=alt.Y("loyalty:Q", title=y_title, axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1])),
        strokeDash=alt.StrokeDash("series:N", title=legend_title),
        tooltip=[alt.Tooltip("series:N", title=legend_title),
                 alt.Tooltip("satisfaction:Q", title=x_title, format=".2f"),
                 alt.Tooltip("loyalty:Q", title=y_title, format=".1%")])
    dots = alt.Chart(_check_rows(population)).mark_circle(opacity=0.85, stroke="white").encode(
        x="satisfaction:Q", y="loyalty:Q",
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


def quadrant_chart(types: pd.DataFrame, title: str, x_title: str, y_title: str,
                   x_order: list[str], y_order: list[str]) -> alt.LayerChart:
    """The four loyalty types as a 2 × 2 grid: attitude (x) against behaviour (y).

    Args:
        types: ``attitude, behaviour, label, share`` (labels translated).
        x_order: attitudes left to right; y_order: behaviours top to bottom.
    """
    data = _check_rows(types.assign(text=types["label"] + "\n"
                                    + (types["share"] * 100).round(0).astype(int).astype(str)
                                    + " %"))
    base = alt.Chart(data, title=title, height=_HEIGHT, width=_HEIGHT).encode(
        x=alt.X("attitude:N", title=x_title, sort=x_order, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("behaviour:N", title=y_title, sort=y_order))
    cells = base.mark_rect(stroke="white", strokeWidth=3).encode(
        color=alt.Color("share:Q", legend=None, scale=alt.Scale(scheme="blues", domain=[0, 1])))
    text = base.mark_text(fontSize=16, lineBreak="\n", fontWeight="bold").encode(
        text="text:N",
        color=alt.condition(alt.datum.share > 0.45, alt.value("white"), alt.value("#222")))
    return alt.layer(cells, text)
