"""DC engine: what current steps in a recording say about a cell.

Segmentation into constant-current steps, rests and holds (:mod:`.pulses`), the GITT
per-pulse table and its regions (:mod:`.gitt`, :mod:`.regions`), diffusion coefficients
(:mod:`.diffusion`), DCIR and HPPC (:mod:`.dcir`), rate capability and voltage curves
(:mod:`.rate`, :mod:`.curves`), capacity, coulombic efficiency and resistance per cycle
(:mod:`.cycling`), and the distribution of relaxation times of a pulse and
its rest (:mod:`.drt`): time constants without a spectrum.
"""

from .curves import Curve, CurveComparison, compare_curves
from .cycling import CyclingResult, analyze_cycling
from .dcir import dcir, hppc
from .diffusion import diffusion_table, fit_sphere, weppner_huggins
from .drt import DcDrtResult, dc_tau_table, gitt_drt, pulse_drt
from .gitt import GittResult, analyze_gitt
from .polarization import PolarizationResult, dc_polarization, find_holds
from .pulses import segment
from .rate import RateResult, analyze_rate

__all__ = [
    "Curve",
    "CurveComparison",
    "CyclingResult",
    "DcDrtResult",
    "GittResult",
    "PolarizationResult",
    "RateResult",
    "analyze_cycling",
    "analyze_gitt",
    "analyze_rate",
    "compare_curves",
    "dc_polarization",
    "dc_tau_table",
    "dcir",
    "diffusion_table",
    "find_holds",
    "fit_sphere",
    "gitt_drt",
    "hppc",
    "pulse_drt",
    "segment",
    "weppner_huggins",
]
