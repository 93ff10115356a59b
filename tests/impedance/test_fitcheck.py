"""The judgement of circuit fits (ohmslice.impedance._fitcheck): good fits stay usable,
each kind of failure is refused with the words a scientist needs, on simulated spectra
with known answers and on real instrument files."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pytest

from ohmslice.impedance import Circuit, fit_circuit, fit_many
from ohmslice.impedance._fitcheck import KK_FACTOR, RMS_FLOOR, judge
from ohmslice.impedance.kk import kk_reference
from ohmslice.schema import Spectrum

FREQ = np.logspace(6, -2, 81)  # 1 MHz -> 10 mHz, 10 points per decade
CATHODE = "R0-p(R1,CPE1)-p(R2,CPE2)-Wo1"


def q_of(r: float, tau: float, n: float) -> float:
    return tau**n / r


CATHODE_TRUE = [5.0, 10.0, q_of(10.0, 1.6e-7, 0.9), 0.9, 50.0, q_of(50.0, 3e-4, 0.8), 0.8]
CATHODE_TRUE += [100.0, 10.0]


def noisy(text: str, p, rel: float, seed: int, freq=FREQ) -> Spectrum:
    z = Circuit(text).z(freq, p)
    e = np.random.default_rng(seed).normal(size=(2, z.size)) * rel * np.abs(z)
    return Spectrum.from_arrays(freq, z + e[0] + 1j * e[1])


def one_line_sentences(res) -> None:
    """Every reason and note: one line, no Python names, no repr noise."""
    for text in res.reasons + res.notes:
        assert text and "\n" not in text
        assert not re.search(r"\b(np|numpy|None|nan|FitResult|_\w+\()", text), text


# --- good fits stay usable -------------------------------------------------------------


@pytest.mark.parametrize("noise", [0.0, 0.001, 0.005, 0.02])
@pytest.mark.parametrize("shape", ["Wo1", "Ws1", "Wsph1"])
def test_the_right_circuit_is_usable_at_every_noise_level(noise, shape):
    text = f"R0-p(R1,CPE1)-p(R2,CPE2)-{shape}"
    spec = noisy(text, CATHODE_TRUE, noise, seed=int(1e4 * noise) + len(shape))
    res = fit_circuit(spec, text)
    assert res.success, res.reasons
    assert res.reasons == []
    # the residual is the noise: what a Kramers-Kronig-consistent model leaves
    if noise > 0:
        assert 0.8 < res.residual_rms / res.kk_residual < 1.25
        assert 0.7 * noise < res.kk_residual < 1.3 * noise
        assert 1.4 < res.durbin_watson < 2.6
    else:
        assert res.residual_rms < 1e-6
    one_line_sentences(res)


def test_a_parameter_at_zero_within_its_error_is_a_note_not_a_failure():
    """One electrode of a symmetric cell: the series resistance is 0 after R_sep is
    subtracted; the fit says so and stays usable."""
    c = Circuit("R0-p(R1,CPE1)")
    electrode = [1.0, 20.0, q_of(20.0, 1e-3, 0.85), 0.85]
    z_cell = 8.0 + 2 * c.z(FREQ, electrode)
    rng = np.random.default_rng(3)
    z_cell = z_cell + 0.003 * np.abs(z_cell) * (rng.normal(size=81) + 1j * rng.normal(size=81))
    from ohmslice.impedance import high_frequency_intercept

    cell = Spectrum.from_arrays(FREQ, z_cell)
    spec = cell.per_electrode(high_frequency_intercept(cell))
    res = fit_circuit(spec, c)
    assert res.success, res.reasons
    assert any(n.startswith("R0 is at its bound") for n in res.notes), res.notes
    # the electrode's arc is recovered: the error scale is the cell's |Z|, so the few
    # high-frequency points where the electrode's |Z| is ~0 do not take all the weight
    assert res.params["R1"] == pytest.approx(20.0, rel=0.01)
    assert res.params["CPE1_1"] == pytest.approx(0.85, abs=0.01)


def test_fit_many_carries_the_judgement():
    good = [noisy(CATHODE, CATHODE_TRUE, 0.003, seed) for seed in (1, 2)]
    inductive = noisy("L0-" + CATHODE, [3e-6, *CATHODE_TRUE], 0.003, 3)
    series = fit_many([good[0], inductive, good[1]], CATHODE)
    frame = series.to_frame()
    assert list(frame["success"]) == [True, False, True]
    assert frame.loc[1, "reasons"] and "inductive tail" in frame.loc[1, "reasons"]
    assert frame.loc[0, "reasons"] == "" and frame.loc[2, "reasons"] == ""
    assert {"residual_rms", "kk_residual"} <= set(frame.columns)
    # the refused fit did not start the next one: that one is as good as the first
    assert series[2].residual_rms < 1.3 * series[2].kk_residual


# --- refused, with the reason ----------------------------------------------------------


def test_wrong_diffusion_shape_is_refused_naming_the_low_frequency_branch():
    spec = noisy(CATHODE, CATHODE_TRUE, 0.005, 11)  # reflective Wo data
    res = fit_circuit(spec, "R0-p(R1,CPE1)-p(R2,CPE2)-Ws1")
    assert not res.success
    assert res.residual_rms > KK_FACTOR * res.kk_residual
    assert res.diagnostics["band_shares"]["low"] > 0.8
    low = [r for r in res.reasons if r.startswith("the low-frequency branch below")]
    assert low and "not described by Ws1" in low[0] and "another diffusion shape" in low[0]
    assert "--f-min" in low[0]
    one_line_sentences(res)


def test_missing_diffusion_element_is_named_whatever_band_the_fit_spoils():
    spec = noisy(CATHODE, CATHODE_TRUE, 0.005, 12)
    res = fit_circuit(spec, "R0-p(R1,CPE1)-p(R2,CPE2)")
    assert not res.success
    assert any("diffusion element" in r for r in res.reasons), res.reasons


def test_inductive_tail_without_l_is_refused_with_the_cut():
    """The issue's 'R2 0.47 +- inf, no hint' case, simulated: 3 uH of cable."""
    spec = noisy("L0-" + CATHODE, [3e-6, *CATHODE_TRUE], 0.003, 13)
    res = fit_circuit(spec, CATHODE)
    assert not res.success
    tail = [r for r in res.reasons if "inductive tail above" in r]
    assert tail, res.reasons
    assert "add an inductance L0" in tail[0]
    cut = float(re.search(r"--f-max (\S+)\)", tail[0]).group(1))
    # the cut keeps the highest point below the tail (rounded up to 3 digits) and drops
    # the tail's misfit points
    below = spec.freq[spec.freq <= cut].max()
    assert below <= cut < below * 1.01
    assert cut < spec.freq.max()
    # the advice works: with L0 the fit is usable
    assert fit_circuit(spec, "L0-" + CATHODE).success


