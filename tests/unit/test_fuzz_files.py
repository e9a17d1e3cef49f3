"""Fuzzing the file loader (issue 11): whatever bytes arrive, loading returns a valid
Scenario or raises ScenarioError — never another exception, never a hang — and no message
carries a raw control character (ANSI escape, carriage return, bidi override).

About 2,300 cases: random bytes, mutated shipped files, BOMs and control characters, and
every field set to hostile values (huge numbers, NaN, infinity, wrong types, control text).
"""

from __future__ import annotations

import json
import math
import re
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import scenario_io
from sim.scenario import Scenario
from sim.schema import ScenarioError, iter_fields
from tests.conftest import ROOT

PRESETS = [p.read_bytes() for p in sorted((ROOT / "scenarios").glob("*.toml"))]
FIELDS = [path for path, _spec, _value in iter_fields(Scenario())]
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _cases(n: int) -> settings:
    return settings(max_examples=n, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check(data: bytes | str) -> Scenario | None:
    """Load ``data``: a valid Scenario or a clear ScenarioError, quickly."""
    start = time.perf_counter()
    try:
        scenario = scenario_io.loads(data)
    except ScenarioError as exc:
        assert time.perf_counter() - start < 5
        assert exc.issues and exc.total >= len(exc.issues) and len(exc.issues) <= 50
        lines = [str(issue) for issue in exc.issues] + [exc.more_text()]
        for text in lines + [i.path for i in exc.issues] + [i.got for i in exc.issues]:
            assert not RAW_CONTROL.search(text), repr(text)
            assert "\n" not in text
        return None
    assert time.perf_counter() - start < 5
    assert isinstance(scenario, Scenario)
    for _path, spec, value in iter_fields(scenario):
        if spec.kind in ("int", "float"):
            assert math.isfinite(value) and type(value) is (int if spec.kind == "int" else float)
        elif spec.kind == "str":
            assert not RAW_CONTROL.search(value.replace("\t", "")) or spec.multiline
    # a loaded scenario can be written and read back as it is
    assert scenario_io.loads(scenario_io.dumps(scenario)) == scenario
    return scenario


@_cases(600)
@given(st.binary(max_size=3000))
def test_random_bytes(data: bytes) -> None:
    _check(data)


@st.composite
def mutated_presets(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(PRESETS)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "dup"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from([
                b"\x1b[31m", b"\x00", b"\r", b"\xef\xbb\xbf", b"\xff", b"\"", b"[", b"]", b"=",
                b"\n[pricing]\n", b"\nschema_version = 1\n", b"1e999", b"nan", b"-inf",
                b"\\u001b", b"\\u007f", "\u202e".encode(), b"9" * 40, b".0", b"\n\n"]))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        elif kind == "truncate":
            del data[at:]
        elif kind == "dup":
            data[at:at] = data[:at][-draw(st.integers(1, 200)):]
    return bytes(data)


@_cases(600)
@given(mutated_presets())
def test_mutated_shipped_files(data: bytes) -> None:
    _check(data)


hostile_text = st.text(alphabet=st.sampled_from(
    ["a", "Z", "0", " ", "\"", "\\", "é", "会", "\n", "\t", "\r", "\x00", "\x1b", "\x7f",
     "\x85", "\x9b", "\u202e", "\u2066", "\ufeff", "[", "]", "(", ")", "!", "<", ">"]),
    max_size=40)
hostile_values = st.one_of(
    st.integers(-2**70, 2**70), st.integers(-10, 20),
    st.sampled_from([0, 1, 12, 2**32, 2**63, -2**63, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True), st.floats(-100, 100),
    st.sampled_from([12.0, 1.0, 12.5, 1e308, -1e308, 5e-324, 0.0, -0.0]),
    st.booleans(), hostile_text,
    st.lists(st.one_of(st.floats(allow_nan=True), st.integers(-5, 5), hostile_text),
             max_size=120),
    st.dictionaries(hostile_text, st.integers(0, 3), max_size=3),
)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=True)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    raise AssertionError(value)


@st.composite
def files_with_hostile_fields(draw: st.DrawFn) -> str:
    lines = [] if draw(st.integers(0, 9)) == 0 else ["schema_version = 2"]
    tables: dict[str, list[str]] = {}
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(FIELDS + ["colour", "pricing.colour", "a.b.c"]))
        section, _, key = path.rpartition(".")
        tables.setdefault(section, []).append(f"{key} = {_toml(draw(hostile_values))}")
    for section, entries in tables.items():
        if section:
            lines.append(f"[{section}]")
        lines.extend(entries)
    text = "\n".join(lines) + "\n"
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text


@_cases(500)
@given(files_with_hostile_fields())
def test_hostile_field_values(text: str) -> None:
    _check(text)
    _check(text.encode("utf-8", errors="surrogatepass"))


@_cases(500)
@given(st.sampled_from(FIELDS), hostile_values)
def test_every_field_with_one_hostile_value(path: str, value: object) -> None:
    section, _, key = path.rpartition(".")
    head = f"[{section}]\n" if section else ""
    _check(f"schema_version = 2\n{head}{key} = {_toml(value)}\n")


@_cases(150)
@given(st.sampled_from(FIELDS), st.sampled_from(["12.0", "1.0", "0.0", "3.0", "2000.0"]))
def test_integral_floats_anywhere_load_or_are_refused(path: str, value: str) -> None:
    section, _, key = path.rpartition(".")
    head = f"[{section}]\n" if section else ""
    _check(f"schema_version = 2\n{head}{key} = {value}\n")
