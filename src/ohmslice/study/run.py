"""Run every analysis a study's data allow, for every cell, and compare the cells.

This is the wiring between the analyses (the ``study`` stage of the data flow): it reads the files
a :class:`ohmslice.study.file.Study` names, runs

* the GITT analysis (:func:`ohmslice.dc.gitt.analyze_gitt`),
* the time constants of each symmetric-cell spectrum, per electrode
  (:func:`ohmslice.impedance.time_constants`) and of each half-cell spectrum, with the
  lin-KK test of each (:func:`ohmslice.impedance.kk.lin_kk`),
* the pulses' own DRT (:func:`ohmslice.dc.drt.gitt_drt`) -- the time constants at SOCs
  without a spectrum, and the source of them where a cell has no spectrum at all,
* the decomposition into R1/R2/R3 by both methods (:func:`ohmslice.method.decompose.decompose`),
  with the GITT-EIS consistency table,
* the rate tests (:func:`ohmslice.dc.rate.analyze_rate`),
* the cycling records (:func:`ohmslice.dc.cycling.analyze_cycling`; a cell's files numbered
  on in the order given), the trend and change-point of the resistance at the step starts
  and, with spectra between cycles (in the records, an EC-Lab Modulo Bat sequence, or
  ``cycling_eis``), of R0-R3 over cycles (:mod:`ohmslice.method.cycling`),

and, for every ``[[sample]]``: the pellet conductivity at each temperature with its
Arrhenius fit (:func:`ohmslice.impedance.conductivity.conductivity_series`), a composite
electrode's effective ionic conductivity (:func:`~ohmslice.impedance.conductivity.
composite_conductivity`, Arrhenius fit with two or more temperatures), the electronic
conductivity of a DC polarisation (:func:`ohmslice.dc.polarization.dc_polarization`) and
the sample's Table S1 row with the tortuosity factor against its electrolyte's pellet
(:func:`ohmslice.method.transport.transport_row`). A cycling record or a sample that
cannot be analysed is left out with a warning and a note; the rest is analysed.

and, with two or more cells, :func:`ohmslice.method.compare.compare` of their decompositions and
:func:`ohmslice.dc.rate.compare_curves` of their fastest discharge curves. Nothing is
written here; :mod:`ohmslice.cli.demo` writes tables and figures.

Study ``[analysis]`` keys read here: ``circuit`` (circuit string for the spectra),
``method`` (``"windows"`` or ``"model"``: which decomposition the comparison prefers;
default ``"model"``, see below), ``boundary`` (window rule), ``soc_reference`` (the SOC
scale of every cell's GITT: ``"discharge"`` / ``"charge"`` / ``"nominal"`` (the cell's
``nominal_capacity_mAh``) / a capacity, a number in A h or a text ``"2.355 mAh"``;
default: the GITT's own charge, see :func:`ohmslice.dc.gitt.analyze_gitt`),
``cycling_circuit`` (circuit of the spectra between cycles; default the impedance
engine's).

Which decomposition the comparison uses: the model method (when preferred) where its
checks pass -- at least :data:`MIN_USABLE_SHARE` of every cell's pulses pass them
(:func:`ohmslice.method.pulsefit._checks`; the pulses that fail are left out) and those
that fail leave no SOC stretch wider than :data:`MAX_GAP_PCT` without a value -- and
otherwise the windows method. :attr:`StudyResult.method_used` and
:attr:`StudyResult.notes` say which and why. Components without usable values (R1 and
R2 of a GITT sampled every second) are skipped by the comparison with a note; then
``r12`` (R1 + R2) is compared in their place.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._blas import one_blas_thread
from .._display import Plottable
from ..errors import AnalysisInputError, InputError

__all__ = [
    "CellResult",
    "SampleResult",
    "StudyResult",
    "run_study",
    "MIN_USABLE_SHARE",
    "MAX_GAP_PCT",
]

#: Share of a cell's pulses that must pass the model method's checks for the comparison
#: to use that method.
MIN_USABLE_SHARE = 0.8
#: Widest SOC stretch [%] the model method's failing pulses may leave without a value.
MAX_GAP_PCT = 3.0


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
    #: the cell's cycling records as one :class:`~ohmslice.dc.cycling.CyclingResult`
    #: (cycles numbered on across its files; ``file_cycle`` the file's own number)
    cycling: Any = None
    #: R0-R3 of the spectra between cycles (:class:`~ohmslice.method.cycling.CycleResistance`)
    cycle_resistance: Any = None
    #: trend and change-point of the resistance at the step starts
    step_resistance: Any = None
    #: notes and warnings of the cycling analysis
    cycling_notes: list[str] = field(default_factory=list)
    #: the samples the study file links to the cell (``conductivity = [...]``)
    samples: list[str] = field(default_factory=list)


@dataclass
class SampleResult:
    """Everything computed for one ``[[sample]]`` (attributes are None where the data lack).

    ``pellet``: the :class:`~ohmslice.impedance.conductivity.ConductivitySeries` of an
    electrolyte pellet; ``composite``: one
    :class:`~ohmslice.impedance.conductivity.CompositeConductivity` per spectrum of a
    composite electrode; ``arrhenius``: the Arrhenius fit of either (None with fewer than
    two usable temperatures); ``polarization``: the
    :class:`~ohmslice.dc.polarization.PolarizationResult`; ``transport``: its Table S1
    row (:func:`ohmslice.method.transport.transport_row`); ``cells``: the cells that link
    to it.
    """

    name: str
    kind: str
    label: str = ""
    pellet: Any = None
    composite: list[Any] = field(default_factory=list)
    arrhenius: Any = None
    polarization: Any = None
    transport: dict[str, Any] | None = None
    cells: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: the study-file key of each measurement (``files.25``, ``files.0``)
    keys: list[str] = field(default_factory=list)

    def measurements(self) -> list[Any]:
        """The ionic-conductivity results, one per spectrum, in the study file's order."""
        return list(self.pellet.results) if self.pellet is not None else list(self.composite)


