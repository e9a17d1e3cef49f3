"""KPI-only batched evaluation (sim/batch.py): the numbers of run_cohort, within the budget."""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sim.batch as batch
import sim.budget as budget
import sim.sensitivity as sensitivity
from sim.acquisition import acquire, acquisition_curves, acquisition_path
from sim.batch import BYTES_PER_SCENARIO_PERIOD, KPI_NAMES, batch_chunk, evaluate_kpis
from sim.budget import BudgetError, cohort_estimate
from sim.cohort import class_inputs, cohort_inputs, run_cohort
from sim.library import list_presets, load_preset
from sim.programmes import PROGRAMME_KINDS
from sim.scenario import Scenario, replace_path
from sim.sensitivity import heat_map, mean_renewal_rate, sensitivity_levers, tornado


def _moved(scenario: Scenario, changes: dict[str, Any]) -> Scenario:
    for path, value in changes.items():
        scenario = replace_path(scenario, path, value)
    return scenario


def _all_programmes(scenario: Scenario) -> Scenario:
    return _moved(scenario, {f"programmes.{kind}.enabled": True for kind in PROGRAMME_KINDS})


def _variants() -> dict[str, Scenario]:
    """Every shipped file, and lever-moved variants covering each branch of the engine."""
    cases = {p.preset_id: p.scenario for p in list_presets()[0]}
    book = load_preset("textbook_magazine")
    points = load_preset("whatif_points_programme")
    sbg = load_preset("baseline")
    cases.update({
        "book, cash at the end": _moved(book, {"finance.cash_timing": "end"}),
        "book, CRM system on": _moved(book, {"crm_system.enabled": True}),
        "book, CRM on, cash at the end, monthly spread churn": _moved(book, {
            "crm_system.enabled": True, "finance.cash_timing": "end",
            "periods_per_year": 12, "retention.churn_timing": "spread"}),
        "book, paid acquisition": _moved(book, {
            "acquisition.mode": "paid", "acquisition.years": 4, "market.size": 20_000.0}),
        "book, constant retention lifted": _moved(book, {
            "retention.model": "constant", "retention.uplift_points": 2.5}),
        "book, nobody acquired": _moved(book, {"acquisition.per_year": (0.0,)}),
        "book, one year": _moved(book, {"horizon_years": 1}),
        "sbg, spread churn, cash at the end": _moved(sbg, {
            "retention.churn_timing": "spread", "finance.cash_timing": "end"}),
        "points, every programme": _all_programmes(points),
        "points, word of mouth": _moved(points, {
            "word_of_mouth.referrals_per_loyalist": 2.0, "word_of_mouth.lost_per_defector": 1.5}),
        "points, paid in a small market": _moved(points, {"market.size": 3_000.0}),
        "points, scheduled, small market (bound binds)": _moved(points, {
            "acquisition.mode": "constant", "acquisition.years": 10,
            "acquisition.constant": 5_000.0, "market.size": 3_000.0}),
        "points, no budget (nobody acquired)": _moved(points, {"acquisition.budget_per_year": 0.0}),
        "points, CRM on, cash at the end": _moved(points, {
            "crm_system.enabled": True, "finance.cash_timing": "end"}),
        "points, spread churn, 3 classes": _moved(points, {
            "retention.churn_timing": "spread", "satisfaction.classes": 3}),
        "points, yearly": _moved(points, {"periods_per_year": 1}),
        "points, nobody enrols": _moved(points, {"programmes.points.enrolment_share": 0.0}),
        "points, unbounded market, word of mouth capped": _moved(_all_programmes(points), {
            "acquisition.mode": "constant", "acquisition.years": 10, "market.size": 0.0,
            "word_of_mouth.referrals_per_loyalist": 10.0,
            **{f"programmes.{kind}.referrals": 10.0 for kind in PROGRAMME_KINDS}}),
    })
    return cases


@pytest.fixture(scope="module")
def variants() -> dict[str, Scenario]:
    return _variants()


