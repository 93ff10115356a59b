"""Ionic conductivity from impedance: electrolyte pellets, Arrhenius series, composite
electrodes.

Electrolyte pellet (:func:`pellet_conductivity`)
------------------------------------------------
A pellet of thickness L [cm] and area A [cm2] between ion-blocking electrodes
(SUS | SE | SUS) gives, from high to low frequency, the bulk arc (R_b || C_b, C_b the
geometric capacitance eps_r eps_0 A / L, a few 10 pF), where resolved a grain-boundary
arc (R_gb || CPE, nF), and the blocking spike of the electrode double layers (a CPE,
uF). Candidate circuits, each fitted with :func:`~ohmslice.impedance.fit.fit_circuit`
to the same data with the same weighting (:data:`PELLET_CIRCUITS`):

=====================================  ==============================================
``R0-CPE1``                            high-frequency intercept: every arc above f_max
``p(R1,CPE1)-CPE2``                    one arc (bulk) from the origin
``R0-p(R1,CPE1)-CPE2``                 one arc beside a series resistance
``p(R1,CPE1)-p(R2,CPE2)-CPE3``         bulk and grain boundary
``R0-p(R1,CPE1)-p(R2,CPE2)-CPE3``      two arcs beside a series resistance
=====================================  ==============================================

Where the highest decade of the spectrum holds an inductive point (Z'' > 0: the leads
of a 7 MHz measurement), each candidate gets ``L0-`` in front (``inductance=None``,
the default; ``True``/``False`` force it). The candidate with the lowest Akaike
criterion (AIC = m ln(chi2/m) + 2k, :func:`~ohmslice.impedance.shapes.aic`) among the
fits judged usable (``FitResult.success``) is chosen -- unless a usable candidate with
fewer free parameters lies within ``margin`` (4, as for the diffusion shapes of
:mod:`~ohmslice.impedance.shapes`) of it: its extra parameters are then not supported
by the data and the simpler is kept. Every candidate's AIC, difference, Akaike weight,
success and reasons are in :attr:`PelletConductivity.candidates`.

Which resistance is what (``roles``): each arc's effective capacitance (Brug et al.,
J. Electroanal. Chem. 176 (1984) 275: C = (R^(1-n) Q)^(1/n), C itself for an ideal
C) scaled to the cell constant, C_spec = C L / A [F/cm], places it in Irvine, Sinclair
and West's ranges (Adv. Mater. 2 (1990) 132): bulk up to :data:`BULK_MAX_F_CM`
(1e-10 F/cm, eps_r ~ 1100), grain boundary up to :data:`GB_MAX_F_CM` (1e-7 F/cm),
above that an electrode/surface layer. The fastest arc is the bulk when its C_spec is
in the bulk range or the circuit has no series resistance (the arc then starts at the
origin); otherwise the bulk arc lies above the measured band and the series
resistance R0 is the high-frequency intercept: bulk (plus leads) together. With the
bulk arc resolved, R0 is the leads' and contacts' resistance and is not counted
(``r_series_ohm``, said in the notes). Surface-layer arcs are not counted either.

The total ionic resistance is r_total = r_bulk + r_gb (their covariance from the fit),
sigma = L / (r_total A) [S/cm], and sigma_bulk = L / (r_bulk A) where the bulk is
separated. ``bulk_resolved`` is False -- the case of sulfide pellets at room
temperature, whose bulk arc lies at ~100 MHz -- when the bulk is the intercept R0 or an
arc whose peak frequency 1/(2 pi tau) is more than :data:`BAND_FACTOR` (3) times f_max
(at f_max such an arc has not reached a third of its height): the resistance is then read from
the arc's high-frequency tail or intercept, and includes the leads' resistance (an
upper bound of the bulk's, a lower bound of sigma); the result says so
(``method='intercept'``).

Uncertainty: (s_sigma / sigma)^2 = (s_R / R)^2 + (s_L / L)^2 + (s_A / A)^2, the first
from the fit's covariance, the others from ``thickness_err_cm`` / ``area_err_cm2`` (0
when not given). The parts are kept (``sigma_fit_rel_err``, ``geometry_rel_err``):
across a temperature series of one pellet the geometry is a shared, systematic error.

A spectrum whose low-frequency end is not a blocking spike (-Z'' rising towards low
frequency with an exponent -d ln(-Z'')/d ln f of at least :data:`BLOCKING_MIN_EXPONENT`
over the five lowest frequencies) is refused with :class:`~ohmslice.errors.
AnalysisInputError`: a Li | SE | Li or a mixed-conducting sample closes on the real
axis and its low-frequency resistance is not the electrolyte's.

Temperature series (:func:`conductivity_series`, :func:`arrhenius`)
-------------------------------------------------------------------
sigma T = A exp(-Ea / k T) is a straight line y = ln(sigma T) = ln A - (Ea / k) (1/T).
It is fitted by weighted least squares with weights 1 / s_y^2, s_y = s_sigma / sigma
(the random, per-temperature part: the fit's) plus, where temperatures have an
uncertainty, (1/T - Ea / (k T^2)) s_T (effective variance, two passes). The covariance
of (ln A, Ea) is (X^T W X)^-1, multiplied by the reduced chi2 when above 1 (points
scattering beyond their errors, Birge's ratio); without per-point errors the fit is
unweighted and scaled by the residual variance (3 temperatures or more). Ea [eV] =
k x slope; sigma at ``t_ref_C`` (25 degC) = exp(ln A - Ea / (k T_ref)) / T_ref, its
variance in ln from the covariance plus the shared systematic (geometric) relative
variance, which moves every point alike and so leaves Ea unchanged.

Temperature of a spectrum (:func:`spectrum_temperature`): given explicitly, else the
mean of a ``temperature_C`` column of the spectrum's table, else
``meta["temperature_C"]`` (or ``meta["temperature_K"]``), else unknown (NaN).

Composite electrode (:func:`composite_conductivity`)
----------------------------------------------------
A composite electrode between electron-conducting, ion-blocking contacts is a blocking
transmission line (``TLMQ``, Z = sqrt(R_ion Z_s) coth(sqrt(R_ion / Z_s)),
Z_s = 1 / (Q_s s^gamma)): a 45-degree line above the knee f_knee =
(1 / (R_ion Q_s))^(1/gamma) / (2 pi) and the branch R_ion / 3 + Z_s below it. The
circuit ``R0-TLMQ1`` (``L0-`` in front for an inductive tail) gives R_ion; the effective
ionic conductivity is sigma_eff = L / (R_ion A). A symmetric cell of two such
electrodes (``symmetric=True``) is R_sep + 2 Z_TLM = R_sep + Z_TLM(2 R_ion, Q_s / 2):
the fitted R_ion is halved. R_ion is measured only when the knee lies within the
measured band (else ``success=False``: the line or the branch alone does not fix it).
The tortuosity factor against a pellet conductivity is in
:func:`ohmslice.method.transport.tortuosity_factor`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._blas import one_blas_thread
from .._display import Plottable
from ..errors import AnalysisInputError, InputError
from ..schema import Spectrum
from ._input import as_spectrum
from .circuits import Circuit
from .fit import FitResult
from .shapes import MARGIN, aic, low_frequency_exponent, quiet_fit

__all__ = [
    "BAND_FACTOR",
    "BLOCKING_MIN_EXPONENT",
    "BOLTZMANN_EV",
    "BULK_MAX_F_CM",
    "COMPOSITE_CIRCUIT",
    "EPS0_F_CM",
    "GB_MAX_F_CM",
    "PELLET_CIRCUITS",
    "Arrhenius",
    "CompositeConductivity",
    "ConductivitySeries",
    "PelletConductivity",
    "arrhenius",
    "check_geometry",
    "composite_conductivity",
    "conductivity_series",
    "pellet_conductivity",
    "spectrum_temperature",
]

#: Boltzmann constant [eV/K]
BOLTZMANN_EV = 8.617333262e-5
#: vacuum permittivity [F/cm]
EPS0_F_CM = 8.8541878128e-14
#: 0 degC [K]
T0_K = 273.15
#: candidate circuits of a pellet between blocking electrodes, simplest first
PELLET_CIRCUITS = (
    "R0-CPE1",
    "p(R1,CPE1)-CPE2",
    "R0-p(R1,CPE1)-CPE2",
    "p(R1,CPE1)-p(R2,CPE2)-CPE3",
    "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3",
)
#: the composite electrode's circuit (blocking transmission line)
COMPOSITE_CIRCUIT = "R0-TLMQ1"
#: largest capacitance per cell constant C L / A [F/cm] of a bulk arc (eps_r ~ 1100)
BULK_MAX_F_CM = 1e-10
#: largest one of a grain-boundary arc; above: an electrode or surface layer
GB_MAX_F_CM = 1e-7
#: a bulk arc peaking up to this factor above f_max still counts as resolved (as the
#: band of :func:`~ohmslice.impedance.timeconst.time_constants`): at f_max it has reached
#: a third of its height, the arc's shape is in the data
BAND_FACTOR = 3.0
#: smallest -d ln(-Z'')/d ln f of the lowest frequencies that counts as a blocking spike
BLOCKING_MIN_EXPONENT = 0.3
#: plausible thickness [cm] (0.1 um .. 2 cm) and area [cm2] (1e-4 .. 100) of a sample
THICKNESS_RANGE_CM = (1e-5, 2.0)
AREA_RANGE_CM2 = (1e-4, 100.0)


# --- input ----------------------------------------------------------------------------------
def _number(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name}={value!r}: expected a number") from None
    return v


def check_geometry(
    thickness_cm: Any,
    area_cm2: Any,
    thickness_err_cm: Any = 0.0,
    area_err_cm2: Any = 0.0,
    *,
    source: str | None = None,
) -> tuple[float, float, float, float]:
    """The sample's thickness [cm] and area [cm2] with their standard errors, checked.

    Raises
    ------
    InputError
        A thickness or area that is missing (None), not a finite number, <= 0, or
        outside the plausible range (0.1 um .. 2 cm; 1e-4 .. 100 cm2: a thickness of
        "500 mm" is a unit slip); an error that is negative or not finite.
    """
    out = []
    for name, value, (lo, hi), unit in (
        ("thickness_cm", thickness_cm, THICKNESS_RANGE_CM, "cm"),
        ("area_cm2", area_cm2, AREA_RANGE_CM2, "cm2"),
    ):
        if value is None:
            raise InputError(f"{name} is missing: the conductivity needs the sample's "
                             "thickness and area", path=source)  # fmt: skip
        v = _number(name, value)
        if not np.isfinite(v) or v <= 0:
            raise InputError(f"{name}={value!r}: expected a finite value > 0", path=source)
        if not lo <= v <= hi:
            raise InputError(
                f"{name}={v:g} {unit} is implausible for a pellet or electrode (expected "
                f"{lo:g} to {hi:g} {unit}); is it in the unit asked for?",
                path=source,
            )
        out.append(v)
    for name, value in (("thickness_err_cm", thickness_err_cm), ("area_err_cm2", area_err_cm2)):
        v = _number(name, 0.0 if value is None else value)
        if not np.isfinite(v) or v < 0:
            raise InputError(f"{name}={value!r}: expected a finite value >= 0", path=source)
        out.append(v)
    return out[0], out[1], out[2], out[3]


def spectrum_temperature(
    spectrum: Spectrum, temperature_C: float | None = None
) -> tuple[float, str]:
    """The measurement temperature [degC] of ``spectrum`` and where it came from.

    ``temperature_C`` when given ('given'); else the mean of the spectrum's
    ``temperature_C`` column ('file column'); else ``meta["temperature_C"]`` or
    ``meta["temperature_K"]`` - 273.15 ('file metadata'); else (NaN, 'unknown').

    Raises
    ------
    InputError
        A given temperature that is not finite or at or below absolute zero.
    """
    if temperature_C is not None:
        t = _number("temperature_C", temperature_C)
        if not np.isfinite(t) or t <= -T0_K:
            raise InputError(f"temperature {temperature_C!r} degC: expected a finite "
                             "temperature above -273.15 degC", path=spectrum.source)  # fmt: skip
        return t, "given"
    col = spectrum.data.get("temperature_C")
    if col is not None:
        v = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        if v.size:
            return float(v.mean()), "file column"
    meta = spectrum.meta
    for key, offset in (("temperature_C", 0.0), ("temperature_K", -T0_K)):
        if meta.get(key) is not None:
            try:
                t = float(meta[key]) + offset
            except (TypeError, ValueError):
                continue
            if np.isfinite(t) and t > -T0_K:
                return t, "file metadata"
    return float("nan"), "unknown"


def _blocking_exponent(spec: Spectrum) -> float:
    return low_frequency_exponent(spec)


def _require_blocking(spec: Spectrum, what: str) -> float:
    n = _blocking_exponent(spec)
    if not (np.isfinite(n) and n >= BLOCKING_MIN_EXPONENT):
        seen = (
            "-Z'' is not positive at the lowest frequencies"
            if not np.isfinite(n)
            else f"-Z'' changes with frequency as f^-{n:.2f} at the lowest frequencies"
        )
        raise AnalysisInputError(
            f"no blocking branch: {seen}, where ion-blocking electrodes give a capacitive "
            f"spike (f^-0.5..-1); {what} needs a spectrum measured with ion-blocking "
            "contacts down to where -Z'' rises again (a cell with non-blocking electrodes "
            "or a mixed conductor closes on the real axis)",
            path=spec.source,
        )
    return float(n)


def _inductive(spec: Spectrum) -> bool:
    f = spec.freq
    return bool(np.any(spec.z.imag[f >= f.max() / 10] > 0))


# --- circuit structure -----------------------------------------------------------------------
_ARC = re.compile(r"p\((R\d+),((?:CPE|C)\d+)\)")
_TOKEN = re.compile(r"[A-Za-z]+\d+")


@dataclass(frozen=True)
class _Structure:
    inductor: str | None
    series_r: str | None
    arcs: tuple[tuple[str, str], ...]
    blocking: str


def _structure(circ: Circuit) -> _Structure:
    """Series resistance, R||CPE arcs and the blocking element of a pellet circuit."""
    text = circ.text.replace(" ", "")
    arcs = tuple(_ARC.findall(text))
    rest = _ARC.sub("", text)
    top = [t for t in rest.split("-") if t]
    ind = [t for t in top if re.fullmatch(r"L\d+", t)]
    rs = [t for t in top if re.fullmatch(r"R\d+", t)]
    block = [t for t in top if re.fullmatch(r"(?:CPE|C)\d+", t)]
    ok = (
        len(ind) <= 1
        and len(rs) <= 1
        and len(block) == 1
        and len(ind) + len(rs) + len(block) == len(top)
        and not any("p(" in t for t in top)
    )
    if not ok:
        raise InputError(
            f"circuit '{circ.text}' is not of the pellet form: an optional L and series R, "
            "R||CPE arcs p(R,CPE) and one blocking CPE (or C) in series, e.g. "
            "'R0-p(R1,CPE1)-CPE2'"
        )
    return _Structure(ind[0] if ind else None, rs[0] if rs else None, arcs, block[0])


def _arc_numbers(fit: FitResult, r: str, q: str) -> dict[str, float]:
    """R [Ohm], its error, effective C [F], exponent n, tau [s] and peak frequency of an
    arc p(R, CPE) (Brug: C = (R^(1-n) Q)^(1/n), tau = (R Q)^(1/n))."""
    p = fit.params
    rv = p[r]
    if q.startswith("CPE"):
        qv, n = p[f"{q}_0"], p[f"{q}_1"]
    else:
        qv, n = p[q], 1.0
    with np.errstate(all="ignore"):
        tau = (rv * qv) ** (1.0 / n)
        c = tau / rv
    return {"r": rv, "r_err": fit.errors[r], "c": float(c), "n": float(n), "tau": float(tau),
            "f_peak": float(1.0 / (2 * np.pi * tau))}  # fmt: skip


def _sum_error(fit: FitResult, names: Sequence[str]) -> float:
    """Standard error of the sum of parameters ``names`` from the fit's covariance."""
    names = [n for n in names if n not in fit.fixed]
    if not names:
        return 0.0
    errs = np.array([fit.errors[n] for n in names])
    if not np.all(np.isfinite(errs)):
        return float("inf")
    cov = fit.covariance.loc[names, names].to_numpy()
    var = float(np.sum(cov))
    return float(np.sqrt(var)) if np.isfinite(var) and var >= 0 else float(np.sqrt(np.sum(errs**2)))


