"""CSV as labs write it: units on a second header row, decimal commas in quotes, thousands
separators, Excel's "Unicode text", byte-order marks; and columns ohmslice does not
recognise get a MissingColumnError that says how to map them."""

from __future__ import annotations

import numpy as np
import pytest

from ohmslice.errors import FileFormatError, InputError, MissingColumnError
from ohmslice.io import read
from ohmslice.io.table import layout, number_format
from ohmslice.schema import Recording, Spectrum


@pytest.mark.parametrize(
    "units",
    ["s,V,mA", "(s),(V),(mA)", "[s],[V],[mA]", " s , V , mA "],
)
def test_units_on_a_second_header_row(write, units):
    text = "Time,Voltage,Current\n" + units + "\n0,3.70,0\n10,3.65,-500\n20,3.60,-500\n"
    rec = read(write("units.csv", text))
    np.testing.assert_allclose(rec.current, [0, -0.5, -0.5])
    np.testing.assert_allclose(rec.time, [0, 10, 20])
    assert rec.meta["columns"]["current_A"] == "Current (mA)"
    assert rec.meta["first_data_line"] == 3


def test_units_row_with_hours_blank_unit_and_mapping_by_bare_name(write):
    text = "Zeit;U;I;Schritt\nh;V;mA;\n0,0;3,50;0,0;1\n0,5;3,55;1,5;2\n1,0;3,60;1,5;2\n"
    p = write("de.csv", text)
    with pytest.raises(MissingColumnError) as exc:
        read(p)
    msg = str(exc.value)
    assert "Zeit (h)" in msg and "'time_s': 'Zeit (h)'" in msg
    for name in ("Zeit", "Zeit (h)"):  # the header cell or the name ohmslice gave it
        rec = read(p, columns={"time_s": name, "current_A": "I", "step": "Schritt"})
        np.testing.assert_allclose(rec.time, [0, 1800, 3600])
        np.testing.assert_allclose(rec.current, [0, 1.5e-3, 1.5e-3])
        assert rec.data["step"].tolist() == [1, 2, 2]


def test_quoted_decimal_comma_numbers(write):
    text = 'Time (s),Voltage (V),Current (mA)\n0,"3,712","0,5"\n1,"3,713","0,5"\n2,"3,715","0,5"\n'
    rec = read(write("quoted.csv", text))
    np.testing.assert_allclose(rec.voltage, [3.712, 3.713, 3.715])
    np.testing.assert_allclose(rec.current, 0.5e-3)


@pytest.mark.parametrize(
    "sep, cells, encoding",
    [
        ("\t", ("1,234.5", "3.712", "0.5"), "utf-8"),  # comma thousands, point decimal
        (",", ('"1,234.5"', "3.712", "0.5"), "utf-8"),  # the same, quoted in a CSV
        (";", ("1.234,5", "3,712", "0,5"), "utf-8"),  # point thousands, comma decimal
        (";", ("1 234,5", "3,712", "0,5"), "utf-8"),  # space thousands (French)
        (";", ("1\u00a0234,5", "3,712", "0,5"), "utf-8"),  # no-break space (Excel)
        (";", ("1\u202f234,5", "3,712", "0,5"), "utf-8"),  # narrow no-break space
        (";", ("1\u00a0234,5", "3,712", "0,5"), "latin-1"),
        ("\t", ("1'234.5", "3.712", "0.5"), "utf-8"),  # Swiss
    ],
)
def test_thousands_separators(write, sep, cells, encoding):
    head = sep.join(["Time (s)", "Voltage (V)", "Current (mA)"])
    rows = [sep.join(("0", cells[1], cells[2])), sep.join(cells)]
    rec = read(write("k.csv", (head + "\n" + "\n".join(rows) + "\n").encode(encoding)))
    np.testing.assert_allclose(rec.time, [0, 1234.5])
    np.testing.assert_allclose(rec.voltage, 3.712)
    np.testing.assert_allclose(rec.current, 0.5e-3)


@pytest.mark.parametrize(
    "cells, expected",
    [
        (["3,712", "0,5"], (",", None)),
        (["3.712", "0.5"], (".", None)),
        (["1,234.5", "3.712"], (".", ",")),
        (["1.234,5", "3,712"], (",", ".")),
        (["1 234,5", "3,712"], (",", " ")),
        (["1.234.567", "3,5"], (",", ".")),
        (["1,234", "2.5"], (".", ",")),  # the point decides; the comma groups thousands
        (["0,712", "12"], (",", None)),
        (["1,2345678E+003", "-2,5E-3"], (",", None)),
        (["12", "7", "2024-01-01"], (".", None)),
    ],
)
def test_number_format(cells, expected):
    assert number_format([cells]) == expected


