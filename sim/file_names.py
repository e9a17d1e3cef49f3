"""Names of scenario files and copies: distinct picker labels, names for edited copies, and
the list of what an edit changed (for the description a written copy carries).

Pure functions (no UI): the sidebar picker and the save/download prompt use them.
"""

from __future__ import annotations

from typing import Any

from sim.compare import NOT_COMPARED, unique_labels
from sim.scenario import Scenario
from sim.schema import iter_fields

__all__ = ["MAX_NAME_CHARS", "distinct_labels", "copy_name", "changed_fields"]

MAX_NAME_CHARS = 120
"""Longest scenario name (the schema's ``name`` limit)."""


def distinct_labels(entries: list[tuple[str, str, str]]) -> dict[str, str]:
    """``{value: label}`` for a picker, no two labels alike.

    ``entries``: ``(value, name, origin)`` in order, ``origin`` a file id or file name (may
    be empty). A name that several entries share is shown with its origin,
    ``Baseline (baseline_copy)``; labels still alike are numbered by
    :func:`sim.compare.unique_labels` (`` (2)``, `` (3)`` …).
    """
    counts: dict[str, int] = {}
    for _value, name, _origin in entries:
        counts[name] = counts.get(name, 0) + 1
    labels = [f"{name} ({origin})" if counts[name] > 1 and origin else name
              for _value, name, origin in entries]
    return dict(zip((value for value, _n, _o in entries), unique_labels(labels), strict=True))


def copy_name(name: str, taken: set[str] | frozenset[str], suffix: str) -> str:
    """A name for an edited copy of ``name`` that no entry of ``taken`` has: ``name`` plus
    ``suffix`` (e.g. `` (edited)``), then `` 2``, `` 3`` … until it is free. A name that
    already ends with ``suffix`` (a copy of a copy) is not suffixed twice. At most
    :data:`MAX_NAME_CHARS` characters: ``name`` is cut to make room."""
    stem = name[:-len(suffix)] if suffix and name.endswith(suffix) else name
    n = 1
    while True:
        tail = suffix + (f" {n}" if n > 1 else "")
        candidate = stem[:max(1, MAX_NAME_CHARS - len(tail))] + tail
        if candidate not in taken:
            return candidate
        n += 1


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def changed_fields(before: Scenario, after: Scenario) -> list[tuple[str, str, str]]:
    """``(field path, old, new)`` for every field whose value differs, values as the file
    writes them (fractions, currency per customer-year), name and description left out, in
    the schema's order; a section only one of them has is listed with ``—`` for the side
    that lacks it (``("service", "—", "added")``)."""
    old = {path: value for path, _spec, value in iter_fields(before)}
    new = {path: value for path, _spec, value in iter_fields(after)}
    rows: list[tuple[str, str, str]] = []
    for section in ("equity_test", "service"):
        had, has = getattr(before, section) is not None, getattr(after, section) is not None
        if had != has:
            rows.append((section, "added" if had else "—", "added" if has else "—"))
    for path, value in new.items():
        if path in NOT_COMPARED or path not in old:
            continue
        if old[path] != value:
            rows.append((path, _shown(old[path]), _shown(value)))
    return rows
