"""A whole study: the study file (:mod:`.file`, ``study.toml``), the run of every
analysis its data allow, for every cell, with the comparison of the cells (:mod:`.run`),
and the results store (:mod:`.store`: Parquet + DuckDB, column contract in :mod:`.tables`);
many studies at once on Dask, with one catalogue (:mod:`.batch`).
"""

from .batch import BatchResult, batch_summary, run_batch
from .file import CellSpec, SampleSpec, Study, load_study
from .run import CellResult, SampleResult, StudyResult, run_study
from .store import Results, open_results, write_results

__all__ = [
    "BatchResult",
    "CellResult",
    "CellSpec",
    "Results",
    "SampleResult",
    "SampleSpec",
    "Study",
    "StudyResult",
    "batch_summary",
    "load_study",
    "open_results",
    "run_batch",
    "run_study",
    "write_results",
]
