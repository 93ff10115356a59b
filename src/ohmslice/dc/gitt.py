"""GITT: per-pulse SOC, open-circuit voltages, resistances and R(t) from a recording.

The protocol this module expects (the seed's): a full charge (CC or CC-CV) of the
working electrode, optionally a rest, then a sequence of constant-current pulses of
one sign and about one current, each followed by a rest long enough for the voltage to
relax to the open-circuit voltage (OCV), down to a cut-off voltage. A charge-direction
GITT (pulses of I > 0 after a full discharge) is read the same way, mirrored.

Units are SI; current > 0 charges the working electrode. Files written with the
opposite convention are recognised (the voltage then moves against the current during
the pulses), the current is negated and :attr:`GittResult.sign_flipped` says so.
See :func:`analyze_gitt` for every column of the per-pulse table.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AnalysisInputError, IncompleteDataWarning
from ..schema import Recording
from .pulses import (
    Arrays,
    arrays_of,
    cumulative_charge_Ah,
    find_pulse_sequence,
    full_block,
    r_at_times,
    segment,
)
from .regions import REGION_RULE, label_regions

__all__ = ["GittResult", "analyze_gitt", "find_pulse_sequence", "label_regions", "REGION_RULE"]


@dataclass
class GittResult:
    """Outcome of :func:`analyze_gitt`.

    Attributes
    ----------
    pulses
        One row per pulse (see :func:`analyze_gitt` for the columns).
    capacity_Ah
        Reference capacity [A h] of the SOC scale.
    capacity_source
        Where it came from (``"last full charge ..."``, ``"given"``, ``"sum of pulses"``).
    soc_reference
        What 100 % (or 0 %) SOC means here, in words.
    direction
        ``"discharge"`` or ``"charge"`` (the sign of the pulses).
    sign_flipped
        True where the file's current had the opposite sign convention and was negated.
    segments
        The segmentation table the pulses were found in (:func:`ohmslice.dc.pulses.segment`).
    notes
        Things the user should know (a last pulse cut during the pulse, a missing OCV, ...).
    """

    pulses: pd.DataFrame
    capacity_Ah: float
    capacity_source: str
    soc_reference: str
    direction: str
    sign_flipped: bool
    segments: pd.DataFrame
    region_rule: str = REGION_RULE
    notes: list[str] = field(default_factory=list)
    _arrays: Arrays | None = field(default=None, repr=False)
    _soc: np.ndarray | None = field(default=None, repr=False)

    def r_of_t(
        self, times_s: Sequence[float] | np.ndarray, *, tidy: bool = False
    ) -> np.ndarray | pd.DataFrame:
        """R(t) = (V(t) - OCV_before) / I of every pulse at ``times_s`` after its step [Ohm].

        Values between samples are interpolated linearly in log(time) (the sampling is
        often logarithmic after a step, and responses are smooth in log time). Times
        before a pulse's first sample or after its end give NaN: nothing is
        extrapolated. A pulse without an OCV before it gives NaN.

        Parameters
        ----------
        times_s
            Times since the current step [s], > 0.
        tidy
            Return a long DataFrame (``pulse``, ``soc_start_pct``, ``time_s``, ``r_ohm``)
            instead of an array.

        Returns
        -------
        numpy.ndarray or pandas.DataFrame
            Array of shape (n_pulses, n_times), or the tidy table.

        Raises
        ------
        AnalysisInputError
            A time is not finite and positive.
        """
        times = np.atleast_1d(np.asarray(times_s, dtype=float))
        if times.ndim != 1 or not np.all(np.isfinite(times) & (times > 0)):
            raise AnalysisInputError(
                f"times_s={times_s!r}; expected finite times > 0 s after the step"
            )
        arr = self._arrays
        p = self.pulses
        out = np.full((len(p), len(times)), np.nan)
        if arr is None:
            return out
        for k, (s, e, t0, ocv, cur) in enumerate(
            zip(
                p["row_start"].to_numpy(),
                p["row_stop"].to_numpy(),
                p["t_start_s"].to_numpy(),
                p["ocv_before_V"].to_numpy(),
                p["current_A"].to_numpy(),
                strict=True,
            )
        ):
            out[k] = r_at_times(arr.t, arr.v, int(s), int(e), t0, ocv, cur, times)
        if not tidy:
            return out
        return pd.DataFrame(
            {
                "pulse": np.repeat(p["pulse"].to_numpy(), len(times)),
                "soc_start_pct": np.repeat(p["soc_start_pct"].to_numpy(), len(times)),
                "time_s": np.tile(times, len(p)),
                "r_ohm": out.ravel(),
            }
        )

    def traces(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Samples of every pulse and the rest after it, as R(t).

        Returns, per pulse, the times since its current step [s] and
        R(t) = (V(t) - OCV_before) / I [Ohm] from its first sample to the end of its
        rest (the end of the pulse where no rest follows). Empty arrays where the result
        holds no samples.
        """
        arr = self._arrays
        p, seg = self.pulses, self.segments
        out = []
        for row in p.itertuples():
            if arr is None:
                out.append((np.array([]), np.array([])))
                continue
            j = int(row.segment)
            has_rest = j + 1 < len(seg) and seg["kind"].iat[j + 1] == "rest"
            stop = int(seg["stop"].iat[j + 1]) if has_rest else int(row.row_stop)
            s = int(row.row_start)
            t = arr.t[s:stop] - row.t_start_s
            r = (arr.v[s:stop] - row.ocv_before_V) / row.current_A
            out.append((t, r))
        return out

    def soc_pct(self) -> np.ndarray:
        """SOC [%] at every sample of the recording (coulomb counted, same reference)."""
        return np.asarray(self._soc) if self._soc is not None else np.array([])


