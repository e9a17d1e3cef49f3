"""The event engine (simpy): requests queue for a limited, hour-by-hour staffing of agents.

Time is in minutes from Monday 00:00 of the first simulated week. One run takes every first
contact's arrival time and kind (0 query, 1 complaint) in advance (a non-homogeneous
Poisson process, :func:`weekly_arrivals`) and simulates, first come first served:

* an arriving contact is answered at once when an agent is free and nobody waits, else it
  queues; with finite patience it abandons when its exponential patience runs out first;
* an agent handles one contact at a time (exponential or lognormal handling time); at the
  end the request is resolved with probability ``fcr`` of its kind, otherwise it comes back
  after an exponential delay, as does a share ``redial_share`` of abandoned contacts, until
  ``max_contacts`` contacts were made;
* at every hour the number of agents on duty becomes that hour's staffing; an agent whose
  shift ended finishes the contact in hand (occupancy can then exceed the staffed time);
* arrivals stop after the last first contact; the run ends when every request is closed
  (or 60 days after the last arrival: contacts still open then are *censored*).

Events are simpy ``Timeout``\\ s: one per arrival (a process yielding to the next), one per
handled contact (its end), one per abandonment timer (only for contacts that queue, with
finite patience), one per return, one per staffing hour. Callbacks rather than a process
per contact keep the engine close to simpy's own floor (``bench/bench_service.py``).

Randomness: ``numpy.random.Generator``\\ s from one ``SeedSequence`` (:func:`streams`):
arrivals, handling, patience, resolution and returns each have their own stream, so two
staffing levels see the same requests with the same handling times (common random
numbers) for every first contact.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import simpy
from simpy.events import Timeout

__all__ = ["MINUTES_PER_WEEK", "HOURS_PER_WEEK", "QueueParams", "ContactLog", "streams",
           "weekly_arrivals", "stationary_arrivals", "draw_handling", "run_queue"]

MINUTES_PER_WEEK = 7 * 24 * 60
HOURS_PER_WEEK = 7 * 24
DRAIN_MINUTES = 60 * 24 * 60
"""After the last arrival the run goes on at most this long (60 days) to close requests."""
_SERVICE_STREAM = 0x53455256       # "SERV": keeps these streams apart from the other engines'
_BLOCK = 1 << 14


@dataclass(frozen=True)
class QueueParams:
    """What the engine needs to know of the contact centre (times in minutes).

    Attributes:
        handling: mean handling time of a query and of a complaint.
        distribution: ``exponential`` or ``lognormal``.
        spread: coefficient of variation of the lognormal handling time.
        patience: mean patience (exponential); ``math.inf``: nobody abandons.
        fcr: probability that a contact resolves its request, by kind (query, complaint).
        redial_share: share of abandoned contacts that come back.
        return_after: mean delay before an unresolved or redialled request comes back.
        max_contacts: contacts per request at most.
        agents_by_hour: agents on duty in each hour 0-23 of every day (whole numbers).
    """

    handling: tuple[float, float]
    distribution: str
    spread: float
    patience: float
    fcr: tuple[float, float]
    redial_share: float
    return_after: float
    max_contacts: int
    agents_by_hour: tuple[int, ...]


@dataclass(frozen=True)
class ContactLog:
    """Every contact of a run, arrays in order of creation (first contacts first, in the
    order of their arrival; returns after them as they were made).

    Attributes:
        request: index of the request (its first contact's index), int.
        kind: 0 query, 1 complaint.
        number: 1 for a first contact, 2… for returns.
        arrival: arrival time (minutes).
        wait: time in queue (minutes): until answered, or until abandoning; NaN if censored.
        state: 1 answered, 2 abandoned, 3 censored (still open when the run stopped).
        handling: handling time of answered contacts (minutes), 0 otherwise.
        resolved: True when the contact resolved its request.
        requests: number of requests (first contacts).
        events: simpy events the run scheduled.
        end: simulation time when the run stopped (minutes).
        seconds: wall time of the simulation (s).
    """

    request: np.ndarray
    kind: np.ndarray
    number: np.ndarray
    arrival: np.ndarray
    wait: np.ndarray
    state: np.ndarray
    handling: np.ndarray
    resolved: np.ndarray
    requests: int
    events: int
    end: float
    seconds: float


def streams(seed: int) -> dict[str, np.random.Generator]:
    """The engine's random streams from ``SeedSequence([seed, "SERV"])``: ``arrivals``,
    ``handling``, ``patience``, ``resolution``, ``returns``."""
    names = ("arrivals", "handling", "patience", "resolution", "returns")
    children = np.random.SeedSequence([int(seed), _SERVICE_STREAM]).spawn(len(names))
    return {name: np.random.default_rng(child) for name, child in zip(names, children,
                                                                     strict=True)}


def weekly_arrivals(rng: np.random.Generator, rates: np.ndarray, shape: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """First contacts of consecutive weeks: a Poisson process with a rate constant within
    each hour.

    Args:
        rng: the arrivals stream.
        rates: (W, 2) mean arrivals per hour of queries and complaints in each week.
        shape: (168,) relative rate by hour of the week (Monday 00-01 first), mean 1.

    Returns:
        ``(times, kinds)`` sorted by time: minutes from the start of the first week, and
        0 (query) / 1 (complaint).
    """
    lam = np.asarray(rates, dtype=float)[:, None, :] * np.asarray(shape)[None, :, None]
    counts = rng.poisson(lam).ravel()                              # (W·168·2,)
    slots = np.repeat(np.arange(counts.size), counts)
    hour = slots // 2
    times = (hour + rng.random(slots.size)) * 60.0
    kinds = (slots % 2).astype(np.int8)
    order = np.argsort(times, kind="stable")
    return times[order], kinds[order]


def stationary_arrivals(rng: np.random.Generator, per_minute: float, minutes: float
                        ) -> np.ndarray:
    """Arrival times (minutes, sorted) of a homogeneous Poisson process over ``minutes``."""
    n = int(rng.poisson(per_minute * minutes))
    return np.sort(rng.random(n) * minutes)


def draw_handling(rng: np.random.Generator, kinds: np.ndarray, params: QueueParams
                  ) -> np.ndarray:
    """Handling times (minutes) of contacts of ``kinds``: exponential, or lognormal with the
    kind's mean and coefficient of variation ``spread`` (σ² = ln(1 + spread²),
    μ = ln(mean) − σ²/2)."""
    mean = np.asarray(params.handling)[kinds]
    if params.distribution == "exponential":
        return mean * rng.standard_exponential(len(kinds))
    sigma2 = math.log1p(params.spread ** 2)
    return mean * np.exp(math.sqrt(sigma2) * rng.standard_normal(len(kinds)) - sigma2 / 2)


def _stream(draw: Callable[[int], np.ndarray]) -> Iterator[float]:
    """Random numbers drawn in blocks, handed out one by one (for the return contacts)."""
    while True:
        yield from draw(_BLOCK).tolist()


class _Centre:
    """The queue, the agents and every contact's record (Python lists: scalar access).

    Events are counted as they are scheduled only where the count is not known afterwards
    (abandonment timers, staffing hours); :func:`run_queue` adds one per first contact,
    per answered contact and per return.
    """

    def __init__(self, env: simpy.Environment, params: QueueParams, arrival: np.ndarray,
                 kinds: np.ndarray, rng: dict[str, np.random.Generator]) -> None:
        n = len(arrival)
        self.env = env
        self.p = params
        self.n = n
        self.arrival = arrival.tolist()
        self.kind = kinds.astype(int).tolist()
        self.request = list(range(n))
        self.number = [1] * n
        self.handling = draw_handling(rng["handling"], kinds, params).tolist()
        finite = math.isfinite(params.patience)
        self.patience = ((params.patience * rng["patience"].standard_exponential(n)).tolist()
                         if finite else [math.inf] * n)
        fcr = np.asarray(params.fcr)
        self.ok = (rng["resolution"].random(n) < fcr[kinds]).tolist()
        self.wait = [math.nan] * n
        self.state = [0] * n
        self.queue: deque[int] = deque()
        self.busy = 0
        self.capacity = 0
        self.open = 0               # contacts queued or in service, and returns scheduled
        self.timers = 0
        self.hours = 0
        self.next_first = 0
        self.finite_patience = finite
        handling_rng, patience_rng, returns_rng = rng["handling"], rng["patience"], rng["returns"]
        single = QueueParams((1.0, 1.0), params.distribution, params.spread, 1.0, (1.0, 1.0),
                             0.0, 1.0, 1, (0,) * 24)
        zeros = np.zeros(_BLOCK, dtype=np.int8)
        self._means = params.handling
        self._hand = _stream(lambda k: draw_handling(handling_rng, zeros[:k], single))
        self._pat = _stream(patience_rng.standard_exponential)
        self._uni = _stream(returns_rng.random)
        self._delay = _stream(returns_rng.standard_exponential)

    # -- arrivals -------------------------------------------------------------------------
    def first_arrival(self, event: simpy.events.Event | None = None) -> None:
        """Callback chain: the next first contact arrives, the one after it is scheduled."""
        c = self.next_first
        if event is not None:
            self.next_first = c + 1
            self.open += 1
            self._arrive(c)
            c += 1
        if c < self.n:
            Timeout(self.env, max(0.0, self.arrival[c] - self.env.now)).callbacks.append(
                self.first_arrival)

    def _arrive(self, c: int) -> None:
        if self.busy < self.capacity and not self.queue:
            self.busy += 1
            self.wait[c] = 0.0
            self.state[c] = 1
            Timeout(self.env, self.handling[c], c).callbacks.append(self._done)
            return
        self.queue.append(c)
        if self.finite_patience:
            self.timers += 1
            Timeout(self.env, self.patience[c], c).callbacks.append(self._abandon)

    def _returned(self, event: simpy.events.Event) -> None:
        self._arrive(cast(int, event.value))

    # -- service --------------------------------------------------------------------------
    def _dispatch(self) -> None:
        queue, state, env = self.queue, self.state, self.env
        now = env.now
        while self.busy < self.capacity and queue:
            c = queue.popleft()
            if state[c] == 0:
                self.busy += 1
                self.wait[c] = now - self.arrival[c]
                state[c] = 1
                Timeout(env, self.handling[c], c).callbacks.append(self._done)

    def _done(self, event: simpy.events.Event) -> None:
        c = cast(int, event.value)
        self.busy -= 1
        if self.ok[c]:
            self.open -= 1
        else:
            self._come_back(c)
        if self.queue:
            self._dispatch()

    def _abandon(self, event: simpy.events.Event) -> None:
        c = cast(int, event.value)
        if self.state[c] != 0:
            return                          # answered before its patience ran out
        self.state[c] = 2
        self.wait[c] = self.patience[c]
        if next(self._uni) < self.p.redial_share:
            self._come_back(c)
        else:
            self.open -= 1

    def _come_back(self, c: int) -> None:
        """The request of contact ``c`` returns later as a new contact (or closes unresolved
        after ``max_contacts``); ``open`` carries over from ``c`` to the new contact."""
        number = self.number[c] + 1
        if number > self.p.max_contacts:
            self.open -= 1
            return
        new = len(self.arrival)
        delay = self.p.return_after * next(self._delay)
        self.arrival.append(self.env.now + delay)
        kind = self.kind[c]
        self.kind.append(kind)
        self.request.append(self.request[c])
        self.number.append(number)
        self.handling.append(self._means[kind] * next(self._hand))
        self.patience.append(self.p.patience * next(self._pat) if self.finite_patience
                             else math.inf)
        self.ok.append(next(self._uni) < self.p.fcr[kind])
        self.wait.append(math.nan)
        self.state.append(0)
        Timeout(self.env, delay, new).callbacks.append(self._returned)

    # -- staffing -------------------------------------------------------------------------
    def staffing(self, last_arrival: float, stop: simpy.events.Event
                 ) -> Generator[simpy.events.Event, Any, None]:
        """Process: every hour, that hour's agents; stops the run when every request is
        closed after the last arrival, or at the drain limit."""
        env, agents = self.env, self.p.agents_by_hour
        hour = 0
        limit = last_arrival + DRAIN_MINUTES
        while True:
            self.capacity = agents[hour % 24]
            self._dispatch()
            if (env.now >= last_arrival and self.open == 0) or env.now >= limit:
                stop.succeed()
                return
            self.hours += 1
            yield Timeout(env, 60.0)
            hour += 1


def run_queue(params: QueueParams, arrival: np.ndarray, kinds: np.ndarray,
              rng: dict[str, np.random.Generator]) -> ContactLog:
    """Simulate the contacts of first contacts at ``arrival`` (minutes, sorted) of ``kinds``.

    Args:
        params: the centre (:class:`QueueParams`).
        arrival: first contacts' arrival times, sorted, from time 0 (Monday 00:00).
        kinds: 0 query, 1 complaint, same length.
        rng: :func:`streams` (handling, patience, resolution and returns are used).

    Returns:
        The :class:`ContactLog` of every contact.
    """
    started = time.perf_counter()
    env = simpy.Environment()
    centre = _Centre(env, params, np.asarray(arrival, dtype=float),
                     np.asarray(kinds, dtype=np.int8), rng)
    n = len(arrival)
    stop = env.event()
    centre.first_arrival()
    env.process(centre.staffing(float(arrival[-1]) if n else 0.0, stop))
    env.run(until=stop)
    state = np.asarray(centre.state, dtype=np.int8)
    # Scheduled: one timeout per first contact, per answered contact, per return, per
    # abandonment timer and per staffing hour.
    events = n + int((state == 1).sum()) + (len(state) - n) + centre.timers + centre.hours
    state[state == 0] = 3
    wait = np.asarray(centre.wait, dtype=float)
    handling = np.where(state == 1, np.asarray(centre.handling, dtype=float), 0.0)
    return ContactLog(
        request=np.asarray(centre.request, dtype=np.int64),
        kind=np.asarray(centre.kind, dtype=np.int8),
        number=np.asarray(centre.number, dtype=np.int16),
        arrival=np.asarray(centre.arrival, dtype=float),
        wait=np.where(state == 3, np.nan, wait), state=state, handling=handling,
        resolved=(state == 1) & np.asarray(centre.ok, dtype=bool), requests=n, events=events,
        end=float(env.now), seconds=time.perf_counter() - started)
