"""Cell model: OCV, parameter checks, exact spectra vs the RC expansion used in time."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ohmslice.errors import InputError
from ohmslice.simulate.cell import OCV_NCM523_VS_LI, ncm523_cell, table

FREQ = np.logspace(-3, 6, 91)


def test_ocv_window_and_midpoint():
    assert OCV_NCM523_VS_LI(0.0) == pytest.approx(3.0)
    assert OCV_NCM523_VS_LI(1.0) == pytest.approx(4.35)
    assert OCV_NCM523_VS_LI(0.5) == pytest.approx(3.8)
    x = np.linspace(0, 1, 1001)
    assert np.all(np.diff(OCV_NCM523_VS_LI(x)) > 0)
    assert OCV_NCM523_VS_LI.soc_at(3.8) == pytest.approx(0.5, abs=1e-9)


def test_in_li_shift_and_one_c():
    cell = ncm523_cell()
    assert cell.ocv_cell(0.5) == pytest.approx(3.8 - 0.62)
    assert cell.one_c_A == pytest.approx(0.785 * 3e-3)
    assert cell.capacity_Ah == pytest.approx(cell.one_c_A)


@pytest.mark.parametrize("soc", [0.0, 5.0, 20.0, 50.0, 95.0])
@pytest.mark.parametrize("kind", ["half", "electrode"])
def test_rc_expansion_spectrum_within_half_percent_of_exact(soc, kind):
    cell = ncm523_cell()
    exact = cell.impedance(FREQ, soc, kind)
    chain = cell.half_cell_chain(soc) if kind == "half" else cell.electrode_chain(soc)
    s = 2j * np.pi * FREQ
    z = chain.impedance(s) + 1.0 / (s * cell.chemical_capacitance_F(soc))
    assert np.max(np.abs(z - exact) / np.abs(exact)) < 5e-3


def test_symmetric_cell_is_separators_plus_two_electrodes():
    cell = ncm523_cell()
    sym = cell.spectrum(FREQ, 50.0, "symmetric")
    el = cell.impedance(FREQ, 50.0, "electrode")
    r_sep = cell.sym_separator_layers * cell.r_sep_ohm
    np.testing.assert_allclose(sym.z, r_sep + 2 * el, rtol=1e-12)
    np.testing.assert_allclose(sym.per_electrode(r_sep).z, el, rtol=1e-12)


def test_dc_resistances_match_parameters():
    cell = ncm523_cell()
    p = cell.parameters_ohm(50.0)
    assert cell.electrode_chain(50.0).r_dc == pytest.approx(p["r1"] + p["r2"] + p["r3"], rel=1e-10)
    assert p["r2"] == pytest.approx(12.0 * (1 + 1.5 * np.exp(-50 / 8)) / 0.785, rel=1e-12)


def test_negative_resistance_parameter_is_refused_with_its_soc():
    cell = ncm523_cell()
    bad = replace(cell.electrode, r_ct_ohm_cm2=table([0, 10, 100], [-1.0, 5.0, 5.0]))
    with pytest.raises(InputError, match=r"r_ct_ohm_cm2 = -1 at SOC 0 %"):
        ncm523_cell("bad", electrode=bad)


@pytest.mark.parametrize(
    "changes",
    [
        {"area_cm2": -1.0},
        {"current_density_1c_A_cm2": 0.0},
        {"r_sep_ohm_cm2": -2.0},
        {"capacity_fraction": -0.5},
    ],
)
def test_bad_cell_constants_are_refused(changes):
    with pytest.raises(InputError):
        ncm523_cell("bad", **changes)


def test_bad_exponent_and_failing_function_are_refused():
    cell = ncm523_cell()
    with pytest.raises(InputError, match="n_ct"):
        ncm523_cell("bad", electrode=replace(cell.electrode, n_ct=table([0], [1.3])))

    def boom(soc):
        raise ZeroDivisionError("x")

    with pytest.raises(InputError, match="failed"):
        ncm523_cell("bad", electrode=replace(cell.electrode, tau_ct_s=boom))


def test_table_interpolates_and_validates():
    f = table([0, 50, 100], [1.0, 3.0, 5.0])
    np.testing.assert_allclose(f(np.array([-5, 25, 75, 120])), [1.0, 2.0, 4.0, 5.0])
    with pytest.raises(InputError):
        table([0, 0], [1, 2])


def test_transmission_line_option_spectrum_and_time_domain():
    from ohmslice.impedance.circuits import Circuit
    from ohmslice.impedance.timedomain import step_response
    from ohmslice.simulate.programme import CC, Rest
    from ohmslice.simulate.run import simulate

    base = ncm523_cell()
    cell = ncm523_cell("tlm", electrode=replace(base.electrode, r_ion_ohm_cm2=table([0], [20.0])))
    text, vals = cell.circuit(50.0, "half")
    assert "TLM2" in text and vals["TLM2_0"] == pytest.approx(20.0 / 0.785)
    s = 2j * np.pi * FREQ
    exact = cell.impedance(FREQ, 50.0, "half")
    z = cell.half_cell_chain(50.0).impedance(s) + 1.0 / (s * cell.chemical_capacitance_F(50.0))
    assert np.max(np.abs(z - exact) / np.abs(exact)) < 5e-3
    # a pulse: the simulated overvoltage is the circuit's step response
    i = 0.5 * cell.one_c_A
    res = simulate(cell, [Rest(1.0), CC(i, 5.0)], soc0=0.5, max_soc_step=0.1, max_r_change=1.0)
    d = res.recording.data
    sel = (d["step"] == 1).to_numpy()
    t = d["time_s"].to_numpy()[sel] - res.steps.loc[1, "t_start_s"]
    eta = d["voltage_V"].to_numpy()[sel] - cell.ocv_cell(0.5 + i * t / cell.capacity_C)
    soc_param = 100 * res.steps.loc[1, "x_param"]
    text, vals = cell.circuit(soc_param, "half")
    vals.pop("C4")
    g = step_response(Circuit(text.replace("-C4", "")), vals, t)
    np.testing.assert_allclose(eta / i, g, rtol=5e-3)
