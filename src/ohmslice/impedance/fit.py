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

* ``"modulus"`` (default): sigma = |Z_data| for both parts; for the per-electrode
  spectrum of a symmetric cell (:meth:`~ohmslice.schema.Spectrum.per_electrode`,
  (Z - R_sep)/2) sigma = |Z + R_sep/2|, half the measured cell's |Z|: the measurement
  error scales with what was measured, and the electrode's |Z|, near 0 at high
  frequency once R_sep is subtracted, would hand those points all the weight;
* ``"proportional"``: sigma' = |Z'_data|, sigma'' = |Z''_data| (each floored at 1e-3 |Z|
  so that a point where Z'' crosses zero does not take all the weight);
* ``"unit"``: sigma = 1 Ohm (absolute residuals).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from .._blas import one_blas_thread
from ..errors import AnalysisInputError, InputError
from ..schema import Spectrum
from ._fitcheck import KK_FACTOR, RMS_FLOOR, error_scale, judge
from ._fitresult import FitResult, FitSeries, build_result
from ._guess import initial_guess, initial_guesses, slow_diffusion_starts, split_starts
from ._input import MAX_POINTS, ProblemSizeError, as_spectrum, checked_spectrum
from .circuits import Circuit, ParamsLike
from .kk import reference_of_arrays

__all__ = [
    "FitResult",
    "FitSeries",
    "WEIGHTINGS",
    "fit_circuit",
    "fit_many",
    "high_frequency_intercept",
    "initial_guess",
    "initial_guesses",
]

WEIGHTINGS = ("modulus", "proportional", "unit")

#: relative rms misfit (modulus-weighted) above which a fit is retried from perturbed starts
POOR_FIT_RMS = 0.02
#: largest number of free parameters of a fit (the largest circuits in use have ~15)
MAX_FREE_PARAMS = 30
#: bound on points x free parameters^2. A fit that stays poor makes up to ``restarts``
#: further starts, each up to ~100 x p evaluations of a 2N x p Jacobian, so its worst case
#: grows as N p^2: 5000 points with 12 free parameters (the bound) take ~10 s on two
#: busy cores when every restart is used, a well-posed fit well under a second. Circuits
#: of up to 12 free parameters may have MAX_POINTS = 5000 points; 30 parameters, 800.
FIT_WORK = 5000 * 12**2


# --- data and weights -------------------------------------------------------------------


