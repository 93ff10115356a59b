"""Equivalent circuits from impedance.py-style strings: Z(s), Jacobian, time constants.

A circuit string combines named elements (type + index, e.g. ``R0``, ``CPE1``, ``Wo1``)
with ``-`` (series) and ``p(a, b, ...)`` (parallel), nested freely::

    Circuit("R0-p(R1,CPE1)-p(R2,CPE2)-Wo1")

Parameters are named as impedance.py names them: a one-parameter element by its own
name (``R0``), others by name and position (``CPE1_0`` = Q, ``CPE1_1`` = n). Element
types, parameter order and units are in :mod:`ohmslice.impedance.elements`
(:func:`describe_elements` lists them).

:meth:`Circuit.impedance` evaluates Z at any complex Laplace variable ``s`` (``j omega``
for a spectrum); :meth:`Circuit.impedance_and_jacobian` also returns dZ/dp for every
parameter, combined through series and parallel connections by the chain rule, so a fit
never needs finite differences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import CircuitError
from .elements import CAPACITIVE, ELEMENTS, Element

__all__ = ["Circuit", "CircuitError", "describe_elements"]

ParamsLike = Mapping[str, float] | Sequence[float] | np.ndarray


# --- syntax tree --------------------------------------------------------------------------


@dataclass
class _Leaf:
    name: str
    element: Element
    start: int  # index of its first parameter in the circuit's parameter vector

    @property
    def stop(self) -> int:
        return self.start + self.element.n_params


@dataclass
class _Node:
    op: str  # "s" or "p"
    children: list[_Leaf | _Node]


def _eval(node: _Leaf | _Node, s: np.ndarray, p: np.ndarray, jac: bool):
    """Return (Z, [dZ/dp for this subtree's parameters, in order]) or (Z, None)."""
    if isinstance(node, _Leaf):
        z, d = node.element.evaluate(s, *p[node.start : node.stop])
        return z, (d if jac else None)
    parts = [_eval(c, s, p, jac) for c in node.children]
    if node.op == "s":
        z = parts[0][0].copy()
        for zc, _ in parts[1:]:
            z += zc
        cols = [col for _, dc in parts for col in dc] if jac else None
        return z, cols
    y = 1.0 / parts[0][0]
    for zc, _ in parts[1:]:
        y = y + 1.0 / zc
    z = 1.0 / y
    if not jac:
        return z, None
    cols = []
    for zc, dc in parts:
        f = z / zc
        f = f * f  # dZ/dZ_i = Z^2 / Z_i^2
        cols.extend(f * col for col in dc)
    return z, cols


# --- parser -------------------------------------------------------------------------------


class _Parser:
    """Recursive-descent parser of circuit strings, reporting position and expectation."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.leaves: list[_Leaf] = []
        self.n_params = 0

    def error(self, expected: str) -> CircuitError:
        where = (
            f"'{self.text[self.pos]}' at position {self.pos}"
            if self.pos < len(self.text)
            else f"end of string at position {self.pos}"
        )
        return CircuitError(f"circuit '{self.text}': expected {expected}, found {where}")

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parse(self) -> _Leaf | _Node:
        node = self.series()
        if self.peek():
            raise self.error("'-' or end of circuit")
        return node

    def series(self) -> _Leaf | _Node:
        items = [self.term()]
        while self.peek() == "-":
            self.pos += 1
            items.append(self.term())
        return items[0] if len(items) == 1 else _Node("s", items)

    def term(self) -> _Leaf | _Node:
        self.skip()
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos].isalpha():
            self.pos += 1
        word = self.text[start : self.pos]
        if word == "p" and self.peek() == "(":
            self.pos += 1
            items = [self.series()]
            while self.peek() == ",":
                self.pos += 1
                items.append(self.series())
            if self.peek() != ")":
                raise self.error("',' or ')'")
            if len(items) < 2:
                raise self.error("',' and a second branch in p(...)")
            self.pos += 1
            return _Node("p", items)
        if not word:
            self.pos = start
            raise self.error("an element (e.g. R0, CPE1, Wo1) or 'p('")
        while self.pos < len(self.text) and (
            self.text[self.pos].isdecimal() or self.text[self.pos] == "_"
        ):
            self.pos += 1
        name = self.text[start : self.pos]
        if word not in ELEMENTS:
            self.pos = start
            raise self.error(f"a known element type ({', '.join(sorted(ELEMENTS))}), not '{word}'")
        if any(leaf.name == name for leaf in self.leaves):
            self.pos = start
            raise self.error(f"a new element name ('{name}' is used twice)")
        leaf = _Leaf(name, ELEMENTS[word], self.n_params)
        self.n_params += leaf.element.n_params
        self.leaves.append(leaf)
        return leaf


# --- the circuit --------------------------------------------------------------------------


class Circuit:
    """An equivalent circuit parsed from an impedance.py-style string.

    Parameters
    ----------
    text
        Circuit string, e.g. ``"R0-p(R1,CPE1)-p(R2,CPE2)-Wo1"``.

    Raises
    ------
    CircuitError
        The string does not parse; the message gives the position and what was expected.

    Attributes
    ----------
    param_names : list of str
        impedance.py-style parameter names, in parameter-vector order.
    param_units : list of str
        Unit of each parameter.
    bounds : (ndarray, ndarray)
        Default lower and upper bound of each parameter.
    """

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text.strip():
            raise CircuitError(f"circuit must be a non-empty string, got {text!r}")
        parser = _Parser(text)
        self._tree = parser.parse()
        self.text = text.replace(" ", "")
        self._leaves = parser.leaves
        names, units, lo, hi, typical = [], [], [], [], []
        for leaf in self._leaves:
            el = leaf.element
            for k in range(el.n_params):
                names.append(leaf.name if el.n_params == 1 else f"{leaf.name}_{k}")
                units.append(el.units[k])
                lo.append(el.bounds[k][0])
                hi.append(el.bounds[k][1])
                typical.append(el.typical[k])
        self.param_names: list[str] = names
        self.param_units: list[str] = units
        self.bounds = (np.array(lo, dtype=float), np.array(hi, dtype=float))
        self.typical = np.array(typical, dtype=float)
        self._index = {n: i for i, n in enumerate(names)}

    # --- introspection -----------------------------------------------------------------
    def __repr__(self) -> str:
        return f"Circuit('{self.text}')"

    def __str__(self) -> str:
        return self.text

    @property
    def n_params(self) -> int:
        """Number of parameters."""
        return len(self.param_names)

    @property
    def elements(self) -> list[tuple[str, str]]:
        """``(name, type)`` of every element, in string order."""
        return [(leaf.name, leaf.element.kind) for leaf in self._leaves]

    def element_params(self, name: str) -> slice:
        """Slice of the parameter vector that belongs to element ``name``."""
        for leaf in self._leaves:
            if leaf.name == name:
                return slice(leaf.start, leaf.stop)
        raise CircuitError(f"circuit '{self.text}' has no element '{name}'")

    def param_index(self, name: str) -> int:
        """Position of parameter ``name`` in the parameter vector."""
        try:
            return self._index[name]
        except KeyError:
            raise CircuitError(
                f"circuit '{self.text}' has no parameter '{name}'; "
                f"its parameters are {self.param_names}"
            ) from None

    def parameters(self) -> pd.DataFrame:
        """Table of parameters: name, element, physical meaning, unit, bounds."""
        rows = []
        for leaf in self._leaves:
            el = leaf.element
            for k in range(el.n_params):
                i = leaf.start + k
                rows.append(
                    {
                        "name": self.param_names[i],
                        "element": leaf.name,
                        "meaning": el.params[k],
                        "unit": el.units[k],
                        "lower": self.bounds[0][i],
                        "upper": self.bounds[1][i],
                    }
                )
        return pd.DataFrame(rows)

    # --- parameter handling ------------------------------------------------------------
    def as_array(self, params: ParamsLike, *, what: str = "parameters") -> np.ndarray:
        """Parameters as a float vector in circuit order.

        Accepts a sequence of ``n_params`` numbers or a mapping with exactly the circuit's
        parameter names.

        Raises
        ------
        CircuitError
            Wrong length, unknown or missing names, non-numeric or non-finite values.
        """
        if isinstance(params, Mapping):
            unknown = [k for k in params if k not in self._index]
            if unknown:
                raise CircuitError(
                    f"{what}: unknown parameter(s) {unknown} for circuit '{self.text}'; "
                    f"expected names {self.param_names}"
                )
            missing = [k for k in self.param_names if k not in params]
            if missing:
                raise CircuitError(f"{what}: missing parameter(s) {missing}")
            values = [params[k] for k in self.param_names]
        else:
            values = list(np.ravel(np.asarray(params, dtype=object)))
            if len(values) != self.n_params:
                raise CircuitError(
                    f"{what}: {len(values)} value(s) given, circuit '{self.text}' has "
                    f"{self.n_params}: {self.param_names}"
                )
        try:
            p = np.array(values, dtype=float)
        except (TypeError, ValueError):
            raise CircuitError(f"{what}: values must be numbers, got {values}") from None
        bad = ~np.isfinite(p)
        if bad.any():
            raise CircuitError(
                f"{what}: parameter {self.param_names[int(np.flatnonzero(bad)[0])]} is not finite"
            )
        return p

    def as_dict(self, params: ParamsLike) -> dict[str, float]:
        """Parameters as ``{name: value}``."""
        return dict(zip(self.param_names, map(float, self.as_array(params)), strict=True))

    # --- evaluation --------------------------------------------------------------------
    @staticmethod
    def _s(s: Any) -> np.ndarray:
        return np.atleast_1d(np.asarray(s, dtype=complex))

    def impedance(self, s: Any, params: ParamsLike) -> np.ndarray:
        """Impedance Z(s) [Ohm] at complex Laplace variable(s) ``s`` [1/s].

        ``s = 1j * omega`` gives the spectrum; any complex ``s`` (e.g. on a Talbot
        contour) is allowed. Returns a complex array shaped like ``s``.
        """
        p = self.as_array(params)
        s_arr = np.asarray(s, dtype=complex)
        z, _ = _eval(self._tree, np.atleast_1d(s_arr).ravel(), p, False)
        return z.reshape(s_arr.shape)

    def impedance_and_jacobian(self, s: Any, params: ParamsLike) -> tuple[np.ndarray, np.ndarray]:
        """Z(s) and the Jacobian dZ/dp, shape ``(len(s), n_params)``, both complex."""
        p = self.as_array(params)
        return self._zj(self._s(s).ravel(), p)

    def _zj(self, s: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fast path for fitting: no input checks."""
        z, cols = _eval(self._tree, s, p, True)
        return z, np.column_stack(cols)

    def _z(self, s: np.ndarray, p: np.ndarray) -> np.ndarray:
        return _eval(self._tree, s, p, False)[0]

    def z(self, freq_hz: Any, params: ParamsLike) -> np.ndarray:
        """Impedance [Ohm] at frequencies [Hz] (``s = 2 pi j f``)."""
        return self.impedance(2j * np.pi * np.asarray(freq_hz, dtype=float), params)

    def jacobian(self, freq_hz: Any, params: ParamsLike) -> np.ndarray:
        """dZ/dp at frequencies [Hz], complex, shape ``(n_freq, n_params)``."""
        return self.impedance_and_jacobian(2j * np.pi * np.asarray(freq_hz, dtype=float), params)[1]

    # --- relaxation times -------------------------------------------------------------
    def time_constants(self, params: ParamsLike) -> pd.DataFrame:
        """Relaxation times of the circuit's processes.

        One row per process:

        * ``p(R, CPE)`` / ``p(R, C)`` (an R, or a series branch of Rs and other elements,
          in parallel with a C or CPE): tau = (R Q)^(1/n), or R C; r = the branch's R;
        * ``Zarc`` (R, tau, gamma; impedance.py's): its own tau, r = R, n = gamma;
        * ``RQ`` (R, Q, n): tau = (R Q)^(1/n), r = R;
        * ``K``, ``G``: tau, r = R;
        * ``Gs`` (finite-length Gerischer R, tau, phi): tau, r = R coth(phi), its DC
          resistance;
        * ``Wo``, ``Ws``, ``Wsc``, ``Wsph``: tau (= L^2/D for the diffusion length L), r = R;
        * ``Wa`` (anomalous diffusion, R coth(y)/y with y = (s tau)^(n/2)): tau, r = R,
          n = its exponent (n = 1 is ``Wo``);
        * ``TLM``: two rows, charge transfer tau = (R_ct Q)^(1/n) with r = R_ct, and ionic
          tau = (R_ion Q)^(1/n) with r = R_ion / 3 (the ionic resistance seen by a
          blocking porous electrode);
        * ``TLMQ`` (blocking transmission line R_ion, Q_s, gamma): one row, ionic
          tau = (R_ion Q_s)^(1/gamma) with r = R_ion / 3.

        ``T`` (Paasch's porous electrode) gives no row: its parameters A, B, a, b do not
        separate into one resistance and one time constant. Neither do ``R``, ``C``,
        ``L``, ``La``, ``W`` or a ``CPE`` outside ``p(R, CPE)``.

        ``f_peak_Hz`` is 1 / (2 pi tau): the frequency of the -Z'' maximum of an R||CPE,
        the characteristic frequency of the other processes. Rows are sorted by tau.

        Returns
        -------
        DataFrame with columns ``element``, ``r_ohm``, ``tau_s``, ``f_peak_Hz``, ``n``.
        """
        p = self.as_array(params)
        rows: list[dict[str, Any]] = []

        def add(label: str, r: float, tau: float, n: float = 1.0) -> None:
            rows.append({"element": label, "r_ohm": r, "tau_s": tau, "n": n})

        def series_r(node: _Leaf | _Node) -> tuple[float, list[str]] | None:
            if isinstance(node, _Leaf):
                return (p[node.start], [node.name]) if node.element.kind == "R" else None
            if node.op != "s":
                return None
            rs = [
                (p[c.start], c.name)
                for c in node.children
                if isinstance(c, _Leaf) and c.element.kind == "R"
            ]
            if not rs:
                return None
            return float(sum(v for v, _ in rs)), [n for _, n in rs]

        def walk(node: _Leaf | _Node) -> None:
            if isinstance(node, _Leaf):
                kind, q = node.element.kind, p[node.start : node.stop]
                if kind == "Zarc":
                    add(node.name, q[0], q[1], q[2])
                elif kind == "RQ":
                    add(node.name, q[0], (q[0] * q[1]) ** (1 / q[2]), q[2])
                elif kind == "Gs":
                    add(node.name, q[0] / np.tanh(q[2]), q[1])
                elif kind == "TLMQ":
                    add(f"{node.name}:ion", q[0] / 3.0, (q[0] * q[1]) ** (1 / q[2]), q[2])
                elif kind in ("K", "G", "Wo", "Ws", "Wsc", "Wsph"):
                    add(node.name, q[0], q[1])
                elif kind == "Wa":
                    add(node.name, q[0], q[1], q[2])
                elif kind == "TLM":
                    add(f"{node.name}:ct", q[1], (q[1] * q[2]) ** (1 / q[3]), q[3])
                    add(f"{node.name}:ion", q[0] / 3.0, (q[0] * q[2]) ** (1 / q[3]), q[3])
                return
            if node.op == "p" and len(node.children) == 2:
                for cap, other in (node.children, node.children[::-1]):
                    if isinstance(cap, _Leaf) and cap.element.kind in CAPACITIVE:
                        found = series_r(other)
                        if found is not None:
                            r, names = found
                            label = f"{'-'.join(names)}||{cap.name}"
                            q = p[cap.start : cap.stop]
                            if cap.element.kind == "C":
                                add(label, r, r * q[0])
                            else:
                                add(label, r, (r * q[0]) ** (1 / q[1]), q[1])
                            if isinstance(other, _Node):
                                for c in other.children:
                                    walk(c)
                            return
            for c in node.children:
                walk(c)

        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            walk(self._tree)
        df = pd.DataFrame(rows, columns=["element", "r_ohm", "tau_s", "n"])
        df["f_peak_Hz"] = 1.0 / (2 * np.pi * df["tau_s"].astype(float))
        df = df[["element", "r_ohm", "tau_s", "f_peak_Hz", "n"]]
        return df.sort_values("tau_s", kind="stable").reset_index(drop=True)


def describe_elements() -> pd.DataFrame:
    """Every element type: parameters (impedance.py order), units, default bounds, formula."""
    rows = []
    for kind, el in ELEMENTS.items():
        rows.append(
            {
                "element": kind,
                "params": ", ".join(el.params),
                "units": ", ".join(u or "-" for u in el.units),
                "bounds": ", ".join(f"[{lo:g}, {hi:g}]" for lo, hi in el.bounds),
                "formula": el.formula,
            }
        )
    return pd.DataFrame(rows)
