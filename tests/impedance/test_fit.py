"""Circuit fitting: known answers on synthetic spectra, honest standard errors, bad input,
and a side-by-side with impedance.py on a measured spectrum."""

from __future__ import annotations

import numpy as np
import pytest

from ohmslice.errors import AnalysisInputError, CircuitError, InputError
from ohmslice.impedance.circuits import Circuit
from ohmslice.impedance.fit import FitSeries, fit_circuit, fit_many
from ohmslice.schema import Spectrum

# the reference paper's three-process cathode: contact ~1 MHz, charge transfer ~500 Hz, diffusion
FREQ = np.logspace(6, -2, 81)  # 1 MHz -> 10 mHz, 10 points per decade
CATHODE = "R0-p(R1,CPE1)-p(R2,CPE2)-Wo1"


def q_of(r: float, tau: float, n: float) -> float:
    """CPE Q giving R||CPE the relaxation time tau."""
    return tau**n / r


CATHODE_TRUE = np.array(
    [5.0, 10.0, q_of(10.0, 1.6e-7, 0.9), 0.9, 50.0, q_of(50.0, 3e-4, 0.8), 0.8, 100.0, 10.0]
)


def noisy(circuit: Circuit, p, rel: float, rng, freq=FREQ) -> Spectrum:
    """Spectrum with Gaussian noise of standard deviation rel*|Z| on each part."""
    z = circuit.z(freq, p)
    e = rng.normal(size=(2, z.size)) * rel * np.abs(z)
    return Spectrum.from_arrays(freq, z + e[0] + 1j * e[1])


def z_scores(res, true) -> np.ndarray:
    err = np.array([res.errors[n] for n in res.circuit.param_names])
    with np.errstate(invalid="ignore", divide="ignore"):  # fixed parameters: error 0
        return (res.values - np.asarray(true)) / err


def test_cathode_recovered_within_two_sigma_from_automatic_guess():
    c = Circuit(CATHODE)
    spec = noisy(c, CATHODE_TRUE, 0.005, np.random.default_rng(7))
    res = fit_circuit(spec, c)
    assert res.success, res.message
    assert np.all(np.abs(z_scores(res, CATHODE_TRUE)) < 2.0), res
    # and close in absolute terms
    np.testing.assert_allclose(res.values, CATHODE_TRUE, rtol=0.1)
    # chi2 of a correct model with modulus-weighted noise: about 2N * rel^2
    assert 0.6 < res.chi2_reduced / 0.005**2 < 1.5
    tc = res.time_constants()
    np.testing.assert_allclose(tc["tau_s"], [1.6e-7, 3e-4, 10.0], rtol=0.1)
    assert np.all(np.abs(tc["tau_s"] - [1.6e-7, 3e-4, 10.0]) < 3 * tc["tau_err_s"])


def test_standard_errors_are_honest_over_replicas():
    """Over 50 noisy replicas, ~95 % of estimates lie within 2 reported sigma."""
    c = Circuit(CATHODE)
    rng = np.random.default_rng(2024)
    zs = np.array(
        [
            z_scores(
                fit_circuit(noisy(c, CATHODE_TRUE, 0.003, rng), c, initial=CATHODE_TRUE),
                CATHODE_TRUE,
            )
            for _ in range(50)
        ]
    )
    inside = np.mean(np.abs(zs) < 2.0)
    assert 0.9 < inside < 0.99, inside
    assert 0.8 < np.std(zs) < 1.2


ELEMENT_CASES = {
    "R0-C1": [2.0, 1e-5],
    "R0-L1-p(R1,C1)": [2.0, 1e-6, 20.0, 1e-4],
    "R0-p(R1,CPE1)": [2.0, 20.0, q_of(20.0, 1e-3, 0.85), 0.85],
    "R0-W1": [2.0, 30.0],
    "R0-Wo1": [2.0, 50.0, 5.0],
    "R0-Ws1": [2.0, 50.0, 5.0],
    "R0-Wsph1": [2.0, 50.0, 5.0],
    "R0-G1": [2.0, 40.0, 1e-2],
    "R0-K1": [2.0, 40.0, 1e-2],
    "R0-La1-p(R1,C1)": [2.0, 1e-6, 0.8, 20.0, 1e-4],
    "R0-Zarc1": [2.0, 30.0, 1e-3, 0.8],
    "R0-RQ1-Wo2": [2.0, 30.0, q_of(30.0, 1e-3, 0.8), 0.8, 50.0, 20.0],
    "R0-TLM1": [2.0, 20.0, 60.0, q_of(60.0, 1e-2, 0.9), 0.9],
}


