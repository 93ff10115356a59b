"""The corpus of broken and unusual inputs (``tests/data/broken``), run the way a lab meets
them: through the command line. Each input is refused with one line naming the file and
the reason (exit 2), or read and analysed with the warning it deserves; none crashes,
hangs, writes half a file or changes the input."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ohmslice.cli import app

CORPUS = Path(__file__).resolve().parent / "data" / "broken"
CASES = json.loads((CORPUS / "cases.json").read_text())
COMMAND = {
    "inspect": ["inspect"],
    "gitt": ["gitt"],
    "eis-fit": ["eis", "fit", "-c", "R0-p(R1,CPE1)"],
    "eis-kk": ["eis", "kk"],
}
runner = CliRunner()


class Hang(Exception):
    pass


def _alarm(*_):
    raise Hang("the command blocked or ran for more than 60 s")


def _check(args: list[str], exit: int, match: str) -> str:
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(60)
    try:
        res = runner.invoke(app, args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    out = res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in out and "Error:" not in out  # no Python exception, no usage box
    assert res.exit_code == exit, out
    if exit == 2:
        errors = [ln for ln in out.splitlines() if ln.startswith("error:")]
        assert len(errors) == 1, out
    assert re.search(match, " ".join(out.split())), out
    return out


def test_corpus_is_what_the_script_writes(tmp_path):
    sys.path.insert(0, str(CORPUS))
    try:
        import make_corpus
    finally:
        sys.path.remove(str(CORPUS))
    listed = make_corpus.write(tmp_path)
    assert listed == CASES
    for case in CASES:
        name = case["file"]
        assert (tmp_path / "files" / name).read_bytes() == (CORPUS / "files" / name).read_bytes(), (
            name
        )


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_broken_input(case, tmp_path, monkeypatch):
    src = CORPUS / "files" / case["file"]
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    monkeypatch.chdir(tmp_path)  # anything written would land here
    _check([*COMMAND[case["command"]], str(src)], case["exit"], case["match"])
    assert hashlib.sha256(src.read_bytes()).hexdigest() == digest
    assert list(tmp_path.iterdir()) == []


def _fifo(d: Path) -> Path:
    os.mkfifo(d / "pipe.mpt")
    return d / "pipe.mpt"


def _loop(d: Path) -> Path:
    (d / "a.csv").symlink_to(d / "b.csv")
    (d / "b.csv").symlink_to(d / "a.csv")
    return d / "a.csv"


def _newline(d: Path) -> Path:
    p = d / "cell\nA.csv"
    p.write_bytes(b"")
    return p


@pytest.mark.parametrize(
    "make, match",
    [
        (_fifo, "is a named pipe"),
        (_loop, "loop of symbolic links"),
        (lambda d: d / ("x" * 300 + ".mpt"), "longer than the file system allows"),
        (_newline, r"cell\\nA.csv: empty file"),
        (lambda d: d, "is a folder"),
        (lambda d: d / "nothing.mpt", "no such file"),
    ],
    ids=["named-pipe", "symlink-loop", "long-name", "newline-in-name", "folder", "missing"],
)
@pytest.mark.parametrize("command", ["inspect", "gitt", "eis-fit"])
def test_paths_the_system_refuses(make, match, command, tmp_path):
    _check([*COMMAND[command], str(make(tmp_path))], 2, match)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may read any file")
def test_unreadable_file(tmp_path):
    p = tmp_path / "secret.mpt"
    p.write_text("x")
    p.chmod(0)
    _check(["inspect", str(p)], 2, "permission denied")
