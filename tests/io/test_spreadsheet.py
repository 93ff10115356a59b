"""Spreadsheets (Excel .xlsx, OpenDocument .ods) read as the lab tables they hold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ohmslice.errors import FileFormatError, MissingColumnError
from ohmslice.io import read
from ohmslice.schema import Recording, Spectrum


def _recording() -> pd.DataFrame:
    t = np.arange(0.0, 120.0, 0.5)
    return pd.DataFrame(
        {"time/s": t, "Ewe/V": 3.7 + 1e-3 * np.sin(t), "I/mA": np.where(t < 60, 1.0, 0.0)}
    )


def _spectrum() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    f = np.logspace(5, -1, 31)
    z = 10 + 50 / (1 + 1j * 2 * np.pi * f * 1e-3)
    df = pd.DataFrame({"Frequency (Hz)": f, "Z' (Ohm)": z.real, "-Z'' (Ohm)": -z.imag})
    return df, f, z


def test_the_first_sheet_with_a_recording_is_read(tmp_path):
    """A notes sheet first, the data on the second: the data sheet is found, the units of
    the column names applied (mA -> A), the sheet named in the metadata."""
    path = tmp_path / "cell.xlsx"
    df = _recording()
    with pd.ExcelWriter(path) as w:
        pd.DataFrame({"note": ["cell 3", "operator X"]}).to_excel(w, sheet_name="info", index=False)
        df.to_excel(w, sheet_name="GITT", index=False)
    rec = read(path)
    assert isinstance(rec, Recording) and len(rec) == len(df)
    assert rec.meta["format"] == "spreadsheet" and rec.meta["settings"]["sheet"] == "GITT"
    np.testing.assert_allclose(rec.time, df["time/s"])
    np.testing.assert_allclose(rec.current, df["I/mA"] * 1e-3)
    np.testing.assert_allclose(rec.voltage, df["Ewe/V"])


def test_an_opendocument_spectrum_with_a_units_row(tmp_path):
    """OpenDocument, names in one row and units in the next: a spectrum with -Z'' turned
    into Z'' < 0 for a capacitive arc."""
    df, f, z = _spectrum()
    cells = pd.DataFrame(
        [["Frequency", "Z'", "-Z''"], ["Hz", "Ohm", "Ohm"], *np.column_stack([f, z.real, -z.imag])]
    )
    path = tmp_path / "eis.ods"
    cells.to_excel(path, index=False, header=False, engine="odf")
    sp = read(path)
    assert isinstance(sp, Spectrum) and len(sp) == f.size
    np.testing.assert_allclose(np.sort(sp.freq), np.sort(f), rtol=1e-12)
    np.testing.assert_allclose(sp.z[np.argsort(sp.freq)], z[np.argsort(f)], rtol=1e-12)


def test_sniffed_by_content_whatever_the_suffix(tmp_path):
    df, *_ = _spectrum()
    path = tmp_path / "export.dat"
    df.to_excel(path, index=False, engine="openpyxl")
    assert isinstance(read(path), Spectrum)


def test_broken_and_foreign_workbooks_say_what_is_wrong(tmp_path):
    good = tmp_path / "good.xlsx"
    _recording().to_excel(good, index=False)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[:1500])
    with pytest.raises(FileFormatError, match=r"cut\.xlsx.*spreadsheet"):
        read(cut)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(FileFormatError, match=r"old\.xls.*97-2003.*\.xlsx or CSV"):
        read(old)
    other = tmp_path / "other.xlsx"
    pd.DataFrame({"colour": ["red", "blue"], "weight": [1.0, 2.0]}).to_excel(other, index=False)
    with pytest.raises(MissingColumnError, match=r"other\.xlsx"):
        read(other)


@pytest.mark.parametrize("name", ["Z''", "Zimag", "Im(Z)/Ohm"])
def test_a_z_imag_column_whose_name_does_not_say_its_sign(tmp_path, name):
    """Many programs write -Z'' under a plain Z'' name: positive at most points, it is
    negated with a note (a capacitive arc ends below the axis); with the physical sign,
    or named -Z'', it is kept."""
    df, f, z = _spectrum()
    path = tmp_path / "eis.csv"
    for values, noted in ((-z.imag, True), (z.imag, False)):
        pd.DataFrame({"freq/Hz": f, "Re(Z)/Ohm": z.real, name: values}).to_csv(path, index=False)
        sp = read(path)
        np.testing.assert_allclose(sp.z.imag[np.argsort(sp.freq)], z.imag[np.argsort(f)])
        assert any("so it holds -Z''" in n for n in sp.meta["notes"]) == noted
