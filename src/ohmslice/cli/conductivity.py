"""``ohmslice conductivity FILE... --thickness-mm X --area-cm2 Y``: ionic conductivity of
an electrolyte pellet (or a composite electrode) from blocking-electrode spectra, with
the Arrhenius fit when the files are at several temperatures.

Each FILE gives one spectrum (``--sweep`` chooses which of a multi-sweep file). The
temperature of each comes from ``--temperature-c`` (once for all files, or once per
file in order) or else from the file, where its reader provides one.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer
from rich.markup import escape

from ._app import app, console, input_errors
from ._options import F_MAX, F_MIN, JSON, SWEEP, output_option, plot_option
from ._output import check_outputs as _check_outputs
from ._output import num, pm, write_outputs

KINDS = ("pellet", "composite")


def _f(v: float, spec: str = ".4g") -> str:
    return "" if v is None or not math.isfinite(v) else format(v, spec)


def _temperatures(temps: list[float] | None, n: int) -> list[float | None]:
    from ..errors import InputError

    if not temps:
        return [None] * n
    if len(temps) == 1:
        return [temps[0]] * n
    if len(temps) != n:
        raise InputError(f"--temperature-c given {len(temps)} times for {n} files: give it "
                         "once for all files or once per file, in order")  # fmt: skip
    return list(temps)


def _pm(v: float, e: float) -> str:
    return pm(v, e) if math.isfinite(v) else "-"


def _print_pellets(results, files: list[Path]) -> None:
    from rich.table import Table

    t = Table(title="ionic conductivity (blocking electrodes); sigma in mS/cm",
              title_justify="left")  # fmt: skip
    bulk = any(math.isfinite(r.sigma_gb_S_cm) for r in results)
    cols = ["file", "T / °C", "R / Ohm", "sigma", "read at"]
    cols += ["bulk", "grain b."] if bulk else []
    for col in cols + ["ok"]:
        t.add_column(col, justify="left" if col in ("file", "read at") else "right")
    for f, r in zip(files, results, strict=True):
        row = [escape(f.name), _f(r.temperature_C, ".4g"), _pm(r.r_total_ohm, r.r_total_err_ohm),
               _pm(1e3 * r.sigma_S_cm, 1e3 * r.sigma_err_S_cm),
               "arc" if r.method == "arc" else "intercept"]  # fmt: skip
        if bulk:
            row += [_pm(1e3 * r.sigma_bulk_S_cm, 1e3 * r.sigma_bulk_err_S_cm),
                    _pm(1e3 * r.sigma_gb_S_cm, 1e3 * r.sigma_gb_err_S_cm)]  # fmt: skip
        t.add_row(*row, "yes" if r.success else "[bold red]no[/]")
    console.print(t)
    for f, r in zip(files, results, strict=True):
        console.print(f"{escape(f.name)}: {escape(r.circuit)}", highlight=False)


def _print_composites(results, files: list[Path]) -> None:
    from rich.table import Table

    t = Table(title="effective ionic conductivity (blocking transmission line R0-TLMQ1); "
              "sigma_eff in mS/cm", title_justify="left")  # fmt: skip
    for col in ("file", "T / °C", "R_ion / Ohm", "knee / Hz", "sigma_eff", "ok"):
        t.add_column(col, justify="left" if col == "file" else "right")
    for f, r in zip(files, results, strict=True):
        t.add_row(
            escape(f.name), _f(r.temperature_C), _pm(r.r_ion_ohm, r.r_ion_err_ohm),
            _f(r.f_knee_Hz, ".3g"), _pm(1e3 * r.sigma_eff_S_cm, 1e3 * r.sigma_eff_err_S_cm),
            "yes" if r.success else "[bold red]no[/]",
        )  # fmt: skip
    console.print(t)


def _print_notes(results, files: list[Path]) -> None:
    for f, r in zip(files, results, strict=True):
        for text in r.notes:
            console.print(f"[yellow]note:[/] {escape(f.name)}: {escape(text)}", highlight=False)
        for text in r.reasons:
            console.print(f"[bold red]not usable:[/] {escape(f.name)}: {escape(text)}",
                          highlight=False)  # fmt: skip


@app.command("conductivity")
@input_errors
def conductivity(
    files: list[Path] = typer.Argument(
        ..., help="Spectra of ONE sample (one file per temperature for an Arrhenius fit)."
    ),
    thickness_mm: float = typer.Option(
        None, "--thickness-mm", help="Sample thickness (mm); one electrode's for a composite."
    ),
    area_cm2: float = typer.Option(None, "--area-cm2", help="Electrode area (cm2)."),
    thickness_err_mm: float = typer.Option(
        0.0, "--thickness-err-mm", help="Standard error of the thickness (mm)."
    ),
    area_err_cm2: float = typer.Option(
        0.0, "--area-err-cm2", help="Standard error of the area (cm2)."
    ),
    temperature_c: list[float] = typer.Option(
        None,
        "--temperature-c",
        help="Temperature (°C): once for all files or once per file, in order "
        "(else read from the files).",
    ),
    temperature_err_c: float = typer.Option(
        None, "--temperature-err-c", help="Standard error of the temperatures (K)."
    ),
    kind: str = typer.Option(
        "pellet",
        "--kind",
        help="pellet: electrolyte between blocking electrodes (R||CPE arcs + blocking CPE); "
        "composite: composite electrode, blocking transmission line (R_ion/3).",
    ),
    symmetric: bool = typer.Option(
        False, "--symmetric", help="composite: a cell of two identical electrodes."
    ),
    sweep: int = SWEEP,
    f_min: float = F_MIN,
    f_max: float = F_MAX,
    as_json: bool = JSON,
    output: Path = output_option("Write the per-file table (.csv or .parquet)."),
    plot: Path = plot_option(
        "Write the figure (.png, .pdf or .svg): Arrhenius plot and Nyquist fits."
    ),
) -> None:
    """Ionic conductivity sigma = L / (R A) from blocking-electrode spectra, with its
    uncertainty; with files at two or more temperatures the Arrhenius fit
    sigma T = A exp(-Ea / kT): Ea and sigma at 25 °C.

    A result that is not usable is printed with its reasons and the command exits with code 1; input that cannot be used (a missing or implausible thickness or area, a spectrum without a blocking branch) exits with code 2.
    """
    from ..errors import InputError
    from ..impedance.conductivity import (
        AREA_RANGE_CM2,
        THICKNESS_RANGE_CM,
        ConductivitySeries,
        check_geometry,
        composite_conductivity,
        conductivity_series,
    )
    from ._app import stage
    from .eis import crop, load_spectrum

    if kind not in KINDS:
        raise InputError(f"--kind {kind!r}: expected one of {', '.join(KINDS)}")
    if thickness_mm is None:
        raise InputError("--thickness-mm is missing: the conductivity needs the sample's "
                         "thickness")  # fmt: skip
    if area_cm2 is None:
        raise InputError("--area-cm2 is missing: the conductivity needs the electrode area")
    for opt, v in (("--thickness-mm", thickness_mm), ("--area-cm2", area_cm2)):
        if not (math.isfinite(v) and v > 0):
            raise InputError(f"{opt} {v:g}: expected a value > 0")
    if symmetric and kind != "composite":
        raise InputError("--symmetric is only used with --kind composite")
    lo, hi = (10 * x for x in THICKNESS_RANGE_CM)
    if not lo <= thickness_mm <= hi:
        raise InputError(f"--thickness-mm {thickness_mm:g} is implausible for a pellet or "
                         f"electrode (expected {lo:g} to {hi:g} mm); is it in mm?")  # fmt: skip
    lo, hi = AREA_RANGE_CM2
    if not lo <= area_cm2 <= hi:
        raise InputError(f"--area-cm2 {area_cm2:g} is implausible for a pellet or electrode "
                         f"(expected {lo:g} to {hi:g} cm2); is it in cm2?")  # fmt: skip
    for opt, v in (("--thickness-err-mm", thickness_err_mm), ("--area-err-cm2", area_err_cm2)):
        if not (math.isfinite(v) and v >= 0):
            raise InputError(f"{opt} {v:g}: expected a value >= 0")
    geo = check_geometry(thickness_mm / 10, area_cm2, thickness_err_mm / 10, area_err_cm2)
    length, area, dl, da = geo
    _check_outputs(output, plot)
    temps = _temperatures(list(temperature_c or []), len(files))
    spectra = []
    for f in files:
        stage["now"] = f.name
        spectra.append(crop(load_spectrum(f, sweep), f_min, f_max))
    stage["now"] = ""
    if kind == "pellet":
        series = conductivity_series(
            spectra, length, area, temperatures_C=temps, thickness_err_cm=dl,
            area_err_cm2=da, temperature_err_C=temperature_err_c,
        )  # fmt: skip
        results = series.results
    else:
        results = []
        for f, s, t in zip(files, spectra, temps, strict=True):
            try:
                results.append(composite_conductivity(
                    s, length, area, thickness_err_cm=dl, area_err_cm2=da,
                    symmetric=symmetric, temperature_C=t))  # fmt: skip
            except InputError as exc:
                raise exc.with_path(f) from None
        series = None
    fig = None
    if plot is not None:
        from ..report.conductivity_figures import plot_conductivity

        fig = plot_conductivity(series if series is not None else results)
    if as_json:
        out = {
            "kind": kind,
            "files": [str(f) for f in files],
            "results": [r.to_dict() for r in results],
            "arrhenius": None
            if series is None or series.arrhenius is None
            else series.arrhenius.to_dict(),
            "notes": [] if series is None else list(series.notes),
            "plot": None if plot is None else str(plot),
        }
        typer.echo(json.dumps(out, indent=2))
    else:
        if kind == "pellet":
            _print_pellets(results, files)
        else:
            _print_composites(results, files)
        _print_notes(results, files)
        if isinstance(series, ConductivitySeries):
            a = series.arrhenius
            if a is not None:
                lo, hi = a.sigma_ref_ci95_S_cm
                console.print(
                    f"Arrhenius ({len(a.data)} temperatures): Ea = "
                    f"{pm(a.ea_eV, a.ea_err_eV, 'eV')}; sigma({a.t_ref_C:g} °C) = "
                    f"{pm(a.sigma_ref_S_cm, a.sigma_ref_err_S_cm, 'S/cm')} (95 %: "
                    f"{num(lo, 'S/cm')} .. {num(hi, 'S/cm')})",
                    highlight=False,
                )
                for text in a.notes:
                    console.print(f"[yellow]note:[/] {escape(text)}", highlight=False)
            for text in series.notes:
                console.print(f"[yellow]note:[/] {escape(text)}", highlight=False)
    table = None
    if output is not None:
        import pandas as pd

        table = pd.DataFrame([r.row() for r in results])
        table.insert(0, "file", [str(f) for f in files])
    write_outputs(table, output, fig, plot, say=not as_json)
    if not all(r.success for r in results):
        raise typer.Exit(1)
