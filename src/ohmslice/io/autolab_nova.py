"""Metrohm Autolab NOVA impedance export (``.txt`` / ``.csv``, "Export ASCII data").

NOVA 2 writes one header row and one row per point, separated by semicolons (or tabs,
commas, as chosen on export), with the decimal mark of the Windows locale:
``Index;Frequency (Hz);Z' (Ω);-Z'' (Ω);Z (Ω);-Phase (°);Time (s)``. ``-Z''`` holds minus
the imaginary part and is negated, so that a capacitive arc has ``z_imag_ohm < 0``. An
export of several spectra (a frequency scan repeated at several potentials) gives one
Spectrum per sweep. The table is parsed by :mod:`ohmslice.io.table` (units, decimal comma,
cut last row); this module recognises NOVA's header and records the program in
``meta["instrument"]``.

Autolab's older FRA software exports for ZView (a ``"Z60W Data File"`` title): those files
are read by :mod:`ohmslice.io.zplot`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ._registry import NO, YES, Reader, ReadResult, register
from ._text import decode, plain_text
from .table import read_table

NAME = "autolab-nova"
DESCRIPTION = "Metrohm Autolab NOVA impedance export (.txt)"
_FREQ = re.compile(r"^Frequency \(Hz\)$")
_ZRE = re.compile(r"^Z' \((Ω|Ω|Ohm|ohm)\)$")
_ZIM = re.compile(r"^-Z'' \((Ω|Ω|Ohm|ohm)\)$")


def sniff(head: bytes) -> int:
    """YES if the first line (separated by semicolons, tabs or commas) holds NOVA's column
    names ``Frequency (Hz)``, ``Z' (Ω)`` and ``-Z'' (Ω)``; NO otherwise."""
    data, encoding, _ = plain_text(head)
    first = decode(data, encoding).lstrip().split("\n", 1)[0].rstrip("\r")
    for sep in (";", "\t", ","):
        cells = [c.strip().strip('"') for c in first.split(sep)]
        if (
            any(_FREQ.match(c) for c in cells)
            and any(_ZRE.match(c) for c in cells)
            and any(_ZIM.match(c) for c in cells)
        ):
            return YES
    return NO


def load(path: Path, columns: Mapping[str, str] | None = None) -> ReadResult:
    """Read a NOVA impedance export (see the module docstring); errors and warnings as
    for :func:`ohmslice.io.table.load`."""
    info = {"format": NAME, "instrument": "Metrohm Autolab (NOVA)", "technique": "EIS"}
    return read_table(path, columns, info=info)


register(
    Reader(
        name=NAME,
        description=DESCRIPTION,
        suffixes=(".txt",),
        sniff=sniff,
        load=load,
    )
)
