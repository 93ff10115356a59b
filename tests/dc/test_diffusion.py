"""Diffusion coefficients from GITT pulses against records of known D (ohmslice.dc.diffusion)."""

from __future__ import annotations

import numpy as np
import pytest
from synth_gitt import Cell, g_sphere, make_gitt

from ohmslice.dc.diffusion import (
    DIFFUSION_COLUMNS,
    fit_sphere,
    sphere_response,
    sphere_roots,
    weppner_huggins,
)
from ohmslice.dc.gitt import analyze_gitt
from ohmslice.errors import AnalysisInputError


def test_roots_of_tan_l_equals_l():
    lam = sphere_roots(40)
    np.testing.assert_allclose(np.tan(lam), lam, rtol=1e-9)
    assert lam[0] == pytest.approx(4.493409457909064, rel=1e-12)
    assert (np.diff(lam) > 0).all()


def test_sphere_response_matches_laplace_inversion():
    x = np.geomspace(1e-8, 20, 400)
    # the test helper inverts the Laplace transform numerically (Stehfest): independent
    np.testing.assert_allclose(sphere_response(x), g_sphere(x), rtol=2e-5, atol=1e-9)
    assert sphere_response(np.array([0.0, -1.0])).tolist() == [0.0, 0.0]
    assert sphere_response(np.array([50.0]))[0] == pytest.approx(0.2, rel=1e-12)
    xs = np.array([1e-8, 1e-6])
    np.testing.assert_allclose(sphere_response(xs), 2 * np.sqrt(xs / np.pi) - 2 * xs, rtol=1e-5)
    # continuity where the short-time expansion hands over to the series
    e = 1e-9
    a, b = sphere_response(np.array([0.01 - e, 0.01 + e]))
    assert abs(a - b) < 1e-8


@pytest.fixture(scope="module")
def default_gitt():
    s = make_gitt(sampling="uniform", seed=21)
    return s, analyze_gitt(s.recording, particle_radius_m=s.cell.particle_radius_m)


def test_columns_present(default_gitt):
    _, r = default_gitt
    for c in DIFFUSION_COLUMNS:
        assert c in r.pulses.columns


def test_sphere_fit_recovers_d_with_honest_errors(default_gitt):
    s, r = default_gitt
    p, tr = r.pulses, s.truth
    ok = ~p.reached_cutoff.to_numpy()
    err = np.abs(p.d_sphere_m2_s - tr.d_m2_s)[ok]
    assert (err < 3 * p.d_sphere_se_m2_s[ok] + 0.05 * tr.d_m2_s[ok]).all()
    assert (p.d_sphere_se_m2_s[ok] > 0).all()
    # 72 s pulses on tau_D >= 300 s particles: outside the short-time regime, flagged
    assert not p.sqrt_linear.any()
    # at low SOC the sphere fit stays right where Weppner-Huggins does not
    low = ok & (p.soc_mid_pct.to_numpy() < 10)
    assert low.sum() >= 5
    np.testing.assert_allclose(p.d_sphere_m2_s[low], tr.d_m2_s[low], rtol=0.06)
    assert (np.abs(p.d_wh_m2_s[low] / tr.d_m2_s[low] - 1) > 0.3).all()


def test_weppner_huggins_in_its_regime():
    # series R and diffusion only, a straight OCV, short pulses on slow particles
    cell = Cell(
        rc=(),
        tau_d_s=lambda s: 3000.0,
        ocv=lambda s: 3.6 + 0.006 * np.asarray(s),
        docv_dsoc=lambda s: 0.006 + 0 * np.asarray(s),
    )
    s = make_gitt(
        cell,
        c_rate=2.0,
        pulse_s=5.0,
        rest_s=1500.0,
        n_pulses=4,
        sampling="dE",
        dt_max_s=1.0,
        noise_V=2e-5,
        seed=22,
    )
    r = analyze_gitt(s.recording, vm_over_s_m=1e-6)  # L = r/3 for 3 um spheres
    p, d = r.pulses, s.truth.d_m2_s
    assert p.sqrt_linear.all()
    assert (p.short_time_ratio < 0.1).all()
    # short-time forms: biased low by the next term of the expansion (~ sqrt(pi x)), < 15 %
    np.testing.assert_allclose(p.d_wh_m2_s, d, rtol=0.15)
    np.testing.assert_allclose(p.d_wh_classic_m2_s, d, rtol=0.15)
    assert (p.d_wh_se_m2_s > 0).all() and (p.d_wh_classic_se_m2_s > 0).all()
    np.testing.assert_allclose(p.d_sphere_m2_s, d, rtol=0.12)
    np.testing.assert_allclose(p.r_ir0_ohm, 30.0, rtol=0.01)  # sqrt(t) extrapolation exact


def test_fit_sphere_noise_free():
    tau, tau_p = 400.0, 60.0
    t = np.r_[np.geomspace(1, tau_p, 60), tau_p + np.geomspace(1, 2000, 80)]
    on = t <= tau_p
    resp = (
        3 * np.minimum(t, tau_p) / tau
        + sphere_response(t / tau)
        - np.where(on, 0, sphere_response((t - tau_p) / tau))
    )
    v = 3.9 + 1e-7 * t - 0.03 * on - 0.01 * resp
    fit = fit_sphere(t, v, tau_p)
    assert fit["tau_s"] == pytest.approx(tau, rel=1e-4)
    assert fit["amplitude_V"] == pytest.approx(-0.01, rel=1e-4)
    assert fit["drift_V_per_s"] == pytest.approx(1e-7, rel=1e-3)
    with pytest.raises(AnalysisInputError, match="at least 8"):
        fit_sphere(t[:5], v[:5], tau_p)


def test_weppner_huggins_formula():
    # D = 4/pi (L dEs / (tau m))^2
    assert weppner_huggins(2e-3, 1e-2, 10.0, 1e-6) == pytest.approx(
        4 / np.pi * (1e-6 * 1e-2 / (10 * 2e-3)) ** 2
    )


def test_bad_geometry():
    s = make_gitt(n_pulses=3, seed=23)
    with pytest.raises(AnalysisInputError, match="particle_radius_m"):
        analyze_gitt(s.recording, particle_radius_m=-1.0)
    r = analyze_gitt(s.recording, diffusion=True)  # no geometry: tau_D only
    assert r.pulses.d_wh_m2_s.isna().all() and (r.pulses.tau_d_s > 0).all()


@pytest.mark.slow
def test_ampworks_model_gitt_is_fitted_exactly():
    """ampworks ships a model-generated GITT (spherical particles, 1 nV resolution):
    the exact spherical response reproduces its pulses to a few uV, and the
    sqrt(t) check flags its 660 s pulses as outside the short-time regime."""
    amp = pytest.importorskip("ampworks")
    from ohmslice.schema import Recording

    d = amp.datasets.load_datasets("gitt/gitt_discharge")
    rec = Recording.from_arrays(d.Seconds.to_numpy(), d.Volts.to_numpy(), d.Amps.to_numpy())
    r = analyze_gitt(rec, particle_radius_m=1.8e-6)
    p = r.pulses
    assert len(p) == 121 and r.direction == "discharge"
    # away from the steep end of the OCV curve (there it is not quadratic over a pulse)
    full = p[~p.reached_cutoff & (p.soc_mid_pct > 5)]
    assert len(full) >= 110
    assert (full.sphere_rms_V < 5e-6).all()
    assert (full.d_sphere_se_m2_s / full.d_sphere_m2_s < 1e-3).all()
    assert not p.sqrt_linear.any()
    assert p.reached_cutoff.tolist() == [False] * 120 + [True]
