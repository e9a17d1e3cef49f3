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
from sim.scenario_io import load
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
    assert f"{MAGAZINE}: ok" in out
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
        assert str(path) in err and "Traceback" not in err


def test_usage_errors_exit_2() -> None:
    code, _, err = _run("run", str(MAGAZINE), "--format", "xml")
    assert code == 2 and "invalid choice" in err
