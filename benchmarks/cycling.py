"""Cycling benchmark: per-cycle table of 1000 simulated cycles, ohmslice against PyProBE.

The record comes from the known-answer simulator (:func:`ohmslice.simulate.cycling.
simulate_cycling`): 1000 cycles of 0.5C CC charge to 3.68 V, rest, 0.5C discharge to
2.88 V, rest, sampled every 30 s (and 1 ms after every step), capacity fade 0.02 % and a
0.1 % side reaction per cycle, a contact resistance growing from cycle 600, voltage noise
0.1 mV: ~0.5 M rows.

Reported: rows, ohmslice time (best of 3) and rows per second for ``analyze_cycling``
(segmentation, capacities, energies, CV share, step-start resistances), the change-point
of the step-start resistance (``step_resistance_over_cycles``), and accuracy against the
simulator's truth. Side by side on the same record, where installed (``pip install
ohmslice[bench]``; skipped with a note otherwise): PyProBE's cycle summary
(``pyprobe.analysis.cycling.summary``: charge and discharge capacity, SOH and coulombic
efficiency per cycle) given the record in its own format (its ``Step`` = EC-Lab's
sequence number, ``Event`` = the running step, ``Capacity [Ah]`` = the net charge
counter; building its frame is outside its timing), with the ratio of the two times
and PyProBE's capacities against the truth.

Run: ``.venv/bin/python benchmarks/cycling.py [--cycles N]``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from _timing import best

from ohmslice.dc.cycling import analyze_cycling
from ohmslice.method.cycling import step_resistance_over_cycles
from ohmslice.simulate.cycling import CyclingCell, simulate_cycling
from ohmslice.simulate.noise import NoiseModel


def _pyprobe(rec, truth) -> float | None:
    try:
        import polars as pl
        from pyprobe.analysis import cycling
        from pyprobe.filters import Experiment
    except ImportError:
        print("  PyProBE: not installed (pip install pyprobe-data); skipped")
        return None
    d = rec.data
    frame = pl.DataFrame(
        {
            "Time [s]": d["time_s"].to_numpy(),
            "Step": d["ns"].to_numpy().astype(np.int64),
            "Cycle": d["cycle"].to_numpy().astype(np.int64),
            "Event": d["step"].to_numpy().astype(np.int64),
            "Current [A]": d["current_A"].to_numpy(),
            "Voltage [V]": d["voltage_V"].to_numpy(),
            "Capacity [Ah]": d["charge_Ah"].to_numpy(),
        }
    )

    def run():
        exp = Experiment(lf=frame.lazy(), info={}, cycle_info=[(1, 5, len(truth))])
        return cycling.summary(exp, dchg_before_chg=False).data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        el, out = best(run, collect=True)
    out = out.to_pandas()
    # its cycles end at the last step (5) of the loop: the first rest is a cycle of its own
    out = out[out["Discharge Capacity [Ah]"].notna() & out["Charge Capacity [Ah]"].notna()]
    ch = 1e3 * out["Charge Capacity [Ah]"].to_numpy()
    dis = 1e3 * out["Discharge Capacity [Ah]"].to_numpy()
    n = min(len(ch), len(truth))
    e_ch = np.max(np.abs(ch[:n] / truth["charge_mAh"].to_numpy()[:n] - 1))
    e_dis = np.max(np.abs(dis[:n] / truth["discharge_mAh"].to_numpy()[:n] - 1))
    print(
        f"  PyProBE cycling.summary: {el:8.3f} s  {len(d) / el / 1e6:6.2f} M rows/s  "
        f"{len(out)} cycles; capacity max rel err charge {e_ch:.1e}, discharge {e_dis:.1e} "
        "(no energies, mean voltages, CV share or resistances)"
    )
    return el


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cycles", type=int, default=1000)
    args = ap.parse_args()
    cell = CyclingCell(fade_per_cycle=2e-4, side_reaction=1e-3, contact_growth_start=600,
                       contact_growth_ohm_per_cycle=0.02)  # fmt: skip
    t0 = time.perf_counter()
    sim = simulate_cycling(args.cycles, cell, noise=NoiseModel(voltage_sd_V=1e-4), seed=1)
    rec, truth = sim.recording, sim.truth
    print(f"record: {args.cycles} cycles, {len(rec):,} rows (simulated in "
          f"{time.perf_counter() - t0:.2f} s)")  # fmt: skip
    el, res = best(lambda: analyze_cycling(rec), collect=True)
    c = res.cycles
    e_ch = np.max(np.abs(c["charge_mAh"].to_numpy() / truth["charge_mAh"].to_numpy() - 1))
    e_dis = np.max(np.abs(c["discharge_mAh"].to_numpy() / truth["discharge_mAh"].to_numpy() - 1))
    r_err = np.max(np.abs(c["r_discharge_ohm"].to_numpy() - truth["r_step_ohm"].to_numpy()))
    print(
        f"  ohmslice analyze_cycling: {el:8.3f} s  {len(rec) / el / 1e6:6.2f} M rows/s  "
        f"{len(c)} cycles; capacity max rel err charge {e_ch:.1e}, discharge {e_dis:.1e}; "
        f"step-start R max |err| {r_err:.3f} Ohm"
    )
    el_cp, steps = best(lambda: step_resistance_over_cycles(res), collect=True)
    cp = steps.components["r_discharge"].change
    print(f"  change-point of the step-start R: cycle {cp.cycle:.4g} "
          f"(95 % {cp.interval[0]:.4g} - {cp.interval[1]:.4g}; true 600), "
          f"Delta AIC {cp.delta_aic:.0f}, {el_cp * 1e3:.1f} ms")  # fmt: skip
    el_pp = _pyprobe(rec, truth)
    if el_pp is not None:
        print(f"  time ratio PyProBE / ohmslice: {el_pp / el:.2f}")


if __name__ == "__main__":
    main()
