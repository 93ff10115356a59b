"""Generate the corpus of broken and unusual inputs in this folder, with what ohmslice must
do with each (``cases.json``). Run it to refresh the corpus; never edit the files by hand
(``tests/test_broken_inputs.py`` checks that they are what this script writes).

    python tests/data/broken/make_corpus.py

Every case names a file (or a study folder), the command run on it, the exit code
expected (0 read / analysed, 1 a result that is not usable, 2 refused) and a regular
expression the output must hold: the reason of a refusal, or the warning of a file that
is read with a warning. Inputs only the operating system can make (named pipes, symlink
loops, unreadable files, names with a newline or too long) are made by the test itself.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
FILES = "files"


def _base() -> dict[str, bytes]:
    """Small valid files of every kind, from the project's simulator (fixed seeds)."""
    import tempfile

    from ohmslice.schema import Recording, Spectrum
    from ohmslice.simulate import QUIET, Rest, cc_cv_charge, gitt, reference_cells, simulate
    from ohmslice.simulate.writers import write_csv, write_mpt, write_mpt_spectrum

    cell = reference_cells()["S_SE"]
    prog = [Rest(60.0), *cc_cv_charge(cell, c_rate=1.0, record_dt_s=60.0, record_dE_V=0.05),
            Rest(600.0), gitt(cell, n_pulses=4, rest_s=1200.0, pulse_dt_s=4.0, pulse_dE_V=0.02,
                              rest_dt_s=120.0, rest_dE_V=0.02)]  # fmt: skip
    rec = simulate(cell, prog, noise=QUIET, seed=1, technique="GITT").recording
    f = np.logspace(5, -1, 31)
    z = 5 + 20 / (1 + (1j * 2 * np.pi * f * 1e-3) ** 0.9) + 30 / np.sqrt(1j * 2 * np.pi * f * 10)
    spec = Spectrum.from_arrays(f, z)
    out = {}
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        write_mpt(rec, d / "g.mpt")
        write_mpt(rec, d / "gc.mpt", decimal=",")
        write_mpt_spectrum(spec, d / "s.mpt")
        write_csv(Recording(rec.data[["time_s", "voltage_V", "current_A"]]), d / "g.csv")
        write_csv(spec, d / "s.csv")
        for name in ("g.mpt", "gc.mpt", "s.mpt", "g.csv", "s.csv"):
            out[name] = (d / name).read_bytes()
    return out


def _csv(header: str, rows: list[str], sep: str = ",") -> bytes:
    return ("\n".join([header, *rows]) + "\n").replace(",", sep).encode()


def _spec_csv(f, zr, zi) -> bytes:
    rows = [f"{a:.17g},{b:.17g},{c:.17g}" for a, b, c in zip(f, zr, zi, strict=True)]
    return _csv("freq_Hz,z_real_ohm,z_imag_ohm", rows)


