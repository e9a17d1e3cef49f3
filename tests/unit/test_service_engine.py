"""The event engine on a scenario's customers: demand, KPIs, feedback into loyalty, money."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from sim.cohort import run_cohort
from sim.scenario import replace_path
from sim.scenario_io import load
from sim.service.kpis import YEARLY_COLUMNS, contact_figures, yearly_table
from sim.service.loyalty_link import FEEDBACK_NONE, service_adjusted_scenario
from sim.service.model import ContactLog, QueueParams, draw_handling, streams
from sim.service.params import Service
from sim.service.run import (
    ServiceJob,
    job_for,
    run_job,
    sample_weeks,
    service_aware_run,
    service_cost_pv,
    service_for,
    staffing_options,
    suggest_agents,
)
from tests.conftest import ROOT

LESSON = ROOT / "scenarios" / "lesson_satisfied_defect.toml"
AMPLE = (200.0,) * 24


def _scenario(**service):
    s = load(LESSON)
    base = Service(sample_weeks=1, feedback_passes=1)
    return dataclasses.replace(s, service=dataclasses.replace(base, **service))


@pytest.fixture(scope="module")
def lesson():
    s = _scenario()
    return dataclasses.replace(s, service=service_for(dataclasses.replace(s, service=None)))


def test_arrivals_follow_the_customers_the_cohort_engine_projects(lesson) -> None:
    """First contacts simulated each year = Poisson(active customers × rates × hours of the
    sampled weeks): within 4 standard deviations."""
    s = dataclasses.replace(lesson, service=dataclasses.replace(lesson.service, sample_weeks=4))
    result = run_cohort(s)
    job = job_for(s, result)
    run = run_job(job)
    rate = (s.service.queries_per_customer_month + s.service.complaints_per_customer_month) \
        * 12 / (365 * 24)
    active = result.periods["active"].to_numpy()          # yearly periods
    for y, row in run.yearly.iterrows():
        expected = active[y] * rate * 24 * 7 * 4
        simulated = row["requests"] / (365 / 28)
        assert abs(simulated - expected) <= 4 * math.sqrt(expected), (y, simulated, expected)
    assert run.requests == pytest.approx(active.sum() * rate * 24 * 28, rel=0.03)


def test_ample_capacity_leaves_loyalty_unchanged() -> None:
    """Agents for every request at once and every request resolved at its first contact:
    no wait, no abandonment, no repeat — the shift is exactly 0 and the results are the
    cohort engine's own, bit for bit."""
    s = _scenario(agents_by_hour=AMPLE, query_fcr=1.0, complaint_fcr=1.0, feedback_passes=2)
    outcome = service_aware_run(s, with_baseline=False)
    assert outcome.passes == (0.0, 0.0)
    assert outcome.adjusted is s
    plain = run_cohort(s)
    np.testing.assert_equal(outcome.result.kpis, plain.kpis)     # exact; NaN equals NaN
    pd.testing.assert_frame_equal(outcome.result.periods, plain.periods, check_exact=True)
    yearly = outcome.run.yearly
    assert (yearly["service_level"] == 1.0).all() and (yearly["abandonment"] == 0.0).all()
    assert (yearly["asa_seconds"] == 0.0).all() and (yearly["fcr"] == 1.0).all()
    assert outcome.npv_effect == 0.0


def test_ample_capacity_with_repeats_costs_only_the_repeat_points() -> None:
    s = _scenario(agents_by_hour=AMPLE, query_fcr=0.7, complaint_fcr=0.5)
    run = run_job(job_for(s, run_cohort(s)))
    exp = run.experience
    assert (exp["excess_wait_minutes"] == 0).all() and (exp["abandoned"] == 0).all()
    svc = s.service
    expected_points = svc.points_per_repeat * exp["repeats"] + svc.points_per_unresolved * exp[
        "unresolved"]
    np.testing.assert_allclose(exp["points"], expected_points)
    # Repeats per request ≈ Σ_{k=1}^{K-1} (1 - fcr)^k, unresolved ≈ (1 - fcr)^K (K = 3).
    q = exp[exp["kind"] == "query"]
    assert q["repeats"].mean() == pytest.approx(0.3 + 0.09, abs=0.03)
    assert q["unresolved"].mean() == pytest.approx(0.027, abs=0.01)
    assert run.shift < 0
    by_year = run.yearly["shift_points"].to_numpy()
    assert run.shift == pytest.approx(np.average(by_year, weights=run.customers_by_year))


