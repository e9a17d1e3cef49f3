"""Benchmark: RFM on a million transactions and the BG/NBD fit (issue 13, "Speed").

Targets: RFM on 1,000,000 transactions (100,000 customers) <= 3 s and <= 1 GB peak memory;
BG/NBD fit on 20,000 customers <= 2 s.

The log is generated with numpy (seeded): 100,000 customers, purchase counts geometric with
mean 10 (1,000,000 rows in all), first purchases uniform over 2023-2024 and later ones
uniform between the first and 2024-12-31, amounts Gamma(2, 25), a stage column. Two inputs:

- **CSV bytes** (32 MB, ISO dates): :func:`sim.transactions.read_transactions` (parse, check
  every row, one purchase per customer-day) then :func:`sim.transactions.rfm_table`;
- **in-memory frame** (datetime64 dates, float amounts, text ids):
  :func:`sim.transactions.transactions_from_frame` then :func:`rfm_table`.

Each runs in a fresh process (``--child``), so its peak RSS (``ru_maxrss``) is the workload's
own; printed beside the RSS before the timed part (interpreter, numpy/pandas/scipy and the
input). Wall and CPU time are the median of 3 runs in that process. Weighted tiers and the
monthly cohort matrix are timed too. The BG/NBD fit runs on 20,000 customers simulated from
the model with continuous ages (no two alike, so the fit's weighting of identical customers
does not help), median of 5.

Run: python bench/bench_rfm.py
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np
import pandas as pd

from sim.purchase_models import BGNBD, fit_bgnbd, simulate_bgnbd
from sim.transactions import (
    cohort_activity,
    read_transactions,
    rfm_table,
    transactions_from_frame,
    weighted_tiers,
)

CUSTOMERS = 100_000
MEAN_PURCHASES = 10
AS_OF = "2024-12-31"


def make_log(seed: int = 13) -> pd.DataFrame:
    """The generated log as a typed frame (one row per transaction, in customer order)."""
    rng = np.random.default_rng(seed)
    counts = rng.geometric(1 / MEAN_PURCHASES, CUSTOMERS)
    ids = np.repeat(np.arange(CUSTOMERS), counts)
    start = np.datetime64("2023-01-01", "D")
    span = int((np.datetime64("2024-12-31", "D") - start).astype(np.int64))
    first = rng.integers(0, span + 1, CUSTOMERS)
    offset = first[ids] + (rng.random(len(ids)) * (span - first[ids] + 1)).astype(np.int64)
    is_first = np.r_[True, ids[1:] != ids[:-1]]
    offset[is_first] = first
    return pd.DataFrame({
        "customer_id": np.char.add("C", ids.astype("U6")),
        "date": start + offset.astype("timedelta64[D]"),
        "amount": np.round(rng.gamma(2.0, 25.0, len(ids)), 2),
        "stage": np.array(["closed", "intended", "tracking"])[rng.integers(0, 3, CUSTOMERS)][ids],
    })


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux


def _timed(work, repeat: int = 3) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def child(kind: str, path: str) -> None:
    """One input kind in this (fresh) process; prints a JSON line of figures."""
    if kind == "csv":
        data = Path(path).read_bytes()
        before = _rss_mb()

        def work():
            return rfm_table(read_transactions(data, "customer_id", "date", "amount"), AS_OF)
    else:
        frame = make_log()
        before = _rss_mb()

        def work():
            return rfm_table(transactions_from_frame(frame, "customer_id", "date", "amount"),
                             AS_OF)
    wall, cpu = _timed(work)
    peak = _rss_mb()
    rfm = work()
    log = (read_transactions(data, "customer_id", "date", "amount") if kind == "csv"
           else transactions_from_frame(frame, "customer_id", "date", "amount"))
    tiers_wall, _ = _timed(lambda: weighted_tiers(
        rfm, {"monetary": 40, "frequency": 30, "recency_days": 30}, "stage"))
    cohort_wall, _ = _timed(lambda: cohort_activity(log, "month", AS_OF))
    print(json.dumps({"rows": log.rows, "customers": len(rfm),
                      "purchases": len(log.purchases), "wall": wall, "cpu": cpu,
                      "rss_before": before, "rss_peak": peak, "tiers": tiers_wall,
                      "cohort": cohort_wall}))


def main() -> None:
    frame = make_log()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.csv"
        path.write_bytes(frame.to_csv(index=False).encode())
        size = path.stat().st_size
        del frame
        for kind, label in (("csv", f"CSV bytes ({size / 1e6:.0f} MB)"),
                            ("frame", "in-memory frame")):
            out = subprocess.run([sys.executable, __file__, "--child", kind, str(path)],
                                 capture_output=True, text=True, check=True).stdout
            f = json.loads(out.strip().splitlines()[-1])
            print(f"RFM from {label}: {f['rows']:,} transactions, {f['purchases']:,} "
                  f"customer-days, {f['customers']:,} customers: median {f['wall']:.2f} s "
                  f"wall, {f['cpu']:.2f} s CPU (target <= 3 s); peak RSS "
                  f"{f['rss_peak']:.0f} MB, {f['rss_before']:.0f} MB before the timed part "
                  f"(target <= 1 GB); weighted tiers {f['tiers'] * 1e3:.0f} ms, monthly "
                  f"cohort matrix {f['cohort'] * 1e3:.0f} ms")
    rng = np.random.default_rng(20_000)
    truth = BGNBD(0.5, 8.0, 0.7, 2.5)
    sims = simulate_bgnbd(truth, rng.uniform(20, 80, 20_000), rng)
    args = (sims["frequency"], sims["recency"], sims["T"])
    wall, cpu = _timed(lambda: fit_bgnbd(*args), repeat=5)
    fit = fit_bgnbd(*args)
    m = fit.model
    print(f"BG/NBD fit, 20,000 simulated customers (truth r 0.5, alpha 8, a 0.7, b 2.5): "
          f"median {wall:.3f} s wall, {cpu:.3f} s CPU (target <= 2 s); fitted r {m.r:.3f}, "
          f"alpha {m.alpha:.2f}, a {m.a:.3f}, b {m.b:.2f}, {fit.iterations} iterations")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
