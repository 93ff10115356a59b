"""Cells side by side: where their resistance curves cross, with what confidence, and
what that means for the design of the electrode.

Input is one table per cell with a SOC column and resistance components, such as the
table :func:`ohmslice.method.decompose.decompose` returns: ``soc_pct`` and, for each component
``c`` in (``r1``, ``r2``, ``r3``, ``r_total``), ``{c}_ohm`` and optionally ``{c}_ohm_err``
(one standard error). Any other component named ``{c}_ohm`` can be compared too
(``r12``, ``r3_paper``, ``r3_dc``, ``r_ocv``). The meaning of every column is in
:mod:`ohmslice.method.columns`; by choice, ``r3`` is the diffusion *developed by the pulse
end* -- what the pulses measure alike in both methods, without the OCV change (that is
``r3_paper``) and without extrapolation beyond the pulse (that is ``r3_dc``).

Rows with ``usable`` False (a pulse that failed its method's checks) are left out. A
component with fewer than three usable values in a cell, or without a SOC range the
cells share, is skipped with a note instead of stopping the comparison (R1 and R2 of a
GITT sampled every second cannot be split: their ``r1_ohm`` is all NaN). The SOC scale
of each table (``attrs["soc_basis"]`` / ``attrs["soc_reference"]``, set by
:func:`ohmslice.dc.gitt.analyze_gitt`) is carried into the crossovers
(``soc_reference``); cells on different scales get a note.

Method, per component and pair of cells (a, b):

1. Both curves are interpolated (linearly in SOC) on a common grid spanning the SOC
   range both cells cover, with ``grid_step_pct`` spacing.
2. The log-ratio d(SOC) = ln(R_a / R_b) is smoothed by a local quadratic regression
   with a Gaussian kernel of width ``smooth_pct`` (pulse-to-pulse noise must not create
   crossings; a quadratic, unlike a kernel average, does not move a crossover).
3. A crossover is a sign change of the smoothed d whose sign then holds for at least
   ``min_span_pct`` on both sides; its SOC is where the *unsmoothed* d changes sign
   within ``smooth_pct`` of it (linear between grid points; the median where noise makes
   several), so the smoothing, which decides whether the curves cross, does not move
   where.
4. Confidence: a parametric bootstrap (``n_boot`` replicas): every pulse's value is
   redrawn from a normal distribution with its standard error (where ``_err`` columns
   are absent, the scatter of the curve around its smoothed version serves as the error),
   and steps 1-3 are repeated. A Decomposition that carries the errors its pulses share
   (``.systematic``, :mod:`ohmslice.method.systematic`: the time constants' errors, the
   diffusion shapes the spectra do not rule out) has them drawn once per replica for all
   its pulses alike, so they move the whole curve as they would in a repeated
   experiment. Each nominal crossover gets the 2.5-97.5 % percentile of
   the nearest replica crossover within ``match_window_pct``, widened by a quarter of a
   pulse's SOC span on each side, and the fraction of replicas in which it was found.

Where a pulse's values belong in SOC: a decomposition's columns hold what the pulse
developed by its end (:mod:`ohmslice.method.columns`), so each pulse is placed at the SOC
of its end (``soc_end_pct``; ``soc_pct`` for tables without it). Charge transfer and the
total follow the state at the end; diffusion carries some of the pulse's history and
leans a little towards its middle (on the reference study, 0.1 of a pulse's span), which
the widening by a quarter of a span holds. Placed at mid-pulse, every crossover of a
discharge GITT came out about half a pulse too high.

Between crossovers the SOC ranges say which cell is lower and by how much (median of
1 - R_lower/R_higher over the range), and a plain-language note states it. A range
counts as a difference only where it is at least ``min_effect_pct`` and its sign holds
in ``confidence`` of the bootstrap replicas; crossovers between ranges that are not
differences are dropped, so two cells with the same curve get no crossover.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from .._display import Plottable, html_summary
from ..errors import AnalysisInputError, MissingColumnError

__all__ = ["compare", "Comparison", "find_crossovers", "COMPONENT_MEANING"]

SOC = "soc_pct"
#: where a pulse's values are placed when the table has it: the SOC at the pulse end
SOC_END = "soc_end_pct"

#: What each component means physically, for the design notes.
COMPONENT_MEANING = {
    "r1": "contact and electronic resistance",
    "r2": "charge transfer between active material and solid electrolyte",
    "r3": "Li diffusion in the active material, developed by the pulse end",
    "r12": "contact and charge transfer together",
    "r3_paper": "diffusion and OCV change, the reference paper's R3",
    "r3_dc": "full DC diffusion resistance",
    "r_ocv": "OCV change of the pulse's charge",
    "r_total": "total resistance",
}

_NAMES = {"r_total": "total resistance", "r12": "R1 + R2", "r3_paper": "R3 (paper's)",
          "r3_dc": "R3 (DC)", "r_ocv": "OCV change"}  # fmt: skip


class _Skip(Exception):
    """A component of a pair of cells that cannot be compared (the message says why)."""


@dataclass(repr=False)
class Comparison(Plottable):
    """Result of :func:`compare`; ``.plot()`` draws R vs SOC of the cells with the
    crossovers (:func:`ohmslice.report.decompose_figures.plot_resistance_map`).

    Attributes
    ----------
    crossovers
        One row per crossover: ``component``, ``cell_a``, ``cell_b``, ``soc_pct``,
        ``ci_low_pct``, ``ci_high_pct`` (95 % interval: the bootstrap's, widened by the
        pulses' SOC resolution), ``found_fraction`` (share of bootstrap replicas showing
        it), ``lower_above`` (the cell lower on the high-SOC side), ``soc_reference``
        (the cells' SOC scale: ``"discharge"``, ...; ``"mixed (...)"`` where they differ).
    ranges
        One row per SOC range between crossovers: ``component``, ``cell_a``, ``cell_b``,
        ``soc_from_pct``, ``soc_to_pct``, ``lower``, ``higher``, ``lower_by_pct``
        (median of 1 - R_lower/R_higher in %).
    notes
        Plain-language design notes, one per component and pair, and one per component
        skipped (why).
    settings
        The settings used, and ``soc_reference``: cell -> the words of its SOC scale.
    tables
        Cell -> the decomposition table compared (what ``.plot()`` draws).
    """

    crossovers: pd.DataFrame
    ranges: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)

    def summary_lines(self) -> list[str]:
        """One line per crossover (component, SOC with its 95 % interval, which cell is
        lower above it), or that there is none."""
        cells = ", ".join(map(str, self.tables)) or "the cells"
        if not len(self.crossovers):
            return [f"no crossover between {cells}"]
        out = []
        for r in self.crossovers.itertuples():
            ci = (f" (95 %: {r.ci_low_pct:.1f} .. {r.ci_high_pct:.1f})"
                  if r.ci_low_pct == r.ci_low_pct else "")  # fmt: skip
            out.append(f"{r.component}: {r.cell_a} / {r.cell_b} cross at SOC {r.soc_pct:.1f} %"
                       f"{ci}, {r.lower_above} lower above")  # fmt: skip
        return out

    def __repr__(self) -> str:
        head = (f"Comparison of {', '.join(map(str, self.tables)) or 'cells'}: "
                f"{len(self.crossovers)} crossover(s)")  # fmt: skip
        return "\n  ".join([head, *self.summary_lines()])

    def _repr_html_(self) -> str:
        head = f"Comparison of {', '.join(map(str, self.tables)) or 'cells'}"
        return html_summary(head, self.summary_lines(), notes=self.notes)


def _smooth(y: np.ndarray, step: float, width: float) -> np.ndarray:
    """Local quadratic regression of each row of ``y`` (values on a grid of spacing
    ``step``) with a Gaussian kernel of standard deviation ``width``.

    A local *quadratic* fit follows straight and curved stretches (its bias is of the
    order of width^4 times the fourth derivative), so a crossover of smooth curves stays
    where it is; a kernel average would move it by about width^2 d2 / (2 d1) (d1, d2 the
    first and second derivatives of the log-ratio)."""
    if width <= 0:
        return y
    n = y.shape[-1]
    x = np.arange(n) * step
    d = (x[None, :] - x[:, None]) / width  # d[i, j]: offset of point j from point i
    k = np.exp(-0.5 * d**2)
    m = np.stack([(k * d**p).sum(axis=1) for p in range(5)], axis=-1)
    gram = np.stack([m[:, 0:3], m[:, 1:4], m[:, 2:5]], axis=1)
    c = np.linalg.solve(gram, np.broadcast_to(np.eye(3)[0], (n, 3))[..., None])[..., 0]
    s = k * (c[:, 0:1] + c[:, 1:2] * d + c[:, 2:3] * d**2)
    return y @ s.T


def find_crossovers(
    soc: np.ndarray, d: np.ndarray, min_span_pct: float
) -> tuple[np.ndarray, np.ndarray]:
    """Sign changes of ``d`` along increasing ``soc`` that persist ``min_span_pct``.

    Candidate crossings are the zero crossings of ``d`` (linear interpolation between
    grid points); while a run of one sign is shorter than ``min_span_pct``, the shortest
    such run is removed with the crossing(s) bounding it. Returns the crossover SOCs and,
    for each, the sign of ``d`` on its high-SOC side (+1: first curve higher above it).
    """
    sign = np.where(d >= 0, 1.0, -1.0)
    idx = np.flatnonzero(np.diff(sign))
    if idx.size == 0:
        return np.empty(0), np.empty(0)
    x0, x1, y0, y1 = soc[idx], soc[idx + 1], d[idx], d[idx + 1]
    xs = list(x0 + (x1 - x0) * (-y0) / (y1 - y0))
    signs = list(sign[idx + 1])
    while xs:
        edges = np.r_[soc[0], xs, soc[-1]]
        spans = np.diff(edges)
        k = int(np.argmin(spans))
        if spans[k] >= min_span_pct:
            break
        # run k lies between crossing k-1 and crossing k
        drop = [i for i in (k - 1, k) if 0 <= i < len(xs)]
        for i in reversed(drop):
            del xs[i], signs[i]
    return np.asarray(xs, dtype=float), np.asarray(signs, dtype=float)


def _curve(
    df: pd.DataFrame, comp: str, cell: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """SOC (of the pulse end where the table has it), values, errors and row positions of
    ``comp`` of one cell: usable, finite, positive rows, by SOC.

    Raises MissingColumnError without a SOC column, _Skip with fewer than 3 values."""
    df = getattr(df, "table", df)  # a Decomposition or its table
    col = f"{comp}_ohm"
    if SOC not in df.columns:
        raise MissingColumnError(f"cell '{cell}' has no column '{SOC}'", column=SOC)
    if col not in df.columns:
        raise _Skip(f"cell '{cell}' has no column '{col}'")
    where = SOC_END if SOC_END in df.columns and np.isfinite(df[SOC_END]).all() else SOC
    sub = df[[where, col] + ([f"{col}_err"] if f"{col}_err" in df.columns else [])]
    sub = sub.rename(columns={where: "_soc"}).assign(_pos=np.arange(len(sub)))
    keep = np.isfinite(sub[col]) & np.isfinite(sub["_soc"]) & (sub[col] > 0)
    if "usable" in df.columns:
        keep &= df["usable"].astype(bool)
    sub = sub[keep].sort_values("_soc")
    if len(sub) < 3:
        raise _Skip(f"cell '{cell}' has {len(sub)} usable values of '{col}' (fewer than 3)")
    err = sub[f"{col}_err"].to_numpy(float) if f"{col}_err" in sub.columns else None
    if err is not None:
        err = np.where(np.isfinite(err) & (err >= 0), err, 0.0)
    return sub["_soc"].to_numpy(float), sub[col].to_numpy(float), err, sub["_pos"].to_numpy()


def _replicas(
    source: object, comp: str, pos: np.ndarray, r: np.ndarray, err: np.ndarray,
    n_boot: int, rng: np.random.Generator,
) -> np.ndarray:  # fmt: skip
    """(n_boot, n) bootstrap values of one cell's curve ``r`` (rows ``pos`` of its table).

    Each pulse's own noise is drawn independently. Where ``source`` is a Decomposition
    with a :class:`~ohmslice.method.systematic.Systematic` (``.systematic``), each
    replica also draws one standard normal number per shared input, applied to all
    pulses alike, and one diffusion shape by the weights (that shape's values replace
    ``r``); the independent noise is then the ``_err`` less the shared part it holds."""
    sys_ = getattr(source, "systematic", None)
    noise = rng.standard_normal((n_boot, r.size))
    if sys_ is None:
        return np.clip(r + noise * err, 1e-12 * r, None)
    shifts = sys_.shifts.get(comp)
    shifts = shifts[pos] if shifts is not None else np.zeros((r.size, 0))
    own = np.sqrt(np.maximum(err**2 - np.sum(shifts**2, axis=1), 0.0))
    base = np.broadcast_to(r, (n_boot, r.size)).copy()
    if sys_.alternatives:
        weights = np.r_[sys_.base_weight, [a["weight"] for a in sys_.alternatives]]
        pick = rng.choice(weights.size, size=n_boot, p=weights / weights.sum())
        for j, alt in enumerate(sys_.alternatives, start=1):
            vals = alt["values"].get(comp)
            if vals is None:
                continue
            v = vals[pos]
            v = np.where(np.isfinite(v) & (v > 0), v, r)
            base[pick == j] = v
    z = rng.standard_normal((n_boot, shifts.shape[1]))
    return np.clip(base + z @ shifts.T + noise * own, 1e-12 * r, None)


def _scale(df: pd.DataFrame) -> tuple[str, str]:
    """(basis, words) of a table's SOC scale, from its attrs ('' where not stated)."""
    attrs = getattr(getattr(df, "table", df), "attrs", {}) or {}
    return str(attrs.get("soc_basis", "") or ""), str(attrs.get("soc_reference", "") or "")


def compare(
    results_by_cell: Mapping[str, pd.DataFrame],
    components: Sequence[str] = ("r1", "r2", "r3", "r_total"),
    *,
    grid_step_pct: float = 0.5,
    smooth_pct: float = 3.0,
    min_span_pct: float = 5.0,
    n_boot: int = 300,
    match_window_pct: float = 10.0,
    min_effect_pct: float = 2.0,
    confidence: float = 0.95,
    seed: int = 0,
) -> Comparison:
    """Compare cells' resistance components across SOC.

    Parameters
    ----------
    results_by_cell
        Cell name -> table with ``soc_pct`` [%] and ``{component}_ohm`` columns (and
        optionally ``{component}_ohm_err``), or a ``Decomposition`` holding one.
    components
        Components to compare; those missing from every table are skipped.
    grid_step_pct, smooth_pct, min_span_pct, n_boot, match_window_pct, seed
        See the module docstring.
    min_effect_pct, confidence
        A SOC range counts as one where the cells differ only if the median relative
        difference is at least ``min_effect_pct`` and the sign of the mean difference
        holds in at least ``confidence`` of the bootstrap replicas; a crossover is
        reported only between two such ranges.

    Returns
    -------
    Comparison
        A component of a pair that cannot be compared (a cell without the column, fewer
        than 3 usable values, no common SOC range) is skipped with a note.

    Raises
    ------
    AnalysisInputError
        Fewer than two cells.
    MissingColumnError
        A table without ``soc_pct``.
    """
    if len(results_by_cell) < 2:
        raise AnalysisInputError("compare needs at least two cells")
    rng = np.random.default_rng(seed)
    settings = {
        "grid_step_pct": grid_step_pct,
        "smooth_pct": smooth_pct,
        "min_span_pct": min_span_pct,
        "n_boot": n_boot,
        "match_window_pct": match_window_pct,
        "min_effect_pct": min_effect_pct,
        "confidence": confidence,
        "seed": seed,
    }
    cross_rows: list[dict] = []
    range_rows: list[dict] = []
    notes: list[str] = []
    scales = {name: _scale(df) for name, df in results_by_cell.items()}
    settings["soc_reference"] = {name: words for name, (_, words) in scales.items()}
    bases = {basis for basis, _ in scales.values()}
    if len(bases) > 1:
        notes.append(
            "the cells' SOC scales differ ("
            + ", ".join(f"{n}: {b or 'not stated'}" for n, (b, _) in scales.items())
            + "): their crossovers compare different scales"
        )
    for comp in components:
        if not any(
            f"{comp}_ohm" in getattr(df, "table", df).columns for df in results_by_cell.values()
        ):
            continue
        for a, b in combinations(results_by_cell, 2):
            try:
                crosses, ranges = _compare_pair(
                    comp,
                    a,
                    results_by_cell[a],
                    b,
                    results_by_cell[b],
                    rng,
                    grid_step_pct=grid_step_pct,
                    smooth_pct=smooth_pct,
                    min_span_pct=min_span_pct,
                    n_boot=n_boot,
                    match_window_pct=match_window_pct,
                    min_effect_pct=min_effect_pct,
                    confidence=confidence,
                )
            except _Skip as why:
                notes.append(f"{_name(comp)} of {a} and {b} not compared: {why}.")
                continue
            basis_a, basis_b = scales[a][0], scales[b][0]
            basis = basis_a if basis_a == basis_b else f"mixed ({basis_a}, {basis_b})"
            for row in crosses:
                row["soc_reference"] = basis
            cross_rows += crosses
            range_rows += ranges
            notes.append(_note(comp, crosses, ranges))
    return Comparison(
        crossovers=pd.DataFrame(cross_rows, columns=CROSSOVER_COLUMNS),
        ranges=pd.DataFrame(range_rows, columns=RANGE_COLUMNS),
        notes=notes,
        settings=settings,
        tables={name: getattr(df, "table", df) for name, df in results_by_cell.items()},
    )


CROSSOVER_COLUMNS = [
    "component",
    "cell_a",
    "cell_b",
    "soc_pct",
    "ci_low_pct",
    "ci_high_pct",
    "found_fraction",
    "lower_above",
    "soc_reference",
]
RANGE_COLUMNS = [
    "component",
    "cell_a",
    "cell_b",
    "soc_from_pct",
    "soc_to_pct",
    "lower",
    "higher",
    "lower_by_pct",
    "significant",
]


def _interp_matrix(grid: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Matrix W with W @ y = np.interp(grid, x, y) for increasing x."""
    w = np.zeros((grid.size, x.size))
    j = np.clip(np.searchsorted(x, grid, side="right") - 1, 0, x.size - 2)
    f = np.clip((grid - x[j]) / (x[j + 1] - x[j]), 0.0, 1.0)
    rows = np.arange(grid.size)
    w[rows, j] = 1 - f
    w[rows, j + 1] += f
    return w


def _compare_pair(
    comp: str,
    a: str,
    dfa: pd.DataFrame,
    b: str,
    dfb: pd.DataFrame,
    rng: np.random.Generator,
    *,
    grid_step_pct: float,
    smooth_pct: float,
    min_span_pct: float,
    n_boot: int,
    match_window_pct: float,
    min_effect_pct: float,
    confidence: float,
) -> tuple[list[dict], list[dict]]:
    sa, ra, ea, pa = _curve(dfa, comp, a)
    sb, rb, eb, pb = _curve(dfb, comp, b)
    lo, hi = max(sa.min(), sb.min()), min(sa.max(), sb.max())
    if hi - lo < 2 * grid_step_pct:
        raise _Skip(
            f"cells '{a}' and '{b}' share no SOC range for '{comp}'"
            f" ({sa.min():.1f}-{sa.max():.1f} % vs {sb.min():.1f}-{sb.max():.1f} %)"
        )
    grid = np.arange(lo, hi + 1e-9, grid_step_pct)
    wa, wb = _interp_matrix(grid, sa), _interp_matrix(grid, sb)

    def raw_ratio(va: np.ndarray, vb: np.ndarray) -> np.ndarray:
        return np.log(va @ wa.T) - np.log(vb @ wb.T)

    def log_ratio(va: np.ndarray, vb: np.ndarray) -> np.ndarray:
        return _smooth(raw_ratio(va, vb), grid_step_pct, smooth_pct)

    raw0 = raw_ratio(ra[None, :], rb[None, :])[0]
    d0 = _smooth(raw0[None, :], grid_step_pct, smooth_pct)[0]
    x0, sign0 = find_crossovers(grid, d0, min_span_pct)
    x0 = _on_raw(x0, grid, raw0, smooth_pct)

    ea = ea if ea is not None else _scatter(sa, ra, grid_step_pct, smooth_pct)
    eb = eb if eb is not None else _scatter(sb, rb, grid_step_pct, smooth_pct)
    va = _replicas(dfa, comp, pa, ra, ea, n_boot, rng)
    vb = _replicas(dfb, comp, pb, rb, eb, n_boot, rng)
    dboot = log_ratio(va, vb)
    raws = raw_ratio(va, vb)
    reps = [
        _on_raw(find_crossovers(grid, row, min_span_pct)[0], grid, raw, smooth_pct)
        for row, raw in zip(dboot, raws, strict=True)
    ]
    # where in its SOC span a pulse's value belongs is known to a quarter of the span
    half = 0.25 * max(_pulse_width(dfa), _pulse_width(dfb))
    curve_a, curve_b = wa @ ra, wb @ rb

    def range_stats(lo_e: float, hi_e: float) -> tuple[bool, bool, float]:
        """(a higher?, significant?, median relative difference %) over [lo_e, hi_e]."""
        m = (grid >= lo_e) & (grid <= hi_e)
        a_higher = d0[m].mean() > 0
        r_low, r_high = (curve_b[m], curve_a[m]) if a_higher else (curve_a[m], curve_b[m])
        by = float(np.median(1 - r_low / r_high) * 100)
        same = np.mean((dboot[:, m].mean(axis=1) > 0) == a_higher) if n_boot else 1.0
        return a_higher, bool(same >= confidence and by >= min_effect_pct), by

    # a crossover stands only between two ranges in which the cells differ significantly
    keep = np.ones(x0.size, dtype=bool)
    while True:
        edges = np.r_[lo, x0[keep], hi]
        sig = [range_stats(e0, e1)[1] for e0, e1 in zip(edges[:-1], edges[1:], strict=True)]
        idx = np.flatnonzero(keep)
        bad = [i for j, i in enumerate(idx) if not (sig[j] and sig[j + 1])]
        if not bad:
            break
        keep[bad[0]] = False  # drop one at a time: the ranges change with it
    x0, sign0 = x0[keep], sign0[keep]

    crosses = []
    for x, sg in zip(x0, sign0, strict=True):
        near = np.array([r[np.argmin(np.abs(r - x))] for r in reps if r.size])
        near = near[np.abs(near - x) <= match_window_pct] if near.size else near
        ci = (
            np.percentile(near, [2.5, 97.5]) + [-half, half]
            if near.size >= 10
            else (np.nan, np.nan)
        )
        crosses.append(
            {
                "component": comp,
                "cell_a": a,
                "cell_b": b,
                "soc_pct": float(x),
                "ci_low_pct": float(ci[0]),
                "ci_high_pct": float(ci[1]),
                "found_fraction": near.size / n_boot if n_boot else np.nan,
                "lower_above": b if sg > 0 else a,
            }
        )

    ranges = []
    edges = np.r_[lo, x0, hi]
    for lo_e, hi_e in zip(edges[:-1], edges[1:], strict=True):
        if not ((grid >= lo_e) & (grid <= hi_e)).any():
            continue
        a_higher, significant, by = range_stats(lo_e, hi_e)
        lower, higher = (b, a) if a_higher else (a, b)
        ranges.append(
            {
                "component": comp,
                "cell_a": a,
                "cell_b": b,
                "soc_from_pct": float(lo_e),
                "soc_to_pct": float(hi_e),
                "lower": lower if significant else "neither",
                "higher": higher if significant else "neither",
                "lower_by_pct": by,
                "significant": significant,
            }
        )
    return crosses, ranges


def _on_raw(xs: np.ndarray, grid: np.ndarray, raw: np.ndarray, window: float) -> np.ndarray:
    """Each crossover ``xs`` of the smoothed log-ratio moved to where the unsmoothed one
    (``raw`` on ``grid``) changes sign within +-``window`` of it (the median of such
    sign changes where noise makes several): smoothing decides *whether* the curves
    cross, the data *where*, so a curved log-ratio does not move it."""
    if xs.size == 0:
        return xs
    idx = np.flatnonzero(np.diff(np.sign(raw)) != 0)
    if idx.size == 0:
        return xs
    x0, x1, y0, y1 = grid[idx], grid[idx + 1], raw[idx], raw[idx + 1]
    zeros = x0 + (x1 - x0) * y0 / (y0 - y1)
    out = xs.copy()
    for k, x in enumerate(xs):
        near = zeros[np.abs(zeros - x) <= window]
        if near.size:
            out[k] = float(np.median(near))
    return out


def _pulse_width(df: pd.DataFrame) -> float:
    """Median SOC span [%] of one pulse of a table (``soc_start_pct`` to ``soc_end_pct``;
    else the median spacing of ``soc_pct``): how finely its values resolve SOC."""
    df = getattr(df, "table", df)
    if {"soc_start_pct", "soc_end_pct"} <= set(df.columns):
        span = np.abs(df["soc_start_pct"].to_numpy(float) - df["soc_end_pct"].to_numpy(float))
    else:
        span = np.abs(np.diff(np.sort(df[SOC].to_numpy(float))))
    span = span[np.isfinite(span)]
    return float(np.median(span)) if span.size else 0.0


def _scatter(soc: np.ndarray, r: np.ndarray, step: float, width: float) -> np.ndarray:
    """Per-point error estimated from the scatter around a smoothed curve."""
    grid = np.arange(soc.min(), soc.max() + 1e-9, step)
    smooth = np.interp(soc, grid, _smooth(np.interp(grid, soc, r)[None, :], step, width)[0])
    resid = r - smooth
    sigma = 1.4826 * np.median(np.abs(resid - np.median(resid)))
    return np.full_like(r, sigma)


def _name(comp: str) -> str:
    return _NAMES.get(comp, comp.upper())


def _note(comp: str, mine: list[dict], rng: list[dict]) -> str:
    """One plain-language sentence on one component of one pair of cells."""
    meaning = COMPONENT_MEANING.get(comp, comp)
    what = f"{_name(comp)} ({meaning})" if comp != "r_total" else "total resistance"
    if not mine:
        r = rng[0]
        span = f"{r['soc_from_pct']:.0f}-{r['soc_to_pct']:.0f} % SOC"
        if not r["significant"]:
            return (
                f"{what}: no significant difference over {span} "
                f"(median {abs(r['lower_by_pct']):.0f} %); no crossover."
            )
        return (
            f"{what}: {r['lower']} is lower over the whole common range {span}, "
            f"by {r['lower_by_pct']:.0f} % (median); no crossover."
        )
    parts = []
    for r in sorted(rng, key=lambda r: -r["soc_to_pct"]):
        parts.append(
            f"{r['soc_from_pct']:.0f}-{r['soc_to_pct']:.0f} % SOC: {r['lower']} lower "
            f"by {r['lower_by_pct']:.0f} %"
        )
    xs = []
    for c in sorted(mine, key=lambda c: -c["soc_pct"]):
        ci = (
            f" ({c['ci_low_pct']:.0f}-{c['ci_high_pct']:.0f} %)"
            if np.isfinite(c["ci_low_pct"])
            else " (interval not resolved)"
        )
        xs.append(f"{c['soc_pct']:.0f} %{ci}")
    return f"{what}: the order reverses at {', '.join(xs)} SOC. " + "; ".join(parts) + "."
