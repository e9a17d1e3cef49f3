"""Number and money formats of both languages come from Babel (CLDR), issue 16 item 1."""

from __future__ import annotations

import math

import pytest

from sim.locale import (
    format_delta_money,
    format_money,
    format_money_short,
    format_number,
    format_pct,
)


@pytest.mark.parametrize("value,lang,expected", [
    (4_945_000, "en", "USD 4.94M"), (4_945_000, "zh", "USD 494万"),
    (494_500_000, "zh", "USD 4.94亿"), (2_500_000_000, "en", "USD 2.5B"),
    (12_345, "zh", "USD 1.23万"), (12_345, "en", "USD 12,345"), (1234, "zh", "USD 1,234"),
])
def test_short_money_uses_the_languages_large_units(value: float, lang: str,
                                                   expected: str) -> None:
    assert format_money_short(value, "USD", lang) == expected


def test_short_money_signs() -> None:
    assert format_money_short(-2_770_000, "USD", "en") == "-USD 2.77M"
    assert format_money_short(2_770_000, "USD", "zh", delta=True) == "+USD 277万"
    assert format_money_short(-2_770_000, "USD", "zh", delta=True) == "-USD 277万"


def test_money_and_numbers() -> None:
    assert format_money(1_234_567.5, "CNY", "zh") == "CNY 1,234,567.50"
    assert format_money(-5, "USD", "en") == "-USD 5.00"
    assert format_delta_money(5.05, "USD", "en") == "+USD 5.05"
    assert format_delta_money(-0.4, "EUR", "zh") == "-EUR 0.40"
    assert format_number(1234.5, "en", 1) == "1,234.5"
    assert format_number(1234.5, "zh") == "1,234"               # CLDR rounds half to even


def test_percent_follows_each_language() -> None:
    assert format_pct(0.619, "en") == "61.9 %"                    # house style: a space
    assert format_pct(0.619, "zh") == "61.9%"                     # Chinese: none
    assert format_pct(-0.059, "zh", 0) == "-6%"


@pytest.mark.parametrize("bad", [None, math.nan, math.inf])
def test_missing_values_show_the_catalogs_text(bad: float | None) -> None:
    for lang in ("en", "zh"):
        assert format_money_short(bad, "USD", lang) == "–"
        assert format_pct(bad, lang) == "–"
