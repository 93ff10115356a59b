"""Neware BTS cycler files: ``.nda`` (binary) and ``.ndax`` (zip), decoded by NewareNDA.

Both are decoded by the NewareNDA package (``NewareNDA.NewareNDA.read_nda`` and
``NewareNDA.NewareNDAx.read_ndax``, the two functions ``NewareNDA.read`` dispatches to by
suffix: they are called by *content* here, so a file with a wrong suffix is read too), with
NewareNDA's defaults (its cycle number regenerated as BTSDA's "charge first" statistic). It
returns one row per record: ``Index``, ``Cycle``, ``Step`` (a running count of the steps
run), ``Step_Index`` (the step of the schedule), ``Status`` (``CC_Chg``, ``CC_DChg``,
``CV_Chg``, ``Rest``, ...), ``Time`` [s, float32], ``Voltage`` [V], ``Current(mA)``,
``Charge_Capacity(mAh)`` / ``Discharge_Capacity(mAh)`` (counted from 0 in each step),
``Timestamp`` and the auxiliary channels (``T1``, ``T2``, ... [°C]; ``V1``, ... [V]).

Canonical columns of the :class:`~ohmslice.schema.Recording`:

* ``time_s``: the test time [s]. From the ``Timestamp`` column (the tester's clock: pauses
  of the channel count) where it never goes back and ticks wherever ``Time`` advances;
  otherwise (a clock set back, a 1 s resolution coarser than the sampling, missing
  stamps) from ``Time``: summed over the steps where it restarts at each step (older
  BTS), taken as it is where it runs on over the steps (BTS 9.1). ``meta["notes"]`` says
  which and why; ``read(path, columns={"time_s": "Time"})`` (or ``"Timestamp"``) forces
  one. Both start at the first record's ``Time``.
* ``voltage_V`` = ``Voltage`` [V]; ``current_A`` = ``Current(mA)`` / 1000 [A] with the
  file's sign, which is ohmslice's: NewareNDA gives charge steps (``CC_Chg``, ``CV_Chg``,
  ...) current > 0 and discharge steps current < 0.
* ``step`` = ``Step_Index`` (the schedule's step number, repeated in every cycle, like
  EC-Lab's ``Ns``); ``cycle`` = ``Cycle``; ``technique`` = ``Status``, the kind of each
  row's step.
* ``charge_Ah``: the net charge passed since the first record [A h], ``Charge_Capacity
  - Discharge_Capacity`` carried over from step to step where the counters restart
  (left out, with a note, if a capacity is missing).
* ``temperature_C``: the first auxiliary temperature channel (``T1``); the others are
  named in the notes, ``columns={"temperature_C": "T2"}`` picks another.

``meta``: ``instrument`` "Neware BTS", ``technique`` None (the steps' kinds are in the
``technique`` column), ``software`` (the BTS version the file names), ``settings`` what
NewareNDA reads of the header (``nda_version``, ``active_mass_mg``, ``remarks``; for an
``.ndax`` its XML members: the step schedule, test information, versions) plus
``acquisition_start`` (the first ``Timestamp``) and ``decoder`` (NewareNDA's version).

Failure modes, each one :class:`~ohmslice.errors.InputError` naming the file, never
NewareNDA's own exception (its log messages are silenced):

* :class:`~ohmslice.errors.TruncatedFileError`: the file ends inside its header or before
  its first record, or an ``.ndax`` lacks the zip directory at its end (a copy cut short);
* :class:`~ohmslice.errors.FileFormatError`: neither ``NEWARE`` at the start nor a zip of
  Neware members, an ``.nda`` version or ``.ndc`` layout NewareNDA does not read, a record
  holding a step-type or range code it does not know, any other decoding failure;
* :class:`~ohmslice.errors.EmptyDataError`: no records;
* :class:`~ohmslice.errors.InvalidDataError`: a time, voltage or current that is missing,
  or time going back (forced ``Timestamp``).

An ``.nda`` of version 130 whose records run to the end of the file without the block that
closes a complete file (a copy taken while the test ran, or cut short) is read as far as
it goes, with one :class:`~ohmslice.errors.TruncatedFileWarning`. An older (version 29)
``.nda`` has no such block: its records (86 bytes each) simply run to the end of a
complete file, so a cut is seen where it leaves the last record partial (the file's data
part is not a whole number of records) or where the file ends in zero bytes (a computer
that stopped while writing it); it is read as far as it goes with one
:class:`~ohmslice.errors.TruncatedFileWarning` saying how many records were read and
where the last one stands (its step of the run, the time into that step). A version-29 file cut exactly between two records cannot be told
from a complete one.
"""

