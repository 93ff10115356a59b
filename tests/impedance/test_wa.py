"""The anomalous diffusion element Wa in the circuit's time constants, the automatic start
values and the fit: a circuit ending in Wa fits from the spectrum alone."""

from __future__ import annotations

import numpy as np
import pytest

from ohmslice.impedance import fit_circuit
from ohmslice.impedance._guess import initial_guess
from ohmslice.impedance.circuits import Circuit
from ohmslice.schema import Spectrum

F = np.logspace(6, -2, 81)  # 1 MHz -> 10 mHz, 10 points per decade
CIRCUIT = Circuit("R0-p(R1,CPE1)-p(R2,CPE2)-Wa1")
BASE = [5.0, 8.0, 3e-6**0.9 / 8, 0.9, 20.0, 1e-3**0.85 / 20, 0.85]
# (R, tau, n) of Wa: knees (slowest mode tau / pi^(2/n)) from 2 ms to 0.8 s, inside the
# band 1 MHz .. 10 mHz
WA_CASES = [(60.0, 10.0, 0.8), (60.0, 10.0, 0.6), (100.0, 1.0, 0.7), (60.0, 0.3, 0.75)]


def spectrum(q, seed: int, noise: float = 0.002) -> Spectrum:
    """The cathode with diffusion Wa(q), complex Gaussian noise of relative rms ``noise``."""
    z = CIRCUIT.z(F, [*BASE, *q])
    e = np.random.default_rng(seed).normal(size=(2, F.size)) * noise / np.sqrt(2) * np.abs(z)
    return Spectrum.from_arrays(F, z + e[0] + 1j * e[1])


def test_circuit_time_constants_list_wa_with_its_exponent():
    tc = Circuit("R0-p(R1,C1)-Wa1").time_constants([1.0, 10.0, 1e-4, 60.0, 7.0, 0.7])
    row = tc.set_index("element").loc["Wa1"]
    assert (row.r_ohm, row.tau_s, row.n) == (60.0, 7.0, 0.7)
    assert row.f_peak_Hz == pytest.approx(1 / (2 * np.pi * 7.0))
    assert list(tc["element"]) == ["R1||C1", "Wa1"]  # sorted by tau: 1 ms, 7 s


def test_start_values_of_wa_read_its_cpe_branch():
    """A spectrum whose low-frequency end is Wa's CPE branch R / (s tau)^n: the start has
    that exponent and a CPE branch that gives the measured -Z'' at f_min."""
    q = (60.0, 0.3, 0.75)  # knee at 66 ms: 10 mHz is deep in the CPE branch
    spec = spectrum(q, seed=0, noise=0.0)
    p0 = initial_guess(spec, CIRCUIT)
    r, tau, n = p0[CIRCUIT.element_params("Wa1")]
    assert n == pytest.approx(0.75, abs=0.02)
    w = 2 * np.pi * F.min()
    branch = -(r / (1j * w * tau) ** n).imag
    assert branch == pytest.approx(-spec.z.imag[np.argmin(spec.freq)], rel=0.05)


@pytest.mark.parametrize("q", WA_CASES)
def test_a_circuit_with_wa_fits_from_automatic_start_values(q):
    """0.2 % noise, three draws each: the fit is accepted and R, tau, n of Wa are within
    2 % (and within 4 standard errors); its time constant is reported with an error."""
    for seed in range(3):
        res = fit_circuit(spectrum(q, seed), CIRCUIT)
        assert res.success, (seed, res.reasons)
        got = [res.params[f"Wa1_{k}"] for k in range(3)]
        err = [res.errors[f"Wa1_{k}"] for k in range(3)]
        for v, e, true in zip(got, err, q, strict=True):
            assert abs(v / true - 1) < 0.02, (seed, got)
            assert abs(v - true) < 4 * e, (seed, got, err)
        row = res.time_constants().set_index("element").loc["Wa1"]
        assert row.tau_s == pytest.approx(got[1]) and row.n == pytest.approx(got[2])
        assert 0 < row.tau_err_s < 0.02 * q[1]
