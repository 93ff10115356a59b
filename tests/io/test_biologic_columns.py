"""BioLogic files users have now: .mpr column IDs above 255 (recent EC-Lab versions), and
open-circuit (OCV) files, which hold no current column."""

from __future__ import annotations

import numpy as np
import pytest
from eclab_files import GCPL_COLUMNS, gcpl_rows, mpt_bytes

from ohmslice.errors import MissingColumnError
from ohmslice.io import read
from ohmslice.io.biologic_mpr import column_table
from ohmslice.schema import Recording

galvani = pytest.importorskip("galvani.BioLogic")

MPR_MAGIC = b"BIO-LOGIC MODULAR FILE\x1a".ljust(48) + b"\x00\x00\x00\x00"


def _module(short: bytes, body: bytes, version: int) -> bytes:
    # module header: shortname S10, longname S25, length u4, version u4, date S8
    hdr = short.ljust(10) + b"x".ljust(25) + np.array([len(body), version], "<u4").tobytes()
    return b"MODULE" + hdr + b"01/10/24" + body


def mpr_bytes(technique_id: int, ids: list[int], rows: np.ndarray) -> bytes:
    """A minimal EC-Lab .mpr: a settings module whose first byte is the technique, and a
    version-2 data module listing the column IDs (little-endian u2) and the rows."""
    head = np.array([len(rows)], "<u4").tobytes() + bytes([len(ids)])
    head += np.array(ids, "<u2").tobytes()
    data = head.ljust(405, b"\x00") + rows.tobytes()
    settings = bytes([technique_id]) + bytes(100)
    return MPR_MAGIC + _module(b"VMP Set", settings, 0) + _module(b"VMP data", data, 2)


def test_ids_above_255_are_read_as_their_low_byte():
    column_table()  # wraps galvani's table
    dtypes, _ = galvani.VMPdata_dtype_from_colIDs([4, 880, 883, 6], error_on_unknown_column=True)
    assert dtypes == [
        ("time/s", "<f8"),
        ("Energy we/W.h", "<f8"),  # 880 = 3 * 256 + 112
        ("Energy ce charge/W.h", "<f8"),  # 883 = 3 * 256 + 115
        ("Ewe/V", "<f4"),
    ]


def test_galvanis_own_entries_win_and_unknown_ids_stay_unknown():
    table = column_table()
    assert table[498] == ("Q charge/mA.h", "<f8")  # galvani's meaning, not 498 % 256 = 242
    assert table[467] == galvani.VMPdata_colID_dtype_map[467]
    assert 10490 not in table  # low byte 250: no column either
    with pytest.raises(NotImplementedError, match="10490"):
        galvani.VMPdata_dtype_from_colIDs([4, 10490], error_on_unknown_column=True)
    with pytest.raises(KeyError):
        table[10490]
    assert 1 not in table and 257 not in table  # flags are never folded


def test_ocv_mpr_with_column_ids_above_255(write):
    """An OCV run as recent EC-Lab writes it: time, Ewe and an energy column under ID 880;
    no current column. Read: current 0, technique OCV, the folded ID named in the notes."""
    dtype = np.dtype([("t", "<f8"), ("e", "<f4"), ("energy", "<f8")])
    rows = np.zeros(4, dtype)
    rows["t"] = [0.0, 10.0, 20.0, 30.0]
    rows["e"] = [3.70, 3.71, 3.715, 3.7175]
    rows["energy"] = [0.0, 0.0, 0.0, 0.0]
    rec = read(write("ocv.mpr", mpr_bytes(0x0B, [4, 6, 880], rows)))
    assert isinstance(rec, Recording)
    assert rec.meta["technique"] == "OCV"
    np.testing.assert_array_equal(rec.time, rows["t"])
    np.testing.assert_allclose(rec.voltage, rows["e"].astype(float))
    np.testing.assert_array_equal(rec.current, 0.0)
    assert rec.meta["columns"]["current_A"].startswith("none (open circuit)")
    notes = " ".join(rec.meta["notes"])
    assert "column ID 880 read as ID 112" in notes and "Energy we/W.h" in notes
    assert "open-circuit" in notes


def test_a_gcpl_mpr_without_current_is_not_given_zero_current(write):
    dtype = np.dtype([("t", "<f8"), ("e", "<f4")])
    rows = np.zeros(3, dtype)
    rows["t"] = [0.0, 1.0, 2.0]
    rows["e"] = 3.7
    with pytest.raises(MissingColumnError, match="gcpl.mpr"):
        read(write("gcpl.mpr", mpr_bytes(0x04, [4, 6], rows)))


def test_real_mpr_with_an_id_moved_above_255(shared_data, write):
    """zir.mpr with its <Ewe>/V column (ID 77) renumbered 845 = 3 * 256 + 77, as recent
    EC-Lab versions number columns: the same rows and values as the original."""
    original = (shared_data / "biologic" / "zir.mpr").read_bytes()
    ids = [32, 37, 38, 36, 35, 4, 77, 76, 39, 33, 34]
    listed = bytes([len(ids)]) + np.array(ids, "<u2").tobytes()
    assert original.count(listed) == 1
    moved = listed.replace(np.array([77], "<u2").tobytes(), np.array([845], "<u2").tobytes())
    assert moved != listed
    a = read(shared_data / "biologic" / "zir.mpr")
    b = read(write("zir_new.mpr", original.replace(listed, moved)))
    assert b.data.equals(a.data)
    assert any("column ID 845 read as ID 77" in n for n in b.meta["notes"])


OCV_COLUMNS = ["mode", "error", "time/s", "Ewe/V", "Ece/V", "Analog IN 1/V"]


def test_ocv_mpt_has_zero_current_and_keeps_its_technique(write):
    rows = [[0, 0, 10.0 * k, 3.7 + 1e-4 * k, 0.0, 0.0] for k in range(12)]
    data = mpt_bytes(OCV_COLUMNS, rows, technique="Open Circuit Voltage")
    rec = read(write("rest.mpt", data))
    assert isinstance(rec, Recording) and len(rec) == 12
    assert rec.meta["technique"] == "OCV"
    np.testing.assert_array_equal(rec.current, 0.0)
    assert rec.voltage[-1] == pytest.approx(3.7011)
    assert any("open-circuit" in n for n in rec.meta["notes"])


def test_gcpl_mpt_without_current_still_asks_for_it(write):
    cols = [c for c in GCPL_COLUMNS if c not in ("<I>/mA", "dq/mA.h", "control/V/mA")]
    keep = [GCPL_COLUMNS.index(c) for c in cols]
    rows = [[r[k] for k in keep] for r in gcpl_rows()]
    with pytest.raises(MissingColumnError, match="nocurrent.mpt"):
        read(write("nocurrent.mpt", mpt_bytes(cols, rows)))
