"""The cross-study figure of a batch: chosen components at chosen SOCs, cells ranked.

Reads the batch's summary table only (``OUT/summary/summary.parquet``, written by
:func:`ohmslice.study.batch.run_batch`; or a DataFrame of
:func:`ohmslice.study.batch.batch_summary`). One panel per component (rows) and SOC
(columns); in each, the cells from the lowest value (top, rank 1) down, each value with
its 95 % interval (1.96 standard errors), areal (Ohm cm2) where every cell has an area.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ._style import COMPONENT_WORDS, PALETTE, new_figure, save_png_svg, style

__all__ = ["draw_batch_summary", "plot_batch_summary"]

#: Most cells shown per panel (the lowest-ranked; the panel says how many more there are)
MAX_CELLS = 30
#: Height of one cell's row [inch]
ROW_IN = 0.13


def _names(df: pd.DataFrame) -> pd.Series:
    """A cell's name in the figure: the cell, with its study where cell names repeat."""
    pairs = df[["study", "cell"]].drop_duplicates()
    repeated = set(pairs["cell"][pairs["cell"].duplicated()])
    return df.apply(
        lambda r: f"{r['cell']} ({r['study']})" if r["cell"] in repeated else str(r["cell"]),
        axis=1,
    )


def plot_batch_summary(summary: pd.DataFrame, *, max_cells: int = MAX_CELLS):
    """The ranked summary as a :class:`matplotlib.figure.Figure`.

    Raises
    ------
    InputError
        The table holds no value to draw.
    """
    df = summary[summary["value_ohm"].notna()].copy() if len(summary) else summary
    if not len(df):
        raise InputError("the batch summary holds no value to draw")
    areal = bool(df["value_ohm_cm2"].notna().all())
    col, ecol, unit = (("value_ohm_cm2", "err_ohm_cm2", "Ohm cm²") if areal
                       else ("value_ohm", "err_ohm", "Ohm"))  # fmt: skip
    df["name"] = _names(df)
    comps = list(dict.fromkeys(df["component"]))
    socs = sorted(dict.fromkeys(df["soc_pct"]))
    n_rows = min(max(df.groupby(["component", "soc_pct"]).size()), max_cells)
    panel_h = 0.35 + ROW_IN * n_rows
    longest = max(len(str(n)) for n in df["name"]) + 4  # "12. " before the name
    left = 0.15 + 0.045 * longest  # the tick labels at 5.5 pt
    wspace = left + 0.15
    width = left + 0.2 + len(socs) * 1.8 + (len(socs) - 1) * wspace
    with style("batch_summary"):
        fig, axes = new_figure(panel_h * len(comps) + 0.6 * (len(comps) - 1) + 0.85,
                               len(comps), len(socs), left=left, wspace=wspace, hspace=0.6,
                               bottom=0.5, top=0.35, width_in=width)  # fmt: skip
        for i, c in enumerate(comps):
            for j, soc in enumerate(socs):
                ax = axes[i, j]
                g = df[(df["component"] == c) & (df["soc_pct"] == soc)].sort_values("rank")
                more = max(len(g) - max_cells, 0)
                g = g.head(max_cells)
                y = np.arange(len(g))[::-1]
                v, e = g[col].to_numpy(float), 1.96 * g[ecol].to_numpy(float)
                ax.errorbar(v, y, xerr=np.where(np.isfinite(e), e, 0.0), fmt="o",
                            color=PALETTE[0], ecolor=PALETTE[0], elinewidth=0.8, capsize=1.5,
                            markersize=2.5)  # fmt: skip
                ax.set_yticks(y)
                ax.set_yticklabels([f"{int(r)}. {n}" for r, n in zip(g["rank"], g["name"],
                                                                      strict=True)],
                                   fontsize=5.5)  # fmt: skip
                ax.set_ylim(-0.7, len(g) - 0.3)
                ax.grid(axis="y", visible=False)
                words = COMPONENT_WORDS.get(c, c).split(" (")[0]
                ax.set_title(f"{words} at {soc:g} % SOC", fontsize=7)
                ax.set_xlabel(f"{c} ({unit})")
                if more:
                    ax.text(1.0, -0.9 / max(len(g), 1), f"+{more} more", transform=ax.transAxes,
                            ha="right", va="top", fontsize=5.5, color="0.4")  # fmt: skip
        fig.text(0.01, 0.005, "ranked from the lowest value (1.); bars: 95 % intervals "
                 "(1.96 standard errors); SOC on each cell's GITT scale",
                 fontsize=5.5, color="0.35", va="bottom")  # fmt: skip
    return fig


def draw_batch_summary(
    out: str | os.PathLike[str],
    summary: pd.DataFrame | None = None,
    *,
    max_cells: int = MAX_CELLS,
) -> Path | None:
    """Draw the summary of the batch folder ``out`` (``summary/summary.parquet``, or
    ``summary``) to ``OUT/summary/summary.png`` (300 dpi) and ``summary.svg``, each
    written whole or not at all. Returns the PNG's path, or None where there is no value
    to draw.

    Raises
    ------
    InputError
        No summary table in ``out`` and none given.
    """
    folder = Path(out) / "summary"
    if summary is None:
        path = folder / "summary.parquet"
        if not path.is_file():
            raise InputError("no batch summary here (summary/summary.parquet)", path=out)
        summary = pd.read_parquet(path)
    if not len(summary) or not summary["value_ohm"].notna().any():
        return None
    fig = plot_batch_summary(summary, max_cells=max_cells)
    folder.mkdir(parents=True, exist_ok=True)
    save_png_svg(fig, folder, "summary")
    return folder / "summary.png"
