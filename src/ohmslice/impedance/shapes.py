"""The shape of the diffusion process, chosen by the evidence of the spectrum.

The low-frequency end of a cathode spectrum is a diffusion process, but which one decides
its time constant: fitted with the wrong element, a transmissive diffusion comes out
with a time constant ~3x off, and the decomposition built on it with it. The candidates
(unit resistance, x = sqrt(s tau); impedance.py names where impedance.py has them):

=========  =========  =============================================  ======================
shape      element    Z / R                                          low-frequency end
=========  =========  =============================================  ======================
``wo``     ``Wo``     coth(x) / x        (finite space, reflective)  capacitor tau/R, + R/3
``ws``     ``Ws``     tanh(x) / x        (finite length, transmissive) resistor R
``wsc``    ``Wsc``    tanh(x) / x + 1/(s C R)   (``Ws`` and the        capacitor C, + R
                      insertion capacitance C in series)
``wsph``   ``Wsph``   tanh(x) / (x - tanh(x))   (sphere, reflective) capacitor tau/(3R), + R/5
``wa``     ``Wa``     coth(y) / y, y = (s tau)^(n/2)  (anomalous)    CPE R/(s tau)^n, + R/3
=========  =========  =============================================  ======================

``wa`` is the CPE-type anomalous diffusion of Bisquert and Compte (2001): a ``Wo`` whose
high-frequency line has the slope n/2 instead of 1/2 (45 n degrees) and whose
low-frequency branch is a CPE instead of a capacitor; n = 1 is ``Wo``. ``wsc`` is the
transmissive diffusion of an insertion electrode seen with its chemical capacitance
Q / (dOCV/dx) in series (the default circuit has no capacitor of its own); C -> infinity
is ``Ws``. ``wa`` and ``wsc`` are *nested*: each is kept over the shape it reduces to
(:data:`NESTED`) only when its AIC is lower by the margin.

:func:`choose_shape` fits the same circuit with each candidate in place of its diffusion
element, on the same data with the same weighting, and compares them by Akaike's
information criterion (:func:`select_shape` runs it as both
:func:`~ohmslice.impedance.timeconst.time_constants` and
``fit_circuit(..., diffusion="auto")`` do: the first candidate fitted from the spectrum,
the others from it),

    AIC = m ln(chi2 / m) + 2 k,    m = 2N (real and imaginary parts), k free parameters,

the fit's chi2 being the weighted sum of squares (Gaussian errors of one common
variance in the weighted residuals, as the modulus weighting assumes). AIC rather than
BIC because the question is which shape describes (and predicts) the response best, not
which is "true"; rather than AICc because with m >= 40 values and k <= 12 the small-sample
correction changes the differences between candidates by well under one unit. The
differences Delta = AIC - AIC_min and the Akaike weights exp(-Delta/2) (normalised)
are reported for every candidate. chi2 / m is floored at 1e-12 (an rms misfit of 1e-6
of |Z|, the optimiser's precision): noise-free fits are equally exact.

Decision (``margin``, default :data:`MARGIN` = 4):

* the candidate with the lowest AIC among the fits that succeeded is chosen;
* ``wa`` is nested in ``wo`` (n = 1), ``wsc`` in ``ws`` (C -> infinity): each is chosen
  over the simpler shape only when its AIC is lower by at least ``margin`` -- otherwise
  its extra parameter is not supported by the data and the simpler is kept;
* when another candidate (not the nested ``wa`` of a chosen ``wo``; but one whose fit
  was judged unusable counts -- a parameter run off beyond the band while the data are
  described as well is evidence of the data, not against the shape) lies within
  ``margin`` of the chosen one, the data do not decide the shape: the choice is reported
  as *not determined* ("shape not determined by the data: ws and wo within 1.3") and the
  alternatives' fits are kept (:attr:`ShapeChoice.fits`) for intervals that cover the
  choice of shape. Delta < 4 is where Burnham and Anderson's rules of thumb stop calling
  the weaker model "considerably less supported".

The fits (same data, weighting, bounds and fixed values for every candidate):

1. the *first* candidate is fitted from the spectrum itself (DRT peaks, restarts) by the
   caller -- :func:`~ohmslice.impedance.timeconst.time_constants` takes the shape the
   low-frequency end suggests (``ws`` where -Z'' has turned down towards f_min, else the
   circuit's own element);
2. every other candidate starts from it (``wa`` from ``wo``, which it generalises): the
   shared parameters copied, its diffusion element given the same Warburg coefficient
   (the high-frequency line R/tau^(n/2)), the same slowest relaxation mode
   (:func:`slowest_mode`) and, for ``wa``, the exponent of the data's low-frequency end
   (:func:`low_frequency_exponent`); at most :data:`NFEV_PER_PARAM` evaluations per
   parameter, no restarts -- the right shape converges from there in a few, a wrong one
   is not worth more (if the first fit's diffusion element vanished, the next candidate
   is fitted from the spectrum instead);
3. if the best candidate's fit is not accepted (``FitResult.success``), it is refitted
   with an ordinary fit's restarts; while none is accepted (and ``rescue``), the
   candidates are fitted from the spectrum itself in turn until one is;
   an accepted best whose residual is still above :data:`KK_RETRY` times the lin-KK
   model's is fitted once more from its own reading of the spectrum (a start from DRT
   peaks or another shape's fit can leave the diffusion element on a faster arc);
4. the candidates within 10 of the best's AIC (and ``wo``/``wa``, nested), and those
   started from a fit that was not accepted, that did not start from the best are
   refitted from it, so that no shape loses for a poor start; a ``Wa`` left at n = 1
   (it is then ``Wo``) gets its own start from the spectrum.

Shapes whose AIC lies within the margin of the best are not told apart by the data: the
one with fewest parameters is kept, then the circuit's own element, and the others are
listed as alternatives.

The step responses the decomposition needs for each shape are named by
:func:`step_kind` ('wo', 'ws', 'wsph' as in :mod:`ohmslice.method.boundaries`; 'wa'
for the anomalous element: the unit step of 3 (coth(y)/y - 1/y^2), y = (s tau)^(n/2),
its CPE branch R/(s tau)^n set apart as the capacitor of ``wo`` is, DC resistance R/3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import AnalysisInputError, InputError

if TYPE_CHECKING:
    from ..schema import Spectrum
    from .circuits import Circuit
    from .fit import FitResult

__all__ = [
    "CANDIDATES",
    "DIFFUSION_KINDS",
    "MARGIN",
    "SHAPE_ELEMENTS",
    "ShapeChoice",
    "aic",
    "choose_shape",
    "diffusion_elements",
    "first_candidate",
    "resolve_diffusion",
    "robust_fit",
    "select_shape",
    "turned_down",
    "low_frequency_exponent",
    "quiet_fit",
    "slowest_mode",
    "start_from",
    "step_kind",
    "with_element",
]

#: shape name -> element type
SHAPE_ELEMENTS = {"wo": "Wo", "ws": "Ws", "wsc": "Wsc", "wsph": "Wsph", "wa": "Wa"}
#: the candidates tried by default, in this order
CANDIDATES = ("wo", "ws", "wsc", "wsph", "wa")
#: a candidate that generalises another (and reduces to it): ``wa`` is ``wo`` at n = 1,
#: ``wsc`` is ``ws`` with the insertion capacitance in series (``ws`` as C -> infinity)
NESTED = {"wa": "wo", "wsc": "ws"}
#: element types that are a diffusion process (W: semi-infinite, no time constant)
DIFFUSION_KINDS = frozenset({"W", "Wo", "Ws", "Wsc", "Wsph", "Wa"})
#: AIC difference below which two shapes are not told apart by the data
MARGIN = 4.0
#: chi2 / m below which fits count as exact (rms misfit 1e-6 of |Z|)
CHI2_FLOOR = 1e-12
#: evaluations per parameter allowed to a candidate started from another's fit: the
#: right shape converges in ~1-5 per parameter from there; a wrong one can crawl for
#: thousands along a valley that does not lower its criterion to the others'
NFEV_PER_PARAM = 4
#: restarts and evaluations per parameter of the first candidate fitted (an ordinary fit:
#: 10 restarts, unlimited evaluations for the first start)
FIRST_RESTARTS = 2
FIRST_NFEV_PER_PARAM = 30
#: residual rms / lin-KK residual above which the chosen shape's accepted fit is tried
#: once more from its own start (a correct circuit on noisy data gives ~1.0-1.3)
KK_RETRY = 1.5
#: x1^2 of the sphere's slowest mode, x1 = 4.4934 the first root of tan x = x
_SPHERE_MODE = 20.1907

# element type -> step-response kind of the decomposition (method/boundaries.py SHAPES)
_STEP = {
    "C": "zarc",
    "CPE": "zarc",
    "Zarc": "zarc",
    "RQ": "zarc",
    "K": "zarc",
    "Wo": "wo",
    "Ws": "ws",
    "Wsc": "ws",
    "Wsph": "wsph",
    "Wa": "wa",
    "G": "gerischer",
    "Gs": "gerischer",
    "TLM": "tlm",
    "TLMQ": "tlm",
    "W": "w",
}


def step_kind(kind: str) -> str:
    """Step-response kind of a process of element type ``kind`` ('zarc' for R||C, R||CPE,
    Zarc, RQ, K and any other; 'wo', 'ws', 'wsph', 'wa' for the diffusion elements;
    'gerischer' for G, Gs; 'tlm' for TLM, TLMQ)."""
    return _STEP.get(kind, "zarc")


def slowest_mode(kind: str, tau: Any, n: Any = 1.0) -> np.ndarray:
    """Time constant [s] of a process's slowest relaxation mode: where its arc or its
    diffusion knee lies on the time axis, and where the DRT shows its longest peak.

    tau for R||C, R||CPE, Zarc (its own tau parameter), RQ, K, G, Gs, TLM and TLMQ;
    4 tau / pi^2 for ``Ws`` and ``Wsc`` (its DRT peaks 2R/((k-1/2)^2 pi^2) at tau/((k-1/2)^2 pi^2));
    tau / pi^2 for ``Wo`` (peaks 2R/(k^2 pi^2) at tau/(k^2 pi^2), beside a capacitor
    tau/R); tau / 20.19 for ``Wsph`` (x1^2 = 20.19, x1 the first root of tan x = x);
    tau / pi^(2/n) for ``Wa`` (where |y| = pi).
    """
    tau = np.asarray(tau, dtype=float)
    n = np.asarray(n, dtype=float)
    if kind in ("Ws", "Wsc"):
        return tau * 4.0 / np.pi**2
    if kind == "Wo":
        return tau / np.pi**2
    if kind == "Wsph":
        return tau / _SPHERE_MODE
    if kind == "Wa":
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            return tau / np.pi ** (2.0 / np.where(n > 0, n, np.nan))
    return tau * 1.0


def diffusion_elements(circuit: Circuit) -> list[str]:
    """Names of the circuit's diffusion elements (types in :data:`DIFFUSION_KINDS`)."""
    return [name for name, kind in circuit.elements if kind in DIFFUSION_KINDS]