# --- candidates by AIC ---------------------------------------------------------------------
def _select(
    spec: Spectrum, circuits: Sequence[str], opts: dict[str, Any], margin: float
) -> tuple[FitResult | None, pd.DataFrame, dict[str, FitResult]]:
    """Fit every candidate; choose by AIC with parsimony within ``margin``."""
    rows, fits = [], {}
    m = 2 * len(spec)
    for text in circuits:
        circ = Circuit(text)
        try:
            fit = quiet_fit(spec, circ, **opts)
        except (InputError, np.linalg.LinAlgError) as exc:
            rows.append({"circuit": text, "n_free": circ.n_params, "chi2": np.nan,
                         "aic": np.inf, "success": False, "note": str(exc)})  # fmt: skip
            continue
        fits[text] = fit
        rows.append({"circuit": text, "n_free": fit.n_free, "chi2": fit.chi2,
                     "aic": aic(fit.chi2, m, fit.n_free), "success": bool(fit.success),
                     "note": "; ".join(fit.reasons)})  # fmt: skip
    table = pd.DataFrame(rows)
    ok = table["success"].to_numpy(bool) & np.isfinite(table["aic"].to_numpy(float))
    best_aic = float(table.loc[ok, "aic"].min()) if ok.any() else np.nan
    table["delta_aic"] = table["aic"] - (best_aic if ok.any() else table["aic"].min())
    w = np.where(
        ok, np.exp(-0.5 * np.nan_to_num(table["delta_aic"].to_numpy(float), nan=np.inf)), 0
    )
    table["weight"] = w / w.sum() if w.sum() > 0 else 0.0
    table["chosen"] = False
    cols = ["circuit", "n_free", "chi2", "aic", "delta_aic", "weight", "success", "chosen", "note"]
    if ok.any():
        near = ok & (table["delta_aic"].to_numpy(float) < margin)
        i = table[near].sort_values(["n_free", "aic"]).index[0]
    else:  # none usable: the lowest AIC, to say why
        aics = table["aic"].to_numpy(float)
        if not np.isfinite(aics).any():
            return None, table[cols], fits
        i = table.index[int(np.argmin(np.where(np.isfinite(aics), aics, np.inf)))]
    table.loc[i, "chosen"] = True
    return fits[table.loc[i, "circuit"]], table[cols], fits


