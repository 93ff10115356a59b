"""Figures of a GITT: the voltage record with its pulses, OCV points and regions, and the
resistances per pulse against SOC (the reference paper's Figures 4 and 5a).

Reads a :class:`ohmslice.dc.gitt.GittResult` only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..errors import InputError
from ._save import save_figure

if TYPE_CHECKING:
    from ..dc.gitt import GittResult

__all__ = ["plot_gitt", "draw_gitt_voltage", "draw_gitt_resistance", "REGION_COLORS"]

#: Background colours of regions I, II, III.
REGION_COLORS = {"I": "#dbe9f6", "II": "#e5f5e0", "III": "#fde0dd"}


def _envelope(t: np.ndarray, v: np.ndarray, n_bins: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """Min/max envelope of (t, v) in ``n_bins`` equal-count bins, so that millions of
    points plot fast and short pulses stay visible (vectorised)."""
    n = len(t)
    if n <= 2 * n_bins:
        return t, v
    per = n // n_bins
    m = per * n_bins
    vb = v[:m].reshape(n_bins, per)
    tb = t[:m].reshape(n_bins, per)
    lo = vb.argmin(axis=1)
    hi = vb.argmax(axis=1)
    first = np.minimum(lo, hi)
    second = np.maximum(lo, hi)
    rows = np.arange(n_bins)
    tt = np.column_stack([tb[rows, first], tb[rows, second]]).ravel()
    vv = np.column_stack([vb[rows, first], vb[rows, second]]).ravel()
    return np.r_[tt, t[m:]], np.r_[vv, v[m:]]


def _check(result: GittResult) -> None:
    from ..dc.gitt import GittResult

    if not isinstance(result, GittResult):
        raise InputError(f"expected a GittResult, got {type(result).__name__}")


def draw_gitt_voltage(result: GittResult, ax: Axes) -> None:
    """Voltage vs time [h] of the GITT part of the record: pulses in colour, the OCV at
    the end of every rest as points, regions I/II/III as shaded bands."""
    _check(result)
    p = result.pulses
    arr = result._arrays
    if arr is None or p.empty:
        return
    t0 = float(p["t_start_s"].iloc[0])
    rest_end = p["t_end_s"] + p["rest_s"]
    t1 = float(rest_end.iloc[-1])
    lo = int(np.searchsorted(arr.t, t0 - 0.02 * (t1 - t0)))
    hi = int(np.searchsorted(arr.t, t1, side="right"))
    th, vh = _envelope(arr.t[lo:hi], arr.v[lo:hi])
    ax.plot(th / 3600.0, vh, color="0.35", lw=0.6, label="voltage")
    # regions
    for reg, grp in p.groupby("region", sort=False):
        a = float(grp["t_start_s"].min()) / 3600.0
        b = float((grp["t_end_s"] + grp["rest_s"]).max()) / 3600.0
        ax.axvspan(a, b, color=REGION_COLORS.get(str(reg), "0.9"), lw=0, zorder=0)
        ax.text((a + b) / 2, 1.0, str(reg), transform=ax.get_xaxis_transform(), ha="center",
                va="bottom", fontsize=9)  # fmt: skip
    # pulses
    for s, e in zip(p["row_start"].to_numpy(), p["row_stop"].to_numpy(), strict=True):
        ax.plot(arr.t[s - 1 : e] / 3600.0, arr.v[s - 1 : e], color="tab:red", lw=0.8)
    ax.plot([], [], color="tab:red", lw=0.8, label="pulses")
    ax.plot(p["t_start_s"] / 3600.0, p["ocv_before_V"], "o", ms=2.5, color="tab:blue",
            label="OCV (end of rest)")  # fmt: skip
    ax.set_xlabel("time / h")
    ax.set_ylabel("voltage / V")
    ax.legend(fontsize=8, loc="best")


def soc_axis_label(result: GittResult) -> str:
    """``"SOC mid-pulse / % (<scale>)"``: the SOC scale of the result in a few words."""
    basis = getattr(result, "soc_basis", "")
    words = {
        "discharge": "100 % = full charge, 0 % = end of the last pulse"
        if result.direction == "discharge"
        else "0 % = full discharge",
        "charge": "100 % = full charge"
        if result.direction == "discharge"
        else "0 % = full discharge, 100 % = end of the last pulse",
        "nominal": "of the nominal capacity",
        "given": "of the given capacity",
    }.get(basis, "")
    return "SOC mid-pulse / %" + (f" ({words})" if words else "")


def draw_gitt_resistance(result: GittResult, ax: Axes) -> None:
    """Total, polarisation and IR-drop resistance of every pulse vs SOC, coloured by
    region (filled markers: total resistance)."""
    _check(result)
    p = result.pulses
    soc = p["soc_mid_pct"].to_numpy()
    for reg in ("I", "II", "III"):
        m = (p["region"] == reg).to_numpy()
        if m.any():
            ax.axvspan(soc[m].min() - 0.5, soc[m].max() + 0.5,
                       color=REGION_COLORS[reg], lw=0, zorder=0)  # fmt: skip
    ax.plot(soc, p["r_total_ohm"], "o-", ms=3, lw=0.8, label="R total (OCV before - V end)/I")
    ax.plot(soc, p["r_polarization_ohm"], "s-", ms=2.5, lw=0.6, mfc="none",
            label="R polarisation (OCV after - V end)/I")  # fmt: skip
    ax.plot(soc, p["r_ir_ohm"], "^-", ms=2.5, lw=0.6, mfc="none", label="R IR drop (1st sample)")
    ax.set_xlabel(soc_axis_label(result))
    ax.set_ylabel("resistance / Ohm")
    if result.direction == "discharge":
        ax.invert_xaxis()
    ax.legend(fontsize=8, loc="best")


def plot_gitt(result: GittResult, path: str | Path | None = None) -> Figure:
    """Two panels: the voltage record (pulses, OCV points, regions) and R vs SOC.

    Parameters
    ----------
    result
        The analysis to draw.
    path
        Where to save it (.png, .pdf, .svg); written to a temporary file and renamed.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        ``result`` is not a GittResult; an unsupported suffix or missing folder.
    """
    _check(result)
    fig = Figure(figsize=(10, 7.5), layout="constrained")
    ax1, ax2 = fig.subplots(2, 1)
    draw_gitt_voltage(result, ax1)
    draw_gitt_resistance(result, ax2)
    cap = result.capacity_Ah * 1e3
    fig.suptitle(
        f"GITT ({result.direction}): {len(result.pulses)} pulses, SOC scale "
        f"'{getattr(result, 'soc_basis', '') or 'stated'}': {cap:.4g} mAh = 100 %",
        fontsize=10,
    )
    if path is not None:
        save_figure(fig, path)
    return fig
