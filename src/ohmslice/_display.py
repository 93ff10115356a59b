"""How results show themselves: ``.plot()`` and the short HTML summaries of Jupyter.

The result classes live in their stages (``schema.py``, ``dc/``, ``impedance/``,
``method/``, ``study/``), which draw nothing and must not import ``report/``
(``tests/test_layout.py``). Their ``.plot()`` (:class:`Plottable`) calls :func:`plot`
here, which maps the result's type to its figure function in ``report/`` -- the same
code as ``--plot`` of the commands and the study's figures -- and imports it only when
called, so that importing ohmslice does not import matplotlib.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["Plottable", "html_summary", "plot"]


def _recording(r: Any, path: Any, **kw: Any) -> Any:
    from .report.recording_figures import plot_recording

    return plot_recording(r, path, **kw)


def _spectrum(r: Any, path: Any, **kw: Any) -> Any:
    from .report.eis_figures import plot_spectrum

    return plot_spectrum(r, path=path, **kw)


def _fit(r: Any, path: Any, **kw: Any) -> Any:
    from .report.eis_figures import plot_spectrum

    kw.setdefault("title", f"{r.spectrum.source or 'spectrum'}: {r.circuit.text}")
    return plot_spectrum(r.spectrum, fit=r, path=path, **kw)


def _time_constants(r: Any, path: Any, **kw: Any) -> Any:
    from .report.eis_figures import plot_spectrum

    return plot_spectrum(r.spectrum, fit=r.fit, drt=r.drt, path=path, **kw)


def _drt(r: Any, path: Any, **kw: Any) -> Any:
    from .report.eis_figures import plot_drt

    return plot_drt(r, path, **kw)


def _kk(r: Any, path: Any, **kw: Any) -> Any:
    from .report.eis_figures import plot_kk

    return plot_kk(r, path, **kw)


def _gitt(r: Any, path: Any, **kw: Any) -> Any:
    from .report.gitt_figures import plot_gitt

    return plot_gitt(r, path, **kw)


def _decomposition(r: Any, path: Any, *, name: str | None = None, **kw: Any) -> Any:
    from .report.decompose_figures import plot_resistance_map

    label = name or f"{r.method} method"
    return plot_resistance_map({label: r.table}, path=path, **kw)


def _comparison(r: Any, path: Any, **kw: Any) -> Any:
    from .errors import InputError
    from .report.decompose_figures import plot_resistance_map

    if not r.tables:
        raise InputError("this Comparison holds no tables to draw (made before they were kept)")
    return plot_resistance_map(r.tables, r, path=path, **kw)


def _study(r: Any, path: Any, **kw: Any) -> Any:
    from .report.decompose_figures import plot_resistance_map

    return plot_resistance_map(r.decompositions(), r.comparison, path=path, **kw)


def _rate(r: Any, path: Any, **kw: Any) -> Any:
    from .report.rate_figures import plot_rate_report

    return plot_rate_report(r, path=path, **kw)


def _cycling(r: Any, path: Any, **kw: Any) -> Any:
    from .report._save import save_figure
    from .report.cycling_figures import plot_cycling

    fig = plot_cycling(r, **kw)
    if path is not None:
        save_figure(fig, path)
    return fig


def _conductivity(r: Any, path: Any, **kw: Any) -> Any:
    from .report.conductivity_figures import plot_conductivity

    return plot_conductivity(r if hasattr(r, "results") else [r], path, **kw)


#: Result type name -> the function drawing it (result, path, **options) -> Figure.
FIGURES: dict[str, Callable[..., Any]] = {
    "Recording": _recording,
    "Spectrum": _spectrum,
    "FitResult": _fit,
    "TimeConstants": _time_constants,
    "DrtResult": _drt,
    "KKResult": _kk,
    "GittResult": _gitt,
    "Decomposition": _decomposition,
    "Comparison": _comparison,
    "StudyResult": _study,
    "RateResult": _rate,
    "CyclingResult": _cycling,
    "PelletConductivity": _conductivity,
    "CompositeConductivity": _conductivity,
    "ConductivitySeries": _conductivity,
}


def plot(result: Any, path: str | Path | None = None, **options: Any) -> Any:
    """The figure of ``result`` (a :class:`matplotlib.figure.Figure`), drawn by its
    figure function in :mod:`ohmslice.report`; saved to ``path`` (.png, .pdf, .svg) if
    given. ``options`` go to the figure function.

    Raises
    ------
    InputError
        A result without a figure; an unsupported suffix or missing folder.
    """
    from .errors import InputError

    draw = FIGURES.get(type(result).__name__)
    if draw is None:
        raise InputError(f"no figure for a {type(result).__name__}")
    return draw(result, path, **options)


class Plottable:
    """``.plot()`` for a result class (see :func:`plot`)."""

    def plot(self, path: str | Path | None = None, *, ax: Any = None, **options: Any) -> Any:
        """Draw this result with the figure function of :mod:`ohmslice.report` that the
        commands' ``--plot`` use, and return the :class:`matplotlib.figure.Figure`
        (shown inline in Jupyter); saved to ``path`` (.png, .pdf, .svg) if given.

        With ``ax`` (a matplotlib Axes of your own figure), only the result's main panel
        is drawn into it (:func:`ohmslice.report.panels.draw_main`: the Nyquist plot of a
        spectrum or fit, gamma(tau) of a DRT, the voltage of a GITT or recording,
        R1/R2/R3 against SOC of a decomposition) and ``ax`` is returned.
        """
        if ax is not None:
            from .report.panels import draw_main

            return draw_main(self, ax)
        return plot(self, path, **options)


def html_summary(
    title: str,
    lines: Iterable[str] = (),
    table: pd.DataFrame | None = None,
    *,
    max_rows: int = 8,
    notes: Iterable[str] = (),
) -> str:
    """A short HTML card: a bold title, a list of lines, the first and last rows of
    ``table`` (at most ``max_rows``) and notes in a smaller font; everything escaped."""
    parts = [f"<div><p><b>{html.escape(title)}</b></p>"]
    items = [f"<li>{html.escape(x)}</li>" for x in lines]
    if items:
        parts.append("<ul>" + "".join(items) + "</ul>")
    if table is not None and len(table):
        t = table
        if len(t) > max_rows:
            half = max_rows // 2
            t = pd.concat([t.head(half), t.tail(max_rows - half)])
        parts.append(t.to_html(index=False, float_format=lambda x: f"{x:.4g}", na_rep=""))
        if len(table) > max_rows:
            parts.append(f"<p><small>{max_rows} of {len(table)} rows shown</small></p>")
    notes = list(notes)
    if notes:
        parts.append("<p><small>" + "<br>".join(html.escape(n) for n in notes) + "</small></p>")
    parts.append("</div>")
    return "".join(parts)
