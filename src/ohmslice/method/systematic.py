"""Errors the pulses of a decomposition share: the time constants' and the diffusion shape's.

A pulse's ``_err`` columns hold its own noise and the spread of the time constants, as if
both were independent from pulse to pulse. The time constants are not: every pulse near
a spectrum's SOC uses that spectrum's tau1, tau2, tau3, so an error of one of them moves
all those pulses the same way -- and with them a crossover, which averaging over pulses
does not shrink. Likewise the diffusion shape: where the spectra could not rule out a
second shape, every pulse would be split differently under it.

:func:`systematic` measures both for a decomposition:

* **Time constants.** For each process k and each row i of the tau table (one per
  spectrum), the shift of every pulse's components when tau_k at row i moves by its
  standard error (relative ``tau{k}_err_s / tau{k}_s``, at most
  :data:`~ohmslice.method.decompose.MAX_TAU_REL`; ``tau_rel_err`` where the table gives
  none). The pulses take their time constants from the table by linear
  interpolation of ln tau in SOC, so one decomposition per process with every row moved
  at once gives the sensitivity of every pulse, and the share of row i is its
  interpolation weight: 3 decompositions in all (a finite step of at least 5 % in ln tau,
  scaled to the error, so a fit's convergence does not decide the slope).
* **Diffusion shapes.** Every candidate shape of the spectra's diffusion element
  (:attr:`ohmslice.impedance.TimeConstants.diffusion_candidates`) whose Akaike weight,
  averaged over the spectra, is at least :data:`MIN_SHAPE_WEIGHT`, with its own fit's
  diffusion tau and resistance at every spectrum: the whole decomposition redone with it,
  and its weight.

:func:`ohmslice.method.compare.compare` draws, in each bootstrap replicate and for each
cell, one standard normal number per (process, row) -- the same for all pulses of the
cell -- and one shape by the weights, on top of each pulse's independent noise (its
``_err`` less the part these shifts already carry).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..impedance.shapes import SHAPE_ELEMENTS, step_kind
from .boundaries import DC_FRACTION
from .decompose import MAX_TAU_REL, _col, _soc_mid, decompose

__all__ = ["Systematic", "systematic", "MIN_SHAPE_WEIGHT", "COMPONENTS"]

#: Akaike weight (mean over the spectra) from which a diffusion shape is an alternative.
MIN_SHAPE_WEIGHT = 0.05
#: Components whose shared errors are measured.
COMPONENTS = ("r1", "r2", "r3", "r12", "r_ocv", "r_total", "r3_paper", "r3_dc")
#: Smallest finite step in ln tau for the sensitivities.
_MIN_STEP = 0.05


@dataclass
class Systematic:
    """Errors shared by the pulses of one decomposition (see the module docstring).

    Attributes
    ----------
    shifts
        Component -> array (n_pulses, m) [Ohm]: column j is how every pulse's value moves
        when the j-th input moves by one standard error (coherent over the pulses).
    sources
        What each column of ``shifts`` is, e.g. ``"tau2 at 50 % SOC (+-12 %)"``.
    alternatives
        One dict per diffusion shape not ruled out: ``shape``, ``weight`` (probability in
        the bootstrap) and ``values`` (component -> array (n_pulses,) [Ohm] of the
        decomposition redone with that shape).
    base_weight
        Probability of the shape the decomposition used.
    """

    shifts: dict[str, np.ndarray] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    base_weight: float = 1.0

    def describe(self) -> str:
        """One sentence: what the shared errors hold."""
        taus = sorted({s.split(" at ")[0] for s in self.sources})
        text = f"the time constants' errors ({', '.join(taus)} of each spectrum)"
        if self.alternatives:
            alts = ", ".join(f"{a['shape']} (weight {a['weight']:.2f})" for a in self.alternatives)
            text += f" and the diffusion shapes the spectra do not rule out: {alts}"
        return text


def _row_weights(taus: pd.DataFrame, soc: np.ndarray) -> np.ndarray:
    """(n_pulses, n_rows): the interpolation weight of each tau-table row for each pulse
    (the rows sorted by SOC, as the decomposition interpolates them)."""
    x = taus["soc_pct"].to_numpy(float)
    eye = np.eye(x.size)
    return np.column_stack([np.interp(soc, x, eye[i]) for i in range(x.size)])


def _alternative_taus(
    taus: pd.DataFrame, tcs: Mapping[float, Any], shape: str
) -> tuple[pd.DataFrame | None, float]:
    """The tau table with the diffusion row of every SOC taken from the ``shape``
    candidate's fit, and that shape's mean Akaike weight; (None, 0) where a spectrum has
    no successful fit of it."""
    out = taus.copy()
    weights = []
    for i, soc in enumerate(out["soc_pct"].to_numpy(float)):
        tc = tcs.get(soc)
        cand = getattr(tc, "diffusion_candidates", None)
        fit = getattr(tc, "diffusion_fits", {}).get(shape)
        if cand is None or fit is None or not getattr(fit, "success", False):
            return None, 0.0
        row = cand[cand["shape"] == shape]
        if row.empty or not bool(row["success"].iat[0]):
            return None, 0.0
        weights.append(float(row["weight"].iat[0]))
        element = str(row["element"].iat[0])
        procs = fit.circuit.time_constants(fit.params)
        proc = procs[procs["element"] == element]
        if proc.empty:
            return None, 0.0
        idx = out.index[i]
        out.loc[idx, "tau3_s"] = float(proc["tau_s"].iat[0])
        out.loc[idx, "tau3_err_s"] = np.nan
        step = step_kind(SHAPE_ELEMENTS[shape])  # the candidate's step response
        out.loc[idx, "r3_ohm"] = DC_FRACTION.get(step, 1.0) * float(proc["r_ohm"].iat[0])
        n = float(proc["n"].iat[0])
        out.loc[idx, "n3"] = n if np.isfinite(n) else 1.0
        out.loc[idx, "shape3"] = step
    return out, float(np.mean(weights)) if weights else 0.0


def systematic(
    gitt: Any,
    taus: pd.DataFrame,
    base: Any,
    *,
    tcs: Mapping[float, Any] | None = None,
    tau_rel_err: float = 0.2,
    **options: Any,
) -> Systematic:
    """Errors shared by the pulses of ``base`` (a Decomposition of ``gitt`` with the tau
    table ``taus``; ``options`` are the keyword arguments it was made with, ``method``
    included): the time constants' (one column per process and spectrum) and, given the
    spectra's :class:`~ohmslice.impedance.TimeConstants` ``tcs`` ({soc_pct: ...}), the
    diffusion shapes they do not rule out. See the module docstring.

    Costs three decompositions, and one more per alternative shape. A perturbed
    decomposition that fails (an input error) leaves that source out.
    """
    t = taus.sort_values("soc_pct").reset_index(drop=True)
    table = base.table
    w = _row_weights(t, _soc_mid(gitt.pulses))
    out = Systematic()
    cols: dict[str, list[np.ndarray]] = {c: [] for c in COMPONENTS}
    base_vals = {c: _col(table, f"{c}_ohm") for c in COMPONENTS}
    for k in (1, 2, 3):
        tau = t[f"tau{k}_s"].to_numpy(float)
        err = (
            t[f"tau{k}_err_s"].to_numpy(float) if f"tau{k}_err_s" in t else np.full(len(t), np.nan)
        )
        rel = np.where(np.isfinite(err) & (err >= 0), err / tau, tau_rel_err)
        rel = np.minimum(rel, MAX_TAU_REL)
        step = np.maximum(rel, _MIN_STEP)
        moved = t.copy()
        moved[f"tau{k}_s"] = tau * np.exp(step)
        try:
            pert = decompose(gitt, moved, **options).table
        except InputError:
            continue
        denom = w @ step  # per pulse: the ln-tau step it saw
        for c in COMPONENTS:
            delta = _col(pert, f"{c}_ohm") - base_vals[c]
            slope = np.where(np.isfinite(delta), delta, 0.0) / denom  # per unit ln tau
            for i in range(len(t)):
                cols[c].append(slope * w[:, i] * rel[i])
        soc = t["soc_pct"].to_numpy(float)
        out.sources += [
            f"tau{k} at {s:g} % SOC (+-{100 * r:.0f} %)" for s, r in zip(soc, rel, strict=True)
        ]
    out.shifts = {c: np.column_stack(v) for c, v in cols.items() if v}
    if tcs:
        out.alternatives, out.base_weight = _shape_alternatives(gitt, t, tcs, options)
    return out


def _shape_alternatives(
    gitt: Any, taus: pd.DataFrame, tcs: Mapping[float, Any], options: dict[str, Any]
) -> tuple[list[dict[str, Any]], float]:
    shapes: set[str] = set()
    for tc in tcs.values():
        cand = getattr(tc, "diffusion_candidates", None)
        if cand is not None:
            other = cand["success"].astype(bool) & ~cand["chosen"].astype(bool)
            shapes |= set(cand.loc[other, "shape"].astype(str))
    alts = []
    for shape in sorted(shapes):
        alt_taus, weight = _alternative_taus(taus, tcs, shape)
        if alt_taus is None or weight < MIN_SHAPE_WEIGHT:
            continue
        try:
            tab = decompose(gitt, alt_taus, **options).table
        except InputError:
            continue
        alts.append(
            {
                "shape": shape,
                "weight": weight,
                "values": {c: _col(tab, f"{c}_ohm") for c in COMPONENTS},
            }
        )
    total = sum(a["weight"] for a in alts)
    if total > 1:  # the weights are means over spectra: keep them a distribution
        for a in alts:
            a["weight"] /= total
        total = 1.0
    return alts, 1.0 - total
