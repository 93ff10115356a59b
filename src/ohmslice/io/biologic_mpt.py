"""BioLogic EC-Lab text export (``.mpt``).

Layout: ``EC-Lab ASCII FILE`` (or ``BT-Lab ASCII FILE``), ``Nb header lines : N``, the
technique name, ``key : value`` settings, a fixed-width table of technique parameters
(one 20-character column per sequence step ``Ns``), then on line N the tab-separated
column names and from line N+1 the data. Numbers use a decimal point or a decimal comma
(the Windows locale); the text is Latin-1 (UTF-8, with or without byte-order mark,
and UTF-16 are accepted too). Files
exported without header start directly with the column-name line.

The data block is parsed in one vectorised ``pandas.read_csv`` call; columns are mapped
to canonical columns as described in :mod:`ohmslice.io._biologic`, and the rows split
into one Recording and one Spectrum per impedance sweep (:mod:`ohmslice.io._assemble`).

A file cut short is read as far as it goes, with one
:class:`~ohmslice.errors.TruncatedFileWarning` saying how many rows were kept and lost:
a last data line cut mid-row or mid-number (see :mod:`ohmslice.io._truncation` for the
rule) is dropped, zero bytes at the end (a crash) are ignored, and fewer rows than the
``Loop k from point number a to b`` lines of the header promise are counted as missing.
A file that ends inside its header, or inside its first data row, raises
:class:`~ohmslice.errors.TruncatedFileError`: there is nothing to read.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import (
    EmptyDataError,
    FileFormatError,
    InputWarning,
    TruncatedFileError,
    TruncatedFileWarning,
)
from . import _biologic
from ._assemble import assemble
from ._registry import NO, YES, Reader, ReadResult, foreign, register
from ._text import EXACT_FLOATS, UTF8_BOM, plain_text, utf16
from ._truncation import WINDOW_BYTES, last_line_cut, message

NAME = "biologic-mpt"
DESCRIPTION = "BioLogic EC-Lab text export (.mpt)"
MAGICS = (b"EC-Lab ASCII FILE", b"BT-Lab ASCII FILE")
_NB_HEADER = re.compile(r"^Nb header lines\s*:\s*(\d+)\s*$")
_LOOP = re.compile(r"^Loop\s+\d+\s+from point number\s+(\d+)\s+to\s+(\d+)")
_NON_BLANK = re.compile(rb"\S")
_NON_BREAK = re.compile(rb"[^\r\n]")
#: Column names that mark a header-less EC-Lab export.
_ECLAB_COLUMNS = {
    "time/s",
    "Ewe/V",
    "<Ewe>/V",
    "Ecell/V",
    "I/mA",
    "<I>/mA",
    "freq/Hz",
    "Re(Z)/Ohm",
    "-Im(Z)/Ohm",
    "Ns",
    "mode",
    "ox/red",
    "(Q-Qo)/mA.h",
    "control/V/mA",
    "cycle number",
}


def _plain(data: bytes) -> bytes:
    """The file's bytes without a byte-order mark; UTF-16 text re-encoded as UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace").encode("utf-8")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:]
    return data


def sniff(head: bytes) -> int:
    """YES for the EC-Lab/BT-Lab magic line, or a first line of tab-separated EC-Lab
    column names (``time/s`` or ``freq/Hz`` and at least one more); NO otherwise.
    A byte-order mark (UTF-8 or UTF-16) is looked through."""
    head = _plain(head)
    if head.startswith(MAGICS):
        return YES
    first = head.split(b"\n", 1)[0].rstrip(b"\r").decode("latin-1")
    fields = set(first.split("\t"))
    if ("time/s" in fields or "freq/Hz" in fields) and len(fields & _ECLAB_COLUMNS) >= 2:
        return YES
    return NO


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _line_offsets(data: bytes, count: int) -> list[int]:
    """Start offsets of the first ``count`` + 1 lines (fewer if the file is shorter)."""
    starts = [0]
    pos = 0
    while len(starts) <= count:
        nl = data.find(b"\n", pos)
        if nl < 0:
            break
        pos = nl + 1
        starts.append(pos)
    return starts


