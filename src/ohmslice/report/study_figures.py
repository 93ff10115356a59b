"""The figures of a whole study, drawn from its results store only, as PNG and SVG.

:func:`write_study_figures` draws every figure of :data:`FIGURES` from the stored tables
(:mod:`ohmslice.report.stored`; columns in ``docs/results.md``) into a folder:
``<stem>.png`` (300 dpi) and ``<stem>.svg`` each, every cell in the same colour in every
figure (the ``cells`` table's order, :func:`~ohmslice.report._style.cell_colors`), both
cells on the same axes. A figure whose data the store lacks is not drawn: its record says
why (``skipped``). Values flagged by the analysis (pulses that failed their checks,
cut-off pulses, values <= 0, unresolved components, fits not usable, DRT peaks outside the
measured range) are drawn apart or left out, and each figure's ``notes`` say which.

Speed: figures are drawn with fixed layouts and, when asked, in worker processes
(:func:`figure_workers`: each importing matplotlib once, ideally started before the
analysis so the import overlaps it); the PNG is encoded at a low zlib level.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._common import Drawn, Skip, cells_in_order
from ._style import cell_colors, save_png_svg, style
from .conductivity_figures import fig_arrhenius
from .cycling_figures import fig_cycling
from .figures_ac import (
    fig_drt,
    fig_fit_residuals,
    fig_gitt_vs_eis,
    fig_half_nyquist,
    fig_kk_residuals,
    fig_symmetric_nyquist,
)
from .figures_dc import (
    fig_discharge_curves,
    fig_gitt,
    fig_rate_capability,
    fig_rate_curves,
    fig_resistance_vs_soc,
)
from .stored import StoredTables, stored_tables

__all__ = ["FIGURES", "FigureSpec", "FigureRecord", "figure_workers", "write_study_figures"]


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the study: file ``stem``, ``title`` (numbered as in the reference
    paper where it has the figure) and the function drawing it from the tables."""

    stem: str
    title: str
    draw: Callable[[StoredTables, dict[str, str]], Drawn]


#: The study's figures, in the order of the report. The reference paper is Kawaguchi et
#: al., "Interface Engineering in Sulfide-Based All-Solid-State Batteries: Insights from
#: Resistance Analysis"; its figure numbers are kept.
FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec("fig1_discharge_curves", "Fig. 1. Discharge at the lowest and highest C-rate",
               fig_discharge_curves),
    FigureSpec("fig2_half_cell_nyquist", "Fig. 2. Half-cell impedance", fig_half_nyquist),
    FigureSpec("fig3_symmetric_nyquist", "Fig. 3. Symmetric-cell impedance per electrode",
               fig_symmetric_nyquist),
    FigureSpec("fig4_gitt", "Fig. 4. GITT with regions I, II, III", fig_gitt),
    FigureSpec("fig5_resistance_vs_soc", "Fig. 5. Resistance and its parts against SOC",
               fig_resistance_vs_soc),
    FigureSpec("fig6_rate_curves", "Fig. 6. Charge and discharge curves at every C-rate",
               fig_rate_curves),
    FigureSpec("figS7_gitt_vs_eis", "Fig. S7. GITT against EIS", fig_gitt_vs_eis),
    FigureSpec("figS8_rate_capability", "Fig. S8. Capacity and retention against C-rate",
               fig_rate_capability),
    FigureSpec("drt", "DRT of every spectrum", fig_drt),
    FigureSpec("fit_residuals", "Circuit-fit residuals against the lin-KK level",
               fig_fit_residuals),
    FigureSpec("kk_residuals", "lin-KK residuals", fig_kk_residuals),
    FigureSpec("figS9_cycling", "Fig. S9. Capacity, coulombic efficiency and resistance over "
               "cycles", fig_cycling),
    FigureSpec("arrhenius", "Arrhenius plot: ionic conductivity of every sample",
               fig_arrhenius),
)  # fmt: skip

#: Drawing order in workers: the slowest first, so two workers finish together.
_COST_ORDER = ("fig5_resistance_vs_soc", "fig4_gitt", "drt", "fig6_rate_curves",
               "fit_residuals", "fig3_symmetric_nyquist", "fig2_half_cell_nyquist",
               "figS8_rate_capability", "figS7_gitt_vs_eis", "fig1_discharge_curves")  # fmt: skip


@dataclass
class FigureRecord:
    """What became of one figure: ``stem``, ``title``, ``caption``, ``notes``; ``png`` and
    ``svg`` (file names in the figures folder, '' where not drawn); ``skipped`` (why it
    was not drawn: its data are absent, or drawing failed, ``error`` True); ``seconds``
    spent; ``svg_text`` (the SVG, for the report)."""

    stem: str
    title: str
    caption: str = ""
    notes: list[str] = field(default_factory=list)
    png: str = ""
    svg: str = ""
    skipped: str = ""
    error: bool = False
    seconds: float = 0.0
    svg_text: str = field(default="", repr=False)