@dataclass
class StudyResult(Plottable):
    """Per-cell results, the comparison of the cells and the settings used.

    ``method_used`` is the decomposition the comparison used (``"model"`` or
    ``"windows"``), ``notes`` say why and what else was left out; ``settings`` holds
    the study's analysis settings (``method`` the preferred one, ``soc_reference``);
    ``failed``: cell -> why it could not be analysed (the other cells were);
    ``samples``: sample -> :class:`SampleResult`; ``failed_samples``: sample -> why not.
    """

    name: str
    cells: dict[str, CellResult]
    comparison: Any = None
    curve_comparison: Any = None
    curve_rate: float | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    method_used: str = ""
    notes: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    samples: dict[str, SampleResult] = field(default_factory=dict)
    failed_samples: dict[str, str] = field(default_factory=dict)

    def decompositions(self, method: str | None = None) -> dict[str, pd.DataFrame]:
        """Cell name -> decomposition table of ``method`` (default: the one the
        comparison used)."""
        method = method or self.method_used or self.settings["method"]
        return {
            n: getattr(c, method).table
            for n, c in self.cells.items()
            if getattr(c, method) is not None
        }

    def skipped(self) -> list[str]:
        """The analyses this study did not run, and why: the comparison of the cells
        (fewer than two cells with a decomposition), the rate analysis (no rate files),
        the comparison of the discharge curves (fewer than two cells with rate tests)."""
        out = []
        dec = self.decompositions() if self.cells else {}
        if self.comparison is None:
            n = len(dec)
            why = (f"only one cell ({next(iter(dec))}) has a decomposition" if n == 1 else
                   "no cell has a GITT to decompose" if n == 0 else "not run")  # fmt: skip
            out.append(f"comparison of the cells' R1/R2/R3: {why}; it needs two or more")
        no_rate = [n for n, c in self.cells.items() if c.rate is None]
        if no_rate and len(no_rate) == len(self.cells):
            out.append("rate analysis: the study names no rate files (rate.charge / "
                       "rate.discharge of a cell)")  # fmt: skip
        elif no_rate:
            out.append(f"rate analysis of {', '.join(no_rate)}: no rate files")
        rated = [n for n, c in self.cells.items() if c.rate is not None]
        if len(rated) == 1:
            out.append(f"comparison of the discharge curves: only {rated[0]} has rate tests")
        return out

    def __repr__(self) -> str:
        lines = [f"<StudyResult {self.name!r}: {len(self.cells)} cell(s) analysed"
                 + (f", {len(self.failed)} failed" if self.failed else "")]  # fmt: skip
        for name, c in self.cells.items():
            n = len(c.gitt.table) if getattr(c, "gitt", None) is not None else 0
            lines.append(f"{name}: {n} GITT pulses, {len(c.time_constants)} spectra")
        if self.comparison is not None:
            lines.append(f"comparison ({self.method_used} method): "
                         f"{len(self.comparison.crossovers)} crossover(s)")  # fmt: skip
        lines += [f"skipped: {s}" for s in self.skipped()]
        if self.notes:
            lines.append(f"{len(self.notes)} note(s)")
        return "\n  ".join(lines) + ">"

    def _repr_html_(self) -> str:
        """A short HTML summary for Jupyter: cells, method used, crossovers, notes."""
        from .store import study_html

        return study_html(self)


