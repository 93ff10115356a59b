"""Time constants of the processes of a spectrum: what the data measure, bound or leave open.

:func:`time_constants` fits an equivalent circuit (with the diffusion element chosen by
the data, :mod:`ohmslice.impedance.shapes`), reads every process's resistance and time
constant with its standard error, says for each whether the spectrum *measures* it,
only *bounds* it or leaves it *undetermined*, names the processes by their time
constants, and checks each against the distribution of relaxation times (DRT).

The circuit and its diffusion element
-------------------------------------
Without a circuit, :data:`DEFAULT_CIRCUIT` ``R0-p(R1,CPE1)-p(R2,CPE2)-Wo1`` is fitted
with each candidate diffusion shape in place of ``Wo1`` -- reflective ``Wo``,
transmissive ``Ws``, spherical ``Wsph`` and the anomalous (CPE-type) ``Wa`` -- and the
best by Akaike's criterion on the same data and weights is kept
(``diffusion="auto"``, :func:`~ohmslice.impedance.shapes.choose_shape`). Every
candidate's criterion is in :attr:`TimeConstants.diffusion_candidates`, the chosen shape
in :attr:`TimeConstants.diffusion_shape` and in the table's ``shape`` column; where the
margin is too small to decide, :attr:`TimeConstants.shape_note` says so and the
alternatives' fits stay in :attr:`TimeConstants.diffusion_fits`. A circuit given by the
user is fitted as given, unless ``diffusion="auto"`` (its one diffusion element is then
replaced by each candidate) or a shape (``"ws"``...) is asked.

Each process's characteristic time
----------------------------------
``tau_char_s`` is the time constant of a process's slowest relaxation mode
(:func:`~ohmslice.impedance.shapes.slowest_mode`): tau for R||C, R||CPE, Zarc; 4 tau/pi^2
for ``Ws``; tau/pi^2 for ``Wo``; tau/20.2 for ``Wsph``; tau/pi^(2/n) for ``Wa``. It is
where the process's arc (or its diffusion knee) lies on the time axis: the quantity
compared with the measured band, between processes, and with the DRT.

Measured, bounded, undetermined (``status``, ``status_reason``)
---------------------------------------------------------------
The measured band of time constants is [1/(2 pi f_max), 1/(2 pi f_min)] (``band``). A
process is ``"measured"`` when its resistance and time constant are finite and positive,
their relative standard errors are at most ``max_rel_err`` (0.5), its resistance is not
vanishing (> 1e-6 max|Z|), a CPE exponent is at least 0.3, and its ``tau_char_s`` lies
within the band widened by ``band_factor`` (3) on both sides (``band`` 'within'; else
'below' or 'above' it).

Where its time constant is a parameter of the circuit (the diffusion elements, K, G) and
the covariance is not to be trusted -- the process is not measured by the rules above,
or its knee lies beyond the band edge itself -- the chi-square profile of tau is scanned
in half-decade steps (the other parameters refitted at each) up to two decades beyond
the band. A side is bounded where chi2 rises by more than :data:`PROFILE_DELTA` = 2.71 s^2
(one-sided 95 %, s^2 = chi2 / (2N - k)): ``tau_lower_s`` (tau > it: a diffusion whose
knee lies below f_min) or ``tau_upper_s`` (tau < it). Bounded on both sides within
+-1.645 ``max_rel_err`` in ln tau, the process is measured after all; on one side (or
more loosely on both) it is ``"bounded"``; with a flat profile ``"undetermined"``.
Where the diffusion shape is not determined, the chosen element is only as well known as
the alternatives agree: if their slowest modes spread by more than 1 + ``max_rel_err``, a
measured diffusion becomes bounded by their range.

The fit itself must be accepted: ``FitResult.success`` (the fit's own judgement), and a
relative rms misfit no more than ``max_misfit`` (3 %) or twice the DRT's (the data's own
noise and inconsistency). A fit refused only for parameters with infinite standard errors
is accepted for the other processes if the same fit with those parameters held at their
values is accepted (``meta["held_parameters"]``); the processes they belong to are
undetermined. Otherwise every process is ``"undetermined"`` with the fit's reasons
(``fit_reasons``). The fitted numbers stay in the table; :meth:`TimeConstants.value` and
:meth:`TimeConstants.usable` give NaN for anything not measured, and ``agree`` is False
for it.

Naming the processes (``process``)
----------------------------------
By time constant, never by position in the circuit. Among the processes the data show
(measured or bounded, judged on their own numbers), in order of ``tau_char_s`` (a
bounded one taken at its bound):

* ``diffusion``: the slowest, if its slowest mode is at least :data:`DIFFUSION_MIN_S`
  (50 ms: a knee or peak below ~3 Hz; solid-state diffusion in cathode particles lies
  at 0.1 s - hours, charge transfer at 1 us - 10 ms), or 10 ms
  (``DIFFUSION_ELEMENT_MIN_S``) when it is a diffusion element whose shape the data
  chose (a sphere's slowest mode is tau / 20). A spectrum that stops above the
  diffusion has none.
* ``contact``: the fastest of the others, if its characteristic frequency is above
  :data:`CONTACT_MIN_HZ` (10 kHz) or another (non-diffusion) process is slower.
* ``charge_transfer``: the next; any further ones ``process_k`` (k its rank in tau).
* ``not_measured`` (``not_measured_2``...): a process the data do not show -- outside the
  measured band, vanishing, or not determined. A 15 ms arc fitted to a 100 Hz - 10 kHz
  spectrum is one of them (its time constant lies 9x beyond 1/(2 pi 100 Hz)), not a
  diffusion; were it measured, it would be charge transfer (faster than 50 ms).

Fit and DRT (``agree``)
-----------------------
1. The DRT of the spectrum is cut into one interval of ln tau per process: each process's
   expected DRT position is its ``tau_char_s`` and the cut between two neighbouring
   processes is the minimum of gamma between their positions. ``r_drt_ohm`` is the area
   of gamma over the interval, ``tau_drt_s`` the position of its maximum (several DRT
   peaks in one interval -- a broad CPE split into ripples -- are thus summed).
2. The *fitted circuit's own* DRT (its noise-free impedance at the measured frequencies,
   same DRT settings and lambda) is read on the same intervals: ``r_drt_model_ohm``,
   ``tau_drt_model_s``. This is what the DRT should show if the circuit is right,
   whatever the element (diffusion elements spread over several peaks, a ``Wo`` puts
   2/3 of its R into a capacitance the DRT cannot hold).
3. The process *agrees* when it is measured, the data's DRT tau is within a factor
   ``tau_factor`` (1.5) of the model's and the data's DRT resistance within ``r_tol``
   (20 %) of the model's.

When the fitted circuit is capacitive below the measured range (``Wo``, ``Wsph``,
``Wa``, blocking electrodes) the DRT is computed with a series capacitance
(``include_capacitance``), so that the capacitance does not pile up as gamma at the
long-tau end. Its bootstrap uses :data:`DRT_BOOT` = 10 resamples unless ``drt_options``
say otherwise (the DRT's own default, 30, would triple the time of the whole analysis
for a check column); a first DRT without bootstrap gives the fit its starting values.

Time: ~40 ms per spectrum of ~60 points on one core of a 2-core machine (two DRTs and
a model DRT, four to six fits); ``benchmarks/timeconst.py`` measures it.

Symmetric cells
---------------
With ``symmetric=True`` the spectrum of a symmetric cell (two identical electrodes) is
first reduced to one electrode, (Z - R_sep)/2 (:meth:`Spectrum.per_electrode`), so that
half of the separator's bulk resistance is not counted as the electrode's contact
resistance. R_sep is the high-frequency intercept of the spectrum
(:func:`~ohmslice.impedance.fit.high_frequency_intercept`: Z' where Z'' crosses zero at
high frequency, else the lowest Z' of the three highest frequencies, an upper bound)
unless ``r_sep_ohm`` is given; the value and its source are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._blas import one_blas_thread
from .._display import Plottable
from ..errors import InputError
from ..schema import Spectrum
from ._identify import (
    CONTACT_MIN_HZ,
    DIFFUSION_MIN_S,
    PROFILE_DELTA,
    STATUSES,
    _rms,
    hold_undetermined,
    judge_processes,
)
from .shapes import (
    MARGIN,
    SHAPE_ELEMENTS,
    diffusion_elements,
    low_frequency_exponent,
    resolve_diffusion,
    robust_fit,
    select_shape,
    step_kind,
)

if TYPE_CHECKING:
    from .circuits import Circuit
    from .drt import DrtResult
    from .fit import FitResult

__all__ = [
    "CONTACT_MIN_HZ",
    "DEFAULT_CIRCUIT",
    "DIFFUSION_MIN_S",
    "PROFILE_DELTA",
    "STATUSES",
    "TimeConstants",
    "time_constants",
]

#: contact, charge transfer, diffusion (three processes), impedance.py syntax
DEFAULT_CIRCUIT = "R0-p(R1,CPE1)-p(R2,CPE2)-Wo1"
#: bootstrap resamples of the DRT read beside the fit (its errors are a check here; the
#: DRT's own default, 30, triples the time of the whole analysis)
DRT_BOOT = 10

_DRT_NOTE = {
    "Ws": "Ws: DRT peaks from 0.405 tau down",
    "Wo": "Wo: DRT peaks from 0.101 tau down, 2/3 of R in a series C",
    "Wsph": "Wsph: DRT peaks from tau/20.2 down, blocking",
    "Wa": "Wa: DRT peaks from tau/pi^(2/n) down, a CPE in series",
}


# --- the result ---------------------------------------------------------------------------
@dataclass
class TimeConstants(Plottable):
    """Processes of a spectrum from a circuit fit and from the DRT.

    Attributes
    ----------
    table : DataFrame
        One row per circuit process, by increasing ``tau_fit_s``: ``process`` (name by
        time constant, module docstring), ``element``, ``r_fit_ohm``, ``r_fit_err_ohm``,
        ``tau_fit_s``, ``tau_fit_err_s``, ``f_peak_fit_Hz``, ``n`` (CPE exponent, the
        anomalous exponent of ``Wa``, 1 otherwise); ``r_drt_ohm``, ``r_drt_err_ohm``,
        ``tau_drt_s``, ``tau_drt_err_s`` (the data's DRT on the process's interval);
        ``r_drt_model_ohm``, ``tau_drt_model_s`` (the fitted circuit's DRT on the same
        interval); ``tau_ratio``, ``r_ratio`` (data / model), ``agree``, ``note``;
        ``shape`` (step-response kind: 'zarc', 'wo', 'ws', 'wsph', 'wa', ...),
        ``tau_char_s`` (slowest mode), ``band`` ('within', 'below', 'above' the measured
        band), ``status`` ('measured', 'bounded', 'undetermined'), ``status_reason``,
        ``tau_lower_s`` / ``tau_upper_s`` (profile bounds of tau, NaN where none).
    drt_peaks : DataFrame
        Every peak of the DRT (:meth:`DrtResult.peaks`) with the ``process`` whose
        interval holds it.
    fit : FitResult
        The fit the table comes from (the chosen diffusion shape's).
    drt : DrtResult
    spectrum : Spectrum
        The spectrum analysed (per electrode when ``symmetric``).
    symmetric : dict or None
        ``r_sep_ohm`` and ``r_sep_source`` when the spectrum was reduced per electrode.
    tau_factor, r_tol : float
        The agreement criteria used.
    diffusion_shape : str or None
        The shape of the fit's diffusion element ('wo', 'ws', 'wsc', 'wsph', 'wa'), None
        without one. The step response of each process, the one named ``diffusion`` included,
        is the table's ``shape`` column (the process named ``diffusion`` is the slowest
        seen, which is the diffusion element on any spectrum it describes).
    diffusion_candidates : DataFrame or None
        With ``diffusion="auto"``: one row per candidate shape, ``shape``, ``element``,
        ``circuit``, ``n_free``, ``chi2``, ``aic``, ``delta_aic``, ``weight``,
        ``success``, ``chosen``, ``alternative`` (not told apart from the chosen),
        ``note``.
    diffusion_fits : dict
        shape -> FitResult of every candidate fitted (for intervals over the shapes).
    shape_determined : bool or None
        False when the data do not decide the shape (``shape_note`` says between which).
    shape_note : str
    band : dict
        ``f_min_Hz``, ``f_max_Hz``, ``tau_min_s``, ``tau_max_s`` (the measured band) and
        ``band_factor``.
    fit_accepted : bool
        Whether the fit describes the spectrum (else every process is undetermined).
    fit_reasons : list of str
        Why not, in words.
    kk : KKResult or None
        The lin-KK test of the spectrum (:func:`ohmslice.impedance.kk.lin_kk`), where
        the caller ran one (:func:`ohmslice.study.run.run_study` does).
    """

    table: pd.DataFrame
    drt_peaks: pd.DataFrame
    fit: FitResult
    drt: DrtResult
    spectrum: Spectrum
    symmetric: dict[str, Any] | None
    tau_factor: float
    r_tol: float
    meta: dict[str, Any] = field(default_factory=dict)
    diffusion_shape: str | None = None
    diffusion_candidates: pd.DataFrame | None = None
    diffusion_fits: dict[str, Any] = field(default_factory=dict)
    shape_determined: bool | None = None
    shape_note: str = ""
    band: dict[str, float] = field(default_factory=dict)
    fit_accepted: bool = True
    fit_reasons: list[str] = field(default_factory=list)
    kk: Any = None

    def to_frame(self) -> pd.DataFrame:
        """The per-process table (a copy)."""
        return self.table.copy()

    def __getitem__(self, key: str) -> pd.Series:
        return self.table[key]

    def __len__(self) -> int:
        return len(self.table)

    @property
    def all_agree(self) -> bool:
        """Whether every process is measured and agrees between the fit and the DRT."""
        return bool(self.table["agree"].all())

    def value(self, process: str | int, quantity: str = "tau") -> float:
        """A process's ``"tau"`` [s], ``"r"`` [Ohm] or ``"n"``, NaN unless measured.

        ``process`` is a name of the ``process`` column or a row number. A bounded or
        undetermined value is NaN here: its fitted number is in :attr:`table`, its
        bounds in ``tau_lower_s`` / ``tau_upper_s``.
        """
        col = {"tau": "tau_fit_s", "r": "r_fit_ohm", "n": "n"}.get(quantity)
        if col is None:
            raise InputError(f"quantity '{quantity}'; expected 'tau', 'r' or 'n'")
        t = self.table
        if isinstance(process, (int, np.integer)):
            if not 0 <= process < len(t):
                raise InputError(f"process {process}; the table has {len(t)} rows")
            row = t.iloc[int(process)]
        else:
            hit = t.index[t["process"] == process]
            if not len(hit):
                raise InputError(
                    f"no process '{process}'; the processes are {', '.join(t['process'])}"
                )
            row = t.loc[hit[0]]
        return float(row[col]) if row["status"] == "measured" else np.nan

    def usable(self) -> pd.DataFrame:
        """The table with the fitted values of every process that is not measured set to
        NaN (resistance, time constant, their errors, peak frequency, exponent)."""
        t = self.table.copy()
        bad = t["status"] != "measured"
        cols = ["r_fit_ohm", "r_fit_err_ohm", "tau_fit_s", "tau_fit_err_s", "f_peak_fit_Hz"]
        t.loc[bad, cols + ["n"]] = np.nan
        return t

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: processes, shape choice, symmetric-cell note, criteria,
        fit quality."""
        rows = self.table.astype(object).where(self.table.notna(), None).to_dict(orient="records")
        cand = None
        if self.diffusion_candidates is not None:
            c = self.diffusion_candidates
            cand = c.astype(object).where(c.notna(), None).to_dict(orient="records")
        return {
            "circuit": self.fit.circuit.text,
            "processes": rows,
            "diffusion_shape": self.diffusion_shape,
            "shape_determined": self.shape_determined,
            "shape_note": self.shape_note,
            "diffusion_candidates": cand,
            "band": self.band,
            "symmetric": self.symmetric,
            "tau_factor": self.tau_factor,
            "r_tol": self.r_tol,
            "fit_chi2": self.fit.chi2,
            "fit_success": bool(getattr(self.fit, "success", True)),
            "fit_accepted": self.fit_accepted,
            "fit_reasons": self.fit_reasons,
            "drt_lambda": self.drt.lam,
            "r_inf_drt_ohm": self.drt.r_inf_ohm,
            "drt_peaks": int(len(self.drt_peaks)),
            "source": self.meta.get("source"),
        }

    def __repr__(self) -> str:
        cols = ["process", "r_fit_ohm", "tau_fit_s", "shape", "status", "agree"]
        sym = ""
        if self.symmetric:
            sym = f", per electrode with R_sep = {self.symmetric['r_sep_ohm']:.4g} Ohm"
        head = f"TimeConstants({self.fit.circuit.text}{sym})"
        if self.shape_note:
            head += f"\n{self.shape_note}"
        return f"{head}\n{self.table[cols].to_string()}"


