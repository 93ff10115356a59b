"""``ohmslice cycling``: tables and figure from real and simulated files, exit 2 on bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ohmslice.cli import app
from ohmslice.simulate.cycling import CyclingCell, simulate_cycling, write_cycling

runner = CliRunner()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    d = tmp_path_factory.mktemp("cycling")
    cell = CyclingCell(contact_growth_start=6, contact_growth_ohm_per_cycle=1.0)
    sim = simulate_cycling(12, cell, rest_s=300, record_dt_s=120)
    (path,) = write_cycling(sim, d)
    return path, sim


def test_real_files_table_and_figure(tmp_path, shared_data):
    files = [
        str(shared_data / "biologic" / f) for f in ("gcpl.issue_211.mpr", "gcpl.issue_149.mpt")
    ]
    out, fig = tmp_path / "cycles.csv", tmp_path / "cycling.png"
    res = runner.invoke(app, ["cycling", *files, "--mass-mg", "1", "-o", str(out),
                              "--plot", str(fig)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "gcpl.issue_211: 5 complete cycle(s)" in res.output
    df = pd.read_csv(out)
    assert sorted(df["cell"].unique()) == ["gcpl.issue_149", "gcpl.issue_211"]
    first = df[df["cell"] == "gcpl.issue_211"].iloc[0]
    assert first["ce_pct"] == pytest.approx(92.840805, abs=1e-5)  # EC-Lab's Efficiency/%
    assert first["discharge_mAh_g"] == pytest.approx(53.38902, rel=1e-5)
    assert fig.stat().st_size > 20_000


def test_simulated_mpt_and_change_point(tmp_path, simulated):
    path, sim = simulated
    out = tmp_path / "cycles.parquet"
    res = runner.invoke(app, ["cycling", str(path), "--area-cm2", "0.785", "-o", str(out)])
    assert res.exit_code == 0, res.output
    df = pd.read_parquet(out)
    np.testing.assert_allclose(df["discharge_mAh"], sim.truth["discharge_mAh"], rtol=1e-5)
    text = " ".join(res.output.split())  # rich wraps at the terminal's width
    assert "step start r_discharge: trend" in text and "change-point detected: cycle 6 " in text


def test_bad_input_exits_2(tmp_path, simulated, shared_data):
    path, _ = simulated
    res = runner.invoke(app, ["cycling", str(shared_data / "biologic" / "mb.issue_149.mpr")])
    assert res.exit_code == 2 and "no complete cycle" in res.output
    t = np.arange(0, 600.0, 10.0)
    rest = tmp_path / "rest.csv"
    pd.DataFrame({"time_s": t, "voltage_V": 3.7 + 0 * t, "current_A": 0 * t}).to_csv(
        rest, index=False
    )
    res = runner.invoke(app, ["cycling", str(rest)])
    assert res.exit_code == 2 and "rest.csv" in res.output and "no current flows" in res.output
    joined = tmp_path / "joined.csv"
    from ohmslice.io import read_recording

    d = read_recording(path).data
    d = pd.concat([d, d.assign(time_s=d["time_s"] + d["time_s"].max() + 1)], ignore_index=True)
    d[["time_s", "voltage_V", "current_A", "cycle"]].to_csv(joined, index=False)
    res = runner.invoke(app, ["cycling", str(joined)])
    assert res.exit_code == 2 and "cycle counter goes backwards" in res.output
    res = runner.invoke(app, ["cycling", str(joined), "--cycles", "current"])
    assert res.exit_code == 0, res.output
    for args, msg in (
        (["--mass-mg", "-1"], "--mass-mg"),
        (["-o", str(tmp_path / "t.xlsx")], "not supported"),
        (["--plot", str(tmp_path / "nodir" / "f.png")], "folder does not exist"),
        (["--cycles", "steps"], "--cycles"),
    ):
        res = runner.invoke(app, ["cycling", str(path), *args])
        assert res.exit_code == 2 and msg in res.output, (args, res.output)
    res = runner.invoke(app, ["cycling", str(tmp_path / "missing.mpt")])
    assert res.exit_code == 2 and "missing.mpt" in res.output
    assert not list(tmp_path.glob("t.*"))
