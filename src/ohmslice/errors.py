"""The exceptions ohmslice raises for input it cannot use.

Every error names what it is about (a file, a column, a row, a parameter) and what
was expected, so that the command line can print it as one line and exit with code 2.
All of them derive from :class:`InputError`, itself a :class:`ValueError`, so a caller
can catch the whole family at once.

Input that can be read, but not entirely as written (a file cut short, values whose size
does not fit their unit, impedance points that had to be left out), gives a warning of
the :class:`InputWarning` family instead (Python's :mod:`warnings`), naming the file, the
column where one is concerned, what was done and the likely fix. Nothing is silently
rescaled or dropped: ``warnings.simplefilter("error", InputWarning)`` turns them into
exceptions for a strict pipeline.
"""

from __future__ import annotations

from os import PathLike

__all__ = [
    "InputError",
    "FileFormatError",
    "UnknownColumnError",
    "MissingColumnError",
    "EmptyDataError",
    "InvalidDataError",
    "TruncatedFileError",
    "CircuitError",
    "AnalysisInputError",
    "IncompleteDataWarning",
    "InputWarning",
    "TruncatedFileWarning",
    "UnitWarning",
    "DuplicateTimeWarning",
    "DroppedPointsWarning",
]


def show_path(path: str | PathLike[str]) -> str:
    """``path`` for a one-line message: control characters (a newline in a file name)
    are shown escaped, so the message stays one line."""
    s = str(path)
    if s.isprintable():
        return s
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in s)


class InputError(ValueError):
    """Input ohmslice cannot analyse.

    Parameters
    ----------
    message
        What is wrong and what was expected, as one sentence (line breaks and tabs in it
        are folded to spaces, so the message is always one line).
    path
        The file the input came from, if any; prefixed to the message.
    column, row
        The field and the 0-based data row concerned, if known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | PathLike[str] | None = None,
        column: str | None = None,
        row: int | None = None,
    ) -> None:
        # one line, whatever a message built from another library's text holds
        self.message = message if message.isprintable() else " ".join(message.split())
        self.path = None if path is None else str(path)
        self.column = column
        self.row = row
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.path:
            where.append(show_path(self.path))
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        return f"{': '.join(where)}: {self.message}" if where else self.message

    def with_path(self, path: str | PathLike[str]) -> InputError:
        """Return the same error attributed to ``path`` (if it names no file yet)."""
        if self.path is None:
            self.path = str(path)
            self.args = (self._format(),)
        return self


class FileFormatError(InputError):
    """The file is not in a format ohmslice reads, or not the one its name says."""


class UnknownColumnError(FileFormatError):
    """A binary file holds a column (by ID) that no reader knows how to decode."""


class TruncatedFileError(FileFormatError):
    """The file ends before its header or its declared content does."""


class MissingColumnError(InputError):
    """A required column (time, voltage, current, frequency, ...) is absent."""


class EmptyDataError(InputError):
    """The file or table holds no data rows."""


class InvalidDataError(InputError):
    """Values that cannot be physical or cannot be analysed (NaN, infinite,
    time going backwards, negative frequency, ...)."""


class CircuitError(InputError):
    """An equivalent-circuit string or its parameters are not valid."""


class AnalysisInputError(InputError):
    """Data that are readable but do not hold what an analysis needs
    (no pulses, a rest too short to define an OCV, too few points for a fit, ...)."""


class InputWarning(UserWarning):
    """Input ohmslice could read, but not entirely as written; the message names the file,
    what was done and how to check or fix it."""


class TruncatedFileWarning(InputWarning):
    """The file ends early (cut mid-row or mid-number, zero bytes written by a crash, fewer
    rows than its header promises): it was read up to its last complete row."""


class UnitWarning(InputWarning):
    """Values whose size cannot fit the unit they were read in (a current in mA under a
    header that says A); nothing was rescaled."""


class DuplicateTimeWarning(InputWarning):
    """Many rows share their time stamp with the row before (a time column with too few
    decimals); they were kept and spread 1 us apart, see :class:`ohmslice.schema.Recording`."""


class DroppedPointsWarning(InputWarning):
    """Impedance points that cannot be used (frequency <= 0, or a frequency or impedance
    that is not a number) were left out of their sweep."""


class IncompleteDataWarning(InputWarning):
    """The data stop part-way through what an analysis needs (a GITT cut inside a pulse or
    its rest): they were analysed as far as they are complete."""