from __future__ import annotations

import logging
import mmap
import re
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._paths import os_reason
from ..errors import (
    EmptyDataError,
    FileFormatError,
    InputError,
    MissingColumnError,
    TruncatedFileError,
    TruncatedFileWarning,
    show_path,
)
from ..schema import CHARGE, CURRENT, CYCLE, STEP, TECHNIQUE, TIME, VOLTAGE
from ._assemble import ROW, TEMPERATURE, assemble
from ._registry import MAYBE, NO, YES, Reader, ReadResult, register
from ._truncation import count
from ._warn import Pending

NAME = "neware"
DESCRIPTION = "Neware BTS cycler file (.nda binary, .ndax zipped; via NewareNDA)"

#: First bytes of every ``.nda`` (NewareNDA refuses a file without them).
NDA_MAGIC = b"NEWARE"
ZIP_MAGIC = b"PK\x03\x04"
#: End-of-central-directory record that closes every zip file.
_ZIP_END = b"PK\x05\x06"
#: Members of an ``.ndax`` besides its ``*.ndc`` data files.
NDAX_XML = frozenset({b"Step.xml", b"EditStep.xml", b"TestInfo.xml", b"VersionInfo.xml"})
#: Byte 14 of an ``.nda``: the file version; data records of version 130 start at 1024.
_VERSION_BYTE = 14
_V130 = 130
_V130_DATA = 1024
#: First byte of the block BTS writes after the last record of a version-130 file.
_V130_END = 0x81
#: Version-29 ``.nda``: the length of a record, and the bytes before the first one (four
#: zero bytes, then a data record's ``55 00``), as NewareNDA finds them.
_V29 = 29
_V29_RECORD = 86
_V29_FIRST = b"\x00\x00\x00\x00\x55\x00"
_AUX_TEMPERATURE = re.compile(r"^T(-?\d+)$")

_CHARGE_IN = "Charge_Capacity(mAh)"
_DISCHARGE_IN = "Discharge_Capacity(mAh)"
_NEEDED = ("Step", "Step_Index", "Cycle", "Status", "Time", "Voltage", "Current(mA)")

#: ``columns=`` overrides this reader accepts: canonical name -> what it may name.
OVERRIDES = {TIME: ("Timestamp", "Time"), TEMPERATURE: ("an auxiliary column, e.g. 'T2'",)}


# --- sniffing ---------------------------------------------------------------------------
def _zip_names(head: bytes) -> list[bytes]:
    """Names of the zip members whose local headers lie in ``head``."""
    names = []
    for m in re.finditer(re.escape(ZIP_MAGIC), head):
        i = m.start()
        if i + 30 > len(head):
            break
        n = int.from_bytes(head[i + 26 : i + 28], "little")
        names.append(head[i + 30 : i + 30 + n])
    return names


def _neware_member(name: bytes) -> bool:
    base = name.rsplit(b"/", 1)[-1]
    return base in NDAX_XML or base.endswith(b".ndc")


def sniff(head: bytes) -> int:
    """YES for ``NEWARE`` and an 8-digit date (``.nda``; MAYBE without the date), or a zip
    whose first members are Neware's (``*.ndc``, ``Step.xml``, ``TestInfo.xml``, ...: an
    ``.ndax``); MAYBE for a zip cut inside the name of its first member; NO otherwise (an
    ``.xlsx`` or any other zip included)."""
    if head.startswith(NDA_MAGIC):
        return YES if head[6:14].isdigit() else MAYBE
    if head.startswith(ZIP_MAGIC):
        if any(map(_neware_member, _zip_names(head))):
            return YES
        if len(head) < 30 + int.from_bytes(head[26:28].ljust(2, b"\0"), "little"):
            return MAYBE  # cut inside its first member's name: the suffix decides
    return NO


