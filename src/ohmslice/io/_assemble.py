"""From one table in canonical columns to the Recording and Spectrum objects a file holds.

Every reader first renames and converts the columns it recognises to the canonical names
and SI units of :mod:`ohmslice.schema` (``time_s``, ``voltage_V``, ``current_A``, ``step``,
``cycle``, ``charge_Ah``, ``freq_Hz``, ``z_real_ohm``, ``z_imag_ohm``); :func:`assemble`
then splits the rows the same way for every format:

* rows with a frequency other than 0 are impedance points (every row, in a file of
  spectra only); they are cut into sweeps where the rows stop being contiguous in the file
  (a technique in between), where ``step`` (EC-Lab ``Ns``) or ``cycle`` changes, or where
  the frequency restarts (jumps against the sweep's direction). Points that cannot be
  used (frequency <= 0 or not a number, Z' or Z'' not a number) are dropped with one
  :class:`~ohmslice.errors.DroppedPointsWarning` per file; they never cut a sweep. Each
  sweep becomes one :class:`~ohmslice.schema.Spectrum` whose ``dc_V``, ``dc_A`` are the
  voltage and current columns of those rows;
* all other rows (rest, constant current, OCV, the DC parts of a Modulo Bat sequence)
  become **one** :class:`~ohmslice.schema.Recording`, gaps included, so that a GITT
  analysis sees every pulse and rest in one time series. Its current and time are checked
  for plausibility (:func:`_charge_checks`, :func:`_duplicate_time_check`): values that
  cannot be right give a warning, never a silent rescaling.

The result is ``[recording, spectrum_0, spectrum_1, ...]`` (the recording first, spectra in
file order), or the single object when there is only one. Warnings (the readers' own, such
as a truncated file, and the ones above) are issued once per file and kept in
``meta["warnings"]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import (
    DroppedPointsWarning,
    DuplicateTimeWarning,
    EmptyDataError,
    InvalidDataError,
    MissingColumnError,
    UnitWarning,
    show_path,
)
from ..schema import (
    CHARGE,
    CURRENT,
    CYCLE,
    DC_A,
    DC_V,
    FREQ,
    STEP,
    TECHNIQUE,
    TIME,
    VOLTAGE,
    Z_IMAG,
    Z_REAL,
    Recording,
    SharedColumns,
    Spectrum,
)
from ..schema import _meta as _schema_meta
from ._registry import ReadResult
from ._truncation import count
from ._units import split_header
from ._warn import Pending, emit

#: Row position in the file (0-based data row), carried along for error messages.
ROW = "_row"
TEMPERATURE = "temperature_C"

#: How to name columns a reader does not recognise, appended to missing-column messages.
HINT = (
    "name them with read(path, columns={'time_s': ..., 'voltage_V': ..., 'current_A': ...}) "
    "or columns={'freq_Hz': ..., 'z_real_ohm': ..., 'z_imag_ohm': ...}"
)

RECORDING_COLUMNS = (TIME, VOLTAGE, CURRENT, STEP, CYCLE, CHARGE, TECHNIQUE, TEMPERATURE)


def _source(meta: Mapping[str, Any], col: str) -> str:
    src = meta.get("columns", {}).get(col)
    return f"{col} (from '{src}')" if src and src != col else col


#: A table of columns: name -> one array per column, all of one length.
Columns = Mapping[str, np.ndarray]


def _floats(table: Columns, col: str) -> np.ndarray:
    return np.asarray(table[col], dtype=float)


def _file_row(table: Columns, pos: int) -> int:
    """The data row in the file of row ``pos`` of ``table``."""
    return int(table[ROW][pos]) if ROW in table else pos


def _check_finite(
    table: Columns, mask: np.ndarray, cols: Sequence[str], meta: Mapping[str, Any]
) -> None:
    for col in cols:
        finite = np.isfinite(_floats(table, col))
        if finite.all():
            continue
        bad = mask & ~finite
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            row = _file_row(table, pos)
            line = meta.get("first_data_line")
            where = f" (file line {line + row})" if line is not None else ""
            raise InvalidDataError(
                f"{int(bad.sum())} missing or non-numeric value(s), first at data row "
                f"{row}{where}; expected a number in every row",
                path=meta.get("source"),
                column=_source(meta, col),
                row=row,
            )


def _as_int(values: np.ndarray) -> np.ndarray:
    """``values`` as integers where all are finite, else as they are."""
    numbers = np.asarray(values, dtype=float)
    return numbers.astype(np.int64) if np.isfinite(numbers).all() else values


def _same(v: np.ndarray) -> np.ndarray:
    """``v[1:] == v[:-1]``, NaN equal to NaN."""
    return (v[1:] == v[:-1]) | (np.isnan(v[1:]) & np.isnan(v[:-1]))


def sweep_starts(
    table: Columns, positions: np.ndarray, usable: np.ndarray | None = None
) -> np.ndarray:
    """Where the sweeps begin among the usable impedance points.

    Parameters
    ----------
    table
        The file's table in canonical columns.
    positions
        File rows (0-based) of every impedance point, usable or not, increasing.
    usable
        Which of ``positions`` can be used (None: all); the others are dropped points.

    Returns
    -------
    numpy.ndarray
        Indices into ``positions[usable]`` where a sweep begins: at the first point, after
        a gap in the file rows (a row that is no impedance point, i.e. another technique,
        between two points), where ``step`` (EC-Lab ``Ns``) or ``cycle`` changes between
        two usable points, and where the frequency moves against the direction most of
        the points move in (a new sweep restarting at the high or low end). A dropped
        point is no gap: the usable points on both sides of it stay in one sweep.
    """
    usable = np.ones(len(positions), dtype=bool) if usable is None else np.asarray(usable)
    rows = positions[usable]
    n = len(rows)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    gap = np.concatenate(([True], positions[1:] - positions[:-1] != 1))
    if usable.all():
        new = gap
    else:
        segment = np.cumsum(gap)[usable]
        new = np.concatenate(([True], segment[1:] != segment[:-1]))
    for col in (STEP, CYCLE):
        if col in table:
            new[1:] |= ~_same(_floats(table, col)[rows])
    freq = _floats(table, FREQ)[rows]
    d = freq[1:] - freq[:-1]  # frequencies are > 0: the signs of d and of d(log f) agree
    inside = ~new[1:]
    up, down = inside & (d > 0), inside & (d < 0)
    n_up, n_down = np.count_nonzero(up), np.count_nonzero(down)
    if n_up or n_down:
        if n_up == n_down:  # as many up as down: the median step of log f decides
            steps = np.diff(np.log(freq))[up | down]
            rising = np.median(steps) > 0
        else:
            rising = n_up > n_down
        new[1:] |= down if rising else up
    return np.flatnonzero(new)


def _where(meta: Mapping[str, Any], row: int) -> str:
    line = meta.get("first_data_line")
    return f"data row {row}" + (f" (file line {line + row})" if line is not None else "")


def _impedance_points(table: Columns, has_dc: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which rows are meant as impedance points, and which of those cannot be used.

    In a file of spectra only, every row is meant as an impedance point. In a file that
    also holds time series, a row is an impedance point if its frequency is not 0 (nor
    missing), or if it has frequency 0 or none but a Z' other than 0 and the nearest rows
    before and after it that are not of that kind are impedance points (points that lost
    their frequency inside a sweep). EC-Lab writes 0 in every impedance column of the other
    techniques' rows, other software leaves them empty or repeats the last impedance:
    those rows stay time-series rows. A point is usable if its frequency is a finite
    number > 0 and Z', Z'' are finite.

    Returns
    -------
    meant, bad_freq, bad_z
        Boolean arrays over the rows: meant as an impedance point; meant but frequency
        <= 0 or not a finite number; meant, frequency fine, but Z' or Z'' not finite.
    """
    freq, zr, zi = (_floats(table, c) for c in (FREQ, Z_REAL, Z_IMAG))
    if has_dc:
        point = (freq != 0) & ~np.isnan(freq)
        # rows with frequency 0 or missing but a Z' value, amid impedance points
        maybe = ~point & np.isfinite(zr) & (zr != 0)
        meant = point
        if maybe.any():
            idx = np.arange(len(freq))
            before = np.maximum.accumulate(np.where(maybe, -1, idx))
            after = np.minimum.accumulate(np.where(maybe, len(idx), idx)[::-1])[::-1]
            inside = np.zeros(len(idx), dtype=bool)
            ok = (before >= 0) & (after < len(idx))
            inside[ok] = point[before[ok]] & point[after[ok]]
            meant = point | (maybe & inside)
    else:
        meant = np.ones(len(freq), dtype=bool)
    freq_ok = (freq > 0) & (freq < np.inf)
    bad_freq = meant & ~freq_ok
    bad_z = meant & freq_ok & ~(np.isfinite(zr) & np.isfinite(zi))
    return meant, bad_freq, bad_z


