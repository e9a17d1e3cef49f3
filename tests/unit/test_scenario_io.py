"""Scenario files: validation lists every problem, round trips, atomic and safe saving."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import scenario_io
from sim.cohort import run_cohort
from sim.scenario import Scenario, scenario_from_dict
from sim.schema import ScenarioError
from sim.whatif import evaluate
from tests.conftest import ROOT

PRESETS = sorted((ROOT / "scenarios").glob("*.toml"))


def test_the_library_ships_at_least_eight_presets() -> None:
    assert len(PRESETS) >= 8


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_every_preset_validates_runs_and_round_trips(path: Path, tmp_path: Path) -> None:
    scenario = scenario_io.load(path)
    result = evaluate(scenario)
    assert result.result.kpis["acquired"] >= 0
    written = scenario_io.save(scenario, tmp_path / path.name)
    again = scenario_io.load(written)
    assert again == scenario
    assert scenario_io.dumps(again) == scenario_io.dumps(scenario)
    assert "schema_version = 2" in written.read_text(encoding="utf-8")


def test_every_problem_is_listed_with_its_path_and_allowed_range() -> None:
    text = """
schema_version = 1
name = "broken"
horizon_years = 0
colour = "blue"
[pricing]
renewal_price = -5
variable_cost = "thirty"
[retention]
model = "magic"
by_tenure_year = [0.6, 1.4]
[finance]
discount_rate = nan
"""
    with pytest.raises(ScenarioError) as info:
        scenario_io.loads(text)
    found = {issue.path: issue for issue in info.value.issues}
    assert set(found) >= {"horizon_years", "colour", "pricing.renewal_price",
                          "pricing.variable_cost", "retention.model",
                          "retention.by_tenure_year[1]", "finance.discount_rate"}
    assert found["colour"].code == "unknown"
    assert found["horizon_years"].code == "range" and "1" in found["horizon_years"].allowed
    assert found["finance.discount_rate"].code == "nan"
    assert found["retention.model"].code == "choice" and "sbg" in found["retention.model"].allowed
    assert "out of range" in str(found["pricing.renewal_price"])


@pytest.mark.parametrize("data,code", [
    (b"\xff\xfe not utf-8", "encoding"),
    (b"name = ", "syntax"),
    (b"a" * (scenario_io.MAX_FILE_BYTES + 1), "size"),
    (b"schema_version = 3\nname = 'x'", "version"),
    (b"schema_version = 2\n[[pricing]]\nrenewal_price = 1", "type"),
    (b"", "rule"),                               # empty: says to add schema_version
])
def test_bad_files_give_one_clear_issue(data: bytes, code: str) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_io.loads(data)
    assert [issue.code for issue in info.value.issues] == [code]


@pytest.mark.parametrize("version,advice", [(3, "newer simulator"), (0, "nothing older"),
                                            ("\"1\"", "set schema_version = 2")])
def test_other_schema_versions_are_refused_saying_what_to_change(version, advice: str) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_io.loads(f"schema_version = {version}\nname = 'x'\n")
    (issue,) = info.value.issues
    assert issue.path == "schema_version" and advice in issue.allowed


def test_a_version_1_file_is_migrated_keeping_every_number() -> None:
    """Schema 2 dropped ``market.share_of_wallet``, which no engine ever read (issue 10)."""
    v2 = (ROOT / "scenarios" / "whatif_points_programme.toml").read_text(encoding="utf-8")
    v1 = v2.replace("schema_version = 2", "schema_version = 1").replace(
        "[market]\n", "[market]\nshare_of_wallet = 0.4\n")
    assert "share_of_wallet" in v1
    old, new = scenario_io.loads(v1), scenario_io.loads(v2)
    assert old == new
    assert evaluate(old).result.kpis == evaluate(new).result.kpis
    assert "schema_version = 2" in scenario_io.dumps(old)
    with pytest.raises(ScenarioError) as info:      # a v2 file must not carry the old field
        scenario_io.loads(v2.replace("[market]\n", "[market]\nshare_of_wallet = 0.4\n"))
    assert [i.path for i in info.value.issues] == ["market.share_of_wallet"]


def test_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read"):
        scenario_io.load(tmp_path / "nothing.toml")


def test_save_never_overwrites_without_confirmation(tmp_path: Path) -> None:
    target = tmp_path / "kept.toml"
    target.write_text("# precious work\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        scenario_io.save(Scenario(), target)
    assert target.read_text(encoding="utf-8") == "# precious work\n"
    scenario_io.save(Scenario(name="replaced"), target, overwrite=True)
    assert scenario_io.load(target).name == "replaced"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.toml"]


def test_a_failure_mid_write_leaves_the_old_file_and_no_temporary(tmp_path: Path,
                                                                   monkeypatch) -> None:
    target = tmp_path / "kept.toml"
    scenario_io.save(Scenario(name="old"), target)
    before = target.read_bytes()

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        scenario_io.save(Scenario(name="new"), target, overwrite=True)
    with pytest.raises(OSError):
        scenario_io.save(Scenario(name="new"), tmp_path / "fresh.toml")
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.toml"]


def test_unicode_names_and_descriptions_round_trip(tmp_path: Path) -> None:
    scenario = Scenario(name="会员积分计划 \"VIP\" \\ test", description="第一行\n第二行\t✓")
    assert scenario_io.loads(scenario_io.dumps(scenario)) == scenario


# Loader fuzzing: whatever arrives, the answer is a Scenario or a ScenarioError.

def _must_be_clear(data: bytes | str) -> None:
    try:
        scenario = scenario_io.loads(data)
    except ScenarioError as exc:
        assert exc.issues and all(str(issue) for issue in exc.issues)
        return
    run_cohort(scenario)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_fuzz_random_bytes(data: bytes) -> None:
    _must_be_clear(data)


toml_scalars = st.sampled_from(["1", "-1", "0.5", "1e308", "-1e308", "inf", "-inf", "nan",
                                "true", "\"text\"", "[]", "[1, 2]", "[0.6, \"x\"]", "{a = 1}",
                                "99999999999999999999", "1979-05-27", "[[1]]"])
toml_keys = st.sampled_from(["schema_version", "name", "horizon_years", "periods_per_year",
                             "seed", "per_year", "mode", "constant", "renewal_price",
                             "discount_rate", "model", "by_tenure_year", "enabled", "zzz"])
toml_tables = st.sampled_from(["", "acquisition", "pricing", "retention", "finance", "market",
                               "programmes.points", "competition", "crm_system", "nope"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(toml_tables, toml_keys, toml_scalars), max_size=12))
def test_fuzz_random_toml(entries: list[tuple[str, str, str]]) -> None:
    by_table: dict[str, list[str]] = {}
    for table, key, value in entries:
        by_table.setdefault(table, []).append(f"{key} = {value}")
    chunks = []
    for table, lines in by_table.items():
        header = f"[{table}]\n" if table else ""
        unique = list(dict.fromkeys(lines))
        last_per_key = dict((line.split(" = ")[0], line) for line in unique)
        chunks.append(header + "\n".join(last_per_key.values()))
    _must_be_clear("\n".join(chunks))


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 3000))
def test_fuzz_deeply_nested_tables(depth: int) -> None:
    _must_be_clear("x = " + "[" * depth + "]" * depth)
    _must_be_clear("[" + ".".join(["a"] * min(depth, 500)) + "]\nb = 1")
    nested: dict = {}
    inner = nested
    for _ in range(min(depth, 200) + 1):
        inner["pricing"] = {}
        inner = inner["pricing"]
    with pytest.raises(ScenarioError) as info:         # pricing.pricing is an unknown field
        scenario_from_dict(nested)
    assert info.value.issues[0].path == "pricing.pricing"


@pytest.mark.parametrize("preset,ok", [("whatif_today", True), ("NUL", False), ("café", False),
                                       ("-x", False), ("../x", False), ("a" * 61, False)])
def test_a_baseline_preset_follows_the_librarys_one_name_rule(preset: str, ok: bool) -> None:
    from sim.library import is_preset_id

    text = f'schema_version = 2\nname = "x"\n[baseline]\nkind = "preset"\npreset = "{preset}"\n'
    assert is_preset_id(preset) == ok
    if ok:
        assert scenario_io.loads(text).baseline.preset == preset
    else:
        with pytest.raises(ScenarioError) as info:
            scenario_io.loads(text)
        assert [i.path for i in info.value.issues] == ["baseline.preset"]
