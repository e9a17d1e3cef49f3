"""``python -m sim report FILE.toml [--lang en|zh] [--compare OTHER.toml ...] -o OUT.html``.

Writes the one-page report (:mod:`sim.onepage`): without ``--compare``, the scenario
against its baseline as the dashboard shows it (:func:`sim.whatif.evaluate` with the
file's Monte Carlo replications, the same run as ``python -m sim run``); with
``--compare``, FILE and the other files side by side, FILE the reference (as
``python -m sim compare FILE OTHER... --reference FILE``). A library lesson
(``scenarios/lesson_*.toml``) carries its teaching note. The hash printed is the sha256
of each file's bytes.

Exit codes as in :mod:`sim.cli`: 0 written; 1 invalid input (a scenario file missing or
invalid, a run refused by the work budget, a baseline that cannot be built, an output
that cannot be written: every problem listed); 2 usage (argparse: a missing ``-o``, an
unknown ``--lang``; more than six scenarios; an output path that is one of the inputs).
The output is written atomically (a temporary file, then renamed); an existing report
at OUT is replaced.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from sim.compare import MAX_SCENARIOS, compare
from sim.library import SCENARIO_DIR
from sim.locale import LANGUAGES, load_catalog, translate
from sim.onepage import ScenarioSource, comparison_report, localized_text, single_report
from sim.scenario_io import display_path
from sim.schema import ScenarioError
from sim.whatif import evaluate

__all__ = ["register_report", "lesson_note", "write_atomically"]


def lesson_note(path: Path, lang: str) -> str | None:
    """The teaching note of a library lesson file (``scenarios/lesson_*.toml``), or None."""
    key = f"lesson.{path.stem}"
    try:
        in_library = path.resolve().parent == SCENARIO_DIR.resolve()
    except OSError:
        return None
    return translate(key, lang) if in_library and key in load_catalog("en") else None


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder.

    Raises:
        OSError: the folder does not exist or cannot be written.
    """
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _cmd_report(args: argparse.Namespace) -> int:
    from sim.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, _load_all, _print_issues

    files = [args.file, *(args.compare or [])]
    if len(files) > MAX_SCENARIOS:
        print(f"report --compare: at most {MAX_SCENARIOS} scenarios in all (FILE and "
              f"{MAX_SCENARIOS - 1} others), got {len(files)}", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.output)
    if any(_same_file(out, Path(f)) for f in files):
        print(f"-o {display_path(out)}: is one of the scenario files; choose another name "
              "(a scenario file is never replaced by a report)", file=sys.stderr)
        return EXIT_USAGE
    if out.is_dir():
        print(f"-o {display_path(out)}: is a folder; give a file name such as report.html",
              file=sys.stderr)
        return EXIT_INVALID
    scenarios = _load_all(files)
    if scenarios is None:
        return EXIT_INVALID
    try:
        sources = [ScenarioSource(s, Path(f).name, Path(f).read_bytes())
                   for s, f in zip(scenarios, files, strict=True)]
    except OSError as exc:                  # the file went away after it was loaded
        print(f"cannot read a scenario file again ({exc.strerror or exc})", file=sys.stderr)
        return EXIT_INVALID
    try:
        if len(scenarios) == 1:
            html = single_report(evaluate(scenarios[0]), args.lang, sources[0],
                                 note=lesson_note(Path(args.file), args.lang))
        else:
            result = compare(scenarios, 0, [localized_text(s.name, args.lang)
                                            for s in scenarios])
            html = comparison_report(result, args.lang, sources)
    except ScenarioError as exc:            # the work budget, a baseline that cannot be built
        _print_issues(args.file, exc, sys.stderr)
        return EXIT_INVALID
    try:
        write_atomically(out, html)
    except OSError as exc:
        print(f"{display_path(out)}: cannot write ({exc.strerror or exc})", file=sys.stderr)
        return EXIT_INVALID
    what = f"comparison of {len(files)} scenarios" if len(files) > 1 else "one scenario"
    print(f"wrote {display_path(out)} ({len(html.encode('utf-8')):,} bytes, {what}, "
          f"{args.lang})", file=sys.stderr)
    return EXIT_OK


def register_report(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``report`` to the sub-parsers ``sub`` of ``python -m sim``."""
    rep = sub.add_parser("report", parents=[common],
                         help="write the one-page report (self-contained HTML, one A4 page)")
    rep.add_argument("file", metavar="FILE.toml")
    rep.add_argument("--lang", choices=tuple(LANGUAGES), default="en",
                     help="the report's language (default en)")
    rep.add_argument("--compare", nargs="+", default=None, metavar="OTHER.toml",
                     help=f"compare FILE with these files (up to {MAX_SCENARIOS} in all; FILE "
                          "is the reference)")
    rep.add_argument("-o", dest="output", required=True, metavar="OUT.html",
                     help="the HTML file to write (an existing report is replaced)")
    rep.set_defaults(func=_cmd_report)
