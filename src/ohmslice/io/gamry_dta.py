"""Gamry Framework data file (``.DTA``, the "EXPLAIN" format).

Layout: the line ``EXPLAIN``, then one ``KEY<tab>TYPE<tab>VALUE<tab>label`` line per
setting (``TAG<tab>EISPOT`` names the experiment, ``PSTAT`` the potentiostat, ``DATE``,
``TIME``, ``VAC``, ``VDC``, ...; a ``NOTES`` line is followed by as many note lines as it
says), and tables: a line ``NAME<tab>TABLE[<tab>rows]``, a line of column names and a line
of units (both starting with a tab), then one tab-indented line per row. A table ends at
the first line that does not start with a tab. Numbers use a decimal point or, in some
Windows locales, a decimal comma. The text is Latin-1 or UTF-8.

Tables read:

* ``ZCURVE`` (and ``ZCURVE2``, ...): impedance points. ``Freq`` [Hz] -> ``freq_Hz``,
  ``Zreal`` / ``Zimag`` [ohm] -> ``z_real_ohm`` / ``z_imag_ohm`` (Gamry writes Z'' with
  its physical sign, capacitive < 0, as ohmslice stores it), ``Time`` [s], ``Vdc`` [V],
  ``Idc`` [A] -> each spectrum's ``time_s``, ``dc_V``, ``dc_A``. One Spectrum per sweep
  (:mod:`ohmslice.io._assemble` cuts where the frequency restarts).
* ``CURVE``, ``CURVE1``, ``CURVE2``, ...: the time series of chronopotentiometry,
  chronoamperometry, open-circuit and cyclic techniques. ``T`` [s] -> ``time_s``, ``Vf``
  [V vs. Ref.] -> ``voltage_V``, ``Im`` [A] -> ``current_A`` (taken with the file's sign;
  Gamry's default convention, ``CONVENTION`` 1, is anodic current positive, as ohmslice
  expects); a table without ``Im`` (open circuit) gets current 0, said in
  ``meta["notes"]``. Numbered curves are concatenated in file order with ``cycle`` = the
  curve number; they share one time axis, so a Gamry GITT is one Recording.

``OCVCURVE`` (the open-circuit voltage measured before the experiment, on its own time
axis) and other tables (``FRACURVE``, ``CAPACITYCURVE``, ...) are not returned; they are
listed in ``meta["notes"]``. Every header setting is kept in ``meta["settings"]``
(numbers as floats, toggles as booleans, two-parameter settings as
``{"on": bool, "values": [a, b]}``); ``meta["instrument"]`` is ``"Gamry <PSTAT>"``,
``meta["technique"]`` the ``TAG`` (``EISPOT`` -> ``PEIS``, ``EISGALV`` -> ``GEIS``,
``CHRONOP`` -> ``CP``, ``CHRONOA`` -> ``CA``, ``CORPOT`` -> ``OCV``; others as written),
``meta["acquired"]`` the ``DATE`` and ``TIME`` as written, ``meta["ac_amplitude_V"]`` the
``VAC`` setting in V rms and ``meta["dc_potential_V"]`` the ``VDC`` setting.

A run stopped before its end (``EXPERIMENTABORTED`` is ``T``) is read as far as it went,
with one :class:`~ohmslice.errors.TruncatedFileWarning` naming the sweep range set and the
one measured. The same warning reports a last row cut short (the file ended while being
written; see :mod:`ohmslice.io._truncation`) and a table with fewer rows than its
``TABLE`` line declares.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import (
    FileFormatError,
    MissingColumnError,
    TruncatedFileError,
    TruncatedFileWarning,
    show_path,
)
from ..schema import CURRENT, CYCLE, FREQ, TIME, VOLTAGE, Z_IMAG, Z_REAL
from ._assemble import ROW, assemble
from ._registry import NO, YES, Reader, ReadResult, foreign, register
from ._text import EXACT_FLOATS, decode, plain_text
from ._truncation import count, last_line_cut
from ._units import factor
from ._vendor import check_first_row
from ._warn import Pending

NAME = "gamry-dta"
DESCRIPTION = "Gamry Framework data file (.DTA): EIS ZCURVE, time-series CURVE tables"
_MAGIC = re.compile(rb"^EXPLAIN[ \t]*\r?\n(?:[ \t]*\r?\n)*TAG\t")
_TABLE = re.compile(r"^([^\t\n]+)\tTABLE(?:\t([^\n]*))?$", re.MULTILINE)
_TABLE_END = re.compile(r"\n(?!\t)")
_ZCURVE = re.compile(r"^ZCURVE\d*$")
_CURVE = re.compile(r"^CURVE(\d*)$")

#: Gamry experiment tags -> ohmslice technique names.
TECHNIQUES = {
    "EISPOT": "PEIS",
    "EISGALV": "GEIS",
    "CHRONOP": "CP",
    "CHRONOA": "CA",
    "CORPOT": "OCV",
    "CV": "CV",
}

#: Column of a ZCURVE / CURVE table -> (canonical column, quantity kind).
Z_COLUMNS = {
    "Freq": (FREQ, "frequency"),
    "Zreal": (Z_REAL, "impedance"),
    "Zimag": (Z_IMAG, "impedance"),
    "Time": (TIME, "time"),
    "Vdc": (VOLTAGE, "voltage"),
    "Idc": (CURRENT, "current"),
}
CURVE_COLUMNS = {
    "T": (TIME, "time"),
    "Vf": (VOLTAGE, "voltage"),
    "Im": (CURRENT, "current"),
}


def sniff(head: bytes) -> int:
    """YES if the file starts with the line ``EXPLAIN`` followed by a ``TAG`` line
    (a byte-order mark and UTF-16 are looked through); NO otherwise."""
    data, _, _ = plain_text(head)
    return YES if _MAGIC.match(data) else NO


def _number(text: str) -> float | str:
    """A header value as a float (decimal point or comma), or the text if it is none."""
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return text.strip()


def parse_header(lines: list[str]) -> dict[str, Any]:
    """The settings of the lines outside the tables, as ``{KEY: value}``.

    ``QUANT``, ``IQUANT`` and ``POTEN`` values become floats where they are numbers,
    ``TOGGLE`` values booleans, ``TWOPARAM`` values ``{"on": bool, "values": [a, b]}``,
    ``NOTES`` the text of the note lines that follow; ``TAG`` maps to the experiment tag;
    everything else is kept as text.
    """
    settings: dict[str, Any] = {}
    k = 0
    while k < len(lines):
        fields = lines[k].rstrip("\r").split("\t")
        k += 1
        if len(fields) < 2 or not fields[0].strip():
            continue
        key, kind = fields[0].strip(), fields[1].strip()
        value = fields[2] if len(fields) > 2 else ""
        if key == "TAG":
            settings[key] = kind
        elif kind in ("QUANT", "IQUANT", "POTEN"):
            settings[key] = _number(value)
        elif kind == "TOGGLE":
            settings[key] = value.strip().upper() in ("T", "TRUE")
        elif kind == "TWOPARAM" and len(fields) > 4:
            settings[key] = {
                "on": value.strip().upper() in ("T", "TRUE"),
                "values": [_number(fields[3]), _number(fields[4])],
            }
        elif kind == "NOTES":
            n = int(value) if value.strip().isdecimal() else 0
            settings[key] = "\n".join(ln.strip() for ln in lines[k : k + n]).strip()
            k += n
        else:
            settings[key] = value.strip()
    return settings


class _Table:
    """One table of the file: its name, declared rows, column names, units and rows."""

    def __init__(self, name: str, declared: str | None, body: str, at_end: bool) -> None:
        self.name = name
        self.declared = int(declared) if declared and declared.strip().isdecimal() else None
        parts = body.split("\n", 2)
        self.names = [n.strip() for n in parts[0].rstrip("\t").split("\t")[1:]] if parts else []
        units = parts[1].split("\t")[1:] if len(parts) > 1 else []
        self.units = dict(zip(self.names, (u.strip() for u in units), strict=False))
        self.rows = parts[2] if len(parts) > 2 else ""
        self.complete_header = len(parts) > 2 or (len(parts) == 2 and not at_end)
        self.at_end = at_end


def _tables(text: str) -> tuple[list[str], list[_Table]]:
    """The lines outside tables, and the tables in file order (text with ``\\n`` breaks)."""
    outside: list[str] = []
    tables: list[_Table] = []
    pos = 0
    for m in _TABLE.finditer(text):
        if m.start() < pos:
            continue  # a TABLE-like line inside the rows of the previous table
        outside.extend(text[pos : m.start()].split("\n"))
        start = m.end() + 1
        end = _TABLE_END.search(text, m.end())
        stop = end.start() if end else len(text)
        body = text[start:stop] if start <= stop else ""
        tables.append(_Table(m.group(1).strip(), m.group(2), body, end is None))
        pos = stop + 1
    outside.extend(text[pos:].split("\n"))
    return outside, tables


def _parse_rows(
    path: Path, table: _Table, decimal: str, wanted: Mapping[str, Any]
) -> tuple[pd.DataFrame, str | None]:
    """The ``wanted`` columns of ``table``'s rows as a DataFrame (named as in the file),
    and what is wrong with a last row cut short (the table runs to the end of the file),
    if anything. One vectorised ``pandas.read_csv`` call; a row with more values than
    the table names columns raises :class:`~ohmslice.errors.FileFormatError`."""
    rows = table.rows
    cut_what = None
    if table.at_end and rows.strip():
        raw = rows.encode("utf-8")
        cut = last_line_cut(raw, sep=b"\t", ncols=len(table.names) + 1)
        if cut is not None:
            cut_what = cut.what
            rows = raw[: cut.keep].decode("utf-8")
            if not rows.strip():
                raise TruncatedFileError(
                    f"the file ends inside the first row of the {table.name} table "
                    f"({cut.what}); no complete row to read",
                    path=path,
                )
    use = [n for n in table.names if n in wanted]
    if not rows.strip():
        return pd.DataFrame({n: pd.Series(dtype=float) for n in use}), cut_what
    # every column is parsed (not only ``use``), so that a row with more values than the
    # table names columns is refused by the parser rather than silently cut
    check_first_row(
        path, rows, sep="\t", ncols=len(table.names) + 1, what=f"the {table.name} table"
    )
    with foreign(path, f"a Gamry {table.name} table"):
        df = pd.read_csv(
            io.StringIO(rows),
            sep="\t",
            header=None,
            names=["_lead", *table.names],
            index_col=False,
            decimal=decimal,
            engine="c",
            skip_blank_lines=True,
            **EXACT_FLOATS,
        )
    df = df[use]
    return df, cut_what


def _canonical(
    path: Path, table: _Table, df: pd.DataFrame, mapping: Mapping[str, tuple[str, str]]
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The columns of ``mapping`` found in ``df``, converted to SI by the table's units."""
    out: dict[str, np.ndarray] = {}
    used: dict[str, str] = {}
    for name, (canon, kind) in mapping.items():
        if name not in df:
            continue
        unit = (table.units.get(name, "").split(" ") or [""])[0] or None  # 'V vs. Ref.' -> V
        column = df[name]
        if column.dtype.kind not in "biuf":  # a cell that is not a number: NaN, reported
            column = pd.to_numeric(column.astype("string").str.strip(), errors="coerce")
        values = column.to_numpy(dtype=float, na_value=np.nan)
        out[canon] = values * factor(unit, kind, column=f"{table.name} {name}", path=path)
        used[canon] = f"{table.name} {name}" + (f" ({unit})" if unit else "")
    return out, used


