"""Side-by-side benchmark: ohmslice's circuit fit against impedance.py's ``CustomCircuit.fit``.

On the same 100 synthetic spectra of the reference paper's three-process cathode
``R0-p(R1,CPE1)-p(R2,CPE2)-Wo1`` (1 MHz -> 10 mHz, 10 points per decade, parameters and
0.1-1 % noise drawn at random with a fixed seed), both tools fit the same circuit from
the same starting values with the same (modulus) weighting. Printed: per-spectrum median
time of each, the speed ratio, the fitted values side by side (medians and the largest
relative difference per parameter), and the chi-square of both fits computed the same way.

ohmslice's time includes its automatic initial guess; impedance.py is handed that guess.
The DRT part is in ``benchmarks/drt.py`` (run at the end when present).

Run: ``.venv/bin/python benchmarks/eis.py [n_spectra]`` (needs the ``bench`` extra).
"""

from __future__ import annotations

import runpy
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from ohmslice.impedance import Circuit, fit_circuit, initial_guess
from ohmslice.schema import Spectrum

CIRCUIT = "R0-p(R1,CPE1)-p(R2,CPE2)-Wo1"
FREQ = np.logspace(6, -2, 81)


def synthetic(n: int, seed: int = 2026) -> list[tuple[Spectrum, np.ndarray]]:
    """``n`` noisy cathode spectra with their true parameters."""
    rng = np.random.default_rng(seed)
    c = Circuit(CIRCUIT)
    out = []
    for _ in range(n):
        r0 = rng.uniform(1, 10)
        r1, t1, n1 = rng.uniform(5, 30), 10 ** rng.uniform(-7.3, -6.3), rng.uniform(0.85, 0.95)
        r2, t2, n2 = rng.uniform(20, 200), 10 ** rng.uniform(-4, -2.7), rng.uniform(0.7, 0.9)
        rw, tw = rng.uniform(50, 300), 10 ** rng.uniform(0.5, 1.5)
        p = np.array([r0, r1, t1**n1 / r1, n1, r2, t2**n2 / r2, n2, rw, tw])
        z = c.z(FREQ, p)
        rel = rng.uniform(0.001, 0.01)
        e = rng.normal(size=(2, z.size)) * rel * np.abs(z)
        out.append((Spectrum.from_arrays(FREQ, z + e[0] + 1j * e[1]), p))
    return out


def chi2(c: Circuit, spec: Spectrum, p: np.ndarray) -> float:
    """Modulus-weighted chi-square, the same for both tools."""
    return float(np.sum(np.abs(c.z(spec.freq, p) - spec.z) ** 2 / np.abs(spec.z) ** 2))


def bench_fit(n: int) -> None:
    """Time and compare both fits on ``n`` spectra."""
    from impedance.models.circuits import CustomCircuit

    c = Circuit(CIRCUIT)
    data = synthetic(n)
    # warm-up (imports, first-call overhead) for both tools
    s0, _ = data[0]
    fit_circuit(s0, c)
    cc = CustomCircuit(CIRCUIT, initial_guess=list(initial_guess(s0, c)))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cc.fit(s0.freq, s0.z, weight_by_modulus=True)

    t_ours, t_peer, ours, peer, truth, c_ours, c_peer, succ, errs = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    for spec, p_true in data:
        t = time.perf_counter()
        res = fit_circuit(spec, c)
        t_ours.append(time.perf_counter() - t)
        start = list(initial_guess(spec, c))
        cc = CustomCircuit(CIRCUIT, initial_guess=start)
        t = time.perf_counter()
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            cc.fit(spec.freq, spec.z, weight_by_modulus=True)
        t_peer.append(time.perf_counter() - t)
        ours.append(res.values)
        errs.append([res.errors[n] for n in c.param_names])
        peer.append(np.asarray(cc.parameters_))
        truth.append(p_true)
        c_ours.append(chi2(c, spec, res.values))
        c_peer.append(chi2(c, spec, peer[-1]))
        succ.append(res.success)

    ours_a, peer_a, truth_a = np.array(ours), np.array(peer), np.array(truth)
    err_a = np.array(errs)
    c_ours_a, c_peer_a = np.array(c_ours), np.array(c_peer)
    mo, mp = np.median(t_ours) * 1e3, np.median(t_peer) * 1e3
    print(f"== circuit fit: {CIRCUIT}, {n} spectra x {len(FREQ)} points, modulus weighting")
    print(f"median time per spectrum   ohmslice {mo:8.2f} ms   impedance.py {mp:8.2f} ms")
    print(
        f"speed ratio (median)       {mp / mo:8.1f} x   (total {sum(t_peer) / sum(t_ours):.1f} x)"
    )
    better = c_ours_a <= c_peer_a * (1 + 1e-9)
    print(
        f"chi2: ohmslice <= impedance.py on {better.sum()}/{n} spectra; median chi2 "
        f"ohmslice {np.median(c_ours_a):.4g}, impedance.py {np.median(c_peer_a):.4g}; "
        f"worst ratio ours/theirs {np.max(c_ours_a / c_peer_a):.6f}"
    )
    agree = np.all(np.abs(ours_a - peer_a) <= 0.01 * np.abs(peer_a), axis=1)
    print(f"ohmslice fits reported success: {sum(succ)}/{n}")
    print(
        f"all parameters within 1 % of impedance.py's on {agree.sum()}/{n} spectra; where "
        f"not, chi2 ours/theirs median {np.median(c_ours_a[~agree] / c_peer_a[~agree]) if (~agree).any() else float('nan'):.3f}"
    )
    print()
    print(
        f"{'param':>8} {'median ours':>12} {'median peer':>12} {'max |ours-peer|/peer':>21}"
        f" {'median |ours-peer|/sigma':>25}"
        f" {'median |ours-true|/true':>24} {'median |peer-true|/true':>24}"
    )
    for j, name in enumerate(c.param_names):
        d = np.abs(ours_a[:, j] - peer_a[:, j]) / np.abs(peer_a[:, j])
        eo = np.abs(ours_a[:, j] - truth_a[:, j]) / truth_a[:, j]
        ep = np.abs(peer_a[:, j] - truth_a[:, j]) / truth_a[:, j]
        print(
            f"{name:>8} {np.median(ours_a[:, j]):12.4g} {np.median(peer_a[:, j]):12.4g} "
            f"{d.max():21.2e} {np.median(np.abs(ours_a[:, j] - peer_a[:, j]) / err_a[:, j]):25.2e}"
            f" {np.median(eo):24.2e} {np.median(ep):24.2e}"
        )
    worst = int(np.argmax(c_ours_a / c_peer_a))
    print(f"\nspectrum {worst} side by side (largest chi2 ratio):")
    for j, name in enumerate(c.param_names):
        print(
            f"  {name:>8}  ours {ours_a[worst, j]:12.6g}  peer {peer_a[worst, j]:12.6g}"
            f"  true {truth_a[worst, j]:12.6g}"
        )


def bench_drt() -> None:
    """The DRT part of the benchmark: ``benchmarks/drt.py`` when it exists."""
    drt = Path(__file__).parent / "drt.py"
    if drt.exists():
        print("\n== DRT (benchmarks/drt.py)")
        runpy.run_path(str(drt), run_name="__main__")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    bench_fit(n)
    bench_drt()


if __name__ == "__main__":
    main()
