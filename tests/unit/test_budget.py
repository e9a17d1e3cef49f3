"""The work budget (sim.budget): bounded memory, estimates that hold, degrade or refuse cleanly,
populations bounded by the market (issue 11)."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

import sim.budget as budget
import sim.montecarlo as montecarlo
from sim.acquisition import POPULATION_CAP
from sim.budget import BudgetError, cohort_estimate, monte_carlo_estimate, replication_chunk
from sim.cohort import cohort_inputs, run_cohort
from sim.library import load_preset
from sim.montecarlo import run_monte_carlo
from sim.programmes import PROGRAMME_KINDS
from sim.report import run_report
from sim.scenario import Scenario, replace_path
from sim.schema import ScenarioError
from sim.whatif import evaluate, run_engines

MB = 2**20


def _constant(years: int, ppy: int, per_year: float, preset: str = "baseline") -> Scenario:
    s = load_preset(preset)
    s = replace_path(s, "horizon_years", years)
    s = replace_path(s, "periods_per_year", ppy)
    s = replace_path(s, "acquisition.mode", "constant")
    s = replace_path(s, "acquisition.constant", per_year)
    return replace_path(s, "acquisition.years", years)


def _everything_at_maximum(market_size: float) -> Scenario:
    """Every programme on with the largest referrals, word of mouth at its maxima,
    60 classes, 50 monthly years (the file that crashed Monte Carlo)."""
    s = load_preset("whatif_points_programme")
    for kind in PROGRAMME_KINDS:
        s = replace_path(s, f"programmes.{kind}.enabled", True)
        s = replace_path(s, f"programmes.{kind}.referrals", 10.0)
    s = replace_path(s, "word_of_mouth.referrals_per_loyalist", 10.0)
    s = replace_path(s, "word_of_mouth.lost_per_defector", 10.0)
    s = replace_path(s, "satisfaction.classes", 60)
    s = replace_path(s, "horizon_years", 50)
    s = replace_path(s, "acquisition.mode", "constant")
    return replace_path(s, "market.size", market_size)


def _peak(fn) -> tuple[int, object]:
    tracemalloc.start()
    try:
        out = fn()
        return tracemalloc.get_traced_memory()[1], out
    finally:
        tracemalloc.stop()


def test_monte_carlo_memory_does_not_grow_with_replications() -> None:
    """50 monthly years: 4× the replications, (almost) the same peak (streamed in chunks);
    the old engine held replications × periods² arrays (≈ 4× the peak)."""
    s = _constant(50, 12, 60.0)
    inputs = cohort_inputs(s)
    few = replication_chunk(s.periods)
    peak_few, _ = _peak(lambda: run_monte_carlo(s, inputs, few))
    peak_many, mc = _peak(lambda: run_monte_carlo(s, inputs, 4 * few))
    assert mc.replications == 4 * few
    assert peak_many < 1.3 * peak_few, (peak_few / MB, peak_many / MB)
    assert peak_many < 150 * MB


def test_streaming_in_small_chunks_gives_identical_results(monkeypatch) -> None:
    s = replace_path(_constant(3, 12, 2400.0, "whatif_points_programme"),
                     "finance.cash_timing", "end")
    whole = run_monte_carlo(s, replications=9)
    monkeypatch.setattr(montecarlo, "CUSTOMER_CHUNK", 1000)
    monkeypatch.setattr(budget, "CELL_CHUNK", 2 * s.periods ** 2)   # 2 replications at once
    chunked = run_monte_carlo(s, replications=9)
    for part in ("periods", "yearly", "kpis"):
        for key, values in getattr(whole, part).items():
            np.testing.assert_array_equal(values, getattr(chunked, part)[key], err_msg=key)
    assert (whole.customers, whole.customer_periods) == (chunked.customers,
                                                         chunked.customer_periods)


def test_cohort_engine_memory_at_60_classes_and_50_monthly_years() -> None:
    """The loyalty types read the year-start columns only (the old engine built
    classes × periods² arrays: ~1 GB here)."""
    s = _everything_at_maximum(40_000.0)
    peak, result = _peak(lambda: run_cohort(s))
    assert result.loyalty_types is not None and len(result.loyalty_types) == 50
    assert peak < 60 * MB, peak / MB


@pytest.mark.parametrize("case", ["monthly_long", "yearly_many_customers", "monthly_customers"])
def test_estimates_are_within_twice_the_measured_peak(case: str) -> None:
    s, reps = {"monthly_long": (_constant(50, 12, 100.0), 20),
               "yearly_many_customers": (_constant(10, 1, 200.0), 2000),
               "monthly_customers": (_constant(10, 12, 5000.0), 60)}[case]
    inputs = cohort_inputs(s)
    peak, _ = _peak(lambda: run_monte_carlo(s, inputs, reps))
    estimate = monte_carlo_estimate(s, inputs, reps).memory_bytes
    assert peak / 2 <= estimate <= 2 * peak, (peak / MB, estimate / MB)
    big = _everything_at_maximum(40_000.0)
    peak, _ = _peak(lambda: run_cohort(big))
    assert peak / 2 <= cohort_estimate(big).memory_bytes <= 2 * peak


def test_monte_carlo_over_the_budget_runs_expected_values_with_a_notice() -> None:
    """1e6 new customers a year × 2000 replications (229 GiB before): expected values only."""
    s = replace_path(_constant(10, 12, 1e6), "monte_carlo.replications", 2000)
    w = evaluate(s)
    assert w.mc is None and w.base_mc is None
    codes = [n.code for n in w.notices]
    assert codes[0] == "monte_carlo_skipped"
    params = dict(w.notices[0].params)
    assert params["replications"] == "2000"
    assert "monte_carlo.replications" in w.notices[0].message()
    assert all(math.isfinite(v) for v in w.result.kpis.values() if v == v)
    report = run_report(s, whatif=w)
    assert "monte_carlo" not in report
    assert report["notices"][0]["code"] == "monte_carlo_skipped"
    assert "monte_carlo.replications" in report["notices"][0]["message"]


def test_run_monte_carlo_refuses_a_run_over_the_budget_naming_the_field() -> None:
    s = _constant(50, 1, 1e9)      # per_year = 1e9 for 50 years: 1.46 TiB before
    with pytest.raises(BudgetError) as info:
        run_monte_carlo(s, replications=100)
    assert isinstance(info.value, ScenarioError)
    assert info.value.issues[0].path == "monte_carlo.replications"
    assert "100" in info.value.issues[0].got


def test_cohort_engine_over_the_budget_refuses_naming_the_fields(monkeypatch) -> None:
    monkeypatch.setattr(budget, "MEMORY_BUDGET_BYTES", 1 * MB)
    s = _everything_at_maximum(40_000.0)
    with pytest.raises(BudgetError) as info:
        run_engines(s)
    paths = [issue.path for issue in info.value.issues]
    assert paths == ["horizon_years", "satisfaction.classes"]
    assert "50" in info.value.issues[0].got and info.value.issues[1].got == "60"


def test_word_of_mouth_at_its_maxima_runs_and_the_market_bound_is_reported() -> None:
    """Every programme and word of mouth at their maxima: no crash (it raised
    'repeats may not contain negative values'), the market's cut said, KPIs finite."""
    for size in (40_000.0, 0.0):
        s = _everything_at_maximum(size)
        w = evaluate(replace_path(s, "monte_carlo.replications", 3))
        for value in w.result.kpis.values():
            assert value != value or math.isfinite(value)
        assert w.result.kpis["customers_end"] <= (size or POPULATION_CAP) * (1 + 1e-9)
        codes = {n.code for n in w.notices}
        assert ("market_full" if size else "population_capped") in codes, codes


def test_unbounded_word_of_mouth_is_held_at_the_population_cap() -> None:
    """market.size = 0 with exploding word of mouth gave 3.8e47 customers (and more)."""
    s = _everything_at_maximum(0.0)
    inputs = cohort_inputs(s)
    assert inputs.acquisition is not None and inputs.acquisition.capped
    result = run_cohort(s, inputs)
    assert result.kpis["customers_end"] <= POPULATION_CAP * (1 + 1e-9)
    assert np.isfinite(result.yearly.select_dtypes("number").to_numpy()).sum() > 0
    assert "market.size" in budget.population_notices(s, inputs)[0].message()


def test_shipped_scenarios_run_within_the_budget_with_monte_carlo() -> None:
    for preset in ("baseline", "whatif_points_programme", "textbook_magazine"):
        w = evaluate(load_preset(preset))
        assert w.mc is not None
        assert "monte_carlo_skipped" not in {n.code for n in w.notices}
