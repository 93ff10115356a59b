"""Canonical data model: the column names, units and sign conventions every module shares.

Two types reach users:

* :class:`Recording` -- a time series of one cell: ``time_s`` [s], ``voltage_V`` [V],
  ``current_A`` [A] and optionally ``step``, ``cycle``, ``charge_Ah`` [A h],
  ``technique``. Current > 0 charges the working electrode (oxidises the cathode),
  current < 0 discharges it.
* :class:`Spectrum` -- impedance points: ``freq_Hz`` [Hz], ``z_real_ohm``, ``z_imag_ohm``
  [Ohm] with Z = Z' + jZ'' (a capacitive arc has Z'' < 0), optionally ``dc_V``, ``dc_A``,
  ``time_s``.

Both are built from a pandas DataFrame holding those columns, validate it on
construction and raise :mod:`ohmslice.errors` exceptions naming the column and the row.
The readers, which check a whole file at once, hand their columns over as arrays
instead; the DataFrame (``.data``) is then built on first use.
The column names are a public contract: they do not change between releases.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._display import Plottable, html_summary
from .errors import EmptyDataError, InvalidDataError, MissingColumnError

# --- canonical column names -------------------------------------------------------------
TIME = "time_s"
VOLTAGE = "voltage_V"
CURRENT = "current_A"
STEP = "step"
CYCLE = "cycle"
CHARGE = "charge_Ah"
TECHNIQUE = "technique"

FREQ = "freq_Hz"
Z_REAL = "z_real_ohm"
Z_IMAG = "z_imag_ohm"
DC_V = "dc_V"
DC_A = "dc_A"

RECORDING_REQUIRED = (TIME, VOLTAGE, CURRENT)
RECORDING_OPTIONAL = (STEP, CYCLE, CHARGE, TECHNIQUE)
SPECTRUM_REQUIRED = (FREQ, Z_REAL, Z_IMAG)
SPECTRUM_OPTIONAL = (DC_V, DC_A, TIME, CYCLE)

UNITS = {
    TIME: "s",
    VOLTAGE: "V",
    CURRENT: "A",
    CHARGE: "A h",
    FREQ: "Hz",
    Z_REAL: "Ohm",
    Z_IMAG: "Ohm",
    DC_V: "V",
    DC_A: "A",
}

#: Spacing [s] given to rows that share one time stamp (see :class:`Recording`).
DUPLICATE_TIME_SPACING_S = 1e-6


def _meta(meta: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "source": None,
        "format": None,
        "instrument": None,
        "technique": None,
        "settings": {},
    }
    if meta:
        out.update(meta)
    return out


def _require(df: pd.DataFrame, columns: tuple[str, ...], source: Any) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InvalidDataError(f"expected a pandas DataFrame, got {type(df).__name__}", path=source)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise MissingColumnError(
            f"missing column(s) {missing}; have {list(map(str, df.columns))}",
            path=source,
        )
    if len(df) == 0:
        raise EmptyDataError("no data rows", path=source)


def _check_finite(df: pd.DataFrame, columns: tuple[str, ...], source: Any) -> None:
    for col in columns:
        if col not in df.columns:
            continue
        try:
            values = df[col].to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            raise InvalidDataError(
                f"values are not numeric ({exc})", path=source, column=col
            ) from None
        bad = ~np.isfinite(values)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InvalidDataError(
                f"{int(bad.sum())} non-finite value(s) (NaN or infinite), first at row {row}",
                path=source,
                column=col,
                row=row,
            )


def _span(lo: float, hi: float, unit: str, digits: int = 4) -> str:
    return f"{lo:.{digits}g} .. {hi:.{digits}g} {unit}"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.4g} s"
    if seconds < 7200:
        return f"{seconds / 60:.4g} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.4g} h"
    return f"{seconds / 86400:.4g} d"


def _name(source: Any) -> str:
    return str(source).replace("\\", "/").rsplit("/", 1)[-1] if source else ""


class SharedColumns:
    """Equally long read-only arrays that several tables of one file (its spectra) hold
    rows of, and the DataFrame of all of them, built when one table's ``.data`` is first
    used: each table's DataFrame is then a slice of it."""

    __slots__ = ("arrays", "_frame")

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.arrays = dict(arrays)
        self._frame: pd.DataFrame | None = None

    def frame(self, rows: slice) -> pd.DataFrame:
        """Rows ``rows`` as a DataFrame indexed 0, 1, ..."""
        if self._frame is None:
            self._frame = pd.DataFrame(self.arrays)
        out = self._frame.iloc[rows]
        out.index = pd.RangeIndex(len(out))  # (not reset_index: 10x the time)
        return out


