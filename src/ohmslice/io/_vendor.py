"""What the readers of vendor text formats (Gamry, ZPlot, VersaStudio, CH Instruments, ...)
share: the file as text, its rows parsed in one vectorised call, a cut last row, and
numeric columns in SI units."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import FileFormatError, TruncatedFileError, TruncatedFileWarning, show_path
from ._registry import foreign
from ._text import EXACT_FLOATS, decode, plain_text
from ._truncation import Cut, count, last_line_cut, message
from ._units import factor
from ._warn import Pending


def read_text(path: Path) -> tuple[str, int]:
    """The file as text with ``\\n`` line breaks (any encoding :mod:`._text` knows; CR LF
    and CR become LF), and the number of zero bytes removed from its end."""
    data, encoding, zero_bytes = plain_text(path.read_bytes())
    return decode(data, encoding).replace("\r\n", "\n").replace("\r", "\n"), zero_bytes


def cut_rows(path: Path, rows: str, *, sep: str, ncols: int, what: str) -> tuple[str, Cut | None]:
    """``rows`` (the data lines up to the end of the file) without a last line cut short,
    and the cut found (see :mod:`ohmslice.io._truncation`), if any.

    Raises
    ------
    TruncatedFileError
        The file ends inside its first data row: nothing to read.
    """
    raw = rows.encode("utf-8")
    cut = last_line_cut(raw, sep=sep.encode(), ncols=ncols)
    if cut is None:
        return rows, None
    kept = raw[: cut.keep].decode("utf-8")
    if not kept.strip():
        raise TruncatedFileError(
            f"the file ends inside the first row of {what} ({cut.what}); no complete row to read",
            path=path,
        )
    return kept, cut


def check_first_row(path: Path, rows: str, *, sep: str, ncols: int, what: str) -> None:
    """Refuse data whose first row holds more values than there are column names (the
    parser would silently drop the extra values of a first row; later long rows it
    refuses itself).

    Raises
    ------
    FileFormatError
        Naming the file, ``what`` was read, and both counts.
    """
    first = next((ln for ln in rows.split("\n", 50) if ln.strip()), "")
    n = first.count(sep) + 1 if first else 0
    if n > ncols:
        raise FileFormatError(
            f"the first row of {what} holds {n} values but the header names {ncols} "
            "columns; expected one name per column",
            path=path,
        )


def parse_rows(
    path: Path,
    rows: str,
    *,
    sep: str,
    names: Sequence[str],
    usecols: Sequence[str] | None = None,
    what: str,
    decimal: str = ".",
) -> pd.DataFrame:
    """Data lines as a DataFrame with columns ``names`` (only ``usecols`` kept), in one
    ``pandas.read_csv`` call (C engine). Blank lines are skipped; spaces after the
    separator are ignored. A row with more values than ``names`` makes the parser fail:
    :class:`~ohmslice.errors.FileFormatError` naming the file and ``what`` was read
    (:func:`check_first_row` for the first row)."""
    if not rows.strip():
        keep = list(usecols) if usecols is not None else list(names)
        return pd.DataFrame({n: pd.Series(dtype=float) for n in keep})
    check_first_row(path, rows, sep=sep, ncols=len(names), what=what)
    with foreign(path, what):
        return pd.read_csv(
            io.StringIO(rows),
            sep=sep,
            header=None,
            names=list(names),
            usecols=list(usecols) if usecols is not None else None,
            index_col=False,
            decimal=decimal,
            engine="c",
            skipinitialspace=True,
            **EXACT_FLOATS,
            skip_blank_lines=True,
        )


def numbers(series: pd.Series) -> np.ndarray:
    """A column as floats; cells that are not numbers become NaN (reported with their row
    by :func:`ohmslice.io._assemble.assemble`)."""
    if series.dtype.kind in "biuf":
        return series.to_numpy(dtype=float)
    text = series.astype("string").str.strip()
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def si_columns(
    path: Path,
    df: pd.DataFrame,
    mapping: Mapping[str, tuple[str, str, str | None]],
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """``{canonical: values in SI}`` and ``{canonical: file column}`` for the columns of
    ``mapping`` (file column -> (canonical column, quantity kind, unit as written)) that
    ``df`` holds. A unit that is not one of its kind raises
    :class:`~ohmslice.errors.InputError` naming the column."""
    out: dict[str, np.ndarray] = {}
    used: dict[str, str] = {}
    for name, (canon, kind, unit) in mapping.items():
        if name not in df or canon in out:
            continue
        out[canon] = numbers(df[name]) * factor(unit, kind, column=name, path=path)
        used[canon] = name
    return out, used


def truncation(
    path: Path,
    *,
    kept: int,
    cut: Cut | None = None,
    zero_bytes: int = 0,
    promised: int | None = None,
    promised_by: str = "",
    extra: Sequence[str] = (),
) -> list[Pending]:
    """The one :class:`~ohmslice.errors.TruncatedFileWarning` of a file read up to its last
    complete row (see :func:`ohmslice.io._truncation.message`), with ``extra`` sentences
    appended; an empty list if the file was read whole."""
    text = message(
        path, kept=kept, cut=cut, zero_bytes=zero_bytes, promised=promised,
        promised_by=promised_by,
    )  # fmt: skip
    if extra:
        text = (text + "; " if text else f"{show_path(path)}: ") + "; ".join(extra)
    return [(TruncatedFileWarning, text)] if text else []


def short_of_count(
    path: Path,
    *,
    declared: int | None,
    kept: int,
    cut: Cut | None = None,
    zero_bytes: int = 0,
    said_by: str = "the header",
    unit: str = "point",
) -> list[Pending]:
    """The one :class:`~ohmslice.errors.TruncatedFileWarning` of an impedance file whose
    header gives its point count, read up to its last complete row; an empty list if the
    file was read whole.

    The text says what was found, first the counts: ``"f.z: the header says 60 points, 52
    read: the file is cut short after its last complete row (trimmed by hand, or copied
    while the sweep was running); 8 points missing"``; a last row cut inside (dropped) and
    zero bytes at the end are said too. Without a shortfall it is
    :func:`truncation`'s text.

    Parameters
    ----------
    declared
        The count the file gives (None: it gives none).
    kept
        Complete rows read.
    cut
        The incomplete last line that was dropped, if any.
    zero_bytes
        Zero bytes removed from the end of the file.
    said_by
        What gives the count, as the message names it (``"the header"``, ``"dataset 2"``).
    unit
        What one row is (``"point"``).
    """
    read_rows = kept + (1 if cut else 0)
    if declared is None or declared <= read_rows:
        return truncation(path, kept=kept, cut=cut, zero_bytes=zero_bytes)

    def n(k: int) -> str:
        return f"{count(k)} {unit}{'' if k == 1 else 's'}"

    how = []
    if cut:
        how.append(
            f"its last row is incomplete ({cut.what}) and dropped, so the file was cut "
            "while being written or copied"
        )
    elif zero_bytes:
        how.append("the file stops after its last complete row")
    else:
        how.append(
            "the file is cut short after its last complete row (trimmed by hand, or "
            "copied while the sweep was running)"
        )
    if zero_bytes:
        how.append(
            f"it ends in {count(zero_bytes)} zero bytes (the computer stopped while it was "
            "being written?)"
        )
    text = (
        f"{show_path(path)}: {said_by} says {n(declared)}, {count(kept)} read: "
        + "; ".join(how)
        + f"; {n(declared - kept)} missing"
    )
    return [(TruncatedFileWarning, text)]
