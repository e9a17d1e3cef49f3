"""Transaction logs: RFM, weighted customer tiers and cohort activity (issue 13 item 3).

A transaction log is the user's CSV with one row per purchase: a customer id, a date and an
amount (column names chosen by the user); every other column is kept as a per-customer
attribute (e.g. industry, region or the relationship stage "closed / intended / tracking" of
DOMAIN.md §8). From it:

- :func:`rfm_table`: per customer, recency (days), frequency, monetary value, first purchase and
  cohort; R, F and M scores 1-5 by quintile and a named segment (:data:`SEGMENTS`);
- :func:`weighted_tiers`: the course text's weighted scoring (seed 004): 100 points split over
  chosen attributes, a score 0-100 per customer, five tiers A-E, crossed with the relationship
  stage in :func:`tier_summary`;
- :func:`cohort_activity`: the cohort x age matrix of customers still active, a
  :class:`sim.datafile.SurvivorTable` that the retention fits take.

Definitions (the same everywhere, documented once here):

- **Purchase**: the rows of one customer on one calendar day are one purchase, their amounts
  summed (times of day are dropped). Frequency counts purchases, so a basket split over three
  rows is one purchase; the purchase models (:mod:`sim.purchase_models`) count the same way.
- **Amounts** are money in the file's currency, 0 or more (0: a free order; a refund is not a
  purchase and is refused).
- **Dates** are ISO 8601 (``2024-03-31``, optionally with a time) unless ``date_format`` gives a
  :func:`time.strptime` pattern (``%d/%m/%Y``, ``%Y%m%d``): day-first and month-first dates are
  never guessed. Dates from 1900 to 2199; times with UTC offsets count on their own calendar
  day, or on the UTC day when the offsets differ between rows.
- **Attributes**: a customer's value of another column is the one on their latest purchase (for
  several rows on that day, the last in the file), so a stage that moved is the current stage. A
  column whose every non-empty value is a number is numeric, otherwise text.

Bad input raises :class:`sim.datafile.DataFileError` naming the column and row (rows counted as
a spreadsheet shows them: the header is row 1): missing columns, unparsable dates or amounts,
negative amounts, empty customer ids, an empty file, a file over the size cap.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim.datafile import DataFileError, SurvivorTable, cell_path, read_csv_bytes
from sim.scenario_io import syntax_issue
from sim.schema import MAX_ISSUES, Issue

_A = "messages.allowed."
_F = "messages.found."

__all__ = [
    "PERIODS", "Period", "SEGMENTS", "TIERS", "TIER_CUTS", "SCALES", "RFM_COLUMNS",
    "TransactionLog", "TierSpec", "read_transactions", "transactions_from_frame", "parse_day",
    "quintile_scores", "rfm_table", "segment_summary", "weighted_tiers", "tier_summary",
    "parse_tier_spec", "cohort_activity", "purchase_facts", "period_labels", "IssueCollector",
    "parse_numbers", "codes_issue", "missing_column", "no_rows",
]

Period = Literal["month", "quarter", "year"]
PERIODS: tuple[str, ...] = ("month", "quarter", "year")
_PERIODS_PER_YEAR = {"month": 12, "quarter": 4, "year": 1}

SEGMENTS: tuple[str, ...] = (
    "champions", "loyal", "potential_loyalist", "new", "promising", "need_attention",
    "about_to_sleep", "cannot_lose", "at_risk", "hibernating",
)
"""RFM segment codes, best first (the UI translates them). A customer's segment is read from
their recency score R and frequency score F (the common 5 x 5 R-F grid; M is in the score and
in the value columns, not in the segment):

