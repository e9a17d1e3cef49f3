"""Satisfaction → loyalty under competition (DOMAIN.md §3): the satisfaction-loyalty curve.

The probability that a customer stays loyal for a year, L(s, c), depends on
satisfaction s (1-5 scale) and competition intensity c ∈ [0, 1]. It blends two
curves (source: the course book's chart of loyalty against satisfaction for a
low- and a highly-competitive industry, after Jones & Sasser, "Why satisfied
customers defect", HBR 1995):

* **low competition** (c = 0): loyalty stays high at every satisfaction —
  customers have nowhere to go (from ``low_floor`` at s = 1 to ``low_top`` at 5);
* **high competition** (c = 1): loyalty is low and flat until the top of the
  scale, then rises steeply (from ``high_floor`` to ``high_top``, with its
  steepest point at ``high_midpoint``). The defaults give L(5)/L(4) ≈ 6: Xerox
  found totally satisfied customers six times as likely to repurchase as merely
  satisfied ones.

Each curve is ``floor + (top − floor) · S(s)``, with S a logistic step
rescaled so that S(1) = 0 and S(5) = 1; L(s, c) = (1 − c)·L_low(s) + c·L_high(s).
Both curves rise with s, and the high-competition curve never lies above the
low-competition one (a validation rule), so L never rises with c.

Zones (Jones & Sasser): *defection* (s below ``defection_below``),
*indifference* (between), *affection* (s at or above ``affection_from``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.schema import Issue, spec

_A = "messages.allowed."
_F = "messages.found."

__all__ = ["LoyaltyCurve", "loyalty_probability", "curve_probability", "loyalty_zones",
           "ZONES", "SATISFACTION_MIN", "SATISFACTION_MAX"]

SATISFACTION_MIN = 1.0
SATISFACTION_MAX = 5.0
ZONES = ("defection", "indifference", "affection")


def _fraction(default: float) -> float:
    return spec(default, "float", unit="probability/year", minimum=0, maximum=1)


@dataclass(frozen=True)
class LoyaltyCurve:
    """Parameters of the satisfaction-loyalty curve (probabilities per year; s on 1-5)."""

    low_floor: float = _fraction(0.65)
    low_top: float = _fraction(0.97)
    low_midpoint: float = spec(3.0, "float", unit="satisfaction (1-5)", minimum=1, maximum=5)
    low_steepness: float = spec(1.0, "float", unit="1/satisfaction point", minimum=0.01,
                                maximum=50)
    high_floor: float = _fraction(0.12)
    high_top: float = _fraction(0.90)
    high_midpoint: float = spec(4.55, "float", unit="satisfaction (1-5)", minimum=1, maximum=5)
    high_steepness: float = spec(6.5, "float", unit="1/satisfaction point", minimum=0.01,
                                 maximum=50)
    defection_below: float = spec(2.5, "float", unit="satisfaction (1-5)", minimum=1, maximum=5)
    affection_from: float = spec(4.5, "float", unit="satisfaction (1-5)", minimum=1, maximum=5)

    def rules(self) -> list[Issue]:
        """The high-competition curve may not lie above the low-competition one; zones ordered."""
        found = []
        grid = np.linspace(SATISFACTION_MIN, SATISFACTION_MAX, 81)
        gap = curve_probability(self, grid, "high") - curve_probability(self, grid, "low")
        if np.max(gap) > 1e-12:
            worst = float(grid[int(np.argmax(gap))])
            found.append(Issue("high_top", "rule", got=f"{self.high_top:g}",
                               allowed_key=_A + "ly_curves", params=(("s", f"{worst:.2f}"),)))
        if self.defection_below > self.affection_from:
            found.append(Issue("defection_below", "rule", got=f"{self.defection_below:g}",
                               allowed_key=_A + "ly_zones",
                               params=(("affection_from", f"{self.affection_from:g}"),)))
        return found


def _unit_step(s: np.ndarray, midpoint: float, steepness: float) -> np.ndarray:
    """Logistic step rescaled to 0 at s = 1 and 1 at s = 5 (non-decreasing)."""
    def logistic(x: np.ndarray | float) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-steepness * (np.asarray(x, dtype=float) - midpoint)))

    lo, hi = logistic(SATISFACTION_MIN), logistic(SATISFACTION_MAX)
    return (logistic(s) - lo) / (hi - lo)


def curve_probability(curve: LoyaltyCurve, s: np.ndarray | float, which: str) -> np.ndarray:
    """Loyalty of the ``low`` or ``high`` competition curve at satisfaction ``s``.

    In fraction/year.
    """
    clipped = np.clip(np.asarray(s, dtype=float), SATISFACTION_MIN, SATISFACTION_MAX)
    if which == "low":
        return curve.low_floor + (curve.low_top - curve.low_floor) * _unit_step(
            clipped, curve.low_midpoint, curve.low_steepness)
    return curve.high_floor + (curve.high_top - curve.high_floor) * _unit_step(
        clipped, curve.high_midpoint, curve.high_steepness)


def loyalty_probability(s: np.ndarray | float, c: np.ndarray | float,
                        curve: LoyaltyCurve | None = None) -> np.ndarray:
    """Probability of staying loyal for a year at satisfaction ``s`` and competition ``c``.

    Args:
        s: satisfaction on the 1-5 scale (clipped to it); any shape.
        c: competition intensity, 0 (none) … 1 (intense), clipped; broadcasts with ``s``.
        curve: curve parameters (defaults: :class:`LoyaltyCurve`).

    Returns:
        Array of probabilities in [0, 1] (per year), the broadcast shape of ``s`` and ``c``.
    """
    curve = curve or LoyaltyCurve()
    c = np.clip(np.asarray(c, dtype=float), 0.0, 1.0)
    low = curve_probability(curve, s, "low")
    high = curve_probability(curve, s, "high")
    return np.clip((1.0 - c) * low + c * high, 0.0, 1.0)


def loyalty_zones(c: float, curve: LoyaltyCurve | None = None) -> list[dict[str, float | str]]:
    """The three zones at competition ``c``: ``zone, s_from, s_to`` and the loyalty at both ends."""
    curve = curve or LoyaltyCurve()
    edges = (SATISFACTION_MIN, curve.defection_below, curve.affection_from, SATISFACTION_MAX)
    rows: list[dict[str, float | str]] = []
    for zone, lo, hi in zip(ZONES, edges[:-1], edges[1:], strict=True):
        at = loyalty_probability(np.array([lo, hi]), c, curve)
        rows.append({"zone": zone, "s_from": lo, "s_to": hi, "loyalty_from": float(at[0]),
                     "loyalty_to": float(at[1])})
    return rows