def with_element(circuit: Circuit, name: str, kind: str) -> tuple[Circuit, str]:
    """The circuit with element ``name`` replaced by one of type ``kind``, and its name.

    The new element keeps the old one's index (``Wo1`` -> ``Ws1``); where that name is
    taken, the first free index is used.
    """
    from .circuits import Circuit as _Circuit

    circuit.element_params(name)  # raises for an unknown element
    suffix = re.sub(r"^[A-Za-z]+", "", name)
    taken = {n for n, _ in circuit.elements if n != name}
    new = f"{kind}{suffix}"
    k = 1
    while new in taken:
        new, k = f"{kind}{k}", k + 1
    text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", new, circuit.text)
    return _Circuit(text), new


def low_frequency_exponent(spectrum: Spectrum) -> float:
    """-d ln(-Z'') / d ln f over the five lowest frequencies: 1 for a capacitive end, n
    for a CPE-type (anomalous) end, < 0 for a resistive one; NaN where -Z'' <= 0."""
    freq = spectrum.freq
    k = np.argsort(freq)[:5]
    mz = -spectrum.z.imag[k]
    if k.size < 3 or np.any(mz <= 0):
        return np.nan
    x, y = np.log(freq[k]), np.log(mz)
    x = x - x.mean()
    den = float(np.dot(x, x))
    return float(-np.dot(x, y - y.mean()) / den) if den > 0 else np.nan


