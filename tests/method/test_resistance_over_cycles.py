"""Resistance over cycles: per-cycle R1/R2 from spectra between cycles, trends, and the
change-point of a contact resistance that grows from a known cycle."""

from __future__ import annotations

import numpy as np
import pytest

from ohmslice.dc.cycling import analyze_cycling
from ohmslice.errors import AnalysisInputError, InputError
from ohmslice.io import read
from ohmslice.method.cycling import (
    change_point,
    resistance_over_cycles,
    step_resistance_over_cycles,
    trend,
)
from ohmslice.simulate.cycling import CyclingCell, simulate_cycling
from ohmslice.simulate.noise import NoiseModel

CIRCUIT = "R0-p(R1,CPE1)-p(R2,CPE2)"
START = 13  # R1 flat up to this cycle, then +0.4 Ohm per cycle


@pytest.fixture(scope="module")
def sim():
    cell = CyclingCell(contact_growth_start=START, contact_growth_ohm_per_cycle=0.4)
    return simulate_cycling(
        24, cell, spectra=True, freq_hz=np.logspace(6, 0, 19), rest_s=300, record_dt_s=120,
        noise=NoiseModel(voltage_sd_V=1e-4, impedance_rel_sd=0.003), seed=3,
    )  # fmt: skip


@pytest.fixture(scope="module")
def eis(sim):
    return resistance_over_cycles([sim.recording, *sim.spectra], circuit=CIRCUIT)


def test_spectra_placed_in_their_cycles_with_r1_r2(sim, eis):
    t = eis.table
    assert eis.cycle_source == "recording:counter"
    assert t["cycle"].tolist() == list(range(1, 25))
    np.testing.assert_allclose(t["r1_ohm"], sim.truth["r_contact_ohm"], atol=0.15)
    np.testing.assert_allclose(t["r2_ohm"], sim.truth["r_ct_ohm"], atol=0.3)
    np.testing.assert_allclose(t["r0_ohm"], 10.0, atol=0.1)
    assert (t["r1_status"] == "measured").all() and (t["r3_status"] == "absent").all()


def test_contact_growth_found_within_one_cycle(eis):
    cp = eis.components["r1"].change
    assert cp.detected and cp.direction == "faster"
    assert abs(cp.cycle - START) <= 1
    assert cp.interval[0] - 1 <= START <= cp.interval[1] + 1
    assert cp.slope_after == pytest.approx(0.4, abs=0.05)
    assert abs(cp.slope_before) < 3 * cp.slope_before_err + 0.01
    # the other components do not move
    assert not eis.components["r2"].change.detected
    assert not eis.components["r0"].change.detected
    tr = eis.components["r2"].trend
    assert tr.slope_ci[0] < 0 < tr.slope_ci[1]
    assert set(eis.trends["component"]) == {"r0", "r1", "r2", "r3"}
    assert "r1:" in eis.summary() and "change-point detected" in eis.summary()


def test_change_point_on_dc_step_resistance(sim):
    steps = step_resistance_over_cycles(analyze_cycling(sim.recording))
    for comp in ("r_charge", "r_discharge"):
        cp = steps.components[comp].change
        assert cp.detected and abs(cp.cycle - START) <= 1, (comp, cp)


@pytest.mark.parametrize("start", [6, 17])
def test_change_point_recovers_known_breaks(rng, start):
    x = np.arange(1, 26)
    y = 5 + 0.01 * x + 0.3 * np.maximum(x - start, 0) + rng.normal(0, 0.05, x.size)
    cp = change_point(x, y)
    assert cp.detected and abs(cp.cycle - start) <= 1
    best = cp.candidates.loc[cp.candidates["delta_aic"].idxmin()]
    assert best["cycle"] == cp.cycle and cp.candidates["weight"].sum() == pytest.approx(1)


def test_no_change_point_on_a_straight_line(rng):
    x = np.arange(1, 31)
    hits = sum(change_point(x, 5 + 0.02 * x + rng.normal(0, 0.05, x.size)).detected
               for _ in range(40))  # fmt: skip
    assert hits <= 2
    t = trend(x, 5 + 0.02 * x + rng.normal(0, 0.05, x.size))
    assert t.slope == pytest.approx(0.02, abs=4 * t.slope_err) and t.n == 30


def test_trend_uses_errors_and_says_when_too_short():
    x = np.arange(1.0, 11.0)
    y = 2 + 0.5 * x
    err = np.full(10, 0.1)
    y_out = y.copy()
    y_out[0] += 1.0
    err_out = err.copy()
    err_out[0] = 100.0  # the outlier carries no weight
    t = trend(x, y_out, err_out)
    assert t.weighted and t.slope == pytest.approx(0.5, abs=1e-3)
    short = trend([1, 2], [1, 2])
    assert np.isnan(short.slope) and "at least 3 values" in short.note
    cp = change_point([1, 2, 3], [1, 2, 3])
    assert np.isnan(cp.cycle) and not cp.detected and "needs at least" in cp.note
    with pytest.raises(InputError, match="one value per cycle"):
        trend([1, 2, 3], [1, 2])
    with pytest.raises(InputError, match="min_points"):
        change_point(x, y, min_points=1)


def test_modulo_bat_spectra_from_a_real_file(shared_data):
    items = read(shared_data / "biologic" / "mb.issue_149.mpt")
    res = resistance_over_cycles(items[:5], circuit=CIRCUIT)  # the Recording + 4 spectra
    t = res.table
    # one cycle in the file's counter (charge pulses only): every spectrum in cycle 0
    assert res.cycle_source == "recording:counter" and (t["cycle"] == 0).all()
    assert len(t) == 4 and t["time_s"].is_monotonic_increasing
    assert np.isfinite(t["r0_ohm"]).all() and (t["r0_ohm"] > 0).all()
    assert np.isnan(res.components["r1"].trend.slope)  # one cycle: no trend
    # in spectrum order the same spectra do give a trend
    by_index = resistance_over_cycles(items[1:5], cycles="index", circuit=CIRCUIT)
    assert by_index.cycle_source == "index" and by_index.table["cycle"].tolist() == [1, 2, 3, 4]


def test_bad_input(sim):
    with pytest.raises(AnalysisInputError, match="no impedance spectrum"):
        resistance_over_cycles([sim.recording])
    with pytest.raises(InputError, match="3 cycle numbers for 2 spectra"):
        resistance_over_cycles(sim.spectra[:2], cycles=[1, 2, 3])
    with pytest.raises(InputError, match="expected Spectrum"):
        resistance_over_cycles(["a"])
    with pytest.raises(InputError, match="CyclingResult"):
        step_resistance_over_cycles(sim.recording)  # type: ignore[arg-type]
