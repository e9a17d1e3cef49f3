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
        raise DataFileError([Issue("file", "size", allowed_key="validation.allowed.data_bytes",
                                   got_key="validation.found.data_bytes",
                                   params=(("max", f"{max_bytes:,}"),
                                           ("size", f"{len(data):,}")))])
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, encoding="utf-8-sig",
                            skipinitialspace=True, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataFileError([Issue("file", "csv", got=str(exc).splitlines()[0][:120],
                                   allowed_key="validation.allowed.data_csv")]) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        found = ", ".join(map(repr, frame.columns[:12]))
        raise DataFileError([Issue(c, "column", allowed_key="validation.allowed.data_column",
                                   got_key="validation.found.data_columns",
                                   params=(("name", repr(c)), ("columns", found)))
                             for c in missing])
    if frame.empty:
        raise DataFileError([Issue("file", "length", allowed_key="validation.allowed.data_row",
                                   got_key="validation.found.data_none")])
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
            issues.append(Issue("cohort", "length", allowed_key="validation.allowed.data_labels",
                                got_key="validation.found.data_labels",
                                params=(("labels", str(len(self.labels))),
                                        ("cohorts", str(len(self.survivors))))))
        for label, counts in zip(self.labels, self.survivors, strict=False):
            values = np.asarray(counts, dtype=float)
            where = f"customers[cohort {label}]"
            if values.ndim != 1 or len(values) < 2:
                issues.append(Issue(where, "length", allowed_key="validation.allowed.data_periods",
                                    got_key="validation.found.data_periods",
                                    params=(("n", str(values.size)),)))
            elif not np.all(np.isfinite(values)):
                issues.append(Issue(where, "nan", allowed_key="validation.allowed.data_finite",
                                    got_key="validation.found.data_not_finite"))
            elif np.any(values < 0):
                issues.append(Issue(where, "range", got=f"{values.min():g}",
                                    allowed_key="validation.allowed.data_non_negative"))
            elif values[0] <= 0:
                issues.append(Issue(where, "range", got=f"{values[0]:g}",
                                    allowed_key="validation.allowed.data_first_positive"))
            elif np.any(np.diff(values) > 0):
                age = int(np.argmax(np.diff(values) > 0)) + 1
                issues.append(Issue(f"{where}[period {age}]", "rule",
                                    allowed_key="validation.allowed.data_not_rising",
                                    got_key="validation.found.data_rise",
                                    params=(("before", f"{values[age - 1]:g}"),
                                            ("after", f"{values[age]:g}"))))
        if issues:
            raise DataFileError(issues)

    @property
    def periods(self) -> int:
        """The longest cohort's observed periods after period 0."""
        return max(len(s) for s in self.survivors) - 1
