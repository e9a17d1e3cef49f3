"""Command line of the fits from data: ``python -m sim fit retention FILE.csv …``.

:func:`register_fit` adds the ``fit`` command group to ``python -m sim`` and returns its
sub-parsers, so other fits (``fit purchases``) are added beside ``retention``. Exit codes
as in :mod:`sim.cli`: 0 ok; 1 invalid input (a data file that is missing, unreadable, too
large or invalid, or a fit that does not converge: every problem listed with its row or
column); 2 usage (argparse: an unknown option, ``--holdout 0``).
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from typing import Any

import pandas as pd

from sim.cli_write_scenario import add_write_scenario_arguments, write_fitted_scenario
from sim.datafile import MAX_DATA_BYTES, DataFileError
from sim.retention_fit import MODELS, RetentionFit, fit_retention, read_survivor_csv
from sim.schema import Issue, ScenarioError, printable

__all__ = ["register_fit", "read_data_path", "fit_retention_report"]

_MODEL_NAMES = {"sbg": "shifted-beta-geometric (sBG)", "bdw": "beta-discrete-Weibull (BdW)"}


def read_data_path(path: str, max_bytes: int = MAX_DATA_BYTES) -> bytes:
    """The bytes of the data file at ``path``: a regular file of at most ``max_bytes``
    (devices, FIFOs and folders refused before opening; at most ``max_bytes`` + 1 read, so
    :func:`sim.datafile.read_csv_bytes` reports an oversized file).

    Raises:
        DataFileError: missing, unreadable, not a regular file, or over ``max_bytes``.
    """
    shown = printable(path)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise DataFileError([Issue("file", "rule", "a CSV file", f"{shown} is {kind}")])
        if info.st_size > max_bytes:
            raise DataFileError([Issue("file", "size", f"at most {max_bytes:,} bytes",
                                       f"{info.st_size:,} bytes")])
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise DataFileError([Issue("file", "rule", "a CSV file",
                                           f"{shown} is not a regular file")])
            return fh.read(max_bytes + 1)
    except OSError as exc:
        raise DataFileError([Issue("file", "rule", "check the file name",
                                   f"cannot read {shown}: {exc.strerror or exc}")]) from None


def fit_retention_report(fit: RetentionFit) -> dict[str, Any]:
    """The JSON of ``fit retention``: :meth:`RetentionFit.as_dict` (``model``, ``params``,
    ``log_likelihood``, ``aic``, ``intervals``, ``standard_errors``, ``converged``, …,
    ``holdout``) plus ``curve``: per period 0..n, ``survival`` S(t) and ``renewal`` r(t)
    (null at period 0)."""
    report = fit.as_dict()
    survival = fit.survival()
    renewal = [None, *map(float, fit.renewal())]
    report["curve"] = [{"period": t, "survival": float(s), "renewal": r}
                       for t, (s, r) in enumerate(zip(survival, renewal, strict=True))]
    return report


def _fit_table(fit: RetentionFit, shown: str) -> str:
    lines = [f"File {shown}: {fit.cohorts} cohort(s), {fit.customers:,.0f} customers at "
             f"period 0, periods 0-{fit.periods} fitted",
             f"Model: {_MODEL_NAMES[fit.model]}, maximum likelihood", ""]
    level = f"{fit.interval_level:.0%}".replace("%", " %")
    rows = [{"parameter": k, "estimate": v, "std_error": fit.standard_errors[k],
             f"low ({level})": fit.intervals[k][0], f"high ({level})": fit.intervals[k][1]}
            for k, v in fit.params.items()]
    lines.append(pd.DataFrame(rows).to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    lines += ["", f"Log-likelihood: {fit.log_likelihood:.3f}   AIC: {fit.aic:.3f}",
              f"Intervals: Wald on the log scale (inverse Hessian), {level}.", "",
              "Fitted curve (survival S(t), renewal r(t) = S(t)/S(t-1)):"]
    curve = pd.DataFrame({"period": range(fit.periods + 1), "survival": fit.survival(),
                          "renewal": [float("nan"), *fit.renewal()]})
    lines.append(curve.to_string(index=False, na_rep="", float_format=lambda x: f"{x:.4f}"))
    if fit.holdout is not None:
        h = fit.holdout
        errors = h.errors()
        lines += ["", f"Holdout: fitted on periods 0-{h.calibration_periods}, projected "
                      "against the later periods (customers):",
                  h.table.to_string(index=False, float_format=lambda x: f"{x:,.1f}"),
                  f"Mean absolute error: {fit.model} {errors['mape']:.1f} %, constant "
                  f"retention (r = {h.constant.retention * 100:.1f} % a period) "
                  f"{errors['mape_constant']:.1f} %"]
    return "\n".join(lines)


def _holdout(text: str) -> int:
    """``--holdout``: calibration periods, a whole number from 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of periods from 1, got "
                                         f"{printable(text)!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of periods from 1, "
                                         f"got {value}")
    return value


def _cmd_fit_retention(args: argparse.Namespace) -> int:
    from sim.cli import EXIT_INVALID, EXIT_OK, _print_issues  # a cycle at import time

    try:
        table = read_survivor_csv(read_data_path(args.file))
        fit = fit_retention(table, args.model, args.holdout)
    except ScenarioError as exc:
        _print_issues(args.file, exc, sys.stderr)
        return EXIT_INVALID
    written = write_fitted_scenario(args, fit=fit)
    if written is not None:
        return written
    if args.format == "json":
        print(json.dumps(fit_retention_report(fit), indent=2, ensure_ascii=False))
    else:
        from sim.scenario_io import display_path

        print(_fit_table(fit, display_path(args.file)))
    return EXIT_OK


def register_fit(sub: Any, common: argparse.ArgumentParser) -> Any:
    """Add ``fit`` (with ``fit retention``) to the sub-parsers ``sub`` of ``python -m sim``.

    Returns:
        The ``fit`` group's sub-parsers, to add further fits to.
    """
    fit = sub.add_parser("fit", help="fit models to your own data (CSV)", parents=[common])
    fit_sub = fit.add_subparsers(dest="fit_command", required=True)
    ret = fit_sub.add_parser(
        "retention", parents=[common],
        help="fit sBG or beta-discrete-Weibull retention to a survivor table",
        description="FILE.csv: period,customers (one cohort; period 0 = the starting count) "
                    "or cohort,period,customers (period = age; cohorts observed for "
                    "different lengths).")
    ret.add_argument("file")
    ret.add_argument("--model", choices=MODELS, default="sbg")
    ret.add_argument("--holdout", type=_holdout, default=None, metavar="K",
                     help="fit periods 0..K only and compare the projection of the later "
                          "periods with the actual counts (and with constant retention)")
    ret.add_argument("--format", choices=("table", "json"), default="table")
    add_write_scenario_arguments(ret)
    ret.set_defaults(func=_cmd_fit_retention)
    return fit_sub