def test_the_variants_reach_every_branch(variants) -> None:
    paths = {name: cohort_inputs(s).acquisition for name, s in variants.items()}
    assert paths["points, unbounded market, word of mouth capped"].capped
    bound = paths["points, scheduled, small market (bound binds)"]
    assert bound.demand is not None and bound.demand.sum() > bound.new.sum() + 1
    assert paths["points, word of mouth"].referrals.sum() > 0
    kinds = {(s.acquisition.mode == "paid", s.finance.cash_timing, s.crm_system.enabled,
              s.retention.model == "satisfaction" and s.programmes.any_enabled())
             for s in variants.values()}
    assert {(True, "end", True, True), (False, "end", True, False),
            (True, "start", False, True)} <= kinds


def test_batched_kpis_equal_run_cohort_for_every_file_and_variant(variants) -> None:
    scenarios = list(variants.values())
    got = evaluate_kpis(scenarios)                      # mixed shapes, one call
    assert tuple(got) == KPI_NAMES
    expected = {name: np.array([run_cohort(s).kpis[name] for s in scenarios])
                for name in KPI_NAMES}
    for name in KPI_NAMES:
        assert set(run_cohort(scenarios[0]).kpis) == set(KPI_NAMES)
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-12, atol=0,
                                   equal_nan=True, err_msg=name)
    # NaN where the engine has none to give: no customer (CLV), a 1-year horizon
    # (last year's retention), an unbounded market (share).
    names = list(variants)
    assert np.isnan(got["clv_net"][names.index("book, nobody acquired")])
    assert np.isnan(got["clv_net"][names.index("points, no budget (nobody acquired)")])
    assert np.isnan(got["retention_last_year"][names.index("book, one year")])
    assert np.isnan(got["market_share"][names.index("textbook_magazine")])


def test_order_metrics_and_errors(variants) -> None:
    scenarios = list(variants.values())[:8]
    forward = evaluate_kpis(scenarios, ["npv", "clv_net"])
    backward = evaluate_kpis(scenarios[::-1], ("npv", "clv_net"))
    assert list(forward) == ["npv", "clv_net"]
    for name in forward:
        np.testing.assert_array_equal(forward[name], backward[name][::-1])
    npv = evaluate_kpis(scenarios, "npv")
    assert isinstance(npv, np.ndarray) and npv.shape == (8,)
    np.testing.assert_array_equal(npv, forward["npv"])
    assert evaluate_kpis([], "npv").shape == (0,)
    with pytest.raises(ValueError, match="unknown KPI roi"):
        evaluate_kpis(scenarios, "roi")


def test_acquisition_kernel_rows_equal_single_paths(variants) -> None:
    """acquire over N scenarios gives each one's acquisition_path (the N = 1 kernel)."""
    group = [s for s in variants.values()
             if (s.periods, s.acquisition.mode) == (120, "paid")]
    assert len(group) >= 8
    curves = []
    for s in group:
        c = class_inputs(s)
        curves.append(acquisition_curves(c.class_weights, c.survival, s.periods_per_year,
                                         c.referral_rate, c.loss_rate))
    together = acquire(group, np.stack(curves))
    for row, s in enumerate(group):
        c = class_inputs(s)
        alone = acquisition_path(s, c.class_weights, c.survival, c.referral_rate, c.loss_rate)
        mine = together.path(row)
        for field in ("new", "spend", "potential", "customers_before", "referrals", "lost",
                      "demand"):
            np.testing.assert_allclose(getattr(mine, field), getattr(alone, field),
                                       rtol=1e-13, atol=0, err_msg=field)
        assert mine.capped == alone.capped
    with pytest.raises(ValueError, match="share periods"):
        acquire([group[0], load_preset("textbook_magazine")], np.stack(curves[:2]))


def test_chunks_give_the_same_numbers(variants, monkeypatch) -> None:
    scenarios = list(variants.values())
    whole = evaluate_kpis(scenarios)
    monkeypatch.setattr(batch, "batch_chunk", lambda periods: 2)
    chunked = evaluate_kpis(scenarios)
    for name in KPI_NAMES:
        np.testing.assert_array_equal(whole[name], chunked[name], err_msg=name)


