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
from collections.abc import Callable
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
    bin, 0 for padding), samples per bin (n, L) (1 for padding), and per pulse the
    duration, the first sample time and whether it has at least 3 bins in the pulse and
    3 in the rest.
    """
    p = gitt.pulses
    dur = p["duration_s"].to_numpy(float)
    bins, ok = [], []
    for (t, r), d in zip(gitt.traces(), dur, strict=True):
        keep = t > 0
        t, r = t[keep], r[keep]
        during, after = t <= d, t > d
        if during.sum() < 3 or after.sum() < 3:
            bins.append(
                (np.array([d / 2]), np.array([0.0]), np.ones(1), t[0] if t.size else np.nan)
            )
            ok.append(False)
            continue
        t1, r1, c1 = log_bins(t[during], r[during], bins_per_decade, counts=True)
        t2, r2, c2 = log_bins(t[after] - d, r[after], bins_per_decade, counts=True)
        bins.append((np.r_[t1, t2 + d], np.r_[r1, r2], np.r_[c1, c2], t[0]))
        ok.append(True)
    length = max(b[0].size for b in bins)
    tt = np.ones((len(bins), length))
    yy = np.zeros_like(tt)
    ww = np.zeros_like(tt)
    nn = np.ones_like(tt)
    for k, (t, r, c, _) in enumerate(bins):
        tt[k, : t.size], yy[k, : t.size], ww[k, : t.size], nn[k, : t.size] = t, r, 1.0, c
        tt[k, t.size :] = t[-1]
    t_first = np.array([b[3] for b in bins])
    return tt, yy, ww, nn, dur, t_first, np.array(ok)


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
        a = unit_step(both, tau, nn, shape)
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
    sigma: np.ndarray,
    refine_taus: bool,
    tau_factor: float,
    bins_per_decade: int,
    max_developed: float,
    n_range: float,
    max_residual_ratio: float = 3.0,
    max_jump: float = 0.3,
    iterations: int = 25,
    progress: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Fit every pulse of ``gitt`` (a GittResult) with the time constants ``tp``
    (per-pulse arrays from :func:`ohmslice.method.decompose._interp_taus`); ``sigma`` is
    the white noise of one sample of R(t) per pulse [Ohm].

    Returns the per-pulse table (the columns of :mod:`ohmslice.method.columns`, the
    refined ``tau2_s``, ``tau3_s``, ``n2``, ``rms_residual_ohm``, ``residual_to_noise``,
    ``noise_ohm``) and notes. Pulses with fewer than 3 samples in the pulse or its rest
    get NaN; where charge transfer has developed by more than ``max_developed`` at the
    first sample, R1 and R2 are merged (``r12_ohm``) and a warning is issued. The checks
    of :func:`_checks` set ``usable`` and ``flag``. ``progress`` is called with a short
    description as each stage begins (binning, fit, checks).
    """
    report = progress or (lambda _msg: None)
    p = gitt.pulses
    report(f"decomposition (model): binning the R(t) of {len(p)} pulses")
    tt, yy, ww, nn, dur, t_first, ok = _binned_traces(gitt, bins_per_decade)
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

    report(f"decomposition (model): fitting {n} pulses")
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
    u, c, r2i, r3i, ri = _COL["u"], _COL["contact"], _COL["r2"], _COL["r3"], _COL["ramp"]
    tau2 = tp["tau2"] * np.exp(logf[:, 0])
    tau3 = tp["tau3"] * np.exp(logf[:, 1])
    n2 = n2_0 + logf[:, 2]
    # shares of charge transfer and diffusion developed by the pulse end (t = T)
    a2_end = np.where(merged, 1.0, unit_step(dur[:, None], tau2, n2, "zarc")[:, 0])
    a3_end = unit_step(dur[:, None], tau3, tp["n3"], tp["shape3"])[:, 0]

    def combo(weights: dict[int, np.ndarray | float]) -> tuple[np.ndarray, np.ndarray]:
        """Value and standard error of sum_j w_j coef_j, per pulse (covariance kept)."""
        w = np.zeros(coef.shape)
        for j, x in weights.items():
            w[:, j] = x
        val = np.einsum("nj,nj->n", w, coef)
        var = np.einsum("nj,njk,nk->n", w, cov, w)
        return val, np.sqrt(np.clip(var, 0, None))

    cw = np.where(contact, 1.0, 0.0)
    r1, r1_err = combo({u: 1.0, c: cw})  # series + contact arc where it was resolved
    r2, r2_err = combo({r2i: a2_end})
    r12, r12_err = combo({u: 1.0, c: cw, r2i: np.where(merged, 0.0, a2_end)})
    r3, r3_err = combo({r3i: a3_end})
    r3_dc, r3_dc_err = combo({r3i: 1.0})
    r_ocv, r_ocv_err = combo({ri: 1.0})
    r2_dc = coef[:, r2i]
    nbin = np.maximum(ww.sum(axis=1), 1)
    rms = np.sqrt(np.sum(res**2, axis=1) / nbin)
    # the residual against the noise of the bin means: sigma^2 / (samples per bin)
    expected = sigma * np.sqrt(np.sum(ww / nn, axis=1) / nbin)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, rms / expected, np.nan)
    table = pd.DataFrame(
        {
            "pulse": p["pulse"].to_numpy(),
            "r1_ohm": r1,
            "r1_ohm_err": r1_err,
            "r2_ohm": r2,
            "r2_ohm_err": r2_err,
            "r3_ohm": r3,
            "r3_ohm_err": r3_err,
            "r_ocv_ohm": r_ocv,
            "r_ocv_ohm_err": r_ocv_err,
            "r12_ohm": r12,
            "r12_ohm_err": r12_err,
            "r3_dc_ohm": r3_dc,
            "r3_dc_ohm_err": r3_dc_err,
            "r3_developed_share": a3_end,
            "r3_dc_extrapolated": a3_end < 0.95,
            "tau2_s": tau2,
            "tau3_s": tau3,
            "n2": n2,
            "contact_resolved": contact,
            "rms_residual_ohm": rms,
            "noise_ohm": sigma,
            "residual_to_noise": ratio,
        }
    )
    for col in ("r1_ohm", "r1_ohm_err", "r2_ohm", "r2_ohm_err"):
        table.loc[merged, col] = np.nan
    fitted = [c for c in table.columns if "_ohm" in c and c.startswith(("r1", "r2", "r3", "r_ocv"))]
    table.loc[~ok, fitted] = np.nan
    table["taus_extrapolated"] = tp["extrapolated"]
    at_bound = np.zeros((n, 2), dtype=bool)
    if refine_taus:
        at_bound = np.abs(np.abs(logf[:, :2]) - lim) < 1e-6
        at_bound[merged, 0] = False  # tau2 has nothing to act on where R2 is merged
    report(f"decomposition (model): checking {n} fits")
    usable, flags = _checks(
        table,
        p,
        ok=ok,
        merged=merged,
        developed=developed,
        t_first=t_first,
        r2_dc=r2_dc,
        at_bound=at_bound,
        tau_factor=tau_factor,
        max_residual_ratio=max_residual_ratio,
        max_jump=max_jump,
    )
    table["usable"] = usable
    table["flag"] = flags
    notes = []
    if merged.any():
        msg = (
            f"{int(merged.sum())} of {n} pulses: charge transfer complete before the first "
            "sample; R1 and R2 not separated there (see 'flag')"
        )
        notes.append(msg)
        warnings.warn(msg, stacklevel=3)
    failed = int((~usable).sum())
    if failed:
        notes.append(
            f"{failed} of {n} pulses fail the model's checks and are left out of the "
            "comparison (see 'flag')"
        )
    return table, notes


