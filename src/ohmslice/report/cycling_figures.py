"""Figures of cycling tests: capacity and coulombic efficiency vs cycle, resistance vs cycle.

Reads :class:`ohmslice.dc.cycling.CyclingResult` objects (their ``cycles`` table) and,
where given, :class:`ohmslice.method.cycling.CycleResistance` objects (resistances from
the spectra between cycles, or the step-start resistances, with their change-points).
All cells share the axes; one colour per cell. :func:`fig_cycling` draws the same
figure for a whole study from its results store (tables ``cycles``, ``cycle_resistance``,
``cycle_trends``), in the study's colours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..errors import InputError
from ._common import Drawn, Skip, cells_in_order, flag_bool
from ._style import PALETTE, new_figure

if TYPE_CHECKING:
    from ..dc.cycling import CyclingResult
    from ..method.cycling import CycleResistance

__all__ = ["fig_cycling", "plot_cycling"]

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


@dataclass(frozen=True)
class _Change:
    """What the figure draws of a change-point: the break, its interval, the verdict."""

    cycle: float
    interval: tuple[float, float]
    detected: bool


def _resistance_panel(ax: Axes, name: str, colour: str, table: pd.DataFrame,
                      changes: Mapping[str, Any], many: bool) -> None:  # fmt: skip
    t = table
    for comp, cp in changes.items():
        col = f"{comp}_ohm"
        if col not in t or not np.isfinite(t[col].to_numpy(float)).any():
            continue
        label, marker = _COMPONENTS.get(comp, (comp, "o"))
        lab = f"{name}: {label}" if many else label
        err = t[f"{comp}_err_ohm"] if f"{comp}_err_ohm" in t else None
        ax.errorbar(t["cycle"], t[col], yerr=err, fmt=marker, ms=3.5, mfc="none", lw=0.8,
                    color=colour, label=lab, capsize=0)  # fmt: skip
        if cp is not None and cp.detected:
            lo, hi = cp.interval
            short = label.split(" ")[0]
            ax.axvline(cp.cycle, color=colour, lw=0.9, ls="--",
                       label=f"{name + ': ' if many else ''}{short} grows faster from cycle "
                             f"{cp.cycle:.3g}")  # fmt: skip
            ax.axvspan(lo - 0.05, hi + 0.05, color=colour, alpha=0.12, lw=0)


def _draw(
    axes: Sequence[Axes],
    cells: Mapping[str, pd.DataFrame],
    colours: Mapping[str, str],
    *,
    specific: bool,
    step_changes: Mapping[str, Mapping[str, Any]],
    eis: Mapping[str, tuple[pd.DataFrame, Mapping[str, Any]]] | None,
) -> list[str]:
    """The four panels of :func:`plot_cycling` on ``axes`` (capacity, CE, step-start
    resistance, resistance from the spectra or the voltage gap) from per-cycle tables
    (the columns of :data:`ohmslice.dc.cycling.CYCLE_COLUMNS`). ``step_changes``: cell ->
    ``r_charge``/``r_discharge`` -> change-point; ``eis``: cell -> (table of
    :attr:`~ohmslice.method.cycling.CycleResistance.table`, component -> change-point).
    Returns notes (values below the CE axis)."""
    ax_q, ax_ce, ax_r, ax_x = axes
    unit = "mAh g⁻¹" if specific else "mAh"
    suffix = "_mAh_g" if specific else "_mAh"
    many = len(cells) > 1
    notes: list[str] = []
    for name, c in cells.items():
        colour = colours[name]
        x = c["cycle"].to_numpy(float)
        ax_q.plot(x, c[f"discharge{suffix}"], "o-", ms=3.5, lw=1, color=colour,
                  label=f"{name} discharge" if many else "discharge")  # fmt: skip
        ax_q.plot(x, c[f"charge{suffix}"], "o--", ms=3.5, lw=0.8, mfc="none", color=colour,
                  label=f"{name} charge" if many else "charge")  # fmt: skip
        ax_ce.plot(x, c["ce_pct"], "o-", ms=3.5, lw=1, color=colour, label=name)
        found: list[tuple[str, Any]] = []
        for d, marker, ls in (("charge", "o", "--"), ("discharge", "^", "-")):
            y = c[f"r_{d}_ohm"].to_numpy(float)
            if np.isfinite(y).any():
                dt = float(np.nanmedian(c[f"r_{d}_dt_s"].to_numpy(float)))
                lab = f"{d} start, {dt:.2g} s after"
                ax_r.plot(x, y, marker + ls, ms=3.5, lw=0.8, mfc="none", color=colour,
                          label=f"{name}: {lab}" if many else lab)  # fmt: skip
                cp = (step_changes.get(name) or {}).get(f"r_{d}")
                if cp is not None and cp.detected:
                    found.append((d, cp))
        if len(found) == 2 and abs(found[0][1].cycle - found[1][1].cycle) < 0.5:
            found = [("charge and discharge", found[1][1])]
        for d, cp in found:  # a line per change-point, named in the legend
            ax_r.axvline(cp.cycle, color=colour, lw=0.9, ls=":" if d == "charge" else "--",
                         label=f"{name + ': ' if many else ''}R at {d} start grows faster "
                               f"from cycle {cp.cycle:.3g}")  # fmt: skip
        if eis is not None and name in eis:
            _resistance_panel(ax_x, name, colour, eis[name][0], eis[name][1], many)
        elif eis is None:
            ax_x.plot(x, 1e3 * c["voltage_gap_V"], "o-", ms=3.5, lw=1, color=colour, label=name)
    q = np.concatenate([c[f"discharge{suffix}"].to_numpy(float) for c in cells.values()])
    q = q[np.isfinite(q) & (q > 0)]
    if q.size and q.max() > 20 * q.min():  # cells orders of magnitude apart: all visible
        ax_q.set_yscale("log")
    ax_q.set_ylabel(f"capacity / {unit}")
    ax_q.set_title("(a) capacity", loc="left")
    ax_ce.set_ylabel("coulombic efficiency / %")
    ax_ce.set_title("(b) coulombic efficiency", loc="left")
    ce = np.concatenate([c["ce_pct"].to_numpy(float) for c in cells.values()])
    ce = ce[np.isfinite(ce)]
    if ce.size > 3:  # a first-cycle loss should not flatten the rest of the cycles
        lo, hi = np.percentile(ce, [5, 100])
        span = max(hi - lo, 0.05)
        y0 = min(lo - 0.3 * span, hi - 0.5)
        ax_ce.set_ylim(y0, hi + 0.3 * span)
        below = [
            f"{name} cycle {c_:g}: {v:.2f} %"
            for name, c in cells.items()
            for c_, v in zip(c["cycle"], c["ce_pct"], strict=True)
            if v < y0
        ]
        if below:
            ax_ce.text(0.02, 0.03, "below the axis: " + "; ".join(below[:3]),
                       transform=ax_ce.transAxes, fontsize=7, color="0.3")  # fmt: skip
            notes.append("coulombic efficiency below the axis: " + "; ".join(below))
    ax_r.set_ylabel("R / Ohm")
    ax_r.set_title("(c) resistance at the step start (voltage jump)", loc="left")
    if eis is not None:
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
    return notes


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
    fig = Figure(figsize=(10, 7), layout="constrained")
    (ax_q, ax_ce), (ax_r, ax_x) = fig.subplots(2, 2, sharex=True)
    colours = {name: PALETTE[k % len(PALETTE)] for k, name in enumerate(cells)}
    steps = {
        name: {comp: ct.change for comp, ct in sr.components.items()}
        for name, sr in (step_resistance or {}).items()
    }
    eis = None
    if resistance is not None:
        eis = {
            name: (res.table, {comp: ct.change for comp, ct in res.components.items()})
            for name, res in resistance.items()
        }
    _draw((ax_q, ax_ce, ax_r, ax_x), {n: r.cycles for n, r in cells.items()}, colours,
          specific=bool(specific), step_changes=steps, eis=eis)  # fmt: skip
    return fig


def _changes(trends: pd.DataFrame, cell: str, source: str) -> dict[str, _Change]:
    """component -> change-point of ``cell``'s rows of ``source`` in ``cycle_trends``."""
    if not len(trends):
        return {}
    rows = trends[(trends["cell"] == cell) & (trends["source"] == source)]
    det = flag_bool(rows["detected"])
    return {
        str(r.component): _Change(float(r.change_cycle), (float(r.change_low),
                                  float(r.change_high)), bool(d))
        for r, d in zip(rows.itertuples(), det, strict=True)
    }  # fmt: skip


