"""Synthetic cells and studies whose resistances are known.

* :mod:`~ohmslice.simulate.cell` -- NCM523 | LPSCl | In-Li half-cell model: OCV(SOC) and
  SOC-dependent impedance (contact R||C, charge-transfer Zarc, finite Warburg), exact
  spectra of the half cell and of the symmetric cell;
* :mod:`~ohmslice.simulate.curves` -- parameter curves of SOC, the NCM523 OCV;
* :mod:`~ohmslice.simulate.rc` -- RC expansions of Zarc, finite Warburg and transmission
  line (0.25 % accurate);
* :mod:`~ohmslice.simulate.programme` -- CC, CV, rest, repeat; CC-CV, GITT, HPPC, rate;
* :mod:`~ohmslice.simulate.run` -- exact time integration of a programme;
* :mod:`~ohmslice.simulate.sampling` -- EC-Lab-like recording (dt and dE criteria);
* :mod:`~ohmslice.simulate.noise` -- voltage, current and impedance noise;
* :mod:`~ohmslice.simulate.cycling` -- galvanostatic cycling with known capacities and a
  contact resistance growing from a known cycle (fast linear model);
* :mod:`~ohmslice.simulate.conductivity` -- blocking-electrode spectra of pellets and
  composite electrodes with known conductivity and activation energy, DC polarisation;
* :mod:`~ohmslice.simulate.population` -- many studies of varied cells with known answers
  (``ohmslice simulate population``, the input of ``ohmslice batch``);
* :mod:`~ohmslice.simulate.writers` -- EC-Lab .mpt (GITT/GCPL, PEIS) and CSV writers;
* :mod:`~ohmslice.simulate.reference` -- the reference paper's study on two cathodes + truth.json.
"""

from .cell import OCV, OCV_NCM523_VS_LI, CellModel, ElectrodeParameters, ncm523_cell, table
from .cycling import CyclingCell, CyclingSim, simulate_cycling, write_cycling
from .noise import INSTRUMENT, QUIET, NoiseModel
from .population import write_population
from .programme import CC, CV, Repeat, Rest, cc_cv_charge, cc_cv_discharge, gitt, hppc, rate_step
from .rc import RCChain, tlm_rc, warburg_rc, zarc_rc
from .reference import reference_cells, write_reference_study
from .run import SimResult, State, simulate
from .writers import write_csv, write_mpt, write_mpt_spectrum

__all__ = [
    "CC",
    "CV",
    "INSTRUMENT",
    "OCV",
    "OCV_NCM523_VS_LI",
    "QUIET",
    "CellModel",
    "CyclingCell",
    "CyclingSim",
    "ElectrodeParameters",
    "NoiseModel",
    "RCChain",
    "Repeat",
    "Rest",
    "SimResult",
    "State",
    "cc_cv_charge",
    "cc_cv_discharge",
    "gitt",
    "hppc",
    "ncm523_cell",
    "rate_step",
    "reference_cells",
    "simulate",
    "simulate_cycling",
    "table",
    "tlm_rc",
    "warburg_rc",
    "write_csv",
    "write_cycling",
    "write_mpt",
    "write_population",
    "write_mpt_spectrum",
    "write_reference_study",
    "zarc_rc",
]
