"""ohmslice: where a battery cell's resistance comes from.

Reads raw potentiostat/cycler files, analyses GITT pulses (DC) and impedance spectra
(AC), splits each pulse's resistance by time constant into contact (R1),
charge-transfer (R2) and diffusion (R3) parts at every state of charge, and compares
cells.

The public API, by stage of the data flow::

    read, read_recording, read_spectra, readers        files -> Recording / Spectrum
    segment, analyze_gitt, dcir, hppc                   pulses (DC)
    Circuit, fit_circuit, fit_many, lin_kk, drt,
    time_constants                                      impedance (AC)
    step_response, pulse_response                       time domain
    pulse_drt, gitt_drt, dc_tau_table                   time constants from the pulses
    decompose, tau_table, gitt_eis_consistency         the R1/R2/R3 split per pulse
    analyze_rate, compare_curves                        rate capability
    compare                                             cells side by side
    load_study, run_study                               a whole study (study.toml)
"""

from .compare import Comparison, compare
from .dcdrt import dc_tau_table, gitt_drt, pulse_drt
from .dcir import dcir, hppc
from .decompose import Decomposition, decompose, gitt_eis_consistency, tau_table
from .errors import InputError
from .gitt import GittResult, analyze_gitt
from .impedance import Circuit, FitResult, fit_circuit, fit_many
from .impedance.drt import DrtResult, drt
from .impedance.kk import KKResult, lin_kk
from .impedance.timeconst import TimeConstants, time_constants
from .io import read, read_recording, read_spectra, readers
from .pipeline import StudyResult, run_study
from .pulses import segment
from .rate import RateResult, analyze_rate, compare_curves
from .schema import Recording, Spectrum
from .study import Study, load_study
from .timedomain import pulse_response, step_response

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
]
