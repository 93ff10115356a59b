"""Pellet and composite conductivities against simulated spectra with known answers."""

import numpy as np
import pytest

from ohmslice.errors import AnalysisInputError, InputError
from ohmslice.impedance import Circuit
from ohmslice.impedance.conductivity import (
    arrhenius,
    composite_conductivity,
    conductivity_series,
    pellet_conductivity,
    spectrum_temperature,
)
from ohmslice.schema import Spectrum
from ohmslice.simulate.conductivity import (
    composite_spectrum,
    pellet_series,
    pellet_spectrum,
    sigma_arrhenius,
)
from ohmslice.simulate.noise import NoiseModel

NOISE = NoiseModel(impedance_rel_sd=0.003)
L_CM, A_CM2 = 0.06, 0.785
TEMPS = [-40.0, -20.0, 0.0, 25.0, 60.0]


@pytest.fixture(scope="module")
def series():
    spectra, truth = pellet_series(TEMPS, noise=NOISE, r_series_ohm=0.0, seed=3)
    res = conductivity_series(spectra, L_CM, A_CM2, thickness_err_cm=0.001, area_err_cm2=0.005)
    return res, truth


def test_resistance_and_sigma_recovered_at_every_temperature(series):
    res, truth = series
    for r, r_true, s_true in zip(res.results, truth["r_total_ohm"], truth["sigma_S_cm"],
                                 strict=True):  # fmt: skip
        assert r.success, r.reasons
        assert r.r_total_ohm == pytest.approx(r_true, rel=5e-3)
        # the fit's own error covers the truth; the full interval (geometry) does too
        assert abs(r.r_total_ohm - r_true) < 4 * r.r_total_err_ohm
        assert abs(r.sigma_S_cm - s_true) < 2 * r.sigma_err_S_cm
        assert r.sigma_err_S_cm / r.sigma_S_cm == pytest.approx(
            np.hypot(r.sigma_fit_rel_err, np.hypot(0.001 / L_CM, 0.005 / A_CM2)), rel=1e-9
        )


def test_bulk_arc_above_the_band_is_reported_as_intercept(series):
    res, truth = series
    by_t = {r.temperature_C: r for r in res.results}
    # -40 degC: bulk arc at ~5 MHz, inside the 7 MHz band; 25 degC: at ~180 MHz
    assert truth["f_bulk_Hz"][0] < 7e6 < truth["f_bulk_Hz"][3]
    assert by_t[-40.0].method == "arc" and by_t[-40.0].bulk_resolved
    assert by_t[-40.0].sigma_bulk_S_cm == pytest.approx(by_t[-40.0].sigma_S_cm)
    hot = by_t[25.0]
    assert hot.method == "intercept" and not hot.bulk_resolved
    assert np.isnan(hot.sigma_bulk_S_cm)
    assert any("high-frequency intercept" in n for n in hot.notes)
    assert hot.temperature_source == "file metadata"


def test_arrhenius_recovers_activation_energy_and_sigma_25(series):
    res, truth = series
    a = res.arrhenius
    assert a is not None and len(a.data) == len(TEMPS)
    assert abs(a.ea_eV - truth["ea_eV"]) < 3 * a.ea_err_eV
    assert a.ea_eV == pytest.approx(truth["ea_eV"], abs=2e-3)
    lo, hi = a.sigma_ref_ci95_S_cm
    assert lo < truth["sigma_25C_S_cm"] < hi
    assert a.sigma_ref_S_cm == pytest.approx(truth["sigma_25C_S_cm"], rel=5e-3)
    assert not a.extrapolated
    # the geometry is shared: it widens sigma(25 degC), not Ea
    assert a.systematic_rel_err == pytest.approx(np.hypot(0.001 / L_CM, 0.005 / A_CM2))
    assert a.sigma_ref_err_S_cm / a.sigma_ref_S_cm > a.systematic_rel_err


def test_grain_boundary_arc_is_separated():
    spectra, truth = pellet_series([-40.0], noise=NOISE, gb_fraction=0.4, r_series_ohm=0.0, seed=5)
    r = pellet_conductivity(spectra[0], L_CM, A_CM2)
    assert r.success, r.reasons
    assert "p(R2,CPE2)" in r.circuit
    roles = dict(zip(r.arcs["role"], r.arcs["r_ohm"], strict=True))
    assert set(roles) == {"bulk", "grain_boundary"}
    assert r.r_bulk_ohm == pytest.approx(truth["r_bulk_ohm"][0], rel=0.01)
    assert r.r_gb_ohm == pytest.approx(truth["r_gb_ohm"][0], rel=0.01)
    assert r.r_total_ohm == pytest.approx(truth["r_total_ohm"][0], rel=0.005)
    bulk = r.arcs[r.arcs["role"] == "bulk"].iloc[0]
    assert bulk["eps_r"] == pytest.approx(30, rel=0.1)  # the geometric capacitance
    assert r.r_total_ohm == pytest.approx(sum(r.fit.params[n] for n in r.counted))


