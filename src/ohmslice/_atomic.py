"""Writing files and folders so that they are either complete or untouched, and never at
the cost of a file ohmslice did not write.

* :func:`atomic_file` -- one file, through a temporary file beside it and a rename.
* :func:`results_dir` -- the output folder of a run: a folder of ohmslice's own, marked by
  :data:`MARKER` (which names the study and lists every file ohmslice wrote), replaced as
  a whole only when the new results are complete. Files a user put into it are carried
  over; a file ohmslice wrote but the user changed since is never replaced silently.
* :func:`check_output_dir` -- the same checks, before any analysis starts.

Everything is created with the user's umask (0644 files, 0755 folders by default), not
the 0600 / 0700 of Python's temporary files. The swap of the old folder for the new one
defers Ctrl-C until both renames are done, so an interrupt leaves the previous complete
results or the new complete results, never a mixture.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import InputError

#: Name of the marker file of a folder ohmslice owns.
MARKER = ".ohmslice.json"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _give_user_modes(root: Path) -> None:
    """chmod ``root`` and everything below it to the modes a plain ``open``/``mkdir``
    would have given (0666 / 0777 minus the umask)."""
    mask = _umask()
    fmode, dmode = 0o666 & ~mask, 0o777 & ~mask
    if root.is_file():
        os.chmod(root, fmode)
        return
    os.chmod(root, dmode)
    for base, dirs, files in os.walk(root):
        for d in dirs:
            os.chmod(os.path.join(base, d), dmode)
        for f in files:
            os.chmod(os.path.join(base, f), fmode)


@contextmanager
def _no_interrupt() -> Iterator[None]:
    """Defer SIGINT (Ctrl-C) until the block is done; re-raise it then."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[Any] = []
    old = signal.signal(signal.SIGINT, lambda *a: caught.append(a))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
    if caught:
        raise KeyboardInterrupt


@contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix); when the block completes it
    replaces ``path`` (with the user's umask), when it raises it is removed and ``path``
    stays as it was."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        _give_user_modes(Path(tmp))
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _swap(new: Path, path: Path) -> Path | None:
    """Put folder ``new`` at ``path`` by two renames; return the hidden folder that holds
    what was at ``path`` before (None if nothing was), for the caller to remove."""
    if not path.exists():
        new.rename(path)
        return None
    old = Path(tempfile.mkdtemp(prefix=f".{path.name}-old-", dir=path.parent))
    path.rename(old / path.name)
    new.rename(path)
    return old


# --- the output folder of a run -------------------------------------------------------
def _read_marker(path: Path) -> dict[str, Any] | None:
    try:
        m = json.loads((path / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return m if isinstance(m, dict) and m.get("written_by") == "ohmslice" else None


def _inventory(root: Path) -> dict[str, list[int]]:
    """relative path -> [size, mtime_ns] of every file below ``root`` (marker excluded)."""
    out = {}
    for base, _dirs, files in os.walk(root):
        for f in files:
            p = Path(base) / f
            rel = p.relative_to(root).as_posix()
            if rel != MARKER:
                st = p.lstat()
                out[rel] = [st.st_size, st.st_mtime_ns]
    return out


def _foreign_files(path: Path) -> tuple[list[str], list[str]]:
    """Files in ohmslice's folder ``path`` that ohmslice did not write (added by someone
    else) and files it wrote that were changed since (other size or time)."""
    marker = _read_marker(path) or {}
    written = marker.get("files", {})
    now = _inventory(path)
    added = sorted(f for f in now if f not in written)
    changed = sorted(f for f in now if f in written and now[f] != written[f])
    return added, changed


def check_output_dir(path: str | os.PathLike[str]) -> Path:
    """Check, before any work, that ``path`` can become ohmslice's output folder.

    It may not exist yet (its parents are created; the first existing one must be a
    writable folder), be an empty folder, or be a folder ohmslice wrote before (it holds
    :data:`MARKER`). Returns ``path``.

    Raises
    ------
    InputError
        ``path`` or a parent of it is a file; a folder on the way cannot be created or
        written; ``path`` is a folder of someone else's files (not empty, no marker).
    """
    path = Path(path)
    probe = path
    while not probe.exists() and not probe.is_symlink():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe != path:
        if not probe.is_dir():
            raise InputError(
                f"cannot create the output folder: {probe} is a file, not a folder", path=path
            )
        if not os.access(probe, os.W_OK | os.X_OK):
            raise InputError(
                f"cannot create the output folder: no permission to write in {probe}",
                path=path,
            )
        return path
    if not path.is_dir():
        raise InputError(
            "the output folder exists as a file; give a folder (new, empty, or one "
            "ohmslice wrote before)",
            path=path,
        )
    if not os.access(path, os.W_OK | os.X_OK) or not os.access(path.parent, os.W_OK | os.X_OK):
        raise InputError("no permission to replace this output folder", path=path)
    if any(path.iterdir()) and _read_marker(path) is None:
        raise InputError(
            "the output folder holds files ohmslice did not write; give a new or empty "
            "folder (ohmslice replaces its output folder as a whole)",
            path=path,
        )
    _, changed = _foreign_files(path) if _read_marker(path) else ([], [])
    if changed:
        raise InputError(
            f"files of an earlier run were changed since ohmslice wrote them "
            f"({', '.join(changed[:3])}{' ...' if len(changed) > 3 else ''}); move them "
            "out or give another output folder",
            path=path,
        )
    return path


@contextmanager
def results_dir(
    path: str | os.PathLike[str], *, study: str, info: dict[str, Any] | None = None
) -> Iterator[Path]:
    """Build ohmslice's output folder ``path`` for one run of ``study``.

    Yields an empty temporary folder beside ``path``; everything of the run (tables,
    figures, report) is written into it. When the block completes, files a user had put
    into the old folder are moved into the new one, :data:`MARKER` is written (the
    study, ``info`` and every file of the run with its size and time), modes follow the
    umask, and the new folder replaces the old as a whole. When the block raises, the
    temporary folder is removed and ``path`` is untouched.

    Raises
    ------
    InputError
        As :func:`check_output_dir` (checked again before the swap); or a file a user put
        into the old folder has the name of a file of the new results.
    """
    path = Path(path)
    check_output_dir(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}-new-", dir=path.parent))
    try:
        yield tmp
        written = _inventory(tmp)
        check_output_dir(path)
        added = _foreign_files(path)[0] if path.is_dir() else []
        clash = [f for f in added if f in written]
        if clash:
            raise InputError(
                f"a file that ohmslice did not write has the name of a new result "
                f"({', '.join(clash[:3])}); move it out and run again",
                path=path,
            )
        _give_user_modes(tmp)
        written = _inventory(tmp)
        marker = {"written_by": "ohmslice", "study": study, **(info or {}), "files": written}
        (tmp / MARKER).write_text(json.dumps(marker, indent=1, default=str), encoding="utf-8")
        os.chmod(tmp / MARKER, 0o666 & ~_umask())
        with _no_interrupt():
            for rel in added:  # the user's files go with the new folder
                dst = tmp / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.rename(path / rel, dst)
            old = _swap(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
