"""``ohmslice simulate population -n N -o DIR``: many simulated studies with known answers.

Registered on the ``simulate`` command group of :mod:`ohmslice.cli.simulate`; writes
``DIR/study_001/`` ... (each a study.toml, its instrument files and truth.json) and
``DIR/population.json`` (:func:`ohmslice.simulate.population.write_population`): the
input of ``ohmslice batch`` for tests and benchmarks.
"""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import console, input_errors
from .simulate import simulate_app


@simulate_app.command("population")
@input_errors
def population(
    n: int = typer.Option(..., "-n", "--studies", help="Number of studies to write."),
    output: Path = typer.Option(
        None,
        "-o",
        "--output",
        show_default=False,
        help="Folder to write the studies into (required).",
    ),  # fmt: skip
    seed: int = typer.Option(0, "--seed", help="Seed of the population (cells and noise)."),
    cells: int = typer.Option(2, "--cells", help="Cells per study."),
    pulses: int = typer.Option(
        0, "--pulses", help="GITT pulses per cell (0: until the 3.0 V cut-off)."
    ),
    pulse_s: float = typer.Option(
        720.0, "--pulse-s", help="Length of each 0.5C GITT pulse (s); 720 s is 10 % SOC."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing on success."),
) -> None:
    """Write N simulated studies of varied cells (seeded), each with its truth.json.

    Each cell is the reference study's S_SE cathode with R1, R2, R3 and the time
    constants of charge transfer and diffusion multiplied by log-normal factors; a GITT
    of long pulses and symmetric-cell spectra at 50 % and 0 % SOC per cell.
    """
    from ..errors import InputError
    from ..simulate.population import write_population

    if output is None:
        raise InputError("missing option -o/--output: the folder to write the studies into")
    if pulses < 0:
        raise InputError(f"--pulses {pulses}; expected >= 0")
    info = write_population(output, n, seed=seed, cells_per_study=cells,
                            n_pulses=pulses or None, pulse_s=pulse_s)  # fmt: skip
    if not quiet:
        console.print(
            f"wrote {n} studies ({n * cells} cells) to {output} in {info['elapsed_s']:.1f} s; "
            f"truth in each study's truth.json, the cells' factors in population.json",
            highlight=False,
        )
