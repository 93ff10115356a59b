"""Rate capability and discharge-curve comparison.

A rate test charges and discharges a cell at constant current (CC) at several rates
(0.1C, 0.5C, 1C, 2C, ...), each step stopping at a voltage limit (or after a programmed
time), often with a constant-voltage (CV) hold after a CC charge. It may be one file with
many cycles or one file per rate. :func:`analyze_rate` finds every CC charge and
discharge of one cell through :func:`ohmslice.dc.pulses.segment` and reports per step its
C-rate, capacity (mAh, mAh/g, mAh/cm2), energy, mean and end voltage, how it ended, the
CV part where one follows, and the retention relative to the lowest rate.
:func:`compare_curves` (:mod:`ohmslice.dc.curves`, re-exported here) puts two cells'
voltage curves at the same rate on a common capacity, SOC or depth-of-discharge grid and
finds where their difference changes sign (the reference paper's "trend reversal" of the
overvoltage during discharge, Figure 1).

Conventions: SI units inside (s, V, A, Ah, Wh); the tables give capacities in mAh as
their column names say. Current > 0 charges the working electrode, < 0 discharges it;
capacities and energies are reported positive for both directions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .._display import Plottable, html_summary
from ..errors import AnalysisInputError, InputError
from ..schema import Recording
from .curves import Curve, CurveComparison, Direction, _cumtrapz, compare_curves

__all__ = [
    "NICE_C_RATES",
    "Curve",
    "CurveComparison",
    "RateResult",
    "analyze_rate",
    "compare_curves",
    "nominal_c_rate",
]

#: Rates a C-rate is snapped to for grouping and labels when within ``rate_tol``.
NICE_C_RATES = (
    0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 1 / 3, 0.5, 1.0, 1.5,
    2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0, 30.0, 50.0, 100.0,
)  # fmt: skip

_END_WINDOW = 0.02  # share of a step's charge over which its end slope is taken


# --- small numerics -----------------------------------------------------------------------
def nominal_c_rate(c_rate: float | np.ndarray, rate_tol: float = 0.1) -> np.ndarray:
    """Snap C-rates to the nearest of :data:`NICE_C_RATES` when within ``rate_tol``
    (relative); otherwise round to two significant digits. Used to group repeated steps
    and to label them (0.098 -> 0.1, 2.07 -> 2, 0.7 -> 0.7)."""
    c = np.atleast_1d(np.asarray(c_rate, dtype=float))
    nice = np.asarray(NICE_C_RATES)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(c[:, None] / nice[None, :] - 1.0)
        best = np.argmin(rel, axis=1)
        snapped = nice[best]
        digits = 1 - np.floor(np.log10(np.where(c > 0, c, 1.0)))
        rounded = np.array([round(float(x), int(d)) for x, d in zip(c, digits, strict=True)])
    return np.where(rel[np.arange(len(c)), best] <= rate_tol, snapped, rounded)


def _label(c: float) -> str:
    return f"{c:.2g}C" if abs(c - 1 / 3) < 1e-9 else f"{c:g}C"


def _positive(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"parameter {name} = {value!r}: expected a number") from None
    if not np.isfinite(v) or v <= 0:
        raise InputError(f"parameter {name} = {value!r}: expected a finite value > 0")
    return v


# --- rate analysis ------------------------------------------------------------------------
STEP_COLUMNS = [
    "cell", "source", "step", "direction", "segment", "start", "stop", "t_start_s",
    "duration_s", "current_A", "c_rate", "c_rate_nominal", "capacity_mAh", "capacity_mAh_g",
    "capacity_mAh_cm2", "energy_Wh", "mean_voltage_V", "v_start_V", "v_end_V", "end_reason",
    "cv_duration_s", "cv_capacity_mAh", "cv_energy_Wh", "total_capacity_mAh",
    "total_capacity_mAh_g", "total_capacity_mAh_cm2", "retention_pct", "total_retention_pct",
]  # fmt: skip


@dataclass(repr=False)
class RateResult(Plottable):
    """Rate capability of one cell.

    Attributes
    ----------
    cell
        Cell name.
    steps
        One row per constant-current charge or discharge, in time order (columns
        :data:`STEP_COLUMNS`): ``direction``; ``segment``/``start``/``stop`` (segment
        number and rows, stop exclusive, in its recording ``source``); ``current_A``
        (mean CC current, signed); ``c_rate`` (|I| / reference capacity) and
        ``c_rate_nominal`` (snapped, see :func:`nominal_c_rate`); CC ``capacity_mAh``,
        ``capacity_mAh_g`` (per g of active material), ``capacity_mAh_cm2``;
        ``energy_Wh`` and ``mean_voltage_V`` (= energy / capacity); ``v_start_V``,
        ``v_end_V``; ``end_reason`` (``"voltage_limit"`` or ``"time"``); the CV hold that
        follows (``cv_duration_s``, ``cv_capacity_mAh``, ``cv_energy_Wh``, 0 without
        one) and CC + CV totals; ``retention_pct`` = 100 * CC capacity / mean CC capacity
        at the lowest rate of the same direction (``total_retention_pct`` the same on
        CC + CV totals). Specific capacities are NaN without mass or area.
    summary
        One row per direction and nominal C-rate: ``n``, means of the step columns and
        ``capacity_std_mAh`` (sample standard deviation over the repeated steps).
    c_rate_basis
        ``"nominal"`` (the given nominal capacity) or ``"lowest_rate"`` (the capacity
        measured at the lowest rate, the "0.1C capacity").
    reference_capacity_Ah
        The capacity the C-rates are relative to [Ah].
    basis_note
        One line saying which capacity the C-rates come from.
    voltage_limits_V
        (lower, upper) cut-off voltages used to say how steps ended; given or inferred
        (None where none could be).
    curves
        Per step (key: its ``step`` number) a DataFrame with ``time_s`` (from the step
        start), ``capacity_Ah`` (charge passed), ``voltage_V``, ``current_A`` and
        ``phase`` (``"cc"``/``"cv"``).
    n_dropped
        CC segments left out as too short to be rate steps (see ``min_capacity_fraction``).
    """

    cell: str
    steps: pd.DataFrame
    summary: pd.DataFrame
    c_rate_basis: Literal["nominal", "lowest_rate"]
    reference_capacity_Ah: float
    basis_note: str
    voltage_limits_V: tuple[float | None, float | None]
    curves: dict[int, pd.DataFrame] = field(repr=False, default_factory=dict)
    n_dropped: int = 0

    def summary_lines(self) -> list[str]:
        """The C-rate basis, then per direction the CC capacity at each C-rate."""
        lines = [self.basis_note]
        s = self.summary
        for d in ("charge", "discharge"):
            rows = s[s["direction"] == d] if "direction" in s.columns else s.iloc[:0]
            if len(rows):
                lines.append(f"{d}: " + ", ".join(
                    f"{r.c_rate_nominal:g}C {r.capacity_mAh:.4g} mAh" for r in rows.itertuples()))  # fmt: skip
        return lines

    def __repr__(self) -> str:
        head = f"RateResult {self.cell}: {len(self.steps)} constant-current steps"
        return "\n  ".join([head, *self.summary_lines()])

    def _repr_html_(self) -> str:
        cols = [c for c in ("direction", "c_rate_nominal", "c_rate", "capacity_mAh",
                            "mean_voltage_V", "retention_pct") if c in self.steps.columns]  # fmt: skip
        return html_summary(
            f"RateResult {self.cell}: {len(self.steps)} constant-current steps",
            self.summary_lines(), self.steps[cols], max_rows=12,
        )  # fmt: skip

    def rates(self, direction: Direction = "discharge") -> list[float]:
        """Nominal C-rates present for ``direction``, increasing."""
        d = self.steps[self.steps["direction"] == direction]
        return sorted(float(c) for c in d["c_rate_nominal"].unique())

    def curve(
        self,
        direction: Direction = "discharge",
        c_rate: float | None = None,
        *,
        index: int = 0,
        include_cv: bool = False,
    ) -> Curve:
        """The voltage curve of a step: ``index``-th step of ``direction`` at nominal
        ``c_rate`` (None: the lowest rate), CC part only unless ``include_cv``.

        Raises
        ------
        InputError
            No such step.
        """
        d = self.steps[self.steps["direction"] == direction]
        if c_rate is None and len(d):
            c_rate = float(d["c_rate_nominal"].min())
        if c_rate is not None:
            d = d[np.isclose(d["c_rate_nominal"], nominal_c_rate(c_rate)[0])]
        if len(d) <= index:
            have = ", ".join(_label(c) for c in self.rates(direction)) or "none"
            raise InputError(
                f"cell {self.cell}: no {direction} step #{index} at "
                f"{_label(c_rate) if c_rate is not None else 'any rate'}; "
                f"{direction} rates present: {have}"
            )
        row = d.iloc[index]
        cv = self.curves[int(row["step"])]
        if not include_cv:
            cv = cv[cv["phase"] == "cc"]
        return Curve(
            cv["capacity_Ah"].to_numpy(),
            cv["voltage_V"].to_numpy(),
            direction,
            self.reference_capacity_Ah,
            label=self.cell,
            c_rate=float(row["c_rate_nominal"]),
        )


def _as_recordings(recordings: Recording | Sequence[Recording]) -> list[Recording]:
    recs = [recordings] if isinstance(recordings, Recording) else list(recordings)
    if not recs:
        raise InputError("no recording given; expected one Recording or a list of them")
    for k, r in enumerate(recs):
        if not isinstance(r, Recording):
            raise InputError(f"item {k} is a {type(r).__name__}; expected an ohmslice Recording")
    return recs


def _end_steep(q: np.ndarray, v: np.ndarray, slope_factor: float) -> tuple[bool, float]:
    """Whether |dV/dQ| over the last 2 % of the charge (>= 3 points) is at least
    ``slope_factor`` times the mean |dV/dQ| between 5 % and 95 % of it; and the voltage
    change [V] over that end window."""
    qt = q[-1]
    if len(q) < 4 or qt <= 0:
        return False, 0.0
    k0 = min(int(np.searchsorted(q, (1 - _END_WINDOW) * qt)), len(q) - 3)
    dq_end = q[-1] - q[k0]
    dv_end = abs(v[-1] - v[k0])
    end = dv_end / dq_end if dq_end > 0 else 0.0
    v05, v95 = np.interp([0.05 * qt, 0.95 * qt], q, v)
    mean = abs(v95 - v05) / (0.9 * qt)
    return bool(end > 0 and end >= slope_factor * mean), float(dv_end)


def _step_integrals(
    t: np.ndarray,
    v: np.ndarray,
    i: np.ndarray,
    a: int,
    end: int,
    counter: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Charge [Ah] and energy [Wh] passed since the step began, at rows ``a .. end-1``.

    ``counter`` is the recording's ``charge_Ah`` column (the instrument's coulomb
    counter) if it has one; its change is the step's charge where it agrees with the
    integral of the current within 5 %.

    Follows the timing convention of :mod:`ohmslice.dc.pulses`: the step began at
    ``t[a-1]`` and the interval ending on its first sample carries that sample's current
    (and voltage) alone; later intervals are trapezoids.
    """
    tt, vv, aa = t[a:end], v[a:end], np.abs(i[a:end])
    q = _cumtrapz(aa, tt)
    e = _cumtrapz(vv * aa, tt)
    if a > 0:
        dt0 = t[a] - t[a - 1]
        q += aa[0] * dt0
        e += vv[0] * aa[0] * dt0
    q, e = q / 3600.0, e / 3600.0
    if counter is not None and a > 0:
        # the instrument's own charge counter, where it agrees with the integral within 5 %
        # (it integrates the current at its own rate, so it also gets right the samples
        # written mid-transition with an intermediate current)
        qc = np.abs(counter[a:end] - counter[a - 1])
        if np.all(np.isfinite(qc)) and q[-1] > 0 and abs(qc[-1] / q[-1] - 1) < 0.05:
            q = qc
    return q, e


