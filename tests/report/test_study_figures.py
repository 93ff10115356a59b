"""The study's figures, drawn from the results store only."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from ohmslice.errors import InputError
from ohmslice.report import FIGURES, figure_workers, stored_tables, write_study_figures
from ohmslice.report._common import Skip
from ohmslice.report._style import PALETTE, cell_colors
from ohmslice.report.figures_ac import fig_kk_residuals
from ohmslice.report.figures_dc import fig_discharge_curves, fig_resistance_vs_soc

#: the reference study has no cycling records and no conductivity samples
NEEDS_CYCLING_OR_SAMPLES = {"figS9_cycling", "arrhenius"}
DRAWN = {f.stem for f in FIGURES} - NEEDS_CYCLING_OR_SAMPLES


def test_every_figure_as_png_at_300_dpi_and_svg(report, store_root):
    _, figures = report
    assert [f.stem for f in figures] == [f.stem for f in FIGURES]
    by = {f.stem: f for f in figures}
    assert {s for s, f in by.items() if not f.skipped} == DRAWN
    for stem in NEEDS_CYCLING_OR_SAMPLES:  # not drawn, said why
        assert by[stem].skipped.startswith("the store holds no"), by[stem].skipped
    assert not any(f.error for f in figures)
    for stem in DRAWN:
        f = by[stem]
        png = Image.open(store_root / "figures" / f.png)
        assert png.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        assert png.size[0] == 2100  # 7 in at 300 dpi: prints at its size on A4
        svg = (store_root / "figures" / f.svg).read_text()
        assert svg.startswith("<?xml") and "<svg" in svg and svg == f.svg_text
        assert f.caption and f.title
    # a store without the lin-KK residuals per frequency: that figure skipped, and why
    tables = _tables(store_root)
    tables["kk_residuals"] = tables["kk_residuals"].iloc[:0]
    with pytest.raises(Skip, match="no lin-KK residuals per frequency"):
        fig_kk_residuals(stored_tables(tables), cell_colors(["S_SE", "L_SE"]))


def test_one_colour_per_cell_in_every_figure(report):
    _, figures = report
    for f in figures:
        if not f.skipped:  # both cells drawn, each in its own colour
            svg = f.svg_text.lower()
            assert PALETTE[0].lower() in svg and PALETTE[1].lower() in svg, f.stem
    t = stored_tables(report[0].parent)
    colors = cell_colors(t["cells"]["cell"])
    assert colors == {"S_SE": PALETTE[0], "L_SE": PALETTE[1]}
    lines = {
        ln.get_label(): ln.get_color() for ln in fig_discharge_curves(t, colors).fig.axes[0].lines
    }
    assert lines["S_SE, 0.1C"] == lines["S_SE, 2C"] == PALETTE[0]
    fig5 = fig_resistance_vs_soc(t, colors).fig
    for ax in fig5.axes:
        got = {
            ln.get_label(): ln.get_color() for ln in ax.lines if not ln.get_label().startswith("_")
        }
        assert got == {"S_SE": PALETTE[0], "L_SE": PALETTE[1]}


def test_same_tables_same_files_and_workers_draw_the_same(store_root, tmp_path):
    only = ["fig5_resistance_vs_soc", "fig1_discharge_curves"]
    a = write_study_figures(store_root, tmp_path / "a", workers=1, only=only)
    with figure_workers(2) as pool:
        b = write_study_figures(store_root, tmp_path / "b", pool=pool, only=only)
    assert (
        [r.stem for r in a]
        == [r.stem for r in b]
        == [
            "fig1_discharge_curves",
            "fig5_resistance_vs_soc",
        ]
    )
    for r in a:
        for name in (r.png, r.svg):
            assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def _tables(store_root) -> dict[str, pd.DataFrame]:
    t = stored_tables(store_root)
    return {name: t[name] for name in t}


def test_a_figure_without_its_data_is_skipped_with_a_note(store_root, tmp_path):
    tables = _tables(store_root)
    for name in ("rate", "rate_steps", "rate_curves", "curve_crossings"):
        tables[name] = tables[name].iloc[:0]
    tables["spectra"] = tables["spectra"][tables["spectra"]["spectrum"] == "symmetric"]
    recs = {r.stem: r for r in write_study_figures(tables, tmp_path, only=None)}
    for stem in ("fig1_discharge_curves", "fig6_rate_curves", "figS8_rate_capability"):
        assert "no rate tests" in recs[stem].skipped, stem
        assert not (tmp_path / f"{stem}.png").exists() and not (tmp_path / f"{stem}.svg").exists()
    assert recs["fig2_half_cell_nyquist"].skipped == "no half cell spectra were given"
    assert not recs["fig3_symmetric_nyquist"].skipped


def test_flagged_values_are_drawn_apart_or_left_out(store_root):
    tables = _tables(store_root)
    comp = tables["components"].copy()
    method = tables["runs"]["method_used"].iloc[0]
    mine = (comp["cell"] == "S_SE") & (comp["method"] == method)
    idx = comp.index[mine]
    comp.loc[idx[0], "usable"] = False  # failed its checks
    comp.loc[idx[1], "r2_ohm"] = -1.0  # a negative fitted resistance
    comp.loc[idx[1], "r2_ohm_cm2"] = -0.785
    tables["components"] = comp
    t = stored_tables(tables)
    drawn = fig_resistance_vs_soc(t, cell_colors(["S_SE", "L_SE"]))
    soc = comp.loc[idx, "soc_end_pct"].to_numpy()  # pulses are drawn at their ends
    ax_total, _, ax_r2, _ = drawn.fig.axes
    line = next(ln for ln in ax_total.lines if ln.get_label() == "S_SE")
    assert soc[0] not in line.get_xdata() and soc[1] in line.get_xdata()
    crosses = [ln for ln in ax_total.lines if ln.get_marker() == "x"]
    assert any(soc[0] in ln.get_xdata() for ln in crosses)  # drawn apart
    r2 = next(ln for ln in ax_r2.lines if ln.get_label() == "S_SE")
    assert soc[1] not in r2.get_xdata() and np.all(np.asarray(r2.get_ydata()) > 0)
    text = " ".join(drawn.notes)
    assert "failed the" in text and "<= 0 left out" in text


def test_sources(store_root, tmp_path):
    import ohmslice as om

    with om.open_results(store_root) as res:
        t = stored_tables(res)
        assert t.folder == store_root / "results" and t.has("components")
    assert not stored_tables({"cells": pd.DataFrame()}).has("components")
    with pytest.raises(InputError, match="no ohmslice results"):
        stored_tables(tmp_path)
    with pytest.raises(InputError, match="expected a results folder"):
        stored_tables(42)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork-based workers: Linux")
def test_a_dead_worker_does_not_lose_the_figures(store_root, tmp_path):
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(1, mp_context=ctx, initializer=os._exit, initargs=(1,)) as pool:
        recs = write_study_figures(store_root, tmp_path, pool=pool, only=["fig1_discharge_curves"])
    assert not recs[0].skipped and (tmp_path / recs[0].png).is_file()
