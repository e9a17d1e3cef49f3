"""Command line: ``python -m sim run FILE`` and ``python -m sim validate FILE...``.

Exit codes: 0 success, 1 invalid scenario file(s), 2 usage error.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Sequence

import pandas as pd

from sim import scenario_io
from sim.report import YEARLY_COLUMNS, run_report
from sim.schema import ScenarioError

__all__ = ["main"]


def _print_issues(path: str, error: ScenarioError, stream: io.TextIOBase) -> None:
    print(f"{path}: {len(error.issues)} problem(s)", file=stream)
    for issue in error.issues:
        print(f"  {issue}", file=stream)


def _table(report: dict) -> str:
    yearly = pd.DataFrame(report["yearly"])[list(YEARLY_COLUMNS)]
    tenure = pd.DataFrame(report["tenure"])
    lines = [f"Scenario: {report['scenario']} ({report['currency']})", "",
             "Value of one cohort by tenure year:",
             tenure.to_string(index=False, float_format=lambda x: f"{x:,.2f}"), "",
             "Calendar years:",
             yearly.to_string(index=False, float_format=lambda x: f"{x:,.2f}"), "", "KPIs:"]
    width = max(len(k) for k in (*report["kpis"], *report["finance"]))
    mc = report.get("monte_carlo", {}).get("scenario", {})
    lines.append(f"  {'':<{width}}  {'scenario':>16}  {'baseline':>16}  {'delta':>16}"
                 + (f"  {'P10':>16}  {'P90':>16}" if mc else ""))
    for key, value in report["kpis"].items():
        cells = [value, report["baseline"]["kpis"][key], report["delta"][key]]
        if mc:
            cells += [mc[key]["p10"], mc[key]["p90"]]
        lines.append(f"  {key:<{width}}  " + "  ".join(_cell(v) for v in cells))
    lines += ["", f"Against the baseline ({report['baseline']['kind']}):"]
    for key, value in report["finance"].items():
        lines.append(f"  {key:<{width}}  {_cell(value)}")
    return "\n".join(lines)


def _cell(value: float | None) -> str:
    return f"{'n/a':>16}" if value is None else f"{value:>16,.4f}"


def _cmd_run(args: argparse.Namespace) -> int:
    try:
        scenario = scenario_io.load(args.file)
    except ScenarioError as exc:
        _print_issues(args.file, exc, sys.stderr)
        return 1
    try:
        report = run_report(scenario, replications=args.replications)
    except ScenarioError as exc:
        _print_issues(args.file, exc, sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif args.format == "csv":
        print(pd.DataFrame(report["yearly"]).to_csv(index=False), end="")
    else:
        print(_table(report))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        try:
            scenario_io.load(path)
            print(f"{path}: ok")
        except ScenarioError as exc:
            failed += 1
            _print_issues(path, exc, sys.stdout)
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m sim``."""
    parser = argparse.ArgumentParser(prog="python -m sim", description="CRM strategy simulator")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a scenario file and print its results")
    run.add_argument("file")
    run.add_argument("--format", choices=("table", "json", "csv"), default="table")
    run.add_argument("--replications", type=int, default=None,
                     help="Monte Carlo replications (default: the scenario's; 0 = none)")
    run.set_defaults(func=_cmd_run)
    validate = sub.add_parser("validate", help="check scenario files; exit 1 listing every problem")
    validate.add_argument("files", nargs="+")
    validate.set_defaults(func=_cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    return args.func(args)
