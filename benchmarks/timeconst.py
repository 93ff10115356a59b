"""Side-by-side benchmark: ``time_constants`` with the diffusion shape chosen by the data,
against impedance.py fitting the same candidate circuits.

``ohmslice.time_constants(spectrum)`` fits the default cathode circuit
``R0-p(R1,CPE1)-p(R2,CPE2)-<diffusion>`` with each candidate diffusion element (``Wo``,
``Ws``, ``Wsc``, ``Wsph``, ``Wa``), keeps the best by AIC, reads the DRT beside it and judges every
process (measured / bounded / undetermined). Timed here, the whole call:

* on one typical spectrum -- 61 points from 1 MHz to 10 mHz, ``Wo`` diffusion, 0.5 %
  noise -- minimum and median of repeated calls (target: under 50 ms on two cores);
* on ``n`` spectra per shape drawn at random (contact 0.3-3 us, charge transfer
  0.1-2 ms, diffusion knee 0.03-3 s, 0.5 % noise): median and 90th percentile time, how
  often the true shape is chosen, and the errors of the diffusion R and tau.

The peer, impedance.py's ``CustomCircuit.fit`` (``bench`` extra; the sphere and ``Wa``
added to it as custom elements with the same formulas), fits the same five circuits
from the same starting values (ohmslice's first fit, each candidate's diffusion element
mapped as ohmslice maps it), modulus-weighted; its time is the five fits alone (no DRT,
no judgement). Printed beside ohmslice: the time ratio, the shape each chooses by the
same AIC, and the chi2 of both for the chosen shape. Without impedance.py installed,
only ohmslice's numbers are printed.

BLAS is pinned to one thread (``OPENBLAS_NUM_THREADS=1`` unless set), as in
``benchmarks/drt.py``: on a small shared machine threaded BLAS on these small matrices
is slower and erratic.

Run: ``.venv/bin/python benchmarks/timeconst.py [n_per_shape]`` (default 25).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

import ohmslice as om  # noqa: E402
from ohmslice.impedance.circuits import Circuit  # noqa: E402
from ohmslice.impedance.shapes import (  # noqa: E402
    CANDIDATES,
    SHAPE_ELEMENTS,
    aic,
    slowest_mode,
    start_from,
    with_element,
)
from ohmslice.schema import Spectrum  # noqa: E402

FREQ = np.logspace(6, -2, 61)  # 1 MHz -> 10 mHz, 7.5 points per decade
BASE = "R0-p(R1,CPE1)-p(R2,CPE2)-{}1"
NOISE = 0.005  # relative rms of |dZ| / |Z|
TARGET_MS = 50.0


def spectrum(kind: str, p: list[float], rng: np.random.Generator) -> Spectrum:
    """A noisy spectrum of the default circuit with diffusion element ``kind``."""
    z = Circuit(BASE.format(kind)).z(FREQ, p)
    e = rng.normal(size=(2, FREQ.size)) * NOISE / np.sqrt(2) * np.abs(z)
    return Spectrum.from_arrays(FREQ, z + e[0] + 1j * e[1])


def typical() -> tuple[Spectrum, list[float]]:
    """The typical spectrum: a cathode with reflective (Wo) diffusion, knee at ~0.05 Hz."""
    p = [5.0, 8.0, 3e-6**0.9 / 8, 0.9, 20.0, 1e-3**0.85 / 20, 0.85, 30.0, 30.0]
    return spectrum("Wo", p, np.random.default_rng(0)), p


def synthetic(n: int, seed: int = 7) -> dict[str, list[tuple[Spectrum, float, float]]]:
    """``n`` random spectra per diffusion shape, with the true diffusion R and tau."""
    rng = np.random.default_rng(seed)
    out: dict[str, list[tuple[Spectrum, float, float]]] = {}
    for shape in CANDIDATES:
        kind = SHAPE_ELEMENTS[shape]
        out[shape] = []
        for _ in range(n):
            r0 = rng.uniform(1, 10)
            r1, t1, n1 = rng.uniform(5, 30), 10 ** rng.uniform(-6.5, -5.5), rng.uniform(0.85, 0.95)
            r2, t2, n2 = rng.uniform(20, 200), 10 ** rng.uniform(-4, -2.7), rng.uniform(0.7, 0.9)
            rw = rng.uniform(50, 300)
            nw = rng.uniform(0.6, 0.9) if kind == "Wa" else 1.0
            tw = 10 ** rng.uniform(-1.5, 0.5) / float(slowest_mode(kind, 1.0, nw))
            extra = {"Wa": [nw], "Wsc": [2.0 * tw / rw]}.get(kind, [])  # Wsc: C ~ tau/R
            p = [r0, r1, t1**n1 / r1, n1, r2, t2**n2 / r2, n2, rw, tw, *extra]
            out[shape].append((spectrum(kind, p, rng), rw, tw))
    return out


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def bench_typical(repeats: int = 30) -> None:
    spec, p = typical()
    om.time_constants(spec)  # warm-up: imports, DRT basis cache
    times, cpu = [], []
    for _ in range(repeats):
        c0 = time.process_time()
        tc, dt = timed(om.time_constants, spec)
        cpu.append(time.process_time() - c0)
        times.append(dt)
    t_min, t_med = min(times) * 1e3, float(np.median(times)) * 1e3
    row = tc.table.set_index("process").loc["diffusion"]
    print(f"== time_constants on one typical spectrum ({FREQ.size} points, 1 MHz - 10 mHz, Wo)")
    print(
        f"time per call   min {t_min:6.1f} ms   median {t_med:6.1f} ms   "
        f"(target < {TARGET_MS:g} ms: {'met' if t_min < TARGET_MS else 'NOT met'} by the minimum, "
        f"{'met' if t_med < TARGET_MS else 'not met'} by the median; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    print(
        f"CPU time per call   median {np.median(cpu) * 1e3:6.1f} ms (the wall time of an idle "
        "machine; one BLAS thread)"
    )
    print(
        f"shape {tc.diffusion_shape} ({tc.shape_note}); diffusion R = {row.r_fit_ohm:.4g} Ohm "
        f"(true {p[7]:g}), tau = {row.tau_fit_s:.4g} s (true {p[8]:g}), {row.status}"
    )


def load_peer():
    """impedance.py's CustomCircuit with Wsph, Wsc and Wa added, or None when not installed."""
    try:
        from impedance.models.circuits import CustomCircuit
        from impedance.models.circuits.elements import circuit_elements, element
    except ImportError:
        return None
    if "Wa" not in circuit_elements:

        def sphere(p, f):
            x = np.sqrt(2j * np.pi * np.asarray(f) * p[1])
            return p[0] * np.tanh(x) / (x - np.tanh(x))

        # impedance.py strips every "p" from element names where it counts parameters
        # ("Wsph" -> "Wsh") but not where it evaluates them: the sphere under both names
        for name in ("Wsph", "Wsh"):
            sphere.__name__ = name
            element(num_params=2, units=["Ohm", "sec"])(sphere)

        @element(num_params=3, units=["Ohm", "sec", ""])
        def Wa(p, f):  # noqa: N802
            y = (2j * np.pi * np.asarray(f) * p[1]) ** (p[2] / 2)
            return p[0] / (np.tanh(y) * y)

        @element(num_params=3, units=["Ohm", "sec", "F"])
        def Wsc(p, f):  # noqa: N802
            s = 2j * np.pi * np.asarray(f)
            x = np.sqrt(s * p[1])
            return p[0] * np.tanh(x) / x + 1 / (s * p[2])

    return CustomCircuit


