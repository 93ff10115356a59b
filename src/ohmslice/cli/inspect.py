"""``ohmslice inspect FILE...``: what a data file holds, as ohmslice reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from .._paths import os_reason
from ..errors import InputError, show_path
from ..schema import _duration
from ._app import EXIT_INPUT, app, console, fail, input_errors
from ._options import JSON
from ._output import print_json


def _si(value: float, unit: str) -> str:
    """``0.0005, "A"`` -> ``"500 µA"``."""
    a = abs(value)
    for factor, prefix in ((1e6, "M"), (1e3, "k"), (1, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n")):
        if a >= factor * 0.9995:
            return f"{value / factor:.4g} {prefix}{unit}"
    return f"{value:.3g} {unit}" if a else f"0 {unit}"


def _range(lo: float, hi: float, unit: str) -> str:
    return f"{_si(lo, unit)} … {_si(hi, unit)}"


def _steps(recording: Any) -> str:
    """Counts of constant-current and rest segments from :func:`ohmslice.dc.pulses.segment`."""
    from ..dc.pulses import segment

    try:
        seg = segment(recording)
    except InputError as exc:
        return f"n/a ({exc.message})"
    counts = seg["kind"].value_counts()
    parts = [f"{int(counts.get('cc', 0))} constant-current", f"{int(counts.get('rest', 0))} rest"]
    parts += [f"{int(counts[k])} {k}" for k in ("cv", "other") if counts.get(k, 0)]
    return ", ".join(parts)


def _techniques(items: list[Any]) -> str:
    meta = items[0].meta
    names = []
    for x in items:
        t = x.meta.get("technique")
        if t and t not in names:
            names.append(t)
    steps: list[str] = []
    if not names:  # the file names the kind of each step instead (a cycler's step types)
        for x in items:
            col = x.data.get("technique") if hasattr(x, "data") else None
            if col is not None:
                steps += [str(k) for k in dict.fromkeys(col.dropna()) if str(k) not in steps]
    if names:
        text = ", ".join(names)
    elif steps:
        text = "steps of kinds " + ", ".join(steps)
    else:
        text = "n/a (not recorded in the file)"
    if meta.get("sequence"):
        text += f" (sequence: {', '.join(meta['sequence'])})"
    return text


def summarize(result: Any) -> list[tuple[str, str]]:
    """(field, value) lines describing what :func:`ohmslice.io.read` returned."""
    from ..io import readers
    from ..schema import Recording, Spectrum

    items = result if isinstance(result, list) else [result]
    meta = items[0].meta
    described = {r.name: r.description for r in readers()}
    fmt = meta.get("format") or "?"
    lines = [("format", f"{described.get(fmt, fmt)} [{fmt}]")]
    if meta.get("instrument"):
        lines.append(("instrument", str(meta["instrument"])))
    lines.append(("technique(s)", _techniques(items)))
    settings = meta.get("settings") or {}
    started = (
        settings.get("Acquisition started on")
        or settings.get("acquisition_start")
        or meta.get("acquired")
    )
    if started:
        lines.append(("started", str(started)))
    if meta.get("rows_in_file") is not None:
        lines.append(("rows in file", str(meta["rows_in_file"])))
    recs = [x for x in items if isinstance(x, Recording)]
    specs = [x for x in items if isinstance(x, Spectrum)]
    for rec in recs:
        i = rec.current
        lines += [
            ("recording", f"{len(rec)} rows over {_duration(rec.duration_s)}"),
            ("voltage", _range(float(rec.voltage.min()), float(rec.voltage.max()), "V")),
            ("current", _range(float(i.min()), float(i.max()), "A")),
            ("current steps found", _steps(rec)),
        ]
    if specs:
        sizes = sorted({len(s) for s in specs})
        size = f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]}–{sizes[-1]}"
        fmin = min(float(s.freq.min()) for s in specs)
        fmax = max(float(s.freq.max()) for s in specs)
        lines += [
            ("spectra", f"{len(specs)} sweep(s) of {size} points ({sum(map(len, specs))} total)"),
            ("frequency", _range(fmin, fmax, "Hz")),
        ]
        if all("dc_V" in s.data for s in specs):
            vs = [float(v) for s in specs for v in (s.data["dc_V"].min(), s.data["dc_V"].max())]
            lines.append(("dc voltage", _range(min(vs), max(vs), "V")))
    for note in meta.get("notes") or []:
        lines.append(("note", note))
    return lines


@app.command()
@input_errors
def inspect(
    files: list[Path] = typer.Argument(..., help="Instrument files (.mpr, .mpt, .csv, ...)."),
    as_json: bool = JSON,
) -> None:
    """Show what each FILE holds: format, technique, rows, duration, voltage and current
    ranges, constant-current and rest steps, frequency range of spectra."""
    from rich.markup import escape
    from rich.table import Table

    from ..io import read

    failed = 0
    found = []
    for path in files:
        try:
            lines = summarize(read(path))
        except InputError as exc:
            fail(str(exc))
            failed += 1
            continue
        except OSError as exc:
            fail(f"{show_path(exc.filename or path)}: {os_reason(exc)}")
            failed += 1
            continue
        if as_json:
            found.append({"file": str(path), **dict(lines)})
            continue
        table = Table(title=escape(str(path)), title_justify="left", show_header=False, box=None)
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column(overflow="fold")
        for field, value in lines:
            table.add_row(field, escape(value))
        console.print(table)
        console.print()
    if as_json:
        print_json(found)
    if failed:
        raise typer.Exit(EXIT_INPUT)
