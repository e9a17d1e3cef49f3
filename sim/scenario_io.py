"""Reading and writing scenario files (TOML).

Reading never raises anything but :class:`ScenarioError` for bad input: not a
regular file, too large (checked before reading, and the read is capped), not
UTF-8, not TOML, no ``schema_version`` (an empty or cut-short file), or invalid
fields all come back as issues with a field path and the allowed range. A UTF-8
byte-order mark (as Windows Notepad writes) is accepted. Paths in messages are
relative to the working folder (:func:`display_path`).

Writing (:func:`dumps`, with tomlkit) states only what differs from the defaults (plus
``schema_version``, ``name`` and ``description``), in the schema's field order; given the
text of the file a scenario came from, it edits that file instead, keeping its comments
and layout. Saving (:func:`save`) is atomic and checked: a temporary file in the same
folder, fsync, loaded back and compared with the scenario, then renamed over
the target; on any failure the old file is untouched, the temporary file is
removed and :class:`SaveError` says why. An existing file is replaced only with
``overwrite=True``.
"""

from __future__ import annotations

import errno
import math
import os
import re
import stat
import tempfile
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions
from tomlkit.container import Container

from sim.locale import load_catalog
from sim.scenario import (
    SCHEMA_VERSION,
    Scenario,
    full_example,
    scenario_from_dict,
    scenario_to_dict,
)
from sim.schema import Issue, ScenarioError, is_safe_stem, printable, to_plain

__all__ = ["MAX_FILE_BYTES", "ALWAYS_WRITTEN", "SaveError", "display_path", "is_safe_stem",
           "loads", "load", "dumps", "non_defaults", "save", "syntax_issue"]

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



# ------------------------------------------------------------------ writing (tomlkit)

ALWAYS_WRITTEN = ("schema_version", "name", "description")
"""Top-level fields every written file states, even at their defaults."""


@cache
def _defaults() -> dict[str, Any]:
    """Plain form of the default scenario with every optional section at its defaults: the
    value each field is compared with, and the schema's field order."""
    return to_plain(full_example())


@cache
def _optional_sections() -> frozenset[str]:
    """Top-level sections absent unless the file has their table (``[equity_test]``)."""
    return frozenset(_defaults()) - frozenset(to_plain(Scenario()))


_TEXT_LANGUAGES = frozenset({"en", "zh"})


def _is_section(default: Any) -> bool:
    """True for a section's plain form (a table of fields); False for a value, including a
    bilingual text's file form ``{en = …, zh = …}`` (a default name may be one)."""
    if not isinstance(default, dict):
        return False
    is_text = bool(default) and set(default) <= _TEXT_LANGUAGES and all(
        isinstance(v, str) for v in default.values())
    return not is_text


def non_defaults(scenario: Scenario) -> dict[str, Any]:
    """The fields of ``scenario`` a written file states, in the schema's field order:
    :data:`ALWAYS_WRITTEN`, every field whose value differs from its default, and every
    optional section the scenario has (even when all its fields are at their defaults)."""
    return _changes(to_plain(scenario), _defaults(), top=True)


