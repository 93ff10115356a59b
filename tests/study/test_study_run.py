"""run_study(): which decomposition the comparison uses, the SOC scale setting."""

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ohmslice.errors import InputError
from ohmslice.study.run import (
    MAX_GAP_PCT,
    MIN_USABLE_SHARE,
    CellResult,
    _choose_method,
    _has_values,
    run_study,
)


def _dec(usable, flag="the model misses the data: rms residual 9 x the noise"):
    usable = np.asarray(usable, bool)
    n = usable.size
    t = pd.DataFrame(
        {
            "soc_pct": np.linspace(99.5, 0.5, n),
            "r1_ohm": np.ones(n),
            "usable": usable,
            "flag": np.where(usable, "", flag),
        }
    )
    return SimpleNamespace(table=t)


def _cells(model_usable):
    n = len(model_usable)
    return {
        "a": CellResult("a", model=_dec(model_usable), windows=_dec(np.ones(n))),
        "b": CellResult("b", model=_dec(np.ones(n)), windows=_dec(np.ones(n))),
    }


def test_model_used_where_its_checks_pass():
    ok = np.ones(100, bool)
    ok[[10, 40]] = False  # scattered failures: left out, the model stays
    method, why = _choose_method(_cells(ok), "model")
    assert method == "model" and "98 of 100 pulses pass" in why and "left out" in why


def test_windows_when_the_model_fails_on_a_stretch_or_on_many():
    stretch = np.ones(100, bool)
    stretch[75:81] = False  # 6 pulses in a row: a crossover there would be lost
    method, why = _choose_method(_cells(stretch), "model")
    assert method == "windows" and "none in" in why and "misses the data" in why
    assert MAX_GAP_PCT < 6
    many = np.arange(100) % 4 != 0  # 25 % fail, no long stretch
    assert (1 - many.mean()) > 1 - MIN_USABLE_SHARE
    method, why = _choose_method(_cells(many), "model")
    assert method == "windows" and "75 of 100" in why
    method, why = _choose_method(_cells(many), "windows")
    assert method == "windows" and "[analysis] method" in why


def test_has_values():
    t = pd.DataFrame({"r1_ohm": [np.nan] * 5, "r2_ohm": [1.0] * 5, "usable": [True] * 5})
    assert not _has_values(t, "r1") and _has_values(t, "r2") and not _has_values(t, "r3")
    t["usable"] = [True, True, False, False, False]
    assert not _has_values(t, "r2")


@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory):
    from ohmslice.simulate import write_reference_study

    d = tmp_path_factory.mktemp("tiny") / "study"
    write_reference_study(d, seed=4, n_pulses=3, rates=(0.1,))
    return d / "study.toml"


@pytest.mark.parametrize(
    ("value", "match"), [("half", "soc_reference"), ("2.3", "with its unit"), (True, "")]
)
def test_bad_soc_reference_is_refused_before_any_analysis(tiny_study, value, match):
    from ohmslice.study.file import load_study

    study = load_study(tiny_study)
    bad = study.model_copy(update={"analysis": {**study.analysis, "soc_reference": value}})
    steps = []
    with pytest.raises(InputError, match=r"\[analysis\]"):
        run_study(bad, progress=steps.append)
    assert steps == []


def test_soc_reference_of_the_study_reaches_every_gitt(tiny_study):
    import warnings

    from ohmslice.study.file import load_study

    study = load_study(tiny_study)
    nominal = study.model_copy(update={"analysis": {**study.analysis, "soc_reference": "nominal"}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_study(nominal, n_boot=10)
    for spec in study.cells:
        g = res.cells[spec.name].gitt
        assert g.soc_basis == "nominal"
        assert g.capacity_Ah == pytest.approx(spec.nominal_capacity_mAh / 1e3)
    assert res.settings["soc_reference"] == "nominal"
    assert res.method_used in ("model", "windows") and res.notes
    assert set(res.comparison.settings["soc_reference"]) == {c.name for c in study.cells}


def test_a_bad_file_is_named_with_the_study_file_and_its_key(tiny_study, tmp_path):
    import shutil

    from ohmslice.study.file import load_study

    d = tmp_path / "study"
    shutil.copytree(tiny_study.parent, d)
    study = load_study(d / "study.toml")
    gitt = study.cells[1].gitt
    gitt.write_bytes(gitt.read_bytes()[:300])  # cut inside the header
    # the other cell is analysed; the failing one is named, with its reason, in a warning,
    # the notes and StudyResult.failed
    with pytest.warns(UserWarning, match="not analysed") as caught:
        res = run_study(study, n_boot=5)
    name = study.cells[1].name
    msg = res.failed[name]
    assert msg.startswith(f"{d / 'study.toml'}: cell[1].gitt: {gitt}: "), msg
    assert list(res.cells) == [study.cells[0].name] and res.comparison is None
    assert any(msg in str(w.message) for w in caught)
    assert any(n.startswith(f"cell '{name}' not analysed: ") for n in res.notes)
    # every cell failing: one error, the first cell's reason
    first = study.cells[0].gitt
    first.write_bytes(first.read_bytes()[:300])
    with pytest.raises(InputError) as err, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_study(study, n_boot=5)
    msg = str(err.value)
    assert msg.startswith("no cell could be analysed: ") and "cell[0].gitt" in msg, msg
    assert "and the 1 other cells failed too" in msg


def test_spectra_that_determine_no_time_constants_are_not_used(tiny_study):
    import warnings

    from ohmslice.study.file import load_study

    study = load_study(tiny_study)
    # without the chemical capacitance the simulator has (C4), the fit's judgement refuses
    # the spectra: the pulses' own DRT gives the time constants instead
    no_c4 = {**study.analysis, "circuit": "R0-p(R1,C1)-Zarc2-Ws3"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_study(study.model_copy(update={"analysis": no_c4}), n_boot=5)
    cell = res.cells["S_SE"]
    assert "pulses' own DRT" in cell.tau_source and "not determined" in cell.tau_source
    assert any("not determined" in n for n in cell.notes)
    assert cell.consistency is None and cell.model is not None
