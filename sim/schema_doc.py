"""Reference table of every scenario field, generated from the schema itself.

``python -m sim.schema_doc`` prints the Markdown table the README embeds between
``<!-- schema:begin -->`` and ``<!-- schema:end -->``; ``python -m sim.schema_doc
--write README.md`` refreshes it in place; a test keeps the two equal.
"""

from __future__ import annotations

from typing import Any

from sim.scenario import full_example
from sim.schema import BilingualText, FieldSpec, iter_fields

__all__ = ["field_rows", "markdown_table", "embed_table", "BEGIN_MARK", "END_MARK"]

BEGIN_MARK = "<!-- schema:begin -->"
END_MARK = "<!-- schema:end -->"


def _default_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(_default_text(v) for v in value) + "]"
    if isinstance(value, str):
        return f'"{value}"' if value else '""'
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, BilingualText):
        return "{ " + ", ".join(f"{k} = {_default_text(v)}"
                                for k, v in value.to_plain().items()) + " }"
    return str(value)


def field_rows() -> list[tuple[str, FieldSpec, Any]]:
    """``(dotted path, spec, default)`` for every leaf field of the schema, in file order
    (optional sections included, at their defaults)."""
    return iter_fields(full_example())


def markdown_table() -> str:
    """Markdown table: field, allowed values (with unit), default, lever flag."""
    lines = ["| field | allowed values | default | lever |", "|---|---|---|---|"]
    for path, fs, default in field_rows():
        allowed = fs.range_text().replace("|", "\\|")
        lines.append(f"| `{path}` | {allowed} | `{_default_text(default)}` | "
                     f"{'yes' if fs.lever else ''} |")
    return "\n".join(lines)


def embed_table(text: str) -> str:
    """``text`` with the part between the schema marks replaced by :func:`markdown_table`."""
    head, rest = text.split(BEGIN_MARK, 1)
    _old, tail = rest.split(END_MARK, 1)
    return f"{head}{BEGIN_MARK}\n{markdown_table()}\n{END_MARK}{tail}"


if __name__ == "__main__":
    import sys
    from pathlib import Path

    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        target = Path(sys.argv[2])
        target.write_text(embed_table(target.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(markdown_table())
