"""Where does a delimited text file stop holding complete rows? (Shared by the text readers.)

A file copied while the instrument was still writing it, or left behind by a computer that
crashed, ends anywhere: inside a row, inside a number, or in a block of zero bytes that
the file system had reserved but never filled. The readers keep every complete row and
drop the incomplete last one with one :class:`~ohmslice.errors.TruncatedFileWarning`
(:func:`message`); nothing is dropped silently.

The rule (:func:`last_line_cut`) looks only at the last line of the data, and only when
it is suspect:

* a last line that ends with a line break is **complete**: a writer ends a line only once
  it has written all of it. If it holds fewer values than the header names, the writer
  left trailing empty cells out, and the row is read as it is (the missing cells are
  empty);
* a last line **without** a line break (after any trailing zero bytes are removed) is cut
  if it holds fewer values than each of the lines before it (*cut mid-row*; with no line
  before it, than the header names), or if its last value
  has a different form than the same column on the lines before it, or the same form with
  fewer digits in its last digit group where those lines all have the same number of
  digits there (*cut mid-number*). The form of a value is its sign-less pattern of digit
  runs (``-1.2345678E+003`` -> ``9.9E9``), so ``1.2345678E+0``, ``1.2345678E``, ``1.23``
  and ``0.`` are cut forms of ``1.2345678E+003``, and ``0.51`` is a cut form of ``0.5123``
  in a column written with four decimals. Up to :data:`REFERENCE_LINES` lines before
  the last are compared.

What cannot be detected: a value cut to a form that also occurs in its column (an
integer cut to fewer digits, a number cut in a column written with a varying number of
decimals, ``%g`` style). A complete last line without a line break whose last value has
a form not seen in its column in the lines before (``0`` in a column otherwise written
``0.5123``) is taken as cut: one row is dropped, with the warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import show_path

#: How many lines before the last one are compared with it.
REFERENCE_LINES = 10
#: How many bytes from the end of the data are looked at.
WINDOW_BYTES = 65536

_LINE_BREAK = re.compile(rb"\r\n|\n|\r")
_EXPONENT = re.compile(rb"[eE][+-]?")
_DIGITS = re.compile(rb"\d+")


@dataclass(frozen=True)
class Cut:
    """An incomplete last line: the data's complete rows are ``data[:keep]``."""

    keep: int
    what: str


def _form(value: bytes) -> tuple[bytes, tuple[int, ...]]:
    """Pattern of a value and the lengths of its digit runs after the first.

    ``-1.2345678E+003`` -> (``9.9E9``, (7, 3)); ``0.5123`` -> (``9.9``, (4,));
    ``12`` -> (``9``, ()).
    """
    v = value.strip().strip(b'"').strip().lstrip(b"+-")
    v = _EXPONENT.sub(b"E", v)
    runs = tuple(len(m) for m in _DIGITS.findall(v))
    return _DIGITS.sub(b"9", v), runs[1:]


def _cut_number(value: bytes, column: list[bytes]) -> bool:
    """Is ``value`` a cut form of the values in ``column`` (the lines before, oldest
    first)? See the module docstring for the rule."""
    shape, runs = _form(value)
    forms = [_form(c) for c in column]
    if shape not in {f[0] for f in forms}:
        return True
    same = {f[1] for f in forms if f[0] == shape}
    if len(same) != 1 or not runs:
        return False
    ref = same.pop()
    return runs[:-1] == ref[:-1] and runs[-1] < ref[-1]


def last_line_cut(
    data: bytes,
    *,
    sep: bytes,
    ncols: int,
    trailing_sep: bool = False,
) -> Cut | None:
    """Is the last line of ``data`` (the data rows of a text table, header excluded, any
    trailing zero bytes already removed) cut short? See the module docstring for the rule.

    Parameters
    ----------
    data
        The data lines of the file, from the first data row to the end.
    sep
        The field separator.
    ncols
        Number of columns the header names (compared with when no line precedes the last).
    trailing_sep
        Every line ends with a separator (EC-Lab): stripped before values are counted, and
        a last line that ends with one has its last value complete.

    Returns
    -------
    Cut or None
        Where the complete rows end and what is wrong with the last line; None if the last
        line is complete (or the data are blank).
    """
    if not data or data.isspace() or data.endswith((b"\n", b"\r")):  # no copy of data
        return None
    start = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
    last = data[start:]
    if not last.strip():
        return None

    def fields(line: bytes) -> list[bytes]:
        return (line.rstrip(sep) if trailing_sep else line).split(sep)

    window = data[max(0, start - WINDOW_BYTES) : start]
    lines = _LINE_BREAK.split(window)
    if start > WINDOW_BYTES:
        lines = lines[1:]  # the window may begin inside a line
    before = [fields(ln) for ln in lines if ln.strip()][-REFERENCE_LINES:]
    expected = min(len(row) for row in before) if before else ncols
    got = fields(last)
    if len(got) < expected:
        return Cut(start, f"cut mid-row: {len(got)} of {expected} values")
    longest = max(len(row) for row in before) if before else ncols
    if len(got) > longest or (trailing_sep and last.endswith(sep)):
        return None  # a longer row is the parser's to refuse; a closed last value is whole
    k = len(got) - 1
    column = [row[k] for row in before if len(row) > k]
    if column and _cut_number(got[k], column):
        shown = got[k].decode("latin-1").strip()
        return Cut(
            start,
            f"cut mid-number: its last value reads '{shown}' where the rows before hold "
            f"values like '{column[-1].decode('latin-1').strip()}'",
        )
    return None


def count(n: int) -> str:
    """``12345`` -> ``'12 345'`` (thousands grouped by a space, as in the messages)."""
    return f"{n:,}".replace(",", " ")


def _rows(n: int) -> str:
    return f"{count(n)} row{'' if n == 1 else 's'}"


def message(
    path: Any,
    *,
    kept: int,
    cut: Cut | None = None,
    zero_bytes: int = 0,
    promised: int | None = None,
    promised_by: str = "",
) -> str | None:
    """The one warning text for a file read up to its last complete row, or None if the
    file was read whole.

    Parameters
    ----------
    path
        The file, named first (control characters escaped, so the text is one line).
    kept
        Complete data rows read.
    cut
        The incomplete last line that was dropped, if any.
    zero_bytes
        Zero bytes removed from the end of the file.
    promised, promised_by
        Rows the file's own header says it holds (an EC-Lab loop table), and what says so;
        the rows beyond ``kept`` are counted as missing.
    """
    missing = max(0, (promised or 0) - kept - (1 if cut else 0))
    if not (cut or zero_bytes or missing):
        return None
    what = []
    if zero_bytes:
        what.append(
            f"the file ends in {count(zero_bytes)} zero bytes (the computer stopped while "
            "it was being written?)"
        )
    if cut:
        what.append(f"the last row is incomplete ({cut.what})")
    if missing:
        what.append(
            f"{promised_by} lists {_rows(promised)} but the file ends after "
            f"{_rows(kept + (1 if cut else 0))} (copied while the run was going?)"
        )
    lost = []
    if cut:
        lost.append(f"{_rows(1)} dropped")
    if missing:
        lost.append(f"{_rows(missing)} missing")
    tail = ", ".join(lost) if lost else "none dropped"
    rows = "row" if kept == 1 else "rows"
    what_happened = " and ".join(what)
    return f"{show_path(path)}: {what_happened}; read {count(kept)} complete {rows}, {tail}"
