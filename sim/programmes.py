"""The five relationship programmes of DOMAIN.md §4, their costs and effects.

Each programme (loyalty/points 忠诚计划, special recognition offers 特殊优惠计划,
affinity 亲和力计划, community 社区建设计划, knowledge-building 知识管理计划)
enrols a share of customers and costs a fixed amount per year plus an amount
per member-year. For its members, at the reference spend per member, it adds:

* ``perceived_value``: performance points on the 1-5 scale (raises satisfaction);
* ``switching_cost``: the share of competition a member no longer feels
  (relationship equity: members stay although rivals tempt them — the source of
  *hostages*, loyalty that is not satisfaction);
* ``referrals``: extra referrals per member-year (word of mouth);
* ``cross_selling``: yearly growth of a member's margin with tenure (fraction).

Spending more or less per member than the reference scales every effect by
m(x) = (1 − e^(−1.5 x)) / (1 − e^(−1.5)), x = spend / reference: diminishing
returns, 0 at no spend, 1 at the reference.

Programmes combine as follows (all probabilities stay in [0, 1]): with
independent enrolment, a share E = 1 − Π(1 − e_k) of customers belongs to at
least one programme; a member belongs to programme k with probability
π_k = e_k / E. A member's perceived value, referrals, cross-selling and cost
are the expected sums Σ π_k·x_k; switching costs combine multiplicatively,
1 − Π(1 − sc_k)^π_k, so they never exceed 1.

The default costs and effects are assumptions for illustration (the sources
name the programmes, not their size); every number is editable in the scenario.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields

import numpy as np

from sim.schema import FieldSpec, spec

__all__ = ["PROGRAMME_KINDS", "Programme", "Programmes", "ProgrammeMix", "programme_mix",
           "spend_multiplier"]

PROGRAMME_KINDS = ("points", "recognition", "affinity", "community", "knowledge")
MONEY_MAX = 1e9


@dataclass(frozen=True)
class Programme:
    """One relationship programme: enrolment, costs and effects on members."""

    enabled: bool = spec(False, "bool")
    enrolment_share: float = spec(0.5, "float", unit="fraction of customers", minimum=0,
                                  maximum=1, lever=True)
    fixed_cost_per_year: float = spec(50_000.0, "float", unit="currency/year", minimum=0,
                                      maximum=MONEY_MAX)
    cost_per_member_year: float = spec(10.0, "float", unit="currency/member-year", minimum=0,
                                       maximum=1e6, lever=True)
    reference_cost_per_member: float = spec(10.0, "float", unit="currency/member-year",
                                            minimum=0.01, maximum=1e6)
    perceived_value: float = spec(0.2, "float", unit="performance points (1-5 scale)",
                                  minimum=0, maximum=4)
    switching_cost: float = spec(0.2, "float", unit="fraction of competition removed",
                                 minimum=0, maximum=1)
    referrals: float = spec(0.02, "float", unit="referrals/member-year", minimum=0, maximum=10)
    cross_selling: float = spec(0.02, "float", unit="margin growth/tenure year", minimum=0,
                                maximum=1)


def _kind(name: str, **defaults: float) -> type:
    """A Programme subclass whose fields default to ``defaults`` (same units and ranges)."""
    overridden = []
    for f in fields(Programme):
        if f.name in defaults:
            fs: FieldSpec = f.metadata["spec"]
            options = {k: v for k, v in dataclasses.asdict(fs).items() if k != "kind"}
            overridden.append((f.name, f.type, spec(defaults[f.name], fs.kind, **options)))
    cls = dataclasses.make_dataclass(name, overridden, bases=(Programme,), frozen=True)
    cls.__module__ = __name__          # picklable (caches) as sim.programmes.<name>
    return cls


LoyaltyPoints = _kind("LoyaltyPoints", enrolment_share=0.6, fixed_cost_per_year=60_000.0,
                      cost_per_member_year=12.0, reference_cost_per_member=12.0,
                      perceived_value=0.10, switching_cost=0.40, referrals=0.0,
                      cross_selling=0.02)
RecognitionOffers = _kind("RecognitionOffers", enrolment_share=0.15, fixed_cost_per_year=20_000.0,
                          cost_per_member_year=30.0, reference_cost_per_member=30.0,
                          perceived_value=0.40, switching_cost=0.10, referrals=0.03,
                          cross_selling=0.01)
Affinity = _kind("Affinity", enrolment_share=0.3, fixed_cost_per_year=40_000.0,
                 cost_per_member_year=8.0, reference_cost_per_member=8.0, perceived_value=0.25,
                 switching_cost=0.15, referrals=0.03, cross_selling=0.03)
Community = _kind("Community", enrolment_share=0.2, fixed_cost_per_year=50_000.0,
                  cost_per_member_year=6.0, reference_cost_per_member=6.0, perceived_value=0.20,
                  switching_cost=0.25, referrals=0.06, cross_selling=0.0)
KnowledgeBuilding = _kind("KnowledgeBuilding", enrolment_share=0.8, fixed_cost_per_year=80_000.0,
                          cost_per_member_year=3.0, reference_cost_per_member=3.0,
                          perceived_value=0.20, switching_cost=0.10, referrals=0.0,
                          cross_selling=0.04)


@dataclass(frozen=True)
class Programmes:
    """The five programmes (each off by default)."""

    points: Programme = field(default_factory=LoyaltyPoints)
    recognition: Programme = field(default_factory=RecognitionOffers)
    affinity: Programme = field(default_factory=Affinity)
    community: Programme = field(default_factory=Community)
    knowledge: Programme = field(default_factory=KnowledgeBuilding)

    def items(self) -> list[tuple[str, Programme]]:
        """``(kind, programme)`` in the book's order."""
        return [(kind, getattr(self, kind)) for kind in PROGRAMME_KINDS]

    def any_enabled(self) -> bool:
        """True when at least one programme runs."""
        return any(p.enabled for _, p in self.items())


