"""Writers of small EC-Lab text files in every variant the readers must handle."""

from __future__ import annotations

import numpy as np

GCPL_COLUMNS = [
    "mode",
    "ox/red",
    "error",
    "Ns",
    "time/s",
    "control/V/mA",
    "Ewe/V",
    "<I>/mA",
    "dq/mA.h",
    "(Q-Qo)/mA.h",
    "half cycle",
    "cycle number",
]


def mpt_bytes(
    columns: list[str],
    rows: np.ndarray | list[list],
    *,
    technique: str | None = "Galvanostatic Cycling with Potential Limitation",
    decimal: str = ".",
    settings: list[str] = (),
    header: bool = True,
    encoding: str = "latin-1",
    nb_header: int | None = None,
    trailing_newline: bool = True,
) -> bytes:
    """An EC-Lab .mpt file: magic, 'Nb header lines', technique, settings, column names,
    tab-separated rows (numbers as EC-Lab writes them: 1.2345678E+000)."""
    head: list[str] = []
    if header:
        body = ["", technique or "", "", *settings, ""]
        n = 3 + len(body)
        head = ["EC-Lab ASCII FILE", f"Nb header lines : {nb_header or n}".ljust(46), *body]
    lines = ["\t".join(columns) + "\t"]
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, str):
                cells.append(v)
            elif float(v).is_integer() and abs(v) < 1e6 and not isinstance(v, float):
                cells.append(str(int(v)))
            else:
                cells.append(f"{float(v):.7E}".replace("E+0", "E+00").replace("E-0", "E-00"))
        text = "\t".join(cells)
        if decimal == ",":
            text = text.replace(".", ",")
        lines.append(text + "\t")
    out = "\r\n".join(head + lines)
    if trailing_newline:
        out += "\r\n"
    return out.encode(encoding)


def gcpl_rows(n_rest: int = 5, n_cc: int = 10, i_mA: float = 0.5) -> list[list]:
    """Rest, then constant current i_mA: rows in GCPL_COLUMNS order (1 s apart)."""
    rows = []
    q = 0.0
    for k in range(n_rest + n_cc):
        cc = k >= n_rest
        i = i_mA if cc else 0.0
        dq = i / 3600.0 if cc else 0.0
        q += dq
        ns = 1 if cc else 0
        rows.append([1 if cc else 3, 1, 0, ns, float(10 + k), i, 3.5 + 0.01 * k, i, dq, q, 0, 0.0])
    return rows
