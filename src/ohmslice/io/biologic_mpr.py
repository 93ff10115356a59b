"""BioLogic EC-Lab binary file (``.mpr``), decoded by galvani.

The file is a ``BIO-LOGIC MODULAR FILE`` of modules (settings, data, log, loop, external
device). ``galvani.BioLogic.MPRfile`` (the maintained ``datalab-org-galvani`` fork, which
knows the column IDs of recent EC-Lab versions) decodes the data module into a record
array with EC-Lab's column names; the columns are then mapped to canonical columns as for
the text export (:mod:`ohmslice.io._biologic`), so an ``.mpr`` and the ``.mpt`` exported
from it give the same rows and values (to the float32 precision of the binary columns).

Column IDs above 255: recent EC-Lab versions write IDs such as 880 and 883 whose meaning
is that of their low byte (ID % 256: 880 is 112, ``Energy we/W.h``; 883 is 115,
``Energy ce charge/W.h``), as yadg's ``.mpr`` reader has established. galvani's column
table is wrapped (:class:`ColumnTable`, installed on first use): an ID galvani knows keeps
galvani's meaning; an ID above 255 it does not know is read as ID % 256; IDs below 256
that yadg knows and galvani does not (:data:`SUPPLEMENT`) are added. Each ID read this way
is named in ``meta["notes"]``.

galvani is asked to refuse column IDs that are still unknown rather than guess their
binary type; such a file raises :class:`~ohmslice.errors.UnknownColumnError` naming the
column ID. A file cut short raises :class:`~ohmslice.errors.TruncatedFileError`.

An OCV file (technique ``OCV``) has no current column: its Recording has current 0,
said in ``meta["notes"]``, and keeps its technique.

The technique is taken from the first byte of the settings module (``0x04`` GCPL,
``0x1D`` PEIS, ``0x7F`` Modulo Bat, ...); the start time from the log module.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FileFormatError, TruncatedFileError, UnknownColumnError
from . import _biologic
from ._assemble import assemble
from ._registry import NO, YES, Reader, ReadResult, foreign, register

NAME = "biologic-mpr"
DESCRIPTION = "BioLogic EC-Lab binary file (.mpr)"
MAGIC = b"BIO-LOGIC MODULAR FILE\x1a"
_UNKNOWN_ID = re.compile(r"Column ID (\d+)(?: after column (.+?))? is unknown")


#: EC-Lab column IDs below 256 that galvani's table lacks, as yadg's ``.mpr`` reader maps
#: them (yadg 6.2+, ``extractors/eclab/mpr_columns.py``): ID -> (EC-Lab column name, dtype).
SUPPLEMENT: dict[int, tuple[str, str]] = {
    15: ("Phase(Z1)/deg", "<f4"),
    45: ("|Z1|/Ohm", "<f4"),
    46: ("|Z2|/Ohm", "<f4"),
    105: ("-Im(Z1)/Ohm", "<f4"),
    106: ("-Im(Z2)/Ohm", "<f4"),
    110: ("Energy ce/W.h", "<f8"),
    112: ("Energy we/W.h", "<f8"),
    115: ("Energy ce charge/W.h", "<f8"),
    116: ("Energy ce discharge/W.h", "<f8"),
    135: ("<E1>/V", "<f4"),
    136: ("<E2>/V", "<f4"),
    166: ("Phase(Zstack)/deg", "<f4"),
    167: ("|Zstack|/Ohm", "<f4"),
    175: ("|Zwe-ce|/Ohm", "<f4"),
    176: ("Re(Zwe-ce)/Ohm", "<f4"),
    177: ("-Im(Zwe-ce)/Ohm", "<f4"),
    185: ("<Ece>/V", "<f4"),
    206: ("Temperature/°C", "<f4"),
    215: ("<Ece>/V", "<f4"),
    219: ("THD Ece/%", "<f4"),
    222: ("NSD Ece/%", "<f4"),
    225: ("NSR Ece/%", "<f4"),
    243: ("|Ece h3|/V", "<f4"),
    244: ("|Ece h4|/V", "<f4"),
    245: ("|Ece h5|/V", "<f4"),
    246: ("|Ece h6|/V", "<f4"),
    247: ("|Ece h7|/V", "<f4"),
    248: ("Rac/Ohm", "<f4"),
}


class ColumnTable(dict):
    """galvani's ``VMPdata_colID_dtype_map`` (column ID -> (name, dtype)), widened.

    Holds galvani's entries and :data:`SUPPLEMENT`'s (galvani's win); a lookup of an ID
    above 255 that neither holds is answered with the entry of ID % 256, if there is one
    (how EC-Lab numbers columns; flag IDs are never folded). ``galvani_ids`` are the IDs
    galvani knew itself.
    """

    def __init__(self, galvani_map: Mapping[int, tuple[str, str]]) -> None:
        super().__init__(galvani_map)
        self.galvani_ids = frozenset(int(k) for k in galvani_map)
        for key, value in SUPPLEMENT.items():
            self.setdefault(key, value)

    def resolve(self, key: Any) -> int | None:
        """The ID whose entry describes column ``key``, or None if none does."""
        k = int(key)
        if dict.__contains__(self, k):
            return k
        if k > 255 and dict.__contains__(self, k % 256):
            return k % 256
        return None

    def __contains__(self, key: object) -> bool:
        try:
            return self.resolve(key) is not None
        except (TypeError, ValueError):
            return False

    def __getitem__(self, key: Any) -> tuple[str, str]:
        k = self.resolve(key)
        if k is None:
            raise KeyError(key)
        return dict.__getitem__(self, k)

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self else default


def column_table() -> ColumnTable:
    """galvani's column table, wrapped in a :class:`ColumnTable` (installed in
    ``galvani.BioLogic`` the first time; galvani looks the table up at each call)."""
    from galvani import BioLogic

    table = BioLogic.VMPdata_colID_dtype_map
    if not isinstance(table, ColumnTable):
        table = ColumnTable(table)
        BioLogic.VMPdata_colID_dtype_map = table
    return table


def folded_ids(ids: Any) -> list[str]:
    """Notes for the column IDs of a file that galvani does not know itself and that were
    read by :class:`ColumnTable` (from :data:`SUPPLEMENT` or as ID % 256)."""
    from galvani.BioLogic import VMPdata_colID_flag_map

    table = column_table()
    notes = []
    for raw in ids:
        k = int(raw)
        if k in table.galvani_ids or k in VMPdata_colID_flag_map or k not in table:
            continue
        target = table.resolve(k)
        name = table[k][0]
        how = f"as ID {target} ({k} % 256)" if target != k else "from yadg's column table"
        notes.append(f"column ID {k} read {how}: '{name}'")
    return notes


def sniff(head: bytes) -> int:
    """YES if the file starts with the BioLogic modular-file magic (or a prefix of it)."""
    if head.startswith(MAGIC) or (len(head) < len(MAGIC) and MAGIC.startswith(head)):
        return YES
    return NO


def _open(path: Path) -> Any:
    """galvani's MPRfile for ``path``, its errors turned into ohmslice errors."""
    from galvani.BioLogic import MPR_MAGIC, MPRfile

    column_table()
    with open(path, "rb") as fh:
        data = fh.read(len(MPR_MAGIC))
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


class _Fields:
    """The columns of galvani's record array under their EC-Lab names, as
    :func:`~ohmslice.io._biologic.canonical` reads a table (``in``, ``[name]``, ``len``,
    ``columns``): each field a view of the records, the flags decoded only when read --
    no DataFrame of every column (most are not needed)."""

    def __init__(self, mpr: Any) -> None:
        self._mpr = mpr
        self._names = [n for n in mpr.data.dtype.names if n != "flags"]
        self.columns = self._names + [f for f in mpr.flags_dict if f not in self._names]

    def __len__(self) -> int:
        return len(self._mpr.data)

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def __getitem__(self, name: str) -> np.ndarray:
        if name in self._names:
            return self._mpr.data[name]
        if name in self._mpr.flags_dict:
            return self._mpr.get_flag(name)
        raise KeyError(name)


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
    raw = _Fields(mpr)
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
    frame, used, notes = _biologic.canonical(raw, path, columns, open_circuit=technique == "OCV")
    notes = folded_ids(getattr(mpr, "cols", ())) + notes
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
