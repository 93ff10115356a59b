"""compare(): crossovers of two cells' resistance curves with known answers."""

import numpy as np
import pandas as pd
import pytest

from ohmslice.errors import AnalysisInputError, MissingColumnError
from ohmslice.method.compare import compare, find_crossovers

SOC = np.arange(2.0, 99.0, 1.0)


def _cells(rng, cross_at=21.0, noise=0.02, with_err=True):
    base = 20 + 0.004 * (SOC - 50) ** 2
    ratio = np.exp(0.03 * (cross_at - SOC))  # a above the crossover is lower
    ra = base * np.sqrt(ratio)
    rb = base / np.sqrt(ratio)
    out = {}
    for name, r in (("L_SE", ra), ("S_SE", rb)):
        noisy = r * (1 + noise * rng.standard_normal(r.size))
        df = pd.DataFrame({"soc_pct": SOC, "r2_ohm": noisy, "r1_ohm": 5.0 + 0 * SOC})
        if with_err:
            df["r2_ohm_err"] = noise * r
            df["r1_ohm_err"] = 0.05
        out[name] = df
    return out


@pytest.mark.parametrize("cross_at", [21.0, 60.0])
def test_crossover_found_with_interval(rng, cross_at):
    cmp = compare(_cells(rng, cross_at), components=("r2",), n_boot=200)
    x = cmp.crossovers
    assert len(x) == 1
    row = x.iloc[0]
    assert abs(row.soc_pct - cross_at) < 2.0
    assert row.ci_low_pct <= cross_at <= row.ci_high_pct
    assert row.ci_high_pct - row.ci_low_pct < 10
    assert row.lower_above == "L_SE"
    assert row.found_fraction > 0.8
    r = cmp.ranges
    high = r[r.soc_from_pct > cross_at - 3].iloc[0]
    assert high.lower == "L_SE" and high.lower_by_pct > 0
    low = r[r.soc_to_pct < cross_at + 3].iloc[0]
    assert low.lower == "S_SE"
    assert "reverses" in cmp.notes[0] and "L_SE" in cmp.notes[0]


def test_no_crossover_and_errors_estimated_from_scatter(rng):
    cells = _cells(rng, cross_at=-50.0, with_err=False)
    cmp = compare(cells, components=("r2", "r1", "r3"), n_boot=50)
    assert cmp.crossovers.empty
    assert set(cmp.ranges.component) == {"r2", "r1"}
    assert "no crossover" in cmp.notes[0]


def test_find_crossovers_ignores_short_runs():
    soc = np.linspace(0, 100, 201)
    d = 0.1 * (soc - 30)
    d[(soc > 70) & (soc < 72)] = -0.1  # a 2 %-wide blip
    xs, signs = find_crossovers(soc, d, min_span_pct=5)
    np.testing.assert_allclose(xs, [30.0], atol=0.01)
    np.testing.assert_array_equal(signs, [1.0])


def test_bad_input(rng):
    cells = _cells(rng)
    with pytest.raises(AnalysisInputError):
        compare({"a": cells["L_SE"]})
    with pytest.raises(MissingColumnError):
        compare({"a": cells["L_SE"], "b": cells["S_SE"].drop(columns="soc_pct")}, ("r2",))


def test_a_component_without_values_is_skipped_with_a_note(rng):
    """R1 of a GITT sampled every second is all NaN: the comparison goes on without it."""
    cells = _cells(rng)
    cells["S_SE"]["r1_ohm"] = np.nan
    cmp = compare(cells, components=("r1", "r2"), n_boot=50)
    assert set(cmp.crossovers.component) == {"r2"}
    assert any("R1 of L_SE and S_SE not compared" in n and "0 usable" in n for n in cmp.notes)
    far = cells["S_SE"].assign(soc_pct=cells["S_SE"].soc_pct + 200)
    cmp = compare({"a": cells["L_SE"], "b": far}, ("r2",), n_boot=20)
    assert cmp.crossovers.empty and "share no SOC range" in cmp.notes[0]
    cmp = compare({"a": cells["L_SE"], "b": cells["S_SE"].drop(columns="r2_ohm")}, ("r2",))
    assert "has no column 'r2_ohm'" in cmp.notes[0]


