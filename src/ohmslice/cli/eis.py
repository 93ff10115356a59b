"""``ohmslice eis ...``: impedance commands (circuit fit here; DRT and KK in ``eis_drt``).

:data:`eis_app` is the typer sub-app every impedance command registers on; it is added
to the root application as ``ohmslice eis``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer

from ._app import app, console, input_errors
from ._options import F_MAX, F_MIN, JSON, R_SEP, SWEEP, output_option, plot_option
from ._output import check_outputs, num, pm, write_table

eis_app = typer.Typer(
    name="eis",
    help="Impedance spectra: equivalent-circuit fit, DRT, Kramers-Kronig check.",
    no_args_is_help=True,
)
app.add_typer(eis_app, name="eis")


def load_spectrum(file: Path, sweep: int):
    """Sweep ``sweep`` of ``file`` (negative counts from the end), as a Spectrum."""
    from ..errors import InputError
    from ..io import read_spectra

    spectra = read_spectra(file)
    if not -len(spectra) <= sweep < len(spectra):
        raise InputError(
            f"--sweep {sweep}: the file holds {len(spectra)} impedance sweep(s), "
            f"expected 0..{len(spectra) - 1} (or negative from the end)",
            path=file,
        )
    return spectra[sweep]


def crop(spectrum, f_min: float | None, f_max: float | None):
    """Keep the points with f_min <= f <= f_max (Hz; either bound optional)."""
    from ..errors import InputError

    if f_min is None and f_max is None:
        return spectrum
    f = spectrum.freq
    keep = (f >= (f_min if f_min is not None else 0.0)) & (
        f <= (f_max if f_max is not None else float("inf"))
    )
    if not keep.any():
        raise InputError(
            f"no point between --f-min {f_min} and --f-max {f_max} Hz; the spectrum spans "
            f"{f.min():.4g}..{f.max():.4g} Hz",
            path=spectrum.source,
        )
    return type(spectrum)(spectrum.data.loc[keep].reset_index(drop=True), spectrum.meta)


def per_electrode(spectrum, symmetric: bool, r_sep: float | None):
    """Apply ``--symmetric``/``--r-sep``; returns the spectrum and a note saying what was done."""
    from ..errors import InputError
    from ..impedance.fit import high_frequency_intercept

    if not symmetric:
        if r_sep is not None:
            raise InputError("--r-sep is only used with --symmetric")
        return spectrum, None
    if r_sep is None:
        r_sep, source = high_frequency_intercept(spectrum), "high-frequency intercept"
    else:
        source = "given"
    if not math.isfinite(r_sep) or r_sep < 0:
        raise InputError(f"--r-sep {r_sep}: expected a finite separator resistance >= 0 Ohm")
    note = {
        "per_electrode": "(Z - R_sep) / 2",
        "r_sep_ohm": float(r_sep),
        "r_sep_source": source,
    }
    return spectrum.per_electrode(r_sep), note


@eis_app.command("fit")
@input_errors
def fit_command(
    file: Path = typer.Argument(..., help="Instrument file holding an impedance spectrum."),
    circuit: str = typer.Option(
        ..., "--circuit", "-c", help="Circuit string, e.g. 'R0-p(R1,CPE1)-p(R2,CPE2)-Wo1'."
    ),
    symmetric: bool = typer.Option(
        False,
        "--symmetric",
        help="Symmetric cell: fit one electrode, (Z - R_sep)/2, R_sep from the "
        "high-frequency intercept unless --r-sep is given.",
    ),
    r_sep: float = R_SEP,
    sweep: int = SWEEP,
    f_min: float = F_MIN,
    f_max: float = F_MAX,
    weighting: str = typer.Option(
        "modulus", "--weighting", help="Residual weighting: modulus, proportional or unit."
    ),
    diffusion: str = typer.Option(
        None,
        "--diffusion",
        help="'auto': fit each diffusion shape (wo, ws, wsc, wsph, wa) in place of the "
        "circuit's diffusion element and keep the best by AIC (every candidate printed); "
        "or one of those shapes. Default: the circuit as given.",
    ),
    as_json: bool = JSON,
    plot: Path = plot_option(
        "Write Nyquist + Bode with the fit drawn over the data (.png, .pdf or .svg)."
    ),
    output: Path = output_option(
        "Write the parameters (.csv or .parquet): name, value, error, unit, fixed."
    ),
) -> None:
    """Fit an equivalent circuit to a spectrum: values, standard errors, chi2, AIC.

    The fit is judged before it is shown: one that does not describe the data, or whose
    values are degenerate or undetermined, is printed marked as not usable with the
    reasons, and the command exits with code 1 (a result, not bad input: that is 2).
    """
    from rich.markup import escape
    from rich.table import Table

    from ..impedance import Circuit, fit_circuit

    circ = Circuit(circuit)  # parse errors before reading the file
    check_outputs(output, plot)
    spectrum = crop(load_spectrum(file, sweep), f_min, f_max)
    spectrum, note = per_electrode(spectrum, symmetric, r_sep)
    res = fit_circuit(spectrum, circ, weighting=weighting, diffusion=diffusion)
    circ = res.circuit  # with diffusion: the chosen shape's element in place
    tc = res.time_constants()
    if output is not None:
        write_table(res.to_frame(), output)
    if plot is not None:
        from ..report.eis_figures import plot_spectrum

        what = "per electrode" if note else "cell"
        plot_spectrum(spectrum, fit=res, path=plot, title=f"{file.name} ({what}): {circ.text}")

    if as_json:
        out = res.to_dict()
        out["file"] = str(file)
        out["sweep"] = sweep
        out["symmetric"] = note
        out["time_constants"] = json.loads(tc.to_json(orient="records"))
        out["plot"] = None if plot is None else str(plot)
        typer.echo(json.dumps(out, indent=2))
        if not res.success:
            raise typer.Exit(1)
        return

    title = f"{file.name}  sweep {sweep}  {circ.text}  ({len(spectrum)} points)"
    if not res.success:
        title += "  [NOT USABLE: see below]"
    table = Table(title=escape(title), title_justify="left")
    for col, just in (("name", "left"), ("value ± std err", "right")):
        table.add_column(col, justify=just)
    table.add_column("unit")
    table.add_column("rel. err", justify="right")
    for row in res.to_frame().itertuples():
        rel = row.error / abs(row.value) if row.value else math.inf
        value = f"{num(row.value)} (fixed)" if row.fixed else pm(row.value, row.error)
        rel_text = "" if row.fixed else "> 1000 %" if rel > 10 else f"{num(100 * rel, digits=2)} %"
        table.add_row(row.name, value, escape(row.unit), rel_text)
    console.print(table)
    if not tc.empty:
        tt = Table(title="time constants", title_justify="left")
        for col in ("process", "R", "tau", "f_peak", "n"):
            tt.add_column(col, justify="left" if col == "process" else "right")
        for r in tc.itertuples():
            tt.add_row(
                r.element,
                pm(r.r_ohm, r.r_err_ohm, "Ohm"),
                pm(r.tau_s, r.tau_err_s, "s"),
                num(r.f_peak_Hz, "Hz"),
                f"{r.n:.3g}",
            )
        console.print(tt)
    console.print(
        f"chi2 = {res.chi2:.4g} ({res.weighting} weighting), reduced chi2 = "
        f"{res.chi2_reduced:.3g}, AIC = {res.aic:.1f}, BIC = {res.bic:.1f}"
    )
    kk = (
        f"{100 * res.kk_residual:.2g} % for a Kramers-Kronig-consistent model"
        if math.isfinite(res.kk_residual)
        else "no Kramers-Kronig comparison (fewer than 5 frequencies)"
    )
    console.print(
        f"residuals: rms {100 * res.residual_rms:.2g} % of the measured |Z| ({kk}), "
        f"Durbin-Watson {res.durbin_watson:.2f}",
        highlight=False,
    )
    if res.shape_choice is not None:
        for line in res.shape_choice.summary():
            console.print(escape(line), highlight=False)
    if note:
        console.print(
            f"symmetric cell: per-electrode spectrum (Z - R_sep)/2 with R_sep = "
            f"{num(note['r_sep_ohm'], 'Ohm')} ({note['r_sep_source']})"
        )
    if output is not None:
        console.print(f"table written to {output}")
    if plot is not None:
        console.print(f"figure written to {plot}")
    for text in res.notes:
        console.print(f"[yellow]note:[/] {escape(text)}", highlight=False)
    if not res.success:
        console.print("[bold red]fit not usable:[/]", highlight=False)
        for reason in res.reasons:
            console.print(f"  - {escape(reason)}", highlight=False)
        raise typer.Exit(1)
