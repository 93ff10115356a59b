"""Figures of the resistance map: total resistance and its R1/R2/R3 parts vs SOC per cell.

Reads result tables only (``soc_pct``, ``{c}_ohm``, ``{c}_ohm_err``, ``usable`` as produced
by :func:`ohmslice.method.decompose.decompose`; column meanings in
:mod:`ohmslice.method.columns`) and, optionally, a
:class:`ohmslice.method.compare.Comparison` whose crossovers are drawn with their
intervals. R3 is the diffusion developed by the pulse end (``r3_ohm``), the quantity the
comparison uses; the SOC axis names the tables' SOC scale (``attrs["soc_basis"]``).
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
    ("r1", "b) R1: series + contact"),
    ("r2", "c) R2: charge transfer"),
    ("r3", "d) R3: diffusion, developed by the pulse end"),
)

_SCALES = {
    "discharge": "0 % = end of the GITT",
    "charge": "100 % = end of the full charge",
    "nominal": "of the nominal capacity",
    "given": "of the given capacity",
}


def draw_component(
    ax: Any,
    df: pd.DataFrame,
    col: str,
    label: str,
    *,
    ls: str = "-",
    scale: float = 1.0,
    color: str | None = None,
) -> None:
    """Column ``col`` of a decomposition table against ``soc_pct`` into ``ax``: the usable
    pulses as a line with its one-standard-error band (``{col}_err``), the pulses that
    failed their method's checks (``usable`` False) as crosses apart from it; values x
    ``scale``."""
    d = df.sort_values("soc_pct")
    ok = d["usable"].astype(bool).to_numpy() if "usable" in d.columns else None
    good = d if ok is None else d[ok]
    y = good[col].to_numpy(float) * scale
    (line,) = ax.plot(good["soc_pct"], y, "o" + ls, ms=3, lw=1, label=label, color=color)
    if f"{col}_err" in good.columns:
        e = good[f"{col}_err"].to_numpy(float) * scale
        ax.fill_between(good["soc_pct"], y - e, y + e, color=line.get_color(), alpha=0.2, lw=0)
    if ok is not None and not ok.all():
        bad = d[~ok]
        ax.plot(bad["soc_pct"], bad[col].to_numpy(float) * scale, "x", color=line.get_color(),
                alpha=0.5, ms=4)  # fmt: skip


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
    shaded. Pulses that failed their method's checks (``usable`` False) are drawn as
    grey crosses, apart from the line; values that could not be split (``r1_ohm`` NaN)
    are absent, and where a cell has no R1 at all its R1 + R2 (``r12_ohm``) is drawn in
    panel b, dashed. Saves to ``path`` (PNG, PDF or SVG by suffix) if given.
    """
    fig = Figure(figsize=(10, 7.5), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True).ravel()
    scale = area_cm2 or 1.0
    unit = "Ohm cm$^2$" if area_cm2 else "Ohm"
    bases = set()
    for ax, (comp, title) in zip(axes, PANELS, strict=True):
        col = f"{comp}_ohm"
        for name, df in results_by_cell.items():
            bases.add(str((getattr(df, "attrs", {}) or {}).get("soc_basis", "")))
            label, ls, use = name, "-", col
            if comp == "r1" and (col not in df.columns or df[col].isna().all()):
                if "r12_ohm" not in df.columns:
                    continue
                use, label, ls = "r12_ohm", f"{name}: R1 + R2", "--"
            if use not in df.columns:
                continue
            draw_component(ax, df, use, label, ls=ls, scale=scale)
        if comparison is not None and len(comparison.crossovers):
            xs = comparison.crossovers[comparison.crossovers.component == comp]
            for row in xs.itertuples():
                ax.axvline(row.soc_pct, color="k", lw=0.8, ls="--")
                if np.isfinite(row.ci_low_pct):
                    ax.axvspan(row.ci_low_pct, row.ci_high_pct, color="k", alpha=0.08, lw=0)
        ax.set_title(title, loc="left", fontsize=10)
        ax.set_ylabel(f"R / {unit}")
        ax.grid(alpha=0.3)
    bases.discard("")
    xlabel = "SOC / %"
    if len(bases) == 1:
        basis = bases.pop()
        xlabel += f" ({_SCALES.get(basis, basis)})"
    for ax in axes[2:]:
        ax.set_xlabel(xlabel)
    axes[0].legend(fontsize=8)
    axes[
        0
    ].invert_xaxis()  # discharge runs from high to low SOC, as in the reference paper's figures
    if path is not None:
        save_figure(fig, path)
    return fig
