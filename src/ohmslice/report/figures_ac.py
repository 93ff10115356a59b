"""The study's impedance figures, drawn from the stored tables: half-cell Nyquist with
fits (the reference paper's Fig. 2), symmetric-cell Nyquist per electrode (Fig. 3), GITT
against EIS (Fig. S7), the DRT of every spectrum, circuit-fit residuals against the
lin-KK level, and lin-KK residuals (where the store holds them).

Each ``fig_*`` function takes the tables of one results store and the cells' colours and
returns a :class:`~ohmslice.report._common.Drawn` or raises
:class:`~ohmslice.report._common.Skip`. Column meanings: ``docs/results.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ._common import Drawn, Skip, cells_in_order, flag_bool
from ._style import FLAGGED, log_axis, new_figure

__all__ = [
    "fig_half_nyquist",
    "fig_symmetric_nyquist",
    "fig_gitt_vs_eis",
    "fig_drt",
    "fig_fit_residuals",
    "fig_kk_residuals",
]

KINDS = {"symmetric": "symmetric cell, per electrode", "half": "half cell"}


def _grid(n: int, most: int = 3) -> tuple[int, int]:
    ncols = min(n, most)
    return -(-n // ncols), ncols


def _fit_usable(tables: Any) -> dict[tuple[str, str, float], bool]:
    """(cell, spectrum, SOC) -> the circuit fit describes the spectrum and the time
    constants accepted it (``eis_fits.success`` and ``accepted``)."""
    f = tables["eis_fits"]
    if not len(f):
        return {}
    ok = flag_bool(f["success"], default=True) & flag_bool(f["accepted"], default=True)
    g = pd.Series(ok, index=f.index).groupby([f["cell"], f["spectrum"], f["soc_pct"]]).all()
    return {(str(c), str(k), float(s)): bool(v) for (c, k, s), v in g.items()}


def _spectra(tables: Any, kind: str) -> pd.DataFrame:
    sp = tables["spectra"]
    if not len(sp):
        raise Skip("the store holds no impedance spectra (spectra is empty)")
    sp = sp[sp["spectrum"] == kind]
    if not len(sp):
        raise Skip(f"no {KINDS[kind]} spectra were given")
    return sp


def _nyquist(tables: Any, colors: dict[str, str], kind: str) -> Drawn:
    sp = _spectra(tables, kind)
    usable = _fit_usable(tables)
    socs = sorted(sp["soc_pct"].unique(), reverse=True)
    cells = [c for c in cells_in_order(tables) if c in set(sp["cell"])] or sorted(set(sp["cell"]))
    nrows, ncols = _grid(len(socs))
    side = (7.0 - 0.6 - 0.15 - 0.55 * (ncols - 1)) / ncols
    fig, axes = new_figure(0.75 + nrows * side + (nrows - 1) * 0.55, nrows, ncols, wspace=0.55,
                           top=0.5)  # fmt: skip
    notes = []
    for ax, soc in zip(axes.ravel(), socs, strict=False):
        x_hi = 0.0
        for cell in cells:
            d = sp[(sp["cell"] == cell) & (sp["soc_pct"] == soc)]
            if not len(d):
                continue
            zr, zi = d["z_real_ohm"].to_numpy(float), -d["z_imag_ohm"].to_numpy(float)
            ax.plot(zr, zi, "o", ms=2.4, mfc="none", mew=0.6, color=colors[cell], label=cell)
            fr, fi = d["z_fit_real_ohm"].to_numpy(float), -d["z_fit_imag_ohm"].to_numpy(float)
            if np.isfinite(fr).any():
                ok = usable.get((cell, kind, float(soc)), True)
                ax.plot(fr, fi, "-" if ok else ":", color=colors[cell] if ok else FLAGGED,
                        lw=1.0)  # fmt: skip
                if not ok:
                    notes.append(f"{cell}, SOC {soc:g} %: the circuit fit is not usable "
                                 "(eis_fits.success/accepted); drawn dotted grey")  # fmt: skip
            # the view: the arcs, up to where the low-frequency tail rises above the span
            span = np.nanmax(zr) - min(np.nanmin(zr), 0.0)
            inside = zi <= 1.1 * span
            x_hi = max(x_hi, float(np.nanmax(zr[inside])) if inside.any() else float(np.nanmax(zr)))
        x_lo = min(0.0, float(np.nanmin(sp.loc[sp["soc_pct"] == soc, "z_real_ohm"])))
        pad = 0.05 * (x_hi - x_lo)
        ax.set_xlim(x_lo - pad, x_hi + pad)
        ax.set_ylim(-pad, x_hi - x_lo + pad)
        ax.set_aspect("equal", adjustable="box")
        ax.set_title(f"SOC {soc:g} %", loc="left")
        ax.set_xlabel("Z' / Ω")
        ax.set_ylabel("-Z'' / Ω")
    for ax in axes.ravel()[len(socs) :]:
        ax.set_visible(False)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncol=len(labels), fontsize=7)
    what = KINDS[kind]
    caption = (
        f"Nyquist plots of the {what} spectra at each SOC (as the study file gives it): "
        "measured impedance (circles) and the fitted circuit "
        + (f"{_circuits(tables, kind)} " if _circuits(tables, kind) else "")
        + "(lines), -Z'' up, equal axes"
        + (
            "; per electrode is (Z_sym - R_sep) / 2 of the symmetric cell of two cathodes "
            "at that SOC"
            if kind == "symmetric"
            else ""
        )
        + ". The view ends where the low-frequency tail rises above the width of the arcs."
    )
    return Drawn(fig, caption, list(dict.fromkeys(notes)))


def _circuits(tables: Any, kind: str) -> str:
    f = tables["eis_fits"]
    if not len(f):
        return ""
    c = sorted(set(f.loc[f["spectrum"] == kind, "circuit"].dropna().astype(str)))
    return ", ".join(c)


def fig_half_nyquist(tables: Any, colors: dict[str, str]) -> Drawn:
    """Half-cell Nyquist at each SOC, every cell on the same axes, with the fits."""
    return _nyquist(tables, colors, "half")


def fig_symmetric_nyquist(tables: Any, colors: dict[str, str]) -> Drawn:
    """Symmetric-cell Nyquist per electrode at each SOC, every cell, with the fits."""
    return _nyquist(tables, colors, "symmetric")


# --- Fig. S7 ---------------------------------------------------------------------------
COMPONENT_MARKERS = {"r1": ("o", "R1 contact"), "r2": ("s", "R2 charge transfer"),
                     "r3": ("^", "R3 diffusion")}  # fmt: skip


def fig_gitt_vs_eis(tables: Any, colors: dict[str, str]) -> Drawn:
    """R1, R2, R3 of the GITT pulse nearest each spectrum's SOC against the symmetric-cell
    fit's (``gitt_eis``): a) one against the other with the 1:1 line, b) their ratio with
    its standard error against SOC. Pulses that failed their checks: hollow markers."""
    ge = tables["gitt_eis"]
    if not len(ge):
        raise Skip("the store holds no GITT-vs-EIS comparison (gitt_eis is empty: it needs a "
                   "GITT and symmetric-cell spectra of the same cell)")  # fmt: skip
    cells = [c for c in cells_in_order(tables) if c in set(ge["cell"])] or sorted(set(ge["cell"]))
    fig, axes = new_figure(3.3, 1, 2, wspace=0.75, right=1.45, top=0.3)
    a, b = axes[0]
    lo, hi, notes = np.inf, 0.0, []
    for i, cell in enumerate(cells):
        d = ge[ge["cell"] == cell]
        ok = flag_bool(d["pulse_usable"], default=True)
        if (~ok).any():
            notes.append(
                f"{cell}: the pulse nearest SOC "
                f"{', '.join(f'{s:g} %' for s in d['soc_pct'][~ok])} failed its method's "
                "checks; hollow markers"
            )
        for j, (comp, (mk, _)) in enumerate(COMPONENT_MARKERS.items()):
            r_eis = d[f"{comp}_eis_ohm"].to_numpy(float)
            r_gitt = d[f"{comp}_gitt_ohm"].to_numpy(float)
            ratio, err = d[f"{comp}_ratio"].to_numpy(float), d[f"{comp}_ratio_err"].to_numpy(float)
            fin = np.isfinite(r_eis) & np.isfinite(r_gitt) & (r_eis > 0) & (r_gitt > 0)
            for sel, face in ((fin & ok, colors[cell]), (fin & ~ok, "none")):
                if sel.any():
                    a.plot(r_eis[sel], r_gitt[sel], mk, ms=4, mfc=face, mec=colors[cell], mew=0.8)
            if fin.any():
                both = np.r_[r_eis[fin], r_gitt[fin]]
                lo, hi = min(lo, float(both.min())), max(hi, float(both.max()))
            soc = d["soc_pct"].to_numpy(float) + (i - (len(cells) - 1) / 2) * 1.2 + (j - 1) * 0.4
            rf = np.isfinite(ratio)
            for sel, face in ((rf & ok, colors[cell]), (rf & ~ok, "none")):
                if sel.any():
                    b.errorbar(soc[sel], ratio[sel], yerr=np.nan_to_num(err[sel]), fmt=mk, ms=4,
                               mfc=face, mec=colors[cell], ecolor=colors[cell], capsize=1.5,
                               elinewidth=0.7)  # fmt: skip
    if np.isfinite(lo) and hi > 0:
        ends = [lo / 1.5, hi * 1.5]
        a.plot(ends, ends, color="0.5", lw=0.7, ls="--")
        log_axis(a, "x", plain=True)
        log_axis(a, "y", plain=True)
        a.set_xlim(ends)
        a.set_ylim(ends)
    a.set_xlabel("R from EIS (symmetric cell, per electrode) / Ω")
    a.set_ylabel("R from the GITT pulse / Ω")
    a.set_title("a) GITT against EIS (dashed: 1:1)", loc="left")
    b.axhline(1.0, color="0.5", lw=0.7, ls="--")
    b.set_xlabel("SOC of the spectrum / %")
    b.set_ylabel("R GITT / R EIS")
    b.set_title("b) ratio ± standard error", loc="left")
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], ls="none", marker=mk, color="0.3", label=lab)
               for mk, lab in COMPONENT_MARKERS.values()]  # fmt: skip
    handles += [Line2D([], [], ls="none", marker="o", color=colors[c], label=c) for c in cells]
    b.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    caption = (
        "GITT against EIS at the SOCs of the symmetric-cell spectra (the reference paper's "
        "consistency check): R1, R2 and R3 of the GITT pulse nearest in SOC (model method; "
        "diffusion: its DC part where given) against the same processes' resistances from "
        "the symmetric-cell circuit fit, per electrode. Agreement puts the points on the "
        "1:1 line and the ratios at 1; markers are offset a little in SOC to be seen apart."
    )
    return Drawn(fig, caption, notes)


# --- DRT -------------------------------------------------------------------------------
def fig_drt(tables: Any, colors: dict[str, str]) -> Drawn:
    """gamma(tau) of every spectrum, one panel per spectrum kind and SOC, every cell on
    the same axes with a 2-standard-deviation bootstrap band; its peaks marked (hollow
    grey-edged: outside the measured range or otherwise flagged); the time constants
    beyond the measured frequencies shaded."""
    dc = tables["drt_curves"]
    if not len(dc):
        raise Skip("the store holds no DRT (drt_curves is empty)")
    peaks, sp = tables["drt"], tables["spectra"]
    panels = [(k, s) for k in KINDS for s in sorted(dc.loc[dc["spectrum"] == k, "soc_pct"].unique(),
                                                    reverse=True)]  # fmt: skip
    cells = [c for c in cells_in_order(tables) if c in set(dc["cell"])] or sorted(set(dc["cell"]))
    nrows, ncols = _grid(len(panels), most=2)
    fig, axes = new_figure(0.85 + 1.9 * nrows + 0.55 * (nrows - 1), nrows, ncols, sharex=True,
                           wspace=0.6, top=0.5)  # fmt: skip
    n_flag = 0
    for ax, (kind, soc) in zip(axes.ravel(), panels, strict=False):
        d = dc[(dc["spectrum"] == kind) & (dc["soc_pct"] == soc)]
        if len(sp):
            f = sp.loc[(sp["spectrum"] == kind) & (sp["soc_pct"] == soc), "freq_Hz"]
            f = f[f > 0]
            if len(f):
                t_fast, t_slow = 1 / (2 * np.pi * f.max()), 1 / (2 * np.pi * f.min())
                tau = d["tau_s"].to_numpy(float)
                ax.axvspan(min(tau.min(), t_fast), t_fast, color="0.9", lw=0, zorder=0)
                ax.axvspan(t_slow, max(tau.max(), t_slow), color="0.9", lw=0, zorder=0)
                ax.set_xlim(min(tau.min(), t_fast), max(tau.max(), t_slow))
        for cell in cells:
            c = d[d["cell"] == cell]
            if not len(c):
                continue
            tau, g = c["tau_s"].to_numpy(float), c["gamma_ohm"].to_numpy(float)
            e = np.nan_to_num(c["gamma_err_ohm"].to_numpy(float))
            ax.plot(tau, g, color=colors[cell], lw=1.0, label=cell)
            if (e > 0).any():
                ax.fill_between(tau, np.clip(g - 2 * e, 0, None), g + 2 * e, color=colors[cell],
                                alpha=0.18, lw=0)  # fmt: skip
            if len(peaks):
                pk = peaks[(peaks["cell"] == cell) & (peaks["spectrum"] == kind)
                           & (peaks["soc_pct"] == soc)]  # fmt: skip
                good = (
                    flag_bool(pk["in_band"], default=True)
                    & (pk["flag"].fillna("").astype(str) == "").to_numpy()
                )
                n_flag += int((~good).sum())
                ax.plot(pk["tau_s"][good], pk["gamma_ohm"][good], "v", ms=3.5, color=colors[cell])
                ax.plot(pk["tau_s"][~good], pk["gamma_ohm"][~good], "v", ms=4, mfc="none",
                        mec=FLAGGED, mew=0.8)  # fmt: skip
        log_axis(ax, "x", numticks=6)
        ax.set_ylim(bottom=0)
        ax.set_title(f"{KINDS[kind]}, SOC {soc:g} %", loc="left")
        ax.set_ylabel("γ / Ω")
    _grid_footer(fig, axes, len(panels), "τ / s")
    notes = (
        [
            f"{n_flag} DRT peaks lie outside the measured range or are flagged (drt.flag): "
            "hollow grey triangles, their time constants extrapolated"
        ]  # fmt: skip
        if n_flag
        else []
    )
    caption = (
        "Distribution of relaxation times of every spectrum: γ(τ) per unit ln τ "
        "(regularised fit of the spectrum; band: ±2 bootstrap standard deviations), "
        "peaks marked; grey: time constants outside 1/(2π f) of the measured frequencies."
    )
    return Drawn(fig, caption, notes)


def _grid_footer(fig: Any, axes: Any, n_panels: int, xlabel: str) -> None:
    """Finish a grid of panels: the x label under the bottom row, unused panels hidden,
    one legend (the first panel's entries) at the top right."""
    for ax in axes[-1]:
        ax.set_xlabel(xlabel)
    for ax in axes.ravel()[n_panels:]:
        ax.set_visible(False)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncol=len(labels), fontsize=7)


