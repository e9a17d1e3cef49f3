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
import re
import tomllib
from pathlib import Path
from typing import Any, TypeGuard

from babel.numbers import (
    format_compact_decimal,
    format_currency,
    format_decimal,
    format_percent,
)

__all__ = ["LANGUAGES", "DEFAULT_LANG", "LOCALES_DIR", "load_catalog", "translate",
           "format_number", "format_money", "format_money_short", "format_delta_money",
           "format_pct", "unit_text", "BABEL_LOCALES", "babel_locale"]

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


def unit_text(unit: str, lang: str) -> str:
    """A field's unit (``sim.schema.FieldSpec.unit``, e.g. ``fraction``,
    ``currency/customer-year``) in ``lang``, from the catalog table ``[units]`` (keys are
    the units as declared); the unit itself when the catalog has none."""
    if not unit:
        return ""
    language = lang if lang in LANGUAGES else DEFAULT_LANG
    return load_catalog(language).get(f"units.{unit}") or unit


def _finite(value: float | None) -> TypeGuard[float]:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


BABEL_LOCALES = {"en": "en_US", "zh": "zh_Hans_CN"}
"""The CLDR locale (Babel) each language formats numbers in."""


def babel_locale(lang: str) -> str:
    """The Babel/CLDR locale of ``lang`` (``en_US``, ``zh_Hans_CN``; English when unknown)."""
    return BABEL_LOCALES.get(lang, BABEL_LOCALES[DEFAULT_LANG])


def _pattern(decimals: int) -> str:
    """CLDR decimal pattern with grouping and exactly ``decimals`` fraction digits."""
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def format_number(value: float | None, lang: str, decimals: int = 0) -> str:
    """``1,234.5``-style number (Babel ``format_decimal``); the catalog's not-available text
    (``–``) for missing or non-finite values."""
    if not _finite(value):
        return translate("common.not_available", lang)
    return format_decimal(value, format=_pattern(decimals), locale=babel_locale(lang))


def _money(value: float, currency: str, lang: str, decimals: int, plus: bool) -> str:
    """``USD 1,234.50`` / ``-USD 1,234.50`` (``+USD …`` with ``plus``): Babel
    ``format_currency`` with the currency code before the number."""
    body = "\u00a4\u00a4 " + _pattern(decimals)
    pattern = f"+{body};-{body}" if plus else f"{body};-{body}"
    return format_currency(value, currency, format=pattern, locale=babel_locale(lang),
                           currency_digits=False)


def format_money(value: float | None, currency: str, lang: str, decimals: int = 2) -> str:
    """Money with its currency code, e.g. ``USD 66.94``, ``-USD 5.00``."""
    if not _finite(value):
        return translate("common.not_available", lang)
    return _money(value, currency, lang, decimals, plus=False)


def format_money_short(value: float | None, currency: str, lang: str,
                       delta: bool = False) -> str:
    """Money rounded for reading in the large units of the language, three significant
    digits (Babel ``format_compact_decimal``): ``USD 4.94M`` in English, ``USD 494.5万`` and
    ``USD 4.9亿`` in Chinese. Amounts below ``common.compact_from`` (1 million in English,
    1 万 in Chinese) are whole units (``USD 1,234``). Full precision stays in tables and
    exports. ``delta`` adds a leading sign (``+``/``-``)."""
    if not _finite(value):
        return translate("common.not_available", lang)
    sign = ("+" if value >= 0 else "-") if delta else ("-" if value < 0 else "")
    magnitude = abs(value)
    if magnitude < float(translate("common.compact_from", lang)):
        return sign + _money(magnitude, currency, lang, 0, plus=False)
    locale = babel_locale(lang)
    whole = format_compact_decimal(magnitude, locale=locale, fraction_digits=0)
    digits = len(re.match(r"[\d,]*", whole).group().replace(",", ""))  # type: ignore[union-attr]
    text = format_compact_decimal(magnitude, locale=locale, fraction_digits=max(0, 3 - digits))
    return f"{sign}{currency} {text}"


def format_delta_money(value: float | None, currency: str, lang: str,
                       decimals: int = 2) -> str:
    """Signed money difference, e.g. ``+USD 5.05``, ``-USD 0.40``."""
    if not _finite(value):
        return translate("common.not_available", lang)
    return _money(value, currency, lang, decimals, plus=True)


def format_pct(fraction: float | None, lang: str, decimals: int = 1) -> str:
    """A fraction shown as a percentage: ``0.619`` → ``61.9 %`` in English (the house style,
    a space before the sign), ``61.9%`` in Chinese (CLDR's zh pattern, Babel
    ``format_percent``)."""
    if not _finite(fraction):
        return translate("common.not_available", lang)
    body = _pattern(decimals) + "%"
    pattern = body.replace("%", "\u00a0%") if lang == "en" else body
    return format_percent(fraction, format=pattern, locale=babel_locale(lang)).replace(
        "\u00a0", " ")
