"""Generic tables: CSV / TSV / semicolon-separated text and Parquet, with column recognition.

Columns are recognised by name and unit, in the spellings cyclers and EIS software
write: ``Time (s)``, ``Test Time (s)``, ``Seconds``, ``time/h``, ``Voltage(V)``, ``Volts``,
``Ewe/V``, ``Current(mA)``, ``Amps``, ``I/mA``, ``Frequency (Hz)``, ``Z' (Ohm)``,
``-Z'' (Ohm)``, ``Zreal``, ``Zimag``, ``Re(Z)/Ohm``, ``|Z|`` with ``Phase``, ``Step``,
``Cycle``, ``Ah``, and the canonical names themselves (``time_s``, ``freq_Hz``, ...).
The unit in the header (``ms s min h``, ``uV mV V``, ``nA uA mA A``, ``mAh Ah C``,
``mOhm Ohm kOhm``, ``mHz Hz kHz MHz``) is converted to SI; a header naming no unit is
taken in the canonical unit, except where the name implies one (``Seconds``, ``Volts``,
``Amps``, ``Hours``, ``mAh``).

Sign conventions: a column whose name starts with ``-`` (``-Z''``, ``-Im(Z)``, ``-Phase``)
holds minus the quantity and is negated, so that a capacitive arc has ``z_imag_ohm < 0``.
Current is taken with the file's sign; ohmslice expects > 0 to charge the working
electrode.

Anything not recognised is named with ``read(path, columns={"time_s": "My time col",
...})``; a table with time, voltage and current becomes a Recording, one with frequency,
Z' and Z'' a Spectrum (both: split as in :mod:`ohmslice.io._assemble`). Text layout
(delimiter, header row after any preamble lines, decimal comma) is detected from the
first 64 KiB. Excel files are not read (that would need a further dependency): save
them as CSV.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EmptyDataError, FileFormatError, MissingColumnError, TruncatedFileError
from ..schema import CHARGE, CURRENT, CYCLE, FREQ, STEP, TIME, VOLTAGE, Z_IMAG, Z_REAL
from ._assemble import ROW, TEMPERATURE, assemble
from ._registry import MAYBE, NO, YES, Reader, ReadResult, foreign, register
from ._truncation import check_last_line
from ._units import factor, split_header

NAME = "table"
DESCRIPTION = "CSV/TSV/Parquet table (column names and units recognised)"
LAYOUT_BYTES = 65536
_DELIMITERS = ("\t", ";", ",", "|")
ZMOD, PHASE = "_zmod", "_phase"

#: normalised name -> (column, priority: lower wins, unit implied by the name)
_ALIASES: dict[str, tuple[str, int, str | None]] = {}
_KIND = {
    TIME: "time",
    VOLTAGE: "voltage",
    CURRENT: "current",
    CHARGE: "charge",
    STEP: "count",
    CYCLE: "count",
    FREQ: "frequency",
    Z_REAL: "impedance",
    Z_IMAG: "impedance",
    ZMOD: "impedance",
    PHASE: "angle",
    TEMPERATURE: "temperature",
}


def _alias(column: str, priority: int, names: str, unit: str | None = None) -> None:
    for name in names.split():
        _ALIASES[name] = (column, priority, unit)


_alias(TIME, 0, "testtime elapsedtime totaltime time_s")
_alias(TIME, 1, "time runtime relativetime")
_alias(TIME, 2, "t")
_alias(TIME, 0, "seconds secs sec", "s")
_alias(TIME, 0, "minutes mins", "min")
_alias(TIME, 0, "hours hrs", "h")
_alias(VOLTAGE, 0, "voltage cellvoltage ewe ecell voltage_v")
_alias(VOLTAGE, 1, "potential <ewe> <ecell> e v u")
_alias(VOLTAGE, 0, "volts volt", "V")
_alias(CURRENT, 0, "current current_a i")
_alias(CURRENT, 1, "<i>")
_alias(CURRENT, 0, "amps amp ampere amperes", "A")
_alias(CURRENT, 0, "milliamps", "mA")
_alias(CHARGE, 0, "charge_ah (q-qo) charge")
_alias(CHARGE, 1, "capacity q")
_alias(CHARGE, 0, "ah", "Ah")
_alias(CHARGE, 0, "mah", "mAh")
_alias(STEP, 0, "step stepindex stepnumber stepno ns")
_alias(CYCLE, 0, "cycle cycleindex cyclenumber cycleno")
_alias(FREQ, 0, "frequency freq freq_hz")
_alias(FREQ, 2, "f")
_alias(Z_REAL, 0, "z' zreal zre re(z) realz rez z_real_ohm z_real")
_alias(Z_REAL, 1, "zr real")
_alias(Z_IMAG, 0, "z'' z\" zimag zim im(z) imagz imz z_imag_ohm z_imag")
_alias(Z_IMAG, 1, "zi imag")
_alias(ZMOD, 0, "|z| zmod zmag modulus mod(z) abs(z)")
_alias(PHASE, 0, "phase phase(z) zphase phi theta")
_alias(TEMPERATURE, 0, "temperature temp temperature_c")


def _key(name: str) -> tuple[str, bool]:
    """Normalised name and whether it is negated (``-Z''`` -> ``("z''", True)``)."""
    text = name.strip()
    negated = text.startswith("-") or text.lower().startswith("minus ")
    text = re.sub(r"^(-|minus\s+)", "", text, flags=re.IGNORECASE)
    key = re.sub(r"[\s\.]+", "", text.lower()).replace("’", "'").replace("′", "'")
    key = key.replace("″", "''")
    if key not in _ALIASES:
        key = key.replace("_", "")
    return key, negated


def recognise(
    names: list[str], columns: Mapping[str, str] | None = None, path: Any = None
) -> dict[str, tuple[str, str | None, bool]]:
    """Which file column feeds each canonical column.

    Returns
    -------
    dict
        canonical name -> (file column, unit, negate).

    Raises
    ------
    MissingColumnError
        A ``columns=`` entry names a column the table does not have, or two columns
        look equally like the same needed quantity (ambiguous).
    """
    chosen: dict[str, tuple[str, str | None, bool]] = {}
    override = dict(columns or {})
    for canon, target in override.items():
        if canon not in _KIND or canon in (ZMOD, PHASE):
            raise MissingColumnError(
                f"columns= names '{canon}', which is not a canonical column; expected one "
                f"of: {', '.join(k for k in _KIND if not k.startswith('_'))}",
                path=path,
            )
        if target not in names:
            raise MissingColumnError(
                f"columns= maps {canon} to '{target}', which is not in the table; it has {names}",
                path=path,
            )
        base, unit = split_header(target)
        chosen[canon] = (target, unit, base.strip().startswith("-") and canon == Z_IMAG)
    best: dict[str, list[tuple[int, str, str | None, bool]]] = {}
    for name in names:
        if name in override.values():
            continue
        base, unit = split_header(name)
        key, neg = _key(base)
        hit = _ALIASES.get(key) or _ALIASES.get(_key(name)[0])
        if hit is None:
            continue
        canon, prio, implied = hit
        if canon in chosen:
            continue
        best.setdefault(canon, []).append((prio, name, unit or implied, neg))
    for canon, cands in best.items():
        cands.sort(key=lambda c: c[0])
        top = [c for c in cands if c[0] == cands[0][0]]
        if len(top) > 1 and canon in (TIME, VOLTAGE, CURRENT, FREQ, Z_REAL, Z_IMAG):
            raise MissingColumnError(
                f"ambiguous: columns {[c[1] for c in top]} all look like {canon}; "
                f"choose one with read(path, columns={{'{canon}': ...}})",
                path=path,
            )
        _, name, unit, neg = top[0]
        chosen[canon] = (name, unit, neg)
    return chosen


def _is_number(field: str) -> bool:
    f = field.strip().strip('"')
    if not f:
        return True
    try:
        float(f.replace(",", "."))
    except ValueError:
        return False
    return True


def layout(text: str) -> tuple[str, int, str] | None:
    """(delimiter, header line index, decimal mark) of delimited text, or None.

    The header is the first line from which on every line has the same number (>= 2)
    of fields, with mostly numbers on the line after it (lines before it are preamble).
    """
    lines = [ln for ln in text.splitlines()]
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end inside a line
    lines = lines[:400]
    best: tuple[float, int, str, int] | None = None
    for delim in _DELIMITERS:
        counts = [ln.count(delim) for ln in lines]
        for h in range(min(len(lines), 50)):
            k = counts[h]
            tail = [c for c, ln in zip(counts[h:], lines[h:], strict=True) if ln.strip()]
            if k < 1 or any(c != k for c in tail):
                continue
            header = lines[h].split(delim)
            if all(_is_number(f) for f in header):
                break  # numbers only: no header row
            data = [ln for ln in lines[h + 1 :] if ln.strip()][:5]
            numeric = [sum(_is_number(f) for f in ln.split(delim)) for ln in data]
            if data and min(numeric) < (k + 1) / 2:
                break
            score = (float(np.mean(numeric)) if numeric else 0.0, k, delim, h)
            if best is None or score[:2] > best[:2]:
                best = score
            break
    if best is None:
        return None
    _, _, delim, h = best
    decimal = "."
    if delim != ",":
        sample = " ".join(lines[h + 1 : h + 6])
        if re.search(r"(^|[\s;\t|])-?\d+,\d+([eE][-+]?\d+)?($|[\s;\t|])", sample):
            decimal = ","
    return delim, h, decimal


def _decode(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start > len(raw) - 4:  # the sample ends inside a multi-byte character
            return raw[: exc.start].decode("utf-8-sig"), "utf-8-sig"
        return raw.decode("latin-1"), "latin-1"


def sniff(head: bytes) -> int:
    """YES for Parquet; MAYBE for delimited text with a header row and numbers below."""
    if head.startswith(b"PAR1"):
        return YES
    if b"\x00" in head:
        return NO
    text, _ = _decode(head)
    return MAYBE if layout(text) is not None else NO


def _numeric(series: pd.Series, canon: str) -> np.ndarray:
    """Values of a column as floats; time stamps (date-times, durations, or text that
    parses as such) become seconds from the first one. Cells that are not numbers
    become NaN and are reported with their row."""
    kind = series.dtype.kind
    if kind in "biuf":
        return series.to_numpy(dtype=float)
    if kind == "m":
        return series.dt.total_seconds().to_numpy(dtype=float)
    if kind == "M":
        return _seconds_from_first(series)
    values = pd.to_numeric(series, errors="coerce")
    if canon == TIME and values.isna().all():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stamps = pd.to_datetime(series, errors="coerce")
        if stamps.notna().any():
            return _seconds_from_first(stamps)
    return values.to_numpy(dtype=float)


def _seconds_from_first(stamps: pd.Series) -> np.ndarray:
    valid = stamps.dropna()
    if valid.empty:
        return np.full(len(stamps), np.nan)
    return (stamps - valid.iloc[0]).dt.total_seconds().to_numpy(dtype=float)


def _read_frame(path: Path) -> tuple[pd.DataFrame, int | None]:
    with open(path, "rb") as fh:
        head = fh.read(LAYOUT_BYTES)
    if head.startswith(b"PAR1"):
        with open(path, "rb") as fh:
            fh.seek(max(0, path.stat().st_size - 4))
            if fh.read() != b"PAR1":
                raise TruncatedFileError(
                    "the Parquet file ends before its footer (no closing 'PAR1' marker)",
                    path=path,
                )
        with foreign(path, "Parquet"):
            return pd.read_parquet(path), None
    text, encoding = _decode(head)
    found = layout(text)
    if found is None:
        raise FileFormatError(
            "no delimited table found (expected a header row of column names separated by "
            "tabs, commas or semicolons, with rows of numbers below)",
            path=path,
        )
    delim, h, decimal = found
    with foreign(path, "a delimited text table"):
        df = pd.read_csv(
            path,
            sep=delim,
            skiprows=h,
            header=0,
            decimal=decimal,
            encoding=encoding,
            engine="c",
            skipinitialspace=True,
            index_col=False,
        )
    if len(df):
        with open(path, "rb") as fh:
            fh.seek(max(0, path.stat().st_size - LAYOUT_BYTES))
            tail = fh.read()
        check_last_line(
            tail,
            sep=delim.encode(),
            ncols=len(df.columns),
            row=len(df) - 1,
            line=None,
            path=path,
            complete_if_newline=True,
        )
    return df, h + 2


def load(path: Path, columns: Mapping[str, str] | None = None) -> ReadResult:
    """Read a CSV/TSV/Parquet table (see the module docstring).

    Raises
    ------
    MissingColumnError
        Neither time/voltage/current nor frequency/Z'/Z'' recognised (lists the columns
        found and suggests ``columns=``), or ambiguous.
    EmptyDataError, InvalidDataError, FileFormatError
        No rows; missing or non-numeric values in a needed column (names the row);
        not a delimited table.
    """
    df, first_line = _read_frame(path)
    names = [str(c) for c in df.columns]
    df.columns = names
    if len(df) == 0:
        raise EmptyDataError(f"no data rows below the header {names}", path=path)
    chosen = recognise(names, columns, path)
    frame: dict[str, np.ndarray] = {ROW: np.arange(len(df))}
    used: dict[str, str] = {}
    for canon, (name, unit, neg) in chosen.items():
        values = _numeric(df[name], canon)
        kind = _KIND[canon]
        if kind != "count":
            values = values * factor(unit, kind, column=name, path=path)
        frame[canon] = -values if neg else values
        used[canon] = name
    if Z_REAL not in frame and ZMOD in frame and PHASE in frame:
        phase = np.deg2rad(frame[PHASE])
        frame[Z_REAL] = frame[ZMOD] * np.cos(phase)
        frame[Z_IMAG] = frame[ZMOD] * np.sin(phase)
        used[Z_REAL] = used[Z_IMAG] = f"{used[ZMOD]}, {used[PHASE]}"
    for c in (ZMOD, PHASE):
        frame.pop(c, None)
        used.pop(c, None)
    meta = {
        "source": str(path),
        "format": NAME,
        "instrument": None,
        "technique": None,
        "settings": {},
        "columns": used,
        "notes": [],
        "first_data_line": first_line,
    }
    return assemble(pd.DataFrame(frame), meta, found=names)


register(
    Reader(
        name=NAME,
        description=DESCRIPTION,
        suffixes=(".csv", ".tsv", ".txt", ".dat", ".parquet", ".pq"),
        sniff=sniff,
        load=load,
    )
)
