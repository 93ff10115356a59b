"""Values that cannot be right for their unit give a warning naming the file, the column and
the fix; nothing is rescaled. Many rows sharing a time stamp give a warning too."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from eclab_files import mpt_bytes

from ohmslice.errors import DuplicateTimeWarning, InputWarning, UnitWarning
from ohmslice.io import read


def _csv(header: str, t: np.ndarray, v: np.ndarray, i: np.ndarray, time_fmt: str = ".3f") -> str:
    rows = [f"{a:{time_fmt}},{b:.5f},{c:.6g}" for a, b, c in zip(t, v, i, strict=True)]
    return header + "\n" + "\n".join(rows) + "\n"


def _charge(capacity_mAh: float, current_mA: float, dt: float = 60.0):
    """A constant-current charge from 2.5 to 4.3 V passing ``capacity_mAh``, with rests."""
    hours = capacity_mAh / current_mA
    t = np.arange(0.0, hours * 3600 + 1800, dt)
    on = (t >= 600) & (t < 600 + hours * 3600)
    q = np.clip((t - 600) / (hours * 3600), 0, 1)
    v = 2.5 + 1.8 * q + 0.02 * on
    return t, v, np.where(on, current_mA, 0.0)


def test_current_in_mA_under_a_header_that_says_A(write):
    """A 2 A h pouch cell charged at 1000 mA, written under 'Current (A)': 2000 A h."""
    t, v, i_mA = _charge(2000.0, 1000.0)
    p = write("pouch.csv", _csv("Time (s),Voltage (V),Current (A)", t, v, i_mA))
    with pytest.warns(UnitWarning) as caught:
        rec = read(p)
    assert len(caught) == 1
    msg = str(caught[0].message)
    assert str(p) in msg and "'Current (A)'" in msg
    assert "2000 A h" in msg and "1000 times too large" in msg and "'Current (mA)'" in msg
    assert "Nothing was rescaled" in msg
    np.testing.assert_allclose(rec.current.max(), 1000.0)  # the values as written
    assert rec.meta["warnings"] == [msg]


def test_current_in_A_under_a_header_that_says_mA(write):
    """A 0.5 mA h pellet cell, GITT-like pulses with rests, current written in A under mA."""
    t = np.arange(0.0, 20 * 3600, 30.0)
    on = (t % 3600) < 1800
    i_A = np.where(on, 0.05e-3, 0.0)  # 0.05 mA
    q = np.cumsum(i_A) * 30 / 3600 / 0.5e-3  # state of charge 0..1
    v = 2.5 + 1.8 * np.clip(q, 0, 1) + 0.05 * on
    p = write("pellet.csv", _csv("Time (s),Voltage (V),Current (mA)", t, v, i_A))
    with pytest.warns(UnitWarning) as caught:
        read(p)
    msg = str(caught[0].message)
    assert len(caught) == 1 and "'Current (mA)'" in msg
    assert "1000 times too small" in msg and "'Current (A)'" in msg


@pytest.mark.parametrize(
    "capacity_mAh, current_mA, header",
    [
        (2000.0, 1000.0, "Current (mA)"),  # the pouch cell, labelled right
        (0.5, 0.05, "Current (mA)"),  # a small pellet cell
        (5.0, 0.5, "Current (mA)"),  # a coin cell
        (50_000.0, 10_000.0, "Current (mA)"),  # a 50 A h cell
    ],
)
def test_plausible_cells_give_no_unit_warning(write, capacity_mAh, current_mA, header):
    t, v, i_mA = _charge(capacity_mAh, current_mA)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        rec = read(write("ok.csv", _csv(f"Time (s),Voltage (V),{header}", t, v, i_mA)))
    assert rec.current.max() == pytest.approx(current_mA * 1e-3)


def test_many_cycles_do_not_add_up(write):
    """A 2 A h cell cycled 200 times passes 400 A h in all, but never more than 2 A h in
    one direction: no warning."""
    t = np.arange(0.0, 200 * 4 * 3600, 120.0)
    phase = (t // 7200) % 2
    i = np.where(phase == 0, 1.0, -1.0) * 0.999  # a little coulombic inefficiency
    v = 3.0 + 0.5 * np.where(phase == 0, (t % 7200) / 7200, 1 - (t % 7200) / 7200)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        read(write("cycles.csv", _csv("Time (s),Voltage (V),Current (A)", t, v, i)))


def test_mpt_with_current_off_by_1000(write):
    """EC-Lab names its unit; values 1000 times too large still warn, naming I/mA."""
    t, v, i_mA = _charge(2000.0, 1000.0)
    rows = [[a, b, c * 1000] for a, b, c in zip(t, v, i_mA, strict=True)]
    with pytest.warns(UnitWarning, match=r"cell\.mpt: column 'I/mA'"):
        read(write("cell.mpt", mpt_bytes(["time/s", "Ewe/V", "I/mA"], rows)))


def test_time_with_too_few_decimals(write):
    """Sampled every 0.25 s, written with whole seconds: 3 rows of 4 repeat a stamp."""
    t = np.arange(0.0, 200.0, 0.25)
    v = 3.5 + 1e-3 * t
    i = np.full_like(t, 1e-3)
    coarse = np.floor(t)
    p = write("coarse.csv", _csv("Time (s),Voltage (V),Current (A)", coarse, v, i, time_fmt=".0f"))
    with pytest.warns(DuplicateTimeWarning) as caught:
        rec = read(p)
    assert len(caught) == 1
    msg = str(caught[0].message)
    assert str(p) in msg and "'Time (s)'" in msg
    assert "600 of 800 rows (75 %)" in msg and "smallest time step is 1 s" in msg
    assert "more decimals" in msg
    assert len(rec) == 800  # all rows kept, spread 1 us apart as the schema does
    assert np.all(np.diff(rec.time) > 0)
    np.testing.assert_allclose(rec.time[1] - rec.time[0], 1e-6)


def test_shared_stamps_at_step_changes_are_expected(write):
    """Instruments repeat the stamp where one step ends and the next begins: a sparse GITT
    has many of them, but they are no sign of a bad time column."""
    t, v, i, step = [], [], [], []
    for k in range(40):  # pulse (3 rows) then rest (3 rows), boundaries repeat the stamp
        t0 = k * 100.0
        t += [t0, t0 + 5, t0 + 10, t0 + 10, t0 + 50, t0 + 100]
        i += [1e-3, 1e-3, 1e-3, 0.0, 0.0, 0.0]
        v += [3.6, 3.61, 3.62, 3.55, 3.54, 3.54]
        step += [1, 1, 1, 2, 2, 2]
    t, v, i = np.array(t), np.array(v) + 1e-3 * np.arange(len(t)), np.array(i)
    text = _csv("Time (s),Voltage (V),Current (A)", t, v, i)
    with_step = "Time (s),Voltage (V),Current (A),Step\n" + "\n".join(
        f"{line},{s}" for line, s in zip(text.splitlines()[1:], step, strict=True)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        assert len(read(write("gitt.csv", text))) == 240
        assert len(read(write("gitt_steps.csv", with_step + "\n"))) == 240


def test_a_few_shared_stamps_are_no_bulk(write):
    t = np.arange(0.0, 100.0)
    t[[10, 40, 70]] = t[[9, 39, 69]]  # 3 of 100 rows
    v = 3.5 + 1e-3 * np.arange(100)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        read(write("few.csv", _csv("Time (s),Voltage (V),Current (A)", t, v, np.ones(100))))
