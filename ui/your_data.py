"""The "Your data" page's Streamlit side: cached parsing and fits, labels, display frames.

An uploaded (or sample) file travels as a :class:`DataBlob`: its bytes and their SHA-256,
which is what the caches are keyed on (a 50 MB log is hashed once per rerun, not once per
cached call). Parsing and fitting happen in ``st.cache_data`` functions, on the bytes
(``getvalue()``), never on the upload object; the parsed transaction log and its RFM table
are shared read-only through ``st.cache_resource`` (a million-row log is not copied on each
rerun). Every failure comes back as the :class:`sim.schema.Issue` list of its
:class:`sim.datafile.DataFileError`, for the page to show in the current language.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from sim import scenario_io
from sim.data_scenario import (
    LogEconomics,
    fit_clv,
    fit_lifetime,
    fitted_scenario,
    log_economics,
    pooled_survival,
)
from sim.datafile import SurvivorTable
from sim.purchase_models import (
    TIME_UNITS,
    customer_predictions,
    fit_bgnbd,
    fit_gamma_gamma,
    summary_from_log,
)
from sim.retention_fit import ConstantFit, RetentionFit, fit_constant, fit_retention
from sim.sample_data import SampleData, sample_data, survivors_csv
from sim.scenario import Scenario
from sim.schema import Issue, ScenarioError
from sim.transactions import (
    SEGMENTS,
    TIERS,
    TransactionLog,
    cohort_activity,
    read_transactions,
    rfm_table,
    segment_summary,
    tier_summary,
    weighted_tiers,
)
from ui import state
from ui.i18n import issue_text, local_text, t
from ui.scenario_files import MAX_LISTED_ISSUES, file_stem
from ui.text import md_text

__all__ = ["DataBlob", "Problems", "SAMPLE_CUSTOMERS", "SAMPLE_KEY", "USED_KEY",
           "RFM_ATTRIBUTES", "DEFAULT_POINTS", "upload_limit_mb", "blob_of", "show_problems",
           "sample_for", "pin_sample", "sample_survivors_blob", "survivor_table",
           "retention_fit", "survival_lines", "whole_life", "csv_columns", "guess_column",
           "transaction_log", "observation_default", "rfm_segments", "numeric_attributes",
           "text_attributes", "MAX_LEVELS", "DEFAULT_LEVEL_SCORE", "level_key",
           "attribute_levels", "tiers", "tier_stage_table", "purchase_models", "PurchaseResult",
           "p_alive_bins", "activity", "activity_frame", "economics", "segment_label",
           "param_label", "tier_label", "attribute_label", "model_label", "model_short",
           "unit_label", "fitted_for", "use_in_scenario", "used_scenario", "scenario_toml"]

SAMPLE_CUSTOMERS = 10_000
"""Most customers (expected) in a sample log: the scenario's arrivals are scaled down above."""
SAMPLE_KEY = "data_sample_of"
"""Session key of the scenario the sample data are drawn from (pinned when first shown)."""
USED_KEY = "data_used_scenario"
"""Session key of the last scenario written by "Use in a scenario" (for its download)."""
RFM_ATTRIBUTES = ("recency_days", "frequency", "monetary", "total_spend")
"""Numeric customer attributes every log has (:func:`sim.transactions.rfm_table`)."""
DEFAULT_POINTS = {"recency_days": 30, "frequency": 30, "monetary": 40}
"""The weights offered first (the course text's 100 points)."""
MAX_LEVELS = 30
"""Most distinct levels of a text attribute the tier editor lists (one score input each)."""
DEFAULT_LEVEL_SCORE = 100
"""A level's score (0-100) until the user changes it: every level starts with the attribute's
full points (no order is invented for the levels); the user marks the lesser ones down."""
_P_ALIVE_BINS = 10



@dataclass(frozen=True)
class Problems:
    """Why a file or a fit cannot be used: the issues kept and how many there were in all."""

    issues: list[Issue]
    total: int


@dataclass(frozen=True)
class DataBlob:
    """A data file's name and bytes, keyed by their SHA-256 (:attr:`digest`)."""

    name: str
    data: bytes
    digest: str


BY_DIGEST = {DataBlob: lambda blob: blob.digest}


def blob_of(name: str, data: bytes) -> DataBlob:
    """A :class:`DataBlob` of ``data`` (hashed once)."""
    return DataBlob(name, data, hashlib.sha256(data).hexdigest())


