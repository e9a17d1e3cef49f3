"""Presentation of comparisons: which scenarios can be compared, KPI formatting, caching."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

from sim import display
from sim.compare import COMPARE_KPIS, Comparison, compare
from sim.scenario import Scenario
from sim.sensitivity import METRICS, heat_map, tornado
from ui import kpi_format, state
from ui.i18n import current_lang, fmt_number, load_catalog, local_text, t, unit_label
from ui.layout import column_widths

__all__ = ["CURRENT", "choices", "kpi_display", "kpi_tables", "kpi_columns",
           "differs_columns", "cached_compare",
           "cached_tornado", "cached_heat_map", "tornado_display", "field_label", "bar_label",
           "differences_display"]

CURRENT = "current"
"""Choice key of the scenario as currently edited."""


def field_label(path: str) -> str:
    """A lever field's name in the current language (:func:`sim.display.field_label`)."""
    return display.field_label(path, current_lang())


def choices() -> dict[str, tuple[str, Scenario]]:
    """``{choice key: (label, scenario)}``: the current edits, the presets, the uploads."""
    current = state.current_scenario()
    suffix = t("compare.edited_suffix") if state.is_edited() else ""
    found: dict[str, tuple[str, Scenario]] = {
        CURRENT: (t("compare.current_label", name=local_text(current.name)) + suffix, current)}
    for preset_id, name in state.preset_options().items():
        found[f"preset:{preset_id}"] = (name, state.preset_scenario(preset_id))
    for label, scenario in state.uploads().items():
        found[f"upload:{label}"] = (t("compare.upload_label", name=label), scenario)
    return found


def kpi_display(result: Comparison, currency: str) -> pd.DataFrame:
    """The side-by-side KPI table as text: one row per KPI, a column per scenario and a
    ``Δ`` column per non-reference scenario."""
    long = result.kpi_table().set_index(["kpi", "scenario"])
    rows = []
    for kpi in COMPARE_KPIS:
        row: dict[str, Any] = {t("compare.col_kpi"): kpi_format.kpi_label(kpi)}
        for label in result.labels:
            row[label] = kpi_format.format_kpi(kpi, long.loc[(kpi, label), "value"], currency,
                                               reason=long.loc[(kpi, label), "reason"])
        for i, label in enumerate(result.labels):
            if i != result.reference:
                row[t("compare.col_delta", label=label)] = kpi_format.format_kpi(
                    kpi, long.loc[(kpi, label), "delta"], currency, delta=True)
        rows.append(row)
    return pd.DataFrame(rows)


DELTAS_INLINE = 3
"""Most scenarios whose Δ columns sit in the KPI table itself; beyond, they make a second
table, so neither needs more than seven columns (fits 1440 px beside the sidebar)."""

KPI_WIDTH, FIELD_WIDTH, UNIT_WIDTH = 290, 250, 80
"""Column widths (px) of the comparison's tables: the figure's name (KPI table), the
field's name and its unit ("what differs")."""

TABLE_WIDTH = 940
"""Width (px) the comparison's tables keep within: the page's width at 1440 px beside the
sidebar. Each scenario's column takes an equal share of what the first columns leave,
between :data:`VALUE_WIDTHS` (a table of many scenarios stays on the page)."""

VALUE_WIDTHS = (100, 260)


def _value_width(first: int, values: int) -> int:
    share = (TABLE_WIDTH - first) // max(values, 1)
    return max(VALUE_WIDTHS[0], min(VALUE_WIDTHS[1], share))


def kpi_tables(result: Comparison, currency: str) -> list[pd.DataFrame]:
    """:func:`kpi_display` as one table (up to :data:`DELTAS_INLINE` scenarios) or as two:
    the values, then the Δ columns (each with the KPI column first)."""
    table = kpi_display(result, currency)
    n = len(result.labels)
    if n <= DELTAS_INLINE:
        return [table]
    columns = list(table.columns)
    return [table[columns[:1 + n]], table[columns[:1] + columns[1 + n:]]]


def kpi_columns(table: pd.DataFrame) -> dict[str, Any]:
    """Column widths of a KPI table (a scenario's full name in its header's tooltip)."""
    return column_widths(table.columns,
                         (KPI_WIDTH, _value_width(KPI_WIDTH, len(table.columns) - 1)))


