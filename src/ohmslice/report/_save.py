"""Writing figures without leaving half-written files."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from .._atomic import atomic_file
from ..errors import InputError

FORMATS = (".png", ".pdf", ".svg")


def save_figure(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Save ``fig`` to ``path`` (format from the suffix: .png, .pdf, .svg).

    The figure is written to a temporary file in the same folder and renamed, so
    ``path`` either holds the whole figure or is untouched. Raises :class:`InputError`
    for an unknown suffix or a folder that does not exist.
    """
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise InputError(
            f"figure format '{path.suffix}' not supported; use one of {FORMATS}", path=path
        )
    if not path.parent.is_dir():
        raise InputError("folder does not exist", path=path.parent)
    with atomic_file(path) as tmp:
        fig.savefig(tmp, dpi=dpi)
    return path
