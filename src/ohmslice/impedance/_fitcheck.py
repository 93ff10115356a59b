"""The judgement of a circuit fit: is it a description of the data, and are its values
determined?

:func:`~ohmslice.impedance.fit.fit_circuit` calls :func:`judge` on every result before
returning it. A fit is refused (``success=False``) with one sentence per reason
(``FitResult.reasons``) when any of the following holds. All residuals are relative to
the size of each point's measurement error, whatever the fit's weighting: |Z|, or for
the per-electrode spectrum of a symmetric cell ((Z - R_sep)/2,
:meth:`~ohmslice.schema.Spectrum.per_electrode`) the cell's |Z|/2, because subtracting
R_sep brings the electrode's |Z| near 0 at high frequency but not the error.

Convergence and values

* the optimiser stopped before converging;
* a parameter is not a finite number;
* a parameter sits on a bound: an exponent (CPE n, La a) within 1e-4 of 0, or any
  parameter within 1e-4 of a bound set by the caller (the default upper bound n = 1 of
  an exponent is not a failure: n = 1 is an ideal capacitor);
* an element is degenerate: its impedance is above 1 / :data:`NEGLIGIBLE` (1e6) times the
  largest measured |Z| at every measured frequency (an open element: CPE Q = 5e-103,
  R = 1e12 Ohm), or below NEGLIGIBLE of the smallest at every frequency (R = 1e-30 Ohm)
  and still so one standard error away -- an element that is ~0 but whose error bar
  reaches values that matter (R0 = 0 +- 4 Ohm) is bounded by the data, a note, not a
  failure; or a relaxation time lies more than :data:`TAU_FACTOR` (1000) times outside
  the measured range 1/(2 pi f_max) .. 1/(2 pi f_min) (a Warburg tau of 5.6e66 s).
  These are only looked for when some parameter has a relative error above 100 % or an
  infinite one: a fit whose every parameter is determined has no degenerate element;
* a standard error is infinite or NaN (the data do not determine that parameter: the
  circuit has more parameters than the spectrum resolves);
* no covariance can be computed at the optimum: a parameter or the model's derivatives
  are not finite there, or the Jacobian is numerically singular (its SVD does not
  converge) -- a fit that ran into a degenerate corner of its parameters.

Misfit, measured against what a Kramers-Kronig-consistent model reaches on the same data
(:func:`~ohmslice.impedance.kk.kk_reference`, the lin-KK model with a series C; its
residual ``kk_residual`` estimates the noise plus whatever no causal, linear model can
follow). ``residual_rms`` is the fit's rms relative residual per degree of freedom,
sqrt(sum |r|^2 / (2N - k)), the same measure as ``kk_residual``.

* **material misfit**: ``residual_rms > KK_FACTOR x max(kk_residual, RMS_FLOOR)``, with
  KK_FACTOR = 3 and RMS_FLOOR = 0.2 %. A correct circuit on data with Gaussian noise
  gives a ratio of 1.0 +- 0.1 (81 points); a wrong diffusion shape (Wo fitted to Ws
  data), a missing element or an inductive tail without L give 5 to 60 at 0.1-0.5 %
  noise. The factor 3 leaves room for circuits that are a slight simplification (a
  half-cell spectrum fitted without its counter electrode: 2.5); the floor keeps
  noise-free simulated spectra, where the KK model follows the data to 1e-5, from
  failing on a misfit of a few 0.1 %, which no measurement resolves.
* **systematic misfit**: ``residual_rms > 2 x max(kk_residual, RMS_FLOOR)`` and the
  residuals, ordered by frequency, run in long stretches of one sign: Durbin-Watson
  statistic sum (r_i - r_(i-1))^2 / sum r_i^2 (real and imaginary parts each in
  frequency order) below :data:`DW_LIMIT` = 0.3 (white noise gives 2; a smooth misfit
  on top of white noise gives about 2 / ratio^2, so this catches a smooth misfit from
  a ratio of ~2.6, and earlier where the KK model's own residuals are not white).
* **far from the data**: residual rms above :data:`MAX_RMS` (5 % of |Z|) whatever the KK
  level (then also naming data that scatter around any KK model by more than 2.5 %), or
  a fitted |Z| off by more than a factor of 2 at a point the KK model follows within
  10 %.

Where the misfit lies decides the words: the excess of each point's squared residual
over the KK model's is summed in bands -- the inductive tail (the run of highest
frequencies with Z'' > 0), the low-frequency quarter of the log-frequency span, the
high-frequency quarter and the middle -- and every band holding at least a third of the
excess (at most two) gets a sentence saying which element to try or which points to
leave out (with the --f-max / --f-min value that does it). Elements the data call for
and the circuit lacks (an inductance for an inductive tail, a diffusion or blocking
element for a low-frequency end whose -Z'' still rises) are named first, wherever the
fit left its misfit.

Not failures but said (``FitResult.notes``): parameters with a relative standard error
above 100 %, parameters at 0 within their error, and data whose KK residual is above 1 %.

Without a KK model (fewer than 5 distinct frequencies) only the absolute limits apply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .kk import reference_of_arrays

if TYPE_CHECKING:
    from ._fitresult import FitResult

#: the fit's residual may be this many times the KK model's before it is a misfit
KK_FACTOR = 3.0
#: ... and this many times when the residuals are also systematic (see DW_LIMIT)
KK_FACTOR_SYSTEMATIC = 2.0
#: smallest residual level [-] the KK comparison uses (0.2 % of |Z|)
RMS_FLOOR = 0.002
#: residual rms [-] above which no fit is usable (5 % of |Z|)
MAX_RMS = 0.05
#: Durbin-Watson statistic of the residuals below which they are systematic
DW_LIMIT = 0.3
#: an element whose |Z| is below this fraction of the data's at every frequency (or above
#: its inverse times) is degenerate
NEGLIGIBLE = 1e-6
#: a relaxation time this many times outside the measured range is degenerate
TAU_FACTOR = 1e3
#: distance to a bound, as a fraction of the bounded interval, that counts as on it
AT_BOUND = 1e-4
#: relative standard error above which a parameter is noted as poorly determined
REL_ERR_NOTE = 1.0
#: share of the misfit a frequency band must hold to be named
BAND_SHARE = 1 / 3

_DIFFUSION = ("W", "Wo", "Ws", "Wsc", "Wsph", "Wa")
_INDUCTIVE = ("L", "La")


def fmt_hz(f: float) -> str:
    """A frequency in words: ``"100 kHz"``, ``"3.16 Hz"``, ``"10 mHz"``."""
    for scale, unit in ((1e6, "MHz"), (1e3, "kHz"), (1.0, "Hz"), (1e-3, "mHz")):
        if f >= scale or unit == "mHz":
            return f"{f / scale:.3g} {unit}"
    return f"{f:.3g} Hz"  # pragma: no cover


def _num(v: float, up: bool) -> str:
    """A frequency as a user types it, 3 significant digits rounded up (``up``, for
    --f-max: the point itself stays in) or down (for --f-min)."""
    e = np.floor(np.log10(abs(v))) - 2
    m = (np.ceil if up else np.floor)(v / 10**e - (1e-9 if up else -1e-9))
    return format(float(f"{m * 10**e:.3g}"), "g")


def _pct(x: float) -> str:
    return f"{100 * x:.2g} %"


def judge(
    res: FitResult,
    converged: bool,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
    freq: np.ndarray | None = None,
    z: np.ndarray | None = None,
) -> None:
    """Judge ``res`` in place: set ``success``, ``reasons``, ``notes``, ``residual_rms``,
    ``kk_residual``, ``durbin_watson`` and ``diagnostics`` (see the module docstring).

    ``converged``: whether the optimiser reported convergence; ``bounds``: the (lower,
    upper) bounds the fit used, when the caller changed the circuit's defaults;
    ``freq``, ``z``: the spectrum's arrays when the caller has them at hand."""
    if freq is None or z is None:
        freq, z = res.spectrum.freq, res.spectrum.z
    with np.errstate(all="ignore"):
        _judge(res, converged, bounds, freq, z)