class _Table(Plottable):
    """Common part of Recording and Spectrum: a validated DataFrame plus metadata;
    ``.plot()`` draws it (:mod:`ohmslice._display`).

    A table a reader made (:meth:`_checked`) holds its columns as read-only arrays until
    :attr:`data` is first used; the convenience arrays (``time``, ``voltage``, ``freq``,
    ``z``, ...) read them without building the DataFrame.
    """

    _required: tuple[str, ...] = ()
    _optional: tuple[str, ...] = ()
    #: The columns (maybe shared by several tables of one file), and which rows of them
    #: are this table's, until :attr:`data` is built from them.
    _shared: SharedColumns | None = None
    _rows: slice = slice(None)
    _data: pd.DataFrame | None = None

    meta: dict[str, Any]

    @classmethod
    def _checked(
        cls,
        columns: Mapping[str, np.ndarray] | SharedColumns,
        meta: dict[str, Any],
        rows: slice = slice(None),
    ) -> Any:
        """The table of rows ``rows`` of ``columns``: arrays a reader already checked the
        way the constructor would (as it checks every table of a file at once), in the
        constructor's column order and row order, read-only; ``meta`` is taken as it
        is. Nothing is copied: a file of thousands of tables is read in microseconds per
        table."""
        table = object.__new__(cls)
        table.meta = meta
        shared = columns if isinstance(columns, SharedColumns) else SharedColumns(columns)
        table._shared, table._rows = shared, rows
        return table

    @property
    def data(self) -> pd.DataFrame:
        """The table as a DataFrame in canonical columns (built on first use)."""
        if self._data is None:
            self._data, self._shared = self._shared.frame(self._rows), None
        return self._data

    @data.setter
    def data(self, df: pd.DataFrame) -> None:
        self._data, self._shared = df, None

    def _column(self, name: str) -> np.ndarray:
        if self._data is None:
            return self._shared.arrays[name][self._rows]
        return self._data[name].to_numpy()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if self._data is None:  # only this table's rows, not a whole file's shared arrays
            own = {c: v[self._rows] for c, v in self._shared.arrays.items()}
            state["_shared"], state["_rows"] = SharedColumns(own), slice(None)
        return state

    def __len__(self) -> int:
        return len(self._column(self._required[0]))

    @property
    def source(self) -> str | None:
        """The file this table was read from, if any."""
        return self.meta.get("source")

    def _select(self, df: pd.DataFrame) -> pd.DataFrame:
        cols = [c for c in (*self._required, *self._optional) if c in df.columns]
        extra = [c for c in df.columns if c not in cols]
        out = df[cols + extra]  # a new frame (a copy, or copy-on-write)
        to_float = {c: float for c in self._required if out[c].dtype != float}
        return out.astype(to_float) if to_float else out

    def _head(self) -> str:
        src = f" from {_name(self.source)}" if self.source else ""
        tech = f" ({self.meta['technique']})" if self.meta.get("technique") else ""
        return f"{type(self).__name__}{src}{tech}"

    def _lines(self) -> list[str]:
        return []

    def __repr__(self) -> str:
        return "\n  ".join([f"<{self._head()}: {len(self)} rows", *self._lines()]) + ">"

    def _repr_html_(self) -> str:
        lines = [f"{len(self)} rows", *self._lines()]
        if self.source:
            lines.append(f"file: {self.source}")
        return html_summary(self._head(), lines, self.data, max_rows=6,
                            notes=self.meta.get("notes") or ())  # fmt: skip


