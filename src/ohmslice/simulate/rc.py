"""RC (Voigt) expansions of distributed elements, for exact time-domain integration.

A chain of parallel RC elements ``sum_k R_k / (1 + s tau_k)`` plus a series resistor is
integrated exactly for piecewise-constant current (see :mod:`ohmslice.simulate.run`).
The distributed elements of the cell model are expanded into such chains here:

* **R || CPE (Zarc)**, ``Z = R / (1 + R Q s^n)``: its distribution of relaxation times
  is the Cole-Cole density in u = ln(tau / tau0), tau0 = (R Q)^(1/n),

      g(u) = sin(phi) / (2 pi (cosh(n u) - cos(phi))),   phi = (1 - n) pi,

  whose cumulative distribution is closed-form,

      F(u) = 1/2 + arctan(tanh(n u / 2) / tan(phi / 2)) / (pi n).

  The u axis is cut into cells of ``per_decade`` per decade; each cell's resistance is
  R [F(b_(i+1)) - F(b_i)] (exact, so the resistances add up to R and the DC limit is
  exact), placed at the cell's centre. Mass below ``tau_min`` becomes a series resistor
  (those elements are resistive at every frequency of interest), mass above
  ``tau_max`` a last element at ``tau_max``. n = 1 is one exact RC element.

* **Finite-length Warburg (Ws)**, ``Z = R tanh(sqrt(s tau)) / sqrt(s tau)``, and the
  diffusion modes of the **finite-space Warburg (Wo)**,
  ``Z = R coth(sqrt(s tau)) / sqrt(s tau) = R / (s tau) + modes``: partial fractions
  (Mittag-Leffler) give exactly

      Ws: sum_(n>=1) 2 R / (lambda_n + s tau),  lambda_n = (n - 1/2)^2 pi^2,
      Wo: R / (s tau) + sum_(n>=1) 2 R / (lambda_n + s tau),  lambda_n = n^2 pi^2,
      Wsph: 3 R / (s tau) + sum_(n>=1) 2 R / (lambda_n + s tau),  lambda_n = b_n^2,
            tan b_n = b_n (a sphere; b_n -> (n + 1/2) pi),

  i.e. RC elements R_n = 2 R / lambda_n, tau_n = tau / lambda_n (sum R_n = R for Ws,
  R / 3 for the Wo modes). The first ``n_exact`` modes are kept one by one; the rest
  are binned geometrically (``per_decade`` bins per decade of tau) with each bin's
  resistance and its resistance-weighted mean tau computed exactly from trigamma /
  tetragamma sums; modes faster than ``tau_min`` become a series resistor. The Wo
  capacitor ``C = tau / R`` is returned separately (``capacitance_F``): in the cell
  model the open-circuit voltage carries that charge storage.

* **Transmission line (TLM)** of a porous electrode with a blocked electronic rail,
  ionic resistance R_ion and interfacial impedance z = R_ct || CPE(Q, n),
  ``Z = sqrt(R_ion z) coth(sqrt(R_ion / z))``: the same partial fractions in
  u = R_ion / z give exactly

      Z = z + sum_(m>=1) 2 [z || (R_ion / (m^2 pi^2))],

  and z || R' is again a Zarc, of resistance R_ct R' / (R_ct + R') and the same Q, n.
  So a TLM is a sum of Zarcs; their Cole-Cole distributions are summed on one grid of
  nodes relative to tau_ct = (R_ct Q)^(1/n) (2000 modes exactly, the rest as a series
  resistor). With n = 1 each mode's resistance is shared between its two neighbouring
  nodes (accuracy then ~1 %, set by the node spacing).

The number of elements depends on the settings only, never on R, tau or n, so the time
integration can carry the element voltages from one parameter set to the next.

Accuracy (tested in ``tests/simulate/test_rc.py``): with the defaults (10 per decade,
Zarc nodes over tau0 10^(+-10), Warburg modes down to tau 1e-12) the spectrum of every
expansion is within 0.2 % of the analytic impedance, |Z_rc - Z| / |Z| < 2e-3, from
1 mHz to 1 MHz, for Zarc n from 0.5 to 1 with tau0 from 1e-6 to 1 s and Warburg tau
from 1e-3 to 1e3 s; the DC resistance is exact to rounding. The error is the midpoint
rule's on a 0.23-wide cell in ln tau; it falls as 1/per_decade^2. (Far beyond the
covered span, 9 decades above a Zarc's peak, the element's own Z is ~1e-8 R and its
relative error grows; the absolute error stays below 1e-3 R.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import polygamma

from ..errors import InputError

__all__ = [
    "RCChain",
    "rc_impedance",
    "zarc_rc",
    "warburg_rc",
    "tlm_rc",
    "merge",
    "DEFAULT_PER_DECADE",
    "DEFAULT_ZARC_SPAN",
    "DEFAULT_WARBURG_SPAN",
]

DEFAULT_PER_DECADE = 10
#: decades covered on each side of a Zarc's tau0
DEFAULT_ZARC_SPAN = 10.0
#: decades below a Warburg's tau down to which its modes are kept
DEFAULT_WARBURG_SPAN = 12.0


@dataclass
class RCChain:
    """A series resistor plus parallel-RC elements: Z(s) = r0 + sum r_k / (1 + s tau_k).

    Attributes
    ----------
    r0
        Series (instantaneous) resistance [Ohm].
    r, tau
        Resistances [Ohm] and time constants [s] of the RC elements (same length).
    capacitance_F
        Optional series capacitance [F] (``inf`` for none); the Wo element's storage
        term. Excluded from time-domain integration by the cell model.
    """

    r0: float = 0.0
    r: np.ndarray = field(default_factory=lambda: np.zeros(0))
    tau: np.ndarray = field(default_factory=lambda: np.zeros(0))
    capacitance_F: float = np.inf

    @property
    def r_dc(self) -> float:
        """DC resistance r0 + sum r_k [Ohm] (without the capacitor)."""
        return float(self.r0 + self.r.sum())

    def __len__(self) -> int:
        return int(self.r.size)

    def impedance(self, s: np.ndarray | complex) -> np.ndarray:
        """Z(s) [Ohm] at Laplace variable(s) ``s`` (``2j pi f`` for a spectrum)."""
        s = np.asarray(s, dtype=complex)
        z = self.r0 + rc_impedance(self.r, self.tau, s)
        if np.isfinite(self.capacitance_F):
            z = z + 1.0 / (s * self.capacitance_F)
        return z

    def step_response(self, t: np.ndarray) -> np.ndarray:
        """Voltage per ampere [Ohm] at times ``t`` [s] after a unit current step from rest.

        ``r0 + sum r_k (1 - exp(-t / tau_k)) + t / C``.
        """
        t = np.asarray(t, dtype=float)
        g = self.r0 + (self.r * -np.expm1(-t[..., None] / self.tau)).sum(axis=-1)
        if np.isfinite(self.capacitance_F):
            g = g + t / self.capacitance_F
        return g


def rc_impedance(r: np.ndarray, tau: np.ndarray, s: np.ndarray) -> np.ndarray:
    """sum_k r_k / (1 + s tau_k) [Ohm], for every ``s`` (any shape) at once."""
    s = np.asarray(s, dtype=complex)
    if np.size(r) == 0:
        return np.zeros(s.shape, dtype=complex)
    return (np.asarray(r) / (1.0 + s[..., None] * np.asarray(tau))).sum(axis=-1)


def merge(*chains: RCChain) -> RCChain:
    """Series connection of chains: resistors add, elements concatenate, capacitors in series."""
    elastance = sum(1.0 / c.capacitance_F for c in chains if np.isfinite(c.capacitance_F))
    return RCChain(
        r0=float(sum(c.r0 for c in chains)),
        r=np.concatenate([c.r for c in chains]) if chains else np.zeros(0),
        tau=np.concatenate([c.tau for c in chains]) if chains else np.zeros(0),
        capacitance_F=1.0 / elastance if elastance > 0 else np.inf,
    )


def _check(name: str, value: float, *, positive: bool = True) -> float:
    v = float(value)
    if not np.isfinite(v) or (v <= 0 if positive else v < 0):
        raise InputError(
            f"{name} = {value!r}; expected a finite number {'> 0' if positive else '>= 0'}"
        )
    return v


def _cole_cole_cdf(u: np.ndarray, n: float) -> np.ndarray:
    """Fraction of a Zarc's resistance with ln(tau / tau0) < u."""
    phi = (1.0 - n) * np.pi
    return 0.5 + np.arctan(np.tanh(0.5 * n * u) / np.tan(0.5 * phi)) / (np.pi * n)


