"""``ohmslice dcir FILE`` and ``ohmslice hppc FILE``: DC internal resistance of every
current pulse from rest at fixed times after its step, and HPPC charge/discharge pulse
pairs (:mod:`ohmslice.dc.dcir`)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer
from rich.box import SIMPLE_HEAD
from rich.markup import escape

from ..errors import InputError
from ._app import app, console, input_errors
from ._options import AT_S, JSON, QUIET, output_option
from ._output import check_outputs, column_unit, fmt, num, write_table
from ._progress import progress


def parse_times(items: list[str] | None) -> list[float] | None:
    """``--at-s`` values (repeated, or comma-separated lists) -> times [s], or None."""
    if not items:
        return None
    out: list[float] = []
    for item in items:
        for part in str(item).split(","):
            if not part.strip():
                continue
            try:
                v = float(part)
            except ValueError:
                v = math.nan
            if not (math.isfinite(v) and v > 0):
                raise InputError(f"--at-s {part.strip()!r}: expected times > 0 s, e.g. 0.1,1,10")
            out.append(v)
    if not out:
        raise InputError("--at-s: no time given; expected times > 0 s, e.g. 0.1,1,10")
    return sorted(set(out))


def _r_columns(table, prefix: str = "") -> list[tuple[str, str]]:
    """(column, label) of the resistances at fixed times (labels as in the column
    names: 1ms, 100ms, 10s), then at the pulse end."""
    cols = []
    for c in table.columns:
        name = c[len(prefix) :] if c.startswith(prefix) else None
        if (
            name
            and name.startswith("r_")
            and name.endswith("_ohm")
            and name not in ("r_first_ohm", "r_end_ohm")
        ):
            cols.append((c, name[2:-4]))
    cols.append((f"{prefix}r_end_ohm", "end"))
    return cols


def _rows_shown(n: int, rows: int) -> list[int]:
    if n <= rows:
        return list(range(n))
    step = n / max(rows, 1)
    return sorted({min(n - 1, int(k * step)) for k in range(rows)} | {n - 1})


def _echo_json(kind: str, file: Path, table, notes: list[str]) -> None:
    out = {"command": kind, "file": str(file), "notes": notes,
           "rows": json.loads(table.to_json(orient="records"))}  # fmt: skip
    typer.echo(json.dumps(out, indent=2))


@app.command("dcir")
@input_errors
def dcir_command(
    file: Path = typer.Argument(..., help="Instrument file with current pulses from rest."),
    at_s: list[str] = AT_S,
    min_rest_s: float = typer.Option(
        0.0, "--min-rest-s", help="Only pulses after a rest at least this long (s)."
    ),
    output: Path = output_option("Write the per-pulse table (.csv or .parquet)."),
    rows: int = typer.Option(20, "--rows", help="Pulses shown in the summary table."),
    as_json: bool = JSON,
    quiet: bool = QUIET,
) -> None:
    """DC internal resistance R(t) = (V(t) - V_rest) / I of every constant-current pulse
    after a rest, at fixed times after its step (interpolated in log time; nothing
    extrapolated: blank before the first sample or after the pulse end)."""
    from ..dc.dcir import DCIR_TIMES_S, dcir
    from ..io import read_recording

    times = parse_times(at_s) or list(DCIR_TIMES_S)
    if not (math.isfinite(min_rest_s) and min_rest_s >= 0):
        raise InputError(f"--min-rest-s {min_rest_s}: expected a duration >= 0 s")
    check_outputs(output, None)
    with progress(quiet=quiet or as_json) as step:
        step(f"reading {file.name}")
        rec = read_recording(file)
        step("pulses and their resistances")
        table = dcir(rec, times_s=times, min_rest_s=min_rest_s)
    notes = [
        "R(t) = (V(t) - V_rest) / I, V_rest the last sample of the rest before the pulse; "
        "t from the step; blank: t before the first sample after the step or after the end "
        "of the pulse"
    ]
    if output is not None:
        write_table(table, output)
    if as_json:
        _echo_json("dcir", file, table, notes)
        return
    from rich.table import Table

    rcols = _r_columns(table)
    f_r, u_r = column_unit(table[[c for c, _ in rcols]].to_numpy().ravel(), "Ohm")
    t = Table(title=escape(f"{file.name}: {len(table)} pulses from rest; R ({u_r}) at t after "
                           "the step; start (h), I (mA), length (s), V_rest (V)"),
              title_justify="left", box=SIMPLE_HEAD, padding=(0, 0, 0, 1), show_edge=False)  # fmt: skip
    for col in ("#", "start", "I", "length", "V_rest", *(label for _, label in rcols)):
        t.add_column(col, justify="right")
    show = _rows_shown(len(table), rows)
    for k in show:
        r = table.iloc[k]
        t.add_row(
            str(k + 1), fmt(r["t_start_s"] / 3600, ".2f"), num(1e3 * r["current_A"], digits=3),
            num(r["duration_s"], digits=3), fmt(r["ocv_before_V"], ".4f"),
            *(num(f_r * r[c]) for c, _ in rcols),
        )  # fmt: skip
    console.print(t)
    first = float(table["t_first_s"].median())
    notes.append(f"first sample after the step: {num(first, 's', 3)} (median)")
    if len(table) > len(show):
        console.print(f"({len(show)} of {len(table)} pulses shown; -o writes them all)")
    for note in notes:
        console.print(note, highlight=False)
    if output is not None:
        console.print(f"table written to {output}")


@app.command("hppc")
@input_errors
def hppc_command(
    file: Path = typer.Argument(..., help="Instrument file holding the HPPC test."),
    at_s: list[str] = AT_S,
    capacity_mah: float = typer.Option(
        None,
        "--capacity-mAh",
        help="Capacity (mAh) the SOC is counted against: 100 % at the start of the "
        "record (it must start full). Without it: the charge passed.",
    ),
    max_pulse_s: float = typer.Option(
        120.0, "--max-pulse-s", help="Longest pulse of a pair (s); longer steps move the SOC."
    ),
    max_gap_s: float = typer.Option(
        600.0, "--max-gap-s", help="Longest rest between the two pulses of a pair (s)."
    ),
    output: Path = output_option("Write the per-pair table (.csv or .parquet)."),
    rows: int = typer.Option(20, "--rows", help="Pairs shown in the summary table."),
    as_json: bool = JSON,
    quiet: bool = QUIET,
) -> None:
    """Hybrid pulse power characterisation: the discharge and charge resistance of every
    pulse pair at fixed times after each step, with the OCV before the pair and its SOC,
    or the charge passed before it."""
    from ..dc.dcir import DCIR_TIMES_S, hppc
    from ..io import read_recording
    from .gitt import _positive

    times = parse_times(at_s) or list(DCIR_TIMES_S)
    _positive("--capacity-mAh", capacity_mah)
    _positive("--max-pulse-s", max_pulse_s)
    _positive("--max-gap-s", max_gap_s)
    check_outputs(output, None)
    with progress(quiet=quiet or as_json) as step:
        step(f"reading {file.name}")
        rec = read_recording(file)
        step("pulse pairs and their resistances")
        table = hppc(
            rec, times_s=times, max_pulse_s=max_pulse_s, max_gap_s=max_gap_s,
            capacity_Ah=None if capacity_mah is None else capacity_mah / 1e3,
        )  # fmt: skip
    notes = [
        "R(t) = (V(t) - V_rest) / I of each pulse, t from its step; dis: the discharge "
        "pulse, chg: the charge pulse",
        f"SOC: 100 % at the start of the record (assumed full), coulomb counted against "
        f"{capacity_mah:g} mAh" if capacity_mah is not None else
        "no --capacity-mAh: the charge passed before each pair is shown, not SOC",
    ]  # fmt: skip
    if output is not None:
        write_table(table, output)
    if as_json:
        _echo_json("hppc", file, table, notes)
        return
    from rich.table import Table

    dis, chg = _r_columns(table, "dis_"), _r_columns(table, "chg_")
    allr = table[[c for c, _ in dis + chg]].to_numpy().ravel()
    f_r, u_r = column_unit(allr, "Ohm")
    where = "SOC" if capacity_mah is not None else "Q"
    t = Table(title=escape(f"{file.name}: {len(table)} HPPC pulse pairs; R ({u_r}) at t after "
                           f"each step; {where} ({'%' if where == 'SOC' else 'mAh'}), OCV (V), "
                           "I (mA)"), title_justify="left", box=SIMPLE_HEAD, padding=(0, 0, 0, 1), show_edge=False)  # fmt: skip
    for col in ("pair", where, "OCV", "pulse", "I", *(lb for _, lb in dis)):
        t.add_column(col, justify="left" if col == "pulse" else "right")
    show = _rows_shown(len(table), rows)
    for k in show:
        r = table.iloc[k]
        pos = fmt(r["soc_pct"], ".1f") if capacity_mah is not None else num(1e3 * r["charge_Ah"])
        for j, (name, cols) in enumerate((("dis", dis), ("chg", chg))):
            head = [str(int(r["pair"])), pos, fmt(r["ocv_V"], ".4f")] if j == 0 else [""] * 3
            t.add_row(*head, name, num(1e3 * r[f"{name}_current_A"], digits=3),
                      *(num(f_r * r[c]) for c, _ in cols))  # fmt: skip
    console.print(t)
    if len(table) > len(show):
        console.print(f"({len(show)} of {len(table)} pairs shown; -o writes them all)")
    for note in notes:
        console.print(note, highlight=False)
    if output is not None:
        console.print(f"table written to {output}")
