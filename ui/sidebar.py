"""The sidebar drawn on every page: language, scenario picker, edited state."""

from __future__ import annotations

import streamlit as st

from sim.schema import Issue
from ui import state
from ui.i18n import LANGUAGES, t
__all__ = ["render_sidebar", "issue_text", "STATUS_FRAGMENT"]

STATUS_FRAGMENT = "scenario_status"
"""Key of the sidebar fragment showing the scenario's name and edit state; lever
callbacks rerun it together with their page's fragment."""


def issue_text(issue: Issue) -> str:
    """One validation problem in the current language."""
    return t(f"validation.{issue.code}", path=issue.path or "—", allowed=issue.allowed,
             got=issue.got)


def render_sidebar() -> None:
    """Language selector, scenario picker and the loaded scenario's name and edit state."""
    with st.sidebar:
        st.selectbox(t("sidebar.language"), options=list(LANGUAGES), key="lang",
                     format_func=lambda code: LANGUAGES[code])
        options = state.preset_options()
        st.selectbox(t("sidebar.scenario"), options=list(options), key=state.PRESET_KEY,
                     format_func=lambda pid: options.get(pid, pid), help=t("sidebar.scenario_help"),
                     on_change=state.on_preset_change)
        scenario_status()


@st.fragment(key=STATUS_FRAGMENT)
def scenario_status() -> None:
    """The loaded scenario's name, whether it was edited, and a reset button."""
    base = state.base_scenario()
    st.markdown(f"**{base.name}**")
    if state.is_edited():
        st.warning(t("sidebar.edited"), icon=":material/edit:")
        st.button(t("sidebar.reset"), key="reset_levers", on_click=state.load_into_session,
                  args=(base,))
    else:
        st.caption(t("sidebar.unedited"))
