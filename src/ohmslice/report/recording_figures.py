"""The figure of a raw recording: voltage and current against time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..errors import InputError
from ..schema import Recording
from ._save import save_figure

#: Samples drawn per curve at most (each bin's lowest and highest value are kept).
MAX_POINTS = 20000


def _time_unit(duration_s: float) -> tuple[float, str]:
    if duration_s >= 3 * 3600:
        return 3600.0, "h"
    if duration_s >= 3 * 60:
        return 60.0, "min"
    return 1.0, "s"


def _thin(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most about :data:`MAX_POINTS` samples of (t, y): each bin's extremes, in order."""
    n = len(y)
    if n <= MAX_POINTS:
        return t, y
    bins = MAX_POINTS // 2
    edges = np.linspace(0, n, bins + 1).astype(int)
    keep = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        if b > a:
            seg = y[a:b]
            keep += sorted({a + int(np.argmin(seg)), a + int(np.argmax(seg))})
    k = np.asarray(keep)
    return t[k], y[k]


def plot_recording(recording: Recording, path: str | Path | None = None) -> Figure:
    """Voltage (top) and current (bottom) against time since the first sample; the
    title names the file and technique. Saves to ``path`` (.png, .pdf, .svg) if given.

    Raises
    ------
    InputError
        ``recording`` is not a Recording; an unsupported suffix or missing folder.
    """
    if not isinstance(recording, Recording):
        raise InputError(f"expected a Recording to plot, got {type(recording).__name__}")
    t = recording.time - recording.time[0]
    scale, unit = _time_unit(float(t[-1]) if len(t) else 0.0)
    fig = Figure(figsize=(10, 5.5), layout="constrained")
    ax_v, ax_i = fig.subplots(2, 1, sharex=True, height_ratios=(2, 1))
    ax_v.plot(*_thin(t / scale, recording.voltage), lw=0.8, color="tab:blue")
    ax_v.set_ylabel("voltage / V")
    ax_i.plot(*_thin(t / scale, 1e3 * recording.current), lw=0.8, color="tab:red")
    ax_i.axhline(0, color="0.6", lw=0.5)
    ax_i.set_ylabel("current / mA")
    ax_i.set_xlabel(f"time / {unit}")
    tech = recording.meta.get("technique")
    title = str(recording.source or "recording") + (f" ({tech})" if tech else "")
    fig.suptitle(title, fontsize=10)
    if path is not None:
        save_figure(fig, path)
    return fig