def _cpe_grid(
    n: float, tau0: float, per_decade: float, span_decades: float
) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Check a CPE exponent and lay the log-spaced tau grid around ``tau0``:
    (n, grid step in ln tau, node indices, taus)."""
    n = float(n)
    if not 0.0 < n <= 1.0:
        raise InputError(f"CPE exponent n = {n!r}; expected 0 < n <= 1")
    h = np.log(10.0) / per_decade
    k_max = int(round(span_decades * per_decade))
    ks = np.arange(-k_max, k_max + 1)
    return n, h, ks, tau0 * np.exp(ks * h)


def zarc_rc(
    r: float,
    tau0: float,
    n: float,
    *,
    per_decade: int = DEFAULT_PER_DECADE,
    span_decades: float = DEFAULT_ZARC_SPAN,
) -> RCChain:
    """RC expansion of R || CPE with resistance ``r`` [Ohm], tau0 = (R Q)^(1/n) [s], 0 < n <= 1.

    Nodes sit at tau0 10^(k / per_decade) for |k| <= span_decades * per_decade, so the
    number of elements does not depend on the parameters (the time integration carries
    element states from one parameter set to the next). n = 1 puts all of ``r`` on the
    node at tau0 (exact).

    Raises
    ------
    InputError
        r < 0, tau0 <= 0 or n outside (0, 1].
    """
    r = _check("Zarc resistance", r, positive=False)
    tau0 = _check("Zarc time constant", tau0)
    n, h, ks, taus = _cpe_grid(n, tau0, per_decade, span_decades)
    weights = np.zeros(ks.size)
    r0 = 0.0
    if r == 0.0:
        return RCChain(0.0, weights, taus)
    if n >= 1.0 - 1e-9:
        weights[ks.size // 2] = r
        return RCChain(0.0, weights, taus)
    edges = np.concatenate([[-np.inf], (ks[:-1] + 0.5) * h, [np.inf]])
    weights = r * np.diff(_cole_cole_cdf(edges, n))
    # the lowest cell reaches down to tau -> 0: its part below the lowest node is resistive
    r0 = r * float(_cole_cole_cdf(np.array([(ks[0] - 0.5) * h]), n)[0])
    weights[0] -= r0
    return RCChain(r0, weights, taus)


def warburg_rc(
    r: float,
    tau: float,
    kind: str = "Ws",
    *,
    n_exact: int = 20,
    per_decade: int = DEFAULT_PER_DECADE,
    span_decades: float = DEFAULT_WARBURG_SPAN,
) -> RCChain:
    """RC expansion of a finite Warburg element of resistance ``r`` [Ohm], ``tau`` [s].

    ``kind`` is ``"Ws"`` (finite length, transmissive: DC resistance r), ``"Wo"``
    (finite space, reflective: modes with DC resistance r / 3 plus the capacitor
    C = tau / r in ``capacitance_F``) or ``"Wsph"`` (a sphere, r tanh(x)/(x - tanh x):
    modes 2 r / b_k^2 at tau / b_k^2, b_k the roots of tan b = b, with DC resistance
    r / 5, plus the capacitor tau / (3 r)). Modes down to tau 10^-span_decades are kept
    (exactly or binned); faster ones form the series resistor. The number of elements
    depends only on the settings, not on r and tau.

    Raises
    ------
    InputError
        r < 0, tau <= 0 or an unknown kind.
    """
    r = _check(f"{kind} resistance", r, positive=False)
    tau = _check(f"{kind} time constant", tau)
    if kind not in ("Ws", "Wo", "Wsph"):
        raise InputError(f"Warburg kind {kind!r}; expected 'Ws', 'Wo' or 'Wsph'")
    c = {"Ws": 0.5, "Wo": 0.0, "Wsph": -0.5}[kind]
    cap = {"Ws": np.inf, "Wo": tau / r, "Wsph": tau / (3 * r)}[kind] if r > 0 else np.inf
    pi2 = np.pi**2
    n = np.arange(1, n_exact + 1)
    lam = _sphere_roots(n_exact) ** 2 if kind == "Wsph" else pi2 * (n - c) ** 2
    # binned modes: geometric edges in mode number from n_exact + 1 to n_end
    start = n_exact + 1
    n_end = int(np.floor(np.sqrt(10.0**span_decades / pi2) + c)) + 1
    ratio = 10.0 ** (1.0 / (2 * per_decade))  # tau_n ~ 1 / n^2
    n_bins = int(np.ceil(np.log(n_end / start) / np.log(ratio)))
    edges = np.unique(np.round(start * ratio ** np.arange(n_bins + 1)).astype(np.int64))
    edges = np.concatenate([edges[edges < n_end], [n_end]])
    a, b = edges[:-1].astype(float), edges[1:].astype(float)
    s2 = polygamma(1, a - c) - polygamma(1, b - c)  # sum of 1/(n-c)^2 over [a, b)
    s4 = (polygamma(3, a - c) - polygamma(3, b - c)) / 6.0  # sum of 1/(n-c)^4
    r_el = np.concatenate([2.0 * r / lam, 2.0 * r / pi2 * s2])
    tau_el = np.concatenate([tau / lam, tau / pi2 * s4 / s2])
    r0 = 2.0 * r / pi2 * float(polygamma(1, n_end - c))
    if kind == "Wsph" and r_el.size > n_exact:
        # the binned modes take (n + 1/2) pi for the roots (within 1/((n + 1/2) pi) of
        # them): the first bin gets what that leaves of the DC part r / 5
        r_el[n_exact] += r / 5.0 - float(r_el.sum()) - r0
    return RCChain(r0, r_el, tau_el, cap)


def _sphere_roots(m: int) -> np.ndarray:
    """The first ``m`` positive roots of tan(b) = b (4.4934, 7.7253, ...), by Newton's
    method on b cos b - sin b from just below (n + 1/2) pi, all at once."""
    n = np.arange(1, m + 1)
    b = (n + 0.5) * np.pi - 1.0 / ((n + 0.5) * np.pi)
    for _ in range(30):
        f = b * np.cos(b) - np.sin(b)
        b = b - f / (-b * np.sin(b))
    return b


def tlm_rc(
    r_ion: float,
    r_ct: float,
    tau_ct: float,
    n: float,
    *,
    n_modes: int = 2000,
    per_decade: int = DEFAULT_PER_DECADE,
    span_decades: float = DEFAULT_ZARC_SPAN,
) -> RCChain:
    """RC expansion of a transmission line (blocked electronic rail) of ionic resistance
    ``r_ion`` [Ohm] with interfacial R_ct || CPE: ``r_ct`` [Ohm], tau_ct = (R_ct Q)^(1/n)
    [s], exponent ``n``. DC resistance sqrt(R_ion R_ct) coth(sqrt(R_ion / R_ct)).

    Raises
    ------
    InputError
        Negative resistances, tau_ct <= 0 or n outside (0, 1].
    """
    r_ion = _check("TLM ionic resistance", r_ion, positive=False)
    r_ct = _check("TLM charge-transfer resistance", r_ct, positive=False)
    tau_ct = _check("TLM time constant", tau_ct)
    n, h, ks, taus = _cpe_grid(n, tau_ct, per_decade, span_decades)
    if r_ct == 0.0:  # no interface resistance: a pure ionic resistor
        return RCChain(r_ion, np.zeros(ks.size), taus)
    lam = (np.arange(1, n_modes + 1) * np.pi) ** 2
    r_par = r_ion / lam
    zarc_r = np.concatenate([[r_ct], r_ct * r_par / (r_ct + r_par)])  # z, z || R'_m
    keep = zarc_r > 0
    r_m = (zarc_r * np.r_[1.0, 2.0 * np.ones(n_modes)])[keep]  # z + 2 (z || R'_m)
    u_m = np.log(zarc_r[keep] / r_ct) / n  # ln(tau_m / tau_ct), tau_m = (R Q)^(1/n)
    # tail of the modes (m > n_modes): resistive at every time scale of interest
    r0 = 2.0 * r_ion / np.pi**2 * float(polygamma(1, n_modes + 1))
    if n >= 1.0 - 1e-9:  # each mode's RC between its two neighbouring nodes, linear in ln tau
        pos = np.clip(u_m / h + ks.size // 2, 0.0, ks.size - 1.0)
        lo = np.minimum(np.floor(pos).astype(int), ks.size - 2)
        frac = pos - lo
        weights = np.bincount(lo, weights=r_m * (1 - frac), minlength=ks.size).astype(float)
        weights += np.bincount(lo + 1, weights=r_m * frac, minlength=ks.size)
        return RCChain(r0, weights, taus)
    edges = np.concatenate([[-np.inf], (ks[:-1] + 0.5) * h, [np.inf]])
    cdf = _cole_cole_cdf(edges[None, :] - u_m[:, None], n)
    weights = (r_m[:, None] * np.diff(cdf, axis=1)).sum(axis=0)
    below = float((r_m * _cole_cole_cdf((ks[0] - 0.5) * h - u_m, n)).sum())
    weights[0] -= below
    return RCChain(r0 + below, weights, taus)
