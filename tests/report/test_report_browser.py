"""report.html as a person sees it: rendered by headless Chromium, offline.

Chromium (Debian's package ``chromium``) comes from the ``chromium`` fixture
(``tests/report/conftest.py``): found on PATH or installed once where this is root with
apt-get; the test is skipped with the reason where it cannot be had.
"""

from __future__ import annotations

import base64
import re
import subprocess

import numpy as np
from conftest import CHROMIUM_FLAGS
from PIL import Image

from ohmslice.report._style import PALETTE


def _run(chromium: str, profile, *args: str) -> str:
    done = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_report_renders_in_chromium_with_every_figure(report, chromium, tmp_path):
    path, figures = report
    url = path.as_uri()
    dom = _run(chromium, tmp_path / "p1", "--dump-dom", url)
    drawn = [f for f in figures if not f.skipped]
    found = re.findall(
        r'<figure id="([^"]+)"[^>]*><img alt="[^"]*" src="data:image/svg\+xml;base64,([^"]+)"',
        dom,
    )
    assert [s for s, _ in found] == [f.stem for f in drawn]
    for (_, data), f in zip(found, drawn, strict=True):
        svg = base64.b64decode(data).decode()
        assert svg == f.svg_text and PALETTE[0].lower() in svg.lower()
    assert dom.count("<h2>") == 5
    # the whole page as pixels: not blank, both cells' colours drawn in quantity
    shot = tmp_path / "report.png"
    _run(chromium, tmp_path / "p2", f"--screenshot={shot}", "--window-size=900,16000", url)
    img = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    ink = (img < 250).any(axis=2)
    assert ink.mean() > 0.02  # text, tables and figures, not an empty page
    packed = (img[::4, :, 0] << 16) | (img[::4, :, 1] << 8) | img[::4, :, 2]
    assert np.unique(packed).size > 200  # anti-aliased text and lines in many colours
    for color in PALETTE[:2]:
        rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
        near = (np.abs(img - rgb).sum(axis=2) < 40).sum()
        assert near > 2000, color  # the cell's lines and markers in the figures
    rows = np.flatnonzero(ink.any(axis=1))
    assert rows.max() > 8000  # every section laid out down the page, figures included
