"""Sidebar: download the current scenario, upload a file, save into the library.

* **Download** gives the current scenario (levers applied) as TOML: only what differs
  from the defaults, or, when it came from a file, that file with only the changed values
  replaced (its comments and layout kept); it loads back identically.
* **Name and description**: once the levers differ from the loaded file, a download or a
  save carries the name and description typed here (prefilled with a distinct copy name
  and the list of changes), so a file never describes values it no longer holds.
* **Upload** validates the file (size first, then TOML and every field) and
  lists every problem with its field path and allowed range; nothing is applied
  until the file is valid, and even then only when the user opens it. Valid
  uploads are kept for this session so the Compare page can use them.
* **Save** (when the server allows it) writes into the scenario folder atomically; an
  existing file is replaced only when "replace" is ticked. The saved file becomes the
  loaded scenario and the picker names it.
* **Copy link**: the shareable link of a library scenario and its levers, in a code
  block with Streamlit's copy button.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from sim import scenario_io
from sim.file_names import changed_fields, copy_name
from sim.library import SCENARIO_DIR, is_preset_id
from sim.scenario import Scenario, full_example
from sim.schema import BilingualText, Issue, ScenarioError, iter_fields, localized_text
from ui import state
from ui.compare_view import field_label
from ui.i18n import LANGUAGES, current_lang, file_text, issue_text, local_text, t
from ui.share import share_link
from ui.text import md_text

__all__ = ["SAVE_DIR_ENV", "ALLOW_SAVE_ENV", "file_stem", "saving_allowed",
           "save_dir", "download_button", "render_files", "render_writing", "copy_link",
           "CopyText", "copy_text", "NAME_KEY", "DESCRIPTION_KEY", "LINK_KEY"]

SAVE_DIR_ENV = "CRMSIM_SAVE_DIR"
"""Folder saves go to (default: the scenario library, scenarios/)."""
ALLOW_SAVE_ENV = "CRMSIM_ALLOW_SAVE"
"""``1`` allows saving into the library; anything else (or unset) forbids it."""
_MESSAGE_KEY = "save_message"
_SAVE_DEFAULT_KEY = "save_name_default"
_PREFILL_KEY = "file_description_prefill"
_NAME_PREFILL_KEY = "file_name_prefill"
NAME_KEY = "file_name"
"""Editor key (:func:`ui.state.editor_key`) of the name a written copy carries."""
DESCRIPTION_KEY = "file_description"
"""Editor key of the description a written copy carries."""
LINK_KEY = "share_link"
"""Key of the "Copy link" expander (its open state)."""
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




def _levers_same(base: Scenario, current: Scenario) -> bool:
    return dataclasses.replace(current, name=base.name, description=base.description) == base


@dataclass(frozen=True)
class CopyText:
    """The name and description an edited copy is written with, fixed when the sidebar is
    drawn (a deferred download runs outside the script and reads no session state).

    Attributes:
        base: the scenario as loaded.
        lang: the language the texts were typed in.
        name: the name typed (or prefilled).
        description: the description typed; None while it is the prefilled one, which is
            then made at writing time from the changes as they are then.
        template: the prefilled description's first line, ``{changes}`` left to fill.
        other_suffixes: ``{language: edited suffix}`` for a bilingual base's other texts.
        labels: ``{field path: name in lang}`` of every field (the path where none).
    """

    base: Scenario
    lang: str
    name: str
    description: str | None
    template: str
    other_suffixes: dict[str, str]
    labels: dict[str, str]

    def default_description(self, current: Scenario) -> str:
        """What changed from ``base`` to ``current``, then the loaded file's description."""
        changes = [f"{self.labels.get(path, path)}: {old} → {new}"
                   for path, old, new in changed_fields(self.base, current)]
        note = self.template.replace("{changes}", "; ".join(changes))
        old = localized_text(self.base.description, self.lang)
        return (note + ("\n\n" + old if old else ""))[:4000]

    def _value(self, base_value: object, typed: str, suffixed: bool) -> object:
        """``typed``; for a bilingual base, its table with this language's text replaced
        (the other languages' names get their edited suffix)."""
        base_value = file_text(base_value)
        if not isinstance(base_value, dict):
            return typed
        out = {k: str(v) for k, v in base_value.items()}
        for other in out:
            if other != self.lang and suffixed:
                out[other] = copy_name(out[other], frozenset(), self.other_suffixes[other])
        out[self.lang] = typed
        return out

    def written(self, current: Scenario, default_name: str | None = None) -> Scenario:
        """What a download or save writes: ``current``, renamed when its levers differ from
        ``base``. A name or description the schema refuses is replaced by the prefilled one
        (``default_name``)."""
        if _levers_same(self.base, current):
            return current
        description = (self.description if self.description is not None
                       else self.default_description(current))
        renamed = dataclasses.replace(
            current, name=self._value(self.base.name, self.name, True),
            description=self._value(self.base.description, description, False))
        try:
            return state.validated(renamed)
        except ScenarioError:
            pass
        prefilled = dataclasses.replace(
            current, name=self._value(self.base.name, default_name or self.name, True),
            description=self._value(self.base.description,
                                    self.default_description(current), False))
        try:
            return state.validated(prefilled)
        except ScenarioError:
            return current


