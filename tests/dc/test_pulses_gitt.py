"""GITT analysis against records with known answers (ohmslice.dc.gitt.analyze_gitt)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synth_gitt import make_gitt

from ohmslice.dc.gitt import REGION_RULE, analyze_gitt, label_regions
from ohmslice.errors import AnalysisInputError, IncompleteDataWarning, MissingColumnError
from ohmslice.schema import Recording


@pytest.fixture(scope="module", params=["uniform", "dE"])
def full(request):
    s = make_gitt(sampling=request.param, seed=11)
    # the synthetic truth counts SOC against the full charge: compare like with like
    return s, analyze_gitt(s.recording, soc_reference="charge")


def test_sequence_and_reference(full):
    s, r = full
    assert len(r.pulses) == len(s.truth) == 100
    assert r.direction == "discharge" and not r.sign_flipped
    assert r.capacity_Ah == pytest.approx(s.capacity_Ah, rel=1e-3)
    assert "last full charge" in r.capacity_source
    assert "100 %" in r.soc_reference and r.soc_basis == "charge"
    assert r.pulses.attrs["soc_basis"] == "charge"
    assert r.notes == []


def test_default_soc_scale_is_the_gitts_own_discharge(full):
    """100 % at the end of the full charge, 0 % at the end of the last pulse."""
    s, _ = full
    r = analyze_gitt(s.recording)
    p = r.pulses
    assert r.soc_basis == "discharge" and "own discharge" in r.capacity_source
    assert "0 % at the end of the last pulse" in r.soc_reference
    assert p.attrs["soc_reference"] == r.soc_reference
    assert p.soc_start_pct.iat[0] == pytest.approx(100.0, abs=1e-9)
    assert p.soc_end_pct.iat[-1] == pytest.approx(0.0, abs=1e-9)
    assert (p.soc_end_pct >= -1e-9).all()
    assert r.capacity_Ah == pytest.approx(p.charge_Ah.abs().sum(), rel=1e-4)
    np.testing.assert_allclose(p.soc_mid_pct, (p.soc_start_pct + p.soc_end_pct) / 2)
    # the other scales
    nominal = analyze_gitt(s.recording, soc_reference="nominal", nominal_capacity_Ah=3e-3)
    assert nominal.soc_basis == "nominal" and nominal.capacity_Ah == 3e-3
    given = analyze_gitt(s.recording, soc_reference="2.5 mAh")
    assert given.soc_basis == "given" and given.capacity_Ah == pytest.approx(2.5e-3)
    assert analyze_gitt(s.recording, soc_reference=2.5e-3).capacity_Ah == pytest.approx(2.5e-3)
    assert analyze_gitt(s.recording, soc_reference="gitt").soc_basis == "discharge"


def test_soc_scale_of_a_cell_not_fully_discharged_before_its_charge():
    """The record starts 40 % into the full charge: counted against that charge, the
    SOC runs far below 0 % by the end; the default scale ends at 0 %."""
    s = make_gitt(n_pulses=None, seed=13, pulse_s=144.0)
    d = s.recording.data
    charge = d.index[d.current_A > 1e-5]
    start = charge[int(0.4 * len(charge))]
    rec = Recording(d.loc[start:].reset_index(drop=True), s.recording.meta)
    old = analyze_gitt(rec, soc_reference="charge")
    assert old.pulses.soc_end_pct.iat[-1] < -30
    new = analyze_gitt(rec)
    assert new.pulses.soc_end_pct.iat[-1] == pytest.approx(0.0, abs=1e-9)
    assert new.pulses.soc_end_pct.min() >= -1e-9 and new.pulses.soc_start_pct.max() <= 100


def test_noise_and_ocv_errors(full):
    s, r = full
    p = r.pulses
    # the synthetic record has 0.1 mV white noise on every sample
    assert np.median(p.noise_V) == pytest.approx(1e-4, rel=0.15)
    assert (p.ocv_before_se_V.iloc[1:] > 0).all() and (p.ocv_after_se_V > 0).all()
    assert np.median(p.ocv_before_se_V.iloc[1:]) < 1e-4


def test_soc_and_charge(full):
    s, r = full
    p, tr = r.pulses, s.truth
    # SOC within 0.2 % (points of SOC)
    np.testing.assert_allclose(p.soc_start_pct, tr.soc_start_pct, atol=0.02)
    np.testing.assert_allclose(p.soc_end_pct, tr.soc_end_pct, atol=0.02)
    np.testing.assert_allclose(p.charge_Ah, tr.charge_Ah, rtol=1e-3)
    np.testing.assert_allclose(p.current_A, tr.current_A, rtol=1e-3)
    np.testing.assert_allclose(p.duration_s, tr.duration_s, rtol=1e-9)
    np.testing.assert_allclose(p.t_start_s, tr.t_on_s, atol=1e-9)


def test_voltages_and_resistances(full):
    s, r = full
    p, tr = r.pulses, s.truth
    np.testing.assert_allclose(p.ocv_before_V, tr.ocv_before_V, atol=5e-4)
    np.testing.assert_allclose(p.ocv_after_V, tr.ocv_after_V, atol=5e-4)
    np.testing.assert_allclose(p.v_end_V, tr.v_end_V, atol=5e-4)
    # resistances within 1 %
    np.testing.assert_allclose(p.r_total_ohm, tr.r_total_ohm, rtol=0.01)
    np.testing.assert_allclose(p.r_polarization_ohm, tr.r_polarization_ohm, rtol=0.01)
    np.testing.assert_allclose(p.t_first_s, tr.t_first_s, rtol=1e-6)
    # first-sample IR: single noisy samples (0.1 mV): 1 % on average, 3 % at worst
    rel = p.r_ir_ohm / tr.r_first_ohm - 1
    assert abs(rel.mean()) < 0.01 and rel.abs().max() < 0.03
    np.testing.assert_allclose(p.ir_drop_V, (tr.r_first_ohm * tr.current_A).abs(), rtol=0.03)
    # dOCV/dSOC: the secant of the true OCV curve over each pulse
    secant = (tr.ocv_after_V - tr.ocv_before_V) / (tr.soc_end_pct - tr.soc_start_pct)
    np.testing.assert_allclose(p.d_ocv_d_soc_V, secant, rtol=0.05, atol=3e-4)
    assert (p.r_ir0_se_ohm > 0).all()


def test_flags_and_regions(full):
    s, r = full
    p = r.pulses
    assert p.reached_cutoff.tolist() == s.truth.reached_cutoff.tolist()
    assert p.complete.all()
    assert (p.ocv_drift_V_per_s.abs() < 5e-5).all()  # rests long enough: relaxed
    reg = p.region.to_numpy()
    assert reg[0] == "I" and reg[-1] == "III"
    # regions are contiguous in pulse order: I..., II..., III...
    order = {"I": 0, "II": 1, "III": 2}
    assert (np.diff([order[x] for x in reg]) >= 0).all()
    # III: the steep rise at the end of discharge
    iii = p[p.region == "III"]
    assert iii.soc_mid_pct.max() < 5
    ii = p[p.region == "II"]
    assert 30 < ii.soc_mid_pct.max() < 80


def test_r_of_t_against_the_circuit():
    s = make_gitt(sampling="dE", n_pulses=4, seed=5, noise_V=0.0, noise_I_rel=0.0)
    r = analyze_gitt(s.recording)
    times = np.array([1e-3, 1e-2, 0.1, 1.0, 10.0, 60.0])
    got = r.r_of_t(times)
    assert got.shape == (4, len(times))
    cell, cap = s.cell, s.capacity_Ah
    for k, row in s.truth.iterrows():
        i = row.current_A
        soc = row.soc_start_pct + 100 * i * times / 3600 / cap
        want = cell.step_response(row.soc_start_pct, times) + (cell.ocv(soc) - row.ocv_before_V) / i
        np.testing.assert_allclose(got[k], want, rtol=0.01)
    tidy = r.r_of_t(times, tidy=True)
    assert list(tidy.columns) == ["pulse", "soc_start_pct", "time_s", "r_ohm"]
    assert len(tidy) == 4 * len(times)
    assert np.isnan(r.r_of_t([1e-9, 1e4])).all()  # nothing extrapolated
    with pytest.raises(AnalysisInputError, match="times_s"):
        r.r_of_t([-1.0])


def test_cut_short_in_a_rest():
    s = make_gitt(n_pulses=6, cut_rest_at_s=120.0, seed=3)
    with pytest.warns(IncompleteDataWarning, match="120 s into the rest after pulse 6"):
        r = analyze_gitt(s.recording)
    p = r.pulses
    assert len(p) == 6
    assert p.complete.tolist() == [True] * 5 + [False]
    assert np.isnan(p.ocv_after_V.iloc[-1]) and np.isnan(p.r_polarization_ohm.iloc[-1])
    assert np.isfinite(p.r_total_ohm).all()
    assert any("ends" in n for n in r.notes)
    np.testing.assert_allclose(p.r_total_ohm, s.truth.r_total_ohm, rtol=0.01)


def test_cut_short_during_a_pulse():
    s = make_gitt(n_pulses=5, seed=4)
    rec = s.recording
    t_cut = s.step_times[-1] + 30.0  # 30 s into the 5th pulse
    df = rec.data[rec.data.time_s <= t_cut]
    with pytest.warns(IncompleteDataWarning, match="into pulse 5 .*pulses 1-4 are analysed"):
        r = analyze_gitt(Recording(df))
    assert len(r.pulses) == 4
    assert any("pulse 5 is not" in n for n in r.notes)
    np.testing.assert_allclose(r.pulses.r_total_ohm, s.truth.r_total_ohm[:4], rtol=0.01)


def test_charge_direction():
    s = make_gitt(direction="charge", n_pulses=8, seed=6)
    r = analyze_gitt(s.recording)
    p, tr = r.pulses, s.truth
    assert r.direction == "charge"
    assert "last full discharge" in r.capacity_source
    assert r.capacity_Ah == pytest.approx(s.capacity_Ah, rel=2e-3)
    np.testing.assert_allclose(p.soc_start_pct, tr.soc_start_pct, atol=0.2)
    assert (np.diff(p.soc_start_pct) > 0).all()
    assert (p.r_total_ohm > 0).all()
    np.testing.assert_allclose(p.r_total_ohm, tr.r_total_ohm, rtol=0.01)
    np.testing.assert_allclose(p.r_polarization_ohm, tr.r_polarization_ohm, rtol=0.01)


def test_charge_direction_to_cutoff():
    s = make_gitt(direction="charge", c_rate=1.0, pulse_s=180.0, seed=8)
    r = analyze_gitt(s.recording)
    assert s.truth.reached_cutoff.iloc[-1]
    assert r.pulses.reached_cutoff.tolist() == s.truth.reached_cutoff.tolist()
    # mirrored: 0 % at the end of the full discharge, 100 % at the end of the last pulse
    p = r.pulses
    assert r.soc_basis == "charge" and "own charge" in r.capacity_source
    assert p.soc_start_pct.iat[0] == pytest.approx(0.0, abs=1e-9)
    assert p.soc_end_pct.iat[-1] == pytest.approx(100.0, abs=1e-9)
    assert (p.soc_end_pct <= 100 + 1e-9).all() and (np.diff(p.soc_start_pct) > 0).all()
    full = analyze_gitt(s.recording, soc_reference="discharge")
    assert full.soc_basis == "discharge" and "last full discharge" in full.capacity_source
    r2 = analyze_gitt(s.recording, cutoff_V=4.35)
    assert r2.pulses.reached_cutoff.tolist() == s.truth.reached_cutoff.tolist()
    with pytest.raises(AnalysisInputError, match="cutoff_V"):
        analyze_gitt(s.recording, cutoff_V=float("nan"))


def test_pulses_of_different_lengths():
    lengths = np.tile([36.0, 72.0, 108.0], 10)
    s = make_gitt(pulse_s=lengths, n_pulses=12, seed=7)
    r = analyze_gitt(s.recording)
    p, tr = r.pulses, s.truth
    assert len(p) == 12
    np.testing.assert_allclose(p.duration_s, tr.duration_s)
    np.testing.assert_allclose(p.soc_end_pct, tr.soc_end_pct, atol=0.02)
    np.testing.assert_allclose(p.r_total_ohm, tr.r_total_ohm, rtol=0.01)
    # the last pulse is short by design, not cut: the protocol's cut-off settles it
    assert not analyze_gitt(s.recording, cutoff_V=3.0).pulses.reached_cutoff.any()


def test_discharge_positive_file_is_recognised():
    s = make_gitt(n_pulses=5, flip_sign=True, seed=9)
    r = analyze_gitt(s.recording)
    assert r.sign_flipped and r.direction == "discharge"
    assert (r.pulses.current_A < 0).all()
    np.testing.assert_allclose(r.pulses.r_total_ohm, s.truth.r_total_ohm, rtol=0.01)
    np.testing.assert_allclose(r.pulses.soc_end_pct, s.truth.soc_end_pct, atol=0.02)


def test_given_capacity_and_no_full_charge():
    s = make_gitt(n_pulses=5, with_full=False, seed=10)
    r = analyze_gitt(s.recording)
    assert "own discharge" in r.capacity_source
    assert any("no full charge before the pulses" in n for n in r.notes)
    assert any("is an assumption too" in n for n in r.notes)
    assert r.capacity_Ah == pytest.approx(5 * abs(s.truth.charge_Ah[0]), rel=1e-3)
    r2 = analyze_gitt(s.recording, capacity_Ah=s.capacity_Ah)
    assert r2.capacity_source == "given" and r2.soc_basis == "given"
    np.testing.assert_allclose(r2.pulses.soc_end_pct, s.truth.soc_end_pct, atol=0.02)
    with pytest.raises(AnalysisInputError, match="capacity_Ah"):
        analyze_gitt(s.recording, capacity_Ah=-1.0)
    with pytest.raises(AnalysisInputError, match="no full charge before the pulses"):
        analyze_gitt(s.recording, soc_reference="charge")


def test_partial_gitt_keeps_the_full_charge_as_its_scale():
    """Six pulses of a full GITT are not the cell's capacity: the default then counts
    against the full charge before them, and says so."""
    s = make_gitt(n_pulses=6, seed=14)
    r = analyze_gitt(s.recording)
    assert r.soc_basis == "charge" and any("did not reach the cut-off" in n for n in r.notes)
    np.testing.assert_allclose(r.pulses.soc_end_pct, s.truth.soc_end_pct, atol=0.02)
    forced = analyze_gitt(s.recording, soc_reference="discharge")
    assert forced.soc_basis == "discharge" and forced.pulses.soc_end_pct.iat[-1] == pytest.approx(0)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"soc_reference": "half"}, "soc_reference"),
        ({"soc_reference": "2.5"}, "with its unit"),
        ({"soc_reference": -1.0}, "> 0 A h"),
        ({"soc_reference": "nominal"}, "nominal capacity"),
        ({"soc_reference": "charge", "capacity_Ah": 1e-3}, "not both"),
        ({"nominal_capacity_Ah": 0.0}, "nominal_capacity_Ah"),
    ],
)
def test_bad_soc_reference(kw, match):
    s = make_gitt(n_pulses=3, seed=15)
    with pytest.raises(AnalysisInputError, match=match):
        analyze_gitt(s.recording, **kw)


# --------------------------------------------------------------------- bad input ----
def test_no_pulses():
    t = np.arange(100.0)
    with pytest.raises(AnalysisInputError, match="no constant-current pulse"):
        analyze_gitt(Recording.from_arrays(t, 3.7 + 0 * t, 0 * t))
    i = np.where(t > 10, -1e-3, 0.0)  # one long discharge, no rest after it
    with pytest.raises(AnalysisInputError, match="no constant-current pulse"):
        analyze_gitt(Recording.from_arrays(t, 3.7 + 0 * t, i))


def test_rest_too_short():
    s = make_gitt(n_pulses=4, rest_s=20.0, seed=12)
    with pytest.raises(AnalysisInputError, match="too short to define an open-circuit"):
        analyze_gitt(s.recording)
    r = analyze_gitt(s.recording, min_rest_s=10.0)
    assert len(r.pulses) == 4


def test_mixed_sign_steps():
    t = np.arange(0, 4000.0)
    on = (t % 400 > 0) & (t % 400 <= 20)
    sign = np.where((t // 400) % 2 == 0, -1.0, 1.0)
    i = np.where(on, sign * 1e-3, 0.0)
    v = 3.7 + 50 * i
    with pytest.raises(AnalysisInputError, match="mixed sign"):
        analyze_gitt(Recording.from_arrays(t, v, i))


def test_no_current_column():
    rec = Recording.from_arrays(np.arange(3.0), np.ones(3), np.zeros(3), meta={"source": "x.csv"})
    rec.data = rec.data.drop(columns="current_A")
    with pytest.raises(MissingColumnError, match="x.csv.*current_A"):
        analyze_gitt(rec)


def test_label_regions_rule():
    soc = np.linspace(99.5, 0.5, 100)
    r = 100 + 0.8 * np.abs(soc - 50)
    r[-3:] = [300, 400, 500]
    cut = np.zeros(100, dtype=bool)
    cut[-1] = True
    lab = label_regions(soc, r, cut)
    assert (lab[-3:] == "III").all() and (lab[:-3] != "III").all()
    split = int(np.flatnonzero(lab == "II")[0])
    assert abs(soc[split] - 50) <= 1.5
    assert (label_regions(soc[:4], r[:4], cut[:4]) == "I").all()
    assert "III" in REGION_RULE


def test_ampworks_hppc_is_not_a_gitt(shared_data):
    df = pd.read_csv(shared_data / "ampworks_hppc_discharge.csv")
    rec = Recording.from_arrays(df.Seconds.to_numpy(), df.Volts.to_numpy(), df.Amps.to_numpy())
    # discharge steps between the pulse pairs make chains of one sign at most 1 long
    with pytest.raises(AnalysisInputError):
        analyze_gitt(rec, min_pulses=3)


def test_same_values_as_pyprobe():
    """PyProBE's pulsing analysis (OCV = last rest sample, R0 = first pulse sample)
    agrees on the same record, rest current zeroed as it requires."""
    pl = pytest.importorskip("polars")
    pulsing = pytest.importorskip("pyprobe.analysis.pulsing")
    from pyprobe.result import Result

    s = make_gitt(n_pulses=5, seed=13, noise_V=0.0, noise_I_rel=0.0)
    r = analyze_gitt(s.recording)
    t, v, i = s.recording.time, s.recording.voltage, s.recording.current
    cap = np.r_[0.0, np.cumsum(np.diff(t) * 0.5 * (i[1:] + i[:-1]))] / 3600
    df = pl.DataFrame(
        {
            "Time [s]": t,
            "Current [A]": i,
            "Voltage [V]": v,
            "Event": np.r_[0, np.cumsum(np.sign(i)[1:] != np.sign(i)[:-1])],
            "Capacity [Ah]": cap,
            "SOC": cap / cap.max(),
        }
    )
    res = Result(lf=df.lazy(), info={}, column_definitions={"Capacity": "c", "SOC": "s"})
    out = pulsing.get_resistances(res, r_times=[10.0]).data.to_pandas()
    out = out.sort_values("Pulse Number").tail(5).reset_index(drop=True)
    np.testing.assert_allclose(out["OCV [V]"], r.pulses.ocv_before_V, atol=2e-5)
    np.testing.assert_allclose(out["R0 [Ohms]"], r.pulses.r_ir_ohm, rtol=1e-3)
    np.testing.assert_allclose(out["R_10.0s [Ohms]"], r.r_of_t([10.0])[:, 0], rtol=1e-3)