@pytest.mark.parametrize("text", sorted(ELEMENT_CASES))
def test_every_element_recovered(text):
    c = Circuit(text)
    true = np.array(ELEMENT_CASES[text])
    spec = noisy(c, true, 0.002, np.random.default_rng(len(text)))
    res = fit_circuit(spec, c)
    assert res.success, res
    assert np.all(np.abs(z_scores(res, true)) < 3.0), res
    np.testing.assert_allclose(res.values, true, rtol=0.05)


@pytest.mark.parametrize("weighting", ["unit", "proportional", "modulus"])
def test_weightings_recover_noise_free_parameters(weighting):
    c = Circuit(CATHODE)
    spec = Spectrum.from_arrays(FREQ, c.z(FREQ, CATHODE_TRUE))
    res = fit_circuit(spec, c, weighting=weighting)
    np.testing.assert_allclose(res.values, CATHODE_TRUE, rtol=1e-5)
    assert res.chi2 < 1e-12 * max(1.0, np.sum(np.abs(spec.z) ** 2))
    assert res.weighting == weighting


def test_result_api():
    c = Circuit(CATHODE)
    spec = noisy(c, CATHODE_TRUE, 0.005, np.random.default_rng(1))
    res = fit_circuit(spec, c, initial=dict(zip(c.param_names, CATHODE_TRUE, strict=True)))
    assert list(res.params) == c.param_names
    np.testing.assert_allclose(res.predict(), c.z(spec.freq, res.values))
    np.testing.assert_allclose(res.predict([1.0, 10.0]), c.z([1.0, 10.0], res.values))
    r = res.residuals
    assert list(r.columns) == ["freq_Hz", "res_real", "res_imag"] and len(r) == len(FREQ)
    assert 0.002 < r["res_real"].std() < 0.008
    fr = res.to_frame()
    assert list(fr.columns) == ["name", "value", "error", "unit", "fixed"]
    assert fr.loc[fr.name == "CPE1_1", "unit"].item() == ""
    corr = res.correlation.to_numpy()
    np.testing.assert_allclose(np.diag(corr), 1.0)
    assert np.all(np.abs(corr) <= 1 + 1e-9)
    n_obs, k = 2 * len(FREQ), c.n_params
    np.testing.assert_allclose(res.aic, n_obs * np.log(res.chi2 / n_obs) + 2 * k)
    np.testing.assert_allclose(res.bic, n_obs * np.log(res.chi2 / n_obs) + k * np.log(n_obs))
    np.testing.assert_allclose(res.chi2_reduced, res.chi2 / (n_obs - k))
    d = res.to_dict()
    assert d["params"] == res.params and d["circuit"] == CATHODE


def test_aic_prefers_the_true_model():
    c = Circuit(CATHODE)
    spec = noisy(c, CATHODE_TRUE, 0.005, np.random.default_rng(3))
    good = fit_circuit(spec, c)
    poor = fit_circuit(spec, "R0-p(R2,CPE2)-Wo1")
    assert good.aic < poor.aic - 100 and good.bic < poor.bic


def test_fixed_parameters():
    c = Circuit(CATHODE)
    spec = noisy(c, CATHODE_TRUE, 0.005, np.random.default_rng(4))
    res = fit_circuit(spec, c, fixed={"R0": 5.0, "CPE2_1": 0.8})
    assert res.params["R0"] == 5.0 and res.params["CPE2_1"] == 0.8
    assert res.errors["R0"] == 0.0 and res.fixed == ["R0", "CPE2_1"]
    assert "R0" not in res.covariance.index
    assert np.all(np.abs(z_scores(res, CATHODE_TRUE)[[1, 2, 3, 4, 5, 7, 8]]) < 3)
    # fixed by name: held at the initial value
    res2 = fit_circuit(spec, c, initial=CATHODE_TRUE * 1.01, fixed=["R1"])
    assert res2.params["R1"] == pytest.approx(10.1)


def test_bounds_are_respected():
    c = Circuit("R0-p(R1,CPE1)")
    true = [2.0, 20.0, q_of(20.0, 1e-3, 0.85), 0.85]
    spec = noisy(c, true, 0.002, np.random.default_rng(5))
    res = fit_circuit(spec, c, bounds={"CPE1_1": (0.5, 0.8)})
    assert 0.5 < res.params["CPE1_1"] <= 0.8


