"""AppTest: user text is data, saving is the server's decision, refusals are short (issue 11).

What the browser makes of the escaped Markdown is checked in tests/e2e/test_user_text.py;
here: every place a file's, an upload's or a link's string reaches a Markdown element
carries it escaped (:func:`ui.text.md_text`), and the save form follows the server only.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from sim import scenario_io
from sim.library import load_preset
from sim.scenario import replace_path
from tests.conftest import ROOT
from ui.text import md_text, plain_text

APP = str(ROOT / "app.py")
NASTY = "[Sign in](https://e.com/p) ![x](https://e.com/x.png) <img src=x onerror=alert(1)> " \
        "**b** :red[r] $x^2$ `c`"


def _open(params: dict[str, str] | None = None, url: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "en"
    for key, value in (params or {}).items():
        at.query_params[key] = value
    if url:
        at.context["url"] = url
    at.run()
    assert not at.exception, at.exception
    return at


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.sidebar.file_uploader(key="upload_toml").upload(name, data, "application/toml").run()
    assert not at.exception, at.exception
    return at


def test_md_text_is_a_code_span_that_shows_every_character() -> None:
    assert md_text(NASTY) == f"`` {NASTY} ``"          # it ends with a backtick
    assert md_text("a `tick` and ``two``") == "``` a `tick` and ``two`` ```"
    assert md_text("`edge`") == "`` `edge` ``"
    assert md_text("a\x1b[31mb\x00c") == "`a\ufffd[31mb\ufffdc`"
    assert md_text("line one\r\nline two") == "`line one line two`"
    assert md_text("") == "“”"
    assert plain_text("x" * 5000).endswith("…") and len(plain_text("x" * 5000)) == 4001
    assert plain_text("a\r\nb\tc\x07") == "a\nb c\ufffd"


def test_a_scenario_name_and_description_are_shown_as_typed() -> None:
    nasty = replace_path(replace_path(load_preset("textbook_magazine"), "name", NASTY),
                         "description", NASTY + "\n# not a heading")
    at = _upload(_open(), "mine.toml", scenario_io.dumps(nasty).encode())
    assert md_text(NASTY) in " ".join(s.value for s in at.sidebar.success)
    at.sidebar.button(key="open_upload").click().run()
    shown = [x.value for x in at.sidebar.text]
    assert NASTY in shown and NASTY + "\n# not a heading" in shown


def test_a_link_parameter_is_shown_as_text_in_the_notice() -> None:
    at = _open({"scenario": "[Sign in again](https://example.com/phish)"})
    notices = " ".join(w.value for w in at.sidebar.warning)
    assert "not in the library" in notices
    assert md_text("[Sign in again](https://example.com/phish)") in notices


def test_unknown_keys_are_shown_as_text_and_the_list_is_capped() -> None:
    keys = "\n".join(f'"k{i}_[x](https://e.com)" = 1' for i in range(120))
    data = f"schema_version = 2\nname = 'x'\n{keys}\n".encode()
    at = _upload(_open(), "keys.toml", data)
    (listing,) = [m.value for m in at.sidebar.markdown if m.value.startswith("- ")]
    lines = listing.split("\n")
    assert len(lines) == 51 and "70 more" in lines[-1]
    assert all(line.startswith("- `k") for line in lines[:-1])


@pytest.mark.parametrize("setting,offered", [(None, False), ("0", False), ("1", True)])
def test_saving_is_the_servers_decision_not_the_browsers(monkeypatch, setting, offered) -> None:
    if setting is None:
        monkeypatch.delenv("CRMSIM_ALLOW_SAVE", raising=False)
    else:
        monkeypatch.setenv("CRMSIM_ALLOW_SAVE", setting)
    at = _open(url="http://localhost:8501/")          # a client claiming to be local
    assert bool([b for b in at.sidebar.button if b.key == "save_scenario"]) == offered


def test_a_refused_save_name_is_shown_as_text(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CRMSIM_ALLOW_SAVE", "1")
    monkeypatch.setenv("CRMSIM_SAVE_DIR", str(tmp_path))
    at = _open()
    at.sidebar.text_input(key="save_name").set_value("[x](https://e.com)").run()
    at.sidebar.button(key="save_scenario").click().run()
    errors = " ".join(e.value for e in at.sidebar.error)
    assert "not a valid file name" in errors and md_text("[x](https://e.com)") in errors
    assert list(tmp_path.iterdir()) == []


def test_a_baseline_naming_no_library_file_is_a_message_on_both_money_pages() -> None:
    missing = replace_path(load_preset("whatif_points_programme"), "baseline",
                           replace_path(load_preset("whatif_points_programme").baseline,
                                        "kind", "preset"))
    missing = replace_path(missing, "baseline.preset", "no_such_file")
    at = _upload(_open(), "missing.toml", scenario_io.dumps(missing).encode())
    at.sidebar.button(key="open_upload").click().run()
    for page in ("pages/dashboard.py", "pages/roi.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert any("baseline.preset" in e.value for e in at.error), page


def test_bidirectional_overrides_cannot_reverse_shown_text() -> None:
    """U+202E (right-to-left override) would make a name read backwards; the app shows
    the same characters the CLI escapes (sim.schema.UNSHOWN_CHARS)."""
    assert plain_text("invoice\u202efdp.exe") == "invoice\ufffdfdp.exe"
    assert md_text("a\u2066b\u200fc") == "`a\ufffdb\ufffdc`"
