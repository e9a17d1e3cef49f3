"""Altair chart builders: tidy data frame in, ``alt.Chart`` out (pure functions).

Titles and axis labels are passed in already translated, so builders know
nothing of languages and can be tested on their ``to_dict()``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

import altair as alt
import pandas as pd

__all__ = ["MAX_CHART_ROWS", "show_template_chart", "template_spec", "vega_lite_spec",
           "layer_cake_chart", "layer_cake_data", "retention_lines_chart", "retention_lines_data",
           "tenure_value_chart", "tenure_value_data"]

MAX_CHART_ROWS = 5000
"""Largest dataset a chart may carry to the browser (rows)."""

_HEIGHT = 320


def vega_lite_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite spec with its data inline, without Altair's schema validation.

    Validation walks the whole Vega-Lite JSON schema (about 15 ms per chart on every
    rerun); the builders here are validated once in the tests instead
    (tests/app/test_charts.py). Altair's default theme sizes (300 × 300) are dropped so
    the chart fills its column, as ``st.altair_chart`` does.
    """
    spec = chart.to_dict(validate=False)
    view = spec.get("config", {}).get("view", {})
    for size in ("continuousWidth", "continuousHeight"):
        view.pop(size, None)
    if "view" in spec.get("config", {}) and not view:
        del spec["config"]["view"]
    if "config" in spec and not spec["config"]:
        del spec["config"]
    return spec


@functools.lru_cache(maxsize=128)
def _template_json(builder: Callable[..., alt.TopLevelMixin], labels: tuple[Any, ...]) -> str:
    chart = builder(*labels)
    chart.to_dict()                       # validate once per template
    return json.dumps(vega_lite_spec(chart))


def template_spec(builder: Callable[..., alt.TopLevelMixin], labels: tuple[Any, ...],
                  datasets: Mapping[str, Any]) -> dict[str, Any]:
    """The Vega-Lite spec of ``builder(*labels)`` (built and validated once per labels,
    cached) with ``datasets`` (name → data) as its named datasets."""
    spec = json.loads(_template_json(builder, labels))
    spec["datasets"] = dict(datasets)
    return spec


def show_template_chart(container: Any, builder: Callable[..., alt.TopLevelMixin],
                        labels: tuple[Any, ...], datasets: Mapping[str, pd.DataFrame],
                        key: str, stretch: bool = False) -> None:
    """Draw a chart over named datasets: ``builder(*labels)`` is built and validated once
    (cached on the labels), each call sends only ``datasets`` (name → frame).
    ``stretch``: fill the container's width."""
    spec = template_spec(builder, labels, datasets)
    if stretch:
        spec["width"] = "container"         # a layered spec stretches only when it says so
    container.vega_lite_chart(spec=spec, key=key, width="stretch" if stretch else None)


def _check_rows(frame: pd.DataFrame) -> pd.DataFrame:
    if len(frame) > MAX_CHART_ROWS:
        raise ValueError(f"chart data has {len(frame)} rows; aggregate to at most {MAX_CHART_ROWS}")
    return frame


def layer_cake_data(cohorts: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Dataset of :func:`layer_cake_chart` from ``year, cohort_year, customers``."""
    frame = cohorts[["year", "cohort_year", "customers"]]
    return {"cohorts": _check_rows(frame.assign(customers=frame["customers"].round(1)))}


def layer_cake_chart(title: str, x_title: str, y_title: str, legend_title: str) -> alt.Chart:
    """Stacked area of customers by calendar year, one layer per acquisition-year cohort:
    a template over the dataset ``cohorts`` (:func:`layer_cake_data`)."""
    return (
        alt.Chart(alt.NamedData(name="cohorts"), title=title, height=_HEIGHT)
        .mark_area(opacity=0.85, interpolate="step-after")
        .encode(
            x=alt.X("year:O", title=x_title),
            y=alt.Y("customers:Q", title=y_title, stack="zero"),
            color=alt.Color("cohort_year:O", title=legend_title,
                            scale=alt.Scale(scheme="blues", reverse=True)),
            order=alt.Order("cohort_year:O"),
            tooltip=[alt.Tooltip("year:O", title=x_title),
                     alt.Tooltip("cohort_year:O", title=legend_title),
                     alt.Tooltip("customers:Q", title=y_title, format=",.0f")],
        )
    )


def retention_lines_data(lines: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Dataset of :func:`retention_lines_chart` from ``year, series, retention`` (retention
    as a fraction, series translated); years without a retention are left out."""
    frame = lines[["year", "series", "retention"]]
    return {"lines": _check_rows(frame.dropna(subset=["retention"]))}


def retention_lines_chart(title: str, x_title: str, y_title: str,
                          legend_title: str) -> alt.Chart:
    """Retention (%) over years, one line per series (e.g. aggregate vs a single cohort):
    a template over the dataset ``lines`` (:func:`retention_lines_data`)."""
    return (
        alt.Chart(alt.NamedData(name="lines"), title=title, height=_HEIGHT)
        .mark_line(point=True, strokeWidth=3)
        .encode(
            x=alt.X("year:O", title=x_title),
            y=alt.Y("retention:Q", title=y_title, axis=alt.Axis(format=".0%"),
                    scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", title=legend_title),
            strokeDash=alt.StrokeDash("series:N", title=legend_title),   # one legend, both
            tooltip=[alt.Tooltip("year:O", title=x_title),
                     alt.Tooltip("series:N", title=legend_title),
                     alt.Tooltip("retention:Q", title=y_title, format=".1%")],
        )
    )


def tenure_value_data(tenure: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Dataset of :func:`tenure_value_chart` from ``tenure_year, series, discounted_profit``
    (series translated: the current scenario and its reference)."""
    return {"tenure": _check_rows(tenure[["tenure_year", "series", "discounted_profit"]])}


def tenure_value_chart(title: str, x_title: str, y_title: str, legend_title: str) -> alt.Chart:
    """Discounted profit by tenure year, current scenario against its reference: a template
    over the dataset ``tenure`` (:func:`tenure_value_data`)."""
    return (
        alt.Chart(alt.NamedData(name="tenure"), title=title, height=_HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X("tenure_year:O", title=x_title),
            xOffset=alt.XOffset("series:N"),
            y=alt.Y("discounted_profit:Q", title=y_title),
            color=alt.Color("series:N", title=legend_title),
            tooltip=[alt.Tooltip("tenure_year:O", title=x_title),
                     alt.Tooltip("series:N", title=legend_title),
                     alt.Tooltip("discounted_profit:Q", title=y_title, format=",.0f")],
        )
    )
