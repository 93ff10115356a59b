"""The main panel of a result, drawn into Axes the caller owns (``result.plot(ax=ax)``).

Each result's full figure (``result.plot()``) may hold several panels; this draws the one
that stands for it -- the Nyquist plot of a spectrum or fit, gamma(tau) of a DRT, the
GITT's voltage, R1/R2/R3 against SOC of a decomposition, the voltage of a recording --
with the same code as the full figures, into an Axes of the caller's own figure (a
subplot grid of several cells, say).
"""

from __future__ import annotations

from typing import Any

from matplotlib.axes import Axes

from ..errors import InputError
from .eis_figures import _drt_axes, _nyquist
from .gitt_figures import draw_gitt_voltage

__all__ = ["draw_main"]

#: decomposition components drawn against SOC, with their labels and colours
_COMPONENTS = (("r1_ohm", "R1 (contact)", "tab:blue"), ("r2_ohm", "R2 (charge transfer)",
               "tab:orange"), ("r3_ohm", "R3 (diffusion)", "tab:green"))  # fmt: skip


def _decomposition(d: Any, ax: Axes) -> None:
    from .decompose_figures import draw_component

    for col, label, color in _COMPONENTS:
        draw_component(ax, d.table, col, label, color=color)
    failed = "usable" in d.table and not d.table["usable"].astype(bool).all()
    ax.set_xlabel("SOC / %")
    ax.set_ylabel("R / Ohm")
    ax.set_title(f"{d.method} method" + (" (x: pulses failing the checks)" if failed else ""))
    ax.legend(fontsize=7)


def _recording(r: Any, ax: Axes) -> None:
    from .recording_figures import _thin, _time_unit

    t = r.time - r.time[0]
    scale, unit = _time_unit(float(t[-1]) if len(t) else 0.0)
    ax.plot(*_thin(t / scale, r.voltage), lw=0.8, color="tab:blue")
    ax.set_xlabel(f"time / {unit}")
    ax.set_ylabel("voltage / V")


_DRAW = {
    "Recording": _recording,
    "Spectrum": lambda r, ax: _nyquist(ax, r, None, None),
    "FitResult": lambda r, ax: _nyquist(ax, r.spectrum, r, None),
    "TimeConstants": lambda r, ax: _nyquist(ax, r.spectrum, r.fit, r.drt),
    "DrtResult": lambda r, ax: _drt_axes(ax, r, 0.02),
    "GittResult": lambda r, ax: draw_gitt_voltage(r, ax),
    "Decomposition": _decomposition,
}


def draw_main(result: Any, ax: Axes) -> Axes:
    """Draw the main panel of ``result`` into ``ax`` and return ``ax``.

    Raises
    ------
    InputError
        ``ax`` is not a matplotlib Axes; a result without a single main panel (its
        ``.plot()`` without ``ax`` draws its whole figure).
    """
    if not isinstance(ax, Axes):
        raise InputError(f"ax: expected a matplotlib Axes, got {type(ax).__name__}")
    draw = _DRAW.get(type(result).__name__)
    if draw is None:
        raise InputError(
            f"a {type(result).__name__} has no single main panel; .plot() without ax "
            f"draws its whole figure (panels for: {', '.join(_DRAW)})"
        )
    draw(result, ax)
    return ax
