"""A work budget: every run's memory and time estimated before it starts.

A room of 30 users (or a shared server) runs the engines side by side, so each
run gets a share of the machine, not all of it. Before a run the engines
estimate their peak memory (bytes) and time (seconds) from the scenario alone:

* **Cohort engine** (expected values): arrays of classes × periods and a few of
  periods × periods (one cohort by tenure and calendar time). Over the budget it
  refuses with a :class:`BudgetError` naming the fields to lower (with the
  schema's maxima it always fits: 120 classes × 600 periods needs ~25 MB).
* **Monte Carlo**: the customers of one block (:data:`CUSTOMER_CHUNK`, ~40 bytes
  each), one chunk of replications × periods² cells (:data:`CELL_CHUNK`, ~4 bytes
  each: customers by cohort, tenure and lifetime), and the per-replication series it
  returns (replications × periods × 13); time grows with every customer simulated
  (replications × expected customers acquired) and every cell.
  Over the budget :func:`plan_run` does not run it: the figures are the expected
  values, with a ``monte_carlo_skipped`` :class:`Notice` naming the fields to
  lower. :func:`sim.montecarlo.run_monte_carlo` itself refuses a run over the
  budget (a caller that skipped the plan gets a :class:`BudgetError`, never an
  exhausted machine).

Notices are codes with parameters; the pages translate them (``budget.<code>``
in ``sim/locales/*/budget.toml``), the command line prints :meth:`Notice.message`.
The population notices say when the market bound cut acquisition
(``market_full``) or an unbounded market hit :data:`sim.acquisition.POPULATION_CAP`
(``population_capped``).

The constants are measured by ``bench/bench_limits.py`` (estimate within 2× of
the measured peak; the largest admitted runs stay far under 1.5 GB).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.acquisition import POPULATION_CAP
from sim.scenario import Scenario
from sim.schema import Issue, ScenarioError

if TYPE_CHECKING:
    from sim.cohort import CohortInputs

_A = "messages.allowed."
_F = "messages.found."

__all__ = ["MEMORY_BUDGET_BYTES", "TIME_BUDGET_SECONDS", "CUSTOMER_CHUNK", "CELL_CHUNK",
           "Estimate", "Notice", "BudgetError", "cohort_estimate", "monte_carlo_estimate",
           "check_cohort", "check_monte_carlo", "plan_run", "population_notices",
           "replication_chunk", "NOTICE_CODES"]

MEMORY_BUDGET_BYTES = 400 * 2**20
"""Peak memory one engine run may use (bytes): 400 MiB, so a dashboard's two runs for each
of a few concurrent users stay far under a small server's memory."""

TIME_BUDGET_SECONDS = 10.0
"""Estimated time one Monte Carlo run may take (seconds, one core)."""

CUSTOMER_CHUNK = 1 << 16
"""Customers the Monte Carlo engine draws at once (its look-up tables work block by block,
in cache; results do not depend on the block size)."""

CELL_CHUNK = 1 << 21
"""Replications × periods² cells the Monte Carlo engine accounts at once."""

# Measured (bench/bench_limits.py, numpy 2): bytes and seconds per unit of work.
_MC_BYTES_PER_CUSTOMER = 40.0        # hash words, hashes, buckets, lifetimes, values of a block
_MC_BYTES_PER_CELL = 4.5             # the (R, A, K) histogram (int32; the accounting reads
#                                      it in place, its work arrays are bounded)
_MC_BYTES_PER_SERIES_VALUE = 8.0 * 16  # the (R, T) series returned, and their copies
_MC_SECONDS_PER_CUSTOMER = 4e-8     # look-up lifetimes (issue 12): 1.4-3.1e-8 measured
_MC_SECONDS_PER_CELL = 1e-8         # 4.6-4.8e-9 measured (issue 12; was 3e-8 with the
#                                      calendar copies)
_COHORT_BYTES_PER_CELL = 20.0        # periods² arrays of the cohort engine (the layer cake)
_COHORT_BYTES_PER_CLASS_PERIOD = 60.0
_BASE_BYTES = 3 * 2**20              # small tables and frames (Monte Carlo estimates had been
#                                      carried by 60 bytes per cell: 4 MiB was 2x the peaks)


