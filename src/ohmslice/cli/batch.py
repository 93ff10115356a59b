"""``ohmslice batch PATH... -o OUT``: many studies at once on Dask, resumable.

Finds every ``study.toml`` under the paths (or the study files a CSV lists), checks
them all, then runs each study as one task on a local Dask cluster of ``--workers``
processes or on a running scheduler (``--scheduler tcp://host:8786``), each study's
results store written into ``OUT/studies/<id>/`` (:mod:`ohmslice.study.batch`). Studies
whose inputs and settings are unchanged since the last batch into ``OUT`` are skipped;
a study that fails is recorded with its reason and the others go on.

Progress on stderr: a bar over the studies (done / failed / skipped) on a terminal, one
line per study elsewhere; the dashboard's address where the scheduler serves one. At the
end a summary on stdout: counts, each failed study with its reason, the cross-study
table (``OUT/summary/summary.csv``) and figure (``summary.png``), and how to query all
studies (``ohmslice query OUT "..."``).

Exit codes: 0 every study done or skipped, 1 a study failed, 2 bad input before any
work (no study under a path, a study file that does not load, an output folder of other
files, a scheduler that cannot be reached), 130 Ctrl-C (finished studies are kept).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from ._app import app, console, err_console, input_errors
from ._options import BOOT, QUIET, output_option

#: Exit code where a study failed (the others' results are written).
EXIT_FAILED = 1


def _parse_list(text: str, what: str, cast: Any) -> list[Any]:
    from ..errors import InputError

    try:
        items = [cast(x.strip()) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"--{what} {text!r}; expected a comma-separated list") from None
    if not items:
        raise InputError(f"--{what} is empty")
    return items


class _Display:
    """The progress over studies: a rich bar on a terminal, plain lines elsewhere."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.counts = {"done": 0, "skipped": 0, "failed": 0}
        self.bar: Any = None
        self.task: Any = None

    def start(self, info: dict[str, Any]) -> None:
        where = (f"on the scheduler at {info['scheduler']}" if info.get("remote")
                 else "on a local cluster")  # fmt: skip
        err_console.print(
            f"{info['n_studies']} studies, {info['n_workers']} workers {where}", highlight=False
        )
        if info.get("dashboard"):
            err_console.print(f"dashboard: {info['dashboard']}", highlight=False)
        else:
            err_console.print("dashboard: none (the scheduler serves one where bokeh is "
                              "installed)", highlight=False)  # fmt: skip
        if self.quiet or not err_console.is_terminal:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.bar = Progress(
            TextColumn("studies"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[green]{task.fields[done]} done[/] [yellow]{task.fields[skipped]} "
                       "skipped[/] [red]{task.fields[failed]} failed[/]"),
            TimeElapsedColumn(), console=err_console, transient=True,
        )  # fmt: skip
        self.bar.start()
        self.task = self.bar.add_task("", total=info["n_studies"], **self.counts)

    def study(self, o: Any) -> None:
        self.counts[o.status] = self.counts.get(o.status, 0) + 1
        if self.bar is not None:
            self.bar.update(self.task, advance=1, **self.counts)
            if o.status == "failed":
                self.bar.console.print(
                    f"[red]failed[/] {escape(o.id)}: {escape(o.reason)}", highlight=False,
                    soft_wrap=True,
                )  # fmt: skip
        elif not self.quiet:
            more = f": {o.reason}" if o.reason else f" ({o.seconds:.1f} s)"
            err_console.print(f"{o.status} {o.id}{more}", markup=False, highlight=False,
                              soft_wrap=True)  # fmt: skip

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


@app.command("batch")
@input_errors
def batch_command(
    paths: list[Path] = typer.Argument(
        ...,
        metavar="PATH...",
        show_default=False,
        help="Folders searched for study.toml files, study files, or CSV files listing "
        "study files (column study_file or path).",
    ),  # fmt: skip
    output: Path = output_option(
        "Batch folder (required): studies/<id>/ per study, catalogue.duckdb, summary/."
    ),
    workers: int = typer.Option(
        None,
        "--workers",
        show_default=False,
        help="Worker processes of the local Dask cluster (default: the number of CPUs).",
    ),  # fmt: skip
    scheduler: str = typer.Option(
        None,
        "--scheduler",
        show_default=False,
        help="Address of a running Dask scheduler (tcp://host:8786) instead of a local "
        "cluster; its workers must see the same paths.",
    ),  # fmt: skip
    n_boot: int = BOOT,
    retries: int = typer.Option(
        2, "--retries", help="Worker deaths a study may be involved in before it is marked failed."
    ),
    components: str = typer.Option(
        "r2,r3", "--components", help="Components of the summary: r1, r2, r3, r12, r_total."
    ),
    socs: str = typer.Option("20,50,80", "--socs", help="SOCs of the summary (%)."),
    quiet: bool = QUIET,
) -> None:
    """Run many studies at once on Dask; rerun only what failed or changed."""
    from ..errors import InputError
    from ..study.batch import SUMMARY_DIR, check_batch_folder, plan_batch, run_batch

    if output is None:
        raise InputError("missing option -o/--output: the batch folder to write into")
    if workers is not None and scheduler:
        raise InputError("give --workers (a local cluster) or --scheduler, not both")
    if workers is not None and workers < 1:
        raise InputError(f"--workers {workers}; expected at least 1")
    if retries < 0:
        raise InputError(f"--retries {retries}; expected >= 0")
    comps = _parse_list(components, "components", str)
    soc_list = _parse_list(socs, "socs", float)
    check_batch_folder(output)
    tasks = plan_batch(paths, exclude=output)  # every study file loads, before any work
    display = _Display(quiet)

    def start(info: dict[str, Any]) -> None:
        display.start({**info, "remote": bool(scheduler)})

    try:
        res = run_batch(tasks, output, workers=workers, scheduler=scheduler, n_boot=n_boot,
                        retries=retries, components=comps, socs=soc_list, on_start=start,
                        on_study=display.study)  # fmt: skip
    finally:
        display.stop()
    figure = None
    if len(res.summary):
        from ..report.batch_figures import draw_batch_summary

        figure = draw_batch_summary(output)
    n = {s: res.count(s) for s in ("done", "skipped", "failed")}
    colour = "red" if n["failed"] else "green"
    console.print(
        f"[{colour}]{len(res.outcomes)} studies: {n['done']} done, {n['skipped']} skipped "
        f"(unchanged), {n['failed']} failed[/] in {res.wall_s:.1f} s on {res.n_workers} "
        f"workers (start-up {res.startup_s:.1f} s)",
        highlight=False,
    )
    for o in res.failed:
        console.print(f"[red]failed[/] {escape(o.id)}: {escape(o.reason)}", highlight=False,
                      soft_wrap=True)  # fmt: skip
    if len(res.summary):
        console.print(
            f"summary: {output / SUMMARY_DIR / 'summary.csv'}"
            + (f", figure {figure}" if figure else ""),
            highlight=False,
        )
        console.print(f'all studies: ohmslice query {output} "SELECT ..."', highlight=False)
    if n["failed"]:
        raise typer.Exit(EXIT_FAILED)
