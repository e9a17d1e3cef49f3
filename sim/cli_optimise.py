"""``python -m sim optimise FILE.toml [--budget X] [--format table|json]`` (issue 14).

Runs the Blattberg-Deighton customer-equity test when the scenario has an
``[equity_test]`` section (:mod:`sim.equity_test`) and, on any scenario, the whole-model
optimiser (:mod:`sim.optimise`). The JSON has ``equity_test`` (with the section:
``acquisition_spend``, ``retention_spend``, ``acquisition_rate``, ``retention_rate``,
``customer_value``, ``equity_per_prospect``, ``marginal_acquisition_cost``,
``marginal_retention_cost``, ``average_cost_ratio``), ``optimum`` (the levers and their
values), ``npv_gain``, ``roi``, ``runner_up``, ``flat_region`` and the rest of
:meth:`sim.optimise.OptimiseResult.as_dict`. Exit codes as every command: 0 ok, 1 invalid
input (the file, or a budget below every fixed cost), 2 usage (``--budget`` not a number
from 0 to 1e9).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from sim import scenario_io
from sim.equity_test import EquityTestResult, equity_test_of
from sim.optimise import OptimiseResult, optimise
from sim.scenario import MONEY_MAX, scenario_name
from sim.scenario_io import display_path
from sim.schema import ScenarioError, printable

__all__ = ["register_optimise", "equity_test_text", "optimise_text", "optimise_report"]


def _budget(text: str) -> float:
    """``--budget``: a finite number of currency per year from 0 to the schema's money cap."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to {MONEY_MAX:g} (currency "
                                         f"per year), got {printable(text)!r}") from None
    if not (math.isfinite(value) and 0 <= value <= MONEY_MAX):
        raise argparse.ArgumentTypeError(f"must be a number from 0 to {MONEY_MAX:g} (currency "
                                         f"per year), got {printable(text)}")
    return value


def _money(value: float | None, decimals: int = 2) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:,.{decimals}f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value * 100:.1f} %"


def _years(value: float | None) -> str:
    return f"{_money(value, 1)} years"


def _or_reason(show: Any, value: float | None, reason: str | None) -> str:
    return show(value) if value is not None else f"n/a ({reason})"


def equity_test_text(result: EquityTestResult, currency: str) -> str:
    """The equity test as text: the observed plan beside the optimum, then the checks."""
    c, o = result.current, result.optimum
    rows = [("acquisition spend A (per prospect)", _money(c.acquisition_spend),
             _money(o.acquisition_spend)),
            ("acquisition rate a(A)", _pct(c.acquisition_rate), _pct(o.acquisition_rate)),
            ("retention spend R (per customer-period)", _money(c.retention_spend),
             _money(o.retention_spend)),
            ("retention rate r(R)", _pct(c.retention_rate), _pct(o.retention_rate)),
            ("customer value V(R)", _money(c.customer_value), _money(o.customer_value)),
            ("customer equity per prospect CE", _money(c.equity_per_prospect),
             _money(o.equity_per_prospect)),
            ("average acquisition cost A/a", _money(c.average_acquisition_cost),
             _money(o.average_acquisition_cost)),
            ("average retention cost R/r", _money(c.average_retention_cost),
             _money(o.average_retention_cost)),
            ("average cost ratio (A/a)/(R/r)", _money(c.average_cost_ratio),
             _money(o.average_cost_ratio))]
    width = max(len(r[0]) for r in rows)
    lines = [f"Customer-equity test (Blattberg-Deighton), {currency}:",
             f"  {'':<{width}}  {'observed plan':>14}  {'optimum':>14}"]
    lines += [f"  {name:<{width}}  {now:>14}  {best:>14}" for name, now, best in rows]
    gap_a, gap_r = result.value_gaps
    v = o.customer_value
    lines.append("Check at the optimum (Pfeifer: both marginal costs equal the customer value):")
    corner = "  [corner: {} = 0, the first unit of {} spend does not pay]"
    lines.append("  marginal cost of acquiring a customer 1/a'(A*) = "
                 f"{result.marginal_acquisition_cost:,.6f} (− V(R*) = {gap_a:+.2e})"
                 + ("" if result.interior_acquisition else corner.format("A*", "acquisition")))
    lines.append("  marginal cost of retaining a customer  1/r'(R*) = "
                 f"{result.marginal_retention_cost:,.6f} (− V(R*) = {gap_r:+.2e})"
                 + ("" if result.interior_retention else corner.format("R*", "retention")))
    lines.append(f"  customer value V(R*) = {v:,.6f}")
    lines.append(f"  numerical maximum of CE: A = {result.numerical_acquisition_spend:,.6f}, "
                 f"R = {result.numerical_retention_spend:,.6f} (largest relative gap to the "
                 f"closed form {result.numerical_gap:.1e})")
    return "\n".join(lines)


