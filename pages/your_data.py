"""Page "Your data": retention fitted to a survivor table; RFM, tiers and purchase models of a
transaction log; "Use in a scenario" writes the fit into the session's scenario."""

import pandas as pd
import streamlit as st

from sim.data_scenario import LogEconomics
from sim.datafile import SurvivorTable
from sim.retention_fit import INTERVAL_LEVEL, MODELS
from sim.sample_data import SampleData, survivors_csv
from sim.scenario import Scenario
from sim.transactions import TIERS, TransactionLog
from ui import state
from ui import your_data as yd
from ui.charts import show_template_chart
from ui.entry import require_entry_point
from ui.i18n import fmt_count, fmt_money, fmt_number, fmt_pct, local_text, t
from ui.tables import fmt_table
from ui.text import md_text
from ui.your_data_charts import (
    p_alive_chart,
    p_alive_data,
    share_bars_chart,
    share_bars_data,
    survival_fit_chart,
    survival_fit_data,
)

require_entry_point()

def _source(tab: str) -> str:
    labels = {"sample": t("data.source_sample"), "upload": t("data.source_upload")}
    return st.radio(t("data.source"), tuple(labels), key=f"data_source_{tab}",
                    horizontal=True, format_func=labels.__getitem__)


def _sample_block(tab: str) -> SampleData | None:
    scenario, sample = yd.sample_for()
    if not isinstance(sample, SampleData):
        yd.show_problems(st, t("data.sample_name"), sample)
        return None
    st.caption(t("data.sample_caption", name=md_text(local_text(scenario.name), 120),
                 customers=fmt_count(sample.customers), rows=fmt_count(sample.transactions),
                 end=sample.observation_date.isoformat()))
    cols = st.columns(3)
    cols[0].download_button(t("data.sample_download_log"), data=sample.log_csv,
                            file_name="sample_transactions.csv", mime="text/csv",
                            on_click="ignore", key=f"data_dl_log_{tab}",
                            icon=":material/download:", width="stretch")
    cols[1].download_button(t("data.sample_download_survivors"),
                            data=survivors_csv(sample.survivors),
                            file_name="sample_survivors.csv", mime="text/csv",
                            on_click="ignore", key=f"data_dl_survivors_{tab}",
                            icon=":material/download:", width="stretch")
    cols[2].button(t("data.sample_redraw"), key=f"data_redraw_{tab}", on_click=yd.pin_sample,
                   icon=":material/refresh:", width="stretch",
                   help=t("data.sample_redraw_help"))
    return sample


def _upload(tab: str, label: str, help_text: str) -> yd.DataBlob | None:
    uploaded = st.file_uploader(label, type=["csv"], key=f"data_upload_{tab}",
                                help=help_text)
    if uploaded is None:
        st.info(t("data.upload_prompt"), icon=":material/upload_file:")
        return None
    return yd.blob_of(uploaded.name, uploaded.getvalue())


def _use_button(tab: str, scenario, what: str) -> None:
    """The "Use in a scenario" button for a fitted scenario (or its problems)."""
    st.subheader(t("data.use_header"))
    if not isinstance(scenario, Scenario):
        yd.show_problems(st, t("data.fitted_name"), scenario)
        return
    base_name = local_text(state.base_scenario().name)
    st.caption(t("data.use_caption", what=what, base=md_text(base_name, 120),
                 name=md_text(local_text(scenario.name), 140)))
    left, right = st.columns(2)
    left.button(t("data.use_button"), key=f"data_use_{tab}", type="primary",
                on_click=yd.use_in_scenario, args=(scenario,), icon=":material/input:",
                width="stretch", disabled=state.base_scenario() == scenario)
    used = yd.used_scenario()
    if used is not None and state.base_scenario() == used:
        data, name = yd.scenario_toml(used)
        right.download_button(t("data.download_scenario"), data=data, file_name=name,
                              mime="application/toml", on_click="ignore",
                              key=f"data_dl_scenario_{tab}", icon=":material/download:",
                              width="stretch")
        st.success(t("data.used", name=md_text(local_text(used.name), 140)),
                   icon=":material/check_circle:")


# ------------------------------------------------------------------ retention tab

