"""Predict-then-reveal lessons: the steps (data in ``sim/lesson_steps.toml``) and their truths.

A lesson runs on one shipped scenario file and walks an ordered list of steps. Each step asks
a question, takes a guess (a slider value or one of three choices) and reveals the truth, which
is always computed here by the cohort engine (:func:`sim.cohort.run_cohort`) on the lesson's
scenario with the step's changes applied; no truth is typed into the data.

Why a data file beside the engine rather than a section in the scenario files: a scenario file
is a model input that planners download, edit and save; the classroom script (questions,
guesses, charts) is not part of the model and must not travel with every saved copy. The file is
validated on load like a scenario (:class:`sim.schema.Issue` with the field path and the allowed
values), and a test runs every step.

Units: measures are fractions (retention, shares; shown as %), currency per acquired customer
(``clv_net``), currency (``customer_equity``) or a dimensionless ratio (``top_box_ratio``,
times). A ``change`` value is a relative change (fraction: 0.146 = +14.6 %).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.cohort import CohortResult, run_cohort
from sim.lessons import top_box_ratios, top_box_table
from sim.library import load_preset
from sim.scenario import Scenario, get_path, replace_path
from sim.schema import Issue, ScenarioError

__all__ = ["LESSONS_FILE", "MEASURES", "CHOICES", "GUESS_KINDS", "CHARTS", "LessonStep",
           "Lesson", "StepTruth", "load_lessons", "lessons", "lesson", "lesson_for_preset",
           "lesson_scenario",
           "step_scenario", "step_truth", "sweep_table", "sweep_x_of_step", "retention_by_year",
           "summary_table",
           "guess_histogram", "guess_error", "room_consensus", "choice_counts"]

LESSONS_FILE = Path(__file__).resolve().parent / "lesson_steps.toml"
CHOICES = ("falls", "same", "rises")
"""Choice guesses: how the measure moves against ``before`` (sign of the difference)."""
GUESS_KINDS = ("slider", "choice")
CHARTS = ("sweep", "by_year", "before_after")
VALUE_KINDS = ("level", "change")
SWEEP_MODES = ("set", "shift")
SWEEP_POINTS = 11


def _retention_year1(result: CohortResult, scenario: Scenario) -> float:
    return float(result.tenure["renewal_rate"].iloc[0])


def _aggregate(result: CohortResult, which: int) -> float:
    rates = result.yearly["retention"].dropna()
    return float(rates.iloc[which]) if len(rates) else float("nan")


def _loyalty_type(kind: str) -> Callable[[CohortResult, Scenario], float]:
    def share(result: CohortResult, scenario: Scenario) -> float:
        if result.loyalty_types is None:
            return float("nan")
        return float(result.loyalty_types.iloc[0][kind])
    return share


def _top_box_ratio(result: CohortResult, scenario: Scenario) -> float:
    c = scenario.competition.intensity
    return top_box_ratios(top_box_table(scenario, (c,)))[c]


MEASURES: dict[str, tuple[str, Callable[[CohortResult, Scenario], float]]] = {
    "retention_year1": ("pct", _retention_year1),
    "aggregate_retention_first": ("pct", lambda r, s: _aggregate(r, 0)),
    "aggregate_retention_last": ("pct", lambda r, s: _aggregate(r, -1)),
    "hostage_share": ("pct", _loyalty_type("hostages")),
    "mercenary_share": ("pct", _loyalty_type("mercenaries")),
    "loyalist_share": ("pct", _loyalty_type("loyalists")),
    "top_box_ratio": ("times", _top_box_ratio),
    "clv_net": ("money", lambda r, s: r.kpis["clv_net"]),
    "customer_equity": ("money", lambda r, s: r.kpis["customer_equity"]),
}
"""``{measure: (unit, function of the cohort run and its scenario)}``. Units: ``pct`` (a
fraction, shown as %), ``money`` (the scenario's currency), ``times`` (a ratio).

* ``retention_year1``: share of new customers renewing after their first year (one cohort);
* ``aggregate_retention_first`` / ``_last``: customers kept / customers a year earlier, all
  cohorts together, in the first year that has one (year 2) / the last year of the horizon;
* ``hostage_share`` etc.: the loyalty type's share of the customers active in year 1;
* ``top_box_ratio``: retention at satisfaction 5 / at 4, at the scenario's competition;
* ``clv_net``: net CLV per acquired customer; ``customer_equity``: the cohort engine's
  customer equity (currency).
"""


@dataclass(frozen=True)
class LessonStep:
    """One predict-then-reveal step (fields as in ``sim/lesson_steps.toml``)."""

    id: str
    measure: str
    guess: str
    value: str = "level"
    before: str | None = None
    set: tuple[tuple[str, Any], ...] = ()
    shift: tuple[tuple[str, float], ...] = ()
    min: float = 0.0
    max: float = 1.0
    step: float = 0.05
    start: float | None = None
    tolerance: float = 0.005
    chart: str = "sweep"
    sweep_path: str | None = None
    sweep_mode: str = "set"
    sweep_from: float = 0.0
    sweep_to: float = 1.0

    @property
    def unit(self) -> str:
        """Unit of the step's value: ``pct``, ``money``, ``times`` (``change`` values: pct)."""
        return "pct" if self.value == "change" else MEASURES[self.measure][0]

    @property
    def slider_start(self) -> float:
        """Where the guess slider starts (``start``, else the middle of the range)."""
        return self.start if self.start is not None else (self.min + self.max) / 2


@dataclass(frozen=True)
class Lesson:
    """A lesson: its id, the preset its scenario comes from, its order and its steps."""

    id: str
    scenario: str
    order: int
    steps: tuple[LessonStep, ...]

    def step_by_id(self, step_id: str) -> LessonStep:
        """The step called ``step_id`` (KeyError when there is none)."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)


@dataclass(frozen=True)
class StepTruth:
    """What the engine says for one step.

    Attributes:
        value: the step's value (its unit: :attr:`LessonStep.unit`).
        before: the ``before`` measure on the unchanged scenario (the measure's unit).
        after: the measure on the changed scenario (the measure's unit).
        choice: for choice steps, ``falls``, ``same`` or ``rises``; else None.
    """

    value: float
    before: float
    after: float
    choice: str | None


_STEP_FIELDS = {f.name: f for f in dataclasses.fields(LessonStep)}
_NUMBERS = ("min", "max", "step", "start", "tolerance", "sweep_from", "sweep_to")


def _step_issues(where: str, raw: Any, known_ids: set[str]) -> list[Issue]:
    if not isinstance(raw, dict):
        return [Issue(where, "type", "a table", type(raw).__name__)]
    found = [Issue(f"{where}.{name}", "unknown", ", ".join(_STEP_FIELDS), name)
             for name in raw if name not in _STEP_FIELDS]
    for name in ("id", "measure", "guess"):
        if name not in raw:
            found.append(Issue(f"{where}.{name}", "type", "a value (required)", "missing"))
    for name, allowed in (("measure", MEASURES), ("before", MEASURES), ("guess", GUESS_KINDS),
                          ("value", VALUE_KINDS), ("chart", CHARTS),
                          ("sweep_mode", SWEEP_MODES)):
        if name in raw and raw[name] not in allowed:
            found.append(Issue(f"{where}.{name}", "choice", ", ".join(allowed), repr(raw[name])))
    for name in _NUMBERS:
        value = raw.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                  or not math.isfinite(value)):
            found.append(Issue(f"{where}.{name}", "type", "a finite number", repr(value)))
    step_id = raw.get("id")
    if not isinstance(step_id, str) or not step_id.isidentifier():
        found.append(Issue(f"{where}.id", "type", "a name of letters, digits and _", repr(step_id)))
    elif step_id in known_ids:
        found.append(Issue(f"{where}.id", "rule", "unique within the lesson", repr(step_id)))
    for table in ("set", "shift"):
        if not isinstance(raw.get(table, {}), dict):
            found.append(Issue(f"{where}.{table}", "type", "a table of field path = value",
                               type(raw[table]).__name__))
    if raw.get("guess") == "slider" and not found:
        low, high = raw.get("min", 0.0), raw.get("max", 1.0)
        start = raw.get("start", low)
        if not (low < high and raw.get("step", 0.05) > 0 and low <= start <= high):
            found.append(Issue(f"{where}.min", "rule", "min < max, step > 0, min <= start <= max",
                               f"min {low}, max {high}, step {raw.get('step', 0.05)}, "
                               f"start {start}"))
    if raw.get("chart", "sweep") == "sweep" and "sweep_path" not in raw:
        found.append(Issue(f"{where}.sweep_path", "type", "a field path (chart = sweep)",
                           "missing"))
    return found


def _step(raw: dict[str, Any]) -> LessonStep:
    data = dict(raw)
    data["set"] = tuple(sorted(raw.get("set", {}).items()))
    data["shift"] = tuple(sorted((k, float(v)) for k, v in raw.get("shift", {}).items()))
    for name in _NUMBERS:
        if name in data and data[name] is not None:
            data[name] = float(data[name])
    return LessonStep(**data)


def load_lessons(data: Mapping[str, Any], presets: Sequence[str] | None = None
                 ) -> dict[str, Lesson]:
    """Validate the lessons mapping (the parsed ``lesson_steps.toml``) and build the lessons.

    ``presets``: the preset ids a lesson may run on (None: not checked). Every step is also
    applied to its lesson's scenario, so a field path or value the scenario refuses is
    reported here, with the step's path, rather than in the classroom.

    Raises:
        ScenarioError: every problem found, each with its path (``lessons.<id>.steps[i].x``).
    """
    found: list[Issue] = []
    table = data.get("lessons")
    if not isinstance(table, dict) or not table:
        raise ScenarioError([Issue("lessons", "type", "a table of lessons", repr(table))])
    built: dict[str, Lesson] = {}
    for lesson_id, raw in table.items():
        where = f"lessons.{lesson_id}"
        if not isinstance(raw, dict):
            found.append(Issue(where, "type", "a table", type(raw).__name__))
            continue
        for name in raw:
            if name not in ("scenario", "order", "steps"):
                found.append(Issue(f"{where}.{name}", "unknown", "scenario, order, steps", name))
        preset = raw.get("scenario")
        if not isinstance(preset, str) or (presets is not None and preset not in presets):
            found.append(Issue(f"{where}.scenario", "choice",
                               "a preset id in scenarios/", repr(preset)))
        steps_raw = raw.get("steps")
        if not isinstance(steps_raw, list) or not steps_raw:
            found.append(Issue(f"{where}.steps", "length", "at least one step",
                               repr(type(steps_raw).__name__)))
            continue
        ids: set[str] = set()
        steps = []
        for i, step_raw in enumerate(steps_raw):
            issues = _step_issues(f"{where}.steps[{i}]", step_raw, ids)
            found.extend(issues)
            if not issues:
                ids.add(step_raw["id"])
                steps.append(_step(step_raw))
        order = raw.get("order", 0)
        if not found:
            built[lesson_id] = Lesson(lesson_id, str(preset), int(order), tuple(steps))
    if not found and presets is not None:
        for lesson_id, one in built.items():
            base = load_preset(one.scenario)
            for i, step in enumerate(one.steps):
                try:
                    step_scenario(base, step)
                    if step.sweep_path is not None:
                        _at_sweep(step_scenario(base, step), step, step.sweep_to)
                except (ScenarioError, KeyError, AttributeError, TypeError) as error:
                    found.append(Issue(f"lessons.{lesson_id}.steps[{i}]", "rule",
                                       "changes the lesson's scenario accepts", str(error)))
    if found:
        raise ScenarioError(found)
    return dict(sorted(built.items(), key=lambda item: item[1].order))


@functools.cache
def lessons() -> dict[str, Lesson]:
    """The shipped lessons (``sim/lesson_steps.toml``), in their order (cached)."""
    from sim.library import list_presets
    presets, _errors = list_presets()
    with LESSONS_FILE.open("rb") as fh:
        return load_lessons(tomllib.load(fh), [p.preset_id for p in presets])


def lesson(lesson_id: str) -> Lesson:
    """The shipped lesson ``lesson_id`` (KeyError when there is none)."""
    return lessons()[lesson_id]


def lesson_for_preset(preset_id: str | None) -> str | None:
    """The id of the first lesson that runs on preset ``preset_id`` (None: there is none)."""
    return next((one.id for one in lessons().values() if one.scenario == preset_id), None)


def lesson_scenario(one: Lesson) -> Scenario:
    """The scenario a lesson runs on: its preset file as shipped."""
    return load_preset(one.scenario)


def _shifted(scenario: Scenario, path: str, amount: float) -> Scenario:
    current = get_path(scenario, path)
    if isinstance(current, tuple | list):
        return replace_path(scenario, path, tuple(float(x) + amount for x in current))
    return replace_path(scenario, path, float(current) + amount)


def _validated(scenario: Scenario) -> Scenario:
    from sim.scenario import scenario_from_dict, scenario_to_dict
    return scenario_from_dict(scenario_to_dict(scenario))


def step_scenario(base: Scenario, step: LessonStep) -> Scenario:
    """``base`` with the step's ``set`` and ``shift`` applied, validated.

    Raises:
        ScenarioError: a changed value is out of its field's range (e.g. a shifted retention
            above 1), with the field path.
    """
    scenario = base
    for path, value in step.set:
        scenario = replace_path(scenario, path, value)
    for path, amount in step.shift:
        scenario = _shifted(scenario, path, amount)
    return _validated(scenario) if scenario is not base else base


def _measure(name: str, scenario: Scenario) -> float:
    return float(MEASURES[name][1](run_cohort(scenario), scenario))


def _value(step: LessonStep, before: float, after: float) -> float:
    if step.value == "change":
        return after / before - 1 if before != 0 else float("nan")
    return after


def step_truth(base: Scenario, step: LessonStep) -> StepTruth:
    """The engine's answer to ``step`` on the lesson's scenario ``base``."""
    before = _measure(step.before or step.measure, base)
    after = _measure(step.measure, step_scenario(base, step))
    choice = None
    if step.guess == "choice":
        diff = after - before
        choice = "rises" if diff > step.tolerance else "falls" if diff < -step.tolerance else "same"
    return StepTruth(_value(step, before, after), before, after, choice)


def _at_sweep(scenario: Scenario, step: LessonStep, x: float) -> Scenario:
    assert step.sweep_path is not None
    if step.sweep_mode == "shift":
        return _validated(_shifted(scenario, step.sweep_path, x))
    return _validated(replace_path(scenario, step.sweep_path, x))


def sweep_table(base: Scenario, step: LessonStep, points: int = SWEEP_POINTS) -> pd.DataFrame:
    """The step's value along its sweep: rows ``x`` (the swept field's value, or the amount
    added to it for ``sweep_mode = "shift"``, in the field's unit) and ``value`` (the step's
    unit). The step's own changes are applied first, except that the swept field takes the
    sweep's value; a ``shift`` of the swept field is the sweep itself."""
    assert step.sweep_path is not None
    own = dataclasses.replace(step, set=tuple(p for p in step.set if p[0] != step.sweep_path),
                              shift=tuple(p for p in step.shift if p[0] != step.sweep_path))
    changed = step_scenario(base, own)
    before = _measure(step.before or step.measure, base)
    rows = []
    for x in np.linspace(step.sweep_from, step.sweep_to, points):
        after = _measure(step.measure, _at_sweep(changed, step, float(x)))
        rows.append({"x": float(x), "value": _value(step, before, after)})
    return pd.DataFrame(rows)


def sweep_x_of_step(base: Scenario, step: LessonStep) -> float:
    """Where the step itself sits on its sweep's x axis (the swept field's value or shift)."""
    assert step.sweep_path is not None
    for path, amount in step.shift:
        if path == step.sweep_path:
            return amount
    if step.sweep_mode == "shift":
        return 0.0
    return float(get_path(step_scenario(base, step), step.sweep_path))


def retention_by_year(scenario: Scenario) -> pd.DataFrame:
    """Aggregate retention by calendar year against one cohort's by tenure year.

    Rows ``year`` (2 … horizon), ``series`` (``aggregate``: customers kept / customers a year
    earlier, all cohorts; ``cohort``: one cohort's renewal rate into that tenure year, i.e. the
    rate of tenure year − 1), ``retention`` (fraction).
    """
    result = run_cohort(scenario)
    agg = result.yearly[["year", "retention"]].dropna()
    tenure = result.tenure
    cohort = pd.DataFrame({"year": tenure["tenure_year"].iloc[1:].to_numpy(),
                           "retention": tenure["renewal_rate"].iloc[:-1].to_numpy()})
    return pd.concat([agg.assign(series="aggregate"), cohort.assign(series="cohort")],
                     ignore_index=True)[["year", "series", "retention"]]


def guess_error(step: LessonStep, truth: StepTruth, guess: float | str | None) -> float | None:
    """How far a guess is from the truth: guess − truth in the step's unit for sliders;
    0 (right) or 1 (wrong) for choices; None without a guess."""
    if guess is None:
        return None
    if step.guess == "choice":
        return 0.0 if guess == truth.choice else 1.0
    return float(guess) - truth.value


def guess_histogram(step: LessonStep, values: Sequence[float], bins: int = 10) -> pd.DataFrame:
    """Slider guesses counted in ``bins`` equal bins over the step's range: rows ``low``,
    ``high`` (the step's unit) and ``count`` (guesses); values outside the range fall in the
    end bins."""
    edges = np.linspace(step.min, step.max, bins + 1)
    clipped = np.clip(np.asarray(values, dtype=float), step.min, step.max)
    counts, _ = np.histogram(clipped, bins=edges)
    return pd.DataFrame({"low": edges[:-1], "high": edges[1:], "count": counts.astype(int)})


def room_consensus(step: LessonStep, guesses: Sequence[float | str]) -> float | str | None:
    """The room's guess: the median of slider guesses (the step's unit), the most chosen
    choice (ties: the first in :data:`CHOICES`), None without guesses."""
    if not guesses:
        return None
    if step.guess == "choice":
        counts = choice_counts(guesses)
        return max(CHOICES, key=lambda c: (counts[c], -CHOICES.index(c)))
    return float(np.median(np.asarray(guesses, dtype=float)))


def choice_counts(guesses: Sequence[float | str]) -> dict[str, int]:
    """``{choice: how many chose it}`` for every choice in :data:`CHOICES` (others ignored)."""
    return {c: sum(1 for g in guesses if g == c) for c in CHOICES}


def summary_table(one: Lesson, truths: Mapping[str, StepTruth],
                  guesses: Mapping[str, float | str | None],
                  room: Mapping[str, Sequence[float | str]] | None = None) -> pd.DataFrame:
    """One row per step: ``step`` (id), ``unit`` (``choice`` for choices), ``guess`` (the
    trainer's, None if none), ``room`` (:func:`room_consensus` of the room's guesses),
    ``room_count``, ``truth`` (value, or the right choice), ``error`` and ``room_error``
    (:func:`guess_error`)."""
    rows = []
    for step in one.steps:
        truth = truths[step.id]
        guess = guesses.get(step.id)
        room_guesses = list((room or {}).get(step.id, ()))
        consensus = room_consensus(step, room_guesses)
        rows.append({"step": step.id, "unit": "choice" if step.guess == "choice" else step.unit,
                     "guess": guess, "room": consensus, "room_count": len(room_guesses),
                     "truth": truth.choice if step.guess == "choice" else truth.value,
                     "error": guess_error(step, truth, guess),
                     "room_error": guess_error(step, truth, consensus)})
    return pd.DataFrame(rows)