def _lever_rows(result: OptimiseResult) -> list[tuple[str, str, str, str]]:
    plans = [result.current.plan.levers(), result.optimum.plan.levers(),
             {} if result.runner_up is None else result.runner_up.plan.levers()]
    keys = list(dict.fromkeys(k for levers in plans for k in levers))

    def show(levers: dict[str, Any], key: str) -> str:
        if key not in levers:
            return "" if key.endswith("enrolment_share") else "n/a"
        value = levers[key]
        if isinstance(value, bool):
            return "on" if value else "off"
        if key.endswith("enrolment_share"):
            return _pct(value)
        return _money(value, 2 if key == "retention_spend.spend" else 0)

    return [(key, *(show(levers, key) for levers in plans)) for key in keys]  # type: ignore[misc]


def optimise_text(result: OptimiseResult) -> str:
    """The whole-model optimiser's answer as text."""
    cur = result.scenario.currency
    kind = result.scenario.baseline.kind
    lines = [f"Whole-model optimiser: NPV gain against the baseline ({kind}: "
             f"{printable(scenario_name(result.reference, 'en'))})"
             + (f", within a budget of {_money(result.budget, 0)} {cur} a year"
                if result.budget is not None else "") + ":"]
    rows = _lever_rows(result)
    rows.append(("NPV gain", _money(result.current.npv_gain, 0), _money(result.optimum.npv_gain, 0),
                 "" if result.runner_up is None else _money(result.runner_up.npv_gain, 0)))
    rows.append(("spend per year (acquisition + programmes"
                 + (" + retention)" if result.optimum.plan.retention_spend is not None else ")"),
                 _money(result.current.spend_per_year, 0), _money(result.optimum.spend_per_year, 0),
                 "" if result.runner_up is None else _money(result.runner_up.spend_per_year, 0)))
    width = max(len(r[0]) for r in rows)
    lines.append(f"  {'':<{width}}  {'loaded plan':>14}  {'optimum':>14}  {'runner-up':>14}")
    lines += [f"  {a:<{width}}  {b:>14}  {c:>14}  {d:>14}" for a, b, c, d in rows]
    fin, spend = result.finance, result.spend
    lines.append(f"Optimum: NPV gain {_money(result.optimum.npv_gain, 0)} {cur}, "
                 f"ROI {_or_reason(_pct, fin.roi, fin.roi_reason)}, "
                 f"payback {_or_reason(_years, fin.payback_years, fin.payback_reason)}, "
                 "discounted payback " + _or_reason(_years, fin.discounted_payback_years,
                                                    fin.discounted_payback_reason) + ".")
    share = spend.acquisition_share
    lines.append(f"  Yearly spend: acquisition {_money(spend.acquisition, 0)}, programmes "
                 f"{_money(spend.programmes, 0)} (average), "
                 + (f"retention spend {_money(spend.retention, 0)}, "
                    if result.optimum.plan.retention_spend is not None else "")
                 + f"total {_money(spend.total, 0)} {cur}"
                 + ("" if share is None else f"; {share * 100:.0f} % to acquisition") + ".")
    if result.band is not None:
        b = result.band
        lines.append(f"  Monte Carlo ({b.replications} replications, common random numbers): "
                     f"NPV gain P10 {_money(b.p10, 0)}, P50 {_money(b.p50, 0)}, "
                     f"P90 {_money(b.p90, 0)} {cur}.")
    own = result.own_finance
    lines.append(f"  Once applied, against its own baseline ({kind}): NPV gain "
                 f"{_money(own.npv_delta, 0)} {cur}, "
                 f"ROI {_or_reason(_pct, own.roi, own.roi_reason)}.")
    flat = result.flat_region
    budget = flat.budget_range()
    lines.append(f"Flat region: {len(flat.candidates)} of {result.evaluations} plans evaluated "
                 f"are within 1 % ({_money(flat.tolerance, 0)} {cur}) of the best gain"
                 + ("" if budget is None else
                    f"; budgets {_money(budget[0], 0)} to {_money(budget[1], 0)}") + ".")
    for kind_, (low, high) in flat.enrolment_ranges().items():
        lines.append(f"  {kind_} enrolment {_pct(low)} to {_pct(high)}")
    lines.append("  portfolios: " + "; ".join(", ".join(p) or "no programme"
                                              for p in flat.portfolios()))
    if result.notes:
        lines.append("Notes: " + ", ".join(result.notes))
    return "\n".join(lines)


