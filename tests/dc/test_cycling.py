"""analyze_cycling(): capacities against the instrument's own counters on real EC-Lab files
(the oracle), against the simulator's known answers, and bad input."""

from __future__ import annotations

import io
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from ohmslice.dc.cycling import CYCLE_COLUMNS, analyze_cycling, cycle_index
from ohmslice.errors import AnalysisInputError, IncompleteDataWarning, InputError
from ohmslice.io import read, read_recording
from ohmslice.schema import Recording
from ohmslice.simulate.cycling import CyclingCell, simulate_cycling
from ohmslice.simulate.noise import NoiseModel

GCPL = ["gcpl.issue_149", "gcpl.issue_211"]


def _ec_lab_table(path) -> pd.DataFrame:
    """The .mpt export's own columns, read plainly (decimal comma or point)."""
    text = path.read_text(encoding="latin-1")
    n = int(re.search(r"Nb header lines : (\d+)", text).group(1))
    body = "\n".join(text.splitlines()[n - 1 :]).replace(",", ".")
    return pd.read_csv(io.StringIO(body), sep="\t")


def _oracle(shared_data, stem) -> pd.DataFrame:
    """Per cycle the instrument's Q charge, Q discharge (their maximum within the cycle:
    EC-Lab counts each half cycle from 0) and efficiency at the cycle's end."""
    raw = _ec_lab_table(shared_data / "biologic" / f"{stem}.mpt")
    g = raw.groupby("cycle number")
    return pd.DataFrame({
        "cycle": g.size().index.astype(int),
        "q_charge": g["Q charge/mA.h"].max().to_numpy(),
        "q_discharge": g["Q discharge/mA.h"].max().to_numpy(),
        "efficiency": g["Efficiency/%"].max().to_numpy(),
        "energy_charge": g[[c for c in raw if re.match(r"Energy (we )?charge/W.h", c)][0]].max(),
        "energy_discharge": g[
            [c for c in raw if re.match(r"Energy (we )?discharge/W.h", c)][0]
        ].max(),
    }).reset_index(drop=True)  # fmt: skip


@pytest.mark.parametrize("suffix", [".mpr", ".mpt"])
@pytest.mark.parametrize("stem", GCPL)
def test_capacities_equal_the_instruments_counters(shared_data, stem, suffix):
    rec = read_recording(shared_data / "biologic" / f"{stem}{suffix}")
    res = analyze_cycling(rec)
    want = _oracle(shared_data, stem)
    c = res.cycles
    assert list(c.columns) == CYCLE_COLUMNS
    assert res.cycle_source == "counter" and not res.incomplete
    assert c["cycle"].tolist() == want["cycle"].tolist()
    # .mpr holds float32 columns, the .mpt 8 or 15 significant digits
    np.testing.assert_allclose(c["charge_mAh"], want["q_charge"], rtol=1e-6)
    np.testing.assert_allclose(c["discharge_mAh"], want["q_discharge"], rtol=1e-6)
    np.testing.assert_allclose(c["ce_pct"], want["efficiency"], rtol=1e-6)
    assert (c["first"] == "charge").all()
    # without the coulomb counter: the same from the recorded current alone
    bare = Recording(rec.data.drop(columns=["charge_Ah"]), rec.meta)
    c2 = analyze_cycling(bare).cycles
    np.testing.assert_allclose(c2["charge_mAh"], want["q_charge"], rtol=1e-6)
    np.testing.assert_allclose(c2["discharge_mAh"], want["q_discharge"], rtol=1e-6)
    # cycles from the current: the same cycles, numbered from 1
    c3 = analyze_cycling(rec, cycles="current").cycles
    assert c3["cycle"].tolist() == list(range(1, len(want) + 1))
    np.testing.assert_allclose(c3["discharge_mAh"], want["q_discharge"], rtol=1e-6)


