"""The sections of ``report.html``, each built from the stored tables as an HTML string.

Every value is escaped; numbers carry their unit; a section whose tables are empty says
so in a sentence instead of showing an empty table.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._common import cells_in_order, flag_bool, soc_words
from ._style import COMPONENT_WORDS

__all__ = [
    "answer",
    "quality",
    "cells_section",
    "cycling_section",
    "methods",
    "table_s1",
    "REFERENCE",
]

#: The paper whose method ohmslice implements.
REFERENCE = (
    'Kawaguchi et al., "Interface Engineering in Sulfide-Based All-Solid-State Batteries: '
    'Insights from Resistance Analysis"'
)

_ORDER = ("r_total", "r1", "r2", "r12", "r3")


def e(x: Any) -> str:
    """``x`` as escaped HTML text ('' for None / NaN)."""
    if x is None or (isinstance(x, float) and x != x):
        return ""
    return html.escape(str(x))


def num(x: Any, spec: str = ".3g", unit: str = "") -> str:
    """``x`` formatted by ``spec`` with ``unit``; '' where it is not a finite number."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return ""
    if not np.isfinite(v):
        return ""
    return format(v, spec) + (f" {unit}" if unit else "")


def pm(x: Any, err: Any, spec: str = ".3g", unit: str = "") -> str:
    """``x ± err unit``, or ``x unit`` without a finite error."""
    s = num(x, spec)
    if not s:
        return ""
    ee = num(err, ".2g")
    return s + (f" ± {ee}" if ee else "") + (f" {unit}" if unit else "")


def table(head: Sequence[str], rows: Sequence[Sequence[Any]], *, cls: str = "",
          raw: bool = False) -> str:  # fmt: skip
    """An HTML table; cells escaped unless ``raw`` (then they are HTML already)."""
    f = (lambda v: str(v)) if raw else e
    h = "".join(f"<th>{e(c)}</th>" for c in head)
    body = "".join("<tr>" + "".join(f"<td>{f(v)}</td>" for v in r) + "</tr>" for r in rows)
    c = f' class="{cls}"' if cls else ""
    return f"<table{c}><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


def swatch(color: str) -> str:
    return f'<span class="sw" style="background:{e(color)}"></span>'


def _component(c: str) -> str:
    return COMPONENT_WORDS.get(str(c), str(c)).split(" (")[0]


# --- the answer ------------------------------------------------------------------------
def _range_sentence(rows: pd.DataFrame) -> str:
    parts = []
    for r in rows.sort_values("soc_from_pct", ascending=False).itertuples():
        span = f"{num(r.soc_from_pct, '.0f')}-{num(r.soc_to_pct, '.0f')} % SOC"
        if str(r.lower) == "neither" or not bool(r.significant):
            parts.append(f"no significant difference over {span}")
        else:
            parts.append(
                f"<b>{e(r.lower)}</b> is lower over {span} (by {num(r.lower_by_pct, '.0f')} %)"
            )
    return "; ".join(parts)