def start_from(
    ref: FitResult, old: str, circ: Circuit, new: str, n_lf: float = np.nan
) -> dict[str, float]:
    """Starting values of ``circ`` from the fit ``ref``: shared parameters copied, the new
    diffusion element given the old one's Warburg coefficient and slowest mode (and, for
    ``Wa``, the exponent of the data's low-frequency end ``n_lf`` where it is one)."""
    p = {name: ref.params.get(name, np.nan) for name in circ.param_names}
    old_kind = next(k for n, k in ref.circuit.elements if n == old)
    new_kind = next(k for n, k in circ.elements if n == new)
    q = ref.values[ref.circuit.element_params(old)]
    typical = circ.typical[circ.element_params(new)]
    if old_kind == "W":  # semi-infinite: Aw = R / sqrt(2 tau) at the lowest frequency
        f_min = float(ref.spectrum.freq.min())
        tau_old, r_old, n_old = 1.0 / (2 * np.pi * f_min), 0.0, 1.0
        r_old = q[0] * np.sqrt(2.0 * tau_old)
    else:
        r_old, tau_old = float(q[0]), float(q[1])
        n_old = float(q[2]) if old_kind == "Wa" else 1.0
    n_new = 1.0
    if new_kind == "Wa":
        n_new = n_old if old_kind == "Wa" else 0.95
        if old_kind != "Wa" and np.isfinite(n_lf) and 0.3 < n_lf < 0.95:
            n_new = float(n_lf)
    mode = float(slowest_mode(old_kind, tau_old, n_old))
    tau_new = mode / float(slowest_mode(new_kind, 1.0, n_new))
    # the same high-frequency line: R / tau^(n/2) kept
    r_new = r_old * tau_new ** (n_new / 2) / tau_old ** (n_old / 2)
    third = n_new
    if new_kind == "Wsc":  # the capacitor: the old one's, or what -Z'' at f_min allows
        if old_kind == "Wsc":
            third = float(q[2])
        else:
            f_lo = int(np.argmin(ref.spectrum.freq))
            w_lo = 2 * np.pi * float(ref.spectrum.freq[f_lo])
            third = 1.0 / (w_lo * max(-float(ref.spectrum.z.imag[f_lo]), 1e-9))
    vals = [r_new, tau_new, third][: len(typical)]
    if not np.all(np.isfinite(vals)) or min(vals[:2]) <= 0:
        vals = list(typical)
    sl = circ.element_params(new)
    for name, v in zip(circ.param_names[sl], vals, strict=True):
        p[name] = float(v)
    for i, name in enumerate(circ.param_names):  # anything not in ref: typical
        if not np.isfinite(p[name]):
            p[name] = float(circ.typical[i])
    return p


