"""Impedance engine: equivalent circuits, fitting with uncertainty, KK check, DRT.

Circuits use impedance.py's string syntax (``"R0-p(R1,CPE1)-p(R2,CPE2)-Wo1"``) and
parameter names (``R0``, ``CPE1_0``, ``Wo1_1``); see :mod:`.circuits` and
:mod:`.elements`. :func:`fit_circuit` fits one spectrum, :func:`fit_many` a series; :func:`lin_kk` checks
Kramers-Kronig consistency, :func:`drt` computes the distribution of relaxation times and
:func:`time_constants` reads each process from both; :func:`step_response` and
:func:`pulse_response` give a circuit's answer to a current step in the time domain. The DRT itself is
:func:`ohmslice.impedance.drt.drt` (also ``ohmslice.drt``); it is not re-exported here,
where its name would hide its module.

Every entry point checks its spectrum before any numerics and refuses, with one sentence
saying why, a spectrum it cannot analyse (non-finite values, frequencies outside
1e-6..1e9 Hz, impedances of zero, a single frequency, too few distinct frequencies) or
one above its size limits (5000 points, and limits on basis functions, RC elements,
parameters and resamples); repeated frequencies are kept as extra points. The rules
and the reasons for the limits are in :mod:`ohmslice.impedance._input`.
"""

from .circuits import Circuit, CircuitError, describe_elements
from .conductivity import (
    Arrhenius,
    CompositeConductivity,
    ConductivitySeries,
    PelletConductivity,
    arrhenius,
    composite_conductivity,
    conductivity_series,
    pellet_conductivity,
)
from .drt import DrtResult
from .fit import (
    FitResult,
    FitSeries,
    fit_circuit,
    fit_many,
    high_frequency_intercept,
    initial_guess,
    initial_guesses,
)
from .kk import KKResult, lin_kk
from .timeconst import DEFAULT_CIRCUIT, TimeConstants, time_constants
from .timedomain import pulse_response, step_response

__all__ = [
    "DEFAULT_CIRCUIT",
    "DrtResult",
    "KKResult",
    "TimeConstants",
    "lin_kk",
    "time_constants",
    "Circuit",
    "CircuitError",
    "FitResult",
    "FitSeries",
    "describe_elements",
    "fit_circuit",
    "fit_many",
    "high_frequency_intercept",
    "initial_guess",
    "initial_guesses",
    "pulse_response",
    "step_response",
    "Arrhenius",
    "CompositeConductivity",
    "ConductivitySeries",
    "PelletConductivity",
    "arrhenius",
    "composite_conductivity",
    "conductivity_series",
    "pellet_conductivity",
]
