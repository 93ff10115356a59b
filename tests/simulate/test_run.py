"""Time integration against closed forms, charge balance, sampling, limits, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from ohmslice.errors import InputError
from ohmslice.impedance.circuits import Circuit
from ohmslice.impedance.timedomain import step_response
from ohmslice.simulate import noise as nz
from ohmslice.simulate.programme import CC, CV, Repeat, Rest, cc_cv_charge, gitt, hppc, rate_step
from ohmslice.simulate.run import FIRST_SAMPLE_S, simulate


def _pulse(cell, current_c=-0.5, duration=72.0, soc0=0.5):
    i = current_c * cell.one_c_A
    res = simulate(cell, [Rest(10.0), CC(i, duration)], soc0=soc0)
    d = res.recording.data
    sel = (d["step"] == 1).to_numpy()
    t = d["time_s"].to_numpy()[sel] - res.steps.loc[1, "t_start_s"]
    x = soc0 + i * t / cell.capacity_C
    eta = d["voltage_V"].to_numpy()[sel] - cell.ocv_cell(x)
    return res, t, eta / i


def _ws_series(r, tau, t, n_terms=40000):
    lam = (np.arange(1, n_terms + 1) - 0.5) ** 2 * np.pi**2
    return r * (1.0 - (2.0 / lam * np.exp(-np.outer(t, lam) / tau)).sum(axis=1))


def test_gitt_pulse_matches_closed_form_of_rc_and_finite_warburg(ideal_cell):
    cell = ideal_cell
    _, t, r_t = _pulse(cell)
    p = cell.parameters_ohm(50.0)
    exact = (
        cell.r_sep_ohm
        + cell.r_counter_ohm * -np.expm1(-t / cell.tau_counter_s)
        + p["r1"] * -np.expm1(-t / p["tau1"])
        + p["r2"] * -np.expm1(-t / p["tau2"])
        + _ws_series(p["r3"], p["tau3"], t)
    )
    np.testing.assert_allclose(r_t, exact, rtol=2e-3, atol=1e-3 * exact[-1])
    assert t[0] == pytest.approx(FIRST_SAMPLE_S)


def test_gitt_pulse_matches_laplace_inversion_with_cpe(flat_cell):
    cell = flat_cell
    _, t, r_t = _pulse(cell, current_c=0.5, duration=20.0)
    text, vals = cell.circuit(50.0, "half")
    text = text.replace("-C4", "")  # the OCV term is subtracted from the data
    vals.pop("C4")
    exact = step_response(Circuit(text), vals, t)
    np.testing.assert_allclose(r_t, exact, rtol=5e-3)


def test_rest_after_pulse_relaxes_like_the_difference_of_two_steps(ideal_cell):
    cell = ideal_cell
    i = -0.5 * cell.one_c_A
    res = simulate(cell, [Rest(10.0), CC(i, 72.0), Rest(600.0)], soc0=0.5)
    d = res.recording.data
    sel = (d["step"] == 2).to_numpy()
    t = d["time_s"].to_numpy()[sel] - res.steps.loc[1, "t_start_s"]
    x_end = res.steps.loc[1, "x_end"]
    eta = d["voltage_V"].to_numpy()[sel] - cell.ocv_cell(x_end)
    p = cell.parameters_ohm(50.0)

    def g(tt):
        return (
            cell.r_sep_ohm
            + p["r2"] * -np.expm1(-tt / p["tau2"])
            + p["r1"] * -np.expm1(-tt / p["tau1"])
            + cell.r_counter_ohm * -np.expm1(-tt / cell.tau_counter_s)
            + _ws_series(p["r3"], p["tau3"], tt)
        )

    exact = i * (g(t) - g(t - 72.0))
    np.testing.assert_allclose(eta, exact, atol=2e-3 * abs(i) * p["r3"])


def test_charge_balance_and_one_percent_pulses():
    from ohmslice.simulate.cell import ncm523_cell

    cell = ncm523_cell()
    prog = [*cc_cv_charge(cell), Rest(600.0), gitt(cell, n_pulses=3, rest_s=600.0)]
    res = simulate(cell, prog)
    st = res.steps
    q = cell.capacity_C
    cc = st[st["kind"] != "CV"]
    np.testing.assert_allclose(
        (cc["x_end"] - cc["x_start"]) * q, cc["current_A"] * (cc["t_end_s"] - cc["t_start_s"]),
        rtol=1e-9, atol=1e-12,
    )  # fmt: skip
    pulses = st[st["label"] == "pulse"]
    np.testing.assert_allclose(pulses["x_start"] - pulses["x_end"], 0.01, rtol=1e-9)
    d = res.recording.data
    assert d["charge_Ah"].iloc[-1] == pytest.approx((st["x_end"].iloc[-1] - 0.0) * cell.capacity_Ah)
    # inside every CC/rest step the recorded charge moves by I dt exactly
    for k in cc["step"]:
        s = d[d["step"] == k]
        dq = np.diff(s["charge_Ah"].to_numpy()) * 3600
        np.testing.assert_allclose(
            dq, s["current_A"].to_numpy()[1:] * np.diff(s["time_s"]), atol=1e-15
        )


def test_cc_cv_ends_at_limit_and_cutoff():
    from ohmslice.simulate.cell import ncm523_cell

    cell = ncm523_cell()
    res = simulate(cell, cc_cv_charge(cell, c_rate=0.5, cutoff_c_rate=0.05))
    st = res.steps
    v_max = cell.to_cell_voltage(4.35)
    assert st.loc[0, "end_reason"] == "v_max"
    assert st.loc[0, "v_end_V"] == pytest.approx(v_max, abs=1e-9)
    assert st.loc[1, "end_reason"] == "i_cutoff"
    d = res.recording.data
    cv = d[d["step"] == 1]
    np.testing.assert_allclose(cv["voltage_V"], v_max, atol=2e-4)
    i = cv["current_A"].to_numpy()
    assert np.all(np.diff(i) < 0) and i[-1] <= 0.05 * cell.one_c_A


def test_sampling_is_dense_after_each_current_change():
    from ohmslice.simulate.cell import ncm523_cell

    cell = ncm523_cell()
    res = simulate(cell, [Rest(100.0), gitt(cell, n_pulses=2, rest_s=1000.0)], soc0=0.6)
    d = res.recording.data
    for _, row in res.steps.iterrows():
        s = d[d["step"] == row["step"]]
        t = s["time_s"].to_numpy() - row["t_start_s"]
        assert t[0] == pytest.approx(FIRST_SAMPLE_S)
        assert t[-1] == pytest.approx(row["t_end_s"] - row["t_start_s"])
        dt_max = 1.0 if row["label"] == "pulse" else 60.0
        assert np.diff(t).max() <= dt_max + 1e-9
        if row["label"] == "pulse":
            assert (t < 0.01).sum() >= 3  # the R1/R2 part is resolved


def test_repeat_until_limit_finishes_iteration():
    from ohmslice.simulate.cell import ncm523_cell

    cell = ncm523_cell()
    res = simulate(cell, [gitt(cell, c_rate=2.0, pulse_s=360.0, rest_s=60.0)], soc0=0.3)
    st = res.steps
    assert st["end_reason"].iloc[-2] == "v_min"
    assert st["kind"].iloc[-1] == "rest"
    assert (st["end_reason"] == "v_min").sum() == 1


def test_hppc_and_rate_programmes_run():
    from ohmslice.simulate.cell import ncm523_cell

    cell = ncm523_cell()
    res = simulate(cell, [hppc(cell, n_blocks=2)], soc0=0.9)
    assert len(res.steps) == 12
    res = simulate(cell, [rate_step(cell, 1.0, "charge")], soc0=0.0)
    assert res.steps["end_reason"].iloc[-1] == "v_max"


def test_noise_is_reproducible_and_quiet_is_exact():
    from ohmslice.simulate.cell import ncm523_cell

    cell = ncm523_cell()
    prog = [Rest(100.0), CC(-cell.one_c_A, 60.0)]
    a = simulate(cell, prog, soc0=0.5, noise=nz.INSTRUMENT, seed=7).recording.voltage
    b = simulate(cell, prog, soc0=0.5, noise=nz.INSTRUMENT, seed=7).recording.voltage
    c = simulate(cell, prog, soc0=0.5).recording.voltage
    np.testing.assert_array_equal(a, b)
    assert 0 < np.std(a - c) < 1e-4
    z = np.array([1 + 1j, 2 - 3j])
    np.testing.assert_array_equal(nz.QUIET.impedance(z, np.random.default_rng(0)), z)


@pytest.mark.parametrize(
    "programme, soc0, match",
    [
        ([CC(-1e-3, v_min=2.5)], 0.0, "cut-off already reached"),
        ([CC(1e-3)], 0.5, "never end"),
        ([Rest(-5.0)], 0.5, "duration_s"),
        ([CC(1e-3, 1e6)], 0.5, "beyond the OCV table"),
        ([CV(3.0)], 0.5, "cut-off"),
        ([Repeat((Rest(10.0),))], 0.5, "voltage limit"),
        ([], 0.5, "empty"),
    ],
)
def test_programmes_that_cannot_run_raise_input_error(programme, soc0, match):
    from ohmslice.simulate.cell import ncm523_cell

    with pytest.raises(InputError, match=match):
        simulate(ncm523_cell(), programme, soc0=soc0)


def test_bad_initial_soc_and_noise_levels():
    from ohmslice.simulate.cell import ncm523_cell

    with pytest.raises(InputError, match="soc0"):
        simulate(ncm523_cell(), [Rest(1.0)], soc0=1.5)
    with pytest.raises(InputError, match="voltage_sd_V"):
        nz.NoiseModel(voltage_sd_V=-1.0)


def test_step_voltage_replays_every_step_exactly():
    from ohmslice.simulate.reference import reference_cells

    cell = reference_cells()["L_SE"]  # steep parameters: pulses of several chunks
    prog = [Rest(60.0), *cc_cv_charge(cell, c_rate=1.0), Rest(60.0),
            gitt(cell, c_rate=2.0, pulse_s=720.0, rest_s=60.0)]  # fmt: skip
    res = simulate(cell, prog, soc0=0.0)
    st = res.steps
    assert (st["chunks"] > 1).any() and (st["end_reason"] == "v_min").any()
    d = res.recording.data
    for k, row in st[st["kind"] != "CV"].iterrows():
        s = d[d["step"] == k]
        t = s["time_s"].to_numpy() - row["t_start_s"]
        np.testing.assert_allclose(res.step_voltage(k, t), s["voltage_V"], atol=1e-12)
