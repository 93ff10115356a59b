"""Complex non-linear least-squares fit of an equivalent circuit to an impedance spectrum.

The residual vector stacks the weighted real and imaginary misfits,

    r = [(Z'_model - Z'_data) / sigma', (Z''_model - Z''_data) / sigma''],

and is minimised by :func:`scipy.optimize.least_squares` with the circuit's analytic
Jacobian. Parameters are mapped to unbounded variables while fitting (log for positive
parameters, scaled logit for parameters bounded on both sides such as CPE exponents),
which keeps them inside their bounds and evens out their scales; standard errors are
computed in the physical parameters, cov = s^2 (J^T J)^-1 with s^2 = chi2 / (2N - k) and
J the weighted Jacobian at the optimum.

Weighting (``sigma`` for the real and the imaginary part):

* ``"modulus"`` (default): sigma = |Z_data| for both parts;
* ``"proportional"``: sigma' = |Z'_data|, sigma'' = |Z''_data| (each floored at 1e-3 |Z|
  so that a point where Z'' crosses zero does not take all the weight);
* ``"unit"``: sigma = 1 Ohm (absolute residuals).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from ..errors import AnalysisInputError, InputError
from ..schema import Spectrum
from ._guess import initial_guess, initial_guesses
from .circuits import Circuit, ParamsLike

__all__ = [
    "FitResult",
    "FitSeries",
    "WEIGHTINGS",
    "fit_circuit",
    "fit_many",
    "high_frequency_intercept",
    "initial_guess",
]

WEIGHTINGS = ("modulus", "proportional", "unit")

#: relative rms misfit (modulus-weighted) above which a fit is retried from perturbed starts
POOR_FIT_RMS = 0.02


# --- data and weights -------------------------------------------------------------------


def _as_spectrum(spectrum: Any) -> Spectrum:
    if isinstance(spectrum, Spectrum):
        return spectrum
    if isinstance(spectrum, tuple) and len(spectrum) == 2:
        freq, z = spectrum
        return Spectrum.from_arrays(np.asarray(freq, dtype=float), np.asarray(z, dtype=complex))
    raise InputError(f"expected a Spectrum or a (freq_Hz, Z) tuple, got {type(spectrum).__name__}")


def _sigma(z: np.ndarray, weighting: str) -> tuple[np.ndarray, np.ndarray]:
    if weighting == "modulus":
        m = np.abs(z)
        return m, m
    if weighting == "proportional":
        floor = 1e-3 * np.abs(z)
        return np.maximum(np.abs(z.real), floor), np.maximum(np.abs(z.imag), floor)
    if weighting == "unit":
        one = np.ones(z.shape)
        return one, one
    raise InputError(f"weighting '{weighting}' is not one of {WEIGHTINGS}")


def high_frequency_intercept(spectrum: Spectrum | tuple[np.ndarray, np.ndarray]) -> float:
    """High-frequency intercept of the spectrum with the real axis, R_inf [Ohm].

    Where Z'' changes sign at high frequency (inductive above, capacitive below), Z' is
    interpolated linearly at Z'' = 0 between the two points around the highest such
    crossing. Without a crossing (the spectrum stays capacitive up to f_max), the
    smallest Z' of the three highest-frequency points is returned: an upper bound, as an
    arc may continue above f_max.
    """
    spec = _as_spectrum(spectrum)
    z = spec.z  # frequency ascending
    zi = z.imag
    cross = np.flatnonzero((zi[1:] >= 0) & (zi[:-1] < 0))
    if len(cross):
        i = int(cross[-1])  # between point i (capacitive) and i + 1 (inductive)
        a, b = zi[i], zi[i + 1]
        t = 0.0 if b == a else -a / (b - a)
        return float(z.real[i] + t * (z.real[i + 1] - z.real[i]))
    return float(np.min(z.real[-3:]))


# --- parameter transforms ---------------------------------------------------------------
# kind 0: linear; 1: p = lo + exp(x); 2: p = hi - exp(x); 3: p = lo + (hi - lo) sigmoid(x)


def _kinds(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    k = np.zeros(lo.shape, dtype=int)
    flo, fhi = np.isfinite(lo), np.isfinite(hi)
    k[flo & ~fhi] = 1
    k[~flo & fhi] = 2
    k[flo & fhi] = 3
    return k


def _to_x(p: np.ndarray, kind: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    x = p.astype(float).copy()
    m = kind == 1
    x[m] = np.log(p[m] - lo[m])
    m = kind == 2
    x[m] = np.log(hi[m] - p[m])
    m = kind == 3
    t = (p[m] - lo[m]) / (hi[m] - lo[m])
    x[m] = np.log(t) - np.log1p(-t)
    return x


def _from_x(
    x: np.ndarray, kind: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Parameters and dp/dx."""
    p = x.copy()
    d = np.ones_like(x)
    m = kind == 1
    e = np.exp(np.minimum(x[m], 700.0))
    p[m], d[m] = lo[m] + e, e
    m = kind == 2
    e = np.exp(np.minimum(x[m], 700.0))
    p[m], d[m] = hi[m] - e, -e
    m = kind == 3
    sg = 0.5 * (1.0 + np.tanh(0.5 * x[m]))  # sigmoid without overflow
    p[m] = lo[m] + (hi[m] - lo[m]) * sg
    d[m] = (hi[m] - lo[m]) * sg * (1.0 - sg)
    return p, d