def answer(t: Any, colors: dict[str, str]) -> str:
    """Which cell is less resistive in which SOC range, every crossover with its 95 %
    interval and SOC scale, the comparison's design notes."""
    out = ['<section id="answer"><h2>1. The answer</h2>']
    ranges, xs = t["ranges"], t["crossovers"]
    method = str(t["runs"]["method_used"].iloc[0]) if t.has("runs") else ""
    if not len(ranges) and not len(xs):
        out.append(
            "<p>No comparison: the results hold fewer than two cells with a "
            "decomposition of their GITT pulses. The notes below say why.</p>"
        )
    else:
        items = []
        for comp in [c for c in _ORDER if c in set(ranges["component"])] + sorted(
            set(ranges["component"]) - set(_ORDER)
        ):
            rows = ranges[ranges["component"] == comp]
            items.append(f"<li><b>{e(_component(comp))}</b>: {_range_sentence(rows)}.</li>")
        out.append(
            f"<p>Which cell has the lower resistance where, component by component "
            f"({e(method)} method; lower by: median of 1 - R<sub>lower</sub>/R<sub>higher</sub> "
            "over the range):</p>"
        )
        out.append("<ul class='answer'>" + "".join(items) + "</ul>")
        why = _why_method(t)
        if why:
            out.append(f"<p class='small'>Why this method: {e(why)}.</p>")
        if len(xs):
            rows = []
            for r in xs.itertuples():
                ci = (
                    f"{num(r.ci_low_pct, '.1f')}-{num(r.ci_high_pct, '.1f')} %"
                    if num(r.ci_low_pct)
                    else "not found"
                )
                rows.append([
                    e(_component(r.component)),
                    f"<span class='nowrap'>{swatch(colors.get(str(r.cell_a), '#888'))}"
                    f"{e(r.cell_a)} / {swatch(colors.get(str(r.cell_b), '#888'))}"
                    f"{e(r.cell_b)}</span>",
                    f"<b>{num(r.soc_pct, '.1f', '%')}</b>",
                    e(ci),
                    e(num(r.found_fraction, ".0%")),
                    f"<span class='nowrap'>{swatch(colors.get(str(r.lower_above), '#888'))}"
                    f"{e(r.lower_above)}</span>",
                    e(r.soc_reference),
                ])  # fmt: skip
            out.append("<h3>Where the order reverses</h3>")
            out.append(table(["component", "cells", "crossover SOC", "95 % interval",
                              "replicas showing it", "lower above", "SOC scale"], rows,
                             raw=True))  # fmt: skip
        else:
            out.append("<p>No crossover: the cells keep their order over the SOC they share.</p>")
    notes = t["notes"]
    design = notes[notes["kind"] == "design"]["text"] if len(notes) else []
    if len(design):
        out.append(
            "<h3>Design notes</h3><ul>" + "".join(f"<li>{e(x)}</li>" for x in design) + "</ul>"
        )
    sw = soc_words(t)
    if sw:
        out.append(f"<p class='small'>{e(sw)}</p>")
    out.append("</section>")
    return "".join(out)


def _why_method(t: Any) -> str:
    """The run's note on which decomposition the comparison used and why ('' if none)."""
    notes = t["notes"]
    if not len(notes):
        return ""
    study = notes[(notes["stage"] == "study")
                  & notes["text"].astype(str).str.startswith("comparison by")]  # fmt: skip
    return str(study["text"].iloc[0]) if len(study) else ""


# --- data quality ----------------------------------------------------------------------
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def _ranges_text(values: Sequence[int]) -> str:
    """1, 2, 3, 5 -> '1-3, 5'."""
    v = np.unique(np.asarray(values, dtype=int))
    if not v.size:
        return ""
    breaks = np.flatnonzero(np.diff(v) != 1)
    starts, ends = v[np.r_[0, breaks + 1]], v[np.r_[breaks, v.size - 1]]
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in zip(starts, ends, strict=True))


def grouped_notes(notes: pd.DataFrame) -> pd.DataFrame:
    """The notes grouped by cell, stage, kind and text pattern (numbers aside): one row
    per group with ``count``, the first ``text``, ``pulses`` (as ranges) and the SOC span."""
    if not len(notes):
        return pd.DataFrame(columns=["kind", "cell", "stage", "text", "count", "pulses", "soc"])
    n = notes.copy()
    n["pattern"] = n["text"].astype(str).str.replace(_NUMBER, "#", regex=True)
    n["_order"] = np.arange(len(n))
    rows = []
    keys = ["kind", "cell", "stage", "pattern"]
    for key, g in n.groupby(keys, sort=False, dropna=False):
        pulses = g["pulse"].dropna()
        soc = g["soc_pct"].dropna()
        similar = len(set(g["text"])) > 1
        rows.append({
            "kind": key[0], "cell": key[1], "stage": key[2],
            "text": str(g["text"].iloc[0]) + (" (numbers vary; each in the notes table)"
                                              if similar else ""),
            "count": len(g), "pulses": _ranges_text(pulses.astype(int)) if len(pulses) else "",
            "soc": (f"{soc.min():.1f}" if soc.min() == soc.max() else
                    f"{soc.min():.1f}-{soc.max():.1f}") if len(soc) else "",
            "_order": int(g["_order"].min()),
        })  # fmt: skip
    order = {"warning": 0, "flag": 1, "note": 2, "design": 3}
    out = pd.DataFrame(rows)
    out["_k"] = out["kind"].map(order).fillna(9)
    return out.sort_values(["_k", "_order"]).drop(columns=["_k", "_order"])


