"""EC-Lab text export (.mpt) on files written here: every header and number variant."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from eclab_files import GCPL_COLUMNS, gcpl_rows, mpt_bytes

from ohmslice.errors import (
    EmptyDataError,
    FileFormatError,
    InvalidDataError,
    MissingColumnError,
    TruncatedFileError,
    TruncatedFileWarning,
)
from ohmslice.io import read
from ohmslice.schema import Recording, Spectrum

SETTINGS = [
    "Run on channel : 1 (SN 15265)",
    "Device : SP-300 (SN 1854)",
    "Electrode surface area : 0,785 cm²",
    "Temperature : 25 °C",
    "Ns                  0                   1                   ",
    "ctrl_type           Rest                CC                  ",
    "ctrl1_val_unit                          µA                  ",
]

PEIS_COLUMNS = [
    "freq/Hz",
    "Re(Z)/Ohm",
    "-Im(Z)/Ohm",
    "|Z|/Ohm",
    "time/s",
    "<Ewe>/V",
    "<I>/mA",
    "cycle number",
    "Ns",
]


def peis_rows(loops: int = 2, n: int = 6) -> list[list]:
    rows = []
    f = np.logspace(5, -1, n)
    z = 10 + 50 / (1 + 1j * 2 * np.pi * f * 50 * 1e-5)
    for c in range(loops):
        for k in range(n):
            rows.append(
                [f[k], z[k].real, -z[k].imag, abs(z[k]), 100.0 + 10 * c + k, 3.7, 0.001, c + 1, 0]
            )
    return rows


@pytest.mark.parametrize("decimal", [".", ","])
def test_gcpl_decimal_point_and_comma(write, decimal):
    p = write("cell_GCPL_C01.mpt", mpt_bytes(GCPL_COLUMNS, gcpl_rows(), decimal=decimal))
    rec = read(p)
    assert isinstance(rec, Recording)
    assert rec.meta["technique"] == "GCPL"
    assert rec.meta["format"] == "biologic-mpt"
    assert len(rec) == 15
    np.testing.assert_allclose(rec.current[-1], 0.5e-3)  # <I>/mA -> A
    np.testing.assert_allclose(rec.voltage[:3], [3.5, 3.51, 3.52])
    np.testing.assert_allclose(rec.data["charge_Ah"].iloc[-1], 10 * 0.5 / 3600 * 1e-3)
    assert rec.data["step"].tolist() == [0] * 5 + [1] * 10


def test_latin1_header_settings_and_sequence(write):
    data = mpt_bytes(GCPL_COLUMNS, gcpl_rows(), settings=SETTINGS, technique="Modulo Bat")
    assert "µ".encode("latin-1") in data and "°".encode("latin-1") in data
    rec = read(write("mb.mpt", data))
    s = rec.meta["settings"]
    assert s["Electrode surface area"] == "0,785 cm²"
    assert s["Temperature"] == "25 °C"
    assert s["parameters"]["ctrl1_val_unit"] == ["", "µA"]
    assert rec.meta["instrument"] == "SP-300 (SN 1854)"
    assert rec.meta["technique"] == "MB"
    assert rec.meta["sequence"] == ["Rest", "CC"]
    assert rec.data["technique"].tolist() == ["Rest"] * 5 + ["CC"] * 10


def test_utf8_header_is_accepted(write):
    data = mpt_bytes(GCPL_COLUMNS, gcpl_rows(), settings=SETTINGS, encoding="utf-8")
    rec = read(write("utf8.mpt", data))
    assert rec.meta["settings"]["Temperature"] == "25 °C"


def test_headerless_export_is_sniffed_by_content(write):
    data = mpt_bytes(GCPL_COLUMNS, gcpl_rows(), header=False)
    rec = read(write("export.txt", data))  # suffix says text table, content says EC-Lab
    assert rec.meta["format"] == "biologic-mpt"
    assert len(rec) == 15


def test_peis_loops_and_sign(write):
    out = read(
        write(
            "peis.mpt",
            mpt_bytes(
                PEIS_COLUMNS,
                peis_rows(),
                technique="Potentio Electrochemical Impedance Spectroscopy",
            ),
        )
    )
    assert isinstance(out, list) and len(out) == 2
    assert all(isinstance(s, Spectrum) for s in out)
    s = out[0]
    assert s.meta["technique"] == "PEIS"
    assert (s.data["z_imag_ohm"] < 0).all()  # -Im(Z) > 0 in the file: capacitive arc
    assert np.all(np.diff(s.freq) > 0)
    np.testing.assert_allclose(s.data["dc_A"], 1e-6)
    assert [x.meta["cycle"] for x in out] == [1, 2]


def test_frequency_restart_splits_sweeps_without_cycle_column(write):
    cols = [c for c in PEIS_COLUMNS if c != "cycle number"]
    rows = [r[:7] + r[8:] for r in peis_rows(loops=3)]
    out = read(write("peis3.mpt", mpt_bytes(cols, rows)))
    assert [len(s) for s in out] == [6, 6, 6]


def test_sequence_with_rest_peis_and_cc(write):
    cols = ["Ns", "time/s", "Ewe/V", "I/mA", "freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm", "control/V/mA"]
    rows = []
    t = 0.0
    for _ in range(4):  # rest
        rows.append([0, t, 3.7, 0.0, 0.0, 0.0, 0.0, 0.0])
        t += 1
    for f in np.logspace(4, 0, 5):  # PEIS
        rows.append([1, t, 3.7, 0.0, f, 20.0, 5.0, 0.0])
        t += 1
    for _ in range(6):  # CC
        rows.append([2, t, 3.6, -1.0, 0.0, 0.0, 0.0, -1.0])
        t += 1
    out = read(write("seq.mpt", mpt_bytes(cols, rows, technique="Modulo Bat")))
    rec, spec = out
    assert isinstance(rec, Recording) and isinstance(spec, Spectrum)
    assert len(rec) == 10 and len(spec) == 5
    assert rec.current.min() == pytest.approx(-1e-3)  # I/mA, not control/V/mA
    assert rec.meta["columns"]["current_A"] == "I/mA"
    np.testing.assert_allclose(spec.data["dc_V"], 3.7)


def test_ecell_only_is_used_and_noted(write):
    cols = ["time/s", "Ecell/V", "I/mA"]
    rows = [[float(k), 3.0 + 0.1 * k, 1.0] for k in range(5)]
    rec = read(write("ecell.mpt", mpt_bytes(cols, rows)))
    assert rec.meta["columns"]["voltage_V"] == "Ecell/V"
    assert any("Ecell" in n for n in rec.meta["notes"])


def test_columns_override(write):
    cols = ["time/s", "Ewe/V", "Ece/V", "I/mA"]
    rows = [[float(k), 3.0, 0.1 * k, 1.0] for k in range(5)]
    rec = read(write("ece.mpt", mpt_bytes(cols, rows)), columns={"voltage_V": "Ece/V"})
    np.testing.assert_allclose(rec.voltage, 0.1 * np.arange(5))
    with pytest.raises(MissingColumnError) as exc:
        read(write("ece.mpt", mpt_bytes(cols, rows)), columns={"voltage_V": "Enope/V"})
    assert "ece.mpt" in str(exc.value) and "Enope/V" in str(exc.value)


def test_missing_columns(write):
    cols = ["time/s", "Ewe/V", "Ns"]
    rows = [[float(k), 3.0, 0] for k in range(5)]
    with pytest.raises(MissingColumnError) as exc:
        read(write("nocurrent.mpt", mpt_bytes(cols, rows)))
    msg = str(exc.value)
    assert "nocurrent.mpt" in msg and "Ewe/V" in msg and "current" in msg


@pytest.mark.parametrize("bad", ["", "NaN", "abc"])
def test_nan_or_garbage_value_names_row_and_column(write, bad):
    rows = gcpl_rows()
    rows[7][6] = bad  # Ewe/V of data row 7
    p = write("nan.mpt", mpt_bytes(GCPL_COLUMNS, rows))
    with pytest.raises(InvalidDataError) as exc:
        read(p)
    msg = str(exc.value)
    assert "nan.mpt" in msg and "Ewe/V" in msg and "row 7" in msg
    assert exc.value.row == 7


def test_nan_in_unused_column_is_ignored(write):
    rows = gcpl_rows()
    rows[3][5] = "NaN"  # control/V/mA is not used
    assert len(read(write("ok.mpt", mpt_bytes(GCPL_COLUMNS, rows)))) == 15


def test_truncated_header(write):
    data = mpt_bytes(GCPL_COLUMNS, gcpl_rows(), nb_header=60)
    with pytest.raises(TruncatedFileError) as exc:
        read(write("short.mpt", data))
    assert "short.mpt" in str(exc.value) and "60" in str(exc.value)


def test_truncated_inside_a_line(write):
    data = mpt_bytes(GCPL_COLUMNS, gcpl_rows())
    cut = data.rstrip(b"\r\n")
    cut = cut[: cut.rfind(b"\t", 0, len(cut) - 40)]  # a few values short on the last line
    with pytest.warns(TruncatedFileWarning) as caught:
        rec = read(write("cut.mpt", cut))
    assert len(caught) == 1
    msg = str(caught[0].message)
    assert "cut.mpt" in msg and "cut mid-row" in msg
    assert "read 14 complete rows, 1 row dropped" in msg
    assert len(rec) == 14 and rec.meta["warnings"] == [msg]
    np.testing.assert_allclose(rec.time[-1], 23.0)  # the 14th row, whole


def test_truncated_inside_a_number(write):
    data = mpt_bytes(GCPL_COLUMNS, gcpl_rows(), trailing_newline=False)
    with pytest.warns(TruncatedFileWarning, match=r"cutnum\.mpt.*cut mid-number") as caught:
        rec = read(write("cutnum.mpt", data[:-7]))
    assert len(caught) == 1 and len(rec) == 14


def test_truncated_against_loop_table(write):
    settings = [
        "Number of loops : 2",
        "Loop 0 from point number 0 to 14",
        "Loop 1 from point number 15 to 29",
    ]
    data = mpt_bytes(GCPL_COLUMNS, gcpl_rows(), settings=settings)
    with pytest.warns(TruncatedFileWarning) as caught:
        rec = read(write("loops.mpt", data))
    msg = str(caught[0].message)
    assert len(caught) == 1 and len(rec) == 15
    assert "loops.mpt" in msg and "loop table lists 30 rows" in msg
    assert "read 15 complete rows, 15 rows missing" in msg


def test_cut_row_and_loop_table_give_one_warning(write):
    settings = ["Loop 0 from point number 0 to 14", "Loop 1 from point number 15 to 29"]
    data = mpt_bytes(GCPL_COLUMNS, gcpl_rows(), settings=settings, trailing_newline=False)
    with pytest.warns(TruncatedFileWarning) as caught:
        rec = read(write("both.mpt", data[:-30]))
    assert len(caught) == 1 and len(rec) == 14
    msg = str(caught[0].message)
    assert "incomplete" in msg and "read 14 complete rows, 1 row dropped, 15 rows missing" in msg


def test_complete_file_without_final_newline_reads_silently(write, recwarn):
    """EC-Lab often ends its export without a line break: that is no truncation."""
    for trailing_tab in (True, False):
        data = mpt_bytes(GCPL_COLUMNS, gcpl_rows(), trailing_newline=False)
        data = data if trailing_tab else data.rstrip(b"\t")
        assert len(read(write("whole.mpt", data))) == 15
    assert not recwarn.list


def test_cut_inside_first_data_row_is_an_error(write):
    data = mpt_bytes(GCPL_COLUMNS, gcpl_rows(n_rest=1, n_cc=0), trailing_newline=False)
    with pytest.raises(TruncatedFileError) as exc:
        read(write("first.mpt", data[:-20]))
    assert "first.mpt" in str(exc.value) and "first data row" in str(exc.value)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_zero_bytes_after_a_crash(write, encoding):
    text = mpt_bytes(GCPL_COLUMNS, gcpl_rows()).decode("latin-1")
    cut = text.rstrip("\r\n")[:-9]  # mid-number, then the zeros a crash leaves
    data = cut.encode(encoding) + b"\x00" * 4096
    with pytest.warns(TruncatedFileWarning) as caught:
        rec = read(write("crash.mpt", data))
    msg = str(caught[0].message)
    assert len(caught) == 1 and len(rec) == 14
    assert "zero bytes" in msg and "incomplete" in msg and "1 row dropped" in msg


def test_header_only_is_empty(write):
    with pytest.raises(EmptyDataError) as exc:
        read(write("nodata.mpt", mpt_bytes(GCPL_COLUMNS, [])))
    assert "nodata.mpt" in str(exc.value)


def test_bad_second_line(write):
    with pytest.raises(FileFormatError) as exc:
        read(write("bad.mpt", b"EC-Lab ASCII FILE\r\nsomething else\r\nmore\r\n"))
    assert "bad.mpt" in str(exc.value) and "Nb header lines" in str(exc.value)


def test_extra_values_in_a_row_are_refused(write):
    data = mpt_bytes(["time/s", "Ewe/V", "I/mA"], [[0.0, 3.0, 1.0], [1.0, 3.0, 1.0, 5.0, 6.0]])
    with pytest.raises(FileFormatError) as exc:
        read(write("wide.mpt", data))
    assert "wide.mpt" in str(exc.value)


def test_large_file_is_fast(write):
    n = 200_000
    t = np.arange(n, dtype=float)
    block = np.column_stack([t, 3.5 + 1e-6 * t, np.where(t % 100 < 50, 1.0, 0.0), t % 7])
    text = "\r\n".join("\t".join(f"{v:.7E}" for v in row) for row in block[:10])  # format check
    assert "E+" in text
    body = "\r\n".join("\t".join(a) for a in np.char.mod("%.9E", block).tolist()).replace(".", ",")
    head = mpt_bytes(["time/s", "Ewe/V", "I/mA", "Ns"], [], decimal=",")
    p = write("big.mpt", head + body.encode() + b"\r\n")
    t0 = time.perf_counter()
    rec = read(p)
    elapsed = time.perf_counter() - t0
    assert len(rec) == n
    assert rec.current.max() == pytest.approx(1e-3)
    assert elapsed < 5.0, f"{n} rows took {elapsed:.2f} s"


def test_decimal_comma_first_seen_after_integer_rows(write):
    cols = ["time/s", "Ewe/V", "I/mA"]
    rows = [["0", "3", "0"], ["1", "3", "0"], ["2", "3,5", "1,25"]]
    rec = read(write("late.mpt", mpt_bytes(cols, rows)))
    np.testing.assert_allclose(rec.current, [0, 0, 1.25e-3])


def test_mean_current_from_charge_increments():
    from ohmslice.io._biologic import mean_current_mA

    t = np.array([0.0, 1.0, 2.0, 2.0, 4.0, 5.0])
    dq = np.array([0.0, 1 / 3600, 1 / 3600, 0.5 / 3600, 0.0, np.nan])
    np.testing.assert_allclose(mean_current_mA(t, dq), [0, 1, 1, 1, 0, np.nan])


def test_header_count_pointing_at_a_wrong_line(write):
    data = mpt_bytes(GCPL_COLUMNS, gcpl_rows(), settings=SETTINGS)
    lines = data.split(b"\r\n")
    lines[1] = b"Nb header lines : 9"
    with pytest.raises(FileFormatError) as exc:
        read(write("off.mpt", b"\r\n".join(lines)))
    assert "off.mpt" in str(exc.value) and "line 9" in str(exc.value)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_byte_order_marks(write, encoding):
    text = mpt_bytes(GCPL_COLUMNS, gcpl_rows(), settings=SETTINGS).decode("latin-1")
    rec = read(write("bom.mpt", text.encode(encoding)))
    assert len(rec) == 15 and rec.meta["settings"]["Temperature"] == "25 °C"


@pytest.mark.parametrize("chop", [1, 2, 5, 9])
def test_truncated_inside_exponent_or_mantissa(write, chop):
    data = mpt_bytes(GCPL_COLUMNS, gcpl_rows(), trailing_newline=False).rstrip(b"\t")
    with pytest.warns(TruncatedFileWarning, match="cut mid-number"):
        rec = read(write("chop.mpt", data[:-chop]))
    assert len(rec) == 14


def test_header_naming_fewer_columns_than_the_data(write):
    """A column name deleted by hand shifts every value to the wrong column: refused."""
    data = mpt_bytes(GCPL_COLUMNS, gcpl_rows())
    data = data.replace(b"\tEwe/V\t", b"\t", 1)
    with pytest.raises(FileFormatError) as exc:
        read(write("shifted.mpt", data))
    msg = str(exc.value)
    assert "shifted.mpt" in msg and "holds 12 values" in msg and "names 11 columns" in msg


@pytest.fixture(scope="module")
def long_gitt(tmp_path_factory):
    """A GITT recorded every second (3 pulses, ~2 MB), and a copy cut inside its last row."""
    from ohmslice.simulate import INSTRUMENT, Rest, gitt, reference_cells, simulate
    from ohmslice.simulate.writers import write_mpt

    cell = reference_cells()["S_SE"]
    prog = [Rest(600.0), gitt(cell, n_pulses=3, pulse_dt_s=1.0, rest_dt_s=1.0,
                              pulse_dE_V=float("inf"), rest_dE_V=float("inf"))]  # fmt: skip
    res = simulate(cell, prog, soc0=0.6, noise=INSTRUMENT, seed=1, technique="GITT")
    folder = tmp_path_factory.mktemp("long")
    whole = folder / "gitt.mpt"
    write_mpt(res.recording, whole, technique="GITT")
    cut = folder / "gitt_cut.mpt"
    cut.write_bytes(whole.read_bytes()[:-7])
    return whole, cut


def test_a_long_file_is_parsed_from_disk_the_same(long_gitt, monkeypatch):
    """Long files are parsed from the disk (only their head and tail read into memory,
    only the needed columns parsed): the same table, the same warning for a cut one."""
    import importlib

    mpt = importlib.import_module("ohmslice.io.biologic_mpt")
    whole, cut = long_gitt
    assert whole.stat().st_size > 2**20
    with pytest.warns(TruncatedFileWarning, match="row"):
        in_memory = [read(whole), read(cut)]
    assert mpt._head_or_all(whole)[1] is None  # below STREAM_BYTES: read whole
    monkeypatch.setattr(mpt, "STREAM_BYTES", 2**20)
    monkeypatch.setattr(mpt, "HEAD_BYTES", 2**16)
    assert mpt._head_or_all(whole)[1] is not None  # now parsed from the disk
    streamed = read(whole)
    pd.testing.assert_frame_equal(streamed.data, in_memory[0].data)
    with pytest.warns(TruncatedFileWarning, match="row"):
        again = read(cut)
    pd.testing.assert_frame_equal(again.data, in_memory[1].data)
    assert len(in_memory[1]) == len(in_memory[0]) - 1


def test_an_impedance_header_that_lost_its_first_name(write):
    """One value more per row than the header names, the names starting at Re(Z)/Ohm:
    EC-Lab's first impedance column is freq/Hz. A first column that is a frequency sweep
    is read as it, with a warning; one that is not is refused."""
    from ohmslice.errors import InputWarning

    f = np.logspace(4, -1, 11)
    rows = [[fi, 10.0 + i, 1.0 + i] for i, fi in enumerate(f)]
    data = mpt_bytes(["Re(Z)/Ohm", "-Im(Z)/Ohm"], rows)
    with pytest.warns(InputWarning, match="read as freq/Hz"):
        sp = read(write("gap.mpt", data))
    assert isinstance(sp, Spectrum)
    np.testing.assert_allclose(np.sort(sp.freq), np.sort(f))
    flat = [[1.0, 10.0 + i, 1.0 + i] for i in range(11)]
    with pytest.raises(FileFormatError, match="not a frequency sweep"):
        read(write("gap2.mpt", mpt_bytes(["Re(Z)/Ohm", "-Im(Z)/Ohm"], flat)))
