"""Ivium ``.idf`` / ``.ids`` files, written here in the layout of the public samples
pyimpspec tests with (``tests/data.idf``, ``tests/data.ids``): 16 zero bytes, then blocks
of ``key=value`` lines each preceded by its length (4 bytes, little endian) and CR LF,
then the data objects (names and counts padded with spaces, rows of Z', Z'', f in
``%.5E``), closed by two lines of four zero bytes; an ``.ids`` is several of them."""

from __future__ import annotations

import struct
import warnings

import numpy as np
import pytest
from typer.testing import CliRunner

from ohmslice.cli import app
from ohmslice.errors import FileFormatError, TruncatedFileError, TruncatedFileWarning
from ohmslice.io import read
from ohmslice.io._registry import NO, YES
from ohmslice.io.ivium import sniff

F = np.logspace(5, 0, 21)


def impedance(r0: float) -> np.ndarray:
    return r0 + 400 / (1 + (1j * 2 * np.pi * F * 2e-5 * 400) ** 0.85)


def _block(lines: list[str], eol: str) -> bytes:
    body = "".join(ln + eol for ln in lines).encode("latin-1")
    return struct.pack("<I", len(body)) + eol.encode() + body


def _pad(word: str | int, width: int) -> str:
    return f"{word!s:<{width}}"


def measurement(
    z: np.ndarray,
    *,
    title: str = "Test",
    e_start: float = 0.0,
    method: str = "Impedance",
    technique: str = "Constant E",
    eol: str = "\r\n",
    first: bool = True,
) -> bytes:
    """One measurement as an .idf writes it (``first``: with the 16 zero bytes)."""
    options = ["Peaks=false", "Corrosion=false", "Levels=false", "ECN=false", "Solarcell=false"]
    info = ["starttime=", "endtime=", "serialnumber=", "software=", "firmware="]
    info += ["timing=3"] + [f"timing.time[{k}]={1.5 * k}" for k in (1, 2, 3)] + ["config1=80"]
    report = "\x1c\x1e".join(
        [
            "instrument  : A12345", "channel     : 0", "software vs : 4.1", "firmware vs : 7",
            "hw config   : IviumStat+HiSens+FRA60Hz", "start time  : 12.05.2023 10:15:02",
            "end time    : 12.05.2023 10:16:40", "endcondition: normal", "",
        ]
    )  # fmt: skip
    setup = [f"Method={method}", f"Technique={technique}", "Dconfig=0", f"Title={title}"]
    setup += [f"E start={e_start:g}", f"Frequencies={len(F)}"]
    for k, f in enumerate(F, start=1):
        setup += [f"Frequencies.freq[{k}]={f:.15g}", f"Frequencies.amp[{k}]=0.01"]
    setup += ["Data Options=", "Data Options.Area=1", "AUX=false", "Report=", "Report.Remarks="]
    setup += [f"Report.Process data={report}", "Mconfig=0"]
    rows = [
        _pad(f"{zk.real:.5E}", 13) + f"{zk.imag:.5E}\t" + f"{fk:.5E} "
        for zk, fk in zip(z, F, strict=True)
    ]
    data = ["2", "Data Objects", "0", "primary_data", "3", str(len(F))]
    data = [_pad(w, 16 if w[0].isalpha() else 10) for w in data] + rows
    data += [_pad("7", 10), _pad("osc_data", 16), _pad("0", 10)]
    out = (b"\x00" * 16 if first else b"") + _block(options, eol) + _block(info, eol)
    out += _block(setup, eol) + _block(data, eol)
    return out + f"\x00\x00\x00\x00{eol}\x00\x00\x00\x00{eol}".encode()


def _quiet_read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return read(path)


def test_idf_values_and_metadata(write):
    z = impedance(100.0)
    s = _quiet_read(write("eis.idf", measurement(z, e_start=0.25)))
    assert s.meta["format"] == "ivium" and s.meta["technique"] == "PEIS"
    order = np.argsort(F)
    np.testing.assert_allclose(s.freq, F[order], rtol=1e-5)  # written with 6 digits
    np.testing.assert_allclose(s.z, z[order], rtol=1e-5)
    assert (s.data["z_imag_ohm"] < 0).all()  # Ivium writes Z'' with its sign
    assert s.meta["title"] == "Test"
    assert s.meta["dc_potential_V"] == 0.25 and s.meta["ac_amplitude_V"] == 0.01
    assert s.meta["instrument"] == "IviumStat+HiSens+FRA60Hz (SN A12345)"
    assert s.meta["acquired"] == "12.05.2023 10:15:02"
    assert s.meta["settings"]["report"]["endcondition"] == "normal"
    assert s.meta["settings"]["Frequencies"] == str(len(F))


