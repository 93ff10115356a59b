"""Crossover intervals benchmark: do the 95 % intervals contain the true crossover?

For each seed, the reference study (:func:`ohmslice.simulate.reference.write_reference_study`:
two cathodes, 100 GITT pulses each, symmetric-cell spectra at 0 and 50 % SOC, instrument
noise) is simulated and analysed as ``ohmslice run`` does (:func:`ohmslice.study.run.run_study`).
Each reported crossover (R2, R3, total, R1 + R2 where R1 and R2 are not split) is set
beside two truths on the analysis's own SOC scale:

* ``param``: the crossover of the cells' parameters (what a pulse of the GITT's length
  develops, at each SOC; ``truth.json`` ``parameters``) -- the cell's property;
* ``pulse``: the crossover of what each simulated pulse developed by its end
  (``truth.json`` ``pulses[].developed``), placed at the pulse's end SOC as the
  comparison places it -- what the pulses measure.

The two differ by a fraction of a pulse's SOC span where the resistance changes steeply
within a pulse (diffusion carries some of the pulse's history); the intervals are meant
to hold both. Printed per component: the method
the comparison used, the median and largest error, the share of seeds whose interval
contains each truth (target >= 90 %), the median interval width, and the time per seed.

Run: ``.venv/bin/python benchmarks/intervals.py [n_seeds]`` (default 20; ~30 s per seed
on 2 cores).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ohmslice.cli.demo import true_crossovers
from ohmslice.simulate.reference import (
    developed_crossovers,
    score_crossover,
    write_reference_study,
)
from ohmslice.study.file import load_study
from ohmslice.study.run import run_study

KEYS = {"r2": "r2", "r3": "r3", "r_total": "r_total", "r12": "r12"}


def main(n_seeds: int) -> None:
    rows = []
    for seed in range(n_seeds):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            write_reference_study(Path(tmp) / "study", seed=seed)
            t_sim = time.perf_counter() - t0
            truth = json.loads((Path(tmp) / "study" / "truth.json").read_text())
            study = load_study(Path(tmp) / "study" / "study.toml")
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = run_study(study)
            t_run = time.perf_counter() - t0
        param = true_crossovers(truth, result)
        pulse = developed_crossovers(
            truth,
            {n: c.gitt.pulses["soc_end_pct"].to_numpy(float) for n, c in result.cells.items()},
        )
        cx = result.comparison.crossovers if result.comparison is not None else pd.DataFrame()
        for comp in KEYS:
            for which, tr in (("param", param.get(comp, [])), ("pulse", pulse.get(comp, []))):
                if not tr:
                    continue
                # the truth nearest to the parameters' first crossover (a curve may touch
                # zero again at the ends), and the reported crossover nearest to it
                anchor = param[comp][0] if param.get(comp) else tr[0]
                x_true = min(tr, key=lambda x: abs(x - anchor))
                row = {"seed": seed, "component": comp, "truth": which}
                row |= score_crossover(cx, comp, x_true)
                if row["found"]:
                    row |= {"method": result.method_used, "sim_s": t_sim, "run_s": t_run}
                rows.append(row)
        done = pd.DataFrame(rows)
        last = done[done.seed == seed]
        print(
            f"seed {seed:2d}: {result.method_used:8s} run {t_run:5.1f} s  "
            + "  ".join(
                f"{r.component}/{r.truth} {r.error_pp:+.2f}{'' if r.covered else ' MISS'}"
                for r in last.itertuples()
                if r.found
            ),
            flush=True,
        )
    df = pd.DataFrame(rows)
    found = df[df.found]
    summary = found.groupby(["component", "truth"]).agg(
        seeds=("seed", "nunique"),
        median_abs_error_pp=("error_pp", lambda e: float(np.median(np.abs(e)))),
        max_abs_error_pp=("error_pp", lambda e: float(np.max(np.abs(e)))),
        coverage_pct=("covered", lambda c: 100.0 * float(np.mean(c))),
        median_width_pp=("width_pp", "median"),
    )
    print()
    print(f"{n_seeds} seeds; methods used: {found.groupby('method').seed.nunique().to_dict()}")
    print(f"not found: {int((~df.found).sum())} of {len(df)} (component x truth x seed)")
    print(summary.round(3).to_string())
    print(f"run_study median {found.run_s.median():.1f} s per two-cell study")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
