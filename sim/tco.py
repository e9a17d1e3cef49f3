"""Total cost of ownership (TCO) of the CRM system, and its rules of thumb (DOMAIN.md §6).

The scenario's ``[crm_system]`` section costs the system by year for eight
elements (currency per year, year 1 first). Each year's cost is raised by the
contingency share; training recurs every year of the horizon. Years after the
costed ones repeat the last costed year's running cost when
``repeat_last_year`` is true (a system keeps costing money after year 5).
The same section holds the system's benefits that are not in the customer
model: cost reductions per active customer-year (service, transactions).

Rules of thumb from the course book (seed 000, 总拥有成本), reported as
informational warnings, never errors: over five years, the initial purchase
(year 1) is 55-65 % of the TCO; contingency is 10-15 %; firms that cost only
one or two years underestimate TCO by 35-65 %.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from sim.frames import frame_of
from sim.schema import spec

__all__ = ["TCO_ELEMENTS", "CrmSystem", "TcoWarning", "TcoSummary", "costed_years", "tco_yearly",
           "tco_table", "tco_summary", "tco_warnings", "tco_period_costs"]

MONEY_MAX = 1e10

TCO_ELEMENTS = ("licences", "maintenance", "hardware", "telecom", "external_services",
                "vendor_services", "internal_staff", "other")
"""The eight TCO cost elements, in the book's order."""

INITIAL_SHARE_RANGE = (0.55, 0.65)
CONTINGENCY_RANGE = (0.10, 0.15)


def _costs(default: tuple[float, ...]) -> tuple[float, ...]:
    return spec(default, "float_list", unit="currency/year", minimum=0, maximum=MONEY_MAX,
                min_len=1, max_len=50)


@dataclass(frozen=True)
class CrmSystem:
    """The CRM system's costs (eight elements by year) and its cost-reduction benefits.

    Defaults: a mid-size system of about 2.5 million over five years, shaped by
    the rules of thumb (year 1 ≈ 56 % of the total, 12 % contingency).
    """

    enabled: bool = spec(False, "bool")
    licences: tuple[float, ...] = _costs((520_000.0, 0.0, 0.0, 0.0, 0.0))
    maintenance: tuple[float, ...] = _costs((0.0, 75_000.0, 75_000.0, 75_000.0, 75_000.0))
    hardware: tuple[float, ...] = _costs((180_000.0, 10_000.0, 10_000.0, 40_000.0, 10_000.0))
    telecom: tuple[float, ...] = _costs((20_000.0, 12_000.0, 12_000.0, 12_000.0, 12_000.0))
    external_services: tuple[float, ...] = _costs((260_000.0, 30_000.0, 30_000.0, 30_000.0,
                                                   30_000.0))
    vendor_services: tuple[float, ...] = _costs((120_000.0, 15_000.0, 15_000.0, 15_000.0,
                                                 15_000.0))
    internal_staff: tuple[float, ...] = _costs((80_000.0, 60_000.0, 60_000.0, 60_000.0, 60_000.0))
    other: tuple[float, ...] = _costs((30_000.0, 10_000.0, 10_000.0, 10_000.0, 10_000.0))
    contingency_share: float = spec(0.12, "float", unit="fraction of cost", minimum=0, maximum=1)
    training_per_year: float = spec(25_000.0, "float", unit="currency/year", minimum=0,
                                    maximum=MONEY_MAX)
    repeat_last_year: bool = spec(True, "bool")
    service_saving: float = spec(4.0, "float", unit="currency/customer-year", minimum=0,
                                 maximum=1e6, lever=True)
    transaction_saving: float = spec(2.0, "float", unit="currency/customer-year", minimum=0,
                                     maximum=1e6, lever=True)

    def element_costs(self) -> dict[str, tuple[float, ...]]:
        """``{element: yearly costs}`` in the book's order."""
        return {name: getattr(self, name) for name in TCO_ELEMENTS}

    @property
    def saving_per_customer_year(self) -> float:
        """Cost reduction per active customer-year (currency)."""
        return self.service_saving + self.transaction_saving


@dataclass(frozen=True)
class TcoWarning:
    """An informational departure from a rule of thumb; ``code`` keys the i18n text."""

    code: str
    value: float
    low: float
    high: float


