"""The scenario: every input of a simulation run, as frozen dataclasses.

Schema version 1. Each field is declared with :func:`sim.schema.spec` (unit,
range, default). Units: money in the scenario's ``currency``; rates are
fractions (0.6 = 60 %); prices and costs are **per customer-year** so that
switching between yearly and monthly periods keeps the economics (the engine
divides by ``periods_per_year``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sim.equity_test import EquityTest
from sim.locale import translate
from sim.loyalty import LoyaltyCurve
from sim.programmes import Programmes
from sim.retention_spend import RetentionSpend
from sim.satisfaction import Competition, Satisfaction
from sim.schema import (
    BilingualText,
    FieldSpec,
    Issue,
    ScenarioError,
    build_dataclass,
    is_safe_stem,
    iter_fields,
    localized_text,
    optional_section,
    spec,
    to_plain,
)
from sim.service.params import Service
from sim.tco import CrmSystem

__all__ = [
    "SCHEMA_VERSION",
    "Acquisition",
    "Pricing",
    "Retention",
    "Finance",
    "Market",
    "MonteCarlo",
    "Baseline",
    "WordOfMouth",
    "Scenario",
    "scenario_from_dict",
    "migrate",
    "MIGRATIONS",
    "scenario_to_dict",
    "replace_path",
    "get_path",
    "spec_at",
    "full_example",
    "BilingualText",
    "localized_text",
    "scenario_name",
    "scenario_description",
    "UNTITLED",
]

SCHEMA_VERSION = 2
"""Schema this simulator reads and writes. Version 1 files are migrated on loading
(:data:`MIGRATIONS`); saving writes version 2."""


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 → 2: ``market.share_of_wallet`` is gone. It never changed a result (no
    engine read it), so dropping it keeps every number of a version-1 file."""
    market = data.get("market")
    if isinstance(market, dict):
        market = {k: v for k, v in market.items() if k != "share_of_wallet"}
        data = {**data, "market": market}
    return {**data, "schema_version": 2}


MIGRATIONS: dict[int, Any] = {1: _v1_to_v2}
"""``{version: function}`` turning a parsed file of that version into the next version."""
UNTITLED = BilingualText(en=translate("scenario_text.untitled", "en"),
                         zh=translate("scenario_text.untitled", "zh"))
"""The name of a scenario whose file gives none, in both languages."""


def scenario_name(scenario: Scenario, lang: str) -> str:
    """The scenario's name in ``lang`` (:func:`localized_text`; the other language when the
    file has only one)."""
    return localized_text(scenario.name, lang)


def scenario_description(scenario: Scenario, lang: str) -> str:
    """The scenario's description in ``lang`` (``""`` when it has none)."""
    return localized_text(scenario.description, lang)


MONEY_MAX = 1e9
CUSTOMERS_MAX = 1e9


@dataclass(frozen=True)
class Acquisition:
    """New customers acquired per calendar year.

    ``mode = "list"`` takes ``per_year`` (year 1 first; years past the list acquire
    nobody); ``mode = "constant"`` acquires ``constant`` customers in each of the
    first ``years`` years. With monthly periods a year's customers arrive evenly
    over its 12 months.

    ``mode = "paid"`` spends ``budget_per_year`` in each of the first ``years``
    years on the market's remaining potential P (``market.size`` minus current
    customers): a year acquires P · ceiling · (1 − e^(−response · budget / P))
    customers, with diminishing returns to spend; competition lowers the
    ceiling by ``competition_ceiling_effect`` at full intensity. The acquisition
    cost per customer is then the budget itself (``pricing.acquisition_cost``
    is not charged on top).
    """

    mode: str = spec("list", "choice", choices=("list", "constant", "paid"))
    per_year: tuple[float, ...] = spec((1000.0,), "float_list", unit="customers/year",
                                       minimum=0, maximum=CUSTOMERS_MAX, min_len=1, max_len=100)
    constant: float = spec(1000.0, "float", unit="customers/year", minimum=0,
                           maximum=CUSTOMERS_MAX, lever=True)
    years: int = spec(1, "int", unit="years", minimum=0, maximum=100)
    budget_per_year: float = spec(500_000.0, "float", unit="currency/year", minimum=0,
                                  maximum=MONEY_MAX, lever=True)
    ceiling: float = spec(0.30, "float", unit="fraction of potential/year", minimum=0,
                          maximum=1)
    response: float = spec(0.02, "float", unit="1/(currency per prospect)", minimum=0,
                           maximum=1000)
    competition_ceiling_effect: float = spec(0.5, "float", unit="fraction of ceiling",
                                             minimum=0, maximum=1)

    def new_per_year(self, horizon_years: int) -> list[float]:
        """New customers in each calendar year 1..horizon (customers/year)."""
        if self.mode == "constant":
            values = [self.constant if y < self.years else 0.0 for y in range(horizon_years)]
        else:
            values = list(self.per_year[:horizon_years])
            values += [0.0] * (horizon_years - len(values))
        return values


