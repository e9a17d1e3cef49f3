"""Entry point: ``streamlit run app.py``. Page config, navigation, the shared sidebar."""

import streamlit as st

from ui import state
from ui.i18n import LANGUAGES, default_lang_from_locale, t
from ui.share import read_url_once
from ui.sidebar import render_sidebar

st.set_page_config(page_title="CRM strategy simulator", page_icon=":material/insights:",
                   layout="wide")

if st.session_state.get("lang") not in LANGUAGES:
    st.session_state["lang"] = default_lang_from_locale(getattr(st.context, "locale", None))
read_url_once()            # a shared link's scenario and levers, then the default preset

pages = [
    st.Page("pages/clv.py", title=t("nav.clv"), url_path="clv",
            icon=":material/savings:", default=True),
    st.Page("pages/loyalty.py", title=t("loyalty.nav"), url_path="loyalty",
            icon=":material/favorite:"),
    st.Page("pages/dashboard.py", title=t("dashboard.nav"), url_path="dashboard",
            icon=":material/dashboard:"),
    st.Page("pages/roi.py", title=t("roi.nav"), url_path="roi",
            icon=":material/payments:"),
    st.Page("pages/compare.py", title=t("compare.nav"), url_path="compare",
            icon=":material/compare_arrows:"),
]
navigation = st.navigation(pages)
render_sidebar()
navigation.run()
