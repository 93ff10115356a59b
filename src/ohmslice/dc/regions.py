"""Regions I, II and III of a GITT discharge (the reference paper's Figure 4), by a stated rule."""

from __future__ import annotations

import numpy as np

__all__ = ["REGION_RULE", "label_regions"]

#: The rule :func:`label_regions` applies, as stated in results and reports.
REGION_RULE = (
    "III: the pulse that reached the cut-off voltage and the run of pulses at the end of "
    "the sequence whose total resistance exceeds steep_factor (1.5) times the median total "
    "resistance of the sequence; I/II: the remaining pulses are split, in pulse order, at "
    "the breakpoint of the best two-line least-squares fit of total resistance vs SOC "
    "(at least 3 pulses per side; I is the start of the sequence, II the rest). "
    "With fewer than 6 such pulses all are I."
)


def label_regions(
    soc_pct: np.ndarray,
    r_total_ohm: np.ndarray,
    reached_cutoff: np.ndarray,
    *,
    steep_factor: float = 1.5,
) -> np.ndarray:
    """Label pulses (in pulse order) ``"I"``, ``"II"`` or ``"III"`` by :data:`REGION_RULE`.

    Parameters
    ----------
    soc_pct
        SOC of each pulse (e.g. its middle) [%].
    r_total_ohm
        Total resistance of each pulse [Ohm] (NaN allowed: such pulses follow their
        neighbours).
    reached_cutoff
        Whether the pulse hit the cut-off voltage.
    steep_factor
        A trailing pulse is in III where its total resistance exceeds this times the
        sequence median.

    Returns
    -------
    numpy.ndarray
        Array of ``"I"``, ``"II"``, ``"III"`` strings, one per pulse.
    """
    n = len(soc_pct)
    lab = np.full(n, "I", dtype=object)
    if n == 0:
        return lab
    r = np.asarray(r_total_ohm, dtype=float)
    med = np.nanmedian(r) if np.isfinite(r).any() else np.nan
    steep = np.where(np.isfinite(r), r > steep_factor * med, False) | np.asarray(reached_cutoff)
    # trailing run of steep pulses
    k = n
    while k > 0 and (steep[k - 1] or np.asarray(reached_cutoff)[k - 1]):
        k -= 1
    lab[k:] = "III"
    x = np.asarray(soc_pct, dtype=float)[:k]
    y = r[:k]
    ok = np.isfinite(x) & np.isfinite(y)
    idx = np.flatnonzero(ok)
    m = idx.size
    if m < 6:
        return lab
    xs, ys = x[idx], y[idx]

    # SSE of a straight line over prefixes and suffixes, from cumulative sums
    def sse(xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
        c = np.arange(1, len(xx) + 1, dtype=float)
        sx, sy = np.cumsum(xx), np.cumsum(yy)
        sxx, syy, sxy = np.cumsum(xx * xx), np.cumsum(yy * yy), np.cumsum(xx * yy)
        vxx = sxx - sx * sx / c
        vyy = syy - sy * sy / c
        vxy = sxy - sx * sy / c
        with np.errstate(invalid="ignore", divide="ignore"):
            out = vyy - np.where(vxx > 0, vxy * vxy / np.where(vxx > 0, vxx, 1.0), 0.0)
        return out

    pre = sse(xs, ys)  # pre[j]: first j+1 points
    suf = sse(xs[::-1], ys[::-1])[::-1]  # suf[j]: points j..end
    b = np.arange(3, m - 2)  # split: first b points in I
    total = pre[b - 1] + suf[b]
    split = int(b[int(np.argmin(total))])
    lab[idx[split:]] = "II"
    # pulses with NaN resistance follow the pulse before them
    for j in np.flatnonzero(~ok):
        lab[j] = lab[j - 1] if j > 0 else "I"
    return lab
