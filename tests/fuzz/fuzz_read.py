"""Byte-level fuzz target of one reader (atheris, coverage-guided libFuzzer).

    python tests/fuzz/fuzz_read.py READER SEED_DIR [libFuzzer options]

READER is a registered reader name (``biologic-mpt``, ``biologic-mpr``, ``table``) or
``sniff`` (``ohmslice.read`` choosing the reader from the content). Every input is
written to a file with the reader's suffix and read; it must give a Recording/Spectrum
(or a list of them) or raise an :class:`ohmslice.errors.InputError`. Anything else -- an
other exception, a hang (``-timeout``), a crash -- is a finding: libFuzzer stops,
writes the input to ``crash-*`` / ``timeout-*`` and exits non-zero.
"""

import os
import sys
import tempfile
import warnings

import atheris

with atheris.instrument_imports(include=["ohmslice"]):
    from ohmslice.errors import InputError
    from ohmslice.io import get, read

READER = sys.argv.pop(1)
SUFFIX = {"sniff": ".dat"}.get(READER) or get(READER).suffixes[0]
PATH = os.path.join(tempfile.mkdtemp(prefix="ohmslice-fuzz-"), "input" + SUFFIX)
warnings.simplefilter("ignore")


def one_input(data: bytes) -> None:
    with open(PATH, "wb") as fh:
        fh.write(data)
    try:
        read(PATH, format=None if READER == "sniff" else READER)
    except InputError as exc:
        message = str(exc)
        if not message or "\n" in message.rstrip("\n"):
            raise AssertionError(f"error message not one line: {message!r}") from None


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
