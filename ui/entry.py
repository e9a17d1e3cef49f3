"""The app's pages, and making every page run through the entry point (app.py).

Streamlit treats a ``pages/`` folder next to the entry point as a legacy
multipage app until some script calls ``st.navigation``. So the very first
request a freshly started server receives, if it is a deep link such as
``/dashboard?scenario=…``, runs ``pages/dashboard.py`` alone: no page config,
no sidebar, no shared-link parameters, and the folder's file names as the
navigation. Each page calls :func:`require_entry_point` first; when app.py has
not run in this session, it declares the app's navigation (public
``st.navigation``, which switches Streamlit from the folder to the declared
pages) and reruns, so the link opens as it should (tests/e2e/test_shared_link.py
opens a link as a fresh server's first request).
"""

from __future__ import annotations

import streamlit as st

from ui.i18n import t

__all__ = ["app_pages", "mark_entry_point", "require_entry_point"]

_ENTRY_KEY = "entry_point_ran"


def app_pages() -> list[st.Page]:
    """The app's pages in navigation order (titles in the current language).

    The default page is served at the root URL (Streamlit gives it the path ``""``),
    so a hidden second entry for the same script answers its own link, ``/clv?…``,
    which would otherwise open "Page not found" on a running server.
    """
    return [
        st.Page("pages/clv.py", title=t("nav.clv"), url_path="home",
                icon=":material/savings:", default=True),
        st.Page("pages/clv.py", title=t("nav.clv"), url_path="clv",
                icon=":material/savings:", visibility="hidden"),
        st.Page("pages/loyalty.py", title=t("loyalty.nav"), url_path="loyalty",
                icon=":material/favorite:"),
        st.Page("pages/lessons.py", title=t("lessons.nav"), url_path="lessons",
                icon=":material/school:"),
        st.Page("pages/dashboard.py", title=t("dashboard.nav"), url_path="dashboard",
                icon=":material/dashboard:"),
        st.Page("pages/roi.py", title=t("roi.nav"), url_path="roi",
                icon=":material/payments:"),
        st.Page("pages/compare.py", title=t("compare.nav"), url_path="compare",
                icon=":material/compare_arrows:"),
        st.Page("pages/your_data.py", title=t("data.nav"), url_path="your_data",
                icon=":material/upload_file:"),
        st.Page("pages/optimise.py", title=t("optimise.nav"), url_path="optimise",
                icon=":material/target:"),
        st.Page("pages/service.py", title=t("service.nav"), url_path="service",
                icon=":material/support_agent:"),
    ]


def mark_entry_point() -> None:
    """Called by app.py on every run: the page that follows runs inside the app."""
    st.session_state[_ENTRY_KEY] = True


def require_entry_point() -> None:
    """Rerun through app.py when Streamlit ran this page script on its own."""
    if not st.session_state.get(_ENTRY_KEY):
        st.navigation(app_pages(), position="hidden")
        st.rerun()
