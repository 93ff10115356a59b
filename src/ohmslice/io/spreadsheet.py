"""Spreadsheets: Excel workbooks (``.xlsx``, ``.xlsm``) and OpenDocument (``.ods``).

Labs keep recordings and spectra in spreadsheets as often as in CSV files: a header row of
column names (with units, ``Time (s)``, ``Ewe/V``, ``freq/Hz``, ``Z' (Ohm)``; or a units row
below it), one row per point. Each sheet is read by pandas (``openpyxl`` for Excel, ``odfpy``
for OpenDocument), rendered as tab-separated text and parsed as any lab table is
(:mod:`ohmslice.io.table`: column names in several languages, units, a header-less
f, Z', Z'' table); the first sheet that holds a recording or a spectrum is used, and
``meta["settings"]["sheet"]`` says which. Numbers are taken as the spreadsheet stores them
(not as displayed), so a decimal comma of the display does not matter; date-time cells in a
time column become seconds from the first.

Sniffed by content: a zip archive holding an Excel workbook (``xl/``) or an OpenDocument
spreadsheet (its ``mimetype`` member). An Excel 97-2003 ``.xls`` (an OLE2 file) is refused
with the advice to save it as ``.xlsx`` or CSV.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..errors import EmptyDataError, FileFormatError, InputError, MissingColumnError
from ._registry import NO, YES, Reader, ReadResult, foreign, register
from .table import read_table

NAME = "spreadsheet"
DESCRIPTION = "Excel (.xlsx) or OpenDocument (.ods) spreadsheet"
_ZIP = b"PK\x03\x04"
_ODS = b"application/vnd.oasis.opendocument.spreadsheet"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _kind(head: bytes) -> str | None:
    """``"xlsx"``, ``"ods"``, ``"xls"`` or None, from the file's first bytes."""
    if head.startswith(_OLE2):
        return "xls"
    if not head.startswith(_ZIP):
        return None
    if _ODS in head[:200]:  # the mimetype member comes first, stored uncompressed
        return "ods"
    if b"[Content_Types].xml" in head or b"xl/" in head:
        return "xlsx"
    return None


def sniff(head: bytes) -> int:
    """YES for an Excel workbook, an OpenDocument spreadsheet or an Excel 97-2003 file."""
    return YES if _kind(head) is not None else NO


def load(path: Path, columns: Mapping[str, str] | None = None) -> ReadResult:
    """Read the first sheet of a spreadsheet that holds a recording or a spectrum.

    Raises
    ------
    FileFormatError
        An Excel 97-2003 ``.xls``; a workbook the spreadsheet library cannot open (cut
        short, encrypted); no sheet holding a table of numbers.
    MissingColumnError, EmptyDataError, InvalidDataError
        As for :func:`ohmslice.io.table.load`, from the first sheet with data, where no
        sheet holds a recording or a spectrum.
    """
    with open(path, "rb") as fh:
        kind = _kind(fh.read(4096))
    if kind == "xls":
        raise FileFormatError(
            "an Excel 97-2003 workbook (.xls), which ohmslice does not read; save it as "
            ".xlsx or CSV",
            path=path,
        )
    engine = "odf" if kind == "ods" else "openpyxl"
    with foreign(path, DESCRIPTION):
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine=engine)
    first_error: InputError | None = None
    for name, sheet in sheets.items():
        cells = sheet.dropna(how="all").dropna(axis=1, how="all")
        if cells.empty:
            continue
        text = cells.to_csv(sep="\t", header=False, index=False).encode("utf-8")
        info = {"format": NAME, "settings": {"sheet": str(name)},
                "notes": [f"read from sheet '{name}'"]}  # fmt: skip
        try:
            return read_table(path, columns, info=info, text=text)
        except (MissingColumnError, EmptyDataError, FileFormatError) as exc:
            first_error = first_error or exc
    if first_error is not None:
        raise first_error
    raise FileFormatError(
        f"no sheet holds any data (sheets: {', '.join(map(str, sheets))})", path=path
    )


register(
    Reader(
        name=NAME,
        description=DESCRIPTION,
        suffixes=(".xlsx", ".xlsm", ".ods", ".xls"),
        sniff=sniff,
        load=load,
    )
)