def tco_yearly(system: CrmSystem, years: int) -> pd.DataFrame:
    """TCO by calendar year 1..``years`` (currency/year).

    Columns: ``year``, the eight elements, ``training``, ``contingency``, ``total``.
    Element costs beyond their list repeat the last value if ``repeat_last_year``
    (year 1 purchases such as licences usually end in 0 and stay 0), else 0.
    """
    table: dict[str, np.ndarray] = {"year": np.arange(1, years + 1)}
    for name, costs in system.element_costs().items():
        values = np.zeros(years)
        n = min(len(costs), years)
        values[:n] = costs[:n]
        if system.repeat_last_year and years > len(costs):
            values[len(costs):] = costs[-1]
        table[name] = values
    base = sum(table[name] for name in TCO_ELEMENTS)
    table["training"] = np.full(years, system.training_per_year)
    table["contingency"] = (base + table["training"]) * system.contingency_share
    table["total"] = base + table["training"] + table["contingency"]
    return frame_of(table)


def costed_years(system: CrmSystem) -> int:
    """Years the cost table states: the longest element list (years)."""
    return max(len(c) for c in system.element_costs().values())


def tco_table(system: CrmSystem, years: int | None = None) -> pd.DataFrame:
    """The cost table as edited: one row per element (index: the element names of
    :data:`TCO_ELEMENTS`, in order), one column per year ``year_1..year_n`` (currency/year).

    ``years`` defaults to :func:`costed_years`; shorter lists are padded with 0 and
    longer ones cut (no repeat of the last year, no training or contingency: those are
    in :func:`tco_yearly`).
    """
    width = costed_years(system) if years is None else years
    if width < 1:
        raise ValueError(f"years must be at least 1, got {width}")
    rows = {name: [float(c[y]) if y < len(c) else 0.0 for y in range(width)]
            for name, c in system.element_costs().items()}
    return pd.DataFrame.from_dict(rows, orient="index",
                                  columns=[f"year_{y}" for y in range(1, width + 1)])


@dataclass(frozen=True)
class TcoSummary:
    """TCO over the costed years (no repeat of the last year).

    Attributes:
        yearly: :func:`tco_yearly` over the costed years (currency/year).
        total: the TCO over those years (currency).
        initial_share: year 1's share of the total (fraction; None when the total is 0).
    """

    yearly: pd.DataFrame
    total: float
    initial_share: float | None


def tco_summary(system: CrmSystem) -> TcoSummary:
    """The TCO of the costed years (usually five), the figure the rules of thumb judge."""
    yearly = tco_yearly(_without_repeat(system), costed_years(system))
    total = float(yearly["total"].sum())
    initial = float(yearly["total"].iloc[0]) / total if total > 0 else None
    return TcoSummary(yearly, total, initial)


def tco_period_costs(system: CrmSystem, years: int, periods_per_year: int) -> np.ndarray:
    """CRM system cost per period (currency/period): a year's TCO spread evenly over its periods.

    Zero everywhere when the system is not enabled.
    """
    if not system.enabled:
        return np.zeros(years * periods_per_year)
    yearly = tco_yearly(system, years)["total"].to_numpy()
    return np.repeat(yearly / periods_per_year, periods_per_year)


def tco_warnings(system: CrmSystem) -> list[TcoWarning]:
    """Departures from the book's rules of thumb, over the costed years (usually five)."""
    summary = tco_summary(system)
    warnings: list[TcoWarning] = []
    years = int((summary.yearly[list(TCO_ELEMENTS)].sum(axis=1) > 0).sum())
    if years <= 2:
        warnings.append(TcoWarning("few_years", years, 3, 5))
    if summary.initial_share is not None and years > 2:
        low, high = INITIAL_SHARE_RANGE
        if not low <= summary.initial_share <= high:
            warnings.append(TcoWarning("initial_share", summary.initial_share, low, high))
    low, high = CONTINGENCY_RANGE
    if not low <= system.contingency_share <= high:
        warnings.append(TcoWarning("contingency", system.contingency_share, low, high))
    return warnings


def _without_repeat(system: CrmSystem) -> CrmSystem:
    values = {f.name: getattr(system, f.name) for f in fields(system)}
    values["repeat_last_year"] = False
    return CrmSystem(**values)