def test_ids_gives_one_spectrum_per_measurement(write):
    za, zb = impedance(100.0), impedance(150.0)
    data = measurement(za, title="E0", e_start=0.0)
    data += measurement(zb, title="E1", e_start=0.1, first=False)
    a, b = _quiet_read(write("set.ids", data))
    assert (a.meta["title"], b.meta["title"]) == ("E0", "E1")
    assert (a.meta["dc_potential_V"], b.meta["dc_potential_V"]) == (0.0, 0.1)
    assert (a.meta["measurement"], b.meta["measurement"]) == (1, 2)
    np.testing.assert_allclose(b.z, zb[np.argsort(F)], rtol=1e-5)
    assert a.meta["settings"]["E start"] == "0" and b.meta["settings"]["E start"] == "0.1"


def test_line_feeds_only_read_the_same(write):
    """pyimpspec's .ids sample has LF line ends (its block lengths no longer match)."""
    z = impedance(100.0)
    crlf = _quiet_read(write("a.idf", measurement(z)))
    lf = _quiet_read(write("b.idf", measurement(z, eol="\n")))
    np.testing.assert_array_equal(lf.z, crlf.z)


def test_galvanostatic_technique(write):
    s = _quiet_read(write("g.idf", measurement(impedance(100.0), technique="Constant I")))
    assert s.meta["technique"] == "GEIS" and "dc_potential_V" not in s.meta


def test_other_methods_are_not_read(write):
    # an invented non-impedance measurement: what its three columns hold is not documented
    other = measurement(impedance(100.0), method="CyclicVoltammetry", technique="Standard")
    with pytest.raises(FileFormatError, match=r"cv\.idf: .*CyclicVoltammetry.*impedance data only"):
        read(write("cv.idf", other))
    both = other + measurement(impedance(120.0), first=False)
    s = _quiet_read(write("mixed.ids", both))
    assert s.meta["measurement"] == 2 and "CyclicVoltammetry" in s.meta["notes"][0]


def test_cut_inside_a_number(write):
    data = measurement(impedance(100.0))
    end = data.index(b"1.77828E+00") + 8  # row 20 of 21 ends in "1.77828E"
    with pytest.warns(TruncatedFileWarning) as caught:
        s = read(write("cut.idf", data[:end]))
    msg = str(caught[0].message)
    assert len(s) == 19 and len(caught) == 1
    assert "cut.idf" in msg and "measurement 1 ('Test') says 21 rows, 19 read" in msg
    assert "incomplete" in msg and "2 rows missing" in msg


def test_cut_in_the_header_of_the_next_measurement(write):
    data = measurement(impedance(100.0)) + measurement(impedance(120.0), first=False)[:300]
    with pytest.warns(TruncatedFileWarning, match=r"header of measurement 2") as caught:
        s = read(write("cut.ids", data))
    assert len(s) == len(F) and len(caught) == 1


def test_cut_before_the_first_row(write):
    data = measurement(impedance(100.0))
    with pytest.raises(TruncatedFileError, match=r"first\.idf: .*before its 'primary_data'"):
        read(write("first.idf", data[: data.index(b"Data Objects")]))


def test_sniff():
    data = measurement(impedance(100.0))
    assert sniff(data[:8192]) == YES
    assert sniff(b"Method=mine\nTechnique=also mine\n") == NO
    assert sniff(b"\x00" * 64) == NO


def test_inspect_names_vendor_and_technique(write):
    p = write("eis.idf", measurement(impedance(100.0)))
    out = CliRunner().invoke(app, ["inspect", str(p)], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "Ivium data file" in out.output and "[ivium]" in out.output
    assert "PEIS" in out.output and "IviumStat" in out.output
