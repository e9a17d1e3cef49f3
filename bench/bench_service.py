"""Benchmark: the service event engine (sim/service, issue 15 "Speed").

Target: one simulated year (52 weeks) of a 100,000-customer base (default request rates,
0.25 a customer-month: about 300,000 requests) in at most 5 s. Printed beside it, measured
in the same run and process:

* the engine's rate: simpy events it scheduled / wall time of the simulation;
* simpy's own floor: a minimal simpy process looping ``yield env.timeout(1)`` for the same
  number of events (what any simpy model of that many events costs at least);
* the stationary queue of ``python -m sim queue`` (Erlang C case) for the same comparison.

Each figure is the median of ``--repeat`` runs (default 3) with the minimum (and the
median CPU time) beside it: on a shared machine the wall time follows the load.

Run: python bench/bench_service.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import simpy  # noqa: E402

from sim.service.params import (
    Service,  # noqa: E402
    with_agents_by_hour,  # noqa: E402
)
from sim.service.queue import simulate_queue  # noqa: E402
from sim.service.run import ServiceJob, run_job, suggest_agents  # noqa: E402

CUSTOMERS = 100_000
TARGET_SECONDS = 5.0


def simpy_floor(events: int) -> float:
    """Seconds simpy takes for ``events`` timeouts of one minimal process."""
    env = simpy.Environment()

    def loop(env: simpy.Environment):
        for _ in range(events):
            yield env.timeout(1)

    env.process(loop(env))
    start = time.perf_counter()
    env.run()
    return time.perf_counter() - start


def _sized_service() -> Service:
    """The default centre staffed by Erlang C for 80/20 at a 100,000-customer base."""
    from sim.cohort import run_cohort
    from sim.scenario import Acquisition, Retention, Scenario

    base = Scenario(horizon_years=1, periods_per_year=12,
                    acquisition=Acquisition(mode="list", per_year=(float(CUSTOMERS),)),
                    retention=Retention(model="constant", constant=1.0))
    service = Service(sample_weeks=52)
    # The base's customers arrive over the year; size for the full base.
    result = run_cohort(base)
    agents = suggest_agents(base, service, result)
    return with_agents_by_hour(service, agents)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    service = _sized_service()
    job = ServiceJob(service, False, 42, (tuple([float(CUSTOMERS)] * 52),))
    run_job(job)                                   # warm-up (imports, first allocations)
    walls, cpus, runs = [], [], []
    for _ in range(args.repeat):
        start, cpu = time.perf_counter(), time.process_time()
        runs.append(run_job(job))
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    run = runs[0]
    engine = [r.seconds for r in runs]
    floors = [simpy_floor(run.events) for _ in range(args.repeat)]
    rate = run.events / statistics.median(engine)
    floor_rate = run.events / statistics.median(floors)
    sl = float(run.yearly["service_level"].iloc[0])
    print(f"Year of a {CUSTOMERS:,}-customer base (52 weeks, agents by hour "
          f"{[int(a) for a in service.agents_by_hour]}):")
    print(f"  requests {run.requests:,}, contacts {run.contacts:,}, simpy events {run.events:,}, "
          f"service level {sl:.1%}")
    verdict = "ok" if statistics.median(walls) <= TARGET_SECONDS else "MISSED"
    print(f"  wall time (arrivals, simulation, KPIs): median {statistics.median(walls):.2f} s, "
          f"min {min(walls):.2f} s, CPU median {statistics.median(cpus):.2f} s  "
          f"(target <= {TARGET_SECONDS:g} s: {verdict})")
    print(f"  simulation alone: median {statistics.median(engine):.2f} s, "
          f"min {min(engine):.2f} s")
    print(f"  engine: {rate:,.0f} events/s; simpy floor (minimal process loop, "
          f"{run.events:,} timeouts): {floor_rate:,.0f} events/s "
          f"(median {statistics.median(floors):.2f} s); engine / floor = {rate / floor_rate:.2f}")
    queue_walls, queue = [], None
    for _ in range(args.repeat):
        start = time.perf_counter()
        queue = simulate_queue(100.0, 10, 5.0, None, 20.0, 2000.0, seed=1)
        queue_walls.append(time.perf_counter() - start)
    assert queue is not None
    q_floor = statistics.median(simpy_floor(queue.events) for _ in range(args.repeat))
    print(f"Stationary queue (100/h, 10 agents, 5 min, 2000 h): {queue.requests:,} requests, "
          f"{queue.events:,} events, wall median {statistics.median(queue_walls):.2f} s; "
          f"engine {queue.events / queue.seconds:,.0f} events/s vs floor "
          f"{queue.events / q_floor:,.0f} events/s")


if __name__ == "__main__":
    main()