# --- decoding ---------------------------------------------------------------------------
@contextmanager
def _quiet() -> Iterator[None]:
    """NewareNDA logs (and pandas warns) while decoding: keep that off the user's screen."""
    log = logging.getLogger("newarenda")
    level = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        log.setLevel(level)


def _kind(path: Path, head: bytes) -> str:
    """``"nda"`` or ``"ndax"`` from the first bytes; FileFormatError for anything else."""
    if head.startswith(NDA_MAGIC):
        return "nda"
    if head.startswith(ZIP_MAGIC):
        return "ndax"
    shown = " ".join(f"{b:02X}" for b in head[:8]) or "nothing"
    raise FileFormatError(
        f"not a Neware file: it starts with the bytes {shown}; expected 'NEWARE' (.nda) or "
        "a zip archive of Neware members (.ndax)",
        path=path,
    )


def _v130_cut(path: Path, head: bytes, size: int) -> tuple[bool, bool]:
    """(records run to the end of the file without the closing block, last record partial)
    for a version-130 ``.nda``; (False, False) for other versions.

    Looks only at the first byte of each record slot (the record length is NewareNDA's:
    88 bytes, or for BTS 9.1 files the distance to the next record's first two bytes).
    """
    if len(head) <= _VERSION_BYTE or head[_VERSION_BYTE] != _V130:
        return False, False
    if size < _V130_DATA + 2:
        return True, size > _V130_DATA
    with path.open("rb") as fh:
        fh.seek(_V130_DATA)
        first = fh.read(65_536)
    length = 88
    if first[:1] == b"\x55":
        nxt = first.find(first[:2], 2)
        if nxt <= 0:
            return True, True
        length = nxt
    slots = (size - _V130_DATA) // length
    if slots == 0:
        return True, True
    lead = np.memmap(path, dtype=np.uint8, mode="r", offset=_V130_DATA, shape=(slots, length))
    closed = bool((lead[:, 0] == _V130_END).any())
    del lead
    return (not closed), (not closed and (size - _V130_DATA) % length != 0)


def _v29_cut(path: Path, head: bytes, size: int) -> tuple[int, int]:
    """(bytes of a partial last record, zero bytes at the end of the file) for a
    version-29 ``.nda``; (0, 0) for other versions, or where no record is found (NewareNDA
    then says so itself).

    The records start where NewareNDA starts reading: after the first four zero bytes
    followed by ``55 00`` whose record (status byte nonzero) is followed by another data
    record; from there a complete file is a whole number of 86-byte records.
    """
    if len(head) <= _VERSION_BYTE or head[_VERSION_BYTE] != _V29 or size == 0:
        return 0, 0
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        at = mm.find(_V29_FIRST)
        while at >= 0:
            nxt = at + 4 + _V29_RECORD
            if nxt >= size or (mm[nxt] == 0x55 and mm[at + 4 + 12] != 0):
                break
            at = mm.find(_V29_FIRST, at + 4)
        if at < 0:
            return 0, 0
        start = at + 4
        tail = mm[max(start, size - 65_536) :]
    partial = (size - start) % _V29_RECORD
    zeros = len(tail) - len(tail.rstrip(b"\x00"))
    return partial, zeros


def _zip_cut(path: Path, size: int) -> bool:
    """The file starts as a zip but ends before the end of its closing directory record
    (22 bytes and a comment of the length it declares, in the last 64 KiB)."""
    with path.open("rb") as fh:
        fh.seek(max(0, size - 65_557))
        tail = fh.read()
    at = tail.rfind(_ZIP_END)
    if at < 0 or at + 22 > len(tail):
        return True
    return at + 22 + int.from_bytes(tail[at + 20 : at + 22], "little") > len(tail)


