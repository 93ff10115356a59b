"""The main job end to end: `ohmslice demo` on the simulated reference study."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from ohmslice.cli import app

runner = CliRunner()


def test_demo_end_to_end(tmp_path):
    out = tmp_path / "demo"
    res = runner.invoke(app, ["demo", "-o", str(out), "--boot", "40"])
    assert res.exit_code == 0, res.output
    results, figures = out / "results", out / "figures"
    for name in ("S_SE", "L_SE"):
        assert (results / f"{name}_decomposition_model.csv").is_file()
        assert (figures / f"{name}_gitt.png").stat().st_size > 0
    assert (figures / "resistance_map_windows.png").is_file()
    assert (figures / "rate.png").is_file()
    assert [p.name for p in out.glob(".*")] == [".ohmslice.json"]
    x = pd.read_csv(results / "crossovers.csv").set_index("component")
    # true crossovers of the reference cells: R2 22 %, R3 18 %, total 19.7 % SOC
    assert abs(x.loc["r2", "soc_pct"] - 22.0) < 2.0
    assert abs(x.loc["r3", "soc_pct"] - 18.0) < 2.0
    assert abs(x.loc["r_total", "soc_pct"] - 19.7) < 2.0
    assert "r1" not in x.index  # same contact resistance: no crossover
    assert (x.lower_above == "L_SE").all()
    assert "order reverses" in res.output


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

    out = tmp_path / "out"
    with results_dir(out, study="x") as tmp:
        (tmp / "previous.csv").write_text("1")

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "run_study", interrupted)
    res = runner.invoke(app, ["run", str(reference_study), "-o", str(out)])
    assert res.exit_code == 130
    assert res.output.strip() == "interrupted, previous results kept"
    assert (out / "previous.csv").read_text() == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
