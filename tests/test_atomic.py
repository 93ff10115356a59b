import pytest

from ohmslice._atomic import atomic_dir, atomic_file


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


def test_atomic_dir_replaces_only_on_success(tmp_path):
    d = tmp_path / "results"
    d.mkdir()
    (d / "a").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_dir(d) as tmp:
            (tmp / "b").write_text("half")
            raise RuntimeError
    assert [x.name for x in d.iterdir()] == ["a"]
    with atomic_dir(d) as tmp:
        (tmp / "b").write_text("new")
    assert [x.name for x in d.iterdir()] == ["b"]
    assert [x.name for x in tmp_path.iterdir()] == ["results"]
