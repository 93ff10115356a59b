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
