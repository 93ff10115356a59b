"""Rate capability and curve comparison against simulated cells with known answers
(the simulator is in ``synth_rate``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synth_rate import (
    Q_AH,
    RATES,
    V_MAX,
    V_MIN,
    SimCell,
    cccv_charge,
    rate_sequence,
    two_cells,
)

from ohmslice.dc.rate import Curve, analyze_rate, compare_curves, nominal_c_rate
from ohmslice.errors import AnalysisInputError, InputError
from ohmslice.schema import Recording


@pytest.fixture(scope="module")
def sequence():
    cell, truth = rate_sequence(RATES)
    return cell.recording("seq.csv"), truth


# --- helpers ------------------------------------------------------------------------------
def test_nominal_c_rate_snaps_and_rounds():
    got = nominal_c_rate([0.098, 0.52, 1 / 3, 2.07, 0.7, 0.43])
    assert got == pytest.approx([0.1, 0.5, 1 / 3, 2.0, 0.7, 0.43])


# --- analyze_rate: capacities and C-rates -------------------------------------------------
def test_several_rates_in_one_file_known_capacities(sequence):
    rec, truth = sequence
    res = analyze_rate(rec, nominal_capacity_Ah=Q_AH, active_mass_g=0.0165, area_cm2=0.785)
    st = res.steps
    dis = st[st["direction"] == "discharge"].reset_index(drop=True)
    ch = st[st["direction"] == "charge"].reset_index(drop=True)
    assert len(dis) == len(RATES) and len(ch) == len(RATES)
    want = np.array([d["charge_Ah"] for d in truth["discharge"]]) * 1e3
    assert dis["capacity_mAh"].to_numpy() == pytest.approx(want, rel=1e-9)
    assert dis["c_rate_nominal"].tolist() == RATES
    assert dis["c_rate"].to_numpy() == pytest.approx(RATES, rel=1e-9)
    assert (dis["end_reason"] == "voltage_limit").all()
    assert dis["v_end_V"].to_numpy() == pytest.approx(V_MIN, abs=1e-6)
    e_true = np.array([d["energy_Wh"] for d in truth["discharge"]])
    assert dis["energy_Wh"].to_numpy() == pytest.approx(e_true, rel=2e-4)
    assert dis["mean_voltage_V"].to_numpy() == pytest.approx(e_true / want * 1e3, rel=2e-4)
    assert dis["capacity_mAh_g"].to_numpy() == pytest.approx(want / 0.0165, rel=1e-9)
    assert dis["capacity_mAh_cm2"].to_numpy() == pytest.approx(want / 0.785, rel=1e-9)
    assert dis["retention_pct"].to_numpy() == pytest.approx(100 * want / want[0], rel=1e-9)
    assert dis["retention_pct"].iloc[-1] < 95  # 2C loses capacity
    # CC-CV charges: CC part exact, CV part separated and matching the true hold
    cc_true = np.array([c["charge_Ah"] for c in truth["charge"]]) * 1e3
    cv_true = np.array([c["charge_Ah"] for c in truth["cv"]]) * 1e3
    assert ch["capacity_mAh"].to_numpy() == pytest.approx(cc_true, rel=1e-9)
    assert ch["cv_capacity_mAh"].to_numpy() == pytest.approx(cv_true, rel=2e-3)
    assert (ch["cv_capacity_mAh"] > 0.005 * ch["capacity_mAh"]).all()
    assert ch["total_capacity_mAh"].to_numpy() == pytest.approx(cc_true + cv_true, rel=1e-4)
    cv_dur = np.array([c["duration_s"] for c in truth["cv"]])
    assert ch["cv_duration_s"].to_numpy() == pytest.approx(cv_dur, abs=1e-6)
    assert (ch["end_reason"] == "voltage_limit").all()
    assert res.c_rate_basis == "nominal"
    # summary: one row per direction and rate
    sm = res.summary
    assert sm[sm["direction"] == "discharge"]["c_rate_nominal"].tolist() == RATES
    assert (sm["n"] == [4, 1, 1, 1, 1]).all()


def test_c_rate_inferred_from_lowest_rate_capacity(sequence):
    rec, truth = sequence
    res = analyze_rate(rec)
    assert res.c_rate_basis == "lowest_rate"
    st = res.steps
    dis = st[st["direction"] == "discharge"]
    q01 = dis["capacity_mAh"].iloc[0] / 1e3
    assert res.reference_capacity_Ah == pytest.approx(q01, rel=1e-12)
    currents = dis["current_A"].abs().to_numpy()
    assert dis["c_rate"].to_numpy() == pytest.approx(currents / q01, rel=1e-12)
    # the cell delivers ~99 % of the model capacity at 0.1C: rates still snap to the plan
    assert dis["c_rate_nominal"].tolist() == RATES
    assert "lowest-rate capacity" in res.basis_note


def test_one_file_per_rate_matches_one_file():
    recs, truth = [], []
    for r in RATES:
        cell = SimCell(x=0.0005)
        cccv_charge(cell, 0.1)
        cell.rest(1800)
        truth.append(cell.cc(-r * Q_AH, V_MIN))
        recs.append(cell.recording(f"cell_{r}C.csv"))
    res = analyze_rate(recs, nominal_capacity_Ah=Q_AH, cell="A")
    dis = res.steps[res.steps["direction"] == "discharge"]
    assert dis["source"].tolist() == [f"cell_{r}C.csv" for r in RATES]
    assert dis["capacity_mAh"].to_numpy() == pytest.approx(
        [1e3 * t["charge_Ah"] for t in truth], rel=1e-9
    )
    assert (res.steps["cell"] == "A").all()


def test_charge_rate_test_and_retention():
    """Charges at 0.1..2C (CC then CV) with 0.1C discharges between: charge retention
    of the CC part falls with rate, the CC+CV total stays near 100 %."""
    cell = SimCell(x=0.0005)
    truth = []
    for r in RATES:
        cc, cv = cccv_charge(cell, r)
        truth.append((cc["charge_Ah"], cv["charge_Ah"]))
        cell.rest(1800)
        cell.cc(-0.1 * Q_AH, V_MIN)
        cell.rest(1800)
    res = analyze_rate(cell.recording(), nominal_capacity_Ah=Q_AH)
    ch = res.steps[res.steps["direction"] == "charge"]
    cc = np.array([t[0] for t in truth]) * 1e3
    tot = np.array([t[0] + t[1] for t in truth]) * 1e3
    assert ch["c_rate_nominal"].tolist() == RATES
    assert ch["retention_pct"].to_numpy() == pytest.approx(100 * cc / cc[0], rel=1e-9)
    assert ch["total_retention_pct"].to_numpy() == pytest.approx(100 * tot / tot[0], rel=1e-3)
    assert ch["retention_pct"].iloc[-1] < 90
    assert ch["total_retention_pct"].iloc[-1] > 98


def test_discharge_that_ends_by_time():
    cell = SimCell(x=0.0005)
    cccv_charge(cell, 0.1)
    cell.rest(600)
    full = cell.cc(-0.1 * Q_AH, V_MIN)
    cccv_charge(cell, 0.1)
    cell.rest(600)
    timed = cell.cc(-1.0 * Q_AH, V_MIN, t_max=1800.0)
    assert timed["end_reason"] == "time"
    rec = cell.recording()
    for kw in ({}, {"step_time_s": 1800.0}, {"voltage_limits_V": (V_MIN, V_MAX)}):
        res = analyze_rate(rec, **kw)
        dis = res.steps[res.steps["direction"] == "discharge"]
        assert dis["end_reason"].tolist() == ["voltage_limit", "time"], kw
        assert dis["capacity_mAh"].iloc[1] == pytest.approx(1.25, rel=1e-9)
        assert dis["duration_s"].iloc[1] == pytest.approx(1800.0, abs=1e-6)
        assert dis["capacity_mAh"].iloc[0] == pytest.approx(1e3 * full["charge_Ah"], rel=1e-9)


def test_end_reason_with_programmed_time_at_the_limit_voltage():
    """A discharge stopped by time exactly where the previous one hit the cut-off is
    still called 'time' when its duration is the programmed one and its end is flat."""
    cell = SimCell(x=0.0005, r0=20.0)
    cccv_charge(cell, 0.1)
    first = cell.cc(-1.0 * Q_AH, V_MIN)
    cell.rest(3 * 3600)
    cccv_charge(cell, 0.1)
    cell.rest(600)
    cell.cc(-1.0 * Q_AH, V_MIN, t_max=1200.0)
    rec = cell.recording()
    res = analyze_rate(rec, step_time_s=1200.0, nominal_capacity_Ah=Q_AH)
    dis = res.steps[res.steps["direction"] == "discharge"]
    assert dis["end_reason"].tolist() == ["voltage_limit", "time"]
    assert first["end_reason"] == "voltage_limit"


def test_steps_all_ended_by_their_time_limit():
    """12 h charges and discharges that never reach a limit (every step 43 200 s, each
    ending at the same plateau voltage as the others): the durations agree to the time
    stamps while voltage limits would leave them scattered, and no end is steep -- all
    ended by time, and no C-rate is inferred from them."""
    cell = SimCell(x=0.5, dt=60.0)
    cell.rest(600)
    for _ in range(3):
        cell.cc(-0.02 * Q_AH, V_MIN, t_max=43200.0)
        cell.cc(0.02 * Q_AH, V_MAX, t_max=43200.0)
    assert all(t["end_reason"] == "time" for t in cell.truth)
    rec = cell.recording("gcpl_12h.csv", noise_V=1e-4, seed=1)
    with pytest.raises(AnalysisInputError, match="ended by time"):
        analyze_rate(rec)
    res = analyze_rate(rec, nominal_capacity_Ah=Q_AH)
    assert (res.steps["end_reason"] == "time").all()
    assert res.steps["duration_s"].to_numpy() == pytest.approx(43200.0, abs=1e-6)
    # one such step alone: its own end voltage is the "limit", but its end is flat
    one = SimCell(x=0.5, dt=60.0)
    one.rest(600)
    one.cc(-0.02 * Q_AH, V_MIN, t_max=43200.0)
    res1 = analyze_rate(one.recording("one.csv"), nominal_capacity_Ah=Q_AH)
    assert res1.steps["end_reason"].tolist() == ["time"]


def test_repeated_cycles_to_the_limits_stay_voltage_limited():
    """Cycles at one current (to 0.2 %, as an instrument sets it) between the limits: the
    same end voltages after durations that differ from cycle to cycle -- voltage limits,
    from which the C-rate comes."""
    cell = SimCell(x=0.02, dt=30.0)
    for k in range(3):
        cell.cc(0.5 * Q_AH * (1 + 0.002 * k), V_MAX)
        cell.cc(-0.5 * Q_AH * (1 - 0.002 * k), V_MIN)
    res = analyze_rate(cell.recording("cycles.csv"))
    assert (res.steps["end_reason"] == "voltage_limit").all()
    assert res.c_rate_basis == "lowest_rate"


def test_lowest_rate_ended_by_time_cannot_give_c_rate():
    cell = SimCell(x=0.92)  # a charged cell: the file holds discharges only
    cell.rest(600)
    cell.cc(-0.1 * Q_AH, V_MIN, t_max=3 * 3600.0)  # stops at 30 % DoD
    cell.rest(600)
    cell.cc(-1.0 * Q_AH, V_MIN)
    rec = cell.recording("partial.csv")
    with pytest.raises(AnalysisInputError, match="--capacity-mAh") as ei:
        analyze_rate(rec)
    assert "partial.csv" in str(ei.value) and "nominal_capacity_Ah" in str(ei.value)
    res = analyze_rate(rec, nominal_capacity_Ah=Q_AH)  # the remedy works
    assert res.steps["c_rate_nominal"].tolist() == [0.1, 1.0]
    assert res.steps["end_reason"].tolist() == ["time", "voltage_limit"]


def test_c_rate_from_lowest_rate_charge_when_no_discharge_qualifies():
    cell = SimCell(x=0.0005)
    cc, cv = cccv_charge(cell, 0.1)
    cell.rest(600)
    cell.cc(-0.1 * Q_AH, V_MIN, t_max=3 * 3600.0)  # ended by time
    cell.rest(600)
    cell.cc(-1.0 * Q_AH, V_MIN)
    res = analyze_rate(cell.recording())
    assert res.reference_capacity_Ah == pytest.approx(cc["charge_Ah"] + cv["charge_Ah"], rel=1e-4)
    assert "1 charge(s) at 0.25 mA" in res.basis_note
    assert res.steps["c_rate_nominal"].tolist() == [0.1, 0.1, 1.0]


def test_no_constant_current_segment():
    t = np.arange(0, 3600.0, 10.0)
    rec = Recording.from_arrays(t, 3.7 + 0 * t, 0 * t, meta={"source": "rest_only.csv"})
    with pytest.raises(AnalysisInputError, match="no constant-current") as ei:
        analyze_rate(rec)
    assert "rest_only.csv" in str(ei.value)


def test_bad_parameters():
    cell = SimCell(x=0.5)
    cell.cc(-Q_AH, V_MIN)
    rec = cell.recording()
    with pytest.raises(InputError, match="nominal_capacity_Ah"):
        analyze_rate(rec, nominal_capacity_Ah=-1)
    with pytest.raises(InputError, match="active_mass_g"):
        analyze_rate(rec, active_mass_g=0)
    with pytest.raises(InputError, match="Recording"):
        analyze_rate([rec, "file.csv"])  # type: ignore[list-item]
    with pytest.raises(InputError, match="min_capacity_fraction"):
        analyze_rate(rec, min_capacity_fraction=1.5)


def test_short_pulses_are_not_rate_steps():
    cell = SimCell(x=0.0005)
    cccv_charge(cell, 0.1)
    cell.rest(600)
    for _ in range(3):  # GITT-like 1 % pulses
        cell.cc(-0.5 * Q_AH, V_MIN, t_max=72.0)
        cell.rest(600)
    cell.cc(-0.5 * Q_AH, V_MIN)
    res = analyze_rate(cell.recording(), nominal_capacity_Ah=Q_AH)
    assert res.n_dropped == 3
    assert res.steps["direction"].tolist() == ["charge", "discharge"]


@pytest.mark.parametrize("dt", [1.0, 30.0])
def test_noisy_recording(dt):
    """2 mV voltage noise, 0.2 % current noise: the CV hold is too noisy for the
    segmentation to call constant ("other"); it is still taken as the hold."""
    cell, truth = rate_sequence([0.1, 1.0, 2.0], dt=dt)
    rec = cell.recording(noise_V=2e-3, noise_rel_I=2e-3, seed=3)
    res = analyze_rate(rec, nominal_capacity_Ah=Q_AH)
    st = res.steps
    dis, ch = st[st["direction"] == "discharge"], st[st["direction"] == "charge"]
    want = np.array([d["charge_Ah"] for d in truth["discharge"]]) * 1e3
    assert dis["capacity_mAh"].to_numpy() == pytest.approx(want, rel=2e-3)
    assert (st["end_reason"] == "voltage_limit").all()
    assert dis["c_rate_nominal"].tolist() == [0.1, 1.0, 2.0]
    # CC/CV split where the current leaves its CC level by the segmentation's 2 %: a
    # few seconds of the hold count as CC, the CC + CV total is exact
    cv = np.array([c["charge_Ah"] for c in truth["cv"]]) * 1e3
    tot = cv + np.array([c["charge_Ah"] for c in truth["charge"]]) * 1e3
    assert ch["cv_capacity_mAh"].to_numpy() == pytest.approx(cv, rel=0.03)
    assert ch["total_capacity_mAh"].to_numpy() == pytest.approx(tot, rel=2e-3)


# --- curve comparison ---------------------------------------------------------------------
def test_compare_curves_linear_crossing_on_arrays():
    q = np.linspace(0, 2e-3, 37)
    va = 4.0 - 400 * q
    q2 = np.linspace(0, 2.4e-3, 51)
    vb = 3.97 - 375 * q2  # equal where 0.03 = 25 q
    a = Curve(q, va, "discharge", 2.5e-3, label="L_SE")
    b = Curve(q2, vb, "discharge", 2.5e-3, label="S_SE")
    c = compare_curves(a, b, x="capacity")
    assert len(c.crossings) == 1
    xc = 0.03 / 25
    assert c.crossings["x"].iloc[0] == pytest.approx(xc, rel=1e-9)
    assert c.crossings["soc_a_pct"].iloc[0] == pytest.approx(100 - 100 * xc / 2.5e-3)
    assert c.crossings["higher_before"].iloc[0] == "L_SE"
    assert c.crossings["higher_after"].iloc[0] == "S_SE"
    assert c.grid["x"].iloc[-1] == pytest.approx(2e-3)  # the overlap only
    assert c.grid["d_overvoltage_V"].to_numpy() == pytest.approx(-c.grid["dv_V"].to_numpy())


def test_compare_curves_soc_dod_and_ranges():
    p = np.linspace(0, 100, 11)  # % DoD with reference 1 Ah -> capacity p/100 Ah
    va = 4.0 - 0.01 * p
    vb = 3.9 - 0.01 * p + 0.004 * p  # crosses at 0.1 = 0.004 p -> p = 25 % DoD
    a = Curve(p / 100, va, "discharge", 1.0, label="a1")
    b = Curve(p / 100, vb, "discharge", 1.0, label="b1")
    cd = compare_curves(a, b, x="dod", n_points=101)
    cs = compare_curves(a, b, x="soc", n_points=101)
    assert cd.crossings["x"].item() == pytest.approx(25.0)
    assert cs.crossings["x"].item() == pytest.approx(75.0)
    assert cs.crossings["dod_b_pct"].item() == pytest.approx(25.0)
    r = cs.ranges
    assert r["higher"].tolist() == ["a1", "b1"]
    assert r["x_from"].tolist() == pytest.approx([100, 75]) and r["x_to"].tolist() == pytest.approx(
        [75, 0]
    )
    assert "a1 higher from SOC 100 % to 75 %" in cs.summary()
    # charge: SOC = progress
    ach = Curve(p / 100, 3.6 + 0.01 * p, "charge", 1.0, label="a")
    bch = Curve(p / 100, 3.65 + 0.008 * p, "charge", 1.0, label="b")
    cc = compare_curves(ach, bch, x="soc")
    assert cc.crossings["x"].item() == pytest.approx(25.0)
    assert cc.grid["d_overvoltage_V"].to_numpy() == pytest.approx(cc.grid["dv_V"].to_numpy())


def test_compare_curves_tolerance_hides_wiggles():
    q = np.linspace(0, 1, 201)
    va = 3.8 - 0.2 * q + 1e-4 * np.sin(40 * q)
    vb = 3.8 - 0.2 * q
    a, b = Curve(q, va, "discharge", label="a"), Curve(q, vb, "discharge", label="b")
    assert len(compare_curves(a, b).crossings) > 5
    c = compare_curves(a, b, tol_V=5e-4)
    assert len(c.crossings) == 0
    assert c.ranges["higher"].tolist() == ["equal"]


def test_crossing_standard_error_matches_scatter():
    """Noisy curves (1 mV white noise each) crossing at 20 % DoD with dV slope 5 mV/%:
    the reported x_err (~0.28 %) matches the scatter of the crossing over 100 draws."""
    rng = np.random.default_rng(7)
    p = np.linspace(0, 100, 201)
    xs, errs = [], []
    for _ in range(100):
        va = 4 - 1.0 * p / 100 + 1e-3 * rng.standard_normal(p.size)
        vb = 3.9 - 0.5 * p / 100 + 1e-3 * rng.standard_normal(p.size)
        a, b = Curve(p / 100, va, "discharge", 1.0), Curve(p / 100, vb, "discharge", 1.0)
        c = compare_curves(a, b, x="dod", n_points=201, tol_V=3e-3)
        assert len(c.crossings) == 1
        xs.append(c.crossings["x"].item())
        errs.append(c.crossings["x_err"].item())
    sd, err = np.std(xs, ddof=1), np.mean(errs)
    assert 0.6 < sd / err < 1.6
    assert abs(np.mean(xs) - 20.0) < 4 * sd / np.sqrt(len(xs))


def test_compare_curves_errors():
    q = np.linspace(0, 1, 5)
    a = Curve(q, 4 - q, "discharge")
    with pytest.raises(InputError, match="same direction"):
        compare_curves(a, Curve(q, 3 + q, "charge"))
    with pytest.raises(InputError, match="'capacity', 'soc' or 'dod'"):
        compare_curves(a, a, x="volts")  # type: ignore[arg-type]
    with pytest.raises(AnalysisInputError, match="do not overlap"):
        compare_curves(a, Curve(q + 2, 4 - q, "discharge"), x="capacity")
    with pytest.raises(InputError, match="decreases"):
        compare_curves(a, Curve(q[::-1], 4 - q, "discharge"))
    with pytest.raises(AnalysisInputError, match="two distinct"):
        compare_curves(a, Curve(np.zeros(3), np.ones(3), "discharge"))
    with pytest.raises(InputError, match="direction 'dis'"):
        compare_curves(a, Curve(q, 4 - q, "dis"))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="reference_capacity_Ah"):
        compare_curves(a, Curve(q, 4 - q, "discharge", -1.0))
    with pytest.raises(InputError, match="tol_V"):
        compare_curves(a, a, tol_V=-1)


def test_curve_from_arrays():
    t = np.arange(0, 3601.0, 10.0)
    c = Curve.from_arrays(t, 4 - t / 3600, np.full(t.size, -2e-3), label="x")
    assert c.direction == "discharge" and c.label == "x"
    assert c.capacity_Ah[-1] == pytest.approx(2e-3 * 1.0)
    assert c.reference_Ah == pytest.approx(2e-3)


def test_two_cells_discharge_curves_cross_at_known_dod():
    res = two_cells(2.0)
    a, b = res["L_SE"].curve("discharge", 2.0), res["S_SE"].curve("discharge", 2.0)
    c = compare_curves(a, b, x="dod")
    assert len(c.crossings) == 1
    row = c.crossings.iloc[0]
    assert row["x"] == pytest.approx(75.0, abs=1e-6)
    assert row["soc_a_pct"] == pytest.approx(25.0, abs=1e-6)
    assert row["capacity_a_Ah"] == pytest.approx(0.75 * Q_AH, rel=1e-8)
    assert (row["higher_before"], row["higher_after"]) == ("L_SE", "S_SE")
    # L_SE has the lower overvoltage above 25 % SOC, the higher one below
    g = c.grid
    assert (g.loc[g["x"] < 74, "d_overvoltage_V"] < 0).all()
    assert (g.loc[g["x"] > 76, "d_overvoltage_V"] > 0).all()
    # the whole difference: dV = 2C x (R0_b - R0_a(x)), x = 0.95 - DoD (OCV and RC cancel)
    # (exact where both are interpolated linearly between samples of one time grid: not
    # in the last interval, which ends at a different cut-off time for each cell)
    inner = g["x"] < 90
    want = 2 * Q_AH * (10 - 5 - 6.25 * (0.05 + g.loc[inner, "x"].to_numpy() / 100))
    assert g.loc[inner, "dv_V"].to_numpy() == pytest.approx(want, abs=1e-9)
    cs = compare_curves(a, b, x="soc")
    assert cs.crossings["x"].item() == pytest.approx(25.0, abs=1e-6)
    assert cs.ranges["higher"].tolist() == ["L_SE", "S_SE"]


def test_crossing_at_low_rate_hidden_by_tolerance():
    res = two_cells(0.1)
    a, b = res["L_SE"].curve(), res["S_SE"].curve()
    assert compare_curves(a, b).crossings["x"].item() == pytest.approx(75.0, abs=1e-6)
    # 0.1C: the curves differ by < 1.3 mV; a 2 mV tolerance calls them equal
    assert len(compare_curves(a, b, tol_V=2e-3).crossings) == 0


def test_rate_result_curve_lookup(sequence):
    rec, _ = sequence
    res = analyze_rate(rec, nominal_capacity_Ah=Q_AH)
    assert res.rates("discharge") == RATES
    c = res.curve("charge", 0.1, index=1, include_cv=True)
    cc = res.curve("charge", 0.1, index=1)
    assert len(c.capacity_Ah) > len(cc.capacity_Ah)
    row = res.steps[res.steps["direction"] == "charge"].iloc[1]
    assert c.capacity_Ah[-1] == pytest.approx(row["total_capacity_mAh"] / 1e3, rel=1e-12)
    assert cc.capacity_Ah[-1] == pytest.approx(row["capacity_mAh"] / 1e3, rel=1e-12)
    with pytest.raises(InputError, match="rates present: 0.1C, 0.5C, 1C, 2C"):
        res.curve("discharge", 5.0)
    assert isinstance(res.curves[0], pd.DataFrame)


# --- real instrument files (skip where ../shared/data is absent) ------------------------
def test_real_gcpl_capacities_match_instrument_charge(shared_data):
    """EC-Lab GCPL, 5 cycles between the programmed limits EM = 0.5 / -0.6 V: every
    step ends at its limit and its capacity equals the instrument's own (Q-Qo) change."""
    from ohmslice.io import read_recording

    rec = read_recording(shared_data / "biologic" / "gcpl.issue_211.mpt")
    for kw in ({}, {"voltage_limits_V": (-0.6, 0.5)}):
        res = analyze_rate(rec, **kw)
        st = res.steps
        assert st["direction"].tolist() == ["charge", "discharge"] * 5
        assert (st["end_reason"] == "voltage_limit").all()
        lim = np.where(st["direction"] == "charge", 0.5, -0.6)
        assert st["v_end_V"].to_numpy() == pytest.approx(lim, abs=5e-4)
        q = rec.data["charge_Ah"].to_numpy()
        inst = 1e3 * np.abs(q[st["stop"] - 1] - q[st["start"] - 1])
        assert st["capacity_mAh"].to_numpy() == pytest.approx(inst, rel=1e-5)
        assert res.c_rate_basis == "lowest_rate"


def test_real_gcpl_time_limited_steps(shared_data):
    """EC-Lab GCPL of 10 s steps at +-30 uA, far from the limits 4.5 / 3.0 V: every step
    ended by time, and the C-rate cannot be inferred from them."""
    from ohmslice.io import read_recording

    rec = read_recording(shared_data / "biologic" / "gcpl.issue_149.mpt")
    with pytest.raises(AnalysisInputError, match="--capacity-mAh"):
        analyze_rate(rec)
    res = analyze_rate(rec, nominal_capacity_Ah=1e-3)
    st = res.steps
    assert len(st) == 8 and (st["end_reason"] == "time").all()
    assert st["duration_s"].to_numpy() == pytest.approx(10.0, abs=1e-3)
    assert st["capacity_mAh"].to_numpy() == pytest.approx(0.03 * 10 / 3600, rel=2e-3)
