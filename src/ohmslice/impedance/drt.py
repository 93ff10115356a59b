"""Distribution of relaxation times (DRT) by non-negative Tikhonov regularisation.

Model (Z = Z' + jZ'', capacitive Z'' < 0):

.. math::

    Z(\\omega) = R_\\infty + j\\omega L + \\frac{1}{j\\omega C} + \\int_{-\\infty}^{\\infty}
        \\frac{\\gamma(\\ln\\tau)}{1 + j\\omega\\tau}\\, d\\ln\\tau ,
    \\qquad \\gamma(y) = \\sum_n x_n\\, \\phi(y - y_n) \\ge 0

:math:`\\gamma` [Ohm] is expanded on basis functions centred at log-spaced
:math:`y_n = \\ln\\tau_n`: Gaussian radial basis functions
:math:`\\phi(y) = e^{-(\\varepsilon y)^2}` (``basis="rbf"``, as pyDRTtools [1]_ and
pyimpspec's TR-RBF) or piecewise-linear hat functions (``basis="pwl"``). The shape factor
is :math:`\\varepsilon = c \\cdot 2\\sqrt{\\ln 2}/\\Delta` where :math:`\\Delta` is the
mean spacing of :math:`y_n` and ``c = fwhm_coeff`` (so the full width at half maximum of
each Gaussian is :math:`\\Delta/c`), pyDRTtools' "FWHM coefficient" convention. The
matrices mapping :math:`x` to Z' and Z'' are integrals of the basis against the Debye
kernel; they are built all at once by trapezoidal quadrature on the basis variable
(spectrally accurate for a Gaussian times an analytic kernel; Gauss-Legendre on each side
of a hat), and cached per frequency/tau grid.

Estimate: :math:`\\min_x \\lVert W(Ax - b)\\rVert^2 + \\lambda\\, x^T M x` subject to
:math:`x \\ge 0` and :math:`L \\ge 0`, where :math:`x^T M x = \\int (d^k\\gamma/dy^k)^2 dy`
(``order`` k = 1 by default, as pyDRTtools' default; 0 and 2 also available; closed form
for the Gaussian). :math:`R_\\infty` is free (any sign) and eliminated exactly by
projecting the real-part rows on the complement of its column. The problem is reduced to
a square NNLS through the Cholesky factor of :math:`A^TA + \\lambda M` and solved with
:func:`scipy.optimize.nnls`. ``weighting="unit"`` (default, as pyDRTtools) uses W = I;
``"modulus"`` weights each row by :math:`\\mathrm{median}|Z|/|Z_i|`.

Choice of :math:`\\lambda`: ``"gcv"`` (default) minimises Wahba's generalised
cross-validation score :math:`n\\lVert r\\rVert^2/\\operatorname{tr}(I-H)^2` of the
*unconstrained* Tikhonov solution (the usual approximation for the non-negative problem,
as in pyDRTtools); ``"lcurve"`` takes the point of largest curvature of
(:math:`\\log\\lVert r\\rVert`, :math:`\\log \\sqrt{x^TMx}`). Both are evaluated on a grid
of 12 values per decade over :math:`10^{-10} \\ldots 10^{1}` at the cost of one
generalised eigen-decomposition (the pencil :math:`(A^TA, M)` diagonalises every
:math:`\\lambda` at once); GCV is then refined on 41 values between the grid neighbours
of its minimum. The bootstrap resamples (below) re-choose lambda on the grid alone.

Uncertainty: a wild bootstrap (Rademacher signs on the fit's residuals, which keeps
their frequency-dependent size) re-selects :math:`\\lambda` and re-solves ``n_boot``
times (default 30); the standard deviation over resamples is reported for
:math:`\\gamma`, :math:`R_\\infty`, L, the total polarisation resistance and every peak's
resistance and time constant. It measures the propagation of the measurement noise, not
the bias of the regularisation.

Limits (checked before anything is allocated, :class:`~ohmslice.impedance._input.
ProblemSizeError`): at most 5000 points (:data:`~ohmslice.impedance._input.MAX_POINTS`),
:data:`MAX_TAU` = 500 basis functions, :data:`MAX_BOOT` = 200 resamples and
:data:`MAX_KERNEL_EVALUATIONS` for the basis matrices (reached only with very wide basis
functions: a small ``fwhm_coeff`` or few basis functions over a wide ``tau_range_s``).
The largest accepted problem runs in seconds on two cores and its largest matrix is
~40 MB. The spectrum is checked as described in :mod:`ohmslice.impedance._input`
(at least 5 distinct frequencies; repeated frequencies are kept as extra points).

Peaks (:meth:`DrtResult.peaks`): maxima of :math:`\\gamma` on a fine grid found by
:func:`scipy.signal.find_peaks` with a prominence floor (a fraction of the largest
:math:`\\gamma`); each peak's resistance is the area of :math:`\\gamma` over
:math:`\\ln\\tau` between the minima (valleys) that separate it from its neighbours (the
grid ends outside the first and last). The areas of all peaks add up to the total
polarisation resistance. Strongly overlapping processes share their valley, so their
split is approximate. Values of :math:`\\gamma` below 1e-9 of its maximum (where the
non-negative solution sits on its bound, up to +-1e-17 of solver round-off) count as 0,
so that round-off decides neither a peak nor a valley; of several equally low points
between two peaks (a stretch of zeros) the valley is the one nearest the middle, so the
split does not depend on the BLAS build.

Measured range: the data determine time constants between :math:`1/(2\\pi f_{max})` and
:math:`1/(2\\pi f_{min})` (:attr:`DrtResult.tau_measured_s`). The basis reaches half a
decade beyond on each side so that processes just outside do not fold into the edge,
but a peak there is an extrapolation: the peak table keeps it (its area is part of
R_pol) with ``in_band = False`` and a ``flag`` saying on which side it lies, when its
tau is more than :data:`BAND_MARGIN_DECADES` (0.1 decade, about one basis spacing at the
default density) outside the measured range.

References
----------
.. [1] T. H. Wan, M. Saccoccio, C. Chen, F. Ciucci, "Influence of the discretization
   methods on the distribution of relaxation times deconvolution: implementing radial
   basis functions with DRTtools", Electrochim. Acta 184 (2015) 483-499.
.. [2] A. Maradesa et al., "Selecting the regularization parameter in the distribution
   of relaxation times", J. Electrochem. Soc. 170 (2023) 030502.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import linalg
from scipy.optimize import nnls
from scipy.signal import find_peaks

from .._blas import one_blas_thread
from .._display import Plottable
from ..errors import InputError
from ..schema import Spectrum
from ._drt_basis import (  # noqa: F401  (_CACHE: cleared by the benchmark)
    _CACHE,
    _basis_area,
    _gamma_matrix,
    _penalty,
    cache_get,
    cache_put,
    drt_basis_matrices,
    quadrature_nodes,
)
from ._input import ProblemSizeError, as_spectrum, checked_spectrum, distinct_frequencies

__all__ = ["DrtResult", "drt", "drt_basis_matrices"]

Part = Literal["both", "real", "imag"]
_LAM_GRID = np.logspace(-10, 1, 133)
_FWHM_GAUSS = 2.0 * np.sqrt(np.log(2.0))
_CACHE_SIZE = 32
#: fewest distinct frequencies the DRT accepts
MIN_FREQS = 5
#: most basis functions (``n_tau``); the default grid is capped here. The NNLS solve and
#: the eigen-decomposition grow as n_tau^3: 500 basis functions (50 per decade over a
#: 1 mHz..1 MHz spectrum, finer than the DRT can resolve) with 30 bootstrap resamples
#: take ~2 s on two cores
MAX_TAU = 500
#: most bootstrap resamples (``n_boot``): each is one more NNLS solve; the reported
#: standard deviations are within ~5 % after 200
MAX_BOOT = 200
#: a peak counts as measured within this many decades outside 1/(2 pi f_max) ..
#: 1/(2 pi f_min) (about one basis spacing at the default density of 10 per decade)
BAND_MARGIN_DECADES = 0.1
#: values of gamma below this fraction of its maximum count as 0 in the peak table
ZERO_FRACTION = 1e-9
#: most kernel evaluations for the basis matrices, frequencies x basis functions x
#: quadrature nodes per basis function (25 for the default Gaussian widths): the largest
#: default problem, 5000 points x 500 basis functions, needs 6.3e7 (~1.5 s)
MAX_KERNEL_EVALUATIONS = 100_000_000


# --- result -------------------------------------------------------------------------------
@dataclass(frozen=True)
class DrtResult(Plottable):
    """A DRT and what it implies.

    Attributes
    ----------
    freq_hz, z, z_fit
        Measured frequencies [Hz], measured and reconstructed impedance [Ohm].
    residuals_real, residuals_imag
        (Z - Z_fit)/|Z|, real and imaginary parts [-].
    tau_s, gamma_ohm, gamma_err_ohm
        Fine grid of time constants [s] with gamma [Ohm] (per unit ln tau) and its
        bootstrap standard deviation (zeros without bootstrap).
    tau_basis_s, x_ohm
        Basis centres [s] and their non-negative coefficients [Ohm].
    r_inf_ohm, r_inf_err_ohm
        High-frequency resistance [Ohm] and standard error.
    inductance_h, inductance_err_h
        Series inductance [H] and standard error (0 when not included).
    capacitance_f, capacitance_err_f
        Series capacitance [F] and standard error (``inf`` when not included or 1/C = 0).
    r_pol_ohm, r_pol_err_ohm
        Total polarisation resistance, the area of gamma over ln tau [Ohm].
    lam, lam_method
        Regularisation parameter used and how it was chosen (``"gcv"``, ``"lcurve"``,
        ``"fixed"``); :attr:`lambda_choice` says it in a sentence.
    settings
        basis, shape, order, epsilon, fwhm_coeff, part, weighting, n_boot, ...
    """

    freq_hz: np.ndarray
    z: np.ndarray
    z_fit: np.ndarray
    residuals_real: np.ndarray
    residuals_imag: np.ndarray
    tau_s: np.ndarray
    gamma_ohm: np.ndarray
    gamma_err_ohm: np.ndarray
    tau_basis_s: np.ndarray
    x_ohm: np.ndarray
    r_inf_ohm: float
    r_inf_err_ohm: float
    inductance_h: float
    inductance_err_h: float
    capacitance_f: float
    capacitance_err_f: float
    r_pol_ohm: float
    r_pol_err_ohm: float
    lam: float
    lam_method: str
    settings: dict[str, Any]
    gamma_boot: np.ndarray = field(repr=False)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def tau_measured_s(self) -> tuple[float, float]:
        """The time constants the data determine [s]: 1/(2 pi f_max), 1/(2 pi f_min)."""
        return (
            float(1.0 / (2 * np.pi * np.max(self.freq_hz))),
            float(1.0 / (2 * np.pi * np.min(self.freq_hz))),
        )

    @property
    def lambda_choice(self) -> str:
        """How lambda was chosen, in one sentence (with its value)."""
        lo, hi = _LAM_GRID[0], _LAM_GRID[-1]
        how = {
            "gcv": "by generalised cross-validation (the minimum of the GCV score over "
            f"{lo:.0e}..{hi:.0e})",
            "lcurve": f"at the corner of the L-curve (largest curvature over {lo:.0e}..{hi:.0e})",
            "fixed": "fixed by the user",
        }.get(self.lam_method, self.lam_method)
        text = f"lambda = {self.lam:.3g}, {how}"
        if self.lam_method != "fixed" and self.settings.get("lambda_at_bound"):
            text += "; at the end of its search range, so the choice is not a true optimum"
        return text

    def peaks(self, prominence: float = 0.02) -> pd.DataFrame:
        """One row per process: its time constant, frequency and resistance.

        Parameters
        ----------
        prominence
            Prominence floor as a fraction of the largest gamma [-]; smaller maxima are
            taken as ripples of their neighbour.

        Returns
        -------
        pandas.DataFrame
            ``tau_s``, ``tau_err_s`` (bootstrap standard deviation of the maximum within
            the peak's interval), ``f_peak_Hz`` = 1/(2 pi tau), ``r_ohm`` and
            ``r_err_ohm`` (area of gamma over ln tau between the valleys), ``gamma_ohm``
            (peak height), ``tau_lo_s``/``tau_hi_s`` (the integration interval),
            ``in_band`` (the peak lies within the measured range
            :attr:`tau_measured_s`, widened by 0.1 decade) and ``flag`` (empty, or why
            the peak is not a measured time constant: faster than the highest or slower
            than the lowest measured frequency), sorted by increasing tau. A peak
            outside the band is kept: its area is resistance the data do show, only its
            position is extrapolated.
        """
        y = np.log(self.tau_s)
        cols = ["tau_s", "tau_err_s", "f_peak_Hz", "r_ohm", "r_err_ohm", "gamma_ohm"]
        cols += ["tau_lo_s", "tau_hi_s", "in_band", "flag"]
        if not np.any(self.gamma_ohm > 0):
            return pd.DataFrame(columns=cols)
        # the solver leaves +-1e-17 round-off where gamma sits on its bound 0: set it to
        # 0 so that it decides neither the peaks nor the valleys
        tiny = ZERO_FRACTION * float(self.gamma_ohm.max())
        g = np.where(self.gamma_ohm > tiny, self.gamma_ohm, 0.0)
        idx, _ = find_peaks(np.r_[0.0, g, 0.0], prominence=prominence * g.max())
        idx = idx - 1
        if idx.size == 0:
            return pd.DataFrame(columns=cols)
        valleys = []
        for a, b in zip(idx[:-1], idx[1:], strict=True):
            # the lowest point between the peaks; of several equally low ones (a stretch
            # of zeros, or stretches separated by bumps too small to be peaks) the one
            # nearest the middle
            seg = g[a : b + 1]
            low = np.flatnonzero(seg <= seg.min() + tiny)
            valleys.append(a + int(low[np.argmin(np.abs(2 * low - (b - a)))]))
        edges = np.array([0, *valleys, g.size - 1])
        # cumulative trapezoid over ln tau, for the estimate and for every resample
        gg = np.vstack([g, self.gamma_boot]) if self.gamma_boot.size else g[None, :]
        cum = np.concatenate(
            [np.zeros((gg.shape[0], 1)), np.cumsum(0.5 * (gg[:, 1:] + gg[:, :-1]) * np.diff(y), 1)],
            axis=1,
        )
        area = cum[:, edges[1:]] - cum[:, edges[:-1]]
        y_peak = np.empty((gg.shape[0], idx.size))
        for k, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
            j = a + np.argmax(gg[:, a : b + 1], axis=1)
            y_peak[:, k] = _refine(y, gg, j)
        tau = np.exp(y_peak)
        nb = gg.shape[0] - 1
        in_band, flags = self._band_flags(tau[0])
        return pd.DataFrame(
            {
                "tau_s": tau[0],
                "tau_err_s": tau[1:].std(axis=0, ddof=1) if nb > 1 else np.zeros(idx.size),
                "f_peak_Hz": 1.0 / (2 * np.pi * tau[0]),
                "r_ohm": area[0],
                "r_err_ohm": area[1:].std(axis=0, ddof=1) if nb > 1 else np.zeros(idx.size),
                "gamma_ohm": g[idx],
                "tau_lo_s": self.tau_s[edges[:-1]],
                "tau_hi_s": self.tau_s[edges[1:]],
                "in_band": in_band,
                "flag": flags,
            }
        )

    def _band_flags(self, tau: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Whether each tau lies in the measured range (widened by the margin), and why
        not."""
        t_fast, t_slow = self.tau_measured_s
        k = 10.0**BAND_MARGIN_DECADES
        fast, slow = tau < t_fast / k, tau > t_slow * k
        flags = []
        for t, is_fast, is_slow in zip(tau, fast, slow, strict=True):
            if is_fast:
                flags.append(
                    f"faster than the highest measured frequency: tau {t:.2g} s < "
                    f"1/(2 pi f_max) = {t_fast:.2g} s, position extrapolated"
                )
            elif is_slow:
                flags.append(
                    f"slower than the lowest measured frequency: tau {t:.2g} s > "
                    f"1/(2 pi f_min) = {t_slow:.2g} s, position extrapolated"
                )
            else:
                flags.append("")
        return ~(fast | slow), flags

    def interval(self, tau_lo_s: float, tau_hi_s: float) -> dict[str, float]:
        """Resistance and time constant of gamma between two time constants.

        Returns ``r_ohm`` (area of gamma over ln tau on [tau_lo_s, tau_hi_s]),
        ``tau_s`` (position of the largest gamma inside) and their bootstrap standard
        errors ``r_err_ohm``, ``tau_err_s`` (0 without bootstrap). Useful to read a
        process off the DRT between given boundaries, or to group several peaks.
        """
        if not 0 < tau_lo_s < tau_hi_s:
            raise InputError(
                f"interval ({tau_lo_s}, {tau_hi_s}); expected 0 < tau_lo_s < tau_hi_s [s]"
            )
        inside = np.flatnonzero((self.tau_s >= tau_lo_s) & (self.tau_s <= tau_hi_s))
        if inside.size < 3:
            return {"r_ohm": 0.0, "r_err_ohm": 0.0, "tau_s": np.nan, "tau_err_s": np.nan}
        y = np.log(self.tau_s[inside])
        gg = self.gamma_ohm[None, inside]
        if self.gamma_boot.size:
            gg = np.vstack([gg, self.gamma_boot[:, inside]])
        area = np.sum(0.5 * (gg[:, 1:] + gg[:, :-1]) * np.diff(y), axis=1)
        tau = np.exp(_refine(y, gg, np.argmax(gg, axis=1)))
        nb = gg.shape[0] - 1
        return {
            "r_ohm": float(area[0]),
            "r_err_ohm": float(area[1:].std(ddof=1)) if nb > 1 else 0.0,
            "tau_s": float(tau[0]),
            "tau_err_s": float(tau[1:].std(ddof=1)) if nb > 1 else 0.0,
        }

    def summary(self) -> dict[str, Any]:
        """Scalars and settings as a JSON-ready dict."""
        return {
            "r_inf_ohm": self.r_inf_ohm,
            "r_inf_err_ohm": self.r_inf_err_ohm,
            "inductance_h": self.inductance_h,
            "inductance_err_h": self.inductance_err_h,
            "capacitance_f": None if np.isinf(self.capacitance_f) else self.capacitance_f,
            "capacitance_err_f": None
            if np.isinf(self.capacitance_err_f)
            else self.capacitance_err_f,
            "r_pol_ohm": self.r_pol_ohm,
            "r_pol_err_ohm": self.r_pol_err_ohm,
            "lambda": self.lam,
            "lambda_method": self.lam_method,
            "lambda_choice": self.lambda_choice,
            "tau_measured_s": list(self.tau_measured_s),
            "rms_residual": float(
                np.sqrt(np.mean(self.residuals_real**2 + self.residuals_imag**2) / 2)
            ),
            **{k: v for k, v in self.settings.items() if np.isscalar(v) or v is None},
            "source": self.meta.get("source"),
        }


def _refine(y: np.ndarray, gg: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Parabolic refinement of the maximum at index j of each row of gg, in y."""
    j = np.clip(j, 1, y.size - 2)
    r = np.arange(gg.shape[0])
    g0, g1, g2 = gg[r, j - 1], gg[r, j], gg[r, j + 1]
    den = g0 - 2 * g1 + g2
    safe = np.where(den < 0, den, -1.0)
    shift = np.where(den < 0, 0.5 * (g0 - g2) / safe, 0.0)
    return y[j] + np.clip(shift, -1, 1) * (y[1] - y[0])


# --- regularised solve --------------------------------------------------------------------
class _Problem:
    """Weighted, R_inf-projected system with the (A^T A, M) pencil diagonalised."""

    def __init__(self, a: np.ndarray, m: np.ndarray, n_dof_removed: int) -> None:
        self.a = a
        self.m = m
        self.s = a.T @ a
        self.n_eff = a.shape[0] - n_dof_removed
        tm = np.trace(m)
        self.alpha = np.trace(self.s) / tm if tm > 0 else 1.0
        g0 = self.s + self.alpha * m
        g0 += 1e-13 * np.trace(g0) / g0.shape[0] * np.eye(g0.shape[0])
        theta, v = linalg.eigh(self.s, g0)
        self.theta = np.clip(theta, 0.0, 1.0)
        self.v = v

    def curves(self, b: np.ndarray, lams: np.ndarray, exact: bool = True) -> tuple[np.ndarray, ...]:
        """Residual norm^2, seminorm^2 and trace(H) of the unconstrained solution per lambda.

        ``exact=False`` uses the closed form |b|^2 - 2 sum c^2/D + sum theta c^2/D^2
        (no matrix product; loses digits only when the residual is ~1e-7 of |b|).
        """
        c = self.v.T @ (self.a.T @ b)
        mu = lams[None, :] / self.alpha
        d = self.theta[:, None] + mu * (1.0 - self.theta[:, None])
        d = np.maximum(d, 1e-300)
        c2 = c[:, None] ** 2
        if exact:
            r2 = np.sum((b[:, None] - self.a @ (self.v @ (c[:, None] / d))) ** 2, axis=0)
        else:
            r2 = b @ b - np.sum(c2 * (2.0 - self.theta[:, None] / d) / d, axis=0)
        eta2 = np.sum(c2 * (1.0 - self.theta[:, None]) / d**2, axis=0) / self.alpha
        tr = np.sum(self.theta[:, None] / d, axis=0)
        return np.maximum(r2, 0.0), eta2, tr

    def gcv(self, b: np.ndarray, lams: np.ndarray, exact: bool = True) -> np.ndarray:
        r2, _, tr = self.curves(b, lams, exact)
        return self.n_eff * r2 / np.maximum(self.n_eff - tr, 1e-12) ** 2

    def choose(self, b: np.ndarray, how: str, refine: bool = True) -> float:
        """Lambda by GCV (grid, then a finer grid around the best) or by L-curve."""
        grid = _LAM_GRID
        if how == "gcv":
            k = int(np.argmin(self.gcv(b, grid, exact=refine)))
            if not refine:
                return float(grid[k])
            fine = np.geomspace(grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)], 41)
            return float(fine[int(np.argmin(self.gcv(b, fine)))])
        r2, eta2, _ = self.curves(b, grid)
        xr, ye = 0.5 * np.log(np.maximum(r2, 1e-300)), 0.5 * np.log(np.maximum(eta2, 1e-300))
        t = np.log(grid)
        dx, dy = np.gradient(xr, t), np.gradient(ye, t)
        ddx, ddy = np.gradient(dx, t), np.gradient(dy, t)
        kappa = (dx * ddy - ddx * dy) / np.maximum((dx**2 + dy**2) ** 1.5, 1e-300)
        return float(grid[int(np.argmax(kappa[2:-2])) + 2])

    def solve(self, b: np.ndarray, lam: float) -> np.ndarray:
        """Non-negative minimiser of |Ax - b|^2 + lam x^T M x."""
        g = self.s + lam * self.m
        g += 1e-13 * np.trace(g) / g.shape[0] * np.eye(g.shape[0])
        c = linalg.cholesky(g, lower=False)
        d = linalg.solve_triangular(c, self.a.T @ b, trans="T", lower=False)
        return nnls(c, d, maxiter=50 * g.shape[0])[0]


_PROBLEMS: OrderedDict[bytes, _Problem] = OrderedDict()


def _problem(a: np.ndarray, m: np.ndarray, n_dof_removed: int) -> _Problem:
    """The diagonalised problem for this system, cached (same grid and weights)."""
    key = a.tobytes() + m.tobytes() + bytes([n_dof_removed])
    hit = cache_get(_PROBLEMS, key)
    if hit is None:
        hit = _Problem(a, m, n_dof_removed)
        nbytes = len(key) + sum(v.nbytes for v in (hit.a, hit.m, hit.s, hit.v, hit.theta))
        cache_put(_PROBLEMS, key, hit, nbytes, _CACHE_SIZE)
    return hit


def _tau_grid(f: np.ndarray, n_tau: int | None, tau_range: tuple[float, float] | None):
    """Basis centres: ``n_tau`` (default: the density of the distinct frequencies per
    decade, at least 4, over the range; between 5 and MAX_TAU) log-spaced over
    ``tau_range`` (default 1/(2 pi f_max) / 10^0.5 .. 1/(2 pi f_min) * 10^0.5)."""
    decades = np.log10(f.max() / f.min())
    if tau_range is None:
        ext = 0.5
        lo = 1.0 / (2 * np.pi * f.max()) / 10**ext
        hi = 1.0 / (2 * np.pi * f.min()) * 10**ext
    else:
        lo, hi = sorted(float(v) for v in tau_range)
    if n_tau is None:
        ppd = max((distinct_frequencies(f) - 1) / max(decades, 1e-9), 4.0)
        n_tau = min(max(int(round(ppd * np.log10(hi / lo))) + 1, 5), MAX_TAU)
    return np.geomspace(lo, hi, int(n_tau))


@one_blas_thread
def drt(
    spectrum: Spectrum | tuple[np.ndarray, np.ndarray],
    *,
    basis: Literal["rbf", "pwl"] = "rbf",
    shape: Literal["gaussian"] = "gaussian",
    part: Part = "both",
    lam: str | float = "gcv",
    order: int = 1,
    fwhm_coeff: float = 0.5,
    n_tau: int | None = None,
    tau_range_s: tuple[float, float] | None = None,
    include_inductance: bool = True,
    include_capacitance: bool = False,
    r_inf: bool = True,
    weighting: Literal["unit", "modulus"] = "unit",
    n_boot: int = 30,
    seed: int = 0,
) -> DrtResult:
    """Distribution of relaxation times of ``spectrum`` (see the module docstring).

    Parameters
    ----------
    spectrum
        Impedance spectrum [Ohm]: at least 5 distinct frequencies, at most 5000 points
        (checked before any numerics, see :mod:`ohmslice.impedance._input`).
    basis, shape
        ``"rbf"`` with a ``"gaussian"`` shape, or ``"pwl"`` (piecewise linear).
    part
        Fit ``"both"`` parts of Z, only the ``"real"`` part (L then from the imaginary
        remainder) or only the ``"imag"`` part (R_inf then from the real remainder).
    lam
        ``"gcv"`` (default), ``"lcurve"`` or a fixed value > 0.
    order
        Derivative order penalised: 0, 1 (default) or 2.
    fwhm_coeff
        Basis width: FWHM = spacing / fwhm_coeff (pyDRTtools' coefficient, default 0.5).
    n_tau, tau_range_s
        Number of basis centres (5 to 500) and their range [s]; default: from
        1/(2 pi f_max) / 10^0.5 to 1/(2 pi f_min) * 10^0.5 at the data's density
        of distinct frequencies per decade (at least 4 per decade), but no more than 500
        basis functions (denser spectra get 500 spread over the range; the number used
        is ``settings["n_tau"]``).
    include_inductance
        Fit a series inductance L >= 0 [H].
    include_capacitance
        Fit a series capacitance C > 0 [F] (1/C >= 0), for spectra whose low-frequency
        end is capacitive (blocking electrodes, reflective ``Wo`` diffusion): without it
        that capacitance appears as gamma growing at the long-tau end of the grid.
    r_inf
        Fit a series resistance R_inf [Ohm] (any sign); False fixes it at 0.
    weighting
        ``"unit"`` or ``"modulus"`` (rows scaled by median|Z|/|Z_i|).
    n_boot
        Wild-bootstrap resamples for the uncertainties (0 switches them off; at most
        200).
    seed
        Seed of the bootstrap's random signs.

    Returns
    -------
    DrtResult

    Raises
    ------
    AnalysisInputError
        A spectrum the DRT cannot use, refused before any numerics: fewer than 5
        distinct frequencies, frequencies outside 1e-6..1e9 Hz, impedances of 0 Ohm, a
        single frequency; :class:`~ohmslice.impedance._input.ProblemSizeError` above a
        size limit (5000 points, 500 basis functions, 200 resamples, or basis functions
        so wide that their matrices would need over 1e8 kernel evaluations).
    InputError
        An option outside its allowed values.
    """
    spectrum = as_spectrum(spectrum)
    src = spectrum.source
    _check_options(src, basis, shape, part, lam, order, fwhm_coeff, n_tau, weighting, n_boot)
    _check_tau_range(src, tau_range_s)
    spectrum = checked_spectrum(spectrum, analysis="the DRT", min_freqs=MIN_FREQS)
    f, z = spectrum.freq, spectrum.z
    omega = 2 * np.pi * f
    tau_b = _tau_grid(f, n_tau, tau_range_s)
    y = np.log(tau_b)
    eps = fwhm_coeff * _FWHM_GAUSS / float(np.mean(np.diff(y)))
    work = f.size * tau_b.size * quadrature_nodes(eps, basis)
    if not work <= MAX_KERNEL_EVALUATIONS:
        raise ProblemSizeError(
            f"basis functions this wide (fwhm_coeff={fwhm_coeff:g}, {tau_b.size} over "
            f"{np.log10(tau_b[-1] / tau_b[0]):.3g} decades of tau) would need {work:.2g} "
            f"kernel evaluations on {f.size} points; the DRT is limited to "
            f"{MAX_KERNEL_EVALUATIONS:.0e}: use a larger fwhm_coeff, more basis functions "
            "or a narrower tau range",
            path=src,
        )
    a_re_b, a_im_b = drt_basis_matrices(f, tau_b, eps, basis)
    w = np.ones(f.size) if weighting == "unit" else np.median(np.abs(z)) / np.abs(z)

    use_re, use_im = part in ("both", "real"), part in ("both", "imag")
    # series reactances, columns scaled to unit maximum: L (omega L), C (-1/(omega C))
    series = []
    if include_inductance:
        series.append(("L", omega / omega.max(), 1.0 / omega.max()))
    if include_capacitance:
        series.append(("C", -omega.min() / omega, omega.min()))
    s_cols = np.column_stack([c for _, c, _ in series]) if series else np.zeros((f.size, 0))
    s_scale = np.array([k for _, _, k in series])
    n_s = s_cols.shape[1] if use_im else 0
    blocks = []
    if use_re:
        a_re = np.hstack([np.zeros((f.size, n_s)), a_re_b]) * w[:, None]
        if r_inf:  # project out the free R_inf column (w) exactly
            a_re = a_re - np.outer(w, w @ a_re) / (w @ w)
        blocks.append(a_re)
    if use_im:
        blocks.append(np.hstack([s_cols, a_im_b]) * w[:, None])
    a = np.vstack(blocks)

    def rhs(zd: np.ndarray) -> np.ndarray:
        out = []
        if use_re:
            b_re = zd.real * w
            out.append(b_re - w * (w @ b_re) / (w @ w) if r_inf else b_re)
        if use_im:
            out.append(zd.imag * w)
        return np.concatenate(out)

    def unpack(xv: np.ndarray, zd: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """R_inf, series values (L [H], 1/C [1/F]) and basis coefficients."""
        xb = xv[n_s:]
        zb = a_re_b @ xb + 1j * (a_im_b @ xb)
        rinf = float(np.sum(w**2 * (zd.real - zb.real)) / np.sum(w**2)) if r_inf else 0.0
        if use_im:
            sv = xv[:n_s]
        elif series:  # real-only fit: series terms from the imaginary remainder
            sv = np.linalg.lstsq(s_cols * w[:, None], w * (zd.imag - zb.imag), rcond=None)[0]
        else:
            sv = np.zeros(0)
        return rinf, sv * s_scale, xb

    def model(rinf: float, sv: np.ndarray, xb: np.ndarray) -> np.ndarray:
        reactance = (s_cols / s_scale) @ sv if series else 0.0
        return rinf + 1j * reactance + a_re_b @ xb + 1j * (a_im_b @ xb)

    def named(sv: np.ndarray) -> tuple[float, float]:
        vals = dict(zip([n for n, _, _ in series], sv, strict=True))
        inv_c = vals.get("C", 0.0)
        return float(vals.get("L", 0.0)), float(1.0 / inv_c) if inv_c > 0 else np.inf

    p = a.shape[1]
    m = np.zeros((p, p))
    m[n_s:, n_s:] = _penalty(y, eps, basis, order)
    prob = _problem(a, m, int(use_re and r_inf))
    b = rhs(z)
    if isinstance(lam, str):
        lam_value, lam_method = prob.choose(b, lam), lam
    else:
        lam_value, lam_method = float(lam), "fixed"
    r_inf_v, s_v, xb = unpack(prob.solve(b, lam_value), z)
    z_fit = model(r_inf_v, s_v, xb)
    l_v, c_v = named(s_v)
    area = _basis_area(y, eps, basis)
    # gamma on 10 points per basis spacing; Gaussians reach ~4 spacings past the end ones
    dy = float(np.mean(np.diff(y)))
    pad = 4 if basis == "rbf" else 0
    y_fine = np.linspace(y[0] - pad * dy, y[-1] + pad * dy, 10 * (y.size - 1 + 2 * pad) + 1)
    bmat = _gamma_matrix(y_fine, y, eps, basis)
    gamma = bmat @ xb

    # wild bootstrap: the fit's residuals with random signs, lambda re-chosen each time
    boots = np.zeros((0, y_fine.size))
    errs = {"r_inf": 0.0, "l": 0.0, "c": 0.0, "r_pol": 0.0}
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        e = z - z_fit
        signs = rng.choice((-1.0, 1.0), size=(n_boot, 2, f.size))
        xs = np.empty((n_boot, xb.size))
        rs, ls, cs = np.empty(n_boot), np.empty(n_boot), np.empty(n_boot)
        for i in range(n_boot):
            zi = z_fit + e.real * signs[i, 0] + 1j * e.imag * signs[i, 1]
            bi = rhs(zi)
            lam_i = prob.choose(bi, lam, refine=False) if isinstance(lam, str) else lam_value
            rs[i], si, xs[i] = unpack(prob.solve(bi, lam_i), zi)
            ls[i], cs[i] = named(si)
        boots = xs @ bmat.T
        errs = {
            "r_inf": float(rs.std(ddof=1)),
            "l": float(ls.std(ddof=1)),
            "c": float(cs.std(ddof=1)) if np.all(np.isfinite(cs)) else np.inf,
            "r_pol": float((xs @ area).std(ddof=1)),
        }
        if not include_capacitance:
            errs["c"] = 0.0
    gamma_err = boots.std(axis=0, ddof=1) if n_boot > 0 else np.zeros_like(gamma)
    return DrtResult(
        freq_hz=f,
        z=z,
        z_fit=z_fit,
        residuals_real=((z - z_fit) / np.abs(z)).real,
        residuals_imag=((z - z_fit) / np.abs(z)).imag,
        tau_s=np.exp(y_fine),
        gamma_ohm=gamma,
        gamma_err_ohm=gamma_err,
        tau_basis_s=tau_b,
        x_ohm=xb,
        r_inf_ohm=r_inf_v,
        r_inf_err_ohm=errs["r_inf"],
        inductance_h=l_v,
        inductance_err_h=errs["l"],
        capacitance_f=c_v,
        capacitance_err_f=errs["c"],
        r_pol_ohm=float(xb @ area),
        r_pol_err_ohm=errs["r_pol"],
        lam=lam_value,
        lam_method=lam_method,
        settings={
            "basis": basis,
            "shape": shape if basis == "rbf" else None,
            "order": order,
            "fwhm_coeff": fwhm_coeff,
            "epsilon": eps,
            "spacing_ln_tau": dy,
            "n_tau": int(y.size),
            "part": part,
            "weighting": weighting,
            "include_inductance": include_inductance,
            "include_capacitance": include_capacitance,
            "r_inf": r_inf,
            "n_boot": n_boot,
            "lambda_at_bound": bool(lam_value <= _LAM_GRID[1] or lam_value >= _LAM_GRID[-2]),
        },
        gamma_boot=boots,
        meta={"source": src},
    )


def _check_options(src, basis, shape, part, lam, order, fwhm_coeff, n_tau, weighting, n_boot):
    if basis not in ("rbf", "pwl"):
        raise InputError(f"basis={basis!r}; expected 'rbf' or 'pwl'", path=src)
    if basis == "rbf" and shape != "gaussian":
        raise InputError(f"shape={shape!r}; expected 'gaussian'", path=src)
    if part not in ("both", "real", "imag"):
        raise InputError(f"part={part!r}; expected 'both', 'real' or 'imag'", path=src)
    if isinstance(lam, str):
        if lam not in ("gcv", "lcurve"):
            raise InputError(f"lam={lam!r}; expected 'gcv', 'lcurve' or a number > 0", path=src)
    elif not (np.isfinite(lam) and lam > 0):
        raise InputError(f"lam={lam!r}; expected 'gcv', 'lcurve' or a number > 0", path=src)
    if order not in (0, 1, 2):
        raise InputError(f"order={order!r}; expected 0, 1 or 2", path=src)
    if not (np.isfinite(fwhm_coeff) and fwhm_coeff > 0):
        raise InputError(f"fwhm_coeff={fwhm_coeff}; expected a finite number > 0", path=src)
    if n_tau is not None and n_tau < 5:
        raise InputError(f"n_tau={n_tau}; expected at least 5 basis functions", path=src)
    if n_tau is not None and n_tau > MAX_TAU:
        raise ProblemSizeError(
            f"n_tau={n_tau} basis functions; the DRT is limited to {MAX_TAU}", path=src
        )
    if weighting not in ("unit", "modulus"):
        raise InputError(f"weighting={weighting!r}; expected 'unit' or 'modulus'", path=src)
    if n_boot < 0 or n_boot == 1:
        raise InputError(f"n_boot={n_boot}; expected 0 (off) or at least 2", path=src)
    if n_boot > MAX_BOOT:
        raise ProblemSizeError(
            f"n_boot={n_boot} bootstrap resamples; the DRT is limited to {MAX_BOOT}", path=src
        )


def _check_tau_range(src, tau_range_s):
    if tau_range_s is None:
        return
    try:
        lo, hi = sorted(float(v) for v in tau_range_s)
    except (TypeError, ValueError):
        lo = hi = np.nan
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo < hi):
        raise InputError(
            f"tau_range_s={tau_range_s}; expected two different finite times > 0 [s]", path=src
        )
