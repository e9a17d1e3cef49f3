"""Chinese catalogs use Chinese (full-width) punctuation in Chinese text (issue 16, item 1).

The rule, applied to every value of every ``sim/locales/zh/*.toml`` (new files included)
that holds a Chinese character or is made of placeholders and punctuation only
(``{path}:{got}``, a template shown in Chinese):

* Spans that are not running text are set aside: inline code (```…```), URLs, Markdown
  link targets (``](…)``) and Streamlit directives (``:material/…:``, ``:red[``) count as
  a Latin word; a ``{placeholder}`` counts as a word of the Chinese sentence around it.
* A half-width comma, semicolon or colon (``, ; :``) is wrong when the nearest
  non-space character on its left or on its right is Chinese (a Han character, CJK or
  full-width punctuation such as ``。，、“”…``) or a placeholder: ``保留率:{value}``,
  ``{path}:{got}`` and ``{a},{b}`` must be ``：``/``，``. ``USD 1,234``, ``12:30``,
  ``start, end`` and ``a:b`` keep theirs: nothing Chinese touches them.
* A pair of half-width parentheses ``( … )`` is wrong when its content holds a Chinese
  character or a placeholder, or when the nearest non-space character before ``(`` or after ``)`` is
  Chinese: ``保留率(retention.model)`` must be ``保留率（retention.model）``. Notation is
  exempt: a pair with no Chinese and no placeholder inside whose ``(`` directly follows a
  Latin, Greek, digit or symbol character (``a(A)``, ``V(R*)``, ``Beta(α, β)``, ``e^(−k × A)``), and
  the punctuation inside it. An unpaired parenthesis is judged like a comma.

Write ``，；：（）`` instead (full-width punctuation carries its own spacing: no spaces
around it).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ZH = ROOT / "sim" / "locales" / "zh"

CHINESE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2018\u2019"
                     "\u201c\u201d\u2026\u2014]")
"""Han characters, CJK and full-width punctuation, Chinese quotes, the ellipsis and dash."""
LATIN_SPANS = re.compile(r"`+[^`]*`+|https?://\S+|\]\([^)]*\)|:[a-z_]+/[a-z_]+:|:[a-z]+\[")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
HOLE = "\x01"
"""What a placeholder becomes before the check: a word of the sentence around it."""
FULL = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）"}


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, str):
            out[f"{prefix}{key}"] = value
    return out


def _masked(text: str) -> str:
    """``text`` with the set-aside spans replaced, length and positions kept: code, URLs
    and directives by ``x``, placeholders by :data:`HOLE`."""
    text = LATIN_SPANS.sub(lambda m: "x" * len(m.group()), text)
    return PLACEHOLDER.sub(lambda m: HOLE * len(m.group()), text)


def _neighbour(text: str, i: int, step: int) -> str:
    j = i + step
    while 0 <= j < len(text) and text[j] == " ":
        j += step
    return text[j] if 0 <= j < len(text) else ""


def _chinese(ch: str) -> bool:
    return bool(ch) and (ch == HOLE or CHINESE.match(ch) is not None)


def _touches_chinese(text: str, i: int) -> bool:
    return _chinese(_neighbour(text, i, -1)) or _chinese(_neighbour(text, i, 1))


def wrong_punctuation(text: str) -> list[int]:
    """Positions in ``text`` of half-width ``, ; : ( )`` that should be full-width (the
    module's rule; nothing in a value without Chinese, unless it is placeholders and
    punctuation only, such as ``{path}:{got}``)."""
    masked = _masked(text)
    template_only = HOLE in masked and not re.search(r"[A-Za-z]", masked)
    if not (CHINESE.search(text) or template_only):
        return []
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    single: list[int] = []
    for i, ch in enumerate(masked):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            pairs.append((stack.pop(), i))
        elif ch in ",;:)":
            single.append(i)
    single += stack                                   # unpaired "("
    wrong: set[int] = set()
    notation: list[tuple[int, int]] = []
    for start, end in pairs:
        inside = masked[start + 1:end]
        before = masked[start - 1] if start else ""
        if (not CHINESE.search(inside) and HOLE not in inside and before
                and before != " " and not _chinese(before)):
            notation.append((start, end))
        elif (CHINESE.search(inside) or HOLE in inside or _chinese(_neighbour(masked, start, -1))
              or _chinese(_neighbour(masked, end, 1))):
            wrong |= {start, end}
    for i in single:
        if not any(s < i < e for s, e in notation) and _touches_chinese(masked, i):
            wrong.add(i)
    return sorted(wrong)


def fixed(text: str) -> str:
    """``text`` with the wrong punctuation made full-width and the spaces around it dropped."""
    chars = list(text)
    for i in reversed(wrong_punctuation(text)):
        chars[i] = FULL[chars[i]]
        j = i + 1
        while j < len(chars) and chars[j] == " ":
            del chars[j]
        k = i - 1
        while k >= 0 and chars[k] == " ":
            del chars[k]
            k -= 1
    return "".join(chars)


def test_the_rule() -> None:
    assert fixed("保留率:{value}") == "保留率：{value}"
    assert fixed("{path}: 未知字段") == "{path}：未知字段"
    assert fixed("此项无效(retention.model)。") == "此项无效（retention.model）。"
    assert fixed("(1 = 非常不满意,5 = 完全满意)") == "（1 = 非常不满意，5 = 完全满意）"
    assert fixed("成本 {cost},占 {share}") == "成本 {cost}，占 {share}"
    assert fixed("{path}:{got};{allowed}") == "{path}：{got}；{allowed}"
    assert fixed("服从 Beta(α, β) 分布，均值 α/(α+β)。") == "服从 Beta(α, β) 分布，均值 α/(α+β)。"
    assert fixed("价值 V(R*)：{v}") == "价值 V(R*)：{v}"
    assert fixed("P10 至 P90({currency})") == "P10 至 P90（{currency}）"
    for kept in ("USD 1,234", "以下之一：start, end", "`a, b` 之一", "见 https://x.org/a:b",
                 "P10 (USD)", "12:30 开始", "{a}:{b} only Latin", "a(b)"):
        assert fixed(kept) == kept, kept


def test_zh_catalogs_use_chinese_punctuation() -> None:
    problems = []
    for path in sorted(ZH.glob("*.toml")):
        with path.open("rb") as fh:
            for key, text in _flatten(tomllib.load(fh)).items():
                for i in wrong_punctuation(text):
                    excerpt = text[max(0, i - 12):i] + "⟦" + text[i] + "⟧" + text[i + 1:i + 12]
                    problems.append(f"{path.relative_to(ROOT)} {key}: half-width {text[i]!r} "
                                    f"in Chinese text: …{excerpt}… → write {FULL[text[i]]!r}")
    assert not problems, (f"{len(problems)} half-width punctuation mark(s) in Chinese text "
                          "(rule: tests/unit/test_zh_punctuation.py docstring):\n"
                          + "\n".join(problems[:60]))