@dataclass(frozen=True)
class Pricing:
    """Prices and costs (scenario currency)."""

    first_year_price: float = spec(35.90, "float", unit="currency/customer-year",
                                   minimum=0, maximum=MONEY_MAX, lever=True)
    renewal_price: float = spec(75.90, "float", unit="currency/customer-year",
                                minimum=0, maximum=MONEY_MAX, lever=True)
    variable_cost: float = spec(30.0, "float", unit="currency/customer-year",
                                minimum=0, maximum=MONEY_MAX, lever=True)
    acquisition_cost: float = spec(50.0, "float", unit="currency/acquired customer",
                                   minimum=0, maximum=MONEY_MAX, lever=True)


@dataclass(frozen=True)
class Retention:
    """How many customers renew, by tenure year.

    ``model``: ``table`` (``by_tenure_year``: the renewal rate at the end of tenure
    year 1, 2, …; the last value holds for later years), ``constant``
    (``constant`` every year) or ``sbg`` (shifted-beta-geometric with
    ``sbg_alpha``, ``sbg_beta``: renewal at the end of tenure year t is
    (β+t−1)/(α+β+t−1)). ``uplift_points`` adds percentage points to every
    renewal rate (capped to [0, 1]). ``churn_timing``: ``renewal`` (customers
    leave only at their yearly anniversary, as with annual subscriptions) or
    ``spread`` (the yearly rate is spread evenly: r^(1/periods_per_year) each
    period). With yearly periods both are the same.
    """

    model: str = spec("table", "choice", choices=("table", "constant", "sbg", "satisfaction"))
    by_tenure_year: tuple[float, ...] = spec(
        (0.60, 0.65, 0.70, 0.75, 0.78, 0.79, 0.80, 0.80, 0.80, 0.80), "float_list",
        unit="fraction", minimum=0, maximum=1, min_len=1, max_len=100)
    constant: float = spec(0.8, "float", unit="fraction", minimum=0, maximum=1, lever=True)
    sbg_alpha: float = spec(1.0, "float", unit="shape", minimum=0.001, maximum=1000)
    sbg_beta: float = spec(3.0, "float", unit="shape", minimum=0.001, maximum=1000)
    uplift_points: float = spec(0.0, "float", unit="percentage points", minimum=-50,
                                maximum=50, lever=True)
    churn_timing: str = spec("renewal", "choice", choices=("renewal", "spread"))


@dataclass(frozen=True)
class Finance:
    """Discounting.

    ``discount_rate`` is annual (fraction). ``cash_timing``: ``start`` — each
    period's cash comes at its start, the first period undiscounted (the book's
    convention); ``end`` — each period's margin is billed at its end, in
    arrears, to the customers who renewed, discounted by a full period
    (Gupta-Lehmann's convention: CLV = m·r/(1+i−r)).
    """

    discount_rate: float = spec(0.15, "float", unit="fraction/year", minimum=0, maximum=1,
                                lever=True)
    cash_timing: str = spec("start", "choice", choices=("start", "end"))


