"""Acquisition dynamics: scheduled or paid acquisition, word of mouth, bounded by the market.

New customers in a period come from three sources (expected values):

1. **The schedule or the budget.** ``acquisition.mode`` ``list``/``constant``
   acquires the scheduled customers. ``paid`` spends ``budget_per_year`` in each
   of the first ``years`` years on the market's remaining potential P (market
   size − current customers): a year's spend B converts

       P · ceiling · (1 − e^(−response · B / P))

   prospects — the response to spend per prospect saturates at the ceiling
   (diminishing returns) and competition lowers the ceiling by
   ``competition_ceiling_effect`` at full intensity. With monthly periods the
   yearly conversion share q becomes 1 − (1 − q)^(1/12) per month.
2. **Word of mouth** (retention model ``satisfaction``): each current customer
   brings ``referral_rate`` and costs ``loss_rate`` customers a year, by class
   (loyalists refer, defectors put prospects off; programme members may refer
   more). The net flow may be negative (it then lowers acquisition, never below 0).
3. **The market bound.** With ``market.size`` > 0 no period acquires more than
   the remaining potential; customers who churn return to the potential. An
   unbounded market (size 0) still holds at most :data:`POPULATION_CAP` customers
   (more people than live on Earth), so word of mouth cannot grow without end.
   What the schedule, budget and word of mouth asked for before the bound is
   kept (``demand``), so a run can say when the market cut it.

Current customers come from the classes' survival curves, so acquisition
responds to churn. Units: customers and currency per period unless stated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario import Scenario

__all__ = ["POPULATION_CAP", "AcquisitionPath", "paid_conversion_share", "acquisition_path",
           "paid_acquisition"]

POPULATION_CAP = 1e10
"""Most customers an unbounded market (``market.size = 0``) holds at once."""


@dataclass(frozen=True)
class AcquisitionPath:
    """New customers per period and what produced them, each shape (T,).

    Attributes:
        new: customers acquired per period.
        spend: acquisition spend per period (currency) with paid acquisition, else None.
        potential: remaining market potential at the period's start (inf if unbounded).
        customers_before: expected customers at the period's start, before acquisition.
        referrals: customers gained by positive word of mouth.
        lost: prospects lost to negative word of mouth.
        demand: customers the schedule or budget and word of mouth would have brought
            before the market bound (``new`` ≤ ``demand``).
        capped: True when an unbounded market reached :data:`POPULATION_CAP`.
    """

    new: np.ndarray
    spend: np.ndarray | None
    potential: np.ndarray
    customers_before: np.ndarray
    referrals: np.ndarray
    lost: np.ndarray
    demand: np.ndarray | None = None
    capped: bool = False


def paid_conversion_share(budget_per_year: float, potential: float, ceiling: float,
                          response: float) -> float:
    """Share of the potential (fraction/year) that a yearly budget converts."""
    if potential <= 0 or budget_per_year <= 0 or not np.isfinite(potential):
        return 0.0
    return ceiling * (1.0 - np.exp(-response * budget_per_year / potential))


def _scheduled(scenario: Scenario) -> np.ndarray:
    per_year = np.asarray(scenario.acquisition.new_per_year(scenario.horizon_years), dtype=float)
    return np.repeat(per_year / scenario.periods_per_year, scenario.periods_per_year)


def acquisition_path(scenario: Scenario, class_weights: np.ndarray, class_survival: np.ndarray,
                     referral_rate: np.ndarray | None = None,
                     loss_rate: np.ndarray | None = None) -> AcquisitionPath:
    """New customers per period with the feedback of the customer base on acquisition.

    Args:
        scenario: acquisition, market, competition, horizon.
        class_weights: share of each class among new customers, shape (C,).
        class_survival: share of a class's customers active at tenure period k, shape (C, T).
        referral_rate, loss_rate: customers gained / lost per current customer-year by
            class, shape (C,); None = no word of mouth.
    """
    acq, ppy, periods = scenario.acquisition, scenario.periods_per_year, scenario.periods
    size = scenario.market.size if scenario.market.size > 0 else np.inf
    paid = acq.mode == "paid"
    ceiling = acq.ceiling * (1.0 - acq.competition_ceiling_effect * scenario.competition.intensity)
    budget = np.where(np.arange(periods) // ppy < acq.years, acq.budget_per_year, 0.0)
    scheduled = np.zeros(periods) if paid else _scheduled(scenario)   # paid: budget decides
    weighted = class_weights[:, None] * class_survival                       # (C, T)
    net_rate = None
    if referral_rate is not None and loss_rate is not None:
        gain_rate = (weighted.T @ referral_rate) / ppy                       # per new customer
        lose_rate = (weighted.T @ loss_rate) / ppy                           # by tenure (T,)
        net_rate = (gain_rate, lose_rate)
    new, potential, before = np.zeros(periods), np.zeros(periods), np.zeros(periods)
    referrals, lost, demand = np.zeros(periods), np.zeros(periods), np.zeros(periods)
    capped = False
    active_curve = weighted.sum(axis=0)                                      # (T,)
    for t in range(periods):
        past = new[:t][::-1]                                                 # cohorts t-1 … 0
        customers = float(past @ active_curve[1:t + 1]) if t else 0.0
        before[t] = customers
        potential[t] = max(size - customers, 0.0)
        if paid:
            share = paid_conversion_share(budget[t], potential[t], ceiling, acq.response)
            base = potential[t] * (1.0 - (1.0 - share) ** (1.0 / ppy))
        else:
            base = scheduled[t]
        if net_rate is not None and t:
            referrals[t] = float(past @ net_rate[0][1:t + 1])
            lost[t] = float(past @ net_rate[1][1:t + 1])
        demand[t] = max(base + referrals[t] - lost[t], 0.0)
        new[t] = min(demand[t], potential[t])
        if customers + new[t] > POPULATION_CAP:
            new[t], capped = max(POPULATION_CAP - customers, 0.0), True
    return AcquisitionPath(new=new, spend=budget / ppy if paid else None, potential=potential,
                           customers_before=before, referrals=referrals, lost=lost,
                           demand=demand, capped=capped)


def paid_acquisition(scenario: Scenario, survival: np.ndarray) -> AcquisitionPath:
    """Acquisition of a single-class scenario (survival shape (T,)), without word of mouth."""
    return acquisition_path(scenario, np.ones(1), survival[None, :])
