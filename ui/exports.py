"""Downloads: tables as CSV and as an Excel workbook, charts as PNG (bytes for st.download_button).

Exports keep full precision (DESIGN.md: numbers are rounded on screen only).
"""

from __future__ import annotations

import io
import re

import altair as alt
import pandas as pd

__all__ = ["csv_bytes", "excel_bytes", "png_bytes", "EXCEL_MIME", "sheet_name"]

EXCEL_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so spreadsheet programs read Chinese labels correctly)."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def sheet_name(name: str) -> str:
    """A valid Excel sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"


def excel_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook with one sheet per table (openpyxl)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in tables.items():
            frame.to_excel(writer, sheet_name=sheet_name(name), index=False)
    return buffer.getvalue()


def png_bytes(chart: alt.TopLevelMixin, ppi: int = 144, width: int = 720) -> bytes:
    """A chart rendered to PNG (vl-convert, no browser needed), ``width`` pixels wide at 72 ppi."""
    buffer = io.BytesIO()
    chart.properties(width=width).save(buffer, format="png", ppi=ppi)
    return buffer.getvalue()
