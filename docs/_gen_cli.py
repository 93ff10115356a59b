"""MkDocs hook of the documentation site (``hooks:`` in ``mkdocs.yml``).

* The command-line reference: the marker ``<!-- cli-reference -->`` in ``docs/cli.md``
  is replaced, at build time, by every command of ``ohmslice.cli.app`` (found by typer's
  own introspection, ``typer.main.get_command``) with its help, usage line, arguments
  and options, so the page can never disagree with ``ohmslice ... --help``.
* The API pages: the marker ``<!-- api-modules ohmslice.PKG -->`` is replaced by one
  mkdocstrings block (``::: ohmslice.PKG.module``) per public module of the package, so
  a new module is documented without editing the page.
* Sphinx roles in docstrings (``:func:`x```) are shown as plain code in the API pages.

Run as a script, it prints the generated command-line reference:
``.venv/bin/python docs/_gen_cli.py``.
"""

from __future__ import annotations

import re
from typing import Any

MARKER = "<!-- cli-reference -->"
API_MARKER = re.compile(r"<!-- api-modules ([\w.]+) -->")

#: ``:func:<code>~a.b.c</code>`` (a Sphinx role after Markdown rendering) -> ``<code>c</code>``
_ROLE = re.compile(
    r":(?:py:)?(?:func|class|mod|meth|attr|data|obj|exc|const|ref|term):<code>(~?)([^<]*)</code>"
)


def _role(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    return f"<code>{target.rsplit('.', 1)[-1] if tilde else target}</code>"


def _plain(text: str) -> str:
    """Help text as typer shows it: rich markup escapes (``\\[mAh]``) removed."""
    return re.sub(r"\\(\[)", r"\1", text or "")


def _md(text: str) -> str:
    """Plain help text made safe for Markdown (emphasis, HTML, table pipes)."""
    text = _plain(text).replace("&", "&amp;").replace("<", "&lt;")
    for ch in ("\\", "*", ">", "|", "`"):
        text = text.replace(ch, "\\" + ch)
    return text


def _paragraphs(text: str) -> str:
    """A command's help: paragraphs kept, lines of one paragraph joined."""
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", _plain(text).strip())]
    paras = [p.replace("\b", "").strip() for p in paras]
    out = []
    for p in paras:
        if p:
            p = p.replace("&", "&amp;").replace("<", "&lt;").replace("*", "\\*")
            out.append(p)
    return "\n\n".join(out)


def _split_extra(help_text: str) -> tuple[str, str]:
    """('meaning', 'default: x; required') from click's help column."""
    body = help_text
    notes: list[str] = []
    while True:
        m = re.search(r"\s*\[((?:default: [^\]]*)|required|(?:env var: [^\]]*))\]\s*$", body)
        if not m:
            break
        notes.insert(0, m.group(1))
        body = body[: m.start()]
    return body.strip(), "; ".join(notes)


def _command_markdown(cmd: Any, path: list[str], level: int) -> list[str]:
    import click

    ctx = click.Context(cmd, info_name=" ".join(path))
    out = [f"{'#' * level} `{' '.join(path)}`", ""]
    if cmd.help:
        out += [_paragraphs(cmd.help), ""]
    usage = cmd.get_usage(ctx).strip()
    out += ["```text", usage, "```", ""]
    rows = []
    for param in cmd.params:
        rec = param.get_help_record(ctx)
        if rec is None:
            continue
        names, help_text = rec
        meaning, extra = _split_extra(_plain(help_text))
        kind = "argument" if param.param_type_name == "argument" else "option"
        names = names.replace("|", "\\|")
        rows.append(f"| `{names}` | {kind} | {_md(meaning)} | {_md(extra)} |".replace("\n", " "))
    if rows:
        out += ["| argument / option | kind | meaning | default |", "|---|---|---|---|", *rows, ""]
    subs = getattr(cmd, "commands", None)
    if subs:
        names = sorted(subs)
        out += ["Sub-commands: " + ", ".join(f"`{n}`" for n in names) + ".", ""]
        for name in names:
            out += _command_markdown(subs[name], [*path, name], level + 1)
    return out


def cli_markdown() -> str:
    """The reference of every ``ohmslice`` command, as Markdown."""
    import typer.main

    from ohmslice.cli import app

    root = typer.main.get_command(app)
    out = _command_markdown(root, ["ohmslice"], 2)
    return "\n".join(out).rstrip() + "\n"


def public_modules(package: str) -> list[str]:
    """The public modules of ``package`` (no leading underscore), sorted."""
    import importlib
    import pkgutil

    pkg = importlib.import_module(package)
    names = (m.name for m in pkgutil.iter_modules(pkg.__path__))
    return [f"{package}.{n}" for n in sorted(names) if not n.startswith("_")]


def api_markdown(package: str) -> str:
    """One mkdocstrings block per public module of ``package``."""
    blocks = [f"::: {m}\n    options:\n      heading_level: 3\n" for m in public_modules(package)]
    return "\n".join(blocks)


# ------------------------------------------------------------------ MkDocs hooks ----
def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, cli_markdown())
    return API_MARKER.sub(lambda m: api_markdown(m.group(1)), markdown)


def on_page_content(html: str, page: Any, **_: Any) -> str:
    return _ROLE.sub(_role, html)


if __name__ == "__main__":
    print(cli_markdown())