def _kk_table(t: Any) -> str:
    kk = t["kk"]
    if not len(kk):
        return "<p>No spectra: no Kramers-Kronig check.</p>"
    fits = t["eis_fits"]
    ok = {}
    if len(fits):
        good = flag_bool(fits["success"], True) & flag_bool(fits["accepted"], True)
        g = (
            pd.Series(good, index=fits.index)
            .groupby([fits["cell"], fits["spectrum"], fits["soc_pct"]])
            .all()
        )
        ok = {k: bool(v) for k, v in g.items()}
    rows = []
    for r in kk.itertuples():
        ratio = float(r.kk_ratio) if r.kk_ratio == r.kk_ratio else np.nan
        usable = ok.get((r.cell, r.spectrum, r.soc_pct), True)
        verdict = (
            "fit describes the data" if ratio <= 3 and usable
            else "fit not usable" if not usable else "fit misses the data"
        )  # fmt: skip
        if r.passed is not None and r.passed == r.passed:
            verdict += "; lin-KK " + ("passed" if bool(r.passed) else "FAILED")
        rows.append([r.cell, r.spectrum, num(r.soc_pct, "g", "%"), num(100 * r.kk_residual, ".2f"),
                     r.kk_m, num(100 * r.fit_residual_rms, ".2f"), num(ratio, ".2f"),
                     num(r.durbin_watson, ".2f"), verdict])  # fmt: skip
    return (
        "<p>Each spectrum against a Kramers-Kronig-consistent (lin-KK) model of itself: its "
        "rms residual is the noise plus anything no causal, linear, stable system can "
        "follow; the circuit fit's rms residual over it (ratio) is about 1 for a circuit "
        "that describes the data, above 3 the fit fails. Durbin-Watson 2 = residuals "
        "like noise.</p>"
        + table(
            [
                "cell",
                "spectrum",
                "SOC",
                "lin-KK rms %",
                "M",
                "fit rms %",
                "ratio",
                "Durbin-Watson",
                "verdict",
            ],
            rows,
        )  # fmt: skip
    )


def _taus_table(t: Any) -> str:
    tc = t["time_constants"]
    parts = []
    if len(tc):
        odd = tc[(tc["status"].fillna("measured") != "measured")
                 | (tc["band"].fillna("within") != "within")]  # fmt: skip
        if len(odd):
            rows = [[r.cell, r.spectrum, num(r.soc_pct, "g", "%"), r.process, r.element,
                     pm(r.tau_fit_s, r.tau_fit_err_s, ".3g", "s"), r.band, r.status,
                     r.status_reason] for r in odd.itertuples()]  # fmt: skip
            parts.append("<p>Time constants not measured within the spectra's frequencies "
                         "(extrapolated or only bounded):</p>"
                         + table(["cell", "spectrum", "SOC", "process", "element", "τ",
                                  "band", "status", "why"], rows))  # fmt: skip
        else:
            parts.append("<p>Every process's time constant lies within the measured "
                         "frequencies of its spectrum.</p>")  # fmt: skip
    peaks = t["drt"]
    if len(peaks):
        fl = peaks[peaks["flag"].fillna("").astype(str) != ""]
        if len(fl):
            rows = [[r.cell, r.spectrum, num(r.soc_pct, "g", "%"), num(r.tau_s, ".3g", "s"),
                     num(r.r_ohm, ".3g", "Ω"), r.flag] for r in fl.itertuples()]  # fmt: skip
            parts.append(
                "<p>DRT peaks outside the measured range (their τ extrapolated):</p>"
                + table(["cell", "spectrum", "SOC", "τ", "R", "flag"], rows)
            )
    comp = t["components"]
    if len(comp):
        rows = []
        for (cell, method), g in comp.groupby(["cell", "method"], sort=False):
            vals = np.column_stack([g[f"{c}_ohm"].to_numpy(float) for c in ("r1", "r2", "r3")])
            rows.append([
                cell, method + (" (compared)" if flag_bool(g["comparison_method"]).any() else ""),
                len(g), int(flag_bool(g["usable"], True).sum()),
                int((~flag_bool(g["usable"], True)).sum()),
                int((np.isfinite(vals) & (vals <= 0)).any(axis=1).sum()),
                int((~flag_bool(g["contact_resolved"], True)).sum()),
                int(flag_bool(g["taus_extrapolated"]).sum()),
                int(flag_bool(g["r3_dc_extrapolated"]).sum()),
            ])  # fmt: skip
        parts.append(
            "<p>Pulses per cell and method: those that failed the method's checks are left "
            "out of the comparison and drawn apart in the figures.</p>"
            + table(["cell", "method", "pulses", "usable", "not usable", "with a value <= 0",
                     "R1/R2 unresolved", "τ extrapolated", "R3 DC extrapolated"], rows)
        )  # fmt: skip
    return "".join(parts)


