"""Which processes a spectrum measures, bounds or leaves open, and their names.

The rules are stated in :mod:`ohmslice.impedance.timeconst` (its sections "Measured,
bounded, undetermined" and "Naming the processes"); this module implements them for
:func:`~ohmslice.impedance.timeconst.time_constants`: the processes of a fitted circuit
with their resistance, time constant and standard errors (:func:`judge_processes`),
each judged on its own numbers, against the measured band, by a chi-square profile where
the covariance is not to be trusted, and named by time constant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from .shapes import SHAPE_ELEMENTS, quiet_fit, slowest_mode

if TYPE_CHECKING:
    from ..schema import Spectrum
    from .circuits import Circuit
    from .fit import FitResult
    from .shapes import ShapeChoice

#: the statuses of a process
STATUSES = ("measured", "bounded", "undetermined")
#: a process faster than this (characteristic frequency) is contact even when alone
CONTACT_MIN_HZ = 1e4
#: rise of chi2 / s^2 that bounds a profiled time constant (one-sided 95 %)
PROFILE_DELTA = 2.71
#: the profile explores tau_char up to this factor beyond the band
PROFILE_REACH = 100.0
#: the slowest process is diffusion when its slowest mode is at least this slow [s] (a knee
#: or peak below ~3 Hz: solid-state diffusion in cathode particles lies at 0.1 s - hours,
#: charge transfer at 1 us - 10 ms)
DIFFUSION_MIN_S = 0.05
#: ... and at least this slow [s] when it is a diffusion element whose shape the data chose
#: (a sphere's slowest mode is tau / 20: particles of tau = r^2 / D ~ 0.2 s and more)
DIFFUSION_ELEMENT_MIN_S = 0.01
#: smallest CPE exponent of an arc
MIN_EXPONENT = 0.3


@dataclass(frozen=True)
class _Proc:
    label: str  # as Circuit.time_constants names it
    kind: str  # element type that gives the process its shape
    r_idx: tuple[int, ...]  # parameters summed into its resistance
    # "rc": tau = R C; "rq": (R Q)^(1/n); "par": tau parameter; "wa", "tn": tau and n
    # parameters (Wa, Zarc); "gs": tau parameter, R coth(phi) (Gs, phi at index b)
    how: str
    a: int  # C / Q / tau index
    b: int = -1  # n index
    r_scale: float = 1.0  # reported R = r_scale * sum (TLM ionic: 1/3)


def _processes(circuit: Circuit) -> list[_Proc]:
    """The circuit's processes, found as :meth:`Circuit.time_constants` finds them (same
    labels)."""
    from .circuits import _Leaf

    out: list[_Proc] = []

    def series_r(node) -> tuple[list[int], list[str]] | None:
        if isinstance(node, _Leaf):
            return ([node.start], [node.name]) if node.element.kind == "R" else None
        if node.op != "s":
            return None
        rs = [c for c in node.children if isinstance(c, _Leaf) and c.element.kind == "R"]
        return ([c.start for c in rs], [c.name for c in rs]) if rs else None

    def walk(node) -> None:
        if isinstance(node, _Leaf):
            k, i = node.element.kind, node.start
            if k == "Zarc":
                out.append(_Proc(node.name, k, (i,), "tn", i + 1, i + 2))
            elif k == "RQ":
                out.append(_Proc(node.name, k, (i,), "rq", i + 1, i + 2))
            elif k == "Gs":
                out.append(_Proc(node.name, k, (i,), "gs", i + 1, i + 2))
            elif k == "TLMQ":
                out.append(_Proc(f"{node.name}:ion", k, (i,), "rq", i + 1, i + 2, 1.0 / 3.0))
            elif k in ("K", "G", "Wo", "Ws", "Wsc", "Wsph"):
                out.append(_Proc(node.name, k, (i,), "par", i + 1))
            elif k == "Wa":
                out.append(_Proc(node.name, k, (i,), "wa", i + 1, i + 2))
            elif k == "TLM":
                out.append(_Proc(f"{node.name}:ct", k, (i + 1,), "rq", i + 2, i + 3))
                out.append(_Proc(f"{node.name}:ion", k, (i,), "rq", i + 2, i + 3, 1.0 / 3.0))
            return
        if node.op == "p" and len(node.children) == 2:
            for cap, other in (node.children, node.children[::-1]):
                if isinstance(cap, _Leaf) and cap.element.kind in ("C", "CPE"):
                    found = series_r(other)
                    if found is not None:
                        idx, names = found
                        label = f"{'-'.join(names)}||{cap.name}"
                        if cap.element.kind == "C":
                            out.append(_Proc(label, "C", tuple(idx), "rc", cap.start))
                        else:
                            out.append(
                                _Proc(label, "CPE", tuple(idx), "rq", cap.start, cap.start + 1)
                            )
                        if not isinstance(other, _Leaf):
                            for c in other.children:
                                walk(c)
                        return
        for c in node.children:
            walk(c)

    walk(circuit._tree)
    return out


def _evaluate(procs: list[_Proc], p: np.ndarray) -> tuple[np.ndarray, ...]:
    """r, tau, n of every process for every row of ``p`` (shape (m, n_params)): three
    arrays of shape (m, n_proc)."""
    p = np.atleast_2d(p)
    m = p.shape[0]
    r = np.empty((m, len(procs)))
    tau = np.empty_like(r)
    n = np.ones_like(r)
    with np.errstate(all="ignore"):
        for j, q in enumerate(procs):
            rs = p[:, list(q.r_idx)].sum(axis=1)
            r[:, j] = q.r_scale * rs
            if q.how == "rc":
                tau[:, j] = rs * p[:, q.a]
            elif q.how == "rq":
                n[:, j] = p[:, q.b]
                tau[:, j] = (rs * p[:, q.a]) ** (1.0 / p[:, q.b])
            else:
                tau[:, j] = p[:, q.a]
                if q.how in ("wa", "tn"):
                    n[:, j] = p[:, q.b]
                elif q.how == "gs":  # the DC resistance R coth(phi) of a Gs
                    r[:, j] = q.r_scale * rs / np.tanh(p[:, q.b])
    return r, tau, n


def _values_and_errors(fit: FitResult, procs: list[_Proc]) -> dict[str, np.ndarray]:
    """r, tau, n and the standard errors of r and tau, propagated through the parameter
    covariance (forward differences, all parameters at once); a quantity depending on an
    undetermined parameter (infinite error) has an infinite error."""
    c = fit.circuit
    p0 = fit.values
    free = [i for i, name in enumerate(c.param_names) if name not in fit.fixed]
    h = 1e-6 * np.maximum(np.abs(p0[free]), 1e-300)
    batch = np.repeat(p0[None, :], len(free) + 1, axis=0)
    batch[np.arange(1, len(free) + 1), free] += h
    r, tau, n = _evaluate(procs, batch)
    out = {"r": r[0], "tau": tau[0], "n": n[0]}
    cov = fit.covariance.to_numpy() if len(free) else np.zeros((0, 0))
    err = np.array([fit.errors[c.param_names[i]] for i in free])
    with np.errstate(all="ignore"):
        for key, val in (("r", r), ("tau", tau)):
            jac = ((val[1:] - val[0]) / h[:, None]).T  # (n_proc, n_free)
            var = np.einsum("ij,jk,ik->i", np.nan_to_num(jac), cov, np.nan_to_num(jac))
            e = np.sqrt(np.clip(var, 0, None))
            unknown = np.any((jac != 0) & ~np.isfinite(err), axis=1)
            unknown |= ~np.isfinite(jac).all(axis=1)
            e[unknown] = np.inf
            out[f"{key}_err"] = e
    return out


def hold_undetermined(spectrum: Spectrum, fit: FitResult, fopts: dict[str, Any]) -> list[str]:
    """The fit's undetermined parameters (infinite error) if the same fit with them held
    at their values is accepted -- the fit was refused for them alone; else []."""
    bad = [n for n, e in fit.errors.items() if not np.isfinite(e) and n not in fit.fixed]
    if not bad or len(bad) + len(fit.fixed) >= len(fit.params):
        return []
    fixed = {n: fit.params[n] for n in [*fit.fixed, *bad]}
    opts = {k: v for k, v in fopts.items() if k not in ("initial", "peaks", "fixed")}
    opts["restarts"] = 0
    try:
        held = quiet_fit(spectrum, fit.circuit, initial=fit.params, fixed=fixed, **opts)
    except (InputError, np.linalg.LinAlgError):
        return []
    return bad if getattr(held, "success", True) else []


def _profile(spectrum, fit, proc, fopts, edges, chi2_scale):
    """Profile bounds (lower, upper) of the time-constant parameter of ``proc`` [s].

    tau is stepped by half decades from the fit (clipped into ``edges``) outwards, the
    other parameters refitted from the previous step; a side is bounded where
    (chi2 - chi2_min) / s^2 first exceeds PROFILE_DELTA (interpolated in ln tau), open
    where it never does before ``edges``.
    """
    c = fit.circuit
    name = c.param_names[proc.a]
    r_name = c.param_names[proc.r_idx[0]]
    half = 0.5 * (fit.values[proc.b] if proc.how == "wa" else 1.0)
    user_fixed = fopts.get("fixed")
    if isinstance(user_fixed, dict):
        base_fixed = dict(user_fixed)
    elif user_fixed is None:
        base_fixed = {}
    else:
        names = [user_fixed] if isinstance(user_fixed, str) else list(user_fixed)
        base_fixed = {k: fit.params[k] for k in names}
    opts = {k: v for k, v in fopts.items() if k not in ("initial", "peaks", "fixed")}
    opts["restarts"] = 0
    lo_edge, hi_edge = edges
    tau0 = float(fit.params[name])
    start = (
        float(np.clip(tau0, lo_edge, hi_edge)) if np.isfinite(tau0) else np.sqrt(lo_edge * hi_edge)
    )
    chi2_min = fit.chi2

    def at(tau: float, prev: dict[str, float]) -> tuple[float, dict[str, float]]:
        init = dict(prev)
        init[r_name] = prev[r_name] * (tau / prev[name]) ** half  # stay on the Warburg line
        init[name] = tau
        try:
            res = quiet_fit(spectrum, c, initial=init, fixed={**base_fixed, name: tau}, **opts)
        except (InputError, np.linalg.LinAlgError):
            return np.inf, prev
        return res.chi2, res.params

    points: list[tuple[float, float]] = []  # (ln tau, chi2)
    if start != tau0:
        chi2_s, p_start = at(start, dict(fit.params))
        points.append((np.log(start), chi2_s))
    else:
        p_start = dict(fit.params)
        points.append((np.log(tau0), fit.chi2))
    bounds: dict[int, float] = {}
    for direction in (-1, 1):
        prev, tau = p_start, start
        last = points[0]
        while True:
            tau = tau * 10.0 ** (0.5 * direction)
            if tau < lo_edge / 1.01 or tau > hi_edge * 1.01:
                break
            chi2_k, prev = at(tau, prev)
            points.append((np.log(tau), chi2_k))
            chi2_min = min(chi2_min, chi2_k)
            d_last = (last[1] - chi2_min) / chi2_scale
            d_k = (chi2_k - chi2_min) / chi2_scale
            if d_k > PROFILE_DELTA:
                frac = (PROFILE_DELTA - d_last) / (d_k - d_last) if d_k > d_last else 1.0
                frac = float(np.clip(frac, 0.0, 1.0))
                bounds[direction] = float(np.exp(last[0] + frac * (np.log(tau) - last[0])))
                break
            last = (np.log(tau), chi2_k)
    # a better optimum found on the way moves the threshold: re-check the bounds
    accepted = [lt for lt, ch in points if (ch - chi2_min) / chi2_scale <= PROFILE_DELTA]
    if not accepted:
        return np.nan, np.nan
    lower = bounds.get(-1, np.nan)
    upper = bounds.get(1, np.nan)
    if np.isfinite(lower) and lower > np.exp(min(accepted)):
        lower = np.nan
    if np.isfinite(upper) and upper < np.exp(max(accepted)):
        upper = np.nan
    return lower, upper


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _judge(v, k: int, z_max: float, f_band: tuple[float, float], band_factor: float,
           max_rel_err: float) -> tuple[str, str, str, bool]:  # fmt: skip
    """(band, provisional status, reason, whether a chi2 profile may settle it) of process
    ``k`` from its own numbers."""
    r, tau, n, mode = v["r"][k], v["tau"][k], v["n"][k], v["tau_char"][k]
    r_e, t_e = v["r_err"][k], v["tau_err"][k]
    t_min, t_max = 1 / (2 * np.pi * f_band[1]), 1 / (2 * np.pi * f_band[0])
    band = ""
    if np.isfinite(mode) and mode > 0:
        band = "within"
        if mode > t_max * band_factor:
            band = "below"
        elif mode < t_min / band_factor:
            band = "above"
    if not (np.isfinite(r) and np.isfinite(tau) and r > 0 and tau > 0):
        return (
            band,
            "undetermined",
            f"degenerate values (R = {_fmt(r)} Ohm, tau = {_fmt(tau)} s)",
            False,
        )
    if r < 1e-6 * z_max:
        return band, "undetermined", f"its resistance vanishes ({_fmt(r)} Ohm)", False
    if n < MIN_EXPONENT:
        return (
            band,
            "undetermined",
            f"its CPE exponent {n:.2g} is below {MIN_EXPONENT}: no arc",
            False,
        )
    if not (np.isfinite(r_e) and np.isfinite(t_e)):
        return band, "undetermined", "the data do not determine it (infinite standard error)", True
    rel = max(r_e / r, t_e / tau)
    if rel > max_rel_err:
        return (
            band,
            "undetermined",
            (f"relative standard error {rel:.2g} of R or tau is above {max_rel_err:g}"),
            True,
        )
    if band == "below":
        return (
            band,
            "undetermined",
            (
                f"its slowest mode ({_fmt(mode)} s) lies more than {band_factor:g}x beyond the "
                f"lowest frequency's 1/(2 pi f_min) = {_fmt(t_max)} s"
            ),
            True,
        )
    if band == "above":
        return (
            band,
            "undetermined",
            (
                f"its time constant ({_fmt(mode)} s) lies more than {band_factor:g}x below the "
                f"highest frequency's 1/(2 pi f_max) = {_fmt(t_min)} s"
            ),
            True,
        )
    return band, "measured", "", True


def _shape_spread(choice, procs, v, status, why, lower, upper, max_rel_err) -> None:
    """Where the data do not decide the diffusion shape, the chosen element's time constant
    is only as well known as the candidates within the margin agree on the slowest mode:
    beyond a spread of 1 + max_rel_err a measured one becomes bounded by their range
    (in the chosen element's tau), a bounded one has its bounds widened. In place."""
    chosen = choice.element[choice.shape]
    ks = [k for k, q in enumerate(procs) if q.label == chosen]
    if not ks:
        return
    k = ks[0]
    modes = []
    for s in [choice.shape, *choice.alternatives]:
        f = choice.fits[s]
        kind = SHAPE_ELEMENTS[s]
        q = f.values[f.circuit.element_params(choice.element[s])]
        modes.append(float(slowest_mode(kind, q[1], q[2] if kind == "Wa" else 1.0)))
    lo_m, hi_m = min(modes), max(modes)
    image = float(slowest_mode(procs[k].kind, 1.0, v["n"][k]))
    note = choice.message
    if hi_m > (1 + max_rel_err) * lo_m and status[k] in ("measured", "bounded"):
        note += (
            f"; their slowest modes span {_fmt(lo_m)} - {_fmt(hi_m)} s "
            f"(tau {_fmt(lo_m / image)} - {_fmt(hi_m / image)} s for this element)"
        )
        if status[k] == "measured":
            status[k], lower[k], upper[k] = "bounded", lo_m / image, hi_m / image
        else:
            if np.isfinite(lower[k]):
                lower[k] = min(lower[k], lo_m / image)
            if np.isfinite(upper[k]):
                upper[k] = max(upper[k], hi_m / image)
    why[k] = "; ".join(filter(None, [why[k], note]))


def _labels(seen: np.ndarray, mode: np.ndarray, diffusive: np.ndarray) -> list[str]:
    """Process names by time constant (module docstring); ``diffusive``: the process is a
    diffusion element (its slowest-mode threshold :data:`DIFFUSION_ELEMENT_MIN_S`)."""
    labels = [""] * len(mode)
    idx = sorted((int(i) for i in np.flatnonzero(seen)), key=lambda i: mode[i])
    rest = idx
    slow = DIFFUSION_ELEMENT_MIN_S if idx and diffusive[idx[-1]] else DIFFUSION_MIN_S
    if idx and mode[idx[-1]] >= slow:
        labels[idx[-1]] = "diffusion"
        rest = idx[:-1]
    if rest:
        first = rest[0]
        if 1 / (2 * np.pi * mode[first]) >= CONTACT_MIN_HZ or len(rest) >= 2:
            labels[first] = "contact"
            rest = rest[1:]
    for j, i in enumerate(rest):
        labels[i] = "charge_transfer" if j == 0 else f"process_{idx.index(i) + 1}"
    k = 0
    for i in range(len(labels)):
        if not labels[i]:
            k += 1
            labels[i] = "not_measured" if k == 1 else f"not_measured_{k}"
    return labels


def _rms(z: np.ndarray, zm: np.ndarray) -> float:
    """Relative rms misfit sqrt(mean(|Z - Z_model|^2 / |Z|^2))."""
    return float(np.sqrt(np.mean(np.abs(zm - z) ** 2 / np.abs(z) ** 2)))


@dataclass
class Judgement:
    """The processes of a fit, sorted by tau, and what the spectrum says of each."""

    procs: list[_Proc]
    kinds: list[str]
    v: dict[str, np.ndarray]  # r, r_err, tau, tau_err, n, tau_char
    band: list[str]
    status: list[str]
    why: list[str]
    lower: np.ndarray
    upper: np.ndarray
    labels: list[str]
    accepted: bool
    reasons: list[str]
    rms_fit: float
    f_band: tuple[float, float]


def judge_processes(
    spectrum: Spectrum,
    fit: FitResult,
    fopts: dict[str, Any],
    choice: ShapeChoice | None,
    held: list[str],
    *,
    rms_drt: float,
    band_factor: float,
    max_rel_err: float,
    max_misfit: float,
) -> Judgement:
    """Status, reason, bounds and name of every process of ``fit`` (module docstring).

    ``held`` are parameters with infinite errors for which alone the fit was refused
    (:func:`hold_undetermined`); ``choice`` the diffusion shape choice, if any;
    ``rms_drt`` the DRT's relative rms misfit (the data's own noise and inconsistency).
    """
    procs = _processes(fit.circuit)
    v = _values_and_errors(fit, procs)
    kinds = [q.kind for q in procs]
    v["tau_char"] = np.array(
        [float(slowest_mode(k, t, n)) for k, t, n in zip(kinds, v["tau"], v["n"], strict=True)]
    )
    order = np.argsort(np.where(np.isfinite(v["tau"]), v["tau"], np.inf), kind="stable")
    procs = [procs[i] for i in order]
    kinds = [kinds[i] for i in order]
    v = {key: val[order] for key, val in v.items()}

    # measured band, fit acceptance, each process's status
    freq, z = spectrum.freq, spectrum.z
    f_band = (float(freq.min()), float(freq.max()))
    t_min, t_max = 1 / (2 * np.pi * f_band[1]), 1 / (2 * np.pi * f_band[0])
    rms_fit = _rms(z, fit.predict())
    reasons: list[str] = []
    if not getattr(fit, "success", True) and not held:
        said = list(getattr(fit, "reasons", None) or [])
        reasons += said or [f"the fit did not succeed ({fit.message})"]
    elif rms_fit > max_misfit and rms_fit > 2 * rms_drt:
        reasons.append(
            f"the circuit does not describe the spectrum: rms misfit {rms_fit:.1%} of |Z| "
            f"(the DRT's {rms_drt:.1%})"
        )
        kinds_all = {k for _, k in fit.circuit.elements}
        hi = np.argsort(freq)[-3:]
        if np.any(z.imag[hi] > 0) and not kinds_all & {"L", "La"}:
            f_ind = float(freq[hi][z.imag[hi] > 0].min())
            reasons.append(
                f"the spectrum is inductive (Z'' > 0) from {f_ind:.3g} Hz up and the circuit "
                "has no inductance: add one (L0) or leave out those frequencies"
            )
    accepted = not reasons
    z_max = float(np.max(np.abs(z)))
    judged = [_judge(v, k, z_max, f_band, band_factor, max_rel_err) for k in range(len(procs))]
    band = [j[0] for j in judged]
    status = [j[1] for j in judged]
    why = [j[2] for j in judged]
    profilable = [j[3] for j in judged]
    held_idx = {fit.circuit.param_index(n) for n in held}
    for k, q in enumerate(procs):
        if held_idx & {*q.r_idx, q.a, q.b}:
            status[k] = "undetermined"
            why[k] = (
                "the data do not determine it (infinite standard error); the fit, refused "
                "for it, is accepted for the other processes (with it held: success)"
            )
    lower = np.full(len(procs), np.nan)
    upper = np.full(len(procs), np.nan)
    if accepted:
        dof = max(2 * len(spectrum) - fit.n_free, 1)
        scale = fit.chi2 / dof if fit.chi2 > 0 else 1.0
        for k, q in enumerate(procs):
            # a time constant that is a parameter is profiled where the covariance is not
            # to be trusted: not measured by it, or the process's knee beyond the band
            beyond = not t_min <= v["tau_char"][k] <= t_max
            if q.how not in ("par", "wa", "gs") or not profilable[k]:
                continue
            if status[k] == "measured" and not beyond:
                continue
            image = float(slowest_mode(q.kind, 1.0, v["n"][k]))
            edges = (t_min / PROFILE_REACH / image, t_max * PROFILE_REACH / image)
            lo, hi = _profile(spectrum, fit, q, fopts, edges, scale)
            lower[k], upper[k] = lo, hi
            if np.isfinite(lo) and np.isfinite(hi):
                what = (
                    f"tau between {_fmt(lo)} and {_fmt(hi)} s (chi2 profile, 95 % one-sided each)"
                )
                # +-1.64 sigma at 95 % one-sided: measured if sigma_rel <= max_rel_err
                if 0.5 * np.log(hi / lo) <= 1.645 * max_rel_err:
                    status[k], why[k] = "measured", f"{what}"
                    continue
            elif np.isfinite(lo):
                what = f"tau > {_fmt(lo)} s (chi2 profile, 95 % one-sided; no upper bound)"
            elif np.isfinite(hi):
                what = f"tau < {_fmt(hi)} s (chi2 profile, 95 % one-sided; no lower bound)"
            else:
                status[k] = "undetermined"
                why[k] = "; ".join(filter(None, [why[k], "the chi2 profile of tau is flat"]))
                continue
            status[k] = "bounded"
            side = (
                f"its slowest mode ({_fmt(v['tau_char'][k])} s) lies beyond 1/(2 pi f_min) = "
                f"{_fmt(t_max)} s"
                if v["tau_char"][k] > t_max
                else f"its time constant ({_fmt(v['tau_char'][k])} s) lies beyond "
                f"1/(2 pi f_max) = {_fmt(t_min)} s"
            )
            why[k] = f"{what}; {why[k] or side}"
    if choice is not None and not choice.determined:
        _shape_spread(choice, procs, v, status, why, lower, upper, max_rel_err)
    seen = np.array([s in ("measured", "bounded") for s in status])
    # a bounded process is at least as slow (or fast) as its bound says
    mode = np.where(np.isfinite(v["tau_char"]), v["tau_char"], np.inf)
    image = np.array([float(slowest_mode(k, 1.0, n)) for k, n in zip(kinds, v["n"], strict=True)])
    mode = np.where(np.isfinite(lower), np.fmax(mode, lower * image), mode)
    mode = np.where(np.isfinite(upper), np.fmin(mode, upper * image), mode)
    labels = _labels(seen, mode, np.array([k in SHAPE_ELEMENTS.values() for k in kinds]))
    if not accepted:
        status = ["undetermined"] * len(procs)
        fit_why = "; ".join(reasons)
        why = [f"{fit_why}; {w}" if w else fit_why for w in why]
    return Judgement(
        procs=procs, kinds=kinds, v=v, band=band, status=status, why=why, lower=lower,
        upper=upper, labels=labels, accepted=accepted, reasons=reasons, rms_fit=rms_fit,
        f_band=f_band,
    )  # fmt: skip
