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

One kernel, :func:`acquire`, runs the period loop for N scenarios of one shape at
once (arrays with a leading axis N); :func:`acquisition_path` is that kernel with
N = 1, so a single run and a batch (:mod:`sim.batch`) get the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.scenario import Scenario

__all__ = ["POPULATION_CAP", "AcquisitionPath", "AcquisitionBatch", "paid_conversion_share",
           "acquisition_curves", "acquire", "acquisition_path", "paid_acquisition"]

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


@dataclass(frozen=True)
class AcquisitionBatch:
    """:class:`AcquisitionPath` of N scenarios: the same fields with a leading axis N
    (arrays (N, T); ``capped`` (N,) booleans; ``spend`` None unless acquisition is paid)."""

    new: np.ndarray
    spend: np.ndarray | None
    potential: np.ndarray
    customers_before: np.ndarray
    referrals: np.ndarray
    lost: np.ndarray
    demand: np.ndarray
    capped: np.ndarray

    def path(self, row: int) -> AcquisitionPath:
        """Scenario ``row``'s path (views of the batch's rows)."""
        return AcquisitionPath(
            new=self.new[row], spend=None if self.spend is None else self.spend[row],
            potential=self.potential[row], customers_before=self.customers_before[row],
            referrals=self.referrals[row], lost=self.lost[row], demand=self.demand[row],
            capped=bool(self.capped[row]))


def _conversion_share(neg_response_budget: np.ndarray, potential: np.ndarray,
                      ceiling: np.ndarray) -> np.ndarray:
    """:func:`paid_conversion_share` from −response · budget, without the error state.

    Within the schema's ranges (budget, response, ceiling ≥ 0, budget finite) the formula
    itself gives 0 without budget or with an unbounded potential; only a zero potential
    needs the guard (0/0)."""
    share = ceiling * (1.0 - np.exp(neg_response_budget / potential))
    return np.where(potential > 0, share, 0.0)


