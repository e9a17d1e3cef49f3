"""Reading a page's result tables (:func:`ui.tables.show_table`, HTML) back in AppTest."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.unit.report_html import tables

__all__ = ["shown_table", "shown_tables"]


def shown_tables(at: AppTest) -> dict[str, pd.DataFrame]:
    """Every result table the page shows, by its ``data-key``: the cell texts as shown,
    the row labels as the index (named by the corner cell), the header row as columns."""
    found = {}
    for element in at.get("html"):
        body = element.proto.html.body if hasattr(element.proto, "html") else element.proto.body
        if 'class="numtable"' not in body:
            continue
        key = body.split('data-key="', 1)[1].split('"', 1)[0]
        rows = tables(body)[0]
        head, cells = rows[0], rows[1:]
        frame = pd.DataFrame([row[1:] for row in cells], columns=head[1:],
                             index=pd.Index([row[0] for row in cells], name=head[0] or None))
        found[key] = frame
    return found


def shown_table(at: AppTest, key: str) -> pd.DataFrame:
    """The result table ``key`` (see :func:`shown_tables`)."""
    found = shown_tables(at)
    assert key in found, sorted(found)
    return found[key]
