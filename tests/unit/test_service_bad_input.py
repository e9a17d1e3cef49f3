"""Bad input for the service engine: clear messages naming the field or option, exit 1, and
runs over the event budget refused before they start."""

from __future__ import annotations

import dataclasses

import pytest

from sim.budget import BudgetError
from sim.cli import main
from sim.cohort import run_cohort
from sim.scenario_io import load, loads
from sim.schema import ScenarioError
from sim.service.params import Service, shifts
from sim.service.queue import EVENT_BUDGET, check_queue
from sim.service.run import check_job, job_for, service_aware_run
from tests.conftest import ROOT

LESSON = ROOT / "scenarios" / "lesson_satisfied_defect.toml"


def _with_service(table: str) -> str:
    return LESSON.read_text(encoding="utf-8") + "\n[service]\n" + table + "\n"


def _issues(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        loads(text)
    return [str(i) for i in info.value.issues]


def test_zero_agents_with_arrivals_is_refused_naming_the_field() -> None:
    issues = _issues(_with_service("agents_by_hour = [" + ", ".join(["0"] * 24) + "]"))
    assert len(issues) == 1 and issues[0].startswith("service.agents_by_hour:")
    assert "at least one agent" in issues[0]
    # No requests: nobody needs answering.
    loads(_with_service("agents_by_hour = [" + ", ".join(["0"] * 24) + "]\n"
                        "queries_per_customer_month = 0\ncomplaints_per_customer_month = 0"))


def test_handling_longer_than_the_shortest_shift_is_refused() -> None:
    agents = ["0"] * 24
    agents[9] = "3"                                           # one hour, 09-10
    issues = _issues(_with_service("agents_by_hour = [" + ", ".join(agents) + "]\n"
                                   "query_handling_minutes = 90"))
    assert len(issues) == 1 and issues[0].startswith("service.query_handling_minutes:")
    assert "60 minutes (hours 9-10" in issues[0]


def test_whole_agents_and_weighted_profiles() -> None:
    agents = ["2"] * 24
    agents[5] = "2.5"
    assert _issues(_with_service("agents_by_hour = [" + ", ".join(agents) + "]"))[0].startswith(
        "service.agents_by_hour[5]:")
    issue = _issues(_with_service("weekly_profile = [0, 0, 0, 0, 0, 0, 0]"))[0]
    assert issue.startswith("service.weekly_profile:")
    assert _issues(_with_service("agents_by_hour = [1, 2]"))[0].startswith(
        "service.agents_by_hour: has 2 elements")
    assert _issues(_with_service("patience_minutes = -1"))[0].startswith(
        "service.patience_minutes: value -1")
    assert _issues(_with_service("agent_count = 3"))[0].startswith("service.agent_count:")


def test_shifts() -> None:
    assert shifts((1.0,) * 24) == [(0, 24)]
    day = (0.0,) * 8 + (2.0,) * 10 + (0.0,) * 6
    assert shifts(day) == [(8, 10)]
    night = (1.0,) * 6 + (0.0,) * 16 + (1.0,) * 2                # 22-06 across midnight
    assert shifts(night) == [(22, 8)]


def test_a_run_over_the_event_budget_is_refused_before_it_starts() -> None:
    s = load(LESSON)
    heavy = dataclasses.replace(s, service=Service(sample_weeks=52,
                                                   queries_per_customer_month=20.0))
    with pytest.raises(BudgetError) as info:
        check_job(job_for(heavy, run_cohort(heavy)))
    paths = [i.path for i in info.value.issues]
    assert paths == ["service.sample_weeks", "service.queries_per_customer_month"]
    assert f"at most {EVENT_BUDGET:,} events" in str(info.value)

    def engine(job):
        raise AssertionError("the engine must not start")

    with pytest.raises(BudgetError):
        service_aware_run(heavy, engine=engine)


def test_queue_checks() -> None:
    with pytest.raises(BudgetError) as info:
        check_queue(100.0, 0, 600.0, 5.0, None)
    assert [i.path for i in info.value.issues] == ["--agents", "--handling-minutes"]
    with pytest.raises(BudgetError) as info:
        check_queue(1e5, 10, 5.0, 1000.0, 2.0)
    assert info.value.issues[0].path == "--hours"
    check_queue(0.0, 0, 5.0, 10.0, None)                        # no arrivals, no agents: fine


@pytest.mark.parametrize("argv,named", [
    (["--agents", "0"], "--agents: 0 agents; at least 1 agent"),
    (["--handling-minutes", "300", "--hours", "4"], "--handling-minutes: a mean handling time "
                                                   "of 300 minutes; at most the run's length"),
    (["--arrivals-per-hour", "100000", "--hours", "1000"], "--hours: 100000 arrivals/hour"),
    (["--agents", "-2"], "--agents: value -2 is out of range"),
    (["--patience-minutes", "0"], "--patience-minutes: value 0 is out of range"),
    (["--hours", "nan"], "--hours: value nan is out of range"),
])
def test_queue_command_bad_input_exits_1_naming_the_option(argv, named, capsys) -> None:
    base = {"--arrivals-per-hour": "60", "--agents": "5", "--handling-minutes": "4",
            "--hours": "10"}
    args = dict(base)
    args.update(dict(zip(argv[::2], argv[1::2], strict=True)))
    code = main(["queue", *[x for kv in args.items() for x in kv]])
    err = capsys.readouterr().err
    assert code == 1, err
    assert named in err


def test_queue_command_usage_errors_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["queue", "--arrivals-per-hour", "ten", "--agents", "3", "--handling-minutes", "4"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["queue", "--agents", "3", "--handling-minutes", "4"])   # rate missing
    assert info.value.code == 2


def test_service_command_bad_files_exit_1(tmp_path, capsys) -> None:
    assert main(["service", str(ROOT / "scenarios" / "baseline.toml")]) == 1
    assert "service: the file has no [service] table" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text(_with_service("agents_by_hour = [" + ", ".join(["0"] * 24) + "]"),
                   encoding="utf-8")
    assert main(["service", str(bad)]) == 1
    assert "service.agents_by_hour: 0 agents in every hour" in capsys.readouterr().err
    assert main(["validate", str(bad)]) == 1
    assert "service.agents_by_hour:" in capsys.readouterr().out
    heavy = tmp_path / "heavy.toml"
    heavy.write_text(_with_service("sample_weeks = 52\nqueries_per_customer_month = 20"),
                     encoding="utf-8")
    assert main(["service", str(heavy), "--format", "json"]) == 1
    err = capsys.readouterr()
    assert "service.sample_weeks:" in err.err and err.out == ""
    assert main(["service", str(tmp_path / "missing.toml")]) == 1
