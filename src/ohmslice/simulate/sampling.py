"""EC-Lab-like recording: candidate times after a current change and the dt / dE criteria.

An instrument samples fast internally and *records* a point when one of its criteria
fires. EC-Lab's criteria are ``dt`` (time since the last record) and ``dE`` (voltage
change since the last record; ``dI`` for a potentiostatic step). Here:

* :func:`candidate_grid` -- the times at which the model is evaluated within a step:
  40 per decade from :data:`FIRST_SAMPLE_S` (100 us) after the step starts, so a pulse
  is dense right after its current change, plus every ``dt`` and the step end;
* :func:`record_mask` -- which candidates are recorded: the first (unless there is no
  ``dE`` criterion: then the clock alone records, from ``dt`` on) and the last of the
  step, and every candidate that lies on a new multiple of ``dt`` since the step start
  or in a new ``dE`` band of the quantity since the step start. This level-crossing form
  of EC-Lab's "change since the last record" is vectorised and records the same points
  on a monotone signal (it can differ by one point where the signal turns).
"""

from __future__ import annotations

import numpy as np

__all__ = ["FIRST_SAMPLE_S", "PER_DECADE", "candidate_grid", "record_mask"]

#: Time of the first candidate sample after a current change [s].
FIRST_SAMPLE_S = 1e-4
#: Candidate samples per decade of time after a current change.
PER_DECADE = 40


def candidate_grid(t_total: float, dt: float) -> np.ndarray:
    """Candidate times in (0, t_total]: 40/decade from 100 us, every dt, and t_total."""
    parts = [np.arange(1, int(np.floor(t_total / dt)) + 1) * dt, [t_total]]
    if t_total > FIRST_SAMPLE_S:
        n = int(np.ceil(np.log10(t_total / FIRST_SAMPLE_S) * PER_DECADE)) + 1
        parts.append(np.geomspace(FIRST_SAMPLE_S, t_total, n))
    g = np.unique(np.concatenate(parts))
    return g[(g > 0) & (g <= t_total)]


def record_mask(t: np.ndarray, y: np.ndarray, dt: float, dy: float) -> np.ndarray:
    """EC-Lab-like recording: new dt multiple or new dy band since the step start."""
    if t.size == 0:
        return np.zeros(0, dtype=bool)
    kt = np.floor(t / dt + 1e-9)
    ky = np.floor((y - y[0]) / dy)
    keep = np.zeros(t.size, dtype=bool)
    # without a dy criterion the instrument records on the dt clock only: the first
    # record of a step is at dt, not at its start
    keep[0] = bool(np.isfinite(dy))
    keep[-1] = True
    keep[1:] |= (np.diff(kt) != 0) | (np.diff(ky) != 0)
    return keep
