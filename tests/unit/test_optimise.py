"""The whole-model optimiser (sim.optimise): never worse than the loaded plan, the same
money as sim.whatif for the chosen plan, baselines computed per candidate, the budget cap,
bad budgets, the flat region, the Monte Carlo band and a property test over random
acquisition response curves."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cohort import run_cohort
from sim.library import load_preset
from sim.optimise import (
    FLAT_SHARE,
    PROGRAMME_SETS,
    STAGES,
    OptimiseResult,
    Plan,
    apply_plan,
    evaluate_plans,
    optimise,
    plan_of,
)
from sim.scenario import Scenario, replace_path
from sim.schema import ScenarioError
from sim.whatif import baseline_for, evaluate, finance_summary

PRESETS = ("whatif_today", "whatif_retention_spend", "whatif_points_programme",
           "whatif_acquisition_push",
           "whatif_crm_system", "lesson_false_loyalty", "textbook_magazine")


@functools.cache
def _optimised(name: str, budget: float | None = None, replications: int = 0) -> OptimiseResult:
    return optimise(load_preset(name), budget, replications=replications)


def test_thirty_two_portfolios() -> None:
    assert len(PROGRAMME_SETS) == 32 and PROGRAMME_SETS[0] == ()
    assert len(set(PROGRAMME_SETS)) == 32


@pytest.mark.parametrize("name", PRESETS)
def test_the_optimum_never_loses_to_the_loaded_plan(name: str) -> None:
    result = _optimised(name)
    assert result.optimum.npv_gain >= result.current.npv_gain
    assert result.current.plan == dataclasses.replace(
        plan_of(result.scenario),
        budget_per_year=plan_of(result.scenario).budget_per_year if result.budget_lever
        else None)
    # the loaded plan's gain is NPV(scenario) − NPV(reference), the engines' numbers
    s = result.scenario
    expected = run_cohort(s).kpis["npv"] - run_cohort(baseline_for(s)).kpis["npv"]
    assert result.current.npv_gain == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert result.current.own_baseline_gain == pytest.approx(
        evaluate(s, 0).finance.npv_delta, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("name", ("whatif_today", "whatif_points_programme", "whatif_crm_system"))
def test_the_chosen_plans_money_is_sim_whatif(name: str) -> None:
    """NPV gain, ROI and paybacks of the optimum are sim.whatif's finance of the optimum's
    scenario against the reference; "after apply" is its finance against its own baseline."""
    result = _optimised(name)
    opt = result.optimum_scenario
    assert opt == apply_plan(result.scenario, result.optimum.plan)
    fin = finance_summary(opt, run_cohort(opt), run_cohort(result.reference))
    assert result.finance == fin
    assert result.optimum.npv_gain == pytest.approx(fin.npv_delta, rel=1e-9)
    own = evaluate(opt, 0).finance
    assert result.own_finance.npv_delta == pytest.approx(own.npv_delta, rel=1e-9, abs=1e-6)
    assert result.optimum.own_baseline_gain == pytest.approx(own.npv_delta, rel=1e-9, abs=1e-6)
    data = result.as_dict()
    assert data["npv_gain"] == pytest.approx(fin.npv_delta, rel=1e-9)
    assert data["roi"] == fin.roi
    assert data["payback_years"] == fin.payback_years


def test_no_programme_baselines_move_with_the_budget() -> None:
    """Each candidate's own baseline is the planned budget without programmes, not the
    loaded one's: checked plan by plan against sim.whatif."""
    s = load_preset("whatif_points_programme")
    plans = [Plan(b, (("points", e),)) for b in (0.0, 250_000.0, 1_000_000.0) for e in (0.3, 1.0)]
    found = evaluate_plans(s, plans)
    reference_npv = run_cohort(baseline_for(s)).kpis["npv"]
    for plan, c in zip(plans, found, strict=True):
        planned = apply_plan(s, plan)
        assert c.npv == pytest.approx(run_cohort(planned).kpis["npv"], rel=1e-9)
        assert c.npv_gain == pytest.approx(c.npv - reference_npv, rel=1e-9, abs=1e-6)
        own = evaluate(planned, 0).finance.npv_delta
        assert c.own_baseline_gain == pytest.approx(own, rel=1e-9, abs=1e-6)
        programmes = run_cohort(planned).periods["programme_cost"].sum() / s.horizon_years
        assert c.spend_per_year == pytest.approx(plan.budget_per_year + programmes, rel=1e-9)
    # the gain against its own baseline charges nothing for acquisition: it is no objective
    gains = {p.budget_per_year: c.own_baseline_gain for p, c in zip(plans, found, strict=True)
             if p.enrolment[0][1] == 1.0}
    assert gains[1_000_000.0] > gains[250_000.0]