def test_fewer_agents_mean_longer_waits_lower_satisfaction_and_npv(lesson) -> None:
    results = []
    for cut in (0, 1, 2):
        agents = tuple(max(1.0, a - cut) for a in lesson.service.agents_by_hour)
        s = dataclasses.replace(lesson, service=dataclasses.replace(lesson.service,
                                                                    agents_by_hour=agents))
        results.append(service_aware_run(s, with_baseline=False))
    levels = [o.run.yearly["service_level"].mean() for o in results]
    shifts = [o.shift for o in results]
    npvs = [o.result.kpis["npv"] for o in results]
    assert levels[0] > levels[1] > levels[2]
    assert shifts[0] > shifts[1] > shifts[2]
    assert npvs[0] > npvs[1] > npvs[2]
    assert results[0].result.kpis["retention_last_year"] > results[2].result.kpis[
        "retention_last_year"]


def test_the_crm_system_cuts_handling_and_raises_first_contact_resolution(lesson) -> None:
    with_crm = replace_path(lesson, "crm_system.enabled", True)
    plain = run_job(job_for(lesson, run_cohort(lesson)))
    crm = run_job(job_for(with_crm, run_cohort(lesson)))
    svc = lesson.service
    ratio = crm.yearly["aht_minutes"].mean() / plain.yearly["aht_minutes"].mean()
    assert ratio == pytest.approx(1 - svc.crm_handling_cut, abs=0.04)
    assert (crm.yearly["fcr"].mean() - plain.yearly["fcr"].mean()
            == pytest.approx(svc.crm_fcr_points, abs=0.04))
    assert crm.shift > plain.shift


def test_same_seed_same_run_and_another_seed_another() -> None:
    s = _scenario(sample_weeks=1)
    job = job_for(s, run_cohort(s))
    a, b = run_job(job), run_job(job)
    pd.testing.assert_frame_equal(a.yearly, b.yearly, check_exact=True)
    other = run_job(dataclasses.replace(job, seed=job.seed + 1))
    assert not a.yearly["contacts"].equals(other.yearly["contacts"])


def test_kpis_of_a_hand_made_log() -> None:
    """Four contacts of three requests: one answered at once and resolved, one answered
    after 30 s unresolved then answered after 10 s on its return, one abandoned after
    2 minutes; the 20-second service level is 2 of 4 offered."""
    log = ContactLog(request=np.array([0, 1, 2, 1]), kind=np.array([0, 1, 0, 1], np.int8),
                     number=np.array([1, 1, 1, 2]), arrival=np.array([0.0, 1.0, 2.0, 60.0]),
                     wait=np.array([0.0, 0.5, 2.0, 10 / 60]),
                     state=np.array([1, 1, 2, 1], np.int8),
                     handling=np.array([4.0, 6.0, 0.0, 8.0]),
                     resolved=np.array([True, False, False, True]), requests=3, events=0,
                     end=100.0, seconds=0.0)
    f = contact_figures(log, np.ones(4, bool), 20 / 60, staffed_minutes=180.0)
    assert f["service_level"] == 0.5 and f["abandonment"] == 0.25
    assert f["asa_seconds"] == pytest.approx((0 + 30 + 10) / 3)
    assert f["aht_minutes"] == pytest.approx(6.0) and f["occupancy"] == pytest.approx(18 / 180)
    table = yearly_table(log, np.zeros(3, int), 1, 1, 20 / 60, 180.0, 8760.0, 30.0,
                         np.array([-0.1]))
    assert list(table.columns) == list(YEARLY_COLUMNS)
    row = table.iloc[0]
    scale = 365 / 7
    assert row["requests"] == pytest.approx(3 * scale)
    assert row["complaints"] == pytest.approx(scale)
    assert row["complaints_handled"] == pytest.approx(2 * scale)
    assert row["fcr"] == pytest.approx(1 / 2)            # two first contacts answered, one fixed
    assert row["unresolved"] == pytest.approx(1 / 3)
    assert row["cost"] == 8760.0 * 30.0


