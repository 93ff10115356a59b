"""The reference paper's method: split every GITT pulse's resistance into R1, R2, R3 by EIS time constants.

Each pulse of a GITT gives R(t) = (V(t) - OCV_before) / I. The impedance of the same
electrode (a symmetric cell, per electrode) gives the time constants of its processes:
contact (tau1, shortest), charge transfer (tau2, an R||CPE with exponent n2) and
diffusion (tau3, longest). Both methods below give the same columns with the same
meaning (:mod:`ohmslice.method.columns`): r1 (series + contact), r2 and r3 (charge
transfer and diffusion *developed by the end of the pulse*) and r_ocv (the OCV change of
the pulse's charge), with r1 + r2 + r3 + r_ocv = r_total (``closure_ohm`` the
residual); ``r3_paper_ohm`` = r_total - r1 - r2 is the reference paper's R3. ``soc_pct`` is the SOC
halfway through the pulse, on the GITT's scale (table ``attrs``).

``method="windows"`` (the reference paper's)
    Boundary times t1 (between contact and charge transfer) and t2 (between charge
    transfer and diffusion) from the time constants at the pulse's SOC
    (:func:`ohmslice.method.boundaries.boundary_times`; rule ``boundary``, default
    ``"balanced"`` where the EIS resistances are known, else ``"fraction"``). The OCV
    change r_ocv = (OCV_after - OCV_before) / I grows with the charge passed, so
    R'(t) = R(t) - r_ocv t / T is the overpotential; then R1 = R'(t1), R2 = R'(t2) -
    R'(t1), R3 = R'(T) - R'(t2), T the pulse end (closure 0 by construction). Where the
    rest after the pulse is sampled at t2 after its end, R1 + R2 is read there instead,
    as the relaxation's drop R(T) - R(T + t2): the value at the pulse end, so a
    resistance that changes within the pulse (a steep stretch of SOC) is not carried into
    R3. R1 includes the cell's series parts (separator, counter electrode) as in the
    seed. Where t1
    falls before the first sample after the step, R1 is read at the first sample if the
    charge-transfer process has developed by less than ``max_leak`` of its resistance
    there (per the EIS model), flagged; otherwise R1 and R2 cannot be told apart: both
    are NaN and ``r12_ohm`` = R'(t2) is given, flagged (likewise all three when t2 is
    before the first sample). Without an OCV after the pulse (its rest cut short), R3
    and r_ocv are NaN and only ``r3_paper_ohm`` holds them. Errors: the voltage noise
    (estimated from the rests, :func:`noise_ohm`), the standard errors of the OCVs and
    the shift of R when each boundary moves by the relative uncertainty of its time
    constants (``tau_rel_err`` where the EIS gives none), added in quadrature. A pulse
    that reached the cut-off voltage is not ``usable`` (shorter than the others).

``method="model"``
    Each pulse and its rest are fitted with the time-domain response of the same circuit
    (:mod:`ohmslice.impedance.timedomain`): V(t) = OCV_before + c0 + c_ocv min(t, T)/T + c_drift t
    + I [R1 u(t) + R2 a2(t) + R3 a3(t)], u the rectangular pulse, a2 the pulse response of
    a unit R||CPE (tau2, n2), a3 that of the unit diffusion element (tau3), minus their
    values T later. A contact arc slower than a third of the first sample gets its own
    term (then R1 = series + contact). For fixed time constants the model is linear in
    (c0, c_ocv, c_drift, R1, R2, R3), solved by least squares with standard errors from
    the residual variance; with ``refine_taus`` tau2 and tau3 are then optimised within a
    factor ``tau_factor`` of the EIS values and n2 within ``n_range`` of its value
    (variable projection, Levenberg-Marquardt on all pulses at once). The samples are
    averaged in log-time bins so that the dense samples after the steps do not outweigh
    the rest. The fitted R2, R3 are DC resistances; the table gives them as developed by
    the pulse end, R2 a2(T) and R3 a3(T) (``r3_developed_share`` = a3(T)), and the DC
    diffusion resistance as ``r3_dc_ohm`` (``r3_dc_extrapolated`` where a3(T) < 0.95);
    ``r_ocv_ohm`` = c_ocv. The model checks itself (:func:`ohmslice.method.pulsefit._checks`):
    residual against the noise of the data, time constants at their bounds, negative or
    implausible components; a pulse that fails is flagged with the reason and not
    ``usable``.

The time constants per SOC come as a table (:func:`tau_table` builds it from
:func:`ohmslice.impedance.time_constants` results at the measured SOCs) and are
interpolated linearly in SOC on log tau between measured SOCs, held constant beyond
them (``taus_extrapolated``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._blas import one_blas_thread
from .._display import Plottable, html_summary
from ..dc.pulses import r_at_times
from ..errors import AnalysisInputError, InputError, MissingColumnError
from .boundaries import DC_FRACTION, RULES, SHAPES, boundary_times, unit_step
from .columns import COMMON_COLUMNS
from .pulsefit import fit_pulses

__all__ = ["decompose", "Decomposition", "tau_table", "gitt_eis_consistency", "ELEMENT_SHAPES"]

#: step-response shape of each circuit element kind (see boundaries.unit_step)
ELEMENT_SHAPES = {
    "C": "zarc",
    "CPE": "zarc",
    "Zarc": "zarc",
    "RQ": "zarc",
    "Ws": "ws",
    "Wsc": "ws",
    "Wo": "wo",
    "Wsph": "wsph",
    "Wa": "wa",
}

COMPONENTS = ("r1", "r2", "r3")
#: Largest relative error of a time constant the errors are propagated with (a factor e):
#: a tau the spectrum only bounds (say, its diffusion arc not closed) carries a huge one,
#: but a window read where the response follows the Warburg line hardly depends on it
MAX_TAU_REL = 1.0


# --------------------------------------------------------------------- tau table ----
def _shape_of(element: str) -> str:
    name = "".join(ch for ch in str(element) if not ch.isdigit())
    for key in sorted(ELEMENT_SHAPES, key=len, reverse=True):
        if key in name:
            return ELEMENT_SHAPES[key]
    return "zarc"


def tau_table(eis_by_soc: Mapping[float, Any]) -> pd.DataFrame:
    """Time constants per SOC from ``{soc_pct: TimeConstants}`` (symmetric-cell EIS).

    Each value is a :class:`ohmslice.impedance.TimeConstants` (or its ``.table``), with
    three processes by increasing tau. Returns one row per SOC: ``soc_pct``,
    ``tau{k}_s``, ``tau{k}_err_s``, ``n{k}``, ``r{k}_ohm``, ``r{k}_ohm_err``, ``shape{k}``
    for k = 1, 2, 3 (resistances per electrode when the EIS was reduced so). A
    finite-space or spherical diffusion element's resistance is given as its DC part
    (:data:`DC_FRACTION`), which is what a pulse sees beside the OCV shift.

    Where the time constants say how far each value is determined (a ``status`` column:
    measured, bounded, undetermined; see :mod:`ohmslice.impedance.timeconst`), a SOC whose
    three processes are not all measured or bounded is left out with a warning naming the
    reason, and so is one whose diffusion shape has no step response here; the step
    response of each process comes from the table's ``shape`` column where it has one.

    Raises
    ------
    AnalysisInputError
        A spectrum with fewer than three processes; no SOC left with three usable ones.
    """
    rows, skipped = [], []
    for soc, tc in sorted(eis_by_soc.items()):
        tab = getattr(tc, "table", tc)
        if "status" in tab.columns:
            tab = tab[tab["status"] != "undetermined"]
            if len(tab) < 3:
                full = getattr(tc, "table", tc)
                why = [w for w in full.get("status_reason", []) if isinstance(w, str) and w]
                skipped.append(f"SOC {soc:g} %: not determined ({why[0] if why else 'no reason'})")
                continue
        elif len(tab) < 3:
            raise AnalysisInputError(
                f"the spectrum at SOC {soc} % has {len(tab)} processes; the decomposition "
                "needs three (contact, charge transfer, diffusion)"
            )
        tab = tab.sort_values("tau_fit_s").iloc[-3:] if len(tab) > 3 else tab
        shapes = [
            r.shape
            if isinstance(getattr(r, "shape", None), str) and r.shape
            else _shape_of(r.element)
            for r in tab.itertuples()
        ]
        shapes = ["zarc" if k < 2 and sh not in SHAPES else sh for k, sh in enumerate(shapes)]
        if shapes[2] not in SHAPES:
            skipped.append(
                f"SOC {soc:g} %: diffusion shape '{shapes[2]}' has no step response here"
            )
            continue
        row: dict[str, Any] = {"soc_pct": float(soc)}
        for k, (r, shape) in enumerate(zip(tab.itertuples(), shapes, strict=True), start=1):
            dc = DC_FRACTION.get(shape, 1.0)
            row[f"tau{k}_s"] = float(r.tau_fit_s)
            row[f"tau{k}_err_s"] = float(r.tau_fit_err_s)
            row[f"n{k}"] = float(r.n) if np.isfinite(r.n) else 1.0
            row[f"r{k}_ohm"] = dc * float(r.r_fit_ohm)
            row[f"r{k}_ohm_err"] = dc * float(r.r_fit_err_ohm)
            row[f"shape{k}"] = shape
        rows.append(row)
    for text in skipped:
        warnings.warn(f"time constants at {text}; that SOC is left out", stacklevel=2)
    if not rows:
        raise AnalysisInputError(
            "no spectrum gives three usable time constants: " + "; ".join(skipped)
        )
    return pd.DataFrame(rows)


def _interp_taus(taus: pd.DataFrame, soc: np.ndarray) -> dict[str, np.ndarray]:
    """Per-pulse taus/ns/rs at ``soc``: log-linear in SOC, constant beyond the ends."""
    need = ["soc_pct", "tau1_s", "tau2_s", "tau3_s"]
    missing = [c for c in need if c not in taus.columns]
    if missing:
        raise MissingColumnError(f"the tau table lacks {missing}; build it with tau_table()")
    t = taus.sort_values("soc_pct")
    x = t["soc_pct"].to_numpy(float)
    out: dict[str, np.ndarray] = {}
    for k in (1, 2, 3):
        tau = t[f"tau{k}_s"].to_numpy(float)
        if not np.all(np.isfinite(tau) & (tau > 0)):
            raise InputError(f"tau{k}_s must be finite and > 0 in the tau table")
        out[f"tau{k}"] = np.exp(np.interp(soc, x, np.log(tau)))
        err = t.get(f"tau{k}_err_s")
        rel = (err.to_numpy(float) / tau) if err is not None else np.full(tau.shape, np.nan)
        out[f"tau{k}_rel"] = np.interp(soc, x, np.where(np.isfinite(rel), rel, np.nan))
        n = t.get(f"n{k}")
        out[f"n{k}"] = np.interp(soc, x, n.to_numpy(float)) if n is not None else np.ones(soc.shape)
        r = t.get(f"r{k}_ohm")
        out[f"r{k}"] = (
            np.exp(np.interp(soc, x, np.log(np.clip(r.to_numpy(float), 1e-12, None))))
            if r is not None
            else np.full(soc.shape, np.nan)
        )
    out["extrapolated"] = (soc < x.min()) | (soc > x.max())
    for k in (1, 2, 3):
        col = f"shape{k}"
        out[col] = t[col].iloc[0] if col in t.columns else ("ws" if k == 3 else "zarc")
    return out


# -------------------------------------------------------------------- result ----
@dataclass(repr=False)
class Decomposition(Plottable):
    """Result of :func:`decompose`; ``.plot()`` draws total, R1, R2, R3 vs SOC
    (:func:`ohmslice.report.decompose_figures.plot_resistance_map`).

    Attributes
    ----------
    table
        One row per pulse: the columns of :data:`ohmslice.method.columns.COLUMNS` (the
        same meaning in both methods: ``soc_pct`` mid-pulse, ``r1_ohm``, ``r2_ohm``,
        ``r3_ohm``, ``r_ocv_ohm``, ``r_total_ohm`` with ``_err`` (one standard error),
        ``closure_ohm``, ``r12_ohm``, ``r3_paper_ohm``, ``r3_dc_ohm``, ``usable``,
        ``flag``), then the method's own: the windows ``t1_s``, ``t2_s``, ``t_end_s``
        (windows method) or the time constants used ``tau2_s``, ``tau3_s``, ``n2`` and
        the fit's ``rms_residual_ohm``, ``noise_ohm``, ``residual_to_noise`` (model
        method). ``attrs``: ``method``, ``soc_reference``, ``soc_basis``.
    method, settings, notes
        How it was computed and what the user should know.
    systematic
        The errors its pulses share (:func:`ohmslice.method.systematic.systematic`), where
        measured; :func:`ohmslice.method.compare.compare` draws them coherently.
    """

    table: pd.DataFrame
    method: str
    settings: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    systematic: Any = None

    def __len__(self) -> int:
        return len(self.table)

    def summary_lines(self) -> list[str]:
        """A few lines: SOC range and scale, the median of each component, pulses
        flagged and failing the checks."""
        t = self.table
        lines = []
        if len(t):
            soc = t["soc_pct"].to_numpy(float)
            lines.append(f"SOC {np.nanmin(soc):.1f} .. {np.nanmax(soc):.1f} % (mid-pulse, "
                         f"'{t.attrs.get('soc_basis', '')}' scale)")  # fmt: skip
        ok = t["usable"].astype(bool) if "usable" in t.columns else pd.Series(True, t.index)
        meds = []
        for c, name in (("r1", "R1"), ("r2", "R2"), ("r3", "R3"), ("r_ocv", "r_ocv"),
                        ("r_total", "R total")):  # fmt: skip
            col = f"{c}_ohm"
            if col in t.columns and t.loc[ok, col].notna().any():
                meds.append(f"{name} {t.loc[ok, col].median():.4g}")
        if meds:
            lines.append("median of the usable pulses (Ohm): " + ", ".join(meds))
        flagged = int((t["flag"].astype(str) != "").sum()) if "flag" in t.columns else 0
        if flagged:
            lines.append(f"{flagged} pulse(s) flagged, {int((~ok).sum())} not usable "
                         "(columns 'flag', 'usable')")  # fmt: skip
        return lines

    def __repr__(self) -> str:
        head = f"Decomposition ({self.method} method): {len(self.table)} pulses"
        notes = f"\n  {len(self.notes)} note(s): see .notes" if self.notes else ""
        return "\n  ".join([head, *self.summary_lines()]) + notes

    def _repr_html_(self) -> str:
        cols = [c for c in ("pulse", "soc_pct", "r1_ohm", "r2_ohm", "r3_ohm", "r_ocv_ohm",
                            "r_total_ohm", "usable", "flag") if c in self.table.columns]  # fmt: skip
        return html_summary(
            f"Decomposition ({self.method} method): {len(self.table)} pulses",
            [*self.summary_lines(), f"SOC: {self.settings.get('soc_reference', '')}"],
            self.table[cols],
            notes=self.notes,
        )


# ---------------------------------------------------------------- helpers ----
def _col(p: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` of ``p`` as floats; NaN where the table has none."""
    return p[name].to_numpy(float) if name in p.columns else np.full(len(p), np.nan)