def test_energy_and_resistance_on_a_real_file(shared_data):
    stem = "gcpl.issue_149"  # voltages > 0: EC-Lab's |V I| energy is the signed one
    res = analyze_cycling(read(shared_data / "biologic" / f"{stem}.mpt"), mass_g=1e-3)
    want = _oracle(shared_data, stem)
    c = res.cycles
    # EC-Lab takes V at each interval's end, ohmslice at its middle: 0.1 % apart at 1 s
    np.testing.assert_allclose(c["charge_energy_mWh"], 1e3 * want["energy_charge"], rtol=1e-3)
    np.testing.assert_allclose(c["discharge_energy_mWh"], 1e3 * want["energy_discharge"], rtol=1e-3)
    np.testing.assert_allclose(c["discharge_mAh_g"], c["discharge_mAh"] / 1e-3)
    assert c["charge_mAh_cm2"].isna().all()
    # the 30 uA reversal: the voltage jumps by ~2 mV in 0.4-0.6 ms
    assert np.all((c["r_charge_ohm"] > 40) & (c["r_charge_ohm"] < 90))
    np.testing.assert_allclose(c["r_charge_dt_s"], 4e-4, rtol=0.01)
    np.testing.assert_allclose(c["r_discharge_dt_s"], 6e-4, rtol=0.01)
    assert (c["voltage_gap_V"] > 0).all() and (c["charge_cv_mAh"] == 0).all()
    assert "4 complete cycle(s)" in res.summary() and "<table" in res._repr_html_()


def test_modulo_bat_charge_pulses_are_no_cycle(shared_data):
    rec = read(shared_data / "biologic" / "mb.issue_149.mpr")[0]
    with pytest.raises(AnalysisInputError, match="no complete cycle.*0 discharge") as exc:
        analyze_cycling(rec)
    assert "mb.issue_149.mpr" in str(exc.value)


# --- simulated cycling: known answers --------------------------------------------------------
@pytest.fixture(scope="module")
def sim():
    cell = CyclingCell(fade_per_cycle=0.004, side_reaction=0.003, contact_growth_start=4,
                       contact_growth_ohm_per_cycle=1.0)  # fmt: skip
    return simulate_cycling(8, cell, cv_cutoff_c_rate=0.05, rest_s=300, record_dt_s=60,
                            noise=NoiseModel(voltage_sd_V=2e-5))  # fmt: skip


def test_simulated_capacities_ce_and_resistance(sim):
    res = analyze_cycling(sim.recording, mass_g=0.0165, area_cm2=0.785)
    c, tr = res.cycles, sim.truth
    assert c["cycle"].tolist() == tr["cycle"].tolist()
    np.testing.assert_allclose(c["charge_mAh"], tr["charge_mAh"], rtol=1e-9)
    np.testing.assert_allclose(c["discharge_mAh"], tr["discharge_mAh"], rtol=1e-9)
    np.testing.assert_allclose(c["ce_pct"], tr["ce_pct"], rtol=1e-9)
    np.testing.assert_allclose(c["discharge_mAh_cm2"], tr["discharge_mAh"] / 0.785, rtol=1e-9)
    # after the first cycle the CE is the share of the charge that reached the electrode
    np.testing.assert_allclose(c["ce_pct"].iloc[1:], 99.7, atol=0.05)
    # CV counted from where the current leaves its CC level: the first seconds of the hold
    # at nearly the CC current count as CC
    np.testing.assert_allclose(c["charge_cv_mAh"], tr["charge_cv_mAh"], rtol=0.05)
    assert (c["charge_cv_pct"] > 0).all() and (c["discharge_cv_mAh"] == 0).all()
    # the voltage jump 1 ms after each step: R_s + R1 + R2 (1 - e^-1) + ...; the noise of
    # two voltages (20 uV each) over 1.18 mA is 0.024 Ohm
    np.testing.assert_allclose(c["r_charge_ohm"], tr["r_step_ohm"], atol=0.1)
    np.testing.assert_allclose(c["r_discharge_ohm"], tr["r_step_ohm"], atol=0.1)
    np.testing.assert_allclose(c[["r_charge_dt_s", "r_discharge_dt_s"]], 1e-3, rtol=1e-6)
    assert res.capacity_source == "current+counter"
    assert c["retention_pct"].iloc[0] == 100 and c["retention_pct"].iloc[-1] < 98
    # mean voltages: charge above discharge by about I (R_s + R1 + R2 + R3) x 2
    assert (c["voltage_gap_V"] > 0.05).all()


