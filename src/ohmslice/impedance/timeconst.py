"""Time constants of the processes of a spectrum, from a circuit fit and from the DRT.

:func:`time_constants` reads every process of a spectrum twice -- from an equivalent
circuit fitted with :func:`~ohmslice.impedance.fit.fit_circuit` and from the peaks of
the distribution of relaxation times (:func:`~ohmslice.impedance.drt.drt`) -- and says
whether the two readings agree. Processes are named by increasing time constant:
``contact`` (shortest), ``charge_transfer``, ``diffusion`` (longest), then
``process_4``... when the circuit has more.

How the two readings are compared:

1. The DRT of the spectrum is cut into one interval of ln tau per circuit process: each
   process has an expected DRT position (its tau for R||CPE, R||C, ZARC; 0.405 tau for
   ``Ws``, whose DRT is a series of peaks R_k = 2R/((k-1/2)^2 pi^2) at
   tau/((k-1/2)^2 pi^2); 0.101 tau for ``Wo``, a capacitor tau/R in series with peaks
   2R/(k^2 pi^2) at tau/(k^2 pi^2)), and the cut between two neighbouring processes is
   the minimum of gamma between their positions. ``r_drt_ohm`` is the area of gamma
   over the interval, ``tau_drt_s`` the position of its maximum (several DRT peaks in one
   interval -- a broad CPE split into ripples -- are thus summed).
2. The *fitted circuit's own* DRT (its noise-free impedance at the measured frequencies,
   same DRT settings and lambda) is read on the same intervals: ``r_drt_model_ohm``,
   ``tau_drt_model_s``. This is what the DRT should show if the circuit is right,
   whatever the element (diffusion elements spread over several peaks, a ``Wo`` puts
   2/3 of its R into a capacitance the DRT cannot hold).
3. The process *agrees* when the data's DRT tau is within a factor ``tau_factor``
   (default 1.5) of the model's and the data's DRT resistance within ``r_tol`` (default
   20 %) of the model's.

When the fitted circuit is capacitive below the measured range (``Wo``, blocking
electrodes) the DRT is computed with a series capacitance (``include_capacitance``),
so that the capacitance does not pile up as gamma at the long-tau end.

With ``symmetric=True`` the spectrum of a symmetric cell (two identical electrodes) is
first reduced to one electrode, (Z - R_sep)/2 (:meth:`Spectrum.per_electrode`), so that
half of the separator's bulk resistance is not counted as the electrode's contact
resistance. R_sep is the high-frequency intercept of the spectrum
(:func:`~ohmslice.impedance.fit.high_frequency_intercept`: Z' where Z'' crosses zero at
high frequency, else the lowest Z' of the three highest frequencies, an upper bound)
unless ``r_sep_ohm`` is given; the value and its source are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..schema import Spectrum

if TYPE_CHECKING:
    from .circuits import Circuit
    from .drt import DrtResult
    from .fit import FitResult

__all__ = ["DEFAULT_CIRCUIT", "TimeConstants", "time_constants"]

#: contact, charge transfer, diffusion (three processes), impedance.py syntax
DEFAULT_CIRCUIT = "R0-p(R1,CPE1)-p(R2,CPE2)-Wo1"
LABELS = ("contact", "charge_transfer", "diffusion")

# element prefix -> (expected DRT position / circuit tau, note)
_DRT_IMAGE = {
    "Ws": (4 / np.pi**2, "Ws: DRT peaks from 0.405 tau down"),
    "Wo": (1 / np.pi**2, "Wo: DRT peaks from 0.101 tau down, 2/3 of R in a series C"),
    "Wsph": (1 / 20.19, "Wsph: DRT peaks from tau/20.2 down, blocking"),
}


def _image(element: str) -> tuple[float, str]:
    """(DRT position / tau, note) of an element label such as 'R1||CPE1', 'Ws1'."""
    m = re.fullmatch(r"([A-Za-z]+)\d+(:\w+)?", element)
    prefix = m.group(1) if m else ""
    return _DRT_IMAGE.get(prefix, (1.0, ""))


@dataclass
class TimeConstants:
    """Processes of a spectrum from a circuit fit and from the DRT.

    Attributes
    ----------
    table : DataFrame
        One row per circuit process, by increasing tau: ``process``, ``element``,
        ``r_fit_ohm``, ``r_fit_err_ohm``, ``tau_fit_s``, ``tau_fit_err_s``, ``n``;
        ``r_drt_ohm``, ``r_drt_err_ohm``, ``tau_drt_s``, ``tau_drt_err_s`` (the data's
        DRT on the process's interval); ``r_drt_model_ohm``, ``tau_drt_model_s`` (the
        fitted circuit's DRT on the same interval); ``tau_ratio``, ``r_ratio`` (data /
        model), ``agree`` and ``note``.
    drt_peaks : DataFrame
        Every peak of the DRT (:meth:`DrtResult.peaks`) with the ``process`` whose
        interval holds it; more than one peak in a process is a broad distribution
        (CPE) split into ripples, or a process the circuit lacks.
    fit : FitResult
    drt : DrtResult
    spectrum : Spectrum
        The spectrum analysed (per electrode when ``symmetric``).
    symmetric : dict or None
        ``r_sep_ohm`` and ``r_sep_source`` when the spectrum was reduced per electrode.
    tau_factor, r_tol : float
        The agreement criteria used.
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

    def to_frame(self) -> pd.DataFrame:
        """The per-process table (a copy)."""
        return self.table.copy()

    def __getitem__(self, key: str) -> pd.Series:
        return self.table[key]

    def __len__(self) -> int:
        return len(self.table)

    @property
    def all_agree(self) -> bool:
        """Whether every process agrees between the fit and the DRT."""
        return bool(self.table["agree"].all())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: processes, symmetric-cell note, criteria, fit quality."""
        rows = self.table.replace({np.nan: None}).to_dict(orient="records")
        return {
            "circuit": self.fit.circuit.text,
            "processes": rows,
            "symmetric": self.symmetric,
            "tau_factor": self.tau_factor,
            "r_tol": self.r_tol,
            "fit_chi2": self.fit.chi2,
            "fit_success": self.fit.success,
            "drt_lambda": self.drt.lam,
            "r_inf_drt_ohm": self.drt.r_inf_ohm,
            "drt_peaks": int(len(self.drt_peaks)),
            "source": self.meta.get("source"),
        }

    def __repr__(self) -> str:
        cols = ["process", "r_fit_ohm", "tau_fit_s", "r_drt_ohm", "tau_drt_s", "agree"]
        sym = ""
        if self.symmetric:
            sym = f", per electrode with R_sep = {self.symmetric['r_sep_ohm']:.4g} Ohm"
        return f"TimeConstants({self.fit.circuit.text}{sym})\n{self.table[cols].to_string()}"


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
    z = np.asarray(fit.predict(np.array([f0 * 1e-3, f0 * 1e-4])))
    return bool(-z.imag[0] > 0 and -z.imag[1] > 5 * -z.imag[0])


def time_constants(
    spectrum: Spectrum,
    circuit: str | Circuit | None = None,
    symmetric: bool = False,
    r_sep_ohm: float | None = None,
    *,
    tau_factor: float = 1.5,
    r_tol: float = 0.2,
    drt_options: dict[str, Any] | None = None,
    fit_options: dict[str, Any] | None = None,
    prominence: float = 0.02,
) -> TimeConstants:
    """Resistance and time constant of each process, from a circuit fit and the DRT.

    Parameters
    ----------
    spectrum
        The impedance spectrum [Ohm].
    circuit
        Circuit string or :class:`Circuit`; default :data:`DEFAULT_CIRCUIT`,
        ``R0-p(R1,CPE1)-p(R2,CPE2)-Wo1`` (contact, charge transfer, diffusion).
    symmetric
        Analyse one electrode of a symmetric cell: (Z - R_sep)/2.
    r_sep_ohm
        Separator bulk resistance [Ohm] for ``symmetric``; default the high-frequency
        intercept. Refused without ``symmetric``.
    tau_factor, r_tol
        Agreement: the data's DRT tau within this factor of the circuit's DRT tau, the
        data's DRT R within this relative tolerance of the circuit's DRT R.
    drt_options, fit_options
        Keyword arguments passed on to :func:`drt` and :func:`fit_circuit` (by default
        the fit starts from the DRT peaks).
    prominence
        Peak prominence floor of :meth:`DrtResult.peaks`.

    Returns
    -------
    TimeConstants

    Raises
    ------
    InputError
        ``r_sep_ohm`` without ``symmetric`` or negative; bad tolerances; whatever
        :func:`drt` and :func:`fit_circuit` refuse (bad circuit, too few points). The
        spectrum is checked for both before either runs (see
        :mod:`ohmslice.impedance._input`): at least 5 distinct frequencies and one more
        than the circuit's free parameters, at most 5000 points.
    """
    from ._input import checked_spectrum
    from .circuits import Circuit
    from .drt import MIN_FREQS, drt
    from .fit import _checked_fixed, _checked_for_fit, fit_circuit

    if not isinstance(spectrum, Spectrum):
        raise InputError(f"expected a Spectrum, got {type(spectrum).__name__}")
    if not tau_factor > 1:
        raise InputError(f"tau_factor={tau_factor}; expected > 1", path=spectrum.source)
    if not 0 < r_tol:
        raise InputError(f"r_tol={r_tol}; expected > 0", path=spectrum.source)
    circ = (
        circuit
        if isinstance(circuit, Circuit)
        else Circuit(DEFAULT_CIRCUIT if circuit is None else circuit)
    )
    # refuse a spectrum the fit or the DRT cannot use before computing either
    n_free = circ.n_params - len(_checked_fixed(circ, (fit_options or {}).get("fixed")))
    spectrum = _checked_for_fit(spectrum, circ, n_free)
    spectrum = checked_spectrum(spectrum, analysis="the DRT", min_freqs=MIN_FREQS)
    note = None
    if symmetric:
        r_sep, source = _r_sep(spectrum, r_sep_ohm)
        spectrum = spectrum.per_electrode(r_sep)
        note = {"per_electrode": "(Z - R_sep) / 2", "r_sep_ohm": r_sep, "r_sep_source": source}
    elif r_sep_ohm is not None:
        raise InputError("r_sep_ohm is only used with symmetric=True", path=spectrum.source)

    dopts = dict(drt_options or {})
    d = drt(spectrum, **dopts)
    peaks = d.peaks(prominence=prominence)
    fopts = dict(fit_options or {})
    if "peaks" not in fopts and "initial" not in fopts and len(peaks):
        fopts["peaks"] = list(zip(peaks["tau_s"], peaks["r_ohm"], strict=True))
    fit = fit_circuit(spectrum, circ, **fopts)
    tc = fit.time_constants().reset_index(drop=True)
    if "include_capacitance" not in dopts and _blocking(fit, spectrum):
        # a capacitive low-frequency end (Wo, blocking) goes to a series C, not to gamma
        dopts["include_capacitance"] = True
        d = drt(spectrum, **dopts)
        peaks = d.peaks(prominence=prominence)

    images = [_image(str(e)) for e in tc["element"]]
    exp_tau = tc["tau_s"].to_numpy(dtype=float) * np.array([k for k, _ in images])
    edges = _cells(d, exp_tau)
    # the same reading of the fitted circuit's own (noise-free) DRT, at the same lambda
    model = Spectrum.from_arrays(spectrum.freq, fit.predict(spectrum.freq))
    d_model = drt(model, **{**dopts, "lam": d.lam, "n_boot": 0})
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
    peaks = peaks.assign(process=-1)
    for k, (lo, hi) in enumerate(edges):
        inside = (peaks["tau_s"] >= lo) & (peaks["tau_s"] <= hi)
        peaks.loc[inside, "process"] = k
    n_peaks = peaks.groupby("process").size()
    notes = []
    for k, img in enumerate(images):
        count = int(n_peaks.get(k, 0))
        extra = "no DRT peak inside" if count == 0 else ""
        extra = f"{count} DRT peaks inside" if count > 1 else extra
        notes.append("; ".join(filter(None, (img[1], extra))))
    labels = [LABELS[i] if i < len(LABELS) else f"process_{i + 1}" for i in range(len(tc))]
    peaks["process"] = [labels[k] if k >= 0 else None for k in peaks["process"]]
    table = pd.DataFrame(
        {
            "process": labels,
            "element": tc["element"],
            "r_fit_ohm": tc["r_ohm"],
            "r_fit_err_ohm": tc["r_err_ohm"],
            "tau_fit_s": tc["tau_s"],
            "tau_fit_err_s": tc["tau_err_s"],
            "f_peak_fit_Hz": tc["f_peak_Hz"],
            "n": tc["n"],
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
    )
    return TimeConstants(
        table=table,
        drt_peaks=peaks,
        fit=fit,
        drt=d,
        spectrum=spectrum,
        symmetric=note,
        tau_factor=float(tau_factor),
        r_tol=float(r_tol),
        meta={"source": spectrum.source},
    )
