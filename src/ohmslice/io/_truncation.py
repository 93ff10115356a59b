"""Is the last line of a delimited text file cut short? (Shared by the text readers.)"""

from __future__ import annotations

import re
from typing import Any

from ..errors import TruncatedFileError


def _shape(field: bytes) -> bytes:
    """The form of a number: digits runs -> 9, sign dropped (``-1.25E+003`` -> ``9.9E+9``)."""
    return re.sub(rb"\d+", b"9", field.strip().lstrip(b"+-"))


def check_last_line(
    tail: bytes,
    *,
    sep: bytes,
    ncols: int,
    row: int,
    line: int | None,
    path: Any,
    trailing_sep: bool = False,
    complete_if_newline: bool = False,
    fixed_width_floats: bool = False,
) -> None:
    """Raise :class:`TruncatedFileError` if the last line of ``tail`` (the end of the file)
    is cut: fewer values than ``ncols``, or, when the file does not end with a newline, a
    last value whose form differs from the same value on the line before (a number cut
    in the middle).

    Parameters
    ----------
    tail
        The last bytes of the file (at least two full lines).
    sep
        The field separator.
    ncols
        Number of columns of the header.
    row, line
        Data row index and file line number of the last line, for the message.
    trailing_sep
        Lines end with a separator (EC-Lab): strip it before counting.
    complete_if_newline
        A last line ending in a newline is complete whatever its field count (tables
        whose writers drop empty trailing cells).
    fixed_width_floats
        Numbers in scientific notation always have the same number of digits (EC-Lab's
        ``1.2345678E+000``): a shorter one is cut even if its form still looks whole.
    """
    ends_with_newline = tail.endswith(b"\n")
    if ends_with_newline and complete_if_newline:
        return
    lines = tail.rstrip(b"\r\n").rsplit(b"\n", 2)[-2:]

    def fields(text: bytes) -> list[bytes]:
        text = text.rstrip(b"\r")
        return (text.rstrip(sep) if trailing_sep else text).split(sep)

    last = fields(lines[-1])
    where = f"data row {row}" + (f" (file line {line})" if line is not None else "")
    if len(last) < ncols:
        raise TruncatedFileError(
            f"{where} has {len(last)} of {ncols} values: the file ends in the middle of a line",
            path=path,
        )
    if ends_with_newline or len(lines) < 2:
        return
    prev = fields(lines[0])
    k = len(last) - 1
    a, b = last[k].strip().lstrip(b"+-"), prev[k].strip().lstrip(b"+-") if k < len(prev) else b""
    cut = k < len(prev) and (
        _shape(a) != _shape(b) or (fixed_width_floats and b"E" in b.upper() and len(a) < len(b))
    )
    if cut:
        raise TruncatedFileError(
            f"{where} ends in '{last[k].decode('latin-1')}', cut short: the file ends in the "
            "middle of a number",
            path=path,
        )
