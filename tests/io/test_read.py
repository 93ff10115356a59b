"""read(): sniffing by content, the registry, and errors that always name the file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from eclab_files import GCPL_COLUMNS, gcpl_rows, mpt_bytes

import ohmslice.io as oio
from ohmslice.errors import (
    EmptyDataError,
    FileFormatError,
    InputError,
    TruncatedFileError,
    UnknownColumnError,
)
from ohmslice.io import (
    Reader,
    _registry,
    foreign,
    read,
    read_recording,
    read_spectra,
    readers,
    register,
)
from ohmslice.schema import Recording

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
MPR_MAGIC = b"BIO-LOGIC MODULAR FILE\x1a".ljust(48) + b"\x00\x00\x00\x00"


def test_readers_listing():
    info = {r.name: r for r in readers()}
    assert {"biologic-mpr", "biologic-mpt", "table"} <= set(info)
    assert ".mpr" in info["biologic-mpr"].suffixes
    assert ".csv" in info["table"].suffixes and ".parquet" in info["table"].suffixes
    assert all(r.description for r in readers())


@pytest.mark.parametrize(
    "name, data",
    [
        ("picture.mpt", PNG),
        ("picture.png", PNG),
        ("notes.csv", "Dear colleague,\nthe cell died on Monday.\nRegards\n"),
        ("random.mpr", bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8))),
    ],
)
def test_foreign_files_are_refused_naming_file_and_formats(write, name, data):
    with pytest.raises(FileFormatError) as exc:
        read(write(name, data))
    msg = str(exc.value)
    assert name in msg
    assert "expected one of" in msg and ".mpr" in msg and ".csv" in msg


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n\t "])
def test_empty_file(write, data):
    with pytest.raises(EmptyDataError) as exc:
        read(write("empty.mpt", data))
    assert "empty.mpt" in str(exc.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="nope.mpr: no such file"):
        read(tmp_path / "nope.mpr")
    with pytest.raises(InputError, match="is a folder, expected a data file"):
        read(tmp_path)


def test_content_beats_suffix(write):
    """An EC-Lab export saved as .csv is read as EC-Lab; a CSV named .mpt as a table."""
    rec = read(write("gcpl.csv", mpt_bytes(GCPL_COLUMNS, gcpl_rows())))
    assert rec.meta["format"] == "biologic-mpt"
    rec = read(write("table.mpt", "time_s,voltage_V,current_A\n0,3.0,0.1\n1,3.1,0.1\n"))
    assert rec.meta["format"] == "table"


def test_explicit_format(write):
    p = write("gcpl.dat", mpt_bytes(GCPL_COLUMNS, gcpl_rows()))
    assert read(p, format="biologic-mpt").meta["format"] == "biologic-mpt"
    with pytest.raises(InputError) as exc:
        read(p, format="no-such-format")
    assert "biologic-mpr" in str(exc.value) and "gcpl.dat" in str(exc.value)
    with pytest.raises(FileFormatError) as exc:
        read(p, format="biologic-mpr")
    assert "gcpl.dat" in str(exc.value)


def test_columns_must_be_a_mapping(write):
    p = write("t.csv", "time_s,voltage_V,current_A\n0,3.0,0.1\n1,3.1,0.1\n")
    with pytest.raises(InputError) as exc:
        read(p, columns=["time_s"])
    assert "t.csv" in str(exc.value)


@pytest.fixture()
def registry(monkeypatch):
    monkeypatch.setattr(_registry, "_READERS", dict(_registry._READERS))


def _third_party_parse(data: bytes):
    raise ValueError("bad record 17")  # stands for an error deep inside another library


def test_new_format_is_one_registration(write, registry):
    def load(path, columns):
        with foreign(path, "demo format"):
            values = np.frombuffer(path.read_bytes()[4:], dtype="<f8").reshape(-1, 3)
        df = pd.DataFrame(values, columns=["time_s", "voltage_V", "current_A"])
        return Recording(df, {"source": str(path), "format": "demo"})

    register(Reader("demo", "Demo binary", (".demo",), lambda h: 2 * h.startswith(b"DEMO"), load))
    arr = np.array([[0.0, 3.0, 0.1], [1.0, 3.1, 0.1]])
    rec = read(write("x.bin", b"DEMO" + arr.tobytes()))
    assert rec.meta["format"] == "demo" and len(rec) == 2
    assert "demo" in [r.name for r in oio.readers()]


def test_third_party_errors_are_wrapped_naming_the_file(write, registry):
    def load(path, columns):
        with foreign(path, "demo format"):
            _third_party_parse(path.read_bytes())

    register(Reader("demo", "Demo", (".demo",), lambda h: 2 * h.startswith(b"DEMO"), load))
    with pytest.raises(FileFormatError) as exc:
        read(write("broken.demo", b"DEMO...."))
    assert "broken.demo" in str(exc.value) and "bad record 17" in str(exc.value)
    assert isinstance(exc.value.__cause__, ValueError)  # the cause is kept for debugging


def test_own_programming_errors_are_not_hidden(write, monkeypatch):
    """Only third-party parser calls are wrapped: a bug in ohmslice's own code surfaces."""
    import ohmslice.io.biologic_mpt as mpt

    def broken(raw, path, columns=None, **kwargs):
        return raw["no such column"]

    monkeypatch.setattr(mpt._biologic, "canonical", broken)
    with pytest.raises(KeyError):
        read(write("gcpl.mpt", mpt_bytes(GCPL_COLUMNS, gcpl_rows())))


