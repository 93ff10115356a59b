"""study.toml: validation, path resolution, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from ohmslice.errors import InputError
from ohmslice.study.file import Study, load_study

GOOD = """
[study]
name = "LPSCl particle size"

[[cell]]
name = "S_SE"
label = "small"
area_cm2 = 0.785
active_mass_mg = 16.5
gitt = "S_SE_GITT_C01.mpt"
[cell.symmetric_eis]
50 = "sub/S_SE_sym_SOC50.mpt"
0 = "S_SE_sym_SOC0.mpt"
[cell.rate]
discharge = ["S_SE_rate_d_2C.mpt"]

[[cell]]
name = "L_SE"
half_eis = {50 = "L_SE_half_SOC50.mpt"}

[analysis]
circuit = "R0-p(R1,C1)"
"""

FILES = ["S_SE_GITT_C01.mpt", "sub/S_SE_sym_SOC50.mpt", "S_SE_sym_SOC0.mpt",
         "S_SE_rate_d_2C.mpt", "L_SE_half_SOC50.mpt"]  # fmt: skip


def _study(tmp_path: Path, text: str, files=FILES) -> Path:
    for f in files:
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f).write_text("x")
    p = tmp_path / "study.toml"
    p.write_text(text)
    return p


def test_valid_study_resolves_paths_relative_to_the_file(tmp_path):
    study = load_study(_study(tmp_path, GOOD))
    assert isinstance(study, Study)
    assert study.name == "LPSCl particle size"
    s = study.cell("S_SE")
    assert s.gitt == tmp_path.resolve() / "S_SE_GITT_C01.mpt"
    assert s.symmetric_eis[50.0] == tmp_path.resolve() / "sub/S_SE_sym_SOC50.mpt"
    assert s.rate.discharge[0].name == "S_SE_rate_d_2C.mpt"
    assert study.cell("L_SE").area_cm2 is None
    assert study.analysis["circuit"] == "R0-p(R1,C1)"
    assert set(s.files()) == {"gitt", "symmetric_eis.50", "symmetric_eis.0", "rate.discharge.0"}


@pytest.mark.parametrize(
    "old, new, match",
    [
        ("area_cm2 = 0.785", "area_cm2 = -1", r"cell\[0\]\.area_cm2"),
        ("area_cm2 = 0.785", "area_cm2 = 0.785\narea_mm2 = 1", r"cell\[0\]\.area_mm2: unknown key"),
        ('name = "LPSCl particle size"', "", r"study\.name: required key is missing"),
        ('50 = "sub/S_SE_sym_SOC50.mpt"', '150 = "sub/S_SE_sym_SOC50.mpt"', "outside 0-100"),
        ('name = "L_SE"', 'name = "S_SE"', "duplicate cell name"),
        ('half_eis = {50 = "L_SE_half_SOC50.mpt"}', "", "no data file"),
        ("[analysis]", "[analysis", "invalid TOML"),
        ("gitt = ", "gitt = 5\nx = ", r"cell\[0\]\.gitt"),
    ],
)
def test_bad_study_files_name_the_key(tmp_path, old, new, match):
    text = GOOD.replace(old, new)
    assert text != GOOD
    with pytest.raises(InputError, match=match) as info:
        load_study(_study(tmp_path, text))
    assert "study.toml" in str(info.value)


def test_missing_data_file_is_named(tmp_path):
    p = _study(tmp_path, GOOD, files=FILES[:-1])
    with pytest.raises(InputError, match=r"cell\[1\]\.half_eis\.50: .*SOC50.mpt: no such file"):
        load_study(p)
    assert (
        load_study(p, check_files=False).cell("L_SE").half_eis[50.0].name == "L_SE_half_SOC50.mpt"
    )


def test_unknown_cell_name(tmp_path):
    study = load_study(_study(tmp_path, GOOD))
    with pytest.raises(InputError, match="no cell 'X'"):
        study.cell("X")


def test_same_soc_twice_is_refused(tmp_path):
    text = GOOD.replace('0 = "S_SE_sym_SOC0.mpt"', '"50.0" = "S_SE_sym_SOC0.mpt"')
    with pytest.raises(InputError, match=r"cell\[0\]\.symmetric_eis: SOC keys '50' and '50.0'"):
        load_study(_study(tmp_path, text))


def test_byte_order_mark_is_read(tmp_path):
    p = _study(tmp_path, GOOD)
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    assert load_study(p).name == "LPSCl particle size"


@pytest.mark.parametrize(
    "raw, message",
    [
        ("a = " + "[" * 5000 + "]" * 5000, "invalid TOML"),
        ("\xff\xfe[study]", "not UTF-8 text"),
        ("[study]\nname = 'x'\n[[cell]]\nname = 'a'\ngitt = 3\n", r"cell\[0\]\.gitt"),
        ("[study]\nname = 'x'\ncell = 5\n", "cell"),
        ("[[study]]\nname = 'x'\n", "study"),
    ],
)
def test_hostile_study_files_give_one_input_error(tmp_path, raw, message):
    p = tmp_path / "study.toml"
    p.write_bytes(raw.encode("latin-1"))
    with pytest.raises(InputError, match=message) as err:
        load_study(p)
    assert "\n" not in str(err.value)


def test_data_file_that_is_a_folder_is_named_with_its_key(tmp_path):
    p = _study(tmp_path, GOOD)
    (tmp_path / "S_SE_GITT_C01.mpt").unlink()
    (tmp_path / "S_SE_GITT_C01.mpt").mkdir()
    with pytest.raises(InputError, match=r"cell\[0\]\.gitt: .*is a folder"):
        load_study(p)
