"""Time windows between processes: where in a pulse's R(t) one process ends and the next begins.

The reference paper's method splits each GITT pulse's R(t) = (V(t) - OCV_before)/I at two boundary
times t1 < t2 taken from the time constants of the symmetric-cell impedance:
R1 = R(t1), R2 = R(t2) - R(t1), R3 = R(t_end) - R(t2).

Where exactly to put a boundary between two processes with time constants tau_k < tau_k+1
decides how much of each leaks into the other. An R||CPE element with exponent n does
not behave like an RC: its step response R [1 - E_n(-(t/tau)^n)] (E_n the
Mittag-Leffler function) reaches 95 % of R at 3 tau for n = 1 but only ~85 % at 3 tau and
~96 % at 10 tau for n = 0.8. Three rules are offered (:func:`boundary_times`):

``"balanced"`` (default where the processes' resistances are known)
    t_k is where the part of processes <= k still missing equals the part of processes
    > k already present: sum_{j<=k} (1 - a_j(t)) R_j = sum_{j>k} a_j(t) R_j, with a_j the
    unit step responses of each process's element (R||CPE with its n; the diffusion
    element: Ws, Wo, Wsph, or the anomalous Wa with its n). The leaks cancel, so R(t_k) equals the sum of R_j, j <= k, for a response
    made of exactly these processes; it needs the resistances only as ratios.
``"fraction"``
    t_k is where process k has reached ``fraction`` (default 0.95) of its resistance,
    accounting for its CPE exponent (for n = 1 and 0.95 that is 3 tau).
``"geometric"``
    t_k = sqrt(tau_k tau_k+1), the midpoint in log time (the classic choice; blind to n).

The unit step responses come from :mod:`ohmslice.impedance.timedomain` (exact inversion of
Z(s)/s), evaluated on a log-time grid for all pulses at once.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.interpolate import CubicSpline

from ..errors import InputError
from ..impedance.timedomain import DEFAULT_NODES, invert_laplace

__all__ = ["DC_FRACTION", "RULES", "SHAPES", "unit_step", "boundary_times"]

RULES = ("balanced", "fraction", "geometric")

#: Shapes of the unit step responses a_j(t) (a -> 1 as t -> infinity).
SHAPES = ("zarc", "ws", "wo", "wsph", "wa")

#: DC resistance of each shape's element as a share of its R parameter, once the
#: capacitive (charge-storage) branch is set apart: the unit step of a shape is scaled by
#: the inverse of this. R||CPE, Ws: R; Wo: R coth(x)/x - R/x^2 -> R/3; Wsph:
#: R tanh(x)/(x - tanh(x)) - 3R/x^2 -> R/5; Wa: R coth(y)/y - R/y^2 -> R/3 (as x -> 0).
DC_FRACTION = {"zarc": 1.0, "ws": 1.0, "wo": 1 / 3, "wsph": 1 / 5, "wa": 1 / 3}


#: |u| below which the power series of coth(y)/y - 1/u replaces the expression, which
#: cancels there (Talbot nodes of t >> tau); the next term, 2 u^4 / 93555, is below 3e-13
_SMALL_U = 1e-2


def _finite_space(y: np.ndarray, u: np.ndarray) -> np.ndarray:
    """3 (coth(y)/y - 1/u) with u = y^2, complex, elementwise: the finite-space diffusion
    impedance per unit R without its capacitive branch 1/u, scaled to 1 at u -> 0.

    1/(y tanh y) - 1/u = 1/3 - u/45 + 2u^2/945 - u^3/4725 + ... is used for |u| <
    :data:`_SMALL_U`, where the closed form loses digits to cancellation.
    """
    series = 1.0 / 3.0 - u / 45.0 + 2.0 * u**2 / 945.0 - u**3 / 4725.0
    small = np.abs(u) < _SMALL_U
    safe_y = np.where(small, 1.0, y)  # the closed form only where it is used
    closed = 1.0 / (safe_y * np.tanh(safe_y)) - 1.0 / np.where(small, 1.0, u)
    return 3.0 * np.where(small, series, closed)


#: Taylor coefficients of 5 (tanh(x)/(x - tanh(x)) - 3/u) in u = x^2 (from the Bernoulli
#: numbers of x coth x; 1, -1/35, 2/1575, -37/606375, ...; radius of convergence 20.19)
_SPHERE_SERIES = np.array(
    [
        1.0,
        -0.02857142857142857,
        0.0012698412698412698,
        -6.1018346732632444e-05,
        2.9938315652601366e-06,
        -1.4782563535398003e-07,
        7.3140539993948024e-09,
        -3.621253426621005e-10,
        1.793318207799074e-11,
        -8.881547417846779e-13,
        4.398767382057295e-14,
        -2.1785979699940527e-15,
    ]
)


def _sphere(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """5 (tanh(x)/(x - tanh(x)) - 3/u) with u = x^2, complex, elementwise: the spherical
    diffusion impedance per unit R without its capacitive branch, scaled to 1 at u -> 0.

    For |u| < 1 its Taylor series (:data:`_SPHERE_SERIES`, truncation below 1e-16)
    replaces the closed form, whose x - tanh(x) loses digits there: the Talbot inversion
    multiplies such round-off by e^(2M/5).
    """
    small = np.abs(u) < 1.0
    series = np.polynomial.polynomial.polyval(np.where(small, u, 0.0), _SPHERE_SERIES)
    safe_x = np.where(small, 1.0, x)
    th = np.tanh(safe_x)
    closed = th / (safe_x - th) - 3.0 / np.where(small, 1.0, u)
    return np.where(small, series, 5.0 * closed)


def _unit_z(shape: str, tau: np.ndarray, n: np.ndarray):
    """Unit-resistance impedance Z(s) of a process, broadcast over (pulses, times, nodes)."""
    if shape == "zarc":
        return lambda s: 1.0 / (1.0 + (s * tau) ** n)
    if shape == "ws":  # finite-length (transmissive) diffusion: tanh(x)/x, x = sqrt(s tau)

        def z(s):
            x = np.sqrt(s * tau)
            return np.tanh(x) / x

        return z
    if shape == "wo":  # finite space, capacitive part removed, scaled to unit DC resistance

        def z(s):
            u = s * tau
            return _finite_space(np.sqrt(u), u)

        return z
    if shape == "wsph":  # sphere, capacitive part removed, scaled to unit DC resistance

        def z(s):
            u = s * tau
            return _sphere(np.sqrt(u), u)

        return z
    if shape == "wa":  # anomalous finite space, CPE branch removed, unit DC resistance

        def z(s):
            # y = (s tau)^(n/2), u = y^2 = (s tau)^n on the principal branch (|arg s| < pi)
            log_st = np.log(s * tau)
            return _finite_space(np.exp(0.5 * n * log_st), np.exp(n * log_st))

        return z
    raise InputError(f"unknown process shape '{shape}'; expected one of {SHAPES}")


def _exact_step(t: np.ndarray, tau: np.ndarray, n: np.ndarray, shape: str, m: int) -> np.ndarray:
    """Unit step by Talbot inversion, elementwise over flat arrays t > 0, tau, n."""
    z = _unit_z(shape, tau[:, None], n[:, None])
    return invert_laplace(lambda s: z(s) / s, t, m)


#: Table of the unit step responses: ln(t/tau) from -20 ln 10 to 20 ln 10, 20 per decade
_LN_U = np.linspace(-20.0, 20.0, 40 * 20 + 1) * np.log(10.0)
#: CPE exponents tabulated for the shapes with one (zarc, wa); others are inverted exactly.
#: The grid reaches past 1 so that a fit's finite-difference step at n = 1 sees the slope.
_N_GRID = np.round(np.arange(0.3, 1.04 + 1e-9, 0.01), 10)


@functools.cache
def _table(shape: str) -> np.ndarray:
    """Cubic-spline coefficients of a(ln(t/tau)) on :data:`_LN_U`, one row per exponent of
    :data:`_N_GRID` (zarc, wa) or one row, shape (4, segments, rows); built once per
    shape from the exact inversion (32 Talbot nodes)."""
    u = np.exp(_LN_U)
    if shape in ("zarc", "wa"):
        grid_n = np.repeat(_N_GRID, u.size)
        a = _exact_step(np.tile(u, _N_GRID.size), np.ones(grid_n.size), grid_n, shape,
                        DEFAULT_NODES).reshape(_N_GRID.size, u.size)  # fmt: skip
    else:
        a = _exact_step(u, np.ones(u.size), np.ones(u.size), shape, DEFAULT_NODES)[None]
    return CubicSpline(_LN_U, a, axis=1).c


def _from_table(shape: str, ln_u: np.ndarray, n: np.ndarray) -> np.ndarray:
    """a at ln(t/tau) within :data:`_LN_U` (and n within :data:`_N_GRID`): the spline in
    ln(t/tau) on the four exponent rows around n, combined by cubic Lagrange weights."""
    c = _table(shape)
    h = _LN_U[1] - _LN_U[0]
    seg = np.clip(((ln_u - _LN_U[0]) / h).astype(int), 0, c.shape[1] - 1)
    dx = (ln_u - _LN_U[seg])[:, None]
    if c.shape[2] == 1:
        rows, w = np.zeros((ln_u.size, 1), int), np.ones((ln_u.size, 1))
    else:
        hn = _N_GRID[1] - _N_GRID[0]
        pos = (n - _N_GRID[0]) / hn
        base = np.clip(np.floor(pos).astype(int) - 1, 0, _N_GRID.size - 4)
        rows = base[:, None] + np.arange(4)
        x = (pos - base)[:, None]  # in [1, 2] inside the grid: nodes at 0, 1, 2, 3
        nodes = np.arange(4.0)
        w = np.ones((ln_u.size, 4))
        for k in range(4):
            for j in range(4):
                if j != k:
                    w[:, k] *= (x[:, 0] - nodes[j]) / (nodes[k] - nodes[j])
    cs = c[:, seg[:, None], rows]  # (4, points, rows)
    vals = ((cs[0] * dx + cs[1]) * dx + cs[2]) * dx + cs[3]
    return np.sum(vals * w, axis=1)


def unit_step(
    t: np.ndarray,
    tau: np.ndarray,
    n: np.ndarray | float = 1.0,
    shape: str = "zarc",
    *,
    m: int | None = None,
) -> np.ndarray:
    """Unit step response a(t) of a process (0 at t = 0, 1 at t -> infinity).

    Parameters
    ----------
    t
        Times [s], shape (n_t,) (common to all processes) or (n_proc, n_t).
    tau
        Time constants [s], shape (n_proc,).
    n
        CPE exponents (for ``shape="zarc"`` and ``"wa"``), scalar or (n_proc,), in (0, 1].
    shape
        ``"zarc"`` (R||CPE, Mittag-Leffler response), ``"ws"`` (finite-length
        diffusion), ``"wo"`` (finite-space diffusion), ``"wsph"`` (spherical
        diffusion) or ``"wa"`` (anomalous finite-space diffusion, the element ``Wa``:
        R coth(y)/y with y = (s tau)^(n/2), exponent ``n``), the last three without their
        capacitive (``wa``: CPE, R/(s tau)^n) branch, scaled to unit DC resistance (the
        element's DC resistance is :data:`DC_FRACTION` of its R). ``wa`` with n = 1 is
        ``wo``; for n < 1 it approaches 1 slowly, as 1 - (t/tau)^-n / (15 Gamma(1 - n)).
    m
        ``None`` (default): a depends on t only through t/tau (and n), so it is read
        from a spline table of the exact response (:func:`_table`, built once per shape,
        absolute error below 1e-6, as 20 Talbot nodes); t/tau outside 1e-20..1e20 and n outside 0.3..1.03 are
        inverted exactly. An integer: Talbot inversion with ``m`` nodes
        (:mod:`ohmslice.impedance.timedomain`; 20 gives ~1e-6, 32 ~1e-10).

    Returns
    -------
    a, shape (n_proc, n_t).

    Raises
    ------
    InputError
        Unknown ``shape``.
    """
    if shape not in SHAPES:
        raise InputError(f"unknown process shape '{shape}'; expected one of {SHAPES}")
    tau = np.atleast_1d(np.asarray(tau, dtype=float))
    n = np.broadcast_to(np.asarray(n, dtype=float), tau.shape)
    t = np.asarray(t, dtype=float)
    t2 = np.broadcast_to(t, (tau.size, t.shape[-1]))
    pos = t2 > 0
    tp = t2[pos]
    taup = np.broadcast_to(tau[:, None], t2.shape)[pos]
    np_ = np.broadcast_to(n[:, None], t2.shape)[pos]
    out = np.zeros(t2.shape)
    if m is not None:
        out[pos] = _exact_step(tp, taup, np_, shape, m)
        return out
    with np.errstate(divide="ignore", invalid="ignore"):
        ln_u = np.log(tp / taup)
    has_n = shape in ("zarc", "wa")
    table = np.abs(ln_u) <= _LN_U[-1]
    if has_n:
        table &= (np_ >= _N_GRID[0]) & (np_ <= _N_GRID[-2])
    vals = np.empty(tp.size)
    vals[table] = _from_table(shape, ln_u[table], np_[table])
    rest = ~table
    if rest.any():
        vals[rest] = _exact_step(tp[rest], taup[rest], np_[rest], shape, DEFAULT_NODES)
    out[pos] = vals
    return out


def _log_root(grid: np.ndarray, f: np.ndarray) -> np.ndarray:
    """First sign change (+ to -) of each row of f on the log-time grid; NaN if none."""
    neg = f <= 0
    has = neg.any(axis=1)
    first = np.argmax(neg, axis=1)
    j = np.clip(first, 1, grid.size - 1)
    rows = np.arange(f.shape[0])
    f0, f1 = f[rows, j - 1], f[rows, j]
    lg = np.log(grid)
    frac = np.where(f0 != f1, f0 / (f0 - f1), 0.5)
    out = np.exp(lg[j - 1] + frac * (lg[j] - lg[j - 1]))
    out[~has] = np.nan
    out[has & (first == 0)] = grid[0]
    return out


def boundary_times(
    taus: np.ndarray,
    ns: np.ndarray | None = None,
    rs: np.ndarray | None = None,
    *,
    rule: str = "balanced",
    fraction: float = 0.95,
    shapes: tuple[str, ...] | None = None,
    grid_points_per_decade: int = 40,
) -> np.ndarray:
    """Boundary times between consecutive processes, for many pulses at once.

    Parameters
    ----------
    taus
        Time constants [s], shape (n_pulses, n_proc), increasing along axis 1.
    ns
        CPE exponents, same shape (1 for an RC); default 1.
    rs
        Resistances [Ohm] of the processes (only ratios matter), same shape; required
        by ``rule="balanced"``.
    rule
        ``"balanced"``, ``"fraction"`` or ``"geometric"`` (module docstring).
    fraction
        For ``rule="fraction"``: the share of process k reached at boundary k.
    shapes
        Step-response shape of each process (see :func:`unit_step`); default all
        ``"zarc"``.

    Returns
    -------
    Boundary times [s], shape (n_pulses, n_proc - 1).

    Raises
    ------
    InputError
        Unknown rule, shapes/arrays of mismatched size, non-positive taus, ``rs`` missing
        for the balanced rule, ``fraction`` outside (0, 1).
    """
    taus = np.atleast_2d(np.asarray(taus, dtype=float))
    n_pulse, n_proc = taus.shape
    if rule not in RULES:
        raise InputError(f"unknown boundary rule '{rule}'; expected one of {RULES}")
    if n_proc < 2:
        raise InputError("boundaries need at least two processes")
    if not np.all(np.isfinite(taus) & (taus > 0)):
        raise InputError("time constants must be finite and > 0")
    ns = np.ones_like(taus) if ns is None else np.broadcast_to(np.asarray(ns, float), taus.shape)
    shapes = ("zarc",) * n_proc if shapes is None else tuple(shapes)
    if len(shapes) != n_proc:
        raise InputError(f"{len(shapes)} shapes given for {n_proc} processes")
    if rule == "geometric":
        return np.sqrt(taus[:, :-1] * taus[:, 1:])
    if rule == "fraction" and not 0 < fraction < 1:
        raise InputError(f"fraction must be in (0, 1), got {fraction}")
    if rule == "balanced":
        if rs is None:
            raise InputError("the balanced boundary rule needs the processes' resistances")
        rs = np.broadcast_to(np.asarray(rs, float), taus.shape)
        if not np.all(np.isfinite(rs) & (rs >= 0)):
            raise InputError("process resistances must be finite and >= 0")

    lo = np.log10(taus.min()) - 3
    hi = np.log10(taus.max()) + 3
    grid = np.logspace(lo, hi, int((hi - lo) * grid_points_per_decade) + 1)
    # a[p, j, :] = unit step of process j of pulse p on the grid
    a = np.empty((n_pulse, n_proc, grid.size))
    for j, shape in enumerate(shapes):
        a[:, j] = unit_step(grid, taus[:, j], ns[:, j], shape)
    out = np.empty((n_pulse, n_proc - 1))
    for k in range(n_proc - 1):
        if rule == "fraction":
            f = a[:, k] - fraction
            out[:, k] = _log_root(grid, -f)
        else:
            missing = np.sum((1 - a[:, : k + 1]) * rs[:, : k + 1, None], axis=1)
            present = np.sum(a[:, k + 1 :] * rs[:, k + 1 :, None], axis=1)
            out[:, k] = _log_root(grid, missing - present)
    bad = ~np.isfinite(out)
    if bad.any():  # e.g. a vanishing process: fall back to the log midpoint
        geo = np.sqrt(taus[:, :-1] * taus[:, 1:])
        out[bad] = geo[bad]
    return out