def _fit_metrics(fit, constant) -> None:
    cols = st.columns(len(fit.params) + 2)
    for col, (name, value) in zip(cols, fit.params.items(), strict=False):
        low, high = fit.intervals[name]
        label, help_text = yd.param_label(name)
        col.metric(label, fmt_number(value, 3), help=help_text)
        col.caption(t("data.interval", level=fmt_pct(INTERVAL_LEVEL, 0),
                      low=fmt_number(low, 3), high=fmt_number(high, 3)))
    cols[-2].metric(t("data.kpi_ll"), fmt_number(fit.log_likelihood, 2),
                    help=t("data.kpi_ll_help"))
    cols[-1].metric(t("data.kpi_aic"), fmt_number(fit.aic, 2), help=t("data.kpi_aic_help"))
    cols[-1].caption(t("data.constant_aic", aic=fmt_number(constant.aic, 2),
                       r=fmt_pct(constant.retention)))


def _fit_chart(table: SurvivorTable, fit, constant, holdout) -> None:
    series = (t("data.series_actual"), t("data.series_fitted", model=yd.model_short(fit.model)),
              t("data.series_constant"))
    lines = yd.survival_lines(table, fit, constant, series)
    show_template_chart(st, survival_fit_chart,
                        (t("data.chart_title"), t("data.chart_x"), t("data.chart_y"),
                         t("data.chart_legend"), series),
                        survival_fit_data(lines, holdout, t("data.holdout_rule")),
                        key="data_fit_chart", stretch=True)


def _whole_life(fit) -> None:
    base = state.base_scenario()
    st.markdown(f"**{t('data.value_header')}**")
    margin = st.number_input(t("data.margin", currency=base.currency), min_value=0.0,
                             max_value=1e9,
                             value=float(base.pricing.renewal_price - base.pricing.variable_cost),
                             step=1.0, key=state.editor_key("data_margin"),
                             help=t("data.margin_help"))
    discount = st.number_input(t("data.discount"), min_value=0.0, max_value=100.0,
                               value=float(base.finance.discount_rate * 100), step=0.5,
                               key=state.editor_key("data_discount"), help=t("data.discount_help"))
    lifetime, clv = yd.whole_life(fit, margin, discount / 100)
    left, right = st.columns(2)
    left.metric(t("data.kpi_del"), fmt_number(lifetime, 3), help=t("data.kpi_del_help"))
    right.metric(t("data.kpi_clv"), fmt_money(clv, base.currency), help=t("data.kpi_clv_help"))


def _holdout_note(fit) -> None:
    if fit.holdout is None:
        return
    errors = fit.holdout.errors()
    st.info(t("data.holdout_result", k=fit.holdout.calibration_periods,
              mape=fmt_number(errors["mape"], 1),
              mape_constant=fmt_number(errors["mape_constant"], 1),
              actual=fmt_count(errors["actual_total"]),
              projected=fmt_count(errors["projected_total"]),
              constant=fmt_count(errors["projected_constant_total"])), icon=":material/school:")


def retention_tab() -> None:
    st.caption(t("data.retention_intro"))
    if _source("retention") == "sample":
        sample = _sample_block("retention")
        blob = None if sample is None else yd.sample_survivors_blob(sample)
    else:
        blob = _upload("retention", t("data.upload_survivors"),
                       t("data.upload_survivors_help", mb=yd.upload_limit_mb()))
    if blob is None:
        return
    table = yd.survivor_table(blob)
    if not isinstance(table, SurvivorTable):
        yd.show_problems(st, blob.name, table)
        return
    left, right = st.columns(2)
    models = {code: yd.model_label(code) for code in MODELS}
    model = left.selectbox(t("data.model"), MODELS, key="data_model",
                           format_func=models.__getitem__, help=t("data.model_help"))
    holdout = right.number_input(t("data.holdout"), min_value=0,
                                 max_value=max(table.periods - 1, 0), value=0, step=1,
                                 key=f"data_holdout_{blob.digest[:12]}",
                                 help=t("data.holdout_help"))
    result = yd.retention_fit(blob, model, int(holdout) or None)
    if isinstance(result, yd.Problems):
        yd.show_problems(st, blob.name, result)
        return
    fit, constant = result
    st.subheader(t("data.fit_header"))
    st.caption(t("data.fit_caption", cohorts=fmt_count(fit.cohorts),
                 customers=fmt_count(fit.customers), periods=fit.periods))
    _fit_metrics(fit, constant)
    chart, value = st.columns([3, 2])
    with chart:
        _fit_chart(table, fit, constant, fit.holdout.calibration_periods if fit.holdout else None)
    with value:
        _whole_life(fit)
    _holdout_note(fit)
    st.info(t("data.lesson"), icon=":material/school:")
    _use_button("retention", yd.fitted_for(blob.name, fit=fit),
                t("data.what_retention", model=yd.model_label(fit.model)))


