"""Cycling: capacity, coulombic efficiency, energy and resistance per charge/discharge cycle.

A cycling record (galvanostatic charges and discharges, with or without CV holds and rests,
as EC-Lab's GCPL, a Neware cycling test or any time/voltage/current table) is cut into
*half cycles* -- a charge or a discharge, from the first sample that passes current in one
direction to the first that passes it in the other (the rests after it included) -- and
half cycles into *cycles*. :func:`analyze_cycling` reports one row per complete cycle.

Cycles
------
From the file's own cycle counter (the recording's ``cycle`` column: EC-Lab's
``cycle number``, Neware's cycle index) where it has one that counts (it takes more than
one value, or the current does not alternate more than once); else from the current: a
new cycle begins wherever a half cycle in the record's first direction begins (a record
that starts with a charge counts charge + discharge as one cycle, one that starts with a
discharge discharge + charge), numbered from 1. ``cycle_source`` says which.

What is counted
---------------
Rows are classified as charging, discharging or at rest by
:func:`ohmslice.dc.pulses.segment` (a hysteresis on |I| relative to the typical current,
so the noise of a rest or a decaying CV tail does not flicker). Charge per row follows the
pulse engine's timing convention -- sample k carries the current over (t[k-1], t[k]] --
so in constant-current segments and rests each interval carries its sample's own current
(exact for constant current, and for the sample some instruments write mid-transition,
whose value is the interval's mean current), in CV holds and ramps the trapezoid of its
two samples, unless the recording has the instrument's coulomb counter (``charge_Ah``)
agreeing with that integral within 5 % in every half cycle: the counter's increments are
then used in CV holds and ramps, where sparse samples of a falling current integrate
poorly (``capacity_source`` ``"current+counter"``, else ``"current"``). A half cycle's
capacity is its net charge in its own direction, its energy the integral of V |dQ| (V at
the interval's middle, at its end on a segment's first sample).

Per cycle: charge and discharge capacity [mAh] (per g and per cm2 where ``mass_g`` and
``area_cm2`` are given), coulombic efficiency = 100 x (capacity of the half that gives
the charge back) / (capacity of the half that put it in), i.e. discharge / charge for a
cycle that starts with a charge and charge / discharge for one that starts with a
discharge (the ``first`` column); energies [mWh] and energy efficiency; mean voltages
(energy / capacity) and their gap (charge minus discharge: the voltage hysteresis,
mostly I x R plus the OCV hysteresis); the capacity passed in constant-voltage holds
(``"cv"`` segments: from where the current leaves its CC level, so the first moments of
a hold, at nearly the CC current, count as CC) and its share; the discharge-capacity
retention relative to the first complete cycle.

Resistance at the step start
----------------------------
At the first sample of each half cycle the current steps from its value before (0 after a
rest, the other direction's current after a direct reversal) to the step's current; the
voltage jump over that one sample interval over the current step,
R = (V[a] - V[a-1]) / (I_step - I[a-1]), is the cell's resistance at the time
``dt = t[a] - t[a-1]`` after the step (``r_charge_dt_s``, ``r_discharge_dt_s``): what it
contains depends on that time -- the ohmic and contact parts at a millisecond, charge
transfer as well at a second -- so only values read at the same dt are comparable.
``I_step`` is the mean current of the step's first segment (the first sample, written
mid-transition by some instruments, does not set it). NaN where the current does not
step by at least half its value (a half cycle that continues one of the same direction).

Bad input
---------
:class:`~ohmslice.errors.AnalysisInputError` naming the file: no complete cycle (a
record of one direction only, or no current); a step of the file's ``step`` column
(EC-Lab's ``Ns``, ...) that passes charge in both directions (more than 1 % of its charge
against its direction; impedance rows are exempt); a cycle counter that goes backwards
(two records joined: analyse them apart, or count cycles from the current with
``cycles="current"``). Cycles with only a charge or only a discharge (a record that
begins or ends part-way through a cycle) are left out with an
:class:`~ohmslice.errors.IncompleteDataWarning` naming them.

Everything is vectorised over samples (NumPy reductions per half cycle); the only
loop is :func:`~ohmslice.dc.pulses.segment`'s over active runs. Units: SI inside; the
table's columns say theirs (mAh, mWh, V, Ohm, s, %). Current > 0 charges.
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .._display import Plottable
from ..errors import AnalysisInputError, IncompleteDataWarning, InputError
from ..schema import CHARGE, CYCLE, STEP, TECHNIQUE, Recording
from .rate import _positive, _segments

__all__ = ["CYCLE_COLUMNS", "HALF_COLUMNS", "CyclingResult", "analyze_cycling", "cycle_index"]

#: Columns of :attr:`CyclingResult.cycles`, in order (meaning in :func:`analyze_cycling`).
CYCLE_COLUMNS = [
    "cell", "source", "cycle", "first", "n_half_cycles", "t_start_s", "t_end_s",
    "charge_mAh", "discharge_mAh", "charge_mAh_g", "discharge_mAh_g", "charge_mAh_cm2",
    "discharge_mAh_cm2", "ce_pct", "retention_pct", "charge_energy_mWh",
    "discharge_energy_mWh", "energy_efficiency_pct", "charge_mean_V", "discharge_mean_V",
    "voltage_gap_V", "charge_cv_mAh", "discharge_cv_mAh", "charge_cv_pct", "discharge_cv_pct",
    "r_charge_ohm", "r_charge_dt_s", "r_discharge_ohm", "r_discharge_dt_s",
]  # fmt: skip

#: Columns of :attr:`CyclingResult.half_cycles`.
HALF_COLUMNS = [
    "cycle", "direction", "start", "stop", "t_start_s", "t_end_s", "current_A",
    "capacity_mAh", "energy_mWh", "mean_voltage_V", "cv_capacity_mAh", "r_start_ohm",
    "r_dt_s", "v_before_V", "v_after_V",
]  # fmt: skip

DIRECTIONS = {1: "charge", -1: "discharge"}
#: Largest share of a step's charge allowed against its direction.
MIXED_TOL = 0.01
#: Largest relative disagreement of the coulomb counter and the current's integral.
COUNTER_TOL = 0.05
#: A step start gives a resistance where the current steps by at least this share of it.
MIN_STEP_SHARE = 0.5


@dataclass
class CyclingResult(Plottable):
    """Outcome of :func:`analyze_cycling`.

    Attributes
    ----------
    cell
        Cell name (default the file's stem).
    source
        The recording's file, if any.
    cycles
        One row per complete cycle, columns :data:`CYCLE_COLUMNS` (meaning in
        :func:`analyze_cycling`).
    half_cycles
        One row per half cycle of every cycle, complete or not, columns
        :data:`HALF_COLUMNS`: ``start``/``stop`` rows (stop exclusive), ``current_A``
        (mean current of its first segment), ``capacity_mAh``, ``energy_mWh``,
        ``mean_voltage_V``, ``cv_capacity_mAh``, ``r_start_ohm`` with ``r_dt_s`` and the
        voltages it comes from.
    cycle_source
        ``"counter"`` (the file's cycle column) or ``"current"`` (from the current's
        direction changes).
    capacity_source
        ``"current"`` (the integral of the recorded current) or ``"current+counter"``
        (the instrument's coulomb counter in CV holds and ramps, see the module docstring).
    incomplete
        Cycles left out for lacking a charge or a discharge.
    mass_g, area_cm2
        Active mass [g] and electrode area [cm2] used, None where not given.
    notes
        Remarks on choices made, one sentence each.
    """

    cell: str
    source: str | None
    cycles: pd.DataFrame
    half_cycles: pd.DataFrame
    cycle_source: Literal["counter", "current"]
    capacity_source: Literal["current", "current+counter"]
    incomplete: list[int] = field(default_factory=list)
    mass_g: float | None = None
    area_cm2: float | None = None
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.cycles)

    def summary(self) -> str:
        """A few lines: cycles, first and last capacities, mean CE, resistance range."""
        c = self.cycles
        lines = [
            f"{self.cell}: {len(c)} complete cycle(s) (cycles from the {self.cycle_source}, "
            f"capacities from the {self.capacity_source})"
        ]
        if len(c):
            first, last = c.iloc[0], c.iloc[-1]
            lines.append(
                f"discharge {first['discharge_mAh']:.4g} mAh (cycle {first['cycle']}) -> "
                f"{last['discharge_mAh']:.4g} mAh (cycle {last['cycle']}), retention "
                f"{last['retention_pct']:.1f} %"
            )
            ce = c["ce_pct"].to_numpy(float)
            lines.append(
                f"coulombic efficiency: mean {np.nanmean(ce):.3f} %, "
                f"min {np.nanmin(ce):.3f} %, last {ce[-1]:.3f} %"
            )
            for d in ("charge", "discharge"):
                r = c[f"r_{d}_ohm"].to_numpy(float)
                if np.isfinite(r).any():
                    dt = np.nanmedian(c[f"r_{d}_dt_s"].to_numpy(float))
                    lines.append(
                        f"R at the {d} start (read {dt:.3g} s after it): "
                        f"{np.nanmin(r):.4g} - {np.nanmax(r):.4g} Ohm"
                    )
        if self.incomplete:
            lines.append(f"left out (incomplete): cycle(s) {_list(self.incomplete)}")
        lines += self.notes
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"CyclingResult({self.summary()})"

    def _repr_html_(self) -> str:
        head = "".join(f"<p>{html.escape(x)}</p>" for x in self.summary().splitlines())
        cols = ["cycle", "charge_mAh", "discharge_mAh", "ce_pct", "charge_mean_V",
                "discharge_mean_V", "r_charge_ohm", "r_discharge_ohm"]  # fmt: skip
        table = self.cycles[cols].to_html(index=False, float_format=lambda x: f"{x:.5g}")
        return f"<div>{head}{table}</div>"


def _list(values: list[int], n: int = 8) -> str:
    s = ", ".join(str(v) for v in values[:n])
    return s + (f" and {len(values) - n} more" if len(values) > n else "")


def _ffill_sign(sign: np.ndarray) -> np.ndarray:
    """The sign of the last active row at or before each row (0 before the first)."""
    idx = np.where(sign != 0, np.arange(len(sign)), -1)
    np.maximum.accumulate(idx, out=idx)
    return np.where(idx >= 0, sign[np.maximum(idx, 0)], 0).astype(np.int8)


def _row_charge(
    t: np.ndarray, i: np.ndarray, seg_first: np.ndarray, rect: np.ndarray
) -> np.ndarray:
    """Charge [Ah, signed] over the interval ending on each row (0 on row 0).

    The pulse engine's timing convention: sample k carries the current over
    (t[k-1], t[k]]. Where that current is constant -- rows of a constant-current segment
    or a rest (``rect``), and a segment's first row -- the interval carries the sample's
    own current (exact also for a sample written mid-transition, whose value is the
    interval's mean current, as EC-Lab's ``<I>``); elsewhere (CV holds, ramps) the
    trapezoid of the two samples.
    """
    dq = np.zeros(len(t))
    if len(t) < 2:
        return dq
    own = seg_first[1:] | rect[1:]
    mid = np.where(own, i[1:], 0.5 * (i[1:] + i[:-1]))
    dq[1:] = mid * np.diff(t) / 3600.0
    return dq


def _row_voltage(v: np.ndarray, seg_first: np.ndarray) -> np.ndarray:
    """Voltage [V] of the interval ending on each row: its middle, or the row's own on a
    segment's first row (and row 0)."""
    vm = v.copy()
    vm[1:] = np.where(seg_first[1:], v[1:], 0.5 * (v[1:] + v[:-1]))
    return vm


def _cycle_counter(rec: Recording, n_halves_by_current: int) -> tuple[np.ndarray | None, str]:
    """The file's cycle counter as integers, or None where it says nothing; a note."""
    df = rec.data
    if CYCLE not in df.columns:
        return None, "the recording has no cycle column: cycles counted from the current"
    c = pd.to_numeric(df[CYCLE], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(c)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise AnalysisInputError(
            f"the cycle counter is not a number at {int(bad.sum())} row(s); expected whole "
            "numbers (or count cycles from the current: cycles='current')",
            path=rec.source,
            column=CYCLE,
            row=row,
        )
    back = np.flatnonzero(np.diff(c) < 0)
    if back.size:
        k = int(back[0]) + 1
        raise AnalysisInputError(
            f"the cycle counter goes backwards, from {c[k - 1]:g} to {c[k]:g} at t = "
            f"{rec.time[k]:.6g} s; expected a counter that never decreases (two records "
            "joined? analyse them apart, or count cycles from the current: "
            "cycles='current')",
            path=rec.source,
            column=CYCLE,
            row=k,
        )
    if c[0] == c[-1] and n_halves_by_current > 2:
        return None, (
            f"the cycle counter stays at {c[0]:g} while the current changes direction "
            f"{n_halves_by_current - 1} times: cycles counted from the current"
        )
    return c.astype(np.int64), "cycles from the file's cycle counter"


def _check_steps(rec: Recording, dq: np.ndarray, active: np.ndarray, ref_Ah: float) -> None:
    """Refuse a step (run of one value of the ``step`` column) that passes charge in both
    directions: more than :data:`MIXED_TOL` of its charge against its direction and more
    than 1e-4 of the typical half-cycle capacity ``ref_Ah``."""
    df = rec.data
    if STEP not in df.columns:
        return
    step = df[STEP].to_numpy()
    use = active.copy()
    if TECHNIQUE in df.columns:  # impedance rows oscillate around their DC current
        tech = df[TECHNIQUE].astype(str).str.upper()
        use &= ~tech.str.contains("EIS", regex=False).to_numpy()
    pos = np.where(use & (dq > 0), dq, 0.0)
    neg = np.where(use & (dq < 0), -dq, 0.0)
    same = step[1:] == step[:-1]
    starts = np.flatnonzero(np.r_[True, ~same])
    p = np.add.reduceat(pos, starts)
    m = np.add.reduceat(neg, starts)
    minor = np.minimum(p, m)
    bad = np.flatnonzero((minor > MIXED_TOL * np.maximum(p, m)) & (minor > 1e-4 * ref_Ah))
    if bad.size:
        k = int(bad[0])
        a = int(starts[k])
        b = int(starts[k + 1]) if k + 1 < len(starts) else len(step)
        t = rec.time
        raise AnalysisInputError(
            f"step {step[a]} (rows {a}-{b - 1}, t = {t[a]:.6g}-{t[b - 1]:.6g} s) passes "
            f"charge in both directions ({1e3 * p[k]:.4g} mAh charging, {1e3 * m[k]:.4g} "
            f"mAh discharging; {len(bad)} such step(s)); expected one current sign per step "
            "of a cycling record",
            path=rec.source,
            column=STEP,
            row=a,
        )


@dataclass
class _Rows:
    seg: pd.DataFrame
    row_seg: np.ndarray
    sign: np.ndarray
    active: np.ndarray
    direction: np.ndarray
    cycle: np.ndarray
    cycle_source: Literal["counter", "current"]
    notes: list[str]


def _classify(rec: Recording, cycles: str) -> _Rows:
    """Segments, and per row: segment, sign, direction (rests carry the one before) and
    cycle number."""
    if cycles not in ("auto", "counter", "current"):
        raise InputError(f"parameter cycles = {cycles!r}: expected 'auto', 'counter' or 'current'")
    src = rec.source
    n = len(rec)
    seg = _segments(rec)
    row_seg = np.repeat(np.arange(len(seg)), seg["n_points"].to_numpy(np.int64))
    sign = seg["sign"].to_numpy(np.int8)[row_seg]
    active = sign != 0
    if not active.any():
        raise AnalysisInputError(
            "no current flows in the record (every sample is at rest); expected charges "
            "and discharges",
            path=src,
        )
    d = _ffill_sign(sign)
    first = int(np.argmax(d != 0))
    turn = np.r_[False, (d[1:] != d[:-1]) & (d[1:] != 0)]
    turn[first] = True
    notes: list[str] = []
    counter = None
    if cycles != "current":
        counter, note = _cycle_counter(rec, int(turn.sum()))
        if counter is None and cycles == "counter":
            raise AnalysisInputError(
                f"cycles='counter' but {note.split(':')[0]}; expected a cycle column, or "
                "cycles='auto'/'current'",
                path=src,
            )
        notes.append(note)
    if counter is not None:
        return _Rows(seg, row_seg, sign, active, d, counter, "counter", notes)
    cyc = np.maximum(np.cumsum(turn & (d == d[first])), 1).astype(np.int64)
    assert len(cyc) == n
    return _Rows(seg, row_seg, sign, active, d, cyc, "current", notes)


def cycle_index(
    recording: Recording, cycles: Literal["auto", "counter", "current"] = "auto"
) -> tuple[np.ndarray, str]:
    """The cycle number of every row of ``recording`` and where it comes from
    (``"counter"`` or ``"current"``), by the rules of :func:`analyze_cycling` (which
    see for ``cycles``); complete cycles or not.

    Raises
    ------
    AnalysisInputError
        No current at all; a cycle counter going backwards or not a number;
        ``cycles="counter"`` without a counter.
    """
    if not isinstance(recording, Recording):
        raise InputError(f"expected an ohmslice Recording, got {type(recording).__name__}")
    rows = _classify(recording, cycles)
    return rows.cycle, rows.cycle_source


def analyze_cycling(
    recording: Recording,
    mass_g: float | None = None,
    area_cm2: float | None = None,
    *,
    cycles: Literal["auto", "counter", "current"] = "auto",
    cell: str | None = None,
) -> CyclingResult:
    """Capacity, coulombic efficiency, energy, voltages and resistance of every cycle.

    See the module docstring for how cycles and half cycles are found and what is counted.

    Parameters
    ----------
    recording
        A cycling record (``time_s``, ``voltage_V``, ``current_A``; ``cycle``, ``step``,
        ``charge_Ah`` and ``technique`` used where present).
    mass_g, area_cm2
        Active-material mass [g] and electrode area [cm2] for mAh/g and mAh/cm2 (NaN
        columns without them).
    cycles
        ``"auto"``: the file's cycle counter where it counts, else the current;
        ``"counter"``: the counter (refused where there is none); ``"current"``: the
        current's direction changes, whatever the file says.
    cell
        Cell name for the table; default the file's stem (``"cell"`` without a file).

    Returns
    -------
    CyclingResult
        ``cycles`` has one row per complete cycle with :data:`CYCLE_COLUMNS`:
        ``cycle`` (the file's number, or 1, 2, ... from the current); ``first``
        (``"charge"`` or ``"discharge"``: the half that opens the cycle);
        ``n_half_cycles``; ``t_start_s`` / ``t_end_s`` (first and last sample);
        ``charge_mAh``, ``discharge_mAh`` and their ``_mAh_g``, ``_mAh_cm2`` forms;
        ``ce_pct`` (second half / first half x 100); ``retention_pct`` (discharge
        capacity / that of the first complete cycle x 100); ``charge_energy_mWh``,
        ``discharge_energy_mWh``, ``energy_efficiency_pct`` (second / first);
        ``charge_mean_V``, ``discharge_mean_V`` (energy / capacity) and
        ``voltage_gap_V`` (charge - discharge); ``charge_cv_mAh``,
        ``discharge_cv_mAh`` (passed in constant-voltage holds) and ``charge_cv_pct``,
        ``discharge_cv_pct`` (their share of the half's capacity); ``r_charge_ohm``,
        ``r_discharge_ohm`` [Ohm] (voltage jump / current step at the half's first
        sample) with ``r_charge_dt_s``, ``r_discharge_dt_s`` (the time after the step at
        which it was read: one sampling interval). A cycle of several halves of one
        direction (a counter that does not follow the current) sums them; its
        resistances are those of the first.

    Raises
    ------
    AnalysisInputError
        No complete cycle; a step passing charge in both directions; a cycle counter
        going backwards or not a number; ``cycles="counter"`` without a counter.
    InputError
        Not a recording; non-positive mass or area; unknown ``cycles``.

    Warns
    -----
    IncompleteDataWarning
        Cycles lacking a charge or a discharge, left out (named).
    """
    if not isinstance(recording, Recording):
        raise InputError(f"expected an ohmslice Recording, got {type(recording).__name__}")
    mass = _positive("mass_g", mass_g)
    area = _positive("area_cm2", area_cm2)
    rec = recording
    src = rec.source
    if cell is None:
        cell = str(src).replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0] if src else "cell"
    t, v, i = rec.time, rec.voltage, rec.current
    n = len(t)

    rows = _classify(rec, cycles)
    seg, active, d, cyc = rows.seg, rows.active, rows.direction, rows.cycle
    cycle_source, notes = rows.cycle_source, list(rows.notes)
    seg_start = seg["start"].to_numpy(np.int64)
    row_seg = rows.row_seg
    kind = seg["kind"].to_numpy()[row_seg]
    is_cv = kind == "cv"
    flat = (kind == "cc") | (kind == "rest")
    seg_first = np.zeros(n, dtype=bool)
    seg_first[seg_start] = True

    # half cycles: blocks of one (cycle, direction) holding at least one active row
    brk = np.r_[True, (d[1:] != d[:-1]) | (cyc[1:] != cyc[:-1])]
    b_start = np.flatnonzero(brk)
    b_stop = np.r_[b_start[1:], n]
    idx = np.arange(n)
    first_act = np.minimum.reduceat(np.where(active, idx, n), b_start)
    keep = (d[b_start] != 0) & (first_act < b_stop)
    h_start, h_stop, h_first = b_start[keep], b_stop[keep], first_act[keep]
    h_dir = d[h_start].astype(np.int64)
    h_cyc = cyc[h_start]
    if not len(h_start):
        raise AnalysisInputError("no charge or discharge found in the record", path=src)

    # charge per row: the current's integral; in CV holds and ramps (sparse samples of a
    # varying current) the instrument's counter, where it agrees with the integral
    dq_int = _row_charge(t, i, seg_first, flat)
    dq, capacity_source = dq_int, "current"
    net_int = np.add.reduceat(dq_int, b_start)[keep] * h_dir
    if CHARGE in rec.data.columns:
        cnt = rec.data[CHARGE].to_numpy(dtype=float)
        dq_cnt = np.r_[0.0, np.diff(cnt)]
        net_cnt = np.add.reduceat(dq_cnt, b_start)[keep] * h_dir
        scale = np.maximum(np.abs(net_int), 1e-3 * np.abs(net_int).max())
        if np.all(np.abs(net_cnt - net_int) <= COUNTER_TOL * scale):
            if not flat.all():
                dq, capacity_source = np.where(flat, dq_int, dq_cnt), "current+counter"
        else:
            notes.append(
                "the charge counter (charge_Ah) disagrees with the current's integral by "
                f"more than {100 * COUNTER_TOL:g} % in a half cycle: capacities from the "
                "current"
            )
    typical = float(np.median(np.abs(net_int)))
    _check_steps(rec, dq, active, typical)

    # per half cycle, by reductions over its rows
    vm = _row_voltage(v, seg_first)
    sdq = dq * d  # charge in the half's own direction
    cap = np.add.reduceat(sdq, b_start)[keep]
    en = np.add.reduceat(np.abs(dq) * vm, b_start)[keep]
    cv = np.add.reduceat(np.where(is_cv, sdq, 0.0), b_start)[keep]
    i_step = seg["current_A"].to_numpy(float)[row_seg[h_first]]
    prev = np.maximum(h_first - 1, 0)
    di = i_step - i[prev]
    ok = (h_first > 0) & (np.abs(di) >= MIN_STEP_SHARE * np.abs(i_step)) & (i_step != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(ok, (v[h_first] - v[prev]) / di, np.nan)
        mean_v = np.where(cap > 0, en / cap, np.nan)
    halves = pd.DataFrame({
        "cycle": h_cyc, "direction": [DIRECTIONS[int(x)] for x in h_dir],
        "start": h_start, "stop": h_stop, "t_start_s": t[prev], "t_end_s": t[h_stop - 1],
        "current_A": i_step, "capacity_mAh": 1e3 * cap, "energy_mWh": 1e3 * en,
        "mean_voltage_V": mean_v, "cv_capacity_mAh": 1e3 * cv, "r_start_ohm": r,
        "r_dt_s": np.where(ok, t[h_first] - t[prev], np.nan),
        "v_before_V": np.where(h_first > 0, v[prev], np.nan), "v_after_V": v[h_first],
    })[HALF_COLUMNS]  # fmt: skip

    table, incomplete = _per_cycle(halves, cell, src, mass, area)
    if not len(table):
        found = ", ".join(f"{(halves['direction'] == x).sum()} {x}(s)" for x in DIRECTIONS.values())
        raise AnalysisInputError(
            f"no complete cycle: every cycle lacks a charge or a discharge ({found} in "
            f"{halves['cycle'].nunique()} cycle(s) from the {cycle_source}); expected at "
            "least one charge followed by a discharge (or the reverse)",
            path=src,
        )
    if incomplete:
        warnings.warn(
            f"{src + ': ' if src else ''}cycle(s) {_list(incomplete)} lack a charge or a "
            "discharge (the record begins or ends part-way through them, or has one "
            "direction only); left out",
            IncompleteDataWarning,
            stacklevel=2,
        )
    return CyclingResult(
        cell=cell, source=src, cycles=table, half_cycles=halves,
        cycle_source=cycle_source, capacity_source=capacity_source,  # type: ignore[arg-type]
        incomplete=incomplete, mass_g=mass, area_cm2=area, notes=notes,
    )  # fmt: skip


def _per_cycle(
    halves: pd.DataFrame, cell: str, src: str | None, mass: float | None, area: float | None
) -> tuple[pd.DataFrame, list[int]]:
    """The per-cycle table of the complete cycles from the half-cycle table; the
    incomplete cycles' numbers."""
    h = halves
    g = h.groupby(["cycle", "direction"], sort=False)
    sums = g[["capacity_mAh", "energy_mWh", "cv_capacity_mAh"]].sum().unstack("direction")
    firsts = g[["r_start_ohm", "r_dt_s"]].first().unstack("direction")
    gc = h.groupby("cycle", sort=True)
    out = pd.DataFrame({
        "first": gc["direction"].first(), "n_half_cycles": gc.size(),
        "t_start_s": gc["t_start_s"].min(), "t_end_s": gc["t_end_s"].max(),
    })  # fmt: skip
    for d in ("charge", "discharge"):
        for col, name in (("capacity_mAh", f"{d}_mAh"), ("energy_mWh", f"{d}_energy_mWh"),
                          ("cv_capacity_mAh", f"{d}_cv_mAh")):  # fmt: skip
            out[name] = sums[col][d] if d in sums[col] else np.nan
        for col, name in (("r_start_ohm", f"r_{d}_ohm"), ("r_dt_s", f"r_{d}_dt_s")):
            out[name] = firsts[col][d] if d in firsts[col] else np.nan
    complete = (out["charge_mAh"] > 0) & (out["discharge_mAh"] > 0)
    incomplete = [int(c) for c in out.index[~complete.to_numpy()]]
    out = out[complete.to_numpy()].copy()
    out.index.name = "cycle"
    out = out.reset_index()
    out.insert(0, "source", src)
    out.insert(0, "cell", cell)
    ch, dis = out["charge_mAh"], out["discharge_mAh"]
    e_ch, e_dis = out["charge_energy_mWh"], out["discharge_energy_mWh"]
    first_charge = out["first"] == "charge"
    out["ce_pct"] = 100 * np.where(first_charge, dis / ch, ch / dis)
    out["energy_efficiency_pct"] = 100 * np.where(first_charge, e_dis / e_ch, e_ch / e_dis)
    out["retention_pct"] = 100 * dis / dis.iloc[0] if len(out) else np.nan
    for d, q in (("charge", ch), ("discharge", dis)):
        out[f"{d}_mAh_g"] = q / mass if mass is not None else np.nan
        out[f"{d}_mAh_cm2"] = q / area if area is not None else np.nan
        out[f"{d}_cv_pct"] = 100 * out[f"{d}_cv_mAh"] / q
    out["charge_mean_V"] = e_ch / ch
    out["discharge_mean_V"] = e_dis / dis
    out["voltage_gap_V"] = out["charge_mean_V"] - out["discharge_mean_V"]
    return out[CYCLE_COLUMNS], incomplete