@pytest.mark.parametrize("decimal", [".", ","])
def test_excel_unicode_text(write, decimal):
    """Excel's "Unicode text": UTF-16 LE with byte-order mark, tab separated, CR LF."""
    rows = [["Time (s)", "Voltage (V)", "Current (A)"], ["0", "3.5", "0.1"], ["1", "3.6", "0.1"]]
    text = "\r\n".join("\t".join(r) for r in rows) + "\r\n"
    if decimal == ",":
        text = text.replace(".", ",")
    data = b"\xff\xfe" + text.encode("utf-16-le")
    rec = read(write("excel.txt", data))
    assert isinstance(rec, Recording)
    np.testing.assert_allclose(rec.voltage, [3.5, 3.6])
    assert rec.meta["columns"]["time_s"] == "Time (s)"


def test_utf16_without_bom_and_big_endian(write):
    text = "Frequency (Hz)\tZ' (Ohm)\tZ'' (Ohm)\r\n1000\t10\t-2\r\n100\t12\t-5\r\n"
    for data in (text.encode("utf-16-le"), b"\xfe\xff" + text.encode("utf-16-be")):
        s = read(write("eis.txt", data))
        assert isinstance(s, Spectrum) and len(s) == 2


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_utf8_byte_order_mark(write, sep):
    text = sep.join(["Time (s)", "Voltage (V)", "Current (A)"]) + "\n0" + sep + "3.5" + sep
    text += "0.1\n1" + sep + "3.6" + sep + "0.1\n"
    rec = read(write("bom.csv", "\ufeff" + text))
    assert rec.meta["columns"]["time_s"] == "Time (s)"
    np.testing.assert_allclose(rec.time, [0, 1])


def test_old_mac_line_breaks(write):
    rec = read(write("cr.csv", "Time (s),Voltage (V),Current (A)\r0,3.5,0.1\r1,3.6,0.1\r"))
    assert len(rec) == 2


def test_unrecognised_columns_say_which_and_how_to_map(write):
    text = "Zeit/h,Spannung/V,Strom/mA,Temperatur\n0,3.5,1,25\n1,3.6,1,25\n"
    p = write("lab.csv", text)
    with pytest.raises(MissingColumnError) as exc:
        read(p)
    msg = str(exc.value)
    assert "lab.csv" in msg
    assert "['Zeit/h', 'Spannung/V', 'Strom/mA', 'Temperatur']" in msg  # what it found
    proposal = "columns={'time_s': 'Zeit/h', 'voltage_V': 'Spannung/V', 'current_A': 'Strom/mA'}"
    assert f"read('lab.csv', {proposal}) for a recording" in msg
    assert "for a spectrum" not in msg
    rec = read(p, columns={"time_s": "Zeit/h", "voltage_V": "Spannung/V", "current_A": "Strom/mA"})
    np.testing.assert_allclose(rec.time, [0, 3600])
    np.testing.assert_allclose(rec.current, 1e-3)


def test_partly_recognised_spectrum_names_the_missing_column(write):
    text = "Frequency (Hz),Z' (Ohm),Imaginary part (Ohm)\n1000,10,-2\n100,12,-5\n"
    with pytest.raises(MissingColumnError) as exc:
        read(write("eis.csv", text))
    assert "columns={'z_imag_ohm': 'Imaginary part (Ohm)'}" in str(exc.value)


@pytest.mark.parametrize(
    "name, data",
    [
        ("numbers.csv", "3.16e-03,4.95e-02,-2.04e-02\n3.98e-03,4.78e-02,-1.83e-02\n"),
        ("units.csv", "A,B,C\ns,V,mA\n0,3.5,1\n1,3.6,1\n"),
        ("unicode.txt", b"\xff\xfe" + "A\tB\tC\r\n1\t2\t3\r\n4\t5\t6\r\n".encode("utf-16-le")),
        ("stamps.csv", "When,U,J\n2024-01-01 10:00:00,3.5,1\n2024-01-01 10:00:01,3.6,1\n"),
        ("grouped.csv", "A;B;C\n1 234,5;3,5;1\n1 235,5;3,6;1\n"),
        ("preamble.csv", "Cycler v2\nCell: A12\n\nA,B,C\n0,3.5,1\n1,3.6,1\n"),
    ],
)
def test_a_table_is_never_refused_as_not_a_file_format(write, name, data):
    with pytest.raises(MissingColumnError) as exc:
        read(write(name, data))
    msg = str(exc.value)
    assert name in msg and "found columns" in msg and "columns={" in msg
    assert "not a file format" not in msg