# ------------------------------------------------------------------ transactions tab

def _columns(blob: yd.DataBlob) -> tuple[str, str, str] | None:
    names = yd.csv_columns(blob)
    if len(names) < 3:
        return ("customer_id", "date", "amount")       # read_transactions names what is wrong
    key = blob.digest[:12]
    roles = {"customer": t("data.col_customer"), "date": t("data.col_date"),
             "amount": t("data.col_amount")}
    cols = st.columns(3)
    picked = tuple(col.selectbox(label, names, index=yd.guess_column(names, role),
                                 key=f"data_col_{role}_{key}")
                   for col, (role, label) in zip(cols, roles.items(), strict=True))
    if len(set(picked)) < 3:
        st.warning(t("data.columns_same"), icon=":material/warning:")
        return None
    return picked  # type: ignore[return-value]


def _segments(blob, columns, as_of, currency: str) -> bool:
    summary = yd.rfm_segments(blob, columns, as_of)
    if not isinstance(summary, pd.DataFrame):
        yd.show_problems(st, blob.name, summary)
        return False
    st.subheader(t("data.rfm_header"))
    st.caption(t("data.rfm_caption", customers=fmt_count(int(summary["customers"].sum())),
                 date=as_of.isoformat()))
    labels = [yd.segment_label(code) for code in summary["segment"]]
    bars = pd.concat([
        pd.DataFrame({"group": labels, "measure": t("data.measure_customers"),
                      "share": summary["customer_share"]}),
        pd.DataFrame({"group": labels, "measure": t("data.measure_spend"),
                      "share": summary["spend_share"]})])
    left, right = st.columns([2, 3])
    show_template_chart(left, share_bars_chart,
                        (t("data.segment_chart_title"), t("data.col_segment"), t("data.share_y"),
                         t("data.measure_legend"), tuple(labels)),
                        share_bars_data(bars), key="data_segment_chart", stretch=True)
    table = pd.DataFrame({
        t("data.col_segment"): labels,
        t("data.col_customers"): summary["customers"],
        t("data.col_spend", currency=currency): summary["total_spend"],
        t("data.col_recency"): [fmt_number(v) for v in summary["mean_recency_days"]],
        t("data.col_frequency"): [fmt_number(v, 1) for v in summary["mean_frequency"]],
        t("data.col_monetary", currency=currency): [fmt_number(v, 2)
                                                    for v in summary["mean_monetary"]]})
    number = st.column_config.NumberColumn(format="%,.0f")
    right.dataframe(table, hide_index=True, key="data_segment_table",
                    column_config={c: number for c in table.columns[1:3]}
                    | {c: st.column_config.TextColumn() for c in table.columns[3:]})
    right.caption(t("data.mean_caption"))
    return True


def _points_label(name: str) -> str:
    """The RFM facts translated; the file's own column names as literal text."""
    shown = yd.attribute_label(name) if name in yd.RFM_ATTRIBUTES else md_text(name, 60)
    return t("data.points_for", attribute=shown)


def _level_scores(container, name: str, points: float,
                  levels: list[tuple[str, int]]) -> tuple[tuple[str, float], ...] | None:
    """The score inputs (0-100) of a text attribute's levels; None when it has too many."""
    if len(levels) > yd.MAX_LEVELS:
        container.error(t("data.too_many_levels", column=md_text(name, 60),
                          n=fmt_count(len(levels)), max=fmt_count(yd.MAX_LEVELS)),
                        icon=":material/error:")
        return None
    box = container.expander(t("data.levels_header", column=md_text(name, 60)), expanded=True)
    box.caption(t("data.levels_caption", points=fmt_number(points),
                  default=fmt_number(yd.DEFAULT_LEVEL_SCORE)))
    grid = box.columns(2)
    scores = []
    for i, (level, customers) in enumerate(levels):
        score = grid[i % 2].number_input(
            t("data.level_score", level=md_text(level, 60)), min_value=0, max_value=100,
            value=yd.DEFAULT_LEVEL_SCORE, step=5, key=yd.level_key(name, level),
            help=t("data.level_score_help", customers=fmt_count(customers)))
        scores.append((level, float(score)))
    return tuple(scores)


