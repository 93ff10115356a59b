"""The ``ohmslice`` command.

Each sub-command lives in its own module of this package and registers on
:data:`ohmslice.cli._app.app`; every public module here is imported below, which is
what makes its commands appear. Command modules import heavy analysis code inside the
command functions, so that ``ohmslice --version`` stays fast.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

from .. import __version__
from ._app import app, console

__all__ = ["app", "main"]

for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if not _mod.startswith("_"):
        importlib.import_module(f"{__name__}.{_mod}")


def _version(value: bool) -> None:
    if value:
        console.print(f"ohmslice {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Where a battery cell's resistance comes from: GITT, EIS and their link."""


def main() -> None:
    """Entry point of the ``ohmslice`` console script."""
    app()