@dataclass(frozen=True)
class Market:
    """The market the firm competes in.

    ``size``: prospects plus customers, the most customers the firm can have
    (0 = unbounded; required for paid acquisition).
    """

    size: float = spec(0.0, "float", unit="customers", minimum=0, maximum=CUSTOMERS_MAX)


@dataclass(frozen=True)
class MonteCarlo:
    """Individual-level replications for uncertainty bands (P10/P50/P90)."""

    replications: int = spec(20, "int", unit="replications", minimum=1, maximum=2000)


@dataclass(frozen=True)
class Baseline:
    """What the scenario is measured against (its counterfactual); see
    :func:`sim.whatif.baseline_for`, the one definition.

    ``kind``: ``no_programme`` — the same scenario without its loyalty programmes
    and without its CRM system (its costs and savings): "do nothing";
    ``preset`` — the policy of library file ``scenarios/<preset>.toml`` run in this
    scenario's market (size, competition) and on its horizon, periods, seed and
    finance, so a market change is never counted as the policy's return;
    ``as_is`` — the scenario itself (every delta is zero: nothing is incremental).
    """

    kind: str = spec("no_programme", "choice", choices=("no_programme", "preset", "as_is"))
    preset: str = spec("", "str", max_len=80)

    def rules(self) -> list[Issue]:
        """A ``preset`` baseline names a file id (the library's one name rule)."""
        if self.kind == "preset" and not is_safe_stem(self.preset):
            return [Issue("preset", "rule", got=repr(self.preset),
                          allowed_key="validation.allowed.preset_id")]
        return []


@dataclass(frozen=True)
class WordOfMouth:
    """Word of mouth feeding acquisition (retention model ``satisfaction`` only).

    Loyalists (satisfied customers who stay) bring ``referrals_per_loyalist``
    new customers a year each; defectors (dissatisfied customers who leave)
    cost ``lost_per_defector`` would-be customers each (negative word of mouth).
    """

    referrals_per_loyalist: float = spec(0.04, "float", unit="customers/loyalist-year",
                                         minimum=0, maximum=10)
    lost_per_defector: float = spec(0.3, "float", unit="customers/defector", minimum=0,
                                    maximum=10)


@dataclass(frozen=True)
class Scenario:
    """Every input of one simulation run (schema version 2)."""

    schema_version: int = spec(SCHEMA_VERSION, "int", minimum=SCHEMA_VERSION,
                               maximum=SCHEMA_VERSION)
    name: str | BilingualText = spec(UNTITLED, "text", min_len=1, max_len=120)
    """A plain string, or the same name in both languages (``{ en = "…", zh = "…" }``);
    show it with :func:`scenario_name` / :func:`localized_text`."""
    description: str | BilingualText = spec("", "text", max_len=4000, multiline=True)
    seed: int = spec(42, "int", unit="", minimum=0, maximum=2**32 - 1)
    currency: str = spec("USD", "str", min_len=1, max_len=8)
    horizon_years: int = spec(10, "int", unit="years", minimum=1, maximum=50)
    periods_per_year: int = spec(1, "choice", choices=(1, 12))
    acquisition: Acquisition = field(default_factory=Acquisition)
    pricing: Pricing = field(default_factory=Pricing)
    retention: Retention = field(default_factory=Retention)
    retention_spend: RetentionSpend = field(default_factory=RetentionSpend)
    finance: Finance = field(default_factory=Finance)
    market: Market = field(default_factory=Market)
    crm_system: CrmSystem = field(default_factory=CrmSystem)
    monte_carlo: MonteCarlo = field(default_factory=MonteCarlo)
    baseline: Baseline = field(default_factory=Baseline)
    competition: Competition = field(default_factory=Competition)
    satisfaction: Satisfaction = field(default_factory=Satisfaction)
    loyalty_curve: LoyaltyCurve = field(default_factory=LoyaltyCurve)
    programmes: Programmes = field(default_factory=Programmes)
    word_of_mouth: WordOfMouth = field(default_factory=WordOfMouth)
    equity_test: EquityTest | None = optional_section(EquityTest)
    """The Blattberg-Deighton customer-equity test's inputs (:mod:`sim.equity_test`):
    optional, absent unless the file has an ``[equity_test]`` table; no engine reads it."""
    service: Service | None = optional_section(Service)
    """The contact centre (:mod:`sim.service`): optional, absent unless the file has a
    ``[service]`` table; only the service engine (``python -m sim service``, the Service
    operations page) reads it."""

    @property
    def periods(self) -> int:
        """Number of simulated periods (horizon × periods per year)."""
        return self.horizon_years * self.periods_per_year

    def rules(self) -> list[Issue]:
        """Checks across sections."""
        found = []
        if self.acquisition.mode == "paid" and self.market.size <= 0:
            found.append(Issue("market.size", "rule", got=repr(self.market.size),
                               allowed_key="validation.allowed.paid_needs_market"))
        if self.programmes.any_enabled() and self.retention.model != "satisfaction":
            found.append(Issue("retention.model", "rule", got=repr(self.retention.model),
                               allowed_key="validation.allowed.programme_needs_satisfaction"))
        return found


