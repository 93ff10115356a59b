"""Ivium data files: ``.idf`` (one measurement) and ``.ids`` (a data set of several).

No vendor documentation is public. The layout below is read from the ``.idf`` and
``.ids`` test files of pyimpspec (``tests/data.idf``, ``tests/data.ids``; parser
``pyimpspec/data/formats/ids.py``) and agrees with the older parser of nplab
(``IviumDataFile``: two count lines after ``primary_data``, then three columns).

An ``.idf`` is text in blocks, each preceded by its length in bytes (4 bytes, little
endian) and a CR LF; a file starts with 16 zero bytes. The blocks hold ``key=value``
lines: ``Peaks=``, ``Solarcell=``, ... (the analysis options); ``starttime=``,
``endtime=``, ``serialnumber=``, ``software=``, ``firmware=``, ``timing.time[k]=``;
``Method=`` (``Impedance``), ``Technique=`` (``Constant E``), ``Title=``,
``E start=`` (the DC potential, V), ``Frequencies=`` (their number) with
``Frequencies.freq[k]=`` and ``Frequencies.amp[k]=`` (the AC amplitude), ...,
``Report.Process data=`` (fields ``instrument  : ...``, ``hw config   : ...``,
``start time  : ...``, ``endcondition: ...``, separated by the bytes 1C 1E). Then the
data objects, each name and count on a line of its own padded with spaces::

    2                    number of data objects
    Data Objects
    0
    primary_data
    3                    columns
    29                   rows
    1.09009E+02  -2.65557E+01\\t1.00000E+04      Z' [Ohm], Z'' [Ohm], f [Hz]
    ...
    7
    osc_data             (the recorded waveforms: not read)
    ...

An ``.ids`` is several such measurements one after the other. Each ``primary_data`` of
an impedance measurement (``Method=Impedance``) becomes one Spectrum: ``freq_Hz``,
``z_real_ohm`` and ``z_imag_ohm`` (Ivium writes Z'' with its physical sign, capacitive
< 0, as ohmslice stores it). Other methods (cyclic voltammetry, chronopotentiometry, ...)
also write ``primary_data`` in three columns, but what the columns hold is not
established by a public source: such measurements are not read (a file holding only
those is refused with a :class:`~ohmslice.errors.FileFormatError`, one holding them
beside spectra says so in ``meta["notes"]``).

``meta`` of each spectrum: ``title`` (``Title=``), ``technique`` (``Constant E`` ->
``PEIS``, ``Constant I`` -> ``GEIS``, other techniques as ``EIS (<technique>)``),
``dc_potential_V`` (``E start``, for ``Constant E``), ``ac_amplitude_V`` (the first
``Frequencies.amp``, for ``Constant E``), ``acquired`` (``starttime``, or the report's
``start time``), ``instrument`` (the report's ``hw config`` and ``instrument`` serial
number), ``settings`` (every ``key=value`` of its measurement; ``settings["report"]`` the
report's fields), ``measurement`` (its number in the file, from 1; also ``meta["step"]``).

A file cut short, inside the rows of a measurement or in the header of a later one, is
read as far as it goes with one :class:`~ohmslice.errors.TruncatedFileWarning` giving
the rows the measurement declares and the rows read (a last row cut inside a number is
dropped).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._paths import os_reason
from ..errors import FileFormatError, InputError, MissingColumnError, TruncatedFileError
from ..schema import FREQ, STEP, Z_IMAG, Z_REAL, Spectrum
from ._assemble import ROW, assemble
from ._registry import NO, YES, Reader, ReadResult, register
from ._truncation import Cut, last_line_cut
from ._vendor import short_of_count, truncation

NAME = "ivium"
DESCRIPTION = "Ivium data file (.idf, .ids data set; impedance measurements)"

_LINE = re.compile(r"([^\r\n]*)(\r\n|\n|\r)?")
_EOL = r"[ \t]*(?:\r\n|\n|\r)"
#: ``primary_data``, its column count and its row count, each on a line of its own.
_BLOCK = re.compile(rf"primary_data{_EOL}[ \t]*(\d+){_EOL}[ \t]*(\d+){_EOL}")
_KEY_VALUE = re.compile(r"^([A-Za-z][^=\r\n\x00-\x1f]{0,80})=([^\r\n]*)$", re.MULTILINE)
_METHOD = re.compile(r"^Method=", re.MULTILINE)
#: Ivium impedance techniques -> ohmslice technique names.
TECHNIQUES = {"constant e": "PEIS", "constant i": "GEIS"}
#: Keys only Ivium writes, looked for by the sniffer beside ``Method=`` and ``Technique=``.
_IVIUM_KEYS = (b"Peaks=", b"Solarcell=", b"Dconfig=", b"Mconfig=", b"Data Options.")


def sniff(head: bytes) -> int:
    """YES if the first bytes hold ``Method=`` and ``Technique=`` lines and one of the
    keys only Ivium writes (``Peaks=``, ``Solarcell=``, ``Dconfig=``, ``Mconfig=``,
    ``Data Options.``); NO otherwise."""
    if b"Method=" in head and b"Technique=" in head and any(k in head for k in _IVIUM_KEYS):
        return YES
    if head[:16] == b"\x00" * 16 and b"Peaks=" in head[16:64]:
        return YES
    return NO


def _settings(header: str) -> dict[str, Any]:
    """``{key: value}`` of the ``key=value`` lines of one measurement (the first of each
    key), with the report's fields split out into ``settings["report"]``."""
    settings: dict[str, Any] = {}
    header = header.replace("\r\n", "\n").replace("\r", "\n")
    for m in _KEY_VALUE.finditer(header):
        settings.setdefault(m.group(1).strip(), m.group(2).strip())
    report = settings.get("Report.Process data", "")
    fields = {}
    for part in re.split(r"[\x1c\x1e]+", report):
        key, sep, value = part.partition(":")
        if sep and key.strip():
            fields[key.strip()] = value.strip()
    if fields:
        settings["report"] = fields
    return settings


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _rows(
    path: Path, text: str, pos: int, nrows: int, ncols: int, number: int
) -> tuple[np.ndarray, int, Cut | None, bool]:
    """The rows of one ``primary_data`` block from ``pos``: (values, end position, cut
    last row, the file ended inside the block)."""
    out: list[list[float]] = []
    lines: list[str] = []
    ended = False
    while len(out) < nrows:
        m = _LINE.match(text, pos)
        line, brk = m.group(1), m.group(2)
        if not line and not brk:
            ended = True  # end of the file
            break
        pos = m.end()
        cells = line.split()
        if not brk:  # the file's last line, without a line break: cut?
            ended = True
            norm = "\n".join("\t".join(ln.split()) for ln in lines[-10:])
            data = (norm + "\n" if norm else "") + "\t".join(cells)
            cut = last_line_cut(data.encode("latin-1"), sep=b"\t", ncols=ncols)
            if cut is not None or len(cells) < ncols:
                what = cut.what if cut else f"cut mid-row: {len(cells)} of {ncols} values"
                return np.array(out).reshape(-1, ncols), pos, Cut(0, what), True
        if len(cells) != ncols:
            raise FileFormatError(
                f"row {len(out) + 1} of the data of measurement {number} holds {len(cells)} "
                f"values ({line.strip()[:60]!r}); its header declares {ncols} columns",
                path=path,
            )
        try:
            out.append([float(c) for c in cells])
        except ValueError:
            raise FileFormatError(
                f"row {len(out) + 1} of the data of measurement {number} reads "
                f"{line.strip()[:60]!r}; expected {ncols} numbers",
                path=path,
            ) from None
        lines.append(line)
        if ended:
            break
    return np.array(out).reshape(-1, ncols), pos, None, ended


