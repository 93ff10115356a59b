"""CH Instruments text export (``.txt``, "Save As Text" of the CHI electrochemical
workstations: CHI600/700/1000/660 series).

Layout: a preamble -- the date and time, the technique (``A.C. Impedance``,
``Chronopotentiometry``, ``Open Circuit Potential - Time``, ...), ``File:``,
``Data Source:``, ``Instrument Model:  CHI660E``, ``Header:``, ``Note:``, then
``Name (unit) = value`` settings -- followed by a comma-separated table whose header names
the units (``Freq/Hz, Z'/ohm, Z"/ohm, Z/ohm, Phase/deg``; ``Time/sec, Potential/V,
Current/A``). The table is parsed by :mod:`ohmslice.io.table` (column names and units
recognised, cut last row, decimal comma); CH Instruments writes Z'' with its physical sign
(capacitive < 0), as ohmslice stores it, and current with the file's sign.

The preamble is kept in ``meta["settings"]``; ``meta["instrument"]`` is the model,
``meta["technique"]`` the technique (``A.C. Impedance`` -> ``PEIS``; others as written),
``meta["acquired"]`` the date line, ``meta["ac_amplitude_V"]`` the ``Amplitude (V)`` and
``meta["dc_potential_V"]`` the ``Init E (V)`` setting of an impedance run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._registry import NO, YES, Reader, ReadResult, register
from ._text import decode, plain_text
from ._vendor import read_text
from .table import layout, read_table

NAME = "chi-text"
DESCRIPTION = "CH Instruments text export (.txt)"
_MODEL = re.compile(r"^Instrument Model:\s*(CHI\S*)", re.MULTILINE)
#: CH Instruments technique names -> ohmslice technique names.
TECHNIQUES = {
    "A.C. Impedance": "PEIS",
    "Chronopotentiometry": "CP",
    "Open Circuit Potential - Time": "OCV",
    "Cyclic Voltammetry": "CV",
    "Linear Sweep Voltammetry": "LSV",
}


def sniff(head: bytes) -> int:
    """YES if one of the first 12 lines reads ``Instrument Model:  CHI...``; NO otherwise."""
    data, encoding, _ = plain_text(head)
    lines = decode(data, encoding).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return YES if _MODEL.search("\n".join(lines[:12])) else NO


def parse_preamble(lines: list[str]) -> dict[str, Any]:
    """The preamble lines as settings: ``date`` (line 1), ``technique`` (line 2),
    ``Key: value`` and ``Key = value`` lines as entries, other lines under ``flags``."""
    settings: dict[str, Any] = {}
    flags: list[str] = []
    for i, line in enumerate(lines):
        text = line.strip()
        if not text:
            continue
        if i == 0:
            settings["date"] = text
        elif i == 1:
            settings["technique"] = text
        elif " = " in text:
            key, _, value = text.partition(" = ")
            settings[key.strip()] = value.strip()
        elif ":" in text:
            key, _, value = text.partition(":")
            settings[key.strip()] = value.strip()
        else:
            flags.append(text)
    if flags:
        settings["flags"] = flags
    return settings


def _float(text: Any) -> float | None:
    try:
        return float(str(text).strip())
    except ValueError:
        return None


def load(path: Path, columns: Mapping[str, str] | None = None) -> ReadResult:
    """Read a CH Instruments text export (see the module docstring); errors and warnings
    as for :func:`ohmslice.io.table.load`."""
    text, _ = read_text(path)
    found = layout(text[:65536])
    lines = text.split("\n")
    settings = parse_preamble(lines[: found.header] if found else lines[:20])
    technique = settings.get("technique")
    info: dict[str, Any] = {
        "format": NAME,
        "instrument": settings.get("Instrument Model"),
        "technique": TECHNIQUES.get(technique, technique),
        "settings": settings,
    }
    if settings.get("date"):
        info["acquired"] = settings["date"]
    amplitude, dc = _float(settings.get("Amplitude (V)")), _float(settings.get("Init E (V)"))
    if amplitude is not None:
        info["ac_amplitude_V"] = amplitude
    if dc is not None and info["technique"] == "PEIS":
        info["dc_potential_V"] = dc
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