def _decode(path: Path) -> tuple[pd.DataFrame, str, list[Pending]]:
    """NewareNDA's table of ``path``, the kind (``nda``/``ndax``) and a truncation warning.

    Raises
    ------
    TruncatedFileError, FileFormatError, EmptyDataError, InputError
        See the module docstring; InputError for an operating-system refusal.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(_V130_DATA + 1)
    except OSError as exc:
        raise InputError(os_reason(exc), path=path) from None
    kind = _kind(path, head)
    if kind == "nda" and len(head) <= _VERSION_BYTE:
        raise TruncatedFileError(
            f"the file ends after {size} bytes, inside the Neware .nda header (its version "
            f"is byte {_VERSION_BYTE})",
            path=path,
        )
    if kind == "nda" and head[_VERSION_BYTE] == _V130 and size <= _V130_DATA:
        raise TruncatedFileError(
            f"the file ends after {size} bytes, inside the {_V130_DATA}-byte header of a "
            "version-130 .nda, before any record",
            path=path,
        )
    cut, partial = _v130_cut(path, head, size) if kind == "nda" else (False, False)
    v29_partial, v29_zeros = _v29_cut(path, head, size) if kind == "nda" else (0, 0)
    cut = cut or bool(v29_partial or v29_zeros >= _V29_RECORD)
    df = _call_newarenda(path, kind, size, cut)
    if len(df) == 0:
        if cut:
            raise TruncatedFileError(
                "the file ends before its first complete record (a copy cut short?)", path=path
            )
        raise EmptyDataError("holds no data records", path=path)
    pending: list[Pending] = []
    if cut and head[_VERSION_BYTE] == _V29:
        pending.append((TruncatedFileWarning, _v29_message(path, df, v29_partial, v29_zeros)))
    elif cut:
        lost = "; its last record is incomplete and left out" if partial else ""
        pending.append(
            (
                TruncatedFileWarning,
                f"{show_path(path)}: the file ends among its data records, without the block "
                "that closes a complete version-130 .nda (a copy taken while the test was "
                f"running, or a file cut short): the {count(len(df))} records before the "
                f"end are read{lost}",
            )
        )
    return df, kind, pending


def _v29_message(path: Path, df: pd.DataFrame, partial: int, zeros: int) -> str:
    """The warning text of a version-29 ``.nda`` cut short (see :func:`_v29_cut`)."""
    what = []
    if partial and zeros < _V29_RECORD:
        what.append(
            f"the file ends inside a record ({partial} of its {_V29_RECORD} bytes are "
            "there; the partial record is left out)"
        )
    if zeros >= _V29_RECORD:
        what.append(
            f"the file ends in {count(zeros)} zero bytes (the computer stopped while it "
            "was being written?)"
        )
    reached = ""
    if "Time" in df and "Step" in df and len(df):
        last = df.iloc[-1]
        reached = (
            f", the last in step {int(last['Step'])} of the run, {float(last['Time']):.6g} s into "
            "that step"
        )
    return (
        f"{show_path(path)}: {' and '.join(what)}: a copy taken while the test was running, "
        f"or a file cut short; read {count(len(df))} complete records{reached}"
    )


def _call_newarenda(path: Path, kind: str, size: int, cut: bool) -> pd.DataFrame:
    """``read_nda`` / ``read_ndax`` on ``path``, their exceptions turned into ohmslice's."""
    from NewareNDA import __version__ as version
    from NewareNDA.NewareNDA import read_nda
    from NewareNDA.NewareNDAx import read_ndax

    what = f"a Neware .{kind} file by NewareNDA {version}"
    try:
        with _quiet():
            if kind == "nda":
                return read_nda(str(path), software_cycle_number=True, cycle_mode="chg")
            return read_ndax(str(path), software_cycle_number=True, cycle_mode="chg")
    except MemoryError:
        raise
    except zipfile.BadZipFile as exc:
        if _zip_cut(path, size):
            raise TruncatedFileError(
                f"the file ends after {size} bytes without the zip directory that closes "
                "every .ndax (a copy cut short, or taken while the test was running)",
                path=path,
            ) from exc
        raise FileFormatError(f"cannot be read as {what}: {_one_line(exc)}", path=path) from exc
    except EOFError as exc:
        raise TruncatedFileError(
            "holds no data record NewareNDA can find: the file ends before its first record "
            "(a copy cut short?) or the test recorded nothing",
            path=path,
        ) from exc
    except NotImplementedError as exc:
        raise FileFormatError(
            f"{_one_line(exc).rstrip('!')}: a layout NewareNDA {version} does not read "
            "(it reads .nda versions 29 and 130 and the .ndax data it knows); export the "
            "data from BTSDA as a table and read that",
            path=path,
        ) from exc
    except KeyError as exc:
        raise FileFormatError(
            f"a record holds the code {exc.args[0] if exc.args else '?'!r}, which NewareNDA "
            f"{version} does not know (a step type or current range of a newer BTS "
            "version?)",
            path=path,
        ) from exc
    except OSError as exc:
        if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
            raise InputError(os_reason(exc), path=path) from None
        raise FileFormatError(f"cannot be read as {what}: {_one_line(exc)}", path=path) from exc
    except Exception as exc:  # noqa: BLE001 -- NewareNDA fails with any type on bad bytes
        if cut:
            raise TruncatedFileError(
                f"the file ends after {size} bytes, among its records, and NewareNDA cannot "
                f"read what is there ({_one_line(exc)})",
                path=path,
            ) from exc
        raise FileFormatError(f"cannot be read as {what}: {_one_line(exc)}", path=path) from exc


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _metadata(path: Path, kind: str) -> tuple[dict[str, Any], list[str]]:
    """NewareNDA's reading of the header (``read_nda_metadata`` / ``read_ndax_metadata``);
    a failure there leaves the settings empty, with a note, as the data were read."""
    from NewareNDA.NewareNDA import read_nda_metadata
    from NewareNDA.NewareNDAx import read_ndax_metadata

    try:
        with _quiet():
            meta = (read_nda_metadata if kind == "nda" else read_ndax_metadata)(path)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 -- the header is optional, the data are read
        return {}, [f"the file's header settings could not be read ({_one_line(exc)})"]
    return dict(meta), []


