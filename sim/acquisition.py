"""Acquisition dynamics: paid acquisition with diminishing returns, bounded by the market.

With ``acquisition.mode = "paid"`` the firm spends ``budget_per_year`` in each of
the first ``years`` years. At the start of every period the market's remaining
potential is P = market size − current customers (expected values). A year's
spend B converts

    P · ceiling · (1 − e^(−response · B / P))

prospects: the response to spend per prospect saturates at the ceiling
(diminishing returns), and competition lowers the ceiling by
``competition_ceiling_effect`` at full intensity. With monthly periods the
yearly conversion share q becomes 1 − (1 − q)^(1/12) per month, so a year of
months converts the same share of a fixed potential as one yearly step.

Current customers come from the cohorts' survival curve, so acquisition
responds to churn: customers lost return to the potential. Units: customers
and currency per period unless stated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario import Scenario

__all__ = ["AcquisitionPath", "paid_conversion_share", "paid_acquisition"]


@dataclass(frozen=True)
class AcquisitionPath:
    """New customers per period and what produced them, each shape (T,).

    Attributes:
        new: customers acquired per period.
        spend: acquisition spend per period (currency).
        potential: remaining market potential at the period's start (customers).
        customers_before: expected customers at the period's start, before acquisition.
    """

    new: np.ndarray
    spend: np.ndarray
    potential: np.ndarray
    customers_before: np.ndarray


def paid_conversion_share(budget_per_year: float, potential: float, ceiling: float,
                          response: float) -> float:
    """Share of the potential (fraction/year) that a yearly budget converts."""
    if potential <= 0 or budget_per_year <= 0:
        return 0.0
    return ceiling * (1.0 - np.exp(-response * budget_per_year / potential))


def paid_acquisition(scenario: Scenario, survival: np.ndarray,
                     competition_intensity: float = 0.0) -> AcquisitionPath:
    """Paid acquisition over the horizon, with the feedback of churn on the potential.

    Args:
        scenario: uses ``acquisition`` (budget, years, ceiling, response,
            competition effect), ``market.size`` and the horizon.
        survival: expected share of a cohort active at tenure period k, shape (T,), S(0) = 1.
        competition_intensity: 0 (none) … 1 (intense); lowers the ceiling.
    """
    acq, ppy, periods = scenario.acquisition, scenario.periods_per_year, scenario.periods
    size = scenario.market.size
    ceiling = acq.ceiling * (1.0 - acq.competition_ceiling_effect * competition_intensity)
    budget_per_year = np.where(np.arange(periods) // ppy < acq.years, acq.budget_per_year, 0.0)
    new = np.zeros(periods)
    potential = np.zeros(periods)
    before = np.zeros(periods)
    for t in range(periods):
        customers = float(new[:t] @ survival[t:0:-1]) if t else 0.0
        before[t] = customers
        potential[t] = max(size - customers, 0.0)
        yearly_share = paid_conversion_share(budget_per_year[t], potential[t], ceiling,
                                             acq.response)
        period_share = 1.0 - (1.0 - yearly_share) ** (1.0 / ppy)
        new[t] = potential[t] * period_share
    return AcquisitionPath(new=new, spend=budget_per_year / ppy, potential=potential,
                           customers_before=before)
