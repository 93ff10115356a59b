"""Figures of the resistance map: total resistance and its R1/R2/R3 parts vs SOC per cell.

Reads result tables only (``soc_pct``, ``{c}_ohm``, ``{c}_ohm_err`` as produced by
:func:`ohmslice.method.decompose.decompose`) and, optionally, a
:class:`ohmslice.method.compare.Comparison` whose crossovers are drawn with their intervals.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ._save import save_figure

__all__ = ["plot_resistance_map"]

PANELS = (
    ("r_total", "a) total resistance"),
    ("r1", "b) R1: contact"),
    ("r2", "c) R2: charge transfer"),
    ("r3", "d) R3: diffusion"),
)


def plot_resistance_map(
    results_by_cell: Mapping[str, pd.DataFrame],
    comparison: Any | None = None,
    *,
    area_cm2: float | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Four panels (total, R1, R2, R3) of resistance vs SOC, one line per cell.

    Error bands are one standard error. With ``area_cm2`` the axis shows Ohm cm2.
    Crossovers of ``comparison`` are drawn as vertical lines with their 95 % interval
    shaded. Points flagged unresolved (``r1_ohm`` NaN) are simply absent. Saves to
    ``path`` (PNG, PDF or SVG by suffix) if given.
    """
    fig = Figure(figsize=(10, 7.5), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True).ravel()
    scale = area_cm2 or 1.0
    unit = "Ohm cm$^2$" if area_cm2 else "Ohm"
    for ax, (comp, title) in zip(axes, PANELS, strict=True):
        col = f"{comp}_ohm"
        for name, df in results_by_cell.items():
            if col not in df.columns:
                continue
            d = df.sort_values("soc_pct")
            y = d[col].to_numpy(float) * scale
            (line,) = ax.plot(d["soc_pct"], y, "o-", ms=3, lw=1, label=name)
            if f"{col}_err" in d.columns:
                e = d[f"{col}_err"].to_numpy(float) * scale
                ax.fill_between(d["soc_pct"], y - e, y + e, color=line.get_color(), alpha=0.2, lw=0)
        if comparison is not None and len(comparison.crossovers):
            xs = comparison.crossovers[comparison.crossovers.component == comp]
            for row in xs.itertuples():
                ax.axvline(row.soc_pct, color="k", lw=0.8, ls="--")
                if np.isfinite(row.ci_low_pct):
                    ax.axvspan(row.ci_low_pct, row.ci_high_pct, color="k", alpha=0.08, lw=0)
        ax.set_title(title, loc="left", fontsize=10)
        ax.set_ylabel(f"R / {unit}")
        ax.grid(alpha=0.3)
    for ax in axes[2:]:
        ax.set_xlabel("SOC / %")
    axes[0].legend(fontsize=8)
    axes[0].invert_xaxis()  # discharge runs from high to low SOC, as in the seed's figures
    if path is not None:
        save_figure(fig, path)
    return fig
