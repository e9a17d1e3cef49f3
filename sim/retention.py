"""Retention curves by tenure and their conversion to the scenario's period.

Conventions (documented in the README):

* ``annual_renewal_rates`` gives r_y, the probability that a customer in tenure
  year y renews into year y+1 (fractions).
* With ``periods_per_year = 12`` and ``churn_timing = "renewal"`` customers
  leave only at anniversaries: the per-period rate is 1 in months 1-11 of a
  tenure year and r_y in month 12, so the yearly economics are exactly those
  of yearly periods (cash is spread over the months of the year).
* With ``churn_timing = "spread"`` the per-period rate is r_y^(1/12) in every
  month of tenure year y: survival at each anniversary is unchanged, but
  customers leave (and stop paying) during the year.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln

from sim.scenario import Retention

__all__ = [
    "annual_renewal_rates",
    "period_retention",
    "survival_from_retention",
    "sbg_survival",
    "sbg_retention",
]


def sbg_retention(alpha: float, beta: float, t: np.ndarray | int) -> np.ndarray:
    """Shifted-beta-geometric renewal rate at the end of tenure period t (t ≥ 1).

    r(t) = (β+t−1)/(α+β+t−1).
    """
    t = np.asarray(t, dtype=float)
    return (beta + t - 1.0) / (alpha + beta + t - 1.0)


def sbg_survival(alpha: float, beta: float, t: np.ndarray | int) -> np.ndarray:
    """Shifted-beta-geometric survival S(t) = B(α, β+t) / B(α, β).

    The fraction alive after t periods.
    """
    t = np.asarray(t, dtype=float)
    return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))


def annual_renewal_rates(retention: Retention, years: int,
                         uplift_points: float | None = None) -> np.ndarray:
    """Renewal rate at the end of tenure years 1..years, uplift applied, clipped to [0, 1].

    ``uplift_points``: the shift in percentage points (default ``retention.uplift_points``;
    the engines pass :func:`sim.retention_spend.effective_uplift_points`).

    Returns:
        Array of ``years`` fractions.
    """
    t = np.arange(1, years + 1)
    if retention.model == "table":
        table = np.asarray(retention.by_tenure_year, dtype=float)
        rates = table[np.minimum(t, len(table)) - 1]
    elif retention.model == "constant":
        rates = np.full(years, float(retention.constant))
    elif retention.model == "sbg":
        rates = sbg_retention(retention.sbg_alpha, retention.sbg_beta, t)
    else:  # pragma: no cover - the schema restricts the choices
        raise ValueError(f"unknown retention model {retention.model!r}")
    shift = retention.uplift_points if uplift_points is None else uplift_points
    return np.clip(rates + shift / 100.0, 0.0, 1.0)


def period_retention(annual_rates: np.ndarray, periods_per_year: int,
                     churn_timing: str) -> np.ndarray:
    """Per-period renewal rates by tenure period from yearly rates.

    Args:
        annual_rates: r_y for tenure years 1..Y (fractions), shape ``(..., Y)``;
            leading axes (e.g. satisfaction classes) are kept.
        periods_per_year: 1 or 12.
        churn_timing: ``renewal`` (leave only at anniversaries) or ``spread``.

    Returns:
        Rates for tenure periods 1..Y·periods_per_year, shape ``(..., Y*ppy)``:
        element k is the probability that a customer in tenure period k+1
        is still a customer in tenure period k+2.
    """
    rates = np.asarray(annual_rates, dtype=float)
    if periods_per_year == 1:
        return rates.copy()
    per = np.repeat(rates, periods_per_year, axis=-1)
    if churn_timing == "spread":
        return per ** (1.0 / periods_per_year)
    out = np.ones_like(per)
    out[..., periods_per_year - 1 :: periods_per_year] = rates
    return out


def survival_from_retention(per_period: np.ndarray) -> np.ndarray:
    """Survival S[k] = fraction of an acquired cohort still active in tenure period k+1.

    S[0] = 1; S[k] = product of the first k per-period rates. Same length as the input.
    """
    rates = np.asarray(per_period, dtype=float)
    shifted = np.concatenate([np.ones(rates.shape[:-1] + (1,)), rates[..., :-1]], axis=-1)
    return np.cumprod(shifted, axis=-1)
