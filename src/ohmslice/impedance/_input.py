"""Accepting a spectrum, and refusing one the impedance engine cannot analyse.

Every entry point of the engine (:func:`~ohmslice.impedance.fit.fit_circuit`,
:func:`~ohmslice.impedance.fit.fit_many`, :func:`~ohmslice.impedance.kk.lin_kk`,
:func:`~ohmslice.impedance.drt.drt`, :func:`~ohmslice.impedance.timeconst.time_constants`)
passes its spectrum through :func:`checked_spectrum` before any numerics, so that a
degenerate or oversized spectrum is refused with one sentence saying why, instead of a
crash, a warning storm or minutes of computation. The rules, in the order they are
checked:

1. **Size.** At most :data:`MAX_POINTS` (5000) points per spectrum for a fit, a lin-KK
   test or a DRT (:class:`ProblemSizeError`). An instrument sweep holds 5-20 points per
   decade over 6-10 decades, i.e. 30-500 points; 5000 leaves a factor of ten above the
   densest sweeps, and the largest allowed problem still runs in seconds on two cores
   (measured on 5000 points, two cores shared with other work: a DRT with its default
   30 bootstrap resamples ~2-3 s, a lin-KK test trying up to 100 elements ~2 s, a
   circuit fit 0.1-2 s, ~10 s in the worst case of a fit that stays poor and uses every
   restart). More points are almost always several sweeps or a time series read as one
   spectrum: decimate, or select a frequency range. Further limits on the options are
   checked where those options are read: DRT basis functions (500), bootstrap
   resamples (200) and kernel evaluations (:mod:`~ohmslice.impedance.drt`), lin-KK
   elements (100, :mod:`~ohmslice.impedance.kk`), free circuit parameters (30, and
   points x parameters^2 <= 720 000, :mod:`~ohmslice.impedance.fit`).
2. **Finite values.** Frequency and impedance must be finite (no NaN, no infinity).
3. **Frequency range.** Every frequency in [:data:`MIN_FREQ_HZ`, :data:`MAX_FREQ_HZ`] =
   [1e-6 Hz, 1e9 Hz]: 1 uHz is a period of 11.6 days and 1 GHz is beyond impedance
   analysers used on cells, so a value outside is a unit error (kHz, rad/s, a time
   column) or a corrupt row; the message says how many points lie below or above and the
   extreme value. Frequencies at or below 0 Hz are reported as such.
4. **Zero impedance.** A spectrum whose impedances are all 0 Ohm holds no measurement;
   a single point at exactly 0 + 0j Ohm is a placeholder no instrument produces, and
   every analysis divides by |Z| somewhere (relative residuals, modulus weighting), so
   such points are refused too, with their count and the first frequency.
5. **A frequency sweep.** All points at one frequency (a single-frequency time scan) are
   refused.
6. **Enough distinct frequencies.** A fit needs at least one more distinct frequency
   than it has free parameters (p + 1: each complex point gives two values, so the fit
   keeps at least p + 2 degrees of freedom for its residuals and standard errors); the
   lin-KK test and the DRT need at least 5. Frequencies closer than 1 part in 1e9 count
   as one (:func:`distinct_frequencies`).

Repeated frequencies within a sweep (an instrument measuring a point twice, two sweeps
joined) are kept as they are, not averaged: every analysis is a least-squares problem,
where a repeated point simply weighs its frequency more -- as averaging would, but
keeping the scatter between the repeats in the residuals and the result arrays aligned
with the input points. Only the *distinct* frequencies count towards the minimum number
of points above and towards the density of the DRT's default basis and the number of
lin-KK elements the data can carry.

Errors: :class:`~ohmslice.errors.InvalidDataError` for values that cannot be physical
(rules 2-4 for single points), :class:`~ohmslice.errors.AnalysisInputError` for spectra
that hold too little (rules 4-6), and :class:`ProblemSizeError` -- defined here, a
subclass of :class:`~ohmslice.errors.AnalysisInputError` -- for problems above a size
limit. All are :class:`~ohmslice.errors.InputError`, which the command line prints as
one red line with exit code 2.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import AnalysisInputError, InputError, InvalidDataError
from ..schema import Z_IMAG, Z_REAL, Spectrum

__all__ = [
    "MAX_POINTS",
    "MAX_FREQ_HZ",
    "MIN_FREQ_HZ",
    "ProblemSizeError",
    "as_spectrum",
    "checked_spectrum",
    "distinct_frequencies",
]

#: largest number of points of a spectrum any analysis of the engine accepts
MAX_POINTS = 5000
#: lowest and highest frequency accepted [Hz]
MIN_FREQ_HZ = 1e-6
MAX_FREQ_HZ = 1e9
#: frequencies closer than this relative difference count as one distinct frequency
SAME_FREQ_RTOL = 1e-9


class ProblemSizeError(AnalysisInputError):
    """The analysis asked for would exceed a size limit of the impedance engine (points,
    basis functions, RC elements, parameters, resamples): refused before allocating."""


def as_spectrum(spectrum: Any) -> Spectrum:
    """``spectrum`` itself, or a Spectrum built from a ``(freq_Hz, Z [Ohm])`` pair.

    Raises
    ------
    InputError
        Anything else, or arrays that do not make a valid spectrum (different lengths,
        non-finite values, frequency <= 0).
    """
    if isinstance(spectrum, Spectrum):
        return spectrum
    if isinstance(spectrum, tuple) and len(spectrum) == 2:
        freq, z = (np.asarray(a) for a in spectrum)
        if freq.ndim != 1 or z.shape != freq.shape:
            raise InputError(
                f"(freq_Hz, Z) arrays of shapes {freq.shape} and {z.shape}; expected two "
                "1-D arrays of the same length"
            )
        return Spectrum.from_arrays(freq, z)
    raise InputError(
        f"expected a Spectrum or a (freq_Hz, Z) pair of arrays, got {type(spectrum).__name__}"
    )


def distinct_frequencies(freq_hz: np.ndarray) -> int:
    """Number of distinct frequencies (closer than 1 part in 1e9 count as one)."""
    f = np.sort(np.asarray(freq_hz, dtype=float))
    if f.size == 0:
        return 0
    return 1 + int(np.count_nonzero(f[1:] > f[:-1] * (1.0 + SAME_FREQ_RTOL)))


def _n(k: int, one: str, many: str) -> str:
    return f"{k} {one if k == 1 else many}"


def checked_spectrum(
    spectrum: Any,
    *,
    analysis: str,
    min_freqs: int,
    max_points: int = MAX_POINTS,
    purpose: str | None = None,
) -> Spectrum:
    """The spectrum as a :class:`Spectrum`, refused if ``analysis`` cannot use it.

    Applies the rules of the module docstring, in that order, before any numerics.

    Parameters
    ----------
    spectrum
        A :class:`Spectrum` or a ``(freq_Hz, Z)`` pair of arrays.
    analysis
        What the spectrum is for, as it reads in a sentence ("the DRT", "a circuit fit").
    min_freqs
        Least number of distinct frequencies ``analysis`` needs.
    max_points
        Largest number of points ``analysis`` accepts.
    purpose
        What the distinct frequencies are needed for, to complete "N distinct frequencies
        are too few ..." (default "for <analysis>").

    Raises
    ------
    ProblemSizeError
        More than ``max_points`` points.
    InvalidDataError
        Non-finite values, frequencies outside [1e-6, 1e9] Hz, points at exactly 0 Ohm.
    AnalysisInputError
        Every impedance 0 Ohm, a single frequency, fewer than ``min_freqs`` distinct
        frequencies.
    """
    spec = as_spectrum(spectrum)
    src = spec.source
    n = len(spec)
    if n > max_points:
        raise ProblemSizeError(
            f"the spectrum has {n:,} points; {analysis} is limited to {max_points:,}: "
            "decimate it or select a frequency range",
            path=src,
        )
    f = spec.freq
    zr = spec.data[Z_REAL].to_numpy(dtype=float)
    zi = spec.data[Z_IMAG].to_numpy(dtype=float)
    bad = ~(np.isfinite(f) & np.isfinite(zr) & np.isfinite(zi))
    if bad.any():
        raise InvalidDataError(
            f"{_n(int(bad.sum()), 'point has', 'points have')} a non-finite frequency or "
            f"impedance (NaN or infinite); {analysis} needs finite values",
            path=src,
        )
    if np.any(f <= 0):
        k = int(np.count_nonzero(f <= 0))
        raise InvalidDataError(
            f"{_n(k, 'frequency is', 'frequencies are')} at or below 0 Hz (lowest "
            f"{f.min():.6g} Hz); frequencies must be positive",
            path=src,
        )
    low, high = f < MIN_FREQ_HZ, f > MAX_FREQ_HZ
    if low.any() or high.any():
        parts = []
        if low.any():
            parts.append(f"{int(low.sum())} below, lowest {f.min():.3g} Hz")
        if high.any():
            parts.append(f"{int(high.sum())} above, highest {f.max():.3g} Hz")
        k = int(low.sum() + high.sum())
        raise InvalidDataError(
            f"{_n(k, 'frequency lies', 'frequencies lie')} outside {MIN_FREQ_HZ:g} to "
            f"{MAX_FREQ_HZ:g} Hz, the range of impedance measurements ({'; '.join(parts)}): "
            "check the frequency unit or remove those points",
            path=src,
        )
    zero = (zr == 0) & (zi == 0)
    if zero.all():
        raise AnalysisInputError(
            f"every impedance of the spectrum is zero (0 Ohm); {analysis} needs a measured "
            "impedance",
            path=src,
        )
    if zero.any():
        k = int(zero.sum())
        at = f"at {f[zero][0]:.4g} Hz" if k == 1 else f"first at {f[zero][0]:.4g} Hz"
        raise InvalidDataError(
            f"{_n(k, 'point has', 'points have')} an impedance of exactly zero ({at}), "
            f"a placeholder rather than a measurement: remove {'it' if k == 1 else 'them'}",
            path=src,
        )
    k = distinct_frequencies(f)
    if k == 1 and n > 1:
        raise AnalysisInputError(
            f"all {n} points are at the same frequency ({f[0]:.6g} Hz); {analysis} needs a "
            "frequency sweep",
            path=src,
        )
    if k < min_freqs:
        repeats = f" ({n} points)" if n != k else ""
        raise AnalysisInputError(
            f"the spectrum has {_n(k, 'distinct frequency', 'distinct frequencies')}"
            f"{repeats}, too few {purpose or 'for ' + analysis}; at least {min_freqs} are "
            "needed",
            path=src,
        )
    return spec