def error_scale(meta: dict[str, Any] | None, z: np.ndarray) -> np.ndarray:
    """The size of each point's measurement error, up to a factor [Ohm]: |Z|, or for the
    per-electrode spectrum of a symmetric cell, (Z - R_sep)/2, the cell's |Z|/2 =
    |Z + R_sep/2| (subtracting R_sep brings the electrode's |Z| near 0 at high
    frequency, not the error of the measurement)."""
    sym = (meta or {}).get("symmetric") or {}
    r_sep = sym.get("r_sep_ohm") if isinstance(sym, dict) else None
    if r_sep is not None and np.isfinite(r_sep) and r_sep > 0:
        return np.abs(z + 0.5 * float(r_sep))
    return np.abs(z)


def _judge(res: FitResult, converged: bool, bounds, f: np.ndarray, z: np.ndarray) -> None:
    circ = res.circuit
    # set by build_result where the covariance could not be computed (a failed fit)
    cov_failure = str((res.diagnostics or {}).get("covariance_failure", ""))
    zm = res._z_fit
    n, k = f.size, res.n_free
    scale = error_scale(res.spectrum.meta, z)
    rel = (z - zm) / scale
    sq = rel.real**2 + rel.imag**2
    dof = max(2 * n - k, 1)
    rms = float(np.sqrt(np.sum(sq) / dof))
    den = float(np.sum(sq))
    dw = (
        float((np.sum(np.diff(rel.real) ** 2) + np.sum(np.diff(rel.imag) ** 2)) / den)
        if den > 0 and n > 2
        else float("nan")
    )
    ref = reference_of_arrays(f, z, scale)
    kk = ref.residual if ref is not None else float("nan")
    # without a KK model (fewer than 5 frequencies) only the absolute limit applies
    level = max(kk, RMS_FLOOR) if np.isfinite(kk) else float("inf")
    ratio = rms / level if np.isfinite(rms) else float("inf")

    reasons: list[str] = []
    notes: list[str] = []
    if not converged:
        reasons.append(
            f"the optimiser stopped before converging ({res.nfev} evaluations): the values "
            "are not a best fit; give starting values or a simpler circuit"
        )
    values = np.array([res.params[nm] for nm in circ.param_names])
    bad_values = [nm for nm, v in res.params.items() if not np.isfinite(v)]
    if bad_values:
        reasons.append(f"{_names(bad_values)} not a finite number: the fit broke down")

    # --- misfit ---------------------------------------------------------------------
    kk_k = ref.residuals if ref is not None else np.zeros_like(rel)
    excess = np.clip(sq - (kk_k.real**2 + kk_k.imag**2), 0.0, None)
    # where the misfit lies: only worked out for a fit that may fail on it (speed)
    bands: dict[str, np.ndarray] = {}
    shares: dict[str, float] = {}
    if not rms <= min(MAX_RMS, KK_FACTOR_SYSTEMATIC * level):
        bands = _bands(f, z)
        total = float(excess.sum())
        shares = {b: float(excess[m].sum()) / total if total > 0 else 0.0
                  for b, m in bands.items()}  # fmt: skip
    # (not for one electrode of a symmetric cell, whose |Z| is ~0 at high frequency)
    far = _far_point(z, zm, kk_k) if np.allclose(scale, np.abs(z)) else None
    misfit = systematic = absolute = False
    if np.isfinite(rms):
        kk_words = (
            f"a Kramers-Kronig-consistent model of the same data leaves {_pct(kk)}"
            if np.isfinite(kk)
            else "the spectrum has too few frequencies for a Kramers-Kronig comparison"
        )
        if rms > MAX_RMS:
            absolute = True
            text = f"the fit misses the data by {_pct(rms)} of the measured |Z| (rms); {kk_words}"
            if np.isfinite(kk) and kk > MAX_RMS / 2:
                text += (
                    f": the data themselves scatter by {_pct(kk)} around any "
                    "Kramers-Kronig-consistent model (noise, drift, non-linearity or "
                    f"instrument artefacts{_kk_where(f, kk_k, bands)}), too much for a "
                    "circuit fit to be trusted; check the measurement (ohmslice eis kk)"
                )
            reasons.append(text)
        elif ratio > KK_FACTOR:
            misfit = True
            reasons.append(
                f"the fit leaves residuals of {_pct(rms)} of the measured |Z| (rms) where "
                f"{kk_words}: the circuit does not describe the data (or the fit stopped in "
                "a local minimum: give starting values)"
            )
        elif ratio > KK_FACTOR_SYSTEMATIC and np.isfinite(dw) and dw < DW_LIMIT:
            systematic = True
            reasons.append(
                f"the residuals ({_pct(rms)} of the measured |Z|, {ratio:.2g} times what "
                f"{kk_words.split(' leaves ')[0]} leaves) run in long stretches of one sign "
                f"(Durbin-Watson {dw:.2f}, noise gives 2): the circuit misses a feature of "
                "the data"
            )
    if misfit or systematic or (absolute and not (np.isfinite(kk) and kk > MAX_RMS / 2)):
        where = _where(circ, f, z, excess, bands, shares)
        reasons.extend(_missing(circ, f, z, bands, where))  # what the data call for first
        reasons.extend(where)
    if far is not None and (misfit or systematic or absolute or far["kk_ok"]):
        i = far["index"]
        text = (
            f"at {fmt_hz(f[i])} the fitted |Z| is {abs(zm[i]):.3g} Ohm against "
            f"{abs(z[i]):.3g} Ohm measured"
        )
        if not (misfit or systematic or absolute):
            text += ": the fit does not follow the data there"
        reasons.append(text)

    # --- degenerate and undetermined parameters ---------------------------------------
    errors = np.array([res.errors[nm] for nm in circ.param_names])
    free = np.array([nm not in res.fixed for nm in circ.param_names])
    with_rel = np.where(values != 0, np.abs(errors / np.where(values != 0, values, 1)), np.inf)
    poorly = free & np.isfinite(errors) & (with_rel > REL_ERR_NOTE)
    flagged: set[str] = set(bad_values)
    suspicious = bool(poorly.any() or np.any(free & ~np.isfinite(errors)))
    seen: set[str] = set()  # elements already named
    for elements, names, text in _degenerate(
        res, values, errors, free, f, z, suspicious, bounds, notes
    ):
        if not set(elements) & seen:
            reasons.append(text)
        seen |= set(elements)
        flagged |= set(names)
    undetermined = [
        nm for nm, e, fr in zip(circ.param_names, errors, free, strict=True)
        if fr and not np.isfinite(e) and nm not in flagged
    ]  # fmt: skip
    if cov_failure:
        reasons.append(
            f"no standard errors: {cov_failure}; the fit ran into a degenerate corner of "
            "its parameters: give starting values or a simpler circuit"
        )
    elif undetermined:
        reasons.append(
            f"{_names(undetermined)} not determined by the data (infinite standard "
            "error): the circuit has more parameters than the spectrum resolves; remove "
            "an element or fix a parameter"
        )
    at_bound = {nm for nm in circ.param_names if any(t.startswith(f"{nm} is at its bound")
                                                   for t in notes)}  # fmt: skip
    noted = [
        nm for nm, p in zip(circ.param_names, poorly, strict=True)
        if p and nm not in flagged and nm not in at_bound
    ]  # fmt: skip
    if noted:
        pct = ", ".join(
            f"{nm} {100 * r:.3g} %" for nm, r, p in zip(circ.param_names, with_rel, poorly,
                                                        strict=True) if p and nm in noted
        )  # fmt: skip
        notes.append(
            f"poorly determined by this spectrum (relative standard error above 100 %): {pct}"
        )
    if np.isfinite(kk) and kk > 0.01 and not absolute:
        notes.append(
            f"the data scatter by {_pct(kk)} of the measured |Z| around a "
            "Kramers-Kronig-consistent model: noisy, or not fully consistent (ohmslice eis kk)"
        )

    res.success = not reasons
    res.reasons = reasons
    res.notes = notes
    res.residual_rms = rms
    res.kk_residual = kk
    res.durbin_watson = dw
    res.diagnostics = {
        "residual_rms": rms,
        "kk_residual": kk,
        "kk_m": None if ref is None else ref.m,
        "kk_ratio": ratio,
        "durbin_watson": dw,
        "band_shares": shares,
        "band_points": {b: int(m.sum()) for b, m in bands.items()},
        "converged": bool(converged),
        "worst_point_freq_Hz": None if far is None else float(f[far["index"]]),
        "covariance_failure": cov_failure,
    }


