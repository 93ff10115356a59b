"""Run every analysis a study's data allow, for every cell, and compare the cells.

This is the wiring between the analyses (DESIGN's ``study`` stage): it reads the files
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

and, with two or more cells, :func:`ohmslice.method.compare.compare` of their decompositions and
:func:`ohmslice.dc.rate.compare_curves` of their fastest discharge curves. Nothing is
written here; :mod:`ohmslice.cli.demo` writes tables and figures.

Study ``[analysis]`` keys read here: ``circuit`` (circuit string for the spectra),
``method`` (``"windows"`` or ``"model"``: which decomposition the comparison prefers;
default ``"model"``, see below), ``boundary`` (window rule), ``soc_reference`` (the SOC
scale of every cell's GITT: ``"discharge"`` / ``"charge"`` / ``"nominal"`` (the cell's
``nominal_capacity_mAh``) / a capacity, a number in A h or a text ``"2.355 mAh"``;
default: the GITT's own charge, see :func:`ohmslice.dc.gitt.analyze_gitt`).

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

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._blas import one_blas_thread
from ..errors import AnalysisInputError, InputError

__all__ = ["CellResult", "StudyResult", "run_study", "MIN_USABLE_SHARE", "MAX_GAP_PCT"]

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


@dataclass
class StudyResult:
    """Per-cell results, the comparison of the cells and the settings used.

    ``method_used`` is the decomposition the comparison used (``"model"`` or
    ``"windows"``), ``notes`` say why and what else was left out; ``settings`` holds
    the study's analysis settings (``method`` the preferred one, ``soc_reference``);
    ``failed``: cell -> why it could not be analysed (the other cells were).
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

    def decompositions(self, method: str | None = None) -> dict[str, pd.DataFrame]:
        """Cell name -> decomposition table of ``method`` (default: the one the
        comparison used)."""
        method = method or self.method_used or self.settings["method"]
        return {
            n: getattr(c, method).table
            for n, c in self.cells.items()
            if getattr(c, method) is not None
        }

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
        err = InputError(f"{key}: {exc.with_path(path)}")
        err.study_key = key  # type: ignore[attr-defined]
        raise err from None


def _with_kk(tc: Any) -> Any:
    """``tc`` with the lin-KK test of its spectrum (``tc.kk``), a series capacitor added
    where the spectrum's low-frequency end is capacitive."""
    from ..impedance.kk import lin_kk
    from ..impedance.shapes import low_frequency_exponent

    tc.kk = lin_kk(tc.spectrum, add_capacitance=bool(low_frequency_exponent(tc.spectrum) > 0.5))
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
            tc = time_constants(read_spectra(path)[0], circuit, symmetric=True)
            out.time_constants[soc] = _with_kk(tc)
    for soc, path in sorted(spec.half_eis.items()):
        step(f"{spec.name}: half-cell spectrum at {soc:g} % SOC")
        with _key(f"half_eis.{soc:g}", path):
            out.half_time_constants[soc] = _with_kk(time_constants(read_spectra(path)[0], circuit))
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
    for i, spec in enumerate(study.cells):
        try:
            cells[spec.name] = _cell(spec, settings, step)
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
    return result


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
