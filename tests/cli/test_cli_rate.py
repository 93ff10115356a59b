import numpy as np
import pandas as pd
import pytest
from synth_rate import Q_AH, RATES, SimCell, rate_sequence
from typer.testing import CliRunner

from ohmslice.cli import app

runner = CliRunner()


def _csv(rec, path):
    rec.data[["time_s", "voltage_V", "current_A"]].to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("rate")
    out, truth = {}, {}
    for name, r0 in (("L_SE", lambda x: 5 + 6.25 * (1 - np.asarray(x))), ("S_SE", 10.0)):
        sim, tr = rate_sequence(RATES, cell=SimCell(x=0.0005, r0=r0))
        out[name] = _csv(sim.recording(), d / f"{name}_rate.csv")
        truth[name] = tr
    return out, truth


def test_one_cell_table_and_outputs(tmp_path, files):
    paths, truth = files
    table = tmp_path / "steps.csv"
    fig = tmp_path / "rate.png"
    res = runner.invoke(app, ["rate", str(paths["S_SE"]), "--capacity-mAh", str(1e3 * Q_AH),
                              "--mass-mg", "16.5", "-o", str(table), "--plot", str(fig)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "S_SE_rate" in res.output and "nominal capacity 2.5 mAh" in res.output
    df = pd.read_csv(table)
    dis = df[df["direction"] == "discharge"]
    want = [1e3 * d["charge_Ah"] for d in truth["S_SE"]["discharge"]]
    assert dis["capacity_mAh"].to_numpy() == pytest.approx(want, rel=1e-6)
    assert dis["capacity_mAh_g"].to_numpy() == pytest.approx(np.array(want) / 0.0165, rel=1e-6)
    assert dis["c_rate_nominal"].tolist() == RATES
    assert fig.stat().st_size > 10_000
    assert not list(tmp_path.glob(".*"))


def test_two_cells_report_crossing(tmp_path, files):
    paths, _ = files
    out = tmp_path / "steps.parquet"
    res = runner.invoke(app, ["rate", "--cell", f"L_SE={paths['L_SE']}", "--cell",
                              f"S_SE={paths['S_SE']}", "--capacity-mAh", "2.5", "--axis", "soc",
                              "-o", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    # both start full from the same CC-CV charge; R0 equal at x = 0.2 of the model capacity
    assert "discharge 2C, L_SE vs S_SE: curves cross at SOC" in res.output
    df = pd.read_parquet(out)
    assert sorted(df["cell"].unique()) == ["L_SE", "S_SE"]


def test_c_rate_needs_capacity_option(tmp_path):
    sim = SimCell(x=0.92)  # a charged cell, discharges only
    sim.rest(600)
    sim.cc(-0.1 * Q_AH, 3.0, t_max=3600.0)  # ends by time: no full capacity to infer from
    sim.rest(600)
    sim.cc(-1.0 * Q_AH, 3.0)
    path = _csv(sim.recording(), tmp_path / "partial.csv")
    res = runner.invoke(app, ["rate", str(path)])
    assert res.exit_code == 2
    assert "--capacity-mAh" in res.output and "partial.csv" in res.output


def test_bad_input(tmp_path, files):
    paths, _ = files
    t = np.arange(0, 600.0, 10.0)
    rest = tmp_path / "rest.csv"
    pd.DataFrame({"time_s": t, "voltage_V": 3.7 + 0 * t, "current_A": 0 * t}).to_csv(
        rest, index=False
    )
    res = runner.invoke(app, ["rate", str(rest)])
    assert res.exit_code == 2 and "no constant-current" in res.output
    res = runner.invoke(app, ["rate", "--cell", "nofile"])
    assert res.exit_code == 2 and "NAME=FILE" in res.output
    res = runner.invoke(app, ["rate", str(paths["L_SE"]), "-o", str(tmp_path / "x.xlsx")])
    assert res.exit_code == 2 and "xlsx" in res.output
    res = runner.invoke(app, ["rate", str(tmp_path / "missing.csv")])
    assert res.exit_code == 2
    res = runner.invoke(app, ["rate", str(paths["L_SE"]), "--plot", str(tmp_path / "x.gif")])
    assert res.exit_code == 2 and "figure format '.gif'" in res.output
    res = runner.invoke(app, ["rate", str(paths["L_SE"]), "-o", str(tmp_path / "no" / "t.csv")])
    assert res.exit_code == 2 and "folder does not exist" in res.output
    res = runner.invoke(app, ["rate", str(paths["L_SE"]), "--rates", "fast"])
    assert res.exit_code == 2 and "--rates" in res.output
    res = runner.invoke(app, ["rate", str(paths["L_SE"]), "--rates", "5", "--plot",
                              str(tmp_path / "p.png"), "-o", str(tmp_path / "t.csv")])  # fmt: skip
    assert res.exit_code == 2 and "rates present" in res.output
    assert not (tmp_path / "p.png").exists() and not (tmp_path / "t.csv").exists()
    res = runner.invoke(app, ["rate"])
    assert res.exit_code == 2 and "no file given" in res.output
    res = runner.invoke(app, ["rate", str(paths["L_SE"]), "--capacity-mAh", "-1"])
    assert res.exit_code == 2 and "--capacity-mAh" in res.output
