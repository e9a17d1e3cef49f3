"""No ``[service]`` table, no change: every shipped scenario (the book case included) gives
the numbers it gave before the section existed.

The section is read only by the service engine (``python -m sim service``, the Service
operations page): the cohort engine, Monte Carlo and ``python -m sim run`` never look at
it. So for every file in scenarios/ (none has the table): it loads with ``service`` None
and writes back without it; its ``run --format json`` output is byte-identical to the
output for the same file *with* a ``[service]`` table added, and so are its run_cohort
KPIs and tables; a zero shift leaves the very same scenario object; and the service-aware
run of a scenario whose service changes nothing returns run_cohort's numbers bit for bit
(tests/unit/test_service_engine.py).
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.cohort import run_cohort
from sim.scenario import scenario_to_dict
from sim.scenario_io import dumps, load, loads
from sim.service.loyalty_link import service_adjusted_scenario
from sim.service.params import Service
from tests.conftest import ROOT

FILES = sorted((ROOT / "scenarios").glob("*.toml"))
SERVICE_TABLE = "\n[service]\nagents_by_hour = [" + ", ".join(["3"] * 24) + "]\n" \
                "query_handling_minutes = 7.5\n"


def _run_json(path, capsys) -> str:
    assert main(["run", str(path), "--format", "json"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_no_service_table_no_change(path, tmp_path, capsys) -> None:
    scenario = load(path)
    assert scenario.service is None
    assert "service" not in scenario_to_dict(scenario)
    assert "[service]" not in dumps(scenario)
    assert service_adjusted_scenario(scenario, 0.0) is scenario

    with_table = tmp_path / path.name
    with_table.write_text(path.read_text(encoding="utf-8") + SERVICE_TABLE, encoding="utf-8")
    served = load(with_table)
    assert served.service == dataclasses.replace(Service(), agents_by_hour=(3.0,) * 24,
                                                 query_handling_minutes=7.5)
    assert dataclasses.replace(served, service=None) == scenario

    plain, other = run_cohort(scenario), run_cohort(served)
    np.testing.assert_equal(plain.kpis, other.kpis)
    for name in ("periods", "yearly", "cohorts", "tenure"):
        pd.testing.assert_frame_equal(getattr(plain, name), getattr(other, name),
                                      check_exact=True)
    assert _run_json(path, capsys) == _run_json(with_table, capsys)


def test_the_book_case_is_unchanged(capsys) -> None:
    """DOMAIN.md §1: ≈ 67 USD of value per subscriber, ≈ 17 after acquisition."""
    report = json.loads(_run_json(ROOT / "scenarios" / "textbook_magazine.toml", capsys))
    assert report["kpis"]["clv_gross"] == pytest.approx(66.94, abs=0.01)
    assert report["kpis"]["clv_net"] == pytest.approx(16.94, abs=0.01)


def test_a_service_table_round_trips() -> None:
    text = (ROOT / "scenarios" / "lesson_top_box.toml").read_text(encoding="utf-8") \
        + SERVICE_TABLE
    scenario = loads(text)
    assert loads(dumps(scenario)) == scenario
    assert scenario_to_dict(scenario)["service"]["agents_by_hour"] == [3.0] * 24
