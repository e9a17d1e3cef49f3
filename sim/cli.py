"""Command line: ``python -m sim run FILE``, ``validate FILE...``, ``compare A B ...``,
``sensitivity FILE``, ``fit retention FILE.csv`` (:mod:`sim.cli_fit`) and ``report FILE -o
OUT.html`` (:mod:`sim.cli_report`).

Exit codes (also in the README):

- 0: success;
- 1: invalid input: a scenario file that is missing, unreadable, not a regular file, too
  large or invalid (every problem listed, the first 50 per file and a count of the rest);
- 2: usage: unknown command or option, a bad option value (``--replications -1``), a wrong
  number of files;
- 3: an internal error (a bug): a one-line message asking to report it; the traceback only
  with ``--debug``.

Text from files (keys, values) is printed with control characters escaped, and paths
relative to the working folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TextIO

import pandas as pd

from sim import scenario_io
from sim.cli_fit import register_fit
from sim.cli_purchases import register_purchases, register_rfm
from sim.compare import MAX_SCENARIOS, MIN_SCENARIOS, Comparison, compare
from sim.finance import FinanceSummary
from sim.kpis import COMPARE_KPIS, FINANCE_KPIS, format_plain
from sim.report import YEARLY_COLUMNS, clean_number, run_report
from sim.scenario import Scenario, scenario_name, spec_at
from sim.scenario_io import display_path
from sim.schema import ScenarioError, printable
from sim.sensitivity import ABSOLUTE_STEPS, DEFAULT_STEP, METRICS, tornado

__all__ = ["main", "EXIT_OK", "EXIT_INVALID", "EXIT_USAGE", "EXIT_INTERNAL"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


def _print_issues(path: str, error: ScenarioError, stream: TextIO) -> None:
    print(f"{display_path(path)}: {error.total} problem(s)", file=stream)
    for issue in error.issues:
        print(f"  {issue}", file=stream)          # Issue fields are already escaped
    if error.omitted:
        print(f"  {error.more_text()} (fix these and validate again)", file=stream)


def _table(report: dict) -> str:
    yearly = pd.DataFrame(report["yearly"])[list(YEARLY_COLUMNS)]
    tenure = pd.DataFrame(report["tenure"])
    lines = [f"Scenario: {report['scenario']} ({report['currency']})", "",
             "Value of one cohort by tenure year:",
             tenure.to_string(index=False, float_format=lambda x: f"{x:,.2f}"), "",
             "Calendar years:",
             yearly.to_string(index=False, float_format=lambda x: f"{x:,.2f}"), "", "KPIs:"]
    finance = report["finance"]
    width = max(len(k) for k in (*report["kpis"], *FINANCE_KPIS))
    mc = report.get("monte_carlo", {}).get("scenario", {})
    lines.append(f"  {'':<{width}}  {'scenario':>16}  {'baseline':>16}  {'delta':>16}"
                 + (f"  {'P10':>16}  {'P90':>16}" if mc else ""))
    for key, value in report["kpis"].items():
        cells = [format_plain(key, value), format_plain(key, report["baseline"]["kpis"][key]),
                 format_plain(key, report["delta"][key], delta=True)]
        if mc:
            cells += [format_plain(key, mc[key]["p10"]), format_plain(key, mc[key]["p90"])]
        lines.append(f"  {key:<{width}}  " + "  ".join(f"{c:>16}" for c in cells))
    lines += ["", f"Against the baseline ({report['baseline']['kind']}):"]
    for key in FINANCE_KPIS:
        reason = finance.get(FinanceSummary.REASON_KEYS.get(key, ""))
        lines.append(f"  {key:<{width}}  {format_plain(key, finance[key], reason):>16}")
    notices = report.get("notices") or []
    if notices:
        lines += ["", "Notices:"] + [f"  - {printable(n['message'])}" for n in notices]
    return "\n".join(lines)


def _compare_table(result: Comparison) -> str:
    """The comparison as text: a row per scenario, a column per KPI (registry formats)."""
    long = result.kpi_table().set_index(["kpi", "scenario"])
    rows = {}
    for label in result.labels:
        rows[label] = {kpi: format_plain(kpi, clean_number(long.loc[(kpi, label), "value"]),
                                         long.loc[(kpi, label), "reason"])
                       for kpi in COMPARE_KPIS}
    for i, label in enumerate(result.labels):
        if i != result.reference:
            rows[f"Δ {label}"] = {kpi: format_plain(kpi, clean_number(
                long.loc[(kpi, label), "delta"]), delta=True) for kpi in COMPARE_KPIS}
    return pd.DataFrame(rows).T.to_string()


def _load_all(paths: list[str]) -> list[Scenario] | None:
    """Load every file, printing every problem of every invalid one; None if any failed."""
    loaded, failed = [], False
    for path in paths:
        try:
            loaded.append(scenario_io.load(path))
        except ScenarioError as exc:
            failed = True
            _print_issues(path, exc, sys.stderr)
    return None if failed else loaded


def _cmd_run(args: argparse.Namespace) -> int:
    loaded = _load_all([args.file])
    if loaded is None:
        return 1
    scenario = loaded[0]
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


def _cmd_compare(args: argparse.Namespace) -> int:
    if not MIN_SCENARIOS <= len(args.files) <= MAX_SCENARIOS:
        print(f"compare takes {MIN_SCENARIOS} to {MAX_SCENARIOS} files, got {len(args.files)}",
              file=sys.stderr)
        return 2
    reference = 0
    if args.reference is not None:
        if args.reference not in args.files:
            print(f"--reference {printable(args.reference)} is not one of the compared files",
                  file=sys.stderr)
            return 2
        reference = args.files.index(args.reference)
    scenarios = _load_all(args.files)
    if scenarios is None:
        return 1
    try:
        result = compare(scenarios, reference)
    except ScenarioError as exc:
        _print_issues(args.files[reference], exc, sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(result.report(), indent=2, ensure_ascii=False))
    elif args.format == "csv":
        print(result.kpi_table().to_csv(index=False), end="")
    else:
        print(f"Reference: {result.labels[reference]}\n")
        print(_compare_table(result))
        differs = result.differences()
        print(f"\nWhat differs ({len(differs)} fields):")
        print(differs.to_string(index=False) if len(differs) else "  nothing")
    return 0


def _sensitivity_text(frame: pd.DataFrame, name: str, step: float, order: str) -> str:
    """The tornado as a table with a header saying how each lever moved and what the
    elasticity is."""
    absolute = frame[frame["step_kind"] == "absolute"]
    moves = ", ".join(f"{row.field} ±{row.step:g} {row.unit}" for row in absolute.itertuples())
    rates = frame[frame["elasticity_basis"] == "rate"]
    lines = [f"Scenario: {name}",
             f"Each lever moved by ±{step:.0%} of its value"
             + (f"; absolute steps (value 0 or a rate shift): {moves}" if moves else "")
             + "; clipped to the allowed range.",
             "Elasticity: point elasticity at the current value, (ΔNPV/|NPV|)/(Δx/x) over the "
             "low and high runs; per_unit: ΔNPV/Δx (currency per field unit)."]
    for row in rates.itertuples():
        lines.append(f"{row.field}: elasticity with respect to the mean renewal rate it shifts "
                     f"(r̄ = {row.basis_value:.2f} %).")
    undefined = frame[frame["elasticity_basis"] == "none"]["field"]
    if len(undefined):
        lines.append("No elasticity (value 0; see per_unit): " + ", ".join(undefined))
    lines.append("Sorted by " + ("|NPV elasticity|" if order == "elasticity" else "NPV swing")
                 + ".\n")
    columns = ["field", "value", "low_value", "high_value", "npv_low", "npv_high",
               "npv_swing", "npv_elasticity", "npv_per_unit", "clv_net_elasticity"]
    lines.append(frame[columns].to_string(index=False, na_rep="n/a",
                                          float_format=lambda x: f"{x:,.4f}"))
    return "\n".join(lines)


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    scenarios = _load_all([args.file])
    if scenarios is None:
        return 1
    if not 0 < args.step <= 1:
        print(f"--step must be in (0, 1], got {args.step}", file=sys.stderr)
        return 2
    try:
        frame = tornado(scenarios[0], args.step, args.sort)
    except ScenarioError as exc:
        _print_issues(args.file, exc, sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps({"scenario": scenario_name(scenarios[0], "en"), "step": args.step,
                          "sort": args.sort,
                          "metrics": list(METRICS), "absolute_steps": ABSOLUTE_STEPS,
                          "elasticity": "point elasticity at the current value: "
                                        "((m_high - m_low)/|m_base|)/((x_high - x_low)/x); "
                                        "x is the rate shifted for basis 'rate', undefined "
                                        "(null) for basis 'none'",
                          "levers": [{k: clean_number(v) for k, v in row.items()}
                                     for row in frame.to_dict(orient="records")]},
                         indent=2, ensure_ascii=False))
    elif args.format == "csv":
        print(frame.to_csv(index=False), end="")
    else:
        print(_sensitivity_text(frame, scenario_name(scenarios[0], "en"), args.step, args.sort))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        try:
            scenario_io.load(path)
            print(f"{display_path(path)}: ok")
        except ScenarioError as exc:
            failed += 1
            _print_issues(path, exc, sys.stdout)
    return 1 if failed else 0


def _replications(text: str) -> int:
    """``--replications``: a whole number from 0 (none) to the schema's maximum."""
    most = int(spec_at("monte_carlo.replications").maximum or 0)
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {most}, "
                                         f"got {printable(text)!r}") from None
    if not 0 <= value <= most:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {most}, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m sim``."""
    parser = argparse.ArgumentParser(
        prog="python -m sim", description="CRM strategy simulator",
        epilog="exit codes: 0 ok, 1 invalid input (every problem listed), 2 usage, "
               "3 internal error (please report it; --debug shows the traceback)")
    parser.add_argument("--debug", action="store_true", default=False,
                        help="on an internal error, print the traceback")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="on an internal error, print the traceback")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a scenario file and print its results",
                         parents=[common])
    run.add_argument("file")
    run.add_argument("--format", choices=("table", "json", "csv"), default="table")
    run.add_argument("--replications", type=_replications, default=None,
                     help="Monte Carlo replications (default: the scenario's; 0 = none)")
    run.set_defaults(func=_cmd_run)
    validate = sub.add_parser("validate", help="check scenario files; exit 1 listing every problem",
                              parents=[common])
    validate.add_argument("files", nargs="+")
    validate.set_defaults(func=_cmd_validate)
    comp = sub.add_parser("compare", help=f"compare {MIN_SCENARIOS}-{MAX_SCENARIOS} scenario files",
                          parents=[common])
    comp.add_argument("files", nargs="+")
    comp.add_argument("--reference", default=None,
                      help="the file deltas are measured against (default: the first)")
    comp.add_argument("--format", choices=("table", "json", "csv"), default="table")
    comp.set_defaults(func=_cmd_compare)
    sens = sub.add_parser("sensitivity", help="tornado: NPV and CLV with each lever moved ±step, "
                                              "with elasticities", parents=[common])
    sens.add_argument("file")
    sens.add_argument("--step", type=float, default=DEFAULT_STEP,
                      help=f"relative step (default {DEFAULT_STEP}); levers at 0 and rate "
                           "shifts move by an absolute step in their unit")
    sens.add_argument("--sort", choices=("elasticity", "swing"), default="elasticity",
                      help="rank by |NPV elasticity| (default) or by NPV swing")
    sens.add_argument("--format", choices=("table", "json", "csv"), default="table")
    sens.set_defaults(func=_cmd_sensitivity)
    # `fit retention` (sim.cli_fit); further fits are added to fit_sub below
    fit_sub = register_fit(sub, common)  # noqa: F841
    # `fit purchases` and `rfm` (sim.cli_purchases): transaction logs, issue 13 item 3
    register_purchases(fit_sub, common)
    register_rfm(sub, common)
    # `optimise` (sim.cli_optimise): customer-equity test and whole-model optimiser, issue 14
    from sim.cli_optimise import register_optimise
    register_optimise(sub, common)
    # `service` and `queue` (sim.cli_service): the contact centre's event engine, issue 15
    from sim.cli_service import register_service
    register_service(sub, common)
    # `report` (sim.cli_report): the one-page HTML report, issue 16
    from sim.cli_report import register_report
    register_report(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 invalid input, 3 internal error).

    Usage errors exit through argparse (``SystemExit(2)``).
    """
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:             # e.g. piped into `head`: not an error of ours
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return EXIT_OK
    except Exception as exc:            # a bug: one line, no traceback unless asked
        if getattr(args, "debug", False):
            traceback.print_exc(file=sys.stderr)
        detail = printable(str(exc))
        detail = detail if len(detail) <= 160 else detail[:157] + "..."
        print(f"internal error in 'python -m sim {args.command}' ({type(exc).__name__}: "
              f"{detail}); this is a bug, please report it with the command and the scenario "
              "file" + ("" if getattr(args, "debug", False)
                        else " (run again with --debug for the traceback)"), file=sys.stderr)
        return EXIT_INTERNAL
