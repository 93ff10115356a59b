"""Electronic conductivity from a DC polarisation (potentiostatic steps, Hebb-Wagner type).

A sample between ion-blocking, electron-conducting electrodes (SUS | sample | SUS) is
held at a voltage step dV above its open-circuit voltage. The ions move until the
blocking double layers are charged and then stop; the current decays to the
electronic current alone, I_ss = dV / R_e. The electronic resistance and conductivity
are

    R_e = dV / I_ss [Ohm],    sigma_e = L / (R_e A) = L I_ss / (dV A) [S/cm].

Holds (:func:`find_holds`): runs of samples whose voltage spreads by at most
``v_tol_V``, carrying current, lasting at least ``min_hold_s`` and stepped at least
``min_step_V`` away from the open-circuit voltage. The open-circuit voltage is
``v_open_V`` when given, else the mean voltage of the samples at zero current (|I| at
most 1e-6 of the largest) before the first hold (a rest), else 0 V (a symmetric blocking
cell).

Steady state: I_ss is the mean current over the last ``tail_fraction`` (10 %) of each
hold, with the standard error of that mean (the samples' scatter / sqrt(n)). The hold
is *steady* when the mean of the window before it differs by at most ``max_drift``
(2 %) of I_ss; otherwise the current was still decaying: I_ss and sigma_e are upper
bounds (``steady`` False, said in ``notes``; ``success`` False unless
``allow_unsteady``), and the remedy is a longer hold.

One hold gives R_e = dV / I_ss. Several holds at different dV give R_e from the
weighted least-squares line I_ss = dV / R_e through the origin (Ohmic behaviour; the
points' scatter about it, as a reduced chi2 above 1, widens the error), and each hold's
own value stays in the table. Uncertainty of sigma_e: the fit's relative error and the
thickness's and area's, in quadrature.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AnalysisInputError, InputError
from ..schema import Recording
from .pulses import arrays_of

__all__ = ["PolarizationResult", "dc_polarization", "find_holds"]

#: plausible thickness [cm] and area [cm2] of a sample (as for the impedance analysis)
THICKNESS_RANGE_CM = (1e-5, 2.0)
AREA_RANGE_CM2 = (1e-4, 100.0)
T0_K = 273.15


def _geometry(length: Any, area: Any, dl: Any, da: Any, src: str | None):
    out = []
    for name, v, (lo, hi), unit in (("thickness_cm", length, THICKNESS_RANGE_CM, "cm"),
                                    ("area_cm2", area, AREA_RANGE_CM2, "cm2")):  # fmt: skip
        if v is None:
            raise InputError(f"{name} is missing: the conductivity needs the sample's "
                             "thickness and area", path=src)  # fmt: skip
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise InputError(f"{name}={v!r}: expected a number", path=src) from None
        if not np.isfinite(x) or x <= 0:
            raise InputError(f"{name}={v!r}: expected a finite value > 0", path=src)
        if not lo <= x <= hi:
            raise InputError(f"{name}={x:g} {unit} is implausible for a pellet or electrode "
                             f"(expected {lo:g} to {hi:g} {unit}); is it in the unit asked "
                             "for?", path=src)  # fmt: skip
        out.append(x)
    for name, v in (("thickness_err_cm", dl), ("area_err_cm2", da)):
        x = float(0.0 if v is None else v)
        if not np.isfinite(x) or x < 0:
            raise InputError(f"{name}={v!r}: expected a finite value >= 0", path=src)
        out.append(x)
    return out


def find_holds(
    recording: Recording,
    *,
    v_tol_V: float = 2e-3,
    min_hold_s: float = 10.0,
) -> pd.DataFrame:
    """Runs of constant voltage in ``recording``: one row per run of at least
    ``min_hold_s`` [s] whose samples stay within ``v_tol_V`` [V] of its first sample.

    Columns: ``start``, ``stop`` (row indices, stop exclusive), ``t_start_s``,
    ``t_end_s``, ``duration_s``, ``voltage_V`` (mean), ``mean_abs_current_A``.
    Vectorised: a new run starts where the voltage jumps by more than ``v_tol_V`` from
    one sample to the next; a run whose voltage spreads by more than ``v_tol_V`` (a slow
    ramp, a relaxing open-circuit voltage) is not a hold.
    """
    a = arrays_of(recording)
    t, v, i = a.t, a.v, a.i
    n = t.size
    brk = np.flatnonzero(np.abs(np.diff(v)) > v_tol_V) + 1
    starts = np.r_[0, brk]
    stops = np.r_[brk, n]
    # a run whose voltage spreads beyond v_tol_V (a slow ramp, a relaxing OCV) is no hold
    spread = np.maximum.reduceat(v, starts) - np.minimum.reduceat(v, starts)
    keep = spread <= v_tol_V
    starts, stops = starts[keep], stops[keep]
    t0 = np.where(starts > 0, t[np.maximum(starts - 1, 0)], t[starts])
    dur = t[stops - 1] - t0
    cs_v = np.r_[0.0, np.cumsum(v)]
    cs_i = np.r_[0.0, np.cumsum(np.abs(i))]
    cnt = stops - starts
    df = pd.DataFrame({
        "start": starts, "stop": stops, "t_start_s": t0, "t_end_s": t[stops - 1],
        "duration_s": dur, "voltage_V": (cs_v[stops] - cs_v[starts]) / cnt,
        "mean_abs_current_A": (cs_i[stops] - cs_i[starts]) / cnt,
    })  # fmt: skip
    return df[df["duration_s"] >= min_hold_s].reset_index(drop=True)


@dataclass
class PolarizationResult:
    """Electronic conductivity from the steady-state currents of potentiostatic holds.

    Attributes
    ----------
    sigma_e_S_cm, sigma_e_err_S_cm : float
        L / (R_e A) [S/cm] and its standard error (fit and geometry); NaN unless
        ``success`` (or ``allow_unsteady``, then an upper bound).
    r_e_ohm, r_e_err_ohm : float
        Electronic resistance [Ohm] and its standard error.
    holds : DataFrame
        One row per hold used: ``t_start_s``, ``duration_s``, ``voltage_V``,
        ``delta_V`` (the step above the open-circuit voltage), ``i_ss_A``,
        ``i_ss_err_A``, ``drift`` (relative change over the last two windows),
        ``steady``, ``r_e_ohm``, ``sigma_e_S_cm``.
    v_open_V : float
        The open-circuit voltage [V] and ``v_open_source`` ('given', 'rest', 'zero').
    steady : bool
        Every hold reached a steady state.
    chi2_reduced : float
        Scatter of several holds about I = dV / R_e (NaN for one hold).
    temperature_C : float
        From the recording's ``temperature_C`` column over the holds, or given; NaN
        when unknown (``temperature_source``).
    thickness_cm, thickness_err_cm, area_cm2, area_err_cm2 : float
    success : bool
    reasons, notes : list of str
    source : str or None
    """

    sigma_e_S_cm: float
    sigma_e_err_S_cm: float
    r_e_ohm: float
    r_e_err_ohm: float
    holds: pd.DataFrame
    v_open_V: float
    v_open_source: str
    steady: bool
    chi2_reduced: float
    temperature_C: float
    temperature_source: str
    thickness_cm: float
    thickness_err_cm: float
    area_cm2: float
    area_err_cm2: float
    success: bool
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source: str | None = None

    def row(self) -> dict[str, Any]:
        """One flat record (the scalar fields) for a table."""
        keys = ["source", "temperature_C", "temperature_source", "thickness_cm",
                "thickness_err_cm", "area_cm2", "area_err_cm2", "v_open_V", "r_e_ohm",
                "r_e_err_ohm", "sigma_e_S_cm", "sigma_e_err_S_cm", "steady",
                "chi2_reduced", "success"]  # fmt: skip
        out = {k: getattr(self, k) for k in keys}
        out["n_holds"] = len(self.holds)
        out["reasons"] = "; ".join(self.reasons)
        out["notes"] = "; ".join(self.notes)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary with the per-hold table."""

        def j(v: Any) -> Any:
            if isinstance(v, (bool, np.bool_)):
                return bool(v)
            if isinstance(v, (float, np.floating)):
                return float(v) if np.isfinite(v) else None
            if isinstance(v, np.integer):
                return int(v)
            return v

        out = {k: j(v) for k, v in self.row().items()}
        out["reasons"], out["notes"] = list(self.reasons), list(self.notes)
        out["holds"] = [{k: j(v) for k, v in r.items()}
                        for r in self.holds.to_dict(orient="records")]  # fmt: skip
        return out


