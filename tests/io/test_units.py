"""Units in column headers and their factors to SI."""

from __future__ import annotations

import pytest

from ohmslice.errors import InputError
from ohmslice.io._units import factor, split_header


@pytest.mark.parametrize(
    "header, expected",
    [
        ("Time (s)", ("Time", "s")),
        ("Voltage(V)", ("Voltage", "V")),
        ("Current [µA]", ("Current", "µA")),
        ("I/mA", ("I", "mA")),
        ("(Q-Qo)/mA.h", ("(Q-Qo)", "mA.h")),
        ("-Im(Z)/Ohm", ("-Im(Z)", "Ohm")),
        ("Current_mA", ("Current", "mA")),
        ("Re(Z)", ("Re(Z)", None)),
        ("Seconds", ("Seconds", None)),
        ("cycle number", ("cycle number", None)),
        ("control/V/mA", ("control/V", "mA")),
    ],
)
def test_split_header(header, expected):
    assert split_header(header) == expected


@pytest.mark.parametrize(
    "unit, kind, value",
    [
        ("ms", "time", 1e-3),
        ("min", "time", 60),
        ("h", "time", 3600),
        ("mV", "voltage", 1e-3),
        ("µA", "current", 1e-6),
        ("uA", "current", 1e-6),
        ("mA", "current", 1e-3),
        ("mA.h", "charge", 1e-3),
        ("mAh", "charge", 1e-3),
        ("C", "charge", 1 / 3600),
        ("mOhm", "impedance", 1e-3),
        ("kΩ", "impedance", 1e3),
        ("ohms", "impedance", 1),
        ("kHz", "frequency", 1e3),
        ("mHz", "frequency", 1e-3),
        ("MHz", "frequency", 1e6),
        ("KHZ", "frequency", 1e3),
        (None, "current", 1),
    ],
)
def test_factor(unit, kind, value):
    assert factor(unit, kind) == pytest.approx(value)


@pytest.mark.parametrize("unit, kind", [("V", "current"), ("mhz", "frequency"), ("Wh", "charge")])
def test_bad_or_ambiguous_unit(unit, kind):
    with pytest.raises(InputError) as exc:
        factor(unit, kind, column="X", path="f.csv")
    assert "f.csv" in str(exc.value) and unit in str(exc.value)
