"""AppTest: the "Lessons" page — predict, reveal, next, summary; rooms; presentation mode."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from sim.lesson_steps import lesson, lesson_scenario, step_truth
from sim.locale import format_money, format_pct
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


def _open(lang: str = "en", lesson_id: str | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    if lesson_id is not None:           # (the picker's zh labels defeat set_value's lookup)
        at.session_state["lesson_pick"] = lesson_id
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/lessons.py").run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m for m in at.metric if m.label == label).value


def _truth(lesson_id: str, step_id: str):
    one = lesson(lesson_id)
    return step_truth(lesson_scenario(one), one.step_by_id(step_id))


def test_walk_a_lesson_guess_reveal_next_and_summary() -> None:
    at = _open("en", "retention_point")
    assert "Step 1 of 3" in at.get("progress")[0].proto.text
    assert "Raise every year's renewal rate by 1 point" in at.markdown[0].value
    before = format_money(_truth("retention_point", "clv").before, "USD", "en")
    assert f"net CLV is {before} per acquired" in at.markdown[0].value   # computed, not typed
    at.slider(key="guess_retention_point_clv").set_value(18.0).run()
    at.button(key="lesson_forward").click().run()
    assert not at.exception, at.exception
    truth = _truth("retention_point", "clv")
    assert _metric(at, "The engine says") == format_money(truth.value, "USD", "en")
    assert _metric(at, "Guess") == format_money(18.0, "USD", "en")
    notes = [i.value for i in at.info]
    assert any(format_money(truth.before, "USD", "en") in n and
               format_money(truth.value, "USD", "en") in n for n in notes), notes
    assert at.get("vega_lite_chart"), "the reveal draws the engine's chart"
    at.button(key="lesson_forward").click().run()            # next step
    assert "Step 2 of 3" in at.get("progress")[0].proto.text
    at.button(key="lesson_forward").click().run()            # reveal without moving the slider
    at.button(key="lesson_forward").click().run()            # step 3
    at.button(key="lesson_forward").click().run()            # reveal
    at.button(key="lesson_forward").click().run()            # summary
    assert not at.exception, at.exception
    assert at.subheader[0].value == "Summary: guesses against the truth"
    table = at.table[0].value
    assert list(table["Trainer's guess"])[0] == format_money(18.0, "USD", "en")
    assert list(table["Truth"])[0] == format_money(truth.value, "USD", "en")
    change = _truth("retention_point", "equity_change")
    assert list(table["Truth"])[1] == format_pct(change.value, "en")
    at.button(key="lesson_back").click().run()               # back to the last step, revealed
    assert "Step 3 of 3" in at.get("progress")[0].proto.text


def test_a_choice_step_says_whether_the_guess_was_right() -> None:
    at = _open("en", "false_loyalty")
    for _ in range(4):                                        # to step 3 (reveal, next) × 2
        at.button(key="lesson_forward").click().run()
    assert "Switch the points programme off" in at.markdown[0].value
    at.radio(key="guess_false_loyalty_switch_off").set_value("rises").run()
    at.button(key="lesson_forward").click().run()
    assert _metric(at, "The engine says") == "It falls"
    verdict = next(m for m in at.metric if m.label == "Guess")
    assert "the answer is “It falls”" in verdict.proto.delta
    truth = _truth("false_loyalty", "switch_off")
    assert any(format_pct(truth.after, "en") in i.value for i in at.info)


def test_the_page_in_chinese() -> None:
    at = _open("zh", "aggregate_retention")
    assert at.title[0].value == "先预测，再揭晓"
    assert "总体保留率" in at.markdown[0].value
    at.radio(key="guess_aggregate_retention_trend").set_value("same").run()
    at.button(key="lesson_forward").click().run()
    assert not at.exception, at.exception
    assert _metric(at, "模型结果") == "上升"
    assert at.button(key="lesson_forward").label == "下一步"


def test_two_participants_guess_on_their_own_devices() -> None:
    trainer = _open("en", "top_box")
    trainer.button(key="lesson_room_open").click().run()
    code = trainer.session_state["lesson_room"]
    assert code and any(code in c.value for c in trainer.code)
    participants = [_open("en", room=code) for _ in range(2)]
    for guess, participant in zip((3.0, 5.0), participants, strict=True):
        assert participant.query_params["room"] == code       # the sidebar's URL sync kept it
        assert participant.subheader[0].value == f"Room {code}"
        assert "rates the service 5" in participant.markdown[0].value
        participant.slider(key=f"pguess_{code}_top_box_ratio_high").set_value(guess).run()
        participant.button(key=f"pguess_{code}_top_box_ratio_high_send").click().run()
        assert not participant.exception, participant.exception
        assert any("Your guess was received" in s.value for s in participant.success)
    trainer.run()
    assert any("2 guess(es) received" in c.value for c in trainer.caption)
    trainer.button(key="lesson_forward").click().run()
    assert not trainer.exception, trainer.exception
    assert _metric(trainer, "Room median") == "4.0 ×"
    assert len(trainer.get("vega_lite_chart")) == 2          # the engine's and the room's
    late = participants[0]
    late.run()
    assert any("revealed" in i.value for i in late.info)
    trainer.button(key="lesson_forward").click().run()       # the next question reaches them
    late.run()
    assert "Now competition is low" in late.markdown[0].value


def test_an_unknown_room_says_so() -> None:
    at = _open("en", room="ZZZZ")
    assert "Room ZZZZ does not exist or has expired" in at.warning[0].value
    at = _open("en", room="<b>x</b>")
    assert at.warning and "<b>" not in at.warning[0].value.replace("\\<", "")


def test_picking_another_lesson_starts_it_at_step_one() -> None:
    at = _open("en")
    at.button(key="lesson_forward").click().run()                # reveal at the slider's 50 %
    truth = _truth("satisfied_defect", "retention")
    verdict = next(m for m in at.metric if m.label == "Guess").proto.delta
    assert verdict == f"Off by {abs(0.5 - truth.value) * 100:.1f} pts"   # points, not %
    at.button(key="lesson_forward").click().run()
    assert "Step 2 of 3" in at.get("progress")[0].proto.text
    at.selectbox(key="lesson_pick").set_value("top_box").run()
    assert "Step 1 of 2" in at.get("progress")[0].proto.text
    assert "rates the service 5" in at.markdown[0].value


@pytest.mark.parametrize("params", [{"present": "1"}, {}])
def test_presentation_mode_from_the_link_and_the_exit(params) -> None:
    # On the default page: AppTest drops the sidebar's widgets (the toggle) after switch_page.
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    on = bool(params)
    assert at.session_state["present"] is on
    styles = [e for e in at.get("html") if "stSidebar" in e.proto.body]
    assert bool(styles) is on
    if on:
        at.button(key="present_exit").click().run()
        assert at.session_state["present"] is False
        assert "present" not in at.query_params
        assert not [e for e in at.get("html") if "stSidebar" in e.proto.body]


def test_the_loyalty_page_opens_its_lesson() -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["preset"] = "lesson_top_box"
    at.run()
    at.switch_page("pages/loyalty.py").run()
    assert not at.exception, at.exception
    button = at.button(key="open_lesson")
    assert button.label == "Predict, then reveal: The value of the top box"
    button.click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Predict, then reveal"
    assert "rates the service 5" in at.markdown[0].value
    assert "Step 1 of 2" in at.get("progress")[0].proto.text
