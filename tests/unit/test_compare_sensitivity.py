"""Comparison and sensitivity (sim/compare.py, sim/sensitivity.py) and their command line."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.cohort import run_cohort
from sim.compare import COMPARE_KPIS, compare, unique_labels
from sim.scenario import Scenario, replace_path, scenario_name
from sim.scenario_io import load
from sim.schema import iter_numeric_fields
from sim.sensitivity import absolute_step, grid_values, heat_map, sensitivity_levers, tornado
from sim.whatif import evaluate
from tests.conftest import ROOT

MAGAZINE = ROOT / "scenarios" / "textbook_magazine.toml"


def _cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


def test_compare_values_deltas_and_differences() -> None:
    book = load(MAGAZINE)
    lifted = replace_path(book, "retention.uplift_points", 2.0)
    lifted = replace_path(lifted, "name", "Lifted")
    result = compare([book, lifted], reference=0)
    book_label = scenario_name(book, "en")                  # labels: the English names
    table = result.kpi_table().set_index(["kpi", "scenario"])
    assert set(table.index.get_level_values(0)) == set(COMPARE_KPIS)
    assert table.loc[("clv_net", book_label), "value"] == pytest.approx(16.94, abs=0.01)
    assert table.loc[("clv_net", "Lifted"), "delta"] == pytest.approx(21.99 - 16.94, abs=0.01)
    assert table.loc[("clv_net", book_label), "delta"] == 0
    # delta_pct is a percentage (issue 10: it used to be a fraction): +5.05 / 16.94 = +29.8 %.
    assert table.loc[("clv_net", "Lifted"), "delta_pct"] == pytest.approx(100 * 5.05 / 16.94,
                                                                           abs=0.1)
    differs = result.differences()
    assert list(differs["field"]) == ["retention.uplift_points"]
    assert list(differs.iloc[0, 2:]) == [0.0, 2.0]
    assert table.loc[("roi", book_label), "value"] is None or pd.isna(
        table.loc[("roi", book_label), "value"])          # no incremental cost: undefined
    # ... and says why, so "no investment" and "never" are told apart.
    assert table.loc[("payback_years", book_label), "reason"] == "no_investment"
    assert table.loc[("clv_net", book_label), "reason"] is None
    report = result.report()["kpis"]
    assert report["payback_years"][book_label] == {"value": None, "delta": None,
                                                   "delta_pct": None, "reason": "no_investment"}
    assert report["clv_net"]["Lifted"]["delta_pct"] == pytest.approx(29.8, abs=0.1)


def test_compare_tells_never_from_no_investment() -> None:
    crm = load(ROOT / "scenarios" / "whatif_crm_system.toml")
    result = compare([load(MAGAZINE), crm], reference=0)
    assert result.value(1, "payback_years") is None
    assert result.reason(1, "payback_years") == "not_within_horizon"
    assert result.reason(0, "payback_years") == "no_investment"


def test_compare_agrees_with_evaluate_for_every_scenario() -> None:
    files = sorted((ROOT / "scenarios").glob("whatif_*.toml"))[:6]
    scenarios = [load(f) for f in files]
    result = compare(scenarios, reference=2)
    for i, scenario in enumerate(scenarios):
        w = evaluate(scenario, replications=0)
        assert result.value(i, "npv") == pytest.approx(w.result.kpis["npv"])
        assert result.value(i, "npv_delta") == pytest.approx(w.finance.npv_delta)
        for key in ("roi", "payback_years", "discounted_payback_years"):
            assert result.value(i, key) == w.finance.value(key)
            assert result.reason(i, key) == w.finance.reason(key)
    assert result.labels[result.reference] == scenario_name(scenarios[2], "en")


def test_compare_rejects_bad_counts_and_references() -> None:
    with pytest.raises(ValueError, match="2 to 6"):
        compare([Scenario()])
    with pytest.raises(ValueError, match="2 to 6"):
        compare([Scenario()] * 7)
    with pytest.raises(ValueError, match="reference"):
        compare([Scenario(), Scenario()], reference=2)


def test_labels_are_made_unique() -> None:
    assert unique_labels(["a", "b", "a", "a"]) == ["a", "b", "a (2)", "a (3)"]
    assert compare([Scenario(), Scenario()]).labels == ["Untitled scenario",
                                                        "Untitled scenario (2)"]


def test_identical_scenarios_have_no_differences_and_zero_deltas() -> None:
    result = compare([load(MAGAZINE), load(MAGAZINE)])
    assert result.differences().empty
    deltas = result.kpi_table()["delta"].dropna()
    assert (deltas == 0).all()


def test_tornado_moves_each_lever_by_the_step_and_ranks_by_elasticity() -> None:
    scenario = load(MAGAZINE)
    frame = tornado(scenario, 0.1)
    elasticity = frame["npv_elasticity"].abs()
    assert list(elasticity.dropna()) == sorted(elasticity.dropna(), reverse=True)
    row = frame.set_index("field").loc["pricing.renewal_price"]
    assert row["step_kind"] == "relative" and row["step"] == 0.1
    assert row["low_value"] == pytest.approx(75.9 * 0.9)
    assert row["high_value"] == pytest.approx(75.9 * 1.1)
    expected = run_cohort(replace_path(scenario, "pricing.renewal_price", 75.9 * 1.1)).kpis["npv"]
    assert row["npv_high"] == pytest.approx(expected)
    # A programme switched off has no effect here; it is listed, with a zero swing.
    assert frame.set_index("field").loc["programmes.points.cost_per_member_year", "npv_swing"] == 0
    by_swing = tornado(scenario, 0.1, order="swing")
    assert list(by_swing["npv_swing"]) == sorted(by_swing["npv_swing"], reverse=True)
    with pytest.raises(ValueError):
        tornado(scenario, 0.1, order="size")  # type: ignore[arg-type]


def test_retention_uplift_at_zero_moves_by_one_point_and_has_a_retention_elasticity() -> None:
    scenario = load(MAGAZINE)
    base = run_cohort(scenario)
    row = tornado(scenario).set_index("field").loc["retention.uplift_points"]
    assert row["step_kind"] == "absolute" and row["step"] == 1.0
    assert (row["low_value"], row["high_value"]) == (-1.0, 1.0)
    up = run_cohort(replace_path(scenario, "retention.uplift_points", 1.0)).kpis["npv"]
    down = run_cohort(replace_path(scenario, "retention.uplift_points", -1.0)).kpis["npv"]
    assert row["npv_low"] == pytest.approx(down) and row["npv_high"] == pytest.approx(up)
    assert row["npv_per_unit"] == pytest.approx((up - down) / 2)   # USD per percentage point
    tenure = base.tenure
    mean_rate = (tenure["customers"] * tenure["renewal_rate"]).sum() / tenure["customers"].sum()
    assert row["elasticity_basis"] == "rate"
    assert row["basis_value"] == pytest.approx(100 * mean_rate)
    assert row["npv_elasticity"] == pytest.approx(
        ((up - down) / base.kpis["npv"]) / (2 / (100 * mean_rate)))


@pytest.mark.parametrize("name", ["textbook_magazine", "baseline"])
def test_retention_ranks_first_or_second(name) -> None:
    """Gupta, Lehmann & Stuart (2004): retention is the lever with the largest elasticity."""
    frame = tornado(load(ROOT / "scenarios" / f"{name}.toml"))
    assert "retention.uplift_points" in list(frame["field"])[:2]


def test_elasticity_of_a_linear_lever_is_exact() -> None:
    # NPV is linear in the acquisition cost and the first-year price of 1,000 subscribers.
    scenario = load(MAGAZINE)
    npv = run_cohort(scenario).kpis["npv"]
    frame = tornado(scenario, 0.2).set_index("field")
    elasticity = frame["npv_elasticity"]
    assert elasticity["pricing.acquisition_cost"] == pytest.approx(-50 * 1000 / npv)
    assert elasticity["pricing.first_year_price"] == pytest.approx(35.9 * 1000 / npv)
    assert frame.loc["pricing.first_year_price", "npv_per_unit"] == pytest.approx(1000)
    assert frame.loc["pricing.first_year_price", "elasticity_basis"] == "value"


def test_a_lever_at_zero_gets_an_absolute_step_and_an_effect_per_unit() -> None:
    scenario = replace_path(load(MAGAZINE), "pricing.acquisition_cost", 0.0)
    row = tornado(scenario).set_index("field").loc["pricing.acquisition_cost"]
    assert row["step_kind"] == "absolute" and row["step"] == 1.0       # 1 USD
    assert (row["low_value"], row["high_value"]) == (0.0, 1.0)         # clipped at 0
    assert row["elasticity_basis"] == "none" and np.isnan(row["npv_elasticity"])
    assert row["npv_per_unit"] == pytest.approx(-1000)                 # 1,000 subscribers


def test_absolute_steps_by_unit() -> None:
    specs = {path: spec for path, spec, _ in iter_numeric_fields(Scenario())}
    assert absolute_step(specs["retention.uplift_points"]) == 1.0
    assert absolute_step(specs["finance.discount_rate"]) == 0.01
    assert absolute_step(specs["retention.constant"]) == 0.01
    assert absolute_step(specs["satisfaction.service_quality"]) == pytest.approx(0.04)
    assert absolute_step(specs["pricing.renewal_price"]) == 1.0


def test_tornado_clips_to_the_allowed_range() -> None:
    scenario = replace_path(Scenario(), "retention.model", "constant")
    scenario = replace_path(scenario, "retention.constant", 0.95)
    row = tornado(scenario, 0.5).set_index("field").loc["retention.constant"]
    assert row["high_value"] == 1.0 and row["low_value"] == pytest.approx(0.475)


def test_tornado_over_every_lever_of_every_preset_has_finite_results() -> None:
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        scenario = load(path)
        frame = tornado(scenario)
        relative, absolute = sensitivity_levers(scenario)
        assert sorted(frame["field"]) == sorted(lv.path for lv in relative + absolute)
        assert "retention.uplift_points" in set(frame["field"])
        assert frame[["npv_low", "npv_high", "clv_net_low", "clv_net_high",
                      "npv_per_unit"]].notna().all().all()


def test_heat_map_grid_and_errors() -> None:
    scenario = load(MAGAZINE)
    grid = heat_map(scenario, "pricing.renewal_price", "finance.discount_rate", 0.2, 5)
    assert len(grid) == 25
    centre = grid[np.isclose(grid["x"], 75.9) & np.isclose(grid["y"], 0.15)]
    assert centre["value"].iloc[0] == pytest.approx(run_cohort(scenario).kpis["npv"])
    # higher renewal price never lowers NPV at a fixed discount rate
    for _, column in grid.groupby("y"):
        assert column.sort_values("x")["value"].is_monotonic_increasing
    with pytest.raises(ValueError):
        heat_map(scenario, "pricing.renewal_price", "pricing.renewal_price")
    with pytest.raises(ValueError):
        heat_map(scenario, "retention.uplift_points", "finance.discount_rate")
    lever = next(lv for lv in sensitivity_levers(scenario)[0] if lv.path == "finance.discount_rate")
    assert grid_values(lever, 0.2, 5) == pytest.approx([0.12, 0.135, 0.15, 0.165, 0.18])


def test_cli_compare_prints_the_same_figures_as_the_library() -> None:
    files = [str(ROOT / "scenarios" / f"{n}.toml") for n in ("whatif_today", "whatif_affinity")]
    code, out = _cli("compare", *files, "--reference", files[1], "--format", "json")
    assert code == 0
    report = json.loads(out)
    expected = compare([load(f) for f in files], reference=1)
    assert report["reference"] == expected.labels[1]
    for label in expected.labels:
        i = expected.labels.index(label)
        assert report["kpis"]["npv"][label]["value"] == pytest.approx(expected.value(i, "npv"))
    code, out = _cli("compare", *files, "--format", "csv")
    assert code == 0 and out.startswith("kpi,scenario,value,delta,delta_pct")
    code, out = _cli("compare", *files)
    assert code == 0 and "What differs" in out and "programmes.affinity.enabled" in out


def test_cli_compare_and_sensitivity_usage_errors(capsys) -> None:
    assert main(["compare", str(MAGAZINE)]) == 2
    assert main(["compare", str(MAGAZINE), str(MAGAZINE), "--reference", "other.toml"]) == 2
    assert main(["compare", str(MAGAZINE), str(ROOT / "missing.toml")]) == 1
    assert main(["sensitivity", str(MAGAZINE), "--step", "0"]) == 2
    err = capsys.readouterr().err
    assert "2 to 6 files" in err and "--reference" in err and "missing.toml" in err


def test_cli_sensitivity_matches_the_library() -> None:
    code, out = _cli("sensitivity", str(MAGAZINE), "--step", "0.2", "--format", "json")
    assert code == 0
    report = json.loads(out)
    frame = tornado(load(MAGAZINE), 0.2)
    assert [row["field"] for row in report["levers"]] == list(frame["field"])
    assert [row["npv_swing"] for row in report["levers"]] == pytest.approx(list(frame["npv_swing"]))
    assert report["levers"][0]["npv_elasticity"] == pytest.approx(frame["npv_elasticity"].iloc[0])
    code, out = _cli("sensitivity", str(MAGAZINE))
    assert code == 0 and "retention.uplift_points ±1 percentage points" in out
    rows = out[out.index("\n\n") + 2:].splitlines()
    assert "npv_elasticity" in rows[0] and rows[1].split()[0] == "retention.uplift_points"
    code, out = _cli("sensitivity", str(MAGAZINE), "--sort", "swing", "--format", "csv")
    assert code == 0 and out.splitlines()[1].startswith("pricing.renewal_price,")
    assert "npv_elasticity" in out.splitlines()[0] and "npv_per_unit" in out.splitlines()[0]
