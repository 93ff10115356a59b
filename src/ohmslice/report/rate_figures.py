"""Figures of rate tests: capacity and retention vs C-rate, voltage curves at chosen
rates for several cells, and the voltage difference of two cells along the discharge.

Reads :class:`ohmslice.dc.rate.RateResult` objects only (their ``summary``, ``steps`` and
``curves``) and, for the difference panel, :func:`ohmslice.dc.rate.compare_curves`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from ..errors import InputError
from ._save import save_figure

if TYPE_CHECKING:
    from ..dc.rate import RateResult

__all__ = ["plot_rate_capability", "plot_rate_curves", "plot_rate_report"]

DIRECTIONS = ("charge", "discharge")
LINESTYLES = ("-", "--", ":", "-.")


def _cells(results: RateResult | Mapping[str, RateResult]) -> dict[str, RateResult]:
    from ..dc.rate import RateResult

    if isinstance(results, RateResult):
        return {results.cell: results}
    out = dict(results)
    if not out:
        raise InputError("no rate results to plot; expected at least one cell")
    for name, r in out.items():
        if not isinstance(r, RateResult):
            raise InputError(f"cell {name}: expected a RateResult, got {type(r).__name__}")
    return out


def _specific(cells: Mapping[str, RateResult]) -> bool:
    """mAh/g where every cell has it, mAh otherwise."""
    return all(r.steps["capacity_mAh_g"].notna().all() for r in cells.values())


def _legend(axes: Sequence[Axes], fontsize: int = 8) -> None:
    """A legend on the first of ``axes`` that has labelled lines."""
    for ax in axes:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=fontsize)
            return


def _draw_capability(
    cells: Mapping[str, RateResult], direction: str, ax_cap: Axes, ax_ret: Axes, specific: bool
) -> None:
    col = "capacity_mAh_g" if specific else "capacity_mAh"
    for k, (name, r) in enumerate(cells.items()):
        s = r.summary[r.summary["direction"] == direction]
        if not len(s):
            continue
        x = s["c_rate_nominal"].to_numpy(float)
        y = s[col].to_numpy(float)
        err = s["capacity_std_mAh"].fillna(0.0).to_numpy(float)
        if specific:
            err = err * y / s["capacity_mAh"].to_numpy(float)
        ls = LINESTYLES[k % len(LINESTYLES)]
        ax_cap.errorbar(x, y, yerr=err, fmt="o" + ls, ms=4, lw=1.2, capsize=2, label=name)
        ax_ret.plot(x, s["retention_pct"], "o" + ls, ms=4, lw=1.2, label=name)
    rates = sorted({c for r in cells.values() for c in r.rates(direction)})
    for ax in (ax_cap, ax_ret):
        ax.set_xscale("log")
        ax.grid(alpha=0.3, which="both")
        if rates:
            ax.set_xticks(rates, labels=[f"{c:.2g}" for c in rates])
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.set_xlim(rates[0] / 1.5, rates[-1] * 1.5)
    ax_cap.set_title(f"{direction} capacity", loc="left", fontsize=10)
    ax_cap.set_ylabel("capacity / mAh g$^{-1}$" if specific else "capacity / mAh")
    ax_ret.set_title(f"{direction} retention (vs lowest rate)", loc="left", fontsize=10)
    ax_ret.set_ylabel("retention / %")
    ax_ret.set_xlabel("C-rate")


def _draw_curves(
    cells: Mapping[str, RateResult],
    ax: Axes,
    rates: Sequence[float] | None,
    direction: str,
    specific: bool,
) -> None:
    from ..dc.rate import nominal_c_rate

    all_rates = sorted({c for r in cells.values() for c in r.rates(direction)})
    if rates is None:
        want = all_rates if len(all_rates) <= 2 else [all_rates[0], all_rates[-1]]
    else:
        want = [float(c) for c in nominal_c_rate(list(rates))]
        missing = [c for c in want if c not in all_rates]
        if missing:
            have = ", ".join(f"{c:g}C" for c in all_rates) or "none"
            raise InputError(
                f"no {direction} at {', '.join(f'{c:g}C' for c in missing)}; rates present: {have}"
            )
    colors = {c: f"C{k}" for k, c in enumerate(want)}
    for k, (name, r) in enumerate(cells.items()):
        steps = r.steps[r.steps["direction"] == direction]
        for c in want:
            d = steps[np.isclose(steps["c_rate_nominal"], c)]
            if not len(d):
                continue
            row = d.iloc[0]
            cv = r.curves[int(row["step"])]
            cv = cv[cv["phase"] == "cc"]
            scale = 1e3 * (row["capacity_mAh_g"] / row["capacity_mAh"] if specific else 1.0)
            ax.plot(
                cv["capacity_Ah"] * scale,
                cv["voltage_V"],
                LINESTYLES[k % len(LINESTYLES)],
                color=colors[c],
                lw=1.3,
                label=f"{name} {c:g}C",
            )
    ax.set_title(f"{direction} curves", loc="left", fontsize=10)
    ax.set_xlabel("capacity / mAh g$^{-1}$" if specific else "capacity / mAh")
    ax.set_ylabel("voltage / V")
    ax.grid(alpha=0.3)
    _legend([ax], fontsize=7)


def plot_rate_capability(
    results: RateResult | Mapping[str, RateResult],
    *,
    path: str | Path | None = None,
) -> Figure:
    """Capacity (top) and retention (bottom) vs C-rate (log axis), charge (left) and
    discharge (right), one line per cell; error bars are the standard deviation over
    repeated steps at one rate. Capacity in mAh/g where every cell has an active mass,
    else mAh. Saves to ``path`` (PNG, PDF or SVG by suffix) if given."""
    cells = _cells(results)
    fig = Figure(figsize=(9, 6.5), layout="constrained")
    axes = fig.subplots(2, 2, sharex="col")
    specific = _specific(cells)
    for j, direction in enumerate(DIRECTIONS):
        _draw_capability(cells, direction, axes[0, j], axes[1, j], specific)
    _legend(axes[0])
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_rate_curves(
    results: RateResult | Mapping[str, RateResult],
    *,
    rates: Sequence[float] | None = None,
    direction: str = "discharge",
    path: str | Path | None = None,
) -> Figure:
    """Voltage vs capacity of the first step at each of ``rates`` (nominal C-rates;
    default the lowest and the highest present) for every cell: one colour per rate, one
    line style per cell, CC part only.

    Raises
    ------
    InputError
        A requested rate that no cell has.
    """
    cells = _cells(results)
    fig = Figure(figsize=(6, 4.5), layout="constrained")
    _draw_curves(cells, fig.subplots(), rates, direction, _specific(cells))
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_rate_report(
    results: RateResult | Mapping[str, RateResult],
    *,
    rates: Sequence[float] | None = None,
    compare_rate: float | None = None,
    x: str = "dod",
    path: str | Path | None = None,
) -> Figure:
    """The rate test on one page: capacity and retention vs C-rate for charge and
    discharge, the discharge curves at ``rates`` and -- with two or more cells -- the
    voltage difference V_first - V_second of the first two cells along the discharge
    at ``compare_rate`` (default the highest rate both have) on ``x`` ("dod", "soc" or
    "capacity"), with the points where it changes sign marked.
    """
    from ..dc.rate import compare_curves

    cells = _cells(results)
    specific = _specific(cells)
    fig = Figure(figsize=(14, 7), layout="constrained")
    axes = fig.subplots(2, 3)
    for j, direction in enumerate(DIRECTIONS):
        _draw_capability(cells, direction, axes[0, j], axes[1, j], specific)
        axes[1, j].sharex(axes[0, j])
    _legend(axes[0])
    _draw_curves(cells, axes[0, 2], rates, "discharge", specific)
    ax = axes[1, 2]
    names = list(cells)
    if len(names) >= 2:
        a, b = cells[names[0]], cells[names[1]]
        common = sorted(set(a.rates("discharge")) & set(b.rates("discharge")))
        if compare_rate is None and common:
            compare_rate = common[-1]
        if compare_rate is not None:
            c = compare_curves(
                a.curve("discharge", compare_rate), b.curve("discharge", compare_rate), x=x
            )
            ax.plot(c.grid["x"], 1e3 * c.grid["dv_V"], color="k", lw=1.3)
            ax.axhline(0, color="0.5", lw=0.8)
            for row in c.crossings.itertuples():
                ax.axvline(row.x, color="C3", ls="--", lw=1)
                ax.annotate(
                    f"{row.x:.3g}", (row.x, 0), textcoords="offset points", xytext=(4, 6),
                    fontsize=8, color="C3",
                )  # fmt: skip
            label = {"dod": "DoD / %", "soc": "SOC / %", "capacity": "capacity / Ah"}[x]
            ax.set_xlabel(label)
            if x == "soc":
                ax.invert_xaxis()
            ax.set_ylabel(f"V({names[0]}) - V({names[1]}) / mV")
            ax.set_title(f"discharge at {compare_rate:g}C: voltage difference", loc="left",
                         fontsize=10)  # fmt: skip
            ax.grid(alpha=0.3)
    else:
        ax.set_axis_off()
    if path is not None:
        save_figure(fig, path)
    return fig