class Recording(_Table):
    """A time series of one cell in canonical columns and SI units.

    Parameters
    ----------
    df
        DataFrame with at least ``time_s``, ``voltage_V``, ``current_A``; optionally
        ``step``, ``cycle``, ``charge_Ah``, ``technique`` and further columns, which are
        kept as they are.
    meta
        File metadata: ``source`` (path), ``format``, ``instrument``, ``technique``,
        ``settings`` (header settings as a dict).

    Notes
    -----
    Time after construction is strictly increasing:

    * rows identical in every column to the row before them are dropped;
    * a run of k rows sharing one time stamp t (instruments write the last point of one
      step and the first of the next with the same time) is kept in file order and
      spread to t, t + 1 us, ..., t + (k-1) us, so the voltage just before and just
      after a current step both survive;
    * time that goes backwards raises :class:`~ohmslice.errors.InvalidDataError`
      naming the row.

    Raises
    ------
    MissingColumnError, EmptyDataError, InvalidDataError
        Missing columns, no rows, non-finite time/voltage/current, time going back.
    """

    _required = RECORDING_REQUIRED
    _optional = RECORDING_OPTIONAL

    def __init__(self, df: pd.DataFrame, meta: Mapping[str, Any] | None = None) -> None:
        self.meta = _meta(meta)
        src = self.meta["source"]
        _require(df, self._required, src)
        _check_finite(df, self._required + (CHARGE,), src)
        out = self._select(df).reset_index(drop=True)
        keep, time = _increasing_time({c: out[c].to_numpy() for c in out.columns}, src)
        if keep is not None:
            out = out.loc[keep].reset_index(drop=True)
        if time is not None:
            out[TIME] = time
        self.data = out

    @classmethod
    def _checked(
        cls, columns: Mapping[str, np.ndarray], meta: dict[str, Any], rows: slice = slice(None)
    ) -> Recording:
        """As :meth:`_Table._checked`; time is made strictly increasing here, as the
        constructor makes it (rows dropped or times spread apart: new arrays)."""
        own = {c: v[rows] for c, v in columns.items()}
        keep, time = _increasing_time(own, meta.get("source"))
        if keep is not None:
            own = {c: v[keep] for c, v in own.items()}
        if time is not None:
            own[TIME] = time
        for values in own.values():
            values.flags.writeable = False
        return super()._checked(own, meta)

    # convenience arrays ---------------------------------------------------------------
    @property
    def time(self) -> np.ndarray:
        """Time [s], strictly increasing."""
        return self._column(TIME)

    @property
    def voltage(self) -> np.ndarray:
        """Working-electrode (or cell) voltage [V]."""
        return self._column(VOLTAGE)

    @property
    def current(self) -> np.ndarray:
        """Current [A], > 0 charging the working electrode."""
        return self._column(CURRENT)

    @classmethod
    def from_arrays(
        cls,
        time_s: np.ndarray,
        voltage_V: np.ndarray,
        current_A: np.ndarray,
        meta: Mapping[str, Any] | None = None,
        **columns: np.ndarray,
    ) -> Recording:
        """Build a recording from arrays in SI units (extra columns by keyword)."""
        df = pd.DataFrame({TIME: time_s, VOLTAGE: voltage_V, CURRENT: current_A, **columns})
        return cls(df, meta)

    @property
    def duration_s(self) -> float:
        """Time from first to last sample [s]."""
        t = self.time
        return float(t[-1] - t[0])

    def _lines(self) -> list[str]:
        v, i = self.voltage, self.current
        lines = [
            f"{_duration(self.duration_s)} ({_span(self.time[0], self.time[-1], 's')}); "
            f"voltage {_span(v.min(), v.max(), 'V')}, current "
            f"{_span(1e3 * i.min(), 1e3 * i.max(), 'mA')}"
        ]
        counts = [
            f"{self.data[c].nunique()} {c}s ({self.data[c].min():g} .. {self.data[c].max():g})"
            for c in ("step", "cycle")
            if c in self.data.columns and self.data[c].notna().any()
        ]
        if counts:
            lines.append(", ".join(counts))
        lines.append("columns: " + ", ".join(map(str, self.data.columns)))
        return lines


