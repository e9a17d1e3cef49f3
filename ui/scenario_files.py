"""Sidebar: download the current scenario, upload a file, save into the library.

* **Download** gives the current scenario (levers applied) as TOML with its
  schema version; it loads back identically.
* **Upload** validates the file (size first, then TOML and every field) and
  lists every problem with its field path and allowed range; nothing is applied
  until the file is valid, and even then only when the user opens it. Valid
  uploads are kept for this session so the Compare page can use them.
* **Save** (when the app runs locally) writes into the scenario folder
  atomically; an existing file is replaced only when "replace" is ticked.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import streamlit as st

from sim import scenario_io
from sim.library import SCENARIO_DIR, is_preset_id
from sim.scenario import Scenario
from sim.schema import BilingualText, Issue, ScenarioError, localized_text
from ui import state
from ui.i18n import issue_text, local_text, t
from ui.text import md_text

__all__ = ["SAVE_DIR_ENV", "ALLOW_SAVE_ENV", "file_stem", "saving_allowed",
           "save_dir", "download_button", "render_files"]

SAVE_DIR_ENV = "CRMSIM_SAVE_DIR"
"""Folder saves go to (default: the scenario library, scenarios/)."""
ALLOW_SAVE_ENV = "CRMSIM_ALLOW_SAVE"
"""``1`` allows saving into the library; anything else (or unset) forbids it."""
_MESSAGE_KEY = "save_message"
MAX_LISTED_ISSUES = 50
"""Problems of an invalid upload listed one by one; the rest are counted."""


def file_stem(name: str | BilingualText) -> str:
    """A file name stem from a scenario name (its English text when it has both):
    ASCII letters, digits and ``_`` (≤ 60)."""
    ascii_name = unicodedata.normalize("NFKD", localized_text(name, "en")).encode(
        "ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9]+", "_", ascii_name).strip("_").lower()[:60]
    return stem or "scenario"


def saving_allowed() -> bool:
    """Saving into the library is a decision of whoever runs the server: only
    ``CRMSIM_ALLOW_SAVE=1`` offers it. What a browser reports (its host name, say
    ``localhost``) is never trusted: a remote client can claim anything."""
    return os.environ.get(ALLOW_SAVE_ENV) == "1"


def save_dir() -> Path:
    """Where saved files go."""
    return Path(os.environ.get(SAVE_DIR_ENV) or SCENARIO_DIR)


def download_button(live: state.LiveScenario) -> None:
    """Download the current scenario as a TOML file.

    The file is written when it is clicked, from the scenario as it is then: a lever
    move reruns only its page, not the sidebar, and the download is still the scenario
    the page shows.
    """
    st.download_button(t("files.download"),
                       data=lambda: scenario_io.dumps(live.scenario).encode("utf-8"),
                       file_name=f"{file_stem(live.scenario.name)}.toml",
                       mime="application/toml",
                       on_click="ignore", key="download_toml", icon=":material/download:",
                       width="stretch")


@st.cache_data(max_entries=16, show_spinner=False)
def _parse(data: bytes) -> tuple[Scenario | None, list[Issue], int]:
    """Validate uploaded bytes (cached on the content: reruns do not re-parse): the scenario,
    or the problems (the loader keeps the first ones) and how many there are in all."""
    try:
        return scenario_io.loads(data), [], 0
    except ScenarioError as exc:
        return None, exc.issues, getattr(exc, "total", len(exc.issues))


def _open(scenario: Scenario) -> None:
    state.load_into_session(scenario, None)


def _upload() -> None:
    uploaded = st.file_uploader(t("files.upload"), type=["toml"], key="upload_toml",
                                help=t("files.upload_help",
                                       kib=scenario_io.MAX_FILE_BYTES // 1024))
    if uploaded is None:
        return
    if uploaded.size > scenario_io.MAX_FILE_BYTES:
        st.error(t("files.too_large", name=md_text(uploaded.name, 120), kib=uploaded.size // 1024,
                   limit=scenario_io.MAX_FILE_BYTES // 1024), icon=":material/error:")
        return
    scenario, issues, total = _parse(uploaded.getvalue())
    if scenario is None:
        st.error(t("files.invalid", name=md_text(uploaded.name, 120), n=total),
                 icon=":material/error:")
        shown = issues[:MAX_LISTED_ISSUES]
        lines = [f"- {issue_text(issue)}" for issue in shown]
        if total > len(shown):
            lines.append(f"- {t('files.more_issues', n=total - len(shown))}")
        st.markdown("\n".join(lines))
        return
    label = f"{local_text(scenario.name)} ({uploaded.name})"
    state.add_upload(label, scenario)
    st.success(t("files.valid", name=md_text(local_text(scenario.name))),
               icon=":material/check_circle:")
    st.button(t("files.open"), key="open_upload", on_click=_open, args=(scenario,),
              icon=":material/upload_file:", width="stretch")


def _save() -> None:
    stem = st.session_state.get("save_name", "").strip()
    overwrite = bool(st.session_state.get("save_overwrite"))
    if not is_preset_id(stem):
        st.session_state[_MESSAGE_KEY] = ("error", t("files.bad_name", name=md_text(stem, 80)))
        return
    folder = save_dir()
    target = folder / f"{stem}.toml"
    scenario = state.current_scenario()
    try:
        scenario_io.save(scenario, target, overwrite=overwrite)
    except FileExistsError:
        st.session_state[_MESSAGE_KEY] = ("warning", t("files.exists", file=target.name))
        return
    except OSError as exc:
        st.session_state[_MESSAGE_KEY] = ("error", t("files.save_failed", file=target.name,
                                                     reason=md_text(exc.strerror or str(exc), 400)))
        return
    st.session_state["save_overwrite"] = False
    st.session_state[_MESSAGE_KEY] = ("success", t("files.saved", file=target.name))
    if folder.resolve() == SCENARIO_DIR.resolve():
        state.reload_presets()
        st.session_state[state.PRESET_KEY] = stem
        state.load_into_session(scenario, stem)


def _save_form() -> None:
    base = state.base_scenario()
    stem = state.loaded_preset() or file_stem(base.name)
    st.text_input(t("files.save_name"), value=stem,
                  key="save_name", help=t("files.save_name_help"), max_chars=60)
    st.checkbox(t("files.overwrite"), key="save_overwrite", help=t("files.overwrite_help"))
    st.button(t("files.save"), key="save_scenario", on_click=_save, icon=":material/save:",
              width="stretch")
    message = st.session_state.pop(_MESSAGE_KEY, None)
    if message:
        kind, text = message
        getattr(st, kind)(text)


def render_files() -> None:
    """The sidebar's file section: upload and (locally) save."""
    with st.expander(t("files.header"), icon=":material/folder_open:"):
        _upload()
        if saving_allowed():
            st.divider()
            _save_form()
        else:
            st.caption(t("files.save_unavailable"))
