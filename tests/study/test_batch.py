"""``ohmslice batch`` on a 2-process LocalCluster: small simulated studies, one broken.

One cluster serves the module (started by :func:`ohmslice.study.batch.batch_client` and
closed by its context manager, so no worker process outlives the tests); the command
line reaches it by its address (``--scheduler``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ohmslice.cli import app
from ohmslice.errors import InputError
from ohmslice.simulate.population import write_population
from ohmslice.study import batch as batch_mod
from ohmslice.study.batch import batch_client, batch_summary, plan_batch, run_batch
from ohmslice.study.store import open_results

runner = CliRunner()
N_BOOT = 10


@pytest.fixture(scope="module")
def population(tmp_path_factory) -> Path:
    """Three small studies (one cell each, 8 GITT pulses of 10 % SOC), and a fourth
    whose GITT file is cut short: it loads, but cannot be analysed."""
    root = tmp_path_factory.mktemp("batch") / "pop"
    write_population(root, 3, seed=3, n_pulses=8, cells_per_study=1)
    shutil.copytree(root / "study_003", root / "broken")
    toml = root / "broken" / "study.toml"
    toml.write_text(toml.read_text().replace("population study 003", "broken study"))
    gitt = root / "broken" / "c003a_GITT_C01.mpt"
    gitt.write_text("\n".join(gitt.read_text(encoding="latin-1").splitlines()[:60]),
                    encoding="latin-1")  # fmt: skip
    return root


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory) -> Path:
    """The batch folder the tests share (the command line resumes the Python API's)."""
    return tmp_path_factory.mktemp("batch_out") / "out"


@pytest.fixture(scope="module")
def client():
    with batch_client(2, retries=1) as c:
        yield c


def test_plan_finds_and_names_studies(population, tmp_path):
    tasks = plan_batch([population])
    assert [t.id for t in tasks] == ["broken", "study_001", "study_002", "study_003"]
    listing = tmp_path / "list.csv"
    listing.write_text(f"study_file\n{population / 'study_002' / 'study.toml'}\n")
    assert [t.id for t in plan_batch([listing])] == ["study_002"]


def test_bad_input_is_refused_before_any_work(population, tmp_path):
    with pytest.raises(InputError, match="no study.toml"):
        plan_batch([tmp_path])
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "study.toml").write_text("[study\nname = ")
    with pytest.raises(InputError, match="invalid TOML"):
        plan_batch([population, bad])
    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        with batch_client(scheduler="tcp://127.0.0.1:9", connect_timeout_s=0.5):
            pass


def test_batch_runs_resumes_and_reruns_what_changed(population, client, batch_out):
    out = batch_out
    seen = []
    res = run_batch([population], out, client=client, n_boot=N_BOOT, on_study=seen.append)
    status = {o.id: o for o in res.outcomes}
    assert {k: o.status for k, o in status.items()} == {
        "broken": "failed", "study_001": "done", "study_002": "done", "study_003": "done"
    }  # fmt: skip
    assert "c003a_GITT_C01.mpt" in status["broken"].reason  # failed alone, with its reason
    assert len(seen) == 4 and not res.ok
    manifest = json.loads((out / "batch.json").read_text())
    assert manifest["studies"]["broken"]["status"] == "failed"
    assert manifest["stores"] == ["studies/study_001", "studies/study_002", "studies/study_003"]
    # one catalogue over every study that succeeded, each row with its study
    with open_results(out) as r:
        studies = r.sql("SELECT DISTINCT study FROM components ORDER BY study")["study"]
    assert list(studies) == [f"population study {k:03d}" for k in (1, 2, 3)]
    import duckdb

    cwd = os.getcwd()
    os.chdir(out)  # the catalogue's paths are relative to the batch folder
    try:
        con = duckdb.connect("catalogue.duckdb", read_only=True)
        n = con.execute("SELECT count(DISTINCT study) FROM cells").fetchone()[0]
        con.close()
    finally:
        os.chdir(cwd)
    assert n == 3
    # the summary: every cell at every SOC, ranked, with errors
    s = pd.read_parquet(out / "summary" / "summary.parquet")
    assert set(s["component"]) == {"r2", "r3"} and set(s["soc_pct"]) == {20.0, 50.0, 80.0}
    at50 = s[(s.component == "r2") & (s.soc_pct == 50.0)]
    assert list(at50["rank"]) == [1, 2, 3]
    assert (at50["value_ohm"].diff().dropna() >= 0).all() and (at50["err_ohm"] > 0).all()
    assert s.equals(batch_summary(out))
    # ... each value the truth (the simulator's developed R at that SOC) within its 95 %
    # interval, placed at the pulses' end SOC (mid-pulse was half a pulse off: 20 % high)
    for r in s.dropna(subset=["value_ohm"]).itertuples():
        k = int(r.cell[1:4])
        truth = json.loads((population / f"study_{k:03d}" / "truth.json").read_text())
        t, pulses = truth["cells"][r.cell]["parameters"], truth["cells"][r.cell]["pulses"]
        # the cell's GITT scale (100 % at the first pulse's start, 0 % at the last's end)
        # on the simulator's SOC axis
        hi, lo = pulses[0]["soc_start_pct"], pulses[-1]["soc_end_pct"]
        x = lo + r.soc_pct / 100 * (hi - lo)
        true = np.interp(x, t["soc_pct"], t[f"{r.component}_developed_ohm"])
        assert abs(r.value_ohm - true) < 1.96 * r.err_ohm + 0.02 * true, (r.cell, r.component)
    # second run: the finished studies are skipped, the failed one runs again
    res2 = run_batch([population], out, client=client, n_boot=N_BOOT)
    assert {o.id: o.status for o in res2.outcomes} == {
        "broken": "failed", "study_001": "skipped", "study_002": "skipped",
        "study_003": "skipped",
    }  # fmt: skip
    # a changed input, or changed settings, run again
    toml = population / "study_002" / "study.toml"
    old = toml.read_text()
    toml.write_text(old + "\n# edited\n")
    try:
        res3 = run_batch([population / "study_001", population / "study_002"], out,
                         client=client, n_boot=N_BOOT)  # fmt: skip
    finally:
        toml.write_text(old)
    assert [o.status for o in res3.outcomes] == ["skipped", "done"]
    from ohmslice.study.file import load_study

    hashes = batch_mod._input_hashes(load_study(population / "study_001" / "study.toml"))
    dest = out / "studies" / "study_001"
    settings = json.loads((out / "batch.json").read_text())["settings"]
    assert batch_mod._unchanged(dest, hashes, settings)
    assert not batch_mod._unchanged(dest, hashes, {**settings, "n_boot": N_BOOT + 1})
    with open_results(out) as r:  # studies left out of a later batch stay in the catalogue
        assert r.sql("SELECT count(DISTINCT study) AS n FROM runs")["n"][0] == 3


