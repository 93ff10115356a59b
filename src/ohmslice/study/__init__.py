"""A whole study: the study file (:mod:`.file`, ``study.toml``), the run of every
analysis its data allow, for every cell, with the comparison of the cells (:mod:`.run`),
and the results store (:mod:`.store`: Parquet + DuckDB, column contract in :mod:`.tables`).
"""

from .file import CellSpec, Study, load_study
from .run import CellResult, StudyResult, run_study
from .store import Results, open_results, write_results

__all__ = [
    "CellResult",
    "CellSpec",
    "Results",
    "Study",
    "StudyResult",
    "load_study",
    "open_results",
    "run_study",
    "write_results",
]