def _interior(p: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Move values on (or beyond) a bound slightly inside it."""
    out = p.astype(float).copy()
    both = np.isfinite(lo) & np.isfinite(hi)
    margin = 1e-6 * (hi - lo)
    out[both] = np.clip(out[both], lo[both] + margin[both], hi[both] - margin[both])
    lo_only = np.isfinite(lo) & ~np.isfinite(hi) & (out <= lo)
    out[lo_only] = lo[lo_only] + np.maximum(np.abs(out[lo_only] - lo[lo_only]), 1e-9)
    hi_only = ~np.isfinite(lo) & np.isfinite(hi) & (out >= hi)
    out[hi_only] = hi[hi_only] - np.maximum(np.abs(out[hi_only] - hi[hi_only]), 1e-9)
    return out


# --- the result ---------------------------------------------------------------------------


@dataclass
class FitResult:
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
        Whether the optimiser converged and every free error is finite.
    message : str
    n_restarts : int
        Perturbed restarts that were run (0 when the first fit was good).
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
        for i in free:
            h = 1e-6 * max(abs(p0[i]), 1e-300)
            q = p0.copy()
            q[i] += h
            other = c.time_constants(q).set_index("element").loc[base["element"]]
            jt.append((other["tau_s"].to_numpy() - base["tau_s"].to_numpy()) / h)
            jr.append((other["r_ohm"].to_numpy() - base["r_ohm"].to_numpy()) / h)
        jt_arr, jr_arr = np.array(jt).T, np.array(jr).T
        with np.errstate(invalid="ignore"):
            base["tau_err_s"] = np.sqrt(np.einsum("ij,jk,ik->i", jt_arr, cov, jt_arr))
            base["r_err_ohm"] = np.sqrt(np.einsum("ij,jk,ik->i", jr_arr, cov, jr_arr))
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
            "message": self.message,
        }

    def __repr__(self) -> str:
        lines = [
            f"FitResult('{self.circuit.text}', {len(self.spectrum)} points, "
            f"weighting={self.weighting}, chi2={self.chi2:.4g}, success={self.success})"
        ]
        for n, u in zip(self.circuit.param_names, self.circuit.param_units, strict=True):
            fx = " (fixed)" if n in self.fixed else ""
            lines.append(f"  {n:>10} = {self.params[n]:.6g} +/- {self.errors[n]:.2g} {u}{fx}")
        return "\n".join(lines)


# --- the fit ------------------------------------------------------------------------------


def _resolve_bounds(
    circuit: Circuit, bounds: Mapping[str, tuple[float, float]] | None
) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = circuit.bounds[0].copy(), circuit.bounds[1].copy()
    if bounds:
        if not isinstance(bounds, Mapping):
            raise InputError("bounds: expected a mapping {parameter name: (lower, upper)}")
        for name, pair in bounds.items():
            i = circuit.param_index(name)
            try:
                a, b = (float(v) for v in pair)
            except (TypeError, ValueError):
                raise InputError(
                    f"bounds['{name}']: expected (lower, upper) numbers, got {pair!r}"
                ) from None
            if not a < b:
                raise InputError(f"bounds['{name}']: lower {a} must be below upper {b}")
            lo[i], hi[i] = a, b
    return lo, hi


def _checked_fixed(circuit: Circuit, fixed: Mapping[str, float] | Iterable[str] | None):
    if fixed is None:
        return {}
    if isinstance(fixed, Mapping):
        out = {}
        for name, v in fixed.items():
            circuit.param_index(name)
            try:
                out[name] = float(v)
            except (TypeError, ValueError):
                raise InputError(f"fixed['{name}']: expected a number, got {v!r}") from None
            if not np.isfinite(out[name]):
                raise InputError(f"fixed['{name}']: value is not finite")
        return out
    names = [fixed] if isinstance(fixed, str) else list(fixed)
    for name in names:
        circuit.param_index(name)
    return {name: None for name in names}


class _Problem:
    """Residuals and Jacobian in the transformed free variables, with a one-entry cache."""

    def __init__(self, circuit, s, z, sig_r, sig_i, free, p_full, kind, lo, hi):
        self.circuit, self.s, self.z = circuit, s, z
        self.wr, self.wi = 1.0 / sig_r, 1.0 / sig_i
        self.free, self.p_full = free, p_full
        self.kind, self.lo, self.hi = kind[free], lo[free], hi[free]
        self._x = None
        self._r = None
        self._j = None

    def params(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pf, d = _from_x(x, self.kind, self.lo, self.hi)
        p = self.p_full.copy()
        p[self.free] = pf
        return p, d

    def _compute(self, x: np.ndarray) -> None:
        if self._x is not None and np.array_equal(x, self._x):
            return
        p, d = self.params(x)
        zm, jac = self.circuit._zj(self.s, p)
        dz = zm - self.z
        self._r = np.concatenate([dz.real * self.wr, dz.imag * self.wi])
        jf = jac[:, self.free] * d
        self._j = np.concatenate([jf.real * self.wr[:, None], jf.imag * self.wi[:, None]])
        self._x = x.copy()

    def fun(self, x: np.ndarray) -> np.ndarray:
        self._compute(x)
        return self._r

    def jac(self, x: np.ndarray) -> np.ndarray:
        self._compute(x)
        return self._j


def _solve(problem: _Problem, x0: np.ndarray, max_nfev: int | None):
    with np.errstate(all="ignore"):
        try:
            res = least_squares(
                problem.fun,
                x0,
                jac=problem.jac,
                method="lm",
                x_scale="jac",
                max_nfev=max_nfev,
                xtol=1e-9,
                ftol=1e-9,
                gtol=1e-9,
            )
        except ValueError as exc:  # non-finite residuals at a start point
            return None, str(exc)
    if not np.all(np.isfinite(res.fun)):
        return None, "non-finite model impedance"
    return res, res.message


def fit_circuit(
    spectrum: Spectrum | tuple[np.ndarray, np.ndarray],
    circuit: Circuit | str,
    initial: ParamsLike | None = None,
    fixed: Mapping[str, float] | Iterable[str] | None = None,
    weighting: str = "modulus",
    bounds: Mapping[str, tuple[float, float]] | None = None,
    *,
    restarts: int = 10,
    seed: int = 0,
    max_nfev: int | None = None,
    peaks: Sequence[tuple[float, float]] | None = None,
) -> FitResult:
    """Fit an equivalent circuit to an impedance spectrum.

    Parameters
    ----------
    spectrum
        The data: a :class:`~ohmslice.schema.Spectrum`, or ``(freq_Hz, Z)`` arrays.
    circuit
        A :class:`~ohmslice.impedance.circuits.Circuit` or its string
        (``"R0-p(R1,CPE1)-p(R2,CPE2)-Wo1"``).
    initial
        Starting values, as a list in circuit order or a dict with every parameter name.
        ``None``: estimated from the spectrum by :func:`initial_guess` (high-frequency
        intercept, arc sizes and peak frequencies of -Z'', or ``peaks``).
    fixed
        ``{name: value}`` to hold parameters at given values, or a list of names to hold
        at their initial values.
    weighting
        ``"modulus"`` (default), ``"proportional"`` or ``"unit"`` (see module doc).
    bounds
        ``{name: (lower, upper)}`` overriding the element defaults (R, C, Q, tau > 0;
        CPE exponents in (0, 1)).
    restarts
        Maximum number of restarts when the fit is poor (relative rms misfit above 2 %,
        or not converged): first from the other starts :func:`initial_guesses` reads off
        the spectrum (other assignments of processes to arcs), then from random
        perturbations; the best fit is kept. Random restarts stop early after three in a
        row that improve chi2 by less than 0.1 %.
    seed
        Seed of the perturbations, for reproducible restarts.
    max_nfev
        Cap on function evaluations per start (default: SciPy's).
    peaks
        ``(tau_s, r_ohm)`` of the spectrum's processes (e.g. DRT peaks) for the
        automatic initial guess.

    Returns
    -------
    FitResult

    Raises
    ------
    InputError
        Non-finite data, fewer data values (2N) than free parameters, an initial guess
        of the wrong length or with unknown names, unknown fixed/bound names, an unknown
        weighting, initial values outside the bounds that cannot be moved inside.
    """
    spec = _as_spectrum(spectrum)
    circ = circuit if isinstance(circuit, Circuit) else Circuit(circuit)
    if weighting not in WEIGHTINGS:
        raise InputError(f"weighting '{weighting}' is not one of {WEIGHTINGS}")
    freq, z = spec.freq, spec.z
    if not (np.all(np.isfinite(z)) and np.all(np.isfinite(freq))):
        raise InputError("spectrum holds non-finite values", path=spec.source)
    fix = _checked_fixed(circ, fixed)
    n_free = circ.n_params - len(fix)
    if n_free < 1:
        raise InputError("every parameter is fixed: nothing to fit")
    if 2 * len(freq) <= n_free:
        raise AnalysisInputError(
            f"{len(freq)} frequencies give {2 * len(freq)} values, too few to fit "
            f"{n_free} free parameters of '{circ.text}' (need more than {n_free} values)",
            path=spec.source,
        )
    lo, hi = _resolve_bounds(circ, bounds)
    sig_r, sig_i = _sigma(z, weighting)
    if np.any(sig_r <= 0) or np.any(sig_i <= 0):
        raise InputError(
            f"weighting '{weighting}': a data point has zero impedance", path=spec.source
        )

    if initial is None:
        p0 = initial_guess(spec, circ, peaks=peaks)
    else:
        p0 = circ.as_array(initial, what="initial")
    for name, v in fix.items():
        if v is not None:
            p0[circ.param_index(name)] = v
    is_free = np.ones(circ.n_params, dtype=bool)
    for name in fix:
        is_free[circ.param_index(name)] = False
    outside = is_free & ((p0 < lo) | (p0 > hi))
    if outside.any() and initial is not None:
        i = int(np.flatnonzero(outside)[0])
        raise InputError(
            f"initial value {p0[i]:g} of {circ.param_names[i]} is outside its bounds "
            f"[{lo[i]:g}, {hi[i]:g}]"
        )
    p0[is_free] = _interior(p0[is_free], lo[is_free], hi[is_free])
    free = np.flatnonzero(is_free)
    kind = _kinds(lo, hi)
    problem = _Problem(circ, 2j * np.pi * freq, z, sig_r, sig_i, free, p0, kind, lo, hi)
    x0 = _to_x(p0[free], kind[free], lo[free], hi[free])

    best, message = _solve(problem, x0, max_nfev)
    n_restarts, nfev = 0, (best.nfev if best is not None else 0)
    rng = np.random.default_rng(seed)
    n_obs = 2 * len(freq)

    def poor(res) -> bool:
        if res is None or res.status <= 0:
            return True
        zm = circ._z(problem.s, problem.params(res.x)[0])
        return float(np.sqrt(np.mean(np.abs(zm - z) ** 2 / np.abs(z) ** 2))) > POOR_FIT_RMS

    x_base = x0 if best is None else best.x
    cap = max_nfev or 20 * (len(free) + 1)
    queue: list[np.ndarray] | None = None  # starts from other readings of the spectrum
    stale = 0  # random restarts in a row that did not improve the best cost by 0.1 %
    while poor(best) and n_restarts < restarts and stale < 3:
        n_restarts += 1
        if queue is None:
            cands = initial_guesses(spec, circ, peaks=peaks)
            queue = []
            for cand in cands[1:] if initial is None else cands:
                pc = p0.copy()
                pc[free] = _interior(cand[free], lo[free], hi[free])
                queue.append(_to_x(pc[free], kind[free], lo[free], hi[free]))
        if queue:
            trial_x = queue.pop(0)
        elif n_restarts % 2:  # near the initial guess, or far around the best so far
            trial_x = x0 + rng.normal(0.0, 0.5, x0.shape)
            stale += 1
        else:
            trial_x = x_base + rng.normal(0.0, 1.0, x0.shape)
            stale += 1
        res, msg = _solve(problem, trial_x, cap)
        if res is not None:
            nfev += res.nfev
            if best is None or res.cost < best.cost * 0.999:
                stale = 0
            if best is None or res.cost < best.cost:
                best, message, x_base = res, msg, res.x
    if best is None:
        raise AnalysisInputError(
            f"the fit of '{circ.text}' could not start: {message}; give initial values",
            path=spec.source,
        )
    return _result(spec, circ, problem, best, message, fix, weighting, n_restarts, nfev, n_obs)


def _result(spec, circ, problem, best, message, fix, weighting, n_restarts, nfev, n_obs):
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
    scale = np.where(p[free] != 0, np.abs(p[free]), 1.0)
    js = jw * scale
    _, sv, vt = np.linalg.svd(js, full_matrices=False)
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
    if not np.all(np.isfinite(err_free)):
        message = f"{message}; some parameters are not determined by the data"
    return FitResult(
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


# --- series of spectra ------------------------------------------------------------------


class FitSeries(list):
    """A list of :class:`FitResult`, one per spectrum, with a table of them all."""

    def to_frame(self) -> pd.DataFrame:
        """One row per spectrum: every parameter, its error (``<name>_err``), chi2,
        chi2_reduced, aic, success."""
        rows = []
        for i, r in enumerate(self):
            row: dict[str, Any] = {"index": i}
            for n in r.circuit.param_names:
                row[n] = r.params[n]
                row[f"{n}_err"] = r.errors[n]
            row.update(chi2=r.chi2, chi2_reduced=r.chi2_reduced, aic=r.aic, success=r.success)
            rows.append(row)
        return pd.DataFrame(rows).set_index("index")


def fit_many(
    spectra: Iterable[Spectrum | tuple[np.ndarray, np.ndarray]],
    circuit: Circuit | str,
    initial: ParamsLike | None = None,
    *,
    progress: Callable[[int, FitResult], None] | None = None,
    **kwargs: Any,
) -> FitSeries:
    """Fit one circuit to a series of spectra (e.g. one per SOC), in order.

    Each fit starts from the previous fit's parameters (warm start); if that fit is
    poor, it is redone from the automatic initial guess and the better of the two kept.
    ``initial`` (optional) starts the first fit; other keyword arguments go to
    :func:`fit_circuit`. ``progress(i, result)`` is called after each fit.

    Returns
    -------
    FitSeries
        A list of :class:`FitResult`; ``.to_frame()`` tabulates parameters vs index.
    """
    circ = circuit if isinstance(circuit, Circuit) else Circuit(circuit)
    out = FitSeries()
    start = initial
    for i, spec in enumerate(spectra):
        try:
            res = fit_circuit(spec, circ, initial=start, **kwargs)
            if start is not None and (not res.success or _rms(res) > POOR_FIT_RMS):
                alt = fit_circuit(spec, circ, initial=None, **kwargs)
                if alt.chi2 < res.chi2:
                    res = alt
        except InputError as exc:
            raise type(exc)(f"spectrum {i}: {exc.message}", path=exc.path) from None
        out.append(res)
        if res.success:
            start = res.params
        if progress is not None:
            progress(i, res)
    return out


def _rms(res: FitResult) -> float:
    z, zm = res.spectrum.z, res.predict()
    return float(np.sqrt(np.mean(np.abs(zm - z) ** 2 / np.abs(z) ** 2)))
