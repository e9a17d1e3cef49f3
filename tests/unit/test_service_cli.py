"""``python -m sim queue`` and ``python -m sim service``: JSON keys, numbers, tables."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sim.cli import main
from sim.scenario_io import loads
from sim.service.erlang import erlang_a, erlang_c
from sim.service.kpis import YEARLY_COLUMNS
from sim.service.queue import QUEUE_KEYS
from sim.service.run import service_aware_run
from tests.conftest import ROOT

QUEUE = ["queue", "--arrivals-per-hour", "100", "--agents", "10", "--handling-minutes", "5",
         "--hours", "300", "--seed", "3", "--format", "json"]
SERVICE_TABLE = ("\n[service]\nsample_weeks = 1\nfeedback_passes = 1\nagents_by_hour = ["
                 + ", ".join(["2"] * 7 + ["4"] * 14 + ["2"] * 3) + "]\n")


def _json(argv, capsys) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_queue_json_has_exactly_the_keys(capsys) -> None:
    report = _json(QUEUE, capsys)
    assert list(report) == list(QUEUE_KEYS) == [
        "mean_wait_minutes", "p_wait", "service_level", "abandonment", "utilisation",
        "mean_handling_minutes", "requests", "erlang_c"]
    for key in QUEUE_KEYS[:6]:
        e = report[key]
        assert set(e) == {"estimate", "low", "high", "level"} and e["level"] == 0.95
        assert e["low"] <= e["estimate"] <= e["high"]
    assert isinstance(report["requests"], int) and report["requests"] > 25_000
    figures = erlang_c(100 / 60, 5.0, 10)
    c = report["erlang_c"]
    assert c["model"] == "M/M/c (Erlang C)" and c["holds"] and c["stable"]
    assert c["p_wait"] == pytest.approx(figures.p_wait)
    assert c["mean_wait_minutes"] == pytest.approx(figures.mean_wait)
    assert c["service_level"] == pytest.approx(figures.service_level(20 / 60))
    assert c["abandonment"] == 0.0 and c["mean_handling_minutes"] == 5.0
    assert report["abandonment"]["estimate"] == 0.0
    assert _json(QUEUE, capsys) == report                         # same seed, same numbers


def test_queue_json_with_patience_is_erlang_a(capsys) -> None:
    report = _json(QUEUE + ["--patience-minutes", "3", "--target-seconds", "30"], capsys)
    c = report["erlang_c"]
    figures = erlang_a(100 / 60, 5.0, 10, 3.0)
    assert c["model"] == "M/M/c+M (Erlang A)"
    assert c["abandonment"] == pytest.approx(figures.abandonment)
    assert c["service_level"] == pytest.approx(figures.service_level(0.5))
    assert report["abandonment"]["estimate"] == pytest.approx(figures.abandonment, abs=0.01)


def test_queue_table(capsys) -> None:
    assert main(QUEUE[:-2]) == 0
    out = capsys.readouterr().out
    assert "M/M/c (Erlang C)" in out and "mean_wait_minutes" in out and "Erlangs" in out


def test_python_dash_m_sim_queue() -> None:
    done = subprocess.run([sys.executable, "-m", "sim", *QUEUE[:-2], "--hours", "50"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "p_wait" in done.stdout


@pytest.fixture()
def service_file(tmp_path):
    path = tmp_path / "served.toml"
    text = (ROOT / "scenarios" / "lesson_satisfied_defect.toml").read_text(encoding="utf-8")
    path.write_text(text + SERVICE_TABLE, encoding="utf-8")
    return path


def test_service_json(service_file, capsys) -> None:
    report = _json(["service", str(service_file), "--format", "json"], capsys)
    assert set(report) == {"scenario", "currency", "feedback", "service_quality",
                           "shift_points", "passes", "yearly", "experience", "kpis",
                           "npv_effect", "measured_against", "service_cost_pv",
                           "npv_with_service_cost", "baseline", "simulation"}
    assert report["feedback"] == "satisfaction"
    assert [list(row) for row in report["yearly"]] == [list(YEARLY_COLUMNS)] * 5
    kpis = report["kpis"]
    assert report["npv_effect"] == pytest.approx(kpis["with_feedback"]["npv"]
                                                 - kpis["without_feedback"]["npv"])
    assert "without the service feedback" in report["measured_against"]
    q = report["service_quality"]
    assert q["with_service"] == pytest.approx(q["stated"] + report["shift_points"])
    assert report["npv_with_service_cost"] == pytest.approx(
        kpis["with_feedback"]["npv"] - report["service_cost_pv"])
    assert report["baseline"] == {"kind": "no_programme", "same_as_scenario": True,
                                  "npv_with_service_cost": report["npv_with_service_cost"],
                                  "npv_gain": 0.0}
    # The CLI's numbers are service_aware_run's.
    outcome = service_aware_run(loads(service_file.read_text(encoding="utf-8")))
    assert report["npv_effect"] == outcome.npv_effect
    assert report["shift_points"] == outcome.shift
    assert _json(["service", str(service_file), "--format", "json"], capsys) == report


def test_service_against_a_different_baseline(tmp_path, capsys) -> None:
    """A CRM scenario: its baseline (no CRM system) runs the same centre without the CRM
    cuts; the gain is scenario − baseline, both with the service cost."""
    text = (ROOT / "scenarios" / "lesson_satisfied_defect.toml").read_text(encoding="utf-8")
    text = text.replace("[crm_system]", "[crm_system]\nenabled = true", 1) if \
        "[crm_system]" in text else text + "\n[crm_system]\nenabled = true\n"
    path = tmp_path / "crm.toml"
    path.write_text(text + SERVICE_TABLE, encoding="utf-8")
    report = _json(["service", str(path), "--format", "json"], capsys)
    base = report["baseline"]
    assert base["same_as_scenario"] is False
    assert base["npv_gain"] == pytest.approx(report["npv_with_service_cost"]
                                             - base["npv_with_service_cost"])
    no_base = _json(["service", str(path), "--format", "json", "--no-baseline"], capsys)
    assert no_base["baseline"]["npv_gain"] is None


def test_service_table(service_file, capsys) -> None:
    assert main(["service", str(service_file)]) == 0
    out = capsys.readouterr().out
    for text in ("Contact centre by year", "Perceived performance: service_quality",
                 "NPV effect of the service", "measured against the same scenario without "
                 "the service feedback", "Against the baseline"):
        assert text in out
