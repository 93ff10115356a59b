"""The reference paper's method: R1/R2/R3 per pulse from the time constants, and cells
compared component by component.

Boundary times between processes (:mod:`.boundaries`), the split of every pulse's
resistance by the windows or the model method (:mod:`.decompose`, the model fit and its
checks in :mod:`.pulsefit`; the meaning of every column, the same in both, in
:mod:`.columns`), the errors the pulses share (:mod:`.systematic`), and the comparison
of cells with crossover SOCs and their intervals (:mod:`.compare`); resistances followed
over cycles, their trends and change-points (contact loss, :mod:`.cycling`).
"""

from .boundaries import boundary_times
from .columns import COLUMNS
from .compare import Comparison, compare
from .cycling import (
    CycleResistance,
    change_point,
    resistance_over_cycles,
    step_resistance_over_cycles,
)
from .decompose import Decomposition, decompose, gitt_eis_consistency, tau_table
from .transport import Tortuosity, tortuosity_factor, transport_row, transport_table

__all__ = [
    "COLUMNS",
    "Comparison",
    "CycleResistance",
    "Decomposition",
    "boundary_times",
    "change_point",
    "compare",
    "decompose",
    "gitt_eis_consistency",
    "resistance_over_cycles",
    "step_resistance_over_cycles",
    "tau_table",
    "Tortuosity",
    "tortuosity_factor",
    "transport_row",
    "transport_table",
]
