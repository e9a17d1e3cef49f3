"""Altair builders for the Optimise page (pure functions: tidy frames in, charts out).

Every chart is a template over named datasets (``ui.charts.show_template_chart``): the
builder takes only translated labels, the data builders only frames and numbers, so a
rerun sends the data alone.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts import _HEIGHT, LEGEND, _check_rows
from ui.palette import BAR_OUTLINE, SERIES_COLOURS, colour_scale, dash_scale, shape_scale

__all__ = ["cell_edges", "equity_heat_data", "equity_heat_chart", "marginal_cost_data",
           "marginal_cost_chart", "portfolio_data", "portfolio_chart", "surface_data",
           "surface_chart", "profile_data", "profile_chart"]

OPTIMUM_COLOUR = SERIES_COLOURS[3]    # vermillion
CURRENT_COLOUR = SERIES_COLOURS[6]    # black
_MARK_SHAPES = ["diamond", "circle"]


def cell_edges(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper edge of the cell around each of the sorted, distinct ``values``
    (midpoints between neighbours; the ends extend by half the next gap, not below 0 for
    non-negative values)."""
    v = np.asarray(values, dtype=float)
    if len(v) == 1:
        half = max(abs(v[0]) * 0.05, 0.5)
        return v - half, v + half
    mid = (v[1:] + v[:-1]) / 2
    low = np.concatenate([[v[0] - (mid[0] - v[0])], mid])
    high = np.concatenate([mid, [v[-1] + (v[-1] - mid[-1])]])
    if v[0] >= 0:
        low = np.maximum(low, 0.0)
    return low, high


def _points(rows: list[tuple[float, float, str]]) -> pd.DataFrame:
    return pd.DataFrame({"x": [r[0] for r in rows], "y": [r[1] for r in rows],
                         "label": [r[2] for r in rows]})


def equity_heat_data(grid: pd.DataFrame, optimum: tuple[float, float],
                     current: tuple[float, float],
                     labels: tuple[str, str]) -> dict[str, pd.DataFrame]:
    """Datasets of :func:`equity_heat_chart`.

    Args:
        grid: :func:`sim.equity_test.equity_grid` (spends, ``equity`` and cell edges).
        optimum, current: ``(acquisition spend, retention spend)`` of the two plans.
        labels: the translated names of the optimum and the current plan.
    """
    cells = grid[["acquisition_spend", "retention_spend", "equity", "a_low", "a_high",
                  "r_low", "r_high"]].dropna(subset=["equity"])
    return {"cells": _check_rows(cells),
            "points": _points([(optimum[0], optimum[1], labels[0]),
                               (current[0], current[1], labels[1])])}


def equity_heat_chart(title: str, x_title: str, y_title: str, legend_title: str,
                      marks_title: str, mark_labels: tuple[str, str]) -> alt.LayerChart:
    """Customer equity per prospect over (acquisition spend, retention spend), the optimum
    and the current plan marked (``mark_labels``: their names, optimum first): a template
    over ``cells`` and ``points``."""
    base = alt.Chart(alt.NamedData(name="cells"), title=title, height=_HEIGHT + 60)
    colour = alt.Scale(scheme="viridis")
    cells = base.mark_rect(strokeWidth=0.6).encode(
        x=alt.X("a_low:Q", title=x_title, scale=alt.Scale(nice=False, zero=True)),
        x2="a_high:Q",
        y=alt.Y("r_low:Q", title=y_title, scale=alt.Scale(nice=False, zero=True)),
        y2="r_high:Q",
        color=alt.Color("equity:Q", title=legend_title, scale=colour),
        stroke=alt.Stroke("equity:Q", scale=colour, legend=None),     # no seams between cells
        tooltip=[alt.Tooltip("acquisition_spend:Q", title=x_title, format=",.2f"),
                 alt.Tooltip("retention_spend:Q", title=y_title, format=",.2f"),
                 alt.Tooltip("equity:Q", title=legend_title, format=",.2f")])
    return alt.layer(cells, *_marker_layers(marks_title, mark_labels)).resolve_scale(
        color="independent", shape="independent")  # the plans: one legend of their own


def _marker_layers(marks_title: str, mark_labels: tuple[str, str]
                   ) -> tuple[alt.Chart, alt.Chart]:
    """Dots and labels of the plans marked (``points``): the optimum a vermillion diamond,
    the other a black circle (one legend)."""
    marks = alt.Chart(alt.NamedData(name="points"))
    scale = alt.Scale(domain=list(mark_labels), range=[OPTIMUM_COLOUR, CURRENT_COLOUR])
    dots = marks.mark_point(size=200, filled=True, stroke="white", strokeWidth=1.5,
                            opacity=1).encode(
        x="x:Q", y="y:Q", color=alt.Color("label:N", title=marks_title, scale=scale,
                                          legend=LEGEND),
        shape=alt.Shape("label:N", title=marks_title, legend=LEGEND,
                        scale=alt.Scale(domain=list(mark_labels), range=_MARK_SHAPES)),
        tooltip=[alt.Tooltip("label:N", title=marks_title),
                 alt.Tooltip("x:Q", format=",.2f"), alt.Tooltip("y:Q", format=",.2f")])
    text = marks.mark_text(align="left", dx=10, dy=-10, fontSize=13, fontWeight="bold").encode(
        x="x:Q", y="y:Q", text="label:N",
        color=alt.Color("label:N", scale=scale, legend=None))
    return dots, text


