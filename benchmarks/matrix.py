"""The decomposition and the crossovers across how real data are recorded and what the cells are.

Each case is the reference study (:func:`ohmslice.simulate.reference.write_reference_study`:
two cathodes, a GITT to the cut-off, symmetric-cell spectra at 0 and 50 % SOC) varied in
one factor from the base case (log sampling from 100 us, finite-length diffusion Ws,
20 uV noise, tau_ct 1 ms, spectra down to 10 mHz):

* sampling: ``log``, ``1s`` (every 1 s, the first sample 1 s after each step), ``0.1s``
  (pulses every 0.1 s, rests every 1 s), ``dE`` (every 1 mV);
* diffusion element of the cells: ``Ws``, ``Wo``, ``Wsph``;
* voltage noise: 0.1 mV, 1 mV;
* slow charge transfer: tau_ct 20 ms;
* spectra down to 100 mHz;
* the study file naming no circuit (the analysis chooses the diffusion shape itself).

Every case is analysed as ``ohmslice run`` does (:func:`ohmslice.study.run.run_study`).
Printed per case: which decomposition the comparison used; per component (R1, R2, R3,
r_ocv, R1 + R2, total) of each cell's pulses, the median and 90th-percentile relative
error of the used method's usable values against what each simulated pulse developed by
its end (:func:`ohmslice.simulate.reference.pulse_truth_table`), and how many pulses had
a value; per crossover (R2, R3, total; R1 + R2 where R1 and R2 are not split) the error
against the pulses' truth (:func:`~ohmslice.simulate.reference.developed_crossovers`)
and whether the 95 % interval holds it; the share of pulses flagged; simulation and
analysis time. Targets (issue: fine sampling): median error <= 2 % for R1, R2, R3 and
r_ocv; crossovers within 1 pp; intervals that hold the truth.

Run: ``.venv/bin/python benchmarks/matrix.py [--cases a,b,...] [--seeds N]``
(``--list`` names the cases; ~20-60 s per case and seed on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ohmslice.simulate import INSTRUMENT
from ohmslice.simulate.reference import (
    developed_crossovers,
    pulse_truth_table,
    score_crossover,
    write_reference_study,
)
from ohmslice.study.file import load_study
from ohmslice.study.run import run_study

CASES: dict[str, dict] = {
    "base": {},
    "1s": {"sampling": "1s"},
    "0.1s": {"sampling": "0.1s"},
    "dE": {"sampling": "dE"},
    "Wo": {"diffusion": "Wo"},
    "Wsph": {"diffusion": "Wsph"},
    "noise_0.1mV": {"noise": replace(INSTRUMENT, voltage_sd_V=1e-4)},
    "noise_1mV": {"noise": replace(INSTRUMENT, voltage_sd_V=1e-3)},
    "tau_ct_20ms": {"tau_ct_s": 0.02},
    "f_min_100mHz": {"eis_f_min_hz": 0.1},
    "no_circuit": {"circuit": None},
    "1s_f_min_100mHz": {"sampling": "1s", "eis_f_min_hz": 0.1},
}
COMPONENTS = ("r1", "r2", "r3", "r_ocv", "r12", "r_total")
CROSSINGS = ("r2", "r3", "r_total", "r12")


def _components(result, truth) -> list[dict]:
    rows = []
    for name, c in result.cells.items():
        dec = getattr(c, result.method_used)
        if dec is None:
            continue
        t = dec.table
        tr = pulse_truth_table(truth, name)
        if len(tr) != len(t):
            continue
        ok = t["usable"].to_numpy(bool)
        for comp in COMPONENTS:
            got = t[f"{comp}_ohm"].to_numpy(float)
            want = tr[f"{comp}_ohm"].to_numpy(float)
            sel = ok & np.isfinite(got) & (np.abs(want) > 1e-9)
            err = np.abs(got[sel] / want[sel] - 1) * 100
            rows.append(
                {"cell": name, "component": comp, "n": int(sel.sum()), "of": len(t),
                 "median_pct": float(np.median(err)) if err.size else np.nan,
                 "p90_pct": float(np.percentile(err, 90)) if err.size else np.nan}
            )  # fmt: skip
    return rows


def _crossovers(result, truth) -> list[dict]:
    soc = {n: c.gitt.pulses["soc_end_pct"].to_numpy(float) for n, c in result.cells.items()}
    want = developed_crossovers(truth, soc)
    cx = result.comparison.crossovers if result.comparison is not None else pd.DataFrame()
    rows = []
    for comp in CROSSINGS:
        tr = want.get(comp, [])
        if not tr:
            continue
        x_true = tr[0] if len(tr) == 1 else min(tr, key=lambda x: abs(x - 20.0))
        rows.append({"component": comp, "truth_pct": x_true, **score_crossover(cx, comp, x_true)})
    return rows


def run_case(name: str, seed: int) -> tuple[dict, list[dict], list[dict]]:
    kw = dict(CASES[name])
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_reference_study(Path(tmp) / "s", seed=seed, rates=(), **kw)
        t_sim = time.perf_counter() - t0
        truth = json.loads((Path(tmp) / "s" / "truth.json").read_text())
        study = load_study(Path(tmp) / "s" / "study.toml")
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = run_study(study)
        t_run = time.perf_counter() - t0
    flagged = np.mean(
        [1 - getattr(c, result.method_used).table["usable"].mean() for c in result.cells.values()]
    )
    head = {"case": name, "seed": seed, "method": result.method_used, "flagged_pct": 100 * flagged,
            "sim_s": t_sim, "run_s": t_run}  # fmt: skip
    comps = [{"case": name, "seed": seed, **r} for r in _components(result, truth)]
    cross = [{"case": name, "seed": seed, **r} for r in _crossovers(result, truth)]
    return head, comps, cross


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated case names")
    ap.add_argument("--seeds", type=int, default=1, help="seeds per case")
    ap.add_argument("--list", action="store_true", help="print the cases and exit")
    args = ap.parse_args()
    if args.list:
        for k, v in CASES.items():
            print(f"{k:18s} {v}")
        return
    heads, comps, cross = [], [], []
    for name in args.cases.split(","):
        for seed in range(args.seeds):
            h, c, x = run_case(name, seed)
            heads.append(h)
            comps += c
            cross += x
            xs = "  ".join(
                f"{r['component']} {r['error_pp']:+.2f}{'' if r['covered'] else ' MISS'}"
                if r["found"]
                else f"{r['component']} not found"
                for r in x
            )
            print(f"{name:16s} seed {seed}: {h['method']:7s} flagged {h['flagged_pct']:4.0f} % "
                  f"sim {h['sim_s']:5.1f} s run {h['run_s']:5.1f} s  {xs}", flush=True)  # fmt: skip
    comp = pd.DataFrame(comps)
    print(
        "\nper-pulse relative error [%] of the used method (median / 90th percentile, both cells):"
    )
    table = comp.groupby(["case", "component"]).agg(
        median=("median_pct", "median"), p90=("p90_pct", "median"), n=("n", "sum"), of=("of", "sum")
    )
    wide = table.apply(
        lambda r: f"{r['median']:.1f}/{r['p90']:.1f} ({int(r['n'])}/{int(r['of'])})", axis=1
    ).unstack("component")
    print(wide.reindex(columns=list(COMPONENTS)).reindex(args.cases.split(",")).to_string())
    xdf = pd.DataFrame(cross)
    if len(xdf):
        found = xdf[xdf.found]
        summ = found.groupby(["case", "component"]).agg(
            median_abs_error_pp=("error_pp", lambda e: float(np.median(np.abs(e)))),
            coverage_pct=("covered", lambda c: 100 * float(np.mean(c))),
            median_width_pp=("width_pp", "median"),
        )
        print("\ncrossovers against the pulses' truth:")
        print(summ.round(2).to_string())
        missing = xdf[~xdf.found]
        if len(missing):
            print("not found:", ", ".join(f"{r.case}/{r.component}" for r in missing.itertuples()))
    hd = pd.DataFrame(heads)
    print("\nmethod used, flagged pulses, time:")
    print(hd.groupby("case").agg(method=("method", "first"), flagged_pct=("flagged_pct", "mean"),
                                 sim_s=("sim_s", "median"), run_s=("run_s", "median")).round(1)
          .reindex(args.cases.split(",")).to_string())  # fmt: skip


if __name__ == "__main__":
    main()
