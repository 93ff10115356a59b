"""Files and folders written whole or not at all, never at the cost of a user's file."""

import json
import os

import pytest

from ohmslice._atomic import MARKER, atomic_file, check_output_dir, results_dir
from ohmslice.errors import InputError


def test_atomic_file_replaces_only_on_success(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_file(p) as tmp:
            tmp.write_text("half")
            raise RuntimeError
    assert p.read_text() == "old"
    with atomic_file(p) as tmp:
        tmp.write_text("new")
    assert p.read_text() == "new"
    assert [x.name for x in tmp_path.iterdir()] == ["t.csv"]


# --- the output folder of a run ----------------------------------------------------------


def _run(out, files, study="s"):
    with results_dir(out, study=study) as tmp:
        for rel, text in files.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_text(text)


def test_results_dir_new_folder_with_marker_and_user_modes(tmp_path):
    out = tmp_path / "a" / "b" / "out"
    old = os.umask(0o022)
    try:
        _run(out, {"results/t.csv": "1", "figures/f.png": "2"}, study="two cathodes")
    finally:
        os.umask(old)
    marker = json.loads((out / MARKER).read_text())
    assert marker["study"] == "two cathodes"
    assert set(marker["files"]) == {"results/t.csv", "figures/f.png"}
    assert (out / "results/t.csv").stat().st_mode & 0o777 == 0o644
    assert (out / "results").stat().st_mode & 0o777 == 0o755
    assert out.stat().st_mode & 0o777 == 0o755
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]  # no temporary left


def test_results_dir_replaces_its_own_results_and_keeps_the_users(tmp_path):
    out = tmp_path / "out"
    _run(out, {"results/old.csv": "old", "figures/f.png": "old"})
    (out / "my_notes.txt").write_text("mine")
    (out / "results" / "mine.csv").write_text("mine too")
    _run(out, {"results/new.csv": "new", "figures/f.png": "new"})
    assert not (out / "results/old.csv").exists()
    assert (out / "figures/f.png").read_text() == "new"
    assert (out / "my_notes.txt").read_text() == "mine"
    assert (out / "results/mine.csv").read_text() == "mine too"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_results_dir_failure_or_interrupt_keeps_the_previous_results(tmp_path):
    out = tmp_path / "out"
    _run(out, {"results/t.csv": "old"})
    for exc in (RuntimeError, KeyboardInterrupt):
        with pytest.raises(exc):
            with results_dir(out, study="s") as tmp:
                (tmp / "half.csv").write_text("half")
                raise exc
        assert (out / "results/t.csv").read_text() == "old"
        assert sorted(p.name for p in out.iterdir()) == [MARKER, "results"]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_user_file_is_never_replaced(tmp_path):
    out = tmp_path / "out"
    _run(out, {"results/t.csv": "old"})
    (out / "results" / "t.csv").write_text("edited by the user")
    with pytest.raises(InputError, match="changed since ohmslice wrote them"):
        _run(out, {"results/t.csv": "new"})
    assert (out / "results/t.csv").read_text() == "edited by the user"
    out2 = tmp_path / "out2"
    _run(out2, {"a.csv": "1"})
    (out2 / "b.csv").write_text("user's")
    with pytest.raises(InputError, match="did not write has the name of a new result"):
        _run(out2, {"b.csv": "ours"})
    assert (out2 / "b.csv").read_text() == "user's"


def test_check_output_dir(tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(InputError, match="exists as a file"):
        check_output_dir(f)
    with pytest.raises(InputError, match="is a file, not a folder"):
        check_output_dir(f / "below" / "out")
    users = tmp_path / "users"
    users.mkdir()
    (users / "thesis.docx").write_text("x")
    with pytest.raises(InputError, match="holds files ohmslice did not write"):
        check_output_dir(users)
    assert (users / "thesis.docx").exists()
    (tmp_path / "empty").mkdir()
    check_output_dir(tmp_path / "empty")
    check_output_dir(tmp_path / "new" / "deeper")
    assert not (tmp_path / "new").exists()  # checked, nothing created


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_check_output_dir_without_permission(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(InputError, match="no permission"):
            check_output_dir(ro / "out")
    finally:
        ro.chmod(0o755)
