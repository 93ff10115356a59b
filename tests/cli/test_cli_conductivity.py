"""``ohmslice conductivity``: simulated EC-Lab files with known conductivities."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from ohmslice.cli import app
from ohmslice.impedance import Circuit
from ohmslice.schema import Spectrum
from ohmslice.simulate.conductivity import composite_spectrum, pellet_series
from ohmslice.simulate.noise import NoiseModel
from ohmslice.simulate.writers import write_csv, write_mpt_spectrum

runner = CliRunner()
NOISE = NoiseModel(impedance_rel_sd=0.003)
TEMPS = [-20.0, 25.0, 60.0]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cond")
    spectra, truth = pellet_series(TEMPS, noise=NOISE, r_series_ohm=0.0, seed=11)
    paths = [write_mpt_spectrum(s, d / f"pellet_{t:g}C.mpt") for s, t in zip(spectra, TEMPS,
                                                                            strict=True)]  # fmt: skip
    comp = write_csv(composite_spectrum(1e-4, noise=NOISE), d / "composite.csv")
    f = np.geomspace(1, 7e6, 60)
    z = Circuit("R0-p(R1,CPE1)").z(f, {"R0": 2.0, "R1": 50.0, "CPE1_0": 1e-6, "CPE1_1": 0.9})
    closed = write_csv(Spectrum.from_arrays(f, z), d / "li_li.csv")
    return paths, truth, comp, closed


def _temps():
    return [x for t in TEMPS for x in ("--temperature-c", str(t))]


def test_series_json_recovers_truth_and_writes_outputs(tmp_path, files):
    paths, truth, _, _ = files
    fig, table = tmp_path / "arrhenius.png", tmp_path / "cond.csv"
    res = runner.invoke(app, ["conductivity", *map(str, paths), "--thickness-mm", "0.6",
                              "--area-cm2", "0.785", "--thickness-err-mm", "0.01", *_temps(),
                              "--json", "--plot", str(fig), "-o", str(table)])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    for r, s_true in zip(out["results"], truth["sigma_S_cm"], strict=True):
        assert r["success"]
        assert abs(r["sigma_S_cm"] - s_true) < 2 * r["sigma_err_S_cm"]
        assert r["temperature_source"] == "given"
    assert [r["method"] for r in out["results"]] == ["arc", "intercept", "intercept"]
    a = out["arrhenius"]
    assert abs(a["ea_eV"] - truth["ea_eV"]) < 3 * a["ea_err_eV"]
    lo, hi = a["sigma_ref_ci95_S_cm"]
    assert lo < truth["sigma_25C_S_cm"] < hi
    assert fig.stat().st_size > 20_000
    assert table.read_text().count("\n") == 4


def test_series_table_output(files):
    paths, _, _, _ = files
    res = runner.invoke(app, ["conductivity", *map(str, paths), "--thickness-mm", "0.6",
                              "--area-cm2", "0.785", *_temps()])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "Arrhenius (3 temperatures): Ea = 0.3" in res.output
    assert "intercept" in res.output


def test_composite(files):
    _, _, comp, _ = files
    res = runner.invoke(app, ["conductivity", str(comp), "--kind", "composite",
                              "--thickness-mm", "0.05", "--area-cm2", "0.785", "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    r = json.loads(res.output)["results"][0]
    assert r["sigma_eff_S_cm"] == pytest.approx(1e-4, rel=0.01)


@pytest.mark.parametrize(
    ("args", "match"),
    [(["--area-cm2", "0.785"], "--thickness-mm is missing"),
     (["--thickness-mm", "0.6"], "--area-cm2 is missing"),
     (["--thickness-mm", "0.6", "--area-cm2", "0"], "--area-cm2 0: expected a value > 0"),
     (["--thickness-mm", "500", "--area-cm2", "0.785"], "implausible"),
     (["--thickness-mm", "0.6", "--area-cm2", "0.785", "--kind", "x"], "--kind"),
     (["--thickness-mm", "0.6", "--area-cm2", "0.785", "--temperature-c", "1",
       "--temperature-c", "2"], "once per file")],
)  # fmt: skip
def test_bad_options_exit_2(files, args, match):
    paths, _, _, _ = files
    res = runner.invoke(app, ["conductivity", *map(str, paths), *args])
    assert res.exit_code == 2, res.output
    assert match in " ".join(res.output.split())


def test_spectrum_without_blocking_branch_exits_2(files):
    _, _, _, closed = files
    res = runner.invoke(app, ["conductivity", str(closed), "--thickness-mm", "0.6",
                              "--area-cm2", "0.785"])  # fmt: skip
    assert res.exit_code == 2
    assert "no blocking branch" in " ".join(res.output.split())


def test_unusable_result_exits_1(tmp_path):
    s = composite_spectrum(1e-4, noise=NOISE, f_min_Hz=1e3)  # the knee below f_min
    path = write_csv(s, tmp_path / "high.csv")
    res = runner.invoke(app, ["conductivity", str(path), "--kind", "composite",
                              "--thickness-mm", "0.05", "--area-cm2", "0.785"])  # fmt: skip
    assert res.exit_code == 1, res.output
    assert "not usable" in res.output and "knee" in res.output
