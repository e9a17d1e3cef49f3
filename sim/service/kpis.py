"""Service KPIs from a run's contacts (seed 003's list): per year, by hour, with intervals.

Definitions (a *contact* is one call; a *request* is a customer's query or complaint with
all its contacts; censored contacts, still open when the run stopped, are left out of the
contact figures):

* ``requests``, ``complaints``: first contacts (per year: scaled from the sampled weeks to
  365 days); ``contacts``: every contact, returns and redials included; ``handled``:
  contacts answered; ``complaints_handled``: complaint contacts answered;
* ``asa_seconds``: average speed of answer, the mean wait of the answered contacts;
* ``service_level``: contacts answered within the target / contacts offered (abandoned
  contacts count as missed: "80/20" is 80 % of the offered contacts answered within 20 s);
* ``abandonment``: contacts abandoned / contacts offered;
* ``aht_minutes``: average handling time of the answered contacts;
* ``occupancy``: handling time / staffed agent time of the simulated weeks (above 1 when
  agents finish contacts after their shift ended);
* ``fcr``: requests resolved at their first contact / requests whose first contact was
  answered; ``unresolved``: requests never resolved / requests;
* ``agent_hours``: staffed agent-hours in the year (365 days of ``agents_by_hour``);
  ``cost``: agent-hours × ``agent_cost_per_hour`` (currency).

Intervals (:func:`batch_interval`): the run after a warm-up is cut into equal batches of
time; each batch gives a ratio estimate, and the 95 % interval is the mean of the batches
± t(0.975, B − 1) · s/√B (batch means).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from sim.service.model import HOURS_PER_WEEK, ContactLog

__all__ = ["YEARLY_COLUMNS", "RequestExperience", "request_experience", "contact_figures",
           "yearly_table", "batch_interval", "covered_time", "queue_length_by_hour", "week_profile",
           "hourly_service_level"]

YEARLY_COLUMNS = ("year", "requests", "complaints", "contacts", "handled",
                  "complaints_handled", "asa_seconds", "service_level", "abandonment",
                  "aht_minutes", "occupancy", "fcr", "unresolved", "agent_hours", "cost",
                  "shift_points")
"""Columns of the yearly KPI table (``shift_points``: :mod:`sim.service.loyalty_link`)."""


class RequestExperience:
    """Per request (index = first contact's index): what its customer went through.

    Attributes:
        contacts: contacts made (int); excess_wait: minutes waited beyond the tolerance,
        summed over the contacts; abandoned: contacts abandoned; resolved: resolved at
        some contact; first_answered, first_resolved: the first contact was answered /
        resolved the request; censored: some contact was still open when the run stopped.
    """

    def __init__(self, log: ContactLog, tolerance_minutes: float) -> None:
        n = log.requests
        req = log.request
        offered = log.state != 3
        wait = np.where(offered, log.wait, 0.0)
        self.contacts = np.bincount(req, minlength=n)
        self.excess_wait = np.bincount(req, weights=np.maximum(wait - tolerance_minutes, 0.0),
                                       minlength=n)
        self.abandoned = np.bincount(req, weights=(log.state == 2), minlength=n)
        self.resolved = np.bincount(req, weights=log.resolved, minlength=n) > 0
        self.censored = np.bincount(req, weights=~offered, minlength=n) > 0
        self.first_answered = log.state[:n] == 1
        self.first_resolved = log.resolved[:n]
        self.kind = log.kind[:n]


def request_experience(log: ContactLog, tolerance_minutes: float) -> RequestExperience:
    """:class:`RequestExperience` of every request of ``log``."""
    return RequestExperience(log, tolerance_minutes)


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den > 0 else math.nan


def contact_figures(log: ContactLog, mask: np.ndarray, target_minutes: float,
                    staffed_minutes: float) -> dict[str, float]:
    """Contact KPIs of the contacts in ``mask``: ``contacts``, ``handled``, ``abandoned``,
    ``service_level``, ``abandonment``, ``asa_seconds``, ``aht_minutes``, ``occupancy``
    (against ``staffed_minutes`` of agent time)."""
    offered = mask & (log.state != 3)
    answered = offered & (log.state == 1)
    n_offered, n_answered = int(offered.sum()), int(answered.sum())
    abandoned = int((offered & (log.state == 2)).sum())
    waits = log.wait[answered]
    handling = log.handling[answered]
    return {
        "contacts": float(n_offered), "handled": float(n_answered), "abandoned": float(abandoned),
        "service_level": _ratio(float((waits <= target_minutes).sum()), n_offered),
        "abandonment": _ratio(abandoned, n_offered),
        "asa_seconds": float(waits.mean() * 60.0) if n_answered else math.nan,
        "aht_minutes": float(handling.mean()) if n_answered else math.nan,
        "occupancy": _ratio(float(handling.sum()), staffed_minutes),
    }


def yearly_table(log: ContactLog, request_year: np.ndarray, years: int, weeks: int,
                 target_minutes: float, staffed_minutes_per_week: float,
                 agent_hours_per_year: float, cost_per_hour: float,
                 shift_by_year: np.ndarray) -> pd.DataFrame:
    """The KPIs of each year (:data:`YEARLY_COLUMNS`) from a run of ``weeks`` sampled weeks
    per year; ``request_year`` (requests,) is each request's year index 0…Y−1. Counts are
    scaled to 365 days (× 365 / (7 · weeks))."""
    scale = 365.0 / (7.0 * weeks)
    contact_year = request_year[log.request]
    experience = request_experience(log, 0.0)
    rows = []
    for y in range(years):
        in_year = contact_year == y
        figures = contact_figures(log, in_year, target_minutes, staffed_minutes_per_week * weeks)
        req = request_year == y
        first_answered = req & experience.first_answered
        rows.append({
            "year": y + 1,
            "requests": float(req.sum()) * scale,
            "complaints": float((req & (experience.kind == 1)).sum()) * scale,
            "contacts": figures["contacts"] * scale,
            "handled": figures["handled"] * scale,
            "complaints_handled": float((in_year & (log.state == 1) & (log.kind == 1)).sum())
            * scale,
            "asa_seconds": figures["asa_seconds"],
            "service_level": figures["service_level"],
            "abandonment": figures["abandonment"],
            "aht_minutes": figures["aht_minutes"],
            "occupancy": figures["occupancy"],
            "fcr": _ratio(float((first_answered & experience.first_resolved).sum()),
                          float(first_answered.sum())),
            "unresolved": _ratio(float((req & ~experience.resolved).sum()), float(req.sum())),
            "agent_hours": agent_hours_per_year,
            "cost": agent_hours_per_year * cost_per_hour,
            "shift_points": float(shift_by_year[y]),
        })
    return pd.DataFrame(rows, columns=list(YEARLY_COLUMNS))


def batch_interval(numerators: np.ndarray, denominators: np.ndarray,
                   level: float = 0.95) -> dict[str, Any]:
    """Batch-means estimate of a ratio: ``{"estimate", "low", "high", "batches"}``.

    The estimate is Σ numerators / Σ denominators (the whole run); the interval is centred
    on it with half-width t((1 + level)/2, B − 1) · s/√B, s the standard deviation of the
    batch ratios (batches with a zero denominator left out). NaN without two batches.
    """
    num, den = np.asarray(numerators, float), np.asarray(denominators, float)
    keep = den > 0
    estimate = _ratio(float(num.sum()), float(den.sum()))
    ratios = num[keep] / den[keep]
    b = len(ratios)
    if b < 2 or not math.isfinite(estimate):
        return {"estimate": estimate, "low": math.nan, "high": math.nan, "batches": b}
    half = float(student_t.ppf((1 + level) / 2, b - 1) * ratios.std(ddof=1) / math.sqrt(b))
    return {"estimate": estimate, "low": estimate - half, "high": estimate + half,
            "batches": b}


def covered_time(starts: np.ndarray, ends: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """∫_0^b (number of intervals [s, e) covering t) dt at each bound b."""
    s, e = np.sort(starts), np.sort(ends)
    cs, ce = np.concatenate([[0.0], np.cumsum(s)]), np.concatenate([[0.0], np.cumsum(e)])
    ks, ke = np.searchsorted(s, bounds), np.searchsorted(e, bounds)
    return (bounds * ks - cs[ks]) - (bounds * ke - ce[ke])


def queue_length_by_hour(log: ContactLog, hours: int) -> np.ndarray:
    """Time-average number of contacts waiting in each hour 0…hours−1 of the run."""
    offered = log.state != 3
    starts = log.arrival[offered]
    ends = starts + log.wait[offered]
    bounds = np.arange(hours + 1, dtype=float) * 60.0
    # Differences of running sums: clip the round-off below 0.
    return np.maximum(np.diff(covered_time(starts, ends, bounds)) / 60.0, 0.0)


def week_profile(log: ContactLog, week_year: np.ndarray, agents_by_hour: tuple[int, ...]
                 ) -> pd.DataFrame:
    """A typical week of each year: by ``year`` (1…) and ``hour`` of the week (0 = Monday
    00-01): mean ``arrivals`` (contacts arriving in the hour), ``queue`` (time-average
    contacts waiting), ``wait_minutes`` (mean wait of the contacts answered that arrived in
    the hour; NaN if none) and ``agents`` on duty, averaged over the year's sampled weeks.

    Args:
        week_year: (W,) the year index of each simulated week, in run order.
    """
    weeks = len(week_year)
    hours = weeks * HOURS_PER_WEEK
    queue = queue_length_by_hour(log, hours).reshape(weeks, HOURS_PER_WEEK)
    slot = np.floor(log.arrival / 60.0).astype(np.int64)
    inside = (slot < hours) & (log.state != 3)
    count = np.bincount(slot[inside], minlength=hours).reshape(weeks, HOURS_PER_WEEK)
    answered = inside & (log.state == 1)
    wait_sum = np.bincount(slot[answered], weights=log.wait[answered],
                           minlength=hours).reshape(weeks, HOURS_PER_WEEK)
    answered_n = np.bincount(slot[answered], minlength=hours).reshape(weeks, HOURS_PER_WEEK)
    agents = np.tile(np.asarray(agents_by_hour, dtype=float), 7)
    frames = []
    for y in np.unique(week_year):
        rows = week_year == y
        n_answered = answered_n[rows].sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            wait = np.where(n_answered > 0, wait_sum[rows].sum(axis=0) / n_answered, np.nan)
        frames.append(pd.DataFrame({
            "year": int(y) + 1, "hour": np.arange(HOURS_PER_WEEK),
            "arrivals": count[rows].mean(axis=0), "queue": queue[rows].mean(axis=0),
            "wait_minutes": wait, "agents": agents}))
    return pd.concat(frames, ignore_index=True)


def hourly_service_level(log: ContactLog, contact_year: np.ndarray, target_minutes: float,
                         years: int) -> pd.DataFrame:
    """Service level by ``year`` (1…) and ``hour`` of the day (0-23) of the contacts'
    arrival: ``offered`` contacts (in the simulated weeks) and ``service_level`` (NaN when
    none was offered)."""
    offered = log.state != 3
    hour = (np.floor(log.arrival / 60.0).astype(np.int64) % 24)
    within = offered & (log.state == 1) & (log.wait <= target_minutes)
    key = contact_year * 24 + hour
    size = years * 24
    n = np.bincount(key[offered], minlength=size).astype(float)
    ok = np.bincount(key[within], minlength=size).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        level = np.where(n > 0, ok / n, np.nan)
    return pd.DataFrame({"year": np.repeat(np.arange(1, years + 1), 24),
                         "hour": np.tile(np.arange(24), years), "offered": n,
                         "service_level": level})

