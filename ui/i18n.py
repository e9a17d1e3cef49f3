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
    unit_text,
)
from sim.schema import BilingualText, Issue, localized_text
from ui.text import md_text

__all__ = ["LANGUAGES", "DEFAULT_LANG", "load_catalog", "current_lang", "t", "fmt_money",
           "fmt_number", "fmt_pct", "fmt_delta_money", "fmt_money_short", "fmt_count",
           "default_lang_from_locale", "issue_text", "local_text", "unit_label",
           "widget_format", "file_text"]


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


def local_text(value: str | BilingualText | None) -> str:
    """A scenario's name or description in the current language
    (:func:`sim.schema.localized_text`: the other language when the file has only one)."""
    return localized_text(value, current_lang())


def unit_label(unit: str) -> str:
    """A field's unit in the current language (:func:`sim.locale.unit_text`)."""
    return unit_text(unit, current_lang())


def widget_format(fmt: str) -> str:
    """A slider's printf format in the current language: ``"%.0f %%"`` shows ``60 %`` in
    English and ``60%`` in Chinese (as :func:`fmt_pct` writes percentages)."""
    return fmt.replace(" %%", "%%") if current_lang() == "zh" else fmt


def issue_text(issue: Issue) -> str:
    """One validation problem in the current language (field path, allowed range, value),
    for a Markdown element: the path and the value come from the user's file, shown as text.
    The allowed range and the finding are the catalog's (:meth:`sim.schema.Issue.allowed_text`)
    where the issue has a key, else as ``sim`` wrote them."""
    lang = current_lang()
    return t(f"validation.{issue.code}", path=md_text(issue.path, 200) if issue.path else "—",
             allowed=issue.allowed_text(lang), got=md_text(issue.got_text(lang), 200))


def file_text(value: object) -> object:
    """A name or description in its file form: a str, or a ``{en, zh}`` dict (a held
    :class:`sim.schema.BilingualText` gives its ``to_plain()``)."""
    to_plain = getattr(value, "to_plain", None)
    return to_plain() if callable(to_plain) else value