# --- residuals -------------------------------------------------------------------------
def _residual_panels(
    tables: Any,
    data: pd.DataFrame,
    colors: dict[str, str],
    residual: Callable[[pd.DataFrame], np.ndarray],
    mark: Callable[[Any, str, str, float], None],
    ylabel: str,
) -> Any:
    """A grid of residual panels, one per spectrum kind and SOC of ``data`` (rows with
    ``cell``, ``spectrum``, ``soc_pct``, ``freq_Hz``): ``residual(rows)`` [complex, %]
    drawn per cell (solid real, dashed imaginary part), ``mark(ax, cell, kind, soc)``
    adds a panel's reference lines. Returns the figure."""
    panels = [
        (k, s)
        for k in KINDS
        for s in sorted(data.loc[data["spectrum"] == k, "soc_pct"].unique(), reverse=True)
    ]
    cells = [c for c in cells_in_order(tables) if c in set(data["cell"])] or sorted(
        set(data["cell"])
    )  # fmt: skip
    nrows, ncols = _grid(len(panels), most=2)
    fig, axes = new_figure(0.85 + 1.7 * nrows + 0.55 * (nrows - 1), nrows, ncols, sharex=True,
                           sharey=True, wspace=0.45, top=0.5)  # fmt: skip
    for ax, (kind, soc) in zip(axes.ravel(), panels, strict=False):
        for cell in cells:
            d = data[(data["cell"] == cell) & (data["spectrum"] == kind) & (data["soc_pct"] == soc)]
            if not len(d):
                continue
            f, r = d["freq_Hz"].to_numpy(float), residual(d)
            ax.plot(f, r.real, "-", color=colors[cell], lw=0.8, label=f"{cell} Z'")
            ax.plot(f, r.imag, "--", color=colors[cell], lw=0.8, label=f"{cell} Z''")
            mark(ax, cell, kind, soc)
        ax.axhline(0, color="0.5", lw=0.5)
        log_axis(ax, "x", numticks=5)
        ax.set_title(f"{KINDS[kind]}, SOC {soc:g} %", loc="left")
        if ax in axes[:, 0]:  # the panels share y: label the left column only
            ax.set_ylabel(ylabel)
    _grid_footer(fig, axes, len(panels), "frequency / Hz")
    return fig


