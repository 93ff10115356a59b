"""``ohmslice cycling FILE...``: capacity, coulombic efficiency and resistance per cycle.

Each FILE is one cell, named after its stem. A file that also holds impedance spectra
between its cycles (an EC-Lab Modulo Bat sequence) gets R1/R2 per cycle from them with
``--eis``; every cell gets the trend and change-point of its step-start resistance.
"""

from __future__ import annotations

import math
from pathlib import Path

import typer
from rich.table import Table

from ..errors import InputError
from ._app import app, console, err_console, input_errors
from ._options import JSON, output_option, plot_option
from ._output import check_outputs, fmt, pm, print_json, write_outputs

#: Cycles printed in full; longer tables show the first and last half of this.
MAX_ROWS = 20


def _print_cell(res, resist) -> None:
    c = res.cycles
    specific = c["discharge_mAh_g"].notna().any()
    areal = c["discharge_mAh_cm2"].notna().any()
    t = Table(title=res.summary().splitlines()[0], title_justify="left")
    cols = ["cycle", "Q ch / mAh", "Q dis / mAh"]
    if specific:
        cols.append("dis / mAh g-1")
    if areal:
        cols.append("dis / mAh cm-2")
    cols += ["CE %", "V ch", "V dis", "CV %", "R ch / Ohm", "R dis / Ohm"]
    for col in cols:
        t.add_column(col, justify="right")
    rows = list(c.itertuples())
    if len(rows) > MAX_ROWS:
        rows = rows[: MAX_ROWS // 2] + [None] + rows[-MAX_ROWS // 2 :]
    for r in rows:
        if r is None:
            t.add_row(*(["..."] * len(cols)))
            continue
        row = [str(r.cycle), f"{r.charge_mAh:.4g}", f"{r.discharge_mAh:.4g}"]
        if specific:
            row.append(fmt(r.discharge_mAh_g, ".4g"))
        if areal:
            row.append(fmt(r.discharge_mAh_cm2, ".4g"))
        row += [
            f"{r.ce_pct:.2f}", f"{r.charge_mean_V:.3f}", f"{r.discharge_mean_V:.3f}",
            fmt(r.charge_cv_pct, ".1f"), fmt(r.r_charge_ohm, ".4g"), fmt(r.r_discharge_ohm, ".4g"),
        ]  # fmt: skip
        t.add_row(*row)
    console.print(t)
    for line in res.summary().splitlines()[1:]:
        console.print(f"  {line}", highlight=False)
    for name, ct in resist.items():
        for comp, c2 in ct.components.items():
            tr = c2.trend
            if not math.isfinite(tr.slope):
                continue
            console.print(
                f"  {name} {comp}: trend {pm(tr.slope, tr.slope_err, 'Ohm/cycle')}; "
                f"{c2.change.summary()}",
                highlight=False,
            )


@app.command("cycling")
@input_errors
def cycling(
    files: list[Path] = typer.Argument(..., help="Cycling files, one cell each."),
    mass_mg: float | None = typer.Option(
        None, "--mass-mg", help="Active-material mass (mg), for mAh/g (all cells)."
    ),
    mass_g_old: float | None = typer.Option(
        None, "--mass-g", hidden=True, help="Deprecated: use --mass-mg."
    ),
    area_cm2: float | None = typer.Option(
        None, "--area-cm2", help="Electrode area (cm2), for mAh/cm2 (all cells)."
    ),
    cycles: str = typer.Option(
        "auto", "--cycles", help="Cycles from: auto (file counter, else current), counter, current."
    ),
    eis: bool = typer.Option(
        False, "--eis", help="Also fit the spectra between cycles (R1/R2 per cycle, trend)."
    ),
    circuit: str | None = typer.Option(
        None, "--circuit", help="Circuit for --eis (default: the impedance engine's)."
    ),
    output: Path | None = output_option("Write the per-cycle table (.csv or .parquet)."),
    plot: Path | None = plot_option(),
    as_json: bool = JSON,
) -> None:
    """Capacity, coulombic efficiency, energy, mean voltages, CV share and the resistance
    at each step start of every cycle; trend and change-point of the resistance.

    The printed table shows the main columns (energies, voltage gap and the time each
    resistance was read at are in the table written with -o)."""
    import pandas as pd

    from ..dc.cycling import analyze_cycling
    from ..io import read
    from ..method.cycling import resistance_over_cycles, step_resistance_over_cycles
    from ..schema import Recording, Spectrum

    if cycles not in ("auto", "counter", "current"):
        raise InputError(f"--cycles {cycles!r}: expected auto, counter or current")
    if mass_g_old is not None:
        if mass_mg is not None:
            raise InputError("--mass-mg and --mass-g (deprecated) both given: give --mass-mg")
        err_console.print("[yellow]warning:[/] --mass-g is deprecated: use --mass-mg (in mg)",
                          highlight=False)  # fmt: skip
        mass_mg = 1e3 * mass_g_old
    for opt, val in (("--mass-mg", mass_mg), ("--area-cm2", area_cm2)):
        if val is not None and not val > 0:
            raise InputError(f"{opt} {val}: expected a value > 0")
    mass_g = None if mass_mg is None else mass_mg / 1e3
    check_outputs(output, plot)  # before any work: nothing is written half-way
    results, resist, eis_res = {}, {}, {}
    for path in files:
        items = read(path)
        items = items if isinstance(items, list) else [items]
        recs = [x for x in items if isinstance(x, Recording)]
        specs = [x for x in items if isinstance(x, Spectrum)]
        if not recs:
            raise InputError("holds no time series (only spectra); expected a cycling record",
                             path=path)  # fmt: skip
        name = path.stem
        while name in results:
            name += "_"
        res = analyze_cycling(recs[0], mass_g, area_cm2, cycles=cycles, cell=name)  # type: ignore[arg-type]
        results[name] = res
        resist[name] = {"step start": step_resistance_over_cycles(res)}
        if eis and specs:
            eis_res[name] = resistance_over_cycles(specs, recs[0], circuit=circuit)
            resist[name]["spectra"] = eis_res[name]
        elif eis:
            console.print(f"  {name}: no spectra in the file; --eis has nothing to fit")
    if as_json:
        print_json({
            n: {"cycle_source": r.cycle_source, "capacity_source": r.capacity_source,
                "cycles": r.cycles, "notes": list(r.notes),
                "trends": {k: v.trends for k, v in resist[n].items()}}
            for n, r in results.items()
        })  # fmt: skip
    for name, res in results.items() if not as_json else ():
        _print_cell(res, resist[name])
    fig = None
    if plot is not None:
        from ..report.cycling_figures import plot_cycling

        steps = {n: r["step start"] for n, r in resist.items()}
        fig = plot_cycling(results, eis_res or None, step_resistance=steps)
    cycles = pd.concat([r.cycles for r in results.values()], ignore_index=True)
    write_outputs(cycles, output, fig, plot, say=not as_json)
