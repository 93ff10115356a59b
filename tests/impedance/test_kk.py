"""lin-KK test: known-consistent and known-inconsistent spectra, and impedance.py's linKK."""

from __future__ import annotations

import numpy as np
import pytest

from ohmslice.errors import AnalysisInputError, InputError
from ohmslice.impedance.kk import kk_time_constants, lin_kk
from ohmslice.schema import Spectrum

F = np.logspace(5, -2, 71)  # 100 kHz .. 10 mHz, 10 points per decade


def cathode_z(f, r0=5.0, r1=10.0, tau1=1e-5, r2=30.0, tau2=1e-2, n2=0.85, rw=40.0, tw=20.0):
    """R0 + R1||C + ZARC + finite-length (transmissive) Warburg, written out."""
    s = 2j * np.pi * f
    x = np.sqrt(s * tw)
    return r0 + r1 / (1 + s * tau1) + r2 / (1 + (s * tau2) ** n2) + rw * np.tanh(x) / x


def noisy(z, rel, rng):
    return z + rel * np.abs(z) * (rng.standard_normal(z.size) + 1j * rng.standard_normal(z.size))


def sweep_times(f):
    """Elapsed time at each point of a high-to-low frequency sweep (2 periods, >= 1 s each)."""
    order = np.argsort(f)[::-1]
    dt = np.maximum(2.0 / f[order], 1.0)
    t = np.empty_like(f)
    t[order] = np.cumsum(dt)
    return t


def test_time_constants_span_the_measured_range():
    tau = kk_time_constants(F, 7)
    assert tau[0] == pytest.approx(1 / (2 * np.pi * F.max()))
    assert tau[-1] == pytest.approx(1 / (2 * np.pi * F.min()))
    assert np.allclose(np.diff(np.log(tau)), np.log(tau[1] / tau[0]))
    assert kk_time_constants(F, 1)[0] == pytest.approx(1 / (2 * np.pi * F.min()))


def test_consistent_spectrum_passes(rng):
    z = noisy(cathode_z(F), 0.002, rng)
    res = lin_kk(Spectrum.from_arrays(F, z))
    assert res.passed
    assert res.mu <= 0.85
    assert 3 <= res.m < 50
    assert res.max_residual < 0.01
    # the residual level estimates the noise that was added (0.2 % per component)
    assert 0.001 < res.noise_estimate < 0.003
    assert res.r0_ohm == pytest.approx(5.0, rel=0.05)
    assert res.to_frame().shape == (F.size, 5)
    assert res.summary()["passed"] is True


def test_noise_free_spectrum_has_tiny_residuals():
    res = lin_kk(Spectrum.from_arrays(F, cathode_z(F)))
    assert res.passed
    assert res.max_residual < 2e-3


def test_drifting_cell_fails(rng):
    """The charge-transfer and diffusion resistances grow 30 % during the sweep."""
    t = sweep_times(F)
    grow = 1 + 0.3 * t / t.max()
    z = noisy(cathode_z(F, r2=30.0 * grow, rw=40.0 * grow), 0.002, rng)
    res = lin_kk(Spectrum.from_arrays(F, z))
    assert not res.passed
    assert res.max_residual > 0.03
    # the same cell without the drift, same noise, passes
    steady = lin_kk(Spectrum.from_arrays(F, noisy(cathode_z(F), 0.002, rng)))
    assert steady.passed


def test_series_capacitance_for_blocking_spectrum(rng):
    """A blocking electrode (no low-frequency intercept) needs the series capacitor."""
    s = 2j * np.pi * F
    z = noisy(3.0 + 20.0 / (1 + s * 1e-4) + 1 / (s * 1e-3), 0.001, rng)
    without = lin_kk(Spectrum.from_arrays(F, z), m=20)
    with_c = lin_kk(Spectrum.from_arrays(F, z), m=20, add_capacitance=True)
    assert with_c.passed and not without.passed
    assert with_c.capacitance_f == pytest.approx(1e-3, rel=0.01)
    assert np.isinf(without.capacitance_f)


def test_fixed_m_and_threshold(rng):
    z = noisy(cathode_z(F), 0.002, rng)
    res = lin_kk(Spectrum.from_arrays(F, z), m=12, threshold=1e-5)
    assert res.m == 12 and res.tau_s.size == 12
    assert not res.passed and res.threshold == 1e-5


@pytest.mark.parametrize(
    "kwargs",
    [{"c": 0.0}, {"c": 1.5}, {"m": 0}, {"max_m": 0}, {"threshold": 0}, {"fit": "both"}],
)
def test_bad_options(kwargs):
    with pytest.raises(InputError):
        lin_kk(Spectrum.from_arrays(F, cathode_z(F)), **kwargs)


