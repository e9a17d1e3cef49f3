"""Page "Lessons": predict, then reveal (the trainer's walk, or a participant's guess form)."""

import streamlit as st

from ui.entry import require_entry_point
from ui.i18n import t
from ui.lesson_view import participant_view, room_param, trainer_view
from ui.presentation import presentation_on

require_entry_point()

st.title(t("lessons.title"))
_room = room_param()
if _room:
    participant_view(_room)
else:
    if not presentation_on():
        st.caption(t("lessons.intro"))
    trainer_view()
