"""``ohmslice query OUT [OUT2 ...] "SQL"``: SQL over the results store of one or more runs.

Every table of every results folder (:mod:`ohmslice.study.store`; the tables and columns
are in ``docs/results.md``) is a view of the same name, its rows stacked over the folders
and carrying a ``study`` column. The result is printed as a table, or as CSV with
``--csv``. Without SQL, the tables are listed with their row counts.

Exit code 2, with one line saying why, for a folder without results and for SQL that
DuckDB cannot run.
"""

from __future__ import annotations

import math
from pathlib import Path

import typer

from ..errors import InputError
from ._app import app, console, input_errors


def _cell(x: object) -> str:
    """A value as printed in the table: floats to 6 significant digits, blank for NULL/NaN."""
    import pandas as pd

    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return ""
    if isinstance(x, float):
        return format(x, ".6g")
    return str(x)


@app.command("query")
@input_errors
def query_command(
    args: list[str] = typer.Argument(
        ...,
        metavar="OUT [OUT2 ...] [SQL]",
        help="Results folders (an output folder of 'ohmslice run' or its results/), then "
        'the SQL, e.g. "SELECT study, cell, soc_pct, r3_ohm FROM components".',
        show_default=False,
    ),
    csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
) -> None:
    """Query the results of one or more studies with SQL (DuckDB); each row has its study."""
    from ..study.store import open_results

    if Path(args[-1]).is_dir():
        folders, sql = args, None
    else:
        folders, sql = args[:-1], args[-1]
    if not folders:
        raise InputError(
            'give the results folder(s) before the SQL: ohmslice query OUT [OUT2 ...] "SQL"'
        )
    with open_results(folders) as res:
        if sql is None:
            parts = [f"SELECT '{t}' AS name, count(*) AS n_rows FROM \"{t}\"" for t in res.tables]
            df = res.sql(" UNION ALL ".join(parts))
        else:
            df = res.sql(sql)
    if csv:
        typer.echo(df.to_csv(index=False), nl=False)
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, header_style="bold")
    for col in df.columns:
        table.add_column(Text(str(col)), overflow="fold")
    for row in df.itertuples(index=False):
        table.add_row(*(Text(_cell(v)) for v in row))
    console.print(table)
    console.print(f"{len(df)} row{'s' if len(df) != 1 else ''}", style="dim", highlight=False)
