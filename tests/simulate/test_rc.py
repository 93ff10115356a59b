"""RC expansions against the analytic impedances (1 mHz - 1 MHz) and their DC limits."""

from __future__ import annotations

import numpy as np
import pytest

from ohmslice.errors import InputError
from ohmslice.impedance.circuits import Circuit
from ohmslice.simulate import rc

FREQ = np.logspace(-3, 6, 181)
S = 2j * np.pi * FREQ


def _rel_err(chain: rc.RCChain, z: np.ndarray) -> float:
    return float(np.max(np.abs(chain.impedance(S) - z) / np.abs(z)))


@pytest.mark.parametrize("n", [0.5, 0.7, 0.85, 0.95, 0.99, 1.0])
@pytest.mark.parametrize("tau0", [1e-6, 1e-3, 1.0])
def test_zarc_expansion_within_half_percent(n, tau0):
    r = 12.5
    chain = rc.zarc_rc(r, tau0, n)
    z = Circuit("Zarc0").impedance(S, [r, tau0, n])  # impedance.py's Zarc: R, tau, gamma
    assert _rel_err(chain, z) < 2e-3  # documented: 0.2 %; required: 0.5 %
    assert chain.r_dc == pytest.approx(r, rel=1e-12)


@pytest.mark.parametrize("kind", ["Ws", "Wo", "Wsph"])
@pytest.mark.parametrize("tau", [1e-3, 1.0, 30.0, 1e3])
def test_warburg_expansion_within_half_percent(kind, tau):
    r = 20.0
    chain = rc.warburg_rc(r, tau, kind)
    z = Circuit(f"{kind}0").impedance(S, [r, tau])
    assert _rel_err(chain, z) < 2e-3
    # DC resistance of the modes: R (Ws), R/3 (Wo, whose capacitor is tau/R) and R/5
    # (Wsph, whose capacitor is tau/(3R))
    share = {"Ws": 1.0, "Wo": 3.0, "Wsph": 5.0}[kind]
    assert chain.r_dc == pytest.approx(r / share, rel=1e-12)
    if kind != "Ws":
        assert chain.capacitance_F == pytest.approx(tau / r / (share - 2 if kind == "Wsph" else 1))
    assert len(chain) == len(rc.warburg_rc(1.0, 1.0, kind))  # the size is the settings'


def test_sphere_modes_are_the_roots_of_tan_b_equals_b():
    b = rc._sphere_roots(50)
    np.testing.assert_allclose(np.tan(b), b, rtol=1e-9)
    assert np.all(np.diff(b) > np.pi * 0.9) and 4.49 < b[0] < 4.50


def test_element_count_does_not_depend_on_parameters():
    sizes = {len(rc.zarc_rc(r, t, n)) for r in (1, 50) for t in (1e-5, 1) for n in (0.7, 1.0)}
    assert len(sizes) == 1
    sizes = {len(rc.warburg_rc(r, t)) for r in (1, 50) for t in (1e-2, 100)}
    assert len(sizes) == 1


def test_step_response_of_expansion_matches_series_solution():
    # Ws step response: R [1 - sum 2/lambda_n exp(-lambda_n t / tau)], lambda = (n-1/2)^2 pi^2
    r, tau = 10.0, 30.0
    t = np.array([1e-3, 0.1, 1.0, 10.0, 72.0])
    n = np.arange(1, 20001)
    lam = (n - 0.5) ** 2 * np.pi**2
    exact = r * (1 - (2 / lam * np.exp(-lam * t[:, None] / tau)).sum(axis=1))
    got = rc.warburg_rc(r, tau).step_response(t)
    np.testing.assert_allclose(got, exact, rtol=3e-3, atol=1e-4 * r)


@pytest.mark.parametrize(
    "call",
    [
        lambda: rc.zarc_rc(-1.0, 1e-3, 0.8),
        lambda: rc.zarc_rc(1.0, 0.0, 0.8),
        lambda: rc.zarc_rc(1.0, 1e-3, 1.2),
        lambda: rc.warburg_rc(1.0, -5.0),
        lambda: rc.warburg_rc(1.0, 5.0, "Wx"),
    ],
)
def test_bad_parameters_raise_input_error(call):
    with pytest.raises(InputError):
        call()


@pytest.mark.parametrize("n", [0.7, 0.85, 0.95, 1.0])
@pytest.mark.parametrize("r_ion", [1.0, 10.0, 60.0])
def test_tlm_expansion_matches_transmission_line(n, r_ion):
    r_ct, tau = 15.0, 1e-3
    q = tau**n / r_ct
    chain = rc.tlm_rc(r_ion, r_ct, tau, n)
    z = Circuit("TLM0").impedance(S, [r_ion, r_ct, q, n])
    assert _rel_err(chain, z) < (2.5e-3 if n < 1 else 1e-2)
    x = np.sqrt(r_ion / r_ct)
    assert chain.r_dc == pytest.approx(r_ct * x / np.tanh(x), rel=1e-9)
    assert len(chain) == len(rc.zarc_rc(r_ct, tau, n))  # same nodes: states carry over
