"""Entry point: ``streamlit run app.py``. Page config, navigation, the shared sidebar."""

import streamlit as st

from ui import state
from ui.i18n import LANGUAGES, default_lang_from_locale, t
from ui.levers import keep_lever_state
from ui.sidebar import render_sidebar

st.set_page_config(page_title="CRM strategy simulator", page_icon=":material/insights:",
                   layout="wide")

if st.session_state.get("lang") not in LANGUAGES:
    st.session_state["lang"] = default_lang_from_locale(getattr(st.context, "locale", None))
keep_lever_state()
state.ensure_loaded()

pages = [
    st.Page("pages/clv_cohorts.py", title=t("nav.clv"), url_path="clv",
            icon=":material/savings:", default=True),
]
navigation = st.navigation(pages)
render_sidebar()
navigation.run()