def test_bad_input_raises_input_error():
    c = Circuit(CATHODE)
    spec = noisy(c, CATHODE_TRUE, 0.005, np.random.default_rng(6))
    with pytest.raises(CircuitError, match="8 value"):
        fit_circuit(spec, c, initial=CATHODE_TRUE[:-1])
    with pytest.raises(CircuitError, match="unknown parameter"):
        fit_circuit(
            spec, c, initial={**dict(zip(c.param_names, CATHODE_TRUE, strict=True)), "R9": 1.0}
        )
    with pytest.raises(CircuitError, match="no parameter 'R7'"):
        fit_circuit(spec, c, fixed={"R7": 1.0})
    with pytest.raises(InputError, match="weighting"):
        fit_circuit(spec, c, weighting="square")
    with pytest.raises(InputError, match="lower"):
        fit_circuit(spec, c, bounds={"R0": (2.0, 1.0)})
    with pytest.raises(InputError, match="outside its bounds"):
        fit_circuit(spec, c, initial=np.r_[CATHODE_TRUE[:3], 1.5, CATHODE_TRUE[4:]])
    few = Spectrum.from_arrays(FREQ[:4], spec.z[:4])
    with pytest.raises(AnalysisInputError, match="too few"):
        fit_circuit(few, c)
    with pytest.raises(InputError, match="non-finite"):
        fit_circuit((FREQ, np.where(FREQ > 1e3, np.nan, 1.0)), c)
    with pytest.raises(CircuitError, match="position"):
        fit_circuit(spec, "R0-p(R1,CPE1")
    with pytest.raises(InputError, match="Spectrum"):
        fit_circuit([1, 2, 3], c)


def test_start_from_given_or_drt_peaks():
    c = Circuit(CATHODE)
    spec = noisy(c, CATHODE_TRUE, 0.005, np.random.default_rng(7))
    for peaks in ([(1.6e-7, 10.0), (3e-4, 50.0)], "drt"):
        res = fit_circuit(spec, c, peaks=peaks)
        assert np.all(np.abs(z_scores(res, CATHODE_TRUE)) < 2.5), (peaks, res)
    with pytest.raises(InputError, match="peaks="):
        fit_circuit(spec, c, peaks="ladder")


def test_fit_many_warm_starts_a_series():
    c = Circuit(CATHODE)
    rng = np.random.default_rng(8)
    r2 = [30.0, 40.0, 50.0, 65.0, 80.0]
    spectra = []
    for r in r2:
        p = CATHODE_TRUE.copy()
        p[4], p[5] = r, q_of(r, 3e-4, 0.8)
        spectra.append(noisy(c, p, 0.003, rng))
    seen = []
    out = fit_many(spectra, c, progress=lambda i, r: seen.append(i))
    assert isinstance(out, FitSeries) and len(out) == 5 and seen == list(range(5))
    frame = out.to_frame()
    np.testing.assert_allclose(frame["R2"], r2, rtol=0.03)
    assert {"R2_err", "chi2", "success"} <= set(frame.columns)
    assert frame["success"].all()
    with pytest.raises(InputError, match="spectrum 1"):
        fit_many([spectra[0], Spectrum.from_arrays(FREQ[:3], spectra[0].z[:3])], c)


# circuits the data determine (with R0-p(R1,CPE1)-p(R2,CPE2)-Wo1 the Warburg's R and tau
# are undetermined on this spectrum, +-1000 %, and optimisers stop at different points)
MEASURED_STARTS = {
    "R0-p(R1,CPE1)-p(R2,CPE2)": [7.0, 120.0, 1e-5, 0.9, 20.0, 1e-2, 0.6],
    "R0-p(R1,CPE1)-Wo1": [7.0, 120.0, 1e-5, 0.9, 30.0, 3.0],
}


