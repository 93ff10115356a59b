"""The typer application every command module registers on, and its error handling."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from .._paths import os_reason
from ..errors import InputError, show_path

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
#: Exit code after Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130

#: What the command is doing now (a cell and a file or analysis), for warnings.
stage = {"now": ""}

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str) -> typer.Exit:
    """Print ``message`` (plain text, not markup) as one red line on stderr; return the
    Exit(2) to raise."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_INPUT)


def _show_warning(message: Any, category: type, filename: str, lineno: int, *_: Any) -> None:
    """One yellow line per warning, naming the stage; no source line, no Python names.
    Warnings of the numerical libraries say they come from them."""
    text = " ".join(str(message).split())
    origin = Path(filename).parts
    if not any(part == "ohmslice" for part in origin):
        lib = next((p for p in ("numpy", "scipy", "pandas", "matplotlib") if p in origin), "")
        text = f"numerical warning{' from ' + lib if lib else ''}: {text}"
    where = f"{stage['now']}: " if stage["now"] else ""
    err_console.print(f"[yellow]warning:[/] {escape(where + text)}", highlight=False,
                      soft_wrap=True)  # fmt: skip


@contextmanager
def user_warnings() -> Iterator[None]:
    """Show warnings raised inside the block as :func:`_show_warning` lines, each once."""
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        old, warnings.showwarning = warnings.showwarning, _show_warning
        try:
            yield
        finally:
            warnings.showwarning = old


def input_errors(func: F) -> F:
    """Run a command: :class:`InputError` and unreadable paths become one red line and
    exit code 2, Ctrl-C one line and exit code 130, warnings one line each."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        stage["now"] = ""
        try:
            with user_warnings():
                return func(*args, **kwargs)
        except InputError as exc:
            raise fail(str(exc)) from None
        except OSError as exc:
            name = show_path(exc.filename) if exc.filename else "file system"
            raise fail(f"{name}: {os_reason(exc)}") from None
        except KeyboardInterrupt:
            err_console.print("interrupted, previous results kept", highlight=False)
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]
