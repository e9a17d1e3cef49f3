"""Page "Executive dashboard": levers, KPIs against doing nothing, bands, cash, scorecard."""

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from sim.kpis import missing_reason
from sim.report import YEARLY_COLUMNS
from sim.schema import ScenarioError
from sim.scorecard import scorecard_rows
from sim.whatif import WhatIf
from ui import state
from ui.charts import show_template_chart
from ui.entry import require_entry_point
from ui.exports import EXCEL_MIME, csv_bytes, excel_bytes, template_png
from ui.i18n import current_lang, t
from ui.kpi_format import (
    baseline_note,
    finance_metric,
    format_kpi,
    judgement_text,
    kpi_label,
    metric_args,
    run_problem_text,
)
from ui.levers import Reruns, render_baseline_picker, render_lever
from ui.report_download import single_report_button
from ui.sidebar import STATUS_FRAGMENT
from ui.tables import show_table
from ui.whatif_charts import band_chart, band_data, cash_chart, cash_data

require_entry_point()

LEVER_ROWS = (("programme_kind", "programme_spend", "service_quality", "competition"),
              ("acq_budget", "retention_spend", "renewal_price", "first_year_price"),
              ("crm_enabled", "discount_rate", "horizon"))
RERUN = Reruns("dashboard_body", STATUS_FRAGMENT, panel="dashboard_levers",
               panel_levers=tuple(key for row in LEVER_ROWS for key in row))


@st.fragment(key="dashboard_levers")
def dashboard_levers() -> None:
    """The lever panel (redrawn only when what it shows changes: :class:`ui.levers.Reruns`)."""
    with st.expander(t("dashboard.levers"), expanded=True, icon=":material/tune:"):
        render_baseline_picker(st, rerun=RERUN)
        for row in LEVER_ROWS:
            for col, key in zip(st.columns(len(row)), row, strict=True):
                render_lever(key, col, rerun=RERUN)


def _kpis(w: WhatIf) -> None:
    cur, base, money = w.result.kpis, w.base_result.kpis, w.scenario.currency

    def args(key: str, short: bool = False) -> dict[str, object]:
        return metric_args(key, cur[key], base[key], money, short=short,
                           reason=missing_reason(key, cur))

    cols = st.columns(4)
    cols[0].metric(t("dashboard.kpi_customers", years=w.scenario.horizon_years),
                   **args("customers_end"))
    cols[1].metric(t("dashboard.kpi_retention"), **args("retention_last_year"))
    cols[2].metric(t("dashboard.kpi_clv"), **args("clv_net"), help=t("dashboard.kpi_clv_help"))
    cols[3].metric(t("dashboard.kpi_equity"), **args("customer_equity", short=True),
                   help=t("dashboard.kpi_equity_help"))
    cols = st.columns(4)
    cols[0].metric(t("dashboard.kpi_npv"), **args("npv", short=True),
                   help=t("dashboard.kpi_npv_help"))
    finance_metric(cols[1], w.finance, "roi", money, label=t("dashboard.kpi_roi"),
                   help_text=t("dashboard.kpi_roi_help"))
    finance_metric(cols[2], w.finance, "payback_years", money,
                   help_text=t("kpi_help.payback_years"))
    finance_metric(cols[3], w.finance, "discounted_payback_years", money,
                   help_text=t("kpi_help.discounted_payback_years"))


def _notices(w: WhatIf) -> None:
    """What the runs did differently from what the file asked (work budget, market bound)."""
    for notice in w.notices:
        st.warning(t(f"budget.{notice.code}", **dict(notice.params)), icon=":material/speed:")


ChartParts = tuple[Callable[..., Any], tuple[Any, ...], dict[str, pd.DataFrame]]
"""A template chart: builder, its translated labels, its datasets."""


def _customer_chart(w: WhatIf, lang: str) -> ChartParts:
    """Customers by year, expected line and (with Monte Carlo) its P10-P90 band, labelled
    in ``lang`` (the PNG download builds it outside a script run)."""
    labels = {"scenario": t("dashboard.series_scenario", lang),
              "baseline": t("dashboard.series_baseline", lang)}
    return (band_chart, (t("dashboard.customers_title", lang), t("common.year", lang),
                         t("common.customers", lang), " ", tuple(labels.values())),
            band_data(w.series_bands("customers"), labels))


def _cash_chart(w: WhatIf, lang: str) -> ChartParts:
    """Cumulative incremental cash, plain and discounted, with the payback marked, labelled
    in ``lang``."""
    payback = w.finance.payback_years
    label = ("" if payback is None else
             t("dashboard.payback_label", lang,
               years=format_kpi("payback_years", payback, "", lang=lang)))
    return (cash_chart, (t("dashboard.cash_title", lang), t("common.year", lang),
                         t("dashboard.cash_y", lang, currency=w.scenario.currency), " "),
            cash_data(w.incremental_cash(), (t("dashboard.series_cash", lang),
                                             t("dashboard.series_cash_discounted", lang)),
                      payback, label))