def quality(t: Any, figure_notes: Sequence[tuple[str, str]] = ()) -> str:
    """Every note, flag and warning (grouped), the KK verdicts, extrapolated time
    constants and the flagged values, and what the figures left out or drew apart."""
    out = ['<section id="quality"><h2>2. Data quality</h2>']
    notes = t["notes"]
    if len(notes):
        counts = notes["kind"].value_counts()
        out.append(
            "<p>"
            + ", ".join(f"{int(counts.get(k, 0))} {k}s" for k in ("warning", "flag", "note"))
            + " were raised (the <code>notes</code> table holds each one).</p>"
        )
    out.append("<h3>Spectra: Kramers-Kronig and fit</h3>" + _kk_table(t))
    out.append("<h3>Time constants and flagged values</h3>" + _taus_table(t))
    if figure_notes:
        out.append(
            "<h3>In the figures</h3><ul>"
            + "".join(f"<li><b>{e(s)}</b>: {e(x)}</li>" for s, x in figure_notes)
            + "</ul>"
        )
    g = grouped_notes(notes[notes["kind"] != "design"] if len(notes) else notes)
    if len(g):
        rows = [[f"<span class='k-{e(r.kind)}'>{e(r.kind)}</span>", e(r.cell), e(r.stage),
                 e(r.text), e(r.count), e(r.pulses), e(r.soc)]
                for r in g.itertuples()]  # fmt: skip
        out.append(
            "<h3>Every warning, flag and note</h3><p class='small'>Grouped where the same "
            "text (numbers aside) is raised for several pulses.</p>"
            + table(
                ["kind", "cell", "stage", "text", "n", "pulses", "SOC %"],
                rows,
                raw=True,
                cls="notes",
            )  # fmt: skip
        )
    out.append("</section>")
    return "".join(out)


# --- per cell --------------------------------------------------------------------------
_SOC_GRID = (95.0, 90.0, 80.0, 70.0, 60.0, 50.0, 40.0, 30.0, 20.0, 10.0, 5.0)


def _at_soc(rows: pd.DataFrame, areal: bool) -> str:
    """The method's usable pulses nearest the SOCs of :data:`_SOC_GRID` (within 2 %)."""
    use = rows[flag_bool(rows["usable"], True)].sort_values("soc_pct")
    if not len(use):
        return "<p>No usable pulse.</p>"
    soc = use["soc_pct"].to_numpy(float)
    grid = np.asarray(_SOC_GRID)
    i = np.abs(soc[None, :] - grid[:, None]).argmin(axis=1)
    keep = np.abs(soc[i] - grid) <= 2.0
    pick = use.iloc[np.unique(i[keep])[::-1]]
    suffix, unit = ("_ohm_cm2", "Ω cm²") if areal else ("_ohm", "Ω")
    body = []
    for r in pick.to_dict("records"):
        row = [num(r["soc_pct"], ".1f"), r["pulse"]]
        for c in ("r_total", "r1", "r2", "r3"):
            row.append(pm(r.get(f"{c}{suffix}"), r.get(f"{c}{suffix}_err"), ".3g"))
        body.append(row)
    return table(["SOC %", "pulse", f"total / {unit}", f"R1 / {unit}", f"R2 / {unit}",
                  f"R3 / {unit}"], body)  # fmt: skip


