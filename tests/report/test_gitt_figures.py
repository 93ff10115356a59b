"""GITT figure: voltage with pulses, OCV points and regions; R vs SOC."""

from __future__ import annotations

import pytest
from synth_gitt import make_gitt

from ohmslice.dc.gitt import analyze_gitt
from ohmslice.errors import InputError
from ohmslice.report.gitt_figures import _envelope, plot_gitt


@pytest.fixture(scope="module")
def result():
    return analyze_gitt(make_gitt(seed=51, sampling="dE").recording)


def test_figure_panels(result, tmp_path):
    fig = plot_gitt(result, tmp_path / "g.png")
    assert (tmp_path / "g.png").stat().st_size > 10_000
    ax1, ax2 = fig.axes
    assert ax1.get_xlabel() == "time / h"
    assert (
        ax2.get_xlabel() == "SOC mid-pulse / % (100 % = full charge, 0 % = end of the last pulse)"
    )
    assert "SOC scale 'discharge'" in fig.get_suptitle()
    # one line per pulse plus the envelope, the legend proxy and the OCV points
    assert len(ax1.lines) == len(result.pulses) + 3
    labels = [t.get_text() for t in ax1.texts]
    assert labels == ["I", "II", "III"]
    assert ax2.xaxis_inverted()  # discharge: SOC falls to the right
    assert len(ax2.lines[0].get_xdata()) == len(result.pulses)


def test_envelope_keeps_extremes():
    import numpy as np

    t = np.arange(1_000_000, dtype=float)
    v = np.sin(t / 1e4)
    v[123_457] = 5.0  # a one-sample spike survives
    tt, vv = _envelope(t, v, 1000)
    assert len(tt) <= 2000 + 1000 and vv.max() == 5.0 and vv.min() == pytest.approx(-1, abs=1e-6)
    assert (np.diff(tt) >= 0).all()


def test_bad_input(result, tmp_path):
    with pytest.raises(InputError, match="GittResult"):
        plot_gitt("not a result")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="not supported"):
        plot_gitt(result, tmp_path / "g.bmp")
