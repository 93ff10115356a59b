"""What every column of a decomposition table means: one place for both methods.

:func:`ohmslice.method.decompose.decompose` returns one row per GITT pulse, with the
same meaning per column whichever method (``"windows"`` or ``"model"``) computed it.
Resistances are in Ohm, per pulse, R = (V - OCV_before) / I, positive for both
directions of current; ``{c}_err`` is one standard error of ``{c}``.

A pulse of duration T splits as

    r_total = r1 + r2 + r3 + r_ocv   (+ closure, the residual of that identity)

* ``r1``: everything faster than the R1/R2 boundary: the cell's series parts
  (separator, counter electrode) and the contact / electronic resistance of the
  composite;
* ``r2``: charge transfer, the part developed by the end of the pulse (t = T);
* ``r3``: solid-state diffusion, the part developed by the end of the pulse -- not the
  DC diffusion resistance, which a pulse shorter than the diffusion time does not
  reach, and not the OCV change;
* ``r_ocv``: the change of the open-circuit voltage caused by the pulse's charge,
  divided by I (the windows method takes it from the OCVs before and after the pulse,
  the model method fits it as a ramp in the charge passed).

The comparison of cells (:func:`ohmslice.method.compare.compare`) and the figures
(:mod:`ohmslice.report.decompose_figures`) use ``r1_ohm``, ``r2_ohm``, ``r3_ohm`` (the
diffusion developed by the pulse end) and ``r_total_ohm``: quantities both methods give
alike and that add up to the measured total. The reference paper's R3 (diffusion + OCV
change, r_total - r1 - r2) is kept as ``r3_paper_ohm`` for comparison with it, and the
model's full DC diffusion resistance as ``r3_dc_ohm``.
"""

from __future__ import annotations

__all__ = ["COLUMNS", "COMMON_COLUMNS", "COMMON_ERRORS"]

#: Column name -> meaning, for every column both methods give (units in the name).
COLUMNS: dict[str, str] = {
    "pulse": "pulse number (1-based) of the GITT table",
    "soc_pct": (
        "SOC [%] halfway through the pulse (the SOC its resistance belongs to; the scale "
        "is the GITT's, see the table's attrs['soc_reference'])"
    ),
    "soc_start_pct": "SOC [%] at the pulse's current step",
    "soc_end_pct": "SOC [%] at the end of the pulse",
    "r1_ohm": (
        "series + contact: everything faster than the R1/R2 boundary (separator, counter "
        "electrode, contact and electronic resistance of the composite)"
    ),
    "r2_ohm": "charge transfer, developed by the end of the pulse",
    "r3_ohm": (
        "solid-state diffusion developed by the end of the pulse (without the OCV change); "
        "what the comparison and the figures use"
    ),
    "r_ocv_ohm": (
        "OCV change caused by the pulse's charge, over I (windows: (OCV_after - "
        "OCV_before) / I; model: the fitted OCV ramp)"
    ),
    "r_total_ohm": "measured total (V_end - OCV_before) / I at the end of the pulse",
    "r_total_ohm_err": "standard error of the measured total (voltage noise and OCV_before)",
    "closure_ohm": (
        "r_total - (r1 + r2 + r3 + r_ocv): 0 by construction in the windows method; in the "
        "model method the misfit of the model at the pulse end"
    ),
    "r12_ohm": (
        "r1 + r2; the only split value where the samples cannot tell R1 from R2 (then r1_ohm "
        "and r2_ohm are NaN)"
    ),
    "r3_paper_ohm": (
        "the reference paper's R3: r_total - r1 - r2 (diffusion developed by the pulse end "
        "plus the OCV change)"
    ),
    "r3_dc_ohm": (
        "full DC diffusion resistance (model method; NaN in the windows method): beyond the "
        "pulse where r3_developed_share < 1"
    ),
    "r3_developed_share": (
        "share of the DC diffusion resistance developed by the pulse end, from the diffusion "
        "element's step response (model method; NaN in the windows method)"
    ),
    "r3_dc_extrapolated": (
        "True where r3_dc_ohm lies more than 5 % beyond what the pulse developed (an "
        "extrapolation by the diffusion element's shape)"
    ),
    "taus_extrapolated": "the pulse's SOC lies outside the SOCs of the spectra",
    "usable": (
        "False where a check failed (reason in 'flag'): left out of the comparison of cells"
    ),
    "flag": "what to know about the pulse (failed checks and notes), '' when nothing",
}

#: Components with a ``{c}_ohm_err`` column in both methods.
COMMON_ERRORS = ("r1", "r2", "r3", "r_ocv", "r_total", "r12", "r3_paper", "r3_dc")


def _with_errors() -> tuple[str, ...]:
    out: list[str] = []
    for name in COLUMNS:
        if name in out:
            continue
        out.append(name)
        if name.endswith("_ohm") and name[: -len("_ohm")] in COMMON_ERRORS:
            out.append(f"{name}_err")
    return tuple(out)


#: Every column both methods' tables hold, in their order (each value followed by its
#: standard error).
COMMON_COLUMNS: tuple[str, ...] = _with_errors()
