"""TCO table and rules of thumb; paid acquisition with diminishing returns."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.acquisition import paid_acquisition, paid_conversion_share
from sim.cohort import run_cohort
from sim.scenario import Scenario, replace_path
from sim.tco import (
    TCO_ELEMENTS,
    CrmSystem,
    tco_period_costs,
    tco_summary,
    tco_table,
    tco_warnings,
    tco_yearly,
)


def test_tco_yearly_totals_and_contingency() -> None:
    system = CrmSystem(licences=(100.0, 0.0), maintenance=(0.0, 20.0), hardware=(0.0,),
                       telecom=(0.0,), external_services=(0.0,), vendor_services=(0.0,),
                       internal_staff=(0.0,), other=(0.0,), contingency_share=0.10,
                       training_per_year=5.0, repeat_last_year=True)
    table = tco_yearly(system, 4)
    # Year 1: (100 + 5) × 1.1; years 2-4: maintenance repeats: (20 + 5) × 1.1.
    np.testing.assert_allclose(table["total"], [115.5, 27.5, 27.5, 27.5])
    assert table["licences"].tolist() == [100.0, 0.0, 0.0, 0.0]
    monthly = tco_period_costs(dataclasses.replace(system, enabled=True), 4, 12)
    assert monthly.sum() == pytest.approx(table["total"].sum())
    assert monthly[0] == pytest.approx(115.5 / 12)
    assert tco_period_costs(system, 4, 12).sum() == 0.0      # not enabled


def test_tco_rules_of_thumb() -> None:
    assert tco_warnings(CrmSystem()) == []                     # defaults follow the rules
    few = CrmSystem(**{name: (100.0,) for name in ("licences", "maintenance", "hardware",
                                                     "telecom", "external_services",
                                                     "vendor_services", "internal_staff",
                                                     "other")}, contingency_share=0.05)
    codes = {w.code for w in tco_warnings(few)}
    assert codes == {"few_years", "contingency"}
    front_loaded = dataclasses.replace(CrmSystem(), licences=(5_000_000.0, 0, 0, 0, 0))
    (warning,) = tco_warnings(front_loaded)
    assert warning.code == "initial_share" and warning.value > 0.65


def test_tco_table_is_the_editable_cost_table() -> None:
    system = dataclasses.replace(CrmSystem(), licences=(100.0,), maintenance=(0.0, 20.0, 30.0))
    table = tco_table(system)                                  # the costed years: 5 here
    assert list(table.index) == list(TCO_ELEMENTS)
    assert list(table.columns) == [f"year_{y}" for y in range(1, 6)]
    assert table.loc["licences"].tolist() == [100.0, 0.0, 0.0, 0.0, 0.0]   # padded, not repeated
    assert tco_table(system, 2).loc["maintenance"].tolist() == [0.0, 20.0]  # cut
    assert tco_table(system, 7).loc["hardware"].tolist() == [*CrmSystem().hardware, 0.0, 0.0]
    with pytest.raises(ValueError):
        tco_table(system, 0)


def test_tco_summary_over_the_costed_years() -> None:
    summary = tco_summary(CrmSystem())                         # repeat_last_year does not count
    costed = tco_yearly(dataclasses.replace(CrmSystem(), repeat_last_year=False), 5)
    assert summary.total == pytest.approx(costed["total"].sum())
    assert summary.initial_share == pytest.approx(costed["total"].iloc[0] / costed["total"].sum())
    assert 0.55 <= summary.initial_share <= 0.65               # the defaults follow the book
    nothing = CrmSystem(**{name: (0.0,) for name in TCO_ELEMENTS}, training_per_year=0.0)
    assert tco_summary(nothing).total == 0 and tco_summary(nothing).initial_share is None


def test_paid_conversion_has_diminishing_returns() -> None:
    shares = [paid_conversion_share(b, 10_000, 0.3, 0.02) for b in (0, 1e5, 2e5, 3e5, 1e8)]
    assert shares[0] == 0.0
    gains = np.diff(shares)
    assert np.all(gains > 0) and np.all(np.diff(gains[:3]) < 0)
    assert shares[-1] == pytest.approx(0.3)                    # saturates at the ceiling


def _paid(size: float = 50_000.0, budget: float = 200_000.0, ppy: int = 1) -> Scenario:
    s = Scenario(horizon_years=8, periods_per_year=ppy)
    s = replace_path(s, "acquisition.mode", "paid")
    s = replace_path(s, "acquisition.years", 8)
    s = replace_path(s, "acquisition.budget_per_year", budget)
    s = replace_path(s, "market.size", size)
    return replace_path(s, "retention.model", "constant")


def test_paid_acquisition_bounded_by_market_and_fed_by_churn() -> None:
    s = replace_path(_paid(size=5_000.0, budget=5e7), "acquisition.ceiling", 0.9)
    s = replace_path(s, "competition.intensity", 0.0)      # the full ceiling applies
    survival = 0.8 ** np.arange(s.periods)
    path = paid_acquisition(s, survival)
    customers = path.customers_before + path.new
    assert path.spend is not None and path.spend.sum() == pytest.approx(8 * 5e7)
    assert np.all(customers <= 5_000.0 + 1e-6)
    assert np.all(path.potential >= 0)
    # First year: the whole market is potential.
    assert path.new[0] == pytest.approx(5_000.0 * 0.9 * (1 - np.exp(-0.02 * 5e7 / 5_000)))
    # Without churn nothing returns to the potential, so acquisition falls faster.
    no_churn = paid_acquisition(s, np.ones(s.periods))
    assert no_churn.new[-1] < path.new[-1]


def test_competition_lowers_the_ceiling() -> None:
    s = _paid()
    survival = 0.8 ** np.arange(s.periods)
    calm = paid_acquisition(replace_path(s, "competition.intensity", 0.0), survival).new.sum()
    intense = paid_acquisition(replace_path(s, "competition.intensity", 1.0), survival).new.sum()
    assert intense < calm


def test_paid_monthly_matches_yearly_conversion_on_a_fixed_potential() -> None:
    yearly = _paid(budget=1e5)
    monthly = dataclasses.replace(yearly, periods_per_year=12)
    # With nobody ever leaving and a huge market, the potential barely moves: a year of
    # months converts what one yearly step converts.
    y = paid_acquisition(replace_path(yearly, "market.size", 1e9), np.ones(8)).new[0]
    m = paid_acquisition(replace_path(monthly, "market.size", 1e9), np.ones(96)).new[:12].sum()
    assert m == pytest.approx(y, rel=1e-5)


def test_paid_engine_spends_the_budget_and_charges_average_cac() -> None:
    s = _paid()
    result = run_cohort(s)
    assert result.yearly["acquisition_spend"].tolist() == [200_000.0] * 8
    assert result.kpis["clv_gross"] - result.kpis["clv_net"] == pytest.approx(
        8 * 200_000.0 / result.kpis["acquired"])


def test_paid_mode_requires_a_market_size() -> None:
    from sim.scenario import scenario_from_dict
    from sim.schema import ScenarioError
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict({"acquisition": {"mode": "paid"}})
    assert [i.path for i in err.value.issues] == ["market.size"]
