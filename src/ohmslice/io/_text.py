"""Text files as the text readers want them: one byte encoding, no byte-order mark, no
zero bytes at the end.

Lab software writes text in Latin-1 / Windows-1252 (EC-Lab, most cyclers), UTF-8 with or
without a byte-order mark (BOM), and UTF-16 (Excel's "Unicode text", always little
endian with a BOM; BOM-less UTF-16 is recognised by its zero bytes). :func:`plain_text`
turns UTF-16 into UTF-8 and removes the BOMs and the zero bytes a crash leaves at the end
of a file, so that the byte-level parsers (pandas' C engine, :mod:`._truncation`) see
ASCII separators and line breaks.
"""

from __future__ import annotations

import pandas as pd

#: ``pandas.read_csv`` options that read a number back as the float it was written from:
#: pandas 3 parses exactly by default (and deprecates the option), pandas 2 (the release
#: for Python 3.10) only with ``float_precision="round_trip"``, off by up to 1 ulp otherwise.
EXACT_FLOATS: dict[str, str] = (
    {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
)

UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


def utf16(head: bytes) -> tuple[str, int] | None:
    """(codec, BOM length) if ``head`` (the start of a file) is UTF-16 text, else None.

    With a BOM that is certain; without one, UTF-16 holding mostly ASCII has a zero in
    (nearly) every other byte: at odd offsets for little endian, even for big endian.
    """
    for bom, codec in _UTF16_BOMS.items():
        if head.startswith(bom):
            return codec, len(bom)
    sample = head[:4096].rstrip(b"\x00")
    if len(sample) < 16:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le", 0
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be", 0
    return None


def plain_text(raw: bytes) -> tuple[bytes, str, int]:
    """The file's text as bytes in one 8-bit-clean encoding.

    Returns
    -------
    data, encoding, zero_bytes
        The text without BOM and without trailing zero bytes (UTF-16 re-encoded as
        UTF-8; characters that do not decode become U+FFFD); the encoding to decode it
        with (``"utf-8"`` or ``"latin-1"``, judged from the first 64 KiB); and how many
        zero bytes were removed from the end of the file.
    """
    found = utf16(raw[:4096])
    if found is not None:
        codec, bom = found
        body = raw[bom:]
        text = body.rstrip(b"\x00")
        keep = len(text) + (len(text) % 2 if codec == "utf-16-le" else 0)
        keep = min(keep, len(body))
        zero_bytes = len(body) - keep
        return body[:keep].decode(codec, errors="replace").encode("utf-8"), "utf-8", zero_bytes
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM) :]
    data = raw.rstrip(b"\x00")
    return data, guess_encoding(data[:65536]), len(raw) - len(data)


def guess_encoding(sample: bytes) -> str:
    """``"utf-8"`` if ``sample`` decodes as UTF-8 (a multi-byte character cut at its end is
    allowed), else ``"latin-1"``."""
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 3:
            return "latin-1"
    return "utf-8"


def decode(data: bytes, encoding: str) -> str:
    """``data`` as text; undecodable bytes become U+FFFD."""
    return data.decode(encoding, errors="replace")
