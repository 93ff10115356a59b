"""time_constants on measured spectra (../shared/data): each gives time constants with a
misfit the data allow, or is refused with the reason; never a number presented as
measured that the data do not carry."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import ohmslice as om
from ohmslice.errors import InputError
from ohmslice.impedance.timeconst import time_constants

FILES = [
    "biologic/vsp_peis_with.mpr",
    "biologic/peis.issue_149.mpr",
    "biologic/geis.mpr",
    *(
        f"eis/{name}"
        for name in (
            "Circuit1_EIS_1.z",
            "exampleData.csv",
            "exampleDataAutolab.txt",
            "exampleDataBioLogic.mpt",
            "exampleDataBioLogic_MissingFreq.mpt",
            "exampleDataCHInstruments.txt",
            "exampleDataGamry.DTA",
            "exampleDataGamryABORT.DTA",
            "exampleDataParstat.txt",
            "exampleDataPowersuite.txt",
            "exampleDataVersaStudio.par",
            "exampleDataZPlot.z",
            "exampleDataZPlot_noComments.z",
        )
    ),
]


#: files without a header, read with their columns named (impedance.py's "csv": f, Z', Z'')
COLUMNS = {
    "exampleData.csv": {"freq_Hz": "column 1", "z_real_ohm": "column 2", "z_imag_ohm": "column 3"}
}


def first_spectrum(path: Path) -> om.Spectrum:
    """The file's first spectrum; skips (with the reader's reason) what ohmslice cannot
    read yet."""
    if not path.exists():
        pytest.skip(f"{path.name} is not in the shared data")
    kwargs = {"columns": COLUMNS[path.name]} if path.name in COLUMNS else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = om.read(path, **kwargs)
        except InputError as exc:
            pytest.skip(f"ohmslice cannot read {path.name} yet: {exc.message}")
    items = out if isinstance(out, list) else [out]
    spectra = [x for x in items if isinstance(x, om.Spectrum)]
    if not spectra:
        pytest.skip(f"{path.name} holds no spectrum")
    return spectra[0]


def assert_sound(tc) -> None:
    """Accepted with a misfit the data allow and every measured value determined, or
    refused with reasons and nothing measured."""
    t = tc.table
    text = " ".join([*tc.fit_reasons, *t["status_reason"]])
    assert not re.search(r"np\.|\(\)|Traceback|\bnan\b", text), text
    assert set(t["status"]) <= {"measured", "bounded", "undetermined"}
    if tc.fit_accepted:
        assert tc.meta["rms_misfit"] <= max(0.03, 2 * tc.meta["rms_misfit_drt"])
        m = t[t["status"] == "measured"]
        for col, err in (("r_fit_ohm", "r_fit_err_ohm"), ("tau_fit_s", "tau_fit_err_s")):
            assert np.all(np.isfinite(m[col]) & (m[col] > 0))
            assert np.all(m[err] <= 0.5 * m[col])
        b = t[t["status"] == "bounded"]
        assert np.all(np.isfinite(b["tau_lower_s"]) | np.isfinite(b["tau_upper_s"]))
        assert (t.loc[t["status"] != "measured", "status_reason"] != "").all()
    else:
        assert tc.fit_reasons and all(len(r) > 20 for r in tc.fit_reasons)
        assert (t["status"] == "undetermined").all() and not t["agree"].any()
    usable = tc.usable()
    assert usable.loc[t["status"] != "measured", "tau_fit_s"].isna().all()


@pytest.mark.parametrize("name", FILES)
def test_every_readable_spectrum_is_measured_or_refused_with_a_reason(shared_data, name):
    spec = first_spectrum(shared_data / name)
    tc = time_constants(spec)
    assert_sound(tc)
    assert tc.diffusion_candidates is not None and tc.diffusion_candidates["chosen"].sum() == 1


def test_an_inductive_tail_is_named(shared_data):
    """vsp_peis_with turns inductive above ~10 kHz; the default circuit has no L."""
    tc = time_constants(first_spectrum(shared_data / "biologic" / "vsp_peis_with.mpr"))
    assert not tc.fit_accepted
    assert any("induct" in r for r in tc.fit_reasons)


def test_a_measured_spectrum_gives_its_charge_transfer(shared_data):
    """peis.issue_149 (100 Hz - 200 kHz): two arcs and the cables' inductance describe it;
    the charge-transfer arc is measured, the contact arc beside it is not resolved."""
    spec = first_spectrum(shared_data / "biologic" / "peis.issue_149.mpr")
    tc = time_constants(spec, "L0-R0-p(R1,CPE1)-p(R2,CPE2)")
    assert_sound(tc)
    assert tc.fit_accepted and tc.meta["rms_misfit"] < 0.01
    ct = tc.table.set_index("process").loc["charge_transfer"]
    assert ct.status == "measured" and 1e-4 < ct.tau_fit_s < 1e-3
    assert "diffusion" not in set(tc.table["process"])  # nothing below 100 Hz is named
