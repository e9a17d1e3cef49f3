"""Side-by-side comparison of 2-6 scenarios against a reference (expected-value engine).

Each scenario is evaluated as on the dashboard (:func:`sim.whatif.evaluate`: the
scenario and its own baseline) with the cohort engine only, so a comparison of
six scenarios stays well under a second; Monte Carlo bands belong to the
dashboard. Deltas are scenario − reference, in the KPI's unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.kpis import COMPARE_FINANCE_KPIS, COMPARE_KPIS, missing_reason
from sim.report import clean_number
from sim.scenario import Scenario, scenario_name
from sim.schema import iter_fields
from sim.whatif import WhatIf, evaluate

__all__ = ["MIN_SCENARIOS", "MAX_SCENARIOS", "COMPARE_KPIS", "FINANCE_KPIS", "Comparison",
           "compare", "unique_labels", "differing_fields"]

MIN_SCENARIOS, MAX_SCENARIOS = 2, 6
FINANCE_KPIS = COMPARE_FINANCE_KPIS
"""Finance of each scenario against its own baseline (:class:`sim.finance.FinanceSummary`)."""
NOT_COMPARED = ("name", "description")
"""Metadata fields left out of the "what differs" table."""


def unique_labels(names: list[str]) -> list[str]:
    """The names, with `` (2)``, `` (3)``… appended to repeats so each label is unique."""
    seen: dict[str, int] = {}
    labels = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        labels.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return labels


@dataclass
class Comparison:
    """Scenarios evaluated side by side.

    Attributes:
        labels: unique display labels, in the order given.
        reference: index of the reference scenario in ``labels``.
        runs: each scenario's :class:`sim.whatif.WhatIf` (cohort engine).
    """

    labels: list[str]
    reference: int
    runs: list[WhatIf]

    def value(self, index: int, kpi: str) -> float | None:
        """KPI ``kpi`` of scenario ``index`` (None when undefined, e.g. ROI without cost)."""
        run = self.runs[index]
        raw = run.finance.value(kpi) if kpi in FINANCE_KPIS else run.result.kpis[kpi]
        return clean_number(raw)

    def reason(self, index: int, kpi: str) -> str | None:
        """Why KPI ``kpi`` of scenario ``index`` has no value (None when it has one):
        a :data:`sim.finance.REASONS` code for finance, :func:`sim.kpis.missing_reason`
        for the engine's KPIs."""
        run = self.runs[index]
        if kpi in FINANCE_KPIS:
            return run.finance.reason(kpi)
        return missing_reason(kpi, run.result.kpis)

    def kpi_table(self) -> pd.DataFrame:
        """Long table ``kpi, scenario, value, delta, delta_pct, reason``.

        ``reason`` says why ``value`` is missing (``no_investment``, ``not_within_horizon``…;
        None when there is a value); ``delta`` = value − the reference's value (None when
        either is undefined); ``delta_pct`` = 100 × delta / |reference value|, a
        percentage (None when the reference value is 0 or undefined).
        """
        rows = []
        for kpi in COMPARE_KPIS:
            ref = self.value(self.reference, kpi)
            for i, label in enumerate(self.labels):
                value = self.value(i, kpi)
                delta = None if value is None or ref is None else value - ref
                pct = None if delta is None or not ref else 100.0 * delta / abs(ref)
                rows.append({"kpi": kpi, "scenario": label, "value": value, "delta": delta,
                             "delta_pct": pct, "reason": self.reason(i, kpi)})
        frame = pd.DataFrame(rows)
        frame["reason"] = frame["reason"].astype(object).where(frame["reason"].notna(), None)
        return frame

    def wide_table(self) -> pd.DataFrame:
        """One row per KPI: each scenario's value, then ``Δ <label>`` for the others."""
        long = self.kpi_table()
        wide = long.pivot(index="kpi", columns="scenario", values="value")[self.labels]
        for i, label in enumerate(self.labels):
            if i != self.reference:
                wide[f"Δ {label}"] = long[long["scenario"] == label].set_index("kpi")["delta"]
        return wide.loc[list(COMPARE_KPIS)].reset_index()

    def yearly(self) -> pd.DataFrame:
        """Long table ``scenario, year, customers, cumulative_discounted_profit`` (calendar)."""
        frames = [run.result.yearly[["year", "customers", "cumulative_discounted_profit"]]
                  .assign(scenario=label)
                  for label, run in zip(self.labels, self.runs, strict=True)]
        return pd.concat(frames, ignore_index=True)[
            ["scenario", "year", "customers", "cumulative_discounted_profit"]]

    def retention_by_tenure(self) -> pd.DataFrame:
        """Long table ``scenario, tenure_year, renewal_rate`` (one cohort's path)."""
        frames = [run.result.tenure[["tenure_year", "renewal_rate"]].assign(scenario=label)
                  for label, run in zip(self.labels, self.runs, strict=True)]
        return pd.concat(frames, ignore_index=True)[["scenario", "tenure_year", "renewal_rate"]]

    def differences(self) -> pd.DataFrame:
        """Every parameter whose value differs between the scenarios: ``field, unit`` and
        one column per label (lists shown as text). Name and description are left out."""
        rows = [{"field": path, "unit": unit,
                 **{label: _plain(v) for label, v in zip(self.labels, values, strict=True)}}
                for path, unit, values in differing_fields([run.scenario for run in self.runs])]
        return pd.DataFrame(rows, columns=["field", "unit", *self.labels])

    def report(self) -> dict[str, Any]:
        """JSON-ready: ``reference``, ``scenarios`` (labels), ``kpis`` (``{kpi: {label:
        {value, delta, delta_pct, reason}}}``; ``delta_pct`` in percent, ``reason`` null
        unless ``value`` is), ``differences`` and the ``yearly`` series."""
        kpis: dict[str, dict[str, Any]] = {}
        for row in self.kpi_table().to_dict(orient="records"):
            kpis.setdefault(row["kpi"], {})[row["scenario"]] = {
                k: clean_number(row[k]) for k in ("value", "delta", "delta_pct", "reason")}
        return {"reference": self.labels[self.reference], "scenarios": list(self.labels),
                "kpis": kpis,
                "differences": self.differences().to_dict(orient="records"),
                "yearly": [{k: clean_number(v) for k, v in row.items()}
                           for row in self.yearly().to_dict(orient="records")]}


