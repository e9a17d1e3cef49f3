"""Every schema-valid scenario runs through both engines within the work budget (issue 11):
no exception but the budget's own refusal, every KPI finite or missing with a reason."""

from __future__ import annotations

import json
import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import sim.budget as budget
from sim.budget import BudgetError, monte_carlo_estimate
from sim.cohort import cohort_inputs
from sim.kpis import missing_reason
from sim.library import load_preset
from sim.report import run_report
from sim.scenario import Scenario, replace_path, scenario_from_dict, scenario_to_dict
from sim.schema import FieldSpec, ScenarioError, iter_fields
from sim.whatif import WhatIf, evaluate
from tests.conftest import ROOT

PRESETS = sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))
SKIP = {"schema_version", "name", "description", "currency", "baseline.preset"}
FIELDS = [(path, fs) for path, fs, _ in iter_fields(Scenario()) if path not in SKIP]
NUMERIC = [(path, fs) for path, fs in FIELDS if fs.kind in ("int", "float", "float_list")]
SMALL_TIME_BUDGET = 0.3
"""Seconds: keeps each example fast while going through the real plan (skip or run)."""


def _extreme(fs: FieldSpec, at_max: bool) -> object:
    value = fs.maximum if at_max else fs.minimum
    if fs.kind == "int":
        return int(value)
    if fs.kind == "float_list":
        return (float(value),) * (fs.max_len if at_max else max(fs.min_len, 1))
    return float(value)


def _values(fs: FieldSpec) -> st.SearchStrategy:
    if fs.kind == "bool":
        return st.booleans()
    if fs.kind == "choice":
        return st.sampled_from(fs.choices)
    lo, hi = fs.minimum, fs.maximum
    if fs.kind == "int":
        return st.one_of(st.just(int(lo)), st.just(int(hi)), st.integers(int(lo), int(hi)))
    number = st.one_of(st.just(float(lo)), st.just(float(hi)),
                       st.floats(float(lo), float(hi), allow_nan=False))
    if fs.kind == "float_list":
        return st.one_of(st.lists(number, min_size=fs.min_len, max_size=6).map(tuple),
                         st.just(_extreme(fs, True)), st.just(_extreme(fs, False)))
    return number


def _valid(s: Scenario) -> Scenario | None:
    """Repair the simple cross-field rules, then validate as a file is validated
    (None when another rule refuses the combination: such a file is not valid)."""
    if s.acquisition.mode == "paid" and s.market.size <= 0:
        s = replace_path(s, "market.size", 1.0)
    if s.programmes.any_enabled() and s.retention.model != "satisfaction":
        s = replace_path(s, "retention.model", "satisfaction")
    if s.baseline.kind == "preset" and s.baseline.preset not in PRESETS:
        s = replace_path(s, "baseline.preset", "baseline")
    try:
        return scenario_from_dict(scenario_to_dict(s))
    except ScenarioError:
        return None


@st.composite
def valid_scenarios(draw) -> Scenario:
    s = load_preset(draw(st.sampled_from(PRESETS)))
    chosen = draw(st.lists(st.sampled_from(FIELDS), max_size=30, unique_by=lambda f: f[0]))
    for path, fs in chosen:
        s = replace_path(s, path, draw(_values(fs)))
    valid = _valid(s)
    assume(valid is not None)
    assert valid is not None
    return valid


def _check_runs(s: Scenario) -> WhatIf | None:
    with mock.patch.object(budget, "TIME_BUDGET_SECONDS", SMALL_TIME_BUDGET):
        try:
            w = evaluate(s)
        except BudgetError as exc:
            assert exc.issues and all(issue.path for issue in exc.issues)
            return None
        if w.mc is not None:
            estimate = monte_carlo_estimate(s, cohort_inputs(s), w.mc.replications)
            assert estimate.fits()
        elif s.monte_carlo.replications > 0:
            assert "monte_carlo_skipped" in {n.code for n in w.notices}
    for kpis in (w.result.kpis, w.base_result.kpis):
        for key, value in kpis.items():
            assert math.isfinite(value) or missing_reason(key, kpis), (key, value)
    for key in w.finance.VALUE_KEYS:
        value = w.finance.value(key)
        assert (value is not None and math.isfinite(value)) or w.finance.reason(key), key
    for frame in (w.result.yearly, w.result.periods, w.result.tenure, w.base_result.yearly):
        assert not np.isinf(frame.select_dtypes("number").to_numpy()).any()
    if w.mc is not None:
        for values in w.mc.kpis.values():
            assert not np.isinf(values).any()
    json.dumps(run_report(s, whatif=w), allow_nan=False)
    for notice in w.notices:
        assert notice.message()
    return w


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(valid_scenarios())
def test_every_valid_scenario_runs_within_the_budget(s: Scenario) -> None:
    _check_runs(s)


@pytest.mark.parametrize("at_max", [False, True], ids=["minimum", "maximum"])
def test_each_numeric_field_at_its_extreme_runs(at_max: bool) -> None:
    base = _valid(replace_path(load_preset("whatif_points_programme"),
                               "programmes.community.enabled", True))
    assert base is not None
    ran = 0
    for path, fs in NUMERIC:
        s = _valid(replace_path(base, path, _extreme(fs, at_max)))
        if s is not None:
            _check_runs(s)
            ran += 1
    assert ran >= 0.9 * len(NUMERIC)


@pytest.mark.parametrize("at_max", [False, True], ids=["minimum", "maximum"])
@pytest.mark.parametrize("preset", ["whatif_points_programme", "baseline"])
def test_every_numeric_field_at_once_at_its_extreme_runs(at_max: bool, preset: str) -> None:
    s = replace_path(load_preset(preset), "periods_per_year", 12)
    for path, fs in NUMERIC:
        s = replace_path(s, path, _extreme(fs, at_max))
    valid = _valid(s)
    assert valid is not None
    _check_runs(valid)
