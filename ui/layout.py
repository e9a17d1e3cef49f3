"""Layout helpers shared by the pages: table heights that show every row, the page CSS."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ui.tables import TABLE_CSS

__all__ = ["ROW_HEIGHT", "table_height", "column_widths", "PAGE_CSS", "apply_page_css"]

ROW_HEIGHT = 35
"""Height of one row (and of the header) of ``st.dataframe`` (px, Streamlit's default)."""


def table_height(rows: int, max_rows: int = 20) -> int:
    """Height (px) at which ``st.dataframe`` shows ``rows`` rows and its header without a
    scroll bar (up to ``max_rows``; longer tables scroll)."""
    return ROW_HEIGHT * (min(rows, max_rows) + 1) + 3


def column_widths(columns: Sequence[Any], widths: Sequence[int]) -> dict[Any, Any]:
    """``st.dataframe`` column config giving ``columns`` the ``widths`` (px; the last width
    repeats for the remaining columns), each header's full text in its tooltip: a table of
    many scenarios stays within the page instead of scrolling sideways."""
    import streamlit as st

    return {column: st.column_config.Column(width=widths[min(i, len(widths) - 1)],
                                            help=str(column))
            for i, column in enumerate(columns)}


PAGE_CSS = """<style>
/* A metric's label wraps instead of being cut with an ellipsis (four tiles to a row at
   1440 px, two on a phone; the labels are sentences in English and in Chinese). */
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  height: auto !important;
}
""" + TABLE_CSS + """</style>"""
"""The app's few style rules (tests/e2e/test_layout.py checks what they are for)."""


def apply_page_css() -> None:
    """Add :data:`PAGE_CSS` to the page (``st.html`` with only a style block draws nothing)."""
    import streamlit as st

    st.html(PAGE_CSS)
