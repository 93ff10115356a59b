"""Basis functions of the DRT (:mod:`ohmslice.impedance.drt`): the matrices that map
basis coefficients to Z' and Z'', the derivative penalty, and gamma on a grid.

Gaussian RBF ``phi(y) = exp(-(eps y)^2)`` on y = ln tau, or piecewise-linear hats.
``A[m, n]`` is the integral over ln tau of basis function n times the Debye kernel at
frequency m: trapezoid on the Gaussian's variable (spectrally accurate: the error is
~exp(-2 pi d / h) with d = eps pi / 2 the kernel's analytic strip, and ~exp(-pi^2/h^2)
from the Gaussian), Gauss-Legendre (16 nodes) on each side of a hat. The penalty
``x^T M x = integral (d^k gamma / dy^k)^2 dy`` has closed forms for the Gaussian
(pyDRTtools' ``inner_prod_rbf_1/2``), difference matrices for hats.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

__all__ = ["drt_basis_matrices", "quadrature_nodes"]

_CACHE: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_CACHE_SIZE = 32
#: the caches of basis matrices and of diagonalised problems each hold at most this many
#: bytes (entries, oldest first, are dropped beyond it)
CACHE_BYTES = 256 * 2**20
#: kernel values evaluated at once: the (frequencies x basis x nodes) array is built in
#: blocks of frequencies of about this many elements (~16 MB per temporary)
_BLOCK = 2**21
#: Gauss-Legendre nodes on each side of a hat function
_PWL_NODES = 16


def cache_put(cache: OrderedDict, key: Any, value: Any, nbytes: int, max_items: int) -> None:
    """Store ``value`` (of ``nbytes``, key included) in the LRU ``cache``, dropping the
    oldest entries beyond ``max_items`` entries or :data:`CACHE_BYTES` bytes in total."""
    if nbytes > CACHE_BYTES:
        return
    cache[key] = (value, nbytes)
    total = sum(b for _, b in cache.values())
    while len(cache) > max_items or total > CACHE_BYTES:
        _, (_, b) = cache.popitem(last=False)
        total -= b


def cache_get(cache: OrderedDict, key: Any) -> Any:
    """The cached value for ``key`` (marked as recently used), or None."""
    hit = cache.get(key)
    if hit is None:
        return None
    cache.move_to_end(key)
    return hit[0]


def _rbf_step(epsilon: float) -> float:
    """Trapezoid step on the Gaussian's variable s = eps (y - y_n)."""
    return min(0.5, 0.33 * epsilon)


def quadrature_nodes(epsilon: float, basis: str = "rbf") -> float:
    """Kernel evaluations per (frequency, basis function) pair of
    :func:`drt_basis_matrices`: the trapezoid nodes on [-6, 6] of a Gaussian (25 for
    epsilon >= 1.5, more for wider Gaussians), or 2 x 16 Gauss-Legendre nodes of a hat.
    A float (may be huge or infinite for a degenerate epsilon); check it before building."""
    if basis != "rbf":
        return 2.0 * _PWL_NODES
    h = _rbf_step(epsilon)
    return 12.0 / h + 1.0 if h > 0 else float("inf")


