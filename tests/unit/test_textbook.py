"""The course book's own tables (DOMAIN.md §1 and §2), reproduced by the cohort engine."""

from __future__ import annotations

import numpy as np
import pytest

from sim.cohort import run_cohort
from sim.scenario import replace_path
from sim.scenario_io import load
from tests.conftest import ROOT

MAGAZINE = ROOT / "scenarios" / "textbook_magazine.toml"
FIVE_COHORTS = ROOT / "scenarios" / "textbook_five_cohorts.toml"

# DOMAIN.md §1: year, subscribers, renewal %, revenue, variable cost, net profit, NPV (15 %).
BOOK_TABLE = [
    (1, 1000, 60, 35900, 30000, 5900, 5900),
    (2, 600, 65, 45540, 18000, 27540, 23948),
    (3, 390, 70, 29601, 11700, 17901, 13536),
    (4, 273, 75, 20721, 8190, 12531, 8239),
    (5, 205, 78, 15541, 6143, 9398, 5373),
    (6, 160, 79, 12136, 4797, 7339, 3645),
    (7, 126, 80, 9563, 3780, 5783, 2504),
    (8, 101, 80, 7661, 3028, 4633, 1742),
    (9, 81, 80, 6129, 2422, 3706, 1212),
    (10, 65, 80, 4903, 1938, 2965, 842),
]
# The book's revenue, cost and profit cells of years 6 and 7 disagree with its own
# subscriber counts and its own NPV column (e.g. year 6: 7339 / 1.15^5 = 3649, but the
# book prints 3645 = 7331 / 1.15^5). The engine follows the counts and the NPV column;
# these six cells are held to ±20 and the discrepancy is documented in the README.
BOOK_INCONSISTENT = {(6, "revenue"), (6, "variable_cost"), (6, "profit"),
                     (7, "revenue"), (7, "variable_cost"), (7, "profit")}


@pytest.fixture(scope="module")
def magazine():
    return run_cohort(load(MAGAZINE))


@pytest.mark.parametrize("row", BOOK_TABLE, ids=lambda r: f"year{r[0]}")
def test_magazine_table_cell_by_cell(magazine, row) -> None:
    year, subscribers, renewal, revenue, cost, profit, npv = row
    ours = magazine.tenure.iloc[year - 1]
    assert round(ours["customers"]) == subscribers
    assert ours["renewal_rate"] * 100 == pytest.approx(renewal, abs=1e-9)
    assert ours["discounted_profit"] == pytest.approx(npv, abs=1)
    for column, book in (("revenue", revenue), ("variable_cost", cost), ("profit", profit)):
        tolerance = 20 if (year, column) in BOOK_INCONSISTENT else 1
        assert ours[column] == pytest.approx(book, abs=tolerance), column


def test_book_cells_of_years_6_and_7_contradict_its_npv_column() -> None:
    """The reason for the tolerance above: the book's own profit does not discount to its NPV."""
    for year, *_, profit, npv in BOOK_TABLE[5:7]:
        assert abs(profit / 1.15 ** (year - 1) - npv) > 2


def test_magazine_clv_gross_and_net(magazine) -> None:
    assert magazine.kpis["clv_gross"] == pytest.approx(66.94, abs=0.01)
    assert magazine.kpis["clv_net"] == pytest.approx(16.94, abs=0.01)
    assert magazine.tenure["discounted_profit"].sum() / 1000 == pytest.approx(66.94, abs=0.01)


def test_two_points_of_renewal_lift_the_net_value_to_about_22() -> None:
    scenario = replace_path(load(MAGAZINE), "retention.uplift_points", 2.0)
    result = run_cohort(scenario)
    assert result.kpis["clv_net"] == pytest.approx(21.99, abs=0.01)
    assert result.tenure["renewal_rate"].iloc[0] == pytest.approx(0.62)


BOOK_COUNTS = [1000, 1600, 1990, 2263, 2468, 1628, 1154, 865, 673, 533]
BOOK_RETENTION = [None, 60.0, 61.9, 63.5, 64.9, 66.0, 70.9, 75.0, 77.8, 79.2]


def test_five_cohorts_aggregate_counts_and_retention() -> None:
    yearly = run_cohort(load(FIVE_COHORTS)).yearly
    # The book rounds half-subscribers either way (2467.75 → 2468, 532.15 → 533): ±1.
    np.testing.assert_allclose(yearly["customers"], BOOK_COUNTS, atol=1)
    assert yearly["customers"].iloc[-1] == pytest.approx(532.15, abs=0.01)
    for year, book in enumerate(BOOK_RETENTION, start=1):
        if book is None:
            assert np.isnan(yearly["retention"].iloc[0])
            continue
        # Year 8: 864.56 / 1153.62 = 74.94 %; the book's 75.0 divides its rounded counts.
        assert yearly["retention"].iloc[year - 1] * 100 == pytest.approx(book, abs=0.1), year


def test_each_cohorts_retention_path_is_unchanged_while_the_aggregate_rises() -> None:
    result = run_cohort(load(FIVE_COHORTS))
    cake = result.cohorts.pivot(index="year", columns="cohort_year", values="customers")
    book_path = [0.60, 0.65, 0.70, 0.75, 0.78, 0.79, 0.80, 0.80, 0.80]
    for cohort in cake.columns:
        counts = cake[cohort].dropna().to_numpy()
        if counts[0] == 0:                   # no acquisition after year 5
            continue
        np.testing.assert_allclose(counts[1:] / counts[:-1], book_path[:len(counts) - 1])
    aggregate = result.yearly["retention"].to_numpy()[1:]
    assert np.all(np.diff(aggregate) > 0)


def test_monthly_periods_keep_the_yearly_economics() -> None:
    """Monthly periods, churn at anniversaries: same yearly counts and money; CLV × a."""
    yearly_scenario = load(MAGAZINE)
    monthly_scenario = replace_path(yearly_scenario, "periods_per_year", 12)
    yearly, monthly = run_cohort(yearly_scenario), run_cohort(monthly_scenario)
    for column in ("revenue", "variable_cost", "customers"):
        np.testing.assert_allclose(monthly.tenure[column], yearly.tenure[column], rtol=1e-12)
    i = yearly_scenario.finance.discount_rate
    a = np.mean((1 + i) ** (-np.arange(12) / 12))
    assert a == pytest.approx(0.9387, abs=1e-4)
    assert monthly.kpis["clv_gross"] == pytest.approx(yearly.kpis["clv_gross"] * a, rel=1e-12)