@contextmanager
def _key(key: str, path: Any) -> Iterator[None]:
    """Name the study key and the data file of an InputError raised in the block
    (``gitt: /data/cell.mpt: the rest after pulse 3 ...``); run_study adds the cell."""
    try:
        yield
    except InputError as exc:
        err = InputError(f"{key}: {exc.with_path(path) if path is not None else exc}")
        err.study_key = key  # type: ignore[attr-defined]
        raise err from None


def _with_kk(tc: Any, measured: Any) -> Any:
    """``tc`` with the lin-KK test of the ``measured`` spectrum (``tc.kk``), a series
    capacitor added where its low-frequency end is capacitive. The measurement is tested,
    not the per-electrode spectrum derived from it: (Z - R_sep) / 2 is small at high
    frequency where Z is near R_sep, and the noise relative to it would fail any model."""
    from ..impedance.kk import lin_kk
    from ..impedance.shapes import low_frequency_exponent

    tc.kk = lin_kk(measured, add_capacitance=bool(low_frequency_exponent(measured) > 0.5))
    return tc


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
        with _key(f"symmetric_eis.{soc:g}", path):
            measured = read_spectra(path)[0]
            tc = time_constants(measured, circuit, symmetric=True)
            out.time_constants[soc] = _with_kk(tc, measured)
    for soc, path in sorted(spec.half_eis.items()):
        step(f"{spec.name}: half-cell spectrum at {soc:g} % SOC")
        with _key(f"half_eis.{soc:g}", path):
            measured = read_spectra(path)[0]
            out.half_time_constants[soc] = _with_kk(time_constants(measured, circuit), measured)
    if spec.gitt is not None:
        step(f"{spec.name}: GITT")
        ref = settings["soc_reference"]
        nominal = spec.nominal_capacity_mAh / 1e3 if spec.nominal_capacity_mAh else None
        if ref == "nominal" and nominal is None:
            raise InputError(
                f"[analysis] soc_reference = 'nominal' needs the nominal capacity of cell "
                f"'{spec.name}' (nominal_capacity_mAh)"
            )
        with _key("gitt", spec.gitt):
            out.gitt = analyze_gitt(
                read_recording(spec.gitt), soc_reference=ref, nominal_capacity_Ah=nominal
            )
        step(f"{spec.name}: DRT of every pulse")
        out.dc_drt = gitt_drt(out.gitt)
        eis_taus, why_not = None, "no symmetric-cell spectrum"
        if out.time_constants:
            try:
                with warnings.catch_warnings(record=True) as left_out:
                    warnings.simplefilter("always")
                    eis_taus = tau_table(out.time_constants)
                out.notes += [str(w.message) for w in left_out]
            except AnalysisInputError as exc:  # no spectrum determined all three
                why_not = str(exc)
        if eis_taus is not None:
            out.taus = eis_taus
            out.tau_source = "symmetric-cell EIS at " + ", ".join(
                f"{s:g} %" for s in eis_taus["soc_pct"]
            )
        else:
            out.taus = dc_tau_table(out.dc_drt)
            out.tau_source = f"the pulses' own DRT ({why_not})"
            if out.time_constants:
                out.notes.append(f"time constants from the pulses' own DRT: {why_not}")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            step(f"{spec.name}: decomposition (windows)")
            out.windows = decompose(
                out.gitt, out.taus, method="windows", boundary=settings["boundary"]
            )
            step(f"{spec.name}: decomposition (model)")
            out.model = decompose(out.gitt, out.taus, method="model")
        out.notes += [str(w.message) for w in caught]
        if eis_taus is not None:
            out.consistency = gitt_eis_consistency(out.model, out.taus)
    files = [*spec.rate.charge, *spec.rate.discharge]
    if files:
        step(f"{spec.name}: rate tests")
        recs = []
        for key, p in spec.files().items():
            if key.startswith("rate."):
                with _key(key, p):
                    recs.append(read_recording(p))
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


