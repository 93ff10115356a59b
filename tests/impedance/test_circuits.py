"""Circuit strings, element impedances against closed forms, Jacobians against finite
differences, time constants."""

from __future__ import annotations

import numpy as np
import pytest

from ohmslice.errors import CircuitError, InputError
from ohmslice.impedance.circuits import Circuit, describe_elements
from ohmslice.impedance.elements import ELEMENTS

FREQ = np.logspace(6, -2, 81)
S = 2j * np.pi * FREQ


def random_params(circuit: Circuit, rng: np.random.Generator) -> np.ndarray:
    """Parameters within a factor ~3 of the typical ones; exponents in (0.5, 1)."""
    p = circuit.typical * np.exp(rng.uniform(-1, 1, circuit.n_params))
    hi = circuit.bounds[1]
    p[hi == 1.0] = rng.uniform(0.5, 0.98, (hi == 1.0).sum())
    return p


def fd_jacobian(circuit: Circuit, s: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Central differences with a relative step (complex-safe, independent of the code)."""
    cols = []
    for k in range(len(p)):
        h = 1e-6 * abs(p[k])
        up, dn = p.copy(), p.copy()
        up[k] += h
        dn[k] -= h
        cols.append((circuit.impedance(s, up) - circuit.impedance(s, dn)) / (2 * h))
    return np.column_stack(cols)


# --- parsing -----------------------------------------------------------------------------


def test_parameter_names_follow_impedance_py():
    c = Circuit("R0-p(R1,CPE1)-p(R2,CPE2)-Wo1")
    assert c.param_names == [
        "R0",
        "R1",
        "CPE1_0",
        "CPE1_1",
        "R2",
        "CPE2_0",
        "CPE2_1",
        "Wo1_0",
        "Wo1_1",
    ]
    assert c.param_units[:4] == ["Ohm", "Ohm", "F s^(n-1)", ""]
    assert c.elements[-1] == ("Wo1", "Wo")


def test_nested_and_whitespace():
    c = Circuit(" R0 - p( R1 - p(R2, C2), CPE1, L1 ) ")
    assert c.param_names == ["R0", "R1", "R2", "C2", "CPE1_0", "CPE1_1", "L1"]
    p = [1.0, 2.0, 3.0, 1e-3, 1e-4, 0.8, 1e-6]
    z1 = 1 / (1 / (2.0 + 1 / (1 / 3.0 + 1e-3 * S)) + 1e-4 * S**0.8 + 1 / (1e-6 * S))
    np.testing.assert_allclose(c.impedance(S, p), 1.0 + z1, rtol=1e-12)


@pytest.mark.parametrize(
    "text, where, expected",
    [
        ("R0-p(R1", "position 7", "expected ',' or ')'"),
        ("R0-", "position 3", "expected an element"),
        ("R0-X1", "position 3", "known element type"),
        ("R0--R1", "position 3", "expected an element"),
        ("p(R1)", "position 4", "second branch"),
        ("R0-R0", "position 3", "used twice"),
        ("R0)", "position 2", "'-' or end"),
        ("R0-p(R1,,C1)", "position 8", "expected an element"),
    ],
)
def test_parse_errors_say_where(text, where, expected):
    with pytest.raises(CircuitError) as err:
        Circuit(text)
    assert where in str(err.value) and expected in str(err.value)
    assert isinstance(err.value, InputError)


def test_parameters_as_dict_or_list_and_errors():
    c = Circuit("R0-p(R1,C1)")
    assert c.as_dict([1, 2, 3]) == {"R0": 1.0, "R1": 2.0, "C1": 3.0}
    np.testing.assert_array_equal(c.as_array({"R0": 1, "R1": 2, "C1": 3}), [1, 2, 3])
    with pytest.raises(CircuitError, match="2 value"):
        c.as_array([1, 2])
    with pytest.raises(CircuitError, match="unknown parameter"):
        c.as_array({"R0": 1, "R1": 2, "C2": 3})
    with pytest.raises(CircuitError, match="missing"):
        c.as_array({"R0": 1, "R1": 2})
    with pytest.raises(CircuitError, match="not finite"):
        c.as_array([1, np.nan, 3])


# --- element values against closed forms -------------------------------------------------

CLOSED_FORMS = {
    "R": lambda s, r: r + 0 * s,
    "C": lambda s, c: 1 / (c * s),
    "L": lambda s, ind: ind * s,
    "CPE": lambda s, q, n: 1 / (q * s**n),
    "W": lambda s, a: a * (1 - 1j) / np.sqrt(s.imag),  # impedance.py's form at s = j w
    "Wo": lambda s, r, t: r / np.tanh(np.sqrt(s * t)) / np.sqrt(s * t),
    "Ws": lambda s, r, t: r * np.tanh(np.sqrt(s * t)) / np.sqrt(s * t),
    "Wsc": lambda s, r, t, c: r * np.tanh(np.sqrt(s * t)) / np.sqrt(s * t) + 1 / (s * c),
    "Wsph": lambda s, r, t: (
        r * np.tanh(np.sqrt(s * t)) / (np.sqrt(s * t) - np.tanh(np.sqrt(s * t)))
    ),
    "Wa": lambda s, r, t, n: r / np.tanh((s * t) ** (n / 2)) / (s * t) ** (n / 2),
    "G": lambda s, r, t: r / np.sqrt(1 + s * t),
    "K": lambda s, r, t: r / (1 + s * t),
    "La": lambda s, ind, a: (ind * s) ** a,
    "Zarc": lambda s, r, t, g: r / (1 + (s * t) ** g),
    "RQ": lambda s, r, q, n: 1 / (1 / r + q * s**n),
    "Gs": lambda s, r, t, phi: r / (np.sqrt(1 + s * t) * np.tanh(phi * np.sqrt(1 + s * t))),
    "TLMQ": lambda s, ri, q, g: np.sqrt(ri / (q * s**g)) / np.tanh(np.sqrt(ri * q * s**g)),
    "T": lambda s, a_, b_, a, b: (
        a_ / (np.sqrt(a + s * b) * np.tanh(np.sqrt(a + s * b)))
        + b_ / (np.sqrt(a + s * b) * np.sinh(np.sqrt(a + s * b)))
    ),
    "TLM": lambda s, ri, rc, q, n: (
        np.sqrt(ri / (1 / rc + q * s**n)) / np.tanh(np.sqrt(ri * (1 / rc + q * s**n)))
    ),
}


def test_every_element_has_a_closed_form_test():
    assert set(CLOSED_FORMS) == set(ELEMENTS)


@pytest.mark.parametrize("kind", sorted(ELEMENTS))
def test_element_matches_closed_form(kind, rng):
    c = Circuit(f"{kind}1")
    p = random_params(c, rng)
    # moderate x so that the naive closed form is itself accurate
    s = S[(FREQ > 1e-2) & (FREQ < 1e4)]
    np.testing.assert_allclose(c.impedance(s, p), CLOSED_FORMS[kind](s, *p), rtol=1e-10)


@pytest.mark.parametrize("kind", sorted(ELEMENTS))
def test_element_jacobian_matches_finite_differences(kind):
    rng = np.random.default_rng(sum(map(ord, kind)))
    c = Circuit(f"{kind}1")
    for _ in range(3):
        p = random_params(c, rng)
        z, jac = c.impedance_and_jacobian(S, p)
        fd = fd_jacobian(c, S, p)
        scale = np.abs(fd).max(axis=0)
        # + the differences' own rounding, ~eps |Z| / h (a blocking element's Z grows
        # without bound while dZ/dp may not: TLMQ's dZ/dR_ion -> 1/3)
        rounding = 1e-8 * np.abs(z)[:, None] / np.abs(p)
        assert np.all(np.abs(jac - fd) <= 1e-6 * scale + 1e-7 * np.abs(fd) + rounding)


def test_circuit_jacobian_matches_finite_differences(rng):
    c = Circuit("R0-p(R1,CPE1)-p(R2-Wsph2,CPE2)-p(Zarc3,TLM3)-Ws4-L1-G1-p(C5,K5)")
    for _ in range(3):
        p = random_params(c, rng)
        _, jac = c.impedance_and_jacobian(S, p)
        fd = fd_jacobian(c, S, p)
        scale = np.abs(fd).max(axis=0)
        assert np.all(np.abs(jac - fd) <= 1e-6 * scale + 1e-7 * np.abs(fd))


# --- numerics at the extremes ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["Wo", "Ws", "Wsph"])
def test_diffusion_limits_are_finite_and_right(kind):
    c = Circuit(f"{kind}1")
    r, tau = 7.0, 3.0
    s = 1j * np.logspace(-12, 12, 97)
    z, jac = c.impedance_and_jacobian(s, [r, tau])
    assert np.all(np.isfinite(z)) and np.all(np.isfinite(jac))
    # high frequency: semi-infinite Warburg R / sqrt(s tau) (sphere: R / (x - 1))
    x = np.sqrt(s[-1] * tau)
    np.testing.assert_allclose(z[-1], r / (x - (kind == "Wsph")), rtol=1e-9)
    # low frequency limits
    lo = {"Wo": r / (s[0] * tau) + r / 3, "Ws": r, "Wsph": 3 * r / (s[0] * tau) + r / 5}[kind]
    np.testing.assert_allclose(z[0], lo, rtol=1e-9)


def test_tlm_limits():
    c = Circuit("TLM1")
    ri, rc, q, n = 20.0, 50.0, 1e-3, 0.9
    s = 1j * np.logspace(-12, 12, 97)
    z, jac = c.impedance_and_jacobian(s, [ri, rc, q, n])
    assert np.all(np.isfinite(z)) and np.all(np.isfinite(jac))
    # DC: sqrt(R_ion R_ct) coth(sqrt(R_ion/R_ct))
    np.testing.assert_allclose(z[0], np.sqrt(ri * rc) / np.tanh(np.sqrt(ri / rc)), rtol=1e-9)
    # small R_ion: R_ct + R_ion/3 and dZ/dR_ion -> 1/3
    s0 = np.array([1e-9j])
    z, jac = c.impedance_and_jacobian(s0, [1e-6, rc, q, n])
    zi = 1 / (1 / rc + q * s0**n)
    np.testing.assert_allclose(z, zi + 1e-6 / 3, rtol=1e-12)
    np.testing.assert_allclose(jac[0, 0].real, 1 / 3, rtol=1e-6)


def test_impedance_at_complex_laplace_variable():
    c = Circuit("R0-p(R1,C1)-Wo1")
    s = np.array([1.0 + 2.0j, 3.0 - 1.0j, -0.5 + 4.0j, 2.0])
    r0, r1, c1, rw, tw = 1.0, 2.0, 0.1, 3.0, 4.0
    x = np.sqrt(s * tw)
    expected = r0 + r1 / (1 + r1 * c1 * s) + rw / np.tanh(x) / x
    np.testing.assert_allclose(c.impedance(s, [r0, r1, c1, rw, tw]), expected, rtol=1e-12)
    assert c.impedance(s.reshape(2, 2), [r0, r1, c1, rw, tw]).shape == (2, 2)


# --- time constants ----------------------------------------------------------------------


def test_time_constants_table():
    c = Circuit("R0-p(R1,CPE1)-p(R2,C2)-Zarc3-Wo4-TLM5")
    p = [1.0, 10.0, 1e-6, 0.9, 20.0, 1e-3, 5.0, 1e-2, 0.8, 30.0, 40.0, 6.0, 12.0, 1e-4, 0.7]
    tc = c.time_constants(p).set_index("element")
    assert list(tc.columns) == ["r_ohm", "tau_s", "f_peak_Hz", "n"]
    np.testing.assert_allclose(tc.loc["R1||CPE1", "tau_s"], (10.0 * 1e-6) ** (1 / 0.9))
    np.testing.assert_allclose(tc.loc["R2||C2", "tau_s"], 20e-3)
    np.testing.assert_allclose(tc.loc["Zarc3", ["r_ohm", "tau_s", "n"]], [5.0, 1e-2, 0.8])
    np.testing.assert_allclose(tc.loc["Wo4", ["r_ohm", "tau_s"]], [30.0, 40.0])
    np.testing.assert_allclose(tc.loc["TLM5:ct", "tau_s"], (12 * 1e-4) ** (1 / 0.7))
    np.testing.assert_allclose(tc.loc["TLM5:ion", "r_ohm"], 2.0)
    np.testing.assert_allclose(tc["f_peak_Hz"], 1 / (2 * np.pi * tc["tau_s"]))
    assert tc["tau_s"].is_monotonic_increasing
    # the -Z'' maximum of R||CPE is at f_peak
    c1 = Circuit("p(R1,CPE1)")
    f = np.logspace(0, 8, 4001)
    zi = -c1.z(f, [10.0, 1e-6, 0.9]).imag
    f_max = f[np.argmax(zi)]
    np.testing.assert_allclose(f_max, c1.time_constants([10.0, 1e-6, 0.9])["f_peak_Hz"][0], 1e-2)


def test_describe_elements_lists_all():
    d = describe_elements()
    assert set(d["element"]) == set(ELEMENTS)
    assert d.set_index("element").loc["CPE", "params"] == "Q, n"


@pytest.mark.parametrize("kind", ["Ws", "Wsph", "TLM"])
def test_jacobian_across_series_switch(kind):
    """Small-argument power series and closed forms join smoothly (|x| ~ 1e-2)."""
    c = Circuit(f"{kind}1")
    p = np.array([7.0, 1.0]) if kind != "TLM" else np.array([0.5, 50.0, 1e-3, 0.9])
    s = 1j * np.logspace(-7, -2, 41) if kind != "TLM" else 1j * np.logspace(-9, 1, 41)
    z, jac = c.impedance_and_jacobian(s, p)
    fd = fd_jacobian(c, s, p)
    # differences of the (cancelling) closed form limit the check to ~1e-5 here
    np.testing.assert_allclose(jac, fd, rtol=1e-4, atol=1e-9 * np.abs(fd).max())
    zz = c.impedance(s * (1 + 1e-9), p)  # continuity across the switch
    np.testing.assert_allclose(zz, z, rtol=1e-7)
