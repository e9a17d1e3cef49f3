"""The JSON of ``python -m sim run``: every dashboard KPI under stable names, same numbers."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sim.report import FINANCE_NAMES, KPI_NAMES
from sim.scenario_io import load
from sim.scorecard import PERSPECTIVES
from sim.whatif import evaluate
from tests.conftest import ROOT

PRESET = ROOT / "scenarios" / "whatif_crm_system.toml"


@pytest.fixture(scope="module")
def report() -> dict:
    out = subprocess.run([sys.executable, "-m", "sim", "run", str(PRESET), "--format", "json"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_json_has_scenario_baseline_delta_finance_and_bands(report: dict) -> None:
    assert set(report) >= {"scenario", "currency", "kpis", "baseline", "delta", "finance",
                           "monte_carlo", "scorecard", "yearly", "tenure"}
    assert set(report["kpis"]) == set(KPI_NAMES) == set(report["baseline"]["kpis"])
    # The value keys are a contract; each missing value also says why.
    assert list(report["finance"])[:7] == list(FINANCE_NAMES) == [
        "incremental_benefit", "incremental_cost", "npv_delta", "roi", "irr", "payback_years",
        "discounted_payback_years"]
    assert set(report["finance"]) - set(FINANCE_NAMES) == {
        "roi_reason", "irr_reason", "payback_reason", "discounted_payback_reason"}
    assert report["monte_carlo"]["replications"] == 20
    for kpi in KPI_NAMES:
        stats = report["monte_carlo"]["scenario"][kpi]
        assert set(stats) == {"mean", "std_error", "p10", "p50", "p90"}
        assert stats["p10"] <= stats["p50"] <= stats["p90"]
    assert {row["perspective"] for row in report["scorecard"]} == set(PERSPECTIVES)


def test_json_numbers_are_the_engines_numbers(report: dict) -> None:
    w = evaluate(load(PRESET))
    for kpi in KPI_NAMES:
        assert report["kpis"][kpi] == pytest.approx(w.result.kpis[kpi], rel=1e-12)
        assert report["delta"][kpi] == pytest.approx(
            w.result.kpis[kpi] - w.base_result.kpis[kpi], rel=1e-9, abs=1e-6)
    assert report["finance"] == pytest.approx(w.finance.as_dict(), rel=1e-12)
    assert report["monte_carlo"]["scenario"]["npv"]["p50"] == pytest.approx(
        w.mc.kpi_summary()["npv"]["p50"], rel=1e-12)


def test_replications_flag_turns_monte_carlo_off() -> None:
    out = subprocess.run([sys.executable, "-m", "sim", "run", str(PRESET), "--format", "json",
                          "--replications", "0"], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    assert "monte_carlo" not in json.loads(out.stdout)


def test_undefined_roi_is_null_not_infinity() -> None:
    out = subprocess.run([sys.executable, "-m", "sim", "run",
                          str(ROOT / "scenarios" / "textbook_magazine.toml"), "--format", "json",
                          "--replications", "0"], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    assert '"roi": null' in out.stdout and "Infinity" not in out.stdout and "NaN" not in out.stdout
    finance = json.loads(out.stdout)["finance"]
    assert finance["roi_reason"] == finance["payback_reason"] == "no_investment"
