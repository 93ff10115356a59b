"""Figures and reports: they read results only, never raw files.

The study's figures and ``report.html`` are drawn from a results store
(:mod:`ohmslice.study.store`): :func:`write_report` (figures + report of an output
folder), :func:`write_study_figures` (the figures alone), :func:`render_report` (the
page as a string). The figure modules of single analyses (``gitt_figures``,
``eis_figures``, ``decompose_figures``, ``rate_figures``) draw result objects for the
one-analysis commands (``ohmslice gitt --plot`` ...).
"""

from .html import REPORT, render_report, write_report
from .stored import StoredTables, stored_tables
from .study_figures import FIGURES, FigureRecord, figure_workers, write_study_figures

__all__ = [
    "FIGURES",
    "REPORT",
    "FigureRecord",
    "StoredTables",
    "figure_workers",
    "render_report",
    "stored_tables",
    "write_report",
    "write_study_figures",
]
