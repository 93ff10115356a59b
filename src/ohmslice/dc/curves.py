"""Voltage curves of constant-current steps and their comparison between cells.

:func:`compare_curves` puts two cells' voltage curves at the same rate on a common
capacity, SOC or depth-of-discharge grid and finds where their difference changes sign
(the reference paper's "trend reversal" of the overvoltage during discharge, Figure 1).
:class:`Curve` is one step's voltage vs charge passed, as :meth:`RateResult.curve
<ohmslice.dc.rate.RateResult.curve>` returns it or built from arrays.

Conventions: SI units (s, V, A, Ah); capacities are positive for both directions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import AnalysisInputError, InputError

__all__ = ["Curve", "CurveComparison", "compare_curves"]

Direction = Literal["charge", "discharge"]


def _cumtrapz(y: np.ndarray, t: np.ndarray) -> np.ndarray:
    out = np.zeros(len(t))
    if len(t) > 1:
        out[1:] = np.cumsum(0.5 * (y[1:] + y[:-1]) * np.diff(t))
    return out


# --- curves and their comparison ----------------------------------------------------------
@dataclass(frozen=True)
class Curve:
    """Voltage against the charge passed since the start of one charge or discharge.

    Attributes
    ----------
    capacity_Ah
        Charge passed since the step started [Ah], >= 0, non-decreasing.
    voltage_V
        Voltage at those points [V].
    direction
        ``"charge"`` or ``"discharge"``.
    reference_capacity_Ah
        Capacity that 100 % SOC/DoD stands for [Ah] (the nominal or the lowest-rate
        capacity); None means the curve's own final capacity.
    label, c_rate
        Name of the cell/step and its C-rate, for tables and plots.
    """

    capacity_Ah: np.ndarray
    voltage_V: np.ndarray
    direction: Direction
    reference_capacity_Ah: float | None = None
    label: str = ""
    c_rate: float | None = None

    @classmethod
    def from_arrays(
        cls,
        time_s: np.ndarray,
        voltage_V: np.ndarray,
        current_A: np.ndarray,
        **kwargs: object,
    ) -> Curve:
        """Build a curve from a step's time [s], voltage [V] and current [A]; the
        direction is the sign of the mean current unless given."""
        t, v, i = (np.asarray(a, dtype=float) for a in (time_s, voltage_V, current_A))
        q = _cumtrapz(np.abs(i), t) / 3600.0
        kwargs.setdefault("direction", "charge" if np.mean(i) > 0 else "discharge")
        return cls(q, v, **kwargs)  # type: ignore[arg-type]

    @property
    def reference_Ah(self) -> float:
        """The capacity 100 % stands for [Ah]."""
        q_end = float(self.capacity_Ah[-1]) if len(self.capacity_Ah) else 0.0
        return float(self.reference_capacity_Ah or q_end)


def _noise_V(v: np.ndarray) -> float:
    """Robust standard deviation [V] of white noise on a sampled curve, from its second
    differences (var = 6 sigma^2 for white noise; smooth curvature adds little)."""
    if len(v) < 5:
        return 0.0
    d2 = v[2:] - 2 * v[1:-1] + v[:-2]
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / np.sqrt(6.0))


def _clean_curve(c: Curve, name: str) -> tuple[np.ndarray, np.ndarray]:
    q = np.asarray(c.capacity_Ah, dtype=float)
    v = np.asarray(c.voltage_V, dtype=float)
    if q.shape != v.shape or q.ndim != 1:
        raise InputError(f"curve {name}: capacity and voltage must be 1-D arrays of one length")
    ok = np.isfinite(q) & np.isfinite(v)
    q, v = q[ok], v[ok]
    if len(q) and np.any(np.diff(q) < 0):
        row = int(np.flatnonzero(np.diff(q) < 0)[0]) + 1
        raise InputError(f"curve {name}: capacity decreases at point {row}; expected charge "
                         "passed since the step start, non-decreasing")  # fmt: skip
    keep = np.r_[np.diff(q) > 0, True] if len(q) else q.astype(bool)
    q, v = q[keep], v[keep]
    if len(q) < 2 or q[-1] <= 0:
        raise AnalysisInputError(f"curve {name}: fewer than two distinct capacity points")
    return q, v


@dataclass
class CurveComparison:
    """Two voltage curves on one grid, their difference and where it changes sign.

    Attributes
    ----------
    x
        The grid's coordinate: ``"capacity"`` (Ah), ``"soc"`` or ``"dod"`` (%).
    grid
        One row per grid point: ``x``, ``voltage_a_V``, ``voltage_b_V``, ``dv_V``
        (= V_a - V_b) and ``d_overvoltage_V`` (= eta_a - eta_b at equal OCV: -dv on
        discharge, +dv on charge; > 0 where cell a loses more voltage).
    crossings
        One row per sign change of ``dv_V`` in the order the step runs: ``x`` and its
        standard error ``x_err`` (voltage noise of the two curves / slope of dV there,
        see :func:`compare_curves`), ``capacity_a_Ah``, ``capacity_b_Ah``,
        ``soc_a_pct``, ``soc_b_pct``, ``dod_a_pct``, ``dod_b_pct``, ``voltage_V`` and
        ``higher_before`` / ``higher_after`` (the label of the cell at higher voltage).
    ranges
        Stretches between crossings: ``x_from``, ``x_to``, ``higher`` (a label or
        ``"equal"``), ``mean_dv_V``, ``max_abs_dv_V``.
    labels
        Names of cells a and b.
    """

    x: str
    direction: Direction
    grid: pd.DataFrame
    crossings: pd.DataFrame
    ranges: pd.DataFrame
    labels: tuple[str, str]

    def summary(self) -> str:
        """One sentence per range: which cell is at higher voltage where."""
        scale, unit, spec = (1e3, " mAh", ".3g") if self.x == "capacity" else (1.0, " %", ".4g")
        name = {"capacity": "capacity", "soc": "SOC", "dod": "DoD"}[self.x]
        span = float(np.nanmax(np.abs(self.ranges[["x_from", "x_to"]].to_numpy()))) or 1.0

        def at(x: float) -> str:  # a start one sample off zero reads as 0
            return f"{scale * (0.0 if abs(x) < 1e-6 * span else x):{spec}}{unit}"

        parts = [f"{r.higher} higher from {name} {at(r.x_from)} to {at(r.x_to)}"
                 for r in self.ranges.itertuples()]  # fmt: skip
        return "; ".join(parts)


def compare_curves(
    a: Curve,
    b: Curve,
    *,
    x: Literal["capacity", "soc", "dod"] = "dod",
    n_points: int = 501,
    tol_V: float = 0.0,
) -> CurveComparison:
    """Compare two cells' voltage curves at the same rate on a common grid.

    Each curve is mapped to its progress through the step -- charge passed [Ah] for
    ``x="capacity"``, or 100 * charge / reference capacity [%] for ``"soc"``/``"dod"``
    -- and both are interpolated linearly onto ``n_points`` points spanning the range
    both cover. On a discharge SOC = 100 - DoD and DoD = progress (the step is taken to
    start full); on a charge SOC = progress (it starts empty). The difference
    dV = V_a - V_b changes sign where the curves cross; each crossing is located by
    linear interpolation between the two grid points around the zero of dV. With
    ``tol_V`` > 0 a crossing counts only when dV goes from beyond +tol to beyond -tol
    (or back), so wiggles of nearly coinciding curves are not reported; it is placed at
    the first zero of dV in between. The last grid point does not count towards a sign
    change: there the shorter curve ends (at its cut-off) while the other is interpolated
    across a sampling interval, and two curves ending at one cut-off voltage meet there
    by construction.

    The standard error of a crossing, ``x_err``, is sigma_dV / |d(dV)/dx|: the voltage
    noise of the two curves (a robust estimate from the second differences of their
    samples, sqrt(sigma_a^2 + sigma_b^2)) over the slope of dV, fitted over about 2 % of
    the grid around the crossing. Curves that cross at a shallow angle get wide errors.

    Parameters
    ----------
    a, b
        The two curves (:class:`Curve`; from :meth:`RateResult.curve` or
        :meth:`Curve.from_arrays`), of the same direction.
    x
        Grid coordinate, ``"capacity"`` [Ah], ``"soc"`` or ``"dod"`` [%].
    n_points
        Number of grid points (>= 3).
    tol_V
        Voltage difference [V] under which the curves count as equal.

    Returns
    -------
    CurveComparison

    Raises
    ------
    InputError
        Curves of different directions, an unknown ``x``, bad arrays.
    AnalysisInputError
        Curves that do not overlap on the chosen coordinate.
    """
    if x not in ("capacity", "soc", "dod"):
        raise InputError(f"parameter x = {x!r}: expected 'capacity', 'soc' or 'dod'")
    for c, nm in ((a, "a"), (b, "b")):
        if c.direction not in ("charge", "discharge"):
            raise InputError(f"curve {nm}: direction {c.direction!r}; expected 'charge' or "
                             "'discharge'")  # fmt: skip
        if c.reference_capacity_Ah is not None and not c.reference_capacity_Ah > 0:
            raise InputError(f"curve {nm}: reference_capacity_Ah = {c.reference_capacity_Ah}; "
                             "expected > 0")  # fmt: skip
    if not tol_V >= 0:
        raise InputError(f"parameter tol_V = {tol_V}: expected >= 0")
    if a.direction != b.direction:
        raise InputError(
            f"cannot compare a {a.direction} curve ({a.label or 'a'}) with a {b.direction} "
            f"curve ({b.label or 'b'}); expected two curves of the same direction"
        )
    if int(n_points) < 3:
        raise InputError(f"parameter n_points = {n_points}: expected >= 3")
    la, lb = a.label or "a", b.label or "b"
    if la == lb:
        la, lb = f"{la} (a)", f"{lb} (b)"
    qa, va = _clean_curve(a, la)
    qb, vb = _clean_curve(b, lb)
    noise_dv = float(np.hypot(_noise_V(va), _noise_V(vb)))
    ra, rb = a.reference_Ah, b.reference_Ah
    scale_a, scale_b = (1.0, 1.0) if x == "capacity" else (100.0 / ra, 100.0 / rb)
    pa, pb = qa * scale_a, qb * scale_b
    lo, hi = max(pa[0], pb[0]), min(pa[-1], pb[-1])
    if not hi > lo:
        raise AnalysisInputError(
            f"curves {la} and {lb} do not overlap on {x}: {pa[0]:.4g}..{pa[-1]:.4g} and "
            f"{pb[0]:.4g}..{pb[-1]:.4g}"
        )
    p = np.linspace(lo, hi, int(n_points))
    ya, yb = np.interp(p, pa, va), np.interp(p, pb, vb)
    dv = ya - yb
    sign = -1.0 if a.direction == "discharge" else 1.0

    def to_x(prog: np.ndarray) -> np.ndarray:
        if x == "capacity":
            return prog
        soc = 100.0 - prog if a.direction == "discharge" else prog
        return soc if x == "soc" else 100.0 - soc

    grid = pd.DataFrame(
        {"x": to_x(p), "voltage_a_V": ya, "voltage_b_V": yb, "dv_V": dv,
         "d_overvoltage_V": sign * dv}
    )  # fmt: skip

    # crossings: sign changes between points beyond the tolerance
    s = np.sign(dv)
    s[np.abs(dv) <= tol_V] = 0.0
    s[-1] = 0.0  # the end of the overlap: see the docstring
    idx = np.flatnonzero(s != 0)
    flip = np.flatnonzero(s[idx[1:]] != s[idx[:-1]])
    name = {1.0: la, -1.0: lb}
    half = max(2, len(p) // 100)  # half-width of the window for dV's slope at a crossing
    rows, p_cross = [], []
    for i, j in zip(idx[flip], idx[flip + 1], strict=True):
        seg = dv[i : j + 1] * s[i]
        k = i + int(np.flatnonzero(seg[1:] <= 0)[0])
        w = dv[k] / (dv[k] - dv[k + 1])
        pc = p[k] + w * (p[k + 1] - p[k])
        p_cross.append(pc)
        w0, w1 = max(k - half, 0), min(k + 2 + half, len(p))
        slope = float(np.polyfit(p[w0:w1], dv[w0:w1], 1)[0])
        x_err = noise_dv / abs(slope) if slope != 0 else np.inf
        qca, qcb = pc / scale_a, pc / scale_b
        soc_a = 100 * qca / ra if a.direction == "charge" else 100 - 100 * qca / ra
        soc_b = 100 * qcb / rb if b.direction == "charge" else 100 - 100 * qcb / rb
        rows.append({
            "x": float(to_x(np.array([pc]))[0]), "x_err": x_err,
            "capacity_a_Ah": qca, "capacity_b_Ah": qcb,
            "soc_a_pct": soc_a, "soc_b_pct": soc_b,
            "dod_a_pct": 100 - soc_a, "dod_b_pct": 100 - soc_b,
            "voltage_V": float(ya[k] + w * (ya[k + 1] - ya[k])),
            "higher_before": name[s[i]], "higher_after": name[s[j]],
        })  # fmt: skip
    cols = ["x", "x_err", "capacity_a_Ah", "capacity_b_Ah", "soc_a_pct", "soc_b_pct", "dod_a_pct",
            "dod_b_pct", "voltage_V", "higher_before", "higher_after"]  # fmt: skip
    crossings = pd.DataFrame(rows, columns=cols)

    # ranges between crossings (in progress order)
    bounds = np.r_[lo, p_cross, hi]
    ranges = []
    for b0, b1 in zip(bounds[:-1], bounds[1:], strict=True):
        m = (p >= b0) & (p <= b1)
        sm = s[m]
        nz = sm[sm != 0]
        higher = name[float(np.sign(nz.sum()))] if len(nz) and nz.sum() != 0 else "equal"
        ranges.append({
            "x_from": float(to_x(np.array([b0]))[0]), "x_to": float(to_x(np.array([b1]))[0]),
            "higher": higher, "mean_dv_V": float(dv[m].mean()) if m.any() else np.nan,
            "max_abs_dv_V": float(np.abs(dv[m]).max()) if m.any() else np.nan,
        })  # fmt: skip
    return CurveComparison(x, a.direction, grid, crossings, pd.DataFrame(ranges), (la, lb))