def test_a_c_where_the_data_need_a_cpe_is_refused_naming_the_arcs():
    spec = noisy("R0-p(R1,CPE1)", [2.0, 20.0, q_of(20.0, 1e-3, 0.93), 0.93], 0.002, 14)
    res = fit_circuit(spec, "R0-p(R1,C1)")
    assert not res.success
    arcs = [r for r in res.reasons if r.startswith("the arcs between")]
    assert arcs and "CPE in place of a C" in arcs[0]
    # a CPE describes them
    assert fit_circuit(spec, "R0-p(R1,CPE1)").success


def test_redundant_elements_are_refused_as_undetermined():
    spec = noisy("R0-p(R1,CPE1)", [2.0, 20.0, q_of(20.0, 1e-3, 0.85), 0.85], 0.003, 15)
    res = fit_circuit(spec, "R0-R1-p(R2,CPE2)")  # R0 and R1 are one resistance
    assert not res.success
    assert any(
        r.startswith("R0, R1 are not determined by the data (infinite standard error)")
        for r in res.reasons
    ), res.reasons


def test_a_degenerate_element_is_refused_at_its_bound():
    """A second arc the data do not have: the fit parks it where it does nothing (an
    open capacitor or a vanishing resistance), or it is undetermined."""
    spec = noisy("R0-p(R1,CPE1)", [2.0, 20.0, q_of(20.0, 1e-3, 0.85), 0.85], 0.003, 2)
    res = fit_circuit(spec, "R0-p(R1,CPE1)-p(R2,CPE2)")
    assert not res.success
    assert any(" at its bound (" in r and "not determined by the data" in r for r in res.reasons)


