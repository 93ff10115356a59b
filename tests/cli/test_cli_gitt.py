"""``ohmslice gitt`` on files the tests write (canonical CSV columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synth_gitt import make_gitt
from typer.testing import CliRunner

from ohmslice.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def gitt_csv(tmp_path_factory):
    s = make_gitt(n_pulses=8, seed=41)
    path = tmp_path_factory.mktemp("gitt") / "cell_GITT.csv"
    s.recording.data[["time_s", "voltage_V", "current_A"]].to_csv(path, index=False)
    return s, path


def test_table_plot_and_summary(gitt_csv, tmp_path):
    s, path = gitt_csv
    out, fig = tmp_path / "pulses.csv", tmp_path / "gitt.png"
    res = runner.invoke(
        app, ["gitt", str(path), "-o", str(out), "--plot", str(fig), "--cutoff-V", "3.0"]
    )
    assert res.exit_code == 0, res.output
    assert "8 discharge pulses" in res.output
    assert "last full charge" in res.output
    df = pd.read_csv(out)
    assert len(df) == 8
    np.testing.assert_allclose(df.r_total_ohm, s.truth.r_total_ohm, rtol=0.01)
    np.testing.assert_allclose(df.soc_end_pct, s.truth.soc_end_pct, atol=0.05)
    assert fig.stat().st_size > 10_000
    assert not list(tmp_path.glob(".*"))


def test_parquet_capacity_and_diffusion(gitt_csv, tmp_path):
    s, path = gitt_csv
    out = tmp_path / "pulses.parquet"
    cap_mah = s.capacity_Ah * 1e3 * 2
    res = runner.invoke(
        app,
        ["gitt", str(path), "-o", str(out), "--capacity-mAh", str(cap_mah), "--radius-um", "3"],
    )
    assert res.exit_code == 0, res.output
    df = pd.read_parquet(out)
    assert "d_sphere_m2_s" in df.columns and "m²/s" in res.output
    # twice the capacity: every pulse moves SOC by half as much
    np.testing.assert_allclose(
        df.soc_end_pct - df.soc_start_pct,
        (s.truth.soc_end_pct - s.truth.soc_start_pct) / 2,
        rtol=1e-3,
    )


def test_bad_input_is_one_line_exit_2(gitt_csv, tmp_path):
    s, path = gitt_csv
    res = runner.invoke(app, ["gitt", str(path), "-o", str(tmp_path / "x.xlsx")])
    assert res.exit_code == 2 and "use .csv or .parquet" in res.output
    res = runner.invoke(app, ["gitt", str(path), "--capacity-mAh", "-1"])
    assert res.exit_code == 2 and "--capacity-mAh" in res.output
    res = runner.invoke(app, ["gitt", str(tmp_path / "missing.csv")])
    assert res.exit_code == 2
    rest = tmp_path / "rest.csv"
    t = np.arange(100.0)
    pd.DataFrame({"time_s": t, "voltage_V": 3.7 + 0 * t, "current_A": 0 * t}).to_csv(
        rest, index=False
    )
    out = tmp_path / "never.csv"
    res = runner.invoke(app, ["gitt", str(rest), "-o", str(out)])
    assert res.exit_code == 2 and "no constant-current pulse" in res.output
    assert not out.exists()
    nocur = tmp_path / "nocur.csv"
    pd.DataFrame({"time_s": t, "voltage_V": 3.7 + 0 * t}).to_csv(nocur, index=False)
    res = runner.invoke(app, ["gitt", str(nocur)])
    assert res.exit_code == 2 and "current" in res.output


def test_soc_reference_option(gitt_csv, tmp_path):
    s, path = gitt_csv
    out = tmp_path / "p.csv"
    res = runner.invoke(app, ["gitt", str(path), "-o", str(out), "--soc-reference", "discharge"])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out)
    assert df.soc_end_pct.iat[-1] == pytest.approx(0.0, abs=1e-9)
    text = " ".join(res.output.split())
    assert "SOC reference: discharge scale" in text and "0 % at the end of the last pulse" in text
    res = runner.invoke(
        app,
        ["gitt", str(path), "-o", str(out), "--soc-reference", "nominal", "--capacity-mAh", "5"],
    )
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out)
    cap = 1e3 * s.truth.charge_Ah.abs().iloc[0]  # mAh per pulse
    np.testing.assert_allclose(df.soc_start_pct - df.soc_end_pct, 100 * cap / 5, rtol=1e-3)
    res = runner.invoke(app, ["gitt", str(path), "--soc-reference", "2.36mAh"])
    assert res.exit_code == 0 and "SOC reference: given scale" in " ".join(res.output.split())
    for args, message in (
        (["--soc-reference", "nominal"], "--capacity-mAh"),
        (["--soc-reference", "2.36"], "unit"),
        (["--soc-reference", "half"], "--soc-reference"),
        (["--soc-reference", "charge", "--capacity-mAh", "2"], "give one"),
    ):
        res = runner.invoke(app, ["gitt", str(path), *args])
        assert res.exit_code == 2 and message in " ".join(res.output.split()), (args, res.output)
