"""DCIR at fixed times and HPPC pulse pairs (ohmslice.dc.dcir) against exact circuit responses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synth_gitt import make_gitt

from ohmslice.dc.dcir import DCIR_TIMES_S, dcir, hppc, time_label
from ohmslice.errors import AnalysisInputError
from ohmslice.schema import Recording

R0, R1, TAU1 = 20.0, 15.0, 0.5


def _rc_record(steps: list[tuple[float, float]], t_end: float) -> Recording:
    """Exact R0 + (R1 || C) response to current steps [(t, I)], flat OCV 3.7 V; samples
    dense after every step (first one 0.5 ms after it), the step instant written as
    the last sample of the previous level."""
    ts = [np.arange(0.0, steps[0][0] + 0.5, 1.0)]
    for k, (t0, _) in enumerate(steps):
        t1 = steps[k + 1][0] if k + 1 < len(steps) else t_end
        rel = np.unique(np.r_[np.geomspace(5e-4, t1 - t0, 200), np.arange(1.0, t1 - t0, 1.0)])
        ts.append(t0 + rel)
    t = np.concatenate(ts)
    i = np.zeros_like(t)
    v = np.full_like(t, 3.7)
    prev = 0.0
    for t0, cur in steps:
        d = cur - prev
        after = t > t0
        i[after] += d
        x = np.where(after, t - t0, 0.0)
        v += np.where(after, d * (R0 + R1 * -np.expm1(-x / TAU1)), 0.0)
        prev = cur
    return Recording.from_arrays(t, v, i)


def _exact(t):
    return R0 + R1 * -np.expm1(-np.asarray(t) / TAU1)


def test_time_labels():
    assert [time_label(t) for t in DCIR_TIMES_S] == ["1ms", "10ms", "100ms", "1s", "10s"]


def test_dcir_at_fixed_times():
    rec = _rc_record([(100, -2e-3), (130, 0.0), (400, 1e-3), (420, 0.0)], 800)
    d = dcir(rec)
    assert len(d) == 2
    assert d.t_start_s.tolist() == [100, 400]
    for lab, t in zip(["1ms", "10ms", "100ms", "1s", "10s"], DCIR_TIMES_S, strict=True):
        np.testing.assert_allclose(d[f"r_{lab}_ohm"], _exact(t), rtol=2e-3)
    np.testing.assert_allclose(d.r_end_ohm, _exact([30.0, 20.0]), rtol=1e-9)
    np.testing.assert_allclose(d.t_first_s, 5e-4, rtol=1e-6)
    d2 = dcir(rec, times_s=[1e-4, 25.0])  # before the first sample; after a 20 s pulse
    assert np.isnan(d2["r_0.1ms_ohm"]).all() and np.isnan(d2.r_25s_ohm.iloc[1])
    assert d2.r_25s_ohm.iloc[0] == pytest.approx(_exact(25.0))
    with pytest.raises(AnalysisInputError, match="times_s"):
        dcir(rec, times_s=[0.0])


def test_dcir_on_a_gitt_matches_the_circuit():
    s = make_gitt(sampling="dE", n_pulses=3, seed=31, noise_V=0.0, noise_I_rel=0.0)
    d = dcir(s.recording, min_rest_s=300)
    d = d[d.current_A < 0].reset_index(drop=True)
    assert len(d) == 3
    for k, row in s.truth.iterrows():
        t = np.asarray(DCIR_TIMES_S)
        soc = row.soc_start_pct + 100 * row.current_A * t / 3600 / s.capacity_Ah
        want = (
            s.cell.step_response(row.soc_start_pct, t)
            + (s.cell.ocv(soc) - row.ocv_before_V) / row.current_A
        )
        got = d.loc[k, [f"r_{time_label(x)}_ohm" for x in t]].to_numpy(dtype=float)
        np.testing.assert_allclose(got, want, rtol=0.01)


def test_hppc_pairs():
    steps = []
    for k in range(3):
        t0 = 100 + 1000 * k
        steps += [(t0, -2e-3), (t0 + 10, 0.0), (t0 + 50, 1.5e-3), (t0 + 60, 0.0)]
        steps += [(t0 + 400, -1e-3), (t0 + 700, 0.0)]  # SOC move: not a pulse
    rec = _rc_record(steps, 3200)
    h = hppc(rec, capacity_Ah=1e-3)
    assert len(h) == 3
    np.testing.assert_allclose(h.dis_current_A, -2e-3, rtol=1e-9)
    np.testing.assert_allclose(h.chg_current_A, 1.5e-3, rtol=1e-9)
    np.testing.assert_allclose(h.dis_duration_s, 10.0)
    np.testing.assert_allclose(h.dis_r_1s_ohm, _exact(1.0), rtol=2e-3)
    np.testing.assert_allclose(h.chg_r_10ms_ohm, _exact(0.01), rtol=2e-3)
    np.testing.assert_allclose(h.chg_r_end_ohm, _exact(10.0), rtol=1e-6)
    # charge removed before each pair: 0, then 10 s at 2 mA - 10 s at 1.5 mA + 300 s at 1 mA
    per_cycle = (-2e-3 * 10 + 1.5e-3 * 10 - 1e-3 * 300) / 3600
    np.testing.assert_allclose(h.charge_Ah, per_cycle * np.arange(3), atol=1e-12)
    np.testing.assert_allclose(h.soc_pct, 100 + 100 * h.charge_Ah / 1e-3)
    with pytest.raises(AnalysisInputError, match="no charge/discharge pulse pair"):
        hppc(rec, max_pulse_s=5.0)
    with pytest.raises(AnalysisInputError, match="capacity_Ah"):
        hppc(rec, capacity_Ah=0.0)


def test_no_pulses_from_rest():
    t = np.arange(50.0)
    rec = Recording.from_arrays(t, 3.7 + 0 * t, np.where(t > -1, -1e-3, 0.0))
    with pytest.raises(AnalysisInputError, match="no constant-current pulse"):
        dcir(rec)


def test_ampworks_hppc_file(shared_data):
    df = pd.read_csv(shared_data / "ampworks_hppc_discharge.csv")
    rec = Recording.from_arrays(df.Seconds.to_numpy(), df.Volts.to_numpy(), df.Amps.to_numpy())
    h = hppc(rec)
    assert len(h) == 9
    np.testing.assert_allclose(h.dis_current_A, -3.2e-3, rtol=1e-3)
    np.testing.assert_allclose(h.chg_current_A, 2.4e-3, rtol=1e-3)
    np.testing.assert_allclose(h.dis_duration_s, 30.0, rtol=1e-3)
    np.testing.assert_allclose(h.chg_duration_s, 10.0, rtol=1e-3)
    assert (h.dis_r_end_ohm > h.dis_r_1s_ohm).all() and (h.dis_r_1s_ohm > 0).all()
    assert (np.diff(h.ocv_V) < 0).all()  # discharged step by step
    # end-of-pulse resistance straight from the file's columns
    t, v = df.Seconds.to_numpy(), df.Volts.to_numpy()
    for _, row in h.iterrows():
        k0 = np.searchsorted(t, row.t_start_s)
        k1 = np.searchsorted(t, row.t_start_s + row.dis_duration_s - 1e-6)
        assert row.dis_r_end_ohm == pytest.approx((v[k1] - v[k0]) / row.dis_current_A, rel=1e-9)
