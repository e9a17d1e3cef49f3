"""Issue 11, file side: integral floats, bounded and regular-file-only reading, empty and
cut-short files, BOMs, capped and fast error lists, control characters shown as text, the
name rule and a checked, atomic save that never replaces a good file by a bad one."""

from __future__ import annotations

import os
import pickle
import stat
import sys
import time
from pathlib import Path

import pytest

from sim import scenario_io
from sim.cohort import run_cohort
from sim.library import is_preset_id, load_preset
from sim.scenario import Scenario
from sim.scenario_io import SaveError
from sim.schema import MAX_ISSUES, Issue, ScenarioError
from tests.conftest import ROOT

MAGAZINE = ROOT / "scenarios" / "textbook_magazine.toml"


def _issues(data: bytes | str) -> list[Issue]:
    with pytest.raises(ScenarioError) as info:
        scenario_io.loads(data)
    return info.value.issues


# Integer fields accept integral floats (12.0) and store them as int.

def test_integral_floats_are_whole_numbers_stored_as_int() -> None:
    scenario = scenario_io.loads("schema_version = 2.0\nperiods_per_year = 12.0\n"
                                 "horizon_years = 3.0\n[monte_carlo]\nreplications = 5.0\n")
    assert scenario.periods_per_year == 12 and type(scenario.periods_per_year) is int
    assert type(scenario.horizon_years) is int and type(scenario.schema_version) is int
    assert type(scenario.monte_carlo.replications) is int
    assert scenario.periods == 36
    run_cohort(scenario)                    # TypeError before: range(3 * 12.0)
    assert scenario_io.loads(scenario_io.dumps(scenario)) == scenario
    assert "periods_per_year = 12\n" in scenario_io.dumps(scenario)


@pytest.mark.parametrize("field,value", [("periods_per_year", "12.5"), ("horizon_years", "2.5"),
                                         ("periods_per_year", "inf"), ("seed", "nan")])
def test_non_integral_floats_are_refused_with_path_and_range(field: str, value: str) -> None:
    (issue,) = _issues(f"schema_version = 2\n{field} = {value}\n")
    assert issue.path == field and issue.allowed
    assert ("1, 12" in issue.allowed) if field == "periods_per_year" else (
        "whole number" in issue.allowed)


def test_huge_whole_numbers_are_out_of_range_not_a_crash() -> None:
    (issue,) = _issues("schema_version = 2\n[pricing]\nrenewal_price = " + "9" * 400 + "\n")
    assert issue.path == "pricing.renewal_price" and issue.code == "range"


# Empty, whitespace-only or cut-short files; BOMs.

@pytest.mark.parametrize("data", [b"", b"   \n\n\t\n", b"# only a comment\n"])
def test_empty_files_are_refused_saying_what_to_add(data: bytes) -> None:
    (issue,) = _issues(data)
    assert issue.path == "schema_version" and "empty" in issue.got
    assert "schema_version = 2" in str(issue)


def test_a_cut_short_file_is_refused_and_its_other_problems_listed() -> None:
    text = MAGAZINE.read_text(encoding="utf-8")
    cut = text[text.index("[pricing]"):]           # the top (with schema_version) is lost
    (issue,) = _issues(cut)
    assert issue.path == "schema_version" and "schema_version = 2" in str(issue)
    issues = _issues(cut.replace("discount_rate = 0.15", "discount_rate = 7"))
    assert [i.path for i in issues] == ["schema_version", "finance.discount_rate"]


def test_a_utf8_bom_is_accepted() -> None:
    data = MAGAZINE.read_bytes()
    assert scenario_io.loads(b"\xef\xbb\xbf" + data) == scenario_io.loads(data)
    assert scenario_io.loads("\ufeff" + data.decode("utf-8")) == scenario_io.loads(data)


def test_a_file_with_a_bom_loads_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "notepad.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MAGAZINE.read_bytes().replace(b"\n", b"\r\n"))
    assert scenario_io.load(path) == scenario_io.load(MAGAZINE)


# Only regular files, read with a cap.

def test_folders_devices_and_fifos_are_refused_without_reading(tmp_path: Path) -> None:
    targets = [tmp_path]
    if os.path.exists("/dev/zero"):
        targets.append(Path("/dev/zero"))
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.toml"
        os.mkfifo(fifo)                             # nobody writes: opening it would hang
        targets.append(fifo)
    for target in targets:
        start = time.perf_counter()
        with pytest.raises(ScenarioError) as info:
            scenario_io.load(target)
        assert time.perf_counter() - start < 1
        (issue,) = info.value.issues
        assert "regular file" in issue.allowed or "folder" in issue.allowed


