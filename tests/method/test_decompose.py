"""decompose(): R1/R2/R3 of simulated GITTs whose answers are known.

The simulator (ohmslice.simulate) integrates an RC expansion of the cell's impedance,
independently of the time-domain inversion the model method fits with. The time
constants handed to decompose are the true ones on a 5 % SOC grid, as a series of
symmetric-cell spectra would give them.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from ohmslice.dc.gitt import analyze_gitt
from ohmslice.errors import InputError, MissingColumnError
from ohmslice.method.compare import compare
from ohmslice.method.decompose import decompose, gitt_eis_consistency, tau_table
from ohmslice.schema import Recording
from ohmslice.simulate import INSTRUMENT, Rest, cc_cv_charge, gitt, reference_cells, simulate


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


def _run(name, n_pulses=None, **gitt_kw):
    cell = reference_cells()[name]
    prog = [
        Rest(600.0),
        *cc_cv_charge(cell),
        Rest(3600.0),
        gitt(cell, n_pulses=n_pulses, **gitt_kw),
    ]
    res = simulate(cell, prog, soc0=0.0, noise=INSTRUMENT, seed=7, technique="GITT")
    return cell, res, analyze_gitt(res.recording)


def _truth(cell, g):
    """True per-pulse R1 (with the cell's series parts), R2, R3 at the pulse middle."""
    x_full = g.capacity_Ah / cell.capacity_Ah
    soc = (g.pulses["soc_start_pct"].to_numpy() - 0.5) * x_full
    tr = np.array([[cell.parameters_ohm(s)[k] for k in ("r1", "r2", "r3")] for s in soc])
    tr[:, 0] += cell.r_sep_ohm + cell.r_counter_ohm
    return tr


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
                "model": decompose(g, taus, method="model"),
                "windows": decompose(g, taus, method="windows"),
            }
    return out


def test_model_method_within_5_percent(cells):
    c = cells["S_SE"]
    tab, tr = c["model"].table, _truth(c["cell"], c["gitt"])
    sel = ((tab.soc_pct > 5) & (tab.soc_pct < 95)).to_numpy()
    assert sel.sum() > 80
    got = tab[["r1_ohm", "r2_ohm", "r3_ohm"]].to_numpy()
    rel = np.abs(got[sel] / tr[sel] - 1)
    assert rel.max() < 0.05, rel.max(axis=0)
    assert np.median(rel) < 0.005
    errs = tab[["r1_ohm_err", "r2_ohm_err", "r3_ohm_err"]].to_numpy()[sel]
    assert np.all(np.isfinite(errs) & (errs > 0))
    assert (tab.flag[sel] == "").all()
    np.testing.assert_allclose(tab.tau2_s[sel], c["cell"].parameters_ohm(50)["tau2"], rtol=0.1)


def test_windows_method_within_10_percent(cells):
    c = cells["S_SE"]
    tab, tr, res = c["windows"].table, _truth(c["cell"], c["gitt"]), c["res"]
    sel = ((tab.soc_pct > 5) & (tab.soc_pct < 95)).to_numpy()
    rel = np.abs(tab[["r1_ohm", "r2_ohm"]].to_numpy()[sel] / tr[sel, :2] - 1)
    assert rel.max() < 0.10, rel.max(axis=0)
    # R3 (the seed's: diffusion developed by the pulse end plus the OCV shift) against
    # the noise-free simulated voltage at the same window edges
    steps = res.steps[res.steps.label == "pulse"]["step"].to_numpy()
    r3_true = []
    for k, step in enumerate(steps[: len(tab)]):
        t2, te = tab.t2_s.iat[k], tab.t_end_s.iat[k]
        v = res.step_voltage(int(step), np.array([t2, te]))
        r3_true.append((v[1] - v[0]) / c["gitt"].pulses.current_A.iat[k])
    rel3 = np.abs(tab.r3_ohm.to_numpy()[sel] / np.array(r3_true)[sel] - 1)
    assert rel3.max() < 0.10
    assert "less the" in tab.flag.iat[10]  # R1 read at the first sample, leak removed
    assert np.all(tab.t1_s <= tab.t2_s) and np.all(tab.t2_s < tab.t_end_s)


def test_crossover_within_2_points(cells):
    by_cell = {n: cells[n]["model"].table for n in ("L_SE", "S_SE")}
    cmp = compare(by_cell, components=("r2", "r3"), n_boot=100)
    x = cmp.crossovers.set_index("component")
    x_full = cells["L_SE"]["gitt"].capacity_Ah / cells["L_SE"]["cell"].capacity_Ah
    # the reference cells' R2 and R3 of L_SE cross S_SE's at 22 % and 18 % model SOC
    assert abs(x.loc["r2", "soc_pct"] - 22.0 / x_full) < 2.0
    assert abs(x.loc["r3", "soc_pct"] - 18.0 / x_full) < 2.0
    assert x.loc["r2", "lower_above"] == "L_SE"


def test_coarse_sampling_refuses_to_split_r1_r2():
    cell, res, _ = _run("S_SE", n_pulses=4, pulse_dE_V=10.0, pulse_dt_s=1.0)
    # record every 1 s only: drop the samples within the first second of each step
    d = res.recording.data
    starts = res.steps["t_start_s"].to_numpy()
    k = np.searchsorted(starts, d["time_s"].to_numpy(), side="right") - 1
    since = d["time_s"].to_numpy() - starts[k]
    g = analyze_gitt(Recording(d[(since <= 0) | (since >= 0.999)], res.recording.meta))
    assert g.pulses.t_first_s.min() >= 0.9
    taus = _tau_table(cell)
    for method in ("windows", "model"):
        with pytest.warns(UserWarning, match="not separated"):
            d = decompose(g, taus, method=method)
        tab = d.table
        assert tab.r1_ohm.isna().all() and tab.r2_ohm.isna().all()
        assert np.all(np.isfinite(tab.r12_ohm))
        assert tab.flag.str.contains("not separable").all()
        assert any("not separated" in n for n in d.notes)


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
    np.testing.assert_allclose(cons.r3_ratio, 1.0, atol=0.05)
    assert np.all(cons.r1_ratio > 1)  # GITT's R1 holds the separator and counter electrode
    assert np.all(np.isfinite(cons.r2_ratio_err))


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
