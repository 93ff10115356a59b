"""Princeton Applied Research Parstat text export (``.txt``).

One tab-separated table with a header row of named columns in units:
``Potential (V)``, ``Current (A)``, ``Elapsed Time (s)``, ``Frequency (Hz)``,
``Zre (ohms)``, ``Zim (ohms)``, ``|Vac| (V)``, ``|Iac| (A)`` (every line ends with a
tab). Rows with frequency 0 are the DC part of the run (before and between the
impedance sweeps) and form the Recording; rows with a frequency are impedance points, one
Spectrum per sweep with the rows' potential and current as ``dc_V``, ``dc_A``. Parstat
writes Z'' (``Zim``) with its physical sign, capacitive < 0, as ohmslice stores it. The
table is parsed by :mod:`ohmslice.io.table`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..schema import Spectrum
from ._registry import NO, YES, Reader, ReadResult, register
from ._text import decode, plain_text
from .table import read_table

NAME = "parstat-text"
DESCRIPTION = "Parstat text export (.txt; Princeton Applied Research)"
SIGNATURE = (
    "Potential (V)",
    "Current (A)",
    "Elapsed Time (s)",
    "Frequency (Hz)",
    "Zre (ohms)",
    "Zim (ohms)",
)


def sniff(head: bytes) -> int:
    """YES if the first line holds the tab-separated Parstat column names
    (``Potential (V)``, ``Current (A)``, ``Elapsed Time (s)``, ``Frequency (Hz)``,
    ``Zre (ohms)``, ``Zim (ohms)``, in that order); NO otherwise."""
    data, encoding, _ = plain_text(head)
    first = decode(data, encoding).lstrip().split("\n", 1)[0]
    cells = [c.strip() for c in first.rstrip("\r").split("\t")]
    return YES if tuple(cells[: len(SIGNATURE)]) == SIGNATURE else NO


def load(path: Path, columns: Mapping[str, str] | None = None) -> ReadResult:
    """Read a Parstat text export (see the module docstring); errors and warnings as for
    :func:`ohmslice.io.table.load`."""
    info = {
        "format": NAME,
        "instrument": "Parstat (Princeton Applied Research)",
        "notes": ["rows with frequency 0 are the DC part of the run, read as the Recording"],
    }
    result = read_table(path, columns, info=info)
    for obj in result if isinstance(result, list) else [result]:
        if isinstance(obj, Spectrum):
            obj.meta["technique"] = "EIS"
    return result


register(
    Reader(
        name=NAME,
        description=DESCRIPTION,
        suffixes=(".txt",),
        sniff=sniff,
        load=load,
    )
)
