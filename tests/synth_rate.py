"""Known-answer rate tests: simulated cells for the rate-capability and curve tests.

The simulator is an equivalent-circuit cell, OCV(x) + I R0(x) + V_RC, with x the
state of charge (0..1 of ``q_Ah``) and an RC element (R1, tau). Constant-current steps
are solved in closed form and stopped at a voltage limit found by root finding (or after
a programmed time); constant-voltage holds are integrated with ``solve_ivp`` until the
current falls below a cut-off. Every step records its true charge, energy and end so the
analysis can be checked against them. Sample ``k`` carries the current of the interval
``(t[k-1], t[k]]``, as :mod:`ohmslice.dc.pulses` reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import quad, solve_ivp
from scipy.optimize import brentq

from ohmslice.dc.rate import analyze_rate
from ohmslice.schema import Recording

Q_AH = 2.5e-3  # model capacity: x runs 0..1 over 2.5 mAh
V_MIN, V_MAX = 3.0, 4.35


def ocv(x):
    """NCM-like open-circuit voltage [V] of the state of charge x (0..1)."""
    x = np.clip(x, 1e-12, 1 - 1e-12)
    return 3.55 + 0.65 * x + 0.08 * np.log(x / (1 - x))


@dataclass
class SimCell:
    """Equivalent-circuit cell: OCV(x) + I R0(x) + RC (R1, tau), current > 0 charges."""

    q_Ah: float = Q_AH
    r0: Callable[[np.ndarray], np.ndarray] | float = 30.0
    r1: float = 50.0
    tau: float = 300.0
    dt: float = 10.0
    x: float = 0.0
    vrc: float = 0.0
    t: float = 0.0
    ts: list = field(default_factory=list)
    vs: list = field(default_factory=list)
    is_: list = field(default_factory=list)
    truth: list = field(default_factory=list)

    def __post_init__(self):
        self._emit(np.array([0.0]), np.array([ocv(self.x)]), np.array([0.0]))

    def R0(self, x):
        return self.r0(x) if callable(self.r0) else self.r0 + 0 * np.asarray(x)

    def _emit(self, t, v, i):
        self.ts.append(np.asarray(t, float))
        self.vs.append(np.asarray(v, float))
        self.is_.append(np.asarray(i, float))

    def _grid(self, T):
        n = max(int(np.ceil(T / self.dt - 1e-9)), 1)
        return np.r_[np.arange(1, n) * self.dt, T]

    def rest(self, T):
        s = self._grid(T)
        v = ocv(self.x) + self.vrc * np.exp(-s / self.tau)
        self._emit(self.t + s, v, np.zeros_like(s))
        self.vrc *= np.exp(-T / self.tau)
        self.t += T

    def _cc_v(self, s, current):
        x = self.x + current * s / 3600 / self.q_Ah
        vrc = current * self.r1 + (self.vrc - current * self.r1) * np.exp(-s / self.tau)
        return ocv(x) + current * self.R0(x) + vrc

    def cc(self, current, v_limit=None, t_max=np.inf):
        """Constant current [A] until ``v_limit`` (V) or ``t_max`` (s); returns truth."""
        x_edge = 1.0 if current > 0 else 0.0
        t_phys = (x_edge - self.x) * self.q_Ah * 3600 / current * (1 - 1e-9)
        T = min(t_max, t_phys)
        reason = "time"
        if v_limit is not None:
            sg = np.sign(current)
            s = np.linspace(0, T, 200001)
            g = sg * (self._cc_v(s, current) - v_limit)
            hit = np.flatnonzero(g >= 0)
            if len(hit):
                k = hit[0]
                T = brentq(lambda u: sg * (self._cc_v(u, current) - v_limit), s[k - 1], s[k],
                           xtol=1e-10)  # fmt: skip
                reason = "voltage_limit"
        s = self._grid(T)
        v = self._cc_v(s, current)
        energy = quad(lambda u: self._cc_v(u, current) * abs(current), 0, T, limit=200)[0]
        self._emit(self.t + s, v, np.full_like(s, current))
        self.x += current * T / 3600 / self.q_Ah
        self.vrc = current * self.r1 + (self.vrc - current * self.r1) * np.exp(-T / self.tau)
        self.t += T
        rec = {"kind": "cc", "current_A": current, "duration_s": T, "charge_Ah": abs(current) * T / 3600,
               "energy_Wh": energy / 3600, "end_reason": reason, "v_end_V": float(v[-1])}  # fmt: skip
        self.truth.append(rec)
        return rec

    def cv(self, voltage, i_cut, t_max=36000.0):
        """Hold ``voltage`` until |I| < ``i_cut`` [A]; returns truth (charge passed)."""

        def current(x, vrc):
            return (voltage - ocv(x) - vrc) / self.R0(x)

        def rhs(_, y):
            i = current(y[0], y[1])
            return [i / 3600 / self.q_Ah, (i * self.r1 - y[1]) / self.tau]

        def ev(_, y):
            return abs(current(y[0], y[1])) - i_cut

        ev.terminal = True
        sol = solve_ivp(rhs, (0, t_max), [self.x, self.vrc], events=ev, dense_output=True,
                        rtol=1e-10, atol=1e-13, max_step=self.dt)  # fmt: skip
        T = float(sol.t[-1])
        s = self._grid(T)
        y = sol.sol(s)
        i = current(y[0], y[1])
        self._emit(self.t + s, np.full_like(s, voltage), i)
        q = (sol.y[0, -1] - self.x) * self.q_Ah
        self.x, self.vrc = float(sol.y[0, -1]), float(sol.y[1, -1])
        self.t += T
        rec = {"kind": "cv", "charge_Ah": abs(q), "duration_s": T, "energy_Wh": abs(q) * voltage}
        self.truth.append(rec)
        return rec

    def recording(self, source=None, noise_V=0.0, noise_rel_I=0.0, seed=0):
        t, v, i = (np.concatenate(a) for a in (self.ts, self.vs, self.is_))
        if noise_V or noise_rel_I:
            rng = np.random.default_rng(seed)
            v = v + noise_V * rng.standard_normal(len(v))
            i = i * (1 + noise_rel_I * rng.standard_normal(len(i)))
        return Recording.from_arrays(t, v, i, meta={"source": source})


def cccv_charge(cell, c_rate, q_nom=Q_AH):
    cc = cell.cc(c_rate * q_nom, V_MAX)
    cv = cell.cv(V_MAX, 0.02 * q_nom)
    return cc, cv


def rate_sequence(rates, *, cell=None, dt=10.0):
    """One file: for each rate, 0.1C CC-CV charge, rest, discharge at the rate, rest."""
    cell = cell or SimCell(x=0.0005, dt=dt)  # starts empty
    truth = {"charge": [], "cv": [], "discharge": []}
    for r in rates:
        cc, cv = cccv_charge(cell, 0.1)
        truth["charge"].append(cc)
        truth["cv"].append(cv)
        cell.rest(1800)
        truth["discharge"].append(cell.cc(-r * Q_AH, V_MIN))
        cell.rest(1800)
    return cell, truth


RATES = [0.1, 0.5, 1.0, 2.0]


def two_cells(rate, x0=0.95):
    """Cells a and b with one OCV and one RC; R0 of a rises with DoD, b's is constant:
    R0_a(x) = 5 + 6.25 (1 - x) equals R0_b = 10 at x = 0.2 -- 75 % DoD from x0 = 0.95."""
    out = {}
    for name, r0 in (("L_SE", lambda x: 5 + 6.25 * (1 - np.asarray(x))), ("S_SE", 10.0)):
        cell = SimCell(x=x0, r0=r0, r1=10.0, tau=100.0, dt=5.0)
        cell.rest(60)
        cell.cc(-rate * Q_AH, V_MIN)
        out[name] = analyze_rate(cell.recording(f"{name}.csv"), nominal_capacity_Ah=Q_AH,
                                 cell=name)  # fmt: skip
    return out
