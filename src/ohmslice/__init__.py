"""ohmslice: where a battery cell's resistance comes from.

Reads raw potentiostat/cycler files, analyses GITT pulses (DC) and impedance spectra
(AC), splits each pulse's resistance by time constant into contact (R1),
charge-transfer (R2) and diffusion (R3) parts at every state of charge, and compares
cells.

The public API, by stage of the data flow (the subpackage each name lives in)::

    read, read_recording, read_spectra, readers        io/         files -> Recording / Spectrum
    segment, analyze_gitt, dcir, hppc                   dc/         pulses
    analyze_rate, compare_curves                        dc/         rate capability
    pulse_drt, gitt_drt, dc_tau_table                   dc/         time constants from the pulses
    Circuit, fit_circuit, fit_many, lin_kk, drt,
    time_constants, step_response, pulse_response      impedance/  spectra, time domain
    decompose, tau_table, gitt_eis_consistency,
    compare                                             method/     R1/R2/R3 per pulse, cells side by side
    load_study, run_study                               study/      a whole study (study.toml)
    write_results, open_results                         study/      the results store (Parquet + DuckDB)
"""

from .dc import (
    GittResult,
    RateResult,
    analyze_gitt,
    analyze_rate,
    compare_curves,
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
    fit_circuit,
    fit_many,
    lin_kk,
    pulse_response,
    step_response,
    time_constants,
)
from .impedance.drt import DrtResult, drt
from .io import read, read_recording, read_spectra, readers
from .method import Comparison, Decomposition, compare, decompose, gitt_eis_consistency, tau_table
from .schema import Recording, Spectrum
from .study import Results, Study, StudyResult, load_study, open_results, run_study, write_results

__version__ = "0.1.0"

__all__ = [
    "Circuit",
    "Comparison",
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
    "analyze_gitt",
    "analyze_rate",
    "compare",
    "compare_curves",
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
    "pulse_drt",
    "pulse_response",
    "read",
    "read_recording",
    "read_spectra",
    "readers",
    "run_study",
    "segment",
    "step_response",
    "tau_table",
    "time_constants",
    "write_results",
]
