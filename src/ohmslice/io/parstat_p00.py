"""Impedance data file ``.P00`` (PARstat 2273 / PowerSine family, as the issue names it).

The layout, as pyimpspec's parser (``pyimpspec/data/formats/p00.py``) and its test file
``tests/data.P00`` show it (no vendor documentation is public): a few header lines, the
tab-separated column names, the point count on a line of its own, then one tab-separated
row per point, every line ending with a tab::

    Procedure : <title>
    <start date time> - <end date time> i(init)= 183.1nA - i(end)= 7.88nA
    Description
    t =  736.4 s
     f/Hz    \\t Z'/Ohm  \\t -Z''/Ohm \\t time/s  \\t Edc/V   \\t Idc/A   \\t
     29
     10.000e+03\\t 10.900e+01\\t 26.556e+00\\t 59.300e+00\\t 30.981e-02\\t 18.311e-08\\t

Columns (the unit after the ``/``): ``f`` -> ``freq_Hz``, ``Z'`` -> ``z_real_ohm``,
``-Z''`` -> ``z_imag_ohm`` negated (the file holds minus the imaginary part, so a
capacitive arc has ``z_imag_ohm < 0`` as ohmslice stores it; a ``Z''`` column is taken as
it is), ``time`` -> ``time_s``, ``Edc`` -> ``dc_V``, ``Idc`` -> ``dc_A``. Every row is an
impedance point (several sweeps in one file, where the frequency restarts, give one
Spectrum each).

``meta``: ``settings`` holds the header lines (``settings["header"]``) and what they say:
``Procedure`` (also ``meta["title"]``), ``start``, ``end`` (as written; the start is
``meta["acquired"]``), ``i(init)``, ``i(end)``, ``t`` (the run's duration as written);
``instrument`` is "PARstat (.P00)". A file with fewer rows than its point count, or whose
last row is cut, is read as far as it goes with one
:class:`~ohmslice.errors.TruncatedFileWarning` giving both counts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import FileFormatError, MissingColumnError
from ..schema import CURRENT, FREQ, TIME, VOLTAGE, Z_IMAG, Z_REAL
from ._assemble import ROW, assemble
from ._registry import NO, YES, Reader, ReadResult, register
from ._text import decode, plain_text
from ._units import factor
from ._vendor import cut_rows, numbers, parse_rows, read_text, short_of_count

NAME = "parstat-p00"
DESCRIPTION = "PARstat / PowerSine impedance data file (.P00)"

#: Quantity as written before the ``/`` -> canonical column, kind, sign.
QUANTITIES = {
    "f": (FREQ, "frequency", 1.0),
    "z'": (Z_REAL, "impedance", 1.0),
    "-z''": (Z_IMAG, "impedance", -1.0),
    "z''": (Z_IMAG, "impedance", 1.0),
    "time": (TIME, "time", 1.0),
    "edc": (VOLTAGE, "voltage", 1.0),
    "idc": (CURRENT, "current", 1.0),
}
_RUN = re.compile(
    r"^(?P<start>.+?)\s+-\s+(?P<end>.+?)\s+i\(init\)\s*=\s*(?P<i0>\S+)"
    r"\s*-\s*i\(end\)\s*=\s*(?P<i1>\S+)\s*$"
)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.rstrip("\r").split("\t")]


def _is_names(line: str) -> bool:
    """The column-name line: tab-separated, a frequency ``f/...`` first and a ``Z'`` column."""
    cells = [c.lower() for c in _cells(line) if c]
    return (
        len(cells) >= 3
        and cells[0].startswith("f/")
        and any(c.startswith(("z'/", "-z''/", "z''/")) for c in cells)
    )


def sniff(head: bytes) -> int:
    """YES if one of the first 30 lines is the tab-separated column-name line of a
    ``.P00`` (``f/Hz``, then ``Z'/Ohm`` and ``-Z''/Ohm`` or ``Z''/Ohm``); NO otherwise."""
    data, encoding, _ = plain_text(head)
    lines = decode(data, encoding).split("\n", 30)[:30]
    return YES if any("\t" in ln and _is_names(ln) for ln in lines) else NO


