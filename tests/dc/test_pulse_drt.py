"""DRT from a pulse and its rest, against a known two-RC response."""

import numpy as np
import pytest

from ohmslice.dc.drt import pulse_drt
from ohmslice.errors import AnalysisInputError

T = 72.0


def _response(t, r0=2.0, rcs=((3.0, 0.05), (5.0, 10.0)), c_ocv=1.0):
    def k(x, tau):
        return np.where(x > 0, 1 - np.exp(-np.clip(x, 0, None) / tau), 0.0)

    y = r0 * (t <= T) + c_ocv * np.minimum(t, T) / T
    for r, tau in rcs:
        y = y + r * (k(t, tau) - k(t - T, tau))
    return y


def _times():
    # dense right after each step, as dE sampling records
    pulse = np.unique(np.r_[np.logspace(-4, np.log10(T), 300), np.arange(1, T, 1.0)])
    rest = T + np.unique(np.r_[np.logspace(-4, np.log10(1000), 300), np.arange(1, 1000, 5.0)])
    return np.r_[pulse, rest]


def test_two_rc_peaks_recovered(rng):
    t = _times()
    y = _response(t) + 2e-3 * rng.standard_normal(t.size)
    res = pulse_drt(t, y, T)
    pk = res.peaks()
    assert len(pk) == 2
    np.testing.assert_allclose(pk.tau_s, [0.05, 10.0], rtol=0.2)
    np.testing.assert_allclose(pk.r_ohm, [3.0, 5.0], rtol=0.1)
    assert np.all(pk.r_err_ohm > 0) and np.all(pk.r_err_ohm < 0.5)
    assert abs(res.r0_ohm - 2.0) < 0.1 and res.r0_err_ohm > 0
    assert abs(res.c_ocv_ohm - 1.0) < 0.2
    assert np.sqrt(np.mean(res.residual_ohm**2)) < 5e-3


def test_too_few_rest_samples():
    t = np.linspace(0.1, T, 50)
    with pytest.raises(AnalysisInputError, match="rest"):
        pulse_drt(t, _response(t), T)


# --- time constants of a whole simulated GITT from the pulses themselves -------------
@pytest.fixture(scope="module")
def sim_gitt():
    import warnings

    from ohmslice.dc.gitt import analyze_gitt
    from ohmslice.simulate import INSTRUMENT, Rest, cc_cv_charge, gitt, reference_cells, simulate

    cell = reference_cells()["S_SE"]
    prog = [Rest(600.0), *cc_cv_charge(cell), Rest(3600.0), gitt(cell)]
    res = simulate(cell, prog, noise=INSTRUMENT, seed=3, technique="GITT")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # SOC against the full charge: 100 x / x_full, the simulator's x rescaled
        return cell, analyze_gitt(res.recording, soc_reference="charge")


def test_dc_time_constants_drive_the_decomposition(sim_gitt):
    from ohmslice.dc.drt import dc_tau_table, gitt_drt
    from ohmslice.method.decompose import decompose

    cell, g = sim_gitt
    d = gitt_drt(g)
    assert len(d) == len(g.pulses) and (d.flag == "").mean() > 0.9
    taus = dc_tau_table(d)
    mid = taus[(taus.soc_pct > 20) & (taus.soc_pct < 90)]
    true = [cell.parameters_ohm(s) for s in mid.soc_pct]
    for col, key in (("tau2_s", "tau2"), ("tau3_s", "tau3")):
        ratio = mid[col].to_numpy() / np.array([p[key] for p in true])
        assert abs(np.median(ratio) - 1) < 0.15 and np.all(np.abs(ratio - 1) < 0.5), ratio
    # with no spectrum at all, the model method recovers R1, R2, R3
    tab = decompose(g, taus, method="model").table
    soc = tab.soc_pct.to_numpy() * g.capacity_Ah / cell.capacity_Ah  # mid-pulse SOC
    truth = np.array([[cell.parameters_ohm(s)[k] for k in ("r1", "r2", "r3")] for s in soc])
    truth[:, 0] += cell.r_sep_ohm + cell.r_counter_ohm
    sel = ((tab.soc_pct > 5) & (tab.soc_pct < 95)).to_numpy()
    rel = np.abs(tab[["r1_ohm", "r2_ohm", "r3_ohm"]].to_numpy()[sel] / truth[sel] - 1)
    assert rel.max() < 0.05
    np.testing.assert_allclose(tab.n2[sel], cell.parameters_ohm(50)["n2"], atol=0.03)


def test_dc_drt_against_eis_drt(sim_gitt):
    from ohmslice.dc.drt import compare_with_eis, gitt_drt
    from ohmslice.impedance.timeconst import time_constants

    cell, g = sim_gitt
    f = np.logspace(6, -2, 81)
    tcs = {
        s: time_constants(
            cell.spectrum(f, s, kind="symmetric"), "R0-p(R1,C1)-Zarc2-Ws3", symmetric=True
        )
        for s in (50.0, 10.0)
    }
    cmp = compare_with_eis(gitt_drt(g), tcs)
    assert list(cmp.soc_pct) == [10.0, 50.0]
    assert np.all((cmp.tau2_ratio > 0.7) & (cmp.tau2_ratio < 1.4))
    np.testing.assert_allclose(cmp.r2_ratio, 1.0, atol=0.1)
    assert np.all((cmp.tau3_ratio > 0.6) & (cmp.tau3_ratio < 1.6))
    np.testing.assert_allclose(cmp.r3_ratio, 1.0, atol=0.2)


def test_dc_time_constants_stable_between_pulses_and_lambda_grids(sim_gitt):
    """Pulses 1 % SOC apart see nearly the same cell: their DRT time constants must not
    jump by half, and they must not hinge on where the points of the lambda grid fall
    (a GCV minimum picked along a flat GCV curve does both)."""
    from ohmslice.dc.drt import LAMBDA_GRID, gitt_drt

    _, g = sim_gitt
    d = gitt_drt(g)
    assert d.lam.nunique() == 1  # one lambda for the whole GITT
    mid = d[(d.soc_pct > 20) & (d.soc_pct < 90)]
    jump = np.exp(np.abs(np.diff(np.log(mid[["tau2_s", "tau3_s"]].to_numpy(float)), axis=0)))
    assert np.all(np.percentile(jump, 90, axis=0) < 1.4), np.percentile(jump, 90, axis=0)
    assert np.all(jump.max(axis=0) < 1.75), jump.max(axis=0)
    # the same analysis on a grid shifted by half a step
    step = LAMBDA_GRID[1] / LAMBDA_GRID[0]
    shifted = gitt_drt(g, lambdas=LAMBDA_GRID * np.sqrt(step))
    assert shifted.lam.iat[0] == pytest.approx(d.lam.iat[0], rel=0.05)
    for col in ("tau2_s", "tau3_s"):
        np.testing.assert_allclose(shifted[col], d[col], rtol=0.05)