def differs_columns(table: pd.DataFrame) -> dict[str, Any]:
    """Column widths of the "what differs" table: field, unit, then one per scenario."""
    first = FIELD_WIDTH + UNIT_WIDTH
    return column_widths(table.columns, (FIELD_WIDTH, UNIT_WIDTH,
                                         _value_width(first, len(table.columns) - 2)))


def _cell(value: object) -> str:
    """A parameter's value as table text: the catalog's not-available text for none (an
    absent optional section), ``true``/``false`` as in the file, lists as ``[a, b]``."""
    if value is None or (isinstance(value, float) and value != value):
        return t("common.not_available")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def differences_display(differs: pd.DataFrame) -> pd.DataFrame:
    """The "What differs" table as text: translated column names and units, one column per
    scenario, no ``None`` (:func:`_cell`)."""
    shown = differs.assign(unit=differs["unit"].map(unit_label))
    for column in shown.columns[2:]:
        shown[column] = shown[column].map(_cell)
    return shown.rename(columns={"field": t("compare.col_field"), "unit": t("compare.col_unit")})


def _step_text(row: pd.Series) -> str:
    if row["step_kind"] == "relative":
        return t("compare.step_relative", step=fmt_number(row["step"] * 100, 0))
    key = "step_unit." + re.sub(r"[^a-z0-9]+", "_", str(row["unit"]).lower()).strip("_")
    unit = t(key) if key in load_catalog("en") else unit_label(str(row["unit"]))
    return t("compare.step_absolute", step=f"{row['step']:g}", unit=unit)


def _basis_text(row: pd.Series) -> str:
    if row["elasticity_basis"] == "rate":
        return t("compare.basis_rate", rate=fmt_number(row["basis_value"], 1))
    return t(f"compare.basis_{row['elasticity_basis']}")


def bar_label(row: pd.Series) -> str:
    """A tornado bar's name: the lever's name, with its step if that is absolute
    (e.g. ``Retention uplift (±1 percentage points)``)."""
    label = field_label(str(row["field"]))
    return label if row["step_kind"] == "relative" else f"{label} ({_step_text(row)})"


def tornado_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The tornado's table with translated column names (every lever, values used): the
    step each lever moved by, the results, each metric's elasticity and effect per unit,
    and what the elasticity is relative to. Rows in the order of ``frame``."""
    frame = frame.assign(label=frame["field"].map(field_label),
                         unit=frame["unit"].map(unit_label),
                         step_text=frame.apply(_step_text, axis=1),
                         basis_text=frame.apply(_basis_text, axis=1))
    columns = {"label": t("compare.col_lever"), "field": t("compare.col_field"),
               "unit": t("compare.col_unit"), "value": t("compare.col_value"),
               "step_text": t("compare.col_step"),
               "low_value": t("compare.col_low_value"),
               "high_value": t("compare.col_high_value")}
    for metric in METRICS:
        name = t(f"kpi.{metric}")
        columns |= {f"{metric}_low": t("compare.col_metric_low", metric=name),
                    f"{metric}_high": t("compare.col_metric_high", metric=name),
                    f"{metric}_swing": t("compare.col_metric_swing", metric=name),
                    f"{metric}_elasticity": t("compare.col_metric_elasticity", metric=name),
                    f"{metric}_per_unit": t("compare.col_metric_per_unit", metric=name)}
    columns |= {"basis_text": t("compare.col_basis")}
    return frame[list(columns)].rename(columns=columns)


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=state.BY_CONTENT)
def cached_compare(scenarios: tuple[Scenario, ...], reference: int,
                   labels: tuple[str, ...]) -> Comparison:
    """Cached :func:`sim.compare.compare`."""
    return compare(list(scenarios), reference, list(labels))


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=state.BY_CONTENT)
def cached_tornado(scenario: Scenario, step: float) -> pd.DataFrame:
    """Cached :func:`sim.sensitivity.tornado` (ranked by |NPV elasticity|)."""
    return tornado(scenario, step)


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=state.BY_CONTENT)
def cached_heat_map(scenario: Scenario, x_path: str, y_path: str, span: float, points: int,
                    metric: str) -> pd.DataFrame:
    """Cached :func:`sim.sensitivity.heat_map`."""
    return heat_map(scenario, x_path, y_path, span, points, metric)
