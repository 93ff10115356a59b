"""A cathode half-cell model: NCM523 open-circuit voltage and SOC-dependent impedance.

The cell is a composite cathode (NCM523 : LPSCl : carbon = 75 : 22 : 3 wt %) on an
LPSCl separator with an In-Li counter electrode, as in the reference paper. Its voltage under
a current I (> 0 charges the cathode) is

    V = OCV_Li(x) + E_counter + eta,     eta = overpotential of the linear network below,

with x in [0, 1] the cathode's state of charge in units of the nominal capacity
(``soc_pct = 100 x``). The small-signal impedance of one cathode at SOC x is

    Z_el = p(R1, C1) - Zarc(R2, tau2, n2) - Ws(R3, tau3) [- 1/(s C_chem)]

* **R1 || C1** -- contact and electronic resistance of the composite, own time constant
  tau1 = R1 C1 of a few microseconds (peak near 50 kHz, the high-frequency arc);
* **R2 || CPE2** (a Zarc) -- charge transfer between active material (AM) and solid
  electrolyte (SE), tau2 = (R2 Q2)^(1/n2) of about a millisecond (peak ~ 100-200 Hz);
  optionally (``r_ion_ohm_cm2``) a transmission line of the composite's ionic
  resistance with R2 || CPE2 at its interface;
* **Ws(R3, tau3)** -- Li diffusion in the AM, a finite-length Warburg whose DC
  resistance is R3 and whose slowest mode has time constant 4 tau3 / pi^2 (tens of
  seconds: below 0.1 Hz); ``diffusion="Wo"`` selects the finite-space element instead
  (its DC-limit resistance is R3 / 3 and its capacitor tau3 / R3 stands for the charge
  storage that the OCV curve carries in the time domain), ``diffusion="Wsph"`` diffusion
  into spherical particles (DC-limit resistance R3 / 5, capacitor tau3 / (3 R3));
* **C_chem** = Q / (dOCV/dx) -- the insertion (chemical) capacitance, Q the capacity in
  coulombs; it is the small-signal form of the OCV slope, in the spectrum only (the time
  domain follows OCV(x) itself). Omitted for ``diffusion="Wo"`` and ``"Wsph"``.

The half cell adds the separator's bulk resistance R_sep and the In-Li counter electrode
(R_ce || C_ce, a fast arc): Z_half = R_sep + Z_el + p(R_ce, C_ce). A symmetric cell
(two cathodes at the same SOC, their separators in series) has
Z_sym = n_sep R_sep + 2 Z_el.

Parameters are plain Python callables of the SOC in percent (array in, array out), so a
user can set any dependence; :func:`table` turns a table of (SOC, value) into one.
Resistances are areal [Ohm cm^2] (divided by the area to get Ohm), time constants in
seconds. Every parameter is checked on a 0-100 % grid when the cell is built: a negative
resistance, a non-positive time constant or an exponent outside (0, 1] raises
:class:`~ohmslice.errors.InputError` naming the cell, the parameter and the SOC.

NCM523 defaults and why
-----------------------
* ``OCV_NCM523_VS_LI`` (:mod:`~ohmslice.simulate.curves`): tabulated OCV vs Li/Li+
  from 3.00 V (x = 0) to 4.35 V (x = 1), monotone cubic (PCHIP) in between. Shape of published NCM523 curves: a steep
  tail below 5 % SOC (3.0 -> 3.6 V, the fully lithiated end that terminates
  discharges), a gentle slope through 3.8 V at 50 % SOC (the reference paper's resistance minimum
  at 3.8 V ~ 50 % SOC) and a steeper rise above 90 % to 4.35 V. The window is the reference paper's
  3.0-4.35 V, so 0 and 100 % of the table are the cut-off potentials at rest.
* In-Li counter electrode: -0.62 V (``counter_potential_V``); voltages the instrument
  records are cathode vs In-Li, i.e. 2.38-3.73 V for the window above.
* Area 0.785 cm^2 (10 mm die), 1C = 3 mA cm^-2 (reference paper) -> 2.355 mA; nominal capacity =
  1C current x 1 h = 2.355 mAh; 16.5 mg NCM523 (22 mg composite x 75 %) -> 143 mAh/g;
  all of it accessible (``capacity_fraction`` = 1).
* R1 (contact) 4 Ohm cm^2, rising by up to 50 % at low SOC (the lithiated NCM is the
  poorer electronic conductor); tau1 = 3 us. Same for both cathodes of the reference
  study, as the reference paper finds.
* R2 (charge transfer) 12 Ohm cm^2 at 50 % SOC, U-shaped in SOC (x 3.1 at 0 %,
  x 1.6 at 100 %), n2 = 0.85, tau2 = 1 ms: far enough from tau1 and from the first
  100 us sample of a GITT pulse for R1 and R2 to be told apart in time.
* R3 (diffusion) 15 Ohm cm^2 at 50 %, rising steeply below 15 % SOC (x 4 at 0 %: Li
  diffusion in nearly fully lithiated NCM slows down) and moderately above 80 %
  (x 1.6 at 100 %); tau3 = 30 s (slowest mode 12 s), doubling towards 0 % SOC; a 72 s
  pulse sees 99.8 % of R3 at 50 % SOC. The low-SOC rise is kept moderate so that a 2C
  charge from the fully discharged state (a linear model has no charge/discharge
  asymmetry) is not cut off at once.
* Separator 8 Ohm cm^2 (0.6 mm LPSCl at ~ 8 mS/cm), In-Li 2 Ohm cm^2 with tau = 1 us.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import InputError
from ..schema import Spectrum
from . import rc
from .curves import CHECK_GRID, OCV, OCV_NCM523_VS_LI, Curve, constant, table

__all__ = [
    "Curve",
    "table",
    "OCV",
    "OCV_NCM523_VS_LI",
    "ElectrodeParameters",
    "CellModel",
    "ncm523_parameters",
    "ncm523_cell",
]


@dataclass(frozen=True)
class ElectrodeParameters:
    """SOC-dependent impedance parameters of one cathode (callables of SOC in %).

    Attributes
    ----------
    r_contact_ohm_cm2, tau_contact_s
        Contact/electronic resistance R1 [Ohm cm^2] and its time constant R1 C1 [s].
    r_ct_ohm_cm2, tau_ct_s, n_ct
        Charge-transfer resistance R2 [Ohm cm^2], its characteristic time
        (R2 Q2)^(1/n) [s] and CPE exponent n (0 < n <= 1).
    r_diff_ohm_cm2, tau_diff_s
        Diffusion resistance R3 [Ohm cm^2] and Warburg time constant tau3 = L^2/D [s].
    diffusion
        ``"Ws"`` (finite length, default), ``"Wo"`` (finite space) or ``"Wsph"``
        (spherical particles).
    r_ion_ohm_cm2
        Optional ionic resistance of the composite [Ohm cm^2]: the charge transfer then
        becomes a transmission line (TLM, blocked electronic rail) of this ionic
        resistance with R2 || CPE at its interface; None (default) or 0 keeps the Zarc.
    """

    r_contact_ohm_cm2: Curve
    tau_contact_s: Curve
    r_ct_ohm_cm2: Curve
    tau_ct_s: Curve
    n_ct: Curve
    r_diff_ohm_cm2: Curve
    tau_diff_s: Curve
    diffusion: str = "Ws"
    r_ion_ohm_cm2: Curve | None = None

    _RESISTANCES = ("r_contact_ohm_cm2", "r_ct_ohm_cm2", "r_diff_ohm_cm2", "r_ion_ohm_cm2")
    _TIMES = ("tau_contact_s", "tau_ct_s", "tau_diff_s")

    def evaluate(self, soc_pct: np.ndarray | float) -> dict[str, np.ndarray]:
        """Every parameter at SOC ``soc_pct`` [%] (areal resistances, seconds)."""
        s = np.asarray(soc_pct, dtype=float)
        out = {}
        for name in (*self._RESISTANCES, *self._TIMES, "n_ct"):
            f = getattr(self, name)
            v = np.zeros(s.shape) if f is None else np.asarray(f(s), dtype=float)
            out[name] = np.broadcast_to(v, s.shape)
        return out

    def dc_resistance_ohm_cm2(self, soc_pct: np.ndarray | float) -> np.ndarray:
        """DC resistance of one electrode [Ohm cm^2]: R1 + (Zarc R2 or TLM) + R3 (Wo: R3/3,
        Wsph: R3/5)."""
        p = self.evaluate(soc_pct)
        r2, r_ion = p["r_ct_ohm_cm2"], p["r_ion_ohm_cm2"]
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.sqrt(r_ion / r2)
            tlm = np.where(x < 1e-4, r2 * (1 + x**2 / 3), r2 * x / np.tanh(x))
        ct = np.where(r_ion > 0, np.where(r2 > 0, tlm, r_ion), r2)
        r3 = p["r_diff_ohm_cm2"] / {"Wo": 3.0, "Wsph": 5.0}.get(self.diffusion, 1.0)
        return p["r_contact_ohm_cm2"] + ct + r3

    def check(self, where: str) -> None:
        """Raise InputError if a parameter is not physical somewhere on 0-100 % SOC."""
        if self.diffusion not in ("Ws", "Wo", "Wsph"):
            raise InputError(
                f"{where}: diffusion = {self.diffusion!r}; expected 'Ws', 'Wo' or 'Wsph'"
            )
        try:
            values = self.evaluate(CHECK_GRID)
        except Exception as exc:  # a user callable failing is a bad parameter
            raise InputError(
                f"{where}: a parameter function failed on SOC 0-100 %: {exc}"
            ) from None
        for name, v in values.items():
            if name in self._RESISTANCES:
                bad, want = ~(np.isfinite(v) & (v >= 0)), ">= 0"
            elif name in self._TIMES:
                bad, want = ~(np.isfinite(v) & (v > 0)), "> 0"
            else:
                bad, want = ~(np.isfinite(v) & (v > 0) & (v <= 1)), "in (0, 1]"
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(
                    f"{where}: parameter {name} = {v[i]:.6g} at SOC {CHECK_GRID[i]:g} %; "
                    f"expected a finite value {want}"
                )


def _u_shape(soc: np.ndarray, low: float, width: float, high: float) -> np.ndarray:
    """1 at 50 % SOC; + ``low`` x exp(-SOC/width) towards 0 %; + ``high`` x ((SOC-50)/50)^2."""
    s = np.asarray(soc, dtype=float)
    return 1.0 + low * np.exp(-s / width) + high * ((s - 50.0) / 50.0) ** 2


def ncm523_parameters() -> ElectrodeParameters:
    """The NCM523 | LPSCl composite-cathode defaults documented in the module docstring."""

    def r_contact(s: np.ndarray) -> np.ndarray:
        return 4.0 * (1.0 + 0.5 * np.exp(-np.asarray(s, dtype=float) / 10.0))

    def r_ct(s: np.ndarray) -> np.ndarray:
        return 12.0 * _u_shape(s, 1.5, 8.0, 0.6)

    def r_diff(s: np.ndarray) -> np.ndarray:
        return 15.0 * _u_shape(s, 2.5, 4.0, 0.6)

    def tau_diff(s: np.ndarray) -> np.ndarray:
        return 30.0 * (1.0 + 1.0 * np.exp(-np.asarray(s, dtype=float) / 10.0))

    return ElectrodeParameters(
        r_contact_ohm_cm2=r_contact,
        tau_contact_s=constant(3e-6),
        r_ct_ohm_cm2=r_ct,
        tau_ct_s=constant(1e-3),
        n_ct=constant(0.85),
        r_diff_ohm_cm2=r_diff,
        tau_diff_s=tau_diff,
    )


@dataclass(frozen=True)
class CellModel:
    """A cathode half cell (and, for spectra, the symmetric cell of two such cathodes).

    Attributes
    ----------
    name, label
        Short name (file names, tables) and description.
    electrode
        SOC-dependent impedance of one cathode.
    ocv
        Cathode OCV vs Li/Li+ (:class:`OCV`).
    area_cm2
        Electrode area [cm^2]; areal parameters are divided by it.
    current_density_1c_A_cm2
        Current density of 1C [A cm^-2]; the nominal capacity is 1C x 1 h.
    active_mass_mg
        Mass of active material [mg] (for mAh/g in the study file).
    counter_potential_V
        Potential of the counter electrode vs Li/Li+ [V] (In-Li: 0.62); recorded voltage
        = cathode potential - counter_potential_V.
    r_sep_ohm_cm2
        Bulk resistance of one separator layer [Ohm cm^2].
    sym_separator_layers
        Separator layers in the symmetric cell (two half-cell separators stacked: 2).
    r_counter_ohm_cm2, tau_counter_s
        In-Li counter electrode as R || C (areal resistance, time constant).
    capacity_fraction
        Accessible share of the nominal capacity (< 1 where active material is
        electrically or ionically isolated); the OCV table and the SOC x span the
        accessible part.
    """

    name: str
    electrode: ElectrodeParameters = field(default_factory=ncm523_parameters)
    ocv: OCV = OCV_NCM523_VS_LI
    label: str = ""
    area_cm2: float = 0.785
    current_density_1c_A_cm2: float = 3e-3
    active_mass_mg: float = 16.5
    counter_potential_V: float = 0.62
    r_sep_ohm_cm2: float = 8.0
    sym_separator_layers: int = 2
    r_counter_ohm_cm2: float = 2.0
    tau_counter_s: float = 1e-6
    capacity_fraction: float = 1.0

    def __post_init__(self) -> None:
        where = f"cell {self.name!r}"
        if not (np.isfinite(self.capacity_fraction) and 0 < self.capacity_fraction <= 1.5):
            raise InputError(
                f"{where}: capacity_fraction = {self.capacity_fraction!r}; expected 0 < f <= 1.5 "
                "(a capacity must be positive)"
            )
        for attr in ("area_cm2", "current_density_1c_A_cm2", "active_mass_mg", "tau_counter_s"):
            v = getattr(self, attr)
            if not (np.isfinite(v) and v > 0):
                raise InputError(f"{where}: {attr} = {v!r}; expected a finite number > 0")
        for attr in ("r_sep_ohm_cm2", "r_counter_ohm_cm2"):
            v = getattr(self, attr)
            if not (np.isfinite(v) and v >= 0):
                raise InputError(f"{where}: {attr} = {v!r}; expected a finite number >= 0")
        if int(self.sym_separator_layers) < 0:
            raise InputError(f"{where}: sym_separator_layers must be >= 0")
        self.electrode.check(where)

    def with_(self, **changes: Any) -> CellModel:
        """A copy with some attributes changed (validated again)."""
        return replace(self, **changes)

    # --- capacity and voltages ----------------------------------------------------------
    @property
    def one_c_A(self) -> float:
        """Current of 1C [A]."""
        return self.area_cm2 * self.current_density_1c_A_cm2

    @property
    def nominal_capacity_Ah(self) -> float:
        """Nominal capacity [A h] = 1C current x 1 h (what C-rates refer to)."""
        return self.one_c_A

    @property
    def capacity_Ah(self) -> float:
        """Accessible capacity [A h] = nominal x ``capacity_fraction``; the OCV table spans it."""
        return self.one_c_A * self.capacity_fraction

    @property
    def capacity_C(self) -> float:
        """Accessible capacity [C] (what the OCV table spans)."""
        return self.capacity_Ah * 3600.0

    def to_cell_voltage(self, v_vs_li: float) -> float:
        """Recorded (vs counter electrode) voltage [V] of a potential vs Li/Li+."""
        return float(v_vs_li) - self.counter_potential_V

    def ocv_cell(self, x: np.ndarray | float) -> np.ndarray:
        """Open-circuit voltage of the half cell (cathode vs counter) [V] at SOC fraction x."""
        return self.ocv(x) - self.counter_potential_V

    # --- impedance ------------------------------------------------------------------------
    def parameters_ohm(self, soc_pct: float) -> dict[str, float]:
        """Per-electrode parameters at ``soc_pct`` in absolute units (Ohm, s).

        Keys: ``r1``, ``tau1``, ``r2``, ``tau2``, ``n2``, ``r3``, ``tau3``, ``r_ion``.
        """
        p = self.electrode.evaluate(float(soc_pct))
        a = self.area_cm2
        return {
            "r1": float(p["r_contact_ohm_cm2"]) / a,
            "tau1": float(p["tau_contact_s"]),
            "r2": float(p["r_ct_ohm_cm2"]) / a,
            "tau2": float(p["tau_ct_s"]),
            "n2": float(p["n_ct"]),
            "r3": float(p["r_diff_ohm_cm2"]) / a,
            "tau3": float(p["tau_diff_s"]),
            "r_ion": float(p["r_ion_ohm_cm2"]) / a,
        }

    @property
    def r_sep_ohm(self) -> float:
        return self.r_sep_ohm_cm2 / self.area_cm2

    @property
    def r_counter_ohm(self) -> float:
        return self.r_counter_ohm_cm2 / self.area_cm2

    def process_chains(self, soc_pct: float) -> dict[str, rc.RCChain]:
        """RC expansions of one cathode's processes at ``soc_pct``: ``contact``, ``ct``
        (charge transfer) and ``diffusion`` (without its storage: the OCV carries it).
        The number of elements of each does not depend on the SOC."""
        p = self.parameters_ohm(soc_pct)
        if p["r_ion"] > 0:
            ct = rc.tlm_rc(p["r_ion"], p["r2"], p["tau2"], p["n2"])
        else:
            ct = rc.zarc_rc(p["r2"], p["tau2"], p["n2"])
        diff = rc.warburg_rc(p["r3"], p["tau3"], self.electrode.diffusion)
        diff.capacitance_F = np.inf
        return {
            "contact": rc.RCChain(0.0, np.array([p["r1"]]), np.array([p["tau1"]])),
            "ct": ct,
            "diffusion": diff,
        }

    def electrode_chain(self, soc_pct: float) -> rc.RCChain:
        """RC expansion of one cathode's impedance (no chemical capacitance) at ``soc_pct``:
        the :meth:`process_chains` in series (contact, charge transfer, diffusion)."""
        return rc.merge(*self.process_chains(soc_pct).values())

    def half_cell_chain(self, soc_pct: float) -> rc.RCChain:
        """RC expansion of the half cell: separator + cathode + counter electrode."""
        counter = rc.RCChain(
            self.r_sep_ohm, np.array([self.r_counter_ohm]), np.array([self.tau_counter_s])
        )
        return rc.merge(counter, self.electrode_chain(soc_pct))

    def chemical_capacitance_F(self, soc_pct: float) -> float:
        """Insertion capacitance Q / (dOCV/dx) [F] at ``soc_pct``."""
        return self.capacity_C / float(self.ocv.slope(soc_pct / 100.0))

    def circuit(self, soc_pct: float, kind: str = "half") -> tuple[str, dict[str, float]]:
        """The exact impedance of the model as an impedance.py-style circuit and its parameters.

        ``kind`` is ``"electrode"`` (one cathode), ``"half"`` (separator + cathode +
        In-Li) or ``"symmetric"`` (n separators + two cathodes). Element names:
        R0 separator(s), R1/C1 contact, Zarc2 charge transfer (impedance.py's Zarc:
        R, tau, gamma; TLM2 with an ionic resistance: parameters R_ion, R_ct, Q, n),
        Ws3 (or Wo3, Wsph3) diffusion,
        C4 chemical capacitance (not with Wo, Wsph), R5/C5 counter electrode; in the symmetric
        cell the second cathode repeats them as R6/C6, Zarc7, Ws8, C9.
        """
        p = self.parameters_ohm(soc_pct)
        w = self.electrode.diffusion
        q2 = p["tau2"] ** p["n2"] / p["r2"] if p["r2"] > 0 else 1.0

        def cathode(i: int) -> tuple[list[str], dict[str, float]]:
            ct = "TLM" if p["r_ion"] > 0 else "Zarc"
            parts = [f"p(R{i},C{i})", f"{ct}{i + 1}", f"{w}{i + 2}"]
            ct_vals = (
                [p["r2"], p["tau2"], p["n2"]]
                if ct == "Zarc"
                else [p["r_ion"], p["r2"], q2, p["n2"]]
            )
            vals = {
                f"R{i}": p["r1"],
                f"C{i}": p["tau1"] / p["r1"] if p["r1"] > 0 else 1.0,
                **{f"{ct}{i + 1}_{k}": v for k, v in enumerate(ct_vals)},
                f"{w}{i + 2}_0": p["r3"],
                f"{w}{i + 2}_1": p["tau3"],
            }
            if w == "Ws":
                parts.append(f"C{i + 3}")
                vals[f"C{i + 3}"] = self.chemical_capacitance_F(soc_pct)
            return parts, vals

        if kind == "electrode":
            parts, vals = cathode(1)
            return "-".join(parts), vals
        if kind == "half":
            parts, vals = cathode(1)
            vals.update(
                R0=self.r_sep_ohm,
                R5=self.r_counter_ohm,
                C5=self.tau_counter_s / self.r_counter_ohm if self.r_counter_ohm > 0 else 1.0,
            )
            return "-".join(["R0", *parts, "p(R5,C5)"]), vals
        if kind == "symmetric":
            p1, v1 = cathode(1)
            p2, v2 = cathode(6)
            vals = {"R0": self.sym_separator_layers * self.r_sep_ohm, **v1, **v2}
            return "-".join(["R0", *p1, *p2]), vals
        raise InputError(f"spectrum kind {kind!r}; expected 'electrode', 'half' or 'symmetric'")

    def impedance(self, freq_hz: np.ndarray, soc_pct: float, kind: str = "half") -> np.ndarray:
        """Exact complex impedance [Ohm] at frequencies ``freq_hz`` [Hz] and ``soc_pct``."""
        from ..impedance.circuits import Circuit

        text, vals = self.circuit(soc_pct, kind)
        return Circuit(text).z(np.asarray(freq_hz, dtype=float), vals)

    def spectrum(self, freq_hz: np.ndarray, soc_pct: float, kind: str = "half") -> Spectrum:
        """Noise-free :class:`~ohmslice.schema.Spectrum` of the model (see :meth:`circuit`)."""
        z = self.impedance(freq_hz, soc_pct, kind)
        meta = {
            "source": None,
            "technique": "PEIS",
            "settings": {"cell": self.name, "soc_pct": float(soc_pct), "kind": kind},
        }
        return Spectrum.from_arrays(np.asarray(freq_hz, dtype=float), z, meta)


def ncm523_cell(name: str = "NCM523", **changes: Any) -> CellModel:
    """An NCM523 | LPSCl | In-Li half cell with the defaults of this module."""
    return CellModel(name=name, **changes)
