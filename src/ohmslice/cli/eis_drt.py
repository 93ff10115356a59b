"""``ohmslice eis drt`` and ``ohmslice eis kk``: DRT peak table and lin-KK validity check."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer

from ._app import console, input_errors
from ._options import JSON, R_SEP, SWEEP, output_option, plot_option
from ._output import check_outputs, num, pm, write_table
from .eis import eis_app, load_spectrum, per_electrode

SYMMETRIC = typer.Option(
    False,
    "--symmetric",
    help="Symmetric cell: analyse one electrode, (Z - R_sep)/2, R_sep from the "
    "high-frequency intercept unless --r-sep is given.",
)


def _lam(text: str):
    from ..errors import InputError

    if text in ("gcv", "lcurve"):
        return text
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"--lambda {text}: expected 'gcv', 'lcurve' or a number > 0")
    return value


@eis_app.command("drt")
@input_errors
def drt_command(
    file: Path = typer.Argument(..., help="Instrument file holding an impedance spectrum."),
    lam: str = typer.Option(
        "gcv", "--lambda", help="Regularisation: 'gcv' (default), 'lcurve' or a number."
    ),
    part: str = typer.Option("both", "--part", help="Fit 'both' parts of Z, 'real' or 'imag'."),
    basis: str = typer.Option("rbf", "--basis", help="'rbf' (Gaussian) or 'pwl' basis."),
    order: int = typer.Option(1, "--order", help="Derivative order penalised: 0, 1 or 2."),
    n_boot: int = typer.Option(
        30, "--boot", help="Bootstrap resamples for the uncertainties (0: none)."
    ),
    prominence: float = typer.Option(
        0.02, "--prominence", help="Peak prominence floor, fraction of the largest gamma."
    ),
    symmetric: bool = SYMMETRIC,
    r_sep: float = R_SEP,
    sweep: int = SWEEP,
    plot: Path = plot_option("Write Nyquist, Bode and DRT figure here (.png, .pdf or .svg)."),
    output: Path = output_option("Write the peak table (.csv or .parquet)."),
    as_json: bool = JSON,
) -> None:
    """Distribution of relaxation times: one row per process (tau, f_peak, R +- error).

    Peaks whose time constant lies outside the measured range, 1/(2 pi f_max) ..
    1/(2 pi f_min) (widened by 0.1 decade), are marked: their resistance is measured,
    their position is an extrapolation. The lambda used and how it was chosen are stated.
    """
    from rich.markup import escape
    from rich.table import Table

    from ..impedance.drt import drt

    lam_value = _lam(lam)
    check_outputs(output, plot)
    spectrum = load_spectrum(file, sweep)
    spectrum, note = per_electrode(spectrum, symmetric, r_sep)
    res = drt(spectrum, lam=lam_value, part=part, basis=basis, order=order, n_boot=n_boot)
    peaks = res.peaks(prominence=prominence)
    if output is not None:
        write_table(peaks, output)
    if plot is not None:
        from ..report.eis_figures import plot_spectrum

        plot_spectrum(spectrum, drt=res, path=plot, prominence=prominence)
    if as_json:
        out = {"file": str(file), "sweep": sweep, "symmetric": note, **res.summary()}
        out["peaks"] = json.loads(peaks.to_json(orient="records"))
        out["plot"] = None if plot is None else str(plot)
        typer.echo(json.dumps(out, indent=2))
        return
    table = Table(
        title=f"{file.name}  sweep {sweep}  DRT ({len(spectrum)} points)", title_justify="left"
    )
    for col in ("#", "tau", "f_peak", "R", "share"):
        table.add_column(col, justify="right")
    table.add_column("measured?", justify="left")
    total = peaks["r_ohm"].sum() if len(peaks) else math.nan
    for i, pk in enumerate(peaks.itertuples(), start=1):
        where = "yes"
        if not pk.in_band:
            where = "no: above f_max" if pk.tau_s < res.tau_measured_s[0] else "no: below f_min"
        table.add_row(
            str(i),
            pm(pk.tau_s, pk.tau_err_s, "s"),
            num(pk.f_peak_Hz, "Hz"),
            pm(pk.r_ohm, pk.r_err_ohm, "Ohm"),
            f"{100 * pk.r_ohm / total:.0f} %",
            where,
        )
    console.print(table)
    t_fast, t_slow = res.tau_measured_s
    console.print(
        f"R_inf = {pm(res.r_inf_ohm, res.r_inf_err_ohm, 'Ohm')}, "
        f"L = {pm(res.inductance_h, res.inductance_err_h, 'H')}, "
        f"R_pol = {pm(res.r_pol_ohm, res.r_pol_err_ohm, 'Ohm')}; rms residual "
        f"{100 * res.summary()['rms_residual']:.2g} %",
        highlight=False,
    )
    console.print(escape(res.lambda_choice), highlight=False)
    console.print(
        f"measured time constants: {num(t_fast, 's', 3)} to {num(t_slow, 's', 3)} "
        f"(1/(2 pi f) over {num(float(spectrum.freq.max()), 'Hz')} .. "
        f"{num(float(spectrum.freq.min()), 'Hz')})",
        highlight=False,
    )
    for i, pk in enumerate(peaks.itertuples(), start=1):
        if not pk.in_band:
            console.print(f"[yellow]peak {i}:[/] {escape(pk.flag)}", highlight=False)
    if note:
        console.print(
            f"symmetric cell: per-electrode spectrum (Z - R_sep)/2 with R_sep = "
            f"{num(note['r_sep_ohm'], 'Ohm')} ({note['r_sep_source']})"
        )
    if output is not None:
        console.print(f"table written to {output}")
    if plot is not None:
        console.print(f"figure written to {plot}")


@eis_app.command("kk")
@input_errors
def kk_command(
    file: Path = typer.Argument(..., help="Instrument file holding an impedance spectrum."),
    c: float = typer.Option(
        0.85, "--mu-cutoff", help="Cut-off of mu that chooses the number of RC elements."
    ),
    m: int = typer.Option(
        None, "--rc-elements", help="Fixed number of RC elements (no automatic choice)."
    ),
    threshold: float = typer.Option(
        0.01, "--threshold", help="Largest acceptable rms relative residual (0.01 = 1 %)."
    ),
    capacitance: bool = typer.Option(
        False, "--capacitance", help="Add a series capacitor (no low-frequency intercept)."
    ),
    fit: str = typer.Option("complex", "--fit", help="Fit 'complex', 'real' or 'imag' part."),
    sweep: int = SWEEP,
    plot: Path = plot_option("Write the residual figure here (.png, .pdf or .svg)."),
    output: Path = output_option(
        "Write the residuals per frequency (.csv or .parquet): freq_Hz, z_real_ohm, "
        "z_imag_ohm, z_kk_real_ohm, z_kk_imag_ohm, residual_real, residual_imag."
    ),
    strict: bool = typer.Option(False, "--strict", help="Exit with code 1 when the test fails."),
    as_json: bool = JSON,
) -> None:
    """Linear Kramers-Kronig test (Schönleber): M, mu, residuals, pass or fail."""
    from ..errors import InputError
    from ..impedance.kk import lin_kk

    if not (math.isfinite(c) and 0 < c <= 1):
        raise InputError(f"--mu-cutoff {c}: expected 0 < value <= 1")
    if m is not None and m < 1:
        raise InputError(f"--rc-elements {m}: expected a number >= 1")
    check_outputs(output, plot)
    spectrum = load_spectrum(file, sweep)
    res = lin_kk(spectrum, c=c, m=m, fit=fit, add_capacitance=capacitance, threshold=threshold)
    if output is not None:
        import pandas as pd

        write_table(pd.DataFrame({
            "freq_Hz": res.freq_hz, "z_real_ohm": res.z.real, "z_imag_ohm": res.z.imag,
            "z_kk_real_ohm": res.z_fit.real, "z_kk_imag_ohm": res.z_fit.imag,
            "residual_real": res.residuals_real, "residual_imag": res.residuals_imag,
        }), output)  # fmt: skip
    if plot is not None:
        from ..report.eis_figures import plot_kk

        plot_kk(res, path=plot)
    if as_json:
        out = {"file": str(file), "sweep": sweep, **res.summary()}
        out["plot"] = None if plot is None else str(plot)
        typer.echo(json.dumps(out, indent=2))
    else:
        verdict = "[green]pass[/]" if res.passed else "[bold red]FAIL[/]"
        console.print(
            f"{file.name}  sweep {sweep}  lin-KK ({len(spectrum)} points, {res.fit} fit)\n"
            f"M = {res.m} RC elements, mu = {res.mu:.3f} (mu cut-off {res.c})\n"
            f"residuals: rms {100 * res.noise_estimate:.3g} %, max "
            f"{100 * res.max_residual:.3g} % of |Z|; pseudo chi2 = {res.pseudo_chi2:.3g}\n"
            f"limit: rms <= {100 * res.threshold:.3g} %, max <= max(limit, 4 rms): {verdict}"
        )
        if output is not None:
            console.print(f"table written to {output}")
        if plot is not None:
            console.print(f"figure written to {plot}")
    if strict and not res.passed:
        raise typer.Exit(1)
