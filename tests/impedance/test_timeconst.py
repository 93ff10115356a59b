"""time_constants: circuit fit and DRT read the same processes of known spectra."""

from __future__ import annotations

import numpy as np
import pytest

from ohmslice.errors import InputError
from ohmslice.impedance.circuits import Circuit
from ohmslice.impedance.timeconst import DEFAULT_CIRCUIT, time_constants
from ohmslice.schema import Spectrum

F = np.logspace(6, -3, 91)
RC3 = "R0-p(R1,C1)-p(R2,CPE2)-p(R3,C3)"
RC3_TRUE = {"R0": 5.0, "R1": 10.0, "C1": 1e-6, "R2": 20.0, "CPE2_0": 1e-3, "CPE2_1": 0.9}
RC3_TRUE |= {"R3": 30.0, "C3": 1.0}
WO_TRUE = {"R0": 5.0, "R1": 3.0, "CPE1_0": 1e-6, "CPE1_1": 0.9, "R2": 20.0}
WO_TRUE |= {"CPE2_0": 1e-3, "CPE2_1": 0.85, "Wo1_0": 30.0, "Wo1_1": 50.0}


def synth(circuit, params, rel=0.003, seed=0, f=F):
    z = Circuit(circuit).z(f, params)
    rng = np.random.default_rng(seed)
    z = z + rel * np.abs(z) * (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size))
    return Spectrum.from_arrays(f, z)


def test_three_rc_like_processes_agree():
    tc = time_constants(synth(RC3, RC3_TRUE), RC3)
    t = tc.table
    assert list(t["process"]) == ["contact", "charge_transfer", "diffusion"]
    assert tc.all_agree
    true_tau = [1e-5, (20.0 * 1e-3) ** (1 / 0.9), 30.0]
    for row, r0, tau0 in zip(t.itertuples(), (10.0, 20.0, 30.0), true_tau, strict=True):
        assert abs(row.r_fit_ohm - r0) < 3 * row.r_fit_err_ohm + 0.002 * r0
        assert abs(row.tau_fit_s - tau0) < 3 * row.tau_fit_err_s + 0.002 * tau0
        assert row.r_drt_ohm == pytest.approx(r0, rel=0.05)
        # an RC's DRT is one sharp peak; a ZARC's broad peak ripples at small lambda
        assert row.tau_drt_s == pytest.approx(tau0, rel=0.10 if row.n == 1 else 0.25)
        assert row.r_drt_err_ohm > 0 and row.tau_drt_err_s > 0
    assert tc.symmetric is None
    assert len(tc) == 3 and tc["agree"].all()
    assert tc.to_dict()["processes"][0]["process"] == "contact"
    assert "contact" in repr(tc)


def test_default_circuit_with_reflective_diffusion():
    tc = time_constants(synth(DEFAULT_CIRCUIT, WO_TRUE, rel=0.002))
    assert tc.fit.circuit.text == DEFAULT_CIRCUIT
    for name, value in WO_TRUE.items():
        assert tc.fit.params[name] == pytest.approx(value, rel=0.05)
    # the Wo's capacitance tau/R goes to the DRT's series C, not into gamma
    assert tc.drt.settings["include_capacitance"] is True
    assert tc.drt.capacitance_f == pytest.approx(50.0 / 30.0, rel=0.1)
    t = tc.table.set_index("process")
    assert t.loc["diffusion", "element"] == "Wo1"
    assert "series C" in t.loc["diffusion", "note"]
    # the DRT shows the Wo's peaks from tau/pi^2 down, holding ~1/3 of its R
    assert t.loc["diffusion", "tau_drt_s"] == pytest.approx(50.0 / np.pi**2, rel=0.15)
    assert 0.15 * 30 < t.loc["diffusion", "r_drt_ohm"] < 0.4 * 30
    assert tc.all_agree


