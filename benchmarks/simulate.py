"""Simulator benchmark: speed of the reference study and accuracy of the RC integration.

Reported:

1. wall time of ``write_reference_study`` (all 28 files: two 100-pulse GITTs, 8 PEIS,
   16 rate tests, study.toml, truth.json), best of 3, and rows written; the target is
   under 10 s on 2 cores;
2. accuracy of the RC expansion: max |Z_rc - Z| / |Z| of the half-cell model over
   1 mHz - 1 MHz at SOC 0-100 % (target < 0.5 %);
3. a 100-pulse GITT overvoltage (seed protocol, SOC-independent parameters) by the
   simulator's exact RC integration and by ohmslice.impedance.timedomain (fixed-Talbot Laplace
   inversion of the exact circuit, superposition of all current steps): time of each and
   their largest difference relative to the largest overvoltage;
4. side by side with impedance.py (``pip install ohmslice[bench]``; skipped if absent):
   the same half-cell spectrum from impedance.py's CustomCircuit (its Ws, CPE) vs
   ohmslice's Circuit, time per spectrum and the largest relative difference.

Run: ``.venv/bin/python benchmarks/simulate.py``
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
from _timing import best

from ohmslice.impedance.circuits import Circuit
from ohmslice.impedance.timedomain import programme_response
from ohmslice.simulate.cell import ElectrodeParameters, ncm523_cell
from ohmslice.simulate.programme import CC, Rest
from ohmslice.simulate.reference import write_reference_study
from ohmslice.simulate.run import simulate


def reference_speed() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        k = iter(range(100))
        seconds, truth = best(lambda: write_reference_study(Path(tmp) / f"r{next(k)}", seed=1))
        out = Path(tmp) / "r0"
        rows = 0
        for p in out.glob("*.mpt"):
            text = p.read_text(encoding="latin-1").split("\n", 2)
            rows += len(p.read_text(encoding="latin-1").splitlines()) - int(text[1].split(":")[1])
        size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
    print(f"1. reference study: {seconds:.2f} s (best of 3), {len(truth['files'])} files, "
          f"{rows} data rows, {size:.1f} MB  [target < 10 s]")  # fmt: skip


def rc_accuracy() -> None:
    cell = ncm523_cell()
    f = np.logspace(-3, 6, 271)
    s = 2j * np.pi * f
    worst = 0.0
    for soc in np.linspace(0, 100, 21):
        exact = cell.impedance(f, soc, "half")
        z = cell.half_cell_chain(soc).impedance(s) + 1 / (s * cell.chemical_capacitance_F(soc))
        worst = max(worst, float(np.max(np.abs(z - exact) / np.abs(exact))))
    n_el = len(cell.half_cell_chain(50).r)
    print(f"2. RC expansion ({n_el} elements): max |dZ|/|Z| = {100 * worst:.3f} % "
          "over 1 mHz - 1 MHz, SOC 0-100 %  [target < 0.5 %]")  # fmt: skip


def gitt_vs_talbot() -> None:
    def const(v):
        return lambda soc: np.full(np.shape(soc), float(v))

    p = ElectrodeParameters(const(4.0), const(3e-6), const(12.0), const(1e-3), const(0.85),
                            const(15.0), const(30.0))  # fmt: skip
    cell = ncm523_cell("flat", electrode=p)
    # flat OCV so that the voltage is the overvoltage alone
    cell = replace(cell, ocv=type(cell.ocv)([0.0, 1.0], [3.8, 3.8 + 1e-9]))
    i = -0.5 * cell.one_c_A
    prog = [Rest(1.0)] + [CC(i, 72.0), Rest(4928.0)] * 100
    t_sim, res = best(lambda: simulate(cell, prog, soc0=1.0), 1)
    rec = res.recording
    eta = rec.voltage - cell.ocv_cell(res.soc)
    text, vals = cell.circuit(50.0, "half")
    text = text.replace("-C4", "")
    vals.pop("C4")
    circuit = Circuit(text)
    steps = res.steps
    starts = steps["t_start_s"].to_numpy()[1:]
    currents = np.where(steps["kind"].to_numpy()[1:] == "CC", i, 0.0)
    sub = np.unique(np.linspace(0, len(rec) - 1, 2000).astype(int))  # memory: steps x t x nodes

    def talbot():
        return np.concatenate([
            programme_response(circuit, vals, rec.time[c], starts, currents)
            for c in np.array_split(sub, 20)
        ])  # fmt: skip

    t_tal, ref = best(talbot, 1)
    err = np.max(np.abs(eta[sub] - ref)) / np.max(np.abs(ref))
    print(f"3. 100-pulse GITT: RC integration {t_sim:.2f} s for all {len(rec)} samples "
          f"({1e3 * t_sim / len(rec):.3f} ms/sample); Talbot inversion {t_tal:.2f} s for "
          f"{sub.size} of them ({1e3 * t_tal / sub.size:.3f} ms/sample); max difference "
          f"{100 * err:.3f} % of the largest overvoltage")  # fmt: skip


def vs_impedance_py() -> None:
    try:
        from impedance.models.circuits import CustomCircuit
    except ImportError:
        print("4. impedance.py not installed: skipped (pip install ohmslice[bench])")
        return
    cell = ncm523_cell()
    p = cell.parameters_ohm(50.0)
    f = np.logspace(6, -2, 81)
    q2 = p["tau2"] ** p["n2"] / p["r2"]
    c4 = cell.chemical_capacitance_F(50.0)
    text = "R0-p(R1,C1)-p(R2,CPE2)-Ws3-C4-p(R5,C5)"
    vals = [cell.r_sep_ohm, p["r1"], p["tau1"] / p["r1"], p["r2"], q2, p["n2"], p["r3"],
            p["tau3"], c4, cell.r_counter_ohm, cell.tau_counter_s / cell.r_counter_ohm]  # fmt: skip
    peer = CustomCircuit(text, initial_guess=vals)
    with warnings.catch_warnings():  # "simulating circuit based on initial parameters"
        warnings.simplefilter("ignore", UserWarning)
        t_peer, z_peer = best(lambda: peer.predict(f), 20)
    t_ours, z_ours = best(lambda: cell.impedance(f, 50.0, "half"), 20)
    err = np.max(np.abs(z_peer - z_ours) / np.abs(z_ours))
    print(
        f"4. half-cell spectrum (81 points): impedance.py {1e3 * t_peer:.2f} ms, "
        f"ohmslice {1e3 * t_ours:.2f} ms; max relative difference {err:.2e}"
    )


if __name__ == "__main__":
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    reference_speed()
    rc_accuracy()
    gitt_vs_talbot()
    vs_impedance_py()
