"""The report's only source: the tables of a results store, read on demand.

:func:`stored_tables` takes what a user or the CLI has at hand -- an output folder of
``ohmslice run`` / ``ohmslice demo`` (its ``results/``), a results store folder (the one
holding ``results.duckdb``), the :class:`~ohmslice.study.store.Results` of
:func:`ohmslice.open_results`, or a mapping of table name -> DataFrame -- and gives a
read-only mapping of table name -> :class:`pandas.DataFrame` with the columns of
``docs/results.md``. From a folder, each table is read from its Parquet file the first
time it is asked for (a figure reads only what it draws); a table the store does not
hold is an empty DataFrame (``name in tables`` is False), never an error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

__all__ = ["StoredTables", "stored_tables", "store_folder"]


def store_folder(path: str | os.PathLike[str]) -> Path:
    """The store folder (holding ``results.duckdb``) of ``path``: ``path`` itself or its
    ``results/``.

    Raises
    ------
    InputError
        ``path`` does not exist or holds no results store.
    """
    from ..study.store import CATALOGUE

    p = Path(path)
    for cand in (p, p / "results"):
        if (cand / CATALOGUE).is_file():
            return cand
    if not p.exists():
        raise InputError("no such folder", path=p)
    raise InputError(f"no ohmslice results here (no {CATALOGUE}, nor results/{CATALOGUE})", path=p)


class StoredTables(Mapping[str, pd.DataFrame]):
    """Tables of one results store by name, read from Parquet on first use and kept.

    ``tables[name]`` is the table (an empty DataFrame where the store has none);
    iteration and ``in`` see the tables the store holds.
    """

    def __init__(self, folder: Path | None = None, frames: Mapping[str, Any] | None = None):
        self.folder = folder
        self._cache: dict[str, pd.DataFrame] = {}
        if frames is not None:
            for k, v in frames.items():
                df = pd.DataFrame(v)
                self._cache[str(k)] = df.drop(columns="study") if "study" in df.columns else df
            self._names = sorted(self._cache)
        else:
            assert folder is not None
            self._names = sorted(p.stem for p in folder.glob("*.parquet"))

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            if name in self._names and self.folder is not None:
                import pyarrow.parquet as pq

                t = pq.read_table(self.folder / f"{name}.parquet", use_threads=False)
                self._cache[name] = t.to_pandas()
            else:
                self._cache[name] = pd.DataFrame()
        return self._cache[name]

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def has(self, name: str) -> bool:
        """The store holds table ``name`` with at least one row."""
        return name in self._names and len(self[name]) > 0

    def __reduce__(self):  # a worker process re-reads the folder it needs
        if self.folder is not None:
            return (StoredTables, (self.folder,))
        return (StoredTables, (None, self._cache))


def stored_tables(source: Any) -> StoredTables:
    """The tables of ``source``: an output or store folder (path), a
    :class:`~ohmslice.study.store.Results` (one study; its ``study`` column dropped), a
    mapping of name -> DataFrame, or a :class:`StoredTables` (returned as it is).

    Raises
    ------
    InputError
        A path without a results store; Results of several studies (the report is of
        one study).
    """
    if isinstance(source, StoredTables):
        return source
    if isinstance(source, (str, os.PathLike)):
        return StoredTables(store_folder(source))
    folders = getattr(source, "folders", None)
    if folders is not None:
        if len(folders) != 1:
            raise InputError(
                f"a report is of one study; these results hold {len(folders)} "
                f"({', '.join(map(str, getattr(source, 'studies', [])))})"
            )
        return StoredTables(Path(folders[0]))
    if isinstance(source, Mapping):
        return StoredTables(frames=source)
    raise InputError(
        f"expected a results folder, opened results or a mapping of tables, got "
        f"{type(source).__name__}"
    )
