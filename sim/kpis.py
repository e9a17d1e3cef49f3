"""The KPI registry: every figure the pages, compare, the scorecard, the CLI and exports show.

Each KPI is declared once here: its stable snake_case ``key`` (JSON name), its
``unit``, its ``direction`` (is a rise better, worse, or neither), its i18n
label key (``kpi.<key>`` in ``sim/locales/*/kpis.toml``) and its format rule.
Readers look a KPI up here instead of repeating names, units and labels.

Format rules (how a value is shown; exports keep full precision):

* ``money``: currency with 2 decimals (per-customer values: ``USD 66.94``);
* ``money_whole``: currency rounded to whole units (totals: ``USD 1,234,567``; tiles may
  abbreviate it, ``USD 1.23 M``);
* ``count``: whole customers;
* ``pct``: a fraction shown as a percentage with 1 decimal (a delta in points);
* ``years``: years with 1 decimal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sim.finance import FinanceSummary

__all__ = ["Direction", "FormatRule", "Kpi", "KPIS", "ENGINE_KPIS", "FINANCE_KPIS",
           "COMPARE_FINANCE_KPIS", "COMPARE_KPIS", "SCORECARD_ONLY_KPIS", "REASON_NO_CUSTOMERS",
           "REASON_UNBOUNDED_MARKET", "REASON_NO_EARLIER_YEAR", "kpi", "judge", "rounds_to_zero",
           "missing_reason", "format_plain"]

Direction = Literal["higher", "lower", "neutral"]
"""``higher``: a rise is better; ``lower``: a fall is better; ``neutral``: neither (e.g. spend)."""
FormatRule = Literal["money", "money_whole", "count", "pct", "years"]

DECIMALS: dict[str, int] = {"money": 2, "money_whole": 0, "count": 0, "pct": 1, "years": 1}
"""Decimals shown by each format rule (for ``pct``: of the percentage)."""

REASON_NO_CUSTOMERS = "no_customers"
"""Per-customer values (CLV) are undefined when no customer is acquired."""
REASON_UNBOUNDED_MARKET = "unbounded_market"
REASON_NO_EARLIER_YEAR = "no_earlier_year"
"""Last year's retention is undefined when there is no earlier year (a 1-year horizon) or
nobody was a customer at its start."""
"""Market share is undefined when the market has no size (``market.size = 0``)."""


@dataclass(frozen=True)
class Kpi:
    """One KPI: key (JSON and i18n name), unit, direction, format rule, one-line meaning."""

    key: str
    unit: str
    direction: Direction
    format: FormatRule
    meaning: str

    @property
    def label_key(self) -> str:
        """The i18n key of the KPI's label (``kpi.<key>``)."""
        return f"kpi.{self.key}"

    @property
    def decimals(self) -> int:
        """Decimals shown by the format rule."""
        return DECIMALS[self.format]


_ALL = (
    Kpi("clv_gross", "currency/customer", "higher", "money",
        "discounted margin plus CRM savings, net of retention (programme) spend per member, "
        "of one acquired customer over horizon_years of tenure"),
    Kpi("clv_net", "currency/customer", "higher", "money",
        "clv_gross minus the acquisition cost per acquired customer"),
    Kpi("customer_equity", "currency", "higher", "money_whole",
        "net CLV of every customer acquired in the horizon, discounted to today"),
    Kpi("npv", "currency", "higher", "money_whole",
        "discounted profit of the calendar horizon after acquisition, programme and CRM "
        "system costs"),
    Kpi("acquired", "customers", "higher", "count", "customers acquired over the horizon"),
    Kpi("customers_end", "customers", "higher", "count",
        "customers active at the end of the last year"),
    Kpi("revenue", "currency", "higher", "money_whole", "undiscounted revenue over the horizon"),
    Kpi("profit", "currency", "higher", "money_whole", "undiscounted profit over the horizon"),
    Kpi("retention_last_year", "fraction", "higher", "pct",
        "customers kept through the last year / customers at its start"),
    Kpi("market_share", "fraction", "higher", "pct", "customers at the end / market.size"),
    # Finance against the baseline (sim.finance.FinanceSummary).
    Kpi("incremental_benefit", "currency", "higher", "money_whole",
        "discounted extra margin and cost savings against the baseline"),
    Kpi("incremental_cost", "currency", "neutral", "money_whole",
        "discounted extra acquisition, programme and CRM system spend against the baseline"),
    Kpi("npv_delta", "currency", "higher", "money_whole",
        "NPV gain against the baseline: incremental benefit − incremental cost"),
    Kpi("roi", "fraction", "higher", "pct",
        "(incremental benefit − incremental cost) / incremental cost"),
    Kpi("irr", "annual fraction", "higher", "pct",
        "annual rate at which the dated incremental cash flows have NPV 0"),
    Kpi("payback_years", "years", "lower", "years",
        "years from the start from which the cumulative undiscounted incremental cash stays ≥ 0"),
    Kpi("discounted_payback_years", "years", "lower", "years",
        "the same on discounted incremental cash"),
    # Scorecard-only indicators (sim.scorecard).
    Kpi("cost_per_acquired", "currency/customer", "lower", "money",
        "acquisition spend / customers acquired"),
    Kpi("cost_to_serve", "currency/customer-year", "lower", "money",
        "variable cost net of CRM savings per customer-year served"),
    Kpi("churn_rate", "fraction/year", "lower", "pct",
        "share of customers lost per year of service: 1 − (1 − lost / customer-periods "
        "served)^periods_per_year (yearly periods: lost / customer-years served)"),
    Kpi("training_spend", "currency", "neutral", "money_whole",
        "the CRM system's training over the horizon (spend, neither better nor worse)"),
)

