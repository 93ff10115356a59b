"""The reader registry: what each file format reader declares, and how a file finds its reader.

A reader is one module of :mod:`ohmslice.io` that builds a :class:`Reader` and passes it
to :func:`register` at import time. :func:`ohmslice.io.read` asks every registered reader
to *sniff* the first bytes of a file and hands the file to the most confident one; the
file's suffix only breaks ties.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from ..errors import FileFormatError, InputError
from ..schema import Recording, Spectrum

#: What a reader returns: one table, or several when the file holds several.
ReadResult = Recording | Spectrum | list[Recording | Spectrum]

#: Sniff scores: the content is not this format / could be / certainly is.
NO, MAYBE, YES = 0, 1, 2

#: Bytes of the file handed to ``sniff``.
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Reader:
    """One file format ohmslice reads.

    Attributes
    ----------
    name
        Short identifier, also accepted as ``read(..., format=name)``.
    description
        What the format is, for messages and ``ohmslice inspect``.
    suffixes
        Usual file name suffixes (lower case, with the dot); they only break ties
        between equally confident sniffers.
    sniff
        ``sniff(head: bytes) -> int``: :data:`NO`, :data:`MAYBE` or :data:`YES`
        from the first :data:`SNIFF_BYTES` bytes of the file.
    load
        ``load(path: Path, columns: Mapping[str, str] | None) -> ReadResult``. Raises
        :class:`~ohmslice.errors.InputError` for input it cannot use; calls into
        third-party parsers sit inside :func:`foreign`.
    """

    name: str
    description: str
    suffixes: tuple[str, ...]
    sniff: Callable[[bytes], int]
    load: Callable[[Path, Mapping[str, str] | None], ReadResult]


_READERS: dict[str, Reader] = {}


def register(reader: Reader) -> Reader:
    """Add ``reader`` to the registry (replacing one of the same name); return it."""
    _READERS[reader.name] = reader
    return reader


def registered() -> list[Reader]:
    """The registered readers, in registration order."""
    return list(_READERS.values())


def get(name: str) -> Reader:
    """The reader called ``name``; :class:`InputError` listing the names if there is none."""
    try:
        return _READERS[name]
    except KeyError:
        raise InputError(
            f"unknown format '{name}'; expected one of: {', '.join(_READERS)}"
        ) from None


@contextmanager
def foreign(path: str | PathLike[str], what: str) -> Iterator[None]:
    """Turn any error raised by a third-party parser inside the block into
    :class:`~ohmslice.errors.FileFormatError` naming ``path`` and ``what`` it was read as,
    its message folded onto one line.

    Only wrap calls into other libraries (galvani, pandas parsers, pyarrow) with this:
    an error in ohmslice's own code is a bug and must surface as itself.
    """
    try:
        yield
    except InputError as exc:
        exc.with_path(path)
        raise
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 -- third-party parser failures of any type
        detail = " ".join(str(exc).split())  # one line, whatever the library wrote
        raise FileFormatError(
            f"cannot be read as {what}: {detail or 'the parser gave no reason'}", path=path
        ) from exc