def _render(spec: FigureSpec, tables: StoredTables, colors: dict[str, str], folder: Path):
    t0 = time.perf_counter()
    rec = FigureRecord(spec.stem, spec.title)
    try:
        with style(spec.stem):
            drawn = spec.draw(tables, colors)
            png, svg, text = save_png_svg(drawn.fig, folder, spec.stem)
        rec.caption, rec.notes = drawn.caption, list(drawn.notes)
        rec.png, rec.svg, rec.svg_text = png.name, svg.name, text
    except Skip as exc:
        rec.skipped = str(exc)
    except Exception as exc:  # noqa: BLE001 -- one figure's failure must not lose the results
        rec.skipped = f"drawing failed ({type(exc).__name__}: {exc})"
        rec.error = True
    rec.seconds = time.perf_counter() - t0
    return rec


#: A worker's tables, by store folder: read once for all the figures it draws.
_WORKER_TABLES: dict[Path, StoredTables] = {}


def _render_in_worker(index: int, folder: Path, store: Path, colors: dict[str, str]):
    tables = _WORKER_TABLES.get(store)
    if tables is None:
        _WORKER_TABLES.clear()
        tables = _WORKER_TABLES[store] = StoredTables(store)
    return _render(FIGURES[index], tables, colors, folder)


def _warm() -> None:
    """Worker start: Ctrl-C is the parent's to handle; import what drawing needs and draw
    a small figure to both formats (fonts loaded, caches filled) before any is asked."""
    import io

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import pyarrow.parquet  # noqa: F401
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from ._style import new_figure

    with style("warm-up"):
        fig, axes = new_figure(1.0, width_in=1.0)
        axes[0, 0].plot([1, 2], [1, 2], "o-", label="Ω 0.1")
        axes[0, 0].set_title("τ / s")
        axes[0, 0].legend()
        FigureCanvasAgg(fig).draw()
        fig.savefig(io.StringIO(), format="svg")


def _noop() -> None:
    return None


@contextmanager
def figure_workers(n: int | None = None) -> Iterator[Executor | None]:
    """Worker processes for :func:`write_study_figures`, started now.

    Fresh interpreters (the ``spawn`` start method: nothing of this process -- its
    threads, open files, database connections -- is copied into them), each importing
    matplotlib and drawing a small figure at start, so starting them before a long step
    (the analysis) takes that off the time of writing the figures. ``n``: number of
    workers (default: the CPUs this process may use, at most 2; 1 gives None: draw
    here). Shut down on exit. Like any process pool, it needs the calling script's
    code under ``if __name__ == "__main__":``.
    """
    if n is None:
        n = min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    if n <= 1:
        yield None
        return
    import multiprocessing

    pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_warm)  # fmt: skip
    for _ in range(n):
        pool.submit(_noop)  # start them now
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def write_study_figures(
    source: Any,
    folder: str | os.PathLike[str],
    *,
    pool: Executor | None = None,
    workers: int = 1,
    only: Sequence[str] | None = None,
) -> list[FigureRecord]:
    """Draw every figure of :data:`FIGURES` from the results ``source`` into ``folder``.

    Parameters
    ----------
    source
        The results: an output folder of ``ohmslice run`` / ``demo``, a results store
        folder, opened results (:func:`ohmslice.open_results`, one study) or a mapping of
        table name -> DataFrame (:func:`~ohmslice.report.stored.stored_tables`).
    folder
        Where the PNG and SVG files go (created).
    pool
        Worker processes (:func:`figure_workers`) to draw in; default: draw here, or
        start ``workers`` of them for this call where the tables come from a folder.
    workers
        Number of worker processes when no ``pool`` is given (default 1: draw here,
        one figure after the other).
    only
        Stems of the figures to draw (default all).

    Returns
    -------
    list of FigureRecord
        One per figure, in the order of :data:`FIGURES`: drawn (files, caption, notes)
        or skipped (why).

    Raises
    ------
    InputError
        ``source`` holds no results; ``folder`` cannot be created.
    """
    from ..errors import InputError

    tables = stored_tables(source)
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the figures folder ({exc.strerror})", path=folder
        ) from None
    colors = cell_colors(cells_in_order(tables))
    specs = [(i, s) for i, s in enumerate(FIGURES) if only is None or s.stem in only]
    if tables.folder is None or (pool is None and workers == 1):
        return [_render(s, tables, colors, folder) for _, s in specs]
    if pool is None:
        with figure_workers(workers) as own:
            if own is None:
                return [_render(s, tables, colors, folder) for _, s in specs]
            return _in_pool(own, specs, tables.folder, colors, folder)
    return _in_pool(pool, specs, tables.folder, colors, folder)


def _in_pool(pool: Executor, specs, store: Path, colors, folder: Path) -> list[FigureRecord]:
    rank = {stem: k for k, stem in enumerate(_COST_ORDER)}
    order = sorted(specs, key=lambda p: rank.get(p[1].stem, len(rank)))
    futures = {i: pool.submit(_render_in_worker, i, folder, store, colors) for i, _ in order}
    out = []
    for i, spec in specs:
        try:
            out.append(futures[i].result())
        except BrokenExecutor:  # a worker died (killed, out of memory): draw it here
            out.append(_render(spec, StoredTables(store), colors, folder))
    return out