def replication_chunk(periods: int) -> int:
    """Replications accounted together so that replications × periods² ≤ :data:`CELL_CHUNK`."""
    return max(1, CELL_CHUNK // (periods * periods))


@dataclass(frozen=True)
class Estimate:
    """Predicted peak memory (bytes) and time (seconds) of one engine run."""

    memory_bytes: float
    seconds: float

    def fits(self) -> bool:
        """Within :data:`MEMORY_BUDGET_BYTES` and :data:`TIME_BUDGET_SECONDS`."""
        return self.memory_bytes <= MEMORY_BUDGET_BYTES and self.seconds <= TIME_BUDGET_SECONDS


_NOTICE_TEXT = {
    "monte_carlo_skipped": (
        "Monte Carlo was not run: {replications} replications of about {customers} customers "
        "each need about {memory_mb} MB and {seconds} s, more than the budget of {budget_mb} MB "
        "and {budget_seconds} s per run. The figures are expected values (no P10/P90 bands). "
        "Lower monte_carlo.replications (now {replications}) or the customers acquired "
        "(acquisition, market.size, horizon_years) to run it."),
    "market_full": (
        "The market holds {market_size} customers: {unmet} of the {demand} customers the "
        "acquisition schedule, budget and word of mouth ask for over the horizon could not be "
        "acquired. Raise market.size or lower acquisition and word of mouth "
        "(word_of_mouth.referrals_per_loyalist, programmes' referrals) if that is not intended."),
    "population_capped": (
        "The market is unbounded (market.size = 0) and acquisition and word of mouth grow "
        "the customers without end: they were held at {cap} customers (more people than live "
        "on Earth). Set market.size, or lower word_of_mouth.referrals_per_loyalist "
        "(now {referrals_per_loyalist}) and the programmes' referrals."),
}

NOTICE_CODES = tuple(_NOTICE_TEXT)
"""Every notice code; the app translates ``budget.<code>`` (a test keeps the placeholders
of these English texts, used by the CLI and JSON, and of both catalogs equal)."""


@dataclass(frozen=True)
class Notice:
    """Something a run did differently from what the file asked, for the user to read.

    Attributes:
        code: ``monte_carlo_skipped``, ``market_full`` or ``population_capped``.
        params: ``(name, value)`` pairs filling the message's placeholders (numbers are
            already formatted as text).
    """

    code: str
    params: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """``{"code", "params", "message"}`` (JSON output)."""
        return {"code": self.code, "params": dict(self.params), "message": self.message()}

    def message(self) -> str:
        """The notice in English."""
        return _NOTICE_TEXT[self.code].format(**dict(self.params))


class BudgetError(ScenarioError):
    """A run the budget refuses; ``issues`` name the fields to lower and their values."""


def _mb(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.0f}"


def _count(value: float) -> str:
    return f"{value:,.0f}" if value < 1e15 else f"{value:.3g}"


def _classes(scenario: Scenario) -> int:
    """Classes the cohort engine runs (satisfaction classes, twice with programme members)."""
    if scenario.retention.model != "satisfaction":
        return 1
    return scenario.satisfaction.classes * (2 if scenario.programmes.any_enabled() else 1)


def cohort_estimate(scenario: Scenario) -> Estimate:
    """Peak memory and time of the cohort engine (from the scenario's sizes alone)."""
    periods, classes = scenario.periods, _classes(scenario)
    memory = (_BASE_BYTES + _COHORT_BYTES_PER_CELL * periods * periods
              + _COHORT_BYTES_PER_CLASS_PERIOD * classes * periods)
    seconds = (2e-5 * periods * (1 + periods / 100)
               + 2e-8 * classes * periods * scenario.horizon_years)
    return Estimate(memory, seconds)


def monte_carlo_estimate(scenario: Scenario, inputs: CohortInputs,
                         replications: int) -> Estimate:
    """Peak memory and time of :func:`sim.montecarlo.run_monte_carlo` (with the cohort
    engine's arrays it needs), from the expected customers acquired in ``inputs``."""
    periods = scenario.periods
    per_rep = float(inputs.new.sum())
    customers = per_rep * replications
    chunk_customers = min(customers * 1.2 + 100, CUSTOMER_CHUNK)
    chunk_reps = min(replications, replication_chunk(periods))
    cells = float(chunk_reps) * periods * periods
    series = float(replications) * periods * _MC_BYTES_PER_SERIES_VALUE
    memory = (_BASE_BYTES + _MC_BYTES_PER_CUSTOMER * chunk_customers
              + _MC_BYTES_PER_CELL * cells + series)
    seconds = (_MC_SECONDS_PER_CUSTOMER * customers
               + _MC_SECONDS_PER_CELL * float(replications) * periods * periods)
    return Estimate(memory, seconds)


def check_cohort(scenario: Scenario) -> None:
    """Refuse a cohort run over the budget (:class:`BudgetError` naming the fields)."""
    estimate = cohort_estimate(scenario)
    if estimate.fits():
        return
    found = (("classes", str(_classes(scenario))), ("periods", str(scenario.periods)),
             ("memory_mb", _mb(estimate.memory_bytes)),
             ("run_seconds", f"{estimate.seconds:,.1f}"),
             ("horizon", str(scenario.horizon_years)))
    allowed = (("mb", _mb(MEMORY_BUDGET_BYTES)), ("seconds", f"{TIME_BUDGET_SECONDS:g}"))
    raise BudgetError([
        Issue("horizon_years", "rule", allowed_key=_A + "bd_cohort", got_key=_F + "bd_cohort",
              params=allowed + found),
        Issue("satisfaction.classes", "rule", got=f"{scenario.satisfaction.classes}",
              allowed_key=_A + "bd_fewer_classes"),
    ])


def check_monte_carlo(scenario: Scenario, inputs: CohortInputs, replications: int) -> None:
    """Refuse a Monte Carlo run over the budget (:class:`BudgetError` naming the fields)."""
    notice = _monte_carlo_notice(scenario, inputs, replications)
    if notice is None:
        return
    params = dict(notice.params)
    raise BudgetError([Issue(
        "monte_carlo.replications", "rule", allowed_key=_A + "bd_monte_carlo",
        got_key=_F + "bd_monte_carlo",
        params=(("mb", str(params["budget_mb"])), ("seconds", str(params["budget_seconds"])),
                ("replications", str(replications)), ("customers", str(params["customers"])),
                ("memory_mb", str(params["memory_mb"])),
                ("run_seconds", str(params["seconds"]))))])


def _monte_carlo_notice(scenario: Scenario, inputs: CohortInputs,
                        replications: int) -> Notice | None:
    if replications <= 0:
        return None
    estimate = monte_carlo_estimate(scenario, inputs, replications)
    if estimate.fits():
        return None
    return Notice("monte_carlo_skipped", (
        ("replications", str(replications)), ("customers", _count(float(inputs.new.sum()))),
        ("memory_mb", _mb(estimate.memory_bytes)), ("seconds", f"{estimate.seconds:,.0f}"),
        ("budget_mb", _mb(MEMORY_BUDGET_BYTES)), ("budget_seconds", f"{TIME_BUDGET_SECONDS:g}")))


def population_notices(scenario: Scenario, inputs: CohortInputs) -> tuple[Notice, ...]:
    """``market_full`` when the market bound cut more than 1 % of the customers asked for;
    ``population_capped`` when an unbounded market reached the population cap."""
    path = inputs.acquisition
    if path is None or path.demand is None:
        return ()
    if path.capped:
        return (Notice("population_capped", (
            ("cap", _count(POPULATION_CAP)),
            ("referrals_per_loyalist", f"{scenario.word_of_mouth.referrals_per_loyalist:g}"))),)
    demand, new = float(path.demand.sum()), float(path.new.sum())
    unmet = demand - new
    if scenario.market.size > 0 and unmet >= 1.0 and unmet > 0.01 * demand:
        return (Notice("market_full", (("market_size", _count(scenario.market.size)),
                                       ("unmet", _count(unmet)), ("demand", _count(demand)))),)
    return ()


def plan_run(scenario: Scenario, inputs: CohortInputs,
             replications: int) -> tuple[int, tuple[Notice, ...]]:
    """Replications to run (0 when Monte Carlo is over the budget) and the run's notices.

    Raises:
        BudgetError: the cohort engine itself is over the budget.
    """
    check_cohort(scenario)
    notices = list(population_notices(scenario, inputs))
    skipped = _monte_carlo_notice(scenario, inputs, replications)
    if skipped is not None:
        notices.insert(0, skipped)
        replications = 0
    return max(replications, 0), tuple(notices)