def _copy_name(base: Scenario) -> str:
    """A name for an edited copy that no picker entry has (``… (edited)``, ``… (edited) 2``)."""
    taken = {local_text(s.name) for s in state.uploads().values()}
    taken |= {local_text(name) for name in state.preset_options().values()}
    return copy_name(local_text(base.name), frozenset(taken), t("files.edited_suffix"))


@functools.cache
def _field_labels(lang: str) -> dict[str, str]:
    """Every field's name in ``lang``, the current language (:func:`ui.compare_view.field_label`,
    which reads it; the cache is keyed on it)."""
    paths = [path for path, _spec, _value in iter_fields(full_example())]
    paths += ["equity_test", "service"]
    return {path: field_label(path) for path in paths}


def copy_text(name: str | None = None, description: str | None = None) -> CopyText:
    """The :class:`CopyText` of the loaded scenario with what was typed (None: prefilled)."""
    base = state.base_scenario()
    lang = current_lang()
    return CopyText(base=base, lang=lang,
                    name=name if name is not None else _copy_name(base),
                    description=description,
                    template=t("files.edited_from", name=local_text(base.name),
                               changes="{changes}"),
                    other_suffixes={code: t("files.edited_suffix", lang=code)
                                    for code in LANGUAGES},
                    labels=_field_labels(lang))


def _rename_inputs() -> CopyText:
    """When the levers changed: the name and description a written copy carries, prefilled
    (with the problem of a refused one)."""
    base, current = state.base_scenario(), state.current_scenario()
    prefilled = copy_text()
    if _levers_same(base, current):
        return prefilled
    shown_default = prefilled.default_description(current)
    name_key, desc_key = state.editor_key(NAME_KEY), state.editor_key(DESCRIPTION_KEY)
    held = st.session_state
    if name_key not in held or held[name_key] == held.get(_NAME_PREFILL_KEY):
        held[name_key] = held[_NAME_PREFILL_KEY] = prefilled.name    # untouched: follows
    if desc_key not in held or held[desc_key] == held.get(_PREFILL_KEY):
        held[desc_key] = held[_PREFILL_KEY] = shown_default    # untouched: follows the edits
    st.caption(t("files.rename_caption"))
    name = st.text_input(t("files.rename_name"), key=name_key, max_chars=120)
    description = st.text_area(t("files.rename_description"), key=desc_key, height=110,
                               max_chars=4000)
    typed = copy_text(name, None if description == held.get(_PREFILL_KEY) else description)
    try:
        state.validated(dataclasses.replace(current, name=typed._value(base.name, name, False),
                                            description=description))
    except ScenarioError as exc:
        st.error("; ".join(issue_text(i) for i in exc.issues) + " " + t("files.rename_kept"),
                 icon=":material/error:")
    return typed


def _file_text(live: state.LiveScenario, copy: CopyText, default_name: str,
               source: str | None) -> bytes:
    """The downloaded file, written when it is clicked from the scenario as it is then."""
    return scenario_io.dumps(copy.written(live.scenario, default_name), source).encode("utf-8")


def download_button(live: state.LiveScenario, copy: CopyText | None = None) -> None:
    """Download the current scenario as a TOML file (only what differs from the defaults,
    or the loaded file with its changed values replaced), renamed as ``copy`` says when its
    levers changed.

    The file is written when it is clicked, from the scenario as it is then: a lever
    move reruns only its page, not the sidebar, and the download is still the scenario
    the page shows.
    """
    copy = copy or copy_text()
    default_name = _copy_name(copy.base)
    source = state.loaded_source()
    shown = copy.written(live.scenario, default_name)
    st.download_button(t("files.download"),
                       data=lambda: _file_text(live, copy, default_name, source),
                       file_name=f"{file_stem(local_text(shown.name))}.toml",
                       mime="application/toml",
                       on_click="ignore", key="download_toml", icon=":material/download:",
                       width="stretch")


