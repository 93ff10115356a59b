"""Progress of a long command, on stderr (stdout keeps the results).

On a terminal a rich progress display (what is being done, a bar where the number of
steps is known, the time elapsed), cleared when the command is done; anywhere else (a
pipe, a log file, ``make demo``, a notebook cell running the command) one plain line per
stage, ``[  12.3 s] S_SE: GITT``, printed when the stage begins. ``--quiet`` prints
neither. The library reports stages through a ``progress(message)`` callback
(:func:`ohmslice.study.run.run_study`, :func:`ohmslice.method.decompose.decompose`);
the commands pass the :class:`Reporter` of :func:`progress`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.markup import escape

from ._app import err_console, stage


class Reporter:
    """Callable ``reporter(message)``: a new stage begins (the overall count advances
    by one when ``total`` is known). Also sets the stage warnings are shown with."""

    def __init__(self, bar: Any = None, task: Any = None, quiet: bool = False) -> None:
        self._bar, self._task, self._quiet = bar, task, quiet
        self._t0 = time.perf_counter()
        self._last: str | None = None
        self._n = 0

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self._t0

    def __call__(self, message: str) -> None:
        stage["now"] = message
        if message == self._last:
            return
        if self._bar is not None:
            if self._last is not None:
                self._bar.advance(self._task)
            self._bar.update(self._task, description=escape(message))
            self._bar.refresh()  # each stage shown, however short
        elif not self._quiet:
            err_console.print(
                f"[{self.elapsed_s:7.1f} s] {message}", markup=False, highlight=False,
                soft_wrap=True,
            )  # fmt: skip
        self._last = message
        self._n += 1

    def done(self, message: str = "done") -> None:
        """The last line off a terminal: ``message`` and the total time."""
        stage["now"] = ""
        if self._bar is None and not self._quiet and self._n:
            err_console.print(
                f"[{self.elapsed_s:7.1f} s] {message}", markup=False, highlight=False,
                soft_wrap=True,
            )  # fmt: skip


@contextmanager
def progress(total: int | None = None, *, quiet: bool = False) -> Iterator[Reporter]:
    """A :class:`Reporter` for the block: a rich progress display on a terminal (a bar
    of ``total`` stages where given, else a spinner), plain stage lines elsewhere,
    nothing with ``quiet``."""
    if quiet or not err_console.is_terminal:
        rep = Reporter(quiet=quiet)
        try:
            yield rep
        finally:
            stage["now"] = ""
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description:<48}")]
    if total:
        columns += [BarColumn(), MofNCompleteColumn()]
    columns.append(TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("", total=total)
        rep = Reporter(bar, task)
        try:
            yield rep
            if total:
                bar.update(task, completed=total)
        finally:
            stage["now"] = ""
