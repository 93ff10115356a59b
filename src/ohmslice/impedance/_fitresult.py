"""The result of a circuit fit: values, standard errors, correlation, chi2, AIC/BIC, and
the judgement of the fit (``success``, ``reasons``; see
:mod:`ohmslice.impedance._fitcheck`).

:class:`FitResult` is what :func:`ohmslice.impedance.fit.fit_circuit` returns;
:class:`FitSeries` what :func:`~ohmslice.impedance.fit.fit_many` returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._display import Plottable
from .._numbers import num, pm
from ..schema import Spectrum
from .circuits import Circuit

if TYPE_CHECKING:
    from .shapes import ShapeChoice

__all__ = ["FitResult", "FitSeries", "build_result"]


# --- the result ---------------------------------------------------------------------------


@dataclass
class FitResult(Plottable):
    """A fitted circuit with uncertainties.

    Attributes
    ----------
    circuit : Circuit
    spectrum : Spectrum
        The data that were fitted.
    params, errors : dict
        Value and standard error of every parameter, impedance.py names (``R0``,
        ``CPE1_0``, ...), circuit units. Fixed parameters have error 0; a parameter the
        data do not determine has error ``inf``.
    fixed : list of str
        Names of parameters held fixed.
    covariance, correlation : DataFrame
        Of the free parameters.
    chi2 : float
        Weighted sum of squared residuals at the optimum.
    chi2_reduced : float
        chi2 / (2N - k), k free parameters.
    aic, bic : float
        2N ln(chi2 / 2N) + 2k, and 2N ln(chi2 / 2N) + k ln(2N).
    weighting : str
    success : bool
        Whether the fit can be used: the optimiser converged, every value is finite, off
        its bounds and not degenerate, every free error is finite, and the fit follows
        the data about as closely as a Kramers-Kronig-consistent model does (the rules
        are in :mod:`ohmslice.impedance._fitcheck`). Downstream code must not use the
        values of a fit with ``success=False``.
    message : str
        The optimiser's message.
    n_restarts : int
        Perturbed restarts that were run (0 when the first fit was good).
    nfev : int
        Model evaluations over all starts.
    reasons : list of str
        Why the fit is not usable, one sentence each (empty when ``success``): what is
        wrong and what to try ("the low-frequency branch below 1 Hz ... is not
        described: try a diffusion element ...").
    notes : list of str
        Observations that do not fail the fit: poorly determined parameters (relative
        error above 100 %), data that scatter by more than 1 % around a KK model.
    residual_rms : float
        Root-mean-square relative residual per degree of freedom [-],
        sqrt(sum |Z - Z_fit|^2 / |Z|^2 / (2N - k)), whatever the weighting.
    kk_residual : float
        The same for a Kramers-Kronig-consistent model of the data [-]
        (:func:`~ohmslice.impedance.kk.kk_reference`): the level a fit can reach; NaN
        for spectra of fewer than 5 distinct frequencies.
    durbin_watson : float
        sum (r_i - r_(i-1))^2 / sum r_i^2 of the relative residuals in frequency order
        (real and imaginary parts): about 2 for noise, towards 0 for systematic misfit.
    diagnostics : dict
        The numbers behind the judgement: ``kk_ratio`` (residual_rms / max(kk_residual,
        0.2 %)), ``kk_m``, ``band_shares`` (share of the misfit beyond the KK model's in
        the ``inductive``, ``low``, ``middle``, ``high`` bands), ``band_points``,
        ``converged``, ``worst_point_freq_Hz``; ``covariance_failure`` (why no
        covariance could be computed at the optimum, '' when it was).
    shape_choice : ShapeChoice or None
        With ``fit_circuit(..., diffusion="auto")``: how the diffusion shape was chosen
        (:class:`~ohmslice.impedance.shapes.ShapeChoice`): ``shape``, ``table`` (every
        candidate's ``chi2``, ``aic``, ``delta_aic``, Akaike ``weight``, ``success``,
        ``chosen``, ``alternative``), ``margin`` (the AIC difference below which shapes are
        not told apart), ``lead`` (the chosen one's AIC below the next candidate's),
        ``determined``, ``message`` and every candidate's fit (``fits``). None otherwise.
    """

    circuit: Circuit
    spectrum: Spectrum
    params: dict[str, float]
    errors: dict[str, float]
    fixed: list[str]
    covariance: pd.DataFrame
    correlation: pd.DataFrame
    chi2: float
    chi2_reduced: float
    aic: float
    bic: float
    weighting: str
    success: bool
    message: str
    n_restarts: int = 0
    nfev: int = 0
    _z_fit: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    residual_rms: float = float("nan")
    kk_residual: float = float("nan")
    durbin_watson: float = float("nan")
    diagnostics: dict[str, Any] = field(default_factory=dict, repr=False)
    shape_choice: ShapeChoice | None = field(default=None, repr=False)

    @property
    def values(self) -> np.ndarray:
        """Parameter values in circuit order."""
        return np.array(list(self.params.values()))

    @property
    def n_free(self) -> int:
        """Number of fitted (not fixed) parameters."""
        return len(self.params) - len(self.fixed)

    def predict(self, freq_hz: Any = None) -> np.ndarray:
        """Model impedance [Ohm] at ``freq_hz`` (default: the fitted frequencies)."""
        if freq_hz is None:
            return self._z_fit.copy()
        return self.circuit.z(freq_hz, self.params)

    @property
    def residuals(self) -> pd.DataFrame:
        """Relative residuals per point: (Z_data - Z_model) / |Z_model|, real and imaginary."""
        z, zm = self.spectrum.z, self._z_fit
        m = np.abs(zm)
        return pd.DataFrame(
            {
                "freq_Hz": self.spectrum.freq,
                "res_real": (z.real - zm.real) / m,
                "res_imag": (z.imag - zm.imag) / m,
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """Table of parameters: name, value, error (1 sigma), unit, fixed."""
        c = self.circuit
        return pd.DataFrame(
            {
                "name": c.param_names,
                "value": [self.params[n] for n in c.param_names],
                "error": [self.errors[n] for n in c.param_names],
                "unit": c.param_units,
                "fixed": [n in self.fixed for n in c.param_names],
            }
        )

    def time_constants(self) -> pd.DataFrame:
        """The circuit's relaxation times at the fitted parameters, with the standard
        error of tau (``tau_err_s``) and of r (``r_err_ohm``) by error propagation
        through the parameter covariance (finite differences of the closed forms)."""
        c = self.circuit
        p0 = self.values
        base = c.time_constants(p0)
        if base.empty:
            return base.assign(r_err_ohm=[], tau_err_s=[])
        free = [i for i, n in enumerate(c.param_names) if n not in self.fixed]
        cov = self.covariance.to_numpy()
        jt, jr = [], []
        with np.errstate(all="ignore"):
            for i in free:
                h = 1e-6 * max(abs(p0[i]), 1e-300)
                q = p0.copy()
                q[i] += h
                other = c.time_constants(q).set_index("element").loc[base["element"]]
                jt.append((other["tau_s"].to_numpy() - base["tau_s"].to_numpy()) / h)
                jr.append((other["r_ohm"].to_numpy() - base["r_ohm"].to_numpy()) / h)
            jt_arr, jr_arr = np.array(jt).T, np.array(jr).T
            err = np.array([self.errors[c.param_names[i]] for i in free])
            for col, jac in (("tau_err_s", jt_arr), ("r_err_ohm", jr_arr)):
                var = np.einsum("ij,jk,ik->i", np.nan_to_num(jac), cov, np.nan_to_num(jac))
                out = np.sqrt(np.clip(var, 0, None))
                # a quantity that depends on an undetermined parameter is undetermined
                unknown = np.any((jac != 0) & ~np.isfinite(err), axis=1) | ~np.isfinite(jac).all(
                    axis=1
                )
                out[unknown] = np.inf
                base[col] = out
        return base[["element", "r_ohm", "r_err_ohm", "tau_s", "tau_err_s", "f_peak_Hz", "n"]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "circuit": self.circuit.text,
            "weighting": self.weighting,
            "params": self.params,
            "errors": {k: (None if not np.isfinite(v) else v) for k, v in self.errors.items()},
            "units": dict(zip(self.circuit.param_names, self.circuit.param_units, strict=True)),
            "fixed": self.fixed,
            "chi2": self.chi2,
            "chi2_reduced": self.chi2_reduced,
            "aic": self.aic,
            "bic": self.bic,
            "n_points": len(self.spectrum),
            "success": self.success,
            "reasons": list(self.reasons),
            "notes": list(self.notes),
            "residual_rms": _finite_or_none(self.residual_rms),
            "kk_residual": _finite_or_none(self.kk_residual),
            "durbin_watson": _finite_or_none(self.durbin_watson),
            "diagnostics": _json_ready(self.diagnostics),
            "message": self.message,
            "diffusion_shape": _shape_dict(self.shape_choice),
        }

    def __repr__(self) -> str:
        lines = [
            f"FitResult('{self.circuit.text}', {len(self.spectrum)} points, "
            f"weighting={self.weighting}, chi2={self.chi2:.4g}, success={self.success})"
        ]
        for n, u in zip(self.circuit.param_names, self.circuit.param_units, strict=True):
            fx = " (fixed)" if n in self.fixed else ""
            value = (
                pm(self.params[n], self.errors[n]) if n not in self.fixed else num(self.params[n])
            )
            lines.append(f"  {n:>10} = {value} {u}{fx}".rstrip())
        lines += [f"  not usable: {r}" for r in self.reasons]
        lines += [f"  note: {r}" for r in self.notes]
        if self.shape_choice is not None:
            head, *rows = self.shape_choice.summary()
            lines.append(f"  {head} (margin {self.shape_choice.margin:g})")
            lines += [f"    {r}" for r in rows]
        return "\n".join(lines)


def _shape_dict(choice: ShapeChoice | None) -> dict[str, Any] | None:
    """The diffusion-shape choice, JSON-ready: shape, determined, message, margin, lead
    and one record per candidate (shape, element, n_free, chi2, aic, delta_aic, weight,
    success, chosen, alternative, note)."""
    if choice is None:
        return None
    cols = ["shape", "element", "n_free", "chi2", "aic", "delta_aic", "weight", "success",
            "chosen", "alternative", "note"]  # fmt: skip
    return {
        "shape": choice.shape,
        "determined": bool(choice.determined),
        "message": choice.message,
        "margin": float(choice.margin),
        "lead": _finite_or_none(choice.lead),
        "candidates": _json_ready(choice.table[cols].to_dict(orient="records")),
    }


def _finite_or_none(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def _json_ready(value: Any) -> Any:
    """Floats, ints, bools, strings, None, dicts and lists of them; NaN and inf as None."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _finite_or_none(float(value))
    return value


def build_result(spec, circ, problem, best, message, fix, weighting, n_restarts, nfev, n_obs):
    """Assemble the :class:`FitResult` at the optimum ``best`` of ``problem``."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _result_unchecked(
            spec, circ, problem, best, message, fix, weighting, n_restarts, nfev, n_obs
        )


def _result_unchecked(spec, circ, problem, best, message, fix, weighting, n_restarts, nfev, n_obs):
    p, _ = problem.params(best.x)
    free = problem.free
    zm, jac = circ._zj(problem.s, p)
    dz = zm - problem.z
    chi2 = float(np.sum((dz.real * problem.wr) ** 2 + (dz.imag * problem.wi) ** 2))
    k = len(free)
    dof = n_obs - k
    chi2_red = chi2 / dof
    # covariance in physical parameters, computed on column-scaled J for conditioning
    jf = jac[:, free]
    jw = np.concatenate([jf.real * problem.wr[:, None], jf.imag * problem.wi[:, None]])
    # columns scaled by the parameter values (relative sensitivities), except for a
    # parameter whose value is ~0 while the data react to it (an R0 of 1e-30 Ohm): its
    # column would vanish and the parameter pass for undetermined, so it is scaled by
    # its sensitivity instead (absolute error)
    cn = np.linalg.norm(jw, axis=0)
    effect = np.abs(p[free]) * cn
    scale = np.where(
        effect > 1e-8 * effect.max(initial=0.0),
        np.abs(p[free]),
        np.where(cn > 0, 1.0 / np.where(cn > 0, cn, 1.0), 1.0),
    )
    js = jw * scale
    failure = _covariance_failure(p, js)
    if not failure:
        try:
            _, sv, vt = np.linalg.svd(js, full_matrices=False)
        except np.linalg.LinAlgError:  # LAPACK did not converge (values near overflow)
            failure = (
                "the Jacobian at the optimum is numerically singular (its singular value "
                "decomposition did not converge)"
            )
    if failure:
        # no covariance: every free parameter is undetermined, and the fit says why
        k_free = len(free)
        cov = np.full((k_free, k_free), np.nan)
        err_free = np.full(k_free, np.inf)
    else:
        ok = sv > sv[0] * 1e-12 if sv[0] > 0 else np.zeros_like(sv, dtype=bool)
        inv = (vt[ok].T / sv[ok] ** 2) @ vt[ok]
        cov = chi2_red * inv * np.outer(scale, scale)
        err_free = np.sqrt(np.clip(np.diag(cov), 0, None))
        if not ok.all():
            # directions the data do not determine: parameters loading on them are unknown
            null = vt[~ok]
            undetermined = np.any(np.abs(null) > 1e-3, axis=0)
            err_free[undetermined] = np.inf
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(err_free, err_free)
    names_free = [circ.param_names[i] for i in free]
    errors = dict.fromkeys(circ.param_names, 0.0)
    for n, e in zip(names_free, err_free, strict=True):
        errors[n] = float(e)
    params = dict(zip(circ.param_names, map(float, p), strict=True))
    aic = n_obs * np.log(chi2 / n_obs) + 2 * k if chi2 > 0 else -np.inf
    bic = n_obs * np.log(chi2 / n_obs) + k * np.log(n_obs) if chi2 > 0 else -np.inf
    success = bool(best.status > 0 and np.all(np.isfinite(err_free)))
    if failure:
        message = f"{message}; no covariance: {failure}"
    elif not np.all(np.isfinite(err_free)):
        message = f"{message}; some parameters are not determined by the data"
    out = FitResult(
        circuit=circ,
        spectrum=spec,
        params=params,
        errors=errors,
        fixed=list(fix),
        covariance=pd.DataFrame(cov, index=names_free, columns=names_free),
        correlation=pd.DataFrame(corr, index=names_free, columns=names_free),
        chi2=chi2,
        chi2_reduced=float(chi2_red),
        aic=float(aic),
        bic=float(bic),
        weighting=weighting,
        success=success,
        message=str(message),
        n_restarts=n_restarts,
        nfev=int(nfev),
        _z_fit=zm,
    )
    if failure:
        out.diagnostics = {"covariance_failure": failure}
    return out


def _covariance_failure(p: np.ndarray, js: np.ndarray) -> str:
    """Why the covariance cannot be computed at parameters ``p`` with the scaled weighted
    Jacobian ``js`` ('' when it can): a parameter that is not a finite number, or
    derivatives of the model that are not (an element evaluated at overflow)."""
    if not np.all(np.isfinite(p)):
        return "the optimum holds parameters that are not finite numbers"
    if not np.all(np.isfinite(js)):
        return (
            "the model's derivatives are not finite at the optimum (an element evaluated "
            "beyond the range of floating-point numbers)"
        )
    return ""


# --- series of spectra ------------------------------------------------------------------


class FitSeries(list):
    """A list of :class:`FitResult`, one per spectrum, with a table of them all."""

    def to_frame(self) -> pd.DataFrame:
        """One row per spectrum: every parameter, its error (``<name>_err``), chi2,
        chi2_reduced, aic, success, residual_rms, kk_residual and ``reasons`` (the
        sentences of :attr:`FitResult.reasons` joined by "; ", empty when usable)."""
        rows = []
        for i, r in enumerate(self):
            row: dict[str, Any] = {"index": i}
            for n in r.circuit.param_names:
                row[n] = r.params[n]
                row[f"{n}_err"] = r.errors[n]
            row.update(chi2=r.chi2, chi2_reduced=r.chi2_reduced, aic=r.aic, success=r.success)
            row.update(
                residual_rms=r.residual_rms,
                kk_residual=r.kk_residual,
                reasons="; ".join(r.reasons),
            )
            rows.append(row)
        return pd.DataFrame(rows).set_index("index")
