"""Resistance over cycles: per-cycle R1/R2 from the spectra between cycles, a trend per
component and the cycle where it starts to grow faster (contact loss).

Where impedance spectra sit between the cycles of a cycling test (an EC-Lab Modulo Bat
sequence of GCPL and PEIS, or separate files), :func:`resistance_over_cycles` reads each
spectrum's processes with the impedance engine (:func:`ohmslice.impedance.time_constants`:
``R0`` the series resistance, ``R1`` the process named ``contact``, ``R2``
``charge_transfer``, ``R3`` ``diffusion``; a value the spectrum does not measure is NaN),
gives each spectrum its cycle, and follows every component over the cycles:

* a **trend** (:func:`trend`): the straight line R = a + b k through the values against the
  cycle number k, least squares (weighted by 1/sigma^2 where every value has a standard
  error, the covariance then scaled by the reduced chi-square, so that scatter beyond the
  errors widens it); slope b [Ohm per cycle] with its standard error and 95 % interval;
* a **change-point** (:func:`change_point`): the continuous two-segment line
  R = a + b (k - c) + d max(k - c, 0) with the break c scanned over a grid of cycles
  (every quarter cycle between the ``min_points``-th value from each end), least squares
  at each c (linear given c; all c solved at once from prefix sums); the best c, its 95 %
  profile interval {c : n ln(RSS(c) / RSS_min) <= 3.84} (likelihood ratio with one parameter),
  the slopes before (b) and after (b + d) with their standard errors at that c, and the
  evidence against a single straight line, Delta AIC = AIC_line - AIC_break (the break
  counts two more parameters, c and d). A change-point is *detected* when Delta AIC is at
  least ``min_delta_aic`` (10: the straight line is then ~150 times less likely) and the
  slope after it is larger -- a component that starts to grow faster, the contact-loss
  indicator for R1. :attr:`ChangePoint.candidates` keeps RSS and AIC at every c tried.

The same two functions follow the DC resistance at the step start of every cycle
(:func:`ohmslice.dc.cycling.analyze_cycling`'s ``r_charge_ohm`` / ``r_discharge_ohm``):
:func:`step_resistance_over_cycles`.

The cycle of a spectrum
-----------------------
In this order: ``cycles=`` given (one number per spectrum); with a recording of the
cycling, the cycle of the last recorded row at or before the spectrum's first point in
time (its ``time_s`` column; a spectrum measured after a cycle's last row and before the
next cycle's first belongs to the cycle before it, one measured before the record belongs
to the first cycle less one) -- the cycle numbers are the recording's
(:func:`ohmslice.dc.cycling.cycle_index`); without a recording the spectrum's own
``cycle`` column (the file's counter); else 1, 2, ... in the order given
(``cycles="index"`` forces this order).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..dc.cycling import CyclingResult, cycle_index
from ..errors import AnalysisInputError, InputError
from ..schema import Recording, Spectrum

__all__ = [
    "COMPONENTS",
    "ChangePoint",
    "ComponentTrend",
    "CycleResistance",
    "Trend",
    "change_point",
    "resistance_over_cycles",
    "step_resistance_over_cycles",
    "trend",
]

#: Component -> process name in :func:`ohmslice.impedance.time_constants`' table.
COMPONENTS = {"r1": "contact", "r2": "charge_transfer", "r3": "diffusion"}
#: chi-square quantile (1 degree of freedom, 95 %) of the profile interval of the break.
CHI2_95 = 3.841458820694124
GRID_STEP = 0.25  # cycles between break candidates


# --- a trend -------------------------------------------------------------------------------
@dataclass
class Trend:
    """A straight line y = intercept + slope x through the values.

    ``slope`` [y per cycle] with ``slope_err`` (standard error) and ``slope_ci``
    (95 %, Student t); ``intercept`` with ``intercept_err``; ``n`` values; ``r2``; ``note``
    says why the numbers are NaN where they are (fewer than 3 values or cycles).
    """

    slope: float
    slope_err: float
    slope_ci: tuple[float, float]
    intercept: float
    intercept_err: float
    n: int
    r2: float
    weighted: bool
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "slope_per_cycle": self.slope, "slope_err": self.slope_err,
            "slope_ci_low": self.slope_ci[0], "slope_ci_high": self.slope_ci[1],
            "intercept": self.intercept, "intercept_err": self.intercept_err,
            "n": self.n, "r2": self.r2, "weighted": self.weighted,
        }  # fmt: skip


def _xy(x: Any, y: Any, err: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Finite pairs sorted by x; standard errors where all of them are finite and > 0."""
    xa = np.asarray(x, dtype=float).ravel()
    ya = np.asarray(y, dtype=float).ravel()
    if xa.shape != ya.shape:
        raise InputError(f"{xa.size} cycles but {ya.size} values; expected one value per cycle")
    ea = None if err is None else np.asarray(err, dtype=float).ravel()
    if ea is not None and ea.shape != xa.shape:
        raise InputError(f"{ea.size} errors for {xa.size} values; expected one per value")
    ok = np.isfinite(xa) & np.isfinite(ya)
    order = np.argsort(xa[ok], kind="stable")
    xa, ya = xa[ok][order], ya[ok][order]
    if ea is not None:
        ea = ea[ok][order]
        if not (np.all(np.isfinite(ea)) and np.all(ea > 0)):
            ea = None
    return xa, ya, ea


