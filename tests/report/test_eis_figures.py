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
    drt_ax = [ax for ax in fig.axes if ax.get_xlabel() == "tau [s]"][0]
    assert len(drt_ax.texts) == len(res.peaks())


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
