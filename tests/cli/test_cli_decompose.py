from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ohmslice.cli import app
from ohmslice.cli.decompose import parse_eis
from ohmslice.errors import InputError
from ohmslice.simulate import (
    QUIET,
    Rest,
    cc_cv_charge,
    gitt,
    ncm523_cell,
    simulate,
    write_mpt,
    write_mpt_spectrum,
)

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("dec")
    cell = ncm523_cell()
    prog = [Rest(600.0), *cc_cv_charge(cell), Rest(3600.0), gitt(cell, n_pulses=6, rest_s=1500)]
    res = simulate(cell, prog, noise=QUIET, technique="GITT")
    write_mpt(res.recording, d / "gitt.mpt")
    f = np.logspace(6, -2, 81)
    write_mpt_spectrum(cell.spectrum(f, 96.0, kind="symmetric"), d / "sym96.mpt")
    return d


def test_decompose_command(files):
    out, fig = files / "r.csv", files / "r.png"
    res = runner.invoke(
        app,
        [
            "decompose", str(files / "gitt.mpt"), "--eis", f"96={files / 'sym96.mpt'}",
            "--circuit", "R0-p(R1,C1)-Zarc2-Ws3", "-o", str(out), "--plot", str(fig),
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    tab = pd.read_csv(out)
    assert len(tab) == 6
    assert {"r1_ohm", "r2_ohm_err", "r3_ohm", "t1_s", "flag"} <= set(tab.columns)
    assert {"r_ocv_ohm", "closure_ohm", "r3_paper_ohm", "usable", "soc_start_pct"} <= set(
        tab.columns
    )
    np.testing.assert_allclose(tab.closure_ohm, 0.0, atol=1e-9)  # the windows method closes
    assert "SOC reference: charge scale" in " ".join(res.output.split())
    assert fig.stat().st_size > 0
    assert "GITT vs EIS" in res.output
    # R2 per electrode from the spectrum agrees with the pulses' R2 near its SOC
    assert abs(tab.r2_ohm.iloc[3] / ncm523_cell().parameters_ohm(96.5)["r2"] - 1) < 0.1
    js = runner.invoke(app, ["decompose", str(files / "gitt.mpt"), "--eis",
                             f"96={files / 'sym96.mpt'}", "--circuit", "R0-p(R1,C1)-Zarc2-Ws3",
                             "--json"])  # fmt: skip
    assert js.exit_code == 0, js.output
    doc = __import__("json").loads(js.stdout)
    assert len(doc["pulses"]) == 6 and doc["soc_basis"] == "charge" and doc["gitt_vs_eis"]
    np.testing.assert_allclose([p["r2_ohm"] for p in doc["pulses"]], tab.r2_ohm, rtol=1e-6)


def test_bad_eis_option(files):
    res = runner.invoke(app, ["decompose", str(files / "gitt.mpt"), "--eis", "half=x.mpt"])
    assert res.exit_code == 2
    assert "SOC=FILE" in res.output
    res = runner.invoke(
        app, ["decompose", str(files / "gitt.mpt"), "--eis", f"50={files / 'nope.mpt'}"]
    )
    assert res.exit_code == 2
    assert "nope.mpt" in res.output


def test_parse_eis():
    assert parse_eis(["50=a.mpt", "0=b.mpt"]) == {50.0: Path("a.mpt"), 0.0: Path("b.mpt")}
    for bad in (["50"], ["120=a"], ["50=a", "50=b"], []):
        with pytest.raises(InputError):
            parse_eis(bad)