def _changes(plain: dict[str, Any], default: dict[str, Any], top: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in plain.items():
        base = default.get(key)
        if isinstance(base, dict) and _is_section(base):
            inner = _changes(value, base, top=False)
            if inner or (top and key in _optional_sections()):
                out[key] = inner
        elif (top and key in ALWAYS_WRITTEN) or value != base:
            out[key] = value
    return out


def _toml_item(value: Any) -> Any:
    """A plain value as a tomlkit item: a dict (a bilingual name) as an inline table,
    text with line breaks as a multi-line string, numbers finite."""
    if isinstance(value, dict):
        # spelled as the shipped files spell it: name = { en = "…", zh = "…" }
        inner = ", ".join(f"{k} = {tomlkit.item(v).as_string()}" for k, v in value.items())
        return tomlkit.parse(f"v = {{ {inner} }}\n")["v"]
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("scenario values must be finite")
    if isinstance(value, str) and "\n" in value and not value.startswith("\n"):
        return tomlkit.string(value, multiline=True)
    return tomlkit.item(value)


def _fill(container: Any, changes: dict[str, Any], default: dict[str, Any]) -> None:
    """Write ``changes`` into a tomlkit document or table: values first, then sub-tables
    (a table holding only sub-tables is a super table: no empty ``[programmes]`` line)."""
    for key, value in changes.items():
        if not _is_section(default.get(key)):
            container[key] = _toml_item(value)
    for key, value in changes.items():
        if _is_section(default.get(key)):
            inner_default = default[key]
            only_tables = bool(value) and all(_is_section(inner_default.get(k)) for k in value)
            table = tomlkit.table(is_super_table=only_tables)
            _fill(table, value, inner_default)
            container[key] = table


def _unwrapped(item: Any) -> Any:
    return item.unwrap() if hasattr(item, "unwrap") else item


def _update(container: Any, plain: dict[str, Any] | None, default: dict[str, Any],
            top: bool) -> None:
    """Bring a parsed document (or one of its tables) to ``plain``, touching only what
    changed: a key the file has keeps its place, comment and spelling unless its value
    changed (then only the value is replaced, even when it returns to the default); a key
    the file lacks is added (at the end of its table) only when it differs from the
    default; a section the scenario lacks (an optional one) is removed; keys the schema
    does not know (a migrated older version's) are removed."""
    for key in [k for k in container if k not in default]:
        del container[key]
    assert plain is not None
    for key, base in default.items():
        want = plain.get(key)
        if _is_section(base):
            if want is None:
                if key in container:
                    del container[key]
            elif key in container and hasattr(container[key], "items"):
                _update(container[key], want, base, top=False)
            else:
                changes = _changes(want, base, top=False)
                if changes or (top and key in _optional_sections()):
                    holder = tomlkit.document()
                    _fill(holder, {key: changes}, {key: base})
                    container[key] = holder[key]
        elif key in container:
            held = container[key]
            if _unwrapped(held) == want:
                continue
            if isinstance(want, dict) and hasattr(held, "items"):
                # a bilingual text stated as a table ([description] en = … zh = …) or an
                # inline table: its languages are edited in place, the form kept
                for lang in [k for k in held if k not in want]:
                    del held[lang]
                for lang, text in want.items():
                    if lang not in held or _unwrapped(held[lang]) != text:
                        held[lang] = _toml_item(text)
            else:
                container[key] = _toml_item(want)
        elif (top and key in ALWAYS_WRITTEN) or want != base:
            _insert(container, key, _toml_item(want), default)


def _insert(container: Any, key: str, item: Any, default: dict[str, Any]) -> None:
    """Add ``key`` right after the last value the file states before it in the schema's
    order (so a new top-level field does not land under the comment that heads the first
    table); at the end of the values when the file states none before it."""
    body = container if isinstance(container, Container) else getattr(container, "value", None)
    order = list(default)
    before = [k for k in order[:order.index(key)]
              if k in container and not _is_section(default[k])]
    insert_after = getattr(body, "_insert_after", None)  # tomlkit's container (0.13-0.15)
    if before and insert_after is not None:
        try:
            insert_after(before[-1], key, item)
            return
        except (KeyError, ValueError, TypeError, AttributeError):
            pass
    container[key] = item


def dumps(scenario: Scenario, original: str | bytes | None = None) -> str:
    """Scenario as TOML text that loads back as ``scenario``.

    Without ``original``: only :func:`non_defaults` (``schema_version``, ``name``,
    ``description`` and the fields that differ from their defaults), top-level fields
    first, then one table per section, in the schema's field order.

    With ``original`` (the text of the file the scenario was loaded from): that file with
    only the changed values replaced, so its comments, blank lines, key order and number
    spelling (``0.30``) stay. A key the file states keeps being stated (with its new value,
    even when that is the default: whoever wrote the file chose to show it); a field the
    file lacks is added at the end of its table only when it differs from its default; an
    older schema version's keys are brought to this version. An original that is not
    readable TOML, or whose edit would not load back as ``scenario``, is ignored (the
    minimal file is written instead).

    Raises:
        ValueError: a value is not finite.
    """
    if original is not None:
        edited = _edited(scenario, original)
        if edited is not None:
            return edited
    doc = tomlkit.document()
    _fill(doc, non_defaults(scenario), _defaults())
    return tomlkit.dumps(doc)


def _edited_plain(plain: dict[str, Any], original: str) -> str:
    """TOML text ``original`` brought to the plain scenario ``plain`` (:func:`_update`).

    Raises:
        tomlkit.exceptions.TOMLKitError: ``original`` is not TOML.
    """
    doc = tomlkit.parse(original)
    _update(doc, plain, _defaults(), top=True)
    return tomlkit.dumps(doc)


def _edited(scenario: Scenario, original: str | bytes) -> str | None:
    """``original`` edited to hold ``scenario``, or None when that cannot be done exactly."""
    if isinstance(original, bytes):
        if original.startswith(_BOM):
            original = original[len(_BOM):]
        try:
            original = original.decode("utf-8")
        except UnicodeDecodeError:
            return None
    original = original.removeprefix("\ufeff")
    try:
        text = _edited_plain(to_plain(scenario), original)
        again = loads(text)
    except (ScenarioError, tomlkit.exceptions.TOMLKitError, ValueError, TypeError,
            KeyError, AttributeError, RecursionError):
        return None
    return text if again == scenario else None


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


def save(scenario: Scenario, path: str | os.PathLike[str], *, overwrite: bool = False,
         original: str | bytes | None = None) -> Path:
    """Write a scenario atomically and check it.

    The scenario is validated, written to a temporary file in the target's folder, flushed
    to disk (fsync), loaded back and compared with ``scenario``, given mode 0644 and only
    then renamed over the target. If any step fails, the old file is untouched and the
    temporary file removed.

    Args:
        scenario: the scenario to write.
        path: destination file: ``<stem>.toml`` with a stem allowed by :func:`is_safe_stem`.
        overwrite: replace an existing file; without it an existing file is never touched.
        original: the text of the file the scenario was loaded from; the file written is
            that text with only the changed values replaced (:func:`dumps`).

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
        text = dumps(scenario, original)
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
