"""Results that explain themselves: short reprs, Jupyter HTML, ``.plot()`` drawn by the
report's figure functions (ohmslice._display)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure

import ohmslice as om
from ohmslice.simulate import QUIET, Rest, gitt, ncm523_cell, simulate


@pytest.fixture(scope="module")
def results():
    cell = ncm523_cell()
    sim = simulate(cell, [Rest(600.0), gitt(cell, n_pulses=5, rest_s=1500)], soc0=0.95,
                   noise=QUIET, technique="GITT")  # fmt: skip
    rec = sim.recording
    rec.meta["source"] = "/data/cell_GITT_C01.mpt"
    spec = cell.spectrum(np.logspace(6, -2, 61), 50.0, kind="symmetric")
    g = om.analyze_gitt(rec)
    tc = om.time_constants(spec, "R0-p(R1,C1)-Zarc2-Ws3", symmetric=True)
    d = om.decompose(g, {50.0: tc})
    return {"rec": rec, "spec": spec, "gitt": g, "tc": tc, "dec": d}


def test_recording_face(results):
    rec = results["rec"]
    text = repr(rec)
    assert text.startswith("<Recording from cell_GITT_C01.mpt (GITT):")
    assert f"{len(rec)} rows" in text and " h (" in text and "voltage" in text
    assert "columns: time_s, voltage_V, current_A" in text
    html = rec._repr_html_()
    assert "cell_GITT_C01.mpt" in html and "<table" in html and "rows shown" in html


def test_gitt_and_decomposition_faces(results):
    g, d = results["gitt"], results["dec"]
    text = repr(g)
    assert text.splitlines()[0] == "GittResult: 5 discharge pulses"
    assert "no full charge before the pulses" in text and len(text.splitlines()) <= 8
    assert "<table" in g._repr_html_() and "SOC: " in g._repr_html_()
    text = repr(d)
    assert text.splitlines()[0] == "Decomposition (windows method): 5 pulses"
    assert "median of the usable pulses (Ohm): R1 " in text and len(text.splitlines()) <= 8
    assert "r1_ohm" in d._repr_html_()


def test_comparison_face_and_tables(results):
    d = results["dec"]
    other = type(d)(table=d.table.assign(r2_ohm=d.table["r2_ohm"] * 1.2), method=d.method)
    cmp = om.compare({"A": d, "B": other}, n_boot=20)
    assert set(cmp.tables) == {"A", "B"}
    assert repr(cmp).startswith("Comparison of A, B: ")
    assert isinstance(cmp.plot(), Figure)


@pytest.mark.parametrize(
    "get",
    [
        lambda r: r["rec"],
        lambda r: r["spec"],
        lambda r: r["gitt"],
        lambda r: r["dec"],
        lambda r: r["tc"],
        lambda r: r["tc"].fit,
        lambda r: r["tc"].drt,
        lambda r: om.lin_kk(r["spec"]),
    ],
    ids=[
        "Recording",
        "Spectrum",
        "GittResult",
        "Decomposition",
        "TimeConstants",
        "FitResult",
        "DrtResult",
        "KKResult",
    ],  # fmt: skip
)
def test_plot_returns_a_figure(results, get, tmp_path):
    fig = get(results).plot()
    assert isinstance(fig, Figure) and fig.axes


def test_plot_saves_and_refuses_a_bad_suffix(results, tmp_path):
    path = tmp_path / "gitt.png"
    results["gitt"].plot(path)
    assert path.stat().st_size > 10_000
    with pytest.raises(om.InputError):
        results["gitt"].plot(tmp_path / "gitt.xlsx")


def test_import_and_version_stay_light():
    code = ("import sys, ohmslice, ohmslice.cli; "
            "bad = [m for m in ('matplotlib',) if m in sys.modules]; "
            "assert not bad, bad")  # fmt: skip
    subprocess.run([sys.executable, "-c", code], check=True)


def test_rate_cycling_and_conductivity_plot():
    from synth_rate import RATES, SimCell, rate_sequence

    from ohmslice.simulate.conductivity import pellet_series
    from ohmslice.simulate.cycling import CyclingCell, simulate_cycling

    sim, _ = rate_sequence(RATES, cell=SimCell(x=0.0005, r0=10.0))
    rate = om.analyze_rate([sim.recording()], cell="X")
    assert repr(rate).splitlines()[0] == "RateResult X: 8 constant-current steps"
    assert "discharge: 0.1C" in repr(rate) and "<table" in rate._repr_html_()
    cyc = om.analyze_cycling(simulate_cycling(4, CyclingCell(), rest_s=300).recording)
    spectra, _ = pellet_series([25, 50], seed=1)
    pellet = om.pellet_conductivity(spectra[0], thickness_cm=0.06, area_cm2=0.785)
    for result in (rate, cyc, pellet):
        assert isinstance(result.plot(), Figure), type(result).__name__


def test_plot_into_own_axes_draws_the_main_panel(results, tmp_path):
    """``.plot(ax=ax)``: the main panel of each result in a figure of the caller's own."""
    fig = Figure(figsize=(12, 6))
    axes = fig.subplots(2, 3).ravel()
    items = [results["rec"], results["spec"], results["gitt"], results["dec"],
             results["tc"], results["tc"].drt]  # fmt: skip
    for item, ax in zip(items, axes, strict=True):
        assert item.plot(ax=ax) is ax
        assert ax.lines or ax.collections, type(item).__name__
    assert "Nyquist" in axes[1].get_title() and axes[3].get_xlabel() == "SOC / %"
    fig.savefig(tmp_path / "grid.png")
    with pytest.raises(om.InputError, match="no single main panel"):
        om.lin_kk(results["spec"]).plot(ax=axes[0])
    with pytest.raises(om.InputError, match="Axes"):
        results["spec"].plot(ax="left")
