"""Page "CLV & cohorts": the textbook lifetime-value table and the cohort layer cake."""

import pandas as pd
import streamlit as st

from sim.kpis import missing_reason
from sim.scenario import Scenario
from ui import state
from ui.charts import (
    layer_cake_chart,
    layer_cake_data,
    retention_lines_chart,
    retention_lines_data,
    show_template_chart,
    tenure_value_chart,
    tenure_value_data,
)
from ui.entry import require_entry_point
from ui.i18n import fmt_count, fmt_number, fmt_pct, t
from ui.kpi_format import format_kpi, metric_args
from ui.levers import Reruns, render_lever
from ui.sidebar import STATUS_FRAGMENT
from ui.tables import show_table, text_frame

require_entry_point()

LEVER_ROWS = (("first_year_price", "renewal_price", "variable_cost", "acquisition_cost"),
              ("uplift", "discount_rate", "horizon", "acq_years"))
RERUN = Reruns("clv_body", STATUS_FRAGMENT, panel="clv_levers",
               panel_levers=tuple(key for row in LEVER_ROWS for key in row))


def _tenure_frame(tenure: pd.DataFrame, discount_rate: float) -> pd.DataFrame:
    frame = pd.DataFrame({
        t("clv.col_year"): tenure["tenure_year"].astype(str),
        t("clv.col_customers"): tenure["customers"],
        t("clv.col_renewal"): tenure["renewal_rate"] * 100,
        t("clv.col_revenue"): tenure["revenue"],
        t("clv.col_variable_cost"): tenure["variable_cost"],
        t("clv.col_profit"): tenure["profit"],
        t("clv.col_npv", rate=f"{discount_rate * 100:g}"): tenure["discounted_profit"],
    })
    total = {col: frame[col].sum() for col in frame.columns[3:]}
    total.update({t("clv.col_year"): t("clv.total"), t("clv.col_customers"): None,
                  t("clv.col_renewal"): None})
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True).set_index(t("clv.col_year"))


def _whole_life(scenario: Scenario) -> None:
    """Whole-life CLV, DEL and the value of the customers left at the horizon (sBG)."""
    life = state.whole_life_of(scenario)
    st.subheader(t("clv.whole_life_header"))
    if life.reason is not None:
        st.caption(t(f"clv.whole_life_reason_{life.reason}"))
        return
    money = scenario.currency
    k1, k2, k3 = st.columns(3)
    k1.metric(t("clv.whole_life_clv"), format_kpi("clv_gross", life.clv_whole_life, money),
              help=t("clv.whole_life_clv_help"))
    k2.metric(t("clv.whole_life_del"),
              t("clv.whole_life_del_value", years=fmt_number(life.del_, 2)),
              help=t("clv.whole_life_del_help"))
    if life.base_value is not None:
        k3.metric(t("clv.whole_life_base"), format_kpi("customer_equity", life.base_value, money),
                  help=t("clv.whole_life_base_help"))
    else:
        k3.caption(t(f"clv.whole_life_base_{life.base_reason}"))


@st.fragment(key="clv_levers")
def clv_levers() -> None:
    """The lever panel (redrawn only when what it shows changes: :class:`ui.levers.Reruns`)."""
    with st.expander(t("clv.levers"), expanded=True, icon=":material/tune:"):
        for row in LEVER_ROWS:
            for col, key in zip(st.columns(len(row)), row, strict=True):
                render_lever(key, col, rerun=RERUN)


@st.fragment(key="clv_body")
def clv_page() -> None:
    """Everything the levers move: KPIs, the tenure table and chart, the cohorts."""
    base = state.base_scenario()
    scenario = state.current_scenario()
    result, reference = state.cohort_run(scenario), state.cohort_run(base)
    cur, ref = result.kpis, reference.kpis
    money = scenario.currency

    def tile(key: str) -> dict[str, object]:
        return metric_args(key, cur[key], ref[key], money, reason=missing_reason(key, cur))

    k1, k2, k3, k4 = st.columns(4)
    k1.metric(t("clv.kpi_clv"), help=t("clv.kpi_clv_help"), **tile("clv_gross"))
    k2.metric(t("clv.kpi_clv_net"), help=t("clv.kpi_clv_net_help"), **tile("clv_net"))
    k3.metric(t("clv.kpi_equity"), help=t("clv.kpi_equity_help"), **tile("customer_equity"))
    k4.metric(t("clv.kpi_customers_end"), **tile("customers_end"))

    _whole_life(scenario)

    size = result.tenure["customers"].iloc[0]
    st.subheader(t("clv.tenure_header", n=fmt_count(size)))
    left, right = st.columns([3, 2])
    table = _tenure_frame(result.tenure, scenario.finance.discount_rate)
    show_table(left, table, key="tenure", decimals={t("clv.col_renewal"): 1})
    left.caption(t("clv.tenure_caption"))
    bars = pd.concat([
        result.tenure.assign(series=t("common.current")),
        reference.tenure.assign(series=t("common.as_loaded")),
    ])[["tenure_year", "series", "discounted_profit"]]
    show_template_chart(right, tenure_value_chart,
                        (t("clv.tenure_chart_title"), t("clv.col_year"), t("clv.tenure_chart_y"),
                         t("clv.series_legend"), (t("common.current"), t("common.as_loaded"))),
                        tenure_value_data(bars), key="tenure_chart")

    st.subheader(t("clv.cohorts_header"))
    yearly = result.yearly
    left, right = st.columns(2)
    show_template_chart(left, layer_cake_chart,
                        (t("clv.layer_title"), t("common.year"), t("common.customers"),
                         t("clv.layer_legend")),
                        layer_cake_data(result.cohorts), key="layer_chart")
    lines = pd.concat([
        pd.DataFrame({"year": yearly["year"], "series": t("clv.series_aggregate"),
                      "retention": yearly["retention"]}),
        pd.DataFrame({"year": result.tenure["tenure_year"] + 1, "series": t("clv.series_cohort"),
                      "retention": result.tenure["renewal_rate"]}),
    ])
    lines = lines[lines["year"] <= scenario.horizon_years]
    show_template_chart(right, retention_lines_chart,
                        (t("clv.retention_title"), t("common.year"), t("clv.retention_y"),
                         t("clv.series_legend"),
                         (t("clv.series_aggregate"), t("clv.series_cohort"))),
                        retention_lines_data(lines), key="retention_chart")
    aggregate = text_frame(pd.DataFrame({
        t("common.customers"): yearly["customers"].to_numpy(),
        t("clv.col_retention"): yearly["retention"].to_numpy() * 100,
    }, index=pd.Index(yearly["year"].astype(str), name=t("common.year"))),
        {t("clv.col_retention"): 1}).T
    show_table(st, aggregate, key="aggregate")
    retention = yearly["retention"].dropna()
    if (yearly["new"] > 0).sum() > 1 and len(retention) > 1:
        st.info(t("clv.lesson", first=fmt_pct(retention.iloc[0]), last=fmt_pct(retention.iloc[-1])),
                icon=":material/school:")
    else:
        st.info(t("clv.single_cohort"), icon=":material/school:")


st.title(t("clv.title"))
st.caption(t("clv.intro"))
clv_levers()
clv_page()
