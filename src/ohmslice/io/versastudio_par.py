"""AMETEK / Princeton Applied Research VersaStudio data file (``.par``).

Layout: sections ``<Name>`` ... ``</Name>`` of ``key=value`` lines: ``<Application>``
(the program and its version), ``<Instrument>`` (``Type``, ``SN``), ``<Experiment>``
(``DateAcquired``, ``TimeAcquired``), one ``<ActionN>`` per step of the experiment
(``Name=Potentiostatic EIS``, its settings, ``Segments=k``: the data section it wrote),
and one ``<SegmentK>`` per data block: ``Definition=`` names the comma-separated columns
(``Segment #, Point #, E(V), I(A), Elapsed Time(s), ..., Frequency(Hz), ..., Z Real,
Z Imag, ...``) and the comma-separated rows follow.

Columns: ``Elapsed Time(s)`` -> ``time_s``, ``E(V)`` -> ``voltage_V``, ``I(A)`` ->
``current_A``, ``Frequency(Hz)`` -> ``freq_Hz``, ``Z Real`` / ``Z Imag`` ->
``z_real_ohm`` / ``z_imag_ohm`` (VersaStudio writes Z'' with its physical sign,
capacitive < 0, as ohmslice stores it); ``step`` is the segment number. Rows with a
frequency are impedance points (one Spectrum per sweep, with the rows' E and I as
``dc_V``, ``dc_A``); rows without (frequency 0: DC actions such as a potential hold)
form the Recording. Each spectrum's ``meta["technique"]`` is the name of the action that
wrote its segment (``Potentiostatic EIS`` -> ``PEIS``, ``Galvanostatic EIS`` -> ``GEIS``).

Every section is kept in ``meta["settings"]`` as ``{section: {key: value}}``;
``meta["instrument"]`` is the instrument type and serial number, ``meta["acquired"]`` the
date and time as written, ``meta["ac_amplitude_V"]`` the EIS action's amplitude (V rms)
and ``meta["dc_potential"]`` its DC potential setting (value and reference, as written).
A last row cut short (the file ends inside a segment) is dropped with one
:class:`~ohmslice.errors.TruncatedFileWarning`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import FileFormatError, MissingColumnError
from ..schema import CURRENT, FREQ, STEP, TECHNIQUE, TIME, VOLTAGE, Z_IMAG, Z_REAL
from ._assemble import ROW, assemble
from ._registry import NO, YES, Reader, ReadResult, register
from ._text import decode, plain_text
from ._vendor import cut_rows, parse_rows, read_text, si_columns, truncation

NAME = "versastudio-par"
DESCRIPTION = "VersaStudio data file (.par; AMETEK / Princeton Applied Research)"
_SECTION = re.compile(r"^<(\w+)>[ \t]*\n(.*?)(?:^</\1>[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)
_SEGMENT = re.compile(r"^Segment(\d+)$")
#: VersaStudio action names -> ohmslice technique names (others are kept as written).
TECHNIQUES = {"Potentiostatic EIS": "PEIS", "Galvanostatic EIS": "GEIS"}

#: VersaStudio column -> canonical column, quantity kind, unit.
COLUMNS = {
    "Elapsed Time(s)": (TIME, "time", "s"),
    "E(V)": (VOLTAGE, "voltage", "V"),
    "I(A)": (CURRENT, "current", "A"),
    "Frequency(Hz)": (FREQ, "frequency", "Hz"),
    "Z Real": (Z_REAL, "impedance", "Ohm"),
    "Z Imag": (Z_IMAG, "impedance", "Ohm"),
}


def sniff(head: bytes) -> int:
    """YES for a file whose first section is ``<Application>`` naming VersaStudio, or
    that holds a ``<SegmentN>`` section with a ``Definition=`` line; NO otherwise."""
    data, encoding, _ = plain_text(head)
    text = decode(data, encoding).lstrip()
    if text.startswith("<Application>") and re.search(r"^Name=VersaStudio", text, re.M):
        return YES
    if re.search(r"^<Segment\d+>\s*\n(?:.*\n){0,3}?Definition=", text, re.M):
        return YES
    return NO


def _key_values(body: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in body.split("\n"):
        key, sep, value = line.partition("=")
        if sep and key.strip():
            out.setdefault(key.strip(), value.strip())
    return out


def load(path: Path, columns: Mapping[str, str] | None = None) -> ReadResult:
    """Read a VersaStudio ``.par`` file (see the module docstring).

    ``columns`` is not supported (the ``Definition`` line names the columns) and must be
    None.

    Warns
    -----
    TruncatedFileWarning
        The last row is cut short; the complete rows are read.

    Raises
    ------
    FileFormatError
        No ``<SegmentN>`` section, a segment without ``Definition=`` line, or rows with
        more values than the definition names.
    MissingColumnError
        The segments hold neither time, E and I nor frequency, Z Real and Z Imag.
    TruncatedFileError, EmptyDataError, InvalidDataError
        The file ends inside the first row; no rows; values that cannot be used.
    """
    if columns:
        raise MissingColumnError(
            "columns= is not used for VersaStudio .par files, whose Definition= line "
            "names the columns",
            path=path,
        )
    text, zero_bytes = read_text(path)
    settings: dict[str, Any] = {}
    segments: list[tuple[int, str, bool]] = []
    for m in _SECTION.finditer(text):
        name, body = m.group(1), m.group(2)
        seg = _SEGMENT.match(name)
        if seg:
            segments.append((int(seg.group(1)), body, m.end() == len(text)))
        else:
            settings[name] = _key_values(body)
    if not segments:
        raise FileFormatError(
            "holds no <SegmentN> section of data (expected 'Definition=' and comma-separated "
            "rows inside <Segment1> ... </Segment1>)",
            path=path,
        )
    actions = {
        int(v["Segments"]): TECHNIQUES.get(v.get("Name", k), v.get("Name", k))
        for k, v in settings.items()
        if k.startswith("Action") and v.get("Segments", "").isdecimal()
    }
    frames, found, cut, used = [], [], None, {}
    for number, body, at_end in segments:
        lines = body.split("\n")
        k = next((i for i, ln in enumerate(lines[:10]) if ln.startswith("Definition=")), None)
        if k is None:
            raise FileFormatError(
                f"the <Segment{number}> section has no 'Definition=' line naming its columns",
                path=path,
            )
        names = [n.strip() for n in lines[k].partition("=")[2].split(",")]
        if len(names) > 1 and re.fullmatch(r"\d+", names[-1]):
            names = names[:-1]  # VersaStudio ends the definition with a number, no column
        rows = "\n".join(lines[k + 1 :])
        if at_end:
            rows, cut = cut_rows(path, rows, sep=",", ncols=len(names), what=f"<Segment{number}>")
        first = next((ln for ln in rows.split("\n", 20) if ln.strip()), "")
        n_values = first.count(",") + 1 if first else len(names)
        if n_values > len(names):
            raise FileFormatError(
                f"the first row of <Segment{number}> holds {n_values} values but its "
                f"Definition= line names {len(names)} columns",
                path=path,
            )
        names = names[:n_values]  # rows may leave trailing columns out
        wanted = [n for n in names if n in COLUMNS]
        df = parse_rows(
            path, rows, sep=",", names=names, usecols=wanted, what=f"<Segment{number}> rows"
        )
        cols, used_s = si_columns(path, df, {n: v for n, v in COLUMNS.items() if n in df})
        used.update(used_s)
        part = pd.DataFrame(cols, index=pd.RangeIndex(len(df)))
        part[STEP] = number
        if number in actions:
            part[TECHNIQUE] = actions[number]
        frames.append(part)
        found.extend(n for n in names if n not in found)
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(0, ROW, np.arange(len(frame)))
    instrument = settings.get("Instrument", {})
    application = settings.get("Application", {})
    experiment = settings.get("Experiment", {})
    meta: dict[str, Any] = {
        "source": str(path),
        "format": NAME,
        "instrument": " ".join(
            x
            for x in (
                instrument.get("Type"),
                f"SN {instrument['SN']}" if instrument.get("SN") else None,
            )
            if x
        )
        or None,
        "technique": next(iter(actions.values()), None),
        "settings": settings,
        "columns": used,
        "notes": [],
        "software": " ".join(x for x in (application.get("Name"), application.get("Version")) if x)
        or None,
    }
    if experiment.get("DateAcquired") or experiment.get("TimeAcquired"):
        meta["acquired"] = " ".join(
            x for x in (experiment.get("DateAcquired"), experiment.get("TimeAcquired")) if x
        )
    for values in settings.values():
        amp = values.get("Amplitude (mV RMS)")
        if amp is not None and "ac_amplitude_V" not in meta:
            try:
                meta["ac_amplitude_V"] = float(amp) * 1e-3
            except ValueError:
                pass
        if "Potential (V),Value" in values and "dc_potential" not in meta:
            meta["dc_potential"] = (
                f"{values['Potential (V),Value']} V {values.get('Potential (V),Versus', '')}"
            ).strip()
    pending = truncation(path, kept=len(frame), cut=cut, zero_bytes=zero_bytes)
    return assemble(
        frame,
        meta,
        found=found,
        step_technique={k: v for k, v in actions.items()},
        hint="",
        pending=pending,
    )


register(
    Reader(
        name=NAME,
        description=DESCRIPTION,
        suffixes=(".par",),
        sniff=sniff,
        load=load,
    )
)