def test_series_resistance_is_not_counted_when_the_bulk_arc_is_resolved():
    spectra, truth = pellet_series([-40.0], noise=NOISE, r_series_ohm=20.0, seed=7)
    r = pellet_conductivity(spectra[0], L_CM, A_CM2)
    assert r.success and r.circuit == "R0-p(R1,CPE1)-CPE2"
    assert r.r_series_ohm == pytest.approx(20.0, abs=2.0)
    assert r.r_total_ohm == pytest.approx(truth["r_total_ohm"][0], rel=0.005)
    assert any("not counted" in n for n in r.notes)
    assert r.counted == ["R1"] and r.r_total_ohm == pytest.approx(r.fit.params["R1"])


def test_inductive_tail_gets_an_inductance():
    spectra, truth = pellet_series([60.0], noise=NOISE, r_series_ohm=0.0, l_series_H=2e-7, seed=9)
    r = pellet_conductivity(spectra[0], L_CM, A_CM2)
    assert r.success, r.reasons
    assert r.circuit.startswith("L0-")
    assert r.r_total_ohm == pytest.approx(truth["r_total_ohm"][0], rel=0.01)
    plain = pellet_conductivity(spectra[0], L_CM, A_CM2, inductance=False)
    assert not plain.circuit.startswith("L0-")


def test_candidates_table_lists_every_circuit_with_aic():
    spectra, _ = pellet_series([0.0], noise=NOISE, seed=1)
    r = pellet_conductivity(spectra[0], L_CM, A_CM2)
    c = r.candidates
    assert len(c) == 5 and c["chosen"].sum() == 1
    assert {"aic", "delta_aic", "weight", "success", "note"} <= set(c.columns)
    chosen = c[c["chosen"]].iloc[0]
    assert chosen["success"] and chosen["delta_aic"] < 4
    # the high-frequency intercept alone misses the arc's tail: by far the worse AIC
    assert c.set_index("circuit").loc["R0-CPE1", "delta_aic"] > 10
    d = r.to_dict()
    assert d["success"] and d["sigma_S_cm"] == pytest.approx(r.sigma_S_cm)


@pytest.mark.parametrize(
    ("thickness", "area", "match"),
    [(None, A_CM2, "thickness_cm is missing"), (L_CM, None, "area_cm2 is missing"),
     (L_CM, 0.0, "area_cm2=0.0"), (-0.1, A_CM2, "expected a finite value > 0"),
     (50.0, A_CM2, "implausible"), (L_CM, 1e4, "implausible"),
     (float("nan"), A_CM2, "finite")],
)  # fmt: skip
def test_bad_geometry_is_refused(thickness, area, match):
    spectra, _ = pellet_series([25.0], noise=NOISE)
    with pytest.raises(InputError, match=match):
        pellet_conductivity(spectra[0], thickness, area)


def test_spectrum_without_blocking_branch_is_refused():
    f = np.geomspace(1, 7e6, 60)
    z = Circuit("R0-p(R1,CPE1)").z(f, {"R0": 2.0, "R1": 50.0, "CPE1_0": 1e-6, "CPE1_1": 0.9})
    with pytest.raises(AnalysisInputError, match="no blocking branch"):
        pellet_conductivity(Spectrum.from_arrays(f, z), L_CM, A_CM2)
    with pytest.raises(AnalysisInputError, match="no blocking branch"):
        composite_conductivity(Spectrum.from_arrays(f, z), 0.005, A_CM2)


def test_circuit_not_of_pellet_form_is_refused():
    spectra, _ = pellet_series([25.0], noise=NOISE)
    with pytest.raises(InputError, match="not of the pellet form"):
        pellet_conductivity(spectra[0], L_CM, A_CM2, circuits=["R0-p(R1,CPE1)-Wo1"])


def test_temperature_sources():
    s = pellet_spectrum(30.0, c_bulk_F=3e-11)
    assert np.isnan(spectrum_temperature(s)[0])
    assert spectrum_temperature(s, 40.0) == (40.0, "given")
    df = s.data.copy()
    df["temperature_C"] = 55.0
    assert spectrum_temperature(Spectrum(df)) == (55.0, "file column")
    assert spectrum_temperature(Spectrum(s.data, {"temperature_K": 300.0}))[0] == pytest.approx(
        26.85
    )
    with pytest.raises(InputError, match="above -273.15"):
        spectrum_temperature(s, -300.0)


