"""Downloads: tables as CSV and as an Excel workbook, charts as PNG (bytes for st.download_button).

Exports keep full precision (DESIGN.md: numbers are rounded on screen only). Text cells
are data too: a scenario name such as ``=HYPERLINK("https://…")`` must not become a
formula when the file is opened in a spreadsheet (CSV/formula injection), so text that
a spreadsheet would evaluate gets a leading apostrophe (:func:`inert_text`).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import altair as alt
import pandas as pd
import vl_convert

from ui.charts import template_spec

__all__ = ["csv_bytes", "excel_bytes", "template_png", "EXCEL_MIME", "sheet_name",
           "inert_text", "inert_frame"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")

EXCEL_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def inert_text(value: object) -> object:
    """A text cell a spreadsheet will show, not evaluate: ``'`` before a leading ``= + - @``
    or control character; any other value (numbers, None) unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def inert_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell and text column name made inert (numbers untouched)."""
    out = frame.rename(columns=lambda c: inert_text(c) if isinstance(c, str) else c)
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(inert_text)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so spreadsheet programs read Chinese labels correctly)."""
    return inert_frame(frame).to_csv(index=False).encode("utf-8-sig")


def sheet_name(name: str) -> str:
    """A valid Excel sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"


def excel_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook with one sheet per table (openpyxl)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in tables.items():
            inert_frame(frame).to_excel(writer, sheet_name=sheet_name(name), index=False)
    return buffer.getvalue()


def template_png(builder: Callable[..., alt.TopLevelMixin], labels: tuple[Any, ...],
                 datasets: Mapping[str, pd.DataFrame], ppi: int = 144, width: int = 720) -> bytes:
    """A template chart (:func:`ui.charts.show_template_chart`) over ``datasets`` rendered to
    PNG (vl-convert), ``width`` pixels wide at 72 ppi: the chart the page shows."""
    records = {name: json.loads(frame.to_json(orient="records"))
               for name, frame in datasets.items()}
    spec = template_spec(builder, labels, records)
    spec["width"] = width
    return bytes(vl_convert.vegalite_to_png(spec, scale=ppi / 72))