def _noise(t: np.ndarray, r: np.ndarray, duration: float) -> float:
    """White-noise level of R(t) [Ohm] during the pulse, from second differences."""
    m = (t > 0) & (t <= duration)
    rr = r[m]
    if rr.size < 5:
        return np.nan
    d2 = np.diff(rr, 2)
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / np.sqrt(6.0))


def noise_ohm(gitt: Any) -> np.ndarray:
    """Per-pulse white noise of one sample of R(t) [Ohm].

    The voltage noise of the record is the median over the pulses of the GITT table's
    ``noise_V`` (consecutive samples late in each rest, :func:`ohmslice.dc.gitt.voltage_noise`;
    one instrument, one noise), divided by each pulse's |I|. A table without ``noise_V``
    (or without any finite value) falls back to the second differences of each pulse's
    samples. Returns 0 where nothing can be estimated.
    """
    p = gitt.pulses
    cur = np.abs(p["current_A"].to_numpy(float))
    nv = _col(p, "noise_V")
    if np.isfinite(nv).any():
        return float(np.nanmedian(nv)) / cur
    sig = np.array(
        [_noise(t, r, d) for (t, r), d in zip(gitt.traces(), p["duration_s"], strict=True)]
    )
    return np.where(np.isfinite(sig), sig, 0.0)


