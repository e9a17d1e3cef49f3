"""The stationary queue alone (``python -m sim queue``, the Erlang validation).

Poisson arrivals at a constant rate, exponential handling, a constant number of agents,
optionally exponential patience, every request resolved at its first contact: the
assumptions of Erlang C (no patience) and Erlang A (with patience), so the run can be held
against the closed forms (:mod:`sim.service.erlang`).

Estimates leave out the first ``warmup_share`` of the run (the queue starts empty) and
cut the rest into ``batches`` equal stretches of time by arrival; each figure's 95 %
interval is its batch-means interval (:func:`sim.service.kpis.batch_interval`).
Utilisation is busy agent time within each stretch / (agents × its length).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.budget import BudgetError
from sim.schema import Issue
from sim.service.erlang import QueueFigures, erlang_a, erlang_c
from sim.service.kpis import batch_interval, covered_time
from sim.service.model import QueueParams, run_queue, stationary_arrivals, streams

_A = "messages.allowed."
_F = "messages.found."

__all__ = ["QUEUE_KEYS", "EVENT_BUDGET", "QueueRun", "queue_events", "queue_issues",
           "check_queue", "simulate_queue"]

QUEUE_KEYS = ("mean_wait_minutes", "p_wait", "service_level", "abandonment", "utilisation",
              "mean_handling_minutes", "requests", "erlang_c")
"""The keys of ``python -m sim queue --format json``, in order."""

EVENT_BUDGET = 4_000_000
"""Most simpy events one run of the event engine may schedule (about 4-8 s on one core of
the machines this was measured on, ``bench/bench_service.py``); a run estimated above it is
refused before it starts."""


@dataclass(frozen=True, eq=False)
class QueueRun:
    """A stationary run: estimates with 95 % intervals and the closed form beside them.

    Attributes:
        estimates: ``{name: {"estimate", "low", "high", "batches"}}`` for
            ``mean_wait_minutes``, ``p_wait``, ``service_level``, ``abandonment``,
            ``utilisation``, ``mean_handling_minutes``.
        requests: arrivals simulated (the whole run, warm-up included).
        analytic: Erlang C (no patience) or Erlang A figures.
        target_seconds: the service-level target; hours: simulated hours;
            handling_minutes: the mean handling time asked for.
        waits, batch, batches: each measured arrival's wait and batch (for
            :meth:`p_wait_exceeds`).
        events, seconds: simpy events scheduled and wall time of the simulation.
    """

    estimates: dict[str, dict[str, Any]]
    requests: int
    analytic: QueueFigures
    target_seconds: float
    hours: float
    handling_minutes: float
    events: int
    seconds: float

    waits: np.ndarray
    batch: np.ndarray
    batches: int

    def p_wait_exceeds(self, t_minutes: float, level: float = 0.95) -> dict[str, Any]:
        """Estimate and interval of P(wait > t) over the arrivals after the warm-up."""
        count = np.bincount(self.batch, minlength=self.batches)
        over = np.bincount(self.batch, weights=(self.waits > t_minutes).astype(float),
                           minlength=self.batches)
        return batch_interval(over, count, level)

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``python -m sim queue``: :data:`QUEUE_KEYS`."""
        out: dict[str, Any] = {}
        for name in QUEUE_KEYS[:6]:
            e = self.estimates[name]
            out[name] = {"estimate": _clean(e["estimate"]), "low": _clean(e["low"]),
                         "high": _clean(e["high"]), "level": 0.95}
        out["requests"] = self.requests
        a = self.analytic
        out["erlang_c"] = {
            "model": "M/M/c (Erlang C)" if a.model == "erlang_c" else "M/M/c+M (Erlang A)",
            "holds": True,
            "stable": a.stable,
            "offered_load_erlangs": _clean(a.offered_load),
            "mean_wait_minutes": _clean(a.mean_wait),
            "p_wait": _clean(a.p_wait),
            "service_level": _clean(a.service_level(self.target_seconds / 60.0)),
            "abandonment": _clean(a.abandonment),
            "utilisation": _clean(a.utilisation),
            "mean_handling_minutes": _clean(self.handling_minutes),
        }
        return out