def test_read_bytes_at_most_the_cap_plus_one(tmp_path: Path, monkeypatch) -> None:
    """A file that grows after stat() is read only up to MAX_FILE_BYTES + 1 bytes."""
    path = tmp_path / "grows.toml"
    path.write_bytes(b"schema_version = 2\n")
    real_stat = os.stat

    class Small:
        def __init__(self, info: os.stat_result):
            self.st_mode, self.st_size = info.st_mode, 1

    monkeypatch.setattr(os, "stat", lambda p, *a, **k: Small(real_stat(p, *a, **k)))
    path.write_bytes(b"#" * (10 * scenario_io.MAX_FILE_BYTES))
    data = scenario_io._read_capped(path)
    assert len(data) == scenario_io.MAX_FILE_BYTES + 1
    with pytest.raises(ScenarioError) as info:
        scenario_io.load(path)
    assert [i.code for i in info.value.issues] == ["size"]


def test_messages_never_show_the_absolute_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as info:
        scenario_io.load(tmp_path / "scenarios" / "missing.toml")
    assert str(tmp_path) not in str(info.value)
    assert os.path.join("scenarios", "missing.toml") in str(info.value)


# Error lists: capped and fast.

def test_thirty_thousand_unknown_keys_give_a_capped_list_quickly() -> None:
    data = ("schema_version = 2\n" + "".join(f"k{i}=1\n" for i in range(30_000))).encode()
    assert len(data) <= scenario_io.MAX_FILE_BYTES
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        scenario_io.loads(data)
    message = str(info.value)
    elapsed = time.perf_counter() - start
    error = info.value
    assert len(error.issues) == MAX_ISSUES == 50
    assert error.total == 30_000 and error.omitted == 29_950
    assert error.more_text() == "… and 29950 more problems"
    assert message.endswith("… and 29950 more problems")
    assert len(message) < 50_000                     # 8.8 MB before
    assert elapsed < 3, elapsed


def test_the_capped_error_survives_pickling_and_counts_nested_problems() -> None:
    text = "schema_version = 2\n[pricing]\n" + "".join(f"p{i} = 1\n" for i in range(60))
    text += "[retention]\nby_tenure_year = [" + ", ".join(["2.0"] * 70) + "]\n"
    with pytest.raises(ScenarioError) as info:
        scenario_io.loads(text)
    assert info.value.total == 130 and len(info.value.issues) == 50
    again = pickle.loads(pickle.dumps(info.value))
    assert again.issues == info.value.issues and again.total == 130
    small = ScenarioError([Issue("a", "rule", "x", "y")])
    assert small.omitted == 0 and small.more_text() == "" and "more" not in str(small)


# Control characters: refused in text fields, escaped in every message.

@pytest.mark.parametrize("field,char", [("name", "\x7f"), ("name", "\x1b"), ("currency", "\x00"),
                                        ("description", "\x1b"), ("description", "\r"),
                                        ("description", "\x85"), ("name", "\n")])
def test_text_fields_refuse_control_characters(field: str, char: str) -> None:
    escaped = f"\\u{ord(char):04x}"
    (issue,) = _issues(f'schema_version = 2\n{field} = "a{escaped}b"\n')
    assert issue.path == field and issue.code == "rule"
    assert f"U+{ord(char):04X}" in issue.got and "control characters" in issue.allowed


def test_descriptions_keep_line_breaks_and_tabs() -> None:
    scenario = scenario_io.loads('schema_version = 2\ndescription = "one\\n\\ttwo"\n')
    assert scenario.description == "one\n\ttwo"


def test_issue_text_escapes_control_characters() -> None:
    issues = _issues('schema_version = 2\n"\\u001b[31m\\u202egnp.exe" = 1\n'
                     'name = "\\u001b[2J"\n')
    for issue in issues:
        text = str(issue) + issue.path + issue.got + issue.allowed
        assert "\x1b" not in text and "\u202e" not in text
    assert issues[0].path == "\\x1b[31m\\u202egnp.exe"


# The name rule.

@pytest.mark.parametrize("name", ["baseline", "my-plan_2", "a", "X" * 60, "CONSOLE", "com10",
                                  "nul_backup", "lpt0"])
