"""Architecture rules: sim/ imports no UI; pages hold no formulas; levers stay in schema range."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sim.scenario import Scenario, get_path
from sim.schema import FieldSpec, iter_fields
from tests.conftest import ROOT

UI_MODULES = {"streamlit", "altair", "ui", "pages", "playwright"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "sim").glob("*.py")), ids=lambda p: p.name)
def test_sim_imports_no_ui(path: Path) -> None:
    assert not _imports(path) & UI_MODULES


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_pages_import_no_numpy_or_scipy(path: Path) -> None:
    """Formulas live in sim/ (numbers) and ui/ (presentation), never in pages/."""
    assert not _imports(path) & {"numpy", "scipy", "simpy"}


def test_every_lever_range_is_its_schema_range() -> None:
    """No lever clamps a valid value: its widget spans the field's whole allowed range."""
    from ui.levers import LEVERS

    specs: dict[str, FieldSpec] = {path: fs for path, fs, _ in iter_fields(Scenario())}
    checked = 0
    for lever in LEVERS:
        if lever.kind in ("toggle", "choice") or lever.path not in specs:
            continue
        fs = specs[lever.path]
        low, high = lever.limits(Scenario())
        assert (low / lever.scale, high / lever.scale) == pytest.approx((fs.minimum, fs.maximum)), \
            lever.key
        get_path(Scenario(), lever.path)
        checked += 1
    assert checked >= 10