def _vanishes(fit: FitResult, element: str) -> bool:
    """Whether the fit's diffusion element has vanished (below 1e-3 of |Z| at f_min)."""
    from .circuits import Circuit as _Circuit

    kind = dict(fit.circuit.elements)[element]
    q = fit.values[fit.circuit.element_params(element)]
    f0 = float(fit.spectrum.freq.min())
    with np.errstate(all="ignore"):
        z_el = _Circuit(f"{kind}1").z(np.array([f0]), q)[0]
        z = np.abs(fit.spectrum.z[np.argmin(fit.spectrum.freq)])
    return not bool(np.isfinite(z_el) and abs(z_el) >= 1e-3 * z)


def _above_kk(fit: FitResult) -> bool:
    """Whether the fit's residual is above :data:`KK_RETRY` times the lin-KK model's of the
    same data (and above 0.2 % of |Z|): accepted, yet short of what a causal model reaches.
    Started from the DRT's peaks or another candidate's fit, the diffusion element can take
    a faster arc's place and each arc the next one's; the fit's own reading of the
    spectrum (arc sizes and apexes, no peak list) then starts near the data's optimum."""
    kk = max(float(fit.kk_residual), 2e-3)
    return bool(np.isfinite(fit.residual_rms) and fit.residual_rms > KK_RETRY * kk)


def _wa_at_wo(fit: FitResult) -> bool:
    """Whether the fit is a ``Wa`` whose exponent ended at its bound 1 (it is then ``Wo``).
    Started from another shape's fit whose knee lies far from the data's (a ``Wo`` knee
    below the band, a ``Wsc`` describing a CPE-like tail), ``Wa`` settles there although
    the data call for an exponent well below 1; its own start from the spectrum finds it."""
    name = next((n for n, k in fit.circuit.elements if k == "Wa"), None)
    return name is not None and float(fit.params[f"{name}_2"]) >= 0.99


def aic(chi2: float, n_obs: int, k: int) -> float:
    """Akaike's criterion m ln(chi2/m) + 2k for a weighted least-squares fit of m values.

    chi2 is floored at m 1e-12 (an rms misfit of 1e-6 |Z|, the optimiser's precision):
    below it two fits are equally exact, and only their number of parameters counts.
    """
    if not np.isfinite(chi2):
        return np.inf
    return float(n_obs * np.log(max(chi2 / n_obs, CHI2_FLOOR)) + 2 * k)


@dataclass
class ShapeChoice:
    """The diffusion shape chosen among candidates, with the evidence.

    Attributes
    ----------
    shape : str
        The chosen shape ('wo', 'ws', 'wsph', 'wa').
    determined : bool
        False when another candidate lies within ``margin`` of the chosen one.
    message : str
        One sentence: what was chosen and by how much, or that the data do not decide.
    table : DataFrame
        One row per candidate: ``shape``, ``element``, ``circuit``, ``n_free``,
        ``chi2``, ``aic``, ``delta_aic`` (to the lowest), ``weight`` (Akaike weight
        among the successful fits), ``success``, ``chosen``, ``alternative`` (within the
        margin: kept as an alternative), ``note``.
    fits : dict
        shape -> :class:`~ohmslice.impedance.fit.FitResult` of every candidate fitted.
    element : dict
        shape -> the diffusion element's name in that candidate's circuit.
    margin : float
        The AIC difference below which two shapes are not told apart.
    lead : float
        By how much the chosen shape's AIC is lower than the next candidate's (the
        nested ``wa`` of a chosen ``wo`` left aside); negative when the data do not
        decide and a simpler shape was kept, NaN without another candidate fitted.
    """

    shape: str
    determined: bool
    message: str
    table: pd.DataFrame
    fits: dict[str, FitResult] = field(default_factory=dict)
    element: dict[str, str] = field(default_factory=dict)
    margin: float = MARGIN
    lead: float = float("nan")

    def summary(self) -> list[str]:
        """Lines for a printed summary: the decision, then one line per candidate with
        its AIC, its difference to the chosen one's and the Akaike weight."""
        lines = [self.message]
        aic_chosen = float(self.table.loc[self.table["chosen"], "aic"].iloc[0])
        for row in self.table.itertuples():
            mark = "chosen" if row.chosen else ("alternative" if row.alternative else "")
            if not np.isfinite(row.aic):
                lines.append(f"{row.shape:>5}: {row.note or 'not fitted'}")
                continue
            fail = "" if row.success else ", fit not usable"
            lines.append(
                f"{row.shape:>5}: AIC {row.aic:.6g}, {row.aic - aic_chosen:+.3g} to the chosen, "
                f"weight {row.weight:.2g}{fail}" + (f" ({mark})" if mark else "")
            )
        return lines

    @property
    def fit(self) -> FitResult:
        """The chosen candidate's fit."""
        return self.fits[self.shape]

    @property
    def alternatives(self) -> list[str]:
        """Shapes the data do not tell apart from the chosen one (within the margin)."""
        return [str(s) for s in self.table.loc[self.table["alternative"], "shape"]]