==============  ==========  ==========
code            R           F
==============  ==========  ==========
champions       5           4-5
loyal           3-4         4-5
potential_loyalist  4-5     2-3
new             5           1
promising       4           1
need_attention  3           3
about_to_sleep  3           1-2
cannot_lose     1-2         5
at_risk         1-2         3-4
hibernating     1-2         1-2
==============  ==========  ==========
"""

_SEGMENT_GRID = np.array([  # row R-1, column F-1: index into SEGMENTS
    [9, 9, 8, 8, 7],
    [9, 9, 8, 8, 7],
    [6, 6, 5, 1, 1],
    [4, 2, 2, 1, 1],
    [3, 2, 2, 0, 0],
])

TIERS: tuple[str, ...] = ("A", "B", "C", "D", "E")
TIER_CUTS: tuple[float, ...] = (80.0, 60.0, 40.0, 20.0)
"""Fixed tier cut-offs on the 0-100 score: A from 80, B from 60, C from 40, D from 20, E below.
Fixed (not quintiles) so that a tier keeps its meaning when the weights are recalibrated or the
customer base changes, as the course text asks ("compare with reality, adjust the weights")."""

SCALES: tuple[str, ...] = ("rank", "minmax")

RFM_COLUMNS: tuple[str, ...] = (
    "customer", "recency_days", "frequency", "monetary", "total_spend", "first_purchase",
    "last_purchase", "cohort", "r_score", "f_score", "m_score", "rfm_score", "segment",
    "score", "tier",
)
"""Columns :func:`rfm_table` and :func:`weighted_tiers` compute; a file attribute of the same
name is renamed ``<name>_file``."""

_DAY_NS = 86_400 * 10**9
_FIRST_DAY = int(np.datetime64("1900-01-01", "D").astype(np.int64))
_LAST_DAY = int(np.datetime64("2199-12-31", "D").astype(np.int64))


class IssueCollector:
    """Problems found in a data file, kept in row order: at most :data:`MAX_ISSUES` issues are
    built (a file of a million bad rows costs no million objects), the rest only counted."""

    def __init__(self) -> None:
        self._found: list[tuple[int, int, Issue]] = []
        self.total = 0

    def add(self, issue: Issue, row: int = 0) -> None:
        """One problem (``row`` 0: not tied to a row, listed first)."""
        self.total += 1
        self._found.append((row, len(self._found), issue))

    def add_rows(self, bad: np.ndarray, column: str, code: str, allowed_key: str,
                 values: pd.Series, first_row: int = 2,
                 params: tuple[tuple[str, str], ...] = ()) -> None:
        """One issue per ``True`` of ``bad`` (positions in the file's data rows), naming
        ``column[row N]`` and showing the offending value of ``values``; ``allowed_key``
        (with ``params``) is the catalog key of what is allowed."""
        where = np.flatnonzero(bad)
        self.total += len(where)
        for pos in where[:MAX_ISSUES]:
            shown = values.iloc[int(pos)]
            empty = shown is None or (isinstance(shown, str) and not shown.strip())
            self._found.append((int(pos) + first_row, len(self._found),
                                Issue(cell_path(column, int(pos) + first_row), code,
                                      got="" if empty else repr(shown)[:60],
                                      allowed_key=allowed_key,
                                      got_key=_F + "empty_cell" if empty else "",
                                      params=params)))

    def raise_if_any(self) -> None:
        """Raise :class:`DataFileError` with the problems found so far, in row order."""
        if self.total:
            self._found.sort(key=lambda item: (item[0], item[1]))
            raise DataFileError([issue for _, _, issue in self._found[:MAX_ISSUES]], self.total)


def codes_issue(path: str, code: str, codes: tuple[str, ...], got: str = "") -> Issue:
    """An issue whose allowed text is a list of codes (``month, quarter, year``), the same in
    every language."""
    return Issue(path, code, got=got, allowed_key=_A + "codes",
                 params=(("codes", ", ".join(codes)),))


def missing_column(column: str, frame: pd.DataFrame) -> Issue:
    """``column`` is missing from ``frame`` (the issue lists the first 12 columns it has)."""
    return Issue(column, "column", allowed_key="validation.allowed.data_column",
                 got_key="validation.found.data_columns",
                 params=(("name", repr(column)),
                         ("columns", ", ".join(map(repr, list(frame.columns)[:12])))))


def no_rows() -> Issue:
    """The data file has a header but no data row."""
    return Issue("file", "length", allowed_key="validation.allowed.data_row",
                 got_key="validation.found.data_none")


def parse_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column of numbers (text or numeric) as floats, and a mask of the cells that are not a
    finite number (empty, text, NaN, infinite)."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype):
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        try:                                  # fast path: every cell is a number
            numbers = values.astype("float64").to_numpy()
        except (ValueError, TypeError):
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float,
                                                                      na_value=np.nan)
    return numbers, ~np.isfinite(numbers)


def _parse_dates(values: pd.Series, date_format: str | None) -> np.ndarray:
    """Dates as int64 days since 1970-01-01 (NaT as the int64 minimum)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = pd.Series(values)
    else:
        text = values.astype(str).str.strip()
        try:
            stamps = pd.to_datetime(text, format=date_format or "ISO8601", errors="coerce")
        except (ValueError, TypeError):       # mixed time zones: compare in UTC
            stamps = pd.to_datetime(text, format=date_format or "ISO8601", errors="coerce",
                                    utc=True)
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    seconds = stamps.to_numpy(dtype="datetime64[s]").astype(np.int64)
    days = np.floor_divide(seconds, 86_400)
    days[(seconds == np.iinfo(np.int64).min) | (days < _FIRST_DAY) | (days > _LAST_DAY)] = (
        np.iinfo(np.int64).min)
    return days


def parse_day(value: str | date | datetime | pd.Timestamp, what: str = "as_of",
              date_format: str | None = None) -> pd.Timestamp:
    """A calendar day (midnight) from a date, a timestamp or text (ISO 8601 unless
    ``date_format``).

    Raises:
        DataFileError: ``value`` is not a date (the issue's path is ``what``).
    """
    if isinstance(value, (date, datetime, pd.Timestamp)):
        return pd.Timestamp(value).normalize().tz_localize(None)
    days = _parse_dates(pd.Series([str(value)]), date_format)
    if days[0] == np.iinfo(np.int64).min:
        key, params = _date_allowed(date_format)
        raise DataFileError([Issue(what, "type", got=repr(str(value))[:60], allowed_key=key,
                                   params=params)])
    return pd.Timestamp(int(days[0]) * _DAY_NS)


def _date_allowed(date_format: str | None) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Catalog key and parameters of the allowed dates."""
    if date_format:
        return _A + "tx_date_as", (("format", date_format),)
    return _A + "tx_date_iso", ()


def _to_day(value: Any, what: str) -> int:
    return int(parse_day(value, what).value // _DAY_NS)


@dataclass(frozen=True)
class TransactionLog:
    """A checked transaction log, one row per customer and purchase day.

    Attributes:
        purchases: columns ``customer`` (categorical, categories = :attr:`customers`),
            ``date`` (datetime64, midnight) and ``amount`` (float, currency), one row per
            customer and day (amounts of that day summed), sorted by customer then date.
        attributes: one row per customer (index ``customer``, same order as
            :attr:`customers`), one column per other file column (float for numeric
            columns, text otherwise), each the value on the customer's latest purchase.
        rows: data rows read from the file.
        columns: the file's names of the customer, date and amount columns.
    """

    purchases: pd.DataFrame
    attributes: pd.DataFrame
    rows: int
    columns: tuple[str, str, str]

    @property
    def customers(self) -> pd.Index:
        """Customer ids (text), sorted."""
        return pd.Index(self.purchases["customer"].cat.categories, name="customer")

    def _codes_days(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        codes = self.purchases["customer"].cat.codes.to_numpy(dtype=np.int64)
        days = self.purchases["date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
        return codes, days, self.purchases["amount"].to_numpy(dtype=float)


def read_transactions(data: bytes, customer: str, date: str, amount: str,
                      date_format: str | None = None) -> TransactionLog:
    """Read a transaction log from CSV bytes (UTF-8, optional BOM, at most
    :data:`sim.datafile.MAX_DATA_BYTES`).

    Args:
        data: the file's bytes.
        customer, date, amount: the names of the customer id, purchase date and amount
            columns; every other column is kept as a per-customer attribute.
        date_format: a :func:`time.strptime` pattern for the dates; None: ISO 8601.

    Raises:
        DataFileError: every problem, naming the row and column (first 50 kept, all counted).
    """
    frame = read_csv_bytes(data, required=(customer, date, amount))
    return transactions_from_frame(frame, customer, date, amount, date_format)


def transactions_from_frame(frame: pd.DataFrame, customer: str, date: str, amount: str,
                            date_format: str | None = None,
                            first_row: int = 2) -> TransactionLog:
    """A :class:`TransactionLog` from a frame of purchases (text columns as read from CSV, or
    typed: datetime64 dates, numeric amounts), checked as :func:`read_transactions` checks.

    Args:
        first_row: the spreadsheet row number of the frame's first row, for messages.
    """
    names = (customer, date, amount)
    if len(set(names)) != 3:
        raise DataFileError([Issue("columns", "rule", got=", ".join(map(repr, names)),
                                   allowed_key=_A + "tx_three_columns")])
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise DataFileError([missing_column(c, frame) for c in missing])
    if frame.empty:
        raise DataFileError([no_rows()])
    issues = IssueCollector()
    ids = frame[customer].astype(str).str.strip()
    if frame[customer].isna().any():
        ids = ids.where(frame[customer].notna(), "")
    issues.add_rows((ids == "").to_numpy(dtype=bool), customer, "type",
                    _A + "customer_id", ids, first_row)
    days = _parse_dates(frame[date], date_format)
    date_key, date_params = _date_allowed(date_format)
    issues.add_rows(days == np.iinfo(np.int64).min, date, "type", date_key,
                    frame[date], first_row, date_params)
    amounts, bad_amount = parse_numbers(frame[amount])
    raw_amounts = frame[amount]
    issues.add_rows(bad_amount, amount, "type", _A + "tx_amount", raw_amounts, first_row)
    issues.add_rows(~bad_amount & (amounts < 0), amount, "range", _A + "tx_no_refund",
                    raw_amounts, first_row)
    issues.raise_if_any()

    codes, uniques = pd.factorize(ids, sort=True)
    codes = codes.astype(np.int64)
    order = np.lexsort((days, codes))            # stable: file order within a day
    codes_s, days_s, amounts_s = codes[order], days[order], amounts[order]
    new_day = np.empty(len(order), dtype=bool)
    new_day[0] = True
    new_day[1:] = (codes_s[1:] != codes_s[:-1]) | (days_s[1:] != days_s[:-1])
    starts = np.flatnonzero(new_day)
    day_codes = codes_s[starts]
    purchases = pd.DataFrame({
        "customer": pd.Categorical.from_codes(day_codes, categories=pd.Index(uniques,
                                                                             dtype=object)),
        "date": (days_s[starts] * _DAY_NS).astype("datetime64[ns]"),
        "amount": np.add.reduceat(amounts_s, starts),
    })
    last_rows = order[np.r_[np.flatnonzero(np.diff(codes_s)), len(order) - 1]]
    others = [c for c in frame.columns if c not in names]
    attributes = frame.iloc[last_rows][others].reset_index(drop=True)
    attributes.index = pd.Index(uniques, name="customer", dtype=object)
    for column in others:
        attributes[column] = _typed_attribute(attributes[column])
    attributes.columns = [f"{c}_file" if c in RFM_COLUMNS else c for c in others]
    return TransactionLog(purchases, attributes, len(frame), names)


def _typed_attribute(values: pd.Series) -> pd.Series:
    """Numbers when every non-empty value is one, otherwise stripped text."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype):
        return values.astype(float)
    text = values.astype(str).str.strip()
    blank = (text == "").to_numpy(dtype=bool) | values.isna().to_numpy(dtype=bool)
    numbers, bad = parse_numbers(text.where(~blank, "nan"))
    if blank.all() or (bad & ~blank).any():
        return text.where(~blank, "").astype(object)
    return pd.Series(numbers, index=values.index)


def _period_index(days: np.ndarray, period: str) -> np.ndarray:
    """Calendar period numbers (consecutive integers) of int64 days since 1970-01-01."""
    if period not in _PERIODS_PER_YEAR:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months // {"month": 1, "quarter": 3, "year": 12}[period]


def period_labels(index: np.ndarray, period: str) -> np.ndarray:
    """Labels of period numbers from :func:`_period_index`: ``2024``, ``2024Q1`` or
    ``2024-01``."""
    unique, inverse = np.unique(np.asarray(index, dtype=np.int64), return_inverse=True)
    if period == "year":
        text = [str(1970 + int(u)) for u in unique]
    elif period == "quarter":
        text = [f"{1970 + int(u) // 4}Q{int(u) % 4 + 1}" for u in unique]
    else:
        text = [f"{1970 + int(u) // 12}-{int(u) % 12 + 1:02d}" for u in unique]
    return np.asarray(text, dtype=object)[inverse]


def quintile_scores(values: np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """Scores 1-5 by quintile: ``1 + floor(5 k / n)``, ``k`` the number of customers with a
    strictly worse value, ``n`` the customers.

    Ties get the same score (the lowest their value's quintile allows), so the result does
    not depend on row order; a value shared by many customers can leave some scores unused
    (60 % one-time buyers: frequency scores 1, 4 and 5). All values equal: every score 1.
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    keyed = values if higher_is_better else -values
    order = np.sort(keyed)
    worse = np.searchsorted(order, keyed, side="left")       # strictly worse
    return (1 + (5 * worse) // n).astype(np.int64)


def purchase_facts(log: TransactionLog,
                   as_of: str | date | datetime | pd.Timestamp | None = None) -> pd.DataFrame:
    """Per customer who bought on or before ``as_of`` (default: the last purchase in the log;
    later purchases are ignored): ``first_purchase``, ``last_purchase`` (dates),
    ``purchases`` (days with a purchase), ``spend`` (their total, currency) and
    ``first_spend`` (the first purchase's amount). Index ``customer``, sorted.

    Raises:
        DataFileError: ``as_of`` is not a date or is before every purchase.
    """
    codes, days, amounts = log._codes_days()
    as_of_day = int(days.max()) if as_of is None else _to_day(as_of, "as_of")
    keep = days <= as_of_day
    if not keep.all():
        codes, days, amounts = codes[keep], days[keep], amounts[keep]
    if len(codes) == 0:
        first = log.purchases["date"].min().date()
        raise DataFileError([Issue("as_of", "range",
                                   got=str(pd.Timestamp(as_of_day * _DAY_NS).date()),
                                   allowed_key=_A + "tx_as_of", params=(("first", str(first)),))])
    starts = np.r_[0, np.flatnonzero(np.diff(codes)) + 1]
    ends = np.r_[starts[1:], len(codes)]
    return pd.DataFrame({
        "first_purchase": (days[starts] * _DAY_NS).astype("datetime64[ns]"),
        "last_purchase": (days[ends - 1] * _DAY_NS).astype("datetime64[ns]"),
        "purchases": ends - starts,
        "spend": np.add.reduceat(amounts, starts),
        "first_spend": amounts[starts],
    }, index=pd.Index(log.customers[codes[starts]], name="customer", dtype=object))


def _days(stamps: pd.Series) -> np.ndarray:
    return stamps.to_numpy(dtype="datetime64[D]").astype(np.int64)


def rfm_table(log: TransactionLog, as_of: str | date | datetime | pd.Timestamp,
              cohort_period: Period = "year") -> pd.DataFrame:
    """RFM per customer at the observation date ``as_of`` (purchases after it are ignored;
    customers who first bought after it are left out).

    Columns (index ``customer``, the customer ids):

    - ``recency_days``: days from the last purchase to ``as_of`` (0: bought that day);
    - ``frequency``: purchases (days with a purchase) up to ``as_of``;
    - ``monetary``: mean spend per purchase (currency); ``total_spend``: their sum;
    - ``first_purchase``, ``last_purchase`` (dates); ``cohort``: label of the first
      purchase's period (``cohort_period``: ``2024``, ``2024Q1`` or ``2024-01``);
    - ``r_score``, ``f_score``, ``m_score``: 1-5 by :func:`quintile_scores` (recency: fewer
      days is better); ``rfm_score``: ``100 R + 10 F + M`` (e.g. 545);
    - ``segment``: a code of :data:`SEGMENTS` from R and F;
    - then the file's other columns (:attr:`TransactionLog.attributes`).

    Raises:
        DataFileError: ``as_of`` is not a date or is before every purchase.
    """
    if cohort_period not in PERIODS:
        raise DataFileError([codes_issue("cohort_period", "choice", PERIODS,
                                         repr(cohort_period))])
    as_of_day = _to_day(as_of, "as_of")
    facts = purchase_facts(log, as_of)
    recency = as_of_day - _days(facts["last_purchase"])
    frequency = facts["purchases"].to_numpy()
    spend = facts["spend"].to_numpy()
    monetary = spend / frequency
    r = quintile_scores(recency, higher_is_better=False)
    f = quintile_scores(frequency)
    m = quintile_scores(monetary)
    table = pd.DataFrame({
        "recency_days": recency,
        "frequency": frequency,
        "monetary": monetary,
        "total_spend": spend,
        "first_purchase": facts["first_purchase"].to_numpy(),
        "last_purchase": facts["last_purchase"].to_numpy(),
        "cohort": period_labels(_period_index(_days(facts["first_purchase"]), cohort_period),
                                cohort_period),
        "r_score": r, "f_score": f, "m_score": m,
        "rfm_score": 100 * r + 10 * f + m,
        "segment": np.asarray(SEGMENTS, dtype=object)[_SEGMENT_GRID[r - 1, f - 1]],
    }, index=facts.index)
    if len(log.attributes.columns):
        table = table.join(log.attributes)
    return table


def segment_summary(rfm: pd.DataFrame) -> pd.DataFrame:
    """Size and value of each RFM segment, one row per code of :data:`SEGMENTS` in that order
    (empty segments included, with 0 customers), for charts.

    Columns: ``segment``, ``customers``, ``customer_share`` (fraction), ``total_spend``
    (currency), ``spend_share`` (fraction), ``mean_recency_days``, ``mean_frequency``,
    ``mean_monetary`` (NaN for an empty segment).
    """
    grouped = rfm.groupby("segment", observed=True).agg(
        customers=("frequency", "size"), total_spend=("total_spend", "sum"),
        mean_recency_days=("recency_days", "mean"), mean_frequency=("frequency", "mean"),
        mean_monetary=("monetary", "mean")).reindex(list(SEGMENTS))
    grouped["customers"] = grouped["customers"].fillna(0).astype(np.int64)
    grouped["total_spend"] = grouped["total_spend"].fillna(0.0)
    grouped.insert(1, "customer_share", grouped["customers"] / max(len(rfm), 1))
    total = float(rfm["total_spend"].sum())
    grouped.insert(3, "spend_share", grouped["total_spend"] / total if total > 0 else 0.0)
    return grouped.rename_axis("segment").reset_index()


@dataclass(frozen=True)
class TierSpec:
    """How customers are scored into tiers (the course text's weighted scoring).

    Attributes:
        weights: points per attribute (column of the customer table), summing to 100.
        levels: for text attributes, each level's share of that attribute's points, 0-100
            (the course's "finance 100, services 30"); levels match the cell text exactly
            (case matters); unlisted levels and empty cells get 0.
        stage_column: the relationship-stage column the tiers are crossed with, if any.
        scale: how numeric attributes are scaled to 0-1: ``rank`` (mid-rank percentile,
            robust to one huge customer) or ``minmax``.
        cuts: score cut-offs of tiers A-D (descending), E below the last.
    """

    weights: Mapping[str, float]
    levels: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    stage_column: str | None = None
    scale: str = "rank"
    cuts: tuple[float, ...] = TIER_CUTS


MAX_SPEC_BYTES = 256 * 1024
_SPEC_KEYS = ("weights", "levels", "stage_column", "scale", "cuts")


def parse_tier_spec(data: bytes | str) -> TierSpec:
    """A :class:`TierSpec` from TOML text::

        stage_column = "stage"          # optional
        scale = "rank"                  # optional: rank or minmax
        cuts = [80, 60, 40, 20]         # optional
        [weights]                       # 100 points over chosen attributes
        monetary = 40
        frequency = 30
        industry = 30
        [levels.industry]               # text attributes: each level's share, 0-100
        finance = 100
        services = 30

    The weights and columns are checked against a customer table by :func:`weighted_tiers`.

    Raises:
        DataFileError: not UTF-8 TOML, over 256 KiB, unknown keys or wrong types.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_SPEC_BYTES:
        raise DataFileError([Issue("file", "size", allowed_key="validation.allowed.data_bytes",
                                   got_key="validation.found.data_bytes",
                                   params=(("max", f"{MAX_SPEC_BYTES:,}"),
                                           ("size", f"{len(raw):,}")))])
    try:
        parsed = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise DataFileError([Issue("file", "encoding", got=str(exc)[:120],
                                   allowed_key="validation.allowed.utf8")]) from None
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        raise DataFileError([syntax_issue(str(exc)).under("file")]) from None
    issues: list[Issue] = [codes_issue(k, "unknown", _SPEC_KEYS) for k in parsed
                           if k not in _SPEC_KEYS]
    weights = parsed.get("weights")
    if not isinstance(weights, dict) or not weights:
        issues.append(Issue("weights", "type",
                            got=type(weights).__name__ if weights is not None else "",
                            allowed_key=_A + "tx_weights_table",
                            got_key="" if weights is not None else _F + "missing"))
        weights = {}
    for key, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            issues.append(Issue(f"weights.{key}", "type", got=repr(value)[:60],
                                allowed_key=_A + "tx_points"))
    levels = parsed.get("levels", {})
    if not isinstance(levels, dict):
        issues.append(Issue("levels", "type", got=repr(levels)[:60],
                            allowed_key=_A + "tx_levels_table"))
        levels = {}
    for attr, table in levels.items():
        if not isinstance(table, dict):
            issues.append(Issue(f"levels.{attr}", "type", got=repr(table)[:60],
                                allowed_key=_A + "tx_level_table"))
            continue
        for level, value in table.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                issues.append(Issue(f"levels.{attr}.{level}", "type", got=repr(value)[:60],
                                    allowed_key=_A + "tx_share"))
    stage = parsed.get("stage_column")
    if stage is not None and (not isinstance(stage, str) or not stage):
        issues.append(Issue("stage_column", "type", got=repr(stage)[:60],
                            allowed_key=_A + "tx_column_name"))
    scale = parsed.get("scale", "rank")
    if scale not in SCALES:
        issues.append(codes_issue("scale", "choice", SCALES, repr(scale)[:60]))
    cuts = parsed.get("cuts", list(TIER_CUTS))
    if (not isinstance(cuts, list) or len(cuts) != len(TIERS) - 1
            or any(isinstance(c, bool) or not isinstance(c, (int, float)) for c in cuts)):
        issues.append(Issue("cuts", "type", got=repr(cuts)[:60], allowed_key=_A + "tx_cuts_list",
                            params=(("n", str(len(TIERS) - 1)),)))
        cuts = list(TIER_CUTS)
    if issues:
        raise DataFileError(issues)
    return TierSpec(weights={str(k): float(v) for k, v in weights.items()},
                    levels={str(a): {str(k): float(v) for k, v in t.items()}
                            for a, t in levels.items()},
                    stage_column=stage, scale=scale, cuts=tuple(float(c) for c in cuts))


def _level_key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _scaled(values: pd.Series, scale: str, lower_is_better: bool) -> np.ndarray:
    """Numeric attribute scaled to 0-1 (1 best); empty cells 0; one distinct value 0.5.

    ``rank``: mid-rank percentile ``(rank - 1) / (n - 1)`` over the non-empty cells (ties
    share their average rank); ``minmax``: ``(v - min) / (max - min)``.
    """
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    present = np.isfinite(numbers)
    out = np.zeros(len(numbers))
    known = numbers[present]
    if len(known) == 0:
        return out
    if scale == "rank":
        ranks = pd.Series(known).rank(method="average").to_numpy()
        scaled = (ranks - 1) / (len(known) - 1) if len(known) > 1 else np.full(1, 0.5)
    else:
        low, high = known.min(), known.max()
        scaled = (known - low) / (high - low) if high > low else np.full(len(known), 0.5)
    out[present] = 1 - scaled if lower_is_better else scaled
    return out


def weighted_tiers(customers: pd.DataFrame, weights: Mapping[str, float],
                   stage_column: str | None = None, *,
                   levels: Mapping[str, Mapping[str, float]] | None = None,
                   scale: str = "rank", cuts: tuple[float, ...] = TIER_CUTS,
                   lower_is_better: Collection[str] = ("recency_days",)) -> pd.DataFrame:
    """Score customers 0-100 on weighted attributes and grade them into tiers A-E.

    Each attribute ``a`` with ``weights[a]`` points (the weights sum to 100) contributes
    ``weights[a] x s_a`` points, ``s_a`` in 0-1: for a numeric column, its value scaled by
    ``scale`` (:func:`_scaled`; 1 = best, higher values best except the columns in
    ``lower_is_better``); for a text column, ``levels[a][value] / 100``. The score is the sum;
    the tier is A for a score of at least ``cuts[0]`` (default :data:`TIER_CUTS`), B for at
    least ``cuts[1]``, ..., E below the last cut.

    Args:
        customers: one row per customer (e.g. :func:`rfm_table`).
        stage_column: the relationship-stage column, checked to exist; the tiers are crossed
            with it by :func:`tier_summary`.

    Returns:
        ``customers`` with ``points_<attribute>`` per weighted attribute, ``score`` and
        ``tier`` added.

    Raises:
        DataFileError: weights not summing to 100, negative, naming no column, a text
            attribute without levels, a level share outside 0-100, cuts not descending, an
            unknown stage column or scale.
    """
    levels = dict(levels or {})
    issues: list[Issue] = []
    available = ", ".join(map(str, list(customers.columns)[:30]))
    if not weights:
        issues.append(Issue("weights", "rule", allowed_key=_A + "tx_split_points",
                            got_key=_F + "tx_no_weights"))
    for name, points in weights.items():
        if not math.isfinite(points) or points < 0:
            issues.append(Issue(f"weights.{name}", "range", got=f"{points:g}",
                                allowed_key=_A + "tx_points_range"))
        if name not in customers.columns:
            issues.append(Issue(f"weights.{name}", "column", got=repr(name),
                                allowed_key=_A + "tx_one_of_columns",
                                params=(("columns", available),)))
    total = math.fsum(weights.values())
    if weights and not abs(total - 100.0) <= 1e-6:
        issues.append(Issue("weights", "rule", allowed_key=_A + "tx_add_to_100",
                            got_key=_F + "tx_sum", params=(("total", f"{total:g}"),)))
    if scale not in SCALES:
        issues.append(codes_issue("scale", "choice", SCALES, repr(scale)))
    if len(cuts) != len(TIERS) - 1 or any(b >= a for a, b in zip(cuts, cuts[1:], strict=False)):
        issues.append(Issue("cuts", "rule", got=repr(tuple(cuts)),
                            allowed_key=_A + "tx_cuts_descending",
                            params=(("n", str(len(TIERS) - 1)),)))
    if stage_column is not None and stage_column not in customers.columns:
        issues.append(Issue("stage_column", "column", got=repr(stage_column),
                            allowed_key=_A + "tx_one_of_columns",
                            params=(("columns", available),)))
    for name in weights:
        if name not in customers.columns:
            continue
        column = customers[name]
        numeric = (pd.api.types.is_numeric_dtype(column.dtype)
                   and not pd.api.types.is_bool_dtype(column.dtype))
        if name in levels:
            for level, given in levels[name].items():
                if not 0 <= given <= 100:
                    issues.append(Issue(f"levels.{name}.{level}", "range", got=f"{given:g}",
                                        allowed_key=_A + "tx_share_range"))
        elif not numeric:
            shown = ", ".join(map(repr, pd.unique(column.astype(str))[:8]))
            issues.append(Issue(f"levels.{name}", "rule", allowed_key=_A + "tx_level_shares",
                                got_key=_F + "tx_text_values",
                                params=(("name", name), ("values", shown))))
    for name in levels:
        if name not in weights:
            issues.append(Issue(f"levels.{name}", "rule", allowed_key=_A + "tx_levels_weighted",
                                got_key=_F + "tx_no_weight", params=(("name", repr(name)),)))
    if issues:
        raise DataFileError(issues)
    out = customers.copy()
    score = np.zeros(len(out))
    for name, points in weights.items():
        if name in levels:
            table = {str(k): v / 100.0 for k, v in levels[name].items()}
            share = np.array([table.get(_level_key(v), 0.0) for v in customers[name]],
                             dtype=float) if len(out) else np.zeros(0)
        else:
            share = _scaled(customers[name], scale, name in lower_is_better)
        out[f"points_{name}"] = points * share
        score += points * share
    out["score"] = score
    tiers = np.full(len(out), len(TIERS) - 1)
    for i, cut in reversed(list(enumerate(cuts))):
        tiers[score >= cut - 1e-9] = i
    out["tier"] = np.asarray(TIERS, dtype=object)[tiers]
    return out


def tier_summary(tiered: pd.DataFrame, stage_column: str | None = None,
                 value_column: str | None = "total_spend") -> pd.DataFrame:
    """Size and value of each tier (and, with ``stage_column``, of each tier x stage cell),
    in long form for charts: every tier A-E (and every stage found) listed, empty ones with 0.

    Columns: ``tier``, [``stage``], ``customers``, ``customer_share`` (fraction of all
    customers), ``mean_score``, and with ``value_column`` ``value`` (its sum, e.g. currency)
    and ``value_share``. An empty stage cell is the stage ``""``.
    """
    keys = ["tier"] + (["stage"] if stage_column else [])
    frame = pd.DataFrame({"tier": tiered["tier"].to_numpy(),
                          "score": tiered["score"].to_numpy(dtype=float)})
    if stage_column:
        frame["stage"] = [_level_key(v) for v in tiered[stage_column]]
    if value_column:
        frame["value"] = tiered[value_column].to_numpy(dtype=float)
    aggs: dict[str, Any] = {"customers": ("score", "size"), "mean_score": ("score", "mean")}
    if value_column:
        aggs["value"] = ("value", "sum")
    grouped = frame.groupby(keys).agg(**aggs)
    if stage_column:
        full = pd.MultiIndex.from_product([list(TIERS), sorted(frame["stage"].unique())],
                                          names=keys)
    else:
        full = pd.Index(list(TIERS), name="tier")
    grouped = grouped.reindex(full)
    grouped["customers"] = grouped["customers"].fillna(0).astype(np.int64)
    grouped.insert(1, "customer_share", grouped["customers"] / max(len(frame), 1))
    if value_column:
        grouped["value"] = grouped["value"].fillna(0.0)
        total = float(frame["value"].sum())
        grouped["value_share"] = grouped["value"] / total if total > 0 else 0.0
    return grouped.reset_index()


def cohort_activity(log: TransactionLog, period: Period = "year",
                    as_of: str | date | datetime | pd.Timestamp | None = None) -> SurvivorTable:
    """The cohort x age matrix of customers still active, for the retention fits.

    A customer's cohort is the calendar period (``period``) of their first purchase; age 0 is
    that period. In a non-contractual log nobody announces leaving, so **a customer is active
    at age k if they bought in period cohort + k or later** (up to ``as_of``): the count
    never rises with age, and a customer who is still a customer but has not bought again
    since counts as gone from the period after their last purchase (activity is a lower
    bound on survival, most of all at the last ages observed).

    Only complete periods are ages: the period holding ``as_of`` counts when ``as_of`` is its
    last day (purchases in a later, partial period still show the customer active). Cohorts
    with fewer than two observed ages (acquired in the last complete period or later) and
    periods with no new customer are left out. ``as_of`` defaults to the last purchase in the
    log; purchases after it are ignored.

    Raises:
        DataFileError: the log spans fewer than two complete periods of ``period``.
    """
    if period not in PERIODS:
        raise DataFileError([codes_issue("period", "choice", PERIODS, repr(period))])
    facts = purchase_facts(log, as_of)
    as_of_day = (int(_days(log.purchases["date"]).max()) if as_of is None
                 else _to_day(as_of, "as_of"))
    first = _period_index(_days(facts["first_purchase"]), period)
    last = _period_index(_days(facts["last_purchase"]), period)
    now = int(_period_index(np.array([as_of_day]), period)[0])
    next_day = int(_period_index(np.array([as_of_day + 1]), period)[0])
    complete = now if next_day > now else now - 1
    keep = first <= complete - 1
    if not keep.any():
        shown = period_labels(np.array([int(first.min()), complete]), period)
        raise DataFileError([Issue("date", "rule", allowed_key=_A + "tx_two_periods",
                                   got_key=_F + "tx_span",
                                   params=(("first", str(shown[0])), ("last", str(shown[1]))),
                                   keyed_params=(("period", f"messages.period.{period}"),))])
    first, last = first[keep], last[keep]
    start = int(first.min())
    cohorts = complete - start                      # cohort offsets 0 .. cohorts-1
    ages = np.minimum(last, complete) - first       # last age active, capped at observation
    counts = np.zeros((cohorts, cohorts + 1), dtype=np.int64)
    np.add.at(counts, (first - start, ages), 1)
    active = counts[:, ::-1].cumsum(axis=1)[:, ::-1]   # active at age k = last age >= k
    labels, survivors = [], []
    for offset in range(cohorts):
        if active[offset, 0] == 0:
            continue
        observed = complete - (start + offset)      # ages 0 .. observed
        labels.append(str(period_labels(np.array([start + offset]), period)[0]))
        survivors.append(active[offset, :observed + 1].astype(float))
    return SurvivorTable(tuple(labels), tuple(survivors))