# ------------------------------------------------------------------------ helpers ----
def _end_value(t: np.ndarray, v: np.ndarray, frac: float = 0.02) -> tuple[float, float]:
    """Value at the last sample from a straight line through the last ``frac`` of the
    slice (at least 5 samples, if they lie in the last 25 % of it; at most 200), and
    its slope [V/s]. With fewer than 3 such samples: the last sample, slope NaN."""
    n = len(t)
    if n == 0:
        return np.nan, np.nan
    t_end = t[-1]
    span = t_end - t[0]
    k0 = int(np.searchsorted(t, t_end - frac * span, side="left"))
    k_min = int(np.searchsorted(t, t_end - 0.25 * span, side="left"))
    k0 = max(min(k0, n - 5), k_min, n - 200)
    if n - k0 < 3:
        return float(v[-1]), np.nan
    tt = t[k0:] - t_end
    vv = v[k0:]
    slope, icpt = np.polyfit(tt, vv, 1)
    return float(icpt), float(slope)


def _sqrt_intercept(
    trel: np.ndarray, v: np.ndarray, window_s: float, min_points: int = 3
) -> tuple[float, float, float]:
    """Straight line V = a + b sqrt(t) through the samples with t <= window_s (at least
    ``min_points``): returns a (the value at t = 0), its standard error, and b."""
    m = int(np.searchsorted(trel, window_s, side="right"))
    m = max(m, min(min_points, len(trel)))
    if m < 3:
        return np.nan, np.nan, np.nan
    x = np.sqrt(trel[:m])
    y = v[:m]
    xm, ym = x.mean(), y.mean()
    sxx = float(((x - xm) ** 2).sum())
    if sxx <= 0:
        return np.nan, np.nan, np.nan
    b = float(((x - xm) * (y - ym)).sum() / sxx)
    a = float(ym - b * xm)
    res = y - a - b * x
    s2 = float((res**2).sum() / (m - 2)) if m > 2 else np.nan
    se_a = float(np.sqrt(s2 * (1.0 / m + xm**2 / sxx)))
    return a, se_a, b


