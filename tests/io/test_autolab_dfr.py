"""Metrohm Autolab / Eco Chemie FRA ``.dfr`` files, written here in the layout of the
public sample pyimpspec tests with (``tests/data.dfr``): ``VERSION8.0``, the point count,
one more value, nine lines per point (frequency, Z', -Z'', six more), then closing lines
with two date-times; every value on a line of its own after a space."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from typer.testing import CliRunner

from ohmslice.cli import app
from ohmslice.errors import FileFormatError, TruncatedFileError, TruncatedFileWarning
from ohmslice.io import read
from ohmslice.io._registry import NO, YES
from ohmslice.io.autolab_dfr import sniff

F = np.logspace(5, -1, 25)
Z = 20 + 300 / (1 + (1j * 2 * np.pi * F * 1e-3) ** 0.9)
TRAILER = ["1.0", "1.0", "1.0", "13.07.2022 22:32:00", "12.11.2018 22:33:00"] + ["2.0"] * 5


def dfr(points: int | None = None, declared: int | None = None, trailer: bool = True) -> str:
    lines = ["VERSION8.0", f" {declared if declared is not None else len(F)}", " 1"]
    for f, z in zip(F, Z, strict=True):
        lines += [f" {float(f)!r}", f" {float(z.real)!r}", f" {float(-z.imag)!r}"] + [" 0.0"] * 6
    lines = lines[: 3 + 9 * points] if points is not None else lines
    if trailer:
        lines += TRAILER
    return "\n".join(lines) + "\n"


def test_values_sign_and_settings(write):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = read(write("fra.dfr", dfr()))
    assert s.meta["format"] == "autolab-dfr" and s.meta["technique"] == "EIS"
    assert s.meta["instrument"] == "Metrohm Autolab (FRA .dfr)"
    order = np.argsort(F)
    np.testing.assert_allclose(s.freq, F[order], rtol=1e-15)
    np.testing.assert_allclose(s.z, Z[order], rtol=1e-15)  # written with repr: exact
    assert (s.data["z_imag_ohm"] < 0).all()  # the file holds -Z'' > 0
    settings = s.meta["settings"]
    assert settings["version"] == "8.0" and settings["points"] == 25
    assert settings["trailer"] == TRAILER


def test_sniff(write):
    assert sniff(dfr().encode()) == YES
    assert read(write("fra.txt", dfr())).meta["format"] == "autolab-dfr"
    assert sniff(b"VERSION 2 of my notes\nhello\n") == NO
    assert sniff(b"Frequency,Zre,Zim\n1,2,3\n") == NO


def test_cut_inside_a_point(write):
    text = dfr(points=12, trailer=False) + " 0.0\n 0.0\n 0.0\n 0.0"  # 4 lines of point 13
    with pytest.warns(TruncatedFileWarning) as caught:
        s = read(write("cut.dfr", text))
    assert len(s) == 12 and len(caught) == 1
    msg = str(caught[0].message)
    assert "cut.dfr" in msg and "says 25 points, 12 read" in msg
    assert "point 13 has 4 of its 9 lines" in msg and "13 points missing" in msg
    np.testing.assert_allclose(s.freq, np.sort(F[:12]))


def test_cut_after_a_complete_point(write):
    with pytest.warns(TruncatedFileWarning, match=r"says 25 points, 20 read: .*5 points missing"):
        s = read(write("short.dfr", dfr(points=20, trailer=False)))
    assert len(s) == 20


def test_all_points_without_closing_lines_is_a_note(write):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = read(write("nofoot.dfr", dfr(trailer=False)))
    assert len(s) == 25 and "closing lines" in s.meta["notes"][-1]


def test_cut_before_the_first_point_is_an_error(write):
    with pytest.raises(TruncatedFileError, match=r"first\.dfr: .*25 points.*5 of the 9 lines"):
        read(write("first.dfr", "\n".join(dfr().split("\n")[:8])))


def test_a_word_among_the_values(write):
    lines = dfr().split("\n")
    lines[3 + 9 * 4 + 1] = " n/a"  # Z' of point 5
    with pytest.raises(
        FileFormatError, match=r"word\.dfr: line 41 reads 'n/a' where Z' of point 5"
    ):
        read(write("word.dfr", "\n".join(lines)))


def test_inspect_names_vendor_and_technique(write):
    p = write("fra.dfr", dfr())
    out = CliRunner().invoke(app, ["inspect", str(p)], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "Metrohm Autolab" in out.output and "[autolab-dfr]" in out.output
    assert "EIS" in out.output and "25 points" in out.output