def _has_other_data(spec: Any) -> bool:
    """Whether the cell has data besides its cycling records."""
    return bool(spec.gitt or spec.symmetric_eis or spec.half_eis or spec.rate.charge
                or spec.rate.discharge or spec.conductivity)  # fmt: skip


def _read_cycling(path: Any) -> tuple[Any, list[Any]]:
    """The recording and the spectra (an EC-Lab Modulo Bat sequence) of a cycling file."""
    from ..io import read
    from ..schema import Recording, Spectrum

    items = read(path)
    items = items if isinstance(items, list) else [items]
    recs = [x for x in items if isinstance(x, Recording)]
    if not recs:
        raise InputError("holds no time series (only spectra); expected a cycling record",
                         path=path)  # fmt: skip
    return recs[0], [x for x in items if isinstance(x, Spectrum)]


def _cycling(spec: Any, settings: dict[str, Any], step: Callable[[str], None],
             out: CellResult) -> None:  # fmt: skip
    """Analyse the cell's cycling records into ``out``: one CyclingResult over all its
    files (each following file numbered on from the last cycle before it), the trend of
    the step-start resistance and, with spectra between cycles, of R0-R3."""
    from pathlib import Path

    from ..dc.cycling import CyclingResult, analyze_cycling
    from ..io import read_spectra
    from ..method.cycling import (
        _spectrum_cycles,
        resistance_over_cycles,
        step_resistance_over_cycles,
    )

    mass = spec.active_mass_mg / 1e3 if spec.active_mass_mg else None
    parts, halves, notes, incomplete = [], [], [], []
    spectra, cycles_of = [], []
    last, first_rec, first = None, None, None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k, path in enumerate(spec.cycling):
            step(f"{spec.name}: cycling ({Path(path).name})")
            with _key(f"cycling.{k}", path):
                rec, specs = _read_cycling(path)
                res = analyze_cycling(rec, mass, spec.area_cm2, cell=spec.name)
            c = res.cycles.copy()
            shift = 0.0 if last is None else last + 1 - float(c["cycle"].min())
            if shift:
                notes.append(f"cycling.{k} ({Path(path).name}): its cycles numbered on from "
                             f"cycle {last + 1:g} (the file's own numbers in file_cycle)")  # fmt: skip
            c.insert(c.columns.get_loc("cycle") + 1, "file_cycle", c["cycle"])
            c["cycle"] = c["cycle"] + shift
            c["source"] = Path(path).name
            h = res.half_cycles.copy()
            h["cycle"] = h["cycle"] + shift
            h.insert(0, "source", Path(path).name)
            parts.append(c)
            halves.append(h)
            incomplete += [int(x + shift) for x in res.incomplete]
            notes += [f"{Path(path).name}: {n}" for n in res.notes]
            last = float(c["cycle"].max())
            first = res if first is None else first
            first_rec = rec if first_rec is None else first_rec
            if specs:
                cyc, _, _ = _spectrum_cycles(specs, rec, None)
                spectra += specs
                cycles_of += list(np.asarray(cyc, dtype=float) + shift)
        table = pd.concat(parts, ignore_index=True)
        q0 = float(table["discharge_mAh"].iloc[0])
        table["retention_pct"] = 100.0 * table["discharge_mAh"] / q0 if q0 > 0 else np.nan
        out.cycling = CyclingResult(
            spec.name, ", ".join(Path(p).name for p in spec.cycling), table,
            pd.concat(halves, ignore_index=True), first.cycle_source, first.capacity_source,
            incomplete, mass, spec.area_cm2, notes,
        )  # fmt: skip
        out.step_resistance = step_resistance_over_cycles(out.cycling)
        eis = spec.cycling_eis_files()
        for key, path in eis:
            with _key(key, path):
                got = read_spectra(path)
            if isinstance(spec.cycling_eis, dict):
                cyc = [float(key.split(".", 1)[1])] * len(got)
            else:
                rec = first_rec if len(spec.cycling) == 1 else None
                cyc = list(_spectrum_cycles(got, rec, None)[0])
            spectra += got
            cycles_of += cyc
        if spectra:
            step(f"{spec.name}: {len(spectra)} spectra between cycles")
            try:
                out.cycle_resistance = resistance_over_cycles(
                    spectra, cycles=cycles_of, circuit=settings.get("cycling_circuit")
                )
            except InputError as exc:
                out.cycling_notes.append(f"resistance over cycles not computed: {exc}")
    out.cycling_notes += [" ".join(str(w.message).split()) for w in caught]


