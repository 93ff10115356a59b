"""Property tests: a recording or spectrum written in any supported spelling, unit, decimal
mark and delimiter reads back to the same SI values."""

from __future__ import annotations

import numpy as np
import pytest
from eclab_files import mpt_bytes

from ohmslice.io import read

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TIME_UNITS = {"ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0}
VOLT_UNITS = {"mV": 1e-3, "V": 1.0}
CURR_UNITS = {"uA": 1e-6, "mA": 1e-3, "A": 1.0}
FREQ_UNITS = {"Hz": 1.0, "kHz": 1e3}
OHM_UNITS = {"mOhm": 1e-3, "Ohm": 1.0, "kOhm": 1e3}
STYLES = ["{name} ({unit})", "{name}[{unit}]", "{name}/{unit}", "{name}_{unit}"]


def _fmt(values: np.ndarray, decimal: str) -> list[str]:
    out = [f"{v:.10g}" for v in values]
    return [s.replace(".", ",") for s in out] if decimal == "," else out


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 30),
    tu=st.sampled_from(list(TIME_UNITS)),
    vu=st.sampled_from(list(VOLT_UNITS)),
    cu=st.sampled_from(list(CURR_UNITS)),
    style=st.sampled_from(STYLES),
    names=st.sampled_from([("Time", "Voltage", "Current"), ("Test Time", "Ewe", "I")]),
    sep_dec=st.sampled_from([(",", "."), (";", ","), ("\t", "."), ("\t", ",")]),
    seed=st.integers(0, 2**32 - 1),
)
def test_recording_roundtrip(tmp_path_factory, n, tu, vu, cu, style, names, sep_dec, seed):
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.5, 100.0, n))
    v = rng.uniform(2.5, 4.3, n)
    i = rng.uniform(-0.01, 0.01, n)
    sep, dec = sep_dec
    header = [
        style.format(name=names[0], unit=tu),
        style.format(name=names[1], unit=vu),
        style.format(name=names[2], unit=cu),
    ]
    cols = [
        _fmt(t / TIME_UNITS[tu], dec),
        _fmt(v / VOLT_UNITS[vu], dec),
        _fmt(i / CURR_UNITS[cu], dec),
    ]
    lines = [sep.join(header)] + [sep.join(row) for row in zip(*cols, strict=True)]
    p = tmp_path_factory.mktemp("rt") / "data.csv"
    p.write_text("\n".join(lines) + "\n")
    rec = read(p)
    np.testing.assert_allclose(rec.time, t, rtol=1e-8)
    np.testing.assert_allclose(rec.voltage, v, rtol=1e-8)
    np.testing.assert_allclose(rec.current, i, rtol=1e-8, atol=1e-15)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(3, 40),
    fu=st.sampled_from(list(FREQ_UNITS)),
    zu=st.sampled_from(list(OHM_UNITS)),
    negated=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_spectrum_roundtrip(tmp_path_factory, n, fu, zu, negated, seed):
    rng = np.random.default_rng(seed)
    f = np.logspace(5, -2, n)
    r0, r1, c = rng.uniform(1, 100), rng.uniform(1, 1000), 10 ** rng.uniform(-7, -3)
    z = r0 + r1 / (1 + 2j * np.pi * f * r1 * c)
    im_name = "-Z''" if negated else "Z''"
    im = -z.imag if negated else z.imag
    lines = [f"Frequency ({fu}),Z' ({zu}),{im_name} ({zu})"] + [
        f"{a / FREQ_UNITS[fu]:.12g},{b / OHM_UNITS[zu]:.12g},{d / OHM_UNITS[zu]:.12g}"
        for a, b, d in zip(f, z.real, im, strict=True)
    ]
    p = tmp_path_factory.mktemp("rt") / "eis.csv"
    p.write_text("\n".join(lines) + "\n")
    s = read(p)
    np.testing.assert_allclose(s.z, z[::-1], rtol=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(2, 25),
    decimal=st.sampled_from([".", ","]),
    seed=st.integers(0, 2**32 - 1),
)
def test_mpt_roundtrip(tmp_path_factory, n, decimal, seed):
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.1, 10.0, n))
    v = rng.uniform(2.5, 4.3, n)
    i_mA = rng.uniform(-5, 5, n)
    q = np.cumsum(rng.uniform(0, 1e-3, n))
    rows = [list(r) for r in zip(t, v, i_mA, q, strict=True)]
    data = mpt_bytes(["time/s", "Ewe/V", "I/mA", "(Q-Qo)/mA.h"], rows, decimal=decimal)
    p = tmp_path_factory.mktemp("rt") / "x.mpt"
    p.write_bytes(data)
    rec = read(p)
    # EC-Lab prints 8 significant digits
    np.testing.assert_allclose(rec.time, t, rtol=1e-7)
    np.testing.assert_allclose(rec.voltage, v, rtol=1e-7)
    np.testing.assert_allclose(rec.current, i_mA * 1e-3, rtol=1e-7)
    np.testing.assert_allclose(rec.data["charge_Ah"], q * 1e-3, rtol=1e-7)