def _split_header(data: bytes, path: Path) -> tuple[list[str], int, int]:
    """Header lines (decoded, without the column line), header line count N, and the
    offset where the column-name line starts."""
    if not data.startswith(MAGICS):
        return [], 1, 0
    starts = _line_offsets(data, 2)
    if len(starts) < 3:
        raise TruncatedFileError(
            "the file ends inside the first two lines; expected 'Nb header lines : N' on line 2",
            path=path,
        )
    line2 = _decode(data[starts[1] : starts[2]]).strip()
    m = _NB_HEADER.match(line2)
    if not m:
        raise FileFormatError(
            f"line 2 reads {line2[:60]!r}; expected 'Nb header lines : N' after the "
            "EC-Lab ASCII FILE line",
            path=path,
        )
    n = int(m.group(1))
    if n < 3:
        raise FileFormatError(f"declares {n} header lines; expected at least 3", path=path)
    starts = _line_offsets(data, n)
    if len(starts) < n or (len(starts) == n and starts[-1] >= len(data)):
        have = len(starts) - 1 if starts[-1] >= len(data) else len(starts)
        raise TruncatedFileError(
            f"the header declares {n} header lines but the file ends after {have} lines",
            path=path,
        )
    lines = _decode(data[: starts[n - 1]]).splitlines()
    return lines, n, starts[n - 1]


def parse_settings(lines: list[str]) -> dict[str, Any]:
    """The header of an .mpt as a dict.

    ``key : value`` lines become entries; the fixed-width technique table becomes
    ``settings["parameters"]`` = {row name: value or list of values per step}; lines
    that are neither (``Record Power``) are listed under ``settings["flags"]``; the
    ``Loop k from point number a to b`` lines become ``settings["loops"]`` = [(a, b), ...].
    """
    settings: dict[str, Any] = {}
    params: dict[str, Any] = {}
    flags: list[str] = []
    loops: list[tuple[int, int]] = []
    for line in lines[3:]:
        if not line.strip():
            continue
        loop = _LOOP.match(line.strip())
        if loop:
            loops.append((int(loop.group(1)), int(loop.group(2))))
        elif " : " in line or line.rstrip().endswith(" :"):
            key, _, value = line.strip().partition(":")
            settings.setdefault(key.strip(), value.strip())
        elif len(line) > 20 and line[:20].strip() and not line[19].strip():
            values = [line[i : i + 20].strip() for i in range(20, len(line.rstrip()), 20)]
            params[line[:20].strip()] = values[0] if len(values) == 1 else values
        else:
            flags.append(line.strip())
    if params:
        settings["parameters"] = params
    if flags:
        settings["flags"] = flags
    if loops:
        settings["loops"] = loops
    return settings


def _technique_name(lines: list[str]) -> str | None:
    for line in lines[2:6]:
        text = line.strip()
        if text and ":" not in text:
            return text
    return None


#: Files from this size on are parsed from the disk (only their first HEAD_BYTES and last
#: bytes are read into memory), when plain 8-bit text not cut short
STREAM_BYTES = 8 * 2**20
HEAD_BYTES = 2**20


def _head_or_all(path: Path) -> tuple[bytes, bytes | None, int]:
    """``(data, tail, zero_bytes)``: for a long file of plain 8-bit text (no UTF-16, no
    BOM, no trailing zero bytes) its first :data:`HEAD_BYTES` and, as ``tail``, its last
    bytes (for the truncation check); else all of it, as :func:`plain_text` gives it, and
    ``tail`` None."""
    size = path.stat().st_size
    if size >= STREAM_BYTES:
        with path.open("rb") as f:
            head = f.read(HEAD_BYTES)
            f.seek(max(size - 4 * WINDOW_BYTES, 0))
            tail = f.read()
        plain = utf16(head[:4096]) is None and not head.startswith(UTF8_BOM)
        if plain and not tail.endswith(b"\x00"):
            return head, tail, 0
    data, _, zero_bytes = plain_text(path.read_bytes())
    return data, None, zero_bytes