def marginal_cost_data(curves: pd.DataFrame, series: dict[str, str], value: float,
                       value_label: str, crossings: list[tuple[float, str]]
                       ) -> dict[str, pd.DataFrame]:
    """Datasets of :func:`marginal_cost_chart`.

    Args:
        curves: :func:`sim.equity_test.marginal_cost_curves` (``spend, curve,
            marginal_cost``).
        series: translated name of each curve code (``acquisition``, ``retention``).
        value: V(R*), where both curves cross at their optimal spends.
        value_label: its translated label.
        crossings: ``(optimal spend, translated curve name)`` of each curve.
    """
    frame = curves.assign(series=curves["curve"].map(series))[["spend", "series",
                                                               "marginal_cost"]]
    return {"curves": _check_rows(frame),
            "value": pd.DataFrame({"marginal_cost": [value], "label": [value_label]}),
            "crossings": pd.DataFrame({"spend": [c[0] for c in crossings],
                                       "series": [c[1] for c in crossings],
                                       "marginal_cost": [value] * len(crossings)})}


def marginal_cost_chart(title: str, x_title: str, y_title: str, legend_title: str,
                        order: tuple[str, str]) -> alt.LayerChart:
    """Marginal cost of an acquired and of a retained customer over spend, with the
    customer value V(R*) as a rule they both cross at the optimum: a template over
    ``curves``, ``value`` and ``crossings``. ``order``: the two series' names, acquisition
    first (it gets the solid line in every language)."""
    colour = alt.Color("series:N", title=legend_title, scale=colour_scale(order),
                       legend=LEGEND)
    dash = alt.StrokeDash("series:N", title=legend_title, scale=dash_scale(order),
                          legend=LEGEND)
    lines = alt.Chart(alt.NamedData(name="curves"), title=title, height=_HEIGHT).mark_line(
        strokeWidth=3).encode(
        x=alt.X("spend:Q", title=x_title), y=alt.Y("marginal_cost:Q", title=y_title),
        color=colour, strokeDash=dash,
        tooltip=[alt.Tooltip("series:N", title=legend_title),
                 alt.Tooltip("spend:Q", title=x_title, format=",.2f"),
                 alt.Tooltip("marginal_cost:Q", title=y_title, format=",.2f")])
    value = alt.Chart(alt.NamedData(name="value"))
    rule = value.mark_rule(strokeDash=[6, 4], strokeWidth=2, color=OPTIMUM_COLOUR).encode(
        y="marginal_cost:Q")
    label = value.mark_text(align="right", dx=-4, dy=-8, fontSize=13, fontWeight="bold",
                            color=OPTIMUM_COLOUR).encode(
        y="marginal_cost:Q", text="label:N", x=alt.XValue(alt.ExprRef("width")))
    dots = alt.Chart(alt.NamedData(name="crossings")).mark_point(
        size=160, filled=True, color=OPTIMUM_COLOUR).encode(
        x="spend:Q", y="marginal_cost:Q",
        shape=alt.Shape("series:N", title=legend_title, scale=shape_scale(order),
                        legend=LEGEND),
        tooltip=[alt.Tooltip("series:N", title=legend_title),
                 alt.Tooltip("spend:Q", title=x_title, format=",.2f"),
                 alt.Tooltip("marginal_cost:Q", title=y_title, format=",.2f")])
    return alt.layer(lines, rule, label, dots)