def cells_section(t: Any, colors: dict[str, str]) -> str:
    """Per cell: what it is and its scales, the time constants its decomposition used,
    R and its parts at round SOCs (± standard error), the rate tests."""
    out = ['<section id="cells"><h2>4. Per cell</h2>']
    cells = cells_in_order(t)
    if not cells:
        out.append("<p>The results hold no cell.</p></section>")
        return "".join(out)
    info = t["cells"].set_index("cell")
    comp = t["components"]
    method = str(t["runs"]["method_used"].iloc[0]) if t.has("runs") else ""
    for cell in cells:
        c = info.loc[cell]
        out.append(f"<h3>{swatch(colors.get(cell, '#888'))}{e(cell)}"
                   + (f" <span class='small'>{e(c['label'])}</span>" if c["label"] else "")
                   + "</h3>")  # fmt: skip
        facts = [
            ("area", num(c["area_cm2"], ".4g", "cm²")),
            ("active mass", num(c["active_mass_mg"], ".4g", "mg")),
            ("nominal capacity", num(c["nominal_capacity_mAh"], ".4g", "mAh")),
            ("GITT", f"{e(c['gitt_direction'])}, {e(c['n_pulses'])} pulses"
             if c["n_pulses"] else "none"),
            ("100 % SOC", f"{num(1e3 * float(c['soc_capacity_Ah']), '.4g', 'mAh')} "
             f"({e(c['soc_capacity_source'])})" if num(c["soc_capacity_Ah"]) else ""),
            ("SOC scale", e(c["soc_reference"])),
            ("time constants from", e(c["tau_source"])),
            ("spectra", f"{e(c['n_symmetric_spectra'])} symmetric, {e(c['n_half_spectra'])} half"),
            ("C-rates", e(c["rate_basis"])),
            ("cycling", f"{e(c.get('n_cycles'))} complete cycles (see Cycling below)"
             if num(c.get("n_cycles")) not in ("", "0") else ""),
            ("conductivity samples", e(c.get("samples")) + " (see Table S1 below)"
             if c.get("samples") else ""),
        ]  # fmt: skip
        out.append(table(["", ""], [[k, v] for k, v in facts if v], raw=True, cls="facts"))
        tu = t["taus_used"]
        tu = tu[tu["cell"] == cell] if len(tu) else tu
        if len(tu):
            rows = [[r.source, num(r.soc_pct, ".3g"), pm(r.tau1_s, r.tau1_err_s), pm(r.r1_ohm, r.r1_ohm_err),
                     pm(r.tau2_s, r.tau2_err_s), num(r.n2, ".3g"), pm(r.r2_ohm, r.r2_ohm_err),
                     pm(r.tau3_s, r.tau3_err_s), e(r.shape3), pm(r.r3_ohm, r.r3_ohm_err)]
                    for r in tu.itertuples()]  # fmt: skip
            out.append("<p class='cap'>Time constants the decomposition used (per electrode):</p>"
                       + table(["source", "SOC %", "τ1 / s", "R1 / Ω", "τ2 / s", "n2", "R2 / Ω",
                                "τ3 / s", "shape 3", "R3 / Ω"], rows))  # fmt: skip
        rows = comp[(comp["cell"] == cell) & (comp["method"] == method)] if len(comp) else comp
        if len(rows):
            areal = bool(np.isfinite(float(c["area_cm2"])))
            out.append(
                f"<p class='cap'>Resistance at round SOCs ({e(method)} method, usable "
                "pulse nearest each SOC, ± standard error):</p>" + _at_soc(rows, areal)
            )
        rate = t["rate"]
        rate = rate[rate["cell"] == cell] if len(rate) else rate
        if len(rate):
            rr = [[r.direction, num(r.c_rate_nominal, "g", "C"), num(r.c_rate, ".3g"),
                   num(r.capacity_mAh, ".4g"), num(r.capacity_mAh_g, ".4g"),
                   num(r.retention_pct, ".1f"), num(r.mean_voltage_V, ".3f")]
                  for r in rate.itertuples()]  # fmt: skip
            out.append("<p class='cap'>Rate tests (constant-current part):</p>"
                       + table(["direction", "nominal", "C-rate", "capacity / mAh",
                                "mAh/g", "retention %", "mean V"], rr))  # fmt: skip
    out.append(table_s1(t, colors))
    out.append(cycling_section(t, colors))
    out.append("</section>")
    return "".join(out)


