"""Parity with impedance.py: a circuit pasted from impedance.py means the same here.

Every element impedance.py defines exists here with its parameter count and order, and
each element and a few nested circuits give the same Z to 1e-9 relative over
1 mHz - 1 MHz. Two branches:

* stored reference values (``impedancepy_reference.json`` beside this file: impedance.py's
  element table and Z of every case in :data:`CASES`) are always checked, so the core
  suite does not need impedance.py. They were generated once from impedance.py 1.7.1 by
  running this file as a script where impedance.py is installed::

      python tests/impedance/test_elements_parity.py   # rewrites the JSON

* where impedance.py is importable (the ``bench`` extra), the same cases on a denser
  grid, random parameter draws of every element and its element table are compared with
  it live.

Also here: the analytic Jacobians of the elements added for parity (``Zarc`` as
impedance.py defines it, ``Gs``, ``TLMQ``, ``T``) and of ``RQ`` against central finite
differences, and their limits.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ohmslice.impedance.circuits import Circuit
from ohmslice.impedance.elements import ELEMENTS

REFERENCE = Path(__file__).with_name("impedancepy_reference.json")
#: 1 mHz - 1 MHz, 4 points per decade (stored values); the live branch uses 20 per decade
FREQ = np.logspace(-3, 6, 37)
FREQ_DENSE = np.logspace(-3, 6, 181)
RTOL = 1e-9

#: (case id, circuit string, parameters in impedance.py order)
CASES: list[tuple[str, str, list[float]]] = [
    ("R", "R1", [12.5]),
    ("C", "C1", [3.3e-5]),
    ("L", "L1", [2.2e-7]),
    ("W", "W1", [17.0]),
    ("Wo", "Wo1", [8.0, 2.5]),
    ("Ws", "Ws1", [8.0, 2.5]),
    ("CPE", "CPE1", [4.7e-5, 0.83]),
    ("La", "La1", [3e-7, 0.87]),
    ("G", "G1", [15.0, 2e-3]),
    ("Gs", "Gs1", [15.0, 2e-3, 0.7]),
    ("Gs-long", "Gs1", [15.0, 2e-3, 4.0]),
    ("K", "K1", [9.0, 4e-4]),
    ("Zarc", "Zarc1", [20.0, 1.5e-3, 0.78]),
    ("TLMQ", "TLMQ1", [25.0, 2e-4, 0.88]),
    ("T", "T1", [6.0, 3.0, 0.8, 0.05]),
    ("T-blocking", "T1", [6.0, 3.0, 0.0, 0.05]),
    ("R-RC-Zarc", "R0-p(R1,C1)-Zarc1", [5.0, 10.0, 1e-5, 20.0, 1e-3, 0.8]),
    ("R-TLMQ", "R0-TLMQ1", [3.0, 25.0, 2e-4, 0.88]),
    ("R-RQ-Gs", "R0-p(R1,CPE1)-Gs1", [2.0, 15.0, 3e-5, 0.85, 30.0, 5e-3, 1.2]),
    (
        "L-R-nested-T",
        "L0-R0-p(R1-Wo1,CPE1)-p(Zarc2,C2)-K3-T4",
        [1e-6, 1.5, 12.0, 40.0, 30.0, 2e-4, 0.9, 8.0, 3e-2, 0.7, 1e-1, 5.0, 1e-5]
        + [4.0, 1.0, 0.5, 2.0],
    ),
]


def rel_diff(z: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """|z - ref| / |ref|, elementwise."""
    return np.abs(z - ref) / np.abs(ref)


def ohmslice_z(circuit: str, params, freq: np.ndarray) -> np.ndarray:
    return Circuit(circuit).z(freq, params)


# --- stored reference values (always) ----------------------------------------------------


@pytest.fixture(scope="module")
def stored() -> dict:
    return json.loads(REFERENCE.read_text())


def test_stored_reference_is_for_these_cases(stored):
    assert stored["freq_hz"] == FREQ.tolist()
    assert [(c["id"], c["circuit"], c["params"]) for c in stored["cases"]] == [
        (i, c, p) for i, c, p in CASES
    ]


def test_every_impedance_py_element_exists_with_its_parameter_count(stored):
    table = stored["elements"]
    assert set(table) <= set(ELEMENTS), set(table) - set(ELEMENTS)
    for name, n_params in table.items():
        assert ELEMENTS[name].n_params == n_params, name
    # every one of them has a stored case of its own
    assert set(table) <= {c["circuit"].rstrip("0123456789") for c in stored["cases"]}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_same_impedance_as_stored_impedance_py_values(stored, case):
    cid, circuit, params = case
    ref = next(c for c in stored["cases"] if c["id"] == cid)
    z_ref = np.array(ref["z_re"]) + 1j * np.array(ref["z_im"])
    z = ohmslice_z(circuit, params, FREQ)
    assert rel_diff(z, z_ref).max() <= RTOL, (cid, rel_diff(z, z_ref).max())


# --- impedance.py itself, where it is installed -----------------------------------------


def _impedance_py():
    """impedance.py's ``(circuit_elements, buildCircuit)``; skips where it is absent."""
    pytest.importorskip("impedance.models.circuits", reason="impedance.py (bench extra)")
    from impedance.models.circuits.elements import circuit_elements
    from impedance.models.circuits.fitting import buildCircuit

    return circuit_elements, buildCircuit


