"""``--write-scenario OUT.toml [--base SCENARIO.toml]`` of the fits from data (issue 13).

``python -m sim fit retention FILE.csv --write-scenario OUT.toml`` writes the fitted
retention into a copy of the base scenario; ``python -m sim fit purchases LOG.csv
--write-scenario OUT.toml`` writes what the transaction log says (acquisition per year and
spend per customer-year, :func:`sim.data_scenario.log_economics`, and the retention fitted
by sBG on the log's yearly cohort activity, or the activity table itself where the sBG fit
does not converge). The base is ``--base`` or the library's ``baseline`` scenario. The same
function as the page's "Use in a scenario" (:func:`sim.data_scenario.fitted_scenario`)
builds it, and :func:`sim.scenario_io.save` writes it atomically, as the base file with
only the fitted values replaced (its comments kept); an existing file is never replaced.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim import scenario_io
from sim.data_scenario import LogEconomics, fitted_scenario
from sim.datafile import SurvivorTable
from sim.library import library_text, load_preset
from sim.retention_fit import RetentionFit
from sim.scenario import scenario_name
from sim.schema import ScenarioError, printable

__all__ = ["add_write_scenario_arguments", "write_fitted_scenario", "DEFAULT_BASE"]

DEFAULT_BASE = "baseline"
"""Library scenario the fitted copy starts from when ``--base`` is not given."""


def add_write_scenario_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--write-scenario OUT.toml`` and ``--base SCENARIO.toml`` to ``parser``."""
    parser.add_argument("--write-scenario", default=None, metavar="OUT.toml",
                        help="write the fit into a new scenario file (never replaces a file)")
    parser.add_argument("--base", default=None, metavar="SCENARIO.toml",
                        help=f"the scenario the written one starts from (default: the "
                             f"library's {DEFAULT_BASE})")


def _base_text(base: str | None) -> str | None:
    """The base file's text: the written copy is that file with the fitted values replaced,
    its comments and layout kept (:func:`sim.scenario_io.dumps`)."""
    if base is None:
        return library_text(DEFAULT_BASE)
    try:
        return Path(base).read_bytes()[:scenario_io.MAX_FILE_BYTES].decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def write_fitted_scenario(args: argparse.Namespace, *, fit: RetentionFit | None = None,
                          table: SurvivorTable | None = None,
                          economics: LogEconomics | None = None) -> int | None:
    """Write the fitted scenario if ``--write-scenario`` was given.

    Returns:
        None when nothing was asked or the file was written (its path printed on stderr),
        else the exit code (1: the base is invalid, the result is not a valid scenario, the
        file exists or cannot be written; every problem printed).
    """
    from sim.cli import EXIT_INVALID, _print_issues  # a cycle at import time

    out = getattr(args, "write_scenario", None)
    if out is None:
        if getattr(args, "base", None) is not None:
            print("--base: only used with --write-scenario", file=sys.stderr)
            return EXIT_INVALID
        return None
    try:
        base = scenario_io.load(args.base) if args.base else load_preset(DEFAULT_BASE)
    except ScenarioError as exc:
        _print_issues(args.base or DEFAULT_BASE, exc, sys.stderr)
        return EXIT_INVALID
    try:
        scenario = fitted_scenario(base, Path(args.file).name, fit=fit, table=table,
                                   economics=economics)
        written = scenario_io.save(scenario, out, original=_base_text(args.base))
    except FileExistsError:
        print(f"{scenario_io.display_path(out)}: the file exists; choose another name "
              "(an existing file is never replaced)", file=sys.stderr)
        return EXIT_INVALID
    except ScenarioError as exc:            # the fitted copy is not a valid scenario
        _print_issues(out, exc, sys.stderr)
        return EXIT_INVALID
    except scenario_io.SaveError as exc:    # a name that is not allowed, a failed write
        print(f"{scenario_io.display_path(out)}: {exc}", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:
        print(f"{scenario_io.display_path(out)}: cannot write ({exc.strerror or exc})",
              file=sys.stderr)
        return EXIT_INVALID
    shown = printable(scenario_name(scenario, "en"))
    print(f"wrote {scenario_io.display_path(written)} ({shown})", file=sys.stderr)
    return None
