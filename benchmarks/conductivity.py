"""Pellet conductivity: ``pellet_conductivity`` against impedance.py fitting the same circuit.

Spectra: one electrolyte pellet (0.6 mm, 0.785 cm2, 3 mS/cm at 25 degC, Ea 0.35 eV, a
grain-boundary arc of 30 % of the resistance, 0.2 Ohm leads; 1 Hz - 7 MHz, 10 points
per decade, 0.3 % noise) at -40 .. 60 degC (:func:`ohmslice.simulate.conductivity.
pellet_series`): the bulk arc inside the band when cold, above it when warm.

Timed per spectrum:

* ohmslice: the whole :func:`~ohmslice.impedance.pellet_conductivity` call -- five
  candidate circuits fitted, the choice by AIC, the roles of the arcs, sigma with its
  error;
* impedance.py (``bench`` extra; ``CustomCircuit.fit``, modulus-weighted like ohmslice):
  the circuit ohmslice chose, from ohmslice's own first start
  (:func:`ohmslice.impedance.fit.initial_guess`) -- one fit against ohmslice's five.

Printed per temperature: the time of each and their ratio, the total ionic resistance of
each against the truth (impedance.py's read off the same circuit's parameters: every
resistor ohmslice counted: the bulk and grain-boundary arcs', and R0 where the bulk is
the high-frequency intercept), and the chi2 of both. Without impedance.py only ohmslice's
numbers are printed.

Run: ``.venv/bin/python benchmarks/conductivity.py [--repeat N]``
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from _timing import best

from ohmslice.impedance import pellet_conductivity
from ohmslice.impedance.circuits import Circuit
from ohmslice.impedance.fit import initial_guess
from ohmslice.simulate.conductivity import pellet_series
from ohmslice.simulate.noise import NoiseModel

TEMPERATURES_C = [-40.0, -20.0, 0.0, 25.0, 60.0]
THICKNESS_CM, AREA_CM2 = 0.06, 0.785


def load_peer():
    try:
        from impedance.models.circuits import CustomCircuit
    except ImportError:
        return None
    return CustomCircuit


def peer_fit(cc_class, spec, circuit: str, names: list[str]):
    """impedance.py's fit of ``circuit`` from ohmslice's first start: (the resistors
    ``names`` summed [Ohm], chi2 modulus-weighted)."""
    circ = Circuit(circuit)
    start = initial_guess(spec, circ)
    cc = cc_class(circuit, initial_guess=[float(v) for v in np.asarray(start, dtype=float)])
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cc.fit(spec.freq, spec.z, weight_by_modulus=True)
    p = dict(zip(circ.param_names, cc.parameters_, strict=True))
    r = sum(p[k] for k in names)
    zm = circ.z(spec.freq, np.asarray(cc.parameters_))
    return r, float(np.sum(np.abs(zm - spec.z) ** 2 / np.abs(spec.z) ** 2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    spectra, truth = pellet_series(
        TEMPERATURES_C, gb_fraction=0.3, r_series_ohm=0.2, noise=NoiseModel(impedance_rel_sd=0.003),
        thickness_cm=THICKNESS_CM, area_cm2=AREA_CM2, seed=1,
    )  # fmt: skip
    cc_class = load_peer()
    print(f"== pellet_conductivity on {len(spectra)} spectra (1 Hz - 7 MHz, 0.3 % noise)")
    head = (
        f"{'T / C':>6} {'circuit chosen':>34} {'method':>9} {'R true':>8} {'ohmslice':>9} {'ms':>7}"
    )
    if cc_class is not None:
        head += f" {'impedance.py':>12} {'ms (1 fit)':>10} {'ratio':>6} {'chi2 ours/peer':>15}"
    print(head)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pellet_conductivity(spectra[0], THICKNESS_CM, AREA_CM2)  # warm-up
        totals = [0.0, 0.0]
        for spec, t_c, r_true in zip(spectra, TEMPERATURES_C, truth["r_total_ohm"], strict=True):
            secs, res = best(
                lambda s=spec: pellet_conductivity(s, THICKNESS_CM, AREA_CM2), args.repeat
            )
            totals[0] += secs
            line = (f"{t_c:6.0f} {res.fit.circuit.text:>34} {res.method:>9} {r_true:8.4g} "
                    f"{res.r_total_ohm:9.4g} {secs * 1e3:7.1f}")  # fmt: skip
            if cc_class is not None:
                p_secs, (r_peer, chi2_peer) = best(
                    lambda s=spec, c=res.fit.circuit.text, n=res.counted: peer_fit(
                        cc_class, s, c, n
                    ),
                    args.repeat,
                )
                totals[1] += p_secs
                line += (f" {r_peer:12.4g} {p_secs * 1e3:10.1f} {p_secs / secs:6.2f} "
                         f"{res.fit.chi2 / chi2_peer:15.4f}")  # fmt: skip
            print(line)
    print(
        f"total: ohmslice {totals[0] * 1e3:.0f} ms for {len(spectra)} spectra (5 candidates each)"
    )
    if cc_class is None:
        print("(impedance.py not installed: its columns are left out; `make bench`)")
    else:
        print(
            f"impedance.py, one fit of the chosen circuit per spectrum: {totals[1] * 1e3:.0f} ms; "
            "ratio = impedance.py's one fit / ohmslice's five candidates with the choice"
        )


if __name__ == "__main__":
    main()
