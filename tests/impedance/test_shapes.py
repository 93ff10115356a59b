"""The diffusion shape chosen by the data: candidates, AIC, margin, nested Wa, the anomalous
element itself."""

from __future__ import annotations

import numpy as np
import pytest

from ohmslice.errors import InputError
from ohmslice.impedance.circuits import Circuit
from ohmslice.impedance.shapes import (
    CANDIDATES,
    SHAPE_ELEMENTS,
    choose_shape,
    diffusion_elements,
    low_frequency_exponent,
    slowest_mode,
    step_kind,
    with_element,
)
from ohmslice.impedance.timeconst import DEFAULT_CIRCUIT, time_constants
from ohmslice.schema import Spectrum

F = np.logspace(6, -2, 81)  # 1 MHz -> 10 mHz, 10 points per decade
BASE = {"R0": 5.0, "R1": 8.0, "CPE1_0": 3e-6**0.9 / 8, "CPE1_1": 0.9, "R2": 20.0}
BASE |= {"CPE2_0": 1e-3**0.85 / 20, "CPE2_1": 0.85}
# diffusion R = 60 Ohm, knee (slowest mode) near 1 s, well inside the band
DIFFUSION = {
    "wo": ("Wo", [60.0, 10.0]),
    "ws": ("Ws", [60.0, 2.5]),
    "wsc": ("Wsc", [60.0, 2.5, 0.2]),  # 1/(w C) = 80 Ohm at 10 mHz
    "wsph": ("Wsph", [60.0, 20.0]),
    "wa": ("Wa", [60.0, 10.0, 0.8]),
}


def noisy_spectrum(c: Circuit, p: list, seed: int, noise: float = 0.005, f=F) -> Spectrum:
    """Z of ``c`` with complex Gaussian noise of relative rms ``noise`` (|dZ| / |Z|)."""
    z = c.z(f, p)
    e = np.random.default_rng(seed).normal(size=(2, f.size)) * noise / np.sqrt(2) * np.abs(z)
    return Spectrum.from_arrays(f, z + e[0] + 1j * e[1])


def cathode(shape: str, noise: float = 0.005, seed: int = 0, f=F) -> tuple[Spectrum, list]:
    """The default cathode with diffusion ``shape``, and the diffusion's true parameters."""
    kind, q = DIFFUSION[shape]
    c = Circuit(f"R0-p(R1,CPE1)-p(R2,CPE2)-{kind}1")
    return noisy_spectrum(c, [*BASE.values(), *q], seed, noise, f), q


# --- the anomalous element and the helpers --------------------------------------------------
def test_wa_is_wo_at_n_one_and_a_cpe_at_low_frequency():
    s = 2j * np.pi * np.logspace(-6, 6, 49)
    r, tau = 7.0, 3.0
    wa, wo = Circuit("Wa1"), Circuit("Wo1")
    np.testing.assert_allclose(
        wa.impedance(s, [r, tau, 1.0]), wo.impedance(s, [r, tau]), rtol=1e-12
    )
    n = 0.7
    z = wa.impedance(s[:1], [r, tau, n])
    # coth(y)/y = 1/y^2 + 1/3 - ..., y^2 = (s tau)^n: a CPE R/(s tau)^n beside R/3
    np.testing.assert_allclose(z, r / (s[:1] * tau) ** n + r / 3, rtol=1e-5)
    assert np.all(
        np.isfinite(wa.impedance_and_jacobian(1j * np.logspace(-12, 12, 97), [r, tau, n])[1])
    )


def test_slowest_modes_and_step_kinds():
    assert slowest_mode("Ws", np.pi**2 / 4) == pytest.approx(1.0)
    assert slowest_mode("Wo", np.pi**2) == pytest.approx(1.0)
    assert slowest_mode("Wsph", 20.1907) == pytest.approx(1.0, rel=1e-4)
    assert slowest_mode("Wa", np.pi**2, 1.0) == pytest.approx(1.0)
    assert slowest_mode("CPE", 2.0) == 2.0
    assert [step_kind(k) for k in ("CPE", "C", "Zarc", "Wo", "Ws", "Wsph", "Wa")] == [
        "zarc", "zarc", "zarc", "wo", "ws", "wsph", "wa",
    ]  # fmt: skip


