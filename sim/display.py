"""Figures and names as text in a given language, with no UI.

The pages (through :mod:`ui.kpi_format` and :mod:`ui.compare_view`, with the sidebar's
language) and the one-page report (:mod:`sim.onepage`, with the language asked for)
show a KPI, a missing value's reason and a field's name through these functions, so
one figure reads the same on the page and on paper. Number formats come from
:mod:`sim.locale`.
"""

from __future__ import annotations

import math

from sim.kpis import KPIS
from sim.locale import (
    format_delta_money,
    format_money,
    format_money_short,
    format_number,
    format_pct,
    load_catalog,
    translate,
)

__all__ = ["kpi_label", "reason_text", "format_kpi", "field_label", "is_missing"]


def is_missing(value: float | None) -> bool:
    """True for None, a non-number, NaN or an infinity (shown as its reason)."""
    return value is None or not isinstance(value, (int, float)) or not math.isfinite(value)


def kpi_label(key: str, lang: str) -> str:
    """The KPI's label in ``lang`` (``kpi.<key>``)."""
    return translate(KPIS[key].label_key, lang)


def reason_text(reason: str | None, lang: str) -> str:
    """Why a value is missing, in ``lang`` (``reason.<code>``); "not available" when no
    reason is known."""
    return translate(f"reason.{reason}", lang) if reason else translate("common.not_available",
                                                                          lang)


def format_kpi(key: str, value: float | None, currency: str, lang: str, *,
               delta: bool = False, short: bool = False, reason: str | None = None) -> str:
    """A KPI value (or, with ``delta``, a signed difference) by its format rule, in ``lang``.

    Args:
        key: a registered KPI (:data:`sim.kpis.KPIS`).
        value: in the KPI's unit (fractions for ``pct``); None/NaN reads as ``reason``.
        currency: the scenario's currency code.
        lang: ``en`` or ``zh``.
        delta: signed, and percentages as points (pp).
        short: large money in the language's large units (``USD 1.23 M``), for tiles.
        reason: shown when the value is missing.
    """
    if is_missing(value):
        return reason_text(reason, lang)
    assert value is not None
    rule = KPIS[key]
    sign = "+" if delta and value >= 0 else ""
    if rule.format in ("money", "money_whole"):
        if short and rule.format == "money_whole":
            return format_money_short(value, currency, lang, delta=delta)
        return (format_delta_money(value, currency, lang, rule.decimals) if delta
                else format_money(value, currency, lang, rule.decimals))
    if rule.format == "count":
        return sign + format_number(value, lang, 0)
    if rule.format == "pct":
        return (sign + translate("dashboard.points", lang,
                                 value=format_number(value * 100, lang, rule.decimals))
                if delta else format_pct(value, lang, rule.decimals))
    return sign + translate("dashboard.years_value", lang,
                            value=format_number(value, lang, rule.decimals))


def field_label(path: str, lang: str) -> str:
    """A scenario field's name in ``lang`` (``field.<path with _>``; a programme's field
    names its programme), or the dotted path when the catalog has no name for it."""
    parts = path.split(".")
    if parts[0] == "programmes" and len(parts) == 3:
        key = f"field.programme_{parts[2]}"
        return (translate(key, lang, programme=translate(f"programme.{parts[1]}", lang))
                if key in load_catalog("en") else path)
    key = f"field.{path.replace('.', '_')}"
    return translate(key, lang) if key in load_catalog("en") else path
