"""Neware BTS ``.nda`` / ``.ndax`` through NewareNDA: the real files of ../shared/data/neware
against NewareNDA's own reference tables (``.ftr`` beside each file), sniffing by content,
cut and foreign files, ``ohmslice inspect`` and the pulse analyses on a cycling record."""

from __future__ import annotations

import io
import shutil
import struct
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import ohmslice
from ohmslice.cli import app
from ohmslice.errors import (
    AnalysisInputError,
    DuplicateTimeWarning,
    FileFormatError,
    InputError,
    TruncatedFileError,
    TruncatedFileWarning,
    UnitWarning,
)
from ohmslice.io import neware, read
from ohmslice.io._registry import MAYBE, NO, YES
from ohmslice.schema import Recording

FILES = ("TestFile.nda", "new_nda_file.nda", "Unit27_Example.ndax")
#: The canonical columns that decide whether Recording drops a row as a repeat of the last.
_SAME_ROW = [
    "Time", "Voltage", "Current(mA)", "Step", "Cycle", "Charge_Capacity(mAh)",
    "Discharge_Capacity(mAh)", "Status",
]  # fmt: skip
CHARGING = {"CC_Chg", "CV_Chg", "CCCV_Chg", "CP_Chg", "CPCV_Chg"}
DISCHARGING = {"CC_DChg", "CV_DChg", "CCCV_DChg", "CP_DChg", "CR_DChg", "CPCV_DChg"}


@pytest.fixture(scope="module")
def neware_dir(shared_data) -> Path:
    d = shared_data / "neware"
    if not d.is_dir():
        pytest.skip(f"Neware files not found at {d}")
    return d


