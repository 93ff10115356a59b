"""Byte-level fuzzing of every reader (atheris): about 70 s in all (10 s per reader).

Each reader's fuzz target (``tests/fuzz/fuzz_read.py``) runs in a subprocess for
``OHMSLICE_FUZZ_SECONDS`` seconds (default 10), starting from small valid files of the
format (generated here; the real EC-Lab binaries of ``../shared/data`` for ``.mpr`` and
impedance.py's example files of ``../shared/data/eis`` for the Gamry, ZPlot and VersaStudio
readers, where that folder is present; the other vendor readers parse their table with
the ``table`` reader and are reached through ``sniff``). Any input that makes a reader raise something other than
an InputError, hang for more than 10 s or crash fails the test, and libFuzzer keeps the
input in ``crash-*`` / ``timeout-*`` under the test's temporary folder. A longer run:
``OHMSLICE_FUZZ_SECONDS=3600 .venv/bin/python -m pytest tests/io/test_fuzz.py -s``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("atheris", reason="atheris (dev extra, Linux x86_64) is not installed")

from ohmslice.schema import Recording, Spectrum  # noqa: E402
from ohmslice.simulate.writers import write_csv, write_mpt, write_mpt_spectrum  # noqa: E402

TARGET = Path(__file__).resolve().parents[1] / "fuzz" / "fuzz_read.py"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "biologic"
EIS = SHARED.parent / "eis"
#: Seeds of the vendor impedance readers: impedance.py's example files in ../shared/data/eis.
EIS_SEEDS = {
    "gamry-dta": ("exampleDataGamry.DTA", "exampleDataGamryABORT.DTA"),
    "zplot": ("exampleDataZPlot.z", "exampleDataZPlot_noComments.z", "exampleDataAutolab.txt"),
    "versastudio-par": ("exampleDataVersaStudio.par",),
    "sniff": ("exampleDataCHInstruments.txt", "exampleDataParstat.txt",
              "exampleDataPowersuite.txt", "exampleData.csv"),
}  # fmt: skip
SECONDS = int(os.environ.get("OHMSLICE_FUZZ_SECONDS", "10"))


def _seeds(reader: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    t = np.arange(0.0, 40.0, 2.0)
    i = np.where((t > 10) & (t < 20), 1e-3, 0.0)
    rec = Recording.from_arrays(t, 3.7 + 20 * i, i)
    f = np.logspace(5, -1, 12)
    z = 5 + 20 / (1 + 1j * 2 * np.pi * f * 1e-3)
    spec = Spectrum.from_arrays(f, z)
    if reader in ("biologic-mpt", "sniff"):
        write_mpt(rec, folder / "gitt.mpt")
        write_mpt(rec, folder / "gitt_comma.mpt", decimal=",")
        write_mpt_spectrum(spec, folder / "peis.mpt")
    if reader in ("table", "sniff"):
        write_csv(rec, folder / "rec.csv")
        write_csv(spec, folder / "spec.csv")
    if reader in ("biologic-mpr", "sniff"):
        for name in ("zir.mpr", "peis.issue_149.mpr", "gcpl.issue_149.mpr"):
            if (SHARED / name).is_file():
                shutil.copy(SHARED / name, folder / name)
    for name in EIS_SEEDS.get(reader, ()) + (EIS_SEEDS["gamry-dta"] if reader == "sniff" else ()):
        if (EIS / name).is_file():
            shutil.copy(EIS / name, folder / name)
    if not any(folder.iterdir()):
        pytest.skip(
            f"no seed files for {reader} (the .mpr and vendor seeds come from {SHARED.parent})"
        )
    return folder


@pytest.mark.parametrize(
    "reader",
    ["biologic-mpt", "biologic-mpr", "table", "gamry-dta", "zplot", "versastudio-par", "sniff"],
)
def test_fuzz_reader(reader, tmp_path):
    seeds = _seeds(reader, tmp_path / "seeds")
    work = tmp_path / "corpus"
    work.mkdir()
    proc = subprocess.run(
        [sys.executable, str(TARGET), reader, str(work), str(seeds),
         f"-max_total_time={SECONDS}", "-timeout=10", "-rss_limit_mb=3000",
         "-max_len=65536", "-print_final_stats=1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=SECONDS + 300,
    )  # fmt: skip
    log = proc.stdout + proc.stderr
    runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
    print(f"{reader}: {runs[-1] if runs else '?'} executions in {SECONDS} s")
    findings = sorted(p.name for p in tmp_path.glob("*-*") if p.name.split("-")[0] in
                      ("crash", "timeout", "oom", "leak"))  # fmt: skip
    assert proc.returncode == 0 and not findings, f"{findings}\n{log[-4000:]}"
    assert runs and int(runs[-1]) > 0, log[-2000:]