def test_series_needs_one_temperature_per_spectrum():
    spectra, _ = pellet_series([0.0, 25.0], noise=NOISE)
    with pytest.raises(InputError, match="2 spectra"):
        conductivity_series(spectra, L_CM, A_CM2, temperatures_C=[25.0])


def test_series_without_temperatures_gives_no_arrhenius_fit():
    spectra, _ = pellet_series([0.0, 25.0], noise=NOISE)
    plain = [Spectrum(s.data) for s in spectra]  # no temperature in the metadata
    res = conductivity_series(plain, L_CM, A_CM2)
    assert res.arrhenius is None and any("no Arrhenius fit" in n for n in res.notes)
    assert len(res.to_frame()) == 2


def test_arrhenius_exact_line_and_errors():
    t = np.array([-20.0, 0.0, 20.0, 40.0, 60.0])
    sig = sigma_arrhenius(t, 2e-3, 0.42)
    a = arrhenius(t, sig, 0.01 * sig)
    assert a.ea_eV == pytest.approx(0.42, rel=1e-10)
    assert a.sigma_ref_S_cm == pytest.approx(2e-3, rel=1e-10)
    assert a.sigma_at(25.0) == pytest.approx(2e-3, rel=1e-10)
    # 1 % per point over 80 K: Ea known to ~ k dln(sigma) / d(1/T)
    assert 1e-3 < a.ea_err_eV < 1e-2
    # random scatter: Ea's error is estimated right on average (coverage of +- 1 sigma)
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(200):
        noisy = sig * np.exp(rng.normal(0, 0.02, t.size))
        b = arrhenius(t, noisy, 0.02 * noisy)
        hits += abs(b.ea_eV - 0.42) < b.ea_err_eV
    assert 0.6 < hits / 200 < 0.8  # 68 % expected


def test_arrhenius_bad_input():
    with pytest.raises(InputError, match="two distinct temperatures"):
        arrhenius([25.0, 25.0], [1e-3, 1.1e-3])
    with pytest.raises(InputError, match="> 0"):
        arrhenius([0.0, 25.0], [1e-3, -1e-3])
    with pytest.raises(InputError, match="one conductivity per temperature"):
        arrhenius([0.0, 25.0, 50.0], [1e-3, 2e-3])
    with pytest.raises(InputError, match="every point"):
        arrhenius([0.0, 25.0, 50.0], [1e-3, 2e-3, 3e-3], [1e-5, 0.0, 1e-5])
    two = arrhenius([0.0, 50.0], [1e-3, 3e-3])
    assert np.isinf(two.ea_err_eV) and two.notes


def test_composite_tlm_recovers_effective_conductivity():
    s = composite_spectrum(1e-4, noise=NOISE, seed=2)
    truth = s.meta["truth"]
    r = composite_conductivity(s, truth["thickness_cm"], truth["area_cm2"], thickness_err_cm=2e-4)
    assert r.success, r.reasons
    assert r.r_ion_ohm == pytest.approx(truth["r_ion_ohm"], rel=0.01)
    assert abs(r.sigma_eff_S_cm - 1e-4) < 2 * r.sigma_eff_err_S_cm
    assert r.f_knee_Hz == pytest.approx(truth["f_knee_Hz"], rel=0.05)


def test_composite_symmetric_halves_r_ion():
    s = composite_spectrum(1e-4, noise=NOISE, seed=2)
    one = composite_conductivity(s, 0.005, A_CM2)
    two = composite_conductivity(s, 0.005, A_CM2, symmetric=True)
    assert two.r_ion_ohm == pytest.approx(one.r_ion_ohm / 2)
    assert two.sigma_eff_S_cm == pytest.approx(2 * one.sigma_eff_S_cm)


def test_composite_knee_outside_band_is_not_usable():
    s = composite_spectrum(1e-4, noise=NOISE, f_min_Hz=1e3, f_max_Hz=1e6)  # knee at ~44 Hz
    r = composite_conductivity(s, 0.005, A_CM2)
    assert not r.success and np.isnan(r.sigma_eff_S_cm)
    assert any("knee" in m for m in r.reasons)


def test_real_cell_spectrum_without_blocking_branch_is_refused(shared_data):
    from ohmslice.io import read_spectra

    # a battery cell's spectrum that closes towards the real axis at low frequency
    spec = read_spectra(shared_data / "eis" / "exampleDataBioLogic.mpt")[0]
    with pytest.raises(AnalysisInputError, match="no blocking branch"):
        pellet_conductivity(spec, L_CM, A_CM2)