def _nearest_25(results: list[Any]) -> Any:
    """The usable result measured nearest 25 degC (any result where none is usable)."""
    pool = [r for r in results if r.success] or list(results)
    if not pool:
        return None
    t = [abs(r.temperature_C - 25.0) if np.isfinite(r.temperature_C) else np.inf for r in pool]
    return pool[int(np.argmin(t))]


def _sample(spec: Any, step: Callable[[str], None], pellets: dict[str, Any]) -> SampleResult:
    """Conductivities of one ``[[sample]]`` (module docstring); ``pellets``: the
    electrolyte pellets analysed so far, for the tortuosity factor."""
    from ..dc.polarization import dc_polarization
    from ..impedance.conductivity import arrhenius, composite_conductivity, conductivity_series
    from ..io import read_recording, read_spectra
    from ..method.transport import transport_row

    out = SampleResult(spec.name, spec.kind, spec.label)
    geo = {"thickness_err_cm": spec.thickness_err_cm, "area_err_cm2": spec.area_err_cm2}
    length, area = spec.thickness_cm, spec.area_cm2
    meas = spec.measurements()
    out.keys = [key for key, _, _ in meas]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spectra = []
        for key, _, path in meas:
            with _key(key, path):
                got = read_spectra(path)
            if len(got) > 1:
                out.notes.append(f"{key}: the file holds {len(got)} spectra; the first is used")
            spectra.append(got[0])
        if spectra and spec.kind == "electrolyte pellet":
            step(f"sample {spec.name}: pellet conductivity at {len(spectra)} temperature(s)")
            try:
                out.pellet = conductivity_series(
                    spectra, length, area, temperatures_C=[t for _, t, _ in meas],
                    temperature_err_C=spec.temperature_err_C, **geo,
                )  # fmt: skip
            except InputError as exc:  # "spectrum 2: ..." -> the key and file of spectrum 2
                m = re.match(r"spectrum (\d+): ", exc.message)
                key, _, path = meas[int(m.group(1))] if m else ("files", None, None)
                err = type(exc)(exc.message[m.end():] if m else exc.message,
                                path=path if path is not None else exc.path)  # fmt: skip
                with _key(key, None):
                    raise err from None
            out.arrhenius = out.pellet.arrhenius
            out.notes += out.pellet.notes
        elif spectra:
            step(f"sample {spec.name}: composite conductivity, {len(spectra)} spectra")
            for (key, t, path), sp in zip(meas, spectra, strict=True):
                with _key(key, path):
                    out.composite.append(composite_conductivity(
                        sp, length, area, symmetric=spec.symmetric, temperature_C=t, **geo))  # fmt: skip
            use = [r for r in out.composite if r.success and np.isfinite(r.temperature_C)]
            if len({r.temperature_C for r in use}) >= 2:
                out.arrhenius = arrhenius(
                    [r.temperature_C for r in use], [r.sigma_eff_S_cm for r in use],
                    [r.sigma_eff_S_cm * r.sigma_fit_rel_err for r in use],
                    temperature_err_C=spec.temperature_err_C,
                    systematic_rel_err=use[0].geometry_rel_err,
                )  # fmt: skip
        if spec.polarization is not None:
            step(f"sample {spec.name}: DC polarisation")
            with _key("polarization", spec.polarization):
                out.polarization = dc_polarization(
                    read_recording(spec.polarization), length, area,
                    temperature_C=spec.polarization_temperature_C, **geo,
                )  # fmt: skip
        ionic = _nearest_25(out.measurements())
        pellet = pellets.get(spec.electrolyte) if spec.electrolyte else None
        if spec.electrolyte and pellet is None:
            out.notes.append(f"no tortuosity factor: the electrolyte pellet "
                             f"'{spec.electrolyte}' was not analysed")  # fmt: skip
        try:
            out.transport = transport_row(
                spec.name, ionic=ionic, electronic=out.polarization, pellet=pellet,
                volume_fraction=spec.volume_fraction,
                volume_fraction_err=spec.volume_fraction_err,
            )  # fmt: skip
        except InputError as exc:
            out.notes.append(f"no tortuosity factor: {exc}")
            out.transport = transport_row(spec.name, ionic=ionic, electronic=out.polarization,
                                          volume_fraction=spec.volume_fraction)  # fmt: skip
        if ionic is None:
            how = ""
        elif hasattr(ionic, "sigma_bulk_S_cm"):
            how = f"pellet: {ionic.method}"
        else:
            how = "transmission line"
        out.transport["ionic_method"] = how
    out.notes += [" ".join(str(w.message).split()) for w in caught]
    return out


