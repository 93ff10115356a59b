"""The main job end to end: `ohmslice demo` on the simulated reference study."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from ohmslice.cli import app

runner = CliRunner()


def test_demo_end_to_end(tmp_path):
    from ohmslice import open_results

    out = tmp_path / "demo"
    res = runner.invoke(app, ["demo", "-o", str(out), "--boot", "40"])
    assert res.exit_code == 0, res.output
    results, figures = out / "results", out / "figures"
    for stem in ("fig1_discharge_curves", "fig2_half_cell_nyquist", "fig3_symmetric_nyquist",
                 "fig4_gitt", "fig5_resistance_vs_soc", "fig6_rate_curves", "figS7_gitt_vs_eis",
                 "figS8_rate_capability", "drt", "fit_residuals"):  # fmt: skip
        assert (figures / f"{stem}.png").stat().st_size > 0 and (figures / f"{stem}.svg").is_file()
    report = (out / "report.html").read_text(encoding="utf-8")
    assert report.count("<figure ") == 11 and "Where the order reverses" in report
    assert [p.name for p in out.glob(".*")] == [".ohmslice.json"]
    assert (results / "results.duckdb").is_file() and (results / "csv" / "components.csv").is_file()
    store = open_results(out)
    comp = store.sql("SELECT DISTINCT cell, method FROM components ORDER BY ALL")
    assert comp.values.tolist() == [["L_SE", "model"], ["L_SE", "windows"],
                                    ["S_SE", "model"], ["S_SE", "windows"]]  # fmt: skip
    x = store.table("crossovers").set_index("component")
    # true crossovers of the reference cells: R2 22 %, R3 18 %, total 19.7 % SOC on the
    # model's axis; on the GITTs' own SOC scale (0 % at the end of the last pulse) ~0.3 %
    # lower
    assert abs(x.loc["r2", "soc_pct"] - 21.7) < 1.5
    assert abs(x.loc["r3", "soc_pct"] - 17.7) < 1.5
    assert abs(x.loc["r_total", "soc_pct"] - 19.4) < 1.5
    assert "r1" not in x.index  # same contact resistance: no crossover
    assert (x.lower_above == "L_SE").all() and (x.soc_reference == "discharge").all()
    text = " ".join(res.output.split())
    assert "order reverses" in text and "true SOC %" in text
    assert "SOC scale of S_SE: SOC 100 % at the start of the first pulse" in text
    assert "comparison by the" in text and "ohmslice query" in text
    assert f"report: {out / 'report.html'}" in text and "time: analysis" in text
    run = store.table("runs").iloc[0]
    assert run["method_used"] in ("model", "windows")
    assert (store.table("notes")["stage"] == "study").any()
    cells = store.table("cells").set_index("cell")
    assert cells.loc["S_SE", "soc_basis"] == "discharge"
    assert "r3_ohm" in set(
        store.sql('SELECT "column" FROM columns WHERE "table" = \'components\'')["column"]
    )
    inputs = store.table("inputs")
    assert "S_SE_GITT_C01.mpt" in set(inputs["path"]) and inputs["sha256"].str.len().eq(64).all()
    truth = json.loads((out / "study" / "truth.json").read_text())
    assert truth["crossover_soc_pct"]["model_soc"]["r2"] == pytest.approx([22.0], abs=0.05)


def test_true_crossovers_follow_the_soc_scale():
    """The simulator's crossovers, mapped onto each cell's scale, like for like."""
    from types import SimpleNamespace

    from ohmslice.cli.demo import true_crossovers

    soc = np.linspace(0.0, 100.0, 201)
    par = {"soc_pct": soc.tolist(), "r1_ohm": [1.0] * soc.size,
           "r2_ohm": (1.0 + 0.01 * (soc - 30)).tolist(), "r3_ohm": [2.0] * soc.size}  # fmt: skip
    flat = dict(par, r2_ohm=[1.0] * soc.size)

    def cell(p):
        pulses = [{"soc_end_pct": 100 * 0.02 / 0.98}]  # x_end = 0.02
        return {"parameters": p, "x_full_charge": 0.98, "pulses": pulses, "capacity_mAh": 2.0}

    truth = {"cells": {"S_SE": cell(flat), "L_SE": cell(par)}}
    gitts = {
        basis: SimpleNamespace(soc_basis=basis, capacity_Ah=2e-3)
        for basis in ("discharge", "charge", "given")
    }
    for basis, want in (("discharge", 100 * (0.30 - 0.02) / 0.96), ("charge", 30 / 0.98),
                        ("given", 100 - (98 - 30))):  # fmt: skip
        result = SimpleNamespace(
            cells={n: SimpleNamespace(gitt=gitts[basis]) for n in ("S_SE", "L_SE")}
        )
        got = true_crossovers(truth, result)
        assert got["r2"] == pytest.approx([want], abs=0.01), basis
        assert got["r1"] == []


def test_run_bad_study(tmp_path):
    bad = tmp_path / "study.toml"
    bad.write_text('[study]\nname = "x"\n[[cell]]\nname = "a"\ngitt = "missing.mpt"\n')
    res = runner.invoke(app, ["run", str(bad)])
    assert res.exit_code == 2
    assert "missing.mpt" in res.output


@pytest.fixture(scope="module")
def reference_study(tmp_path_factory):
    from ohmslice.simulate import write_reference_study

    d = tmp_path_factory.mktemp("ref") / "study"
    write_reference_study(d, seed=1)
    return d / "study.toml"


def test_run_refuses_a_folder_of_user_files_before_any_analysis(tmp_path, reference_study,
                                                               monkeypatch):  # fmt: skip
    import ohmslice.study.run as run

    monkeypatch.setattr(run, "run_study", lambda *a, **k: pytest.fail("analysis started"))
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("mine")
    for out, message in ((mine, "did not write"), (mine / "chapter1.tex", "exists as a file"),
                         (mine / "chapter1.tex" / "out", "is a file, not a folder"),
                         (reference_study.parent, "did not write")):  # fmt: skip
        res = runner.invoke(app, ["run", str(reference_study), "-o", str(out)])
        assert res.exit_code == 2, res.output
        assert message in " ".join(res.output.split()) and "Traceback" not in res.output
    assert (mine / "chapter1.tex").read_text() == "mine"


def test_ctrl_c_keeps_the_previous_results(tmp_path, reference_study, monkeypatch):
    import ohmslice.study.run as run
    from ohmslice._atomic import results_dir
    from ohmslice.study import load_study

    out = tmp_path / "out"  # earlier results of the same study
    with results_dir(out, study=load_study(reference_study).name) as tmp:
        (tmp / "previous.csv").write_text("1")

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "run_study", interrupted)
    res = runner.invoke(app, ["run", str(reference_study), "-o", str(out)])
    assert res.exit_code == 130
    assert res.output.strip() == "interrupted, previous results kept"
    assert (out / "previous.csv").read_text() == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _every_second(path):
    """Rewrite a GITT .mpt as an instrument sampling every 1 s records it: no sample in
    the first second after a current change."""
    from ohmslice.io import read_recording
    from ohmslice.schema import Recording
    from ohmslice.simulate import write_mpt

    rec = read_recording(path)
    t, i = rec.time, rec.current
    change = np.flatnonzero(np.abs(np.diff(i)) > 1e-7)  # last sample before a step
    last = np.searchsorted(change, np.arange(t.size), side="left") - 1
    since = t - np.where(last >= 0, t[change[np.clip(last, 0, None)]], -np.inf)
    keep = ~((since > 0) & (since < 0.999))
    write_mpt(Recording(rec.data[keep].reset_index(drop=True), rec.meta), path)


def test_run_with_one_second_sampling_compares_what_is_there(tmp_path):
    """R1 and R2 cannot be split at 1 s sampling: the run goes on, compares R1 + R2 and
    says why R1 and R2 are missing (it used to stop with exit 2, nothing written)."""
    from ohmslice.simulate import write_reference_study

    study = tmp_path / "study"
    write_reference_study(study, seed=3, n_pulses=20, rates=(0.1,))
    for name in ("S_SE", "L_SE"):
        _every_second(study / f"{name}_GITT_C01.mpt")
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(study / "study.toml"), "-o", str(out), "--boot", "20"])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "R1 of S_SE and L_SE not compared" in text and "0 usable values" in text
    from ohmslice import open_results

    store = open_results(out)
    ranges = store.table("ranges")
    assert {"r12", "r3", "r_total"} <= set(ranges.component)
    assert "r1" not in set(ranges.component)
    notes = " ".join(store.sql("SELECT text FROM notes WHERE stage = 'comparison'")["text"])
    assert "R1 + R2" in notes
