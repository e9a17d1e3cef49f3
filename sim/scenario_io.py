"""Reading and writing scenario files (TOML).

Reading never raises anything but :class:`ScenarioError` for bad input: not a
regular file, too large (checked before reading, and the read is capped), not
UTF-8, not TOML, no ``schema_version`` (an empty or cut-short file), or invalid
fields all come back as issues with a field path and the allowed range. A UTF-8
byte-order mark (as Windows Notepad writes) is accepted. Paths in messages are
relative to the working folder (:func:`display_path`).

Writing (:func:`save`) is atomic and checked: a temporary file in the same
folder, fsync, loaded back and compared with the scenario, then renamed over
the target; on any failure the old file is untouched, the temporary file is
removed and :class:`SaveError` says why. An existing file is replaced only with
``overwrite=True``.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import stat
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from sim.locale import load_catalog
from sim.scenario import SCHEMA_VERSION, Scenario, scenario_from_dict, scenario_to_dict
from sim.schema import Issue, ScenarioError, is_safe_stem, is_text_table, printable

__all__ = ["MAX_FILE_BYTES", "SaveError", "display_path", "is_safe_stem", "loads", "load",
           "dumps", "save", "syntax_issue"]

MAX_FILE_BYTES = 256 * 1024
"""Largest scenario file accepted (bytes). Real scenarios are a few kilobytes."""

_BOM = b"\xef\xbb\xbf"


def _too_large(size: int) -> ScenarioError:
    return ScenarioError([Issue("", "size", got=f"{size / 1024:.0f} KiB"
                                if size <= 100 * MAX_FILE_BYTES
                                else f"> {100 * MAX_FILE_BYTES // 1024} KiB",
                                allowed_key="validation.allowed.at_most_kib",
                                params=(("kib", str(MAX_FILE_BYTES // 1024)),))])


def _version_missing(parsed: dict[str, Any]) -> Issue:
    found = "empty_file" if not parsed else "no_version"
    return Issue("schema_version", "rule", allowed_key="validation.allowed.add_version",
                 got_key=f"validation.found.{found}",
                 params=(("version", str(SCHEMA_VERSION)),))


_TOML_AT = re.compile(r"(?P<message>.*) \(at (?:line (?P<line>\d+), column (?P<column>\d+)|"
                      r"(?P<end>end of document))\)", re.DOTALL)
_TOML_PATTERNS = (("declared_twice", re.compile(r"Cannot declare (?P<what>.+) twice")),
                  ("duplicate_key", re.compile(r"Duplicate inline table key (?P<what>.+)")),
                  ("invalid_char", re.compile(r"Found invalid character (?P<what>.+)")),
                  ("illegal_char", re.compile(r"Illegal character (?P<what>.+)")),
                  ("redefine", re.compile(r"Cannot redefine namespace (?P<what>.+)")),
                  ("mutate", re.compile(r"Cannot mutate immutable namespace (?P<what>.+)")),
                  ("expected", re.compile(r"Expected (?P<what>.+)")))


def syntax_issue(message: str) -> Issue:
    """The problem of a file the TOML parser refused, from its message (``Invalid value (at
    line 3, column 9)``): the parser's messages and the position become catalog texts
    (``validation.toml.*``, ``validation.found.toml_at``), so a page shows them in its
    language; a message the catalog does not know is shown as the parser wrote it."""
    where = _TOML_AT.fullmatch(message)
    text = where.group("message") if where else message
    params: dict[str, str] = {"message": text[:200]}
    key = f"validation.toml.{text}"
    if key not in load_catalog("en"):
        key = ""
        for name, pattern in _TOML_PATTERNS:
            found = pattern.fullmatch(text)
            if found:
                key, params["what"] = f"validation.toml.{name}", found.group("what")[:80]
                break
    keyed = (("message", key),) if key else ()
    if where is None:
        got_key = key
    elif where.group("end"):
        got_key = "validation.found.toml_at_end"
    else:
        got_key = "validation.found.toml_at"
        params.update(line=where.group("line"), column=where.group("column"))
    if not got_key:
        return Issue("", "syntax", got=text[:200], allowed_key="validation.allowed.valid_toml")
    return Issue("", "syntax", allowed_key="validation.allowed.valid_toml", got_key=got_key,
                 params=tuple(params.items()), keyed_params=keyed)


def loads(data: bytes | str) -> Scenario:
    """Parse and validate scenario text (TOML).

    Raises:
        ScenarioError: every problem found (the first 50 kept, the rest counted), never
            another exception.
    """
    if isinstance(data, str):
        data = data.encode("utf-8", errors="surrogatepass")
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(len(data))
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start:exc.start + 1].hex()
        raise ScenarioError([Issue("", "encoding", allowed_key="validation.allowed.utf8",
                                   got_key="validation.found.bad_byte",
                                   params=(("byte", f"0x{byte}"),
                                           ("position", str(exc.start))))]) from None
    try:
        parsed = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        raise ScenarioError([syntax_issue(str(exc))]) from None
    if "schema_version" not in parsed:
        missing = _version_missing(parsed)
        if not parsed:
            raise ScenarioError([missing])
        # list the other problems too, as if the version were there
        try:
            scenario_from_dict({"schema_version": SCHEMA_VERSION, **parsed})
        except ScenarioError as exc:
            raise ScenarioError([missing, *exc.issues], exc.total + 1) from None
        raise ScenarioError([missing])
    return scenario_from_dict(parsed)


def display_path(path: str | os.PathLike[str]) -> str:
    """``path`` as shown in messages: relative to the working folder (``scenarios/a.toml``,
    ``../other/b.toml``), never the server's absolute path; control characters escaped."""
    text = os.fspath(path)
    try:
        shown = os.path.relpath(os.path.abspath(text))
    except ValueError:                      # another drive (Windows): the name alone
        shown = os.path.basename(text)
    return printable(shown)