def _names(names: list[str]) -> str:
    return f"{names[0]} is" if len(names) == 1 else f"{', '.join(names)} are"


# --- where the misfit lies ------------------------------------------------------------------


def _bands(f: np.ndarray, z: np.ndarray) -> dict[str, np.ndarray]:
    """Disjoint masks: the inductive tail (the run of highest frequencies with Z'' > 0, at
    least 2 points), then the low, middle and high quarters of the log-frequency span."""
    order = np.argsort(f, kind="stable")
    pos = z.imag[order] > 0
    run = 0
    while run < pos.size and pos[pos.size - 1 - run]:
        run += 1
    inductive = np.zeros(f.size, dtype=bool)
    if run >= 2:
        inductive[order[pos.size - run :]] = True
    lf = np.log10(f)
    span = lf.max() - lf.min()
    q = (lf - lf.min()) / span if span > 0 else np.full(f.size, 0.5)
    return {
        "inductive": inductive,
        "low": (q < 0.25) & ~inductive,
        "middle": (q >= 0.25) & (q <= 0.75) & ~inductive,
        "high": (q > 0.75) & ~inductive,
    }


def _where(circ, f, z, excess, bands, shares) -> list[str]:
    """A sentence for each band holding at least a third of the misfit (at most two)."""
    kinds = {kind for _, kind in circ.elements}
    names = dict(circ.elements)
    named = sorted((b for b in bands if shares[b] >= BAND_SHARE), key=lambda b: -shares[b])[:2]
    if not named:
        return ["the misfit is spread over the whole spectrum: try another circuit"]
    out = []
    fs = np.sort(np.unique(f))
    for band in named:
        m = bands[band]
        e = excess[m]
        sel = f[m][e >= 0.1 * e.max()] if e.size else f[m]
        fa, fb = float(sel.min()), float(sel.max())
        below = fs[fs < fa]
        above = fs[fs > fb]
        cut_hi = f"--f-max {_num(below[-1], up=True)}" if below.size else "--f-max"
        cut_lo = f"--f-min {_num(above[0], up=False)}" if above.size else "--f-min"
        share = f"{100 * shares[band]:.0f} % of the misfit"
        if band == "inductive":
            n_ind = int(m.sum())
            start = float(f[m].min())
            most = f", most of it above {fmt_hz(fa)}" if fa > 1.5 * start else ""
            tail = (
                f"inductive tail above {fmt_hz(start)} ({n_ind} points with Z'' > 0; {share}{most})"
            )
            ls = [nm for nm, kd in names.items() if kd in _INDUCTIVE]
            if ls:
                out.append(
                    f"the {tail} is not described even with {ls[0]}: leave out the "
                    f"points above {fmt_hz(fa)} ({cut_hi})"
                )
            else:
                out.append(
                    f"{tail} not described: add an inductance L0 in series (cables) or "
                    f"leave out the points above {fmt_hz(fa)} ({cut_hi})"
                )
        elif band == "high":
            hint = (
                "try another element for the fastest process"
                if kinds & set(_INDUCTIVE)
                else "add an inductance L0 in series (cables) or an arc for a process above "
                "the measured range"
            )
            out.append(
                f"the high-frequency end above {fmt_hz(fa)} ({share}) is not described: "
                f"{hint}, or leave those points out ({cut_hi})"
            )
        elif band == "low":
            diff = [nm for nm, kd in names.items() if kd in _DIFFUSION]
            if diff:
                other = ", ".join(d for d in ("Ws", "Wo", "Wsph", "Wa") if d != names[diff[0]])
                out.append(
                    f"the low-frequency branch below {fmt_hz(fb)} ({share}) is not "
                    f"described by {diff[0]}: try another diffusion shape ({other}) or a "
                    f"capacitor C in series, or leave those points out ({cut_lo})"
                )
            else:
                out.append(
                    f"the low-frequency branch below {fmt_hz(fb)} ({share}) is not "
                    "described: try a diffusion element (Ws, Wo, Wsph, Wa) or a CPE in series"
                )
        else:
            hint = (
                "try a CPE in place of a C, or one more R||CPE arc"
                if "C" in kinds
                else "try one more R||CPE arc, or another element for that process"
            )
            out.append(
                f"the arcs between {fmt_hz(fa)} and {fmt_hz(fb)} ({share}) are not "
                f"described: {hint}"
            )
    return out


