"""Balanced scorecard: four perspectives, directions against the baseline, readable rates."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.cohort import run_cohort
from sim.kpis import KPIS, judge
from sim.scenario import replace_path
from sim.scenario_io import load
from sim.scorecard import INDICATORS, PERSPECTIVES, scorecard_rows
from sim.whatif import compare_runs, evaluate, run_engines
from tests.conftest import ROOT

SCENARIOS = ROOT / "scenarios"
# DOMAIN.md §1: the book's renewal rates by tenure year (expected values from the book).
BOOK_RENEWAL = [0.60, 0.65, 0.70, 0.75, 0.78, 0.79, 0.80, 0.80, 0.80, 0.80]


def _rows(scenario, result, baseline, base_result) -> dict[str, dict]:
    return {r["indicator"]: r for r in scorecard_rows(scenario, result, baseline, base_result)}


def test_directions_follow_what_is_better() -> None:
    loaded = load(SCENARIOS / "whatif_crm_system.toml")
    more_budget = replace_path(loaded, "acquisition.budget_per_year", 500_000.0)
    w = compare_runs(run_engines(more_budget, 0), run_engines(loaded, 0))
    rows = _rows(w.scenario, w.result, w.baseline, w.base_result)
    assert {r["perspective"] for r in rows.values()} == set(PERSPECTIVES)
    assert rows["customers_end"]["direction"] == "better"
    # Spending twice the budget with diminishing returns costs more per acquired customer.
    assert rows["cost_per_acquired"]["delta"] > 0
    assert rows["cost_per_acquired"]["direction"] == "worse"
    assert rows["training_spend"]["direction"] == "same"        # same CRM system in both


def test_training_spend_is_neither_better_nor_worse_when_it_rises() -> None:
    w = evaluate(load(SCENARIOS / "whatif_crm_system.toml"), replications=0)
    rows = _rows(w.scenario, w.result, w.baseline, w.base_result)
    # The baseline has no CRM system: training spend is the system's training.
    assert rows["training_spend"]["baseline"] == 0.0
    assert rows["training_spend"]["scenario"] > 0
    assert rows["training_spend"]["direction"] == "changed"      # was "better" (issue 10)
    assert KPIS["training_spend"].direction == "neutral"


def test_separate_identical_runs_are_same_everywhere() -> None:
    # Two runs of equal scenarios, not one result compared with itself.
    s = load(SCENARIOS / "textbook_five_cohorts.toml")
    twin = dataclasses.replace(s, name="twin")
    first, second = run_cohort(s), run_cohort(twin)
    assert first is not second
    rows = scorecard_rows(s, first, twin, second)
    assert {r["direction"] for r in rows} <= {"same", "n/a"}
    # And a real change is not "same": more renewal is better retention.
    lifted = replace_path(s, "retention.uplift_points", 2.0)
    rows = _rows(lifted, run_cohort(lifted), twin, second)
    assert rows["retention_last_year"]["direction"] == "better"
    assert rows["churn_rate"]["direction"] == "better"


def test_churn_rate_is_lost_per_customer_year_on_the_book_case() -> None:
    # Book survival of one cohort of 1000 (DOMAIN.md §1): customers served in years 1-10 and
    # lost between year 1 and year 10.
    survivors = 1000 * np.concatenate([[1.0], np.cumprod(BOOK_RENEWAL[:-1])])
    expected = (survivors[0] - survivors[-1]) / survivors.sum()
    s = load(SCENARIOS / "textbook_magazine.toml")
    rows = _rows(s, run_cohort(s), s, run_cohort(s))
    assert rows["churn_rate"]["scenario"] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_churn_rate_is_a_true_rate_for_every_shipped_scenario(path) -> None:
    s = load(path)
    value = _rows(s, run_cohort(s), s, run_cohort(s))["churn_rate"]["scenario"]
    assert 0.0 <= value <= 1.0        # the competitor's entry read 129 % before (issue 10)


def test_every_indicator_is_a_registered_kpi() -> None:
    for ind in INDICATORS:
        assert ind.key in KPIS and ind.kpi.unit


def test_a_delta_that_reads_as_zero_is_same() -> None:
    assert judge("clv_net", 100.004, 100.0) == "same"        # USD 0.00
    assert judge("clv_net", 100.02, 100.0) == "better"
    assert judge("cost_per_acquired", 100.02, 100.0) == "worse"
    assert judge("retention_last_year", 0.6004, 0.6) == "same"  # 0.0 pp
    assert judge("clv_net", float("nan"), 1.0) == "n/a"
