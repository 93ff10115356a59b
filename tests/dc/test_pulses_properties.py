"""Properties of the segmentation that hold for any current programme (hypothesis).

Programmes are random sequences of steps -- rests, constant currents of either sign and
any level, linear ramps -- sampled at random intervals, with noise. Whatever the
programme, the segmentation must cover every sample exactly once, in order, with a
kind and a sign that match the current it reports, and count the charge exactly; and
a programme of clean constant-current steps and rests must be found step by step.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ohmslice.dc.pulses import SEGMENT_COLUMNS, segment
from ohmslice.errors import InputError
from ohmslice.schema import Recording

STEP = st.tuples(
    st.sampled_from(["rest", "cc", "ramp"]),
    st.floats(1e-4, 5e-2),  # |current| [A]
    st.sampled_from([-1.0, 1.0]),
    st.integers(3, 60),  # samples
)


def _programme(steps, dt, noise, seed):
    rng = np.random.default_rng(seed)
    cur = []
    for kind, level, sign, n in steps:
        if kind == "rest":
            cur.append(np.zeros(n))
        elif kind == "cc":
            cur.append(np.full(n, sign * level))
        else:
            cur.append(sign * level * np.linspace(0.2, 1.0, n))
    i = np.concatenate(cur)
    i = i + noise * np.abs(i).max(initial=1e-3) * rng.standard_normal(i.size)
    t = np.cumsum(rng.uniform(0.5, 1.5, i.size) * dt)
    v = 3.7 + 10 * np.cumsum(i) * dt / 3600 + 0.5 * i
    return Recording.from_arrays(t, v, i)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(STEP, min_size=1, max_size=12),
    dt=st.sampled_from([1e-3, 0.1, 1.0, 10.0]),
    noise=st.sampled_from([0.0, 1e-4, 1e-2]),
    seed=st.integers(0, 2**16),
)
def test_every_sample_in_exactly_one_segment(steps, dt, noise, seed):
    rec = _programme(steps, dt, noise, seed)
    seg = segment(rec)
    assert tuple(seg.columns) == SEGMENT_COLUMNS
    start, stop = seg["start"].to_numpy(), seg["stop"].to_numpy()
    assert start[0] == 0 and stop[-1] == len(rec)
    assert np.array_equal(start[1:], stop[:-1]) and np.all(stop > start)
    assert np.array_equal(seg["n_points"].to_numpy(), stop - start)
    assert set(seg["kind"]) <= {"cc", "rest", "cv", "other"}
    active = seg["kind"] != "rest"
    assert np.all(seg.loc[~active, "sign"] == 0)
    assert np.all(np.sign(seg.loc[active, "current_A"]) == seg.loc[active, "sign"])
    assert np.all(seg["duration_s"] >= 0) and np.all(np.isfinite(seg["charge_Ah"]))
    # charge: the segments' sum is the whole record's -- trapezoids within a segment, and
    # the interval that ends on a segment's first sample carries that sample's current
    t, i = rec.time, rec.current
    per_interval = 0.5 * (i[1:] + i[:-1])
    first = start[1:] - 1
    per_interval[first] = i[first + 1]
    total = float(np.sum(per_interval * np.diff(t))) / 3600
    assert np.isclose(seg["charge_Ah"].sum(), total, rtol=1e-9, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(
    levels=st.lists(st.floats(1e-3, 2e-2), min_size=1, max_size=6),
    n=st.integers(5, 40),
    seed=st.integers(0, 2**16),
)
def test_clean_pulses_and_rests_are_found_one_by_one(levels, n, seed):
    rng = np.random.default_rng(seed)
    steps = []
    for lv in levels:
        steps += [("rest", 0.0, 1.0, n), ("cc", lv, float(rng.choice([-1, 1])), n)]
    steps.append(("rest", 0.0, 1.0, n))
    seg = segment(_programme(steps, 1.0, 0.0, seed))
    assert list(seg["kind"]) == ["rest", "cc"] * len(levels) + ["rest"]
    cc = seg[seg["kind"] == "cc"]
    want = [s[2] * s[1] for s in steps if s[0] == "cc"]
    np.testing.assert_allclose(cc["current_A"], want, rtol=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.floats(allow_nan=True, allow_infinity=True, width=32),
                  st.floats(allow_nan=True, allow_infinity=True, width=32),
                  st.floats(allow_nan=True, allow_infinity=True, width=32)),
        min_size=0, max_size=30,
    )
)  # fmt: skip
def test_any_table_is_segmented_or_refused_clearly(data):
    df = pd.DataFrame(data, columns=["time_s", "voltage_V", "current_A"], dtype=float)
    try:
        seg = segment(Recording(df))
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert seg["stop"].iloc[-1] == len(Recording(df))
