"""decompose(): every column of both methods against the simulator's known answers.

The simulator (ohmslice.simulate) integrates an RC expansion of the cell's impedance,
independently of the time-domain inversion the model method fits with; the true
components of every pulse -- R1 (series + contact), R2 and R3 as developed by the end of
the pulse, the OCV change, the DC diffusion resistance -- come from replaying the
simulator's own RC expansion process by process (``sim_truth.pulse_truth``). The time
constants handed to decompose are the true ones on a 5 % SOC grid, as a series of
symmetric-cell spectra would give them.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from sim_truth import pulse_truth

from ohmslice.dc.gitt import analyze_gitt
from ohmslice.errors import InputError, MissingColumnError
from ohmslice.method.columns import COLUMNS, COMMON_COLUMNS
from ohmslice.method.compare import compare
from ohmslice.method.decompose import decompose, gitt_eis_consistency, noise_ohm, tau_table
from ohmslice.schema import Recording
from ohmslice.simulate import CC, INSTRUMENT, Rest, cc_cv_charge, gitt, reference_cells, simulate

PARTS = ("r1", "r2", "r3", "r_ocv")


def _tau_table(cell):
    rows = []
    for s in np.arange(0.0, 100.1, 5.0):
        p = cell.parameters_ohm(s)
        rows.append(
            {
                "soc_pct": s, "tau1_s": p["tau1"], "tau2_s": p["tau2"], "tau3_s": p["tau3"],
                "n1": 1.0, "n2": p["n2"], "n3": 1.0, "r1_ohm": p["r1"], "r2_ohm": p["r2"],
                "r3_ohm": p["r3"], "shape1": "zarc", "shape2": "zarc", "shape3": "ws",
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def _run(name, n_pulses=None, before=(), **gitt_kw):
    cell = reference_cells()[name]
    prog = [
        Rest(600.0),
        *cc_cv_charge(cell),
        Rest(3600.0),
        *before,
        gitt(cell, n_pulses=n_pulses, **gitt_kw),
    ]
    res = simulate(cell, prog, soc0=0.0, noise=INSTRUMENT, seed=7, technique="GITT")
    return cell, res, analyze_gitt(res.recording)


def _every_second(res):
    """The record as an instrument sampling every 1 s writes it: no sample in the first
    second after a current step."""
    d = res.recording.data
    starts = res.steps["t_start_s"].to_numpy()
    k = np.searchsorted(starts, d["time_s"].to_numpy(), side="right") - 1
    since = d["time_s"].to_numpy() - starts[k]
    return Recording(d[(since <= 0) | (since >= 0.999)], res.recording.meta)


def _rel(tab, truth, part):
    return tab[f"{part}_ohm"].to_numpy(float) / truth[part].to_numpy(float) - 1


@pytest.fixture(scope="module")
def cells():
    out = {}
    for name in ("S_SE", "L_SE"):
        cell, res, g = _run(name)
        taus = _tau_table(cell)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # 100 us first sample: everything resolvable
            out[name] = {
                "cell": cell,
                "res": res,
                "gitt": g,
                "taus": taus,
                "truth": pulse_truth(cell, res),
                "model": decompose(g, taus, method="model"),
                "windows": decompose(g, taus, method="windows"),
            }
    return out


def test_both_methods_give_the_same_columns(cells):
    c = cells["S_SE"]
    assert set(COMMON_COLUMNS) <= set(COLUMNS) | {x for x in COMMON_COLUMNS if x.endswith("_err")}
    for method in ("windows", "model"):
        t = c[method].table
        assert list(t.columns[: len(COMMON_COLUMNS)]) == list(COMMON_COLUMNS), method
        assert t.attrs["soc_basis"] == "discharge" and "0 %" in t.attrs["soc_reference"]
        assert c[method].settings["soc_basis"] == "discharge"
        np.testing.assert_array_equal(t.soc_pct, c["gitt"].pulses.soc_mid_pct)
        np.testing.assert_array_equal(t.soc_start_pct, c["gitt"].pulses.soc_start_pct)
        # the closure identity and the paper's R3
        sum_parts = t.r1_ohm + t.r2_ohm + t.r3_ohm + t.r_ocv_ohm
        np.testing.assert_allclose(t.closure_ohm, t.r_total_ohm - sum_parts, atol=1e-9)
        np.testing.assert_allclose(t.r3_paper_ohm, t.r_total_ohm - t.r1_ohm - t.r2_ohm)
        assert t.usable.dtype == bool
    np.testing.assert_allclose(c["windows"].table.closure_ohm, 0.0, atol=1e-9)
    assert c["windows"].table.r3_dc_ohm.isna().all()


def test_truth_closes():
    """The known answers themselves add up: r1 + r2 + r3 + r_ocv = r_total."""
    cell, res, _ = _run("S_SE", n_pulses=3)
    tr = pulse_truth(cell, res)
    np.testing.assert_allclose(tr.r1 + tr.r2 + tr.r3 + tr.r_ocv, tr.r_total, rtol=1e-7)


@pytest.mark.parametrize("name", ["S_SE", "L_SE"])
def test_model_columns_against_truth(cells, name):
    c = cells[name]
    t, tr = c["model"].table, c["truth"]
    use = t.usable.to_numpy()
    assert use.sum() >= 60
    for part in ("r1", "r2", "r3", "r3_dc"):
        rel = np.abs(_rel(t, tr, part)[use])
        assert np.median(rel) < 0.003 and rel.max() < 0.015, (part, np.median(rel), rel.max())
    # the OCV change is small beside the total: its error in Ohm, against the total
    err_ocv = np.abs(t.r_ocv_ohm - tr.r_ocv).to_numpy()[use]
    assert np.median(np.abs(_rel(t, tr, "r_ocv")[use])) < 0.01
    assert np.all(err_ocv < 0.005 * tr.r_total.to_numpy()[use])
    assert np.all(np.abs(t.closure_ohm[use]) < 0.005 * t.r_total_ohm[use])
    errs = t.loc[use, ["r1_ohm_err", "r2_ohm_err", "r3_ohm_err", "r_total_ohm_err"]].to_numpy()
    assert np.all(np.isfinite(errs) & (errs > 0))
    share = t.r3_developed_share.to_numpy()[use]
    np.testing.assert_allclose(share, tr.r3_developed_share.to_numpy()[use], atol=0.006)


@pytest.mark.parametrize("name", ["S_SE", "L_SE"])
def test_windows_columns_against_truth(cells, name):
    c = cells[name]
    t, tr = c["windows"].table, c["truth"]
    # also where the resistance changes within the pulse (L_SE at 15-25 % SOC): R1 + R2
    # is read from the relaxation after the pulse, so R2 is the pulse end's
    sel = (t.usable & (t.soc_pct > 5)).to_numpy()
    assert sel.sum() >= 90
    for part in PARTS:
        rel = np.abs(_rel(t, tr, part)[sel])
        assert np.median(rel) < 0.01 and rel.max() < 0.035, (part, np.median(rel), rel.max())
    np.testing.assert_allclose(t.r_total_ohm, tr.r_total, rtol=2e-3)
    assert "less the" in t.flag.iat[10]  # R1 read at the first sample, leak removed
    assert np.all(t.t1_s <= t.t2_s) and np.all(t.t2_s < t.t_end_s)


def test_short_pulses_develop_part_of_the_diffusion():
    """10 s pulses develop ~2/3 of the diffusion resistance: r3_ohm is that part, the
    model's r3_dc_ohm the full one (extrapolated, so flagged so), and both methods still
    close on the measured total."""
    half = reference_cells()["S_SE"].one_c_A * 0.5
    to_60 = (CC(-half, 0.8 * 3600.0, label="to 60 %"), Rest(7200.0))
    cell, res, g = _run("S_SE", 6, to_60, c_rate=2.0, pulse_s=10.0, rest_s=3000.0)
    tr = pulse_truth(cell, res)
    assert tr.r3_developed_share.max() < 0.8
    taus = _tau_table(cell)
    m = decompose(g, taus, method="model").table
    w = decompose(g, taus, method="windows").table
    ok = m.usable.to_numpy()
    assert ok.sum() >= 4
    np.testing.assert_allclose(m.r3_ohm[ok], tr.r3[ok], rtol=0.01)
    np.testing.assert_allclose(m.r3_dc_ohm[ok], tr.r3_dc[ok], rtol=0.02)
    assert m.r3_dc_extrapolated[ok].all()
    np.testing.assert_allclose(m.r3_developed_share[ok], tr.r3_developed_share[ok], atol=0.01)
    np.testing.assert_allclose(w.r3_ohm[1:], tr.r3[1:], rtol=0.03)
    np.testing.assert_allclose(w.r_ocv_ohm[1:], tr.r_ocv[1:], rtol=0.03)
    assert np.all(np.abs(m.closure_ohm[ok]) < 0.005 * m.r_total_ohm[ok])


def test_model_checks_itself(cells):
    """Near the cut-off the cell's resistance changes within a pulse and the model cannot
    follow: those pulses fail its checks (residual against the noise) and are left out;
    no usable pulse is far from the truth."""
    c = cells["S_SE"]
    t, tr, p = c["model"].table, c["truth"], c["gitt"].pulses
    # the noise of the data: 20 uV instrument noise over the pulse current
    sig = noise_ohm(c["gitt"])
    np.testing.assert_allclose(sig * np.abs(p.current_A), 20e-6, rtol=0.15)
    mid = ((t.soc_pct > 20) & (t.soc_pct < 90)).to_numpy()
    assert t.usable[mid].mean() > 0.95
    assert 0.8 < np.median(t.residual_to_noise[mid]) < 1.5
    low = (t.soc_pct < 3).to_numpy()
    assert not t.usable[low].any()
    assert t.flag[low].str.contains("misses the data").all()
    assert "cut-off" in t.flag.iat[-1] and not t.usable.iat[-1]
    use = t.usable.to_numpy()
    assert (t.residual_to_noise[use] <= 3.0).all()
    r1_err = np.abs(_rel(t, tr, "r1"))
    assert r1_err[use].max() < 0.015
    assert r1_err[~use].max() > 0.1  # what the checks kept out (R1 9.6 instead of 20 Ohm)
    assert any("fail the model's checks" in n for n in c["model"].notes)


def test_model_flags_negative_and_jumping_components(cells):
    """A pulse whose R1 jumps from its neighbours or is negative fails the checks."""
    from ohmslice.method import pulsefit

    c = cells["S_SE"]
    t = c["model"].table.copy()
    p = c["gitt"].pulses
    k = 50
    t.loc[k, "r1_ohm"] *= 0.5
    t.loc[k + 1, "r_ocv_ohm"] = -1.0
    n = len(t)
    usable, flags = pulsefit._checks(
        t, p, ok=np.ones(n, bool), merged=np.zeros(n, bool), developed=np.zeros(n),
        t_first=np.full(n, 1e-4), r2_dc=t.r2_ohm.to_numpy(), at_bound=np.zeros((n, 2), bool),
        tau_factor=3.0, max_residual_ratio=3.0, max_jump=0.3,
    )  # fmt: skip
    assert not usable[k] and "implausible R1" in flags[k]
    assert not usable[k + 1] and "negative component (r_ocv" in flags[k + 1]
    assert usable[k + 5]


def test_crossover_on_the_analysis_scale(cells):
    """The windows decompositions of the two cells cross where the true R2 and R3 cross
    (22 % and 18 % on the model's SOC axis), mapped onto each cell's SOC scale."""
    by_cell = {n: cells[n]["windows"].table for n in ("L_SE", "S_SE")}
    cmp = compare(by_cell, components=("r2", "r3"), n_boot=100)
    x = cmp.crossovers.set_index("component")
    assert (x.soc_reference == "discharge").all()
    for comp, x_model in (("r2", 0.22), ("r3", 0.18)):
        want = np.mean(
            [
                100 * (x_model - tr.x1.iat[-1]) / (tr.x0.iat[0] - tr.x1.iat[-1])
                for tr in (cells[n]["truth"] for n in ("L_SE", "S_SE"))
            ]
        )
        assert abs(x.loc[comp, "soc_pct"] - want) < 1.5, (comp, x.loc[comp, "soc_pct"], want)
    assert x.loc["r2", "lower_above"] == "L_SE"


def test_coarse_sampling_refuses_to_split_r1_r2():
    cell, res, _ = _run("S_SE", n_pulses=4, pulse_dE_V=10.0, pulse_dt_s=1.0)
    g = analyze_gitt(_every_second(res))
    assert g.pulses.t_first_s.min() >= 0.9
    tr = pulse_truth(cell, res)
    taus = _tau_table(cell)
    for method in ("windows", "model"):
        with pytest.warns(UserWarning, match="not separated"):
            d = decompose(g, taus, method=method)
        tab = d.table
        assert tab.r1_ohm.isna().all() and tab.r2_ohm.isna().all()
        assert np.all(np.isfinite(tab.r12_ohm))
        assert tab.flag.str.contains("not separable").all()
        assert any("not separated" in n for n in d.notes)
        # what the samples allow stays right: R1 + R2, R3 and the OCV change
        ok = tab.usable.to_numpy()
        np.testing.assert_allclose(tab.r12_ohm[ok], (tr.r1 + tr.r2)[ok], rtol=0.01)
        np.testing.assert_allclose(tab.r3_ohm[ok], tr.r3[ok], rtol=0.02)
        if method == "windows":  # R1 + R2 at the pulse end: the rest's first second
            assert tab.flag.str.contains("fitted with the diffusion").all()
            np.testing.assert_allclose(tab.r3_ohm[ok], tr.r3[ok], rtol=0.005)
        np.testing.assert_allclose(tab.r_ocv_ohm[ok], tr.r_ocv[ok], rtol=0.03)
        # closure with R1 + R2 in place of the two
        closure = tab.r_total_ohm - tab.r12_ohm - tab.r3_ohm - tab.r_ocv_ohm
        np.testing.assert_allclose(tab.closure_ohm, closure, atol=1e-9)


def test_tau_table_from_time_constant_tables_and_consistency(cells):
    c = cells["S_SE"]
    tcs = {}
    for soc in (50.0, 10.0):
        p = c["cell"].parameters_ohm(soc)
        tcs[soc] = pd.DataFrame(
            {
                "process": ["contact", "charge_transfer", "diffusion"],
                "element": ["R1", "CPE2", "Ws3"],
                "r_fit_ohm": [p["r1"], p["r2"], p["r3"]],
                "r_fit_err_ohm": [0.01, 0.01, 0.01],
                "tau_fit_s": [p["tau1"], p["tau2"], p["tau3"]],
                "tau_fit_err_s": [1e-7, 1e-5, 0.3],
                "n": [1.0, p["n2"], np.nan],
            }
        )
    taus = tau_table(tcs)
    assert list(taus.soc_pct) == [10.0, 50.0]
    assert tuple(taus.loc[0, ["shape1", "shape2", "shape3"]]) == ("zarc", "zarc", "ws")
    cons = gitt_eis_consistency(c["model"], taus)
    assert len(cons) == 2
    np.testing.assert_allclose(cons.r2_ratio, 1.0, atol=0.05)
    np.testing.assert_allclose(cons.r3_ratio, 1.0, atol=0.05)  # the DC diffusion resistance
    assert np.all(cons.r1_ratio > 1)  # GITT's R1 holds the separator and counter electrode
    assert np.all(np.isfinite(cons.r2_ratio_err))


def test_tau_table_leaves_out_what_the_spectrum_did_not_determine():
    def table(status, shape3="ws", reason=""):
        return pd.DataFrame(
            {
                "process": ["contact", "charge_transfer", "diffusion"],
                "element": ["R1", "CPE2", "Ws3"],
                "r_fit_ohm": [5.0, 20.0, 80.0],
                "r_fit_err_ohm": [0.1, 0.1, 1.0],
                "tau_fit_s": [1e-6, 1e-3, 300.0],
                "tau_fit_err_s": [1e-8, 1e-5, 10.0],
                "n": [1.0, 0.85, np.nan],
                "shape": ["zarc", "zarc", shape3],
                "status": ["measured", "measured", status],
                "status_reason": ["", "", reason],
            }
        )

    tcs = {
        0.0: table("undetermined", reason="tau beyond the lowest frequency"),
        50.0: table("measured"),
        70.0: table("measured", shape3="gerischer"),
        80.0: table("measured", shape3="wa"),
        90.0: table("bounded", shape3="wo"),
    }
    with pytest.warns(UserWarning) as caught:
        taus = tau_table(tcs)
    text = " ".join(str(w.message) for w in caught)
    assert "SOC 0 %: not determined (tau beyond the lowest frequency)" in text
    assert "SOC 70 %: diffusion shape 'gerischer'" in text
    assert list(taus.soc_pct) == [50.0, 80.0, 90.0]
    assert list(taus.shape3) == ["ws", "wa", "wo"]
    r3 = dict(zip(taus.soc_pct, taus.r3_ohm, strict=True))
    assert r3[80.0] == pytest.approx(r3[50.0] / 3)  # anomalous diffusion: DC share R/3
    with pytest.raises(InputError, match="no spectrum gives three usable"):
        with pytest.warns(UserWarning, match="SOC 0 %"):
            tau_table({0.0: tcs[0.0]})


def test_bad_input(cells):
    g = cells["S_SE"]["gitt"]
    taus = cells["S_SE"]["taus"]
    with pytest.raises(InputError, match="method"):
        decompose(g, taus, method="magic")
    with pytest.raises(InputError, match="boundary"):
        decompose(g, taus, boundary="middle")
    with pytest.raises(MissingColumnError):
        decompose(g, taus.drop(columns="tau2_s"))
    with pytest.raises(InputError, match="processes"):
        tau_table({50.0: pd.DataFrame({"tau_fit_s": [1.0]})})
