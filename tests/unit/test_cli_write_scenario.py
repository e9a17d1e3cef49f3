"""``fit retention|purchases … --write-scenario OUT.toml [--base …]`` (issue 13): the CLI
writes the page's "Use in a scenario" copy (sim.data_scenario.fitted_scenario)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import scenario_io
from sim.cli import main
from sim.data_scenario import fitted_scenario, log_economics
from sim.library import load_preset
from sim.retention_fit import RetentionFitError, fit_retention, read_survivor_csv
from sim.sample_data import sample_data
from sim.transactions import cohort_activity, read_transactions

REGULAR = b"period,customers\n0,1000\n1,631\n2,468\n3,382\n4,326\n5,289\n6,262\n7,241\n"


def test_fit_retention_writes_the_fitted_copy_of_the_base(tmp_path: Path, capsys) -> None:
    data = tmp_path / "regular.csv"
    data.write_bytes(REGULAR)
    out = tmp_path / "fitted.toml"
    base = tmp_path / "base.toml"
    scenario_io.save(load_preset("whatif_crm_system"), base)
    assert main(["fit", "retention", str(data), "--write-scenario", str(out),
                 "--base", str(base)]) == 0
    written = scenario_io.load(out)
    fit = fit_retention(read_survivor_csv(REGULAR))
    assert written == fitted_scenario(load_preset("whatif_crm_system"), "regular.csv", fit=fit)
    assert written.retention.model == "sbg"
    assert written.retention.sbg_alpha == pytest.approx(0.704, abs=5e-4)
    assert "wrote" in capsys.readouterr().err
    assert main(["run", str(out), "--replications", "0", "--format", "json"]) == 0


def test_an_existing_file_is_never_replaced(tmp_path: Path, capsys) -> None:
    data = tmp_path / "regular.csv"
    data.write_bytes(REGULAR)
    out = tmp_path / "kept.toml"
    out.write_text("not a scenario, but mine\n")
    assert main(["fit", "retention", str(data), "--write-scenario", str(out)]) == 1
    assert out.read_text() == "not a scenario, but mine\n"
    assert "never replaced" in capsys.readouterr().err


def test_fit_purchases_writes_acquisition_spend_and_retention_of_the_log(tmp_path: Path) -> None:
    sample = sample_data(load_preset("baseline"), max_customers=3000)
    log_file = tmp_path / "log.csv"
    log_file.write_bytes(sample.log_csv)
    out = tmp_path / "from_log.toml"
    assert main(["fit", "purchases", str(log_file), "--time-unit", "month",
                 "--write-scenario", str(out)]) == 0
    log = read_transactions(sample.log_csv, "customer_id", "date", "amount")
    end = log.purchases["date"].max()
    activity = cohort_activity(log, "year", end)
    try:
        retention = {"fit": fit_retention(activity, "sbg")}
    except RetentionFitError:       # e.g. churn alike for everyone: the table itself
        retention = {"table": activity}
    expected = fitted_scenario(load_preset("baseline"), "log.csv",
                               economics=log_economics(log, end), **retention)
    written = scenario_io.load(out)
    assert written == expected
    assert written.acquisition != load_preset("baseline").acquisition   # from the log


def test_write_scenario_needs_a_log_and_base_needs_write_scenario(tmp_path: Path) -> None:
    data = tmp_path / "regular.csv"
    data.write_bytes(REGULAR)
    assert main(["fit", "retention", str(data), "--base", str(data)]) == 1
    summary = Path(__file__).resolve().parents[1] / "data" / "cdnow_summary.csv"
    assert main(["fit", "purchases", str(summary), "--summary",
                 "--write-scenario", str(tmp_path / "x.toml")]) == 2
    assert not (tmp_path / "x.toml").exists()


def test_the_written_copy_keeps_the_base_files_comments(tmp_path: Path) -> None:
    data = tmp_path / "regular.csv"
    data.write_bytes(REGULAR)
    base = tmp_path / "base.toml"
    base.write_text("# my planning notes\nschema_version = 2\nname = \"Mine\"\n\n"
                    "[pricing]\nrenewal_price = 80.0   # agreed with sales\n", encoding="utf-8")
    out = tmp_path / "fitted.toml"
    assert main(["fit", "retention", str(data), "--write-scenario", str(out),
                 "--base", str(base)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# my planning notes\n")
    assert "renewal_price = 80.0   # agreed with sales\n" in text
    assert scenario_io.load(out).retention.model == "sbg"
