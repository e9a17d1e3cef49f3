"""The engine-run caches of ui.state: the key of a scenario (its repr, written once per
object) and the runs kept as shared, read-only objects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import streamlit as st

from sim.scenario import replace_path
from sim.scenario_io import load
from ui import state

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_the_key_is_the_scenarios_repr_kept_for_the_same_object() -> None:
    s = load(SCENARIOS / "whatif_crm_system.toml")
    key = state.content_key(s)
    assert key == repr(s)
    assert state.content_key(s) is key                 # kept, not written again
    edited = replace_path(s, "acquisition.budget_per_year", 300_000.0)
    assert state.content_key(edited) == repr(edited) != key
    twin = replace_path(s, "seed", s.seed)             # equal content, another object
    assert state.content_key(twin) == key


def test_only_the_last_objects_are_kept() -> None:
    s = load(SCENARIOS / "whatif_crm_system.toml")
    for budget in range(state._KEYS_KEPT + 10):
        state.content_key(replace_path(s, "acquisition.budget_per_year", float(budget)))
    assert len(state._content_keys) == state._KEYS_KEPT


def test_engine_runs_are_shared_and_nothing_can_write_into_them() -> None:
    st.cache_resource.clear()
    s = load(SCENARIOS / "whatif_crm_system.toml")
    result, (mc, _notices), inputs = (state.cohort_run(s), state.monte_carlo_run(s),
                                      state.cohort_inputs_of(s))
    assert state.cohort_run(s) is result and state.monte_carlo_run(s)[0] is mc
    assert mc is not None and result.active_by_cohort is not None
    for array in (result.active_by_cohort, mc.yearly["customers"], mc.kpis["npv"],
                  inputs.new, inputs.retention):
        assert isinstance(array, np.ndarray)
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0.0
    # what a page derives from a shared run is its own to change
    customers = result.yearly["customers"].to_numpy(dtype=float, copy=True)
    customers[0] = -1.0
    assert state.cohort_run(s).yearly["customers"].iloc[0] != -1.0
