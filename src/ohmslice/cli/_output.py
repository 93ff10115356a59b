"""Writing result tables from the command line without leaving half-written files, and
the one way numbers are printed.

Numbers: a value with its standard error is printed by :func:`pm` -- the error rounded
to 2 significant digits, the value to the same decimal place (``0.2755 ± 0.0045 mOhm``,
``253 ± 12 Ohm``); a value alone by :func:`num` (4 significant digits). With a unit that
takes an SI prefix (Ohm, s, Hz, V, A, ...) the prefix is chosen so that the number reads
between 1 and 1000; a table column shares one prefix (:func:`column_unit`) named in its
header. Without a unit, very large or small numbers share one power of ten:
``(2.755 ± 0.045)e-4``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .._atomic import atomic_file
from ..errors import InputError

TABLE_SUFFIXES = (".csv", ".parquet")

#: Units printed with an SI prefix (mOhm, ms, kHz, µA, ...).
PREFIXABLE = frozenset({"Ohm", "Ω", "s", "Hz", "V", "A", "F", "H", "Ah", "Wh", "W", "S/cm"})
_PREFIX = {-12: "p", -9: "n", -6: "µ", -3: "m", 0: "", 3: "k", 6: "M", 9: "G"}


def _finite(x: Any) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def fmt(x: float | None, spec: str = ".3g") -> str:
    """``x`` formatted with ``spec``; blank for None or NaN (a value a table lacks)."""
    return "" if x is None or x != x else format(x, spec)


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


def check_table_path(path: Path) -> None:
    """Raise :class:`InputError` unless ``path`` is a .csv/.parquet file in an existing folder."""
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(
            f"table format '{path.suffix}' not supported; use .csv or .parquet", path=path
        )
    if not path.parent.is_dir():
        raise InputError("folder does not exist", path=path.parent)


def check_outputs(output: Path | None, plot: Path | None) -> None:
    """Check a table path (``-o``) and a figure path (``--plot``) before any work, so
    that nothing is written half-way: suffix known, folder existing."""
    if output is not None:
        check_table_path(output)
    if plot is not None:
        from ..report._save import FORMATS

        if plot.suffix.lower() not in FORMATS:
            raise InputError(
                f"figure format '{plot.suffix}' not supported; use {', '.join(FORMATS)}",
                path=plot,
            )
        if not plot.parent.is_dir():
            raise InputError("folder does not exist", path=plot.parent)


def write_table(df, path: Path) -> None:
    """Write ``df`` to ``path`` (.csv or .parquet) through a temporary file and a rename."""
    check_table_path(path)
    with atomic_file(path) as tmp:
        if path.suffix.lower() == ".csv":
            df.to_csv(tmp, index=False)
        else:
            df.to_parquet(tmp, index=False)


def _plain(x: Any) -> Any:
    """``x`` as JSON can hold it: DataFrames as lists of row records, numpy scalars and
    arrays as numbers and lists, NaN and infinities as null, paths as strings."""
    import numpy as np
    import pandas as pd

    if isinstance(x, pd.DataFrame):
        return [_plain(r) for r in x.astype(object).where(x.notna(), None).to_dict("records")]
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return [_plain(v) for v in x.tolist()]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, Path):
        return str(x)
    return x


def print_json(payload: Any) -> None:
    """Print ``payload`` (dicts, lists, DataFrames, numbers) as indented JSON on stdout
    (``--json``): nothing else is printed there, so the output parses as a whole."""
    import json

    import typer

    typer.echo(json.dumps(_plain(payload), indent=2, default=str))
