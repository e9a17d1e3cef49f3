"""Field specifications and the generic validator for scenario dataclasses.

Every scenario field is declared once, with :func:`spec`, carrying its unit,
allowed range or choices, and default. The validator walks a parsed TOML
mapping against those declarations and collects *every* problem (field path,
what was wrong, what is allowed) instead of stopping at the first one.

Validation messages are data (:class:`Issue`: a code plus parameters) so the
UI can translate them; ``str(issue)`` gives the English text used by the
command line.
"""

from __future__ import annotations

import math
import re
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from typing import Any, Literal

__all__ = [
    "is_safe_stem",
    "UNSHOWN_CHARS",
    "FieldSpec",
    "Issue",
    "MAX_ISSUES",
    "ScenarioError",
    "printable",
    "spec",
    "field_spec",
    "build_dataclass",
    "to_plain",
    "optional_section",
    "iter_fields",
    "iter_numeric_fields",
]

Kind = Literal["int", "float", "str", "choice", "float_list", "bool"]


@dataclass(frozen=True)
class FieldSpec:
    """Declaration of one scenario field.

    Attributes:
        kind: value type: ``int``, ``float``, ``str``, ``choice``, ``float_list`` or ``bool``.
        unit: unit shown to users (e.g. ``"USD/customer-year"``, ``"fraction"``).
        minimum: smallest allowed value (numbers and list elements), inclusive.
        maximum: largest allowed value, inclusive.
        choices: allowed values for ``choice`` fields.
        min_len: fewest list elements (``float_list``) or characters (``str``).
        max_len: most list elements or characters.
        lever: True for numeric levers offered to sensitivity analysis.
        multiline: ``str`` fields only: line breaks (``\\n``) and tabs are allowed. Every other
            control character (U+0000-U+001F, U+007F-U+009F), line separator or bidirectional
            control (U+2028-U+2029, U+202A-U+202E, U+2066-U+2069) is refused in every text field.
    """

    kind: Kind
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    min_len: int = 0
    max_len: int = 10_000
    lever: bool = False
    multiline: bool = False

    def range_text(self) -> str:
        """Human-readable allowed range, e.g. ``0 to 1 fraction`` or ``one of: start, end``."""
        if self.kind == "choice":
            return "one of: " + ", ".join(str(c) for c in self.choices)
        if self.kind == "bool":
            return "true or false"
        if self.kind == "str":
            return f"text of {self.min_len} to {self.max_len} characters"
        lo = _fmt(self.minimum) if self.minimum is not None else "-inf"
        hi = _fmt(self.maximum) if self.maximum is not None else "inf"
        text = f"{lo} to {hi}" + (f" {self.unit}" if self.unit else "")
        if self.kind == "float_list":
            text = f"a list of {self.min_len} to {self.max_len} numbers, each {text}"
        elif self.kind == "int":
            text = f"a whole number from {text}"
        return text


_SAFE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,59}")
_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                       *(f"LPT{i}" for i in range(1, 10))})


def is_safe_stem(text: str) -> bool:
    """True for a file stem safe on every system: 1-60 ASCII letters, digits, ``_`` or ``-``,
    starting with a letter or digit (so no control character, space, path separator, dot or
    ``..``), and not a name Windows reserves (``CON``, ``PRN``, ``AUX``, ``NUL``,
    ``COM1``-``COM9``, ``LPT1``-``LPT9``, in any case)."""
    return (isinstance(text, str) and _SAFE_STEM.fullmatch(text) is not None
            and text.upper() not in _RESERVED)


