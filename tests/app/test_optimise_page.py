"""AppTest: the Optimise page. The equity test's inputs edit the scenario and show
sim.equity_test's numbers (bad input explained, nothing changed); the whole-model optimiser
runs behind its button and shows sim.optimise's numbers; Apply makes an optimum the
scenario's levers, Undo restores them; English and Chinese."""

from __future__ import annotations

import dataclasses
import json

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from sim.equity_test import EquityTest, solve
from sim.library import load_preset
from sim.optimise import optimise
from tests.conftest import ROOT
from ui.i18n import fmt_money, fmt_money_short

APP = str(ROOT / "app.py")
PAGE = "pages/optimise.py"


def _open(lang: str = "en", preset: str = "whatif_today") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.session_state["preset"] = preset
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label_start: str):
    found = [m for m in at.metric if m.label.startswith(label_start)]
    assert found, [m.label for m in at.metric]
    return found[0]


def _levers(at: AppTest, first: str = "Lever"):
    """The optimiser's lever table (the dataframe whose first column is ``first``)."""
    found = [d.value for d in at.dataframe if d.value.columns[0] == first]
    assert found, [d.value.columns[0] for d in at.dataframe]
    return found[0]


def _current(at: AppTest):
    return at.session_state["current_scenario"].scenario


@pytest.mark.parametrize(("lang", "title", "add"), [
    ("en", "Optimise: where should the next dollar go?", "Add the test"),
    ("zh", "预算优化：下一笔钱该花在哪里?", "用示例输入添加检验")])
def test_run_the_equity_test(lang: str, title: str, add: str) -> None:
    at = _open(lang)
    assert at.title[0].value == title
    assert at.button(key="eq_add").label.startswith(add)
    at.button(key="eq_add").click().run()
    assert not at.exception
    assert _current(at).equity_test == EquityTest()
    result = solve(EquityTest())
    shown = [m.value for m in at.metric[:4]]
    o = result.optimum
    assert shown == [fmt_money(o.acquisition_spend, "USD"), fmt_money(o.retention_spend, "USD"),
                     fmt_money(o.customer_value, "USD"), fmt_money(o.equity_per_prospect, "USD")]
    check = at.success[0].value
    assert f"{result.marginal_acquisition_cost:,.6f}" in check
    assert f"{result.marginal_retention_cost:,.6f}" in check
    assert f"{o.customer_value:,.6f}" in check
    heat = at.get("vega_lite_chart")[0]
    assert json.loads(heat.proto.spec)["layer"][0]["mark"]["type"] == "rect"
    frames = {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pandas()
              for d in heat.proto.datasets}
    points = frames["points"].set_index("label")
    assert len(points) == 2                       # the optimum and the observed plan marked
    assert points.iloc[0]["x"] == pytest.approx(o.acquisition_spend)
    assert points.iloc[1]["y"] == pytest.approx(EquityTest().retention_spend)
    assert frames["cells"]["equity"].max() <= o.equity_per_prospect + 1e-9


def test_an_input_edits_the_scenario_and_bad_input_is_explained() -> None:
    at = _open()
    at.button(key="eq_add").click().run()
    at.number_input(key="eq_margin").set_value(150.0).run()
    assert not at.exception
    assert _current(at).equity_test.margin == 150.0
    expected = solve(dataclasses.replace(EquityTest(), margin=150.0)).optimum
    assert _metric(at, "Optimal acquisition spend").value == fmt_money(
        expected.acquisition_spend, "USD")
    # a ceiling below the observed rate is refused: the scenario keeps its value
    at.number_input(key="eq_retention_ceiling").set_value(50.0).run()
    assert not at.exception
    assert _current(at).equity_test.retention_ceiling == 0.85
    assert "Retention ceiling" in at.error[0].value and "above the observed rate" in \
        at.error[0].value
    assert at.number_input(key="eq_retention_ceiling").value == 85.0