def impedance_py_z(circuit: str, params, freq: np.ndarray) -> np.ndarray:
    """Z of ``circuit`` as impedance.py computes it (its own string evaluation)."""
    circuit_elements, build = _impedance_py()
    text, _ = build(circuit, freq, *params, constants={}, eval_string="", index=0)
    # impedance.py's own way (on a copy: eval adds __builtins__ to the dict it is given)
    return np.asarray(eval(text, dict(circuit_elements)), dtype=complex)


def test_live_element_table():
    circuit_elements, _ = _impedance_py()
    for name, fn in circuit_elements.items():
        if name in ("s", "p") or not hasattr(fn, "num_params"):
            continue
        assert name in ELEMENTS, f"impedance.py element {name} is missing"
        assert ELEMENTS[name].n_params == fn.num_params, name


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_live_cases(case):
    _, circuit, params = case
    z_ref = impedance_py_z(circuit, params, FREQ_DENSE)
    z = ohmslice_z(circuit, params, FREQ_DENSE)
    assert rel_diff(z, z_ref).max() <= RTOL


def test_live_random_parameters_of_every_element():
    circuit_elements, _ = _impedance_py()
    rng = np.random.default_rng(19)
    names = [k for k, f in circuit_elements.items() if hasattr(f, "num_params")]
    # T: B/A <= e^2 here, so impedance.py's sinh cut-off ((B/A) 1e-10) stays below RTOL
    for name in sorted(set(names) - {"s", "p"}):
        c = Circuit(f"{name}1")
        for _ in range(20):
            p = c.typical * np.exp(rng.uniform(-1.0, 1.0, c.n_params))
            p[c.bounds[1] == 1.0] = rng.uniform(0.3, 1.0, int((c.bounds[1] == 1.0).sum()))
            d = rel_diff(c.z(FREQ_DENSE, p), impedance_py_z(f"{name}1", p, FREQ_DENSE))
            assert d.max() <= RTOL, (name, p, d.max())


# --- Jacobians and limits of the elements added for parity ------------------------------

S_AXIS = 2j * np.pi * FREQ_DENSE
# off the imaginary axis, as on a Talbot contour (left half plane included)
S_OFF = np.array([1.0 + 2.0j, 3.0 - 1.0j, -0.5 + 4.0j, 2.0, -30.0 + 40.0j, 1e3 + 1e4j])

JAC_CASES = [
    ("Zarc", [20.0, 1.5e-3, 0.78]),
    ("Zarc", [0.3, 40.0, 0.55]),
    ("RQ", [20.0, 3e-5, 0.85]),
    ("Gs", [15.0, 2e-3, 0.7]),
    ("Gs", [15.0, 2e-3, 6.0]),
    ("Gs", [2.0, 30.0, 0.05]),
    ("TLMQ", [25.0, 2e-4, 0.88]),
    ("TLMQ", [0.5, 1e-3, 0.9]),  # |u| crosses the small-argument series
    ("T", [6.0, 3.0, 0.8, 0.05]),
    ("T", [6.0, 3.0, 0.0, 0.05]),
    ("T", [1.0, 8.0, 30.0, 2.0]),
]


