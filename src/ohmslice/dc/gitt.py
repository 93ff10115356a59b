"""GITT: per-pulse SOC, open-circuit voltages, resistances and R(t) from a recording.

The protocol this module expects (the reference paper's): a full charge (CC or CC-CV) of the
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

from .._display import Plottable, html_summary
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

__all__ = [
    "GittResult",
    "analyze_gitt",
    "find_pulse_sequence",
    "label_regions",
    "parse_soc_reference",
    "voltage_noise",
    "REGION_RULE",
    "SOC_REFERENCES",
]


@dataclass(repr=False)
class GittResult(Plottable):
    """Outcome of :func:`analyze_gitt`; ``.plot()`` draws the voltage record and R vs
    SOC (:func:`ohmslice.report.gitt_figures.plot_gitt`).

    Attributes
    ----------
    pulses
        One row per pulse (see :func:`analyze_gitt` for the columns).
    capacity_Ah
        Reference capacity [A h] of the SOC scale (what 100 % SOC is).
    capacity_source
        Where it came from (``"the GITT's own discharge (all pulses)"``, ``"last full
        charge before the pulses ..."``, ``"nominal capacity"``, ``"given"``).
    soc_reference
        What 0 % and 100 % SOC mean here, in words (print it beside SOC-based results).
    soc_basis
        The scale in one word: ``"discharge"``, ``"charge"``, ``"nominal"`` or
        ``"given"`` (see ``soc_reference`` of :func:`analyze_gitt`).
    direction
        ``"discharge"`` or ``"charge"`` (the sign of the pulses).
    sign_flipped
        True where the file's current had the opposite sign convention and was negated.
    segments
        The segmentation table the pulses were found in (:func:`ohmslice.dc.pulses.segment`).
    notes
        Things the user should know (a last pulse cut during the pulse, a missing OCV, ...).
    anchored
        Whether a full charge (discharge for a charge GITT) before the pulses anchors the
        SOC scale; False where 100 % (0 %) at the start of the first pulse is an
        assumption and, on the GITT's own scale, SOC is the share of the pulses' own
        charge.
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
    soc_basis: str = ""
    anchored: bool = True
    _arrays: Arrays | None = field(default=None, repr=False)
    _soc: np.ndarray | None = field(default=None, repr=False)

    def summary_lines(self) -> list[str]:
        """A few lines: pulses, SOC range and scale, R range, regions, notes counted."""
        p = self.pulses
        lines = []
        if len(p):
            lo = float(np.nanmin(p[["soc_start_pct", "soc_end_pct"]].to_numpy(float)))
            hi = float(np.nanmax(p[["soc_start_pct", "soc_end_pct"]].to_numpy(float)))
            lines.append(f"SOC {lo:.1f} .. {hi:.1f} % on the '{self.soc_basis}' scale: "
                         f"{self.capacity_Ah * 1e3:.4g} mAh = 100 % ({self.capacity_source})")  # fmt: skip
        if not self.anchored:
            lines.append("no full charge before the pulses: SOC is a share of the pulses' own "
                         "charge, not the cell's state of charge")  # fmt: skip
        r = p["r_total_ohm"].to_numpy(float) if "r_total_ohm" in p.columns else np.array([])
        if np.isfinite(r).any():
            lines.append(f"R_total {np.nanmin(r):.4g} .. {np.nanmax(r):.4g} Ohm")
        if "region" in p.columns and len(p):
            counts = p["region"].value_counts()
            lines.append("regions: " + ", ".join(f"{k} {int(n)}" for k, n in counts.items()))
        return lines

    def __repr__(self) -> str:
        head = f"GittResult: {len(self.pulses)} {self.direction} pulses"
        notes = f"\n  {len(self.notes)} note(s): see .notes" if self.notes else ""
        return "\n  ".join([head, *self.summary_lines()]) + notes

    def _repr_html_(self) -> str:
        cols = [c for c in ("pulse", "region", "soc_mid_pct", "ocv_before_V", "r_ir_ohm",
                            "r_total_ohm", "r_polarization_ohm") if c in self.pulses.columns]  # fmt: skip
        return html_summary(
            f"GittResult: {len(self.pulses)} {self.direction} pulses",
            [*self.summary_lines(), f"SOC: {self.soc_reference}"],
            self.pulses[cols],
            notes=self.notes,
        )

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
def _end_value(t: np.ndarray, v: np.ndarray, frac: float = 0.02) -> tuple[float, float, float]:
    """Value at the last sample from a straight line through the last ``frac`` of the
    slice (at least 5 samples, if they lie in the last 25 % of it; at most 200), its
    slope [V/s] and the standard error of the value [V]. With fewer than 3 such samples:
    the last sample, slope and standard error NaN."""
    n = len(t)
    if n == 0:
        return np.nan, np.nan, np.nan
    t_end = t[-1]
    span = t_end - t[0]
    k0 = int(np.searchsorted(t, t_end - frac * span, side="left"))
    k_min = int(np.searchsorted(t, t_end - 0.25 * span, side="left"))
    k0 = max(min(k0, n - 5), k_min, n - 200)
    if n - k0 < 3:
        return float(v[-1]), np.nan, np.nan
    tt = t[k0:] - t_end
    vv = v[k0:]
    m = tt.size
    tm = tt.mean()
    sxx = float(((tt - tm) ** 2).sum())
    if sxx <= 0:
        return float(vv.mean()), np.nan, np.nan
    slope = float(((tt - tm) * (vv - vv.mean())).sum() / sxx)
    icpt = float(vv.mean() - slope * tm)
    se = np.nan
    if m > 2:
        s2 = float(((vv - icpt - slope * tt) ** 2).sum() / (m - 2))
        se = float(np.sqrt(s2 * (1.0 / m + tm**2 / sxx)))
    return icpt, slope, se


def voltage_noise(v: np.ndarray) -> float:
    """White-noise level [V] of a slowly varying voltage record, from the differences of
    consecutive samples: 1.4826 MAD(dV) / sqrt(2) (robust to the odd step). Where the
    samples are so coarsely quantised that most differences are 0 (MAD = 0), the rms of
    the differences / sqrt(2) instead. NaN for fewer than 5 samples."""
    if v.size < 5:
        return np.nan
    d = np.diff(v)
    mad = float(np.median(np.abs(d - np.median(d))))
    if mad > 0:
        return 1.4826 * mad / np.sqrt(2.0)
    return float(np.sqrt(np.mean(d**2) / 2.0))


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


# ---------------------------------------------------------------------- SOC scale ----
#: What ``soc_reference`` may be (besides a capacity in A h): see :func:`analyze_gitt`.
SOC_REFERENCES = ("discharge", "charge", "nominal", "gitt")


@dataclass
class _Scale:
    capacity_Ah: float
    source: str
    basis: str
    text: str
    notes: list[str]


def parse_soc_reference(value: Any) -> str | float | None:
    """``soc_reference`` as given by a user: ``None``, one of :data:`SOC_REFERENCES`, a
    capacity in A h (a number), or a text ``"<number> mAh"`` / ``"<number> Ah"``.
    Returns the key or the capacity [A h].

    Raises
    ------
    AnalysisInputError
        Anything else (a bare number in a text is refused: its unit is not known).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise AnalysisInputError(f"soc_reference={value!r}; expected one of {SOC_REFERENCES} "
                                 "or a capacity")  # fmt: skip
    if isinstance(value, (int, float, np.floating, np.integer)):
        cap = float(value)
        if not (np.isfinite(cap) and cap > 0):
            raise AnalysisInputError(f"soc_reference={value!r}; a capacity must be > 0 A h")
        return cap
    text = str(value).strip().lower()
    if text in SOC_REFERENCES:
        return text
    for unit, scale in (("mah", 1e-3), ("ah", 1.0)):
        if text.endswith(unit):
            try:
                cap = float(text[: -len(unit)].strip()) * scale
            except ValueError:
                break
            if np.isfinite(cap) and cap > 0:
                return cap
            break
    raise AnalysisInputError(
        f"soc_reference={value!r}; expected one of {', '.join(SOC_REFERENCES)} or a capacity "
        "with its unit ('2.355 mAh', '0.002355 Ah')"
    )


def _soc_scale(
    reference: Any,
    capacity_Ah: float | None,
    nominal_Ah: float | None,
    sgn: int,
    own_q: float,
    full_q: float | None,
    full_source: str,
    last_reached: bool,
    n_pulses: int,
    src: str | None,
) -> _Scale:
    """The capacity the SOC is counted against, and the words that say so."""
    ref = parse_soc_reference(reference)
    if capacity_Ah is not None:
        if ref is not None:
            raise AnalysisInputError("give either capacity_Ah or soc_reference, not both", path=src)
        ref = float(capacity_Ah)
    own_name, full_name = ("discharge", "charge") if sgn < 0 else ("charge", "discharge")
    start, end = ("100 %", "0 %") if sgn < 0 else ("0 %", "100 %")
    anchor = (
        f"SOC {start} at the start of the first pulse (end of the full {full_name} and its rest)"
    )
    notes: list[str] = []
    if full_q is None:
        notes.append(
            f"no full {full_name} before the pulses: SOC {start} is assumed at the start of "
            "the first pulse"
            + (
                ""
                if last_reached or reference is not None or capacity_Ah is not None
                else f", and, as the last pulse did not reach the cut-off either, {end} at the "
                "end of the last pulse is an assumption too (give soc_reference='nominal' or "
                "a capacity)"
            )
        )
    explicit = ref is not None
    if ref is None or ref == "gitt":
        ref = own_name
    if ref == own_name and full_q is not None and not explicit:
        # the GITT's own charge is the full capacity only if it ran to the cut-off
        if not last_reached and own_q < 0.9 * full_q:
            notes.append(
                f"the GITT's {n_pulses} pulses passed {100 * own_q / full_q:.0f} % of the full "
                f"{full_name} before them and the last did not reach the cut-off: SOC counted "
                f"against the full {full_name} instead of the GITT's own {own_name}"
            )
            ref = full_name
    elif ref == own_name and explicit and not last_reached:
        notes.append(
            f"the last pulse did not reach the cut-off: {end} SOC (the end of the last pulse) "
            "may not be the end of the cell's capacity"
        )
    if isinstance(ref, float):
        return _Scale(ref, "given", "given", f"{anchor}, coulomb counted against the given "
                      f"capacity {ref * 1e3:.6g} mAh", notes)  # fmt: skip
    if ref == "nominal":
        if nominal_Ah is None:
            raise AnalysisInputError(
                "soc_reference='nominal' needs the nominal capacity (nominal_capacity_Ah=...;"
                " in a study file the cell's nominal_capacity_mAh)",
                path=src,
            )
        return _Scale(float(nominal_Ah), "nominal capacity", "nominal", f"{anchor}, coulomb "
                      f"counted against the nominal capacity {nominal_Ah * 1e3:.6g} mAh", notes)  # fmt: skip
    if ref == own_name:
        return _Scale(own_q, f"the GITT's own {own_name} (all pulses)", own_name,
                      f"{anchor}, {end} at the end of the last pulse: coulomb counted against "
                      f"the GITT's own {own_name}, {own_q * 1e3:.6g} mAh", notes)  # fmt: skip
    # the full charge (discharge) before the pulses
    if full_q is None:
        raise AnalysisInputError(
            f"soc_reference={reference!r}: there is no full {full_name} before the pulses to "
            f"count against; use '{own_name}' (the GITT's own), 'nominal' or a capacity",
            path=src,
        )
    return _Scale(full_q, f"last full {full_name} before the pulses ({full_source})", full_name,
                  f"{anchor}: coulomb counted against the last full {full_name} before the "
                  f"pulses, {full_q * 1e3:.6g} mAh", notes)  # fmt: skip


# ---------------------------------------------------------------------- analysis ----
def analyze_gitt(
    recording: Recording,
    *,
    capacity_Ah: float | None = None,
    soc_reference: str | float | None = None,
    nominal_capacity_Ah: float | None = None,
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
    ``soc_end_pct``, ``soc_mid_pct`` (SOC [%] at the pulse's current step, at its end
    and halfway, coulomb counted against :attr:`GittResult.capacity_Ah`, see
    ``soc_reference``), ``charge_Ah`` (signed), ``current_A`` (mean, signed),
    ``duration_s``, ``t_start_s`` (the current step), ``t_end_s``, ``ocv_before_V`` (end
    of the preceding rest, by a straight line through its last 2 %, at least 5 samples)
    and ``ocv_before_se_V`` (its standard error), ``ocv_after_V`` and ``ocv_after_se_V``
    (end of its own rest; NaN if the rest is incomplete), ``ocv_drift_V_per_s`` (slope at
    the end of the pulse's own rest: relaxation left), ``noise_V`` (white voltage noise
    of the record, from consecutive samples of the second half of its rest:
    :func:`voltage_noise`), ``v_end_V`` (last sample of the pulse), ``t_first_s`` (time
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
    :func:`ohmslice.dc.diffusion.diffusion_table` follow. The table's ``attrs`` hold
    ``soc_reference`` (the words), ``soc_basis`` and ``capacity_Ah`` (the scale).

    The SOC scale (``soc_reference``; the result's :attr:`GittResult.soc_basis` and
    :attr:`GittResult.soc_reference` say which was used). A discharge GITT has 100 % at
    the start of its first pulse (the end of the full charge and its rest); a charge
    GITT (pulses of I > 0 after a full discharge, mirrored) has 0 % there. What 1 % is:

    ``None`` (default) or ``"gitt"``
        The GITT's own charge: for a discharge GITT ``"discharge"``, for a charge GITT
        ``"charge"`` below, so that the end of the last pulse is 0 % (100 %) and no pulse
        lies outside 0-100 %. Where the GITT did not run to its cut-off (the last pulse
        did not reach it and the pulses passed less than 90 % of the full charge before
        them), the full charge before them is used instead, with a note.
    ``"discharge"``
        The charge discharged: the GITT's own pulses for a discharge GITT; the last full
        discharge before the pulses for a charge GITT.
    ``"charge"``
        The charge charged: the last full charge before the pulses for a discharge
        GITT (the SOC of a cell not fully discharged before that charge then goes below 0
        % at the end); the GITT's own pulses for a charge GITT.
    ``"nominal"``
        ``nominal_capacity_Ah``.
    a capacity
        A number [A h] or a text ``"2.355 mAh"``; the same as ``capacity_Ah``.

    Parameters
    ----------
    recording
        The GITT recording.
    capacity_Ah
        Reference capacity [A h] (the same as ``soc_reference=capacity``).
    soc_reference
        The SOC scale, see above.
    nominal_capacity_Ah
        The cell's nominal capacity [A h], for ``soc_reference="nominal"``.
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
        ``min_rest_s``, a bad capacity or geometry, an unknown ``soc_reference`` or one
        the record cannot give (``"charge"`` with no full charge before a discharge
        GITT, ``"nominal"`` without ``nominal_capacity_Ah``), both ``capacity_Ah`` and
        ``soc_reference``.
    MissingColumnError
        No current column.
    """
    arr = arrays_of(recording)
    src = recording.source
    if capacity_Ah is not None and not (np.isfinite(capacity_Ah) and capacity_Ah > 0):
        raise AnalysisInputError(f"capacity_Ah={capacity_Ah!r}; expected a capacity > 0 A h")
    if nominal_capacity_Ah is not None and not (
        np.isfinite(nominal_capacity_Ah) and nominal_capacity_Ah > 0
    ):
        raise AnalysisInputError(
            f"nominal_capacity_Ah={nominal_capacity_Ah!r}; expected a capacity > 0 A h"
        )
    parse_soc_reference(soc_reference)  # refuse a bad value before any work
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

    # --- cut-off: does the last pulse end the GITT at the voltage limit? ----------------
    v_end_p = v[stops[seq] - 1]
    reached = np.zeros(len(seq), dtype=bool)
    if cutoff_V is not None:
        reached = v_end_p <= cutoff_V + 2e-3 if sgn < 0 else v_end_p >= cutoff_V - 2e-3
    elif len(seq) >= 2:
        extreme = v_end_p[-1] <= v_end_p.min() if sgn < 0 else v_end_p[-1] >= v_end_p.max()
        reached[-1] = bool(p_dur[-1] < 0.98 * p_dur[-2] and extreme)

    # --- SOC reference -----------------------------------------------------------------
    first_row = int(starts[seq[0]])
    anchor_row = first_row - 1 if first_row > 0 else 0
    pulse_q = float(np.abs(seg["charge_Ah"].to_numpy()[seq]).mean())
    blk = full_block(seg, seq[0], -sgn, 10 * pulse_q)
    full_q = None
    full_source = ""
    if blk is not None:
        b0 = int(starts[blk[0]])
        full_q = abs(float(q[anchor_row] - q[max(b0 - 1, 0)]))
        full_source = (
            f"segments {blk[0]}-{blk[1]}, rows {b0}-{int(stops[blk[1]]) - 1}, with the rest "
            "after it"
        )
    own_q = abs(float(q[int(stops[seq[-1]]) - 1] - q[anchor_row]))
    scale = _soc_scale(
        soc_reference, capacity_Ah, nominal_capacity_Ah, sgn, own_q, full_q, full_source,
        bool(reached[-1]), len(seq), src,
    )  # fmt: skip
    notes += scale.notes
    cap, source, basis, soc_ref = scale.capacity_Ah, scale.source, scale.basis, scale.text
    soc_at_anchor = 100.0 if sgn < 0 else 0.0
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
            ocv_b, _, ocv_b_se = _end_value(t[ps:pe], v[ps:pe])
        else:
            ocv_b = ocv_b_se = np.nan
            notes.append(f"pulse {k + 1} has no rest before it: no OCV before, R is NaN")
        rs, re_ = int(starts[j + 1]), int(stops[j + 1])
        ocv_a, drift, ocv_a_se = _end_value(t[rs:re_], v[rs:re_])
        if not complete[k]:
            ocv_a = ocv_a_se = np.nan
        # voltage noise: consecutive samples of the second half of its rest (the
        # relaxation left there is far slower than the sampling)
        half = rs + int(np.searchsorted(t[rs:re_], 0.5 * (t[rs] + t[re_ - 1]), side="left"))
        noise = voltage_noise(v[half:re_])
        if not np.isfinite(noise):  # a short rest: the second half of the pulse
            noise = voltage_noise(v[(s + e) // 2 : e])
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
                "ocv_before_se_V": ocv_b_se,
                "ocv_after_se_V": ocv_a_se,
                "ocv_drift_V_per_s": drift,
                "noise_V": noise,
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
    pt.attrs.update(soc_reference=soc_ref, soc_basis=basis, capacity_Ah=cap)
    return GittResult(
        pulses=pt,
        capacity_Ah=cap,
        capacity_source=source,
        soc_reference=soc_ref,
        direction=direction,
        sign_flipped=flipped,
        segments=seg,
        notes=notes,
        soc_basis=basis,
        anchored=full_q is not None,
        _arrays=arr,
        _soc=soc,
    )
