import numpy as np
import pandas as pd
import pytest

from ohmslice.errors import EmptyDataError, InputError, InvalidDataError, MissingColumnError
from ohmslice.schema import Recording, Spectrum


def _rec_df(n=5):
    return pd.DataFrame({"time_s": np.arange(n, dtype=float), "voltage_V": 3.7, "current_A": 0.0})


def test_recording_basic():
    r = Recording(_rec_df(), {"source": "x.csv", "technique": "OCV"})
    assert len(r) == 5
    assert r.meta["source"] == "x.csv"
    assert r.duration_s == 4
    assert "OCV" in repr(r)


def test_recording_missing_column():
    with pytest.raises(MissingColumnError, match="current_A"):
        Recording(_rec_df().drop(columns="current_A"), {"source": "f.csv"})


def test_recording_empty():
    with pytest.raises(EmptyDataError, match="f.csv"):
        Recording(_rec_df(0), {"source": "f.csv"})


def test_recording_nan_names_row_and_column():
    df = _rec_df()
    df.loc[3, "voltage_V"] = np.nan
    with pytest.raises(InvalidDataError) as exc:
        Recording(df, {"source": "f.csv"})
    assert exc.value.row == 3 and exc.value.column == "voltage_V"
    assert "f.csv" in str(exc.value) and "row 3" in str(exc.value)


def test_recording_backwards_time():
    df = _rec_df()
    df.loc[2, "time_s"] = 0.5
    with pytest.raises(InvalidDataError, match="backwards"):
        Recording(df)


def test_duplicate_time_stamps_are_spread_and_exact_repeats_dropped():
    df = pd.DataFrame(
        {
            "time_s": [0.0, 1.0, 1.0, 1.0, 2.0],
            "voltage_V": [3.7, 3.7, 3.7, 3.6, 3.6],
            "current_A": [0.0, 0.0, 0.0, -1e-3, -1e-3],
        }
    )
    r = Recording(df)
    t = r.time
    assert len(r) == 4  # the exact repeat is gone
    assert np.all(np.diff(t) > 0)
    np.testing.assert_allclose(t, [0, 1, 1 + 1e-6, 2])
    np.testing.assert_allclose(r.current, [0, 0, -1e-3, -1e-3])


def test_spectrum_sorted_complex_and_per_electrode():
    df = pd.DataFrame(
        {
            "freq_Hz": [1e3, 1.0, 1e6],
            "z_real_ohm": [10.0, 50.0, 5.0],
            "z_imag_ohm": [-5.0, -1.0, 0.1],
        }
    )
    s = Spectrum(df)
    np.testing.assert_array_equal(s.freq, [1.0, 1e3, 1e6])
    np.testing.assert_allclose(s.z, [50 - 1j, 10 - 5j, 5 + 0.1j])
    half = s.per_electrode(r_sep_ohm=4.0)
    np.testing.assert_allclose(half.z, [23 - 0.5j, 3 - 2.5j, 0.5 + 0.05j])
    assert half.meta["symmetric"]["r_sep_ohm"] == 4.0
    np.testing.assert_allclose(s.omega, 2 * np.pi * s.freq)


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_spectrum_rejects_nonpositive_frequency(bad):
    df = pd.DataFrame({"freq_Hz": [bad, 1.0], "z_real_ohm": [1.0, 1.0], "z_imag_ohm": [0.0, 0.0]})
    with pytest.raises(InvalidDataError, match="frequency"):
        Spectrum(df, {"source": "s.mpt"})


def test_spectrum_rejects_inf():
    df = pd.DataFrame(
        {"freq_Hz": [1.0, 2.0], "z_real_ohm": [np.inf, 1.0], "z_imag_ohm": [0.0, 0.0]}
    )
    with pytest.raises(InputError, match="z_real_ohm"):
        Spectrum(df)


def test_not_a_dataframe():
    with pytest.raises(InvalidDataError, match="DataFrame"):
        Recording([1, 2, 3])
