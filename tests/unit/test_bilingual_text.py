"""Scenario names and descriptions in both languages; validation texts in both (issue 16, 1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim import scenario_io
from sim.locale import load_catalog
from sim.scenario import (
    BilingualText,
    Scenario,
    localized_text,
    scenario_description,
    scenario_name,
    spec_at,
)
from sim.schema import ScenarioError, to_plain

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _problems(text: str) -> list:
    with pytest.raises(ScenarioError) as caught:
        scenario_io.loads("schema_version = 2\n" + text)
    return caught.value.issues


def test_a_name_table_loads_and_round_trips_in_its_file_form() -> None:
    scenario = scenario_io.loads('schema_version = 2\nname = { en = "Push", zh = "加大获客" }\n'
                                 'description = "only English"\n')
    assert scenario.name == BilingualText(en="Push", zh="加大获客")
    assert scenario_name(scenario, "zh") == "加大获客"
    assert scenario_name(scenario, "en") == "Push"
    assert scenario_description(scenario, "zh") == "only English"      # a plain string
    plain = to_plain(scenario)
    assert plain["name"] == {"en": "Push", "zh": "加大获客"}
    assert plain["description"] == "only English"
    text = scenario_io.dumps(scenario)
    assert 'name = { en = "Push", zh = "加大获客" }' in text
    assert scenario_io.loads(text) == scenario


def test_one_language_falls_back_to_the_other() -> None:
    scenario = scenario_io.loads('schema_version = 2\nname = { zh = "只有中文" }\n')
    assert scenario_name(scenario, "en") == "只有中文"
    assert to_plain(scenario)["name"] == {"zh": "只有中文"}
    assert localized_text({"en": "x", "zh": ""}, "zh") == "x"
    assert localized_text(None, "en") == ""
    assert localized_text("plain", "zh") == "plain"


def test_the_default_name_is_bilingual() -> None:
    assert scenario_name(Scenario(), "zh") == "未命名情景"
    assert scenario_name(Scenario(), "en") == "Untitled scenario"


@pytest.mark.parametrize("text,path,code", [
    ('name = { en = "A", fr = "B" }', "name.fr", "unknown"),
    ('name = { en = "A", zh = "" }', "name.zh", "length"),
    ('name = { en = "A", zh = 3 }', "name.zh", "type"),
    ("name = {}", "name", "type"),
    ('name = { en = "' + "x" * 121 + '" }', "name.en", "length"),
    ('description = { zh = "坏\\u202e" }', "description.zh", "rule"),
])
def test_a_bad_text_table_names_the_language(text: str, path: str, code: str) -> None:
    issues = _problems(text)
    assert [(i.path, i.code) for i in issues] == [(path, code)]
    assert path in str(issues[0])


def test_every_shipped_scenario_has_both_languages() -> None:
    for file in sorted((ROOT / "scenarios").glob("*.toml")):
        scenario = scenario_io.load(file)
        for value in (scenario.name, scenario.description):
            assert isinstance(value, BilingualText), file.name
            assert value.en and not CJK.search(value.en), file.name
            assert CJK.search(value.zh), file.name


def test_every_lesson_note_exists_in_both_languages() -> None:
    en, zh = load_catalog("en"), load_catalog("zh")
    notes = [k for k in en if k.split(".")[-2:-1] == ["lesson"] or ".lesson" in k]
    assert len(notes) >= 3
    for key in notes:
        assert CJK.search(zh[key]), key


def test_range_texts_come_from_the_catalogs() -> None:
    fraction = spec_at("retention.constant")
    assert fraction.range_text() == "0 to 1 fraction"                  # the CLI's English
    assert fraction.range_text("zh") == "0 到 1 之间的数（单位：比例）"
    assert spec_at("horizon_years").range_text("zh") == "1 到 50 之间的整数（单位：年）"
    assert spec_at("finance.cash_timing").range_text("zh") == "以下之一：start, end"
    issue = _problems("[retention]\nconstant = 2.0")[0]
    assert str(issue) == "retention.constant: value 2.0 is out of range; allowed: 0 to 1 fraction"
    assert issue.allowed_text("zh") == "0 到 1 之间的数（单位：比例）"


def test_toml_syntax_errors_are_translated() -> None:
    issue = _problems("name = \n")[0]
    assert issue.code == "syntax"
    assert "Invalid value (at line 2, column 8)" in str(issue)          # English for the CLI
    assert issue.got_text("zh") == "第 2 行第 8 列：无效的值"
    assert issue.allowed_text("zh") == "有效的 TOML"


def test_rules_and_missing_version_are_translated() -> None:
    issue = _problems('[acquisition]\nmode = "paid"')[0]
    assert issue.path == "market.size"
    assert "more than 0 customers" in str(issue)
    assert "须大于 0 位客户" in issue.allowed_text("zh")
    with pytest.raises(ScenarioError) as caught:
        scenario_io.loads("")
    assert caught.value.issues[0].got_text("zh").startswith("文件为空")


def test_data_file_problems_are_translated() -> None:
    from sim.datafile import DataFileError, read_csv_bytes

    with pytest.raises(DataFileError) as caught:
        read_csv_bytes(b"period,count\n0,10\n", required=("period", "customers"))
    issue = caught.value.issues[0]
    assert str(issue) == ("customers: column missing from the data file; expected a column "
                          "named 'customers', found columns 'period', 'count'")
    assert issue.allowed_text("zh") == "名为 'customers' 的列"
    assert issue.got_text("zh") == "现有的列：'period', 'count'"
