"""Which lever moves the result most: a tornado over the numeric levers and a 2-D grid.

The levers are the scenario's numeric fields marked ``lever=True`` in the
schema. Each is moved down and up with everything else fixed, and the scenario
is rerun in the expected-value cohort engine:

- a lever with a non-zero value moves by a stated **relative** step (default
  ±10 % of its current value);
- a lever whose value is 0 (a relative step is undefined there) and a lever that
  is an additive shift of a rate (``retention.uplift_points``, see
  :data:`RATE_SHIFTS`) move by an **absolute** step in their own unit
  (:func:`absolute_step`: ±1 percentage point for a shift in points, ±0.01 for a
  fraction, 1 % of the allowed range for other bounded scales up to 100 wide,
  otherwise ±1 unit, e.g. 1 USD);

both clipped to the field's allowed range. Because the steps differ in size,
the swing alone does not compare levers; the tornado also reports each lever's
**elasticity** (% change of the result per 1 % change of the lever), which is
what the rows are ranked by (Gupta, Lehmann & Stuart 2004 rank retention first
this way: elasticity 3-7 against about 1 for margin). It is the point
elasticity at the current value, estimated by the central difference over the
low and high runs::

    elasticity = ((m_high − m_low) / |m_base|) / ((x_high − x_low) / x)

(the denominator ``|m_base|`` keeps the sign meaning "raising the lever raises
the result" when the result is negative). For a lever at 0 the elasticity with
respect to its own value is undefined: the effect per unit of the lever,
``(m_high − m_low) / (x_high − x_low)``, is reported instead (every row has it).
For a rate shift the elasticity is taken with respect to the rate it shifts:
for ``retention.uplift_points``, the customer-weighted mean renewal rate r̄ of
the cohort (``x`` = 100·r̄ points). A lever can show no effect in a given
scenario (e.g. a programme's cost while it is switched off): swing and
elasticity 0.

The base and the moved scenarios are evaluated together, KPIs only, by
:func:`sim.batch.evaluate_kpis` (the cohort engine's numbers without its tables).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from sim.batch import evaluate_kpis
from sim.cohort import class_inputs, renewal_by_tenure_year
from sim.scenario import Scenario, replace_path
from sim.schema import FieldSpec, iter_numeric_fields

__all__ = ["METRICS", "DEFAULT_STEP", "ABSOLUTE_STEPS", "RATE_SHIFTS", "SensitivityLever",
           "sensitivity_levers", "absolute_step", "lever_range", "mean_renewal_rate",
           "tornado", "heat_map", "grid_values"]

METRICS = ("npv", "clv_net")
"""Cohort-engine KPIs the sensitivity reports (currency; CLV per acquired customer)."""
DEFAULT_STEP = 0.10
"""Default relative step (fraction of the current value)."""
ABSOLUTE_STEPS: dict[str, float] = {
    "percentage points": 1.0, "fraction": 0.01, "fraction/year": 0.01,
    "fraction of customers": 0.01, "intensity (0-1)": 0.01}
"""Absolute step by schema unit (in that unit) for levers that cannot take a relative step."""


def mean_renewal_rate(scenario: Scenario) -> float:
    """Customer-weighted mean yearly renewal rate of one cohort (fraction).

    r̄ = Σ_t n_t·r_t / Σ_t n_t over the tenure years t of the horizon, with n_t the
    share of the cohort at the start of tenure year t (the tenure table's ``customers``
    over the cohort's size) and r_t its renewal rate: the rate an average renewal
    decision faces (:func:`sim.cohort.renewal_by_tenure_year`). NaN if the cohort is empty.
    """
    classes = class_inputs(scenario)
    share, rate = renewal_by_tenure_year(classes.class_weights, classes.retention,
                                         scenario.periods_per_year, scenario.horizon_years)
    total = float(share.sum())
    if total <= 0:
        return math.nan
    return float(share @ rate / total)


RATE_SHIFTS: dict[str, Callable[[Scenario], float]] = {
    "retention.uplift_points": lambda scenario: 100.0 * mean_renewal_rate(scenario)}
"""Levers that add to a rate, with the rate they shift (in the lever's unit, in the base
scenario): they always take an absolute step, and their elasticity is with respect
to that rate."""

StepKind = Literal["relative", "absolute"]


@dataclass(frozen=True)
class SensitivityLever:
    """A numeric lever of a scenario: dotted ``path``, schema ``spec`` and current ``value``
    (field unit)."""

    path: str
    spec: FieldSpec
    value: float

    @property
    def step_kind(self) -> StepKind:
        """``absolute`` for a lever at 0 or a rate shift, else ``relative``."""
        return "absolute" if self.value == 0 or self.path in RATE_SHIFTS else "relative"


def sensitivity_levers(scenario: Scenario) -> tuple[list[SensitivityLever], list[SensitivityLever]]:
    """The scenario's numeric levers: those moved by a relative step, and those moved
    by an absolute step (value 0, or a rate shift)."""
    relative: list[SensitivityLever] = []
    absolute: list[SensitivityLever] = []
    for path, spec, value in iter_numeric_fields(scenario):
        if spec.lever:
            lever = SensitivityLever(path, spec, float(value))
            (relative if lever.step_kind == "relative" else absolute).append(lever)
    return relative, absolute


def absolute_step(spec: FieldSpec) -> float:
    """The absolute step of a lever, in its unit.

    :data:`ABSOLUTE_STEPS` for its unit (1 percentage point, 0.01 of a fraction); else
    1 % of its allowed range if that is bounded and at most 100 wide (0.04 on a 1-5
    scale); else 1 unit (1 currency unit, 1 customer). Whole-number fields: at least 1.
    """
    if spec.unit in ABSOLUTE_STEPS:
        size = ABSOLUTE_STEPS[spec.unit]
    elif (spec.minimum is not None and spec.maximum is not None
          and 0 < spec.maximum - spec.minimum <= 100):
        size = (spec.maximum - spec.minimum) / 100
    else:
        size = 1.0
    return float(max(1, round(size))) if spec.kind == "int" else float(size)


def _clip(spec: FieldSpec, value: float) -> float:
    low = -np.inf if spec.minimum is None else spec.minimum
    high = np.inf if spec.maximum is None else spec.maximum
    return float(min(max(value, low), high))


def lever_range(lever: SensitivityLever, step: float) -> tuple[float, float, float]:
    """``(low, high, step size)`` of a lever: its value moved by ``step`` (relative) or by
    :func:`absolute_step` (field unit), clipped to the allowed range. The step size is
    ``step`` (fraction) for a relative lever and the absolute step (field unit) otherwise."""
    if lever.step_kind == "relative":
        size = step
        low, high = lever.value * (1 - step), lever.value * (1 + step)
        if lever.value < 0:
            low, high = high, low
    else:
        size = absolute_step(lever.spec)
        low, high = lever.value - size, lever.value + size
    return _clip(lever.spec, low), _clip(lever.spec, high), size


def _set(scenario: Scenario, lever: SensitivityLever, value: float) -> Scenario:
    return replace_path(scenario, lever.path, int(round(value)) if lever.spec.kind == "int"
                        else float(value))


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator and math.isfinite(denominator) else math.nan


def tornado(scenario: Scenario, step: float = DEFAULT_STEP,
            order: Literal["elasticity", "swing"] = "elasticity") -> pd.DataFrame:
    """NPV and net CLV with each lever moved down and up (see the module docstring).

    Args:
        scenario: the scenario.
        step: relative step for levers with a non-zero value (fraction, in (0, 1]).
        order: ``elasticity`` ranks by |NPV elasticity| (levers without one after, by
            swing); ``swing`` ranks by the NPV swing.

    Returns:
        One row per lever: ``field, unit, value`` (field unit), ``step_kind``
        (``relative``/``absolute``), ``step`` (fraction, or field unit if absolute),
        ``low_value, high_value`` (field unit), ``elasticity_basis`` (``value``: the
        lever's own value; ``rate``: the rate a shift lever moves; ``none``: undefined,
        the lever is at 0), ``basis_value`` (the value the elasticity is relative to,
        field unit; NaN if none), and for each metric m in :data:`METRICS`: ``m_base,
        m_low, m_high``, ``m_swing`` = |m_high − m_low| (currency), ``m_per_unit`` =
        (m_high − m_low)/(high_value − low_value) (currency per field unit; NaN if the
        range is empty) and ``m_elasticity`` (dimensionless; NaN if undefined).
    """
    if not 0 < step <= 1:
        raise ValueError(f"step must be in (0, 1], got {step}")
    if order not in ("elasticity", "swing"):
        raise ValueError(f"order must be 'elasticity' or 'swing', got {order!r}")
    relative, absolute = sensitivity_levers(scenario)
    levers = sorted(relative + absolute, key=lambda lv: lv.path)
    ranges = [lever_range(lever, step) for lever in levers]
    runs = [scenario] + [_set(scenario, lever, value)
                         for lever, (low, high, _) in zip(levers, ranges, strict=True)
                         for value in (low, high)]
    values = evaluate_kpis(runs, METRICS)            # the base, then each lever low, high
    base = {m: float(values[m][0]) for m in METRICS}
    rows = []
    for i, (lever, (low, high, size)) in enumerate(zip(levers, ranges, strict=True)):
        at_low = {m: float(values[m][1 + 2 * i]) for m in METRICS}
        at_high = {m: float(values[m][2 + 2 * i]) for m in METRICS}
        if lever.path in RATE_SHIFTS:
            basis, basis_value = "rate", RATE_SHIFTS[lever.path](scenario)
        elif lever.value:
            basis, basis_value = "value", lever.value
        else:
            basis, basis_value = "none", math.nan
        row: dict[str, float | str] = {
            "field": lever.path, "unit": lever.spec.unit, "value": lever.value,
            "step_kind": lever.step_kind, "step": size, "low_value": low, "high_value": high,
            "elasticity_basis": basis, "basis_value": basis_value}
        for m in METRICS:
            change = at_high[m] - at_low[m]
            relative_x = _ratio(high - low, abs(basis_value)) if basis != "none" else math.nan
            row.update({f"{m}_base": base[m], f"{m}_low": at_low[m], f"{m}_high": at_high[m],
                        f"{m}_swing": abs(change),
                        f"{m}_per_unit": _ratio(change, high - low),
                        f"{m}_elasticity": _ratio(_ratio(change, abs(base[m])), relative_x)})
        rows.append(row)
    columns = ["field", "unit", "value", "step_kind", "step", "low_value", "high_value",
               "elasticity_basis", "basis_value"] + [
        f"{m}_{part}" for m in METRICS
        for part in ("base", "low", "high", "swing", "per_unit", "elasticity")]
    frame = pd.DataFrame(rows, columns=columns)
    if order == "elasticity":
        key = frame["npv_elasticity"].abs().fillna(-1.0)
        frame = frame.assign(_key=key).sort_values(
            ["_key", "npv_swing", "field"], ascending=[False, False, True],
            kind="stable").drop(columns="_key")
    else:
        frame = frame.sort_values(["npv_swing", "field"], ascending=[False, True], kind="stable")
    return frame.reset_index(drop=True)


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

    Only levers with a non-zero value can span a relative grid.

    Returns:
        Long table ``x, y, value`` (lever units; ``metric`` in currency), ``points`` ×
        ``points`` rows at most (fewer where clipping merges values).

    Raises:
        ValueError: a path that is not a lever with a non-zero value, the same path
            twice, or a bad span, points or metric.
    """
    levers = {lever.path: lever for group in sensitivity_levers(scenario)
              for lever in group if lever.value}
    for path in (x_path, y_path):
        if path not in levers:
            raise ValueError(f"{path} is not a numeric lever with a non-zero value")
    if x_path == y_path:
        raise ValueError("choose two different levers")
    if not 0 < span <= 1 or not 2 <= points <= 15 or metric not in METRICS:
        raise ValueError("span must be in (0, 1], points in 2..15, metric one of "
                         + ", ".join(METRICS))
    xs, ys = grid_values(levers[x_path], span, points), grid_values(levers[y_path], span, points)
    cells = [(x, y) for x in xs for y in ys]
    grid = [_set(moved, levers[y_path], y)
            for moved in (_set(scenario, levers[x_path], x) for x in xs) for y in ys]
    values = evaluate_kpis(grid, metric)
    return pd.DataFrame({"x": [x for x, _ in cells], "y": [y for _, y in cells],
                         "value": [float(v) for v in values]}, columns=["x", "y", "value"])