# --- pellet ---------------------------------------------------------------------------------
@dataclass
class PelletConductivity(Plottable):
    """The ionic conductivity of a pellet from one blocking-electrode spectrum.

    Attributes
    ----------
    sigma_S_cm, sigma_err_S_cm : float
        Total ionic conductivity L / (r_total A) [S/cm] and its standard error (fit and
        geometry); NaN when the spectrum gives none (``success`` False).
    sigma_bulk_S_cm, sigma_bulk_err_S_cm : float
        Bulk conductivity, NaN where bulk and grain boundary are not separated.
    sigma_gb_S_cm, sigma_gb_err_S_cm : float
        Apparent grain-boundary conductivity L / (r_gb A), NaN without a resolved arc.
    sigma_fit_rel_err, geometry_rel_err : float
        The relative error of sigma from the fit alone and from thickness and area.
    r_total_ohm, r_total_err_ohm, r_bulk_ohm, r_bulk_err_ohm, r_gb_ohm, r_gb_err_ohm : float
        Resistances [Ohm] and standard errors (NaN where not separated).
    r_series_ohm : float
        Series resistance not counted (leads, with the bulk arc resolved), else NaN.
    method : str
        'arc' (the bulk arc resolved: its peak below BAND_FACTOR x f_max) or 'intercept' (the bulk taken at
        the high-frequency end: an intercept or an arc above f_max).
    bulk_resolved : bool
    f_bulk_Hz : float
        Peak frequency of the bulk arc (NaN when it is the intercept R0).
    arcs : DataFrame
        Every arc: ``element``, ``role`` ('bulk', 'grain_boundary', 'surface'),
        ``r_ohm``, ``r_err_ohm``, ``c_F`` (effective), ``c_spec_F_cm`` (C L / A),
        ``eps_r`` (C L / (eps_0 A)), ``n``, ``f_peak_Hz``, ``in_band``.
    blocking : dict
        The blocking element's ``q`` [F s^(n-1)], ``n`` and the data's low-frequency
        exponent ``lf_exponent``.
    circuit : str
        The chosen circuit; ``fit`` its :class:`~ohmslice.impedance.fit.FitResult`.
    candidates : DataFrame
        Every candidate: ``circuit``, ``n_free``, ``chi2``, ``aic``, ``delta_aic``,
        ``weight``, ``success``, ``chosen``, ``note`` (why a fit is not usable).
    temperature_C : float
        Measurement temperature [degC], NaN when unknown; ``temperature_source``.
    thickness_cm, thickness_err_cm, area_cm2, area_err_cm2 : float
    success : bool
        Whether the numbers can be used; ``reasons`` why not, ``notes`` what to know.
    source : str or None
        The spectrum's file.
    counted : list of str
        The circuit's resistors summed into ``r_total_ohm`` (the bulk's -- an arc's, or the
        series resistance R0 where the bulk is the intercept -- and the grain boundaries').
    """

    sigma_S_cm: float
    sigma_err_S_cm: float
    sigma_bulk_S_cm: float
    sigma_bulk_err_S_cm: float
    sigma_gb_S_cm: float
    sigma_gb_err_S_cm: float
    sigma_fit_rel_err: float
    geometry_rel_err: float
    r_total_ohm: float
    r_total_err_ohm: float
    r_bulk_ohm: float
    r_bulk_err_ohm: float
    r_gb_ohm: float
    r_gb_err_ohm: float
    r_series_ohm: float
    method: str
    bulk_resolved: bool
    f_bulk_Hz: float
    arcs: pd.DataFrame
    blocking: dict[str, float]
    circuit: str
    fit: FitResult | None
    candidates: pd.DataFrame
    temperature_C: float
    temperature_source: str
    thickness_cm: float
    thickness_err_cm: float
    area_cm2: float
    area_err_cm2: float
    success: bool
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source: str | None = None
    counted: list[str] = field(default_factory=list)

    @property
    def spectrum(self) -> Spectrum | None:
        """The spectrum fitted (None without a fit)."""
        return None if self.fit is None else self.fit.spectrum

    def row(self) -> dict[str, Any]:
        """One flat record (the scalar fields) for a table."""
        keys = ["source", "temperature_C", "temperature_source", "thickness_cm",
                "thickness_err_cm", "area_cm2", "area_err_cm2", "circuit", "method",
                "bulk_resolved", "f_bulk_Hz", "r_total_ohm", "r_total_err_ohm", "r_bulk_ohm",
                "r_bulk_err_ohm", "r_gb_ohm", "r_gb_err_ohm", "r_series_ohm", "sigma_S_cm",
                "sigma_err_S_cm", "sigma_bulk_S_cm", "sigma_bulk_err_S_cm", "sigma_gb_S_cm",
                "sigma_gb_err_S_cm", "sigma_fit_rel_err", "geometry_rel_err",
                "success"]  # fmt: skip
        out = {k: getattr(self, k) for k in keys}
        out["reasons"] = "; ".join(self.reasons)
        out["notes"] = "; ".join(self.notes)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: the scalar fields, arcs, candidates, reasons and notes."""
        out = {k: _json(v) for k, v in self.row().items()}
        out["reasons"], out["notes"] = list(self.reasons), list(self.notes)
        out["arcs"] = _records(self.arcs)
        out["candidates"] = _records(self.candidates)
        out["blocking"] = {k: _json(v) for k, v in self.blocking.items()}
        return out

    def __repr__(self) -> str:
        head = (
            f"PelletConductivity({self.source or 'spectrum'}, {self.circuit}, {self.method}): "
            f"sigma = {self.sigma_S_cm:.4g} +/- {self.sigma_err_S_cm:.2g} S/cm"
        )
        if np.isfinite(self.temperature_C):
            head += f" at {self.temperature_C:g} degC"
        lines = [head] + [f"  not usable: {r}" for r in self.reasons]
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


def _json(v: Any) -> Any:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if np.isfinite(v) else None
    return v


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _json(v) for k, v in r.items()} for r in df.to_dict(orient="records")]


def _sigma(length: float, area: float, r: float, r_err: float, geo_rel: float):
    """sigma [S/cm], its total error, and the fit's relative error."""
    with np.errstate(all="ignore"):
        s = length / (r * area) if r > 0 else np.nan
        fit_rel = r_err / r if r > 0 else np.nan
    return s, s * float(np.hypot(fit_rel, geo_rel)), fit_rel


