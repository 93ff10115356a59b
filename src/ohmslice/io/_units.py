"""Units written in column headers, and their factors to the SI units of the canonical columns.

A header names its unit in one of the usual ways -- ``Time (s)``, ``Current[mA]``,
``I/mA`` (EC-Lab), ``(Q-Qo)/mA.h`` -- and :func:`split_header` separates the quantity
from the unit. :func:`factor` gives the multiplier that turns a value in that unit into
the canonical unit of a quantity (s, V, A, A h, Hz, Ohm). Prefixes are case sensitive
where case matters (``mHz`` is not ``MHz``, ``mOhm`` is not ``MOhm``).
"""

from __future__ import annotations

import functools
import re

from ..errors import InputError

# quantity kind -> {unit spelling -> factor to the canonical unit}
_FACTORS: dict[str, dict[str, float]] = {
    "time": {
        "us": 1e-6,
        "ms": 1e-3,
        "s": 1.0,
        "sec": 1.0,
        "secs": 1.0,
        "second": 1.0,
        "seconds": 1.0,
        "min": 60.0,
        "mn": 60.0,
        "mins": 60.0,
        "minute": 60.0,
        "minutes": 60.0,
        "h": 3600.0,
        "hr": 3600.0,
        "hrs": 3600.0,
        "hour": 3600.0,
        "hours": 3600.0,
        "d": 86400.0,
        "day": 86400.0,
        "days": 86400.0,
    },
    "voltage": {"uV": 1e-6, "mV": 1e-3, "V": 1.0, "kV": 1e3},
    "current": {"pA": 1e-12, "nA": 1e-9, "uA": 1e-6, "mA": 1e-3, "A": 1.0},
    "charge": {
        "uAh": 1e-6,
        "mAh": 1e-3,
        "Ah": 1.0,
        "mC": 1e-3 / 3600.0,
        "C": 1.0 / 3600.0,
        "As": 1.0 / 3600.0,
    },
    "frequency": {"mHz": 1e-3, "Hz": 1.0, "kHz": 1e3, "MHz": 1e6},
    "impedance": {"uOhm": 1e-6, "mOhm": 1e-3, "Ohm": 1.0, "kOhm": 1e3, "MOhm": 1e6},
    "angle": {"deg": 1.0, "°": 1.0, "rad": 180.0 / 3.141592653589793},
    "temperature": {"°C": 1.0, "C": 1.0, "degC": 1.0},
    "count": {"": 1.0},
}

#: Canonical (SI) unit of each quantity kind.
SI_UNIT = {
    "time": "s",
    "voltage": "V",
    "current": "A",
    "charge": "Ah",
    "frequency": "Hz",
    "impedance": "Ohm",
    "angle": "deg",
    "temperature": "°C",
    "count": "",
}

_HEADER_BRACKET = re.compile(r"^(?P<name>.*?)\s*[\(\[\{](?P<unit>[^\(\)\[\]\{\}]*)[\)\]\}]\s*$")
_HEADER_SLASH = re.compile(r"^(?P<name>.+?)\s*/\s*(?P<unit>[^/]+?)\s*$")
_HEADER_UNDERSCORE = re.compile(r"^(?P<name>.+?)_(?P<unit>[^_\s]+)$")


@functools.lru_cache(maxsize=1024)
def normalise_unit(unit: str) -> str:
    """Spell a unit the one way :data:`_FACTORS` knows (``µA`` -> ``uA``, ``mA.h`` -> ``mAh``,
    ``Ω`` -> ``Ohm``, ``ohms`` -> ``Ohm``); case is kept."""
    u = unit.strip()
    u = u.replace("µ", "u").replace("μ", "u")
    u = u.replace("Ω", "Ohm").replace("Ω", "Ohm")
    u = re.sub(r"(?i)ohms?", "Ohm", u)
    u = re.sub(r"(?<=A)[\.\s·*]?h(r)?$", "h", u)  # mA.h, mA h, mA*h, mAhr -> mAh
    u = re.sub(r"(?<=A)[\.\s·*]s$", "s", u)  # A.s -> As
    u = u.replace("deg.", "deg").replace("degrees", "deg").replace("Deg", "deg")
    return u


@functools.lru_cache(maxsize=4096)
def split_header(header: str) -> tuple[str, str | None]:
    """Split a column header into (quantity name, unit or None).

    ``"Time (s)"`` -> ``("Time", "s")``; ``"I/mA"`` -> ``("I", "mA")``;
    ``"(Q-Qo)/mA.h"`` -> ``("(Q-Qo)", "mA.h")``; ``"Current_mA"`` -> ``("Current", "mA")``;
    ``"Seconds"`` -> ``("Seconds", None)``. A bracket that holds no known unit
    (``"Re(Z)"``) is part of the name.
    """
    text = header.strip()
    for pattern in (_HEADER_BRACKET, _HEADER_SLASH, _HEADER_UNDERSCORE):
        m = pattern.match(text)
        if m and m.group("name").strip() and _known_anywhere(m.group("unit")):
            return m.group("name").strip(), m.group("unit").strip()
    return text, None


def _known_anywhere(unit: str) -> bool:
    u = normalise_unit(unit)
    if not u:
        return False
    return any(u in table for table in _FACTORS.values()) or any(
        u.lower() in {k.lower() for k in table} for table in _FACTORS.values()
    )


def factor(unit: str | None, kind: str, *, column: str | None = None, path=None) -> float:
    """Multiplier from ``unit`` to the canonical unit of ``kind``.

    Parameters
    ----------
    unit
        The unit as written in the header; ``None`` means the canonical unit.
    kind
        ``"time"``, ``"voltage"``, ``"current"``, ``"charge"``, ``"frequency"``,
        ``"impedance"``, ``"angle"``, ``"temperature"`` or ``"count"``.
    column, path
        Named in the error message.

    Raises
    ------
    InputError
        The unit is not one of the units of that kind (e.g. ``V`` for a current), or
        its case is ambiguous (``mhz``: milli or mega?).
    """
    table = _FACTORS[kind]
    if unit is None:
        return 1.0
    u = normalise_unit(unit)
    if u in table:
        return table[u]
    matches = {k: v for k, v in table.items() if k.lower() == u.lower()}
    values = set(matches.values())
    if len(values) == 1:
        return values.pop()
    expected = ", ".join(k for k in table if k)
    why = "is ambiguous (upper or lower case prefix?)" if matches else "is not a unit of " + kind
    raise InputError(f"unit '{unit}' {why}; expected one of: {expected}", path=path, column=column)


def is_unit(text: str) -> bool:
    """Is ``text`` a unit of some quantity ohmslice knows (``mA``, ``s``, ``Ohm``, ``°C``)?"""
    return _known_anywhere(text)
