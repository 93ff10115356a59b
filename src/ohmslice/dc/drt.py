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

from ..errors import AnalysisInputError
from .pulses import log_bins

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


def gitt_drt(gitt, **options) -> pd.DataFrame:
    """Time constants of every GITT pulse from its own DRT (:func:`pulse_drt`).

    Returns one row per pulse: ``pulse``, ``soc_pct`` (SOC at its start), ``r0_ohm`` (+
    ``_err``), and from :func:`group_peaks` the charge-transfer (fast) and diffusion
    (slow) processes: ``tau2_s``, ``r2_ohm``, ``r2_ohm_err``, ``tau3_s``, ``r3_ohm``,
    ``r3_ohm_err``, ``n_peaks``, ``lam`` and ``flag`` (why a pulse has no values).
    ``options`` are passed to :func:`pulse_drt`.
    """
    p = gitt.pulses
    rows = []
    for k, (t, r) in enumerate(gitt.traces()):
        row = {"pulse": int(p["pulse"].iat[k]), "soc_pct": float(p["soc_start_pct"].iat[k])}
        keep = t > 0
        try:
            res = pulse_drt(t[keep], r[keep], float(p["duration_s"].iat[k]), **options)
        except AnalysisInputError as exc:
            rows.append({**row, "flag": str(exc)})
            continue
        pk = res.peaks()
        g = group_peaks(pk)
        rows.append(
            {
                **row,
                "r0_ohm": res.r0_ohm,
                "r0_ohm_err": res.r0_err_ohm,
                "tau2_s": g["tau_fast_s"],
                "r2_ohm": g["r_fast_ohm"],
                "r2_ohm_err": g["r_fast_err_ohm"],
                "tau3_s": g["tau_slow_s"],
                "r3_ohm": g["r_slow_ohm"],
                "r3_ohm_err": g["r_slow_err_ohm"],
                "t_first_s": float(t[keep][0]),
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