# --- pieces of the analysis ---------------------------------------------------------------
def _r_sep(spectrum: Spectrum, r_sep_ohm: float | None) -> tuple[float, str]:
    from .fit import high_frequency_intercept

    if r_sep_ohm is not None:
        value = float(r_sep_ohm)
        if not np.isfinite(value) or value < 0:
            raise InputError(
                f"r_sep_ohm={r_sep_ohm}; expected a finite separator resistance >= 0 Ohm",
                path=spectrum.source,
            )
        return value, "given"
    zi = spectrum.z.imag
    crossing = bool(np.any((zi[1:] >= 0) & (zi[:-1] < 0)))
    source = (
        "high-frequency intercept (Z'' = 0 crossing)"
        if crossing
        else "high-frequency intercept (lowest Z' of the 3 highest frequencies; upper bound)"
    )
    return float(high_frequency_intercept(spectrum)), source


def _cells(d: DrtResult, expected: np.ndarray) -> list[tuple[float, float]]:
    """The tau interval of gamma attributed to each process: from the minimum of gamma
    between its expected DRT position and the previous one to the minimum before the
    next one (the ends of the DRT grid outside). NaN for a non-finite position."""
    tau, g = d.tau_s, d.gamma_ohm
    ok = np.flatnonzero(np.isfinite(expected) & (expected > 0))
    order = ok[np.argsort(expected[ok])]
    pos = np.clip(np.searchsorted(tau, expected[order]), 0, tau.size - 1)
    cuts = [0]
    for a, b in zip(pos[:-1], pos[1:], strict=True):
        cuts.append(int(a + np.argmin(g[a : b + 1])) if b > a else int(a))
    cuts.append(tau.size - 1)
    out = [(np.nan, np.nan)] * expected.size
    for j, k in enumerate(order):
        out[k] = (float(tau[cuts[j]]), float(tau[cuts[j + 1]]))
    return out