def test_symmetric_cell_per_electrode():
    """Z_sym = R_sep + 2 Z_electrode; the electrode has no series resistance of its own."""
    electrode = dict(RC3_TRUE, R0=1e-9)
    z_el = Circuit(RC3).z(F, electrode)
    rng = np.random.default_rng(1)
    z_sym = 7.0 + 2 * z_el
    z_sym = z_sym + 0.002 * np.abs(z_sym) * (
        rng.standard_normal(F.size) + 1j * rng.standard_normal(F.size)
    )
    spec = Spectrum.from_arrays(F, z_sym)
    tc = time_constants(spec, RC3, symmetric=True)
    assert tc.symmetric["r_sep_ohm"] == pytest.approx(7.0, rel=0.02)
    assert tc.symmetric["r_sep_source"].startswith("high-frequency intercept")
    t = tc.table
    for row, r0 in zip(t.itertuples(), (10.0, 20.0, 30.0), strict=True):
        assert row.r_fit_ohm == pytest.approx(r0, rel=0.02)  # per electrode, not doubled
    assert tc.fit.params["R0"] < 0.1
    given = time_constants(spec, RC3, symmetric=True, r_sep_ohm=7.0)
    assert given.symmetric == {
        "per_electrode": "(Z - R_sep) / 2",
        "r_sep_ohm": 7.0,
        "r_sep_source": "given",
    }
    assert given.spectrum.meta["symmetric"]["r_sep_ohm"] == 7.0


def test_a_missing_process_shows_as_disagreement():
    """Two-process circuit on a three-process spectrum: the fit and the DRT part ways."""
    tc = time_constants(synth(RC3, RC3_TRUE), "R0-p(R1,C1)-p(R2,CPE2)")
    assert len(tc) == 2
    assert not tc.all_agree


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"r_sep_ohm": 3.0}, "only used with symmetric"),
        ({"symmetric": True, "r_sep_ohm": -1.0}, "r_sep_ohm"),
        ({"tau_factor": 1.0}, "tau_factor"),
        ({"r_tol": 0.0}, "r_tol"),
        ({"circuit": "R0-p(R1,C1"}, None),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(InputError, match=match):
        time_constants(synth(RC3, RC3_TRUE), **kwargs)
    with pytest.raises(InputError, match="Spectrum"):
        time_constants(np.zeros(5))


def test_real_measured_spectrum(shared_data):
    galvani = pytest.importorskip("galvani.BioLogic")
    data = galvani.MPRfile(str(shared_data / "biologic" / "peis.issue_149.mpr")).data
    first = data["cycle number"] == 1
    spec = Spectrum.from_arrays(
        data["freq/Hz"][first], data["Re(Z)/Ohm"][first] - 1j * data["-Im(Z)/Ohm"][first]
    )
    tc = time_constants(spec, "R0-p(R1,CPE1)-p(R2,CPE2)")
    assert len(tc) == 2
    assert np.all(np.isfinite(tc.table["r_fit_ohm"]))
    assert np.all(np.isfinite(tc.table["r_drt_ohm"]))
    assert tc.table["tau_fit_s"].is_monotonic_increasing


def test_table_contract_for_the_decomposition():
    """The columns the method reads: shape per process, status, bounds; JSON-ready."""
    import json

    tc = time_constants(synth(DEFAULT_CIRCUIT, WO_TRUE, rel=0.002))
    t = tc.table
    for col in ("shape", "tau_char_s", "band", "status", "status_reason"):
        assert col in t.columns
    assert list(t["shape"]) == ["zarc", "zarc", tc.diffusion_shape]
    assert tc.diffusion_shape == "wo"  # the data are Wo's, the candidates say so
    assert set(t["status"]) == {"measured"} and t[["tau_lower_s", "tau_upper_s"]].isna().all().all()
    out = json.loads(json.dumps(tc.to_dict()))
    assert out["diffusion_shape"] == "wo" and out["fit_accepted"] is True
    assert [c["shape"] for c in out["diffusion_candidates"]] == ["wo", "ws", "wsc", "wsph", "wa"]
    assert out["processes"][2]["status"] == "measured"
    assert "status" in repr(tc) and tc.shape_note in repr(tc)