def cases(base: dict[str, bytes]) -> list[dict]:
    """Every case: file name -> bytes, command, expected exit code and output pattern."""
    g_mpt, g_csv = base["g.mpt"], base["g.csv"]
    lines = g_mpt.decode("latin-1").splitlines(keepends=True)
    csv_lines = g_csv.decode().splitlines(keepends=True)
    c: list[dict] = []

    def add(name, data, command, exit, match, **kw):
        c.append({"file": name, "data": data, "command": command, "exit": exit,
                  "match": match, **kw})  # fmt: skip

    # --- files that are not what they claim -------------------------------------------
    add("empty.mpt", b"", "inspect", 2, "empty file")
    add("blank.csv", b"  \n\t\n  \n", "inspect", 2, "only blank space")
    add("png_named.mpt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "inspect", 2,
        "not a file format ohmslice reads")  # fmt: skip
    add("zip_named.csv", b"PK\x03\x04" + b"\x00" * 200, "inspect", 2, "not a")
    add("random_bytes.mpr", np.random.default_rng(0).bytes(4096), "inspect", 2, "not a")
    add("mpr_magic_only.mpr", b"BIO-LOGIC MODULAR FILE\x1a" + b"\x00" * 30, "inspect", 2,
        r"mpr|truncated|cut|ends")  # fmt: skip
    add("text_with_nul.csv", b"time_s,voltage_V\x00\x00\x00,current_A\n1,2,3\n", "inspect", 2,
        ".")  # fmt: skip
    # --- truncated text exports -------------------------------------------------------
    cut = len(g_mpt) - len(lines[-1]) // 2
    add("gitt_cut_mid_row.mpt", g_mpt[:cut], "inspect", 0, r"incomplete|cut|dropped")
    last = lines[-1]
    k = last.index("\t") + 3
    add("gitt_cut_mid_number.mpt", g_mpt[: len(g_mpt) - len(last) + k], "inspect", 0,
        r"incomplete|cut|dropped")  # fmt: skip
    head_n = int(lines[1].split(":")[1])
    add("mpt_cut_in_header.mpt", "".join(lines[: head_n // 2]).encode("latin-1"), "inspect", 2,
        r"header|truncated|ends")  # fmt: skip
    add("csv_cut_mid_row.csv", g_csv[: len(g_csv) - len(csv_lines[-1]) // 2], "inspect", 0,
        r"incomplete|cut|dropped")  # fmt: skip
    # --- GITT cut short -----------------------------------------------------------------
    add("gitt_cut_in_pulse.mpt", _cut_in_pulse(g_mpt), "gitt", 0, r"ends .*pulse")
    # --- CSV as labs write it ------------------------------------------------------------
    t = np.arange(0, 300.0, 10.0)
    i = np.where((t >= 100) & (t < 200), -1.0, 0.0)  # mA
    v = 3.8 + 0.02 * i
    rows = [f"{a:g},{b:.4f},{d:g}" for a, b, d in zip(t, v, i, strict=True)]
    add("units_second_row.csv", _csv("Time,Voltage,Current", ["s,V,mA", *rows]), "inspect", 0,
        r"rows")  # fmt: skip
    rows_dc = [f'"{a:g}";"{str(round(b, 4)).replace(".", ",")}";"{d:g}"'
               for a, b, d in zip(t, v, i, strict=True)]  # fmt: skip
    add("quoted_decimal_comma.csv", ("time/s;Ewe/V;I/mA\n" + "\n".join(rows_dc) + "\n").encode(),
        "inspect", 0, r"rows")  # fmt: skip
    rows_th = [f'"{1000 * a:,.1f}",{b:.4f},{d:g}' for a, b, d in zip(t, v, i, strict=True)]
    add("thousands_separator.csv", ("time/ms,Ewe/V,I/mA\n" + "\n".join(rows_th) + "\n").encode(),
        "inspect", 0, r"rows")  # fmt: skip
    utf16 = "time/s\tEwe/V\tI/mA\r\n" + "\r\n".join(r.replace(",", "\t") for r in rows) + "\r\n"
    add("excel_unicode_text.txt", b"\xff\xfe" + utf16.encode("utf-16-le"), "inspect", 0, r"rows")
    add("utf8_bom.csv", b"\xef\xbb\xbf" + g_csv, "inspect", 0, r"rows")
    add("unknown_columns.csv", _csv("a,b,c", rows), "inspect", 2,
        r"columns.*a.*b.*c.*columns=")  # fmt: skip
    # --- units that cannot be right -------------------------------------------------------
    rows_ma = [f"{a:g},{b:.4f},{1000 * d:g}" for a, b, d in zip(t, v, i, strict=True)]
    add("current_in_mA_labelled_A.csv", _csv("time/s,Ewe/V,I/A", rows_ma), "inspect", 0,
        r"(?i)current.*(mA|1000)")  # fmt: skip
    rows_dup = [f"{int(a // 30):d},{b:.4f},{d:g}" for a, b, d in zip(t, v, i, strict=True)]
    add("time_stamps_duplicated.csv", _csv("time/min,Ewe/V,I/mA", rows_dup), "inspect", 0,
        r"(?i)time")  # fmt: skip
    # --- bad values -------------------------------------------------------------------
    bad = csv_lines[:]
    bad[5] = bad[5].split(",")[0] + ",nan," + bad[5].split(",")[2]
    add("nan_voltage.csv", "".join(bad).encode(), "gitt", 2, r"(?i)nan|not a number|finite")
    back = csv_lines[:]
    back[8], back[9] = back[9], back[8]
    add("time_backwards.csv", "".join(back).encode(), "inspect", 2, r"(?i)time.*(back|decreas)")
    add("missing_current.csv", _csv("time_s,voltage_V", [f"{a:g},{b:g}" for a, b in
                                                          zip(t, v, strict=True)]),
        "gitt", 2, r"(?i)current")  # fmt: skip
    # --- degenerate spectra ---------------------------------------------------------------
    fs = np.logspace(4, -1, 21)
    zs = 5 + 20 / (1 + 1j * 2 * np.pi * fs * 1e-3)
    add("spec_two_points.csv", _spec_csv(fs[:2], zs.real[:2], zs.imag[:2]), "eis-fit", 2,
        r"(?i)frequenc")  # fmt: skip
    add("spec_one_frequency.csv", _spec_csv(np.full(21, 100.0), zs.real, zs.imag), "eis-fit",
        2, r"(?i)frequenc")  # fmt: skip
    add("spec_at_1e10_Hz.csv", _spec_csv(fs * 1e6, zs.real, zs.imag), "eis-fit", 2,
        r"(?i)1e\+?0?9|above")  # fmt: skip
    add("spec_below_1e-6_Hz.csv", _spec_csv(fs * 1e-8, zs.real, zs.imag), "eis-fit", 2,
        r"(?i)1e-0?6|below")  # fmt: skip
    add("spec_all_zero.csv", _spec_csv(fs, 0 * fs, 0 * fs), "eis-fit", 2, r"(?i)zero")
    add("spec_nan_z.csv", _spec_csv(fs, np.where(fs > 10, zs.real, np.nan), zs.imag),
        "eis-fit", 0, r"(?i)dropped")  # fmt: skip
    add("spec_negative_frequency.csv", _spec_csv(np.r_[-fs[:3], fs[3:]], zs.real, zs.imag),
        "eis-fit", 0, r"(?i)dropped")  # fmt: skip
    add("spec_inductive_only.csv", _spec_csv(fs, 0 * fs + 1.0, 2 * np.pi * fs * 1e-6),
        "eis-kk", 0, r".")  # fmt: skip
    return c


def _cut_in_pulse(g_mpt: bytes) -> bytes:
    """The GITT export cut 40 % into its third pulse (by the current column)."""
    text = g_mpt.decode("latin-1")
    lines = text.splitlines(keepends=True)
    n_head = int(lines[1].split(":")[1])
    cols = lines[n_head - 1].rstrip("\r\n").split("\t")
    ic = next(k for k, name in enumerate(cols) if name.startswith(("I/mA", "<I>/mA")))
    cur = np.array([float(r.split("\t")[ic]) for r in lines[n_head:]])
    on = np.flatnonzero(np.diff((cur < 0).astype(int)) == 1) + 1
    third = on[2]
    end = third + max(2, int(0.4 * (np.flatnonzero(cur[third:] >= 0)[0])))
    return "".join(lines[: n_head + end]).encode("latin-1")


def write(folder: Path = HERE) -> list[dict]:
    """Write every case's file under ``folder/files`` and ``folder/cases.json``."""
    files = folder / FILES
    if files.exists():
        shutil.rmtree(files)
    files.mkdir(parents=True)
    listed = []
    for case in cases(_base()):
        data = case.pop("data")
        (files / case["file"]).write_bytes(data)
        listed.append(case)
    (folder / "cases.json").write_text(json.dumps(listed, indent=1) + "\n")
    return listed


if __name__ == "__main__":
    n = len(write(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE))
    print(f"{n} cases written to {HERE}")
