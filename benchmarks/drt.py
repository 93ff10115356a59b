"""Side-by-side benchmark: ohmslice's DRT against pyDRTtools and pyimpspec, and lin-KK
against impedance.py.

On the same synthetic spectra of a three-process cathode -- contact R1||CPE1 (tau
1-10 us), charge transfer R2||CPE2 (0.1-10 ms), finite-length diffusion Ws (1-10 s) --
at 1 MHz -> 10 mHz, 10 points per decade, 0.1-1 % noise (parameters drawn with a fixed
seed), the three DRT codes run with matched settings: Gaussian RBF, FWHM coefficient
0.5, first-derivative penalty, both parts of Z, series R and L, one basis function per
frequency at tau = 1/f (pyDRTtools' grid), lambda by GCV.

Printed:

* per-spectrum median time of each tool and the ratios, ohmslice both *cold* (its basis
  and decomposition caches cleared before every spectrum) and *warm* (the same
  frequency grid for the whole series, as in a study);
* "same lambda": ohmslice run at pyDRTtools' chosen lambda, with the peaks of both
  (position, area between valleys) side by side -- the same problem must give the same
  peaks; the objective value of both solutions;
* each tool's own GCV lambda and the peaks it leads to;
* lin-KK: ohmslice's ``lin_kk`` (``m_rule="first"``, complex fit) against
  ``impedance.validation.linKK`` (``fit_type="complex"``): time, same M, residuals.

Peers are imported as they are published (``bench`` extra). pyDRTtools 0.2's package
``__init__`` starts its Qt GUI, so ``pyDRTtools.runs`` is loaded without it (the
package is registered as a bare namespace first). BLAS is pinned to one thread for
every tool (``OPENBLAS_NUM_THREADS=1`` unless set): on a small shared machine threaded
BLAS on 80x80 matrices is slower and erratic.

Run: ``.venv/bin/python benchmarks/drt.py [n_spectra]`` (default 100).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import contextlib  # noqa: E402
import importlib  # noqa: E402
import importlib.util  # noqa: E402
import io  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from scipy.signal import find_peaks  # noqa: E402

import ohmslice.impedance.drt as odrt  # noqa: E402
from ohmslice.impedance.circuits import Circuit  # noqa: E402
from ohmslice.impedance.kk import lin_kk  # noqa: E402
from ohmslice.schema import Spectrum  # noqa: E402

CIRCUIT = "R0-p(R1,CPE1)-p(R2,CPE2)-Ws1"
FREQ = np.logspace(6, -2, 81)
PROMINENCE = 0.02


def synthetic(n: int, seed: int = 7) -> list[Spectrum]:
    """``n`` noisy three-process spectra (contact, charge transfer, diffusion)."""
    rng = np.random.default_rng(seed)
    c = Circuit(CIRCUIT)
    out = []
    for _ in range(n):
        r0 = rng.uniform(1, 10)
        r1, t1, n1 = rng.uniform(5, 30), 10 ** rng.uniform(-6, -5), rng.uniform(0.9, 1.0)
        r2, t2, n2 = rng.uniform(20, 100), 10 ** rng.uniform(-4, -2), rng.uniform(0.8, 0.95)
        rw, tw = rng.uniform(20, 100), 10 ** rng.uniform(0, 1)
        p = np.array([r0, r1, t1**n1 / r1, n1, r2, t2**n2 / r2, n2, rw, tw])
        z = c.z(FREQ, p)
        e = rng.normal(size=(2, z.size)) * rng.uniform(0.001, 0.01) * np.abs(z)
        out.append(Spectrum.from_arrays(FREQ, z + e[0] + 1j * e[1]))
    return out


def load_pydrttools():
    """``pyDRTtools.runs`` without the package ``__init__`` (which starts the Qt GUI)."""
    spec = importlib.util.find_spec("pyDRTtools")
    if spec is None:
        raise ImportError("pyDRTtools is not installed (bench extra)")
    if "pyDRTtools" not in sys.modules:
        pkg = types.ModuleType("pyDRTtools")
        pkg.__path__ = list(spec.submodule_search_locations)
        sys.modules["pyDRTtools"] = pkg
    with contextlib.redirect_stdout(io.StringIO()):
        runs = importlib.import_module("pyDRTtools.runs")
    from cvxopt import solvers

    solvers.options["show_progress"] = False
    return runs


def valley_peaks(tau: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """(tau, area) of each peak of gamma on an increasing tau grid: ohmslice's rule
    (prominence floor, area over ln tau between the valleys) applied to any DRT."""
    idx, _ = find_peaks(np.r_[0.0, gamma, 0.0], prominence=PROMINENCE * gamma.max())
    idx -= 1
    if idx.size == 0:
        return np.zeros((0, 2))
    cuts = [
        0,
        *(int(a + np.argmin(gamma[a : b + 1])) for a, b in zip(idx[:-1], idx[1:], strict=True)),
    ]
    cuts.append(gamma.size - 1)
    y = np.log(tau)
    cum = np.r_[0.0, np.cumsum(0.5 * (gamma[1:] + gamma[:-1]) * np.diff(y))]
    return np.column_stack([tau[idx], cum[cuts[1:]] - cum[cuts[:-1]]])


def main_peaks(peaks: np.ndarray, k: int = 3) -> np.ndarray:
    """The k largest peaks by area, sorted by tau."""
    top = peaks[np.argsort(peaks[:, 1])[::-1][:k]]
    return top[np.argsort(top[:, 0])]


def ours(spec: Spectrum, lam, cold: bool):
    if cold:
        odrt._CACHE.clear()
        odrt._PROBLEMS.clear()
    f = spec.freq
    return odrt.drt(
        spec,
        lam=lam,
        tau_range_s=(1 / f.max(), 1 / f.min()),
        n_tau=f.size,
        fwhm_coeff=0.5,
        order=1,
        n_boot=0,
    )


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def bench_drt(data: list[Spectrum]) -> None:
    runs = load_pydrttools()

    def pydrt(spec: Spectrum, lam: float | None = None):
        f = spec.freq[::-1]  # pyDRTtools' convention: decreasing frequency
        z = spec.z[::-1]
        eis = runs.EIS_object(f, z.real, z.imag)
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if lam is None:
                runs.simple_run(eis, rbf_type="Gaussian", der_used="1st order", cv_type="GCV")
            else:
                runs.simple_run(eis, der_used="1st order", cv_type="custom", reg_param=lam)
        return eis

    try:
        from pyimpspec import DataSet
        from pyimpspec.analysis.drt import calculate_drt_tr_rbf
    except ImportError:
        calculate_drt_tr_rbf = None

    # warm-up: imports and first-call overheads of every tool
    pydrt(data[0])
    ours(data[0], "gcv", cold=True)
    if calculate_drt_tr_rbf is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            calculate_drt_tr_rbf(
                DataSet(data[0].freq, data[0].z),
                cross_validation="gcv",
                inductance=True,
                num_procs=1,
            )

    t = {k: [] for k in ("pydrt", "cold", "warm", "pyimpspec", "pydrt_fixed", "ours_fixed")}
    same_n, d_tau, d_r, obj_gap, lam_p, lam_o, lam_i = [], [], [], [], [], [], []
    own_same_n, own_dtau, gcv_better = [], [], []
    params = importlib.import_module("pyDRTtools.parameter_selection")
    rows = []
    for i, spec in enumerate(data):
        eis, dt = timed(pydrt, spec)
        t["pydrt"].append(dt)
        lam = float(np.ravel(eis.lambda_value)[0])
        lam_p.append(lam)
        o_cold, dt = timed(ours, spec, "gcv", True)
        t["cold"].append(dt)
        o_warm, dt = timed(ours, spec, "gcv", False)
        t["warm"].append(dt)
        lam_o.append(o_warm.lam)
        if calculate_drt_tr_rbf is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ri, dt = timed(
                    calculate_drt_tr_rbf,
                    DataSet(spec.freq, spec.z),
                    cross_validation="gcv",
                    inductance=True,
                    num_procs=1,
                )
            t["pyimpspec"].append(dt)
            lam_i.append(float(ri.lambda_value))
        # the same problem: ohmslice at pyDRTtools' lambda
        _, dt = timed(pydrt, spec, lam)
        t["pydrt_fixed"].append(dt)
        o_same, dt = timed(ours, spec, lam, False)
        t["ours_fixed"].append(dt)
        p_theirs = valley_peaks(eis.out_tau_vec, eis.gamma)
        # our coefficients on their output grid: the same peak rule on the same points
        basis = odrt._gamma_matrix(
            np.log(eis.out_tau_vec), np.log(o_same.tau_basis_s), o_same.settings["epsilon"], "rbf"
        )
        p_ours = valley_peaks(eis.out_tau_vec, basis @ o_same.x_ohm)
        same_n.append(len(p_theirs) == len(p_ours))
        a, b = main_peaks(p_ours), main_peaks(p_theirs)
        if len(a) == len(b):
            d_tau.append(np.max(np.abs(np.log(a[:, 0] / b[:, 0]))))
            d_r.append(np.max(np.abs(a[:, 1] / b[:, 1] - 1)))
        h = eis.A_re.T @ eis.A_re + eis.A_im.T @ eis.A_im + lam * eis.M
        c = eis.b_re @ eis.A_re + eis.b_im @ eis.A_im
        x_o = np.r_[o_same.inductance_h, o_same.r_inf_ohm, o_same.x_ohm]
        x_p = np.r_[eis.L, eis.R, eis.x]
        o_obj, p_obj = x_o @ h @ x_o - 2 * c @ x_o, x_p @ h @ x_p - 2 * c @ x_p
        obj_gap.append((o_obj - p_obj) / abs(p_obj))
        # which lambda is the better GCV minimum, by pyDRTtools' own GCV function
        args = (eis.A_re, eis.A_im, eis.b_re, eis.b_im, eis.M, "Combined Re-Im Data", 1)
        gcv_o = params.compute_GCV(np.log(o_warm.lam), *args)
        gcv_p = params.compute_GCV(np.log(lam), *args)
        gcv_better.append(gcv_o <= gcv_p * (1 + 1e-9))
        own = valley_peaks(o_warm.tau_s, o_warm.gamma_ohm)
        own_same_n.append(len(own) == len(p_theirs))
        a2 = main_peaks(own)
        if len(a2) == len(b):
            own_dtau.append(np.max(np.abs(np.log(a2[:, 0] / b[:, 0]))))
        if i < 5:
            rows.append((i, lam, a, b))

    med = {k: 1e3 * float(np.median(v)) for k, v in t.items() if v}
    n = len(data)
    print(f"DRT on {n} spectra ({FREQ.size} points each), median time per spectrum:")
    print(f"  pyDRTtools simple_run (GCV)          {med['pydrt']:8.2f} ms")
    if "pyimpspec" in med:
        print(f"  pyimpspec TR-RBF (GCV)               {med['pyimpspec']:8.2f} ms")
    print(f"  ohmslice drt (GCV), cold caches      {med['cold']:8.2f} ms")
    print(f"  ohmslice drt (GCV), warm caches      {med['warm']:8.2f} ms")
    print(
        f"  ratio pyDRTtools / ohmslice: {med['pydrt'] / med['cold']:.1f}x cold, "
        f"{med['pydrt'] / med['warm']:.1f}x warm"
    )
    if "pyimpspec" in med:
        print(
            f"  ratio pyimpspec / ohmslice:  {med['pyimpspec'] / med['cold']:.1f}x cold, "
            f"{med['pyimpspec'] / med['warm']:.1f}x warm"
        )
    print(
        f"  fixed lambda (no search): pyDRTtools {med['pydrt_fixed']:.2f} ms, "
        f"ohmslice {med['ours_fixed']:.2f} ms ({med['pydrt_fixed'] / med['ours_fixed']:.1f}x)"
    )
    print("\nSame lambda (pyDRTtools' GCV choice), same grid and settings:")
    print(f"  same number of peaks: {sum(same_n)}/{n}")
    if d_tau:
        print(
            f"  3 largest peaks: tau differ by median {100 * np.median(np.expm1(d_tau)):.2f} %"
            f" (max {100 * np.max(np.expm1(d_tau)):.2f} %), area by median "
            f"{100 * np.median(d_r):.2f} % (max {100 * np.max(d_r):.2f} %)"
        )
    print(
        "  objective of ohmslice's solution relative to pyDRTtools': median "
        f"{np.median(obj_gap):.2e}, max {np.max(obj_gap):.2e} (<= 0: ours at least as low)"
    )
    print("\nOwn lambda choice (each tool's GCV):")
    print(
        f"  lambda median: pyDRTtools {np.median(lam_p):.2g}, ohmslice {np.median(lam_o):.2g}"
        + (f", pyimpspec {np.median(lam_i):.2g}" if lam_i else "")
    )
    print(
        "  GCV score (pyDRTtools' compute_GCV) at ohmslice's lambda <= at pyDRTtools' "
        f"lambda: {sum(gcv_better)}/{n} (pyDRTtools' SLSQP from 1e-3 stops at local minima)"
    )
    print(
        f"  ohmslice vs pyDRTtools: same number of peaks {sum(own_same_n)}/{n}; 3 largest "
        f"peaks' tau differ by median {100 * np.median(np.expm1(own_dtau)):.1f} %"
    )
    print("\nPeaks side by side (same lambda; tau [s] / R [Ohm], 3 largest):")
    for i, lam, a, b in rows:
        fa = "  ".join(f"{t_:.3g}/{r_:.3g}" for t_, r_ in a)
        fb = "  ".join(f"{t_:.3g}/{r_:.3g}" for t_, r_ in b)
        print(f"  #{i} lambda {lam:.2g}\n     ohmslice   {fa}\n     pyDRTtools {fb}")


def bench_kk(data: list[Spectrum]) -> None:
    from impedance import validation

    # impedance.py 1.7 evaluates circuit strings that numpy 2 prints as np.float64(...)
    validation.circuit_elements.setdefault("np", np)

    def peer(spec):
        with contextlib.redirect_stdout(io.StringIO()):
            return validation.linKK(spec.freq, spec.z, fit_type="complex")

    peer(data[0])
    lin_kk(data[0], m_rule="first")
    t_o, t_p, t_auto, same_m, d_res, passed, passed_first = [], [], [], [], [], [], []
    for spec in data:
        res, dt = timed(lin_kk, spec)
        t_auto.append(dt)
        passed.append(res.passed)
        o, dt = timed(lin_kk, spec, m_rule="first")
        t_o.append(dt)
        passed_first.append(o.passed)
        (m, _mu, _zf, rr, ri), dt = timed(peer, spec)
        t_p.append(dt)
        same_m.append(o.m == m)
        d_res.append(max(np.abs(o.residuals_real - rr).max(), np.abs(o.residuals_imag - ri).max()))
    mo, mp = 1e3 * np.median(t_o), 1e3 * np.median(t_p)
    print(f"\nlin-KK on {len(data)} spectra, median time per spectrum:")
    print(f"  impedance.py linKK (complex)  {mp:8.2f} ms")
    print(f"  ohmslice lin_kk, same rule    {mo:8.2f} ms   ratio {mp / mo:.1f}x")
    ma = 1e3 * np.median(t_auto)
    print(
        f"  ohmslice lin_kk, default rule {ma:8.2f} ms   ratio {mp / ma:.1f}x "
        f"(passes {sum(passed)}/{len(data)} of these KK-consistent spectra; the "
        f"published rule {sum(passed_first)}/{len(data)})"
    )
    print(
        f"  same M: {sum(same_m)}/{len(data)}; largest residual difference "
        f"{np.max(d_res):.1e} (fraction of |Z|)"
    )


def main(n: int = 100) -> None:
    """Run the DRT and lin-KK benchmarks on ``n`` synthetic spectra."""
    data = synthetic(n)
    try:
        bench_drt(data)
    except ImportError as exc:
        print(f"DRT benchmark skipped: {exc}")
    try:
        bench_kk(data)
    except ImportError as exc:
        print(f"lin-KK benchmark skipped: {exc}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 100)