def fig_cycling(tables: Any, colors: dict[str, str]) -> Drawn:
    """Capacity, coulombic efficiency and resistance against cycle of every cell of the
    study (the reference paper's Fig. S9: contact over cycling), from the stored tables
    ``cycles``, ``cycle_resistance`` and ``cycle_trends``."""
    cyc = tables["cycles"]
    if not len(cyc):
        raise Skip("the store holds no cycling (cycles is empty; cycling = [...] per cell)")
    cells = [c for c in cells_in_order(tables) if c in set(cyc["cell"])]
    cells += sorted(set(cyc["cell"]) - set(cells))
    per = {c: cyc[cyc["cell"] == c].sort_values("cycle") for c in cells}
    specific = all(per[c]["discharge_mAh_g"].notna().all() for c in cells)
    trends = tables["cycle_trends"]
    cr = tables["cycle_resistance"]
    steps = {c: _changes(trends, c, "step start") for c in cells}
    eis = None
    if len(cr):
        eis = {}
        for c in cells:
            t = cr[cr["cell"] == c].sort_values("cycle")
            if len(t):
                ch = _changes(trends, c, "spectra") or dict.fromkeys(("r0", "r1", "r2", "r3"))
                eis[c] = (t, ch)
    colours = {c: colors.get(c, PALETTE[k % len(PALETTE)]) for k, c in enumerate(cells)}
    n_leg = 2 * len(cells) + 4  # lines a bottom legend may need
    below = 0.55 + 0.11 * n_leg
    fig, axes = new_figure(4.6 + below, 2, 2, left=0.65, right=0.15, wspace=0.75, hspace=0.5,
                           bottom=below, sharex=True)  # fmt: skip
    notes = _draw(axes.ravel(), per, colours, specific=specific, step_changes=steps, eis=eis)
    for k, ax in enumerate(axes.ravel()):
        if ax.get_legend() is None:
            continue
        if k < 2:  # capacity, CE: a few lines, inside
            ax.legend(fontsize=6, frameon=False)
        else:  # resistances and their change-points: below the axes, never on the data
            ax.legend(fontsize=6, frameon=False, loc="upper left", borderaxespad=0.0,
                      bbox_to_anchor=(0.0, -0.2))  # fmt: skip
    found = []
    if len(trends):
        hit = trends[flag_bool(trends["detected"])]
        for r in hit.itertuples():
            found.append(
                f"{r.cell}: {r.component} ({r.source}) grows faster from cycle "
                f"{r.change_cycle:.3g} (95 % {r.change_low:.3g}-{r.change_high:.3g}; slope "
                f"{r.slope_before:.3g} -> {r.slope_after:.3g} Ohm/cycle, Delta AIC "
                f"{r.delta_aic:.0f})"
            )
    caption = (
        "Per cycle of every cell's cycling records: (a) discharge (filled) and charge "
        f"(open) capacity{' per g of active material' if specific else ''}; (b) coulombic "
        "efficiency; (c) the resistance at the start of each charge and discharge (voltage "
        "jump over the first sample interval after the current step; the legend gives how "
        "long after the step it is read, which sets what it contains); (d) "
        + ("R0-R3 of the spectra measured between cycles (error bars: standard errors of "
           "the fit)" if eis is not None else "the gap between the mean charge and "
           "discharge voltages (no spectra between cycles)")
        + ". A dashed line marks a change-point (a component that starts to grow faster: "
        "two-segment line, Delta AIC >= 10), shaded its 95 % interval."
    )  # fmt: skip
    return Drawn(fig, caption, notes + found)