def quiet_fit(*args: Any, **kwargs: Any) -> FitResult:
    """:func:`~ohmslice.impedance.fit.fit_circuit` with NumPy's floating-point warnings
    off: candidates and profiles are fitted from starts where a wrong shape may run
    into overflow on its way; the result is judged on its own."""
    from .fit import fit_circuit

    with np.errstate(all="ignore"):
        return fit_circuit(*args, **kwargs)


def _ok(fit: FitResult) -> bool:
    return bool(getattr(fit, "success", True)) and bool(np.isfinite(fit.chi2))


def choose_shape(
    spectrum: Spectrum,
    circuit: Circuit,
    element: str,
    *,
    shapes: tuple[str, ...] = CANDIDATES,
    reference: FitResult | None = None,
    fit_options: dict[str, Any] | None = None,
    margin: float = MARGIN,
    restarts: int = 0,
    rescue: bool = True,
    prefer: str | None = None,
) -> ShapeChoice:
    """Fit ``circuit`` with each candidate shape in place of ``element``; choose by AIC.

    Parameters
    ----------
    spectrum
        The data (the same for every candidate).
    circuit, element
        The circuit and the name of its diffusion element to be replaced.
    shapes
        Candidate shapes (default :data:`CANDIDATES`).
    reference
        A fit of ``circuit`` itself; fitted here (with ``fit_options``) when not given.
        Every other candidate starts from it.
    fit_options
        Keyword arguments of :func:`~ohmslice.impedance.fit.fit_circuit` for every
        candidate (weighting, bounds, fixed...); ``initial`` and ``peaks`` only for the
        reference.
    margin
        AIC difference below which two shapes are not told apart (module docstring).
    restarts
        Restarts allowed to each candidate started from the reference (default none:
        they start next to their optimum; a wrong shape's poor fit is not worth more).
    rescue
        While no candidate's fit is accepted, fit the others from the spectrum itself
        (with restarts) until one is: worth it on data a circuit can describe, wasted on
        data none can (False).
    prefer
        The shape kept among shapes the data do not tell apart (AIC within ``margin``)
        with equally few parameters: the user's circuit's own (default: ``element``'s).

    Returns
    -------
    ShapeChoice

    Raises
    ------
    InputError
        An unknown shape, a margin <= 0, ``element`` not a diffusion element of
        ``circuit``; whatever :func:`fit_circuit` refuses for the reference.
    """
    unknown = [s for s in shapes if s not in SHAPE_ELEMENTS]
    if unknown or not shapes:
        raise InputError(
            f"diffusion shapes {list(shapes)}; expected some of {list(SHAPE_ELEMENTS)}"
        )
    if not (np.isfinite(margin) and margin > 0):
        raise InputError(f"margin={margin}; expected an AIC difference > 0")
    kind = dict(circuit.elements).get(element)
    if kind not in DIFFUSION_KINDS:
        raise InputError(f"'{element}' is not a diffusion element of '{circuit.text}'")
    fopts = dict(fit_options or {})
    if reference is None:
        reference = quiet_fit(spectrum, circuit, **fopts)
    cand_opts = {k: v for k, v in fopts.items() if k not in ("initial", "peaks")}
    cand_opts.setdefault("restarts", restarts)
    fixed = cand_opts.get("fixed")
    n_obs = 2 * len(spectrum)
    n_distinct = int(np.unique(spectrum.freq).size)

    fits: dict[str, FitResult] = {}
    names: dict[str, str] = {}
    notes: dict[str, str] = {}
    started: dict[str, str] = {}  # shape -> the shape whose fit it started from
    good_start: dict[str, bool] = {}  # shape -> whether that fit was accepted
    circuits: dict[str, Circuit] = {}
    n_lf = low_frequency_exponent(spectrum)
    own = next((s for s in shapes if SHAPE_ELEMENTS[s] == kind), None)
    if own is not None:
        fits[own], names[own], started[own] = reference, element, own
        circuits[own] = circuit
    fresh = own is None or _vanishes(reference, element)
    anchor = own  # the fit the others start from
    full_done: set[str] = set()  # candidates given an ordinary fit's restarts and budget

    def fit_from(shape: str, base: str | None, full: bool = False, peaks: bool = True) -> None:
        """Fit candidate ``shape`` from the spectrum itself (``base`` None: DRT peaks, or
        the fit's own reading of the spectrum without ``peaks``, and restarts), or from the
        fit of ``base`` (a few evaluations; ``full``: with the restarts and evaluations of
        an ordinary fit)."""
        circ = circuits[shape]
        opts = {k: v for k, v in (fopts if base is None or full else cand_opts).items()}
        opts.pop("initial", None)
        if base is not None or not peaks:
            opts.pop("peaks", None)
        if isinstance(fixed, dict):  # fixed values of the replaced element do not carry
            opts["fixed"] = {k: v for k, v in fixed.items() if k in circ.param_names}
        if isinstance(opts.get("bounds"), dict):  # nor do its bounds
            opts["bounds"] = {k: v for k, v in opts["bounds"].items() if k in circ.param_names}
        if base is not None and not full:
            opts.setdefault("max_nfev", NFEV_PER_PARAM * (circ.n_params + 1))
        else:
            full_done.add(shape)
        try:
            if base is None:
                res = quiet_fit(spectrum, circ, **opts)
            else:
                start = start_from(fits[base], names[base], circ, names[shape], n_lf)
                res = quiet_fit(spectrum, circ, initial=start, **opts)
        except InputError as exc:
            notes.setdefault(shape, f"not fitted: {exc.message}")
            return
        except np.linalg.LinAlgError:  # the fit ran into non-finite values (a fit bug)
            notes.setdefault(shape, "not fitted: the fit ran into non-finite values")
            return
        old = fits.get(shape)
        if old is None or (_ok(res), -res.chi2) > (_ok(old), -old.chi2):  # accepted first
            fits[shape], started[shape] = res, base or shape
            good_start[shape] = base is None or base == shape or _ok(fits[base])
            notes.pop(shape, None)

    for shape in shapes:
        if shape in fits:
            continue
        circuits[shape], names[shape] = with_element(circuit, element, SHAPE_ELEMENTS[shape])
        n_fixed = len(fixed) if fixed is not None and not isinstance(fixed, str) else 0
        if circuits[shape].n_params - n_fixed + 1 > n_distinct:
            notes[shape] = f"not fitted: {n_distinct} distinct frequencies are too few"
            continue
        if fresh:  # no usable start yet: the first other candidate from the spectrum
            fresh = False
            fit_from(shape, None)
            if shape in fits:
                anchor = shape
            continue
        # from the first fit (wa, which generalises wo, from wo's; wsc from ws's where that
        # fit describes the data, else from the first: a poor ws start leaves it far off)
        simple = NESTED.get(shape)
        base = simple if simple in fits and (shape == "wa" or _ok(fits[simple])) else anchor
        fit_from(shape, base if base in fits else min(fits, key=lambda s: fits[s].chi2))
    # the best candidate, if its fit is not accepted, gets an ordinary fit's restarts;
    # while none is accepted, the others are fitted from the spectrum itself, until one
    # is; then the candidates close to the best (and wo/wa, nested) get a start from it
    if fits:
        crit = {s: aic(f.chi2, n_obs, f.n_free) for s, f in fits.items()}
        good = [s for s in fits if _ok(fits[s])] or list(fits)
        best = min(good, key=crit.get)
        if not _ok(fits[best]):
            fit_from(best, best, full=True)
        elif _above_kk(fits[best]) and best not in full_done:
            fit_from(best, None, peaks=False)  # accepted, yet a start of its own may do better
        order = [s for s in [own, *shapes] if s is not None and s in circuits]
        for shape in dict.fromkeys(order) if rescue else ():
            if any(_ok(f) for f in fits.values()):
                break
            if shape not in full_done:  # not yet given an ordinary fit's budget
                fit_from(shape, None)
        crit = {s: aic(f.chi2, n_obs, f.n_free) for s, f in fits.items()}
        good = [s for s in fits if _ok(fits[s])] or list(fits)
        best = min(good, key=crit.get)
        nested = {**NESTED, **{v: k for k, v in NESTED.items()}}.get(best)
        for shape in list(fits):
            near = crit[shape] - crit[best] < 10 or shape == nested
            near = near or not good_start.get(shape, True)  # started from a failed fit
            if shape != best and started[shape] != best and near:
                fit_from(shape, best)
            if shape != best and _wa_at_wo(fits[shape]) and shape not in full_done:
                fit_from(shape, None)  # no fit's start helps: its own from the spectrum

    shape_list = list(shapes)
    got = [fits.get(s) for s in shape_list]
    chi2 = np.array([f.chi2 if f is not None else np.nan for f in got])
    n_free = np.array([f.n_free if f is not None else np.nan for f in got])
    aics = np.array(
        [aic(f.chi2, n_obs, f.n_free) if f is not None else np.nan for f in got], dtype=float
    )
    note = [notes.get(s, "") for s in shape_list]
    finite = np.isfinite(aics)
    if not finite.any():
        raise InputError("no candidate diffusion shape could be fitted to the spectrum")
    ok = np.array([f is not None and _ok(f) for f in got]) & finite
    pool = ok if ok.any() else finite
    w = np.where(finite, np.exp(-0.5 * (aics - np.min(aics[finite]))), 0.0)
    best = int(np.argmin(np.where(pool, aics, np.inf)))
    shape = shape_list[best]
    by = {s: i for i, s in enumerate(shape_list)}
    simple = NESTED.get(shape)
    if simple in by and pool[by[simple]]:
        gain = aics[by[simple]] - aics[best]
        if gain < margin:
            if shape == "wa":
                n_wa = fits["wa"].params.get(f"{names['wa']}_2", np.nan)
                what = f"the anomalous exponent n = {n_wa:.3g}"
            else:
                what = "the series capacitance"
            note[best] = (
                f"{what} is not supported over {simple} (AIC lower by {gain:.2g} < {margin:g})"
            )
            shape, best = simple, by[simple]
    # among shapes the data do not tell apart: the one with fewest parameters, then the
    # circuit's own element, then the lowest AIC
    is_own = np.array([s == (prefer or own) for s in shape_list])
    rank = [(n_free[i], not is_own[i], aics[i]) for i in range(len(shape_list))]
    tied = pool & (aics - aics[best] < margin)
    pick = min(np.flatnonzero(tied), key=lambda i: rank[i], default=best)
    if rank[pick] < rank[best]:
        why = "with fewer parameters" if n_free[pick] < n_free[best] else "the circuit's own"
        note[pick] = "; ".join(filter(None, [note[pick], (
            f"as good as {shape} (AIC higher by {aics[pick] - aics[best]:.2g} < {margin:g}): "
            f"{why}")]))  # fmt: skip
        shape, best = shape_list[pick], int(pick)
    delta = aics - aics[best]
    idx = np.arange(len(shape_list))
    # evidence is the data's: a candidate whose fit was judged unusable (a parameter run
    # off where the data end) but describes the data as well is an alternative too
    alt = finite & (delta < margin) & (idx != best)
    nested = np.zeros(len(shape_list), dtype=bool)
    for complex_, simple_ in NESTED.items():
        if shape == simple_ and complex_ in by:
            nested[by[complex_]] = True  # wa within the margin is wo itself, wsc is ws
    alt &= ~nested
    if not ok.any():
        note[best] = "; ".join(filter(None, [note[best], "no candidate fit succeeded"]))
    determined = not alt.any()
    others = np.where(finite & (idx != best) & ~nested, delta, np.inf)
    lead = float(np.min(others)) if np.isfinite(others).any() else float("nan")
    if determined:
        message = f"diffusion shape {shape}"
        if np.isfinite(others).any():
            runner = int(np.argmin(others))
            message += f": AIC lower by {others[runner]:.3g} than the next ({shape_list[runner]})"
    else:
        rivals = ", ".join(
            f"{shape_list[i]} (Delta AIC {delta[i]:.2g})" for i in np.flatnonzero(alt)
        )
        message = (
            f"shape not determined by the data: {shape} chosen, {rivals} within "
            f"{margin:g}; the alternatives are kept"
        )
    table = pd.DataFrame(
        {
            "shape": shape_list,
            "element": [names.get(s, "") for s in shape_list],
            "circuit": [f.circuit.text if f is not None else "" for f in got],
            "n_free": n_free,
            "chi2": chi2,
            "aic": aics,
            "delta_aic": aics - np.min(aics[finite]),
            "weight": w / w.sum(),
            "success": ok,
            "chosen": idx == best,
            "alternative": alt,
            "note": note,
        }
    )
    return ShapeChoice(
        shape=shape,
        determined=determined,
        message=message,
        table=table,
        fits=fits,
        element=names,
        margin=float(margin),
        lead=lead,
    )


