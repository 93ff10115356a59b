"""``report.html``: the study on one self-contained page, from the results store only.

:func:`write_report` draws the study's figures (:mod:`ohmslice.report.study_figures`)
and writes ``report.html`` beside the results: one file with every figure inline (SVG as
a ``data:`` URI, so it stays sharp when printed), no script, no network, no file it
refers to -- it opens from a USB stick and prints on A4. The page, in order:

1. the answer: which cell is less resistive in which SOC range, component by component,
   every crossover with its 95 % interval and SOC reference, the design notes;
2. data quality: every warning, flag and note (grouped), the Kramers-Kronig verdicts,
   time constants extrapolated beyond the measured frequencies, the flagged values and
   what the figures left out or drew apart;
3. the figures, each with a caption saying what was computed (and, for one not drawn,
   why);
4. per cell: what it is, its SOC scale, the time constants used, R and its parts at
   round SOCs, the rate tests; then Table S1 (every sample's ionic and electronic
   conductivity, with the Arrhenius fits) and the cycling of every cell (capacity,
   coulombic efficiency, resistance over cycles with its change-points), where the store
   holds them;
5. methods: the method and its source (Kawaguchi et al., "Interface Engineering in
   Sulfide-Based All-Solid-State Batteries: Insights from Resistance Analysis"), the
   method the comparison used and why, settings and circuit, ohmslice and Python
   versions, every input file with its sha256.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from .._atomic import atomic_file
from ._common import cells_in_order
from ._sections import REFERENCE, answer, cells_section, e, methods, quality, swatch
from ._style import cell_colors
from .stored import stored_tables
from .study_figures import FigureRecord, write_study_figures

__all__ = ["REPORT", "render_report", "write_report"]

#: File name of the report in an output folder.
REPORT = "report.html"

CSS = """
:root { --ink:#1a1a1a; --muted:#555; --line:#d0d0d0; --bg:#fafafa; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.45 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif;
       color: var(--ink); max-width: 190mm; margin: 1.5em auto; padding: 0 1em; }
h1 { font-size: 17pt; margin: 0 0 .2em; }
h2 { font-size: 13pt; border-bottom: 1.5px solid var(--ink); padding-bottom: .1em;
     margin-top: 1.6em; break-after: avoid; }