def load(path: Path, columns: Mapping[str, str] | None = None) -> ReadResult:
    """Read an EC-Lab .mpt file (see the module docstring).

    Warns
    -----
    TruncatedFileWarning
        The file is cut short (see the module docstring); its complete rows are read.

    Raises
    ------
    TruncatedFileError, EmptyDataError, FileFormatError, MissingColumnError,
    InvalidDataError
        Always naming the file, and the row or column where one is concerned.
    """
    data, streamed, zero_bytes = _head_or_all(path)
    lines, n_header, col_start = _split_header(data, path)
    col_end = data.find(b"\n", col_start)
    col_end = len(data) if col_end < 0 else col_end + 1
    names = _decode(data[col_start:col_end]).rstrip("\r\n").rstrip("\t").split("\t")
    if not set(names) & _ECLAB_COLUMNS:
        raise FileFormatError(
            f"line {n_header} should hold the column names (time/s, Ewe/V, I/mA, freq/Hz, "
            f"...) as 'Nb header lines : {n_header}' says, but reads "
            f"{_decode(data[col_start:col_end]).strip()[:60]!r}",
            path=path,
        )
    seen: dict[str, int] = {}
    for i, name in enumerate(names):  # a handful of names: make duplicates unique
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            names[i] = f"{name} {seen[name]}"
    # the data rows are data[col_end:]; a long recording's bytes are not copied (no
    # slices of the whole body) and only the columns the canonical table needs are parsed
    if _NON_BLANK.search(data, col_end) is None:
        raise EmptyDataError(
            f"no data rows after the {n_header} header line(s); expected tab-separated "
            "numbers from line " + str(n_header + 1),
            path=path,
        )
    tail_from = max(col_end, len(data) - 4 * WINDOW_BYTES)
    cut = last_line_cut(
        streamed if streamed is not None else data[tail_from:],
        sep=b"\t", ncols=len(names), trailing_sep=True,
    )  # fmt: skip
    if cut is not None and streamed is not None:  # a long file cut short: read it whole
        data, _, zero_bytes = plain_text(path.read_bytes())
        streamed = None
        tail_from = max(col_end, len(data) - 4 * WINDOW_BYTES)
        cut = last_line_cut(data[tail_from:], sep=b"\t", ncols=len(names), trailing_sep=True)
    end = len(data) if cut is None else tail_from + cut.keep
    if cut is not None and _NON_BLANK.search(data, col_end, end) is None:
        raise TruncatedFileError(
            f"the file ends inside its first data row (line {n_header + 1}, {cut.what}); "
            "no complete row to read",
            path=path,
        )
    first = _NON_BREAK.search(data, col_end)
    row_end = data.find(b"\n", first.start()) if first is not None else -1
    first_row = data[first.start() : len(data) if row_end < 0 else row_end] if first else b""
    n_values = first_row.rstrip(b"\r").rstrip(b"\t").count(b"\t") + 1
    restored = None
    if n_values == len(names) + 1 and names and names[0] == "Re(Z)/Ohm" and "freq/Hz" not in names:
        # an impedance export whose header lost its first name: EC-Lab writes freq/Hz
        # there (checked below: the column must be a frequency sweep)
        names.insert(0, "freq/Hz")
        restored = "freq/Hz"
    if n_values > len(names):
        raise FileFormatError(
            f"its first data row (line {n_header + 1}) holds {n_values} "
            f"values but line {n_header} names {len(names)} columns; expected one name per "
            "column (was a column name deleted from the header?)",
            path=path,
        )
    decimal = "," if re.search(rb"\d,\d", data[col_end : col_end + 65536]) else "."
    if streamed is not None:  # parsed from the disk: its bytes are never all in memory
        source: Any = path
        skip = n_header
    else:
        source, skip = io.BytesIO(data if cut is None else data[:end]), 0
        source.seek(col_end)
    with foreign(path, DESCRIPTION):
        raw = pd.read_csv(
            source,
            sep="\t",
            header=None,
            skiprows=skip,
            names=names,
            # a long file: only the columns the canonical table needs (a row with more
            # values than the header names is then read, not refused)
            usecols=_biologic.needed_columns(names, columns) if streamed is not None else None,
            index_col=False,
            decimal=decimal,
            encoding="latin-1",
            **EXACT_FLOATS,
            engine="c",
            skip_blank_lines=True,
        )
    del source, data
    settings = parse_settings(lines)
    loops = settings.get("loops")
    pending = []
    if restored is not None:
        freq = pd.to_numeric(raw[restored], errors="coerce").to_numpy(dtype=float)
        steps = np.diff(np.log10(freq[np.isfinite(freq) & (freq > 0)]))
        sweep = (
            freq.size >= 5
            and np.all(freq > 0)
            and steps.size > 0
            and (np.all(steps < 0) or np.all(steps > 0))
        )
        if not sweep:
            raise FileFormatError(
                f"its first data row (line {n_header + 1}) holds {n_values} values but line "
                f"{n_header} names {n_values - 1} columns, and the unnamed first column is "
                "not a frequency sweep; expected one name per column",
                path=path,
            )
        pending.append(
            (
                InputWarning,
                f"{path}: line {n_header} names {n_values - 1} columns for {n_values} values "
                "per row; the unnamed first column is a frequency sweep and was read as "
                "freq/Hz (EC-Lab's first impedance column)",
            )
        )
    text = message(
        path,
        kept=len(raw),
        cut=cut,
        zero_bytes=zero_bytes,
        promised=loops[-1][1] + 1 if loops else None,
        promised_by="the header's loop table",
    )
    if text:
        pending.append((TruncatedFileWarning, text))
    long_name = _technique_name(lines)
    if long_name:
        settings["technique_name"] = long_name
    technique = _biologic.short_technique(long_name)
    frame, used, notes = _biologic.canonical(raw, path, columns, open_circuit=technique == "OCV")
    step_technique = _sequence(settings)
    if step_technique and "step" in frame:
        steps = frame["step"]
        frame["technique"] = pd.Series(steps).map(step_technique).to_numpy()
    meta = {
        "source": str(path),
        "format": NAME,
        "instrument": settings.get("Device"),
        "technique": technique,
        "settings": settings,
        "columns": used,
        "notes": notes,
        "first_data_line": n_header + 1,
    }
    if step_technique:
        meta["sequence"] = [step_technique[k] for k in sorted(step_technique)]
    return assemble(frame, meta, found=names, step_technique=step_technique, pending=pending)


def _sequence(settings: Mapping[str, Any]) -> dict[int, str]:
    """Technique of each step of a Modulo Bat sequence, from its ``ctrl_type`` row."""
    params = settings.get("parameters", {})
    ns, ctrl = params.get("Ns"), params.get("ctrl_type")
    if ns is None or ctrl is None:
        return {}
    ns = ns if isinstance(ns, list) else [ns]
    ctrl = ctrl if isinstance(ctrl, list) else [ctrl]
    out = {}
    for k, c in zip(ns, ctrl, strict=False):
        if k.isdecimal() and c:
            out[int(k)] = c
    return out


register(
    Reader(
        name=NAME,
        description=DESCRIPTION,
        suffixes=(".mpt",),
        sniff=sniff,
        load=load,
    )
)

__all__ = ["load", "sniff", "parse_settings"]
