"""Altair builders for the executive dashboard and the ROI & TCO page (pure functions).

Titles and labels come in translated; data come in tidy and aggregated by year.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.charts import _HEIGHT, _check_rows

__all__ = ["band_chart", "cash_chart", "tco_stack_chart", "roi_curve_chart"]


SERIES_COLOURS = ("#1f5fae", "#8a8a8a", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
"""Scenario first (strong blue), baseline second (grey), then further series."""


def band_chart(frame: pd.DataFrame, title: str, x_title: str, y_title: str,
               legend_title: str, order: list[str]) -> alt.LayerChart:
    """Expected line with its P10-P90 band, one colour per series (scenario, baseline).

    Args:
        frame: columns ``year, series, expected, p10, p90``.
        order: series labels in colour order (scenario first).
    """
    data = _check_rows(frame)
    colour = alt.Color("series:N", title=legend_title,
                       scale=alt.Scale(domain=order, range=list(SERIES_COLOURS[:len(order)])))
    base = alt.Chart(data, title=title, height=_HEIGHT).encode(
        x=alt.X("year:O", title=x_title), color=colour)
    band = base.mark_area(opacity=0.25).encode(y=alt.Y("p10:Q", title=y_title), y2=alt.Y2("p90:Q"))
    line = base.mark_line(point=True, strokeWidth=3).encode(
        y=alt.Y("expected:Q", title=y_title),
        tooltip=[alt.Tooltip("year:O", title=x_title),
                 alt.Tooltip("series:N", title=legend_title),
                 alt.Tooltip("expected:Q", title=y_title, format=",.0f"),
                 alt.Tooltip("p10:Q", title="P10", format=",.0f"),
                 alt.Tooltip("p90:Q", title="P90", format=",.0f")])
    return alt.layer(band, line)


def cash_chart(frame: pd.DataFrame, payback_year: float | None, title: str, x_title: str,
               y_title: str, legend_title: str, payback_label: str) -> alt.LayerChart:
    """Cumulative incremental cash flow by year-end, with the payback point marked.

    Args:
        frame: columns ``year`` (end of year, numeric), ``series``, ``value``.
        payback_year: years until the cumulative flow turns non-negative, or None.
    """
    data = _check_rows(frame)
    lines = alt.Chart(data, title=title, height=_HEIGHT).mark_line(point=True, strokeWidth=3)
    lines = lines.encode(
        x=alt.X("year:Q", title=x_title, axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("value:Q", title=y_title),
        color=alt.Color("series:N", title=legend_title),
        tooltip=[alt.Tooltip("year:Q", title=x_title),
                 alt.Tooltip("series:N", title=legend_title),
                 alt.Tooltip("value:Q", title=y_title, format=",.0f")])
    zero = (alt.Chart(pd.DataFrame({"value": [0.0]})).mark_rule(color="gray")
            .encode(y=alt.Y("value:Q")))
    layers = [zero, lines]
    if payback_year is not None:
        marker = pd.DataFrame({"year": [payback_year], "label": [payback_label]})
        rule = (alt.Chart(marker)
                .mark_rule(strokeDash=[6, 4], strokeWidth=2, color="#d62728")
                .encode(x=alt.X("year:Q")))
        text = (alt.Chart(marker)
                .mark_text(align="left", dx=6, dy=-8, fontSize=14, color="#d62728")
                .encode(x=alt.X("year:Q"), text=alt.Text("label:N"), y=alt.YValue(12)))
        layers += [rule, text]
    return alt.layer(*layers)


def tco_stack_chart(frame: pd.DataFrame, title: str, x_title: str, y_title: str,
                    legend_title: str) -> alt.Chart:
    """Stacked bars of TCO by year and cost element.

    Args:
        frame: columns ``year, element, cost`` (element already translated).
    """
    data = _check_rows(frame)
    return alt.Chart(data, title=title, height=_HEIGHT).mark_bar().encode(
        x=alt.X("year:O", title=x_title),
        y=alt.Y("cost:Q", title=y_title, stack="zero"),
        color=alt.Color("element:N", title=legend_title),
        tooltip=[alt.Tooltip("year:O", title=x_title), alt.Tooltip("element:N", title=legend_title),
                 alt.Tooltip("cost:Q", title=y_title, format=",.0f")])


def roi_curve_chart(frame: pd.DataFrame, title: str, x_title: str, y_title: str) -> alt.LayerChart:
    """ROI as the benefit assumption moves; the assumed case (100 %) marked.

    Args:
        frame: columns ``benefit_share`` (fraction of the assumed benefit), ``roi`` (fraction).
    """
    data = _check_rows(frame.dropna(subset=["roi"]))
    line = alt.Chart(data, title=title, height=_HEIGHT).mark_line(strokeWidth=3).encode(
        x=alt.X("benefit_share:Q", title=x_title, axis=alt.Axis(format=".0%")),
        y=alt.Y("roi:Q", title=y_title, axis=alt.Axis(format=".0%")),
        tooltip=[alt.Tooltip("benefit_share:Q", title=x_title, format=".0%"),
                 alt.Tooltip("roi:Q", title=y_title, format=".1%")])
    zero = alt.Chart(pd.DataFrame({"roi": [0.0]})).mark_rule(color="gray").encode(y=alt.Y("roi:Q"))
    assumed = data[(data["benefit_share"] - 1.0).abs() < 1e-9]
    point = alt.Chart(assumed).mark_point(size=160, filled=True, color="#d62728").encode(
        x=alt.X("benefit_share:Q"), y=alt.Y("roi:Q"))
    return alt.layer(zero, line, point)
