"""Command line of the transaction-log analyses: ``python -m sim fit purchases FILE.csv …`` and
``python -m sim rfm FILE.csv --as-of DATE …`` (issue 13 item 3).

:func:`register_purchases` adds ``purchases`` to the ``fit`` group of :mod:`sim.cli_fit`;
:func:`register_rfm` adds ``rfm`` to ``python -m sim``. Exit codes as in :mod:`sim.cli`: 0 ok;
1 invalid input (a file that is missing, unreadable, too large or invalid, weights that do
not add up to 100, a fit that does not converge: every problem listed with its row or
column); 2 usage (argparse; an option that does not apply, e.g. ``--calibration-end`` with
``--summary``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np
import pandas as pd

from sim.cli_fit import read_data_path
from sim.cli_write_scenario import add_write_scenario_arguments, write_fitted_scenario
from sim.data_scenario import log_economics
from sim.datafile import DataFileError
from sim.purchase_models import (
    TIME_UNITS,
    BGNBDFit,
    GammaGammaFit,
    customer_predictions,
    fit_bgnbd,
    fit_gamma_gamma,
    read_summary,
    summary_from_log,
)
from sim.report import clean_number, records
from sim.retention_fit import fit_retention
from sim.schema import ScenarioError
from sim.transactions import (
    MAX_SPEC_BYTES,
    PERIODS,
    TierSpec,
    cohort_activity,
    parse_day,
    parse_tier_spec,
    read_transactions,
    rfm_table,
    segment_summary,
    tier_summary,
    weighted_tiers,
)

__all__ = ["register_purchases", "register_rfm", "purchases_report", "rfm_report"]

DEFAULT_COLUMNS = {"customer": "customer_id", "date": "date", "amount": "amount"}
_PER_YEAR = {unit: 365.25 / days for unit, days in TIME_UNITS.items()}


def _add_log_options(parser: argparse.ArgumentParser) -> None:
    for key, default in DEFAULT_COLUMNS.items():
        parser.add_argument(f"--{key}", default=None, metavar="COL",
                            help=f"the {key} column of the transaction log (default {default})")
    parser.add_argument("--date-format", default=None, metavar="FMT",
                        help="strptime pattern of the dates, e.g. %%d/%%m/%%Y or %%Y%%m%%d "
                             "(default ISO 8601, YYYY-MM-DD)")


def _read_log(args: argparse.Namespace) -> Any:
    customer, day, amount = (getattr(args, key) or default
                             for key, default in DEFAULT_COLUMNS.items())
    return read_transactions(read_data_path(args.file), customer, day, amount,
                             date_format=args.date_format)


def purchases_report(summary: pd.DataFrame, bgnbd: BGNBDFit, gamma_gamma: GammaGammaFit | None,
                     time_unit: str, horizon: float) -> dict[str, Any]:
    """The JSON of ``fit purchases``: ``bgnbd`` (``r``, ``alpha``, ``a``, ``b``,
    ``log_likelihood``, ``customers``, ``iterations``), with spend ``gamma_gamma`` (``p``,
    ``q``, ``gamma``, ``log_likelihood``, ``customers``, ``excluded``, ``mean_spend``), and
    ``forecast`` over the next ``horizon`` time units: ``mean_p_alive``,
    ``expected_purchases`` (all customers), ``expected_purchases_per_customer`` and, with
    spend, ``expected_value`` (undiscounted, currency)."""
    m = bgnbd.model
    report: dict[str, Any] = {
        "time_unit": time_unit,
        "customers": len(summary),
        "repeat_buyers": int((summary["frequency"] > 0).sum()),
        "bgnbd": {"r": m.r, "alpha": m.alpha, "a": m.a, "b": m.b,
                  "log_likelihood": bgnbd.log_likelihood, "customers": bgnbd.customers,
                  "iterations": bgnbd.iterations},
    }
    if gamma_gamma is not None:
        g = gamma_gamma.model
        report["gamma_gamma"] = {"p": g.p, "q": g.q, "gamma": g.gamma,
                                 "log_likelihood": gamma_gamma.log_likelihood,
                                 "customers": gamma_gamma.customers,
                                 "excluded": gamma_gamma.excluded,
                                 "mean_spend": clean_number(g.mean_spend)}
    pred = customer_predictions(summary, m, horizon,
                                None if gamma_gamma is None else gamma_gamma.model)
    forecast: dict[str, Any] = {
        "horizon": horizon,
        "mean_p_alive": float(pred["p_alive"].mean()),
        "expected_purchases": float(pred["expected_purchases"].sum()),
        "expected_purchases_per_customer": float(pred["expected_purchases"].mean()),
    }
    if "expected_value" in pred.columns:
        forecast["expected_value"] = clean_number(float(pred["expected_value"].sum()))
    report["forecast"] = forecast
    return report


def _purchases_table(report: dict[str, Any], shown: str, source: str) -> str:
    unit = report["time_unit"]
    bg = report["bgnbd"]
    lines = [f"File {shown} ({source}): {report['customers']:,} customers, "
             f"{report['repeat_buyers']:,} with repeat purchases; time unit: {unit}", "",
             "BG/NBD (Fader, Hardie & Lee 2005), maximum likelihood:",
             f"  r      {bg['r']:10.4f}   purchase rate ~ Gamma(r, alpha) per {unit}",
             f"  alpha  {bg['alpha']:10.4f}",
             f"  a      {bg['a']:10.4f}   dropout after a purchase ~ Beta(a, b)",
             f"  b      {bg['b']:10.4f}",
             f"  log-likelihood {bg['log_likelihood']:,.3f}"]
    gg = report.get("gamma_gamma")
    if gg:
        mean = gg["mean_spend"]
        lines += ["", f"Gamma-Gamma spend per purchase ({gg['customers']:,} repeat buyers"
                      + (f", {gg['excluded']:,} with zero spend left out" if gg["excluded"]
                         else "") + "):",
                  f"  p      {gg['p']:10.4f}",
                  f"  q      {gg['q']:10.4f}",
                  f"  gamma  {gg['gamma']:10.4f}",
                  f"  log-likelihood {gg['log_likelihood']:,.3f}",
                  "  mean spend per purchase: "
                  + ("n/a (q <= 1)" if mean is None else f"{mean:,.2f}")]
    fc = report["forecast"]
    lines += ["", f"Next {fc['horizon']:g} {unit}s: mean P(alive) {fc['mean_p_alive']:.3f}, "
                  f"expected purchases {fc['expected_purchases']:,.1f} "
                  f"({fc['expected_purchases_per_customer']:.3f} per customer)"
              + (f", expected spend {fc['expected_value']:,.2f} (undiscounted)"
                 if fc.get("expected_value") is not None else "")]
    return "\n".join(lines)


def _cmd_fit_purchases(args: argparse.Namespace) -> int:
    from sim.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, _print_issues  # import cycle
    from sim.scenario_io import display_path

    if args.summary:
        unused = [f"--{k.replace('_', '-')}" for k in ("calibration_end", *DEFAULT_COLUMNS,
                                                       "date_format")
                  if getattr(args, k) is not None]
        if unused:
            print(f"{', '.join(unused)}: not used with --summary (the table is already per "
                  "customer, in its own time unit)", file=sys.stderr)
            return EXIT_USAGE
    horizon = args.horizon if args.horizon is not None else round(_PER_YEAR[args.time_unit], 2)
    end = None
    try:
        if args.summary:
            summary = read_summary(read_data_path(args.file))
            source = "per-customer summary"
        else:
            log = _read_log(args)
            end = (parse_day(args.calibration_end, "--calibration-end")
                   if args.calibration_end else log.purchases["date"].max())
            summary = summary_from_log(log, end, args.time_unit)
            source = "transaction log"
        bgnbd = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
        gamma_gamma = (fit_gamma_gamma(summary["frequency"], summary["monetary_value"])
                       if "monetary_value" in summary.columns else None)
    except ScenarioError as exc:
        _print_issues(args.file, exc, sys.stderr)
        return EXIT_INVALID
    if args.write_scenario is not None and args.summary:
        print("--write-scenario: needs a transaction log, not --summary (a summary has no "
              "dates for acquisition and spend)", file=sys.stderr)
        return EXIT_USAGE
    if args.write_scenario is not None:
        try:
            economics = log_economics(log, end)
            activity = cohort_activity(log, "year", end)
        except ScenarioError as exc:
            _print_issues(args.file, exc, sys.stderr)
            return EXIT_INVALID
        try:
            retention: dict[str, Any] = {"fit": fit_retention(activity, "sbg")}
        except DataFileError:           # no sBG fit: the activity table itself
            retention = {"table": activity}
        written = write_fitted_scenario(args, economics=economics, **retention)
        if written is not None:
            return written
    report = purchases_report(summary, bgnbd, gamma_gamma, args.time_unit, horizon)
    report = {"file": display_path(args.file),
              "source": "summary" if args.summary else "transactions",
              "calibration_end": None if end is None else str(end.date()), **report}
    if args.format == "json":
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(_purchases_table(report, display_path(args.file), source))
    return EXIT_OK


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number above 0, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number above 0, got {text}")
    return value


def register_purchases(fit_sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``purchases`` (BG/NBD and Gamma-Gamma) to the ``fit`` group's sub-parsers."""
    pur = fit_sub.add_parser(
        "purchases", parents=[common],
        help="fit BG/NBD (purchases) and Gamma-Gamma (spend) to a transaction log",
        description="FILE.csv: a transaction log (one row per purchase: customer, date, "
                    "amount; rows of one customer on one day are one purchase) or, with "
                    "--summary, a per-customer table customer_id,frequency,recency,T"
                    "[,monetary_value] (frequency = repeat purchases, recency = time from the "
                    "first to the last purchase, T = time from the first purchase to the end "
                    "of the calibration period, monetary_value = mean repeat spend).")
    pur.add_argument("file")
    pur.add_argument("--summary", action="store_true",
                     help="FILE.csv is a per-customer summary, not a transaction log")
    pur.add_argument("--calibration-end", default=None, metavar="DATE",
                     help="fit on the purchases up to DATE (default: the last purchase)")
    pur.add_argument("--time-unit", choices=tuple(TIME_UNITS), default="week",
                     help="time unit of the model (default week; a month is 365.25/12 days)")
    pur.add_argument("--horizon", type=_positive, default=None, metavar="N",
                     help="forecast horizon in time units (default: one year)")
    _add_log_options(pur)
    pur.add_argument("--format", choices=("table", "json"), default="table")
    add_write_scenario_arguments(pur)
    pur.set_defaults(func=_cmd_fit_purchases)