def _read(path: Path) -> tuple[Recording, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec = read(path)
    assert isinstance(rec, Recording)
    return rec, list(caught)


@pytest.fixture(scope="module")
def recs(neware_dir) -> dict[str, tuple[Recording, list]]:
    return {name: _read(neware_dir / name) for name in FILES}


def _reference(neware_dir: Path, name: str) -> pd.DataFrame:
    """NewareNDA's reference table of ``name``, one row per record Index (the Unit27
    reference, written by an older NewareNDA, holds record 1 twice; NewareNDA now keeps the
    first)."""
    ref = pd.read_feather(neware_dir / f"{Path(name).stem}.ftr")
    return ref.drop_duplicates(subset="Index", keep="first").reset_index(drop=True)


def _kept(ref: pd.DataFrame) -> np.ndarray:
    """Rows a Recording keeps: not identical in every canonical column to the row before."""
    cols = _SAME_ROW + [c for c in ("T1",) if c in ref]
    a = ref[cols].astype(object).to_numpy()
    same = (a[1:] == a[:-1]).all(axis=1)
    return np.r_[True, ~same]


# --- the reference tables ----------------------------------------------------------------
@pytest.mark.parametrize("name", FILES)
def test_rows_voltage_current_match_newarenda_reference(neware_dir, recs, name):
    rec, _ = recs[name]
    ref = _reference(neware_dir, name)
    kept = _kept(ref)
    assert rec.meta["rows_in_file"] == len(ref)
    assert len(rec) == int(kept.sum())
    ref = ref[kept].reset_index(drop=True)
    np.testing.assert_array_equal(rec.voltage, ref["Voltage"].to_numpy(dtype=float))
    np.testing.assert_array_equal(rec.current, ref["Current(mA)"].to_numpy(dtype=float) * 1e-3)
    np.testing.assert_array_equal(rec.data["cycle"], ref["Cycle"].to_numpy(dtype=np.int64))
    assert list(rec.data["technique"]) == list(ref["Status"].astype(str))


def test_a_repeated_record_is_dropped_once(recs, neware_dir):
    # TestFile.nda holds records 6622 and 6623 with equal values in every column
    rec, _ = recs["TestFile.nda"]
    assert rec.meta["rows_in_file"] - len(rec) == 1
    assert int((~_kept(_reference(neware_dir, "TestFile.nda"))).sum()) == 1


@pytest.mark.parametrize("name", FILES)
def test_complete_files_read_without_truncation_or_time_warnings(recs, name):
    _, caught = recs[name]
    kinds = {w.category for w in caught}
    assert not kinds & {TruncatedFileWarning, DuplicateTimeWarning}, [
        str(w.message) for w in caught
    ]


def test_no_unit_warning_on_testfile(recs):
    """TestFile.nda's last rest holds a 3-record glitch down to 1.72 V: the unit check
    reads the rest voltages' percentiles, not their extremes, so it does not take it for
    a change of state of charge passed with almost no charge (mA read as A)."""
    _, caught = recs["TestFile.nda"]
    assert not [w for w in caught if issubclass(w.category, UnitWarning)]


def test_current_sign_charges_positive(recs):
    for name in ("TestFile.nda", "new_nda_file.nda"):
        d = recs[name][0].data
        tech, i = d["technique"].astype(str), d["current_A"]
        assert (i[tech.isin(CHARGING)] >= 0).all() and (i[tech.isin(CHARGING)] > 0).any()
        assert (i[tech.isin(DISCHARGING)] <= 0).all() and (i[tech.isin(DISCHARGING)] < 0).any()
        assert (i[tech == "Rest"] == 0).all()


def test_columns_and_meta(neware_dir, recs):
    rec, _ = recs["TestFile.nda"]
    ref = _reference(neware_dir, "TestFile.nda")[lambda r: _kept(r)].reset_index(drop=True)
    m = rec.meta
    assert m["format"] == "neware" and m["instrument"] == "Neware BTS"
    assert m["technique"] is None
    assert m["columns"]["current_A"] == "Current(mA)" and m["columns"]["step"] == "Step_Index"
    assert m["settings"]["nda_version"] == 130 and "acquisition_start" in m["settings"]
    assert m["software"].startswith("BTS 9.1")
    d = rec.data
    np.testing.assert_array_equal(d["step"], ref["Step"])  # one schedule step per step here
    np.testing.assert_array_equal(d["temperature_C"], ref["T1"].to_numpy(dtype=float))
    assert set(d["technique"]) == {"Rest", "CC_DChg", "CC_Chg", "CV_Chg"}


def test_charge_is_net_charge_from_the_capacities(recs):
    d = recs["TestFile.nda"][0].data
    t, i, q = d["time_s"].to_numpy(), d["current_A"].to_numpy(), d["charge_Ah"].to_numpy()
    integral = np.r_[0.0, np.cumsum(0.5 * (i[1:] + i[:-1]) * np.diff(t))] / 3600.0
    ends = np.r_[np.flatnonzero(np.diff(d["step"].to_numpy())), len(d) - 1]
    np.testing.assert_allclose(q[ends], integral[ends], atol=1e-3)  # A h, of 3.8 A h moved
    assert q[ends[1]] == pytest.approx(-3.790168, abs=1e-6)  # the first discharge, in A h


# --- time --------------------------------------------------------------------------------
def test_time_from_timestamps_where_they_tick_with_time(neware_dir, recs):
    rec, _ = recs["Unit27_Example.ndax"]
    ref = _reference(neware_dir, "Unit27_Example.ndax")
    assert rec.meta["columns"]["time_s"] == "Timestamp"
    assert any("Timestamp" in n for n in rec.meta["notes"])
    np.testing.assert_allclose(rec.time, ref["Time"].to_numpy(dtype=float), atol=1e-3)


def test_time_from_time_where_the_clock_goes_back(neware_dir, recs):
    rec, _ = recs["TestFile.nda"]
    ref = _reference(neware_dir, "TestFile.nda")[lambda r: _kept(r)]
    assert rec.meta["columns"]["time_s"] == "Time"
    assert any("goes back" in n for n in rec.meta["notes"])
    np.testing.assert_array_equal(rec.time, ref["Time"].to_numpy(dtype=float))  # runs on


def test_time_is_step_time_summed_where_stamps_are_coarse(neware_dir, recs):
    rec, _ = recs["new_nda_file.nda"]
    ref = _reference(neware_dir, "new_nda_file.nda")
    assert rec.meta["columns"]["time_s"] == "Time"
    assert any("summed over the steps" in n and "1 s resolution" in n for n in rec.meta["notes"])
    step_time = ref["Time"].to_numpy(dtype=float)
    last = ref.groupby("Step")["Time"].last().to_numpy(dtype=float)
    assert rec.time[-1] == pytest.approx(last.sum(), abs=1e-4)
    within = np.diff(ref["Step"].to_numpy()) == 0
    np.testing.assert_allclose(np.diff(rec.time)[within], np.diff(step_time)[within], atol=1e-6)
    assert (np.diff(rec.time) > 0).all()


def test_columns_force_time_and_pick_temperature(neware_dir):
    p = neware_dir / "Unit27_Example.ndax"
    by_time = read(p, columns={"time_s": "Time", "temperature_C": "T2"})
    assert by_time.meta["columns"]["time_s"] == "Time"
    np.testing.assert_allclose(by_time.time, read(p).time, atol=1e-3)
    assert by_time.meta["columns"]["temperature_C"] == "T2"
    with pytest.raises(InputError, match="time_s"):
        read(p, columns={"voltage_V": "V1"})
    with pytest.raises(InputError, match="T9"):
        read(p, columns={"temperature_C": "T9"})


# --- sniffing ----------------------------------------------------------------------------
@pytest.mark.parametrize("name, alias", [("TestFile.nda", "cycling.csv"),
                                         ("new_nda_file.nda", "cycling.mpt"),
                                         ("Unit27_Example.ndax", "cycling.xlsx")])  # fmt: skip
def test_content_beats_suffix(neware_dir, recs, tmp_path, name, alias):
    copy = tmp_path / alias
    shutil.copyfile(neware_dir / name, copy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnitWarning)
        rec = read(copy)
    assert rec.meta["format"] == "neware"
    np.testing.assert_array_equal(rec.voltage, recs[name][0].voltage)


def test_sniff(neware_dir):
    for name in FILES:
        assert neware.sniff((neware_dir / name).read_bytes()[:8192]) == YES
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    assert neware.sniff(other.getvalue()) == NO  # an .xlsx is a zip too
    assert neware.sniff(b"\x89PNG\r\n\x1a\n" + bytes(100)) == NO
    assert neware.sniff(b"time,voltage\n1,2\n") == NO
    assert neware.sniff(b"NEWARE??") == MAYBE
    assert neware.sniff(b"PK\x03\x04\x14\x00") == MAYBE  # cut inside its first header


# --- bad input: one InputError naming the file -------------------------------------------
@pytest.mark.parametrize(
    "name, keep",
    [
        ("TestFile.nda", 600),  # inside the 1024-byte header
        ("TestFile.nda", 1040),  # inside the first record
        ("new_nda_file.nda", 50_000),  # before the first record of a version-29 file
        ("Unit27_Example.ndax", 3000),  # zip without its directory
        ("Unit27_Example.ndax", 5843),  # the last byte of the directory missing
    ],
)
def test_truncated_copy_is_one_clear_error(neware_dir, tmp_path, name, keep):
    cut = tmp_path / f"cut_{name}"
    cut.write_bytes((neware_dir / name).read_bytes()[:keep])
    with pytest.raises(TruncatedFileError) as exc:
        read(cut)
    msg = str(exc.value)
    assert str(cut) in msg and "\n" not in msg


def test_copy_cut_among_its_records_reads_what_is_there(neware_dir, recs, tmp_path):
    data = (neware_dir / "TestFile.nda").read_bytes()
    cut = tmp_path / "running.nda"
    cut.write_bytes(data[: len(data) // 2 + 7])  # mid-record
    with pytest.warns(TruncatedFileWarning, match="running.nda") as caught:
        rec = read(cut)
    text = str(next(w.message for w in caught if w.category is TruncatedFileWarning))
    assert "3 497 records" in text and "incomplete" in text
    full = recs["TestFile.nda"][0]
    np.testing.assert_array_equal(rec.voltage, full.voltage[: len(rec)])
    assert rec.meta["warnings"]


def _v29_records_start(data: bytes) -> int:
    """Where the 86-byte records of new_nda_file.nda (version 29) begin, found here
    independently: the first record Index 1 (bytes 2-5 of a ``55 00`` record)."""
    at = data.index(b"\x55\x00" + struct.pack("<I", 1))
    assert data[14] == 29 and (len(data) - at) % 86 == 0  # a complete file: whole records
    return at


@pytest.mark.parametrize("extra", [30, 85])
def test_version_29_copy_cut_inside_a_record_warns(neware_dir, recs, tmp_path, extra):
    data = (neware_dir / "new_nda_file.nda").read_bytes()
    start = _v29_records_start(data)
    cut = tmp_path / "running29.nda"
    cut.write_bytes(data[: start + 200 * 86 + extra])  # 200 records and part of one
    with pytest.warns(TruncatedFileWarning) as caught:
        rec = read(cut)
    texts = [str(w.message) for w in caught if w.category is TruncatedFileWarning]
    assert len(texts) == 1 and str(cut) in texts[0]
    assert f"ends inside a record ({extra} of its 86 bytes" in texts[0]
    records = sum(data[start + 86 * k] == 0x55 for k in range(200))  # data records kept
    assert f"read {records} complete records" in texts[0]
    full = recs["new_nda_file.nda"][0]
    np.testing.assert_array_equal(rec.voltage, full.voltage[: len(rec)])
    assert rec.meta["warnings"] == texts


def test_version_29_file_ending_in_zero_bytes_warns(neware_dir, tmp_path):
    data = (neware_dir / "new_nda_file.nda").read_bytes()
    start = _v29_records_start(data)
    crashed = tmp_path / "crashed29.nda"
    crashed.write_bytes(data[: start + 150 * 86] + bytes(8192))
    with pytest.warns(TruncatedFileWarning, match=r"crashed29\.nda: .*zero bytes") as caught:
        read(crashed)
    assert len([w for w in caught if w.category is TruncatedFileWarning]) == 1


def test_version_29_complete_file_has_no_truncation_warning(neware_dir):
    data = (neware_dir / "new_nda_file.nda").read_bytes()
    _v29_records_start(data)  # the file is a whole number of records
    with warnings.catch_warnings():
        warnings.simplefilter("error", TruncatedFileWarning)
        read(neware_dir / "new_nda_file.nda")


@pytest.mark.parametrize(
    "name, data, match",
    [
        ("picture.nda", b"\x89PNG\r\n\x1a\n" + bytes(300), "not a file format"),
        ("future.nda", b"NEWARE20990101" + bytes([77]) + bytes(2000), "version 77"),
        ("notes.ndax", b"PK\x03\x04", "zip directory"),
    ],
)
def test_foreign_or_unknown_file_is_one_clear_error(write, name, data, match):
    with pytest.raises(FileFormatError, match=match) as exc:
        read(write(name, data))
    assert name in str(exc.value) and "\n" not in str(exc.value)


def test_zip_without_neware_data(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("Step.xml", "<config/>")
    p = tmp_path / "schedule_only.ndax"
    p.write_bytes(buf.getvalue())
    with pytest.raises(FileFormatError, match="NewareNDA") as exc:
        read(p)
    assert "schedule_only.ndax" in str(exc.value)


def test_forced_format_on_another_file(write):
    with pytest.raises(FileFormatError, match="not a Neware file"):
        read(write("table.csv", "time,voltage,current\n0,3.7,0\n"), format="neware")


@pytest.mark.parametrize(
    "error",
    [struct.error("unpack requires a buffer of 88 bytes"), IndexError("index out of range"),
     KeyError(42), ValueError("seek out of range"), OSError("mmap failed")],
)  # fmt: skip
def test_newarenda_errors_never_escape(neware_dir, tmp_path, monkeypatch, error):
    import NewareNDA.NewareNDA as nda_module

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(nda_module, "read_nda", broken)
    p = tmp_path / "broken.nda"
    shutil.copyfile(neware_dir / "new_nda_file.nda", p)
    with pytest.raises(FileFormatError) as exc:
        read(p)
    assert "broken.nda" in str(exc.value) and "\n" not in str(exc.value)
    assert exc.value.__cause__ is error


def test_newarenda_logs_nothing(write, capfd):
    with pytest.raises(FileFormatError):
        read(write("future.nda", b"NEWARE20990101" + bytes([77]) + bytes(2000)))
    out, err = capfd.readouterr()
    assert "not yet supported" not in out + err


# --- command line and analyses -----------------------------------------------------------
def test_inspect_shows_the_file(neware_dir):
    res = CliRunner().invoke(app, ["inspect", str(neware_dir / "TestFile.nda")])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "TestFile.nda" in out and "Neware BTS" in out and "[neware]" in out
    assert "rows in file 6670" in out
    assert "4 constant-current, 5 rest, 2 cv" in out


def test_inspect_cut_file_exit_2(neware_dir, tmp_path):
    cut = tmp_path / "cut.ndax"
    cut.write_bytes((neware_dir / "Unit27_Example.ndax").read_bytes()[:2000])
    res = CliRunner().invoke(app, ["inspect", str(cut)])
    assert res.exit_code == 2
    assert "cut.ndax" in res.output and "Traceback" not in res.output


def test_cycling_record_segments_into_its_steps(recs):
    rec, _ = recs["TestFile.nda"]
    seg = ohmslice.segment(rec)
    d = rec.data
    first = np.r_[0, np.flatnonzero(np.diff(d["step"].to_numpy())) + 1]
    assert len(seg) == len(first) == 11
    off = np.abs(seg["start"].to_numpy() - first)
    is_cv = (d["technique"].iloc[first] == "CV_Chg").to_numpy()
    assert (off[~is_cv] == 0).all()  # rests and current steps start where the file says
    assert (off[is_cv] <= 2).all()  # CC -> CV is found from the current: within 2 records
    kind = (
        d["technique"]
        .astype(str)
        .iloc[first]
        .map({"Rest": "rest", "CC_Chg": "cc", "CC_DChg": "cc", "CV_Chg": "cv"})
    )
    assert list(seg["kind"]) == list(kind)
    assert list(seg["sign"]) == list(np.sign(d["current_A"].iloc[first + 1]).astype(int))


def test_pulse_analyses_accept_the_recording(recs):
    rec, _ = recs["TestFile.nda"]
    rate = ohmslice.analyze_rate(rec)
    assert len(rate.steps) == 4  # two 3 A discharges, two 1.2 A charges
    with pytest.raises(AnalysisInputError, match="TestFile.nda"):
        ohmslice.analyze_gitt(rec)  # a cycling record, not a GITT: said so, no crash