@one_blas_thread
def pellet_conductivity(
    spectrum: Spectrum | tuple[np.ndarray, np.ndarray],
    thickness_cm: float,
    area_cm2: float,
    *,
    thickness_err_cm: float = 0.0,
    area_err_cm2: float = 0.0,
    temperature_C: float | None = None,
    circuits: Sequence[str] | None = None,
    inductance: bool | None = None,
    margin: float = MARGIN,
    weighting: str = "modulus",
) -> PelletConductivity:
    """Ionic conductivity of a pellet from its blocking-electrode spectrum (module doc).

    Parameters
    ----------
    spectrum
        SUS | SE | SUS spectrum (:class:`~ohmslice.schema.Spectrum` or (freq_Hz, Z)).
    thickness_cm, area_cm2
        Pellet thickness [cm] and electrode area [cm2]; their standard errors
        ``thickness_err_cm``, ``area_err_cm2`` (default 0).
    temperature_C
        Measurement temperature [degC]; default: from the spectrum
        (:func:`spectrum_temperature`).
    circuits
        Candidate circuits (default :data:`PELLET_CIRCUITS`), each of the form
        ``[L]-[R]-p(R,CPE)...-CPE``.
    inductance
        None: ``L0-`` added to every candidate where the top decade is inductive;
        True/False: always / never.
    margin
        AIC difference within which the candidate with fewer parameters is kept.
    weighting
        Residual weighting of the fits (:func:`~ohmslice.impedance.fit.fit_circuit`).

    Returns
    -------
    PelletConductivity
        ``success=False`` with ``reasons`` when no candidate describes the spectrum, the
        resistance is not determined (infinite error) or not positive; the numbers are
        then NaN.

    Raises
    ------
    InputError
        Thickness or area missing, <= 0, implausible or with bad errors
        (:func:`check_geometry`); a candidate circuit not of the pellet form; a
        spectrum the fit refuses (non-finite values, too few frequencies).
    AnalysisInputError
        A spectrum without a blocking branch at low frequency.
    """
    spec = as_spectrum(spectrum)
    src = spec.source
    length, area, dl, da = check_geometry(thickness_cm, area_cm2, thickness_err_cm, area_err_cm2,
                                          source=src)  # fmt: skip
    if not (np.isfinite(margin) and margin > 0):
        raise InputError(f"margin={margin!r}: expected an AIC difference > 0")
    temp, temp_src = spectrum_temperature(spec, temperature_C)
    lf_n = _require_blocking(spec, "a pellet conductivity")
    base = list(circuits) if circuits is not None else list(PELLET_CIRCUITS)
    if not base:
        raise InputError("circuits: expected at least one candidate circuit")
    for text in base:
        _structure(Circuit(text))
    add_l = _inductive(spec) if inductance is None else bool(inductance)
    cands = [t if (not add_l or t.startswith("L")) else f"L0-{t}" for t in base]
    fit, table, _ = _select(spec, cands, {"weighting": weighting}, float(margin))
    geo_rel = float(np.hypot(dl / length, da / area))
    nan = float("nan")
    empty_arcs = pd.DataFrame(columns=["element", "role", "r_ohm", "r_err_ohm", "c_F",
                                       "c_spec_F_cm", "eps_r", "n", "f_peak_Hz", "in_band"])  # fmt: skip
    common = dict(temperature_C=temp, temperature_source=temp_src, thickness_cm=length,
                  thickness_err_cm=dl, area_cm2=area, area_err_cm2=da, source=src,
                  candidates=table, geometry_rel_err=geo_rel)  # fmt: skip
    if fit is None:
        return PelletConductivity(
            nan, nan, nan, nan, nan, nan, nan, r_total_ohm=nan, r_total_err_ohm=nan,
            r_bulk_ohm=nan, r_bulk_err_ohm=nan, r_gb_ohm=nan, r_gb_err_ohm=nan,
            r_series_ohm=nan, method="none", bulk_resolved=False, f_bulk_Hz=nan,
            arcs=empty_arcs, blocking={"lf_exponent": lf_n}, circuit="", fit=None,
            success=False, reasons=["no candidate circuit could be fitted: "
                                    + "; ".join(table["note"].astype(str))], **common,
        )  # fmt: skip
    st = _structure(fit.circuit)
    f_max, f_min = float(spec.freq.max()), float(spec.freq.min())
    arcs = []
    for r, q in st.arcs:
        a = _arc_numbers(fit, r, q)
        c_spec = a["c"] * length / area
        arcs.append({"element": f"p({r},{q})", "r_name": r, "r_ohm": a["r"],
                     "r_err_ohm": a["r_err"], "c_F": a["c"], "c_spec_F_cm": c_spec,
                     "eps_r": c_spec / EPS0_F_CM, "n": a["n"], "tau_s": a["tau"],
                     "f_peak_Hz": a["f_peak"],
                     "in_band": bool(f_min <= a["f_peak"] <= f_max)})  # fmt: skip
    arcs.sort(key=lambda d: d["tau_s"])
    notes: list[str] = []
    for k, a in enumerate(arcs):
        if a["c_spec_F_cm"] <= BULK_MAX_F_CM or (k == 0 and st.series_r is None):
            a["role"] = "bulk" if k == 0 else "grain_boundary"
        elif a["c_spec_F_cm"] <= GB_MAX_F_CM:
            a["role"] = "grain_boundary"
        else:
            a["role"] = "surface"
    if arcs and arcs[0]["role"] == "bulk" and arcs[0]["c_spec_F_cm"] > BULK_MAX_F_CM:
        notes.append(
            f"the fastest arc starts at the origin but its capacitance "
            f"{arcs[0]['c_spec_F_cm']:.2g} F/cm (eps_r {arcs[0]['eps_r']:.3g}) is above a "
            "bulk's: it may hold the grain boundaries too"
        )
    bulk_arc = next((a for a in arcs if a["role"] == "bulk"), None)
    gb = [a for a in arcs if a["role"] == "grain_boundary"]
    surf = [a for a in arcs if a["role"] == "surface"]
    if bulk_arc is not None:
        bulk_names = [bulk_arc["r_name"]]
        r_series = fit.params[st.series_r] if st.series_r else nan
        f_bulk = bulk_arc["f_peak_Hz"]
        resolved = bool(f_bulk <= BAND_FACTOR * f_max)
        if st.series_r:
            notes.append(
                f"{st.series_r} = {r_series:.4g} Ohm in series at the high-frequency end "
                "(leads, contacts or a process above f_max) is not counted in the pellet's "
                "resistance"
            )
    else:  # the series resistance is the high-frequency intercept: bulk (+ leads)
        bulk_names = [st.series_r] if st.series_r else []
        r_series, f_bulk, resolved = nan, nan, False
    if not resolved and bulk_names:
        where = (
            f"its arc peaks at {f_bulk:.3g} Hz, over {BAND_FACTOR:g} x f_max = {f_max:.3g} Hz"
            if np.isfinite(f_bulk)
            else f"its arc lies above f_max = {f_max:.3g} Hz"
        )
        notes.append(
            f"bulk resistance read at the high-frequency intercept ({where}): it includes "
            "the leads' resistance and any process above the band (sigma is a lower bound "
            "of the bulk's)"
        )
    for a in surf:
        notes.append(
            f"arc {a['element']} ({a['r_ohm']:.4g} Ohm, {a['c_spec_F_cm']:.2g} F/cm) has the "
            "capacitance of an electrode or surface layer, not of the electrolyte: not counted"
        )
    gb_names = [a["r_name"] for a in gb]
    reasons = [] if fit.success else list(fit.reasons)
    if not bulk_names:
        reasons.append(f"circuit '{fit.circuit.text}' holds no resistance of the electrolyte")
    r_bulk = float(sum(fit.params[n] for n in bulk_names)) if bulk_names else nan
    r_bulk_err = _sum_error(fit, bulk_names) if bulk_names else nan
    r_gb = float(sum(fit.params[n] for n in gb_names)) if gb_names else nan
    r_gb_err = _sum_error(fit, gb_names) if gb_names else nan
    r_tot = r_bulk + (r_gb if gb_names else 0.0)
    r_tot_err = _sum_error(fit, bulk_names + gb_names) if bulk_names else nan
    if bulk_names and not np.isfinite(r_tot_err):
        reasons.append("the electrolyte's resistance is not determined by the data "
                       "(infinite standard error)")  # fmt: skip
    if bulk_names and not r_tot > 0:
        reasons.append(f"the electrolyte's resistance {r_tot:.3g} Ohm is not positive")
    success = not reasons
    sig, sig_err, fit_rel = _sigma(length, area, r_tot, r_tot_err, geo_rel)
    sb, sb_err, _ = _sigma(length, area, r_bulk, r_bulk_err, geo_rel)
    sg, sg_err, _ = _sigma(length, area, r_gb, r_gb_err, geo_rel) if gb_names else (nan,) * 3
    if not resolved and not gb_names:
        sb, sb_err = nan, nan  # the intercept holds bulk and grain boundary together
    if not success:
        sig = sig_err = sb = sb_err = sg = sg_err = nan
    if fit.success and len(table) > 1:
        ch = table[table["chosen"]].iloc[0]
        near = table[(~table["chosen"]) & table["success"] & (table["delta_aic"] < margin)]
        if len(near):
            notes.append(
                f"circuit {ch['circuit']} chosen; {', '.join(near['circuit'])} within "
                f"{margin:g} of its AIC (the data do not tell them apart; the simplest kept)"
            )
    arcs_df = pd.DataFrame(arcs).drop(columns=["r_name", "tau_s"]) if arcs else empty_arcs
    bq = st.blocking
    blocking = {
        "q": fit.params.get(f"{bq}_0", fit.params.get(bq, nan)),
        "n": fit.params.get(f"{bq}_1", 1.0),
        "lf_exponent": lf_n,
    }
    return PelletConductivity(
        sig, sig_err, sb, sb_err, sg, sg_err, fit_rel, r_total_ohm=r_tot,
        r_total_err_ohm=r_tot_err, r_bulk_ohm=r_bulk if (resolved or gb_names) else nan,
        r_bulk_err_ohm=r_bulk_err if (resolved or gb_names) else nan, r_gb_ohm=r_gb,
        r_gb_err_ohm=r_gb_err, r_series_ohm=r_series,
        method="arc" if resolved else "intercept", bulk_resolved=resolved, f_bulk_Hz=f_bulk,
        arcs=arcs_df, blocking=blocking, circuit=fit.circuit.text, fit=fit, success=success,
        reasons=reasons, notes=notes + list(fit.notes), counted=bulk_names + gb_names, **common,
    )  # fmt: skip


