"""Writing the results against analysing them: the demo's analysis time and the time to
write its tables, figures and report, and their ratio (target: writing at most a fifth of
the analysis; the whole ``ohmslice demo`` under 60 s on 2 cores).

The reference study (:func:`ohmslice.simulate.write_reference_study`, seed 0: two
cathodes, ~100 GITT pulses each, symmetric- and half-cell spectra at 0 and 50 % SOC,
rate tests at 0.1-2C) is analysed as ``ohmslice demo`` does (``run_study``, 300
bootstrap replicas), with the figure workers started before the analysis as the CLI
starts them (:func:`ohmslice.report.figure_workers`). Then, timed apart:

* ``tables``: the results store (:func:`ohmslice.study.store.write_tables`: Parquet, CSV,
  DuckDB catalogue);
* ``figures``: the study's figures from the stored tables, PNG (300 dpi) + SVG each
  (:func:`ohmslice.report.write_study_figures`), in the workers;
* ``report``: ``report.html`` with every figure inline (:func:`ohmslice.report.render_report`);
* ``figures, one process``: the same figures drawn one after the other in this process
  (what the workers save);
* ``before``: the figures the CLI wrote before the report existed -- per cell and per
  spectrum, PNG at 150 dpi, constrained layout, from the result objects
  (``decompose_figures``, ``gitt_figures``, ``eis_figures``, ``rate_figures``).

With ``--demo`` the whole ``ohmslice demo`` command is timed as well (a subprocess).

Run: ``.venv/bin/python benchmarks/report.py [--boot N] [--repeat N] [--demo]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from ohmslice.report import figure_workers, render_report, write_study_figures
from ohmslice.simulate import write_reference_study
from ohmslice.study.file import load_study
from ohmslice.study.run import run_study
from ohmslice.study.store import write_tables


def _before(result, folder: Path) -> None:
    """The CLI's figures before the report: what ``_write_figures`` drew."""
    from ohmslice.report.decompose_figures import plot_resistance_map
    from ohmslice.report.eis_figures import plot_spectrum
    from ohmslice.report.gitt_figures import plot_gitt
    from ohmslice.report.rate_figures import plot_rate_report

    folder.mkdir()
    for method in ("windows", "model"):
        dec = result.decompositions(method)
        if dec:
            cmp = result.comparison if method == result.method_used else None
            plot_resistance_map(dec, cmp, path=folder / f"resistance_map_{method}.png")
    for name, c in result.cells.items():
        if c.gitt is not None:
            plot_gitt(c.gitt, path=folder / f"{name}_gitt.png")
        for soc, tc in c.time_constants.items():
            plot_spectrum(tc.spectrum, tc.fit, tc.drt, path=folder / f"{name}_sym_{soc:g}.png")
    rates = {n: c.rate for n, c in result.cells.items() if c.rate is not None}
    if rates:
        plot_rate_report(rates, path=folder / "rate.png")


def once(root: Path, n_boot: int, before: bool) -> dict[str, float]:
    out: dict[str, float] = {}
    study_file = root / "study" / "study.toml"
    with figure_workers() as pool:  # as the CLI: started before the analysis
        study = load_study(study_file)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = run_study(study, n_boot=n_boot)
        t1 = time.perf_counter()
        write_tables(result, root / "out" / "results", study=study, study_file=study_file)
        t2 = time.perf_counter()
        figures = write_study_figures(root / "out", root / "out" / "figures", pool=pool)
        t3 = time.perf_counter()
        html = render_report(root / "out", figures)
        (root / "out" / "report.html").write_text(html, encoding="utf-8")
        t4 = time.perf_counter()
    out.update(analysis=t1 - t0, tables=t2 - t1, figures=t3 - t2, report=t4 - t3)
    t = time.perf_counter()
    write_study_figures(root / "out", root / "serial", workers=1)
    out["figures, one process"] = time.perf_counter() - t
    if before:
        t = time.perf_counter()
        _before(result, root / "before")
        out["before: CLI figures (PNG only)"] = time.perf_counter() - t
    out["n_figures"] = sum(1 for f in figures if not f.skipped)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--boot", type=int, default=300, help="bootstrap replicas (the demo's)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--skip-before", action="store_true", help="leave out the old figures")
    ap.add_argument("--demo", action="store_true", help="also time the whole ohmslice demo")
    args = ap.parse_args()
    runs = []
    for k in range(args.repeat):
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            write_reference_study(root / "study", seed=0)
            runs.append(once(root, args.boot, before=not args.skip_before))
        print(f"run {k + 1}: " + ", ".join(f"{n} {v:.2f}" for n, v in runs[-1].items()))
    best = {n: min(r[n] for r in runs) for n in runs[0]}
    writing = best["tables"] + best["figures"] + best["report"]
    print(f"\nreference study, {args.boot} bootstrap replicas, best of {args.repeat}:")
    print(f"  analysis (run_study)                 {best['analysis']:6.2f} s")
    print(f"  tables (Parquet, CSV, DuckDB)        {best['tables']:6.2f} s")
    print(
        f"  figures ({best['n_figures']:.0f}, PNG 300 dpi + SVG, workers) {best['figures']:6.2f} s"
    )
    print(f"  report.html                          {best['report']:6.2f} s")
    print(f"  writing (tables + figures + report)  {writing:6.2f} s")
    print(
        f"  writing / analysis                   {writing / best['analysis']:6.2f}  (target <= 0.20)"
    )
    print(f"  figures in one process               {best['figures, one process']:6.2f} s")
    if "before: CLI figures (PNG only)" in best:
        print(
            f"  before: the CLI's figures (14 PNG, 150 dpi) {best['before: CLI figures (PNG only)']:6.2f} s"
        )
    if args.demo:
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter()
            subprocess.run(
                [str(Path(sys.executable).parent / "ohmslice"), "demo", "-o", str(Path(d) / "demo")],
                check=True, capture_output=True,
            )  # fmt: skip
            print(
                f"  ohmslice demo, whole command         {time.perf_counter() - t:6.2f} s  (target < 60 s)"
            )


if __name__ == "__main__":
    main()