# ---------------------------------------------------------------- windows ----
def _relaxation_drop(gitt: Any, tau_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R(T) - R(T + tau) of every pulse [Ohm]: how much of the pulse-end resistance the
    rest after it gives back within tau [s], and that tau. tau is ``tau_s`` (per pulse)
    or, where the rest has no sample that early, the time of its first sample after the
    pulse end; log-time interpolation between rest samples
    (:func:`ohmslice.dc.pulses.r_at_times`). NaN where the pulse has no rest."""
    p = gitt.pulses
    out = np.full(len(p), np.nan)
    used = np.full(len(p), np.nan)
    r_end = p["r_total_ohm"].to_numpy(float)
    dur = p["duration_s"].to_numpy(float)
    for k, (t, r) in enumerate(gitt.traces()):
        after = t > dur[k]
        if after.any():  # R(t) of the rest: "voltage" r against 0, per unit current
            used[k] = max(float(tau_s[k]), float(t[after][0] - dur[k]))
            r_rest = r_at_times(t[after], r[after], 0, int(after.sum()), dur[k], 0.0, 1.0,
                                used[k : k + 1])  # fmt: skip
            out[k] = r_end[k] - r_rest[0]
    return out, used


#: Rest samples up to this multiple of the first one's time (at most the pulse length)
#: feed the fit of the early relaxation (:func:`_relaxation_fit`); at least
#: MIN_RELAXATION_POINTS of them
RELAXATION_SPAN = 5.0
MIN_RELAXATION_POINTS = 4
#: tau3 factors the relaxation fit tries around the spectra's value
_TAU3_FACTORS = np.geomspace(0.1, 10.0, 41)


def _relaxation_fit(
    gitt: Any, tau3: np.ndarray, n3: np.ndarray, shape3: str, which: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """R1 + R2 developed by the pulse end from the rest's early samples, and its standard
    error [Ohm], for the pulses ``which`` (bool per pulse; NaN for the others); NaN with
    fewer than :data:`MIN_RELAXATION_POINTS` samples
    within :data:`RELAXATION_SPAN` times the first one's time.

    After the pulse (length T), once charge transfer has relaxed, the drop R(T) -
    R(T + tau) is R12 + R3 f3(tau), R3 = R(T) - r_ocv - R12 the diffusion developed by
    the end and f3(tau) = (a3(tau) + a3(T) - a3(T + tau)) / a3(T) the share of it relaxed
    by tau (a3 the unit step of the diffusion's shape, ``shape3``). For each diffusion
    time constant on a grid of 0.1-10 times the spectra's (``tau3``: a spectrum that does
    not close the diffusion arc only bounds it), R12 follows by linear least squares; the
    grid point that fits best is kept, and R12's error holds its spread over the tau3
    the data cannot tell apart (chi2 within 1 of the best) besides the noise.
    """
    p = gitt.pulses
    out = np.full(len(p), np.nan)
    err = np.full(len(p), np.nan)
    r_end = (p["r_total_ohm"] - (p["ocv_after_V"] - p["ocv_before_V"]) / p["current_A"]).to_numpy(
        float
    )
    dur = p["duration_s"].to_numpy(float)
    for k, (t, r) in enumerate(gitt.traces()):
        if not which[k]:
            continue
        after = t > dur[k]
        if not after.any() or not np.isfinite(r_end[k]):
            continue
        tau = t[after] - dur[k]
        sel = tau <= min(RELAXATION_SPAN * tau[0], dur[k])
        m = int(sel.sum())
        if m < MIN_RELAXATION_POINTS:
            continue
        ts, y = tau[sel], p["r_total_ohm"].iat[k] - r[after][sel]
        grid = tau3[k] * _TAU3_FACTORS
        a = unit_step(np.r_[ts, dur[k], dur[k] + ts], grid, n3[k], shape3)
        a_end = np.maximum(a[:, m : m + 1], 1e-12)
        f3 = (a[:, :m] + a_end - a[:, m + 1 :]) / a_end
        z, w = y - r_end[k] * f3, 1.0 - f3
        r12 = np.sum(z * w, axis=1) / np.maximum(np.sum(w * w, axis=1), 1e-300)
        ss = np.sum((z - r12[:, None] * w) ** 2, axis=1)
        best = int(np.argmin(ss))
        s2 = ss[best] / max(m - 2, 1)
        near = r12[ss <= ss[best] + s2]
        spread = 0.5 * (near.max() - near.min())
        out[k] = r12[best]
        err[k] = np.hypot(np.sqrt(s2 / max(np.sum(w[best] ** 2), 1e-300)), spread)
    return out, err


def _windows(
    gitt: Any,
    tp: dict[str, np.ndarray],
    *,
    sigma: np.ndarray,
    boundary: str,
    fraction: float,
    max_leak: float,
    tau_rel_err: float,
) -> tuple[pd.DataFrame, list[str]]:
    p = gitt.pulses
    n = len(p)
    taus = np.column_stack([tp["tau1"], tp["tau2"], tp["tau3"]])
    ns = np.column_stack([tp["n1"], tp["n2"], tp["n3"]])
    rs = np.column_stack([tp["r1"], tp["r2"], tp["r3"]])
    shapes = (tp["shape1"], tp["shape2"], tp["shape3"])
    rule = boundary
    if rule == "balanced" and not np.all(np.isfinite(rs)):
        rule = "fraction"
    tb = boundary_times(
        taus, ns, rs if rule == "balanced" else None, rule=rule, fraction=fraction, shapes=shapes
    )
    t1, t2 = tb[:, 0].copy(), tb[:, 1].copy()
    t_first = p["t_first_s"].to_numpy(float)
    t_end = p["duration_s"].to_numpy(float)
    notes: list[str] = []
    flags = [[] for _ in range(n)]

    # how far charge transfer and diffusion have developed by the first sample (EIS model)
    leak2 = unit_step(t_first[:, None], taus[:, 1], ns[:, 1], shapes[1])[:, 0]
    leak3 = unit_step(t_first[:, None], taus[:, 2], ns[:, 2], shapes[2])[:, 0]
    early1, early2 = t1 < t_first, t2 < t_first
    fix1 = early1 & ~early2 & (leak2 <= max_leak)  # case B: R1 at t_f less the R2 leak
    no12 = early1 & ~early2 & ~fix1  # case C: R1 + R2 only
    fix2 = early2 & (leak3 <= max_leak)  # case D: R1 + R2 at t_f less the R3 leak
    none = early2 & ~fix2  # case E: total only
    t1_used = np.where(early1, t_first, t1)
    t2_used = np.minimum(np.maximum(t2, t_first), t_end)

    rel = {
        k: np.minimum(
            np.where(np.isfinite(tp[f"tau{k}_rel"]), tp[f"tau{k}_rel"], tau_rel_err), MAX_TAU_REL
        )
        for k in (1, 2, 3)
    }
    d1 = np.sqrt(rel[1] ** 2 + rel[2] ** 2) / 2  # boundary between 1 and 2 moves with both taus
    d2 = np.sqrt(rel[2] ** 2 + rel[3] ** 2) / 2
    times = np.column_stack(
        [
            t1_used,
            t2_used,
            t1_used * np.exp(d1),
            t1_used * np.exp(-d1),
            t2_used * np.exp(d2),
            t2_used * np.exp(-d2),
        ]
    )
    times = np.clip(times, t_first[:, None], t_end[:, None])
    uniq, inv = np.unique(times, return_inverse=True)
    grid = gitt.r_of_t(uniq)  # (n_pulses, n_uniq)
    r_at = grid[np.arange(n)[:, None], inv.reshape(times.shape)]
    r_total = p["r_total_ohm"].to_numpy(float)
    cur = np.abs(p["current_A"].to_numpy(float))
    se_before = _col(p, "ocv_before_se_V") / cur
    se_after = _col(p, "ocv_after_se_V") / cur
    # the OCV change of the pulse's charge, from the OCVs before and after; it grows
    # with the charge passed (linearly in t), so R(t) holds r_ocv t / T of it
    r_ocv = (p["ocv_after_V"].to_numpy(float) - p["ocv_before_V"].to_numpy(float)) / p[
        "current_A"
    ].to_numpy(float)
    r_ocv_err = np.hypot(np.nan_to_num(se_before), np.nan_to_num(se_after))
    has_ocv = np.isfinite(r_ocv)
    ramp = np.where(has_ocv, r_ocv, 0.0)
    r_at = r_at - ramp[:, None] * times / t_end[:, None]  # R(t) less the OCV change
    r_end = np.where(has_ocv, r_total - r_ocv, np.nan)  # overpotential at the pulse end
    r_end_leak = np.where(has_ocv, r_end, r_total)

    r_t1, r_t2 = r_at[:, 0], r_at[:, 1]
    b1 = np.abs(r_at[:, 2] - r_at[:, 3]) / 2
    b2 = np.abs(r_at[:, 4] - r_at[:, 5]) / 2
    # a window read at the first sample t_f holds the share a of the next process that has
    # developed by then; with R(t_f) = X + a Y and R(t_next) = X + Y:
    # X = (R(t_f) - a R(t_next)) / (1 - a)
    a2 = np.where(fix1, leak2, 0.0)
    r1 = (r_t1 - a2 * r_t2) / (1 - a2)
    a3 = np.where(fix2, leak3, 0.0)
    r12 = np.where(fix2, (r_t1 - a3 * r_end_leak) / (1 - a3), r_t2)
    # R1 + R2 as developed at the pulse end, from the relaxation after it (a resistance
    # that changes within the pulse is read where the pulse ends): the drop within t2 (or
    # the rest's first sample, if later) holds R1, the share f2 of R2 and the share f3 of
    # R3 relaxed by then (EIS model, f_j = (a_j(tau) + a_j(T) - a_j(T + tau)) / a_j(T)):
    # drop = R1 + f2 R2 + f3 R3 with R2 = R12 - R1 and R3 = R_end - R12, so
    # R12 = (drop - (1 - f2) R1 - f3 R_end) / (f2 - f3)
    drop, tau_drop = _relaxation_drop(gitt, np.minimum(t2, t_end))
    late = np.isfinite(tau_drop) & (tau_drop > np.minimum(t2, t_end) * (1 + 1e-9))
    tau_r = np.nan_to_num(tau_drop)
    both = np.column_stack([tau_r, t_end, t_end + tau_r])
    f2, f3 = (
        (a[:, 0] + a[:, 1] - a[:, 2]) / np.maximum(a[:, 1], 1e-12)
        for a in (unit_step(both, taus[:, j], ns[:, j], shapes[j]) for j in (1, 2))
    )
    f2 = np.where(np.isfinite(r1), f2, 1.0)  # R1 not split off: charge transfer relaxed
    at_end = ~none & np.isfinite(drop) & has_ocv & (f3 <= max_leak) & (f2 >= 1 - max_leak)
    r12_relax = (drop - (1 - f2) * np.nan_to_num(r1) - f3 * r_end_leak) / (f2 - f3)
    r12 = np.where(at_end, r12_relax, r12)
    a3 = np.where(at_end, 1 - (f2 - f3), a3)
    # ... and where the rest has samples enough early on, from the relaxation fitted with
    # the diffusion's shape and a time constant of its own (the spectra may only bound it)
    extrap, extrap_err = _relaxation_fit(gitt, taus[:, 2], ns[:, 2], shapes[2], late)
    from_data = late & has_ocv & np.isfinite(extrap)
    r12 = np.where(from_data, extrap, r12)
    a3 = np.where(from_data, 0.0, a3)
    r2 = r12 - r1
    r3 = r_end - r12
    r1_err = np.sqrt(sigma**2 + b1**2 + (tau_rel_err * a2 * r2) ** 2) / (1 - a2)
    r2_err = np.sqrt(2 * sigma**2 + b1**2 + b2**2 + (tau_rel_err * a2 * r2) ** 2)
    r12_err = np.where(
        from_data,
        np.hypot(sigma, extrap_err),
        np.sqrt(sigma**2 + b2**2 + (tau_rel_err * a3 * r3) ** 2) / (1 - a3),
    )
    r3_err = np.where(
        from_data,
        np.sqrt(r12_err**2 + sigma**2 + r_ocv_err**2),
        np.sqrt(2 * sigma**2 + b2**2 + r_ocv_err**2 + (tau_rel_err * a3 * r3) ** 2) / (1 - a3),
    )
    for arr_ in (r1, r2, r1_err, r2_err):
        arr_[no12 | early2] = np.nan
    for arr_ in (r3, r3_err, r12, r12_err):
        arr_[none] = np.nan
    cut = p["reached_cutoff"].to_numpy(bool) if "reached_cutoff" in p else np.zeros(n, bool)
    for k in range(n):
        if cut[k]:
            flags[k].append("the pulse reached the cut-off voltage: shorter than the others")
        if not has_ocv[k]:
            flags[k].append(
                "no OCV after its rest: diffusion and OCV change not separable "
                "(r3_paper_ohm holds both)"
            )
        at = f"before the first sample ({t_first[k]:.2g} s)"
        if fix1[k]:
            flags[k].append(
                f"t1={t1[k]:.2g} s {at}: R1 read there, less the {leak2[k]:.0%} of R2 "
                "developed by then"
            )
        if no12[k] or early2[k]:
            flags[k].append(
                f"R1 and R2 not separable: t1={t1[k]:.2g} s {at} and R2 {leak2[k]:.0%} "
                "developed there; r12_ohm = R1 + R2"
            )
        if from_data[k]:
            flags[k].append(
                f"t2={t2[k]:.2g} s before the rest's first sample ({tau_drop[k]:.2g} s): "
                "R1 + R2 from the relaxation's first seconds fitted with the diffusion's "
                "step response"
            )
        elif at_end[k] and late[k]:
            flags[k].append(
                f"t2={t2[k]:.2g} s before the rest's first sample ({tau_drop[k]:.2g} s): "
                f"R1 + R2 read from the relaxation there, less the {f3[k]:.0%} of R3 "
                "relaxed by then"
            )
        elif fix2[k]:
            flags[k].append(
                f"t2={t2[k]:.2g} s {at}: R1 + R2 read there, less the {leak3[k]:.0%} of R3 "
                "developed by then"
            )
        if none[k]:
            flags[k].append(f"t2={t2[k]:.2g} s {at} and R3 {leak3[k]:.0%} developed: no split")
    unsplit = no12 | early2
    if unsplit.any():
        msg = (
            f"{int(unsplit.sum())} of {n} pulses: boundaries before the first sample after "
            "the step; R1 and R2 not separated there (see 'flag')"
        )
        notes.append(msg)
        warnings.warn(msg, stacklevel=3)
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
            "r_ocv_ohm_err": np.where(has_ocv, r_ocv_err, np.nan),
            "r12_ohm": r12,
            "r12_ohm_err": r12_err,
            "r3_dc_ohm": np.nan,
            "r3_dc_ohm_err": np.nan,
            "r3_developed_share": np.nan,
            "r3_dc_extrapolated": False,
            "usable": ~cut,
            "t1_s": t1_used,
            "t2_s": t2_used,
            "t_end_s": t_end,
            "t1_rule_s": t1,
            "t2_rule_s": t2,
            "t_first_s": t_first,
        }
    )
    table["boundary_rule"] = rule
    table["taus_extrapolated"] = tp["extrapolated"]
    table["flag"] = ["; ".join(f) for f in flags]
    return table, notes


# -------------------------------------------------------------------- API ----
@one_blas_thread
def decompose(
    gitt: Any,
    taus: pd.DataFrame | Mapping[float, Any],
    *,
    method: str = "windows",
    boundary: str = "balanced",
    fraction: float = 0.95,
    max_leak: float = 0.5,
    tau_rel_err: float = 0.2,
    refine_taus: bool = True,
    tau_factor: float = 3.0,
    bins_per_decade: int = 12,
    max_developed: float = 0.8,
    n_range: float = 0.2,
    max_residual_ratio: float = 3.0,
    max_jump: float = 0.3,
    progress: Callable[[str], None] | None = None,
) -> Decomposition:
    """Split each GITT pulse's resistance into R1 (contact), R2 (charge transfer), R3
    (diffusion) and the OCV change, by the windows or the model method.

    Both methods give the columns of :data:`ohmslice.method.columns.COLUMNS`, with the
    same meaning: r1 + r2 + r3 + r_ocv = r_total (``closure_ohm`` the residual), R2 and R3
    as developed by the end of the pulse.

    Parameters
    ----------
    gitt
        A :class:`ohmslice.dc.gitt.GittResult`.
    taus
        Time constants per SOC: a table as :func:`tau_table` returns, or the mapping
        ``{soc_pct: TimeConstants}`` it is built from.
    method
        ``"windows"`` (the reference paper's) or ``"model"`` (see the module docstring).
    boundary, fraction
        Boundary rule of the windows method (:mod:`ohmslice.method.boundaries`).
    max_leak
        Windows method: R1 is read at the first sample when t1 falls before it, if the
        charge-transfer process has developed by at most this share there (its
        developed part is subtracted); beyond it R1 and R2 are not split.
    tau_rel_err
        Relative uncertainty of time constants the table gives none for.
    refine_taus, tau_factor, bins_per_decade
        Model method: optimise tau2, tau3 within this factor of the EIS values; the
        density of the log-time bins.
    n_range
        Model method: the CPE exponent n2 is refined within +-``n_range`` of the given
        one (within (0.4, 1]); 0 keeps it fixed.
    max_developed
        Model method: where charge transfer has developed by more than this share at the
        first sample, R1 and R2 are not split (``r12_ohm`` only).
    max_residual_ratio, max_jump
        Model method's checks (:func:`ohmslice.method.pulsefit._checks`): a pulse whose rms
        residual exceeds ``max_residual_ratio`` times the noise, or one of whose
        components jumps from its neighbours by more than ``max_jump`` (relative), is
        flagged and not ``usable``.
    progress
        Called with a short description as each stage begins (the model method's
        binning, fit and checks), e.g. to show progress; nothing is printed here.

    Returns
    -------
    Decomposition
        Its table's ``attrs`` hold ``soc_reference`` and ``soc_basis`` (the SOC scale of
        the GITT) and ``method``.

    Raises
    ------
    InputError
        Unknown method or boundary rule, a tau table without the needed columns,
        a GITT result without samples.
    """
    if method not in ("windows", "model"):
        raise InputError(f"unknown method '{method}'; expected 'windows' or 'model'")
    if boundary not in RULES:
        raise InputError(f"unknown boundary rule '{boundary}'; expected one of {RULES}")
    if not isinstance(taus, pd.DataFrame):
        taus = tau_table(taus)
    p = gitt.pulses
    if len(p) == 0:
        raise AnalysisInputError("the GITT result has no pulses")
    soc_mid = _soc_mid(p)
    tp = _interp_taus(taus, soc_mid)
    settings: dict[str, Any] = {"method": method, "tau_soc_pct": taus["soc_pct"].tolist()}
    step = progress or (lambda _msg: None)
    step(f"decomposition ({method}): {len(p)} pulses")
    sigma = noise_ohm(gitt)  # voltage noise of each pulse over I [Ohm]
    if method == "windows":
        table, notes = _windows(
            gitt,
            tp,
            sigma=sigma,
            boundary=boundary,
            fraction=fraction,
            max_leak=max_leak,
            tau_rel_err=tau_rel_err,
        )
        settings.update(boundary=boundary, fraction=fraction, max_leak=max_leak)
    else:
        table, notes = fit_pulses(
            gitt,
            tp,
            sigma=sigma,
            refine_taus=refine_taus,
            tau_factor=tau_factor,
            bins_per_decade=bins_per_decade,
            max_developed=max_developed,
            n_range=n_range,
            max_residual_ratio=max_residual_ratio,
            max_jump=max_jump,
            progress=step,
        )
        settings.update(
            refine_taus=refine_taus,
            tau_factor=tau_factor,
            max_residual_ratio=max_residual_ratio,
            max_jump=max_jump,
        )
    if tp["extrapolated"].any():
        notes.append(
            f"{int(tp['extrapolated'].sum())} pulses lie outside the SOC range of the "
            "spectra; their time constants are those of the nearest spectrum"
        )
    table = _finish(table, p, soc_mid, method, gitt, sigma)
    settings["soc_reference"] = table.attrs.get("soc_reference", "")
    settings["soc_basis"] = table.attrs.get("soc_basis", "")
    return Decomposition(table=table, method=method, settings=settings, notes=notes)


def _soc_mid(p: pd.DataFrame) -> np.ndarray:
    """SOC halfway through each pulse [%] (from the start where the table has no end)."""
    if "soc_mid_pct" in p.columns:
        return p["soc_mid_pct"].to_numpy(float)
    if "soc_end_pct" in p.columns:
        return 0.5 * (p["soc_start_pct"].to_numpy(float) + p["soc_end_pct"].to_numpy(float))
    return p["soc_start_pct"].to_numpy(float)


def _finish(
    table: pd.DataFrame,
    p: pd.DataFrame,
    soc_mid: np.ndarray,
    method: str,
    gitt: Any,
    sigma: np.ndarray,
) -> pd.DataFrame:
    """The columns both methods share (SOC, the measured total and its error from the
    voltage noise ``sigma`` [Ohm] and the OCV before, closure, the paper's R3), in the
    order of :data:`ohmslice.method.columns.COLUMNS`, and the SOC scale in ``attrs``."""
    t = table.copy()
    se_before = _col(p, "ocv_before_se_V") / np.abs(p["current_A"].to_numpy(float))
    t["r_total_ohm"] = p["r_total_ohm"].to_numpy(float)
    t["r_total_ohm_err"] = np.hypot(sigma, np.nan_to_num(se_before))
    t["soc_pct"] = soc_mid
    t["soc_start_pct"] = p["soc_start_pct"].to_numpy(float)
    t["soc_end_pct"] = _col(p, "soc_end_pct")
    r_total = t["r_total_ohm"].to_numpy(float)
    r12 = t["r12_ohm"].to_numpy(float)
    t["closure_ohm"] = r_total - r12 - t["r3_ohm"].to_numpy(float) - t["r_ocv_ohm"].to_numpy(float)
    t["r3_paper_ohm"] = r_total - r12
    t["r3_paper_ohm_err"] = np.hypot(t["r_total_ohm_err"].to_numpy(float), t["r12_ohm_err"])
    first = [c for c in COMMON_COLUMNS if c in t.columns]
    t = t[first + [c for c in t.columns if c not in first]]
    t.attrs = {
        "method": method,
        "soc_reference": getattr(gitt, "soc_reference", p.attrs.get("soc_reference", "")),
        "soc_basis": getattr(gitt, "soc_basis", p.attrs.get("soc_basis", "")),
    }
    return t


def gitt_eis_consistency(
    decomposition: Decomposition, taus: pd.DataFrame | Mapping[float, Any]
) -> pd.DataFrame:
    """GITT components against the EIS resistances of the same processes (the reference
    paper's Fig. S7).

    For each SOC with a spectrum, the GITT components of the pulse nearest in SOC are
    set against the EIS resistances (per electrode) of contact, charge transfer and
    diffusion (the GITT's DC diffusion resistance ``r3_dc_ohm`` where the method gives
    one -- the EIS value is a DC one -- else ``r3_ohm``, developed by the pulse end):
    columns ``soc_pct``, ``pulse``, ``pulse_soc_pct``, ``pulse_usable`` (whether that pulse
    passed its method's checks), and per component
    ``{c}_gitt_ohm``, ``{c}_eis_ohm``, ``{c}_ratio`` (GITT / EIS) with ``{c}_ratio_err``.
    """
    if not isinstance(taus, pd.DataFrame):
        taus = tau_table(taus)
    tab = decomposition.table
    rows = []
    for row in taus.itertuples():
        k = int(np.nanargmin(np.abs(tab["soc_pct"].to_numpy(float) - row.soc_pct)))
        out: dict[str, Any] = {
            "soc_pct": row.soc_pct,
            "pulse": int(tab["pulse"].iat[k]),
            "pulse_soc_pct": float(tab["soc_pct"].iat[k]),
            "pulse_usable": bool(tab["usable"].iat[k]) if "usable" in tab.columns else True,
        }
        for i, c in enumerate(COMPONENTS, start=1):
            col = c
            if c == "r3" and "r3_dc_ohm" in tab.columns and tab["r3_dc_ohm"].notna().any():
                col = "r3_dc"  # the EIS gives the DC diffusion resistance
            g, ge = float(tab[f"{col}_ohm"].iat[k]), float(tab[f"{col}_ohm_err"].iat[k])
            e = float(getattr(row, f"r{i}_ohm", np.nan))
            ee = float(getattr(row, f"r{i}_ohm_err", np.nan))
            ratio = g / e if e > 0 else np.nan
            out[f"{c}_gitt_ohm"] = g
            out[f"{c}_eis_ohm"] = e
            out[f"{c}_ratio"] = ratio
            out[f"{c}_ratio_err"] = abs(ratio) * np.hypot(
                ge / g if g else np.nan, ee / e if e else np.nan
            )
        rows.append(out)
    return pd.DataFrame(rows)