@pytest.mark.parametrize("text", sorted(MEASURED_STARTS))
def test_same_fit_as_impedance_py_on_a_measured_spectrum(shared_data, text):
    """LFP electrode GEIS (BioLogic VMP3), first sweep up to 100 kHz (above it the
    instrument's points are artefacts): same circuit, same start, modulus weighting."""
    cc_mod = pytest.importorskip("impedance.models.circuits")
    from ohmslice.io import read_spectra

    raw = read_spectra(shared_data / "biologic" / "geis.mpr")[0]
    keep = raw.freq < 1e5
    spec = Spectrum.from_arrays(raw.freq[keep], raw.z[keep])
    c = Circuit(text)
    start = MEASURED_STARTS[text]
    # restarts=0: the same local optimisation from the same start
    ours = fit_circuit(spec, c, initial=start, weighting="modulus", restarts=0)
    peer = cc_mod.CustomCircuit(text, initial_guess=list(start))
    with np.errstate(all="ignore"):
        peer.fit(spec.freq, spec.z, weight_by_modulus=True)
    theirs = np.asarray(peer.parameters_)
    np.testing.assert_allclose(ours.values, theirs, rtol=0.01)
    chi2_theirs = np.sum(np.abs(c.z(spec.freq, theirs) - spec.z) ** 2 / np.abs(spec.z) ** 2)
    assert ours.chi2 <= chi2_theirs * (1 + 1e-9)
    # with restarts (the default) the fit can only get better
    assert fit_circuit(spec, c, initial=start).chi2 <= ours.chi2 * (1 + 1e-12)


# --- command line ------------------------------------------------------------------------


def _write_csv(path, spec: Spectrum) -> None:
    spec.data[["freq_Hz", "z_real_ohm", "z_imag_ohm"]].to_csv(path, index=False)