def _software(settings: Mapping[str, Any]) -> str | None:
    """The BTS version the file names, if any."""
    for key in ("client_version", "bts_version", "server_version"):
        if settings.get(key):
            value = str(settings[key])
            return value if key != "bts_version" else f"BTS {value}"
    info = settings.get("TestInfo")
    if isinstance(info, Mapping) and info.get("SortVersion"):
        return str(info["SortVersion"])
    return None


# --- canonical columns ------------------------------------------------------------------
def _check_overrides(path: Path, columns: Mapping[str, str] | None) -> dict[str, str]:
    """The ``columns=`` overrides, checked against :data:`OVERRIDES` (values naming an
    auxiliary column are checked once the table is read)."""
    out = dict(columns or {})
    for canon, target in out.items():
        if canon not in OVERRIDES:
            raise InputError(
                f"columns= names '{canon}'; a Neware file (read by NewareNDA, which names its "
                "columns one way) takes only time_s ('Timestamp' or 'Time') and "
                "temperature_C (an auxiliary column such as 'T2')",
                path=path,
            )
        if canon == TIME and target not in OVERRIDES[TIME]:
            raise InputError(
                f"columns= maps time_s to '{target}'; expected 'Timestamp' (the tester's "
                "clock) or 'Time' (the step time, summed over steps)",
                path=path,
            )
    return out


def _seconds(stamps: pd.Series) -> np.ndarray:
    """Seconds since the first time stamp (NaN for a missing one, or if none is a date)."""
    if not (
        pd.api.types.is_datetime64_any_dtype(stamps.dtype)
        and len(stamps)
        and pd.notna(stamps.iloc[0])
    ):
        return np.full(len(stamps), np.nan)
    return (stamps - stamps.iloc[0]).dt.total_seconds().to_numpy(dtype=float)


