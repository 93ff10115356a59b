"""Galvanostatic cycling with known capacities and a contact resistance that grows from a
known cycle.

The cell is the small linear model of a cycling test, fast enough for thousands of
cycles: V = OCV(x) - E_counter + R_s I + sum_j v_j, three R||C elements j in series --
contact (R1, tau1 ~ us), charge transfer (R2, tau2 ~ ms) and diffusion (R3, tau3 ~ tens
of s) -- each relaxing exactly under piecewise-constant current,
v_j(t0 + t) = v_j(t0) e^(-t/tau_j) + R_j I (1 - e^(-t/tau_j)), and x the state of charge
(fraction of the cycle's capacity). What changes from cycle to cycle (cycle k = 1, 2, ...):

* the contact resistance R1(k) = R1 + g max(k - k0, 0): flat up to cycle k0
  (``contact_growth_start``), then growing by g (``contact_growth_ohm_per_cycle``) per
  cycle -- a continuous hinge at k0, the contact-loss signature a change-point must find;
* the capacity Q(k) = Q0 (1 - fade)^(k - 1) (``fade_per_cycle``);
* the coulombic efficiency: a share ``side_reaction`` of the charging current feeds a
  side reaction and not the electrode, so a discharge gives back about (1 - side_reaction)
  of the charge.

Each cycle is: CC charge at ``c_rate`` to ``v_max`` [, CV at ``v_max`` down to
``cv_cutoff_c_rate``], rest, CC discharge to ``v_min``, rest; the record begins with a rest.
CC and rest steps are evaluated in closed form on their sample times (the first
``first_sample_s`` after the step, then every ``record_dt_s``, and the step's end); a
voltage limit ends a step at the exact crossing (Brent's method on the closed form). A CV
hold is time-marched (the current that holds the voltage over each interval, intervals
growing geometrically from ``first_sample_s`` to ``record_dt_s``), exact for the
piecewise-constant current it records.

The truth (:attr:`CyclingSim.truth`) is what the model passed: per cycle the charge and
discharge capacities (CC + CV, exact), CV capacity, coulombic efficiency, the model's
capacity and every resistance, and ``r_step_ohm`` -- the voltage jump per unit current
step the first sample after a step sees, R_s + sum_j R_j (1 - e^(-first_sample_s/tau_j)).
The recording's ``charge_Ah`` is the exact charge counter. With ``spectra=True`` an
impedance spectrum of the cell at rest is taken after every cycle (Z = R_s + sum_j
R_j / (1 + j w tau_j), noise from ``noise``), its ``time_s`` within the pause it takes
before the next cycle. :func:`write_cycling` writes it all as EC-Lab text exports.

Parameters are checked before anything runs: :class:`~ohmslice.errors.InputError` names
the parameter. A limit that cannot be reached within 2 % of SOC beyond the OCV table
raises too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from ..errors import InputError
from ..schema import CHARGE, CURRENT, CYCLE, STEP, TIME, VOLTAGE, Recording, Spectrum
from .curves import OCV, OCV_NCM523_VS_LI
from .noise import QUIET, NoiseModel

__all__ = ["CyclingCell", "CyclingSim", "simulate_cycling", "write_cycling"]

MODE_CC, MODE_CV, MODE_REST = 1, 2, 3
_X_LO, _X_HI = -0.02, 1.02  # SOC range a step may reach (2 % beyond the OCV table)
_CV_GROWTH = 1.3


@dataclass(frozen=True)
class CyclingCell:
    """The cell of :func:`simulate_cycling` and how it ages.

    Attributes
    ----------
    capacity_Ah
        Capacity of cycle 1 [A h] (what the OCV table spans); 1C = capacity / 1 h.
    ocv
        OCV vs Li/Li+ of the electrode (:class:`~ohmslice.simulate.curves.OCV`).
    counter_potential_V
        Counter electrode vs Li/Li+ [V]; recorded voltage = OCV - it + overpotential.
    r_series_ohm
        Series resistance R_s [Ohm] (separator, leads).
    r_contact_ohm, tau_contact_s
        Contact resistance R1 of cycle 1 [Ohm] and its time constant [s].
    r_ct_ohm, tau_ct_s
        Charge-transfer resistance R2 [Ohm] and time constant [s].
    r_diff_ohm, tau_diff_s
        Diffusion resistance R3 [Ohm] and time constant [s] (one R||C).
    contact_growth_start
        Cycle k0 after which R1 grows (None: never).
    contact_growth_ohm_per_cycle
        Growth g of R1 per cycle after k0 [Ohm].
    fade_per_cycle
        Relative capacity loss per cycle (0 <= fade < 0.5).
    side_reaction
        Share of the charging current that does not charge the electrode (0 <= s < 0.5).
    """

    capacity_Ah: float = 2.355e-3
    ocv: OCV = OCV_NCM523_VS_LI
    counter_potential_V: float = 0.62
    r_series_ohm: float = 10.0
    r_contact_ohm: float = 5.0
    tau_contact_s: float = 2e-6
    r_ct_ohm: float = 15.0
    tau_ct_s: float = 1e-3
    r_diff_ohm: float = 10.0
    tau_diff_s: float = 30.0
    contact_growth_start: int | None = None
    contact_growth_ohm_per_cycle: float = 0.0
    fade_per_cycle: float = 0.0
    side_reaction: float = 0.0

    def __post_init__(self) -> None:
        for name in ("capacity_Ah", "tau_contact_s", "tau_ct_s", "tau_diff_s"):
            _check(name, getattr(self, name), positive=True)
        for name in ("r_series_ohm", "r_contact_ohm", "r_ct_ohm", "r_diff_ohm",
                     "contact_growth_ohm_per_cycle"):  # fmt: skip
            _check(name, getattr(self, name), positive=False)
        for name in ("fade_per_cycle", "side_reaction"):
            v = _check(name, getattr(self, name), positive=False)
            if v >= 0.5:
                raise InputError(f"{name} = {v!r}; expected 0 <= {name} < 0.5")
        k0 = self.contact_growth_start
        if k0 is not None and (int(k0) != k0 or k0 < 0):
            raise InputError(f"contact_growth_start = {k0!r}; expected a cycle number >= 0")

    def r_contact(self, cycle: int | np.ndarray) -> np.ndarray:
        """Contact resistance R1 [Ohm] of cycle(s) ``cycle`` (1-based)."""
        k = np.asarray(cycle, dtype=float)
        if self.contact_growth_start is None:
            return np.full(k.shape, self.r_contact_ohm)
        grow = np.maximum(k - self.contact_growth_start, 0.0)
        return self.r_contact_ohm + self.contact_growth_ohm_per_cycle * grow

    def capacity(self, cycle: int | np.ndarray) -> np.ndarray:
        """Capacity [A h] of cycle(s) ``cycle`` (1-based)."""
        k = np.asarray(cycle, dtype=float)
        return self.capacity_Ah * (1.0 - self.fade_per_cycle) ** (k - 1)

    def elements(self, cycle: int) -> tuple[np.ndarray, np.ndarray]:
        """R [Ohm] and tau [s] of the three R||C elements in cycle ``cycle``."""
        r = np.array([float(self.r_contact(cycle)), self.r_ct_ohm, self.r_diff_ohm])
        tau = np.array([self.tau_contact_s, self.tau_ct_s, self.tau_diff_s])
        return r, tau

    def impedance(self, freq_hz: np.ndarray, cycle: int) -> np.ndarray:
        """Complex impedance [Ohm] at rest in cycle ``cycle``: R_s + sum R_j/(1 + j w tau_j)."""
        r, tau = self.elements(cycle)
        jw = 2j * np.pi * np.asarray(freq_hz, dtype=float)[:, None]
        return self.r_series_ohm + (r / (1.0 + jw * tau)).sum(axis=1)


@dataclass
class CyclingSim:
    """What :func:`simulate_cycling` returns.

    Attributes
    ----------
    recording
        Canonical columns plus ``step`` (running step number), ``cycle`` (1, 2, ...;
        the first rest is cycle 1), ``charge_Ah`` (exact net charge since the start),
        ``ns`` (EC-Lab's sequence number: 0 rest, 1 CC charge, 2 CV, 3 rest, 4 CC
        discharge, 5 rest), ``mode`` (1 CC, 2 CV, 3 rest) and ``control``, noise included.
    truth
        One row per cycle: ``cycle``, ``capacity_Ah`` (the model's), ``charge_mAh``,
        ``discharge_mAh`` (passed, CC + CV), ``charge_cv_mAh``, ``ce_pct``,
        ``r_series_ohm``, ``r_contact_ohm``, ``r_ct_ohm``, ``r_diff_ohm``,
        ``r_step_ohm`` (jump per current step at ``first_sample_s``), ``first_sample_s``,
        ``t_start_s``, ``t_end_s``, ``spectrum_time_s`` (NaN without spectra).
    spectra
        One :class:`~ohmslice.schema.Spectrum` per cycle (after it), with a ``time_s``
        column (each point's measuring time) and ``cycle``; empty without ``spectra``.
    cell
        The model.
    contact_growth_start
        Where R1 starts to grow (the true change-point), None if never.
    """

    recording: Recording
    truth: pd.DataFrame
    spectra: list[Spectrum] = field(default_factory=list)
    cell: CyclingCell = field(default_factory=CyclingCell)
    contact_growth_start: int | None = None


def _check(name: str, value: float, *, positive: bool) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} = {value!r}; expected a number") from None
    if not np.isfinite(v) or (v <= 0 if positive else v < 0):
        raise InputError(
            f"{name} = {value!r}; expected a finite number {'>' if positive else '>='} 0"
        )
    return v


class _Model:
    """The cell in one cycle: tabulated OCV (cell voltage) and the element state."""

    def __init__(self, cell: CyclingCell) -> None:
        self.cell = cell
        self.xg = np.linspace(_X_LO, _X_HI, 4161)
        self.vg = cell.ocv(self.xg) - cell.counter_potential_V
        self.sg = np.gradient(self.vg, self.xg)
        self.q = 0.0  # electrode charge [A h]
        self.v = np.zeros(3)  # element voltages [V]
        self.t = 0.0
        self.passed = 0.0  # net charge through the terminals [A h]
        self.set_cycle(1)

    def set_cycle(self, k: int) -> None:
        """Parameters of cycle ``k``; the SOC fraction carries over (material lost with
        the fading capacity takes its share of the charge with it)."""
        cap = float(self.cell.capacity(k))
        if hasattr(self, "cap"):
            self.q *= cap / self.cap
        self.k, self.cap = k, cap
        self.r, self.tau = self.cell.elements(k)

    def ocv(self, x: np.ndarray | float) -> np.ndarray:
        return np.interp(x, self.xg, self.vg)

    def eta(self, i: float) -> float:
        """Share of the current that charges the electrode."""
        return 1.0 - self.cell.side_reaction if i > 0 else 1.0

    def volts(self, t: np.ndarray, i: float) -> np.ndarray:
        """Voltage [V] at times ``t`` after now under constant current ``i``."""
        t = np.asarray(t, dtype=float)
        a = np.exp(-np.multiply.outer(t, 1.0 / self.tau))
        x = (self.q + self.eta(i) * i * t / 3600.0) / self.cap
        return (
            self.ocv(x) + self.cell.r_series_ohm * i + (self.v * a + self.r * i * (1 - a)).sum(-1)
        )

    def advance(self, dt: float, i: float) -> None:
        a = np.exp(-dt / self.tau)
        self.v = self.v * a + self.r * i * (1 - a)
        self.q += self.eta(i) * i * dt / 3600.0
        self.passed += i * dt / 3600.0
        self.t += dt


class _Log:
    def __init__(self) -> None:
        self.parts: list[tuple] = []
        self.step = 0

    def add(self, t, v, i, q, k, ns, mode, control) -> None:
        n = len(t)
        self.parts.append((t, v, np.broadcast_to(np.asarray(i, float), (n,)), q,
                           np.full(n, k), np.full(n, self.step), np.full(n, ns),
                           np.full(n, mode), np.full(n, float(control))))  # fmt: skip
        self.step += 1


def _grid(duration: float, first: float, dt: float) -> np.ndarray:
    """Sample times after a step start: ``first``, every ``dt``, up to ``duration``."""
    g = np.arange(dt, duration, dt) if duration > dt else np.empty(0)
    g = g[g > first]
    return np.r_[first, g] if first < duration else np.empty(0)


def _rest(m: _Model, log: _Log, duration: float, ns: int, first: float, dt: float) -> None:
    tt = np.r_[_grid(duration, first, dt), duration]
    v = m.volts(tt, 0.0)
    log.add(m.t + tt, v, 0.0, np.full(len(tt), m.passed), m.k, ns, MODE_REST, 0.0)
    m.advance(duration, 0.0)


def _cc(m: _Model, log: _Log, i: float, limit: float, ns: int, first: float, dt: float,
        where: str) -> None:  # fmt: skip
    x0 = m.q / m.cap
    x_end = _X_HI if i > 0 else _X_LO
    t_max = (x_end - x0) * m.cap * 3600.0 / (m.eta(i) * i)
    if t_max <= first:
        raise InputError(f"{where}: the state of charge is already at the end of the OCV table")
    tt = np.r_[_grid(t_max, first, dt), t_max]
    past = (m.volts(tt, i) - limit) * np.sign(i) >= 0
    if not past.any():
        raise InputError(
            f"{where}: the voltage limit {limit:g} V is not reached within 2 % of SOC beyond "
            "the OCV table; expected a limit inside the cell's voltage range"
        )
    k = int(np.argmax(past))
    lo = tt[k - 1] if k > 0 else 0.0
    if k == 0 and (float(m.volts(1e-12, i)) - limit) * np.sign(i) >= 0:
        raise InputError(f"{where}: the voltage limit {limit:g} V is reached as the step starts")
    t_end = brentq(lambda s: float(m.volts(s, i)) - limit, lo, tt[k], xtol=1e-9, rtol=1e-12)
    ts = np.r_[tt[:k], t_end]
    log.add(m.t + ts, m.volts(ts, i), i, m.passed + i * ts / 3600.0, m.k, ns, MODE_CC, i)
    m.advance(t_end, i)


def _cv(m: _Model, log: _Log, v_set: float, i_cut: float, ns: int, first: float, dt_max: float,
        max_s: float) -> float:  # fmt: skip
    """Hold ``v_set`` until |I| <= ``i_cut``; the charge it passed [A h]."""
    cell = m.cell
    r_s = cell.r_series_ohm
    r, tau = [float(x) for x in m.r], [float(x) for x in m.tau]
    v = [float(x) for x in m.v]
    xg, vg, sg = m.xg, m.vg, m.sg
    q, t, passed, q0 = m.q, 0.0, m.passed, m.passed
    dt = first
    ts, vs, is_, qs = [], [], [], []
    while t < max_s:
        a = [math.exp(-dt / tj) for tj in tau]
        x = q / m.cap
        ocv = float(np.interp(x, xg, vg))
        slope = float(np.interp(x, xg, sg))
        eta = 1.0 - cell.side_reaction
        num = v_set - ocv - sum(vj * aj for vj, aj in zip(v, a, strict=True))
        den = r_s + sum(rj * (1 - aj) for rj, aj in zip(r, a, strict=True))
        den += slope * eta * dt / (3600.0 * m.cap)
        i = num / den
        v = [vj * aj + rj * i * (1 - aj) for vj, aj, rj in zip(v, a, r, strict=True)]
        q += eta * i * dt / 3600.0
        passed += i * dt / 3600.0
        t += dt
        ts.append(t)
        is_.append(i)
        qs.append(passed)
        vs.append(float(np.interp(q / m.cap, xg, vg)) + r_s * i + sum(v))
        if i <= i_cut:
            break
        dt = min(dt * _CV_GROWTH, dt_max)
    log.add(m.t + np.array(ts), np.array(vs), np.array(is_), np.array(qs), m.k, ns, MODE_CV,
            v_set)  # fmt: skip
    m.v, m.q, m.passed, m.t = np.array(v), q, passed, m.t + t
    return passed - q0


def simulate_cycling(
    n_cycles: int = 20,
    cell: CyclingCell | None = None,
    *,
    c_rate: float = 0.5,
    discharge_c_rate: float | None = None,
    v_max: float = 3.68,
    v_min: float = 2.88,
    cv_cutoff_c_rate: float | None = None,
    rest_s: float = 600.0,
    soc0: float = 0.02,
    record_dt_s: float = 30.0,
    first_sample_s: float = 1e-3,
    spectra: bool = False,
    freq_hz: Sequence[float] | np.ndarray | None = None,
    noise: NoiseModel = QUIET,
    seed: int | np.random.Generator | None = 0,
) -> CyclingSim:
    """Simulate ``n_cycles`` galvanostatic cycles of ``cell`` (module docstring).

    Parameters
    ----------
    n_cycles
        Number of cycles (1 ... 100000).
    cell
        The model; default :class:`CyclingCell` () -- no ageing.
    c_rate, discharge_c_rate
        Charge and discharge C-rates (relative to cycle 1's capacity); the discharge
        rate defaults to the charge rate.
    v_max, v_min
        Upper and lower cut-off of the recorded (cell) voltage [V].
    cv_cutoff_c_rate
        With a value, each charge ends with a CV hold at ``v_max`` until the current has
        fallen to this C-rate; None: CC only.
    rest_s
        Rest after each charge and each discharge, and at the start [s].
    soc0
        Initial state of charge (fraction of the capacity), relaxed.
    record_dt_s, first_sample_s
        Sampling: every ``record_dt_s`` [s] after a step start, and first at
        ``first_sample_s`` [s] (what a resistance from the step's voltage jump sees).
    spectra
        Take a spectrum at rest after every cycle.
    freq_hz
        Its frequencies [Hz]; default 1 MHz to 1 Hz, 8 per decade.
    noise, seed
        Voltage, current and impedance noise (:class:`~ohmslice.simulate.noise.NoiseModel`)
        and its seed.

    Returns
    -------
    CyclingSim

    Raises
    ------
    InputError
        A parameter out of range (named); a limit the cell cannot reach.
    """
    cell = CyclingCell() if cell is None else cell
    if not isinstance(cell, CyclingCell):
        raise InputError(f"cell: expected a CyclingCell, got {type(cell).__name__}")
    if int(n_cycles) != n_cycles or not 1 <= n_cycles <= 100_000:
        raise InputError(f"n_cycles = {n_cycles!r}; expected a whole number 1 ... 100000")
    c_ch = _check("c_rate", c_rate, positive=True)
    c_dis = c_ch if discharge_c_rate is None else _check("discharge_c_rate", discharge_c_rate,
                                                          positive=True)  # fmt: skip
    for name, val in (("rest_s", rest_s), ("record_dt_s", record_dt_s),
                      ("first_sample_s", first_sample_s)):  # fmt: skip
        _check(name, val, positive=True)
    if first_sample_s >= record_dt_s:
        raise InputError(f"first_sample_s = {first_sample_s}; expected < record_dt_s")
    if not v_min < v_max:
        raise InputError(f"v_min = {v_min}, v_max = {v_max}; expected v_min < v_max")
    if not 0 <= soc0 <= 1:
        raise InputError(f"soc0 = {soc0!r}; expected a fraction in [0, 1]")
    i_cut = None
    if cv_cutoff_c_rate is not None:
        i_cut = _check("cv_cutoff_c_rate", cv_cutoff_c_rate, positive=True) * cell.capacity_Ah
        if i_cut >= c_ch * cell.capacity_Ah:
            raise InputError(f"cv_cutoff_c_rate = {cv_cutoff_c_rate}; expected < c_rate")
    f = np.logspace(6, 0, 49) if freq_hz is None else np.asarray(freq_hz, dtype=float)
    if spectra and (f.ndim != 1 or f.size < 5 or not np.all(np.isfinite(f) & (f > 0))):
        raise InputError("freq_hz: expected at least 5 finite frequencies > 0 Hz")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    m = _Model(cell)
    m.q = soc0 * m.cap
    log = _Log()
    i_ch, i_dis = c_ch * cell.capacity_Ah, -c_dis * cell.capacity_Ah
    rows, specs = [], []
    _rest(m, log, rest_s, 0, first_sample_s, record_dt_s)
    first, dt = first_sample_s, record_dt_s
    for k in range(1, int(n_cycles) + 1):
        m.set_cycle(k)
        t0, p0 = m.t, m.passed
        where = f"cycle {k}"
        _cc(m, log, i_ch, v_max, 1, first, dt, f"{where}, charge")
        cv = 0.0
        if i_cut is not None:
            cv = _cv(m, log, v_max, i_cut, 2, first, dt, 100 * 3600.0 / c_ch)
        ch = m.passed - p0
        _rest(m, log, rest_s, 3, first, dt)
        p1 = m.passed
        _cc(m, log, i_dis, v_min, 4, first, dt, f"{where}, discharge")
        dis = p1 - m.passed
        _rest(m, log, rest_s, 5, first, dt)
        r, tau = m.r, m.tau
        spec_t = np.nan
        if spectra:
            fs = np.sort(f)[::-1]  # measured from the highest frequency down
            z = noise.impedance(cell.impedance(fs, k), rng)
            t_pts = m.t + np.cumsum(2.0 / fs + 0.1)
            spec_t = float(t_pts[0])
            df = pd.DataFrame({"freq_Hz": fs, "z_real_ohm": z.real, "z_imag_ohm": z.imag,
                               "time_s": t_pts, "cycle": k})  # fmt: skip
            specs.append(Spectrum(df, {"technique": "PEIS", "format": "simulated",
                                       "settings": {"cycle": k}}))  # fmt: skip
            # the pause the spectrum takes: a rest whose end is recorded
            pause = float(t_pts[-1] - m.t) + 0.1
            log.add(np.array([m.t + pause]), m.volts(np.array([pause]), 0.0), 0.0,
                    np.array([m.passed]), k, 5, MODE_REST, 0.0)  # fmt: skip
            m.advance(pause, 0.0)
        rows.append({
            "cycle": k, "capacity_Ah": m.cap, "charge_mAh": 1e3 * ch, "discharge_mAh": 1e3 * dis,
            "charge_cv_mAh": 1e3 * cv, "ce_pct": 100 * dis / ch,
            "r_series_ohm": cell.r_series_ohm, "r_contact_ohm": float(r[0]),
            "r_ct_ohm": float(r[1]), "r_diff_ohm": float(r[2]),
            "r_step_ohm": cell.r_series_ohm + float((r * (1 - np.exp(-first / tau))).sum()),
            "first_sample_s": first, "t_start_s": t0, "t_end_s": m.t,
            "spectrum_time_s": spec_t,
        })  # fmt: skip

    cols = list(zip(*log.parts, strict=True))
    t, v, i, q, cyc, step, ns, mode, control = (np.concatenate(c) for c in cols)
    df = pd.DataFrame({
        TIME: t, VOLTAGE: noise.voltage(v, rng), CURRENT: noise.current(i, rng),
        STEP: step, CYCLE: cyc, CHARGE: q, "ns": ns, "mode": mode, "control": control,
    })  # fmt: skip
    meta = {
        "source": None, "format": "simulated", "instrument": "ohmslice.simulate",
        "technique": "GCPL",
        "settings": {"capacity_Ah": cell.capacity_Ah, "cell": "cycling"},
    }  # fmt: skip
    return CyclingSim(Recording(df, meta), pd.DataFrame(rows), specs, cell,
                      cell.contact_growth_start)  # fmt: skip


def write_cycling(
    sim: CyclingSim, folder: str | PathLike[str], *, decimal: str = "."
) -> list[Path]:
    """Write ``sim`` as EC-Lab text exports into ``folder`` (created if absent):
    ``cycling.mpt`` (GCPL) and, with spectra, ``eis_cycle_NNNN.mpt`` (PEIS) per cycle.
    Returns the paths written (each written atomically)."""
    from .writers import write_mpt, write_mpt_spectrum

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = [write_mpt(sim.recording, out / "cycling.mpt", technique="GCPL", decimal=decimal)]
    for s in sim.spectra:
        k = int(s.data["cycle"].iloc[0])
        paths.append(
            write_mpt_spectrum(
                s, out / f"eis_cycle_{k:04d}.mpt", decimal=decimal,
                start_time_s=float(s.data["time_s"].min()) - 2.0 / s.freq.max() - 0.1,
            )
        )  # fmt: skip
    return paths
