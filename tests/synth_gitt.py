"""Known-answer GITT records for the pulse-engine tests.

A half-cell is modelled as a series resistance ``R0``, RC parts ``(R_k, tau_k)`` and a
finite-space (reflective) spherical diffusion element, on top of an open-circuit voltage
OCV(SOC) driven by coulomb-counted SOC. For a current step ``I`` at ``t = 0`` the
overpotential is, exactly,

    I * [R0 + sum_k R_k (1 - exp(-t/tau_k)) + K * g(t / tau_D)],

with ``tau_D = r_p**2 / D`` and ``K = tau_D * (dOCV/dQ) / 3`` [Ohm], the constant of a
sphere of radius ``r_p`` whose surface concentration drives the voltage; ``g`` is the
spherical response minus its linear (state-of-charge) part, which the OCV curve carries.
Here ``g`` is computed *independently of ohmslice*, by numerical inversion
(Gaver-Stehfest, 16 terms, relative accuracy about 1e-6) of its Laplace transform
``G(p) = 1/(p (sqrt(p) coth(sqrt(p)) - 1)) - 3/p**2``.

Each pulse's response uses that pulse's parameters (evaluated at its starting SOC), and
only the current and the previous pulse contribute (rests are long enough for older
tails to be below 1e-9 V). The CC-CV (or CC) full charge/discharge before the pulses
is quasi-static (V = OCV + I * R_dc, CV at constant voltage with an exponentially
decaying current, then an exponential relaxation with a 30 s time constant): only its
charge matters to the analysis.

Sampling is either uniform (``dt_s``) or EC-Lab style: a point is written whenever the
voltage has crossed a multiple of ``de_V`` since the previous candidate or ``dt_max_s``
has passed, on a dense candidate grid that is logarithmic after each current step (from
10 us), so a pulse has ~10 points in its first millisecond. The last sample of every
step is written at its end, with that step's current (the timing convention of
:mod:`ohmslice.dc.pulses`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ohmslice.schema import Recording

F_C = 96485.33212


# ---------------------------------------------------------------- Laplace inversion ----
def _stehfest_weights(n: int = 16) -> np.ndarray:
    half = n // 2
    w = np.zeros(n)
    for k in range(1, n + 1):
        s = 0.0
        for j in range((k + 1) // 2, min(k, half) + 1):
            s += (
                j**half
                * math.factorial(2 * j)
                / (
                    math.factorial(half - j)
                    * math.factorial(j)
                    * math.factorial(j - 1)
                    * math.factorial(k - j)
                    * math.factorial(2 * j - k)
                )
            )
        w[k - 1] = (-1) ** (k + half) * s
    return w


_W = _stehfest_weights(16)


def _g_laplace(p: np.ndarray) -> np.ndarray:
    q = np.sqrt(p)
    # sqrt(p) coth(sqrt(p)) - 1, stable for small and large p
    with np.errstate(over="ignore"):
        coth = np.where(q < 20, 1.0 / np.tanh(np.minimum(q, 20)), 1.0)
    small = q < 1e-2
    d = np.where(small, p / 3 - p**2 / 45, q * coth - 1.0)
    return 1.0 / (p * d) - 3.0 / p**2


def g_sphere(x: np.ndarray) -> np.ndarray:
    """Spherical diffusion response minus its linear part, at reduced time x = t/tau_D.

    g(0) = 0, g(x) ~ 2 sqrt(x/pi) at short times, g -> 1/5 at long times. For x <= 0
    returns 0. Computed by Gaver-Stehfest inversion (independent of ohmslice).
    """
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    pos = x > 0
    xp = x[pos]
    if xp.size:
        ln2 = math.log(2.0)
        acc = np.zeros_like(xp)
        for k, w in enumerate(_W, start=1):
            acc += w * _g_laplace(k * ln2 / xp)
        out[pos] = acc * ln2 / xp
        # at long times the inversion loses digits: use the exact limit
        big = xp > 3.0
        if big.any():
            out[np.flatnonzero(pos)[big]] = 0.2 - 2 * np.exp(-(4.493409457909064**2) * xp[big]) / (
                4.493409457909064**2
            )
    return out


# ---------------------------------------------------------------------- the cell ----
def ocv_default(soc_pct: np.ndarray) -> np.ndarray:
    """Known OCV [V vs Li] of an NCM-like cathode at SOC [%]."""
    x = np.asarray(soc_pct, dtype=float) / 100.0
    return (
        3.55
        + 0.65 * x
        + 0.08 * np.tanh((x - 0.5) / 0.1)
        - 0.3 * np.exp(-x / 0.02)
        + 0.1 * np.exp((x - 1.0) / 0.02)
    )


def docv_dsoc_default(soc_pct: np.ndarray) -> np.ndarray:
    """dOCV/dSOC [V per %] of :func:`ocv_default`."""
    x = np.asarray(soc_pct, dtype=float) / 100.0
    d = (
        0.65
        + 0.8 / np.cosh((x - 0.5) / 0.1) ** 2
        + 15.0 * np.exp(-x / 0.02)
        + 5.0 * np.exp((x - 1.0) / 0.02)
    )
    return d / 100.0


def _const(v: float) -> Callable[[float], float]:
    return lambda soc: v


@dataclass
class Cell:
    """Equivalent circuit of the half-cell; resistances may depend on SOC [%]."""

    capacity_Ah: float = 2.36e-3
    r0_ohm: Callable[[float], float] = field(default_factory=lambda: _const(30.0))
    rc: tuple[tuple[Callable[[float], float], float], ...] = field(
        default_factory=lambda: (
            (_const(20.0), 1e-3),
            (lambda s: 40.0 * (1 + 1.5 * ((s - 50.0) / 50.0) ** 2), 2.0),
        )
    )
    tau_d_s: Callable[[float], float] = field(
        default_factory=lambda: lambda s: 300.0 * (1 + 2 * math.exp(-s / 10.0))
    )
    particle_radius_m: float = 3e-6
    ocv: Callable[[np.ndarray], np.ndarray] = ocv_default
    docv_dsoc: Callable[[np.ndarray], np.ndarray] = docv_dsoc_default

    def k_ohm(self, soc: float) -> float:
        """Diffusion constant K = tau_D * dOCV/dQ / 3 [Ohm] at SOC [%]."""
        de_dq = float(self.docv_dsoc(np.array(soc))) * 100.0 / (self.capacity_Ah * 3600.0)
        return self.tau_d_s(soc) * de_dq / 3.0

    def r_dc(self, soc: float) -> float:
        """Steady-state resistance [Ohm] (R0 + RC + K/5)."""
        return self.r0_ohm(soc) + sum(r(soc) for r, _ in self.rc) + self.k_ohm(soc) / 5.0

    def step_response(self, soc: float, t: np.ndarray) -> np.ndarray:
        """Overpotential per ampere [Ohm] at time t [s] after a unit step (0 for t <= 0)."""
        t = np.asarray(t, dtype=float)
        pos = t > 0
        out = np.where(pos, self.r0_ohm(soc), 0.0)
        tp = np.where(pos, t, 0.0)
        for r, tau in self.rc:
            out = out + np.where(pos, r(soc) * -np.expm1(-tp / tau), 0.0)
        tau_d = self.tau_d_s(soc)
        out = out + self.k_ohm(soc) * g_sphere(tp / tau_d)
        return out

    def diffusion_m2_s(self, soc: float) -> float:
        return self.particle_radius_m**2 / self.tau_d_s(soc)


# -------------------------------------------------------------------- the record ----
@dataclass
class SynthGitt:
    recording: Recording
    truth: pd.DataFrame
    capacity_Ah: float
    cell: Cell
    step_times: np.ndarray  # pulse start times [s]
    info: dict


def _sample_times(t0: float, t1: float, sampling: str, dt_s: float, dt_max_s: float) -> np.ndarray:
    """Candidate sample times in (t0, t1], last one at t1."""
    dur = t1 - t0
    if sampling == "uniform":
        n = max(1, int(round(dur / dt_s)))
        return t0 + dur * np.arange(1, n + 1) / n
    logs = np.geomspace(1e-5, dur, 400)
    lin = np.arange(dt_max_s / 4, dur, dt_max_s / 4)
    rel = np.unique(np.r_[logs, lin, dur])
    rel = rel[(rel > 0) & (rel <= dur)]
    return t0 + rel


def _decimate_de(t: np.ndarray, v: np.ndarray, de_V: float, dt_max_s: float) -> np.ndarray:
    """EC-Lab-like choice (vectorised approximation): keep where V crosses a multiple of
    de_V or where a dt_max_s bin starts, plus the first and last point."""
    lv = np.floor(v / de_V)
    lt = np.floor((t - t[0]) / dt_max_s)
    keep = np.r_[True, (lv[1:] != lv[:-1]) | (lt[1:] != lt[:-1])]
    keep[-1] = True
    return keep


def make_gitt(
    cell: Cell | None = None,
    *,
    direction: str = "discharge",
    c_rate: float = 0.5,
    pulse_s: float | np.ndarray = 72.0,
    rest_s: float = 600.0,
    n_pulses: int | None = None,
    sampling: str = "uniform",
    dt_s: float = 1.0,
    de_V: float = 1e-3,
    dt_max_s: float = 10.0,
    noise_V: float = 1e-4,
    noise_I_rel: float = 5e-4,
    v_min: float = 3.0,
    v_max: float = 4.35,
    cut_rest_at_s: float | None = None,
    flip_sign: bool = False,
    with_full: bool = True,
    seed: int = 0,
) -> SynthGitt:
    """A full charge (CC-CV; or full CC discharge for ``direction="charge"``), a rest,
    then pulses of ``c_rate`` for ``pulse_s`` each followed by ``rest_s`` rest, until the
    cut-off voltage (the pulse reaching it is cut short) or ``n_pulses``.

    ``cut_rest_at_s`` ends the record that long into the last rest. ``flip_sign`` writes
    the current with the opposite sign convention. Returns the recording and a truth
    table with one row per pulse (noise-free values at the sampled instants and the
    circuit's own parameters).
    """
    cell = cell or Cell()
    rng = np.random.default_rng(seed)
    cap = cell.capacity_Ah
    i_1c = cap  # A for 1C
    sgn = -1.0 if direction == "discharge" else 1.0
    i_pulse = sgn * c_rate * i_1c
    ts: list[np.ndarray] = []
    vs: list[np.ndarray] = []
    is_: list[np.ndarray] = []

    # --- initial state and full charge / discharge (quasi-static) ---------------------
    t = 0.0
    soc0 = 0.0 if direction == "discharge" else 100.0
    if not with_full:  # start where the full charge/discharge would have left the cell
        soc0 = 100.0 - soc0
    rest0 = 600.0
    tt = _sample_times(t, t + rest0, "uniform", 5.0, 5.0)
    ts.append(np.r_[0.0, tt])
    vs.append(np.full(len(tt) + 1, float(cell.ocv(np.array(soc0)))))
    is_.append(np.zeros(len(tt) + 1))
    t += rest0
    if with_full:
        i_full = -sgn * 0.1 * i_1c  # charge before a discharge GITT, and vice versa
        target_cc = 95.0 if direction == "discharge" else 0.0
        t_cc = abs(target_cc - soc0) / 100 * cap / abs(i_full) * 3600
        tt = _sample_times(t, t + t_cc, "uniform", 10.0, 10.0)
        soc = soc0 + 100 * i_full * (tt - t) / 3600 / cap
        rdc = cell.r_dc(50.0)
        v = cell.ocv(soc) + i_full * rdc
        ts.append(tt)
        vs.append(v)
        is_.append(np.full(len(tt), i_full))
        t += t_cc
        soc_end = float(soc[-1])
        v_hold = float(v[-1])
        if direction == "discharge":
            # CV: current i_full * exp(-s/tau), passing the remaining 5 %
            q_cv = (100.0 - soc_end) / 100 * cap * 3600  # A s
            frac = 0.05
            tau_cv = q_cv / (abs(i_full) * (1 - frac))
            t_cv = -tau_cv * math.log(frac)
            tt = _sample_times(t, t + t_cv, "uniform", 10.0, 10.0)
            cur = i_full * np.exp(-(tt - t) / tau_cv)
            ts.append(tt)
            vs.append(np.full(len(tt), v_hold))
            is_.append(cur)
            # exact charge of the sampled profile (trapezoid, held first interval)
            t += t_cv
            soc_full = 100.0
        else:
            soc_full = 0.0
        # relaxation rest, 1000 s
        v_eq = float(cell.ocv(np.array(soc_full)))
        v_from = float(vs[-1][-1])
        tt = _sample_times(t, t + 1000.0, "uniform", 5.0, 5.0)
        ts.append(tt)
        vs.append(v_eq + (v_from - v_eq) * np.exp(-(tt - t) / 30.0))
        is_.append(np.zeros(len(tt)))
        t += 1000.0
    else:
        soc_full = soc0

    # --- pulses -------------------------------------------------------------------------
    durations = np.resize(np.asarray(pulse_s, dtype=float), 10000)  # repeated as needed
    rows = []
    soc = soc_full
    prev = None  # (t_on, t_off, soc_at_start) of the previous pulse
    k = 0
    ocv_before = float(cell.ocv(np.array(soc)))
    while n_pulses is None or k < n_pulses:
        dur = float(durations[k])
        t_on = t
        soc_start = soc

        def volt(tq, t_off, soc_start=soc_start, t_on=t_on, prev=prev):
            s = soc_start + 100 * i_pulse * (np.minimum(tq, t_off) - t_on) / 3600 / cap
            v = cell.ocv(s) + i_pulse * (
                cell.step_response(soc_start, tq - t_on) - cell.step_response(soc_start, tq - t_off)
            )
            if prev is not None:
                p_on, p_off, p_soc = prev
                v = v + i_pulse * (
                    cell.step_response(p_soc, tq - p_on) - cell.step_response(p_soc, tq - p_off)
                )
            return v

        tt = _sample_times(t_on, t_on + dur, sampling, dt_s, dt_max_s)
        v = volt(tt, t_on + dur)
        cut = (v < v_min) if sgn < 0 else (v > v_max)
        reached = bool(cut.any())
        if reached:
            # bisect the crossing time on a fine grid
            j = int(np.argmax(cut))
            lo = tt[j - 1] if j > 0 else t_on
            fine = np.linspace(lo, tt[j], 2001)
            vf = volt(fine, t_on + dur)
            cf = (vf < v_min) if sgn < 0 else (vf > v_max)
            t_cut = float(fine[int(np.argmax(cf))])
            dur = t_cut - t_on
            tt = np.r_[tt[tt < t_cut], t_cut]
        t_off = t_on + dur
        v = volt(tt, t_off)
        if sampling == "dE":
            keep = _decimate_de(tt, v, de_V, dt_max_s)
            tt, v = tt[keep], v[keep]
        ts.append(tt)
        vs.append(v)
        is_.append(np.full(len(tt), i_pulse))
        soc_end = soc_start + 100 * i_pulse * dur / 3600 / cap
        # rest
        rest_len = (
            rest_s if cut_rest_at_s is None or not (reached or k + 1 == n_pulses) else cut_rest_at_s
        )
        tr = _sample_times(t_off, t_off + rest_len, sampling, dt_s, dt_max_s)
        vr = volt(tr, t_off)
        if sampling == "dE":
            keep = _decimate_de(tr, vr, de_V, dt_max_s)
            tr, vr = tr[keep], vr[keep]
        ts.append(tr)
        vs.append(vr)
        is_.append(np.zeros(len(tr)))
        complete = rest_len >= rest_s
        mid = 0.5 * (soc_start + soc_end)
        rows.append(
            {
                "pulse": k + 1,
                "soc_start_pct": soc_start,
                "soc_end_pct": soc_end,
                "current_A": i_pulse,
                "duration_s": dur,
                "charge_Ah": i_pulse * dur / 3600,
                "ocv_before_V": ocv_before,
                "ocv_after_V": float(vr[-1]) if complete else np.nan,
                "v_end_V": float(v[-1]),
                "t_first_s": float(tt[0] - t_on),
                "v_first_V": float(v[0]),
                "r0_ohm": cell.r0_ohm(soc_start),
                "r_dc_ohm": cell.r_dc(soc_start),
                "tau_d_s": cell.tau_d_s(soc_start),
                "d_m2_s": cell.diffusion_m2_s(soc_start),
                "docv_dsoc_mid_V": float(cell.docv_dsoc(np.array(mid))),
                "reached_cutoff": reached,
                "complete": complete,
                "t_on_s": t_on,
            }
        )
        ocv_before = float(vr[-1])
        prev = (t_on, t_off, soc_start)
        soc = soc_end
        t = t_off + rest_len
        k += 1
        if reached or not complete:
            break
        if (sgn < 0 and soc <= 0.0) or (sgn > 0 and soc >= 100.0):
            break

    tt = np.concatenate(ts)
    vv = np.concatenate(vs)
    ii = np.concatenate(is_)
    truth = pd.DataFrame(rows)
    truth["r_total_ohm"] = (truth["ocv_before_V"] - truth["v_end_V"]) / -truth["current_A"]
    truth["r_polarization_ohm"] = (truth["ocv_after_V"] - truth["v_end_V"]) / -truth["current_A"]
    truth["r_first_ohm"] = (truth["ocv_before_V"] - truth["v_first_V"]) / -truth["current_A"]
    vn = vv + rng.normal(0.0, noise_V, len(vv)) if noise_V > 0 else vv
    inoise = rng.normal(0.0, noise_I_rel * abs(i_pulse), len(ii)) if noise_I_rel > 0 else 0.0
    iw = ii + inoise
    iw = np.where(ii == 0, inoise * 0.2, iw) if noise_I_rel > 0 else iw
    if flip_sign:
        iw = -iw
    rec = Recording.from_arrays(tt, vn, iw, meta={"source": "synthetic"})
    return SynthGitt(
        rec,
        truth,
        cap,
        cell,
        truth["t_on_s"].to_numpy(),
        {"v_clean": vv, "i_clean": ii, "t": tt, "soc_full": soc_full},
    )