def test_with_element_keeps_the_index_and_touches_nothing_else():
    c = Circuit("R0-p(R1,CPE1)-Wo1-p(R10,Wo10)")
    new, name = with_element(c, "Wo1", "Ws")
    assert name == "Ws1" and new.text == "R0-p(R1,CPE1)-Ws1-p(R10,Wo10)"
    assert diffusion_elements(new) == ["Ws1", "Wo10"]
    taken = Circuit("Ws1-Wo1")
    new, name = with_element(taken, "Wo1", "Ws")
    assert name == "Ws2" and new.text == "Ws1-Ws2"


def test_low_frequency_exponent():
    assert low_frequency_exponent(Spectrum.from_arrays(F, 1 / (2j * np.pi * F))) == pytest.approx(1)
    closing, _ = cathode("ws", noise=0)
    assert low_frequency_exponent(closing) < -0.2
    blocking, _ = cathode("wo", noise=0)
    assert low_frequency_exponent(blocking) > 0.8


# --- each shape is recognised, its R and tau recovered -------------------------------------
@pytest.mark.parametrize("shape", CANDIDATES)
def test_noise_free_spectrum_of_each_shape_is_recovered_exactly(shape):
    spec, q = cathode(shape, noise=0)
    tc = time_constants(spec)
    assert tc.diffusion_shape == shape and tc.shape_determined
    row = tc.table.set_index("process").loc["diffusion"]
    assert row["shape"] == step_kind(SHAPE_ELEMENTS[shape])  # 'ws' for wsc: its step
    assert row.status == "measured" and row.agree
    assert row.r_fit_ohm == pytest.approx(q[0], rel=1e-4)
    assert row.tau_fit_s == pytest.approx(q[1], rel=1e-4)


@pytest.mark.parametrize("shape", CANDIDATES)
def test_noisy_spectra_of_each_shape_get_their_own_shape_and_r_tau_within_2_percent(shape):
    """0.5 % noise (rms of |dZ|/|Z|), 81 points from 1 MHz to 10 mHz, four noise draws."""
    for seed in range(4):
        spec, q = cathode(shape, seed=seed)
        tc = time_constants(spec)
        assert tc.diffusion_shape == shape, (seed, tc.shape_note)
        assert tc.shape_determined, tc.shape_note
        cand = tc.diffusion_candidates.set_index("shape")
        assert cand["chosen"].sum() == 1 and cand.loc[shape, "chosen"]
        assert cand.loc[shape, "delta_aic"] == 0 and (cand["delta_aic"] >= 0).all()
        assert cand["weight"].sum() == pytest.approx(1)
        row = tc.table.set_index("process").loc["diffusion"]
        assert row["shape"] == step_kind(SHAPE_ELEMENTS[shape]) and row.status == "measured"
        for value, err, true in ((row.r_fit_ohm, row.r_fit_err_ohm, q[0]),
                                 (row.tau_fit_s, row.tau_fit_err_s, q[1])):  # fmt: skip
            assert abs(value / true - 1) < 0.02
            assert abs(value - true) < 4 * err  # the error bar says how far it may be
        # the contact and charge-transfer arcs are measured too, by their time constants
        assert list(tc.table["process"]) == ["contact", "charge_transfer", "diffusion"]
        assert (tc.table["status"] == "measured").all()


def test_wa_nested_in_wo_is_not_chosen_without_evidence():
    spec, _ = cathode("wo", seed=3)
    tc = time_constants(spec)
    cand = tc.diffusion_candidates.set_index("shape")
    assert tc.diffusion_shape == "wo"
    assert not cand.loc["wa", "alternative"]  # wa with n -> 1 is wo, no rival
    assert cand.loc["wa", "n_free"] == cand.loc["wo", "n_free"] + 1
    # its chi2 is no worse than wo's (it contains wo), its AIC is higher by about 2
    assert cand.loc["wa", "chi2"] <= cand.loc["wo", "chi2"] * (1 + 1e-6)
    assert cand.loc["wa", "delta_aic"] == pytest.approx(2, abs=1.5)


