"""Tortuosity factor and Table S1 rows from conductivity results."""

import numpy as np
import pytest

from ohmslice.dc.polarization import dc_polarization
from ohmslice.errors import InputError
from ohmslice.impedance.conductivity import arrhenius, composite_conductivity
from ohmslice.method.transport import (
    TABLE_S1_COLUMNS,
    tortuosity_factor,
    transport_row,
    transport_table,
)
from ohmslice.simulate.conductivity import (
    composite_spectrum,
    polarization_recording,
    sigma_arrhenius,
)
from ohmslice.simulate.noise import NoiseModel

NOISE = NoiseModel(impedance_rel_sd=0.003)


@pytest.fixture(scope="module")
def composite():
    # sigma_SE = 3 mS/cm, epsilon = 0.3, tau_f = 9 -> sigma_eff = 1e-4 S/cm
    s = composite_spectrum(1e-4, noise=NOISE, seed=2, meta={"temperature_C": 25.0})
    return composite_conductivity(s, 0.005, 0.785, thickness_err_cm=1e-4)


def test_tortuosity_from_values_with_error_propagation():
    t = tortuosity_factor((3e-3, 3e-5), (1e-4, 2e-6), 0.3, volume_fraction_err=0.015)
    assert t.tau_f == pytest.approx(9.0)
    assert t.tau_f_err == pytest.approx(9.0 * np.sqrt(0.01**2 + 0.05**2 + 0.02**2))
    assert t.bruggeman_tau_f == pytest.approx(0.3**-0.5)
    assert t.pellet_source == "value"


def test_tortuosity_from_results_and_arrhenius(composite):
    temps = np.array([0.0, 25.0, 50.0])
    a = arrhenius(
        temps, sigma_arrhenius(temps, 3e-3, 0.35), 0.01 * sigma_arrhenius(temps, 3e-3, 0.35)
    )
    t = tortuosity_factor(a, composite, 0.3)
    assert "Arrhenius fit at 25" in t.pellet_source
    assert t.sigma_pellet_S_cm == pytest.approx(3e-3, rel=1e-6)
    assert abs(t.tau_f - 9.0) < 2 * t.tau_f_err
    assert t.tau_f == pytest.approx(9.0, rel=0.02)


def test_tortuosity_bad_input(composite):
    with pytest.raises(InputError, match="volume fraction"):
        tortuosity_factor(3e-3, composite, 30)  # a percentage
    with pytest.raises(InputError, match="value > 0"):
        tortuosity_factor(-1.0, composite, 0.3)
    with pytest.raises(InputError, match="expected a conductivity"):
        tortuosity_factor("abc", composite, 0.3)


def test_table_s1_rows(composite):
    rec = polarization_recording(1e5, steps_V=(0.1,), capacitance_F=0.1)
    el = dc_polarization(rec, 0.005, 0.785)
    row = transport_row("L_SE", ionic=composite, electronic=el, pellet=(3e-3, 3e-5),
                        volume_fraction=0.3)  # fmt: skip
    assert row["success"]
    assert row["ionic_S_cm"] == pytest.approx(1e-4, rel=0.02)
    assert row["electronic_S_cm"] == pytest.approx(0.005 / (1e5 * 0.785), rel=0.01)
    assert row["tortuosity_factor"] == pytest.approx(9.0, rel=0.02)
    other = transport_row("S_SE", ionic=composite)
    table = transport_table([row, other])
    assert list(table.columns) == list(TABLE_S1_COLUMNS)
    assert np.isnan(table.loc[1, "electronic_S_cm"])
    with pytest.raises(InputError, match="twice"):
        transport_table([row, row])


def test_table_s1_row_of_unusable_result_says_why():
    s = composite_spectrum(1e-4, noise=NOISE, f_min_Hz=1e3)
    bad = composite_conductivity(s, 0.005, 0.785)
    row = transport_row("X", ionic=bad, pellet=3e-3, volume_fraction=0.3)
    assert not row["success"] and "knee" in row["notes"]
    assert np.isnan(row["ionic_S_cm"]) and np.isnan(row["tortuosity_factor"])
