"""Time-domain simulation of a current programme on a :class:`~.cell.CellModel`.

The half cell's voltage is V = OCV(x) - E_counter + r0 I + sum_k v_k, where r0 is the
series resistance and v_k the voltages of the RC elements of the cell's RC expansion
(:mod:`ohmslice.simulate.rc`; CPE and Warburg elements become ~260 RC elements).

Integration is exact for piecewise-constant current. Over an interval of constant I,
every element relaxes as

    v_k(t0 + dt) = v_k(t0) e^(-dt/tau_k) + R_k I (1 - e^(-dt/tau_k)),

evaluated for all sample times and all elements at once (one matrix of exponentials),
and the state of charge moves linearly, x(t) = x(t0) + I (t - t0) / Q, so OCV(x(t)) is
exact too. The parameters depend on SOC; they are evaluated at the middle SOC of
each *chunk* of a step and held there -- a step is cut into chunks of at most
``max_soc_step`` (1 % SOC) and at most ``max_r_change`` (2 %) change of the cell's DC
resistance, so a 72 s GITT pulse at 0.5C (1 % SOC) is one chunk where the resistance
is flat (its response is then exactly the circuit's linear step response at the pulse's
middle SOC) and a few chunks where it is steep (low SOC). The element voltages carry
over from chunk to chunk (the overpotential is continuous; its series part steps with
the parameters by at most ~2 %).

* **CC and rest** steps are evaluated on an event-driven grid of candidate times: 40
  per decade from 100 us after the step starts (dense right after the current change)
  plus every ``record_dt_s``. A voltage limit ends a CC step at the exact crossing
  (Brent's method on the closed-form V(t) between the bracketing candidates).
* **CV** steps solve for the current each time step: with I constant over [t, t+dt],
  V(t+dt) is linear in I (the OCV through its slope), so
  I = (V_set - OCV(x) - sum v_k a_k) / (r0 + sum R_k (1 - a_k) + OCV'(x) dt / Q),
  a_k = e^(-dt/tau_k), with dt growing geometrically from 100 us to 2 s. This is the one
  time-marching loop (a few hundred to a few thousand iterations per CV step), each
  iteration vectorised over the elements.

Recording follows EC-Lab's criteria (:mod:`~ohmslice.simulate.sampling`): a candidate
point is recorded when ``record_dt_s`` has elapsed (it lies on a new multiple of dt since
the step start) or the voltage has moved into a new ``record_dE_V`` band since the step
start (CV: the current into a new ``record_dI_A`` band); the first point (100 us after
the step change) and the last point of every step are always recorded. The criteria are applied to the noise-free
signal; noise (:mod:`ohmslice.simulate.noise`) is added to the recorded points.

Bad programmes raise :class:`~ohmslice.errors.InputError` before any integration:
see :func:`ohmslice.simulate.programme.check_programme`; at run time a step whose
voltage limit is already reached before it starts, or that would drive the SOC more
than 2 % beyond the OCV table, raises too (the caller writes nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from ..errors import InputError
from ..schema import CHARGE, CURRENT, CYCLE, STEP, TIME, VOLTAGE, Recording
from .cell import CellModel
from .noise import QUIET, NoiseModel
from .programme import CC, CV, Programme, Repeat, Rest, Step, check_programme
from .sampling import FIRST_SAMPLE_S, candidate_grid, record_mask

__all__ = ["simulate", "SimResult", "State", "FIRST_SAMPLE_S"]

#: SOC tolerance beyond the OCV table before a step is refused (fraction).
SOC_MARGIN = 0.02
CV_DT_MAX_S = 2.0
CV_DT_GROWTH = 1.15

MODE_CC, MODE_CV, MODE_REST = 1, 2, 3


@dataclass
class State:
    """Cell state: time [s], SOC fraction x, RC element voltages [V]."""

    t: float
    x: float
    v: np.ndarray


@dataclass
class _Chain:
    r0: float
    r: np.ndarray
    tau: np.ndarray

    @property
    def r_sum(self) -> float:
        return float(self.r0 + self.r.sum())


@dataclass
class _StepOut:
    t: np.ndarray  # absolute times of candidates
    v: np.ndarray
    i: np.ndarray
    x: np.ndarray
    keep: np.ndarray  # recorded candidates
    end_reason: str


@dataclass
class SimResult:
    """What :func:`simulate` returns.

    Attributes
    ----------
    recording
        The recorded data as a :class:`~ohmslice.schema.Recording` (canonical columns
        plus ``ns`` (sequence number of the step in the programme, repeats
        reusing theirs, as EC-Lab's Ns), ``mode`` (1 CC, 2 CV, 3 rest) and
        ``control`` (set current [A] or voltage [V])), noise included.
    steps
        One row per executed step: ``step``, ``cycle``, ``ns``, ``kind``, ``label``,
        ``t_start_s``, ``t_end_s``, ``current_A`` (set current; NaN for CV),
        ``x_start``, ``x_end``, ``x_param`` (SOC fraction at which a single-chunk step's
        parameters were evaluated; NaN for several chunks), ``chunks`` (number of
        parameter chunks; 0 for CV), ``v_start_V`` (voltage just before the step),
        ``v_end_V``, ``end_reason`` (``duration``, ``v_min``, ``v_max``, ``i_cutoff``).
    soc
        True SOC fraction x at every recorded row.
    state
        Final state.
    """

    recording: Recording
    steps: pd.DataFrame
    soc: np.ndarray
    state: State
    cell: CellModel
    start_states: list[State] = field(repr=False, default_factory=list)
    max_soc_step: float = 0.01
    max_r_change: float = 0.02
    plans: list[list[tuple[float, float, float]]] = field(repr=False, default_factory=list)

    def step_voltage(self, step: int, t_rel: np.ndarray) -> np.ndarray:
        """Noise-free voltage [V] of CC/rest step ``step`` at times ``t_rel`` [s] after its
        start, replaying the step's parameter chunks exactly (same numbers as recorded)."""
        row = self.steps.iloc[step]
        if row["kind"] not in ("CC", "rest"):
            raise InputError(f"step {step} is a {row['kind']} step; expected CC or rest")
        eng = _Engine(self.cell, self.max_soc_step, self.max_r_change)
        st = self.start_states[step]
        i = 0.0 if row["kind"] == "rest" else float(row["current_A"])
        t_rel = np.asarray(t_rel, dtype=float)
        t_total = float(row["t_end_s"] - row["t_start_s"])
        plan = self.plans[step] if step < len(self.plans) and self.plans[step] else None
        v, _, _ = eng.cc_eval(State(st.t, st.x, st.v.copy()), i, t_rel, t_total, plan)
        return v


class _Engine:
    def __init__(self, cell: CellModel, max_soc_step: float, max_r_change: float) -> None:
        self.cell = cell
        self.q = cell.capacity_C
        self.max_soc_step = max_soc_step
        self.max_r_change = max_r_change
        self.e_counter = cell.counter_potential_V
        # cumulative variation of ln(DC resistance) along x, to place chunk edges
        xg = np.linspace(-SOC_MARGIN, 1.0 + SOC_MARGIN, 2081)
        r_el = cell.electrode.dc_resistance_ohm_cm2(100.0 * xg) / cell.area_cm2
        r_dc = cell.r_sep_ohm + cell.r_counter_ohm + r_el
        lvar = np.concatenate([[0.0], np.cumsum(np.abs(np.diff(np.log(np.maximum(r_dc, 1e-300)))))])
        self._xg, self._lvar = xg, lvar

    def chain(self, x: float) -> _Chain:
        ch = self.cell.half_cell_chain(100.0 * x)
        return _Chain(ch.r0, ch.r, ch.tau)

    def ocv(self, x: np.ndarray) -> np.ndarray:
        return self.cell.ocv(x) - self.e_counter

    def chunk_bounds(self, x0: float, i: float, t_total: float) -> np.ndarray:
        """Chunk edges [s] of a constant-current interval: at most ``max_soc_step`` of SOC
        and at most ``max_r_change`` relative change of the DC resistance per chunk."""
        if i == 0.0 or not np.isfinite(t_total):
            return np.array([0.0, t_total])
        dx = i * t_total / self.q
        n = max(1, int(np.ceil(abs(dx) / self.max_soc_step - 1e-9)))
        u = [np.linspace(0.0, 1.0, n + 1)]
        x1 = x0 + dx
        l0, l1 = np.interp([x0, x1], self._xg, self._lvar)
        m = int(np.floor(abs(l1 - l0) / self.max_r_change))
        if m > 0:
            levels = l0 + np.sign(l1 - l0) * self.max_r_change * np.arange(1, m + 1)
            # _lvar is non-decreasing: invert it on its strictly increasing part
            keep = np.r_[True, np.diff(self._lvar) > 0]
            xs = np.interp(levels, self._lvar[keep], self._xg[keep])
            u.append((xs - x0) / dx)
        edges = np.unique(np.clip(np.concatenate(u), 0.0, 1.0))
        edges = edges[np.r_[True, np.diff(edges) > 1e-9]]
        edges[-1] = 1.0
        return edges * t_total

    def cc_eval(
        self,
        st: State,
        i: float,
        t_rel: np.ndarray,
        t_total: float,
        plan: list[tuple[float, float, float]] | None = None,
    ) -> tuple[np.ndarray, State, list[tuple[float, float, _Chain, float, np.ndarray, float]]]:
        """Voltages at ``t_rel`` (sorted, within [0, t_total]) under constant current ``i``
        from ``st``; returns (V, state at t_total, chunks), each chunk being (start, end,
        chain, x at start, element voltages at start, x of the parameters). ``plan``
        [(start, end, x of the parameters), ...] replays a step exactly."""
        if plan is None:
            bounds = self.chunk_bounds(st.x, i, t_total)
            x_at = st.x + i * bounds / self.q
            plan = [
                (bounds[j], bounds[j + 1], 0.5 * (x_at[j] + x_at[j + 1]))
                for j in range(bounds.size - 1)
            ]
        out = np.empty(t_rel.size)
        x, v = st.x, st.v
        chunks = []
        # chunk of each time: (b0, b1], the first one closed, times outside go to the ends
        which = np.clip(np.searchsorted([c[0] for c in plan], t_rel, side="left") - 1, 0, None)
        for j, (b0, b1, xp) in enumerate(plan):
            sel = which == j
            ch = self.chain(xp)
            chunks.append((b0, b1, ch, x, v, xp))
            out[sel] = self._voltage(ch, x, v, i, t_rel[sel] - b0)
            x, v = self._advance(ch, x, v, i, b1 - b0)
        return out, State(st.t + plan[-1][1] if plan else st.t, x, v), chunks

    def _voltage(self, ch: _Chain, x: float, v: np.ndarray, i: float, dt: np.ndarray) -> np.ndarray:
        e = np.exp(-dt[:, None] / ch.tau)
        eta = ch.r_sum * i + e @ (v - ch.r * i)
        return self.ocv(x + i * dt / self.q) + eta

    def _advance(
        self, ch: _Chain, x: float, v: np.ndarray, i: float, dt: float
    ) -> tuple[float, np.ndarray]:
        a = np.exp(-dt / ch.tau)
        return x + i * dt / self.q, v * a + ch.r * i * (1.0 - a)

    # --- steps ------------------------------------------------------------------------------
    def run_cc(self, st: State, step: CC | Rest, where: str) -> tuple[_StepOut, State, float]:
        i = float(step.current_A) if isinstance(step, CC) else 0.0
        v_min = getattr(step, "v_min", None)
        v_max = getattr(step, "v_max", None)
        v_before = float(self.ocv(st.x) + st.v.sum() + 0.0)
        if i < 0 and v_min is not None and v_before <= v_min:
            raise InputError(
                f"{where}: voltage {v_before:.4f} V is already at or below the limit "
                f"v_min = {v_min:.4f} V before the discharge starts (cut-off already reached)"
            )
        if i > 0 and v_max is not None and v_before >= v_max:
            raise InputError(
                f"{where}: voltage {v_before:.4f} V is already at or above the limit "
                f"v_max = {v_max:.4f} V before the charge starts (cut-off already reached)"
            )
        duration = float(step.duration_s)
        x_bound = (1.0 + SOC_MARGIN) if i > 0 else -SOC_MARGIN
        t_bound = (x_bound - st.x) * self.q / i if i != 0 else np.inf
        has_limit = (i < 0 and v_min is not None) or (i > 0 and v_max is not None)
        if np.isfinite(duration) and duration > t_bound and not has_limit:
            raise InputError(
                f"{where}: {duration:g} s at {i:g} A would take the SOC to "
                f"{100 * (st.x + i * duration / self.q):.1f} %, beyond the OCV table "
                "(0-100 %); shorten the step or add a voltage limit"
            )
        t_total = min(duration, t_bound)
        grid = candidate_grid(t_total, step.record_dt_s)
        volts, end, chunks = self.cc_eval(st, i, grid, t_total)
        reason = "duration"
        hit = np.zeros(grid.size, dtype=bool)
        if i < 0 and v_min is not None:
            hit |= volts <= v_min
        if i > 0 and v_max is not None:
            hit |= volts >= v_max
        if hit.any():
            k = int(np.flatnonzero(hit)[0])
            limit = v_min if i < 0 else v_max
            reason = "v_min" if i < 0 else "v_max"
            t_lo = grid[k - 1] if k > 0 else 0.0
            starts = np.array([c[0] for c in chunks])

            def chunk_at(t: float) -> int:
                return max(int(np.searchsorted(starts, t, side="right")) - 1, 0)

            def f(t: float) -> float:
                b0, _, ch, xc, vc, _ = chunks[chunk_at(t)]
                return float(self._voltage(ch, xc, vc, i, np.array([t - b0]))[0]) - limit

            # V(t) is continuous within a chunk and may step at chunk edges: Brent's
            # method finds the root or the edge where the limit is crossed
            t_hit = (
                brentq(f, t_lo, grid[k], xtol=1e-10, rtol=1e-13)
                if f(t_lo) * f(grid[k]) < 0
                else grid[k]
            )
            j = chunk_at(t_hit)
            b0, _, ch, xc, vc, xp = chunks[j]
            grid = np.concatenate([grid[:k], [t_hit]])
            volts = np.concatenate([volts[:k], [f(t_hit) + limit]])
            x_end, v_end = self._advance(ch, xc, vc, i, t_hit - b0)
            end = State(st.t + t_hit, x_end, v_end)
            chunks = [*chunks[:j], (b0, t_hit, ch, xc, vc, xp)]
        elif t_total < duration:
            raise InputError(
                f"{where}: the voltage limit is not reached before the SOC leaves the "
                "OCV table (0-100 %); check the limit"
            )
        plan = [(c[0], c[1], c[5]) for c in chunks]
        x_rel = st.x + i * grid / self.q
        keep = record_mask(grid, volts, step.record_dt_s, step.record_dE_V)
        out = _StepOut(st.t + grid, volts, np.full(grid.size, i), x_rel, keep, reason)
        return out, end, plan

    def run_cv(self, st: State, step: CV, where: str) -> tuple[_StepOut, State, float]:
        v_set = float(step.voltage_V)
        ch = self.chain(st.x)
        x_ch = st.x
        slope = float(self.cell.ocv.slope(st.x))
        t_rel, x, v = 0.0, st.x, st.v.copy()
        dt = FIRST_SAMPLE_S
        ts, vs, is_, xs = [], [], [], []
        reason = "duration"
        i_cut = float(step.i_cutoff_A)
        while t_rel < step.duration_s:
            dt = min(dt, step.duration_s - t_rel)
            if abs(x - x_ch) > 1e-3:
                ch, x_ch = self.chain(x), x
                slope = float(self.cell.ocv.slope(x))
            a = np.exp(-dt / ch.tau)
            denom = ch.r0 + float((ch.r * (1.0 - a)).sum()) + slope * dt / self.q
            i = (v_set - float(self.ocv(x)) - float(v @ a)) / denom
            v = v * a + ch.r * i * (1.0 - a)
            x = x + i * dt / self.q
            t_rel += dt
            ts.append(t_rel)
            vs.append(float(self.ocv(x)) + ch.r0 * i + float(v.sum()))
            is_.append(i)
            xs.append(x)
            if not (-SOC_MARGIN <= x <= 1.0 + SOC_MARGIN):
                raise InputError(
                    f"{where}: CV at {v_set:.4f} V drives the SOC beyond the OCV table"
                )
            if i_cut > 0 and abs(i) <= i_cut:
                reason = "i_cutoff"
                break
            dt = min(dt * CV_DT_GROWTH, CV_DT_MAX_S)
        t_arr, i_arr = np.array(ts), np.array(is_)
        keep = record_mask(t_arr, i_arr, step.record_dt_s, step.record_dI_A)
        out = _StepOut(st.t + t_arr, np.array(vs), i_arr, np.array(xs), keep, reason)
        return out, State(st.t + t_rel, x, v), []


def simulate(
    cell: CellModel,
    programme: Programme,
    *,
    soc0: float = 0.0,
    state: State | None = None,
    noise: NoiseModel = QUIET,
    seed: int | np.random.Generator | None = 0,
    max_soc_step: float = 0.01,
    max_r_change: float = 0.02,
    technique: str = "GCPL",
) -> SimResult:
    """Simulate ``programme`` on ``cell`` and record it like the instrument would.

    Parameters
    ----------
    cell
        The half-cell model.
    programme
        Steps (:class:`~.programme.CC`, :class:`~.programme.CV`,
        :class:`~.programme.Rest`) and :class:`~.programme.Repeat` blocks.
    soc0
        Initial SOC fraction (0-1), relaxed (all element voltages 0); ignored if
        ``state`` is given.
    state
        Initial state (e.g. the final state of an earlier simulation).
    noise, seed
        Noise model and the seed (or generator) of its random numbers.
    max_soc_step, max_r_change
        A constant-current step is cut into chunks over which the parameters are held
        at their middle-SOC values: at most ``max_soc_step`` of SOC (fraction) and at
        most ``max_r_change`` relative change of the cell's DC resistance per chunk.
    technique
        Technique name stored in the recording's metadata.

    Returns
    -------
    SimResult

    Raises
    ------
    InputError
        A programme that cannot run (see :func:`~.programme.check_programme`), a limit
        already reached before its step, SOC outside the model's range.
    """
    check_programme(programme)
    if isinstance(programme, (CC, CV, Rest, Repeat)):
        programme = [programme]
    if not (np.isfinite(max_soc_step) and 0 < max_soc_step <= 0.1):
        raise InputError(f"max_soc_step = {max_soc_step!r}; expected 0 < max_soc_step <= 0.1")
    if not (np.isfinite(max_r_change) and 0 < max_r_change <= 1):
        raise InputError(f"max_r_change = {max_r_change!r}; expected 0 < max_r_change <= 1")
    eng = _Engine(cell, max_soc_step, max_r_change)
    if state is None:
        if not (np.isfinite(soc0) and 0.0 <= soc0 <= 1.0):
            raise InputError(f"initial SOC soc0 = {soc0!r}; expected a fraction in [0, 1]")
        n_el = eng.chain(soc0).r.size
        state = State(0.0, float(soc0), np.zeros(n_el))
    else:
        state = State(state.t, state.x, state.v.copy())
    outs: list[_StepOut] = []
    rows: list[dict[str, Any]] = []
    starts: list[State] = []
    plans: list[list[tuple[float, float, float]]] = []
    meta_cols: list[tuple[int, int, int, int, float]] = []  # step, cycle, ns, mode, control
    cycle = 0

    def run(step: Step, ns: int, where: str) -> str:
        nonlocal state
        starts.append(State(state.t, state.x, state.v.copy()))
        plans.append([])
        v_before = float(eng.ocv(state.x) + state.v.sum())
        if isinstance(step, CV):
            out, new, xp = eng.run_cv(state, step, where)
            kind, mode, control, i_set = "CV", MODE_CV, step.voltage_V, np.nan
        else:
            out, new, xp = eng.run_cc(state, step, where)
            is_rest = isinstance(step, Rest)
            kind = "rest" if is_rest else "CC"
            mode = MODE_REST if is_rest else MODE_CC
            i_set = 0.0 if is_rest else float(step.current_A)
            control = i_set
        k = len(outs)
        rows.append(
            {
                "step": k,
                "cycle": cycle,
                "ns": ns,
                "kind": kind,
                "label": step.label,
                "t_start_s": state.t,
                "t_end_s": new.t,
                "current_A": i_set,
                "x_start": state.x,
                "x_end": new.x,
                "x_param": xp[0][2] if len(xp) == 1 else np.nan,
                "chunks": len(xp),
                "v_start_V": v_before,
                "v_end_V": float(out.v[-1]) if out.v.size else v_before,
                "end_reason": out.end_reason,
            }
        )
        plans[-1] = xp
        outs.append(out)
        meta_cols.append((k, cycle, ns, mode, control))
        state = new
        return out.end_reason

    base = 0  # sequence number (EC-Lab's Ns) of the first step of each programme item
    for i_item, item in enumerate(programme):
        if isinstance(item, Repeat):
            n_max = item.times if item.times is not None else item.max_times
            for _ in range(n_max):
                cycle += 1
                limited = False
                for j, step in enumerate(item.steps):
                    reason = run(
                        step, base + j, f"programme step {i_item}, cycle {cycle}, step {j}"
                    )
                    limited |= reason in ("v_min", "v_max")
                if item.times is None and limited:
                    break
            base += len(item.steps)
        else:
            run(item, base, f"programme step {i_item}")
            base += 1

    res = _assemble(cell, outs, rows, meta_cols, starts, state, noise, seed, technique)
    res.max_soc_step, res.max_r_change = max_soc_step, max_r_change
    res.plans = plans
    return res


def _assemble(cell, outs, rows, meta_cols, starts, state, noise, seed, technique):
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    sizes = [int(o.keep.sum()) for o in outs]
    t = np.concatenate([o.t[o.keep] for o in outs])
    v = np.concatenate([o.v[o.keep] for o in outs])
    i = np.concatenate([o.i[o.keep] for o in outs])
    x = np.concatenate([o.x[o.keep] for o in outs])
    rep = np.repeat(np.array([m[:4] for m in meta_cols], dtype=np.int64), sizes, axis=0)
    control = np.repeat(np.array([m[4] for m in meta_cols], dtype=float), sizes)
    x0 = starts[0].x if starts else state.x
    charge = (x - x0) * cell.capacity_Ah
    df = pd.DataFrame(
        {
            TIME: t,
            VOLTAGE: noise.voltage(v, rng),
            CURRENT: noise.current(i, rng),
            STEP: rep[:, 0],
            CYCLE: rep[:, 1],
            CHARGE: charge,
            "ns": rep[:, 2],
            "mode": rep[:, 3],
            "control": control,
        }
    )
    meta = {
        "source": None,
        "format": "simulated",
        "instrument": "ohmslice.simulate",
        "technique": technique,
        "settings": {
            "cell": cell.name,
            "capacity_Ah": cell.nominal_capacity_Ah,
            "area_cm2": cell.area_cm2,
            "active_mass_mg": cell.active_mass_mg,
            "counter_potential_V": cell.counter_potential_V,
        },
    }
    return SimResult(
        recording=Recording(df, meta),
        steps=pd.DataFrame(rows),
        soc=x,
        state=state,
        cell=cell,
        start_states=starts,
    )
