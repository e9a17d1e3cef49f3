"""Entry point: ``streamlit run app.py``. Page config, navigation, the shared sidebar."""

import streamlit as st

from ui.entry import app_pages, mark_entry_point
from ui.i18n import LANGUAGES, default_lang_from_locale
from ui.layout import apply_page_css
from ui.presentation import apply_presentation, read_present_param
from ui.share import read_url_once
from ui.sidebar import render_sidebar

st.set_page_config(page_title="CRM strategy simulator", page_icon=":material/insights:",
                   layout="wide")
mark_entry_point()
apply_page_css()

if st.session_state.get("lang") not in LANGUAGES:
    st.session_state["lang"] = default_lang_from_locale(getattr(st.context, "locale", None))
read_url_once()            # a shared link's scenario and levers, then the default preset
read_present_param()       # ?present=1: presentation mode

navigation = st.navigation(app_pages())
render_sidebar()
apply_presentation()       # projector layout (style sheet, exit button) when it is on
navigation.run()
