"""BioLogic readers on real EC-Lab files: each .mpr against the instrument's own .mpt
export of the same run (same rows, same values after unit conversion)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ohmslice.errors import InputError, InputWarning, TruncatedFileError, TruncatedFileWarning
from ohmslice.io import read, read_recording, read_spectra
from ohmslice.schema import Recording, Spectrum

STEMS = [
    "cp.issue_61",
    "gcpl.issue_149",
    "gcpl.issue_211",
    "geis",
    "mb.issue_149",
    "mb",
    "peis.issue_149",
    "vsp_peis_with",
    "zir",
]

# (number of recordings' rows, number of spectra, points per spectrum) from the files
EXPECTED = {
    "cp.issue_61": (312, 0, None),
    "gcpl.issue_149": (132, 0, None),
    "gcpl.issue_211": (2767, 0, None),
    "geis": (29, 61, None),
    "mb.issue_149": (356, 16, 13),
    "mb": (1028, 8, 70),
    "peis.issue_149": (None, 4, 21),
    "vsp_peis_with": (None, 32, 70),
    "zir": (None, 1, 1),
}


def _items(result):
    return result if isinstance(result, list) else [result]


def _pair(shared_data, stem):
    d = shared_data / "biologic"
    return _items(read(d / f"{stem}.mpr")), _items(read(d / f"{stem}.mpt"))


@pytest.mark.parametrize("stem", STEMS)
def test_mpr_and_mpt_agree(shared_data, stem):
    a, b = _pair(shared_data, stem)
    assert [type(x) for x in a] == [type(x) for x in b]
    assert [len(x) for x in a] == [len(x) for x in b]
    for x, y in zip(a, b, strict=True):
        assert x.meta["format"] == "biologic-mpr" and y.meta["format"] == "biologic-mpt"
        cols = [c for c in x.data.columns if c in y.data.columns and c != "technique"]
        if isinstance(x, Recording):
            assert {"time_s", "voltage_V", "current_A"} <= set(cols)
        else:
            assert {"freq_Hz", "z_real_ohm", "z_imag_ohm"} <= set(cols)
        for c in cols:
            u = x.data[c].to_numpy(dtype=float)
            v = y.data[c].to_numpy(dtype=float)
            # .mpr stores most columns as float32, .mpt prints 8 significant digits
            scale = max(np.abs(v).max(), 1e-30)
            np.testing.assert_allclose(u, v, rtol=2e-6, atol=2e-6 * scale, err_msg=f"{stem} {c}")


@pytest.mark.parametrize("stem", STEMS)
def test_row_counts_and_kinds(shared_data, stem):
    n_rec, n_spec, pts = EXPECTED[stem]
    for suffix in (".mpr", ".mpt"):
        items = _items(read(shared_data / "biologic" / f"{stem}{suffix}"))
        recs = [x for x in items if isinstance(x, Recording)]
        specs = [x for x in items if isinstance(x, Spectrum)]
        assert len(recs) == (0 if n_rec is None else 1)
        if n_rec is not None:
            assert len(recs[0]) == n_rec
            assert items[0] is recs[0]  # the recording comes first
        assert len(specs) == n_spec
        if pts is not None:
            assert all(len(s) == pts for s in specs)
        for i, s in enumerate(specs):
            assert s.meta["sweep"] == i


def test_units_and_signs_gcpl(shared_data):
    rec = read(shared_data / "biologic" / "gcpl.issue_149.mpt")
    assert isinstance(rec, Recording)
    assert rec.meta["technique"] == "GCPL"
    assert rec.meta["instrument"].startswith("SP-300")
    # +-30 uA steps (settings: Is = 30 uA / -30 uA), mA -> A
    i = rec.current
    assert np.isclose(i.max(), 30e-6, rtol=1e-3) and np.isclose(i.min(), -30e-6, rtol=1e-3)
    assert 3.4 < rec.voltage.min() < rec.voltage.max() < 3.45
    # (Q-Qo)/mA.h -> A h
    assert rec.data["charge_Ah"].max() == pytest.approx(8.33622382e-05 * 1e-3, rel=1e-6)
    assert set(rec.data["step"]) == {0, 1, 2}
    assert rec.data["cycle"].max() == 3
    assert np.all(np.diff(rec.time) > 0)


def test_derived_current_matches_export(shared_data):
    """gcpl .mpr holds no current column: the mean current from dq matches EC-Lab's <I>."""
    d = shared_data / "biologic"
    a = read(d / "gcpl.issue_211.mpr")
    b = read(d / "gcpl.issue_211.mpt")
    assert "dq/mA.h" in a.meta["columns"]["current_A"]
    assert b.meta["columns"]["current_A"] == "<I>/mA"
    np.testing.assert_allclose(a.current, b.current, rtol=1e-6, atol=1e-12)


def test_cp_charge_in_coulomb(shared_data):
    rec = read(shared_data / "biologic" / "cp.issue_61.mpt")
    assert rec.meta["columns"]["charge_Ah"] == "(Q-Qo)/C"
    assert rec.data["charge_Ah"].max() == pytest.approx(569.8775 / 3600, rel=1e-6)
    assert rec.meta["columns"]["voltage_V"] == "<Ewe>/V"
    assert rec.current.max() == pytest.approx(4.5004067, rel=1e-6)  # 4500 mA -> 4.5 A


