"""A whole study: the study file (:mod:`.file`, ``study.toml``) and the run of every
analysis its data allow, for every cell, with the comparison of the cells (:mod:`.run`).
"""

from .file import CellSpec, Study, load_study
from .run import CellResult, StudyResult, run_study

__all__ = ["CellResult", "CellSpec", "Study", "StudyResult", "load_study", "run_study"]