def dc_polarization(
    recording: Recording,
    thickness_cm: float,
    area_cm2: float,
    *,
    thickness_err_cm: float = 0.0,
    area_err_cm2: float = 0.0,
    v_open_V: float | None = None,
    temperature_C: float | None = None,
    tail_fraction: float = 0.1,
    max_drift: float = 0.02,
    min_step_V: float = 1e-3,
    v_tol_V: float = 2e-3,
    min_hold_s: float = 10.0,
    allow_unsteady: bool = False,
) -> PolarizationResult:
    """Electronic conductivity from a DC polarisation (module doc).

    Parameters
    ----------
    recording
        Time, voltage and current of the potentiostatic step(s).
    thickness_cm, area_cm2
        Sample thickness [cm] and area [cm2], with standard errors
        ``thickness_err_cm``, ``area_err_cm2``.
    v_open_V
        Open-circuit voltage [V] the steps are taken from (default: a rest before the
        first hold, else 0 V).
    temperature_C
        Measurement temperature [degC]; default: the recording's ``temperature_C``
        column averaged over the holds.
    tail_fraction
        Share of each hold at its end whose mean current is I_ss (0 < f <= 0.5).
    max_drift
        Largest relative change of the mean current between the last two windows for
        a steady state.
    min_step_V, v_tol_V, min_hold_s
        A hold is a run within ``v_tol_V`` [V] lasting ``min_hold_s`` [s], at least
        ``min_step_V`` [V] from the open-circuit voltage.
    allow_unsteady
        Accept holds that did not reach a steady state (sigma_e is then an upper bound).

    Raises
    ------
    InputError
        Thickness or area missing, <= 0 or implausible; parameters out of range.
    AnalysisInputError
        No potentiostatic hold in the recording; a steady-state current of zero or of
        the sign opposite to the step (not an electronic leak).
    """
    src = recording.source
    length, area, dl, da = _geometry(thickness_cm, area_cm2, thickness_err_cm, area_err_cm2, src)
    if not 0 < tail_fraction <= 0.5:
        raise InputError(f"tail_fraction={tail_fraction!r}: expected 0 < tail_fraction <= 0.5")
    for name, val in (("max_drift", max_drift), ("min_step_V", min_step_V),
                      ("v_tol_V", v_tol_V), ("min_hold_s", min_hold_s)):  # fmt: skip
        if not (np.isfinite(val) and val > 0):
            raise InputError(f"{name}={val!r}: expected a number > 0")
    a = arrays_of(recording)
    t, v, i = a.t, a.v, a.i
    holds = find_holds(recording, v_tol_V=v_tol_V, min_hold_s=min_hold_s)
    i_scale = float(np.max(np.abs(i))) if i.size else 0.0
    holds = holds[holds["mean_abs_current_A"] > 1e-6 * i_scale]
    # the open-circuit voltage: given, a rest before the first hold, or 0 V
    if v_open_V is not None:
        v_open, v_src = float(v_open_V), "given"
        if not np.isfinite(v_open):
            raise InputError(f"v_open_V={v_open_V!r}: expected a finite voltage")
    else:
        rest = np.abs(i) <= 1e-6 * i_scale
        first = int(holds["start"].min()) if len(holds) else i.size
        rest[first:] = False
        if rest.any():
            v_open, v_src = float(v[rest].mean()), "rest"
        else:
            v_open, v_src = 0.0, "zero"
    holds = holds[np.abs(holds["voltage_V"] - v_open) >= min_step_V].reset_index(drop=True)
    if not len(holds):
        raise AnalysisInputError(
            f"no potentiostatic hold of at least {min_hold_s:g} s stepped {min_step_V:g} V or "
            f"more from the open-circuit voltage ({v_open:.4g} V, {v_src}): expected a "
            "chronoamperometry (voltage held constant while the current decays)",
            path=src,
        )
    # the last two windows of every hold, by time (vectorised over samples per hold)
    n_h = len(holds)
    t_end = holds["t_end_s"].to_numpy()
    dur = holds["duration_s"].to_numpy()
    win = tail_fraction * dur
    starts, stops = holds["start"].to_numpy(), holds["stop"].to_numpy()
    lo_tail = np.searchsorted(t, t_end - win, side="right")
    lo_prev = np.searchsorted(t, t_end - 2 * win, side="right")
    lo_tail = np.clip(lo_tail, starts, stops - 1)
    lo_prev = np.clip(lo_prev, starts, lo_tail)
    cs = np.r_[0.0, np.cumsum(i)]
    cs2 = np.r_[0.0, np.cumsum(i * i)]
    n_tail = stops - lo_tail
    n_prev = lo_tail - lo_prev
    m_tail = (cs[stops] - cs[lo_tail]) / n_tail
    var_tail = np.clip((cs2[stops] - cs2[lo_tail]) / n_tail - m_tail**2, 0, None)
    se_tail = np.sqrt(var_tail / np.maximum(n_tail - 1, 1))
    with np.errstate(all="ignore"):
        m_prev = np.where(n_prev > 0, (cs[lo_tail] - cs[lo_prev]) / np.maximum(n_prev, 1), np.nan)
        drift = (m_prev - m_tail) / np.abs(m_tail)
    dv = holds["voltage_V"].to_numpy() - v_open
    steady_each = np.isfinite(drift) & (np.abs(drift) <= max_drift)
    # a window of one sample has no scatter: the resolution-limited error is its size
    se_tail = np.where(n_tail > 1, se_tail, np.abs(m_tail) * 1e-3)
    se_tail = np.maximum(se_tail, 1e-6 * np.abs(m_tail))
    with np.errstate(all="ignore"):
        r_each = dv / m_tail
    temp, temp_src = _temperature(recording, starts, stops, temperature_C)
    table = pd.DataFrame({
        "t_start_s": holds["t_start_s"].to_numpy(), "duration_s": dur,
        "voltage_V": holds["voltage_V"].to_numpy(), "delta_V": dv, "i_ss_A": m_tail,
        "i_ss_err_A": se_tail, "drift": drift, "steady": steady_each, "r_e_ohm": r_each,
        "sigma_e_S_cm": length / (r_each * area),
    })  # fmt: skip
    reasons: list[str] = []
    notes: list[str] = []
    wrong = ~(np.sign(m_tail) == np.sign(dv)) | (m_tail == 0)
    if wrong.any():
        k = int(np.flatnonzero(wrong)[0])
        raise AnalysisInputError(
            f"hold at {holds['voltage_V'].iloc[k]:.4g} V ({dv[k]:+.4g} V from open circuit) "
            f"ends with a current of {m_tail[k]:.3g} A: zero or against the step, not an "
            "electronic leak current (is v_open_V right?)",
            path=src,
        )
    steady = bool(steady_each.all())
    if not steady:
        bad = np.flatnonzero(~steady_each)
        what = ", ".join(f"{table['delta_V'].iloc[k]:+.3g} V ({100 * table['drift'].iloc[k]:.2g} %)"
                         for k in bad[:5])  # fmt: skip
        text = (
            f"the current was still changing at the end of {bad.size} of {n_h} hold(s) "
            f"({what} between the last two {100 * tail_fraction:g} % windows; at most "
            f"{100 * max_drift:g} % is steady): I_ss and sigma_e are upper bounds, hold longer"
        )
        (notes if allow_unsteady else reasons).append(text)
    # R_e: one hold, or the line I = dV / R_e through the origin (weighted in I)
    if n_h == 1:
        r_e = float(r_each[0])
        r_e_err = float(abs(r_e) * se_tail[0] / abs(m_tail[0]))
        chi2_red = float("nan")
    else:
        w = 1.0 / se_tail**2
        g = float(np.sum(w * dv * m_tail) / np.sum(w * dv * dv))  # conductance [S]
        g_var = 1.0 / float(np.sum(w * dv * dv))
        res = m_tail - g * dv
        chi2_red = float(np.sum(w * res**2) / (n_h - 1))
        if chi2_red > 1:
            g_var *= chi2_red
        r_e = 1.0 / g
        r_e_err = float(np.sqrt(g_var) / g**2)
        if n_h >= 3 and chi2_red > 9:
            notes.append(
                f"the steady currents depart from I = dV / R_e (reduced chi2 {chi2_red:.3g}; "
                "errors scaled up): not Ohmic over this voltage range"
            )
    geo_rel = float(np.hypot(dl / length, da / area))
    sig = length / (r_e * area)
    sig_err = sig * float(np.hypot(r_e_err / r_e, geo_rel))
    success = not reasons
    if not success:
        sig = sig_err = float("nan")
    return PolarizationResult(
        sigma_e_S_cm=sig, sigma_e_err_S_cm=sig_err, r_e_ohm=r_e, r_e_err_ohm=r_e_err,
        holds=table, v_open_V=v_open, v_open_source=v_src, steady=steady,
        chi2_reduced=chi2_red, temperature_C=temp, temperature_source=temp_src,
        thickness_cm=length, thickness_err_cm=dl, area_cm2=area, area_err_cm2=da,
        success=success, reasons=reasons, notes=notes, source=src,
    )  # fmt: skip


def _temperature(
    recording: Recording, starts: np.ndarray, stops: np.ndarray, given: float | None
) -> tuple[float, str]:
    if given is not None:
        t = float(given)
        if not np.isfinite(t) or t <= -T0_K:
            raise InputError(f"temperature {given!r} degC: expected a finite temperature "
                             "above -273.15 degC", path=recording.source)  # fmt: skip
        return t, "given"
    col = recording.data.get("temperature_C")
    if col is not None:
        v = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        run = np.zeros(v.size + 1, dtype=int)
        np.add.at(run, starts, 1)
        np.add.at(run, stops, -1)
        sel = np.cumsum(run)[:-1] > 0
        vals = v[sel & np.isfinite(v)]
        if vals.size:
            return float(vals.mean()), "file column"
    meta_t = recording.meta.get("temperature_C")
    if meta_t is not None:
        try:
            return float(meta_t), "file metadata"
        except (TypeError, ValueError):
            pass
    return float("nan"), "unknown"
