"""The look shared by the study's figures: one colour per cell, fixed layouts, fast saving.

Every study figure (:mod:`ohmslice.report.study_figures`) is drawn on a
:class:`matplotlib.figure.Figure` with fixed margins (no constrained layout: it costs
more than the drawing itself) at a width that prints at its own size on A4
(:data:`WIDTH_IN` inches), and saved twice by :func:`save_png_svg`: PNG at 300 dpi and
SVG, both through a temporary file and a rename, both byte for byte the same for the same
tables (no time stamps; the SVG's element ids salted with the figure's name).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image

from .._atomic import atomic_file

#: Okabe-Ito colours (readable with every common colour-vision deficiency), one per cell
#: in the order of the ``cells`` table; a cell keeps its colour in every figure.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")

#: Colour of values drawn apart: flagged, not usable, out of the measured range.
FLAGGED = "0.45"

#: Width of a full-page figure [inch]: A4 less 2 x 15 mm margins is 7.1 in.
WIDTH_IN = 7.0

#: Resolution of the PNG files [dots per inch].
PNG_DPI = 300

#: Matplotlib settings of the study figures (small type for a 7 in wide page).
RC = {
    "font.size": 7.5,
    "axes.titlesize": 8,
    "axes.labelsize": 7.5,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 6.5,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.5,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.1,
    "lines.markersize": 3,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "svg.fonttype": "path",
    "axes.titley": 1.0,  # a fixed title position: no search for the ticks above the axes
    "axes.titlepad": 4.0,
    "axes.formatter.use_mathtext": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}

#: Region colours of the GITT (I, II, III), as in :mod:`ohmslice.report.gitt_figures`.
REGION_COLORS = {"I": "#dbe9f6", "II": "#e5f5e0", "III": "#fde0dd"}

#: A component's name in captions and panel titles.
COMPONENT_WORDS = {
    "r_total": "total resistance",
    "r1": "R1 (series + contact)",
    "r2": "R2 (charge transfer)",
    "r3": "R3 (diffusion, developed by the pulse end)",
    "r12": "R1 + R2",
}


def cell_colors(cells: Iterable[str]) -> dict[str, str]:
    """Colour of each cell, by its position in ``cells`` (the ``cells`` table's order);
    the palette repeats after seven cells."""
    return {name: PALETTE[k % len(PALETTE)] for k, name in enumerate(dict.fromkeys(cells))}


def shade(color: str, k: int, n: int) -> tuple[float, float, float]:
    """``color`` darkened or lightened for item ``k`` of ``n`` (light first, the colour
    itself last): one cell's curves at several C-rates stay in the cell's hue."""
    from matplotlib.colors import to_rgb

    rgb = np.asarray(to_rgb(color))
    f = 1.0 if n <= 1 else 0.25 + 0.75 * k / (n - 1)  # share of the colour, rest white
    return tuple(float(x) for x in (1.0 - f) * 1.0 + f * rgb)  # type: ignore[return-value]


@contextmanager
def style(salt: str) -> Iterator[None]:
    """:data:`RC` in force, and the SVG ids salted with ``salt`` (deterministic files,
    no clash of ids between figures shown in one page)."""
    import matplotlib

    with matplotlib.rc_context({**RC, "svg.hashsalt": salt}):
        yield


def new_figure(
    height_in: float,
    nrows: int = 1,
    ncols: int = 1,
    *,
    left: float = 0.6,
    right: float = 0.15,
    bottom: float = 0.45,
    top: float = 0.3,
    wspace: float = 0.6,
    hspace: float = 0.55,
    width_in: float = WIDTH_IN,
    **subplot_kw,
):
    """A figure of ``width_in`` x ``height_in`` inches with an ``nrows`` x ``ncols`` grid
    of axes placed by fixed margins (inches; ``wspace``/``hspace`` between axes, inches).
    Returns (figure, 2-D array of axes)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in))
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    aw = (width_in - left - right - wspace * (ncols - 1)) / ncols
    ah = (height_in - bottom - top - hspace * (nrows - 1)) / nrows
    fig.subplots_adjust(
        left=left / width_in,
        right=1 - right / width_in,
        bottom=bottom / height_in,
        top=1 - top / height_in,
        wspace=wspace / aw,
        hspace=hspace / ah,
    )
    return fig, axes


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_label(v: float, _pos: object = None) -> str:
    if not np.isfinite(v) or v <= 0:
        return ""
    return "10" + str(round(np.log10(v))).translate(_SUPERSCRIPT)


def _plain_label(v: float, _pos: object = None) -> str:
    return f"{v:g}" if 1e-3 <= v < 1e5 else _power_label(v)


def log_axis(ax, which: str = "x", numticks: int = 6, plain: bool = False) -> None:
    """A log scale on ``which`` axis ('x' or 'y') with at most ``numticks`` decades
    labelled, as 10ⁿ (``plain``: as numbers where they are short); no mathtext and no
    minor ticks: both cost more than drawing the data."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    axis.set_major_locator(LogLocator(base=10.0, numticks=numticks))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(_plain_label if plain else _power_label))


def finish_axes(fig, below_in: float = 0.22, left_in: float = 0.38) -> None:
    """Fix what matplotlib would otherwise measure or multiply at every draw: at most
    six ticks on a linear axis (each tick is five artists), every axes' x label
    ``below_in`` inches below it and its y label ``left_in`` inches left of it."""
    from matplotlib.ticker import AutoLocator, MaxNLocator
    from matplotlib.transforms import offset_copy

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_locator()) is AutoLocator:
                axis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        if ax.xaxis.label.get_text():
            ax.xaxis.set_label_coords(
                0.5, 0.0, transform=offset_copy(ax.transAxes, fig=fig, y=-below_in, units="inches")
            )
            ax.xaxis.label.set_va("top")
        if ax.yaxis.label.get_text():
            ax.yaxis.set_label_coords(
                0.0, 0.5, transform=offset_copy(ax.transAxes, fig=fig, x=-left_in, units="inches")
            )
            ax.yaxis.label.set_va("bottom")


def save_png_svg(fig, folder: Path, stem: str) -> tuple[Path, Path, str]:
    """Write ``fig`` as ``folder/stem.png`` (300 dpi, RGB) and ``folder/stem.svg``.

    The PNG is rendered by Agg and encoded by Pillow at its fastest compression (a
    figure's flat colours compress well anyway); neither file carries a time stamp. Returns the two paths and the SVG text (for the report).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    finish_axes(fig)
    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(PNG_DPI)
    canvas.draw()
    png, svg = folder / f"{stem}.png", folder / f"{stem}.svg"
    rgb = np.ascontiguousarray(np.asarray(canvas.buffer_rgba())[..., :3])
    with atomic_file(png) as tmp:
        Image.fromarray(rgb).save(tmp, format="PNG", compress_level=1, dpi=(PNG_DPI, PNG_DPI))
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    with atomic_file(svg) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return png, svg, text


def thin_minmax(x: np.ndarray, y: np.ndarray, n_bins: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """At most ``2 n_bins`` samples of the curve (x, y) in sample order, each run's lowest
    and highest ``y`` (:func:`ohmslice.study.store.thin_curve`)."""
    from ..study.store import thin_curve

    k = thin_curve(y, 2 * n_bins)
    return x[k], y[k]
