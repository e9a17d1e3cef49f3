"""The scenario writer (issue 16, item 6): git-friendly files.

A written file states only what differs from the defaults (plus schema_version, name and
description), in the schema's field order, and loads back as the same scenario; editing a
file keeps its comments and layout and changes only the lines whose values changed.
"""

from __future__ import annotations

import dataclasses
import difflib
import io
import tomllib
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import scenario_io
from sim.cli import main
from sim.library import SCENARIO_DIR
from sim.scenario import Scenario, full_example, get_path, replace_path
from sim.schema import iter_numeric_fields, to_plain

SHIPPED = sorted(SCENARIO_DIR.glob("*.toml"))


def _leaves(plain: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in plain.items():
        if isinstance(value, dict) and key not in ("name", "description"):
            out.update(_leaves(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


DEFAULTS = _leaves(to_plain(full_example()))
SCHEMA_ORDER = list(DEFAULTS)


def _diff(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(),
                                                  lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_a_written_file_states_only_what_differs_from_the_defaults(path: Path) -> None:
    scenario = scenario_io.load(path)
    text = scenario_io.dumps(scenario)
    assert scenario_io.loads(text) == scenario
    written = _leaves(tomllib.loads(text))
    for key, value in written.items():
        if key not in scenario_io.ALWAYS_WRITTEN:
            assert value != DEFAULTS[key], f"{key} is written at its default {value!r}"
    for key, value in _leaves(to_plain(scenario)).items():
        if value != DEFAULTS[key] or key in scenario_io.ALWAYS_WRITTEN:
            assert written[key] == value, key
    # stable order: the schema's field order
    assert list(written) == [k for k in SCHEMA_ORDER if k in written]
    assert len(text.splitlines()) <= len(path.read_text(encoding="utf-8").splitlines())


def test_the_default_scenario_is_three_lines_and_an_optional_section_its_header() -> None:
    text = scenario_io.dumps(Scenario())
    assert len(text.splitlines()) == 3 and text.startswith("schema_version = 2\nname = ")
    assert tomllib.loads(text) == {"schema_version": 2, **{
        k: v for k, v in to_plain(Scenario()).items() if k in ("name", "description")}}
    text = scenario_io.dumps(full_example())
    assert "[equity_test]\n" in text and "[service]\n" in text
    assert scenario_io.loads(text) == full_example()
    # a section that holds only sub-tables gets no empty header of its own
    points = replace_path(Scenario(), "programmes.points.enabled", True)
    points = replace_path(points, "retention.model", "satisfaction")
    text = scenario_io.dumps(points)
    assert "[programmes.points]\nenabled = true\n" in text and "[programmes]" not in text
    assert scenario_io.loads(text) == points


def test_a_bilingual_name_is_written_as_an_inline_table() -> None:
    """The bilingual contract: name/description are a str or {en, zh}; to_plain gives the
    file form, written as it is."""
    scenario = dataclasses.replace(Scenario(), name={"en": "Today", "zh": "现状"},  # type: ignore[arg-type]
                                   description={"en": "Two\nlines", "zh": "两行\n文字"})  # type: ignore[arg-type]
    text = scenario_io.dumps(scenario)
    assert 'name = { en = "Today", zh = "现状" }\n' in text
    parsed = tomllib.loads(text)
    assert parsed["name"] == {"en": "Today", "zh": "现状"}
    assert parsed["description"] == {"en": "Two\nlines", "zh": "两行\n文字"}


def _cli(path: Path) -> str:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["run", str(path), "--format", "json", "--replications", "0"])
    assert code == 0, err.getvalue()
    return out.getvalue()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_the_written_file_runs_to_the_same_output_as_the_original(path: Path,
                                                                   tmp_path: Path) -> None:
    written = tmp_path / path.name
    written.write_text(scenario_io.dumps(scenario_io.load(path)), encoding="utf-8")
    assert _cli(written) == _cli(path)


def test_an_unchanged_scenario_rewrites_its_file_byte_for_byte() -> None:
    for path in SHIPPED:
        text = path.read_text(encoding="utf-8")
        assert scenario_io.dumps(scenario_io.load(path), text) == text, path.stem


COMMENTED = """\
# A commented scenario: the planner's notes must survive an edit.
schema_version = 2
name = "Competition at 60 %"   # what the file is about
description = "Moderate competition."
periods_per_year = 12

# Prices are per customer-year.
[pricing]
renewal_price = 75.90          # the list price
variable_cost = 30.0

[retention]
model = "satisfaction"

[competition]
# 0 = none, 1 = fierce
intensity = 0.60

[monte_carlo]
replications = 20              # the default, stated on purpose
"""


def test_editing_a_commented_file_changes_only_the_edited_line() -> None:
    loaded = scenario_io.loads(COMMENTED)
    edited = replace_path(loaded, "competition.intensity", 0.9)
    text = scenario_io.dumps(edited, COMMENTED)
    assert scenario_io.loads(text) == edited
    assert _diff(COMMENTED, text) == ["-intensity = 0.60", "+intensity = 0.9"]
    # a comment on the line itself stays when its value changes
    edited = replace_path(edited, "pricing.renewal_price", 80.0)
    text = scenario_io.dumps(edited, COMMENTED)
    assert "renewal_price = 80.0          # the list price\n" in text
    for line in COMMENTED.splitlines():
        if line.lstrip().startswith("#"):
            assert line in text.splitlines()


def test_editing_adds_a_new_field_in_its_table_and_keeps_stated_defaults() -> None:
    loaded = scenario_io.loads(COMMENTED)
    edited = replace_path(loaded, "pricing.acquisition_cost", 12.5)       # not in the file
    edited = replace_path(edited, "monte_carlo.replications", 50)
    edited = replace_path(edited, "seed", 7)
    text = scenario_io.dumps(edited, COMMENTED)
    assert scenario_io.loads(text) == edited
    assert sorted(_diff(COMMENTED, text)) == sorted([
        "+seed = 7", "+acquisition_cost = 12.5",
        "-replications = 20              # the default, stated on purpose",
        "+replications = 50              # the default, stated on purpose"])
    assert text.index("acquisition_cost") < text.index("[retention]")
    # back to the defaults: a key the author stated stays (with the default value) ...
    back = replace_path(edited, "monte_carlo.replications", 20)
    back = replace_path(back, "pricing.acquisition_cost", 50.0)
    text = scenario_io.dumps(back, text)
    assert "replications = 20" in text
    # ... and the added key stays too (the file now states it), still loading back equal
    assert scenario_io.loads(text) == back


def test_editing_removes_an_optional_section_the_scenario_no_longer_has() -> None:
    original = COMMENTED + "\n[equity_test]\nmargin = 100.0\n"
    loaded = scenario_io.loads(original)
    assert loaded.equity_test is not None
    text = scenario_io.dumps(dataclasses.replace(loaded, equity_test=None), original)
    assert "[equity_test]" not in text and "# 0 = none, 1 = fierce" in text


def test_editing_a_version_1_file_brings_it_to_version_2_and_keeps_comments() -> None:
    original = ("# old file\nschema_version = 1\nname = \"Old\"\n\n[market]\n"
                "size = 1000.0\nshare_of_wallet = 0.5  # no engine read it\n")
    loaded = scenario_io.loads(original)
    edited = replace_path(loaded, "market.size", 2000.0)
    text = scenario_io.dumps(edited, original)
    assert "schema_version = 2" in text and "share_of_wallet" not in text
    assert text.startswith("# old file\n") and scenario_io.loads(text) == edited


def test_an_unreadable_original_gives_the_minimal_file() -> None:
    scenario = replace_path(Scenario(), "seed", 3)
    assert scenario_io.dumps(scenario, "not [toml") == scenario_io.dumps(scenario)
    assert scenario_io.dumps(scenario, b"\xff\xfe") == scenario_io.dumps(scenario)


def test_save_with_the_original_keeps_its_comments(tmp_path: Path) -> None:
    edited = replace_path(scenario_io.loads(COMMENTED), "competition.intensity", 0.9)
    target = scenario_io.save(edited, tmp_path / "mine.toml", original=COMMENTED)
    assert _diff(COMMENTED, target.read_text(encoding="utf-8")) == [
        "-intensity = 0.60", "+intensity = 0.9"]


NUMERIC = [(path, fs) for path, fs, _ in iter_numeric_fields(full_example())
           if fs.minimum is not None and fs.maximum is not None
           and not path.startswith(("schema_version", "periods_per_year"))]


@st.composite
def _edits(draw: st.DrawFn) -> tuple[Path, list[tuple[str, object]]]:
    path = draw(st.sampled_from(SHIPPED))
    chosen = draw(st.lists(st.sampled_from(NUMERIC), min_size=1, max_size=4,
                           unique_by=lambda row: row[0]))
    edits: list[tuple[str, object]] = []
    for field_path, fs in chosen:
        if fs.kind == "int":
            value: object = draw(st.integers(int(fs.minimum), int(min(fs.maximum, 10**6))))
        else:
            value = draw(st.floats(fs.minimum, fs.maximum, allow_nan=False,
                                   allow_infinity=False, allow_subnormal=False)) + 0.0
        edits.append((field_path, value))
    return path, edits


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_edits(), st.text(max_size=40).filter(lambda s: s.isprintable()))
def test_any_lever_edit_round_trips_minimal_and_in_place(case, name: str) -> None:
    path, edits = case
    original = path.read_text(encoding="utf-8")
    scenario = scenario_io.loads(original)
    for field_path, value in edits:
        if field_path.startswith(("equity_test", "service")) and get_path(
                scenario, field_path.split(".")[0]) is None:
            continue
        scenario = replace_path(scenario, field_path, value)
    plain_text_lines = [line for line in original.splitlines()
                        if line.startswith(("name = \"", "description = \""))]
    if name.strip() and len(plain_text_lines) == 2:   # (a bilingual table form: a bigger diff)
        scenario = dataclasses.replace(scenario, name=name, description=name + "\n" + name)
    try:
        scenario = scenario_io.scenario_from_dict(to_plain(scenario))
    except scenario_io.ScenarioError:
        return                                   # a cross-field rule refuses this edit
    fresh = scenario_io.dumps(scenario)
    assert scenario_io.loads(fresh) == scenario
    in_place = scenario_io.dumps(scenario, original)
    assert scenario_io.loads(in_place) == scenario
    kept = [line for line in original.splitlines() if line.lstrip().startswith("#")]
    assert all(line in in_place.splitlines() for line in kept)
    # only changed values differ: no more removed lines than edited fields (+ name, desc.)
    removed = [line for line in _diff(original, in_place) if line.startswith("-")]
    assert len(removed) <= len(edits) + 2


def test_a_bilingual_default_is_a_value_not_a_section() -> None:
    """The bilingual branch's default name is {en, zh}: it must be written as one value
    (an inline table), never as a [name] table."""
    assert not scenario_io._is_section({"en": "Untitled", "zh": "未命名"})
    assert scenario_io._is_section({"size": 0.0}) and scenario_io._is_section({"kind": "x"})
    assert scenario_io._is_section({"points": {"enabled": False}})


def test_a_bilingual_description_table_is_edited_in_place() -> None:
    original = ('schema_version = 2\nname = { en = "A", zh = "甲" }\n\n'
                '[description]\nen = "Old"   # kept comment\nzh = "旧"\n')
    edited = {**to_plain(Scenario()), "name": {"en": "A", "zh": "甲"},
              "description": {"en": "New", "zh": "旧"}}
    doc_text = scenario_io._edited_plain(edited, original)
    assert doc_text == original.replace('en = "Old"', 'en = "New"')