# --- the choice as the analyses run it --------------------------------------------------------
def resolve_diffusion(mode: str, circuit: Circuit) -> tuple[str, str | None, Circuit]:
    """What ``diffusion=mode`` asks of ``circuit``: ``(mode, element, circuit)``.

    ``"auto"``: choose among the candidate shapes for the circuit's one diffusion element
    (returned as ``element``); ``"circuit"``: the circuit as given (``element`` None); a
    shape (``"wo"``, ``"ws"``, ``"wsph"``, ``"wa"``): the circuit with its diffusion element
    replaced by that shape's, returned as mode ``"circuit"`` with the new element's name.

    Raises
    ------
    InputError
        An unknown mode; "auto" or a shape for a circuit without exactly one diffusion
        element.
    """
    allowed = ("auto", "circuit", *SHAPE_ELEMENTS)
    if mode not in allowed:
        raise InputError(f"diffusion='{mode}'; expected one of {', '.join(allowed)}")
    if mode == "circuit":
        return mode, None, circuit
    found = diffusion_elements(circuit)
    if len(found) != 1:
        what = "none" if not found else f"{len(found)} ({', '.join(found)})"
        raise InputError(
            f"choosing the diffusion shape needs a circuit with one diffusion element "
            f"({', '.join(sorted(DIFFUSION_KINDS))}); '{circuit.text}' has {what}"
        )
    if mode == "auto":
        return mode, found[0], circuit
    new, name = with_element(circuit, found[0], SHAPE_ELEMENTS[mode])
    return "circuit", name, new


