"""Altair builders for the "Your data" page (pure functions, labels translated).

Templates over named datasets, as :mod:`ui.loyalty_charts`: a chart depends only on its
translated labels (built and validated once by :func:`ui.charts.show_template_chart`),
each rerun sends only the frames made by the ``*_data`` functions.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.charts import _HEIGHT, LEGEND, _check_rows
from ui.palette import BAR_OUTLINE, MUTED, SERIES_COLOURS, colour_scale, dash_scale

__all__ = ["survival_fit_chart", "survival_fit_data", "share_bars_chart", "share_bars_data",
           "p_alive_chart", "p_alive_data"]

FIT_COLOURS = (SERIES_COLOURS[6], SERIES_COLOURS[0], SERIES_COLOURS[1])
"""Actual (black dots), fitted (blue), constant retention (orange)."""


def survival_fit_data(lines: pd.DataFrame, holdout: int | None,
                      label: str) -> dict[str, pd.DataFrame]:
    """Datasets of :func:`survival_fit_chart`.

    Args:
        lines: ``age, series, share`` (series translated; share a fraction).
        holdout: the last fitted age when a holdout was used, else None.
        label: the holdout rule's translated label.
    """
    rule = pd.DataFrame({"age": [holdout] if holdout is not None else [],
                         "label": [label] if holdout is not None else []})
    return {"lines": _check_rows(lines[["age", "series", "share"]].dropna()), "holdout": rule}


def survival_fit_chart(title: str, x_title: str, y_title: str, legend_title: str,
                       series: tuple[str, ...]) -> alt.LayerChart:
    """Share of a cohort still active by age: fitted and constant retention (lines), actual
    (dots on top), and a dashed rule at the end of the fitted periods.

    ``series``: the translated series names in colour order (actual, fitted, constant).
    """
    colour = alt.Color("series:N", title=legend_title,
                       scale=alt.Scale(domain=list(series), range=list(FIT_COLOURS)),
                       legend=alt.Legend(orient="bottom", title=None, labelLimit=300, columns=1,
                                         symbolStrokeWidth=2.5, symbolSize=160))
    base = alt.Chart(alt.NamedData(name="lines")).encode(
        x=alt.X("age:Q", title=x_title, axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("share:Q", title=y_title, axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1])),
        color=colour,
        tooltip=[alt.Tooltip("series:N", title=legend_title),
                 alt.Tooltip("age:Q", title=x_title),
                 alt.Tooltip("share:Q", title=y_title, format=".1%")])
    actual = alt.datum.series == series[0]
    models = base.transform_filter(~actual).mark_line(strokeWidth=2.5).encode(
        strokeDash=alt.StrokeDash("series:N", legend=None,
                                  scale=dash_scale(series[1:])))
    observed = base.transform_filter(actual).mark_line(
        point=alt.OverlayMarkDef(size=60, filled=True), strokeWidth=1.5)
    rule = alt.Chart(alt.NamedData(name="holdout")).mark_rule(
        strokeDash=[3, 3], color=MUTED).encode(x=alt.X("age:Q"))
    text = alt.Chart(alt.NamedData(name="holdout")).mark_text(
        align="left", dx=4, dy=-6, color=MUTED, fontSize=12).encode(
        x=alt.X("age:Q"), y=alt.YValue(0), text=alt.Text("label:N"))
    return alt.layer(models, observed, rule, text, title=title).properties(height=_HEIGHT + 80)


def share_bars_data(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Dataset of :func:`share_bars_chart` from ``group, measure, share`` (group and measure
    translated; share a fraction of all customers or of all spend)."""
    return {"bars": _check_rows(frame[["group", "measure", "share"]])}


def share_bars_chart(title: str, group_title: str, share_title: str, legend_title: str,
                     order: tuple[str, ...]) -> alt.Chart:
    """Horizontal grouped bars: each group's (segment's, tier's) share of customers beside its
    share of spend, one row per group. ``order``: the translated groups, top to bottom."""
    return (
        alt.Chart(alt.NamedData(name="bars"), title=title,
                  height=alt.Step(11))
        .mark_bar(stroke=BAR_OUTLINE, strokeWidth=1)
        .encode(
            y=alt.Y("group:N", title=group_title, sort=list(order),
                    axis=alt.Axis(labelLimit=alt.ExprRef(
                        "containerSize()[0] < 600 ? 110 : 220"))),
            yOffset=alt.YOffset("measure:N"),
            x=alt.X("share:Q", title=share_title, axis=alt.Axis(format=".0%")),
            color=alt.Color("measure:N", title=legend_title, scale=colour_scale(),
                            legend=LEGEND),
            strokeDash=alt.StrokeDash("measure:N", title=legend_title, scale=dash_scale(),
                                      legend=LEGEND),
            tooltip=[alt.Tooltip("group:N", title=group_title),
                     alt.Tooltip("measure:N", title=legend_title),
                     alt.Tooltip("share:Q", title=share_title, format=".1%")],
        )
    )


def p_alive_data(bins: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Dataset of :func:`p_alive_chart` from ``low, high, customers`` (P(alive) bins)."""
    return {"bins": _check_rows(bins[["low", "high", "customers"]])}


def p_alive_chart(title: str, x_title: str, y_title: str) -> alt.Chart:
    """Customers by probability of being alive, as a histogram over [0, 1]."""
    return (
        alt.Chart(alt.NamedData(name="bins"), title=title, height=_HEIGHT)
        .mark_bar(color=SERIES_COLOURS[0], binSpacing=1)
        .encode(
            x=alt.X("low:Q", title=x_title, bin="binned",
                    axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
            x2=alt.X2("high:Q"),
            y=alt.Y("customers:Q", title=y_title),
            tooltip=[alt.Tooltip("low:Q", title=x_title, format=".0%"),
                     alt.Tooltip("high:Q", format=".0%"),
                     alt.Tooltip("customers:Q", title=y_title, format=",")],
        )
    )
