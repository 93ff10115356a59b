"""ohmslice: where a battery cell's resistance comes from.

Reads raw potentiostat/cycler files, analyses GITT pulses (DC) and impedance spectra
(AC), splits each pulse's resistance by time constant into contact (R1),
charge-transfer (R2) and diffusion (R3) parts at every state of charge, and compares
cells.
"""

from .errors import InputError
from .schema import Recording, Spectrum

__version__ = "0.1.0"

__all__ = ["InputError", "Recording", "Spectrum", "__version__"]
