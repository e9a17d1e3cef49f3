"""Session state: which scenario is loaded, its edits, and the cached engine calls.

Session state holds parameters only (the loaded scenario and widget values);
results live in bounded ``st.cache_data`` caches keyed on the scenario's content.
"""

from __future__ import annotations

import streamlit as st

from sim.cohort import CohortResult, run_cohort
from sim.library import list_presets, load_preset
from sim.scenario import Scenario
from ui.levers import apply_levers, reset_levers

__all__ = ["DEFAULT_PRESET", "PRESET_KEY", "preset_options", "ensure_loaded", "load_into_session",
           "base_scenario", "current_scenario", "is_edited", "cohort_run"]

DEFAULT_PRESET = "textbook_magazine"
PRESET_KEY = "preset"
BASE_KEY = "base_scenario"


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
    """The loaded scenario with the user's lever edits applied."""
    return apply_levers(base_scenario())


def is_edited() -> bool:
    """True when the levers differ from the loaded scenario."""
    return current_scenario() != base_scenario()


@st.cache_data(max_entries=256, show_spinner=False)
def cohort_run(scenario: Scenario) -> CohortResult:
    """Cached :func:`sim.cohort.run_cohort` (key: the scenario's content)."""
    return run_cohort(scenario)
