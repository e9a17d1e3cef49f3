"""sim.frames.frame_of: the table pd.DataFrame builds, with the index given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.frames import frame_of


def test_the_same_table_as_pandas_builds() -> None:
    columns = {"year": np.arange(1, 4), "value": [1.0, np.nan, 3.0], "series": ["a", "b", "c"],
               "flag": np.array([True, False, True])}
    pd.testing.assert_frame_equal(frame_of(columns), pd.DataFrame(columns), check_exact=True)
    pd.testing.assert_frame_equal(frame_of({}), pd.DataFrame({}))
    pd.testing.assert_frame_equal(frame_of({"x": np.empty(0)}), pd.DataFrame({"x": np.empty(0)}))


def test_columns_of_different_lengths_are_refused_not_repeated() -> None:
    with pytest.raises(ValueError, match="different lengths"):
        frame_of({"a": np.arange(3), "b": np.arange(1)})


def test_numeric_columns_take_the_quick_path_and_are_copied() -> None:
    year, value = np.arange(3), np.array([1.5, 2.5, np.nan])
    frame = frame_of({"year": year, "value": value, "small": np.ones(3, dtype=np.int32)})
    pd.testing.assert_frame_equal(frame, pd.DataFrame({"year": year, "value": value,
                                                       "small": np.ones(3, dtype=np.int32)}),
                                  check_exact=True)
    year[0], value[0] = 99, 99.0            # the caller's arrays are not the table's
    assert frame["year"].tolist() == [0, 1, 2] and frame["value"].iloc[0] == 1.5


def test_each_table_has_its_own_column_labels() -> None:
    first, second = frame_of({"a": np.arange(2)}), frame_of({"a": np.arange(2)})
    first.columns.name = "Year"
    assert second.columns.name is None