def test_too_few_points():
    with pytest.raises(AnalysisInputError, match="at least 5"):
        lin_kk(Spectrum.from_arrays(F[:4], cathode_z(F[:4])))
    with pytest.raises(AnalysisInputError, match="at most"):
        lin_kk(Spectrum.from_arrays(F[:8], cathode_z(F[:8])), m=40)


@pytest.mark.parametrize("fit", ["complex", "real", "imag"])
def test_same_as_impedance_py(rng, fit):
    validation = pytest.importorskip("impedance.validation")
    # impedance.py 1.7 evaluates circuit strings that numpy 2 prints as np.float64(...)
    validation.circuit_elements.setdefault("np", np)
    z = noisy(cathode_z(F), 0.002, rng)
    ours = lin_kk(Spectrum.from_arrays(F, z), fit=fit, m_rule="first")
    m, mu, z_fit, res_re, res_im = validation.linKK(F, z, fit_type=fit)
    order = np.argsort(F)  # our spectrum is sorted by increasing frequency, F is too
    assert ours.m == m
    assert ours.mu == pytest.approx(mu, abs=1e-6)
    assert np.allclose(ours.residuals_real, res_re[order], atol=1e-6)
    assert np.allclose(ours.residuals_imag, res_im[order], atol=1e-6)


def test_real_measured_spectrum(shared_data):
    galvani = pytest.importorskip("galvani.BioLogic")
    data = galvani.MPRfile(str(shared_data / "biologic" / "peis.issue_149.mpr")).data
    first = data["cycle number"] == 1
    spec = Spectrum.from_arrays(
        data["freq/Hz"][first], data["Re(Z)/Ohm"][first] - 1j * data["-Im(Z)/Ohm"][first]
    )
    res = lin_kk(spec)
    assert 1 <= res.m < spec.freq.size
    assert np.isfinite(res.pseudo_chi2)
    # a clean commercial-instrument spectrum: residuals of a few per cent at most
    assert res.max_residual < 0.05


def test_stable_rule_skips_an_early_dip_of_mu():
    """mu dips below c once at M = 6 for this valid spectrum; the next M go back above."""
    rng = np.random.default_rng(12345)
    f = np.logspace(5, -2, 50)
    s = 2j * np.pi * f
    z = noisy(5 + 10 / (1 + s * 1e-4) + 30 / (1 + (s * 0.1) ** 0.9), 0.003, rng)
    spec = Spectrum.from_arrays(f, z)
    first = lin_kk(spec, m_rule="first")
    stable = lin_kk(spec, m_rule="stable")
    assert first.m == 6 and not first.passed
    assert lin_kk(spec).passed
    assert stable.m > first.m and stable.passed and stable.mu <= 0.85
    with pytest.raises(InputError, match="m_rule"):
        lin_kk(spec, m_rule="last")
    assert lin_kk(spec, m_rule="stable").m == stable.m


def test_half_percent_noise_passes_and_one_outlier_fails():
    rng = np.random.default_rng(7)
    z = noisy(cathode_z(F), 0.005, rng)
    res = lin_kk(Spectrum.from_arrays(F, z))
    assert res.passed
    assert res.max_residual > res.threshold  # a bare max-residual rule would fail it
    bad = z.copy()
    bad[20] *= 1.08  # one point 8 % off
    out = lin_kk(Spectrum.from_arrays(F, bad))
    assert not out.passed
    assert out.max_residual > 4 * out.noise_estimate


