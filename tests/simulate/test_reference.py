"""The reference study shows what the reference paper reports, and its files are what the truth says."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from ohmslice.cli import app
from ohmslice.io import read
from ohmslice.simulate.cell import OCV_NCM523_VS_LI
from ohmslice.simulate.reference import RATES, reference_cells, write_reference_study
from ohmslice.study.file import load_study


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "reference"
    truth = write_reference_study(out, seed=11)
    return out, truth


def test_files_and_study_toml(study):
    out, truth = study
    assert len(truth["files"]) == 28
    s = load_study(out / "study.toml")
    assert [c.name for c in s.cells] == ["S_SE", "L_SE"]
    c = s.cell("L_SE")
    assert sorted(c.symmetric_eis) == [0.0, 50.0] and sorted(c.half_eis) == [0.0, 50.0]
    assert len(c.rate.charge) == len(c.rate.discharge) == len(RATES)
    assert c.counter_potential_V == pytest.approx(0.62)
    assert json.loads((out / "truth.json").read_text())["seed"] == 11
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]


def test_parameters_cross_at_the_stated_socs():
    cells = reference_cells()
    soc = np.linspace(0, 100, 1001)
    ps, pl = (cells[n].electrode.evaluate(soc) for n in ("S_SE", "L_SE"))
    np.testing.assert_array_equal(ps["r_contact_ohm_cm2"], pl["r_contact_ohm_cm2"])
    for key in ("r_ct_ohm_cm2", "r_diff_ohm_cm2"):
        above, below = soc > 25, soc < 15
        assert np.all(pl[key][above] < ps[key][above])
        assert np.all(pl[key][below] > ps[key][below])
    # R3 shows the difference most
    assert np.max(pl["r_diff_ohm_cm2"] / ps["r_diff_ohm_cm2"]) > np.max(
        pl["r_ct_ohm_cm2"] / ps["r_ct_ohm_cm2"]
    )


def test_truth_crossovers(study):
    cross = study[1]["crossover_soc_pct"]
    assert cross["model_soc"]["r2"] == [pytest.approx(22.0)]
    assert cross["model_soc"]["r3"] == [pytest.approx(18.0)]
    (total,) = cross["model_soc"]["total"]
    assert 18.0 < total < 22.0
    for key in ("r2", "r3", "r_total"):
        (w,) = cross["window_split"][key]
        assert 15.0 < w < 25.0


def test_total_resistance_lowest_near_3p8_V(study):
    for name in ("S_SE", "L_SE"):
        pulses = [p for p in study[1]["cells"][name]["pulses"] if "window" in p]
        soc = np.array([p["soc_pct"] for p in pulses])
        for key in (lambda p: p["r_total_ohm"], lambda p: p["window"]["r_total_ohm"]):
            r = np.array([key(p) for p in pulses])
            soc_min = soc[np.argmin(r)]
            assert 35.0 < soc_min < 60.0
            assert OCV_NCM523_VS_LI(soc_min / 100) == pytest.approx(3.8, abs=0.05)


def test_rate_tests_favour_l_in_charge_and_s_in_discharge(study):
    rate = study[1]["rate"]

    def cap(cell, direction, c):
        return rate[cell][direction][f"{c:g}C"]["capacity_mAh"]

    for c in RATES:
        assert cap("S_SE", "discharge", c) > cap("L_SE", "discharge", c)  # 0.1C included
        if c > 0.1:
            assert cap("L_SE", "charge", c) > cap("S_SE", "charge", c)
            retention = {n: cap(n, "charge", c) / cap(n, "charge", 0.1) for n in ("S_SE", "L_SE")}
            assert retention["L_SE"] > retention["S_SE"]
    assert rate["discharge_2C_crossing"] is not None
    assert 0.5 < rate["discharge_2C_crossing"]["capacity_mAh"] < 2.3


def test_gitt_file_is_sampled_from_100_us_after_each_pulse_start(study):
    out, truth = study
    rec = read(out / "S_SE_GITT_C01.mpt")
    t, i = rec.time, rec.current
    starts = np.flatnonzero((i[1:] < -1e-4) & (np.abs(i[:-1]) < 1e-5)) + 1
    assert len(starts) == truth["cells"]["S_SE"]["gitt_pulses_to_cutoff"]
    np.testing.assert_allclose(t[starts] - t[starts - 1], 1e-4, atol=1e-9)
    assert rec.voltage.min() >= 3.0 - 0.62 - 1e-3


def test_symmetric_spectrum_per_electrode_matches_model(study):
    out, _ = study
    cell = reference_cells()["L_SE"]
    sp = read(out / "L_SE_sym_SOC50_PEIS_C01.mpt")
    x_full = json.loads((out / "truth.json").read_text())["cells"]["L_SE"]["x_full_charge"]
    r_sep = cell.sym_separator_layers * cell.r_sep_ohm
    exact = cell.impedance(sp.freq, 50.0 * x_full, "electrode")
    got = sp.per_electrode(r_sep).z
    assert np.median(np.abs(got - exact) / np.abs(exact)) < 0.01


def test_cli_writes_study_and_refuses_bad_options(tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["simulate", "reference", "-o", str(tmp_path / "s"), "--pulses", "2"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "s" / "truth.json").is_file()
    assert "crossover" in r.output
    r = runner.invoke(app, ["simulate", "reference", "-o", str(tmp_path / "t"), "--decimal", ";"])
    assert r.exit_code == 2
    assert not (tmp_path / "t").exists()
    (tmp_path / "f").write_text("x")
    r = runner.invoke(app, ["simulate", "reference", "-o", str(tmp_path / "f")])
    assert r.exit_code == 2


@pytest.mark.parametrize(
    ("variant", "first_s"),
    [({"sampling": "1s", "diffusion": "Wsph"}, 1.0), ({"sampling": "0.1s"}, 0.1),
     ({"sampling": "dE", "diffusion": "Wo"}, 1e-4)],
)  # fmt: skip
def test_variants_are_recorded_as_asked(tmp_path, variant, first_s):
    """A GITT recorded on the clock only has its first sample one dt after each step; by
    dE, right after the current change. The study file names the cells' own circuit,
    the spectra stop where asked, and the truth says which variant it is."""
    from ohmslice.dc.gitt import analyze_gitt
    from ohmslice.io import read_recording, read_spectra
    from ohmslice.simulate.reference import CIRCUITS, pulse_truth_table

    truth = write_reference_study(tmp_path / "s", seed=1, n_pulses=3, rates=(),
                                  eis_f_min_hz=0.1, **variant)  # fmt: skip
    assert truth["variant"]["sampling"] == variant["sampling"]
    study = load_study(tmp_path / "s" / "study.toml")
    assert study.analysis["circuit"] == CIRCUITS[variant.get("diffusion", "Ws")]
    cell = study.cell("S_SE")
    assert cell.rate.charge == [] and cell.rate.discharge == []
    g = analyze_gitt(read_recording(cell.gitt))
    np.testing.assert_allclose(g.pulses.t_first_s, first_s, rtol=0.01)
    spec = read_spectra(cell.symmetric_eis[50.0])[0]
    assert spec.freq.min() == pytest.approx(0.1)
    tab = pulse_truth_table(truth, "S_SE")
    assert len(tab) == 3
    np.testing.assert_allclose(tab.r12_ohm, tab.r1_ohm + tab.r2_ohm)
    assert np.all(tab.r_total_ohm > tab.r12_ohm + tab.r3_ohm)


def test_bad_variants_are_refused(tmp_path):
    from ohmslice.errors import InputError

    for bad in ({"sampling": "2s"}, {"diffusion": "Wx"}, {"eis_f_min_hz": 0.0},
                {"tau_ct_s": -1.0}):  # fmt: skip
        with pytest.raises(InputError):
            write_reference_study(tmp_path / "s", n_pulses=1, rates=(), **bad)
    assert not (tmp_path / "s").exists()
