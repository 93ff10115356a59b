"""Segmentation of recordings into cc / rest / cv / other steps (ohmslice.dc.pulses.segment)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synth_gitt import make_gitt

from ohmslice.dc.pulses import SEGMENT_COLUMNS, segment
from ohmslice.errors import AnalysisInputError, InputError, MissingColumnError
from ohmslice.schema import Recording


@pytest.fixture(scope="module")
def uniform():
    return make_gitt(n_pulses=6, sampling="uniform", seed=1)


@pytest.fixture(scope="module")
def de_sampled():
    return make_gitt(n_pulses=6, sampling="dE", seed=2)


def _check_pulses(seg: pd.DataFrame, synth) -> None:
    truth = synth.truth
    cc = seg[(seg.kind == "cc") & (seg.sign < 0)].reset_index(drop=True)
    assert len(cc) == len(truth)
    np.testing.assert_allclose(cc.t_start_s, truth.t_on_s, atol=1e-9)
    np.testing.assert_allclose(cc.duration_s, truth.duration_s, rtol=1e-9)
    np.testing.assert_allclose(cc.charge_Ah, truth.charge_Ah, rtol=2e-3)
    np.testing.assert_allclose(cc.current_A, truth.current_A, rtol=2e-3)
    # every pulse is followed by a rest
    nxt = seg.set_index("segment").loc[cc.segment + 1]
    assert (nxt.kind == "rest").all()


def test_columns_and_cover(uniform):
    seg = segment(uniform.recording)
    assert tuple(seg.columns) == SEGMENT_COLUMNS
    assert seg.start.iloc[0] == 0 and seg.stop.iloc[-1] == len(uniform.recording)
    assert (seg.start.to_numpy()[1:] == seg.stop.to_numpy()[:-1]).all()
    assert set(seg.kind) <= {"cc", "rest", "cv", "other"}
    # the record: rest, CC charge, CV, rest, then pulse/rest pairs
    assert list(seg.kind[:4]) == ["rest", "cc", "cv", "rest"]
    assert seg.sign[1] == 1 and seg.sign[2] == 1


def test_uniform_pulses(uniform):
    _check_pulses(segment(uniform.recording), uniform)


def test_de_sampled_pulses(de_sampled):
    t = de_sampled.recording.time
    on = de_sampled.step_times[2]
    assert ((t > on) & (t <= on + 1e-3)).sum() >= 10  # dense start of pulse
    _check_pulses(segment(de_sampled.recording), de_sampled)


def test_total_charge_matches_integral(uniform):
    seg = segment(uniform.recording)
    t, i = uniform.recording.time, uniform.recording.current
    # held first interval + trapezoid: total = sum over segments
    assert seg.charge_Ah.sum() == pytest.approx(
        np.sum(np.diff(t) * 0.5 * (i[1:] + i[:-1])) / 3600, rel=1e-3
    )


def test_sign_convention_is_reported_as_found():
    s = make_gitt(n_pulses=3, flip_sign=True, seed=3)
    seg = segment(s.recording)
    cc = seg[seg.kind == "cc"]
    assert (cc.sign.iloc[1:] > 0).all()  # discharge pulses written positive
    assert cc.sign.iloc[0] < 0  # and the charge negative


def test_wrong_step_column_is_ignored(uniform):
    df = uniform.recording.data.copy()
    df["step"] = 7  # an instrument step column that is wrong
    seg = segment(Recording(df))
    _check_pulses(seg, uniform)


def test_noisy_current_does_not_split(rng):
    n = 4000
    t = np.arange(n, dtype=float)
    i = np.where((t > 1000) & (t <= 2000), -1e-3, 0.0) + rng.normal(0, 2e-6, n)
    v = 3.8 + 0.1 * i
    seg = segment(Recording.from_arrays(t, v, i))
    assert list(seg.kind) == ["rest", "cc", "rest"]
    assert seg.duration_s[1] == pytest.approx(1000.0)
    assert seg.current_A[1] == pytest.approx(-1e-3, rel=1e-3)


def test_steps_without_rest_are_split():
    t = np.arange(300, dtype=float)
    i = np.select([t <= 100, t <= 200], [0.0, -1e-3], -2e-3)
    seg = segment(Recording.from_arrays(t, 3.7 + 0 * t, i))
    assert list(seg.kind) == ["rest", "cc", "cc"]
    np.testing.assert_allclose(seg.current_A[1:], [-1e-3, -2e-3])
    np.testing.assert_allclose(seg.duration_s[1:], [100.0, 99.0])


def test_cv_sparse_fast_decay_is_one_segment():
    # CC then a CV whose current halves between sparse samples
    t = np.r_[np.arange(0, 101.0), 100 + 60.0 * np.arange(1, 12)]
    i = np.r_[np.zeros(1), np.full(100, 1e-3), 1e-3 * 0.5 ** np.arange(1, 12)]
    v = np.r_[3.5, np.linspace(3.6, 4.2, 100), np.full(11, 4.2)]
    seg = segment(Recording.from_arrays(t, v, i), rest_fraction=1e-4)
    assert list(seg.kind) == ["rest", "cc", "cv"]


def test_sweep_is_other():
    t = np.arange(200, dtype=float)
    i = np.r_[0.0, np.linspace(1e-4, 1e-3, 199)]
    v = np.linspace(3.5, 4.0, 200)
    seg = segment(Recording.from_arrays(t, v, i))
    assert list(seg.kind) == ["rest", "other"]


def test_all_rest():
    t = np.arange(10, dtype=float)
    seg = segment(Recording.from_arrays(t, 3.7 + 0 * t, 0 * t))
    assert list(seg.kind) == ["rest"] and seg.charge_Ah[0] == 0.0


def test_bad_parameters_and_input(uniform):
    with pytest.raises(AnalysisInputError, match="rest_fraction"):
        segment(uniform.recording, rest_fraction=-1)
    with pytest.raises(InputError, match="Recording"):
        segment(uniform.recording.data)  # type: ignore[arg-type]
    rec = Recording.from_arrays(np.arange(3.0), np.ones(3), np.zeros(3))
    rec.data = rec.data.drop(columns="current_A")
    with pytest.raises(MissingColumnError, match="current_A"):
        segment(rec)


def test_ampworks_hppc_file(shared_data):
    df = pd.read_csv(shared_data / "ampworks_hppc_discharge.csv")
    rec = Recording.from_arrays(df.Seconds.to_numpy(), df.Volts.to_numpy(), df.Amps.to_numpy())
    seg = segment(rec)
    cc = seg[seg.kind == "cc"]
    # nine pulse groups, each with a discharge and a charge pulse
    assert (cc.sign < 0).sum() >= 9 and (cc.sign > 0).sum() >= 9
    assert seg.charge_Ah.sum() == pytest.approx(
        np.trapezoid(df.Amps.to_numpy(), df.Seconds.to_numpy()) / 3600, rel=0.02
    )


@pytest.mark.parametrize("seed", range(8))
def test_random_step_profiles(seed):
    """Random piecewise-constant currents (rests and steps of either sign, random
    levels and lengths), sampled irregularly with noise: every step is found."""
    r = np.random.default_rng(seed)
    n_steps = 12
    levels = r.choice([0.0, 1.0, -1.0], n_steps) * r.uniform(0.2, 2.0, n_steps) * 1e-3
    levels[::2] = 0.0  # rests between steps keep neighbouring steps apart
    bounds = np.r_[0.0, np.cumsum(r.uniform(5, 500, n_steps))]
    # irregular sampling: dense after each step, sparse later; the step instants are samples
    parts = [np.array([0.0])]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        rel = np.unique(np.r_[np.geomspace(1e-3, b - a, 30), r.uniform(0, b - a, 50), b - a])
        parts.append(a + rel[rel > 0])
    t = np.concatenate(parts)
    k = np.clip(np.searchsorted(bounds, t, side="left") - 1, 0, n_steps - 1)
    i = levels[k] + r.normal(0, 2e-6, len(t))
    v = 3.7 + 30 * levels[k] + r.normal(0, 1e-4, len(t))
    seg = segment(Recording.from_arrays(t, v, i))
    # merge consecutive equal levels of the truth (two rests in a row are one rest)
    keep = np.r_[True, levels[1:] != levels[:-1]]
    want_levels = levels[keep]
    want_start = bounds[:-1][keep]
    assert len(seg) == len(want_levels)
    np.testing.assert_allclose(seg.t_start_s, want_start, atol=1e-9)
    active = want_levels != 0
    assert (seg.kind.to_numpy()[active] == "cc").all()
    assert (seg.kind.to_numpy()[~active] == "rest").all()
    np.testing.assert_allclose(seg.current_A.to_numpy()[active], want_levels[active], rtol=2e-3)


def test_biologic_reversal_point_joins_its_step(shared_data):
    """EC-Lab writes one transition point (intermediate current) 0.6 ms after a
    current reversal; it belongs to the new step, not a step of its own."""
    from ohmslice.io import read_recording

    seg = segment(read_recording(shared_data / "biologic" / "gcpl.issue_149.mpr"))
    assert seg.kind.value_counts().to_dict() == {"cc": 8, "rest": 4}
    cc = seg[seg.kind == "cc"]
    np.testing.assert_allclose(cc.duration_s, 10.0, atol=1e-3)
    assert cc.sign.tolist() == [1, -1] * 4
    np.testing.assert_allclose(cc.current_A.abs(), 3e-5, rtol=0.05)
