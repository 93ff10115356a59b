"""What the BioLogic EC-Lab text (.mpt) and binary (.mpr) readers share: EC-Lab column
names -> canonical columns in SI units, and technique names.

Column choices (first present wins):

==============  =====================================================  ==================
canonical       EC-Lab column(s)                                       conversion
==============  =====================================================  ==================
time_s          ``time/s``                                             --
voltage_V       ``Ewe/V``, ``<Ewe>/V``, ``Ecell/V``, ``<Ecell>/V``     -- (Ecell noted)
current_A       ``I/mA``, ``<I>/mA``; else ``dq/mA.h`` / Δt            mA -> A
charge_Ah       ``(Q-Qo)/mA.h``, ``(Q-Qo)/C``                          mA h, C -> A h
step            ``Ns``                                                 --
cycle           ``cycle number``; else ``half cycle`` // 2             --
freq_Hz         ``freq/Hz``                                            --
z_real_ohm      ``Re(Z)/Ohm``; else ``|Z|/Ohm`` cos(``Phase(Z)/deg``)  --
z_imag_ohm      − ``-Im(Z)/Ohm``; else ``|Z|/Ohm`` sin(phase)          sign flipped
temperature_C   ``Temperature/°C``                                     --
==============  =====================================================  ==================

``control/V/mA``, ``control/mA`` and ``control/V`` are set points, never the measured
current or voltage. EC-Lab's current sign already follows ohmslice's convention
(I > 0 oxidises the working electrode).

Where the binary file has no current column (GCPL files often hold only ``dq/mA.h``),
the current is the mean current over each sample interval, I_k = dq_k / (t_k − t_{k−1}),
which is how EC-Lab computes the ``<I>/mA`` of its own text export (0 where dq = 0).
An open-circuit file (technique OCV) has no current column at all: its current is 0 in
every row (``canonical(..., open_circuit=True)``); other files without current raise
:class:`~ohmslice.errors.MissingColumnError` as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, MissingColumnError
from ..schema import CHARGE, CURRENT, CYCLE, FREQ, STEP, TIME, VOLTAGE, Z_IMAG, Z_REAL
from ._assemble import ROW, TEMPERATURE
from ._units import factor, split_header

#: canonical column -> (quantity kind, EC-Lab columns in order of preference)
SOURCES: dict[str, tuple[str, tuple[str, ...]]] = {
    TIME: ("time", ("time/s",)),
    VOLTAGE: ("voltage", ("Ewe/V", "<Ewe>/V", "<Ewe/V>", "Ecell/V", "<Ecell>/V")),
    CURRENT: ("current", ("I/mA", "<I>/mA", "I/A", "<I>/A")),
    CHARGE: ("charge", ("(Q-Qo)/mA.h", "(Q-Qo)/C", "(Q-Qo)/A.h")),
    STEP: ("count", ("Ns",)),
    CYCLE: ("count", ("cycle number",)),
    FREQ: ("frequency", ("freq/Hz",)),
    Z_REAL: ("impedance", ("Re(Z)/Ohm",)),
    Z_IMAG: ("impedance", ("-Im(Z)/Ohm",)),
    TEMPERATURE: ("temperature", ("Temperature/°C",)),
}

#: Other EC-Lab columns :func:`canonical` reads where the usual ones are missing.
FALLBACK_COLUMNS = ("dq/mA.h", "dQ/mA.h", "half cycle", "|Z|/Ohm", "Phase(Z)/deg")


def needed_columns(names: list[str], columns: Mapping[str, str] | None = None) -> list[str]:
    """Of a file's column ``names``, those :func:`canonical` may read (the others need
    not be parsed at all: a long recording's table then takes a fraction of the memory)."""
    want = {n for _, alts in SOURCES.values() for n in alts}
    want |= set(FALLBACK_COLUMNS) | set((columns or {}).values())
    return [n for n in names if n in want]


#: Kind of quantity of each canonical column, for ``columns=`` overrides.
KINDS = {k: v[0] for k, v in SOURCES.items()}

#: EC-Lab technique names (text header) -> short names.
TECHNIQUE_SHORT = {
    "Galvanostatic Cycling with Potential Limitation": "GCPL",
    "Chronopotentiometry": "CP",
    "Chronoamperometry / Chronocoulometry": "CA",
    "Chronoamperometry": "CA",
    "Potentio Electrochemical Impedance Spectroscopy": "PEIS",
    "Galvano Electrochemical Impedance Spectroscopy": "GEIS",
    "Staircase Potentio Electrochemical Impedance Spectroscopy": "SPEIS",
    "Staircase Galvano Electrochemical Impedance Spectroscopy": "SGEIS",
    "Modulo Bat": "MB",
    "IR compensation (PEIS)": "ZIR",
    "Open Circuit Voltage": "OCV",
    "Cyclic Voltammetry": "CV",
    "Cyclic Voltammetry Advanced": "CVA",
    "Linear Sweep Voltammetry": "LSV",
    "Wait": "WAIT",
    "Galvanostatic Intermittent Titration Technique": "GITT",
    "Potentiostatic Intermittent Titration Technique": "PITT",
    "Constant Current": "CC",
    "Constant Voltage": "CV",
    "Modular Potentio": "MP",
    "Modular Galvano": "MG",
}

#: Technique byte at the start of an .mpr settings module -> short name (as known to
#: the EC-Lab readers galvani and yadg).
TECHNIQUE_ID = {
    0x04: "GCPL",
    0x06: "CV",
    0x0B: "OCV",
    0x16: "MP",
    0x18: "CA",
    0x19: "CP",
    0x1C: "WAIT",
    0x1D: "PEIS",
    0x1E: "GEIS",
    0x32: "ZIR",
    0x33: "CVA",
    0x6C: "LSV",
    0x7F: "MB",
}


