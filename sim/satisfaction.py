"""Satisfaction by expectation-disconfirmation (DOMAIN.md §3), heterogeneous across customers.

A customer compares perceived performance P (service quality plus what the
programmes they belong to add, in points of the 1-5 scale) with an expectation
E that rises with competition (rivals raise the bar). Performance equal to
expectation leaves the customer *satisfied* (``at_expectation``, 4 on the
1-5 scale by default: 满意); above it, more satisfied, up to 5 (高度满意);
below it, dissatisfied (不满意). A shortfall hurts ``loss_aversion`` times more
than the same surplus helps (an asymmetric, prospect-theory style response):

    s = at_expectation + gain · d          if d = P − E ≥ 0
    s = at_expectation + gain · λ · d      if d < 0         (λ = loss_aversion ≥ 1)

Customers differ: individual satisfaction is normal around that mean with
standard deviation ``spread`` (scale points), censored to [1, 5]. The engines
carry ``classes`` equal-weight satisfaction classes at the quantiles
(i + ½)/classes of that distribution; ``spread = 0`` makes every class equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.stats import norm

from sim.loyalty import SATISFACTION_MAX, SATISFACTION_MIN
from sim.schema import spec

__all__ = ["Satisfaction", "Competition", "mean_satisfaction", "satisfaction_classes"]


@dataclass(frozen=True)
class Competition:
    """How hard rivals compete for the firm's customers: 0 (none) … 1 (intense)."""

    intensity: float = spec(0.5, "float", unit="intensity (0-1)", minimum=0, maximum=1,
                            lever=True)


@dataclass(frozen=True)
class Satisfaction:
    """Expectation-disconfirmation parameters (1-5 satisfaction scale)."""

    service_quality: float = spec(4.0, "float", unit="performance (1-5)", minimum=1, maximum=5,
                                  lever=True)
    expectation: float = spec(3.6, "float", unit="expectation (1-5) at no competition",
                              minimum=1, maximum=5)
    expectation_per_competition: float = spec(0.6, "float",
                                              unit="expectation points at full competition",
                                              minimum=0, maximum=4)
    at_expectation: float = spec(4.0, "float", unit="satisfaction (1-5)", minimum=1, maximum=5)
    gain: float = spec(1.0, "float", unit="satisfaction points per performance point",
                       minimum=0, maximum=10)
    loss_aversion: float = spec(2.0, "float", unit="ratio", minimum=1, maximum=10)
    spread: float = spec(0.6, "float", unit="satisfaction points (std dev)", minimum=0,
                         maximum=3, lever=True)
    classes: int = spec(20, "int", unit="classes", minimum=1, maximum=60)
    satisfied_from: float = spec(3.5, "float", unit="satisfaction (1-5)", minimum=1, maximum=5)


def mean_satisfaction(satisfaction: Satisfaction, competition: float,
                      extra_performance: float | np.ndarray = 0.0) -> np.ndarray:
    """Central satisfaction (1-5) for a perceived-performance bonus (scale points, ≥ 0)."""
    performance = satisfaction.service_quality + np.asarray(extra_performance, dtype=float)
    expectation = satisfaction.expectation + satisfaction.expectation_per_competition * competition
    d = performance - expectation
    slope = np.where(d >= 0, satisfaction.gain, satisfaction.gain * satisfaction.loss_aversion)
    return np.clip(satisfaction.at_expectation + slope * d, SATISFACTION_MIN, SATISFACTION_MAX)


def satisfaction_classes(satisfaction: Satisfaction, mean: float) -> tuple[np.ndarray, np.ndarray]:
    """Satisfaction of each equal-weight class and the weights, shapes (classes,).

    Classes sit at the quantiles (i + ½)/n of Normal(mean, spread), censored to [1, 5].
    """
    n = satisfaction.classes
    values = np.clip(mean + satisfaction.spread * _class_quantiles(n), SATISFACTION_MIN,
                     SATISFACTION_MAX)
    return values, np.full(n, 1.0 / n)


@lru_cache(maxsize=64)
def _class_quantiles(n: int) -> np.ndarray:
    """Standard normal quantiles at (i + ½)/n, i = 0 … n − 1 (read-only, cached by n)."""
    z = norm.ppf((np.arange(n) + 0.5) / n)
    z.flags.writeable = False
    return z
