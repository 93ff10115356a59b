"""Cycling records and conductivity samples in a study: the study file's keys, the run,
the results store's tables, the figures and the report, on simulated data whose answers
are known (ohmslice.simulate.cycling, ohmslice.simulate.conductivity)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from ohmslice.errors import InputError

#: true values of the simulated study
GROWTH_FROM = 4  # cell A's contact resistance grows from this cycle on
GROWTH = 2.0  # Ohm per cycle
SIGMA_25 = 3e-3  # pellet, S/cm
EA = 0.35  # eV
SIGMA_EFF = {"A cathode": 1e-4, "B cathode": 5e-5}  # composites, S/cm
R_E = 1e5  # Ohm: A cathode's electronic resistance (DC polarisation)
N_CYCLES = 8

STUDY = """
[study]
name = "cycling and conductivity"

[[cell]]
name = "A"
area_cm2 = 0.785
active_mass_mg = 16.5
cycling = ["A/cycling.mpt"]
cycling_eis = [{eis}]
conductivity = ["A cathode", "LPSCl"]

[[cell]]
name = "B"
active_mass_mg = 16.5
cycling = "B/cycling.mpt"
conductivity = ["B cathode", "LPSCl"]

[[sample]]
name = "LPSCl"
kind = "electrolyte pellet"
thickness_mm = 0.6
thickness_err_mm = 0.006
area_cm2 = 0.785
files = {{"-40" = "pellet_-40C.mpt", "-20" = "pellet_-20C.mpt", "25" = "pellet_25C.mpt"}}

[[sample]]
name = "A cathode"
kind = "composite electrode"
thickness_um = 50
area_cm2 = 0.785
files = ["A_cathode.mpt"]
temperatures_C = [25]
volume_fraction = 0.3
electrolyte = "LPSCl"
polarization = "A_cathode_dc.csv"
polarization_temperature_C = 25

[[sample]]
name = "B cathode"
kind = "composite electrode"
thickness_um = 50
area_cm2 = 0.785
files = {{"25" = "B_cathode.mpt"}}
volume_fraction = 0.3
electrolyte = "LPSCl"

