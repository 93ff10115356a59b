"""Equivalent-circuit elements: impedance Z(s) and its analytic derivatives dZ/dp.

Every element is a function of the Laplace variable ``s`` (a complex array; ``s = j*omega``
for a spectrum, any complex value for time-domain inversion) and of its parameters. It
returns ``Z`` (complex, shape of ``s``) and the list of ``dZ/dp_k`` (one complex array per
parameter), all frequencies at once.

Names, parameter order and units follow impedance.py (``R``, ``C``, ``L``, ``CPE``, ``W``,
``Wo``, ``Ws``, ``G``, ``K``, ``La``), so circuit strings and parameter names such as
``CPE1_0``, ``Wo1_1`` carry over. Elements impedance.py does not have:

* ``Zarc`` (alias ``RQ``): R || CPE as one element, parameters (R, Q, n);
* ``Wsph``: solid-state diffusion into a sphere, R tanh(x) / (x - tanh(x)), x = sqrt(s tau);
* ``Wa``: anomalous finite-space diffusion (Bisquert and Compte, J. Electroanal. Chem. 499
  (2001) 112), R coth(x) / x with x = (s tau)^(n/2), parameters (R, tau, n): a reflective
  (``Wo``-like) element whose high-frequency line has the slope n/2 instead of 1/2 and
  whose low-frequency branch is a CPE R / (s tau)^n instead of a capacitor; n = 1 is
  ``Wo``;
* ``TLM``: transmission line of a porous electrode with a blocked electronic rail,
  parameters (R_ion, R_ct, Q, n).

Powers and roots use the principal branch (``s**n = exp(n log s)``,
``sqrt`` with non-negative real part), so every element is analytic in the right half
plane and defined on a Talbot contour too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["Element", "ELEMENTS", "element_kind"]

INF = np.inf
SQRT2 = np.sqrt(2.0)

# |x| (or |u| = |x|^2) below which power series replace expressions that cancel
_SMALL_X = 1e-2
_SMALL_U = 1e-2

Evaluator = Callable[..., tuple[np.ndarray, list[np.ndarray]]]


@dataclass(frozen=True)
class Element:
    """An element type: what its parameters are called and how Z(s) is computed.

    Attributes
    ----------
    kind
        Element name as written in circuit strings (``"CPE"``).
    params
        Physical names of the parameters, in impedance.py order (``("Q", "n")``).
    units
        Unit of each parameter.
    bounds
        Default (lower, upper) bound of each parameter used by the fit.
    typical
        A representative value of each parameter (used when no better guess exists).
    formula
        The impedance, as text, for documentation and ``describe()``.
    evaluate
        ``evaluate(s, *p) -> (Z, [dZ/dp_0, dZ/dp_1, ...])``.
    """

    kind: str
    params: tuple[str, ...]
    units: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    typical: tuple[float, ...]
    formula: str
    evaluate: Evaluator

    @property
    def n_params(self) -> int:
        """Number of parameters."""
        return len(self.params)


# --- helpers ------------------------------------------------------------------------------


def _coth(x: np.ndarray) -> np.ndarray:
    """coth(x) for complex x; tanh saturates to +-1 without overflow for large Re(x)."""
    return 1.0 / np.tanh(x)


def _coth_over_x_parts(x: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """G(u) = coth(x)/x and w(u) = u dG/du, with x = sqrt(u).

    w = ((1 - coth^2) - coth/x) / 2. Both are fine as written (no cancellation).
    """
    ct = _coth(x)
    g = ct / x
    w = 0.5 * ((1.0 - ct * ct) - g)
    return g, w


def _tanh_over_x_parts(x: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """T(u) = tanh(x)/x and w(u) = u dT/du, with x = sqrt(u).

    w = ((1 - tanh^2) - tanh/x) / 2 cancels for small |x|; a series is used there.
    """
    th = np.tanh(x)
    t = th / x
    w = 0.5 * ((1.0 - th * th) - t)
    small = np.abs(x) < _SMALL_X
    if small.any():
        us = u[small]
        t[small] = 1.0 - us / 3.0 + 2.0 * us**2 / 15.0 - 17.0 * us**3 / 315.0
        w[small] = -us / 3.0 + 4.0 * us**2 / 15.0 - 51.0 * us**3 / 315.0
    return t, w


def _sqrt_u(s: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray]:
    u = s * tau
    return np.sqrt(u), u


# --- element impedances ---------------------------------------------------------------


def _r(s: np.ndarray, r: float) -> tuple[np.ndarray, list[np.ndarray]]:
    one = np.ones(s.shape, dtype=complex)
    return r * one, [one]


def _c(s: np.ndarray, c: float) -> tuple[np.ndarray, list[np.ndarray]]:
    z = 1.0 / (c * s)
    return z, [-z / c]


def _l(s: np.ndarray, ind: float) -> tuple[np.ndarray, list[np.ndarray]]:
    return ind * s, [s.astype(complex, copy=True)]


def _cpe(s: np.ndarray, q: float, n: float) -> tuple[np.ndarray, list[np.ndarray]]:
    logs = np.log(s)
    z = np.exp(-n * logs) / q
    return z, [-z / q, -z * logs]


def _warburg(s: np.ndarray, aw: float) -> tuple[np.ndarray, list[np.ndarray]]:
    # impedance.py: Aw (1 - j)/sqrt(omega) at s = j omega, i.e. sqrt(2) Aw / sqrt(s)
    base = SQRT2 / np.sqrt(s)
    return aw * base, [base]


def _wo(s: np.ndarray, r: float, tau: float) -> tuple[np.ndarray, list[np.ndarray]]:
    x, u = _sqrt_u(s, tau)
    g, w = _coth_over_x_parts(x, u)
    return r * g, [g, r * w / tau]


def _ws(s: np.ndarray, r: float, tau: float) -> tuple[np.ndarray, list[np.ndarray]]:
    x, u = _sqrt_u(s, tau)
    t, w = _tanh_over_x_parts(x, u)
    return r * t, [t, r * w / tau]


def _wsph(s: np.ndarray, r: float, tau: float) -> tuple[np.ndarray, list[np.ndarray]]:
    # Z = R tanh x / (x - tanh x) = R (T / (1 - T)) with T = tanh(x)/x; m = 1 - T
    x, u = _sqrt_u(s, tau)
    t, w = _tanh_over_x_parts(x, u)
    m = 1.0 - t
    small = np.abs(x) < _SMALL_X
    if small.any():
        us = u[small]
        m[small] = us / 3.0 - 2.0 * us**2 / 15.0 + 17.0 * us**3 / 315.0 - 62.0 * us**4 / 2835.0
    g = t / m
    # dZ/dtau = R d(1/m)/du * u / tau = R * w / (m^2 tau)   (dm/du = -dT/du)
    return r * g, [g, r * w / (m * m * tau)]


def _wa(s: np.ndarray, r: float, tau: float, n: float) -> tuple[np.ndarray, list[np.ndarray]]:
    # Z = R G(u), G = coth(x)/x, u = x^2 = (s tau)^n; dG/dtau = G'(u) n u / tau,
    # dG/dn = G'(u) u log(s tau), and w = u G'(u)
    log_st = np.log(s * tau)
    u = np.exp(n * log_st)
    x = np.exp(0.5 * n * log_st)
    g, w = _coth_over_x_parts(x, u)
    return r * g, [g, r * w * n / tau, r * w * log_st]


def _gerischer(s: np.ndarray, r: float, tau: float) -> tuple[np.ndarray, list[np.ndarray]]:
    d = 1.0 + s * tau
    base = 1.0 / np.sqrt(d)
    return r * base, [base, -0.5 * r * s * base / d]


def _k(s: np.ndarray, r: float, tau: float) -> tuple[np.ndarray, list[np.ndarray]]:
    base = 1.0 / (1.0 + s * tau)
    return r * base, [base, -r * s * base * base]


def _la(s: np.ndarray, ind: float, a: float) -> tuple[np.ndarray, list[np.ndarray]]:
    lg = np.log(ind * s)
    z = np.exp(a * lg)
    return z, [a * z / ind, z * lg]


def _zarc_parts(s: np.ndarray, r: float, q: float, n: float) -> tuple[np.ndarray, list[np.ndarray]]:
    logs = np.log(s)
    qsn = q * np.exp(n * logs)  # Q s^n
    d = 1.0 + r * qsn
    z = r / d
    z2 = z * z  # R^2 / D^2
    return z, [1.0 / (d * d), -z2 * qsn / q, -z2 * qsn * logs]


def _zarc(s: np.ndarray, r: float, q: float, n: float) -> tuple[np.ndarray, list[np.ndarray]]:
    return _zarc_parts(s, r, q, n)


def _tlm(
    s: np.ndarray, r_ion: float, r_ct: float, q: float, n: float
) -> tuple[np.ndarray, list[np.ndarray]]:
    # interfacial z = R_ct || CPE; Z = sqrt(R_ion z) coth(sqrt(R_ion/z)) = R_ion G(u),
    # G(u) = coth(sqrt u)/sqrt u with u = R_ion / z
    zi, dzi = _zarc_parts(s, r_ct, q, n)
    u = r_ion / zi
    y = np.sqrt(u)
    g, w = _coth_over_x_parts(y, u)
    # dZ/dR_ion = G + u G'(u) = G + w (cancels at small u: series there)
    dz_dion = g + w
    small = np.abs(u) < _SMALL_U
    if small.any():
        us = u[small]
        dz_dion[small] = 1.0 / 3.0 - 2.0 * us / 45.0 + 6.0 * us**2 / 945.0 - 4.0 * us**3 / 4725.0
    dz_dzi = -r_ion * w / zi
    return r_ion * g, [dz_dion, dz_dzi * dzi[0], dz_dzi * dzi[1], dz_dzi * dzi[2]]


_POS = (0.0, INF)
_EXP = (0.0, 1.0)

ELEMENTS: dict[str, Element] = {
    e.kind: e
    for e in (
        Element("R", ("R",), ("Ohm",), (_POS,), (1.0,), "Z = R", _r),
        Element("C", ("C",), ("F",), (_POS,), (1e-6,), "Z = 1/(C s)", _c),
        Element("L", ("L",), ("H",), (_POS,), (1e-7,), "Z = L s", _l),
        Element(
            "CPE",
            ("Q", "n"),
            ("F s^(n-1)", ""),
            (_POS, _EXP),
            (1e-5, 0.9),
            "Z = 1/(Q s^n)",
            _cpe,
        ),
        Element(
            "W",
            ("Aw",),
            ("Ohm s^-1/2",),
            (_POS,),
            (10.0,),
            "Z = Aw (1 - j)/sqrt(omega) = sqrt(2) Aw / sqrt(s)",
            _warburg,
        ),
        Element(
            "Wo",
            ("R", "tau"),
            ("Ohm", "s"),
            (_POS, _POS),
            (10.0, 10.0),
            "Z = R coth(sqrt(s tau)) / sqrt(s tau)  (finite space, reflective)",
            _wo,
        ),
        Element(
            "Ws",
            ("R", "tau"),
            ("Ohm", "s"),
            (_POS, _POS),
            (10.0, 10.0),
            "Z = R tanh(sqrt(s tau)) / sqrt(s tau)  (finite length, transmissive)",
            _ws,
        ),
        Element(
            "Wsph",
            ("R", "tau"),
            ("Ohm", "s"),
            (_POS, _POS),
            (10.0, 10.0),
            "Z = R tanh(x) / (x - tanh(x)), x = sqrt(s tau)  (spherical diffusion)",
            _wsph,
        ),
        Element(
            "Wa",
            ("R", "tau", "n"),
            ("Ohm", "s", ""),
            (_POS, _POS, _EXP),
            (10.0, 10.0, 0.9),
            "Z = R coth(x) / x, x = (s tau)^(n/2)  (anomalous finite-space diffusion; n = 1: Wo)",
            _wa,
        ),
        Element(
            "G",
            ("R", "tau"),
            ("Ohm", "s"),
            (_POS, _POS),
            (10.0, 1e-3),
            "Z = R / sqrt(1 + s tau)  (Gerischer)",
            _gerischer,
        ),
        Element(
            "K",
            ("R", "tau"),
            ("Ohm", "s"),
            (_POS, _POS),
            (10.0, 1e-3),
            "Z = R / (1 + s tau)  (Voigt RC, lin-KK)",
            _k,
        ),
        Element(
            "La",
            ("L", "a"),
            ("H s^(a-1)", ""),
            (_POS, _EXP),
            (1e-7, 0.9),
            "Z = (L s)^a  (modified inductance)",
            _la,
        ),
        Element(
            "Zarc",
            ("R", "Q", "n"),
            ("Ohm", "F s^(n-1)", ""),
            (_POS, _POS, _EXP),
            (10.0, 1e-5, 0.9),
            "Z = R / (1 + R Q s^n)  (R || CPE)",
            _zarc,
        ),
        Element(
            "TLM",
            ("R_ion", "R_ct", "Q", "n"),
            ("Ohm", "Ohm", "F s^(n-1)", ""),
            (_POS, _POS, _POS, _EXP),
            (10.0, 10.0, 1e-5, 0.9),
            "Z = sqrt(R_ion z) coth(sqrt(R_ion/z)), z = R_ct / (1 + R_ct Q s^n)",
            _tlm,
        ),
    )
}
# shorthand users know from other tools
ELEMENTS["RQ"] = Element(**{**ELEMENTS["Zarc"].__dict__, "kind": "RQ"})

#: Elements whose impedance grows without bound at low frequency (capacitive/blocking)
CAPACITIVE = frozenset({"C", "CPE"})


def element_kind(name: str) -> str:
    """The element type of a named element: ``"CPE1" -> "CPE"``, ``"Wo_2" -> "Wo"``.

    Digits and underscores are stripped, as impedance.py does.
    """
    return "".join(ch for ch in name if ch not in "0123456789_")
