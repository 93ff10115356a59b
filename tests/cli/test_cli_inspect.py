"""``ohmslice inspect``: a summary per file; bad files give one red line and exit code 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from ohmslice.cli import app

runner = CliRunner()

GITT_CSV_HEADER = "Time (s),Voltage (V),Current (mA)\n"


def _gitt_csv(path: Path, pulses: int = 3) -> Path:
    """Rest 20 s, then `pulses` x (discharge -1 mA for 10 s, rest 30 s), 1 s sampling."""
    t = np.arange(20 + pulses * 40, dtype=float)
    phase = (t - 20) % 40
    i = np.where((t >= 20) & (phase < 10), -1.0, 0.0)
    v = 3.8 - 0.002 * np.cumsum(i < 0) + 0.05 * i
    rows = "\n".join(f"{a:.1f},{b:.5f},{c:.3f}" for a, b, c in zip(t, v, i, strict=True))
    path.write_text(GITT_CSV_HEADER + rows + "\n")
    return path


def _out(result) -> str:
    text = result.output
    try:
        text += result.stderr
    except (ValueError, AttributeError):
        pass
    return text


def test_good_file(tmp_path):
    p = _gitt_csv(tmp_path / "gitt.csv")
    res = runner.invoke(app, ["inspect", str(p)])
    assert res.exit_code == 0, _out(res)
    out = _out(res)
    assert "gitt.csv" in out
    assert "140 rows" in out
    assert "3 constant-current, 4 rest" in out  # from ohmslice.dc.pulses.segment
    assert "-1 mA" in out and "3.8" in out


def test_spectrum_file(tmp_path):
    p = tmp_path / "eis.csv"
    p.write_text("Frequency (Hz),Z' (Ohm),-Z'' (Ohm)\n100000,10,1\n10,20,8\n0.1,40,3\n")
    res = runner.invoke(app, ["inspect", str(p)])
    assert res.exit_code == 0, _out(res)
    out = _out(res)
    assert "1 sweep(s) of 3 points" in out
    assert "100 mHz" in out and "100 kHz" in out


@pytest.mark.parametrize(
    "name, data",
    [
        ("foreign.mpr", b"\x89PNG\r\n\x1a\n" + bytes(200)),
        ("empty.mpt", b""),
        ("cut.mpt", b"EC-Lab ASCII FILE\r\nNb header lines : 40\r\n\r\nModulo Bat\r\n"),
    ],
)
def test_bad_file_exit_2_and_names_file(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    res = runner.invoke(app, ["inspect", str(p)])
    assert res.exit_code == 2
    out = _out(res)
    assert name in out and "error" in out
    assert "Traceback" not in out


def test_missing_file(tmp_path):
    res = runner.invoke(app, ["inspect", str(tmp_path / "nothere.mpr")])
    assert res.exit_code == 2
    assert "nothere.mpr" in _out(res)


def test_several_files_report_good_ones_and_fail(tmp_path):
    good = _gitt_csv(tmp_path / "good.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("")
    res = runner.invoke(app, ["inspect", str(bad), str(good)])
    assert res.exit_code == 2
    out = _out(res)
    assert "bad.csv" in out and "good.csv" in out and "140 rows" in out


def test_real_files(shared_data):
    files = sorted(str(p) for p in (shared_data / "biologic").iterdir())
    res = runner.invoke(app, ["inspect", *files])
    assert res.exit_code == 0, _out(res)
    out = _out(res)
    assert "MB, PEIS" in out and "8 sweep(s) of 70 points" in out
    assert "[biologic-mpr]" in out  # rich markup escaped
    assert "started" in out and "2021-08-23" in out and "08/23/2021" in out


def test_truncated_real_mpr(shared_data, tmp_path):
    p = tmp_path / "half.mpr"
    p.write_bytes((shared_data / "biologic" / "peis.issue_149.mpr").read_bytes()[:5000])
    res = runner.invoke(app, ["inspect", str(p)])
    assert res.exit_code == 2
    assert "half.mpr" in _out(res)
