"""``ohmslice gitt FILE``: per-pulse GITT table, summary and figure."""

from __future__ import annotations

import math
from pathlib import Path

import typer

from ..errors import InputError
from ._app import app, console, input_errors
from ._output import TABLE_SUFFIXES, fmt, write_table


def _positive(name: str, value: float | None) -> float | None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise InputError(f"{name} {value}: expected a number > 0")
    return value


def soc_scale_options(
    soc_reference: str | None, capacity_mah: float | None
) -> tuple[str | float | None, float | None, float | None]:
    """``--soc-reference`` and ``--capacity-mAh`` -> (soc_reference, capacity_Ah,
    nominal_capacity_Ah) for :func:`ohmslice.dc.gitt.analyze_gitt`.

    ``--capacity-mAh`` alone is the given capacity; with ``--soc-reference nominal`` it is
    the nominal capacity. Raises :class:`InputError` for an unknown reference (a bare
    number without its unit is refused) or a capacity given twice."""
    from ..dc.gitt import parse_soc_reference

    cap = None if capacity_mah is None else capacity_mah * 1e-3
    if soc_reference is None:
        return None, cap, None
    try:
        ref = parse_soc_reference(soc_reference.replace(" ", ""))
    except InputError as exc:
        raise InputError(f"--soc-reference: {exc}") from None
    if ref == "nominal":
        if cap is None:
            raise InputError("--soc-reference nominal needs the nominal capacity: --capacity-mAh")
        return ref, None, cap
    if cap is not None:
        raise InputError("--capacity-mAh and --soc-reference both give the SOC scale: give one")
    return ref, None, None


@app.command("gitt")
@input_errors
def gitt_command(
    file: Path = typer.Argument(..., help="Instrument file holding the GITT record."),
    output: Path = typer.Option(
        None, "--output", "-o", help="Write the per-pulse table (.csv or .parquet)."
    ),
    plot: Path = typer.Option(
        None, "--plot", help="Save the figure (voltage with pulses/OCV/regions, R vs SOC)."
    ),
    capacity_mah: float = typer.Option(
        None,
        "--capacity-mAh",
        help="Reference capacity [mAh] of the SOC scale (with --soc-reference nominal: the "
        "nominal capacity).",
    ),
    soc_reference: str = typer.Option(
        None,
        "--soc-reference",
        help="SOC scale: discharge | charge | nominal | a capacity ('2.355mAh'). Default: the "
        "GITT's own charge (0 % at the end of the last pulse of a discharge GITT).",
    ),
    radius_um: float = typer.Option(
        None, "--radius-um", help="Particle radius [um]: adds diffusion coefficients."
    ),
    vm_over_s_um: float = typer.Option(
        None, "--vm-over-s-um", help="V_m/S of the particles [um] (r/3 for spheres)."
    ),
    min_rest_s: float = typer.Option(
        None, "--min-rest-s", help="Shortest rest that defines an OCV [s] (default 2 x pulse)."
    ),
    cutoff_v: float = typer.Option(
        None, "--cutoff-V", help="Cut-off voltage of the protocol [V] (flags pulses reaching it)."
    ),
    rows: int = typer.Option(20, "--rows", help="Pulses shown in the summary table."),
) -> None:
    """GITT: SOC, OCV, IR drop, R_total, R_polarisation and regions for every pulse."""
    import numpy as np
    from rich.table import Table

    from ..dc.gitt import analyze_gitt
    from ..io import read_recording

    _positive("--capacity-mAh", capacity_mah)
    _positive("--radius-um", radius_um)
    _positive("--vm-over-s-um", vm_over_s_um)
    _positive("--min-rest-s", min_rest_s)
    if output is not None and output.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(f"table format '{output.suffix}' not supported; use .csv or .parquet",
                         path=output)  # fmt: skip
    ref, cap, nominal = soc_scale_options(soc_reference, capacity_mah)
    rec = read_recording(file)
    res = analyze_gitt(
        rec,
        capacity_Ah=cap,
        soc_reference=ref,
        nominal_capacity_Ah=nominal,
        particle_radius_m=None if radius_um is None else radius_um * 1e-6,
        vm_over_s_m=None if vm_over_s_um is None else vm_over_s_um * 1e-6,
        min_rest_s=min_rest_s,
        cutoff_V=cutoff_v,
    )
    p = res.pulses
    n = len(p)
    show = (
        list(range(n))
        if n <= rows
        else sorted(set(np.linspace(0, n - 1, max(rows, 2)).round().astype(int).tolist()))
    )
    title = (
        f"{file.name}: {n} {res.direction} pulses; capacity {res.capacity_Ah * 1e3:.5g} mAh "
        f"({res.capacity_source})"
    )
    t = Table(title=title, title_justify="left")
    heads = ["#", "reg", "SOC mid %", "OCV V", "R_ir Ω", "R_tot Ω", "R_pol Ω", "flags"]
    diff = "d_sphere_m2_s" in p.columns
    if diff:
        heads[-1:-1] = ["D m²/s"]
    for h in heads:
        t.add_column(h, justify="left" if h in ("reg", "flags") else "right")
    for k in show:
        r = p.iloc[k]
        flags = []
        if r["reached_cutoff"]:
            flags.append("cut-off")
        if not r["complete"]:
            flags.append("incomplete")
        if diff and not r["sqrt_linear"]:
            flags.append("not-sqrt")
        cells = [
            str(int(r["pulse"])),
            str(r["region"]),
            fmt(r["soc_mid_pct"], ".2f"),
            fmt(r["ocv_before_V"], ".4f"),
            fmt(r["r_ir_ohm"], ".4g"),
            fmt(r["r_total_ohm"], ".4g"),
            fmt(r["r_polarization_ohm"], ".4g"),
        ]
        if diff:
            d, se = r["d_sphere_m2_s"], r["d_sphere_se_m2_s"]
            cells.append(f"{fmt(d, '.2e')} ±{fmt(100 * se / d, '.0f')}%" if d == d else "")
        cells.append(" ".join(flags))
        t.add_row(*cells)
    console.print(t)
    if n > len(show):
        console.print(f"({len(show)} of {n} pulses shown; -o writes them all)")
    console.print(
        "R_ir: first sample after the step; R_tot = (V_end - OCV_before)/I; R_pol = "
        "(V_end - OCV_after)/I; D: exact spherical fit ± standard error. -o writes every "
        "column (R_ir extrapolated to t=0, dOCV/dSOC, Weppner-Huggins D, ...)."
    )
    console.print(f"SOC ({res.soc_basis}): {res.soc_reference}")
    console.print(f"regions: {res.region_rule}")
    if res.sign_flipped:
        console.print("[yellow]note:[/] current sign convention was discharge-positive; negated")
    for note in res.notes:
        console.print(f"[yellow]note:[/] {note}")
    if output is not None:
        write_table(p, output)
        console.print(f"wrote {output} ({n} rows)")
    if plot is not None:
        from ..report.gitt_figures import plot_gitt

        plot_gitt(res, plot)
        console.print(f"wrote {plot}")