# --- Arrhenius ------------------------------------------------------------------------------
@dataclass
class Arrhenius:
    """sigma T = A exp(-Ea / k T) fitted to conductivities at several temperatures.

    Attributes
    ----------
    ea_eV, ea_err_eV : float
        Activation energy [eV] and its standard error.
    ln_prefactor, ln_prefactor_err : float
        ln A, A in S K / cm, and its standard error (systematic part included).
    sigma_ref_S_cm, sigma_ref_err_S_cm : float
        Conductivity at ``t_ref_C`` [S/cm] and its standard error (lognormal: the
        interval exp(ln sigma +- 1.96 s_ln) is ``sigma_ref_ci95_S_cm``).
    t_ref_C : float
        Reference temperature [degC] (25); ``extrapolated`` when outside the data.
    covariance : ndarray
        2 x 2 covariance of (ln A, Ea [eV]) from the points' random errors.
    chi2_reduced : float
        Weighted residual sum of squares / (n - 2) (NaN for two points, or unweighted).
    weighted : bool
        Whether per-point errors were used.
    data : DataFrame
        ``temperature_C``, ``temperature_K``, ``inv_T_1_K``, ``sigma_S_cm``,
        ``sigma_err_S_cm``, ``ln_sigma_T``, ``ln_sigma_T_err``, ``ln_sigma_T_fit``,
        ``residual``.
    notes : list of str
    """

    ea_eV: float
    ea_err_eV: float
    ln_prefactor: float
    ln_prefactor_err: float
    sigma_ref_S_cm: float
    sigma_ref_err_S_cm: float
    sigma_ref_ci95_S_cm: tuple[float, float]
    t_ref_C: float
    extrapolated: bool
    covariance: np.ndarray
    chi2_reduced: float
    weighted: bool
    systematic_rel_err: float
    data: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def prefactor_S_K_cm(self) -> float:
        """A [S K / cm]."""
        return float(np.exp(self.ln_prefactor))

    def sigma_at(self, temperature_C: Any) -> np.ndarray:
        """The fitted conductivity [S/cm] at ``temperature_C`` [degC]."""
        t = np.asarray(temperature_C, dtype=float) + T0_K
        return np.exp(self.ln_prefactor - self.ea_eV / (BOLTZMANN_EV * t)) / t

    def sigma_err_at(self, temperature_C: Any) -> np.ndarray:
        """Standard error [S/cm] of :meth:`sigma_at` (covariance and systematic part)."""
        t = np.asarray(temperature_C, dtype=float) + T0_K
        g0, g1 = np.ones_like(t), -1.0 / (BOLTZMANN_EV * t)
        c = self.covariance
        var = g0 * g0 * c[0, 0] + 2 * g0 * g1 * c[0, 1] + g1 * g1 * c[1, 1]
        var = var + self.systematic_rel_err**2
        return self.sigma_at(temperature_C) * np.sqrt(np.clip(var, 0, None))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        keys = ["ea_eV", "ea_err_eV", "ln_prefactor", "ln_prefactor_err", "sigma_ref_S_cm",
                "sigma_ref_err_S_cm", "t_ref_C", "extrapolated", "chi2_reduced", "weighted",
                "systematic_rel_err"]  # fmt: skip
        out = {k: _json(getattr(self, k)) for k in keys}
        out["prefactor_S_K_cm"] = _json(self.prefactor_S_K_cm)
        out["sigma_ref_ci95_S_cm"] = [_json(v) for v in self.sigma_ref_ci95_S_cm]
        out["points"] = _records(self.data)
        out["notes"] = list(self.notes)
        return out

    def __repr__(self) -> str:
        return (
            f"Arrhenius(Ea = {self.ea_eV:.4g} +/- {self.ea_err_eV:.2g} eV, sigma("
            f"{self.t_ref_C:g} degC) = {self.sigma_ref_S_cm:.4g} +/- "
            f"{self.sigma_ref_err_S_cm:.2g} S/cm, {len(self.data)} temperatures)"
        )


