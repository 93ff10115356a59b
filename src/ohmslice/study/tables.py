"""The column contract of the results store: every table, every column, its type, unit
and meaning, written down once.

:mod:`ohmslice.study.store` writes each table of :data:`TABLES` as Parquet (with the
unit and meaning of each column in the file's field metadata), as CSV, and as a view
of the DuckDB catalogue; the table ``columns`` of every results folder is this contract
(:func:`contract_frame`); ``docs/results.md`` is rendered from it
(:func:`contract_markdown`).

Conventions (README): SI units with the unit in the column name (``_ohm``, ``_s``,
``_V``, ``_A``, ``_Ah``, ``_Hz``, ``_pct`` for percent); areal quantities say so
(``r1_ohm_cm2`` = ``r1_ohm`` x the cell's area); ``{x}_err`` is one standard error of
``{x}`` in the unit of ``{x}``. SOC in percent on the scale of each cell's GITT (the
``cells`` table says which: ``soc_basis``, ``soc_reference``). Resistances from the
symmetric-cell spectra are per electrode. Values a result lacks are NULL (NaN in pandas);
a text the analysis leaves empty (a pulse without a flag) is ''.

Types (``dtype``): ``str``, ``float`` (64 bit), ``int`` (64 bit, nullable), ``bool``
(nullable). A table always holds its documented columns in this order (missing ones as
NULL), then any column an analysis added that this contract does not know yet (kept,
typed as pandas gives it, listed in ``columns`` with meaning ``"(not in the contract)"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..method.columns import COLUMNS as _DECOMPOSITION

__all__ = [
    "Column",
    "Table",
    "TABLES",
    "unit_of",
    "conform",
    "contract_frame",
    "contract_markdown",
]


@dataclass(frozen=True)
class Column:
    """One column: ``name``, ``dtype`` (str / float / int / bool), ``unit`` ('' for
    text, flags and dimensionless numbers), ``meaning``."""

    name: str
    dtype: str
    unit: str
    meaning: str


@dataclass(frozen=True)
class Table:
    """One table of the store: ``name``, what a row is (``meaning``), its ``columns``."""

    name: str
    meaning: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


#: unit by the end of a column name, longest first (``_err`` is stripped before)
_SUFFIX_UNITS = (
    ("_ohm_cm2", "Ohm cm2"),
    ("_S_cm", "S/cm"),
    ("_V_per_s", "V/s"),
    ("_mAh_cm2", "mA h/cm2"),
    ("_mAh_g", "mA h/g"),
    ("_mAh", "mA h"),
    ("_mWh", "mW h"),
    ("_ohm", "Ohm"),
    ("_Wh", "W h"),
    ("_Ah", "A h"),
    ("_Hz", "Hz"),
    ("_pct", "%"),
    ("_cm2", "cm2"),
    ("_cm", "cm"),
    ("_eV", "eV"),
    ("_mg", "mg"),
    ("_V", "V"),
    ("_A", "A"),
    ("_s", "s"),
    ("_bytes", "bytes"),
)


def unit_of(name: str) -> str:
    """The unit a column name states by its ending (``r1_ohm_err`` -> ``"Ohm"``,
    ``tau2_err_s`` -> ``"s"``, ``soc_pct`` -> ``"%"``); '' where it states none."""
    base = name[: -len("_err")] if name.endswith("_err") else name
    for suffix, unit in _SUFFIX_UNITS:
        if base.endswith(suffix):
            return unit
    return ""


def _cols(*specs: tuple) -> tuple[Column, ...]:
    """Columns from ``(name, dtype, meaning)`` or ``(name, dtype, meaning, unit)``."""
    out = []
    for spec in specs:
        name, dtype, meaning = spec[:3]
        unit = spec[3] if len(spec) > 3 else unit_of(name)
        out.append(Column(name, dtype, unit, meaning))
    return tuple(out)


_CELL = ("cell", "str", "cell name (the study file's [[cell]] name)")
_SPECTRUM = ("spectrum", "str", "'symmetric' (symmetric cell, per electrode) or 'half' (half cell)")
_SOC_SPECTRUM = ("soc_pct", "float", "SOC [%] of the spectrum, as the study file gives it")


# --- pulses ----------------------------------------------------------------------------
_PULSES = _cols(
    _CELL,
    ("pulse", "int", "pulse number, 1-based, in time order"),
    ("region", "str", "GITT region I / II / III (rule: ohmslice.dc.regions.REGION_RULE)"),
    ("soc_start_pct", "float", "SOC [%] at the pulse's current step"),
    ("soc_end_pct", "float", "SOC [%] at the end of the pulse"),
    ("soc_mid_pct", "float", "SOC [%] halfway through the pulse"),
    ("charge_Ah", "float", "charge passed by the pulse, signed (> 0 charges the cathode)"),
    ("current_A", "float", "mean current of the pulse, signed"),
    ("duration_s", "float", "pulse duration"),
    ("segment", "int", "segment number of the pulse in the recording's segmentation"),
    ("row_start", "int", "first row of the pulse in the GITT file (0-based data rows)"),
    ("row_stop", "int", "row after the last row of the pulse (exclusive)"),
    ("t_start_s", "float", "time of the current step (the recording's clock)"),
    ("t_end_s", "float", "time of the end of the pulse"),
    ("rest_s", "float", "duration of the rest after the pulse"),
    ("ocv_before_V", "float", "OCV at the end of the preceding rest (line through its last 2 %)"),
    ("ocv_after_V", "float", "OCV at the end of the pulse's own rest (NaN: rest incomplete)"),
    ("ocv_before_se_V", "float", "standard error of ocv_before_V"),
    ("ocv_after_se_V", "float", "standard error of ocv_after_V"),
    (
        "ocv_drift_V_per_s",
        "float",
        "voltage slope at the end of the pulse's rest (relaxation left)",
    ),
    ("noise_V", "float", "white voltage noise of the record (consecutive samples of the rest)"),
    ("v_end_V", "float", "last voltage sample of the pulse"),
    ("t_first_s", "float", "time of the first sample after the current step, from the step"),
    ("ir_drop_V", "float", "|V_first - OCV_before| at the first sample"),
    ("r_ir_ohm", "float", "(V_first - OCV_before) / I at the first sample"),
    ("ir_drop0_V", "float", "IR drop extrapolated to t = 0 (straight line in sqrt(t))"),
    ("r_ir0_ohm", "float", "resistance extrapolated to t = 0 (straight line in sqrt(t))"),
    ("r_ir0_se_ohm", "float", "standard error of r_ir0_ohm", "Ohm"),
    ("r_total_ohm", "float", "(V_end - OCV_before) / I: the pulse's total resistance"),
    ("r_polarization_ohm", "float", "(V_end - OCV_after) / I"),
    ("complete", "bool", "the pulse's rest is as long as the others'"),
    ("d_ocv_d_soc_V", "float", "(OCV_after - OCV_before) / (SOC_end - SOC_start)", "V/%"),
    ("reached_cutoff", "bool", "the pulse ended at the cut-off voltage"),
    ("r_ir_ohm_cm2", "float", "r_ir_ohm x the cell's area (NaN: area not in the study file)"),
    ("r_ir0_ohm_cm2", "float", "r_ir0_ohm x the cell's area"),
    ("r_total_ohm_cm2", "float", "r_total_ohm x the cell's area"),
    ("r_polarization_ohm_cm2", "float", "r_polarization_ohm x the cell's area"),
)

# --- components (the decomposition, both methods) --------------------------------------
_AREAL = ("r1", "r2", "r3", "r_ocv", "r_total", "r12", "r3_paper", "r3_dc")


def _components() -> tuple[Column, ...]:
    from ..method.columns import COMMON_COLUMNS

    specs: list[tuple] = [
        _CELL,
        ("method", "str", "decomposition method: 'windows' or 'model'"),
        (
            "comparison_method",
            "bool",
            "True in the rows of the method the comparison of cells used (runs.method_used)",
        ),
    ]
    dtypes = {
        "pulse": "int",
        "r3_dc_extrapolated": "bool",
        "taus_extrapolated": "bool",
        "usable": "bool",
        "flag": "str",
    }
    for name in COMMON_COLUMNS:
        if name in _DECOMPOSITION:
            meaning = _DECOMPOSITION[name]
        else:  # {x}_err
            meaning = f"standard error of {name[: -len('_err')]}"
        specs.append((name, dtypes.get(name, "float"), meaning))
    specs += [
        ("t1_s", "float", "windows: end of the R1 window (R1/R2 boundary) after the step"),
        ("t2_s", "float", "windows: end of the R2 window (R2/R3 boundary) after the step"),
        ("t_end_s", "float", "windows: the pulse end the components are read at"),
        ("t1_rule_s", "float", "windows: the R1/R2 boundary by the boundary rule, unclipped"),
        ("t2_rule_s", "float", "windows: the R2/R3 boundary by the boundary rule, unclipped"),
        ("t_first_s", "float", "windows: first sample after the current step"),
        ("boundary_rule", "str", "windows: the boundary rule used ([analysis] boundary)"),
        ("tau2_s", "float", "model: charge-transfer time constant used in the fit"),
        ("tau3_s", "float", "model: diffusion time constant used in the fit"),
        ("n2", "float", "model: exponent of the charge-transfer element (1 = RC)"),
        ("contact_resolved", "bool", "model: the samples resolve R1 from R2"),
        ("rms_residual_ohm", "float", "model: rms residual of the fit to R(t)"),
        ("noise_ohm", "float", "model: noise of R(t) (voltage noise / I)"),
        ("residual_to_noise", "float", "model: rms_residual_ohm / noise_ohm"),
    ]
    for c in _AREAL:
        specs.append((f"{c}_ohm_cm2", "float", f"{c}_ohm x the cell's area (NaN: area unknown)"))
        specs.append((f"{c}_ohm_cm2_err", "float", f"standard error of {c}_ohm_cm2"))
    return _cols(*specs)


# --- time constants ---------------------------------------------------------------------
def _taus_used() -> tuple[Column, ...]:
    specs: list[tuple] = [
        _CELL,
        (
            "source",
            "str",
            "'symmetric_eis' (the cell's symmetric-cell spectra) or "
            "'pulse_drt' (the pulses' own DRT, binned in SOC)",
        ),
        ("soc_pct", "float", "SOC [%] the time constants belong to"),
    ]
    names = {1: "contact (R1)", 2: "charge transfer (R2)", 3: "diffusion (R3)"}
    for k, what in names.items():
        specs += [
            (f"tau{k}_s", "float", f"time constant of {what}"),
            (f"tau{k}_err_s", "float", f"standard error of tau{k}_s"),
            (f"n{k}", "float", f"exponent of {what} (CPE / anomalous; 1 otherwise)"),
            (f"r{k}_ohm", "float", f"resistance of {what} (per electrode; diffusion: DC part)"),
            (f"r{k}_ohm_err", "float", f"standard error of r{k}_ohm"),
            (f"shape{k}", "str", f"step-response kind of {what}: zarc, ws, wo, wsph, wa"),
        ]
    return _cols(*specs)


_TIME_CONSTANTS = _cols(
    _CELL,
    _SPECTRUM,
    _SOC_SPECTRUM,
    ("process", "str", "process named by its time constant: contact, charge_transfer, diffusion"),
    ("element", "str", "the circuit element of the process (R1||C1, Zarc2, Ws3, ...)"),
    ("r_fit_ohm", "float", "resistance of the process from the circuit fit"),
    ("r_fit_err_ohm", "float", "standard error of r_fit_ohm"),
    ("tau_fit_s", "float", "time constant from the circuit fit"),
    ("tau_fit_err_s", "float", "standard error of tau_fit_s"),
    ("f_peak_fit_Hz", "float", "1 / (2 pi tau_fit_s)"),
    ("n", "float", "CPE / anomalous exponent (1 otherwise)"),
    ("r_drt_ohm", "float", "resistance of the data's DRT on the process's interval"),
    ("r_drt_err_ohm", "float", "standard error of r_drt_ohm"),
    ("tau_drt_s", "float", "time constant of the data's DRT on the process's interval"),
    ("tau_drt_err_s", "float", "standard error of tau_drt_s"),
    ("r_drt_model_ohm", "float", "the fitted circuit's DRT on the same interval: resistance"),
    ("tau_drt_model_s", "float", "the fitted circuit's DRT on the same interval: tau"),
    ("tau_ratio", "float", "tau_drt_s / tau_drt_model_s (data / model)"),
    ("r_ratio", "float", "r_drt_ohm / r_drt_model_ohm (data / model)"),
    ("agree", "bool", "circuit fit and DRT agree on this process"),
    ("note", "str", "what the DRT comparison found"),
    ("shape", "str", "step-response kind: zarc, wo, ws, wsph, wa"),
    ("tau_char_s", "float", "time constant of the process's slowest relaxation mode"),
    ("band", "str", "tau_char_s 'within', 'below' or 'above' the measured band"),
    ("status", "str", "'measured', 'bounded' (extrapolated beyond the data) or 'undetermined'"),
    ("status_reason", "str", "why a process is not 'measured'"),
    ("tau_lower_s", "float", "profile bound: tau above this (NaN where none)"),
    ("tau_upper_s", "float", "profile bound: tau below this (NaN where none)"),
)

_EIS_FITS = _cols(
    _CELL,
    _SPECTRUM,
    _SOC_SPECTRUM,
    ("circuit", "str", "the circuit fitted (ohmslice circuit string)"),
    ("parameter", "str", "parameter name (R0, R1, C1, Zarc2_0, ...)"),
    ("value", "float", "fitted value, in the parameter's unit"),
    ("error", "float", "standard error of value (1 sigma), in the parameter's unit"),
    ("unit", "str", "the parameter's unit"),
    ("fixed", "bool", "the parameter was held fixed"),
    ("chi2", "float", "weighted chi-square of the fit"),
    ("chi2_reduced", "float", "chi2 / degrees of freedom"),
    ("aic", "float", "Akaike information criterion of the fit"),
    ("weighting", "str", "weighting of the fit (modulus, unit, ...)"),
    ("residual_rms", "float", "rms relative residual per degree of freedom"),
    ("success", "bool", "the fit's own judgement: it describes the spectrum"),
    ("accepted", "bool", "the time constants accept the fit (else every process undetermined)"),
)

_KK = _cols(
    _CELL,
    _SPECTRUM,
    _SOC_SPECTRUM,
    (
        "kk_residual",
        "float",
        "rms relative residual of a Kramers-Kronig-consistent (lin-KK) "
        "model of the data: the noise plus what no causal, linear "
        "system can follow",
    ),
    ("kk_m", "int", "number of RC elements of that lin-KK model"),
    ("fit_residual_rms", "float", "rms relative residual of the circuit fit"),
    (
        "kk_ratio",
        "float",
        "fit_residual_rms / max(kk_residual, 0.2 %): about 1 for a "
        "circuit that describes the data; above 3 the fit fails",
    ),
    ("durbin_watson", "float", "Durbin-Watson statistic of the fit residuals (2 = noise)"),
    ("passed", "bool", "lin-KK test passed (NULL where the result holds no lin-KK test)"),
    ("mu", "float", "lin-KK mu (1 = no negative resistance; NULL without the test)"),
    ("noise_estimate", "float", "lin-KK rms relative residual (NULL without the test)"),
    ("max_residual", "float", "lin-KK largest relative residual (NULL without the test)"),
    ("threshold", "float", "lin-KK pass limit on noise_estimate (NULL without the test)"),
)

_KK_RESIDUALS = _cols(
    _CELL,
    _SPECTRUM,
    _SOC_SPECTRUM,
    ("freq_Hz", "float", "frequency"),
    ("residual_real", "float", "lin-KK residual of Z', (Z - Z_KK) / |Z| [-]"),
    ("residual_imag", "float", "lin-KK residual of Z'', (Z - Z_KK) / |Z| [-]"),
)

_SPECTRA = _cols(
    _CELL,
    _SPECTRUM,
    _SOC_SPECTRUM,
    ("per_electrode", "bool", "reduced to one electrode: (Z - R_sep) / 2 of the symmetric cell"),
    ("freq_Hz", "float", "frequency"),
    ("z_real_ohm", "float", "Z' (measured)"),
    ("z_imag_ohm", "float", "Z'' (measured; < 0 for a capacitive arc)"),
    ("z_fit_real_ohm", "float", "Z' of the fitted circuit"),
    ("z_fit_imag_ohm", "float", "Z'' of the fitted circuit"),
)

_DRT = _cols(
    _CELL,
    _SPECTRUM,
    _SOC_SPECTRUM,
    ("peak", "int", "peak number by increasing tau, 1-based"),
    ("tau_s", "float", "time constant of the peak's maximum"),
    ("tau_err_s", "float", "bootstrap standard deviation of tau_s"),
    ("f_peak_Hz", "float", "1 / (2 pi tau_s)"),
    ("r_ohm", "float", "area of gamma over ln tau between the valleys"),
    ("r_err_ohm", "float", "standard error of r_ohm"),
    ("gamma_ohm", "float", "peak height of gamma"),
    ("tau_lo_s", "float", "lower end of the integration interval"),
    ("tau_hi_s", "float", "upper end of the integration interval"),
    ("in_band", "bool", "the peak lies within the measured range (0.1 decade margin)"),
    ("flag", "str", "why the peak is not a measured time constant ('' when it is)"),
    ("process", "str", "the process whose interval holds the peak"),
)

_DRT_CURVES = _cols(
    _CELL,
    _SPECTRUM,
    _SOC_SPECTRUM,
    ("tau_s", "float", "relaxation time"),
    ("gamma_ohm", "float", "distribution of relaxation times, per unit ln tau"),
    ("gamma_err_ohm", "float", "bootstrap standard deviation of gamma_ohm"),
)

_PULSE_DRT = _cols(
    _CELL,
    ("pulse", "int", "pulse number, 1-based"),
    ("soc_pct", "float", "SOC [%] at the pulse's start"),
    ("r0_ohm", "float", "instantaneous resistance of the pulse's DRT"),
    ("r0_ohm_err", "float", "standard error of r0_ohm"),
    ("tau2_s", "float", "time constant of the fast (charge-transfer) process"),
    ("r2_ohm", "float", "resistance of the fast process"),
    ("r2_ohm_err", "float", "standard error of r2_ohm"),
    ("tau3_s", "float", "time constant of the slow (diffusion) process"),
    ("r3_ohm", "float", "resistance of the slow process"),
    ("r3_ohm_err", "float", "standard error of r3_ohm"),
    ("t_first_s", "float", "first sample after the current step"),
    ("split_tau_s", "float", "tau separating the fast and slow processes"),
    ("n_peaks", "int", "number of DRT peaks"),
    ("lam", "float", "regularisation parameter lambda used"),
    ("flag", "str", "why a pulse has no values ('' otherwise)"),
)

_GITT_EIS = _cols(
    _CELL,
    ("soc_pct", "float", "SOC [%] of the spectrum"),
    ("pulse", "int", "the GITT pulse nearest in SOC"),
    ("pulse_soc_pct", "float", "that pulse's SOC [%] (mid-pulse)"),
    ("pulse_usable", "bool", "that pulse passed its method's checks"),
    *[
        spec
        for i, what in ((1, "contact"), (2, "charge transfer"), (3, "diffusion"))
        for spec in (
            (
                f"r{i}_gitt_ohm",
                "float",
                f"GITT {what} (model method; diffusion: r3_dc_ohm where given)",
            ),
            (f"r{i}_eis_ohm", "float", f"EIS {what} (per electrode; diffusion: DC part)"),
            (f"r{i}_ratio", "float", f"r{i}_gitt_ohm / r{i}_eis_ohm"),
            (f"r{i}_ratio_err", "float", f"standard error of r{i}_ratio"),
        )
    ],
)

_GITT_CURVE = _cols(
    _CELL,
    ("time_s", "float", "time of the recording's clock"),
    ("voltage_V", "float", "cell voltage"),
    ("current_A", "float", "current, signed (> 0 charges the cathode)"),
    ("soc_pct", "float", "SOC [%], coulomb counted on the cell's GITT scale"),
)

_RATE = _cols(
    _CELL,
    ("direction", "str", "'charge' or 'discharge'"),
    ("c_rate_nominal", "float", "nominal C-rate (snapped to 0.05, 0.1, 1/3, 0.5, 1, 2, ...)", "C"),
    ("n", "int", "number of steps at this rate"),
    ("current_A", "float", "mean constant current, signed"),
    ("c_rate", "float", "|I| / reference capacity (the cells table says which)", "C"),
    ("capacity_mAh", "float", "constant-current capacity"),
    ("capacity_mAh_g", "float", "capacity per g of active material (NaN: mass unknown)"),
    ("capacity_mAh_cm2", "float", "capacity per cm2 (NaN: area unknown)"),
    ("cv_capacity_mAh", "float", "capacity of the CV hold after the CC step (0 without)"),
    ("total_capacity_mAh", "float", "CC + CV capacity"),
    ("energy_Wh", "float", "energy of the CC step"),
    ("mean_voltage_V", "float", "energy / capacity"),
    ("v_end_V", "float", "voltage at the end of the CC step"),
    ("retention_pct", "float", "CC capacity / mean CC capacity at the lowest rate"),
    ("total_retention_pct", "float", "the same for CC + CV capacities"),
    ("capacity_std_mAh", "float", "sample standard deviation of the repeated steps' capacity"),
)

_RATE_STEPS = _cols(
    _CELL,
    ("source", "str", "the file the step is in"),
    ("step", "int", "step number of the cell's rate tests (rate_curves.step)"),
    ("direction", "str", "'charge' or 'discharge'"),
    ("segment", "int", "segment number in its recording"),
    ("start", "int", "first row of the step"),
    ("stop", "int", "row after the last (exclusive)"),
    ("t_start_s", "float", "start time (the recording's clock)"),
    ("duration_s", "float", "duration of the CC part"),
    ("current_A", "float", "mean constant current, signed"),
    ("c_rate", "float", "|I| / reference capacity", "C"),
    ("c_rate_nominal", "float", "nominal C-rate", "C"),
    ("capacity_mAh", "float", "CC capacity"),
    ("capacity_mAh_g", "float", "CC capacity per g of active material"),
    ("capacity_mAh_cm2", "float", "CC capacity per cm2"),
    ("energy_Wh", "float", "CC energy"),
    ("mean_voltage_V", "float", "energy / capacity"),
    ("v_start_V", "float", "voltage at the start"),
    ("v_end_V", "float", "voltage at the end of the CC part"),
    ("end_reason", "str", "'voltage_limit' or 'time'"),
    ("cv_duration_s", "float", "duration of the CV hold after it (0 without)"),
    ("cv_capacity_mAh", "float", "capacity of the CV hold"),
    ("cv_energy_Wh", "float", "energy of the CV hold"),
    ("total_capacity_mAh", "float", "CC + CV capacity"),
    ("total_capacity_mAh_g", "float", "CC + CV capacity per g"),
    ("total_capacity_mAh_cm2", "float", "CC + CV capacity per cm2"),
    ("retention_pct", "float", "CC capacity / mean CC capacity at the lowest rate"),
    ("total_retention_pct", "float", "the same on CC + CV"),
)

_RATE_CURVES = _cols(
    _CELL,
    ("step", "int", "step number (rate_steps.step)"),
    ("direction", "str", "'charge' or 'discharge'"),
    ("c_rate_nominal", "float", "nominal C-rate of the step", "C"),
    ("phase", "str", "'cc' or 'cv'"),
    ("time_s", "float", "time since the step started"),
    ("capacity_Ah", "float", "charge passed since the step started"),
    ("voltage_V", "float", "cell voltage"),
    ("current_A", "float", "current, signed"),
)

_CURVE_CROSSINGS = _cols(
    ("direction", "str", "direction of the curves compared"),
    (
        "c_rate_nominal",
        "float",
        "C-rate of the curves compared (the fastest both cells have)",
        "C",
    ),
    ("cell_a", "str", "first cell"),
    ("cell_b", "str", "second cell"),
    ("x_kind", "str", "what the curves were set against: 'capacity', ..."),
    ("x", "float", "where the voltage curves cross, in x_kind's unit (A h for capacity)"),
    ("x_err", "float", "standard error of x"),
    ("capacity_a_Ah", "float", "cell_a's capacity at the crossing"),
    ("capacity_b_Ah", "float", "cell_b's capacity at the crossing"),
    ("soc_a_pct", "float", "cell_a's SOC [%] at the crossing"),
    ("soc_b_pct", "float", "cell_b's SOC [%] at the crossing"),
    ("dod_a_pct", "float", "cell_a's depth of discharge [%] at the crossing"),
    ("dod_b_pct", "float", "cell_b's depth of discharge [%] at the crossing"),
    ("voltage_V", "float", "voltage at the crossing"),
    ("higher_before", "str", "the cell with the higher voltage before the crossing"),
    ("higher_after", "str", "the cell with the higher voltage after it"),
)

# --- cycling ----------------------------------------------------------------------------
_CYCLES = _cols(
    _CELL,
    ("cycle", "int", "cycle number: the file's, numbered on across the cell's cycling files"),
    ("file_cycle", "int", "the cycle's number in its own file"),
    ("source", "str", "the cycling file (name) the cycle is in"),
    ("first", "str", "'charge' or 'discharge': the half cycle that opens the cycle"),
    ("n_half_cycles", "int", "half cycles in the cycle (2 normally)"),
    ("t_start_s", "float", "start of its first half cycle (the file's clock)"),
    ("t_end_s", "float", "its last sample"),
    ("charge_mAh", "float", "net charge passed in the charge half (CC + CV)"),
    ("discharge_mAh", "float", "net charge passed in the discharge half (CC + CV)"),
    ("charge_mAh_g", "float", "charge_mAh per g of active material (NaN: mass unknown)"),
    ("discharge_mAh_g", "float", "discharge_mAh per g of active material"),
    ("charge_mAh_cm2", "float", "charge_mAh per cm2 of electrode (NaN: area unknown)"),
    ("discharge_mAh_cm2", "float", "discharge_mAh per cm2 of electrode"),
    (
        "ce_pct",
        "float",
        "coulombic efficiency: second half / first half (discharge / charge for a "
        "cycle that starts with a charge)",
    ),
    ("retention_pct", "float", "discharge capacity / that of the cell's first complete cycle"),
    ("charge_energy_mWh", "float", "integral of V dQ over the charge half"),
    ("discharge_energy_mWh", "float", "integral of V dQ over the discharge half"),
    ("energy_efficiency_pct", "float", "second half's energy / first half's"),
    ("charge_mean_V", "float", "charge energy / capacity"),
    ("discharge_mean_V", "float", "discharge energy / capacity"),
    ("voltage_gap_V", "float", "charge_mean_V - discharge_mean_V (voltage hysteresis)"),
    ("charge_cv_mAh", "float", "passed in constant-voltage holds of the charge"),
    ("discharge_cv_mAh", "float", "passed in constant-voltage holds of the discharge"),
    ("charge_cv_pct", "float", "the CV share of the charge capacity"),
    ("discharge_cv_pct", "float", "the CV share of the discharge capacity"),
    (
        "r_charge_ohm",
        "float",
        "(V[a] - V[a-1]) / (I_step - I[a-1]) at the charge's first sample a: the "
        "resistance developed by r_charge_dt_s after the step",
    ),
    ("r_charge_dt_s", "float", "t[a] - t[a-1]: how long after the step r_charge_ohm is read"),
    ("r_discharge_ohm", "float", "the same at the discharge's first sample"),
    ("r_discharge_dt_s", "float", "how long after the step r_discharge_ohm is read"),
)


def _cycle_resistance() -> tuple[Column, ...]:
    specs: list[tuple] = [
        _CELL,
        ("cycle", "float", "the cycle the spectrum follows (cycles.cycle)"),
        ("spectrum", "int", "the spectrum's position among the cell's spectra between cycles"),
        ("source", "str", "the file (name) the spectrum is in"),
        ("time_s", "float", "its first point's time (NaN without a time column)"),
        ("r0_ohm", "float", "series resistance (the fit's R0)"),
    ]
    for k, what in {1: "contact (R1)", 2: "charge transfer (R2)", 3: "diffusion (R3)"}.items():
        specs += [
            (f"r{k}_ohm", "float", f"resistance of {what} (NaN unless measured)"),
            (f"r{k}_err_ohm", "float", f"standard error of r{k}_ohm"),
            (f"r{k}_tau_s", "float", f"time constant of {what}"),
            (f"r{k}_status", "str", "measured, bounded, undetermined or absent"),
        ]
    specs += [
        ("fit_accepted", "bool", "the time constants accept the circuit fit"),
        ("note", "str", "why the fit is not accepted, or why the spectrum was refused"),
    ]
    return _cols(*specs)


_CYCLE_TRENDS = _cols(
    _CELL,
    (
        "source",
        "str",
        "'spectra' (cycle_resistance) or 'step start' (cycles.r_charge_ohm, r_discharge_ohm)",
    ),
    ("component", "str", "r0, r1, r2, r3 (spectra); r_charge, r_discharge (step start)"),
    ("slope_per_cycle", "float", "least-squares slope of the component over cycles", "Ohm/cycle"),
    ("slope_err", "float", "standard error of slope_per_cycle", "Ohm/cycle"),
    ("slope_ci_low", "float", "lower end of the slope's 95 % interval", "Ohm/cycle"),
    ("slope_ci_high", "float", "upper end of the slope's 95 % interval", "Ohm/cycle"),
    ("intercept", "float", "the line's value at cycle 0", "Ohm"),
    ("intercept_err", "float", "standard error of intercept", "Ohm"),
    ("n", "int", "values in the fit"),
    ("r2", "float", "coefficient of determination of the line"),
    ("weighted", "bool", "weighted by 1/err^2 (every value has a standard error)"),
    ("change_cycle", "float", "best break of the two-segment line (change-point)", "cycle"),
    ("change_low", "float", "lower end of the break's 95 % profile interval", "cycle"),
    ("change_high", "float", "upper end of the break's 95 % profile interval", "cycle"),
    ("slope_before", "float", "slope before the break", "Ohm/cycle"),
    ("slope_before_err", "float", "standard error of slope_before", "Ohm/cycle"),
    ("slope_after", "float", "slope after the break", "Ohm/cycle"),
    ("slope_after_err", "float", "standard error of slope_after", "Ohm/cycle"),
    ("delta_aic", "float", "AIC of one line minus AIC of the broken line (> 0 favours the break)"),
    (
        "detected",
        "bool",
        "a change-point: delta_aic >= 10 and a steeper slope after it (contact loss for r1)",
    ),
    ("direction", "str", "'faster' or 'slower': the slope after the break against before"),
    ("note", "str", "why the numbers are NULL where they are"),
)

# --- conductivity -----------------------------------------------------------------------
_SAMPLE = ("sample", "str", "sample name (the study file's [[sample]] name)")
_KIND = ("kind", "str", "'electrolyte pellet' or 'composite electrode'")
_DEGC = "degC"

_SAMPLES = _cols(
    _SAMPLE,
    _KIND,
    ("label", "str", "the sample's label in the study file"),
    ("cells", "str", "the cells that link to it (conductivity = [...]), '; '-separated"),
    ("thickness_cm", "float", "thickness (study file's thickness_mm / thickness_um)"),
    ("thickness_err_cm", "float", "standard error of thickness_cm (0: not given)"),
    ("area_cm2", "float", "area"),
    ("area_err_cm2", "float", "standard error of area_cm2 (0: not given)"),
    ("volume_fraction", "float", "electrolyte volume fraction of a composite (NaN: not given)"),
    ("volume_fraction_err", "float", "standard error of volume_fraction"),
    ("electrolyte", "str", "the pellet of its electrolyte (composite; NULL: none)"),
    ("symmetric", "bool", "a composite measured as two identical electrodes (R_ion halved)"),
    ("n_spectra", "int", "impedance spectra analysed"),
    ("polarization", "bool", "a DC polarisation was analysed (electronic conductivity)"),
)

_CONDUCTIVITY = _cols(
    _SAMPLE,
    _KIND,
    ("carrier", "str", "'ionic' (impedance) or 'electronic' (DC polarisation)"),
    ("key", "str", "the file's key in the study file: files.25, files.0, polarization"),
    ("source", "str", "the file (name)"),
    ("temperature_C", "float", "measurement temperature (NaN: unknown)", _DEGC),
    ("temperature_source", "str", "'given' (study file), 'file column', 'file metadata'"),
    (
        "method",
        "str",
        "'arc' (bulk arc resolved), 'intercept' (bulk at the high-frequency end: "
        "a lower bound of the bulk's sigma), 'transmission line' (composite: R_ion), "
        "'dc polarization' (steady-state current)",
    ),
    ("circuit", "str", "the circuit fitted (NULL for a DC polarisation)"),
    ("r_ohm", "float", "the resistance read: pellet r_total, composite R_ion, electronic R_e"),
    ("r_err_ohm", "float", "standard error of r_ohm"),
    ("sigma_S_cm", "float", "conductivity L / (r_ohm A) (NaN: not usable)"),
    ("sigma_err_S_cm", "float", "standard error of sigma_S_cm (fit and geometry)"),
    (
        "sigma_bulk_S_cm",
        "float",
        "pellet: bulk conductivity (NaN: bulk and grain boundary not separated)",
    ),
    ("sigma_bulk_err_S_cm", "float", "standard error of sigma_bulk_S_cm"),
    ("sigma_gb_S_cm", "float", "pellet: apparent grain-boundary conductivity L / (r_gb A)"),
    ("sigma_gb_err_S_cm", "float", "standard error of sigma_gb_S_cm"),
    ("sigma_fit_rel_err", "float", "relative error of sigma from the fit alone"),
    ("geometry_rel_err", "float", "relative error of sigma from thickness and area"),
    ("r_series_ohm", "float", "series resistance not counted (leads; composite: R0)"),
    (
        "f_char_Hz",
        "float",
        "pellet: the bulk arc's peak frequency; composite: the transmission line's knee",
    ),
    ("success", "bool", "the value can be used (else reasons)"),
    ("reasons", "str", "why it cannot be used ('; '-separated)"),
    ("notes", "str", "what to know about it ('; '-separated)"),
)

_ARRHENIUS = _cols(
    _SAMPLE,
    _KIND,
    ("carrier", "str", "'ionic'"),
    ("ea_eV", "float", "activation energy Ea of sigma T = A exp(-Ea / k T)"),
    ("ea_err_eV", "float", "standard error of ea_eV"),
    ("sigma_25C_S_cm", "float", "the fitted conductivity at 25 degC"),
    ("sigma_25C_err_S_cm", "float", "standard error of sigma_25C_S_cm (fit and geometry)"),
    ("sigma_25C_ci_low_S_cm", "float", "lower end of its 95 % interval (lognormal)"),
    ("sigma_25C_ci_high_S_cm", "float", "upper end of its 95 % interval"),
    ("extrapolated", "bool", "25 degC lies outside the measured temperatures"),
    ("ln_prefactor", "float", "ln A, A in S K/cm", "ln(S K/cm)"),
    ("ln_prefactor_err", "float", "standard error of ln_prefactor (geometry included)"),
    (
        "cov_ln_prefactor_ea_eV",
        "float",
        "covariance of ln A and Ea from the points' random errors (the 95 % band)",
    ),
    ("systematic_rel_err", "float", "relative error shared by every point (the geometry)"),
    ("chi2_reduced", "float", "weighted residual sum of squares / (n - 2) (NaN: 2 points)"),
    ("weighted", "bool", "weighted by the points' errors"),
    ("n_temperatures", "int", "usable measurements in the fit"),
    ("t_min_C", "float", "lowest temperature in the fit", _DEGC),
    ("t_max_C", "float", "highest temperature in the fit", _DEGC),
    ("notes", "str", "what to know about the fit ('; '-separated)"),
)

_TRANSPORT = _cols(
    ("cell", "str", "a cell that links to the sample ('' where none does)"),
    _SAMPLE,
    _KIND,
    ("ionic_S_cm", "float", "ionic conductivity: the usable measurement nearest 25 degC"),
    ("ionic_err_S_cm", "float", "standard error of ionic_S_cm"),
    ("ionic_temperature_C", "float", "its temperature", _DEGC),
    ("ionic_method", "str", "how it was read (conductivity.method)"),
    ("electronic_S_cm", "float", "electronic conductivity (DC polarisation; NaN: none)"),
    ("electronic_err_S_cm", "float", "standard error of electronic_S_cm"),
    ("electronic_temperature_C", "float", "its temperature", _DEGC),
    ("volume_fraction", "float", "electrolyte volume fraction of a composite"),
    ("pellet_S_cm", "float", "its electrolyte's pellet conductivity at its temperature"),
    ("pellet_err_S_cm", "float", "standard error of pellet_S_cm"),
    ("tortuosity_factor", "float", "pellet_S_cm x volume_fraction / ionic_S_cm"),
    ("tortuosity_factor_err", "float", "standard error of tortuosity_factor"),
    ("bruggeman_tortuosity_factor", "float", "volume_fraction^(-1/2), Bruggeman's, for comparison"),
    ("success", "bool", "every value of the row can be used (else notes)"),
    ("notes", "str", "why not, and what to know ('; '-separated)"),
)

_CROSSOVERS = _cols(
    ("method", "str", "the decomposition compared (runs.method_used)"),
    ("component", "str", "r1, r2, r3, r12 (R1 + R2), r_total, ... (components' columns)"),
    ("cell_a", "str", "first cell of the pair"),
    ("cell_b", "str", "second cell of the pair"),
    ("soc_pct", "float", "SOC [%] where the cells' order reverses"),
    (
        "ci_low_pct",
        "float",
        "lower end of its 95 % interval (bootstrap, widened by the pulses' SOC resolution)",
    ),
    ("ci_high_pct", "float", "upper end of its 95 % interval"),
    ("found_fraction", "float", "share of the bootstrap replicas showing the crossover"),
    ("lower_above", "str", "the cell lower on the high-SOC side"),
    (
        "soc_reference",
        "str",
        "the cells' SOC scale ('discharge', ...; 'mixed (...)' where "
        "they differ; words in cells.soc_reference)",
    ),
)

_RANGES = _cols(
    ("method", "str", "the decomposition compared"),
    ("component", "str", "r1, r2, r3, r12, r_total, ..."),
    ("cell_a", "str", "first cell of the pair"),
    ("cell_b", "str", "second cell of the pair"),
    ("soc_from_pct", "float", "lower end of the SOC range"),
    ("soc_to_pct", "float", "upper end of the SOC range"),
    ("lower", "str", "the cell lower over the range ('neither': no significant difference)"),
    ("higher", "str", "the cell higher over the range"),
    ("lower_by_pct", "float", "median of 1 - R_lower / R_higher over the range"),
    ("significant", "bool", "the difference holds (effect and bootstrap confidence)"),
)

_CELLS = _cols(
    _CELL,
    ("label", "str", "the cell's label in the study file"),
    ("area_cm2", "float", "electrode area (NaN: not given; then no areal columns)"),
    ("active_mass_mg", "float", "active material mass (NaN: not given)"),
    ("nominal_capacity_mAh", "float", "nominal capacity (NaN: not given)"),
    ("n_pulses", "int", "GITT pulses analysed (0 without a GITT)"),
    ("soc_basis", "str", "the GITT's SOC scale in one word: discharge, charge, nominal, given"),
    ("soc_reference", "str", "what 0 % and 100 % SOC mean for this cell, in words"),
    ("soc_capacity_Ah", "float", "the capacity that is 100 % SOC"),
    ("soc_capacity_source", "str", "where that capacity came from"),
    ("gitt_direction", "str", "'discharge' or 'charge' GITT"),
    ("current_sign_flipped", "bool", "the file's current had the opposite sign convention"),
    ("tau_source", "str", "where the decomposition's time constants came from"),
    ("n_symmetric_spectra", "int", "symmetric-cell spectra analysed"),
    ("n_half_spectra", "int", "half-cell spectra analysed"),
    ("rate_basis", "str", "which capacity the C-rates are relative to (NULL: no rate tests)"),
    ("rate_reference_capacity_Ah", "float", "that capacity"),
    ("n_cycles", "int", "complete cycles of its cycling records (0 without)"),
    ("samples", "str", "its conductivity samples ([[sample]] names, '; '-separated; '' none)"),
)

_NOTES = _cols(
    ("cell", "str", "the cell concerned ('' for the study as a whole)"),
    (
        "stage",
        "str",
        "where it was raised: study, gitt, symmetric_eis, half_eis, "
        "decomposition.windows, decomposition.model, pulse_drt, rate, "
        "analysis, comparison, curves, cycling, conductivity (a sample's, "
        "named in the text), or the running step of a warning",
    ),
    (
        "kind",
        "str",
        "'note' (what to know), 'flag' (a value left out or doubtful), "
        "'warning' (a warning raised while running), 'design' (the "
        "comparison's design notes)",
    ),
    ("soc_pct", "float", "SOC [%] concerned (NaN: none)"),
    ("pulse", "int", "GITT pulse concerned (NULL: none)"),
    ("text", "str", "the note, flag or warning, as ohmslice says it"),
)

_RUNS = _cols(
    ("run_id", "str", "identifier of the run that wrote these results (random)"),
    ("written_utc", "str", "when they were written, ISO 8601 UTC"),
    ("ohmslice_version", "str", "ohmslice version"),
    ("python_version", "str", "Python version"),
    ("study_name", "str", "the study's [study] name"),
    ("study_file", "str", "the study file's name (NULL: results written without one)"),
    ("study_file_sha256", "str", "sha256 of the study file (NULL: none given)"),
    ("settings_json", "str", "analysis, decomposition and comparison settings, as JSON"),
    ("method_used", "str", "the decomposition the comparison used: 'model' or 'windows'"),
    ("n_cells", "int", "cells in the results"),
    ("inputs_sha256_json", "str", "input file (as in inputs.path) -> sha256, as JSON"),
)

_INPUTS = _cols(
    ("cell", "str", "the cell or [[sample]] the file belongs to ('' for the study file)"),
    (
        "key",
        "str",
        "its key in the study file: study, gitt, symmetric_eis.50, rate.charge.0, "
        "cycling.0, cycling_eis.3, sample.files.25, sample.polarization, ...",
    ),
    ("path", "str", "the file, relative to the study file's folder where inside it"),
    ("size_bytes", "int", "file size"),
    ("sha256", "str", "sha256 of the file's bytes (a changed input changes it)"),
)

_COLUMNS = _cols(
    ("table", "str", "table name"),
    ("column", "str", "column name"),
    ("dtype", "str", "str, float, int or bool"),
    ("unit", "str", "unit ('' for text and dimensionless numbers)"),
    ("meaning", "str", "what the column holds"),
)

#: Every table of the store, in the order of ``docs/results.md``.
TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("runs", "one row: the run that wrote these results", _RUNS),
        Table("inputs", "one row per input file of the study, with its sha256", _INPUTS),
        Table("cells", "one row per cell: what it is and the scales its results are on", _CELLS),
        Table("pulses", "one row per GITT pulse and cell", _PULSES),
        Table(
            "components",
            "one row per pulse, cell and decomposition method: R1/R2/R3 (method/columns.py)",
            _components(),
        ),
        Table(
            "crossovers",
            "one row per SOC where two cells' order reverses, per component",
            _CROSSOVERS,
        ),
        Table("ranges", "one row per SOC range between crossovers: which cell is lower", _RANGES),
        Table("notes", "every note, flag and warning raised, with cell and stage", _NOTES),
        Table(
            "taus_used", "the time constants each cell's decomposition used, per SOC", _taus_used()
        ),
        Table(
            "time_constants",
            "one row per process of every spectrum (circuit fit + DRT)",
            _TIME_CONSTANTS,
        ),
        Table("eis_fits", "one row per parameter of every spectrum's circuit fit", _EIS_FITS),
        Table("kk", "one row per spectrum: Kramers-Kronig consistency of the data and fit", _KK),
        Table(
            "kk_residuals",
            "one row per frequency of every spectrum: its lin-KK test's residuals",
            _KK_RESIDUALS,
        ),
        Table(
            "spectra", "one row per frequency of every spectrum: measured and fitted Z", _SPECTRA
        ),
        Table("drt", "one row per peak of every spectrum's DRT", _DRT),
        Table("drt_curves", "the DRT of every spectrum, one row per tau", _DRT_CURVES),
        Table("pulse_drt", "one row per GITT pulse: the pulse's own DRT", _PULSE_DRT),
        Table("gitt_eis", "one row per spectrum SOC: GITT components against EIS", _GITT_EIS),
        Table(
            "gitt_curve",
            "each cell's GITT recording, thinned to at most 20 000 samples that keep the lowest and highest voltage of equal time bins",
            _GITT_CURVE,
        ),
        Table("rate", "one row per cell, direction and nominal C-rate", _RATE),
        Table("rate_steps", "one row per constant-current step of the rate tests", _RATE_STEPS),
        Table("rate_curves", "one row per sample of every rate step", _RATE_CURVES),
        Table(
            "curve_crossings",
            "where the cells' discharge curves at the fastest common C-rate cross",
            _CURVE_CROSSINGS,
        ),
        Table(
            "cycles",
            "one row per cell and complete cycle of its cycling records: capacity, "
            "coulombic efficiency, energies, resistance at the step starts",
            _CYCLES,
        ),
        Table(
            "cycle_resistance",
            "one row per spectrum between cycles: R0-R3 over cycling",
            _cycle_resistance(),
        ),
        Table(
            "cycle_trends",
            "one row per cell, source and component: trend and change-point over cycles",
            _CYCLE_TRENDS,
        ),
        Table("samples", "one row per [[sample]]: what it is and its geometry", _SAMPLES),
        Table(
            "conductivity",
            "one row per conductivity measurement of every sample (per temperature)",
            _CONDUCTIVITY,
        ),
        Table(
            "arrhenius",
            "one row per sample measured at two or more temperatures: the Arrhenius fit",
            _ARRHENIUS,
        ),
        Table(
            "transport",
            "Table S1: one row per sample and cell linking it: ionic and electronic "
            "conductivity, tortuosity factor",
            _TRANSPORT,
        ),
        Table("columns", "this contract: one row per column of every table", _COLUMNS),
    )
}

_PANDAS = {"str": "object", "float": "float64", "int": "Int64", "bool": "boolean"}


def _cast(s: pd.Series, dtype: str) -> pd.Series:
    if dtype == "float" and s.dtype == "float64":
        return s
    if dtype == "str":
        o = s.astype(object)
        na = pd.isna(o).to_numpy(bool)
        o = o.where(~na, None)
        if (~na).any():
            o[~na] = o[~na].astype(str)
        return o
    if dtype == "float":
        return pd.to_numeric(s, errors="coerce").astype("float64")
    if dtype == "int":
        return pd.to_numeric(s, errors="coerce").astype("Int64")
    return s.astype("boolean")


def conform(name: str, df: pd.DataFrame | None) -> tuple[pd.DataFrame, list[str]]:
    """``df`` on the contract of table ``name``: its documented columns in order (absent
    ones NULL), cast to their dtype, then the columns the contract does not know, which
    are returned as the second element. ``None`` gives the empty table.

    Raises
    ------
    KeyError
        ``name`` is not a table of :data:`TABLES`.
    ValueError
        A documented column cannot be cast to its dtype.
    """
    spec = TABLES[name]
    df = pd.DataFrame() if df is None else df.reset_index(drop=True)
    n = len(df)
    out = {}
    for col in spec.columns:
        s = df[col.name] if col.name in df.columns else pd.Series([None] * n, dtype="object")
        out[col.name] = _cast(s, col.dtype)
    extra = [c for c in df.columns if c not in out]
    for c in extra:
        out[c] = df[c]
    return pd.DataFrame(out, index=pd.RangeIndex(n)), extra


def contract_frame(extra: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """The contract as the ``columns`` table: ``table``, ``column``, ``dtype``, ``unit``,
    ``meaning``; ``extra`` (table -> columns written beyond the contract) appended with
    the unit their name states and meaning ``"(not in the contract)"``."""
    rows = [
        (t.name, c.name, c.dtype, c.unit, c.meaning) for t in TABLES.values() for c in t.columns
    ]
    for table, cols in (extra or {}).items():
        rows += [(table, c, "", unit_of(c), "(not in the contract)") for c in cols]
    return pd.DataFrame(rows, columns=["table", "column", "dtype", "unit", "meaning"])


def contract_markdown() -> str:
    """The contract as Markdown: one section per table with its columns (the part of
    ``docs/results.md`` between its ``contract`` markers)."""
    lines: list[str] = []
    for t in TABLES.values():
        lines += [f"### `{t.name}`", "", t.meaning[0].upper() + t.meaning[1:] + ".", ""]
        lines += ["| column | type | unit | meaning |", "|---|---|---|---|"]
        for c in t.columns:
            meaning = c.meaning.replace("|", "\\|")
            lines.append(f"| `{c.name}` | {c.dtype} | {c.unit} | {meaning} |")
        lines.append("")
    return "\n".join(lines)