def trend(x: Any, y: Any, errors: Any = None) -> Trend:
    """Straight-line trend of ``y`` over cycles ``x`` (module docstring).

    Pairs with a NaN are left out; ``errors`` (standard errors of ``y``) weight the fit
    where every one of them is finite and > 0. Fewer than 3 values, or fewer than 2
    distinct cycles, give NaN with ``note`` saying so.

    Raises
    ------
    InputError
        ``x``, ``y`` (and ``errors``) of different lengths.
    """
    from scipy import stats

    xa, ya, ea = _xy(x, y, errors)
    n = len(xa)
    nan = float("nan")
    if n < 3 or np.unique(xa).size < 2:
        return Trend(nan, nan, (nan, nan), nan, nan, n, nan, ea is not None,
                     f"{n} value(s) in {np.unique(xa).size} cycle(s): a trend needs at "
                     "least 3 values in 2 cycles")  # fmt: skip
    w = np.ones(n) if ea is None else 1.0 / ea**2
    X = np.column_stack([np.ones(n), xa])
    A = X.T @ (X * w[:, None])
    coef = np.linalg.solve(A, X.T @ (w * ya))
    res = ya - X @ coef
    dof = n - 2
    s2 = float(np.sum(w * res**2) / dof)
    if ea is not None:
        s2 = max(s2, 1.0)  # errors given: scatter below them does not shrink the interval
    cov = np.linalg.inv(A) * s2
    se = np.sqrt(np.diag(cov))
    tq = float(stats.t.ppf(0.975, dof))
    ss_tot = float(np.sum(w * (ya - np.average(ya, weights=w)) ** 2))
    r2 = 1.0 - float(np.sum(w * res**2)) / ss_tot if ss_tot > 0 else nan
    b = float(coef[1])
    return Trend(b, float(se[1]), (b - tq * se[1], b + tq * se[1]), float(coef[0]),
                 float(se[0]), n, r2, ea is not None)  # fmt: skip