def arrhenius(
    temperature_C: Sequence[float],
    sigma_S_cm: Sequence[float],
    sigma_err_S_cm: Sequence[float] | None = None,
    *,
    temperature_err_C: float | Sequence[float] | None = None,
    systematic_rel_err: float = 0.0,
    t_ref_C: float = 25.0,
) -> Arrhenius:
    """Fit sigma T = A exp(-Ea / k T) (module doc, "Temperature series").

    Parameters
    ----------
    temperature_C, sigma_S_cm
        Temperatures [degC] and conductivities [S/cm], one per measurement.
    sigma_err_S_cm
        Random standard errors of the conductivities [S/cm] (weights); None or all
        zero: an unweighted fit.
    temperature_err_C
        Standard error of the temperatures [K], one for all or one each.
    systematic_rel_err
        Relative error shared by every point (the pellet's geometry): added to the
        prefactor's and sigma(t_ref)'s errors, not to Ea's.
    t_ref_C
        Temperature [degC] of the reported conductivity.

    Raises
    ------
    InputError
        Lengths that differ, fewer than two distinct temperatures, a temperature at or
        below absolute zero, a conductivity not > 0, errors not finite or negative.
    """
    t_c = np.asarray(temperature_C, dtype=float).ravel()
    sig = np.asarray(sigma_S_cm, dtype=float).ravel()
    if t_c.size != sig.size:
        raise InputError(f"{t_c.size} temperatures and {sig.size} conductivities: expected "
                         "one conductivity per temperature")  # fmt: skip
    if not np.all(np.isfinite(t_c)) or np.any(t_c <= -T0_K):
        raise InputError("temperatures: expected finite values above -273.15 degC (is one "
                         "of them unknown? give it explicitly)")  # fmt: skip
    if not np.all(np.isfinite(sig)) or np.any(sig <= 0):
        raise InputError("conductivities: expected finite values > 0 S/cm")
    if np.unique(t_c).size < 2:
        raise InputError(f"an Arrhenius fit needs at least two distinct temperatures; got "
                         f"{np.unique(t_c).size}")  # fmt: skip
    if sigma_err_S_cm is None:
        err = np.zeros_like(sig)
    else:
        err = np.broadcast_to(np.asarray(sigma_err_S_cm, dtype=float), sig.shape).copy()
        if not np.all(np.isfinite(err)) or np.any(err < 0):
            raise InputError("conductivity errors: expected finite values >= 0")
    t_err = np.broadcast_to(np.asarray(0.0 if temperature_err_C is None else temperature_err_C,
                                       dtype=float), sig.shape)  # fmt: skip
    if not np.all(np.isfinite(t_err)) or np.any(t_err < 0):
        raise InputError("temperature errors: expected finite values >= 0")
    sys_rel = _number("systematic_rel_err", systematic_rel_err)
    if not np.isfinite(sys_rel) or sys_rel < 0:
        raise InputError(f"systematic_rel_err={systematic_rel_err!r}: expected >= 0")
    t_ref = _number("t_ref_C", t_ref_C)
    if not np.isfinite(t_ref) or t_ref <= -T0_K:
        raise InputError(f"t_ref_C={t_ref_C!r}: expected a temperature above -273.15 degC")
    t_k = t_c + T0_K
    x = 1.0 / t_k
    y = np.log(sig * t_k)
    s_y = err / sig
    if np.any(s_y > 0) and not np.all(s_y > 0):
        raise InputError("conductivity errors: give an error > 0 for every point, or none")
    n = x.size
    design = np.column_stack([np.ones(n), x])
    use_w = bool(np.all(s_y > 0) or np.all(t_err > 0))
    slope = 0.0
    for _ in range(3 if np.any(t_err > 0) else 1):
        # effective variance of y: its own, and the temperature's moved through the line
        var = s_y**2 + ((1.0 / t_k + slope / t_k**2) * t_err) ** 2
        w = 1.0 / var if use_w else np.ones(n)
        xtwx = design.T @ (design * w[:, None])
        beta = np.linalg.solve(xtwx, design.T @ (w * y))
        slope = float(beta[1])
    resid = y - design @ beta
    dof = n - 2
    chi2 = float(np.sum(w * resid**2))
    cov_ab = np.linalg.inv(xtwx)
    notes: list[str] = []
    if use_w:
        chi2_red = chi2 / dof if dof > 0 else float("nan")
        if dof > 0 and chi2_red > 1:
            cov_ab = cov_ab * chi2_red
            if chi2_red > 4:
                notes.append(
                    f"the points scatter about the line {np.sqrt(chi2_red):.2g} times more "
                    "than their errors (errors scaled up): the conductivity may not follow "
                    "one Arrhenius law over this range (a phase change, VTF-type curvature)"
                )
    else:
        chi2_red = float("nan")
        if dof > 0:
            cov_ab = cov_ab * chi2 / dof
        else:
            cov_ab = np.diag([np.inf, np.inf])
            notes.append("two temperatures without errors: the line is exact and its "
                         "uncertainty unknown")  # fmt: skip
    # (ln A, b) -> (ln A, Ea), Ea = -k b
    scale = np.array([1.0, -BOLTZMANN_EV])
    if np.all(np.isfinite(cov_ab)):
        cov = cov_ab * np.outer(scale, scale)
    else:
        cov = np.diag([np.inf, np.inf])
    ln_a, ea = float(beta[0]), float(-BOLTZMANN_EV * beta[1])
    tr_k = t_ref + T0_K
    ln_sig_ref = ln_a - ea / (BOLTZMANN_EV * tr_k) - np.log(tr_k)
    g = np.array([1.0, -1.0 / (BOLTZMANN_EV * tr_k)])
    var_ref = float(g @ cov @ g) + sys_rel**2 if np.all(np.isfinite(cov)) else np.inf
    s_ln = float(np.sqrt(var_ref)) if var_ref >= 0 else float("nan")
    sig_ref = float(np.exp(ln_sig_ref))
    extrap = bool(not (t_c.min() <= t_ref <= t_c.max()))
    if extrap:
        notes.append(f"sigma at {t_ref:g} degC is extrapolated beyond the measured "
                     f"{t_c.min():g}..{t_c.max():g} degC")  # fmt: skip
    data = pd.DataFrame({
        "temperature_C": t_c, "temperature_K": t_k, "inv_T_1_K": x, "sigma_S_cm": sig,
        "sigma_err_S_cm": err, "ln_sigma_T": y, "ln_sigma_T_err": s_y,
        "ln_sigma_T_fit": design @ beta, "residual": resid,
    })  # fmt: skip
    return Arrhenius(
        ea_eV=ea, ea_err_eV=float(np.sqrt(cov[1, 1])), ln_prefactor=ln_a,
        ln_prefactor_err=float(np.sqrt(cov[0, 0] + sys_rel**2)), sigma_ref_S_cm=sig_ref,
        sigma_ref_err_S_cm=sig_ref * s_ln,
        sigma_ref_ci95_S_cm=(float(sig_ref * np.exp(-1.96 * s_ln)),
                             float(sig_ref * np.exp(min(1.96 * s_ln, 700.0)))),
        t_ref_C=t_ref, extrapolated=extrap, covariance=cov, chi2_reduced=float(chi2_red),
        weighted=bool(use_w), systematic_rel_err=sys_rel, data=data, notes=notes,
    )  # fmt: skip