def _scorecard_rows(w: WhatIf) -> pd.DataFrame:
    """The scorecard at full precision (exports)."""
    return pd.DataFrame(scorecard_rows(w.scenario, w.result, w.baseline, w.base_result))


def _scorecard(w: WhatIf) -> pd.DataFrame:
    """The scorecard as text, each value in its KPI's format (registry), no false precision."""
    rows = scorecard_rows(w.scenario, w.result, w.baseline, w.base_result)
    money = w.scenario.currency
    perspectives = pd.Index([t(f"scorecard.{r['perspective']}") for r in rows],
                            name=t("scorecard.col_perspective"))
    return pd.DataFrame({
        t("scorecard.col_indicator"): [kpi_label(r["indicator"]) for r in rows],
        t("scorecard.col_scenario"): [format_kpi(r["indicator"], r["scenario"], money)
                                      for r in rows],
        t("scorecard.col_baseline"): [format_kpi(r["indicator"], r["baseline"], money)
                                      for r in rows],
        t("scorecard.col_delta"): ["" if r["direction"] == "same" else
                                   format_kpi(r["indicator"], r["delta"], money, delta=True)
                                   for r in rows],
        t("scorecard.col_direction"): [judgement_text(r["direction"]) for r in rows],
    }, index=perspectives)


def _workbook(w: WhatIf) -> bytes:
    """Every table of the dashboard, full precision, one sheet each (built on click)."""
    return excel_bytes({"kpis": pd.DataFrame(w.kpi_rows()),
                        "finance": pd.DataFrame([w.finance.as_dict()]),
                        "yearly": w.result.yearly[list(YEARLY_COLUMNS)],
                        "baseline_yearly": w.base_result.yearly[list(YEARLY_COLUMNS)],
                        "customer_bands": w.series_bands("customers"),
                        "incremental_cash": w.incremental_cash(),
                        "scorecard": _scorecard_rows(w)})


def _downloads() -> None:
    """The page's downloads, outside the results fragment (a lever move does not redraw
    them): each file is built when it is clicked, from the scenario as it is then
    (:class:`ui.state.LiveScenario`) and the same cached runs the page shows, in the
    page's language."""
    live, lang = state.live_scenario(), current_lang()

    def now() -> WhatIf:
        return state.whatif_run(live.scenario)

    st.subheader(t("dashboard.downloads"))
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button(t("dashboard.download_csv"),
                       lambda: csv_bytes(now().result.yearly[list(YEARLY_COLUMNS)]),
                       "yearly_results.csv", "text/csv", key="dl_csv",
                       icon=":material/download:")
    c2.download_button(t("dashboard.download_excel"), lambda: _workbook(now()),
                       "crm_whatif.xlsx", EXCEL_MIME, key="dl_excel", icon=":material/table:")
    c3.download_button(t("dashboard.download_png_customers"),
                       lambda: template_png(*_customer_chart(now(), lang)), "customers.png",
                       "image/png", key="dl_png_customers", icon=":material/image:")
    c4.download_button(t("dashboard.download_png_cash"),
                       lambda: template_png(*_cash_chart(now(), lang)), "cash_flow.png",
                       "image/png", key="dl_png_cash", icon=":material/image:")
    single_report_button(st, key="dl_report")


@st.fragment(key="dashboard_body")
def dashboard_page() -> bool:
    """Everything the expected-value engine gives (KPIs, cash, scorecard), then the Monte
    Carlo bands: the browser shows the new KPIs while Monte Carlo runs. False when the
    scenario cannot run (the page says why)."""
    scenario = state.current_scenario()
    try:
        expected = state.whatif_run(scenario, monte_carlo=False)
    except ScenarioError as exc:
        st.error(run_problem_text(exc), icon=":material/error:")
        return False
    _kpis(expected)
    notices = st.container()
    st.caption(baseline_note(expected))
    left, right = st.columns(2)
    lang = current_lang()
    cash = _cash_chart(expected, lang)
    show_template_chart(right, *cash, key="cash_chart")
    st.subheader(t("dashboard.scorecard_header"))
    st.caption(t("dashboard.scorecard_caption"))
    show_table(st, _scorecard(expected), key="scorecard",
               text_columns=(t("scorecard.col_indicator"), t("scorecard.col_direction")))
    w = state.whatif_run(scenario, expected=expected)
    with notices:
        _notices(w)
    customers = _customer_chart(w, lang)
    show_template_chart(left, *customers, key="customers_chart")
    if w.mc is not None:
        left.caption(t("dashboard.band_caption", reps=w.mc.replications, seed=w.scenario.seed))
    else:
        left.caption(t("dashboard.mc_off"))
    return True


st.title(t("dashboard.title"))
st.caption(t("dashboard.intro"))
dashboard_levers()
if dashboard_page():
    _downloads()
