"""The study's cycling figure (Fig. S9), Arrhenius figure, Table S1 and cycling section,
drawn from tables alone (no analysis): what they show and what they leave out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ohmslice.report import render_report, write_study_figures
from ohmslice.report._style import PALETTE
from ohmslice.study.tables import TABLES, conform


def _tables() -> dict[str, pd.DataFrame]:
    """Two cells cycled (no spectra between cycles), a pellet at three temperatures with
    its Arrhenius fit, a composite cathode of cell B at one temperature."""
    rows = []
    for cell, q0, fade in (("A", 2.3, 0.0), ("B", 2.0, 0.02)):
        for k in range(1, 11):
            q = q0 * (1 - fade) ** (k - 1)
            rows.append({"cell": cell, "cycle": k, "charge_mAh": q * 1.001, "discharge_mAh": q,
                         "ce_pct": 99.9 if k > 1 else (90.0 if cell == "A" else 99.5), "retention_pct": 100 * q / q0,
                         "voltage_gap_V": 0.1 + 0.01 * k, "r_charge_ohm": 20.0 + k,
                         "r_charge_dt_s": 1e-3, "r_discharge_ohm": 21.0 + k,
                         "r_discharge_dt_s": 1e-3})  # fmt: skip
    cycles = pd.DataFrame(rows)
    t = np.array([-20.0, 0.0, 25.0])
    sig = 3e-3 * np.exp(-0.35 / 8.617e-5 * (1 / (t + 273.15) - 1 / 298.15))
    cond = pd.DataFrame({
        "sample": ["LPS"] * 3 + ["B cathode"], "kind": ["electrolyte pellet"] * 3
        + ["composite electrode"], "carrier": "ionic", "temperature_C": [*t, 25.0],
        "method": ["arc", "intercept", "intercept", "transmission line"],
        "sigma_S_cm": [*sig, 1e-4], "sigma_err_S_cm": [*(0.01 * sig), 2e-6], "success": True,
    })  # fmt: skip
    arr = pd.DataFrame([{
        "sample": "LPS", "kind": "electrolyte pellet", "ea_eV": 0.35, "ea_err_eV": 0.005,
        "sigma_25C_S_cm": 3e-3, "sigma_25C_err_S_cm": 3e-5, "sigma_25C_ci_low_S_cm": 2.94e-3,
        "sigma_25C_ci_high_S_cm": 3.06e-3, "extrapolated": False,
        "ln_prefactor": float(np.log(3e-3 * 298.15) + 0.35 / (8.617e-5 * 298.15)),
        "ln_prefactor_err": 0.2, "cov_ln_prefactor_ea_eV": 0.001, "systematic_rel_err": 0.01,
        "chi2_reduced": 1.0, "weighted": True, "n_temperatures": 3, "t_min_C": -20.0,
        "t_max_C": 25.0,
    }])  # fmt: skip
    samples = pd.DataFrame({"sample": ["LPS", "B cathode"],
                            "kind": ["electrolyte pellet", "composite electrode"],
                            "cells": ["A; B", "B"]})  # fmt: skip
    transport = pd.DataFrame({
        "cell": ["B", "A", "B"], "sample": ["B cathode", "LPS", "LPS"],
        "kind": ["composite electrode", "electrolyte pellet", "electrolyte pellet"],
        "ionic_S_cm": [1e-4, 3e-3, 3e-3], "ionic_err_S_cm": [2e-6, 3e-5, 3e-5],
        "ionic_temperature_C": 25.0, "electronic_S_cm": [6.4e-8, np.nan, np.nan],
        "electronic_err_S_cm": [1e-10, np.nan, np.nan], "tortuosity_factor": [8.9, np.nan, np.nan],
        "tortuosity_factor_err": [0.2, np.nan, np.nan], "success": True, "notes": "",
    })  # fmt: skip
    cells = pd.DataFrame({"cell": ["A", "B"], "label": "", "n_cycles": [10, 10], "n_pulses": 0,
                          "n_symmetric_spectra": 0, "n_half_spectra": 0,
                          "samples": ["LPS", "B cathode; LPS"]})  # fmt: skip
    raw = {"cycles": cycles, "conductivity": cond, "arrhenius": arr, "samples": samples,
           "transport": transport, "cells": cells}  # fmt: skip
    return {name: conform(name, raw.get(name))[0] for name in TABLES}


def test_cycling_and_arrhenius_figures_from_tables(tmp_path):
    figs = write_study_figures(_tables(), tmp_path, only=["figS9_cycling", "arrhenius"])
    cyc, arr = figs
    assert not cyc.skipped and not arr.skipped, (cyc.skipped, arr.skipped)
    assert "voltage" in cyc.caption  # no spectra between cycles: the voltage gap in (d)
    assert any("below the axis" in n and "cycle 1" in n for n in cyc.notes)
    svg = cyc.svg_text.lower()
    assert PALETTE[0].lower() in svg and PALETTE[1].lower() in svg  # one colour per cell
    # the composite of cell B in B's colour; the shared pellet in a colour of its own
    svg = arr.svg_text.lower()
    assert PALETTE[1].lower() in svg and PALETTE[2].lower() in svg
    assert "Ea" in arr.caption or "E" in arr.caption


def test_table_s1_and_cycling_in_the_report(tmp_path):
    t = _tables()
    figs = write_study_figures(t, tmp_path, only=["figS9_cycling", "arrhenius"])
    html = render_report(t, figs)
    s1 = html[html.index('id="table-s1"') : html.index('id="cycling"')]
    assert "B cathode" in s1 and "0.0001 ± 2e-06" in s1 and "8.9 ± 0.2" in s1
    assert "6.4e-08 ± 1e-10" in s1 and "0.350 ± 0.005" in s1  # electronic; Ea
    cyc = html[html.index('id="cycling"') :]
    assert "90.00 %" in cyc and "99.50 %" in cyc  # the first cycles' CE
    assert ">10<" in cyc  # cycles per cell