def _dropped_message(
    meta: Mapping[str, Any], table: Columns, bad_freq: np.ndarray, bad_z: np.ndarray
) -> str:
    nf, nz = int(bad_freq.sum()), int(bad_z.sum())
    if nf and nz:
        why = f"{nf} with frequency <= 0 or not a number, {nz} with Z' or Z'' not a number"
    elif nf:
        why = "frequency <= 0 or not a number"
    else:
        why = "Z' or Z'' not a number"
    pos = int(np.flatnonzero(bad_freq | bad_z)[0])
    row = _file_row(table, pos)
    n = nf + nz
    return (
        f"{show_path(meta.get('source'))}: {count(n)} impedance "
        f"point{'' if n == 1 else 's'} dropped "
        f"({why}), first at {_where(meta, row)}; the points around them stay in their sweep"
    )


#: Plausible capacities of lab cells (coin, pouch, pellet, thin film) [A h].
CAPACITY_RANGE_AH = (1e-6, 100.0)
#: Rest voltages this far apart [V] mean the cell's state of charge really changed.
REST_SWING_V = 0.5
#: A current below this fraction of the largest |I| counts as a rest.
REST_FRACTION = 0.01


def _charge_checks(table: Columns, meta: Mapping[str, Any]) -> str | None:
    """A warning text if the current cannot be in the unit it was read in, else None.

    Two vectorised estimates of the charge the cell passed [A h], from the current
    integrated over time (trapezoids; rows sharing a time stamp add nothing):

    * **largest one-way charge**: the recording is cut where the current reverses sign
      (rests, |I| <= :data:`REST_FRACTION` of the largest |I|, do not cut it) and the
      charge of each run is summed; the largest is at least what one charge or discharge
      of the cell passed, however many cycles the file holds, and without the drift that
      coulombic inefficiency gives a running total. Above the top of
      :data:`CAPACITY_RANGE_AH` (100 A h) no lab cell holds it: the current is likely in
      mA under a header that says A (or the time in ms under a header that says s);
    * **charge between rest-voltage extremes**: among the rest rows, the highest and the
      lowest voltage (the 99th and 1st percentile); if they are :data:`REST_SWING_V` (0.5 V) or more apart, the state of
      charge changed a lot between them, so the charge passed between them is a good part
      of the cell's capacity. Below the bottom of :data:`CAPACITY_RANGE_AH` (1 uA h) no lab
      cell is that small: the current is likely in A under a header that says mA (or a
      further prefix off). Recordings without rests are not checked this way.

    Nothing is rescaled: the message names the file, the column and the fix.
    """
    t, v, i = (_floats(table, c) for c in (TIME, VOLTAGE, CURRENT))
    if len(t) < 2:
        return None
    imax = float(np.max(np.abs(i)))
    if imax == 0:
        return None
    mid = 0.5 * (i[1:] + i[:-1])
    q = np.empty(len(t))  # charge passed since the first row [A h]
    q[0] = 0.0
    np.cumsum(mid * np.diff(t) / 3600.0, out=q[1:])
    # runs of one sign start where a non-rest interval's sign differs from the last
    # non-rest interval's: rests belong to the run before them
    moving = np.flatnonzero(np.abs(mid) > REST_FRACTION * imax)
    charging = mid[moving] > 0
    edges = np.concatenate(([0], moving[1:][charging[1:] != charging[:-1]], [len(t) - 1]))
    one_way = float(np.max(np.abs(np.diff(q[edges]))))
    src, col = meta.get("source"), meta.get("columns", {}).get(CURRENT, CURRENT)
    base = split_header(col)[0] if col != CURRENT else "Current"
    lo, hi = CAPACITY_RANGE_AH
    if one_way > hi:
        return (
            f"{show_path(src)}: column '{col}': the current passes {one_way:.4g} A h in one "
            "direction "
            f"(|I| up to {imax:.4g} A, voltage {v.min():.3g} to {v.max():.3g} V), more than "
            f"any lab cell holds ({lo:g} to {hi:g} A h); the values look 1000 times too large "
            f"for their unit. If they are in mA, name the unit in the header (e.g. "
            f"'{base} (mA)') and read again; if the time column is in ms, name that unit. "
            "Nothing was rescaled"
        )
    rest = np.flatnonzero(np.abs(i) <= REST_FRACTION * imax)
    if rest.size < 2:
        return None
    # the rest rows' 1st and 99th percentile of voltage (a few glitched records in a
    # rest must not pass for a change of state of charge)
    k = int(0.01 * rest.size)
    part = np.argpartition(v[rest], (k, rest.size - 1 - k))  # the two ranks only: O(n)
    lo_row, hi_row = rest[part[k]], rest[part[rest.size - 1 - k]]
    swing = float(v[hi_row] - v[lo_row])
    if swing < REST_SWING_V:
        return None
    between = abs(float(q[hi_row] - q[lo_row]))
    if between < lo:
        return (
            f"{show_path(src)}: column '{col}': the rest voltage moves by {swing:.3g} V "
            f"({v[lo_row]:.3g} to {v[hi_row]:.3g} V) while only {between:.3g} A h pass, "
            f"less than any lab cell holds ({lo:g} to {hi:g} A h); the values look 1000 "
            f"times too small for their unit. If they are in A, name the unit in the header "
            f"(e.g. '{base} (A)') and read again. Nothing was rescaled"
        )
    return None