def _range(values: np.ndarray) -> str:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return "no frequency"
    return f"{finite.max():.4g} to {finite.min():.4g} Hz"


def load(path: Path, columns: Mapping[str, str] | None = None) -> ReadResult:
    """Read a Gamry ``.DTA`` file (see the module docstring).

    ``columns`` is not supported (Gamry names its columns one way) and must be None.

    Warns
    -----
    TruncatedFileWarning
        The run was aborted, the last row is cut short, or a table holds fewer rows than
        its ``TABLE`` line declares; the rows there are read.

    Raises
    ------
    FileFormatError
        No ZCURVE or CURVE table, a table without column names, or rows the parser
        rejects (more values than names).
    MissingColumnError
        A ZCURVE without Freq, Zreal, Zimag, or a CURVE without T and Vf.
    TruncatedFileError
        The file ends inside the header of the table to read or in its first row.
    EmptyDataError, InvalidDataError
        No rows; a time or voltage that is not a number (names the row).
    """
    if columns:
        raise MissingColumnError(
            "columns= is not used for Gamry .DTA files, whose tables name their columns "
            "(ZCURVE: Freq, Zreal, Zimag; CURVE: T, Vf, Im)",
            path=path,
        )
    data, encoding, zero_bytes = plain_text(path.read_bytes())
    text = decode(data, encoding).replace("\r\n", "\n").replace("\r", "\n")
    outside, tables = _tables(text)
    settings = parse_header(outside)
    zcurves = [t for t in tables if _ZCURVE.match(t.name)]
    curves = [t for t in tables if _CURVE.match(t.name)]
    if not zcurves and not curves:
        found = ", ".join(t.name for t in tables) or "none"
        raise FileFormatError(
            f"holds no ZCURVE (impedance) or CURVE (time series) table; tables found: {found}",
            path=path,
        )
    for t in zcurves + curves:
        if not t.complete_header:
            raise TruncatedFileError(
                f"the file ends inside the header of the {t.name} table (its column names "
                "and units lines)",
                path=path,
            )
        if not t.names:
            raise FileFormatError(f"the {t.name} table has no column names", path=path)
    sample = "\n".join(t.rows[:4096] for t in zcurves + curves)
    decimal = (
        "," if re.search(r"\t-?\d+,\d", sample) and not re.search(r"\t-?\d+\.\d", sample) else "."
    )

    tag = str(settings.get("TAG", "")) or None
    meta: dict[str, Any] = {
        "source": str(path),
        "format": NAME,
        "instrument": f"Gamry {settings['PSTAT']}" if settings.get("PSTAT") else "Gamry",
        "technique": TECHNIQUES.get(tag or "", tag),
        "settings": settings,
        "notes": [],
    }
    if settings.get("DATE") or settings.get("TIME"):
        meta["acquired"] = f"{settings.get('DATE', '')} {settings.get('TIME', '')}".strip()
    if isinstance(settings.get("VAC"), float):
        meta["ac_amplitude_V"] = settings["VAC"] * 1e-3  # "AC Voltage (mV rms)"
    if isinstance(settings.get("VDC"), float):
        meta["dc_potential_V"] = settings["VDC"]
    skipped = [t for t in tables if t not in zcurves and t not in curves]
    if skipped:
        meta["notes"].append(
            "tables not returned: "
            + ", ".join(
                f"{t.name} ({count(t.rows.count(chr(10)) + bool(t.rows.strip()))} rows)"
                for t in skipped
            )
        )

    lead = []
    if zero_bytes:
        lead.append(
            f"the file ends in {count(zero_bytes)} zero bytes (the computer stopped while it "
            "was being written?)"
        )
    out: list[Any] = []
    if curves:
        out.extend(_items(_load_curves(path, curves, decimal, meta, lead)))
        lead = []
    if zcurves:
        out.extend(_items(_load_zcurves(path, zcurves, decimal, meta, settings, lead)))
    return out[0] if len(out) == 1 else out


