"""``ohmslice gitt FILE``: per-pulse GITT table, summary and figure."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer
from rich.markup import escape

from ..errors import InputError
from ._app import app, console, input_errors
from ._options import (
    CAPACITY_MAH,
    CUTOFF_V,
    JSON,
    MIN_REST_S,
    QUIET,
    SOC_REFERENCE,
    output_option,
    plot_option,
)
from ._output import check_outputs, column_unit, fmt, num, pm, write_table
from ._progress import progress


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


def soc_scale_lines(res) -> list[tuple[str, str]]:
    """(style, text) lines saying which SOC reference a GITT result uses; a warning where
    no full charge before the pulses anchors it (SOC is then a share of the pulses' own
    charge, not the cell's state of charge)."""
    out = [("", f"SOC reference: {res.soc_basis} scale, {res.capacity_Ah * 1e3:.5g} mAh = "
                f"100 % ({res.capacity_source}); {res.soc_reference}")]  # fmt: skip
    if not res.anchored and res.soc_basis in ("discharge", "charge"):
        out.append(("warning", (
            f"no full {'charge' if res.direction == 'discharge' else 'discharge'} before the "
            f"pulses: no state of charge can be given, so the table shows the charge the "
            f"pulses passed (Q mid); the soc columns of the output are the share of the "
            f"pulses' own {res.soc_basis} (both ends assumed). Give --soc-reference with "
            "a capacity ('2.3mAh') or nominal with --capacity-mAh for a real SOC scale"
        )))  # fmt: skip
    return out


def print_soc_scale(res) -> None:
    """Print :func:`soc_scale_lines` (the warning on stderr, in yellow)."""
    from ._app import err_console

    for style, text in soc_scale_lines(res):
        if style == "warning":
            err_console.print(f"[yellow]warning:[/] {escape(text)}", highlight=False,
                              soft_wrap=True)  # fmt: skip
        else:
            console.print(escape(text), highlight=False)


@app.command("gitt")
@input_errors
def gitt_command(
    file: Path = typer.Argument(..., help="Instrument file holding the GITT record."),
    output: Path = output_option("Write the per-pulse table (.csv or .parquet)."),
    plot: Path = plot_option("Save the figure (voltage with pulses/OCV/regions, R vs SOC)."),
    capacity_mah: float = CAPACITY_MAH,
    soc_reference: str = SOC_REFERENCE,
    radius_um: float = typer.Option(
        None, "--radius-um", help="Particle radius (µm): adds diffusion coefficients."
    ),
    vm_over_s_um: float = typer.Option(
        None, "--vm-over-s-um", help="V_m/S of the particles (µm); r/3 for spheres."
    ),
    min_rest_s: float = MIN_REST_S,
    cutoff_v: float = CUTOFF_V,
    rows: int = typer.Option(20, "--rows", help="Pulses shown in the summary table."),
    as_json: bool = JSON,
    quiet: bool = QUIET,
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
    check_outputs(output, plot)
    ref, cap, nominal = soc_scale_options(soc_reference, capacity_mah)
    with progress(quiet=quiet or as_json) as step:
        step(f"reading {file.name}")
        rec = read_recording(file)
        step("GITT analysis")
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
    if as_json:
        _print_json(file, res)
        if output is not None:
            write_table(p, output)
        if plot is not None:
            res.plot(plot)
        return
    show = (
        list(range(n))
        if n <= rows
        else sorted(set(np.linspace(0, n - 1, max(rows, 2)).round().astype(int).tolist()))
    )
    title = (
        f"{file.name}: {n} {res.direction} pulses; capacity {res.capacity_Ah * 1e3:.5g} mAh "
        f"({res.capacity_source})"
    )
    t = Table(title=escape(title), title_justify="left")
    f_r, u_r = column_unit(p["r_total_ohm"], "Ohm")
    import numpy as np

    # without a full charge before the pulses there is no SOC: the charge they passed
    by_charge = not res.anchored and res.soc_basis in ("discharge", "charge")
    q = np.abs(p["charge_Ah"].to_numpy(dtype=float)) * 1e3
    q_mid = np.cumsum(q) - q / 2
    heads = ["#", "reg", "Q mid / mAh" if by_charge else "SOC mid %", "OCV / V",
             f"R_ir / {u_r}", f"R_tot / {u_r}", f"R_pol / {u_r}", "flags"]  # fmt: skip
    diff = "d_sphere_m2_s" in p.columns
    if diff:
        f_d, u_d = column_unit(p["d_sphere_m2_s"], "m²/s")
        heads[-1:-1] = [f"D / {u_d}"]
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
            fmt(q_mid[k], ".4g") if by_charge else fmt(r["soc_mid_pct"], ".2f"),
            fmt(r["ocv_before_V"], ".4f"),
            num(f_r * r["r_ir_ohm"]),
            num(f_r * r["r_total_ohm"]),
            num(f_r * r["r_polarization_ohm"]),
        ]
        if diff:
            cells.append(pm(f_d * r["d_sphere_m2_s"], f_d * r["d_sphere_se_m2_s"]))
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
    print_soc_scale(res)
    console.print(f"regions: {escape(res.region_rule)}", highlight=False)
    if res.sign_flipped:
        console.print("[yellow]note:[/] current sign convention was discharge-positive; negated")
    for note in res.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
    if output is not None:
        write_table(p, output)
        console.print(f"wrote {output} ({n} rows)")
    if plot is not None:
        res.plot(plot)
        console.print(f"wrote {plot}")


def _print_json(file: Path, res) -> None:
    """The GITT result as JSON: the SOC scale, notes and every pulse's row."""
    out = {
        "file": str(file),
        "direction": res.direction,
        "pulses": json.loads(res.pulses.to_json(orient="records")),
        "capacity_Ah": res.capacity_Ah,
        "capacity_source": res.capacity_source,
        "soc_basis": res.soc_basis,
        "soc_reference": res.soc_reference,
        "soc_anchored": res.anchored,
        "region_rule": res.region_rule,
        "sign_flipped": res.sign_flipped,
        "notes": list(res.notes),
    }
    typer.echo(json.dumps(out, indent=2))