def _read(d: DrtResult, edges: list[tuple[float, float]]) -> list[dict[str, float]]:
    nan = {"r_ohm": np.nan, "r_err_ohm": np.nan, "tau_s": np.nan, "tau_err_s": np.nan}
    return [d.interval(lo, hi) if np.isfinite(lo) and hi > lo else nan for lo, hi in edges]


def _blocking(fit: FitResult, spectrum: Spectrum) -> bool:
    """Whether the fitted circuit is capacitive below the measured range (Z'' ~ 1/omega)."""
    f0 = float(spectrum.freq.min())
    with np.errstate(all="ignore"):  # a degenerate element may overflow there
        z = np.asarray(fit.predict(np.array([f0 * 1e-3, f0 * 1e-4])))
    return bool(-z.imag[0] > 0 and -z.imag[1] > 5 * -z.imag[0])


def _model_spectrum(spectrum: Spectrum, z_model: np.ndarray) -> Spectrum:
    """The fitted model's impedance at the spectrum's frequencies, as a Spectrum: the
    data table rebuilt without re-validating it (finite, sorted, as the fit's)."""
    from ..schema import FREQ, Z_IMAG, Z_REAL

    out = object.__new__(Spectrum)
    out.meta = dict(spectrum.meta)
    out.data = pd.DataFrame({FREQ: spectrum.freq, Z_REAL: z_model.real, Z_IMAG: z_model.imag})
    return out


