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
Z' and Z'' a Spectrum (both: split as in :mod:`ohmslice.io._assemble`). A table whose
columns are not recognised raises :class:`~ohmslice.errors.MissingColumnError` listing
the columns found and proposing the ``columns=`` call (columns whose unit fits a missing
quantity are proposed by name).

Text as labs write it, detected from the first 64 KiB (:func:`layout`):

* encodings: UTF-8 with or without byte-order mark, Latin-1 / Windows-1252, UTF-16
  (Excel's "Unicode text": little endian with BOM, tab separated), see
  :mod:`ohmslice.io._text`;
* delimiter (tab, semicolon, comma, bar), preamble lines before the header, rows that
  leave trailing empty cells out, and tables without header row (columns then named
  ``column 1``, ``column 2``, ...; a table of numbers only whose first column is a
  frequency sweep, log-spaced, is read as frequency, Z', Z'' -- the sign of Z'' decided
  from the data and stated in ``meta["notes"]``, see :func:`headerless_spectrum`);
* units on a second header row (``Time,Voltage,Current`` over ``s,V,mA``): each column is
  named ``Time (s)``, ... and converted; ``columns=`` accepts either name;
* numbers with a decimal point or comma, quoted (``"3,712"`` in a comma-separated file)
  or not, with thousands grouped by ``,``, ``.``, a space, a no-break space or ``'``
  (:func:`number_format` says how the ambiguous ``1,234`` is decided).

A file cut short is read up to its last complete row with one
:class:`~ohmslice.errors.TruncatedFileWarning` (:mod:`ohmslice.io._truncation`). Excel
workbooks are not read (that would need a further dependency): save them as CSV or
"Unicode text".
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..errors import (
    EmptyDataError,
    FileFormatError,
    InputError,
    MissingColumnError,
    TruncatedFileError,
    TruncatedFileWarning,
)
from ..schema import CHARGE, CURRENT, CYCLE, FREQ, STEP, TIME, VOLTAGE, Z_IMAG, Z_REAL
from ._assemble import ROW, TEMPERATURE, assemble
from ._registry import MAYBE, NO, YES, Reader, ReadResult, foreign, register
from ._text import EXACT_FLOATS, decode, plain_text
from ._truncation import last_line_cut, message
from ._units import factor, is_unit, split_header
from ._warn import Pending

NAME = "table"
DESCRIPTION = "CSV/TSV/Parquet table (column names and units recognised)"
LAYOUT_BYTES = 65536
_DELIMITERS = ("\t", ";", ",", "|")
#: Stands for "runs of spaces (and tabs)": tried only when no other delimiter fits.
SPACE = " "
_BRACKETED = re.compile(r"^[\(\[\{][^\s\(\)\[\]\{\}]*[\)\]\}]$")
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
_alias(Z_IMAG, 0, "z'' z\" zimag zimg zim im(z) imagz imz z_imag_ohm z_imag")
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


_GROUPERS = " '\u00a0\u202f"
_NUMBER = re.compile(
    r"^[+-]?(?P<m>[\d.,'\u00a0\u202f ]*\d[\d.,'\u00a0\u202f ]*|[\d.,]*\d)(?:[eE][+-]?\d+)?$"
)
_GROUPED = re.compile(r"^\d{1,3}(?:[ '\u00a0\u202f]\d{3})+(?:[.,]\d*)?$")
_STAMP = re.compile(
    r"^\d+(?:[-/:.]\d+)+(?:[ T]\d+(?::\d+)+(?:[.,]\d+)?)?(?:\s?[AaPp][Mm])?$"
    r"|^\d+\s+days?\s+\d+:\d+(?::\d+(?:\.\d+)?)?$"
)
_UNITISH = re.compile(r"^[A-Za-zµμΩΩ°%/·*.\-^²³0-9 ]{1,12}$")


def _plain_number(field: str) -> str | None:
    """A number written with any decimal mark and thousands grouping, as Python writes it
    (``'1 234,5'`` -> ``'1234.5'``, ``'"3,712"'`` -> ``'3.712'``), or None if it is none."""
    f = field.strip().strip('"').strip()
    m = _NUMBER.match(f)
    if not m:
        return None
    for ch in _GROUPERS:
        f = f.replace(ch, "")
    marks = [c for c in m.group("m") if c in ".,"]
    if len(set(marks)) == 2:
        f = f.replace(marks[0], "")
    elif len(marks) > 1:
        f = f.replace(marks[0], "")
    return f.replace(",", ".")


def _is_number(field: str) -> bool:
    """Is the cell a value: empty, a number in any common spelling (decimal comma,
    thousands grouping, quoted, ``nan``), or a date, time or duration stamp?"""
    f = field.strip().strip('"').strip()
    if not f:
        return True
    plain = _plain_number(f)
    try:
        float(plain if plain is not None else f)
    except ValueError:
        return bool(_STAMP.match(f))
    return True


def _fields(line: str, delim: str) -> list[str]:
    """The cells of one line; quotes are honoured where the line has any. With
    :data:`SPACE`, cells are separated by runs of white space, and a unit in brackets
    standing alone (``Time (s)``) stays with the name before it."""
    if delim == SPACE:
        cells: list[str] = []
        for token in line.split():
            if cells and _BRACKETED.match(token) and not _is_number(cells[-1]):
                cells[-1] += " " + token
            else:
                cells.append(token)
        return cells
    if '"' not in line:
        return line.split(delim)
    return next(csv.reader([line], delimiter=delim, skipinitialspace=True), [])


def _lines(text: str) -> list[str]:
    lines = re.split(r"\r\n|\n|\r", text)
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end inside a line
    return lines


def _is_units_row(cells: list[str]) -> bool:
    """A row of units under the header (``s, V, mA``; ``(s)``, ``[V]``; empty cells allowed):
    no numbers, every cell short and unit-like, at least half of them units ohmslice knows."""
    filled = [c.strip() for c in cells if c.strip()]
    if not filled:
        return False
    known = 0
    for cell in filled:
        unit = cell.strip("()[]{} ")
        if _is_number(cell) or not _UNITISH.match(unit):
            return False
        known += is_unit(unit)
    return known >= max(1, len(filled) / 2)


def number_format(rows: list[list[str]]) -> tuple[str, str | None]:
    """(decimal mark, thousands separator or None) of the numbers in ``rows`` (data cells).

    Evidence, cell by cell: a cell with both ``.`` and ``,`` has its decimal mark last and
    groups thousands with the other; a mark that occurs twice groups thousands; a mark
    after space (or ``'``) grouping is the decimal; a single mark is the decimal unless
    exactly three digits follow it and one to three (not starting with 0) precede it
    (``1,234``), which is ambiguous. Decided: the decimal mark with the most unambiguous
    cells; without any, ``,`` if an ambiguous comma occurs (``3,712`` is 3.712, as
    written with a decimal comma), else ``.``. The thousands separator is the one with
    the most cells grouping by it, or the ambiguous mark that is not the decimal.
    """
    decisive = {".": 0, ",": 0}
    ambiguous = {".": 0, ",": 0}
    grouping: dict[str, int] = {}
    for row in rows:
        for cell in row:
            f = cell.strip().strip('"').strip()
            m = _NUMBER.match(f)
            if not m:
                continue
            mant = m.group("m").strip()
            marks = [c for c in mant if c in ".,"]
            spaced = any(c in _GROUPERS for c in mant)
            if spaced:
                if not _GROUPED.match(mant):
                    continue
                sep = "'" if "'" in mant else " "
                grouping[sep] = grouping.get(sep, 0) + 1
            if len(set(marks)) == 2:
                decisive[marks[-1]] += 1
                grouping[marks[0]] = grouping.get(marks[0], 0) + 1
            elif len(marks) > 1:
                grouping[marks[0]] = grouping.get(marks[0], 0) + 1
            elif len(marks) == 1:
                c = marks[0]
                whole, frac = mant.split(c)
                for g in _GROUPERS:
                    whole = whole.replace(g, "")
                if spaced or len(frac) != 3 or not 1 <= len(whole) <= 3 or whole[0] == "0":
                    decisive[c] += 1
                else:
                    ambiguous[c] += 1
    if decisive["."] or decisive[","]:
        decimal = "," if decisive[","] > decisive["."] else "."
    else:
        decimal = "," if ambiguous[","] else "."
    other = "." if decimal == "," else ","
    candidates = {k: v for k, v in grouping.items() if k != decimal}
    if not candidates and ambiguous[other] and (decisive[decimal] or ambiguous[decimal]):
        candidates = {other: ambiguous[other]}
    thousands = max(candidates, key=candidates.get) if candidates else None
    return decimal, thousands


class Layout(NamedTuple):
    """How a delimited text table is laid out (from the first 64 KiB)."""

    #: Field separator.
    delimiter: str
    #: Index of the header line among the lines of the text (lines before it: preamble).
    header: int
    #: Decimal mark of the numbers.
    decimal: str
    #: Thousands separator of the numbers, if any (``" "`` stands for any space).
    thousands: str | None
    #: A row of units (``s, V, mA``) follows the header.
    units: bool
    #: The header line holds column names; False for a table of numbers only, whose
    #: columns are then called ``column 1``, ``column 2``, ... (``header`` is its first row).
    named: bool = True

    @property
    def first_data(self) -> int:
        """Index of the first data line."""
        return self.header + (1 if self.named else 0) + (1 if self.units else 0)


def layout(text: str) -> Layout | None:
    """The layout of delimited text, or None if it holds no table.

    The header is the first line (of the first 50) with at least two fields from which on
    no line has more fields than it (rows may leave trailing empty cells out), followed,
    after an optional row of units, by lines whose cells are mostly values (numbers in
    any common spelling, time stamps); lines before it are preamble. A first such line
    that holds values only starts a table without header row (at least two lines of
    values). Of the delimiters that fit (tab, semicolon, comma, bar), the one giving the
    most values per line, then the most columns, wins. Only if none fits, or the one that
    fits leaves cells that are no values (``1,5 2,5`` split at its decimal commas), runs
    of spaces (:data:`SPACE`, aligned columns) are tried too; then every data line must
    hold exactly as many values as the header names, since a name holding a space
    (``Test Time``) cannot be told from two names.
    """
    lines = _lines(text)[:400]
    best: tuple[float, int, str, int, bool, bool] | None = None
    clean = False  # every data cell of ``best`` is a value
    for delim in (*_DELIMITERS, SPACE):
        if delim == SPACE and clean:
            break
        if not any(delim in ln for ln in lines[:50]):
            continue
        rows = [_fields(ln, delim) for ln in lines]
        # a separator closing every line (or only the data lines) adds no column
        counts = [len(r) - 1 - (len(r) > 1 and not r[-1].strip()) for r in rows]
        filled = [bool(ln.strip()) for ln in lines]
        for h in range(min(len(lines), 50)):
            k = counts[h]
            if k < 1 or any(c > k for c, f in zip(counts[h:], filled[h:], strict=True) if f):
                continue
            named = not all(_is_number(f) for f in rows[h])
            units = (
                named and h + 1 < len(lines) and counts[h + 1] <= k and _is_units_row(rows[h + 1])
            )
            first = h + (1 if named else 0) + (1 if units else 0)
            data = [r for r, f in zip(rows[first:], filled[first:], strict=True) if f][:5]
            numeric = [sum(_is_number(c) for c in r) for r in data]
            if any(n < len(r) / 2 for n, r in zip(numeric, data, strict=True)):
                break
            if not named and len(data) < 2:
                break
            if delim == SPACE and any(len(r) != k + 1 for r in data):
                break
            score = (float(np.mean(numeric)) if numeric else 0.0, k, delim, h, units, named)
            whole = all(n == len(r) for n, r in zip(numeric, data, strict=True))
            # runs of spaces win over a delimiter that leaves cells that are no values
            spaced = delim == SPACE and whole and score[0] >= best[0] if best else False
            if best is None or score[:2] > best[:2] or spaced:
                best, clean = score, whole
            break
    if best is None:
        return None
    _, _, delim, h, units, named = best
    found = Layout(delim, h, ".", None, units, named)
    first = found.first_data
    sample = [_fields(ln, delim) for ln in lines[first : first + 200] if ln.strip()]
    decimal, thousands = number_format(sample)
    return found._replace(decimal=decimal, thousands=thousands)


def _names(header: list[str], units: list[str] | None) -> list[str]:
    """Column names from the header cells and, if given, the units row: ``Time`` over ``s``
    becomes ``Time (s)`` (a header that already names its unit is kept); empty names
    become ``Unnamed: i`` and repeated ones get ``.1``, ``.2``, ... as pandas does."""
    names = []
    for i, cell in enumerate(header):
        name = cell.strip()
        unit = units[i].strip() if units and i < len(units) else ""
        if unit and name and split_header(name)[1] is None:
            bare = unit.strip("()[]{} ")
            name = f"{name} ({bare})" if bare else name
        names.append(name or f"Unnamed: {i}")
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in seen:
            seen[name] += 1
            names[i] = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
    return names


def sniff(head: bytes) -> int:
    """YES for Parquet; MAYBE for delimited text (any common encoding, UTF-16 included)
    with a header row and values below; NO otherwise."""
    if head.startswith(b"PAR1"):
        return YES
    data, encoding, _ = plain_text(head)
    if b"\x00" in data:
        return NO
    return MAYBE if layout(decode(data, encoding)) is not None else NO


def _numeric(
    series: pd.Series, canon: str, decimal: str = ".", thousands: str | None = None
) -> np.ndarray:
    """Values of a column as floats; time stamps (date-times, durations, or text that
    parses as such) become seconds from the first one. Text cells are read as numbers
    with the file's decimal mark and thousands separator (quoted ``"3,712"``, ``1 234,5``);
    cells that are still not numbers become NaN and are reported with their row."""
    kind = series.dtype.kind
    if kind in "biuf":
        return series.to_numpy(dtype=float)
    if kind == "m":
        return series.dt.total_seconds().to_numpy(dtype=float)
    if kind == "M":
        return _seconds_from_first(series)
    text = series.astype("string").str.strip().str.strip('"')
    text = text.str.replace(r"[\s'\u00a0\u202f]", "", regex=True)
    if thousands in (".", ","):
        text = text.str.replace(thousands, "", regex=False)
    if decimal == ",":
        text = text.str.replace(",", ".", regex=False)
    values = pd.to_numeric(text, errors="coerce")
    if canon == TIME and values.isna().all():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stamps = pd.to_datetime(series, errors="coerce")
        if stamps.notna().any():
            return _seconds_from_first(stamps)
    return values.to_numpy(dtype=float, na_value=np.nan)


def _seconds_from_first(stamps: pd.Series) -> np.ndarray:
    valid = stamps.dropna()
    if valid.empty:
        return np.full(len(stamps), np.nan)
    return (stamps - valid.iloc[0]).dt.total_seconds().to_numpy(dtype=float)


class _Table(NamedTuple):
    """A table as read from a file, before its columns are recognised."""

    frame: pd.DataFrame
    #: File line (1-based) of the first data row, None for Parquet.
    first_line: int | None
    #: Warnings found while reading (a truncated file).
    pending: list[Pending]
    #: Decimal mark and thousands separator, for cells pandas left as text.
    decimal: str = "."
    thousands: str | None = None
    #: Header cell -> column name, where a units row changed it (``Time`` -> ``Time (s)``).
    renamed: dict[str, str] = {}


def _line_starts(data: bytes, count: int) -> list[int]:
    """Byte offsets where the first ``count`` + 1 lines start (line breaks: CR LF, LF, CR)."""
    starts = [0]
    for m in re.finditer(rb"\r\n|\n|\r", data[: LAYOUT_BYTES * 4]):
        starts.append(m.end())
        if len(starts) > count:
            break
    return starts


def _read_frame(path: Path, text: bytes | None = None) -> _Table:
    """The table of ``path`` (or of ``text``, its contents as delimited text, where a
    reader has rendered another format -- a spreadsheet's sheet -- as text)."""
    if text is not None:
        head = text[:LAYOUT_BYTES]
    else:
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
            return _Table(pd.read_parquet(path), None, [])
    data, encoding, zero_bytes = plain_text(path.read_bytes() if text is None else text)
    sample = decode(data[:LAYOUT_BYTES], encoding)
    lines = _lines(sample)
    found = layout(sample)
    if found is None:
        raise FileFormatError(
            "no delimited table found (expected a header row of column names separated by "
            "tabs, commas, semicolons or spaces, with rows of numbers below)",
            path=path,
        )
    delim, h, decimal, thousands, units, named = found
    if named:
        header = _fields(lines[h], delim)
        names = _names(header, _fields(lines[h + 1], delim) if units else None)
        renamed = {cell.strip(): name for cell, name in zip(header, names, strict=True)}
        renamed = {k: v for k, v in renamed.items() if k and k != v}
    else:
        names = [f"column {i + 1}" for i in range(len(_fields(lines[h], delim)))]
        renamed = {}
    first = found.first_data
    starts = _line_starts(data, first)
    body = data[starts[first] :] if len(starts) > first else b""
    if delim == SPACE:  # aligned columns: one space between values, none around a line
        body = re.sub(rb"[ \t]+", b" ", body)
        body = re.sub(rb"(?m)^ | (?=\r?$)", b"", body)
    cut = last_line_cut(body, sep=delim.encode(), ncols=len(names))
    if cut is not None:
        body = body[: cut.keep]
    if thousands == " " and encoding == "utf-8":
        body = body.replace(b"\xc2\xa0", b" ").replace(b"\xe2\x80\xaf", b" ")
    elif thousands == " ":
        body = body.replace(b"\xa0", b" ")
    if body.strip():
        with foreign(path, "a delimited text table"):
            df = pd.read_csv(
                io.BytesIO(body),
                sep=delim,
                header=None,
                names=names,
                index_col=False,
                decimal=decimal,
                thousands=thousands,
                encoding=encoding,
                encoding_errors="replace",
                engine="c",
                skipinitialspace=True,
                skip_blank_lines=True,
                **EXACT_FLOATS,
            )
    else:
        df = pd.DataFrame({name: pd.Series(dtype=float) for name in names})
    pending: list[Pending] = []
    if cut is not None and len(df) == 0:
        raise TruncatedFileError(
            f"the file ends inside its first data row (line {first + 1}, {cut.what}); "
            "no complete row to read",
            path=path,
        )
    text = message(path, kept=len(df), cut=cut, zero_bytes=zero_bytes)
    if text:
        pending.append((TruncatedFileWarning, text))
    return _Table(df, first + 1, pending, decimal, thousands, renamed)


_WANTED = {
    "a recording": (TIME, VOLTAGE, CURRENT),
    "a spectrum": (FREQ, Z_REAL, Z_IMAG),
}


def _unit_kind(name: str) -> str | None:
    """The quantity a column's unit measures (``Zeit/h`` -> ``"time"``), if it names one."""
    unit = split_header(name)[1]
    if unit is None:
        return None
    for kind in ("time", "voltage", "current", "frequency", "impedance", "charge"):
        try:
            factor(unit, kind)
        except InputError:
            continue
        return kind
    return None


def _mapping_hint(path: Path, names: list[str], chosen: Mapping[str, Any]) -> str:
    """How to name the columns ohmslice did not recognise, as the call to make.

    For a recording and for a spectrum, each missing column is proposed from the columns
    whose unit fits it (``Zeit/h`` for ``time_s``), else left as ``'<column>'``; the one
    with more columns recognised or proposed is shown (both on a tie)."""
    taken = {v[0] for v in chosen.values()}
    proposals: dict[str, tuple[int, dict[str, str]]] = {}
    for what, wanted in _WANTED.items():
        free = [n for n in names if n not in taken]
        proposal: dict[str, str] = {}
        found = 0
        for canon in wanted:
            if canon in chosen:
                found += 1
                continue
            match = next((n for n in free if _unit_kind(n) == _KIND[canon]), None)
            if match is not None:
                free.remove(match)
                found += 1
            proposal[canon] = match or "<column>"
        proposals[what] = (found, proposal)
    top = max(found for found, _ in proposals.values())
    calls = [
        f"read({path.name!r}, columns={{"
        + ", ".join(f"{k!r}: {v!r}" for k, v in proposal.items())
        + f"}}) for {what}"
        for what, (found, proposal) in proposals.items()
        if found == top
    ]
    numbered = ""
    if names and all(re.fullmatch(r"column \d+", n) for n in names):
        numbered = "the file has no header row, so its columns are numbered; "
    return (
        f"{numbered}name the missing columns by hand, e.g. "
        + " or ".join(calls)
        + " (the unit is read from the column name, SI if it names none)"
    )


def load(path: Path, columns: Mapping[str, str] | None = None) -> ReadResult:
    """Read a CSV/TSV/Parquet table (see the module docstring).

    Warns
    -----
    TruncatedFileWarning
        The last row is cut short (or the file ends in zero bytes): the complete rows are
        read (see :mod:`ohmslice.io._truncation`).

    Raises
    ------
    MissingColumnError
        Neither time/voltage/current nor frequency/Z'/Z'' recognised (lists the columns
        found and proposes the ``columns=`` call to make), or ambiguous.
    EmptyDataError, InvalidDataError, FileFormatError, TruncatedFileError
        No rows; missing or non-numeric values in a needed column (names the row);
        not a delimited table; a Parquet file without footer, or a text file that ends
        inside its first data row.
    """
    return read_table(path, columns)


#: Fewest rows, and the most uneven spacing of log10(frequency) between neighbouring
#: rows (largest step / smallest step), for a header-less table to be taken as a spectrum.
HEADERLESS_MIN_POINTS = 5
HEADERLESS_MAX_STEP_RATIO = 4.0


def headerless_spectrum(df: pd.DataFrame) -> str | None:
    """Why a table without header row is a spectrum (f, Z', Z''), or None if it is not.

    A table of numbers only whose first three columns are frequency, Z' and Z'' (the
    layout impedance.py's ``readCSV`` and many scripts write) is recognised by its first
    column: at least :data:`HEADERLESS_MIN_POINTS` finite values, all > 0, strictly
    monotonic and spaced evenly on a log scale (the largest step of log10 f at most
    :data:`HEADERLESS_MAX_STEP_RATIO` times the smallest), as frequency sweeps are. A time
    column (spaced evenly on a linear scale, so its log steps shrink by far more) does
    not pass. Vectorised over the rows.
    """
    if df.shape[1] < 3:
        return None
    f = pd.to_numeric(df.iloc[:, 0], errors="coerce").to_numpy(dtype=float)
    if len(f) < HEADERLESS_MIN_POINTS or not np.isfinite(f).all() or (f <= 0).any():
        return None
    steps = np.abs(np.diff(np.log10(f)))
    direction = np.sign(np.diff(f))
    if not (np.all(direction > 0) or np.all(direction < 0)):
        return None
    if steps.max() > HEADERLESS_MAX_STEP_RATIO * steps.min():
        return None
    return (
        f"the table has no header row: columns 1, 2, 3 were taken as frequency (Hz), Z' "
        f"and Z'' (Ohm), because column 1 is a sweep of {len(f)} frequencies spaced evenly "
        f"on a log scale ({f.min():.4g} to {f.max():.4g})"
    )


def _imag_sign(zi: np.ndarray, column: str = "column 3") -> tuple[float, str]:
    """Sign to apply to a Z'' column whose name does not say its sign (a header-less
    table, or a name such as ``Z''`` or ``Zimag`` many programs write -Z'' under) so that
    capacitive points are negative, and the sentence saying what was decided. Most
    electrochemical spectra are capacitive over most of their points: a column that is
    positive at more than half of its points holds -Z''."""
    finite = zi[np.isfinite(zi)]
    if finite.size and np.count_nonzero(finite > 0) > finite.size / 2:
        return -1.0, (
            f"{column} is positive at {np.count_nonzero(finite > 0)} of {finite.size} points, "
            "so it holds -Z'' (capacitive arcs above the axis): it was negated"
        )
    return 1.0, (
        f"{column} is negative or 0 at most points, so it holds Z'' with its physical sign "
        "(a capacitive arc below the axis): it was kept"
    )


def read_table(
    path: Path,
    columns: Mapping[str, str] | None = None,
    *,
    info: Mapping[str, Any] | None = None,
    text: bytes | None = None,
) -> ReadResult:
    """Read a delimited text table (or Parquet) and assemble its Recording/Spectrum.

    :func:`load` with ``info`` merged into the metadata: vendor readers whose files are a
    preamble and a table this module parses (CH Instruments, Parstat, Autolab NOVA, ...)
    pass their ``format``, ``instrument``, ``technique``, ``settings`` and ``notes``;
    ``text``: the table as delimited text where the file itself is not (a spreadsheet).
    Warnings and errors as for :func:`load`.
    """
    table = _read_frame(path, text)
    df = table.frame
    names = [str(c) for c in df.columns]
    df.columns = names
    if len(df) == 0:
        raise EmptyDataError(f"no data rows below the header {names}", path=path)
    notes = list((info or {}).get("notes", []))
    numbered = bool(names) and all(re.fullmatch(r"column \d+", n) for n in names)
    imag_sign = 1.0
    if numbered and not columns:
        why = headerless_spectrum(df)
        if why is not None:
            columns = {FREQ: names[0], Z_REAL: names[1], Z_IMAG: names[2]}
            zi = pd.to_numeric(df[names[2]], errors="coerce").to_numpy(dtype=float)
            imag_sign, sign_note = _imag_sign(zi)
            notes.append(f"{why}; {sign_note}")
    if columns:
        columns = {k: table.renamed.get(v, v) if v not in names else v for k, v in columns.items()}
    chosen = recognise(names, columns, path)
    frame: dict[str, np.ndarray] = {ROW: np.arange(len(df))}
    used: dict[str, str] = {}
    for canon, (name, unit, neg) in chosen.items():
        values = _numeric(df[name], canon, table.decimal, table.thousands)
        kind = _KIND[canon]
        if kind != "count":
            values = values * factor(unit, kind, column=name, path=path)
        frame[canon] = -values if neg else values
        used[canon] = name
    named_imag = Z_IMAG in frame and not numbered and not (columns and Z_IMAG in columns)
    # a name that does not say its sign (not -Z'', not ohmslice's own z_imag_ohm)
    if named_imag and not chosen[Z_IMAG][2] and used[Z_IMAG] != Z_IMAG:
        imag_sign, sign_note = _imag_sign(frame[Z_IMAG], f"column '{used[Z_IMAG]}'")
        if imag_sign < 0:
            notes.append(sign_note)
    if imag_sign < 0:
        frame[Z_IMAG] = -frame[Z_IMAG]
        used[Z_IMAG] = f"-({used[Z_IMAG]})"
    if Z_REAL not in frame and ZMOD in frame and PHASE in frame:
        phase = np.deg2rad(frame[PHASE])
        frame[Z_REAL] = frame[ZMOD] * np.cos(phase)
        frame[Z_IMAG] = frame[ZMOD] * np.sin(phase)
        used[Z_REAL] = used[Z_IMAG] = f"{used[ZMOD]}, {used[PHASE]}"
    for c in (ZMOD, PHASE):
        frame.pop(c, None)
        used.pop(c, None)
    meta: dict[str, Any] = {
        "source": str(path),
        "format": NAME,
        "instrument": None,
        "technique": None,
        "settings": {},
        "first_data_line": table.first_line,
    }
    meta.update(info or {})
    meta["columns"] = used
    meta["notes"] = notes
    return assemble(
        pd.DataFrame(frame),
        meta,
        found=names,
        hint=_mapping_hint(path, names, {k: v for k, v in chosen.items() if k in frame}),
        pending=table.pending,
    )


register(
    Reader(
        name=NAME,
        description=DESCRIPTION,
        suffixes=(".csv", ".tsv", ".txt", ".dat", ".parquet", ".pq"),
        sniff=sniff,
        load=load,
    )
)
