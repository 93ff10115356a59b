"""``ohmslice demo`` and ``ohmslice run STUDY``: a whole study, from files to the report.

``demo`` writes the simulated two-cathode reference study (known answers in
``truth.json``) and runs it; ``run`` runs a user's ``study.toml``. Both write an output
folder of ohmslice's own (:func:`ohmslice.study.store.results_folder`): ``results/`` (the
results store of :mod:`ohmslice.study.store`: Parquet tables, ``csv/`` copies and the
``results.duckdb`` catalogue, queried with ``ohmslice query``), ``figures/`` (PNG at
300 dpi and SVG of every study figure) and ``report.html`` (the answer, data quality,
figures, per-cell tables and methods on one self-contained page), both drawn from the
stored tables by :mod:`ohmslice.report` -- and for the demo ``study/`` -- built together
in a temporary folder and put in place as a whole when complete; the folder is checked
before any analysis starts (a folder of other files, or another study's results, only
with ``--force``). The figures are drawn in worker processes started before the analysis
(:func:`ohmslice.report.figure_workers`). Warnings shown while the study runs are kept in
the store's ``notes`` table. They print a summary: per cell the GITT, its SOC scale and
where the time constants came from, the crossovers of the cells' R1/R2/R3 with their
intervals and the SOC scale they are on (beside the true ones for the demo, mapped onto
the same scale: :func:`true_crossovers`), which decomposition the comparison used and
why, the design notes, the rate tests, the time spent analysing and writing, and the
report's path.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from .. import __version__
from ..errors import InputError
from ._app import app, console, input_errors, stage
from ._options import BOOT, QUIET
from ._progress import progress

COMPONENT_NAMES = {"r1": "R1 contact", "r2": "R2 charge transfer", "r3": "R3 diffusion",
                   "r12": "R1 + R2", "r_total": "total"}  # fmt: skip


def true_crossovers(truth: dict, result: Any) -> dict[str, list[float]]:
    """The simulator's true crossovers on the SOC scale the analysis used.

    ``truth.json`` gives each cell's per-electrode R1, R2, R3 on the model's SOC axis
    x (fraction of the accessible capacity; ``parameters``), ``x_full_charge`` (x at the
    end of the CC-CV charge) and the pulses' coulombic SOC against the full charge
    (``soc_end_pct`` = 100 x / x_full). An analysis counts SOC on the scale of its GITT
    (``GittResult.soc_basis``): 100 % at x_full and 1 % = C_ref / 100 with C_ref the
    GITT's own discharge (x_full - x_end, x_end at the end of the last pulse), the full
    charge (x_full) or a given / nominal capacity. Each cell's true curves are put on its
    own scale, SOC(x) = 100 - 100 (x_full - x) C_acc / C_ref, and their crossings found
    there: like for like with the crossovers the comparison reports. Keys ``r1``, ``r2``,
    ``r12``, ``r3``, ``r_total``: what a GITT pulse develops by its end (the columns'
    meaning; ``r_total`` = R1 + R2 + R3 + r_ocv of the electrode, the series parts being
    the same in both cells); from a truth.json without the developed values, the DC
    R1, R2, R3.
    """
    import numpy as np

    from ..simulate.reference import crossings

    names = [n for n in truth["cells"] if n in result.cells]
    grid = np.linspace(0.0, 100.0, 20001)
    curves: dict[str, dict[str, np.ndarray]] = {}
    for name in names:
        t = truth["cells"][name]
        par = t["parameters"]
        x = np.asarray(par["soc_pct"], dtype=float) / 100.0
        x_full = float(t["x_full_charge"])
        x_end = float(t["pulses"][-1]["soc_end_pct"]) / 100.0 * x_full
        c_acc = float(t["capacity_mAh"]) / 1e3
        g = result.cells[name].gitt
        basis = getattr(g, "soc_basis", "") if g is not None else ""
        ref_x = {"discharge": x_full - x_end, "charge": x_full}.get(
            basis, (g.capacity_Ah / c_acc) if g is not None else x_full
        )
        soc = 100.0 - 100.0 * (x_full - x) / ref_x
        if "r3_developed_ohm" in par:  # what the columns mean: developed by the pulse end
            r = {k: np.asarray(par[f"{k}_developed_ohm"], dtype=float)
                 for k in ("r1", "r2", "r3", "r_total")}  # fmt: skip
        else:
            r = {k: np.asarray(par[f"{k}_ohm"], dtype=float) for k in ("r1", "r2", "r3")}
            r["r_total"] = r["r1"] + r["r2"] + r["r3"]
        r["r12"] = r["r1"] + r["r2"]
        curves[name] = {k: np.interp(grid, soc, v, left=np.nan, right=np.nan) for k, v in r.items()}
    out: dict[str, list[float]] = {}
    if len(names) != 2:
        return out
    a, b = names
    for key in ("r1", "r2", "r12", "r3", "r_total"):
        d = curves[b][key] - curves[a][key]
        ok = np.isfinite(d)
        out[key] = crossings(grid[ok], d[ok])
    return out


def _n_steps(study: Any) -> int:
    n = 1
    for c in study.cells:
        n += len(c.symmetric_eis) + len(c.half_eis)
        n += 4 if c.gitt is not None else 0
        n += 1 if (c.rate.charge or c.rate.discharge) else 0
    return n


@contextmanager
def _recording_warnings(shown: list[tuple[str, str]]) -> Iterator[None]:
    """Append every warning shown inside the block to ``shown`` as (stage, text), and
    show it as before."""
    show = warnings.showwarning

    def record(message: Any, *args: Any, **kwargs: Any) -> None:
        shown.append((stage["now"], " ".join(str(message).split())))
        show(message, *args, **kwargs)

    warnings.showwarning = record
    try:
        yield
    finally:
        warnings.showwarning = show


def _run(study: Any, n_boot: int, step: Any):
    """Run the study, reporting each stage to ``step`` (:mod:`ohmslice.cli._progress`)."""
    from ..study.run import run_study

    return run_study(study, progress=step, n_boot=n_boot)


def _summary(result: Any, truth: dict | None) -> None:
    from rich.table import Table

    for name, c in result.cells.items():
        head = f"[bold]{name}[/]" + (f" ({c.label})" if c.label else "")
        if c.gitt is not None:
            p = c.gitt.pulses
            lo = min(p.soc_start_pct.min(), p.soc_end_pct.min())
            hi = max(p.soc_start_pct.max(), p.soc_end_pct.max())
            console.print(
                f"{head}: {len(p)} GITT pulses, SOC {lo:.0f}-{hi:.0f} % on the "
                f"'{c.gitt.soc_basis}' scale "
                f"({c.gitt.capacity_Ah * 1e3:.4g} mAh = 100 %); time constants from "
                f"{c.tau_source}",
                highlight=False,
            )
        else:
            console.print(f"{head}: no GITT", highlight=False)
    for note in result.notes:  # with the analyses skipped and why
        console.print(f"- {note}", highlight=False)
    cmp = result.comparison
    if cmp is not None and len(cmp.crossovers):
        t = Table(title=f"Where the cells' order reverses ({result.method_used} method)")
        for col in ("component", "crossover SOC %", "95 % interval", "SOC scale", "lower above"):
            t.add_column(col, justify="right")
        true = true_crossovers(truth, result) if truth else {}
        if true:
            t.add_column("true SOC %", justify="right")
        for r in cmp.crossovers.itertuples():
            row = [
                COMPONENT_NAMES.get(r.component, r.component),
                f"{r.soc_pct:.1f}",
                f"{r.ci_low_pct:.1f}-{r.ci_high_pct:.1f}" if r.ci_low_pct == r.ci_low_pct else "-",
                str(r.soc_reference),
                r.lower_above,
            ]
            if true:
                row.append(", ".join(f"{x:.1f}" for x in true.get(r.component, [])) or "none")
            t.add_row(*row)
        console.print(t)
        words = {n: c.gitt.soc_reference for n, c in result.cells.items() if c.gitt is not None}
        for n, w in words.items():
            console.print(f"SOC scale of {n}: {w}", highlight=False)
        if true:
            model = (truth or {}).get("crossover_soc_pct", {}).get("model_soc", {})
            console.print(
                "true SOC: the simulator's crossovers of the per-electrode R1, R2, R3 on each "
                "cell's SOC scale as above (on its model axis: "
                + ", ".join(f"{k} {', '.join(f'{x:.1f}' for x in v)}" for k, v in model.items())
                + ")",
                highlight=False,
            )
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


def _analyse_into(
    study_file: Path, tmp: Path, n_boot: int, pool: Any = None, quiet: bool = False
) -> tuple:
    """Run the study and write into the folder ``tmp`` its results store (``results/``,
    with the warnings shown while it ran), its figures (``figures/``) and ``report.html``,
    both drawn from the stored tables (:func:`ohmslice.report.write_report`; ``pool``:
    worker processes for the figures). Returns the result, the figure records and the
    seconds spent on the analysis, the tables, and the figures and report."""
    import time

    from ..report import write_report
    from ..study.file import load_study
    from ..study.store import write_tables

    study = load_study(study_file)
    shown: list[tuple[str, str]] = []
    with progress(_n_steps(study) + 2, quiet=quiet) as step:
        t0 = time.perf_counter()
        with _recording_warnings(shown):
            result = _run(study, n_boot, step)
        t1 = time.perf_counter()
        step("writing the results tables")
        write_tables(result, tmp / "results", study=study, study_file=study_file, warnings=shown)
        t2 = time.perf_counter()
        step("drawing the figures and the report")
        _, figures = write_report(tmp, pool=pool)
        t3 = time.perf_counter()
        step.done("analysis, tables, figures and report done")
    seconds = {"analysis": t1 - t0, "tables": t2 - t1, "figures and report": t3 - t2}
    return result, figures, seconds


#: The study name the demo's output folder is marked with.
DEMO_STUDY = "reference study (simulated)"

_FORCE = typer.Option(
    False, "--force",
    help="Also write into a folder of other files (they stay) or over another study's results.",
)  # fmt: skip


def _done(out: Path, figures: list, seconds: dict[str, float]) -> None:
    from ..report import REPORT

    for f in figures:
        if f.error:
            console.print(f"[yellow]figure {f.stem} not drawn: {f.skipped}[/]", highlight=False)
    drawn = sum(1 for f in figures if not f.skipped)
    console.print(
        f'tables in {out / "results"} (ohmslice query {out} "SELECT ..."), {drawn} figures '
        f"in {out / 'figures'}",
        highlight=False,
    )
    console.print(
        "time: analysis {analysis:.1f} s; tables {tables:.1f} s, figures and report "
        "{figures and report:.1f} s".format_map(seconds),
        highlight=False,
    )
    console.print(f"[bold]report: {out / REPORT}[/]", highlight=False)


@app.command("demo")
@input_errors
def demo_command(
    output: Path = typer.Option(
        Path("ohmslice-demo"), "--output", "-o", help="Folder for the study, tables, figures."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the simulated instrument noise."),
    n_boot: int = BOOT,
    force: bool = _FORCE,
    quiet: bool = QUIET,
) -> None:
    """Simulate the two-cathode reference study (known answers) and analyse it end to end."""
    from ..report import figure_workers
    from ..simulate import write_reference_study
    from ..study.store import check_results_folder, results_folder

    check_results_folder(output, study=DEMO_STUDY, force=force)
    info = {"command": "demo", "seed": seed, "version": __version__}
    with (
        figure_workers() as pool,  # started now: their imports overlap the analysis
        results_folder(output, study=DEMO_STUDY, info=info, force=force) as tmp,
    ):
        with progress(quiet=quiet) as step:
            step(f"writing the reference study to {output / 'study'}")
            write_reference_study(tmp / "study", seed=seed)
        truth = json.loads((tmp / "study" / "truth.json").read_text())
        result, figures, seconds = _analyse_into(
            tmp / "study" / "study.toml", tmp, n_boot, pool, quiet=quiet
        )
    _summary(result, truth)
    _done(output, figures, seconds)


@app.command("run")
@input_errors
def run_command(
    study_file: Path = typer.Argument(..., help="The study file (study.toml)."),
    output: Path = typer.Option(
        None, "--output", "-o", help="Output folder (default: beside the study file)."
    ),
    n_boot: int = BOOT,
    force: bool = _FORCE,
    quiet: bool = QUIET,
) -> None:
    """Run every analysis of a study: GITT, EIS, R1/R2/R3, rate tests, comparison."""
    from ..report import figure_workers
    from ..study.file import load_study
    from ..study.store import check_results_folder, results_folder

    out = output if output is not None else study_file.parent / "ohmslice-results"
    study = load_study(study_file)
    check_results_folder(out, study=study.name, force=force)
    inputs = [study_file, *(p for c in study.cells for p in c.files().values())]
    inside = [p for p in inputs if p.resolve().is_relative_to(out.resolve())]
    if inside:
        raise InputError(
            f"the output folder holds input files of the study ({inside[0]}); ohmslice "
            "replaces its output folder as a whole: give another one",
            path=out,
        )
    info = {"command": "run", "study_file": str(study_file.resolve()), "version": __version__}
    with (
        figure_workers() as pool,  # started now: their imports overlap the analysis
        results_folder(out, study=study.name, info=info, force=force) as tmp,
    ):
        result, figures, seconds = _analyse_into(study_file, tmp, n_boot, pool, quiet=quiet)
    _summary(result, None)
    _done(out, figures, seconds)
