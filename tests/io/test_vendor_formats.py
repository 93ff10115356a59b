"""Vendor text formats on small files written here: the variants the shared example files
do not show (Gamry time series, decimal comma, cut and aborted files, ZPlot sweeps at
several biases, VersaStudio DC segments, NOVA exports, header-less tables) and broken
ones, each refused with one error naming the file."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ohmslice.errors import (
    FileFormatError,
    MissingColumnError,
    TruncatedFileError,
    TruncatedFileWarning,
)
from ohmslice.io import read, readers
from ohmslice.schema import Recording, Spectrum

GAMRY_HEAD = (
    "EXPLAIN\r\nTAG\t{tag}\r\nTITLE\tLABEL\tChronopotentiometry Scan\tTest &Identifier\r\n"
    "DATE\tLABEL\t3/10/2019\tDate\r\nTIME\tLABEL\t12:00:00\tTime\r\n"
    "NOTES\tNOTES\t1\t&Notes...\r\n\tcell 7\r\n"
    "PSTAT\tPSTAT\tREF600-12345\tPotentiostat\r\n"
    "ISTEP1\tQUANT\t{i1}\tStep 1 Current (A)\r\n"
    "CONDIT\tTWOPARAM\tF\t1.50000E+001\t0.00000E+000\tConditionin&g\tTime(s)\tE(V)\r\n"
)
CURVE_NAMES = "\tPt\tT\tVf\tIm\tVu\tSig\tAch\tIERange\tOver\r\n"
CURVE_UNITS = "\t#\ts\tV vs. Ref.\tA\tV\tV\tV\t#\tbits\r\n"


def _curve_rows(t, v, i, start=0, decimal="."):
    lines = []
    for k, (tk, vk, ik) in enumerate(zip(t, v, i, strict=True)):
        row = f"\t{start + k}\t{tk:g}\t{vk:.6E}\t{ik:.6E}\t0\t0\t0\t6\t...........\r\n"
        lines.append(row.replace(".", ",") if decimal == "," else row)
    text = "".join(lines)
    # the status column's dots are not numbers: keep them as Gamry writes them
    return text.replace(",,,,,,,,,,,", "...........")


def gamry_cp(n=20, decimal=".", declared=None, tag="CHRONOP"):
    t = np.arange(n) * 0.5
    i = np.where(t < 5, 0.0, -1e-3)
    v = 3.7 + 0.1 * i * 100 - 0.001 * t
    head = GAMRY_HEAD.format(tag=tag, i1="-1.00000E-003")
    table = f"CURVE\tTABLE\t{declared}\r\n" if declared else "CURVE\tTABLE\r\n"
    return head + table + CURVE_NAMES + CURVE_UNITS + _curve_rows(t, v, i, decimal=decimal), (
        t,
        v,
        i,
    )


def test_gamry_chronopotentiometry_is_a_recording(write):
    text, (t, v, i) = gamry_cp()
    rec = read(write("cp.DTA", text))
    assert isinstance(rec, Recording)
    assert rec.meta["format"] == "gamry-dta" and rec.meta["technique"] == "CP"
    assert rec.meta["instrument"] == "Gamry REF600-12345"
    assert rec.meta["settings"]["NOTES"] == "cell 7"
    assert rec.meta["settings"]["CONDIT"] == {"on": False, "values": [15.0, 0.0]}
    np.testing.assert_allclose(rec.time, t)
    np.testing.assert_allclose(rec.voltage, v, rtol=1e-6)
    np.testing.assert_allclose(rec.current, i)
    assert "cycle" not in rec.data  # one unnumbered CURVE


def test_gamry_decimal_comma(write):
    text, (t, v, i) = gamry_cp(decimal=",")
    rec = read(write("cp_comma.DTA", text))
    np.testing.assert_allclose(rec.voltage, v, rtol=1e-6)
    np.testing.assert_allclose(rec.time, t)


def test_gamry_numbered_curves_are_cycles_on_one_time_axis(write):
    head = GAMRY_HEAD.format(tag="CV", i1="0")
    parts = []
    for c in (1, 2, 3):
        t = 10.0 * c + np.arange(5)
        parts.append(
            f"CURVE{c}\tTABLE\r\n" + CURVE_NAMES + CURVE_UNITS
            + _curve_rows(t, 0.1 * c + 0 * t, 1e-6 * c + 0 * t, start=5 * c)
        )  # fmt: skip
    rec = read(write("cv.DTA", head + "".join(parts)))
    assert rec.meta["technique"] == "CV"
    assert list(rec.data["cycle"]) == [1] * 5 + [2] * 5 + [3] * 5
    assert rec.time[5] == 20 and rec.current[-1] == pytest.approx(3e-6)


def test_gamry_open_circuit_has_zero_current(write):
    head = GAMRY_HEAD.format(tag="CORPOT", i1="0")
    names = "\tPt\tT\tVf\tVm\tAch\tOver\tTemp\r\n\t#\ts\tV vs. Ref.\tV\tV\tbits\tdeg C\r\n"
    rows = "".join(f"\t{k}\t{k * 0.5}\t3.{k:04d}\t3.1\t0\t...\t-327\r\n" for k in range(8))
    rec = read(write("ocp.DTA", head + "CURVE\tTABLE\r\n" + names + rows))
    assert rec.meta["technique"] == "OCV"
    assert np.all(rec.current == 0)
    assert any("no current column" in n for n in rec.meta["notes"])
    assert rec.voltage[3] == pytest.approx(3.0003)


def test_gamry_cut_last_row_and_missing_rows(write):
    text, (t, v, _) = gamry_cp(n=20, declared=30)
    cut = text.rstrip("\r\n")
    cut = cut[: cut.rindex("\t-1.0") + 6]  # inside the current of the last row
    with pytest.warns(TruncatedFileWarning) as caught:
        rec = read(write("cut.DTA", cut))
    assert len(caught) == 1
    msg = str(caught[0].message)
    assert msg.startswith(str(rec.source)) and "cut.DTA" in msg
    assert "the last row of CURVE is incomplete" in msg
    assert "declares 30 rows but the file holds 20 (10 missing)" in msg
    assert len(rec) == 19
    np.testing.assert_allclose(rec.voltage, v[:19], rtol=1e-6)


def test_gamry_aborted_eis_warns_with_the_sweep(write):
    head = GAMRY_HEAD.format(tag="EISPOT", i1="0").replace(
        "ISTEP1", "FREQINIT\tQUANT\t1.00000E+005\tInitial Freq\r\nFREQFINAL\tQUANT\t1.00000E-002"
        "\tFinal Freq\r\nVAC\tQUANT\t5.00000E+000\tAC Voltage (mV rms)\r\nX"
    )  # fmt: skip
    names = "\tPt\tTime\tFreq\tZreal\tZimag\tZsig\tZmod\tZphz\tIdc\tVdc\tIERange\r\n"
    units = "\t#\ts\tHz\tohm\tohm\tV\tohm\t°\tA\tV\t#\r\n"
    f = np.logspace(5, 2, 7)
    rows = "".join(
        f"\t{k}\t{k}\t{fk:.6g}\t{10 + k}\t{-1 - k}\t1\t0\t0\t1E-006\t0.5\t7\r\n"
        for k, fk in enumerate(f)
    )
    tail = "EXPERIMENTABORTED\tTOGGLE\tT\tExperiment Aborted\r\n"
    with pytest.warns(TruncatedFileWarning, match=r"aborted.*1e\+05 to 0\.01 Hz.*7 points"):
        s = read(write("eis.txt", head + "ZCURVE\tTABLE\r\n" + names + units + rows + tail))
    assert isinstance(s, Spectrum) and len(s) == 7  # read by content, whatever the suffix
    assert s.meta["ac_amplitude_V"] == pytest.approx(5e-3)
    assert s.data["z_imag_ohm"].iloc[-1] == -1  # 1e5 Hz: Zimag -1 as written
    assert s.data["dc_A"].iloc[0] == pytest.approx(1e-6)


@pytest.mark.parametrize(
    "body, error, words",
    [
        ("", FileFormatError, ["no ZCURVE", "CURVE", "none"]),
        ("OCVCURVE\tTABLE\t1\r\n" + CURVE_NAMES + CURVE_UNITS + "\t0\t0\t1\t0\r\n",
         FileFormatError, ["no ZCURVE", "OCVCURVE"]),
        ("CURVE\tTABLE\r\n" + CURVE_NAMES, TruncatedFileError, ["header of the CURVE table"]),
        ("CURVE\tTABLE\r\n" + CURVE_NAMES + CURVE_UNITS + "\t0\t0\t1\t0\t0\t0\t0\t6\t.\t9\t9\r\n",
         FileFormatError, ["CURVE table"]),
        ("CURVE\tTABLE\r\n\tPt\tTime\tVolts\r\n\t#\ts\tV\r\n\t0\t0\t1\r\n", MissingColumnError,
         ["no column 'T'"]),
    ],
)  # fmt: skip
def test_broken_gamry_files_are_refused_naming_the_file(write, body, error, words):
    head = GAMRY_HEAD.format(tag="CHRONOP", i1="0")
    with pytest.raises(error) as exc:
        read(write("broken.DTA", head + body))
    msg = str(exc.value)
    assert "broken.DTA" in msg and "\n" not in msg
    for w in words:
        assert w in msg


ZPLOT2 = (
    "ZPLOT2 ASCII\n  Measured Data, ZPlot:       3.3\n"
    "  Experiment Type:            Sweep Frequency, {control}\n"
    "  Date:                       01-02-2020\n  Time:                       10:00:00\n"
    "  Data Points:                {n}\n"
    "  Freq(Hz)\tAmpl\tBias\tTime(Sec)\tZ'(a)\tZ''(b)\tGD\tErr\tRange\nEnd Comments\n"
)


def _zplot_rows(f, bias, amp=0.01):
    return "".join(
        f"{fk:.6E}\t{amp:.4E}\t{bias:.4E}\t{k:.6E}\t{10 + k:.4E}\t{-1 - k:.4E}\t0\t0\t3\n"
        for k, fk in enumerate(f)
    )


def test_zplot_sweeps_at_several_biases_give_one_spectrum_each(write):
    f = np.logspace(4, 0, 9)
    text = ZPLOT2.format(control="Control Current", n=18)
    text += _zplot_rows(f, 1e-3, amp=1e-4) + _zplot_rows(f, 2e-3, amp=1e-4)
    specs = read(write("dc_sweep.z", text))
    assert [len(s) for s in specs] == [9, 9]
    assert specs[0].data["dc_A"].iloc[0] == pytest.approx(1e-3)
    assert specs[1].data["dc_A"].iloc[0] == pytest.approx(2e-3)
    assert specs[0].meta["ac_amplitude_A"] == pytest.approx(1e-4)
    assert "dc_V" not in specs[0].data


def test_zplot_cut_last_row(write):
    f = np.logspace(4, 0, 9)
    text = ZPLOT2.format(control="Control Voltage", n=9) + _zplot_rows(f, 0.0)
    with pytest.warns(TruncatedFileWarning) as caught:
        s = read(write("cut.z", text.rstrip("\n")[:-12]))
    assert len(s) == 8 and "1 row dropped" in str(caught[0].message)


def test_zplot_hand_trimmed_file_says_both_counts(write):
    f = np.logspace(4, 0, 12)
    text = ZPLOT2.format(control="Control Voltage", n=12) + _zplot_rows(f[:8], 0.0)
    with pytest.warns(TruncatedFileWarning) as caught:
        s = read(write("trimmed.z", text))
    assert len(s) == 8 and len(caught) == 1
    msg = str(caught[0].message)
    assert msg.startswith(str(s.meta["source"]))
    assert "the header says 12 points, 8 read: the file is cut short after its last " in msg
    assert msg.endswith("; 4 points missing")


def test_zplot_cut_inside_a_row_with_points_missing(write):
    f = np.logspace(4, 0, 12)
    text = ZPLOT2.format(control="Control Voltage", n=12) + _zplot_rows(f[:8], 0.0)
    with pytest.warns(TruncatedFileWarning) as caught:
        s = read(write("cut.z", text.rstrip("\n")[:-12]))
    msg = str(caught[0].message)
    assert len(s) == 7
    assert "says 12 points, 7 read: its last row is incomplete (cut mid-" in msg
    assert "5 points missing" in msg


def test_zplot_more_rows_than_the_header_says_is_a_note(write):
    f = np.logspace(4, 0, 9)
    text = ZPLOT2.format(control="Control Voltage", n=6) + _zplot_rows(f, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = read(write("more.z", text))
    assert len(s) == 9 and "says 6 points but the file holds 9 rows" in s.meta["notes"][-1]


def test_zplot_without_end_of_header(write):
    text = ZPLOT2.format(control="Control Voltage", n=9).replace("End Comments\n", "")
    with pytest.raises(TruncatedFileError, match="noend.z: .*End Comments"):
        read(write("noend.z", text))


def test_zplotw_layout_comma_separated(write):
    f = np.logspace(3, 1, 5)
    rows = "".join(f"{fk:.6E}, 1.0E-02, 0.0E+00, {k}.0, {5 + k}, {-2 - k}, 0, 0, 5\n"
                   for k, fk in enumerate(f))  # fmt: skip
    text = ('"ZPlotW Data File: Version 3.2c"\n"Raw Data"\n"Sweep Frequency: Control Voltage"\n'
            'Date: 12-17-2019    Time: 16:24:35\ncomment, with commas\n'
            '"Frequency"\n0,3,0,1,1000,0.005\n5\n'
            '"  Freq(Hz)    Ampl     Bias   Time(Sec)   Z\'(a)    Z\'\'(b)    GD   Err   Range"\n'
            + rows)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = read(write("w.z", text))
    assert s.meta["acquired"] == "12-17-2019 16:24:35"
    np.testing.assert_allclose(s.freq, f[::-1], rtol=1e-6)  # written with 7 digits
    assert s.data["z_imag_ohm"].iloc[-1] == -2


VERSA = (
    "<Application>\nName=VersaStudio\nVersion=2.60\n</Application>\n\n"
    "<Instrument>\nType=VersaSTAT3\nSN=42\n</Instrument>\n\n"
    "<Action1>\nName=Potentiostatic\nSegments=1\n</Action1>\n\n"
    "<Action2>\nAmplitude (mV RMS)=10\nPotential (V),Value=0.1\nPotential (V),Versus=vs OC\n"
    "Name=Potentiostatic EIS\nSegments=2\n</Action2>\n\n"
)
DEFINITION = (
    "Definition=Segment #, Point #, E(V), I(A), Elapsed Time(s), Frequency(Hz), Z Real, Z Imag, 0\n"
)


def test_versastudio_dc_segment_and_eis_segment(write):
    dc = "".join(f"0,{k},0.1,{1e-4 * (k + 1):.3E},{k:.1f},0,0,0\n" for k in range(6))
    f = np.logspace(4, 1, 7)
    eis = "".join(f"1,{k},0.1,1E-05,{10 + k},{fk:.6g},{20 + k},{-3 - k}\n"
                  for k, fk in enumerate(f))  # fmt: skip
    text = (VERSA + "<Segment1>\nType=1\n" + DEFINITION + dc + "</Segment1>\n\n"
            + "<Segment2>\nType=2\n" + DEFINITION + eis + "</Segment2>\n")  # fmt: skip
    rec, spec = read(write("run.par", text))
    assert isinstance(rec, Recording) and len(rec) == 6
    assert set(rec.data["step"]) == {1} and set(rec.data["technique"]) == {"Potentiostatic"}
    assert rec.current[-1] == pytest.approx(6e-4)
    assert spec.meta["technique"] == "PEIS" and spec.meta["step"] == 2
    assert len(spec) == 7 and spec.data["z_imag_ohm"].iloc[-1] == -3
    assert spec.meta["instrument"] == "VersaSTAT3 SN 42"
    assert spec.meta["ac_amplitude_V"] == pytest.approx(0.01)
    assert spec.meta["dc_potential"] == "0.1 V vs OC"


def test_versastudio_segment_without_definition(write):
    text = VERSA + "<Segment1>\nType=1\n0,0,0.1,1E-4,0,0,0,0\n</Segment1>\n"
    with pytest.raises(FileFormatError, match=r"nodef\.par: .*Segment1.*Definition="):
        read(write("nodef.par", text))


def test_versastudio_row_longer_than_definition(write):
    text = VERSA + "<Segment1>\n" + DEFINITION + "0,0,0.1,1E-4,0,0,0,0,0,0,0\n</Segment1>\n"
    with pytest.raises(FileFormatError, match=r"long\.par: .*11 values.*8 columns"):
        read(write("long.par", text))


def test_nova_export_semicolons_decimal_comma(write):
    f = np.logspace(4, -1, 11)
    rows = "".join(
        f"{k + 1};{fk:.6g};{10 + k:.4f};{1 + k:.4f};1;1;{k}\n".replace(".", ",")
        for k, fk in enumerate(f)
    )
    text = "Index;Frequency (Hz);Z' (Ω);-Z'' (Ω);Z (Ω);-Phase (°);Time (s)\n" + rows
    s = read(write("nova.txt", text.encode("utf-8")))
    assert s.meta["format"] == "autolab-nova"
    assert s.meta["instrument"] == "Metrohm Autolab (NOVA)"
    np.testing.assert_allclose(s.freq, np.sort(np.round(f, 6)), rtol=1e-5)
    assert s.data["z_imag_ohm"].iloc[0] == pytest.approx(-11.0)  # -Z'' = 11 at 0.1 Hz
    assert s.data["z_real_ohm"].iloc[0] == pytest.approx(20.0)


def test_chi_time_series_export(write):
    rows = "".join(f"{0.1 * k:.3f}, {3.7 - 0.001 * k:.4e}, {-1e-3:.3e}\n" for k in range(1, 30))
    text = ("Mar. 1, 2021   10:00:00\nChronopotentiometry\nFile: c:\\x.bin\n"
            "Instrument Model:  CHI760E\nHeader: \nNote: \n\nCathodic Current (A) = 1e-3\n\n"
            "Time/sec, Potential/V, Current/A\n\n" + rows)  # fmt: skip
    rec = read(write("cp.txt", text))
    assert rec.meta["format"] == "chi-text" and rec.meta["technique"] == "CP"
    assert rec.meta["instrument"] == "CHI760E"
    assert rec.meta["settings"]["Cathodic Current (A)"] == "1e-3"
    assert len(rec) == 29 and rec.current[0] == pytest.approx(-1e-3)


def test_powersuite_and_parstat_sniffed_by_header(write):
    p = write("a.dat", "Frequency\t Zre\t Zimg\r\r\n10\t 5\t -1\r\r\n1\t 6\t -2\r\r\n")
    assert read(p).meta["format"] == "powersuite-text"
    header = (
        "Potential (V)\tCurrent (A)\tElapsed Time (s)\tFrequency (Hz)\tZre (ohms)\tZim (ohms)\t"
    )
    rows = "3.5\t0.1\t1\t0\t0\t0\t\n3.5\t0.1\t2\t100\t1\t-1\t\n3.5\t0.1\t3\t10\t2\t-2\t\n"
    rec, spec = read(write("b.csv", header + "\n" + rows))
    assert rec.meta["format"] == spec.meta["format"] == "parstat-text"
    assert len(rec) == 1 and len(spec) == 2


def test_headerless_table_with_minus_zimag_is_negated_and_said(write):
    f = np.logspace(3, -1, 17)
    z = 5 + 50 / (1 + 1j * 2 * np.pi * f * 1e-3)
    rows = "".join(
        f"{fk:.17g},{zk.real:.17g},{-zk.imag:.17g}\n" for fk, zk in zip(f, z, strict=True)
    )
    s = read(write("minus.csv", rows))
    np.testing.assert_allclose(s.z, z[::-1], rtol=1e-12)
    assert "negated" in s.meta["notes"][0]


def test_headerless_time_series_is_not_taken_for_a_spectrum(write):
    rows = "".join(f"{k + 1},{3.5 + 0.01 * k},{0.001}\n" for k in range(20))
    with pytest.raises(MissingColumnError, match="series.csv: .*no header row"):
        read(write("series.csv", rows))


def test_every_new_reader_is_listed():
    names = {r.name for r in readers()}
    assert {
        "gamry-dta", "zplot", "versastudio-par", "chi-text", "parstat-text",
        "powersuite-text", "autolab-nova", "autolab-dfr", "ivium", "parstat-p00",
    } <= names  # fmt: skip


def test_a_point_count_in_superscript_digits_is_not_a_number(write):
    """Found by the fuzzer: a ZPlotW point count '7¹' passed str.isdigit() but not int();
    counts are read only from decimal digits, and the file is judged on its rows."""
    from ohmslice.errors import InputError

    data = (
        b'"ZPlotW Data File: Version 3.2c"\n"Data"\nDate: 12-05\n7\xb9\n'
        b"\"  Freq(Hz)    Ampl     Bias   Time(Sec)   Z'(a)    Z''(b)    GD   Err   Range\"\n"
        b"1.000000E+05, 1.0000E-02, 0.0000E+00, 2.5, 1.0000E+01, -2.0E+00, 0, 0, 1\n"
    )
    try:
        read(write("superscript.z", data))
    except InputError as exc:  # whatever the verdict on one point: one clear line
        assert "superscript.z" in str(exc) and "\n" not in str(exc)
