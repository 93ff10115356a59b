"""Electronic conductivity from simulated DC polarisations with known answers."""

import numpy as np
import pandas as pd
import pytest

from ohmslice.dc.polarization import dc_polarization, find_holds
from ohmslice.errors import AnalysisInputError, InputError
from ohmslice.schema import Recording
from ohmslice.simulate.conductivity import polarization_recording
from ohmslice.simulate.noise import INSTRUMENT

L_CM, A_CM2 = 0.06, 0.785
R_E = 1e6  # 7.6e-8 S/cm over 0.6 mm, 0.785 cm2


def test_one_step_recovers_electronic_conductivity():
    rec = polarization_recording(R_E, steps_V=(0.2,), capacitance_F=1.0, noise=INSTRUMENT)
    r = dc_polarization(rec, L_CM, A_CM2, thickness_err_cm=0.001)
    truth = L_CM / (R_E * A_CM2)
    assert r.success and r.steady, r.reasons
    assert r.r_e_ohm == pytest.approx(R_E, rel=0.01)
    assert abs(r.sigma_e_S_cm - truth) < 2 * r.sigma_e_err_S_cm
    assert r.v_open_V == pytest.approx(0.0, abs=1e-4) and r.v_open_source == "rest"
    assert len(r.holds) == 1 and r.holds["delta_V"].iloc[0] == pytest.approx(0.2, abs=1e-4)


def test_several_steps_fit_the_ohmic_line():
    rec = polarization_recording(R_E, steps_V=(0.1, 0.2, 0.3), capacitance_F=1.0,
                                 v_open_V=0.05, noise=INSTRUMENT, seed=4)  # fmt: skip
    r = dc_polarization(rec, L_CM, A_CM2)
    assert r.success, r.reasons
    assert len(r.holds) == 3
    assert r.holds["delta_V"].to_numpy() == pytest.approx([0.1, 0.2, 0.3], abs=1e-3)
    assert abs(r.r_e_ohm - R_E) < 3 * r.r_e_err_ohm
    assert r.r_e_err_ohm / r.r_e_ohm < 0.01
    assert np.isfinite(r.chi2_reduced)


def test_current_still_decaying_is_not_steady():
    # tau = R_ion C = 1000 s against a 3600 s hold: still 0.7 % of the ionic current
    rec = polarization_recording(R_E, steps_V=(0.1,), r_ionic_ohm=100.0, capacitance_F=30.0)
    r = dc_polarization(rec, L_CM, A_CM2)
    assert not r.success and not r.steady
    assert np.isnan(r.sigma_e_S_cm)
    assert "upper bound" in r.reasons[0]
    loose = dc_polarization(rec, L_CM, A_CM2, allow_unsteady=True)
    assert loose.success and loose.sigma_e_S_cm > L_CM / (R_E * A_CM2)  # an upper bound
    assert loose.notes


def test_temperature_from_the_recording():
    rec = polarization_recording(R_E, steps_V=(0.1,), capacitance_F=1.0)
    df = rec.data.copy()
    df["temperature_C"] = 25.0 + 0.001 * np.arange(len(df))
    r = dc_polarization(Recording(df, rec.meta), L_CM, A_CM2)
    assert r.temperature_source == "file column"
    held = df["temperature_C"].to_numpy()[600:]
    assert r.temperature_C == pytest.approx(held.mean(), rel=1e-6)
    assert dc_polarization(rec, L_CM, A_CM2, temperature_C=30).temperature_C == 30.0


def test_no_hold_is_refused():
    t = np.arange(1.0, 2000.0)
    rec = Recording.from_arrays(t, 3.0 + 1e-4 * t, np.full(t.size, 1e-3))  # a CC charge
    with pytest.raises(AnalysisInputError, match="no potentiostatic hold"):
        dc_polarization(rec, L_CM, A_CM2)


def test_current_against_the_step_is_refused():
    rec = polarization_recording(R_E, steps_V=(0.1,), capacitance_F=1.0)
    df = rec.data.copy()
    df["current_A"] = -df["current_A"]
    with pytest.raises(AnalysisInputError, match="against the step"):
        dc_polarization(Recording(df), L_CM, A_CM2)


@pytest.mark.parametrize(("thickness", "area"), [(None, A_CM2), (L_CM, 0.0), (50.0, A_CM2)])
def test_bad_geometry_is_refused(thickness, area):
    rec = polarization_recording(R_E, capacitance_F=1.0)
    with pytest.raises(InputError):
        dc_polarization(rec, thickness, area)


def test_find_holds_splits_at_voltage_steps():
    rec = polarization_recording(R_E, steps_V=(0.1, 0.2), capacitance_F=1.0, rest_s=100.0,
                                 hold_s=500.0)  # fmt: skip
    h = find_holds(rec)
    assert isinstance(h, pd.DataFrame)
    assert h["voltage_V"].to_numpy() == pytest.approx([0.0, 0.1, 0.0, 0.2], abs=1e-9)
    assert h["duration_s"].to_numpy() == pytest.approx([99.0, 500.0, 100.0, 500.0])
