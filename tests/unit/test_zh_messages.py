"""Validation messages of data uploads, fits, budgets and checks are in the catalogs
(``sim/locales/*/messages.toml``): a Chinese page shows them in Chinese, the command line
(``str(issue)``) keeps the English it printed before.

Each case provokes a representative bad input of one module; a grep over the modules
checks that every ``Issue(...)`` they build names an ``allowed_key``, so a new English-only
message cannot slip in.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

from sim import budget
from sim.equity_test import EquityTest, curve_issues
from sim.schema import Issue, ScenarioError

ROOT = Path(__file__).resolve().parents[2]

MODULES = ("sim/transactions.py", "sim/retention_fit.py", "sim/purchase_models.py",
           "sim/equity_test.py", "sim/budget.py", "sim/service/params.py",
           "sim/service/queue.py", "sim/service/run.py", "sim/optimise.py", "sim/datafile.py",
           "sim/data_scenario.py", "sim/library.py", "sim/whatif.py", "sim/loyalty.py")
"""The modules whose every Issue carries a catalog key."""

HAN = re.compile("[\u4e00-\u9fff]")
IDENTIFIER = re.compile(r"--[a-z][\w-]*|\[[^\]]*\]|[A-Za-z_][\w]*(?:[._][\w\[\]]+)+"
                        r"|\b[a-z]+_[a-z_]+\b")
"""Field paths, options, table headers and snake_case names: code, not English."""
TECHNICAL = re.compile(r"\b(?:MB|KiB|TOML|UTF|CSV|ISO|YYYY|MM|DD|BG|NBD|sbg|bdw|NaN|e\^|"
                       r"ceiling|spend|true|false|T)\b")
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,'-]+[A-Za-z]{2,}){2,}")
"""Three or more English words in a row: an English sentence left in Chinese text."""


def _english_left(text: str, params: tuple[tuple[str, str], ...] = ()) -> list[str]:
    """English word runs in ``text`` once the data (parameter values), identifiers and
    technical terms are taken out."""
    for _, value in sorted(params, key=lambda p: -len(p[1])):
        if value:
            text = text.replace(value, " ")
    text = TECHNICAL.sub(" ", IDENTIFIER.sub(" ", text))
    return ENGLISH_RUN.findall(text)


def _raised(call: Callable[[], object]) -> list[Issue]:
    with pytest.raises(ScenarioError) as info:     # DataFileError, BudgetError are ones
        call()
    return list(info.value.issues)


# ------------------------------------------------------------------ provocations per module

def _transactions() -> list[Issue]:
    from sim.transactions import parse_tier_spec, read_transactions, rfm_table, weighted_tiers

    found = _raised(lambda: read_transactions(b"id,date,amount\n,2024-13-01,-5\n1,x,y\n",
                                              "id", "date", "amount"))
    found += _raised(lambda: read_transactions(b"id,date,amount\n1,2024-01-01,1\n", "client",
                                               "date", "value"))
    found += _raised(lambda: parse_tier_spec(b"weight = 3\nscale = 'log'\n[weights]\n"
                                             b"monetary = 'lots'\n[levels]\nplan = 3\n"))
    found += _raised(lambda: parse_tier_spec(b"[weights\n"))
    log = read_transactions(b"id,date,amount,plan\n1,2024-01-01,5,gold\n2,2024-02-01,7,basic\n",
                            "id", "date", "amount")
    table = rfm_table(log, "2024-03-01")
    found += _raised(lambda: weighted_tiers(table, {"monetary": 50.0, "plan": 30.0},
                                            levels={"segment": {"x": 120.0}}))
    return found


def _transactions_span() -> list[Issue]:
    from sim.transactions import cohort_activity, read_transactions

    log = read_transactions(b"id,date,amount\n1,2024-01-05,5\n2,2024-01-20,7\n", "id", "date",
                            "amount")
    return _raised(lambda: cohort_activity(log, "quarter"))


def _retention_fit() -> list[Issue]:
    from sim.retention_fit import fit_retention, read_survivor_csv

    found = _raised(lambda: read_survivor_csv(
        b"cohort,period,customers\nA,0,100\nA,1.5,x\n ,0,5\nD,1,-3\n"))
    found += _raised(lambda: read_survivor_csv(
        b"cohort,period,customers\nA,0,100\nA,1,120\nE,0,9\nE,1,8\nE,1,7\nB,0,50\nB,2,40\n"
        b"C,0,10\nF,0,0\nF,1,0\n"))
    found += _raised(lambda: read_survivor_csv(b"period,customers,extra\n0,1,2\n"))
    table = read_survivor_csv(b"period,customers\n0,100\n1,100\n2,100\n")
    found += _raised(lambda: fit_retention(table, "sbg"))
    found += _raised(lambda: fit_retention(table, "sbg", holdout=5))
    return found


def _purchase_models() -> list[Issue]:
    from sim.purchase_models import fit_bgnbd, fit_gamma_gamma, read_summary

    found = _raised(lambda: read_summary(
        b"customer_id,frequency,recency,T,monetary_value\n2,-1,0,10,0\n4,2,12,10,4\n"
        b"5,0,3,10,0\n6,1,x,10,3\n,1,1,10,1\n6,1,1,10,1\n"))
    found += _raised(lambda: fit_bgnbd([0, 0, 0], [0, 0, 0], [5, 6, 7]))
    found += _raised(lambda: fit_bgnbd([-1, 0], [0, 3], [5, 2]))
    found += _raised(lambda: fit_gamma_gamma([0, 1, 0], [0, 5.0, 0]))
    found += _raised(lambda: fit_bgnbd(np.full(500, 40.0), np.full(500, 49.9),
                                       np.full(500, 50.0)))
    return found


def _equity_test() -> list[Issue]:
    from sim.equity_test import solve

    found = EquityTest(margin=0.0).rules()
    found += curve_issues("ceiling", "observed_spend", "observed_rate", "customers", 0.5, 1.0,
                          0.0)
    found += curve_issues("ceiling", "observed_spend", "observed_rate", "prospects", 0.2, 1.0,
                          0.3)
    found += curve_issues("ceiling", "observed_spend", "observed_rate", "customers", 0.5, 0.0,
                          0.3)
    found += _raised(lambda: solve(EquityTest(margin=2000.0, discount_rate=0.0,
                                              acquisition_ceiling=1.0, acquisition_spend=1.0,
                                              acquisition_rate=0.5, retention_ceiling=1.0,
                                              retention_spend=1.0, retention_rate=0.5)))
    found += _raised(lambda: solve(dataclasses.replace(EquityTest(), discount_rate=0.0,
                                                       retention_ceiling=1.5)))
    return found


def _budget() -> list[Issue]:
    from sim.library import load_preset
    from sim.montecarlo import run_monte_carlo
    from sim.scenario import replace_path

    s = load_preset("baseline")
    with mock.patch.object(budget, "MEMORY_BUDGET_BYTES", 1):
        found = _raised(lambda: budget.check_cohort(s))
    big = s
    for path, value in (("horizon_years", 50), ("periods_per_year", 1),
                        ("acquisition.mode", "constant"), ("acquisition.constant", 1e9),
                        ("acquisition.years", 50)):
        big = replace_path(big, path, value)
    found += _raised(lambda: run_monte_carlo(big, replications=100))
    return found


def _service() -> list[Issue]:
    from sim.cohort import run_cohort
    from sim.scenario_io import load
    from sim.service.params import Service
    from sim.service.queue import queue_issues
    from sim.service.run import check_job, job_for

    found = Service(agents_by_hour=(0.5,) + (1.0,) * 23).rules()
    found += Service(weekly_profile=(0.0,) * 7, agents_by_hour=(0.0,) * 24).rules()
    found += Service(agents_by_hour=(0.0,) * 8 + (2.0,) * 2 + (0.0,) * 14,
                     query_handling_minutes=200.0).rules()
    found += queue_issues(100.0, 0, 600.0, 5.0, None) + queue_issues(1e5, 10, 5.0, 1000.0, 2.0)
    lesson = load(ROOT / "scenarios" / "lesson_satisfied_defect.toml")
    heavy = dataclasses.replace(lesson, service=Service(sample_weeks=52,
                                                        queries_per_customer_month=20.0))
    found += _raised(lambda: check_job(job_for(heavy, run_cohort(heavy))))
    return found


def _optimise() -> list[Issue]:
    import sim.optimise as module
    from sim.library import load_preset

    found = _raised(lambda: module.optimise(load_preset("whatif_today"), -1.0, replications=0))
    found += _raised(lambda: module.optimise(load_preset("lesson_false_loyalty"), 10_000.0,
                                             replications=0))
    with mock.patch.object(module, "OPTIMISE_TIME_BUDGET_SECONDS", 1e-6):
        found += _raised(lambda: module.optimise(load_preset("whatif_today"), replications=0))
    return found


def _scenarios() -> list[Issue]:
    from sim.data_scenario import fitted_scenario, log_economics
    from sim.library import load_preset
    from sim.loyalty import LoyaltyCurve
    from sim.scenario import replace_path
    from sim.transactions import read_transactions
    from sim.whatif import baseline_for

    log = read_transactions(b"id,date,amount\n1,2024-01-05,5\n2,2024-01-20,7\n", "id", "date",
                            "amount")
    found = _raised(lambda: log_economics(log, "2023-01-01"))
    found += _raised(lambda: log_economics(log))
    found += _raised(lambda: fitted_scenario(load_preset("textbook_magazine"), "x.csv"))
    found += _raised(lambda: load_preset("../secret"))
    found += LoyaltyCurve(defection_below=4.8, affection_from=4.5, high_top=0.99,
                          low_top=0.7).rules()
    s = load_preset("whatif_today")
    s = replace_path(replace_path(s, "baseline.kind", "preset"), "baseline.preset", "no_such")
    found += _raised(lambda: baseline_for(s))[:1]
    return found


CASES: dict[str, Callable[[], list[Issue]]] = {
    "transactions": _transactions, "transactions_span": _transactions_span,
    "retention_fit": _retention_fit, "purchase_models": _purchase_models,
    "equity_test": _equity_test, "budget": _budget, "service": _service,
    "optimise": _optimise, "scenarios": _scenarios,
}

CODES_ONLY = "messages.allowed.codes"
"""The allowed text that is a list of codes (``month, quarter, year``), the same in zh."""


@pytest.mark.parametrize("name", CASES)
def test_bad_input_is_explained_in_chinese(name: str) -> None:
    issues = CASES[name]()
    assert issues
    for issue in issues:
        assert issue.allowed_key, issue
        assert issue.allowed_text("en") == issue.allowed, issue      # CLI text = catalog en
        assert issue.got_text("en") == issue.got, issue
        zh = issue.allowed_text("zh")
        if issue.allowed_key != CODES_ONLY:
            assert HAN.search(zh), (issue, zh)
            assert zh != issue.allowed
        else:
            assert zh == issue.allowed
        assert not _english_left(zh, issue.params), (issue, zh)
        if issue.got_key:
            got = issue.got_text("zh")
            assert HAN.search(got) or got == issue.got, (issue, got)
            assert not _english_left(got, issue.params), (issue, got)
        assert str(issue).isascii() or not HAN.search(str(issue)), issue   # CLI stays English


def test_the_command_line_keeps_the_english_of_before() -> None:
    """A few messages word for word as the command line printed them before the catalogs."""
    texts = {str(i) for name in ("transactions", "retention_fit", "equity_test") for i in
             CASES[name]()}
    assert {
        "amount[row 2]: value '-5' is out of range; allowed: 0 or more (a refund is not a "
        "purchase: net it against its purchase or leave it out)",
        "id[row 2]: wrong type, got an empty cell; expected a customer id (not empty)",
        "date[row 2]: wrong type, got '2024-13-01'; expected a date as YYYY-MM-DD, 1900 to "
        "2199 (ISO 8601; give a date format for other layouts)",
        "client: column missing from the data file; expected a column named 'client', found "
        "columns 'id', 'date', 'amount'",
        "weights: they add up to 80; the weights must add up to 100 points",
        "customers[row 3]: 100 at period 0 of cohort A, then 120; no more customers than at "
        "the period before (survivors cannot rise)",
        "fit: no customer was lost in the periods fitted (retention 100 %); a table in which "
        "some customers leave",
        "margin: margin is 0; more than 0 (a customer who brings no margin is worth no "
        "spending)",
        "observed_rate: observed_rate is 0; more than 0: the observed point calibrates the "
        "response curve, and an observed rate of 0 says spending moves no customers",
    } <= texts, sorted(texts)
    span = [str(i) for i in CASES["transactions_span"]()]
    assert span[0].startswith("date: first purchase in 2024Q1, last complete quarter ")
    assert "two complete quarters (a cohort and its next quarter)" in span[0]


def _catalog(lang: str) -> dict[str, str]:
    with (ROOT / "sim" / "locales" / lang / "messages.toml").open("rb") as fh:
        data = tomllib.load(fh)
    out: dict[str, str] = {}
    for table, entries in data["messages"].items():
        out.update({f"messages.{table}.{k}": v for k, v in entries.items()})
    return out


def test_every_chinese_message_is_chinese() -> None:
    """Every zh text of ``messages.toml`` (not only those provoked above) is Chinese: no
    English sentence is left once placeholders, identifiers and technical terms are out."""
    en, zh = _catalog("en"), _catalog("zh")
    assert set(en) == set(zh)
    for key, text in zh.items():
        bare = re.sub(r"\{[^{}]*\}", " ", text)
        if key not in (CODES_ONLY, "messages.found.pm_message"):
            assert HAN.search(bare), (key, text)
        assert not _english_left(bare), (key, text)


def _issue_calls(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name) and node.func.id == "Issue"]


@pytest.mark.parametrize("module", MODULES)
def test_every_issue_built_has_a_catalog_key(module: str) -> None:
    calls = _issue_calls(ROOT / module)
    assert calls, module
    bare = [node.lineno for node in calls
            if not any(k.arg == "allowed_key" for k in node.keywords)]
    assert not bare, f"{module}: Issue(...) without allowed_key at lines {bare}"
    positional = [node.lineno for node in calls if len(node.args) > 2]
    assert not positional, (f"{module}: English allowed/got given positionally at lines "
                            f"{positional}; give catalog keys")
