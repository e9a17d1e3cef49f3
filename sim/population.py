"""The customer population in satisfaction classes (retention model ``satisfaction``).

Customers are non-members or members of the loyalty programmes (a share E,
see :func:`sim.programmes.programme_mix`); within each group they are spread
over equal-weight satisfaction classes (:func:`sim.satisfaction.satisfaction_classes`).
Members perceive more value (higher satisfaction) and feel less competition
(switching cost). Each class renews every year with the loyalty curve's
probability at its satisfaction and its felt competition, plus the scenario's
uplift: so a cohort's retention rises with tenure as its least loyal classes
leave first (sorting).

Loyalty types (attitudinal × behavioural loyalty, DOMAIN.md §3): a class is
*satisfied* when its satisfaction is at least ``satisfaction.satisfied_from``;
of its customers in a year, the share who stay are *loyalists* (satisfied) or
*hostages* (dissatisfied: kept by switching costs or weak competition), those
who leave are *mercenaries* (satisfied) or *defectors* (dissatisfied).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.loyalty import loyalty_probability
from sim.programmes import ProgrammeMix, programme_mix
from sim.retention_spend import effective_uplift_points
from sim.satisfaction import mean_satisfaction, satisfaction_classes
from sim.scenario import Scenario

__all__ = ["LOYALTY_TYPES", "Population", "satisfaction_population", "satisfied_share",
           "type_shares"]

LOYALTY_TYPES = ("loyalists", "mercenaries", "hostages", "defectors")


@dataclass(frozen=True)
class Population:
    """Satisfaction classes of new customers, each array shape (C,).

    Attributes:
        weights: share of new customers in each class (sums to 1).
        satisfaction: satisfaction of the class (1-5).
        member: True for programme members.
        felt_competition: competition intensity the class feels (0-1).
        loyalty: yearly renewal probability (loyalty curve + uplift), in [0, 1].
        loyalty_without_switching: the same without the programmes' switching cost
            (to tell loyalty bought by satisfaction from loyalty bought by lock-in).
        satisfied: satisfaction ≥ ``satisfied_from``.
        mix: the combined programmes.
    """

    weights: np.ndarray
    satisfaction: np.ndarray
    member: np.ndarray
    felt_competition: np.ndarray
    loyalty: np.ndarray
    loyalty_without_switching: np.ndarray
    satisfied: np.ndarray
    mix: ProgrammeMix


def satisfied_share(population: Population) -> float:
    """Share of new customers who are satisfied (satisfaction ≥ ``satisfied_from``).

    Σ weights over the satisfied classes: a fraction in [0, 1] of the customers
    acquired, before any renewal sorts them.
    """
    return float(np.clip(population.weights @ population.satisfied.astype(float), 0.0, 1.0))


def satisfaction_population(scenario: Scenario) -> Population:
    """Classes of non-members then members (members only when a programme runs)."""
    sat, curve = scenario.satisfaction, scenario.loyalty_curve
    c = scenario.competition.intensity
    mix = programme_mix(scenario.programmes)
    uplift = effective_uplift_points(scenario) / 100.0
    groups = [(1.0 - mix.member_share, False, 0.0, 0.0)]
    if mix.member_share > 0:
        groups.append((mix.member_share, True, mix.perceived_value, mix.switching_cost))
    centres = mean_satisfaction(sat, c, np.array([value for _, _, value, _ in groups]))
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("w", "s", "m", "c")}
    for (share, member, _value, switching), centre in zip(groups, centres, strict=True):
        values, weights = satisfaction_classes(sat, float(centre))
        parts["w"].append(share * weights)
        parts["s"].append(values)
        parts["m"].append(np.full(len(values), member))
        parts["c"].append(np.full(len(values), c * (1.0 - switching)))
    satisfaction = np.concatenate(parts["s"])
    felt = np.concatenate(parts["c"])
    # One pass over every class: the loyalty each feels, and without the switching cost.
    both = loyalty_probability(satisfaction, np.stack([felt, np.full(len(felt), c)]), curve)
    loyalty, without = np.clip(both + uplift, 0.0, 1.0)
    return Population(weights=np.concatenate(parts["w"]), satisfaction=satisfaction,
                      member=np.concatenate(parts["m"]), felt_competition=felt,
                      loyalty=loyalty, loyalty_without_switching=without,
                      satisfied=satisfaction >= sat.satisfied_from, mix=mix)


def type_shares(population: Population, customers_by_class: np.ndarray) -> dict[str, np.ndarray]:
    """Share of each loyalty type among customers, per column of ``customers_by_class`` (C, N).

    The renewal decision of the coming year splits each class into stayers
    (probability = its loyalty) and leavers.
    """
    total = customers_by_class.sum(axis=0)
    stay = population.loyalty[:, None] * customers_by_class
    leave = customers_by_class - stay
    sat = population.satisfied[:, None]
    counts = {"loyalists": (stay * sat).sum(axis=0), "mercenaries": (leave * sat).sum(axis=0),
              "hostages": (stay * ~sat).sum(axis=0), "defectors": (leave * ~sat).sum(axis=0)}
    with np.errstate(invalid="ignore", divide="ignore"):
        return {k: np.where(total > 0, v / total, np.nan) for k, v in counts.items()}
