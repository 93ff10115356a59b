"""DRT: synthetic spectra with known processes, lambda choice, peers, real data."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import sys
import types

import numpy as np
import pytest
from scipy import integrate
from scipy.signal import find_peaks

from ohmslice.errors import AnalysisInputError, InputError
from ohmslice.impedance.drt import drt, drt_basis_matrices
from ohmslice.schema import Spectrum

F = np.logspace(6, -3, 91)  # 1 MHz .. 1 mHz, 10 points per decade
TAUS = (1e-5, 1e-2, 10.0)
RS = (20.0, 50.0, 30.0)


def three_process(f, n=1.0, r0=10.0, inductance=0.0):
    """R0 + jwL + R1||C (1e-5 s) + ZARC (1e-2 s, exponent n) + R3||C (10 s)."""
    s = 2j * np.pi * f
    return (
        r0
        + s * inductance
        + RS[0] / (1 + s * TAUS[0])
        + RS[1] / (1 + (s * TAUS[1]) ** n)
        + RS[2] / (1 + s * TAUS[2])
    )


def noisy(z, rel, seed=3):
    rng = np.random.default_rng(seed)
    return z + rel * np.abs(z) * (rng.standard_normal(z.size) + 1j * rng.standard_normal(z.size))


def matched(peaks, tau0):
    """The peak nearest (in ln tau) to a true time constant."""
    return peaks.iloc[int(np.argmin(np.abs(np.log(peaks["tau_s"].to_numpy() / tau0))))]


def test_basis_matrices_match_quadrature():
    f = np.array([1e-2, 3.0, 1e4])
    tau = np.geomspace(1e-5, 10, 19)
    eps = 0.5 * 2 * np.sqrt(np.log(2)) / np.log(tau[1] / tau[0])
    a_re, a_im = drt_basis_matrices(f, tau, eps, "rbf")

    def phi(y):
        return np.exp(-((eps * y) ** 2))

    for m, n in [(0, 18), (1, 9), (2, 0), (1, 3)]:
        wt = 2 * np.pi * f[m] * tau[n]
        re = integrate.quad(lambda y, wt=wt: phi(y) / (1 + (wt * np.exp(y)) ** 2), -30, 30)[0]
        im = integrate.quad(
            lambda y, wt=wt: -phi(y) * wt * np.exp(y) / (1 + (wt * np.exp(y)) ** 2), -30, 30
        )[0]
        assert a_re[m, n] == pytest.approx(re, rel=1e-9, abs=1e-14)
        assert a_im[m, n] == pytest.approx(im, rel=1e-9, abs=1e-14)
    p_re, p_im = drt_basis_matrices(f, tau, 0.0, "pwl")
    y = np.log(tau)
    h = y[1] - y[0]
    wt = 2 * np.pi * f[1] * tau[9]
    re = integrate.quad(
        lambda d: (1 - abs(d) / h) / (1 + (wt * np.exp(d)) ** 2), -h, h, points=[0]
    )[0]
    assert p_re[1, 9] == pytest.approx(re, rel=1e-9)
    assert p_im.shape == (3, 19)


@pytest.mark.parametrize(("n", "noise"), [(1.0, 0.001), (1.0, 0.01), (0.95, 0.005), (0.9, 0.005)])
def test_peaks_at_the_true_time_constants(n, noise):
    res = drt(Spectrum.from_arrays(F, noisy(three_process(F, n=n), noise)), n_boot=0)
    peaks = res.peaks()
    assert len(peaks) >= 3
    for tau0, r0 in zip(TAUS, RS, strict=True):
        pk = matched(peaks, tau0)
        assert pk["tau_s"] == pytest.approx(tau0, rel=0.10)
        assert pk["f_peak_Hz"] == pytest.approx(1 / (2 * np.pi * pk["tau_s"]))
        # an RC element's area is its R; a ZARC leaks a little into ripples beside it
        assert pk["r_ohm"] == pytest.approx(r0, rel=0.03 if tau0 != TAUS[1] or n == 1 else 0.10)
    assert res.r_pol_ohm == pytest.approx(sum(RS), rel=0.01)
    assert res.r_inf_ohm == pytest.approx(10.0, abs=0.3)
    assert peaks["r_ohm"].sum() == pytest.approx(res.r_pol_ohm, rel=1e-3)
    assert np.all(np.diff(peaks["tau_s"]) > 0)


def test_lambda_grows_with_noise_and_is_sane():
    spec = {rel: Spectrum.from_arrays(F, noisy(three_process(F), rel)) for rel in (0.001, 0.02)}
    lam = {rel: drt(s, n_boot=0).lam for rel, s in spec.items()}
    assert 1e-9 < lam[0.001] < lam[0.02] < 1.0
    lc = drt(spec[0.001], lam="lcurve", n_boot=0)
    assert lc.lam_method == "lcurve" and 1e-9 < lc.lam < 1.0
    fixed = drt(spec[0.001], lam=lam[0.001], n_boot=0)
    assert fixed.lam_method == "fixed"
    assert np.allclose(fixed.gamma_ohm, drt(spec[0.001], n_boot=0).gamma_ohm)


def test_reconstruction_and_inductance():
    z = noisy(three_process(F, inductance=2e-7), 0.002)
    res = drt(Spectrum.from_arrays(F, z), n_boot=0)
    assert res.inductance_h == pytest.approx(2e-7, rel=0.1)
    rms = np.sqrt(np.mean(res.residuals_real**2 + res.residuals_imag**2) / 2)
    # noise 0.2 %; the rest is the basis' finite width (FWHM = 2 spacings) smoothing the
    # Dirac DRTs of the ideal RC elements (0.23 % with fwhm_coeff=1)
    assert rms < 0.005
    assert res.z_fit.shape == z.shape
    no_l = drt(Spectrum.from_arrays(F, z), include_inductance=False, n_boot=0)
    assert no_l.inductance_h == 0.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"part": "imag"},
        {"part": "real"},
        {"basis": "pwl"},
        {"order": 2},
        {"order": 0},
        {"weighting": "modulus"},
    ],
)
def test_variants_find_the_same_processes(kwargs):
    res = drt(Spectrum.from_arrays(F, noisy(three_process(F), 0.002)), n_boot=0, **kwargs)
    peaks = res.peaks(prominence=0.05)
    for tau0 in TAUS:
        assert matched(peaks, tau0)["tau_s"] == pytest.approx(tau0, rel=0.10)
    assert res.r_pol_ohm == pytest.approx(sum(RS), rel=0.03)


def test_no_series_resistance_option():
    z = noisy(three_process(F, r0=0.0), 0.002)
    res = drt(Spectrum.from_arrays(F, z), r_inf=False, n_boot=0)
    assert res.r_inf_ohm == 0.0
    assert matched(res.peaks(), TAUS[1])["tau_s"] == pytest.approx(TAUS[1], rel=0.1)


def test_bootstrap_uncertainties():
    spec = Spectrum.from_arrays(F, noisy(three_process(F), 0.005))
    res = drt(spec, n_boot=20, seed=1)
    peaks = res.peaks()
    main = [matched(peaks, t) for t in TAUS]
    for pk, r0 in zip(main, RS, strict=True):
        assert 0 < pk["r_err_ohm"] < 0.1 * r0
        assert 0 < pk["tau_err_s"] < 0.2 * pk["tau_s"]
        # the truth lies within a few standard errors (bias of the smoothing included)
        assert abs(pk["r_ohm"] - r0) < 4 * pk["r_err_ohm"] + 0.02 * r0
    assert res.r_inf_err_ohm > 0 and res.r_pol_err_ohm > 0
    assert res.gamma_err_ohm.shape == res.gamma_ohm.shape and res.gamma_err_ohm.max() > 0
    again = drt(spec, n_boot=20, seed=1)
    assert np.array_equal(again.gamma_err_ohm, res.gamma_err_ohm)
    assert res.summary()["r_pol_err_ohm"] == res.r_pol_err_ohm


def test_flat_spectrum_has_no_peaks():
    res = drt(Spectrum.from_arrays(F, np.full(F.size, 5.0 + 0j)), n_boot=0)
    assert res.r_inf_ohm == pytest.approx(5.0)
    assert res.peaks().empty


@pytest.mark.parametrize(
    "kwargs",
    [
        {"basis": "spline"},
        {"shape": "cauchy"},
        {"part": "abs"},
        {"lam": "mgcv"},
        {"lam": -1.0},
        {"order": 3},
        {"fwhm_coeff": 0.0},
        {"n_tau": 3},
        {"weighting": "prop"},
        {"n_boot": 1},
        {"tau_range_s": (0.0, 1.0)},
    ],
)
def test_bad_options(kwargs):
    with pytest.raises(InputError):
        drt(Spectrum.from_arrays(F, three_process(F)), **kwargs)


def test_too_few_points():
    with pytest.raises(AnalysisInputError, match="at least 5"):
        drt(Spectrum.from_arrays(F[:4], three_process(F[:4])))


def _load_pydrttools_runs():
    """pyDRTtools.runs without the package __init__ (which starts its Qt GUI)."""
    pytest.importorskip("cvxopt")
    spec = importlib.util.find_spec("pyDRTtools")
    if spec is None:
        pytest.skip("pyDRTtools not installed")
    if "pyDRTtools" not in sys.modules:
        pkg = types.ModuleType("pyDRTtools")
        pkg.__path__ = list(spec.submodule_search_locations)
        sys.modules["pyDRTtools"] = pkg
    return importlib.import_module("pyDRTtools.runs")


def test_same_drt_as_pydrttools_at_the_same_lambda():
    runs = _load_pydrttools_runs()
    from cvxopt import solvers

    solvers.options["show_progress"] = False
    f = np.logspace(6, -2, 81)
    z = noisy(three_process(f, n=0.9), 0.005)
    eis = runs.EIS_object(f, z.real, z.imag)
    with contextlib.redirect_stdout(io.StringIO()):
        runs.simple_run(eis, cv_type="custom", reg_param=1e-4)
    # pyDRTtools puts its basis at tau = 1/f, one per frequency
    ours = drt(
        Spectrum.from_arrays(f, z),
        tau_range_s=(1 / f.max(), 1 / f.min()),
        n_tau=f.size,
        lam=1e-4,
        n_boot=0,
    )
    # same objective (ours at least as low: cvxopt stops at its tolerance)
    h = (eis.A_re.T @ eis.A_re + eis.A_im.T @ eis.A_im) + 1e-4 * eis.M
    c = eis.b_re @ eis.A_re + eis.b_im @ eis.A_im

    def objective(x):
        return x @ h @ x - 2 * c @ x

    x_ours = np.r_[ours.inductance_h, ours.r_inf_ohm, ours.x_ohm]
    x_theirs = np.r_[eis.L, eis.R, eis.x]
    assert objective(x_ours) <= objective(x_theirs) + 1e-6 * abs(objective(x_theirs))
    assert ours.r_inf_ohm == pytest.approx(float(eis.R), rel=1e-3)
    # same peaks and the same total polarisation
    idx, _ = find_peaks(eis.gamma, prominence=0.02 * eis.gamma.max())
    peaks = ours.peaks()
    assert len(peaks) == idx.size
    assert np.allclose(peaks["tau_s"], eis.out_tau_vec[idx], rtol=0.05)  # their grid: 2.6 % steps
    r_pol = np.sum(0.5 * (eis.gamma[1:] + eis.gamma[:-1]) * np.diff(np.log(eis.out_tau_vec)))
    assert ours.r_pol_ohm == pytest.approx(r_pol, rel=2e-3)


def test_real_measured_spectrum(shared_data):
    galvani = pytest.importorskip("galvani.BioLogic")
    data = galvani.MPRfile(str(shared_data / "biologic" / "peis.issue_149.mpr")).data
    first = data["cycle number"] == 1
    spec = Spectrum.from_arrays(
        data["freq/Hz"][first], data["Re(Z)/Ohm"][first] - 1j * data["-Im(Z)/Ohm"][first]
    )
    res = drt(spec)
    peaks = res.peaks()
    assert len(peaks) >= 1
    assert np.all(peaks["r_ohm"] > 0) and np.all(peaks["r_err_ohm"] >= 0)
    # high-frequency intercept ~12.5 Ohm, polarisation up to the 100 Hz end ~70+ Ohm
    assert 8 < res.r_inf_ohm < 14
    assert res.r_pol_ohm > 50
    rms = np.sqrt(np.mean(res.residuals_real**2 + res.residuals_imag**2) / 2)
    assert rms < 0.02


def _csv(tmp_path, f, z):
    import pandas as pd

    path = tmp_path / "spectrum.csv"
    pd.DataFrame({"freq_Hz": f, "z_real_ohm": z.real, "z_imag_ohm": z.imag}).to_csv(
        path, index=False
    )
    return path


def test_cli_drt_table_json_and_plot(tmp_path):
    import json

    from typer.testing import CliRunner

    from ohmslice.cli import app

    path = _csv(tmp_path, F, noisy(three_process(F), 0.003))
    runner = CliRunner()
    out = runner.invoke(app, ["eis", "drt", str(path), "--boot", "5"])
    assert out.exit_code == 0, out.output
    assert "tau" in out.output and " s │" in out.output and "R_inf" in out.output
    fig = tmp_path / "drt.png"
    out = runner.invoke(
        app, ["eis", "drt", str(path), "--json", "--lambda", "1e-4", "--plot", str(fig)]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["lambda"] == 1e-4 and data["lambda_method"] == "fixed"
    taus = [p["tau_s"] for p in data["peaks"]]
    for tau0 in TAUS:
        assert min(abs(np.log(t / tau0)) for t in taus) < np.log(1.1)
    assert fig.stat().st_size > 10_000
    sym = runner.invoke(app, ["eis", "drt", str(path), "--json", "--symmetric", "--boot", "0"])
    assert json.loads(sym.output)["symmetric"]["r_sep_source"] == "high-frequency intercept"


@pytest.mark.parametrize(
    "args", [["--lambda", "abc"], ["--lambda", "-1"], ["--part", "x"], ["--order", "5"]]
)
def test_cli_drt_bad_options(tmp_path, args):
    from typer.testing import CliRunner

    from ohmslice.cli import app

    path = _csv(tmp_path, F, three_process(F))
    out = CliRunner().invoke(app, ["eis", "drt", str(path), *args])
    assert out.exit_code == 2
    assert "error" in out.output


def test_series_capacitance_and_interval():
    """A blocking spectrum: R0 + R||C + series C; the C goes to its own term."""
    s = 2j * np.pi * F
    z = noisy(4.0 + 25.0 / (1 + s * 1e-3) + 1 / (s * 0.05), 0.002)
    spec = Spectrum.from_arrays(F, z)
    res = drt(spec, include_capacitance=True, n_boot=10)
    assert res.capacitance_f == pytest.approx(0.05, rel=0.02)
    assert 0 < res.capacitance_err_f < 0.005
    assert res.r_pol_ohm == pytest.approx(25.0, rel=0.03)
    iv = res.interval(1e-5, 1e-1)
    assert iv["r_ohm"] == pytest.approx(25.0, rel=0.03)
    assert iv["tau_s"] == pytest.approx(1e-3, rel=0.05)
    assert iv["r_err_ohm"] > 0
    without = drt(spec, n_boot=0)
    assert np.isinf(without.capacitance_f)
    # without the C term the capacitance piles up at the long-tau end of gamma
    assert without.gamma_ohm[-1] > 10 * res.gamma_ohm[-1]
    with pytest.raises(InputError):
        res.interval(1.0, 0.1)


def test_cli_on_real_files(shared_data):
    """EC-Lab PEIS, binary and text export, through ohmslice.read: same DRT from both."""
    import json

    from typer.testing import CliRunner

    from ohmslice.cli import app

    runner = CliRunner()
    out = {}
    for suffix in ("mpr", "mpt"):
        path = shared_data / "biologic" / f"peis.issue_149.{suffix}"
        res = runner.invoke(app, ["eis", "drt", str(path), "--sweep", "1", "--json"])
        assert res.exit_code == 0, res.output
        out[suffix] = json.loads(res.output)
        kk = runner.invoke(app, ["eis", "kk", str(path), "--json"])
        assert kk.exit_code == 0, kk.output
        assert json.loads(kk.output)["n_points"] == 21
    assert len(out["mpr"]["peaks"]) == len(out["mpt"]["peaks"]) >= 1
    assert out["mpr"]["r_pol_ohm"] == pytest.approx(out["mpt"]["r_pol_ohm"], rel=1e-3)


def test_arrays_instead_of_a_spectrum():
    res = drt((F, three_process(F)), n_boot=0)
    assert res.r_pol_ohm == pytest.approx(sum(RS), rel=0.01)
    with pytest.raises(InputError, match="expected a Spectrum"):
        drt("spectrum.csv")


# --- measured range, lambda statement, round-off-proof valleys ------------------------------

BAND_F = np.logspace(4, 2, 21)  # 10 kHz .. 100 Hz: time constants 16 us .. 1.6 ms


def _band_spectrum(seed=1):
    s = 2j * np.pi * BAND_F
    z = 5 + 20 / (1 + s * 5e-6) + 50 / (1 + (s * 3e-4) ** 0.9)  # a process above f_max
    return Spectrum.from_arrays(BAND_F, noisy(z, 0.002, seed))


def test_peaks_outside_the_measured_range_are_flagged():
    res = drt(_band_spectrum(), n_boot=0)
    t_fast, t_slow = res.tau_measured_s
    assert t_fast == pytest.approx(1 / (2 * np.pi * 1e4)) and t_slow == pytest.approx(
        1 / (2 * np.pi * 100)
    )
    peaks = res.peaks()
    assert {"in_band", "flag"} <= set(peaks.columns)
    fast = matched(peaks, 5e-6)
    assert fast["tau_s"] < t_fast / 10**0.1 and not fast["in_band"]
    assert fast["flag"].startswith("faster than the highest measured frequency")
    main = matched(peaks, 3e-4)
    assert main["in_band"] and main["flag"] == ""
    # flagged, not dropped: the areas still add up to R_pol
    assert peaks["r_ohm"].sum() == pytest.approx(res.r_pol_ohm, rel=1e-3)
    inside = (peaks["tau_s"] >= t_fast / 10**0.1) & (peaks["tau_s"] <= t_slow * 10**0.1)
    assert (peaks["in_band"] == inside).all()
    assert (peaks["flag"].astype(bool) == ~peaks["in_band"]).all()


def test_lambda_choice_is_stated():
    spec = _band_spectrum()
    gcv = drt(spec, n_boot=0)
    assert gcv.lambda_choice.startswith(f"lambda = {gcv.lam:.3g}, by generalised cross-valid")
    assert "fixed by the user" in drt(spec, n_boot=0, lam=1e-3).lambda_choice
    assert "L-curve" in drt(spec, n_boot=0, lam="lcurve").lambda_choice
    summary = gcv.summary()
    assert summary["lambda_choice"] == gcv.lambda_choice
    assert summary["tau_measured_s"] == pytest.approx(list(gcv.tau_measured_s))


def test_valley_between_peaks_ignores_solver_round_off():
    """gamma exactly 0 between two peaks but for +-1e-17 of round-off (as NNLS leaves it,
    differently on each BLAS build): the split is the middle of the zero stretch, the
    same whatever the round-off."""
    import dataclasses

    base = drt((F, three_process(F)), n_boot=0)
    y = np.log(base.tau_s)
    g = 30 * np.exp(-(((y - np.log(1e-4)) / 0.5) ** 2)) + 20 * np.exp(
        -(((y - np.log(1.0)) / 0.5) ** 2)
    )
    g[g < 1e-3] = 0.0  # a long stretch of exact zeros between the two
    zeros = np.flatnonzero((g == 0) & (y > np.log(1e-4)) & (y < np.log(1.0)))
    middle = base.tau_s[zeros[len(zeros) // 2]]
    splits = []
    for seed in range(4):
        roundoff = np.random.default_rng(seed).normal(size=g.size) * 1e-17
        res = dataclasses.replace(base, gamma_ohm=np.where(g == 0, roundoff, g),
                                  gamma_boot=np.zeros((0, g.size)))  # fmt: skip
        peaks = res.peaks()
        assert len(peaks) == 2
        splits.append(peaks["tau_hi_s"].iloc[0])
        area = np.sqrt(np.pi) * 0.5
        assert peaks["r_ohm"].to_numpy() == pytest.approx([30 * area, 20 * area], rel=1e-3)
    assert len(set(splits)) == 1
    assert splits[0] == pytest.approx(middle, rel=0.03)


def test_cli_drt_says_what_is_measured_and_how_lambda_was_chosen(tmp_path):
    import json

    from typer.testing import CliRunner

    from ohmslice.cli import app

    spec = _band_spectrum()
    path = _csv(tmp_path, spec.freq, spec.z)
    runner = CliRunner()
    out = runner.invoke(app, ["eis", "drt", str(path), "--boot", "0"])
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "measured?" in text and "no: above f_max" in text
    assert "by generalised cross-validation" in text
    assert "measured time constants: 15.9 µs to 1.59 ms" in text
    assert "faster than the highest measured frequency" in text
    js = json.loads(runner.invoke(app, ["eis", "drt", str(path), "--boot", "0", "--json"]).output)
    assert js["lambda_choice"].startswith("lambda = ")
    flags = [p["flag"] for p in js["peaks"] if not p["in_band"]]
    assert flags and all(flags)