def _tiers(blob, columns, as_of) -> None:
    st.subheader(t("data.tiers_header"))
    st.caption(t("data.tiers_caption"))
    texts = yd.text_attributes(blob, columns)
    options = yd.numeric_attributes(blob, columns, as_of) + texts
    left, right = st.columns([2, 3])
    names = {name: yd.attribute_label(name) for name in options}
    chosen = left.multiselect(t("data.attributes"), options,
                              default=[a for a in yd.DEFAULT_POINTS if a in options],
                              key="data_tier_attributes", format_func=names.__getitem__,
                              help=t("data.attributes_help"))
    weights, levels, blocked = [], [], False
    for name in chosen:
        points = left.number_input(_points_label(name), min_value=0, max_value=100,
                                   value=yd.DEFAULT_POINTS.get(name, 0), step=5,
                                   key=f"data_points_{name}")
        weights.append((name, float(points)))
        if name in texts:
            scores = _level_scores(left, name, float(points),
                                   yd.attribute_levels(blob, columns, as_of, name))
            if scores is None:
                blocked = True
            else:
                levels.append((name, scores))
    total = sum(p for _, p in weights)
    if total != 100:
        left.error(t("data.weights_not_100", total=fmt_number(total)), icon=":material/error:")
    else:
        left.caption(t("data.weights_total", total=fmt_number(total)))
    stages = texts
    stage_options = ["", *stages]
    stage_names = {"": t("data.stage_none")} | {c: c for c in stages}
    stage = left.selectbox(t("data.stage_column"), stage_options,
                           index=stage_options.index("stage") if "stage" in stages else 0,
                           key="data_stage_column", format_func=stage_names.__getitem__,
                           help=t("data.stage_column_help")) or None
    if total != 100 or blocked:
        return
    summary = yd.tiers(blob, columns, as_of, tuple(weights), stage, tuple(levels))
    if not isinstance(summary, pd.DataFrame):
        yd.show_problems(right, blob.name, summary)
        return
    overall = summary.groupby("tier", sort=False)[["customer_share", "value_share"]].sum()
    overall = overall.reindex(list(TIERS)).fillna(0.0)
    labels = [yd.tier_label(x) for x in overall.index]
    bars = pd.concat([
        pd.DataFrame({"group": labels, "measure": t("data.measure_customers"),
                      "share": overall["customer_share"].to_list()}),
        pd.DataFrame({"group": labels, "measure": t("data.measure_spend"),
                      "share": overall["value_share"].to_list()})])
    show_template_chart(right, share_bars_chart,
                        (t("data.tier_chart_title"), t("data.col_tier"), t("data.share_y"),
                         t("data.measure_legend"), tuple(labels)),
                        share_bars_data(bars), key="data_tier_chart", stretch=True)
    if stage is not None:
        right.markdown(f"**{t('data.tier_stage_header', column=md_text(stage, 60))}**")
        right.dataframe(yd.tier_stage_table(summary, t("data.col_all")), key="data_tier_table")


def _purchases(blob, columns, as_of, currency: str) -> None:
    st.subheader(t("data.purchases_header"))
    left, right = st.columns([2, 3])
    units = {code: yd.unit_label(code) for code in ("week", "day", "month")}
    unit = left.selectbox(t("data.time_unit"), tuple(units), key="data_time_unit",
                          format_func=units.__getitem__)
    result = yd.purchase_models(blob, columns, as_of, unit)
    if not isinstance(result, yd.PurchaseResult):
        yd.show_problems(left, blob.name, result)
        return
    if result.bgnbd is None:
        yd.show_problems(left, t("data.model_bgnbd"), result.bgnbd_problems)
        return
    bg = result.bgnbd.model
    left.markdown(t("data.bgnbd_params", r=fmt_number(bg.r, 3), alpha=fmt_number(bg.alpha, 3),
                    a=fmt_number(bg.a, 3), b=fmt_number(bg.b, 3),
                    ll=fmt_number(result.bgnbd.log_likelihood, 2),
                    customers=fmt_count(result.customers), unit=yd.unit_label(unit)))
    if result.gamma_gamma is None:
        yd.show_problems(left, t("data.model_gamma_gamma"), result.gamma_gamma_problems)
    else:
        gg = result.gamma_gamma.model
        left.markdown(t("data.gg_params", p=fmt_number(gg.p, 3), q=fmt_number(gg.q, 3),
                        gamma=fmt_number(gg.gamma, 3),
                        customers=fmt_count(result.gamma_gamma.customers)))
    k = left.columns(2)
    k[0].metric(t("data.kpi_p_alive"), fmt_pct(result.p_alive), help=t("data.kpi_p_alive_help"))
    k[1].metric(t("data.kpi_expected"), fmt_number(result.expected_purchases, 2),
                help=t("data.kpi_expected_help"))
    k = left.columns(2)
    k[0].metric(t("data.kpi_spend"), fmt_money(result.expected_spend, currency),
                help=t("data.kpi_spend_help"))
    k[1].metric(t("data.kpi_value"), fmt_money(result.expected_value, currency, 0),
                help=t("data.kpi_value_help"))
    show_template_chart(right, p_alive_chart,
                        (t("data.palive_title"), t("data.palive_x"), t("data.palive_y")),
                        p_alive_data(result.bins), key="data_palive_chart", stretch=True)