def test_unusable_pulses_are_left_out_and_the_soc_scale_is_carried(rng):
    cells = _cells(rng, cross_at=40.0, noise=0.005)
    # pulses a check rejected: wild values that would make crossovers of their own
    for name, df in cells.items():
        df["usable"] = True
        bad = (df.soc_pct > 70) & (df.soc_pct < 80)
        df.loc[bad, "r2_ohm"] *= 3.0 if name == "S_SE" else 0.3
        df.loc[bad, "usable"] = False
        df.attrs.update(soc_basis="discharge", soc_reference="100 % ... 0 % ...")
    cmp = compare(cells, components=("r2",), n_boot=100)
    assert len(cmp.crossovers) == 1
    row = cmp.crossovers.iloc[0]
    assert abs(row.soc_pct - 40.0) < 1.0 and row.soc_reference == "discharge"
    assert cmp.settings["soc_reference"]["L_SE"].startswith("100 %")
    cells["S_SE"].attrs["soc_basis"] = "charge"
    cmp = compare(cells, components=("r2",), n_boot=20)
    assert cmp.crossovers.soc_reference.iat[0] == "mixed (discharge, charge)"
    assert "SOC scales differ" in cmp.notes[0]


def test_same_curves_give_no_crossover(rng):
    soc = np.arange(2.0, 99.0, 1.0)
    r = 5 + 0.001 * (soc - 50) ** 2
    cells = {
        name: pd.DataFrame(
            {
                "soc_pct": soc,
                "r1_ohm": r * (1 + 0.01 * rng.standard_normal(soc.size)),
                "r1_ohm_err": 0.01 * r,
            }
        )
        for name in ("a", "b")
    }
    cmp = compare(cells, components=("r1",), n_boot=100)
    assert cmp.crossovers.empty
    assert not cmp.ranges.significant.any()
    assert "no significant difference" in cmp.notes[0]


def _curved(cross_at: float, step: float = 1.0) -> dict[str, pd.DataFrame]:
    """Noise-free cells whose log-ratio is strongly curved at the crossover (a tanh step
    like the reference study's): a kernel average would move the crossover. Each value
    is what a discharge pulse of ``step`` % developed by its end, at ``soc``."""
    soc = np.arange(0.5, 100.0, step)
    # ln(L/S) = -0.5 tanh((soc - c0) / 3) + 0.2: zero where the tanh is 0.4, off its
    # centre, so the log-ratio is curved there
    c0 = cross_at - 3.0 * np.arctanh(0.4)
    m = np.exp(-0.5 * np.tanh((soc - c0) / 3.0) + 0.2)
    base = 20 + 0.004 * (soc - 50) ** 2
    out = {}
    for name, r in (("S_SE", base), ("L_SE", base * m)):
        out[name] = pd.DataFrame(
            {
                "soc_pct": soc + step / 2,
                "soc_start_pct": soc + step,
                "soc_end_pct": soc,
                "r3_ohm": r,
                "r3_ohm_err": 1e-6 * r,
            }
        )
    return out


@pytest.mark.parametrize("cross_at", [18.0, 18.3, 55.7])
def test_smoothing_does_not_move_a_noise_free_crossover(cross_at):
    cmp = compare(_curved(cross_at), components=("r3",), n_boot=50)
    row = cmp.crossovers.iloc[0]
    assert abs(row.soc_pct - cross_at) < 0.1


def test_interval_holds_the_pulses_soc_resolution():
    """Noise-free values still locate a crossover only to within a quarter of a pulse's
    SOC span on each side (1 % pulses: +-0.25 %), placed at the pulses' ends."""
    cmp = compare(_curved(30.0), components=("r3",), n_boot=50)
    row = cmp.crossovers.iloc[0]
    assert row.soc_pct == pytest.approx(30.0, abs=0.1)
    assert row.ci_low_pct == pytest.approx(row.soc_pct - 0.25, abs=0.02)
    assert row.ci_high_pct == pytest.approx(row.soc_pct + 0.25, abs=0.02)
    wide = compare(_curved(30.0, step=2.0), components=("r3",), n_boot=50).crossovers.iloc[0]
    assert wide.ci_high_pct - wide.ci_low_pct == pytest.approx(1.0, abs=0.05)
    # a table without the pulse ends is placed by its soc_pct
    mid = {n: t.drop(columns="soc_end_pct") for n, t in _curved(30.0).items()}
    assert compare(mid, components=("r3",), n_boot=20).crossovers.soc_pct.iat[0] == (
        pytest.approx(30.5, abs=0.1)
    )