def _timestamp_problem(ts: np.ndarray, t_step: np.ndarray, boundary: np.ndarray) -> str | None:
    """Why the time stamps cannot be the test time, or None if they can.

    ``boundary[k]`` is True where row ``k + 1`` starts a new step.
    """
    bad = ~np.isfinite(ts)
    if bad.all():
        return "the records carry no usable Timestamp"
    if bad.any():
        return f"{count(int(bad.sum()))} records have no Timestamp"
    dts = np.diff(ts)
    back = np.flatnonzero(dts < 0)
    if back.size:
        k = int(back[0]) + 1
        return (
            f"the Timestamp goes back by {-dts[k - 1]:.6g} s at record {k} (the tester's clock "
            "was set back)"
        )
    ticks = ~boundary & (np.diff(t_step) > 0)  # the step time advances within a step
    still = ticks & (dts == 0)
    if still.any():
        positive = dts[dts > 0]
        resolution = f"{positive.min():.3g} s" if positive.size else "no"
        return (
            f"the Timestamp has {resolution} resolution, coarser than the sampling: "
            f"{count(int(still.sum()))} records share the stamp of the record before while "
            "'Time' advances"
        )
    return None


def _test_time(raw: pd.DataFrame, force: str | None) -> tuple[np.ndarray, str, str]:
    """Test time [s] of every row, the column it came from, and a note saying how."""
    t_step = raw["Time"].to_numpy(dtype=float)
    steps = raw["Step"].to_numpy()
    boundary = steps[1:] != steps[:-1]
    t0 = t_step[0]
    ts = _seconds(raw["Timestamp"]) if "Timestamp" in raw else np.full(len(raw), np.nan)
    problem = _timestamp_problem(ts, t_step, boundary) if force is None else None
    if force == "Timestamp" or (force is None and problem is None):
        how = "as asked (columns=)" if force else "it ticks with 'Time' in every record"
        return (
            t0 + ts,
            "Timestamp",
            f"time_s is the Timestamp column, the tester's clock ({how}; pauses of the "
            "channel count), from the first record's Time",
        )
    why = "as asked (columns=)" if force else problem
    starts = np.flatnonzero(boundary) + 1  # first row of each step after the first
    if (t_step[starts] < t_step[starts - 1]).any():
        # the step time restarts at each step: add the duration of every step before
        offset = np.zeros(len(t_step))
        offset[starts] = t_step[starts - 1]
        return (
            t_step + np.cumsum(offset),
            "Time",
            f"time_s is the step time 'Time' summed over the steps, not the Timestamp: {why}",
        )
    return (
        t_step,
        "Time",
        f"time_s is the column 'Time' (it runs on over the steps: the tester's test time), "
        f"not the Timestamp: {why}",
    )


def _net_charge_mAh(raw: pd.DataFrame, steps: np.ndarray) -> np.ndarray:
    """Net charge since the first record [mA h] from the per-step capacity counters.

    Within a step the increment is that of ``Charge - Discharge``; at a step's first row
    the counters restarted (the increment is its own value) unless both are at least
    their values at the end of the step before (counters that run on: the difference).
    """
    c = raw[_CHARGE_IN].to_numpy(dtype=float)
    d = raw[_DISCHARGE_IN].to_numpy(dtype=float)
    net = c - d
    inc = np.empty_like(net)
    inc[0] = net[0]
    inc[1:] = np.diff(net)
    starts = np.flatnonzero(steps[1:] != steps[:-1]) + 1
    restarted = (c[starts] < c[starts - 1]) | (d[starts] < d[starts - 1])
    inc[starts[restarted]] = net[starts[restarted]]
    return np.cumsum(inc)


