"""The cohort engine against closed forms over a long horizon (DOMAIN.md, README conventions)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.cohort import run_cohort
from sim.scenario import Scenario, scenario_from_dict


def _scenario(retention: dict, margin: float = 40.0, rate: float = 0.10, timing: str = "start",
              years: int = 50, periods_per_year: int = 1) -> Scenario:
    price = margin + 10.0
    return scenario_from_dict({
        "schema_version": 1, "name": "closed form", "horizon_years": years,
        "periods_per_year": periods_per_year,
        "acquisition": {"mode": "list", "per_year": [1000.0]},
        "pricing": {"first_year_price": price, "renewal_price": price, "variable_cost": 10.0,
                    "acquisition_cost": 0.0},
        "retention": retention,
        "finance": {"discount_rate": rate, "cash_timing": timing},
    })


@pytest.mark.parametrize("r,i", [(0.8, 0.10), (0.6, 0.15), (0.9, 0.12), (0.5, 0.0)])
def test_constant_retention_start_of_period(r: float, i: float) -> None:
    m = 40.0
    clv = run_cohort(_scenario({"model": "constant", "constant": r}, m, i)).kpis["clv_gross"]
    assert clv == pytest.approx(m * (1 + i) / (1 + i - r), rel=1e-4)


@pytest.mark.parametrize("r,i", [(0.8, 0.10), (0.6, 0.15), (0.9, 0.12), (0.5, 0.0)])
def test_constant_retention_end_of_period(r: float, i: float) -> None:
    m = 40.0
    clv = run_cohort(_scenario({"model": "constant", "constant": r}, m, i, "end")).kpis["clv_gross"]
    assert clv == pytest.approx(m * r / (1 + i - r), rel=1e-4)


def _beta(a: float, b: float) -> float:
    return math.exp(math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))


@pytest.mark.parametrize("alpha,beta", [(1.0, 3.0), (0.7, 2.5), (3.8, 15.4), (0.2, 0.9)])
def test_sbg_survival_and_retention(alpha: float, beta: float) -> None:
    result = run_cohort(_scenario({"model": "sbg", "sbg_alpha": alpha, "sbg_beta": beta},
                                  years=20))
    tenure = result.tenure
    t = np.arange(20)
    survival = np.array([_beta(alpha, beta + k) / _beta(alpha, beta) for k in t])
    np.testing.assert_allclose(tenure["customers"] / 1000.0, survival, rtol=1e-10)
    np.testing.assert_allclose(tenure["renewal_rate"], (beta + t) / (alpha + beta + t), rtol=1e-10)


def test_sbg_clv_equals_the_discounted_survival_sum() -> None:
    alpha, beta, i, m = 1.2, 4.0, 0.1, 40.0
    clv = run_cohort(_scenario({"model": "sbg", "sbg_alpha": alpha, "sbg_beta": beta}, m, i)
                     ).kpis["clv_gross"]
    expected = sum(m * _beta(alpha, beta + k) / _beta(alpha, beta) / (1 + i) ** k
                   for k in range(50))
    assert clv == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("timing", ["start", "end"])
def test_monthly_periods_with_spread_churn_match_the_monthly_closed_form(timing: str) -> None:
    """Spread churn: monthly retention ρ = r^(1/12), monthly margin m/12, monthly rate j."""
    r, i, m = 0.8, 0.10, 40.0
    scenario = _scenario({"model": "constant", "constant": r, "churn_timing": "spread"}, m, i,
                         timing, periods_per_year=12)
    rho, j = r ** (1 / 12), (1 + i) ** (1 / 12) - 1
    expected = (m / 12) * ((1 + j) if timing == "start" else rho) / (1 + j - rho)
    assert run_cohort(scenario).kpis["clv_gross"] == pytest.approx(expected, rel=1e-4)