def _missing(circ, f, z, bands, said: list[str]) -> list[str]:
    """Elements the data call for that the circuit lacks, whatever band the fit's
    misfit landed in (a fit without a diffusion element bends its arcs to the
    low-frequency branch and leaves the misfit elsewhere)."""
    from ._guess import _roles

    _, _, diffusion, inductive, blocking = _roles(circ)
    out = []
    order = np.argsort(f, kind="stable")
    mz = -z.imag[order]  # -Z'' from low to high frequency
    if not diffusion and not blocking and mz.size >= 4 and not any("diffusion" in t for t in said):
        # -Z'' positive and still growing towards the lowest frequencies
        if mz[0] > 0 and mz[0] > mz[1] > mz[2] and mz[0] > 0.2 * np.abs(z).min():
            out.append(
                f"the data's low-frequency end rises (-Z'' grows towards {fmt_hz(float(f.min()))}) "
                "like a diffusion or blocking branch, and the circuit has no element for it: "
                "add a diffusion element (Ws, Wo, Wsph, Wa) or a CPE in series"
            )
    if not inductive and bands.get("inductive") is not None and bands["inductive"].sum() >= 2:
        if not any("inductive tail" in t for t in said):
            first = float(f[bands["inductive"]].min())
            out.append(
                f"the data are inductive above {fmt_hz(first)} (Z'' > 0) and the circuit has no "
                "inductance: add L0 in series or leave those points out"
            )
    return out