def _pending(path: Path, problems: list[str]) -> list[Pending]:
    """One TruncatedFileWarning naming the file and every problem, or none."""
    if not problems:
        return []
    return [(TruncatedFileWarning, f"{show_path(path)}: " + "; ".join(problems))]


def _items(result: ReadResult) -> list[Any]:
    return result if isinstance(result, list) else [result]


def _rows_problem(table: _Table, kept: int, cut_what: str | None) -> str | None:
    """What is missing from a table read: a cut last row, fewer rows than declared."""
    parts = []
    if cut_what:
        parts.append(f"the last row of {table.name} is incomplete ({cut_what}): 1 row dropped")
    have = kept + (1 if cut_what else 0)
    if table.declared is not None and table.declared > have:
        parts.append(
            f"the {table.name} TABLE line declares {count(table.declared)} rows but the "
            f"file holds {count(have)} ({count(table.declared - have)} missing)"
        )
    return "; ".join(parts) or None


def _load_zcurves(
    path: Path,
    tables: list[_Table],
    decimal: str,
    meta: Mapping[str, Any],
    settings: Mapping[str, Any],
    lead: list[str],
) -> ReadResult:
    frames, used = [], {}
    problems = list(lead)
    for t in tables:
        df, cut_what = _parse_rows(path, t, decimal, Z_COLUMNS)
        missing = [n for n in ("Freq", "Zreal", "Zimag") if n not in t.names]
        if missing:
            raise MissingColumnError(
                f"the {t.name} table has no column {missing[0]!r}; it names {t.names}, "
                "expected Freq, Zreal and Zimag",
                path=path,
            )
        cols, used = _canonical(path, t, df, Z_COLUMNS)
        frames.append(pd.DataFrame(cols))
        problem = _rows_problem(t, len(df), cut_what)
        if problem:
            problems.append(problem)
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(0, ROW, np.arange(len(frame)))
    if settings.get("EXPERIMENTABORTED") is True:
        planned = ""
        if isinstance(settings.get("FREQINIT"), float) and isinstance(
            settings.get("FREQFINAL"), float
        ):
            planned = (
                f"the sweep was set from {settings['FREQINIT']:.4g} to "
                f"{settings['FREQFINAL']:.4g} Hz, "
            )
        problems.insert(
            len(lead),
            f"the run was aborted (EXPERIMENTABORTED is T): {planned}the "
            f"{'/'.join(t.name for t in tables)} table holds {count(len(frame))} points from "
            f"{_range(frame[FREQ].to_numpy())}, all read",
        )
    m = dict(meta)
    m["columns"] = used
    m["notes"] = list(meta["notes"])
    return assemble(
        frame,
        m,
        found=tables[0].names,
        impedance_only=True,
        hint="",
        pending=_pending(path, problems),
    )


