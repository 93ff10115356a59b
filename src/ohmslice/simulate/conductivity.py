"""Synthetic conductivity measurements whose answers are known.

* :func:`pellet_spectrum` -- the spectrum of an electrolyte pellet between ion-blocking
  electrodes (SUS | SE | SUS): leads ``L`` and ``R``, the bulk arc R_b || C_b (C_b the
  geometric capacitance eps_r eps_0 A / L), optionally a grain-boundary arc
  R_gb || CPE, and the blocking double layer as a CPE;
* :func:`pellet_series` -- spectra of one pellet at several temperatures, its
  conductivity following sigma T = A exp(-Ea / k T) (total resistance split between
  bulk and grain boundary in a fixed ratio), with the true values per temperature;
* :func:`composite_spectrum` -- a composite electrode measured with electron-
  conducting, ion-blocking contacts: R_s in series with a blocking transmission line
  (``TLMQ``, R_ion = L / (sigma_eff A)), low-frequency branch R_s + R_ion / 3 + CPE;
* :func:`polarization_recording` -- a DC polarisation (potentiostatic steps) of a mixed
  conductor between ion-blocking electrodes: the current decays from
  dV / (R_e || R_ion) to the electronic dV / R_e with tau = (R_e || R_ion) C.

Impedance noise is relative (:class:`~ohmslice.simulate.noise.NoiseModel`,
``impedance_rel_sd``), current noise as the model says; all draws come from a seeded
generator. The spectra carry their temperature in ``meta["temperature_C"]`` and the
truth in ``meta["truth"]``; :func:`~ohmslice.simulate.writers.write_mpt_spectrum`
writes them as EC-Lab files (which hold no temperature: give it with the file).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InputError
from ..impedance.circuits import Circuit
from ..schema import Recording, Spectrum
from .noise import NoiseModel

__all__ = [
    "BOLTZMANN_EV",
    "EPS0_F_CM",
    "composite_spectrum",
    "pellet_series",
    "pellet_spectrum",
    "polarization_recording",
    "sigma_arrhenius",
]

#: Boltzmann constant [eV/K]
BOLTZMANN_EV = 8.617333262e-5
#: vacuum permittivity [F/cm]
EPS0_F_CM = 8.8541878128e-14
#: 0 degC in K
T0_K = 273.15


def _positive(name: str, value: float, zero_ok: bool = False) -> float:
    v = float(value)
    if not np.isfinite(v) or v < 0 or (v == 0 and not zero_ok):
        raise InputError(f"{name}={value!r}; expected a finite number {'>=' if zero_ok else '>'} 0")
    return v


def _freq(f_min_Hz: float, f_max_Hz: float, points_per_decade: int) -> np.ndarray:
    lo, hi = _positive("f_min_Hz", f_min_Hz), _positive("f_max_Hz", f_max_Hz)
    if not hi > lo:
        raise InputError(f"f_max_Hz={f_max_Hz} must be above f_min_Hz={f_min_Hz}")
    if int(points_per_decade) < 1:
        raise InputError(f"points_per_decade={points_per_decade}; expected >= 1")
    n = int(round(np.log10(hi / lo) * int(points_per_decade))) + 1
    return np.geomspace(lo, hi, n)


def sigma_arrhenius(temperature_C: Any, sigma_25C_S_cm: float, ea_eV: float) -> np.ndarray:
    """Conductivity [S/cm] at ``temperature_C`` [degC] of a material with sigma T =
    A exp(-Ea / k T), given by its conductivity at 25 degC and its activation energy
    [eV]."""
    t = np.asarray(temperature_C, dtype=float) + T0_K
    t25 = 25.0 + T0_K
    return sigma_25C_S_cm * (t25 / t) * np.exp(-ea_eV / BOLTZMANN_EV * (1.0 / t - 1.0 / t25))


def pellet_spectrum(
    r_bulk_ohm: float,
    *,
    c_bulk_F: float,
    r_gb_ohm: float = 0.0,
    q_gb: float = 1e-9,
    n_gb: float = 0.9,
    q_block: float = 5e-6,
    n_block: float = 0.9,
    r_series_ohm: float = 0.0,
    l_series_H: float = 0.0,
    f_min_Hz: float = 1.0,
    f_max_Hz: float = 7e6,
    points_per_decade: int = 10,
    noise: NoiseModel | None = None,
    seed: int = 0,
    meta: dict[str, Any] | None = None,
) -> Spectrum:
    """Spectrum of a pellet between ion-blocking electrodes [Ohm vs Hz].

    Z = j w L + R_s + R_b / (1 + j w R_b C_b) + R_gb / (1 + R_gb Q_gb (j w)^n_gb)
    + 1 / (Q_block (j w)^n_block), at ``points_per_decade`` log-spaced frequencies from
    ``f_min_Hz`` to ``f_max_Hz`` (7 MHz: the VSP-300's limit the reference paper used),
    with the noise of ``noise`` (seeded by ``seed``). ``meta`` is merged into the
    spectrum's metadata; ``meta["truth"]`` holds every element value.

    Raises
    ------
    InputError
        A resistance, capacitance or CPE value that is not a finite number > 0 (R_gb,
        R_s and L may be 0), an exponent outside (0, 1], bad frequency limits.
    """
    rb = _positive("r_bulk_ohm", r_bulk_ohm)
    cb = _positive("c_bulk_F", c_bulk_F)
    rgb = _positive("r_gb_ohm", r_gb_ohm, zero_ok=True)
    rs = _positive("r_series_ohm", r_series_ohm, zero_ok=True)
    ls = _positive("l_series_H", l_series_H, zero_ok=True)
    for name, n in (("n_gb", n_gb), ("n_block", n_block)):
        if not 0 < float(n) <= 1:
            raise InputError(f"{name}={n!r}; expected an exponent in (0, 1]")
    f = _freq(f_min_Hz, f_max_Hz, points_per_decade)
    parts = ["R0", "p(R1,C1)"]
    params: dict[str, float] = {"R0": rs, "R1": rb, "C1": cb}
    if rgb > 0:
        parts.append("p(R2,CPE2)")
        params.update(R2=rgb, CPE2_0=_positive("q_gb", q_gb), CPE2_1=float(n_gb))
    parts.append("CPE3")
    params.update(CPE3_0=_positive("q_block", q_block), CPE3_1=float(n_block))
    circ = Circuit("-".join(parts))
    z = circ.z(f, params) + 2j * np.pi * f * ls
    z = (noise or NoiseModel()).impedance(z, np.random.default_rng(seed))
    truth = {
        "r_bulk_ohm": rb, "c_bulk_F": cb, "r_gb_ohm": rgb, "q_gb": float(q_gb),
        "n_gb": float(n_gb), "q_block": float(q_block), "n_block": float(n_block),
        "r_series_ohm": rs, "l_series_H": ls, "r_total_ohm": rb + rgb,
        "f_bulk_Hz": 1.0 / (2 * np.pi * rb * cb),
    }  # fmt: skip
    m: dict[str, Any] = {"technique": "PEIS", "format": "simulated"}
    m.update(meta or {})
    m["truth"] = {**truth, **(m.get("truth") or {})}
    return Spectrum.from_arrays(f, z, meta=m)


def pellet_series(
    temperatures_C: Sequence[float],
    *,
    sigma_25C_S_cm: float = 3e-3,
    ea_eV: float = 0.35,
    thickness_cm: float = 0.06,
    area_cm2: float = 0.785,
    eps_r: float = 30.0,
    gb_fraction: float = 0.0,
    c_gb_F_cm: float = 2e-9,
    n_gb: float = 0.9,
    q_block: float = 5e-6,
    n_block: float = 0.85,
    r_series_ohm: float = 0.2,
    l_series_H: float = 0.0,
    f_min_Hz: float = 1.0,
    f_max_Hz: float = 7e6,
    points_per_decade: int = 10,
    noise: NoiseModel | None = None,
    seed: int = 0,
) -> tuple[list[Spectrum], dict[str, Any]]:
    """Spectra of one pellet (SUS | SE | SUS) at ``temperatures_C`` [degC].

    The total conductivity follows sigma T = A exp(-Ea / k T) with sigma(25 degC) =
    ``sigma_25C_S_cm`` [S/cm] and ``ea_eV`` [eV]; the total resistance L / (sigma A)
    [Ohm] (``thickness_cm``, ``area_cm2``) is split into bulk and grain boundary by
    ``gb_fraction`` (0: bulk only). The bulk capacitance is geometric, eps_r eps_0 A / L
    [F]; the grain-boundary CPE has the capacitance ``c_gb_F_cm`` x A / L (Irvine,
    Sinclair and West's 1e-11..1e-8 F/cm) at exponent ``n_gb``. At 25 degC a 3 mS/cm
    pellet of 0.6 mm has its bulk arc at ~200 MHz, far above the band (the intercept
    case); at -40 degC with 0.35 eV it lies at ~4 MHz, inside it.

    Returns
    -------
    (spectra, truth)
        One :class:`~ohmslice.schema.Spectrum` per temperature (``meta["temperature_C"]``
        set, ``meta["truth"]`` its element values), and ``truth``: ``sigma_25C_S_cm``,
        ``ea_eV``, ``prefactor_S_K_cm``, ``thickness_cm``, ``area_cm2`` and per
        temperature (lists) ``temperature_C``, ``sigma_S_cm``, ``r_total_ohm``,
        ``r_bulk_ohm``, ``r_gb_ohm``, ``f_bulk_Hz``.
    """
    temps = np.asarray(temperatures_C, dtype=float)
    if temps.ndim != 1 or temps.size == 0 or not np.all(np.isfinite(temps)):
        raise InputError("temperatures_C: expected a list of finite temperatures in degC")
    if np.any(temps <= -T0_K):
        raise InputError("temperatures_C: a temperature at or below absolute zero")
    length = _positive("thickness_cm", thickness_cm)
    area = _positive("area_cm2", area_cm2)
    if not 0 <= gb_fraction < 1:
        raise InputError(f"gb_fraction={gb_fraction!r}; expected 0 <= gb_fraction < 1")
    sigma = sigma_arrhenius(temps, _positive("sigma_25C_S_cm", sigma_25C_S_cm), float(ea_eV))
    r_tot = length / (sigma * area)
    r_gb = gb_fraction * r_tot
    r_b = r_tot - r_gb
    c_b = eps_r * EPS0_F_CM * area / length
    c_gb = c_gb_F_cm * area / length
    # R||CPE with capacitance C at its peak: Q = C^n R^(1-n)... (Brug: C = (R^(1-n) Q)^(1/n))
    q_gb = c_gb**n_gb * np.maximum(r_gb, 1e-300) ** (1.0 - n_gb)
    spectra = []
    for k, t in enumerate(temps.tolist()):
        spectra.append(
            pellet_spectrum(
                float(r_b[k]),
                c_bulk_F=c_b,
                r_gb_ohm=float(r_gb[k]),
                q_gb=float(q_gb[k]),
                n_gb=n_gb,
                q_block=q_block,
                n_block=n_block,
                r_series_ohm=r_series_ohm,
                l_series_H=l_series_H,
                f_min_Hz=f_min_Hz,
                f_max_Hz=f_max_Hz,
                points_per_decade=points_per_decade,
                noise=noise,
                seed=seed + k,
                meta={"temperature_C": t, "source": f"pellet_{t:g}C"},
            )  # fmt: skip
        )
    t25 = 25.0 + T0_K
    truth = {
        "sigma_25C_S_cm": float(sigma_25C_S_cm),
        "ea_eV": float(ea_eV),
        "prefactor_S_K_cm": float(sigma_25C_S_cm * t25 * np.exp(ea_eV / (BOLTZMANN_EV * t25))),
        "thickness_cm": length,
        "area_cm2": area,
        "temperature_C": temps.tolist(),
        "sigma_S_cm": sigma.tolist(),
        "r_total_ohm": r_tot.tolist(),
        "r_bulk_ohm": r_b.tolist(),
        "r_gb_ohm": r_gb.tolist(),
        "f_bulk_Hz": (1.0 / (2 * np.pi * r_b * c_b)).tolist(),
    }
    return spectra, truth


def composite_spectrum(
    sigma_eff_S_cm: float,
    *,
    thickness_cm: float = 0.005,
    area_cm2: float = 0.785,
    q_s: float = 1e-4,
    gamma: float = 0.9,
    r_series_ohm: float = 5.0,
    f_min_Hz: float = 0.1,
    f_max_Hz: float = 1e6,
    points_per_decade: int = 10,
    noise: NoiseModel | None = None,
    seed: int = 0,
    meta: dict[str, Any] | None = None,
) -> Spectrum:
    """Spectrum of a composite electrode with ion-blocking contacts [Ohm vs Hz].

    Z = R_s + sqrt(R_ion Z_s) coth(sqrt(R_ion / Z_s)), Z_s = 1 / (Q_s (j w)^gamma):
    ``TLMQ`` with R_ion = L / (sigma_eff A) [Ohm] (``thickness_cm``, ``area_cm2``; a
    50 um layer of 0.1 mS/cm over 0.785 cm2 gives 64 Ohm); at low frequency
    R_s + R_ion / 3 + Z_s. ``meta["truth"]`` holds ``r_ion_ohm``, ``sigma_eff_S_cm``,
    ``q_s``, ``gamma``, ``r_series_ohm`` and ``f_knee_Hz`` (where |R_ion / Z_s| = 1).
    """
    length = _positive("thickness_cm", thickness_cm)
    area = _positive("area_cm2", area_cm2)
    r_ion = length / (_positive("sigma_eff_S_cm", sigma_eff_S_cm) * area)
    if not 0 < float(gamma) <= 1:
        raise InputError(f"gamma={gamma!r}; expected an exponent in (0, 1]")
    f = _freq(f_min_Hz, f_max_Hz, points_per_decade)
    circ = Circuit("R0-TLMQ1")
    p = {"R0": _positive("r_series_ohm", r_series_ohm, zero_ok=True), "TLMQ1_0": r_ion,
         "TLMQ1_1": _positive("q_s", q_s), "TLMQ1_2": float(gamma)}  # fmt: skip
    z = (noise or NoiseModel()).impedance(circ.z(f, p), np.random.default_rng(seed))
    m: dict[str, Any] = {"technique": "PEIS", "format": "simulated"}
    m.update(meta or {})
    m["truth"] = {
        "r_ion_ohm": r_ion, "sigma_eff_S_cm": float(sigma_eff_S_cm), "q_s": float(q_s),
        "gamma": float(gamma), "r_series_ohm": float(r_series_ohm),
        "thickness_cm": length, "area_cm2": area,
        "f_knee_Hz": (1.0 / (r_ion * q_s)) ** (1.0 / gamma) / (2 * np.pi),
    }  # fmt: skip
    return Spectrum.from_arrays(f, z, meta=m)


def polarization_recording(
    r_electronic_ohm: float,
    *,
    steps_V: Sequence[float] = (0.1,),
    r_ionic_ohm: float = 100.0,
    capacitance_F: float = 1e-3,
    hold_s: float = 3600.0,
    rest_s: float = 600.0,
    dt_s: float = 1.0,
    v_open_V: float = 0.0,
    noise: NoiseModel | None = None,
    seed: int = 0,
) -> Recording:
    """A DC polarisation of a mixed conductor between ion-blocking electrodes.

    Each step holds the voltage at ``v_open_V + dV`` [V] for ``hold_s`` [s], after a
    rest at ``v_open_V`` (I = 0) of ``rest_s``. During a hold the current is
    dV / R_e + (dV / R_ion) exp(-t / tau), tau = R_ion C (the ions charge the blocking
    double layers ``capacitance_F`` through R_ion and stop; the electrons pass): the
    steady state dV / R_e is the electronic current. Sampled every ``dt_s``. The
    recording's ``meta["truth"]`` holds ``r_electronic_ohm``, ``steps_V``, ``tau_s``.
    """
    re_ = _positive("r_electronic_ohm", r_electronic_ohm)
    ri = _positive("r_ionic_ohm", r_ionic_ohm)
    c = _positive("capacitance_F", capacitance_F)
    hold, rest, dt = (
        _positive("hold_s", hold_s),
        _positive("rest_s", rest_s),
        _positive("dt_s", dt_s),
    )
    dv = np.asarray(steps_V, dtype=float)
    if dv.ndim != 1 or dv.size == 0 or not np.all(np.isfinite(dv)) or np.any(dv == 0):
        raise InputError("steps_V: expected a list of non-zero voltage steps [V]")
    n_rest, n_hold = max(int(round(rest / dt)), 1), max(int(round(hold / dt)), 2)
    per = n_rest + n_hold
    k = np.arange(per * dv.size)
    step = k // per
    j = k % per
    on = j >= n_rest
    t_in = (j - n_rest + 1) * dt  # time since the step [s] of a held sample
    tau = ri * c
    i = np.where(on, dv[step] / re_ + dv[step] / ri * np.exp(-t_in / tau), 0.0)
    v = np.where(on, v_open_V + dv[step], v_open_V)
    rng = np.random.default_rng(seed)
    nm = noise or NoiseModel()
    t = (k + 1) * dt
    rec = Recording.from_arrays(
        t, nm.voltage(v, rng), nm.current(i, rng), step=2 * step + on.astype(int),
        meta={"technique": "CA", "format": "simulated", "truth": {
            "r_electronic_ohm": re_, "r_ionic_ohm": ri, "tau_s": tau,
            "steps_V": dv.tolist(), "v_open_V": float(v_open_V)}},
    )  # fmt: skip
    return rec