def _read_capped(p: Path) -> bytes:
    """The bytes of regular file ``p``, refusing devices, FIFOs, sockets and folders before
    opening, and reading at most :data:`MAX_FILE_BYTES` + 1 bytes."""
    shown = display_path(p)
    try:
        info = os.stat(p)
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError([Issue("", "rule", "a scenario file (.toml), not a folder",
                                       f"{shown} is a folder")])
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError([Issue("", "rule", "a regular file (.toml)",
                                       f"{shown} is not a regular file (a device, pipe or "
                                       "socket)")])
        if info.st_size > MAX_FILE_BYTES:
            raise _too_large(info.st_size)
        # O_NONBLOCK: if the path was swapped for a FIFO since stat, open() must not hang.
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                     | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise ScenarioError([Issue("", "rule", "a regular file (.toml)",
                                           f"{shown} is not a regular file")])
            return fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        issue = Issue("", "rule", "check the file name",
                      f"cannot read {shown}: {exc.strerror or exc}")
        raise ScenarioError([issue]) from None


def load(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file (a regular file of at most :data:`MAX_FILE_BYTES`).

    Raises:
        ScenarioError: the file is missing, unreadable, not a regular file, too large or
            invalid.
    """
    return loads(_read_capped(Path(path)))


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
    if is_text_table(value):                # a bilingual text: { en = "…", zh = "…" }
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_table(table: dict[str, Any], name: str, lines: list[str]) -> None:
    """Append ``[name]`` (when named) with its values, then its sub-tables ``[name.sub]``."""
    values = [f"{k} = {_toml_value(v)}" for k, v in table.items()
              if not isinstance(v, dict) or is_text_table(v)]
    if name and values:
        lines.extend(["", f"[{name}]"])
    lines.extend(values)
    for key, value in table.items():
        if isinstance(value, dict) and not is_text_table(value):
            _toml_table(value, f"{name}.{key}" if name else key, lines)


def dumps(scenario: Scenario) -> str:
    """Scenario as TOML text: top-level fields first, then one table per section."""
    lines: list[str] = []
    _toml_table(scenario_to_dict(scenario), "", lines)
    return "\n".join(lines) + "\n"




class SaveError(OSError):
    """A scenario could not be saved; an existing file at the target is unchanged and no
    temporary file is left.

    ``str(error)`` and ``error.strerror`` say why in one line (English, control characters
    escaped); ``error.issues`` lists the validation problems when the scenario (or the file
    as written) does not validate, else is empty. ``error.errno`` is the system's error
    number for a failed write (e.g. ``ENOSPC``), ``EINVAL`` otherwise.
    """

    def __init__(self, message: str, issues: list[Issue] | tuple[Issue, ...] = (),
                 code: int = errno.EINVAL):
        super().__init__(code, printable(message))
        self.issues = list(issues)

    def __str__(self) -> str:
        return str(self.strerror)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.strerror, self.issues, self.errno))


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save(scenario: Scenario, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write a scenario atomically and check it.

    The scenario is validated, written to a temporary file in the target's folder, flushed
    to disk (fsync), loaded back and compared with ``scenario``, given mode 0644 and only
    then renamed over the target. If any step fails, the old file is untouched and the
    temporary file removed.

    Args:
        scenario: the scenario to write.
        path: destination file: ``<stem>.toml`` with a stem allowed by :func:`is_safe_stem`.
        overwrite: replace an existing file; without it an existing file is never touched.

    Returns:
        The path written.

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is False.
        SaveError: the name is not allowed, the scenario is invalid (``issues``), the written
            file did not load back as the scenario, or the write failed (disk full,
            permissions; ``errno`` set).
    """
    target = Path(path)
    shown = display_path(target)
    if target.suffix != ".toml" or not is_safe_stem(target.stem):
        raise SaveError(f"cannot save as {printable(target.name)!r}: the name must be 1-60 "
                        "letters, digits, _ or - (starting with a letter or digit, not a "
                        "reserved name such as CON or NUL), then .toml")
    try:
        checked = scenario_from_dict(scenario_to_dict(scenario))
        text = dumps(scenario)
    except ScenarioError as exc:
        raise SaveError(f"cannot save {shown}: the scenario is invalid ({exc.total} "
                        "problem(s)); nothing was written", exc.issues) from None
    except (TypeError, ValueError) as exc:
        raise SaveError(f"cannot save {shown}: {exc}; nothing was written") from None
    if checked != scenario:
        raise SaveError(f"cannot save {shown}: the scenario does not validate as it is; "
                        "nothing was written")
    if (target.exists() or target.is_symlink()) and not overwrite:
        raise FileExistsError(errno.EEXIST, f"{shown} exists; pass overwrite=True to replace it")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                        dir=target.parent)
    except OSError as exc:
        raise SaveError(f"cannot save {shown}: {exc.strerror or exc}; nothing was written",
                        code=exc.errno or errno.EIO) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, 0o644)
        try:
            again = load(tmp_name)
        except ScenarioError as exc:
            raise SaveError(f"cannot save {shown}: the written file does not load back "
                            f"({exc.total} problem(s)); the old file is unchanged",
                            exc.issues) from None
        if again != scenario:
            raise SaveError(f"cannot save {shown}: the written file loads back different from "
                            "the scenario; the old file is unchanged")
        if overwrite:
            os.replace(tmp_name, target)
        else:
            # link() fails if the target appeared meanwhile: no silent overwrite race.
            os.link(tmp_name, target)
            os.unlink(tmp_name)
        _fsync_folder(target.parent)
    except FileExistsError:
        _remove(tmp_name)
        raise
    except SaveError:
        _remove(tmp_name)
        raise
    except OSError as exc:
        _remove(tmp_name)
        raise SaveError(f"cannot save {shown}: {exc.strerror or exc}; the old file is "
                        "unchanged", code=exc.errno or errno.EIO) from None
    except BaseException:
        _remove(tmp_name)
        raise
    return target


def _remove(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass
