"""What the study figures share: the result of drawing one, and the SOC axis in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Drawn", "Skip", "soc_axis", "cells_in_order", "flag_bool", "soc_words"]


@dataclass
class Drawn:
    """A drawn figure: the :class:`~matplotlib.figure.Figure`, its caption (what was
    computed and how it is drawn) and notes (values left out or drawn apart, and why)."""

    fig: Any
    caption: str
    notes: list[str] = field(default_factory=list)


class Skip(Exception):
    """The figure's data are not in the store: not drawn; ``str(exc)`` says what is
    missing."""


#: The SOC scale of a cell's GITT (``cells.soc_basis``) in a few words.
SOC_SCALES = {
    "discharge": "100 % = full charge, 0 % = end of the GITT",
    "charge": "100 % = end of the full charge",
    "nominal": "of the nominal capacity",
    "given": "of the given capacity",
}


def cells_in_order(tables: Any) -> list[str]:
    """Cell names in the order of the ``cells`` table (the study file's), then any other
    cell a table names."""
    names = list(tables["cells"]["cell"]) if tables.has("cells") else []
    return list(dict.fromkeys(str(n) for n in names))


def soc_words(tables: Any) -> str:
    """The cells' SOC scale in a sentence: one scale for all cells, or each cell's."""
    if not tables.has("cells"):
        return ""
    c = tables["cells"].dropna(subset=["soc_reference"])
    refs = dict(zip(c["cell"], c["soc_reference"], strict=True))
    if not refs:
        return ""
    if len(set(refs.values())) == 1:
        return f"SOC scale of every cell: {next(iter(refs.values()))}."
    return "SOC scales: " + "; ".join(f"{k}: {v}" for k, v in refs.items()) + "."


def soc_axis(tables: Any) -> str:
    """``"SOC / % (<scale>)"`` where every cell is on the same scale, else ``"SOC / %"``."""
    if tables.has("cells"):
        bases = set(tables["cells"]["soc_basis"].dropna().astype(str))
        if len(bases) == 1:
            b = bases.pop()
            return f"SOC / % ({SOC_SCALES.get(b, b)})"
    return "SOC / %"


def flag_bool(s: pd.Series, default: bool = False) -> np.ndarray:
    """A nullable boolean column as a NumPy bool array, NULL as ``default``."""
    if s is None or len(s) == 0:
        return np.zeros(0, dtype=bool)
    return s.astype(object).where(s.notna(), default).astype(bool).to_numpy()