def test_shape_not_determined_when_the_knee_lies_below_the_band():
    """Diffusion slower than the band (slowest mode 300 s, 1/(2 pi f_min) = 16 s): only its
    Warburg line is measured, and every shape draws that line."""
    c = Circuit("R0-p(R1,CPE1)-p(R2,CPE2)-Wo1")
    for seed in range(3):
        spec = noisy_spectrum(c, [*BASE.values(), 60.0, 3000.0], seed)
        tc = time_constants(spec)
        assert tc.shape_determined is False, tc.shape_note
        assert tc.shape_note.startswith("shape not determined by the data")
        alts = tc.diffusion_candidates.query("alternative")["shape"].tolist()
        assert alts and all(s in tc.diffusion_fits for s in alts)
        assert tc.diffusion_shape not in alts
        row = tc.table.set_index("process").loc["diffusion"]
        assert row.status != "measured" and "shape not determined" in row.status_reason
        assert np.isnan(tc.value("diffusion", "tau")) and np.isnan(tc.value("diffusion", "r"))
        # what is said is true: a lower bound below the truth (in the chosen element's tau)
        true_mode = 3000.0 / np.pi**2
        assert row.tau_lower_s < true_mode / slowest_mode(SHAPE_ELEMENTS[row["shape"]], 1.0, row.n)


def test_choose_shape_directly():
    spec, _ = cathode("ws", seed=1)
    circ = Circuit(DEFAULT_CIRCUIT)
    choice = choose_shape(spec, circ, "Wo1", shapes=("wo", "ws"))
    assert choice.shape == "ws" and choice.determined and choice.alternatives == []
    assert set(choice.fits) == {"wo", "ws"} and choice.fit.circuit.text.endswith("Ws1")
    assert "AIC lower by" in choice.message
    with pytest.raises(InputError, match="diffusion shapes"):
        choose_shape(spec, circ, "Wo1", shapes=("wx",))
    with pytest.raises(InputError, match="not a diffusion element"):
        choose_shape(spec, circ, "R1")
    with pytest.raises(InputError, match="margin"):
        choose_shape(spec, circ, "Wo1", margin=0)


# --- which circuit is fitted ---------------------------------------------------------------
def test_a_circuit_given_is_fitted_as_given_unless_asked():
    spec, _ = cathode("ws", seed=1)
    given = time_constants(spec, DEFAULT_CIRCUIT)  # Wo, as written
    assert given.diffusion_candidates is None and given.fit.circuit.text == DEFAULT_CIRCUIT
    assert given.diffusion_shape == "wo" and given.shape_determined is None
    auto = time_constants(spec, DEFAULT_CIRCUIT, diffusion="auto")
    assert auto.diffusion_shape == "ws" and len(auto.diffusion_candidates) == 5
    forced = time_constants(spec, diffusion="wsph")
    assert forced.fit.circuit.text.endswith("Wsph1") and forced.diffusion_candidates is None
    # the wrong shape forced on the data: a worse fit than the data's own choice
    assert forced.fit.chi2 > auto.fit.chi2
    with pytest.raises(InputError, match="one diffusion element"):
        time_constants(spec, "R0-p(R1,CPE1)-p(R2,CPE2)", diffusion="auto")
    with pytest.raises(InputError, match="diffusion='magic'"):
        time_constants(spec, diffusion="magic")


# --- starts that mislead: regressions from the random-spectrum benchmark -------------------
F61 = np.logspace(6, -2, 61)  # 1 MHz -> 10 mHz, 7.5 points per decade (benchmarks/timeconst)


def _draw(kind: str, p: list, seed: int) -> Spectrum:
    return noisy_spectrum(Circuit(f"R0-p(R1,CPE1)-p(R2,CPE2)-{kind}1"), p, seed, f=F61)


