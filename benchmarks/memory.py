"""Memory of a long recording: a GITT recorded every 0.1 s, read and analysed.

A GITT of ``n`` pulses (0.5C x 72 s, 5000 s rests) is simulated with every sample at
0.1 s -- pulses and rests, the EC-Lab setting that makes files of hundreds of MB -- and
written as an EC-Lab .mpt. Each stage then runs in a fresh process, whose peak resident
memory (VmHWM, Linux) is printed beside that of a process that only imports ohmslice, and the
difference set against the file's size:

* ``read``: :func:`ohmslice.read_recording`;
* ``gitt``: read, then :func:`ohmslice.analyze_gitt`;
* ``decompose``: read, the GITT analysis and the windows decomposition
  (:func:`ohmslice.decompose`, the cell's true time constants).

Target: the analysis within 2x the file's size. Time per stage is printed too.

Run: ``.venv/bin/python benchmarks/memory.py [n_pulses]`` (default 20: ~1 M rows,
~150 MB; ~1 min).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGE = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")


def hwm():  # peak resident memory of this process image [MB] (ru_maxrss keeps the parent's)
    with open("/proc/self/status") as f:
        return next(int(ln.split()[1]) for ln in f if ln.startswith("VmHWM")) / 1e3


import numpy as np, pandas as pd
import ohmslice as om
stage, path = sys.argv[1], sys.argv[2]
base = hwm()
t0 = time.perf_counter()
if stage != "import":
    rec = om.read_recording(path)
    if stage in ("gitt", "decompose"):
        g = om.analyze_gitt(rec)
        del rec
        if stage == "decompose":
            from ohmslice.simulate import reference_cells
            cell = reference_cells()["S_SE"]
            rows = []
            for s in (0.0, 50.0, 100.0):
                p = cell.parameters_ohm(s)
                rows.append({"soc_pct": s, "tau1_s": p["tau1"], "tau2_s": p["tau2"],
                             "tau3_s": p["tau3"], "n2": p["n2"], "r1_ohm": p["r1"],
                             "r2_ohm": p["r2"], "r3_ohm": p["r3"], "shape3": "ws"})
            om.decompose(g, pd.DataFrame(rows), method="windows")
print(json.dumps({"peak_mb": hwm(), "base_mb": base, "s": time.perf_counter() - t0}))
"""


def _run(stage: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", STAGE, stage, str(path)], check=True,
                         capture_output=True, text=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(n_pulses: int) -> None:
    from ohmslice.simulate import INSTRUMENT, Rest, cc_cv_charge, gitt, reference_cells, simulate
    from ohmslice.simulate.writers import write_mpt

    cell = reference_cells()["S_SE"]
    every = {"pulse_dt_s": 0.1, "pulse_dE_V": float("inf"), "rest_dt_s": 0.1,
             "rest_dE_V": float("inf")}  # fmt: skip
    prog = [Rest(600.0), *cc_cv_charge(cell), Rest(3600.0), gitt(cell, n_pulses=n_pulses, **every)]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = simulate(cell, prog, noise=INSTRUMENT, seed=1, technique="GITT")
        path = Path(tmp) / "gitt_0.1s.mpt"
        write_mpt(res.recording, path, technique="GITT")
        size = path.stat().st_size / 1e6
        print(f"GITT of {n_pulses} pulses every 0.1 s: {len(res.recording):,} rows, "
              f"{size:.0f} MB ({time.perf_counter() - t0:.0f} s to simulate and write)")  # fmt: skip
        del res
        base = _run("import", path)["peak_mb"]
        print(f"{'stage':10s} {'peak MB':>8s} {'- import':>9s} {'x file':>7s} {'time s':>7s}")
        for stage in ("read", "gitt", "decompose"):
            r = _run(stage, path)
            extra = r["peak_mb"] - base
            print(f"{stage:10s} {r['peak_mb']:8.0f} {extra:9.0f} {extra / size:7.2f} {r['s']:7.1f}")
    print("target: the analysis within 2x the file's size")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
