"""The reference study: the reference paper's experiment on two simulated cathodes, answers known.

Two NCM523 | LPSCl | In-Li half cells (:mod:`ohmslice.simulate.cell` defaults) differ
only in their composite's solid electrolyte:

* ``S_SE`` -- small LPSCl particles (D50 < 1 um): the NCM523 defaults unchanged.
* ``L_SE`` -- large particles (D50 ~ 6 um): higher ionic conductivity of the composite
  but poorer AM/SE contact at low SOC. Its R2 and R3 are S_SE's multiplied by

      m(SOC) = exp(-k tanh((SOC - SOC_x) / w)),   w = 3 % SOC,

  which is exp(-k) above the crossover SOC_x (L_SE better), exp(+k) below it (worse)
  and exactly 1 at SOC_x: R2 with k = ln(1/0.7) (30 % lower / 43 % higher) and
  SOC_x = 22 %; R3 with k = 0.5 (39 % lower / 65 % higher) and SOC_x = 18 %, so R3
  shows the difference most, as in the reference paper. R1 (contact) is the same for both.
  0.3 % of L_SE's active material is isolated (``capacity_fraction = 0.997``): the reference paper
  explains L_SE's lower 0.1C discharge capacity so. (In a linear model a low-SOC
  resistance large enough to cost capacity at 0.1C would also stop a 2C charge from
  the discharged state, so the isolation carries that effect.)

With these, the data show what the reference paper reports: total resistance lowest near
3.8 V vs Li (~50 % SOC); L_SE lower R2 and R3 above ~20 % SOC and higher below; L_SE
does better in the charge-rate tests (more capacity at 0.5-2C and higher retention
vs 0.1C; a charge's cut-off comes at high SOC) and S_SE in the discharge-rate tests at
every rate including 0.1C (a discharge's cut-off comes at low SOC); the two 2C
discharge curves cross.

Experiments per cell (files named like the reference paper's, EC-Lab text exports):

* ``<cell>_GITT_C01.mpt`` -- from the discharged, relaxed state: rest 10 min, 0.1C CC
  charge to 4.35 V vs Li and CV to 0.02C, rest 1 h, then {0.5C discharge 72 s (1 %
  SOC), rest 5000 s} until a pulse reaches 3.0 V vs Li (its rest still runs).
  Recording: pulses every 1 s and every 1 mV (first point 100 us after the step),
  rests every 60 s and every 1 mV.
* ``<cell>_sym_SOC{50,0}_PEIS_C01.mpt`` -- symmetric cell, 1 MHz - 10 mHz, 10 points
  per decade; ``<cell>_half_SOC{50,0}_PEIS_C01.mpt`` -- the half cell, same grid.
* ``<cell>_rate_{charge,discharge}_{0.1,0.5,1,2}C_C01.mpt`` -- discharge tests: 0.1C
  CC-CV charge, rest 30 min, CC discharge at the rate to 3.0 V; charge tests: from the
  discharged state, CC charge at the rate to 4.35 V.
* ``study.toml`` (validated by :func:`ohmslice.study.file.load_study`) and ``truth.json``.

Voltages in the files are vs In-Li (vs Li minus 0.62 V); ``counter_potential_V = 0.62``
in the study file says so. Noise: :data:`ohmslice.simulate.noise.INSTRUMENT`.

truth.json
----------
* ``cells.<name>``: model constants (area, capacity, separator and counter electrode)
  and ``parameters``: the per-electrode R1, R2, R3 [Ohm and Ohm cm^2], tau1, tau2, n2,
  tau3 on a 0.5 % SOC grid (SOC = 100 x, x the model's state of charge), and what a
  pulse of ``developed_at_s`` (the GITT's, 72 s) develops by its end, the meaning of the
  decomposition's columns (:mod:`ohmslice.method.columns`): ``r1_developed_ohm``,
  ``r2_developed_ohm``, ``r3_developed_ohm`` (the diffusion element's step response at
  the pulse end, not its DC resistance), ``r_ocv_developed_ohm`` (the OCV change of the
  pulse's charge over I) and ``r_total_developed_ohm`` (their sum).
* ``cells.<name>.pulses``: one row per GITT pulse. ``soc_start_pct`` / ``soc_end_pct``
  are coulomb-counted SOCs in % of the last full charge (100 % at the end of CC-CV, as
  an analysis counts them), ``soc_pct`` the SOC at which the simulator evaluated the
  parameters (the pulse's middle; a pulse over a steep part of the curves is cut into
  a few chunks, ``chunks`` > 1). True resistances at that SOC, per electrode:
  ``r1_ohm`` (contact R1), ``r2_ohm`` (charge transfer R2), ``r3_ohm`` (diffusion: the
  Ws DC resistance R3, the Wo's R3/3, the Wsph's R3/5), and the cell's series parts ``r_sep_ohm`` and
  ``r_counter_ohm``; ``developed``: the same keys as the developed columns of
  ``parameters`` for this pulse's duration. ``window`` is what a time-window split of the noise-free pulse sees:
  R(t) = (V(t) - V_rest) / I at t12 = max(100 us, sqrt(tau1 tau2)), t23 =
  sqrt(tau2 tau_d) (tau_d = 4 tau3 / pi^2, the slowest diffusion mode) and the pulse
  end, split into ``r1_ohm`` = R(t12) (separator, counter electrode, contact and the
  first part of R2), ``r2_ohm`` = R(t23) - R(t12) and ``r3_ohm`` = R(t_end) - R(t23)
  (diffusion developed by the pulse end, plus the OCV drift of the 1 % SOC step).
* ``crossover_soc_pct``: SOCs where L_SE - S_SE changes sign for R2, R3 and the
  electrode total R1 + R2 + R3 (model SOC) and per cell in coulombic SOC of its GITT;
  ``developed`` (model SOC) the crossovers of the developed R2, R3, r_ocv and total, and
  ``window_split`` those of the window split of the pulses.
* ``rate``: capacity [mAh, % of nominal] per cell, direction and C-rate, and the
  capacity where the two 2C discharge curves cross.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import replace
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..schema import Spectrum
from .cell import CellModel, ncm523_cell, ncm523_parameters
from .curves import constant
from .noise import INSTRUMENT, NoiseModel
from .programme import Rest, cc_cv_charge, gitt, rate_step
from .run import FIRST_SAMPLE_S, SimResult, simulate
from .writers import atomic_write_text, write_mpt, write_mpt_spectrum

__all__ = ["reference_cells", "write_reference_study", "RATES", "EIS_SOCS"]

RATES = (0.1, 0.5, 1.0, 2.0)
EIS_SOCS = (50.0, 0.0)
PULSE_S = 72.0  # the GITT's pulse (0.5C, 1 % SOC)
#: R3 over the DC-limit resistance of each diffusion element
DC_SHARE = {"Ws": 1.0, "Wo": 3.0, "Wsph": 5.0}
#: tau3 over the time constant of each diffusion element's slowest mode
SLOWEST_MODE = {"Ws": np.pi**2 / 4, "Wo": np.pi**2, "Wsph": 20.1907}

L_SE_R2 = (np.log(1 / 0.7), 22.0)  # (k, crossover SOC %)
L_SE_R3 = (0.5, 18.0)
CROSS_WIDTH = 3.0
L_SE_ACCESSIBLE = 0.997  # 0.3 % of the active material isolated (poorer AM/SE contact)


def _ratio(k: float, soc_x: float):
    def m(soc: np.ndarray) -> np.ndarray:
        return np.exp(-k * np.tanh((np.asarray(soc, dtype=float) - soc_x) / CROSS_WIDTH))

    return m


def _times(f, g):
    def h(soc: np.ndarray) -> np.ndarray:
        return f(soc) * g(soc)

    return h


def reference_cells(diffusion: str = "Ws", tau_ct_s: float | None = None) -> dict[str, CellModel]:
    """The two cathodes of the reference study: ``S_SE`` and ``L_SE`` (see module doc).

    ``diffusion`` (``"Ws"``, ``"Wo"``, ``"Wsph"``) and ``tau_ct_s`` (a charge-transfer
    time constant [s] in place of the 1 ms of :func:`ncm523_parameters`) make variants of
    both cells for benchmarks.
    """
    base = replace(ncm523_parameters(), diffusion=diffusion)
    if tau_ct_s is not None:
        base = replace(base, tau_ct_s=constant(float(tau_ct_s)))
    large = replace(
        base,
        r_ct_ohm_cm2=_times(base.r_ct_ohm_cm2, _ratio(*L_SE_R2)),
        r_diff_ohm_cm2=_times(base.r_diff_ohm_cm2, _ratio(*L_SE_R3)),
    )
    return {
        "S_SE": ncm523_cell("S_SE", electrode=base, label="small-particle LPSCl (D50 < 1 um)"),
        "L_SE": ncm523_cell(
            "L_SE",
            electrode=large,
            label="large-particle LPSCl (D50 ~ 6 um)",
            capacity_fraction=L_SE_ACCESSIBLE,
        ),
    }


def crossings(soc: np.ndarray, diff: np.ndarray) -> list[float]:
    """SOCs where ``diff`` changes sign along increasing ``soc`` (linear interpolation;
    where exact zeros lie between the two signs, the first zero)."""
    soc, diff = np.asarray(soc, dtype=float), np.asarray(diff, dtype=float)
    nz = np.flatnonzero(diff != 0)
    a, b = nz[:-1], nz[1:]
    change = np.sign(diff[a]) != np.sign(diff[b])
    a, b = a[change], b[change]
    with np.errstate(divide="ignore", invalid="ignore"):
        lin = soc[a] - diff[a] * (soc[b] - soc[a]) / (diff[b] - diff[a])
    return [float(x) for x in np.where(b - a > 1, soc[np.minimum(a + 1, soc.size - 1)], lin)]


def _param_table(cell: CellModel) -> dict[str, list[float]]:
    soc = np.linspace(0.0, 100.0, 201)
    p = cell.electrode.evaluate(soc)
    a = cell.area_cm2
    r3_eff = p["r_diff_ohm_cm2"] / DC_SHARE[cell.electrode.diffusion]
    return {
        "soc_pct": soc.tolist(),
        "r1_ohm_cm2": p["r_contact_ohm_cm2"].tolist(),
        "r2_ohm_cm2": p["r_ct_ohm_cm2"].tolist(),
        "r3_ohm_cm2": r3_eff.tolist(),
        "r1_ohm": (p["r_contact_ohm_cm2"] / a).tolist(),
        "r2_ohm": (p["r_ct_ohm_cm2"] / a).tolist(),
        "r3_ohm": (r3_eff / a).tolist(),
        "tau1_s": p["tau_contact_s"].tolist(),
        "tau2_s": p["tau_ct_s"].tolist(),
        "n2": p["n_ct"].tolist(),
        "tau3_s": p["tau_diff_s"].tolist(),
        "developed_at_s": PULSE_S,
        **{f"{k}_developed_ohm": v for k, v in _developed(cell, soc, PULSE_S).items()},
    }


def _developed(cell: CellModel, soc: np.ndarray, duration_s: float) -> dict[str, list[float]]:
    """Per-electrode R1, R2, R3 developed by the end of a current step of ``duration_s``
    [s] from rest with the parameters of each SOC of ``soc`` [%] (each process's step
    response at t = T), r_ocv = dOCV/dx T / Q (the small-step OCV change per ampere) and
    their total ``r_total``; keys ``{r1,r2,r3,r_ocv,r_total}`` (lists, Ohm)."""
    out: dict[str, list[float]] = {k: [] for k in ("r1", "r2", "r3", "r_ocv", "r_total")}
    t = np.asarray(float(duration_s))
    for x in soc:
        ch = cell.process_chains(float(x))
        r = [float(ch[k].step_response(t)) for k in ("contact", "ct", "diffusion")]
        r.append(float(cell.ocv.slope(float(x) / 100.0)) * float(t) / cell.capacity_C)
        for key, v in zip(out, [*r, sum(r)], strict=True):
            out[key].append(v)
    return out


def _simulated_split(cell: CellModel, res: SimResult, step: int, i: float) -> dict[str, float]:
    """What a pulse (CC step ``step`` of ``res`` at current ``i`` [A]) developed by its end,
    per process, from the simulator's own element voltages: ``r1_ohm`` (contact),
    ``r2_ohm`` (charge transfer), ``r3_ohm`` (diffusion), ``r_ocv_ohm`` (OCV change of the
    pulse's charge) and ``r_total_ohm`` (their sum: the noise-free (V_end - V_before) / I
    without separator and counter electrode). Parameters that change within the pulse
    are in (the last chunk's give the instantaneous parts)."""
    st0 = res.start_states[step]
    st1 = res.start_states[step + 1] if step + 1 < len(res.start_states) else res.state
    x_last = res.plans[step][-1][2] if step < len(res.plans) and res.plans[step] else st1.x
    chains = cell.process_chains(100.0 * x_last)
    dv = (st1.v - st0.v)[1:]  # element 0 is the counter electrode
    out, k = {}, 0
    for key, name in (("contact", "r1_ohm"), ("ct", "r2_ohm"), ("diffusion", "r3_ohm")):
        m = len(chains[key])
        out[name] = float(dv[k : k + m].sum() / i + chains[key].r0)
        k += m
    out["r_ocv_ohm"] = float((cell.ocv(st1.x) - cell.ocv(st0.x)) / i)
    out["r_total_ohm"] = sum(out.values())
    return out


def _pulse_truth(cell: CellModel, res: SimResult, x_full: float) -> list[dict[str, Any]]:
    st = res.steps
    pulses = st[(st["kind"] == "CC") & (st["label"] == "pulse")]
    rows = []
    for _, row in pulses.iterrows():
        i = float(row["current_A"])
        duration = float(row["t_end_s"] - row["t_start_s"])
        x0, x1 = float(row["x_start"]), float(row["x_end"])
        x_mid = float(row["x_param"]) if np.isfinite(row["x_param"]) else 0.5 * (x0 + x1)
        soc = 100.0 * x_mid
        p = cell.parameters_ohm(soc)
        r3_eff = p["r3"] / DC_SHARE[cell.electrode.diffusion]
        tau_d = p["tau3"] / SLOWEST_MODE[cell.electrode.diffusion]
        t12 = max(FIRST_SAMPLE_S, float(np.sqrt(p["tau1"] * p["tau2"])))
        t23 = float(np.sqrt(p["tau2"] * tau_d))
        entry: dict[str, Any] = {
            "pulse": len(rows),
            "step": int(row["step"]),
            "cycle": int(row["cycle"]),
            "t_start_s": float(row["t_start_s"]),
            "duration_s": duration,
            "current_A": i,
            "end_reason": row["end_reason"],
            "soc_start_pct": 100.0 * x0 / x_full,
            "soc_end_pct": 100.0 * x1 / x_full,
            "soc_pct": soc,
            "chunks": int(row["chunks"]),
            "ocv_before_V": float(row["v_start_V"]),
            "r1_ohm": p["r1"],
            "r2_ohm": p["r2"],
            "r3_ohm": r3_eff,
            "tau1_s": p["tau1"],
            "tau2_s": p["tau2"],
            "n2": p["n2"],
            "tau3_s": p["tau3"],
            "r_sep_ohm": cell.r_sep_ohm,
            "r_counter_ohm": cell.r_counter_ohm,
            "r_total_ohm": cell.r_sep_ohm + cell.r_counter_ohm + p["r1"] + p["r2"] + r3_eff,
            "developed": _simulated_split(cell, res, int(row["step"]), i),
        }
        if duration > t23:
            v = res.step_voltage(int(row["step"]), np.array([t12, t23, duration]))
            r = (v - float(row["v_start_V"])) / i
            entry["window"] = {
                "t12_s": t12,
                "t23_s": t23,
                "t_end_s": duration,
                "r1_ohm": float(r[0]),
                "r2_ohm": float(r[1] - r[0]),
                "r3_ohm": float(r[2] - r[1]),
                "r_total_ohm": float(r[2]),
            }
        rows.append(entry)
    return rows


#: How the GITT is recorded (keyword arguments of :func:`ohmslice.simulate.gitt`):
#: ``log`` every 1 s and every 1 mV, the first sample 100 us after each step (the
#: reference study); ``1s`` every 1 s in pulses and rests, nothing in between (the first
#: sample 1 s after each step); ``0.1s`` every 0.1 s in the pulses, every 1 s in the
#: rests; ``dE`` every 1 mV (and at least every 60 s in a pulse, 600 s in a rest).
SAMPLINGS: dict[str, dict[str, float]] = {
    "log": {},
    "1s": {"pulse_dt_s": 1.0, "pulse_dE_V": np.inf, "rest_dt_s": 1.0, "rest_dE_V": np.inf},
    "0.1s": {"pulse_dt_s": 0.1, "pulse_dE_V": np.inf, "rest_dt_s": 1.0, "rest_dE_V": np.inf},
    "dE": {"pulse_dt_s": 60.0, "pulse_dE_V": 1e-3, "rest_dt_s": 600.0, "rest_dE_V": 1e-3},
}
#: The circuit the study file names for each diffusion element of the cells
CIRCUITS = {
    "Ws": "R0-p(R1,C1)-Zarc2-Ws3-C4",
    "Wo": "R0-p(R1,C1)-Zarc2-Wo3",
    "Wsph": "R0-p(R1,C1)-Zarc2-Wsph3",
}


def _gitt(
    cell: CellModel,
    noise: NoiseModel,
    rng: np.random.Generator,
    n_pulses: int | None,
    sampling: str = "log",
):
    prog = [
        Rest(600.0),
        *cc_cv_charge(cell),
        Rest(3600.0),
        gitt(cell, pulse_s=PULSE_S, n_pulses=n_pulses, **SAMPLINGS[sampling]),
    ]
    res = simulate(cell, prog, soc0=0.0, noise=noise, seed=rng, technique="GITT")
    st = res.steps
    x_full = float(st[st["label"] == "CV charge"]["x_end"].iloc[0])
    return res, x_full


def _rate(cell: CellModel, c: float, direction: str, noise: NoiseModel, rng):
    if direction == "discharge":
        prog = [Rest(600.0), *cc_cv_charge(cell), Rest(1800.0), rate_step(cell, c, "discharge")]
    else:
        prog = [Rest(600.0), rate_step(cell, c, "charge")]
    res = simulate(cell, prog, soc0=0.0, noise=noise, seed=rng, technique="GCPL")
    last = res.steps.iloc[-1]
    cap = abs(float(last["x_end"] - last["x_start"])) * cell.capacity_Ah
    return res, cap


def _curve_crossing(a: SimResult, b: SimResult) -> dict[str, float] | None:
    """Where two discharge curves V(q) cross (q discharged capacity), noise-free."""
    curves = []
    for res in (a, b):
        last = res.steps.iloc[-1]
        d = res.recording.data
        sel = (d["step"] == int(last["step"])).to_numpy()
        q = (float(last["x_start"]) - res.soc[sel]) * res.cell.capacity_Ah * 1e3
        v = d["voltage_V"].to_numpy()[sel]
        curves.append((q, v))
    q_max = min(curves[0][0].max(), curves[1][0].max())
    q = np.linspace(0.02 * q_max, 0.995 * q_max, 2000)
    diff = np.interp(q, *curves[0]) - np.interp(q, *curves[1])
    xs = crossings(q, diff)
    if not xs:
        return None
    qx = xs[0]
    return {"capacity_mAh": qx, "voltage_V": float(np.interp(qx, *curves[0]))}


def _study_toml(
    cells: dict[str, CellModel], files: dict[str, dict[str, Any]], circuit: str | None
) -> str:
    lines = [
        "# Reference study written by `ohmslice simulate reference`: two simulated",
        "# NCM523 | LPSCl | In-Li cathodes; the true answers are in truth.json.",
        "[study]",
        'name = "Reference: LPSCl particle size (simulated)"',
        'description = "S_SE vs L_SE; GITT 0.5C x 72 s / 5000 s, symmetric and half-cell EIS, rate tests"',
        "",
    ]
    for name, cell in cells.items():
        f = files[name]
        lines += [
            "[[cell]]",
            f'name = "{name}"',
            f'label = "{cell.label}"',
            f"area_cm2 = {cell.area_cm2}",
            f"active_mass_mg = {cell.active_mass_mg}",
            f"nominal_capacity_mAh = {cell.nominal_capacity_Ah * 1e3:.6g}",
            f"counter_potential_V = {cell.counter_potential_V}",
            f'gitt = "{f["gitt"]}"',
            "[cell.symmetric_eis]",
            *[f'{soc:g} = "{p}"' for soc, p in f["symmetric_eis"].items()],
            "[cell.half_eis]",
            *[f'{soc:g} = "{p}"' for soc, p in f["half_eis"].items()],
            "[cell.rate]",
            "charge = [" + ", ".join(f'"{p}"' for p in f["rate"]["charge"]) + "]",
            "discharge = [" + ", ".join(f'"{p}"' for p in f["rate"]["discharge"]) + "]",
            "",
        ]
    lines += [
        "[analysis]",
        *([f'circuit = "{circuit}"'] if circuit else []),
        "symmetric_separator_layers = 2",
        "",
    ]
    return "\n".join(lines)


def write_reference_study(
    out_dir: str | PathLike[str],
    *,
    seed: int = 0,
    noise: NoiseModel = INSTRUMENT,
    decimal: str = ".",
    n_pulses: int | None = None,
    rates: tuple[float, ...] = RATES,
    diffusion: str = "Ws",
    tau_ct_s: float | None = None,
    eis_f_min_hz: float = 0.01,
    sampling: str = "log",
    circuit: str | None = "matching",
) -> dict[str, Any]:
    """Simulate the reference study and write it (instrument files, study.toml, truth.json).

    Parameters
    ----------
    out_dir
        Target folder; created if needed. Files are written into a temporary folder
        beside it and moved in only when all of them are complete.
    seed
        Seed of the noise.
    noise, decimal
        Noise model and decimal mark of the .mpt files.
    n_pulses
        Number of GITT pulses (default: until the cut-off; fewer for quick tests).
    rates
        C-rates of the rate tests (none: no rate tests).
    diffusion, tau_ct_s
        Variants of the cells (:func:`reference_cells`): their diffusion element
        (``"Ws"``, ``"Wo"``, ``"Wsph"``) and a charge-transfer time constant [s].
    eis_f_min_hz
        Lowest frequency of the spectra (from 1 MHz, 10 per decade).
    sampling
        How the GITT is recorded: a key of :data:`SAMPLINGS`.
    circuit
        The ``[analysis] circuit`` of the study file: ``"matching"`` the circuit of the
        cells' diffusion element (:data:`CIRCUITS`), None none (the analysis then
        chooses the diffusion shape by itself), or a circuit string.

    Returns
    -------
    dict
        The truth (as written to truth.json) plus ``"elapsed_s"`` and ``"files"``.

    Raises
    ------
    InputError
        ``out_dir`` is an existing file, or a bad argument.
    """
    t_start = time.perf_counter()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a folder", path=out)
    if decimal not in (".", ","):
        raise InputError(f"decimal = {decimal!r}; expected '.' or ','")
    if sampling not in SAMPLINGS:
        raise InputError(f"sampling = {sampling!r}; expected one of {sorted(SAMPLINGS)}")
    if diffusion not in CIRCUITS:
        raise InputError(f"diffusion = {diffusion!r}; expected one of {sorted(CIRCUITS)}")
    if not (np.isfinite(eis_f_min_hz) and 0 < eis_f_min_hz < 1e5):
        raise InputError(f"eis_f_min_hz = {eis_f_min_hz}; expected a frequency below 100 kHz")
    if tau_ct_s is not None and not (np.isfinite(tau_ct_s) and tau_ct_s > 0):
        raise InputError(f"tau_ct_s = {tau_ct_s}; expected > 0")
    study_circuit = CIRCUITS[diffusion] if circuit == "matching" else circuit
    decades = 6.0 - np.log10(eis_f_min_hz)
    eis_freq = np.logspace(6.0, np.log10(eis_f_min_hz), int(round(decades * 10)) + 1)
    rng = np.random.default_rng(seed)
    cells = reference_cells(diffusion, tau_ct_s)
    texts: dict[str, str] = {}
    truth: dict[str, Any] = {
        "generator": "ohmslice.simulate.reference",
        "seed": seed,
        "variant": {
            "diffusion": diffusion,
            "tau_ct_s": tau_ct_s,
            "eis_f_min_hz": eis_f_min_hz,
            "sampling": sampling,
            "circuit": study_circuit,
        },  # fmt: skip
        "definitions": (__doc__ or "").split("truth.json\n----------\n", 1)[-1].strip(),
        "cells": {},
        "rate": {},
    }
    files: dict[str, dict[str, Any]] = {}
    sims: dict[str, dict[str, Any]] = {}

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, cell in cells.items():
            f: dict[str, Any] = {
                "symmetric_eis": {},
                "half_eis": {},
                "rate": {"charge": [], "discharge": []},
            }
            common = {
                "ewe_min_V": cell.to_cell_voltage(3.0) - 0.5,
                "ewe_max_V": cell.to_cell_voltage(4.35) + 0.5,
                "area_cm2": cell.area_cm2,
                "active_mass_mg": cell.active_mass_mg,
                "capacity_Ah": cell.nominal_capacity_Ah,
                "material": "NCM523 : LPSCl : VGCF = 75 : 22 : 3",
                "electrolyte": "LPSCl",
            }
            # GITT
            res, x_full = _gitt(cell, noise, rng, n_pulses, sampling)
            f["gitt"] = f"{name}_GITT_C01.mpt"
            write_mpt(res.recording, tmp / f["gitt"], technique="GITT", decimal=decimal,
                      settings={**common, "comments": f"simulated {name} ({cell.label}); In-Li counter"})  # fmt: skip
            # EIS
            for soc in EIS_SOCS:
                x = soc / 100.0 * x_full
                for kind, key, tag in (
                    ("symmetric", "symmetric_eis", "sym"),
                    ("half", "half_eis", "half"),
                ):
                    z = noise.impedance(cell.impedance(eis_freq, 100.0 * x, kind), rng)
                    sp = Spectrum.from_arrays(eis_freq, z, {"settings": common})
                    ewe = 0.0 if kind == "symmetric" else float(cell.ocv_cell(x))
                    fname = f"{name}_{tag}_SOC{soc:g}_PEIS_C01.mpt"
                    write_mpt_spectrum(sp, tmp / fname, decimal=decimal, ewe_V=ewe,
                                       settings={**common, "comments": f"simulated {name} {kind} cell at SOC {soc:g} %"})  # fmt: skip
                    f[key][soc] = fname
            # rate tests
            caps: dict[str, dict[str, float]] = {"charge": {}, "discharge": {}}
            sims[name] = {}
            for direction in ("charge", "discharge"):
                for c in rates:
                    r, cap = _rate(cell, c, direction, noise, rng)
                    fname = f"{name}_rate_{direction}_{c:g}C_C01.mpt"
                    write_mpt(r.recording, tmp / fname, technique="GCPL", decimal=decimal,
                              settings={**common, "comments": f"simulated {name}: {direction} at {c:g}C"})  # fmt: skip
                    f["rate"][direction].append(fname)
                    caps[direction][f"{c:g}C"] = cap * 1e3
                    sims[name][(direction, c)] = r
            files[name] = f
            truth["cells"][name] = {
                "label": cell.label,
                "area_cm2": cell.area_cm2,
                "capacity_mAh": cell.capacity_Ah * 1e3,
                "nominal_capacity_mAh": cell.nominal_capacity_Ah * 1e3,
                "capacity_fraction": cell.capacity_fraction,
                "one_c_mA": cell.one_c_A * 1e3,
                "active_mass_mg": cell.active_mass_mg,
                "counter_potential_V": cell.counter_potential_V,
                "r_sep_ohm": cell.r_sep_ohm,
                "r_sep_symmetric_ohm": cell.sym_separator_layers * cell.r_sep_ohm,
                "r_counter_ohm": cell.r_counter_ohm,
                "tau_counter_s": cell.tau_counter_s,
                "diffusion_element": cell.electrode.diffusion,
                "x_full_charge": x_full,
                "gitt_pulses_to_cutoff": int((res.steps["label"] == "pulse").sum()),
                "parameters": _param_table(cell),
                "pulses": _pulse_truth(cell, res, x_full),
                "eis": {
                    f"{soc:g}": {k: v for k, v in cell.parameters_ohm(soc * x_full).items()}
                    for soc in EIS_SOCS
                },
            }
            truth["rate"][name] = {
                d: {k: {"capacity_mAh": v, "capacity_pct": 100 * v / (cell.nominal_capacity_Ah * 1e3)}
                    for k, v in caps[d].items()}
                for d in caps
            }  # fmt: skip
        truth["crossover_soc_pct"] = _crossovers(cells, truth)
        if 2.0 in rates:
            truth["rate"]["discharge_2C_crossing"] = _curve_crossing(
                sims["S_SE"][("discharge", 2.0)], sims["L_SE"][("discharge", 2.0)]
            )
        texts["study.toml"] = _study_toml(cells, files, study_circuit)
        texts["truth.json"] = json.dumps(truth, indent=1, default=float)
        for fname, text in texts.items():
            atomic_write_text(tmp / fname, text)
        _move_into(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    truth["elapsed_s"] = time.perf_counter() - t_start
    truth["files"] = sorted(p.name for p in out.iterdir())
    return truth


def _crossovers(cells: dict[str, CellModel], truth: dict[str, Any]) -> dict[str, Any]:
    s, ll = truth["cells"]["S_SE"], truth["cells"]["L_SE"]
    ps, pl = s["parameters"], ll["parameters"]
    soc = np.asarray(ps["soc_pct"])
    out: dict[str, Any] = {"model_soc": {}, "coulombic_soc": {}, "developed": {},
                           "window_split": {}}  # fmt: skip
    fine = np.linspace(0, 100, 20001)  # fine grid for the roots
    for key in ("r2", "r3", "total"):
        if key == "total":
            d = sum(np.asarray(pl[f"r{j}_ohm"]) - np.asarray(ps[f"r{j}_ohm"]) for j in (1, 2, 3))
        else:
            d = np.asarray(pl[f"{key}_ohm"]) - np.asarray(ps[f"{key}_ohm"])
        xs = crossings(fine, np.interp(fine, soc, d))
        out["model_soc"][key] = xs
        out["coulombic_soc"][key] = {
            name: [x / truth["cells"][name]["x_full_charge"] for x in xs] for name in cells
        }
    for key in ("r2", "r3", "r_ocv", "r_total"):
        d = np.asarray(pl[f"{key}_developed_ohm"]) - np.asarray(ps[f"{key}_developed_ohm"])
        out["developed"][key] = crossings(fine, np.interp(fine, soc, d))
    # window split: per-pulse values interpolated on a common SOC axis
    grid = np.linspace(5, 95, 901)
    for key in ("r1", "r2", "r3", "r_total"):
        curves = []
        for cell in (s, ll):
            rows = [p for p in cell["pulses"] if "window" in p]
            x = np.array([p["soc_pct"] for p in rows])[::-1]
            y = np.array([p["window"][f"{key}_ohm"] for p in rows])[::-1]
            curves.append(np.interp(grid, x, y))
        out["window_split"][key] = crossings(grid, curves[1] - curves[0])
    return out


def _move_into(tmp: Path, out: Path) -> None:
    """Move the finished files into ``out`` (whole folder rename when possible)."""
    if not out.exists():
        os.replace(tmp, out)
        tmp.mkdir()  # so that the caller's cleanup finds something to remove
        return
    for p in sorted(tmp.iterdir()):
        os.replace(p, out / p.name)


def pulse_truth_table(truth: dict[str, Any], cell: str) -> pd.DataFrame:
    """What each simulated pulse of ``cell`` developed by its end, as the decomposition's
    columns mean it (:mod:`ohmslice.method.columns`): ``r1_ohm`` (separator, counter
    electrode and contact: everything faster than charge transfer), ``r2_ohm``,
    ``r3_ohm``, ``r12_ohm``, ``r_ocv_ohm``, ``r_total_ohm`` [Ohm], one row per pulse in
    order, with ``soc_start_pct`` / ``soc_end_pct`` (coulombic, against the full charge).
    """
    t = truth["cells"][cell]
    series = float(t["r_sep_ohm"]) + float(t["r_counter_ohm"])
    rows = []
    for p in t["pulses"]:
        d = p["developed"]
        r1 = d["r1_ohm"] + series
        rows.append(
            {"pulse": p["pulse"], "soc_start_pct": p["soc_start_pct"],
             "soc_end_pct": p["soc_end_pct"], "r1_ohm": r1, "r2_ohm": d["r2_ohm"],
             "r3_ohm": d["r3_ohm"], "r12_ohm": r1 + d["r2_ohm"], "r_ocv_ohm": d["r_ocv_ohm"],
             "r_total_ohm": d["r_total_ohm"] + series}
        )  # fmt: skip
    return pd.DataFrame(rows)


def developed_crossovers(
    truth: dict[str, Any], soc_by_cell: dict[str, np.ndarray]
) -> dict[str, list[float]]:
    """Crossovers of what the two cells' simulated pulses developed by their ends
    (:func:`pulse_truth_table`), each pulse placed at the SOC an analysis gives it
    (``soc_by_cell``: cell -> SOC of each pulse [%], in pulse order): the truth of the
    crossovers an analysis reports from its pulses. Keys ``r1``, ``r2``, ``r12``, ``r3``,
    ``r_ocv``, ``r_total``; empty where a cell's pulse count differs from the truth's.
    """
    names = [n for n in truth["cells"] if n in soc_by_cell]
    if len(names) != 2:
        return {}
    grid = np.linspace(0.0, 100.0, 20001)
    curves = {}
    for name in names:
        tab = pulse_truth_table(truth, name)
        soc = np.asarray(soc_by_cell[name], dtype=float)
        if soc.size != len(tab):
            return {}
        order = np.argsort(soc)
        curves[name] = {
            k: np.interp(grid, soc[order], tab[f"{k}_ohm"].to_numpy()[order], left=np.nan,
                         right=np.nan)
            for k in ("r1", "r2", "r12", "r3", "r_ocv", "r_total")
        }  # fmt: skip
    a, b = names
    out = {}
    for key in curves[a]:
        d = curves[b][key] - curves[a][key]
        ok = np.isfinite(d)
        out[key] = crossings(grid[ok], d[ok])
    return out


def score_crossover(crossovers: pd.DataFrame, component: str, x_true: float) -> dict[str, Any]:
    """The reported crossover of ``component`` (rows of a comparison's ``crossovers``)
    nearest to the true SOC ``x_true`` [%]: ``found``, and where found ``error_pp``
    (reported - true), ``covered`` (its interval holds the truth) and ``width_pp``."""
    sub = crossovers[crossovers["component"] == component] if len(crossovers) else crossovers
    if len(sub) == 0:
        return {"found": False}
    r = sub.iloc[int(np.argmin(np.abs(sub["soc_pct"].to_numpy(float) - x_true)))]
    return {
        "found": True,
        "error_pp": float(r.soc_pct - x_true),
        "covered": bool(r.ci_low_pct <= x_true <= r.ci_high_pct),
        "width_pp": float(r.ci_high_pct - r.ci_low_pct),
    }