# ---------------------------------------------------------------------- analysis ----
def analyze_gitt(
    recording: Recording,
    *,
    capacity_Ah: float | None = None,
    particle_radius_m: float | None = None,
    vm_over_s_m: float | None = None,
    diffusion: bool | None = None,
    min_pulses: int = 2,
    current_tolerance: float = 0.05,
    min_rest_s: float | None = None,
    ir_fit_window_s: float | None = None,
    steep_factor: float = 1.5,
    cutoff_V: float | None = None,
    segments: pd.DataFrame | None = None,
    **segment_options: Any,
) -> GittResult:
    """Analyse a GITT recording pulse by pulse.

    Finds the GITT sequence (:func:`find_pulse_sequence`), the last full charge before
    it (for a discharge GITT; the last full discharge for a charge GITT) and, per pulse:

    ``pulse`` (1-based), ``region`` (I/II/III, :data:`REGION_RULE`), ``soc_start_pct``,
    ``soc_end_pct``, ``soc_mid_pct`` (coulomb counting against :attr:`capacity_Ah`: 100
    % at the end of the full charge, or 0 % at the end of the full discharge),
    ``charge_Ah`` (signed), ``current_A`` (mean, signed), ``duration_s``, ``t_start_s``
    (the current step), ``t_end_s``, ``ocv_before_V`` (end of the preceding rest, by a
    straight line through its last 2 %, at least 5 samples), ``ocv_after_V`` (end of
    its own rest; NaN if the rest is incomplete), ``ocv_drift_V_per_s`` (slope at the end of the pulse's own
    rest: relaxation left), ``v_end_V`` (last sample of the pulse), ``t_first_s`` (time
    of the first sample after the step), ``ir_drop_V`` and ``r_ir_ohm`` (that first
    sample: |V_first - OCV_before| and (V_first - OCV_before)/I), ``ir_drop0_V``,
    ``r_ir0_ohm``, ``r_ir0_se_ohm`` (extrapolated to t = 0 by a straight line in
    sqrt(t) through the samples up to ``ir_fit_window_s``, default max(10 t_first,
    5 % of the pulse), at least 3 samples; with its standard error), ``r_total_ohm``
    = (V_end - OCV_before)/I (= (OCV_before - V_end)/|I| on discharge),
    ``r_polarization_ohm`` = (V_end - OCV_after)/I, ``d_ocv_d_soc_V`` [V per %] =
    (OCV_after - OCV_before)/(SOC_end - SOC_start), ``reached_cutoff`` (see
    ``cutoff_V``), ``complete`` (its rest is as long as the others), ``row_start``,
    ``row_stop`` (rows of the pulse, stop exclusive), ``rest_s``. With diffusion
    (geometry given, or ``diffusion=True``) the columns of
    :func:`ohmslice.dc.diffusion.diffusion_table` follow.

    Parameters
    ----------
    recording
        The GITT recording.
    capacity_Ah
        Reference capacity [A h]; by default the charge of the last full charge
        (discharge) before the pulses, else the sum of the pulses' charge.
    particle_radius_m, vm_over_s_m
        Particle radius [m] or V_m/S (volume over surface, = r/3 for spheres) [m] for
        the diffusion coefficients.
    diffusion
        Compute the diffusion columns (default: when a geometry is given).
    min_pulses
        Fewest pulses that make a GITT sequence.
    current_tolerance
        Relative spread of the pulse currents within one sequence.
    min_rest_s
        Shortest rest [s] that defines an OCV (default: 2 x the median pulse duration).
    ir_fit_window_s
        Window [s] of the sqrt(t) extrapolation of the IR drop.
    steep_factor
        See :func:`label_regions`.
    cutoff_V
        The cut-off voltage of the protocol [V]: a pulse ending within 2 mV of it (or
        beyond) has ``reached_cutoff``. Without it, the last pulse is taken to have
        reached the cut-off where it is shorter than the one before by more than 2 %
        and ends at the extreme voltage of the sequence.
    segments
        A segmentation of ``recording`` already computed (else computed here).
    **segment_options
        Passed to :func:`ohmslice.dc.pulses.segment`.

    Raises
    ------
    AnalysisInputError
        No pulses, mixed-sign steps, a rest inside the sequence shorter than
        ``min_rest_s``, a bad capacity or geometry.
    MissingColumnError
        No current column.
    """
    arr = arrays_of(recording)
    src = recording.source
    if capacity_Ah is not None and not (np.isfinite(capacity_Ah) and capacity_Ah > 0):
        raise AnalysisInputError(f"capacity_Ah={capacity_Ah!r}; expected a capacity > 0 A h")
    if cutoff_V is not None and not np.isfinite(cutoff_V):
        raise AnalysisInputError(f"cutoff_V={cutoff_V!r}; expected a voltage")
    seg = segment(recording, **segment_options) if segments is None else segments
    try:
        seq = find_pulse_sequence(seg, current_tolerance=current_tolerance, min_pulses=min_pulses)
    except AnalysisInputError as exc:
        raise (exc.with_path(src) if src else exc) from None
    notes: list[str] = []

    # --- sign convention: a pulse moves the voltage with its current ---------------------
    kind = seg["kind"].to_numpy()
    before_rest = seq[(seq > 0)]
    before_rest = before_rest[kind[before_rest - 1] == "rest"]
    flipped = False
    if before_rest.size:
        dv = seg["v_end_V"].to_numpy()[before_rest] - seg["v_end_V"].to_numpy()[before_rest - 1]
        if np.median(np.sign(dv) * seg["sign"].to_numpy()[before_rest]) < 0:
            flipped = True
    if flipped:
        arr = Arrays(arr.t, arr.v, -arr.i, arr.source)
        seg = seg.copy()
        for c in ("sign", "current_A", "charge_Ah"):
            seg[c] = -seg[c]
        notes.append("the current was written discharge-positive; it was negated")

    t, v, i = arr.t, arr.v, arr.i
    starts = seg["start"].to_numpy()
    stops = seg["stop"].to_numpy()
    sgn = int(seg["sign"].to_numpy()[seq[0]])
    direction = "discharge" if sgn < 0 else "charge"
    q = cumulative_charge_Ah(t, i, starts)

    # --- pulses and rests --------------------------------------------------------------
    dur = seg["duration_s"].to_numpy()
    p_dur = dur[seq]
    rest_idx = seq + 1
    rest_dur = dur[rest_idx]
    min_rest = 2.0 * float(np.median(p_dur)) if min_rest_s is None else float(min_rest_s)
    last_seg = len(seg) - 1
    others = rest_dur[:-1]
    for k in range(len(seq) - 1):
        if rest_dur[k] < min_rest:
            raise AnalysisInputError(
                f"the rest after pulse {k + 1} lasts {rest_dur[k]:.4g} s, too short to define "
                f"an open-circuit voltage; expected rests of at least {min_rest:.4g} s "
                "(set min_rest_s to accept shorter ones)",
                path=src,
                row=int(starts[rest_idx[k]]),
            )
    complete = np.ones(len(seq), dtype=bool)
    last_rest_short = rest_dur[-1] < min_rest or (
        others.size > 0 and rest_dur[-1] < 0.9 * float(np.median(others))
    )
    cut_short = []
    if rest_idx[-1] == last_seg and last_rest_short:
        complete[-1] = False
        cut_short.append(
            f"the record ends {rest_dur[-1]:.4g} s into the rest after pulse {len(seq)}; "
            "its OCV after is unknown"
        )
    if seq[-1] + 2 <= last_seg and kind[seq[-1] + 2] == "cc":
        nxt = seq[-1] + 2
        if nxt == last_seg and seg["sign"].to_numpy()[nxt] == sgn:
            cut_short.append(
                f"the record ends {dur[nxt]:.4g} s into pulse {len(seq) + 1} (of "
                f"{float(np.median(p_dur)):.4g} s); pulses 1-{len(seq)} are analysed, "
                f"pulse {len(seq) + 1} is not"
            )
    for text in cut_short:
        notes.append(text)
        warnings.warn(f"{src + ': ' if src else ''}GITT cut short: {text}", IncompleteDataWarning,
                      stacklevel=2)  # fmt: skip

    # --- SOC reference -----------------------------------------------------------------
    first_row = int(starts[seq[0]])
    anchor_row = first_row - 1 if first_row > 0 else 0
    pulse_q = float(np.abs(seg["charge_Ah"].to_numpy()[seq]).mean())
    blk = full_block(seg, seq[0], -sgn, 10 * pulse_q)
    soc_at_anchor = 100.0 if sgn < 0 else 0.0
    if capacity_Ah is not None:
        cap = float(capacity_Ah)
        source = "given"
    elif blk is not None:
        b0 = int(starts[blk[0]])
        cap = abs(float(q[anchor_row] - q[max(b0 - 1, 0)]))
        what = "charge" if sgn < 0 else "discharge"
        source = (
            f"last full {what} before the pulses (segments {blk[0]}-{blk[1]}, rows "
            f"{b0}-{int(stops[blk[1]]) - 1}, with the rest after it)"
        )
    else:
        cap = abs(float(q[int(stops[seq[-1]]) - 1] - q[anchor_row]))
        source = "sum of the pulses' charge (no full charge/discharge before the pulses)"
        notes.append("no full charge before the pulses: capacity = charge of all pulses")
    soc_ref = (
        f"SOC {soc_at_anchor:.0f} % at the start of the first pulse "
        f"(end of the full {'charge' if sgn < 0 else 'discharge'} and its rest), "
        f"coulomb counted against {cap * 1e3:.6g} mAh ({source})"
    )
    soc = soc_at_anchor + 100.0 * (q - q[anchor_row]) / cap

    # --- per-pulse metrics -------------------------------------------------------------
    rows = []
    for k, j in enumerate(seq.tolist()):
        s, e = int(starts[j]), int(stops[j])
        t0 = float(t[s - 1]) if s > 0 else float(t[s])
        cur = float(seg["current_A"].iat[j])
        prev = j - 1
        if prev >= 0 and kind[prev] == "rest":
            ps, pe = int(starts[prev]), int(stops[prev])
            ocv_b, _ = _end_value(t[ps:pe], v[ps:pe])
        else:
            ocv_b = np.nan
            notes.append(f"pulse {k + 1} has no rest before it: no OCV before, R is NaN")
        rs, re_ = int(starts[j + 1]), int(stops[j + 1])
        ocv_a, drift = _end_value(t[rs:re_], v[rs:re_])
        if not complete[k]:
            ocv_a = np.nan
        trel = t[s:e] - t0
        vp = v[s:e]
        t_first = float(trel[0])
        v_first = float(vp[0])
        window = (
            float(ir_fit_window_s)
            if ir_fit_window_s is not None
            else max(10.0 * t_first, 0.05 * p_dur[k])
        )
        a0, a0_se, _ = _sqrt_intercept(trel, vp, window)
        v_end = float(vp[-1])
        rows.append(
            {
                "pulse": k + 1,
                "segment": j,
                "row_start": s,
                "row_stop": e,
                "t_start_s": t0,
                "t_end_s": float(t[e - 1]),
                "duration_s": float(p_dur[k]),
                "rest_s": float(rest_dur[k]),
                "current_A": cur,
                "charge_Ah": float(q[e - 1] - q[s - 1 if s > 0 else 0]),
                "soc_start_pct": float(soc[s - 1 if s > 0 else 0]),
                "soc_end_pct": float(soc[e - 1]),
                "ocv_before_V": ocv_b,
                "ocv_after_V": ocv_a,
                "ocv_drift_V_per_s": drift,
                "v_end_V": v_end,
                "t_first_s": t_first,
                "ir_drop_V": abs(v_first - ocv_b),
                "r_ir_ohm": (v_first - ocv_b) / cur,
                "ir_drop0_V": abs(a0 - ocv_b),
                "r_ir0_ohm": (a0 - ocv_b) / cur,
                "r_ir0_se_ohm": a0_se / abs(cur),
                "r_total_ohm": (v_end - ocv_b) / cur,
                "r_polarization_ohm": (v_end - ocv_a) / cur,
                "complete": bool(complete[k]),
            }
        )
    pt = pd.DataFrame(rows)
    pt["soc_mid_pct"] = 0.5 * (pt["soc_start_pct"] + pt["soc_end_pct"])
    with np.errstate(invalid="ignore", divide="ignore"):
        pt["d_ocv_d_soc_V"] = (pt["ocv_after_V"] - pt["ocv_before_V"]) / (
            pt["soc_end_pct"] - pt["soc_start_pct"]
        )
    reached = np.zeros(len(pt), dtype=bool)
    if cutoff_V is not None:
        ve = pt["v_end_V"].to_numpy()
        reached = ve <= cutoff_V + 2e-3 if sgn < 0 else ve >= cutoff_V - 2e-3
    elif len(pt) >= 2:
        ve = pt["v_end_V"].to_numpy()
        extreme = ve[-1] <= ve.min() if sgn < 0 else ve[-1] >= ve.max()
        reached[-1] = bool(p_dur[-1] < 0.98 * p_dur[-2] and extreme)
    pt["reached_cutoff"] = reached
    pt["region"] = label_regions(
        pt["soc_mid_pct"].to_numpy(),
        pt["r_total_ohm"].to_numpy(),
        reached,
        steep_factor=steep_factor,
    )
    want_diff = (
        diffusion
        if diffusion is not None
        else (particle_radius_m is not None or vm_over_s_m is not None)
    )
    if want_diff:
        from .diffusion import diffusion_table

        dt_ = diffusion_table(arr, pt, particle_radius_m=particle_radius_m, vm_over_s_m=vm_over_s_m)
        pt = pd.concat([pt, dt_], axis=1)
    first = [
        "pulse",
        "region",
        "soc_start_pct",
        "soc_end_pct",
        "soc_mid_pct",
        "charge_Ah",
        "current_A",
        "duration_s",
    ]
    pt = pt[first + [c for c in pt.columns if c not in first]]
    return GittResult(
        pulses=pt,
        capacity_Ah=cap,
        capacity_source=source,
        soc_reference=soc_ref,
        direction=direction,
        sign_flipped=flipped,
        segments=seg,
        notes=notes,
        _arrays=arr,
        _soc=soc,
    )
