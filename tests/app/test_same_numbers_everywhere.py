"""One source of truth for the money: every shipped scenario shows the same NPV, ROI,
paybacks and CLV on the CLV page, the dashboard, the ROI page, in ``python -m sim run
--format json`` and in ``python -m sim compare`` (issue 10, "Done when").

The pages' strings are checked against the CLI's numbers passed through the pages' own
formatter, so a difference in any figure (not only in its rounding) fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sim.cli import main
from sim.finance import FinanceSummary
from tests.conftest import ROOT
from ui.i18n import load_catalog
from ui.kpi_format import format_kpi

APP = str(ROOT / "app.py")
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
EN = load_catalog("en")


def _cli(capsys, *args: str) -> dict:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def _shown(at: AppTest, label: str):
    matches = [m for m in at.metric if m.label == label]
    assert matches, (label, [m.label for m in at.metric])
    return matches[0]


def _expect(metric, key: str, value, reason, currency: str, short: bool = False) -> None:
    if value is None:
        assert metric.value == EN["kpi_value.missing"], (key, metric.value)
        assert metric.delta == EN[f"reason.{reason}"], (key, metric.delta)
    else:
        assert metric.value == format_kpi(key, value, currency, short=short), (key, value)


def _page(path: Path, page: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = "en"
    at.session_state["preset"] = path.stem
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_pages_cli_and_compare_show_the_same_money(path: Path, capsys) -> None:
    report = _cli(capsys, "run", str(path), "--format", "json", "--replications", "0")
    kpis, finance, money = report["kpis"], report["finance"], report["currency"]
    compared = _cli(capsys, "compare", str(path), str(path), "--format", "json")["kpis"]
    label = next(iter(compared["npv"]))
    for key in ("npv", "clv_net"):
        assert compared[key][label]["value"] == pytest.approx(kpis[key], rel=1e-12, abs=1e-9)
    for key in ("npv_delta", "roi", "payback_years", "discounted_payback_years"):
        assert compared[key][label]["value"] == pytest.approx(finance[key], rel=1e-12,
                                                              abs=1e-9) \
            if finance[key] is not None else compared[key][label]["value"] is None
        if finance[key] is None:
            assert compared[key][label]["reason"] == finance[FinanceSummary.REASON_KEYS[key]]

    clv_page = _page(path, None)
    _expect(_shown(clv_page, EN["clv.kpi_clv_net"]), "clv_net", kpis["clv_net"], "no_customers",
            money)

    dashboard = _page(path, "pages/dashboard.py")
    _expect(_shown(dashboard, EN["dashboard.kpi_clv"]), "clv_net", kpis["clv_net"],
            "no_customers", money)
    _expect(_shown(dashboard, EN["dashboard.kpi_npv"]), "npv", kpis["npv"], None, money,
            short=True)
    roi_page = _page(path, "pages/roi.py")
    for page in (dashboard, roi_page):
        _expect(_shown(page, EN["dashboard.kpi_roi"]), "roi", finance["roi"],
                finance["roi_reason"], money)
        for key in ("payback_years", "discounted_payback_years"):
            _expect(_shown(page, EN[f"kpi.{key}"]), key, finance[key],
                    finance[FinanceSummary.REASON_KEYS[key]], money)
    _expect(_shown(roi_page, EN["kpi.npv_delta"]), "npv_delta", finance["npv_delta"], None,
            money)

