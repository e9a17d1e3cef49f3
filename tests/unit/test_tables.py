"""The page's result tables (ui.tables): cells as shown, escaped, figures right-aligned."""

from __future__ import annotations

import pandas as pd

from tests.unit.report_html import tables
from ui.tables import table_html, text_frame


def test_cells_are_the_pages_numbers_and_missing_values_the_not_available_text() -> None:
    frame = pd.DataFrame({"count": [1234.4, None], "rate": [61.94, float("nan")],
                          "word": ["a", "b"]}, index=pd.Index(["1", "Total"], name="Year"))
    shown = text_frame(frame, {"rate": 1})
    assert shown.to_dict(orient="list") == {"count": ["1,234", "–"], "rate": ["61.9", "–"],
                                            "word": ["a", "b"]}
    assert list(shown.index) == ["1", "Total"] and shown.index.name == "Year"


def test_the_html_table_escapes_every_text_and_aligns_words_left() -> None:
    frame = pd.DataFrame({"<b>figure</b>": ["1,000"], "note": ['<img src=x onerror="1">']},
                         index=pd.Index(["row & co"], name="Label"))
    html = table_html(frame, "demo", text_columns=["note"])
    assert "<b>" not in html and "<img" not in html
    assert tables(html)[0] == [["Label", "<b>figure</b>", "note"],
                               ["row & co", "1,000", '<img src=x onerror="1">']]
    assert '<td>1,000</td>' in html and '<td class="text">&lt;img' in html
    assert 'data-key="demo"' in html


def test_the_corner_names_the_columns_of_a_transposed_table() -> None:
    frame = pd.DataFrame({"1": [10.0], "2": [20.0]}, index=["Customers"])
    frame.columns.name = "Year"
    assert tables(table_html(text_frame(frame), "t"))[0][:2] == [["Year", "1", "2"],
                                                                ["Customers", "10", "20"]]


def test_numbers_are_formatted_in_the_table_as_text_frame_formats_them() -> None:
    """show_table formats the cells while it writes the table (no text copy of the frame):
    the same text as :func:`text_frame`, cell for cell."""
    frame = pd.DataFrame({"count": [1234.4, None, 7], "rate": [61.94, float("nan"), 0.05],
                          "int": pd.array([1, 2, None], dtype="Int64"),
                          "word": ["a", "<b>", "c"]},
                         index=pd.Index(["1", "2", "Total"], name="Year"))
    for decimals in (0, 2, {"rate": 1}):
        direct = table_html(frame, "t", ["word"], decimals)
        assert direct == table_html(text_frame(frame, decimals), "t", ["word"])
        assert "1,234" in direct and "–" in direct
