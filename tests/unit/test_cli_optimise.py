"""``python -m sim optimise FILE [--budget X] [--format table|json]``: the JSON keys, the
numbers of sim.equity_test and sim.optimise, the printed marginal-cost check, bad input."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from sim.cli import main
from sim.equity_test import RESULT_KEYS, EquityTest, solve
from sim.library import load_preset
from sim.optimise import optimise
from sim.scenario_io import dumps
from tests.conftest import ROOT

TODAY = ROOT / "scenarios" / "whatif_today.toml"
TOP_KEYS = {"optimum", "npv_gain", "roi", "runner_up", "flat_region"}


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:               # argparse usage errors
            code = int(exc.code)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def with_section(tmp_path: Path) -> Path:
    path = tmp_path / "with_equity.toml"
    path.write_text(dumps(dataclasses.replace(load_preset("whatif_today"),
                                              equity_test=EquityTest())), encoding="utf-8")
    return path


def test_json_keys_and_numbers_with_an_equity_section(with_section: Path) -> None:
    code, out, err = _run("optimise", str(with_section), "--format", "json",
                          "--replications", "0")
    assert code == 0, err
    report = json.loads(out)
    assert TOP_KEYS <= set(report)
    assert tuple(report["equity_test"]) == RESULT_KEYS
    assert report["equity_test"] == solve(EquityTest()).as_dict()
    result = optimise(load_preset("whatif_today"), replications=0)
    assert report["optimum"] == result.optimum.plan.levers()
    assert report["npv_gain"] == pytest.approx(result.optimum.npv_gain, rel=1e-12)
    assert report["roi"] == pytest.approx(result.finance.roi, rel=1e-12)
    assert set(report["runner_up"]) >= {"levers", "npv_gain"}
    assert set(report["flat_region"]) >= {"candidates", "tolerance", "portfolios",
                                          "budget_per_year", "enrolment"}
    assert report["optimum"]["acquisition.budget_per_year"] > 0
    assert report["npv_gain_band"] is None             # --replications 0


def test_json_without_a_section_has_no_equity_test() -> None:
    code, out, _ = _run("optimise", str(TODAY), "--format", "json", "--replications", "0")
    assert code == 0
    report = json.loads(out)
    assert "equity_test" not in report and TOP_KEYS <= set(report)


def test_table_prints_the_marginal_cost_check(with_section: Path) -> None:
    code, out, _ = _run("optimise", str(with_section), "--replications", "0")
    assert code == 0
    assert "Customer-equity test (Blattberg-Deighton)" in out
    result = solve(EquityTest())
    v = f"{result.optimum.customer_value:,.6f}"
    assert f"1/a'(A*) = {result.marginal_acquisition_cost:,.6f}" in out
    assert f"1/r'(R*) = {result.marginal_retention_cost:,.6f}" in out
    assert f"customer value V(R*) = {v}" in out
    assert "Whole-model optimiser" in out and "Flat region" in out and "runner-up" in out


def test_budget_option(tmp_path: Path) -> None:
    code, out, _ = _run("optimise", str(TODAY), "--budget", "300000", "--format", "json",
                        "--replications", "0")
    assert code == 0
    report = json.loads(out)
    assert report["budget"] == 300000.0 and report["spend"]["total"] <= 300000.0 * (1 + 1e-9)
    for bad in ("-5", "nan", "inf", "lots", "2e9"):
        code, _, err = _run("optimise", str(TODAY), "--budget", bad)
        assert code == 2 and "--budget" in err


def test_budget_below_every_fixed_cost_exits_1() -> None:
    path = ROOT / "scenarios" / "lesson_false_loyalty.toml"
    code, _, err = _run("optimise", str(path), "--budget", "1000", "--replications", "0")
    assert code == 1
    assert "budget:" in err and "fixed_cost_per_year" in err


def test_invalid_equity_section_exits_1_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(TODAY.read_text(encoding="utf-8")
                    + "\n[equity_test]\nretention_rate = 0.9\nretention_ceiling = 0.8\n",
                    encoding="utf-8")
    code, _, err = _run("optimise", str(path))
    assert code == 1
    assert "equity_test.retention_ceiling" in err and "more than retention_rate (0.9)" in err


def test_missing_file_and_usage() -> None:
    code, _, err = _run("optimise", "no/such/file.toml")
    assert code == 1 and "file.toml" in err
    code, _, _ = _run("optimise")
    assert code == 2
    code, _, _ = _run("optimise", str(TODAY), "--format", "csv")
    assert code == 2


def test_python_dash_m_sim_optimise() -> None:
    out = subprocess.run([sys.executable, "-m", "sim", "optimise",
                          str(ROOT / "scenarios" / "whatif_crm_system.toml"), "--format", "json",
                          "--replications", "2"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    assert report["runner_up"] is None                 # sBG retention: no programme can run
    assert report["npv_gain_band"]["replications"] == 2
    assert report["optimum"]["acquisition.budget_per_year"] > 0


def test_json_with_the_retention_lever_carries_the_spend() -> None:
    """With a ``[retention_spend]`` curve the optimum's levers include
    ``retention_spend.spend`` and the spend splits off ``retention``; the table says so."""
    path = ROOT / "scenarios" / "whatif_retention_spend.toml"
    code, out, err = _run("optimise", str(path), "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    result = optimise(load_preset("whatif_retention_spend"))
    assert report["optimum"]["retention_spend.spend"] == result.optimum.plan.retention_spend
    assert report["current"]["levers"]["retention_spend.spend"] == 2.0
    assert report["spend"]["retention"] == pytest.approx(result.spend.retention)
    code, out, _ = _run("optimise", str(path))
    assert code == 0 and "retention spend" in out and "retention_spend.spend" in out
