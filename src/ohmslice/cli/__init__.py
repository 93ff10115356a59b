"""The ``ohmslice`` command. Each sub-command lives in its own module and registers on
:data:`ohmslice.cli._app.app`; importing them here is what makes them appear."""

from __future__ import annotations

import typer

from .. import __version__
from ._app import app, console

__all__ = ["app", "main"]


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
