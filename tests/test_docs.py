"""Every code example of the documentation runs.

Each page of ``docs/`` runs in a fresh temporary folder (its working directory), its
fenced blocks in order:

* ```` ```python ````: executed, all blocks of a page in one namespace;
* ```` ```sh ````: every command line (``#`` comments dropped, ``\\`` continuations
  joined) must start with ``ohmslice``; it runs through the typer app in-process and must
  exit with 0; ``> FILE`` writes its output to FILE;
* any block preceded by ``<!-- docs-test: file=NAME -->`` is written to NAME instead (a
  study file the next block loads);
* a block preceded by ``<!-- docs-test: skip -->`` is not run (used sparingly: an
  install command, a synopsis), ``<!-- docs-test: exit=N -->`` expects exit code N;
* other blocks (``text``, ``toml`` without a file marker, output) are not run.

Two commands are deterministic and slow enough to run once per session:
``ohmslice demo -o demo`` and ``ohmslice simulate reference -o study``. The first page
that uses one runs it (for real, through the app) in a cache folder; every page that
uses it gets a copy of its output folder.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if not p.name.startswith("_"))
RUNNABLE = ("python", "py", "sh", "bash", "console", "shell")

#: commands run once per session: argv -> the output folder they write
CACHED = {
    ("demo", "-o", "demo"): "demo",
    ("simulate", "reference", "-o", "study"): "study",
}

_FENCE = re.compile(
    r"(?P<marker>(?:<!--\s*docs-test:[^>]*-->\s*\n)*)"
    r"^(?P<indent>[ \t]*)(?P<fence>```+)(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


@dataclass
class Block:
    lang: str
    body: str
    line: int
    options: dict[str, str]


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of a page, with their ``docs-test`` options."""
    text = path.read_text(encoding="utf-8")
    out = []
    for m in _FENCE.finditer(text):
        options: dict[str, str] = {}
        for opt in re.findall(r"docs-test:([^>]*)-->", m.group("marker")):
            for word in opt.split():
                key, _, value = word.partition("=")
                options[key] = value
        indent = len(m.group("indent"))
        body = "\n".join(line[indent:] for line in m.group("body").splitlines())
        lang = m.group("info").strip().split(" ")[0].lower()
        out.append(Block(lang, body, text[: m.start("fence")].count("\n") + 1, options))
    return out


def commands(body: str) -> list[str]:
    """The command lines of a shell block: continuations joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", body)
    return [line for line in joined.splitlines() if line.split("#", 1)[0].strip()]


@contextlib.contextmanager
def _chdir(folder: Path):
    old = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


class Runner:
    """Runs ``ohmslice`` command lines through the typer app, caching the slow ones."""

    def __init__(self, cache: Path) -> None:
        from typer.testing import CliRunner

        self.cache = cache
        self.cli = CliRunner()
        self.done: dict[tuple[str, ...], tuple[int, str, BaseException | None]] = {}

    def invoke(self, argv: list[str]) -> tuple[int, str, BaseException | None]:
        from ohmslice.cli import app

        res = self.cli.invoke(app, argv)
        error = res.exception if not isinstance(res.exception, SystemExit) else None
        return res.exit_code, res.output, error

    def run(self, line: str, cwd: Path) -> tuple[int, str]:
        argv = shlex.split(line, comments=True)
        assert argv[0] == "ohmslice", f"not an ohmslice command: {line!r} (mark the block)"
        argv = argv[1:]
        target = None
        if ">" in argv:
            k = argv.index(">")
            argv, target = argv[:k], argv[k + 1]
        key = tuple(argv)
        if key in CACHED:
            folder = self.cache / "_".join(key).replace("-", "")
            if key not in self.done:
                folder.mkdir(parents=True, exist_ok=True)
                with _chdir(folder):
                    self.done[key] = self.invoke(argv)
            code, output, error = self.done[key]  # a failure is not run again either
            if code == 0:
                shutil.copytree(folder / CACHED[key], cwd / CACHED[key], symlinks=True)
        else:
            code, output, error = self.invoke(argv)
        if error is not None:
            raise error
        if target is not None:
            (cwd / target).write_text(output, encoding="utf-8")
        return code, output


@pytest.fixture(scope="session")
def runner(tmp_path_factory) -> Runner:
    return Runner(tmp_path_factory.mktemp("docs-cache"))


def test_pages_found():
    names = {p.name for p in PAGES}
    assert {"index.md", "tutorial.md", "study_file.md", "method.md", "cli.md"} <= names


def _has_examples(page: Path) -> bool:
    return any(b.lang in RUNNABLE and "skip" not in b.options for b in blocks(page))


EXAMPLES = [p for p in PAGES if _has_examples(p)]


@pytest.mark.parametrize("page", EXAMPLES, ids=[str(p.relative_to(DOCS)) for p in EXAMPLES])
def test_examples_run(page: Path, runner: Runner, tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block in blocks(page):
        where = f"{page.relative_to(DOCS)}:{block.line}"
        if "skip" in block.options:
            continue
        if "file" in block.options:
            target = tmp_path / block.options["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.body + "\n", encoding="utf-8")
            continue
        if block.lang in RUNNABLE[:2]:
            code = compile(block.body, where, "exec")
            with contextlib.redirect_stdout(io.StringIO()):
                exec(code, namespace)  # noqa: S102 - the documentation's own examples
        elif block.lang in RUNNABLE[2:]:
            expected = int(block.options.get("exit", "0"))
            for line in commands(block.body):
                code, output = runner.run(line, tmp_path)
                assert code == expected, f"{where}: {line!r} exited with {code}:\n{output}"


def test_blocks_parser(tmp_path):
    text = "a\n\n<!-- docs-test: skip -->\n```sh\nohmslice x\n```\n\n```python\nprint(1)\n```\n"
    page = tmp_path / "page.md"
    page.write_text(text)
    got = blocks(page)
    assert [(b.lang, b.options) for b in got] == [("sh", {"skip": ""}), ("python", {})]
    assert commands("ohmslice a \\\n  --b c  # note\n\n# only a comment\n") == [
        "ohmslice a    --b c  # note"
    ]
