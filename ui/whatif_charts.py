"""Altair builders for the executive dashboard and the ROI & TCO page (pure functions).

Titles and labels come in translated; data come in tidy and aggregated by year.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts import _HEIGHT, _check_rows

__all__ = ["band_chart", "band_data", "cash_chart", "cash_data", "tco_stack_chart",
           "tco_stack_data", "roi_curve_chart", "roi_curve_data"]


SERIES_COLOURS = ("#1f5fae", "#8a8a8a", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
"""Scenario first (strong blue), baseline second (grey), then further series."""


def band_data(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Dataset of :func:`band_chart`: ``year, series, expected, p10, p90``."""
    return {"bands": _check_rows(frame[["year", "series", "expected", "p10", "p90"]])}


def band_chart(title: str, x_title: str, y_title: str, legend_title: str,
               order: tuple[str, ...]) -> alt.LayerChart:
    """Expected line with its P10-P90 band, one colour per series (scenario, baseline):
    a template over the dataset ``bands`` (:func:`band_data`).

    Args:
        order: series labels in colour order (scenario first).
    """
    colour = alt.Color("series:N", title=legend_title,
                       scale=alt.Scale(domain=list(order),
                                       range=list(SERIES_COLOURS[:len(order)])))
    base = alt.Chart(alt.NamedData(name="bands"), title=title, height=_HEIGHT).encode(
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


def cash_data(cash: pd.DataFrame, series_labels: tuple[str, str], payback_year: float | None,
              payback_label: str) -> dict[str, pd.DataFrame]:
    """Datasets of :func:`cash_chart`.

    Args:
        cash: :meth:`sim.whatif.WhatIf.incremental_cash` (``year, cumulative,
            cumulative_discounted``).
        series_labels: the translated names of the plain and the discounted line.
        payback_year: years until the cumulative flow turns non-negative, or None (then
            the ``payback`` dataset is empty and no marker is drawn).
    """
    frame = pd.DataFrame({
        "year": np.tile(cash["year"].to_numpy(), 2),
        "series": np.repeat(list(series_labels), len(cash)),
        "value": np.concatenate([cash["cumulative"].to_numpy(),
                                 cash["cumulative_discounted"].to_numpy()])})
    marker = pd.DataFrame({"year": np.array([] if payback_year is None else [payback_year],
                                            dtype=float),
                           "label": [] if payback_year is None else [payback_label]})
    return {"cash": _check_rows(frame[["year", "series", "value"]]),
            "zero": pd.DataFrame({"value": [0.0]}), "payback": marker}


def cash_chart(title: str, x_title: str, y_title: str, legend_title: str) -> alt.LayerChart:
    """Cumulative incremental cash flow by year-end, with the payback point marked: a
    template over the datasets ``cash``, ``zero`` and ``payback`` (:func:`cash_data`)."""
    lines = alt.Chart(alt.NamedData(name="cash"), title=title, height=_HEIGHT).mark_line(
        point=True, strokeWidth=3)
    lines = lines.encode(
        x=alt.X("year:Q", title=x_title, axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("value:Q", title=y_title),
        color=alt.Color("series:N", title=legend_title),
        tooltip=[alt.Tooltip("year:Q", title=x_title),
                 alt.Tooltip("series:N", title=legend_title),
                 alt.Tooltip("value:Q", title=y_title, format=",.0f")])
    zero = (alt.Chart(alt.NamedData(name="zero")).mark_rule(color="gray")
            .encode(y=alt.Y("value:Q")))
    marker = alt.Chart(alt.NamedData(name="payback"))
    rule = marker.mark_rule(strokeDash=[6, 4], strokeWidth=2, color="#d62728").encode(
        x=alt.X("year:Q"))
    text = marker.mark_text(align="left", dx=6, dy=-8, fontSize=14, color="#d62728").encode(
        x=alt.X("year:Q"), text=alt.Text("label:N"), y=alt.YValue(12))
    return alt.layer(zero, lines, rule, text)


def tco_stack_data(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Dataset of :func:`tco_stack_chart`: ``year, element, cost`` (element translated)."""
    return {"tco": _check_rows(frame[["year", "element", "cost"]])}


def tco_stack_chart(title: str, x_title: str, y_title: str, legend_title: str) -> alt.Chart:
    """Stacked bars of TCO by year and cost element: a template over the dataset ``tco``
    (:func:`tco_stack_data`)."""
    return alt.Chart(alt.NamedData(name="tco"), title=title, height=_HEIGHT).mark_bar().encode(
        x=alt.X("year:O", title=x_title),
        y=alt.Y("cost:Q", title=y_title, stack="zero"),
        color=alt.Color("element:N", title=legend_title),
        tooltip=[alt.Tooltip("year:O", title=x_title), alt.Tooltip("element:N", title=legend_title),
                 alt.Tooltip("cost:Q", title=y_title, format=",.0f")])


def roi_curve_data(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Datasets of :func:`roi_curve_chart` from ``benefit_share`` (fraction of the assumed
    benefit) and ``roi`` (fraction): the curve where ROI is defined, and the assumed case
    (100 %)."""
    data = _check_rows(frame[["benefit_share", "roi"]].dropna(subset=["roi"]))
    return {"curve": data, "zero": pd.DataFrame({"roi": [0.0]}),
            "assumed": data[(data["benefit_share"] - 1.0).abs() < 1e-9]}


def roi_curve_chart(title: str, x_title: str, y_title: str) -> alt.LayerChart:
    """ROI as the benefit assumption moves, the assumed case (100 %) marked: a template over
    the datasets ``curve``, ``zero`` and ``assumed`` (:func:`roi_curve_data`)."""
    line = alt.Chart(alt.NamedData(name="curve"), title=title, height=_HEIGHT).mark_line(
        strokeWidth=3).encode(
        x=alt.X("benefit_share:Q", title=x_title, axis=alt.Axis(format=".0%")),
        y=alt.Y("roi:Q", title=y_title, axis=alt.Axis(format=".0%")),
        tooltip=[alt.Tooltip("benefit_share:Q", title=x_title, format=".0%"),
                 alt.Tooltip("roi:Q", title=y_title, format=".1%")])
    zero = alt.Chart(alt.NamedData(name="zero")).mark_rule(color="gray").encode(
        y=alt.Y("roi:Q"))
    point = alt.Chart(alt.NamedData(name="assumed")).mark_point(
        size=160, filled=True, color="#d62728").encode(x=alt.X("benefit_share:Q"),
                                                       y=alt.Y("roi:Q"))
    return alt.layer(zero, line, point)