# --- a change-point ------------------------------------------------------------------------
@dataclass
class ChangePoint:
    """Where a series starts to change faster (module docstring).

    Attributes
    ----------
    cycle
        Best break c [cycle] (NaN where no fit was possible).
    interval
        95 % profile interval of c (low, high): the hull of the c whose RSS is within
        the likelihood-ratio bound of the best.
    slope_before, slope_before_err, slope_after, slope_after_err
        Slopes [per cycle] either side of c and their standard errors at that c.
    delta_aic
        AIC of one straight line minus AIC of the broken line (> 0 favours the break).
    detected
        ``delta_aic >= min_delta_aic`` and ``slope_after > slope_before``.
    direction
        ``"faster"`` or ``"slower"`` (after vs before).
    n
        Values used.
    candidates
        Every c tried: ``cycle``, ``rss``, ``aic``, ``delta_aic`` (to the best c),
        ``weight`` (Akaike weight), ``in_interval``.
    note
        Why it is NaN, or remarks.
    """

    cycle: float
    interval: tuple[float, float]
    slope_before: float
    slope_before_err: float
    slope_after: float
    slope_after_err: float
    delta_aic: float
    detected: bool
    direction: str
    n: int
    candidates: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "change_cycle": self.cycle, "change_low": self.interval[0],
            "change_high": self.interval[1], "slope_before": self.slope_before,
            "slope_before_err": self.slope_before_err, "slope_after": self.slope_after,
            "slope_after_err": self.slope_after_err, "delta_aic": self.delta_aic,
            "detected": self.detected, "direction": self.direction,
        }  # fmt: skip

    def summary(self) -> str:
        if not np.isfinite(self.cycle):
            return f"no change-point: {self.note}"
        verdict = "detected" if self.detected else "not detected"
        return (
            f"change-point {verdict}: cycle {self.cycle:.4g} (95 % {self.interval[0]:.4g} - "
            f"{self.interval[1]:.4g}), slope {self.slope_before:.3g} +- "
            f"{self.slope_before_err:.2g} -> {self.slope_after:.3g} +- "
            f"{self.slope_after_err:.2g} per cycle, Delta AIC {self.delta_aic:.1f}"
        )


def _empty_change(n: int, note: str) -> ChangePoint:
    nan = float("nan")
    return ChangePoint(nan, (nan, nan), nan, nan, nan, nan, nan, False, "", n, note=note)