def test_the_optimum_is_a_local_maximum() -> None:
    """No finer step along the budget or any enrolment improves the optimum by more than a
    millionth of its gain."""
    result = _optimised("whatif_today")
    s, p = result.scenario, result.optimum.plan
    assert p.budget_per_year is not None
    plans = [dataclasses.replace(p, budget_per_year=p.budget_per_year * f)
             for f in np.linspace(0.9, 1.1, 41)]
    for i, (kind, share) in enumerate(p.enrolment):
        for e in np.linspace(max(share - 0.05, 0), min(share + 0.05, 1), 21):
            enrolment = list(p.enrolment)
            enrolment[i] = (kind, float(e))
            plans.append(dataclasses.replace(p, enrolment=tuple(enrolment)))
    best = max(c.npv_gain for c in evaluate_plans(s, plans))
    assert best <= result.optimum.npv_gain + 1e-6 * abs(result.optimum.npv_gain)


def test_budget_cap_is_respected_and_split() -> None:
    budget = 300_000.0
    result = _optimised("whatif_today", budget)
    assert result.optimum.spend_per_year is not None
    assert result.optimum.spend_per_year <= budget * (1 + 1e-9)
    assert result.spend.total == pytest.approx(result.optimum.spend_per_year, rel=1e-9)
    assert 0 < result.spend.acquisition < budget and result.spend.programmes > 0
    assert result.optimum.npv_gain >= result.current.npv_gain     # today spends 250,000
    assert result.optimum.npv_gain < _optimised("whatif_today").optimum.npv_gain
    for c in result.flat_region.candidates:
        assert c.spend_per_year is not None and c.spend_per_year <= budget * (1 + 1e-9)


def test_a_budget_that_excludes_a_programme_says_so() -> None:
    result = _optimised("lesson_false_loyalty", 70_000.0)
    assert "over_budget:knowledge" in result.notes        # fixed cost 80,000 a year
    assert all("knowledge" not in p for p in result.portfolios_searched)
    assert "current_over_budget" in result.notes
    assert result.optimum.spend_per_year is not None and result.optimum.spend_per_year <= 70_000


@pytest.mark.parametrize(("name", "budget", "words"), [
    ("whatif_today", -1.0, "0 to 1e+09"),
    ("whatif_today", float("nan"), "0 to 1e+09"),
    ("lesson_false_loyalty", 10_000.0, "programmes.recognition.fixed_cost_per_year"),
])
def test_bad_budgets_name_the_field_and_why(name: str, budget: float, words: str) -> None:
    with pytest.raises(ScenarioError) as error:
        optimise(load_preset(name), budget, replications=0)
    assert error.value.issues[0].path == "budget"
    assert words in str(error.value)


def test_nothing_to_optimise_gives_the_loaded_plan() -> None:
    result = _optimised("textbook_magazine")
    assert result.optimum.plan == Plan(None, ())
    assert result.runner_up is None
    assert {"budget_not_a_lever", "no_programmes_without_satisfaction"} <= set(result.notes)
    assert result.as_dict()["optimum"] == {f"programmes.{k}.enabled": False
                                           for k in ("points", "recognition", "affinity",
                                                     "community", "knowledge")}


