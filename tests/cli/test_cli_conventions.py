"""One CLI convention: help texts show their units, every command that writes takes
-o/--output, shared options mean the same everywhere, numbers print one way, progress
goes to stderr (plain lines off a terminal, a rich display on one)."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from ohmslice.cli import app
from ohmslice.cli._output import column_unit, num, pm
from ohmslice.simulate import QUIET, Rest, gitt, hppc, ncm523_cell, simulate, write_mpt

runner = CliRunner()
ROOT = typer.main.get_command(app)
#: Commands that write nothing but what they print.
PRINT_ONLY = {"inspect", "query"}


def _commands(group=ROOT, prefix: tuple[str, ...] = ()):
    for name, cmd in sorted(group.commands.items()):
        if hasattr(cmd, "commands"):  # a group (typer's own click)
            yield from _commands(cmd, (*prefix, name))
        else:
            yield (*prefix, name), cmd


COMMANDS = list(_commands())
IDS = [" ".join(p) for p, _ in COMMANDS]


def _flat(text: str) -> str:
    """Rendered help without box drawing, whitespace collapsed."""
    return " ".join(re.sub(r"[│╭╮╰╯─┃━]", " ", text).split())


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=IDS)
def test_help_shows_every_help_text_whole(path, cmd):
    """rich reads [mAh] as markup and drops it: every option's help text, units
    included, must appear in the rendered --help as written."""
    res = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"}, terminal_width=200)
    assert res.exit_code == 0, res.output
    shown = _flat(res.output)
    for p in cmd.params:
        if getattr(p, "hidden", False) or not getattr(p, "help", None):
            continue
        assert not re.search(r"(?<!\\)\[[^\]]*\]", p.help), (path, p.name, p.help)
        assert " ".join(p.help.split()) in shown, (path, p.name, p.help)


def test_units_in_help_excerpts():
    res = runner.invoke(app, ["gitt", "--help"], env={"COLUMNS": "200"}, terminal_width=200)
    text = _flat(res.output)
    for unit in ("(mAh)", "(µm)", "(s)", "(V)"):
        assert unit in text, unit
    res = runner.invoke(app, ["conductivity", "--help"], terminal_width=200)
    assert "(mm)" in _flat(res.output) and "(°C)" in _flat(res.output)


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=IDS)
def test_every_writing_command_takes_o_output(path, cmd):
    opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
    if path[-1] in PRINT_ONLY:
        return
    assert {"-o", "--output"} <= opts, (path, sorted(opts))
    assert not {"--out", "--c", "--m", "--x"} & {
        o for p in cmd.params if not getattr(p, "hidden", False) for o in p.opts
    }


def test_shared_options_same_everywhere():
    """--capacity-mAh, --soc-reference, --min-rest-s, --cutoff-V of the pulse commands:
    one definition each (cli/_options.py), so the same help."""
    by_cmd = {p: {o: prm for prm in c.params for o in prm.opts} for p, c in COMMANDS}
    for opt in ("--soc-reference", "--min-rest-s", "--cutoff-V", "--capacity-mAh"):
        helps = {by_cmd[(c,)][opt].help for c in ("gitt", "decompose")}
        assert len(helps) == 1, (opt, helps)


def test_renamed_options_and_aliases(tmp_path):
    res = runner.invoke(app, ["simulate", "reference", "--out", str(tmp_path / "s"), "--pulses",
                              "2", "-q"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "deprecated" in res.output and (tmp_path / "s" / "truth.json").is_file()
    res = runner.invoke(app, ["simulate", "reference"])
    assert res.exit_code == 2 and "-o/--output" in res.output
    res = runner.invoke(app, ["eis", "kk", "x.csv", "--c", "0.8"])
    assert res.exit_code == 2  # gone: --mu-cutoff


def test_number_formatting():
    assert pm(2.755e-4, 4.532e-6) == "(2.755 ± 0.045)e-4"
    assert pm(2.755e-4, 4.532e-6, "Ohm") == "275.5 ± 4.5 µOhm"
    assert pm(253, 12.3, "Ohm") == "253 ± 12 Ohm"
    assert pm(0.2755e-3, 0.005e-3, "s") == "275.5 ± 5.0 µs"
    assert pm(0.99, 0.0996) == "0.99 ± 0.10"  # error rounds up to 0.10: value to 0.01
    assert pm(1234.0, 567.0, "Ohm") == "1.23 ± 0.57 kOhm"
    assert pm(0.312, 0.0123, "eV") == "0.312 ± 0.012 eV"
    assert pm(5.0, float("inf")) == "5 ± inf"
    assert pm(76.08467091295189, 3.8e-13, "Ohm") == "76.0847 ± 0.0000 Ohm"  # 6 digits at most
    assert pm(5.0, 0.0, "s") == "5 s" and pm(float("nan"), 1.0) == ""
    assert num(2.755e-4, "Ohm") == "275.5 µOhm" and num(None) == ""
    assert column_unit([1e-3, 2e-3, 3e-3], "Ohm") == (1e3, "mOhm")
    assert column_unit([2e-14, 3e-14], "m²/s") == (1e14, "1e-14 m²/s")
    assert column_unit([2.0, 3.0], "V") == (1.0, "V")


# --- new commands, SOC reference, progress ---------------------------------------------
@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("conv")
    cell = ncm523_cell()
    h = simulate(cell, [Rest(600.0), hppc(cell, n_blocks=2)], soc0=0.9, noise=QUIET)
    write_mpt(h.recording, d / "hppc.mpt")
    # a GITT without a full charge before it: SOC is the pulses' own charge
    g = simulate(cell, [Rest(600.0), gitt(cell, n_pulses=5, rest_s=1500)], soc0=0.95,
                 noise=QUIET, technique="GITT")  # fmt: skip
    write_mpt(g.recording, d / "gitt.mpt")
    return d, cell


def test_hppc_command(files, tmp_path):
    from ohmslice.dc.dcir import hppc as hppc_api
    from ohmslice.io import read_recording

    d, cell = files
    out = tmp_path / "pairs.csv"
    cap = 1e3 * cell.nominal_capacity_Ah
    res = runner.invoke(app, ["hppc", str(d / "hppc.mpt"), "--capacity-mAh", str(cap),
                              "--at-s", "0.1,1", "--at-s", "10", "-o", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    import pandas as pd

    got = pd.read_csv(out)
    want = hppc_api(read_recording(d / "hppc.mpt"), times_s=[0.1, 1, 10],
                    capacity_Ah=cap / 1e3)  # fmt: skip
    assert len(got) == len(want) == 2
    np.testing.assert_allclose(got["dis_r_1s_ohm"], want["dis_r_1s_ohm"], rtol=1e-9)
    text = " ".join(res.output.split())
    assert "2 HPPC pulse pairs" in text and " 1s " in text and "SOC: 100 % at the start" in text
    assert " dis " in text and " chg " in text
    assert res.stderr.count("] reading hppc.mpt") == 1  # progress off a terminal
    res = runner.invoke(app, ["hppc", str(d / "hppc.mpt"), "--json"])
    import json

    data = json.loads(res.stdout)
    assert data["command"] == "hppc" and len(data["rows"]) == 2 and "soc_pct" in data["rows"][0]
    res = runner.invoke(app, ["hppc", str(d / "gitt.mpt")])
    assert res.exit_code == 2 and "no charge/discharge pulse pair" in res.output


def test_dcir_command(files, tmp_path):
    d, _ = files
    out = tmp_path / "dcir.parquet"
    res = runner.invoke(app, ["dcir", str(d / "hppc.mpt"), "--at-s", "0.01,1", "-o", str(out),
                              "--min-rest-s", "30"])  # fmt: skip
    assert res.exit_code == 0, res.output
    import pandas as pd

    t = pd.read_parquet(out)
    assert {"r_10ms_ohm", "r_1s_ohm", "r_end_ohm"} <= set(t.columns) and len(t) == 6
    assert (t["r_1s_ohm"] > t["r_10ms_ohm"]).all()
    assert "6 pulses from rest; R (Ohm) at t after the step" in " ".join(res.output.split())
    for args, msg in ((["--at-s", "-1"], "--at-s"), (["-o", "x.xlsx"], "use .csv or .parquet")):
        bad = runner.invoke(app, ["dcir", str(d / "hppc.mpt"), *args])
        assert bad.exit_code == 2 and msg in bad.output, bad.output


def test_gitt_without_full_charge_warns(files):
    d, _ = files
    res = runner.invoke(app, ["gitt", str(d / "gitt.mpt")])
    assert res.exit_code == 0, res.output
    out, err = " ".join(res.stdout.split()), " ".join(res.stderr.split())
    assert "SOC reference: discharge scale" in out and "GITT's own discharge" in out
    assert "warning: no full charge before the pulses" in err and "no state of charge" in err
    assert "Q mid" in out and "SOC mid" not in out  # charge passed, not SOC
    res = runner.invoke(app, ["gitt", str(d / "gitt.mpt"), "--soc-reference", "nominal",
                              "--capacity-mAh", "2.3"])  # fmt: skip
    assert res.exit_code == 0 and "warning: no full charge" not in res.stderr
    assert "SOC mid" in " ".join(res.stdout.split())


def test_progress_lines_off_a_terminal(files):
    d, _ = files
    res = runner.invoke(app, ["gitt", str(d / "gitt.mpt")])
    lines = [ln for ln in res.stderr.splitlines() if re.match(r"\[\s*\d+\.\d s\] ", ln)]
    assert [ln.split("] ", 1)[1] for ln in lines] == ["reading gitt.mpt", "GITT analysis"]
    assert "reading gitt.mpt" not in res.stdout  # results only on stdout
    quiet = runner.invoke(app, ["gitt", str(d / "gitt.mpt"), "-q"])
    assert not re.search(r"\[\s*\d+\.\d s\]", quiet.stderr)


def _in_terminal(args: list[str], timeout: float = 60.0) -> str:
    """Run ``ohmslice args`` on a pseudo-terminal; everything it wrote."""
    main, sub = pty.openpty()
    env = {**os.environ, "COLUMNS": "150", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    cmd = [sys.executable, "-c", "from ohmslice.cli import main; main()", *args]
    proc = subprocess.Popen(cmd, stdin=sub, stdout=sub, stderr=sub, env=env)
    os.close(sub)
    out = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(main)
    return out.decode("utf-8", "replace")


def test_in_a_terminal_help_units_and_progress_display(files):
    text = _in_terminal(["gitt", "--help"])
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    assert "(mAh)" in plain and "(µm)" in plain
    d, _ = files
    text = _in_terminal(["decompose", str(d / "gitt.mpt"), "--eis", f"50={d / 'sym.mpt'}",
                         "--method", "model"])  # fmt: skip
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    # the rich display: descriptions with a bar and elapsed time, no plain stage lines
    assert "reading gitt.mpt" in plain and "0:00:0" in plain, plain
    assert "decomposition (model)" in plain
    assert not re.search(r"\[\s*\d+\.\d s\] reading", plain)
    assert "model decomposition, 5 pulses" in plain


@pytest.fixture(scope="module", autouse=True)
def _spectrum(files):
    from ohmslice.simulate import write_mpt_spectrum

    d, cell = files
    f = np.logspace(6, -2, 61)
    write_mpt_spectrum(cell.spectrum(f, 50.0, kind="symmetric"), d / "sym.mpt")


def test_decompose_model_progress_and_min_rest(files):
    d, _ = files
    res = runner.invoke(app, ["decompose", str(d / "gitt.mpt"), "--eis", f"50={d / 'sym.mpt'}",
                              "--method", "model", "--min-rest-s", "1000",
                              "--cutoff-V", "2.5"])  # fmt: skip
    assert res.exit_code == 0, res.output
    stages = [ln.split("] ", 1)[1] for ln in res.stderr.splitlines()
              if re.match(r"\[\s*\d+\.\d s\] ", ln)]  # fmt: skip
    assert stages[:3] == ["reading gitt.mpt", "GITT analysis", "time constants of sym.mpt "
                          "(50 % SOC)"]  # fmt: skip
    assert "decomposition (model): fitting 5 pulses" in stages
    assert stages[-1].startswith("decomposed 5 pulses")
    assert " ± " in res.stdout and "R1 / " in res.stdout
    bad = runner.invoke(app, ["decompose", str(d / "gitt.mpt"), "--eis", f"50={d / 'sym.mpt'}",
                              "--min-rest-s", "0"])  # fmt: skip
    assert bad.exit_code == 2 and "--min-rest-s" in bad.output


def test_a_study_names_what_it_skipped():
    from types import SimpleNamespace as NS

    from ohmslice.study.run import StudyResult

    def study(cells, comparison, dec):
        r = StudyResult(name="s", cells=cells, comparison=comparison)
        r.decompositions = lambda method=None: dec  # type: ignore[method-assign]
        return r

    one = study({"A": NS(rate=None)}, None, {"A": 1})
    text = " | ".join(one.skipped())
    assert "comparison of the cells' R1/R2/R3: only one cell (A) has a decomposition" in text
    assert "rate analysis: the study names no rate files" in text
    two = study({"A": NS(rate=1), "B": NS(rate=None)}, object(), {"A": 1, "B": 1})
    assert two.skipped() == [
        "rate analysis of B: no rate files",
        "comparison of the discharge curves: only A has rate tests",
    ]


def test_json_on_the_commands_that_print_a_result(files):
    """--json prints one JSON document on stdout and nothing else (progress: stderr)."""
    import json

    d, _ = files
    gitt_file, hppc_file = str(d / "gitt.mpt"), str(d / "hppc.mpt")
    for args, check in (
        (["inspect", gitt_file, hppc_file], lambda j: [x["file"] for x in j] == [gitt_file, hppc_file]),
        (["gitt", gitt_file], lambda j: len(j["pulses"]) == 5 and j["soc_anchored"] is False),
        (["dcir", hppc_file], lambda j: bool(j)),
        (["rate", hppc_file, "--capacity-mAh", "2.3"], lambda j: "steps" in next(iter(j.values()))),
    ):  # fmt: skip
        res = runner.invoke(app, [*args, "--json"])
        assert res.exit_code == 0, (args, res.output)
        assert check(json.loads(res.stdout)), args
