"""``ohmslice rate FILE...``: rate capability of one or several cells.

Files and cells: the FILE arguments are all of ONE cell (a rate test is often one file
per rate), named after the files' common stem. Several cells are given with
``--cell NAME=FILE`` (repeat it; the same NAME on several files gathers them into one
cell). Both may be combined: the FILE arguments are then one more cell.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.table import Table

from ..errors import InputError
from ._app import app, console, input_errors
from ._options import JSON, output_option, plot_option
from ._output import check_outputs, fmt, pm, print_json, write_outputs


def _stem_name(paths: list[Path]) -> str:
    """The common prefix of the file stems (without trailing separators), else the
    first stem."""
    stems = [p.stem for p in paths]
    prefix = os.path.commonprefix(stems).rstrip("_- .")
    return prefix if prefix else stems[0]


def _cells(files: list[Path], cell_specs: list[str]) -> dict[str, list[Path]]:
    cells: dict[str, list[Path]] = {}
    for spec in cell_specs:
        name, sep, file = spec.partition("=")
        if not sep or not name.strip() or not file.strip():
            raise InputError(f"--cell {spec!r}: expected NAME=FILE, e.g. --cell L_SE=l_se_2C.mpt")
        cells.setdefault(name.strip(), []).append(Path(file.strip()))
    if files:
        name = _stem_name(files)
        while name in cells:
            name += "_"
        cells = {name: list(files), **cells}
    if not cells:
        raise InputError("no file given; expected FILE... or --cell NAME=FILE")
    return cells


def _print_cell(res) -> None:
    st = res.steps
    specific = st["capacity_mAh_g"].notna().any()
    areal = st["capacity_mAh_cm2"].notna().any()
    t = Table(title=f"{res.cell}: {res.basis_note}", title_justify="left")
    for col in ("#", "direction", "C-rate", "I / mA", "CC / mAh"):
        t.add_column(col, justify="right" if col not in ("direction",) else "left")
    if specific:
        t.add_column("CC / mAh g-1", justify="right")
    if areal:
        t.add_column("CC / mAh cm-2", justify="right")
    for col in ("CV / mAh", "total / mAh", "mean V", "E / mWh", "end V", "ended at",
                "retention %"):  # fmt: skip
        t.add_column(col, justify="right")
    for r in st.itertuples():
        row = [str(r.step), r.direction, f"{r.c_rate_nominal:g}C ({r.c_rate:.3g})",
               f"{1e3 * r.current_A:.4g}", f"{r.capacity_mAh:.4g}"]  # fmt: skip
        if specific:
            row.append(fmt(r.capacity_mAh_g, ".4g"))
        if areal:
            row.append(fmt(r.capacity_mAh_cm2, ".4g"))
        row += [
            f"{r.cv_capacity_mAh:.3g}" if r.cv_duration_s > 0 else "-",
            f"{r.total_capacity_mAh:.4g}",
            f"{r.mean_voltage_V:.4f}",
            f"{1e3 * r.energy_Wh:.4g}",
            f"{r.v_end_V:.4f}",
            "V limit" if r.end_reason == "voltage_limit" else "time",
            f"{r.retention_pct:.1f}",
        ]
        t.add_row(*row)
    console.print(t)
    if res.n_dropped:
        console.print(f"  ({res.n_dropped} short constant-current segment(s) left out as pulses)")


def _print_crossings(results: dict, x: str) -> None:
    from ..dc.rate import compare_curves

    names = list(results)
    first = results[names[0]]
    name_x = {"dod": "DoD", "soc": "SOC", "capacity": "capacity"}[x]
    unit = "Ah" if x == "capacity" else "%"
    for other in names[1:]:
        res = results[other]
        common = sorted(set(first.rates("discharge")) & set(res.rates("discharge")))
        for c in common:
            cmp = compare_curves(first.curve("discharge", c), res.curve("discharge", c), x=x)
            head = f"discharge {c:g}C, {names[0]} vs {other}:"
            if len(cmp.crossings):
                pts = ", ".join(
                    f"{name_x} {pm(r.x, r.x_err, unit.strip())} (SOC {r.soc_a_pct:.1f} %, "
                    f"{r.voltage_V:.3f} V; "
                    f"{r.higher_before} higher before, {r.higher_after} after)"
                    for r in cmp.crossings.itertuples()
                )
                console.print(f"{head} curves cross at {pts}")
            else:
                console.print(f"{head} no crossing; {cmp.summary()}")


@app.command("rate")
@input_errors
def rate(
    files: list[Path] = typer.Argument(
        None, help="Files of ONE cell (one file with all rates, or one file per rate)."
    ),
    cell: list[str] = typer.Option(
        None, "--cell", help="NAME=FILE for several cells; repeat (same NAME gathers files)."
    ),
    capacity_mAh: float | None = typer.Option(
        None,
        "--capacity-mAh",
        help="Nominal capacity (mAh) defining 1C (else: the lowest-rate capacity).",
    ),
    mass_mg: float | None = typer.Option(
        None, "--mass-mg", help="Active-material mass (mg), for mAh/g."
    ),
    area_cm2: float | None = typer.Option(
        None, "--area-cm2", help="Electrode area (cm2), for mAh/cm2."
    ),
    v_min: float | None = typer.Option(
        None, "--v-min", help="Lower cut-off voltage (V); else inferred."
    ),
    v_max: float | None = typer.Option(
        None, "--v-max", help="Upper cut-off voltage (V); else inferred."
    ),
    step_time_s: list[float] = typer.Option(
        None, "--step-time-s", help="Programmed step duration (s); repeatable."
    ),
    output: Path | None = output_option("Write the step table (.csv or .parquet)."),
    plot: Path | None = plot_option(),
    rates: str | None = typer.Option(
        None, "--rates", help="C-rates of the discharge curves to plot, e.g. 0.1,2."
    ),
    x: str = typer.Option(
        "dod",
        "--axis",
        help="Axis the cells' discharge curves are compared on: dod, soc or capacity.",
    ),
    as_json: bool = JSON,
) -> None:
    """Capacity, energy, end voltage and retention of every constant-current charge and
    discharge vs C-rate; with several cells, where their discharge curves cross.

    The FILE arguments are all of one cell; give several cells with --cell NAME=FILE.
    """
    import pandas as pd

    from ..dc.rate import analyze_rate
    from ..io import read_recording

    if x not in ("dod", "soc", "capacity"):
        raise InputError(f"--axis {x!r}: expected dod, soc or capacity")
    rate_list = None
    if rates:
        try:
            rate_list = [float(r.strip().rstrip("Cc")) for r in rates.split(",") if r.strip()]
        except ValueError:
            raise InputError(f"--rates {rates!r}: expected C-rates like 0.1,2") from None
    for opt, val in (("--capacity-mAh", capacity_mAh), ("--mass-mg", mass_mg),
                     ("--area-cm2", area_cm2)):  # fmt: skip
        if val is not None and not val > 0:
            raise InputError(f"{opt} {val}: expected a value > 0")
    check_outputs(output, plot)  # before any work: nothing is written half-way
    groups = _cells(list(files or []), list(cell or []))
    results = {}
    for name, paths in groups.items():
        recs = [read_recording(p) for p in paths]
        results[name] = analyze_rate(
            recs,
            nominal_capacity_Ah=None if capacity_mAh is None else capacity_mAh / 1e3,
            active_mass_g=None if mass_mg is None else mass_mg / 1e3,
            area_cm2=area_cm2,
            voltage_limits_V=(v_min, v_max),
            step_time_s=list(step_time_s) if step_time_s else None,
            cell=name,
        )
    if as_json:
        print_json({n: {"basis": r.basis_note, "steps": r.steps} for n, r in results.items()})
    else:
        for res in results.values():
            _print_cell(res)
        if len(results) >= 2:
            _print_crossings(results, x)
    fig = None
    if plot is not None:  # drawn before anything is written: a bad --rates writes nothing
        from ..report.rate_figures import plot_rate_report

        fig = plot_rate_report(results, rates=rate_list, x=x)
    steps = pd.concat([r.steps for r in results.values()], ignore_index=True)
    write_outputs(steps, output, fig, plot, say=not as_json)
