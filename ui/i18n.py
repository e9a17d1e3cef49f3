"""The sidebar's language and the app's text: thin wrappers over :mod:`sim.locale`.

The catalogs and the number formats live in :mod:`sim.locale` (so the command line
formats a figure as the page does); here each function uses the language chosen in
the sidebar (``st.session_state["lang"]``).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from sim.locale import (
    DEFAULT_LANG,
    LANGUAGES,
    format_delta_money,
    format_money,
    format_money_short,
    format_number,
    format_pct,
    load_catalog,
    translate,
)
from sim.schema import Issue
from ui.text import md_text

__all__ = ["LANGUAGES", "DEFAULT_LANG", "load_catalog", "current_lang", "t", "fmt_money",
           "fmt_number", "fmt_pct", "fmt_delta_money", "fmt_money_short", "fmt_count",
           "default_lang_from_locale", "issue_text", "scenario_text", "file_text"]


def default_lang_from_locale(locale: str | None) -> str:
    """``zh`` for a Chinese browser locale (``zh-CN``, ``zh``), else English."""
    return "zh" if locale and locale.lower().startswith("zh") else DEFAULT_LANG


def current_lang() -> str:
    """The language chosen in the sidebar (``st.session_state["lang"]``)."""
    lang = st.session_state.get("lang", DEFAULT_LANG)
    return lang if lang in LANGUAGES else DEFAULT_LANG


def t(key: str, lang: str | None = None, **params: Any) -> str:
    """Translated text for ``key`` with ``{placeholders}`` filled from ``params``."""
    return translate(key, lang or current_lang(), **params)


def fmt_number(value: float | None, decimals: int = 0) -> str:
    """A number in the current language (:func:`sim.locale.format_number`)."""
    return format_number(value, current_lang(), decimals)


def fmt_count(value: float | None) -> str:
    """Whole customers for reading (expected values are rounded)."""
    return format_number(value, current_lang(), 0)


def fmt_money(value: float | None, currency: str, decimals: int = 2) -> str:
    """Money with its currency code (:func:`sim.locale.format_money`)."""
    return format_money(value, currency, current_lang(), decimals)


def fmt_money_short(value: float | None, currency: str, delta: bool = False) -> str:
    """Money in large units of the language (:func:`sim.locale.format_money_short`)."""
    return format_money_short(value, currency, current_lang(), delta)


def fmt_delta_money(value: float | None, currency: str, decimals: int = 2) -> str:
    """Signed money difference (:func:`sim.locale.format_delta_money`)."""
    return format_delta_money(value, currency, current_lang(), decimals)


def fmt_pct(fraction: float | None, decimals: int = 1) -> str:
    """A fraction as a percentage (:func:`sim.locale.format_pct`)."""
    return format_pct(fraction, current_lang(), decimals)


def issue_text(issue: Issue) -> str:
    """One validation problem in the current language (field path, allowed range, value),
    for a Markdown element: the path and the value come from the user's file, shown as text."""
    return t(f"validation.{issue.code}", path=md_text(issue.path, 200) if issue.path else "—",
             allowed=issue.allowed, got=md_text(issue.got, 200))


def scenario_text(value: object) -> str:
    """A scenario's name or description in the current language: a plain string, or the
    ``{en, zh}`` table of a bilingual file (the other language when one is missing).

    Stands in for the bilingual helper's ``sim.scenario.localized_text(value, lang)``; when
    that lands this should call it."""
    value = file_text(value)
    if isinstance(value, dict):
        lang = current_lang()
        return str(value.get(lang) or next((v for v in value.values() if v), ""))
    return str(value)


def file_text(value: object) -> object:
    """A name or description in its file form: a str, or a ``{en, zh}`` dict (a held
    bilingual text object gives its ``to_plain()``)."""
    to_plain = getattr(value, "to_plain", None)
    return to_plain() if callable(to_plain) else value
