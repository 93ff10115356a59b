"""Impedance files of many instrument makers (``../shared/data/eis``, impedance.py's
example data): every file reads to the points the file itself holds.

Each reader's result is compared with a tiny independent parse of the same file written
here (line by line, no ohmslice code), point for point, and with a few values read by eye
from the file. Where impedance.py is installed, also with its ``readFile``.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from ohmslice.errors import InputWarning, TruncatedFileWarning
from ohmslice.io import read, read_spectra
from ohmslice.schema import Recording, Spectrum

# --- independent parsers: (frequency [Hz], Z = Z' + jZ'' with the physical sign) ---------


def _lines(path: Path, encoding: str = "latin-1") -> list[str]:
    text = path.read_bytes().decode(encoding).lstrip("\ufeff").lstrip("ï»¿")
    return text.replace("\r", "\n").split("\n")


def _points(rows: list[list[str]], f: int, re_: int, im: int, sign: float = 1.0):
    rows = [r for r in rows if len(r) > max(f, re_, im)]
    freq = np.array([float(r[f]) for r in rows])
    z = np.array([float(r[re_]) + 1j * sign * float(r[im]) for r in rows])
    return freq, z


def gamry(path: Path):
    lines = _lines(path)
    start = next(i for i, ln in enumerate(lines) if ln.startswith("ZCURVE\tTABLE"))
    rows = []
    for ln in lines[start + 3 :]:
        if not ln.startswith("\t"):
            break
        rows.append(ln.split("\t")[1:])
    return _points(rows, 2, 3, 4)


def zplot(path: Path):
    lines = _lines(path)
    if lines[0].strip() == "ZPLOT2 ASCII":
        start = lines.index("End Comments") + 1
        return _points([ln.split("\t") for ln in lines[start:]], 0, 4, 5)
    start = next(i for i, ln in enumerate(lines) if re.match(r'"\s*Freq\s*\(Hz\)', ln)) + 1
    return _points([ln.split(",") for ln in lines[start:]], 0, 4, 5)


def parstat(path: Path):
    rows = [ln.split("\t") for ln in _lines(path)[1:]]
    rows = [r for r in rows if len(r) > 5 and float(r[3]) != 0]
    return _points(rows, 3, 4, 5)


def versastudio(path: Path):
    lines = _lines(path, "utf-8")
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Definition=")) + 1
    stop = lines.index("</Segment1>")
    return _points([ln.split(",") for ln in lines[start:stop]], 9, 14, 15)


def powersuite(path: Path):
    return _points([ln.split("\t") for ln in _lines(path)[1:]], 0, 1, 2)


def chinstruments(path: Path):
    lines = _lines(path)
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Freq/Hz")) + 1
    return _points([ln.split(",") for ln in lines[start:]], 0, 1, 2)


def biologic(path: Path):
    lines = _lines(path)
    n = int(lines[1].split(":")[1])
    names = lines[n - 1].split("\t")
    f, zr, zi = (names.index(c) for c in ("freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm"))
    return _points([ln.split("\t") for ln in lines[n:]], f, zr, zi, sign=-1.0)


def plain_csv(path: Path):
    return _points([ln.split(",") for ln in _lines(path)], 0, 1, 2)


# file -> (independent parser, reader format, impedance.py instrument, number of points,
#          (frequency [Hz], Z [Ohm]) read by eye from the file)
FILES = {
    "exampleDataGamry.DTA": (gamry, "gamry-dta", "gamry", 72, (200015.6, 825.8584 - 1367.239j)),
    "exampleDataGamryABORT.DTA": (
        gamry, "gamry-dta", "gamry", 72, (0.0158898, 17007.49 - 6635.557j),
    ),
    "exampleDataZPlot.z": (zplot, "zplot", "zplot", 21, (3.0e5, 147.77 - 11.335j)),
    "exampleDataZPlot_noComments.z": (
        zplot, "zplot", "zplot", 31, (3.0e2, 1305.3 - 195.01j),
    ),
    "Circuit1_EIS_1.z": (zplot, "zplot", "zplot", 48, (3.971641e4, 29.046 + 0.34713j)),
    "exampleDataAutolab.txt": (
        zplot, "zplot", "autolab", 41, (0.1, 0.0345697771923854 - 0.00390292888845954j),
    ),
    "exampleDataParstat.txt": (
        parstat, "parstat-text", "parstat", 31,
        (7943.2822265625, 0.0311342528064856 + 0.0114148267514142j),
    ),
    "exampleDataVersaStudio.par": (
        versastudio, "versastudio-par", "versastudio", 61, (1.0e5, 55.31571 + 4.575431j),
    ),
    "exampleDataPowersuite.txt": (
        powersuite, "powersuite-text", "powersuite", 30, (0.1, 423929.46 - 49014.063j),
    ),
    "exampleDataCHInstruments.txt": (
        chinstruments, "chi-text", "chinstruments", 73, (9.961e4, 98.91 - 2.748j),
    ),
    "exampleDataBioLogic.mpt": (biologic, "biologic-mpt", "biologic", 43, None),
    "exampleData.csv": (
        plain_csv, "table", None, 66, (3.1623e-3, 4.94998977640506e-02 - 2.04386985444189e-02j),
    ),
}  # fmt: skip


def _spectrum(path: Path) -> Spectrum:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncatedFileWarning)
        specs = read_spectra(path)
    assert len(specs) == 1, [len(s) for s in specs]
    return specs[0]


@pytest.mark.parametrize("name", sorted(FILES))
def test_reads_the_files_own_points(shared_data, name):
    parse, fmt, _, n, by_eye = FILES[name]
    path = shared_data / "eis" / name
    spec = _spectrum(path)
    assert spec.meta["format"] == fmt
    freq, z = parse(path)
    assert len(spec) == len(freq) == n
    order = np.argsort(freq, kind="stable")
    np.testing.assert_allclose(spec.freq, freq[order], rtol=1e-12)
    np.testing.assert_allclose(spec.z, z[order], rtol=1e-12, atol=0)
    assert spec.freq.min() == pytest.approx(freq.min()) and spec.freq.max() == pytest.approx(
        freq.max()
    )
    if by_eye is not None:
        f0, z0 = by_eye
        k = int(np.argmin(np.abs(spec.freq - f0)))
        assert spec.freq[k] == pytest.approx(f0, rel=1e-6)
        assert spec.z[k] == pytest.approx(z0, rel=1e-9)


def test_capacitive_sign_everywhere(shared_data):
    """Every file's low-frequency points are capacitive: Z'' < 0 as ohmslice stores it,
    whatever sign convention the vendor writes (-Im(Z) in EC-Lab, Z'' elsewhere)."""
    for name in sorted(FILES):
        spec = _spectrum(shared_data / "eis" / name)
        assert spec.data["z_imag_ohm"].iloc[0] < 0, name


def test_the_aborted_gamry_run_holds_the_same_points_and_says_so(shared_data):
    d = shared_data / "eis"
    whole = read(d / "exampleDataGamry.DTA")
    with pytest.warns(TruncatedFileWarning) as caught:
        aborted = read(d / "exampleDataGamryABORT.DTA")
    assert len(caught) == 1
    msg = str(caught[0].message)
    assert "exampleDataGamryABORT.DTA" in msg and "aborted" in msg
    assert "5e+06 to 0.001 Hz" in msg and "72 points" in msg and "0.01589 Hz" in msg
    assert aborted.meta["warnings"] == [msg]
    # the same measurement (its ZCURVE rows are identical): equal values
    np.testing.assert_array_equal(aborted.freq, whole.freq)
    np.testing.assert_array_equal(aborted.z, whole.z)
    np.testing.assert_array_equal(aborted.data["dc_V"], whole.data["dc_V"])


def test_gamry_metadata(shared_data):
    s = read(shared_data / "eis" / "exampleDataGamry.DTA")
    assert s.meta["instrument"] == "Gamry REF3000-34128"
    assert s.meta["technique"] == "PEIS"
    assert s.meta["acquired"] == "4/23/2018 16:43:15"
    assert s.meta["ac_amplitude_V"] == pytest.approx(0.010)
    assert s.meta["dc_potential_V"] == pytest.approx(-0.05)
    assert s.meta["settings"]["FREQINIT"] == pytest.approx(2e5)
    assert s.meta["settings"]["NOTES"].startswith("-50mV")
    assert "OCVCURVE (387 rows)" in s.meta["notes"][0]
    # Idc, Vdc, Time of the first row (200015.6 Hz, the last after sorting)
    top = s.data.iloc[-1]
    assert top["dc_A"] == pytest.approx(-5.89286e-6) and top["dc_V"] == pytest.approx(-0.3413299)
    assert top["time_s"] == 1


def test_zplot_files_with_fewer_rows_than_their_header_promises(shared_data):
    for name, promised, have in (
        ("exampleDataZPlot.z", 56, 21),
        ("exampleDataZPlot_noComments.z", 79, 31),
    ):
        with pytest.warns(TruncatedFileWarning) as caught:
            s = read(shared_data / "eis" / name)
        assert len(caught) == 1 and len(s) == have
        msg = str(caught[0].message)
        assert name in msg and f"says {promised} points, {have} read" in msg
        assert "cut short after its last complete row" in msg  # trimmed: no row cut inside
        assert f"{promised - have} points missing" in msg
    with warnings.catch_warnings():
        warnings.simplefilter("error", TruncatedFileWarning)
        assert len(read(shared_data / "eis" / "Circuit1_EIS_1.z")) == 48  # Data Points: 48


def test_zplot_metadata(shared_data):
    s = read(shared_data / "eis" / "Circuit1_EIS_1.z")
    assert s.meta["instrument"] == "Scribner ZPlot 3.2c"
    assert s.meta["acquired"] == "10-12-2018 12:32:21"
    assert s.meta["ac_amplitude_V"] == pytest.approx(0.01)  # Ampl column, control voltage
    assert s.meta["settings"]["Open Circuit Potential (V)"] == "0.0033"
    assert "dc_V" in s.data and "time_s" in s.data


def test_versastudio_metadata(shared_data):
    s = read(shared_data / "eis" / "exampleDataVersaStudio.par")
    assert s.meta["instrument"] == "VersaSTAT4 SN 16334007"
    assert s.meta["technique"] == "PEIS"
    assert s.meta["acquired"] == "Thursday, July 19, 2018 9:40:30 AM"
    assert s.meta["ac_amplitude_V"] == pytest.approx(0.020)
    assert s.meta["dc_potential"] == "0 V vs Ref"
    top = s.data.iloc[-1]  # 100 kHz, row 0 of Segment1
    assert top["dc_A"] == pytest.approx(-3.282372e-06) and top["time_s"] == pytest.approx(1.812)


def test_parstat_dc_rows_form_the_recording(shared_data):
    rec, spec = read(shared_data / "eis" / "exampleDataParstat.txt")
    assert isinstance(rec, Recording) and isinstance(spec, Spectrum)
    assert len(rec) == 812 - 31  # every row with frequency 0
    assert rec.current[0] == pytest.approx(-0.149962306022644)
    assert rec.time[0] == 10 and rec.voltage[0] == pytest.approx(3.49322700500488)
    assert spec.meta["technique"] == "EIS"


def test_chinstruments_metadata(shared_data):
    s = read(shared_data / "eis" / "exampleDataCHInstruments.txt")
    assert s.meta["instrument"] == "CHI660E"
    assert s.meta["technique"] == "PEIS"
    assert s.meta["acquired"] == "Feb. 20, 2020   15:55:08"
    assert s.meta["ac_amplitude_V"] == pytest.approx(0.025)
    assert s.meta["settings"]["High Frequency (Hz)"] == "2e+6"


def test_headerless_csv_is_a_spectrum_and_says_why(shared_data):
    s = read(shared_data / "eis" / "exampleData.csv")
    assert "no header row" in s.meta["notes"][0] and "kept" in s.meta["notes"][0]


def test_biologic_file_with_a_deleted_column_name_is_read_with_a_warning(shared_data):
    """exampleDataBioLogic_MissingFreq.mpt lost the name 'freq/Hz' from its header (17
    names over 18 values, starting at Re(Z)/Ohm): EC-Lab writes freq/Hz first, and the
    unnamed column is a frequency sweep, so it is read as that -- with a warning naming
    what was assumed -- and gives exactly the spectrum of the complete export."""
    from ohmslice.errors import InputWarning

    path = shared_data / "eis" / "exampleDataBioLogic_MissingFreq.mpt"
    with pytest.warns(InputWarning, match=r"17 columns for 18 values.*freq/Hz") as caught:
        gap = read(path)
    assert path.name in str(caught[0].message)
    full = read(shared_data / "eis" / "exampleDataBioLogic.mpt")
    np.testing.assert_array_equal(gap.freq, full.freq)
    np.testing.assert_array_equal(gap.z, full.z)


def test_every_eis_file_reads(shared_data):
    """Every impedance file of the shared data is read (a cut one, or one whose header
    lost a name, with a warning)."""
    for path in sorted((shared_data / "eis").iterdir()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InputWarning)
            out = read(path)
        items = out if isinstance(out, list) else [out]
        assert any(isinstance(x, Spectrum) for x in items), path.name


@pytest.mark.parametrize("name", sorted(n for n, v in FILES.items() if v[2]))
def test_same_points_as_impedance_py(shared_data, name):
    preprocessing = pytest.importorskip(
        "impedance.preprocessing", reason="impedance.py is not installed in this environment"
    )
    _, _, instrument, _, _ = FILES[name]
    path = shared_data / "eis" / name
    freq, z = preprocessing.readFile(str(path), instrument=instrument)
    freq = np.asarray(freq, dtype=float)
    spec = _spectrum(path)
    order = np.argsort(freq, kind="stable")
    np.testing.assert_allclose(spec.freq, freq[order], rtol=1e-12)
    np.testing.assert_allclose(spec.z, np.asarray(z)[order], rtol=1e-12)