def _is_hold(row: pd.Series, v: np.ndarray, i: np.ndarray, v_cc_end: float, tol: float) -> bool:
    """Whether a segment is a constant-voltage hold at the voltage a CC step ended at:
    a ``"cv"`` segment, or an ``"other"`` one (a noisy hold the segmentation could not
    call constant) whose median voltage is within ``tol`` of ``v_cc_end``, whose robust
    voltage spread (1.4826 MAD) is below ``tol / 2`` and whose |current| falls."""
    if row["kind"] == "cv":
        return True
    a, b = int(row["start"]), int(row["stop"])
    if row["kind"] != "other" or b - a < 5:
        return False
    vv, aa = v[a:b], np.abs(i[a:b])
    med = float(np.median(vv))
    spread = 1.4826 * float(np.median(np.abs(vv - med)))
    m = max((b - a) // 10, 1)
    return bool(abs(med - v_cc_end) <= tol and spread <= tol / 2 and aa[-m:].mean() < aa[:m].mean())


def _collect_steps(
    rec: Recording, seg: pd.DataFrame, slope_factor: float, voltage_tol_V: float
) -> list[dict]:
    """Every CC segment of one recording with its integrals, the CV hold after it (the
    hold segments, see :func:`_is_hold`, that follow it without a gap, with current of
    the same sign) and its curve. Segments of fewer than two samples are not steps."""
    t, v, i = rec.time, rec.voltage, rec.current
    counter = rec.data["charge_Ah"].to_numpy(float) if "charge_Ah" in rec.data else None
    seg = seg.reset_index(drop=True)
    out = []
    for k in np.flatnonzero(seg["kind"].to_numpy() == "cc"):
        r = seg.iloc[k]
        a, b = int(r["start"]), int(r["stop"])
        if b - a < 2 or r["current_A"] == 0:
            continue
        # the CV hold: the "cv" segments that follow without a gap with current of the
        # same sign (a one- or two-sample "cc" piece where the current leaves its CC
        # level is taken with them)
        end, j = b, k + 1
        while (
            j < len(seg)
            and int(seg.at[j, "start"]) == int(seg.at[j - 1, "stop"])
            and np.sign(seg.at[j, "current_A"]) == np.sign(r["current_A"])
            and (
                _is_hold(seg.iloc[j], v, i, v[b - 1], voltage_tol_V)
                or (seg.at[j, "kind"] == "cc" and seg.at[j, "stop"] - seg.at[j, "start"] <= 2)
            )
        ):
            if seg.at[j, "kind"] != "cc":
                end = int(seg.at[j, "stop"])
            j += 1
        q, e = _step_integrals(t, v, i, a, end, counter)
        n = b - a  # CC rows
        t0 = t[a - 1] if a > 0 else t[a]
        step = {
            "source": rec.source, "segment": int(r["segment"]), "start": a, "stop": b,
            "t_start_s": float(t0), "duration_s": float(t[b - 1] - t0),
            "current_A": float(r["current_A"]), "capacity_Ah": float(q[n - 1]),
            "energy_Wh": float(e[n - 1]), "v_start_V": float(v[a]), "v_end_V": float(v[b - 1]),
            "steep": _end_steep(q[:n], v[a:b], slope_factor),  # (steep, end dV)
            "median_dt": float(np.median(np.diff(t[a:b]))),
            "cv_duration_s": float(t[end - 1] - t[b - 1]),
            "cv_capacity_Ah": float(q[-1] - q[n - 1]), "cv_energy_Wh": float(e[-1] - e[n - 1]),
            "direction": "charge" if r["current_A"] > 0 else "discharge",
            "curve": pd.DataFrame({
                "time_s": t[a:end] - t0, "capacity_Ah": q, "voltage_V": v[a:end],
                "current_A": i[a:end], "phase": np.where(np.arange(a, end) < b, "cc", "cv"),
            }),
        }  # fmt: skip
        out.append(step)
    return out


def _segments(rec: Recording) -> pd.DataFrame:
    from .pulses import segment

    try:
        return segment(rec)
    except InputError as exc:
        if rec.source:
            exc.with_path(rec.source)
        raise


def _same_time(a: float, b: float) -> bool:
    """Whether two step durations [s] are the same programmed time: an instrument ends a
    timed step at the programmed instant and records it, so timed durations agree to the
    time stamps' precision (here 10 ms or 1e-4 of the duration), while durations ended
    by a voltage limit vary continuously with the cell."""
    return abs(a - b) <= max(0.01, 1e-4 * max(a, b))


def _end_reasons(
    steps: list[dict],
    limits: tuple[float | None, float | None],
    step_time_s: Sequence[float],
    tol: float,
    rate_tol: float,
) -> tuple[float | None, float | None]:
    """Set ``end_reason`` of every step from the data; return the (lower, upper) limits.

    The evidence is the record's own: the current (a CV hold that follows: the
    instrument held the voltage it reached), the voltage (where and how steeply the step
    ended) and the time (how long it lasted):

    * a CC step followed by a CV hold ended at the voltage limit;
    * a step is *timed* when its duration is a programmed ``step_time_s`` or equals, to
      the time stamps' precision (:func:`_same_time`), the duration of another step of
      the same direction and current (within ``rate_tol``) -- wherever that one ended:
      durations set by a voltage limit differ from step to step;
    * the limit of a direction is the given one, or else the extreme end voltage of its
      steps; an inferred limit is *confirmed* when at least two steps of different
      durations end within ``tol`` of it (the same voltage reached after different
      times);
    * a step ended at the voltage limit when its end voltage is within ``tol`` (and
      within 10 % of its own voltage swing) of the limit and either its end is steep
      (see :func:`_end_steep`; the voltage must also move by at least ``tol`` over the
      end window), or it is not timed and the limit is given or confirmed. Every other
      step ended by time (or by a charge limit: before reaching the voltage limit).

    A step that ended by time says nothing about the cell's capacity: no C-rate is
    inferred from it (:func:`_lowest_rate_reference`).
    """
    used: dict[str, float | None] = {}
    for direction, given, pick in (("discharge", limits[0], min), ("charge", limits[1], max)):
        d = [s for s in steps if s["direction"] == direction]
        lim = given if given is not None else (pick(s["v_end_V"] for s in d) if d else None)
        used[direction] = lim
        for s in d:
            swing = abs(s["v_end_V"] - s["v_start_V"])
            s["_at"] = lim is not None and abs(s["v_end_V"] - lim) <= min(tol, 0.1 * swing)
        at_lim = [s for s in d if s["_at"]]
        confirmed = given is not None or any(
            not _same_time(a["duration_s"], b["duration_s"])
            for i, a in enumerate(at_lim)
            for b in at_lim[i + 1 :]
        )
        for s in d:
            steep = s["steep"][0] and s["steep"][1] >= tol
            dur = s["duration_s"]
            i_s = abs(s["current_A"])
            timed = any(_same_time(dur, T) for T in step_time_s) or any(
                o is not s
                and abs(abs(o["current_A"]) - i_s) <= rate_tol * i_s
                and _same_time(dur, o["duration_s"])
                for o in d
            )
            at = s["_at"]
            if s["cv_duration_s"] > 0 or (at and (steep or (confirmed and not timed))):
                s["end_reason"] = "voltage_limit"
            else:
                s["end_reason"] = "time"
    return used["discharge"], used["charge"]


def _lowest_rate_reference(steps: list[dict], rate_tol: float) -> tuple[float, str]:
    """The "0.1C capacity" [Ah]: mean CC + CV capacity of the steps at the lowest current
    (within ``rate_tol``) that ended at the voltage limit, discharges first, charges if
    no discharge qualifies; and a note saying so.

    Raises
    ------
    AnalysisInputError
        The lowest-rate steps of both directions ended by time.
    """
    first_failure = None
    for ref_dir in ("discharge", "charge"):
        cand = [s for s in steps if s["direction"] == ref_dir]
        if not cand:
            continue
        i_min = min(abs(s["current_A"]) for s in cand)
        low = [s for s in cand if abs(s["current_A"]) <= (1 + rate_tol) * i_min]
        full = [s for s in low if s["end_reason"] == "voltage_limit"]
        if full:
            ref = float(np.mean([s["capacity_Ah"] + s["cv_capacity_Ah"] for s in full]))
            return ref, (
                f"C-rates from the lowest-rate capacity: {1e3 * ref:.4g} mAh, mean of "
                f"{len(full)} {ref_dir}(s) at {1e3 * i_min:.4g} mA"
            )
        first_failure = first_failure or (ref_dir, i_min, low[0])
    assert first_failure is not None  # steps is not empty
    ref_dir, i_min, s0 = first_failure
    raise AnalysisInputError(
        f"cannot infer the C-rate: the lowest-rate {ref_dir} ({1e3 * i_min:.4g} mA, from "
        f"t = {s0['t_start_s']:.6g} s) ended by time at {s0['v_end_V']:.4g} V, not at the "
        "voltage limit, so its capacity is not the cell's capacity; give the nominal "
        "capacity (nominal_capacity_Ah=..., on the command line --capacity-mAh)",
        path=s0["source"],
    )


def analyze_rate(
    recordings: Recording | Sequence[Recording],
    *,
    nominal_capacity_Ah: float | None = None,
    active_mass_g: float | None = None,
    area_cm2: float | None = None,
    voltage_limits_V: tuple[float | None, float | None] | None = None,
    step_time_s: float | Sequence[float] | None = None,
    voltage_tol_V: float = 0.01,
    slope_factor: float = 3.0,
    min_capacity_fraction: float = 0.02,
    rate_tol: float = 0.1,
    cell: str | None = None,
) -> RateResult:
    """Rate capability of one cell from its constant-current charges and discharges.

    Every recording (one file with many cycles, or one file per rate) is cut into
    segments by :func:`ohmslice.dc.pulses.segment`; each ``"cc"`` segment is one step,
    and a ``"cv"`` segment that follows it directly with current of the same sign is its
    CV hold (reported separately and in the CC + CV totals). Capacity = integral of |I|
    dt, energy = integral of V |I| dt (trapezoids over the step's samples), mean voltage
    = energy / capacity. How each step ended follows the rule of :func:`_end_reasons`.

    The C-rate of a step is |I| / Q_ref. Q_ref is ``nominal_capacity_Ah`` when given
    (``c_rate_basis = "nominal"``); otherwise the capacity (CC + CV) measured at the
    lowest current -- the "0.1C capacity" -- of the discharges (of the charges if no
    discharge qualifies), averaged over the steps at that current (within ``rate_tol``)
    that ended at the voltage limit (``c_rate_basis = "lowest_rate"``). Retention is relative to
    the mean capacity at the lowest nominal rate of the same direction.

    Parameters
    ----------
    recordings
        One :class:`~ohmslice.schema.Recording` or several of the same cell.
    nominal_capacity_Ah
        Nominal capacity [Ah] that defines 1C; None: infer from the lowest rate.
    active_mass_g, area_cm2
        Active-material mass [g] and electrode area [cm2] for mAh/g and mAh/cm2.
    voltage_limits_V
        (lower, upper) cut-off voltages [V] of the test, either may be None (inferred).
    step_time_s
        Programmed step duration(s) [s]: a step lasting one of them (within two sample
        intervals or 0.1 %) did not end at the voltage limit unless its end is steep.
        None: a duration shared by two steps of one current is taken as programmed.
    voltage_tol_V
        How close [V] to the limit a step must end to count as ended at it.
    slope_factor
        How much steeper than its mean the end of a step must be to count as steep.
    min_capacity_fraction
        CC segments passing less than this share of the largest capacity of their
        direction (pulses, short top-ups) are not rate steps and are left out.
    rate_tol
        Relative tolerance for snapping C-rates and grouping equal currents.
    cell
        Cell name for the tables; default the first recording's file stem.

    Returns
    -------
    RateResult

    Raises
    ------
    AnalysisInputError
        No constant-current segment in any recording; the C-rate cannot be inferred
        (the lowest-rate step did not end at the voltage limit): pass
        ``nominal_capacity_Ah`` (``--capacity-mAh`` on the command line).
    InputError
        Non-positive capacity, mass, area or tolerances.
    """
    recs = _as_recordings(recordings)
    q_nom = _positive("nominal_capacity_Ah", nominal_capacity_Ah)
    mass = _positive("active_mass_g", active_mass_g)
    area = _positive("area_cm2", area_cm2)
    for name, val in (("voltage_tol_V", voltage_tol_V), ("slope_factor", slope_factor),
                      ("rate_tol", rate_tol)):  # fmt: skip
        _positive(name, val)
    if not 0 <= min_capacity_fraction < 1:
        raise InputError(
            f"parameter min_capacity_fraction = {min_capacity_fraction}: expected 0 <= f < 1"
        )
    times = (
        [] if step_time_s is None
        else [_positive("step_time_s", x) for x in np.atleast_1d(step_time_s)]
    )  # fmt: skip
    lo_hi = tuple(voltage_limits_V) if voltage_limits_V is not None else (None, None)
    if len(lo_hi) != 2:
        raise InputError("parameter voltage_limits_V: expected (lower, upper) in V")
    if cell is None:
        src = recs[0].source
        cell = str(src).replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0] if src else "cell"

    steps: list[dict] = []
    kinds: dict[str, int] = {}
    for rec in recs:
        seg = _segments(rec)
        for kd, n in seg["kind"].value_counts().items():
            kinds[str(kd)] = kinds.get(str(kd), 0) + int(n)
        for s in _collect_steps(rec, seg, slope_factor, voltage_tol_V):
            s["rec"] = rec
            steps.append(s)
    if not steps:
        found = ", ".join(f"{n} {kd}" for kd, n in sorted(kinds.items())) or "none"
        where = ", ".join(str(r.source) for r in recs if r.source) or None
        raise AnalysisInputError(
            f"no constant-current charge or discharge found (segments: {found}); expected "
            "a rate test with constant-current steps",
            path=where,
        )
    n0 = len(steps)
    for direction in ("charge", "discharge"):
        caps = [s["capacity_Ah"] for s in steps if s["direction"] == direction]
        if caps:
            cut = min_capacity_fraction * max(caps)
            steps = [s for s in steps if s["direction"] != direction or s["capacity_Ah"] >= cut]
    n_dropped = n0 - len(steps)
    limits = _end_reasons(steps, lo_hi, times, voltage_tol_V, rate_tol)

    # C-rate reference
    if q_nom is not None:
        ref, basis = q_nom, "nominal"
        note = f"C-rates from the nominal capacity {1e3 * q_nom:.4g} mAh"
    else:
        basis = "lowest_rate"
        ref, note = _lowest_rate_reference(steps, rate_tol)

    rows, curves = [], {}
    for k, s in enumerate(sorted(steps, key=lambda s: (recs.index(s["rec"]), s["t_start_s"]))):
        cc, cv = s["capacity_Ah"], s["cv_capacity_Ah"]
        rows.append({
            "cell": cell, "source": s["source"], "step": k, "direction": s["direction"],
            "segment": s["segment"], "start": s["start"], "stop": s["stop"],
            "t_start_s": s["t_start_s"], "duration_s": s["duration_s"],
            "current_A": s["current_A"], "c_rate": abs(s["current_A"]) / ref,
            "capacity_mAh": 1e3 * cc, "energy_Wh": s["energy_Wh"],
            "mean_voltage_V": s["energy_Wh"] / cc if cc > 0 else np.nan,
            "v_start_V": s["v_start_V"], "v_end_V": s["v_end_V"],
            "end_reason": s["end_reason"], "cv_duration_s": s["cv_duration_s"],
            "cv_capacity_mAh": 1e3 * cv, "cv_energy_Wh": s["cv_energy_Wh"],
            "total_capacity_mAh": 1e3 * (cc + cv),
        })  # fmt: skip
        curves[k] = s["curve"]
    df = pd.DataFrame(rows)
    df["c_rate_nominal"] = nominal_c_rate(df["c_rate"].to_numpy(), rate_tol)
    for col, base, div in (
        ("capacity_mAh_g", "capacity_mAh", mass), ("capacity_mAh_cm2", "capacity_mAh", area),
        ("total_capacity_mAh_g", "total_capacity_mAh", mass),
        ("total_capacity_mAh_cm2", "total_capacity_mAh", area),
    ):  # fmt: skip
        df[col] = df[base] / div if div is not None else np.nan
    df["retention_pct"] = np.nan
    df["total_retention_pct"] = np.nan
    for _direction, d in df.groupby("direction"):
        low = d[d["c_rate_nominal"] == d["c_rate_nominal"].min()]
        df.loc[d.index, "retention_pct"] = 100 * d["capacity_mAh"] / low["capacity_mAh"].mean()
        df.loc[d.index, "total_retention_pct"] = (
            100 * d["total_capacity_mAh"] / low["total_capacity_mAh"].mean()
        )
    df = df[STEP_COLUMNS]
    return RateResult(cell, df, _summary(df), basis, ref, note, limits, curves, n_dropped)  # type: ignore[arg-type]


def _summary(steps: pd.DataFrame) -> pd.DataFrame:
    """Per direction and nominal C-rate: count, means and the capacity's std."""
    mean_cols = ["current_A", "c_rate", "capacity_mAh", "capacity_mAh_g", "capacity_mAh_cm2",
                 "cv_capacity_mAh", "total_capacity_mAh", "energy_Wh", "mean_voltage_V",
                 "v_end_V", "retention_pct", "total_retention_pct"]  # fmt: skip
    g = steps.groupby(["cell", "direction", "c_rate_nominal"], sort=True)
    out = g[mean_cols].mean()
    out.insert(0, "n", g.size())
    out["capacity_std_mAh"] = g["capacity_mAh"].std(ddof=1)
    return out.reset_index()
