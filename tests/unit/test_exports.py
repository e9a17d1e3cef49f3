"""Downloads: CSV, Excel (one sheet per table, full precision) and PNG bytes."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from sim.scenario_io import load
from sim.whatif import evaluate
from tests.conftest import ROOT
from ui.exports import csv_bytes, excel_bytes, sheet_name, template_png
from ui.whatif_charts import band_chart, band_data


def test_excel_has_one_sheet_per_table_with_full_precision() -> None:
    w = evaluate(load(ROOT / "scenarios" / "textbook_magazine.toml"), replications=0)
    tables = {"yearly": w.result.yearly, "tenure/cohort": w.result.tenure}
    book = pd.read_excel(io.BytesIO(excel_bytes(tables)), sheet_name=None)
    assert list(book) == ["yearly", "tenure_cohort"]
    assert book["yearly"]["revenue"].tolist() == pytest.approx(w.result.yearly["revenue"].tolist(),
                                                               rel=1e-14)
    assert sheet_name("a" * 40) == "a" * 31


def test_csv_round_trip_and_bom() -> None:
    frame = pd.DataFrame({"年份": [1, 2], "value": [0.1234567891234, 2.5]})
    data = csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["value"].tolist() == frame["value"].tolist()
    assert list(back.columns) == ["年份", "value"]


def test_png_of_a_chart() -> None:
    frame = pd.DataFrame({"year": [1, 2, 1, 2], "run": ["scenario"] * 2 + ["baseline"] * 2,
                          "expected": [1.0, 2.0, 1.5, 2.5], "p10": [0.5, 1.5, 1.0, 2.0],
                          "p90": [1.5, 2.5, 2.0, 3.0]})
    data = template_png(band_chart, ("title", "x", "y", "legend", ("a", "b")),
                        band_data(frame, {"scenario": "a", "baseline": "b"}))
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000


def test_text_cells_never_become_spreadsheet_formulas() -> None:
    """A scenario label like ``=HYPERLINK(…)`` is exported as text (issue 11: user text is
    data in exports too); numbers, including negative ones, stay numbers."""
    from openpyxl import load_workbook

    from ui.exports import inert_text

    evil = '=HYPERLINK("https://example.com","x")'
    frame = pd.DataFrame({"scenario": [evil, "+1", "@SUM(A1)", "-2", "plain"],
                          "value": [-1.5, 2.0, 3.0, -4.0, 5.0]})
    text = csv_bytes(frame).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n'+1," in text and "\n'@SUM" in text
    assert "\n'-2," in text and "\nplain,5.0" in text and ",-1.5" in text
    book = load_workbook(io.BytesIO(excel_bytes({"t": frame})))
    cells = [row[0].value for row in book["t"].iter_rows(min_row=2)]
    assert cells[0] == "'" + evil and book["t"]["A2"].data_type == "s"
    assert [row[1].value for row in book["t"].iter_rows(min_row=2)] == [-1.5, 2, 3, -4, 5]
    assert inert_text(-3.0) == -3.0 and inert_text(None) is None
