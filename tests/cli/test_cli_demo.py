"""The main job end to end: `ohmslice demo` on the simulated reference study."""

import pandas as pd
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
    assert not list(out.glob(".*"))
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