def upload_limit_mb() -> int:
    """The upload size cap (``server.maxUploadSize``, MB)."""
    return int(st.get_option("server.maxUploadSize"))


def show_problems(container: Any, name: str, problems: Problems) -> None:
    """An error naming the file and how many problems it has, then each problem in the
    current language (the first :data:`ui.scenario_files.MAX_LISTED_ISSUES`)."""
    issues, total = problems.issues, problems.total
    container.error(t("data.invalid", name=md_text(name, 120), n=total), icon=":material/error:")
    shown = issues[:MAX_LISTED_ISSUES]
    lines = [f"- {issue_text(issue)}" for issue in shown]
    if total > len(shown):
        lines.append(f"- {t('data.more_issues', n=total - len(shown))}")
    container.markdown("\n".join(lines))


def _problems(exc: ScenarioError) -> Problems:
    return Problems(list(exc.issues), exc.total)


# ------------------------------------------------------------------ sample data

@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=state.BY_CONTENT)
def _sample(scenario: Scenario) -> SampleData | Problems:
    try:
        return sample_data(scenario, max_customers=SAMPLE_CUSTOMERS)
    except ScenarioError as exc:
        return _problems(exc)


def pin_sample() -> None:
    """Draw the sample data from the current scenario (a button's callback)."""
    st.session_state[SAMPLE_KEY] = state.current_scenario()


def sample_for() -> tuple[Scenario, SampleData | Problems]:
    """The scenario the sample is drawn from (pinned on first use, so that using a fit in a
    scenario does not redraw it) and the sample, or the problems drawing it."""
    if not isinstance(st.session_state.get(SAMPLE_KEY), Scenario):
        pin_sample()
    scenario = st.session_state[SAMPLE_KEY]
    return scenario, _sample(scenario)


def sample_survivors_blob(sample: SampleData) -> DataBlob:
    """The sample's survivor table as a CSV file."""
    return blob_of("sample_survivors.csv", survivors_csv(sample.survivors))


# ------------------------------------------------------------------ retention

@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=BY_DIGEST)
def survivor_table(blob: DataBlob) -> SurvivorTable | Problems:
    """The file's survivor table (:func:`sim.retention_fit.read_survivor_csv`) or its
    problems."""
    from sim.retention_fit import read_survivor_csv

    try:
        return read_survivor_csv(blob.data)
    except ScenarioError as exc:
        return _problems(exc)


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=BY_DIGEST)
def retention_fit(blob: DataBlob, model: str, holdout: int | None
                  ) -> tuple[RetentionFit, ConstantFit] | Problems:
    """The fit (:func:`sim.retention_fit.fit_retention`) and the constant-retention fit on
    the same periods, or the problems (a fit that did not converge is one)."""
    table = survivor_table(blob)
    if not isinstance(table, SurvivorTable):
        return table
    try:
        return fit_retention(table, model, holdout), fit_constant(table, holdout)  # type: ignore[arg-type]
    except ScenarioError as exc:
        return _problems(exc)


def survival_lines(table: SurvivorTable, fit: RetentionFit, constant: ConstantFit,
                   series: tuple[str, str, str]) -> pd.DataFrame:
    """``age, series, share`` of the chart: the pooled actual share still active, the fitted
    and the constant-retention survival, projected to twice the observed periods (at least
    10, at most 60)."""
    actual = pooled_survival(table)
    ages = np.arange(min(max(2 * table.periods, 10), 60) + 1)
    return pd.concat([
        pd.DataFrame({"age": np.arange(len(actual)), "series": series[0], "share": actual}),
        pd.DataFrame({"age": ages, "series": series[1], "share": fit.survival(ages)}),
        pd.DataFrame({"age": ages, "series": series[2], "share": constant.survival(ages)}),
    ], ignore_index=True)


def whole_life(fit: RetentionFit, margin: float, discount: float) -> tuple[float, float]:
    """DEL (periods) and whole-life CLV (currency) at ``margin`` per period and ``discount``
    per period (:func:`sim.data_scenario.fit_lifetime`, :func:`~sim.data_scenario.fit_clv`)."""
    return fit_lifetime(fit, discount), fit_clv(fit, margin, discount)


# ------------------------------------------------------------------ transactions

@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=BY_DIGEST)
def csv_columns(blob: DataBlob) -> list[str]:
    """The file's column names (its header row; empty when it is not a readable CSV)."""
    try:
        header = pd.read_csv(io.BytesIO(blob.data[:1 << 20]), nrows=0, dtype=str,
                             encoding="utf-8-sig", skipinitialspace=True)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return []
    return [str(c).strip() for c in header.columns]


