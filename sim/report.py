"""Plain-data reports of a run, shared by the command line and the pages.

``run_report`` is what ``python -m sim run FILE --format json`` prints. Every
name in it is stable snake_case and documented in the README.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.kpis import ENGINE_KPIS, FINANCE_KPIS
from sim.lifetime_value import scenario_whole_life
from sim.scenario import Scenario, scenario_name
from sim.scorecard import scorecard_rows
from sim.whatif import WhatIf, evaluate

__all__ = ["KPI_NAMES", "FINANCE_NAMES", "YEARLY_COLUMNS", "run_report", "clean_number",
           "records"]

KPI_NAMES = ENGINE_KPIS
"""Stable snake_case KPI names in JSON output (the registry's :data:`sim.kpis.ENGINE_KPIS`)."""

FINANCE_NAMES = FINANCE_KPIS
"""Finance values against the baseline (:class:`sim.finance.FinanceSummary`; the JSON
``finance`` object also carries their ``*_reason`` keys)."""

YEARLY_COLUMNS = ("year", "new", "customers", "churned", "retention", "revenue",
                  "variable_cost", "acquisition_spend", "programme_cost", "system_cost",
                  "cost_saving", "profit", "discounted_profit", "cumulative_discounted_profit")


def clean_number(value: Any) -> Any:
    """NaN and infinities become None (JSON null); numpy scalars become Python numbers."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a data frame as JSON-ready dicts."""
    return [{k: clean_number(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _kpis(values: dict[str, float]) -> dict[str, Any]:
    return {k: clean_number(values[k]) for k in KPI_NAMES}


def run_report(scenario: Scenario, replications: int | None = None,
               whatif: WhatIf | None = None) -> dict[str, Any]:
    """Everything a run shows, as JSON-ready data.

    Keys: ``scenario``, ``currency``, ``kpis`` (the scenario, expected-value engine),
    ``baseline`` (``kind`` and its ``kpis``), ``delta`` (scenario − baseline),
    ``finance`` (:meth:`sim.finance.FinanceSummary.as_dict`: ROI, IRR, paybacks vs
    baseline, each with its ``*_reason`` when null), ``monte_carlo`` (``replications``
    and, for scenario and baseline, ``{kpi: {mean, std_error, p10, p50, p90}}``; absent
    when 0 replications ran), ``notices`` (what the run did differently from what the
    file asked — Monte Carlo over the work budget, the market bound cutting acquisition:
    a list of ``{code, params, message}``, see :class:`sim.budget.Notice`; empty when
    none), ``scorecard``, ``yearly`` and ``tenure`` tables, and ``whole_life``
    (:meth:`sim.lifetime_value.WholeLife.as_dict`: DEL, whole-life CLV, DERL by tenure and
    the value of the customers left at the horizon for sBG retention; nulls with a
    ``reason`` otherwise).
    """
    w = whatif if whatif is not None else evaluate(scenario, replications=replications)
    report: dict[str, Any] = {
        "scenario": scenario_name(scenario, "en"),
        "currency": scenario.currency,
        "kpis": _kpis(w.result.kpis),
        "baseline": {"kind": scenario.baseline.kind, "kpis": _kpis(w.base_result.kpis)},
        "delta": {k: clean_number(w.result.kpis[k] - w.base_result.kpis[k]) for k in KPI_NAMES},
        "finance": {k: clean_number(v) for k, v in w.finance.as_dict().items()},
        "notices": [notice.as_dict() for notice in w.notices],
    }
    if w.mc is not None and w.base_mc is not None:
        report["monte_carlo"] = {
            "replications": w.mc.replications,
            "scenario": {k: {q: clean_number(v) for q, v in stats.items()}
                         for k, stats in w.mc.kpi_summary().items() if k in KPI_NAMES},
            "baseline": {k: {q: clean_number(v) for q, v in stats.items()}
                         for k, stats in w.base_mc.kpi_summary().items() if k in KPI_NAMES},
        }
    report["scorecard"] = [{k: clean_number(v) for k, v in row.items()}
                           for row in scorecard_rows(w.scenario, w.result, w.baseline,
                                                     w.base_result)]
    report["yearly"] = records(w.result.yearly[list(YEARLY_COLUMNS)])
    report["tenure"] = records(w.result.tenure)
    report["whole_life"] = scenario_whole_life(w.scenario, w.result.cohorts).as_dict()
    return report