def _kk_row(kk: pd.DataFrame, cell: str, kind: str, soc: float) -> pd.DataFrame:
    if not len(kk):
        return kk
    return kk[(kk["cell"] == cell) & (kk["spectrum"] == kind) & (kk["soc_pct"] == soc)]


def fig_fit_residuals(tables: Any, colors: dict[str, str]) -> Drawn:
    """Relative residuals of every circuit fit, (Z - Z_fit) / |Z| in %, real and
    imaginary, against frequency, one panel per spectrum kind and SOC; the lin-KK rms
    residual of the same spectrum (``kk.kk_residual``: the noise plus what no causal,
    linear system follows) as a dotted band in the cell's colour."""
    sp = tables["spectra"]
    if not len(sp) or not np.isfinite(sp["z_fit_real_ohm"].to_numpy(float)).any():
        raise Skip("the store holds no fitted spectra")
    kk = tables["kk"]

    def residual(d: pd.DataFrame) -> np.ndarray:
        z = d["z_real_ohm"].to_numpy(float) + 1j * d["z_imag_ohm"].to_numpy(float)
        zf = d["z_fit_real_ohm"].to_numpy(float) + 1j * d["z_fit_imag_ohm"].to_numpy(float)
        return 100 * (z - zf) / np.abs(z)

    def mark(ax: Any, cell: str, kind: str, soc: float) -> None:
        k = _kk_row(kk, cell, kind, soc)
        level = float(k["kk_residual"].iloc[0]) if len(k) else np.nan
        if np.isfinite(level):
            for sign in (-1, 1):
                ax.axhline(100 * sign * level, color=colors[cell], lw=0.7, ls=":")

    fig = _residual_panels(tables, sp, colors, residual, mark, "(Z - Z_fit) / |Z| / %")
    caption = (
        "Residuals of the circuit fits, (Z - Z_fit)/|Z| in % against frequency (solid: "
        "real, dashed: imaginary part). Dotted: ± the rms residual of a "
        "Kramers-Kronig-consistent (lin-KK) model of the same spectrum, the level a circuit "
        "that describes the data reaches; residuals well beyond it, or running in waves, "
        "mean the circuit misses a process."
    )
    return Drawn(fig, caption, [])


