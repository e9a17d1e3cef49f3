"""Page "Executive dashboard": levers, KPIs against doing nothing, bands, cash, scorecard."""

import pandas as pd
import streamlit as st

from sim.report import YEARLY_COLUMNS
from sim.scenario import Scenario
from sim.schema import ScenarioError
from sim.scorecard import scorecard_rows
from sim.whatif import WhatIf
from ui import state
from ui.charts import show_chart
from ui.entry import require_entry_point
from ui.exports import EXCEL_MIME, csv_bytes, excel_bytes, png_bytes
from ui.i18n import (fmt_count, fmt_delta_money, fmt_money, fmt_money_short, fmt_number,
                     fmt_pct, issue_text, t)
from ui.levers import render_lever
from ui.sidebar import STATUS_FRAGMENT
from ui.whatif_charts import band_chart, cash_chart

require_entry_point()

RERUN = ("dashboard_body", STATUS_FRAGMENT)  # fragments a lever move reruns
LEVER_ROWS = (("programme_kind", "programme_spend", "service_quality", "competition"),
              ("acq_budget", "renewal_price", "first_year_price"),
              ("crm_enabled", "discount_rate", "horizon"))


def _levers() -> None:
    with st.expander(t("dashboard.levers"), expanded=True, icon=":material/tune:"):
        for row in LEVER_ROWS:
            for col, key in zip(st.columns(len(row)), row):
                render_lever(key, col, rerun=RERUN)


def _years(value: float | None) -> str:
    return t("dashboard.never") if value is None else t("dashboard.years_value",
                                                        value=fmt_number(value, 1))


def _kpis(w: WhatIf) -> None:
    cur, base, money = w.result.kpis, w.base_result.kpis, w.scenario.currency
    fin = w.finance
    cols = st.columns(4)
    cols[0].metric(t("dashboard.kpi_customers", years=w.scenario.horizon_years),
                   fmt_count(cur["customers_end"]),
                   delta=fmt_count(cur["customers_end"] - base["customers_end"]))
    retention_delta = cur["retention_last_year"] - base["retention_last_year"]
    cols[1].metric(t("dashboard.kpi_retention"), fmt_pct(cur["retention_last_year"]),
                   delta=t("dashboard.points", value=fmt_number(retention_delta * 100, 1)))
    cols[2].metric(t("dashboard.kpi_clv"), fmt_money(cur["clv_net"], money),
                   delta=fmt_delta_money(cur["clv_net"] - base["clv_net"], money),
                   help=t("dashboard.kpi_clv_help"))
    cols[3].metric(t("dashboard.kpi_equity"), fmt_money_short(cur["customer_equity"], money),
                   delta=fmt_money_short(cur["customer_equity"] - base["customer_equity"], money,
                                         delta=True),
                   help=t("dashboard.kpi_equity_help"))
    cols = st.columns(4)
    cols[0].metric(t("dashboard.kpi_npv"), fmt_money_short(cur["npv"], money),
                   delta=fmt_money_short(fin["npv_delta"], money, delta=True),
                   help=t("dashboard.kpi_npv_help"))
    if fin["roi"] is None:
        cols[1].metric(t("dashboard.kpi_roi"), t("dashboard.undefined"),
                       help=t("dashboard.roi_undefined_help"))
    else:
        cols[1].metric(t("dashboard.kpi_roi"), fmt_pct(fin["roi"]), help=t("dashboard.kpi_roi_help"))
    cols[2].metric(t("dashboard.kpi_payback"),
                   t("dashboard.undefined") if fin["incremental_cost"] <= 0
                   else _years(fin["payback_years"]), help=t("dashboard.kpi_payback_help"))
    cols[3].metric(t("dashboard.kpi_cost"), fmt_money_short(fin["incremental_cost"], money),
                   help=t("roi.cost_help"))


def _run_labels(frame: pd.DataFrame) -> pd.DataFrame:
    labels = {"scenario": t("dashboard.series_scenario"), "baseline": t("dashboard.series_baseline")}
    return frame.assign(series=frame["run"].map(labels)).drop(columns="run")


