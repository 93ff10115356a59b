"""Readers: instrument files -> :class:`~ohmslice.schema.Recording` /
:class:`~ohmslice.schema.Spectrum` in canonical columns and SI units.

>>> import ohmslice
>>> data = ohmslice.read("cell_GITT_C01.mpr")          # doctest: +SKIP

:func:`read` looks at the first bytes of the file, not only at its name, and hands it to
the reader that recognises the content; the suffix only breaks ties. Built-in formats:

===================  ============================================  ===================
format               what                                          suffixes
===================  ============================================  ===================
``biologic-mpr``     BioLogic EC-Lab binary (via galvani)          ``.mpr``
``biologic-mpt``     BioLogic EC-Lab text export                   ``.mpt``
``gamry-dta``        Gamry Framework data (ZCURVE, CURVE tables)   ``.DTA``
``zplot``            Scribner ZPlot / ZView, Z60W, ZPlotW          ``.z .txt``
``versastudio-par``  AMETEK / PAR VersaStudio                      ``.par``
``parstat-text``     Parstat text export                           ``.txt``
``powersuite-text``  PowerSuite impedance text export              ``.txt``
``chi-text``         CH Instruments text export                    ``.txt``
``autolab-nova``     Metrohm Autolab NOVA impedance export         ``.txt``
``autolab-dfr``      Metrohm Autolab / Eco Chemie FRA data file    ``.dfr``
``ivium``            Ivium data file, impedance measurements       ``.idf .ids``
``parstat-p00``      PARstat / PowerSine impedance data file       ``.P00``
``neware``           Neware BTS cycler file (via NewareNDA)        ``.nda .ndax``
``spreadsheet``      Excel / OpenDocument sheet, as a table        ``.xlsx .xlsm .ods``
``table``            CSV / TSV / Parquet, columns recognised       ``.csv .tsv .txt
                                                                   .dat .parquet .pq``
===================  ============================================  ===================

A file holding both impedance sweeps and time-series rows (an EC-Lab Modulo Bat sequence,
looped PEIS) gives a list ``[recording, spectrum_0, spectrum_1, ...]``: one Recording with
every non-impedance row (so a GITT analysis sees all pulses and rests together) and one
Spectrum per sweep; see :mod:`ohmslice.io._assemble`.

A new vendor format is one new module in this package that builds a
:class:`~ohmslice.io._registry.Reader` and calls :func:`register` at import time; every
public module of the package is imported here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from os import PathLike
from pathlib import Path

from .._paths import check_input_file, os_reason
from ..errors import AnalysisInputError, EmptyDataError, FileFormatError, InputError
from ..schema import Recording, Spectrum
from ._registry import SNIFF_BYTES, YES, Reader, ReadResult, foreign, get, register, registered

__all__ = [
    "Reader",
    "ReadResult",
    "foreign",
    "read",
    "read_recording",
    "read_spectra",
    "readers",
    "register",
]

for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if not _mod.startswith("_"):
        importlib.import_module(f"{__name__}.{_mod}")


def readers() -> list[Reader]:
    """The registered file formats: each has ``name``, ``description``, ``suffixes``."""
    return registered()


def _preview(head: bytes) -> str:
    """The first bytes of a file as a person reads them: text in quotes, else hex."""
    text = head[:24].decode("utf-8", errors="replace")
    if text and all(c.isprintable() or c in "\t\r\n" for c in text):
        return '"' + " ".join(text.split()) + '"'
    return "the bytes " + " ".join(f"{b:02X}" for b in head[:8])


def _choose(head: bytes, path: Path) -> Reader:
    suffix = path.suffix.lower()
    for reader in registered():  # the best rank there is: sure of the content, and the suffix
        if suffix in reader.suffixes and reader.sniff(head) >= YES:
            return reader
    ranked = sorted(
        ((r.sniff(head), suffix in r.suffixes, -i, r) for i, r in enumerate(registered())),
        key=lambda t: t[:3],
        reverse=True,
    )
    if not ranked or ranked[0][0] <= 0:
        expected = "; ".join(f"{r.description} [{' '.join(r.suffixes)}]" for r in registered())
        raise FileFormatError(
            f"not a file format ohmslice reads (it starts with {_preview(head)}); expected "
            f"one of: {expected}",
            path=path,
        )
    return ranked[0][3]


def read(
    path: str | PathLike[str],
    *,
    format: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> ReadResult:
    """Read an instrument file into canonical tables.

    Parameters
    ----------
    path
        The file.
    format
        A reader name (see :func:`readers`) to skip content sniffing.
    columns
        ``{canonical column: file column}`` for columns the reader does not recognise on
        its own, e.g. ``{"time_s": "Elapsed (h)", "voltage_V": "U"}``; the unit is read
        from the file column's name (``(h)``, ``/mA``, ...), SI if it names none.

    Returns
    -------
    Recording, Spectrum, or list of them
        A list when the file holds several (recording first, then one spectrum per
        impedance sweep in file order). ``meta`` of each holds ``source``, ``format``,
        ``instrument``, ``technique``, ``settings`` (the header), ``columns`` (which
        file column each canonical column came from) and ``notes``.

    Warns
    -----
    TruncatedFileWarning, UnitWarning, DuplicateTimeWarning, DroppedPointsWarning
        The file was read, but not all of it as written (see
        :mod:`ohmslice.errors`); each warning is issued once per file and its text is
        kept in ``meta["warnings"]`` of every object returned.

    Raises
    ------
    InputError
        The path is not a regular file ohmslice may read: missing, a folder, a named
        pipe, socket or device (refused without opening it), a symlink loop, a name too
        long, no permission (:func:`ohmslice._paths.check_input_file`).
    EmptyDataError
        The file is empty or holds no data rows.
    TruncatedFileError
        The file ends before its header, or inside its first data row (a text file cut
        later is read up to its last complete row, with a TruncatedFileWarning).
    FileFormatError
        No reader recognises the content (the message lists the formats expected), or the
        chosen reader's parser rejects it; :class:`~ohmslice.errors.UnknownColumnError`
        for a binary column ID no reader knows.
    MissingColumnError, InvalidDataError, InputError
        The columns needed are absent or hold values that cannot be used.
    """
    p = check_input_file(path)
    try:
        with p.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise InputError(os_reason(exc), path=p) from None
    if not head:
        raise EmptyDataError("empty file (0 bytes)", path=p)
    if not head.strip(b" \t\r\n\x00") and p.stat().st_size <= SNIFF_BYTES:
        raise EmptyDataError("the file holds only blank space, no data", path=p)
    if columns is not None and not isinstance(columns, Mapping):
        raise InputError(
            f"columns= must map canonical names to file columns, got {type(columns).__name__}",
            path=p,
        )
    try:
        reader = get(format) if format else _choose(head, p)
    except InputError as exc:
        exc.with_path(p)
        raise
    try:
        return reader.load(p, columns)
    except InputError as exc:
        exc.with_path(p)  # name the file if the reader did not; keep the cause
        raise


def _items(result: ReadResult) -> list[Recording | Spectrum]:
    return result if isinstance(result, list) else [result]


def read_recording(path: str | PathLike[str], **kwargs) -> Recording:
    """The time series of a file (its single Recording); see :func:`read` for arguments.

    Raises
    ------
    AnalysisInputError
        The file holds only impedance spectra.
    """
    recs = [x for x in _items(read(path, **kwargs)) if isinstance(x, Recording)]
    if not recs:
        raise AnalysisInputError(
            "holds impedance spectra only; expected time, voltage and current rows", path=path
        )
    return recs[0]


def read_spectra(path: str | PathLike[str], **kwargs) -> list[Spectrum]:
    """Every impedance sweep of a file, in file order; see :func:`read` for arguments.

    Raises
    ------
    AnalysisInputError
        The file holds no impedance points (frequency > 0).
    """
    spectra = [x for x in _items(read(path, **kwargs)) if isinstance(x, Spectrum)]
    if not spectra:
        raise AnalysisInputError(
            "holds no impedance spectrum; expected frequency, Z' and Z'' columns", path=path
        )
    return spectra