def differing_fields(scenarios: list[Scenario]) -> list[tuple[str, str, list[Any]]]:
    """Every field whose value differs between ``scenarios``: ``(path, unit, values)`` with
    one value per scenario (None where an optional section is absent), in schema order.
    Name and description (:data:`NOT_COMPARED`) are left out."""
    per_scenario = [{path: (spec.unit, value) for path, spec, value in iter_fields(s)}
                    for s in scenarios]
    # every path of any scenario (an optional section may be in some files only)
    units = {path: unit for fields in per_scenario for path, (unit, _) in fields.items()}
    found = []
    for path, unit in units.items():
        if path in NOT_COMPARED:
            continue
        values = [fields.get(path, (unit, None))[1] for fields in per_scenario]
        if any(v != values[0] for v in values[1:]):
            found.append((path, unit, values))
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    return value


def compare(scenarios: list[Scenario], reference: int = 0,
            labels: list[str] | None = None) -> Comparison:
    """Evaluate 2-6 scenarios (cohort engine, each against its own baseline).

    Args:
        scenarios: the scenarios, in display order.
        reference: index of the reference scenario (deltas are against it).
        labels: display labels (default: the scenario names, made unique).

    Raises:
        ValueError: fewer than 2 or more than 6 scenarios, or ``reference`` out of range.
    """
    if not MIN_SCENARIOS <= len(scenarios) <= MAX_SCENARIOS:
        raise ValueError(f"compare {MIN_SCENARIOS} to {MAX_SCENARIOS} scenarios, "
                         f"got {len(scenarios)}")
    if not 0 <= reference < len(scenarios):
        raise ValueError(f"reference must be 0..{len(scenarios) - 1}, got {reference}")
    names = labels if labels is not None else [scenario_name(s, "en") for s in scenarios]
    runs = [evaluate(s, replications=0) for s in scenarios]
    return Comparison(unique_labels(list(names)), reference, runs)
