"""The English and Chinese catalogs: same keys, same placeholders, every used key present."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from sim.finance import REASONS
from sim.kpis import KPIS, REASON_NO_CUSTOMERS, REASON_UNBOUNDED_MARKET
from sim.programmes import PROGRAMME_KINDS
from sim.scorecard import INDICATORS, PERSPECTIVES
from sim.tco import TCO_ELEMENTS
from tests.conftest import ROOT
from ui.i18n import LANGUAGES, load_catalog
from ui.levers import LEVERS

SOURCES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")])


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    en, zh = load_catalog("en"), load_catalog("zh")
    assert set(en) == set(zh), (set(en) ^ set(zh))
    for key, text in en.items():
        assert _placeholders(text) == _placeholders(zh[key]), key
        assert zh[key].strip(), key


def _literal_keys(path: Path) -> set[str]:
    keys = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t"
                and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            keys.add(node.args[0].value)
    return keys


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_literal_key_exists(path: Path) -> None:
    catalog = load_catalog("en")
    missing = sorted(k for k in _literal_keys(path) if k not in catalog)
    assert not missing, missing


def test_keys_built_at_run_time_exist() -> None:
    catalog = load_catalog("en")
    codes = ("unknown", "type", "range", "nan", "choice", "length", "syntax", "size", "encoding",
             "version", "rule")
    keys = [f"validation.{code}" for code in codes]
    keys += [f"tco_element.{name}" for name in TCO_ELEMENTS]
    keys += [f"scorecard.{p}" for p in PERSPECTIVES] + [KPIS[i.key].label_key for i in INDICATORS]
    keys += [kpi.label_key for kpi in KPIS.values()]                    # the KPI registry
    keys += [f"reason.{code}" for code in (*REASONS, REASON_NO_CUSTOMERS,
                                           REASON_UNBOUNDED_MARKET)]
    keys += [f"judgement.{j}" for j in ("better", "worse", "same", "changed", "n_a")]
    keys += [f"programme.{kind}" for kind in PROGRAMME_KINDS]
    keys += [f"baseline_kind.{kind}" for kind in ("no_programme", "preset", "as_is")]
    for lever in LEVERS:
        keys += [lever.label_key, lever.label_key + "_help"]
        keys += [f"{lever.label_key}_{choice}" for choice in lever.choices]
    missing = sorted(k for k in keys if k not in catalog)
    assert not missing, missing


def test_languages_offered_are_the_catalogs_present() -> None:
    assert set(LANGUAGES) == {p.name for p in (ROOT / "sim" / "locales").iterdir() if p.is_dir()}
