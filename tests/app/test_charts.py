"""Every chart the pages draw is a valid Vega-Lite spec with its data.

The pages skip Altair's schema validation on every rerun (ui.charts.vega_lite_spec,
for speed); this test validates what each page actually sends to the browser.
"""

from __future__ import annotations

import json

import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema import load_schema
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGES = [("pages/clv.py", "textbook_five_cohorts", 3),
         ("pages/loyalty.py", "whatif_points_programme", 2),
         ("pages/dashboard.py", "whatif_crm_system", 2),
         ("pages/roi.py", "whatif_crm_system", 2),
         ("pages/compare.py", "whatif_points_programme", 5)]


@pytest.mark.parametrize("page,preset,count", PAGES, ids=[p[0] for p in PAGES])
def test_page_charts_are_valid_vega_lite(page: str, preset: str, count: int) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["preset"] = preset
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) == count
    schema = load_schema()
    for chart in charts:
        spec = json.loads(chart.proto.spec)
        validate_jsonschema(spec, schema, rootschema=schema)
        assert "width" not in spec.get("config", {}).get("view", {})
        assert chart.proto.datasets and all(d.data.data for d in chart.proto.datasets)
