"""Properties of the circuit parser and the fitter that hold for any circuit (hypothesis).

Circuits are drawn from the grammar of impedance.py strings (series ``-``, parallel
``p(a,b)``, every element ohmslice knows), parameters from each element's typical value
scaled by a random factor. Whatever the draw: a valid string parses, prints back to a
string that parses to the same circuit, has an impedance that is finite and an analytic
Jacobian equal to finite differences; any other string is refused with one
CircuitError line; and the fitter, started from its own guess, returns finite
parameters for a spectrum the circuit itself made, and a fit it calls usable has a
residual near the noise (one it refuses says why).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ohmslice.errors import CircuitError, InputError
from ohmslice.impedance import Circuit, fit_circuit
from ohmslice.impedance.elements import ELEMENTS

KINDS = sorted(k for k in ELEMENTS if k not in ("RQ",))
FREQ = np.logspace(5, -2, 50)


@st.composite
def circuits(draw, max_leaves: int = 5) -> str:
    counter = {"n": 0}

    def leaf() -> str:
        counter["n"] += 1
        return f"{draw(st.sampled_from(KINDS))}{counter['n']}"

    def node(depth: int) -> str:
        if depth == 0 or counter["n"] >= max_leaves or draw(st.booleans()):
            return leaf()
        parts = [node(depth - 1) for _ in range(draw(st.integers(2, 3)))]
        return f"p({','.join(parts)})" if draw(st.booleans()) else "-".join(parts)

    return node(3)


def _params(circ: Circuit, factors) -> np.ndarray:
    """Each element's typical values times a factor; exponents (bounded by 1) as typical."""
    typical = np.concatenate([ELEMENTS[kind].typical for _, kind in circ.elements])
    upper = circ.parameters()["upper"].to_numpy(dtype=float)
    return np.where(upper == 1.0, typical, typical * np.asarray(factors[: typical.size]))


@settings(max_examples=80, deadline=None)
@given(text=circuits(), factors=st.lists(st.floats(0.3, 3.0), min_size=40, max_size=40))
def test_valid_circuits_parse_evaluate_and_differentiate(text, factors):
    circ = Circuit(text)
    again = Circuit(str(circ))
    assert again.n_params == circ.n_params and again.elements == circ.elements
    p = _params(circ, factors)
    z = circ.z(FREQ, p)
    assert z.shape == FREQ.shape and np.all(np.isfinite(z))
    jac = circ.jacobian(FREQ, p)
    assert jac.shape == (FREQ.size, circ.n_params)
    for k in range(circ.n_params):
        h = 1e-6 * max(abs(p[k]), 1e-12)
        up, dn = p.copy(), p.copy()
        up[k] += h
        dn[k] -= h
        fd = (circ.z(FREQ, up) - circ.z(FREQ, dn)) / (2 * h)
        scale = np.abs(z) / max(abs(p[k]), 1e-300) + np.abs(fd)
        assert np.all(np.abs(jac[:, k] - fd) <= 1e-4 * scale + 1e-12 * np.abs(z)), (text, k)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="RCLWosKGpPE(),-_ 0123456789QZarcTLMsph", max_size=30))
def test_any_string_parses_or_is_refused_in_one_line(text):
    try:
        circ = Circuit(text)
    except CircuitError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert circ.n_params >= 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    r=st.lists(st.floats(1.0, 100.0), min_size=2, max_size=2),
    tau=st.lists(st.floats(-5.0, 1.0), min_size=2, max_size=2, unique=True),
    n=st.floats(0.7, 1.0),
    seed=st.integers(0, 2**16),
)
def test_fitter_is_honest_about_its_own_spectra(r, tau, n, seed):
    assume(abs(tau[0] - tau[1]) > 1.0)  # two arcs a decade or more apart
    circ = Circuit("R0-p(R1,CPE1)-p(R2,CPE2)")
    t1, t2 = 10.0 ** np.sort(tau)
    p = np.array([5.0, r[0], t1 / r[0], n, r[1], t2 / r[1], n])
    p[2] = t1**n / r[0]  # Q from tau = (R Q)^(1/n)
    p[5] = t2**n / r[1]
    z = circ.z(FREQ, p)
    rng = np.random.default_rng(seed)
    noise = (
        1e-3 * np.abs(z) * (rng.standard_normal(FREQ.size) + 1j * rng.standard_normal(FREQ.size))
    )
    try:
        res = fit_circuit((FREQ, z + noise), circ)
    except InputError as exc:  # a refusal must say why in one line
        assert "\n" not in str(exc)
        return
    fitted = np.array([res.params[name] for name in circ.parameters()["name"]])
    assert np.all(np.isfinite(fitted))
    rel = np.abs(circ.z(FREQ, fitted) - z) / np.abs(z)
    # the fit's own judgement is honest: a fit it calls usable describes the spectrum
    # (within a few times the 0.1 % noise); one it refuses says why
    if res.success:
        assert np.sqrt(np.mean(rel**2)) < 5e-3, res.reasons
    else:
        assert res.reasons and all("\n" not in r for r in res.reasons)


def test_the_strategy_reaches_nested_circuits():
    # guard against a grammar that only ever draws single elements
    from hypothesis import find

    deep = find(circuits(), lambda s: s.count("p(") >= 2 and "-" in s)
    assert Circuit(deep).n_params >= 3


pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
