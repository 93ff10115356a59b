"""Accepting a spectrum as a :class:`Spectrum` or as ``(freq_Hz, Z)`` arrays."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ..schema import Spectrum


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