def _activity(blob, columns, as_of, currency: str) -> None:
    st.subheader(t("data.activity_header"))
    st.caption(t("data.activity_caption"))
    result = yd.activity(blob, columns, as_of)
    if isinstance(result, yd.Problems):
        yd.show_problems(st, blob.name, result)
        return
    table, fit, problems = result
    frame = yd.activity_frame(table, t("data.col_cohort"))
    st.dataframe(fmt_table(frame), hide_index=True, key="data_activity_table")
    if fit is None:
        yd.show_problems(st, t("data.model_sbg"), problems)
    else:
        st.markdown(t("data.activity_fit", alpha=fmt_number(fit.params["alpha"], 3),
                      beta=fmt_number(fit.params["beta"], 3),
                      ll=fmt_number(fit.log_likelihood, 2)))
    base = state.base_scenario()
    econ = yd.economics(blob, columns, as_of)
    if not isinstance(econ, LogEconomics):
        yd.show_problems(st, blob.name, econ)
        return
    cost = st.columns(3)[0].number_input(t("data.variable_cost", currency=base.currency),
                                         min_value=0.0,
                           max_value=1e9, value=float(base.pricing.variable_cost), step=1.0,
                           key=state.editor_key("data_variable_cost"),
                           help=t("data.variable_cost_help"))
    years = ", ".join(fmt_count(v) for v in econ.acquired_per_year)
    st.markdown(t("data.economics", first=econ.first_year, years=years,
                  first_revenue=fmt_money(econ.first_year_revenue, currency),
                  renewal_revenue=fmt_money(econ.renewal_revenue, currency),
                  margin=fmt_money(econ.margin_per_customer_year(cost), currency)))
    if econ.last_year_share < 1:
        st.caption(t("data.annualised", share=fmt_pct(econ.last_year_share, 0)))
    data = {"economics": econ, "variable_cost": cost}
    data |= {"fit": fit} if fit is not None else {"table": table}
    what = (t("data.what_log_fit") if fit is not None else t("data.what_log_table"))
    _use_button("transactions", yd.fitted_for(blob.name, **data), what)


def transactions_tab() -> None:
    st.caption(t("data.transactions_intro"))
    currency = state.base_scenario().currency
    if _source("transactions") == "sample":
        sample = _sample_block("transactions")
        if sample is None:
            return
        blob = yd.blob_of("sample_transactions.csv", sample.log_csv)
        columns = ("customer_id", "date", "amount")
        default = sample.observation_date
        currency = sample.currency
    else:
        blob = _upload("transactions", t("data.upload_log"),
                       t("data.upload_log_help", mb=yd.upload_limit_mb()))
        if blob is None:
            return
        columns = _columns(blob)
        if columns is None:
            return
        default = None
    log = yd.transaction_log(blob, *columns)
    if not isinstance(log, TransactionLog):
        yd.show_problems(st, blob.name, log)
        return
    as_of = st.columns(3)[0].date_input(t("data.as_of"),
                                        value=default or yd.observation_default(log),
                                        key=f"data_as_of_{blob.digest[:12]}",
                                        help=t("data.as_of_help"))
    if not _segments(blob, columns, as_of, currency):
        return
    _tiers(blob, columns, as_of)
    _purchases(blob, columns, as_of, currency)
    _activity(blob, columns, as_of, currency)


st.title(t("data.title"))
st.caption(t("data.intro"))
retention, transactions = st.tabs([t("data.tab_retention"), t("data.tab_transactions")])
with retention:
    retention_tab()
with transactions:
    transactions_tab()