def test_cli_kk(tmp_path):
    import json

    import pandas as pd
    from typer.testing import CliRunner

    from ohmslice.cli import app

    rng = np.random.default_rng(3)
    t = sweep_times(F)
    grow = 1 + 0.3 * t / t.max()
    runner = CliRunner()
    for name, z, ok in (
        ("steady", noisy(cathode_z(F), 0.002, rng), True),
        ("drift", noisy(cathode_z(F, r2=30 * grow, rw=40 * grow), 0.002, rng), False),
    ):
        path = tmp_path / f"{name}.csv"
        pd.DataFrame({"freq_Hz": F, "z_real_ohm": z.real, "z_imag_ohm": z.imag}).to_csv(
            path, index=False
        )
        out = runner.invoke(app, ["eis", "kk", str(path)])
        assert out.exit_code == 0, out.output
        assert ("pass" if ok else "FAIL") in out.output
        fig = tmp_path / f"{name}.png"
        out = runner.invoke(app, ["eis", "kk", str(path), "--json", "--plot", str(fig)])
        data = json.loads(out.output)
        assert data["passed"] is ok and data["m"] >= 3
        assert fig.stat().st_size > 10_000
        strict = runner.invoke(app, ["eis", "kk", str(path), "--strict"])
        assert strict.exit_code == (0 if ok else 1)
    bad = runner.invoke(app, ["eis", "kk", str(path), "--mu-cutoff", "2"])
    assert bad.exit_code == 2 and "--mu-cutoff 2" in bad.output
    missing = runner.invoke(app, ["eis", "kk", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2


def test_arrays_instead_of_a_spectrum():
    res = lin_kk((F, cathode_z(F)))
    assert res.passed
    with pytest.raises(InputError, match="same length"):
        lin_kk((F, cathode_z(F)[:-1]))
    with pytest.raises(InputError, match="expected a Spectrum"):
        lin_kk([F, cathode_z(F)])


def test_any_series_of_zarcs_passes():
    """Property: R0 plus ZARC elements (n = 1: ideal RC) is KK-consistent by construction
    and passes, whatever the values."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    # R [Ohm], log10 tau [s], exponent n
    element = st.tuples(st.floats(0.5, 100.0), st.floats(-5.5, 0.5), st.floats(0.6, 1.0))

    @settings(max_examples=25, deadline=None)
    @given(r0=st.floats(1.0, 50.0), elements=st.lists(element, min_size=1, max_size=3))
    def check(r0, elements):
        s = 2j * np.pi * F
        z = r0 + sum(r / (1 + (s * 10.0**lt) ** n) for r, lt, n in elements)
        res = lin_kk(Spectrum.from_arrays(F, z))
        assert res.passed, (r0, elements, res.max_residual)

    check()


def test_ideal_rc_needs_the_auto_rule(rng):
    """A lone ideal RC element (a Dirac DRT between the fixed taus) makes mu fall below
    c before the fit follows it: the published rule (same M as impedance.py) fails the
    valid spectrum; the default 'auto' rule adds elements that need no negative R."""
    s = 2j * np.pi * F
    z = noisy(0.5 + 1 / (1 + s * 1.0), 0.002, rng)
    spec = Spectrum.from_arrays(F, z)
    for rule in ("first", "stable"):
        res = lin_kk(spec, m_rule=rule)
        assert res.m == 8 and not res.passed
    auto = lin_kk(spec)
    assert auto.m > 8 and auto.passed
    assert auto.mu >= lin_kk(spec, m_rule="stable").mu - 0.05


# --- the KK reference level used to judge circuit fits ----------------------------------


@pytest.mark.parametrize("rel", [0.001, 0.005, 0.02])
def test_kk_reference_estimates_the_noise(rel, rng):
    from ohmslice.impedance.kk import kk_reference

    spec = Spectrum.from_arrays(F, noisy(cathode_z(F), rel, rng))
    ref = kk_reference(spec)
    assert 0.8 * rel < ref.residual < 1.2 * rel
    assert ref.residuals.shape == F.shape and np.iscomplexobj(ref.residuals)
    # per degree of freedom: sqrt(sum |r|^2 / (2N - M - 3))
    dof = 2 * F.size - ref.m - 3
    assert ref.residual == pytest.approx(np.sqrt(np.sum(np.abs(ref.residuals) ** 2) / dof))


def test_kk_reference_follows_capacitive_spectra_that_lin_kk_stops_early_on(rng):
    """A reflective (Wo) diffusion: capacitive at low frequency. lin_kk without a series
    C cannot follow it; the reference has one and reaches the noise."""
    from ohmslice.impedance.kk import kk_reference

    s = 2j * np.pi * F
    x = np.sqrt(s * 10.0)
    z = 5 + 30 / (1 + (s * 1e-3) ** 0.85) + 80 / (x * np.tanh(x))
    spec = Spectrum.from_arrays(F, noisy(z, 0.002, rng))
    assert lin_kk(spec).noise_estimate > 0.01
    assert 0.0016 < kk_reference(spec).residual < 0.0024


def test_kk_reference_cache_and_few_points():
    from ohmslice.impedance import kk as kk_mod

    z = cathode_z(F)
    kk_mod._REFERENCES.clear()
    a = kk_mod.kk_reference((F, z))
    b = kk_mod.kk_reference(Spectrum.from_arrays(F, z))
    assert a is b and len(kk_mod._REFERENCES) == 1
    # another error scale is another reference
    c = kk_mod.reference_of_arrays(F, z, np.abs(z) + 10.0)
    assert c is not a and c.residual < a.residual
    assert kk_mod.kk_reference((F[:4], z[:4])) is None