def copy_link() -> None:
    """A "Copy link" section: the shareable link in a code block, which has Streamlit's
    copy-to-clipboard button (Streamlit has no clipboard API of its own). It is built when
    the section opens (a rerun), from the levers as they are then."""
    section = st.expander(t("files.link"), icon=":material/link:", key=LINK_KEY,
                          on_change="rerun")
    with section:
        if section.open is False:
            return
        link = share_link(getattr(st.context, "url", None))
        if link is None:
            st.caption(t("files.link_unavailable"))
            return
        st.caption(t("files.link_help"))
        st.code(link, language=None, wrap_lines=True)


def render_writing() -> None:
    """Download, save and link of the scenario being shown (in the sidebar's status
    fragment, which reruns when the scenario becomes edited or unedited): first the name
    and description a copy carries, when the levers changed."""
    copy = _rename_inputs()
    download_button(state.live_scenario(), copy)
    if saving_allowed():
        with st.popover(t("files.save"), icon=":material/save:", width="stretch"):
            _save_form(copy)
        _save_message()
    copy_link()


@st.cache_data(max_entries=16, show_spinner=False)
def _parse(data: bytes) -> tuple[Scenario | None, list[Issue], int]:
    """Validate uploaded bytes (cached on the content: reruns do not re-parse): the scenario,
    or the problems (the loader keeps the first ones) and how many there are in all."""
    try:
        return scenario_io.loads(data), [], 0
    except ScenarioError as exc:
        return None, exc.issues, getattr(exc, "total", len(exc.issues))


def _open(label: str, scenario: Scenario, source: str | None) -> None:
    state.open_session_scenario(label, scenario, source)


def _source_text(data: bytes) -> str | None:
    """An uploaded file's text (what a download of it edits), or None if not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


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
    source = _source_text(uploaded.getvalue())
    state.add_upload(label, scenario, source)
    st.success(t("files.valid", name=md_text(local_text(scenario.name))),
               icon=":material/check_circle:")
    st.button(t("files.open"), key="open_upload", on_click=_open, args=(label, scenario, source),
              icon=":material/upload_file:", width="stretch")


def _save(copy: CopyText, name_key: str) -> None:
    """Save the current scenario (renamed as ``copy`` says when its levers changed) into the
    save folder; the saved file becomes the loaded scenario, named by the picker."""
    scenario = copy.written(state.current_scenario(), _copy_name(copy.base))
    stem = st.session_state.get(name_key, "").strip()
    overwrite = bool(st.session_state.get("save_overwrite"))
    if not is_preset_id(stem):
        st.session_state[_MESSAGE_KEY] = ("error", t("files.bad_name", name=md_text(stem, 80)))
        return
    folder = save_dir()
    target = folder / f"{stem}.toml"
    try:
        scenario_io.save(scenario, target, overwrite=overwrite, original=state.loaded_source())
    except FileExistsError:
        st.session_state[_MESSAGE_KEY] = ("warning", t("files.exists", file=target.name))
        return
    except OSError as exc:
        st.session_state[_MESSAGE_KEY] = ("error", t("files.save_failed", file=target.name,
                                                     reason=md_text(exc.strerror or str(exc), 400)))
        return
    st.session_state["save_overwrite"] = False
    st.session_state[_MESSAGE_KEY] = ("success", t("files.saved", file=target.name))
    text = target.read_text(encoding="utf-8")
    if folder.resolve() == SCENARIO_DIR.resolve():
        state.reload_presets()
        state.load_into_session(scenario, stem, text)
    else:
        state.open_session_scenario(f"{local_text(scenario.name)} ({target.name})", scenario,
                                    text)


def _save_form(copy: CopyText) -> None:
    """File name, "replace" and the save button (the current scenario as ``copy`` names it)."""
    scenario = copy.written(state.current_scenario())
    default = file_stem(scenario.name)
    if state.loaded_preset() is not None and scenario == state.base_scenario():
        default = state.loaded_preset() or default
    name_key = "save_name"
    if st.session_state.get(_SAVE_DEFAULT_KEY) != default:    # a new scenario or copy name
        st.session_state[_SAVE_DEFAULT_KEY] = default
        st.session_state[name_key] = default
    st.text_input(t("files.save_name"), key=name_key, help=t("files.save_name_help"),
                  max_chars=60)
    st.checkbox(t("files.overwrite"), key="save_overwrite", help=t("files.overwrite_help"))
    st.button(t("files.save"), key="save_scenario", on_click=_save, args=(copy, name_key),
              icon=":material/save:", width="stretch")


def _save_message() -> None:
    """The last save's outcome, under the save button's popover (which a rerun closes)."""
    message = st.session_state.pop(_MESSAGE_KEY, None)
    if message:
        kind, text = message
        getattr(st, kind)(text)


def render_files() -> None:
    """The sidebar's file section: upload (and whether saving is available)."""
    with st.expander(t("files.header"), icon=":material/folder_open:"):
        _upload()
        if not saving_allowed():
            st.caption(t("files.save_unavailable"))
