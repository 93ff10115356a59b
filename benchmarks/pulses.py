"""Pulse engine benchmark: segmentation + per-pulse GITT analysis on a 100-pulse GITT.

The record is the reference paper's protocol from the known-answer generator of the tests
(``tests/synth_gitt.py``): a 0.1C CC-CV charge, then 100 pulses of 0.5C for 72 s with
rests of 4928 s (so that the whole GITT is 0.5 M rows at 1 s and 5 M rows at 0.1 s
sampling), voltage noise 0.1 mV, current noise 0.05 %.

Reported per sampling: rows, raw size (3 float64 columns), ohmslice time (best of 3)
and rows per second for ``segment`` + ``analyze_gitt`` (the target is > 5 M rows/s after
the file is read), the same with diffusion (spherical fit per pulse), peak memory of
one run under tracemalloc against the raw size (target < 3x), and accuracy against the
known answers. Side by side on the same record, where installed (``pip install
ohmslice[bench]``; a missing peer is skipped with a note):

* PyProBE (``pyprobe-data``): ``pyprobe.analysis.pulsing.get_resistances`` (OCV before
  each pulse, R0 from the first sample, R at given times);
* ampworks: ``ampworks.gitt.extract_params`` (sqrt(t) regression per pulse,
  Weppner-Huggins D), given the GITT part only (it refuses a record with both charge and
  discharge) -- both peers need rest current exactly 0, so they get the record with the
  rest samples zeroed (a favour, done outside their timing).

Run: ``.venv/bin/python benchmarks/pulses.py [--quick]`` (``--quick``: 1 s sampling only).
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import best

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from synth_gitt import make_gitt  # noqa: E402

from ohmslice.dc.gitt import analyze_gitt  # noqa: E402
from ohmslice.dc.pulses import segment  # noqa: E402

REST_S = 4928.0
RADIUS_M = 3e-6


def _ohmslice(rec, diffusion: bool):
    seg = segment(rec)
    return analyze_gitt(rec, segments=seg, particle_radius_m=RADIUS_M if diffusion else None)


def _peak(fn) -> float:
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def _zero_rests(rec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t, v, i = rec.time, rec.voltage, rec.current.copy()
    i[np.abs(i) < 0.02 * np.abs(i).max()] = 0.0
    return t, v, i


def _pyprobe(rec, res, times):
    try:
        import polars as pl
        from pyprobe.analysis import pulsing
        from pyprobe.result import Result
    except ImportError:
        print("  PyProBE: not installed (pip install pyprobe-data); skipped")
        return None
    t, v, i = _zero_rests(rec)
    state = np.sign(i)
    event = np.r_[0, np.cumsum(state[1:] != state[:-1])]
    cap = np.r_[0.0, np.cumsum(np.diff(t) * 0.5 * (i[1:] + i[:-1]))] / 3600
    soc = (cap - cap.min()) / (cap.max() - cap.min())
    df = pl.DataFrame(
        {
            "Time [s]": t,
            "Current [A]": i,
            "Voltage [V]": v,
            "Event": event,
            "Capacity [Ah]": cap,
            "SOC": soc,
        }
    )
    result = Result(
        lf=df.lazy(),
        info={},
        column_definitions={"Capacity": "charge passed", "SOC": "state of charge"},
    )

    def run():
        return pulsing.get_resistances(result, r_times=list(times)).data

    el, out = best(run, 3, collect=True)
    out = out.to_pandas()
    # its pulses: every rest -> current change, the charge included; keep the 100 GITT ones
    out = out.sort_values("Pulse Number")
    out = out[out["R0 [Ohms]"].notna()].tail(len(res.pulses)).reset_index(drop=True)
    p = res.pulses
    d_ocv = np.abs(out["OCV [V]"].to_numpy() - p.ocv_before_V.to_numpy())
    d_r0 = np.abs(out["R0 [Ohms]"].to_numpy() / p.r_ir_ohm.to_numpy() - 1)
    r10 = res.r_of_t([10.0])[:, 0]
    d_r10 = np.abs(out["R_10.0s [Ohms]"].to_numpy() / r10 - 1)
    print(
        f"  PyProBE get_resistances: {el:8.3f} s  {len(t) / el / 1e6:7.2f} M rows/s  "
        f"{len(out)} pulses; vs ohmslice: OCV max |diff| {d_ocv.max() * 1e3:.3f} mV, "
        f"R0 vs r_ir max rel {d_r0.max():.2e}, R(10 s) max rel {np.nanmax(d_r10):.2e}"
    )
    return el


def _ampworks(rec, res, truth):
    try:
        import ampworks as amp
    except ImportError:
        print("  ampworks: not installed (pip install ampworks); skipped")
        return None
    t, v, i = _zero_rests(rec)
    first = int(res.pulses.row_start.iloc[0]) - 1
    data = amp.Dataset({"Seconds": t[first:], "Amps": i[first:], "Volts": v[first:]})

    def run():
        return amp.gitt.extract_params(data, RADIUS_M, tmin=1, tmax=60)

    el, params = best(run, 3, collect=True)
    n = len(t) - first
    # ampworks sorts by SOC; pulses are in falling SOC order
    ds = params["Ds"].to_numpy()[::-1][: len(truth)]
    rel = np.abs(ds / truth.d_m2_s.to_numpy()[: len(ds)] - 1)
    p = res.pulses
    rel_sphere = np.abs(p.d_sphere_m2_s / truth.d_m2_s - 1) if "d_sphere_m2_s" in p else None
    rel_wh = np.abs(p.d_wh_m2_s / truth.d_m2_s - 1) if "d_wh_m2_s" in p else None
    msg = (
        f"  ampworks extract_params: {el:8.3f} s  {n / el / 1e6:7.2f} M rows/s  "
        f"{len(params)} pulses; D median |rel err| vs truth {np.nanmedian(rel):.2f}"
    )
    if rel_sphere is not None:
        msg += (
            f" (ohmslice sphere fit {np.nanmedian(rel_sphere):.3f}, "
            f"ohmslice Weppner-Huggins {np.nanmedian(rel_wh):.2f})"
        )
    print(msg)
    return el


def run(dt: float) -> None:
    t0 = time.perf_counter()
    s = make_gitt(sampling="uniform", dt_s=dt, rest_s=REST_S, seed=1)
    rec = s.recording
    n = len(rec)
    raw = n * 3 * 8
    print(f"\n== sampling {dt:g} s: {n:,} rows, raw {raw / 1e6:.0f} MB "
          f"(generated in {time.perf_counter() - t0:.1f} s)")  # fmt: skip
    el, res = best(lambda: _ohmslice(rec, False), collect=True)
    print(f"  ohmslice segment+analyze_gitt:   {el:8.3f} s  {n / el / 1e6:7.2f} M rows/s "
          f"(target > 5)")  # fmt: skip
    el_s, _ = best(lambda: segment(rec), collect=True)
    print(f"    of which segment:              {el_s:8.3f} s  {n / el_s / 1e6:7.2f} M rows/s")
    peak = _peak(lambda: _ohmslice(rec, False))
    print(f"  peak memory (tracemalloc): {peak / 1e6:.0f} MB = {peak / raw:.2f} x raw (target < 3)")
    el_d, res_d = best(lambda: _ohmslice(rec, True), 1, collect=True)
    print(f"  ohmslice with diffusion fits:    {el_d:8.3f} s  {n / el_d / 1e6:7.2f} M rows/s")
    p, tr = res_d.pulses, s.truth
    ok = ~tr.reached_cutoff.to_numpy()
    print(
        "  accuracy vs known answers: "
        f"SOC max |err| {np.abs(p.soc_end_pct - tr.soc_end_pct).max():.4f} %-points, "
        f"R_total max rel {np.abs(p.r_total_ohm / tr.r_total_ohm - 1).max():.2e}, "
        f"R_pol max rel {np.nanmax(np.abs(p.r_polarization_ohm / tr.r_polarization_ohm - 1)):.2e}, "
        f"D (sphere fit) median rel {np.nanmedian(np.abs(p.d_sphere_m2_s / tr.d_m2_s - 1)[ok]):.3f}"
    )
    _pyprobe(rec, res, (1.0, 10.0))
    _ampworks(rec, res_d, tr)


def main() -> None:
    quick = "--quick" in sys.argv
    pd.set_option("display.width", 200)
    for dt in (1.0,) if quick else (1.0, 0.1):
        run(dt)


if __name__ == "__main__":
    main()
