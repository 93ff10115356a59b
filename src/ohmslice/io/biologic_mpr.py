"""BioLogic EC-Lab binary file (``.mpr``), decoded by galvani.

The file is a ``BIO-LOGIC MODULAR FILE`` of modules (settings, data, log, loop, external
device). ``galvani.BioLogic.MPRfile`` (the maintained ``datalab-org-galvani`` fork, which
knows the column IDs of recent EC-Lab versions) decodes the data module into a record
array with EC-Lab's column names; the columns are then mapped to canonical columns as for
the text export (:mod:`ohmslice.io._biologic`), so an ``.mpr`` and the ``.mpt`` exported
from it give the same rows and values (to the float32 precision of the binary columns).

galvani is asked to refuse unknown column IDs rather than guess their binary type; such a
file raises :class:`~ohmslice.errors.UnknownColumnError` naming the column ID. A file cut
short raises :class:`~ohmslice.errors.TruncatedFileError`.

The technique is taken from the first byte of the settings module (``0x04`` GCPL,
``0x1D`` PEIS, ``0x7F`` Modulo Bat, ...); the start time from the log module.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import FileFormatError, TruncatedFileError, UnknownColumnError
from . import _biologic
from ._assemble import assemble
from ._registry import NO, YES, Reader, ReadResult, foreign, register

NAME = "biologic-mpr"
DESCRIPTION = "BioLogic EC-Lab binary file (.mpr)"
MAGIC = b"BIO-LOGIC MODULAR FILE\x1a"
_UNKNOWN_ID = re.compile(r"Column ID (\d+)(?: after column (.+?))? is unknown")


def sniff(head: bytes) -> int:
    """YES if the file starts with the BioLogic modular-file magic (or a prefix of it)."""
    if head.startswith(MAGIC) or (len(head) < len(MAGIC) and MAGIC.startswith(head)):
        return YES
    return NO


def _open(path: Path) -> Any:
    """galvani's MPRfile for ``path``, its errors turned into ohmslice errors."""
    from galvani.BioLogic import MPR_MAGIC, MPRfile

    data = path.read_bytes()
    if len(data) < len(MPR_MAGIC) and MPR_MAGIC.startswith(data):
        raise TruncatedFileError(
            f"the file ends after {len(data)} bytes, inside the {len(MPR_MAGIC)}-byte "
            "BioLogic file signature",
            path=path,
        )
    with open(path, "rb") as fh, foreign(path, DESCRIPTION), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _decode(fh, MPRfile, path)


def _decode(fh: Any, MPRfile: Any, path: Path) -> Any:
    try:
        return MPRfile(fh, error_on_unknown_column=True)
    except NotImplementedError as exc:
        m = _UNKNOWN_ID.search(str(exc))
        if m is None:
            raise FileFormatError(f"cannot be read as {DESCRIPTION}: {exc}", path=path) from exc
        after = f" (after column '{m.group(2)}')" if m.group(2) else ""
        raise UnknownColumnError(
            f"data column ID {m.group(1)}{after} is unknown to the .mpr decoder "
            "(galvani); expected only known EC-Lab column IDs -- export the file to .mpt "
            "in EC-Lab and read that instead",
            path=path,
        ) from exc
    except (OSError, EOFError) as exc:
        if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
            raise
        raise TruncatedFileError(
            f"the file ends before its declared content ({' '.join(str(exc).split())})",
            path=path,
        ) from exc
    except ValueError as exc:
        text = str(exc)
        if "expecting start of new VMP MODULE" in text and _ends_in_module_magic(text):
            raise TruncatedFileError("the file ends inside a module header", path=path) from exc
        raise FileFormatError(f"cannot be read as {DESCRIPTION}: {text}", path=path) from exc


def _ends_in_module_magic(message: str) -> bool:
    m = re.search(r"Found b'(.*?)'", message)
    return bool(m) and b"MODULE".startswith(m.group(1).encode("latin-1"))


def _frame(mpr: Any) -> pd.DataFrame:
    data = mpr.data
    cols = {name: data[name] for name in data.dtype.names if name != "flags"}
    for flag in mpr.flags_dict:
        cols[flag] = mpr.get_flag(flag)
    return pd.DataFrame(cols)


def _module(mpr: Any, short: bytes) -> dict | None:
    return next((m for m in mpr.modules if m["shortname"].strip() == short), None)


def load(path: Path, columns: Mapping[str, str] | None = None) -> ReadResult:
    """Read an EC-Lab .mpr file (see the module docstring).

    Raises
    ------
    UnknownColumnError, TruncatedFileError, FileFormatError, EmptyDataError,
    MissingColumnError, InvalidDataError
        Always naming the file.
    """
    mpr = _open(path)
    raw = _frame(mpr)
    settings: dict[str, Any] = {"data_module_version": int(mpr.version)}
    set_module = _module(mpr, b"VMP Set")
    technique = None
    if set_module is not None and len(set_module["data"]):
        tid = int(set_module["data"][0])
        settings["technique_id"] = tid
        technique = _biologic.TECHNIQUE_ID.get(tid, f"technique 0x{tid:02X}")
    if getattr(mpr, "timestamp", None) is not None:
        settings["acquisition_start"] = mpr.timestamp.isoformat()
    elif getattr(mpr, "startdate", None) is not None:
        settings["acquisition_start"] = mpr.startdate.isoformat()
    if getattr(mpr, "loop_index", None) is not None:
        settings["loop_index"] = [int(i) for i in mpr.loop_index]
    settings["modules"] = [m["shortname"].decode("latin-1").strip() for m in mpr.modules]
    frame, used, notes = _biologic.canonical(raw, path, columns)
    meta = {
        "source": str(path),
        "format": NAME,
        "instrument": None,
        "technique": technique,
        "settings": settings,
        "columns": used,
        "notes": notes,
    }
    return assemble(frame, meta, found=list(raw.columns))


register(
    Reader(
        name=NAME,
        description=DESCRIPTION,
        suffixes=(".mpr",),
        sniff=sniff,
        load=load,
    )
)