def test_service_cost_present_value_is_the_engines_discounting(lesson) -> None:
    cost = np.full(lesson.horizon_years, 1000.0)
    i = lesson.finance.discount_rate
    expected = sum(1000.0 / (1 + i) ** t for t in range(lesson.horizon_years))
    assert service_cost_pv(lesson, cost) == pytest.approx(expected)
    monthly = dataclasses.replace(lesson, periods_per_year=12)
    rate = (1 + i) ** (1 / 12) - 1
    expected = sum(1000.0 / 12 / (1 + rate) ** p for p in range(12 * lesson.horizon_years))
    assert service_cost_pv(monthly, cost) == pytest.approx(expected)


def test_a_typical_week_and_the_hours(lesson) -> None:
    run = run_job(job_for(lesson, run_cohort(lesson)))
    week = run.week
    assert len(week) == 168 * lesson.horizon_years
    assert (week["queue"] >= 0).all() and (week["arrivals"] >= 0).all()
    assert week[week["year"] == 1]["agents"].tolist() == list(lesson.service.agents_by_hour) * 7
    assert len(run.hourly) == 24 * lesson.horizon_years
    assert run.hourly["service_level"].dropna().between(0, 1).all()


def test_staffing_options(lesson) -> None:
    outcome = service_aware_run(lesson, with_baseline=False)
    table = staffing_options(outcome, (-1, 0, 2))
    zero = table[table["agents_delta"] == 0].iloc[0]
    assert zero["npv_gain"] == 0.0 and zero["incremental_cost"] == 0.0
    more = table[table["agents_delta"] == 2].iloc[0]
    less = table[table["agents_delta"] == -1].iloc[0]
    assert more["service_level"] > zero["service_level"] > less["service_level"]
    assert more["incremental_cost"] > 0 and more["roi"] == pytest.approx(
        more["npv_gain"] / more["incremental_cost"])
    assert pd.isna(less["roi"]) and less["roi_reason"] == "no_investment"
    assert more["agent_hours"] > zero["agent_hours"] > less["agent_hours"]


def test_without_satisfaction_retention_there_is_no_feedback() -> None:
    s = load(ROOT / "scenarios" / "textbook_magazine.toml")
    s = dataclasses.replace(s, service=dataclasses.replace(service_for(s), sample_weeks=1))
    outcome = service_aware_run(s)
    assert outcome.feedback == FEEDBACK_NONE and outcome.adjusted is s
    assert outcome.passes == (0.0,) and outcome.npv_effect == 0.0
    assert outcome.run.yearly["requests"].iloc[0] > 0
    assert service_adjusted_scenario(s, -1.0) is s


def test_adjusted_service_quality_is_clipped() -> None:
    s = load(LESSON)
    assert service_adjusted_scenario(s, -9.0).satisfaction.service_quality == 1.0
    assert service_adjusted_scenario(s, -0.5).satisfaction.service_quality == pytest.approx(
        s.satisfaction.service_quality - 0.5)


def test_suggested_staffing_meets_the_goal_by_erlang_c(lesson) -> None:
    agents = suggest_agents(lesson, lesson.service, run_cohort(lesson))
    assert len(agents) == 24 and min(agents) >= 1
    assert agents[11] > agents[3]                        # the midday peak needs more


def test_lognormal_handling_has_the_stated_mean_and_spread() -> None:
    params = QueueParams((6.0, 12.0), "lognormal", 0.8, math.inf, (1, 1), 0, 1, 1, (1,) * 24)
    kinds = np.repeat(np.array([0, 1], np.int8), 200_000)
    h = draw_handling(streams(1)["handling"], kinds, params)
    for k, mean in ((0, 6.0), (1, 12.0)):
        x = h[kinds == k]
        assert x.mean() == pytest.approx(mean, rel=0.01)
        assert x.std() / x.mean() == pytest.approx(0.8, rel=0.03)


def test_sampled_weeks_are_spread_over_the_year() -> None:
    weeks, months = sample_weeks(4)
    assert weeks.tolist() == [6, 19, 32, 45]
    assert months.tolist() == [1, 4, 7, 10]
    weeks, months = sample_weeks(52)
    assert weeks.tolist() == list(range(52)) and months[0] == 0 and months[-1] == 11


def test_jobs_are_hashable_cache_keys(lesson) -> None:
    job = job_for(lesson, run_cohort(lesson))
    assert isinstance(job, ServiceJob) and hash(job) == hash(job_for(lesson, run_cohort(lesson)))