@dataclass
class ConductivitySeries(Plottable):
    """Conductivities of one sample at several temperatures, and their Arrhenius fit.

    Attributes
    ----------
    results : list
        One :class:`PelletConductivity` per spectrum, in the order given.
    arrhenius : Arrhenius or None
        Fitted to the usable results at two or more distinct known temperatures, on the
        total conductivity with the fit's errors as weights and the geometry as the
        shared systematic error; None otherwise (``notes`` says why).
    notes : list of str
    """

    results: list[PelletConductivity]
    arrhenius: Arrhenius | None
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """One row per spectrum (:meth:`PelletConductivity.row`)."""
        return pd.DataFrame([r.row() for r in self.results])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every result, the Arrhenius fit, notes."""
        return {
            "results": [r.to_dict() for r in self.results],
            "arrhenius": None if self.arrhenius is None else self.arrhenius.to_dict(),
            "notes": list(self.notes),
        }


def conductivity_series(
    spectra: Sequence[Spectrum],
    thickness_cm: float,
    area_cm2: float,
    *,
    temperatures_C: Sequence[float | None] | None = None,
    thickness_err_cm: float = 0.0,
    area_err_cm2: float = 0.0,
    temperature_err_C: float | None = None,
    t_ref_C: float = 25.0,
    **options: Any,
) -> ConductivitySeries:
    """:func:`pellet_conductivity` of each spectrum of one pellet, then :func:`arrhenius`.

    ``temperatures_C`` gives one temperature [degC] per spectrum (None entries: from the
    spectrum); other keyword arguments go to :func:`pellet_conductivity`. Spectra are
    checked (geometry, blocking branch, temperatures) before the first fit; an error
    names the spectrum by index.

    Raises
    ------
    InputError
        As :func:`pellet_conductivity` (``spectrum k: ...``); a list of temperatures of
        another length than the spectra.
    """
    spectra = [as_spectrum(s) for s in spectra]
    if not spectra:
        raise InputError("no spectrum given")
    temps = list(temperatures_C) if temperatures_C is not None else [None] * len(spectra)
    if len(temps) != len(spectra):
        raise InputError(f"{len(temps)} temperatures for {len(spectra)} spectra: expected one "
                         "per spectrum")  # fmt: skip
    check_geometry(thickness_cm, area_cm2, thickness_err_cm, area_err_cm2)
    for k, (s, t) in enumerate(zip(spectra, temps, strict=True)):
        try:
            spectrum_temperature(s, t)
            _require_blocking(s, "a pellet conductivity")
        except InputError as exc:
            raise type(exc)(f"spectrum {k}: {exc.message}", path=exc.path) from None
    results = []
    for k, (s, t) in enumerate(zip(spectra, temps, strict=True)):
        try:
            results.append(pellet_conductivity(
                s, thickness_cm, area_cm2, thickness_err_cm=thickness_err_cm,
                area_err_cm2=area_err_cm2, temperature_C=t, **options))  # fmt: skip
        except InputError as exc:
            raise type(exc)(f"spectrum {k}: {exc.message}", path=exc.path) from None
    notes: list[str] = []
    use = [r for r in results if r.success and np.isfinite(r.temperature_C)]
    if len(use) < len(results):
        bad = len(results) - len(use)
        notes.append(f"{bad} of {len(results)} spectra left out of the Arrhenius fit (not "
                     "usable, or temperature unknown)")  # fmt: skip
    fit = None
    if len({r.temperature_C for r in use}) >= 2:
        fit = arrhenius(
            [r.temperature_C for r in use], [r.sigma_S_cm for r in use],
            [r.sigma_S_cm * r.sigma_fit_rel_err for r in use],
            temperature_err_C=temperature_err_C, systematic_rel_err=use[0].geometry_rel_err,
            t_ref_C=t_ref_C,
        )  # fmt: skip
    else:
        notes.append("no Arrhenius fit: fewer than two usable spectra at distinct known "
                     "temperatures")  # fmt: skip
    return ConductivitySeries(results, fit, notes)


# --- composite electrode --------------------------------------------------------------------
@dataclass
class CompositeConductivity(Plottable):
    """The effective ionic conductivity of a composite electrode (blocking TLM fit).

    Attributes
    ----------
    sigma_eff_S_cm, sigma_eff_err_S_cm : float
        L / (R_ion A) [S/cm] and its standard error (fit and geometry); NaN unless
        ``success``.
    r_ion_ohm, r_ion_err_ohm : float
        Ionic resistance of one electrode [Ohm] (halved for a symmetric cell).
    r_series_ohm, r_series_err_ohm : float
        The series resistance R0 [Ohm] (separator, contacts).
    q_s, gamma : float
        The interface CPE of the line.
    f_knee_Hz : float
        Where |R_ion / Z_s| = 1: the 45-degree line above, the blocking branch below.
    symmetric : bool
    circuit : str
    fit : FitResult
    sigma_fit_rel_err, geometry_rel_err : float
    temperature_C, temperature_source, thickness_cm, area_cm2, ... : as for
        :class:`PelletConductivity`.
    success, reasons, notes, source
    """

    sigma_eff_S_cm: float
    sigma_eff_err_S_cm: float
    r_ion_ohm: float
    r_ion_err_ohm: float
    r_series_ohm: float
    r_series_err_ohm: float
    q_s: float
    gamma: float
    f_knee_Hz: float
    symmetric: bool
    circuit: str
    fit: FitResult
    sigma_fit_rel_err: float
    geometry_rel_err: float
    temperature_C: float
    temperature_source: str
    thickness_cm: float
    thickness_err_cm: float
    area_cm2: float
    area_err_cm2: float
    success: bool
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source: str | None = None

    def row(self) -> dict[str, Any]:
        """One flat record (the scalar fields) for a table."""
        keys = ["source", "temperature_C", "temperature_source", "thickness_cm",
                "thickness_err_cm", "area_cm2", "area_err_cm2", "circuit", "symmetric",
                "r_ion_ohm", "r_ion_err_ohm", "r_series_ohm", "r_series_err_ohm", "q_s",
                "gamma", "f_knee_Hz", "sigma_eff_S_cm", "sigma_eff_err_S_cm",
                "sigma_fit_rel_err", "geometry_rel_err", "success"]  # fmt: skip
        out = {k: getattr(self, k) for k in keys}
        out["reasons"] = "; ".join(self.reasons)
        out["notes"] = "; ".join(self.notes)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        out = {k: _json(v) for k, v in self.row().items()}
        out["reasons"], out["notes"] = list(self.reasons), list(self.notes)
        return out


@one_blas_thread
def composite_conductivity(
    spectrum: Spectrum | tuple[np.ndarray, np.ndarray],
    thickness_cm: float,
    area_cm2: float,
    *,
    thickness_err_cm: float = 0.0,
    area_err_cm2: float = 0.0,
    symmetric: bool = False,
    temperature_C: float | None = None,
    inductance: bool | None = None,
    weighting: str = "modulus",
) -> CompositeConductivity:
    """Effective ionic conductivity of a composite electrode from a blocking
    transmission-line fit (module doc, "Composite electrode").

    ``thickness_cm`` is one electrode's thickness [cm], ``area_cm2`` its area;
    ``symmetric`` for a cell of two identical electrodes (R_ion halved).

    Returns
    -------
    CompositeConductivity
        ``success=False`` with ``reasons`` when the fit is not usable or the knee of the
        line lies outside the measured band (R_ion not measured).

    Raises
    ------
    InputError
        Thickness or area missing, <= 0 or implausible; a spectrum the fit refuses.
    AnalysisInputError
        A spectrum without a blocking branch at low frequency.
    """
    spec = as_spectrum(spectrum)
    src = spec.source
    length, area, dl, da = check_geometry(thickness_cm, area_cm2, thickness_err_cm, area_err_cm2,
                                          source=src)  # fmt: skip
    temp, temp_src = spectrum_temperature(spec, temperature_C)
    _require_blocking(spec, "a composite electrode's ionic conductivity")
    add_l = _inductive(spec) if inductance is None else bool(inductance)
    text = f"L0-{COMPOSITE_CIRCUIT}" if add_l else COMPOSITE_CIRCUIT
    fit = quiet_fit(spec, Circuit(text), weighting=weighting)
    p, e = fit.params, fit.errors
    k = 2.0 if symmetric else 1.0
    r_ion, r_ion_err = p["TLMQ1_0"] / k, e["TLMQ1_0"] / k
    q_s, gamma = p["TLMQ1_1"], p["TLMQ1_2"]
    with np.errstate(all="ignore"):
        f_knee = float((1.0 / (p["TLMQ1_0"] * q_s)) ** (1.0 / gamma) / (2 * np.pi))
    f_min, f_max = float(spec.freq.min()), float(spec.freq.max())
    reasons = [] if fit.success else list(fit.reasons)
    notes = list(fit.notes)
    if not (f_min <= f_knee <= f_max):
        side = "above f_max" if f_knee > f_max else "below f_min"
        reasons.append(
            f"the transmission line's knee at {f_knee:.3g} Hz lies {side} "
            f"({f_min:.3g}..{f_max:.3g} Hz): the data do not show both the 45-degree line "
            "and the blocking branch, so R_ion is not measured"
        )
    if not np.isfinite(r_ion_err):
        reasons.append("R_ion is not determined by the data (infinite standard error)")
    geo_rel = float(np.hypot(dl / length, da / area))
    sig, sig_err, fit_rel = _sigma(length, area, r_ion, r_ion_err, geo_rel)
    success = not reasons
    if not success:
        sig = sig_err = float("nan")
    if symmetric:
        notes.append("symmetric cell: R_ion per electrode is half the fitted line's")
    return CompositeConductivity(
        sigma_eff_S_cm=sig, sigma_eff_err_S_cm=sig_err, r_ion_ohm=r_ion,
        r_ion_err_ohm=r_ion_err, r_series_ohm=p["R0"], r_series_err_ohm=e["R0"], q_s=q_s,
        gamma=gamma, f_knee_Hz=f_knee, symmetric=bool(symmetric), circuit=fit.circuit.text,
        fit=fit, sigma_fit_rel_err=fit_rel, geometry_rel_err=geo_rel, temperature_C=temp,
        temperature_source=temp_src, thickness_cm=length, thickness_err_cm=dl,
        area_cm2=area, area_err_cm2=da, success=success, reasons=reasons, notes=notes,
        source=src,
    )  # fmt: skip
