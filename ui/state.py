"""Session state: the loaded scenario, the current (edited) scenario, and the cached engine calls.

One source of truth: the scenario being shown is held once, as a validated
:class:`~sim.scenario.Scenario` under ``CURRENT_KEY``. Every widget is drawn from it
(``ui.levers``) and every edit (levers, the TCO table) writes back into it; the
scenario as loaded (``BASE_KEY``) is kept beside it for "edited" and "reset". Session
state holds parameters only; results live in bounded caches keyed on the scenario's
content: the engine runs of a lever move as shared read-only objects
(``st.cache_resource``, :func:`_read_only`), derived tables as ``st.cache_data`` copies.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Any

import numpy as np
import streamlit as st

from sim.budget import Notice
from sim.cohort import CohortInputs, CohortResult, cohort_inputs, run_cohort
from sim.file_names import distinct_labels
from sim.finance import FinanceSummary
from sim.library import library_text, list_presets, load_preset
from sim.lifetime_value import WholeLife, scenario_whole_life
from sim.montecarlo import McResult
from sim.scenario import Scenario, scenario_from_dict, scenario_name, scenario_to_dict
from sim.whatif import (
    EngineRun,
    WhatIf,
    baseline_for,
    compare_runs,
    finance_summary,
    monte_carlo_part,
)
from ui.i18n import DEFAULT_LANG, LANGUAGES, current_lang, t

__all__ = ["DEFAULT_PRESET", "PRESET_KEY", "BASE_KEY", "CURRENT_KEY", "preset_options",
           "ensure_loaded", "load_into_session", "base_scenario", "current_scenario",
           "set_current", "live_scenario", "LiveScenario", "validated", "is_edited",
           "cohort_run", "cohort_inputs_of", "whatif_run", "engine_run", "monte_carlo_run",
           "finance_of", "whole_life_of",
           "editor_key", "BY_CONTENT", "reload_presets", "loaded_preset",
           "uploads", "add_upload", "take_new_uploads", "on_preset_change", "preset_scenario",
           "UPLOAD_PREFIX", "picker_options", "open_session_scenario", "loaded_source",
           "preset_source", "levers_changed", "reset_to_loaded", "mark_drawn",
           "loaded_since_drawn"]

DEFAULT_PRESET = "textbook_magazine"
PRESET_KEY = "preset"
BASE_KEY = "base_scenario"
"""Session key of the scenario as loaded (picker, upload, link, save)."""
CURRENT_KEY = "current_scenario"
"""Session key of the scenario being shown: the loaded one with the user's edits."""
GENERATION_KEY = "load_generation"
"""Counts scenario loads; editors key their widgets with it so a new load resets them."""
DRAWN_KEY = "drawn_generation"
"""The load generation the whole app was last drawn for (:func:`loaded_since_drawn`)."""
LOADED_PRESET_KEY = "loaded_preset"
"""Id of the preset the loaded scenario came from (None for an uploaded file)."""
UPLOADS_KEY = "uploaded_scenarios"
"""``{label: Scenario}`` of the valid files uploaded in this session (for comparison)."""
NEW_UPLOADS_KEY = "new_uploads"
SOURCES_KEY = "uploaded_sources"
"""``{label: file text}`` of the uploads that came from a file (the writer edits that text)."""
SOURCE_KEY = "loaded_source"
"""Text of the file the loaded scenario came from (None: built in the session): downloads and
saves edit it in place, keeping its comments and layout."""
UPLOAD_PREFIX = "upload:"
"""Picker value of a scenario of this session (an upload, "Use in a scenario"): the prefix and
its label. Library ids never contain ``:``."""
_KEYS_KEPT = 64
_content_keys: OrderedDict[int, tuple[Scenario, str]] = OrderedDict()
_content_keys_lock = threading.Lock()


def content_key(scenario: Scenario) -> str:
    """The cache key of ``scenario``: its repr, exact (floats round-trip) and 30× quicker to
    hash than Streamlit's generic walk over the nested dataclasses (0.14 ms against 4.3 ms).

    A lever move reads a dozen cached runs of the same two scenario objects (the scenario
    and its baseline): the key of each of the last few objects is kept, so each is written
    once (the very same object, not an equal one: a frozen scenario is its content)."""
    with _content_keys_lock:
        kept = _content_keys.get(id(scenario))
        if kept is not None and kept[0] is scenario:
            _content_keys.move_to_end(id(scenario))
            return kept[1]
    key = repr(scenario)
    with _content_keys_lock:
        _content_keys[id(scenario)] = (scenario, key)
        while len(_content_keys) > _KEYS_KEPT:
            _content_keys.popitem(last=False)
    return key


