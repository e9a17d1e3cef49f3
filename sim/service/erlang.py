"""Erlang C (M/M/c) and Erlang A (M/M/c+M) closed forms (DOMAIN.md §11).

Arguments share one time unit (minutes in this package): arrivals per unit ``lam``, a mean
handling time ``handling`` (service rate μ = 1/handling), ``agents`` c and, for Erlang A,
a mean patience (abandonment rate θ = 1/patience). Offered load a = λ/μ Erlangs.

**Erlang C** (no abandonment, stable when a < c): with B the Erlang B loss probability
(recursion B₀ = 1, B_k = a·B_{k−1}/(k + a·B_{k−1})),

    P(wait > 0) = C = c·B / (c − a(1 − B))           (the textbook sum, computed stably)
    W_q = C / (cμ − λ),   P(wait > t) = C·e^(−(cμ−λ)t),   SL(t) = 1 − C·e^(−(cμ−λ)t).

**Erlang A** (exponential patience; always stable): the birth-death chain has
π_n ∝ aⁿ/n! for n ≤ c and π_{c+k} = π_c·Π_{j=1..k} λ/(cμ + jθ) above; the tail is summed
until a term is below 1e-17 of the total (its terms fall faster than geometrically). By
PASTA an arrival sees π: P(wait > 0) = P(N ≥ c), the mean queue E[L_q] = Σ k·π_{c+k},
P(abandon) = θ·E[L_q]/λ, the mean wait of all arrivals (to service or abandonment)
W = E[L_q]/λ, and utilisation = λ(1 − P(abandon))/(cμ). The waiting time of an arrival at
queue position j (j − 1 ahead) is a tagged-customer chain: it moves up at rate
cμ + (j − 1)θ, enters service from the head at rate cμ, and abandons at rate θ; its
transient distribution (``scipy.linalg.expm``) gives P(answered within t) and
P(wait > t).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import expm

__all__ = ["QueueFigures", "erlang_b", "erlang_c", "erlang_a", "agents_for_service_level"]

_TAIL_TOLERANCE = 1e-17
_MAX_TAIL = 2_000_000
"""Queue lengths the Erlang A sums follow at most: beyond (a queue that settles only past
two million waiting, far beyond any contact centre) no figure is computed (``stable``
False)."""
_BLOCK = 4096
_MAX_POSITIONS = 3000
"""Queue positions the tagged-customer chain follows at most (beyond, at most 1e-12 of the
arrivals or the far tail of a queue near overload: counted as not answered in time)."""


def _positions(tail: np.ndarray) -> np.ndarray:
    """The leading queue positions holding all but 1e-12 of ``tail``'s mass (at most
    :data:`_MAX_POSITIONS`)."""
    total = float(tail.sum())
    if total <= 0:
        return tail[:1]
    keep = int(np.searchsorted(np.cumsum(tail), total * (1 - 1e-12))) + 1
    return tail[:min(keep, _MAX_POSITIONS, len(tail))]


@dataclass(frozen=True)
class QueueFigures:
    """Stationary figures of a queue (times in the arguments' unit).

    Attributes:
        model: ``erlang_c`` or ``erlang_a``.
        offered_load: a = λ/μ (Erlangs).
        agents: c.
        stable: False for Erlang C with a ≥ c (the queue grows without bound), and for
            Erlang A whose queue settles only beyond two million waiting: every other
            figure is then NaN.
        p_wait: P(wait > 0) (fraction of arrivals that queue).
        mean_wait: mean time in queue of all arrivals (answered at once count 0; with
            abandonment, abandoned arrivals count their time until they left).
        mean_wait_answered: mean time in queue of the answered arrivals (ASA).
        abandonment: fraction of arrivals that abandon (0 for Erlang C).
        utilisation: fraction of agent time busy.
    """

    model: str
    offered_load: float
    agents: int
    stable: bool
    p_wait: float
    mean_wait: float
    mean_wait_answered: float
    abandonment: float
    utilisation: float
    _lam: float = field(repr=False)
    _mu: float = field(repr=False)
    _theta: float = field(repr=False)
    _tail: tuple[float, ...] = field(default=(), repr=False)   # π_{c+k}, k = 0, 1, … (A)

    def service_level(self, t: float) -> float:
        """Fraction of arrivals answered within ``t`` (abandoned arrivals count as missed)."""
        return self._levels(t)[0]

    def p_wait_exceeds(self, t: float) -> float:
        """P(time in queue > t) over all arrivals (abandoned arrivals: until they left)."""
        return self._levels(t)[1]

    def _levels(self, t: float) -> tuple[float, float]:
        if not self.stable:
            return math.nan, math.nan
        if self.model == "erlang_c":
            gap = self.agents * self._mu - self._lam
            tail = self.p_wait * math.exp(-gap * t)
            return 1.0 - tail, tail
        pi = _positions(np.asarray(self._tail))
        served, waiting = _tagged(len(pi), self.agents * self._mu, self._theta, t)
        rest = self.p_wait - float(pi.sum())         # beyond the chain: counted as waiting
        return (1.0 - self.p_wait + float(pi @ served), float(pi @ waiting) + rest)


def erlang_b(a: float, c: int) -> float:
    """Erlang B blocking probability of offered load ``a`` on ``c`` servers (recursion)."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def _check(lam: float, handling: float, agents: int) -> None:
    if lam < 0 or not math.isfinite(lam):
        raise ValueError(f"arrival rate must be finite and >= 0, got {lam}")
    if handling <= 0 or not math.isfinite(handling):
        raise ValueError(f"mean handling time must be finite and > 0, got {handling}")
    if agents < 1 or int(agents) != agents:
        raise ValueError(f"agents must be a whole number >= 1, got {agents}")


def erlang_c(lam: float, handling: float, agents: int) -> QueueFigures:
    """M/M/c without abandonment: Poisson arrivals ``lam`` per unit, exponential handling of
    mean ``handling``, ``agents`` servers (see the module docstring)."""
    _check(lam, handling, agents)
    mu = 1.0 / handling
    a = lam * handling
    c = int(agents)
    if a >= c:
        nan = math.nan
        return QueueFigures("erlang_c", a, c, False, nan, nan, nan, 0.0, nan, lam, mu, 0.0)
    b = erlang_b(a, c)
    p_wait = c * b / (c - a * (1.0 - b))
    mean_wait = p_wait / (c * mu - lam)
    return QueueFigures("erlang_c", a, c, True, p_wait, mean_wait, mean_wait, 0.0, a / c,
                        lam, mu, 0.0)


def erlang_a(lam: float, handling: float, agents: int, patience: float) -> QueueFigures:
    """M/M/c+M: as :func:`erlang_c` with exponential patience of mean ``patience``
    (abandonment rate 1/patience); always stable (see :attr:`QueueFigures.stable` for the
    one exception)."""
    _check(lam, handling, agents)
    if patience <= 0 or not math.isfinite(patience):
        raise ValueError(f"mean patience must be finite and > 0, got {patience}")
    mu, theta, c = 1.0 / handling, 1.0 / patience, int(agents)
    a = lam * handling
    if lam == 0:
        return QueueFigures("erlang_a", 0.0, c, True, 0.0, 0.0, 0.0, 0.0, 0.0, lam, mu, theta,
                            (0.0,))
    log_inv_b = -math.log(erlang_b(a, c))
    # log(π_{c+k}/π_c), k = 0, 1, …, in blocks, until the terms are negligible and falling.
    logs = [np.zeros(1)]
    k0, peak = 0, log_inv_b
    while True:
        if k0 >= _MAX_TAIL:
            nan = math.nan
            return QueueFigures("erlang_a", a, c, False, nan, nan, nan, nan, nan, lam, mu,
                                theta)
        k = np.arange(k0 + 1, k0 + _BLOCK + 1, dtype=float)
        block = logs[-1][-1] + np.cumsum(np.log(lam) - np.log(c * mu + k * theta))
        logs.append(block)
        k0 += _BLOCK
        peak = max(peak, float(block.max()))
        if block[-1] < peak + math.log(_TAIL_TOLERANCE) and c * mu + k0 * theta > lam:
            break
    log_terms = np.concatenate(logs)
    peak = max(log_inv_b, float(log_terms.max()))
    scaled = np.exp(log_terms - peak)                 # π_{c+k} up to the common factor
    tail = scaled / (math.exp(log_inv_b - peak) + float(scaled[1:].sum()))
    p_wait = float(tail.sum())
    lq = float(np.arange(len(tail)) @ tail)
    abandonment = theta * lq / lam
    served = 1.0 - abandonment
    mean_wait = lq / lam
    # Time in queue of the answered: E[W·1{served}] / P(served) from the tagged chain.
    answered_wait = _answered_wait(_positions(tail), c * mu, theta)
    return QueueFigures("erlang_a", a, c, True, p_wait, mean_wait,
                        answered_wait / served if served > 0 else math.nan, abandonment,
                        lam * served / (c * mu), lam, mu, theta, tuple(float(x) for x in tail))


def _chain(positions: int, service: float, theta: float) -> np.ndarray:
    """Generator of the tagged customer's transient positions 1..J (J = ``positions``):
    rows/columns 0..J−1 are positions 1..J; leaving rates include service and abandonment."""
    j = np.arange(1, positions + 1, dtype=float)
    q = np.zeros((positions, positions))
    up = service + (j - 1.0) * theta               # rate of moving one place up (or served)
    q[np.arange(positions), np.arange(positions)] = -(up + theta)
    q[np.arange(1, positions), np.arange(positions - 1)] = up[1:]
    return q


def _tagged(positions: int, service: float, theta: float, t: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """For an arrival at position j = 1..J: P(served by t) and P(still waiting at t)."""
    if positions == 0:
        return np.zeros(0), np.zeros(0)
    q = _chain(positions, service, theta)
    p = expm(q * t)                                  # transient-to-transient at t
    waiting = p.sum(axis=1)
    # Served by t = ∫_0^t P(at head at s) · service ds: integrate via an augmented matrix.
    aug = np.zeros((positions + 1, positions + 1))
    aug[:positions, :positions] = q
    aug[0, positions] = service
    served = expm(aug * t)[:positions, positions]
    return served, waiting


def _answered_wait(tail: np.ndarray, service: float, theta: float) -> float:
    """E[wait · 1{answered}] over arrivals that find every agent busy (π_{c+k} = ``tail``):
    for the tagged chain, E[T·1{served}] = row sums of N² · r with N = (−Q)⁻¹ and r the
    rate into service (only from the head)."""
    n = len(tail)
    q = _chain(n, service, theta)
    fundamental = np.linalg.inv(-q)
    r = np.zeros(n)
    r[0] = service
    weighted = fundamental @ (fundamental @ r)
    return float(tail @ weighted)


def agents_for_service_level(lam: float, handling: float, target: float, goal: float,
                             most: int = 10_000) -> int:
    """The fewest agents whose Erlang C service level SL(``target``) reaches ``goal``
    (a fraction; at least one agent, and at least enough for a stable queue); 0 when no
    request arrives. Capped at ``most``."""
    if lam <= 0:
        return 0
    c = max(1, math.floor(lam * handling) + 1)
    while c < most:
        figures = erlang_c(lam, handling, c)
        if figures.stable and figures.service_level(target) >= goal:
            return c
        c += 1
    return most
