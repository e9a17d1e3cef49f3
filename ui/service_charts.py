"""Altair builders for the "Service operations" page (pure functions, labels translated).

Templates over *named* datasets (:func:`ui.charts.show_template_chart`): each chart is
built once per set of labels and each run sends only the frames made by ``*_data``.
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from ui.charts import _HEIGHT, LEGEND, _check_rows
from ui.palette import BAR_OUTLINE, SERIES_COLOURS, TEXT, dash_scale

__all__ = ["week_data", "week_chart", "wait_chart", "hourly_data", "hourly_chart"]

_DAY_TICKS = [12 + 24 * d for d in range(7)]


def _day_axis(x_title: str, days: tuple[str, ...]) -> alt.X:
    """Hour of the week (0-168) labelled by day at each midday, gridlines at midnight."""
    names = "[" + ", ".join(f"'{d}'" for d in days) + "]"
    return alt.X("hour:Q", title=x_title, scale=alt.Scale(domain=[0, 168], nice=False),
                 axis=alt.Axis(values=_DAY_TICKS, labelExpr=f"{names}[floor(datum.value / 24)]",
                               grid=False))


def week_data(week: pd.DataFrame, year: int) -> dict[str, pd.DataFrame]:
    """Dataset ``week`` of :func:`week_chart` and :func:`wait_chart`: one row per hour of
    the year's typical week (``hour, queue, agents, wait_minutes, arrivals``)."""
    frame = week[week["year"] == year][["hour", "queue", "agents", "wait_minutes", "arrivals"]]
    frame = frame.assign(queue=frame["queue"].round(3), wait_minutes=frame["wait_minutes"]
                         .round(3), arrivals=frame["arrivals"].round(2))
    return {"week": _check_rows(frame.reset_index(drop=True))}


def week_chart(title: str, x_title: str, queue_title: str, agents_title: str,
               days: tuple[str, ...]) -> alt.LayerChart:
    """Contacts waiting (line, left axis) and agents on duty (shaded steps, right axis)
    over a typical week, one legend naming both: a template over the dataset ``week``
    (:func:`week_data`)."""
    queue_colour, agents_colour = SERIES_COLOURS[3], SERIES_COLOURS[5]
    measures = alt.Scale(domain=[queue_title, agents_title], range=[queue_colour, agents_colour])
    colour = alt.Color("measure:N", title=None, scale=measures,     # full-strength symbols
                       legend=alt.Legend(orient="bottom", direction="vertical", columns=1,
                                         labelLimit=300, symbolOpacity=1, symbolSize=160,
                                         symbolType="square"))
    base = alt.Chart(alt.NamedData(name="week"))
    agents = base.transform_calculate(measure=json.dumps(agents_title)).mark_area(
        interpolate="step-after", opacity=0.35, line=True).encode(
        x=_day_axis(x_title, days),
        y=alt.Y("agents:Q", title=agents_title, axis=alt.Axis(orient="right",
                                                               titleColor=TEXT)),
        color=colour,
        tooltip=[alt.Tooltip("hour:Q", title=x_title), alt.Tooltip("agents:Q",
                                                                  title=agents_title)])
    queue = base.transform_calculate(measure=json.dumps(queue_title)).mark_line(
        strokeWidth=2.5).encode(
        x=_day_axis(x_title, days),
        y=alt.Y("queue:Q", title=queue_title, axis=alt.Axis(orient="left", titleColor=TEXT)),
        color=colour,
        tooltip=[alt.Tooltip("hour:Q", title=x_title),
                 alt.Tooltip("queue:Q", title=queue_title, format=".2f"),
                 alt.Tooltip("arrivals:Q", format=".1f")])
    return alt.layer(agents, queue, title=title, height=_HEIGHT).resolve_scale(y="independent")


def wait_chart(title: str, x_title: str, y_title: str, days: tuple[str, ...]
               ) -> alt.LayerChart:
    """Mean wait (minutes) of the contacts answered, by the hour they arrived, over a
    typical week: a template over the dataset ``week`` (:func:`week_data`)."""
    line = (alt.Chart(alt.NamedData(name="week"))
            .mark_line(strokeWidth=2.5, color=SERIES_COLOURS[0], point=False)
            .encode(x=_day_axis(x_title, days),
                    y=alt.Y("wait_minutes:Q", title=y_title),
                    tooltip=[alt.Tooltip("hour:Q", title=x_title),
                             alt.Tooltip("wait_minutes:Q", title=y_title, format=".2f")]))
    return alt.layer(line, title=title, height=_HEIGHT)


def hourly_data(hourly: pd.DataFrame, year: int, goal: float, labels: tuple[str, str]
                ) -> dict[str, pd.DataFrame]:
    """Datasets of :func:`hourly_chart`: ``hours`` (``hour, service_level, offered,
    status``; status = ``labels[0]`` at or above the goal, else ``labels[1]``; hours with
    no contact left out) and ``goal`` (one row)."""
    frame = hourly[(hourly["year"] == year) & (hourly["offered"] > 0)]
    frame = frame[["hour", "service_level", "offered"]].reset_index(drop=True)
    frame["status"] = [labels[0] if v >= goal else labels[1] for v in frame["service_level"]]
    return {"hours": _check_rows(frame), "goal": pd.DataFrame({"goal": [goal]})}


def hourly_chart(title: str, x_title: str, y_title: str, legend_title: str,
                 status: tuple[str, str]) -> alt.LayerChart:
    """Service level by hour of the day (bars coloured by meeting the goal) and the goal
    (a rule): a template over the datasets ``hours`` and ``goal`` (:func:`hourly_data`)."""
    bars = alt.Chart(alt.NamedData(name="hours")).mark_bar(
        stroke=BAR_OUTLINE, strokeWidth=1.2).encode(
        x=alt.X("hour:O", title=x_title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("service_level:Q", title=y_title, axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("status:N", title=legend_title, legend=LEGEND,
                        scale=alt.Scale(domain=list(status),
                                        range=[SERIES_COLOURS[0], SERIES_COLOURS[3]])),
        strokeDash=alt.StrokeDash("status:N", title=legend_title, legend=LEGEND,
                                  scale=dash_scale(status)),
        tooltip=[alt.Tooltip("hour:O", title=x_title),
                 alt.Tooltip("service_level:Q", title=y_title, format=".1%"),
                 alt.Tooltip("offered:Q", format=",.0f")])
    rule = alt.Chart(alt.NamedData(name="goal")).mark_rule(
        strokeDash=[6, 4], color=TEXT, strokeWidth=2).encode(y=alt.Y("goal:Q"))
    return alt.layer(bars, rule, title=title, height=_HEIGHT)
