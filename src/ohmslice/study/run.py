"""Run every analysis a study's data allow, for every cell, and compare the cells.

This is the wiring between the analyses (DESIGN's ``study`` stage): it reads the files
a :class:`ohmslice.study.file.Study` names, runs

* the GITT analysis (:func:`ohmslice.dc.gitt.analyze_gitt`),
* the time constants of each symmetric-cell spectrum, per electrode
  (:func:`ohmslice.impedance.time_constants`) and of each half-cell spectrum,
* the pulses' own DRT (:func:`ohmslice.dc.drt.gitt_drt`) -- the time constants at SOCs
  without a spectrum, and the source of them where a cell has no spectrum at all,
* the decomposition into R1/R2/R3 by both methods (:func:`ohmslice.method.decompose.decompose`),
  with the GITT-EIS consistency table,
* the rate tests (:func:`ohmslice.dc.rate.analyze_rate`),

and, with two or more cells, :func:`ohmslice.method.compare.compare` of their decompositions and
:func:`ohmslice.dc.rate.compare_curves` of their fastest discharge curves. Nothing is
written here; :mod:`ohmslice.cli.demo` writes tables and figures.

Study ``[analysis]`` keys read here: ``circuit`` (circuit string for the spectra),
``method`` (``"windows"`` or ``"model"``: which decomposition the comparison uses;
default ``"model"``), ``boundary`` (window rule).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import InputError

__all__ = ["CellResult", "StudyResult", "run_study"]


@dataclass
class CellResult:
    """Everything computed for one cell (attributes are None where the data lack)."""

    name: str
    label: str = ""
    gitt: Any = None
    time_constants: dict[float, Any] = field(default_factory=dict)
    half_time_constants: dict[float, Any] = field(default_factory=dict)
    tau_source: str = ""
    taus: pd.DataFrame | None = None
    dc_drt: pd.DataFrame | None = None
    windows: Any = None
    model: Any = None
    consistency: pd.DataFrame | None = None
    rate: Any = None
    notes: list[str] = field(default_factory=list)


@dataclass
class StudyResult:
    """Per-cell results, the comparison of the cells and the settings used."""

    name: str
    cells: dict[str, CellResult]
    comparison: Any = None
    curve_comparison: Any = None
    curve_rate: float | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def decompositions(self, method: str | None = None) -> dict[str, pd.DataFrame]:
        """Cell name -> decomposition table of ``method`` (default: the study's)."""
        method = method or self.settings["method"]
        return {
            n: getattr(c, method).table
            for n, c in self.cells.items()
            if getattr(c, method) is not None
        }


def _cell(spec: Any, settings: dict[str, Any], step: Callable[[str], None]) -> CellResult:
    from ..dc.drt import dc_tau_table, gitt_drt
    from ..dc.gitt import analyze_gitt
    from ..dc.rate import analyze_rate
    from ..impedance.timeconst import time_constants
    from ..io import read_recording, read_spectra
    from ..method.decompose import decompose, gitt_eis_consistency, tau_table

    out = CellResult(name=spec.name, label=spec.label)
    circuit = settings["circuit"]
    for soc, path in sorted(spec.symmetric_eis.items()):
        step(f"{spec.name}: symmetric-cell spectrum at {soc:g} % SOC")
        try:
            out.time_constants[soc] = time_constants(read_spectra(path)[0], circuit, symmetric=True)
        except InputError as exc:
            raise exc.with_path(path) from None
    for soc, path in sorted(spec.half_eis.items()):
        step(f"{spec.name}: half-cell spectrum at {soc:g} % SOC")
        try:
            out.half_time_constants[soc] = time_constants(read_spectra(path)[0], circuit)
        except InputError as exc:
            raise exc.with_path(path) from None
    if spec.gitt is not None:
        step(f"{spec.name}: GITT")
        out.gitt = analyze_gitt(read_recording(spec.gitt))
        step(f"{spec.name}: DRT of every pulse")
        out.dc_drt = gitt_drt(out.gitt)
        if out.time_constants:
            out.taus = tau_table(out.time_constants)
            out.tau_source = "symmetric-cell EIS at " + ", ".join(
                f"{s:g} %" for s in sorted(out.time_constants)
            )
        else:
            out.taus = dc_tau_table(out.dc_drt)
            out.tau_source = "the pulses' own DRT (no symmetric-cell spectrum)"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            step(f"{spec.name}: decomposition (windows)")
            out.windows = decompose(
                out.gitt, out.taus, method="windows", boundary=settings["boundary"]
            )
            step(f"{spec.name}: decomposition (model)")
            out.model = decompose(out.gitt, out.taus, method="model")
        out.notes += [str(w.message) for w in caught]
        if out.time_constants:
            out.consistency = gitt_eis_consistency(out.model, out.taus)
    files = [*spec.rate.charge, *spec.rate.discharge]
    if files:
        step(f"{spec.name}: rate tests")
        recs = [read_recording(p) for p in files]
        out.rate = analyze_rate(
            recs,
            nominal_capacity_Ah=spec.nominal_capacity_mAh / 1e3
            if spec.nominal_capacity_mAh
            else None,
            active_mass_g=spec.active_mass_mg / 1e3 if spec.active_mass_mg else None,
            area_cm2=spec.area_cm2,
            cell=spec.name,
        )
    return out


def run_study(
    study: Any, *, progress: Callable[[str], None] | None = None, n_boot: int = 300
) -> StudyResult:
    """Run the analyses of every cell of ``study`` and compare the cells.

    Parameters
    ----------
    study
        A :class:`ohmslice.study.file.Study` (from :func:`ohmslice.study.file.load_study`).
    progress
        Called with a short description before each step (e.g. to drive a progress bar).
    n_boot
        Bootstrap replicas of the crossover intervals.

    Raises
    ------
    InputError
        A file that cannot be read or analysed (named), an unknown analysis setting.
    """
    step = progress or (lambda _msg: None)
    analysis = dict(study.analysis)
    settings = {
        "circuit": analysis.get("circuit"),
        "method": analysis.get("method", "model"),
        "boundary": analysis.get("boundary", "balanced"),
    }
    if settings["method"] not in ("windows", "model"):
        raise InputError(
            f"[analysis] method = {settings['method']!r}; expected 'windows' or 'model'"
        )
    cells = {spec.name: _cell(spec, settings, step) for spec in study.cells}
    result = StudyResult(name=study.name, cells=cells, settings=settings)
    dec = result.decompositions()
    if len(dec) >= 2:
        from ..method.compare import compare

        step("comparing the cells")
        result.comparison = compare(dec, n_boot=n_boot)
    rated = [c.rate for c in cells.values() if c.rate is not None]
    if len(rated) >= 2:
        from ..dc.rate import compare_curves

        common = set(rated[0].rates("discharge")).intersection(rated[1].rates("discharge"))
        if common:
            result.curve_rate = max(common)
            try:
                result.curve_comparison = compare_curves(
                    rated[0].curve("discharge", result.curve_rate),
                    rated[1].curve("discharge", result.curve_rate),
                    x="capacity",
                )
            except InputError as exc:
                cells[rated[0].cell].notes.append(f"discharge curves not compared: {exc}")
    return result
