"""``ohmslice batch`` on 1 and 2 worker processes, the same simulated studies, one run.

Writes ``--studies`` simulated studies (:func:`ohmslice.simulate.population.write_population`,
two cells each, GITT to the cut-off in 10 % SOC pulses, two spectra per cell), then runs
them with :func:`ohmslice.study.batch.run_batch` on a LocalCluster of 1 and of 2
processes (one thread each), each into a new batch folder, and prints per cluster size:

* studies per minute (from the first task submitted to the last result; the cluster's
  start and the workers' imports are reported apart, as ``start-up``),
* scaling efficiency: (rate with 2 workers / rate with 1) / 2 (target >= 80 % on 2 cores),
* peak memory per worker (the largest resident set any study's task saw in its worker
  process),
* the scheduler's overhead per study: wall x workers - the seconds spent inside the tasks,
  divided by the studies (idle workers at the end included), and as a share of a study's
  mean time (target < 5 %); and, apart, the round trip of an empty task through the same
  scheduler (submit to result, one at a time).

Run: ``.venv/bin/python benchmarks/batch.py [--studies 40] [--boot 300]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def _noop() -> int:
    return 0


def _round_trip_ms(client, n: int = 50) -> float:
    """Median submit-to-result time of an empty task [ms]."""
    times = []
    for k in range(n):
        t = time.perf_counter()
        client.submit(_noop, key=f"noop-{k}", pure=False).result()
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)


def main() -> None:
    from ohmslice.simulate.population import write_population
    from ohmslice.study.batch import batch_client, run_batch

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--studies", type=int, default=40)
    ap.add_argument("--boot", type=int, default=300, help="bootstrap replicas per study")
    ap.add_argument("--workers", default="1,2", help="cluster sizes to compare")
    args = ap.parse_args()
    sizes = [int(x) for x in args.workers.split(",")]

    with tempfile.TemporaryDirectory(prefix="ohmslice-bench-batch-") as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        write_population(root / "pop", args.studies, seed=0)
        print(f"simulated {args.studies} studies (2 cells each) in {time.perf_counter() - t:.1f} s")
        rows = {}
        for w in sizes:
            t0 = time.perf_counter()
            with batch_client(w) as client:
                res = run_batch([root / "pop"], root / f"out{w}", client=client, n_boot=args.boot)
                rt = _round_trip_ms(client)
            startup = time.perf_counter() - t0 - res.wall_s  # start, imports, catalogue, close
            task_s = [o.seconds for o in res.outcomes]
            peak: dict[int, int] = {}
            for o in res.outcomes:
                peak[o.worker_pid] = max(peak.get(o.worker_pid, 0), o.peak_rss_bytes)
            overhead = (res.wall_s * res.n_workers - sum(task_s)) / len(task_s)
            rows[w] = {
                "workers": res.n_workers,
                "failed": res.count("failed"),
                "wall_s": res.wall_s,
                "startup_s": startup,
                "rate": 60.0 * len(task_s) / res.wall_s,
                "mean_study_s": statistics.mean(task_s),
                "peak_mb": max(peak.values()) / 2**20 if peak else float("nan"),
                "overhead_s": overhead,
                "overhead_pct": 100.0 * overhead / statistics.mean(task_s),
                "round_trip_ms": rt,
            }
        print(
            f"{'workers':>7} {'studies/min':>11} {'wall s':>7} {'start-up s':>10} "
            f"{'study s':>7} {'peak MB/worker':>14} {'overhead/study':>18} {'empty task':>10} "
            f"{'failed':>6}"
        )
        for r in rows.values():
            print(
                f"{r['workers']:>7} {r['rate']:>11.1f} {r['wall_s']:>7.1f} {r['startup_s']:>10.1f} "
                f"{r['mean_study_s']:>7.2f} {r['peak_mb']:>14.0f} "
                f"{r['overhead_s']:>8.3f} s ({r['overhead_pct']:>4.1f} %) "
                f"{r['round_trip_ms']:>7.1f} ms {r['failed']:>6}"
            )
        if 1 in rows and 2 in rows:
            eff = rows[2]["rate"] / rows[1]["rate"] / 2.0
            print(f"scaling efficiency 1 -> 2 workers: {100 * eff:.0f} % (target >= 80 %)")


if __name__ == "__main__":  # workers are spawned: nothing may run on import
    main()
