"""Time constants from DC data: a distribution of relaxation times from one pulse and its rest.

A current pulse I of duration T, followed by a rest, into a cell whose impedance is a
series resistance plus a distribution of RC elements gives the overvoltage

    R(t) = (V(t) - OCV_before) / I
         = R0 u(t) + sum_k g_k [k(t, tau_k) - k(t - T, tau_k)] + c_ocv min(t, T)/T + c_drift t + c0,

with u(t) = 1 during the pulse and 0 after it, k(t, tau) = 1 - exp(-t/tau) for t > 0, the
ramp min(t, T)/T the OCV shift of the charge passed (thermodynamic, stays after the
pulse) and c_drift t a slow OCV drift. The g_k >= 0 on a log-spaced tau grid are found by
non-negative Tikhonov regularisation (second differences of g over ln tau), with
R0 >= 0 and the drift/offset terms free; lambda by generalised cross-validation (GCV)
of the unconstrained problem on a log grid of lambda values (:func:`gcv_curve`: one
SVD of the problem in standard form per pulse, no explicit (A'A + lam L'L)^-1). The
GCV curve of a pulse is flat (within a few per cent) over decades of lambda, so its
minimum is decided by noise; lambda is instead the largest value within one standard
error of the minimum (:func:`choose_lambda`), and :func:`gitt_drt` solves all pulses of
a GITT with one lambda, the median of their own choices. The distribution is
resolvable between about the first sample after the step and the rest length: the grid
spans [t_first / 2, t_rest / 3].

The samples are averaged into log-spaced time bins (separately for the pulse and the
rest) so that the dense samples right after each current step do not outweigh the rest.

Peaks of gamma(tau) = g / d ln tau [Ohm] are integrated between the valleys around them,
each with a standard error from the linearised covariance of the regularised solution.
The non-negative solution is exactly zero over stretches of tau; where the lowest point
between two peaks is such a stretch (or several, separated by bumps too small to count
as peaks) the valley is the zero point nearest the middle between the two peaks, so that
round-off of order 1e-17 (which differs between BLAS/LAPACK builds) cannot move it.
Use: :func:`pulse_drt` for one pulse; the time constants at SOCs where no impedance
spectrum was measured come from its peaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.linalg import solve_triangular
from scipy.optimize import nnls
from scipy.signal import find_peaks

from .._blas import one_blas_thread
from ..errors import AnalysisInputError
from .pulses import log_bins

__all__ = [
    "pulse_drt",
    "DcDrtResult",
    "regularised_nnls",
    "gcv_lambda",
    "gcv_curve",
    "gcv_scores",
    "choose_lambda",
]

#: lambda grid of the GCV search (dimensionless: the data are scaled to max |R| = 1)
LAMBDA_GRID = np.logspace(-6, 2, 65)


def _null_space_basis(reg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pseudo-inverse of L (full row rank) and an orthonormal basis of its null space."""
    _, sv, vt = np.linalg.svd(reg, full_matrices=True)
    rank = int(np.sum(sv > sv[0] * max(reg.shape) * np.finfo(float).eps))
    l_pinv = vt[:rank].T / sv[:rank]
    return l_pinv, vt[rank:].T