def test_cycles_from_current_when_no_counter(sim):
    df = sim.recording.data.drop(columns=["cycle", "step"])
    res = analyze_cycling(Recording(df, {"source": "x.csv"}))
    assert res.cycle_source == "current"
    np.testing.assert_allclose(res.cycles["discharge_mAh"], sim.truth["discharge_mAh"], rtol=1e-9)
    rows, source = cycle_index(Recording(df))
    assert source == "current" and rows.min() == 1 and rows.max() == 8


def test_discharge_first_cycles_swap_the_efficiency(sim):
    d = sim.recording.data
    start = int(np.flatnonzero((d["cycle"] == 1) & (d["ns"] == 4))[0])  # first discharge
    sub = d.iloc[start:].drop(columns=["cycle"]).reset_index(drop=True)
    with pytest.warns(IncompleteDataWarning, match=r"cycle\(s\) 8 lack"):  # the last charge
        res = analyze_cycling(Recording(sub))
    c = res.cycles
    assert (c["first"] == "discharge").all()
    np.testing.assert_allclose(c["ce_pct"], 100 * c["charge_mAh"] / c["discharge_mAh"])


# --- bad input --------------------------------------------------------------------------------
def test_incomplete_last_cycle_is_left_out_with_a_warning(sim):
    d = sim.recording.data
    cut = int(np.flatnonzero((d["cycle"] == 8) & (d["ns"] == 4))[0])  # before its discharge
    rec = Recording(d.iloc[:cut], {"source": "cut.mpt"})
    with pytest.warns(IncompleteDataWarning, match=r"cut.mpt: cycle\(s\) 8 lack"):
        res = analyze_cycling(rec)
    assert res.cycles["cycle"].tolist() == list(range(1, 8)) and res.incomplete == [8]


def test_counter_going_backwards_is_refused(sim):
    d = sim.recording.data.copy()
    k = int(np.flatnonzero(d["cycle"] == 5)[0])
    d.loc[k:, "cycle"] -= 4
    with pytest.raises(AnalysisInputError, match="cycle counter goes backwards, from 4 to 1"):
        analyze_cycling(Recording(d, {"source": "joined.mpt"}))
    # counted from the current instead, it is a plain record
    assert len(analyze_cycling(Recording(d), cycles="current")) == 8


def test_mixed_current_signs_within_a_step_are_refused(sim):
    d = sim.recording.data.copy()
    d["step"] = d["cycle"]  # one "step" holding a whole cycle: charge and discharge
    with pytest.raises(AnalysisInputError, match="passes charge in both directions") as exc:
        analyze_cycling(Recording(d, {"source": "steps.mpt"}))
    assert "steps.mpt" in str(exc.value) and "one current sign per step" in str(exc.value)


def test_one_direction_and_no_current():
    t = np.arange(0.0, 3600.0, 10.0)
    charge = Recording.from_arrays(t, 3.5 + 1e-4 * t, np.full(t.size, 1e-3), {"source": "c.csv"})
    with pytest.raises(AnalysisInputError, match="c.csv: no complete cycle"):
        analyze_cycling(charge)
    rest = Recording.from_arrays(t, np.full(t.size, 3.5), np.zeros(t.size))
    with pytest.raises(AnalysisInputError, match="no current flows"):
        analyze_cycling(rest)
    with pytest.raises(InputError, match="mass_g"):
        analyze_cycling(charge, mass_g=-1)
    with pytest.raises(InputError, match="cycles"):
        analyze_cycling(charge, cycles="steps")  # type: ignore[arg-type]
    with pytest.raises(AnalysisInputError, match="cycles='counter'"):
        analyze_cycling(charge, cycles="counter")
    with pytest.raises(InputError, match="Recording"):
        analyze_cycling(pd.DataFrame())  # type: ignore[arg-type]


def test_thousand_cycles_are_fast():
    sim = simulate_cycling(300, CyclingCell(), rest_s=60, record_dt_s=120)
    import time

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = analyze_cycling(sim.recording)
    assert time.perf_counter() - t0 < 2.0
    assert len(res) == 300
