"""Writing result tables from the command line without leaving half-written files."""

from __future__ import annotations

from pathlib import Path

from .._atomic import atomic_file
from ..errors import InputError

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


def write_table(df, path: Path) -> None:
    """Write ``df`` to ``path`` (.csv or .parquet) through a temporary file and a rename."""
    check_table_path(path)
    with atomic_file(path) as tmp:
        if path.suffix.lower() == ".csv":
            df.to_csv(tmp, index=False)
        else:
            df.to_parquet(tmp, index=False)