[[sample]]
name = "not blocking"
kind = "electrolyte pellet"
thickness_mm = 0.5
area_cm2 = 0.785
files = {{"25" = "A/eis_cycle_0001.mpt"}}
"""


def write_study(folder: Path) -> Path:
    """The simulated study: two cells cycled (A with spectra between cycles and a contact
    resistance growing from cycle GROWTH_FROM), an electrolyte pellet at three
    temperatures, two composite cathodes (one with a DC polarisation) and a sample whose
    spectrum has no blocking branch (it fails, the others do not)."""
    from ohmslice.simulate.conductivity import (
        composite_spectrum,
        pellet_series,
        polarization_recording,
    )
    from ohmslice.simulate.cycling import CyclingCell, simulate_cycling, write_cycling
    from ohmslice.simulate.noise import NoiseModel
    from ohmslice.simulate.writers import write_csv, write_mpt_spectrum

    folder.mkdir(parents=True, exist_ok=True)
    grow = CyclingCell(contact_growth_start=GROWTH_FROM, contact_growth_ohm_per_cycle=GROWTH)
    sim_a = simulate_cycling(N_CYCLES, grow, c_rate=1.0, spectra=True, record_dt_s=60.0)
    paths = write_cycling(sim_a, folder / "A")
    sim_b = simulate_cycling(N_CYCLES, CyclingCell(fade_per_cycle=0.01), c_rate=1.0,
                             record_dt_s=60.0)  # fmt: skip
    write_cycling(sim_b, folder / "B")
    noise = NoiseModel(impedance_rel_sd=0.002)
    specs, truth = pellet_series([-40, -20, 25], sigma_25C_S_cm=SIGMA_25, ea_eV=EA,
                                 noise=noise, seed=3)  # fmt: skip
    for s, t in zip(specs, truth["temperature_C"], strict=True):
        write_mpt_spectrum(s, folder / f"pellet_{t:g}C.mpt")
    for k, (name, sigma) in enumerate(SIGMA_EFF.items()):
        sp = composite_spectrum(sigma, noise=noise, seed=10 + k)
        write_mpt_spectrum(sp, folder / f"{name.replace(' ', '_')}.mpt")
    write_csv(polarization_recording(R_E, steps_V=(0.1, 0.2), hold_s=600, rest_s=60),
              folder / "A_cathode_dc.csv")  # fmt: skip
    eis = ", ".join(f'"A/{p.name}"' for p in paths[1:])
    (folder / "study.toml").write_text(STUDY.format(eis=eis), encoding="utf-8")
    return folder / "study.toml"


@pytest.fixture(scope="module")
def study_file(tmp_path_factory) -> Path:
    return write_study(tmp_path_factory.mktemp("cyc_cond") / "study")


@pytest.fixture(scope="module")
def run_out(study_file, tmp_path_factory) -> tuple[Path, str]:
    """``ohmslice run`` of the study: its output folder and what it printed."""
    from ohmslice.cli import app

    out = tmp_path_factory.mktemp("cyc_cond_out") / "out"
    res = CliRunner().invoke(app, ["run", str(study_file), "-o", str(out), "--boot", "10"])
    assert res.exit_code == 0, res.output
    return out, res.output


@pytest.fixture(scope="module")
def store(run_out):
    from ohmslice import open_results

    return open_results(run_out[0])


# --- the study file -------------------------------------------------------------------------
def test_study_file_keys(study_file):
    from ohmslice.study.file import load_study

    s = load_study(study_file)
    a, b = s.cell("A"), s.cell("B")
    assert a.cycling == [study_file.parent / "A" / "cycling.mpt"]
    assert b.cycling == [study_file.parent / "B" / "cycling.mpt"]  # one file as a string
    assert list(a.files())[:3] == ["cycling.0", "cycling_eis.0", "cycling_eis.1"]
    assert a.conductivity == ["A cathode", "LPSCl"]
    pellet = s.sample("LPSCl")
    assert pellet.thickness_cm == pytest.approx(0.06)
    assert pellet.thickness_err_cm == pytest.approx(0.0006)
    assert [(k, t) for k, t, _ in pellet.measurements()] == [
        ("files.-40", -40.0), ("files.-20", -20.0), ("files.25", 25.0)]  # fmt: skip
    cat = s.sample("A cathode")
    assert cat.thickness_cm == pytest.approx(0.005) and cat.temperatures() == [25.0]
    assert set(cat.all_files()) == {"files.0", "polarization"}


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ("thickness_mm = 0.6", "thickness_mm = 600", r"sample\[0\]\.thickness_mm: 600 is implausible"),
        ("thickness_um = 50\narea_cm2 = 0.785\nfiles = [",
         "thickness_um = 50\nthickness_mm = 0.05\narea_cm2 = 0.785\nfiles = [",
         r"sample\[1\]\.thickness_mm: give the thickness once"),
        ("volume_fraction = 0.3\nelectrolyte = \"LPSCl\"\npolarization",
         "volume_fraction = 30\nelectrolyte = \"LPSCl\"\npolarization",
         r"sample\[1\]\.volume_fraction: 30 is not a volume fraction"),
        ('conductivity = ["B cathode", "LPSCl"]', 'conductivity = ["B cathode", "LPS"]',
         r"cell\[1\]\.conductivity: no \[\[sample\]\] named 'LPS'"),
        ('electrolyte = "LPSCl"\npolarization', 'electrolyte = "B cathode"\npolarization',
         r"sample\[1\]\.electrolyte: no electrolyte pellet named 'B cathode'"),
        ("temperatures_C = [25]", "temperatures_C = [25, 30]",
         r"sample\[1\]\.temperatures_C: 2 value\(s\) for 1 file\(s\)"),
        ('kind = "electrolyte pellet"\nthickness_mm = 0.6',
         'kind = "pellet"\nthickness_mm = 0.6', r"sample\[0\]\.kind: Input should be"),
        ('"25" = "pellet_25C.mpt"', '"25" = "pellet_30C.mpt"',
         r"sample\[0\]\.files\.25: .*pellet_30C\.mpt: no such file"),
        ('cycling = "B/cycling.mpt"', 'cycling = "B/missing.mpt"',
         r"cell\[1\]\.cycling\.0: .*missing\.mpt: no such file"),
        ('cycling = "B/cycling.mpt"', 'cycling_eis = ["A/eis_cycle_0001.mpt"]',
         r"cell\[1\]\.cycling_eis: spectra between cycles need the cycling records"),
    ],
)  # fmt: skip
def test_bad_keys_are_one_line_naming_the_file_and_key(study_file, tmp_path, old, new, match):
    from ohmslice.study.file import load_study

    text = study_file.read_text(encoding="utf-8")
    assert old in text
    bad = study_file.parent / f"bad_{abs(hash(new)) % 10**8}.toml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError, match=match) as exc:
        load_study(bad)
    assert str(exc.value).startswith(str(bad)) and "\n" not in str(exc.value)


def test_a_cell_may_have_only_a_conductivity_link(study_file):
    from ohmslice.study.file import Study

    raw = {
        "study": {"name": "x"},
        "cell": [{"name": "A", "conductivity": ["p"]}],
        "sample": [{"name": "p", "kind": "electrolyte pellet", "thickness_mm": 1,
                    "area_cm2": 1, "files": ["p.mpt"]}],
    }  # fmt: skip
    s = Study.model_validate(raw)
    assert s.cells[0].files() == {} and s.samples[0].temperatures() == [None]


# --- the run ----------------------------------------------------------------------------------
def test_failing_sample_is_left_out_with_a_note(store, run_out):
    notes = store.sql("SELECT stage, text FROM notes WHERE stage IN ('study', 'conductivity')")
    text = " ".join(notes["text"])
    assert "sample 'not blocking' not analysed" in text and "sample[3].files.25" in text
    assert "blocking" in text
    samples = store.table("samples").set_index("sample")
    assert samples.loc["not blocking", "n_spectra"] == 0
    assert set(store.table("conductivity")["sample"]) == {"LPSCl", "A cathode", "B cathode"}


def test_cycles_table_holds_every_cycle_of_every_cell(store):
    cyc = store.sql("SELECT * FROM cycles ORDER BY cell, cycle")
    assert cyc.groupby("cell")["cycle"].apply(list).to_dict() == {
        "A": list(range(1, N_CYCLES + 1)), "B": list(range(1, N_CYCLES + 1))}  # fmt: skip
    a = cyc[cyc["cell"] == "A"]
    assert np.allclose(a["charge_mAh_g"], a["charge_mAh"] / 0.0165)
    assert np.allclose(a["discharge_mAh_cm2"], a["discharge_mAh"] / 0.785)
    assert cyc.loc[cyc["cell"] == "B", "discharge_mAh_cm2"].isna().all()  # B has no area
    b = cyc[cyc["cell"] == "B"]["discharge_mAh"].to_numpy()
    assert np.all(np.diff(b) < 0)  # B fades 1 % per cycle
    assert np.diff(b) / b[:-1] == pytest.approx(-0.01, abs=2e-3)
    assert (cyc["ce_pct"].iloc[1:] <= 100.001).all() and (cyc["ce_pct"] > 95).all()


def test_resistance_over_cycles_finds_the_contact_loss(store):
    cr = store.sql("SELECT * FROM cycle_resistance ORDER BY cycle")
    assert set(cr["cell"]) == {"A"} and cr["cycle"].tolist() == list(range(1, N_CYCLES + 1))
    true_r1 = 5.0 + GROWTH * np.maximum(cr["cycle"].to_numpy() - GROWTH_FROM, 0)
    ok = cr["r1_status"] == "measured"
    assert ok.sum() >= N_CYCLES - 1
    assert np.allclose(cr.loc[ok, "r1_ohm"], true_r1[ok], rtol=0.02)
    assert np.allclose(cr["r0_ohm"], 10.0, rtol=0.02)
    tr = store.table("cycle_trends").set_index(["cell", "source", "component"])
    r1 = tr.loc[("A", "spectra", "r1")]
    assert bool(r1["detected"]) and abs(r1["change_cycle"] - GROWTH_FROM) <= 1
    assert r1["slope_after"] == pytest.approx(GROWTH, rel=0.05)
    step = tr.loc[("A", "step start", "r_discharge")]
    assert bool(step["detected"]) and abs(step["change_cycle"] - GROWTH_FROM) <= 1
    assert not bool(tr.loc[("B", "step start", "r_discharge"), "detected"])


def _within(value, err, truth, k=4.0):
    return abs(value - truth) <= k * err


def test_conductivity_arrhenius_and_table_s1_hold_the_known_answers(store):
    cond = store.table("conductivity")
    pel = cond[cond["sample"] == "LPSCl"].set_index("temperature_C")
    assert list(pel.index) == [-40.0, -20.0, 25.0] and pel["success"].all()
    assert pel.loc[-40.0, "method"] == "arc" and pel.loc[25.0, "method"] == "intercept"
    sigma_m40 = (
        SIGMA_25 * 298.15 / 233.15 * np.exp(-EA / 8.617333262e-5 * (1 / 233.15 - 1 / 298.15))
    )
    assert _within(pel.loc[-40.0, "sigma_S_cm"], pel.loc[-40.0, "sigma_err_S_cm"], sigma_m40)
    ar = store.table("arrhenius").set_index("sample")
    assert list(ar.index) == ["LPSCl"]
    assert _within(ar.loc["LPSCl", "ea_eV"], ar.loc["LPSCl", "ea_err_eV"], EA, k=5)
    assert ar.loc["LPSCl", "sigma_25C_S_cm"] == pytest.approx(SIGMA_25, rel=0.03)
    assert ar.loc["LPSCl", "sigma_25C_ci_low_S_cm"] < ar.loc["LPSCl", "sigma_25C_S_cm"]
    t = store.table("transport")
    assert sorted(zip(t["cell"], t["sample"], strict=True)) == [
        ("A", "A cathode"), ("A", "LPSCl"), ("B", "B cathode"), ("B", "LPSCl")]  # fmt: skip
    rows = t.drop_duplicates("sample").set_index("sample")
    for name, sigma in SIGMA_EFF.items():
        r = rows.loc[name]
        assert _within(r["ionic_S_cm"], r["ionic_err_S_cm"], sigma)
        assert r["ionic_method"] == "transmission line" and bool(r["success"])
        assert r["tortuosity_factor"] == pytest.approx(
            r["pellet_S_cm"] * 0.3 / r["ionic_S_cm"], rel=1e-9)  # fmt: skip
        assert r["bruggeman_tortuosity_factor"] == pytest.approx(0.3**-0.5)
    a = rows.loc["A cathode"]
    assert a["electronic_S_cm"] == pytest.approx(0.005 / (R_E * 0.785), rel=0.01)
    assert np.isnan(rows.loc["B cathode", "electronic_S_cm"])
    assert rows.loc["LPSCl", "ionic_method"] == "pellet: intercept"
    assert np.isnan(rows.loc["LPSCl", "tortuosity_factor"])


def test_contract_and_inputs(store):
    cols = store.table("columns")
    for name in ("cycles", "cycle_resistance", "cycle_trends", "samples", "conductivity",
                 "arrhenius", "transport"):  # fmt: skip
        assert name in store.tables
        c = cols[cols["table"] == name]
        assert len(c) and (c["meaning"] != "(not in the contract)").all(), name
    assert cols.set_index(["table", "column"]).loc[("conductivity", "sigma_S_cm"), "unit"] == "S/cm"
    inp = store.table("inputs")
    keys = set(zip(inp["cell"], inp["key"], strict=True))
    assert {("A", "cycling.0"), ("A", "cycling_eis.0"), ("LPSCl", "sample.files.-40"),
            ("A cathode", "sample.polarization"), ("B", "cycling.0")} <= keys  # fmt: skip
    cells = store.table("cells").set_index("cell")
    assert (
        cells.loc["A", "n_cycles"] == N_CYCLES and cells.loc["A", "samples"] == "A cathode; LPSCl"
    )


# --- figures and report ----------------------------------------------------------------------
def test_figures_and_report(run_out):
    out, printed = run_out
    figs = out / "figures"
    for stem in ("figS9_cycling", "arrhenius"):
        assert (figs / f"{stem}.png").stat().st_size > 10_000 and (figs / f"{stem}.svg").is_file()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="figS9_cycling"' in html and 'id="arrhenius"' in html
    assert '<h3 id="table-s1">Table S1' in html and '<h3 id="cycling">Cycling</h3>' in html
    assert "href='#table-s1'" in html and "href='#cycling'" in html
    assert "A cathode" in html and "transmission line" in html and "from cycle" in html
    assert "Fig. 4. GITT with regions I, II, III</b> Not drawn" in html
    assert html.count("<h2>") == 5


def test_cycling_figure_colours_every_cell(run_out):
    from PIL import Image

    from ohmslice.report._style import PALETTE

    img = np.asarray(Image.open(run_out[0] / "figures" / "figS9_cycling.png").convert("RGB"))
    for color in PALETTE[:2]:
        rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(img.astype(int) - rgb).sum(axis=2) < 40).sum() > 1000, color


def test_reference_study_has_no_new_sections(tmp_path):
    """The reference study has no cycling and no samples: empty tables, the two figures
    not drawn with a sentence, no new section."""
    from ohmslice.report import render_report, write_study_figures
    from ohmslice.study.tables import TABLES, conform

    tables = {name: conform(name, None)[0] for name in TABLES}
    figs = write_study_figures(tables, tmp_path, only=["figS9_cycling", "arrhenius"])
    assert [bool(f.skipped) and not f.error for f in figs] == [True, True]
    html = render_report(tables, figs)
    assert "Table S1" not in html and 'id="cycling"' not in html
    assert "Not drawn: the store holds no cycling" in html


def test_a_cycling_failure_leaves_the_cells_other_results(study_file, tmp_path):
    """A cell's cycling file that cannot be read: the cell's other data are analysed,
    the cycling is named in a note; a cell with nothing else fails as a cell does."""
    import shutil

    from ohmslice.study.file import load_study
    from ohmslice.study.run import run_study

    d = tmp_path / "study"
    shutil.copytree(study_file.parent, d)
    (d / "B" / "cycling.mpt").write_text("not a cycling file\n", encoding="utf-8")
    s = load_study(d / "study.toml")
    s = s.model_copy(update={"samples": [x for x in s.samples if x.name != "not blocking"],
                             "cells": [s.cell("B")]})  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = run_study(s, n_boot=5)
    assert res.cells["B"].cycling is None
    why = " ".join(res.cells["B"].cycling_notes)
    assert re.search(
        r"cycling not analysed: .*study\.toml: cell\[0\]\.cycling\.0: .*cycling\.mpt", why
    )
    assert any("cycling not analysed" in str(w.message) for w in caught)
    assert set(res.samples) == {"LPSCl", "A cathode", "B cathode"}
    only = s.model_copy(update={"cells": [s.cell("B").model_copy(update={"conductivity": []})],
                                "samples": []})  # fmt: skip
    with pytest.raises(InputError, match=r"cell\[0\]\.cycling\.0: .*cycling\.mpt"):
        run_study(only, n_boot=5)
