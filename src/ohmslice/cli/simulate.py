"""``ohmslice simulate ...``: synthetic cells and studies whose answers are known."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import app, console, err_console, input_errors

simulate_app = typer.Typer(
    name="simulate",
    help="Simulated cells and studies with known resistances, written as instrument files.",
    no_args_is_help=True,
)
app.add_typer(simulate_app, name="simulate")


@simulate_app.command("reference")
@input_errors
def reference(
    output: Path = typer.Option(
        None,
        "-o",
        "--output",
        help="Folder to write the study into (required).",
        show_default=False,
    ),
    out: Path = typer.Option(None, "--out", hidden=True, help="Deprecated: use -o/--output."),
    seed: int = typer.Option(0, "--seed", help="Seed of the measurement noise."),
    decimal: str = typer.Option(
        ".", "--decimal", help="Decimal mark of the .mpt files: '.' or ','."
    ),
    pulses: int = typer.Option(
        0,
        "--pulses",
        help="Number of GITT pulses (0: until the 3.0 V cut-off, as in the reference paper).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing on success."),
) -> None:
    """Write the reference paper's experiment on two simulated cathodes (S_SE, L_SE).

    GITT (0.1C CC-CV charge, 0.5C x 72 s pulses, 5000 s rests), symmetric and half-cell
    PEIS at SOC 50 % and 0 %, rate tests at 0.1-2C, a study.toml and truth.json.
    """
    from ..errors import InputError
    from ..simulate.reference import write_reference_study

    if output is not None and out is not None and output != out:
        raise InputError("-o/--output and --out (its old name) both given: give -o only")
    if output is None and out is None:
        raise InputError("missing option -o/--output: the folder to write the study into")
    if out is not None:
        err_console.print("[yellow]warning:[/] --out is deprecated: use -o/--output",
                          highlight=False)  # fmt: skip
    out = output if output is not None else out
    if pulses < 0:
        raise InputError(f"--pulses {pulses}; expected >= 0")
    truth = write_reference_study(out, seed=seed, decimal=decimal, n_pulses=pulses or None)
    if not quiet:
        cross = truth["crossover_soc_pct"]["model_soc"]
        console.print(
            f"wrote {len(truth['files'])} files to {out} in {truth['elapsed_s']:.1f} s; "
            f"true crossover SOC: R2 {cross['r2']}, R3 {cross['r3']}, "
            f"total {[round(x, 1) for x in cross['total']]} %",
            highlight=False,
        )