def test_runner_up_and_flat_region() -> None:
    result = _optimised("whatif_today")
    best = result.optimum.npv_gain
    assert result.runner_up is not None
    assert result.runner_up.plan.programmes != result.optimum.plan.programmes
    assert result.runner_up.npv_gain <= best
    flat = result.flat_region
    assert flat.tolerance == pytest.approx(FLAT_SHARE * abs(best))
    assert flat.candidates[0] == result.optimum or flat.candidates[0].npv_gain == best
    assert all(c.npv_gain >= best - flat.tolerance for c in flat.candidates)
    data = flat.as_dict()
    assert data["candidates"] == len(flat.candidates) >= 1
    low, high = data["budget_per_year"]
    assert low <= result.optimum.plan.budget_per_year <= high
    ranked = [c.npv_gain for c in result.best_by_portfolio]
    assert ranked == sorted(ranked, reverse=True) and ranked[0] == best


def test_monte_carlo_band_and_progress() -> None:
    stages: list[tuple[float, str]] = []
    result = optimise(load_preset("whatif_today"), progress=lambda f, s: stages.append((f, s)))
    band = result.band
    assert band is not None and band.replications == 20
    assert band.p10 <= band.p50 <= band.p90
    assert band.mean == pytest.approx(result.optimum.npv_gain, rel=0.02)
    fractions = [f for f, _ in stages]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    order = [STAGES.index(s) for _, s in stages]
    assert order == sorted(order) and stages[-1][1] == "done"


def _market(ceiling: float, response: float, years: int, periods: int) -> Scenario:
    s = Scenario()
    s = replace_path(s, "acquisition", dataclasses.replace(
        s.acquisition, mode="paid", years=years, budget_per_year=50_000.0, ceiling=ceiling,
        response=response))
    s = replace_path(s, "market.size", 10_000.0)
    s = replace_path(s, "horizon_years", 6)
    s = replace_path(s, "periods_per_year", periods)
    s = replace_path(s, "retention.model", "sbg")
    return s


@settings(max_examples=25, deadline=None)
@given(ceiling=st.floats(0.02, 1.0), response=st.floats(0.001, 5.0),
       years=st.integers(1, 6), periods=st.sampled_from((1, 12)))
def test_no_budget_on_a_fine_grid_beats_the_optimiser(ceiling: float, response: float,
                                                      years: int, periods: int) -> None:
    """Over random acquisition response curves (ceiling, response), the NPV gain at every
    budget of a fine grid (401 points from 0 to the search's upper bound and 201 around
    the optimum) is no better than the optimiser's, within a millionth."""
    s = _market(ceiling, response, years, periods)
    result = optimise(s, replications=0)
    best = result.optimum
    assert best.plan.budget_per_year is not None
    top = max(4 * s.acquisition.budget_per_year, 3 * s.market.size / response)
    grid = list(np.linspace(0.0, min(top, 1e9), 401))
    grid += list(np.linspace(0.8, 1.2, 201) * best.plan.budget_per_year)
    found = evaluate_plans(s, [Plan(float(b), ()) for b in grid])
    tolerance = 1e-6 * max(1.0, abs(best.npv_gain)) + 1e-6
    assert max(c.npv_gain for c in found) <= best.npv_gain + tolerance


def test_a_large_scenario_gets_the_reduced_search_and_says_so() -> None:
    """The work guard (issue 14): a scenario whose full search is estimated over the
    optimiser's time budget is searched narrower, deterministically, with a note; the
    answer still never loses to the loaded plan."""
    from sim.optimise import OPTIMISE_TIME_BUDGET_SECONDS

    large = replace_path(load_preset("whatif_today"), "horizon_years", 50)
    result = optimise(large, replications=0)
    assert "reduced_search" in result.notes
    assert result.optimum.npv_gain >= result.current.npv_gain
    full_like = optimise(load_preset("whatif_today"), replications=0)
    assert "reduced_search" not in full_like.notes
    assert result.evaluations < full_like.evaluations
    assert OPTIMISE_TIME_BUDGET_SECONDS <= 10.0


def test_a_search_over_the_budget_even_reduced_is_refused(monkeypatch) -> None:
    import sim.optimise as module
    from sim.budget import BudgetError

    monkeypatch.setattr(module, "OPTIMISE_TIME_BUDGET_SECONDS", 1e-6)
    with pytest.raises(BudgetError) as err:
        module.optimise(load_preset("whatif_today"), replications=0)
    issue = err.value.issues[0]
    assert issue.path == "horizon_years" and "periods_per_year" in issue.allowed
