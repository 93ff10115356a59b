"""Starting values of circuit parameters read off a spectrum.

The circuit is split into roles: series resistors (the high-frequency intercept), arcs
(``p(R..., C/CPE)``, ``Zarc``, ``RQ``, ``K``, ``G``, ``Gs``, ``TLM``; written from high to
low frequency, as usual), diffusion elements (``W``, ``Wo``, ``Ws``, ``Wsph``, ``Wa`` and
Paasch's ``T``, at the low frequency end), inductors and series blocking elements (``C``,
``CPE``, the blocking transmission line ``TLMQ``). Each arc gets a peak of
-Z'' (frequency -> tau, height -> R, scaled so the arcs add up to the real-axis span of
the data) or, when given, a ``(tau_s, r_ohm)`` pair from the DRT. :func:`split_starts`
gives the further starts a poor fit is retried from: its largest arc split in two.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import nnls

from ..schema import Spectrum

if TYPE_CHECKING:
    from .circuits import Circuit, _Leaf, _Node

N0 = 0.85  # starting CPE exponent
ARC_KINDS = frozenset({"Zarc", "RQ", "K", "G", "Gs", "TLM"})
DIFF_KINDS = frozenset({"W", "Wo", "Ws", "Wsc", "Wsph", "Wa", "T"})
#: series elements that block DC (a capacitive low-frequency end)
BLOCKING_KINDS = frozenset({"C", "CPE", "TLMQ"})
#: starting phi of a finite-length Gerischer ``Gs`` (coth(2) = 1.04: nearly a ``G``)
GS_PHI0 = 2.0
#: starting a of Paasch's ``T`` (A coth(beta)/beta + B csch(beta)/beta, beta^2 = a + s b):
#: small, so that it starts as a reflective (``Wo``-like) diffusion, and B's share of A + B
T_A0 = 1e-2
T_B_SHARE = 0.2
#: share of its reading a diffusion element starts with in the second start (the
#: diffusion may lie below the measured band)
DIFF_SMALL = 1e-2
#: ... and its time constant this many times longer than the first start's
DIFF_SLOW = 1e2
#: starting exponent of an anomalous diffusion element (``Wa``) whose spectrum does not
#: show a CPE-type low-frequency end
WA_N0 = 0.9


def _roles(circuit: Circuit):
    """Series Rs, arcs (in string order), diffusion, inductive and blocking leaves."""
    from .circuits import _Leaf

    series_r: list[_Leaf] = []
    arcs: list[tuple[str, object]] = []  # ("rc", (cap, [r leaves])) or ("el", leaf)
    diffusion: list[_Leaf] = []
    inductive: list[_Leaf] = []
    blocking: list[_Leaf] = []

    def walk(node: _Leaf | _Node, top: bool) -> None:
        if isinstance(node, _Leaf):
            k = node.element.kind
            if k == "R" and top:
                series_r.append(node)
            elif k in ARC_KINDS:
                arcs.append(("el", node))
            elif k in DIFF_KINDS:
                diffusion.append(node)
            elif k in ("L", "La"):
                inductive.append(node)
            elif k in BLOCKING_KINDS and top:
                blocking.append(node)
            return
        if node.op == "p" and len(node.children) == 2:
            for cap, other in (node.children, node.children[::-1]):
                if isinstance(cap, _Leaf) and cap.element.kind in ("C", "CPE"):
                    branch = other.children if not isinstance(other, _Leaf) else [other]
                    if getattr(other, "op", "s") == "s":
                        rs = [c for c in branch if isinstance(c, _Leaf) and c.element.kind == "R"]
                        if rs:
                            arcs.append(("rc", (cap, rs)))
                            for c in branch:
                                if c not in rs:
                                    walk(c, False)
                            return
        for c in node.children:
            walk(c, top and node.op == "s")

    walk(circuit._tree, True)
    return series_r, arcs, diffusion, inductive, blocking


def _ladder_peaks(
    w: np.ndarray, z: np.ndarray, tau_max: float, n_max: int
) -> list[tuple[float, float]]:
    """(tau, R) of the processes in -Z'', from a quick non-negative RC-ladder fit.

    -Z'' is fitted (modulus-weighted, lightly ridge-regularised) by RC elements on a
    log-tau grid plus a capacitive tail; the resistance distribution is split into
    basins at its local minima, and the ``n_max`` largest basins with tau below
    ``tau_max`` are returned, largest first.
    """
    taus = np.logspace(np.log10(0.1 / w.max()), np.log10(3.0 / w.min()), 48)
    wt = w[:, None] * taus[None, :]
    m = np.maximum(np.abs(z), 1e-12 * np.abs(z).max() + 1e-300)
    a = np.column_stack([wt / (1 + wt * wt), 1.0 / (w * w.min())]) * (1.0 / m)[:, None]
    b = np.maximum(-z.imag, 0.0) / m
    lam = 1e-2 * np.linalg.norm(a[:, :-1], ord=2)
    a_aug = np.vstack([a, lam * np.eye(a.shape[1])[:-1]])
    x, _ = nnls(a_aug, np.r_[b, np.zeros(a.shape[1] - 1)], maxiter=50 * a.shape[1])
    g = x[:-1]
    if not np.any(g > 0):
        return []
    # basins between local minima of g
    cut = np.flatnonzero((g[1:-1] < g[:-2]) & (g[1:-1] <= g[2:])) + 1
    edges = np.r_[0, cut, len(g)]
    basins = []
    for a0, a1 in zip(edges[:-1], edges[1:], strict=True):
        mass = g[a0:a1].sum()
        if mass <= 1e-3 * g.sum():
            continue
        tau = float(np.exp(np.sum(g[a0:a1] * np.log(taus[a0:a1])) / mass))
        if tau <= tau_max:
            basins.append((tau, float(mass)))
    return sorted(basins, key=lambda t: -t[1])[:n_max]


def initial_guess(
    spectrum: Spectrum,
    circuit: Circuit,
    peaks: Sequence[tuple[float, float]] | None = None,
) -> np.ndarray:
    """Starting parameter vector for ``circuit`` read off ``spectrum``.

    Parameters
    ----------
    spectrum
        The data.
    circuit
        The circuit to be fitted.
    peaks
        Optional ``(tau_s, r_ohm)`` per process (e.g. DRT peaks), assigned to the arcs in
        tau order; otherwise the largest processes of a quick RC-ladder fit of -Z'' are
        used.

    Returns
    -------
    ndarray
        One value per parameter, in circuit order, inside the default bounds.
    """
    return initial_guesses(spectrum, circuit, peaks, max_candidates=1)[0]


def initial_guesses(
    spectrum: Spectrum,
    circuit: Circuit,
    peaks: Sequence[tuple[float, float]] | None = None,
    max_candidates: int = 8,
) -> list[np.ndarray]:
    """Alternative starting vectors, best first (see :func:`initial_guess`).

    They differ in which processes of the spectrum are given to the circuit's arcs:
    every choice of ``n_arcs`` among the five largest RC-ladder processes, plus an arc
    just above the highest measured frequency (a contact arc outside the window), ordered
    by the resistance they cover. A circuit with a diffusion element gets, second, a
    start that reads the whole spectrum as arcs (the largest RC-ladder processes at any
    tau, scaled to the real-axis span of the data) and puts the diffusion below the band
    (its resistance, ``Aw`` of ``W``, cut to :data:`DIFF_SMALL` of its reading, its time
    constant :data:`DIFF_SLOW` times longer): where the spectrum stops above the
    diffusion, the low-frequency -Z'' the first start gives the diffusion belongs to the
    last arc. The fit tries them when its first start ends poorly.
    """
    f, z = spectrum.freq, spectrum.z
    zr, zi = z.real, -z.imag
    w = 2 * np.pi * f
    scale = float(np.max(np.abs(z)))
    base = circuit.typical.copy()
    series_r, arcs, diffusion, inductive, blocking = _roles(circuit)

    r_hf = float(np.min(zr))
    if r_hf <= 0:
        r_hf = 1e-3 * scale
    # end of the arcs: where -Z'' has its last minimum before a low-frequency tail
    if diffusion or blocking:
        tail = np.flatnonzero(np.r_[False, (zi[1:-1] < zi[:-2]) & (zi[1:-1] <= zi[2:]), False])
        end = tail[0] if len(tail) else 0  # lowest-frequency local minimum of -Z''
        r_arcs = max(float(zr[end]) - r_hf, 1e-3 * scale)
        # arcs relax well before the diffusion tail takes over
        tau_end = 0.3 / w[end] if len(tail) else 0.3 / w[0]
    else:
        r_arcs = max(float(zr[0]) - r_hf, 1e-3 * scale)
        tau_end = np.inf

    for leaf in series_r:
        base[leaf.start] = r_hf / len(series_r)
    w_lo, zi_lo = w[0], max(float(zi[0]), 1e-3 * scale)
    for leaf in diffusion:
        k, i = leaf.element.kind, leaf.start
        tau = 2.0 / w_lo
        if k == "W":
            base[i] = zi_lo * np.sqrt(w_lo)
        elif k == "Wo":
            base[i : i + 2] = zi_lo * w_lo * tau, tau
        elif k == "Wsph":
            base[i : i + 2] = zi_lo * w_lo * tau / 3.0, tau
        elif k == "Wa":
            base[i : i + 3] = _wa_start(spectrum, w_lo, zi_lo, tau)
        elif k == "T":  # low frequency: (A + B) / (s b), as Wo's R / (s tau)
            a_b = zi_lo * w_lo * tau
            base[i : i + 4] = (1 - T_B_SHARE) * a_b, T_B_SHARE * a_b, T_A0, tau
        elif k == "Wsc":  # Ws's start, the low-frequency -Z'' as its capacitor
            base[i : i + 3] = max(0.3 * r_arcs, 1e-3 * scale), 1.0 / w_lo, 1.0 / (w_lo * zi_lo)
        else:  # Ws: resistive at low frequency
            base[i : i + 2] = max(float(zr[0]) - r_hf - r_arcs, 0.1 * r_arcs), 1.0 / w_lo
    for leaf in blocking:
        i = leaf.start
        if leaf.element.kind == "C":
            base[i] = 1.0 / (w_lo * zi_lo)
        elif leaf.element.kind == "CPE":
            base[i : i + 2] = 1.0 / (w_lo**0.9 * zi_lo), 0.9
        else:
            base[i : i + 3] = _tlmq_start(zr, zi, w, r_hf, r_arcs if arcs else 0.0, scale)
    w_hi = w[-1]
    l_est = z.imag[-1] / w_hi
    for leaf in inductive:
        i = leaf.start
        val = l_est if l_est > 0 else 1e-3 * r_hf / w_hi
        if leaf.element.kind == "L":
            base[i] = val
        else:
            base[i : i + 2] = val, 0.9

    n_arcs = len(arcs)
    sets: list[list[tuple[float, float]]] = []
    if peaks is not None:
        given = sorted((float(t), float(r)) for t, r in peaks if 0 < t <= tau_end and r > 0)
        sets.append(sorted(sorted(given, key=lambda tr: -tr[1])[:n_arcs]))
    if n_arcs:
        pool = _ladder_peaks(w, z, tau_end, 5)
        pool.append((0.5 / w.max(), 0.05 * r_arcs))  # an arc above the window
        k = min(n_arcs, len(pool))
        combos = sorted(
            itertools.combinations(range(len(pool)), k), key=lambda c: -sum(pool[i][1] for i in c)
        )
        for combo in combos[:max_candidates]:
            sets.append(sorted(pool[i] for i in combo))
    if not sets:
        sets.append([])

    lo, hi = circuit.bounds
    lo_t, hi_t = 1.0 / w.max(), 1.0 / w.min()

    def build(found: list[tuple[float, float]], p: np.ndarray, r_total: float, scaled: bool):
        """The start with arcs at ``found`` (tau, R), their R scaled to ``r_total``."""
        p = p.copy()
        taus = [t for t, _ in found][:n_arcs]
        heights = [r for _, r in found][:n_arcs]
        # missing arcs: first one just above the window (a contact arc the data only
        # touch), then in the largest gaps in log tau; small resistance
        if len(taus) < n_arcs and not any(t < 10 * lo_t for t in taus):
            taus.insert(0, 0.5 * lo_t)
            heights.insert(0, 0.05 * r_total)
        while len(taus) < n_arcs:
            grid = np.log([lo_t, *taus, hi_t])
            gaps = np.diff(grid)
            j = int(np.argmax(gaps))
            taus.insert(j, float(np.exp(grid[j] + gaps[j] / 2)))
            heights.insert(j, 0.1 * r_total)
        if n_arcs and scaled:
            total = sum(heights)
            heights = [h * r_total / total for h in heights] if total > 0 else heights
        _place_arcs(p, arcs, taus, heights)
        return np.clip(p, np.where(np.isfinite(lo), lo, -np.inf), hi)

    out = [
        build(found, base, r_arcs, peaks is None or found is not sets[0])
        for found in sets[:max_candidates]
    ]
    if diffusion and max_candidates > 1:
        # the spectrum read as arcs only, the diffusion below the band: small, slow
        p = base.copy()
        for leaf in diffusion:
            p[leaf.start] *= DIFF_SMALL
            if leaf.element.kind == "T":  # (A, B, a, b): B is a resistance, b the time
                p[leaf.start + 1] *= DIFF_SMALL
                p[leaf.start + 3] *= DIFF_SLOW
            elif leaf.element.kind != "W":
                p[leaf.start + 1] *= DIFF_SLOW
        r_all = max(float(zr[0]) - r_hf, 1e-3 * scale)
        found = []
        if n_arcs:
            pool = _ladder_peaks(w, z, np.inf, n_arcs)
            found = sorted(pool) if pool else []
        out.insert(1, build(found, p, r_all, True))
    return out[:max_candidates]


def _tlmq_start(
    zr: np.ndarray, zi: np.ndarray, w: np.ndarray, r_before: float, r_arcs: float, scale: float
) -> tuple[float, float, float]:
    """(R_ion [Ohm], Q_s [F s^(gamma-1)], gamma) of a blocking transmission line ``TLMQ`` in
    series, from the lowest frequencies (``w`` ascending [rad/s], ``zi`` = -Z''), where
    Z = R_ion/3 + 1/(Q_s s^gamma): Z' is a line in -Z'' there, of slope cot(gamma pi/2)
    and intercept R_ion/3 + the series resistance ``r_before`` + the arcs' ``r_arcs``.
    gamma is kept in [0.5, 0.99]; R_ion/3 is at least 0.1 r_arcs (or 1e-3 ``scale``)."""
    k = min(5, len(w))
    slope, c = np.polyfit(zi[:k], zr[:k], 1) if k >= 2 else (np.nan, float(zr[0]))
    gamma = 2.0 / np.pi * np.arctan2(1.0, slope) if np.isfinite(slope) else 0.9
    gamma = float(np.clip(gamma, 0.5, 0.99))
    zi_lo = max(float(zi[0]), 1e-3 * scale)
    q_s = np.sin(0.5 * np.pi * gamma) / (w[0] ** gamma * zi_lo)
    floor = 0.1 * r_arcs if r_arcs > 0 else 1e-3 * scale
    return 3.0 * max(float(c) - r_before - r_arcs, floor), float(q_s), gamma


def _wa_start(spectrum: Spectrum, w_lo: float, zi_lo: float, tau: float) -> tuple[float, ...]:
    """(R [Ohm], tau [s], n) of an anomalous diffusion element ``Wa`` whose CPE branch
    R / (s tau)^n gives the -Z'' measured at the lowest frequency w_lo [rad/s]:
    -Z'' = R sin(n pi/2) / (w_lo tau)^n. n is the data's low-frequency exponent
    -d ln(-Z'') / d ln f where it is that of a CPE (0.3 .. 1; a Warburg line gives n/2,
    the knee is then outside the data and n stays unknown), else :data:`WA_N0`."""
    from .shapes import low_frequency_exponent

    n_lf = low_frequency_exponent(spectrum)
    n = float(min(n_lf, 0.99)) if np.isfinite(n_lf) and 0.3 <= n_lf else WA_N0
    r = zi_lo * (w_lo * tau) ** n / np.sin(0.5 * np.pi * n)
    return r, tau, n


def _place_arcs(p: np.ndarray, arcs, taus: list[float], heights: list[float]) -> None:
    for (role, item), tau, r in zip(arcs, taus, heights, strict=False):
        if role == "rc":
            cap, rs = item
            for leaf in rs:
                p[leaf.start] = r / len(rs)
            if cap.element.kind == "C":
                p[cap.start] = tau / r
            else:
                p[cap.start], p[cap.start + 1] = tau**N0 / r, N0
        else:
            leaf = item
            k, i = leaf.element.kind, leaf.start
            if k == "Zarc":
                p[i : i + 3] = r, tau, N0
            elif k == "RQ":
                p[i : i + 3] = r, tau**N0 / r, N0
            elif k in ("K", "G"):
                p[i : i + 2] = r, tau
            elif k == "Gs":  # DC resistance R coth(phi) = r
                p[i : i + 3] = r * np.tanh(GS_PHI0), tau, GS_PHI0
            elif k == "TLM":
                p[i : i + 4] = 0.3 * r, r, tau**N0 / r, N0


def _arc_state(p: np.ndarray, role: str, item) -> tuple[float, float]:
    """(tau, R) of an arc at parameters ``p`` (NaN or inf where it has none)."""

    def rq_tau(r: float, q: float, n: float) -> float:
        with np.errstate(all="ignore"):
            return float(np.power(np.float64(r) * q, 1.0 / n)) if n > 0 else np.nan

    if role == "rc":
        cap, rs = item
        r = float(sum(p[leaf.start] for leaf in rs))
        if cap.element.kind == "C":
            return r * float(p[cap.start]), r
        return rq_tau(r, p[cap.start], p[cap.start + 1]), r
    leaf = item
    k, i = leaf.element.kind, leaf.start
    if k == "Zarc":
        return float(p[i + 1]), float(p[i])
    if k == "RQ":
        return rq_tau(p[i], p[i + 1], p[i + 2]), float(p[i])
    if k in ("K", "G"):
        return float(p[i + 1]), float(p[i])
    if k == "Gs":
        return float(p[i + 1]), float(p[i] / np.tanh(p[i + 2]))
    if k == "TLM":
        return rq_tau(p[i + 1], p[i + 2], p[i + 3]), float(p[i + 1])
    return np.nan, np.nan  # pragma: no cover


def split_starts(
    circuit: Circuit, params: np.ndarray, r_max: float = np.inf, max_starts: int = 4
) -> list[np.ndarray]:
    """Starting vectors that split the largest arc of a poor fit in two.

    A fit that merges two neighbouring processes into one arc usually parks another arc
    where it does nothing (a tiny R, an exponent near 0, a time constant outside the
    data). Each start moves one of the other arcs (smallest first) 0.75 decade below or
    above the time constant of the largest arc that has one, with 15 % of its
    resistance, the rest of the parameters kept; the fit tries them after the starts
    read off the spectrum. ``r_max`` [Ohm]: the largest resistance an arc can show in
    the data (the fit passes 10 x max |Z|).
    """
    _, arcs, _, _, _ = _roles(circuit)
    if len(arcs) < 2:
        return []
    state = [_arc_state(params, role, item) for role, item in arcs]
    r = np.array([s[1] for s in state])
    tau = np.array([s[0] for s in state])
    # the largest arc that has a time constant and a resistance the data can show
    # (below ``r_max``): a parked arc may carry a huge R its shorted capacitor hides
    live = np.isfinite(r) & np.isfinite(tau) & (tau > 0) & (r > 0) & (r <= r_max)
    if not live.any():
        return []
    big = int(np.flatnonzero(live)[np.argmax(r[live])])
    r = np.where(np.isfinite(r), r, 0.0)
    out = []
    lo, hi = circuit.bounds
    for j in np.argsort(r):
        if j == big:
            continue
        for shift in (-0.75, 0.75):
            p = params.copy()
            _place_arcs(p, [arcs[big]], [tau[big]], [0.85 * r[big]])
            _place_arcs(p, [arcs[j]], [tau[big] * 10**shift], [0.15 * r[big]])
            out.append(np.clip(p, np.where(np.isfinite(lo), lo, -np.inf), hi))
            if len(out) >= max_starts:
                return out
    return out


#: Diffusion elements whose parameters start (R, tau): the slow-basin starts move them
_SLOW_KINDS = frozenset({"Wo", "Ws", "Wsc", "Wsph", "Wa"})


def slow_diffusion_starts(circuit: Circuit, params: np.ndarray) -> list[np.ndarray]:
    """Starting vectors with each diffusion element's tau 100 times and its R 10 times
    its fitted value, the rest of ``params`` kept.

    A diffusion whose arc the data do not close is seen only as its Warburg line, which
    fixes R / sqrt(tau) and not R and tau; beside a series capacitor (a chemical
    capacitance) a fit can then settle on a short tau whose turn the capacitor hides --
    a local minimum that looks determined. From these starts the fit can reach the long
    tau the line continues to, where its errors say how little the data fix them.
    """
    lo, hi = circuit.bounds
    out = []
    for name, kind in circuit.elements:
        if kind not in _SLOW_KINDS:
            continue
        i_r, i_tau = circuit.param_index(f"{name}_0"), circuit.param_index(f"{name}_1")
        p = params.copy()
        p[i_r] *= 10.0
        p[i_tau] *= 100.0
        out.append(np.clip(p, np.where(np.isfinite(lo), lo, -np.inf), hi))
    return out
