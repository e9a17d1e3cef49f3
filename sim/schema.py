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

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from typing import Any, Literal

from sim.locale import translate, unit_text

__all__ = [
    "is_safe_stem",
    "BilingualText",
    "TEXT_LANGUAGES",
    "localized_text",
    "is_text_table",
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

Kind = Literal["int", "float", "str", "text", "choice", "float_list", "bool"]

TEXT_LANGUAGES = ("en", "zh")
"""The languages a bilingual text field (kind ``text``) may hold, in file order."""


@dataclass(frozen=True)
class BilingualText:
    """A user text in both languages, as a file writes ``name = { en = "…", zh = "…" }``.

    One of the two may be empty (the file gave only that key); :func:`localized_text`
    then falls back to the other. Frozen and hashable, like the scenario holding it.
    """

    en: str = ""
    zh: str = ""

    def to_plain(self) -> dict[str, str]:
        """The file form: ``{"en": …, "zh": …}`` without the empty language(s)."""
        return {lang: getattr(self, lang) for lang in TEXT_LANGUAGES if getattr(self, lang)}


def localized_text(value: str | BilingualText | Mapping[str, str] | None, lang: str) -> str:
    """The text of ``value`` for language ``lang`` (``en`` or ``zh``).

    ``value`` is a plain string (returned as it is, whatever the language), a
    :class:`BilingualText` or its file form (a mapping with keys ``en``/``zh``). A missing
    or empty language falls back to the other one; ``None`` gives ``""``. Pure: no UI, no
    global state, so the command line, the report and the pages pick the same text.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, BilingualText):
        value = value.to_plain()
    first = value.get(lang) or ""
    if first:
        return str(first)
    return next((str(value[other]) for other in TEXT_LANGUAGES if value.get(other)), "")


def is_text_table(value: Any) -> bool:
    """True when ``value`` is the file form of a bilingual text: a non-empty mapping whose
    keys are among :data:`TEXT_LANGUAGES` and whose values are strings (a writer writes it
    as an inline table ``{ en = "…", zh = "…" }``)."""
    return (isinstance(value, Mapping) and bool(value)
            and all(k in TEXT_LANGUAGES and isinstance(v, str) for k, v in value.items()))


@dataclass(frozen=True)
class FieldSpec:
    """Declaration of one scenario field.

    Attributes:
        kind: value type: ``int``, ``float``, ``str``, ``text`` (a string, or a table
            ``{ en = "…", zh = "…" }`` held as a :class:`BilingualText`; each language within
            ``min_len``/``max_len``), ``choice``, ``float_list`` or ``bool``.
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

    def range_text(self, lang: str = "en") -> str:
        """Allowed range in ``lang`` (catalog ``validation.allowed.*``), e.g. ``0 to 1
        fraction`` / ``0 到 1 之间的数（单位：比例）`` or ``one of: start, end``. English is
        what the command line prints."""
        def text(key: str, **params: Any) -> str:
            return translate(f"validation.allowed.{key}", lang, **params)

        if self.kind == "choice":
            return text("choice", choices=", ".join(str(c) for c in self.choices))
        if self.kind == "bool":
            return text("bool")
        if self.kind in ("str", "text"):
            plain = text("text", min_len=self.min_len, max_len=self.max_len)
            return plain if self.kind == "str" else text("bilingual", text=plain)
        lo = _fmt(self.minimum) if self.minimum is not None else text("minus_inf")
        hi = _fmt(self.maximum) if self.maximum is not None else text("inf")
        unit = text("unit", unit=unit_text(self.unit, lang)) if self.unit else ""
        return text(self.kind, lo=lo, hi=hi, unit=unit, min_len=self.min_len,
                    max_len=self.max_len)


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
        allowed_key: catalog key (``sim/locales``) of the allowed text, filled with
            ``params`` and ``range`` (``spec.range_text(lang)``) when ``spec`` is given;
            ``allowed`` is then its English text unless given.
        got_key: catalog key of ``got`` likewise (e.g. a rule's finding).
        spec: the field's declaration, for the allowed range in any language.
        params: ``(name, text)`` pairs for the keys' placeholders.
        keyed_params: ``(name, catalog key)`` pairs: placeholders whose text is itself a
            catalog text (in the same language, filled with the same parameters).

    :meth:`allowed_text` and :meth:`got_text` give the texts in a language (the page's);
    ``str(issue)`` stays English (the command line). Issues compare by the first four
    fields only.
    """

    path: str
    code: str
    allowed: str = ""
    got: str = ""
    allowed_key: str = field(default="", compare=False, repr=False)
    got_key: str = field(default="", compare=False, repr=False)
    spec: FieldSpec | None = field(default=None, compare=False, repr=False)
    params: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)
    keyed_params: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)

    def _params(self, lang: str) -> dict[str, str]:
        found = dict(self.params)
        if self.spec is not None:
            found["range"] = self.spec.range_text(lang)
        for name, key in self.keyed_params:            # placeholders that are texts too
            found[name] = translate(key, lang, **found)
        return found

    def allowed_text(self, lang: str) -> str:
        """The allowed range or advice in ``lang`` (``allowed`` when it has no key)."""
        if not self.allowed_key:
            return self.allowed
        return printable(translate(self.allowed_key, lang, **self._params(lang)))

    def got_text(self, lang: str) -> str:
        """What was found, in ``lang`` (``got`` when it has no key)."""
        if not self.got_key:
            return self.got
        return printable(translate(self.got_key, lang, **self._params(lang)))

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
        object.__setattr__(self, "params", tuple(
            (str(k), printable(str(v))) for k, v in self.params))
        if self.allowed_key and not self.allowed:
            object.__setattr__(self, "allowed", self.allowed_text("en"))
        if self.got_key and not self.got:
            object.__setattr__(self, "got", self.got_text("en"))
        for name in ("path", "code", "allowed", "got"):
            value = getattr(self, name)
            if not isinstance(value, str):
                value = str(value)
            object.__setattr__(self, name, printable(value))

    def under(self, prefix: str) -> Issue:
        """The same issue with its path under ``prefix`` (``prefix.path``)."""
        return dataclasses.replace(self, path=f"{prefix}.{self.path}" if self.path else prefix)


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


def _issue(path: str, code: str, fs: FieldSpec, got: str,
           key: str = "validation.allowed.as_range", **params: str) -> Issue:
    """An issue whose allowed text is catalog ``key`` over the field's range (any language)."""
    return Issue(path, code, got=got, allowed_key=key, spec=fs, params=tuple(params.items()))


def _check_number(value: Any, fs: FieldSpec, path: str, issues: list[Issue]) -> float | int | None:
    expected = "validation.allowed.expected_" + ("int" if fs.kind == "int" else "number")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        issues.append(_issue(path, "type", fs, _type_name(value), expected))
        return None
    if fs.kind == "int":
        if isinstance(value, float):
            # 12.0 is the whole number 12 (stored as int); 12.5, inf and nan are not.
            if not value.is_integer():
                issues.append(_issue(path, "type", fs, _type_name(value)))
                return None
            value = int(value)
    elif isinstance(value, float) and not math.isfinite(value):
        issues.append(_issue(path, "nan", fs, _short(value)))
        return None
    elif isinstance(value, int) and not -1e308 < value < 1e308:
        # a whole number beyond any float: out of every range (float() would overflow)
        issues.append(_issue(path, "range", fs, _short(value)))
        return None
    if (fs.minimum is not None and value < fs.minimum) or (
        fs.maximum is not None and value > fs.maximum
    ):
        issues.append(_issue(path, "range", fs, _short(value)))
        return None
    return int(value) if fs.kind == "int" else float(value)


def _check_str(value: Any, fs: FieldSpec, path: str, issues: list[Issue]) -> str | None:
    """One string within the spec's length, without refused control characters."""
    if not isinstance(value, str):
        issues.append(_issue(path, "type", fs, _type_name(value)))
        return None
    if not fs.min_len <= len(value) <= fs.max_len:
        issues.append(_issue(path, "length", fs, str(len(value))))
        return None
    bad = next((c for c in _TEXT_CONTROL.findall(value)
                if not (fs.multiline and c in "\n\t")), None)
    if bad is not None:
        key = "no_control_multiline" if fs.multiline else "no_control"
        issues.append(Issue(path, "rule", allowed_key=f"validation.allowed.{key}",
                            got_key="validation.found.control_char",
                            params=(("char", f"U+{ord(bad):04X}"),)))
        return None
    return value


def _check_text(value: Any, fs: FieldSpec, path: str,
                issues: list[Issue]) -> str | BilingualText | None:
    """A ``text`` field: a string, or a table with keys ``en``/``zh`` (each a string of the
    spec's length) held as a :class:`BilingualText`."""
    if not isinstance(value, dict):
        if isinstance(value, str):
            return _check_str(value, fs, path, issues)
        issues.append(_issue(path, "type", fs, _type_name(value)))
        return None
    before = len(issues)
    for key in value:
        if key not in TEXT_LANGUAGES:
            issues.append(Issue(f"{path}.{key}", "unknown", ", ".join(TEXT_LANGUAGES)))
    if not value:
        issues.append(Issue(path, "type", got_key="validation.found.empty_table",
                            allowed_key="validation.allowed.as_range", spec=fs))
    one = dataclasses.replace(fs, kind="str")          # each language: a plain text
    texts = {lang: _check_str(value[lang], one, f"{path}.{lang}", issues)
             for lang in TEXT_LANGUAGES if lang in value}
    if len(issues) > before:
        return None
    return BilingualText(**{lang: text or "" for lang, text in texts.items()})


def _check_value(value: Any, fs: FieldSpec, path: str, issues: list[Issue]) -> Any:
    """Check one value against its spec; return the normalised value or None (issue added)."""
    if fs.kind in ("int", "float"):
        return _check_number(value, fs, path, issues)
    if fs.kind == "bool":
        if not isinstance(value, bool):
            issues.append(_issue(path, "type", fs, _type_name(value)))
            return None
        return value
    if fs.kind == "str":
        return _check_str(value, fs, path, issues)
    if fs.kind == "text":
        return _check_text(value, fs, path, issues)
    if fs.kind == "choice":
        # the declared choice itself, so 12.0 for a choice of 1 or 12 is stored as the int 12
        if not isinstance(value, bool):
            for choice in fs.choices:
                same_kind = type(value) is type(choice) or (
                    isinstance(choice, int) and isinstance(value, float))
                if same_kind and value == choice:
                    return choice
        issues.append(_issue(path, "choice", fs, _short(value)))
        return None
    if fs.kind == "float_list":
        if not isinstance(value, list):
            issues.append(_issue(path, "type", fs, _type_name(value)))
            return None
        if not fs.min_len <= len(value) <= fs.max_len:
            issues.append(_issue(path, "length", fs, str(len(value))))
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
        issues.append(Issue(path, "type", got=_type_name(data),
                            allowed_key="validation.allowed.table"))
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
            issues.append(issue.under(path) if path else issue)
        if found:
            return None
    return obj


def to_plain(obj: Any) -> dict[str, Any]:
    """Convert a (nested) scenario dataclass to plain dicts/lists for TOML or JSON: the file
    form, so a bilingual text (:class:`BilingualText`) becomes ``{"en": …, "zh": …}`` and a
    plain-string name stays a string (:func:`localized_text` reads both)."""
    out: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if value is None and "section" in f.metadata:
            continue                                # an absent optional section
        if isinstance(value, BilingualText):
            out[f.name] = value.to_plain()          # the file form: {en = …, zh = …}
        elif is_dataclass(value):
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
        if "spec" in f.metadata:                    # a leaf (a BilingualText too)
            found.append((path, f.metadata["spec"], value))
        elif is_dataclass(value):
            found.extend(iter_fields(value, path + "."))
    return found


def iter_numeric_fields(obj: Any, prefix: str = "") -> list[tuple[str, FieldSpec, Any]]:
    """List ``(dotted path, spec, value)`` for every scalar numeric field, depth first."""
    return [row for row in iter_fields(obj, prefix) if row[1].kind in ("int", "float")]
