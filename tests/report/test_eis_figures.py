"""EIS figures: written, non-empty, with the panels expected; bad input refused."""

from __future__ import annotations

import numpy as np
import pytest

from ohmslice.errors import InputError
from ohmslice.impedance.drt import drt
from ohmslice.impedance.kk import lin_kk
from ohmslice.report.eis_figures import plot_drt, plot_kk, plot_spectrum
from ohmslice.schema import Spectrum

F = np.logspace(5, -2, 50)


def _spectrum(rng) -> Spectrum:
    s = 2j * np.pi * F
    z = 5 + 10 / (1 + s * 1e-4) + 30 / (1 + (s * 0.1) ** 0.9)
    z = z + 0.003 * np.abs(z) * (rng.standard_normal(F.size) + 1j * rng.standard_normal(F.size))
    return Spectrum.from_arrays(F, z, meta={"source": "synthetic"})


class _Fit:
    """A stand-in circuit fit: anything with predict(freq)."""

    def predict(self, freq):
        s = 2j * np.pi * np.asarray(freq)
        return 5 + 10 / (1 + s * 1e-4) + 30 / (1 + (s * 0.1) ** 0.9)


def test_spectrum_figure_with_fit_and_drt(tmp_path, rng):
    spec = _spectrum(rng)
    res = drt(spec, n_boot=5)
    out = tmp_path / "eis.png"
    fig = plot_spectrum(spec, fit=_Fit(), drt=res, path=out)
    assert out.stat().st_size > 10_000
    assert len(fig.axes) == 4
    nyquist = fig.axes[0]
    assert nyquist.get_aspect() == 1.0
    assert nyquist.get_ylabel() == "-Z'' [Ohm]"
    # the DRT panel marks each peak
    drt_ax = [ax for ax in fig.axes if ax.get_xlabel().startswith("tau [s]")][0]
    notes = [t for t in drt_ax.texts if type(t).__name__ == "Annotation"]
    assert len(notes) == len(res.peaks())


def test_spectrum_figure_data_only_and_formats(tmp_path, rng):
    spec = _spectrum(rng)
    for suffix in (".pdf", ".svg"):
        out = tmp_path / f"eis{suffix}"
        fig = plot_spectrum(spec, path=out)
        assert out.stat().st_size > 1000
    assert len(fig.axes) == 3
    assert not list(tmp_path.glob(".*"))


def test_kk_and_drt_figures(tmp_path, rng):
    spec = _spectrum(rng)
    out = tmp_path / "kk.png"
    fig = plot_kk(lin_kk(spec), path=out)
    assert out.stat().st_size > 10_000
    assert "pass" in fig._suptitle.get_text()
    out2 = tmp_path / "drt.png"
    plot_drt(drt(spec, n_boot=0), path=out2)
    assert out2.stat().st_size > 5_000


def test_bad_input(tmp_path, rng):
    spec = _spectrum(rng)
    with pytest.raises(InputError):
        plot_spectrum(np.zeros(3))
    with pytest.raises(InputError, match="predict"):
        plot_spectrum(spec, fit=object())
    with pytest.raises(InputError, match="format"):
        plot_spectrum(spec, path=tmp_path / "eis.jpg2")


def test_drt_figure_shades_what_the_data_do_not_measure(tmp_path):
    """Data 100 Hz - 10 kHz with a process at 5 us (above f_max): the tau outside
    1/(2 pi f) of the data is shaded, the peak there is marked not measured, lambda and
    its choice are in the title."""
    f = np.logspace(4, 2, 21)
    s = 2j * np.pi * f
    z = 5 + 20 / (1 + s * 5e-6) + 50 / (1 + (s * 3e-4) ** 0.9)
    res = drt(Spectrum.from_arrays(f, z), n_boot=0)
    out = tmp_path / "drt.png"
    fig = plot_drt(res, path=out)
    ax = fig.axes[0]
    t_fast, t_slow = res.tau_measured_s
    spans = [p.get_bbox() for p in ax.patches]  # axvspan rectangles, in data x
    lefts = [b for b in spans if b.x1 == pytest.approx(t_fast)]
    rights = [b for b in spans if b.x0 == pytest.approx(t_slow)]
    assert lefts and rights
    assert lefts[0].x0 <= res.tau_s.min() and rights[0].x1 >= res.tau_s.max()
    labels = [t.get_text() for t in ax.texts]
    assert any("not measured" in t for t in labels)
    assert sum("not measured" in t for t in labels) == int((~res.peaks()["in_band"]).sum())
    assert "GCV" in ax.get_title() and f"{res.lam:.2g}" in ax.get_title()
    assert out.stat().st_size > 5_000


def test_a_fit_judged_not_usable_says_so_in_the_legend(rng):
    from ohmslice.impedance import fit_circuit

    spec = _spectrum(rng)
    bad = fit_circuit(spec, "R0-p(R1,C1)")  # one arc for two processes
    assert not bad.success
    fig = plot_spectrum(spec, fit=bad)
    labels = [t.get_text() for t in fig.axes[-1].get_legend().get_texts()]
    assert any(t.endswith("(not usable)") for t in labels)