def _charts(w: WhatIf) -> tuple:
    order = [t("dashboard.series_scenario"), t("dashboard.series_baseline")]
    customers = band_chart(_run_labels(w.series_bands("customers")), t("dashboard.customers_title"),
                           t("common.year"), t("common.customers"), " ", order)
    cash = w.incremental_cash()
    long = pd.concat([
        pd.DataFrame({"year": cash["year"], "series": t("dashboard.series_cash"),
                      "value": cash["cumulative"]}),
        pd.DataFrame({"year": cash["year"], "series": t("dashboard.series_cash_discounted"),
                      "value": cash["cumulative_discounted"]}),
    ])
    payback = w.finance["payback_years"]
    label = t("dashboard.payback_label", years=fmt_number(payback, 1)) if payback else ""
    cash_plot = cash_chart(long, payback, t("dashboard.cash_title"), t("common.year"),
                           t("dashboard.cash_y", currency=w.scenario.currency), " ", label)
    return customers, cash_plot


def _scorecard(w: WhatIf) -> pd.DataFrame:
    rows = scorecard_rows(w.scenario, w.result, w.baseline, w.base_result)
    frame = pd.DataFrame(rows)
    percent = frame["unit"] == "fraction"
    for col in ("scenario", "baseline", "delta"):
        frame.loc[percent, col] = frame.loc[percent, col] * 100
    return pd.DataFrame({
        t("scorecard.col_perspective"): frame["perspective"].map(lambda k: t(f"scorecard.{k}")),
        t("scorecard.col_indicator"): frame["indicator"].map(lambda k: t(f"scorecard.{k}")),
        t("scorecard.col_scenario"): frame["scenario"],
        t("scorecard.col_baseline"): frame["baseline"],
        t("scorecard.col_delta"): frame["delta"],
        t("scorecard.col_direction"): frame["direction"].map(lambda k: t(f"scorecard.{k}")),
    })


def _workbook(w: WhatIf, scorecard: pd.DataFrame) -> bytes:
    """Every table of the dashboard, full precision, one sheet each (built on click)."""
    return excel_bytes({"kpis": pd.DataFrame(w.kpi_rows()),
                        "finance": pd.DataFrame([w.finance]),
                        "yearly": w.result.yearly[list(YEARLY_COLUMNS)],
                        "baseline_yearly": w.base_result.yearly[list(YEARLY_COLUMNS)],
                        "customer_bands": w.series_bands("customers"),
                        "incremental_cash": w.incremental_cash(),
                        "scorecard": scorecard})


def _downloads(w: WhatIf, scorecard: pd.DataFrame, charts: tuple) -> None:
    yearly = w.result.yearly[list(YEARLY_COLUMNS)]
    st.subheader(t("dashboard.downloads"))
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button(t("dashboard.download_csv"), csv_bytes(yearly), "yearly_results.csv",
                       "text/csv", key="dl_csv", icon=":material/download:")
    c2.download_button(t("dashboard.download_excel"), lambda: _workbook(w, scorecard),
                       "crm_whatif.xlsx", EXCEL_MIME, key="dl_excel", icon=":material/table:")
    c3.download_button(t("dashboard.download_png_customers"), lambda: png_bytes(charts[0]),
                       "customers.png", "image/png", key="dl_png_customers",
                       icon=":material/image:")
    c4.download_button(t("dashboard.download_png_cash"), lambda: png_bytes(charts[1]),
                       "cash_flow.png", "image/png", key="dl_png_cash", icon=":material/image:")


@st.fragment(key="dashboard_body")
def dashboard_page() -> None:
    base = state.base_scenario()
    _levers()
    try:
        w = state.whatif_run(state.current_scenario(), base)
    except ScenarioError as exc:
        st.error(t("dashboard.baseline_error", problems="; ".join(issue_text(i) for i in exc.issues)),
                 icon=":material/error:")
        return
    _kpis(w)
    st.caption(t("dashboard.baseline_note", kind=t(f"baseline_kind.{w.scenario.baseline.kind}",
                                                   preset=w.baseline.name)))
    charts = _charts(w)
    left, right = st.columns(2)
    show_chart(left, charts[0], key="customers_chart")
    if w.mc is not None:
        left.caption(t("dashboard.band_caption", reps=w.mc.replications, seed=w.scenario.seed))
    else:
        left.caption(t("dashboard.mc_off"))
    show_chart(right, charts[1], key="cash_chart")
    st.subheader(t("dashboard.scorecard_header"))
    st.caption(t("dashboard.scorecard_caption"))
    scorecard = _scorecard(w)
    number = st.column_config.NumberColumn(format="localized")
    st.dataframe(scorecard, hide_index=True, key="scorecard_table",
                 column_config={c: number for c in scorecard.columns[2:5]})
    _downloads(w, scorecard, charts)


st.title(t("dashboard.title"))
st.caption(t("dashboard.intro"))
dashboard_page()