def guess_column(columns: list[str], role: str) -> int:
    """Index of the column most likely to hold ``role`` (customer, date, amount)."""
    hints = {"customer": ("customer_id", "customer", "client", "id"),
             "date": ("date", "day", "time"), "amount": ("amount", "value", "spend", "price")}
    lowered = [c.lower() for c in columns]
    for hint in hints[role]:
        for i, name in enumerate(lowered):
            if name == hint or hint in name:
                return i
    return min({"customer": 0, "date": 1, "amount": 2}[role], max(len(columns) - 1, 0))


@st.cache_resource(max_entries=2, show_spinner=False, hash_funcs=BY_DIGEST)
def transaction_log(blob: DataBlob, customer: str, date_column: str, amount: str
                    ) -> TransactionLog | Problems:
    """The file as a :class:`sim.transactions.TransactionLog` (shared, read-only), or its
    problems."""
    try:
        return read_transactions(blob.data, customer, date_column, amount)
    except ScenarioError as exc:
        return _problems(exc)


def observation_default(log: TransactionLog) -> date:
    """The last purchase date of the log (the default observation date)."""
    return pd.Timestamp(log.purchases["date"].max()).date()


Columns = tuple[str, str, str]


@st.cache_resource(max_entries=4, show_spinner=False, hash_funcs=BY_DIGEST)
def _rfm(blob: DataBlob, columns: Columns, as_of: date) -> pd.DataFrame | Problems:
    log = transaction_log(blob, *columns)
    if not isinstance(log, TransactionLog):
        return log
    try:
        return rfm_table(log, as_of)
    except ScenarioError as exc:
        return _problems(exc)


def rfm_segments(blob: DataBlob, columns: Columns, as_of: date) -> pd.DataFrame | Problems:
    """:func:`sim.transactions.segment_summary` of the log at ``as_of``, or the problems."""
    rfm = _rfm(blob, columns, as_of)
    return segment_summary(rfm) if isinstance(rfm, pd.DataFrame) else rfm


def numeric_attributes(blob: DataBlob, columns: Columns, as_of: date) -> list[str]:
    """Numeric customer attributes that can be weighted: the RFM facts and the file's
    numeric columns."""
    rfm = _rfm(blob, columns, as_of)
    if not isinstance(rfm, pd.DataFrame):
        return list(RFM_ATTRIBUTES)
    log = transaction_log(blob, *columns)
    extra = [c for c in log.attributes.columns  # type: ignore[union-attr]
             if pd.api.types.is_numeric_dtype(rfm[c].dtype)]
    return list(RFM_ATTRIBUTES) + extra


def text_attributes(blob: DataBlob, columns: Columns) -> list[str]:
    """The file's text columns (candidates for the relationship stage)."""
    log = transaction_log(blob, *columns)
    if not isinstance(log, TransactionLog):
        return []
    return [c for c in log.attributes.columns
            if not pd.api.types.is_numeric_dtype(log.attributes[c].dtype)]


def level_key(attribute: str, level: str) -> str:
    """The session key of the score input of ``level`` of the text ``attribute`` (stable
    across reruns and files; unambiguous whatever the names contain)."""
    return "data_level_" + json.dumps([attribute, level], ensure_ascii=False)


def attribute_levels(blob: DataBlob, columns: Columns, as_of: date,
                     attribute: str) -> list[tuple[str, int]]:
    """The distinct non-empty levels of a text attribute over the customers at ``as_of``,
    with their customers, most customers first (then by name). Empty cells are not listed:
    :func:`sim.transactions.weighted_tiers` scores them 0."""
    rfm = _rfm(blob, columns, as_of)
    if not isinstance(rfm, pd.DataFrame) or attribute not in rfm.columns:
        return []
    counts = rfm[attribute].dropna().astype(str).value_counts()
    counts = counts[counts.index != ""]
    return sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))


