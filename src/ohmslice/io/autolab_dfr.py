"""Metrohm Autolab (Eco Chemie) FRA data file ``.dfr``: plain text, one value per line.

No vendor documentation is public; the layout is the one pyimpspec's parser
(``pyimpspec/data/formats/dfr.py``, "Eco Chemie .dfr") reads and its test file
``tests/data.dfr`` shows. That file holds the same 29-point spectrum as pyimpspec's
``data.P00`` and ``data.idf``, which fixes the meaning and sign of the first three values
of each point::

    VERSION8.0          the format version
     29                 N, the number of points
     1                  (one value of unknown meaning, kept in settings)
     10000.0            point 1: frequency [Hz]
     109.00918219439028          Z' [Ohm]
     26.55567987651522           -Z'' [Ohm] (positive for a capacitive arc)
     0.0  (x 6)                  six more values of unknown meaning
     ...                point 2 ... N, nine lines each
     1.0 / 1.0 / 1.0 / <date time> / <date time> / 2.0 (x 5)     closing lines

The third value is negated into ``z_imag_ohm`` (capacitive < 0, as ohmslice stores it).
The six further values of each point are not read: pyimpspec labels three of them
"E_dc", "I_dc" and "time" with question marks and they are all 0 in its sample, so
their meaning is not established. The lines after the last point are kept as written in
``meta["settings"]["trailer"]`` (the two date-time lines are not interpreted: which is
the measurement's is not known). ``meta["settings"]`` also holds ``version`` and
``points``; ``meta["instrument"]`` is "Metrohm Autolab (FRA .dfr)".

A file that ends before its N points (a point is complete with its nine lines) is read
as far as it goes with one :class:`~ohmslice.errors.TruncatedFileWarning` that gives both
counts; a non-number among the points' lines is a
:class:`~ohmslice.errors.FileFormatError` naming the line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EmptyDataError, FileFormatError, MissingColumnError, TruncatedFileError
from ..schema import FREQ, Z_IMAG, Z_REAL
from ._assemble import ROW, assemble
from ._registry import NO, YES, Reader, ReadResult, register
from ._text import decode, plain_text
from ._truncation import Cut
from ._vendor import read_text, short_of_count

NAME = "autolab-dfr"
DESCRIPTION = "Metrohm Autolab / Eco Chemie FRA data file (.dfr)"
#: Lines per point: frequency, Z', -Z'', and six values not read.
LINES_PER_POINT = 9
_VERSION = re.compile(r"^\s*VERSION\s*(\d+(?:\.\d+)*)\s*$", re.IGNORECASE)
_INTEGER = re.compile(r"^\s*\d+\s*$")


def sniff(head: bytes) -> int:
    """YES if the first line is ``VERSIONx.y`` and the next two lines are whole numbers
    (the point count and one more); NO otherwise."""
    data, encoding, _ = plain_text(head)
    lines = [ln for ln in decode(data, encoding).splitlines()[:4] if ln.strip()]
    if len(lines) >= 3 and _VERSION.match(lines[0]):
        if _INTEGER.match(lines[1]) and re.fullmatch(r"\s*[-+]?\d+(\.0*)?\s*", lines[2]):
            return YES
    return NO


def _number(path: Path, text: str, line: int, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        shown = text.strip()[:40] or "an empty line"
        raise FileFormatError(
            f"line {line} reads {shown!r} where {what} should be a number",
            path=path,
        ) from None


def load(path: Path, columns: Mapping[str, str] | None = None) -> ReadResult:
    """Read an Autolab ``.dfr`` file (see the module docstring).

    ``columns`` is not supported (the layout is fixed) and must be None.

    Warns
    -----
    TruncatedFileWarning
        The file ends before its N points; the complete points are read.

    Raises
    ------
    FileFormatError
        No ``VERSION`` line or point count, or a line of a point that is not a number.
    TruncatedFileError
        The file ends before its first complete point.
    EmptyDataError, InvalidDataError
        The header says 0 points; no usable impedance point.
    """
    if columns:
        raise MissingColumnError(
            "columns= is not used for .dfr files, whose layout is fixed (frequency, Z', "
            "-Z'' and six more values per point)",
            path=path,
        )
    text, zero_bytes = read_text(path)
    # (file line number, text) of every line that is not blank
    lines = [(k + 1, ln) for k, ln in enumerate(text.split("\n")) if ln.strip()]
    version = _VERSION.match(lines[0][1]) if lines else None
    if version is None:
        first = repr(lines[0][1].strip()[:40]) if lines else "nothing"
        raise FileFormatError(
            f"the first line reads {first}; expected 'VERSIONx.y' opening a .dfr file",
            path=path,
        )
    if len(lines) < 3 or not _INTEGER.match(lines[1][1]):
        raise FileFormatError(
            "no point count on the line after 'VERSION...'; expected a whole number",
            path=path,
        )
    declared = int(lines[1][1].strip())
    if declared == 0:
        raise EmptyDataError("the header says the file holds 0 points", path=path)
    body = lines[3:]
    complete = min(declared, len(body) // LINES_PER_POINT)
    if complete == 0:
        raise TruncatedFileError(
            f"the header says {declared} points but the file ends after "
            f"{len(body)} of the {LINES_PER_POINT} lines of the first point",
            path=path,
        )
    values = np.empty((complete, 3))
    for k in range(complete):
        for j, what in enumerate(("the frequency", "Z'", "-Z''")):
            number, line = body[k * LINES_PER_POINT + j]
            values[k, j] = _number(path, line, number, f"{what} of point {k + 1}")
        for j in range(3, LINES_PER_POINT):
            number, line = body[k * LINES_PER_POINT + j]
            _number(path, line, number, f"value {j + 1} of the 9 of point {k + 1}")
    trailer = [ln.strip() for _, ln in body[complete * LINES_PER_POINT :]]
    settings: dict[str, Any] = {
        "version": version.group(1),
        "points": declared,
        "line 3": lines[2][1].strip(),
        "trailer": trailer if complete == declared else [],
    }
    frame = pd.DataFrame({FREQ: values[:, 0], Z_REAL: values[:, 1], Z_IMAG: -values[:, 2]})
    frame.insert(0, ROW, np.arange(len(frame)))
    meta: dict[str, Any] = {
        "source": str(path),
        "format": NAME,
        "instrument": "Metrohm Autolab (FRA .dfr)",
        "technique": "EIS",
        "settings": settings,
        "columns": {FREQ: "value 1 of each point", Z_REAL: "value 2", Z_IMAG: "-(value 3)"},
        "notes": ["the third value of each point holds -Z'': negated into z_imag_ohm"],
    }
    cut = None
    partial = len(body) - complete * LINES_PER_POINT
    if complete < declared and partial:
        cut = Cut(0, f"point {complete + 1} has {partial} of its {LINES_PER_POINT} lines")
    elif complete == declared and not trailer:
        meta["notes"].append(
            "the file ends right after its last point, without the closing lines "
            "(1.0, dates, 2.0) that follow the points in other .dfr files"
        )
    pending = short_of_count(path, declared=declared, kept=complete, cut=cut, zero_bytes=zero_bytes)
    return assemble(frame, meta, found=[], impedance_only=True, hint="", pending=pending)


register(
    Reader(
        name=NAME,
        description=DESCRIPTION,
        suffixes=(".dfr",),
        sniff=sniff,
        load=load,
    )
)
