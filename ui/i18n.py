"""Translation catalogs (English, Simplified Chinese) and number formatting.

Catalogs are TOML files under ``ui/locales/<lang>/``: one file per area of the
app, tables nest into dotted keys (``[clv] title = "…"`` → ``clv.title``). Both
languages must have the same keys and placeholders (a test checks it).
``t(key, **params)`` looks the key up in the current language, falls back to
English, and formats ``{placeholders}``.
"""

from __future__ import annotations

import functools
import math
import tomllib
from pathlib import Path
from typing import Any

import streamlit as st

from sim.schema import Issue
from ui.text import md_text

__all__ = ["LANGUAGES", "DEFAULT_LANG", "load_catalog", "current_lang", "t", "fmt_money",
           "fmt_number", "fmt_pct", "fmt_delta_money", "fmt_money_short", "fmt_count",
           "default_lang_from_locale", "issue_text"]

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = {"en": "English", "zh": "简体中文"}
DEFAULT_LANG = "en"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, full + "."))
        else:
            flat[full] = str(value)
    return flat


@functools.cache
def load_catalog(lang: str) -> dict[str, str]:
    """All strings of one language as a flat ``{dotted key: text}`` mapping."""
    catalog: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.toml")):
        with path.open("rb") as fh:
            for key, text in _flatten(tomllib.load(fh)).items():
                if key in catalog:
                    raise ValueError(f"duplicate catalog key {key!r} in {path}")
                catalog[key] = text
    return catalog


def default_lang_from_locale(locale: str | None) -> str:
    """``zh`` for a Chinese browser locale (``zh-CN``, ``zh``), else English."""
    return "zh" if locale and locale.lower().startswith("zh") else DEFAULT_LANG


def current_lang() -> str:
    """The language chosen in the sidebar (``st.session_state["lang"]``)."""
    lang = st.session_state.get("lang", DEFAULT_LANG)
    return lang if lang in LANGUAGES else DEFAULT_LANG


def t(key: str, lang: str | None = None, **params: Any) -> str:
    """Translated text for ``key`` with ``{placeholders}`` filled from ``params``."""
    language = lang or current_lang()
    text = load_catalog(language).get(key) or load_catalog(DEFAULT_LANG).get(key)
    if text is None:
        return key
    return text.format(**params) if params else text


def _finite(value: float | None) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def fmt_number(value: float | None, decimals: int = 0) -> str:
    """``1,234.5``-style number; ``–`` for missing or non-finite values."""
    if not _finite(value):
        return t("common.not_available")
    return f"{value:,.{decimals}f}"


def fmt_count(value: float | None) -> str:
    """Whole customers for reading (expected values are rounded)."""
    return fmt_number(value, 0)


def fmt_money(value: float | None, currency: str, decimals: int = 2) -> str:
    """Money with its currency code, e.g. ``USD 66.94``."""
    if not _finite(value):
        return t("common.not_available")
    sign = "-" if value < 0 else ""
    return f"{sign}{currency} {abs(value):,.{decimals}f}"


def fmt_money_short(value: float | None, currency: str, delta: bool = False) -> str:
    """Money rounded for reading in large units of the language: ``USD 4.94 M`` in English,
    ``USD 494.5 万`` in Chinese (units and thresholds from ``common.short_units``).
    Full precision stays in tables and exports. ``delta`` adds a leading sign."""
    if not _finite(value):
        return t("common.not_available")
    sign = ("+" if value >= 0 else "-") if delta else ("-" if value < 0 else "")
    magnitude = abs(value)
    for item in t("common.short_units").split(","):
        threshold, _, suffix = item.partition(":")
        if magnitude >= float(threshold):
            scaled = magnitude / float(threshold)
            decimals = 2 if scaled < 10 else 1 if scaled < 100 else 0
            return f"{sign}{currency} {scaled:,.{decimals}f} {suffix}"
    return f"{sign}{currency} {magnitude:,.0f}"


def fmt_delta_money(value: float | None, currency: str, decimals: int = 2) -> str:
    """Signed money difference, e.g. ``+USD 5.05``."""
    if not _finite(value):
        return t("common.not_available")
    sign = "+" if value >= 0 else "-"
    return f"{sign}{currency} {abs(value):,.{decimals}f}"


def fmt_pct(fraction: float | None, decimals: int = 1) -> str:
    """A fraction shown as a percentage, e.g. ``0.619`` → ``61.9 %``."""
    if not _finite(fraction):
        return t("common.not_available")
    return f"{fraction * 100:.{decimals}f} %"


def issue_text(issue: Issue) -> str:
    """One validation problem in the current language (field path, allowed range, value),
    for a Markdown element: the path and the value come from the user's file, shown as text."""
    return t(f"validation.{issue.code}", path=md_text(issue.path, 200) if issue.path else "—",
             allowed=issue.allowed, got=md_text(issue.got, 200))