def robust_fit(spectrum: Spectrum, circuit: Circuit, opts: dict[str, Any]) -> FitResult:
    """:func:`quiet_fit` with ``opts``; where it runs into non-finite values (LinAlgError)
    from the given peaks' start, again from its own reading of the spectrum.

    Raises
    ------
    AnalysisInputError
        Both attempts ran into non-finite values.
    """
    try:
        return quiet_fit(spectrum, circuit, **opts)
    except np.linalg.LinAlgError:
        pass
    if "peaks" in opts:
        try:
            return quiet_fit(spectrum, circuit, **{k: v for k, v in opts.items() if k != "peaks"})
        except np.linalg.LinAlgError:
            pass
    raise AnalysisInputError(
        f"the fit of '{circuit.text}' ran into non-finite values; give starting values "
        "(initial) or another circuit",
        path=spectrum.source,
    )


def turned_down(spectrum: Spectrum) -> bool:
    """Whether -Z'' has turned down towards f_min within the lowest decade (a maximum
    above f_min): a transmissive end, or one that closes before a series capacitor,
    rather than a blocking Warburg-to-capacitor rise."""
    freq = spectrum.freq
    low = freq <= 10 * freq.min()
    if np.count_nonzero(low) < 3:
        return False
    mz = -spectrum.z.imag[low][np.argsort(freq[low])]
    return bool(mz[0] < 0.99 * mz.max())


