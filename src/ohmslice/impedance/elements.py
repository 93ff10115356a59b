"""Equivalent-circuit elements: impedance Z(s) and its analytic derivatives dZ/dp.

Every element is a function of the Laplace variable ``s`` (a complex array; ``s = j*omega``
for a spectrum, any complex value for time-domain inversion) and of its parameters. It
returns ``Z`` (complex, shape of ``s``) and the list of ``dZ/dp_k`` (one complex array per
parameter), all frequencies at once.

Every element impedance.py (1.7) defines is here under its name, with its parameter order,
units and meaning, so circuit strings and parameter names such as ``CPE1_0``, ``Wo1_1``,
``Zarc1_1`` carry over and give the same Z (to ~1e-15 relative; see ``T`` for the one
exception): ``R``, ``C``, ``L``, ``CPE``, ``W``, ``Wo``, ``Ws``, ``La``, ``G``, ``Gs``
(finite-length Gerischer), ``K``, ``Zarc`` (R, tau, gamma: R / (1 + (s tau)^gamma)),
``TLMQ`` (transmission line with a CPE interface) and ``T`` (Paasch porous electrode).
Elements impedance.py does not have:

* ``RQ``: R || CPE as one element, parameters (R, Q, n), Z = R / (1 + R Q s^n); the same
  impedance as ``Zarc`` with tau = (R Q)^(1/n), gamma = n;
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
plane and defined on a Talbot contour too. Hyperbolic functions of a large argument are
computed from ``exp(-x)`` (no overflow, no warning); their poles (``Gs`` where
tanh(phi sqrt(1 + s tau)) = 0, ``T`` at sinh(beta) = 0) lie off the imaginary axis and
give inf/NaN only if ``s`` hits one.
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


def _coth_csch(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """coth(x) and csch(x) = 1/sinh(x) for complex x with Re(x) >= 0 (principal roots).

    From e = exp(-x): coth = (1 + e^2) / (1 - e^2), csch = 2 e / (1 - e^2), with
    1 - e^2 = -expm1(-2x): no overflow for a large Re(x) (csch -> 0, coth -> 1) and no
    cancellation for a small |x|.
    """
    e = np.exp(-x)
    den = -np.expm1(-2.0 * x)
    return (1.0 + e * e) / den, 2.0 * e / den


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


def _wsc(s: np.ndarray, r: float, tau: float, c: float) -> tuple[np.ndarray, list[np.ndarray]]:
    """Ws in series with a capacitor: Z = R tanh(x)/x + 1/(s C), x = sqrt(s tau)."""
    z, (dr, dtau) = _ws(s, r, tau)
    zc = 1.0 / (s * c)
    return z + zc, [dr, dtau, -zc / c]


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


def _rq_parts(s: np.ndarray, r: float, q: float, n: float) -> tuple[np.ndarray, list[np.ndarray]]:
    """R || CPE: Z = R / (1 + R Q s^n) and dZ/d(R, Q, n)."""
    logs = np.log(s)
    qsn = q * np.exp(n * logs)  # Q s^n
    d = 1.0 + r * qsn
    z = r / d
    z2 = z * z  # R^2 / D^2
    return z, [1.0 / (d * d), -z2 * qsn / q, -z2 * qsn * logs]


def _rq(s: np.ndarray, r: float, q: float, n: float) -> tuple[np.ndarray, list[np.ndarray]]:
    return _rq_parts(s, r, q, n)


def _zarc(s: np.ndarray, r: float, tau: float, gamma: float) -> tuple[np.ndarray, list[np.ndarray]]:
    """impedance.py's ``Zarc``: Z = R / (1 + (s tau)^gamma) [Ohm], R [Ohm], tau = tau_k [s],
    gamma [-] (Cole-Cole; R || CPE with Q = tau^gamma / R, n = gamma: ``RQ``)."""
    # u = (s tau)^gamma;
    # dZ/du = -R / d^2, du/dtau = gamma u / tau, du/dgamma = u log(s tau)
    log_st = np.log(s * tau)
    u = np.exp(gamma * log_st)
    d = 1.0 + u
    z = r / d
    zu = -z * u / d  # u dZ/du
    return z, [1.0 / d, zu * gamma / tau, zu * log_st]


def _d_ion_series(g: np.ndarray, w: np.ndarray, u: np.ndarray) -> np.ndarray:
    """G + u G'(u) for G = coth(sqrt u)/sqrt u: d(R_ion G(R_ion v))/dR_ion. Cancels for a
    small |u| (G ~ 1/u): a power series there."""
    out = g + w
    small = np.abs(u) < _SMALL_U
    if small.any():
        us = u[small]
        out[small] = 1.0 / 3.0 - 2.0 * us / 45.0 + 6.0 * us**2 / 945.0 - 4.0 * us**3 / 4725.0
    return out


def _tlm(
    s: np.ndarray, r_ion: float, r_ct: float, q: float, n: float
) -> tuple[np.ndarray, list[np.ndarray]]:
    # interfacial z = R_ct || CPE; Z = sqrt(R_ion z) coth(sqrt(R_ion/z)) = R_ion G(u),
    # G(u) = coth(sqrt u)/sqrt u with u = R_ion / z
    zi, dzi = _rq_parts(s, r_ct, q, n)
    u = r_ion / zi
    y = np.sqrt(u)
    g, w = _coth_over_x_parts(y, u)
    # dZ/dR_ion = G + u G'(u) = G + w (cancels at small u: series there)
    dz_dion = _d_ion_series(g, w, u)
    dz_dzi = -r_ion * w / zi
    return r_ion * g, [dz_dion, dz_dzi * dzi[0], dz_dzi * dzi[1], dz_dzi * dzi[2]]


def _tlmq(
    s: np.ndarray, r_ion: float, q_s: float, gamma: float
) -> tuple[np.ndarray, list[np.ndarray]]:
    """impedance.py's ``TLMQ`` (Landesfeind et al., J. Electrochem. Soc. 163 (2016) A1373,
    Eq. 11): Z = sqrt(R_ion Z_s) coth(sqrt(R_ion / Z_s)) [Ohm], Z_s = 1 / (Q_s s^gamma),
    Q_s [F s^(gamma-1)]: a blocking porous electrode, R_ion/3 + Z_s at low frequency."""
    # = R_ion G(u), G(u) = coth(sqrt u)/sqrt u, u = R_ion / Z_s = R_ion Q_s s^gamma
    logs = np.log(s)
    u = r_ion * q_s * np.exp(gamma * logs)
    g, w = _coth_over_x_parts(np.sqrt(u), u)  # w = u G'(u)
    return r_ion * g, [_d_ion_series(g, w, u), r_ion * w / q_s, r_ion * w * logs]


def _gerischer_finite(
    s: np.ndarray, r: float, tau: float, phi: float
) -> tuple[np.ndarray, list[np.ndarray]]:
    """impedance.py's ``Gs`` (finite-length Gerischer; Green, Liu and Adler, Solid State
    Ionics 179 (2008) 647): Z = R_G / (v tanh(phi v)) [Ohm], v = sqrt(1 + s t_G), t_G [s],
    phi [-]. phi -> inf is ``G``; phi -> 0 is R / (phi (1 + s t_G)), an RC of R/phi and
    t_G. Infinite where v tanh(phi v) = 0 (s real, negative: off the imaginary axis)."""
    # Z = R coth(x) / v, x = phi v
    v = np.sqrt(1.0 + s * tau)
    x = phi * v
    ct, cs = _coth_csch(np.where(x.real < 0, -x, x))
    ct = np.where(x.real < 0, -ct, ct)  # coth is odd; csch^2 is even
    cs2 = cs * cs
    base = ct / v
    # dZ/dv = -R (phi csch^2(x) / v + coth(x) / v^2), dv/dtau = s / (2 v)
    dz_dv = -r * (phi * cs2 + base) / v
    return r * base, [base, dz_dv * s / (2.0 * v), -r * cs2]


def _paasch(
    s: np.ndarray, a_: float, b_: float, a: float, b: float
) -> tuple[np.ndarray, list[np.ndarray]]:
    """impedance.py's ``T`` (Paasch, Micka and Gersdorf, Electrochim. Acta 38 (1993) 2653):
    Z = A coth(beta)/beta + B / (beta sinh(beta)) [Ohm], beta = sqrt(a + s b), A and B in
    Ohm (impedance.py labels them Ohm-m^2: an area-specific Z), a = k d^2/K [-],
    b = d^2/K [s].

    impedance.py replaces sinh(beta) by 1e10 where Re(beta) >= 100 (high frequencies
    for b >~ 1e-3 s); the exact B term is ~0 there, so the two differ by at most
    (B/A) 1e-10 relative. Infinite where beta = j k pi (a pole; never for s = j omega
    with a > 0) and, for a = 0, at s = 0.
    """
    # both terms are even in beta, so the principal root (Re >= 0) serves any s
    beta = np.sqrt(a + s * b)
    ct, cs = _coth_csch(beta)
    g_a = ct / beta  # dZ/dA
    g_b = cs / beta  # dZ/dB
    # dZ/dbeta = A (-csch^2/beta - coth/beta^2) + B (-csch coth/beta - csch/beta^2)
    dz_db = -(a_ * (cs * cs + g_a) + b_ * (cs * ct + g_b)) / beta
    dz_da = dz_db / (2.0 * beta)  # dbeta/da = 1 / (2 beta)
    return a_ * g_a + b_ * g_b, [g_a, g_b, dz_da, dz_da * s]


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
            "Wsc",
            ("R", "tau", "C"),
            ("Ohm", "s", "F"),
            (_POS, _POS, _POS),
            (10.0, 10.0, 1.0),
            "Z = R tanh(sqrt(s tau)) / sqrt(s tau) + 1/(s C)  (finite length with the "
            "insertion capacitance in series)",
            _wsc,
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
            "Gs",
            ("R", "tau", "phi"),
            ("Ohm", "s", ""),
            (_POS, _POS, _POS),
            (10.0, 1e-3, 2.0),
            "Z = R / (sqrt(1 + s tau) tanh(phi sqrt(1 + s tau)))  (finite-length Gerischer)",
            _gerischer_finite,
        ),
        Element(
            "Zarc",
            ("R", "tau", "gamma"),
            ("Ohm", "s", ""),
            (_POS, _POS, _EXP),
            (10.0, 1e-3, 0.9),
            "Z = R / (1 + (s tau)^gamma)  (R || CPE written with its time constant; Cole-Cole)",
            _zarc,
        ),
        Element(
            "RQ",
            ("R", "Q", "n"),
            ("Ohm", "F s^(n-1)", ""),
            (_POS, _POS, _EXP),
            (10.0, 1e-5, 0.9),
            "Z = R / (1 + R Q s^n)  (R || CPE; Zarc with tau = (R Q)^(1/n), gamma = n)",
            _rq,
        ),
        Element(
            "TLMQ",
            ("R_ion", "Q_s", "gamma"),
            ("Ohm", "F s^(gamma-1)", ""),
            (_POS, _POS, _EXP),
            (10.0, 1e-5, 0.9),
            "Z = sqrt(R_ion Z_s) coth(sqrt(R_ion/Z_s)), Z_s = 1/(Q_s s^gamma)  "
            "(blocking transmission line)",
            _tlmq,
        ),
        Element(
            "T",
            ("A", "B", "a", "b"),
            ("Ohm", "Ohm", "", "s"),
            (_POS, _POS, _POS, _POS),
            (10.0, 10.0, 1.0, 1e-2),
            "Z = A coth(beta)/beta + B / (beta sinh(beta)), beta = sqrt(a + s b)  "
            "(Paasch porous electrode)",
            _paasch,
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

#: Elements whose impedance grows without bound at low frequency (capacitive/blocking)
CAPACITIVE = frozenset({"C", "CPE"})


def element_kind(name: str) -> str:
    """The element type of a named element: ``"CPE1" -> "CPE"``, ``"Wo_2" -> "Wo"``.

    Digits and underscores are stripped, as impedance.py does.
    """
    return "".join(ch for ch in name if ch not in "0123456789_")