def canonical(
    raw: pd.DataFrame, path: Path, overrides: Mapping[str, str]
) -> tuple[dict[str, np.ndarray], dict[str, str], list[str]]:
    """NewareNDA's table -> canonical columns in SI units (see the module docstring).

    Returns
    -------
    frame, used, notes
        The canonical columns as arrays (with ``_row``), which NewareNDA column each
        canonical column came from, and how the time, charge and temperature were chosen.

    Raises
    ------
    MissingColumnError
        A column NewareNDA always gives is absent (another NewareNDA version?), or
        ``columns=`` names an auxiliary column the file does not have.
    """
    missing = [c for c in _NEEDED if c not in raw]
    if missing:
        raise MissingColumnError(
            f"NewareNDA gave no column {missing}; it gave {list(map(str, raw.columns))}",
            path=path,
        )
    notes: list[str] = []
    steps = raw["Step"].to_numpy()
    time, time_from, note = _test_time(raw, overrides.get(TIME))
    notes.append(note)
    frame = {
        ROW: np.arange(len(raw)),
        TIME: time,
        VOLTAGE: raw["Voltage"].to_numpy(dtype=float),
        CURRENT: raw["Current(mA)"].to_numpy(dtype=float) * 1e-3,
        STEP: raw["Step_Index"].to_numpy(dtype=np.int64),
        CYCLE: raw["Cycle"].to_numpy(dtype=np.int64),
        TECHNIQUE: raw["Status"].to_numpy(dtype=object),
    }
    used = {
        TIME: time_from,
        VOLTAGE: "Voltage",
        CURRENT: "Current(mA)",
        STEP: "Step_Index",
        CYCLE: "Cycle",
        TECHNIQUE: "Status",
    }
    if _CHARGE_IN in raw and _DISCHARGE_IN in raw:
        q = _net_charge_mAh(raw, steps) * 1e-3
        if np.isfinite(q).all():
            frame[CHARGE] = q
            used[CHARGE] = f"{_CHARGE_IN} - {_DISCHARGE_IN}, carried over the steps"
        else:
            notes.append("charge_Ah left out: the capacity columns have missing values")
    aux = sorted(
        (c for c in map(str, raw.columns) if _AUX_TEMPERATURE.match(c)),
        key=lambda c: abs(int(_AUX_TEMPERATURE.match(c).group(1))),
    )
    chosen = overrides.get(TEMPERATURE) or (aux[0] if aux else None)
    if chosen is not None:
        if chosen not in raw:
            raise MissingColumnError(
                f"columns= maps temperature_C to '{chosen}', which NewareNDA did not read from "
                f"the file; its auxiliary temperatures: {aux or 'none'}",
                path=path,
            )
        frame[TEMPERATURE] = raw[chosen].to_numpy(dtype=float)
        used[TEMPERATURE] = chosen
        others = [c for c in aux if c != chosen]
        if others:
            notes.append(
                f"temperature_C is the auxiliary channel '{chosen}'; also in the file: "
                f"{', '.join(others)} (columns={{'temperature_C': ...}} picks another)"
            )
    return frame, used, notes


def load(path: Path, columns: Mapping[str, str] | None = None) -> ReadResult:
    """Read a Neware ``.nda`` or ``.ndax`` file (see the module docstring).

    ``columns`` may force the time source (``{"time_s": "Timestamp"}`` or ``"Time"``) and
    pick the temperature channel (``{"temperature_C": "T2"}``).

    Warns
    -----
    TruncatedFileWarning
        A version-130 ``.nda`` ends among its records, or a version-29 ``.nda`` inside a
        record or in zero bytes (read as far as it goes).

    Raises
    ------
    TruncatedFileError, FileFormatError, EmptyDataError, MissingColumnError,
    InvalidDataError, InputError
        Always naming the file (see the module docstring).
    """
    overrides = _check_overrides(path, columns)
    raw, kind, pending = _decode(path)
    settings, notes = _metadata(path, kind)
    frame, used, more = canonical(raw, path, overrides)
    from NewareNDA import __version__ as version

    settings["decoder"] = f"NewareNDA {version}"
    if "Timestamp" in raw and len(raw) and pd.notna(raw["Timestamp"].iloc[0]):
        settings["acquisition_start"] = raw["Timestamp"].iloc[0].isoformat()
    meta = {
        "source": str(path),
        "format": NAME,
        "instrument": "Neware BTS",
        "technique": None,
        "software": _software(settings),
        "settings": settings,
        "columns": used,
        "notes": notes + more,
    }
    return assemble(frame, meta, found=list(map(str, raw.columns)), pending=pending)


register(
    Reader(
        name=NAME,
        description=DESCRIPTION,
        suffixes=(".nda", ".ndax"),
        sniff=sniff,
        load=load,
    )
)
