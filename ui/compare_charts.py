"""Altair builders for the Compare page: overlaid lines, the tornado and the heat map."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.charts import _HEIGHT, _check_rows

__all__ = ["overlay_chart", "tornado_chart", "heat_map_chart"]


def overlay_chart(frame: pd.DataFrame, x: str, y: str, title: str, x_title: str, y_title: str,
                  legend_title: str, y_format: str = ",.0f") -> alt.Chart:
    """One line per scenario: ``frame`` has ``scenario``, ``x`` and ``y`` columns; colours
    and legend follow the scenarios' order in ``frame``."""
    order = list(dict.fromkeys(frame["scenario"]))
    return alt.Chart(_check_rows(frame), title=title, height=_HEIGHT + 120).mark_line(
        point=True, strokeWidth=2.5).encode(
        x=alt.X(f"{x}:O", title=x_title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format)),
        color=alt.Color("scenario:N", title=legend_title, sort=order,
                        scale=alt.Scale(domain=order, scheme="tableau10"),
                        legend=alt.Legend(orient="bottom", columns=1, labelLimit=480)),
        tooltip=[alt.Tooltip("scenario:N", title=legend_title),
                 alt.Tooltip(f"{x}:O", title=x_title),
                 alt.Tooltip(f"{y}:Q", title=y_title, format=y_format)])


def tornado_chart(frame: pd.DataFrame, base: float, title: str, x_title: str,
                  low_label: str, high_label: str) -> alt.LayerChart:
    """Bars from the metric at the low step to the base and from the base to the high step.

    Args:
        frame: ``field, low, high`` (the metric with the lever moved down / up), sorted
            by swing, largest first.
        base: the metric at the scenario's values (the bars' common edge).
    """
    rows = []
    for _, row in frame.iterrows():
        rows.append({"field": row["field"], "move": low_label, "start": base, "end": row["low"]})
        rows.append({"field": row["field"], "move": high_label, "start": base, "end": row["high"]})
    data = _check_rows(pd.DataFrame(rows, columns=["field", "move", "start", "end"]))
    order = list(frame["field"])
    bars = alt.Chart(data).mark_bar(opacity=0.85).encode(
        y=alt.Y("field:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
        x=alt.X("start:Q", title=x_title, axis=alt.Axis(format=",.0f"),
                scale=alt.Scale(zero=False)), x2=alt.X2("end:Q"),
        color=alt.Color("move:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=[low_label, high_label],
                                        range=["#d62728", "#1f5fae"])),
        tooltip=[alt.Tooltip("field:N"), alt.Tooltip("move:N"),
                 alt.Tooltip("end:Q", title=x_title, format=",.2f")])
    rule = alt.Chart(pd.DataFrame({"base": [base]})).mark_rule(color="#333").encode(
        x=alt.X("base:Q"))
    return alt.layer(bars, rule, title=title).properties(height=alt.Step(30))


def heat_map_chart(frame: pd.DataFrame, title: str, x_title: str, y_title: str,
                   value_title: str) -> alt.LayerChart:
    """The metric over a grid of two levers: ``frame`` has ``x, y, value``."""
    # White text on the darkest cells: beyond 60 % of the extreme on the same side of 0.
    high, low = max(float(frame["value"].max()), 0.0), min(float(frame["value"].min()), 0.0)
    extreme = frame["value"].map(lambda v: (high if v >= 0 else -low) or 1.0)
    data = _check_rows(frame.assign(x=frame["x"].map(lambda v: f"{v:,.4g}"),
                                    y=frame["y"].map(lambda v: f"{v:,.4g}"),
                                    text=frame["value"].map(lambda v: f"{v:,.0f}"),
                                    text_colour=(frame["value"].abs() / extreme).gt(0.6).map(
                                        {True: "white", False: "#222"})))
    x_order = [f"{v:,.4g}" for v in sorted(frame["x"].unique())]
    y_order = [f"{v:,.4g}" for v in sorted(frame["y"].unique(), reverse=True)]
    base = alt.Chart(data, title=title, height=_HEIGHT + 40).encode(
        x=alt.X("x:O", title=x_title, sort=x_order, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("y:O", title=y_title, sort=y_order))
    cells = base.mark_rect().encode(
        color=alt.Color("value:Q", title=value_title, scale=alt.Scale(scheme="redblue",
                                                                      domainMid=0)),
        tooltip=[alt.Tooltip("x:O", title=x_title), alt.Tooltip("y:O", title=y_title),
                 alt.Tooltip("value:Q", title=value_title, format=",.0f")])
    text = base.mark_text(fontSize=12).encode(text=alt.Text("text:N"),
                                              color=alt.Color("text_colour:N", scale=None))
    return alt.layer(cells, text).resolve_scale(color="independent")