def _read_spec(path: str) -> TierSpec:
    return parse_tier_spec(read_data_path(path, max_bytes=MAX_SPEC_BYTES))


def rfm_report(rfm: pd.DataFrame, as_of: pd.Timestamp, tiered: pd.DataFrame | None,
               spec: TierSpec | None) -> dict[str, Any]:
    """The JSON of ``rfm``: ``as_of``, ``customers``, ``segments``
    (:func:`sim.transactions.segment_summary` rows) and, with weights, ``weights``,
    ``tiers`` (:func:`sim.transactions.tier_summary` rows) and, with a stage column,
    ``tier_stage`` (tier x stage rows)."""
    report: dict[str, Any] = {"as_of": str(as_of.date()), "customers": len(rfm),
                              "segments": records(segment_summary(rfm))}
    if tiered is not None and spec is not None:
        report["weights"] = dict(spec.weights)
        report["scale"] = spec.scale
        report["cuts"] = list(spec.cuts)
        report["tiers"] = records(tier_summary(tiered))
        if spec.stage_column:
            report["stage_column"] = spec.stage_column
            report["tier_stage"] = records(tier_summary(tiered, spec.stage_column))
    return report


def _rfm_text(rfm: pd.DataFrame, report: dict[str, Any], shown: str,
              tiered: pd.DataFrame | None, spec: TierSpec | None) -> str:
    money = {"float_format": lambda x: f"{x:,.2f}"}
    segments = segment_summary(rfm)
    lines = [f"File {shown}: {len(rfm):,} customers at {report['as_of']}", "",
             "RFM segments (R and F scores 1-5 by quintile; codes, best first):",
             segments.to_string(index=False, na_rep="", **money)]
    if tiered is not None and spec is not None:
        weights = ", ".join(f"{k} {v:g}" for k, v in spec.weights.items())
        cuts = "/".join(f"{c:g}" for c in spec.cuts)
        lines += ["", f"Tiers (points: {weights}; {spec.scale} scaling; cut-offs {cuts}):",
                  tier_summary(tiered).to_string(index=False, **money)]
        if spec.stage_column:
            cross = tier_summary(tiered, spec.stage_column).pivot(
                index="tier", columns="stage", values="customers")
            cross.columns = [c or "(blank)" for c in cross.columns]
            cross["total"] = cross.sum(axis=1)
            lines += ["", f"Customers by tier and {spec.stage_column}:", cross.to_string()]
    return "\n".join(lines)


