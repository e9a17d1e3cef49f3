"""The sidebar drawn on every page: language, scenario picker (library files and this
session's scenarios, always naming the one loaded), edited state, download/save/link, files."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.i18n import LANGUAGES, issue_text, local_text, t
from ui.presentation import render_toggle
from ui.scenario_files import render_files, render_writing
from ui.share import clear_notices, sync_url, url_notices
from ui.text import plain_text

__all__ = ["render_sidebar", "issue_text", "STATUS_FRAGMENT"]

STATUS_FRAGMENT = "scenario_status"
"""Key of the sidebar fragment showing the scenario's name and edit state; lever
callbacks rerun it together with their page's fragment."""


def _on_pick() -> None:
    clear_notices()
    state.on_preset_change()


def render_sidebar() -> None:
    """Language selector, scenario picker and the loaded scenario's name and edit state."""
    with st.sidebar:
        st.selectbox(t("sidebar.language"), options=list(LANGUAGES), key="lang",
                     format_func=lambda code: LANGUAGES[code])
        options = state.picker_options()
        picked = state.resolve_preset(st.session_state.get(state.PRESET_KEY))
        if picked is not None and picked != st.session_state.get(state.PRESET_KEY):
            st.session_state[state.PRESET_KEY] = picked     # a label of the other language
        st.selectbox(t("sidebar.scenario"), options=list(options), key=state.PRESET_KEY,
                     format_func=lambda pid: options.get(pid, pid), help=t("files.picker_help"),
                     on_change=_on_pick)
        render_toggle()
        state.mark_drawn()
        scenario_status()
        render_files()


@st.fragment(key=STATUS_FRAGMENT)
def scenario_status() -> None:
    """The loaded scenario's name, whether it was edited, and a reset button.

    A button of this fragment that loads a scenario (reset, save) reruns the whole app: the
    picker and the page must follow the new scenario, not only this fragment.
    """
    if state.loaded_since_drawn():
        st.rerun(scope="app")
    base, current = state.base_scenario(), state.current_scenario()
    st.text(plain_text(local_text(base.name)))     # user text: never parsed as Markdown
    if local_text(base.description):
        with st.expander(t("sidebar.about"), icon=":material/description:"):
            st.text(plain_text(local_text(base.description)))
    if current != base:
        st.warning(t("sidebar.edited"), icon=":material/edit:")
        st.button(t("sidebar.reset"), key="reset_levers", on_click=state.reset_to_loaded)
    else:
        st.caption(t("sidebar.unedited"))
    for notice in url_notices():
        st.warning(notice, icon=":material/link_off:")
    render_writing()
    sync_url()