BY_CONTENT = {Scenario: content_key}
"""Hash functions of the cached engine calls: a scenario by :func:`content_key`."""


@st.cache_data(max_entries=4, show_spinner=False)
def _preset_names(lang: str) -> dict[str, str]:
    presets, _errors = list_presets()
    return {p.preset_id: scenario_name(p.scenario, lang) for p in presets}


def resolve_preset(value: object) -> str | None:
    """The preset id ``value`` stands for: the id itself, or the id whose name (in either
    language) it is; None when it is neither. A picker drawn in one language and read back
    after the language changed returns the old language's label (Streamlit keeps the shown
    option text), which must still mean the same file."""
    ids = _preset_names(DEFAULT_LANG)
    if value in ids:
        return str(value)
    for lang in LANGUAGES:
        for preset_id, name in _preset_names(lang).items():
            if name == value:
                return preset_id
    return None


def preset_options() -> dict[str, str]:
    """``{preset id: scenario name in the current language}`` of every valid file in
    scenarios/ (cached per language)."""
    return _preset_names(current_lang())


def picker_options() -> dict[str, str]:
    """The sidebar picker's ``{value: label}``: every library file, then this session's
    scenarios (uploads, "Use in a scenario"), each label distinct
    (:func:`sim.library.distinct_labels`: a name two entries share gets the file id)."""
    entries = [(pid, name, pid) for pid, name in preset_options().items()]
    entries += [(UPLOAD_PREFIX + label, t("files.picker_session", label=label), "")
                for label in uploads()]
    return distinct_labels(entries)


@st.cache_data(max_entries=64, show_spinner=False)
def preset_source(preset_id: str) -> str | None:
    """The text of library file ``preset_id`` (None if it cannot be read)."""
    return library_text(preset_id)


@st.cache_data(max_entries=64, show_spinner=False)
def preset_scenario(preset_id: str) -> Scenario:
    """The scenario of library file ``preset_id`` (cached)."""
    return load_preset(preset_id)


class LiveScenario:
    """The session's current scenario, in one mutable box per session.

    Session state holds the box under ``CURRENT_KEY`` and every edit replaces its
    ``scenario``, so code running outside a script run (a deferred download's data
    callable) reads the scenario as it is *now*, not as it was when the button was drawn.
    """

    __slots__ = ("scenario",)

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario

    def __repr__(self) -> str:
        return f"LiveScenario({scenario_name(self.scenario, 'en')!r})"


def _live() -> LiveScenario:
    box = st.session_state.get(CURRENT_KEY)
    if not isinstance(box, LiveScenario):
        box = st.session_state[CURRENT_KEY] = LiveScenario(st.session_state[BASE_KEY])
    return box


def live_scenario() -> LiveScenario:
    """The box holding the current scenario (read ``.scenario`` when it is needed)."""
    ensure_loaded()
    return _live()


def load_into_session(scenario: Scenario, preset_id: str | None = None,
                      source: str | None = None, entry: str | None = None) -> None:
    """Make ``scenario`` the loaded and the current scenario (every widget follows it).

    ``preset_id``: the library file it came from (None: an uploaded file). ``source``: the
    text of the file it came from (None: a library file's own text is read). ``entry``: the
    picker value naming it (default: ``preset_id``); the picker is set to it, so it always
    names the scenario loaded. Call before the picker is drawn (callbacks, first run).
    """
    st.session_state[BASE_KEY] = scenario
    _live().scenario = scenario
    st.session_state[LOADED_PRESET_KEY] = preset_id
    if source is None and preset_id is not None:
        source = preset_source(preset_id)
    st.session_state[SOURCE_KEY] = source
    entry = entry if entry is not None else preset_id
    if entry is not None:
        st.session_state[PRESET_KEY] = entry
    st.session_state[GENERATION_KEY] = st.session_state.get(GENERATION_KEY, 0) + 1


def reset_to_loaded() -> None:
    """Undo every edit: the loaded scenario again, from the same file (a callback)."""
    load_into_session(base_scenario(), loaded_preset(), loaded_source(),
                      st.session_state.get(PRESET_KEY))


def mark_drawn() -> None:
    """Remember which load the whole app was last drawn for (the sidebar calls it)."""
    st.session_state[DRAWN_KEY] = st.session_state.get(GENERATION_KEY, 0)


def loaded_since_drawn() -> bool:
    """True when a scenario was loaded after the whole app was last drawn (a fragment's
    button loaded it): the app must be drawn again."""
    return st.session_state.get(DRAWN_KEY) != st.session_state.get(GENERATION_KEY, 0)