def test_cli_eis_fit_json_and_table(tmp_path):
    import json

    from typer.testing import CliRunner

    from ohmslice.cli import app

    c = Circuit(CATHODE)
    spec = noisy(c, CATHODE_TRUE, 0.003, np.random.default_rng(11))
    f = tmp_path / "cathode.csv"
    _write_csv(f, spec)
    runner = CliRunner()
    res = runner.invoke(app, ["eis", "fit", str(f), "--circuit", CATHODE, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["symmetric"] is None and out["circuit"] == CATHODE
    np.testing.assert_allclose([out["params"][n] for n in c.param_names], CATHODE_TRUE, rtol=0.1)
    assert set(out["errors"]) == set(c.param_names) and out["chi2"] > 0
    assert [round(t["tau_s"], 3) for t in out["time_constants"]][-1] == pytest.approx(10, 0.05)

    assert out["success"] and out["reasons"] == []
    assert 0 < out["residual_rms"] < 2 * out["kk_residual"]
    res = runner.invoke(app, ["eis", "fit", str(f), "-c", CATHODE])
    assert res.exit_code == 0, res.output
    assert "CPE1_1" in res.output and "AIC" in res.output and "chi2" in res.output
    assert "Kramers-Kronig" in res.output and "not usable" not in res.output
    # the diffusion shape by evidence: Wo (the true one) kept, every candidate printed
    res = runner.invoke(app, ["eis", "fit", str(f), "-c", CATHODE, "--diffusion", "auto"])
    assert res.exit_code == 0, res.output
    assert "wsph" in res.output and "AIC" in res.output and "Wo1" in res.output
    res = runner.invoke(app, ["eis", "fit", str(f), "-c", CATHODE, "--diffusion", "ws", "--json"])
    assert "Ws1" in json.loads(res.output)["circuit"]
    res = runner.invoke(app, ["eis", "fit", str(f), "-c", CATHODE, "--diffusion", "wx"])
    assert res.exit_code == 2 and "diffusion" in res.output
    res = runner.invoke(app, ["eis", "fit", str(f), "-c", CATHODE, "--f-min", "0.1", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["n_points"] == 71
    # cut below the contact arc: its parameters are undetermined, the fit is refused with
    # exit code 1 (a result, not bad input) and says so in --json
    res = runner.invoke(app, ["eis", "fit", str(f), "-c", CATHODE, "--f-max", "1e4", "--json"])
    assert res.exit_code == 1, res.output
    out = json.loads(res.output)
    assert out["n_points"] == 61 and not out["success"]
    assert None in out["errors"].values()
    assert out["reasons"] and any("not determined by the data" in r for r in out["reasons"])


def test_cli_eis_fit_symmetric(tmp_path):
    import json

    from typer.testing import CliRunner

    from ohmslice.cli import app

    # symmetric cell: separator 8 Ohm plus two identical electrodes
    c = Circuit("R0-p(R1,CPE1)")
    electrode = [1.0, 20.0, q_of(20.0, 1e-3, 0.85), 0.85]
    z_sym = 8.0 + 2 * c.z(FREQ, electrode)
    f = tmp_path / "sym.csv"
    _write_csv(f, Spectrum.from_arrays(FREQ, z_sym))
    runner = CliRunner()
    res = runner.invoke(
        app, ["eis", "fit", str(f), "-c", "R0-p(R1,CPE1)", "--symmetric", "--r-sep", "8", "--json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["symmetric"]["r_sep_source"] == "given" and out["symmetric"]["r_sep_ohm"] == 8.0
    np.testing.assert_allclose(out["params"]["R1"], 20.0, rtol=1e-4)
    np.testing.assert_allclose(out["params"]["R0"], 1.0, rtol=1e-3)
    res = runner.invoke(app, ["eis", "fit", str(f), "-c", "R0-p(R1,CPE1)", "--symmetric"])
    assert res.exit_code == 0, res.output
    assert "high-frequency intercept" in res.output


def test_cli_eis_fit_plot(tmp_path):
    from typer.testing import CliRunner

    from ohmslice.cli import app

    c = Circuit("R0-p(R1,CPE1)")
    f = tmp_path / "rc.csv"
    _write_csv(
        f, noisy(c, [1.0, 20.0, q_of(20.0, 1e-3, 0.85), 0.85], 0.003, np.random.default_rng(2))
    )
    png = tmp_path / "fit.png"
    res = CliRunner().invoke(app, ["eis", "fit", str(f), "-c", "R0-p(R1,CPE1)", "--plot", str(png)])
    assert res.exit_code == 0, res.output
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"


def test_cli_eis_fit_errors(tmp_path):
    from typer.testing import CliRunner

    from ohmslice.cli import app

    c = Circuit("R0-p(R1,C1)")
    f = tmp_path / "rc.csv"
    _write_csv(f, Spectrum.from_arrays(FREQ, c.z(FREQ, [1.0, 10.0, 1e-4])))
    runner = CliRunner()
    res = runner.invoke(app, ["eis", "fit", str(f), "-c", "R0-p(R1,C1"])
    assert res.exit_code == 2 and "position 10" in res.output
    res = runner.invoke(app, ["eis", "fit", str(f), "-c", "R0-p(R1,C1)", "--sweep", "3"])
    assert res.exit_code == 2 and "sweep" in res.output
    res = runner.invoke(app, ["eis", "fit", str(f), "-c", "R0-p(R1,C1)", "--r-sep", "3"])
    assert res.exit_code == 2 and "--symmetric" in res.output
    res = runner.invoke(app, ["eis", "fit", str(f), "-c", "R0-p(R1,C1)", "--f-min", "1e7"])
    assert res.exit_code == 2 and "no point" in res.output
    res = runner.invoke(app, ["eis", "fit", str(tmp_path / "nope.csv"), "-c", "R0"])
    assert res.exit_code == 2


def test_high_frequency_intercept():
    from ohmslice.impedance import high_frequency_intercept

    f = np.logspace(6, -1, 71)
    # inductive tail: Z'' crosses zero; the interpolated Z' is within the arc's curvature
    c = Circuit("L0-R0-p(R1,C1)")
    z = c.z(f, [1e-7, 4.0, 10.0, 1e-5])
    r = high_frequency_intercept((f, z))
    assert 4.0 < r < 4.1
    # no crossing: the smallest Z' of the highest frequencies (an upper bound)
    c = Circuit("R0-p(R1,C1)")
    z = c.z(f, [4.0, 10.0, 1e-5])
    assert high_frequency_intercept((f, z)) == pytest.approx(z.real[0])


def test_merged_arcs_are_split_by_a_restart():
    """Two arcs 1.5 decades apart (3 and 32 Ohm, n = 0.75) that the readings of the
    spectrum merge into one: the fit, judged poor against the KK level, restarts from
    the merged arc split in two and finds the true minimum."""
    c = Circuit("R0-p(R1,CPE1)-p(R2,CPE2)")
    t1, t2, n = 10**-1.5, 1.0, 0.75
    p = np.array([5.0, 3.0, t1**n / 3.0, n, 32.0, t2**n / 32.0, n])
    z = c.z(FREQ, p)
    rng = np.random.default_rng(0)
    z = z + 1e-3 * np.abs(z) * (
        rng.standard_normal(FREQ.size) + 1j * rng.standard_normal(FREQ.size)
    )
    spec = Spectrum.from_arrays(FREQ, z)
    res = fit_circuit(spec, c)
    assert res.success, res.reasons
    assert res.chi2 <= fit_circuit(spec, c, initial=p).chi2 * (1 + 1e-6)
    np.testing.assert_allclose(res.values[[1, 4]], [3.0, 32.0], rtol=0.05)
