"""Warnings of the readers, attributed to the caller of :func:`ohmslice.io.read`."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable

#: A warning waiting to be emitted: (category, message).
Pending = tuple[type[Warning], str]


def _outside_io_level() -> int:
    """``stacklevel`` (for a ``warnings.warn`` called in :func:`emit`) of the first frame
    outside the ``ohmslice.io`` package, so the warning points at the user's ``read``."""
    frame = sys._getframe(2)  # the caller of emit
    level = 2
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name != "ohmslice.io" and not name.startswith("ohmslice.io."):
            break
        frame = frame.f_back
        level += 1
    return level


def emit(pending: Iterable[Pending]) -> None:
    """Issue each pending warning once, in order."""
    items = list(pending)
    if not items:
        return
    level = _outside_io_level()
    for category, text in items:
        warnings.warn(text, category, stacklevel=level)
