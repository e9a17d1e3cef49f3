"""Architecture rules (DESIGN.md "Layers"), checked on the source's syntax tree:

- every module of sim/ (subpackages too) imports no streamlit, altair, ui, pages or playwright;
- ui/ imports no pages;
- pages hold no formulas: they import no numpy, scipy or simpy, contain no matrix product
  (``@``), multiply, divide or raise to a power only with a literal operand (unit conversions
  such as ``value / 100``; a product or ratio of two computed values is a formula and belongs
  in sim/), and use no private name (``_name``) of sim/ or ui/;
- every lever widget spans its field's whole schema range (no lever clamps a valid value).
"""

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


PAGES = sorted((ROOT / "pages").glob("*.py"))
FORMULA_OPS = (ast.Mult, ast.Div, ast.FloorDiv, ast.Pow, ast.Mod)


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"))


def _literal(node: ast.expr) -> bool:
    """A number written in the source (possibly signed)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float))


def _formulas(tree: ast.AST) -> list[str]:
    """Matrix products, and products/ratios/powers/modulos with no literal operand
    (``%`` on a string literal is formatting, not arithmetic)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.BinOp):
            continue
        if isinstance(node.op, ast.MatMult):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node.op, FORMULA_OPS) and not (_literal(node.left) or _literal(node.right)):
            if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
                continue
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def _private_uses(tree: ast.AST) -> list[str]:
    """Private names taken from sim/ or ui/: imported, or reached as ``module._name``."""
    found, modules = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] in ("sim", "ui"):
            found += [f"line {node.lineno}: {node.module}.{alias.name}" for alias in node.names
                      if alias.name.startswith("_")]
            modules |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            modules |= {alias.asname or alias.name.split(".")[0] for alias in node.names
                        if alias.name.split(".")[0] in ("sim", "ui")}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") \
                and not node.attr.startswith("__") and isinstance(node.value, ast.Name) \
                and node.value.id in modules:
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "sim").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT / "sim")))
def test_sim_imports_no_ui(path: Path) -> None:
    assert not _imports(path) & UI_MODULES


@pytest.mark.parametrize("path", sorted((ROOT / "ui").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT / "ui")))
def test_ui_imports_no_pages(path: Path) -> None:
    assert "pages" not in _imports(path)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_import_no_numpy_or_scipy(path: Path) -> None:
    """Formulas live in sim/ (numbers) and ui/ (presentation), never in pages/."""
    assert not _imports(path) & {"numpy", "scipy", "simpy"}


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_hold_no_formulas(path: Path) -> None:
    assert _formulas(_tree(path)) == []


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_use_no_private_names_of_sim_or_ui(path: Path) -> None:
    assert _private_uses(_tree(path)) == []


def test_the_formula_and_private_name_checks_catch_what_they_claim() -> None:
    caught = _formulas(ast.parse("a = w @ s\nb = x / y\nc = x ** k\nd = x * y"))
    assert len(caught) == 4
    assert _formulas(ast.parse("a = v / 100\nb = 100 * v\nc = -1 * v\nd = '%d' % v\n"
                               "e = x - y\nf = len(a) + 1")) == []
    source = ("from sim.tco import _without_repeat\nfrom sim import cohort\n"
              "import ui.state\ncohort._run(1)\nui._x\nself._y\ncohort.run_cohort(1)")
    assert len(_private_uses(ast.parse(source))) == 3


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
