"""``ohmslice simulate ...``: synthetic cells and studies whose answers are known."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import app, console, input_errors

simulate_app = typer.Typer(
    name="simulate",
    help="Simulated cells and studies with known resistances, written as instrument files.",
    no_args_is_help=True,
)
app.add_typer(simulate_app, name="simulate")


@simulate_app.command("reference")
@input_errors
def reference(
    out: Path = typer.Option(..., "-o", "--out", help="Folder to write the study into."),
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
