"""Balanced scorecard: four perspectives, directions against the baseline."""

from __future__ import annotations

from sim.scenario import replace_path
from sim.scenario_io import load
from sim.scorecard import PERSPECTIVES, scorecard_rows
from sim.whatif import evaluate
from tests.conftest import ROOT


def test_directions_follow_what_is_better() -> None:
    loaded = load(ROOT / "scenarios" / "whatif_crm_system.toml")
    more_budget = replace_path(loaded, "acquisition.budget_per_year", 500_000.0)
    w = evaluate(more_budget, loaded, replications=0)
    rows = {r["indicator"]: r for r in scorecard_rows(w.scenario, w.result, w.baseline,
                                                        w.base_result)}
    assert {r["perspective"] for r in rows.values()} == set(PERSPECTIVES)
    assert rows["customers_end"]["direction"] == "better"
    # Spending twice the budget with diminishing returns costs more per acquired customer.
    assert rows["cost_per_acquired"]["delta"] > 0
    assert rows["cost_per_acquired"]["direction"] == "worse"
    # The baseline has no CRM system: training spend is the system's training.
    assert rows["training_spend"]["baseline"] == 0.0
    assert rows["training_spend"]["scenario"] > 0


def test_identical_runs_are_same_everywhere() -> None:
    s = load(ROOT / "scenarios" / "textbook_five_cohorts.toml")
    w = evaluate(s, replications=0)
    rows = scorecard_rows(w.scenario, w.result, w.scenario, w.result)
    assert {r["direction"] for r in rows} <= {"same", "n/a"}