# --- Table S1 and cycling ----------------------------------------------------------------
def _cell_name(cell: Any, colors: dict[str, str]) -> str:
    if not cell:
        return "<span class='small'>(no cell)</span>"
    return f"<span class='nowrap'>{swatch(colors.get(str(cell), '#888'))}{e(cell)}</span>"


def table_s1(t: Any, colors: dict[str, str]) -> str:
    """The reference paper's Table S1: per cell and sample the ionic and electronic
    conductivity with their standard errors (and the tortuosity factor), then the
    Arrhenius fits; '' where the store holds no sample."""
    tr = t["transport"]
    if not len(tr):
        return ""
    out = ['<h3 id="table-s1">Table S1: ionic and electronic conductivity</h3>']
    rows = []
    for r in tr.itertuples():
        tau = pm(r.tortuosity_factor, r.tortuosity_factor_err, ".3g")
        if tau and num(r.bruggeman_tortuosity_factor):
            tau += f" (Bruggeman {num(r.bruggeman_tortuosity_factor, '.3g')})"
        rows.append([
            _cell_name(r.cell, colors), e(r.sample), e(r.kind),
            pm(r.ionic_S_cm, r.ionic_err_S_cm, ".3g") or "-",
            e(num(r.ionic_temperature_C, "g", "°C")), e(r.ionic_method),
            pm(r.electronic_S_cm, r.electronic_err_S_cm, ".3g") or "-",
            e(num(r.electronic_temperature_C, "g", "°C")),
            e(num(r.volume_fraction, ".3g")), tau,
            ("" if flag_bool(pd.Series([r.success]), True)[0]
             else "<span class='k-flag'>not usable</span> ") + e(r.notes),
        ])  # fmt: skip
    out.append(
        "<p class='small'>Conductivities in S/cm ± one standard error (the fit's and the "
        "thickness's and area's). Ionic: an electrolyte pellet's total conductivity L/(R A) "
        "from its blocking-electrode spectrum (bulk arc, or the high-frequency intercept where "
        "the arc lies above the measured frequencies: a lower bound), a composite electrode's "
        "effective conductivity from the blocking transmission line (R<sub>ion</sub>), each "
        "at the measurement nearest 25 °C; electronic: the steady-state current of a DC "
        "polarisation. Tortuosity factor: σ<sub>pellet</sub> ε / σ<sub>eff</sub> with the "
        "electrolyte's pellet at the electrode's temperature.</p>"
    )
    out.append(table(["cell", "sample", "kind", "ionic σ / S cm⁻¹", "at", "read as",
                      "electronic σ / S cm⁻¹", "at", "ε (SE volume)", "tortuosity factor",
                      "notes"], rows, raw=True))  # fmt: skip
    ar = t["arrhenius"]
    if len(ar):
        rows = [[e(r.sample), e(r.kind), pm(r.ea_eV, r.ea_err_eV, ".3f"),
                 pm(r.sigma_25C_S_cm, r.sigma_25C_err_S_cm, ".3g")
                 + (" (extrapolated)" if flag_bool(pd.Series([r.extrapolated]))[0] else ""),
                 f"{num(r.sigma_25C_ci_low_S_cm, '.3g')}-{num(r.sigma_25C_ci_high_S_cm, '.3g')}",
                 f"{num(r.t_min_C, 'g')} to {num(r.t_max_C, 'g')} °C", e(r.n_temperatures),
                 num(r.chi2_reduced, ".2g")] for r in ar.itertuples()]  # fmt: skip
        out.append("<p class='cap'>Arrhenius fits, σT = A exp(-E<sub>a</sub>/kT), weighted by "
                   "each point's fit error; the geometry's error moves every point alike and "
                   "is in σ(25 °C)'s error, not in E<sub>a</sub>'s:</p>"
                   + table(["sample", "kind", "Ea / eV", "σ(25 °C) / S cm⁻¹", "95 % interval",
                            "temperatures", "n", "χ²/dof"], rows, raw=True))  # fmt: skip
    return "".join(out)


