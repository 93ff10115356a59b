"""DC internal resistance at fixed times after a current step, and HPPC pulse pairs.

Both read the segmentation of :func:`ohmslice.dc.pulses.segment`. A pulse is a
constant-current segment that follows a rest; its reference voltage is the last
sample of that rest (the OCV, as far as the rest allowed the cell to relax). The
resistance at time t after the step is ``R(t) = (V(t) - V_rest) / I`` [Ohm], positive
for a cell that behaves (the voltage moves with the current), interpolated between
samples in log(time) and NaN where t falls before the first sample after the step or
after the end of the pulse: nothing is extrapolated. Times and the timing convention
(the step at the last sample of the rest) are those of :mod:`ohmslice.dc.pulses`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AnalysisInputError
from ..schema import Recording
from .pulses import arrays_of, r_at_times, segment

__all__ = ["DCIR_TIMES_S", "dcir", "hppc", "time_label"]

#: Default times after the step [s]: 1 ms, 10 ms, 0.1 s, 1 s, 10 s.
DCIR_TIMES_S = (1e-3, 1e-2, 0.1, 1.0, 10.0)


def time_label(t_s: float) -> str:
    """Short label of a time for column names: 0.001 -> '1ms', 10 -> '10s'."""
    if t_s < 1.0:
        return f"{t_s * 1e3:g}ms"
    return f"{t_s:g}s"


def _times(times_s: Sequence[float]) -> np.ndarray:
    times = np.atleast_1d(np.asarray(times_s, dtype=float))
    if times.ndim != 1 or times.size == 0 or not np.all(np.isfinite(times) & (times > 0)):
        raise AnalysisInputError(f"times_s={times_s!r}; expected finite times > 0 s")
    return times


def dcir(
    recording: Recording,
    *,
    times_s: Sequence[float] = DCIR_TIMES_S,
    segments: pd.DataFrame | None = None,
    min_rest_s: float = 0.0,
    **segment_options: Any,
) -> pd.DataFrame:
    """Resistance of every current pulse at fixed times after its step.

    Parameters
    ----------
    recording
        Any recording with current steps from rest.
    times_s
        Times after the step [s] (default :data:`DCIR_TIMES_S`).
    segments
        A segmentation of ``recording`` already computed.
    min_rest_s
        Only pulses after a rest at least this long [s].
    **segment_options
        Passed to :func:`ohmslice.dc.pulses.segment`.

    Returns
    -------
    pandas.DataFrame
        One row per constant-current segment that follows a rest: ``segment``,
        ``t_start_s``, ``duration_s``, ``current_A``, ``charge_Ah``, ``ocv_before_V``,
        ``t_first_s`` (first sample after the step), ``r_first_ohm`` (at that sample),
        ``r_end_ohm`` (at the last sample of the pulse) and ``r_<time>_ohm`` per time
        (``r_1ms_ohm``, ``r_10ms_ohm``, ``r_100ms_ohm``, ``r_1s_ohm``, ``r_10s_ohm``).

    Raises
    ------
    AnalysisInputError
        No constant-current pulse after a rest; a bad time.
    """
    times = _times(times_s)
    arr = arrays_of(recording)
    seg = segment(recording, **segment_options) if segments is None else segments
    kind = seg["kind"].to_numpy()
    dur = seg["duration_s"].to_numpy()
    idx = np.flatnonzero(
        (kind == "cc") & np.r_[False, kind[:-1] == "rest"] & np.r_[False, dur[:-1] >= min_rest_s]
    )
    if idx.size == 0:
        raise AnalysisInputError(
            "no constant-current pulse after a rest found; expected current steps from rest",
            path=recording.source,
        )
    return _pulse_rows(arr.t, arr.v, seg, idx, times)


def _pulse_rows(
    t: np.ndarray, v: np.ndarray, seg: pd.DataFrame, idx: np.ndarray, times: np.ndarray
) -> pd.DataFrame:
    starts = seg["start"].to_numpy()
    stops = seg["stop"].to_numpy()
    cur = seg["current_A"].to_numpy()
    s = starts[idx]
    e = stops[idx]
    t0 = t[s - 1]
    ocv = v[s - 1]
    c = cur[idx]
    with np.errstate(invalid="ignore", divide="ignore"):
        r_first = (v[s] - ocv) / c
        r_end = (v[e - 1] - ocv) / c
    rt = np.vstack(
        [
            r_at_times(t, v, int(a), int(b), float(x0), float(o), float(ci), times)
            for a, b, x0, o, ci in zip(s, e, t0, ocv, c, strict=True)
        ]
    )
    out = pd.DataFrame(
        {
            "segment": idx,
            "t_start_s": t0,
            "duration_s": seg["duration_s"].to_numpy()[idx],
            "current_A": c,
            "charge_Ah": seg["charge_Ah"].to_numpy()[idx],
            "ocv_before_V": ocv,
            "t_first_s": t[s] - t0,
            "r_first_ohm": r_first,
            "r_end_ohm": r_end,
        }
    )
    for j, tt in enumerate(times):
        out[f"r_{time_label(tt)}_ohm"] = rt[:, j]
    return out


def hppc(
    recording: Recording,
    *,
    times_s: Sequence[float] = DCIR_TIMES_S,
    max_pulse_s: float = 120.0,
    max_gap_s: float = 600.0,
    capacity_Ah: float | None = None,
    segments: pd.DataFrame | None = None,
    **segment_options: Any,
) -> pd.DataFrame:
    """Hybrid pulse power characterisation: charge/discharge pulse pairs.

    A pair is a pulse (a constant-current segment after a rest, at most
    ``max_pulse_s`` long) followed, after a rest of at most ``max_gap_s``, by a pulse of
    the opposite sign. Longer steps between pairs (the SOC moves) are not pulses.

    Parameters
    ----------
    recording
        The HPPC recording.
    times_s
        Times after each step at which R is reported [s].
    max_pulse_s
        Longest pulse of a pair [s].
    max_gap_s
        Longest rest between the two pulses of a pair [s].
    capacity_Ah
        If given, ``soc_pct`` is reported: 100 % minus the charge removed since the
        start of the record (so the record must start full) [A h].
    segments
        A segmentation of ``recording`` already computed.
    **segment_options
        Passed to :func:`ohmslice.dc.pulses.segment`.

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``pair``, ``t_start_s``, ``charge_Ah`` (net charge passed from
        the start of the record to the first step), ``soc_pct`` (NaN without a
        capacity), ``ocv_V`` (before the first pulse), then for ``dis`` (the discharge
        pulse) and ``chg`` (the charge pulse): ``<p>_current_A``, ``<p>_duration_s``,
        ``<p>_r_first_ohm``, ``<p>_r_end_ohm``, ``<p>_r_<time>_ohm``.

    Raises
    ------
    AnalysisInputError
        No pair found; a bad parameter.
    """
    times = _times(times_s)
    for name, val in (("max_pulse_s", max_pulse_s), ("max_gap_s", max_gap_s)):
        if not (np.isfinite(val) and val > 0):
            raise AnalysisInputError(f"{name}={val!r}; expected a duration > 0 s")
    if capacity_Ah is not None and not (np.isfinite(capacity_Ah) and capacity_Ah > 0):
        raise AnalysisInputError(f"capacity_Ah={capacity_Ah!r}; expected a capacity > 0 A h")
    arr = arrays_of(recording)
    seg = segment(recording, **segment_options) if segments is None else segments
    kind = seg["kind"].to_numpy()
    sign = seg["sign"].to_numpy()
    dur = seg["duration_s"].to_numpy()
    n = len(seg)
    is_pulse = (kind == "cc") & np.r_[False, kind[:-1] == "rest"] & (dur <= max_pulse_s)
    a = np.flatnonzero(is_pulse[: max(n - 2, 0)])
    ok = (
        (kind[a + 1] == "rest")
        & (dur[a + 1] <= max_gap_s)
        & is_pulse[a + 2]
        & (sign[a + 2] == -sign[a])
    )
    a = a[ok]
    # a pulse used as the second of a pair does not start another one
    keep: list[int] = []
    for j in a.tolist():
        if not keep or j != keep[-1] + 2:
            keep.append(j)
    a = np.asarray(keep, dtype=int)
    if a.size == 0:
        raise AnalysisInputError(
            "no charge/discharge pulse pair found; expected a pulse from rest followed, "
            f"after a rest of at most {max_gap_s:g} s, by a pulse of the opposite sign "
            f"(pulses at most {max_pulse_s:g} s long)",
            path=recording.source,
        )
    first = _pulse_rows(arr.t, arr.v, seg, a, times)
    second = _pulse_rows(arr.t, arr.v, seg, a + 2, times)
    dis_first = first["current_A"].to_numpy() < 0
    starts = seg["start"].to_numpy()
    q0 = np.r_[0.0, np.cumsum(seg["charge_Ah"].to_numpy())][a]
    out = pd.DataFrame(
        {
            "pair": np.arange(1, len(a) + 1),
            "t_start_s": first["t_start_s"].to_numpy(),
            "charge_Ah": q0,
            "soc_pct": 100.0 + 100.0 * q0 / capacity_Ah if capacity_Ah else np.nan,
            "ocv_V": arr.v[starts[a] - 1],
        }
    )
    cols = ["current_A", "duration_s"] + [c for c in first.columns if c.startswith("r_")]
    for p, mine in (("dis", dis_first), ("chg", ~dis_first)):
        for c in cols:
            out[f"{p}_{c}"] = np.where(mine, first[c].to_numpy(), second[c].to_numpy())
    return out
