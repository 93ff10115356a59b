import numpy as np
import pandas as pd
import pytest

from ohmslice.errors import InputError
from ohmslice.method.compare import compare
from ohmslice.report.decompose_figures import plot_resistance_map


def _table(shift, rng):
    soc = np.arange(1.0, 100.0, 1.0)
    out = {"soc_pct": soc}
    for comp, base in (("r1", 2.0), ("r2", 5.0), ("r3", 8.0)):
        r = base * (1 + 0.0004 * (soc - 50) ** 2) * np.exp(shift * (20 - soc) / 100)
        out[f"{comp}_ohm"] = r * (1 + 0.01 * rng.standard_normal(soc.size))
        out[f"{comp}_ohm_err"] = 0.01 * r
    df = pd.DataFrame(out)
    df["r_total_ohm"] = df.r1_ohm + df.r2_ohm + df.r3_ohm
    df["r_total_ohm_err"] = np.sqrt(df.r1_ohm_err**2 + df.r2_ohm_err**2 + df.r3_ohm_err**2)
    return df


def test_resistance_map_png(tmp_path, rng):
    cells = {"L_SE": _table(1.0, rng), "S_SE": _table(-1.0, rng)}
    cmp = compare(cells, n_boot=30)
    out = tmp_path / "map.png"
    fig = plot_resistance_map(cells, cmp, area_cm2=0.785, path=out)
    assert out.stat().st_size > 10_000
    assert len(fig.axes) == 4
    assert not list(tmp_path.glob(".*"))


def test_bad_figure_path(tmp_path, rng):
    cells = {"a": _table(0.0, rng)}
    with pytest.raises(InputError, match="format"):
        plot_resistance_map(cells, path=tmp_path / "x.bmpx")
    with pytest.raises(InputError, match="does not exist"):
        plot_resistance_map(cells, path=tmp_path / "nope" / "x.png")


def test_unusable_pulses_r12_and_the_soc_scale(tmp_path, rng):
    a, b = _table(1.0, rng), _table(-1.0, rng)
    a["usable"] = a.soc_pct > 5
    b["r12_ohm"] = b.r1_ohm + b.r2_ohm
    b["r1_ohm"] = np.nan  # R1 and R2 not separable at this sampling
    for df in (a, b):
        df.attrs["soc_basis"] = "discharge"
    fig = plot_resistance_map({"L_SE": a, "S_SE": b}, path=tmp_path / "m.png")
    ax_r1 = fig.axes[1]
    labels = [ln.get_label() for ln in ax_r1.get_lines()]
    assert "S_SE: R1 + R2" in labels
    assert fig.axes[2].get_xlabel() == "SOC / % (0 % = end of the GITT)"
    # the excluded pulses are drawn apart (crosses), not in the line
    line = fig.axes[0].get_lines()[0]
    assert line.get_xdata().min() > 5
