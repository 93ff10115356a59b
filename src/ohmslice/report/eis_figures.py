"""Figures of impedance analyses: Nyquist, Bode and DRT panels, and the lin-KK residuals.

Reads results only: a :class:`~ohmslice.schema.Spectrum`, optionally a circuit fit (any
object with ``predict(freq_hz)``, such as :class:`ohmslice.impedance.fit.FitResult`), a
:class:`~ohmslice.impedance.drt.DrtResult` and a :class:`~ohmslice.impedance.kk.KKResult`.
Figures are :class:`matplotlib.figure.Figure` objects (no GUI backend); with ``path`` they
are also written (png, pdf or svg) through a temporary file and a rename.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from ..errors import InputError
from ..schema import Spectrum
from ._save import save_figure

if TYPE_CHECKING:
    from ..impedance.drt import DrtResult
    from ..impedance.kk import KKResult

__all__ = ["plot_drt", "plot_kk", "plot_spectrum"]

DATA = {"ls": "none", "marker": "o", "ms": 3.5, "mfc": "none", "color": "k", "label": "data"}
FIT = {"color": "tab:red", "lw": 1.5}
DRT_FIT = {"color": "tab:blue", "lw": 1.0, "ls": "--"}


def _label(fit: Any) -> str:
    circuit = getattr(fit, "circuit", None)
    text = getattr(circuit, "text", None)
    label = f"fit {text}" if text else "fit"
    if getattr(fit, "success", True) is False:  # judged not usable (FitResult.reasons)
        label += " (not usable)"
    return label


def _fine(freq: np.ndarray) -> np.ndarray:
    return np.geomspace(freq.min(), freq.max(), max(200, 4 * freq.size))


def _nyquist(ax: Axes, spectrum: Spectrum, fit: Any, drt: DrtResult | None) -> None:
    z = spectrum.z
    ax.plot(z.real, -z.imag, **DATA)
    if fit is not None:
        zf = np.asarray(fit.predict(_fine(spectrum.freq)))
        ax.plot(zf.real, -zf.imag, label=_label(fit), **FIT)
    if drt is not None:
        ax.plot(drt.z_fit.real, -drt.z_fit.imag, label="DRT", **DRT_FIT)
    ax.set_xlabel("Z' [Ohm]")
    ax.set_ylabel("-Z'' [Ohm]")
    ax.set_aspect("equal", adjustable="datalim")
    ax.axhline(0, color="0.7", lw=0.6)
    ax.set_title("Nyquist")
    ax.legend(fontsize=7)


def _bode(ax_mod: Axes, ax_ph: Axes, spectrum: Spectrum, fit: Any, drt: DrtResult | None) -> None:
    f, z = spectrum.freq, spectrum.z
    ax_mod.loglog(f, np.abs(z), **DATA)
    ax_ph.semilogx(f, -np.angle(z, deg=True), **DATA)
    if fit is not None:
        ff = _fine(f)
        zf = np.asarray(fit.predict(ff))
        ax_mod.loglog(ff, np.abs(zf), label=_label(fit), **FIT)
        ax_ph.semilogx(ff, -np.angle(zf, deg=True), **FIT)
    if drt is not None:
        ax_mod.loglog(drt.freq_hz, np.abs(drt.z_fit), label="DRT", **DRT_FIT)
        ax_ph.semilogx(drt.freq_hz, -np.angle(drt.z_fit, deg=True), **DRT_FIT)
    ax_mod.set_ylabel("|Z| [Ohm]")
    ax_mod.set_title("Bode")
    ax_ph.set_ylabel("-phase [deg]")
    ax_ph.set_xlabel("frequency [Hz]")


_LAMBDA_HOW = {"gcv": "GCV", "lcurve": "L-curve", "fixed": "fixed"}


def _drt_axes(ax: Axes, drt: DrtResult, prominence: float) -> None:
    tau, g, ge = drt.tau_s, drt.gamma_ohm, drt.gamma_err_ohm
    # the time constants the data do not reach, shaded: peaks there are extrapolated
    t_fast, t_slow = drt.tau_measured_s
    lo, hi = float(tau.min()), float(tau.max())
    band = blended_transform_factory(ax.transData, ax.transAxes)
    for a, b, text in ((min(lo, t_fast), t_fast, "above\nf_max"), (t_slow, max(hi, t_slow),
                                                                  "below\nf_min")):  # fmt: skip
        if b > a:
            ax.axvspan(a, b, color="0.88", zorder=0, lw=0)
            ax.text(np.sqrt(a * b), 0.98, text, transform=band, ha="center", va="top",
                    fontsize=6.5, color="0.4")  # fmt: skip
    ax.semilogx(tau, g, color="tab:blue", lw=1.5, label="gamma")
    if np.any(ge > 0):
        ax.fill_between(tau, np.clip(g - 2 * ge, 0, None), g + 2 * ge, color="tab:blue", alpha=0.2)
    peaks = drt.peaks(prominence=prominence)
    for i, pk in enumerate(peaks.itertuples(), start=1):
        measured = bool(pk.in_band)
        ax.plot(
            pk.tau_s,
            pk.gamma_ohm,
            "v",
            color="tab:red" if measured else "0.45",
            mfc="tab:red" if measured else "none",
            ms=6,
        )
        ax.annotate(
            f"{i}: {pk.r_ohm:.3g} Ohm\n{pk.tau_s:.2g} s" + ("" if measured else "\n(not measured)"),
            (pk.tau_s, pk.gamma_ohm),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=7,
            color="k" if measured else "0.35",
        )
        for edge in (pk.tau_lo_s, pk.tau_hi_s):
            ax.axvline(edge, color="0.8", lw=0.6, zorder=0)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("tau [s]  (shaded: outside 1/(2 pi f) of the data)")
    ax.set_ylabel("gamma [Ohm]")
    ax.set_ylim(bottom=0, top=1.25 * max(float(np.max(g + 2 * ge)), 1e-300))
    how = _LAMBDA_HOW.get(drt.lam_method, drt.lam_method)
    if drt.lam_method != "fixed" and drt.settings.get("lambda_at_bound"):
        how += " at the end of its range"
    ax.set_title(f"DRT (lambda = {drt.lam:.2g}, {how})")


def plot_spectrum(
    spectrum: Spectrum,
    fit: Any = None,
    drt: DrtResult | None = None,
    path: str | Path | None = None,
    *,
    prominence: float = 0.02,
    title: str | None = None,
) -> Figure:
    """Nyquist (equal axes, -Z'' up), Bode |Z| and phase, and the DRT with its peaks.

    Parameters
    ----------
    spectrum
        The measured spectrum (points).
    fit
        A circuit fit drawn over the data (needs ``predict(freq_hz)``), or None; a fit
        judged not usable (``success`` False) is labelled so in the legend.
    drt
        A DRT result: its reconstruction is drawn over the data and gamma(tau) with a
        2-sigma bootstrap band and numbered peaks in a fourth panel, where the time
        constants outside the measured range are shaded and peaks there are drawn hollow
        and marked "not measured"; its title gives lambda and how it was chosen.
    path
        Where to write the figure (.png, .pdf, .svg), or None.
    prominence
        Peak prominence floor passed to :meth:`DrtResult.peaks`.
    title
        Figure title; default the spectrum's source file.

    Raises
    ------
    InputError
        ``spectrum`` is not a Spectrum, ``fit`` cannot predict, or ``path`` is unusable.
    """
    if not isinstance(spectrum, Spectrum):
        raise InputError(f"expected a Spectrum to plot, got {type(spectrum).__name__}")
    if fit is not None and not callable(getattr(fit, "predict", None)):
        raise InputError(f"fit: expected a result with predict(freq), got {type(fit).__name__}")
    fig = Figure(figsize=(10, 7.5), layout="constrained")
    grid = fig.add_gridspec(2, 2)
    ax_ny = fig.add_subplot(grid[0, 0])
    right = grid[:, 1].subgridspec(2, 1, hspace=0.0)
    ax_mod = fig.add_subplot(right[0])
    ax_ph = fig.add_subplot(right[1], sharex=ax_mod)
    _nyquist(ax_ny, spectrum, fit, drt)
    _bode(ax_mod, ax_ph, spectrum, fit, drt)
    ax_mod.tick_params(labelbottom=False)
    if drt is not None:
        _drt_axes(fig.add_subplot(grid[1, 0]), drt, prominence)
    else:
        ax_ny.remove()
        ax_ny = fig.add_subplot(grid[:, 0])
        _nyquist(ax_ny, spectrum, fit, drt)
    fig.suptitle(title if title is not None else (spectrum.source or "impedance spectrum"))
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_drt(drt: DrtResult, path: str | Path | None = None, *, prominence: float = 0.02) -> Figure:
    """gamma(tau) alone, with its bootstrap band and numbered peaks; the time constants
    outside the measured range (1/(2 pi f_max) .. 1/(2 pi f_min)) are shaded and peaks
    there drawn hollow and marked "not measured"; the title gives lambda and how it was
    chosen."""
    fig = Figure(figsize=(6, 4), layout="constrained")
    _drt_axes(fig.add_subplot(), drt, prominence)
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_kk(kk_result: KKResult, path: str | Path | None = None) -> Figure:
    """lin-KK residuals vs frequency (in % of |Z|) with the pass band, and Nyquist.

    The title states M, mu, the largest residual, the threshold and the verdict.
    """
    r = kk_result
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax_res, ax_ny = fig.subplots(1, 2, width_ratios=(1.6, 1))
    f = r.freq_hz
    ax_res.axhspan(-100 * r.threshold, 100 * r.threshold, color="tab:green", alpha=0.12)
    ax_res.semilogx(f, 100 * r.residuals_real, "o-", ms=3, lw=0.8, label="real")
    ax_res.semilogx(f, 100 * r.residuals_imag, "s-", ms=3, lw=0.8, label="imaginary")
    ax_res.axhline(0, color="0.5", lw=0.6)
    ax_res.set_xlabel("frequency [Hz]")
    ax_res.set_ylabel("(Z - Z_KK)/|Z| [%]")
    ax_res.legend(fontsize=8)
    ax_ny.plot(r.z.real, -r.z.imag, **DATA)
    ax_ny.plot(r.z_fit.real, -r.z_fit.imag, label=f"lin-KK, M = {r.m}", **FIT)
    ax_ny.set_aspect("equal", adjustable="datalim")
    ax_ny.set_xlabel("Z' [Ohm]")
    ax_ny.set_ylabel("-Z'' [Ohm]")
    ax_ny.legend(fontsize=7)
    verdict = "pass" if r.passed else "FAIL"
    fig.suptitle(
        f"lin-KK: M = {r.m}, mu = {r.mu:.2f} (c = {r.c}); residuals rms "
        f"{100 * r.noise_estimate:.2g} %, max {100 * r.max_residual:.2g} % "
        f"(limit {100 * r.threshold:.2g} %): {verdict}"
    )
    if path is not None:
        save_figure(fig, path)
    return fig
