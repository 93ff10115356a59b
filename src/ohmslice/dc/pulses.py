"""Segmentation of a recording into constant-current steps, rests and voltage holds.

:func:`segment` is the base of every pulse analysis (GITT in :mod:`ohmslice.dc.gitt`,
DCIR and HPPC in :mod:`ohmslice.dc.dcir`, rate capability). It reads only the time,
voltage and current of a :class:`~ohmslice.schema.Recording`; the instrument's step
column (EC-Lab ``Ns``) is ignored, so that a wrong or missing one does no harm.

Timing convention
-----------------
Sample ``k`` carries the current that flowed over the interval ``(t[k-1], t[k]]``
(instruments write the last point of a step at its end, and the first point of the
next step after the change). A segment holding rows ``start .. stop-1`` therefore
spans ``t_start_s = t[start-1]`` (the last sample of the previous segment, the moment
of the current step) to ``t_end_s = t[stop-1]``; the very first segment starts at
``t[0]``. Where the sampling is coarse the step moment is uncertain by one sampling
interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import AnalysisInputError, InvalidDataError, MissingColumnError
from ..schema import CURRENT, TIME, VOLTAGE, Recording

__all__ = [
    "segment",
    "SEGMENT_COLUMNS",
    "cumulative_charge_Ah",
    "Arrays",
    "arrays_of",
    "find_pulse_sequence",
    "full_block",
    "r_at_times",
    "log_bins",
]

#: Columns of the table :func:`segment` returns, in order.
SEGMENT_COLUMNS = (
    "segment",
    "kind",
    "sign",
    "start",
    "stop",
    "n_points",
    "t_start_s",
    "t_end_s",
    "duration_s",
    "current_A",
    "charge_Ah",
    "v_start_V",
    "v_end_V",
)

KINDS = ("cc", "rest", "cv", "other")


@dataclass(frozen=True)
class Arrays:
    """Time [s], voltage [V] and current [A] of a recording as float64 arrays."""

    t: np.ndarray
    v: np.ndarray
    i: np.ndarray
    source: str | None = None


def arrays_of(recording: Recording) -> Arrays:
    """Take the time, voltage and current arrays (views where possible) of ``recording``.

    Raises
    ------
    MissingColumnError
        ``recording`` has no current (or time, voltage) column.
    InvalidDataError
        ``recording`` is not a :class:`Recording`.
    """
    if not isinstance(recording, Recording):
        raise InvalidDataError(f"expected an ohmslice Recording, got {type(recording).__name__}")
    df = recording.data
    for col in (TIME, VOLTAGE, CURRENT):
        if col not in df.columns:
            raise MissingColumnError(
                "a pulse analysis needs time, voltage and current; this column is absent",
                path=recording.source,
                column=col,
            )
    return Arrays(
        np.asarray(df[TIME].to_numpy(), dtype=float),
        np.asarray(df[VOLTAGE].to_numpy(), dtype=float),
        np.asarray(df[CURRENT].to_numpy(), dtype=float),
        recording.source,
    )


def cumulative_charge_Ah(t: np.ndarray, i: np.ndarray, seg_start: np.ndarray) -> np.ndarray:
    """Charge passed since the first sample [A h], at every sample.

    Within a segment the current is integrated by the trapezoid rule; the interval
    that ends on a segment's first sample carries that sample's current alone (the
    step happened at the start of the interval, see the module's timing convention).

    Parameters
    ----------
    t, i
        Time [s] and current [A].
    seg_start
        Row index of the first sample of every segment, increasing, starting with 0.
    """
    n = len(t)
    q = np.empty(n)
    q[0] = 0.0
    if n == 1:
        return q
    dt = np.diff(t)
    contrib = i[1:] + i[:-1]
    contrib *= 0.5
    first = seg_start[seg_start > 0] - 1  # intervals ending on a segment's first sample
    contrib[first] = i[first + 1]
    contrib *= dt
    np.cumsum(contrib, out=q[1:])
    q /= 3600.0
    return q


def _reference_current(a: np.ndarray) -> float:
    """Typical |current| of the active samples [A] (median of those above 1 % of the max)."""
    amax = float(a.max()) if a.size else 0.0
    if amax <= 0.0:
        return 0.0
    act = a[a > 0.01 * amax]
    return float(np.median(act))


def _noise_level(i: np.ndarray, state: np.ndarray) -> float:
    """Robust standard deviation [A] of current noise among active samples, from second
    differences (blind to steady trends such as sweeps and slow decays)."""
    if i.size < 4:
        return 0.0
    same = (state[2:] == state[1:-1]) & (state[1:-1] == state[:-2]) & (state[2:] != 0)
    if not same.any():
        return 0.0
    d2 = np.abs((i[2:] - 2.0 * i[1:-1] + i[:-2])[same])
    return float(1.4826 * np.median(d2) / np.sqrt(6.0))


def _hysteresis_state(i: np.ndarray, a: np.ndarray, thr: float) -> np.ndarray:
    """-1, 0 (rest), +1 per sample: active above ``thr``, at rest below ``thr / 2``, and
    in between the state of the previous decided sample (no flicker on slow decays)."""
    n = len(a)
    decided = (a > thr) | (a < 0.5 * thr)
    idx = np.where(decided, np.arange(n), -1)
    np.maximum.accumulate(idx, out=idx)
    state = np.sign(i).astype(np.int8)
    state[a < 0.5 * thr] = 0
    undecided = ~decided
    if undecided.any():
        src = idx[undecided]
        fill = np.where(src >= 0, state[np.maximum(src, 0)], 0)
        # keep the previous state's activity, with the sample's own sign
        state[undecided] = np.where(fill != 0, np.sign(i[undecided]), 0).astype(np.int8)
    return state


def segment(
    recording: Recording,
    *,
    rest_fraction: float = 0.02,
    rest_threshold_A: float | None = None,
    step_fraction: float = 0.05,
    cc_tolerance: float = 0.02,
    cv_voltage_tol_V: float = 0.01,
) -> pd.DataFrame:
    """Split ``recording`` into constant-current steps, rests, voltage holds and the rest.

    Every sample belongs to exactly one segment. A sample is *at rest* where
    ``|I|`` is below half the rest threshold (``rest_threshold_A``, else
    ``rest_fraction`` times the typical active current: the median ``|I|`` of the
    samples above 1 % of the largest), active above it, and between the two (a slowly
    decaying CV tail) in the state of the sample before: a hysteresis, so that noise
    on a current near the threshold does not flicker between states. Runs of samples of one state (rest, I > 0, I < 0) are then split
    where the current jumps by more than ``step_fraction`` of its level (and more
    than 8 noise standard deviations, the noise being estimated from the data).
    Each active piece is classified:

    * ``"cc"``: the current stays within ``cc_tolerance`` (relative, or 4 noise
      standard deviations if larger) of its level, apart from excursions shorter
      than 3 samples;
    * a piece whose current leaves its level part-way (CC followed by CV, the usual
      charge) is split there into ``"cc"`` and the remainder;
    * ``"cv"``: the current varies but the voltage stays within ``cv_voltage_tol_V``;
    * ``"other"``: anything else (sweeps, drive cycles, ramps).

    Pieces of a single sample inside an active run are merged with their
    neighbours: a run of them is one piece (a fast-decaying CV sampled sparsely jumps
    at every sample), and a lone one (the instrument's transition point after a
    current reversal) joins the piece after it. The sign
    convention of the current does not matter here: ``sign`` is reported as found.
    Everything is vectorised over samples; the loop runs over active runs only.

    Parameters
    ----------
    recording
        The recording to split (``time_s``, ``voltage_V``, ``current_A``).
    rest_fraction
        Rest threshold relative to the typical active current.
    rest_threshold_A
        Absolute rest threshold [A]; overrides ``rest_fraction``.
    step_fraction
        Relative jump of the current that starts a new step.
    cc_tolerance
        Relative spread of the current allowed within a constant-current step.
    cv_voltage_tol_V
        Largest voltage range [V] of a constant-voltage hold.

    Returns
    -------
    pandas.DataFrame
        One row per segment with the columns of :data:`SEGMENT_COLUMNS`: ``segment``
        (0-based), ``kind`` (``cc``, ``rest``, ``cv``, ``other``), ``sign`` (-1, 0,
        +1), ``start`` and ``stop`` (row indices, stop exclusive), ``n_points``,
        ``t_start_s``, ``t_end_s``, ``duration_s`` [s] (see the module's timing
        convention), ``current_A`` (mean current, time-weighted) [A], ``charge_Ah``
        (charge passed, signed) [A h], ``v_start_V`` (first sample), ``v_end_V``
        (last sample) [V].

    Raises
    ------
    MissingColumnError
        The recording has no current column.
    AnalysisInputError
        A parameter is out of range.
    """
    for name, val in (
        ("rest_fraction", rest_fraction),
        ("step_fraction", step_fraction),
        ("cc_tolerance", cc_tolerance),
        ("cv_voltage_tol_V", cv_voltage_tol_V),
    ):
        if not (np.isfinite(val) and val > 0):
            raise AnalysisInputError(f"parameter {name}={val!r}; expected a number > 0")
    if rest_threshold_A is not None and not (
        np.isfinite(rest_threshold_A) and rest_threshold_A >= 0
    ):
        raise AnalysisInputError(f"parameter rest_threshold_A={rest_threshold_A!r}; expected >= 0")
    arr = arrays_of(recording)
    starts, kinds, signs = _split(
        arr, rest_fraction, rest_threshold_A, step_fraction, cc_tolerance, cv_voltage_tol_V
    )
    return _table(arr, starts, kinds, signs)


def _split(
    arr: Arrays,
    rest_fraction: float,
    rest_threshold_A: float | None,
    step_fraction: float,
    cc_tolerance: float,
    cv_voltage_tol_V: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segment starts (row indices), kinds and signs."""
    t, v, i = arr.t, arr.v, arr.i
    n = len(t)
    a = np.abs(i)
    iref = _reference_current(a)
    thr = rest_threshold_A if rest_threshold_A is not None else rest_fraction * iref
    state = _hysteresis_state(i, a, thr)
    del a
    noise = _noise_level(i, state)
    run_start = np.flatnonzero(np.r_[True, state[1:] != state[:-1]])
    run_stop = np.r_[run_start[1:], n]
    run_state = state[run_start]
    del state

    starts: list[np.ndarray] = []
    kinds: list[np.ndarray] = []
    signs: list[np.ndarray] = []
    for r0, r1, s in zip(run_start.tolist(), run_stop.tolist(), run_state.tolist(), strict=True):
        if s == 0:
            starts.append(np.array([r0]))
            kinds.append(np.array(["rest"], dtype=object))
            signs.append(np.array([0]))
            continue
        p_start, p_kind = _split_active(
            i[r0:r1], v[r0:r1], step_fraction, cc_tolerance, cv_voltage_tol_V, noise
        )
        starts.append(p_start + r0)
        kinds.append(p_kind)
        signs.append(np.full(len(p_start), s))
    return np.concatenate(starts), np.concatenate(kinds), np.concatenate(signs)


def _split_active(
    i: np.ndarray,
    v: np.ndarray,
    step_fraction: float,
    cc_tolerance: float,
    cv_voltage_tol_V: float,
    noise: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Split one run of same-sign current into cc / cv / other pieces (relative starts)."""
    m = len(i)
    a = np.abs(i)
    if m == 1:
        return np.array([0]), np.array(["cc"], dtype=object)
    d = np.abs(np.diff(i))
    lvl = np.maximum(a[1:], a[:-1])
    jump = d > np.maximum(step_fraction * lvl, 8.0 * noise)
    b = np.flatnonzero(np.r_[True, jump])
    # merge single-sample pieces with the following ones (sparse fast decays)
    if len(b) > 1:
        length = np.diff(np.r_[b, m])
        single = length == 1
        keep = ~(single & np.r_[False, single[:-1]])  # a run of singles starts one piece
        b = b[keep]
    # a lone transition sample (the instrument's first point after a reversal or a
    # ramp) joins the piece after it, or the one before it at the end of the run
    if len(b) > 1:
        length = np.diff(np.r_[b, m])
        single = np.flatnonzero(length == 1)
        drop = np.where(single + 1 < len(b), single + 1, single)
        keep = np.ones(len(b), dtype=bool)
        keep[drop] = False
        keep[0] = True
        b = b[keep]
    out_start: list[int] = []
    out_kind: list[str] = []
    ends = np.r_[b[1:], m]
    for p0, p1 in zip(b.tolist(), ends.tolist(), strict=True):
        pa = a[p0:p1]
        level = float(np.median(pa[: min(5, len(pa))]))
        tol = max(cc_tolerance * level, 4.0 * noise)
        off = np.abs(pa - level) > tol
        # a departure counts where it persists for 3 samples (noise outliers do not)
        if off.size >= 3:
            off[:-2] &= off[1:-1] & off[2:]
            off[-2] &= off[-1]
        if not off.any():
            out_start.append(p0)
            out_kind.append("cc")
            continue
        k = int(np.argmax(off))
        # a leading constant part (CC before CV) is its own cc piece
        if k >= 2 and np.mean(np.abs(pa[:k] - level) > tol) < 0.1:
            out_start.append(p0)
            out_kind.append("cc")
            p0 = p0 + k
        vv = v[p0:p1]
        kind = "cv" if float(vv.max() - vv.min()) <= cv_voltage_tol_V else "other"
        out_start.append(p0)
        out_kind.append(kind)
    return np.asarray(out_start), np.asarray(out_kind, dtype=object)


def _table(arr: Arrays, starts: np.ndarray, kinds: np.ndarray, signs: np.ndarray) -> pd.DataFrame:
    t, v, i = arr.t, arr.v, arr.i
    n = len(t)
    stops = np.r_[starts[1:], n]
    q = cumulative_charge_Ah(t, i, starts)
    t_start = t[np.maximum(starts - 1, 0)]
    t_end = t[stops - 1]
    q_start = q[np.maximum(starts - 1, 0)]
    charge = q[stops - 1] - q_start
    dur = t_end - t_start
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_i = np.where(dur > 0, charge * 3600.0 / np.where(dur > 0, dur, 1.0), i[starts])
    return pd.DataFrame(
        {
            "segment": np.arange(len(starts)),
            "kind": pd.Series(kinds, dtype=object),
            "sign": signs.astype(np.int64),
            "start": starts.astype(np.int64),
            "stop": stops.astype(np.int64),
            "n_points": (stops - starts).astype(np.int64),
            "t_start_s": t_start,
            "t_end_s": t_end,
            "duration_s": dur,
            "current_A": mean_i,
            "charge_Ah": charge,
            "v_start_V": v[starts],
            "v_end_V": v[stops - 1],
        }
    )


def find_pulse_sequence(
    seg: pd.DataFrame, *, current_tolerance: float = 0.05, min_pulses: int = 2
) -> np.ndarray:
    """Segment numbers of the GITT pulses: the longest chain of constant-current steps of
    one sign and about one current (within ``current_tolerance``, relative), each
    followed by a rest and the next pulse. The last pulse may be followed by the end of
    the record. Ties go to the later chain.

    Raises
    ------
    AnalysisInputError
        No pulse followed by a rest, or fewer than ``min_pulses`` in one chain (with the
        reason: steps of mixed sign, or too few pulses).
    """
    kind = seg["kind"].to_numpy()
    sign = seg["sign"].to_numpy()
    cur = seg["current_A"].to_numpy()
    nxt_rest = np.r_[kind[1:] == "rest", False]
    cand = np.flatnonzero((kind == "cc") & nxt_rest)
    if cand.size == 0:
        raise AnalysisInputError(
            "no constant-current pulse followed by a rest found; expected a GITT: "
            "current pulses separated by rests (|I| near 0)"
        )
    # chains: candidate j continues candidate j-2 with the same sign and current
    best: tuple[int, int] = (0, 0)  # (length, index of last in cand)
    run = 0
    cand_set = set(cand.tolist())
    lengths = {}
    for j in cand.tolist():
        prev = j - 2
        if (
            prev in cand_set
            and sign[prev] == sign[j]
            and abs(cur[j] - cur[prev]) <= current_tolerance * abs(cur[prev])
        ):
            run = lengths[prev] + 1
        else:
            run = 1
        lengths[j] = run
        if run >= best[0]:
            best = (run, j)
    length, last = best
    if length < min_pulses:
        signs = set(sign[cand].tolist())
        if len(signs) > 1:
            raise AnalysisInputError(
                f"current steps of mixed sign (found {int((sign[cand] > 0).sum())} charge and "
                f"{int((sign[cand] < 0).sum())} discharge pulses, at most {length} in a row of "
                "one sign); expected a GITT: pulses of one sign and current separated by "
                "rests (for charge/discharge pulse pairs use ohmslice.dc.dcir.hppc)"
            )
        raise AnalysisInputError(
            f"found {length} pulse(s) of one current in a row; expected at least "
            f"{min_pulses} constant-current pulses each followed by a rest"
        )
    return np.arange(last - 2 * (length - 1), last + 1, 2)


def full_block(
    seg: pd.DataFrame, first_pulse: int, sign: int, min_charge_Ah: float
) -> tuple[int, int] | None:
    """The last run of active segments of ``sign`` before ``first_pulse`` (skipping
    rests) passing at least ``min_charge_Ah``: (first, last) segment numbers."""
    kind = seg["kind"].to_numpy()
    sg = seg["sign"].to_numpy()
    qa = seg["charge_Ah"].to_numpy()
    j = first_pulse - 1
    while j >= 0 and kind[j] == "rest":
        j -= 1
    if j < 0 or sg[j] != sign:
        return None
    last = j
    while j - 1 >= 0 and kind[j - 1] != "rest" and sg[j - 1] == sign:
        j -= 1
    if abs(qa[j : last + 1].sum()) < min_charge_Ah:
        return None
    return j, last


def r_at_times(
    t: np.ndarray,
    v: np.ndarray,
    start: int,
    stop: int,
    t0: float,
    v_ref: float,
    current: float,
    times_s: np.ndarray,
) -> np.ndarray:
    """R(t) = (V(t) - v_ref) / current [Ohm] of the pulse in rows ``start:stop`` at
    ``times_s`` after its step at ``t0``, interpolated linearly in log(time); NaN before
    the first sample and after the last (nothing is extrapolated; a time within 1 ppm
    of the first or last sample takes that sample)."""
    trel = t[start:stop] - t0
    ok = trel > 0
    x = np.log(trel[ok])
    if x.size == 0 or not np.isfinite(v_ref) or current == 0:
        return np.full(len(times_s), np.nan)
    r = (v[start:stop][ok] - v_ref) / current
    lt = np.log(times_s)
    # a time equal to the first or last sample up to rounding (1 ppm) is that sample
    lt = np.where((lt < x[0]) & (lt >= x[0] - 1e-6), x[0], lt)
    lt = np.where((lt > x[-1]) & (lt <= x[-1] + 1e-6), x[-1], lt)
    return np.interp(lt, x, r, left=np.nan, right=np.nan)


def log_bins(
    t: np.ndarray, y: np.ndarray, per_decade: int, *, counts: bool = False
) -> tuple[np.ndarray, ...]:
    """Average (t, y) within log-spaced bins of t [s] (> 0), ``per_decade`` bins per decade.

    Thins a pulse's densely sampled response (dE/dt or log sampling) into points of
    similar weight per decade of time; empty bins are dropped. Returns the mean times and
    mean values, and with ``counts`` the number of samples in each bin (what the noise of
    a bin mean depends on).
    """
    lt = np.log10(t)
    edges = np.arange(np.floor(lt.min() * per_decade), np.ceil(lt.max() * per_decade) + 1)
    which = np.clip(np.searchsorted(edges / per_decade, lt, side="right") - 1, 0, None)
    cnt = np.bincount(which)
    ok = cnt > 0
    tb = np.bincount(which, t)[ok] / cnt[ok]
    yb = np.bincount(which, y)[ok] / cnt[ok]
    return (tb, yb, cnt[ok].astype(float)) if counts else (tb, yb)
