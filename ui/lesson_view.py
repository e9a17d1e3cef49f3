"""The "Lessons" page's views: the trainer's walk (question → guess → reveal → next, summary)
and a participant's guess form in a room (``?room=CODE``).

Everything shown as a truth comes from :mod:`sim.lesson_steps` (the cohort engine on the
lesson's shipped scenario file); this module holds widgets, formats and session state only.
Session state: the lesson picked (``lesson_pick``), the step shown (``lesson_step``, an index;
``len(steps)`` is the summary), whether it is revealed (``lesson_revealed``), the trainer's
guesses recorded at each reveal (``lesson_guesses``: ``{lesson: {step: guess}}``), the room
the trainer opened (``lesson_room``) and a participant's anonymous id.
"""

from __future__ import annotations

import secrets
from typing import Any

import pandas as pd
import streamlit as st

from sim.lesson_steps import (
    CHOICES,
    MEASURES,
    Lesson,
    LessonStep,
    StepTruth,
    choice_counts,
    guess_histogram,
    lesson_for_preset,
    lesson_scenario,
    lessons,
    retention_by_year,
    room_consensus,
    step_scenario,
    step_truth,
    summary_table,
    sweep_table,
    sweep_x_of_step,
)
from ui import state
from ui.charts import retention_lines_chart, retention_lines_data, show_template_chart
from ui.i18n import fmt_money, fmt_number, fmt_pct, t
from ui.lesson_charts import (
    UNIT_FORMATS,
    before_after_chart,
    before_after_data,
    guesses_chart,
    guesses_data,
    sweep_chart,
    sweep_data,
)
from ui.lesson_room import is_room_code, room_store
from ui.presentation import arrow_keys, chart_scale
from ui.text import plain_text

__all__ = ["PICK_KEY", "STEP_KEY", "REVEALED_KEY", "GUESSES_KEY", "ROOM_KEY", "ROOM_PARAM",
           "FORWARD_KEY", "BACK_KEY", "trainer_view", "open_lesson_button", "participant_view",
           "room_param", "format_value"]

PICK_KEY = "lesson_pick"
STEP_KEY = "lesson_step"
REVEALED_KEY = "lesson_revealed"
GUESSES_KEY = "lesson_guesses"
ROOM_KEY = "lesson_room"
ROOM_PARAM = "room"
PARTICIPANT_KEY = "lesson_participant"
FORWARD_KEY = "lesson_forward"
BACK_KEY = "lesson_back"
RESTART_KEY = "lesson_restart"
SWEEP_X_FORMAT = ".0%"
"""Every swept field is a fraction (competition, switching cost, retention points)."""
POLL_SECONDS = 2.0
"""How often a participant's form and the trainer's guess count look at the room."""


_METRIC_WRAP = """<style>
.st-key-lesson_metrics [data-testid="stMetricValue"] *, .st-key-lesson_metrics
[data-testid="stMetricDelta"] * { white-space: normal !important; overflow: visible !important;
text-overflow: clip !important; }
</style>"""
"""Long answers ("It stays about the same") wrap instead of being cut in the metrics."""


# --- engine results, cached on the lesson and step ids (the scenarios are shipped files) ---

def _step(lesson_id: str, step_id: str) -> tuple[Lesson, LessonStep]:
    one = lessons()[lesson_id]
    return one, one.step_by_id(step_id)


@st.cache_data(max_entries=128, show_spinner=False)
def _truth(lesson_id: str, step_id: str) -> StepTruth:
    one, step = _step(lesson_id, step_id)
    return step_truth(lesson_scenario(one), step)


@st.cache_data(max_entries=64, show_spinner=False)
def _sweep(lesson_id: str, step_id: str) -> tuple[pd.DataFrame, float]:
    one, step = _step(lesson_id, step_id)
    base = lesson_scenario(one)
    return sweep_table(base, step), sweep_x_of_step(base, step)