Levels = tuple[tuple[str, tuple[tuple[str, float], ...]], ...]


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=BY_DIGEST)
def tiers(blob: DataBlob, columns: Columns, as_of: date, weights: tuple[tuple[str, float], ...],
          stage: str | None, levels: Levels = ()) -> pd.DataFrame | Problems:
    """:func:`sim.transactions.tier_summary` of the weighted tiers (crossed with ``stage``),
    text attributes scored by ``levels`` (attribute, ((level, score 0-100), ...)), or the
    problems (e.g. weights that do not add up to 100, a level score outside 0-100)."""
    rfm = _rfm(blob, columns, as_of)
    if not isinstance(rfm, pd.DataFrame):
        return rfm
    try:
        tiered = weighted_tiers(rfm, dict(weights), stage,
                                levels={name: dict(table) for name, table in levels})
        return tier_summary(tiered, stage)
    except ScenarioError as exc:
        return _problems(exc)


def tier_stage_table(summary: pd.DataFrame, all_label: str) -> pd.DataFrame:
    """Customers by tier (rows, translated) and stage (columns), with a total column."""
    table = summary.pivot_table(index="tier", columns="stage", values="customers",
                                aggfunc="sum", fill_value=0).reindex(list(TIERS), fill_value=0)
    table[all_label] = table.sum(axis=1)
    table.index = [tier_label(x) for x in table.index]
    table.columns.name = None
    return table


@dataclass(frozen=True)
class PurchaseResult:
    """BG/NBD and Gamma-Gamma on a log, summarised for the page.

    ``bgnbd``/``gamma_gamma``: the fits (None with their problems in ``*_problems``);
    ``customers``; ``p_alive`` (mean); ``expected_purchases`` (mean per customer over the
    next year); ``expected_spend`` (mean per purchase); ``expected_value`` (sum over
    customers of purchases × spend, next year, undiscounted); ``bins``: P(alive) histogram.
    """

    unit: str
    customers: int
    bgnbd: Any
    bgnbd_problems: Problems | None
    gamma_gamma: Any
    gamma_gamma_problems: Problems | None
    p_alive: float
    expected_purchases: float
    expected_spend: float
    expected_value: float
    bins: pd.DataFrame


def p_alive_bins(values: np.ndarray) -> pd.DataFrame:
    """``low, high, customers`` over ten equal P(alive) bins (1 in the last)."""
    edges = np.linspace(0.0, 1.0, _P_ALIVE_BINS + 1)
    counts, _ = np.histogram(np.clip(values, 0.0, 1.0), bins=edges)
    return pd.DataFrame({"low": edges[:-1], "high": edges[1:], "customers": counts})


@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=BY_DIGEST)
def purchase_models(blob: DataBlob, columns: Columns, as_of: date,
                    unit: str) -> PurchaseResult | Problems:
    """BG/NBD and Gamma-Gamma fitted on the log up to ``as_of`` (time in ``unit``s), with
    each customer's P(alive) and next-year purchases and spend (see :class:`PurchaseResult`)."""
    log = transaction_log(blob, *columns)
    if not isinstance(log, TransactionLog):
        return log
    try:
        summary = summary_from_log(log, as_of, unit)  # type: ignore[arg-type]
    except ScenarioError as exc:
        return _problems(exc)
    nan = float("nan")
    try:
        bg = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    except ScenarioError as exc:
        return PurchaseResult(unit, len(summary), None, _problems(exc), None, None, nan, nan,
                              nan, nan, p_alive_bins(np.zeros(0)))
    gg, gg_problems = None, None
    try:
        gg = fit_gamma_gamma(summary["frequency"], summary["monetary_value"])
    except ScenarioError as exc:
        gg_problems = _problems(exc)
    year = 365.25 / TIME_UNITS[unit]
    pred = customer_predictions(summary, bg.model, year, None if gg is None else gg.model)
    spend = float(pred["expected_spend"].mean()) if gg is not None else nan
    value = float(pred["expected_value"].sum()) if gg is not None else nan
    return PurchaseResult(unit, len(summary), bg, None, gg, gg_problems,
                          float(pred["p_alive"].mean()),
                          float(pred["expected_purchases"].mean()), spend, value,
                          p_alive_bins(pred["p_alive"].to_numpy()))


@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=BY_DIGEST)
def activity(blob: DataBlob, columns: Columns, as_of: date
             ) -> tuple[SurvivorTable, RetentionFit | None, Problems | None] | Problems:
    """The yearly cohort activity matrix of the log (:func:`sim.transactions.cohort_activity`)
    and the sBG fit of it (or why it did not converge), or the problems."""
    log = transaction_log(blob, *columns)
    if not isinstance(log, TransactionLog):
        return log
    try:
        table = cohort_activity(log, "year", as_of)
    except ScenarioError as exc:
        return _problems(exc)
    try:
        return table, fit_retention(table, "sbg"), None
    except ScenarioError as exc:
        return table, None, _problems(exc)


