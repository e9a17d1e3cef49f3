"""Which scenario fields can act on a scenario's results, and why not when they cannot.

A field can be valid and still change nothing: competition moves retention only
through the satisfaction model (and paid acquisition through its ceiling); a
programme's cost means nothing while it is switched off; a budget matters only
with paid acquisition. Pages disable such a lever and show the reason; the
sensitivity analysis does not report a lever that cannot act.

Reason codes are stable snake_case (the UI translates ``lever_off.<code>``).
"""

from __future__ import annotations

from sim.scenario import Scenario

__all__ = ["REASONS", "inactive_reason", "RUNNING_PROGRAMME_COST"]

REASONS = ("needs_satisfaction_model", "competition_no_effect", "needs_paid_acquisition",
           "cost_from_budget", "needs_constant_retention", "needs_sbg_retention",
           "needs_table_retention", "needs_crm_system", "programme_off", "no_programme_running",
           "retention_spend_off")
"""Every reason code :func:`inactive_reason` can return."""

RUNNING_PROGRAMME_COST = "programmes.running.cost_per_member_year"
"""Pseudo-path of "the running programmes' cost per member" (one lever sets them all)."""

_SATISFACTION_SECTIONS = ("satisfaction.", "loyalty_curve.", "word_of_mouth.", "programmes")
_PAID_FIELDS = ("acquisition.budget_per_year", "acquisition.ceiling", "acquisition.response",
                "acquisition.competition_ceiling_effect")
_RETENTION_MODEL_FIELDS = {"retention.constant": ("constant", "needs_constant_retention"),
                           "retention.sbg_alpha": ("sbg", "needs_sbg_retention"),
                           "retention.sbg_beta": ("sbg", "needs_sbg_retention"),
                           "retention.by_tenure_year": ("table", "needs_table_retention")}


def inactive_reason(scenario: Scenario, path: str) -> str | None:
    """Why changing the field at dotted ``path`` cannot change any result of ``scenario``.

    Args:
        scenario: the scenario as it stands (model choices, switches).
        path: a dotted field path (``competition.intensity``), or
            :data:`RUNNING_PROGRAMME_COST`.

    Returns:
        A reason code from :data:`REASONS`, or None when the field can act.
    """
    by_satisfaction = scenario.retention.model == "satisfaction"
    paid = scenario.acquisition.mode == "paid"
    if path == "competition.intensity":
        return None if by_satisfaction or paid else "competition_no_effect"
    if path.startswith(_SATISFACTION_SECTIONS) and not by_satisfaction:
        return "needs_satisfaction_model"
    if path.startswith("retention_spend.") and path != "retention_spend.enabled":
        return None if scenario.retention_spend.enabled else "retention_spend_off"
    if path == RUNNING_PROGRAMME_COST:
        return None if scenario.programmes.any_enabled() else "no_programme_running"
    if path.startswith("programmes."):
        kind, _, name = path.removeprefix("programmes.").partition(".")
        programme = dict(scenario.programmes.items()).get(kind)
        if programme is not None and name not in ("", "enabled") and not programme.enabled:
            return "programme_off"
        return None
    if path in _PAID_FIELDS and not paid:
        return "needs_paid_acquisition"
    if path == "pricing.acquisition_cost" and paid:
        return "cost_from_budget"
    if path in _RETENTION_MODEL_FIELDS:
        model, reason = _RETENTION_MODEL_FIELDS[path]
        return None if scenario.retention.model == model else reason
    if path.startswith("crm_system.") and path != "crm_system.enabled":
        return None if scenario.crm_system.enabled else "needs_crm_system"
    return None