def test_apply_and_undo_the_equity_optimum() -> None:
    at = _open()
    at.button(key="eq_add").click().run()
    at.button(key="eq_apply").click().run()
    assert not at.exception
    section = _current(at).equity_test
    optimum = solve(EquityTest()).optimum
    assert section.acquisition_spend == pytest.approx(optimum.acquisition_spend)
    assert section.retention_rate == pytest.approx(optimum.retention_rate)
    # the observed plan now is the optimum: same curves, same optimum, nothing left to gain
    again = solve(section)
    assert again.optimum.acquisition_spend == pytest.approx(optimum.acquisition_spend, rel=1e-9)
    assert at.button(key="eq_apply").disabled
    at.button(key="eq_undo").click().run()
    assert _current(at).equity_test == EquityTest()


def test_run_the_optimiser_apply_and_undo() -> None:
    at = _open()
    assert at.info, "the optimiser waits for its button"
    before = _current(at)
    at.button(key="opt_run").click().run()
    assert not at.exception, at.exception
    result = optimise(load_preset("whatif_today"))
    assert _metric(at, "NPV gain of the optimum").value == fmt_money_short(
        result.optimum.npv_gain, "USD")
    table = _levers(at)
    assert table.iloc[0, 2] == fmt_money(result.optimum.plan.budget_per_year, "USD", 0)
    at.button(key="opt_apply").click().run()
    assert not at.exception
    applied = _current(at)
    assert applied == result.optimum_scenario
    assert applied.acquisition.budget_per_year == result.optimum.plan.budget_per_year
    assert at.success, "the page says the optimum is applied"
    at.button(key="opt_undo").click().run()
    assert not at.exception
    assert _current(at) == before


def test_budget_cap_and_a_budget_below_every_fixed_cost() -> None:
    at = _open(preset="lesson_false_loyalty")
    at.toggle(key="opt_cap").set_value(True).run()
    at.number_input(key="opt_budget").set_value(1000.0).run()
    at.button(key="opt_run").click().run()
    assert not at.exception
    assert "fixed_cost_per_year" in at.error[0].value


def test_chinese_optimiser() -> None:
    at = _open("zh")
    at.button(key="opt_run").click().run()
    assert not at.exception
    assert _metric(at, "最优方案的净现值增量").value.endswith("万")
    assert _levers(at, "杠杆").columns[0] == "杠杆"


def test_every_chart_is_valid_vega_lite_and_renders() -> None:
    """The page's four charts (CE heat map, marginal costs, NPV surface, portfolios) are
    valid Vega-Lite with their data, and Vega draws each of them (vl-convert)."""
    import vl_convert
    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema import load_schema

    at = _open()
    at.button(key="eq_add").click().run()
    at.button(key="opt_run").click().run()
    charts = at.get("vega_lite_chart")
    assert len(charts) == 4
    schema = load_schema()
    for chart in charts:
        spec = json.loads(chart.proto.spec)
        validate_jsonschema(spec, schema, rootschema=schema)
        frames = {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pandas()
                  for d in chart.proto.datasets}
        assert frames and all(len(f) <= 5000 for f in frames.values())
        full = {**spec, "width": 600,
                "datasets": {name: json.loads(f.to_json(orient="records"))
                             for name, f in frames.items()}}
        assert "<svg" in vl_convert.vegalite_to_svg(full)


def test_optimiser_with_the_retention_lever_shows_and_applies_the_spend() -> None:
    """With a retention response curve the optimiser moves the retention spend too: the
    lever table shows it, the NPV surface runs over it, Apply writes it into the scenario."""
    at = _open(preset="whatif_retention_spend")
    at.button(key="opt_run").click().run()
    assert not at.exception, at.exception
    result = optimise(load_preset("whatif_retention_spend"))
    spend = result.optimum.plan.retention_spend
    assert spend is not None
    table = _levers(at)
    row = table[table.iloc[:, 0] == "Retention spend (per customer and period)"]
    assert row.iloc[0, 2] == fmt_money(spend, "USD", 2)
    assert any("retention spend" in c.value for c in at.caption)
    surface = next(c for c in at.get("vega_lite_chart")
                   if "Retention spend per customer and period" in c.proto.spec)
    assert "Acquisition budget" in surface.proto.spec
    at.button(key="opt_apply").click().run()
    assert not at.exception
    assert _current(at).retention_spend.spend == spend
    assert _current(at) == result.optimum_scenario