def activity_frame(table: SurvivorTable, cohort_label: str) -> pd.DataFrame:
    """The survivor table as cohort rows × age columns (customers; NaN where unobserved,
    shown as the not-available text by :func:`ui.tables.fmt_table`)."""
    width = table.periods + 1
    rows = [np.concatenate([np.asarray(s, dtype=float), np.full(width - len(s), np.nan)])
            for s in table.survivors]
    frame = pd.DataFrame(rows, columns=[str(a) for a in range(width)])
    frame.insert(0, cohort_label, [str(label) for label in table.labels])
    return frame


@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=BY_DIGEST)
def economics(blob: DataBlob, columns: Columns, as_of: date) -> LogEconomics | Problems:
    """Acquisition per year and spend per customer-year of the log
    (:func:`sim.data_scenario.log_economics`), or the problems."""
    log = transaction_log(blob, *columns)
    if not isinstance(log, TransactionLog):
        return log
    try:
        return log_economics(log, as_of)
    except ScenarioError as exc:
        return _problems(exc)


# ------------------------------------------------------------------ labels

def segment_label(code: str) -> str:
    """An RFM segment code in the current language."""
    labels = {
        "champions": t("data.segment_champions"), "loyal": t("data.segment_loyal"),
        "potential_loyalist": t("data.segment_potential_loyalist"),
        "new": t("data.segment_new"), "promising": t("data.segment_promising"),
        "need_attention": t("data.segment_need_attention"),
        "about_to_sleep": t("data.segment_about_to_sleep"),
        "cannot_lose": t("data.segment_cannot_lose"), "at_risk": t("data.segment_at_risk"),
        "hibernating": t("data.segment_hibernating")}
    assert set(labels) == set(SEGMENTS)
    return labels[code]


def param_label(name: str) -> tuple[str, str]:
    """A fitted retention parameter's label and help text in the current language."""
    return {"alpha": (t("data.param_alpha"), t("data.param_alpha_help")),
            "beta": (t("data.param_beta"), t("data.param_beta_help")),
            "c": (t("data.param_c"), t("data.param_c_help"))}[name]


def tier_label(code: str) -> str:
    """Tier ``A`` … ``E`` in the current language."""
    return t("data.tier_name", tier=code)


def attribute_label(name: str) -> str:
    """A weighted attribute: the RFM facts translated, the file's columns as they are."""
    labels = {"recency_days": t("data.attr_recency_days"),
              "frequency": t("data.attr_frequency"), "monetary": t("data.attr_monetary"),
              "total_spend": t("data.attr_total_spend")}
    return labels.get(name, name)


def model_label(code: str) -> str:
    """A retention model code in the current language."""
    return {"sbg": t("data.model_sbg"), "bdw": t("data.model_bdw")}[code]


def model_short(code: str) -> str:
    """A retention model's abbreviation (the same in every language)."""
    return {"sbg": "sBG", "bdw": "BdW"}[code]


def unit_label(code: str) -> str:
    """A time unit code in the current language."""
    return {"day": t("data.unit_day"), "week": t("data.unit_week"),
            "month": t("data.unit_month")}[code]


# ------------------------------------------------------------------ use in a scenario

def fitted_for(source: str, **data: Any) -> Scenario | Problems:
    """The loaded scenario with what the data say (:func:`sim.data_scenario.fitted_scenario`),
    or the problems."""
    try:
        return fitted_scenario(state.base_scenario(), source, **data)
    except ScenarioError as exc:
        return _problems(exc)


def use_in_scenario(scenario: Scenario) -> None:
    """Load ``scenario`` into the session (a button's callback): every page runs it, the
    Compare page can pick it, and its TOML stays downloadable here."""
    state.open_session_scenario(local_text(scenario.name), scenario, state.loaded_source())
    st.session_state[USED_KEY] = scenario


def used_scenario() -> Scenario | None:
    """The last scenario written by "Use in a scenario" in this session."""
    used = st.session_state.get(USED_KEY)
    return used if isinstance(used, Scenario) else None


def scenario_toml(scenario: Scenario) -> tuple[bytes, str]:
    """A scenario as TOML bytes and a file name for its download."""
    return (scenario_io.dumps(scenario, state.loaded_source()).encode("utf-8"),
            f"{file_stem(scenario.name)}.toml")
