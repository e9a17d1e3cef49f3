"""Make every page run through the entry point (app.py), even on a deep link.

Streamlit treats a ``pages/`` folder next to the entry point as a legacy
multipage app until some script calls ``st.navigation``. So the very first
request a freshly started server receives, if it is a deep link such as
``/dashboard?scenario=…``, runs ``pages/dashboard.py`` alone: no page config,
no sidebar, no shared-link parameters, and the folder's file names as the
navigation. Each page calls :func:`require_entry_point` first; in that case it
switches Streamlit to the entry point's navigation and reruns, so the link
opens as it should (tests/e2e/test_shared_link.py opens a link as a fresh
server's first request).
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

__all__ = ["require_entry_point"]


def require_entry_point() -> None:
    """Rerun through app.py when Streamlit ran this page script on its own."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False      # what st.navigation sets
        st.rerun()
