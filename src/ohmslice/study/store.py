"""The results store: one writer and one reader for a :class:`~ohmslice.study.run.StudyResult`.

:func:`write_results` writes a study's results into a folder of ohmslice's own:

* one Parquet file per table (``pulses.parquet``, ``components.parquet``, ...; the tables
  and their columns are :data:`ohmslice.study.tables.TABLES`, documented in
  ``docs/results.md``), one table per kind with a ``cell`` column, not one file per cell;
  each column's unit and meaning are in the file's field metadata and in the ``columns``
  table;
* ``csv/<table>.csv``: the same tables for spreadsheets;
* ``results.duckdb``: a DuckDB catalogue, one view per table over its Parquet file (by a
  path relative to the folder: open it from inside the folder, or with
  :func:`open_results`, which also opens several folders at once).

What is stored: the GITT pulses, both decompositions (areal ``_ohm_cm2`` columns where the
study file gives the cell's area), the time constants used and those of every spectrum,
circuit fits, Kramers-Kronig numbers, spectra and fits, DRTs (peaks and curves), the
pulses' own DRT, GITT vs EIS, the GITT recording, rate tests (summary, steps, curves),
the discharge-curve crossings, the comparison's crossovers and ranges, every note, flag
and warning (``notes``), the cells' SOC scales (``cells``), and the run (``runs``:
run id, time, versions, settings, study-file hash; ``inputs``: the sha256 of every input
file).

Deterministic: the same inputs and settings give identical tables, byte for byte in
Parquet and CSV, except ``runs.run_id`` and ``runs.written_utc``; a changed input file
changes its hash in ``inputs`` and ``runs``.

Atomic: the folder is built beside the target and swapped in as a whole
(:func:`ohmslice._atomic.results_dir`): until the new results are complete, the previous
results of the same study stay as they were; a failed write leaves nothing behind. A
folder holding anything that is not ohmslice's results of this study (files ohmslice did
not write, results of another study) is refused with an :class:`~ohmslice.errors.InputError`
unless ``force=True``; even then no file ohmslice did not write is deleted or replaced
(they stay in the folder; a name clash is refused).

:func:`open_results` returns :class:`Results`: ``.tables``, ``.table(name)`` and
``.sql(query)`` (pandas DataFrames), every row with a ``study`` column.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import platform
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._atomic import (
    MARKER,
    _give_user_modes,
    _inventory,
    _no_interrupt,
    _read_marker,
    _umask,
    check_output_dir,
    results_dir,
)
from ..errors import InputError
from .tables import TABLES, conform, contract_frame

__all__ = [
    "BATCH_MANIFEST",
    "CATALOGUE",
    "CSV_DIR",
    "Results",
    "build_tables",
    "check_results_folder",
    "open_results",
    "results_folder",
    "study_html",
    "write_results",
    "write_tables",
]

#: File name of the DuckDB catalogue; a folder holding it is a results store.
CATALOGUE = "results.duckdb"
#: Sub-folder of the CSV copies.
CSV_DIR = "csv"
#: Manifest of a batch folder (:mod:`ohmslice.study.batch`); its ``stores`` lists the
#: studies' stores (relative paths) that :func:`open_results` opens for the folder.
BATCH_MANIFEST = "batch.json"

_NA = float("nan")


# ======================================================================== building ====
def _stack(parts: Sequence[tuple[dict[str, Any], Any]]) -> pd.DataFrame | None:
    """The frames of ``parts`` ((constants, frame) pairs) one below the other, each row
    with its frame's constants as the first columns; None where no part has a frame."""
    parts = [(k, d) for k, d in parts if isinstance(d, pd.DataFrame) and len(d.columns)]
    if not parts:
        return None
    keys = list(dict.fromkeys(k for front, _ in parts for k in front))
    used = [(f, d) for f, d in parts if len(d)] or parts[:1]
    body = pd.concat(
        [d.drop(columns=[k for k in keys if k in d.columns]) for _, d in used], ignore_index=True
    )
    sizes = [len(d) for _, d in used]
    head = {
        k: np.repeat(np.array([f.get(k) for f, _ in used] + [None], dtype=object)[:-1], sizes)
        for k in keys
    }
    return pd.concat([pd.DataFrame(head, index=body.index), body], axis=1)


def _areal(df: pd.DataFrame | None, components: Sequence[str], study: Any) -> pd.DataFrame | None:
    """Add ``{c}_ohm_cm2`` (and ``_err``) = ``{c}_ohm`` x the cell's area [cm2] from the
    study file (NaN where it gives none)."""
    if df is None:
        return None
    areas = {c.name: c.area_cm2 for c in getattr(study, "cells", ()) or ()}
    a = pd.to_numeric(df["cell"].map(areas), errors="coerce").to_numpy(float)
    new = {}
    for c in components:
        for suffix in ("", "_err"):
            src = f"{c}_ohm{suffix}"
            if src in df.columns:
                new[f"{c}_ohm_cm2{suffix}"] = pd.to_numeric(df[src], errors="coerce") * a
    return pd.concat([df, pd.DataFrame(new, index=df.index)], axis=1) if new else df


def _spectra_of(c: Any) -> Iterator[tuple[str, float, Any]]:
    """('symmetric' | 'half', SOC, TimeConstants) of every spectrum of cell result ``c``."""
    for kind, attr in (("symmetric", "time_constants"), ("half", "half_time_constants")):
        for soc, tc in sorted((getattr(c, attr, None) or {}).items()):
            yield kind, float(soc), tc


def _spec(study: Any, name: str) -> Any:
    for c in getattr(study, "cells", ()) or ():
        if c.name == name:
            return c
    return None


