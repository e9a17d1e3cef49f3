"""Reading and writing scenario files (TOML).

Reading never raises anything but :class:`ScenarioError` for bad input: too
large, not UTF-8, not TOML, or invalid fields all come back as issues with a
field path and the allowed range. Writing is atomic (a temporary file in the
same folder, then a rename) and refuses to replace an existing file unless
``overwrite=True``.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from sim.scenario import Scenario, scenario_from_dict, scenario_to_dict
from sim.schema import Issue, ScenarioError

__all__ = ["MAX_FILE_BYTES", "loads", "load", "dumps", "save"]

MAX_FILE_BYTES = 256 * 1024
"""Largest scenario file accepted (bytes). Real scenarios are a few kilobytes."""


def loads(data: bytes | str) -> Scenario:
    """Parse and validate scenario text (TOML).

    Raises:
        ScenarioError: every problem found, never another exception.
    """
    if isinstance(data, str):
        data = data.encode("utf-8", errors="surrogatepass")
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError([Issue("", "size", f"at most {MAX_FILE_BYTES // 1024} KiB",
                                   f"{len(data) / 1024:.0f} KiB")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Issue("", "encoding", "UTF-8 text", str(exc)[:120])]) from None
    try:
        parsed = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        raise ScenarioError([Issue("", "syntax", "valid TOML", str(exc)[:200])]) from None
    return scenario_from_dict(parsed)


def load(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file.

    Raises:
        ScenarioError: the file is missing, unreadable, too large or invalid.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError([Issue("", "size", f"at most {MAX_FILE_BYTES // 1024} KiB",
                                       f"{size / 1024:.0f} KiB")])
        data = p.read_bytes()
    except OSError as exc:
        issue = Issue("", "rule", "check the file name", f"cannot read {p}: {exc.strerror}")
        raise ScenarioError([issue]) from None
    return loads(data)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("scenario values must be finite")
        return repr(value)
    if isinstance(value, str):
        # JSON string escapes are a subset of TOML basic-string escapes.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_table(table: dict[str, Any], name: str, lines: list[str]) -> None:
    """Append ``[name]`` (when named) with its values, then its sub-tables ``[name.sub]``."""
    values = [f"{k} = {_toml_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
    if name and values:
        lines.extend(["", f"[{name}]"])
    lines.extend(values)
    for key, value in table.items():
        if isinstance(value, dict):
            _toml_table(value, f"{name}.{key}" if name else key, lines)


def dumps(scenario: Scenario) -> str:
    """Scenario as TOML text: top-level fields first, then one table per section."""
    lines: list[str] = []
    _toml_table(scenario_to_dict(scenario), "", lines)
    return "\n".join(lines) + "\n"


def save(scenario: Scenario, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write a scenario atomically.

    Args:
        scenario: the scenario to write.
        path: destination file (``.toml``).
        overwrite: replace an existing file; without it an existing file is never touched.

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is False.
    """
    target = Path(path)
    text = dumps(scenario)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp_name, target)
        else:
            # link() fails if the target appeared meanwhile: no silent overwrite race.
            os.link(tmp_name, target)
            os.unlink(tmp_name)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    return target
