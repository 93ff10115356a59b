"""Current programmes: constant current, constant voltage, rest, repeats, and the usual
protocols built from them (CC-CV charge, GITT, HPPC, rate tests).

Steps are small frozen dataclasses; a programme is a list of steps and
:class:`Repeat` blocks. Signs follow :mod:`ohmslice.schema`: current > 0 charges the
cathode. Voltages are the *recorded* cell voltages (cathode vs counter electrode); the
builders take limits vs Li/Li+ and convert them with the cell's counter potential.

Each step also carries the instrument's recording criteria (EC-Lab's ``dt`` and ``dE``
for CC and rest steps, ``dt`` and ``dI`` for CV steps), see :mod:`ohmslice.simulate.run`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .cell import CellModel

__all__ = [
    "CC",
    "CV",
    "Rest",
    "Repeat",
    "Step",
    "Programme",
    "cc_cv_charge",
    "cc_cv_discharge",
    "gitt",
    "hppc",
    "rate_step",
]


@dataclass(frozen=True)
class CC:
    """Constant current ``current_A`` [A] for ``duration_s`` [s] or until a voltage limit.

    ``v_min`` / ``v_max`` [V] end the step when the voltage reaches them (recorded cell
    voltage). With no duration, at least the limit in the direction of the current is
    required. ``record_dt_s`` / ``record_dE_V``: record every dt and whenever the
    voltage moved by dE (``inf``: on the clock only, the first record dt after the start).
    """

    current_A: float
    duration_s: float = np.inf
    v_min: float | None = None
    v_max: float | None = None
    record_dt_s: float = 1.0
    record_dE_V: float = 1e-3
    label: str = "CC"


@dataclass(frozen=True)
class CV:
    """Constant voltage ``voltage_V`` [V] until |I| <= ``i_cutoff_A`` or ``duration_s``."""

    voltage_V: float
    i_cutoff_A: float = 0.0
    duration_s: float = np.inf
    record_dt_s: float = 10.0
    record_dI_A: float = 1e-5
    label: str = "CV"


@dataclass(frozen=True)
class Rest:
    """Open circuit for ``duration_s`` [s]."""

    duration_s: float
    record_dt_s: float = 10.0
    record_dE_V: float = 1e-3
    label: str = "rest"


Step = CC | CV | Rest


@dataclass(frozen=True)
class Repeat:
    """Repeat ``steps`` ``times`` times, or (``times=None``) until a step ends on a
    voltage limit; the iteration in which that happens is finished (its remaining steps,
    e.g. the rest after the last GITT pulse, still run). ``max_times`` bounds the
    open-ended form. Each iteration increments the recorded cycle number."""

    steps: tuple[Step, ...]
    times: int | None = None
    max_times: int = 100_000


Programme = Sequence[Step | Repeat]


def _positive(name: str, value: float) -> float:
    v = float(value)
    if not (np.isfinite(v) and v > 0):
        raise InputError(f"{name} = {value!r}; expected a finite number > 0")
    return v


def _criterion(name: str, value: float) -> float:
    """A change criterion of the recording: > 0, or inf for none (the clock only)."""
    v = float(value)
    if not v > 0:
        raise InputError(f"{name} = {value!r}; expected a number > 0 (inf: no such criterion)")
    return v


def check_programme(programme: Programme) -> None:
    """Raise InputError for a programme that cannot run (before anything is simulated).

    Checks: known step types; finite, positive durations where no other end exists; a
    CC step without duration has a limit in the direction of its current; CV cut-off
    >= 0 and some end; rests finite; recording criteria > 0; Repeat counts >= 1.
    """
    if isinstance(programme, (CC, CV, Rest, Repeat)):
        programme = [programme]
    if len(programme) == 0:
        raise InputError("programme is empty; expected at least one step")
    for i, step in enumerate(programme):
        where = f"programme step {i} ({type(step).__name__})"
        if isinstance(step, Repeat):
            if step.times is not None and int(step.times) < 1:
                raise InputError(f"{where}: times = {step.times}; expected >= 1 or None")
            if len(step.steps) == 0:
                raise InputError(f"{where}: no steps to repeat")
            if step.times is None and not any(
                isinstance(s, CC) and (s.v_min is not None or s.v_max is not None)
                for s in step.steps
            ):
                raise InputError(
                    f"{where}: open-ended repeat needs a CC step with a voltage limit to end it"
                )
            check_programme(list(step.steps))
            continue
        if isinstance(step, CC):
            if not np.isfinite(step.current_A):
                raise InputError(f"{where}: current {step.current_A!r} is not finite")
            if not np.isfinite(step.duration_s):
                limit = step.v_max if step.current_A > 0 else step.v_min
                if step.current_A == 0 or limit is None:
                    raise InputError(
                        f"{where}: no duration and no voltage limit in the direction of the "
                        f"current ({step.current_A:g} A); the step would never end"
                    )
            else:
                _positive(f"{where}: duration_s", step.duration_s)
            if step.v_min is not None and step.v_max is not None and step.v_min >= step.v_max:
                raise InputError(f"{where}: v_min {step.v_min} >= v_max {step.v_max}")
            _positive(f"{where}: record_dt_s", step.record_dt_s)
            _criterion(f"{where}: record_dE_V", step.record_dE_V)
        elif isinstance(step, CV):
            if not np.isfinite(step.voltage_V):
                raise InputError(f"{where}: voltage {step.voltage_V!r} is not finite")
            if step.i_cutoff_A < 0 or not np.isfinite(step.i_cutoff_A):
                raise InputError(f"{where}: i_cutoff_A = {step.i_cutoff_A!r}; expected >= 0")
            if not np.isfinite(step.duration_s) and step.i_cutoff_A <= 0:
                raise InputError(f"{where}: needs a current cut-off > 0 or a finite duration")
            if np.isfinite(step.duration_s):
                _positive(f"{where}: duration_s", step.duration_s)
            _positive(f"{where}: record_dt_s", step.record_dt_s)
            _positive(f"{where}: record_dI_A", step.record_dI_A)
        elif isinstance(step, Rest):
            _positive(f"{where}: duration_s", step.duration_s)
            _positive(f"{where}: record_dt_s", step.record_dt_s)
            _criterion(f"{where}: record_dE_V", step.record_dE_V)
        else:
            raise InputError(f"{where}: unknown step type; expected CC, CV, Rest or Repeat")


# --- builders ---------------------------------------------------------------------------


def _c_rate(cell: CellModel, c_rate: float) -> float:
    return _positive("C-rate", c_rate) * cell.one_c_A


def cc_cv_charge(
    cell: CellModel,
    c_rate: float = 0.1,
    v_max_vs_li: float = 4.35,
    cutoff_c_rate: float = 0.02,
    *,
    record_dt_s: float = 10.0,
    record_dE_V: float = 5e-3,
) -> list[Step]:
    """CC charge at ``c_rate`` to ``v_max_vs_li``, then CV there until I <= cutoff."""
    i = _c_rate(cell, c_rate)
    v = cell.to_cell_voltage(v_max_vs_li)
    return [
        CC(i, v_max=v, record_dt_s=record_dt_s, record_dE_V=record_dE_V, label="CC charge"),
        CV(v, _c_rate(cell, cutoff_c_rate), record_dt_s=record_dt_s,
           record_dI_A=0.01 * i, label="CV charge"),
    ]  # fmt: skip


def cc_cv_discharge(
    cell: CellModel,
    c_rate: float = 0.1,
    v_min_vs_li: float = 3.0,
    cutoff_c_rate: float = 0.02,
    *,
    record_dt_s: float = 10.0,
    record_dE_V: float = 5e-3,
) -> list[Step]:
    """CC discharge at ``c_rate`` to ``v_min_vs_li``, then CV there until |I| <= cutoff."""
    i = _c_rate(cell, c_rate)
    v = cell.to_cell_voltage(v_min_vs_li)
    return [
        CC(-i, v_min=v, record_dt_s=record_dt_s, record_dE_V=record_dE_V, label="CC discharge"),
        CV(v, _c_rate(cell, cutoff_c_rate), record_dt_s=record_dt_s,
           record_dI_A=0.01 * i, label="CV discharge"),
    ]  # fmt: skip


def rate_step(
    cell: CellModel,
    c_rate: float,
    direction: str,
    *,
    v_min_vs_li: float = 3.0,
    v_max_vs_li: float = 4.35,
    record_dt_s: float | None = None,
    record_dE_V: float = 5e-3,
) -> CC:
    """One CC charge (``direction="charge"``) or discharge at ``c_rate`` to the voltage limit.

    ``record_dt_s`` defaults to 36 s / C-rate (100 points per nominal capacity).
    """
    i = _c_rate(cell, c_rate)
    dt = record_dt_s if record_dt_s is not None else 36.0 / c_rate
    if direction == "charge":
        return CC(i, v_max=cell.to_cell_voltage(v_max_vs_li), record_dt_s=dt,
                  record_dE_V=record_dE_V, label=f"{c_rate:g}C charge")  # fmt: skip
    if direction == "discharge":
        return CC(-i, v_min=cell.to_cell_voltage(v_min_vs_li), record_dt_s=dt,
                  record_dE_V=record_dE_V, label=f"{c_rate:g}C discharge")  # fmt: skip
    raise InputError(f"direction {direction!r}; expected 'charge' or 'discharge'")


def gitt(
    cell: CellModel,
    c_rate: float = 0.5,
    pulse_s: float = 72.0,
    rest_s: float = 5000.0,
    *,
    direction: str = "discharge",
    n_pulses: int | None = None,
    v_min_vs_li: float = 3.0,
    v_max_vs_li: float = 4.35,
    pulse_dt_s: float = 1.0,
    pulse_dE_V: float = 1e-3,
    rest_dt_s: float = 60.0,
    rest_dE_V: float = 1e-3,
) -> Repeat:
    """GITT: repeat {CC pulse of ``c_rate`` for ``pulse_s``, rest ``rest_s``}.

    With ``n_pulses=None`` the pulses continue until one reaches the voltage limit
    (then its rest still runs). The reference paper's protocol is the default: 0.5C x 72 s
    (1 % of the nominal capacity) with 5000 s rests, discharging to 3.0 V vs Li.
    """
    i = _c_rate(cell, c_rate)
    if direction == "discharge":
        pulse = CC(-i, pulse_s, v_min=cell.to_cell_voltage(v_min_vs_li),
                   record_dt_s=pulse_dt_s, record_dE_V=pulse_dE_V, label="pulse")  # fmt: skip
    elif direction == "charge":
        pulse = CC(i, pulse_s, v_max=cell.to_cell_voltage(v_max_vs_li),
                   record_dt_s=pulse_dt_s, record_dE_V=pulse_dE_V, label="pulse")  # fmt: skip
    else:
        raise InputError(f"direction {direction!r}; expected 'charge' or 'discharge'")
    rest = Rest(rest_s, record_dt_s=rest_dt_s, record_dE_V=rest_dE_V)
    return Repeat((pulse, rest), times=n_pulses)


def hppc(
    cell: CellModel,
    c_rate: float = 1.0,
    pulse_s: float = 10.0,
    pulse_rest_s: float = 40.0,
    soc_step_pct: float = 10.0,
    rest_s: float = 3600.0,
    *,
    n_blocks: int = 9,
    step_c_rate: float = 0.5,
    v_min_vs_li: float = 3.0,
    v_max_vs_li: float = 4.35,
) -> Repeat:
    """HPPC: per block, a discharge pulse, rest, charge pulse, then discharge of
    ``soc_step_pct`` at ``step_c_rate`` and a long rest; ``n_blocks`` blocks."""
    i = _c_rate(cell, c_rate)
    i_step = _c_rate(cell, step_c_rate)
    lo, hi = cell.to_cell_voltage(v_min_vs_li), cell.to_cell_voltage(v_max_vs_li)
    step_s = (
        _positive("soc_step_pct", soc_step_pct) / 100.0 * cell.nominal_capacity_Ah * 3600 / i_step
    )
    return Repeat(
        (
            CC(-i, pulse_s, v_min=lo, v_max=hi, record_dt_s=0.1, label="discharge pulse"),
            Rest(pulse_rest_s, record_dt_s=1.0, label="pulse rest"),
            CC(i, pulse_s, v_min=lo, v_max=hi, record_dt_s=0.1, label="charge pulse"),
            Rest(pulse_rest_s, record_dt_s=1.0, label="pulse rest"),
            CC(-i_step, step_s, v_min=lo, record_dt_s=10.0, label="SOC step"),
            Rest(rest_s, record_dt_s=30.0, label="rest"),
        ),
        times=n_blocks,
    )