def _cmd_rfm(args: argparse.Namespace) -> int:
    from sim.cli import EXIT_INVALID, EXIT_OK, _print_issues  # import cycle
    from sim.scenario_io import display_path

    spec = None
    if args.weights:
        try:
            spec = _read_spec(args.weights)
        except ScenarioError as exc:
            _print_issues(args.weights, exc, sys.stderr)
            return EXIT_INVALID
    try:
        as_of = parse_day(args.as_of, "--as-of")
        rfm = rfm_table(_read_log(args), as_of, args.cohort_period)
    except ScenarioError as exc:
        _print_issues(args.file, exc, sys.stderr)
        return EXIT_INVALID
    tiered = None
    if spec is not None:
        try:
            tiered = weighted_tiers(rfm, spec.weights, spec.stage_column, levels=spec.levels,
                                    scale=spec.scale, cuts=spec.cuts)
        except DataFileError as exc:
            _print_issues(args.weights, exc, sys.stderr)
            return EXIT_INVALID
    if args.format == "csv":
        table = (tiered if tiered is not None else rfm).reset_index()
        for column in ("first_purchase", "last_purchase"):
            table[column] = table[column].dt.strftime("%Y-%m-%d")
        print(table.to_csv(index=False, float_format=_csv_float), end="")
        return EXIT_OK
    report = rfm_report(rfm, as_of, tiered, spec)
    if args.format == "json":
        print(json.dumps({"file": display_path(args.file), **report}, indent=2,
                         ensure_ascii=False))
    else:
        print(_rfm_text(rfm, report, display_path(args.file), tiered, spec))
    return EXIT_OK