def optimise_report(equity: EquityTestResult | None, result: OptimiseResult) -> dict[str, Any]:
    """The command's JSON object: ``equity_test`` (with the section) then the optimiser's."""
    out: dict[str, Any] = {}
    if equity is not None:
        out["equity_test"] = equity.as_dict()
    out.update(result.as_dict())
    return out


def _print_issues(path: str, error: ScenarioError) -> None:
    print(f"{display_path(path)}: {error.total} problem(s)", file=sys.stderr)
    for issue in error.issues:
        print(f"  {issue}", file=sys.stderr)
    if error.omitted:
        print(f"  {error.more_text()} (fix these and run again)", file=sys.stderr)


def _cmd_optimise(args: argparse.Namespace) -> int:
    try:
        scenario = scenario_io.load(args.file)
    except ScenarioError as exc:
        _print_issues(args.file, exc)
        return 1
    try:
        equity = equity_test_of(scenario)
        result = optimise(scenario, args.budget, replications=args.replications)
    except ScenarioError as exc:
        _print_issues(args.file, exc)
        return 1
    if args.format == "json":
        print(json.dumps(optimise_report(equity, result), indent=2, ensure_ascii=False))
    else:
        parts = [f"Scenario: {printable(scenario_name(scenario, 'en'))} ({scenario.currency})"]
        if equity is not None:
            parts.append(equity_test_text(equity, scenario.currency))
        parts.append(optimise_text(result))
        print("\n\n".join(parts))
    return 0


def register_optimise(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add ``optimise`` to the sub-parsers ``sub`` (``common``: the shared ``--debug``)."""
    from sim.cli import _replications  # the run command's check; sim.cli calls this function
    cmd = sub.add_parser("optimise", parents=[common],
                         help="customer-equity test ([equity_test]) and the plan of acquisition "
                              "budget and programmes with the highest NPV gain")
    cmd.add_argument("file")
    cmd.add_argument("--budget", type=_budget, default=None,
                     help="cap on the yearly spend of the levers: acquisition budget + "
                          "programme costs (currency/year; default: no cap)")
    cmd.add_argument("--format", choices=("table", "json"), default="table")
    cmd.add_argument("--replications", type=_replications, default=None,
                     help="Monte Carlo replications of the optimum (default: the scenario's; "
                          "0 = no band)")
    cmd.set_defaults(func=_cmd_optimise)
    return cmd
