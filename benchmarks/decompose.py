"""Decomposition benchmark: R1/R2/R3 of a 100-pulse GITT by both methods.

The record is the reference study's S_SE cell (``ohmslice.simulate``): 0.1C CC-CV, then
0.5C x 72 s pulses with 5000 s rests to the cut-off, recorded every 1 s and every 1 mV
(first sample 100 us after each step), instrument noise. The time constants are the
cell's true ones on a 5 % SOC grid, as a series of symmetric-cell spectra would give.

No tool users have today splits GITT pulses by EIS time constants, so there is no peer
to time against; the script reports the time of each method (best of 3; the target for
the model method is < 5 s for 100 pulses on 2 cores) and the accuracy against the
known answer at 5-95 % SOC.

Run: ``.venv/bin/python benchmarks/decompose.py``
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from ohmslice.dc.gitt import analyze_gitt
from ohmslice.method.decompose import decompose
from ohmslice.simulate import INSTRUMENT, Rest, cc_cv_charge, gitt, reference_cells, simulate


def main() -> None:
    cell = reference_cells()["S_SE"]
    prog = [Rest(600.0), *cc_cv_charge(cell), Rest(3600.0), gitt(cell)]
    res = simulate(cell, prog, noise=INSTRUMENT, seed=3, technique="GITT")
    g = analyze_gitt(res.recording, soc_reference="charge")  # the simulator's scale
    rows = []
    for s in np.arange(0.0, 100.1, 5.0):
        p = cell.parameters_ohm(s)
        rows.append(
            {"soc_pct": s, "tau1_s": p["tau1"], "tau2_s": p["tau2"], "tau3_s": p["tau3"],
             "n2": p["n2"], "r1_ohm": p["r1"], "r2_ohm": p["r2"], "r3_ohm": p["r3"],
             "shape3": "ws"}
        )  # fmt: skip
    taus = pd.DataFrame(rows)
    x_full = g.capacity_Ah / cell.capacity_Ah
    soc = g.pulses["soc_mid_pct"].to_numpy() * x_full  # parameters are evaluated mid-pulse
    truth = np.array([[cell.parameters_ohm(s)[k] for k in ("r1", "r2", "r3")] for s in soc])
    truth[:, 0] += cell.r_sep_ohm + cell.r_counter_ohm
    sel = (g.pulses["soc_start_pct"] > 5).to_numpy() & (g.pulses["soc_start_pct"] < 95).to_numpy()
    print(f"GITT: {len(g.pulses)} pulses, {len(res.recording):,} rows")
    print(f"{'method':8s} {'time/s':>8s} {'max |err| R1':>13s} {'R2':>7s} {'R3':>7s}")
    for method in ("windows", "model"):
        best = np.inf
        for _ in range(3):
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                d = decompose(g, taus, method=method)
            best = min(best, time.perf_counter() - t0)
        # R3 against the DC truth: the model's r3_dc_ohm (r3_ohm is the part developed by
        # the pulse end, which the windows method gives too; tests/method checks both)
        got = d.table[["r1_ohm", "r2_ohm", "r3_dc_ohm"]].to_numpy()
        err = np.abs(got[sel] / truth[sel] - 1).max(axis=0) * 100
        r3 = f"{err[2]:6.1f}%" if method == "model" else "  (no DC R3)"
        print(f"{method:8s} {best:8.2f} {err[0]:12.1f}% {err[1]:6.1f}% {r3}")


if __name__ == "__main__":
    main()
