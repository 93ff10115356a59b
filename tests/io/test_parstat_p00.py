"""PARstat / PowerSine ``.P00`` impedance files, written here in the layout of the public
sample pyimpspec tests with (``tests/data.P00``): header lines, tab-separated column
names ending with a tab, the point count, tab-separated rows ending with a tab, numbers
written with a two-digit mantissa (``10.900e+01``)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from typer.testing import CliRunner

from ohmslice.cli import app
from ohmslice.errors import FileFormatError, TruncatedFileWarning
from ohmslice.io import read
from ohmslice.io._registry import NO, YES
from ohmslice.io.parstat_p00 import sniff

F = np.logspace(4, 0, 17)
Z = 100 + 500 / (1 + 1j * 2 * np.pi * F * 1e-5 * 500)
NAMES = " f/Hz       \t Z'/Ohm     \t -Z''/Ohm   \t time/s    \t Edc/V     \t Idc/A     \t"


def _num(x: float) -> str:
    """The file's number style: a mantissa between 10 and 100, three decimals."""
    if x == 0:
        return "00.000e+00"
    e = math.floor(math.log10(abs(x))) - 1
    m = x / 10**e
    if round(abs(m), 3) >= 100:
        m, e = m / 10, e + 1
    return f"{m:.3f}e{e:+03d}"


def p00(n_rows: int | None = None, declared: int | None = None) -> tuple[str, np.ndarray]:
    """The text of a .P00 file and the times of its rows."""
    t = 20.0 + np.arange(len(F)) * 3.5
    rows = "".join(
        f" {_num(f)}\t {_num(z.real)}\t {_num(-z.imag)}\t {_num(tk)}\t {_num(0.30981)}\t "
        f"{_num(1.8311e-7)}\t\n"
        for f, z, tk in zip(F, Z, t, strict=True)
    )
    rows = "".join(rows.splitlines(keepends=True)[:n_rows])
    head = (
        "Procedure : cathode A, SOC 50\n"
        "12.05.2023 10:15:02 - 12.05.2023 10:27:18 i(init)= 183.1nA - i(end)= 7.88nA\n"
        "Description\n"
        "t =  736.4 s\n"
        f"{NAMES}\n {declared if declared is not None else len(F)} \n"
    )
    return head + rows, t


def test_values_sign_and_metadata(write):
    text, t = p00()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = read(write("cell.P00", text))
    assert s.meta["format"] == "parstat-p00" and s.meta["technique"] == "EIS"
    # rows come sorted by increasing frequency; the file holds -Z'' > 0, ohmslice Z'' < 0
    order = np.argsort(F)
    np.testing.assert_allclose(s.freq, F[order], rtol=1e-4)
    np.testing.assert_allclose(s.z, Z[order], rtol=1e-4)
    assert (s.data["z_imag_ohm"] < 0).all()
    np.testing.assert_allclose(s.data["time_s"], t[order], rtol=1e-4)
    assert s.data["dc_V"].iloc[0] == pytest.approx(0.30981)
    assert s.data["dc_A"].iloc[0] == pytest.approx(1.8311e-7)
    assert s.meta["title"] == "cathode A, SOC 50"
    assert s.meta["acquired"] == "12.05.2023 10:15:02"
    settings = s.meta["settings"]
    assert settings["end"] == "12.05.2023 10:27:18"
    assert settings["i(init)"] == "183.1nA" and settings["i(end)"] == "7.88nA"
    assert settings["t"] == "736.4 s"
    assert s.meta["columns"]["z_imag_ohm"] == "-Z''/Ohm"


def test_sniffed_by_content_whatever_the_suffix(write):
    text, _ = p00()
    assert sniff(text.encode()) == YES
    assert read(write("exported.txt", text)).meta["format"] == "parstat-p00"
    assert sniff(b"Procedure : x\nf\tZ\n1\t2\n") == NO


def test_fewer_rows_than_the_count_says(write):
    text, _ = p00(n_rows=12)
    with pytest.warns(TruncatedFileWarning) as caught:
        s = read(write("short.P00", text))
    assert len(s) == 12 and len(caught) == 1
    msg = str(caught[0].message)
    assert "short.P00" in msg
    assert "says 17 points, 12 read" in msg and "5 points missing" in msg
    assert "after its last complete row" in msg


def test_last_row_cut_mid_number(write):
    text, _ = p00()
    cut = text.rstrip("\n")[:-18]  # inside the Edc value of the last row
    with pytest.warns(TruncatedFileWarning) as caught:
        s = read(write("cut.P00", cut))
    assert len(s) == len(F) - 1
    assert "incomplete" in str(caught[0].message)
    assert s.freq.min() == pytest.approx(F[-2], rel=1e-4)  # 1 Hz, the cut row, is left out


def test_row_longer_than_the_names(write):
    text, _ = p00()
    lines = text.split("\n")
    lines[6] += "1\t2\t"
    with pytest.raises(FileFormatError, match=r"long\.P00: .*9 values.*7 columns"):
        read(write("long.P00", "\n".join(lines)))


def test_no_column_line_when_forced(write):
    with pytest.raises(FileFormatError, match=r"names\.P00: no column-name line"):
        read(write("names.P00", "Procedure : x\n 3 \n1\t2\t3\n"), format="parstat-p00")


def test_inspect_names_vendor_and_technique(write):
    text, _ = p00()
    p = write("cell.P00", text)
    out = CliRunner().invoke(app, ["inspect", str(p)], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "PARstat / PowerSine" in out.output and "[parstat-p00]" in out.output
    assert "EIS" in out.output and "12.05.2023 10:15:02" in out.output
