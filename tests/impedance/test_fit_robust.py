"""A fit that runs into overflow, a non-finite optimum or a singular Jacobian is refused
with a reason (``success=False``), never an exception or a floating-point warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ohmslice.impedance import fit_circuit
from ohmslice.schema import Spectrum

F = np.logspace(6, -2, 41)  # 1 MHz -> 10 mHz


def quiet_fit(z: np.ndarray, circuit: str, **kwargs):
    """fit_circuit with every warning an error (numpy's RuntimeWarnings included)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fit_circuit(Spectrum.from_arrays(F, z), circuit, **kwargs)


def test_non_finite_derivatives_at_the_optimum_give_a_refusal_with_a_reason():
    """A pure capacitor fitted with a circuit whose parts run off to 0 and 1e304 Ohm:
    the model's derivatives overflow at the optimum, so no covariance exists (this raised
    LinAlgError 'SVD did not converge' and warned from the fit's own judgement)."""
    res = quiet_fit(1 / (2j * np.pi * F * 1e-6), "La0-R0-p(R1,CPE1)-Wsph1")
    assert res.success is False
    why = res.diagnostics["covariance_failure"]
    assert "not finite" in why
    assert any(r.startswith("no standard errors") and why in r for r in res.reasons)
    assert all(np.isinf(e) for e in res.errors.values())
    assert res.covariance.isna().to_numpy().all()
    assert res.to_dict()["success"] is False  # the summary stays JSON-ready


def test_singular_jacobian_is_a_refusal_not_an_exception(monkeypatch):
    """LAPACK's SVD failing on the Jacobian (LinAlgError) ends in success=False."""
    spec_z = 5.0 + 20.0 / (1 + 2j * np.pi * F * 1e-3)

    def no_svd(*args, **kwargs):
        raise np.linalg.LinAlgError("SVD did not converge")

    good = quiet_fit(spec_z, "R0-p(R1,C1)")
    assert good.success and good.diagnostics["covariance_failure"] == ""
    monkeypatch.setattr(np.linalg, "svd", no_svd)
    res = quiet_fit(spec_z, "R0-p(R1,C1)")
    assert res.success is False
    assert "singular" in res.diagnostics["covariance_failure"]
    assert any("singular value decomposition did not converge" in r for r in res.reasons)
    # the values are the optimum's all the same; only their errors are unknown
    assert res.params["R1"] == pytest.approx(20.0, rel=1e-6)
    assert np.isinf(res.errors["R1"])


@pytest.mark.parametrize(
    "z, circuit",
    [
        (1 + 2j * np.pi * F * 1e-3, "C0"),  # inductive data, a capacitor: C overflows
        (1e-9 * (1 + 1 / (2j * np.pi * F)), "p(R1,CPE1)-p(R2,CPE2)"),  # 1e-9 Ohm data
        (1e12 * (1 + 1 / (2j * np.pi * F)), "La0-R0-p(R1,CPE1)-Wsph1"),  # 1e12 Ohm data
    ],
)
def test_hopeless_fits_are_refused_without_warnings(z, circuit):
    """Each of these raised a RuntimeWarning (overflow, log of 0) in the restart decision
    or a LinAlgError while computing the covariance."""
    res = quiet_fit(z, circuit)
    assert res.success is False and res.reasons
    assert np.isfinite(res.chi2)