def _sigma(
    z: np.ndarray, weighting: str, modulus: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    if weighting == "modulus":
        m = np.abs(z) if modulus is None else modulus
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
    spec = as_spectrum(spectrum)
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


def _drt_peaks(spec: Spectrum) -> list[tuple[float, float]]:
    from .drt import drt

    table = drt(spec, n_boot=0).peaks()
    return [(float(t), float(r)) for t, r in zip(table["tau_s"], table["r_ohm"], strict=True)]


def _checked_for_fit(spectrum: Any, circ: Circuit, n_free: int) -> Spectrum:
    """The spectrum, refused (before any numerics) if it cannot carry a fit of ``n_free``
    parameters of ``circ``: see :func:`~ohmslice.impedance._input.checked_spectrum`; at
    least ``n_free + 1`` distinct frequencies, at most MAX_FREE_PARAMS free parameters
    and min(MAX_POINTS, FIT_WORK / n_free^2) points."""
    spec = as_spectrum(spectrum)
    if n_free < 1:
        raise InputError("every parameter is fixed: nothing to fit", path=spec.source)
    if n_free > MAX_FREE_PARAMS:
        raise ProblemSizeError(
            f"'{circ.text}' has {n_free} free parameters; a circuit fit is limited to "
            f"{MAX_FREE_PARAMS}: fix some parameters or simplify the circuit",
            path=spec.source,
        )
    max_points = min(MAX_POINTS, FIT_WORK // n_free**2)
    return checked_spectrum(
        spec,
        analysis="a circuit fit"
        if max_points == MAX_POINTS
        else f"a circuit fit of {n_free} free parameters",
        min_freqs=n_free + 1,
        max_points=max_points,
        purpose=f"to fit the {n_free} free parameters of '{circ.text}'",
    )


@one_blas_thread
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
    peaks: Sequence[tuple[float, float]] | str | None = None,
    diffusion: str | None = None,
    shape_margin: float | None = None,
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
        the spectrum (other assignments of processes to arcs), then from the best fit
        with its largest arc split in two (:func:`~ohmslice.impedance._guess.
        split_starts`), then from random perturbations; the best fit is kept. Random
        restarts stop early after three in a row that improve chi2 by less than 0.1 %.
        A fit below 2 % but with residuals above 3 times what a Kramers-Kronig-
        consistent model of the data leaves (two arcs merged into one, typically) is
        retried from the split starts only.
    seed
        Seed of the perturbations, for reproducible restarts.
    max_nfev
        Cap on function evaluations per start (default: SciPy's).
    peaks
        ``(tau_s, r_ohm)`` of the spectrum's processes for the automatic initial guess,
        or ``"drt"`` to take them from the peaks of :func:`ohmslice.impedance.drt.drt`
        (default: a quick RC-ladder estimate; either way the other readings of the
        spectrum remain as restarts).
    diffusion
        ``None`` (default): the circuit as given. ``"auto"``: the circuit's one diffusion
        element (``W``, ``Wo``, ``Ws``, ``Wsph``, ``Wa``) is replaced by each candidate
        shape -- reflective ``Wo``, transmissive ``Ws``, spherical ``Wsph``, anomalous
        ``Wa`` -- each fitted to the same data with the same weighting, and the one with
        the lowest Akaike criterion kept (:func:`ohmslice.impedance.shapes.select_shape`,
        the same choice :func:`~ohmslice.impedance.timeconst.time_constants` makes);
        ``"wo"``, ``"ws"``, ``"wsph"``, ``"wa"``: the diffusion element replaced by that
        shape's. Starting values (``initial``) are those of the circuit as given, the
        other candidates start from its fit.
    shape_margin
        With ``diffusion="auto"``: the AIC difference below which two shapes are not told
        apart (default :data:`~ohmslice.impedance.shapes.MARGIN`, 4).

    Returns
    -------
    FitResult
        Judged before it is returned (:mod:`ohmslice.impedance._fitcheck`): a fit that
        did not converge, has values on a bound or degenerate (an element whose
        impedance is negligible or overwhelming at every measured frequency, a time
        constant 1000 times outside the measured range), infinite errors, or that
        leaves residuals well above those of a Kramers-Kronig-consistent model of the
        same data (3x, or 2x when they are systematic; always above 5 % of |Z|) has
        ``success=False`` and says why in ``reasons``, naming the frequency band the
        misfit lies in and what to try; so has a fit whose covariance cannot be computed
        (a non-finite optimum, derivatives that overflow, a singular Jacobian) -- it is
        returned, not raised. The judgement adds ~0.3 ms to a fit of 100 points (one QR
        factorisation for the KK model, cached per spectrum). With ``diffusion="auto"``
        the chosen candidate's fit, its circuit carrying the chosen element (``Ws1`` in
        place of ``Wo1``), and in :attr:`FitResult.shape_choice` every candidate's AIC,
        the difference to the chosen one, the margin and the decision in words (printed
        with the result).

    Raises
    ------
    AnalysisInputError
        A spectrum the fit cannot use, refused before fitting (see
        :mod:`ohmslice.impedance._input`): fewer distinct frequencies than free
        parameters + 1, frequencies outside 1e-6..1e9 Hz, impedances of 0 Ohm, a single
        frequency; :class:`~ohmslice.impedance._input.ProblemSizeError` for more than
        30 free parameters or more points than the fit accepts: 5000 for circuits of up
        to 12 free parameters, 720 000 / p^2 for p above (800 for 30).
    InputError
        Non-finite data, an initial guess of the wrong length or with unknown names,
        unknown fixed/bound names, an unknown weighting, initial values outside the
        bounds that cannot be moved inside; an unknown ``diffusion``, or ``"auto"`` (or a
        shape) for a circuit without exactly one diffusion element; ``shape_margin`` <= 0
        or given without ``diffusion="auto"``.

    Notes
    -----
    Repeated frequencies are kept (not averaged): each repeat is one more point of the
    least-squares fit, but only distinct frequencies count towards the p + 1 needed.
    """
    spec = as_spectrum(spectrum)
    circ = circuit if isinstance(circuit, Circuit) else Circuit(circuit)
    if weighting not in WEIGHTINGS:
        raise InputError(f"weighting '{weighting}' is not one of {WEIGHTINGS}")
    element = None
    if diffusion is not None:
        from .shapes import resolve_diffusion

        mode, element, circ = resolve_diffusion(diffusion, circ)
        element = element if mode == "auto" else None
    if shape_margin is not None and element is None:
        raise InputError("shape_margin is only used with diffusion='auto'")
    fix = _checked_fixed(circ, fixed)
    spec = _checked_for_fit(spec, circ, circ.n_params - len(fix))
    freq, z = spec.freq, spec.z
    peaks = _drt_peaks(spec) if isinstance(peaks, str) and peaks == "drt" else peaks
    if isinstance(peaks, str):
        raise InputError(f"peaks='{peaks}': expected 'drt' or a list of (tau_s, r_ohm)")
    if element is not None:
        opts = {
            "initial": initial, "fixed": fixed, "weighting": weighting, "bounds": bounds,
            "restarts": restarts, "seed": seed, "max_nfev": max_nfev, "peaks": peaks,
        }  # fmt: skip
        return _fit_shapes(spec, circ, element, opts, shape_margin)
    lo, hi = _resolve_bounds(circ, bounds)
    err_scale = error_scale(spec.meta, z)  # |Z|, or the cell's |Z|/2 for one electrode
    sig_r, sig_i = _sigma(z, weighting, err_scale)  # > 0: checked_spectrum refuses Z = 0

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

    # the residual a Kramers-Kronig-consistent model reaches on these data: a fit that
    # leaves several times more is a local minimum or a wrong circuit; try other starts
    ref = reference_of_arrays(freq, z, err_scale)
    kk_level = max(ref.residual, RMS_FLOOR) if ref is not None else np.inf
    dof = max(n_obs - len(free), 1)

    def poor(res) -> int:
        """2: poor (not converged, a relative rms misfit above 2 %, or a model that is
        not finite at the optimum): every kind of restart; 1: above 3 times the KK level
        only (a local minimum with merged arcs, or a circuit that does not fit): the
        split starts only; 0: good. Floating-point warnings are off: a start that ran
        into overflow is poor, not an error."""
        if res is None or res.status <= 0:
            return 2
        with np.errstate(all="ignore"):
            zm = circ._z(problem.s, problem.params(res.x)[0])
            rel = float(np.sqrt(np.mean(np.abs(zm - z) ** 2 / np.abs(z) ** 2)))
            if not rel <= POOR_FIT_RMS:  # NaN (a non-finite model) is poor too
                return 2
            sq = np.abs(zm - z) ** 2 / err_scale**2
            return int(not float(np.sqrt(np.sum(sq) / dof)) <= KK_FACTOR * kk_level)

    x_base = x0 if best is None else best.x
    cap = max_nfev or 20 * (len(free) + 1)
    queue: list[np.ndarray] | None = None  # starts from other readings of the spectrum
    split = False  # whether the starts splitting the best fit's largest arc were queued
    stale = 0  # random restarts in a row that did not improve the best cost by 0.1 %
    while n_restarts < restarts and stale < 3:
        how = poor(best)
        if not how:
            break
        if queue is None:
            queue = []
            if how == 2:
                cands = initial_guesses(spec, circ, peaks=peaks)
                for cand in cands[1:] if initial is None else cands:
                    pc = p0.copy()
                    pc[free] = _interior(cand[free], lo[free], hi[free])
                    queue.append(_to_x(pc[free], kind[free], lo[free], hi[free]))
        if not queue and not split and best is not None:
            # the spectrum's readings are used up (or not needed): split the poor fit's
            # largest arc
            split = True
            for cand in split_starts(circ, problem.params(best.x)[0], 10 * np.abs(z).max()):
                pc = p0.copy()
                pc[free] = _interior(cand[free], lo[free], hi[free])
                queue.append(_to_x(pc[free], kind[free], lo[free], hi[free]))
        if queue:
            trial_x = queue.pop(0)
        elif how == 1:
            break  # no random restarts for a fit that is only above the KK level
        elif (n_restarts + 1) % 2:  # near the initial guess, or far around the best so far
            trial_x = x0 + rng.normal(0.0, 0.5, x0.shape)
            stale += 1
        else:
            trial_x = x_base + rng.normal(0.0, 1.0, x0.shape)
            stale += 1
        n_restarts += 1
        res, msg = _solve(problem, trial_x, cap)
        if res is not None:
            nfev += res.nfev
            if best is None or res.cost < best.cost * 0.999:
                stale = 0
            if best is None or res.cost < best.cost:
                best, message, x_base = res, msg, res.x
    if best is not None and restarts > 0:
        # a diffusion the data do not close has a second basin at long tau (a short one
        # beside a series capacitor can look determined): try it from the best fit
        for cand in slow_diffusion_starts(circ, problem.params(best.x)[0]):
            pc = p0.copy()
            pc[free] = _interior(cand[free], lo[free], hi[free])
            res, msg = _solve(problem, _to_x(pc[free], kind[free], lo[free], hi[free]), cap)
            n_restarts += 1
            if res is not None:
                nfev += res.nfev
                if res.cost < best.cost * (1 - 1e-9):
                    best, message = res, msg
    if best is not None and best.status <= 0 and max_nfev is None:
        # the best start was a restart cut at `cap` evaluations: finish it
        res, msg = _solve(problem, best.x, None)
        if res is not None:
            nfev += res.nfev
            if res.cost <= best.cost:
                best, message = res, msg
    if best is None:
        raise AnalysisInputError(
            f"the fit of '{circ.text}' could not start: {message}; give initial values",
            path=spec.source,
        )
    res = build_result(spec, circ, problem, best, message, fix, weighting, n_restarts, nfev, n_obs)
    user_bounds = (lo, hi) if bounds else None
    judge(res, converged=best.status > 0, bounds=user_bounds, freq=freq, z=z)
    return res


def _fit_shapes(
    spec: Spectrum, circ: Circuit, element: str, opts: dict[str, Any], margin: float | None
) -> FitResult:
    """``fit_circuit(..., diffusion="auto")``: the chosen candidate's fit, with the choice
    attached (:attr:`FitResult.shape_choice`). Where no candidate's fit is accepted, the
    others are refitted from the spectrum itself (``rescue``) unless the data scatter
    around a Kramers-Kronig-consistent model by more than MAX_RMS (5 %): no circuit
    describes those."""
    from ._fitcheck import MAX_RMS
    from .shapes import MARGIN, select_shape

    if margin is not None and not (np.isfinite(margin) and margin > 0):
        raise InputError(f"shape_margin={margin}; expected an AIC difference > 0")
    ref = reference_of_arrays(spec.freq, spec.z, error_scale(spec.meta, spec.z))
    describable = ref is None or ref.residual <= MAX_RMS
    fopts = {k: v for k, v in opts.items() if v is not None}
    choice = select_shape(
        spec, circ, element, fopts, margin=MARGIN if margin is None else float(margin),
        rescue=describable,
    )  # fmt: skip
    res = choice.fit
    res.shape_choice = choice
    return res


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
    :func:`fit_circuit` (with ``diffusion="auto"`` each spectrum gets its shape chosen,
    starting from the circuit of the previous usable fit). ``progress(i, result)`` is called after each fit. Every spectrum
    is checked (as by :func:`fit_circuit`) before the first fit starts; an error names
    the spectrum by its index (``spectrum 3: ...``).

    Returns
    -------
    FitSeries
        A list of :class:`FitResult`, each judged (``success``, ``reasons``); a fit
        judged unusable is not used as the next one's start. ``.to_frame()`` tabulates
        parameters vs index with ``success`` and ``reasons``.
    """
    circ = circuit if isinstance(circuit, Circuit) else Circuit(circuit)
    if kwargs.get("weighting", "modulus") not in WEIGHTINGS:
        raise InputError(f"weighting '{kwargs['weighting']}' is not one of {WEIGHTINGS}")
    n_free = circ.n_params - len(_checked_fixed(circ, kwargs.get("fixed")))
    # every spectrum is checked before the first fit, so that a bad one late in the
    # series is reported at once, not after minutes of fitting the others
    spectra = list(spectra)
    for i, spec in enumerate(spectra):
        try:
            spectra[i] = _checked_for_fit(spec, circ, n_free)
        except InputError as exc:
            raise type(exc)(f"spectrum {i}: {exc.message}", path=exc.path) from None
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
            # (diffusion="auto": the next spectrum starts from the shape chosen here)
            circ, start = res.circuit, res.params
        if progress is not None:
            progress(i, res)
    return out


def _rms(res: FitResult) -> float:
    z, zm = res.spectrum.z, res.predict()
    return float(np.sqrt(np.mean(np.abs(zm - z) ** 2 / np.abs(z) ** 2)))
