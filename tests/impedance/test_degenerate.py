"""Degenerate and oversized spectra: refused with a reason before the numerics, in every
entry point (fit_circuit, fit_many, lin_kk, drt, time_constants); repeated frequencies
kept; the largest accepted problems run, larger ones are refused at once."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pandas as pd
import pytest

import ohmslice.impedance.drt as drt_module
from ohmslice.errors import AnalysisInputError, InputError, InvalidDataError
from ohmslice.impedance import fit_circuit, fit_many, lin_kk, time_constants
from ohmslice.impedance._drt_basis import cache_get, cache_put
from ohmslice.impedance._input import (
    MAX_POINTS,
    ProblemSizeError,
    checked_spectrum,
    distinct_frequencies,
)
from ohmslice.impedance.drt import MAX_BOOT, MAX_TAU, drt
from ohmslice.impedance.fit import FIT_WORK, MAX_FREE_PARAMS
from ohmslice.impedance.kk import MAX_ELEMENTS
from ohmslice.schema import FREQ, Z_IMAG, Z_REAL, Spectrum

F = np.logspace(5, -2, 36)  # 100 kHz .. 10 mHz, 5 per decade
RC = "R0-p(R1,C1)"  # 3 parameters


def cell_z(f):
    """R0 + R1||C1 (1 ms) + ZARC (1 s): a two-arc cell."""
    s = 2j * np.pi * np.asarray(f, dtype=float)
    return 5.0 + 20.0 / (1 + s * 1e-3) + 40.0 / (1 + (s * 1.0) ** 0.9)


def spec(f, z=None):
    f = np.asarray(f, dtype=float)
    return Spectrum.from_arrays(f, cell_z(f) if z is None else z)


def tampered(column, row, value):
    """A valid spectrum whose table was edited afterwards (the Spectrum's own checks by-
    passed): the engine must still refuse it before the numerics."""
    s = spec(F)
    s.data.loc[row, column] = value
    return s


# the five entry points, each called on a spectrum; a 3-parameter circuit for the fits
ENTRY = {
    "fit": lambda s: fit_circuit(s, RC),
    "fit_many": lambda s: fit_many([spec(F), s], RC),
    "kk": lambda s: lin_kk(s),
    "drt": lambda s: drt(s, n_boot=0),
    "time_constants": lambda s: time_constants(s, RC),
}
ALL = pytest.mark.parametrize("entry", list(ENTRY))


# --- degenerate content --------------------------------------------------------------
@ALL
def test_all_frequencies_equal(entry):
    with pytest.raises(AnalysisInputError, match=r"all 12 points are at the same frequency"):
        ENTRY[entry](spec(np.full(12, 100.0)))


@ALL
def test_frequency_below_range(entry):
    f = np.r_[F, 1e-9, 3e-8]
    with pytest.raises(
        InvalidDataError, match=r"2 frequencies lie outside .*2 below, lowest 1e-09"
    ):
        ENTRY[entry](spec(f))


@ALL
def test_frequency_above_range(entry):
    f = np.r_[F, 5e12]
    with pytest.raises(
        InvalidDataError, match=r"1 frequency lies outside .*1 above, highest 5e\+12"
    ):
        ENTRY[entry](spec(f))


def test_frequencies_below_and_above_range_are_both_counted():
    with pytest.raises(InvalidDataError, match=r"3 frequencies .*2 below.*1 above") as err:
        checked_spectrum(spec(np.r_[F, 1e-7, 2e-7, 2e9]), analysis="the DRT", min_freqs=5)
    assert "frequency unit" in str(err.value)


@ALL
@pytest.mark.parametrize("value", [0.0, -10.0])
def test_frequency_at_or_below_zero(entry, value):
    with pytest.raises(InvalidDataError, match="at or below 0 Hz"):
        ENTRY[entry](tampered(FREQ, 3, value))


@ALL
@pytest.mark.parametrize(("column", "value"), [(Z_REAL, np.nan), (Z_IMAG, np.inf), (FREQ, np.nan)])
def test_non_finite_values(entry, column, value):
    with pytest.raises(InvalidDataError, match="non-finite"):
        ENTRY[entry](tampered(column, 5, value))


@ALL
def test_all_zero_impedance(entry):
    with pytest.raises(
        AnalysisInputError, match=r"every impedance of the spectrum is zero \(0 Ohm\)"
    ):
        ENTRY[entry](spec(F, np.zeros(F.size)))


@ALL
def test_a_point_at_zero_impedance(entry):
    z = cell_z(F)
    z[[4, 9]] = 0.0
    with pytest.raises(
        InvalidDataError, match=r"2 points have an impedance of exactly zero \(first at"
    ):
        ENTRY[entry](spec(F, z))


@pytest.mark.parametrize("entry", ["kk", "drt"])
def test_kk_and_drt_need_five_distinct_frequencies(entry):
    repeated = np.repeat(F[::9][:4], 3)  # 12 points at 4 frequencies
    with pytest.raises(
        AnalysisInputError, match=r"4 distinct frequencies \(12 points\).*at least 5"
    ):
        ENTRY[entry](spec(repeated))
    ENTRY[entry](spec(F[::7][:5]))  # 5 distinct: accepted


def test_fit_needs_one_more_distinct_frequency_than_free_parameters():
    circuit = "R0-p(R1,CPE1)-p(R2,CPE2)-Wo1"  # 9 parameters
    f = F[::3]
    with pytest.raises(AnalysisInputError, match=r"9 distinct .*too few to fit the 9 free"):
        fit_circuit(spec(f[:9]), circuit)  # 18 values > 9: accepted before, not now
    with pytest.raises(AnalysisInputError, match="at least 10"):
        fit_circuit(spec(np.repeat(f[:9], 2)), circuit)  # repeats add no frequency
    fit_circuit(spec(f[:10]), circuit)
    # fixed parameters need no data
    fit_circuit(spec(f[:8]), circuit, fixed={"Wo1_0": 10.0, "Wo1_1": 1.0})


def test_time_constants_refuses_before_computing_anything(monkeypatch):
    def no_drt(*args, **kwargs):
        raise AssertionError("the DRT ran on a spectrum the fit cannot use")

    monkeypatch.setattr(drt_module, "drt", no_drt)
    with pytest.raises(
        AnalysisInputError, match="8 distinct frequencies, too few to fit the 9 free"
    ):
        time_constants(spec(F[::5]))  # 8 distinct frequencies, default circuit (9)


def test_fit_many_checks_every_spectrum_before_the_first_fit():
    seen = []
    spectra = [spec(F), spec(F), spec(F, np.zeros(F.size))]
    with pytest.raises(AnalysisInputError, match="spectrum 2: every impedance"):
        fit_many(spectra, RC, progress=lambda i, r: seen.append(i))
    assert seen == []


def test_distinct_frequencies():
    assert distinct_frequencies(np.array([1.0, 1.0, 2.0, 2.0 * (1 + 1e-12), 3.0])) == 3
    assert distinct_frequencies(np.array([5.0])) == 1


def test_messages_are_sentences_without_python_names():
    cases = [
        spec(np.full(12, 100.0)),
        spec(np.r_[F, 1e-9]),
        spec(F, np.zeros(F.size)),
        spec(np.repeat(F[:3], 2)),
    ]
    for s in cases:
        with pytest.raises(InputError) as err:
            drt(s)
        text = str(err.value)
        assert "\n" not in text and "np." not in text and "()" not in text and "_" not in text


# --- repeated frequencies: kept, not averaged -----------------------------------------
def test_repeated_frequencies_are_kept():
    rng = np.random.default_rng(1)
    f2 = np.repeat(F, 2)
    z2 = cell_z(f2) * (1 + 0.003 * rng.standard_normal(f2.size))
    twice = spec(f2, z2)
    fit = fit_circuit(twice, "R0-p(R1,C1)-p(R2,CPE2)")
    assert fit.success and fit.params["R2"] == pytest.approx(40.0, rel=0.05)
    kk = lin_kk(twice)
    assert kk.freq_hz.size == f2.size and kk.passed
    d = drt(twice, n_boot=0)
    assert d.freq_hz.size == f2.size
    # the basis follows the density of distinct frequencies, not of points
    assert d.settings["n_tau"] == drt(spec(F), n_boot=0).settings["n_tau"]
    tc = time_constants(twice, "R0-p(R1,C1)-p(R2,CPE2)")
    assert len(tc.table) == 2


def test_kk_elements_capped_by_distinct_frequencies():
    f = np.repeat(F[::6], 4)  # 6 distinct frequencies (12 equations), 24 points
    with pytest.raises(AnalysisInputError, match="6 distinct frequencies; at most 9"):
        lin_kk(spec(f), m=10)
    assert lin_kk(spec(f), m=9).m == 9


# --- size limits ----------------------------------------------------------------------
def big_spectrum(n):
    f = np.logspace(6, -3, n)
    return spec(f)


@pytest.mark.parametrize("entry", list(ENTRY))
def test_one_point_too_many_is_refused(entry):
    with pytest.raises(ProblemSizeError, match=f"has {MAX_POINTS + 1:,} points; .* limited to"):
        ENTRY[entry](big_spectrum(MAX_POINTS + 1))


@pytest.mark.parametrize("entry", list(ENTRY))
def test_a_huge_spectrum_is_refused_at_once(entry):
    huge = big_spectrum(2_000_000)
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(ProblemSizeError, match="2,000,000 points") as err:
            ENTRY[entry](huge)
        elapsed = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 2.0
    assert peak < 2**20  # not even the complex impedance array (32 MB) was built
    assert "decimate" in str(err.value)


def test_the_largest_spectrum_is_accepted():
    s = big_spectrum(MAX_POINTS)
    d = drt(s, n_boot=0)
    assert d.settings["n_tau"] == MAX_TAU  # the default basis is capped, not refused
    assert lin_kk(s).passed
    assert fit_circuit(s, "R0-p(R1,C1)-p(R2,CPE2)").success


def test_default_drt_basis_is_capped():
    d = drt(big_spectrum(1200), n_boot=0)  # 133 points per decade: 1333 basis functions
    assert d.settings["n_tau"] == MAX_TAU
    # a spectrum spanning the whole accepted range, sparse: the density rule is kept
    sparse = spec(np.logspace(9, -6, 61))
    assert drt(sparse, n_boot=0).settings["n_tau"] == 65


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_tau": MAX_TAU + 1}, f"n_tau={MAX_TAU + 1} basis functions; the DRT is limited"),
        ({"n_boot": MAX_BOOT + 1}, f"n_boot={MAX_BOOT + 1} bootstrap resamples"),
        ({"fwhm_coeff": 1e-4}, "kernel evaluations"),
        ({"fwhm_coeff": 1e-300}, "kernel evaluations"),
    ],
)
def test_drt_option_limits(kwargs, match):
    t0 = time.perf_counter()
    with pytest.raises(ProblemSizeError, match=match):
        drt(spec(F), **kwargs)
    assert time.perf_counter() - t0 < 1.0


@pytest.mark.parametrize("tau_range", [(1.0, 1.0), (0.0, 1.0), (1e-3, np.inf), (np.nan, 1.0)])
def test_drt_tau_range_must_be_an_interval(tau_range):
    with pytest.raises(InputError, match="tau_range_s"):
        drt(spec(F), tau_range_s=tau_range)


@pytest.mark.parametrize("fwhm", [np.inf, np.nan])
def test_drt_basis_width_must_be_finite(fwhm):
    with pytest.raises(InputError, match="fwhm_coeff"):
        drt(spec(F), fwhm_coeff=fwhm)


@pytest.mark.parametrize("kwargs", [{"m": MAX_ELEMENTS + 1}, {"max_m": MAX_ELEMENTS + 1}])
def test_kk_element_limit(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ProblemSizeError, match=f"{name}={MAX_ELEMENTS + 1} RC elements"):
        lin_kk(big_spectrum(2000), **kwargs)
    assert lin_kk(big_spectrum(300), max_m=MAX_ELEMENTS).m >= 1


def test_fit_parameter_limits():
    many = "R0-" + "-".join(f"p(R{i},CPE{i})" for i in range(1, 12))  # 34 parameters
    with pytest.raises(
        ProblemSizeError, match=f"34 free parameters; .* limited to {MAX_FREE_PARAMS}"
    ):
        fit_circuit(big_spectrum(100), many)
    thirty = "R0-" + "-".join(f"p(R{i},CPE{i})" for i in range(1, 10)) + "-Wo1"  # 30
    limit = FIT_WORK // 30**2
    with pytest.raises(ProblemSizeError, match=f"of 30 free parameters is limited to {limit}"):
        fit_circuit(big_spectrum(limit + 1), thirty)
    # fixed parameters do not count
    fixed = {f"CPE{i}_1": 0.9 for i in range(1, 10)}
    with pytest.raises(ProblemSizeError, match="of 21 free parameters is limited to"):
        fit_circuit(big_spectrum(limit + 1000), thirty, fixed=fixed)


def test_drt_caches_are_bounded(monkeypatch):
    import ohmslice.impedance._drt_basis as basis

    monkeypatch.setattr(basis, "CACHE_BYTES", 1000)
    from collections import OrderedDict

    cache: OrderedDict = OrderedDict()
    for k in range(10):
        cache_put(cache, k, f"value {k}", 300, max_items=32)
    assert list(cache) == [7, 8, 9] and cache_get(cache, 9) == "value 9"
    cache_put(cache, "big", "too big to keep", 5000, max_items=32)
    assert cache_get(cache, "big") is None
    cache_put(cache, "x", 1, 1, max_items=2)
    assert len(cache) == 2


def test_basis_matrices_built_in_blocks_are_the_same(monkeypatch):
    import ohmslice.impedance._drt_basis as basis

    f = np.logspace(6, -3, 40)
    tau = np.geomspace(1e-7, 1e3, 60)
    whole = {b: basis.drt_basis_matrices(f, tau, 3.0, b) for b in ("rbf", "pwl")}
    basis._CACHE.clear()
    monkeypatch.setattr(basis, "_BLOCK", 1000)  # a few frequencies per block
    for b in ("rbf", "pwl"):
        parts = basis.drt_basis_matrices(f, tau, 3.0, b)
        np.testing.assert_array_equal(parts[0], whole[b][0])
        np.testing.assert_array_equal(parts[1], whole[b][1])
    basis._CACHE.clear()


# --- command line: one red line, exit code 2 --------------------------------------------
@pytest.mark.parametrize("command", [["fit", "-c", RC], ["drt"], ["kk"]])
@pytest.mark.parametrize(
    ("f", "z", "message"),
    [
        (np.full(10, 50.0), None, "same frequency"),
        (np.r_[1e12, F], None, "outside"),  # a sweep from high to low frequency
        (F, np.zeros(F.size), "zero"),
        (np.repeat(F[:2], 3), None, "too few"),
    ],
)
def test_cli_reports_degenerate_spectra(tmp_path, command, f, z, message):
    from typer.testing import CliRunner

    from ohmslice.cli import app

    z = cell_z(f) if z is None else z
    path = tmp_path / "spectrum.csv"
    pd.DataFrame({FREQ: f, Z_REAL: np.real(z), Z_IMAG: np.imag(z)}).to_csv(path, index=False)
    out = CliRunner().invoke(app, ["eis", *command, str(path)])
    assert out.exit_code == 2, out.output
    assert message in out.output and "Traceback" not in out.output
