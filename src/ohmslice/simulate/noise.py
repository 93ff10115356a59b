"""Measurement noise: what an instrument adds to voltage, current and impedance.

All noise is zero-mean Gaussian from a seeded :class:`numpy.random.Generator`, so a
simulation with a given seed is reproducible. A model with every level at 0 (the
default) returns its input unchanged.

* voltage: ``V + N(0, voltage_sd_V)``, then rounded to ``voltage_resolution_V`` (the ADC
  step; 0 = no rounding);
* current: ``I + N(0, current_sd_A + current_rel_sd |I|)`` (offset-like plus gain-like);
  an open circuit (I = 0 exactly, a rest) stays at 0, as the instrument records it;
* impedance: ``Z (1 + e)`` with complex ``e = N(0, s) + j N(0, s)``,
  ``s = impedance_rel_sd`` (a relative error on |Z| and phase, as potentiostat accuracy
  is specified), plus ``N(0, impedance_sd_ohm)`` on each part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError

__all__ = ["NoiseModel", "QUIET", "INSTRUMENT"]


@dataclass(frozen=True)
class NoiseModel:
    """Noise levels (standard deviations) for voltage [V], current [A] and impedance."""

    voltage_sd_V: float = 0.0
    voltage_resolution_V: float = 0.0
    current_sd_A: float = 0.0
    current_rel_sd: float = 0.0
    impedance_rel_sd: float = 0.0
    impedance_sd_ohm: float = 0.0

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if not (np.isfinite(value) and value >= 0):
                raise InputError(f"noise level {name} = {value!r}; expected a finite number >= 0")

    def voltage(self, v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Voltage [V] with noise and ADC rounding."""
        out = np.asarray(v, dtype=float)
        if self.voltage_sd_V > 0:
            out = out + rng.normal(0.0, self.voltage_sd_V, out.shape)
        if self.voltage_resolution_V > 0:
            out = np.round(out / self.voltage_resolution_V) * self.voltage_resolution_V
        return out

    def current(self, i: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Current [A] with offset-like and proportional noise."""
        out = np.asarray(i, dtype=float)
        sd = np.where(out != 0, self.current_sd_A + self.current_rel_sd * np.abs(out), 0.0)
        if np.any(sd > 0):
            out = out + rng.normal(0.0, 1.0, out.shape) * sd
        return out

    def impedance(self, z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Complex impedance [Ohm] with relative and absolute noise."""
        out = np.asarray(z, dtype=complex)
        if self.impedance_rel_sd > 0:
            e = rng.normal(0.0, self.impedance_rel_sd, (2, *out.shape))
            out = out * (1.0 + e[0] + 1j * e[1])
        if self.impedance_sd_ohm > 0:
            e = rng.normal(0.0, self.impedance_sd_ohm, (2, *out.shape))
            out = out + e[0] + 1j * e[1]
        return out


#: No noise at all.
QUIET = NoiseModel()

#: Typical of a research potentiostat channel (VSP-300 class) recording averaged points:
#: 20 uV voltage noise on a 1 uV resolution, 10 nA + 0.02 % current noise, 0.3 %
#: impedance error.
INSTRUMENT = NoiseModel(
    voltage_sd_V=20e-6,
    voltage_resolution_V=1e-6,
    current_sd_A=10e-9,
    current_rel_sd=2e-4,
    impedance_rel_sd=3e-3,
)