def _csv_float(value: float) -> str:
    return repr(float(value)) if np.isfinite(value) else ""


def register_rfm(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``rfm`` (RFM segments and, with ``--weights``, weighted tiers) to ``python -m sim``."""
    rfm = sub.add_parser(
        "rfm", parents=[common],
        help="RFM scores and segments of a transaction log, and weighted customer tiers",
        description="FILE.csv: one row per purchase (customer, date, amount; other columns "
                    "are customer attributes, e.g. a stage). --weights FILE.toml splits 100 "
                    "points over attributes: [weights] monetary = 50 ..., [levels.COLUMN] for "
                    "text columns, optional stage_column, scale (rank|minmax), cuts. "
                    "--format csv prints one row per customer; table and json the segment "
                    "and tier summaries.")
    rfm.add_argument("file")
    rfm.add_argument("--as-of", required=True, metavar="DATE",
                     help="observation date (YYYY-MM-DD): recency is counted to it, later "
                          "purchases are ignored")
    rfm.add_argument("--weights", default=None, metavar="FILE.toml",
                     help="weighted scoring into tiers A-E (points summing to 100)")
    rfm.add_argument("--cohort-period", choices=PERIODS, default="year",
                     help="period of the cohort label (default year)")
    _add_log_options(rfm)
    rfm.add_argument("--format", choices=("table", "json", "csv"), default="table")
    rfm.set_defaults(func=_cmd_rfm)
