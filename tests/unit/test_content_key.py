"""The cache key of a scenario (ui.state.content_key): its repr, written once per object."""

from __future__ import annotations

from pathlib import Path

from sim.scenario import replace_path
from sim.scenario_io import load
from ui import state

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_the_key_is_the_scenarios_repr_kept_for_the_same_object() -> None:
    s = load(SCENARIOS / "whatif_crm_system.toml")
    key = state.content_key(s)
    assert key == repr(s)
    assert state.content_key(s) is key                 # kept, not written again
    edited = replace_path(s, "acquisition.budget_per_year", 300_000.0)
    assert state.content_key(edited) == repr(edited) != key
    twin = replace_path(s, "seed", s.seed)             # equal content, another object
    assert state.content_key(twin) == key


def test_only_the_last_objects_are_kept() -> None:
    s = load(SCENARIOS / "whatif_crm_system.toml")
    for budget in range(state._KEYS_KEPT + 10):
        state.content_key(replace_path(s, "acquisition.budget_per_year", float(budget)))
    assert len(state._content_keys) == state._KEYS_KEPT
