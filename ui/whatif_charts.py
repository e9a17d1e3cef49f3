"""Altair builders for the executive dashboard and the ROI & TCO page (pure functions).

Titles and labels come in translated; data come in tidy and aggregated by year.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

from sim.frames import frame_of
from ui.charts import _HEIGHT, LEGEND, _check_rows
from ui.palette import BAR_OUTLINE, NEUTRAL, SERIES_COLOURS, colour_scale, dash_scale, shape_scale

__all__ = ["band_chart", "band_data", "cash_chart", "cash_data", "tco_stack_chart",
           "tco_stack_data", "roi_curve_chart", "roi_curve_data"]


def band_data(bands: pd.DataFrame, labels: Mapping[str, str]) -> dict[str, pd.DataFrame]:
    """Dataset of :func:`band_chart`: ``year, series, expected, p10, p90``.

    Args:
        bands: :meth:`sim.whatif.WhatIf.series_bands` (``year, run, expected, p10, p90``).
        labels: the shown name of each run (``scenario``, ``baseline``), translated.
    """
    return {"bands": _check_rows(frame_of({
        "year": bands["year"].to_numpy(),
        "series": [labels[run] for run in bands["run"].tolist()],
        **{name: bands[name].to_numpy() for name in ("expected", "p10", "p90")}}))}


def band_chart(title: str, x_title: str, y_title: str, legend_title: str,
               order: tuple[str, ...]) -> alt.LayerChart:
    """Expected line with its P10-P90 band, one colour per series (scenario, baseline):
    a template over the dataset ``bands`` (:func:`band_data`).

    Args:
        order: series labels in colour order (scenario first).
    """
    colour = alt.Color("series:N", title=legend_title, scale=colour_scale(order), legend=LEGEND)
    base = alt.Chart(alt.NamedData(name="bands"), title=title, height=_HEIGHT).encode(
        x=alt.X("year:O", title=x_title, axis=alt.Axis(labelAngle=0)), color=colour)
    band = base.mark_area(opacity=0.2).encode(     # the legend is the lines'
        y=alt.Y("p10:Q", title=y_title), y2=alt.Y2("p90:Q"),
        color=alt.Color("series:N", title=legend_title, scale=colour_scale(order), legend=None))
    line = base.mark_line(point=alt.OverlayMarkDef(filled=True, size=70), strokeWidth=3).encode(
        y=alt.Y("expected:Q", title=y_title),
        strokeDash=alt.StrokeDash("series:N", title=legend_title, scale=dash_scale(order),
                                  legend=LEGEND),
        shape=alt.Shape("series:N", title=legend_title, scale=shape_scale(order),
                        legend=LEGEND),
        tooltip=[alt.Tooltip("year:O", title=x_title),
                 alt.Tooltip("series:N", title=legend_title),
                 alt.Tooltip("expected:Q", title=y_title, format=",.0f"),
                 alt.Tooltip("p10:Q", title="P10", format=",.0f"),
                 alt.Tooltip("p90:Q", title="P90", format=",.0f")])
    # The bands' colours are their own (same domain and range) and draw no legend: the
    # legend is the lines' (colour, dash and point shape).
    return alt.layer(band, line).resolve_scale(color="independent", strokeDash="independent",
                                               shape="independent")


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
    frame = frame_of({
        "year": np.tile(cash["year"].to_numpy(), 2),
        "series": np.repeat(list(series_labels), len(cash)),
        "rank": np.repeat([0, 1], len(cash)),
        "value": np.concatenate([cash["cumulative"].to_numpy(),
                                 cash["cumulative_discounted"].to_numpy()])})
    last = float(cash["year"].max()) if len(cash) else 0.0
    marker = frame_of({"year": np.array([] if payback_year is None else [payback_year],
                                        dtype=float),
                       "label": [] if payback_year is None else [payback_label],
                       # in the right half the label goes left of the rule (not clipped)
                       "right": [] if payback_year is None else [payback_year > last / 2]})
    return {"cash": _check_rows(frame[["year", "series", "rank", "value"]]),
            "zero": frame_of({"value": [0.0]}), "payback": marker}


def cash_chart(title: str, x_title: str, y_title: str, legend_title: str) -> alt.LayerChart:
    """Cumulative incremental cash flow by year-end, with the payback point marked: a
    template over the datasets ``cash``, ``zero`` and ``payback`` (:func:`cash_data`)."""
    lines = alt.Chart(alt.NamedData(name="cash"), title=title, height=_HEIGHT).mark_line(
        strokeWidth=3)          # monthly points would merge into a band: dash and colour
    order = alt.EncodingSortField(field="rank", op="min")    # plain first, then discounted
    lines = lines.encode(
        x=alt.X("year:Q", title=x_title, axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("value:Q", title=y_title),
        color=alt.Color("series:N", title=legend_title, sort=order, scale=colour_scale(),
                        legend=LEGEND),
        strokeDash=alt.StrokeDash("series:N", title=legend_title, sort=order,
                                  scale=dash_scale(), legend=LEGEND),
        tooltip=[alt.Tooltip("year:Q", title=x_title),
                 alt.Tooltip("series:N", title=legend_title),
                 alt.Tooltip("value:Q", title=y_title, format=",.0f")])
    zero = (alt.Chart(alt.NamedData(name="zero")).mark_rule(color=NEUTRAL)
            .encode(y=alt.Y("value:Q")))
    marker = alt.Chart(alt.NamedData(name="payback"))
    rule = marker.mark_rule(strokeDash=[6, 4], strokeWidth=2, color=SERIES_COLOURS[3]).encode(
        x=alt.X("year:Q"))
    texts = [marker.transform_filter(f"{'' if right else '!'}datum.right").mark_text(
        align="right" if right else "left", dx=-6 if right else 6, dy=-8, fontSize=14,
        color=SERIES_COLOURS[3]).encode(
        x=alt.X("year:Q"), text=alt.Text("label:N"), y=alt.YValue(12))
        for right in (False, True)]
    return alt.layer(zero, lines, rule, *texts)


_TWO_COLUMNS = alt.Legend(orient="bottom", direction="vertical", columns=2, labelLimit=150,
                          symbolSize=160, symbolStrokeWidth=2.5)
"""The ten cost elements in two columns (half the height; fits a phone's width)."""


def tco_stack_data(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Dataset of :func:`tco_stack_chart`: ``year, element, cost`` (element translated),
    and ``rank``, each element's position in ``frame`` (its colour and stacking order).
    Elements that cost nothing in any year are left out (the legend lists what is drawn)."""
    data = frame[["year", "element", "cost"]]
    data = data[data.groupby("element")["cost"].transform(lambda c: c.abs().max()) > 0]
    return {"tco": _check_rows(data.assign(rank=pd.factorize(data["element"])[0]))}


def tco_stack_chart(title: str, x_title: str, y_title: str, legend_title: str) -> alt.Chart:
    """Stacked bars of TCO by year and cost element (colour and outline dash, in the data's
    order): a template over the dataset ``tco`` (:func:`tco_stack_data`)."""
    order = alt.EncodingSortField(field="rank", op="min")
    return alt.Chart(alt.NamedData(name="tco"), title=title, height=_HEIGHT).mark_bar(
        stroke=BAR_OUTLINE, strokeWidth=1.2).encode(
        x=alt.X("year:O", title=x_title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("cost:Q", title=y_title, stack="zero"),
        color=alt.Color("element:N", title=legend_title, sort=order, scale=colour_scale(),
                        legend=_TWO_COLUMNS),
        strokeDash=alt.StrokeDash("element:N", title=legend_title, sort=order,
                                  scale=dash_scale(), legend=_TWO_COLUMNS),
        order=alt.Order("rank:Q"),
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
        strokeWidth=3, color=SERIES_COLOURS[0]).encode(
        x=alt.X("benefit_share:Q", title=x_title, axis=alt.Axis(format=".0%")),
        y=alt.Y("roi:Q", title=y_title, axis=alt.Axis(format=".0%")),
        tooltip=[alt.Tooltip("benefit_share:Q", title=x_title, format=".0%"),
                 alt.Tooltip("roi:Q", title=y_title, format=".1%")])
    zero = alt.Chart(alt.NamedData(name="zero")).mark_rule(color=NEUTRAL).encode(
        y=alt.Y("roi:Q"))
    point = alt.Chart(alt.NamedData(name="assumed")).mark_point(
        size=180, filled=True, shape="diamond", color=SERIES_COLOURS[3]).encode(
        x=alt.X("benefit_share:Q"), y=alt.Y("roi:Q"))
    return alt.layer(zero, line, point)
