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
of the unconstrained problem on a log grid of lambda values. The distribution is
resolvable between about the first sample after the step and the rest length: the grid
spans [t_first / 2, t_rest / 3].

The samples are averaged into log-spaced time bins (separately for the pulse and the
rest) so that the dense samples right after each current step do not outweigh the rest.

Peaks of gamma(tau) = g / d ln tau [Ohm] are integrated between the valleys around them,
each with a standard error from the linearised covariance of the regularised solution.
Use: :func:`pulse_drt` for one pulse; the time constants at SOCs where no impedance
spectrum was measured come from its peaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import lsq_linear
from scipy.signal import find_peaks

from .errors import AnalysisInputError

__all__ = ["pulse_drt", "DcDrtResult", "regularised_nnls", "gcv_lambda"]


def gcv_lambda(a: np.ndarray, b: np.ndarray, reg: np.ndarray, lambdas: np.ndarray) -> float:
    """Lambda minimising the GCV function of min ||A x - b||^2 + lam ||L x||^2.

    GCV(lam) = n ||(I - H) b||^2 / tr(I - H)^2 with H = A (A'A + lam L'L)^-1 A'.
    Evaluated for every lambda in ``lambdas`` (unconstrained, the usual approximation
    for the non-negative problem); returns the minimiser.
    """
    ata, atb, ltl = a.T @ a, a.T @ b, reg.T @ reg
    n = b.size
    scores = np.empty(lambdas.size)
    for i, lam in enumerate(lambdas):  # a few dozen small dense solves
        m = ata + lam * ltl
        try:
            x = np.linalg.solve(m, atb)
            tr_h = np.trace(np.linalg.solve(m, ata))
        except np.linalg.LinAlgError:
            scores[i] = np.inf
            continue
        r = a @ x - b
        scores[i] = n * (r @ r) / max(n - tr_h, 1e-12) ** 2
    return float(lambdas[int(np.argmin(scores))])


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
    sol = lsq_linear(aug, rhs, bounds=(lower, np.full(lower.shape, np.inf)), method="bvls")
    x = sol.x
    r = a @ x - b
    ata = a.T @ a
    m_inv = np.linalg.pinv(ata + lam * reg.T @ reg)
    dof = max(b.size - np.trace(m_inv @ ata), 1.0)
    cov = (r @ r) / dof * (m_inv @ ata @ m_inv)
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
        g = self.gamma_ohm
        if not np.any(g > 0):
            return pd.DataFrame(columns=["tau_s", "f_peak_Hz", "r_ohm", "r_err_ohm"])
        padded = np.r_[0.0, g, 0.0]
        idx, _ = find_peaks(padded, prominence=prominence * g.max())
        idx = idx - 1
        rows = []
        edges = [0]
        for a, b in zip(idx[:-1], idx[1:], strict=True):
            edges.append(a + int(np.argmin(g[a : b + 1])))
        edges.append(g.size)
        for k in range(idx.size):
            lo, hi = edges[k], edges[k + 1]
            sel = slice(lo, hi)
            r = float(self._g[sel].sum())
            err = float(np.sqrt(max(self._g_cov[sel, sel].sum(), 0.0)))
            w = self._g[sel]
            # tau of the peak: the weighted log-mean over its region (sub-grid precision)
            tau = float(np.exp(np.sum(w * np.log(self.tau_s[sel])) / w.sum())) if r > 0 else np.nan
            rows.append(
                {"tau_s": tau, "f_peak_Hz": 1 / (2 * np.pi * tau), "r_ohm": r, "r_err_ohm": err}
            )
        return pd.DataFrame(rows)


def _log_bins(t: np.ndarray, y: np.ndarray, per_decade: int) -> tuple[np.ndarray, np.ndarray]:
    """Average (t, y) within log-spaced bins of t (> 0); empty bins are dropped."""
    lt = np.log10(t)
    edges = np.arange(np.floor(lt.min() * per_decade), np.ceil(lt.max() * per_decade) + 1)
    which = np.clip(np.searchsorted(edges / per_decade, lt, side="right") - 1, 0, None)
    cnt = np.bincount(which)
    ok = cnt > 0
    tb = np.bincount(which, t)[ok] / cnt[ok]
    yb = np.bincount(which, y)[ok] / cnt[ok]
    return tb, yb


def pulse_drt(
    t_s: np.ndarray,
    r_ohm: np.ndarray,
    duration_s: float,
    *,
    points_per_decade: int = 8,
    bins_per_decade: int = 20,
    lam: float | str = "gcv",
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
        Regularisation parameter, or ``"gcv"``.

    Raises
    ------
    AnalysisInputError
        Fewer than 10 samples during the pulse or the rest, no rest after the pulse,
        non-finite values.
    """
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
    tp, rp = _log_bins(t[during], r[during], bins_per_decade)
    ta, ra = _log_bins(t[after] - duration_s, r[after], bins_per_decade)
    tt = np.r_[tp, ta + duration_s]
    yy = np.r_[rp, ra]
    t_first = t[during][0]
    t_rest = t[after][-1] - duration_s
    lo, hi = np.log10(t_first / 2), np.log10(t_rest / 3)
    if hi <= lo:
        raise AnalysisInputError("the rest is too short to resolve any time constant")
    taus = np.logspace(lo, hi, max(int((hi - lo) * points_per_decade), 4) + 1)
    dln = np.log(taus[1] / taus[0])

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
    scale = np.abs(yy).max() or 1.0
    lower = np.r_[np.zeros(nk + 1), -np.inf, -np.inf, -np.inf]
    if lam == "gcv":
        lam_v = gcv_lambda(a, yy / scale, reg, np.logspace(-6, 2, 33))
    else:
        lam_v = float(lam)
    x, cov = regularised_nnls(a, yy / scale, reg, lam_v, lower)
    x, cov = x * scale, cov * scale**2
    return DcDrtResult(
        tau_s=taus,
        gamma_ohm=x[:nk] / dln,
        r0_ohm=float(x[nk]),
        r0_err_ohm=float(np.sqrt(max(cov[nk, nk], 0.0))),
        c_ocv_ohm=float(x[nk + 1]),
        c_drift_ohm_per_s=float(x[nk + 2] / t_rest),
        lam=lam_v,
        t_s=tt,
        r_ohm=yy,
        fitted=a @ x,
        _g=x[:nk],
        _g_cov=cov[:nk, :nk],
    )