def test_a_batch_stays_within_its_memory_estimate_and_the_budget() -> None:
    """60 scenarios of 50 monthly years with 120 classes each (distinct classes): the
    peak stays under N × periods × BYTES_PER_SCENARIO_PERIOD plus one run's estimate, and a
    chunk's estimate under half the work budget at every horizon."""
    big = _moved(_all_programmes(load_preset("whatif_points_programme")),
                 {"horizon_years": 50, "satisfaction.classes": 60})
    many = [replace_path(big, "satisfaction.service_quality", 3.0 + 0.01 * i) for i in range(60)]
    evaluate_kpis(many[:2], "npv")
    tracemalloc.start()
    try:
        evaluate_kpis(many, "npv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    allowed = (len(many) * big.periods * BYTES_PER_SCENARIO_PERIOD
               + cohort_estimate(big).memory_bytes)
    assert peak < allowed, (peak / 2**20, allowed / 2**20)
    assert peak < 0.5 * allowed                         # the constant keeps a 2× margin
    for periods in (1, 12, 120, 600):
        step = batch_chunk(periods)
        assert step >= 1
        assert step * periods * BYTES_PER_SCENARIO_PERIOD <= budget.MEMORY_BUDGET_BYTES / 2


def test_a_scenario_over_the_budget_is_refused_as_by_run_cohort(monkeypatch) -> None:
    monkeypatch.setattr(budget, "MEMORY_BUDGET_BYTES", 1.0)
    s = load_preset("textbook_magazine")
    with pytest.raises(BudgetError):
        run_cohort(s)
    with pytest.raises(BudgetError):
        evaluate_kpis([s], "npv")


def test_the_uplift_basis_is_the_tenure_tables_mean_renewal_rate(variants) -> None:
    """The tornado reads the base's mean renewal rate from its classes, not from a full run:
    the customer-weighted mean of run_cohort's tenure table."""
    for name, s in variants.items():
        tenure = run_cohort(s).tenure
        weights = tenure["customers"].to_numpy()
        expected = (float(weights @ tenure["renewal_rate"].to_numpy() / weights.sum())
                    if weights.sum() > 0 else np.nan)
        np.testing.assert_allclose(mean_renewal_rate(s), expected, rtol=1e-12, equal_nan=True,
                                   err_msg=name)


def _loop_over_run_cohort(scenarios, metrics):
    """What tornado and heat_map did before the batch: one full cohort run per scenario."""
    names = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    runs = [run_cohort(s).kpis for s in scenarios]
    values = {m: np.array([kpis[m] for kpis in runs]) for m in names}
    return values[names[0]] if isinstance(metrics, str) else values


@pytest.mark.parametrize("preset", [p.preset_id for p in list_presets()[0]])
def test_tornado_and_heat_map_are_unchanged(preset: str, monkeypatch) -> None:
    s = load_preset(preset)
    levers = [lv.path for group in sensitivity_levers(s) for lv in group if lv.value]
    runs = {
        "tornado": lambda: tornado(s),
        "tornado by swing": lambda: tornado(s, 0.2, order="swing"),
        "heat map": lambda: heat_map(s, levers[0], levers[1], 0.2, 5),
        "heat map of CLV": lambda: heat_map(s, levers[-1], levers[0], 0.3, 4, "clv_net"),
    }
    batched = {name: run() for name, run in runs.items()}
    monkeypatch.setattr(sensitivity, "evaluate_kpis", _loop_over_run_cohort)
    for name, run in runs.items():
        pd.testing.assert_frame_equal(batched[name], run(), check_exact=False, rtol=1e-12,
                                      atol=0, obj=name)


def test_the_10_by_10_heat_map_is_unchanged(monkeypatch) -> None:
    s = load_preset("whatif_points_programme")
    cases = [("pricing.renewal_price", "pricing.variable_cost"),
             ("competition.intensity", "satisfaction.service_quality")]
    batched = [heat_map(s, x, y, points=10) for x, y in cases]
    monkeypatch.setattr(sensitivity, "evaluate_kpis", _loop_over_run_cohort)
    for frame, (x, y) in zip(batched, cases, strict=True):
        assert len(frame) == 100
        pd.testing.assert_frame_equal(frame, heat_map(s, x, y, points=10), check_exact=False,
                                      rtol=1e-12, atol=0)