def cycling_section(t: Any, colors: dict[str, str]) -> str:
    """Per cell: cycles, capacity first and last, retention, coulombic efficiency, the
    resistance at the step starts, and every trend and change-point over cycles; '' where
    the store holds no cycling."""
    cyc = t["cycles"]
    if not len(cyc):
        return ""
    out = ['<h3 id="cycling">Cycling</h3>']
    cells = [c for c in cells_in_order(t) if c in set(cyc["cell"])]
    cells += sorted(set(cyc["cell"]) - set(cells))
    rows = []
    for cell in cells:
        c = cyc[cyc["cell"] == cell].sort_values("cycle")
        specific = bool(c["discharge_mAh_g"].notna().all())
        col, unit = ("discharge_mAh_g", "mAh/g") if specific else ("discharge_mAh", "mAh")
        ce = c["ce_pct"].to_numpy(float)
        later = ce[1:] if ce.size > 1 else ce
        r = c["r_discharge_ohm"].to_numpy(float)
        dt = (
            float(np.nanmedian(c["r_discharge_dt_s"].to_numpy(float)))
            if np.isfinite(r).any()
            else np.nan
        )
        rows.append([
            _cell_name(cell, colors), e(len(c)),
            num(c[col].iloc[0], ".4g", unit), num(c[col].iloc[-1], ".4g", unit),
            num(c["retention_pct"].iloc[-1], ".1f", "%"), num(ce[0], ".2f", "%"),
            num(np.nanmean(later), ".3f", "%"),
            (f"{num(r[0], '.3g')} → {num(r[-1], '.3g')} Ω ({num(dt, '.2g')} s after the step)"
             if np.isfinite(r).any() else ""),
        ])  # fmt: skip
    out.append(
        "<p class='small'>Per cell over its cycling records (Fig. S9): capacity of the first and "
        "last complete cycle, the last's retention, the first cycle's coulombic efficiency and "
        "the mean of the others, the resistance at the start of the discharge (voltage jump "
        "over one sample interval; comparable only at the same time after the step).</p>"
    )
    out.append(table(["cell", "cycles", "first discharge", "last discharge", "retention",
                      "CE, cycle 1", "CE, mean of the rest", "R at discharge start"], rows,
                     raw=True))  # fmt: skip
    tr = t["cycle_trends"]
    if len(tr):
        words = {"r0": "R0 (series)", "r1": "R1 (contact)", "r2": "R2 (charge transfer)",
                 "r3": "R3 (diffusion)", "r_charge": "R at charge start",
                 "r_discharge": "R at discharge start"}  # fmt: skip
        rows = []
        for r in tr.itertuples():
            if not num(r.slope_per_cycle):
                continue
            det = flag_bool(pd.Series([r.detected]))[0]
            change = (
                f"<b>from cycle {num(r.change_cycle, '.3g')}</b> (95 % "
                f"{num(r.change_low, '.3g')}-{num(r.change_high, '.3g')}): slope "
                f"{num(r.slope_before, '.2g')} → {num(r.slope_after, '.2g')} Ω/cycle, "
                f"ΔAIC {num(r.delta_aic, '.0f')}"
                if det
                else "none"
            )
            rows.append([_cell_name(r.cell, colors), e(r.source),
                         e(words.get(str(r.component), r.component)),
                         pm(r.slope_per_cycle, r.slope_err, ".3g", "Ω/cycle"), e(r.n), change])  # fmt: skip
        if rows:
            out.append("<p class='cap'>Resistance over cycles: least-squares trend and the "
                       "cycle where a component starts to grow faster (two-segment line; "
                       "detected at ΔAIC ≥ 10 with a steeper slope after it: for R1, contact "
                       "loss):</p>"
                       + table(["cell", "from", "component", "trend", "n", "grows faster"],
                               rows, raw=True))  # fmt: skip
    return "".join(out)


# --- methods ---------------------------------------------------------------------------
def _settings_rows(settings: dict[str, Any]) -> list[list[str]]:
    rows = []
    for k, v in sorted((settings.get("analysis") or {}).items()):
        rows.append([f"analysis: {k}", json.dumps(v) if not isinstance(v, str) else v])
    for k, v in sorted((settings.get("comparison") or {}).items()):
        rows.append([f"comparison: {k}", json.dumps(v)])
    seen: dict[str, list[str]] = {}
    for cell, methods in (settings.get("decomposition") or {}).items():
        for m, s in methods.items():
            seen.setdefault(f"{m}: " + json.dumps(s, sort_keys=True), []).append(cell)
    for text, cells in seen.items():
        m, s = text.split(": ", 1)
        rows.append([f"decomposition ({m}), {', '.join(cells)}", s])
    return rows


