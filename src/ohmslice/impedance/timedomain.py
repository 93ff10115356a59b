"""Time-domain response of impedance circuits: the same circuit describes EIS and GITT.

A current step of amplitude I at t = 0 into an element of impedance Z(s) gives the
voltage v(t) = I g(t), where the *step response* g(t) is the inverse Laplace transform
of Z(s)/s [Ohm]. A pulse of duration T followed by a rest is the difference of two
steps, v(t) = I [g(t) - g(t - T) H(t - T)], and any piecewise-constant current programme
the sum of its steps.

g(t) is computed by the fixed Talbot method (Abate & Valko, Int. J. Numer. Meth. Eng.
60 (2004) 979): the Bromwich integral on a deformed contour, sampled at M nodes,

    g(t) = r/M [ F(r) e^{rt}/2 + sum_{k=1}^{M-1} Re( e^{t s_k} F(s_k) (1 + i sigma_k) ) ],
    r = 2M / (5 t),  s_k = r theta_k (cot theta_k + i),  theta_k = k pi / M,
    sigma_k = theta_k + (theta_k cot theta_k - 1) cot theta_k,

evaluated for all times and nodes at once (one call of Z on an (n_t, M) array of s).
It needs F analytic to the right of the negative real axis, which every passive
element has (R, C, L, R||C, CPE, Warburg variants, Gerischer, transmission lines: poles
and branch cuts on s <= 0). With M = 32 in double precision the absolute error is
about 1e-10 of the largest resistance for the closed forms tested (R||C, the
Mittag-Leffler response of R||CPE, the series solutions of finite Warburg elements).
Inductance, a delta function in the time domain, contributes nothing for t > 0.

Functions here take either a callable ``Z(s)`` of a complex array, or a circuit object
with ``impedance(s, params)`` (:mod:`ohmslice.impedance.circuits`) and its parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = [
    "talbot_nodes",
    "invert_laplace",
    "step_response",
    "pulse_response",
    "programme_response",
]

#: Default number of Talbot nodes: ~1e-10 relative accuracy in double precision.
DEFAULT_NODES = 32


def talbot_nodes(m: int = DEFAULT_NODES) -> tuple[np.ndarray, np.ndarray]:
    """Fixed Talbot contour nodes and weights for unit time.

    Returns ``(s, w)``, each of length M, such that f(t) = Re(sum_k w_k F(s_k / t)) / t.
    Raises :class:`InputError` for M < 4.
    """
    if m < 4:
        raise InputError(f"Talbot needs at least 4 nodes, got {m}")
    r = 2.0 * m / 5.0
    theta = np.pi * np.arange(1, m) / m
    cot = 1.0 / np.tan(theta)
    s = np.empty(m, dtype=complex)
    s[0] = r
    s[1:] = r * theta * (cot + 1j)
    sigma = theta + (theta * cot - 1.0) * cot
    w = np.empty(m, dtype=complex)
    w[0] = 0.5 * np.exp(r)
    w[1:] = np.exp(s[1:]) * (1.0 + 1j * sigma)
    return s, w * (r / m)


def invert_laplace(
    func: Callable[[np.ndarray], np.ndarray], t: np.ndarray, m: int = DEFAULT_NODES
) -> np.ndarray:
    """Inverse Laplace transform f(t) of F(s) by the fixed Talbot method.

    Parameters
    ----------
    func
        F: takes a complex array ``s`` of shape (n_t, M) and returns F(s) of the same
        shape, or of shape (n_t, M, k) for k transforms at once (e.g. a Jacobian).
    t
        Times [s]; values <= 0 give 0.
    m
        Number of contour nodes.

    Returns
    -------
    f(t), shape ``t.shape`` (+ (k,) if F returns a trailing axis).
    """
    t = np.asarray(t, dtype=float)
    flat = t.reshape(-1)
    pos = flat > 0
    s0, w0 = talbot_nodes(m)
    tp = flat[pos]
    s = s0[None, :] / tp[:, None]  # (n, M)
    fs = np.asarray(func(s))
    if fs.shape[:2] != s.shape:
        raise InputError(f"F(s) returned shape {fs.shape}, expected {s.shape}[+ (k,)]")
    if fs.ndim == 2:
        vals = np.real(fs @ w0) / tp
        out = np.zeros(flat.shape)
        out[pos] = vals
        return out.reshape(t.shape)
    vals = np.real(np.einsum("nmk,m->nk", fs, w0)) / tp[:, None]
    out = np.zeros((flat.size, fs.shape[2]))
    out[pos] = vals
    return out.reshape(*t.shape, fs.shape[2])


def _impedance_callable(circuit: Any, params: Any) -> Callable[[np.ndarray], np.ndarray]:
    if params is None:
        if not callable(circuit):
            raise InputError("give the circuit's parameters, or a callable Z(s)")
        return circuit
    if not hasattr(circuit, "impedance"):
        raise InputError(f"{type(circuit).__name__} has no impedance(s, params) method")
    return lambda s: circuit.impedance(s, params)


def step_response(
    circuit: Any, params: Any = None, t: np.ndarray | None = None, *, m: int = DEFAULT_NODES
) -> np.ndarray:
    """Voltage per ampere after a unit current step at t = 0: g(t) = L^-1{Z(s)/s} [Ohm].

    Parameters
    ----------
    circuit
        A circuit with ``impedance(s, params)``, or a callable ``Z(s)`` (then
        ``params`` is None).
    params
        The circuit's parameters (whatever ``circuit.impedance`` accepts).
    t
        Times since the step [s]; g = 0 for t <= 0.
    """
    if t is None:
        raise InputError("step_response needs the times t")
    z = _impedance_callable(circuit, params)
    return invert_laplace(lambda s: z(s) / s, t, m)


def pulse_response(
    circuit: Any,
    params: Any,
    t: np.ndarray,
    duration_s: float,
    current_A: float = 1.0,
    *,
    m: int = DEFAULT_NODES,
) -> np.ndarray:
    """Overvoltage [V] of a rectangular current pulse and the rest after it.

    v(t) = I [g(t) - g(t - T)], with g the step response, T = ``duration_s`` and
    I = ``current_A`` (> 0 charges). ``t`` is the time since the pulse start [s].
    """
    if not duration_s > 0:
        raise InputError(f"pulse duration must be > 0 s, got {duration_s}")
    t = np.asarray(t, dtype=float)
    both = np.concatenate([t.reshape(-1), (t - duration_s).reshape(-1)])
    g = step_response(circuit, params, both, m=m)
    n = t.size
    return (current_A * (g[:n] - g[n:])).reshape(t.shape)


def programme_response(
    circuit: Any,
    params: Any,
    t: np.ndarray,
    step_times_s: Sequence[float],
    currents_A: Sequence[float],
    *,
    m: int = DEFAULT_NODES,
) -> np.ndarray:
    """Overvoltage [V] of a piecewise-constant current programme, by superposition.

    The current is ``currents_A[j]`` from ``step_times_s[j]`` until the next step time
    (0 before the first); the last value holds to the end. Returns
    v(t) = sum_j (I_j - I_{j-1}) g(t - t_j), all steps evaluated in one call.
    """
    ts = np.asarray(step_times_s, dtype=float)
    cur = np.asarray(currents_A, dtype=float)
    if ts.shape != cur.shape or ts.ndim != 1 or ts.size == 0:
        raise InputError("step_times_s and currents_A must be 1-D and of equal length > 0")
    if np.any(np.diff(ts) <= 0):
        raise InputError("step_times_s must be strictly increasing")
    d_i = np.diff(np.r_[0.0, cur])
    t = np.asarray(t, dtype=float)
    shifted = t.reshape(1, -1) - ts[:, None]
    g = step_response(circuit, params, shifted, m=m)
    return (d_i @ g).reshape(t.shape)
