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

from .dc import (
    CyclingResult,
    GittResult,
    RateResult,
    analyze_cycling,
    analyze_gitt,
    analyze_rate,
    compare_curves,
    dc_polarization,
    dc_tau_table,
    dcir,
    gitt_drt,
    hppc,
    pulse_drt,
    segment,
)
from .errors import InputError
from .impedance import (
    Circuit,
    FitResult,
    KKResult,
    TimeConstants,
    arrhenius,
    composite_conductivity,
    conductivity_series,
    fit_circuit,
    fit_many,
    lin_kk,
    pellet_conductivity,
    pulse_response,
    step_response,
    time_constants,
)
from .impedance.drt import DrtResult, drt
from .io import read, read_recording, read_spectra, readers
from .method import (
    Comparison,
    Decomposition,
    compare,
    decompose,
    gitt_eis_consistency,
    resistance_over_cycles,
    tau_table,
    tortuosity_factor,
)
from .schema import Recording, Spectrum
from .study import (
    Results,
    Study,
    StudyResult,
    batch_summary,
    load_study,
    open_results,
    run_batch,
    run_study,
    write_results,
)

__version__ = "0.1.0"

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
