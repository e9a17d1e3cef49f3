"""Retention spend per customer-period as an engine lever (issue 14; Blattberg & Deighton 1996).

The manager states what retention spending buys as B&D ask: the spend today and the
yearly renewal rate it keeps (the observed point), and the ceiling unlimited spending
would approach. The response curve through that point is the equity test's
(:func:`sim.equity_test.calibrate`, the shape of paid acquisition)::

    r(R) = ceiling · (1 − e^(−k·R)),   k = −ln(1 − observed_rate/ceiling) / observed_spend

**In the engines.** The scenario's retention (any model: table, constant, sBG or the
satisfaction classes) is what it keeps at ``observed_spend``. Spending ``spend`` instead
moves every yearly renewal rate by r(spend) − observed_rate, in the way
``retention.uplift_points`` does (added, clipped to [0, 1]; :func:`effective_uplift_points`),
and costs ``spend`` per active customer-period, paid at the period's start with the
programmes' costs (it is retention spending: the engines' ``programme_cost`` series and
the net CLV's retention cost carry it). At ``spend = observed_spend`` the renewal rates
are the scenario's own; switching the section on makes that spend an explicit cost.

Units: money in the scenario currency per active customer per scenario period (a month
with ``periods_per_year = 12``; ``observed_spend`` in the same unit); rates are yearly
renewal fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.equity_test import ResponseCurve, calibrate, curve_issues
from sim.schema import Issue, spec

if TYPE_CHECKING:
    from sim.scenario import Scenario

__all__ = ["RetentionSpend", "effective_uplift_points", "spend_per_period"]

MONEY_MAX = 1e9


@dataclass(frozen=True)
class RetentionSpend:
    """Retention spend and its response curve (the ``[retention_spend]`` section).

    The defaults (off) are an illustration: 12 a customer-period keeps 80 % a year
    against a ceiling of 95 %.
    """

    enabled: bool = spec(False, "bool")
    spend: float = spec(12.0, "float", unit="currency/customer-period", minimum=0,
                        maximum=MONEY_MAX, lever=True)
    observed_spend: float = spec(12.0, "float", unit="currency/customer-period", minimum=0,
                                 maximum=MONEY_MAX)
    observed_rate: float = spec(0.80, "float", unit="fraction/year", minimum=0, maximum=1)
    ceiling: float = spec(0.95, "float", unit="fraction/year", minimum=0, maximum=1)

    def rules(self) -> list[Issue]:
        """When enabled, the observed point must calibrate the curve under the ceiling."""
        if not self.enabled:
            return []
        return curve_issues("ceiling", "observed_spend", "observed_rate", "customers",
                            self.ceiling, self.observed_spend, self.observed_rate)

    def curve(self) -> ResponseCurve:
        """r(R) through ``(observed_spend, observed_rate)`` under ``ceiling`` (valid section)."""
        return calibrate(self.ceiling, self.observed_spend, self.observed_rate)

    def rate_change(self, spend: float | None = None) -> float:
        """r(spend) − r(observed_spend) (fraction/year; r(observed_spend) is observed_rate
        up to rounding): how far ``spend`` (default: the section's) moves every yearly
        renewal rate; exactly 0 when off or at the observed spend."""
        value = self.spend if spend is None else spend
        if not self.enabled or value == self.observed_spend:
            return 0.0                  # exactly: the scenario's own rates at the observed spend
        curve = self.curve()
        return float(curve.rate(value)) - float(curve.rate(self.observed_spend))


def effective_uplift_points(scenario: Scenario) -> float:
    """``retention.uplift_points`` plus the retention spend's rate change, in percentage
    points: what every yearly renewal rate is shifted by in the engines."""
    return scenario.retention.uplift_points + 100.0 * scenario.retention_spend.rate_change()


def spend_per_period(scenario: Scenario) -> float:
    """Retention spend per active customer-period (currency; 0 when off)."""
    section = scenario.retention_spend
    return section.spend if section.enabled else 0.0
