"""Cells with SOC-independent parameters, for comparisons with closed forms."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ohmslice.simulate.cell import ElectrodeParameters, ncm523_cell


def const(v: float):
    def f(soc):
        return np.full(np.shape(soc), float(v))

    return f


@pytest.fixture()
def flat_cell():
    """NCM523 cell whose impedance does not depend on SOC (n2 = 0.85, Ws diffusion)."""
    p = ElectrodeParameters(
        r_contact_ohm_cm2=const(4.0),
        tau_contact_s=const(3e-6),
        r_ct_ohm_cm2=const(12.0),
        tau_ct_s=const(1e-3),
        n_ct=const(0.85),
        r_diff_ohm_cm2=const(15.0),
        tau_diff_s=const(30.0),
    )
    return ncm523_cell("flat", electrode=p)


@pytest.fixture()
def ideal_cell(flat_cell):
    """As ``flat_cell`` with an ideal R||C charge transfer (n2 = 1)."""
    return flat_cell.with_(electrode=replace(flat_cell.electrode, n_ct=const(1.0)))