def test_table_without_header_row_is_read_by_position(write):
    text = "1000,10,-2\n100,12,-5\n10,20,-8\n"
    with pytest.raises(MissingColumnError) as exc:
        read(write("bare.csv", text))
    assert "no header row" in str(exc.value) and "'column 1'" in str(exc.value)
    s = read(
        write("bare.csv", text),
        columns={"freq_Hz": "column 1", "z_real_ohm": "column 2", "z_imag_ohm": "column 3"},
    )
    np.testing.assert_allclose(s.freq, [10, 100, 1000])


def test_prose_is_still_not_a_table(write):
    with pytest.raises(FileFormatError) as exc:
        read(write("notes.csv", "Dear colleague,\nthe cell died on Monday, 3 times.\nRegards\n"))
    assert "not a file format" in str(exc.value)


def test_layout_reports_units_row_and_number_format():
    found = layout("Time;Voltage;Current\ns;V;mA\n1.234,5;3,712;0,5\n")
    assert found is not None
    assert (found.delimiter, found.header, found.units, found.named) == (";", 0, True, True)
    assert (found.decimal, found.thousands) == (",", ".")
    assert found.first_data == 2


def test_all_errors_stay_input_errors(write):
    """A units row with a unit of the wrong kind is refused naming the column."""
    with pytest.raises(InputError) as exc:
        read(write("bad.csv", "Time,Voltage,Current\ns,mA,mA\n0,1,1\n1,1,1\n"))
    assert "bad.csv" in str(exc.value) and "Voltage (mA)" in str(exc.value)


@pytest.mark.parametrize("header_sep", ["", ","])
def test_separator_closing_the_data_lines(write, header_sep):
    """Some exporters end every data line (and sometimes the header) with a separator."""
    text = f"Time (s),Voltage (V),Current (A){header_sep}\n0,3.0,0.1,\n1,3.1,0.1,\n"
    rec = read(write("closed.csv", text))
    assert list(rec.data.columns) == ["time_s", "voltage_V", "current_A"]
    np.testing.assert_allclose(rec.voltage, [3.0, 3.1])


def test_space_aligned_columns_with_units(write):
    text = (
        "Time (s)   Voltage (V)   Current (mA)\n"
        "   0.0      3.7000        0.000\n"
        "  10.0      3.7100        1.500\n"
        " 100.0      3.7200       -1.500\n"
    )
    rec = read(write("aligned.txt", text))
    assert rec.meta["columns"] == {
        "time_s": "Time (s)", "voltage_V": "Voltage (V)", "current_A": "Current (mA)",
    }  # fmt: skip
    np.testing.assert_allclose(rec.time, [0, 10, 100])
    np.testing.assert_allclose(rec.current, [0, 1.5e-3, -1.5e-3])


def test_space_separated_spectrum_with_decimal_comma(write):
    text = "f Z' Z''\n1000,0 10,5 -1,25\n100,0 12,5 -3,5\n10,0 20,0 -8,0\n"
    s = read(write("space.csv", text))
    np.testing.assert_allclose(s.freq, [10, 100, 1000])
    np.testing.assert_allclose(s.z, [20 - 8j, 12.5 - 3.5j, 10.5 - 1.25j])


def test_space_separated_cut_last_row(write, recwarn):
    text = "f Z' Z''\n1000 10.5 -1.25\n100 12.5 -3.5\n10 20.0 -8.0\n1 30.0"
    s = read(write("cut.csv", text))
    assert len(s) == 3
    assert any("1 row dropped" in str(w.message) for w in recwarn)


def test_space_separated_header_with_a_two_word_name_is_refused(write):
    """'Test Time' cannot be told from two column names: nothing is guessed."""
    text = "Test Time Voltage Current\n0 3.7 0\n1 3.7 0.1\n2 3.7 0.1\n"
    with pytest.raises(FileFormatError, match="words.txt"):
        read(write("words.txt", text))