def open_session_scenario(label: str, scenario: Scenario, source: str | None = None) -> None:
    """Keep ``scenario`` for this session under ``label`` (the Compare page can pick it) and
    load it; the picker then names it (a callback's work)."""
    add_upload(label, scenario, source)
    load_into_session(scenario, None, source, UPLOAD_PREFIX + label)


def loaded_source() -> str | None:
    """The text of the file the loaded scenario came from, or None."""
    return st.session_state.get(SOURCE_KEY)


def levers_changed() -> bool:
    """True when the current scenario differs from the loaded one in anything but its name
    and description (what a written file must then say anew)."""
    base, current = base_scenario(), current_scenario()
    return replace(current, name=base.name, description=base.description) != base


def on_preset_change() -> None:
    """Callback of the sidebar scenario picker (a library file or a session scenario). A
    label of the other language read back after a language switch (:func:`resolve_preset`)
    is the same file: nothing is loaded again, so the user's edits stay."""
    value = st.session_state[PRESET_KEY]
    if isinstance(value, str) and value.startswith(UPLOAD_PREFIX):
        label = value[len(UPLOAD_PREFIX):]
        scenario = uploads().get(label)
        if scenario is not None:
            load_into_session(scenario, None, st.session_state.get(SOURCES_KEY, {}).get(label),
                              value)
        return
    preset = resolve_preset(value)
    if preset is None:
        return
    st.session_state[PRESET_KEY] = preset
    if preset == loaded_preset():
        return
    load_into_session(preset_scenario(preset), preset)


def reload_presets() -> None:
    """Forget the cached library listing (after a file was saved into it)."""
    _preset_names.clear()
    preset_scenario.clear()
    preset_source.clear()


def loaded_preset() -> str | None:
    """The preset id the loaded scenario came from, or None (an uploaded file)."""
    return st.session_state.get(LOADED_PRESET_KEY)


def uploads() -> dict[str, Scenario]:
    """The valid scenario files uploaded in this session, by label."""
    return st.session_state.setdefault(UPLOADS_KEY, {})


def add_upload(label: str, scenario: Scenario, source: str | None = None) -> None:
    """Keep a valid upload for this session; a new one is queued for the Compare page.
    ``source``: the file's text (downloads edit it in place)."""
    st.session_state.setdefault(SOURCES_KEY, {})[label] = source
    known = uploads()
    if known.get(label) != scenario:
        known[label] = scenario
        st.session_state.setdefault(NEW_UPLOADS_KEY, []).append(label)


def take_new_uploads() -> list[str]:
    """Labels of the uploads not yet offered to the Compare page's selection."""
    return st.session_state.pop(NEW_UPLOADS_KEY, [])


def ensure_loaded() -> None:
    """Load the default preset on a session's first run."""
    if BASE_KEY not in st.session_state:
        options = preset_options()
        preset = st.session_state.get(PRESET_KEY)
        if preset not in options:
            preset = DEFAULT_PRESET if DEFAULT_PRESET in options else next(iter(options))
            st.session_state[PRESET_KEY] = preset
        load_into_session(preset_scenario(preset), preset)


def base_scenario() -> Scenario:
    """The scenario as loaded (the baseline deltas are measured against)."""
    ensure_loaded()
    return st.session_state[BASE_KEY]


def current_scenario() -> Scenario:
    """The scenario being shown: the loaded one with every edit applied."""
    ensure_loaded()
    return _live().scenario


def set_current(scenario: Scenario) -> None:
    """Make ``scenario`` (already validated, see :func:`validated`) the one being shown."""
    ensure_loaded()
    _live().scenario = scenario


def validated(scenario: Scenario) -> Scenario:
    """``scenario`` checked against every field range and rule, as a file would be.

    Raises:
        ScenarioError: listing every problem (the edit is then not applied).
    """
    return scenario_from_dict(scenario_to_dict(scenario))


def editor_key(name: str) -> str:
    """Widget key of a table editor that must start afresh with every loaded scenario."""
    return f"{name}_{st.session_state.get(GENERATION_KEY, 0)}"


def is_edited() -> bool:
    """True when the current scenario differs from the one loaded."""
    return current_scenario() != base_scenario()


def _read_only(value: Any) -> Any:
    """``value`` with every numpy array in it (through dataclass fields, dicts, tuples and
    lists; not inside tables) marked read-only, and returned.

    The engine runs below are cached as shared objects (``st.cache_resource``): every
    session and every script run gets the very same result, not a copy, so nothing may
    change it. An in-place write into one of its arrays raises instead of changing every
    page's figures. (Tables are not written into anywhere; pandas copies on write.)
    """
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            _read_only(getattr(value, field.name))
    elif isinstance(value, dict):
        for item in value.values():
            _read_only(item)
    elif isinstance(value, (tuple, list)):
        for item in value:
            _read_only(item)
    return value


