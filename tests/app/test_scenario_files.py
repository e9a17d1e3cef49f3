"""AppTest: the sidebar's files (issue 16, item 6) — the picker names what is loaded, an
edited copy is written with a new name and description and keeps the loaded file's comments,
saved copies are distinct in the picker, and the copy-link box holds a link that opens the
same scenario.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from streamlit.testing.v1 import AppTest

from sim import scenario_io
from sim.cli import main
from sim.cohort import run_cohort
from sim.library import SCENARIO_DIR, load_preset
from sim.scenario import replace_path, scenario_name
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
TODAY = "whatif_today"
TODAY_NAME = scenario_name(load_preset(TODAY), "en")    # "What-if: today (no programme)"


def _open(preset: str = TODAY, lang: str = "en", params: dict[str, str] | None = None
          ) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.session_state["preset"] = preset
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _picker(at: AppTest):
    return at.sidebar.selectbox(key="preset")


def _picked_label(at: AppTest) -> str:
    picker = _picker(at)
    return picker.options[picker.index]


def _assert_distinct(at: AppTest) -> None:
    options = _picker(at).options
    assert len(set(options)) == len(options), options


def _upload(at: AppTest, name: str, text: str) -> AppTest:
    at.sidebar.file_uploader(key="upload_toml").upload(name, text.encode(),
                                                       "application/toml").run()
    at.sidebar.button(key="open_upload").click().run()
    assert not at.exception, at.exception
    return at


def test_after_an_upload_the_picker_names_the_uploaded_scenario() -> None:
    at = _open()
    mine = replace_path(load_preset("baseline"), "name", "My own file")
    _upload(at, "mine.toml", scenario_io.dumps(mine))
    assert at.session_state["base_scenario"] == mine
    assert _picker(at).value == "upload:My own file (mine.toml)"
    assert _picked_label(at) == "My own file (mine.toml) · this session"
    _assert_distinct(at)
    # picking the library file again, then the upload, loads each of them
    _picker(at).set_value(TODAY).run()
    assert at.session_state["base_scenario"] == load_preset(TODAY)
    _picker(at).set_value("upload:My own file (mine.toml)").run()
    assert at.session_state["base_scenario"] == mine


def test_after_use_in_a_scenario_the_picker_names_the_fitted_scenario() -> None:
    at = _open("textbook_magazine")
    at.switch_page("pages/your_data.py").run()
    at.button(key="data_use_retention").click().run()
    assert not at.exception, at.exception
    fitted = at.session_state["base_scenario"]
    assert fitted != load_preset("textbook_magazine")
    # (AppTest draws no sidebar after switch_page; the browser test sees the picker itself)
    assert at.session_state["preset"] == f"upload:{scenario_name(fitted, 'en')}"


def test_an_unedited_scenario_has_no_rename_prompt_and_an_edit_prefills_one() -> None:
    at = _open()
    assert not [w for w in at.sidebar.text_input if w.key and w.key.startswith("file_name")]
    at.number_input(key="renewal_price").set_value(400.0).run()
    at.run()                     # a lever reruns its fragments only; the whole sidebar again
    name = next(w for w in at.sidebar.text_input if w.key.startswith("file_name"))
    assert name.value == f"{TODAY_NAME} (edited)"
    description = next(w for w in at.sidebar.text_area if w.key.startswith("file_description"))
    assert description.value.startswith(f"Edited from “{TODAY_NAME}”. Changed: "
                                        "Renewal price: 360 → 400.\n\n")


def _cli_json(path: Path) -> dict:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert main(["run", str(path), "--format", "json", "--replications", "0"]) == 0
    return json.loads(out.getvalue())


def test_save_writes_the_renamed_edit_keeps_the_comments_and_reloads_the_same_numbers(
        tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CRMSIM_SAVE_DIR", str(tmp_path))
    monkeypatch.setenv("CRMSIM_ALLOW_SAVE", "1")
    at = _open()
    at.number_input(key="renewal_price").set_value(400.0).run()
    at.run()                     # a lever reruns its fragments only; the whole sidebar again
    at.sidebar.text_input(key=next(w.key for w in at.sidebar.text_input
                                   if w.key.startswith("file_name"))).set_value(
        "Today at a 400 renewal price").run()
    at.sidebar.text_area(key=next(w.key for w in at.sidebar.text_area
                                  if w.key.startswith("file_description"))).set_value(
        "The renewal price rises to 400.").run()
    assert at.sidebar.text_input(key="save_name").value == "today_at_a_400_renewal_price"
    at.sidebar.button(key="save_scenario").click().run()
    assert not at.exception, at.exception
    saved = tmp_path / "today_at_a_400_renewal_price.toml"
    text = saved.read_text(encoding="utf-8")
    original = (SCENARIO_DIR / f"{TODAY}.toml").read_text(encoding="utf-8")
    # the shipped file's comments and layout, with the changed lines only
    comments = [line for line in original.splitlines() if line.startswith("#")]
    assert comments and all(line in text.splitlines() for line in comments)
    assert 'name = { en = "Today at a 400 renewal price", zh = ' in text   # bilingual file
    assert "renewal_price = 400.0" in text
    changed = set(text.splitlines()) ^ set(original.splitlines())
    assert len(changed) == 6, changed                  # name, description, price: -/+
    loaded = scenario_io.load(saved)
    assert loaded.pricing.renewal_price == 400.0
    assert scenario_name(loaded, "en") == "Today at a 400 renewal price"
    # the saved file is now what is loaded: unedited, named by the picker
    assert at.session_state["base_scenario"] == loaded
    assert at.session_state["current_scenario"].scenario == loaded
    assert "Today at a 400 renewal price" in _picked_label(at)
    _assert_distinct(at)
    assert "Edited" not in " ".join(w.value for w in at.sidebar.warning)
    # save then reload: the page shows the numbers `python -m sim run` gives for the file
    at.switch_page("pages/dashboard.py").run()
    report = _cli_json(saved)
    shown = next(m.value for m in at.metric if m.label.startswith("Customers after"))
    assert shown == f"{report['kpis']['customers_end']:,.0f}"
    assert run_cohort(loaded).kpis["customers_end"] == report["kpis"]["customers_end"]


def test_two_saved_copies_of_one_scenario_are_distinct_in_the_picker(tmp_path: Path,
                                                                       monkeypatch) -> None:
    monkeypatch.setenv("CRMSIM_SAVE_DIR", str(tmp_path))
    monkeypatch.setenv("CRMSIM_ALLOW_SAVE", "1")
    at = _open()
    for stem in ("copy_a", "copy_b"):
        at.sidebar.text_input(key="save_name").set_value(stem).run()
        at.sidebar.button(key="save_scenario").click().run()
        assert not at.exception, at.exception
    options = _picker(at).options
    assert f"{TODAY_NAME} (copy_a.toml) · this session" in options
    assert f"{TODAY_NAME} (copy_b.toml) · this session" in options
    _assert_distinct(at)
    assert _picked_label(at) == f"{TODAY_NAME} (copy_b.toml) · this session"


def test_an_edit_then_a_second_edit_gets_a_second_copy_name(tmp_path: Path,
                                                            monkeypatch) -> None:
    monkeypatch.setenv("CRMSIM_SAVE_DIR", str(tmp_path))
    monkeypatch.setenv("CRMSIM_ALLOW_SAVE", "1")
    at = _open()
    names = []
    for value in (400.0, 420.0):
        at.number_input(key="renewal_price").set_value(value).run()
        at.run()
        names.append(next(w.value for w in at.sidebar.text_input
                          if w.key.startswith("file_name")))
        at.sidebar.button(key="save_scenario").click().run()
        assert not at.exception, at.exception
        _assert_distinct(at)
    assert names == [f"{TODAY_NAME} (edited)", f"{TODAY_NAME} (edited) 2"]


def test_the_copy_link_box_holds_a_link_that_opens_the_same_scenario() -> None:
    at = _open()
    at.number_input(key="renewal_price").set_value(400.0).run()
    at.session_state["share_link"] = True              # the section opened
    at.run()
    links = [c.value for c in at.sidebar.code]
    assert len(links) == 1, links
    query = dict(parse_qsl(urlsplit(links[0]).query))
    assert query == {"scenario": TODAY, "renewal_price": "400"}
    again = _open(params=query)
    assert again.session_state["current_scenario"].scenario == \
        at.session_state["current_scenario"].scenario


def test_an_uploaded_scenario_has_no_link_but_says_why() -> None:
    at = _upload(_open(), "mine.toml", scenario_io.dumps(load_preset("baseline")))
    at.session_state["share_link"] = True
    at.run()
    assert not at.sidebar.code
    assert any("cannot carry it" in c.value for c in at.sidebar.caption)


def test_zh_prompt_and_link_text() -> None:
    at = _open(lang="zh")
    at.number_input(key="renewal_price").set_value(400.0).run()
    at.run()                     # a lever reruns its fragments only; the whole sidebar again
    name = next(w for w in at.sidebar.text_input if w.key.startswith("file_name"))
    assert name.label == "文件中的名称" and name.value.endswith("（已修改）")
    assert any(e.label == "复制链接" for e in at.sidebar.expander)


def _description(at: AppTest):
    return next(w for w in at.sidebar.text_area if w.key.startswith("file_description"))


def test_an_untouched_description_follows_the_edits_and_a_typed_one_is_kept() -> None:
    at = _open()
    at.number_input(key="renewal_price").set_value(400.0).run()
    at.run()                # a move reruns only its fragments: AppTest then lacks the levers
    at.number_input(key="first_year_price").set_value(300.0).run()
    at.run()
    text = _description(at).value
    assert "First-year price: 360 → 300; Renewal price: 360 → 400." in text
    _description(at).set_value("Mine.").run()
    at.number_input(key="variable_cost").set_value(150.0).run()
    at.run()
    assert _description(at).value == "Mine."


def test_a_bilingual_name_keeps_both_languages_in_the_edited_copy() -> None:
    """The bilingual contract: a name may be {en, zh}; the copy replaces the language typed
    in and gives the other its own edited suffix."""
    import dataclasses

    from sim.scenario import Scenario
    from ui.scenario_files import CopyText

    base = dataclasses.replace(Scenario(), name={"en": "Today", "zh": "现状"})  # type: ignore[arg-type]
    copy = CopyText(base=base, lang="en", name="Today (edited)", description=None,
                    template="", other_suffixes={"en": " (edited)", "zh": "（已修改）"},
                    labels={})
    assert copy._value(base.name, "Today (edited)", True) == {"en": "Today (edited)",
                                                             "zh": "现状（已修改）"}
    assert copy._value("Plain", "Typed", True) == "Typed"
