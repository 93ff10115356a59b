"""The study's DC figures, drawn from the stored tables: discharge curves (the reference
paper's Fig. 1), GITT with its regions (Fig. 4), resistance and its parts vs SOC (Fig. 5),
rate curves (Fig. 6) and capacity / retention vs C-rate (Fig. S8).

Each ``fig_*`` function takes the tables of one results store
(:class:`~ohmslice.report.stored.StoredTables`) and the cells' colours, and returns a
:class:`~ohmslice.report._common.Drawn` (figure, caption, notes) or raises
:class:`~ohmslice.report._common.Skip` where the store lacks its data. Column meanings:
``docs/results.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._common import Drawn, Skip, cells_in_order, flag_bool, soc_axis, soc_words
from ._style import COMPONENT_WORDS, REGION_COLORS, new_figure, shade, thin_minmax

__all__ = [
    "fig_discharge_curves",
    "fig_gitt",
    "fig_resistance_vs_soc",
    "fig_rate_curves",
    "fig_rate_capability",
]


# --- helpers ---------------------------------------------------------------------------
def _masses_g(tables: Any, cells: list[str]) -> dict[str, float] | None:
    """Active mass [g] of every cell in ``cells``, or None where one is unknown."""
    if not tables.has("cells"):
        return None
    m = tables["cells"].set_index("cell")["active_mass_mg"]
    out = {c: float(m.get(c, np.nan)) / 1e3 for c in cells}
    return out if all(np.isfinite(v) and v > 0 for v in out.values()) else None


def _first_steps(rc: pd.DataFrame) -> pd.DataFrame:
    """The rows of the first step of each (cell, direction, nominal C-rate)."""
    first = rc.groupby(["cell", "direction", "c_rate_nominal"])["step"].transform("min")
    return rc[rc["step"] == first]


def _log_rate_axis(ax: Any, rates: list[float]) -> None:
    from matplotlib.ticker import FixedLocator, NullLocator

    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(rates))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([f"{c:g}" for c in rates])
    ax.set_xlim(rates[0] / 1.5, rates[-1] * 1.5)


# --- Fig. 1 ----------------------------------------------------------------------------
def fig_discharge_curves(tables: Any, colors: dict[str, str]) -> Drawn:
    """Voltage vs capacity of every cell's first discharge at its lowest and highest
    nominal C-rate (constant-current part), with the crossing of the cells' curves
    (``curve_crossings``) marked."""
    rc = tables["rate_curves"]
    if not len(rc):
        raise Skip("the store holds no rate tests (rate_curves is empty)")
    rc = rc[(rc["direction"] == "discharge") & (rc["phase"] == "cc")]
    if not len(rc):
        raise Skip("the rate tests hold no discharge")
    rates = sorted(float(c) for c in rc["c_rate_nominal"].dropna().unique())
    want = [rates[0], rates[-1]] if len(rates) > 1 else rates
    rc = _first_steps(rc)
    cells = [c for c in cells_in_order(tables) if c in set(rc["cell"])]
    masses = _masses_g(tables, cells)
    unit = "mAh g⁻¹" if masses else "mAh"
    fig, axes = new_figure(3.4, left=0.7, right=2.0)
    ax = axes[0, 0]
    for cell in cells:
        d = rc[rc["cell"] == cell]
        for c, ls in zip(want, ("-", "--"), strict=False):
            s = d[np.isclose(d["c_rate_nominal"], c)]
            if not len(s):
                continue
            x = s["capacity_Ah"].to_numpy(float) * 1e3 / (masses[cell] if masses else 1.0)
            ax.plot(x, s["voltage_V"], ls, color=colors[cell], label=f"{cell}, {c:g}C")
    notes = []
    cc = tables["curve_crossings"]
    if len(cc):
        cc = cc[np.isclose(cc["c_rate_nominal"].to_numpy(float), want[-1])]
        for r in cc.itertuples():
            scale = 1e3 / (masses.get(str(r.cell_a), np.nan) if masses else 1.0)
            ax.plot(r.x * scale, r.voltage_V, "o", ms=6, mfc="none", mec="k", mew=1.0)
            ax.annotate(
                f"curves cross\n{r.voltage_V:.2f} V, {r.soc_a_pct:.0f} % SOC",
                (r.x * scale, r.voltage_V), xytext=(-8, -22), textcoords="offset points",
                ha="right", fontsize=6.5,
            )  # fmt: skip
            notes.append(
                f"at {want[-1]:g}C the discharge curves of {r.cell_a} and {r.cell_b} cross at "
                f"{r.voltage_V:.3f} V ({r.soc_a_pct:.1f} % SOC of {r.cell_a}); "
                f"{r.higher_before} is higher before, {r.higher_after} after"
            )
    ax.set_xlabel(f"discharge capacity / {unit}")
    ax.set_ylabel("cell voltage / V")
    ax.set_title("Discharge at the lowest and the highest C-rate", loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    what = " and ".join(f"{c:g}C" for c in want)
    caption = (
        f"Discharge curves at {what}: cell voltage against the charge passed since the "
        f"step began (constant-current part of each cell's first step at that rate"
        f"{', per g of active material' if masses else ''}). Solid: {want[0]:g}C"
        + (f", dashed: {want[-1]:g}C." if len(want) > 1 else ".")
        + (" The circle marks where the cells' curves cross." if notes else "")
    )
    return Drawn(fig, caption, notes)


# --- Fig. 4 ----------------------------------------------------------------------------
def fig_gitt(tables: Any, colors: dict[str, str]) -> Drawn:
    """Voltage during the GITT against SOC, every cell on one axes, with each cell's
    regions I/II/III as a strip below and the pulses that ended at the cut-off marked."""
    from ..dc.regions import REGION_RULE

    g, p = tables["gitt_curve"], tables["pulses"]
    if not len(g) or not len(p):
        raise Skip("the store holds no GITT (gitt_curve or pulses is empty)")
    cells = [c for c in cells_in_order(tables) if c in set(g["cell"]) and c in set(p["cell"])]
    if not cells:
        cells = sorted(set(g["cell"]) & set(p["cell"]))
    n = len(cells)
    strip_h = 0.22 * n
    fig, axes = new_figure(
        3.6 + strip_h, 2, 1, hspace=0.1, left=0.7, right=1.7, sharex=True,
        gridspec_kw={"height_ratios": (3.0, strip_h)},
    )  # fmt: skip
    ax, strip = axes[0, 0], axes[1, 0]
    notes = []
    for k, cell in enumerate(cells):
        gc, pc = g[g["cell"] == cell], p[p["cell"] == cell]
        t0 = float(pc["t_start_s"].min())
        gc = gc[gc["time_s"].to_numpy(float) >= t0 - 60.0]
        x, y = thin_minmax(gc["soc_pct"].to_numpy(float), gc["voltage_V"].to_numpy(float))
        ax.plot(x, y, color=colors[cell], lw=0.6, label=cell)
        cut = flag_bool(pc["reached_cutoff"])
        if cut.any():
            ax.plot(pc["soc_end_pct"][cut], pc["v_end_V"][cut], "X", ms=6, mfc=colors[cell],
                    mec="k", mew=0.6, ls="none")  # fmt: skip
            notes.append(
                f"{cell}: pulse {', '.join(map(str, pc['pulse'][cut].astype(int)))} ended at the "
                "cut-off voltage (shorter than the others; marked X, region III)"
            )
        # the cell's regions as a strip: one bar per region over its pulses' SOC
        reg = pc.groupby("region", sort=False).agg(
            lo=("soc_end_pct", "min"), hi=("soc_start_pct", "max"), n=("pulse", "size")
        )
        for name, r in reg.iterrows():
            strip.barh(k, r.hi - r.lo, left=r.lo, height=0.8, color=REGION_COLORS.get(name, "0.9"),
                       edgecolor=colors[cell], lw=0.6)  # fmt: skip
            strip.text((r.lo + r.hi) / 2, k, str(name), ha="center", va="center", fontsize=6.5)
    ax.plot([], [], "X", ms=6, mfc="w", mec="k", mew=0.6, ls="none", label="pulse ended at cut-off")
    ax.set_ylabel("cell voltage / V")
    ax.set_title("GITT: pulses and relaxations against SOC", loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    ax.tick_params(labelbottom=False)
    ax.set_xlabel("")
    strip.set_yticks(range(n), cells)
    for lab, cell in zip(strip.get_yticklabels(), cells, strict=True):
        lab.set_color(colors[cell])
    strip.set_ylim(n - 0.5, -0.5)
    strip.grid(False)
    strip.set_xlabel(soc_axis(tables))
    ax.invert_xaxis()
    caption = (
        "GITT of every cell: cell voltage against SOC (each pulse moves SOC, each rest is "
        "the vertical relaxation at constant SOC; the stored recording thinned to the "
        "lowest and highest voltage of equal time bins). The strip below gives each "
        f"cell's regions I/II/III ({REGION_RULE}). " + soc_words(tables)
    )
    return Drawn(fig, caption, notes)


# --- Fig. 5 ----------------------------------------------------------------------------
PANELS = ("r_total", "r1", "r2", "r3")


def _method_rows(tables: Any) -> tuple[pd.DataFrame, str]:
    comp = tables["components"]
    if not len(comp):
        raise Skip("the store holds no decomposition (components is empty)")
    used = ""
    if tables.has("runs"):
        used = str(tables["runs"]["method_used"].iloc[0] or "")
    rows = comp[comp["method"] == used] if used else comp.iloc[:0]
    if not len(rows):
        used = "windows" if (comp["method"] == "windows").any() else str(comp["method"].iloc[0])
        rows = comp[comp["method"] == used]
    return rows, used


def fig_resistance_vs_soc(tables: Any, colors: dict[str, str]) -> Drawn:
    """Total resistance, R1, R2 and R3 of every pulse against SOC, one colour per cell,
    with 1-standard-error bands and each crossover with its 95 % interval.

    Drawn apart: pulses that failed their method's checks (``usable`` False) as crosses
    off the line; R1 and R2 the model method could not resolve (``contact_resolved``
    False) as hollow markers. Left out with a note: values <= 0 or NaN. Where a cell has
    no R1 at all, its R1 + R2 is drawn dashed in the R1 panel.
    """
    rows, method = _method_rows(tables)
    cells = [c for c in cells_in_order(tables) if c in set(rows["cell"])] or sorted(
        set(rows["cell"])
    )
    areas = tables["cells"].set_index("cell")["area_cm2"] if tables.has("cells") else None
    areal = areas is not None and all(np.isfinite(float(areas.get(c, np.nan))) for c in cells)
    unit = "Ω cm²" if areal else "Ω"
    x_all = tables["crossovers"]
    if len(x_all):
        x_all = x_all[x_all["method"] == method]
    fig, axes = new_figure(5.2, 2, 2, sharex=True, left=0.6, wspace=0.6, hspace=0.4, top=0.55)
    notes: list[str] = []
    counts = {"flagged": 0, "unresolved": 0}
    for ax, comp, letter in zip(axes.ravel(), PANELS, "abcd", strict=True):
        for cell in cells:
            # each pulse where the comparison places it: at its end (its values are what
            # it developed by then; ohmslice.method.compare)
            where = "soc_end_pct" if np.isfinite(rows["soc_end_pct"]).all() else "soc_pct"
            d = rows[rows["cell"] == cell].sort_values(where)
            col, label, ls = comp, cell, "-"
            if comp == "r1" and not np.isfinite(d["r1_ohm"].to_numpy(float)).any():
                col, label, ls = "r12", f"{cell}: R1 + R2", "--"
                if np.isfinite(d["r12_ohm"].to_numpy(float)).any():
                    notes.append(f"{cell}: R1 and R2 not split at any pulse; panel b shows "
                                 "R1 + R2 (dashed)")  # fmt: skip
            name = f"{col}_ohm_cm2" if areal else f"{col}_ohm"
            y = d[name].to_numpy(float)
            e = d[f"{name}_err"].to_numpy(float)
            s = d[where].to_numpy(float)
            usable = flag_bool(d["usable"], default=True)
            unres = np.zeros(len(d), dtype=bool)
            if comp in ("r1", "r2") and col != "r12" and "contact_resolved" in d.columns:
                unres = ~flag_bool(d["contact_resolved"], default=True)
            valid = np.isfinite(y) & (y > 0)
            bad_value = np.isfinite(y) & (y <= 0)
            good = valid & usable & ~unres
            c = colors[cell]
            ax.plot(s[good], y[good], "o" + ls, color=c, ms=2.2, lw=0.9, label=label)
            band = good & np.isfinite(e)
            ax.fill_between(s[band], (y - e)[band], (y + e)[band], color=c, alpha=0.2, lw=0)
            hol = valid & usable & unres
            if hol.any():
                ax.plot(s[hol], y[hol], "o", color=c, mfc="none", ms=2.8, mew=0.7)
                counts["unresolved"] += int(hol.sum())
                notes.append(f"{cell}: {COMPONENT_WORDS[comp].split(' (')[0]} of {int(hol.sum())} "
                             "pulses not resolved from the other (model method: the samples do "
                             "not resolve the contact arc); hollow circles")  # fmt: skip
            fl = valid & ~usable
            if fl.any():
                ax.plot(s[fl], y[fl], "x", color=c, ms=3.5, mew=0.8, alpha=0.8)
                counts["flagged"] += int(fl.sum())
                if comp == "r_total":
                    notes.append(
                        f"{cell}: {int(fl.sum())} pulse(s) failed the {method} method's checks "
                        f"(usable = False; pulses {_list(d['pulse'][fl])}); crosses, off the line"
                    )
            if bad_value.any():
                notes.append(
                    f"{cell}: {int(bad_value.sum())} {COMPONENT_WORDS[comp].split(' (')[0]} "
                    f"value(s) <= 0 left out (pulses {_list(d['pulse'][bad_value])})"
                )
        for comp_x in (comp, "r12") if comp == "r1" else (comp,):
            xs = x_all[x_all["component"] == comp_x] if len(x_all) else x_all
            for r in xs.itertuples():
                ax.axvline(r.soc_pct, color="k", lw=0.7, ls="--")
                if np.isfinite(r.ci_low_pct) and np.isfinite(r.ci_high_pct):
                    ax.axvspan(r.ci_low_pct, r.ci_high_pct, color="k", alpha=0.12, lw=0)
                ax.text(r.soc_pct, 1.0, f" {r.soc_pct:.1f} %", transform=ax.get_xaxis_transform(),
                        ha="left", va="bottom", fontsize=6)  # fmt: skip
        ax.set_title(f"{letter}) {COMPONENT_WORDS[comp]}", loc="left", pad=9)
        ax.set_ylabel(f"R / {unit}")
        ax.set_ylim(bottom=0)
    for ax in axes[1]:
        ax.set_xlabel(soc_axis(tables))
    handles = [ax.get_legend_handles_labels() for ax in axes.ravel()]
    hs, ls_ = [h for hh, _ in handles for h in hh], [lab for _, ll in handles for lab in ll]
    keep = dict(zip(ls_, hs, strict=True))
    from matplotlib.lines import Line2D

    if counts["flagged"]:
        keep["failed the method's checks"] = Line2D([], [], ls="none", marker="x", color="0.3")
    if counts["unresolved"]:
        keep["R1/R2 not resolved"] = Line2D([], [], ls="none", marker="o", mfc="none", color="0.3")
    fig.legend(keep.values(), keep.keys(), loc="upper right", ncol=len(keep), fontsize=7)
    axes[0, 0].invert_xaxis()  # discharge: from high to low SOC, as in the reference paper
    n_x = len(x_all)
    caption = (
        f"Resistance of every GITT pulse against SOC ({method} method, the one the "
        f"comparison used), {'per cm² of electrode' if areal else 'per cell'}: a) total "
        "(V at the pulse end - OCV before) / I; b-d) its parts split at the boundaries "
        "between the symmetric-cell time constants: R1 series + contact, R2 charge "
        "transfer, R3 diffusion developed by the pulse end. Bands: ±1 standard error. "
        + (
            f"Dashed lines: the {n_x} SOC(s) where the cells' order reverses, shaded: "
            "their 95 % bootstrap interval. "
            if n_x
            else "No crossover: the cells keep their order. "
        )
        + soc_words(tables)
    )
    return Drawn(fig, caption, list(dict.fromkeys(notes)))


def _list(pulses: pd.Series, most: int = 12) -> str:
    v = [str(int(p)) for p in pulses.dropna()]
    return ", ".join(v[:most]) + (f", ... ({len(v)} in all)" if len(v) > most else "")


# --- Fig. 6 ----------------------------------------------------------------------------
def fig_rate_curves(tables: Any, colors: dict[str, str]) -> Drawn:
    """Charge (left) and discharge (right) curves of every cell (one row per cell) at
    every nominal C-rate, first step at each rate: constant current solid, the CV hold
    after it dotted; the cell's colour, lighter for slower rates."""
    rc = tables["rate_curves"]
    if not len(rc):
        raise Skip("the store holds no rate tests (rate_curves is empty)")
    rc = _first_steps(rc)
    cells = [c for c in cells_in_order(tables) if c in set(rc["cell"])] or sorted(set(rc["cell"]))
    masses = _masses_g(tables, cells)
    unit = "mAh g⁻¹" if masses else "mAh"
    fig, axes = new_figure(0.75 + 2.1 * len(cells), len(cells), 2, sharex=True, sharey=True,
                           right=0.15, hspace=0.45, wspace=0.35)  # fmt: skip
    for i, cell in enumerate(cells):
        for j, direction in enumerate(("charge", "discharge")):
            ax = axes[i, j]
            d = rc[(rc["cell"] == cell) & (rc["direction"] == direction)]
            rates = sorted(float(c) for c in d["c_rate_nominal"].dropna().unique())
            for k, c in enumerate(rates):
                s = d[np.isclose(d["c_rate_nominal"], c)]
                col = shade(colors[cell], k, len(rates))
                x = s["capacity_Ah"].to_numpy(float) * 1e3 / (masses[cell] if masses else 1.0)
                cc = (s["phase"] == "cc").to_numpy()
                ax.plot(x[cc], s["voltage_V"].to_numpy(float)[cc], "-", color=col, label=f"{c:g}C")
                if (~cc).any():
                    ax.plot(x[~cc], s["voltage_V"].to_numpy(float)[~cc], ":", color=col)
            ax.set_title(f"{cell}: {direction}", loc="left", color=colors[cell])
            if rates:
                ax.legend(loc="lower left" if direction == "discharge" else "lower right",
                          ncol=2, handlelength=1.2)  # fmt: skip
            if j == 0:
                ax.set_ylabel("cell voltage / V")
            if i == len(cells) - 1:
                ax.set_xlabel(f"capacity / {unit}")
    caption = (
        "Rate tests: voltage against the charge passed in each step, charge (left) and "
        "discharge (right), the first step of each cell at each nominal C-rate; "
        "constant current solid, a CV hold after it dotted; lighter lines are slower rates."
    )
    return Drawn(fig, caption, [])


