"""Text files cut short (a copy taken while the run was going, a crashed PC): every complete
row is read, the incomplete last one is dropped, and one warning says how many of each."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ohmslice.errors import TruncatedFileError, TruncatedFileWarning
from ohmslice.io import read
from ohmslice.io._truncation import last_line_cut

HEADER = "Time (s),Voltage (V),Current (A)\n"


def _rows(n: int) -> str:
    t = np.arange(n, dtype=float)
    v = 3.5 + 1e-4 * t
    return "".join(f"{a:.3f},{b:.4f},{0.5123:.4f}\n" for a, b in zip(t, v, strict=True))


@pytest.mark.parametrize(
    "data, ncols, cut",
    [
        # the brief's case: '0.5' where the column is written with four decimals
        (b"1.000,0.5123\n1.117,0.5120\n1.234,0.5", 2, "mid-number"),
        (b"1.000,0.5123\n1.117,0.5120\n1.234,0.", 2, "mid-number"),
        (b"1.000,0.5123\n1.117,0.5120\n1.234,", 2, "mid-number"),  # cut after the comma
        (b"1.000,0.5123\n1.117,0.5120\n1.2", 2, "mid-row"),
        (b"3.1E+000\t1.2345678E+003\n3.2E+000\t1.2345678E+00", 2, "mid-number"),
        (b"3.1E+000\t1.2345678E+003\n3.2E+000\t1.2345678E", 2, "mid-number"),
        (b"3.1E+000\t1.2345678E+003\n3.2E+000\t1.23", 2, "mid-number"),
        (b"1.234,0.5", 3, "mid-row"),  # one line only: compared with the header
        # complete lines
        (b"1.000,0.5123\n1.117,0.5120\n1.234,0.5121", 2, None),
        (b"1.000,0.5123\n1.117,0.5120\n1.234,0.5\n", 2, None),  # line break: complete
        (b"1,2,3\n4,5\n", 3, None),  # short row ending in a line break: trailing empties
        (b"1,2\n4,5\n6,7", 3, None),  # as short as the rows before it
        (b"1,0.5\n2,0.51234\n3,0.5", 2, None),  # decimals vary: cannot tell
        (b"1,12\n2,13\n3,1", 2, None),  # integers: cannot tell
        (b"1.0\t2.0\t\n1.1\t2.1\t", 2, None),  # closed by its trailing separator
        (b"1.0,0.5\r\n1.1,0.5\r", 2, None),  # cut between CR and LF: the row is whole
    ],
)
def test_last_line_rule(data, ncols, cut):
    sep = b"\t" if b"\t" in data else b","
    found = last_line_cut(data, sep=sep, ncols=ncols, trailing_sep=data.endswith(b"\t"))
    if cut is None:
        assert found is None
    else:
        assert found is not None and f"cut {cut}" in found.what
        assert found.keep == max(data.rfind(b"\n"), data.rfind(b"\r")) + 1


def test_brief_example_csv_cut_mid_number(write):
    text = HEADER + _rows(4) + "4.000,3.5004,0.5"  # the last current should read 0.5123
    with pytest.warns(TruncatedFileWarning) as caught:
        rec = read(write("run.csv", text))
    assert len(caught) == 1
    msg = str(caught[0].message)
    assert msg.startswith(str(write("run.csv", text)))  # names the file first
    assert "cut mid-number" in msg and "read 4 complete rows, 1 row dropped" in msg
    np.testing.assert_allclose(rec.current, 0.5123)
    assert rec.meta["warnings"] == [msg]


def test_thousands_of_rows_counted_with_grouping(write):
    text = HEADER + _rows(12_346)
    with pytest.warns(TruncatedFileWarning, match="read 12 345 complete rows, 1 row dropped"):
        rec = read(write("long.csv", text[:-9]))
    assert len(rec) == 12_345


@pytest.mark.parametrize("sep", [",", "\t", ";"])
def test_rows_without_trailing_empty_cells_are_read(write, sep):
    """Writers that leave trailing empty cells out give rows shorter than the header."""
    lines = [
        ["Time (s)", "Voltage (V)", "Current (A)", "Step", "Comment"],
        ["0", "3.0", "0.1", "1", "start"],
        ["1", "3.1", "0.1", "1"],
        ["2", "3.2", "0.1"],
        ["3", "3.3", "0.1", "2"],
        ["4", "3.4", "0.1"],
    ]
    text = "\n".join(sep.join(r) for r in lines) + "\n"
    with warnings.catch_warnings():
        warnings.simplefilter("error", TruncatedFileWarning)
        rec = read(write("short.txt", text))
        assert len(read(write("nonl.txt", text.rstrip("\n")))) == 5  # as short as before
    assert len(rec) == 5
    np.testing.assert_allclose(rec.voltage, [3.0, 3.1, 3.2, 3.3, 3.4])
    assert rec.data["step"].isna().tolist() == [False, False, True, False, True]


def test_zero_bytes_left_by_a_crash(write):
    text = HEADER + _rows(5)
    with pytest.warns(TruncatedFileWarning) as caught:
        rec = read(write("crash.csv", text.encode() + b"\x00" * 5000))
    msg = str(caught[0].message)
    assert len(caught) == 1 and len(rec) == 5
    assert "5 000 zero bytes" in msg and "read 5 complete rows, none dropped" in msg
    with pytest.warns(TruncatedFileWarning) as caught:
        rec = read(write("crash2.csv", text[:-3].encode() + b"\x00" * 300))
    msg = str(caught[0].message)
    assert len(caught) == 1 and len(rec) == 4
    assert "zero bytes" in msg and "incomplete" in msg and "1 row dropped" in msg


def test_utf16_table_cut_mid_number(write):
    text = HEADER.replace(",", "\t") + _rows(6).replace(",", "\t")
    with pytest.warns(TruncatedFileWarning, match="cut mid-number"):
        rec = read(write("excel.txt", text[:-4].encode("utf-16")))
    assert len(rec) == 5


def test_cut_inside_the_first_row_is_an_error(write):
    with pytest.raises(TruncatedFileError) as exc:
        read(write("one.csv", HEADER + "0.000,3.5"))
    assert "one.csv" in str(exc.value) and "first data row" in str(exc.value)


def test_spectrum_cut_mid_row(write):
    f = np.logspace(4, 0, 9)
    body = "".join(f"{x:.6e},{10 + x / 1e4:.6e},{-1 / x:.6e}\n" for x in f)
    text = "Frequency (Hz),Z' (Ohm),Z'' (Ohm)\n" + body
    with pytest.warns(TruncatedFileWarning, match="1 row dropped"):
        s = read(write("eis.csv", text[:-16]))
    assert len(s) == 8
