"""Impedance points that cannot be used (frequency <= 0 or not a number, Z not a number)
are dropped with one warning per file; the sweep they sit in is never cut there."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from eclab_files import mpt_bytes

from ohmslice.errors import DroppedPointsWarning, InputWarning, InvalidDataError
from ohmslice.io import read
from ohmslice.io._assemble import sweep_starts
from ohmslice.schema import Recording, Spectrum

PEIS = ["freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm", "time/s", "<Ewe>/V", "<I>/mA", "Ns"]


def _sweeps(loops: int, n: int = 6, cycle: bool = False) -> list[list]:
    f = np.logspace(5, -1, n)
    z = 10 + 50 / (1 + 1j * 2 * np.pi * f * 50 * 1e-5)
    rows = []
    for c in range(loops):
        for k in range(n):
            row = [f[k], z[k].real, -z[k].imag, 100.0 + 10 * c + k, 3.7, 0.001, 0]
            rows.append(row + ([c + 1] if cycle else []))
    return rows


def test_brief_example_three_points_in_one_spectrum(write):
    text = "Frequency (Hz),Z' (Ohm),Z'' (Ohm)\n" + "\n".join(
        [
            "10000,10.0,-1.0",
            "1000,10.5,-2.0",
            "-100,11.0,-3.0",  # negative frequency
            "100,12.0,-5.0",
            "0,12.5,-6.0",  # zero
            ",13.0,-7.0",  # missing
            "10,20.0,-8.0",
            "1,30.0,-9.0",
        ]
    )
    p = write("eis.csv", text + "\n")
    with pytest.warns(DroppedPointsWarning) as caught:
        s = read(p)
    assert len(caught) == 1
    msg = str(caught[0].message)
    assert msg.startswith(f"{p}: 3 impedance points dropped (frequency <= 0 or not a number)")
    assert "data row 2 (file line 4)" in msg
    assert isinstance(s, Spectrum) and len(s) == 5  # one sweep, not cut at the bad points
    np.testing.assert_allclose(s.freq, [1, 10, 100, 1000, 10000])
    assert s.meta["warnings"] == [msg]


def test_nan_impedance_is_counted_separately(write):
    text = "Frequency (Hz),Z' (Ohm),Z'' (Ohm)\n1000,10,-2\n100,,-5\n10,20,-8\n-1,30,-9\n1,30,NaN\n"
    with pytest.warns(DroppedPointsWarning) as caught:
        s = read(write("eis.csv", text))
    msg = str(caught[0].message)
    assert "3 impedance points dropped" in msg
    assert "1 with frequency <= 0 or not a number, 2 with Z' or Z'' not a number" in msg
    assert len(s) == 2


@pytest.mark.parametrize("bad", ["NaN", "-1.0000000E+003", "0.0000000E+000"])
@pytest.mark.parametrize("cycle", [False, True])
def test_bad_point_inside_a_looped_peis_keeps_both_sweeps_whole(write, bad, cycle):
    rows = _sweeps(loops=2, cycle=cycle)
    rows[8][0] = bad  # third point of the second sweep
    cols = PEIS + (["cycle number"] if cycle else [])
    with pytest.warns(DroppedPointsWarning, match=r"peis\.mpt: 1 impedance point dropped"):
        out = read(write("peis.mpt", mpt_bytes(cols, rows)))
    assert [len(s) for s in out] == [6, 5]
    assert [s.meta["sweep"] for s in out] == [0, 1]


def test_bad_first_point_of_a_sweep_still_splits_at_the_restart(write):
    rows = _sweeps(loops=3)
    rows[6][1] = "NaN"  # Z' of the first point of the second sweep
    with pytest.warns(DroppedPointsWarning):
        out = read(write("peis3.mpt", mpt_bytes(PEIS, rows)))
    assert [len(s) for s in out] == [6, 5, 6]


def test_bad_point_in_a_modulo_bat_sequence(write):
    cols = ["Ns", "time/s", "Ewe/V", "I/mA", "freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm"]
    rows, t = [], 0.0
    for _ in range(4):  # rest
        rows.append([0, t, 3.7, 0.0, 0.0, 0.0, 0.0])
        t += 1
    for f in np.logspace(4, 0, 5):  # PEIS, its middle point with a negative frequency
        rows.append([1, t, 3.7, 0.0, -f if t == 6 else f, 20.0, 5.0])
        t += 1
    for _ in range(6):  # CC
        rows.append([2, t, 3.6, -1.0, 0.0, 0.0, 0.0])
        t += 1
    with pytest.warns(DroppedPointsWarning, match="1 impedance point dropped"):
        rec, spec = read(write("seq.mpt", mpt_bytes(cols, rows, technique="Modulo Bat")))
    assert isinstance(rec, Recording) and len(rec) == 10  # rests and CC untouched
    assert isinstance(spec, Spectrum) and len(spec) == 4


def test_rest_rows_of_a_sequence_are_no_dropped_points(write):
    """EC-Lab writes frequency 0 in the impedance columns of every other technique."""
    rows = [[0, float(k), 3.7, 0.0, 0.0, 0.0, 0.0] for k in range(5)]
    rows += [[1, 5.0 + k, 3.7, 0.0, f, 20.0, 5.0] for k, f in enumerate([1e3, 1e2, 1e1])]
    cols = ["Ns", "time/s", "Ewe/V", "I/mA", "freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        rec, spec = read(write("ok.mpt", mpt_bytes(cols, rows)))
    assert len(rec) == 5 and len(spec) == 3


def test_no_usable_point_is_an_error(write):
    text = "Frequency (Hz),Z' (Ohm),Z'' (Ohm)\n0,10,-2\n-5,12,-5\n,20,-8\n"
    with pytest.raises(InvalidDataError) as exc, warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedPointsWarning)
        read(write("dead.csv", text))
    assert "dead.csv" in str(exc.value) and "none of the 3 impedance points" in str(exc.value)


def test_sweep_starts_skip_dropped_points():
    f = np.r_[np.logspace(4, 0, 5), np.logspace(4, 0, 5)]
    frame = pd.DataFrame({"freq_Hz": f, "z_real_ohm": 1.0, "z_imag_ohm": -1.0})
    positions = np.arange(10)
    usable = np.ones(10, dtype=bool)
    usable[[2, 5]] = False  # one inside the first sweep, the first of the second
    assert sweep_starts(frame, positions, usable).tolist() == [0, 4]
    assert sweep_starts(frame, positions).tolist() == [0, 5]


def test_two_points_without_frequency_inside_a_sweep(write):
    rows = _sweeps(loops=2)
    rows[2][0] = rows[3][0] = "0.0000000E+000"
    with pytest.warns(DroppedPointsWarning, match="2 impedance points dropped"):
        out = read(write("peis.mpt", mpt_bytes(PEIS, rows)))
    assert [len(s) for s in out] == [4, 6]  # no one-row recording, no cut sweep


def test_time_series_rows_repeating_the_last_impedance_stay_time_series(write):
    """Software that repeats the last Z in the rows of other techniques (frequency 0)."""
    cols = ["time/s", "Ewe/V", "I/mA", "freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm"]
    rows = [[float(k), 3.7, 0.0, f, 20.0 + k, 5.0] for k, f in enumerate([1e3, 1e2, 1e1])]
    rows += [[3.0 + k, 3.6, -1.0, 0.0, 22.0, 5.0] for k in range(5)]  # CC, Z' repeated
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        rec, spec = read(write("carry.mpt", mpt_bytes(cols, rows)))
    assert len(rec) == 5 and len(spec) == 3
