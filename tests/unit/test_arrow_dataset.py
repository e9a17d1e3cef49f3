"""Chart data sent as Arrow tables built column by column (ui.charts.arrow_dataset)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc
from streamlit import dataframe_util

from ui.charts import arrow_dataset


def _sent(data: object) -> pa.Table:
    """The table the browser receives for ``data``."""
    return ipc.open_stream(dataframe_util.convert_anything_to_arrow_bytes(data)).read_all()


def test_the_browser_gets_the_table_streamlits_own_conversion_gives() -> None:
    frame = pd.DataFrame({"year": np.arange(1, 7), "series": ["Scenario"] * 3 + ["基线"] * 3,
                          "value": [1.5, np.nan, -2.0, 0.0, 1e12, 3.25],
                          "right": [True, False] * 3, "label": [None] * 6,
                          "rank": np.array([0, 0, 0, 1, 1, 1], dtype=np.int32),
                          "note": ["a", None, "c", "d", "e", "f"]})
    table = arrow_dataset(frame)
    assert isinstance(table, pa.Table)
    assert _sent(table).equals(_sent(frame).replace_schema_metadata(None))


def test_anything_but_numbers_flags_and_text_is_left_to_streamlit() -> None:
    for frame in (pd.DataFrame({"x": [1, "a"]}, dtype=object),
                  pd.DataFrame({"when": pd.to_datetime(["2026-01-01", "2026-02-01"])}),
                  pd.DataFrame([[1, 2]], columns=["a", "a"])):
        assert arrow_dataset(frame) is frame
    assert arrow_dataset([1, 2]) == [1, 2]