def _load_curves(
    path: Path, tables: list[_Table], decimal: str, meta: Mapping[str, Any], lead: list[str]
) -> ReadResult:
    frames, used = [], {}
    problems = list(lead)
    notes = list(meta["notes"])
    numbered = len(tables) > 1 or bool(_CURVE.match(tables[0].name).group(1))
    for t in tables:
        df, cut_what = _parse_rows(path, t, decimal, CURVE_COLUMNS)
        missing = [n for n in ("T", "Vf") if n not in t.names]
        if missing:
            raise MissingColumnError(
                f"the {t.name} table has no column {missing[0]!r}; it names {t.names}, "
                "expected T, Vf and Im",
                path=path,
            )
        cols, used_t = _canonical(path, t, df, CURVE_COLUMNS)
        if CURRENT not in cols:
            cols[CURRENT] = np.zeros(len(df))
            used_t[CURRENT] = "none (open circuit): 0"
            note = f"the {t.name} table has no current column (Im): current_A is 0"
            if note not in notes:
                notes.append(note)
        if numbered:
            number = _CURVE.match(t.name).group(1)
            cols[CYCLE] = np.full(len(df), int(number) if number else 0)
            used_t[CYCLE] = "curve number"
        used.update(used_t)
        frames.append(pd.DataFrame(cols))
        problem = _rows_problem(t, len(df), cut_what)
        if problem:
            problems.append(problem)
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(0, ROW, np.arange(len(frame)))
    m = dict(meta)
    m["columns"] = used
    m["notes"] = notes
    return assemble(frame, m, found=tables[0].names, hint="", pending=_pending(path, problems))


register(
    Reader(
        name=NAME,
        description=DESCRIPTION,
        suffixes=(".dta",),
        sniff=sniff,
        load=load,
    )
)
