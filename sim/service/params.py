"""The scenario's optional ``[service]`` section: the contact centre the event engine simulates.

Every field carries its unit and range (:func:`sim.schema.spec`); the README's field table
lists them. Times are in minutes unless the name says otherwise; rates are per *active*
customer and month (the customers the cohort engine projects); shares are fractions.

Demand: queries and complaints arrive as a Poisson process whose rate follows the active
customers month by month, shaped by ``weekly_profile`` (Monday first) and ``daily_profile``
(hour 0-23), both relative weights normalised to a mean of 1 over the week.

Staffing: ``agents_by_hour`` agents are on duty in each hour of the day, every day. A
*shift* is a run of consecutive staffed hours (across midnight too); hours with no agent
are closed (requests wait for the next staffed hour, or abandon).

Handling: exponential or lognormal (mean and coefficient of variation) per request kind;
customers abandon after an exponential patience (``patience_minutes``; 0 = nobody
abandons); a request is resolved at a contact with probability ``*_fcr`` and otherwise
comes back after an exponential ``return_after_hours``, as does a share ``redial_share``
of abandoned contacts, up to ``max_contacts`` contacts. With ``crm_system.enabled`` the
CRM system cuts every handling time by ``crm_handling_cut`` and adds ``crm_fcr_points``
to both resolution rates (capped at 1).

Into loyalty (:mod:`sim.service.loyalty_link`): the average customer's perceived
performance (1-5 points) falls by the points each shortfall costs, per request and per
customer-year: ``points_per_wait_minute`` per minute waited beyond
``wait_tolerance_seconds`` (summed over the request's contacts), ``points_per_abandoned``
per abandoned contact, ``points_per_repeat`` per contact beyond the first and
``points_per_unresolved`` per request never resolved; a complaint's points count
``complaint_weight`` times.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.schema import Issue, spec

_A = "messages.allowed."
_F = "messages.found."

__all__ = ["Service", "HOURS", "DAYS", "shifts", "with_agents_by_hour"]

HOURS = 24
DAYS = 7
AGENTS_MAX = 10_000

_DAILY = (0.10, 0.05, 0.05, 0.05, 0.05, 0.10, 0.30, 0.60, 1.00, 1.40, 1.60, 1.60,
          1.30, 1.40, 1.50, 1.40, 1.30, 1.20, 1.00, 0.90, 0.70, 0.50, 0.30, 0.20)
_WEEKLY = (1.15, 1.10, 1.05, 1.00, 1.00, 0.45, 0.25)
_AGENTS = (1.0,) * 7 + (2.0, 3.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 3.0, 3.0, 2.0,
                        2.0) + (1.0,) * 3


def _fraction(default: float, unit: str = "fraction") -> float:
    return spec(default, "float", unit=unit, minimum=0, maximum=1)


def _points(default: float, unit: str) -> float:
    return spec(default, "float", unit=unit, minimum=0, maximum=5)


@dataclass(frozen=True)
class Service:
    """The contact centre: demand, staffing, handling, resolution, CRM effect, loyalty link."""

    queries_per_customer_month: float = spec(
        0.2, "float", unit="requests/active customer-month", minimum=0, maximum=30)
    complaints_per_customer_month: float = spec(
        0.05, "float", unit="requests/active customer-month", minimum=0, maximum=30)
    weekly_profile: tuple[float, ...] = spec(
        _WEEKLY, "float_list", unit="relative weight (Monday first)", minimum=0, maximum=100,
        min_len=DAYS, max_len=DAYS)
    daily_profile: tuple[float, ...] = spec(
        _DAILY, "float_list", unit="relative weight (hour 0-23)", minimum=0, maximum=100,
        min_len=HOURS, max_len=HOURS)
    agents_by_hour: tuple[float, ...] = spec(
        _AGENTS, "float_list", unit="agents on duty (hour 0-23, every day; whole numbers)",
        minimum=0, maximum=AGENTS_MAX, min_len=HOURS, max_len=HOURS)
    agent_cost_per_hour: float = spec(30.0, "float", unit="currency/agent-hour", minimum=0,
                                      maximum=10_000)
    handling_distribution: str = spec("lognormal", "choice", choices=("exponential", "lognormal"))
    query_handling_minutes: float = spec(6.0, "float", unit="minutes (mean)", minimum=0.1,
                                         maximum=480)
    complaint_handling_minutes: float = spec(12.0, "float", unit="minutes (mean)", minimum=0.1,
                                             maximum=480)
    handling_spread: float = spec(0.8, "float", unit="coefficient of variation (lognormal)",
                                  minimum=0.05, maximum=5)
    patience_minutes: float = spec(4.0, "float",
                                   unit="minutes (mean, exponential; 0 = nobody abandons)",
                                   minimum=0, maximum=1440)
    redial_share: float = _fraction(0.5, "fraction of abandoned contacts")
    query_fcr: float = _fraction(0.75, "fraction resolved per contact")
    complaint_fcr: float = _fraction(0.6, "fraction resolved per contact")
    return_after_hours: float = spec(24.0, "float", unit="hours (mean, exponential)",
                                     minimum=0.1, maximum=720)
    max_contacts: int = spec(3, "int", unit="contacts per request", minimum=1, maximum=10)
    crm_handling_cut: float = spec(0.15, "float", unit="fraction of handling time",
                                   minimum=0, maximum=0.9)
    crm_fcr_points: float = _fraction(0.08, "fraction added to the resolution rates")
    target_seconds: float = spec(20.0, "float", unit="seconds (service-level target)",
                                 minimum=1, maximum=3600)
    service_level_goal: float = _fraction(0.8, "fraction answered within the target")
    sample_weeks: int = spec(4, "int", unit="weeks simulated per year", minimum=1, maximum=52)
    feedback_passes: int = spec(2, "int", unit="passes", minimum=1, maximum=5)
    wait_tolerance_seconds: float = spec(60.0, "float", unit="seconds", minimum=0,
                                         maximum=3600)
    points_per_wait_minute: float = _points(
        0.01, "performance points (1-5) per request per minute beyond the tolerance")
    points_per_abandoned: float = _points(0.05,
                                          "performance points (1-5) per abandoned contact")
    points_per_repeat: float = _points(
        0.03, "performance points (1-5) per contact beyond the first")
    points_per_unresolved: float = _points(0.2,
                                           "performance points (1-5) per unresolved request")
    complaint_weight: float = spec(2.0, "float", unit="ratio (complaint : query)", minimum=0,
                                   maximum=10)

    def rules(self) -> list[Issue]:
        """Whole agents; profiles with some weight; someone to answer the requests that
        arrive; no mean handling time longer than the shortest shift."""
        found = []
        fractional = [h for h, a in enumerate(self.agents_by_hour) if not float(a).is_integer()]
        if fractional:
            h = fractional[0]
            found.append(Issue(f"agents_by_hour[{h}]", "rule", allowed_key=_A + "sv_whole_agents",
                               got_key=_F + "sv_agents",
                               params=(("agents", f"{self.agents_by_hour[h]:g}"),)))
        demand = self.queries_per_customer_month + self.complaints_per_customer_month > 0
        for name, values in (("weekly_profile", self.weekly_profile),
                             ("daily_profile", self.daily_profile)):
            if demand and sum(values) <= 0:
                found.append(Issue(name, "rule", allowed_key=_A + "sv_some_weight",
                                   got_key=_F + "sv_zero_weights"))
        if demand and sum(self.agents_by_hour) <= 0:
            found.append(Issue("agents_by_hour", "rule", allowed_key=_A + "sv_some_agent",
                               got_key=_F + "sv_no_agents"))
            return found
        runs = shifts(self.agents_by_hour)
        if runs and not fractional:
            start, length = min(runs, key=lambda r: r[1])
            for name in ("query_handling_minutes", "complaint_handling_minutes"):
                minutes = getattr(self, name)
                if minutes > 60 * length:
                    found.append(Issue(
                        name, "rule", allowed_key=_A + "sv_shortest_shift",
                        got_key=_F + "sv_handling",
                        params=(("minutes", f"{minutes:g}"), ("start", str(start)),
                                ("end", str((start + length) % HOURS)),
                                ("shift_minutes", str(60 * length)))))
        return found


def shifts(agents_by_hour: tuple[float, ...]) -> list[tuple[int, int]]:
    """The shifts of a day's staffing: ``(first hour, hours)`` of every run of consecutive
    hours with at least one agent, a run across midnight counted once (24 hours when every
    hour is staffed)."""
    on = [a >= 1 for a in agents_by_hour]
    if all(on):
        return [(0, HOURS)]
    runs = []
    for h in range(HOURS):
        if on[h] and not on[h - 1]:
            length = 0
            while on[(h + length) % HOURS]:
                length += 1
            runs.append((h, length))
    return runs


def with_agents_by_hour(service: Service, agents: tuple[float, ...]) -> Service:
    """``service`` with ``agents`` (24 whole numbers) on duty by hour."""
    from dataclasses import replace

    return replace(service, agents_by_hour=tuple(float(a) for a in agents))
