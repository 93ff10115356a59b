"""The Recording and Spectrum objects a reader hands over: columns kept as arrays (the
spectra of one file share them), the DataFrame built on first use -- and every object
behaving exactly as one built from a DataFrame by its constructor."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
from eclab_files import mpt_bytes
from test_biologic_mpt import PEIS_COLUMNS, peis_rows

from ohmslice.io import read
from ohmslice.schema import Recording, Spectrum

MIXED = ["Ns", "time/s", "Ewe/V", "I/mA", "freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm", "cycle number"]


@pytest.fixture
def sweeps(write):
    """Four PEIS sweeps of 12 points, high to low frequency, as EC-Lab writes them."""
    return read(write("peis.mpt", mpt_bytes(PEIS_COLUMNS, peis_rows(loops=4, n=12))))


def mixed_rows() -> list[list]:
    """A rest, a sweep of 5 points, a constant-current step with a repeated time stamp."""
    rows = [[0, float(t), 3.70, 0.0, 0, 0, 0, 1] for t in range(4)]
    f = np.logspace(4, 0, 5)
    rows += [[1, 4.0 + k, 3.70, 0.0, f[k], 10.0 + k, 2.0, 1] for k in range(5)]
    rows += [[2, 9.0 + k, 3.70 + 0.01 * k, 0.5, 0, 0, 0, 1] for k in range(6)]
    rows.insert(10, list(rows[9]))  # an exact repeat of a row: dropped
    rows[12][1] = rows[11][1]  # a shared time stamp: spread 1 us apart
    return rows


def test_spectra_equal_the_constructors(sweeps):
    assert len(sweeps) == 4
    for k, spec in enumerate(sweeps):
        assert len(spec) == 12  # without building the DataFrame
        assert spec._data is None
        f, z = spec.freq.copy(), spec.z.copy()
        built = Spectrum(spec.data, spec.meta)
        pd.testing.assert_frame_equal(spec.data, built.data)
        np.testing.assert_array_equal(f, built.freq)
        np.testing.assert_array_equal(z, built.z)
        assert np.all(np.diff(f) > 0)
        assert spec.meta["sweep"] == k and spec.meta["cycle"] == k + 1


def test_spectra_share_no_writable_memory(sweeps):
    a, b = sweeps[0], sweeps[1]
    with pytest.raises(ValueError, match="read-only"):
        a.freq[0] = 1.0
    before = b.z.copy()
    a.data.loc[0, "z_real_ohm"] = -1.0  # the built table is the spectrum's own
    a.data = a.data.iloc[::-1].reset_index(drop=True)
    np.testing.assert_array_equal(b.z, before)
    np.testing.assert_array_equal(b.data["z_real_ohm"], before.real)  # built after a's change
    assert a.data["z_real_ohm"].iloc[-1] == -1.0


def test_a_pickled_spectrum_carries_its_own_points_only(sweeps):
    one = sweeps[2]
    data = pickle.dumps(one)
    assert len(data) < len(pickle.dumps(sweeps)) / 2
    back = pickle.loads(data)
    assert len(back) == 12 and back.meta == one.meta
    pd.testing.assert_frame_equal(back.data, one.data)
    pd.testing.assert_frame_equal(copy.deepcopy(sweeps[3]).data, sweeps[3].data)


def test_recording_and_spectrum_of_one_file_equal_the_constructors(write):
    rec, spec = read(write("mixed.mpt", mpt_bytes(MIXED, mixed_rows())))
    assert rec._data is None and len(rec) == 10  # 4 + 6 rows: the exact repeat dropped
    t = rec.time.copy()
    assert np.all(np.diff(t) > 0) and t[6] == pytest.approx(t[5] + 1e-6, abs=1e-9)
    built = Recording(rec.data, rec.meta)
    pd.testing.assert_frame_equal(rec.data, built.data)
    np.testing.assert_array_equal(rec.current, built.current)
    assert rec.data["step"].dtype == np.int64 and rec.data["step"].tolist()[:5] == [0] * 4 + [2]
    np.testing.assert_allclose(spec.data["dc_V"], 3.70)
    assert list(spec.data.columns) == list(Spectrum(spec.data, spec.meta).data.columns)