def _dies_on_study_003(study_file: str, dest: str, settings: dict) -> dict:
    """A task that kills its worker process for study_003 (as a crash or the kernel's
    out-of-memory killer would) and does nothing for the others."""
    if "study_003" in study_file:
        os._exit(1)
    return {"status": "done", "worker_pid": os.getpid()}


def test_a_study_that_kills_workers_is_marked_failed(population, client, tmp_path):
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import tests
    try:
        res = run_batch([population / "study_001", population / "study_003"], tmp_path / "o",
                        client=client, n_boot=N_BOOT, task=_dies_on_study_003)  # fmt: skip
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    status = {o.id: o for o in res.outcomes}
    assert status["study_001"].status == "done"
    assert status["study_003"].status == "failed"
    assert "died" in status["study_003"].reason


def test_cli_exit_codes(population, client, batch_out, tmp_path, monkeypatch):
    out = batch_out
    addr = client.scheduler.address
    args = ["batch", str(population), "-o", str(out), "--scheduler", addr, "--boot", "10"]
    res = runner.invoke(app, args)
    assert res.exit_code == 1, res.output  # the broken study failed, the others are current
    assert re.search(r"4 studies: \d done, \d skipped \(unchanged\), 1 failed", res.output)
    assert "failed broken:" in res.output and "c003a_GITT_C01.mpt" in res.output
    assert (out / "summary" / "summary.png").is_file()
    res = runner.invoke(app, ["batch", *map(str, (population / f"study_00{k}" for k in (1, 2))),
                              "-o", str(out), "--scheduler", addr, "--boot", "10"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "0 done, 2 skipped" in res.output
    q = runner.invoke(app, ["query", str(out), "SELECT count(DISTINCT study) AS n FROM pulses",
                            "--csv"])  # fmt: skip
    assert q.exit_code == 0 and q.output.split() == ["n", "3"]
    # bad input: one line, exit 2, nothing written
    empty = tmp_path / "empty"
    empty.mkdir()
    for bad in ([str(empty)], [str(tmp_path / "missing")]):
        res = runner.invoke(app, ["batch", *bad, "-o", str(tmp_path / "never")])
        assert res.exit_code == 2 and "error:" in res.output
    monkeypatch.setattr(batch_mod, "CONNECT_TIMEOUT_S", 0.5)
    res = runner.invoke(app, ["batch", str(population / "study_001"), "-o",
                              str(tmp_path / "never"), "--scheduler", "tcp://127.0.0.1:9"])  # fmt: skip
    assert res.exit_code == 2 and "cannot reach the Dask scheduler" in res.output
    assert not (tmp_path / "never").exists()
    res = runner.invoke(app, ["batch", str(population), "-o", str(population / "study_001")])
    assert res.exit_code == 2  # a folder of other files
