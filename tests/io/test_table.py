"""Generic CSV/TSV/Parquet tables: column recognition, units, signs, mapping, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ohmslice.errors import (
    EmptyDataError,
    InvalidDataError,
    MissingColumnError,
    TruncatedFileError,
    TruncatedFileWarning,
)
from ohmslice.io import read
from ohmslice.schema import Recording, Spectrum


def test_cycler_csv_units(write):
    text = "Time (s),Voltage(V),Current(mA),Step\n0,3.70,0,1\n10,3.65,-500,2\n20,3.60,-500,2\n"
    rec = read(write("cycler.csv", text))
    assert isinstance(rec, Recording) and rec.meta["format"] == "table"
    np.testing.assert_allclose(rec.current, [0, -0.5, -0.5])
    np.testing.assert_allclose(rec.time, [0, 10, 20])
    assert rec.data["step"].tolist() == [1, 2, 2]
    assert rec.meta["columns"] == {
        "time_s": "Time (s)",
        "voltage_V": "Voltage(V)",
        "current_A": "Current(mA)",
        "step": "Step",
    }


@pytest.mark.parametrize(
    "header, factors",
    [
        ("Test Time (s)\tVolts\tAmps", (1, 1, 1)),
        ("time/h\tEwe/mV\tI/uA", (3600, 1e-3, 1e-6)),
        ("Time [min]\tVoltage [V]\tCurrent [µA]", (60, 1, 1e-6)),
        ("Time (ms)\tU (V)\tI (A)", (1e-3, 1, 1)),
        ("time_s\tvoltage_V\tcurrent_A", (1, 1, 1)),
        ("Time_h\tVoltage_mV\tCurrent_mA", (3600, 1e-3, 1e-3)),
        ("Seconds\tVolts\tMilliamps", (1, 1, 1e-3)),
    ],
)
def test_time_voltage_current_spellings(write, header, factors):
    rows = [[0.0, 3.5, 2.0], [1.0, 3.6, 2.0], [2.0, 3.7, 2.0]]
    text = header + "\n" + "\n".join("\t".join(str(v) for v in r) for r in rows) + "\n"
    rec = read(write("t.tsv", text))
    np.testing.assert_allclose(rec.time, np.array([0, 1, 2]) * factors[0])
    np.testing.assert_allclose(rec.voltage, np.array([3.5, 3.6, 3.7]) * factors[1])
    np.testing.assert_allclose(rec.current, 2.0 * factors[2])


def test_semicolon_decimal_comma_with_preamble(write):
    text = (
        "Cycler export v2\nCell: A12\n\nZeit/h;U/V;I/mA\n0,0;3,50;0,0\n0,5;3,55;1,5\n1,0;3,60;1,5\n"
    )
    p = write("de.csv", text.encode("latin-1"))
    with pytest.raises(MissingColumnError) as exc:
        read(p)
    msg = str(exc.value)
    assert "de.csv" in msg and "Zeit/h" in msg and "columns=" in msg
    rec = read(p, columns={"time_s": "Zeit/h"})
    np.testing.assert_allclose(rec.time, [0, 1800, 3600])
    np.testing.assert_allclose(rec.current, [0, 1.5e-3, 1.5e-3])


@pytest.mark.parametrize(
    "header, sign",
    [
        ("Frequency (Hz),Z' (Ohm),-Z'' (Ohm)", -1),
        # a Z'' whose name does not say its sign, positive at most points: it is -Z''
        ("Frequency (Hz),Z' (Ohm),Z'' (Ohm)", -1),
        ("freq,Zreal,Zimag", -1),
        ("Freq (Hz),Re(Z) (Ohm),-Im(Z) (Ohm)", -1),
        ("freq/Hz,Re(Z)/Ohm,-Im(Z)/Ohm", -1),
        ("freq_Hz,z_real_ohm,z_imag_ohm", 1),
    ],
)
def test_impedance_spellings_and_sign(write, header, sign):
    text = header + "\n1000,10.0,2.0\n100,12.0,5.0\n10,20.0,8.0\n"
    s = read(write("eis.csv", text))
    assert isinstance(s, Spectrum)
    np.testing.assert_allclose(s.freq, [10, 100, 1000])
    np.testing.assert_allclose(s.data["z_imag_ohm"], sign * np.array([8.0, 5.0, 2.0]))


def test_impedance_units_khz_mohm(write):
    s = read(write("eis.csv", "Frequency (kHz),Z' (mOhm),-Z'' (kOhm)\n1,500,0.002\n"))
    assert s.freq[0] == 1000
    assert s.data["z_real_ohm"].iloc[0] == pytest.approx(0.5)
    assert s.data["z_imag_ohm"].iloc[0] == pytest.approx(-2.0)


def test_modulus_and_phase(write):
    s = read(write("eis.csv", "Frequency (Hz),|Z| (Ohm),Phase (deg)\n100,2.0,-30\n"))
    assert s.data["z_real_ohm"].iloc[0] == pytest.approx(2 * np.cos(np.pi / 6))
    assert s.data["z_imag_ohm"].iloc[0] == pytest.approx(-1.0)


def test_parquet(tmp_path):
    df = pd.DataFrame({"time_s": [0.0, 1.0], "voltage_V": [3.0, 3.1], "current_A": [0.1, 0.1]})
    p = tmp_path / "run.parquet"
    df.to_parquet(p)
    rec = read(p)
    assert isinstance(rec, Recording) and len(rec) == 2
    q = tmp_path / "renamed.bin"  # content, not the suffix, says Parquet
    q.write_bytes(p.read_bytes())
    assert len(read(q)) == 2


def test_datetime_time_column(write):
    text = "Timestamp,Voltage (V),Current (A)\n2024-01-01 10:00:00,3.0,0.1\n2024-01-01 10:00:30,3.1,0.1\n"
    rec = read(write("dt.csv", text), columns={"time_s": "Timestamp"})
    np.testing.assert_allclose(rec.time, [0, 30])


def test_ambiguous_columns(write):
    text = "time/s,Ewe/V,Ecell/V,I/mA\n0,3.0,3.1,1\n1,3.0,3.1,1\n"
    with pytest.raises(MissingColumnError) as exc:
        read(write("amb.csv", text))
    assert "amb.csv" in str(exc.value) and "ambiguous" in str(exc.value)
    rec = read(write("amb.csv", text), columns={"voltage_V": "Ecell/V"})
    np.testing.assert_allclose(rec.voltage, 3.1)


def test_missing_columns_lists_found_and_expected(write):
    with pytest.raises(MissingColumnError) as exc:
        read(write("half.csv", "Time (s),Temperature (°C)\n0,25\n1,25\n"))
    msg = str(exc.value)
    assert "half.csv" in msg and "Temperature" in msg and "voltage" in msg and "columns=" in msg


def test_nan_value_names_row(write):
    text = "Time (s),Voltage (V),Current (A)\n0,3.0,0.1\n1,,0.1\n2,3.1,0.1\n"
    with pytest.raises(InvalidDataError) as exc:
        read(write("gap.csv", text))
    msg = str(exc.value)
    assert "gap.csv" in msg and "row 1" in msg and "Voltage (V)" in msg and "line 3" in msg


def test_header_only(write):
    with pytest.raises(EmptyDataError) as exc:
        read(write("hdr.csv", "Time (s),Voltage (V),Current (A)\n"))
    assert "hdr.csv" in str(exc.value)


def test_bad_unit(write):
    with pytest.raises(Exception) as exc:
        read(write("unit.csv", "Time (s),Voltage (mA),Current (A)\n0,1,1\n1,1,1\n"))
    assert "unit.csv" in str(exc.value) and "mA" in str(exc.value)


def test_ampworks_hppc(shared_data):
    """Real HPPC export with Seconds, Volts, Amps columns (ampworks 0.1.0 data set)."""
    rec = read(shared_data / "ampworks_hppc_discharge.csv")
    assert isinstance(rec, Recording)
    assert len(rec) == 15838
    assert rec.meta["columns"]["time_s"] == "Seconds"
    assert rec.meta["columns"]["charge_Ah"] == "Ah"
    assert 3.0 < rec.voltage.min() < rec.voltage.max() < 4.2
    assert rec.current.min() < 0 < rec.current.max()  # discharge and charge pulses
    assert np.all(np.diff(rec.time) > 0)


def test_blank_step_and_cycle_cells_are_tolerated(write):
    text = "Frequency (Hz),Z' (Ohm),Z'' (Ohm),Step,Cycle\n1000,10,-2,,\n100,12,-5,,\n10,20,-8,,\n"
    s = read(write("eis.csv", text))
    assert len(s) == 3 and "step" not in s.meta and "cycle" not in s.meta
    text = "Time (s),Voltage (V),Current (A),Step\n0,3.0,0.1,1\n1,3.1,0.1,\n2,3.1,0.1,2\n"
    rec = read(write("rec.csv", text))
    assert np.isnan(rec.data["step"].iloc[1])


def test_parquet_datetime_and_timedelta_time(tmp_path):
    stamps = pd.to_datetime(["2024-01-01 10:00:00", "2024-01-01 10:00:30", "2024-01-01 10:01:30"])
    for time_col in (stamps, stamps - stamps[0]):
        df = pd.DataFrame({"Time": time_col, "Voltage (V)": [3.0, 3.1, 3.2], "Current (A)": 0.1})
        p = tmp_path / "t.parquet"
        df.to_parquet(p)
        np.testing.assert_allclose(read(p).time, [0, 30, 90])


def test_truncated_csv(write, recwarn):
    text = "Time (s),Voltage (V),Current (A),Step\n0,3.0,0.1,1\n1,3.1,0.1,1\n2,3.25,0.1,1\n"
    for cut, name, what in (
        (len(text) - 4, "midline.csv", "cut mid-row"),
        (len(text) - 4 + 2, "midnum.csv", "cut mid-number"),
    ):
        with pytest.warns(TruncatedFileWarning) as caught:
            rec = read(write(name, text[:cut]))
        assert len(caught) == 1 and len(rec) == 2
        msg = str(caught[0].message)
        assert name in msg and what in msg and "read 2 complete rows, 1 row dropped" in msg
    recwarn.clear()
    # a complete file without final newline, and blank trailing cells, are fine
    assert len(read(write("ok.csv", text.rstrip("\n")))) == 3
    assert len(read(write("blank.csv", text.replace(",1\n", ",\n")))) == 3
    assert not recwarn.list


def test_truncated_parquet(tmp_path):
    df = pd.DataFrame({"time_s": [0.0, 1.0], "voltage_V": [3.0, 3.1], "current_A": [0.1, 0.1]})
    p = tmp_path / "full.parquet"
    df.to_parquet(p)
    q = tmp_path / "cut.parquet"
    q.write_bytes(p.read_bytes()[:-10])
    with pytest.raises(TruncatedFileError) as exc:
        read(q)
    assert "cut.parquet" in str(exc.value)