def _drt_columns(d, d_model, peaks, j, tau_factor: float, r_tol: float) -> dict[str, Any]:
    """The DRT reading of each process (data and model, on the same intervals), whether
    they agree, the DRT notes; ``peaks`` get the name of the process holding them."""
    edges = _cells(d, j.v["tau_char"].copy())
    read, read_model = _read(d, edges), _read(d_model, edges)
    tau_drt = np.array([r["tau_s"] for r in read])
    r_drt = np.array([r["r_ohm"] for r in read])
    tau_exp = np.array([r["tau_s"] for r in read_model])
    r_exp = np.array([r["r_ohm"] for r in read_model])
    have = np.isfinite(tau_drt) & np.isfinite(tau_exp) & (r_exp > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau_ratio = np.where(have, tau_drt / tau_exp, np.nan)
        r_ratio = np.where(have, r_drt / r_exp, np.nan)
    agree = have & (np.abs(np.log(tau_ratio)) <= np.log(tau_factor))
    agree &= np.abs(r_ratio - 1) <= r_tol
    agree &= np.array([s == "measured" for s in j.status])
    tau_pk = peaks["tau_s"].to_numpy(float)
    owner = np.full(tau_pk.size, -1)
    for k, (lo, hi) in enumerate(edges):
        owner[(tau_pk >= lo) & (tau_pk <= hi)] = k
    n_peaks = np.bincount(owner[owner >= 0], minlength=len(j.procs))
    notes = []
    for k, kind in enumerate(j.kinds):
        count = int(n_peaks[k])
        extra = "no DRT peak inside" if count == 0 else ""
        extra = f"{count} DRT peaks inside" if count > 1 else extra
        notes.append("; ".join(filter(None, (_DRT_NOTE.get(kind, ""), extra))))
    peaks["process"] = [j.labels[k] if k >= 0 else None for k in owner]
    return {
        "r_drt_ohm": r_drt,
        "r_drt_err_ohm": [r["r_err_ohm"] for r in read],
        "tau_drt_s": tau_drt,
        "tau_drt_err_s": [r["tau_err_s"] for r in read],
        "r_drt_model_ohm": r_exp,
        "tau_drt_model_s": tau_exp,
        "tau_ratio": tau_ratio,
        "r_ratio": r_ratio,
        "agree": agree,
        "note": notes,
    }


# --- the analysis -------------------------------------------------------------------------
@one_blas_thread
def time_constants(
    spectrum: Spectrum,
    circuit: str | Circuit | None = None,
    symmetric: bool = False,
    r_sep_ohm: float | None = None,
    *,
    diffusion: str | None = None,
    tau_factor: float = 1.5,
    r_tol: float = 0.2,
    drt_options: dict[str, Any] | None = None,
    fit_options: dict[str, Any] | None = None,
    prominence: float = 0.02,
    band_factor: float = 3.0,
    max_rel_err: float = 0.5,
    max_misfit: float = 0.03,
    shape_margin: float = MARGIN,
) -> TimeConstants:
    """Resistance and time constant of each process, and whether the spectrum measures it.

    Parameters
    ----------
    spectrum
        The impedance spectrum [Ohm].
    circuit
        Circuit string or :class:`Circuit`; default :data:`DEFAULT_CIRCUIT`,
        ``R0-p(R1,CPE1)-p(R2,CPE2)-Wo1`` (contact, charge transfer, diffusion) with its
        diffusion shape chosen by the data.
    symmetric
        Analyse one electrode of a symmetric cell: (Z - R_sep)/2.
    r_sep_ohm
        Separator bulk resistance [Ohm] for ``symmetric``; default the high-frequency
        intercept. Refused without ``symmetric``.
    diffusion
        ``"auto"``: fit every candidate shape (``wo``, ``ws``, ``wsph``, ``wa``) in place
        of the circuit's diffusion element and keep the best by AIC (module docstring);
        ``"circuit"``: the circuit as given; ``"wo"``, ``"ws"``, ``"wsph"``, ``"wa"``:
        that shape. Default ``"auto"`` for the default circuit, ``"circuit"`` for a
        circuit given.
    tau_factor, r_tol
        Agreement: the data's DRT tau within this factor of the circuit's DRT tau, the
        data's DRT R within this relative tolerance of the circuit's DRT R.
    drt_options, fit_options
        Keyword arguments passed on to :func:`drt` and :func:`fit_circuit` (by default
        the fit starts from the DRT peaks).
    prominence
        Peak prominence floor of :meth:`DrtResult.peaks`.
    band_factor
        How far [x] a process's slowest mode may lie beyond the measured band and still
        count as measured.
    max_rel_err
        Largest relative standard error of R or tau of a measured process.
    max_misfit
        Relative rms misfit of the fit above which (and above twice the DRT's) the fit is
        not accepted and every process undetermined.
    shape_margin
        AIC difference below which two diffusion shapes are not told apart.

    Returns
    -------
    TimeConstants

    Raises
    ------
    InputError
        ``r_sep_ohm`` without ``symmetric`` or negative; bad tolerances or options; a
        ``diffusion`` choice for a circuit without exactly one diffusion element;
        whatever :func:`drt` and :func:`fit_circuit` refuse (bad circuit, too few
        points). The spectrum is checked for both before either runs (see
        :mod:`ohmslice.impedance._input`): at least 5 distinct frequencies and one more
        than the circuit's free parameters, at most 5000 points.
    """
    from ._input import checked_spectrum
    from .circuits import Circuit
    from .drt import MIN_FREQS, drt
    from .fit import _checked_fixed, _checked_for_fit

    if not isinstance(spectrum, Spectrum):
        raise InputError(f"expected a Spectrum, got {type(spectrum).__name__}")
    src = spectrum.source
    if not tau_factor > 1:
        raise InputError(f"tau_factor={tau_factor}; expected > 1", path=src)
    if not 0 < r_tol:
        raise InputError(f"r_tol={r_tol}; expected > 0", path=src)
    if not (np.isfinite(band_factor) and band_factor > 1):
        raise InputError(f"band_factor={band_factor}; expected > 1", path=src)
    for name, value in (("max_rel_err", max_rel_err), ("max_misfit", max_misfit)):
        if not (np.isfinite(value) and value > 0):
            raise InputError(f"{name}={value}; expected > 0", path=src)
    circ = (
        circuit
        if isinstance(circuit, Circuit)
        else Circuit(DEFAULT_CIRCUIT if circuit is None else circuit)
    )
    mode, element, circ = resolve_diffusion(
        diffusion if diffusion is not None else ("auto" if circuit is None else "circuit"), circ
    )
    fopts = dict(fit_options or {})
    # refuse a spectrum the fit or the DRT cannot use before computing either
    n_free = circ.n_params - len(_checked_fixed(circ, fopts.get("fixed")))
    spectrum = _checked_for_fit(spectrum, circ, n_free)
    spectrum = checked_spectrum(spectrum, analysis="the DRT", min_freqs=MIN_FREQS)
    note = None
    if symmetric:
        r_sep, source = _r_sep(spectrum, r_sep_ohm)
        spectrum = spectrum.per_electrode(r_sep)
        note = {"per_electrode": "(Z - R_sep) / 2", "r_sep_ohm": r_sep, "r_sep_source": source}
    elif r_sep_ohm is not None:
        raise InputError("r_sep_ohm is only used with symmetric=True", path=src)

    # a quick DRT (no bootstrap) for the starting values, then the fit(s)
    dopts = dict(drt_options or {})
    # (with a series C where the low-frequency end is capacitive, lest it pile up as
    # gamma at long tau and give the fit a false start)
    quick = {**dopts, "n_boot": 0}
    n_lf = low_frequency_exponent(spectrum)  # 1: capacitive end, < 0: closing (resistive)
    quick.setdefault("include_capacitance", bool(n_lf > 0.5))
    d0 = drt(spectrum, **quick)
    peaks0 = d0.peaks(prominence=prominence)
    if "peaks" not in fopts and "initial" not in fopts and len(peaks0):
        fopts["peaks"] = list(zip(peaks0["tau_s"], peaks0["r_ohm"], strict=True))
    choice = None
    if mode == "auto":
        # rescue fits only where the DRT (a flexible, Kramers-Kronig model) describes the data
        describable = _rms(spectrum.z, d0.z_fit) <= 2 * max_misfit
        choice = select_shape(
            spectrum, circ, element, fopts, margin=shape_margin, rescue=describable
        )
        fit = choice.fit
    else:
        fit = robust_fit(spectrum, circ, fopts)

    # a fit refused for parameters the data do not determine (infinite errors): hold them
    # at their fitted values and judge the other processes from that fit
    # (values and errors stay the fit's own: its errors span the determined directions)
    held: list[str] = []
    if not getattr(fit, "success", True):
        held = hold_undetermined(spectrum, fit, fopts)

    # the DRT read against the fit, with a series C when the fit is blocking
    if "include_capacitance" not in dopts and _blocking(fit, spectrum):
        dopts["include_capacitance"] = True
    dopts.setdefault("n_boot", DRT_BOOT)
    if dopts["n_boot"] == 0 and bool(dopts.get("include_capacitance")) == bool(
        d0.settings["include_capacitance"]
    ):
        d = d0
    else:
        d = drt(spectrum, **dopts)
    peaks = d.peaks(prominence=prominence)

    # each process: measured, bounded or undetermined, and its name
    j = judge_processes(
        spectrum, fit, fopts, choice, held, rms_drt=_rms(spectrum.z, d0.z_fit),
        band_factor=band_factor, max_rel_err=max_rel_err, max_misfit=max_misfit,
    )  # fmt: skip
    v = j.v
    t_min, t_max = 1 / (2 * np.pi * j.f_band[1]), 1 / (2 * np.pi * j.f_band[0])

    # the DRT reading of each process, data and model
    d_model = drt(_model_spectrum(spectrum, fit.predict()), **{**dopts, "lam": d.lam, "n_boot": 0})
    drt_cols = _drt_columns(d, d_model, peaks, j, tau_factor, r_tol)
    with np.errstate(divide="ignore"):
        f_peak = 1.0 / (2 * np.pi * v["tau"])
    table = pd.DataFrame(
        {
            "process": j.labels,
            "element": [q.label for q in j.procs],
            "r_fit_ohm": v["r"],
            "r_fit_err_ohm": v["r_err"],
            "tau_fit_s": v["tau"],
            "tau_fit_err_s": v["tau_err"],
            "f_peak_fit_Hz": f_peak,
            "n": v["n"],
            **drt_cols,
            "shape": [step_kind(k) for k in j.kinds],
            "tau_char_s": v["tau_char"],
            "band": j.band,
            "status": j.status,
            "status_reason": j.why,
            "tau_lower_s": j.lower,
            "tau_upper_s": j.upper,
        }
    )
    kinds_of = dict(fit.circuit.elements)
    shape = None
    diff_names = diffusion_elements(fit.circuit)
    if diff_names:  # the candidate's name ('wsc' for Ws with its capacitor in series)
        kind = kinds_of[diff_names[-1]]
        shape = next((sh for sh, k in SHAPE_ELEMENTS.items() if k == kind), step_kind(kind))
    return TimeConstants(
        table=table,
        drt_peaks=peaks,
        fit=fit,
        drt=d,
        spectrum=spectrum,
        symmetric=note,
        tau_factor=float(tau_factor),
        r_tol=float(r_tol),
        meta={
            "source": spectrum.source,
            "rms_misfit": j.rms_fit,
            "rms_misfit_drt": _rms(spectrum.z, d0.z_fit),
            "held_parameters": held,
        },
        diffusion_shape=shape,
        diffusion_candidates=choice.table if choice is not None else None,
        diffusion_fits=dict(choice.fits) if choice is not None else {},
        shape_determined=choice.determined if choice is not None else None,
        shape_note=choice.message if choice is not None else "",
        band={
            "f_min_Hz": j.f_band[0],
            "f_max_Hz": j.f_band[1],
            "tau_min_s": t_min,
            "tau_max_s": t_max,
            "band_factor": float(band_factor),
        },
        fit_accepted=j.accepted,
        fit_reasons=j.reasons,
    )
