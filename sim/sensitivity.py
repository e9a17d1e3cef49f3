"""Which lever moves the result most: a tornado over the numeric levers and a 2-D grid.

The levers are the scenario's numeric fields marked ``lever=True`` in the
schema. Each is moved by a stated relative step (default ±10 % of its current
value, clipped to the field's allowed range) with everything else fixed, and
the scenario is rerun in the expected-value cohort engine. Fields whose value
is 0 have no relative step and are reported as not varied. A lever can show no
effect in a given scenario (e.g. a programme's cost while it is switched off).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.cohort import run_cohort
from sim.scenario import Scenario, replace_path
from sim.schema import FieldSpec, iter_numeric_fields

__all__ = ["METRICS", "DEFAULT_STEP", "SensitivityLever", "sensitivity_levers", "tornado",
           "heat_map", "grid_values"]

METRICS = ("npv", "clv_net")
"""Cohort-engine KPIs the sensitivity reports (currency; CLV per acquired customer)."""
DEFAULT_STEP = 0.10
"""Default relative step (fraction of the current value)."""


@dataclass(frozen=True)
class SensitivityLever:
    """A numeric lever of a scenario: dotted ``path``, schema ``spec`` and current ``value``."""

    path: str
    spec: FieldSpec
    value: float


def sensitivity_levers(scenario: Scenario) -> tuple[list[SensitivityLever], list[str]]:
    """The scenario's numeric levers with a non-zero value, and the paths of those at 0."""
    varied, zero = [], []
    for path, spec, value in iter_numeric_fields(scenario):
        if not spec.lever:
            continue
        if value:
            varied.append(SensitivityLever(path, spec, float(value)))
        else:
            zero.append(path)
    return varied, zero


def _clip(spec: FieldSpec, value: float) -> float:
    low = -np.inf if spec.minimum is None else spec.minimum
    high = np.inf if spec.maximum is None else spec.maximum
    return float(min(max(value, low), high))


def _set(scenario: Scenario, lever: SensitivityLever, value: float) -> Scenario:
    return replace_path(scenario, lever.path, int(round(value)) if lever.spec.kind == "int"
                        else float(value))


def _metrics(scenario: Scenario) -> dict[str, float]:
    kpis = run_cohort(scenario).kpis
    return {m: float(kpis[m]) for m in METRICS}


def tornado(scenario: Scenario, step: float = DEFAULT_STEP) -> pd.DataFrame:
    """NPV and net CLV with each lever moved down and up by ``step`` (relative).

    Returns:
        One row per lever, sorted by the NPV swing (largest first): ``field, unit,
        value, low_value, high_value`` (field units), and for each metric m in
        :data:`METRICS`: ``m_base, m_low, m_high`` and ``m_swing`` = |m_high − m_low|
        (currency). Attribute ``not_varied`` (in ``.attrs``) lists levers at 0.
    """
    if not 0 < step <= 1:
        raise ValueError(f"step must be in (0, 1], got {step}")
    base = _metrics(scenario)
    levers, zero = sensitivity_levers(scenario)
    rows = []
    for lever in levers:
        low = _clip(lever.spec, lever.value * (1 - step))
        high = _clip(lever.spec, lever.value * (1 + step))
        at_low, at_high = _metrics(_set(scenario, lever, low)), _metrics(_set(scenario, lever, high))
        row: dict[str, float | str] = {"field": lever.path, "unit": lever.spec.unit,
                                       "value": lever.value, "low_value": low, "high_value": high}
        for m in METRICS:
            row.update({f"{m}_base": base[m], f"{m}_low": at_low[m], f"{m}_high": at_high[m],
                        f"{m}_swing": abs(at_high[m] - at_low[m])})
        rows.append(row)
    columns = ["field", "unit", "value", "low_value", "high_value"] + [
        f"{m}_{part}" for m in METRICS for part in ("base", "low", "high", "swing")]
    frame = pd.DataFrame(rows, columns=columns).sort_values(
        ["npv_swing", "field"], ascending=[False, True], kind="stable").reset_index(drop=True)
    frame.attrs["not_varied"] = zero
    return frame


def grid_values(lever: SensitivityLever, span: float, points: int) -> list[float]:
    """``points`` values from (1 − span)·value to (1 + span)·value, clipped, unique, sorted."""
    raw = lever.value * (1 + np.linspace(-span, span, points))
    values = sorted({_clip(lever.spec, float(v)) for v in raw})
    if lever.spec.kind == "int":
        values = sorted({float(round(v)) for v in values})
    return values


def heat_map(scenario: Scenario, x_path: str, y_path: str, span: float = 0.2,
             points: int = 5, metric: str = "npv") -> pd.DataFrame:
    """``metric`` over a grid of two levers, each from −span to +span of its value.

    Returns:
        Long table ``x, y, value`` (lever units; ``metric`` in currency), ``points`` ×
        ``points`` rows at most (fewer where clipping merges values).

    Raises:
        ValueError: a path that is not a varied lever, the same path twice, or a bad
            span, points or metric.
    """
    levers = {lever.path: lever for lever in sensitivity_levers(scenario)[0]}
    for path in (x_path, y_path):
        if path not in levers:
            raise ValueError(f"{path} is not a numeric lever with a non-zero value")
    if x_path == y_path:
        raise ValueError("choose two different levers")
    if not 0 < span <= 1 or not 2 <= points <= 15 or metric not in METRICS:
        raise ValueError("span must be in (0, 1], points in 2..15, metric one of "
                         + ", ".join(METRICS))
    rows = []
    for x in grid_values(levers[x_path], span, points):
        moved = _set(scenario, levers[x_path], x)
        for y in grid_values(levers[y_path], span, points):
            value = run_cohort(_set(moved, levers[y_path], y)).kpis[metric]
            rows.append({"x": x, "y": y, "value": float(value)})
    return pd.DataFrame(rows, columns=["x", "y", "value"])