def _version_advice(version: Any) -> str:
    """What to change in a file whose schema version this simulator cannot read."""
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        return (f"the file was written for schema {version} by a newer simulator; this one "
                f"reads schema_version = {SCHEMA_VERSION} (and migrates version 1): update the "
                "simulator, or save the scenario again from a version that reads both")
    return (f"this simulator reads schema_version = {SCHEMA_VERSION} and migrates version 1 "
            "(the first published schema; there is nothing older): set schema_version = "
            f"{SCHEMA_VERSION} and check the fields against the README")


def migrate(data: Any) -> Any:
    """A parsed file brought to :data:`SCHEMA_VERSION` (unchanged if already there).

    Raises:
        ScenarioError: the version is not a whole number this simulator reads or migrates.
    """
    if not (isinstance(data, dict) and "schema_version" in data):
        return data
    version = data["schema_version"]
    while isinstance(version, int) and not isinstance(version, bool) and version in MIGRATIONS:
        data = MIGRATIONS[version](data)
        version = data["schema_version"]
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise ScenarioError([Issue("schema_version", "version", _version_advice(version),
                                   repr(version)[:40])])
    return data


def scenario_from_dict(data: Any) -> Scenario:
    """Validate a mapping (parsed TOML/JSON, any readable schema version) into a :class:`Scenario`.

    Raises:
        ScenarioError: listing every problem with its field path and allowed range.
    """
    issues: list[Issue] = []
    scenario = build_dataclass(Scenario, migrate(data), "", issues)
    if issues:
        raise ScenarioError(issues)
    return scenario


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """Plain nested dict of a scenario (lists, not tuples), ready for TOML or JSON."""
    return to_plain(scenario)


def get_path(scenario: Any, path: str) -> Any:
    """Value of a dotted field path, e.g. ``get_path(s, "pricing.renewal_price")``."""
    value = scenario
    for part in path.split("."):
        value = getattr(value, part)
    return value


def replace_path(scenario: Any, path: str, value: Any) -> Any:
    """Copy of a (nested) frozen dataclass with the dotted field ``path`` set to ``value``."""
    head, _, rest = path.partition(".")
    if not rest:
        return dataclasses.replace(scenario, **{head: value})
    inner = replace_path(getattr(scenario, head), rest, value)
    return dataclasses.replace(scenario, **{head: inner})


def full_example() -> Scenario:
    """The default scenario with every optional section present (at its defaults): what
    the README's field table and :func:`spec_at` list."""
    return Scenario(equity_test=EquityTest(), service=Service())


@cache
def _specs_by_path() -> dict[str, FieldSpec]:
    return {path: fs for path, fs, _value in iter_fields(full_example())}


def spec_at(path: str) -> FieldSpec:
    """The :class:`FieldSpec` (unit, allowed range) of the scenario field at dotted ``path``.

    Raises:
        KeyError: no scenario field has that path.
    """
    return _specs_by_path()[path]