def peer_candidates(cc_class, spec: Spectrum, tc) -> tuple[str, float, dict[str, float]]:
    """impedance.py's fits of the five candidates from ohmslice's starts: (chosen shape
    by AIC, total time [s], chi2 per shape)."""
    ref = tc.diffusion_fits.get("wo") or tc.fit
    name = next(n for n, k in ref.circuit.elements if k in SHAPE_ELEMENTS.values())
    crit, chi2s, total = {}, {}, 0.0
    n_obs = 2 * len(spec)
    for shape in CANDIDATES:
        circ, new = with_element(ref.circuit, name, SHAPE_ELEMENTS[shape])
        start = start_from(ref, name, circ, new)
        cc = cc_class(circ.text, initial_guess=[start[k] for k in circ.param_names])
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            t = time.perf_counter()
            try:
                cc.fit(spec.freq, spec.z, weight_by_modulus=True)
            except Exception:  # noqa: BLE001 - a peer's failure is a result here
                total += time.perf_counter() - t
                continue
            total += time.perf_counter() - t
        zm = circ.z(spec.freq, np.asarray(cc.parameters_))
        chi2s[shape] = float(np.sum(np.abs(zm - spec.z) ** 2 / np.abs(spec.z) ** 2))
        crit[shape] = aic(chi2s[shape], n_obs, circ.n_params)
    return min(crit, key=crit.get), total, chi2s


