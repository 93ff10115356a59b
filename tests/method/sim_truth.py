"""True components of every GITT pulse of a simulated record (ohmslice.simulate).

The simulator integrates the cell's RC expansion (separator + In-Li counter electrode +
contact R||C + charge-transfer Zarc + diffusion Warburg) with the parameters of each
pulse's *chunks* (a pulse over a steep part of the SOC curves is cut into a few, each
with its own parameters, element voltages carried over). Replaying those chunks process
by process gives, exactly, what each process contributes at the end of the pulse:

* ``r1`` = separator + counter electrode + contact (R1 || C1), all developed within
  microseconds;
* ``r2`` = the charge-transfer Zarc's overpotential at the pulse end / I;
* ``r3`` = the diffusion element's overpotential at the pulse end / I;
* ``r_ocv`` = (OCV(x_end) - OCV(x_start)) / I;
* ``r_total`` = the noise-free (V_end - V_before) / I; r1 + r2 + r3 + r_ocv = r_total
  (to round-off);
* ``r3_dc`` = the diffusion element's DC resistance at the pulse's middle SOC;
* ``soc_start_pct`` / ``soc_end_pct`` / ``soc_mid_pct`` on the scale 100 % at the end of
  the full charge, 0 % at the end of the last pulse (the default of analyze_gitt), and
  ``x0``, ``x1`` (the model's SOC fractions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ohmslice.simulate import rc


def _process_chains(cell, soc_pct: float) -> list[rc.RCChain]:
    """[series (separator + counter electrode), contact, charge transfer, diffusion] in
    the element order of CellModel.half_cell_chain."""
    counter = rc.RCChain(cell.r_sep_ohm, np.array([cell.r_counter_ohm]),
                         np.array([cell.tau_counter_s]))  # fmt: skip
    return [counter, *cell.process_chains(soc_pct).values()]


def pulse_truth(cell, res, label: str = "pulse") -> pd.DataFrame:
    """One row per pulse (steps labelled ``label``) of the simulation ``res``."""
    st = res.steps
    pulses = st[(st["kind"] == "CC") & (st["label"] == label)]
    rows = []
    for _, row in pulses.iterrows():
        step = int(row["step"])
        i = float(row["current_A"])
        t_total = float(row["t_end_s"] - row["t_start_s"])
        x0, x1 = float(row["x_start"]), float(row["x_end"])
        plan = res.plans[step] if step < len(res.plans) and res.plans[step] else None
        if plan is None:
            plan = [(0.0, t_total, 0.5 * (x0 + x1))]
        v = res.start_states[step].v.copy()
        chains0 = _process_chains(cell, 100.0 * plan[0][2])
        sizes = [len(c) for c in chains0]
        edges = np.cumsum([0, *sizes])
        eta = np.zeros(4)
        for b0, b1, xp in plan:
            chains = _process_chains(cell, 100.0 * xp)
            assert [len(c) for c in chains] == sizes
            for j, ch in enumerate(chains):
                a = np.exp(-(b1 - b0) / ch.tau)
                sl = slice(edges[j], edges[j + 1])
                v[sl] = v[sl] * a + ch.r * i * (1.0 - a)
                if b1 == plan[-1][1]:
                    eta[j] = ch.r0 * i + v[sl].sum()
        r = eta / i
        xm = 0.5 * (x0 + x1)
        diff = _process_chains(cell, 100.0 * xm)[3]
        v_end = res.step_voltage(step, np.array([t_total]))[0]
        rows.append(
            {
                "step": step,
                "chunks": len(plan),
                "x0": x0,
                "x1": x1,
                "duration_s": t_total,
                "end_reason": row["end_reason"],
                "r1": r[0] + r[1],
                "r2": r[2],
                "r3": r[3],
                "r_ocv": float((cell.ocv_cell(x1) - cell.ocv_cell(x0)) / i),
                "r_total": (v_end - float(row["v_start_V"])) / i,
                "r3_dc": diff.r_dc,
                "r3_developed_share": r[3] / diff.r_dc,
            }
        )
    out = pd.DataFrame(rows)
    # the default SOC scale of analyze_gitt: 100 % at the end of the full charge (the
    # first pulse's start), 0 % at the end of the last pulse
    x_full, x_end = float(out["x0"].iat[0]), float(out["x1"].iat[-1])
    for name, x in (("soc_start_pct", out["x0"]), ("soc_end_pct", out["x1"])):
        out[name] = 100.0 * (x - x_end) / (x_full - x_end)
    out["soc_mid_pct"] = 0.5 * (out["soc_start_pct"] + out["soc_end_pct"])
    return out