def change_point(
    x: Any,
    y: Any,
    errors: Any = None,
    *,
    min_points: int = 3,
    min_delta_aic: float = 10.0,
    step: float = GRID_STEP,
) -> ChangePoint:
    """The cycle where ``y`` starts to change at another rate: a continuous two-segment
    line scanned over break cycles (module docstring).

    Parameters
    ----------
    x, y
        Cycle numbers and values (pairs with a NaN left out).
    errors
        Standard errors of ``y``: weights 1/err^2 where all are finite and > 0.
    min_points
        Values needed on each side of a break (>= 2); breaks are tried from the
        ``min_points``-th smallest cycle to the ``min_points``-th largest.
    min_delta_aic
        Evidence needed to call the change detected.
    step
        Grid of break candidates [cycles].

    Returns
    -------
    ChangePoint
        NaN (``note`` says why) with fewer than ``2 min_points + 1`` values or cycles.

    Raises
    ------
    InputError
        Arrays of different lengths; ``min_points`` < 2; ``step`` <= 0.
    """
    if int(min_points) != min_points or min_points < 2:
        raise InputError(f"min_points = {min_points!r}; expected a whole number >= 2")
    if not (np.isfinite(step) and step > 0):
        raise InputError(f"step = {step!r}; expected a number > 0")
    xa, ya, ea = _xy(x, y, errors)
    n = len(xa)
    ux = np.unique(xa)
    if n < 2 * min_points + 1 or ux.size < 2 * min_points:
        return _empty_change(n, f"{n} value(s) in {ux.size} cycle(s): a change-point needs at "
                                f"least {2 * min_points + 1} values in {2 * min_points} cycles")  # fmt: skip
    lo, hi = ux[min_points - 1], ux[-min_points]
    c = np.unique(np.r_[np.arange(lo, hi + 1e-9, step), ux[(ux >= lo) & (ux <= hi)]])
    w = np.ones(n) if ea is None else 1.0 / ea**2
    # design per candidate: [1, x - c, max(x - c, 0)]. Its normal equations come from
    # prefix sums over the sorted x (O(n + m), all candidates at once); x and y centred
    # first so that the sums do not cancel.
    x0, y0 = float(np.average(xa, weights=w)), float(np.average(ya, weights=w))
    xc, yc, cc = xa - x0, ya - y0, c - x0
    j = np.searchsorted(xa, c, side="right")  # values with x > c: rows j ..

    def tail(v: np.ndarray) -> np.ndarray:  # sum of v over x > c, per candidate
        return np.r_[np.cumsum(v[::-1])[::-1], 0.0][j]

    s0, s1, s2 = w.sum(), (w * xc).sum(), (w * xc**2).sum()
    t0, t1, t2 = tail(w), tail(w * xc), tail(w * xc**2)
    sy, sxy = (w * yc).sum(), (w * xc * yc).sum()
    ty, txy = tail(w * yc), tail(w * xc * yc)
    m = len(c)
    A = np.empty((m, 3, 3))
    A[:, 0, 0] = s0
    A[:, 0, 1] = A[:, 1, 0] = s1 - cc * s0
    A[:, 0, 2] = A[:, 2, 0] = t1 - cc * t0
    A[:, 1, 1] = s2 - 2 * cc * s1 + cc**2 * s0
    A[:, 1, 2] = A[:, 2, 1] = A[:, 2, 2] = t2 - 2 * cc * t1 + cc**2 * t0
    bvec = np.stack([np.full(m, sy), sxy - cc * sy, txy - cc * ty], axis=1)
    ok = np.abs(np.linalg.det(A)) > 1e-12 * np.abs(A).max(axis=(1, 2)) ** 3
    coef = np.full((m, 3), np.nan)
    coef[ok] = np.linalg.solve(A[ok], bvec[ok][..., None])[..., 0]
    rss = float(np.sum(w * yc**2)) - np.einsum("mi,mi->m", coef, bvec)
    rss = np.where(ok, np.maximum(rss, 0.0), np.inf)
    k = int(np.argmin(rss))
    # one straight line
    X1 = np.column_stack([np.ones(n), xa])
    c1 = np.linalg.lstsq(X1 * np.sqrt(w)[:, None], ya * np.sqrt(w), rcond=None)[0]
    rss1 = float(np.sum(w * (ya - X1 @ c1) ** 2))
    rss = np.minimum(rss, rss1)  # the broken line contains the straight one
    tiny = 1e-300 + 1e-24 * float(np.sum(w * ya**2))
    aic1 = n * np.log(max(rss1, tiny) / n) + 2 * 3
    aic = n * np.log(np.maximum(rss, tiny) / n) + 2 * 5
    dA = float(aic1 - aic[k])
    inside = n * np.log(np.maximum(rss, tiny) / max(rss[k], tiny)) <= CHI2_95
    inside &= np.isfinite(rss)
    interval = (float(c[inside].min()), float(c[inside].max()))
    dof = n - 4
    s2_res = float(rss[k] / dof) if dof > 0 else np.nan
    if ea is not None and np.isfinite(s2_res):
        s2_res = max(s2_res, 1.0)
    cov = np.linalg.inv(A[k]) * s2_res
    before, after = float(coef[k, 1]), float(coef[k, 1] + coef[k, 2])
    se_b = float(np.sqrt(cov[1, 1]))
    se_a = float(np.sqrt(cov[1, 1] + cov[2, 2] + 2 * cov[1, 2]))
    rel = aic - aic[k]
    wts = np.exp(-0.5 * np.where(np.isfinite(rel), rel, np.inf))
    cand = pd.DataFrame({"cycle": c, "rss": rss, "aic": aic, "delta_aic": rel,
                         "weight": wts / wts.sum(), "in_interval": inside})  # fmt: skip
    return ChangePoint(
        cycle=float(c[k]), interval=interval, slope_before=before, slope_before_err=se_b,
        slope_after=after, slope_after_err=se_a, delta_aic=dA,
        detected=bool(dA >= min_delta_aic and after > before),
        direction="faster" if after > before else "slower", n=n, candidates=cand,
    )  # fmt: skip


