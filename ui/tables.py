"""Small result tables (a dozen rows) drawn as static tables, every cell as the page shows it.

A page's result tables (the textbook tenure table, the aggregate retention row, the
dashboard's scorecard, the top-box table) are redrawn on every lever move. Drawn with
``st.dataframe`` (an interactive canvas grid) each one cost the browser 35-150 ms a
move (measured with bench/bench_browser.py: the dashboard's last paint fell from 426
to 276 ms with its scorecard as a static table), and a pandas Styler for the number
format cost the server about 30 ms more. Here the cells are formatted once, as text
in the page's language (:func:`ui.i18n.fmt_number`, the catalog's not-available text
for a missing value), and drawn with ``st.table``: an HTML table, as big and clear
as the page's text, with the figures right-aligned in tabular digits.

Data tables that people sort or scroll (an upload's rows, a fit's activity matrix)
stay ``st.dataframe``.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from ui.i18n import fmt_number, t

__all__ = ["TABLE_KEY_PREFIX", "TABLE_CSS", "cell_text", "text_frame", "show_table", "fmt_table"]

TABLE_KEY_PREFIX = "numtable-"
"""Prefix of the key of the container around each table (the style rule finds it by it)."""

TABLE_CSS = f"""
[class*="st-key-{TABLE_KEY_PREFIX}"] td {{
  text-align: right !important; font-variant-numeric: tabular-nums; white-space: nowrap;
}}
"""
"""Style of the tables (part of :data:`ui.layout.PAGE_CSS`): figures right-aligned."""


def cell_text(value: Any, decimals: int = 0) -> str:
    """One cell as shown: a number in the page's format with ``decimals`` places, the
    not-available text for a missing value, anything else as its text."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return t("common.not_available")
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return fmt_number(float(value), decimals)
    return str(value)


def text_frame(frame: pd.DataFrame, decimals: int | Mapping[Any, int] = 0) -> pd.DataFrame:
    """``frame`` with every cell as its text (:func:`cell_text`); ``decimals`` for all
    columns, or per column (others 0). The index is kept as it is."""
    places = {c: decimals.get(c, 0) if isinstance(decimals, Mapping) else decimals
              for c in frame.columns}
    return pd.DataFrame({c: [cell_text(v, places[c]) for v in frame[c].tolist()]
                         for c in frame.columns}, index=frame.index)


def show_table(container: Any, frame: pd.DataFrame, *, key: str,
               decimals: int | Mapping[Any, int] = 0, text_columns: Sequence[Any] = ()) -> None:
    """Draw ``frame`` as a static table in ``container``.

    Args:
        container: where to draw it (``st``, a column…).
        frame: the table; its index is the first column (the row labels). Numbers are
            formatted here (:func:`text_frame`); string cells are shown as they are.
        key: the table's name on the page (its container's key is
            ``numtable-<key>``; tests and the style rule find it by it).
        decimals: decimal places, for all columns or per column.
        text_columns: columns of words rather than figures, aligned left.
    """
    box = container.container(key=TABLE_KEY_PREFIX + key)
    shown = text_frame(frame, decimals)
    left = [shown.columns.get_loc(c) + 1 for c in text_columns]
    if left:
        # td:nth-of-type counts the data cells only (the row labels are th)
        cells = ", ".join(f".st-key-{TABLE_KEY_PREFIX}{key} td:nth-of-type({n})" for n in left)
        box.html(f"<style>{cells} {{ text-align: left !important; white-space: normal; }}</style>")
    box.table(shown)


def fmt_table(frame: pd.DataFrame, decimals: int | Mapping[Any, int] = 0) -> Styler:
    """``frame`` for ``st.dataframe`` (a data table people sort), each cell shown as
    :func:`cell_text` writes it while keeping its value, so columns still sort as numbers."""
    places = {c: decimals.get(c, 0) if isinstance(decimals, Mapping) else decimals
              for c in frame.columns}
    formatters = {c: (lambda v, d=d: cell_text(v, d)) for c, d in places.items()}
    return frame.style.format(formatters)
