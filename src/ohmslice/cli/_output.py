"""Writing result tables from the command line without leaving half-written files."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import InputError

TABLE_SUFFIXES = (".csv", ".parquet")


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
    suffix = path.suffix.lower()
    fd, tmp = tempfile.mkstemp(suffix=suffix, dir=path.parent, prefix=".tmp-")
    os.close(fd)
    try:
        if suffix == ".csv":
            df.to_csv(tmp, index=False)
        else:
            df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
