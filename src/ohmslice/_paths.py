"""What the operating system says about a path given as input, as one clear error.

:func:`check_input_file` is called before ohmslice opens any file the user names (a data
file, a study file): it refuses, without opening or blocking on it, anything that is not a
regular file -- a folder, a named pipe, a socket, a device -- and turns the operating
system's refusals (no such file, a symlink loop, a name too long, no permission) into one
:class:`~ohmslice.errors.InputError` line naming the path.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import InputError

_KIND = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}

_OS_REASON = {
    errno.ENOENT: "no such file",
    errno.ELOOP: "a loop of symbolic links, no file at its end",
    errno.ENAMETOOLONG: "the name is longer than the file system allows",
    errno.EACCES: "permission denied: you may not read this file",
    errno.EPERM: "permission denied: you may not read this file",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
}


def os_reason(exc: OSError) -> str:
    """The operating system's refusal in words (``exc.strerror`` where not listed)."""
    return _OS_REASON.get(exc.errno, exc.strerror or type(exc).__name__)


def check_input_file(path: str | os.PathLike[str], *, what: str = "data file") -> Path:
    """Return ``path`` as a Path if it names a regular file ohmslice may read.

    Raises
    ------
    InputError
        The path does not exist, is not a regular file (folder, named pipe, socket,
        device: said which), ends in a symlink loop, has a name too long, or is not
        readable. A named pipe is never opened, so nothing blocks on it.
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except OSError as exc:
        raise InputError(os_reason(exc), path=p) from None
    except ValueError:  # a NUL byte in the name
        raise InputError("the name holds a NUL character, no file can have it", path=p) from None
    if not stat.S_ISREG(st.st_mode):
        kind = _KIND.get(stat.S_IFMT(st.st_mode), "not a regular file")
        raise InputError(f"is {kind}, expected a {what}", path=p)
    if not os.access(p, os.R_OK):
        raise InputError(_OS_REASON[errno.EACCES], path=p)
    return p
