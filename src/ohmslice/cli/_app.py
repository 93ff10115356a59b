"""The typer application every command module registers on, and its error handling."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console

from ..errors import InputError

app = typer.Typer(
    name="ohmslice",
    help="Where a battery cell's resistance comes from: GITT, EIS and their link.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

#: Exit code for input ohmslice cannot use (bad file, bad option value).
EXIT_INPUT = 2

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str) -> typer.Exit:
    """Print ``message`` as one red line on stderr; return the Exit(2) to raise."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_INPUT)


def input_errors(func: F) -> F:
    """Turn :class:`InputError` (and unreadable paths) into one red line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            raise fail(str(exc)) from None
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            raise fail(f"{exc.filename}: {exc.strerror}") from None

    return wrapper  # type: ignore[return-value]
