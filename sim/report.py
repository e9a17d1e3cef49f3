"""Plain-data reports of a run, shared by the command line and the pages."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.cohort import CohortResult, run_cohort
from sim.scenario import Scenario

__all__ = ["KPI_NAMES", "YEARLY_COLUMNS", "run_report", "clean_number"]

KPI_NAMES = ("clv_gross", "clv_net", "customer_equity", "npv", "acquired", "customers_end",
             "revenue", "profit", "retention_last_year")
"""Stable snake_case KPI names in JSON output (documented in the README)."""

YEARLY_COLUMNS = ("year", "new", "customers", "churned", "retention", "revenue",
                  "variable_cost", "acquisition_spend", "profit", "discounted_profit",
                  "cumulative_discounted_profit")


def clean_number(value: Any) -> Any:
    """NaN and infinities become None (JSON null); other values pass through."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: clean_number(v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            for row in frame.to_dict(orient="records")]


def run_report(scenario: Scenario, result: CohortResult | None = None) -> dict[str, Any]:
    """Everything a run shows, as JSON-ready data: scenario name, KPIs, yearly and tenure tables."""
    res = result if result is not None else run_cohort(scenario)
    return {
        "scenario": scenario.name,
        "currency": scenario.currency,
        "kpis": {k: clean_number(res.kpis[k]) for k in KPI_NAMES},
        "yearly": _records(res.yearly[list(YEARLY_COLUMNS)]),
        "tenure": _records(res.tenure),
    }
