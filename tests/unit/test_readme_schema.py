"""The README's field reference is the schema's own table (regenerate with
``python -m sim.schema_doc --write README.md``)."""

from pathlib import Path

from sim.schema_doc import embed_table, field_rows

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_field_table_matches_schema() -> None:
    text = README.read_text(encoding="utf-8")
    assert embed_table(text) == text, (
        "README field table is stale: python -m sim.schema_doc --write README.md")


def test_every_field_has_a_documented_range() -> None:
    for path, fs, _default in field_rows():
        assert fs.range_text(), path
        if fs.kind in ("int", "float", "float_list"):
            assert fs.minimum is not None and fs.maximum is not None, path
