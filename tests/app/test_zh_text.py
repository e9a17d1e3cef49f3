"""AppTest: the Chinese pages show tables, units, validation and TOML errors in Chinese, never
``None`` or the English range texts (issue 16, item 1)."""

from __future__ import annotations

import dataclasses

from streamlit.testing.v1 import AppTest

from sim.library import load_preset
from sim.service.params import Service
from tests.app.shown_tables import shown_table
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


def _open(page: str, preset: str, lang: str = "zh", uploads: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = lang
    at.session_state["preset"] = preset
    if uploads:
        at.session_state["uploaded_scenarios"] = uploads
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_the_cohort_tables_show_the_not_available_text() -> None:
    at = _open("pages/clv.py", "textbook_magazine")
    tenure, aggregate = shown_table(at, "tenure"), shown_table(at, "aggregate")
    assert tenure.index[-1] == "合计"
    assert list(tenure.iloc[-1, 0:2]) == ["–", "–"]       # no count or rate for the total
    assert tenure.iloc[0, 2] == "35,900"                  # numbers formatted as the page's
    for table in (tenure, aggregate):
        assert not table.isin(["None", "nan", "NaN", "<NA>"]).any().any()


def test_what_differs_shows_chinese_units_and_no_none() -> None:
    with_service = dataclasses.replace(load_preset("whatif_today"), service=Service())
    at = _open("pages/compare.py", "whatif_today", uploads={"svc": with_service})
    at.multiselect(key="compare_choice").set_value(["current", "upload:svc"]).run()
    assert not at.exception, at.exception
    differs = at.tabs[0].dataframe[1].value
    assert "单位" in differs.columns[1]
    rows = differs.set_index(differs.columns[0])
    assert rows.loc["service.agent_cost_per_hour"].iloc[1] == "–"    # current: no [service]
    assert not differs.isin(["None", "nan"]).any().any()
    assert "–" in set(differs.iloc[:, 2])                  # the file without a [service] table
    assert "秒" in set(differs.iloc[:, 1])                  # units in Chinese


def _home(lang: str = "zh") -> AppTest:
    """The default page (the sidebar's widgets are gone after ``switch_page`` in AppTest)."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = lang
    return at.run()


def _upload(at: AppTest, data: bytes) -> str:
    at.sidebar.file_uploader(key="upload_toml").upload("bad.toml", data, "application/toml").run()
    assert not at.exception, at.exception
    return " ".join(m.value for m in at.sidebar.markdown)


def test_a_bad_upload_is_explained_in_chinese() -> None:
    at = _home()
    shown = _upload(at, b'schema_version = 2\nname = { en = "A", fr = "B" }\n'
                        b"[retention]\nconstant = 2.0\nmodel = 5\n")
    assert "0 到 1 之间的数（单位：比例）" in shown                  # the range, in Chinese
    assert "name.fr" in shown and "允许的字段：en, zh" in shown
    assert "以下之一：table, constant, sbg, satisfaction" in shown
    assert "out of range" not in shown and "one of" not in shown


def test_a_toml_syntax_error_is_explained_in_chinese() -> None:
    at = _home()
    shown = _upload(at, b"schema_version = 2\nname = \n")
    assert "第 2 行第 8 列：无效的值" in shown
    at = _home("en")
    shown = _upload(at, b"schema_version = 2\nname = \n")
    assert "Invalid value (at line 2, column 8)" in shown
