"""``python -m sim report FILE.toml [--lang en|zh] [--compare OTHER.toml ...] -o OUT.html``:
the file it writes, and clean messages and exit codes on bad input."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.display import format_kpi
from sim.locale import translate
from sim.onepage import localized_text
from sim.scenario_io import load
from tests.conftest import ROOT
from tests.unit.report_html import page_text, tables
from tests.unit.test_cli import _run

LIB = ROOT / "scenarios"
POINTS = LIB / "whatif_points_programme.toml"


def _clean(err: str) -> None:
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_writes_the_page_with_run_jsons_figures(tmp_path: Path, lang: str) -> None:
    out = tmp_path / "report.html"
    code, stdout, err = _run("report", str(POINTS), "--lang", lang, "-o", str(out))
    assert code == 0 and stdout == "" and "wrote" in err
    html = out.read_text(encoding="utf-8")
    code, stdout, _ = _run("run", str(POINTS), "--format", "json")
    report = json.loads(stdout)
    npv = format_kpi("npv", report["kpis"]["npv"], "USD", lang, short=True)
    assert tables(html)[0][-1][1] == npv                        # the NPV row, scenario column
    text = page_text(html)
    assert hashlib.sha256(POINTS.read_bytes()).hexdigest() in text
    assert translate("report.headline", lang) in text


def test_python_dash_m_sim_report_with_compare(tmp_path: Path) -> None:
    out = tmp_path / "cmp.html"
    files = [LIB / "whatif_today.toml", LIB / "whatif_vip_offers.toml", POINTS]
    done = subprocess.run([sys.executable, "-m", "sim", "report", str(files[0]), "--compare",
                           *map(str, files[1:]), "--lang", "zh", "-o", str(out)], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") == 1
    header = tables(html)[0][0]
    assert header[1:] == [localized_text(load(p).name, "zh") for p in files]
    for path in files:
        assert hashlib.sha256(path.read_bytes()).hexdigest() in html
    assert translate("report.compare_title", "zh", n=3) in page_text(html)


def test_a_library_lesson_carries_its_note(tmp_path: Path) -> None:
    out = tmp_path / "lesson.html"
    assert _run("report", str(LIB / "lesson_top_box.toml"), "-o", str(out))[0] == 0
    assert translate("lesson.lesson_top_box", "en") in page_text(out.read_text("utf-8"))
    copy = tmp_path / "lesson_top_box.toml"                    # not the library's: no note
    copy.write_bytes((LIB / "lesson_top_box.toml").read_bytes())
    assert _run("report", str(copy), "-o", str(out))[0] == 0
    assert translate("lesson.lesson_top_box", "en") not in page_text(out.read_text("utf-8"))


def test_an_invalid_file_is_listed_and_nothing_is_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('schema_version = 2\nhorizon_years = 99\n[pricing]\nrenewal_price = -1\n')
    out = tmp_path / "r.html"
    code, _, err = _run("report", str(bad), "-o", str(out))
    assert code == 1 and "horizon_years" in err and "pricing.renewal_price" in err
    assert not out.exists()
    _clean(err)
    code, _, err = _run("report", str(POINTS), "--compare", str(tmp_path / "none.toml"),
                        "-o", str(out))
    assert code == 1 and "none.toml" in err and not out.exists()
    _clean(err)


@pytest.mark.parametrize("argv, needle", [
    (["--lang", "fr", "-o", "x.html"], "invalid choice: 'fr'"),
    ([], "required: -o"),
    (["-o", "x.html", "--compare"], "--compare: expected at least one argument"),
])
def test_usage_errors_exit_2(argv: list[str], needle: str) -> None:
    code, _, err = _run("report", str(POINTS), *argv)
    assert code == 2 and needle in err
    _clean(err)


def test_too_many_scenarios_and_an_output_over_an_input(tmp_path: Path) -> None:
    before = POINTS.read_bytes()
    code, _, err = _run("report", str(POINTS), "--compare", *[str(POINTS)] * 6, "-o",
                        str(tmp_path / "r.html"))
    assert code == 2 and "at most 6 scenarios" in err
    code, _, err = _run("report", str(POINTS), "-o", str(POINTS))
    assert code == 2 and "is one of the scenario files" in err
    assert POINTS.read_bytes() == before
    _clean(err)


def test_an_output_that_cannot_be_written(tmp_path: Path) -> None:
    code, _, err = _run("report", str(POINTS), "-o", str(tmp_path / "no" / "r.html"))
    assert code == 1 and "cannot write" in err
    code, _, err = _run("report", str(POINTS), "-o", str(tmp_path))
    assert code == 1 and "is a folder" in err
    assert list(tmp_path.iterdir()) == []                       # no temporary file left
    _clean(err)


def test_an_existing_report_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    out.write_text("old")
    assert _run("report", str(POINTS), "-o", str(out))[0] == 0
    assert out.read_text("utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
