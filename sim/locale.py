"""Translation catalogs (English, Simplified Chinese) and number formatting, with no UI.

Catalogs are TOML files under ``sim/locales/<lang>/``: one file per area of the
app, tables nest into dotted keys (``[clv] title = "…"`` → ``clv.title``). Both
languages must have the same keys and placeholders (a test checks it).
``translate(key, lang, **params)`` looks the key up in ``lang``, falls back to
English, and formats ``{placeholders}``.

Every function here takes the language explicitly, so the command line (the
one-page report) and the pages format the same figure the same way;
:mod:`ui.i18n` wraps them with the language chosen in the sidebar.
"""

from __future__ import annotations

import functools
import math
import tomllib
from pathlib import Path
from typing import Any, TypeGuard

__all__ = ["LANGUAGES", "DEFAULT_LANG", "LOCALES_DIR", "load_catalog", "translate",
           "format_number", "format_money", "format_money_short", "format_delta_money",
           "format_pct"]

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


def translate(key: str, lang: str, **params: Any) -> str:
    """Text for ``key`` in ``lang`` (English when missing) with ``{placeholders}`` filled."""
    language = lang if lang in LANGUAGES else DEFAULT_LANG
    text = load_catalog(language).get(key) or load_catalog(DEFAULT_LANG).get(key)
    if text is None:
        return key
    return text.format(**params) if params else text


def _finite(value: float | None) -> TypeGuard[float]:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def format_number(value: float | None, lang: str, decimals: int = 0) -> str:
    """``1,234.5``-style number; ``–`` for missing or non-finite values."""
    if not _finite(value):
        return translate("common.not_available", lang)
    return f"{value:,.{decimals}f}"


def format_money(value: float | None, currency: str, lang: str, decimals: int = 2) -> str:
    """Money with its currency code, e.g. ``USD 66.94``."""
    if not _finite(value):
        return translate("common.not_available", lang)
    sign = "-" if value < 0 else ""
    return f"{sign}{currency} {abs(value):,.{decimals}f}"


def format_money_short(value: float | None, currency: str, lang: str,
                       delta: bool = False) -> str:
    """Money rounded for reading in large units of the language: ``USD 4.94 M`` in English,
    ``USD 494.5 万`` in Chinese (units and thresholds from ``common.short_units``).
    Full precision stays in tables and exports. ``delta`` adds a leading sign."""
    if not _finite(value):
        return translate("common.not_available", lang)
    sign = ("+" if value >= 0 else "-") if delta else ("-" if value < 0 else "")
    magnitude = abs(value)
    for item in translate("common.short_units", lang).split(","):
        threshold, _, suffix = item.partition(":")
        if magnitude >= float(threshold):
            scaled = magnitude / float(threshold)
            decimals = 2 if scaled < 10 else 1 if scaled < 100 else 0
            return f"{sign}{currency} {scaled:,.{decimals}f} {suffix}"
    return f"{sign}{currency} {magnitude:,.0f}"


def format_delta_money(value: float | None, currency: str, lang: str,
                       decimals: int = 2) -> str:
    """Signed money difference, e.g. ``+USD 5.05``."""
    if not _finite(value):
        return translate("common.not_available", lang)
    sign = "+" if value >= 0 else "-"
    return f"{sign}{currency} {abs(value):,.{decimals}f}"


def format_pct(fraction: float | None, lang: str, decimals: int = 1) -> str:
    """A fraction shown as a percentage, e.g. ``0.619`` → ``61.9 %``."""
    if not _finite(fraction):
        return translate("common.not_available", lang)
    return f"{fraction * 100:.{decimals}f} %"
