"""report.html: one self-contained page, the answer first, drawn from the store only."""

from __future__ import annotations

import base64
import re

import pandas as pd

from ohmslice.report import render_report, stored_tables


def test_report_is_self_contained_and_answers_first(report, store_root):
    path, figures = report
    assert path == store_root / "report.html"
    text = path.read_text(encoding="utf-8")
    order = [text.index(f'<section id="{s}"') for s in
             ("answer", "quality", "figures", "cells", "methods")]  # fmt: skip
    assert order == sorted(order)
    # no script, no network, nothing outside the file
    assert "<script" not in text.lower()
    assert not re.search(r"(?:src|href)=\"(?!data:|#)", text)
    assert "http://" not in text and "https://" not in text
    # every drawn figure inline with its caption; the skipped one says why
    for f in figures:
        if f.skipped:
            assert f"<b>{f.title}</b> Not drawn" in text
            continue
        m = re.search(rf'<figure id="{f.stem}"[^>]*><img alt="[^"]*" src="data:image/svg\+xml;'
                      r'base64,([^"]+)">', text)  # fmt: skip
        assert m, f.stem
        assert base64.b64decode(m.group(1)).decode() == f.svg_text
    # methods: the source paper, version, every input with its hash
    assert "Kawaguchi et al." in text and "Insights from Resistance Analysis" in text
    assert "the seed" not in text.lower() and "seed's" not in text.lower()  # the paper by name
    t = stored_tables(store_root)
    for sha in t["inputs"]["sha256"]:
        assert sha in text
    assert t["runs"]["ohmslice_version"].iloc[0] in text
    assert "R0-p(R1,C1)-Zarc2-Ws3-C4" in text  # the circuit
    # data quality: the KK verdicts and the notes
    assert "lin-KK rms %" in text and "fit describes the data" in text
    assert "Every warning, flag and note" in text


def test_the_answer_names_the_lower_cell_and_each_crossover_with_its_interval(store_root):
    t = stored_tables(store_root)
    tables = {name: t[name] for name in t}
    tables["crossovers"] = pd.DataFrame([{
        "method": "windows", "component": "r_total", "cell_a": "S_SE", "cell_b": "L_SE",
        "soc_pct": 19.85, "ci_low_pct": 19.34, "ci_high_pct": 20.36, "found_fraction": 1.0,
        "lower_above": "L_SE", "soc_reference": "discharge",
    }])  # fmt: skip
    tables["ranges"] = pd.DataFrame([
        {"method": "windows", "component": "r_total", "cell_a": "S_SE", "cell_b": "L_SE",
         "soc_from_pct": lo, "soc_to_pct": hi, "lower": low, "higher": high,
         "lower_by_pct": by, "significant": True}
        for lo, hi, low, high, by in ((1.2, 19.85, "S_SE", "L_SE", 26.3),
                                      (19.85, 99.5, "L_SE", "S_SE", 21.9))
    ])  # fmt: skip
    text = render_report(tables, [])
    answer = text[text.index('<section id="answer"') : text.index('<section id="quality"')]
    assert "<b>L_SE</b> is lower over 20-100 % SOC (by 22 %)" in answer
    assert "<b>S_SE</b> is lower over 1-20 % SOC (by 26 %)" in answer
    assert "<b>19.9 %</b>" in answer and "19.3-20.4 %" in answer and "discharge" in answer
    assert "SOC 100 % at the start of the first pulse" in answer  # the SOC reference in words


def test_grouped_notes_list_every_pulse():
    from ohmslice.report._sections import grouped_notes

    notes = pd.DataFrame({
        "cell": ["a"] * 4, "stage": ["decomposition.windows"] * 4, "kind": ["flag"] * 4,
        "soc_pct": [90.0, 89.0, 88.0, 50.0], "pulse": [1, 2, 3, 7],
        "text": ["t1=8.6e-06 s early", "t1=8.7e-06 s early", "t1=8.6e-06 s early", "odd"],
    })  # fmt: skip
    g = grouped_notes(notes)
    assert g["count"].tolist() == [3, 1]
    assert g["pulses"].tolist() == ["1-3", "7"]
    assert "numbers vary" in g["text"].iloc[0] and g["soc"].iloc[0] == "88.0-90.0"


def test_one_cell_and_an_empty_store_still_make_a_report(store_root, tmp_path):
    from ohmslice.report import write_study_figures

    t = stored_tables(store_root)
    one = {
        name: (df[df["cell"] == "S_SE"] if "cell" in df.columns else df)
        for name, df in ((n, t[n]) for n in t)
    }
    for name in ("crossovers", "ranges", "curve_crossings"):
        one[name] = one[name].iloc[:0]
    figs = write_study_figures(one, tmp_path / "one")
    assert not any(f.error for f in figs)
    assert {f.stem for f in figs if not f.skipped} >= {"fig4_gitt", "fig5_resistance_vs_soc"}
    text = render_report(one, figs)
    assert "No comparison" in text and text.count("<figure ") == sum(not f.skipped for f in figs)
    bare = {"runs": t["runs"]}
    figs = write_study_figures(bare, tmp_path / "bare")
    assert all(f.skipped and not f.error for f in figs)
    text = render_report(bare, figs)
    assert "No comparison" in text and "The results hold no cell" in text
    assert "<figure " not in text and text.count("Not drawn") == len(figs)