def _num(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return _NA


def _pulses(result: Any, study: Any) -> pd.DataFrame | None:
    parts = [({"cell": n}, c.gitt.pulses) for n, c in result.cells.items() if c.gitt is not None]
    return _areal(_stack(parts), ("r_ir", "r_ir0", "r_total", "r_polarization"), study)


def _components(result: Any, study: Any) -> pd.DataFrame | None:
    from .tables import _AREAL

    parts = [
        ({"cell": n, "method": m, "comparison_method": m == result.method_used},
         getattr(c, m).table)
        for n, c in result.cells.items()
        for m in ("windows", "model")
        if getattr(c, m, None) is not None
    ]  # fmt: skip
    return _areal(_stack(parts), _AREAL, study)


def _taus_used(result: Any) -> pd.DataFrame | None:
    def source(c: Any) -> str:
        return "symmetric_eis" if str(c.tau_source).startswith("symmetric") else "pulse_drt"

    return _stack([({"cell": n, "source": source(c)}, c.taus) for n, c in result.cells.items()])


def _per_spectrum(result: Any, make: Any) -> pd.DataFrame | None:
    return _stack([
        ({"cell": n, "spectrum": kind, "soc_pct": soc}, make(tc))
        for n, c in result.cells.items()
        for kind, soc, tc in _spectra_of(c)
    ])  # fmt: skip


def _eis_fit_rows(tc: Any) -> pd.DataFrame | None:
    fit = getattr(tc, "fit", None)
    if fit is None:
        return None
    df = fit.to_frame().rename(columns={"name": "parameter"})
    df.insert(0, "circuit", str(fit.circuit))
    for k in ("chi2", "chi2_reduced", "aic", "weighting", "residual_rms", "success"):
        df[k] = getattr(fit, k, None)
    df["accepted"] = getattr(tc, "fit_accepted", None)
    return df


def _kk_rows(tc: Any) -> pd.DataFrame | None:
    fit = getattr(tc, "fit", None)
    if fit is None:
        return None
    diag = getattr(fit, "diagnostics", None) or {}
    row: dict[str, Any] = {
        "kk_residual": _num(getattr(fit, "kk_residual", _NA)),
        "kk_m": diag.get("kk_m"),
        "fit_residual_rms": _num(getattr(fit, "residual_rms", _NA)),
        "kk_ratio": _num(diag.get("kk_ratio")),
        "durbin_watson": _num(getattr(fit, "durbin_watson", _NA)),
    }
    kk = getattr(tc, "kk", None)  # a lin-KK test, where the result holds one
    if kk is not None:
        for k in ("passed", "mu", "noise_estimate", "max_residual", "threshold"):
            row[k] = getattr(kk, k, None)
    return pd.DataFrame([row])


def _kk_residual_rows(tc: Any) -> pd.DataFrame | None:
    kk = getattr(tc, "kk", None)
    if kk is None:
        return None
    return pd.DataFrame(
        {
            "freq_Hz": np.asarray(kk.freq_hz, dtype=float),
            "residual_real": np.asarray(kk.residuals_real, dtype=float),
            "residual_imag": np.asarray(kk.residuals_imag, dtype=float),
        }
    )


def _spectrum_rows(tc: Any) -> pd.DataFrame | None:
    spec = getattr(tc, "spectrum", None)
    if spec is None:
        return None
    f = np.asarray(spec.freq, dtype=float)
    z = np.asarray(spec.z)
    try:
        zf = np.asarray(tc.fit.predict(f)) if getattr(tc, "fit", None) is not None else None
    except Exception:  # noqa: BLE001 -- a fit that cannot be evaluated: no fit columns
        zf = None
    if zf is None or zf.shape != f.shape:
        zf = np.full(f.shape, np.nan + 0j)
    return pd.DataFrame(
        {
            "per_electrode": bool(getattr(tc, "symmetric", None)),
            "freq_Hz": f,
            "z_real_ohm": z.real,
            "z_imag_ohm": z.imag,
            "z_fit_real_ohm": zf.real,
            "z_fit_imag_ohm": zf.imag,
        }
    )


def _drt_peaks(tc: Any) -> pd.DataFrame | None:
    p = getattr(tc, "drt_peaks", None)
    if p is None:
        return None
    p = p.reset_index(drop=True)
    return pd.concat([pd.DataFrame({"peak": np.arange(1, len(p) + 1)}), p], axis=1)


def _drt_curve(tc: Any) -> pd.DataFrame | None:
    d = getattr(tc, "drt", None)
    if d is None:
        return None
    tau = np.asarray(d.tau_s, dtype=float)
    err = getattr(d, "gamma_err_ohm", None)
    err = np.asarray(err, dtype=float) if err is not None else np.full(tau.shape, np.nan)
    return pd.DataFrame(
        {
            "tau_s": tau,
            "gamma_ohm": np.asarray(d.gamma_ohm, dtype=float),
            "gamma_err_ohm": err if err.shape == tau.shape else np.nan,
        }
    )


def _per_cell(result: Any, attr: str) -> pd.DataFrame | None:
    return _stack([({"cell": n}, getattr(c, attr, None)) for n, c in result.cells.items()])


#: Most samples of a cell's GITT the store keeps (the curve is for figures; the
#: recording itself stays the input file)
MAX_CURVE_POINTS = 20_000


def thin_curve(y: np.ndarray, max_points: int = MAX_CURVE_POINTS) -> np.ndarray:
    """Indices, in sample order, of at most ``max_points`` samples that draw the same
    curve: the samples in ``max_points // 2`` runs of consecutive samples, and of each
    run the lowest and the highest ``y`` (so a short pulse keeps its full depth), plus
    the samples after the last whole run. All indices where there are no more."""
    n = y.size
    n_bins = max(max_points // 2, 1)
    if n <= max_points:
        return np.arange(n)
    per = n // n_bins
    m = per * n_bins
    yb = y[:m].reshape(n_bins, per)
    rows = np.arange(n_bins) * per
    idx = np.sort(np.column_stack([rows + yb.argmin(axis=1), rows + yb.argmax(axis=1)]), axis=1)
    return np.r_[idx.ravel(), np.arange(m, n)]


def _gitt_curve(result: Any) -> pd.DataFrame | None:
    parts = []
    for name, c in result.cells.items():
        g = c.gitt
        arr = getattr(g, "_arrays", None) if g is not None else None
        if arr is None:
            continue
        t, v = np.asarray(arr.t, dtype=float), np.asarray(arr.v, dtype=float)
        keep = thin_curve(v)
        soc = np.asarray(g.soc_pct(), dtype=float)[keep]
        curve = {"time_s": t[keep], "voltage_V": v[keep], "current_A": np.asarray(arr.i)[keep],
                 "soc_pct": soc}  # fmt: skip
        parts.append(({"cell": name}, pd.DataFrame(curve)))
    return _stack(parts)


def _rate(result: Any, what: str) -> pd.DataFrame | None:
    parts: list[tuple[dict[str, Any], Any]] = []
    for name, c in result.cells.items():
        r = c.rate
        if r is None:
            continue
        if what in ("summary", "steps"):
            parts.append(({"cell": name}, getattr(r, what)))
            continue
        steps = r.steps.set_index("step") if "step" in r.steps.columns else pd.DataFrame()
        for step, curve in sorted(r.curves.items()):
            meta = steps.loc[step] if step in steps.index else {}
            front = {"cell": name, "step": int(step), "direction": meta.get("direction"),
                     "c_rate_nominal": meta.get("c_rate_nominal")}  # fmt: skip
            parts.append((front, curve))
    return _stack(parts)


def _curve_crossings(result: Any) -> pd.DataFrame | None:
    cc = getattr(result, "curve_comparison", None)
    if cc is None:
        return None
    a, b = (list(getattr(cc, "labels", ("", ""))) + ["", ""])[:2]
    front = {"direction": getattr(cc, "direction", None), "c_rate_nominal": result.curve_rate,
             "cell_a": a, "cell_b": b, "x_kind": getattr(cc, "x", None)}  # fmt: skip
    return _stack([(front, cc.crossings)])


def _comparison(result: Any, what: str) -> pd.DataFrame | None:
    cmp = result.comparison
    if cmp is None:
        return None
    return _stack([({"method": result.method_used}, getattr(cmp, what))])


def _cells(result: Any, study: Any) -> pd.DataFrame:
    rows = []
    for name, c in result.cells.items():
        spec, g, r = _spec(study, name), c.gitt, c.rate
        rows.append(
            {
                "cell": name,
                "label": c.label,
                "area_cm2": getattr(spec, "area_cm2", None),
                "active_mass_mg": getattr(spec, "active_mass_mg", None),
                "nominal_capacity_mAh": getattr(spec, "nominal_capacity_mAh", None),
                "n_pulses": 0 if g is None else len(g.pulses),
                "soc_basis": None if g is None else g.soc_basis,
                "soc_reference": None if g is None else g.soc_reference,
                "soc_capacity_Ah": None if g is None else g.capacity_Ah,
                "soc_capacity_source": None if g is None else g.capacity_source,
                "gitt_direction": None if g is None else g.direction,
                "current_sign_flipped": None if g is None else bool(g.sign_flipped),
                "tau_source": c.tau_source,
                "n_symmetric_spectra": len(c.time_constants or {}),
                "n_half_spectra": len(c.half_time_constants or {}),
                "rate_basis": None if r is None else r.basis_note,
                "rate_reference_capacity_Ah": None if r is None else r.reference_capacity_Ah,
                "n_cycles": 0 if getattr(c, "cycling", None) is None else len(c.cycling.cycles),
                "samples": "; ".join(getattr(c, "samples", None) or []),
            }
        )
    return pd.DataFrame(rows)


def _note_rows(result: Any, warnings: Sequence[tuple[str, str]] = ()) -> pd.DataFrame:
    """Every note, flag and warning of ``result`` (and the ``warnings`` shown while it
    ran, as (stage, text)): ``cell``, ``stage``, ``kind``, ``soc_pct``, ``pulse``,
    ``text``. A text already listed for the same cell is not repeated."""
    rows: list[tuple] = []
    seen: set[tuple[str, str]] = set()

    def add(cell: str, stage: str, kind: str, text: Any, soc: Any = None, pulse: Any = None):
        text = " ".join(str(text).split())
        key = (cell, text) if pulse is None else (cell, f"{pulse}:{stage}:{text}")
        if text and key not in seen:
            seen.add(key)
            rows.append((cell, stage, kind, _num(soc) if soc is not None else _NA, pulse, text))

    for t in result.notes:
        add("", "study", "note", t)
    for name, c in result.cells.items():
        g = c.gitt
        for t in getattr(g, "notes", None) or []:
            add(name, "gitt", "note", t)
        for kind, soc, tc in _spectra_of(c):
            stage = f"{kind}_eis"
            fit = getattr(tc, "fit", None)
            for t in getattr(tc, "fit_reasons", None) or []:
                add(name, stage, "flag", f"fit not accepted: {t}", soc)
            for t in (getattr(fit, "reasons", None) or []) if fit is not None else []:
                add(name, stage, "flag", f"fit: {t}", soc)
            for t in (getattr(fit, "notes", None) or []) if fit is not None else []:
                add(name, stage, "note", f"fit: {t}", soc)
            if getattr(tc, "shape_note", ""):
                add(name, stage, "note", tc.shape_note, soc)
            tab = getattr(tc, "table", None)
            if isinstance(tab, pd.DataFrame) and "status" in tab.columns:
                for r in tab[tab["status"] != "measured"].itertuples():
                    why = getattr(r, "status_reason", "") or ""
                    add(
                        name,
                        stage,
                        "flag",
                        f"{r.process}: {r.status}" + (f" ({why})" if why else ""),
                        soc,
                    )
            peaks = getattr(tc, "drt_peaks", None)
            if isinstance(peaks, pd.DataFrame) and "flag" in peaks.columns:
                for r in peaks[peaks["flag"].fillna("").astype(str) != ""].itertuples():
                    add(name, stage, "flag", f"DRT peak at tau {r.tau_s:.3g} s: {r.flag}", soc)
        for method in ("windows", "model"):
            dec = getattr(c, method, None)
            if dec is None:
                continue
            for t in dec.notes:
                add(name, f"decomposition.{method}", "note", t)
            tab = dec.table
            if "flag" in tab.columns:
                bad = tab[tab["flag"].fillna("").astype(str) != ""]
                for r in bad.itertuples():
                    add(name, f"decomposition.{method}", "flag", r.flag, r.soc_pct, int(r.pulse))
        if isinstance(c.dc_drt, pd.DataFrame) and "flag" in c.dc_drt.columns:
            bad = c.dc_drt[c.dc_drt["flag"].fillna("").astype(str) != ""]
            for r in bad.itertuples():
                add(name, "pulse_drt", "flag", r.flag, r.soc_pct, int(r.pulse))
        for t in c.notes:
            add(name, "analysis", "note", t)
        if c.rate is not None and getattr(c.rate, "n_dropped", 0):
            add(
                name,
                "rate",
                "note",
                f"{c.rate.n_dropped} constant-current segment(s) too "
                "short to be rate steps were left out",
            )
    for name, c in result.cells.items():
        cyc = getattr(c, "cycling", None)
        for t in [*(getattr(cyc, "notes", None) or []), *(getattr(c, "cycling_notes", None) or [])]:
            add(name, "cycling", "note", t)
    for name, smp in (getattr(result, "samples", None) or {}).items():
        for t in _sample_notes(smp):
            add("", "conductivity", "note", f"sample '{name}': {t}")
    if result.comparison is not None:
        for t in result.comparison.notes:
            add("", "comparison", "design", t)
    cells = set(result.cells)
    for stage, text in warnings:
        head = str(stage).split(":", 1)[0].strip()
        add(head if head in cells else "", str(stage) or "run", "warning", text)
    return pd.DataFrame(rows, columns=["cell", "stage", "kind", "soc_pct", "pulse", "text"])


# --- cycling and conductivity -------------------------------------------------------------
def _name(source: Any) -> Any:
    """The file name of a path ('' / None kept)."""
    return Path(str(source)).name if source else source


def _cycles(result: Any) -> pd.DataFrame | None:
    parts = []
    for name, c in result.cells.items():
        cyc = getattr(c, "cycling", None)
        if cyc is not None:
            parts.append(({"cell": name}, cyc.cycles.drop(columns=["cell"], errors="ignore")))
    return _stack(parts)


def _cycle_resistance(result: Any) -> pd.DataFrame | None:
    parts = []
    for name, c in result.cells.items():
        cr = getattr(c, "cycle_resistance", None)
        if cr is not None:
            t = cr.table.copy()
            t["source"] = t["source"].map(_name)
            parts.append(({"cell": name}, t))
    return _stack(parts)


def _cycle_trends(result: Any) -> pd.DataFrame | None:
    parts = []
    for name, c in result.cells.items():
        for source, attr in (("spectra", "cycle_resistance"), ("step start", "step_resistance")):
            cr = getattr(c, attr, None)
            if cr is None:
                continue
            rows = []
            for comp, ct in cr.components.items():
                note = "; ".join(x for x in (ct.trend.note, ct.change.note) if x)
                rows.append({**ct.as_dict(), "component": comp, "note": note})
            parts.append(({"cell": name, "source": source}, pd.DataFrame(rows)))
    return _stack(parts)


def _sample_notes(smp: Any) -> list[str]:
    """Every note of a sample's analyses (its own, the Arrhenius fit's, the polarisation's)."""
    out = list(getattr(smp, "notes", None) or [])
    fit = getattr(smp, "arrhenius", None)
    out += [f"Arrhenius: {n}" for n in (getattr(fit, "notes", None) or [])]
    return out


def _samples(result: Any, study: Any) -> pd.DataFrame | None:
    rows = []
    for spec in getattr(study, "samples", ()) or ():
        r = (getattr(result, "samples", None) or {}).get(spec.name)
        rows.append({
            "sample": spec.name, "kind": spec.kind, "label": spec.label,
            "cells": "; ".join(c.name for c in study.cells if spec.name in c.conductivity),
            "thickness_cm": spec.thickness_cm, "thickness_err_cm": spec.thickness_err_cm,
            "area_cm2": spec.area_cm2, "area_err_cm2": spec.area_err_cm2,
            "volume_fraction": spec.volume_fraction,
            "volume_fraction_err": spec.volume_fraction_err, "electrolyte": spec.electrolyte,
            "symmetric": spec.symmetric,
            "n_spectra": 0 if r is None else len(r.measurements()),
            "polarization": r is not None and r.polarization is not None,
        })  # fmt: skip
    return pd.DataFrame(rows) if rows else None


def _ionic_row(m: Any) -> dict[str, Any]:
    """A conductivity row of a pellet or composite measurement."""
    pellet = hasattr(m, "sigma_bulk_S_cm")
    row = {
        "carrier": "ionic", "source": _name(m.source), "temperature_C": m.temperature_C,
        "temperature_source": m.temperature_source,
        "method": m.method if pellet else "transmission line", "circuit": m.circuit,
        "r_ohm": m.r_total_ohm if pellet else m.r_ion_ohm,
        "r_err_ohm": m.r_total_err_ohm if pellet else m.r_ion_err_ohm,
        "sigma_S_cm": m.sigma_S_cm if pellet else m.sigma_eff_S_cm,
        "sigma_err_S_cm": m.sigma_err_S_cm if pellet else m.sigma_eff_err_S_cm,
        "sigma_fit_rel_err": m.sigma_fit_rel_err, "geometry_rel_err": m.geometry_rel_err,
        "r_series_ohm": m.r_series_ohm, "f_char_Hz": m.f_bulk_Hz if pellet else m.f_knee_Hz,
        "success": bool(m.success), "reasons": "; ".join(m.reasons),
        "notes": "; ".join(m.notes),
    }  # fmt: skip
    if pellet:
        row.update(sigma_bulk_S_cm=m.sigma_bulk_S_cm, sigma_bulk_err_S_cm=m.sigma_bulk_err_S_cm,
                   sigma_gb_S_cm=m.sigma_gb_S_cm, sigma_gb_err_S_cm=m.sigma_gb_err_S_cm)  # fmt: skip
    return row


def _conductivity(result: Any) -> pd.DataFrame | None:
    rows = []
    for name, smp in (getattr(result, "samples", None) or {}).items():
        keys = getattr(smp, "keys", None) or []
        for k, m in enumerate(smp.measurements()):
            key = keys[k] if k < len(keys) else f"files.{k}"
            rows.append({"sample": name, "kind": smp.kind, "key": key, **_ionic_row(m)})
        p = smp.polarization
        if p is not None:
            rows.append({
                "sample": name, "kind": smp.kind, "carrier": "electronic",
                "key": "polarization", "source": _name(p.source),
                "temperature_C": p.temperature_C, "temperature_source": p.temperature_source,
                "method": "dc polarization", "r_ohm": p.r_e_ohm, "r_err_ohm": p.r_e_err_ohm,
                "sigma_S_cm": p.sigma_e_S_cm, "sigma_err_S_cm": p.sigma_e_err_S_cm,
                "geometry_rel_err": float(np.hypot(p.thickness_err_cm / p.thickness_cm,
                                                   p.area_err_cm2 / p.area_cm2)),
                "success": bool(p.success), "reasons": "; ".join(p.reasons),
                "notes": "; ".join(p.notes),
            })  # fmt: skip
    return pd.DataFrame(rows) if rows else None


def _arrhenius(result: Any) -> pd.DataFrame | None:
    rows = []
    for name, smp in (getattr(result, "samples", None) or {}).items():
        a = smp.arrhenius
        if a is None:
            continue
        t = a.data["temperature_C"].to_numpy(float)
        rows.append({
            "sample": name, "kind": smp.kind, "carrier": "ionic", "ea_eV": a.ea_eV,
            "ea_err_eV": a.ea_err_eV, "sigma_25C_S_cm": a.sigma_ref_S_cm,
            "sigma_25C_err_S_cm": a.sigma_ref_err_S_cm,
            "sigma_25C_ci_low_S_cm": a.sigma_ref_ci95_S_cm[0],
            "sigma_25C_ci_high_S_cm": a.sigma_ref_ci95_S_cm[1],
            "extrapolated": bool(a.extrapolated), "ln_prefactor": a.ln_prefactor,
            "ln_prefactor_err": a.ln_prefactor_err,
            "cov_ln_prefactor_ea_eV": float(np.asarray(a.covariance)[0, 1]),
            "systematic_rel_err": a.systematic_rel_err, "chi2_reduced": a.chi2_reduced,
            "weighted": bool(a.weighted), "n_temperatures": len(t),
            "t_min_C": float(t.min()), "t_max_C": float(t.max()), "notes": "; ".join(a.notes),
        })  # fmt: skip
    return pd.DataFrame(rows) if rows else None


def _transport(result: Any) -> pd.DataFrame | None:
    rows = []
    for smp in (getattr(result, "samples", None) or {}).values():
        t = smp.transport
        if t is None:
            continue
        for cell in smp.cells or [""]:
            rows.append({**t, "cell": cell, "kind": smp.kind})
    return pd.DataFrame(rows) if rows else None


# --- the run and its inputs -------------------------------------------------------------
def _sha256(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest(), path.stat().st_size
    except OSError as exc:
        raise InputError(
            f"cannot read the input file to hash it ({exc.strerror})", path=path
        ) from None


def _input_files(
    study: Any, study_file: Path | None, inputs: Mapping[str, Any] | Sequence[Any] | None
) -> tuple[list[tuple[str, str, Path]], Path | None]:
    """(cell, key, path) of every input file, and the folder paths are shown relative to."""
    root = study_file.parent if study_file is not None else getattr(study, "root", None)
    files: list[tuple[str, str, Path]] = []
    if study_file is not None:
        files.append(("", "study", study_file))
    for c in getattr(study, "cells", ()) or ():
        files += [(c.name, k, Path(p)) for k, p in c.files().items()]
    for smp in getattr(study, "samples", ()) or ():
        files += [(smp.name, f"sample.{k}", Path(p)) for k, p in smp.all_files().items()]
    if isinstance(inputs, Mapping):
        files += [("", str(k), Path(p)) for k, p in inputs.items()]
    elif inputs is not None:
        files += [("", Path(p).name, Path(p)) for p in inputs]
    return files, Path(root) if root is not None else None


def _shown(path: Path, root: Path | None) -> str:
    p = path if path.is_absolute() or root is None else root / path
    if root is not None:
        try:
            return p.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return p.resolve().as_posix()


def _settings_json(result: Any) -> str:
    dec: dict[str, dict[str, Any]] = {}
    for name, c in result.cells.items():
        for method in ("windows", "model"):
            d = getattr(c, method, None)
            if d is not None:
                s = {k: v for k, v in d.settings.items() if not k.startswith("soc_")}
                dec.setdefault(name, {})[method] = s
    cmp = result.comparison
    settings = {
        "analysis": dict(result.settings),
        "decomposition": dec,
        "comparison": {
            k: v
            for k, v in (cmp.settings if cmp is not None else {}).items()
            if k != "soc_reference"
        },
    }
    return json.dumps(settings, sort_keys=True, default=str)


def build_tables(
    result: Any,
    *,
    study: Any = None,
    study_file: str | os.PathLike[str] | None = None,
    inputs: Mapping[str, Any] | Sequence[Any] | None = None,
    warnings: Sequence[tuple[str, str]] = (),
    run_id: str | None = None,
    written_utc: str | None = None,
) -> dict[str, pd.DataFrame]:
    """Every table of the store for ``result``, on the contract (:mod:`.tables`).

    Parameters
    ----------
    result
        A :class:`~ohmslice.study.run.StudyResult`.
    study
        The :class:`~ohmslice.study.file.Study` it came from (cells' areas, masses, input
        files); loaded from ``study_file`` where not given.
    study_file
        The study file: hashed into ``runs``/``inputs`` with every file it names.
    inputs
        More input files to hash: key -> path, or paths (keyed by their name).
    warnings
        Warnings shown while the study ran, as (stage, text); stored in ``notes``.
    run_id, written_utc
        The run's identifier and time (default: a random id, now).

    Returns
    -------
    dict
        Table name -> DataFrame, in the order of :data:`~ohmslice.study.tables.TABLES`.

    Raises
    ------
    InputError
        An input file cannot be read for its hash; the study file cannot be loaded.
    """
    from .. import __version__

    sf = Path(study_file) if study_file is not None else getattr(study, "source", None)
    sf = Path(sf).absolute() if sf is not None else None
    if study is None and sf is not None:
        from .file import load_study

        study = load_study(sf)
    files, root = _input_files(study, sf, inputs)
    input_rows = []
    for cell, key, path in files:
        p = path if path.is_absolute() or root is None else root / path
        digest, size = _sha256(p)
        input_rows.append((cell, key, _shown(p, root), size, digest))
    inp = pd.DataFrame(input_rows, columns=["cell", "key", "path", "size_bytes", "sha256"])
    study_hash = inp.loc[inp["key"] == "study", "sha256"]
    runs = pd.DataFrame(
        [
            {
                "run_id": run_id or uuid.uuid4().hex,
                "written_utc": written_utc
                or datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "ohmslice_version": __version__,
                "python_version": platform.python_version(),
                "study_name": result.name,
                "study_file": sf.name if sf is not None else None,
                "study_file_sha256": study_hash.iloc[0] if len(study_hash) else None,
                "settings_json": _settings_json(result),
                "method_used": result.method_used,
                "n_cells": len(result.cells),
                "inputs_sha256_json": json.dumps(
                    dict(zip(inp["path"], inp["sha256"], strict=True)), sort_keys=True
                ),
            }
        ]
    )
    raw: dict[str, pd.DataFrame | None] = {
        "runs": runs,
        "inputs": inp,
        "cells": _cells(result, study),
        "pulses": _pulses(result, study),
        "components": _components(result, study),
        "crossovers": _comparison(result, "crossovers"),
        "ranges": _comparison(result, "ranges"),
        "notes": _note_rows(result, warnings),
        "taus_used": _taus_used(result),
        "time_constants": _per_spectrum(result, lambda tc: getattr(tc, "table", None)),
        "eis_fits": _per_spectrum(result, _eis_fit_rows),
        "kk": _per_spectrum(result, _kk_rows),
        "kk_residuals": _per_spectrum(result, _kk_residual_rows),
        "spectra": _per_spectrum(result, _spectrum_rows),
        "drt": _per_spectrum(result, _drt_peaks),
        "drt_curves": _per_spectrum(result, _drt_curve),
        "pulse_drt": _per_cell(result, "dc_drt"),
        "gitt_eis": _per_cell(result, "consistency"),
        "gitt_curve": _gitt_curve(result),
        "rate": _rate(result, "summary"),
        "rate_steps": _rate(result, "steps"),
        "rate_curves": _rate(result, "curves"),
        "curve_crossings": _curve_crossings(result),
        "cycles": _cycles(result),
        "cycle_resistance": _cycle_resistance(result),
        "cycle_trends": _cycle_trends(result),
        "samples": _samples(result, study),
        "conductivity": _conductivity(result),
        "arrhenius": _arrhenius(result),
        "transport": _transport(result),
    }
    out: dict[str, pd.DataFrame] = {}
    extra: dict[str, list[str]] = {}
    for name in TABLES:
        if name == "columns":
            continue
        out[name], more = conform(name, raw[name])
        if more:
            extra[name] = [str(c) for c in more]
    out["columns"], _ = conform("columns", contract_frame(extra))
    return {name: out[name] for name in TABLES}


# ========================================================================= writing ====
def _arrow_table(name: str, df: pd.DataFrame) -> Any:
    """``df`` as a pyarrow Table with the contract's types and, per field, its unit and
    meaning as metadata (no pandas metadata: any Parquet reader gets the same table)."""
    import pyarrow as pa

    types = {"str": pa.string(), "float": pa.float64(), "int": pa.int64(), "bool": pa.bool_()}
    spec = {c.name: c for c in TABLES[name].columns}
    arrays, fields = [], []
    for col in df.columns:
        c = spec.get(col)
        s = df[col]
        if c is not None:
            arr = pa.array(s, type=types[c.dtype], from_pandas=True)  # NaN -> NULL
            meta = {"unit": c.unit, "meaning": c.meaning}
        else:
            arr = pa.Array.from_pandas(s)
            meta = {"unit": "", "meaning": "(not in the contract)"}
        arrays.append(arr)
        fields.append(pa.field(str(col), arr.type, metadata=meta))
    schema = pa.schema(
        fields, metadata={"ohmslice.table": name, "ohmslice.meaning": TABLES[name].meaning}
    )
    return pa.Table.from_arrays(arrays, schema=schema)


def write_tables(
    result: Any,
    folder: str | os.PathLike[str],
    *,
    study: Any = None,
    study_file: str | os.PathLike[str] | None = None,
    inputs: Mapping[str, Any] | Sequence[Any] | None = None,
    warnings: Sequence[tuple[str, str]] = (),
    run_id: str | None = None,
) -> dict[str, pd.DataFrame]:
    """Write the store of ``result`` into ``folder`` (created; must be new or empty).

    The building block of :func:`write_results` and of ``ohmslice run``, which write into
    a temporary folder and swap it in: this function itself is not atomic. Parameters
    as :func:`build_tables`. Returns the tables written.

    Raises
    ------
    InputError
        ``folder`` exists and is not empty; as :func:`build_tables`.
    """
    import duckdb
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    options = pcsv.WriteOptions(quoting_style="needed")
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError("the store is written into a new or empty folder", path=folder)
    tables = build_tables(
        result, study=study, study_file=study_file, inputs=inputs, warnings=warnings, run_id=run_id
    )
    (folder / CSV_DIR).mkdir(parents=True)
    for name, df in tables.items():
        table = _arrow_table(name, df)
        pq.write_table(table, folder / f"{name}.parquet", compression="zstd")
        pcsv.write_csv(table, folder / CSV_DIR / f"{name}.csv", options)
    con = duckdb.connect(str(folder / CATALOGUE))
    try:
        con.execute(f"SET file_search_path = {_sql_str(str(folder.resolve()))}")
        for name in tables:
            con.execute(
                f"CREATE VIEW {_ident(name)} AS "
                f"SELECT * FROM read_parquet({_sql_str(name + '.parquet')})"
            )
    finally:
        con.close()
    return tables


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


# --- the folder -------------------------------------------------------------------------
def check_results_folder(out: str | os.PathLike[str], *, study: str, force: bool = False) -> Path:
    """Check, before any work, that ``out`` can take the results of ``study``.

    Accepted: a path that does not exist yet, an empty folder, a folder ohmslice wrote for
    the same study (its marker names the study). With ``force``, also a folder ohmslice
    wrote for another study and a folder of someone else's files (they stay).

    Raises
    ------
    InputError
        ``out`` (or a parent) is a file; no permission; a folder of files ohmslice did not
        write, or ohmslice's results of another study (both unless ``force``); files of an
        earlier run that were changed since (also with ``force``: move them out).
    """
    out = Path(out)
    if out.is_dir() and _read_marker(out) is None and any(out.iterdir()):
        if not force:
            raise InputError(
                "the output folder holds files ohmslice did not write; give a new or empty "
                "folder, or force (--force) to add the results beside them",
                path=out,
            )
        if not os.access(out, os.W_OK | os.X_OK):
            raise InputError("no permission to write into this output folder", path=out)
        return out
    check_output_dir(out)
    marker = _read_marker(out) if out.is_dir() else None
    if marker is not None and not force and marker.get("study") != study:
        raise InputError(
            f"the output folder holds the ohmslice results of another study "
            f"({marker.get('study')!r}); give another folder, or force (--force) to "
            "replace them",
            path=out,
        )
    return out


@contextmanager
def results_folder(
    out: str | os.PathLike[str],
    *,
    study: str,
    info: dict[str, Any] | None = None,
    force: bool = False,
) -> Iterator[Path]:
    """The output folder ``out`` of ``study``, built atomically: yields an empty temporary
    folder beside ``out``; when the block completes it becomes ``out``
    (:func:`ohmslice._atomic.results_dir`: files a user added are carried over, the
    marker lists every file written), when it raises nothing changes.

    With ``force`` on a folder of someone else's files (no marker), the new files are
    moved in beside them (refused if a name is taken; the user's files are not touched)
    and the marker lists only ohmslice's files: the next run replaces those as usual.

    Raises
    ------
    InputError
        As :func:`check_results_folder`, checked before and again before the swap.
    """
    out = Path(out)
    check_results_folder(out, study=study, force=force)
    foreign = out.is_dir() and _read_marker(out) is None and any(out.iterdir())
    if not foreign:
        with results_dir(out, study=study, info=info) as tmp:
            yield tmp
        return
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
    try:
        yield tmp
        _give_user_modes(tmp)
        written = _inventory(tmp)
        taken = sorted(rel for rel in written if (out / rel).exists() or (out / rel).is_symlink())
        if taken or (out / MARKER).exists():
            raise InputError(
                f"the output folder already holds files named like the results "
                f"({', '.join((taken or [MARKER])[:3])}); move them out or give another folder",
                path=out,
            )
        marker = {"written_by": "ohmslice", "study": study, **(info or {}), "files": written}
        with _no_interrupt():
            for rel in sorted(written):
                (out / rel).parent.mkdir(parents=True, exist_ok=True)
                os.rename(tmp / rel, out / rel)
            (out / MARKER).write_text(json.dumps(marker, indent=1, default=str), encoding="utf-8")
            os.chmod(out / MARKER, 0o666 & ~_umask())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_results(
    result: Any,
    out: str | os.PathLike[str],
    *,
    study_file: str | os.PathLike[str] | None = None,
    study: Any = None,
    inputs: Mapping[str, Any] | Sequence[Any] | None = None,
    warnings: Sequence[tuple[str, str]] = (),
    force: bool = False,
) -> Path:
    """Write the results store of ``result`` to the folder ``out``, atomically.

    ``out`` then holds the Parquet tables, ``csv/`` and ``results.duckdb`` (module
    docstring) and ohmslice's marker. Read it back with :func:`open_results`.

    Parameters
    ----------
    result
        A :class:`~ohmslice.study.run.StudyResult`.
    out
        The folder: new, empty, or one holding earlier results of the same study.
    study_file, study
        The study file (hashed with every file it names; gives the cells' areas for the
        areal columns) or the loaded :class:`~ohmslice.study.file.Study`.
    inputs
        More input files to hash (key -> path, or paths).
    warnings
        Warnings shown while the study ran, as (stage, text), for the ``notes`` table.
    force
        Also write into a folder of other files (kept) or over another study's results.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    InputError
        ``out`` is a file or cannot be written; it holds files that are not ohmslice
        results of this study (unless ``force``); an input file cannot be read.
        Nothing is written then, and earlier results stay as they were.
    """
    from .. import __version__

    out = Path(out)
    check_results_folder(out, study=result.name, force=force)
    info = {"kind": "results store", "version": __version__}
    with results_folder(out, study=result.name, info=info, force=force) as tmp:
        write_tables(
            result, tmp, study=study, study_file=study_file, inputs=inputs, warnings=warnings
        )
    return out


# ========================================================================= reading ====
def _store_of(path: Path) -> Path:
    if (path / CATALOGUE).is_file():
        return path
    if (path / "results" / CATALOGUE).is_file():
        return path / "results"
    if not path.exists():
        raise InputError("no such folder", path=path)
    raise InputError(
        f"no ohmslice results here (no {CATALOGUE}, nor results/{CATALOGUE})", path=path
    )


class Results:
    """Results stores opened together (:func:`open_results`).

    Attributes
    ----------
    folders
        The store folders (those holding ``results.duckdb``).
    studies
        The study of each folder, as the ``study`` column says it: the study's name, with
        the folder's name added where two opened folders have the same study name.
    tables
        Names of the tables, sorted.
    """

    def __init__(self, folders: Sequence[Path]) -> None:
        import duckdb
        import pyarrow.parquet as pq

        self.folders = list(folders)
        names = []
        for f in self.folders:
            try:
                runs = pq.read_table(f / "runs.parquet", columns=["study_name"]).to_pylist()
                names.append(str(runs[0]["study_name"]) if runs else f.name)
            except (OSError, KeyError, ValueError, IndexError):
                names.append(f.name)
        shown = [f.parent.name if f.name == "results" else f.name for f in self.folders]
        self.studies = [
            n if names.count(n) == 1 else f"{n} [{s}]" for n, s in zip(names, shown, strict=True)
        ]
        for i, s in enumerate(self.studies):  # still the same: number them
            if self.studies.count(s) > 1:
                self.studies[i] = f"{s} #{i + 1}"
        files: dict[str, list[tuple[str, Path]]] = {}
        for study, f in zip(self.studies, self.folders, strict=True):
            for p in sorted(f.glob("*.parquet")):
                files.setdefault(p.stem, []).append((study, p.resolve()))
        self.tables = sorted(files)
        self._con = duckdb.connect(":memory:")
        for name, parts in files.items():
            sel = [
                f"SELECT {_sql_str(study)} AS study, * FROM read_parquet({_sql_str(str(p))})"
                for study, p in parts
            ]
            self._con.execute(f"CREATE VIEW {_ident(name)} AS " + " UNION ALL BY NAME ".join(sel))

    def sql(self, query: str) -> pd.DataFrame:
        """The result of the SQL ``query`` (DuckDB dialect) over the tables, as a DataFrame.

        Raises
        ------
        InputError
            The query is not valid SQL or fails (DuckDB's message, one line).
        """
        import duckdb

        try:
            rel = self._con.execute(query)
            if rel.description is None:
                return pd.DataFrame()
            return rel.df()
        except duckdb.Error as exc:
            msg = " ".join(str(exc).split("\n")[0].split())
            raise InputError(f"SQL: {msg}") from None

    def table(self, name: str) -> pd.DataFrame:
        """Table ``name`` of every opened folder (a ``study`` column first).

        Raises
        ------
        InputError
            No such table (the message lists the tables).
        """
        if name not in self.tables:
            raise InputError(f"no table {name!r}; the tables are: {', '.join(self.tables)}")
        return self.sql(f"SELECT * FROM {_ident(name)}")

    def close(self) -> None:
        """Close the DuckDB connection."""
        self._con.close()

    def __enter__(self) -> Results:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Results({', '.join(map(repr, self.studies))}; {len(self.tables)} tables)"

    def _repr_html_(self) -> str:
        return results_html(self)


def open_results(paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> Results:
    """Open one or several results folders for reading.

    Each path is a results store (a folder holding ``results.duckdb``), an output folder
    of ``ohmslice run`` / ``ohmslice demo`` (its ``results/`` is the store) or a batch
    folder of ``ohmslice batch`` (the stores of its studies). Every table of
    every folder is a view: ``.table(name)`` and ``.sql(query)`` give DataFrames, each row
    with a ``study`` column (tables of several folders are stacked by column name).

    Raises
    ------
    InputError
        A path that does not exist or holds no results.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    folders = [f for p in paths for f in _stores_of(Path(p))]
    if not folders:
        raise InputError("no results folder given")
    return Results(folders)


def _stores_of(path: Path) -> list[Path]:
    """The store of ``path`` (:func:`_store_of`), or for a batch folder (one holding
    :data:`BATCH_MANIFEST`) the stores its manifest lists."""
    try:
        manifest = json.loads((path / BATCH_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [_store_of(path)]
    stores = manifest.get("stores") if isinstance(manifest, dict) else None
    if not stores:
        raise InputError("a batch folder without results (no study has succeeded)", path=path)
    return [_store_of(path / s) for s in stores]


# ============================================================================ HTML ====
_STYLE = (
    "<style>.ohmslice table{border-collapse:collapse;margin:.3em 0}"
    ".ohmslice td,.ohmslice th{padding:.1em .6em;text-align:left}</style>"
)


def _e(x: Any) -> str:
    return html.escape(str(x))


def _html_table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    h = "".join(f"<th>{_e(c)}</th>" for c in head)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><tr>{h}</tr>{body}</table>"


def _f(x: Any, spec: str = ".1f") -> str:
    x = _num(x)
    return "" if x != x else format(x, spec)


def _crossover_rows(x: pd.DataFrame, with_study: bool = False) -> list[list[str]]:
    rows = []
    for r in x.to_dict("records"):
        ci = (
            f"{_f(r.get('ci_low_pct'))}-{_f(r.get('ci_high_pct'))}"
            if _num(r.get("ci_low_pct")) == _num(r.get("ci_low_pct"))
            else ""
        )
        row = [
            r.get("component"),
            f"{r.get('cell_a')} / {r.get('cell_b')}",
            _f(r.get("soc_pct")),
            ci,
            r.get("lower_above"),
            r.get("soc_reference"),
        ]
        rows.append(([r.get("study")] if with_study else []) + row)
    return rows


_X_HEAD = ["component", "cells", "SOC %", "95 % interval", "lower above", "SOC scale"]


def study_html(result: Any) -> str:
    """A short HTML summary of a :class:`~ohmslice.study.run.StudyResult` (Jupyter's
    ``_repr_html_``): its cells (GITT pulses, SOC range and scale, where the time constants
    came from), the method the comparison used, the crossovers with their 95 % intervals
    and the number of notes and flags."""
    rows = []
    for name, c in result.cells.items():
        g = c.gitt
        if g is not None and len(g.pulses):
            p = g.pulses
            lo = min(p["soc_start_pct"].min(), p["soc_end_pct"].min())
            hi = max(p["soc_start_pct"].max(), p["soc_end_pct"].max())
            rows.append([name, c.label, len(p), f"{lo:.0f}-{hi:.0f}", g.soc_basis, c.tau_source])
        else:
            rows.append([name, c.label, 0, "", "", c.tau_source])
    parts = [
        _STYLE,
        '<div class="ohmslice">',
        f"<b>{_e(result.name)}</b>: {len(result.cells)} cells; comparison by the "
        f"<b>{_e(result.method_used or '-')}</b> method",
        _html_table(["cell", "label", "GITT pulses", "SOC %", "SOC scale", "time constants"], rows),
    ]
    cmp = result.comparison
    if cmp is None:
        parts.append("<p>No comparison (fewer than two cells with a decomposition).</p>")
    elif len(cmp.crossovers):
        parts.append("Crossovers (where the cells' order reverses):")
        parts.append(_html_table(_X_HEAD, _crossover_rows(cmp.crossovers)))
    else:
        parts.append("<p>No crossover: the cells keep their order over the SOC they share.</p>")
    notes = _note_rows(result)
    n_flag = int((notes["kind"] == "flag").sum())
    parts.append(
        f"<p>{len(notes)} notes ({n_flag} flags): the <code>notes</code> table of the "
        "results store (<code>ohmslice.write_results</code>).</p></div>"
    )
    return "".join(parts)


def results_html(res: Results) -> str:
    """A short HTML summary of opened results: per study the run (ohmslice version, time,
    method used, cells), the crossovers with their intervals and the number of notes."""
    q = res.sql
    parts = [_STYLE, '<div class="ohmslice">']
    have = set(res.tables)
    if "runs" in have:
        runs = q("SELECT study, written_utc, ohmslice_version, method_used, n_cells FROM runs")
        parts.append(
            _html_table(
                ["study", "written (UTC)", "ohmslice", "method used", "cells"], runs.values.tolist()
            )
        )
    if "crossovers" in have:
        x = q("SELECT * FROM crossovers")
        if len(x):
            parts.append("Crossovers:")
            parts.append(_html_table(["study", *_X_HEAD], _crossover_rows(x, with_study=True)))
        else:
            parts.append("<p>No crossovers.</p>")
    if "notes" in have:
        n = q(
            "SELECT study, count(*) AS n, count(*) FILTER (WHERE kind = 'flag') AS flags "
            "FROM notes GROUP BY study ORDER BY study"
        )
        counts = {r.study: (r.n, r.flags) for r in n.itertuples()}
        parts.append("<p>" + "; ".join(
            f"{_e(s)}: {counts.get(s, (0, 0))[0]} notes ({counts.get(s, (0, 0))[1]} flags)"
            for s in res.studies
        ) + "</p>")  # fmt: skip
    parts.append(f"<p>Tables: {_e(', '.join(res.tables))}</p></div>")
    return "".join(parts)