def _kernels(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Debye kernel in u = ln(omega tau): 1/(1+e^{2u}) and -e^u/(1+e^{2u}), overflow-free."""
    e = np.exp(-2.0 * np.abs(u))
    re = np.where(u > 0, e / (1.0 + e), 1.0 / (1.0 + e))
    im = -np.sqrt(e) / (1.0 + e)
    return re, im


def _hat_widths(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d = np.diff(y)
    return np.r_[d[0], d], np.r_[d, d[-1]]


def drt_basis_matrices(
    freq_hz: np.ndarray, tau_s: np.ndarray, epsilon: float, basis: str = "rbf"
) -> tuple[np.ndarray, np.ndarray]:
    """Real and imaginary DRT matrices: Z' - R_inf = A_re x, Z'' - omega L = A_im x.

    ``A[m, n]`` is the integral over ln tau of basis function n (centred at ``tau_s[n]``)
    times the Debye kernel at ``freq_hz[m]``. Results are cached per grid. The kernel
    is evaluated in blocks of frequencies, so that the temporary arrays stay near
    16 MB whatever the size of the grid; the caller bounds the total work
    (frequencies x basis functions x :func:`quadrature_nodes`).

    Parameters
    ----------
    freq_hz
        Frequencies [Hz].
    tau_s
        Basis centres [s], increasing, log-spaced (or nearly).
    epsilon
        Gaussian shape factor [1/ln s] (unused for ``basis="pwl"``).
    basis
        ``"rbf"`` (Gaussian) or ``"pwl"`` (hat functions).
    """
    f = np.ascontiguousarray(freq_hz, dtype=float)
    t = np.ascontiguousarray(tau_s, dtype=float)
    key = (f.tobytes(), t.tobytes(), float(epsilon), basis)
    hit = cache_get(_CACHE, key)
    if hit is not None:
        return hit
    lw_all = np.log(2 * np.pi * f)
    y = np.log(t)
    a_re = np.zeros((f.size, t.size))
    a_im = np.zeros((f.size, t.size))
    rows = max(1, int(_BLOCK // max(t.size * quadrature_nodes(epsilon, basis), 1.0)))
    if basis == "rbf":
        # trapezoid on s = eps*(y - y_n); error ~ exp(-2 pi d / h), d = eps*pi/2 the
        # kernel's analytic strip, and ~exp(-pi^2/h^2) from the Gaussian
        h = _rbf_step(epsilon)
        s = np.arange(-6.0, 6.0 + h / 2, h)
        wts = h * np.exp(-(s**2)) / epsilon
        for i in range(0, f.size, rows):
            lw = lw_all[i : i + rows, None, None]
            k_re, k_im = _kernels(lw + y[None, :, None] + (s / epsilon)[None, None, :])
            a_re[i : i + rows], a_im[i : i + rows] = k_re @ wts, k_im @ wts
    else:
        left, right = _hat_widths(y)
        g, gw = np.polynomial.legendre.leggauss(_PWL_NODES)
        g = 0.5 * (g + 1.0)  # nodes on (0, 1)
        gw = 0.5 * gw * (1.0 - g)  # hat value 1 - s at distance s (in widths)
        for i in range(0, f.size, rows):
            lw = lw_all[i : i + rows, None, None]
            for width, sign in ((left, -1.0), (right, 1.0)):
                u = lw + y[None, :, None] + sign * (width[:, None] * g[None, :])[None, :, :]
                k_re, k_im = _kernels(u)
                a_re[i : i + rows] += (k_re @ gw) * width[None, :]
                a_im[i : i + rows] += (k_im @ gw) * width[None, :]
    out = (a_re, a_im)
    nbytes = a_re.nbytes + a_im.nbytes + len(key[0]) + len(key[1])
    cache_put(_CACHE, key, out, nbytes, _CACHE_SIZE)
    return out


def _penalty(y: np.ndarray, epsilon: float, basis: str, order: int) -> np.ndarray:
    """x^T M x = integral of (d^order gamma / dy^order)^2 over y = ln tau."""
    if basis == "rbf":
        a = epsilon * (y[:, None] - y[None, :])
        g = np.exp(-(a**2) / 2) * np.sqrt(np.pi / 2)
        if order == 0:
            return g / epsilon
        if order == 1:
            return epsilon * (1 - a**2) * g
        return epsilon**3 * (3 - 6 * a**2 + a**4) * g
    n = y.size
    d = np.diff(y)
    if order == 0:  # mass matrix of hat functions
        left, right = _hat_widths(y)
        m = np.diag((left + right) / 3.0)
        m += np.diag(d / 6.0, 1) + np.diag(d / 6.0, -1)
        return m
    d1 = (np.eye(n, k=1) - np.eye(n))[:-1] / d[:, None]
    if order == 1:
        return d1.T @ (d1 * d[:, None])
    cell = 0.5 * (d[1:] + d[:-1])
    d2 = (d1[1:] - d1[:-1]) / cell[:, None]
    return d2.T @ (d2 * cell[:, None])


def _gamma_matrix(y_fine: np.ndarray, y: np.ndarray, epsilon: float, basis: str) -> np.ndarray:
    if basis == "rbf":
        return np.exp(-((epsilon * (y_fine[:, None] - y[None, :])) ** 2))
    left, right = _hat_widths(y)
    dy = y_fine[:, None] - y[None, :]
    return np.clip(np.where(dy < 0, 1 + dy / left, 1 - dy / right), 0.0, None)


def _basis_area(y: np.ndarray, epsilon: float, basis: str) -> np.ndarray:
    if basis == "rbf":
        return np.full(y.size, np.sqrt(np.pi) / epsilon)
    left, right = _hat_widths(y)
    return 0.5 * (left + right)
