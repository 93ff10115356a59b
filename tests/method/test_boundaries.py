import numpy as np
import pytest

from ohmslice.errors import InputError
from ohmslice.method.boundaries import boundary_times, unit_step


def test_rc_fraction_rule_is_minus_log():
    t = boundary_times([[1e-3, 1.0]], rule="fraction", fraction=0.95)
    np.testing.assert_allclose(t[0, 0], -np.log(0.05) * 1e-3, rtol=2e-3)


def test_cpe_reaches_less_than_rc_at_three_tau():
    a = unit_step(np.array([3.0, 10.0]), [1.0], 0.8)[0]
    assert 0.83 < a[0] < 0.87 and 0.95 < a[1] < 0.97
    # the fraction rule therefore puts the n = 0.8 boundary later than 3 tau
    t = boundary_times([[1.0, 1e4]], [[0.8, 1.0]], rule="fraction", fraction=0.95)
    assert 3.0 < t[0, 0] < 10.0
    np.testing.assert_allclose(unit_step(t[0, :1], [1.0], 0.8)[0], 0.95, atol=1e-3)


def test_balanced_rule_cancels_the_leaks():
    taus = np.array([[1e-4, 5e-3, 40.0], [2e-4, 1e-2, 80.0]])
    ns = np.array([[1.0, 0.8, 1.0], [0.9, 0.7, 1.0]])
    rs = np.array([[2.0, 5.0, 8.0], [1.0, 9.0, 3.0]])
    shapes = ("zarc", "zarc", "ws")
    tb = boundary_times(taus, ns, rs, rule="balanced", shapes=shapes)
    assert np.all(tb[:, 0] < tb[:, 1])
    assert np.all(tb[:, 1] > taus[:, 1]) and np.all(tb[:, 1] < taus[:, 2])
    for p in range(2):
        total = sum(
            rs[p, j] * unit_step(tb[p], [taus[p, j]], ns[p, j], shapes[j])[0] for j in range(3)
        )
        np.testing.assert_allclose(total, [rs[p, 0], rs[p, 0] + rs[p, 1]], rtol=2e-3)


def test_geometric_and_errors():
    np.testing.assert_allclose(boundary_times([[1e-4, 1e-2, 1.0]], rule="geometric"), [[1e-3, 0.1]])
    with pytest.raises(InputError, match="rule"):
        boundary_times([[1.0, 2.0]], rule="nope")
    with pytest.raises(InputError, match="resistances"):
        boundary_times([[1.0, 2.0]], shapes=("zarc", "zarc"))
    with pytest.raises(InputError, match="> 0"):
        boundary_times([[0.0, 2.0]], rule="geometric")
    with pytest.raises(InputError, match="shape"):
        unit_step(np.ones(2), [1.0], 1.0, "xx")


def test_spherical_shape_is_a_unit_step():
    a = unit_step(np.array([1e-6, 1e3]), [1.0], 1.0, "wsph")[0]
    assert a[0] < 0.01 and abs(a[1] - 1) < 1e-3


def test_finite_space_shape_is_a_unit_step():
    a = unit_step(np.array([1e-6, 1e3]), [1.0], 1.0, "wo")[0]
    assert a[0] < 0.01 and abs(a[1] - 1) < 1e-3


# --- the anomalous diffusion shape 'wa' (element Wa: R coth(y)/y, y = (s tau)^(n/2)) -------
def test_wa_is_wo_at_n_one():
    t = np.logspace(-6, 8, 57)
    np.testing.assert_allclose(
        unit_step(t, [2.0], 1.0, "wa", m=32),
        unit_step(t, [2.0], 1.0, "wo", m=32),
        rtol=0,
        atol=1e-9,
    )


def test_dc_fractions_are_the_elements_low_frequency_limits():
    """lim s->0 of (Z - capacitive branch) / R for each shape's element: Wa's CPE branch
    R/(s tau)^n removed leaves R/3 whatever n; Wo's capacitor R/3, Wsph's R/5."""
    from ohmslice.impedance.circuits import Circuit
    from ohmslice.method.boundaries import DC_FRACTION, SHAPES

    assert set(DC_FRACTION) == set(SHAPES)
    r, tau = 7.0, 3.0
    s = np.array([1j, 1 + 1j]) * 1e-7 / tau  # |s tau| -> 0 along two directions
    for n in (0.5, 0.8, 1.0):
        sn = s * (1e-7) ** (1 / n - 1)  # |s tau|^n = 1e-7: the next term, 1e-7/45, is below
        z = Circuit("Wa1").impedance(sn, [r, tau, n]) - r / (sn * tau) ** n
        np.testing.assert_allclose(z / r, DC_FRACTION["wa"], rtol=1e-5)
    z = Circuit("Wo1").impedance(s, [r, tau]) - r / (s * tau)
    np.testing.assert_allclose(z / r, DC_FRACTION["wo"], rtol=1e-5)
    z = Circuit("Wsph1").impedance(s, [r, tau]) - 3 * r / (s * tau)
    np.testing.assert_allclose(z / r, DC_FRACTION["wsph"], rtol=1e-5)
    for kind, shape in (("Ws", "ws"), ("K", "zarc")):
        z = Circuit(f"{kind}1").impedance(s, [r, tau])
        np.testing.assert_allclose(z.real / r, DC_FRACTION[shape], rtol=1e-5)


