"""Rate figures: capabilities and the voltage curves of two cells at one rate."""

import numpy as np
import pytest
from synth_rate import Q_AH, RATES, rate_sequence, two_cells

from ohmslice.dc.rate import analyze_rate
from ohmslice.errors import InputError
from ohmslice.report.rate_figures import (
    plot_rate_capability,
    plot_rate_curves,
    plot_rate_report,
)


@pytest.fixture(scope="module")
def cells():
    out = {}
    for name, r0 in (("L_SE", 20.0), ("S_SE", 35.0)):
        from synth_rate import SimCell

        sim, _ = rate_sequence(RATES, cell=SimCell(x=0.0005, r0=r0))
        out[name] = analyze_rate(sim.recording(), nominal_capacity_Ah=Q_AH, active_mass_g=0.0165,
                                 cell=name)  # fmt: skip
    return out


def test_rate_report_png(tmp_path, cells):
    out = tmp_path / "rate.png"
    fig = plot_rate_report(cells, rates=[0.1, 2], path=out)
    assert out.stat().st_size > 20_000
    assert not list(tmp_path.glob(".*"))
    ax_cap = fig.axes[0]
    # one capacity line per cell (errorbar containers), in mAh/g (mass given)
    assert len(ax_cap.containers) == 2
    dis_cap = fig.axes[1]
    y = dis_cap.containers[0].lines[0].get_ydata()
    want = cells["L_SE"].summary.query("direction == 'discharge'")["capacity_mAh_g"]
    assert np.asarray(y) == pytest.approx(want.to_numpy())
    # curves panel: 2 cells x 2 rates; difference panel titled with the rate
    assert len(fig.axes[2].get_lines()) == 4
    assert "2C" in fig.axes[5].get_title(loc="left")


def test_capability_and_curves_alone(tmp_path, cells):
    fig = plot_rate_capability(cells["L_SE"], path=tmp_path / "cap.svg")
    assert len(fig.axes) == 4 and (tmp_path / "cap.svg").exists()
    fig = plot_rate_curves(cells, path=tmp_path / "curves.pdf")
    assert len(fig.axes[0].get_lines()) == 4  # default: lowest and highest rate
    with pytest.raises(InputError, match="rates present: 0.1C, 0.5C, 1C, 2C"):
        plot_rate_curves(cells, rates=[5])


def test_difference_panel_marks_known_crossing(tmp_path):
    res = two_cells(2.0)
    fig = plot_rate_report(res, x="dod")
    ax = fig.axes[5]
    vlines = [ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert vlines == [pytest.approx(75.0, abs=1e-6)]


def test_bad_input(cells):
    with pytest.raises(InputError, match="RateResult"):
        plot_rate_report({"a": "not a result"})  # type: ignore[dict-item]
    with pytest.raises(InputError, match="at least one"):
        plot_rate_capability({})
