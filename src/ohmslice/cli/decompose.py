"""``ohmslice decompose GITT_FILE --eis SOC=FILE ...``: R1/R2/R3 of every GITT pulse."""

from __future__ import annotations

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
from ._output import check_outputs, column_unit, fmt, num, pm, print_json, write_table
from ._progress import progress


def parse_eis(items: list[str]) -> dict[float, Path]:
    """``["50=a.mpt", "0=b.mpt"]`` -> ``{50.0: Path("a.mpt"), 0.0: Path("b.mpt")}``."""
    out: dict[float, Path] = {}
    for item in items:
        soc, sep, file = item.partition("=")
        try:
            value = float(soc)
        except ValueError:
            value = math.nan
        if not sep or not file or not (math.isfinite(value) and 0 <= value <= 100):
            raise InputError(f"--eis '{item}': expected SOC=FILE with SOC in 0..100 %")
        if value in out:
            raise InputError(f"--eis: SOC {value:g} % given twice")
        out[value] = Path(file)
    if not out:
        raise InputError("give at least one --eis SOC=FILE (the spectra's time constants)")
    return out


@app.command("decompose")
@input_errors
def decompose_command(
    gitt_file: Path = typer.Argument(..., help="Instrument file holding the GITT record."),
    eis: list[str] = typer.Option(
        ..., "--eis", help="SOC=FILE: an impedance spectrum at that SOC (%); repeat."
    ),
    symmetric: bool = typer.Option(
        True,
        "--symmetric/--half-cell",
        help="Spectra are of symmetric cells (analysed per electrode) or of the half cell.",
    ),
    r_sep: float = typer.Option(
        None, "--r-sep", help="Separator bulk resistance (Ohm); default: HF intercept."
    ),
    circuit: str = typer.Option(
        None, "--circuit", help="Circuit fitted to the spectra (default: three processes)."
    ),
    method: str = typer.Option(
        "windows", "--method", help="windows (the reference paper's) or model."
    ),
    boundary: str = typer.Option(
        "balanced", "--boundary", help="Window boundary rule: balanced, fraction, geometric."
    ),
    capacity_mah: float = CAPACITY_MAH,
    soc_reference: str = SOC_REFERENCE,
    min_rest_s: float = MIN_REST_S,
    cutoff_v: float = CUTOFF_V,
    output: Path = output_option("Write the table (.csv or .parquet)."),
    plot: Path = plot_option("Save the R vs SOC figure (.png, .pdf or .svg)."),
    rows: int = typer.Option(15, "--rows", help="Pulses shown in the summary."),
    as_json: bool = JSON,
    quiet: bool = QUIET,
) -> None:
    """Split every GITT pulse's resistance into contact (R1), charge transfer (R2) and
    diffusion (R3) by the time constants of the impedance spectra."""
    import warnings

    import numpy as np
    from rich.table import Table

    from ..dc.gitt import analyze_gitt
    from ..impedance.timeconst import time_constants
    from ..io import read_recording
    from ..method.decompose import decompose, gitt_eis_consistency, tau_table
    from .eis import load_spectrum
    from .gitt import _positive, print_soc_scale, soc_scale_options

    spectra = parse_eis(eis)
    check_outputs(output, plot)
    if method not in ("windows", "model"):
        raise InputError(f"--method {method!r}: expected windows or model")
    if r_sep is not None and not symmetric:
        raise InputError("--r-sep applies to symmetric-cell spectra only")
    _positive("--capacity-mAh", capacity_mah)
    _positive("--min-rest-s", min_rest_s)
    ref, cap, nominal = soc_scale_options(soc_reference, capacity_mah)

    steps = 2 + len(spectra) + (4 if method == "model" else 1)
    with progress(steps, quiet=quiet or as_json) as step:
        step(f"reading {gitt_file.name}")
        rec = read_recording(gitt_file)
        step("GITT analysis")
        g = analyze_gitt(
            rec, capacity_Ah=cap, soc_reference=ref, nominal_capacity_Ah=nominal,
            min_rest_s=min_rest_s, cutoff_V=cutoff_v,
        )  # fmt: skip
        tcs = {}
        for soc, file in spectra.items():
            step(f"time constants of {file.name} ({soc:g} % SOC)")
            try:
                tcs[soc] = time_constants(
                    load_spectrum(file, 0), circuit, symmetric=symmetric, r_sep_ohm=r_sep
                )
            except InputError as exc:
                raise exc.with_path(file) from None
        taus = tau_table(tcs)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            d = decompose(g, taus, method=method, boundary=boundary, progress=step)
        step.done(f"decomposed {len(d.table)} pulses")
    tab = d.table
    if as_json:
        print_json({
            "file": gitt_file, "method": method, "boundary": boundary,
            "soc_basis": g.soc_basis, "soc_reference": g.soc_reference,
            "soc_anchored": g.anchored, "pulses": tab,
            "gitt_vs_eis": gitt_eis_consistency(d, taus), "notes": [*d.notes, *g.notes],
        })  # fmt: skip
        if plot is not None:
            d.plot(plot, name=gitt_file.stem)
        if output is not None:
            write_table(tab, output)
        return

    t = Table(title=f"{gitt_file.name}: {method} decomposition, {len(tab)} pulses")
    comps = ("r1_ohm", "r2_ohm", "r3_ohm", "r_ocv_ohm", "r_total_ohm")
    f_r, u_r = column_unit(tab["r_total_ohm"], "Ohm")
    heads = ("pulse", "SOC %", *(f"{n} / {u_r}" for n in ("R1", "R2", "R3", "r_ocv", "R total")))
    for col in (*heads, "flag"):
        t.add_column(col, justify="right")
    step_rows = max(1, int(np.ceil(len(tab) / max(rows, 1))))
    for r in tab.iloc[::step_rows].itertuples():
        t.add_row(
            str(r.pulse),
            fmt(r.soc_pct, ".1f"),
            *(pm(f_r * getattr(r, c), f_r * getattr(r, c + "_err")) for c in comps),
            ("x" if not r.usable else "*") if r.flag else "",
        )
    console.print(t)
    print_soc_scale(g)
    console.print(
        "SOC of the table: mid-pulse. R2, R3 as developed by the end of "
        "the pulse; r_ocv the OCV change of its charge; R1 + R2 + R3 + r_ocv = R total "
        "(closure_ohm); value ± one standard error. The table also holds r3_paper_ohm (the "
        "paper's R3 = R total - R1 - R2), r3_dc_ohm (model: full DC diffusion resistance) "
        "and r12_ohm.",
        highlight=False,
    )
    flagged = tab[tab["flag"] != ""]
    if len(flagged):
        bad = tab[~tab["usable"].astype(bool)]
        console.print(
            f"* {len(flagged)} pulses flagged (column 'flag' of the table), e.g. pulse "
            f"{flagged['pulse'].iat[0]}: {escape(str(flagged['flag'].iat[0]))}",
            highlight=False,
        )
        if len(bad):
            console.print(
                f"x {len(bad)} pulses fail the checks (column 'usable'), e.g. pulse "
                f"{bad['pulse'].iat[0]}: {escape(str(bad['flag'].iat[0]))}",
                highlight=False,
            )
    cons = gitt_eis_consistency(d, taus)
    c = Table(title="GITT vs EIS (per electrode) at the spectra's SOCs")
    for col in ("SOC %", "pulse", "R1 GITT/EIS", "R2 GITT/EIS", "R3 GITT/EIS"):
        c.add_column(col, justify="right")
    for r in cons.itertuples():
        c.add_row(
            fmt(r.soc_pct, ".0f"),
            str(r.pulse),
            *(num(getattr(r, f"{k}_ratio"), digits=3) for k in ("r1", "r2", "r3")),
        )
    console.print(c)
    for note in d.notes + g.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
    if plot is not None:
        d.plot(plot, name=gitt_file.stem)
        console.print(f"figure written to {plot}")
    if output is not None:
        write_table(tab, output)
        console.print(f"table written to {output}")
