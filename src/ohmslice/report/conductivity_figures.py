"""Figures of conductivity measurements: Nyquist plots with their fits, the Arrhenius plot.

Reads results only: :class:`~ohmslice.impedance.conductivity.PelletConductivity`,
:class:`~ohmslice.impedance.conductivity.CompositeConductivity`,
:class:`~ohmslice.impedance.conductivity.ConductivitySeries` and
:class:`~ohmslice.impedance.conductivity.Arrhenius`. Figures are
:class:`matplotlib.figure.Figure` objects (no GUI backend); with ``path`` they are also
written (png, pdf or svg) through a temporary file and a rename.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..errors import InputError
from ._save import save_figure
from ._style import PALETTE

__all__ = ["plot_arrhenius", "plot_conductivity", "plot_conductivity_nyquist"]

T0_K = 273.15
#: at most this many Nyquist panels (the rest are named in the figure)
MAX_PANELS = 6


def _results(results: Any) -> list[Any]:
    from ..impedance.conductivity import (
        CompositeConductivity,
        ConductivitySeries,
        PelletConductivity,
    )

    if isinstance(results, ConductivitySeries):
        return list(results.results)
    if isinstance(results, (PelletConductivity, CompositeConductivity)):
        return [results]
    out = list(results)
    for r in out:
        if not isinstance(r, (PelletConductivity, CompositeConductivity)):
            raise InputError(f"expected conductivity results to plot, got {type(r).__name__}")
    if not out:
        raise InputError("no conductivity result to plot")
    return out


def _label(r: Any, k: int) -> str:
    name = Path(r.source).name if r.source else f"spectrum {k}"
    if np.isfinite(r.temperature_C):
        name += f", {r.temperature_C:g} °C"
    return name


def _nyquist(ax: Axes, r: Any, k: int, color: str) -> None:
    fit = r.fit
    if fit is None:
        ax.text(0.5, 0.5, "no fit", transform=ax.transAxes, ha="center")
        return
    spec = fit.spectrum
    z = spec.z
    f = spec.freq
    ax.plot(z.real, -z.imag, "o", ms=3, mfc="none", color="k", label="data")
    ff = np.geomspace(f.min(), f.max(), 300)
    zf = fit.predict(ff)
    ok = getattr(r, "success", True)
    ax.plot(zf.real, -zf.imag, "-", color=color if ok else "0.5", lw=1.3,
            label=f"fit {fit.circuit.text}" + ("" if ok else " (not usable)"))  # fmt: skip
    # zoom on the electrolyte: up to ~2.5x its resistance along Z' (the spike beyond)
    if hasattr(r, "r_total_ohm"):
        r_mark = r.r_total_ohm
        offset = 0.0 if not np.isfinite(r.r_series_ohm) else r.r_series_ohm
        x0 = offset + r_mark
        what = "R_total" if r.method == "arc" else "R (intercept)"
    else:
        r_mark = r.r_ion_ohm * (2 if r.symmetric else 1) / 3
        x0 = r.r_series_ohm + r_mark
        what = "R0 + R_ion/3"
    if np.isfinite(x0) and x0 > 0:
        span = 2.5 * max(x0, float(np.min(z.real)) if z.size else x0)
        ax.set_xlim(min(0.0, float(z.real.min())) - 0.05 * span, span)
        ax.set_ylim(-0.1 * span, 0.9 * span)
        ax.axvline(x0, color=color, lw=0.8, ls=":")
        ax.annotate(f"{what}\n{x0:.4g} Ω", (x0, 0), xytext=(4, -14), textcoords="offset points",
                    fontsize=7, color=color)  # fmt: skip
    ax.set_aspect("equal", adjustable="box")
    ax.axhline(0, color="0.7", lw=0.6)
    ax.set_xlabel("Z' [Ω]")
    ax.set_ylabel("-Z'' [Ω]")
    sig = r.sigma_S_cm if hasattr(r, "sigma_S_cm") else r.sigma_eff_S_cm
    err = r.sigma_err_S_cm if hasattr(r, "sigma_err_S_cm") else r.sigma_eff_err_S_cm
    sub = f"σ = {sig:.3g} ± {err:.2g} S/cm" if np.isfinite(sig) else "not usable"
    if getattr(r, "method", "") == "intercept":
        sub += " (intercept)"
    ax.set_title(f"{_label(r, k)}\n{sub}", fontsize=8)
    ax.legend(fontsize=6.5, loc="upper left")


def plot_conductivity_nyquist(results: Any, path: str | Path | None = None) -> Figure:
    """Nyquist plot of every spectrum with its chosen fit, zoomed on the electrolyte
    (Z' up to 2.5 times its resistance), the resistance read marked on the real axis
    and sigma in the panel's title; at most :data:`MAX_PANELS` panels."""
    res = _results(results)
    shown = res[:MAX_PANELS]
    ncol = min(3, len(shown))
    nrow = int(np.ceil(len(shown) / ncol))
    fig = Figure(figsize=(3.3 * ncol, 3.2 * nrow + 0.3), layout="constrained")
    axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
    for k, (ax, r) in enumerate(zip(axes, shown, strict=False)):
        _nyquist(ax, r, k, PALETTE[k % len(PALETTE)])
    for ax in axes[len(shown) :]:
        ax.set_visible(False)
    if len(res) > len(shown):
        fig.suptitle(f"first {len(shown)} of {len(res)} spectra", fontsize=8)
    if path is not None:
        save_figure(fig, path)
    return fig


def _arrhenius_axes(ax: Axes, fit: Any, results: Sequence[Any] | None) -> None:
    d = fit.data
    x = 1000.0 / d["temperature_K"].to_numpy()
    s = d["sigma_S_cm"].to_numpy()
    e = d["sigma_err_S_cm"].to_numpy()
    sys_e = s * fit.systematic_rel_err
    tot = np.hypot(e, sys_e)
    intercept = np.zeros(len(d), dtype=bool)
    if results is not None:
        use = [r for r in results if r.success and np.isfinite(r.temperature_C)]
        if len(use) == len(d):
            intercept = np.array([getattr(r, "method", "arc") == "intercept" for r in use])
    for mask, mfc, lab in ((~intercept, PALETTE[0], "bulk arc"),
                           (intercept, "white", "HF intercept")):  # fmt: skip
        if mask.any():
            ax.errorbar(x[mask], s[mask], yerr=tot[mask], fmt="o", ms=5, color=PALETTE[0],
                        mfc=mfc, capsize=2, label=lab)  # fmt: skip
    t_lo, t_hi = d["temperature_K"].min(), d["temperature_K"].max()
    t_ref = fit.t_ref_C + T0_K
    tt = np.linspace(min(t_lo, t_ref) - 5, max(t_hi, t_ref) + 5, 200)
    line = fit.sigma_at(tt - T0_K)
    band = fit.sigma_err_at(tt - T0_K)
    ax.plot(1000 / tt, line, "-", color=PALETTE[1], lw=1.2,
            label=f"fit: Ea = {fit.ea_eV:.3f} ± {fit.ea_err_eV:.2g} eV")  # fmt: skip
    ax.fill_between(1000 / tt, np.exp(np.log(line) - 1.96 * band / line),
                    np.exp(np.log(line) + 1.96 * band / line), color=PALETTE[1], alpha=0.15,
                    lw=0, label="95 % band")  # fmt: skip
    ax.plot([1000 / t_ref], [fit.sigma_ref_S_cm], "D", color=PALETTE[1], ms=5,
            label=f"σ({fit.t_ref_C:g} °C) = {fit.sigma_ref_S_cm:.3g} ± "
                  f"{fit.sigma_ref_err_S_cm:.2g} S/cm"
                  + (" (extrapolated)" if fit.extrapolated else ""))  # fmt: skip
    ax.set_yscale("log")
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi * (hi / lo) ** 0.6)  # headroom for the legend
    ax.set_xlabel("1000 / T [1/K]")
    ax.set_ylabel("σ [S/cm]")
    ax.set_title("Arrhenius plot", fontsize=8)
    ax.legend(fontsize=6.5, loc="upper right")
    top = ax.secondary_xaxis("top", functions=(lambda v: 1000 / np.maximum(v, 1e-9) - T0_K,
                                               lambda c: 1000 / (c + T0_K)))  # fmt: skip
    top.set_xlabel("T [°C]")


