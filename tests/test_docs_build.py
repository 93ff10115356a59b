"""The documentation site builds with warnings as errors (``mkdocs build --strict``), and
its reference pages cover every command and every public module."""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"

pytest.importorskip("mkdocs", reason="the docs tools are in the 'dev' extra")
pytest.importorskip("mkdocstrings_handlers.python", reason="the docs tools are in the 'dev' extra")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return out


def test_site_builds_strict(site):
    for page in ("index.html", "tutorial.html", "study_file.html", "method.html",
                 "formats.html", "cli.html", "api/index.html", "api/method.html"):  # fmt: skip
        assert (site / page).is_file(), page
    assert not (site / "_gen_cli.py").exists()  # the hook is not published


def test_cli_reference_lists_every_command(site):
    import click
    import typer.main

    from ohmslice.cli import app

    html = (site / "cli.html").read_text(encoding="utf-8")
    assert "cli-reference" not in html  # the marker was replaced

    def walk(cmd, path):
        yield " ".join(path), cmd
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            yield from walk(sub, [*path, name])

    for name, cmd in walk(typer.main.get_command(app), ["ohmslice"]):
        assert f"<code>{name}</code>" in html, name
        ctx = click.Context(cmd, info_name=name)
        for param in cmd.params:
            if param.get_help_record(ctx) is not None:
                for opt in param.opts:
                    if opt.startswith("-"):
                        assert opt in html, f"{name} {opt}"


def test_api_pages_cover_every_public_module(site):
    html = "\n".join(p.read_text(encoding="utf-8") for p in (site / "api").glob("*.html"))
    missing = []
    for pkg in ("io", "dc", "impedance", "method", "study", "report", "simulate"):
        mod = importlib.import_module(f"ohmslice.{pkg}")
        for info in pkgutil.iter_modules(mod.__path__):
            name = f"ohmslice.{pkg}.{info.name}"
            if not info.name.startswith("_") and f'id="{name}"' not in html:
                missing.append(name)
    assert not missing, f"not in the API pages: {missing}"


def test_no_design_md_and_no_seed():
    for page in DOCS.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert "DESIGN.md" not in text, page
        assert not re.search(r"\bthe seed\b|\bseed's\b", text, re.IGNORECASE), page


def test_study_file_reference_lists_every_key():
    from ohmslice.study import file as study_file

    text = (DOCS / "study_file.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([\w.]+)`(?:, `([\w.]+)`)?", text, re.MULTILINE))
    keys = {k for row in rows for k in row if k}
    models = [
        study_file.StudyInfo,
        study_file.CellSpec,
        study_file.RateFiles,
        study_file.SampleSpec,
    ]
    missing = []
    for model in models:
        for name, field in model.model_fields.items():
            key = field.alias or name
            if key not in keys and f"rate.{key}" not in keys:
                missing.append(f"{model.__name__}.{key}")
    assert not missing, f"document in docs/study_file.md: {missing}"
