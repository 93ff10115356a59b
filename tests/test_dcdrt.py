"""DRT from a pulse and its rest, against a known two-RC response."""

import numpy as np
import pytest

from ohmslice.dcdrt import pulse_drt
from ohmslice.errors import AnalysisInputError

T = 72.0


def _response(t, r0=2.0, rcs=((3.0, 0.05), (5.0, 10.0)), c_ocv=1.0):
    def k(x, tau):
        return np.where(x > 0, 1 - np.exp(-np.clip(x, 0, None) / tau), 0.0)

    y = r0 * (t <= T) + c_ocv * np.minimum(t, T) / T
    for r, tau in rcs:
        y = y + r * (k(t, tau) - k(t - T, tau))
    return y


def _times():
    # dense right after each step, as dE sampling records
    pulse = np.unique(np.r_[np.logspace(-4, np.log10(T), 300), np.arange(1, T, 1.0)])
    rest = T + np.unique(np.r_[np.logspace(-4, np.log10(1000), 300), np.arange(1, 1000, 5.0)])
    return np.r_[pulse, rest]


def test_two_rc_peaks_recovered(rng):
    t = _times()
    y = _response(t) + 2e-3 * rng.standard_normal(t.size)
    res = pulse_drt(t, y, T)
    pk = res.peaks()
    assert len(pk) == 2
    np.testing.assert_allclose(pk.tau_s, [0.05, 10.0], rtol=0.2)
    np.testing.assert_allclose(pk.r_ohm, [3.0, 5.0], rtol=0.1)
    assert np.all(pk.r_err_ohm > 0) and np.all(pk.r_err_ohm < 0.5)
    assert abs(res.r0_ohm - 2.0) < 0.1 and res.r0_err_ohm > 0
    assert abs(res.c_ocv_ohm - 1.0) < 0.2
    assert np.sqrt(np.mean(res.residual_ohm**2)) < 5e-3


def test_too_few_rest_samples():
    t = np.linspace(0.1, T, 50)
    with pytest.raises(AnalysisInputError, match="rest"):
        pulse_drt(t, _response(t), T)
