"""ohmslice: where a battery cell's resistance comes from.

Reads raw potentiostat/cycler files, analyses GITT pulses (DC) and impedance spectra
(AC), splits each pulse's resistance by time constant into contact (R1),
charge-transfer (R2) and diffusion (R3) parts at every state of charge, and compares
cells.

The public API, by stage of the data flow (the subpackage each name lives in)::

    read, read_recording, read_spectra, readers        io/         files -> Recording / Spectrum
    segment, analyze_gitt, dcir, hppc                   dc/         pulses
    analyze_rate, compare_curves                        dc/         rate capability
    analyze_cycling, dc_polarization                    dc/         cycling; electronic conductivity
    pulse_drt, gitt_drt, dc_tau_table                   dc/         time constants from the pulses
    Circuit, fit_circuit, fit_many, lin_kk, drt,
    time_constants, step_response, pulse_response      impedance/  spectra, time domain
    pellet_conductivity, conductivity_series,
    arrhenius, composite_conductivity                   impedance/  ionic conductivity, Arrhenius
    decompose, tau_table, gitt_eis_consistency,
    compare                                             method/     R1/R2/R3 per pulse, cells side by side
    resistance_over_cycles, tortuosity_factor           method/     contact loss over cycles; tortuosity
    load_study, run_study                               study/      a whole study (study.toml)
    write_results, open_results                         study/      the results store (Parquet + DuckDB)
    run_batch, batch_summary                            study/      many studies on Dask, one catalogue
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> the module that defines it, imported on first use (PEP 562): the
#: command line and ``import ohmslice`` start without loading SciPy, pandas or DuckDB.
_SOURCE = {
    "CyclingResult": "ohmslice.dc",
    "GittResult": "ohmslice.dc",
    "RateResult": "ohmslice.dc",
    "analyze_cycling": "ohmslice.dc",
    "analyze_gitt": "ohmslice.dc",
    "analyze_rate": "ohmslice.dc",
    "compare_curves": "ohmslice.dc",
    "dc_polarization": "ohmslice.dc",
    "dc_tau_table": "ohmslice.dc",
    "dcir": "ohmslice.dc",
    "gitt_drt": "ohmslice.dc",
    "hppc": "ohmslice.dc",
    "pulse_drt": "ohmslice.dc",
    "segment": "ohmslice.dc",
    "InputError": "ohmslice.errors",
    "Circuit": "ohmslice.impedance",
    "FitResult": "ohmslice.impedance",
    "KKResult": "ohmslice.impedance",
    "TimeConstants": "ohmslice.impedance",
    "arrhenius": "ohmslice.impedance",
    "composite_conductivity": "ohmslice.impedance",
    "conductivity_series": "ohmslice.impedance",
    "fit_circuit": "ohmslice.impedance",
    "fit_many": "ohmslice.impedance",
    "lin_kk": "ohmslice.impedance",
    "pellet_conductivity": "ohmslice.impedance",
    "pulse_response": "ohmslice.impedance",
    "step_response": "ohmslice.impedance",
    "time_constants": "ohmslice.impedance",
    "DrtResult": "ohmslice.impedance.drt",
    "drt": "ohmslice.impedance.drt",
    "read": "ohmslice.io",
    "read_recording": "ohmslice.io",
    "read_spectra": "ohmslice.io",
    "readers": "ohmslice.io",
    "Comparison": "ohmslice.method",
    "Decomposition": "ohmslice.method",
    "compare": "ohmslice.method",
    "decompose": "ohmslice.method",
    "gitt_eis_consistency": "ohmslice.method",
    "resistance_over_cycles": "ohmslice.method",
    "tau_table": "ohmslice.method",
    "tortuosity_factor": "ohmslice.method",
    "Recording": "ohmslice.schema",
    "Spectrum": "ohmslice.schema",
    "Results": "ohmslice.study",
    "Study": "ohmslice.study",
    "StudyResult": "ohmslice.study",
    "batch_summary": "ohmslice.study",
    "load_study": "ohmslice.study",
    "open_results": "ohmslice.study",
    "run_batch": "ohmslice.study",
    "run_study": "ohmslice.study",
    "write_results": "ohmslice.study",
}


def __getattr__(name: str) -> Any:
    """The public name ``name``, its module imported now (and kept as an attribute)."""
    module = _SOURCE.get(name)
    if module is None:
        raise AttributeError(f"module 'ohmslice' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_SOURCE})


__all__ = [
    "Circuit",
    "Comparison",
    "CyclingResult",
    "Decomposition",
    "DrtResult",
    "FitResult",
    "GittResult",
    "InputError",
    "KKResult",
    "RateResult",
    "Results",
    "Study",
    "StudyResult",
    "Recording",
    "Spectrum",
    "TimeConstants",
    "__version__",
    "analyze_cycling",
    "analyze_gitt",
    "analyze_rate",
    "arrhenius",
    "batch_summary",
    "compare",
    "compare_curves",
    "composite_conductivity",
    "conductivity_series",
    "dc_polarization",
    "dcir",
    "dc_tau_table",
    "decompose",
    "drt",
    "fit_circuit",
    "fit_many",
    "gitt_drt",
    "gitt_eis_consistency",
    "hppc",
    "lin_kk",
    "load_study",
    "open_results",
    "pellet_conductivity",
    "pulse_drt",
    "pulse_response",
    "read",
    "read_recording",
    "read_spectra",
    "readers",
    "resistance_over_cycles",
    "run_batch",
    "run_study",
    "segment",
    "step_response",
    "tau_table",
    "time_constants",
    "tortuosity_factor",
    "write_results",
]