def _column(raw: Any, name: str, scale: float = 1.0) -> np.ndarray:
    """Column ``name`` of ``raw`` (a DataFrame, or a mapping of arrays) as contiguous
    float, times ``scale`` (one pass over a numeric column)."""
    series = raw[name]
    if series.dtype.kind in "biuf":
        values = np.asarray(series)
        if scale != 1.0:
            return np.multiply(values, scale, dtype=float)
        return np.ascontiguousarray(values, dtype=float)  # no view of the file's records
    values = pd.to_numeric(pd.Series(series), errors="coerce").to_numpy(dtype=float)
    return values * scale  # non-numeric cells become NaN and are reported with their row


def mean_current_mA(time_s: np.ndarray, dq_mAh: np.ndarray) -> np.ndarray:
    """Mean current [mA] over each sample interval from the charge increments [mA h].

    I_k = 3600 dq_k / (t_k - t_{k-1}); the first row and rows with dq = 0 give 0; a
    non-zero dq over a zero interval repeats the previous current; a missing dq gives NaN.
    """
    dt = np.diff(time_s, prepend=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        cur = 3600.0 * dq_mAh / dt
    cur[~(dt > 0)] = np.nan
    cur[dq_mAh == 0] = 0.0
    known = ~np.isnan(cur)
    # a non-zero dq over no time: the last known current (0 before any)
    last = np.maximum.accumulate(np.where(known, np.arange(len(cur)), -1))
    out = np.where(last >= 0, cur[np.maximum(last, 0)], 0.0)
    out[np.isnan(dq_mAh)] = np.nan  # a missing increment stays missing (reported later)
    return out


def canonical(
    raw: pd.DataFrame,
    path: Any,
    columns: Mapping[str, str] | None = None,
    *,
    open_circuit: bool = False,
) -> tuple[dict[str, np.ndarray], dict[str, str], list[str]]:
    """Map an EC-Lab table (text or binary column names) to canonical columns in SI units.

    Parameters
    ----------
    raw
        The file's columns under their EC-Lab names (``time/s``, ``Ewe/V``, ...).
    path
        The file, for messages.
    columns
        Optional ``{canonical name: EC-Lab column}`` overriding the automatic choice
        (e.g. ``{"voltage_V": "Ece/V"}``); the unit is read from the column name.
    open_circuit
        The file is an open-circuit technique (OCV): without a current column (EC-Lab
        writes none for OCV) the current is 0 in every row, said in the notes.

    Returns
    -------
    frame, used, notes
        The canonical columns as arrays (with ``_row``), which file column each canonical
        column came from, and remarks on choices made (Ecell as voltage, derived current).

    Raises
    ------
    MissingColumnError
        A column named in ``columns`` is not in the file.
    InputError
        Its unit does not fit the quantity.
    """
    out: dict[str, np.ndarray] = {ROW: np.arange(len(raw))}
    used: dict[str, str] = {}
    notes: list[str] = []
    override = dict(columns or {})
    for canon, target in override.items():
        if canon not in KINDS:
            raise InputError(
                f"columns= names '{canon}', which is not a canonical column; expected one "
                f"of: {', '.join(KINDS)}",
                path=path,
            )
        if target not in raw:
            raise MissingColumnError(
                f"columns= maps {canon} to '{target}', which is not in the file; it has "
                f"{list(map(str, raw.columns))}",
                path=path,
            )
    for canon, (kind, names) in SOURCES.items():
        name = override.get(canon) or next((n for n in names if n in raw), None)
        if name is None:
            continue
        scale = 1.0
        if kind != "count":
            scale = factor(split_header(name)[1], kind, column=name, path=path)
        if canon == Z_IMAG and name.lstrip().startswith("-"):
            scale = -scale
        out[canon] = _column(raw, name, scale)
        used[canon] = name
    if VOLTAGE in used and used[VOLTAGE].startswith(("Ecell", "<Ecell")):
        notes.append("voltage_V is the cell voltage Ecell (the file has no Ewe column)")
    if CURRENT not in out and TIME in out:
        dq = next((n for n in ("dq/mA.h", "dQ/mA.h") if n in raw), None)
        if dq is not None:
            out[CURRENT] = mean_current_mA(out[TIME], _column(raw, dq)) * 1e-3
            used[CURRENT] = f"{dq} / Δt"
            notes.append(f"current_A is the mean current over each interval from '{dq}'")
    if CURRENT not in out and TIME in out and open_circuit:
        out[CURRENT] = np.zeros(len(raw))
        used[CURRENT] = "none (open circuit): 0"
        notes.append("current_A is 0: an open-circuit (OCV) file has no current column")
    if CYCLE not in out and "half cycle" in raw:
        out[CYCLE] = np.floor_divide(_column(raw, "half cycle"), 2)
        used[CYCLE] = "half cycle // 2"
    if Z_REAL not in out and FREQ in out and "|Z|/Ohm" in raw and "Phase(Z)/deg" in raw:
        mod = _column(raw, "|Z|/Ohm")
        phase = np.deg2rad(_column(raw, "Phase(Z)/deg"))
        out[Z_REAL] = mod * np.cos(phase)
        out[Z_IMAG] = mod * np.sin(phase)
        used[Z_REAL] = "|Z|/Ohm, Phase(Z)/deg"
        used[Z_IMAG] = "|Z|/Ohm, Phase(Z)/deg"
    return out, used, notes


def short_technique(name: str | None) -> str | None:
    """Short name of an EC-Lab technique (``"Modulo Bat"`` -> ``"MB"``); unknown names
    are returned as they are."""
    if not name:
        return None
    return TECHNIQUE_SHORT.get(name.strip(), name.strip())
