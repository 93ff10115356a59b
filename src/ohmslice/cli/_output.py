"""Writing result tables from the command line without leaving half-written files, and
JSON output. Numbers are printed by :mod:`ohmslice._numbers` (:func:`pm`, :func:`num`,
:func:`column_unit`, re-exported here for the commands).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .._atomic import atomic_file
from .._numbers import column_unit, num, pm
from ..errors import InputError

__all__ = ["check_outputs", "column_unit", "fmt", "num", "pm", "print_json", "write_table"]

TABLE_SUFFIXES = (".csv", ".parquet")


def fmt(x: float | None, spec: str = ".3g") -> str:
    """``x`` formatted with ``spec``; blank for None or NaN (a value a table lacks)."""
    return "" if x is None or x != x else format(x, spec)


def check_table_path(path: Path) -> None:
    """Raise :class:`InputError` unless ``path`` is a .csv/.parquet file in an existing folder."""
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(
            f"table format '{path.suffix}' not supported; use .csv or .parquet", path=path
        )
    if not path.parent.is_dir():
        raise InputError("folder does not exist", path=path.parent)


def check_outputs(output: Path | None, plot: Path | None) -> None:
    """Check a table path (``-o``) and a figure path (``--plot``) before any work, so
    that nothing is written half-way: suffix known, folder existing."""
    if output is not None:
        check_table_path(output)
    if plot is not None:
        from ..report._save import FORMATS

        if plot.suffix.lower() not in FORMATS:
            raise InputError(
                f"figure format '{plot.suffix}' not supported; use {', '.join(FORMATS)}",
                path=plot,
            )
        if not plot.parent.is_dir():
            raise InputError("folder does not exist", path=plot.parent)


def write_table(df, path: Path) -> None:
    """Write ``df`` to ``path`` (.csv or .parquet) through a temporary file and a rename."""
    check_table_path(path)
    with atomic_file(path) as tmp:
        if path.suffix.lower() == ".csv":
            df.to_csv(tmp, index=False)
        else:
            df.to_parquet(tmp, index=False)


def _plain(x: Any) -> Any:
    """``x`` as JSON can hold it: DataFrames as lists of row records, numpy scalars and
    arrays as numbers and lists, NaN and infinities as null, paths as strings."""
    import numpy as np
    import pandas as pd

    if isinstance(x, pd.DataFrame):
        return [_plain(r) for r in x.astype(object).where(x.notna(), None).to_dict("records")]
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return [_plain(v) for v in x.tolist()]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, Path):
        return str(x)
    return x


def print_json(payload: Any) -> None:
    """Print ``payload`` (dicts, lists, DataFrames, numbers) as indented JSON on stdout
    (``--json``): nothing else is printed there, so the output parses as a whole."""
    import json

    import typer

    typer.echo(json.dumps(_plain(payload), indent=2, default=str))


def write_outputs(table: Any, output: Path | None, fig: Any, plot: Path | None, say: bool) -> None:
    """A command's files: ``table`` to ``output`` (.csv or .parquet), then the figure
    ``fig`` to ``plot``, each where both are given, each said on the console when ``say``
    (not with ``--json``, whose stdout is the JSON alone). The figure is drawn by the
    caller before anything is written, so that a figure that cannot be drawn writes
    nothing."""
    from ._app import console

    if output is not None and table is not None:
        write_table(table, output)
        if say:
            console.print(f"wrote {output}")
    if fig is not None and plot is not None:
        from ..report._save import save_figure

        save_figure(fig, plot)
        if say:
            console.print(f"wrote {plot}")