@one_blas_thread
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
        An unknown analysis setting; a file that cannot be read or analysed (named with
        the study file and its key) in a one-cell study, or in every cell of a study. A
        cell that fails while others do not is left out with a warning (and a note,
        ``StudyResult.failed``); the others are analysed and compared.
    """
    from ..dc.gitt import parse_soc_reference

    step = progress or (lambda _msg: None)
    analysis = dict(study.analysis)
    settings = {
        "circuit": analysis.get("circuit"),
        "method": analysis.get("method", "model"),
        "boundary": analysis.get("boundary", "balanced"),
        "soc_reference": analysis.get("soc_reference"),
    }
    if settings["method"] not in ("windows", "model"):
        raise InputError(
            f"[analysis] method = {settings['method']!r}; expected 'windows' or 'model'"
        )
    try:
        settings["soc_reference"] = parse_soc_reference(settings["soc_reference"])
    except InputError as exc:
        raise InputError(f"[analysis] {exc}") from None
    cells: dict[str, CellResult] = {}
    failed: dict[str, str] = {}
    if analysis.get("cycling_circuit") is not None:
        settings["cycling_circuit"] = analysis["cycling_circuit"]
    for i, spec in enumerate(study.cells):
        try:
            res = _cell(spec, settings, step)
            res.samples = list(getattr(spec, "conductivity", []) or [])
            if getattr(spec, "cycling", None):
                try:
                    _cycling(spec, settings, step, res)
                except InputError as exc:
                    if not _has_other_data(spec):
                        raise  # the cell has nothing else: the cell fails
                    where = f"cell[{i}]." if hasattr(exc, "study_key") else f"cell[{i}]: "
                    why = str(InputError(f"{where}{exc}", path=getattr(study, "source", None)))
                    res.cycling = res.step_resistance = res.cycle_resistance = None
                    res.cycling_notes.append(f"cycling not analysed: {why}")
                    warnings.warn(f"cell '{spec.name}': cycling not analysed: {why}",
                                  stacklevel=2)  # fmt: skip
            cells[spec.name] = res
        except InputError as exc:  # name the study file and the cell: cell[1].gitt: ...
            where = f"cell[{i}]." if hasattr(exc, "study_key") else f"cell[{i}] ({spec.name}): "
            err = InputError(f"{where}{exc}", path=getattr(study, "source", None))
            if len(study.cells) == 1:
                raise err from None
            failed[spec.name] = str(err)
            warnings.warn(f"cell '{spec.name}' not analysed: {err}", stacklevel=2)
    if not cells:  # every cell failed: the first one's reason, and how many more
        first = next(iter(failed.values()))
        more = f" (and the {len(failed) - 1} other cells failed too)" if len(failed) > 1 else ""
        raise InputError(f"no cell could be analysed: {first}{more}")
    result = StudyResult(name=study.name, cells=cells, settings=settings, failed=failed)
    result.notes += [f"cell '{n}' not analysed: {why}" for n, why in failed.items()]
    _samples(study, step, result)
    result.method_used, why = _choose_method(cells, settings["method"])
    if why:
        result.notes.append(why)
    dec = result.decompositions()
    if len(dec) >= 2:
        from ..method.compare import compare
        from ..method.systematic import systematic

        used = {n: getattr(c, result.method_used) for n, c in cells.items() if n in dec}
        for name, d in used.items():
            step(f"{name}: errors the pulses share")
            c = cells[name]
            opts = {"method": d.method}
            if d.method == "windows":
                opts["boundary"] = settings["boundary"]
            d.systematic = systematic(c.gitt, c.taus, d, tcs=c.time_constants, **opts)
        result.notes.append(
            "crossover intervals hold each pulse's noise and, drawn alike for all pulses of "
            "a cell, " + "; ".join(f"{n}: {d.systematic.describe()}" for n, d in used.items())
        )
        step("comparing the cells")
        components = ["r1", "r2", "r3", "r_total"]
        if not all(_has_values(t, "r1") and _has_values(t, "r2") for t in dec.values()):
            components.insert(2, "r12")  # R1 and R2 not split somewhere: compare R1 + R2
        result.comparison = compare(used, components, n_boot=n_boot)
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
    result.notes += [f"skipped: {s}" for s in result.skipped()]
    return result


def _samples(study: Any, step: Callable[[str], None], result: StudyResult) -> None:
    """Analyse every ``[[sample]]`` of ``study`` into ``result`` (pellets first, so that a
    composite finds its electrolyte's); one that fails is left out with a warning and a
    note."""
    specs = list(getattr(study, "samples", ()) or ())
    order = sorted(range(len(specs)), key=lambda i: specs[i].kind != "electrolyte pellet")
    links: dict[str, list[str]] = {}
    for c in study.cells:
        for name in getattr(c, "conductivity", []) or []:
            links.setdefault(name, []).append(c.name)
    done: dict[str, SampleResult] = {}
    pellets: dict[str, Any] = {}
    for i in order:
        spec = specs[i]
        try:
            res = _sample(spec, step, pellets)
        except InputError as exc:
            where = f"sample[{i}]." if hasattr(exc, "study_key") else f"sample[{i}] ({spec.name}): "
            err = InputError(f"{where}{exc}", path=getattr(study, "source", None))
            result.failed_samples[spec.name] = str(err)
            result.notes.append(f"sample '{spec.name}' not analysed: {err}")
            warnings.warn(f"sample '{spec.name}' not analysed: {err}", stacklevel=3)
            continue
        res.cells = links.get(spec.name, [])
        done[spec.name] = res
        if res.pellet is not None and any(r.success for r in res.pellet.results):
            pellets[spec.name] = res.pellet
    result.samples = {s.name: done[s.name] for s in specs if s.name in done}


def _has_values(table: pd.DataFrame, comp: str) -> bool:
    """Whether ``table`` has at least 3 usable finite values of ``{comp}_ohm``."""
    col = f"{comp}_ohm"
    if col not in table.columns:
        return False
    ok = table[col].notna()
    if "usable" in table.columns:
        ok &= table["usable"].astype(bool)
    return int(ok.sum()) >= 3


#: words in a model flag -> the reason counted in the note
_REASONS = (
    ("misses the data", "the model misses the data (residual > the noise allows)"),
    ("at its bound", "a time constant at its bound"),
    ("negative", "a negative component"),
    ("implausible", "a component jumping from its neighbours"),
    ("cut-off", "the cut-off reached"),
    ("too few samples", "too few samples"),
)


def _failures(table: pd.DataFrame) -> str:
    """'33 misses the data, 1 cut-off' for the pulses of ``table`` that are not usable."""
    bad = table.loc[~table["usable"].astype(bool), "flag"].astype(str)
    counts = [(sum(key in f for f in bad), words) for key, words in _REASONS]
    return ", ".join(f"{n} {words}" for n, words in counts if n)


def _model_gap(model: pd.DataFrame, windows: pd.DataFrame | None) -> tuple[float, float, float]:
    """The widest SOC stretch [%] (and its ends) without a usable model value, within the
    SOC span of the usable windows values (or of all pulses)."""
    ref = windows if windows is not None else model
    ok_ref = ref["usable"].astype(bool) if "usable" in ref.columns else np.ones(len(ref), bool)
    span = ref.loc[ok_ref, "soc_pct"].to_numpy(float)
    socs = np.sort(model.loc[model["usable"].astype(bool), "soc_pct"].to_numpy(float))
    if span.size == 0:
        return 0.0, np.nan, np.nan
    edges = np.r_[span.min(), socs[(socs >= span.min()) & (socs <= span.max())], span.max()]
    gaps = np.diff(edges)
    k = int(np.argmax(gaps))
    return float(gaps[k]), float(edges[k]), float(edges[k + 1])


def _choose_method(cells: dict[str, CellResult], preferred: str) -> tuple[str, str]:
    """The decomposition the comparison uses, and a sentence saying why.

    The model method (when preferred) is used if, in every cell, at least
    :data:`MIN_USABLE_SHARE` of its pulses pass its checks and the pulses that fail leave
    no stretch wider than :data:`MAX_GAP_PCT` of SOC without a value (a crossover there
    would be lost); otherwise the windows method."""
    models = {n: c for n, c in cells.items() if c.model is not None}
    if not models:
        return preferred, ""
    if preferred == "windows":
        return "windows", "comparison by the windows method (the study's [analysis] method)"
    weak, passed = [], []
    for name, c in models.items():
        t = c.model.table
        n_ok = int(t["usable"].sum())
        share = n_ok / len(t) if len(t) else 0.0
        gap, g0, g1 = _model_gap(t, c.windows.table if c.windows is not None else None)
        text = f"{name}: {n_ok} of {len(t)} pulses pass"
        if n_ok < len(t):
            text += f" ({_failures(t)})"
        if gap > MAX_GAP_PCT:
            text += f", none in {g0:.1f}-{g1:.1f} % SOC"
        (passed if share >= MIN_USABLE_SHARE and gap <= MAX_GAP_PCT else weak).append(text)
    if not weak:
        return "model", (
            "comparison by the model method: its checks pass (" + "; ".join(passed) + "); "
            "the pulses that fail them are left out"
        )
    return "windows", (
        "comparison by the windows method: the model method's checks fail on too many "
        f"pulses (more than {100 * (1 - MIN_USABLE_SHARE):.0f} % of a cell's, or a stretch "
        f"of more than {MAX_GAP_PCT:g} % SOC): " + "; ".join(weak + passed)
    )