def portfolio_data(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Dataset of :func:`portfolio_chart`: ``portfolio`` (translated), ``npv_gain``,
    ``kind`` (translated: optimum, runner-up, other), best first."""
    return {"bars": _check_rows(frame[["portfolio", "npv_gain", "kind"]])}


def portfolio_chart(title: str, x_title: str, y_title: str, legend_title: str,
                    order: tuple[str, ...]) -> alt.Chart:
    """Best NPV gain of each portfolio, as horizontal bars (best at the top): a template
    over ``bars``. ``order``: the ``kind`` labels in colour order (optimum first)."""
    colour = alt.Color("kind:N", title=legend_title, legend=LEGEND,
                       scale=alt.Scale(domain=list(order), range=[
                           OPTIMUM_COLOUR, *colour_scale(order[1:]).to_dict()["range"]]))
    dash = alt.StrokeDash("kind:N", title=legend_title, legend=LEGEND,
                          scale=dash_scale(order))
    return alt.Chart(alt.NamedData(name="bars"), title=title).mark_bar(
        stroke=BAR_OUTLINE, strokeWidth=1.2).encode(
        y=alt.Y("portfolio:N", title=None, sort="-x",
                axis=alt.Axis(labelLimit=alt.ExprRef("containerSize()[0] < 600 ? 140 : 420"))),
        x=alt.X("npv_gain:Q", title=x_title),
        color=colour, strokeDash=dash,
        tooltip=[alt.Tooltip("portfolio:N", title=y_title),
                 alt.Tooltip("npv_gain:Q", title=x_title, format=",.0f")])


def surface_data(surface: pd.DataFrame, y_column: str, optimum: tuple[float, float],
                 current: tuple[float, float] | None,
                 labels: tuple[str, str]) -> dict[str, pd.DataFrame]:
    """Datasets of :func:`surface_chart` from :attr:`sim.optimise.OptimiseResult.surface`.

    Args:
        y_column: the column on the y axis (``spend_per_customer`` or ``scale``).
        optimum, current: ``(budget, y)`` of the two plans (``current`` None: not marked).
        labels: translated names of the optimum and the current plan.
    """
    frame = surface.rename(columns={y_column: "y"})
    xs, ys = np.unique(frame["budget_per_year"]), np.unique(frame["y"])
    x_low, x_high = cell_edges(xs)
    y_low, y_high = cell_edges(ys)
    xi = np.searchsorted(xs, frame["budget_per_year"])
    yi = np.searchsorted(ys, frame["y"])
    within = (frame["within_budget"] if "within_budget" in frame
              else pd.Series(True, index=frame.index))
    cells = pd.DataFrame({"budget": frame["budget_per_year"], "y": frame["y"],
                          "npv_gain": frame["npv_gain"], "x_low": x_low[xi],
                          "x_high": x_high[xi], "y_low": y_low[yi], "y_high": y_high[yi],
                          "within": within.astype(bool)})
    rows = [(optimum[0], optimum[1], labels[0])]
    if current is not None:
        rows.append((current[0], current[1], labels[1]))
    return {"cells": _check_rows(cells), "points": _points(rows)}


def surface_chart(title: str, x_title: str, y_title: str, legend_title: str,
                  marks_title: str, mark_labels: tuple[str, str]) -> alt.LayerChart:
    """NPV gain over (acquisition budget, programme spend or enrolment), the optimum and
    the current plan marked (``mark_labels``, optimum first), cells over the budget faded:
    a template over ``cells`` and ``points``."""
    base = alt.Chart(alt.NamedData(name="cells"), title=title, height=_HEIGHT + 60)
    colour = alt.Scale(scheme="viridis")
    cells = base.mark_rect(strokeWidth=0.6).encode(
        x=alt.X("x_low:Q", title=x_title, scale=alt.Scale(nice=False, zero=True)),
        x2="x_high:Q",
        y=alt.Y("y_low:Q", title=y_title, scale=alt.Scale(nice=False, zero=True)),
        y2="y_high:Q",
        color=alt.Color("npv_gain:Q", title=legend_title, scale=colour),
        stroke=alt.Stroke("npv_gain:Q", scale=colour, legend=None),
        opacity=alt.condition("datum.within", alt.value(1.0), alt.value(0.3)),  # over budget
        tooltip=[alt.Tooltip("budget:Q", title=x_title, format=",.0f"),
                 alt.Tooltip("y:Q", title=y_title, format=",.2f"),
                 alt.Tooltip("npv_gain:Q", title=legend_title, format=",.0f")])
    return alt.layer(cells, *_marker_layers(marks_title, mark_labels)).resolve_scale(
        color="independent", shape="independent")  # the plans: one legend of their own


def profile_data(x: np.ndarray, gain: np.ndarray, optimum: tuple[float, float],
                 current: tuple[float, float] | None,
                 labels: tuple[str, str]) -> dict[str, pd.DataFrame]:
    """Datasets of :func:`profile_chart`: the NPV gain along the one lever that moves."""
    rows = [(optimum[0], optimum[1], labels[0])]
    if current is not None:
        rows.append((current[0], current[1], labels[1]))
    return {"profile": _check_rows(pd.DataFrame({"x": np.asarray(x, dtype=float),
                                                 "npv_gain": np.asarray(gain, dtype=float)})),
            "points": _points(rows)}


def profile_chart(title: str, x_title: str, y_title: str, marks_title: str,
                  mark_labels: tuple[str, str]) -> alt.LayerChart:
    """NPV gain along one lever, the optimum and the current plan marked (``mark_labels``,
    optimum first): a template over ``profile`` and ``points``."""
    line = alt.Chart(alt.NamedData(name="profile"), title=title, height=_HEIGHT).mark_line(
        strokeWidth=3, point=True, color=SERIES_COLOURS[0]).encode(
        x=alt.X("x:Q", title=x_title), y=alt.Y("npv_gain:Q", title=y_title),
        tooltip=[alt.Tooltip("x:Q", title=x_title, format=",.2f"),
                 alt.Tooltip("npv_gain:Q", title=y_title, format=",.0f")])
    return alt.layer(line, *_marker_layers(marks_title, mark_labels))