def test_galvani_unknown_column_becomes_unknown_column_error(write, monkeypatch):
    import galvani.BioLogic

    def fake(fh, error_on_unknown_column=False):
        raise NotImplementedError("Column ID 1234 after column Ewe/V is unknown")

    monkeypatch.setattr(galvani.BioLogic, "MPRfile", fake)
    with pytest.raises(UnknownColumnError) as exc:
        read(write("new.mpr", MPR_MAGIC + b"MODULE"))
    assert "new.mpr" in str(exc.value) and "1234" in str(exc.value)


@pytest.mark.parametrize("error", [IndexError("list index out of range"), AssertionError()])
def test_galvani_other_errors_are_wrapped(write, monkeypatch, error):
    import galvani.BioLogic

    def fake(fh, error_on_unknown_column=False):
        raise error

    monkeypatch.setattr(galvani.BioLogic, "MPRfile", fake)
    with pytest.raises(FileFormatError) as exc:
        read(write("odd.mpr", MPR_MAGIC + b"MODULE"))
    assert "odd.mpr" in str(exc.value)


def test_real_unknown_column_id(write):
    """A data module listing a column ID nobody knows (synthetic header): 10490 is above
    255 and its low byte (250) is no known column either, so it cannot be folded."""
    pytest.importorskip("galvani")
    # module header v1: shortname S10, longname S25, length u4, version u4, date S8
    data_body = np.array([2], "<u4").tobytes() + bytes([2]) + np.array([4, 10490], "<u2").tobytes()
    data_body = data_body.ljust(405, b"\x00") + bytes(24)
    set_body = bytes([0x04]) + bytes(100)

    def module(short, body, version):
        hdr = short.ljust(10) + b"x".ljust(25) + np.array([len(body), version], "<u4").tobytes()
        return b"MODULE" + hdr + b"01/10/24" + body

    blob = MPR_MAGIC + module(b"VMP Set", set_body, 0) + module(b"VMP data", data_body, 2)
    with pytest.raises(UnknownColumnError) as exc:
        read(write("future.mpr", blob))
    assert "future.mpr" in str(exc.value) and "10490" in str(exc.value)


def test_truncated_mpr_signature(write):
    with pytest.raises(TruncatedFileError) as exc:
        read(write("stub.mpr", MPR_MAGIC[:20]))
    assert "stub.mpr" in str(exc.value)


def test_read_recording_and_spectra(write):
    p = write("gcpl.mpt", mpt_bytes(GCPL_COLUMNS, gcpl_rows()))
    assert len(read_recording(p)) == 15
    with pytest.raises(InputError) as exc:
        read_spectra(p)
    assert "gcpl.mpt" in str(exc.value)


def test_third_party_message_on_several_lines_becomes_one_line(write, registry):
    def load(path, columns):
        with foreign(path, "demo format"):
            raise ValueError("Date mismatch:\n    Start date: 2024-02-10\n    End: 2024-01-10\n")

    register(Reader("demo", "Demo", (".demo",), lambda h: 2 * h.startswith(b"DEMO"), load))
    with pytest.raises(FileFormatError) as exc:
        read(write("dates.demo", b"DEMO...."))
    msg = str(exc.value)
    assert "\n" not in msg and "Date mismatch: Start date: 2024-02-10 End: 2024-01-10" in msg


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no named pipes here")
def test_named_pipe_is_refused_without_blocking(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.mpt")
    with pytest.raises(InputError) as exc:
        read(tmp_path / "pipe.mpt")  # opening it would block until someone writes
    assert "pipe.mpt" in str(exc.value) and "named pipe" in str(exc.value)