def methods(t: Any, version: str) -> str:
    """How the numbers were made: the method and its source, the method the comparison
    used and why, the settings and circuit, the software, every input file's sha256."""
    out = ['<section id="methods"><h2>5. Methods</h2>']
    run = t["runs"].iloc[0] if t.has("runs") else None
    settings = {}
    if run is not None:
        try:
            settings = json.loads(run["settings_json"] or "{}")
        except (TypeError, ValueError):
            settings = {}
    circuit = (settings.get("analysis") or {}).get("circuit")
    method = str(run["method_used"]) if run is not None else ""
    why = _why_method(t)
    out.append(
        f"<p>The method is the resistance analysis of {e(REFERENCE)}: a GITT of short "
        "constant-current pulses, each followed by a long rest, gives the resistance "
        "R(t) = (V(t) - OCV<sub>before</sub>) / I of every pulse; the time constants of the "
        "same cathode measured by impedance on a symmetric cell (two cathodes at the same "
        "SOC; per electrode (Z - R<sub>sep</sub>) / 2) say where in R(t) the contact part "
        "(R1) ends and charge transfer (R2) begins, and where charge transfer gives way to "
        "diffusion (R3). ohmslice splits every pulse so in two ways: the <i>windows</i> "
        "method reads R(t) at the boundaries between the time constants (the reference "
        "paper's reading); the <i>model</i> method fits the whole pulse and rest with the "
        "circuit that describes the spectra, in the time domain. The cells are then compared "
        "component by component; a crossover is where the difference of the cells' "
        "(log) resistances changes sign, its 95 % interval from a bootstrap over the "
        "pulses' noise, widened by the pulses' SOC resolution.</p>"
    )
    out.append(
        f"<p>Method used for the comparison: <b>{e(method or 'none')}</b>"
        + (f". Why: {e(why)}" if why else "")
        + ".</p>"
    )
    rows = [["circuit fitted to the spectra", e(circuit or "")]] if circuit else []
    rows += [[e(k), f"<code>{e(v)}</code>"] for k, v in _settings_rows(settings)]
    if rows:
        out.append("<h3>Settings</h3>" + table(["setting", "value"], rows, raw=True, cls="facts"))
    if run is not None:
        soft = [
            ["ohmslice", e(run["ohmslice_version"] or version)],
            ["Python", e(run["python_version"])],
            ["run id", f"<code>{e(run['run_id'])}</code>"],
            ["written (UTC)", e(run["written_utc"])],
            ["study", e(run["study_name"])],
            ["study file", f"{e(run['study_file'])} <code class='hash'>"
             f"{e(run['study_file_sha256'])}</code>" if run["study_file"] else "none"],
        ]  # fmt: skip
        out.append("<h3>Software and run</h3>" + table(["", ""], soft, raw=True, cls="facts"))
    inp = t["inputs"]
    if len(inp):
        rows = [[e(r.cell), e(r.key), e(r.path), num(r.size_bytes, ",.0f"),
                 f"<code class='hash'>{e(r.sha256)}</code>"] for r in inp.itertuples()]  # fmt: skip
        out.append(
            "<h3>Input files</h3><p class='small'>Paths relative to the study file's folder; "
            "sha256 of each file's bytes (a changed input shows as a changed hash).</p>"
            + table(["cell", "key", "file", "bytes", "sha256"], rows, raw=True, cls="inputs")
        )
    out.append(
        "<h3>To reproduce</h3><p>Run <code>ohmslice run study.toml</code> on the files above "
        "(same hashes) with ohmslice "
        + e(run["ohmslice_version"] if run is not None else version)
        + ". Every number of this report is in the results store beside it "
        "(<code>results/</code>: Parquet tables, CSV copies, <code>results.duckdb</code>; "
        '<code>ohmslice query OUT "SELECT * FROM crossovers"</code>); the meaning and unit '
        "of every column are in its <code>columns</code> table.</p>"
    )
    out.append(f"<p class='small'>Reference: {e(REFERENCE)}.</p></section>")
    return "".join(out)