def bench_shapes(n: int) -> None:
    cc_class = load_peer()
    data = synthetic(n)
    print(f"\n== shape choice on {n} random spectra per shape (0.5 % noise, {FREQ.size} points)")
    head = f"{'shape':>5} {'chosen':>7} {'|dR|/R med':>11} {'max':>7} {'|dtau|/tau med':>15} {'max':>7}"
    head += f" {'in 2 % (R, tau)':>16} {'time med':>9} {'p90':>7}"
    if cc_class is not None:
        head += f" {'peer 4 fits':>12} {'ratio':>6} {'peer chose':>11} {'chi2 ours/peer':>15}"
    print(head)
    for shape, items in data.items():
        ok, dr, dt, times, peer_t, peer_ok, ratio_chi2 = 0, [], [], [], [], 0, []
        for spec, rw, tw in items:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tc, secs = timed(om.time_constants, spec)
            times.append(secs)
            if tc.diffusion_shape == shape:
                ok += 1
                el = tc.diffusion_candidates.set_index("shape").loc[shape, "element"]
                row = tc.table.set_index("element").loc[el]
                dr.append(abs(row.r_fit_ohm / rw - 1))
                dt.append(abs(row.tau_fit_s / tw - 1))
            if cc_class is not None:
                chosen, secs_peer, chi2s = peer_candidates(cc_class, spec, tc)
                peer_t.append(secs_peer)
                peer_ok += chosen == shape
                if tc.diffusion_shape in chi2s:
                    ratio_chi2.append(tc.fit.chi2 / chi2s[tc.diffusion_shape])
        dr_a, dt_a = np.array(dr), np.array(dt)
        line = (
            f"{shape:>5} {ok:>3}/{len(items):<3} {np.median(dr_a):11.4f} {dr_a.max():7.3f} "
            f"{np.median(dt_a):15.4f} {dt_a.max():7.3f} "
            f"{np.mean(dr_a < 0.02):7.0%} {np.mean(dt_a < 0.02):7.0%} "
            f"{np.median(times) * 1e3:7.1f}ms {np.percentile(times, 90) * 1e3:5.0f}ms"
        )
        if cc_class is not None:
            pm = float(np.median(peer_t)) * 1e3
            chi2_ratio = float(np.median(ratio_chi2)) if ratio_chi2 else float("nan")
            line += (
                f" {pm:10.1f}ms {pm / (np.median(times) * 1e3):5.1f}x {peer_ok:>5}/{len(items):<4}"
                f" {chi2_ratio:15.4f}"
            )
        print(line)
    if cc_class is None:
        print("(impedance.py not installed: the peer's columns are left out; `make bench`)")
    else:
        print(
            "ratio = impedance.py's five candidate fits / ohmslice's whole time_constants call "
            "(fits, DRT, judgement); chi2 ours/peer < 1: ohmslice's fit of the chosen shape is "
            "the better one"
        )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 25
    bench_typical()
    bench_shapes(n)


if __name__ == "__main__":
    main()