def gcv_curve(
    a: np.ndarray, b: np.ndarray, reg: np.ndarray, lambdas: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """GCV(lam) of min ||A x - b||^2 + lam ||L x||^2 for every lambda in ``lambdas``, and
    the residual degrees of freedom n - tr H(lam).

    GCV(lam) = n ||(I - H) b||^2 / tr(I - H)^2 with H = A (A'A + lam L'L)^-1 A'.
    Computed from the problem in standard form (Elden): with x = L^+ y + W z (W an
    orthonormal basis of the null space of L, left unregularised) the part A W is fitted
    exactly (projector Q0 Q0'), and the rest is ordinary Tikhonov in y with
    Abar = (I - Q0 Q0') A L^+ = U S V'. Then H = Q0 Q0' + U diag(s^2 / (s^2 + lam)) U'
    for every lambda from one SVD; A'A is never formed, so nothing is lost to its
    squared condition number (the fast kernel columns are nearly collinear).
    """
    lambdas = np.asarray(lambdas, dtype=float)
    n = b.size
    l_pinv, w = _null_space_basis(reg)
    aw = a @ w
    q0, r0 = np.linalg.qr(aw)
    keep = np.abs(np.diag(r0)) > np.finfo(float).eps * max(aw.shape) * np.abs(r0).max()
    q0 = q0[:, keep]
    abar = a @ l_pinv
    abar -= q0 @ (q0.T @ abar)  # (I - Q0 Q0') A L^+
    bbar = b - q0 @ (q0.T @ b)
    u, sv, _ = np.linalg.svd(abar, full_matrices=False)
    ok = sv > sv[0] * max(abar.shape) * np.finfo(float).eps
    u, s2 = u[:, ok], sv[ok] ** 2
    f = s2[:, None] / (s2[:, None] + lambdas[None, :])  # filter factors (k, n_lambda)
    c = u.T @ bbar
    resid = bbar[:, None] - u @ (f * c[:, None])  # (I - H) b, one column per lambda
    dof = np.maximum(n - q0.shape[1] - f.sum(axis=0), 1e-12)
    return n * np.sum(resid**2, axis=0) / dof**2, dof


def gcv_scores(a: np.ndarray, b: np.ndarray, reg: np.ndarray, lambdas: np.ndarray) -> np.ndarray:
    """GCV(lam) for every lambda in ``lambdas`` (see :func:`gcv_curve`)."""
    return gcv_curve(a, b, reg, lambdas)[0]


def gcv_lambda(a: np.ndarray, b: np.ndarray, reg: np.ndarray, lambdas: np.ndarray) -> float:
    """Lambda minimising the GCV function (:func:`gcv_scores`) of one problem.

    Evaluated for every lambda in ``lambdas`` (unconstrained, the usual approximation
    for the non-negative problem); returns the minimiser. :func:`choose_lambda` is the
    rule :func:`pulse_drt` and :func:`gitt_drt` use.
    """
    lambdas = np.asarray(lambdas, dtype=float)
    return float(lambdas[int(np.argmin(gcv_scores(a, b, reg, lambdas)))])


def choose_lambda(
    scores: np.ndarray, dof: np.ndarray, lambdas: np.ndarray, *, rule: str = "1se"
) -> float:
    """Lambda from the GCV curve of one problem, or one lambda for several similar ones
    (the pulses of one GITT): ``scores`` and ``dof`` (from :func:`gcv_curve`) have one
    row per problem and one column per lambda of the increasing grid ``lambdas``.

    ``rule="min"`` takes the minimum of GCV. But the GCV curve of a pulse is flat
    (within a few per cent) over decades of lambda, so where along the flat part its
    minimum falls is decided by noise: it jumps from pulse to pulse and with the grid.
    ``rule="1se"`` (default) takes the largest lambda whose GCV is within one standard
    error of the minimum -- the smoothest solution the data cannot tell from the best
    (the one-standard-error rule of cross validation); log GCV has a standard error of
    about sqrt(2 / (n - tr H)), that of a residual sum of squares with n - tr H degrees
    of freedom. The crossing of that level, where GCV rises steeply, is interpolated in
    log lambda, so the choice moves smoothly with the grid.

    For several curves each is chosen from and the median (in log lambda) returned.
    """
    lambdas = np.asarray(lambdas, dtype=float)
    scores = np.atleast_2d(np.asarray(scores, dtype=float))
    dof = np.broadcast_to(np.atleast_2d(np.asarray(dof, dtype=float)), scores.shape)
    if lambdas.size != scores.shape[1] or np.any(np.diff(lambdas) <= 0):
        raise ValueError("lambdas must be increasing, one per column of scores")
    if rule not in ("1se", "min"):
        raise ValueError(f"rule must be '1se' or 'min', not {rule!r}")
    ok = np.all(np.isfinite(scores) & (scores > 0), axis=1)
    if not ok.any():
        raise AnalysisInputError("no finite GCV curve to choose lambda from")
    log_gcv, dof = np.log(scores[ok]), dof[ok]
    i = np.argmin(log_gcv, axis=1)
    rows = np.arange(log_gcv.shape[0])
    if rule == "min":
        chosen = np.log(lambdas[i])
    else:
        level = log_gcv[rows, i] + np.sqrt(2.0 / dof[rows, i])
        # first grid point above the level at or after each curve's minimum
        after = np.arange(lambdas.size)[None, :] >= i[:, None]
        above = after & (log_gcv > level[:, None])
        j = np.where(above.any(axis=1), np.argmax(above, axis=1), lambdas.size)
        x = np.log(lambdas)
        chosen = np.full(rows.size, x[-1])  # never rises by one standard error
        k = j < lambdas.size  # then log_gcv[j - 1] <= level < log_gcv[j], j > i
        y0, y1 = log_gcv[rows[k], j[k] - 1], log_gcv[rows[k], j[k]]
        chosen[k] = x[j[k] - 1] + (level[k] - y0) / (y1 - y0) * (x[j[k]] - x[j[k] - 1])
    return float(np.exp(np.median(chosen)))


def _bounded_below(a: np.ndarray, b: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """min ||a x - b|| subject to x >= lower (-inf: free), by NNLS (Lawson-Hanson) on
    the bounded columns once the free ones are projected out: for given bounded values
    the free ones are their least-squares fit, so the problem in the bounded ones is the
    residual after that fit (one QR of the few free columns)."""
    free = ~np.isfinite(lower)
    shift = a[:, ~free] @ lower[~free]  # x_B = lower_B + y, y >= 0
    q, _ = np.linalg.qr(a[:, free])
    ab = a[:, ~free]
    m = ab - q @ (q.T @ ab)
    v = (b - shift) - q @ (q.T @ (b - shift))
    y, _ = nnls(m, v, maxiter=50 * m.shape[1])
    x = np.empty(a.shape[1])
    x[~free] = lower[~free] + y
    x[free] = np.linalg.lstsq(a[:, free], b - ab @ x[~free], rcond=None)[0]
    return x


def regularised_nnls(
    a: np.ndarray,
    b: np.ndarray,
    reg: np.ndarray,
    lam: float,
    lower: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Solve min ||A x - b||^2 + lam ||L x||^2 subject to x >= lower (-inf: free).

    Returns the solution and its linearised covariance
    s^2 M^-1 A'A M^-1, M = A'A + lam L'L, s^2 the residual variance.
    """
    aug = np.vstack([a, np.sqrt(lam) * reg])
    rhs = np.r_[b, np.zeros(reg.shape[0])]
    x = _bounded_below(aug, rhs, lower)
    r = a @ x - b
    # M = aug' aug = R'R (aug = Q R) and A = Q1 R, Q1 the rows of Q that belong to A:
    # M^-1 A'A M^-1 = C C' with C = M^-1 A' = R^-1 Q1'. A'A, whose condition number is
    # the square of A's, is never formed.
    q, rr = np.linalg.qr(aug)
    d = np.abs(np.diag(rr))
    q1 = q[: b.size]
    if d.min() > np.finfo(float).eps * max(aug.shape) * d.max():
        c = solve_triangular(rr, q1.T)
    else:  # rank-deficient (lam = 0 and collinear columns): pseudo-inverse via SVD
        u, sv, vt = np.linalg.svd(rr)
        ok = sv > sv[0] * max(aug.shape) * np.finfo(float).eps
        c = (vt[ok].T / sv[ok]) @ (q1 @ u[:, ok]).T
    dof = max(b.size - float(np.sum(a * c.T)), 1.0)  # n - tr(A M^+ A')
    cov = (r @ r) / dof * (c @ c.T)
    return x, cov


@dataclass
class DcDrtResult:
    """Result of :func:`pulse_drt`.

    Attributes
    ----------
    tau_s, gamma_ohm
        The tau grid [s] and the distribution gamma = g / d ln tau [Ohm].
    r0_ohm, r0_err_ohm
        Series (instantaneous) resistance and its standard error [Ohm].
    c_ocv_ohm, c_drift_ohm_per_s
        OCV shift of the pulse's charge and the slow drift, per ampere.
    lam
        Regularisation parameter used.
    fitted, residual_ohm
        The model and the data-minus-model on the binned times.
    """

    tau_s: np.ndarray
    gamma_ohm: np.ndarray
    r0_ohm: float
    r0_err_ohm: float
    c_ocv_ohm: float
    c_drift_ohm_per_s: float
    lam: float
    t_s: np.ndarray
    r_ohm: np.ndarray
    fitted: np.ndarray
    _g: np.ndarray = field(repr=False)
    _g_cov: np.ndarray = field(repr=False)

    @property
    def residual_ohm(self) -> np.ndarray:
        return self.r_ohm - self.fitted

    def peaks(self, prominence: float = 0.05) -> pd.DataFrame:
        """Peaks of gamma: ``tau_s``, ``f_peak_Hz`` = 1/(2 pi tau), ``r_ohm`` (area between
        the valleys around the peak), ``r_err_ohm``; ``prominence`` relative to the
        largest gamma."""
        if not np.any(self.gamma_ohm > 0):
            return pd.DataFrame(columns=["tau_s", "f_peak_Hz", "r_ohm", "r_err_ohm"])
        # the solver leaves +-1e-17 round-off where g sits on its bound 0: set it to 0
        # so that it decides neither the peaks nor the valleys
        tiny = 1e-9 * self.gamma_ohm.max()
        g = np.where(self.gamma_ohm > tiny, self.gamma_ohm, 0.0)
        gk = np.where(self.gamma_ohm > tiny, self._g, 0.0)
        padded = np.r_[0.0, g, 0.0]
        idx, _ = find_peaks(padded, prominence=prominence * g.max())
        idx = idx - 1
        rows = []
        edges = [0]
        for a, b in zip(idx[:-1], idx[1:], strict=True):
            # the lowest point between the peaks; of several equally low ones (a stretch
            # of zeros, or stretches separated by bumps too small to be peaks) the one
            # nearest the middle, so such bumps join the nearer peak
            seg = g[a : b + 1]
            low = np.flatnonzero(seg <= seg.min() + tiny)
            edges.append(a + int(low[np.argmin(np.abs(2 * low - (b - a)))]))
        edges.append(g.size)
        for k in range(idx.size):
            lo, hi = edges[k], edges[k + 1]
            sel = slice(lo, hi)
            r = float(gk[sel].sum())
            err = float(np.sqrt(max(self._g_cov[sel, sel].sum(), 0.0)))
            w = gk[sel]
            # tau of the peak: the weighted log-mean over its region (sub-grid precision)
            tau = float(np.exp(np.sum(w * np.log(self.tau_s[sel])) / w.sum())) if r > 0 else np.nan
            rows.append(
                {"tau_s": tau, "f_peak_Hz": 1 / (2 * np.pi * tau), "r_ohm": r, "r_err_ohm": err}
            )
        return pd.DataFrame(rows)


@dataclass
class _PulseSystem:
    """The regularised least-squares problem of one pulse (see :func:`pulse_drt`)."""

    taus: np.ndarray
    tt: np.ndarray
    yy: np.ndarray
    a: np.ndarray
    reg: np.ndarray
    lower: np.ndarray
    scale: float
    t_rest: float

    def gcv_curve(self, lambdas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return gcv_curve(self.a, self.yy / self.scale, self.reg, lambdas)

    def solve(self, lam: float) -> DcDrtResult:
        nk = self.taus.size
        x, cov = regularised_nnls(self.a, self.yy / self.scale, self.reg, lam, self.lower)
        x, cov = x * self.scale, cov * self.scale**2
        return DcDrtResult(
            tau_s=self.taus,
            gamma_ohm=x[:nk] / np.log(self.taus[1] / self.taus[0]),
            r0_ohm=float(x[nk]),
            r0_err_ohm=float(np.sqrt(max(cov[nk, nk], 0.0))),
            c_ocv_ohm=float(x[nk + 1]),
            c_drift_ohm_per_s=float(x[nk + 2] / self.t_rest),
            lam=float(lam),
            t_s=self.tt,
            r_ohm=self.yy,
            fitted=self.a @ x,
            _g=x[:nk],
            _g_cov=cov[:nk, :nk],
        )


def _pulse_system(
    t_s: np.ndarray,
    r_ohm: np.ndarray,
    duration_s: float,
    points_per_decade: int,
    bins_per_decade: int,
) -> _PulseSystem:
    t = np.asarray(t_s, dtype=float)
    r = np.asarray(r_ohm, dtype=float)
    if t.shape != r.shape or t.ndim != 1:
        raise AnalysisInputError("t_s and r_ohm must be 1-D arrays of equal length")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(r))):
        raise AnalysisInputError("t_s and r_ohm must be finite")
    during = (t > 0) & (t <= duration_s)
    after = t > duration_s
    if during.sum() < 10 or after.sum() < 10:
        raise AnalysisInputError(
            f"a pulse DRT needs >= 10 samples during the pulse and >= 10 in the rest "
            f"after it; got {int(during.sum())} and {int(after.sum())}"
        )
    tp, rp = log_bins(t[during], r[during], bins_per_decade)
    ta, ra = log_bins(t[after] - duration_s, r[after], bins_per_decade)
    tt = np.r_[tp, ta + duration_s]
    yy = np.r_[rp, ra]
    t_first = t[during][0]
    t_rest = t[after][-1] - duration_s
    lo, hi = np.log10(t_first / 2), np.log10(t_rest / 3)
    if hi <= lo:
        raise AnalysisInputError("the rest is too short to resolve any time constant")
    taus = np.logspace(lo, hi, max(int((hi - lo) * points_per_decade), 4) + 1)

    def k(x):
        return np.where(
            x[:, None] > 0, -np.expm1(-np.clip(x, 0, None)[:, None] / taus[None, :]), 0.0
        )

    kern = k(tt) - k(tt - duration_s)
    u0 = (tt <= duration_s).astype(float)
    ramp = np.minimum(tt, duration_s) / duration_s
    a = np.column_stack([kern, u0, ramp, tt / t_rest, np.ones_like(tt)])
    nk = taus.size
    # second differences on the g part only
    reg = np.zeros((nk - 2, a.shape[1]))
    i = np.arange(nk - 2)
    reg[i, i], reg[i, i + 1], reg[i, i + 2] = 1.0, -2.0, 1.0
    # scale so lambda is dimensionless-ish
    scale = float(np.abs(yy).max()) or 1.0
    lower = np.r_[np.zeros(nk + 1), -np.inf, -np.inf, -np.inf]
    return _PulseSystem(taus, tt, yy, a, reg, lower, scale, float(t_rest))


@one_blas_thread
def pulse_drt(
    t_s: np.ndarray,
    r_ohm: np.ndarray,
    duration_s: float,
    *,
    points_per_decade: int = 8,
    bins_per_decade: int = 20,
    lam: float | str = "gcv",
    lambdas: np.ndarray | None = None,
    lam_rule: str = "1se",
) -> DcDrtResult:
    """Distribution of relaxation times of one pulse and its rest.

    Parameters
    ----------
    t_s
        Time since the start of the pulse [s], increasing, > 0, covering the pulse and
        the rest after it.
    r_ohm
        R(t) = (V(t) - OCV_before) / I [Ohm] (positive for a resistive response).
    duration_s
        Pulse length T [s].
    points_per_decade
        Density of the tau grid.
    bins_per_decade
        Density of the log-time bins the samples are averaged into.
    lam
        Regularisation parameter, or ``"gcv"``: from this pulse's GCV curve by
        :func:`choose_lambda` (for the pulses of a GITT :func:`gitt_drt` shares one
        lambda between them instead).
    lambdas
        The grid GCV searches (default :data:`LAMBDA_GRID`).
    lam_rule
        ``"1se"`` (default) or ``"min"``, see :func:`choose_lambda`.

    Raises
    ------
    AnalysisInputError
        Fewer than 10 samples during the pulse or the rest, no rest after the pulse,
        non-finite values.
    """
    system = _pulse_system(t_s, r_ohm, duration_s, points_per_decade, bins_per_decade)
    if isinstance(lam, str):
        if lam != "gcv":
            raise ValueError(f"lam must be a number or 'gcv', not {lam!r}")
        grid = LAMBDA_GRID if lambdas is None else np.asarray(lambdas, dtype=float)
        lam_v = choose_lambda(*system.gcv_curve(grid), grid, rule=lam_rule)
    else:
        lam_v = float(lam)
    return system.solve(lam_v)


# ------------------------------------------------------- processes from the DRT ----
def group_peaks(peaks: pd.DataFrame, split_tau_s: float | None = None) -> dict[str, float]:
    """Fold DRT peaks into two processes: a fast one (charge transfer) and a slow one
    (diffusion), split at ``split_tau_s`` (default: the geometric mean of the taus of the
    two largest peaks, which for diffusion elements groups their higher modes with
    their main peak).

    Returns ``tau_fast_s``, ``r_fast_ohm``, ``r_fast_err_ohm``, ``tau_slow_s``,
    ``r_slow_ohm``, ``r_slow_err_ohm`` and ``split_tau_s``: each group's R is the sum
    of its peaks (errors added in quadrature), its tau the R-weighted mean in log tau.
    NaN where a group is empty.
    """
    out = dict.fromkeys(
        ("tau_fast_s", "r_fast_ohm", "r_fast_err_ohm", "tau_slow_s", "r_slow_ohm",
         "r_slow_err_ohm", "split_tau_s"),
        np.nan,
    )  # fmt: skip
    if peaks is None or len(peaks) == 0:
        return out
    tau = peaks["tau_s"].to_numpy(float)
    r = peaks["r_ohm"].to_numpy(float)
    err = peaks["r_err_ohm"].to_numpy(float) if "r_err_ohm" in peaks else np.zeros_like(r)
    if split_tau_s is None:
        if len(peaks) < 2:
            return out
        top = np.argsort(r)[-2:]
        split_tau_s = float(np.sqrt(tau[top[0]] * tau[top[1]]))
    out["split_tau_s"] = float(split_tau_s)
    for name, sel in (("fast", tau < split_tau_s), ("slow", tau >= split_tau_s)):
        w = r[sel]
        if w.sum() > 0:
            out[f"tau_{name}_s"] = float(np.exp(np.sum(w * np.log(tau[sel])) / w.sum()))
            out[f"r_{name}_ohm"] = float(w.sum())
            out[f"r_{name}_err_ohm"] = float(np.sqrt(np.sum(err[sel] ** 2)))
    return out


def _ws_tau(g: pd.DataFrame) -> float:
    """tau of the finite-length Warburg whose slow-group DRT tau is the median of ``g``."""
    group = float(np.exp(np.median(np.log(g["tau3_s"]))))
    split = float(np.exp(np.median(np.log(g["split_tau_s"]))))
    tau = group / 0.405
    for _ in range(5):
        tau = group / float(_ws_group_factor(np.array([split / tau]))[0])
    return tau


@one_blas_thread
def gitt_drt(
    gitt,
    *,
    lam: float | str = "gcv",
    share_lambda: bool = True,
    lambdas: np.ndarray | None = None,
    lam_rule: str = "1se",
    **options,
) -> pd.DataFrame:
    """Time constants of every GITT pulse from its own DRT (:func:`pulse_drt`).

    Returns one row per pulse: ``pulse``, ``soc_pct`` (SOC at its start), ``r0_ohm`` (+
    ``_err``), and from :func:`group_peaks` the charge-transfer (fast) and diffusion
    (slow) processes: ``tau2_s``, ``r2_ohm``, ``r2_ohm_err``, ``tau3_s``, ``r3_ohm``,
    ``r3_ohm_err``, ``n_peaks``, ``lam`` and ``flag`` (why a pulse has no values).

    With ``lam="gcv"`` and ``share_lambda`` (the default) every pulse is solved with one
    lambda: the median of the pulses' own choices (:func:`choose_lambda`, rule
    ``lam_rule``). The pulses share instrument, sampling and (scaled) signal shape, and
    a single pulse's choice is noisy (its GCV curve is flat over decades); with a lambda
    of its own the time constants would jump between neighbouring pulses.
    ``share_lambda=False`` keeps each pulse's own choice; a number fixes lambda.
    ``lambdas`` is the GCV grid (default :data:`LAMBDA_GRID`); ``options``
    (``points_per_decade``, ``bins_per_decade``) are as for :func:`pulse_drt`.
    """
    unknown = set(options) - {"points_per_decade", "bins_per_decade"}
    if unknown:
        raise TypeError(f"gitt_drt() got unexpected options {sorted(unknown)}")
    p = gitt.pulses
    grid = LAMBDA_GRID if lambdas is None else np.asarray(lambdas, dtype=float)
    rows: list[dict] = []
    systems: dict[int, tuple[_PulseSystem, float]] = {}
    for k, (t, r) in enumerate(gitt.traces()):
        rows.append({"pulse": int(p["pulse"].iat[k]), "soc_pct": float(p["soc_start_pct"].iat[k])})
        keep = t > 0
        try:
            system = _pulse_system(
                t[keep],
                r[keep],
                float(p["duration_s"].iat[k]),
                options.get("points_per_decade", 8),
                options.get("bins_per_decade", 20),
            )
        except AnalysisInputError as exc:
            rows[k]["flag"] = str(exc)
            continue
        systems[k] = (system, float(t[keep][0]))
    if isinstance(lam, str):
        if lam != "gcv":
            raise ValueError(f"lam must be a number or 'gcv', not {lam!r}")
        curves = {k: s.gcv_curve(grid) for k, (s, _) in systems.items()}
        if share_lambda and curves:
            scores, dof = (np.array(v) for v in zip(*curves.values(), strict=True))
            shared = choose_lambda(scores, dof, grid, rule=lam_rule)
            lams = dict.fromkeys(systems, shared)
        else:
            lams = {k: choose_lambda(*v, grid, rule=lam_rule) for k, v in curves.items()}
    else:
        lams = dict.fromkeys(systems, float(lam))
    for k, (system, t_first) in systems.items():
        res = system.solve(lams[k])
        pk = res.peaks()
        g = group_peaks(pk)
        rows[k].update(
            {
                "r0_ohm": res.r0_ohm,
                "r0_ohm_err": res.r0_err_ohm,
                "tau2_s": g["tau_fast_s"],
                "r2_ohm": g["r_fast_ohm"],
                "r2_ohm_err": g["r_fast_err_ohm"],
                "tau3_s": g["tau_slow_s"],
                "r3_ohm": g["r_slow_ohm"],
                "r3_ohm_err": g["r_slow_err_ohm"],
                "t_first_s": t_first,
                "split_tau_s": g["split_tau_s"],
                "n_peaks": len(pk),
                "lam": res.lam,
                "flag": "" if len(pk) >= 2 else "fewer than two DRT peaks",
            }
        )
    return pd.DataFrame(rows)


def _ws_group_factor(split_over_tau: np.ndarray) -> np.ndarray:
    """R-weighted log-mean of the DRT modes of a finite-length Warburg (tau_k = 4 tau /
    ((2k-1)^2 pi^2), weights 8/((2k-1)^2 pi^2)) slower than ``split_over_tau`` x tau, as a
    multiple of tau."""
    m = ((2 * np.arange(1, 2001) - 1.0) ** 2 * np.pi**2)[None, :]
    ratio = 4 / m
    w = np.where(ratio >= np.atleast_1d(split_over_tau)[:, None], 8 / m, 0.0)
    w[:, 0] = 8 / m[0, 0]  # the main mode always counts
    return np.exp(np.sum(w * np.log(ratio), axis=1) / np.sum(w, axis=1))


def dc_tau_table(drt_table: pd.DataFrame, *, step_pct: float = 5.0) -> pd.DataFrame:
    """A tau table for :func:`ohmslice.method.decompose.decompose` from the pulses' own DRT.

    The per-pulse values of :func:`gitt_drt` are averaged (median, in log tau) over SOC
    bins of ``step_pct``. The contact process is faster than any DC sample: its tau is
    set to a tenth of the first sample time (so every boundary rule puts t1 before the
    first sample, where R1 is read less the charge-transfer share) and its resistance to
    R0. Charge transfer is taken as an RC (n = 1; the model method of ``decompose``
    refines n) and diffusion as a finite-length Warburg: the slow group's tau is the
    R-weighted log-mean of that element's DRT modes above the split, which fixes its tau
    (:func:`_ws_group_factor`, solved by a few fixed-point steps).
    """
    d = drt_table.dropna(subset=["tau2_s", "tau3_s"])
    if d.empty:
        raise AnalysisInputError("no pulse has a DRT with both a fast and a slow process")
    bins = np.floor(d["soc_pct"].to_numpy() / step_pct)
    rows = []
    for b in np.unique(bins):
        g = d[bins == b]
        rows.append(
            {
                "soc_pct": float(g["soc_pct"].median()),
                "tau1_s": float(g["t_first_s"].min() / 10),
                "tau2_s": float(np.exp(np.median(np.log(g["tau2_s"])))),
                "tau3_s": _ws_tau(g),
                "tau2_err_s": float(np.exp(np.median(np.log(g["tau2_s"])))
                                    * max(np.std(np.log(g["tau2_s"])), 0.05)),
                "tau3_err_s": _ws_tau(g) * max(float(np.std(np.log(g["tau3_s"]))), 0.05),
                "n1": 1.0, "n2": 1.0, "n3": 1.0,
                "r1_ohm": float(g["r0_ohm"].median()),
                "r2_ohm": float(g["r2_ohm"].median()),
                "r3_ohm": float(g["r3_ohm"].median()),
                "shape1": "zarc", "shape2": "zarc", "shape3": "ws",
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def compare_with_eis(drt_table: pd.DataFrame, eis_by_soc: dict) -> pd.DataFrame:
    """The pulses' own DRT against the impedance DRT at the SOCs of the spectra.

    ``eis_by_soc`` maps SOC [%] to a :class:`ohmslice.impedance.TimeConstants` (its
    ``.drt``, per electrode for symmetric cells) or directly to a DRT result with a
    ``peaks()`` method. Both DRTs are folded into fast and slow processes by
    :func:`group_peaks` with the same rule, restricted to the taus the pulse resolves
    (from its first sample on), and set side by side with the pulse nearest in SOC:
    ``soc_pct``, ``pulse``, ``tau2_dc_s``, ``tau2_eis_s``, ``tau2_ratio``, ``r2_dc_ohm``,
    ``r2_eis_ohm``, ``r2_ratio`` and the same for the slow process (3).
    """
    rows = []
    soc = drt_table["soc_pct"].to_numpy(float)
    for s, item in sorted(eis_by_soc.items()):
        d = getattr(item, "drt", item)
        k = int(np.nanargmin(np.abs(soc - s)))
        dc = drt_table.iloc[k]
        pk = d.peaks()
        pk = pk[pk["tau_s"] >= dc["t_first_s"]]
        g = group_peaks(pk, dc.get("split_tau_s"))
        rows.append(
            {
                "soc_pct": float(s),
                "pulse": int(dc["pulse"]),
                "tau2_dc_s": dc["tau2_s"], "tau2_eis_s": g["tau_fast_s"],
                "tau2_ratio": dc["tau2_s"] / g["tau_fast_s"],
                "r2_dc_ohm": dc["r2_ohm"], "r2_eis_ohm": g["r_fast_ohm"],
                "r2_ratio": dc["r2_ohm"] / g["r_fast_ohm"],
                "tau3_dc_s": dc["tau3_s"], "tau3_eis_s": g["tau_slow_s"],
                "tau3_ratio": dc["tau3_s"] / g["tau_slow_s"],
                "r3_dc_ohm": dc["r3_ohm"], "r3_eis_ohm": g["r_slow_ohm"],
                "r3_ratio": dc["r3_ohm"] / g["r_slow_ohm"],
            }
        )  # fmt: skip
    return pd.DataFrame(rows)