def test_optimiser_stopped_is_refused():
    spec = noisy("R0-p(R1,CPE1)", [2.0, 20.0, q_of(20.0, 1e-3, 0.85), 0.85], 0.003, 16)
    res = fit_circuit(spec, "R0-p(R1,CPE1)", initial=[1, 1, 1e-9, 0.5], max_nfev=2, restarts=0)
    assert not res.success
    assert res.reasons[0].startswith("the optimiser stopped before converging")
    assert any(r.startswith("at ") and "the fitted |Z| is" in r for r in res.reasons)


def test_a_bound_given_by_the_caller_that_binds_is_refused():
    spec = noisy("R0-p(R1,CPE1)", [2.0, 20.0, q_of(20.0, 1e-3, 0.85), 0.85], 0.002, 5)
    res = fit_circuit(spec, "R0-p(R1,CPE1)", bounds={"CPE1_1": (0.5, 0.8)})
    assert not res.success
    assert any(r.startswith("CPE1_1 at its bound (0.8)") for r in res.reasons), res.reasons
    assert fit_circuit(spec, "R0-p(R1,CPE1)", bounds={"CPE1_1": (0.5, 0.95)}).success


def test_data_that_no_kk_model_follows_are_refused_as_such():
    spec = noisy(CATHODE, CATHODE_TRUE, 0.08, 17)  # 8 % scatter
    res = fit_circuit(spec, CATHODE)
    assert not res.success
    assert res.kk_residual > 0.05
    assert "the data themselves scatter by" in res.reasons[0]
    assert "ohmslice eis kk" in res.reasons[0]


def _with_fit(res, z_fit):
    out = dataclasses.replace(res, _z_fit=z_fit, reasons=[], notes=[], diagnostics={})
    judge(out, converged=True)
    return out


def test_systematic_residuals_fail_earlier_than_scattered_ones():
    """The same residual level (2.5 x the floor): a smooth misfit is refused, white
    scatter is not."""
    c = Circuit("R0-p(R1,CPE1)")
    spec = Spectrum.from_arrays(FREQ, c.z(FREQ, [2.0, 20.0, q_of(20.0, 1e-3, 0.85), 0.85]))
    res = fit_circuit(spec, c)
    assert res.success
    z, level = spec.z, 2.5 * RMS_FLOOR
    smooth = np.cos(np.linspace(0, 2 * np.pi, z.size)) * (1 + 1j)
    white = np.random.default_rng(0).choice([-1.0, 1.0], size=z.size) * (1 + 1j)
    for shape, usable in ((smooth, False), (white, True)):
        dz = shape / np.sqrt(np.mean(np.abs(shape) ** 2) / 2) * level * np.abs(z)
        out = _with_fit(res, z + dz)
        assert out.residual_rms == pytest.approx(level, rel=0.05)
        assert out.success is usable, out.reasons
    assert out.durbin_watson > 1.0
    smooth_fit = _with_fit(res, z + smooth / np.sqrt(np.mean(np.abs(smooth) ** 2) / 2)
                           * level * np.abs(z))  # fmt: skip
    assert smooth_fit.durbin_watson < 0.3
    assert smooth_fit.reasons[0].startswith("the residuals (")
    assert "long stretches of one sign" in smooth_fit.reasons[0]


def test_fitted_modulus_far_from_the_data_is_said():
    c = Circuit("R0-p(R1,CPE1)")
    spec = Spectrum.from_arrays(FREQ, c.z(FREQ, [2.0, 20.0, q_of(20.0, 1e-3, 0.85), 0.85]))
    res = fit_circuit(spec, c)
    zf = spec.z.copy()
    zf[40] *= 3.0  # one point: the fit gives 3x the measured |Z| where KK follows the data
    out = _with_fit(res, zf)
    assert not out.success
    f40 = spec.freq[40]
    text = [r for r in out.reasons if "the fitted |Z| is" in r]
    assert text and f"{abs(zf[40]):.3g} Ohm against {abs(spec.z[40]):.3g} Ohm" in text[0]
    assert out.diagnostics["worst_point_freq_Hz"] == pytest.approx(f40)


