"""How numbers are printed, everywhere: a value with its standard error by :func:`pm` --
the error rounded to 2 significant digits, the value to the same decimal place
(``0.2755 ± 0.0045 mOhm``, ``253 ± 12 Ohm``); a value alone by :func:`num` (4 significant
digits). With a unit that takes an SI prefix (Ohm, s, Hz, V, A, ...) the prefix is chosen
so that the number reads between 1 and 1000; a table column shares one prefix
(:func:`column_unit`) named in its header. Without a unit, very large or small numbers
share one power of ten: ``(2.755 ± 0.045)e-4``. Used by the command line and by the
results' own text (``repr``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

__all__ = ["PREFIXABLE", "column_unit", "num", "pm"]

#: Units printed with an SI prefix (mOhm, ms, kHz, µA, ...).
PREFIXABLE = frozenset({"Ohm", "Ω", "s", "Hz", "V", "A", "F", "H", "Ah", "Wh", "W", "S/cm"})
_PREFIX = {-12: "p", -9: "n", -6: "µ", -3: "m", 0: "", 3: "k", 6: "M", 9: "G"}


def _finite(x: Any) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _exp3(magnitude: float) -> int:
    """The power of ten (a multiple of 3, within the prefixes) that puts ``magnitude``
    in [1, 1000)."""
    if not magnitude > 0 or not math.isfinite(magnitude):
        return 0
    e = int(math.floor(math.log10(magnitude) / 3) * 3)
    return min(max(e, -12), 9)


def column_unit(values: Iterable[float], unit: str) -> tuple[float, str]:
    """(factor, unit for the header) for a column of ``values`` [unit]: one SI prefix
    from the median magnitude of the finite values (``mOhm``); for a unit without
    prefixes, values far from 1 share a power of ten (``1e-14 m²/s``)."""
    mags = sorted(abs(float(v)) for v in values if _finite(v) and float(v) != 0)
    if not mags:
        return 1.0, unit
    mid = mags[len(mags) // 2]
    if unit in PREFIXABLE:
        e = _exp3(mid)
        return 10.0**-e, _PREFIX[e] + unit
    if 1e-3 <= mid < 1e5:
        return 1.0, unit
    x = int(math.floor(math.log10(mid)))
    return 10.0**-x, f"1e{x} {unit}".strip()


def _with_unit(text: str, unit: str) -> str:
    return f"{text} {unit}" if unit else text


def num(value: float | None, unit: str = "", digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits, with ``unit`` (SI-prefixed where it
    takes one); blank for None or NaN."""
    if value is None or value != value:
        return ""
    v = float(value)
    if not math.isfinite(v):
        return _with_unit("inf" if v > 0 else "-inf", unit)
    if unit in PREFIXABLE:
        e = _exp3(abs(v))
        return f"{v / 10.0**e:.{digits}g} {_PREFIX[e]}{unit}"
    return _with_unit(f"{v:.{digits}g}", unit)


def _rounded(value: float, error: float) -> tuple[str, str]:
    """Value and error as text: the error to 2 significant digits, the value to the same
    decimal place."""
    d = math.floor(math.log10(error)) - 1  # place of the error's second digit
    if round(error, -d) >= 10.0 ** (d + 2):  # 9.96 -> 10: one place fewer
        d += 1
    if value:  # an error below the value's 6th significant digit: no finer than that
        d = max(d, math.floor(math.log10(abs(value))) - 5)
    places = max(0, -d)
    v, e = round(value, -d), round(error, -d)
    return f"{v:.{places}f}", f"{e:.{places}f}"


def pm(value: float | None, error: float | None, unit: str = "") -> str:
    """``value ± error`` rounded together: the error to 2 significant digits, the value
    to the same decimal place; ``unit`` SI-prefixed where it takes a prefix
    (``pm(2.755e-4, 4.5e-6, "Ohm")`` -> ``"275.5 ± 4.5 µOhm"``), else appended
    (``"0.312 ± 0.012 eV"``); without a unit, numbers below 1e-3 or from 1e5 share a
    power of ten (``"(2.755 ± 0.045)e-4"``); the value is never shown to more than 6
    significant digits (a smaller error then shows as 0). Blank for a missing value; without a finite
    error > 0 the value alone (:func:`num`), ``± inf`` for an infinite error."""
    if value is None or value != value:
        return ""
    v = float(value)
    if not math.isfinite(v):
        return num(v, unit)
    if not _finite(error) or float(error) <= 0:  # type: ignore[arg-type]
        if error is not None and error == error and float(error) > 0:  # inf: undetermined
            return _with_unit(f"{num(v)} ± inf", unit)
        return num(v, unit)
    err = float(error)  # type: ignore[arg-type]
    mag = max(abs(v), err)
    if unit in PREFIXABLE:
        e = _exp3(mag)
        a, b = _rounded(v / 10.0**e, err / 10.0**e)
        return f"{a} ± {b} {_PREFIX[e]}{unit}"
    if 1e-3 <= mag < 1e5:
        a, b = _rounded(v, err)
        return _with_unit(f"{a} ± {b}", unit)
    x = int(math.floor(math.log10(mag)))
    a, b = _rounded(v / 10.0**x, err / 10.0**x)
    return _with_unit(f"({a} ± {b})e{x}", unit)