KPIS: dict[str, Kpi] = {k.key: k for k in _ALL}
"""Every KPI by key."""

ENGINE_KPIS: tuple[str, ...] = ("clv_gross", "clv_net", "customer_equity", "npv", "acquired",
                                "customers_end", "revenue", "profit", "retention_last_year",
                                "market_share")
"""KPIs of one engine run (``CohortResult.kpis``; the ``kpis`` object of the JSON report)."""
FINANCE_KPIS: tuple[str, ...] = FinanceSummary.VALUE_KEYS
"""The finance summary's values (the ``finance`` object of the JSON report)."""
COMPARE_FINANCE_KPIS: tuple[str, ...] = ("npv_delta", "roi", "payback_years",
                                         "discounted_payback_years")
"""Finance figures the comparison shows for each scenario against its own baseline."""
COMPARE_KPIS: tuple[str, ...] = ENGINE_KPIS + COMPARE_FINANCE_KPIS
"""Rows of the comparison (page, CLI, JSON), in order."""
SCORECARD_ONLY_KPIS: tuple[str, ...] = ("cost_per_acquired", "cost_to_serve", "churn_rate",
                                        "training_spend")


def kpi(key: str) -> Kpi:
    """The registered KPI ``key``.

    Raises:
        KeyError: ``key`` is not a registered KPI.
    """
    return KPIS[key]


def rounds_to_zero(key: str, value: float | None) -> bool:
    """True when ``value`` shown by the KPI's format rule reads as zero (e.g. 0.004 USD)."""
    if value is None or not math.isfinite(value):
        return False
    rule = KPIS[key]
    shown = value * 100 if rule.format == "pct" else value
    return round(abs(shown), rule.decimals) == 0


def judge(key: str, now: float | None, base: float | None) -> str:
    """``better``, ``worse``, ``same`` (the difference reads as zero), ``changed`` (a neutral
    KPI that moved) or ``n/a`` (a value is missing) for ``now`` against ``base``."""
    if now is None or base is None or not (math.isfinite(now) and math.isfinite(base)):
        return "n/a"
    delta = now - base
    if rounds_to_zero(key, delta) or abs(delta) <= 1e-9 * max(1.0, abs(base)):
        return "same"
    direction = KPIS[key].direction
    if direction == "neutral":
        return "changed"
    return "better" if (delta > 0) == (direction == "higher") else "worse"


def missing_reason(key: str, kpis: Mapping[str, float]) -> str | None:
    """Why an engine KPI has no value (None when it has one): ``no_customers`` for CLV when
    nobody is acquired, ``unbounded_market`` for market share without a market size,
    ``no_earlier_year`` for last year's retention with nothing to compare it with."""
    value = kpis.get(key)
    if value is not None and math.isfinite(value):
        return None
    if key in ("clv_gross", "clv_net") and not kpis.get("acquired", 0.0) > 0:
        return REASON_NO_CUSTOMERS
    if key == "market_share":
        return REASON_UNBOUNDED_MARKET
    if key == "retention_last_year":
        return REASON_NO_EARLIER_YEAR
    return None


def format_plain(key: str, value: float | None, reason: str | None = None,
                 delta: bool = False) -> str:
    """A KPI value as plain English text by its format rule (command line; no currency code).

    ``money`` → ``1,234.56``; ``money_whole``/``count`` → ``1,234``; ``pct`` → ``61.9 %``
    (a delta: ``+1.2 pp``); ``years`` → ``6.1 y``. A missing value reads ``n/a`` or
    ``n/a (reason)``. ``delta`` adds a sign.
    """
    if value is None or not math.isfinite(value):
        return f"n/a ({reason})" if reason else "n/a"
    rule = KPIS[key]
    sign = "+" if delta and value >= 0 else ""
    if rule.format == "pct":
        return f"{sign}{value * 100:,.{rule.decimals}f} {'pp' if delta else '%'}"
    suffix = " y" if rule.format == "years" else ""
    return f"{sign}{value:,.{rule.decimals}f}{suffix}"