def test_peis_signs(shared_data):
    for suffix in (".mpr", ".mpt"):
        specs = read_spectra(shared_data / "biologic" / f"peis.issue_149{suffix}")
        s = specs[0]
        assert s.meta["technique"] == "PEIS"
        assert [x.meta["cycle"] for x in specs] == [1, 2, 3, 4]
        # -Im(Z) = 0.96167845 Ohm at 199998 Hz -> z_imag = -0.96 (capacitive, negative)
        top = s.data.iloc[-1]
        assert top["freq_Hz"] == pytest.approx(1.9999814e5, rel=1e-6)
        assert top["z_real_ohm"] == pytest.approx(12.753284, rel=1e-6)
        assert top["z_imag_ohm"] == pytest.approx(-0.96167845, rel=1e-5)
        assert top["dc_V"] == pytest.approx(3.4222958, rel=1e-6)
        assert top["dc_A"] == pytest.approx(2.5175875e-5, rel=1e-6)  # <I>/mA -> A
        assert np.all(np.diff(s.freq) > 0)


def test_mb_sequence_split(shared_data):
    """Modulo Bat: rest / PEIS / rest / CC / CC / rest / PEIS, looped: one recording of
    the DC rows and one spectrum per PEIS sweep, technique per step from the header."""
    items = read(shared_data / "biologic" / "mb.mpt")
    rec, specs = items[0], items[1:]
    assert rec.meta["sequence"][:7] == ["Rest", "PEIS", "Rest", "CC", "CC", "Rest", "PEIS"]
    assert set(rec.data["step"]) == {0, 2, 3, 4, 5}
    assert {s.meta["step"] for s in specs} == {1, 6}
    assert all(s.meta["technique"] == "PEIS" for s in specs)
    assert set(rec.data["technique"]) == {"Rest", "CC"}
    # .mpr has no Re(Z)/-Im(Z): Z from |Z| and phase agrees with the .mpt columns
    mpr = read(shared_data / "biologic" / "mb.mpr")
    assert mpr[1].meta["columns"]["z_real_ohm"].startswith("|Z|")
    assert read_recording(shared_data / "biologic" / "mb.mpr").meta["technique"] == "MB"


def test_vsp_headerless_export(shared_data):
    specs = read_spectra(shared_data / "biologic" / "vsp_peis_with.mpt")
    assert len(specs) == 32
    assert specs[0].freq.max() == pytest.approx(1.0000186e6, rel=1e-6)


def test_zir_is_read_as_one_point(shared_data):
    for suffix in (".mpr", ".mpt"):
        s = read(shared_data / "biologic" / f"zir{suffix}")
        assert isinstance(s, Spectrum) and len(s) == 1
        assert s.meta["technique"] == "ZIR"
        assert s.data["z_imag_ohm"].iloc[0] == pytest.approx(-9.3853563e4, rel=1e-6)


@pytest.mark.parametrize("cut", [10, 60, 300, 2000, 20000])
def test_truncated_mpr(shared_data, tmp_path, cut):
    data = (shared_data / "biologic" / "mb.mpr").read_bytes()
    p = tmp_path / "cut.mpr"
    p.write_bytes(data[:cut])
    with pytest.raises(TruncatedFileError) as exc:
        read(p)
    assert "cut.mpr" in str(exc.value)


def test_truncated_mpt_real(shared_data, tmp_path):
    whole = read(shared_data / "biologic" / "gcpl.issue_149.mpt")
    data = (shared_data / "biologic" / "gcpl.issue_149.mpt").read_bytes()
    p = tmp_path / "cut.mpt"
    p.write_bytes(data[: len(data) // 2])
    with pytest.warns(TruncatedFileWarning) as caught:
        part = read(p)
    assert len(caught) == 1
    msg = str(caught[0].message)
    assert "cut.mpt" in msg and "1 row dropped" in msg and f"read {len(part)} complete" in msg
    assert 0 < len(part) < len(whole)
    np.testing.assert_array_equal(part.voltage, whole.voltage[: len(part)])


@pytest.mark.parametrize(
    "name", ["cp.issue_61", "gcpl.issue_149", "gcpl.issue_211", "geis", "mb.issue_149",
             "mb", "peis.issue_149", "vsp_peis_with", "zir"]
)  # fmt: skip
def test_real_mpt_files_read_without_truncation_warning(shared_data, name):
    """Most of these exports end without a line break: no row may be taken for a cut one,
    and the .mpt gives as many rows as its .mpr."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", TruncatedFileWarning)
        text = read(shared_data / "biologic" / f"{name}.mpt")
    binary = read(shared_data / "biologic" / f"{name}.mpr")
    rows = [len(x) for x in (text if isinstance(text, list) else [text])]
    assert rows == [len(x) for x in (binary if isinstance(binary, list) else [binary])]


def test_every_shared_file_reads_or_refuses_clearly(shared_data):
    for path in sorted(shared_data.rglob("*")):
        if path.suffix.lower() in {".mpr", ".mpt", ".csv"}:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", InputWarning)  # said, not refused
                    read(path)
            except InputError as exc:  # refusing is allowed, with the file named
                assert path.name in str(exc)