@pytest.mark.parametrize("n", [0.5, 0.7, 0.9])
def test_wa_step_is_the_inverse_of_its_mode_expansion(n):
    """coth(y)/y - 1/y^2 = sum_k 2 / (y^2 + k^2 pi^2): the unit step of 'wa' is the sum of
    R||CPE steps of weight 6/(k pi)^2, tau_k = tau (k pi)^(-2/n), exponent n, each its
    Mittag-Leffler response (4000 modes, the rest, 1.5e-4 in all, relaxed)."""
    tau = 5.0
    t = tau * np.logspace(-3, 3, 13)
    k = np.arange(1, 4001)
    weight = 6.0 / (k * np.pi) ** 2
    modes = unit_step(t, tau * (k * np.pi) ** (-2.0 / n), n, "zarc", m=32)
    expected = weight @ modes + (1.0 - weight.sum())
    exact = unit_step(t, [tau], n, "wa", m=32)[0]
    np.testing.assert_allclose(exact, expected, rtol=0, atol=1e-8)
    np.testing.assert_allclose(unit_step(t, [tau], n, "wa")[0], expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("n", [0.5, 0.7, 0.9])
def test_wa_step_at_early_and_long_times(n):
    """Early: Z ~ 3/y - 3/y^2 for |s tau| >> 1, so a = 3 x^(n/2) / Gamma(1 + n/2) -
    3 x^n / Gamma(1 + n), x = t/tau. Long: Z = 1 - (s tau)^n / 15 + ..., so a -> Z(0) = 1
    as 1 - x^-n / (15 Gamma(1 - n))."""
    from math import gamma

    tau = 0.2
    x = np.logspace(-7, -5, 5)
    early = 3 * x ** (n / 2) / gamma(1 + n / 2) - 3 * x**n / gamma(1 + n)
    np.testing.assert_allclose(unit_step(tau * x, [tau], n, "wa", m=32)[0], early, rtol=1e-4)
    x = np.logspace(4, 8, 5)
    gap = 1.0 - unit_step(tau * x, [tau], n, "wa", m=32)[0]
    np.testing.assert_allclose(gap, x ** (-n) / (15 * gamma(1 - n)), rtol=1e-2)


def test_wa_is_vectorised_and_usable_by_the_boundaries():
    """Several processes (taus, exponents) in one call equal one call each; the balanced
    rule cancels the leaks with a 'wa' diffusion as with the others."""
    t = np.logspace(-4, 4, 33)
    taus, ns = np.array([0.5, 3.0, 40.0]), np.array([0.6, 0.8, 1.0])
    together = unit_step(t, taus, ns, "wa")
    for j in range(3):
        np.testing.assert_allclose(together[j], unit_step(t, [taus[j]], ns[j], "wa")[0])
    taus2 = np.array([[1e-4, 5e-3, 40.0], [2e-4, 1e-2, 80.0]])
    ns2 = np.array([[1.0, 0.8, 0.7], [0.9, 0.7, 0.85]])
    rs = np.array([[2.0, 5.0, 8.0], [1.0, 9.0, 3.0]])
    shapes = ("zarc", "zarc", "wa")
    tb = boundary_times(taus2, ns2, rs, rule="balanced", shapes=shapes)
    for p in range(2):
        total = sum(
            rs[p, j] * unit_step(tb[p], [taus2[p, j]], ns2[p, j], shapes[j])[0] for j in range(3)
        )
        np.testing.assert_allclose(total, [rs[p, 0], rs[p, 0] + rs[p, 1]], rtol=2e-3)


@pytest.mark.parametrize("shape", ["zarc", "ws", "wo", "wsph", "wa"])
def test_tabulated_step_equals_the_exact_inversion(shape):
    """The default (spline table in t/tau and n) against Talbot inversion with 32 nodes,
    over time constants, exponents and times far apart, including n below the table and
    t/tau beyond it (inverted exactly)."""
    rng = np.random.default_rng(3)
    tau = 10 ** rng.uniform(-7, 5, 60)
    n = rng.uniform(0.2, 1.1, 60)
    t = np.r_[np.logspace(-6, 6, 97), 1e25]
    fast, exact = unit_step(t, tau, n, shape), unit_step(t, tau, n, shape, m=32)
    np.testing.assert_allclose(fast, exact, rtol=0, atol=1e-6)
    rises = n <= 1  # a step response rises (R||CPE with n > 1 overshoots)
    assert np.all(np.diff(fast[rises, :-1], axis=1) > -1e-6)