def paid_conversion_share(budget_per_year: float | np.ndarray, potential: float | np.ndarray,
                          ceiling: float | np.ndarray,
                          response: float | np.ndarray) -> float | np.ndarray:
    """Share of the potential (fraction/year) that a yearly budget (currency/year) converts.

    ``ceiling · (1 − e^(−response · budget / potential))``; 0 without budget or potential
    (or with an unbounded one). Arrays broadcast; scalars give a float.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        share = _conversion_share(-np.asarray(response, dtype=float) * budget_per_year,
                                  np.asarray(potential, dtype=float),
                                  np.asarray(ceiling, dtype=float))
    return float(share) if share.ndim == 0 else share


def _scheduled(scenario: Scenario) -> np.ndarray:
    per_year = np.asarray(scenario.acquisition.new_per_year(scenario.horizon_years), dtype=float)
    return np.repeat(per_year / scenario.periods_per_year, scenario.periods_per_year)


def acquisition_curves(class_weights: np.ndarray, class_survival: np.ndarray, ppy: int,
                       referral_rate: np.ndarray | None = None,
                       loss_rate: np.ndarray | None = None) -> np.ndarray:
    """What one new customer contributes at each tenure period, shape (3, T).

    Rows: customers still active (share of the new customer), referrals gained and
    prospects lost by word of mouth (customers per period). Zero word of mouth when
    ``referral_rate`` or ``loss_rate`` is None.

    Args:
        class_weights: share of each class among new customers, shape (C,).
        class_survival: share of a class's customers active at tenure period k, shape (C, T).
        ppy: periods per year (the rates are per customer-year).
        referral_rate, loss_rate: customers gained / lost per current customer-year by
            class, shape (C,).
    """
    weighted = class_weights[:, None] * class_survival                       # (C, T)
    curves = np.zeros((3, weighted.shape[1]))
    curves[0] = weighted.sum(axis=0)
    if referral_rate is not None and loss_rate is not None:
        curves[1] = (weighted.T @ referral_rate) / ppy
        curves[2] = (weighted.T @ loss_rate) / ppy
    return curves


def acquire(scenarios: Sequence[Scenario], curves: np.ndarray) -> AcquisitionBatch:
    """New customers per period of N scenarios at once, with the feedback of each one's
    customer base on its acquisition (one loop over periods, vectors of length N).

    Args:
        scenarios: N scenarios with the same periods, periods per year and acquisition
            mode (``paid`` or not): acquisition, market, competition, horizon.
        curves: :func:`acquisition_curves` of each scenario, shape (N, 3, T).

    Raises:
        ValueError: the scenarios differ in periods, periods per year or paid mode.
    """
    first = scenarios[0]
    ppy, periods = first.periods_per_year, first.periods
    paid = first.acquisition.mode == "paid"
    if any((s.periods_per_year, s.periods, s.acquisition.mode == "paid") != (ppy, periods, paid)
           for s in scenarios):
        raise ValueError("acquire: the scenarios must share periods and the paid mode")
    n = len(scenarios)
    size = np.array([s.market.size if s.market.size > 0 else np.inf for s in scenarios])
    tenure_year = np.arange(periods) // ppy
    if paid:
        acqs = [s.acquisition for s in scenarios]
        ceiling = np.array([a.ceiling * (1.0 - a.competition_ceiling_effect
                                         * s.competition.intensity)
                            for a, s in zip(acqs, scenarios, strict=True)])
        response = np.array([a.response for a in acqs])
        budget = np.stack([np.where(tenure_year < a.years, a.budget_per_year, 0.0)
                           for a in acqs])                                   # (N, T)
        neg_response_budget = -response[:, None] * budget
    else:
        scheduled = np.stack([_scheduled(s) for s in scenarios])             # (N, T)
    new, potential, demand = (np.zeros((n, periods)) for _ in range(3))
    seen = np.zeros((n, 3, periods))      # active customers, referrals, lost prospects
    capped = np.zeros(n, dtype=bool)
    # Only a market larger than the cap (an unbounded one) can reach it.
    may_cap = bool(np.any(size > POPULATION_CAP))
    # The cohorts acquired so far (t−1 … 0) against the curves at tenure 1 … t.
    backwards = np.ascontiguousarray(curves[:, :, :0:-1])                   # tenure T−1 … 1
    if n == 1 and _ONE_ON_FLOATS:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            capped[0] = _acquire_one(backwards, new, potential, demand, seen, float(size[0]),
                                     ppy, may_cap,
                                     (float(ceiling[0]), neg_response_budget[0].tolist())
                                     if paid else scheduled[0].tolist())
        return AcquisitionBatch(new=new, spend=budget / ppy if paid else None,
                                potential=potential, customers_before=seen[:, 0].copy(),
                                referrals=seen[:, 1].copy(), lost=seen[:, 2].copy(),
                                demand=demand, capped=capped)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for t in range(periods):
            if t:
                seen[:, :, t] = np.matmul(backwards[:, :, periods - 1 - t:],
                                          new[:, :t, None])[:, :, 0]
            customers = seen[:, 0, t]
            pot = np.maximum(size - customers, 0.0)
            if paid:
                share = _conversion_share(neg_response_budget[:, t], pot, ceiling)
                base = pot * (1.0 - (1.0 - share) ** (1.0 / ppy))
            else:
                base = scheduled[:, t]
            wanted = np.maximum(base + seen[:, 1, t] - seen[:, 2, t], 0.0)
            arrived = np.minimum(wanted, pot)
            if may_cap:
                over = customers + arrived > POPULATION_CAP
                if over.any():
                    arrived = np.where(over, np.maximum(POPULATION_CAP - customers, 0.0),
                                       arrived)
                    capped |= over
            potential[:, t], demand[:, t], new[:, t] = pot, wanted, arrived
    return AcquisitionBatch(new=new, spend=budget / ppy if paid else None, potential=potential,
                            customers_before=seen[:, 0].copy(), referrals=seen[:, 1].copy(),
                            lost=seen[:, 2].copy(), demand=demand, capped=capped)


_ONE_ON_FLOATS = True
"""Whether :func:`acquire` runs one scenario's loop on floats (:func:`_acquire_one`; the
tests compare it with the loop on arrays)."""


def _maximum(a: float, b: float) -> float:
    """``np.maximum`` of two floats (NaN if either is NaN)."""
    return a if a >= b or a != a else b


def _minimum(a: float, b: float) -> float:
    """``np.minimum`` of two floats (NaN if either is NaN)."""
    return a if a <= b or a != a else b


def _acquire_one(backwards: np.ndarray, new: np.ndarray, potential: np.ndarray,
                 demand: np.ndarray, seen: np.ndarray, size: float, ppy: int, may_cap: bool,
                 paid: tuple[float, list[float]] | list[float]) -> bool:
    """:func:`acquire`'s period loop for one scenario, on floats instead of arrays of one:
    the same operations in the same order, bit for bit (+, −, ×, /, comparisons are IEEE on
    floats as on arrays; the exponential and the power are numpy's ufuncs on floats, which
    give what they give on arrays, where Python's ``math.exp`` and ``**`` round differently).

    Args:
        backwards, new, potential, demand, seen: as in :func:`acquire` (N = 1), filled in.
        size: the market (inf if unbounded); may_cap: whether it can reach the cap;
        paid: (ceiling, −response × budget per period) with paid acquisition, else the
            scheduled customers per period.

    Returns:
        Whether the population cap held acquisition back (``capped``).
    """
    periods = new.shape[1]
    exponent = 1.0 / ppy
    # ndarray ** 1.0, 0.5, 2.0, 0.0, −1.0 are numpy shortcuts (positive, sqrt, ...).
    special = exponent in (1.0, 0.5, 2.0, 0.0, -1.0)
    capped = False
    for t in range(periods):
        if t:
            seen[:, :, t] = np.matmul(backwards[:, :, periods - 1 - t:], new[:, :t, None])[:, :, 0]
        customers, referred, lost = seen[0, :, t].tolist()
        pot = _maximum(size - customers, 0.0)
        if isinstance(paid, tuple):
            ceiling, neg_response_budget = paid
            share = (ceiling * (1.0 - float(np.exp(neg_response_budget[t] / pot))) if pot > 0
                     else 0.0)
            kept = (float((np.array([1.0 - share]) ** exponent)[0]) if special
                    else float(np.power(1.0 - share, exponent)))
            base = pot * (1.0 - kept)
        else:
            base = paid[t]
        wanted = _maximum(base + referred - lost, 0.0)
        arrived = _minimum(wanted, pot)
        if may_cap and customers + arrived > POPULATION_CAP:
            arrived = _maximum(POPULATION_CAP - customers, 0.0)
            capped = True
        potential[0, t], demand[0, t], new[0, t] = pot, wanted, arrived
    return capped


def acquisition_path(scenario: Scenario, class_weights: np.ndarray, class_survival: np.ndarray,
                     referral_rate: np.ndarray | None = None,
                     loss_rate: np.ndarray | None = None) -> AcquisitionPath:
    """New customers per period with the feedback of the customer base on acquisition.

    :func:`acquire` for one scenario.

    Args:
        scenario: acquisition, market, competition, horizon.
        class_weights: share of each class among new customers, shape (C,).
        class_survival: share of a class's customers active at tenure period k, shape (C, T).
        referral_rate, loss_rate: customers gained / lost per current customer-year by
            class, shape (C,); None = no word of mouth.
    """
    curves = acquisition_curves(class_weights, class_survival, scenario.periods_per_year,
                                referral_rate, loss_rate)
    return acquire([scenario], curves[None]).path(0)


def paid_acquisition(scenario: Scenario, survival: np.ndarray) -> AcquisitionPath:
    """Acquisition of a single-class scenario (survival shape (T,)), without word of mouth."""
    return acquisition_path(scenario, np.ones(1), survival[None, :])