def first_candidate(
    spectrum: Spectrum, circuit: Circuit, element: str, fit_options: dict[str, Any]
) -> tuple[FitResult, Circuit, str]:
    """The first diffusion candidate, fitted from the spectrum itself: ``(fit, circuit,
    element)``.

    With starting values (``fit_options["initial"]``) that is the circuit as given, fitted
    as asked. Without, the shape the low-frequency end suggests (``ws`` where -Z'' has
    turned down towards f_min, else the circuit's own element) is fitted with few restarts
    (:data:`FIRST_RESTARTS`) and evaluations (:data:`FIRST_NFEV_PER_PARAM` per
    parameter) -- a wrong first shape is poor whatever its start, the chosen one gets an
    ordinary fit's restarts if it needs them (:func:`choose_shape`); the next shape
    where a fit cannot even start.

    Raises
    ------
    AnalysisInputError
        No candidate's fit could start.
    """
    kind = dict(circuit.elements)[element]
    if fit_options.get("initial") is not None:  # starting values: of the circuit as given
        return robust_fit(spectrum, circuit, fit_options), circuit, element
    own = next((s for s, k in SHAPE_ELEMENTS.items() if k == kind), "wo")  # W: wo first
    order = ["ws", own] if turned_down(spectrum) else [own, "ws"]
    order = list(dict.fromkeys([*order, *CANDIDATES]))
    first = {**fit_options, "restarts": min(fit_options.get("restarts", 10), FIRST_RESTARTS)}
    first.setdefault("max_nfev", FIRST_NFEV_PER_PARAM * (circuit.n_params + 1))
    for k, shape in enumerate(order):
        c, name = (
            (circuit, element)
            if SHAPE_ELEMENTS[shape] == kind
            else with_element(circuit, element, SHAPE_ELEMENTS[shape])
        )
        try:
            return robust_fit(spectrum, c, first), c, name
        except AnalysisInputError:
            if k == len(order) - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def select_shape(
    spectrum: Spectrum,
    circuit: Circuit,
    element: str,
    fit_options: dict[str, Any] | None = None,
    *,
    margin: float = MARGIN,
    rescue: bool = True,
) -> ShapeChoice:
    """The diffusion shape of ``circuit``'s element ``element`` chosen by the data, as
    :func:`~ohmslice.impedance.timeconst.time_constants` and
    :func:`~ohmslice.impedance.fit.fit_circuit` (``diffusion="auto"``) choose it: the
    first candidate fitted from the spectrum (:func:`first_candidate`), every other
    candidate from it, the best by AIC (:func:`choose_shape`, every candidate of
    :data:`CANDIDATES`).

    ``fit_options``: keyword arguments of ``fit_circuit`` (``initial`` and ``peaks`` for
    the first candidate only); ``margin``: the AIC difference below which shapes are not
    told apart; ``rescue``: while no candidate's fit is accepted, fit the others from the
    spectrum itself (worth it on data a circuit can describe).

    Raises
    ------
    InputError
        ``element`` not a diffusion element of ``circuit``, a margin <= 0, options the fit
        refuses.
    AnalysisInputError
        No candidate's fit could start.
    """
    if dict(circuit.elements).get(element) not in DIFFUSION_KINDS:
        raise InputError(f"'{element}' is not a diffusion element of '{circuit.text}'")
    fopts = dict(fit_options or {})
    fit, circ, name = first_candidate(spectrum, circuit, element, fopts)
    kind = dict(circuit.elements)[element]
    prefer = next((s for s, k in SHAPE_ELEMENTS.items() if k == kind), "wo")  # W: wo
    return choose_shape(
        spectrum, circ, name, shapes=CANDIDATES, reference=fit, fit_options=fopts,
        margin=margin, rescue=rescue, prefer=prefer,
    )  # fmt: skip
