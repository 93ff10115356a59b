"""Fixtures of the report tests: a small study's results store, and headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings

import pytest

#: Chromium as the report test runs it: headless, no sandbox (root), no GPU, and none of
#: the background connections a closed network refuses.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
)


@pytest.fixture(scope="session")
def store_root(tmp_path_factory):
    """An output folder holding ``results/`` of the reference study with 5 pulses a cell
    (both cells, symmetric and half-cell spectra, rate tests at 0.1-2C)."""
    import ohmslice as om
    from ohmslice.simulate import write_reference_study

    root = tmp_path_factory.mktemp("report")
    write_reference_study(root / "study", seed=0, n_pulses=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = om.run_study(om.load_study(root / "study" / "study.toml"), n_boot=20)
    om.write_results(result, root / "out" / "results", study_file=root / "study" / "study.toml")
    return root / "out"


@pytest.fixture(scope="session")
def report(store_root):
    """``report.html`` and the figure records of :func:`store_root`'s results, drawn
    one figure after the other."""
    from ohmslice.report import write_report

    path, figures = write_report(store_root, workers=1)
    return path, figures


def _find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _install_chromium() -> str:
    """Install Debian's chromium where this is root with apt-get (quietly, bounded in
    time); '' on success, else why not."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "not root, so Debian's chromium cannot be installed here"
    if shutil.which("apt-get") is None:
        return "no apt-get to install Debian's chromium with"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = (
        (["apt-get", "update", "-qq"], 150),
        (["apt-get", "install", "-y", "-qq", "chromium"], 300),
    )
    try:
        for cmd, limit in steps:  # at most 7.5 min in all: CI has 15
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=limit)
            if done.returncode != 0:
                tail = " ".join(done.stderr.split()[-25:])
                return f"'{' '.join(cmd)}' failed: {tail}"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"installing chromium failed: {exc}"
    return ""


@pytest.fixture(scope="session")
def chromium():
    """The path of a headless Chromium: found on PATH, else installed once from Debian's
    packages (package ``chromium``) where this is root with apt-get; the test is skipped,
    with the reason, where neither works."""
    found = _find_chromium()
    if found is None:
        why = _install_chromium()
        found = _find_chromium()
        if found is None:
            pytest.skip(f"headless Chromium not available: {why or 'not on PATH after install'}")
    return found
