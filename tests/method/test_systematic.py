"""Errors the pulses share (method/systematic.py) and how compare() draws them.

The time constants of a spectrum hold for every pulse near its SOC, so their error moves
all those pulses alike; the comparison must draw it once per bootstrap replica, not per
pulse, or a crossover's interval is too narrow. Checked against finite differences of
the decomposition on the simulator's GITT, and on curves with a known crossover whose
shift under a shared error is known in closed form.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from ohmslice.dc.gitt import analyze_gitt
from ohmslice.method.compare import compare
from ohmslice.method.decompose import Decomposition, decompose
from ohmslice.method.systematic import Systematic, systematic
from ohmslice.simulate import INSTRUMENT, Rest, cc_cv_charge, gitt, reference_cells, simulate


@pytest.fixture(scope="module")
def short_gitt():
    cell = reference_cells()["S_SE"]
    prog = [Rest(600.0), *cc_cv_charge(cell), Rest(3600.0), gitt(cell, n_pulses=20)]
    res = simulate(cell, prog, noise=INSTRUMENT, seed=5, technique="GITT")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = analyze_gitt(res.recording)
    rows = []
    for s, rel3 in ((85.0, 0.02), (95.0, 0.3)):
        p = cell.parameters_ohm(s)
        rows.append(
            {"soc_pct": s, "tau1_s": p["tau1"], "tau2_s": p["tau2"], "tau3_s": p["tau3"],
             "tau1_err_s": 0.01 * p["tau1"], "tau2_err_s": 0.01 * p["tau2"],
             "tau3_err_s": rel3 * p["tau3"], "n1": 1.0, "n2": p["n2"], "n3": 1.0,
             "r1_ohm": p["r1"], "r2_ohm": p["r2"], "r3_ohm": p["r3"],
             "shape1": "zarc", "shape2": "zarc", "shape3": "ws"}
        )  # fmt: skip
    return g, pd.DataFrame(rows)


def test_shared_shifts_are_the_sensitivity_to_each_spectrum(short_gitt):
    g, taus = short_gitt
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = decompose(g, taus, method="windows")
        sys_ = systematic(g, taus, base, method="windows")
        # the spectrum at 95 % alone: tau3 up by its error (30 %)
        moved = taus.copy()
        moved.loc[1, "tau3_s"] *= np.exp(0.3)
        direct = decompose(g, moved, method="windows").table
    col = sys_.sources.index("tau3 at 95 % SOC (+-30 %)")
    for comp in ("r2", "r3", "r12"):
        want = direct[f"{comp}_ohm"] - base.table[f"{comp}_ohm"]
        got = sys_.shifts[comp][:, col]
        ok = np.isfinite(want)
        assert np.abs(want[ok]).max() > 0.01  # tau3 moves the R2/R3 boundary
        np.testing.assert_allclose(got[ok], want[ok], rtol=0.15, atol=2e-3)
    # the total and the OCV change do not depend on any time constant
    assert np.abs(sys_.shifts["r_total"]).max() == 0
    assert np.abs(sys_.shifts["r_ocv"]).max() == 0
    # a pulse below 85 % takes its time constants from the spectrum at 85 % only
    soc = base.table.soc_pct.to_numpy()
    assert np.all(sys_.shifts["r3"][soc < 85, col] == 0)
    assert "tau3" in sys_.describe()


SOC = np.arange(2.0, 99.0, 1.0)
SLOPE = 0.03  # d ln(R_a / R_b) / d SOC


def _pair(cross_at=40.0, err=0.002):
    """Two cells whose log-ratio is SLOPE (SOC - cross_at), with small own errors."""
    ra = 20.0 * np.exp(0.5 * SLOPE * (SOC - cross_at))
    rb = 20.0 * np.exp(-0.5 * SLOPE * (SOC - cross_at))
    tabs = {}
    for name, r in (("a", ra), ("b", rb)):
        tabs[name] = pd.DataFrame({"soc_pct": SOC, "r2_ohm": r, "r2_ohm_err": err * r})
    return tabs


def _width(cmp):
    row = cmp.crossovers.iloc[0]
    return row.ci_high_pct - row.ci_low_pct, row


def test_a_shared_error_moves_the_crossover_as_a_whole():
    """A 5 % error shared by all of cell a's pulses shifts ln(R_a/R_b) by N(0, 0.05^2):
    the crossover moves by that over SLOPE, so its 95 % interval is about
    +-1.96 x 0.05 / SLOPE = +-3.3 % SOC wide -- drawn per pulse, it partly averages
    away over the pulses that place the crossover."""
    tabs = _pair()
    plain = compare(tabs, ("r2",), n_boot=400, seed=1)
    shared = {
        "a": Decomposition(
            tabs["a"], "windows",
            systematic=Systematic(shifts={"r2": 0.05 * tabs["a"][["r2_ohm"]].to_numpy()}),
        ),
        "b": tabs["b"],
    }  # fmt: skip
    per_pulse = {"a": tabs["a"].assign(r2_ohm_err=np.hypot(0.002, 0.05) * tabs["a"].r2_ohm),
                 "b": tabs["b"]}  # fmt: skip
    w_plain, _ = _width(plain)
    w_shared, row = _width(compare(shared, ("r2",), n_boot=400, seed=1))
    w_per_pulse, _ = _width(compare(per_pulse, ("r2",), n_boot=400, seed=1))
    half = 0.5 * 1.0  # the half-pulse widening on each side
    expected = 2 * 1.96 * 0.05 / SLOPE + 2 * half
    assert abs(w_shared - expected) < 0.25 * expected, (w_shared, expected)
    assert w_shared > 1.4 * w_per_pulse and w_shared > 3 * w_plain
    assert row.ci_low_pct < 40.0 < row.ci_high_pct


def test_an_alternative_diffusion_shape_is_drawn_by_its_weight():
    """Under the alternative shape cell a's curve is that of a crossover 6 % SOC later,
    so the cells cross at 43 % instead of 40 %; with weight 0.4 the interval reaches it,
    and it does not without the alternative."""
    tabs = _pair(40.0)
    alt = _pair(46.0)["a"].r2_ohm.to_numpy()
    shared = {
        "a": Decomposition(
            tabs["a"], "windows",
            systematic=Systematic(
                alternatives=[{"shape": "wo", "weight": 0.4, "values": {"r2": alt}}],
                base_weight=0.6,
            ),
        ),
        "b": tabs["b"],
    }  # fmt: skip
    _, row = _width(compare(shared, ("r2",), n_boot=400, seed=2))
    assert abs(row.soc_pct - 40.0) < 0.5  # the nominal crossover is the chosen shape's
    assert row.ci_low_pct < 40.0 and row.ci_high_pct > 43.0
    _, plain = _width(compare(tabs, ("r2",), n_boot=400, seed=2))
    assert plain.ci_high_pct < 41.5


def test_alternative_shapes_come_from_the_spectra_candidate_fits(short_gitt):
    """A spectrum that stops at 100 mHz leaves the diffusion shape open: a candidate fit
    beside the chosen one becomes an alternative decomposition with the candidate's own
    diffusion tau and resistance, and the candidate's weight."""
    import dataclasses

    from ohmslice.impedance.shapes import SHAPE_ELEMENTS, step_kind
    from ohmslice.impedance.timeconst import time_constants
    from ohmslice.method.boundaries import DC_FRACTION
    from ohmslice.method.decompose import tau_table

    g, _ = short_gitt
    cell = reference_cells()["S_SE"]
    f = np.logspace(6, -1, 71)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tc = time_constants(cell.spectrum(f, 50.0, kind="symmetric"), symmetric=True)
    cand = tc.diffusion_candidates.copy()
    others = cand[cand["success"].astype(bool) & ~cand["chosen"].astype(bool)]
    assert len(others), cand
    alt = str(others["shape"].iat[0])
    # let the data leave that candidate a weight of 0.3 (this spectrum gives it less)
    cand["weight"] = np.where(cand["shape"] == alt, 0.3, np.where(cand["chosen"], 0.7, 0.0))
    tc = dataclasses.replace(tc, diffusion_candidates=cand)
    tcs = {85.0: tc, 95.0: tc}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        taus = tau_table(tcs)
        base = decompose(g, taus, method="windows")
        sys_ = systematic(g, taus, base, tcs=tcs, method="windows")
    assert [a["shape"] for a in sys_.alternatives] == [alt]
    assert sys_.alternatives[0]["weight"] == pytest.approx(0.3)
    assert sys_.base_weight == pytest.approx(0.7)
    fit = tc.diffusion_fits[alt]
    element = str(others["element"].iat[0])
    procs = fit.circuit.time_constants(fit.params)
    row = procs[procs["element"] == element].iloc[0]
    step = step_kind(SHAPE_ELEMENTS[alt])
    alt_taus = taus.assign(tau3_s=row.tau_s, r3_ohm=DC_FRACTION[step] * row.r_ohm,
                           n3=row.n, shape3=step)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = decompose(g, alt_taus, method="windows").table
    np.testing.assert_allclose(sys_.alternatives[0]["values"]["r3"], want.r3_ohm, rtol=1e-9)
    assert f"{alt} (weight 0.30)" in sys_.describe()