def fd_jacobian(c: Circuit, s: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Central differences with a relative step, independent of the analytic code."""
    cols = []
    for k in range(len(p)):
        h = 1e-6 * max(abs(p[k]), 1e-3)
        up, dn = p.copy(), p.copy()
        up[k] += h
        dn[k] -= h
        cols.append((c.impedance(s, up) - c.impedance(s, dn)) / (2 * h))
    return np.column_stack(cols)


@pytest.mark.parametrize(
    "kind, params", JAC_CASES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(JAC_CASES)]
)
def test_jacobian_matches_finite_differences(kind, params):
    c = Circuit(f"{kind}1")
    p = np.array(params, dtype=float)
    for s in (S_AXIS, S_OFF):
        z, jac = c.impedance_and_jacobian(s, p)
        assert np.all(np.isfinite(z)) and np.all(np.isfinite(jac))
        fd = fd_jacobian(c, s, p)
        # central differences: truncation ~1e-12, rounding ~1e-10 |Z| / |p|
        scale = np.abs(fd) + np.abs(z)[:, None] / np.maximum(np.abs(p), 1e-3)
        err = np.abs(jac - fd) / scale
        assert err.max() <= 1e-6, (kind, params, err.max(axis=0))


def test_zarc_is_impedance_py_zarc_and_rq_is_r_parallel_cpe():
    s = S_AXIS
    r, tau, gamma = 20.0, 1.5e-3, 0.78
    z = Circuit("Zarc1").impedance(s, [r, tau, gamma])
    np.testing.assert_allclose(z, r / (1 + (s * tau) ** gamma), rtol=1e-12)
    # the same impedance as RQ with Q = tau^gamma / R
    np.testing.assert_allclose(
        Circuit("RQ1").impedance(s, [r, tau**gamma / r, gamma]), z, rtol=1e-12
    )
    assert ELEMENTS["Zarc"].params == ("R", "tau", "gamma")
    assert ELEMENTS["RQ"].params == ("R", "Q", "n")


def test_limits_of_the_new_elements():
    s = 1j * np.logspace(-12, 12, 97)
    # Gs: large phi is G; small phi R / (phi (1 + s tau)) (an RC) + R phi / 3
    r, tau = 15.0, 2e-3
    np.testing.assert_allclose(
        Circuit("Gs1").impedance(s, [r, tau, 60.0]),
        Circuit("G1").impedance(s, [r, tau]),
        rtol=1e-12,
    )
    phi = 1e-4
    near = np.abs(phi * np.sqrt(1 + s * tau)) < 1e-2  # coth(x) = 1/x + x/3 + O(x^3)
    np.testing.assert_allclose(
        Circuit("Gs1").impedance(s[near], [r, tau, phi]),
        r / (phi * (1 + s[near] * tau)) + r * phi / 3,
        rtol=1e-8,
    )
    for kind, p in (
        ("Gs", [r, tau, 1e-3]),
        ("TLMQ", [25.0, 2e-4, 0.88]),
        ("T", [6.0, 3.0, 0.0, 0.05]),
    ):
        z, jac = Circuit(f"{kind}1").impedance_and_jacobian(s, p)
        assert np.all(np.isfinite(z)) and np.all(np.isfinite(jac)), kind
    # TLMQ: R_ion / 3 + Z_s at low frequency, R_ion / sqrt(u) at high
    ri, q, g = 25.0, 2e-4, 0.88
    z = Circuit("TLMQ1").impedance(s[[0, -1]], [ri, q, g])
    np.testing.assert_allclose(z[0], ri / 3 + 1 / (q * s[0] ** g), rtol=1e-9)
    np.testing.assert_allclose(z[1], ri / np.sqrt(ri * q * s[-1] ** g), rtol=1e-9)
    # T: a = 0, B = 0 is Wo(A, b); a > 0 at DC: (A coth(sqrt a) + B csch(sqrt a)) / sqrt a
    np.testing.assert_allclose(
        Circuit("T1").impedance(s, [6.0, 0.0, 0.0, 0.05]),
        Circuit("Wo1").impedance(s, [6.0, 0.05]),
        rtol=1e-9,
    )
    a = 0.8
    dc = Circuit("T1").impedance(np.array([1e-14j]), [6.0, 3.0, a, 0.05])[0]
    x = np.sqrt(a)
    np.testing.assert_allclose(dc, (6.0 / np.tanh(x) + 3.0 / np.sinh(x)) / x, rtol=1e-9)


# --- writing the stored values -----------------------------------------------------------


def _write_reference() -> None:  # pragma: no cover - run by hand where impedance.py is
    import importlib.metadata

    from impedance.models.circuits.elements import circuit_elements
    from impedance.models.circuits.fitting import buildCircuit

    cases = []
    for cid, circuit, params in CASES:
        text, _ = buildCircuit(circuit, FREQ, *params, constants={}, eval_string="", index=0)
        z = np.asarray(eval(text, dict(circuit_elements)), dtype=complex)
        cases.append(
            {
                "id": cid,
                "circuit": circuit,
                "params": params,
                "z_re": z.real.tolist(),
                "z_im": z.imag.tolist(),
            }
        )
    out = {
        "source": f"impedance.py {importlib.metadata.version('impedance')}",
        "elements": {
            k: f.num_params
            for k, f in circuit_elements.items()
            if k not in ("s", "p") and hasattr(f, "num_params")
        },
        "freq_hz": FREQ.tolist(),
        "cases": cases,
    }
    # one line per case: small diffs when a case is added
    lines = [json.dumps({k: v for k, v in out.items() if k != "cases"})[:-1] + ', "cases": [']
    lines += [json.dumps(c) + "," for c in cases]
    lines[-1] = lines[-1][:-1]
    REFERENCE.write_text("\n".join([*lines, "]}"]) + "\n")


if __name__ == "__main__":  # pragma: no cover
    _write_reference()
