"""sim.lifetime_value: DEL, DERL and whole-life CLV (Fader & Hardie 2010) against
brute-force sums of the survival curve, and the ``whole_life`` object of the run JSON."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from dataclasses import replace

import numpy as np
import pytest
from scipy.special import hyp2f1

from sim.cohort import run_cohort
from sim.lifetime_value import (
    customer_base_value,
    discounted_expected_lifetime,
    discounted_expected_residual_lifetime,
    hyp2f1_a1,
    scenario_whole_life,
    whole_life_clv,
)
from sim.report import run_report
from sim.retention import sbg_survival
from sim.scenario_io import load
from tests.conftest import ROOT

BASELINE = ROOT / "scenarios" / "baseline.toml"           # sBG α = 1.2, β = 3.5, monthly
GRID = [(a, b, d) for a in (0.1, 0.704, 1.0, 3.0, 20.0, 200.0)
        for b in (0.5, 1.182, 3.806, 100.0) for d in (0.01, 0.1, 1.0)]


def _brute(alpha: float, beta: float, d: float, n: int = 0, tol: float = 1e-9) -> float:
    """Σ_{t>n} S(t)/S(n)·v^(t−n−1) (n ≥ 0), or Σ_{t≥0} S(t)·v^t for n = −1, from the
    survival function term by term, until the rest is below tol of the sum (the terms
    fall by more than v each step, so the rest is under term·v/(1−v))."""
    v = 1.0 / (1.0 + d)
    start = max(n, 0)
    length = int(np.log(tol * 1e-3 * (1 - v)) / np.log(v)) + 10     # v^length/(1−v) ≪ tol
    t = np.arange(start + (n >= 0), start + (n >= 0) + length, dtype=float)
    terms = sbg_survival(alpha, beta, t) / sbg_survival(alpha, beta, start) * v ** (t - t[0])
    total = np.cumsum(terms)
    stop = int(np.argmax(terms * v / (1 - v) < tol * total))
    assert stop > 0
    return float(total[stop])


@pytest.mark.parametrize("alpha, beta, d", GRID)
def test_del_closed_form_equals_the_brute_force_series(alpha, beta, d) -> None:
    assert discounted_expected_lifetime(alpha, beta, d) == pytest.approx(
        _brute(alpha, beta, d, n=-1), rel=1e-8)


@pytest.mark.parametrize("alpha, beta, d", GRID[::2])
def test_derl_closed_form_equals_the_brute_force_series(alpha, beta, d) -> None:
    n = np.array([0, 1, 4, 25])
    derl = discounted_expected_residual_lifetime(alpha, beta, d, n)
    assert derl.shape == (4,)
    for k, value in zip(n, derl, strict=True):
        assert value == pytest.approx(_brute(alpha, beta, d, n=int(k)), rel=1e-8)
    # DEL = 1 + v·DERL(0): the first period counts 1, the rest is the residual from n = 0
    assert discounted_expected_lifetime(alpha, beta, d) == pytest.approx(
        1 + derl[0] / (1 + d), rel=1e-12)


def test_series_is_gauss_hypergeometric_function_where_scipy_is_accurate() -> None:
    for b, c, z in [(1.182, 1.886, 0.9), (3.806, 4.474, 1 / 1.1), (2.5, 2.9, 0.5),
                    (0.3, 0.75, 0.99)]:
        assert hyp2f1_a1(b, c, z) == pytest.approx(hyp2f1(1, b, c, z), rel=1e-12)
    # integer α (c − a − b = α − 1 an integer) with z near 1: the sum is still finite
    assert np.isfinite(discounted_expected_residual_lifetime(20.0, 100.0, 1e-4, 50)).all()


def test_no_discount_gives_the_expected_lifetimes() -> None:
    assert discounted_expected_lifetime(3.0, 4.0, 0.0) == pytest.approx((3 + 4 - 1) / (3 - 1))
    assert np.allclose(discounted_expected_residual_lifetime(3.0, 4.0, 0.0, [0, 5]),
                       [(4 + 0) / 2, (4 + 5) / 2])
    assert discounted_expected_lifetime(0.8, 4.0, 0.0) == float("inf")
    with pytest.raises(ValueError):
        discounted_expected_lifetime(1.0, 1.0, 1e-9)       # too small to sum; 0 is exact
    with pytest.raises(ValueError):
        discounted_expected_residual_lifetime(1.0, 1.0, 0.1, [-1])


def test_geometric_limit_is_the_constant_retention_formula() -> None:
    # α, β → ∞ with β/(α+β) = r: every customer renews with r, DEL = (1+d)/(1+d−r)
    r, d = 0.8, 0.1
    assert discounted_expected_lifetime(2e5 * (1 - r), 2e5 * r, d) == pytest.approx(
        (1 + d) / (1 + d - r), rel=1e-4)


def test_whole_life_clv_and_the_value_of_the_base() -> None:
    alpha, beta, d = 0.704, 1.182, 0.1
    assert whole_life_clv(50.0, alpha, beta, d) == pytest.approx(
        50 * discounted_expected_lifetime(alpha, beta, d))
    base = customer_base_value(np.array([100.0, 60.0, 40.0]), 50.0, alpha, beta, d)
    assert list(base.columns) == ["renewals", "customers", "derl", "value_per_customer",
                                  "value"]
    derl = discounted_expected_residual_lifetime(alpha, beta, d, [0, 1, 2])
    assert np.allclose(base["value"], [100 * 50 * derl[0], 60 * 50 * derl[1],
                                       40 * 50 * derl[2]])
    # the survivors of a heterogeneous cohort are worth more each (F&H 2010)
    assert np.all(np.diff(base["value_per_customer"]) > 0)


# ------------------------------------------------------------------------------ scenarios

def _yearly(timing: str = "start", years: int = 50):
    base = load(BASELINE)
    return replace(base, periods_per_year=1, horizon_years=years,
                   finance=replace(base.finance, cash_timing=timing))


@pytest.mark.parametrize("timing", ["start", "end"])
def test_whole_life_clv_is_the_engines_clv_plus_the_tail_past_the_horizon(timing) -> None:
    scenario = _yearly(timing)
    alpha, beta = scenario.retention.sbg_alpha, scenario.retention.sbg_beta
    result = run_cohort(scenario)
    whole = scenario_whole_life(scenario, result.cohorts)
    assert whole.reason is None and whole.base_reason is None
    margin = scenario.pricing.renewal_price - scenario.pricing.variable_cost
    v = 1 / (1 + scenario.finance.discount_rate)
    # tenure years 51, 52, …: paid at their start by S(50), S(51), … (or at their end by
    # S(51), S(52), … renewers), every one at the renewal margin
    first = 50 if timing == "start" else 51
    tail = margin * v**first * sbg_survival(alpha, beta, first) * (
        1 + v * _brute(alpha, beta, scenario.finance.discount_rate, n=first))
    assert whole.clv_whole_life == pytest.approx(result.kpis["clv_gross"] + tail, rel=1e-10)
    assert whole.clv_whole_life > result.kpis["clv_gross"]


@pytest.mark.parametrize("timing", ["start", "end"])
def test_yearly_whole_life_is_the_del_and_derl_closed_forms(timing) -> None:
    base = _yearly(timing, years=10)
    scenario = replace(base, pricing=replace(base.pricing, first_year_price=200.0))
    alpha, beta = scenario.retention.sbg_alpha, scenario.retention.sbg_beta
    d = scenario.finance.discount_rate
    v = 1 / (1 + d)
    whole = scenario_whole_life(scenario)
    life = discounted_expected_lifetime(alpha, beta, d)
    derl = discounted_expected_residual_lifetime(alpha, beta, d, np.arange(10))
    m1 = 200.0 - scenario.pricing.variable_cost
    m = scenario.pricing.renewal_price - scenario.pricing.variable_cost
    s1 = beta / (alpha + beta)
    residual = m * derl
    if timing == "start":        # year t's margin at its start, paid by S(t−1)
        clv = m1 + m * (life - 1)
    else:                        # at its end, by the S(t) who renew
        clv = m1 * s1 * v + m * (life - 1 - s1 * v)
        residual[0] += (m1 - m) * s1
    assert whole.del_ == pytest.approx(life, rel=1e-14)
    assert whole.clv_whole_life == pytest.approx(clv, rel=1e-10)
    assert [r["renewals"] for r in whole.derl_by_tenure] == list(range(10))
    assert np.allclose([r["derl"] for r in whole.derl_by_tenure], derl, rtol=1e-14)
    assert np.allclose([r["residual_value"] for r in whole.derl_by_tenure], residual,
                       rtol=1e-10)
    assert whole.base_value is None and whole.base_reason == "no_run"


@pytest.mark.parametrize("churn", ["renewal", "spread"])
@pytest.mark.parametrize("cash", ["start", "end"])
def test_monthly_whole_life_is_the_limit_of_the_engines_clv(churn, cash) -> None:
    base = load(BASELINE)
    scenario = replace(base, horizon_years=50,
                       retention=replace(base.retention, churn_timing=churn),
                       finance=replace(base.finance, cash_timing=cash))
    alpha, beta = scenario.retention.sbg_alpha, scenario.retention.sbg_beta
    d = scenario.finance.discount_rate
    v = 1 / (1 + d)
    whole = scenario_whole_life(scenario, run_cohort(scenario).cohorts)
    assert whole.reason is None and whole.base_reason == "monthly"
    gross = run_cohort(scenario).kpis["clv_gross"]
    margin = scenario.pricing.renewal_price - scenario.pricing.variable_cost
    bound = margin * sbg_survival(alpha, beta, 49) * v**50 / (1 - v)
    assert 0 < whole.clv_whole_life - gross < bound
    if churn == "renewal" and cash == "start":
        # a year's margin in 12 monthly parts at the months' starts: the yearly value times
        # the within-year annuity (1/12)·Σ_j v^(j/12)
        annuity = sum(v ** (j / 12) for j in range(12)) / 12
        life = discounted_expected_lifetime(alpha, beta, d)
        assert whole.clv_whole_life == pytest.approx(annuity * margin * life, rel=1e-10)
        derl = discounted_expected_residual_lifetime(alpha, beta, d, np.arange(50))
        assert np.allclose([r["residual_value"] for r in whole.derl_by_tenure],
                           annuity * margin * derl, rtol=1e-9)


def test_residual_values_and_the_base_left_at_the_horizon() -> None:
    scenario = _yearly("start", years=8)
    alpha, beta = scenario.retention.sbg_alpha, scenario.retention.sbg_beta
    d = scenario.finance.discount_rate
    result = run_cohort(scenario)
    whole = scenario_whole_life(scenario, result.cohorts)
    margin = scenario.pricing.renewal_price - scenario.pricing.variable_cost
    derl = discounted_expected_residual_lifetime(alpha, beta, d, np.arange(8))
    # customers active in year 8: cohort year a has made 8 − a renewals
    last = result.cohorts[result.cohorts["year"] == 8]
    expected = sum(row.customers * margin * derl[8 - row.cohort_year]
                   for row in last.itertuples())
    assert whole.base_value == pytest.approx(expected, rel=1e-10)
    assert sum(r["customers"] for r in whole.base_by_tenure) == pytest.approx(
        result.kpis["customers_end"])
    # the customer_base_value of the same counts
    counts = np.array([r["customers"] for r in whole.base_by_tenure])
    table = customer_base_value(counts, margin, alpha, beta, d)
    assert table["value"].sum() == pytest.approx(whole.base_value, rel=1e-10)


def test_crm_saving_enters_every_billed_period() -> None:
    crm = load(ROOT / "scenarios" / "whatif_crm_system.toml")
    saving = crm.crm_system.saving_per_customer_year
    plain = replace(crm, crm_system=replace(crm.crm_system, enabled=False))
    unit = replace(plain, pricing=replace(plain.pricing, first_year_price=1.0,
                                          renewal_price=1.0, variable_cost=0.0))
    assert scenario_whole_life(crm).clv_whole_life == pytest.approx(
        scenario_whole_life(plain).clv_whole_life
        + saving * scenario_whole_life(unit).clv_whole_life, rel=1e-10)


def test_reasons_when_there_is_no_whole_life_value() -> None:
    magazine = load(ROOT / "scenarios" / "textbook_magazine.toml")
    assert magazine.retention.model != "sbg"
    whole = scenario_whole_life(magazine).as_dict()
    assert whole["reason"] == "not_sbg" and whole["del"] is None
    assert whole["clv_whole_life"] is None and whole["derl_by_tenure"] is None
    assert whole["base_reason"] == "not_sbg"
    base = load(BASELINE)
    assert scenario_whole_life(replace(base, retention=replace(
        base.retention, uplift_points=2.0))).reason == "uplift"
    for rate, reason in ((0.0, "no_discount"), (1e-4, "discount_too_small")):
        moved = replace(base, finance=replace(base.finance, discount_rate=rate))
        assert scenario_whole_life(moved).reason == reason


def test_run_json_carries_whole_life() -> None:
    from sim.cli import main

    report = run_report(load(BASELINE), replications=0)
    whole = report["whole_life"]
    assert set(whole) == {"discount_rate", "del", "clv_whole_life", "derl_by_tenure",
                          "base_value", "base_by_tenure", "reason", "base_reason"}
    assert whole["del"] == pytest.approx(discounted_expected_lifetime(1.2, 3.5, 0.10))
    assert whole["clv_whole_life"] > report["kpis"]["clv_gross"]
    assert len(whole["derl_by_tenure"]) == 5 and whole["base_reason"] == "monthly"
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["run", str(ROOT / "scenarios" / "textbook_magazine.toml"), "--format",
                     "json", "--replications", "0"]) == 0
    printed = json.loads(out.getvalue())["whole_life"]
    assert printed["reason"] == "not_sbg" and printed["clv_whole_life"] is None
