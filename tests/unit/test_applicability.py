"""Which fields can act on a scenario (sim/applicability.py), checked against the engine:
a field reported inactive really changes no KPI, and one reported active does."""

from __future__ import annotations

import pytest

from sim.applicability import REASONS, RUNNING_PROGRAMME_COST, inactive_reason
from sim.cohort import run_cohort
from sim.library import load_preset
from sim.scenario import get_path, replace_path

CASES = [  # scenario, field, expected reason
    ("textbook_magazine", "competition.intensity", "competition_no_effect"),
    ("textbook_magazine", "satisfaction.service_quality", "needs_satisfaction_model"),
    ("textbook_magazine", "acquisition.budget_per_year", "needs_paid_acquisition"),
    ("textbook_magazine", "retention.constant", "needs_constant_retention"),
    ("textbook_magazine", "crm_system.service_saving", "needs_crm_system"),
    ("textbook_magazine", "pricing.renewal_price", None),
    ("textbook_magazine", "retention.uplift_points", None),
    ("whatif_today", "competition.intensity", None),
    ("whatif_today", "pricing.acquisition_cost", "cost_from_budget"),
    ("whatif_today", "acquisition.budget_per_year", None),
    ("whatif_today", "programmes.points.cost_per_member_year", "programme_off"),
    ("whatif_points_programme", "programmes.points.cost_per_member_year", None),
    ("whatif_crm_system", "crm_system.service_saving", None),
]


@pytest.mark.parametrize("preset,path,reason", CASES)
def test_reason_matches_what_the_engine_does(preset: str, path: str, reason: str | None) -> None:
    s = load_preset(preset)
    assert inactive_reason(s, path) == reason
    assert reason is None or reason in REASONS
    value = get_path(s, path)
    moved = replace_path(s, path, value * 1.5 if value else 0.5)
    before, after = run_cohort(s).kpis, run_cohort(moved).kpis
    changed = any(abs(after[k] - before[k]) > 1e-9 * max(1.0, abs(before[k]))
                  for k in ("npv", "clv_net", "customers_end") if before[k] == before[k])
    assert changed == (reason is None), (path, before, after)


def test_running_programme_cost_needs_a_running_programme() -> None:
    assert inactive_reason(load_preset("whatif_today"), RUNNING_PROGRAMME_COST) == \
        "no_programme_running"
    assert inactive_reason(load_preset("whatif_vip_offers"), RUNNING_PROGRAMME_COST) is None
