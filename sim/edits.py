"""Scenario edits that are more than one field: what a lever means in the model's terms.

Each reader returns the value a lever shows; each writer returns a new scenario (the
input is never changed) and leaves it unchanged when the value is already there, so
showing a value and writing it back never edits a scenario.
"""

from __future__ import annotations

from sim.scenario import Acquisition, Scenario, replace_path, spec_at

__all__ = ["acquisition_years", "with_acquisition_years", "running_programme",
           "with_only_programme", "programme_spend_percent", "with_programme_spend_percent",
           "programme_spend_bounds"]


def acquisition_years(s: Scenario) -> int:
    """Years in which customers are acquired (``list`` mode: years with a non-zero count)."""
    if s.acquisition.mode in ("constant", "paid"):
        return s.acquisition.years
    return sum(1 for v in s.acquisition.new_per_year(s.horizon_years) if v > 0)


def with_acquisition_years(s: Scenario, years: int) -> Scenario:
    """Acquire for ``years`` years. A ``list`` becomes a ``constant`` of its first non-zero
    year's count (the list's shape cannot be stretched); other modes keep their mode."""
    if int(years) == acquisition_years(s):
        return s
    if s.acquisition.mode in ("constant", "paid"):
        return replace_path(s, "acquisition.years", int(years))
    per_year = s.acquisition.new_per_year(s.horizon_years)
    first = next((v for v in per_year if v > 0), s.acquisition.constant)
    return replace_path(s, "acquisition", Acquisition(mode="constant", constant=first,
                                                      years=int(years)))


def running_programme(s: Scenario) -> str:
    """The first enabled programme kind, or ``none``."""
    return next((kind for kind, p in s.programmes.items() if p.enabled), "none")


def with_only_programme(s: Scenario, kind: str) -> Scenario:
    """Programme ``kind`` enabled alone (``none``: no programme)."""
    if kind == running_programme(s) and sum(p.enabled for _, p in s.programmes.items()) <= 1:
        return s
    for name, _programme in s.programmes.items():
        s = replace_path(s, f"programmes.{name}.enabled", name == kind)
    return s


def programme_spend_percent(s: Scenario) -> float:
    """Spend per member of the first running programme, % of its reference spend (100 with
    no programme running)."""
    running = [p for _, p in s.programmes.items() if p.enabled]
    if not running:
        return 100.0
    return running[0].cost_per_member_year / running[0].reference_cost_per_member * 100.0


def programme_spend_bounds(s: Scenario) -> tuple[float, float]:
    """Allowed spend (% of reference): 0 up to the schema's largest cost per member over the
    largest running reference, so every running programme stays within its range."""
    references = [p.reference_cost_per_member for _, p in s.programmes.items() if p.enabled]
    ceiling = spec_at("programmes.points.cost_per_member_year").maximum
    assert ceiling is not None, "the schema bounds the cost per member"
    return 0.0, (ceiling / max(references) * 100.0 if references else 300.0)


def with_programme_spend_percent(s: Scenario, percent: float) -> Scenario:
    """Every running programme's cost per member set to ``percent`` % of its reference."""
    if abs(percent - programme_spend_percent(s)) < 1e-9:
        return s
    for name, p in s.programmes.items():
        if p.enabled:
            s = replace_path(s, f"programmes.{name}.cost_per_member_year",
                             p.reference_cost_per_member * percent / 100.0)
    return s
