"""The user's own data files (CSV): reading them safely, and the tables the fits share.

A data file is untrusted input, like a scenario file: it is read with a size cap,
and every problem is reported as an :class:`sim.schema.Issue` naming the row and
column and what is expected (``path`` = ``column[row N]``, rows counted as a
spreadsheet shows them: the header is row 1), inside a :class:`DataFileError`
(a :class:`sim.schema.ScenarioError`, so the CLI and the pages report it the way
they report a broken scenario file, in both languages).

:class:`SurvivorTable` is what retention is fitted on: one or more cohorts, each
the customers still active at ages 0, 1, … (period 0 = the starting count), each
observed for as long as it has been observed (right-censored, as in a layer cake).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.schema import Issue, ScenarioError

__all__ = ["MAX_DATA_BYTES", "DataFileError", "SurvivorTable", "read_csv_bytes", "cell_path"]

MAX_DATA_BYTES = 200 * 1024 * 1024
"""Largest data file read (bytes): a transaction log of a few million rows."""


class DataFileError(ScenarioError):
    """A data file that cannot be used; ``issues`` name the row/column and what is expected."""


def cell_path(column: str, row: int | None = None) -> str:
    """The ``path`` of an issue in a data file: ``column`` or ``column[row N]`` (N counted as a
    spreadsheet does: the header is row 1, the first data row is row 2)."""
    return column if row is None else f"{column}[row {row}]"


def read_csv_bytes(data: bytes, required: tuple[str, ...] = (),
                   max_bytes: int = MAX_DATA_BYTES) -> pd.DataFrame:
    """Parse CSV bytes (UTF-8, optional BOM) into a frame of text columns, checked for size
    and for the ``required`` columns.

    Raises:
        DataFileError: over ``max_bytes``, not CSV, empty, or a required column missing
            (all missing columns listed).
    """
    if len(data) > max_bytes:
        raise DataFileError([Issue("file", "size", f"at most {max_bytes:,} bytes",
                                   f"{len(data):,} bytes")])
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, encoding="utf-8-sig",
                            skipinitialspace=True, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataFileError([Issue("file", "csv", "a UTF-8 CSV file with a header row",
                                   str(exc).splitlines()[0][:120])]) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataFileError([Issue(c, "column", "a column named " + repr(c),
                                   "columns " + ", ".join(map(repr, frame.columns[:12])))
                             for c in missing])
    if frame.empty:
        raise DataFileError([Issue("file", "length", "at least one data row", "none")])
    return frame


@dataclass(frozen=True)
class SurvivorTable:
    """Customers still active by age, for one or more cohorts.

    Attributes:
        labels: cohort names (e.g. acquisition year), one per cohort.
        survivors: per cohort, customers active at ages 0, 1, …, n (float array, the first
            entry the cohort's starting count); cohorts may have different lengths.
    """

    labels: tuple[str, ...]
    survivors: tuple[np.ndarray, ...]

    def __post_init__(self) -> None:
        issues = []
        if len(self.labels) != len(self.survivors) or not self.survivors:
            issues.append(Issue("cohort", "length", "one label per cohort, at least one cohort",
                                f"{len(self.labels)} labels, {len(self.survivors)} cohorts"))
        for label, counts in zip(self.labels, self.survivors, strict=False):
            values = np.asarray(counts, dtype=float)
            where = f"customers[cohort {label}]"
            if values.ndim != 1 or len(values) < 2:
                issues.append(Issue(where, "length", "counts at period 0 and at least period 1",
                                    f"{values.size} period(s)"))
            elif not np.all(np.isfinite(values)):
                issues.append(Issue(where, "nan", "finite numbers", "NaN or infinite"))
            elif np.any(values < 0):
                issues.append(Issue(where, "range", "0 or more customers",
                                    f"{values.min():g}"))
            elif values[0] <= 0:
                issues.append(Issue(where, "range", "more than 0 customers at period 0",
                                    f"{values[0]:g}"))
            elif np.any(np.diff(values) > 0):
                age = int(np.argmax(np.diff(values) > 0)) + 1
                issues.append(Issue(f"{where}[period {age}]", "rule",
                                    "no more customers than the period before (survivors "
                                    "cannot rise)", f"{values[age - 1]:g} then {values[age]:g}"))
        if issues:
            raise DataFileError(issues)

    @property
    def periods(self) -> int:
        """The longest cohort's observed periods after period 0."""
        return max(len(s) for s in self.survivors) - 1
