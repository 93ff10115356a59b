"""Writers: recordings and spectra as EC-Lab text exports (.mpt) and canonical CSV.

The .mpt files mimic EC-Lab's own ASCII export (v11): Latin-1 text, LF line ends,

* line 1 ``EC-Lab ASCII FILE``, line 2 ``Nb header lines : N`` (N counts every header
  line, the column-name line included), a blank line, the technique name
  (``Galvanostatic Intermittent Titration Technique``, ``Galvanostatic Cycling with
  Potential Limitation`` or ``Potentio Electrochemical Impedance Spectroscopy``), a
  blank line and the settings block (channel, ``Ewe ctrl range``, device, electrode
  area, characteristic mass, battery capacity, comments);
* the column names, tab separated with a trailing tab, then the data, tab separated,
  numbers in EC-Lab's scientific notation with three-digit exponents
  (``3.4228721E+000``; time with 15 decimals), with a decimal point or -- as EC-Lab
  writes them on a French/German Windows -- a decimal comma, in the header too.

GCPL/GITT columns: ``mode ox/red error control changes Ns changes counter inc. Ns
time/s control/V/mA Ewe/V I/mA dq/mA.h (Q-Qo)/mA.h cycle number`` (mode 1 = CC,
2 = CV, 3 = rest; Ns = step within its loop; control = set current [mA] or voltage
[V]). PEIS columns: ``freq/Hz Re(Z)/Ohm -Im(Z)/Ohm |Z|/Ohm Phase(Z)/deg time/s <Ewe>/V
<I>/mA cycle number``, from the highest frequency down.

CSV files hold the canonical columns (``time_s, voltage_V, current_A, step, cycle,
charge_Ah`` or ``freq_Hz, z_real_ohm, z_imag_ohm``) with 17 significant digits, so they
read back bit for bit.

Every writer writes to a temporary file beside the target and renames it into place:
a file is either complete or absent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import reduce
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import atomic_file
from ..errors import InputError
from ..schema import (
    CHARGE,
    CURRENT,
    CYCLE,
    FREQ,
    STEP,
    TIME,
    VOLTAGE,
    Z_IMAG,
    Z_REAL,
    Recording,
    Spectrum,
)

__all__ = ["write_mpt", "write_mpt_spectrum", "write_csv", "atomic_write_text", "sci"]

TECHNIQUES = {
    "GITT": "Galvanostatic Intermittent Titration Technique",
    "GCPL": "Galvanostatic Cycling with Potential Limitation",
    "PEIS": "Potentio Electrochemical Impedance Spectroscopy",
}

GCPL_COLUMNS = (
    "mode", "ox/red", "error", "control changes", "Ns changes", "counter inc.", "Ns",
    "time/s", "control/V/mA", "Ewe/V", "I/mA", "dq/mA.h", "(Q-Qo)/mA.h", "cycle number",
)  # fmt: skip
PEIS_COLUMNS = (
    "freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm", "|Z|/Ohm", "Phase(Z)/deg", "time/s", "<Ewe>/V",
    "<I>/mA", "cycle number",
)  # fmt: skip


def atomic_write_text(path: str | PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding=encoding, newline="")
    return path


def sci(values: np.ndarray, decimals: int, decimal: str = ".") -> np.ndarray:
    """EC-Lab scientific notation, e.g. ``-1.2345678E-003``, for a whole array at once."""
    x = np.asarray(values, dtype=float)
    a = np.abs(x)
    nz = a > 0
    e = np.zeros(x.shape, dtype=np.int64)
    e[nz] = np.floor(np.log10(a[nz])).astype(np.int64)
    m = np.round(x / 10.0 ** e.astype(float), decimals)
    over = np.abs(m) >= 10.0
    m[over] = np.round(m[over] / 10.0, decimals)
    e[over] += 1
    under = nz & (np.abs(m) < 1.0)
    m[under] = np.round(m[under] * 10.0, decimals)
    e[under] -= 1
    out = np.char.add(np.char.add(np.char.mod(f"%.{decimals}f", m), "E"), np.char.mod("%+04d", e))
    return np.char.replace(out, ".", decimal) if decimal != "." else out


def _ints(values: np.ndarray) -> np.ndarray:
    return np.char.mod("%d", np.asarray(values, dtype=np.int64))


def _rows(columns: Sequence[np.ndarray]) -> str:
    joined = reduce(lambda a, b: np.char.add(np.char.add(a, "\t"), b), columns)
    return "\n".join(joined.tolist()) + "\n"


def _check_decimal(decimal: str) -> None:
    if decimal not in (".", ","):
        raise InputError(f"decimal = {decimal!r}; expected '.' or ','")


def _num(value: float, fmt: str, decimal: str) -> str:
    s = fmt.format(value)
    return s.replace(".", decimal) if decimal != "." else s


def _header(
    technique: str,
    columns: Sequence[str],
    settings: Mapping[str, Any],
    decimal: str,
    extra: Sequence[str] = (),
) -> list[str]:
    lo, hi = settings.get("ewe_min_V", 0.0), settings.get("ewe_max_V", 5.0)
    area = settings.get("area_cm2", 0.0)
    mass_mg = settings.get("active_mass_mg", 0.0)
    cap_mAh = settings.get("capacity_Ah", 0.0) * 1e3
    body = [
        "",
        TECHNIQUES[technique],
        "",
        "Run on channel : 1 (SN 0)",
        "User : ",
        "Electrode connection : standard",
        "Potential control : Ewe",
        f"Ewe ctrl range : min = {_num(lo, '{:.2f}', decimal)} V, max = {_num(hi, '{:.2f}', decimal)} V",
        "Ewe,I filtering : 50 kHz",
        "Channel : Floating",
        f"Acquisition started on : {settings.get('started', '01/01/2025 00:00:00.000')}",
        "Loaded Setting File :  NONE",
        "Saved on :",
        f"\tFile : {settings.get('file', 'simulated.mpr')}",
        "\tDirectory : ",
        "\tHost : ",
        "Device : VSP-300 (SN 0)",
        "Address : ",
        "EC-Lab for windows v11.50 (software)",
        "Internet server v11.50 (firmware)",
        "Command interpretor v11.50 (firmware)",
        f"Electrode material : {settings.get('material', '')}",
        "Initial state : ",
        f"Electrolyte : {settings.get('electrolyte', '')}",
        f"Comments : {settings.get('comments', '')}",
        "Cable : standard",
        f"Battery capacity : {_num(cap_mAh, '{:.3f}', decimal)} mA.h",
        f"Electrode surface area : {_num(area, '{:.3f}', decimal)} cm\u00b2",
        f"Characteristic mass : {_num(mass_mg, '{:.3f}', decimal)} mg",
        "Cycle Definition : Charge/Discharge alternance",
        *extra,
        "",
        "\t".join(columns) + "\t",
    ]
    n = len(body) + 2
    return ["EC-Lab ASCII FILE", f"Nb header lines : {n}".ljust(46), *body]


def write_mpt(
    recording: Recording,
    path: str | PathLike[str],
    *,
    technique: str = "GITT",
    decimal: str = ".",
    settings: Mapping[str, Any] | None = None,
) -> Path:
    """Write a recording as an EC-Lab GITT/GCPL text export.

    Parameters
    ----------
    recording
        Canonical recording; optional columns ``ns``, ``mode`` and ``control`` (as
        :func:`~ohmslice.simulate.run.simulate` adds them) fill EC-Lab's Ns, mode and
        control columns, else step/current give them.
    path
        Target file (written atomically).
    technique
        ``"GITT"`` or ``"GCPL"``: the technique line of the header.
    decimal
        ``"."`` or ``","``.
    settings
        Header values: ``ewe_min_V``, ``ewe_max_V``, ``area_cm2``, ``active_mass_mg``,
        ``capacity_Ah``, ``material``, ``electrolyte``, ``comments``, ``file``,
        ``started``; defaults come from ``recording.meta["settings"]``.

    Raises
    ------
    InputError
        Unknown technique or decimal mark.
    """
    if technique not in ("GITT", "GCPL"):
        raise InputError(f"technique {technique!r}; expected 'GITT' or 'GCPL' for a recording")
    _check_decimal(decimal)
    df = recording.data
    n = len(df)
    t = df[TIME].to_numpy()
    i_ma = df[CURRENT].to_numpy() * 1e3
    step = df[STEP].to_numpy() if STEP in df else np.zeros(n, dtype=np.int64)
    ns = df["ns"].to_numpy() if "ns" in df else step
    cycle = df[CYCLE].to_numpy() if CYCLE in df else np.zeros(n, dtype=np.int64)
    if "mode" in df:
        mode = df["mode"].to_numpy()
    else:
        mode = np.where(i_ma == 0, 3, 1)
    control = df["control"].to_numpy() if "control" in df else df[CURRENT].to_numpy()
    control = np.where(mode == 2, control, control * 1e3)  # V for CV, mA otherwise
    if CHARGE in df:
        q = df[CHARGE].to_numpy() * 1e3
    else:
        q = np.concatenate([[0.0], np.cumsum(0.5 * (i_ma[1:] + i_ma[:-1]) * np.diff(t) / 3600)])
    dq = np.concatenate([[0.0], np.diff(q)])
    new_step = np.r_[True, np.diff(step) != 0]
    new_cycle = np.r_[False, np.diff(cycle) != 0]
    cols = [
        _ints(mode),
        _ints(np.where(mode == 1, control > 0, np.where(mode == 2, i_ma > 0, False))),
        _ints(np.zeros(n)),
        _ints(new_step),
        _ints(new_step),
        _ints(new_cycle),
        _ints(ns),
        sci(t, 15, decimal),
        sci(control, 7, decimal),
        sci(df[VOLTAGE].to_numpy(), 7, decimal),
        sci(i_ma, 7, decimal),
        sci(dq, 15, decimal),
        sci(q, 15, decimal),
        sci(cycle, 15, decimal),
    ]
    meta = dict(recording.meta.get("settings") or {})
    meta.update(settings or {})
    meta.setdefault("file", Path(path).with_suffix(".mpr").name)
    head = _header(technique, GCPL_COLUMNS, meta, decimal)
    return atomic_write_text(path, "\n".join(head) + "\n" + _rows(cols), encoding="latin-1")


def write_mpt_spectrum(
    spectrum: Spectrum,
    path: str | PathLike[str],
    *,
    decimal: str = ".",
    settings: Mapping[str, Any] | None = None,
    ewe_V: float = 0.0,
    start_time_s: float = 0.0,
) -> Path:
    """Write a spectrum as an EC-Lab PEIS text export (highest frequency first).

    ``time/s`` is the measuring time of each point: it starts at ``start_time_s`` and each
    frequency takes two periods plus 0.1 s; ``<Ewe>/V`` is ``ewe_V`` (or the spectrum's
    ``dc_V`` column), ``<I>/mA`` its ``dc_A`` column or 0. ``settings`` as for
    :func:`write_mpt`; ``settings["amplitude_mV"]`` (default 10) goes into the header.
    """
    _check_decimal(decimal)
    df = spectrum.data.iloc[::-1].reset_index(drop=True)
    f = df[FREQ].to_numpy()
    z = df[Z_REAL].to_numpy() + 1j * df[Z_IMAG].to_numpy()
    n = len(df)
    t = start_time_s + np.cumsum(2.0 / f + 0.1)
    ewe = df["dc_V"].to_numpy() if "dc_V" in df else np.full(n, float(ewe_V))
    i_ma = df["dc_A"].to_numpy() * 1e3 if "dc_A" in df else np.zeros(n)
    cols = [
        sci(f, 7, decimal),
        sci(z.real, 7, decimal),
        sci(-z.imag, 7, decimal),
        sci(np.abs(z), 7, decimal),
        sci(np.degrees(np.angle(z)), 7, decimal),
        sci(t, 15, decimal),
        sci(ewe, 7, decimal),
        sci(i_ma, 7, decimal),
        sci(np.ones(n), 15, decimal),
    ]
    meta = dict(spectrum.meta.get("settings") or {})
    meta.update(settings or {})
    meta.setdefault("file", Path(path).with_suffix(".mpr").name)
    extra = [
        "Mode                Single sine         ",
        "E (V)               " + _num(0.0, "{:.4f}", decimal).ljust(20),
        "vs.                 Eoc                 ",
        "fi                  " + _num(f.max() / 1e3, "{:.3f}", decimal).ljust(20),
        "unit fi             kHz                 ",
        "ff                  " + _num(f.min() * 1e3, "{:.3f}", decimal).ljust(20),
        "unit ff             mHz                 ",
        "Nd                  " + str(int(meta.get("points_per_decade", 10))).ljust(20),
        "Points              per decade          ",
        "spacing             Logarithmic         ",
        "Va (mV)             " + _num(meta.get("amplitude_mV", 10.0), "{:.1f}", decimal).ljust(20),
        "Na                  2                   ",
    ]
    head = _header("PEIS", PEIS_COLUMNS, meta, decimal, extra)
    return atomic_write_text(path, "\n".join(head) + "\n" + _rows(cols), encoding="latin-1")


def write_csv(data: Recording | Spectrum, path: str | PathLike[str]) -> Path:
    """Write a recording or spectrum as CSV with its canonical columns (17 digits)."""
    if isinstance(data, Recording):
        cols = [c for c in (TIME, VOLTAGE, CURRENT, STEP, CYCLE, CHARGE) if c in data.data]
    elif isinstance(data, Spectrum):
        cols = [c for c in (FREQ, Z_REAL, Z_IMAG) if c in data.data]
    else:
        raise InputError(f"write_csv needs a Recording or Spectrum, got {type(data).__name__}")
    text = data.data[cols].to_csv(index=False, float_format="%.17g", lineterminator="\n")
    return atomic_write_text(path, text)
