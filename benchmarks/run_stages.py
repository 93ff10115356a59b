"""Time per stage of a whole study: ``ohmslice run`` on the reference study, now and before.

The reference study (:func:`ohmslice.simulate.reference.write_reference_study`: two
cathodes, ~100 GITT pulses each, symmetric- and half-cell spectra at 0 and 50 % SOC,
eight rate tests per cell) is analysed by :func:`ohmslice.study.run.run_study` -- both
decomposition methods, the pulses' own DRT, the comparison with its bootstrap -- and the
time between its progress steps is summed per stage (reading a file is counted with the
stage that needs it). Target: the analysis within 5 s on 2 cores.

Two configurations run in the same process, each on a fresh import state of the caches:

* ``now``: as shipped -- unit step responses read from their spline table
  (:func:`ohmslice.method.boundaries.unit_step`), BLAS on one thread
  (:mod:`ohmslice._blas`);
* ``before``: the unit step responses inverted by Talbot for every call (20 nodes, as
  the model method did) and BLAS with its default threads.

Both must give the same crossovers (printed side by side).

Run: ``.venv/bin/python benchmarks/run_stages.py [--repeat N] [--skip-before]``
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
import warnings
from collections import defaultdict
from pathlib import Path

from ohmslice import _blas
from ohmslice.method import boundaries, decompose, pulsefit
from ohmslice.simulate.reference import write_reference_study
from ohmslice.study.file import load_study
from ohmslice.study.run import run_study

#: words of a progress message -> stage
STAGES = (
    ("symmetric-cell spectrum", "time constants (symmetric EIS)"),
    ("half-cell spectrum", "time constants (half-cell EIS)"),
    ("GITT", "GITT: read + pulse table"),
    ("DRT of every pulse", "pulse DRT"),
    ("decomposition (windows)", "decomposition, windows"),
    ("decomposition (model)", "decomposition, model"),
    ("rate tests", "rate tests: read + analyse"),
    ("errors the pulses share", "shared errors (time constants, shapes)"),
    ("comparing", "comparison + bootstrap"),
)


def _stage(msg: str) -> str:
    return next((name for key, name in STAGES if key in msg), msg)


class _Unlimited:
    """Stands in for the thread-pool controller: no limit (BLAS's default threads)."""

    def limit(self, **_kw):
        return contextlib.nullcontext()


@contextlib.contextmanager
def _before():
    """The state before the step table and the BLAS limit."""
    exact = boundaries.unit_step

    def step(t, tau, n=1.0, shape="zarc", *, m=None):
        return exact(t, tau, n, shape, m=20 if m is None else m)

    saved = _blas._controller
    _blas._controller = _Unlimited()
    patched = (boundaries, decompose, pulsefit)
    for mod in patched:
        mod.unit_step = step
    try:
        yield
    finally:
        for mod in patched:
            mod.unit_step = exact
        _blas._controller = saved


def _timed(study) -> tuple[dict[str, float], float, object]:
    times: dict[str, float] = defaultdict(float)
    state = {"stage": "setup", "t": time.perf_counter()}

    def progress(msg: str) -> None:
        now = time.perf_counter()
        times[state["stage"]] += now - state["t"]
        state["stage"], state["t"] = _stage(msg), now

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(study, progress=progress)
    end = time.perf_counter()
    times[state["stage"]] += end - state["t"]
    return dict(times), end - t0, result


def _crossovers(result) -> str:
    x = result.comparison.crossovers
    return ", ".join(
        f"{r.component} {r.soc_pct:.2f} [{r.ci_low_pct:.2f}, {r.ci_high_pct:.2f}]"
        for r in x.itertuples()
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2, help="runs per configuration (best)")
    ap.add_argument("--skip-before", action="store_true", help="time only the current code")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        write_reference_study(Path(tmp) / "study", seed=1)
        study = load_study(Path(tmp) / "study" / "study.toml")
        configs = [("now", contextlib.nullcontext)]
        if not args.skip_before:
            configs.append(("before", _before))
        rows, totals, answers = {}, {}, {}
        for name, ctx in configs:
            best = None
            for _ in range(args.repeat):
                with ctx():
                    times, total, result = _timed(study)
                if best is None or total < best[1]:
                    best = (times, total, result)
            rows[name], totals[name], answers[name] = best[0], best[1], _crossovers(best[2])
    names = [n for n, _ in configs]
    stages = [s for _, s in STAGES if any(s in rows[n] for n in names)]
    print(f"{'stage':34s}" + "".join(f"{n:>10s}" for n in names))
    for s in stages:
        print(f"{s:34s}" + "".join(f"{rows[n].get(s, 0.0):10.2f}" for n in names))
    print(f"{'total [s]':34s}" + "".join(f"{totals[n]:10.2f}" for n in names))
    if "before" in totals:
        print(f"speed-up: {totals['before'] / totals['now']:.1f}x (target: now <= 5 s)")
    for n in names:
        print(f"crossovers ({n}): {answers[n]}")


if __name__ == "__main__":
    main()