def _header(lines: list[str]) -> dict[str, Any]:
    """What the header lines say (see the module docstring)."""
    settings: dict[str, Any] = {"header": [ln.strip() for ln in lines if ln.strip()]}
    for line in settings["header"]:
        run = _RUN.match(line)
        if run:
            settings.update(
                start=run["start"], end=run["end"], **{"i(init)": run["i0"], "i(end)": run["i1"]}
            )
            continue
        for sep in (":", "="):
            key, found, value = line.partition(sep)
            if found and key.strip() and not key.strip()[0].isdigit():
                settings.setdefault(key.strip(), value.strip())
                break
    return settings


def load(path: Path, columns: Mapping[str, str] | None = None) -> ReadResult:
    """Read a ``.P00`` impedance file (see the module docstring).

    ``columns`` is not supported (the file names its columns) and must be None.

    Warns
    -----
    TruncatedFileWarning
        Fewer rows than the point count, or the last row cut short.

    Raises
    ------
    FileFormatError
        No column-name line, or rows with more values than column names.
    MissingColumnError
        The columns do not include f, Z' and Z'' (or -Z'').
    TruncatedFileError, EmptyDataError, InvalidDataError
        The file ends inside its first row; no rows; no usable impedance point.
    """
    if columns:
        raise MissingColumnError(
            "columns= is not used for .P00 files, whose header names the columns "
            "(f/Hz, Z'/Ohm, -Z''/Ohm, time/s, Edc/V, Idc/A)",
            path=path,
        )
    text, zero_bytes = read_text(path)
    lines = text.split("\n")
    at = next((i for i, ln in enumerate(lines[:200]) if "\t" in ln and _is_names(ln)), None)
    if at is None:
        raise FileFormatError(
            "no column-name line (tab-separated 'f/Hz', 'Z'/Ohm', '-Z''/Ohm', ...) in the "
            "first 200 lines; expected it before the data of a .P00 file",
            path=path,
        )
    settings = _header(lines[:at])
    names = _cells(lines[at])
    if names and names[-1] == "":
        names = names[:-1]  # every line ends with a tab
    keys = [n if n else f"_unnamed{k}" for k, n in enumerate(names)] + ["_end"]
    start = at + 1
    declared = None
    if start < len(lines) and re.fullmatch(r"\s*\d+\s*", lines[start]):
        declared = int(lines[start].strip())
        start += 1
    rows, cut = cut_rows(path, "\n".join(lines[start:]), sep="\t", ncols=len(keys), what="the data")
    df = parse_rows(path, rows, sep="\t", names=keys, what=".P00 data rows")
    cols: dict[str, np.ndarray] = {}
    used: dict[str, str] = {}
    for name in names:
        quantity, _, unit = name.rpartition("/")
        spec = QUANTITIES.get(quantity.strip().lower())
        if spec is None or spec[0] in cols:
            continue
        canon, kind, sign = spec
        cols[canon] = sign * numbers(df[name]) * factor(unit.strip(), kind, column=name, path=path)
        used[canon] = name
    missing = [c for c in (FREQ, Z_REAL, Z_IMAG) if c not in cols]
    if missing:
        raise MissingColumnError(
            f"the column names {names} lack {missing[0]}; expected f/Hz, Z'/Ohm and -Z''/Ohm",
            path=path,
        )
    frame = pd.DataFrame(cols)
    frame.insert(0, ROW, np.arange(len(frame)))
    meta: dict[str, Any] = {
        "source": str(path),
        "format": NAME,
        "instrument": "PARstat (.P00)",
        "technique": "EIS",
        "settings": settings,
        "columns": used,
        "notes": [],
        "first_data_line": start + 1,
    }
    if settings.get("Procedure"):
        meta["title"] = settings["Procedure"]
    if settings.get("start"):
        meta["acquired"] = settings["start"]
    if Z_IMAG in used and used[Z_IMAG].lstrip().startswith("-"):
        meta["notes"].append(f"'{used[Z_IMAG]}' holds -Z'': negated into z_imag_ohm")
    if declared is not None and len(df) > declared:
        meta["notes"].append(
            f"the header says {declared} points but the file holds {len(df)} rows: all are read"
        )
    pending = short_of_count(path, declared=declared, kept=len(df), cut=cut, zero_bytes=zero_bytes)
    return assemble(frame, meta, found=names, impedance_only=True, hint="", pending=pending)


register(
    Reader(
        name=NAME,
        description=DESCRIPTION,
        suffixes=(".p00",),
        sniff=sniff,
        load=load,
    )
)
