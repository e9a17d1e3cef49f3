"""Session state: which scenario is loaded, its edits, and the cached engine calls.

Session state holds parameters only (the loaded scenario and widget values);
results live in bounded ``st.cache_data`` caches keyed on the scenario's content.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from sim.cohort import CohortInputs, CohortResult, cohort_inputs, run_cohort
from sim.library import list_presets, load_preset
from sim.scenario import Scenario
from sim.tco import CrmSystem
from sim.whatif import EngineRun, WhatIf, baseline_for, compare_runs, run_engines
from ui.levers import apply_levers, reset_levers

__all__ = ["DEFAULT_PRESET", "PRESET_KEY", "preset_options", "ensure_loaded", "load_into_session",
           "base_scenario", "current_scenario", "is_edited", "cohort_run", "cohort_inputs_of", "whatif_run",
           "set_crm_system", "editor_key", "TCO_KEY"]

DEFAULT_PRESET = "textbook_magazine"
PRESET_KEY = "preset"
BASE_KEY = "base_scenario"
GENERATION_KEY = "load_generation"
"""Counts scenario loads; editors key their widgets with it so a new load resets them."""
TCO_KEY = "crm_system_edit"
"""Session key of the CRM system as edited on the ROI & TCO page (None: as loaded)."""
BY_CONTENT = {Scenario: repr}
"""Cache key of a scenario: its repr, exact (floats round-trip) and 30× quicker to hash
than Streamlit's generic walk over the nested dataclasses (0.14 ms against 4.3 ms)."""


@st.cache_data(max_entries=4, show_spinner=False)
def preset_options() -> dict[str, str]:
    """``{preset id: scenario name}`` of every valid file in scenarios/."""
    presets, _errors = list_presets()
    return {p.preset_id: p.scenario.name for p in presets}


@st.cache_data(max_entries=64, show_spinner=False)
def _load_preset(preset_id: str) -> Scenario:
    return load_preset(preset_id)


def load_into_session(scenario: Scenario) -> None:
    """Make ``scenario`` the loaded (baseline) scenario and reset every lever to it."""
    st.session_state[BASE_KEY] = scenario
    st.session_state[TCO_KEY] = None
    st.session_state[GENERATION_KEY] = st.session_state.get(GENERATION_KEY, 0) + 1
    reset_levers(scenario)


def on_preset_change() -> None:
    """Callback of the sidebar scenario picker."""
    load_into_session(_load_preset(st.session_state[PRESET_KEY]))


def ensure_loaded() -> None:
    """Load the default preset on a session's first run."""
    if BASE_KEY not in st.session_state:
        options = preset_options()
        preset = st.session_state.get(PRESET_KEY)
        if preset not in options:
            preset = DEFAULT_PRESET if DEFAULT_PRESET in options else next(iter(options))
            st.session_state[PRESET_KEY] = preset
        load_into_session(_load_preset(preset))


def base_scenario() -> Scenario:
    """The scenario as loaded (the baseline deltas are measured against)."""
    ensure_loaded()
    return st.session_state[BASE_KEY]


def current_scenario() -> Scenario:
    """The loaded scenario with the user's edits applied: the TCO table, then the levers."""
    base = base_scenario()
    edited: CrmSystem | None = st.session_state.get(TCO_KEY)
    if edited is not None:
        # ``enabled`` belongs to its lever; the table edit carries everything else.
        base = dataclasses.replace(
            base, crm_system=dataclasses.replace(edited, enabled=base.crm_system.enabled))
    return apply_levers(base)


def editor_key(name: str) -> str:
    """Widget key of a table editor that must start afresh with every loaded scenario."""
    return f"{name}_{st.session_state.get(GENERATION_KEY, 0)}"


def set_crm_system(system: CrmSystem) -> None:
    """Keep a TCO table edit (applied by :func:`current_scenario`)."""
    st.session_state[TCO_KEY] = system


def is_edited() -> bool:
    """True when the levers differ from the loaded scenario."""
    return current_scenario() != base_scenario()


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=BY_CONTENT)
def cohort_inputs_of(scenario: Scenario) -> CohortInputs:
    """Cached :func:`sim.cohort.cohort_inputs` (classes, population, acquisition path)."""
    return cohort_inputs(scenario)


@st.cache_data(max_entries=256, show_spinner=False, hash_funcs=BY_CONTENT)
def cohort_run(scenario: Scenario) -> CohortResult:
    """Cached :func:`sim.cohort.run_cohort` (key: the scenario's content)."""
    return run_cohort(scenario)


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=BY_CONTENT)
def engine_run(scenario: Scenario) -> EngineRun:
    """Cached :func:`sim.whatif.run_engines` (key: the scenario's content)."""
    return run_engines(scenario)


def whatif_run(scenario: Scenario, reference: Scenario) -> WhatIf:
    """The edited scenario against its baseline (the loaded policy in the same market).

    Each run is cached on its own, so a lever move recomputes only the scenario.
    """
    return compare_runs(engine_run(scenario), engine_run(baseline_for(scenario, reference)))