def spend_multiplier(cost_per_member: float, reference: float) -> float:
    """Effect scale for spending ``cost_per_member`` against the ``reference`` (diminishing)."""
    x = max(cost_per_member, 0.0) / reference
    return float((1.0 - np.exp(-1.5 * x)) / (1.0 - np.exp(-1.5)))


@dataclass(frozen=True)
class ProgrammeMix:
    """What the enabled programmes do, per member of at least one of them.

    Attributes:
        member_share: E, share of customers in at least one programme.
        perceived_value: performance points added for a member.
        switching_cost: share of competition a member no longer feels, in [0, 1].
        referrals: extra referrals per member-year.
        cross_selling: yearly margin growth with tenure for a member.
        cost_per_member_year: expected programme cost of one member per year.
        fixed_cost_per_year: fixed costs of the enabled programmes.
    """

    member_share: float
    perceived_value: float
    switching_cost: float
    referrals: float
    cross_selling: float
    cost_per_member_year: float
    fixed_cost_per_year: float


def programme_mix(programmes: Programmes) -> ProgrammeMix:
    """Combine the enabled programmes (see the module docstring)."""
    active = [p for _, p in programmes.items() if p.enabled and p.enrolment_share > 0]
    fixed = sum(p.fixed_cost_per_year for _, p in programmes.items() if p.enabled)
    if not active:
        return ProgrammeMix(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, fixed)
    shares = np.array([p.enrolment_share for p in active])
    member_share = float(1.0 - np.prod(1.0 - shares))
    if member_share <= 0.0:             # enrolment shares too small to register
        return ProgrammeMix(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, fixed)
    weights = shares / member_share
    scale = np.array([spend_multiplier(p.cost_per_member_year, p.reference_cost_per_member)
                      for p in active])

    def expected(attr: str) -> float:
        return float(np.sum(weights * scale * np.array([getattr(p, attr) for p in active])))

    keep = np.prod((1.0 - np.clip(scale * np.array([p.switching_cost for p in active]), 0, 1))
                   ** weights)
    return ProgrammeMix(
        member_share=member_share,
        perceived_value=expected("perceived_value"),
        switching_cost=float(1.0 - keep),
        referrals=expected("referrals"),
        cross_selling=expected("cross_selling"),
        cost_per_member_year=float(np.sum(weights * np.array([p.cost_per_member_year
                                                              for p in active]))),
        fixed_cost_per_year=fixed,
    )