def plot_arrhenius(fit: Any, path: str | Path | None = None, *, results: Any = None) -> Figure:
    """The Arrhenius plot: sigma (log) against 1000/T with error bars (random and
    systematic), the fitted sigma T = A exp(-Ea/kT) with its 95 % band, sigma at the
    reference temperature marked, a degC axis on top. ``fit`` is an
    :class:`~ohmslice.impedance.conductivity.Arrhenius` or a
    :class:`~ohmslice.impedance.conductivity.ConductivitySeries` (its points drawn
    hollow where the bulk arc was above the band)."""
    from ..impedance.conductivity import Arrhenius, ConductivitySeries

    if isinstance(fit, ConductivitySeries):
        results = fit.results
        fit = fit.arrhenius
        if fit is None:
            raise InputError("no Arrhenius fit to plot: fewer than two usable spectra at "
                             "distinct known temperatures")  # fmt: skip
    if not isinstance(fit, Arrhenius):
        raise InputError(f"expected an Arrhenius fit to plot, got {type(fit).__name__}")
    fig = Figure(figsize=(4.6, 3.8), layout="constrained")
    _arrhenius_axes(fig.add_subplot(), fit, results)
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_conductivity(results: Any, path: str | Path | None = None) -> Figure:
    """Nyquist panels of every spectrum (at most three, then the Arrhenius plot beside
    them when the results are a series with an Arrhenius fit); see
    :func:`plot_conductivity_nyquist` and :func:`plot_arrhenius`."""
    from ..impedance.conductivity import ConductivitySeries

    res = _results(results)
    fit = results.arrhenius if isinstance(results, ConductivitySeries) else None
    if fit is None:
        return plot_conductivity_nyquist(res, path)
    shown = res[: MAX_PANELS - 1]
    n = len(shown) + 1
    ncol = min(3, n)
    nrow = int(np.ceil(n / ncol))
    fig = Figure(figsize=(3.4 * ncol, 3.3 * nrow + 0.3), layout="constrained")
    axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
    _arrhenius_axes(axes[0], fit, res)
    for k, (ax, r) in enumerate(zip(axes[1:], shown, strict=False)):
        _nyquist(ax, r, k, PALETTE[k % len(PALETTE)])
    for ax in axes[n:]:
        ax.set_visible(False)
    if len(res) > len(shown):
        fig.suptitle(f"Nyquist: first {len(shown)} of {len(res)} spectra", fontsize=8)
    if path is not None:
        save_figure(fig, path)
    return fig