#: Warn when more than this fraction of the rows share their time stamp within a step ...
DUPLICATE_TIME_FRACTION = 0.05
#: ... and at least this many do.
DUPLICATE_TIME_MIN_ROWS = 3
#: Without a step column, a current change larger than this fraction of the largest |I|
#: marks a step boundary (where instruments legitimately repeat a time stamp).
STEP_CHANGE_FRACTION = 0.05


def _duplicate_time_check(table: Columns, meta: Mapping[str, Any]) -> str | None:
    """A warning text if many rows repeat the time stamp of the row before, else None.

    Instruments write the last point of a step and the first of the next with one time
    stamp; :class:`~ohmslice.schema.Recording` keeps both, 1 us apart. Such pairs at a
    step boundary (``step`` changes, or without a step column the current changes by more
    than :data:`STEP_CHANGE_FRACTION` of its largest magnitude) are expected. Repeats
    *within* a step in more than :data:`DUPLICATE_TIME_FRACTION` (5 %) of the rows (and at
    least :data:`DUPLICATE_TIME_MIN_ROWS`) mean a time column with too few decimals, or a
    column that is not the test time. Vectorised; the rows are kept.
    """
    t = _floats(table, TIME)
    n = len(t)
    if n < 2:
        return None
    same = np.diff(t) == 0
    if np.count_nonzero(same) < max(DUPLICATE_TIME_MIN_ROWS, DUPLICATE_TIME_FRACTION * n):
        return None  # too few repeats, wherever they are
    if STEP in table and np.isfinite(_floats(table, STEP)).all():
        boundary = ~_same(_floats(table, STEP))
    else:
        i = _floats(table, CURRENT)
        boundary = np.abs(np.diff(i)) > STEP_CHANGE_FRACTION * np.max(np.abs(i))
    shared = int((same & ~boundary).sum())
    if shared < DUPLICATE_TIME_MIN_ROWS or shared <= DUPLICATE_TIME_FRACTION * n:
        return None
    step = np.diff(t)
    step = step[step > 0]
    resolution = f"; its smallest time step is {step.min():.3g} s" if step.size else ""
    src, col = meta.get("source"), meta.get("columns", {}).get(TIME, TIME)
    return (
        f"{show_path(src)}: column '{col}': {count(shared)} of {count(n)} rows "
        f"({100 * shared / n:.0f} %) share their time stamp with the row before within a "
        f"step{resolution}: the time has too few decimals, or the column is not the test "
        "time. The rows are kept in file order, 1 us apart (rows identical to the one "
        "before are dropped), so durations and rates between them are not real: export the "
        "time with more decimals, or name the right time column with "
        "read(path, columns={'time_s': ...})"
    )


