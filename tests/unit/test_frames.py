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
