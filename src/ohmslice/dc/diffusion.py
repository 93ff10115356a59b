"""Solid-state diffusion coefficients from GITT pulses.

Three estimates per pulse, each with its standard error:

* **Weppner-Huggins, short-time form**: in the semi-infinite regime (pulse time
  tau_p << L^2/D, L = V_m/S, the volume over the surface of the active particles, r/3
  for spheres) the transient is linear in sqrt(t) with slope
  ``m = dE/dsqrt(t) = 2 I (dE/dQ) L / sqrt(pi D)``, so ``D = (4/pi) (I (dE/dQ) L / m)^2``
  with ``I dE/dQ = dE_s/tau_p`` (dE_s: the change of OCV over the pulse). The slope is
  fitted over a window of the pulse (default 20-100 % of it, after the fast RC parts).
* **Weppner-Huggins, classic form**: ``D = 4/(pi tau_p) (L dE_s/dE_t)^2`` with
  dE_t the voltage change during the pulse after the IR drop (from the sqrt(t)
  extrapolation to t = 0). Exact only when the whole transient is diffusive and in
  the short-time regime.
* **Exact spherical response**: a sphere of radius r under a constant flux has the
  surface response ``K [3x + 1/5 - 2 sum_n exp(-l_n^2 x)/l_n^2]``, x = t/tau_D,
  tau_D = r^2/D, l_n the positive roots of tan(l) = l. The pulse and its rest are fitted
  with this response (superposed for the current step off), an ohmic jump, the
  state-of-charge term (linear during the pulse, constant after) and a linear OCV
  drift left from earlier pulses. It remains right where the short-time assumption
  fails (long pulses, small particles, low SOC).

The sqrt(t)-linearity check flags pulses outside the short-time regime: a quadratic
term ``c t`` in a fit ``a + b sqrt(t) + c t`` over the window larger than 10 % of the
sqrt(t) term at the end of the pulse, or (geometry known) ``tau_p D / L^2 > 0.1``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar

from ..errors import AnalysisInputError
from .pulses import Arrays

__all__ = [
    "sphere_roots",
    "sphere_response",
    "weppner_huggins",
    "fit_sphere",
    "diffusion_table",
    "DIFFUSION_COLUMNS",
]

DIFFUSION_COLUMNS = (
    "sqrt_slope_V_per_sqrt_s",
    "sqrt_slope_se_V_per_sqrt_s",
    "sqrt_curvature",
    "short_time_ratio",
    "sqrt_linear",
    "d_wh_m2_s",
    "d_wh_se_m2_s",
    "d_wh_classic_m2_s",
    "d_wh_classic_se_m2_s",
    "tau_d_s",
    "tau_d_se_s",
    "d_sphere_m2_s",
    "d_sphere_se_m2_s",
    "sphere_drift_V_per_s",
    "sphere_rms_V",
)


@lru_cache(maxsize=4)
def sphere_roots(n: int = 40) -> np.ndarray:
    """The first ``n`` positive roots of tan(l) = l (Newton from the asymptote)."""
    k = np.arange(1, n + 1, dtype=float)
    x = (k + 0.5) * np.pi - 1.0 / ((k + 0.5) * np.pi)
    for _ in range(50):
        f = np.sin(x) - x * np.cos(x)  # tan(x) - x, multiplied by cos(x)
        df = x * np.sin(x)
        step = f / df
        x = x - step
        if np.max(np.abs(step)) < 1e-15:
            break
    return x


_SHORT_X = 0.01
_GAMMA = np.array([math.gamma((k + 3) / 2) for k in range(14)])


def sphere_response(x: np.ndarray) -> np.ndarray:
    """Surface response of a sphere to a unit flux step, less its linear part 3x.

    ``g(x) = 1/5 - 2 sum_n exp(-l_n^2 x)/l_n^2`` at reduced time x = t/tau_D, with
    l_n the roots of tan(l) = l; g(0) = 0, g ~ 2 sqrt(x/pi) for small x, g -> 1/5.
    Below x = 0.01 the exact short-time expansion ``sum_k x^((k+1)/2)/Gamma((k+3)/2) -
    3x`` (14 terms; the omitted terms are of order exp(-1/x)) is used, above it the
    series (40 roots). x <= 0 gives 0. Relative accuracy better than 1e-9.
    """
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    small = (x > 0) & (x < _SHORT_X)
    if small.any():
        xs = x[small]
        r = np.sqrt(xs)
        acc = np.zeros_like(xs)
        p = r.copy()
        for k in range(len(_GAMMA)):
            acc += p / _GAMMA[k]
            p = p * r
        out[small] = acc - 3.0 * xs
    big = x >= _SHORT_X
    if big.any():
        lam2 = sphere_roots(40) ** 2
        xb = x[big]
        out[big] = 0.2 - 2.0 * (np.exp(-np.multiply.outer(xb, lam2)) / lam2).sum(axis=-1)
    return out


def _pulse_model_columns(trel: np.ndarray, tau_p: float, tau_d: float) -> np.ndarray:
    """Design matrix of the sphere model at times ``trel`` since the step:
    [1, t, pulse indicator, OCV curvature, full sphere response (SOC term 3x included)]."""
    on = trel <= tau_p
    tq = np.where(on, trel, tau_p)
    dif = sphere_response(trel / tau_d) - np.where(on, 0.0, sphere_response((trel - tau_p) / tau_d))
    return np.column_stack(
        [np.ones_like(trel), trel, on.astype(float), (tq / tau_p) ** 2, 3.0 * tq / tau_d + dif]
    )


def fit_sphere(
    trel: np.ndarray,
    v: np.ndarray,
    tau_p: float,
    *,
    tau_bounds: tuple[float, float] | None = None,
) -> dict[str, float]:
    """Fit the exact spherical-diffusion response to one pulse and its rest.

    Model, with t since the current step and tau_p the pulse duration::

        V = E0 + s t + R P(t) + C (min(t, tau_p)/tau_p)^2
            + A [3 min(t, tau_p)/tau + g(t/tau) - g((t - tau_p)/tau)]

    P = 1 during the pulse; g is :func:`sphere_response` (0 for negative times);
    ``s`` is the OCV drift left from before, ``A`` the amplitude [V] of the sphere's
    response (whose linear part 3 A t/tau is the state-of-charge change, so
    ``3 A / (tau I)`` is dE/dQ at the start of the pulse), ``C`` the curvature of the
    OCV over the pulse [V] (OCV(SOC) is not a straight line over a pulse where it is
    steep), ``tau = r^2/D`` [s]. The five linear parameters are solved for each tau
    (variable projection); tau is found by a bounded search in log(tau), then all six
    standard errors come from the Jacobian.

    Parameters
    ----------
    trel, v
        Times since the step [s] (> 0, the fast transients already left out) and
        voltages [V] of the pulse and its rest.
    tau_p
        Pulse duration [s].
    tau_bounds
        Search range of tau [s] (default 1e-3 to 1e4 times tau_p).

    Returns
    -------
    dict
        ``tau_s``, ``tau_se_s``, ``drift_V_per_s``, ``drift_se``, ``r_ohmic_V`` (R as a
        voltage), ``soc_slope_V_per_s``, ``amplitude_V``, ``rms_V``, ``n``.

    Raises
    ------
    AnalysisInputError
        Fewer than 8 points, or points only on one side of the pulse end.
    """
    trel = np.asarray(trel, dtype=float)
    v = np.asarray(v, dtype=float)
    n = trel.size
    if n < 8 or not (trel <= tau_p).any() or not (trel > tau_p).any():
        raise AnalysisInputError(
            f"{n} points for the spherical-diffusion fit; expected at least 8, both during "
            "the pulse and in its rest"
        )
    lo, hi = tau_bounds if tau_bounds is not None else (1e-3 * tau_p, 1e4 * tau_p)
    scale = float(np.std(v)) or 1.0

    def sse(log_tau: float) -> float:
        x = _pulse_model_columns(trel, tau_p, math.exp(log_tau))
        coef, *_ = np.linalg.lstsq(x, v, rcond=None)
        r = v - x @ coef
        return float(r @ r) / scale**2

    # coarse grid then bounded refinement (the SSE can have shallow side minima)
    grid = np.linspace(math.log(lo), math.log(hi), 15)
    vals = np.array([sse(g) for g in grid])
    k = int(np.argmin(vals))
    a = grid[max(k - 1, 0)]
    b = grid[min(k + 1, len(grid) - 1)]
    res = minimize_scalar(sse, bounds=(a, b), method="bounded", options={"xatol": 1e-6})
    tau = math.exp(float(res.x))
    x = _pulse_model_columns(trel, tau_p, tau)
    coef, *_ = np.linalg.lstsq(x, v, rcond=None)
    r = v - x @ coef
    dof = max(n - 6, 1)
    s2 = float(r @ r) / dof
    # Jacobian column for log(tau), by central difference
    h = 1e-5
    xp = _pulse_model_columns(trel, tau_p, tau * math.exp(h))
    xm = _pulse_model_columns(trel, tau_p, tau * math.exp(-h))
    dlog = (xp[:, 4] - xm[:, 4]) * coef[4] / (2 * h)
    jac = np.column_stack([x, dlog])
    try:
        cov = s2 * np.linalg.pinv(jac.T @ jac)
        se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    except np.linalg.LinAlgError:  # pragma: no cover - pinv does not raise in practice
        se = np.full(6, np.nan)
    return {
        "tau_s": tau,
        "tau_se_s": tau * float(se[5]),
        "e0_V": float(coef[0]),
        "drift_V_per_s": float(coef[1]),
        "drift_se": float(se[1]),
        "r_ohmic_V": float(coef[2]),
        "ocv_curvature_V": float(coef[3]),
        "soc_slope_V_per_s": 3.0 * float(coef[4]) / tau,
        "amplitude_V": float(coef[4]),
        "rms_V": math.sqrt(float(r @ r) / n),
        "n": float(n),
    }


def weppner_huggins(
    slope_V_per_sqrt_s: float,
    delta_es_V: float,
    tau_p_s: float,
    l_m: float,
) -> float:
    """Short-time Weppner-Huggins D [m^2/s] = (4/pi) (L dE_s / (tau_p m))^2.

    ``slope_V_per_sqrt_s`` is dE/dsqrt(t) during the pulse, ``delta_es_V`` the OCV change
    over the pulse, ``tau_p_s`` its duration, ``l_m`` = V_m/S [m].
    """
    return 4.0 / np.pi * (l_m * delta_es_V / (tau_p_s * slope_V_per_sqrt_s)) ** 2


def _log_pick(trel: np.ndarray, lo: float, hi: float, n: int) -> np.ndarray:
    """Indices of about ``n`` samples log-spaced in time within [lo, hi]."""
    i0 = int(np.searchsorted(trel, lo, side="left"))
    i1 = int(np.searchsorted(trel, hi, side="right"))
    if i1 - i0 <= n:
        return np.arange(i0, i1)
    targets = np.geomspace(max(lo, trel[i0]), hi, n)
    idx = np.searchsorted(trel, targets, side="left").clip(i0, i1 - 1)
    return np.unique(idx)


def diffusion_table(
    arr: Arrays,
    pulses: pd.DataFrame,
    *,
    particle_radius_m: float | None = None,
    vm_over_s_m: float | None = None,
    sqrt_window: tuple[float, float] = (0.2, 1.0),
    fit_skip: float = 0.2,
    n_fit_points: int = 120,
) -> pd.DataFrame:
    """Diffusion columns (:data:`DIFFUSION_COLUMNS`) for the pulses of a GITT table.

    Parameters
    ----------
    arr
        Time, voltage and (canonical-sign) current of the recording.
    pulses
        The per-pulse table of :func:`ohmslice.dc.gitt.analyze_gitt` (uses ``row_start``,
        ``row_stop``, ``t_start_s``, ``duration_s``, ``current_A``, ``ocv_before_V``,
        ``ocv_after_V``, ``v_end_V``, ``r_ir0_ohm``, ``r_ir0_se_ohm``, ``rest_s``).
    particle_radius_m, vm_over_s_m
        Geometry: particle radius r [m] or L = V_m/S [m] (r = 3 L for spheres). Without
        either, the D columns are NaN but tau_D, slopes and flags are still given.
    sqrt_window
        Window of the sqrt(t) fit, as fractions of the pulse duration.
    fit_skip
        Time left out after each current step in the sphere fit, as a fraction of the
        pulse duration (fast RC transients).
    n_fit_points
        Samples used per pulse-and-rest in the sphere fit (log-spaced in time).

    Returns
    -------
    pandas.DataFrame
        One row per pulse, same index as ``pulses``. ``d_wh_m2_s`` (short-time form)
        and ``d_wh_classic_m2_s`` (dE_s/dE_t form) with standard errors,
        ``sqrt_slope_V_per_sqrt_s`` and its error, ``sqrt_curvature`` (|c t_p| /
        |b sqrt(t_p)|), ``short_time_ratio`` (tau_p D_wh / L^2), ``sqrt_linear`` (the
        check), ``tau_d_s`` = r^2/D from the sphere fit and ``d_sphere_m2_s`` with
        errors, ``sphere_drift_V_per_s`` and ``sphere_rms_V``.

    Raises
    ------
    AnalysisInputError
        A geometry value that is not a positive length.
    """
    for name, val in (("particle_radius_m", particle_radius_m), ("vm_over_s_m", vm_over_s_m)):
        if val is not None and not (np.isfinite(val) and val > 0):
            raise AnalysisInputError(f"{name}={val!r}; expected a length > 0 m")
    if particle_radius_m is not None:
        r_p = float(particle_radius_m)
        l_m = float(vm_over_s_m) if vm_over_s_m is not None else r_p / 3.0
    elif vm_over_s_m is not None:
        l_m = float(vm_over_s_m)
        r_p = 3.0 * l_m
    else:
        r_p = l_m = np.nan
    t, v = arr.t, arr.v
    out = {c: np.full(len(pulses), np.nan) for c in DIFFUSION_COLUMNS}
    flags = np.zeros(len(pulses), dtype=bool)
    for k, row in enumerate(pulses.itertuples(index=False)):
        s, e = int(row.row_start), int(row.row_stop)
        tau_p = float(row.duration_s)
        t0 = float(row.t_start_s)
        trel = t[s:e] - t0
        vp = v[s:e]
        des = float(row.ocv_after_V - row.ocv_before_V)
        # sqrt(t) fit: a + b sqrt(t) (+ c t for the linearity check)
        lo, hi = sqrt_window[0] * tau_p, sqrt_window[1] * tau_p
        sel = (trel >= lo) & (trel <= hi)
        if sel.sum() >= 4:
            q = np.sqrt(trel[sel])
            y = vp[sel]
            x2 = np.column_stack([np.ones_like(q), q])
            coef, *_ = np.linalg.lstsq(x2, y, rcond=None)
            res = y - x2 @ coef
            s2 = float(res @ res) / max(len(y) - 2, 1)
            cov = s2 * np.linalg.inv(x2.T @ x2)
            b, b_se = float(coef[1]), float(np.sqrt(cov[1, 1]))
            x3 = np.column_stack([np.ones_like(q), q, q * q])
            c3, *_ = np.linalg.lstsq(x3, y, rcond=None)
            curv = abs(c3[2] * tau_p) / max(abs(c3[1] * np.sqrt(tau_p)), 1e-300)
            out["sqrt_slope_V_per_sqrt_s"][k] = b
            out["sqrt_slope_se_V_per_sqrt_s"][k] = b_se
            out["sqrt_curvature"][k] = curv
            if np.isfinite(des) and np.isfinite(l_m):
                d = weppner_huggins(b, des, tau_p, l_m)
                out["d_wh_m2_s"][k] = d
                out["d_wh_se_m2_s"][k] = 2.0 * d * b_se / abs(b)
                out["short_time_ratio"][k] = tau_p * d / l_m**2
            ratio = out["short_time_ratio"][k]
            flags[k] = curv < 0.1 and (not np.isfinite(ratio) or ratio < 0.1)
        # classic: dE_t from the IR-extrapolated start to the end of the pulse
        v0 = row.ocv_before_V + row.r_ir0_ohm * row.current_A
        det = float(row.v_end_V - v0)
        if np.isfinite(det) and det != 0 and np.isfinite(des) and np.isfinite(l_m):
            d = 4.0 / (np.pi * tau_p) * (l_m * des / det) ** 2
            out["d_wh_classic_m2_s"][k] = d
            out["d_wh_classic_se_m2_s"][k] = 2.0 * d * abs(row.r_ir0_se_ohm * row.current_A / det)
        # exact spherical response over the pulse and its rest
        rs, re_ = e, e + int(np.searchsorted(t[e:], t0 + tau_p + row.rest_s, side="right"))
        tr = t[s:re_] - t0
        vr = v[s:re_]
        skip = fit_skip * tau_p
        ip = _log_pick(tr, skip, tau_p, n_fit_points // 3)
        ir = _log_pick(tr, tau_p + skip, tr[-1], n_fit_points - len(ip)) if re_ > rs else []
        idx = np.r_[ip, ir].astype(int)
        try:
            fit = fit_sphere(tr[idx], vr[idx], tau_p)
        except AnalysisInputError:
            continue
        out["tau_d_s"][k] = fit["tau_s"]
        out["tau_d_se_s"][k] = fit["tau_se_s"]
        out["sphere_drift_V_per_s"][k] = fit["drift_V_per_s"]
        out["sphere_rms_V"][k] = fit["rms_V"]
        if np.isfinite(r_p):
            d = r_p**2 / fit["tau_s"]
            out["d_sphere_m2_s"][k] = d
            out["d_sphere_se_m2_s"][k] = d * fit["tau_se_s"] / fit["tau_s"]
    df = pd.DataFrame(out, index=pulses.index)
    df["sqrt_linear"] = flags
    return df[list(DIFFUSION_COLUMNS)]
