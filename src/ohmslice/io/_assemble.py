"""From one table in canonical columns to the Recording and Spectrum objects a file holds.

Every reader first renames and converts the columns it recognises to the canonical names
and SI units of :mod:`ohmslice.schema` (``time_s``, ``voltage_V``, ``current_A``, ``step``,
``cycle``, ``charge_Ah``, ``freq_Hz``, ``z_real_ohm``, ``z_imag_ohm``); :func:`assemble`
then splits the rows the same way for every format:

* rows with a frequency > 0 are impedance points; they are cut into sweeps where the rows
  stop being contiguous in the file (a technique in between), where ``step`` (EC-Lab
  ``Ns``) or ``cycle`` changes, or where the frequency restarts (jumps against the sweep's
  direction). Each sweep becomes one :class:`~ohmslice.schema.Spectrum` whose ``dc_V``,
  ``dc_A`` are the voltage and current columns of those rows;
* all other rows (rest, constant current, OCV, the DC parts of a Modulo Bat sequence)
  become **one** :class:`~ohmslice.schema.Recording`, gaps included, so that a GITT
  analysis sees every pulse and rest in one time series.

The result is ``[recording, spectrum_0, spectrum_1, ...]`` (the recording first, spectra in
file order), or the single object when there is only one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EmptyDataError, InvalidDataError, MissingColumnError
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
    Spectrum,
)
from ._registry import ReadResult

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


def _check_finite(
    frame: pd.DataFrame, mask: np.ndarray, cols: Sequence[str], meta: Mapping[str, Any]
) -> None:
    for col in cols:
        values = frame[col].to_numpy(dtype=float)
        bad = mask & ~np.isfinite(values)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            row = int(frame[ROW].iloc[pos]) if ROW in frame else pos
            line = meta.get("first_data_line")
            where = f" (file line {line + row})" if line is not None else ""
            raise InvalidDataError(
                f"{int(bad.sum())} missing or non-numeric value(s), first at data row "
                f"{row}{where}; expected a number in every row",
                path=meta.get("source"),
                column=_source(meta, col),
                row=row,
            )


def _as_int(series: pd.Series) -> pd.Series:
    values = series.to_numpy(dtype=float)
    if np.isfinite(values).all():
        return pd.Series(values.astype(np.int64), index=series.index)
    return series


def sweep_starts(frame: pd.DataFrame, positions: np.ndarray) -> np.ndarray:
    """Indices into ``positions`` (the file rows of impedance points) where a sweep begins.

    A sweep begins at the first point, after any gap in the file rows, where ``step`` or
    ``cycle`` changes, and where the frequency moves against the direction most of the
    points move in (a new sweep restarting at the high or low end).
    """
    n = len(positions)
    new = np.zeros(n, dtype=bool)
    if n == 0:
        return np.flatnonzero(new)
    new[0] = True
    new[1:] |= np.diff(positions) != 1
    sub = frame.iloc[positions]
    for col in (STEP, CYCLE):
        if col in sub:
            v = sub[col].to_numpy(dtype=float)
            same = (v[1:] == v[:-1]) | (np.isnan(v[1:]) & np.isnan(v[:-1]))
            new[1:] |= ~same
    logf = np.log(sub[FREQ].to_numpy(dtype=float))
    d = np.diff(logf)
    inside = ~new[1:]
    moving = d[inside & (d != 0)]
    if moving.size:
        direction = 1.0 if np.median(moving) > 0 else -1.0
        new[1:] |= inside & (np.sign(d) == -direction)
    return np.flatnonzero(new)


def assemble(
    frame: pd.DataFrame,
    meta: Mapping[str, Any],
    *,
    found: Sequence[str] = (),
    step_technique: Mapping[int, str] | None = None,
    hint: str = HINT,
) -> ReadResult:
    """Build the Recording and/or Spectrum objects from a table in canonical columns.

    Parameters
    ----------
    frame
        Canonical columns in SI units (any subset), plus optionally ``_row`` (the data
        row in the file) for messages.
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

    Raises
    ------
    MissingColumnError
        Neither time/voltage/current nor frequency/Z'/Z'' are all present.
    EmptyDataError
        No rows.
    InvalidDataError
        A needed value is missing or not finite (names the column and the file row).
    """
    src = meta.get("source")
    has_z = all(c in frame for c in (FREQ, Z_REAL, Z_IMAG))
    has_dc = all(c in frame for c in (TIME, VOLTAGE, CURRENT))
    if not (has_z or has_dc):
        got = {k: v for k, v in meta.get("columns", {}).items()}
        raise MissingColumnError(
            f"found columns {list(found)}, recognised {got or 'none of them'}; expected "
            "time, voltage and current (a recording) or frequency, Z' and Z'' (a spectrum)"
            + (f"; {hint}" if hint else ""),
            path=src,
        )
    if len(frame) == 0:
        raise EmptyDataError("no data rows", path=src)

    n = len(frame)
    if has_z:
        freq = frame[FREQ].to_numpy(dtype=float)
        imp = np.nan_to_num(freq, nan=0.0) > 0
        if not has_dc:
            imp = np.ones(n, dtype=bool)  # every row must be an impedance point
    else:
        imp = np.zeros(n, dtype=bool)
    dc = ~imp

    out: list[Recording | Spectrum] = []
    base = dict(meta)
    base["rows_in_file"] = n
    if has_dc and dc.any():
        _check_finite(frame, dc, (TIME, VOLTAGE, CURRENT), meta)
        cols = [c for c in RECORDING_COLUMNS if c in frame]
        df = frame.loc[dc, cols].reset_index(drop=True)
        for c in (STEP, CYCLE):
            if c in df:
                df[c] = _as_int(df[c])
        out.append(Recording(df, base))

    if imp.any():
        _check_finite(frame, imp, (FREQ, Z_REAL, Z_IMAG), meta)
        positions = np.flatnonzero(imp)
        starts = sweep_starts(frame, positions)
        bounds = np.r_[starts, len(positions)]
        rename = {VOLTAGE: DC_V, CURRENT: DC_A}
        cols = [c for c in (FREQ, Z_REAL, Z_IMAG, VOLTAGE, CURRENT, TIME, CYCLE) if c in frame]
        for k in range(len(starts)):
            rows = positions[bounds[k] : bounds[k + 1]]
            df = frame.iloc[rows][cols].rename(columns=rename).reset_index(drop=True)
            m = dict(base)
            m["sweep"] = k
            first = frame.iloc[rows[0]]
            if STEP in frame and np.isfinite(first[STEP]):
                m["step"] = int(first[STEP])
                if step_technique and m["step"] in step_technique:
                    m["technique"] = step_technique[m["step"]]
            if CYCLE in df:
                df[CYCLE] = _as_int(df[CYCLE])
                if np.isfinite(df[CYCLE].iloc[0]):
                    m["cycle"] = int(df[CYCLE].iloc[0])
            out.append(Spectrum(df, m))
    if not out:
        raise EmptyDataError(
            "no impedance points (frequency > 0) and no time/voltage/current rows", path=src
        )
    return out[0] if len(out) == 1 else out
