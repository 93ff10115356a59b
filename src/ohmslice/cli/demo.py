"""``ohmslice demo`` and ``ohmslice run STUDY``: a whole study, from files to figures.

``demo`` writes the simulated two-cathode reference study (known answers in
``truth.json``) and runs it; ``run`` runs a user's ``study.toml``. Both write, under the
output folder, ``results/`` (tables, CSV) and ``figures/`` (PNG), each built in a
temporary folder and renamed into place when complete, and print a summary: per cell the
GITT and where the time constants came from, the crossovers of the cells' R1/R2/R3 with
their intervals (beside the true ones for the demo), the design notes and the rate
tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from .._atomic import atomic_dir
from ..errors import InputError
from ._app import app, console, input_errors
from ._output import write_table

COMPONENT_NAMES = {"r1": "R1 contact", "r2": "R2 charge transfer", "r3": "R3 diffusion",
                   "r_total": "total"}  # fmt: skip


def _n_steps(study: Any) -> int:
    n = 1
    for c in study.cells:
        n += len(c.symmetric_eis) + len(c.half_eis)
        n += 4 if c.gitt is not None else 0
        n += 1 if (c.rate.charge or c.rate.discharge) else 0
    return n


def _run(study: Any, n_boot: int):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..study.run import run_study

    with Progress(
        TextColumn("{task.description:<48}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("reading", total=_n_steps(study))
        state = {"first": True}

        def step(msg: str) -> None:
            if not state["first"]:
                bar.advance(task)
            state["first"] = False
            bar.update(task, description=msg)

        result = run_study(study, progress=step, n_boot=n_boot)
        bar.update(task, completed=_n_steps(study))
    return result


def _write_results(result: Any, out: Path) -> None:
    import pandas as pd

    with atomic_dir(out / "results") as tmp:
        for name, c in result.cells.items():
            if c.gitt is not None:
                write_table(c.gitt.pulses, tmp / f"{name}_gitt_pulses.csv")
                write_table(c.windows.table, tmp / f"{name}_decomposition_windows.csv")
                write_table(c.model.table, tmp / f"{name}_decomposition_model.csv")
                write_table(c.taus, tmp / f"{name}_time_constants_used.csv")
                write_table(c.dc_drt, tmp / f"{name}_pulse_drt.csv")
            if c.time_constants:
                tabs = [tc.table.assign(soc_pct=s) for s, tc in c.time_constants.items()]
                write_table(pd.concat(tabs), tmp / f"{name}_symmetric_eis_processes.csv")
            if c.consistency is not None:
                write_table(c.consistency, tmp / f"{name}_gitt_vs_eis.csv")
            if c.rate is not None:
                write_table(c.rate.steps, tmp / f"{name}_rate_steps.csv")
        if result.comparison is not None:
            write_table(result.comparison.crossovers, tmp / "crossovers.csv")
            write_table(result.comparison.ranges, tmp / "ranges.csv")
            (tmp / "design_notes.txt").write_text("\n".join(result.comparison.notes) + "\n")


def _write_figures(result: Any, out: Path) -> None:
    from ..report.decompose_figures import plot_resistance_map
    from ..report.eis_figures import plot_spectrum
    from ..report.gitt_figures import plot_gitt
    from ..report.rate_figures import plot_rate_report

    with atomic_dir(out / "figures") as tmp:
        for method in ("windows", "model"):
            dec = result.decompositions(method)
            if dec:
                cmp = result.comparison if method == result.settings["method"] else None
                plot_resistance_map(dec, cmp, path=tmp / f"resistance_map_{method}.png")
        for name, c in result.cells.items():
            if c.gitt is not None:
                plot_gitt(c.gitt, path=tmp / f"{name}_gitt.png")
            for soc, tc in c.time_constants.items():
                plot_spectrum(
                    tc.spectrum, tc.fit, tc.drt, path=tmp / f"{name}_symmetric_SOC{soc:g}.png",
                    title=f"{name}, symmetric cell per electrode, SOC {soc:g} %",
                )  # fmt: skip
        rates = {n: c.rate for n, c in result.cells.items() if c.rate is not None}
        if rates:
            plot_rate_report(rates, path=tmp / "rate.png")


def _summary(result: Any, truth: dict | None) -> None:
    from rich.table import Table

    for name, c in result.cells.items():
        head = f"[bold]{name}[/]" + (f" ({c.label})" if c.label else "")
        if c.gitt is not None:
            p = c.gitt.pulses
            console.print(
                f"{head}: {len(p)} GITT pulses, SOC {p.soc_start_pct.min():.0f}-"
                f"{p.soc_start_pct.max():.0f} %, capacity {c.gitt.capacity_Ah * 1e3:.4g} mAh; "
                f"time constants from {c.tau_source}",
                highlight=False,
            )
        else:
            console.print(f"{head}: no GITT", highlight=False)
    cmp = result.comparison
    if cmp is not None and len(cmp.crossovers):
        t = Table(title=f"Where the cells' order reverses ({result.settings['method']} method)")
        for col in ("component", "crossover SOC %", "95 % interval", "lower above"):
            t.add_column(col, justify="right")
        true = (truth or {}).get("crossover_soc_pct", {}).get("model_soc", {})
        if true:
            t.add_column("true SOC %", justify="right")
        for r in cmp.crossovers.itertuples():
            row = [
                COMPONENT_NAMES.get(r.component, r.component),
                f"{r.soc_pct:.1f}",
                f"{r.ci_low_pct:.1f}-{r.ci_high_pct:.1f}" if r.ci_low_pct == r.ci_low_pct else "-",
                r.lower_above,
            ]
            if true:
                key = "total" if r.component == "r_total" else r.component
                row.append(", ".join(f"{x:.1f}" for x in true.get(key, [])) or "none")
            t.add_row(*row)
        console.print(t)
    if cmp is not None:
        for note in cmp.notes:
            console.print(f"- {note}", highlight=False)
    for name, c in result.cells.items():
        if c.rate is not None:
            s = c.rate.summary
            parts = [
                f"{d} {r.c_rate_nominal:g}C {r.capacity_mAh:.3g} mAh"
                for d in ("charge", "discharge")
                for r in s[s.direction == d].itertuples()
            ]
            console.print(f"{name} rate tests: " + "; ".join(parts), highlight=False)
    if result.curve_comparison is not None:
        console.print(
            f"discharge curves at {result.curve_rate:g}C: {result.curve_comparison.summary()}",
            highlight=False,
        )


def _run_and_report(study_file: Path, out: Path, n_boot: int, truth: dict | None) -> None:
    from ..study.file import load_study

    study = load_study(study_file)
    result = _run(study, n_boot)
    _write_results(result, out)
    _write_figures(result, out)
    _summary(result, truth)
    console.print(f"tables in {out / 'results'}, figures in {out / 'figures'}")


@app.command("demo")
@input_errors
def demo_command(
    output: Path = typer.Option(
        Path("ohmslice-demo"), "--output", "-o", help="Folder for the study, tables, figures."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the simulated instrument noise."),
    n_boot: int = typer.Option(300, "--boot", help="Bootstrap replicas of the intervals."),
) -> None:
    """Simulate the two-cathode reference study (known answers) and analyse it end to end."""
    from ..simulate import write_reference_study

    if output.exists() and not output.is_dir():
        raise InputError("exists and is not a folder", path=output)
    output.mkdir(parents=True, exist_ok=True)
    console.print(f"writing the reference study to {output / 'study'} ...")
    write_reference_study(output / "study", seed=seed)
    truth = json.loads((output / "study" / "truth.json").read_text())
    _run_and_report(output / "study" / "study.toml", output, n_boot, truth)


@app.command("run")
@input_errors
def run_command(
    study_file: Path = typer.Argument(..., help="The study file (study.toml)."),
    output: Path = typer.Option(
        None, "--output", "-o", help="Output folder (default: beside the study file)."
    ),
    n_boot: int = typer.Option(300, "--boot", help="Bootstrap replicas of the intervals."),
) -> None:
    """Run every analysis of a study: GITT, EIS, R1/R2/R3, rate tests, comparison."""
    out = output if output is not None else study_file.parent / "ohmslice-results"
    _run_and_report(study_file, out, n_boot, None)
