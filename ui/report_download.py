"""The "Download one-page report" buttons: :mod:`sim.onepage` from the live scenario.

The report is built on click (a deferred ``st.download_button``) from the same cached
runs the page shows (:func:`ui.state.whatif_run`, :func:`ui.compare_view.cached_compare`),
in the sidebar's language, and cached on its inputs (the scenarios' content, the
language, the date). A library file's hash is of its bytes when the file still holds
the scenario as loaded; otherwise (an upload, the current edits) the report hashes the
canonical scenario and says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import streamlit as st

from sim import scenario_io
from sim.library import SCENARIO_DIR, is_preset_id
from sim.locale import load_catalog, translate
from sim.onepage import ScenarioSource, comparison_report, single_report
from sim.scenario import Scenario
from sim.schema import ScenarioError
from ui import state
from ui.compare_view import CURRENT, cached_compare
from ui.i18n import current_lang, t

__all__ = ["library_source", "lesson_note", "single_report_button", "comparison_report_button",
           "single_report_html", "comparison_report_html"]

HTML_MIME = "text/html"


def library_source(scenario: Scenario, preset_id: str | None) -> ScenarioSource:
    """``scenario`` with its library file's bytes when ``scenarios/<preset_id>.toml`` still
    holds exactly it; else without a file (the report hashes the canonical scenario)."""
    if preset_id and is_preset_id(preset_id):
        path = SCENARIO_DIR / f"{preset_id}.toml"
        try:
            data = path.read_bytes()
            if scenario_io.loads(data) == scenario:
                return ScenarioSource(scenario, path.name, data)
        except (OSError, ScenarioError):
            pass
    return ScenarioSource(scenario)


def lesson_note(preset_id: str | None, lang: str) -> str | None:
    """The teaching note of a lesson preset (``lesson.<id>``) in ``lang``, or None."""
    key = f"lesson.{preset_id}"
    return translate(key, lang) if preset_id and key in load_catalog("en") else None


def _today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=state.BY_CONTENT)
def single_report_html(scenario: Scenario, loaded: Scenario, preset_id: str | None, lang: str,
                       day: str) -> bytes:
    """The one-page report of ``scenario`` (the dashboard's run, Monte Carlo included)
    against its baseline, the levers measured from ``loaded``, as UTF-8 HTML."""
    return single_report(state.whatif_run(scenario), lang, library_source(loaded, preset_id),
                         note=lesson_note(preset_id, lang),
                         today=dt.date.fromisoformat(day)).encode("utf-8")


@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=state.BY_CONTENT)
def comparison_report_html(scenarios: tuple[Scenario, ...], reference: int,
                           labels: tuple[str, ...], preset_ids: tuple[str | None, ...],
                           lang: str, day: str) -> bytes:
    """The one-page report of the Compare page's comparison, as UTF-8 HTML."""
    result = cached_compare(scenarios, reference, labels)
    sources = [library_source(s, p) for s, p in zip(scenarios, preset_ids, strict=True)]
    return comparison_report(result, lang, sources,
                             today=dt.date.fromisoformat(day)).encode("utf-8")


def single_report_button(container: Any, key: str) -> None:
    """The download button of the current scenario's one-page report, built when clicked
    from the scenario as it is then (a lever move need not redraw the button)."""
    live, loaded, preset = state.live_scenario(), state.base_scenario(), state.loaded_preset()
    lang = current_lang()
    container.download_button(
        t("report.download"),
        lambda: single_report_html(live.scenario, loaded, preset, lang, _today()),
        f"report_{preset or 'scenario'}_{lang}.html", HTML_MIME, key=key,
        icon=":material/description:", help=t("report.download_help"))


def _choice_preset(choice: str) -> str | None:
    """The library file of a Compare choice key (``preset:<id>``; ``current``: the loaded
    file, used for the hash only if the levers left it as it is); None for an upload."""
    if choice.startswith("preset:"):
        return choice.removeprefix("preset:")
    return state.loaded_preset() if choice == CURRENT else None


def comparison_report_button(container: Any, scenarios: Sequence[Scenario], reference: int,
                             labels: Sequence[str], choices: Sequence[str], key: str) -> None:
    """The download button of the comparison's one-page report (``choices``: the Compare
    page's choice keys of the scenarios, for their files' hashes)."""
    lang = current_lang()
    args = (tuple(scenarios), reference, tuple(labels),
            tuple(_choice_preset(c) for c in choices), lang)
    container.download_button(
        t("report.download_compare"),
        lambda: comparison_report_html(*args, _today()),
        f"comparison_{lang}.html", HTML_MIME, key=key, icon=":material/description:",
        help=t("report.download_help"))
