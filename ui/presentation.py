"""Presentation mode: a projector layout, switched by a sidebar toggle or ``?present=1``.

When on, a style sheet (``st.html`` with only a ``<style>`` tag, which Streamlit places in its
event container so it takes no room) hides the sidebar, the header and the lever panels (the
expanders holding a lever widget, found by the lever widgets' ``st-key-<key>`` classes), widens
the page and enlarges its text; the lesson view also draws its charts taller with larger
fonts (:func:`chart_scale`). An "Exit" button replaces the hidden toggle. In a lesson, the
arrow keys click the Previous / Next buttons (:func:`arrow_keys`).
"""

from __future__ import annotations

import streamlit as st

from ui.i18n import t
from ui.levers import LEVERS

__all__ = ["PRESENT_KEY", "PRESENT_PARAM", "presentation_on", "read_present_param",
           "render_toggle", "apply_presentation", "chart_scale", "arrow_keys", "style_sheet"]

PRESENT_KEY = "present"
PRESENT_PARAM = "present"
_READ_KEY = "present_param_read"
FONT_SIZE_PX = 22
"""Root font size in presentation mode (Streamlit's own is 16 px)."""


def presentation_on() -> bool:
    """True when this session is in presentation mode."""
    return bool(st.session_state.get(PRESENT_KEY, False))


def read_present_param() -> None:
    """On a session's first run, ``?present=1`` (or ``true``) turns presentation mode on."""
    if st.session_state.get(_READ_KEY):
        return
    st.session_state[_READ_KEY] = True
    if st.query_params.get(PRESENT_PARAM, "").lower() in ("1", "true", "yes", "on"):
        st.session_state[PRESENT_KEY] = True


def _sync_param() -> None:
    if presentation_on():
        st.query_params[PRESENT_PARAM] = "1"
    elif PRESENT_PARAM in st.query_params:
        del st.query_params[PRESENT_PARAM]


def _exit() -> None:
    st.session_state[PRESENT_KEY] = False
    _sync_param()


def render_toggle() -> None:
    """The sidebar's presentation-mode toggle."""
    st.toggle(t("presentation.toggle"), key=PRESENT_KEY, help=t("presentation.toggle_help"),
              on_change=_sync_param)


def style_sheet() -> str:
    """The presentation mode's CSS (a ``<style>`` element)."""
    levers = ", ".join(f".st-key-{lv.key}" for lv in LEVERS)
    return f"""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stHeader"] {{ display: none !important; }}
[data-testid="stMain"] [data-testid="stExpander"]:has({levers}) {{ display: none !important; }}
html {{ font-size: {FONT_SIZE_PX}px; }}
[data-testid="stMainBlockContainer"] {{ max-width: 100%; padding: 1.5rem 3rem 2rem 3rem; }}
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stWidgetLabel"] p {{ font-size: 1.1rem; }}
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p {{ font-size: 2.6rem; }}
</style>"""


def apply_presentation() -> None:
    """In presentation mode: the style sheet and an Exit button at the top of the page."""
    if not presentation_on():
        return
    st.html(style_sheet())
    st.button(t("presentation.exit"), key="present_exit", on_click=_exit,
              icon=":material/close_fullscreen:", type="tertiary")


def chart_scale() -> float:
    """How much taller and larger-lettered charts are drawn (1 normally, 1.5 presenting)."""
    return 1.5 if presentation_on() else 1.0


_ARROW_SCRIPT = """<script>
(function () {
  const doc = window.document;
  if (window.__crmLessonKeys) { doc.removeEventListener("keydown", window.__crmLessonKeys); }
  window.__crmLessonKeys = function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    const target = event.target;
    if (target && (target.closest("input, textarea, select, [role=slider], [contenteditable]"))) {
      return;
    }
    const forward = event.key === "ArrowRight" || event.key === "PageDown";
    const back = event.key === "ArrowLeft" || event.key === "PageUp";
    const key = forward ? "%(next)s" : back ? "%(previous)s" : null;
    if (!key) { return; }
    const button = doc.querySelector(".st-key-" + key + " button:not([disabled])");
    if (button) { event.preventDefault(); button.click(); }
  };
  doc.addEventListener("keydown", window.__crmLessonKeys);
})();
</script>"""


def arrow_keys(next_key: str, previous_key: str) -> None:
    """Left / right arrow keys (and Page Up / Page Down, which presentation clickers send)
    click the buttons keyed ``previous_key`` / ``next_key``.

    Streamlit has no key-event API; ``st.html(..., unsafe_allow_javascript=True)`` runs a
    fixed script (no user text in it) in the app's own document, which listens for the
    keys and clicks the buttons' elements (``.st-key-<key> button``). Keys pressed while a
    slider or a text field has the focus stay with that widget.
    """
    st.html(_ARROW_SCRIPT % {"next": next_key, "previous": previous_key},
            unsafe_allow_javascript=True)
