"""Figures of conductivity measurements: Nyquist plots with their fits, the Arrhenius plot.

Reads results only: :class:`~ohmslice.impedance.conductivity.PelletConductivity`,
:class:`~ohmslice.impedance.conductivity.CompositeConductivity`,
:class:`~ohmslice.impedance.conductivity.ConductivitySeries` and
:class:`~ohmslice.impedance.conductivity.Arrhenius`. Figures are
:class:`matplotlib.figure.Figure` objects (no GUI backend); with ``path`` they are also
written (png, pdf or svg) through a temporary file and a rename. :func:`fig_arrhenius`
draws the Arrhenius plot of a whole study from its results store (tables
``conductivity``, ``arrhenius``, ``samples``).
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
from ._style import PALETTE, log_axis, new_figure

__all__ = [
    "fig_arrhenius",
    "plot_arrhenius",
    "plot_conductivity",
    "plot_conductivity_nyquist",
    "sample_colors",
]

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


# --- the study figure, from the stored tables -------------------------------------------
def _stored_fit(row: Any) -> Any:
    """An :class:`~ohmslice.impedance.conductivity.Arrhenius` of a row of the stored
    ``arrhenius`` table (for its line and 95 % band; no points)."""
    import pandas as pd

    from ..impedance.conductivity import Arrhenius

    sys_rel = float(row.systematic_rel_err) if np.isfinite(row.systematic_rel_err) else 0.0
    var_a = max(float(row.ln_prefactor_err) ** 2 - sys_rel**2, 0.0)
    cov = float(row.cov_ln_prefactor_ea_eV) if np.isfinite(row.cov_ln_prefactor_ea_eV) else 0.0
    c = np.array([[var_a, cov], [cov, float(row.ea_err_eV) ** 2]])
    return Arrhenius(
        ea_eV=float(row.ea_eV), ea_err_eV=float(row.ea_err_eV),
        ln_prefactor=float(row.ln_prefactor), ln_prefactor_err=float(row.ln_prefactor_err),
        sigma_ref_S_cm=float(row.sigma_25C_S_cm), sigma_ref_err_S_cm=float(row.sigma_25C_err_S_cm),
        sigma_ref_ci95_S_cm=(float(row.sigma_25C_ci_low_S_cm), float(row.sigma_25C_ci_high_S_cm)),
        t_ref_C=25.0, extrapolated=bool(row.extrapolated), covariance=c,
        chi2_reduced=float(row.chi2_reduced), weighted=bool(row.weighted),
        systematic_rel_err=sys_rel, data=pd.DataFrame(),
    )  # fmt: skip


def sample_colors(tables: Any, colors: dict[str, str]) -> dict[str, str]:
    """Colour of each sample: a composite electrode that one cell links to has the cell's
    (its first such composite; the others and every electrolyte pellet take the palette's
    colours after the cells')."""
    samples = tables["samples"]
    out: dict[str, str] = {}
    k = len(colors)
    taken: set[str] = set()
    for r in samples.itertuples():
        linked = [c for c in str(r.cells or "").split("; ") if c]
        own = len(linked) == 1 and linked[0] in colors and linked[0] not in taken
        if own and r.kind == "composite electrode":
            out[str(r.sample)] = colors[linked[0]]
            taken.add(linked[0])
        else:
            out[str(r.sample)] = PALETTE[k % len(PALETTE)]
            k += 1
    return out


def fig_arrhenius(tables: Any, colors: dict[str, str]) -> Any:
    """Ionic conductivity of every sample against 1000/T (log), with each sample's
    Arrhenius fit and 95 % band, from the stored tables ``conductivity``, ``arrhenius``
    and ``samples``: the study's Arrhenius plot."""
    from ._common import Drawn, Skip, flag_bool

    cond = tables["conductivity"]
    if not len(cond):
        raise Skip("the store holds no conductivity measurement ([[sample]] in the study file)")
    ion = cond[(cond["carrier"] == "ionic") & np.isfinite(cond["temperature_C"].to_numpy(float))]
    ok = flag_bool(ion["success"]) & np.isfinite(ion["sigma_S_cm"].to_numpy(float))
    left_out = ion[~ok]
    ion = ion[ok]
    if not len(ion):
        raise Skip("no usable ionic conductivity at a known temperature")
    fits = tables["arrhenius"]
    col = sample_colors(tables, colors)
    fig, axes = new_figure(3.6, left=0.75, right=2.5, top=0.55)
    ax = axes[0, 0]
    order = list(dict.fromkeys(ion["sample"]))
    handles: list[Any] = []
    t_all = ion["temperature_C"].to_numpy(float)
    for k, name in enumerate(order):
        d = ion[ion["sample"] == name]
        colour = col.get(name, PALETTE[k % len(PALETTE)])
        kind = str(d["kind"].iloc[0])
        marker = "o" if kind == "electrolyte pellet" else "s"
        x = 1000.0 / (d["temperature_C"].to_numpy(float) + T0_K)
        y = d["sigma_S_cm"].to_numpy(float)
        e = d["sigma_err_S_cm"].to_numpy(float)
        hollow = (d["method"] == "intercept").to_numpy()
        for mask, mfc, extra in ((~hollow, colour, ""), (hollow, "white", ", HF intercept")):
            if mask.any():
                handles.append(ax.errorbar(x[mask], y[mask], yerr=np.nan_to_num(e[mask]),
                                           fmt=marker, ms=4, color=colour, mfc=mfc,
                                           capsize=1.5, lw=0.8, label=f"{name}{extra}"))  # fmt: skip
        f = fits[fits["sample"] == name] if len(fits) else fits
        if len(f):
            fit = _stored_fit(next(f.itertuples()))
            t = d["temperature_C"].to_numpy(float)
            tt = np.linspace(min(t.min(), 25.0) - 5, max(t.max(), 25.0) + 5, 200)
            line, band = fit.sigma_at(tt), fit.sigma_err_at(tt)
            xx = 1000.0 / (tt + T0_K)
            handles += ax.plot(xx, line, "-", color=colour, lw=1.0,
                               label=f"  Ea = {fit.ea_eV:.3f} ± {fit.ea_err_eV:.2g} eV")  # fmt: skip
            ax.fill_between(xx, line * np.exp(-1.96 * band / line),
                            line * np.exp(1.96 * band / line), color=colour, alpha=0.15, lw=0)  # fmt: skip
            handles += ax.plot([1000.0 / (25.0 + T0_K)], [fit.sigma_ref_S_cm], "D",
                               color=colour, ms=4, mfc="white",
                               label=f"  σ(25 °C) = {fit.sigma_ref_S_cm:.3g} ± "
                                     f"{fit.sigma_ref_err_S_cm:.2g} S/cm")  # fmt: skip
    log_axis(ax, "y")
    ax.set_xlabel("1000 / T / K⁻¹")
    ax.set_ylabel("σ / S cm⁻¹")
    lo_t, hi_t = float(np.min(t_all)), float(np.max(t_all))
    ax.set_xlim(1000.0 / (max(hi_t, 25.0) + 10 + T0_K), 1000.0 / (min(lo_t, 25.0) - 10 + T0_K))
    top = ax.secondary_xaxis("top", functions=(lambda v: 1000 / np.maximum(v, 1e-9) - T0_K,
                                               lambda c: 1000 / (c + T0_K)))  # fmt: skip
    top.set_xlabel("T / °C", fontsize=7)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    notes = [f"{r.sample} ({r.key}, {r.temperature_C:g} °C): not usable, left out: {r.reasons}"
             for r in left_out.itertuples()]  # fmt: skip
    caption = (
        "Ionic conductivity of every sample against inverse temperature (log scale; error "
        "bars: one standard error, fit and geometry), with each sample's fit of "
        "σT = A exp(-Ea/kT) and its 95 % band where measured at two or more temperatures; "
        "the diamond is σ at 25 °C. Open circles: the bulk arc lies above the measured "
        "frequencies, the resistance is the high-frequency intercept (σ a lower bound of the "
        "bulk's). Circles: electrolyte pellets; squares: composite electrodes (effective "
        "conductivity). Electronic conductivities are in Table S1."
    )
    return Drawn(fig, caption, notes)