def _frequency_order(freq: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """The order that sorts each sweep ``bounds[k]:bounds[k + 1]`` of ``freq`` by
    increasing frequency, stable within equal frequencies. Sweeps that all run strictly
    down (as EC-Lab's do) are reversed by index arithmetic, sweeps that never run down
    are kept; others are sorted."""
    d = freq[1:] - freq[:-1]
    cross = bounds[1:-1] - 1  # the steps from one sweep's end to the next start
    d[cross] = 0.0
    if (d >= 0).all():  # already in order (a stable sort keeps equal frequencies)
        return np.arange(len(freq))
    sizes = np.diff(bounds)
    d[cross] = -1.0
    if (d < 0).all():  # each sweep reversed: lo + hi - 1 - i
        return np.repeat(bounds[:-1] + bounds[1:] - 1, sizes) - np.arange(len(freq))
    sweep = np.repeat(np.arange(len(sizes)), sizes)
    return np.lexsort((freq, sweep))


def _spectra(
    table: Columns,
    points: np.ndarray,
    starts: np.ndarray,
    base: Mapping[str, Any],
    step_technique: Mapping[int, str] | None,
) -> list[Spectrum]:
    """One Spectrum per sweep: the usable impedance rows ``points`` of ``table`` (finite
    Z', Z'', frequency > 0: checked by the caller), split at ``starts``.

    The points of all sweeps are ordered by (sweep, frequency) at once, each column in
    one read-only array; each spectrum holds slices of them (``cycle`` as integer where
    every point's is finite) and builds its DataFrame on first use, without
    re-validating what was checked for the whole table -- a file of tens of thousands
    of spectra is read in microseconds per spectrum.
    """
    bounds = np.append(starts, len(points))
    freq = _floats(table, FREQ)[points]
    order = _frequency_order(freq, bounds)
    rows = points[order]
    every = len(rows) == len(table[FREQ]) and bool((np.diff(rows) > 0).all())

    def column(c: str) -> np.ndarray:  # (every row, in file order: the file's own array)
        values = _floats(table, c)
        return values if every else values[rows]

    names = {FREQ: FREQ, Z_REAL: Z_REAL, Z_IMAG: Z_IMAG, VOLTAGE: DC_V, CURRENT: DC_A, TIME: TIME}
    columns = {names[c]: column(c) for c in names if c in table}
    first = points[starts]
    step = _floats(table, STEP)[first] if STEP in table else None
    cycle = None
    if CYCLE in table:  # integer where every point's cycle number is finite
        values = _floats(table, CYCLE)[rows]
        columns[CYCLE] = values.astype(np.int64) if np.isfinite(values).all() else values
        cycle = values[bounds[:-1]]
    for values in columns.values():
        values.flags.writeable = False
    shared = SharedColumns(columns)  # the spectra hold slices of them
    meta = _schema_meta(base)
    steps, cycles = _whole(step, len(starts)), _whole(cycle, len(starts))
    techniques = step_technique or {}
    out = []
    for k, (lo, hi, step_k, cycle_k) in enumerate(
        zip(bounds[:-1].tolist(), bounds[1:].tolist(), steps, cycles, strict=True)
    ):
        m = {**meta, "sweep": k}
        if step_k is not None:
            m["step"] = step_k
            if step_k in techniques:
                m["technique"] = techniques[step_k]
        if cycle_k is not None:
            m["cycle"] = cycle_k
        out.append(Spectrum._checked(shared, m, slice(lo, hi)))
    return out


def _whole(values: np.ndarray | None, n: int) -> list[int | None]:
    """``values`` as Python ints, None where not finite (or all None without values)."""
    if values is None:
        return [None] * n
    ok = np.isfinite(values)
    return [int(v) if good else None for v, good in zip(values.tolist(), ok.tolist(), strict=True)]


def assemble(
    frame: pd.DataFrame | Columns,
    meta: Mapping[str, Any],
    *,
    found: Sequence[str] = (),
    step_technique: Mapping[int, str] | None = None,
    hint: str = HINT,
    pending: Sequence[Pending] = (),
    impedance_only: bool = False,
) -> ReadResult:
    """Build the Recording and/or Spectrum objects from a table in canonical columns.

    Parameters
    ----------
    frame
        Canonical columns in SI units (any subset), plus optionally ``_row`` (the data
        row in the file) for messages: a DataFrame, or a mapping of equally long arrays
        (which the objects may keep: not to be changed afterwards).
    meta
        Metadata for every object (``source``, ``format``, ``instrument``, ``technique``,
        ``settings``, ``columns`` = canonical name -> file column).
    found
        The file's own column names, listed when the needed columns are missing.
    step_technique
        Technique of each step number (EC-Lab ``Ns``) of a sequence, e.g. ``{1: "PEIS"}``,
        recorded as each spectrum's ``meta["technique"]``.
    hint
        Appended to the missing-column message (e.g. how to name columns by hand).
    pending
        Warnings the reader found (a truncated file), issued with the ones found here.
    impedance_only
        The table is an impedance table whatever its other columns hold (a Gamry
        ZCURVE with its ``Time``, ``Vdc`` and ``Idc`` columns): every row is meant as an
        impedance point, and time, voltage and current become each spectrum's
        ``time_s``, ``dc_V`` and ``dc_A`` instead of a Recording.

    Warns
    -----
    DroppedPointsWarning
        Impedance points with a frequency <= 0 or not a number, or Z', Z'' not a number,
        were left out (one warning per file, with their count).
    UnitWarning
        The current cannot be in the unit it was read in (see :func:`_charge_checks`).
    DuplicateTimeWarning
        Many rows share a time stamp within a step (see :func:`_duplicate_time_check`).

    Every warning is issued once, after the objects are built, and its text is kept in
    ``meta["warnings"]`` of each object.

    Raises
    ------
    MissingColumnError
        Neither time/voltage/current nor frequency/Z'/Z'' are all present.
    EmptyDataError
        No rows.
    InvalidDataError
        A needed time/voltage/current value is missing or not finite (names the column and
        the file row), or no impedance point of a file of spectra can be used.
    """
    src = meta.get("source")
    if isinstance(frame, pd.DataFrame):
        table = {c: frame[c].to_numpy() for c in frame.columns}
    else:
        table = dict(frame)
    has_z = all(c in table for c in (FREQ, Z_REAL, Z_IMAG))
    has_dc = all(c in table for c in (TIME, VOLTAGE, CURRENT))
    if impedance_only and has_z:
        has_dc = False
    if not (has_z or has_dc):
        got = {k: v for k, v in meta.get("columns", {}).items()}
        raise MissingColumnError(
            f"found columns {list(found)}, recognised {got or 'none of them'}; expected "
            "time, voltage and current (a recording) or frequency, Z' and Z'' (a spectrum)"
            + (f"; {hint}" if hint else ""),
            path=src,
        )
    n = len(table[FREQ] if has_z else table[TIME])
    if n == 0:
        raise EmptyDataError("no data rows", path=src)

    notes: list[Pending] = list(pending)
    if has_z:
        imp, bad_freq, bad_z = _impedance_points(table, has_dc)
    else:
        imp = bad_freq = bad_z = np.zeros(n, dtype=bool)
    dc = ~imp
    bad = bad_freq | bad_z

    out: list[Recording | Spectrum] = []
    base = dict(meta)
    base["rows_in_file"] = n
    if has_dc and dc.any():
        _check_finite(table, dc, [c for c in (TIME, VOLTAGE, CURRENT, CHARGE) if c in table], meta)
        every = dc.all()
        rec = {c: table[c] if every else table[c][dc] for c in RECORDING_COLUMNS if c in table}
        for c in (TIME, VOLTAGE, CURRENT, CHARGE):
            if c in rec:
                rec[c] = np.asarray(rec[c], dtype=float)
        for c in (STEP, CYCLE):
            if c in rec:
                rec[c] = _as_int(rec[c])
        for check, category in (
            (_charge_checks, UnitWarning),
            (_duplicate_time_check, DuplicateTimeWarning),
        ):
            text = check(rec, meta)
            if text:
                notes.append((category, text))
        out.append(Recording._checked(rec, _schema_meta(base)))

    if bad.any():
        notes.append((DroppedPointsWarning, _dropped_message(meta, table, bad_freq, bad_z)))
        if not out and bad.all():
            raise InvalidDataError(
                f"none of the {count(n)} impedance points can be used: each has a frequency "
                "<= 0 or not a number, or Z' or Z'' not a number; expected frequencies > 0 "
                "and numbers in Z' and Z''",
                path=src,
                column=_source(meta, FREQ),
            )
    if imp.any():
        positions = np.flatnonzero(imp)
        usable = ~bad[positions]
        points = positions[usable]
        starts = sweep_starts(table, positions, usable)
        out += _spectra(table, points, starts, base, step_technique)
    if not out:
        raise EmptyDataError(
            "no impedance points (frequency > 0) and no time/voltage/current rows", path=src
        )
    texts = [text for _, text in notes]
    for obj in out:
        obj.meta["warnings"] = list(texts)
    emit(notes)
    return out[0] if len(out) == 1 else out