def test_safe_names(name: str) -> None:
    assert is_preset_id(name) and scenario_io.is_safe_stem(name)


@pytest.mark.parametrize("name", ["", "..", ".hidden", "a/b", "a\\b", "a b", "-x", "_x",
                                  "X" * 61, "ok\n", "ok\x7f", "ok\x00", "a.toml", "été",
                                  "CON", "con", "Prn", "aux", "NUL", "com1", "COM9", "lpt1",
                                  "LPT9"])
def test_unsafe_names(name: str) -> None:
    assert not is_preset_id(name) and not scenario_io.is_safe_stem(name)


def test_load_preset_refuses_a_reserved_or_newline_id() -> None:
    for name in ("CON", "baseline\n"):
        with pytest.raises(ScenarioError):
            load_preset(name)


# Saving: checked and atomic, the old file untouched on any failure.

def _setup_old(folder: Path) -> tuple[Path, bytes]:
    target = folder / "kept.toml"
    scenario_io.save(Scenario(name="old"), target)
    return target, target.read_bytes()


def _only(folder: Path, *names: str) -> None:
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)


@pytest.mark.parametrize("name", ["CON.toml", "nul.toml", "a b.toml", "kept.txt", ".x.toml",
                                  "ok\x7f.toml"])
def test_save_refuses_unsafe_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(SaveError) as info:
        scenario_io.save(Scenario(), tmp_path / name)
    assert "name" in str(info.value) and "\x7f" not in str(info.value)
    _only(tmp_path)


def test_save_refuses_a_scenario_that_would_not_load(tmp_path: Path) -> None:
    target, before = _setup_old(tmp_path)
    bad = Scenario(name="Loyalty\x7f plan")            # built in code, never validated
    with pytest.raises(SaveError) as info:
        scenario_io.save(bad, target, overwrite=True)
    assert info.value.issues and info.value.issues[0].path == "name"
    assert "invalid" in str(info.value) and "\x7f" not in str(info.value)
    assert target.read_bytes() == before
    _only(tmp_path, "kept.toml")
    assert isinstance(info.value, OSError)            # the UI's `except OSError` shows it


def test_a_failing_load_back_leaves_the_old_file_byte_identical(tmp_path: Path,
                                                                 monkeypatch) -> None:
    target, before = _setup_old(tmp_path)

    def broken_load(path):
        raise ScenarioError([Issue("name", "rule", "x", "the disk returned garbage")])

    monkeypatch.setattr(scenario_io, "load", broken_load)
    with pytest.raises(SaveError) as info:
        scenario_io.save(Scenario(name="new"), target, overwrite=True)
    assert "does not load back" in str(info.value) and info.value.issues
    assert target.read_bytes() == before
    _only(tmp_path, "kept.toml")


def test_a_load_back_that_differs_leaves_the_old_file(tmp_path: Path, monkeypatch) -> None:
    target, before = _setup_old(tmp_path)
    monkeypatch.setattr(scenario_io, "load", lambda path: Scenario(name="something else"))
    with pytest.raises(SaveError, match="different"):
        scenario_io.save(Scenario(name="new"), target, overwrite=True)
    assert target.read_bytes() == before
    _only(tmp_path, "kept.toml")


def test_a_failing_rename_leaves_the_old_file(tmp_path: Path, monkeypatch) -> None:
    target, before = _setup_old(tmp_path)

    def failing_replace(src, dst):
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(SaveError) as info:
        scenario_io.save(Scenario(name="new"), target, overwrite=True)
    assert info.value.errno == 13 and "Permission denied" in str(info.value)
    assert "unchanged" in str(info.value)
    assert target.read_bytes() == before
    _only(tmp_path, "kept.toml")


def test_save_round_trips_and_replaces_only_when_asked(tmp_path: Path) -> None:
    target, _ = _setup_old(tmp_path)
    with pytest.raises(FileExistsError):
        scenario_io.save(Scenario(name="new"), target)
    scenario_io.save(Scenario(name="new", description="a\n\tb"), target, overwrite=True)
    assert scenario_io.load(target) == Scenario(name="new", description="a\n\tb")
    _only(tmp_path, "kept.toml")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_saved_files_are_0644_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        fresh = scenario_io.save(Scenario(), tmp_path / "fresh.toml")
        target, _ = _setup_old(tmp_path)
        scenario_io.save(Scenario(name="again"), target, overwrite=True)
    finally:
        os.umask(old)
    for path in (fresh, target):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
