"""From the service customers experienced to perceived performance (DOMAIN.md §3).

Satisfaction forms by expectation-disconfirmation on perceived performance P
(:mod:`sim.satisfaction`). A scenario's ``satisfaction.service_quality`` is P when the
contact centre serves every request within the tolerance and resolves it at the first
contact; every shortfall the event engine measures lowers it. Per request of kind k
(query, complaint), from its contacts:

    points_k = points_per_wait_minute · (minutes waited beyond wait_tolerance_seconds,
                                         summed over the request's contacts)
             + points_per_abandoned  · (contacts abandoned)
             + points_per_repeat     · (contacts − 1)
             + points_per_unresolved · (1 if never resolved)

averaged over the year's requests of kind k; the average customer makes 12·r_k requests
of kind k a year (r_k per customer-month), so the year's shift in perceived performance is

    shift_y = −12 · (r_query · points_query + complaint_weight · r_complaint · points_complaint)

(1-5 scale points). The cohort engine has one service quality for the whole horizon, so
the shift applied is the mean of the years' shifts weighted by their active customers
(customer-months), and the service-adjusted scenario is the scenario with

    satisfaction.service_quality ← clip(service_quality + shift, 1, 5).

Only retention model ``satisfaction`` reads service quality: with any other model the
feedback is ``none`` and the numbers stay those of the scenario (the service KPIs and cost
are still simulated). With ample capacity (no wait beyond the tolerance, nobody abandons)
and every request resolved at its first contact the shift is exactly 0 and the adjusted
scenario *is* the scenario.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.scenario import Scenario, replace_path
from sim.service.kpis import request_experience
from sim.service.model import ContactLog
from sim.service.params import Service

__all__ = ["FEEDBACK_SATISFACTION", "FEEDBACK_NONE", "EXPERIENCE_COLUMNS", "experience_table",
           "yearly_shift", "mean_shift", "feedback_kind", "service_adjusted_scenario"]

FEEDBACK_SATISFACTION = "satisfaction"
"""The shift moves ``satisfaction.service_quality`` (retention model ``satisfaction``)."""
FEEDBACK_NONE = "not_satisfaction_model"
"""The scenario's retention does not read satisfaction: the service cannot move it."""

EXPERIENCE_COLUMNS = ("year", "kind", "requests", "excess_wait_minutes", "abandoned",
                      "repeats", "unresolved", "points")
"""Per year and kind (``query``, ``complaint``): requests simulated and the means per
request of the experience terms and of their points."""

_KINDS = ("query", "complaint")


def experience_table(log: ContactLog, request_year: np.ndarray, years: int,
                     service: Service) -> pd.DataFrame:
    """What each year's requests of each kind went through (:data:`EXPERIENCE_COLUMNS`)."""
    exp = request_experience(log, service.wait_tolerance_seconds / 60.0)
    rows = []
    for y in range(years):
        for k, kind in enumerate(_KINDS):
            mask = (request_year == y) & (exp.kind == k)
            n = int(mask.sum())
            if n == 0:
                terms = (0.0, 0.0, 0.0, 0.0)
            else:
                terms = (float(exp.excess_wait[mask].mean()), float(exp.abandoned[mask].mean()),
                         float((exp.contacts[mask] - 1).mean()),
                         float((~exp.resolved[mask]).mean()))
            points = (service.points_per_wait_minute * terms[0]
                      + service.points_per_abandoned * terms[1]
                      + service.points_per_repeat * terms[2]
                      + service.points_per_unresolved * terms[3])
            rows.append({"year": y + 1, "kind": kind, "requests": n,
                         "excess_wait_minutes": terms[0], "abandoned": terms[1],
                         "repeats": terms[2], "unresolved": terms[3], "points": points})
    return pd.DataFrame(rows, columns=list(EXPERIENCE_COLUMNS))


def yearly_shift(experience: pd.DataFrame, service: Service, years: int) -> np.ndarray:
    """Shift in perceived performance of each year (1-5 points, ≤ 0), shape (Y,)."""
    points = experience.pivot(index="year", columns="kind", values="points")
    points = points.reindex(index=range(1, years + 1), columns=list(_KINDS)).fillna(0.0)
    per_year = 12.0 * (service.queries_per_customer_month * points["query"].to_numpy()
                       + service.complaint_weight * service.complaints_per_customer_month
                       * points["complaint"].to_numpy())
    return -per_year


def mean_shift(shift_by_year: np.ndarray, customers_by_year: np.ndarray) -> float:
    """The shift applied to the scenario: the years' shifts weighted by their active
    customers (0 when nobody is a customer)."""
    weights = np.asarray(customers_by_year, dtype=float)
    total = float(weights.sum())
    if total <= 0:
        return 0.0
    return float(np.asarray(shift_by_year) @ weights / total)


def feedback_kind(scenario: Scenario) -> str:
    """:data:`FEEDBACK_SATISFACTION` when the scenario's retention reads satisfaction, else
    :data:`FEEDBACK_NONE`."""
    return (FEEDBACK_SATISFACTION if scenario.retention.model == "satisfaction"
            else FEEDBACK_NONE)


def service_adjusted_scenario(scenario: Scenario, shift: float) -> Scenario:
    """``scenario`` with its service quality moved by ``shift`` points (clipped to 1-5).

    The scenario itself (the same object) when the shift is 0 or its retention does not
    read satisfaction, so its numbers are bit-identical.
    """
    if shift == 0.0 or feedback_kind(scenario) == FEEDBACK_NONE:
        return scenario
    quality = float(np.clip(scenario.satisfaction.service_quality + shift, 1.0, 5.0))
    return replace_path(scenario, "satisfaction.service_quality", quality)
