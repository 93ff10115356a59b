"""The model method of :func:`ohmslice.method.decompose.decompose`: each GITT pulse and its rest
fitted with the time-domain response of the circuit whose time constants the impedance
gave.

V(t) = OCV_before + c0 + c_ocv q + c_drift t + I [R1 u(t) + R2 a2(t) + R3 a3(t)], with
q = min(t, T)/T the share of the pulse's charge passed, u the rectangular pulse and a2,
a3 the pulse responses of a unit R||CPE and of the unit diffusion element
(:func:`ohmslice.method.boundaries.unit_step`). Linear in (c0, c_ocv, c_drift, R1, R2, R3) for
fixed time constants: solved by weighted least squares for all pulses at once; the time
constants and the CPE exponent are refined by Levenberg-Marquardt on all pulses at once
(variable projection). The samples are averaged in log-time bins so that the dense
samples after each step do not outweigh the rest.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..dc.pulses import log_bins
from .boundaries import unit_step

__all__ = ["fit_pulses"]


# ------------------------------------------------------------------ model ----
def _binned_traces(gitt: Any, bins_per_decade: int) -> tuple[np.ndarray, ...]:
    """Every pulse + rest averaged into log-time bins, padded to one length.

    Returns times (n, L) [s since the step], R (n, L) [Ohm], weights (n, L) (1 for a
    bin, 0 for padding), and per pulse the duration, the first sample time and whether
    it has at least 3 bins in the pulse and 3 in the rest.
    """
    p = gitt.pulses
    dur = p["duration_s"].to_numpy(float)
    bins, ok = [], []
    for (t, r), d in zip(gitt.traces(), dur, strict=True):
        keep = t > 0
        t, r = t[keep], r[keep]
        during, after = t <= d, t > d
        if during.sum() < 3 or after.sum() < 3:
            bins.append((np.array([d / 2]), np.array([0.0]), t[0] if t.size else np.nan))
            ok.append(False)
            continue
        t1, r1 = log_bins(t[during], r[during], bins_per_decade)
        t2, r2 = log_bins(t[after] - d, r[after], bins_per_decade)
        bins.append((np.r_[t1, t2 + d], np.r_[r1, r2], t[0]))
        ok.append(True)
    length = max(b[0].size for b in bins)
    tt = np.ones((len(bins), length))
    yy = np.zeros_like(tt)
    ww = np.zeros_like(tt)
    for k, (t, r, _) in enumerate(bins):
        tt[k, : t.size], yy[k, : t.size], ww[k, : t.size] = t, r, 1.0
        tt[k, t.size :] = t[-1]
    t_first = np.array([b[2] for b in bins])
    return tt, yy, ww, dur, t_first, np.array(ok)


#: columns of the model's design matrix
_COL = {"offset": 0, "ramp": 1, "drift": 2, "u": 3, "contact": 4, "r2": 5, "r3": 6}


def _design(
    tt: np.ndarray,
    dur: np.ndarray,
    taus: list[np.ndarray],
    ns: list[np.ndarray],
    shapes: list[str],
) -> np.ndarray:
    """Design matrices (n, L, 4 + n_proc): offset, OCV ramp q/Q_pulse, drift, pulse u(t)
    and the unit pulse response of each process (per ampere, unit resistance); column
    indices in :data:`_COL`."""
    n, length = tt.shape
    span = tt.max(axis=1, keepdims=True)
    ramp = np.minimum(tt, dur[:, None]) / dur[:, None]
    cols = [
        np.ones_like(tt),
        ramp,
        tt / span,
        (tt <= dur[:, None]).astype(float),
    ]
    both = np.concatenate([tt, tt - dur[:, None]], axis=1)
    for tau, nn, shape in zip(taus, ns, shapes, strict=True):
        a = unit_step(both, tau, nn, shape, m=20)
        cols.append(a[:, :length] - a[:, length:])
    return np.stack(cols, axis=-1)


def _batched_lstsq(a: np.ndarray, y: np.ndarray, w: np.ndarray):
    """Weighted least squares per pulse: coefficients, residuals, normal matrices."""
    aw = a * w[..., None]
    ata = np.einsum("nlj,nlk->njk", aw, aw)
    # a tiny ridge keeps an all-zero column (an absent process) from making it singular
    ridge = 1e-12 * np.trace(ata, axis1=1, axis2=2)[:, None, None] * np.eye(ata.shape[-1])
    aty = np.einsum("nlj,nl->nj", aw, y * w)
    coef = np.linalg.solve(ata + ridge, aty[..., None])[..., 0]
    res = (np.einsum("nlj,nj->nl", a, coef) - y) * w
    return coef, res, ata + ridge


def fit_pulses(
    gitt: Any,
    tp: dict[str, np.ndarray],
    *,
    refine_taus: bool,
    tau_factor: float,
    bins_per_decade: int,
    max_developed: float,
    n_range: float,
    iterations: int = 25,
) -> tuple[pd.DataFrame, list[str]]:
    """Fit every pulse of ``gitt`` (a GittResult) with the time constants ``tp``
    (per-pulse arrays from :func:`ohmslice.method.decompose._interp_taus`).

    Returns the per-pulse table (R1, R2, R3 with errors, ``r_ocv_ohm``, the refined
    ``tau2_s``, ``tau3_s``, ``n2``, ``rms_residual_ohm``, ``flag``) and notes. Pulses with
    fewer than 3 samples in the pulse or its rest get NaN; where charge transfer has
    developed by more than ``max_developed`` at the first sample, R1 and R2 are merged
    (``r12_ohm``) and a warning is issued.
    """
    p = gitt.pulses
    tt, yy, ww, dur, t_first, ok = _binned_traces(gitt, bins_per_decade)
    n = len(p)
    contact = tp["tau1"] > t_first / 3  # a contact arc the samples can see
    shapes = ["zarc", "zarc", tp["shape3"]]
    # charge transfer all but complete before the first sample: R1 and R2 merge
    developed = unit_step(t_first[:, None], tp["tau2"], tp["n2"], "zarc")[:, 0]
    merged = developed > max_developed
    lim = np.log(tau_factor)
    # nonlinear parameters per pulse: ln(tau2/tau2_eis), ln(tau3/tau3_eis), n2 - n2_eis
    n2_0 = tp["n2"]
    lo = np.column_stack(
        [np.full(n, -lim), np.full(n, -lim), np.maximum(0.4, n2_0 - n_range) - n2_0]
    )
    hi = np.column_stack([np.full(n, lim), np.full(n, lim), np.minimum(1.0, n2_0 + n_range) - n2_0])
    n_free = 3 if n_range > 0 else 2

    def fit(x: np.ndarray):
        taus = [tp["tau1"], tp["tau2"] * np.exp(x[:, 0]), tp["tau3"] * np.exp(x[:, 1])]
        ns = [tp["n1"], n2_0 + x[:, 2], tp["n3"]]
        a = _design(tt, dur, taus, ns, shapes)
        a[~contact, :, _COL["contact"]] = 0.0
        a[merged, :, _COL["r2"]] = 0.0
        return _batched_lstsq(a, yy, ww)

    logf = np.zeros((n, 3))
    coef, res, ata = fit(logf)
    if refine_taus:
        # Levenberg-Marquardt on (ln tau2, ln tau3[, n2]) of every pulse at once
        lam = np.full(n, 1e-2)
        cost = np.sum(res**2, axis=1)
        h = 1e-4
        eye = np.eye(3)[:n_free]
        for _ in range(iterations):
            jac = np.stack([(fit(logf + h * e)[1] - res) / h for e in eye], axis=-1)
            jtj = np.einsum("nli,nlj->nij", jac, jac)
            jtr = np.einsum("nli,nl->ni", jac, res)
            damp = jtj + lam[:, None, None] * (
                np.eye(n_free) * jtj.diagonal(axis1=1, axis2=2)[:, None, :] + 1e-12 * np.eye(n_free)
            )
            step = np.zeros_like(logf)
            step[:, :n_free] = -np.linalg.solve(damp, jtr[..., None])[..., 0]
            trial = np.clip(logf + step, lo, hi)
            c2, r2, a2 = fit(trial)
            cost2 = np.sum(r2**2, axis=1)
            better = cost2 < cost
            logf[better], coef[better], res[better], ata[better] = (
                trial[better],
                c2[better],
                r2[better],
                a2[better],
            )
            lam = np.where(better, lam / 3, lam * 4)
            gain = (cost - np.where(better, cost2, cost)) / np.maximum(cost, 1e-300)
            cost = np.where(better, cost2, cost)
            if np.all(gain < 1e-7):
                break
    dof = np.maximum(ww.sum(axis=1) - coef.shape[1], 1.0)
    s2 = np.sum(res**2, axis=1) / dof
    cov = s2[:, None, None] * np.linalg.inv(ata)
    var = np.clip(cov.diagonal(axis1=1, axis2=2), 0, None)
    err = np.sqrt(var)
    # R1 = series (u) + contact arc where it was resolved
    u, c, r2i, r3i = _COL["u"], _COL["contact"], _COL["r2"], _COL["r3"]
    r1 = coef[:, u] + np.where(contact, coef[:, c], 0.0)
    r1_var = var[:, u] + np.where(contact, var[:, c] + 2 * cov[:, u, c], 0.0)
    r_ocv, r_ocv_var = coef[:, _COL["ramp"]], var[:, _COL["ramp"]]
    flags = []
    for k in range(n):
        f = []
        if not ok[k]:
            f.append("too few samples in the pulse or its rest to fit")
        if ok[k] and min(r1[k], coef[k, r2i], coef[k, r3i]) < 0:
            f.append("a negative resistance: the model does not describe this pulse")
        if "reached_cutoff" in p and bool(p["reached_cutoff"].iat[k]):
            f.append("the pulse reached the cut-off voltage")
        if merged[k]:
            f.append(
                f"R1 and R2 not separable: charge transfer {developed[k]:.0%} developed by the "
                f"first sample ({t_first[k]:.2g} s); r12_ohm = R1 + R2"
            )
        if refine_taus and np.any(np.abs(np.abs(logf[k, :2]) - lim) < 1e-6):
            f.append(f"a time constant hit its bound (x{tau_factor:g} of the EIS value)")
        flags.append("; ".join(f))
    table = pd.DataFrame(
        {
            "pulse": p["pulse"].to_numpy(),
            "soc_pct": p["soc_start_pct"].to_numpy(float),
            "r1_ohm": r1,
            "r1_ohm_err": np.sqrt(np.clip(r1_var, 0, None)),
            "r2_ohm": coef[:, r2i],
            "r2_ohm_err": err[:, r2i],
            "r3_ohm": coef[:, r3i],
            "r3_ohm_err": err[:, r3i],
            "r_ocv_ohm": r_ocv,
            "r_ocv_ohm_err": np.sqrt(np.clip(r_ocv_var, 0, None)),
            "tau2_s": tp["tau2"] * np.exp(logf[:, 0]),
            "tau3_s": tp["tau3"] * np.exp(logf[:, 1]),
            "n2": n2_0 + logf[:, 2],
            "contact_resolved": contact,
            "rms_residual_ohm": np.sqrt(np.sum(res**2, axis=1) / np.maximum(ww.sum(axis=1), 1)),
        }
    )
    table["r12_ohm"] = np.where(merged, r1, r1 + table["r2_ohm"])
    for c in ("r1_ohm", "r1_ohm_err", "r2_ohm", "r2_ohm_err"):
        table.loc[merged, c] = np.nan
    for c in ("r1_ohm", "r1_ohm_err", "r2_ohm", "r2_ohm_err", "r3_ohm", "r3_ohm_err", "r12_ohm"):
        table.loc[~ok, c] = np.nan
    table["r_total_ohm"] = p["r_total_ohm"].to_numpy(float)
    comp = table[["r1_ohm_err", "r2_ohm_err", "r3_ohm_err"]].to_numpy(float)
    table["r_total_ohm_err"] = np.sqrt(np.nansum(comp**2, axis=1))
    table["taus_extrapolated"] = tp["extrapolated"]
    table["flag"] = flags
    notes = []
    if merged.any():
        msg = (
            f"{int(merged.sum())} of {n} pulses: charge transfer complete before the first "
            "sample; R1 and R2 not separated there (see 'flag')"
        )
        notes.append(msg)
        warnings.warn(msg, stacklevel=3)
    return table, notes
