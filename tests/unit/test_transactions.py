"""sim.transactions: transaction logs, RFM, weighted tiers and cohort activity (issue 13 item 3).

A small log checked by hand, the quintile rule, the course text's weighted scoring, the cohort
matrix of a constructed log, and every bad-input case (the row and column named).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from sim.datafile import MAX_DATA_BYTES, DataFileError, SurvivorTable
from sim.transactions import (
    SEGMENTS,
    TIERS,
    cohort_activity,
    parse_day,
    parse_tier_spec,
    purchase_facts,
    quintile_scores,
    read_transactions,
    rfm_table,
    segment_summary,
    tier_summary,
    transactions_from_frame,
    weighted_tiers,
)

LOG = b"""customer_id,date,amount,stage,industry,employees
A,2024-01-05,100,closed,finance,50
A,2024-03-10,50,closed,finance,50
A,2024-03-10,25,closed,finance,50
B,2024-02-01,20,intended,services,10
C,2023-11-20,300,tracking,retail,200
C,2024-06-30,100,closed,retail,200
D,2024-06-01,10,,services,
E,2024-05-15,40,tracking,finance,5
"""
AS_OF = date(2024, 6, 30)


def _log():
    return read_transactions(LOG, "customer_id", "date", "amount")


def _issues(excinfo: pytest.ExceptionInfo[DataFileError]) -> list[tuple[str, str]]:
    return [(i.path, i.code) for i in excinfo.value.issues]


def test_purchases_are_days_and_attributes_the_latest_row() -> None:
    log = _log()
    assert log.rows == 8 and log.columns == ("customer_id", "date", "amount")
    assert list(log.customers) == ["A", "B", "C", "D", "E"]
    a = log.purchases[log.purchases["customer"] == "A"]
    assert list(a["amount"]) == [100.0, 75.0]              # two rows on 2024-03-10: one purchase
    assert list(a["date"].dt.date) == [date(2024, 1, 5), date(2024, 3, 10)]
    attrs = log.attributes
    assert list(attrs.columns) == ["stage", "industry", "employees"]
    assert attrs.loc["C", "stage"] == "closed"               # the stage moved: the latest one
    assert attrs.loc["D", "stage"] == ""
    assert attrs["employees"].dtype == float and np.isnan(attrs.loc["D", "employees"])
    assert attrs.loc["A", "employees"] == 50.0 and attrs["industry"].dtype == object


def test_rfm_on_a_hand_checked_log() -> None:
    rfm = rfm_table(_log(), AS_OF)
    expected_recency = {c: (AS_OF - d).days for c, d in {
        "A": date(2024, 3, 10), "B": date(2024, 2, 1), "C": date(2024, 6, 30),
        "D": date(2024, 6, 1), "E": date(2024, 5, 15)}.items()}
    assert expected_recency == {"A": 112, "B": 150, "C": 0, "D": 29, "E": 46}
    assert rfm["recency_days"].to_dict() == expected_recency
    assert rfm["frequency"].to_dict() == {"A": 2, "B": 1, "C": 2, "D": 1, "E": 1}
    assert rfm["total_spend"].to_dict() == {"A": 175.0, "B": 20.0, "C": 400.0, "D": 10.0,
                                            "E": 40.0}
    assert rfm["monetary"].to_dict() == {"A": 87.5, "B": 20.0, "C": 200.0, "D": 10.0,
                                         "E": 40.0}
    assert rfm.loc["C", "first_purchase"] == pd.Timestamp("2023-11-20")
    assert rfm["cohort"].to_dict() == {"A": "2024", "B": "2024", "C": "2023", "D": "2024",
                                       "E": "2024"}
    # quintiles over 5 customers: score = 1 + number of customers strictly worse
    assert rfm["r_score"].to_dict() == {"A": 2, "B": 1, "C": 5, "D": 4, "E": 3}
    assert rfm["f_score"].to_dict() == {"A": 4, "B": 1, "C": 4, "D": 1, "E": 1}
    assert rfm["m_score"].to_dict() == {"A": 4, "B": 2, "C": 5, "D": 1, "E": 3}
    assert rfm["rfm_score"].to_dict() == {"A": 244, "B": 112, "C": 545, "D": 411, "E": 313}
    assert rfm["segment"].to_dict() == {"A": "at_risk", "B": "hibernating", "C": "champions",
                                        "D": "promising", "E": "about_to_sleep"}
    assert rfm.loc["C", "stage"] == "closed" and rfm.loc["A", "industry"] == "finance"


def test_rfm_ignores_purchases_after_the_observation_date() -> None:
    rfm = rfm_table(_log(), "2024-03-31", cohort_period="month")
    assert sorted(rfm.index) == ["A", "B", "C"]              # D and E bought later
    assert rfm.loc["C", "frequency"] == 1 and rfm.loc["C", "recency_days"] == 132
    assert rfm.loc["A", "cohort"] == "2024-01" and rfm.loc["C", "cohort"] == "2023-11"
    assert rfm_table(_log(), AS_OF, "quarter").loc["C", "cohort"] == "2023Q4"
    with pytest.raises(DataFileError) as excinfo:
        rfm_table(_log(), "2020-01-01")
    assert _issues(excinfo) == [("as_of", "range")]
    with pytest.raises(DataFileError) as excinfo:
        rfm_table(_log(), "30/06/2024")
    assert _issues(excinfo) == [("as_of", "type")]


def test_quintile_scores_ties_and_order() -> None:
    values = np.arange(10.0)
    assert list(quintile_scores(values)) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert list(quintile_scores(values, higher_is_better=False)) == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    # ties share a score whatever the row order: 6 one-time buyers of 10
    freq = np.array([1, 1, 1, 1, 1, 1, 2, 2, 3, 9])
    scores = quintile_scores(freq)
    assert list(scores) == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    perm = np.random.default_rng(0).permutation(10)
    assert list(quintile_scores(freq[perm])) == list(scores[perm])
    assert list(quintile_scores(np.full(4, 7.0))) == [1, 1, 1, 1]
    big = quintile_scores(np.random.default_rng(1).normal(size=1000))
    assert np.bincount(big)[1:].tolist() == [200] * 5


def test_every_rf_cell_has_one_segment() -> None:
    rows = []
    for r in range(1, 6):
        for f in range(1, 6):
            rows.append((r, f))
    from sim.transactions import _SEGMENT_GRID

    codes = {SEGMENTS[_SEGMENT_GRID[r - 1, f - 1]] for r, f in rows}
    assert codes == set(SEGMENTS)                            # every code reachable
    assert SEGMENTS[_SEGMENT_GRID[4, 4]] == "champions"
    assert SEGMENTS[_SEGMENT_GRID[0, 0]] == "hibernating"
    assert SEGMENTS[_SEGMENT_GRID[0, 4]] == "cannot_lose"


def test_segment_summary_lists_every_segment() -> None:
    summary = segment_summary(rfm_table(_log(), AS_OF))
    assert list(summary["segment"]) == list(SEGMENTS)
    assert summary["customers"].sum() == 5 and summary["customer_share"].sum() == 1.0
    champions = summary.set_index("segment").loc["champions"]
    assert champions["customers"] == 1 and champions["total_spend"] == 400.0
    assert champions["spend_share"] == pytest.approx(400 / 645)
    assert summary.set_index("segment").loc["loyal", "customers"] == 0


WEIGHTS = {"monetary": 50, "industry": 30, "employees": 20}
LEVELS = {"industry": {"finance": 100, "services": 30}}


def test_weighted_tiers_by_hand() -> None:
    tiered = weighted_tiers(rfm_table(_log(), AS_OF), WEIGHTS, "stage", levels=LEVELS)
    # monetary by mid-rank: D 0, B 1/4, E 1/2, A 3/4, C 1 (x 50 points)
    assert tiered["points_monetary"].to_dict() == {"A": 37.5, "B": 12.5, "C": 50.0, "D": 0.0,
                                                   "E": 25.0}
    # industry by level: finance 100 %, services 30 %, retail unlisted 0 (x 30 points)
    assert tiered["points_industry"].to_dict() == pytest.approx(
        {"A": 30.0, "B": 9.0, "C": 0.0, "D": 9.0, "E": 30.0})
    # employees by mid-rank among the 4 known (D empty: 0)
    assert tiered["points_employees"].to_dict() == pytest.approx(
        {"A": 40 / 3, "B": 20 / 3, "C": 20.0, "D": 0.0, "E": 0.0})
    assert tiered["score"].to_dict() == pytest.approx(
        {"A": 80.8333333, "B": 28.1666667, "C": 70.0, "D": 9.0, "E": 55.0})
    assert tiered["tier"].to_dict() == {"A": "A", "B": "D", "C": "B", "D": "E", "E": "C"}


def test_minmax_scaling_and_lower_is_better() -> None:
    rfm = rfm_table(_log(), AS_OF)
    tiered = weighted_tiers(rfm, {"recency_days": 100}, scale="minmax")
    # recency 0..150 days, fewer days better
    assert tiered["score"].to_dict() == pytest.approx(
        {"A": 100 * (1 - 112 / 150), "B": 0.0, "C": 100.0, "D": 100 * (1 - 29 / 150),
         "E": 100 * (1 - 46 / 150)})
    assert tiered.loc["C", "tier"] == "A" and tiered.loc["B", "tier"] == "E"


def test_weights_must_add_up_to_100_and_name_columns() -> None:
    rfm = rfm_table(_log(), AS_OF)
    with pytest.raises(DataFileError) as excinfo:
        weighted_tiers(rfm, {"monetary": 50, "frequency": 40})
    assert _issues(excinfo) == [("weights", "rule")]
    assert "add up to 90" in str(excinfo.value)
    with pytest.raises(DataFileError) as excinfo:
        weighted_tiers(rfm, {"monetary": 120, "frequency": -20})
    assert ("weights.frequency", "range") in _issues(excinfo)
    with pytest.raises(DataFileError) as excinfo:
        weighted_tiers(rfm, {"monetry": 100})
    assert _issues(excinfo) == [("weights.monetry", "column")]
    with pytest.raises(DataFileError) as excinfo:
        weighted_tiers(rfm, {"industry": 100})                 # text without levels
    assert _issues(excinfo) == [("levels.industry", "rule")]
    with pytest.raises(DataFileError) as excinfo:
        weighted_tiers(rfm, {"monetary": 100}, "relationship")
    assert _issues(excinfo) == [("stage_column", "column")]
    with pytest.raises(DataFileError) as excinfo:
        weighted_tiers(rfm, {"monetary": 100}, cuts=(20, 40, 60, 80))
    assert _issues(excinfo) == [("cuts", "rule")]
    with pytest.raises(DataFileError):
        weighted_tiers(rfm, {})


def test_tier_summary_crosses_tiers_with_stage() -> None:
    tiered = weighted_tiers(rfm_table(_log(), AS_OF), WEIGHTS, "stage", levels=LEVELS)
    cross = tier_summary(tiered, "stage")
    assert len(cross) == len(TIERS) * 4                      # stages "", closed, intended, tracking
    cells = cross[cross["customers"] > 0].set_index(["tier", "stage"])["customers"].to_dict()
    assert cells == {("A", "closed"): 1, ("B", "closed"): 1, ("C", "tracking"): 1,
                     ("D", "intended"): 1, ("E", ""): 1}
    assert cross["value"].sum() == 645.0 and cross["value_share"].sum() == pytest.approx(1.0)
    plain = tier_summary(tiered)
    assert list(plain["tier"]) == list(TIERS) and list(plain["customers"]) == [1] * 5
    assert plain.set_index("tier").loc["B", "value"] == 400.0


def test_tier_spec_from_toml() -> None:
    spec = parse_tier_spec(b"""
