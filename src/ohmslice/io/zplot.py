"""Scribner ZPlot / ZView data files (``.z``), and the same layout written by other
software (Solartron and Autolab frequency-response programs export it for ZView).

Two layouts, told apart by their first line:

* ``ZPLOT2 ASCII`` (ZPlot 2 and later): ``  Key:   value`` header lines (date, time,
  experiment type, the instrument settings in ``Begin .../End ...`` blocks,
  ``Data Points: N``), the tab-separated column names, a line ``End Comments``, then
  tab-separated rows;
* ``"ZPlotW Data File: ..."``, ``"Z60W Data File: ..."`` (ZPlot for Windows, Z60W, and
  files without the long header, e.g. impedance.py's ``exampleDataZPlot_noComments.z``
  and ``exampleDataAutolab.txt``): quoted header lines, a line of sweep parameters, the
  number of points, the quoted column names (``"  Freq(Hz)  Ampl  Bias  Time(Sec)  Z'(a)
  Z''(b)  GD  Err  Range"``), then comma-separated rows.

Columns: ``Freq(Hz)`` -> ``freq_Hz``, ``Z'(a)`` -> ``z_real_ohm``, ``Z''(b)`` ->
``z_imag_ohm`` (ZPlot writes Z'' with its physical sign, capacitive < 0, as ohmslice
stores it), ``Time(Sec)`` -> ``time_s``, ``Bias`` -> ``dc_V`` (experiment type "Control
Voltage") or ``dc_A`` ("Control Current"); ``Ampl`` (the AC amplitude, V or A) becomes
``meta["ac_amplitude_V"]`` / ``meta["ac_amplitude_A"]`` (its median). A file of several
sweeps (ZPlot's "Sweep DC" experiments) gives one Spectrum per sweep. The header is kept in
``meta["settings"]`` (``{key: value}``; the ZPlotW header lines as ``settings["header"]``),
the date and time as ``meta["acquired"]``, the program and version as
``meta["instrument"]``.

A file with fewer rows than its header's point count (``Data Points: 56`` or the count line
of the ZPlotW layout), or whose last row is cut short, is read as far as it goes with one
:class:`~ohmslice.errors.TruncatedFileWarning` that gives both counts and what the end of
the file looks like: ``the header says 56 points, 21 read: the file is cut short after its
last complete row (trimmed by hand, or copied while the sweep was running); 35 points
missing`` (impedance.py's ``exampleDataZPlot.z`` is such a hand-trimmed file), or ``its
last row is incomplete (cut mid-number: ...) and dropped`` where the file stops inside a
row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import FileFormatError, MissingColumnError, TruncatedFileError
from ..schema import CURRENT, FREQ, TIME, VOLTAGE, Z_IMAG, Z_REAL
from ._assemble import ROW, assemble
from ._registry import NO, YES, Reader, ReadResult, register
from ._text import plain_text
from ._vendor import cut_rows, parse_rows, read_text, short_of_count, si_columns

NAME = "zplot"
DESCRIPTION = "Scribner ZPlot / ZView data file (.z; also Z60W and ZPlotW exports)"
_ZPLOT2 = re.compile(rb"^\s*ZPLOT2 ASCII\s*$", re.MULTILINE)
_ZPLOTW = re.compile(rb'^"?\s*(ZPlotW|Z60W|ZView\w*|ZPlot\w*) Data File', re.IGNORECASE)
_END_COMMENTS = re.compile(r"^End Comments[ \t]*$", re.MULTILINE)
_QUOTED_HEADER = re.compile(r'^"(\s*Freq\s*\(Hz\)[^"\n]*)"[ \t]*$', re.MULTILINE | re.IGNORECASE)
_DATE = re.compile(r"Date:\s*(\S+)")
_TIME = re.compile(r"Time:\s*(\S+)")

#: Normalised ZPlot column name -> canonical column, quantity kind and unit.
COLUMNS = {
    "freq(hz)": (FREQ, "frequency", "Hz"),
    "z'(a)": (Z_REAL, "impedance", "Ohm"),
    "z''(b)": (Z_IMAG, "impedance", "Ohm"),
    "time(sec)": (TIME, "time", "s"),
}
#: ZPlot's column order, for a ZPLOT2 file whose column-name line is missing.
DEFAULT_NAMES = ["Freq(Hz)", "Ampl", "Bias", "Time(Sec)", "Z'(a)", "Z''(b)", "GD", "Err", "Range"]


def sniff(head: bytes) -> int:
    """YES if the first line is ``ZPLOT2 ASCII`` or a quoted ``ZPlotW`` / ``Z60W`` /
    ``ZView`` "Data File" title (byte-order marks looked through); NO otherwise."""
    data, _, _ = plain_text(head)
    first = data.lstrip().split(b"\n", 1)[0]
    if _ZPLOT2.match(first) or _ZPLOTW.match(first):
        return YES
    return NO


def _key(name: str) -> str:
    return re.sub(r"\s+", "", name).lower()


def _zplot2(path: Path, text: str) -> tuple[dict[str, Any], list[str], str, str, int | None]:
    """Settings, column names, separator, data text and declared point count of a
    ``ZPLOT2 ASCII`` file."""
    end = _END_COMMENTS.search(text)
    if end is None:
        raise TruncatedFileError(
            "the header never ends: no 'End Comments' line before the data (ZPLOT2 ASCII "
            "files end their header with it)",
            path=path,
        )
    head = text[: end.start()].split("\n")
    settings: dict[str, Any] = {}
    for line in head[1:]:
        key, sep, value = line.partition(":")
        if sep and key.strip():
            settings.setdefault(key.strip(), value.strip())
    names_line = head[-2] if len(head) >= 2 else ""
    names = names_line.strip().split("\t") if "freq" in names_line.lower() else DEFAULT_NAMES
    names = [n.strip() for n in names]
    points = settings.get("Data Points", "")
    declared = int(points) if points.isdecimal() else None
    return settings, names, "\t", text[end.end() + 1 :], declared


def _zplotw(path: Path, text: str) -> tuple[dict[str, Any], list[str], str, str, int | None]:
    """Settings, column names, separator, data text and declared point count of a
    ``ZPlotW`` / ``Z60W`` file."""
    m = _QUOTED_HEADER.search(text)
    if m is None:
        raise FileFormatError(
            "no quoted column-name line (\"Freq(Hz) Ampl Bias Time(Sec) Z'(a) Z''(b) ...\") "
            "before the data",
            path=path,
        )
    head = [ln.strip().strip('"').strip() for ln in text[: m.start()].split("\n")]
    head = [ln for ln in head if ln]
    declared = int(head[-1]) if head and head[-1].isdecimal() else None
    settings: dict[str, Any] = {"header": head}
    for line in head:
        if "Date:" in line and _DATE.search(line):
            settings["Date"] = _DATE.search(line).group(1)
            if _TIME.search(line):
                settings["Time"] = _TIME.search(line).group(1)
        elif line.lower().startswith("sweep ") and ":" in line:
            settings["Experiment Type"] = line.replace(":", ",")
    names = re.sub(r"\s+\(", "(", m.group(1)).split()
    rows = text[m.end() + 1 :]
    first = next((ln for ln in rows.split("\n", 50) if ln.strip()), "")
    return settings, names, "\t" if "\t" in first else ",", rows, declared


def load(path: Path, columns: Mapping[str, str] | None = None) -> ReadResult:
    """Read a ZPlot / ZView ``.z`` file (see the module docstring).

    ``columns`` is not supported (the layout names its columns one way) and must be None.

    Warns
    -----
    TruncatedFileWarning
        Fewer rows than the header's point count, or the last row cut short.

    Raises
    ------
    FileFormatError, TruncatedFileError
        No column-name line, no ``End Comments`` line ending a ZPLOT2 header, rows with
        more values than column names, or the file ends inside its first row.
    MissingColumnError
        The columns do not include Freq(Hz), Z'(a) and Z''(b).
    EmptyDataError, InvalidDataError
        No rows, or no usable impedance point.
    """
    if columns:
        raise MissingColumnError(
            "columns= is not used for ZPlot/ZView files, whose columns are always "
            "Freq(Hz), Ampl, Bias, Time(Sec), Z'(a), Z''(b), ...",
            path=path,
        )
    text, zero_bytes = read_text(path)
    body = text.lstrip()
    if body.startswith("ZPLOT2"):
        settings, names, sep, rows, declared = _zplot2(path, text)
        program = settings.get("Measured Data, ZPlot")
        instrument = f"Scribner ZPlot {program}" if program else "Scribner ZPlot"
    else:
        settings, names, sep, rows, declared = _zplotw(path, text)
        instrument = settings["header"][0] if settings["header"] else "ZPlotW"
    keys = [_key(n) for n in names]
    missing = [k for k in ("freq(hz)", "z'(a)", "z''(b)") if k not in keys]
    if missing:
        raise MissingColumnError(
            f"the column names {names} lack {missing[0]!r}; expected Freq(Hz), Z'(a) and Z''(b)",
            path=path,
        )
    rows, cut = cut_rows(path, rows, sep=sep, ncols=len(names), what="the data")
    df = parse_rows(path, rows, sep=sep, names=keys, what="ZPlot data rows")
    experiment = str(settings.get("Experiment Type", ""))
    mapping = dict(COLUMNS)
    amplitude_key = None
    if "control current" in experiment.lower():
        mapping["bias"] = (CURRENT, "current", "A")
        amplitude_key = "ac_amplitude_A"
    elif "control voltage" in experiment.lower():
        mapping["bias"] = (VOLTAGE, "voltage", "V")
        amplitude_key = "ac_amplitude_V"
    cols, used = si_columns(path, df, mapping)
    used = {k: names[keys.index(v)] for k, v in used.items()}
    frame = pd.DataFrame(cols)
    frame.insert(0, ROW, np.arange(len(frame)))
    meta: dict[str, Any] = {
        "source": str(path),
        "format": NAME,
        "instrument": instrument,
        "technique": "EIS",
        "settings": settings,
        "columns": used,
        "notes": [],
    }
    if experiment:
        meta["notes"].append(f"experiment type: {experiment}")
    if declared is not None and len(df) > declared:
        meta["notes"].append(
            f"the header says {declared} points but the file holds {len(df)} rows: all are read"
        )
    if settings.get("Date"):
        meta["acquired"] = f"{settings['Date']} {settings.get('Time', '')}".strip()
    if amplitude_key and "ampl" in df and len(df):
        amplitude = pd.to_numeric(df["ampl"], errors="coerce").to_numpy(dtype=float)
        if np.isfinite(amplitude).any():
            meta[amplitude_key] = float(np.nanmedian(amplitude))
    pending = short_of_count(
        path,
        declared=declared,
        kept=len(df),
        cut=cut,
        zero_bytes=zero_bytes,
        said_by="the header" if body.startswith("ZPLOT2") else "the header's point-count line",
    )
    return assemble(frame, meta, found=names, impedance_only=True, hint="", pending=pending)


register(
    Reader(
        name=NAME,
        description=DESCRIPTION,
        suffixes=(".z", ".txt"),
        sniff=sniff,
        load=load,
    )
)
