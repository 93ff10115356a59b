"""Reading speed: ``ohmslice.read`` against the library that reads the same file.

Target (issue: readers): reading stays within 1.5x of the fastest library for the file --
galvani for BioLogic ``.mpr`` (its ``MPRfile`` parse, then a DataFrame of its records),
NewareNDA for Neware ``.nda`` / ``.ndax`` (``NewareNDA.read``, a DataFrame). ohmslice's
time includes what galvani's and NewareNDA's do not: content sniffing, the canonical
columns and units, step and cycle numbers, the checks of the schema, and one Spectrum per
sweep where a file holds impedance.

Files: the real ``.mpr`` and Neware files of ``../shared/data`` (skipped with a note where
that folder is absent) as they are -- small, a few thousand rows: the fixed cost of a read
-- and each ``.mpr`` grown to about 1 M rows by repeating its records (time shifted so it
keeps increasing; the modules' lengths and row count patched), where the cost per row
decides. Each time is the best of ``--repeat`` rounds (default 5; the small files 20 times
as many) in which ohmslice and the peer are called in turn.

Run: ``.venv/bin/python benchmarks/read.py [--repeat N] [--rows N]``
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import side_by_side

import ohmslice as om

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
TARGET = 1.5


def grown_mpr(src: Path, rows: int, folder: Path) -> Path:
    """A copy of the ``.mpr`` file ``src`` whose data module repeats its records up to at
    least ``rows`` rows, ``time/s`` shifted by the span of the original per repetition."""
    from galvani import BioLogic

    raw = src.read_bytes()
    mpr = BioLogic.MPRfile(str(src))
    data = mpr.data
    k = max(1, -(-rows // len(data)))
    big = np.tile(data, k)
    if "time/s" in data.dtype.names:
        t = data["time/s"]
        span = float(t[-1] - t[0]) + float(np.median(np.diff(t))) if len(t) > 1 else 1.0
        big["time/s"] += np.repeat(np.arange(k) * span, len(data))
    out = [raw[: len(BioLogic.MPR_MAGIC)]]
    for mod in mpr.modules:
        body = mod["data"]
        if mod["shortname"] == b"VMP data  ":
            head = len(body) - data.nbytes
            body = bytearray(body[:head]) + big.tobytes()
            body[:4] = np.uint32(len(big)).tobytes()
            body = bytes(body)
        start = mod["offset"] - BioLogic.VMPmodule_hdr_v2.itemsize  # EC-Lab >= 11.50
        v2 = raw[start - 6 : start] == b"MODULE" and raw[start + 35 : start + 39] == b"\xff" * 4
        dtype = BioLogic.VMPmodule_hdr_v2 if v2 else BioLogic.VMPmodule_hdr_v1
        hdr = np.frombuffer(raw[mod["offset"] - dtype.itemsize : mod["offset"]], dtype).copy()
        hdr["length"] = len(body)
        out += [b"MODULE", hdr.tobytes(), body]
    path = folder / f"{src.stem}.x{k}.mpr"
    path.write_bytes(b"".join(out))
    return path


def read_quietly(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return om.read(path)


def galvani_read(path: Path) -> pd.DataFrame:
    from galvani import BioLogic

    return pd.DataFrame(BioLogic.MPRfile(str(path)).data)


def neware_read(path: Path) -> pd.DataFrame:
    import NewareNDA

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return NewareNDA.read(str(path))


def row(name: str, rows: int, ours: float, peer: float, peer_name: str) -> str:
    ratio = ours / peer
    verdict = "met" if ratio <= TARGET else "NOT met"
    return (
        f"{name:34s} {rows:>9,d} rows   ohmslice {ours * 1e3:8.1f} ms   {peer_name} "
        f"{peer * 1e3:8.1f} ms   ratio {ratio:6.2f}  ({verdict}: <= {TARGET})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    if not SHARED.is_dir():
        print(f"{SHARED} not found: no real files to read; skipped")
        return
    print("== BioLogic .mpr: ohmslice.read against galvani (MPRfile + DataFrame)")
    with tempfile.TemporaryDirectory() as tmp:
        for src in sorted((SHARED / "biologic").glob("*.mpr")):
            n = len(galvani_read(src))
            read_quietly(src)  # warm-up
            ours, peer = side_by_side(
                lambda p=src: read_quietly(p), lambda p=src: galvani_read(p), 20 * args.repeat
            )
            print(row(src.name, n, ours, peer, "galvani"))
            big = grown_mpr(src, args.rows, Path(tmp))
            n = len(galvani_read(big))
            ours, peer = side_by_side(
                lambda p=big: read_quietly(p), lambda p=big: galvani_read(p), args.repeat
            )
            print(row(f"  grown {big.name}", n, ours, peer, "galvani"))
    print("\n== Neware: ohmslice.read against NewareNDA.read")
    for src in sorted((SHARED / "neware").glob("*.nd*")):
        n = len(neware_read(src))
        read_quietly(src)
        ours, peer = side_by_side(
            lambda p=src: read_quietly(p), lambda p=src: neware_read(p), 20 * args.repeat
        )
        print(row(src.name, n, ours, peer, "NewareNDA"))


if __name__ == "__main__":
    main()