def _checks(
    table: pd.DataFrame,
    p: pd.DataFrame,
    *,
    ok: np.ndarray,
    merged: np.ndarray,
    developed: np.ndarray,
    t_first: np.ndarray,
    r2_dc: np.ndarray,
    at_bound: np.ndarray,
    tau_factor: float,
    max_residual_ratio: float,
    max_jump: float,
) -> tuple[np.ndarray, list[str]]:
    """Does the model describe each pulse? Returns ``usable`` and the ``flag`` texts.

    A pulse fails (``usable`` False, the reason in its flag) where

    * it has too few samples to fit, or it reached the cut-off voltage (shorter than the
      others: its components are not those of a full pulse);
    * the rms residual of the fit exceeds ``max_residual_ratio`` times what the noise of
      the data explains (the noise of one sample, estimated from the rests, over the
      square root of the samples averaged into each bin);
    * a refined time constant sits at its bound (``tau_factor`` x the EIS value): the
      data want a process the time constants do not describe;
    * a component is negative beyond two standard errors (R1, R2, the DC diffusion
      resistance, the OCV change);
    * a component (R1 or R1 + R2, R2, R3) jumps from the pulses around it by more than
      ``max_jump`` (relative) and four standard errors: compared with a straight line
      in (SOC, log R) through up to three passing pulses on each side.

    Notes that do not fail a pulse are kept in the flag too (R1 and R2 merged).
    """
    n = len(table)
    reasons: list[list[str]] = [[] for _ in range(n)]
    fail = ~ok
    cut = p["reached_cutoff"].to_numpy(bool) if "reached_cutoff" in p else np.zeros(n, bool)
    fail = fail | cut
    ratio = table["residual_to_noise"].to_numpy(float)
    bad_fit = ok & np.isfinite(ratio) & (ratio > max_residual_ratio)
    fail = fail | bad_fit
    bound = ok & at_bound.any(axis=1)
    fail = fail | bound
    neg_parts = {
        "R1": np.where(merged, table["r12_ohm"].to_numpy(float), table["r1_ohm"].to_numpy(float)),
        "R2": np.where(merged, np.nan, r2_dc),
        "R3 (DC)": table["r3_dc_ohm"].to_numpy(float),
        "r_ocv": table["r_ocv_ohm"].to_numpy(float),
    }
    neg_err = {
        "R1": np.where(
            merged, table["r12_ohm_err"].to_numpy(float), table["r1_ohm_err"].to_numpy(float)
        ),
        "R2": table["r2_ohm_err"].to_numpy(float),
        "R3 (DC)": table["r3_dc_ohm_err"].to_numpy(float),
        "r_ocv": table["r_ocv_ohm_err"].to_numpy(float),
    }
    negative = np.zeros(n, dtype=bool)
    neg_text = [""] * n
    for name, val in neg_parts.items():
        err = np.nan_to_num(neg_err[name], nan=0.0)
        hit = ok & np.isfinite(val) & (val < -2 * err) & (val < 0)
        for k in np.flatnonzero(hit & ~negative):
            neg_text[k] = f"a negative component ({name} = {val[k]:.3g} Ohm)"
        negative |= hit
    fail = fail | negative
    soc = p["soc_mid_pct"].to_numpy(float) if "soc_mid_pct" in p else np.arange(n, dtype=float)
    jumps = [""] * n
    jumped = np.zeros(n, dtype=bool)
    for name, col, err_col in (
        ("R1", "r1_ohm", "r1_ohm_err"),
        ("R1 + R2", "r12_ohm", "r12_ohm_err"),
        ("R2", "r2_ohm", "r2_ohm_err"),
        ("R3", "r3_ohm", "r3_ohm_err"),
    ):
        val = table[col].to_numpy(float)
        err = table[err_col].to_numpy(float)
        if name == "R1 + R2":  # only where R1 and R2 are merged
            val = np.where(merged, val, np.nan)
        pred = _neighbour_prediction(soc, val, ~fail)
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = np.abs(np.log(val / pred))
            rel_err = np.nan_to_num(err / val, nan=0.0)
        hit = ~fail & np.isfinite(dev) & (dev > np.log1p(max_jump)) & (dev > 4 * rel_err)
        for k in np.flatnonzero(hit & ~jumped):
            jumps[k] = (
                f"implausible {name} = {val[k]:.3g} Ohm: its neighbours in SOC give "
                f"{pred[k]:.3g} Ohm"
            )
        jumped |= hit
    fail = fail | jumped
    flags = []
    for k in range(n):
        f = reasons[k]
        if not ok[k]:
            f.append("too few samples in the pulse or its rest to fit")
        if cut[k]:
            f.append("the pulse reached the cut-off voltage: shorter than the others")
        if bad_fit[k]:
            f.append(
                f"the model misses the data: rms residual {ratio[k]:.1f} x the noise "
                f"(limit {max_residual_ratio:g})"
            )
        if bound[k]:
            which = " and ".join(
                nm for nm, hit in zip(("tau2", "tau3"), at_bound[k], strict=True) if hit
            )
            f.append(f"{which} at its bound (x{tau_factor:g} of the EIS value)")
        if negative[k]:
            f.append(neg_text[k])
        if jumped[k]:
            f.append(jumps[k])
        if merged[k]:
            f.append(
                f"R1 and R2 not separable: charge transfer {developed[k]:.0%} developed by the "
                f"first sample ({t_first[k]:.2g} s); r12_ohm = R1 + R2"
            )
        flags.append("; ".join(f))
    return ~fail, flags


def _neighbour_prediction(soc: np.ndarray, val: np.ndarray, good: np.ndarray) -> np.ndarray:
    """Per pulse, log-linear prediction of ``val`` at its SOC from up to three good pulses
    on each side (itself excluded; at the ends, from one side). NaN with fewer than 2."""
    n = val.size
    out = np.full(n, np.nan)
    ok = good & np.isfinite(val) & (val > 0)
    idx = np.flatnonzero(ok)
    if idx.size < 3:
        return out
    lv = np.log(np.where(ok, val, 1.0))
    for k in range(n):
        pos = np.searchsorted(idx, k)
        left = idx[max(pos - 3, 0) : pos]
        right = idx[pos + (1 if pos < idx.size and idx[pos] == k else 0) :][:3]
        nb = np.r_[left, right]
        if nb.size < 2:
            continue
        x, y = soc[nb], lv[nb]
        if np.ptp(x) <= 0:
            out[k] = np.exp(y.mean())
            continue
        slope, icpt = np.polyfit(x, y, 1)
        out[k] = np.exp(icpt + slope * soc[k])
    return out