@pytest.mark.parametrize("seed", [0, 1])
def test_wa_left_at_n_one_by_a_poor_start_gets_its_own(seed):
    """Wa with n = 0.62: from the Wo fit (knee far below the band) it settled at n = 1, as
    Wo, and Wsc was chosen; its own start from the spectrum finds the data's optimum."""
    p = [5.96214, 28.176, 1.03e-6**0.8729 / 28.176, 0.8729, 152.725, 4.8e-5, 0.7734,
         148.389, 3.81976, 0.616386]  # fmt: skip
    tc = time_constants(_draw("Wa", p, seed))
    assert tc.diffusion_shape == "wa", tc.shape_note
    row = tc.table.set_index("process").loc["diffusion"]
    assert abs(row.r_fit_ohm - p[7]) < 4 * row.r_fit_err_ohm
    assert abs(row.tau_fit_s - p[8]) < 4 * row.tau_fit_err_s


def test_a_candidate_started_from_a_failed_fit_is_started_again_from_the_best():
    """Wsph (slowest mode 43 ms): the first (Wo) fit failed, Wsph started from it and lost
    to Wsc; started again from the best fit it is found, and named diffusion (a diffusion
    element whose shape the data chose, slowest mode above 10 ms)."""
    p = [7.70521, 6.08404, 1.94714e-06, 0.855505, 69.2272, 2.21522e-05, 0.873885,
         221.982, 0.86595]  # fmt: skip
    tc = time_constants(_draw("Wsph", p, 0))
    assert tc.diffusion_shape == "wsph", tc.shape_note
    row = tc.table.set_index("process").loc["diffusion"]
    assert row.element == "Wsph1" and row.status == "measured"
    assert abs(row.r_fit_ohm / p[7] - 1) < 0.03 and abs(row.tau_fit_s / p[8] - 1) < 0.03


def test_an_accepted_fit_far_above_the_kk_residual_is_tried_from_its_own_start():
    """A reference fit with the roles permuted (Ws on the 1 us contact arc, the arcs on the
    charge transfer and the diffusion) is accepted (rms 2.8x the lin-KK residual, under
    its 3x limit); the chosen shape is then fitted once more from its own reading of the
    spectrum and the true assignment found."""
    p = [2.81891, 5.76922, 9.78022e-07, 0.902363, 67.5881, 5.03838e-05, 0.802105, 121.815,
         0.204459]  # fmt: skip
    spec = _draw("Ws", p, 0)
    c = Circuit("R0-p(R1,CPE1)-p(R2,CPE2)-Ws1")
    permuted = [2.2, 88.0, 6.8e-5, 0.75, 101.0, 8.3e-4, 0.97, 6.2, 4e-6]
    from ohmslice.impedance.shapes import quiet_fit

    ref = quiet_fit(spec, c, initial=permuted, restarts=0)
    assert ref.success and ref.residual_rms > 2 * ref.kk_residual  # the trap is set
    choice = choose_shape(spec, c, "Ws1", reference=ref)
    assert choice.shape == "ws"
    assert choice.fit.params["Ws1_0"] == pytest.approx(p[7], rel=0.03)
    assert choice.fit.params["Ws1_1"] == pytest.approx(p[8], rel=0.03)


def test_shapes_the_data_do_not_tell_apart_keep_the_fewest_parameters_then_the_circuits():
    """Diffusion below the band: every shape draws the same Warburg line. Among them the
    fewest parameters, then the user's circuit's own element, is kept (not whichever
    candidate's chi2 came out lowest by 1e-3)."""
    c = Circuit("R0-p(R1,CPE1)-p(R2,CPE2)-Wsph1")
    spec = noisy_spectrum(c, [*BASE.values(), 60.0, 3e4], 0)
    for circuit, own in (("R0-p(R1,CPE1)-p(R2,CPE2)-Wsph1", "wsph"), (DEFAULT_CIRCUIT, "wo")):
        tc = time_constants(spec, circuit, diffusion="auto")
        cand = tc.diffusion_candidates.set_index("shape")
        assert not tc.shape_determined
        assert tc.diffusion_shape == own, tc.shape_note
        assert cand.loc[own, "n_free"] == cand["n_free"].min()