def test_kk_reference_without_enough_frequencies_leaves_only_the_absolute_limit():
    f = np.array([1e4, 1e3, 1e2, 10.0])
    spec = noisy("R0-p(R1,C1)", [2.0, 20.0, 1e-5], 0.01, 18, freq=f)
    assert kk_reference(spec) is None
    res = fit_circuit(spec, "R0-p(R1,C1)")
    assert np.isnan(res.kk_residual)
    assert res.success, res.reasons


def test_judgement_costs_little():
    """The judgement (KK reference + rules) adds less than a third of a typical fit of
    81 points (measured ~10-15 % on two cores)."""
    import time

    import ohmslice.impedance.fit as fit_mod
    from ohmslice.impedance import kk as kk_mod

    specs = [noisy(CATHODE, CATHODE_TRUE, 0.003, s) for s in range(6)]

    def best(fn, n=5):
        out = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
        return min(out)

    t_fit = sum(best(lambda s=s: fit_circuit(s, CATHODE)) for s in specs)
    t_extra = 0.0
    for s in specs:
        res = fit_circuit(s, CATHODE)
        f, z = s.freq, s.z

        def both(res=res, f=f, z=z):
            kk_mod._REFERENCES.clear()
            fit_mod.judge(res, True, None, f, z)

        t_extra += best(both)
    assert t_extra < t_fit / 3, (t_extra, t_fit)


# --- real instrument files -------------------------------------------------------------


def _read(shared_data, name: str, sweep: int = 0, f_max: float | None = None) -> Spectrum:
    from ohmslice.io import read_spectra

    spec = read_spectra(shared_data / name)[sweep]
    if f_max is not None:
        keep = spec.freq <= f_max
        spec = Spectrum.from_arrays(spec.freq[keep], spec.z[keep])
    return spec


REAL_CASES = [
    # (file, sweep, f_max, circuit, usable, words every reason list must hold)
    ("biologic/peis.issue_149.mpr", 0, None, CATHODE, False, ["high-frequency end above"]),
    ("biologic/peis.issue_149.mpr", 0, None, "L0-R0-p(R1,CPE1)-p(R2,CPE2)", True, []),
    ("biologic/peis.issue_149.mpr", 0, 1e5, "R0-p(R1,CPE1)-p(R2,CPE2)", True, []),
    ("biologic/vsp_peis_with.mpr", 0, None, CATHODE, False, ["inductive tail above", "L0"]),
    ("biologic/vsp_peis_with.mpr", 0, None, "L0-R0-p(R1,CPE1)-p(R2,CPE2)-CPE3", True, []),
    ("biologic/geis.mpr", 0, None, CATHODE, False, ["scatter by", "Kramers-Kronig"]),
    ("biologic/geis.mpr", 0, 1e5, "R0-p(R1,CPE1)-p(R2,CPE2)", True, []),
    ("biologic/mb.issue_149.mpr", 0, None, CATHODE, True, []),
    ("eis/exampleDataBioLogic.mpt", 0, None, "R0-p(R1,CPE1)", True, []),
    ("eis/exampleDataBioLogic.mpt", 0, None, CATHODE, False, ["not determined by the data"]),
    ("eis/exampleDataCHInstruments.txt", 0, None, CATHODE, False, ["at its bound", "Wo1"]),
    ("eis/exampleDataCHInstruments.txt", 0, None, "R0-p(R1,CPE1)-CPE2", True, []),
    ("eis/exampleDataPowersuite.txt", 0, None, CATHODE, False, ["scatter by"]),
]


