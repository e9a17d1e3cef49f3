"""Small result tables (a dozen rows) drawn as plain HTML tables, every cell as the page shows it.

A page's result tables (the textbook tenure table, the aggregate retention row, the
dashboard's scorecard, the top-box table) are redrawn on every lever move. Drawn with
``st.dataframe`` (an interactive canvas grid) each one cost the browser 35-150 ms a
move (bench/bench_browser.py: the dashboard's last paint fell from 426 to 276 ms with
its scorecard as a static table) and a pandas Styler for the number format about 30 ms
of server time; ``st.table`` renders every cell as Markdown (a hundred Markdown
components on the CLV page, ~30 ms of the browser's script time a move). Here the
cells are formatted once, as text in the page's language (:func:`ui.i18n.fmt_number`,
the catalog's not-available text for a missing value), escaped, and drawn as one HTML
table (``st.html``): nothing in a cell is interpreted, figures are right-aligned in
tabular digits, words left-aligned.

Data tables that people sort or scroll (an upload's rows, a fit's activity matrix)
stay ``st.dataframe`` (:func:`fmt_table`).
"""

from __future__ import annotations

import html
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from ui.i18n import fmt_number, t

__all__ = ["TABLE_CSS", "cell_text", "text_frame", "table_html",
           "show_table", "fmt_table"]

TABLE_CSS = """
.numtable-box { overflow-x: auto; margin-bottom: 0.5rem; }
table.numtable { border-collapse: collapse; width: 100%; font-size: 0.875rem;
  font-variant-numeric: tabular-nums; }
table.numtable th, table.numtable td { border: 1px solid rgba(128, 128, 128, 0.25);
  padding: 0.3rem 0.5rem; line-height: 1.5; }
table.numtable th { text-align: right; font-weight: 400; opacity: 0.7; }
table.numtable tbody th, table.numtable th.text { text-align: left; }
table.numtable td { text-align: right; white-space: nowrap; }
table.numtable td.text { text-align: left; white-space: normal; }
"""
"""Style of the tables (part of :data:`ui.layout.PAGE_CSS`)."""


def cell_text(value: Any, decimals: int = 0) -> str:
    """One cell as shown: a number in the page's format with ``decimals`` places, the
    not-available text for a missing value, anything else as its text."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return t("common.not_available")
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return fmt_number(float(value), decimals)
    return str(value)


def _places(frame: pd.DataFrame, decimals: int | Mapping[Any, int]) -> list[int]:
    """Decimal places of each column of ``frame``: ``decimals`` for all, or per column
    (others 0)."""
    return [decimals.get(c, 0) if isinstance(decimals, Mapping) else decimals
            for c in frame.columns]


def text_frame(frame: pd.DataFrame, decimals: int | Mapping[Any, int] = 0) -> pd.DataFrame:
    """``frame`` with every cell as its text (:func:`cell_text`); ``decimals`` for all
    columns, or per column (others 0). The index and the columns' name are kept."""
    shown = pd.DataFrame({c: [cell_text(v, places) for v in frame[c].tolist()]
                          for c, places in zip(frame.columns, _places(frame, decimals),
                                               strict=True)}, index=frame.index)
    shown.columns.name = frame.columns.name
    return shown


def table_html(frame: pd.DataFrame, key: str, text_columns: Sequence[Any] = (),
               decimals: int | Mapping[Any, int] = 0) -> str:
    """``frame`` as an HTML table, each cell as :func:`text_frame` writes it (numbers with
    ``decimals`` places, text as it is): the index as row headers (its name, or the
    columns', heads them), the columns' names as the header row, every text escaped.
    ``data-key`` names the table (tests find it by it); ``text_columns`` are aligned left."""
    def esc(value: object) -> str:
        return html.escape(str(value), quote=True)

    words = {i for i, c in enumerate(frame.columns) if c in set(text_columns)}
    places = _places(frame, decimals)
    corner = frame.index.name or frame.columns.name or ""
    head = f'<th class="text">{esc(corner)}</th>' + "".join(
        f'<th class="text">{esc(c)}</th>' if i in words else f"<th>{esc(c)}</th>"
        for i, c in enumerate(frame.columns))
    rows = []
    for label, cells in zip(frame.index, frame.itertuples(index=False, name=None),
                            strict=True):
        tds = "".join(
            (f'<td class="text">{esc(text)}</td>' if i in words else f"<td>{esc(text)}</td>")
            for i, text in enumerate(v if isinstance(v, str) else cell_text(v, places[i])
                                     for i, v in enumerate(cells)))
        rows.append(f"<tr><th>{esc(label)}</th>{tds}</tr>")
    return (f'<div class="numtable-box"><table class="numtable" data-key="{esc(key)}">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def show_table(container: Any, frame: pd.DataFrame, *, key: str,
               decimals: int | Mapping[Any, int] = 0, text_columns: Sequence[Any] = ()) -> None:
    """Draw ``frame`` as a static table in ``container``.

    Args:
        container: where to draw it (``st``, a column…).
        frame: the table; its index is the first column (the row labels). Numbers are
            formatted here (:func:`cell_text`); string cells are shown as they are.
        key: the table's name on the page (its ``data-key``).
        decimals: decimal places, for all columns or per column.
        text_columns: columns of words rather than figures, aligned left.
    """
    container.html(table_html(frame, key, text_columns, decimals))


def fmt_table(frame: pd.DataFrame, decimals: int | Mapping[Any, int] = 0) -> Styler:
    """``frame`` for ``st.dataframe`` (a data table people sort), each cell shown as
    :func:`cell_text` writes it while keeping its value, so columns still sort as numbers."""
    formatters = {c: (lambda v, d=d: cell_text(v, d))
                  for c, d in zip(frame.columns, _places(frame, decimals), strict=True)}
    return frame.style.format(formatters)