def _increasing_time(
    columns: Mapping[str, np.ndarray], source: Any
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """What makes the time of ``columns`` (finite) strictly increasing, as
    :class:`Recording` describes: the rows to keep (None: all) and the time of the kept
    rows (None: unchanged). Rows equal in every column to the row before are dropped;
    each further run of k rows sharing a time stamp t gets t, t + 1 us, ...

    Raises
    ------
    InvalidDataError
        Time goes backwards, or too many rows share a time stamp to be spread apart
        before the next sample (naming the row).
    """
    t = np.asarray(columns[TIME], dtype=float)
    dt = np.diff(t)
    if (dt < 0).any():
        row = int(np.flatnonzero(dt < 0)[0]) + 1
        raise InvalidDataError(
            f"time goes backwards ({t[row - 1]:.9g} s -> {t[row]:.9g} s); "
            "expected non-decreasing time",
            path=source,
            column=TIME,
            row=row,
        )
    same = dt == 0
    if not same.any():
        return None, None
    for values in columns.values():  # rows repeating the previous row exactly
        same &= values[1:] == values[:-1]
    keep = None
    if same.any():
        keep = np.r_[True, ~same]
        t = t[keep]
    new_run = np.r_[True, np.diff(t) != 0]
    run_id = np.cumsum(new_run) - 1
    rank = np.arange(len(t)) - np.flatnonzero(new_run)[run_id]
    spread = t + rank * DUPLICATE_TIME_SPACING_S
    bad = np.diff(spread) <= 0
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise InvalidDataError(
            "too many rows share one time stamp to be spread apart before the next "
            "sample; expected strictly increasing time",
            path=source,
            column=TIME,
            row=row,
        )
    return keep, spread


class Spectrum(_Table):
    """Impedance points of one spectrum, in canonical columns and SI units.

    Parameters
    ----------
    df
        DataFrame with ``freq_Hz``, ``z_real_ohm``, ``z_imag_ohm`` (Z = Z' + jZ'', a
        capacitive arc has Z'' < 0), optionally ``dc_V``, ``dc_A``, ``time_s``.
    meta
        File metadata, as for :class:`Recording`; ``meta["symmetric"]`` records whether
        :meth:`per_electrode` was applied.

    Notes
    -----
    Rows are sorted by increasing frequency.

    Raises
    ------
    MissingColumnError, EmptyDataError, InvalidDataError
        Missing columns, no rows, non-finite values, frequency <= 0.
    """

    _required = SPECTRUM_REQUIRED
    _optional = SPECTRUM_OPTIONAL

    def __init__(self, df: pd.DataFrame, meta: Mapping[str, Any] | None = None) -> None:
        self.meta = _meta(meta)
        src = self.meta["source"]
        _require(df, self._required, src)
        _check_finite(df, self._required, src)
        f = df[FREQ].to_numpy(dtype=float)
        if (f <= 0).any():
            row = int(np.flatnonzero(f <= 0)[0])
            raise InvalidDataError(
                f"frequency {f[row]:.6g} Hz; expected frequencies > 0",
                path=src,
                column=FREQ,
                row=row,
            )
        out = self._select(df)
        self.data = out.sort_values(FREQ, kind="stable").reset_index(drop=True)

    @property
    def freq(self) -> np.ndarray:
        """Frequency [Hz], increasing."""
        return self._column(FREQ)

    @property
    def omega(self) -> np.ndarray:
        """Angular frequency [rad/s]."""
        return 2 * np.pi * self.freq

    @property
    def z(self) -> np.ndarray:
        """Complex impedance Z' + jZ'' [Ohm]."""
        return self._column(Z_REAL) + 1j * self._column(Z_IMAG)

    def _lines(self) -> list[str]:
        f, z = self.freq, self.z
        lines = [
            f"{_span(f.min(), f.max(), 'Hz')}; Z' {_span(z.real.min(), z.real.max(), 'Ohm')}, "
            f"-Z'' up to {(-z.imag).max():.4g} Ohm"
        ]
        if self.meta.get("symmetric"):
            lines.append(f"per electrode: {self.meta['symmetric']}")
        lines.append("columns: " + ", ".join(map(str, self.data.columns)))
        return lines

    def per_electrode(self, r_sep_ohm: float = 0.0) -> Spectrum:
        """Impedance of one electrode of a symmetric cell: (Z - R_sep) / 2 [Ohm].

        ``r_sep_ohm`` is the separator's bulk resistance, subtracted before halving so
        that half of it is not counted as the electrode's; 0 gives plain Z/2.
        """
        df = self.data.copy()
        df[Z_REAL] = (df[Z_REAL] - r_sep_ohm) / 2
        df[Z_IMAG] = df[Z_IMAG] / 2
        meta = dict(self.meta)
        meta["symmetric"] = {"per_electrode": True, "r_sep_ohm": float(r_sep_ohm)}
        return Spectrum(df, meta)

    @classmethod
    def from_arrays(
        cls,
        freq_hz: np.ndarray,
        z: np.ndarray,
        meta: Mapping[str, Any] | None = None,
    ) -> Spectrum:
        """Build a spectrum from frequencies [Hz] and complex impedances [Ohm]."""
        z = np.asarray(z, dtype=complex)
        df = pd.DataFrame({FREQ: np.asarray(freq_hz, dtype=float), Z_REAL: z.real, Z_IMAG: z.imag})
        return cls(df, meta)