# --- Fig. S8 ---------------------------------------------------------------------------
def fig_rate_capability(tables: Any, colors: dict[str, str]) -> Drawn:
    """Constant-current capacity (top) and retention against the lowest rate (bottom)
    vs nominal C-rate, charge (left) and discharge (right), one line per cell; error bars
    the standard deviation of repeated steps at one rate."""
    r = tables["rate"]
    if not len(r):
        raise Skip("the store holds no rate tests (rate is empty)")
    cells = [c for c in cells_in_order(tables) if c in set(r["cell"])] or sorted(set(r["cell"]))
    specific = bool(r["capacity_mAh_g"].notna().all())
    col = "capacity_mAh_g" if specific else "capacity_mAh"
    rates = sorted(float(c) for c in r["c_rate_nominal"].dropna().unique())
    fig, axes = new_figure(4.6, 2, 2, sharex=True, wspace=0.55, hspace=0.35)
    for j, direction in enumerate(("charge", "discharge")):
        for cell in cells:
            s = r[(r["cell"] == cell) & (r["direction"] == direction)].sort_values("c_rate_nominal")
            if not len(s):
                continue
            x = s["c_rate_nominal"].to_numpy(float)
            y = s[col].to_numpy(float)
            err = s["capacity_std_mAh"].fillna(0.0).to_numpy(float)
            if specific:
                err = err * y / s["capacity_mAh"].to_numpy(float)
            axes[0, j].errorbar(x, y, yerr=err, fmt="o-", ms=3, capsize=2, color=colors[cell],
                                label=cell)  # fmt: skip
            axes[1, j].plot(x, s["retention_pct"], "o-", ms=3, color=colors[cell], label=cell)
        axes[0, j].set_title(f"{direction} capacity", loc="left")
        axes[1, j].set_title(f"{direction} retention (vs the lowest rate)", loc="left")
        axes[1, j].set_xlabel("C-rate")
        _log_rate_axis(axes[1, j], rates)
    axes[0, 0].set_ylabel("capacity / mAh g⁻¹" if specific else "capacity / mAh")
    axes[1, 0].set_ylabel("retention / %")
    axes[0, 0].legend()
    caption = (
        "Rate capability: constant-current capacity"
        + (" per g of active material" if specific else "")
        + " (top) and its retention, relative to the mean capacity at the lowest rate "
        "(bottom), against the nominal C-rate; error bars: standard deviation of repeated "
        "steps at one rate (none where a rate was run once)."
    )
    return Drawn(fig, caption, [])