def _kk_where(f: np.ndarray, kk_res: np.ndarray, bands: dict[str, np.ndarray]) -> str:
    """Where the KK model's residual lies, when one band holds most of it."""
    sq = np.abs(kk_res) ** 2
    total = sq.sum()
    if not total > 0:
        return ""
    for band, m in bands.items():
        if m.any() and sq[m].sum() >= 0.5 * total:
            sel = f[m][sq[m] >= 0.1 * sq[m].max()]
            if band in ("inductive", "high"):
                return f", mostly above {fmt_hz(float(sel.min()))}"
            if band == "low":
                return f", mostly below {fmt_hz(float(sel.max()))}"
            return f", mostly between {fmt_hz(float(sel.min()))} and {fmt_hz(float(sel.max()))}"
    return ""


def _far_point(z: np.ndarray, zm: np.ndarray, kk_res: np.ndarray) -> dict[str, Any] | None:
    """The point where the fitted |Z| is furthest from the data (by more than a factor 2,
    else None); ``kk_ok``: the KK model follows the data within 10 % there."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lr = np.abs(np.log(np.abs(zm) / np.abs(z)))
    lr[~np.isfinite(lr)] = np.inf
    i = int(np.argmax(lr))
    if not lr[i] > np.log(2.0):
        return None
    ok = np.abs(kk_res) <= 0.1
    far_ok = np.flatnonzero((lr > np.log(2.0)) & ok)
    if far_ok.size:
        i = int(far_ok[np.argmax(lr[far_ok])])
    return {"index": i, "kk_ok": bool(far_ok.size)}


# --- degenerate parameters -------------------------------------------------------------------


def _degenerate(res, values, errors, free, f, z, suspicious, bounds, notes):
    """(element names, parameter names, sentence) for parameters on a bound, elements
    whose impedance is negligible or overwhelming at every measured frequency and (when
    ``suspicious``: some parameter is poorly determined) relaxation times far outside the
    measured range; the first sentence about an element is the one to keep. An element
    that is negligible at its value but not within its standard error is appended to
    ``notes`` instead (a bound, not a failure)."""
    circ = res.circuit
    out: list[tuple[list[str], list[str], str]] = []
    lo_d, hi_d = circ.bounds
    lo_u, hi_u = bounds if bounds is not None else (lo_d, hi_d)
    units = circ.param_units
    # on a bound
    for i, nm in enumerate(circ.param_names):
        v = values[i]
        if not free[i] or not np.isfinite(v):
            continue
        lo, hi = lo_u[i], hi_u[i]
        user = lo != lo_d[i] or hi != hi_d[i]
        if np.isfinite(lo) and np.isfinite(hi):
            t = (v - lo) / (hi - lo)
            at_lo, at_hi = t < AT_BOUND, t > 1 - AT_BOUND
            el = _element_of(circ, i)
            if user and (at_lo or at_hi):
                out.append(([el], [nm], f"{nm} at its bound ({v:.4g}): the data want it "
                                        "beyond the range it was given"))  # fmt: skip
            elif at_lo and not units[i]:
                out.append(([el], [nm], f"{nm} at its bound ({v:.2g}): {el} is not "
                                        "determined by the data"))  # fmt: skip
        elif user and np.isfinite(lo) and v - lo <= AT_BOUND * max(abs(lo), 1e-300):
            out.append(([_element_of(circ, i)], [nm], f"{nm} at its bound ({v:.4g}): the "
                        "data want it beyond the range it was given"))  # fmt: skip
    if not suspicious:
        # every parameter is determined to 100 %: no element can be negligible or
        # overwhelming at every frequency, nor have its time constant far outside
        return out
    # elements negligible or overwhelming at every frequency
    s = 2j * np.pi * f
    zmin, zmax = float(np.min(np.abs(z))), float(np.max(np.abs(z)))
    for leaf in circ._leaves:
        sl = slice(leaf.start, leaf.stop)
        if not free[sl].any() or not np.all(np.isfinite(values[sl])):
            continue
        try:
            with np.errstate(all="ignore"):
                ze = np.abs(leaf.element.evaluate(s, *values[sl])[0])
        except (FloatingPointError, ValueError, ZeroDivisionError):  # pragma: no cover
            continue
        small = bool(np.all(~(ze >= NEGLIGIBLE * zmin)))  # NaN counts as degenerate
        big = bool(np.all(ze > zmax / NEGLIGIBLE))
        if not (small or big):
            continue
        names = [circ.param_names[j] for j in range(leaf.start, leaf.stop) if free[j]]
        # the parameter that makes it so: the one furthest from its typical scale
        j = _extreme(circ, values, leaf)
        nm, u = circ.param_names[j], units[j]
        unit = f" {u}" if u else ""
        if small and _error_bar_matters(leaf, values, j, errors[j], s, zmin, zmax, lo_u[j]):
            # on the bound, but its error bar reaches values that matter: the data bound
            # the element (e.g. R0 = 0 +- 4 Ohm), they do not say it is absent
            notes.append(
                f"{nm} is at its bound, {values[j]:.2g} +- {errors[j]:.2g}{unit}: zero within "
                "its error, the data only bound it"
            )
            continue
        how = (
            f"its impedance is below {NEGLIGIBLE:.0e} of the measured |Z| at every frequency"
            if small
            else f"its impedance is over {1 / NEGLIGIBLE:.0e} times the measured |Z| at every "
            "frequency"
        )
        out.append(([leaf.name], names, f"{nm} at its bound ({values[j]:.2g}{unit}): "
                    f"{leaf.name} is not determined by the data, {how}"))  # fmt: skip
    # relaxation times far outside the measured range
    t_fast, t_slow = 1 / (2 * np.pi * f.max()), 1 / (2 * np.pi * f.min())
    try:
        with np.errstate(all="ignore"):
            tc = circ.time_constants(values)
    except Exception:  # noqa: BLE001  (a broken value is reported above)  # pragma: no cover
        tc = None
    if tc is not None:
        for row in tc.itertuples():
            tau = float(row.tau_s)
            el = str(row.element)
            elements, names = _element_params(circ, el, free)
            if not np.isfinite(tau) or tau <= 0:
                text = f"{el} has no finite time constant: the element is degenerate"
            elif tau > TAU_FACTOR * t_slow:
                text = (
                    f"{el}: time constant {tau:.2g} s, {tau / t_slow:.2g} times the "
                    f"slowest measured time 1/(2 pi f_min) = {t_slow:.2g} s: the element "
                    "is not determined by the data"
                )
            elif tau < t_fast / TAU_FACTOR:
                text = (
                    f"{el}: time constant {tau:.2g} s, {t_fast / tau:.2g} times below the "
                    f"fastest measured time 1/(2 pi f_max) = {t_fast:.2g} s: the element "
                    "is not determined by the data"
                )
            else:
                continue
            out.append((elements, names, text))
    return out


def _error_bar_matters(leaf, values, j, err, s, zmin, zmax, lo) -> bool:
    """Whether the element stops being negligible (or overwhelming) when parameter ``j``
    moves by one standard error either way (not below its lower bound)."""
    if not np.isfinite(err) or err <= 0:
        return False
    sl = slice(leaf.start, leaf.stop)
    for v in (values[j] + err, max(values[j] - err, lo if np.isfinite(lo) else -np.inf)):
        q = values.copy()
        q[j] = v
        if np.isfinite(lo) and v <= lo:
            continue
        with np.errstate(all="ignore"):
            ze = np.abs(leaf.element.evaluate(s, *q[sl])[0])
        if (
            np.all(np.isfinite(ze))
            and np.any(ze >= NEGLIGIBLE * zmin)
            and np.any(ze <= zmax / NEGLIGIBLE)
        ):
            return True
    return False


def _element_of(circ, i: int) -> str:
    for leaf in circ._leaves:
        if leaf.start <= i < leaf.stop:
            return leaf.name
    return circ.param_names[i]  # pragma: no cover


def _element_params(circ, label: str, free: np.ndarray) -> tuple[list[str], list[str]]:
    """Element names and their free parameter names in a time-constant label
    ('R1||CPE1', 'TLM1:ct', 'Wo1')."""
    parts = {p for chunk in label.split(":")[0].split("||") for p in chunk.split("-")}
    elements, names = [], []
    for leaf in circ._leaves:
        if leaf.name in parts:
            elements.append(leaf.name)
            names += [circ.param_names[j] for j in range(leaf.start, leaf.stop) if free[j]]
    return elements, names


def _extreme(circ, values: np.ndarray, leaf) -> int:
    """Index of the element's parameter furthest (in decades) from its typical value."""
    idx = list(range(leaf.start, leaf.stop))
    with np.errstate(all="ignore"):
        d = [
            abs(np.log10(abs(values[j]) / circ.typical[j]))
            if values[j] != 0 and np.isfinite(values[j]) and circ.typical[j] > 0
            else np.inf
            for j in idx
        ]
    return idx[int(np.argmax(d))]
