"""Figures of cycling tests: capacity and coulombic efficiency vs cycle, resistance vs cycle.

Reads :class:`ohmslice.dc.cycling.CyclingResult` objects (their ``cycles`` table) and,
where given, :class:`ohmslice.method.cycling.CycleResistance` objects (resistances from
the spectra between cycles, or the step-start resistances, with their change-points).
All cells share the axes; one colour per cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..errors import InputError
from ._style import PALETTE

if TYPE_CHECKING:
    from ..dc.cycling import CyclingResult
    from ..method.cycling import CycleResistance

__all__ = ["plot_cycling"]

#: Component -> (label, marker) in the resistance panel.
_COMPONENTS = {
    "r0": ("R0 (series)", "s"),
    "r1": ("R1 (contact)", "o"),
    "r2": ("R2 (charge transfer)", "^"),
    "r3": ("R3 (diffusion)", "v"),
    "r_charge": ("R at charge start", "o"),
    "r_discharge": ("R at discharge start", "^"),
}


def _cells(results: CyclingResult | Mapping[str, CyclingResult]) -> dict[str, CyclingResult]:
    from ..dc.cycling import CyclingResult

    if isinstance(results, CyclingResult):
        return {results.cell: results}
    out = dict(results)
    if not out:
        raise InputError("no cycling results to plot; expected at least one cell")
    for name, r in out.items():
        if not isinstance(r, CyclingResult):
            raise InputError(f"cell {name}: expected a CyclingResult, got {type(r).__name__}")
    return out


def _resistance_panel(ax: Axes, name: str, colour: str, res: CycleResistance, many: bool) -> None:
    t = res.table
    for comp, ct in res.components.items():
        col = f"{comp}_ohm"
        if col not in t or not np.isfinite(t[col].to_numpy(float)).any():
            continue
        label, marker = _COMPONENTS.get(comp, (comp, "o"))
        lab = f"{name}: {label}" if many else label
        err = t[f"{comp}_err_ohm"] if f"{comp}_err_ohm" in t else None
        ax.errorbar(t["cycle"], t[col], yerr=err, fmt=marker, ms=3.5, mfc="none", lw=0.8,
                    color=colour, label=lab, capsize=0)  # fmt: skip
        cp = ct.change
        if cp.detected:
            ax.axvline(cp.cycle, color=colour, lw=0.9, ls="--")
            lo, hi = cp.interval
            ax.axvspan(lo - 0.05, hi + 0.05, color=colour, alpha=0.12, lw=0)
            y = float(np.nanmax(t[col]))
            ax.annotate(f"{label.split(' ')[0]} grows faster\nfrom cycle {cp.cycle:.3g}",
                        (cp.cycle, y), xytext=(4, -2), textcoords="offset points",
                        fontsize=7, color=colour, va="top")  # fmt: skip


def plot_cycling(
    results: CyclingResult | Mapping[str, CyclingResult],
    resistance: CycleResistance | Mapping[str, CycleResistance] | None = None,
    *,
    step_resistance: Mapping[str, CycleResistance] | None = None,
    specific: bool | None = None,
) -> Figure:
    """Capacity, coulombic efficiency and resistance against cycle number, all cells on
    shared axes.

    Panels: (a) discharge capacity (filled) and charge capacity (open) [mAh, or mAh/g
    where every cell has a mass and ``specific`` is not False; a log axis where the
    cells' capacities lie more than 20 times apart]; (b) coulombic efficiency
    [%] (a first-cycle loss far below the others is left below the axis and named);
    (c) the DC resistance at the start of each charge and discharge [Ohm] (the median
    time after the step at which it is read in the legend), with the change-points of
    ``step_resistance`` (:func:`~ohmslice.method.cycling.step_resistance_over_cycles`
    per cell) where detected; (d) ``resistance``: per
    component over cycles (R1/R2 from the spectra between cycles, or any
    :class:`~ohmslice.method.cycling.CycleResistance`), a detected change-point drawn as a
    dashed line with its 95 % interval shaded -- or, without it, the gap between the
    mean charge and discharge voltages [V].

    Raises
    ------
    InputError
        No results, or objects of the wrong type.
    """
    cells = _cells(results)
    if resistance is not None and not isinstance(resistance, Mapping):
        resistance = {next(iter(cells)): resistance}
    if specific is None:
        specific = all(r.cycles["discharge_mAh_g"].notna().all() for r in cells.values())
    unit = "mAh g$^{-1}$" if specific else "mAh"
    fig = Figure(figsize=(10, 7), layout="constrained")
    (ax_q, ax_ce), (ax_r, ax_x) = fig.subplots(2, 2, sharex=True)
    many = len(cells) > 1
    for k, (name, r) in enumerate(cells.items()):
        c = r.cycles
        colour = PALETTE[k % len(PALETTE)]
        x = c["cycle"].to_numpy(float)
        suffix = "_mAh_g" if specific else "_mAh"
        ax_q.plot(x, c[f"discharge{suffix}"], "o-", ms=3.5, lw=1, color=colour,
                  label=f"{name} discharge" if many else "discharge")  # fmt: skip
        ax_q.plot(x, c[f"charge{suffix}"], "o--", ms=3.5, lw=0.8, mfc="none", color=colour,
                  label=f"{name} charge" if many else "charge")  # fmt: skip
        ax_ce.plot(x, c["ce_pct"], "o-", ms=3.5, lw=1, color=colour, label=name)
        for d, marker, ls in (("charge", "o", "--"), ("discharge", "^", "-")):
            y = c[f"r_{d}_ohm"].to_numpy(float)
            if np.isfinite(y).any():
                dt = float(np.nanmedian(c[f"r_{d}_dt_s"].to_numpy(float)))
                lab = f"{d} start, {dt:.2g} s after"
                ax_r.plot(x, y, marker + ls, ms=3.5, lw=0.8, mfc="none", color=colour,
                          label=f"{name}: {lab}" if many else lab)  # fmt: skip
                sr = (step_resistance or {}).get(name)
                cp = sr.components[f"r_{d}"].change if sr and f"r_{d}" in sr.components else None
                if cp is not None and cp.detected:
                    ax_r.axvline(cp.cycle, color=colour, lw=0.9, ls=ls)
                    ax_r.annotate(f"{d} R grows faster from cycle {cp.cycle:.3g}",
                                  (cp.cycle, float(np.nanmax(y))), xytext=(4, -2 - 10 * (d == "discharge")),
                                  textcoords="offset points", fontsize=7, color=colour, va="top")  # fmt: skip
        if resistance is not None and name in resistance:
            _resistance_panel(ax_x, name, colour, resistance[name], many)
        elif resistance is None:
            ax_x.plot(x, 1e3 * c["voltage_gap_V"], "o-", ms=3.5, lw=1, color=colour, label=name)
    q = np.concatenate([r.cycles[f"discharge{suffix}"].to_numpy(float) for r in cells.values()])
    q = q[np.isfinite(q) & (q > 0)]
    if q.size and q.max() > 20 * q.min():  # cells orders of magnitude apart: all visible
        ax_q.set_yscale("log")
    ax_q.set_ylabel(f"capacity / {unit}")
    ax_q.set_title("(a) capacity", loc="left")
    ax_ce.set_ylabel("coulombic efficiency / %")
    ax_ce.set_title("(b) coulombic efficiency", loc="left")
    ce = np.concatenate([r.cycles["ce_pct"].to_numpy(float) for r in cells.values()])
    ce = ce[np.isfinite(ce)]
    if ce.size > 3:  # a first-cycle loss should not flatten the rest of the cycles
        lo, hi = np.percentile(ce, [5, 100])
        span = max(hi - lo, 0.05)
        y0 = min(lo - 0.3 * span, hi - 0.5)
        ax_ce.set_ylim(y0, hi + 0.3 * span)
        below = [
            f"{name} cycle {c_:g}: {v:.2f} %"
            for name, r in cells.items()
            for c_, v in zip(r.cycles["cycle"], r.cycles["ce_pct"], strict=True)
            if v < y0
        ]
        if below:
            ax_ce.text(0.02, 0.03, "below the axis: " + "; ".join(below[:3]),
                       transform=ax_ce.transAxes, fontsize=7, color="0.3")  # fmt: skip
    ax_r.set_ylabel("R / Ohm")
    ax_r.set_title("(c) resistance at the step start (voltage jump)", loc="left")
    if resistance is not None:
        ax_x.set_ylabel("R / Ohm")
        ax_x.set_title("(d) resistance from the spectra between cycles", loc="left")
    else:
        ax_x.set_ylabel("mean charge - discharge voltage / mV")
        ax_x.set_title("(d) voltage gap", loc="left")
    for ax in (ax_r, ax_x):
        ax.set_xlabel("cycle")
    for ax in (ax_q, ax_ce, ax_r, ax_x):
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    return fig