stage_column = "stage"
scale = "minmax"
[weights]
monetary = 50
industry = 30
employees = 20
[levels.industry]
finance = 100
services = 30
""")
    assert spec.weights == {"monetary": 50.0, "industry": 30.0, "employees": 20.0}
    assert spec.levels == {"industry": {"finance": 100.0, "services": 30.0}}
    assert spec.stage_column == "stage" and spec.scale == "minmax"
    tiered = weighted_tiers(rfm_table(_log(), AS_OF), spec.weights, spec.stage_column,
                            levels=spec.levels, scale=spec.scale, cuts=spec.cuts)
    assert set(tiered["tier"]) <= set(TIERS)
    with pytest.raises(DataFileError) as excinfo:
        parse_tier_spec(b"weight = 3\nscale = 'log'\n[weights]\nmonetary = 'lots'\n")
    assert sorted(_issues(excinfo)) == [("scale", "choice"), ("weight", "unknown"),
                                        ("weights.monetary", "type")]
    with pytest.raises(DataFileError) as excinfo:
        parse_tier_spec(b"[weights\n")
    assert _issues(excinfo) == [("file", "syntax")]


COHORT_LOG = b"""customer_id,date,amount
c1,2022-03-01,10
c1,2023-05-01,10
c1,2024-07-01,10
c2,2022-06-01,10
c3,2022-01-10,10
c3,2023-01-10,10
c4,2023-02-01,10
c4,2024-02-01,10
c5,2023-03-01,10
c6,2024-01-01,10
"""


def test_cohort_activity_on_a_constructed_log() -> None:
    log = read_transactions(COHORT_LOG, "customer_id", "date", "amount")
    table = cohort_activity(log, "year", as_of="2024-12-31")
    assert isinstance(table, SurvivorTable)
    assert table.labels == ("2022", "2023")                  # 2024's cohort has one age only
    assert [list(s) for s in table.survivors] == [[3, 2, 1], [2, 1]]
    # 2024 incomplete at 2024-06-30: c1's July purchase ignored, ages up to 2023
    table = cohort_activity(log, "year", as_of="2024-06-30")
    assert table.labels == ("2022",) and [list(s) for s in table.survivors] == [[3, 2]]
    # the default observation date is the last purchase (2024-07-01: 2024 incomplete)
    assert cohort_activity(log, "year").labels == ("2022",)
    quarterly = cohort_activity(log, "quarter", as_of="2024-12-31")
    assert quarterly.labels[:2] == ("2022Q1", "2022Q2")     # c1, c3 in Q1; c2 in Q2
    assert list(quarterly.survivors[0][:6]) == [2, 2, 2, 2, 2, 1]
    assert list(quarterly.survivors[1]) == [1] + [0] * 10
    with pytest.raises(DataFileError) as excinfo:
        cohort_activity(log, "year", as_of="2022-12-30")
    assert _issues(excinfo) == [("date", "rule")]


def test_cohort_activity_feeds_the_retention_fit() -> None:
    retention_fit = pytest.importorskip("sim.retention_fit")
    rng = np.random.default_rng(5)
    rows = []
    for year in range(2019, 2024):
        for i in range(400):
            life = rng.geometric(0.3)                        # years with a purchase
            rows += [(f"{year}-{i}", f"{year + k}-0{rng.integers(1, 10)}-15", 20.0)
                     for k in range(life) if year + k <= 2024]
    frame = pd.DataFrame(rows, columns=["id", "day", "spend"])
    log = transactions_from_frame(frame, "id", "day", "spend")
    table = cohort_activity(log, "year", as_of="2024-12-31")
    assert table.labels == ("2019", "2020", "2021", "2022", "2023")
    fit = retention_fit.fit_retention(table)
    assert fit.log_likelihood < 0


def test_frames_and_date_formats() -> None:
    frame = pd.DataFrame({"who": [1, 1, 2], "when": pd.to_datetime(
        ["2024-01-01 09:30", "2024-01-01 17:00", "2024-02-01 08:00"]), "paid": [5.0, 7.5, 3.0]})
    log = transactions_from_frame(frame, "who", "when", "paid")
    assert list(log.customers) == ["1", "2"] and list(log.purchases["amount"]) == [12.5, 3.0]
    log = read_transactions(b"c,d,a\nx,31/12/2024,1\nx,01/02/2025,2\n", "c", "d", "a",
                            date_format="%d/%m/%Y")
    assert list(log.purchases["date"].dt.date) == [date(2024, 12, 31), date(2025, 2, 1)]
    assert parse_day("2024-02-29") == pd.Timestamp("2024-02-29")
    facts = purchase_facts(log)
    assert facts.loc["x", "purchases"] == 2 and facts.loc["x", "first_spend"] == 1.0
    # a frame's missing id, date or amount is named like a CSV cell (first_row = 1: the
    # frame's first row is row 1)
    frame = pd.DataFrame({"who": ["a", None], "when": [pd.Timestamp("2024-01-01"), pd.NaT],
                          "paid": [1.0, np.nan]})
    with pytest.raises(DataFileError) as excinfo:
        transactions_from_frame(frame, "who", "when", "paid", first_row=1)
    assert _issues(excinfo) == [("who[row 2]", "type"), ("when[row 2]", "type"),
                                ("paid[row 2]", "type")]


def test_attribute_named_like_a_computed_column_is_renamed() -> None:
    log = read_transactions(b"id,date,amount,segment\n1,2024-01-01,3,gold\n", "id", "date",
                            "amount")
    rfm = rfm_table(log, "2024-01-31")
    assert rfm.loc["1", "segment"] in SEGMENTS and rfm.loc["1", "segment_file"] == "gold"


# ----- bad input: the row and column named -------------------------------------------------

def test_missing_columns_are_listed() -> None:
    with pytest.raises(DataFileError) as excinfo:
        read_transactions(LOG, "client", "date", "value")
    assert _issues(excinfo) == [("client", "column"), ("value", "column")]
    assert "customer_id" in str(excinfo.value)
    with pytest.raises(DataFileError) as excinfo:
        read_transactions(LOG, "customer_id", "date", "date")
    assert _issues(excinfo) == [("columns", "rule")]


def test_unparsable_dates_and_amounts_name_the_row() -> None:
    bad = b"id,date,amount\n1,2024-01-01,3\n2,yesterday,4\n3,2024-02-30,5\n4,2024-03-01,ten\n" \
          b"5,2024-03-02,-2.5\n,2024-03-03,1\n6,2024-03-04,\n7,1066-10-14,1\n8,2024-03-05,inf\n"
    with pytest.raises(DataFileError) as excinfo:
        read_transactions(bad, "id", "date", "amount")
    assert _issues(excinfo) == [
        ("date[row 3]", "type"), ("date[row 4]", "type"), ("amount[row 5]", "type"),
        ("amount[row 6]", "range"), ("id[row 7]", "type"), ("amount[row 8]", "type"),
        ("date[row 9]", "type"), ("amount[row 10]", "type")]
    text = str(excinfo.value)
    assert "'yesterday'" in text and "'ten'" in text and "an empty cell" in text
    assert "refund" in text
    with pytest.raises(DataFileError) as excinfo:       # day-first dates are not guessed
        read_transactions(b"id,date,amount\n1,31/12/2024,1\n", "id", "date", "amount")
    assert _issues(excinfo) == [("date[row 2]", "type")]


def test_many_bad_rows_are_counted_not_all_kept() -> None:
    data = b"id,date,amount\n" + b"".join(b"%d,2024-01-01,-1\n" % i for i in range(500))
    with pytest.raises(DataFileError) as excinfo:
        read_transactions(data, "id", "date", "amount")
    assert excinfo.value.total == 500 and len(excinfo.value.issues) == 50
    assert excinfo.value.issues[0].path == "amount[row 2]"


def test_empty_file_header_only_and_over_the_cap() -> None:
    with pytest.raises(DataFileError) as excinfo:
        read_transactions(b"", "id", "date", "amount")
    assert _issues(excinfo) == [("file", "csv")]
    with pytest.raises(DataFileError) as excinfo:
        read_transactions(b"id,date,amount\n", "id", "date", "amount")
    assert _issues(excinfo) == [("file", "length")]
    with pytest.raises(DataFileError) as excinfo:
        read_transactions(b"x" * (MAX_DATA_BYTES + 1), "id", "date", "amount")
    assert _issues(excinfo) == [("file", "size")]
    with pytest.raises(DataFileError) as excinfo:
        read_transactions(b"\xff\xfe\x00bad", "id", "date", "amount")
    assert _issues(excinfo) == [("file", "csv")]