def _fmt(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def spec(default: Any, kind: Kind, **kwargs: Any) -> Any:
    """Declare a dataclass field with a default and a :class:`FieldSpec`."""
    return field(default=default, metadata={"spec": FieldSpec(kind=kind, **kwargs)})


def optional_section(cls: type) -> Any:
    """Declare an optional section: a nested dataclass ``cls`` that is absent (None) unless
    the file has the table. When present its missing fields take their defaults; when
    absent nothing of it is written (:func:`to_plain`) or listed (:func:`iter_fields`)."""
    return field(default=None, metadata={"section": cls})


def field_spec(cls: type, name: str) -> FieldSpec:
    """Return the :class:`FieldSpec` of field ``name`` of dataclass ``cls``."""
    for f in fields(cls):
        if f.name == name:
            return f.metadata["spec"]
    raise KeyError(name)


@dataclass(frozen=True)
class Issue:
    """One validation problem.

    Attributes:
        path: dotted field path, e.g. ``retention.by_tenure_year[3]``.
        code: machine-readable kind of problem (``unknown``, ``type``, ``range``,
            ``choice``, ``length``, ``nan``, ``syntax``, ``size``, ``version``, ``rule``; in data
            files also ``column`` (a required column is missing) and ``csv`` (not CSV)).
        allowed: the allowed range or choices, in English.
        got: a short repr of the offending value.
    """

    path: str
    code: str
    allowed: str = ""
    got: str = ""

    def __str__(self) -> str:
        messages = {
            "unknown": "unknown field (check the spelling; allowed here: {allowed})",
            "type": "wrong type, got {got}; expected {allowed}",
            "range": "value {got} is out of range; allowed: {allowed}",
            "nan": "value {got} is not a finite number; allowed: {allowed}",
            "choice": "value {got} is not allowed; allowed: {allowed}",
            "length": "has {got} elements; allowed: {allowed}",
            "syntax": "the file is not valid TOML: {got}",
            "size": "the file is too large ({got}); allowed: {allowed}",
            "encoding": "the file is not UTF-8 text: {got}",
            "version": "schema version {got} is not supported; {allowed}",
            "rule": "{got}; {allowed}",
            "column": "column missing from the data file; expected {allowed}, found {got}",
            "csv": "the data file is not a readable CSV file: {got}; expected {allowed}",
        }
        where = self.path or "(file)"
        return f"{where}: " + messages.get(self.code, "{got} {allowed}").format(
            allowed=self.allowed, got=self.got
        )

    def __post_init__(self) -> None:
        # Text from a file (keys, values, parser messages) is shown to users: never let a
        # control character (ANSI escape, carriage return, bidi override) through raw.
        for name in ("path", "code", "allowed", "got"):
            value = getattr(self, name)
            if not isinstance(value, str):
                value = str(value)
            object.__setattr__(self, name, printable(value))


UNSHOWN_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""Characters never shown raw: C0 and C1 controls, DEL, line/paragraph separators and the
bidirectional marks, embeddings and overrides (which can make text read backwards)."""

_TEXT_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""Refused in text fields: C0/C1 controls, line/paragraph separators and the bidirectional
embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which would make a name
read in another order than it is stored ("Trojan Source")."""
"""Control characters a scenario's text fields may not contain."""


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\u202e``),
    safe to print to a terminal or show in a page. Other text, e.g. Chinese, is unchanged."""
    return UNSHOWN_CHARS.sub(_escape, text)


MAX_ISSUES = 50
"""Most problems a :class:`ScenarioError` keeps; the rest are only counted."""


class ScenarioError(ValueError):
    """Raised when a scenario mapping or file is invalid.

    Attributes:
        issues: the first :data:`MAX_ISSUES` problems (:class:`Issue`), in file order.
        total: how many problems were found in all (``>= len(issues)``).
        omitted: ``total - len(issues)``, the problems not kept (0 for most files).

    ``str(error)`` lists the kept issues, one a line, then ``… and N more problem(s)``
    when some were omitted (:meth:`more_text`).
    """

    def __init__(self, issues: list[Issue], total: int | None = None):
        found = list(issues)
        self.issues = found[:MAX_ISSUES]
        self.total = max(len(found), total or 0)
        self.omitted = self.total - len(self.issues)
        lines = [str(i) for i in self.issues]
        if self.omitted:
            lines.append(self.more_text())
        super().__init__("\n".join(lines))

    def more_text(self) -> str:
        """``… and N more problem(s)`` (English), or ``""`` when every problem is listed."""
        if not self.omitted:
            return ""
        return f"… and {self.omitted} more problem{'s' if self.omitted != 1 else ''}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.issues, self.total))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(value: Any) -> str:
    return f"{type(value).__name__} {_short(value)}"


def _check_number(value: Any, fs: FieldSpec, path: str, issues: list[Issue]) -> float | int | None:
    expected = "a whole number" if fs.kind == "int" else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        issues.append(Issue(path, "type", f"{expected}, {fs.range_text()}", _type_name(value)))
        return None
    if fs.kind == "int":
        if isinstance(value, float):
            # 12.0 is the whole number 12 (stored as int); 12.5, inf and nan are not.
            if not value.is_integer():
                issues.append(Issue(path, "type", fs.range_text(), _type_name(value)))
                return None
            value = int(value)
    elif isinstance(value, float) and not math.isfinite(value):
        issues.append(Issue(path, "nan", fs.range_text(), _short(value)))
        return None
    elif isinstance(value, int) and not -1e308 < value < 1e308:
        # a whole number beyond any float: out of every range (float() would overflow)
        issues.append(Issue(path, "range", fs.range_text(), _short(value)))
        return None
    if (fs.minimum is not None and value < fs.minimum) or (
        fs.maximum is not None and value > fs.maximum
    ):
        issues.append(Issue(path, "range", fs.range_text(), _short(value)))
        return None
    return int(value) if fs.kind == "int" else float(value)


def _check_value(value: Any, fs: FieldSpec, path: str, issues: list[Issue]) -> Any:
    """Check one value against its spec; return the normalised value or None (issue added)."""
    if fs.kind in ("int", "float"):
        return _check_number(value, fs, path, issues)
    if fs.kind == "bool":
        if not isinstance(value, bool):
            issues.append(Issue(path, "type", "true or false", _type_name(value)))
            return None
        return value
    if fs.kind == "str":
        if not isinstance(value, str):
            issues.append(Issue(path, "type", fs.range_text(), _type_name(value)))
            return None
        if not fs.min_len <= len(value) <= fs.max_len:
            issues.append(Issue(path, "length", fs.range_text(), str(len(value))))
            return None
        bad = next((c for c in _TEXT_CONTROL.findall(value)
                    if not (fs.multiline and c in "\n\t")), None)
        if bad is not None:
            allowed = "text without control characters" + (
                " other than line breaks and tabs" if fs.multiline else "")
            issues.append(Issue(path, "rule", allowed,
                                f"the text contains the control character U+{ord(bad):04X}"))
            return None
        return value
    if fs.kind == "choice":
        # the declared choice itself, so 12.0 for a choice of 1 or 12 is stored as the int 12
        if not isinstance(value, bool):
            for choice in fs.choices:
                same_kind = type(value) is type(choice) or (
                    isinstance(choice, int) and isinstance(value, float))
                if same_kind and value == choice:
                    return choice
        issues.append(Issue(path, "choice", fs.range_text(), _short(value)))
        return None
    if fs.kind == "float_list":
        if not isinstance(value, list):
            issues.append(Issue(path, "type", fs.range_text(), _type_name(value)))
            return None
        if not fs.min_len <= len(value) <= fs.max_len:
            issues.append(Issue(path, "length", fs.range_text(), str(len(value))))
            return None
        element = FieldSpec(kind="float", unit=fs.unit, minimum=fs.minimum, maximum=fs.maximum)
        before = len(issues)
        out = tuple(_check_number(v, element, f"{path}[{i}]", issues) for i, v in enumerate(value))
        return None if len(issues) > before else out
    raise AssertionError(f"unhandled kind {fs.kind}")


_DECLARED: dict[type, dict[str, Any]] = {}


def _declared(cls: type) -> dict[str, Any]:
    """``{name: dataclass field}`` of ``cls`` (cached: classes do not change)."""
    found = _DECLARED.get(cls)
    if found is None:
        found = _DECLARED[cls] = {f.name: f for f in fields(cls)}
    return found


def build_dataclass(cls: type, data: Any, path: str, issues: list[Issue]) -> Any:
    """Build dataclass ``cls`` from a mapping, appending every problem to ``issues``.

    Missing fields take their defaults; unknown keys are errors. Nested dataclass
    fields are built recursively; an optional section (:func:`optional_section`) only
    when the mapping has it (else it stays None). A class may define
    ``rules(self) -> list[Issue]`` for checks across fields; they run only when the
    fields themselves are valid.
    Returns None when any problem was found below ``path``.
    """
    if not isinstance(data, dict):
        issues.append(Issue(path, "type", "a table of fields", _type_name(data)))
        return None
    declared = _declared(cls)
    before = len(issues)
    allowed = ""
    for key in data:
        if key not in declared:
            allowed = allowed or ", ".join(declared)        # built once per table
            where = f"{path}.{key}" if path else str(key)
            issues.append(Issue(where, "unknown", allowed))
    kwargs: dict[str, Any] = {}
    for name, f in declared.items():
        where = f"{path}.{name}" if path else name
        sub = f.default_factory if f.default_factory is not MISSING else None
        section = f.metadata.get("section")
        if section is not None:
            if name in data:
                kwargs[name] = build_dataclass(section, data[name], where, issues)
        elif sub is not None and is_dataclass(sub):
            kwargs[name] = build_dataclass(sub, data.get(name, {}), where, issues)
        elif name in data:
            kwargs[name] = _check_value(data[name], f.metadata["spec"], where, issues)
    if len(issues) > before:
        return None
    obj = cls(**kwargs)
    rules = getattr(obj, "rules", None)
    if rules is not None:
        found = rules()
        for issue in found:
            issues.append(Issue(f"{path}.{issue.path}" if path else issue.path, issue.code,
                                issue.allowed, issue.got))
        if found:
            return None
    return obj


def to_plain(obj: Any) -> dict[str, Any]:
    """Convert a (nested) scenario dataclass to plain dicts/lists for TOML or JSON."""
    out: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if value is None and "section" in f.metadata:
            continue                                # an absent optional section
        if is_dataclass(value):
            out[f.name] = to_plain(value)
        elif isinstance(value, tuple):
            out[f.name] = list(value)
        else:
            out[f.name] = value
    return out


def iter_fields(obj: Any, prefix: str = "") -> list[tuple[str, FieldSpec, Any]]:
    """List ``(dotted path, spec, value)`` for every leaf field, depth first, in file order
    (an absent optional section has no fields)."""
    found: list[tuple[str, FieldSpec, Any]] = []
    for f in fields(obj):
        value = getattr(obj, f.name)
        path = f"{prefix}{f.name}"
        if is_dataclass(value):
            found.extend(iter_fields(value, path + "."))
        elif "spec" in f.metadata:
            found.append((path, f.metadata["spec"], value))
    return found


def iter_numeric_fields(obj: Any, prefix: str = "") -> list[tuple[str, FieldSpec, Any]]:
    """List ``(dotted path, spec, value)`` for every scalar numeric field, depth first."""
    return [row for row in iter_fields(obj, prefix) if row[1].kind in ("int", "float")]