h3 { font-size: 11pt; margin: 1.1em 0 .3em; break-after: avoid; }
p, ul { margin: .4em 0; }
.small, .cap { font-size: 9pt; color: var(--muted); }
.cap { margin-top: .8em; }
table { border-collapse: collapse; font-size: 8.5pt; margin: .3em 0 .6em; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: .15em .4em; text-align: left;
         vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
table.facts { width: auto; }
.nowrap { white-space: nowrap; }
table.facts td:first-child { color: var(--muted); white-space: nowrap; }
code { font-size: 8.5pt; }
code.hash { word-break: break-all; font-size: 7.5pt; }
.sw { display: inline-block; width: .8em; height: .8em; border-radius: 2px;
      margin-right: .3em; vertical-align: -.05em; -webkit-print-color-adjust: exact;
      print-color-adjust: exact; }
ul.answer li { margin: .25em 0; }
nav { font-size: 9pt; margin: .6em 0 1em; }
nav a { margin-right: 1em; }
figure { margin: 1.2em 0; break-inside: avoid; page-break-inside: avoid; }
figure img { width: 100%; height: auto; display: block; }
figcaption { font-size: 9pt; margin-top: .3em; }
figcaption ul { margin: .2em 0 0 1.2em; padding: 0; color: var(--muted); }
.skipped { font-size: 9pt; color: var(--muted); }
.k-warning { color: #b00020; font-weight: 600; }
.k-flag { color: #a15c00; font-weight: 600; }
table.notes td:nth-child(4) { width: 55%; }
header .meta { color: var(--muted); font-size: 9pt; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 9.5pt; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  #figures { break-before: page; }
}
"""


def _short(title: str) -> str:
    """'Fig. 4. GITT with ...' -> 'Fig. 4'; other titles as they are."""
    m = re.match(r"(Fig\. S?\d+)\.", title)
    return m.group(1) if m else title


def _figure_html(rec: FigureRecord) -> str:
    if rec.skipped:
        return (
            f'<p class="skipped" id="{e(rec.stem)}"><b>{e(rec.title)}</b> Not drawn: '
            f"{e(rec.skipped)}.</p>"
        )
    data = base64.b64encode(rec.svg_text.encode("utf-8")).decode("ascii")
    notes = "".join(f"<li>{e(n)}</li>" for n in rec.notes)
    files = f" Files: figures/{e(rec.png)}, figures/{e(rec.svg)}."
    return (
        f'<figure id="{e(rec.stem)}" data-figure="{e(rec.stem)}">'
        f'<img alt="{e(rec.title)}" src="data:image/svg+xml;base64,{data}">'
        f"<figcaption><b>{e(rec.title)}</b> {e(rec.caption)}"
        f"<span class='small'>{files}</span>"
        + (f"<ul>{notes}</ul>" if notes else "")
        + "</figcaption></figure>"
    )


def render_report(
    source: Any, figures: Sequence[FigureRecord], *, version: str | None = None
) -> str:
    """The report of the results ``source`` (a results folder, opened results or tables:
    :func:`~ohmslice.report.stored.stored_tables`) with the drawn ``figures`` inline, as
    one HTML string (no script, no external reference)."""
    from .. import __version__

    t = stored_tables(source)
    colors = cell_colors(cells_in_order(t))
    run = t["runs"].iloc[0] if t.has("runs") else None
    name = str(run["study_name"]) if run is not None else "ohmslice results"
    when = str(run["written_utc"]) if run is not None else ""
    legend = " ".join(f"{swatch(c)}{e(n)}" for n, c in colors.items())
    drawn = [f for f in figures if not f.skipped]
    fig_notes = [(_short(f.title), n) for f in drawn for n in f.notes]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(name)}: ohmslice report</title>",
        f"<style>{CSS}</style></head><body>",
        f"<header><h1>{e(name)}</h1><p class='meta'>Resistance analysis by ohmslice "
        f"{e(version or (run['ohmslice_version'] if run is not None else __version__))}"
        f"{', written ' + e(when) if when else ''}. Cells: {legend}. Method: "
        f"{e(REFERENCE)}.</p></header>",
        "<nav><a href='#answer'>1 The answer</a><a href='#quality'>2 Data quality</a>"
        "<a href='#figures'>3 Figures</a><a href='#cells'>4 Per cell</a>"
        + ("<a href='#table-s1'>Table S1</a>" if t.has("transport") else "")
        + ("<a href='#cycling'>Cycling</a>" if t.has("cycles") else "")
        + "<a href='#methods'>5 Methods</a></nav>",
        answer(t, colors),
        quality(t, fig_notes),
        '<section id="figures"><h2>3. Figures</h2>'
        "<p class='small'>Drawn from the stored tables; every cell keeps its colour in every "
        f"figure ({legend}). PNG (300 dpi) and SVG of each are in <code>figures/</code>.</p>",
        *(_figure_html(f) for f in figures),
        "</section>",
        cells_section(t, colors),
        methods(t, version or __version__),
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(
    out: str | os.PathLike[str],
    *,
    figures_dir: str | os.PathLike[str] | None = None,
    report: str | os.PathLike[str] | None = None,
    pool: Executor | None = None,
    workers: int | None = None,
) -> tuple[Path, list[FigureRecord]]:
    """Draw the figures of the results in ``out`` and write its ``report.html``.

    Parameters
    ----------
    out
        An output folder of ``ohmslice run`` / ``ohmslice demo`` (holding ``results/``) or
        a results store folder.
    figures_dir
        Where the PNG and SVG files go (default ``out/figures``).
    report
        The report's path (default ``out/report.html``); written through a temporary
        file and a rename.
    pool, workers
        Worker processes for the figures (:func:`~ohmslice.report.study_figures.
        write_study_figures`).

    Returns
    -------
    (Path, list of FigureRecord)
        The report's path and what became of every figure.

    Raises
    ------
    InputError
        ``out`` holds no results; a folder cannot be written.
    """
    out = Path(out)
    tables = stored_tables(out)
    figs = write_study_figures(
        tables, Path(figures_dir) if figures_dir else out / "figures", pool=pool, workers=workers
    )
    path = Path(report) if report else out / REPORT
    text = render_report(tables, figs)
    with atomic_file(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return path, figs
