"""``python -m sim fit retention FILE.csv``: the fit's numbers, its JSON contract, bad input
(exit 1, every problem listed) and usage errors (exit 2)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from sim.cli import build_parser, main
from sim.datafile import SurvivorTable
from sim.retention_fit import fit_retention, read_survivor_csv
from tests.conftest import ROOT

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:               # argparse usage errors
            code = int(exc.code)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def regular(tmp_path: Path) -> Path:
    path = tmp_path / "regular.csv"
    path.write_text("period,customers\n" + "".join(f"{t},{n}\n" for t, n in enumerate(REGULAR)))
    return path


@pytest.fixture
def cohorts(tmp_path: Path) -> Path:
    path = tmp_path / "cohorts.csv"
    rows = [("2019", REGULAR[:8]), ("2020", REGULAR[:6]), ("2021", [800, 520, 390])]
    path.write_text("cohort,period,customers\n" + "".join(
        f"{label},{t},{n}\n" for label, counts in rows for t, n in enumerate(counts)))
    return path


def test_json_has_the_contract_keys_and_the_fits_numbers(regular: Path) -> None:
    code, out, err = _run("fit", "retention", str(regular), "--format", "json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert {"model", "params", "log_likelihood", "aic", "intervals"} <= set(data)
    assert data["model"] == "sbg" and set(data["params"]) == {"alpha", "beta"}
    fit = fit_retention(read_survivor_csv(regular.read_bytes()))
    assert data["params"] == pytest.approx(fit.params, rel=1e-12)
    assert data["log_likelihood"] == pytest.approx(fit.log_likelihood, rel=1e-12)
    assert data["aic"] == pytest.approx(fit.aic, rel=1e-12)
    assert data["intervals"]["alpha"] == pytest.approx(list(fit.intervals["alpha"]))
    assert data["converged"] is True and data["holdout"] is None
    assert [row["period"] for row in data["curve"]] == list(range(13))
    assert data["curve"][0]["renewal"] is None


def test_bdw_json_has_c(regular: Path) -> None:
    code, out, _ = _run("fit", "retention", str(regular), "--model", "bdw", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["model"] == "bdw"
    assert set(data["params"]) == set(data["intervals"]) == {"alpha", "beta", "c"}


def test_holdout_reproduces_fader_hardie_and_shows_constant_retention_under_projecting(
        regular: Path) -> None:
    code, out, _ = _run("fit", "retention", str(regular), "--holdout", "7", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert round(data["params"]["alpha"], 3) == 0.704 and round(data["params"]["beta"], 3) == 1.182
    assert data["log_likelihood"] == pytest.approx(-1680.265, abs=5e-4)
    rows = data["holdout"]["rows"]
    assert [r["period"] for r in rows] == [8, 9, 10, 11, 12]
    assert all(r["projected_constant"] < r["actual"] for r in rows)
    assert data["holdout"]["errors"]["mape"] < data["holdout"]["errors"]["mape_constant"]


def test_table_output(regular: Path, cohorts: Path) -> None:
    code, out, _ = _run("fit", "retention", str(regular), "--holdout", "7")
    assert code == 0
    assert "shifted-beta-geometric" in out and "Log-likelihood: -1680.265" in out
    assert "alpha" in out and "0.7041" in out and "90 %" in out
    assert "Holdout: fitted on periods 0-7" in out and "constant retention" in out
    code, out, _ = _run("fit", "retention", str(cohorts))
    assert code == 0 and "3 cohort(s)" in out


def test_python_dash_m_sim_fit_retention(regular: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "sim", "fit", "retention", str(regular),
                           "--format", "json"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0 and json.loads(done.stdout)["model"] == "sbg"


@pytest.mark.parametrize("text, says", [
    ("period,clients\n0,1\n1,1\n", "customers: column missing"),
    ("period,customers\n0,1000\n1,abc\n2,-4\n", "customers[row 3]"),
    ("period,customers\n0,1000\n1,600\n2,700\n", "survivors cannot rise"),
    ("period,customers\n0,1000\n", "only period 0"),
    ("period,customers\n0,1000\n2,500\n", "period(s) 1 missing"),
    ("period,customers\n0,1000\n1,800\n2,640\n3,512\n4,409.6\n5,327.68\n",
     "constant retention (r = 80.0 % a period)"),
])
def test_bad_input_exits_1_listing_the_problems(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    code, out, err = _run("fit", "retention", str(path))
    assert code == 1 and out == ""
    assert "problem(s)" in err and says in err


def test_every_problem_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("period,customers\n0,x\n1,-1\ny,3\n")
    code, _, err = _run("fit", "retention", str(path))
    assert code == 1 and "3 problem(s)" in err
    assert "customers[row 2]" in err and "customers[row 3]" in err and "period[row 4]" in err


def test_missing_file_folder_and_size_cap(tmp_path: Path) -> None:
    from sim.cli_fit import read_data_path
    from sim.datafile import DataFileError

    code, _, err = _run("fit", "retention", str(tmp_path / "nope.csv"))
    assert code == 1 and "cannot read" in err
    code, _, err = _run("fit", "retention", str(tmp_path))
    assert code == 1 and "is a folder" in err
    path = tmp_path / "big.csv"
    path.write_text("period,customers\n" + "".join(f"{t},{1000 - t}\n" for t in range(50)))
    with pytest.raises(DataFileError) as exc:
        read_data_path(str(path), max_bytes=100)
    assert "too large" in str(exc.value)
    assert read_data_path(str(path)) == path.read_bytes()


def test_holdout_out_of_range_for_the_file_is_invalid_input(regular: Path) -> None:
    code, _, err = _run("fit", "retention", str(regular), "--holdout", "12")
    assert code == 1 and "holdout" in err and "1 to 11" in err


@pytest.mark.parametrize("argv", [
    ["fit"],
    ["fit", "retention"],
    ["fit", "nothing", "x.csv"],
    ["fit", "retention", "x.csv", "--model", "weibull"],
    ["fit", "retention", "x.csv", "--holdout", "0"],
    ["fit", "retention", "x.csv", "--holdout", "two"],
    ["fit", "retention", "x.csv", "--format", "csv"],
])
def test_usage_errors_exit_2(argv: list[str]) -> None:
    code, out, err = _run(*argv)
    assert code == 2 and out == "" and "usage:" in err


def test_fit_group_takes_further_fits() -> None:
    import argparse

    from sim.cli_fit import register_fit

    parser = argparse.ArgumentParser()
    common = argparse.ArgumentParser(add_help=False)
    fit_sub = register_fit(parser.add_subparsers(dest="command"), common)
    extra = fit_sub.add_parser("purchases")
    extra.add_argument("file")
    assert parser.parse_args(["fit", "purchases", "x.csv"]).fit_command == "purchases"
    assert build_parser().parse_args(["fit", "retention", "x.csv"]).fit_command == "retention"


def test_survivor_table_written_by_the_sample_data_is_read_back() -> None:
    from sim.sample_data import survivors_csv

    table = SurvivorTable(("2020", "2021"), (REGULAR[:5], REGULAR[:3]))
    back = read_survivor_csv(survivors_csv(table))
    assert back.labels == table.labels
    assert [list(s) for s in back.survivors] == [REGULAR[:5], REGULAR[:3]]
