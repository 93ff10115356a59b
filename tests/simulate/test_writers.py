"""Writers: EC-Lab .mpt and CSV files read back by ohmslice's own readers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ohmslice.errors import InputError
from ohmslice.io import read
from ohmslice.simulate.cell import ncm523_cell
from ohmslice.simulate.noise import INSTRUMENT
from ohmslice.simulate.programme import Rest, cc_cv_charge, gitt
from ohmslice.simulate.run import simulate
from ohmslice.simulate.writers import sci, write_csv, write_mpt, write_mpt_spectrum


@pytest.fixture(scope="module")
def result():
    cell = ncm523_cell("W")
    prog = [Rest(60.0), *cc_cv_charge(cell, c_rate=1.0), Rest(300.0),
            gitt(cell, n_pulses=3, rest_s=300.0)]  # fmt: skip
    return simulate(cell, prog, soc0=0.1, noise=INSTRUMENT, seed=3, technique="GITT")


@pytest.fixture(scope="module")
def spectrum():
    cell = ncm523_cell("W")
    return cell.spectrum(np.logspace(6, -2, 81), 50.0, "symmetric")


def test_sci_matches_eclab_notation():
    out = sci(np.array([3.4228721, -0.0012345678, 0.0, 99999999.9, 9.99999999]), 7)
    assert out.tolist() == [
        "3.4228721E+000",
        "-1.2345678E-003",
        "0.0000000E+000",
        "1.0000000E+008",
        "1.0000000E+001",
    ]
    assert sci(np.array([30.152999]), 15, ",")[0] == "3,015299900000000E+001"


@pytest.mark.parametrize("decimal", [".", ","])
def test_mpt_recording_round_trip(tmp_path, result, decimal):
    path = write_mpt(result.recording, tmp_path / "cell_GITT_C01.mpt", decimal=decimal)
    back = read(path)
    assert back.meta["technique"] == "GITT"
    orig = result.recording.data
    got = back.data
    assert len(got) == len(orig)
    np.testing.assert_allclose(got["time_s"], orig["time_s"], rtol=1e-14, atol=1e-12)
    np.testing.assert_allclose(got["voltage_V"], orig["voltage_V"], rtol=1e-7)
    np.testing.assert_allclose(got["current_A"], orig["current_A"], rtol=1e-7, atol=1e-15)
    np.testing.assert_allclose(got["charge_Ah"], orig["charge_Ah"], rtol=1e-12, atol=1e-18)
    np.testing.assert_array_equal(got["cycle"], orig["cycle"])
    np.testing.assert_array_equal(got["step"], orig["ns"])


def test_mpt_header_counts_its_lines_and_is_latin1(tmp_path, result):
    path = write_mpt(result.recording, tmp_path / "x.mpt", decimal=",")
    raw = path.read_bytes()
    text = raw.decode("latin-1")
    lines = text.split("\n")
    assert lines[0] == "EC-Lab ASCII FILE"
    n = int(lines[1].split(":")[1])
    assert lines[n - 1].startswith("mode\tox/red\terror")
    assert lines[3] == "Galvanostatic Intermittent Titration Technique"
    assert "Ewe ctrl range : min = " in text and ",00 V" in text
    assert "cm\u00b2".encode("latin-1") in raw
    # the data parse as a plain table too
    df = pd.read_csv(path, sep="\t", skiprows=n - 1, decimal=",", encoding="latin-1")
    assert len(df) == len(result.recording)
    np.testing.assert_allclose(df["Ewe/V"], result.recording.voltage, rtol=1e-7)


@pytest.mark.parametrize("decimal", [".", ","])
def test_mpt_spectrum_round_trip(tmp_path, spectrum, decimal):
    path = write_mpt_spectrum(spectrum, tmp_path / "sym_PEIS_C01.mpt", decimal=decimal)
    back = read(path)
    assert back.meta["technique"] == "PEIS"
    np.testing.assert_allclose(back.freq, spectrum.freq, rtol=1e-7)
    np.testing.assert_allclose(back.z, spectrum.z, rtol=2e-7)
    lines = path.read_text(encoding="latin-1").split("\n")
    n = int(lines[1].split(":")[1])
    first = float(lines[n].split("\t")[0].replace(",", "."))
    assert first == pytest.approx(1e6)  # highest frequency first, as EC-Lab sweeps


def test_csv_round_trip_is_exact(tmp_path, result, spectrum):
    back = read(write_csv(result.recording, tmp_path / "r.csv"))
    for col in ("time_s", "voltage_V", "current_A", "charge_Ah"):
        np.testing.assert_array_equal(back.data[col], result.recording.data[col])
    back = read(write_csv(spectrum, tmp_path / "s.csv"))
    np.testing.assert_array_equal(back.z, spectrum.z)


def test_writers_leave_no_temporary_files_and_refuse_bad_options(tmp_path, result):
    write_mpt(result.recording, tmp_path / "a.mpt")
    assert [p.name for p in tmp_path.iterdir()] == ["a.mpt"]
    with pytest.raises(InputError):
        write_mpt(result.recording, tmp_path / "b.mpt", decimal=";")
    with pytest.raises(InputError):
        write_mpt(result.recording, tmp_path / "b.mpt", technique="PEIS")
    assert not (tmp_path / "b.mpt").exists()
