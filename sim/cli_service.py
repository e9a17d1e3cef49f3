"""Command line of the service engine: ``python -m sim service FILE`` and ``python -m sim queue``.

``service FILE.toml [--format table|json] [--no-baseline]``: the scenario's contact centre
(its ``[service]`` table) simulated year by year (:func:`sim.service.run.service_aware_run`):
the service KPIs per year, the shift in perceived performance, the scenario's KPIs without
and with the service feedback and the **NPV effect measured against the same scenario
without the service feedback** (its ``service_quality`` as the file states; the service
cost is the same in both); beside it, the scenario against its baseline
(:func:`sim.whatif.baseline_for`) with the same contact centre and both service costs.

``queue --arrivals-per-hour L --agents C --handling-minutes H [--patience-minutes P]
[--target-seconds T] [--hours N] [--seed S] [--format table|json]``: the stationary queue
alone (:func:`sim.service.queue.simulate_queue`); JSON keys
:data:`sim.service.queue.QUEUE_KEYS`.

Exit codes as in :mod:`sim.cli`: 0 ok; 1 invalid input (a scenario file that is invalid or
has no ``[service]`` table, an option out of its range, zero agents with arrivals, handling
longer than a shift or the run, more events than the budget: every problem listed, naming
the field or option); 2 usage (argparse: unknown option, a value that is not a number).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

import pandas as pd

from sim.scenario import scenario_name
from sim.schema import Issue, ScenarioError, printable
from sim.service.queue import QUEUE_KEYS, queue_issues, simulate_queue
from sim.service.run import ServiceOutcome, service_aware_run

__all__ = ["register_service", "service_report", "queue_report", "MEASURED_AGAINST"]

MEASURED_AGAINST = ("the same scenario without the service feedback (satisfaction."
                    "service_quality as the file states; the service cost is the same in both "
                    "and left out)")
"""What ``npv_effect`` is measured against (also in the JSON)."""

_KPIS = ("npv", "clv_net", "customer_equity", "customers_end", "retention_last_year")
_FEEDBACK_TEXT = {
    "satisfaction": "through satisfaction: the simulated service moves "
                    "satisfaction.service_quality",
    "not_satisfaction_model": "none: this scenario's retention model does not read "
                              "satisfaction, so the service cannot move retention (set "
                              "retention.model = \"satisfaction\" for the feedback)",
}


def _num(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if hasattr(x, "item"):
        return _num(x.item())
    return x


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _num(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def service_report(outcome: ServiceOutcome) -> dict[str, Any]:
    """The JSON of ``python -m sim service``: plain data, deterministic for a file (no wall
    times).

    Keys: ``scenario``, ``currency``, ``feedback`` (``satisfaction`` or
    ``not_satisfaction_model``), ``service_quality`` (``stated``, ``with_service``),
    ``shift_points`` and ``passes`` (1-5 points), ``yearly`` (the service KPIs per year),
    ``experience`` (per year and kind), ``kpis`` (``without_feedback``, ``with_feedback``),
    ``npv_effect`` with ``measured_against``, ``service_cost_pv``,
    ``npv_with_service_cost``, ``baseline`` (``kind``, ``same_as_scenario``,
    ``npv_with_service_cost``, ``npv_gain``: null when not run) and ``simulation``
    (``requests``, ``contacts``, ``events``, ``sample_weeks``, ``feedback_passes``).
    """
    s = outcome.scenario
    base = outcome.baseline
    gain = outcome.against_baseline()
    return {
        "scenario": scenario_name(s, "en"), "currency": s.currency, "feedback": outcome.feedback,
        "service_quality": {"stated": s.satisfaction.service_quality,
                            "with_service": outcome.adjusted.satisfaction.service_quality},
        "shift_points": outcome.shift, "passes": list(outcome.passes),
        "yearly": _records(outcome.run.yearly), "experience": _records(outcome.run.experience),
        "kpis": {"without_feedback": {k: _num(outcome.plain.kpis[k]) for k in _KPIS},
                 "with_feedback": {k: _num(outcome.result.kpis[k]) for k in _KPIS}},
        "npv_effect": _num(outcome.npv_effect), "measured_against": MEASURED_AGAINST,
        "service_cost_pv": outcome.service_cost_pv,
        "npv_with_service_cost": outcome.npv_with_service_cost,
        "baseline": {"kind": s.baseline.kind, "same_as_scenario": outcome.baseline_is_scenario,
                     "npv_with_service_cost": (outcome.npv_with_service_cost
                                               if outcome.baseline_is_scenario else
                                               None if base is None else
                                               base.npv_with_service_cost),
                     "npv_gain": _num(gain) if gain is not None else None},
        "simulation": {"requests": outcome.run.requests, "contacts": outcome.run.contacts,
                       "events": outcome.run.events,
                       "sample_weeks": outcome.service.sample_weeks,
                       "feedback_passes": outcome.service.feedback_passes},
    }


def _money(x: float | None, currency: str) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{currency} {x:,.0f}"


def _service_table(report: dict[str, Any]) -> str:
    cur = report["currency"]
    yearly = pd.DataFrame(report["yearly"])
    shown = yearly.assign(
        service_level=yearly["service_level"] * 100, abandonment=yearly["abandonment"] * 100,
        occupancy=yearly["occupancy"] * 100, fcr=yearly["fcr"] * 100,
        unresolved=yearly["unresolved"] * 100)
    shown = shown.rename(columns={"service_level": "service_level_%", "abandonment":
                                  "abandonment_%", "occupancy": "occupancy_%", "fcr": "fcr_%",
                                  "unresolved": "unresolved_%", "cost": f"cost_{cur}"})
    q = report["service_quality"]
    lines = [f"Scenario: {printable(report['scenario'])} ({cur})",
             f"Service feedback: {_FEEDBACK_TEXT[report['feedback']]}", "",
             "Contact centre by year (counts per year; shares in %):",
             shown.to_string(index=False, float_format=lambda x: f"{x:,.2f}"), "",
             f"Perceived performance: service_quality {q['stated']:.3f} stated -> "
             f"{q['with_service']:.3f} with the simulated service (shift "
             f"{report['shift_points']:+.3f} points; passes "
             + ", ".join(f"{p:+.3f}" for p in report["passes"]) + ")", "",
             f"{'':<22}{'without feedback':>20}{'with feedback':>20}"]
    for key in _KPIS:
        a, b = report["kpis"]["without_feedback"][key], report["kpis"]["with_feedback"][key]

        def cell(v: Any, key: str = key) -> str:
            if v is None:
                return "n/a"
            if key == "retention_last_year":
                return f"{v * 100:.1f} %"
            if key == "customers_end":
                return f"{v:,.0f}"
            return f"{cur} {v:,.2f}" if key == "clv_net" else f"{cur} {v:,.0f}"
        lines.append(f"  {key:<20}{cell(a):>20}{cell(b):>20}")
    base = report["baseline"]
    lines += ["", f"NPV effect of the service: {_money(report['npv_effect'], cur)} "
                  f"(measured against {MEASURED_AGAINST})",
              f"Service cost, present value: {_money(report['service_cost_pv'], cur)}; "
              f"NPV with the service cost: {_money(report['npv_with_service_cost'], cur)}",
              f"Against the baseline ({base['kind']}"
              + (", the scenario itself" if base["same_as_scenario"] else "")
              + ", same contact centre, both with the service feedback and cost): "
              f"NPV gain {_money(base['npv_gain'], cur)}"]
    sim = report["simulation"]
    lines.append(f"Simulated: {sim['requests']:,} requests, {sim['contacts']:,} contacts, "
                 f"{sim['events']:,} events ({sim['sample_weeks']} weeks a year, "
                 f"{sim['feedback_passes']} feedback passes)")
    return "\n".join(lines)


def _cmd_service(args: argparse.Namespace) -> int:
    from sim import scenario_io
    from sim.cli import EXIT_INVALID, EXIT_OK, _print_issues  # a cycle at import time

    try:
        scenario = scenario_io.load(args.file)
        if scenario.service is None:
            raise ScenarioError([Issue(
                "service", "rule", "a [service] table describing the contact centre "
                "(README, \"Service operations\"); the Service operations page can write one",
                "the file has no [service] table")])
        outcome = service_aware_run(scenario, with_baseline=not args.no_baseline)
    except ScenarioError as exc:
        _print_issues(args.file, exc, sys.stderr)
        return EXIT_INVALID
    report = service_report(outcome)
    if args.format == "json":
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(_service_table(report))
    return EXIT_OK


def queue_report(args: argparse.Namespace) -> dict[str, Any]:
    """The JSON of ``python -m sim queue`` for parsed options (:data:`QUEUE_KEYS`)."""
    run = simulate_queue(args.arrivals_per_hour, args.agents, args.handling_minutes,
                         args.patience_minutes, args.target_seconds, args.hours, args.seed)
    return run.as_dict()


_QUEUE_RANGES: dict[str, tuple[float, float, bool]] = {
    # option: (lowest, highest, lowest allowed itself)
    "arrivals_per_hour": (0.0, 1e6, True),
    "agents": (0, 10_000, True),
    "handling_minutes": (0.0, 480.0, False),
    "patience_minutes": (0.0, 1440.0, False),
    "target_seconds": (0.0, 3600.0, False),
    "hours": (0.0, 1e6, False),
    "seed": (0, 2**32 - 1, True),
}


def _queue_issues(args: argparse.Namespace) -> list[Issue]:
    found = []
    for name, (low, high, inclusive) in _QUEUE_RANGES.items():
        value = getattr(args, name)
        if value is None:
            continue
        option = "--" + name.replace("_", "-")
        ok = math.isfinite(value) and (value >= low if inclusive else value > low) \
            and value <= high
        if not ok:
            bound = f"{'from' if inclusive else 'above'} {low:g} to {high:g}"
            found.append(Issue(option, "range", bound, f"{value:g}"))
    return found


def _queue_table(report: dict[str, Any]) -> str:
    erlang = report["erlang_c"]
    lines = [f"{'figure':<24}{'estimate':>12}{'95 % low':>12}{'95 % high':>12}"
             f"{erlang['model']:>22}"]
    for key in QUEUE_KEYS[:6]:
        e = report[key]

        def cell(v: Any) -> str:
            return "n/a" if v is None else f"{v:.4f}"
        lines.append(f"{key:<24}{cell(e['estimate']):>12}{cell(e['low']):>12}"
                     f"{cell(e['high']):>12}{cell(erlang[key]):>22}")
    lines.append(f"{'requests':<24}{report['requests']:>12,}")
    lines.append(f"Offered load {erlang['offered_load_erlangs']:.3f} Erlangs"
                 + ("" if erlang["stable"] else
                    ("; the queue is unstable (load >= agents): it grows without bound, "
                     "Erlang C has no stationary values" if "Erlang C" in erlang["model"] else
                     "; the queue settles only beyond two million waiting: no closed-form "
                     "values")))
    return "\n".join(lines)


def _cmd_queue(args: argparse.Namespace) -> int:
    from sim.cli import EXIT_INVALID, EXIT_OK

    issues = _queue_issues(args)
    named = {issue.path for issue in issues}
    issues += [issue for issue in queue_issues(args.arrivals_per_hour, args.agents,
                                               args.handling_minutes, args.hours,
                                               args.patience_minutes)
               if issue.path not in named]
    try:
        if issues:
            raise ScenarioError(issues)
        report = queue_report(args)
    except ScenarioError as exc:
        print(f"queue: {exc.total} problem(s)", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        return EXIT_INVALID
    if args.format == "json":
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(_queue_table(report))
    return EXIT_OK


def register_service(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``service`` and ``queue`` to the sub-parsers ``sub`` of ``python -m sim``."""
    svc = sub.add_parser("service", parents=[common],
                         help="simulate a scenario's contact centre ([service]) and its "
                              "effect on retention and NPV")
    svc.add_argument("file")
    svc.add_argument("--format", choices=("table", "json"), default="table")
    svc.add_argument("--no-baseline", action="store_true", default=False,
                     help="do not run the scenario's baseline with the same contact centre")
    svc.set_defaults(func=_cmd_service)
    queue = sub.add_parser("queue", parents=[common],
                           help="the stationary queue alone (Poisson arrivals, exponential "
                                "handling) against Erlang C / Erlang A")
    queue.add_argument("--arrivals-per-hour", type=float, required=True, metavar="L")
    queue.add_argument("--agents", type=int, required=True, metavar="C")
    queue.add_argument("--handling-minutes", type=float, required=True, metavar="H",
                       help="mean of the exponential handling time")
    queue.add_argument("--patience-minutes", type=float, default=None, metavar="P",
                       help="mean of the exponential patience (default: nobody abandons)")
    queue.add_argument("--target-seconds", type=float, default=20.0, metavar="T",
                       help="service-level target (default 20)")
    queue.add_argument("--hours", type=float, default=1000.0, metavar="N",
                       help="simulated hours, the first 10 %% a warm-up (default 1000)")
    queue.add_argument("--seed", type=int, default=42, metavar="S")
    queue.add_argument("--format", choices=("table", "json"), default="table")
    queue.set_defaults(func=_cmd_queue)
