"""Altair builders of the lesson reveal: the engine's sweep, before/after, the room's guesses.

Templates over named datasets (:func:`ui.charts.show_template_chart`): labels and formats
are passed in translated; ``scale`` (1, or 1.5 in presentation mode) sets the height and the
font sizes (on the axes, titles and legends themselves: Streamlit's theme overrides
``config``). ``fmt`` is a d3 format for the step's unit (``.0%``, ``,.2f``, ``.1f``).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.charts import _check_rows
from ui.palette import NEUTRAL, SERIES_COLOURS, colour_scale, dash_scale

__all__ = ["UNIT_FORMATS", "sweep_data", "sweep_chart", "before_after_data",
           "before_after_chart", "guesses_data", "guesses_chart"]

UNIT_FORMATS = {"pct": ".0%", "money": ",.2f", "times": ".1f"}
"""d3 axis formats per step unit (sim.lesson_steps.LessonStep.unit)."""

_HEIGHT = 300
_TRUTH_COLOUR = SERIES_COLOURS[3]     # vermillion: the engine's answer
_GUESS_COLOUR = SERIES_COLOURS[0]     # blue: the guesses (the trainer's, then the room's)


def _axis(fmt: str | None, scale: float, **extra: object) -> alt.Axis:
    """An axis whose fonts are ``scale`` times the usual (labels 12, title 13 px); set on the
    axis itself, since Streamlit's chart theme overrides the spec's ``config`` fonts."""
    options: dict[str, object] = {"labelFontSize": 12 * scale, "titleFontSize": 13 * scale,
                                  **extra}
    if fmt is not None:
        options["format"] = fmt
    return alt.Axis(**options)


def _y_title_limit(height: int) -> int:
    """Longest y title (px): Streamlit fits the whole chart, axes and title included, into
    ``height``, so the plot is about 55 % of it; a longer rotated title would push the chart's
    title out of the top (it is cut with an ellipsis instead; the tooltip has it whole)."""
    return int(height * 0.55)


def _title(text: str, scale: float) -> alt.TitleParams:
    return alt.TitleParams(text, fontSize=15 * scale)


def _legend(scale: float) -> alt.Legend:
    return alt.Legend(labelFontSize=12 * scale, titleFontSize=13 * scale, labelLimit=300)


def sweep_data(sweep: pd.DataFrame, x: float, value: float,
               guesses: list[tuple[str, float]]) -> dict[str, pd.DataFrame]:
    """Datasets of :func:`sweep_chart`: the curve (``x, value``), the question's point, and
    the guesses to mark (``label, value``: the trainer's guess, the room's median)."""
    return {"curve": _check_rows(sweep[["x", "value"]]),
            "point": pd.DataFrame({"x": [x], "value": [value]}),
            "guesses": pd.DataFrame(guesses, columns=["label", "value"])}


def sweep_chart(title: str, x_title: str, y_title: str, x_format: str, y_format: str,
                legend_title: str, scale: float = 1.0) -> alt.TopLevelMixin:
    """The engine's value across the sweep (line), the question's answer (red point) and
    the guesses as dashed horizontal rules, one colour each (with a legend)."""
    height = int(_HEIGHT * scale)
    x = alt.X("x:Q", title=x_title, axis=_axis(x_format, scale))
    y = alt.Y("value:Q", title=y_title,
              axis=_axis(y_format, scale, titleLimit=_y_title_limit(height)))
    curve = alt.Chart(alt.NamedData(name="curve")).mark_line(
        strokeWidth=3 * scale, color=NEUTRAL).encode(
        x=x, y=y, tooltip=[alt.Tooltip("x:Q", title=x_title, format=x_format),
                           alt.Tooltip("value:Q", title=y_title, format=y_format)])
    point = alt.Chart(alt.NamedData(name="point")).mark_point(
        filled=True, size=260 * scale, color=_TRUTH_COLOUR, shape="diamond").encode(
        x=x, y=y, tooltip=[alt.Tooltip("value:Q", title=y_title, format=y_format)])
    rules = alt.Chart(alt.NamedData(name="guesses")).mark_rule(
        strokeWidth=2.5 * scale).encode(
        y="value:Q", color=alt.Color("label:N", title=legend_title, legend=_legend(scale),
                                     scale=colour_scale()),
        strokeDash=alt.StrokeDash("label:N", title=legend_title, legend=_legend(scale),
                                  scale=dash_scale(offset=1)),
        tooltip=[alt.Tooltip("label:N", title=legend_title),
                 alt.Tooltip("value:Q", title=y_title, format=y_format)])
    return alt.layer(curve, rules, point).properties(title=_title(title, scale), height=height)


def before_after_data(labels: tuple[str, str], before: float,
                      after: float) -> dict[str, pd.DataFrame]:
    """Dataset of :func:`before_after_chart`: two bars, ``label, value``."""
    return {"bars": pd.DataFrame({"label": list(labels), "value": [before, after]})}


def before_after_chart(title: str, y_title: str, y_format: str, order: tuple[str, str],
                       scale: float = 1.0) -> alt.TopLevelMixin:
    """The measure as shipped and after the step's change, as two labelled bars."""
    base = alt.Chart(alt.NamedData(name="bars")).encode(
        x=alt.X("label:N", title=None, sort=list(order), axis=_axis(None, scale, labelAngle=0)),
        y=alt.Y("value:Q", title=y_title,
                axis=_axis(y_format, scale, titleLimit=_y_title_limit(int(_HEIGHT * scale)))))
    bars = base.mark_bar(size=80 * scale).encode(
        color=alt.Color("label:N", sort=list(order), legend=None,
                        scale=alt.Scale(range=[NEUTRAL, _TRUTH_COLOUR])))
    text = base.mark_text(dy=-10 * scale, fontSize=14 * scale, fontWeight="bold").encode(
        text=alt.Text("value:Q", format=y_format))
    return alt.layer(bars, text).properties(title=_title(title, scale),
                                            height=int(_HEIGHT * scale))


def guesses_data(bins: pd.DataFrame, truth: float) -> dict[str, pd.DataFrame]:
    """Datasets of :func:`guesses_chart`: ``low, high, count`` bins and the truth."""
    return {"bins": _check_rows(bins[["low", "high", "count"]]),
            "truth": pd.DataFrame({"value": [truth]})}


def guesses_chart(title: str, x_title: str, y_title: str, x_format: str, truth_label: str,
                  scale: float = 1.0) -> alt.TopLevelMixin:
    """The room's slider guesses as a histogram, with the truth as a red rule."""
    height = int(_HEIGHT * scale)
    bars = alt.Chart(alt.NamedData(name="bins")).mark_bar(
        color=_GUESS_COLOUR, opacity=0.8).encode(
        x=alt.X("low:Q", title=x_title, axis=_axis(x_format, scale), bin="binned"),
        x2="high:Q", y=alt.Y("count:Q", title=y_title, axis=_axis(None, scale, tickMinStep=1)),
        tooltip=[alt.Tooltip("low:Q", format=x_format), alt.Tooltip("high:Q", format=x_format),
                 alt.Tooltip("count:Q", title=y_title)])
    rule = alt.Chart(alt.NamedData(name="truth")).mark_rule(
        color=_TRUTH_COLOUR, strokeWidth=3 * scale).encode(
        x="value:Q", tooltip=[alt.Tooltip("value:Q", title=truth_label, format=x_format)])
    return alt.layer(bars, rule).properties(title=_title(title, scale), height=height)
