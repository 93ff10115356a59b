"""Princeton Applied Research PowerSuite impedance text export (``.txt``).

Three tab-separated columns under the header ``Frequency``, ``Zre``, ``Zimg`` (no units:
Hz and Ohm), lines ending in CR CR LF. PowerSuite writes Z'' (``Zimg``) with its physical
sign, capacitive < 0, as ohmslice stores it. The table is parsed by
:mod:`ohmslice.io.table`; this module recognises the header (the ``Zimg`` spelling is
PowerSuite's) and records the program in ``meta["instrument"]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ._registry import NO, YES, Reader, ReadResult, register
from ._text import decode, plain_text
from .table import read_table

NAME = "powersuite-text"
DESCRIPTION = "PowerSuite impedance text export (.txt; Princeton Applied Research)"
SIGNATURE = ("frequency", "zre", "zimg")


def sniff(head: bytes) -> int:
    """YES if the first line is exactly the tab-separated header ``Frequency``, ``Zre``,
    ``Zimg`` (spaces around the names allowed); NO otherwise."""
    data, encoding, _ = plain_text(head)
    first = decode(data, encoding).lstrip().split("\n", 1)[0]
    cells = tuple(c.strip().lower() for c in first.rstrip("\r").split("\t"))
    return YES if cells == SIGNATURE else NO


def load(path: Path, columns: Mapping[str, str] | None = None) -> ReadResult:
    """Read a PowerSuite text export (see the module docstring); errors and warnings as
    for :func:`ohmslice.io.table.load`."""
    info = {
        "format": NAME,
        "instrument": "PowerSuite (Princeton Applied Research)",
        "technique": "EIS",
    }
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
