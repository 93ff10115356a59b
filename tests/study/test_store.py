"""The results store: Parquet + CSV + DuckDB written atomically, read back, queried."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import ohmslice as om
from ohmslice.cli import app
from ohmslice.errors import InputError
from ohmslice.study import store
from ohmslice.study.tables import TABLES, contract_markdown

runner = CliRunner()
DOCS = Path(__file__).resolve().parents[2] / "docs" / "results.md"


@pytest.fixture(scope="module")
def study_file(tmp_path_factory):
    from ohmslice.simulate import write_reference_study

    d = tmp_path_factory.mktemp("store") / "study"
    write_reference_study(d, seed=0, n_pulses=5, rates=(0.1,))
    return d / "study.toml"


@pytest.fixture(scope="module")
def result(study_file):
    return om.run_study(om.load_study(study_file), n_boot=20)


@pytest.fixture(scope="module")
def out(result, study_file, tmp_path_factory):
    return om.write_results(result, tmp_path_factory.mktemp("w") / "out", study_file=study_file)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


# --- round trip ---------------------------------------------------------------------------
def test_every_table_round_trips_through_parquet_csv_and_duckdb(out, result, study_file):
    import pyarrow.parquet as pq

    built = store.build_tables(result, study_file=study_file)
    with om.open_results(out) as res:
        assert res.tables == sorted(TABLES)
        assert res.studies == [result.name]
        for name, want in built.items():
            got = res.table(name)
            assert got.columns[0] == "study" and set(got["study"]) <= {result.name}, name
            got = got.drop(columns="study")
            assert list(got.columns) == list(want.columns), name
            parquet = pd.read_parquet(out / f"{name}.parquet")
            csv = pd.read_csv(out / "csv" / f"{name}.csv")
            assert len(got) == len(want) == len(parquet) == len(csv), name
            if name == "runs":
                want = want.drop(columns=["run_id", "written_utc"])
                got = got.drop(columns=["run_id", "written_utc"])
            pd.testing.assert_frame_equal(
                got.astype(object).where(got.notna(), None),
                want.astype(object).where(want.notna(), None),
                check_dtype=False,
                obj=name,
            )
            # unit and meaning of every column travel with the Parquet file
            fields = pq.read_schema(out / f"{name}.parquet")
            spec = {c.name: c for c in TABLES[name].columns}
            for f in fields:
                assert f.metadata[b"unit"].decode() == spec[f.name].unit, (name, f.name)
    # nothing written beyond the contract (a new analysis column must be documented)
    assert (built["columns"]["meaning"] != "(not in the contract)").all()


def test_tables_hold_what_the_result_holds(out, result, study_file):
    res = om.open_results(out)
    comp = res.table("components")
    assert set(comp["method"]) == {"windows", "model"}
    assert set(comp["cell"]) == set(result.cells)
    assert len(comp) == sum(
        len(c.windows.table) + len(c.model.table) for c in result.cells.values()
    )
    assert (comp["comparison_method"] == (comp["method"] == result.method_used)).all()
    # areal resistances from the cells' area in the study file (0.785 cm2)
    ok = comp["r_total_ohm"].notna()
    assert (comp.loc[ok, "r_total_ohm_cm2"] / comp.loc[ok, "r_total_ohm"]).round(9).eq(0.785).all()
    cells = res.table("cells").set_index("cell")
    for name, c in result.cells.items():
        assert cells.loc[name, "soc_basis"] == c.gitt.soc_basis
        assert cells.loc[name, "soc_reference"] == c.gitt.soc_reference
    assert len(res.table("pulses")) == sum(len(c.gitt.pulses) for c in result.cells.values())
    spectra = res.sql("SELECT DISTINCT cell, spectrum, soc_pct FROM spectra")
    assert len(spectra) == sum(len(c.time_constants) + len(c.half_time_constants)
                               for c in result.cells.values())  # fmt: skip
    assert set(res.table("rate")["direction"]) == {"charge", "discharge"}
    assert len(res.table("gitt_curve")) > 1000 and len(res.table("rate_curves")) > 100
    # every note of the result is in the notes table, with its stage
    notes = res.table("notes")
    texts = set(notes["text"])
    assert all(" ".join(n.split()) in texts for n in result.notes)
    assert all(" ".join(n.split()) in texts for n in result.comparison.notes)
    assert set(notes.loc[notes["kind"] == "design", "stage"]) == {"comparison"}
    flagged = notes[notes["kind"] == "flag"]
    assert {"decomposition.model", "decomposition.windows"} & set(flagged["stage"])
    # the run: version, settings, hashes of the study file and of every input
    run = res.table("runs").iloc[0]
    assert run["ohmslice_version"] == om.__version__
    assert json.loads(run["settings_json"])["analysis"]["method"] == result.settings["method"]
    assert run["method_used"] == result.method_used
    inputs = res.table("inputs").set_index("path")
    digest = hashlib.sha256(study_file.read_bytes()).hexdigest()
    assert run["study_file_sha256"] == digest == inputs.loc["study.toml", "sha256"]
    named = {p for c in om.load_study(study_file).cells for p in c.files().values()}
    assert len(inputs) == len(named) + 1
    assert json.loads(run["inputs_sha256_json"]) == inputs["sha256"].to_dict()


def test_crossovers_are_stored_with_their_interval_and_scale(result, tmp_path):
    """A comparison with a crossover (the 5-pulse study has none): every column of it."""
    from ohmslice.method.compare import Comparison

    x = pd.DataFrame([{"component": "r3", "cell_a": "S_SE", "cell_b": "L_SE", "soc_pct": 18.2,
                       "ci_low_pct": 17.1, "ci_high_pct": 19.4, "found_fraction": 0.97,
                       "lower_above": "L_SE", "soc_reference": "discharge"}])  # fmt: skip
    cmp = Comparison(crossovers=x, ranges=result.comparison.ranges, notes=["R3 reverses."])
    crossed = dataclasses.replace(result, comparison=cmp)
    res = om.open_results(om.write_results(crossed, tmp_path / "x"))
    got = res.table("crossovers").iloc[0]
    assert got["method"] == result.method_used
    for col in x.columns:
        assert got[col] == x[col].iat[0], col
    html = crossed._repr_html_()
    assert "18.2" in html and "17.1-19.4" in html and "L_SE" in html
    assert "17.1-19.4" in res._repr_html_()


# --- deterministic, hashes ---------------------------------------------------------------
def test_same_inputs_give_identical_tables(out, study_file, tmp_path):
    again = om.run_study(om.load_study(study_file), n_boot=20)
    second = om.write_results(again, tmp_path / "again", study_file=study_file)
    a, b = _files(out), _files(second)
    assert set(a) == set(b)
    differ = sorted(f for f in a if a[f] != b[f])
    assert set(differ) <= {"runs.parquet", "csv/runs.csv", "results.duckdb", ".ohmslice.json"}
    ra, rb = (om.open_results(p).table("runs").iloc[0] for p in (out, second))
    assert ra["run_id"] != rb["run_id"]
    assert ra.drop(["run_id", "written_utc"]).equals(rb.drop(["run_id", "written_utc"]))


def test_a_changed_input_file_shows_as_a_changed_hash(result, study_file, tmp_path):
    copy = tmp_path / "study"
    shutil.copytree(study_file.parent, copy)
    before = om.open_results(
        om.write_results(result, tmp_path / "a", study_file=copy / "study.toml")
    )
    gitt = copy / "S_SE_GITT_C01.mpt"
    gitt.write_bytes(gitt.read_bytes() + b"\n")
    after = om.open_results(
        om.write_results(result, tmp_path / "b", study_file=copy / "study.toml")
    )
    ha = before.table("inputs").set_index("path")["sha256"]
    hb = after.table("inputs").set_index("path")["sha256"]
    assert list(ha.index[ha != hb]) == ["S_SE_GITT_C01.mpt"]
    ja, jb = (json.loads(r.table("runs")["inputs_sha256_json"].iat[0]) for r in (before, after))
    assert ja["S_SE_GITT_C01.mpt"] != jb["S_SE_GITT_C01.mpt"]


# --- the folder: refusal, force, atomicity ---------------------------------------------
def test_a_folder_of_other_files_is_refused_unless_forced(result, tmp_path):
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("mine")
    with pytest.raises(InputError, match="did not write") as err:
        om.write_results(result, mine)
    assert "\n" not in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]  # no temporary folder
    assert [p.name for p in mine.iterdir()] == ["chapter1.tex"]
    with pytest.raises(InputError, match="exists as a file"):
        om.write_results(result, mine / "chapter1.tex")
    om.write_results(result, mine, force=True)  # beside the user's file, which stays
    assert (mine / "chapter1.tex").read_text() == "mine"
    assert om.open_results(mine).table("cells")["cell"].tolist() == list(result.cells)
    om.write_results(result, mine)  # now ohmslice's folder: rewritten, the user's file kept
    assert (mine / "chapter1.tex").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]


def test_another_studys_results_are_refused_unless_forced(result, tmp_path):
    other = dataclasses.replace(result, name="another study")
    om.write_results(other, tmp_path / "out")
    with pytest.raises(InputError, match="another study"):
        om.write_results(result, tmp_path / "out")
    assert om.open_results(tmp_path / "out").studies == ["another study"]
    om.write_results(result, tmp_path / "out", force=True)
    assert om.open_results(tmp_path / "out").studies == [result.name]


def test_a_failed_write_leaves_the_previous_results_intact(result, tmp_path, monkeypatch):
    out = om.write_results(result, tmp_path / "out")
    before = _files(out)
    real, calls = store._arrow_table, []

    def failing(name, df):
        calls.append(name)
        if len(calls) == 5:
            raise OSError(28, "No space left on device")
        return real(name, df)

    monkeypatch.setattr(store, "_arrow_table", failing)
    with pytest.raises(OSError):
        om.write_results(result, out)
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert len(om.open_results(out).table("pulses")) == 10


def test_write_tables_wants_a_new_folder(result, tmp_path):
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(InputError, match="new or empty"):
        store.write_tables(result, tmp_path)


# --- reading and querying ----------------------------------------------------------------
def test_open_results_refuses_a_folder_without_results(tmp_path):
    with pytest.raises(InputError, match="no ohmslice results"):
        om.open_results(tmp_path)
    with pytest.raises(InputError, match="no such folder"):
        om.open_results(tmp_path / "missing")


def test_sql_errors_are_one_line_input_errors(out):
    res = om.open_results(out)
    with pytest.raises(InputError, match="^SQL: ") as err:
        res.sql("SELEC cell FROM pulses")
    assert "\n" not in str(err.value)
    with pytest.raises(InputError, match="no table 'pulse'; the tables are: arrhenius, cells"):
        res.table("pulse")


def test_several_folders_are_queried_together(out, tmp_path):
    run_folder = tmp_path / "run"  # an output folder of `ohmslice run`: OUT/results/
    shutil.copytree(out, run_folder / "results")
    with om.open_results([out, run_folder]) as res:
        assert len(set(res.studies)) == 2 and res.studies[1].endswith("[run]")
        cells = res.sql("SELECT study, count(*) AS n FROM cells GROUP BY study ORDER BY study")
        assert cells["n"].tolist() == [2, 2] and set(cells["study"]) == set(res.studies)
    cli = runner.invoke(app, ["query", str(out), str(run_folder), "--csv",
                              "SELECT study, cell FROM cells ORDER BY study, cell"])  # fmt: skip
    assert cli.exit_code == 0, cli.output
    lines = cli.output.strip().splitlines()
    assert lines[0] == "study,cell" and len(lines) == 5


def test_query_command(out, tmp_path):
    res = runner.invoke(app, ["query", str(out), "--csv",
                              "SELECT cell, count(*) AS n FROM pulses GROUP BY cell ORDER BY cell"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert res.output.splitlines() == ["cell,n", "L_SE,5", "S_SE,5"]
    table = runner.invoke(app, ["query", str(out), "SELECT cell, label FROM cells"])
    assert table.exit_code == 0 and "small-particle LPSCl" in table.output
    listing = runner.invoke(app, ["query", str(out)])
    assert listing.exit_code == 0 and "components" in listing.output
    for args, message in (([str(out), "SELEC 1"], "SQL: Parser Error"),
                          ([str(tmp_path), "SELECT 1"], "no ohmslice results"),
                          ([str(tmp_path / "none"), "SELECT 1"], "no such folder"),
                          (["SELECT 1"], "give the results folder"),
                          ([str(out), "SELECT * FROM nothing"], "SQL: Catalog Error")):  # fmt: skip
        bad = runner.invoke(app, ["query", *args])
        assert bad.exit_code == 2, (args, bad.output)
        text = bad.output.strip()
        assert text.startswith("error:") and message in text and "Traceback" not in text


def test_run_refuses_another_studys_results_before_any_analysis(result, study_file, tmp_path,
                                                                 monkeypatch):  # fmt: skip
    import ohmslice.study.run as run

    om.write_results(dataclasses.replace(result, name="another study"), tmp_path / "out")
    monkeypatch.setattr(run, "run_study", lambda *a, **k: pytest.fail("analysis started"))
    res = runner.invoke(app, ["run", str(study_file), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2 and "another study" in res.output and "--force" in res.output


# --- Jupyter, documentation ---------------------------------------------------------------
def test_html_summaries(out, result):
    html = result._repr_html_()
    for word in (result.name, "S_SE", "L_SE", result.method_used, "notes", "No crossover"):
        assert word in html, word
    assert "<script" not in html
    opened = om.open_results(out)._repr_html_()
    assert result.name in opened and "notes" in opened and om.__version__ in opened


def test_docs_list_the_column_contract():
    text = DOCS.read_text(encoding="utf-8")
    start, end = "<!-- contract: start -->\n", "<!-- contract: end -->"
    assert text[text.index(start) + len(start) : text.index(end)].strip() == (
        contract_markdown().strip()
    ), "docs/results.md is out of date: paste ohmslice.study.tables.contract_markdown()"


def test_warnings_shown_while_running_are_kept_as_notes(result, tmp_path):
    import warnings

    from ohmslice.cli._app import stage, user_warnings
    from ohmslice.cli.demo import _recording_warnings

    shown: list[tuple[str, str]] = []
    with user_warnings(), _recording_warnings(shown):
        stage["now"] = "S_SE: GITT"
        warnings.warn("the file ends mid-row;\nread up to row 9", UserWarning, stacklevel=1)
        stage["now"] = ""
    assert shown == [("S_SE: GITT", "the file ends mid-row; read up to row 9")]
    res = om.open_results(om.write_results(result, tmp_path / "out", warnings=shown))
    got = res.sql("SELECT cell, stage, kind, text FROM notes WHERE kind = 'warning'")
    assert got.values.tolist() == [["S_SE", "S_SE: GITT", "warning", shown[0][1]]]