def fig_kk_residuals(tables: Any, colors: dict[str, str]) -> Drawn:
    """lin-KK residuals per frequency, (Z - Z_KK) / |Z| in %, real and imaginary, one
    panel per spectrum kind and SOC (the store's ``kk_residuals`` table), with each
    test's pass limit (``kk.threshold``) dotted."""
    r = tables["kk_residuals"]
    if not len(r):
        raise Skip(
            "the store holds no lin-KK residuals per frequency (results written before "
            "the study ran the test); the circuit-fit residuals are drawn against the "
            "lin-KK level instead"
        )
    kk = tables["kk"]
    failed: list[str] = []

    def residual(d: pd.DataFrame) -> np.ndarray:
        return 100 * (d["residual_real"].to_numpy(float) + 1j * d["residual_imag"].to_numpy(float))

    def mark(ax: Any, cell: str, kind: str, soc: float) -> None:
        k = _kk_row(kk, cell, kind, soc)
        if len(k) and "threshold" in k and np.isfinite(float(k["threshold"].iloc[0])):
            for sign in (-1, 1):
                ax.axhline(100 * sign * float(k["threshold"].iloc[0]), color="0.5", lw=0.6,
                           ls=":")  # fmt: skip
            if "passed" in k and not flag_bool(k["passed"], default=True)[0]:
                failed.append(f"{cell} {KINDS[kind]} {soc:g} %")

    fig = _residual_panels(tables, r, colors, residual, mark, "(Z - Z_KK) / |Z| / %")
    notes = [f"lin-KK test failed: {', '.join(failed)}"] if failed else []
    caption = (
        "Linear Kramers-Kronig test of every spectrum (Schönleber's lin-KK): the residuals "
        "of a causal, linear RC model of the data, (Z - Z_KK)/|Z| in % against frequency "
        "(solid: real, dashed: imaginary part); dotted: the pass limit. A symmetric "
        "cell's spectrum is tested as measured (the whole cell), not per electrode."
    )
    return Drawn(fig, caption, notes)