def load(path: Path, columns: Mapping[str, str] | None = None) -> ReadResult:
    """Read an Ivium ``.idf`` or ``.ids`` file (see the module docstring).

    ``columns`` is not supported (the layout is fixed) and must be None.

    Warns
    -----
    TruncatedFileWarning
        The file ends inside the rows of a measurement, or in the header of a later one.

    Raises
    ------
    FileFormatError
        No ``primary_data`` block; only measurements of other methods than impedance;
        an impedance block that is not three columns; a row that is not numbers.
    TruncatedFileError
        The file ends before the first row of its first measurement.
    EmptyDataError, InvalidDataError
        No rows; no usable impedance point.
    """
    if columns:
        raise MissingColumnError(
            "columns= is not used for Ivium files, whose impedance data are always "
            "Z', Z'' and frequency",
            path=path,
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(os_reason(exc), path=path) from None
    data = raw.rstrip(b"\x00")  # a complete file ends with a line break
    zero_bytes = len(raw) - len(data)
    text = data.decode("latin-1")
    blocks = list(_BLOCK.finditer(text))
    if not blocks:
        if _METHOD.search(text):
            raise TruncatedFileError(
                "the file ends in the header of its first measurement, before its "
                "'primary_data' rows",
                path=path,
            )
        raise FileFormatError(
            "holds no 'primary_data' block of rows; expected an Ivium .idf/.ids data file",
            path=path,
        )
    frames: list[pd.DataFrame] = []
    measurements: dict[int, dict[str, Any]] = {}
    skipped: list[str] = []
    pending = []
    start = 0
    for number, block in enumerate(blocks, start=1):
        settings = _settings(text[start : block.start()])
        ncols, nrows = int(block.group(1)), int(block.group(2))
        method = settings.get("Method", "")
        if "impedance" not in method.lower():
            skipped.append(f"{number} ({method or 'no method named'})")
            start = block.end()  # its rows are not read: the next header comes after them
            continue
        if ncols != 3:
            raise FileFormatError(
                f"the impedance data of measurement {number} has {ncols} columns; "
                "expected 3 (Z', Z'', frequency)",
                path=path,
            )
        values, end, cut, ended = _rows(path, text, block.end(), nrows, ncols, number)
        start = end
        if ended and (len(values) < nrows or cut):
            title = f" ('{settings['Title']}')" if settings.get("Title") else ""
            said = f"the header of measurement {number}{title}"
            if len(values) == 0 and not frames:
                raise TruncatedFileError(
                    f"the file ends inside the first row of {said}, which declares {nrows} "
                    f"rows ({cut.what if cut else 'no row'}); no complete row to read",
                    path=path,
                )
            pending = short_of_count(
                path, declared=nrows, kept=len(values), cut=cut, zero_bytes=zero_bytes,
                said_by=said, unit="row",
            )  # fmt: skip
        measurements[number] = settings
        part = pd.DataFrame({Z_REAL: values[:, 0], Z_IMAG: values[:, 1], FREQ: values[:, 2]})
        part[STEP] = number
        frames.append(part)
        if ended:
            break
    if not frames:
        raise FileFormatError(
            f"holds no impedance measurement (Method=Impedance): measurement(s) "
            f"{', '.join(skipped)}; ohmslice reads Ivium impedance data only (what the "
            "columns of other methods hold is not documented): export them as text from "
            "IviumSoft and read that",
            path=path,
        )
    if not pending and _METHOD.search(text, start):
        pending = truncation(
            path,
            kept=sum(len(f) for f in frames),
            zero_bytes=zero_bytes,
            extra=[
                f"the file ends in the header of measurement {len(blocks) + 1}, before "
                f"its data: {len(measurements)} impedance measurement(s) read"
            ],
        )
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(0, ROW, np.arange(len(frame)))
    first = measurements[min(measurements)]
    meta = _meta(path, first, 0)
    meta["notes"] = []
    if skipped:
        meta["notes"].append(
            f"measurement(s) {', '.join(skipped)} of other methods than impedance are not read"
        )
    techniques = {k: _meta(path, s, k)["technique"] for k, s in measurements.items()}
    result = assemble(
        frame, meta, found=[], step_technique=techniques, impedance_only=True, hint="",
        pending=pending,
    )  # fmt: skip
    for obj in result if isinstance(result, list) else [result]:
        if isinstance(obj, Spectrum) and obj.meta.get("step") in measurements:
            k = obj.meta["step"]
            own = _meta(path, measurements[k], k)
            for key in ("title", "technique", "instrument", "settings", "acquired",
                        "dc_potential_V", "ac_amplitude_V", "measurement"):  # fmt: skip
                if key in own:
                    obj.meta[key] = own[key]
                else:
                    obj.meta.pop(key, None)
    return result


def _meta(path: Path, settings: dict[str, Any], number: int) -> dict[str, Any]:
    """The metadata of one measurement (see the module docstring)."""
    technique = settings.get("Technique", "")
    name = TECHNIQUES.get(technique.strip().lower(), f"EIS ({technique})" if technique else "EIS")
    report = settings.get("report", {})
    hw = report.get("hw config", "")
    serial = settings.get("serialnumber") or report.get("instrument", "")
    instrument = hw if hw.lower().startswith("ivium") else f"Ivium {hw}".strip()
    if serial:
        instrument += f" (SN {serial})"
    meta: dict[str, Any] = {
        "source": str(path),
        "format": NAME,
        "instrument": instrument,
        "technique": name,
        "settings": settings,
        "columns": {Z_REAL: "primary_data column 1", Z_IMAG: "column 2", FREQ: "column 3"},
    }
    if number:
        meta["measurement"] = number
    if settings.get("Title"):
        meta["title"] = settings["Title"]
    acquired = settings.get("starttime") or report.get("start time")
    if acquired:
        meta["acquired"] = acquired
    if name == "PEIS":
        e_dc = _float(settings.get("E start"))
        amplitude = _float(settings.get("Frequencies.amp[1]"))
        if e_dc is not None:
            meta["dc_potential_V"] = e_dc
        if amplitude is not None:
            meta["ac_amplitude_V"] = amplitude
    return meta


register(
    Reader(
        name=NAME,
        description=DESCRIPTION,
        suffixes=(".idf", ".ids"),
        sniff=sniff,
        load=load,
    )
)
