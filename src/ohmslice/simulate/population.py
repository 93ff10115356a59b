"""A population of simulated studies: many cells whose resistances are known, for batches.

:func:`write_population` writes ``n`` study folders (``study_001/`` ...), each a
``study.toml`` with its instrument files and ``truth.json``, and ``population.json``
beside them listing every study, cell and the factors its parameters were drawn with.

Each study holds ``cells_per_study`` NCM523 | LPSCl | In-Li cathodes
(:func:`ohmslice.simulate.cell.ncm523_cell`) whose SOC-dependent parameters are the
reference study's S_SE cathode (:func:`ohmslice.simulate.reference.reference_cells`)
multiplied by constant factors drawn log-normally: contact R1 (sigma
:data:`SPREAD` ``["r1"]``), charge transfer R2, diffusion R3 and the time constants of
charge transfer and diffusion. A cell is measured as in the reference study but
shortened for screening: a GITT of 0.5C pulses of ``pulse_s`` seconds (720 s: 10 % of
the nominal capacity per pulse, so ~10 pulses span the SOC range) with 5000 s rests,
and symmetric-cell spectra (1 MHz - 10 mHz) at the SOCs of ``eis_socs``; no rate tests.

Seeded per study: study ``k`` draws from ``numpy.random.SeedSequence(seed).spawn``'s
``k``-th child, so it is the same whatever ``n`` is. Cell names are unique across the
population (``c007a``, ``c007b``: study 7, cells a and b).

truth.json (per study) has the keys of the reference study's (its ``definitions``) for
each cell -- ``parameters`` (per-electrode R1, R2, R3 on a 0.5 % SOC grid and what a
pulse of ``pulse_s`` develops by its end: ``r{1,2,3}_developed_ohm``, ``r_ocv_developed_ohm``,
``r_total_developed_ohm``), ``pulses`` (per GITT pulse, coulombic SOC and true values)
-- plus ``factors`` (the drawn multipliers).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import replace
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..schema import Spectrum
from .cell import CellModel, ncm523_cell
from .noise import INSTRUMENT, NoiseModel
from .programme import Rest, cc_cv_charge, gitt
from .reference import CIRCUITS, DC_SHARE, _developed, _move_into, _pulse_truth, reference_cells
from .run import simulate
from .writers import atomic_write_text, write_mpt, write_mpt_spectrum

__all__ = ["SPREAD", "population_factors", "population_cell", "write_population"]

#: Log-normal sigma (natural log) of each parameter's factor across the population
SPREAD = {"r1": 0.25, "r2": 0.35, "r3": 0.35, "tau2": 0.3, "tau3": 0.3}


def population_factors(rng: np.random.Generator) -> dict[str, float]:
    """One cell's multipliers of the reference parameters (keys of :data:`SPREAD`),
    each exp(N(0, sigma^2)) drawn from ``rng``."""
    return {k: float(np.exp(rng.normal(0.0, s))) for k, s in SPREAD.items()}


def _scaled(f: Any, k: float) -> Any:
    def g(soc: np.ndarray) -> np.ndarray:
        return k * np.asarray(f(soc), dtype=float)

    return g


def population_cell(name: str, factors: dict[str, float], label: str = "") -> CellModel:
    """The reference study's S_SE cathode with its R1, R2, R3, tau2 and tau3 multiplied
    by ``factors`` (keys of :data:`SPREAD`; a missing key is 1)."""
    base = reference_cells()["S_SE"].electrode
    e = replace(
        base,
        r_contact_ohm_cm2=_scaled(base.r_contact_ohm_cm2, factors.get("r1", 1.0)),
        r_ct_ohm_cm2=_scaled(base.r_ct_ohm_cm2, factors.get("r2", 1.0)),
        r_diff_ohm_cm2=_scaled(base.r_diff_ohm_cm2, factors.get("r3", 1.0)),
        tau_ct_s=_scaled(base.tau_ct_s, factors.get("tau2", 1.0)),
        tau_diff_s=_scaled(base.tau_diff_s, factors.get("tau3", 1.0)),
    )
    return ncm523_cell(name, electrode=e, label=label)


def _param_table(cell: CellModel, pulse_s: float) -> dict[str, Any]:
    soc = np.linspace(0.0, 100.0, 201)
    p = cell.electrode.evaluate(soc)
    a = cell.area_cm2
    r3 = p["r_diff_ohm_cm2"] / DC_SHARE[cell.electrode.diffusion]
    return {
        "soc_pct": soc.tolist(),
        "r1_ohm": (p["r_contact_ohm_cm2"] / a).tolist(),
        "r2_ohm": (p["r_ct_ohm_cm2"] / a).tolist(),
        "r3_ohm": (r3 / a).tolist(),
        "tau2_s": p["tau_ct_s"].tolist(),
        "tau3_s": p["tau_diff_s"].tolist(),
        "developed_at_s": pulse_s,
        **{f"{k}_developed_ohm": v for k, v in _developed(cell, soc, pulse_s).items()},
    }


def _toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid TOML basic string


def _study_toml(name: str, cells: dict[str, CellModel], files: dict[str, dict[str, Any]]) -> str:
    lines = [
        "# Simulated study written by `ohmslice simulate population`; truth in truth.json.",
        "[study]",
        f"name = {_toml_str(name)}",
        "",
    ]
    for cname, cell in cells.items():
        f = files[cname]
        lines += [
            "[[cell]]",
            f"name = {_toml_str(cname)}",
            f"label = {_toml_str(cell.label)}",
            f"area_cm2 = {cell.area_cm2}",
            f"active_mass_mg = {cell.active_mass_mg}",
            f"nominal_capacity_mAh = {cell.nominal_capacity_Ah * 1e3:.6g}",
            f"counter_potential_V = {cell.counter_potential_V}",
            f"gitt = {_toml_str(f['gitt'])}",
            "[cell.symmetric_eis]",
            *[f"{soc:g} = {_toml_str(p)}" for soc, p in f["symmetric_eis"].items()],
            "",
        ]
    lines += ["[analysis]", f"circuit = {_toml_str(CIRCUITS['Ws'])}",
              "symmetric_separator_layers = 2", ""]  # fmt: skip
    return "\n".join(lines)


def _write_study(
    folder: Path,
    index: int,
    seq: np.random.SeedSequence,
    *,
    cells_per_study: int,
    n_pulses: int | None,
    pulse_s: float,
    eis_socs: tuple[float, ...],
    noise: NoiseModel,
) -> dict[str, Any]:
    """Simulate study ``index`` and write it into the new folder ``folder``."""
    rng = np.random.default_rng(seq)
    name = f"population study {index:03d}"
    cells: dict[str, CellModel] = {}
    factors: dict[str, dict[str, float]] = {}
    for j in range(cells_per_study):
        cname = f"c{index:03d}{chr(ord('a') + j)}"
        factors[cname] = population_factors(rng)
        desc = ", ".join(f"{k} x{v:.2f}" for k, v in factors[cname].items())
        cells[cname] = population_cell(cname, factors[cname], label=f"simulated ({desc})")
    eis_freq = np.logspace(6.0, -2.0, 81)
    truth: dict[str, Any] = {"generator": "ohmslice.simulate.population", "study": name,
                             "index": index, "cells": {}}  # fmt: skip
    files: dict[str, dict[str, Any]] = {}
    folder.mkdir(parents=True)
    for cname, cell in cells.items():
        common = {"ewe_min_V": cell.to_cell_voltage(3.0) - 0.5,
                  "ewe_max_V": cell.to_cell_voltage(4.35) + 0.5, "area_cm2": cell.area_cm2,
                  "active_mass_mg": cell.active_mass_mg, "capacity_Ah": cell.nominal_capacity_Ah,
                  "material": "NCM523 : LPSCl : VGCF = 75 : 22 : 3", "electrolyte": "LPSCl"}  # fmt: skip
        prog = [Rest(600.0), *cc_cv_charge(cell), Rest(3600.0),
                gitt(cell, pulse_s=pulse_s, n_pulses=n_pulses)]  # fmt: skip
        res = simulate(cell, prog, soc0=0.0, noise=noise, seed=rng, technique="GITT")
        st = res.steps
        x_full = float(st[st["label"] == "CV charge"]["x_end"].iloc[0])
        f: dict[str, Any] = {"gitt": f"{cname}_GITT_C01.mpt", "symmetric_eis": {}}
        write_mpt(res.recording, folder / f["gitt"], technique="GITT",
                  settings={**common, "comments": f"simulated {cname}; In-Li counter"})  # fmt: skip
        for soc in eis_socs:
            z = noise.impedance(cell.impedance(eis_freq, soc * x_full, "symmetric"), rng)
            sp = Spectrum.from_arrays(eis_freq, z, {"settings": common})
            fname = f"{cname}_sym_SOC{soc:g}_PEIS_C01.mpt"
            write_mpt_spectrum(sp, folder / fname, ewe_V=0.0,
                               settings={**common, "comments": f"simulated {cname} at SOC {soc:g} %"})  # fmt: skip
            f["symmetric_eis"][soc] = fname
        files[cname] = f
        truth["cells"][cname] = {
            "label": cell.label,
            "factors": factors[cname],
            "area_cm2": cell.area_cm2,
            "capacity_mAh": cell.capacity_Ah * 1e3,
            "x_full_charge": x_full,
            "r_sep_ohm": cell.r_sep_ohm,
            "r_counter_ohm": cell.r_counter_ohm,
            "parameters": _param_table(cell, pulse_s),
            "pulses": _pulse_truth(cell, res, x_full),
        }
    atomic_write_text(folder / "study.toml", _study_toml(name, cells, files))
    atomic_write_text(folder / "truth.json", json.dumps(truth, indent=1, default=float))
    return {"folder": folder.name, "study": name, "cells": factors}


def write_population(
    out_dir: str | PathLike[str],
    n: int,
    *,
    seed: int = 0,
    cells_per_study: int = 2,
    n_pulses: int | None = None,
    pulse_s: float = 720.0,
    eis_socs: tuple[float, ...] = (50.0, 0.0),
    noise: NoiseModel = INSTRUMENT,
) -> dict[str, Any]:
    """Simulate ``n`` studies of varied cells with known answers and write them.

    Parameters
    ----------
    out_dir
        Folder to write into (created; it must not hold ``study_001`` ... already). The
        studies are written into a temporary folder beside it and moved in when all are
        complete.
    n
        Number of studies (>= 1).
    seed
        Seed of the population: study ``k`` is the same for every ``n`` >= ``k``.
    cells_per_study
        Cells (cathodes) per study, 1-26.
    n_pulses
        GITT pulses per cell (default: until the 3.0 V cut-off).
    pulse_s
        Length of each 0.5C GITT pulse [s] (720 s: 10 % SOC).
    eis_socs
        SOCs [%] of the symmetric-cell spectra.
    noise
        Instrument noise model.

    Returns
    -------
    dict
        What ``population.json`` holds (``seed``, ``studies``: folder, study name and the
        factors of each cell), plus ``elapsed_s``.

    Raises
    ------
    InputError
        A bad argument, ``out_dir`` is a file, or it already holds a study of these names.
    """
    t0 = time.perf_counter()
    if int(n) < 1:
        raise InputError(f"n = {n}; expected at least 1 study")
    if not 1 <= int(cells_per_study) <= 26:
        raise InputError(f"cells_per_study = {cells_per_study}; expected 1-26")
    if n_pulses is not None and int(n_pulses) < 1:
        raise InputError(f"n_pulses = {n_pulses}; expected >= 1")
    if not (np.isfinite(pulse_s) and pulse_s > 0):
        raise InputError(f"pulse_s = {pulse_s}; expected > 0 s")
    if any(not 0.0 <= float(s) <= 100.0 for s in eis_socs):
        raise InputError(f"eis_socs = {eis_socs}; expected SOCs in 0-100 %")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder", path=out)
    names = [f"study_{k:03d}" for k in range(1, int(n) + 1)]
    taken = [s for s in names if (out / s).exists()] if out.is_dir() else []
    if taken:
        raise InputError(f"already holds {taken[0]}; give a new or empty folder", path=out)
    out.parent.mkdir(parents=True, exist_ok=True)
    children = np.random.SeedSequence(seed).spawn(int(n))
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        studies = [
            _write_study(
                tmp / name,
                k + 1,
                children[k],
                cells_per_study=int(cells_per_study),
                n_pulses=n_pulses,
                pulse_s=float(pulse_s),
                eis_socs=tuple(float(s) for s in eis_socs),
                noise=noise,
            )  # fmt: skip
            for k, name in enumerate(names)
        ]
        info = {"generator": "ohmslice.simulate.population", "seed": seed, "n": int(n),
                "cells_per_study": int(cells_per_study), "pulse_s": float(pulse_s),
                "n_pulses": n_pulses, "eis_socs": [float(s) for s in eis_socs],
                "spread": SPREAD, "studies": studies}  # fmt: skip
        atomic_write_text(tmp / "population.json", json.dumps(info, indent=1))
        _move_into(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    info["elapsed_s"] = time.perf_counter() - t0
    return info
