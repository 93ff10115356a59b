"""Parameter curves of SOC and the open-circuit voltage of NCM523.

* :data:`Curve` -- what every cell-model parameter is: a callable of the SOC in percent
  (array in, array out);
* :func:`table` -- a curve from a table of (SOC, value) (linear, constant beyond ends);
* :class:`OCV` -- an OCV-vs-SOC curve through a table (monotone cubic, PCHIP);
* :data:`OCV_NCM523_VS_LI` -- NCM523 vs Li/Li+ from 3.00 V (x = 0) to 4.35 V (x = 1):
  a steep tail below 5 % SOC (3.0 -> 3.6 V, the fully lithiated end that terminates
  discharges), a gentle slope through 3.8 V at 50 % SOC and a steeper rise above 90 %.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.optimize import brentq

from ..errors import InputError

__all__ = ["Curve", "CHECK_GRID", "table", "constant", "OCV", "OCV_NCM523_VS_LI"]

Curve = Callable[[np.ndarray], np.ndarray]

#: SOC grid [%] on which every parameter is checked when a cell is built
CHECK_GRID = np.linspace(0.0, 100.0, 201)


def table(soc_pct: Sequence[float], values: Sequence[float]) -> Curve:
    """A parameter curve from a table: linear interpolation in SOC, constant beyond the ends.

    Raises
    ------
    InputError
        Lengths differ, fewer than one point, non-finite values, SOC not increasing.
    """
    x = np.asarray(soc_pct, dtype=float)
    y = np.asarray(values, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or x.size < 1:
        raise InputError(
            f"table needs equal-length 1-D SOC and value lists, got {x.shape} and {y.shape}"
        )
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InputError("table: SOC and values must be finite numbers")
    if np.any(np.diff(x) <= 0):
        raise InputError("table: SOC values must be strictly increasing")

    def curve(soc: np.ndarray) -> np.ndarray:
        return np.interp(np.asarray(soc, dtype=float), x, y)

    return curve


def constant(value: float) -> Curve:
    """A curve with the same value at every SOC."""

    def curve(soc: np.ndarray) -> np.ndarray:
        return np.full(np.shape(soc), float(value))

    return curve


class OCV:
    """Open-circuit voltage vs Li/Li+ as a monotone cubic (PCHIP) through a table.

    Parameters
    ----------
    x, volts
        State of charge as a fraction of the nominal capacity (0-1, increasing) and the
        OCV vs Li/Li+ [V] there (increasing). Outside the table the curve continues
        linearly with its end slopes (the simulator refuses SOC beyond 2 % outside).
    """

    def __init__(self, x: Sequence[float], volts: Sequence[float]) -> None:
        xa = np.asarray(x, dtype=float)
        va = np.asarray(volts, dtype=float)
        if xa.shape != va.shape or xa.size < 2 or np.any(np.diff(xa) <= 0):
            raise InputError("OCV table needs >= 2 points with strictly increasing SOC")
        if np.any(np.diff(va) <= 0):
            raise InputError("OCV table: voltage must increase with SOC")
        self.x, self.volts = xa, va
        self._f = PchipInterpolator(xa, va, extrapolate=False)
        self._df = self._f.derivative()
        self._slope_lo = float(self._df(xa[0]))
        self._slope_hi = float(self._df(xa[-1]))

    @property
    def v_min(self) -> float:
        return float(self.volts[0])

    @property
    def v_max(self) -> float:
        return float(self.volts[-1])

    def __call__(self, x: np.ndarray | float) -> np.ndarray:
        """OCV vs Li/Li+ [V] at SOC fraction(s) ``x``."""
        xa = np.asarray(x, dtype=float)
        v = self._f(np.clip(xa, self.x[0], self.x[-1]))
        v = np.where(xa < self.x[0], self.volts[0] + self._slope_lo * (xa - self.x[0]), v)
        return np.where(xa > self.x[-1], self.volts[-1] + self._slope_hi * (xa - self.x[-1]), v)

    def slope(self, x: np.ndarray | float) -> np.ndarray:
        """dOCV/dx [V per unit SOC fraction]."""
        xa = np.asarray(x, dtype=float)
        return self._df(np.clip(xa, self.x[0], self.x[-1]))

    def soc_at(self, volts: float) -> float:
        """The SOC fraction where OCV = ``volts`` (inverse, by bisection on the table)."""
        if volts <= self.v_min:
            return float(self.x[0])
        if volts >= self.v_max:
            return float(self.x[-1])
        return float(brentq(lambda z: float(self(z)) - volts, self.x[0], self.x[-1], xtol=1e-12))


OCV_NCM523_VS_LI = OCV(
    [0.0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.10, 0.20, 0.30, 0.40, 0.50,
     0.60, 0.70, 0.80, 0.90, 0.95, 0.98, 1.00],
    [3.000, 3.250, 3.400, 3.500, 3.550, 3.600, 3.640, 3.660, 3.712, 3.745, 3.772, 3.800,
     3.845, 3.905, 3.980, 4.075, 4.150, 4.235, 4.350],
)  # fmt: skip