@st.cache_data(max_entries=64, show_spinner=False)
def _by_year(lesson_id: str, step_id: str) -> pd.DataFrame:
    one, step = _step(lesson_id, step_id)
    return retention_by_year(step_scenario(lesson_scenario(one), step))


# --- formats ---

def _currency(one: Lesson) -> str:
    return lesson_scenario(one).currency


def format_value(unit: str, value: float | str | None, currency: str) -> str:
    """A guess or a truth for reading: a choice's label, %, money or "n ×"."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return t("lessons.no_guess")
    if isinstance(value, str):
        return t(f"lessons.choice.{value}")
    if unit == "pct":
        return fmt_pct(value)
    if unit == "money":
        return fmt_money(value, currency)
    return t("lessons.times", value=fmt_number(value, 1))


def _measure_unit(step: LessonStep, before: bool = False) -> str:
    return MEASURES[(step.before or step.measure) if before else step.measure][0]


def _truth_text(step: LessonStep, truth: StepTruth, currency: str) -> str:
    """The answer as the note and the metric say it (a choice's value moved to: its level)."""
    if step.guess == "choice":
        return format_value(_measure_unit(step), truth.after, currency)
    return format_value(step.unit, truth.value, currency)


def _value_label(step: LessonStep) -> str:
    measure = t(f"lessons.measure.{step.measure}")
    return t("lessons.measure.change", measure=measure) if step.value == "change" else measure


# --- the guess widget (trainer and participant) ---

def _display_scale(step: LessonStep) -> float:
    return 100.0 if step.unit == "pct" else 1.0


def _slider_format(step: LessonStep) -> str:
    return {"pct": "%.0f %%", "money": "%.2f", "times": "%.1f ×"}[step.unit]


def guess_widget(step: LessonStep, key: str, label: str, help_text: str | None = None
                 ) -> float | str | None:
    """A slider over the step's range (percentages shown 0-100) or the three choices; the
    guess in the step's unit (a fraction for %), a choice code, or None when none is chosen."""
    if step.guess == "choice":
        labels = {c: t(f"lessons.choice.{c}") for c in CHOICES}  # (built now: AppTest calls
        return st.radio(label, options=list(CHOICES), index=None,   # format_func later)
                        key=key, help=help_text, format_func=labels.__getitem__)
    k = _display_scale(step)
    shown = st.slider(label, min_value=step.min * k, max_value=step.max * k,
                      value=step.slider_start * k, step=step.step * k, key=key, help=help_text,
                      format=_slider_format(step))
    return round(float(shown) / k, 10)


def widget_guess(step: LessonStep, key: str) -> float | str | None:
    """The guess a :func:`guess_widget` keyed ``key`` holds, in the step's unit."""
    value = st.session_state.get(key)
    if value is None or step.guess == "choice":
        return value
    return round(float(value) / _display_scale(step), 10)


# --- session state of the walk ---

def _picked() -> Lesson:
    options = lessons()
    if st.session_state.get(PICK_KEY) not in options:
        st.session_state[PICK_KEY] = next(iter(options))
    return options[st.session_state[PICK_KEY]]


def _index() -> int:
    return int(st.session_state.get(STEP_KEY, 0))


def _revealed() -> bool:
    return bool(st.session_state.get(REVEALED_KEY, False))


def _go(index: int, revealed: bool) -> None:
    st.session_state[STEP_KEY] = index
    st.session_state[REVEALED_KEY] = revealed


def _on_pick() -> None:
    _go(0, False)


def _trainer_guesses(lesson_id: str) -> dict[str, float | str | None]:
    return st.session_state.setdefault(GUESSES_KEY, {}).setdefault(lesson_id, {})


def _guess_key(lesson_id: str, step_id: str) -> str:
    return f"guess_{lesson_id}_{step_id}"


def _forward(one: Lesson) -> None:
    """Reveal the open question, or go on to the next step (or the summary)."""
    index = _index()
    if index >= len(one.steps):
        return
    if not _revealed():
        step = one.steps[index]
        _trainer_guesses(one.id)[step.id] = widget_guess(step, _guess_key(one.id, step.id))
        _go(index, True)
    else:
        _go(index + 1, False)


def _back(one: Lesson) -> None:
    """Back one step (shown revealed: its guess is already recorded)."""
    index = _index()
    if _revealed() and index < len(one.steps):
        _go(index, False)
    elif index > 0:
        _go(index - 1, True)


# --- room (trainer side) ---

def _room_code() -> str | None:
    code = st.session_state.get(ROOM_KEY)
    if code is not None and room_store().room(code) is None:
        st.session_state[ROOM_KEY] = None           # expired or closed
        return None
    return code


def _open_room(lesson_id: str) -> None:
    code = room_store().open_room(lesson_id)
    if code is None:
        st.session_state["lesson_room_full"] = True
    st.session_state[ROOM_KEY] = code


def _close_room() -> None:
    code = st.session_state.get(ROOM_KEY)
    if code:
        room_store().close(code)
    st.session_state[ROOM_KEY] = None


def _room_link(code: str) -> str:
    url = getattr(st.context, "url", None) or ""
    base = url.split("?")[0].rstrip("/")
    for tail in ("/lessons", "/home"):
        if base.endswith(tail):
            base = base[: -len(tail)]
    return f"{base}/lessons?{ROOM_PARAM}={code}"


def _room_guesses(lesson_id: str) -> dict[str, list[float | str]]:
    code = _room_code()
    if code is None:
        return {}
    one = lessons()[lesson_id]
    return {s.id: room_store().guesses(code, s.id) for s in one.steps}


@st.fragment(run_every=POLL_SECONDS)
def _room_count(step_id: str) -> None:
    code = _room_code()
    if code is not None:
        st.caption(t("lessons.room.count", count=len(room_store().guesses(code, step_id))))


def _room_panel(one: Lesson) -> None:
    with st.container(border=True, key="lesson_room_panel"):
        st.markdown(f"**{t('lessons.room.header')}**")
        code = _room_code()
        if code is None:
            if st.session_state.pop("lesson_room_full", False):
                st.warning(t("lessons.room.full"), icon=":material/group_off:")
            st.button(t("lessons.room.open"), key="lesson_room_open",
                      help=t("lessons.room.open_help"), on_click=_open_room, args=(one.id,),
                      icon=":material/groups:")
            return
        room_store().show_step(code, one.id, _index(), _revealed())
        st.write(t("lessons.room.link", code=code))
        st.code(_room_link(code), language=None, wrap_lines=True)
        if _index() < len(one.steps) and not _revealed():
            _room_count(one.steps[_index()].id)
        st.button(t("lessons.room.close"), key="lesson_room_close", on_click=_close_room,
                  type="tertiary", icon=":material/close:")


# --- the trainer's walk ---

def _nav(one: Lesson) -> None:
    index, total = _index(), len(one.steps)
    if index >= total:
        label, icon = t("lessons.restart"), ":material/replay:"
    elif not _revealed():
        label, icon = t("lessons.reveal"), ":material/visibility:"
    elif index + 1 < total:
        label, icon = t("lessons.next"), ":material/arrow_forward:"
    else:
        label, icon = t("lessons.summary_button"), ":material/summarize:"
    row = st.container(horizontal=True, key="lesson_nav")
    row.button(t("lessons.previous"), key=BACK_KEY, on_click=_back, args=(one,),
               disabled=index == 0 and not _revealed(), icon=":material/arrow_back:")
    if index >= total:
        row.button(label, key=RESTART_KEY, on_click=_go, args=(0, False), icon=icon,
                   type="primary")                 # not on the arrow keys: no accidental restart
    else:
        row.button(label, key=FORWARD_KEY, on_click=_forward, args=(one,), icon=icon,
                   type="primary")
    st.caption(t("lessons.keys_hint"))
    arrow_keys(FORWARD_KEY, BACK_KEY)


def _reveal_chart(one: Lesson, step: LessonStep, truth: StepTruth,
                  marks: list[tuple[str, float]]) -> None:
    scale = chart_scale()
    fmt = UNIT_FORMATS[step.unit]
    labels: tuple[Any, ...]
    if step.chart == "by_year":
        frame = _by_year(one.id, step.id).copy()
        series = (t("lessons.chart.series_aggregate"), t("lessons.chart.series_cohort"))
        frame["series"] = frame["series"].map(dict(zip(("aggregate", "cohort"), series,
                                                       strict=True)))
        labels = (t("lessons.chart.by_year_title"), t("lessons.chart.year"),
                  t("lessons.chart.retention"), t("lessons.chart.series"), series)
        show_template_chart(st, retention_lines_chart, labels, retention_lines_data(frame),
                            key=f"lesson_chart_{one.id}_{step.id}", stretch=True,
                            enlarge=False)
    elif step.chart == "before_after":
        order = (t("lessons.chart.before"), t("lessons.chart.after"))
        unit = _measure_unit(step)
        labels = (t(f"lessons.measure.{step.measure}"), "", UNIT_FORMATS[unit], order, scale)
        show_template_chart(st, before_after_chart, labels,
                            before_after_data(order, truth.before, truth.after),
                            key=f"lesson_chart_{one.id}_{step.id}", stretch=True,
                            enlarge=False)
    else:
        sweep, x = _sweep(one.id, step.id)
        axis = t(f"lessons.axis.{(step.sweep_path or '').replace('.', '_')}")
        labels = (t("lessons.chart.sweep_title"), axis, _value_label(step), SWEEP_X_FORMAT, fmt,
                  t("lessons.guess_label"), scale)
        show_template_chart(st, sweep_chart, labels, sweep_data(sweep, x, truth.value, marks),
                            key=f"lesson_chart_{one.id}_{step.id}", stretch=True,
                            enlarge=False)


def _room_chart(one: Lesson, step: LessonStep, truth: StepTruth,
                guesses: list[float | str]) -> None:
    scale = chart_scale()
    if step.guess == "choice":
        counts = choice_counts(guesses)
        frame = pd.DataFrame({t("lessons.col_truth"): [t(f"lessons.choice.{c}") for c in CHOICES],
                              t("lessons.chart.guesses_y"): [counts[c] for c in CHOICES]})
        st.markdown(f"**{t('lessons.chart.guesses_title')}**")
        st.dataframe(frame, hide_index=True, key=f"lesson_room_counts_{one.id}_{step.id}")
        return
    fmt = UNIT_FORMATS[step.unit]
    labels = (t("lessons.chart.guesses_title"), _value_label(step), t("lessons.chart.guesses_y"),
              fmt, t("lessons.chart.truth"), scale)
    show_template_chart(st, guesses_chart, labels,
                        guesses_data(guess_histogram(step, [float(g) for g in guesses]),
                                     truth.value),
                        key=f"lesson_room_chart_{one.id}_{step.id}", stretch=True, enlarge=False)


def _reveal(one: Lesson, step: LessonStep) -> None:
    truth = _truth(one.id, step.id)
    currency = _currency(one)
    guess = _trainer_guesses(one.id).get(step.id)
    room = _room_guesses(one.id).get(step.id, [])
    consensus = room_consensus(step, room)
    st.html(_METRIC_WRAP)
    cols = st.container(key="lesson_metrics").columns(3 if room else 2)
    cols[0].metric(t("lessons.truth"), _truth_text(step, truth, currency)
                   if step.guess != "choice" else t(f"lessons.choice.{truth.choice}"))
    cols[1].metric(t("lessons.guess_label"), format_value(step.unit, guess, currency),
                   delta=_verdict(step, truth, guess, currency), delta_color="off",
                   delta_arrow="off")
    if room:
        cols[2].metric(t("lessons.room_median"), format_value(step.unit, consensus, currency),
                       delta=_verdict(step, truth, consensus, currency), delta_color="off",
                       delta_arrow="off")
    before = format_value(_measure_unit(step, before=True), truth.before, currency)
    st.info(t(f"lessons.{one.id}.{step.id}.note", truth=_truth_text(step, truth, currency),
              before=before), icon=":material/school:")
    marks = []
    if step.guess == "slider":
        if isinstance(guess, float | int):
            marks.append((t("lessons.col_guess"), float(guess)))
        if isinstance(consensus, float):
            marks.append((t("lessons.room_median"), consensus))
    if room:
        left, right = st.columns([3, 2])
        with left:
            _reveal_chart(one, step, truth, marks)
        with right:
            _room_chart(one, step, truth, room)
    else:
        _reveal_chart(one, step, truth, marks)


def _verdict(step: LessonStep, truth: StepTruth, guess: float | str | None,
             currency: str) -> str | None:
    if guess is None:
        return None
    if step.guess == "choice":
        return t("lessons.right") if guess == truth.choice else t(
            "lessons.wrong", answer=t(f"lessons.choice.{truth.choice}"))
    return t("lessons.off_by", diff=_difference(step.unit, abs(float(guess) - truth.value),
                                                currency))


def question(one: Lesson, step: LessonStep) -> str:
    """The step's question; ``{before}`` in it is the engine's value before the change (e.g.
    "net CLV is about {before}"), so no figure of the model is typed into a question."""
    truth = _truth(one.id, step.id)
    before = format_value(_measure_unit(step, before=True), truth.before, _currency(one))
    return t(f"lessons.{one.id}.{step.id}.question", before=before)


def _step_panel(one: Lesson, step: LessonStep) -> None:
    st.markdown(f"### {question(one, step)}")
    if _revealed():
        _reveal(one, step)
        return
    guess_widget(step, _guess_key(one.id, step.id), t("lessons.your_guess"),
                 t("lessons.your_guess_help"))


def _summary(one: Lesson) -> None:
    st.subheader(t("lessons.summary_header"))
    currency = _currency(one)
    truths = {s.id: _truth(one.id, s.id) for s in one.steps}
    table = summary_table(one, truths, _trainer_guesses(one.id), _room_guesses(one.id))
    rows = []
    for step, row in zip(one.steps, table.itertuples(index=False), strict=True):
        unit = step.unit
        error = (None if pd.isna(row.error) else
                 (t("lessons.right") if row.error == 0 else t("lessons.wrong", answer=format_value(
                     unit, row.truth, currency))) if step.guess == "choice"
                 else _signed(unit, row.error, currency))
        shown = {t("lessons.col_step"): question(one, step),
                 t("lessons.col_guess"): format_value(unit, row.guess, currency)}
        if table["room_count"].sum() > 0:
            shown[t("lessons.col_room")] = format_value(unit, row.room, currency)
            shown[t("lessons.col_count")] = str(row.room_count)
        shown[t("lessons.col_truth")] = format_value(unit, row.truth, currency)
        shown[t("lessons.col_error")] = error or t("lessons.no_guess")
        rows.append(shown)
    st.table(pd.DataFrame(rows).set_index(t("lessons.col_step")))


def _difference(unit: str, value: float, currency: str) -> str:
    """A difference of two values: percentage points for %, else the value's own unit."""
    if unit == "pct":
        return t("lessons.points", value=fmt_number(value * 100, 1))
    return format_value(unit, value, currency)


def _signed(unit: str, value: float, currency: str) -> str:
    text = _difference(unit, abs(value), currency)
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def trainer_view() -> None:
    """Pick a lesson and walk it: question → guess → reveal → next; then the summary."""
    options = lessons()
    titles = {lid: t(f"lessons.{lid}.title") for lid in options}
    st.selectbox(t("lessons.pick"), options=list(options), key=PICK_KEY, on_change=_on_pick,
                 format_func=titles.__getitem__)
    one = _picked()
    names = state.preset_options()
    st.caption(t("lessons.scenario", name=plain_text(names.get(one.scenario, one.scenario))))
    index = min(_index(), len(one.steps))
    st.session_state[STEP_KEY] = index
    left, right = st.columns([3, 1])
    with left:
        if index < len(one.steps):
            st.progress((index + (1 if _revealed() else 0.5)) / len(one.steps),
                        text=t("lessons.step_of", n=index + 1, total=len(one.steps)))
            _step_panel(one, one.steps[index])
        else:
            _summary(one)
        _nav(one)
    with right:
        _room_panel(one)


def open_lesson_button(preset_id: str | None) -> None:
    """On another page: a button that opens the lesson running on ``preset_id`` at step 1
    (nothing when no lesson runs on it)."""
    lesson_id = lesson_for_preset(preset_id)
    if lesson_id is None:
        return
    if st.button(t("lessons.open_lesson", title=t(f"lessons.{lesson_id}.title")),
                 key="open_lesson", icon=":material/quiz:"):
        st.session_state[PICK_KEY] = lesson_id
        _go(0, False)
        st.switch_page("pages/lessons.py")


# --- participant ---

def room_param() -> str | None:
    """The room code this session joined (``?room=``, remembered in the session), if any."""
    raw = st.query_params.get(ROOM_PARAM)
    if raw is not None:
        st.session_state["lesson_joined"] = raw.strip().upper()
    return st.session_state.get("lesson_joined")


def _participant_id() -> str:
    if PARTICIPANT_KEY not in st.session_state:
        st.session_state[PARTICIPANT_KEY] = secrets.token_hex(8)
    return st.session_state[PARTICIPANT_KEY]


def _send(code: str, step: LessonStep, key: str) -> None:
    value = widget_guess(step, key)
    if value is None:
        return
    if room_store().add_guess(code, step.id, _participant_id(), value):
        st.session_state[f"{key}_sent"] = value


@st.fragment(run_every=POLL_SECONDS)
def participant_view(code: str) -> None:
    """A participant's view of room ``code``: the open question and a guess to send."""
    room = room_store().room(code) if is_room_code(code) else None
    if room is None:
        st.warning(t("lessons.room.expired", code=plain_text(code, 12)), icon=":material/link_off:")
        return
    one = lessons().get(room.lesson_id)
    if one is None:
        st.warning(t("lessons.room.expired", code=code), icon=":material/link_off:")
        return
    st.subheader(t("lessons.room.participant_title", code=code))
    st.caption(t("lessons.room.participant_lesson", title=t(f"lessons.{one.id}.title")))
    if room.step_index >= len(one.steps):
        st.info(t("lessons.room.waiting"), icon=":material/hourglass_empty:")
        return
    step = one.steps[room.step_index]
    st.markdown(f"### {question(one, step)}")
    key = f"pguess_{code}_{one.id}_{step.id}"
    sent = st.session_state.get(f"{key}_sent")
    if room.revealed:
        st.info(t("lessons.room.revealed"), icon=":material/visibility:")
        if sent is not None:
            st.caption(t("lessons.room.sent", value=format_value(step.unit, sent,
                                                                 _currency(one))))
        return
    guess_widget(step, key, t("lessons.guess_label"))
    st.button(t("lessons.room.send"), key=f"{key}_send", on_click=_send, args=(code, step, key),
              type="primary", icon=":material/send:")
    if sent is not None:
        st.success(t("lessons.room.sent", value=format_value(step.unit, sent, _currency(one))),
                   icon=":material/check:")
