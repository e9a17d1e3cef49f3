"""Showing KPIs as the registry (:mod:`sim.kpis`) says: labels, format rules, reasons, deltas.

Every page, the Compare table and the scorecard format a KPI through these
functions, so one figure reads the same everywhere, and a missing value shows
the same reason wording ("no investment", "not within the horizon") on every page.
"""

from __future__ import annotations

from typing import Any

from sim import display
from sim.budget import BudgetError
from sim.finance import REASON_NO_INVESTMENT, REASON_NOT_WITHIN_HORIZON, FinanceSummary
from sim.kpis import KPIS, rounds_to_zero
from sim.schema import ScenarioError
from sim.whatif import WhatIf
from ui.i18n import current_lang, issue_text, local_text, t
from ui.text import md_text

__all__ = ["kpi_label", "reason_text", "format_kpi", "metric_delta", "metric_args",
           "finance_metric_args", "finance_metric", "baseline_note", "judgement_text",
           "run_problem_text", "signed_delta"]


def kpi_label(key: str) -> str:
    """The KPI's label in the current language (``kpi.<key>``)."""
    return display.kpi_label(key, current_lang())


def reason_text(reason: str | None) -> str:
    """Why a value is missing, in the current language (``reason.<code>``); "not available"
    when no reason is known."""
    return display.reason_text(reason, current_lang())


_missing = display.is_missing


def format_kpi(key: str, value: float | None, currency: str, *, delta: bool = False,
               short: bool = False, reason: str | None = None, lang: str | None = None) -> str:
    """A KPI value (or, with ``delta``, a signed difference) by its format rule, in the
    current language (:func:`sim.display.format_kpi`, which the one-page report uses too).

    Args:
        key: a registered KPI.
        value: in the KPI's unit (fractions for ``pct``); None/NaN reads as ``reason``.
        currency: the scenario's currency code.
        delta: signed, and percentages as points (pp).
        short: large money in the language's large units (``USD 1.23 M``), for tiles.
        reason: shown when the value is missing.
        lang: the language (default: the sidebar's; given where no script runs, e.g. a
            download built on click).
    """
    return display.format_kpi(key, value, currency, lang or current_lang(), delta=delta,
                              short=short, reason=reason)


def metric_delta(key: str, delta: float | None, currency: str,
                 short: bool = False) -> tuple[str | None, str]:
    """``(text, delta_color)`` for ``st.metric``: no text when the delta is missing or reads
    as zero (never a green "+USD 0.00"); colour ``normal`` when higher is better,
    ``inverse`` when lower is better, ``off`` for a neutral KPI."""
    if _missing(delta) or rounds_to_zero(key, delta):
        return None, "off"
    color = {"higher": "normal", "lower": "inverse", "neutral": "off"}[KPIS[key].direction]
    return format_kpi(key, delta, currency, delta=True, short=short), color


def metric_args(key: str, value: float | None, base: float | None, currency: str, *,
                short: bool = False, reason: str | None = None) -> dict[str, object]:
    """Keyword arguments of ``st.metric`` for a KPI against its baseline value: ``value``,
    ``delta``, ``delta_color`` and, when the value is missing, its reason as a grey note."""
    if _missing(value):
        return {"value": t("kpi_value.missing"), "delta": reason_text(reason),
                "delta_color": "off", "delta_arrow": "off"}
    text, color = metric_delta(key, None if _missing(base) else value - base, currency, short)
    return {"value": format_kpi(key, value, currency, short=short), "delta": text,
            "delta_color": color}


def finance_metric_args(finance: FinanceSummary, key: str, currency: str, *,
                        short: bool = False) -> dict[str, object]:
    """``st.metric`` arguments for a finance value (ROI, IRR, a payback…): the value, or
    "—" with the reason ("no investment", "not within the horizon") under it."""
    value = finance.value(key)
    if _missing(value):
        return metric_args(key, None, None, currency, reason=finance.reason(key))
    return {"value": format_kpi(key, value, currency, short=short)}


def judgement_text(judgement: str) -> str:
    """A scorecard direction (``better``, ``worse``, ``same``, ``changed``, ``n/a``) as text."""
    return t(f"judgement.{judgement.replace('/', '_')}")


def finance_metric(container: Any, finance: FinanceSummary, key: str, currency: str, *,
                   label: str | None = None, help_text: str | None = None,
                   short: bool = False) -> None:
    """One finance tile (``st.metric``) on ``container``: the value, or "—" with its reason.
    The dashboard and the ROI page both draw their ROI, IRR and paybacks with it, so the
    same scenario reads the same there. The help explains a missing value's reason."""
    reason = finance.reason(key)
    if reason in (REASON_NO_INVESTMENT, REASON_NOT_WITHIN_HORIZON):
        help_text = t(f"reason_help.{reason}")
    container.metric(label or kpi_label(key),
                     **finance_metric_args(finance, key, currency, short=short), help=help_text)


def baseline_note(w: WhatIf) -> str:
    """What every delta, ROI and payback of ``w`` is measured against, and its cost."""
    kind = t(f"baseline_kind.{w.scenario.baseline.kind}",
             preset=md_text(local_text(w.baseline.name)))
    cost = format_kpi("incremental_cost", w.finance.incremental_cost, w.scenario.currency)
    return t("dashboard.baseline_note", kind=kind) + " " + t("dashboard.cost_note", cost=cost)


def run_problem_text(exc: ScenarioError) -> str:
    """Why a what-if could not be run: the work budget refused it, or its baseline could
    not be built (e.g. ``baseline.preset`` names no library file), with every problem."""
    problems = "; ".join(issue_text(issue) for issue in exc.issues)
    key = "budget.refused" if isinstance(exc, BudgetError) else "dashboard.baseline_error"
    return t(key, problems=problems)


def signed_delta(delta: float | None, decimals: int) -> str | None:
    """A signed difference for a figure outside the KPI registry (e.g. mean satisfaction),
    or None when it is missing or reads as zero at ``decimals`` (no green "↑ 0.00")."""
    if _missing(delta) or round(float(delta), decimals) == 0:
        return None
    return f"{delta:+,.{decimals}f}"