# The engine runs of a lever move are kept as shared, read-only objects
# (``st.cache_resource``), not as pickled copies (``st.cache_data``): storing a run and
# reading it back cost about 4 ms of a dashboard move (two cohort runs, two Monte Carlo
# runs, their inputs and the finance, pickled on the way in and copied on every read).


@st.cache_resource(max_entries=64, show_spinner=False, hash_funcs=BY_CONTENT)
def cohort_inputs_of(scenario: Scenario) -> CohortInputs:
    """Cached :func:`sim.cohort.cohort_inputs` (classes, population, acquisition path);
    shared and read-only."""
    return _read_only(cohort_inputs(scenario))


@st.cache_resource(max_entries=256, show_spinner=False, hash_funcs=BY_CONTENT)
def cohort_run(scenario: Scenario) -> CohortResult:
    """Cached :func:`sim.cohort.run_cohort` (key: the scenario's content), from the cached
    inputs the Monte Carlo run of the same scenario uses too; shared and read-only."""
    return _read_only(run_cohort(scenario, cohort_inputs_of(scenario)))


@st.cache_resource(max_entries=64, show_spinner=False, hash_funcs=BY_CONTENT)
def monte_carlo_run(scenario: Scenario, replications: int | None = None
                    ) -> tuple[McResult | None, tuple[Notice, ...]]:
    """Cached :func:`sim.whatif.monte_carlo_part` (key: the scenario's content); shared and
    read-only."""
    return _read_only(monte_carlo_part(scenario, cohort_inputs_of(scenario), replications))


def engine_run(scenario: Scenario, monte_carlo: bool = True,
               replications: int | None = None,
               cohort: CohortResult | None = None) -> EngineRun:
    """:func:`sim.whatif.run_engines` from the cached cohort and Monte Carlo runs.

    ``monte_carlo=False``: the cohort engine only (the notices are those of the cohort
    run: the market bound). ``cohort``: this scenario's cohort run, already read from the
    cache in this script run (reading it again hashes the scenario again).
    """
    if monte_carlo:
        mc, notices = monte_carlo_run(scenario, replications)
    else:       # the notices alone (the market bound): a few µs, not worth a cache entry
        mc, notices = monte_carlo_part(scenario, cohort_inputs_of(scenario), 0)
    return EngineRun(scenario, cohort_run(scenario) if cohort is None else cohort, mc, notices)


def whatif_run(scenario: Scenario, monte_carlo: bool = True,
               expected: WhatIf | None = None) -> WhatIf:
    """``scenario`` against its baseline, which depends on the scenario alone
    (:func:`sim.whatif.baseline_for`), as :func:`sim.whatif.evaluate` computes it.

    Each engine run is cached on its own, so a lever move recomputes only what it
    changed. ``monte_carlo=False``: the expected-value engine only (KPIs, finance,
    scorecard), for a page to draw those before the Monte Carlo bands are ready; the
    page's second call passes that run as ``expected``, whose cohort runs and finance it
    reuses (the same scenario, read from the cache once per script run).
    """
    reuse = expected if expected is not None and expected.scenario is scenario else None
    run = engine_run(scenario, monte_carlo, cohort=None if reuse is None else reuse.result)
    baseline = baseline_for(scenario)
    if baseline == scenario:
        base_run = run
    else:
        # Monte Carlo skipped for the scenario (e.g. over the budget): the baseline's would
        # be shown nowhere.
        base_cohort = (reuse.base_result if reuse is not None and reuse.baseline == baseline
                       else None)
        base_run = engine_run(baseline, monte_carlo and run.mc is not None, cohort=base_cohort)
    finance = (finance_of(scenario, run.result, base_run.result) if reuse is None
               else reuse.finance)
    return compare_runs(run, base_run, finance)


@st.cache_resource(max_entries=256, show_spinner=False, hash_funcs=BY_CONTENT)
def finance_of(scenario: Scenario, _result: CohortResult,
               _base_result: CohortResult) -> FinanceSummary:
    """Cached :func:`sim.whatif.finance_summary` of ``scenario`` against its baseline (the
    expected-value runs; the same with or without Monte Carlo); shared and read-only. The
    key is the scenario alone: ``_result`` and ``_base_result`` (not hashed) are its and
    its baseline's cohort runs, which the caller holds."""
    return _read_only(finance_summary(scenario, _result, _base_result))


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=BY_CONTENT)
def whole_life_of(scenario: Scenario) -> WholeLife:
    """Cached :func:`sim.lifetime_value.scenario_whole_life` of ``scenario`` (with its run's
    cohorts, for the customers left at the horizon)."""
    return scenario_whole_life(scenario, cohort_run(scenario).cohorts)
