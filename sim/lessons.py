"""Computations behind the trainer's "Satisfaction & loyalty" page.

* :func:`curve_table` — the loyalty curve over the satisfaction scale for given
  competition levels (what the page draws);
* :func:`top_box_table` — "move satisfaction from 4 to 5": for a homogeneous
  population, the yearly retention, customers left after the horizon and CLV
  at each satisfaction and competition level, from the cohort engine;
* :func:`top_box_ratios` — from that table, how many times more likely a customer
  at the higher satisfaction is to renew than one at the lower, per competition level;
* :func:`loyalty_gain_breakdown` — how much of the loyalty the programmes add
  comes from satisfaction (perceived value) and how much from switching costs
  (lock-in: hostages, loyalty that is not satisfaction).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from sim.cohort import run_cohort
from sim.loyalty import loyalty_probability
from sim.population import satisfaction_population
from sim.programmes import Programmes
from sim.scenario import Scenario, replace_path

__all__ = ["curve_table", "top_box_table", "top_box_ratios", "loyalty_gain_breakdown",
           "LOCK_IN_WARNING_SHARE"]

LOCK_IN_WARNING_SHARE = 0.5
"""Warn when more than this share of the programmes' loyalty gain comes from switching costs."""


def curve_table(scenario: Scenario, competition_levels: tuple[float, ...],
                points: int = 81) -> pd.DataFrame:
    """Long table ``level`` (index into ``competition_levels``), ``satisfaction``,
    ``competition``, ``loyalty`` (fractions per year)."""
    s = np.linspace(1.0, 5.0, points)
    frames = [pd.DataFrame({"level": level, "satisfaction": s, "competition": c,
                            "loyalty": loyalty_probability(s, c, scenario.loyalty_curve)})
              for level, c in enumerate(competition_levels)]
    return pd.concat(frames, ignore_index=True)


def _homogeneous(scenario: Scenario, satisfaction: float, competition: float) -> Scenario:
    """The scenario with every customer at one satisfaction: constant loyalty, no programmes."""
    rate = float(loyalty_probability(satisfaction, competition, scenario.loyalty_curve))
    s = dataclasses.replace(scenario, programmes=Programmes())
    s = replace_path(s, "retention.model", "constant")
    return replace_path(s, "retention.constant", rate)


def top_box_table(scenario: Scenario, competition_levels: tuple[float, ...] = (0.1, 0.9),
                  satisfaction_from: float = 4.0, satisfaction_to: float = 5.0) -> pd.DataFrame:
    """Retention, customers after the horizon and net CLV at two satisfaction levels.

    Returns rows ``competition, satisfaction, retention`` (fraction/year, uplift
    included), ``customers_end`` (customers), ``clv_net`` (currency per customer), one
    per (competition, satisfaction), for the scenario's acquisition, prices and horizon.
    """
    rows = []
    for c in competition_levels:
        for level in (satisfaction_from, satisfaction_to):
            result = run_cohort(_homogeneous(scenario, level, c))
            rows.append({"competition": c, "satisfaction": level,
                         "retention": float(result.tenure["renewal_rate"].iloc[0]),
                         "customers_end": result.kpis["customers_end"],
                         "clv_net": result.kpis["clv_net"]})
    return pd.DataFrame(rows)


def top_box_ratios(table: pd.DataFrame) -> dict[float, float]:
    """The "4→5" ratio per competition level of a :func:`top_box_table`.

    ``{competition: retention at the higher satisfaction / retention at the lower}``
    (dimensionless; how many times more likely the more satisfied customer is to
    renew each year). NaN where retention at the lower level is 0.
    """
    ratios: dict[float, float] = {}
    for competition, rows in table.groupby("competition", sort=False):
        rows = rows.sort_values("satisfaction")
        low, high = float(rows["retention"].iloc[0]), float(rows["retention"].iloc[-1])
        ratios[float(competition)] = high / low if low > 0 else float("nan")
    return ratios


def loyalty_gain_breakdown(scenario: Scenario) -> dict[str, float]:
    """Average yearly loyalty with and without the programmes, and where the gain comes from.

    Returns ``without``, ``with`` (fractions, weighted over new customers), ``gain``,
    ``from_satisfaction`` and ``from_switching_cost`` (summing to ``gain``) and
    ``switching_share`` (NaN when there is no gain).
    """
    with_programmes = satisfaction_population(scenario)
    without = satisfaction_population(dataclasses.replace(scenario, programmes=Programmes()))
    loyal_with = float(with_programmes.weights @ with_programmes.loyalty)
    loyal_without = float(without.weights @ without.loyalty)
    lock_in = float(with_programmes.weights @ (with_programmes.loyalty
                                               - with_programmes.loyalty_without_switching))
    gain = loyal_with - loyal_without
    return {"without": loyal_without, "with": loyal_with, "gain": gain,
            "from_switching_cost": lock_in, "from_satisfaction": gain - lock_in,
            "switching_share": lock_in / gain if gain > 1e-12 else float("nan")}
