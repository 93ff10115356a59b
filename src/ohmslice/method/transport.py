"""Transport in a composite electrode: tortuosity factor and the reference paper's Table S1.

The effective ionic conductivity of a composite electrode (AM + SE + carbon) is the
electrolyte's own, reduced by the share of the volume the electrolyte fills and by how
winding its paths are:

    sigma_eff = sigma_SE * epsilon / tau_f,    tau_f = sigma_SE * epsilon / sigma_eff,

with sigma_SE the pellet conductivity of the same electrolyte at the same temperature
(:func:`ohmslice.impedance.conductivity.pellet_conductivity`), sigma_eff from the
blocking transmission-line fit (:func:`~ohmslice.impedance.conductivity.
composite_conductivity`) and epsilon the electrolyte's volume fraction in the electrode,
an input (from the weight fractions and densities, or from tomography: ohmslice cannot
measure it). tau_f is the tortuosity *factor* (often written tau in battery papers,
= tortuosity^2 in some others); Bruggeman's relation tau_f = epsilon^(-1/2) is given
beside it as the usual reference. Where the pellet was measured at several
temperatures (an :class:`~ohmslice.impedance.conductivity.Arrhenius` fit), sigma_SE is
taken from the fit at the electrode's temperature. The uncertainty is the three
relative errors in quadrature.

:func:`transport_row` gathers one sample's ionic and electronic conductivity (the
latter from :func:`ohmslice.dc.polarization.dc_polarization`) and tortuosity into one
record; :func:`transport_table` stacks them: the reference paper's Table S1 (Kawaguchi
et al., "Interface Engineering in Sulfide-Based All-Solid-State Batteries: Insights
from Resistance Analysis"), with uncertainties.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..dc.polarization import PolarizationResult
from ..errors import InputError
from ..impedance.conductivity import (
    Arrhenius,
    CompositeConductivity,
    ConductivitySeries,
    PelletConductivity,
)

__all__ = ["TABLE_S1_COLUMNS", "Tortuosity", "tortuosity_factor", "transport_row",
           "transport_table"]  # fmt: skip

#: columns of :func:`transport_table`, in order
TABLE_S1_COLUMNS = (
    "sample",
    "ionic_S_cm",
    "ionic_err_S_cm",
    "ionic_temperature_C",
    "electronic_S_cm",
    "electronic_err_S_cm",
    "electronic_temperature_C",
    "volume_fraction",
    "pellet_S_cm",
    "pellet_err_S_cm",
    "tortuosity_factor",
    "tortuosity_factor_err",
    "bruggeman_tortuosity_factor",
    "success",
    "notes",
)
#: temperatures further apart than this [K] are not "the same temperature"
SAME_T_K = 2.0


@dataclass
class Tortuosity:
    """tau_f = sigma_SE epsilon / sigma_eff with its standard error.

    Attributes
    ----------
    tau_f, tau_f_err : float
        The tortuosity factor [-] and its standard error.
    bruggeman_tau_f : float
        epsilon^(-1/2), Bruggeman's value for comparison.
    sigma_pellet_S_cm, sigma_pellet_err_S_cm, pellet_source : float, float, str
        sigma_SE [S/cm] used and where from ('value', 'measurement', 'Arrhenius fit at
        T degC').
    sigma_eff_S_cm, sigma_eff_err_S_cm : float
    volume_fraction, volume_fraction_err : float
    temperature_C : float
        The composite's temperature, NaN when unknown.
    notes : list of str
    """

    tau_f: float
    tau_f_err: float
    bruggeman_tau_f: float
    sigma_pellet_S_cm: float
    sigma_pellet_err_S_cm: float
    pellet_source: str
    sigma_eff_S_cm: float
    sigma_eff_err_S_cm: float
    volume_fraction: float
    volume_fraction_err: float
    temperature_C: float
    notes: list[str] = field(default_factory=list)


def _value(name: str, x: Any) -> tuple[float, float]:
    """(value, error) of a number or a (value, error) pair."""
    if isinstance(x, (tuple, list)) and len(x) == 2:
        v, e = float(x[0]), float(x[1])
    else:
        try:
            v, e = float(x), 0.0
        except (TypeError, ValueError):
            raise InputError(f"{name}={x!r}: expected a conductivity [S/cm], a (value, "
                             "error) pair or a conductivity result") from None  # fmt: skip
    if not (np.isfinite(v) and v > 0 and np.isfinite(e) and e >= 0):
        raise InputError(f"{name}: value {v!r} +- {e!r}; expected a value > 0 and an "
                         "error >= 0")  # fmt: skip
    return v, e


def _pellet(pellet: Any, temperature_C: float, notes: list[str]) -> tuple[float, float, str]:
    if isinstance(pellet, ConductivitySeries):
        if pellet.arrhenius is None:
            usable = [r for r in pellet.results if r.success]
            if len(usable) != 1:
                raise InputError("pellet: a temperature series without an Arrhenius fit")
            pellet = usable[0]
        else:
            pellet = pellet.arrhenius
    if isinstance(pellet, Arrhenius):
        if not np.isfinite(temperature_C):
            t = pellet.t_ref_C
            notes.append(f"composite temperature unknown: the pellet's conductivity taken "
                         f"at {t:g} degC")  # fmt: skip
        else:
            t = temperature_C
        return (float(pellet.sigma_at(t)), float(pellet.sigma_err_at(t)),
                f"Arrhenius fit at {t:g} degC")  # fmt: skip
    if isinstance(pellet, PelletConductivity):
        if not pellet.success:
            raise InputError("pellet: the pellet's conductivity is not usable: "
                             + "; ".join(pellet.reasons))  # fmt: skip
        tp = pellet.temperature_C
        if np.isfinite(tp) and np.isfinite(temperature_C) and abs(tp - temperature_C) > SAME_T_K:
            notes.append(f"pellet measured at {tp:g} degC, composite at {temperature_C:g} degC: "
                         "give the pellet's temperature series for a matched value")  # fmt: skip
        return pellet.sigma_S_cm, pellet.sigma_err_S_cm, "measurement"
    v, e = _value("pellet", pellet)
    return v, e, "value"


def tortuosity_factor(
    pellet: Any,
    composite: Any,
    volume_fraction: float,
    *,
    volume_fraction_err: float = 0.0,
    temperature_C: float | None = None,
) -> Tortuosity:
    """Tortuosity factor of the electrolyte network of a composite electrode.

    Parameters
    ----------
    pellet
        The electrolyte's conductivity: a number [S/cm], a (value, error) pair, a
        :class:`~ohmslice.impedance.conductivity.PelletConductivity`, a
        :class:`~ohmslice.impedance.conductivity.ConductivitySeries` or an
        :class:`~ohmslice.impedance.conductivity.Arrhenius` fit (evaluated at the
        composite's temperature).
    composite
        The effective conductivity: a number, a pair or a
        :class:`~ohmslice.impedance.conductivity.CompositeConductivity`.
    volume_fraction
        The electrolyte's volume fraction epsilon in the electrode (0 < epsilon <= 1),
        with its standard error ``volume_fraction_err``.
    temperature_C
        The composite's temperature [degC] where it is not in ``composite``.

    Raises
    ------
    InputError
        A volume fraction outside (0, 1], a conductivity not > 0, a result that is not
        usable.
    """
    notes: list[str] = []
    eps = float(volume_fraction)
    eps_err = float(volume_fraction_err)
    if not (np.isfinite(eps) and 0 < eps <= 1):
        raise InputError(f"volume_fraction={volume_fraction!r}: expected the electrolyte's "
                         "volume fraction, 0 < epsilon <= 1 (not a percentage)")  # fmt: skip
    if not (np.isfinite(eps_err) and eps_err >= 0):
        raise InputError(f"volume_fraction_err={volume_fraction_err!r}: expected >= 0")
    t = float("nan") if temperature_C is None else float(temperature_C)
    if isinstance(composite, CompositeConductivity):
        if not composite.success:
            raise InputError("composite: the electrode's conductivity is not usable: "
                             + "; ".join(composite.reasons))  # fmt: skip
        se, se_err = composite.sigma_eff_S_cm, composite.sigma_eff_err_S_cm
        if temperature_C is None:
            t = composite.temperature_C
    else:
        se, se_err = _value("composite", composite)
    sp, sp_err, how = _pellet(pellet, t, notes)
    tau = sp * eps / se
    rel = float(np.sqrt((sp_err / sp) ** 2 + (eps_err / eps) ** 2 + (se_err / se) ** 2))
    if tau < 1:
        notes.append(f"tau_f = {tau:.3g} < 1: the composite conducts better than its "
                     "electrolyte share allows (check epsilon and the pellet)")  # fmt: skip
    return Tortuosity(
        tau_f=float(tau), tau_f_err=float(tau * rel), bruggeman_tau_f=float(eps**-0.5),
        sigma_pellet_S_cm=float(sp), sigma_pellet_err_S_cm=float(sp_err), pellet_source=how,
        sigma_eff_S_cm=float(se), sigma_eff_err_S_cm=float(se_err), volume_fraction=eps,
        volume_fraction_err=eps_err, temperature_C=t, notes=notes,
    )  # fmt: skip


def transport_row(
    sample: str,
    *,
    ionic: CompositeConductivity | PelletConductivity | None = None,
    electronic: PolarizationResult | None = None,
    pellet: Any = None,
    volume_fraction: float | None = None,
    volume_fraction_err: float = 0.0,
) -> dict[str, Any]:
    """One row of Table S1 (:data:`TABLE_S1_COLUMNS`): a sample's ionic conductivity
    (composite electrode or pellet), electronic conductivity (DC polarisation) and,
    with ``pellet`` and ``volume_fraction``, the tortuosity factor. Values of a result
    that is not usable are NaN and ``success`` False with its reasons in ``notes``."""
    if not isinstance(sample, str) or not sample.strip():
        raise InputError(f"sample={sample!r}: expected a name")
    nan = float("nan")
    row: dict[str, Any] = dict.fromkeys(TABLE_S1_COLUMNS, nan)
    row["sample"] = sample
    notes: list[str] = []
    ok = True
    if ionic is not None:
        if isinstance(ionic, CompositeConductivity):
            v, e = ionic.sigma_eff_S_cm, ionic.sigma_eff_err_S_cm
        elif isinstance(ionic, PelletConductivity):
            v, e = ionic.sigma_S_cm, ionic.sigma_err_S_cm
        else:
            raise InputError("ionic: expected a CompositeConductivity or PelletConductivity")
        row.update(ionic_S_cm=v, ionic_err_S_cm=e, ionic_temperature_C=ionic.temperature_C)
        if not ionic.success:
            ok = False
            notes += [f"ionic: {r}" for r in ionic.reasons]
    if electronic is not None:
        if not isinstance(electronic, PolarizationResult):
            raise InputError("electronic: expected a PolarizationResult (dc_polarization)")
        row.update(electronic_S_cm=electronic.sigma_e_S_cm,
                   electronic_err_S_cm=electronic.sigma_e_err_S_cm,
                   electronic_temperature_C=electronic.temperature_C)  # fmt: skip
        if not electronic.success:
            ok = False
            notes += [f"electronic: {r}" for r in electronic.reasons]
        notes += [f"electronic: {n}" for n in electronic.notes]
    if volume_fraction is not None:
        row["volume_fraction"] = float(volume_fraction)
    if (
        pellet is not None
        and volume_fraction is not None
        and isinstance(ionic, CompositeConductivity)
    ):
        if ionic.success:
            tf = tortuosity_factor(pellet, ionic, volume_fraction,
                                   volume_fraction_err=volume_fraction_err)  # fmt: skip
            row.update(pellet_S_cm=tf.sigma_pellet_S_cm, pellet_err_S_cm=tf.sigma_pellet_err_S_cm,
                       tortuosity_factor=tf.tau_f, tortuosity_factor_err=tf.tau_f_err,
                       bruggeman_tortuosity_factor=tf.bruggeman_tau_f)  # fmt: skip
            notes += tf.notes
    row["success"] = ok
    row["notes"] = "; ".join(notes)
    return row


def transport_table(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Rows of :func:`transport_row` as one table (:data:`TABLE_S1_COLUMNS`)."""
    df = pd.DataFrame(list(rows), columns=list(TABLE_S1_COLUMNS))
    if df["sample"].duplicated().any():
        dup = df.loc[df["sample"].duplicated(), "sample"].iloc[0]
        raise InputError(f"sample '{dup}' appears twice in the table")
    return df
