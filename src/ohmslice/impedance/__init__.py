"""Impedance engine: equivalent circuits, fitting with uncertainty, KK check, DRT.

Circuits use impedance.py's string syntax (``"R0-p(R1,CPE1)-p(R2,CPE2)-Wo1"``) and
parameter names (``R0``, ``CPE1_0``, ``Wo1_1``); see :mod:`.circuits` and
:mod:`.elements`. :func:`fit_circuit` fits one spectrum, :func:`fit_many` a series.
"""

from .circuits import Circuit, CircuitError, describe_elements
from .fit import (
    FitResult,
    FitSeries,
    fit_circuit,
    fit_many,
    high_frequency_intercept,
    initial_guess,
    initial_guesses,
)

__all__ = [
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
]
