"""``python -m sim run`` and ``python -m sim validate``.

Same numbers as the engine, clear errors.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.cohort import run_cohort
from sim.scenario_io import display_path, load
from tests.conftest import ROOT

MAGAZINE = ROOT / "scenarios" / "textbook_magazine.toml"


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:               # argparse usage errors
            code = int(exc.code)
    return code, out.getvalue(), err.getvalue()


def test_python_dash_m_sim_runs_the_textbook_case() -> None:
    out = subprocess.run([sys.executable, "-m", "sim", "run", str(MAGAZINE)], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()}
    assert lines["clv_gross"][0] == "66.94" and lines["clv_net"][0] == "16.94"   # the book
    assert lines["roi"] == ["n/a", "(no_investment)"]     # registry format, reason shown
    assert "45,540.00" in out                     # year 2 revenue of the tenure table


def test_json_and_csv_carry_the_engines_numbers() -> None:
    result = run_cohort(load(MAGAZINE))
    code, out, _ = _run("run", str(MAGAZINE), "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["kpis"]["clv_net"] == pytest.approx(result.kpis["clv_net"], rel=1e-12)
    assert [row["discounted_profit"] for row in report["tenure"]] == pytest.approx(
        list(result.tenure["discounted_profit"]), rel=1e-12)
    code, out, _ = _run("run", str(MAGAZINE), "--format", "csv")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert list(table["revenue"]) == pytest.approx(list(result.yearly["revenue"]), rel=1e-9)


def test_validate_lists_every_problem_and_exits_non_zero(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('schema_version = 1\nname = "bad"\nhorizon_years = 99\n'
                   '[pricing]\nrenewal_price = -1\ncolour = "red"\n', encoding="utf-8")
    code, out, _ = _run("validate", str(MAGAZINE), str(bad))
    assert code == 1
    assert f"{display_path(MAGAZINE)}: ok" in out
    assert "3 problem(s)" in out
    for path in ("horizon_years", "pricing.renewal_price", "pricing.colour"):
        assert f"  {path}:" in out
    assert "allowed" in out


def test_validate_all_presets_exits_zero() -> None:
    presets = sorted(str(p) for p in (ROOT / "scenarios").glob("*.toml"))
    code, out, _ = _run("validate", *presets)
    assert code == 0 and out.count(": ok") == len(presets)


def test_run_of_a_broken_or_missing_file_reports_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_bytes(b"name = \xff")
    for path in (bad, tmp_path / "missing.toml"):
        code, out, err = _run("run", str(path))
        assert code == 1 and out == ""
        assert display_path(path) in err and "Traceback" not in err


def test_usage_errors_exit_2() -> None:
    code, _, err = _run("run", str(MAGAZINE), "--format", "xml")
    assert code == 2 and "invalid choice" in err


# Exit codes (issue 11): 0 ok, 1 invalid input, 2 usage, 3 internal error.

def test_exit_0_ok_and_1_invalid_listing_every_problem(tmp_path: Path) -> None:
    assert _run("validate", str(MAGAZINE))[0] == 0
    bad = tmp_path / "bad.toml"
    bad.write_text("schema_version = 2\nhorizon_years = 0\nseed = -1\n", encoding="utf-8")
    code, out, _ = _run("validate", str(bad))
    assert code == 1 and "2 problem(s)" in out and "horizon_years" in out and "seed" in out
    code, out, err = _run("run", str(bad))
    assert code == 1 and out == "" and "horizon_years" in err


@pytest.mark.parametrize("argv", [
    ("run", str(MAGAZINE), "--replications", "-1"),
    ("run", str(MAGAZINE), "--replications", "many"),
    ("run", str(MAGAZINE), "--replications", "1000000000"),
    ("frobnicate",),
    ("run",),
    ("compare", str(MAGAZINE)),
])
def test_exit_2_usage_errors(argv: tuple[str, ...]) -> None:
    code, out, err = _run(*argv)
    assert code == 2 and out == "" and err
    assert "Traceback" not in err


def test_replications_minus_one_is_not_taken_as_zero() -> None:
    code, _, err = _run("run", str(MAGAZINE), "--replications", "-1")
    assert code == 2 and "--replications" in err and "0 to 2000" in err


def _crash(*_args, **_kwargs):
    raise ZeroDivisionError("boom \x1b[2J")


def test_exit_3_internal_error_one_line_without_traceback(monkeypatch) -> None:
    monkeypatch.setattr("sim.cli.run_report", _crash)
    code, out, err = _run("run", str(MAGAZINE))
    assert code == 3 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "internal error" in err and "report" in err and "--debug" in err
    assert "ZeroDivisionError" in err and "Traceback" not in err
    assert "\x1b" not in err and "\\x1b[2J" in err


def test_exit_3_with_debug_prints_the_traceback(monkeypatch) -> None:
    monkeypatch.setattr("sim.cli.run_report", _crash)
    for argv in (("--debug", "run", str(MAGAZINE)), ("run", str(MAGAZINE), "--debug")):
        code, _, err = _run(*argv)
        assert code == 3
        assert "Traceback" in err and "ZeroDivisionError" in err and "internal error" in err


def test_exit_codes_through_python_dash_m(tmp_path: Path) -> None:
    def code_of(*argv: str) -> int:
        return subprocess.run([sys.executable, "-m", "sim", *argv], cwd=ROOT,
                              capture_output=True, text=True, timeout=120).returncode
    bad = tmp_path / "bad.toml"
    bad.write_text("schema_version = 2\nhorizon_years = 0\n", encoding="utf-8")
    assert code_of("validate", str(MAGAZINE)) == 0
    assert code_of("validate", str(bad)) == 1
    assert code_of("run", str(MAGAZINE), "--replications", "-1") == 2


# File reading in the CLI (issue 11): bounded, never hangs, text shown as text.

def test_validate_refuses_devices_and_fifos_quickly(tmp_path: Path) -> None:
    import os
    import time
    paths = [tmp_path]
    if os.path.exists("/dev/zero"):
        paths.append(Path("/dev/zero"))
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.toml"
        os.mkfifo(fifo)
        paths.append(fifo)
    for path in paths:
        start = time.perf_counter()
        code, out, _ = _run("validate", str(path))
        assert code == 1 and "1 problem(s)" in out, out
        assert "regular file" in out or "folder" in out
        assert time.perf_counter() - start < 2


def test_messages_show_paths_relative_to_the_working_folder(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "srv" / "app"
    folder.mkdir(parents=True)
    (folder / "bad.toml").write_text("schema_version = 2\nseed = -1\n", encoding="utf-8")
    monkeypatch.chdir(folder)
    code, out, _ = _run("validate", str(folder / "bad.toml"), str(folder / "missing.toml"))
    assert code == 1
    assert "bad.toml: 1 problem(s)" in out and "missing.toml: 1 problem(s)" in out
    assert str(tmp_path) not in out


def test_ansi_escapes_from_a_file_are_never_printed_raw(tmp_path: Path) -> None:
    bad = tmp_path / "ansi.toml"
    bad.write_text('schema_version = 2\n"\\u001b[2J\\u001b]0;pwned\\u0007" = 1\n'
                   '[pricing]\n"\\u009b31m\\r" = 2\n', encoding="utf-8")
    code, out, _ = _run("validate", str(bad))
    assert code == 1 and "2 problem(s)" in out
    assert "\\x1b[2J" in out and "\\x9b31m\\x0d" in out
    assert not any(ord(c) < 32 and c != "\n" or 0x7f <= ord(c) <= 0x9f for c in out)


def test_a_long_error_list_is_capped_with_a_count(tmp_path: Path) -> None:
    big = tmp_path / "keys.toml"
    big.write_text("schema_version = 2\n" + "".join(f"k{i}=1\n" for i in range(30_000)),
                   encoding="utf-8")
    code, out, _ = _run("validate", str(big))
    assert code == 1
    assert "30000 problem(s)" in out and "… and 29950 more problems" in out
    assert out.count("unknown field") == 50 and len(out) < 50_000


def test_the_table_prints_the_budgets_notices(tmp_path: Path, capsys) -> None:
    """A run the budget had to bound (here: word of mouth in an unbounded market) says so
    in the text table, not only in the JSON."""
    from sim import scenario_io
    from sim.library import load_preset
    from sim.scenario import replace_path

    s = replace_path(load_preset("lesson_false_loyalty"), "word_of_mouth.referrals_per_loyalist",
                     10.0)
    s = replace_path(replace_path(s, "horizon_years", 30), "market.size", 0.0)
    path = tmp_path / "wom.toml"
    path.write_text(scenario_io.dumps(s), encoding="utf-8")
    assert main(["run", str(path), "--replications", "0"]) == 0
    out = capsys.readouterr().out
    assert "Notices:" in out and "market.size" in out and "10,000,000,000" in out
    assert main(["run", str(path), "--replications", "0", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["notices"][0]["code"] == "population_capped"