def _clean(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def queue_events(arrivals_per_hour: float, hours: float, patience: bool) -> float:
    """Simpy events a stationary run schedules, about: per arrival one arrival, one end of
    handling and, with patience, one abandonment timer; one per staffing hour."""
    return arrivals_per_hour * hours * (3.0 if patience else 2.0) + hours


def queue_issues(arrivals_per_hour: float, agents: int, handling_minutes: float,
                 hours: float, patience_minutes: float | None) -> list[Issue]:
    """Why a stationary run cannot be run (zero agents with arrivals, a mean handling time
    longer than the run, its one shift) or is over the event budget; each names the
    ``python -m sim queue`` option."""
    issues = []
    if arrivals_per_hour > 0 and agents < 1:
        issues.append(Issue("--agents", "rule", allowed_key=_A + "sv_one_agent",
                            got_key=_F + "sv_agents", params=(("agents", str(agents)),)))
    if handling_minutes > hours * 60:
        issues.append(Issue("--handling-minutes", "rule", allowed_key=_A + "sv_run_length",
                            got_key=_F + "sv_handling",
                            params=(("hours", f"{hours:g}"), ("run_minutes", f"{hours * 60:g}"),
                                    ("minutes", f"{handling_minutes:g}"))))
    events = queue_events(arrivals_per_hour, hours, patience_minutes is not None)
    if events > EVENT_BUDGET:
        issues.append(Issue("--hours", "rule", allowed_key=_A + "sv_queue_events",
                            got_key=_F + "sv_queue_events",
                            params=(("budget", f"{EVENT_BUDGET:,}"),
                                    ("arrivals", f"{arrivals_per_hour:g}"),
                                    ("hours", f"{hours:g}"), ("events", f"{events:,.0f}"))))
    return issues


def check_queue(arrivals_per_hour: float, agents: int, handling_minutes: float,
                hours: float, patience_minutes: float | None) -> None:
    """Refuse, before it starts, a stationary run that cannot be run or is over the event
    budget (:class:`sim.budget.BudgetError` with :func:`queue_issues`)."""
    issues = queue_issues(arrivals_per_hour, agents, handling_minutes, hours, patience_minutes)
    if issues:
        raise BudgetError(issues)


def simulate_queue(arrivals_per_hour: float, agents: int, handling_minutes: float,
                   patience_minutes: float | None = None, target_seconds: float = 20.0,
                   hours: float = 1000.0, seed: int = 42, warmup_share: float = 0.1,
                   batches: int = 20) -> QueueRun:
    """Run the stationary queue through the event engine.

    Args:
        arrivals_per_hour: Poisson arrival rate (requests/hour).
        agents: agents on duty all the time.
        handling_minutes: mean of the exponential handling time (minutes).
        patience_minutes: mean of the exponential patience (minutes); None: nobody abandons.
        target_seconds: service-level target (seconds).
        hours: simulated hours (the warm-up included).
        seed: the seed of the run's streams (:func:`sim.service.model.streams`).
        warmup_share: share of the run left out of the estimates (0 ≤ share < 1).
        batches: batches of the batch-means intervals.

    Raises:
        sim.budget.BudgetError: zero agents with arrivals, handling longer than the run,
            more events than :data:`EVENT_BUDGET`.
    """
    check_queue(arrivals_per_hour, agents, handling_minutes, hours, patience_minutes)
    rng = streams(seed)
    minutes = hours * 60.0
    arrival = stationary_arrivals(rng["arrivals"], arrivals_per_hour / 60.0, minutes)
    patience = math.inf if patience_minutes is None else float(patience_minutes)
    params = QueueParams((handling_minutes, handling_minutes), "exponential", 1.0, patience,
                         (1.0, 1.0), 0.0, 60.0, 1, (int(agents),) * 24)
    log = run_queue(params, arrival, np.zeros(len(arrival), dtype=np.int8), rng)
    lam = arrivals_per_hour / 60.0
    analytic = (erlang_c(lam, handling_minutes, agents) if patience_minutes is None
                else erlang_a(lam, handling_minutes, agents, patience))
    start = warmup_share * minutes
    width = (minutes - start) / batches
    batch = np.floor((log.arrival - start) / width).astype(np.int64)
    inside = (log.arrival >= start) & (batch < batches) & (log.state != 3)
    b = batch[inside]
    wait = log.wait[inside]
    state = log.state[inside]
    target = target_seconds / 60.0

    def per_batch(weights: np.ndarray) -> np.ndarray:
        return np.bincount(b, weights=weights, minlength=batches)

    count = per_batch(np.ones(len(b)))
    answered = state == 1
    estimates = {
        "mean_wait_minutes": batch_interval(per_batch(wait), count),
        "p_wait": batch_interval(per_batch((wait > 0).astype(float)), count),
        "service_level": batch_interval(per_batch((answered & (wait <= target)).astype(float)),
                                        count),
        "abandonment": batch_interval(per_batch((state == 2).astype(float)), count),
        "mean_handling_minutes": batch_interval(per_batch(log.handling[inside]),
                                                per_batch(answered.astype(float))),
    }
    served = log.state == 1
    begin = log.arrival[served] + log.wait[served]
    edges = start + width * np.arange(batches + 1)
    busy = np.diff(covered_time(begin, begin + log.handling[served], edges))
    estimates["utilisation"] = batch_interval(busy, np.full(batches, width * agents))
    estimates = {k: estimates[k] for k in QUEUE_KEYS[:6]}
    return QueueRun(estimates, log.requests, analytic, target_seconds, hours,
                    handling_minutes, log.events, log.seconds, wait, b, batches)
