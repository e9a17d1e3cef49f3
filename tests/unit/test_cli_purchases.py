"""``python -m sim fit purchases`` and ``python -m sim rfm`` (issue 13 item 3).

The same numbers as sim.purchase_models and sim.transactions; bad input exits 1 listing
every problem with its row or column; usage errors exit 2.
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
from sim.purchase_models import fit_bgnbd, read_summary
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
SUMMARY = DATA / "cdnow_summary.csv"
TRANSACTIONS = DATA / "cdnow_sample_transactions.csv"

LOG = """customer_id,date,amount,stage,industry,employees
A,2024-01-05,100,closed,finance,50
A,2024-03-10,50,closed,finance,50
A,2024-03-10,25,closed,finance,50
B,2024-02-01,20,intended,services,10
C,2023-11-20,300,tracking,retail,200
C,2024-06-30,100,closed,retail,200
D,2024-06-01,10,,services,
E,2024-05-15,40,tracking,finance,5
"""
WEIGHTS = """stage_column = "stage"
[weights]
monetary = 50
industry = 30
employees = 20
[levels.industry]
finance = 100
services = 30
"""


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:               # argparse usage errors
            code = int(exc.code)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"log": tmp_path / "log.csv", "weights": tmp_path / "weights.toml"}
    paths["log"].write_text(LOG, encoding="utf-8")
    paths["weights"].write_text(WEIGHTS, encoding="utf-8")
    return paths


def test_fit_purchases_summary_json_has_the_cdnow_estimates() -> None:
    code, out, err = _run("fit", "purchases", str(SUMMARY), "--summary", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    bg = report["bgnbd"]
    assert {k: round(bg[k], 3) for k in ("r", "alpha", "a", "b")} == {
        "r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert bg["log_likelihood"] == pytest.approx(-9582.4, abs=0.05)
    gg = report["gamma_gamma"]
    assert gg["p"] == pytest.approx(6.25, abs=0.01) and gg["q"] == pytest.approx(3.74, abs=0.01)
    assert gg["gamma"] == pytest.approx(15.44, abs=0.01) and gg["customers"] == 946
    assert report["customers"] == 2357 and report["source"] == "summary"
    # the CLI prints what the module computes
    summary = read_summary(SUMMARY.read_bytes())
    direct = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    assert bg["r"] == direct.model.r and bg["log_likelihood"] == direct.log_likelihood


def test_fit_purchases_from_the_transaction_log() -> None:
    code, out, err = _run("fit", "purchases", str(TRANSACTIONS), "--date-format", "%Y%m%d",
                          "--calibration-end", "1997-09-30", "--time-unit", "week",
                          "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["calibration_end"] == "1997-09-30" and report["time_unit"] == "week"
    assert report["bgnbd"]["r"] == pytest.approx(0.2425945, rel=5e-5)
    assert report["bgnbd"]["log_likelihood"] == pytest.approx(-9582.429, abs=1e-3)
    assert round(report["gamma_gamma"]["gamma"], 2) == 15.44
    assert report["forecast"]["horizon"] == pytest.approx(52.18)
    # table format: parameters and the forecast, in words
    code, out, _ = _run("fit", "purchases", str(TRANSACTIONS), "--date-format", "%Y%m%d",
                        "--calibration-end", "1997-09-30", "--time-unit", "day")
    assert code == 0 and "time unit: day" in out and "Gamma-Gamma" in out
    assert "Next 365.25 days" in out


def test_fit_purchases_without_spend_has_no_gamma_gamma(tmp_path: Path) -> None:
    table = pd.read_csv(SUMMARY, dtype=str).drop(columns="monetary_value")
    path = tmp_path / "no_spend.csv"
    table.to_csv(path, index=False)
    code, out, err = _run("fit", "purchases", str(path), "--summary", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert "gamma_gamma" not in report and "expected_value" not in report["forecast"]


def test_fit_purchases_bad_input_exits_1_naming_rows(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,frequency,recency,T\n1,2,3,10\n2,0,4,10\n3,-1,0,10\n",
                   encoding="utf-8")
    code, out, err = _run("fit", "purchases", str(bad), "--summary")
    assert code == 1 and out == ""
    assert "2 problem(s)" in err and "recency[row 3]" in err and "frequency[row 4]" in err
    log = tmp_path / "log.csv"
    log.write_text("customer_id,date,amount\n1,2024-01-01,5\n1,not a date,5\n2,2024-01-02,-3\n",
                   encoding="utf-8")
    code, _, err = _run("fit", "purchases", str(log))
    assert code == 1 and "date[row 3]" in err and "amount[row 4]" in err
    code, _, err = _run("fit", "purchases", str(log), "--customer", "client")
    assert code == 1 and "client" in err and "column missing" in err
    code, _, err = _run("fit", "purchases", str(tmp_path / "missing.csv"))
    assert code == 1 and "cannot read" in err


def test_fit_purchases_non_convergence_exits_1(tmp_path: Path) -> None:
    rows = [f"{i},40,49.9,50" for i in range(300)]          # nobody ever drops out
    path = tmp_path / "steady.csv"
    path.write_text("customer_id,frequency,recency,T\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    code, out, err = _run("fit", "purchases", str(path), "--summary")
    assert code == 1 and out == "" and "did not converge" in err


def test_fit_purchases_usage_errors_exit_2() -> None:
    assert _run("fit", "purchases", str(SUMMARY), "--summary", "--calibration-end",
                "1997-09-30")[0] == 2
    assert _run("fit", "purchases", str(SUMMARY), "--time-unit", "fortnight")[0] == 2
    assert _run("fit", "purchases", str(SUMMARY), "--horizon", "0")[0] == 2
    assert _run("fit", "purchases")[0] == 2


def test_rfm_table_json_and_csv(files: dict[str, Path]) -> None:
    code, out, err = _run("rfm", str(files["log"]), "--as-of", "2024-06-30", "--weights",
                          str(files["weights"]))
    assert code == 0, err
    assert "5 customers at 2024-06-30" in out and "champions" in out
    assert "Customers by tier and stage" in out and "(blank)" in out
    code, out, err = _run("rfm", str(files["log"]), "--as-of", "2024-06-30", "--weights",
                          str(files["weights"]), "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["customers"] == 5 and report["as_of"] == "2024-06-30"
    segments = {row["segment"]: row["customers"] for row in report["segments"]}
    assert segments["champions"] == 1 and segments["loyal"] == 0
    assert [row["customers"] for row in report["tiers"]] == [1, 1, 1, 1, 1]
    cells = {(r["tier"], r["stage"]) for r in report["tier_stage"] if r["customers"]}
    assert cells == {("A", "closed"), ("B", "closed"), ("C", "tracking"), ("D", "intended"),
                     ("E", "")}
    code, out, err = _run("rfm", str(files["log"]), "--as-of", "2024-06-30", "--weights",
                          str(files["weights"]), "--format", "csv")
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out), dtype={"customer": str}).set_index("customer")
    assert table.loc["A", "recency_days"] == 112 and table.loc["C", "segment"] == "champions"
    assert table.loc["A", "tier"] == "A" and table.loc["A", "score"] == pytest.approx(80.83333)
    assert table.loc["C", "first_purchase"] == "2023-11-20"
    code, out, _ = _run("rfm", str(files["log"]), "--as-of", "2024-06-30", "--format", "csv")
    assert code == 0 and "tier" not in out.splitlines()[0]


def test_rfm_bad_weights_and_dates_exit_1(files: dict[str, Path], tmp_path: Path) -> None:
    files["weights"].write_text("[weights]\nmonetary = 50\nfrequency = 40\n", encoding="utf-8")
    code, out, err = _run("rfm", str(files["log"]), "--as-of", "2024-06-30", "--weights",
                          str(files["weights"]))
    assert code == 1 and out == "" and "add up to 90" in err
    assert "weights.toml" in err
    files["weights"].write_text("[weights\n", encoding="utf-8")
    code, _, err = _run("rfm", str(files["log"]), "--as-of", "2024-06-30", "--weights",
                        str(files["weights"]))
    assert code == 1 and "not valid TOML" in err
    code, _, err = _run("rfm", str(files["log"]), "--as-of", "30/06/2024")
    assert code == 1 and "--as-of" in err
    code, _, err = _run("rfm", str(files["log"]), "--as-of", "2020-01-01")
    assert code == 1 and "first purchase" in err
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    code, _, err = _run("rfm", str(empty), "--as-of", "2024-06-30")
    assert code == 1 and "not a readable CSV" in err
    assert _run("rfm", str(files["log"]))[0] == 2           # --as-of is required


def test_python_dash_m_sim_rfm_runs(files: dict[str, Path]) -> None:
    result = subprocess.run([sys.executable, "-m", "sim", "rfm", str(files["log"]), "--as-of",
                             "2024-06-30", "--format", "json"], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert json.loads(result.stdout)["customers"] == 5