@pytest.mark.parametrize(("name", "sweep", "f_max", "circuit", "usable", "words"), REAL_CASES)
def test_real_spectra_fit_or_are_refused_with_a_reason(
    shared_data, name, sweep, f_max, circuit, usable, words
):
    spec = _read(shared_data, name, sweep, f_max)
    res = fit_circuit(spec, circuit)
    assert res.success is usable, (res.reasons, res.residual_rms, res.kk_residual)
    one_line_sentences(res)
    if usable:
        assert res.reasons == []
        assert res.residual_rms <= KK_FACTOR * max(res.kk_residual, RMS_FLOOR)
    else:
        text = " ".join(res.reasons)
        for w in words:
            assert w in text, (w, res.reasons)


def test_the_issues_degenerate_values_are_named(shared_data):
    """CPE Q = 5e-103 and friends (exampleDataCHInstruments, the default circuit)."""
    res = fit_circuit(_read(shared_data, "eis/exampleDataCHInstruments.txt"), CATHODE)
    bound = [r for r in res.reasons if " at its bound (" in r]
    assert bound
    for r in bound:
        value = float(re.search(r"at its bound \(([-+0-9.e]+)", r).group(1))
        assert value < 1e-20 or value > 1e20 or value == 0, r


def _readable_eis_files(shared):
    if shared is None:
        return []
    return sorted((shared / "eis").glob("*")) + [
        shared / "biologic" / f
        for f in ("peis.issue_149.mpr", "vsp_peis_with.mpr", "geis.mpr", "mb.issue_149.mpr")
    ]


def test_every_readable_real_spectrum_is_judged(shared_data):
    """Each spectrum ohmslice reads fits the default circuit usably (residual within 3x
    the KK level) or is refused with at least one reason; never a crash."""
    from ohmslice.errors import InputError
    from ohmslice.io import read_spectra

    judged = 0
    for path in _readable_eis_files(shared_data):
        try:
            spectra = read_spectra(path)
        except InputError:
            continue  # not a format ohmslice reads (yet): the io tests cover it
        spec = spectra[0]
        res = fit_circuit(spec, CATHODE)
        judged += 1
        one_line_sentences(res)
        if res.success:
            assert res.residual_rms <= KK_FACTOR * max(res.kk_residual, RMS_FLOOR), path
        else:
            assert res.reasons, path
    assert judged >= 6


# --- command line ----------------------------------------------------------------------


def _csv(path, spec: Spectrum) -> None:
    spec.data[["freq_Hz", "z_real_ohm", "z_imag_ohm"]].to_csv(path, index=False)


def test_cli_refused_fit_exits_1_with_the_reasons(tmp_path):
    from typer.testing import CliRunner

    from ohmslice.cli import app

    path = tmp_path / "inductive.csv"
    _csv(path, noisy("L0-" + CATHODE, [3e-6, *CATHODE_TRUE], 0.003, 21))
    runner = CliRunner()
    out = runner.invoke(app, ["eis", "fit", str(path), "-c", CATHODE])
    assert out.exit_code == 1, out.output
    text = " ".join(out.output.split())
    assert "NOT USABLE" in text and "fit not usable:" in text
    assert "inductive tail above" in text and "add an inductance L0" in text
    assert "CPE1_1" in text  # the table is still printed
    js = runner.invoke(app, ["eis", "fit", str(path), "-c", CATHODE, "--json"])
    assert js.exit_code == 1
    data = json.loads(js.output)
    assert data["success"] is False and any("inductive tail" in r for r in data["reasons"])
    assert data["kk_residual"] > 0 and data["residual_rms"] > 3 * data["kk_residual"]
    # the advice, followed, is a usable fit: exit 0
    ok = runner.invoke(app, ["eis", "fit", str(path), "-c", "L0-" + CATHODE])
    assert ok.exit_code == 0, ok.output
    assert "not usable" not in ok.output


def test_cli_issue_case_on_the_real_file(shared_data):
    """`ohmslice eis fit peis.mpr -c "R0-p(R1,CPE1)-p(R2,CPE2)-Wo1"` no longer exits 0."""
    from typer.testing import CliRunner

    from ohmslice.cli import app

    path = shared_data / "biologic" / "peis.issue_149.mpr"
    out = CliRunner().invoke(app, ["eis", "fit", str(path), "-c", CATHODE])
    assert out.exit_code == 1, out.output
    text = " ".join(out.output.split())
    assert "fit not usable:" in text and "--f-max" in text
