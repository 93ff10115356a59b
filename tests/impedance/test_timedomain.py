"""The Talbot inversion against closed-form step responses."""

import numpy as np
import pytest
from scipy import integrate

from ohmslice.errors import InputError
from ohmslice.impedance.timedomain import (
    invert_laplace,
    programme_response,
    pulse_response,
    step_response,
)

T = np.logspace(-6, 3, 60)


def test_rc_step_is_exact():
    r, tau = 2.5, 1e-3
    g = step_response(lambda s: r / (1 + s * tau), t=T)
    np.testing.assert_allclose(g, r * (1 - np.exp(-T / tau)), atol=1e-9 * r)


def test_series_r_and_nonpositive_times():
    g = step_response(lambda s: 3.0 + 0 * s, t=np.array([-1.0, 0.0, 1e-9, 5.0]))
    np.testing.assert_allclose(g, [0, 0, 3, 3], atol=1e-9)


def _mittag_leffler_neg(a, x):
    """E_a(-x) for 0 < a < 1, x >= 0, by its real integral representation."""

    def integrand(r):
        return (
            r ** (a - 1)
            * np.exp(-r * x ** (1 / a))
            / (r ** (2 * a) + 2 * r**a * np.cos(a * np.pi) + 1)
        )

    val, _ = integrate.quad(integrand, 0, np.inf, limit=400)
    return np.sin(a * np.pi) / np.pi * val


@pytest.mark.parametrize("n", [0.6, 0.8, 0.95])
def test_r_cpe_step_is_mittag_leffler(n):
    r, tau = 10.0, 2e-3
    t = np.logspace(-6, 1, 15)
    g = step_response(lambda s: r / (1 + (s * tau) ** n), t=t)
    expected = np.array([r * (1 - _mittag_leffler_neg(n, (ti / tau) ** n)) for ti in t])
    np.testing.assert_allclose(g, expected, atol=1e-7 * r)


# the series below converge for t/tau >= 1e-5; shorter times use the sqrt(t) asymptote
T_SERIES = np.logspace(-3, 3, 40)
T_SHORT = np.array([1e-6, 1e-5])


def test_finite_space_warburg_series_solution():
    r, tau = 5.0, 50.0
    T = T_SERIES
    k = np.arange(1, 4000)[:, None]
    exact = r * (
        T / tau
        + 1 / 3
        - 2 * np.sum(np.exp(-(k**2) * np.pi**2 * T / tau) / (k**2 * np.pi**2), axis=0)
    )

    def z(s):
        x = np.sqrt(s * tau)
        return r / (x * np.tanh(x))

    np.testing.assert_allclose(step_response(z, t=T), exact, atol=1e-7 * r)
    short = 2 * r * np.sqrt(T_SHORT / (np.pi * tau))
    np.testing.assert_allclose(step_response(z, t=T_SHORT), short, rtol=1e-4)


def test_finite_length_warburg_series_solution():
    r, tau = 5.0, 50.0
    T = T_SERIES
    lam = (np.arange(1, 4000)[:, None] - 0.5) * np.pi
    exact = r * (1 - 2 * np.sum(np.exp(-(lam**2) * T / tau) / lam**2, axis=0))  # sum 1/lam^2 = 1/2

    def z(s):
        x = np.sqrt(s * tau)
        return r * np.tanh(x) / x

    np.testing.assert_allclose(step_response(z, t=T), exact, atol=1e-7 * r)
    short = 2 * r * np.sqrt(T_SHORT / (np.pi * tau))
    np.testing.assert_allclose(step_response(z, t=T_SHORT), short, rtol=1e-4)


def test_pulse_and_programme_superposition():
    r0, r1, tau = 1.0, 2.0, 10.0

    def z(s):
        return r0 + r1 / (1 + s * tau)

    t = np.linspace(0.5, 300, 200)
    dur, cur = 72.0, -1e-3
    v = pulse_response(z, None, t, dur, cur)
    g = lambda x: np.where(x > 0, r0 + r1 * (1 - np.exp(-np.clip(x, 0, None) / tau)), 0.0)  # noqa: E731
    np.testing.assert_allclose(v, cur * (g(t) - g(t - dur)), atol=1e-12)
    v2 = programme_response(z, None, t, [0.0, dur], [cur, 0.0])
    np.testing.assert_allclose(v2, v, atol=1e-12)


def test_vector_valued_transform():
    t = np.array([0.1, 1.0])
    out = invert_laplace(lambda s: np.stack([1 / s, 1 / s**2], axis=-1), t)
    np.testing.assert_allclose(out, [[1, 0.1], [1, 1.0]], rtol=1e-9)


def test_bad_inputs():
    with pytest.raises(InputError):
        pulse_response(lambda s: 1 / s, None, np.ones(3), 0.0)
    with pytest.raises(InputError):
        programme_response(lambda s: 1 / s, None, np.ones(3), [1.0, 0.5], [1.0, 0.0])
    with pytest.raises(InputError):
        step_response(object(), {"R0": 1}, t=np.ones(2))