# --- components over cycles ----------------------------------------------------------------
@dataclass
class ComponentTrend:
    """One component followed over cycles: its name, unit, trend and change-point."""

    component: str
    trend: Trend
    change: ChangePoint

    def as_dict(self) -> dict[str, Any]:
        return {"component": self.component, **self.trend.as_dict(), **self.change.as_dict()}


def _follow(name: str, x: Any, y: Any, err: Any, **cp_options: Any) -> ComponentTrend:
    return ComponentTrend(name, trend(x, y, err), change_point(x, y, err, **cp_options))


@dataclass
class CycleResistance:
    """Resistances over cycles (module docstring).

    Attributes
    ----------
    table
        One row per spectrum (or per cycle for :func:`step_resistance_over_cycles`):
        ``cycle``, ``spectrum`` (its position in the input), ``time_s`` (first point, NaN
        without a time column), ``source``, ``r0_ohm`` (series resistance, the fit's
        ``R0``), and per component ``r1``/``r2``/``r3``: ``_ohm``, ``_err_ohm``,
        ``_tau_s``, ``_status`` (measured, bounded, undetermined, absent; the value is
        NaN unless measured), ``fit_accepted``, ``note``.
    components
        Component -> :class:`ComponentTrend` (``r0``, ``r1``, ``r2``, ``r3``).
    cycle_source
        ``"given"``, ``"recording:counter"``, ``"recording:current"``,
        ``"spectrum"`` or ``"index"``.
    fits
        The :class:`~ohmslice.impedance.TimeConstants` of every spectrum (None where
        refused).
    """

    table: pd.DataFrame
    components: dict[str, ComponentTrend]
    cycle_source: str
    fits: list[Any] = field(default_factory=list, repr=False)

    @property
    def trends(self) -> pd.DataFrame:
        """One row per component: trend and change-point columns."""
        return pd.DataFrame([c.as_dict() for c in self.components.values()])

    def summary(self) -> str:
        cyc = self.table["cycle"]
        lines = [f"{len(self.table)} value(s) over cycles {cyc.min():g} - {cyc.max():g} "
                 f"(cycles from the {self.cycle_source})"]  # fmt: skip
        for name, c in self.components.items():
            t = c.trend
            if np.isfinite(t.slope):
                lines.append(f"{name}: {t.slope:.4g} +- {t.slope_err:.2g} Ohm/cycle; "
                             f"{c.change.summary()}")  # fmt: skip
            else:
                lines.append(f"{name}: {t.note}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"CycleResistance({self.summary()})"


def _split_input(
    spectra: Any, recording: Recording | None
) -> tuple[list[Spectrum], Recording | None]:
    items = [spectra] if isinstance(spectra, (Spectrum, Recording)) else list(spectra)
    specs = [s for s in items if isinstance(s, Spectrum)]
    recs = [s for s in items if isinstance(s, Recording)]
    other = [type(s).__name__ for s in items if not isinstance(s, (Spectrum, Recording))]
    if other:
        raise InputError(f"expected Spectrum objects (and a Recording), got {', '.join(other)}")
    if recording is None and recs:
        recording = recs[0]
    if not specs:
        raise AnalysisInputError("no impedance spectrum given; expected the spectra between cycles")
    return specs, recording


def _spectrum_cycles(
    specs: list[Spectrum], recording: Recording | None, cycles: Any
) -> tuple[np.ndarray, str, np.ndarray]:
    t_first = np.array([float(s.data["time_s"].min()) if "time_s" in s.data else np.nan
                        for s in specs])  # fmt: skip
    if cycles is not None and not isinstance(cycles, str):
        c = np.asarray(cycles, dtype=float).ravel()
        if c.size != len(specs):
            raise InputError(f"{c.size} cycle numbers for {len(specs)} spectra; expected one each")
        return c, "given", t_first
    if cycles not in (None, "index"):
        raise InputError(f"cycles = {cycles!r}; expected None, 'index' or one number per spectrum")
    if cycles is None and recording is not None:
        if np.isnan(t_first).any():
            raise AnalysisInputError(
                f"{int(np.isnan(t_first).sum())} spectrum(s) without a time column cannot be "
                "placed between the recording's cycles; give cycles= (one number per "
                "spectrum)",
                path=recording.source,
            )
        row_cycle, source = cycle_index(recording)
        k = np.searchsorted(recording.time, t_first, side="right") - 1
        c = np.where(k >= 0, row_cycle[np.maximum(k, 0)], row_cycle[0] - 1).astype(float)
        return c, f"recording:{source}", t_first
    if cycles is None and all("cycle" in s.data for s in specs):
        return np.array([float(s.data["cycle"].iloc[0]) for s in specs]), "spectrum", t_first
    return np.arange(1, len(specs) + 1, dtype=float), "index", t_first


def resistance_over_cycles(
    spectra: Spectrum | Sequence[Spectrum | Recording],
    recording: Recording | None = None,
    *,
    cycles: Sequence[float] | str | None = None,
    circuit: str | None = None,
    symmetric: bool = False,
    min_points: int = 3,
    min_delta_aic: float = 10.0,
    **tc_options: Any,
) -> CycleResistance:
    """R0, R1 (contact), R2 (charge transfer), R3 (diffusion) of every spectrum between
    cycles, their trends and change-points over the cycles (module docstring).

    Parameters
    ----------
    spectra
        The spectra; the list :func:`ohmslice.read` returns for a Modulo Bat file (a
        Recording, then Spectrum objects) is taken as it is.
    recording
        The cycling record that places the spectra in cycles (default: the Recording in
        ``spectra``, if any).
    cycles
        One cycle number per spectrum, or ``"index"`` (1, 2, ... in order); None: from
        the recording, else the spectra's ``cycle`` column, else their order.
    circuit, symmetric, tc_options
        Passed to :func:`ohmslice.impedance.time_constants` (default circuit
        ``R0-p(R1,CPE1)-p(R2,CPE2)-Wo1`` with the diffusion shape chosen by the data;
        ~50 ms a spectrum with a circuit given, ~250 ms with the default).
    min_points, min_delta_aic
        For :func:`change_point`.

    Returns
    -------
    CycleResistance

    Raises
    ------
    AnalysisInputError
        No spectrum; spectra without time to place among the recording's cycles; every
        spectrum refused by the impedance engine.
    InputError
        Wrong ``cycles``; what :func:`~ohmslice.impedance.time_constants` refuses in its
        options.

    Warns
    -----
    UserWarning
        Spectra the impedance engine refused (left as NaN rows, named).
    """
    from ..impedance import time_constants

    specs, rec = _split_input(spectra, recording)
    cyc, source, t_first = _spectrum_cycles(specs, rec, cycles)
    rows, fits, refused = [], [], []
    for k, s in enumerate(specs):
        row: dict[str, Any] = {"cycle": cyc[k], "spectrum": k, "time_s": t_first[k],
                               "source": s.source, "r0_ohm": np.nan}  # fmt: skip
        for comp in COMPONENTS:
            row.update({f"{comp}_ohm": np.nan, f"{comp}_err_ohm": np.nan,
                        f"{comp}_tau_s": np.nan, f"{comp}_status": "absent"})  # fmt: skip
        try:
            tc = time_constants(s, circuit, symmetric, **tc_options)
        except InputError as exc:
            fits.append(None)
            refused.append(f"spectrum {k} (cycle {cyc[k]:g}): {exc}")
            row.update(fit_accepted=False, note=str(exc))
            rows.append(row)
            continue
        fits.append(tc)
        table = tc.table
        for comp, process in COMPONENTS.items():
            hit = table[table["process"] == process]
            if not len(hit):
                continue
            p = hit.iloc[0]
            measured = p["status"] == "measured"
            row[f"{comp}_status"] = p["status"]
            if measured:
                row[f"{comp}_ohm"] = float(p["r_fit_ohm"])
                row[f"{comp}_err_ohm"] = float(p["r_fit_err_ohm"])
                row[f"{comp}_tau_s"] = float(p["tau_fit_s"])
        r0 = tc.fit.params.get("R0")
        row["r0_ohm"] = float(r0) if r0 is not None else np.nan
        if symmetric and tc.symmetric:
            row["r0_ohm"] = float(tc.symmetric["r_sep_ohm"])
        row.update(fit_accepted=bool(tc.fit_accepted), note="; ".join(tc.fit_reasons))
        rows.append(row)
    if refused:
        warnings.warn(
            f"{len(refused)} of {len(specs)} spectra refused by the impedance engine, left "
            f"as NaN: {refused[0]}" + (" ..." if len(refused) > 1 else ""),
            stacklevel=2,
        )
    if len(refused) == len(specs):
        raise AnalysisInputError(
            f"every spectrum was refused by the impedance engine: {refused[0]}"
        )
    table = pd.DataFrame(rows)
    r0_err = None
    comps = {"r0": _follow("r0", table["cycle"], table["r0_ohm"], r0_err,
                           min_points=min_points, min_delta_aic=min_delta_aic)}  # fmt: skip
    for comp in COMPONENTS:
        comps[comp] = _follow(comp, table["cycle"], table[f"{comp}_ohm"],
                              table[f"{comp}_err_ohm"], min_points=min_points,
                              min_delta_aic=min_delta_aic)  # fmt: skip
    return CycleResistance(table, comps, source, fits)


def step_resistance_over_cycles(
    cycling: CyclingResult,
    columns: Sequence[str] = ("r_charge_ohm", "r_discharge_ohm"),
    *,
    min_points: int = 3,
    min_delta_aic: float = 10.0,
) -> CycleResistance:
    """Trend and change-point of the DC resistance at the step starts of every cycle
    (:func:`ohmslice.dc.cycling.analyze_cycling`'s ``r_charge_ohm``,
    ``r_discharge_ohm``): unweighted (no standard errors), NaN values left out.

    Values read at different times after their step (``r_*_dt_s``) are not comparable:
    a cycle whose dt differs by more than 10 % from the median of its column is left out
    of that column's fit, with a warning.

    Raises
    ------
    InputError
        Not a :class:`~ohmslice.dc.cycling.CyclingResult`; a column it does not have.
    """
    if not isinstance(cycling, CyclingResult):
        raise InputError(f"expected a CyclingResult, got {type(cycling).__name__}")
    c = cycling.cycles
    missing = [col for col in columns if col not in c.columns]
    if missing:
        raise InputError(f"columns {missing} are not in the cycle table; have {list(c.columns)}")
    table = c[["cycle", *columns]].copy()
    comps = {}
    for col in columns:
        y = c[col].to_numpy(float).copy()
        dt_col = col.replace("_ohm", "_dt_s")
        if dt_col in c.columns:
            dt = c[dt_col].to_numpy(float)
            med = np.nanmedian(dt) if np.isfinite(dt).any() else np.nan
            off = np.isfinite(dt) & (np.abs(dt - med) > 0.1 * med)
            if off.any():
                warnings.warn(
                    f"{cycling.source or cycling.cell}: {int(off.sum())} value(s) of {col} read at another time "
                    f"after the step than the median {med:.3g} s (cycles "
                    f"{', '.join(str(x) for x in c['cycle'][off].tolist()[:5])}); left out "
                    "of its trend",
                    stacklevel=2,
                )
                y[off] = np.nan
        name = col.removesuffix("_ohm")
        table[col] = y
        comps[name] = _follow(name, c["cycle"], y, None, min_points=min_points,
                              min_delta_aic=min_delta_aic)  # fmt: skip
    return CycleResistance(table, comps, f"cycling result ({cycling.cycle_source})")
