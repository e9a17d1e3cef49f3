"""AppTest: the "Your data" page: sample data fitted, bad files refused, use in a scenario."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from sim.cohort import run_cohort
from sim.data_scenario import fit_clv, fit_lifetime, fitted_scenario, log_economics
from sim.library import load_preset
from sim.purchase_models import fit_bgnbd, summary_from_log
from sim.retention_fit import fit_retention, read_survivor_csv
from sim.sample_data import sample_data, survivors_csv
from sim.transactions import (
    TIERS,
    cohort_activity,
    read_transactions,
    rfm_table,
    segment_summary,
    weighted_tiers,
)
from tests.conftest import ROOT
from ui.charts import MAX_CHART_ROWS
from ui.i18n import fmt_money
from ui.your_data import DEFAULT_LEVEL_SCORE, SAMPLE_CUSTOMERS, level_key
from ui.your_data_charts import (
    p_alive_chart,
    share_bars_chart,
    survival_fit_chart,
)

APP = str(ROOT / "app.py")
PRESET = "textbook_magazine"


def _open(lang: str = "en", preset: str = PRESET) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.session_state["preset"] = preset
    at.run()
    at.switch_page("pages/your_data.py").run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, [m.label for m in at.metric]
    return found[0]


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("USD", "").replace("%", "").strip())


@pytest.fixture(scope="module")
def sample():
    scenario = load_preset(PRESET)
    return scenario, sample_data(scenario, max_customers=SAMPLE_CUSTOMERS)


def test_sample_retention_fit_shows_the_sim_numbers(sample) -> None:
    scenario, data = sample
    at = _open()
    assert at.title[0].value == "Start from your own data"
    table = read_survivor_csv(survivors_csv(data.survivors))
    fit = fit_retention(table, "sbg")
    assert _number(_metric(at, "α (alpha)")) == round(fit.params["alpha"], 3)
    assert _number(_metric(at, "β (beta)")) == round(fit.params["beta"], 3)
    assert _number(_metric(at, "Log-likelihood")) == round(fit.log_likelihood, 2)
    assert _number(_metric(at, "AIC")) == round(fit.aic, 2)
    low, high = fit.intervals["alpha"]
    assert f"90 % interval: {low:.3f} to {high:.3f}" in [c.value for c in at.caption]
    margin = scenario.pricing.renewal_price - scenario.pricing.variable_cost
    discount = scenario.finance.discount_rate
    assert _number(_metric(at, "DEL (periods)")) == round(fit_lifetime(fit, discount), 3)
    assert _metric(at, "Whole-life CLV") == fmt_money(fit_clv(fit, margin, discount), "USD")
    # The chart: actual, fitted and constant retention over named datasets.
    chart = next(c for c in at.get("vega_lite_chart") if c.proto.id.endswith("data_fit_chart")
                 or "Share of a cohort" in c.proto.spec)
    spec = json.loads(chart.proto.spec)
    assert spec["title"] == "Share of a cohort still active: actual, fitted, constant retention"

    at.selectbox(key="data_model").set_value("bdw").run()
    assert not at.exception, at.exception
    bdw = fit_retention(table, "bdw")
    assert _number(_metric(at, "c (Weibull shape)")) == round(bdw.params["c"], 3)
    assert _number(_metric(at, "AIC")) == round(bdw.aic, 2)

    at.selectbox(key="data_model").set_value("sbg").run()
    holdout = next(n for n in at.number_input if n.key.startswith("data_holdout_"))
    holdout.set_value(4).run()
    assert not at.exception, at.exception
    held = fit_retention(table, "sbg", holdout=4)
    assert _number(_metric(at, "α (alpha)")) == round(held.params["alpha"], 3)
    errors = held.holdout.errors()
    note = next(i.value for i in at.info if i.value.startswith("Holdout"))
    assert f"{errors['mape']:.1f} %" in note and f"{errors['mape_constant']:.1f} %" in note


def test_sample_transactions_show_the_sim_numbers(sample) -> None:
    _scenario, data = sample
    at = _open()
    log = read_transactions(data.log_csv, "customer_id", "date", "amount")
    segments = segment_summary(rfm_table(log, data.observation_date))
    table = next(df.value for df in at.dataframe if "Segment" in df.value.columns)
    assert table["Customers"].tolist() == segments["customers"].tolist()
    assert table["Spend (USD)"].tolist() == pytest.approx(segments["total_spend"].tolist())
    summary = summary_from_log(log, data.observation_date, "week")
    bg = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    text = next(m.value for m in at.markdown if m.value.startswith("BG/NBD"))
    assert f"r = {bg.model.r:,.3f}" in text and f"b = {bg.model.b:,.3f}" in text
    activity = next(df.value for df in at.dataframe if "Cohort" in df.value.columns)
    expected = cohort_activity(log, "year", data.observation_date)
    assert activity.iloc[0, 1:].tolist() == expected.survivors[0].tolist()
    # Tier x stage: every customer once.
    tiers = next(df.value for df in at.dataframe if "All" in df.value.columns)
    assert tiers["All"].sum() == data.customers


@pytest.mark.parametrize("lang,message", [
    ("en", "The points must add up to 100; they add up to 90."),
    ("zh", "各项分值之和必须为 100 分；现在为 90 分。")])
def test_points_must_add_up_to_100(lang: str, message: str) -> None:
    at = _open(lang)
    at.number_input(key="data_points_monetary").set_value(30).run()
    assert not at.exception, at.exception
    assert any(e.value.startswith(message) for e in at.error), [e.value for e in at.error]
    assert not any("All" in df.value.columns or "合计" in df.value.columns for df in at.dataframe)


@pytest.mark.parametrize("lang,data,needles", [
    ("en", b"period,customers\n0,100\n1,120\n2,90\n",
     ("`customers[row 3]`", "then 120", "survivors cannot rise")),
    ("zh", b"period,customers\n0,100\n1,80\n2,abc\n",
     ("`customers[row 4]`", "类型错误", "`'abc'`"))])
def test_bad_survivor_file_lists_its_problems_and_changes_nothing(lang, data, needles) -> None:
    at = _open(lang)
    before = at.session_state["current_scenario"].scenario
    at.radio(key="data_source_retention").set_value("upload").run()
    at.file_uploader(key="data_upload_retention").upload("bad.csv", data, "text/csv").run()
    assert not at.exception, at.exception
    heading = "cannot be used: 1 problem(s)" if lang == "en" else "无法使用：共 1 个问题"
    assert any("bad.csv" in e.value and heading in e.value for e in at.error), at.error
    listed = " ".join(m.value for m in at.markdown)
    for needle in needles:
        assert needle in listed, listed[:400]
    assert at.session_state["current_scenario"].scenario == before
    assert at.session_state["base_scenario"] == before
    assert not any(b.key == "data_use_retention" for b in at.button)


def test_bad_transaction_log_names_rows_and_columns() -> None:
    at = _open("zh")
    at.radio(key="data_source_transactions").set_value("upload").run()
    at.file_uploader(key="data_upload_transactions").upload(
        "log.csv", b"customer_id,date,amount\nA,2024-01-05,10\nB,05/01/2024,-3\n",
        "text/csv").run()
    assert not at.exception, at.exception
    assert any("log.csv" in e.value and "2 个问题" in e.value for e in at.error)
    listed = " ".join(m.value for m in at.markdown)
    assert "date[row 3]" in listed and "amount[row 3]" in listed
    assert "类型错误" in listed and "超出范围" in listed       # in Chinese


def test_use_in_scenario_loads_the_fit_and_the_clv_page_runs_it(sample) -> None:
    _scenario, data = sample
    at = _open()
    base = load_preset(PRESET)
    table = read_survivor_csv(survivors_csv(data.survivors))
    expected = fitted_scenario(base, "sample_survivors.csv", fit=fit_retention(table, "sbg"))
    at.button(key="data_use_retention").click().run()
    assert not at.exception, at.exception
    current = at.session_state["current_scenario"].scenario
    assert current == expected and at.session_state["base_scenario"] == expected
    assert current.retention.model == "sbg"
    assert any(s.value.startswith("`Textbook: magazine publisher (one cohort) — fitted from")
               for s in at.success)
    assert any(d.key == "data_dl_scenario_retention" for d in at.get("download_button"))
    # The sample stays the one drawn from the scenario it was first shown for, and the same
    # fit again would give the same scenario: the button is off.
    assert at.session_state["data_sample_of"] == base
    assert at.button(key="data_use_retention").disabled
    at.switch_page("pages/clv.py").run()
    assert not at.exception, at.exception
    clv = run_cohort(expected).kpis["clv_gross"]
    assert _metric(at, "Lifetime value per acquired customer") == fmt_money(clv, "USD")


def test_use_in_scenario_from_the_log(sample) -> None:
    _scenario, data = sample
    at = _open()
    base = load_preset(PRESET)
    log = read_transactions(data.log_csv, "customer_id", "date", "amount")
    economics = log_economics(log, data.observation_date)
    fit = fit_retention(cohort_activity(log, "year", data.observation_date), "sbg")
    expected = fitted_scenario(base, "sample_transactions.csv", fit=fit, economics=economics,
                               variable_cost=base.pricing.variable_cost)
    at.button(key="data_use_transactions").click().run()
    assert not at.exception, at.exception
    current = at.session_state["current_scenario"].scenario
    assert current == expected
    assert current.acquisition.per_year == economics.acquired_per_year
    assert current.pricing.renewal_price == economics.renewal_revenue


def test_chart_builders_validate_and_stay_small(sample) -> None:
    for chart in (survival_fit_chart("t", "x", "y", "l", ("a", "b", "c")),
                  share_bars_chart("t", "x", "y", "l", ("A", "B")),
                  p_alive_chart("t", "x", "y")):
        chart.to_dict()                                     # schema-valid
    assert MAX_CHART_ROWS >= 3 * 61


# ------------------------------------------------------------------ text attributes in the tiers

TEXT_WEIGHTS = {"recency_days": 30, "frequency": 30, "monetary": 20, "region": 20}
REGION_SCORES = {"north": 100, "east": 60, "south": 30, "west": 0}


def _weigh_region(at: AppTest, scores: dict[str, float]) -> AppTest:
    at.multiselect(key="data_tier_attributes").set_value(list(TEXT_WEIGHTS)).run()
    assert not at.exception, at.exception
    for name, points in TEXT_WEIGHTS.items():
        at.number_input(key=f"data_points_{name}").set_value(points)
    for level, score in scores.items():
        at.number_input(key=level_key("region", level)).set_value(score)
    return at.run()


def test_text_attribute_levels_give_the_sim_tiers(sample) -> None:
    _scenario, data = sample
    at = _open()
    at.multiselect(key="data_tier_attributes").set_value(list(TEXT_WEIGHTS)).run()
    # Every level of the region listed, most customers first, each starting at 100.
    inputs = {n.key: n.value for n in at.number_input if n.key.startswith("data_level_")}
    assert set(inputs) == {level_key("region", r) for r in REGION_SCORES}
    assert set(inputs.values()) == {DEFAULT_LEVEL_SCORE}
    _weigh_region(at, REGION_SCORES)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    log = read_transactions(data.log_csv, "customer_id", "date", "amount")
    tiered = weighted_tiers(rfm_table(log, data.observation_date), TEXT_WEIGHTS, "stage",
                            levels={"region": REGION_SCORES})
    expected = tiered["tier"].value_counts().reindex(list(TIERS), fill_value=0)
    table = next(df.value for df in at.dataframe if "All" in df.value.columns)
    assert table.index.tolist() == [f"Tier {x}" for x in TIERS]
    assert table["All"].tolist() == expected.tolist()
    # The region's points matter: scored 100 everywhere the tiers would differ.
    flat = weighted_tiers(rfm_table(log, data.observation_date), TEXT_WEIGHTS, "stage",
                          levels={"region": dict.fromkeys(REGION_SCORES, 100)})
    assert not flat["tier"].equals(tiered["tier"])


@pytest.mark.parametrize("lang,message", [
    ("en", "The points must add up to 100; they add up to 110."),
    ("zh", "各项分值之和必须为 100 分；现在为 110 分。")])
def test_text_attribute_points_must_add_up_to_100(lang: str, message: str) -> None:
    at = _open(lang)
    _weigh_region(at, REGION_SCORES)
    at.number_input(key="data_points_region").set_value(30).run()
    assert not at.exception, at.exception
    assert any(e.value.startswith(message) for e in at.error), [e.value for e in at.error]
    assert not any("All" in df.value.columns or "合计" in df.value.columns for df in at.dataframe)
    # A level score outside 0-100 never reaches the model: the input keeps to 0-100.
    at.number_input(key=level_key("region", "west")).set_value(150).run()
    assert 0 <= at.number_input(key=level_key("region", "west")).value <= 100


@pytest.mark.parametrize("lang,message", [
    ("en", "`region` has 31 different values; at most 30 can be scored."),
    ("zh", "`region` 有 31 个不同的取值，最多只能为 30 个取值打分。")])
def test_text_attribute_with_too_many_levels_is_refused(lang: str, message: str) -> None:
    rows = "".join(f"C{i},2024-01-{1 + i % 28:02d},{10 + i},r{i}\n" for i in range(31))
    at = _open(lang)
    at.radio(key="data_source_transactions").set_value("upload").run()
    at.file_uploader(key="data_upload_transactions").upload(
        "log.csv", f"customer_id,date,amount,region\n{rows}".encode(), "text/csv").run()
    at.multiselect(key="data_tier_attributes").set_value(["monetary", "region"]).run()
    at.number_input(key="data_points_monetary").set_value(50)
    at.number_input(key="data_points_region").set_value(50).run()
    assert not at.exception, at.exception
    assert any(e.value.startswith(message) for e in at.error), [e.value for e in at.error]
    assert not any(n.key.startswith("data_level_") for n in at.number_input)
    assert not any(c.proto.id.endswith("data_tier_chart") for c in at.get("vega_lite_chart"))
