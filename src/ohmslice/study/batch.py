"""Many studies at once on Dask: resumable, fault-tolerant, one catalogue over all of them.

:func:`run_batch` finds every study file under the given paths (:func:`find_studies`: a
folder is searched for ``study.toml`` files, a ``.toml`` file is a study, a ``.csv``
file lists study files), parses each on the client (:func:`plan_batch`: bad input is
refused before any work starts), and runs each study as one Dask task
(:func:`run_one`) on a :class:`distributed.LocalCluster` of ``workers`` processes, or
on a running scheduler given by its address. Only paths and a few settings travel
through the scheduler: each worker reads its study's files itself and writes the
study's results store (:mod:`ohmslice.study.store`) into ``OUT/studies/<id>/``, and
returns a small record (status, reason, seconds, peak memory).

The output folder ``OUT``::

    OUT/batch.json          the manifest: every study's id, file, status, reason, times
    OUT/studies/<id>/       each study's results store (Parquet, csv/, results.duckdb)
    OUT/catalogue.duckdb    DuckDB views over every study's tables, with a ``study`` column
    OUT/summary/            the cross-study summary (summary.parquet, summary.csv;
                            the CLI adds the figure summary.png / summary.svg)

``ohmslice query OUT "SQL"`` and :func:`ohmslice.study.store.open_results` open a batch
folder as all the stores its manifest lists (the studies that succeeded), every row with
its ``study``.

Resumable: a study whose results store in ``OUT/studies/<id>`` was written from the same
input files (the sha256 of the study file and of every file it names, as the store's
``runs.inputs_sha256_json`` records them) with the same batch settings (bootstrap
replicas, ohmslice version; kept in the store's marker) is skipped -- decided on the
worker, which reads the files. A study that failed, or whose inputs or settings
changed, runs again. A study that raises is recorded as failed with its reason, and the
others go on. A worker process that dies (crash, out of memory) has its task retried by
Dask on another worker; a study involved in more than ``retries`` + 1 worker deaths is
marked failed (``distributed.scheduler.allowed-failures``, set for the local cluster; a
running scheduler uses its own setting).

:func:`batch_summary` gives the chosen components at the chosen SOCs for every cell of
every study, interpolated between the pulses of the decomposition the study's comparison
used, with standard errors, and the cells ranked (1 = lowest).
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._atomic import _read_marker, atomic_file
from ..errors import InputError
from .store import BATCH_MANIFEST, CATALOGUE

__all__ = [
    "BATCH_CATALOGUE",
    "BATCH_MANIFEST",
    "COMPONENTS",
    "BatchResult",
    "StudyOutcome",
    "StudyTask",
    "batch_summary",
    "find_studies",
    "plan_batch",
    "run_batch",
    "run_one",
    "write_catalogue",
]

#: Sub-folder of OUT holding one results store per study.
STUDIES_DIR = "studies"
#: DuckDB catalogue over every study's tables, in OUT.
BATCH_CATALOGUE = "catalogue.duckdb"
#: Sub-folder of OUT holding the cross-study summary.
SUMMARY_DIR = "summary"
#: Components :func:`batch_summary` knows (columns ``{c}_ohm`` of ``components``).
COMPONENTS = ("r1", "r2", "r3", "r12", "r_total")
#: Study file name searched for in folders.
STUDY_FILE = "study.toml"
#: Seconds to wait for a running scheduler to answer before giving up.
CONNECT_TIMEOUT_S = 5.0


# ===================================================================== finding ====
@dataclass(frozen=True)
class StudyTask:
    """One study of a batch: its ``id`` (the folder name under ``OUT/studies``), its
    study file (absolute) and the study's name from the file."""

    id: str
    study_file: Path
    name: str


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts[:-1])


def _from_listing(listing: Path) -> list[Path]:
    """Study files named in a CSV listing: the column ``study_file`` or ``path`` (or the
    first column), relative paths against the listing's folder."""
    try:
        text = listing.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the listing: {exc}", path=listing) from None
    rows = [r for r in csv.reader(text.splitlines()) if r and any(c.strip() for c in r)]
    if not rows:
        raise InputError("the listing names no study file", path=listing)
    head = [c.strip().lower() for c in rows[0]]
    col = next((head.index(k) for k in ("study_file", "path", "study") if k in head), None)
    if col is None and not head[0].endswith(".toml"):
        col = 0  # a header we do not know: its first column
        rows = rows[1:]
    elif col is not None:
        rows = rows[1:]
    else:
        col = 0
    out = []
    for r in rows:
        if col < len(r) and r[col].strip():
            p = Path(r[col].strip()).expanduser()
            out.append(p if p.is_absolute() else listing.parent / p)
    if not out:
        raise InputError("the listing names no study file", path=listing)
    return out


def find_studies(
    paths: Sequence[str | os.PathLike[str]], *, exclude: str | os.PathLike[str] | None = None
) -> list[tuple[Path, Path]]:
    """Every study file under ``paths``, as (study file, root its id is relative to).

    A folder is searched (recursively, hidden folders and ``exclude`` left out) for
    ``study.toml`` files; a ``.toml`` file is a study file; a ``.csv`` file lists study
    files (:func:`_from_listing`). The same file reached twice is listed once.

    Raises
    ------
    InputError
        A path that does not exist, a file that is neither ``.toml`` nor ``.csv``, a folder
        with no ``study.toml`` under it, or no path at all.
    """
    if not paths:
        raise InputError("give at least one folder, study file or CSV listing of studies")
    skip = Path(exclude).resolve() if exclude is not None else None
    found: list[tuple[Path, Path]] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            root = p
            files = [
                f for f in sorted(p.rglob(STUDY_FILE))
                if f.is_file() and not _hidden(f, p)
                and not (skip is not None and f.resolve().is_relative_to(skip))
            ]  # fmt: skip
            if not files:
                raise InputError(f"no {STUDY_FILE} under this folder", path=p)
            pairs = [(f, root) for f in files]
        elif p.is_file() and p.suffix.lower() == ".csv":
            pairs = [(f, f.parent) for f in _from_listing(p)]
        elif p.is_file() and p.suffix.lower() == ".toml":
            pairs = [(p, p.parent)]
        elif p.exists():
            raise InputError(
                "expected a folder of studies, a study file (.toml) or a CSV listing", path=p
            )
        else:
            raise InputError("no such file or folder", path=p)
        for f, root in pairs:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                found.append((f, root))
    return found


def _study_id(study_file: Path, root: Path) -> str:
    """A folder name for the study: its folder relative to ``root`` (``a/b`` -> ``a__b``),
    the file's stem added where it is not ``study.toml``."""
    try:
        rel = study_file.resolve().parent.relative_to(root.resolve())
        parts = list(rel.parts) or [study_file.resolve().parent.name]
    except ValueError:
        parts = [study_file.resolve().parent.name]
    if study_file.name != STUDY_FILE:
        parts.append(study_file.stem)
    name = "__".join(parts) or "study"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip(".") or "study"


def plan_batch(
    paths: Sequence[str | os.PathLike[str]], *, exclude: str | os.PathLike[str] | None = None
) -> list[StudyTask]:
    """Find the studies under ``paths`` (:func:`find_studies`) and load each study file
    (:func:`ohmslice.study.file.load_study`: TOML, keys, every named file present).

    Returns one :class:`StudyTask` per study, with ids unique in the batch (``-2``, ``-3``
    added to a repeated one).

    Raises
    ------
    InputError
        As :func:`find_studies`; a study file that does not load (the first one, with the
        number of others that fail too).
    """
    from .file import load_study

    tasks: list[StudyTask] = []
    errors: list[InputError] = []
    ids: set[str] = set()
    for f, root in find_studies(paths, exclude=exclude):
        try:
            study = load_study(f)
        except InputError as exc:
            errors.append(exc)
            continue
        base = _study_id(f, root)
        sid, k = base, 1
        while sid in ids:
            k += 1
            sid = f"{base}-{k}"
        ids.add(sid)
        tasks.append(StudyTask(id=sid, study_file=f.resolve(), name=study.name))
    if errors:
        more = f" (and {len(errors) - 1} more study files do not load)" if len(errors) > 1 else ""
        raise InputError(f"{errors[0]}{more}")
    return tasks


# ============================================================= the worker's task ====
def _peak_rss_bytes() -> int:
    """Peak resident memory of this process since it started [bytes] (0 where unknown)."""
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    except (ImportError, OSError):  # pragma: no cover - Windows
        return 0
    return int(peak if sys.platform == "darwin" else peak * 1024)


def _input_hashes(study: Any) -> str:
    """``runs.inputs_sha256_json`` as :func:`ohmslice.study.store.build_tables` writes it
    for ``study``: displayed path -> sha256 of the study file and every file it names."""
    from .store import _input_files, _sha256, _shown

    sf = Path(study.source).absolute()
    files, root = _input_files(study, sf, None)
    hashes = {}
    for _cell, _key, path in files:
        p = path if path.is_absolute() or root is None else root / path
        hashes[_shown(p, root)] = _sha256(p)[0]
    return json.dumps(hashes, sort_keys=True)


def _unchanged(dest: Path, hashes: str, settings: dict[str, Any]) -> bool:
    """Whether ``dest`` holds a results store written from inputs of these ``hashes``
    with these batch ``settings``."""
    import pyarrow.parquet as pq

    marker = _read_marker(dest)
    if marker is None or marker.get("batch_settings") != settings:
        return False
    if not (dest / CATALOGUE).is_file():
        return False
    try:
        runs = pq.read_table(dest / "runs.parquet", columns=["inputs_sha256_json"]).to_pylist()
    except (OSError, ValueError, KeyError):
        return False
    return len(runs) == 1 and runs[0]["inputs_sha256_json"] == hashes


def run_one(study_file: str, dest: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Run one study and write its results store into ``dest`` -- the task of a batch.

    Runs on a worker: reads the study file and its data itself, skips the study where
    ``dest`` already holds results of the same inputs and ``settings``
    (:func:`_unchanged`), else runs :func:`ohmslice.study.run.run_study` (``settings
    ["n_boot"]`` bootstrap replicas) and writes the store atomically (the previous
    results of the study stay until the new ones are complete; warnings shown while it
    ran go to its ``notes`` table).

    Returns
    -------
    dict
        ``status`` ("done", "skipped" or "failed"), ``reason`` (why it failed; empty
        otherwise), ``seconds`` (in the task), ``analysis_s``, ``write_s``, ``n_cells``,
        ``n_warnings``, ``worker_pid`` and ``peak_rss_bytes`` (the worker process's
        peak resident memory so far). Never raises for a study that cannot be analysed:
        its reason is returned.
    """
    from .. import __version__
    from .file import load_study
    from .run import run_study
    from .store import results_folder, write_tables

    t0 = time.perf_counter()
    out: dict[str, Any] = {"status": "failed", "reason": "", "seconds": 0.0, "analysis_s": 0.0,
                           "write_s": 0.0, "n_cells": 0, "n_warnings": 0,
                           "worker_pid": os.getpid()}  # fmt: skip
    target = Path(dest)
    try:
        study = load_study(study_file)
        hashes = _input_hashes(study)
        if _unchanged(target, hashes, settings):
            out["status"] = "skipped"
        else:
            stage = {"now": ""}
            shown: list[tuple[str, str]] = []

            def step(msg: str) -> None:
                stage["now"] = msg

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = run_study(study, progress=step, n_boot=int(settings.get("n_boot", 300)))
            seen = set()
            for w in caught:
                text = " ".join(str(w.message).split())
                if text not in seen:
                    seen.add(text)
                    shown.append((stage["now"], text))
            t1 = time.perf_counter()
            info = {"kind": "results store", "version": __version__, "command": "batch",
                    "study_file": str(study_file), "batch_settings": settings}  # fmt: skip
            with results_folder(target, study=result.name, info=info, force=True) as tmp:
                write_tables(result, tmp, study=study, study_file=study_file, warnings=shown)
            out.update(status="done", analysis_s=t1 - t0, write_s=time.perf_counter() - t1,
                       n_cells=len(result.cells), n_warnings=len(shown))  # fmt: skip
    except InputError as exc:
        out["reason"] = str(exc)
    except Exception as exc:  # noqa: BLE001 -- any failure of one study is its reason
        out["reason"] = f"unexpected {type(exc).__name__}: {' '.join(str(exc).split())}"
    out["seconds"] = time.perf_counter() - t0
    out["peak_rss_bytes"] = _peak_rss_bytes()
    return out


def _warm_up() -> int:
    """Import the analysis modules in a worker (before the first study); its pid."""
    import importlib

    for mod in ("ohmslice", "ohmslice.method.pulsefit", "ohmslice.method.systematic",
                "ohmslice.method.compare", "pyarrow.parquet", "duckdb"):  # fmt: skip
        importlib.import_module(mod)
    return os.getpid()


# ===================================================================== running ====
@dataclass
class StudyOutcome:
    """What a batch did with one study (one entry of ``batch.json``)."""

    id: str
    study: str
    study_file: str
    status: str  # "done", "skipped", "failed"
    reason: str = ""
    seconds: float = 0.0
    analysis_s: float = 0.0
    write_s: float = 0.0
    n_cells: int = 0
    n_warnings: int = 0
    worker_pid: int = 0
    peak_rss_bytes: int = 0
    finished_utc: str = ""


@dataclass
class BatchResult:
    """The outcome of :func:`run_batch`.

    ``outcomes`` per study in the order of the batch; ``wall_s`` from the first task
    submitted to the last result; ``startup_s`` the cluster's start (or connection) and
    the workers' imports; ``n_workers`` and ``dashboard`` (address, or "" where none);
    ``summary`` the cross-study table (:func:`batch_summary`) of the stores now in
    ``out``.
    """

    out: Path
    outcomes: list[StudyOutcome]
    wall_s: float = 0.0
    startup_s: float = 0.0
    n_workers: int = 0
    dashboard: str = ""
    scheduler: str = ""
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)

    def count(self, status: str) -> int:
        """Number of studies with ``status`` ("done", "skipped", "failed")."""
        return sum(o.status == status for o in self.outcomes)

    @property
    def failed(self) -> list[StudyOutcome]:
        """The studies that failed, with their reasons."""
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def ok(self) -> bool:
        """True where no study failed."""
        return not self.failed


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _read_manifest(out: Path) -> dict[str, Any] | None:
    try:
        m = json.loads((out / BATCH_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return m if isinstance(m, dict) and m.get("written_by") == "ohmslice batch" else None


def check_batch_folder(out: str | os.PathLike[str]) -> Path:
    """Check that ``out`` can hold a batch: new, empty, or a batch folder ohmslice wrote.

    Raises
    ------
    InputError
        ``out`` is a file, a folder of other files, or cannot be written.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError("the output is a file; give a folder", path=out)
    if out.is_dir():
        if _read_manifest(out) is None and any(out.iterdir()):
            raise InputError(
                f"the output folder holds files and no {BATCH_MANIFEST} of an earlier batch; "
                "give a new or empty folder",
                path=out,
            )
        if not os.access(out, os.W_OK | os.X_OK):
            raise InputError("no permission to write into this output folder", path=out)
    else:
        parent = next((p for p in out.absolute().parents if p.exists()), None)
        if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            raise InputError("cannot create the output folder here", path=out)
    return out


def _write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    manifest["updated_utc"] = _now()
    manifest["stores"] = sorted(
        f"{STUDIES_DIR}/{sid}"
        for sid, e in manifest["studies"].items()
        if e.get("status") in ("done", "skipped")
        and (out / STUDIES_DIR / sid / CATALOGUE).is_file()
    )
    with atomic_file(out / BATCH_MANIFEST) as tmp:
        tmp.write_text(json.dumps(manifest, indent=1, default=str), encoding="utf-8")


@contextmanager
def batch_client(
    workers: int | None = None, scheduler: str | None = None, *, retries: int = 2,
    connect_timeout_s: float | None = None,
) -> Iterator[Any]:  # fmt: skip
    """A :class:`distributed.Client` on a new local cluster of ``workers`` processes (one
    thread each; default: the CPU count), or on the running scheduler at ``scheduler``.
    The local cluster is closed when the block ends.

    ``retries``: worker deaths a task may be involved in before it is marked failed
    (``distributed.scheduler.allowed-failures`` of the local cluster);
    ``connect_timeout_s`` default :data:`CONNECT_TIMEOUT_S`.

    Raises
    ------
    InputError
        ``workers`` < 1; the scheduler cannot be reached within ``connect_timeout_s``.
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        wait = CONNECT_TIMEOUT_S if connect_timeout_s is None else connect_timeout_s
        try:
            client = Client(scheduler, timeout=f"{wait}s")
        except Exception as exc:  # noqa: BLE001 -- OSError, TimeoutError, ValueError (address)
            msg = " ".join(str(exc).split()) or type(exc).__name__
            raise InputError(f"cannot reach the Dask scheduler at {scheduler!r}: {msg}") from None
        try:
            yield client
        finally:
            client.close()
        return
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n < 1:
        raise InputError(f"--workers {n}; expected at least 1")
    with dask.config.set(
        {
            "distributed.scheduler.allowed-failures": int(retries),
            "distributed.worker.daemon": False,
        }  # fmt: skip
    ):
        cluster = LocalCluster(
            n_workers=int(n), threads_per_worker=1, processes=True, dashboard_address=":0",
            silence_logs=logging.ERROR,
        )  # fmt: skip
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()


def _dashboard(client: Any) -> str:
    """The dashboard's address, or "" where the scheduler serves none (no bokeh)."""
    try:
        services = client.scheduler_info().get("services", {})
    except Exception:  # noqa: BLE001
        return ""
    return client.dashboard_link if "dashboard" in services else ""


def run_batch(
    paths: Sequence[str | os.PathLike[str]] | Sequence[StudyTask],
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    n_boot: int = 300,
    retries: int = 2,
    components: Sequence[str] = ("r2", "r3"),
    socs: Sequence[float] = (20.0, 50.0, 80.0),
    on_start: Callable[[dict[str, Any]], None] | None = None,
    on_study: Callable[[StudyOutcome], None] | None = None,
    client: Any = None,
    task: Callable[..., dict[str, Any]] = run_one,
) -> BatchResult:
    """Run every study under ``paths`` on Dask and write the batch folder ``out``.

    Parameters
    ----------
    paths
        Folders, study files, CSV listings (:func:`find_studies`), or planned
        :class:`StudyTask`\\ s.
    out
        The batch folder (module docstring): new, empty, or an earlier batch's.
    workers, scheduler
        Worker processes of a new local cluster (default: the CPU count), or the
        address of a running scheduler (``tcp://host:8786``); ignored with ``client``.
    n_boot
        Bootstrap replicas of each study's crossover intervals.
    retries
        Worker deaths a study may be involved in before it is marked failed.
    components, socs
        What the summary holds (:func:`batch_summary`).
    on_start
        Called once the cluster is up, with ``n_studies``, ``n_workers``, ``dashboard``,
        ``scheduler``.
    on_study
        Called with each study's :class:`StudyOutcome` as it finishes.
    client
        A connected :class:`distributed.Client` to use instead of starting one.
    task
        The function run per study (default :func:`run_one`; same signature).

    Returns
    -------
    BatchResult

    Raises
    ------
    InputError
        Before any study runs: no study under a path, a study file that does not load,
        an output folder that cannot be used, a scheduler that cannot be reached.
    KeyboardInterrupt
        Passed on; the manifest holds every study finished until then.
    """
    from distributed import as_completed

    from .. import __version__

    out = Path(out)
    check_batch_folder(out)
    if paths and all(isinstance(p, StudyTask) for p in paths):
        tasks = list(paths)  # type: ignore[arg-type]
    else:
        tasks = plan_batch(paths, exclude=out)  # type: ignore[arg-type]
    bad = [c for c in components if c not in COMPONENTS]
    if bad:
        raise InputError(f"component {bad[0]!r}; expected one of {', '.join(COMPONENTS)}")
    if int(n_boot) < 0:
        raise InputError(f"n_boot = {n_boot}; expected >= 0")
    settings = {"n_boot": int(n_boot), "ohmslice_version": __version__}
    manifest = _read_manifest(out) or {"written_by": "ohmslice batch", "studies": {}}
    manifest.update(version=__version__, settings=settings)
    for e in manifest["studies"].values():
        e["in_last_batch"] = False

    t_start = time.perf_counter()
    with (batch_client(workers, scheduler, retries=retries) if client is None
          else _given(client)) as cl:  # fmt: skip
        try:
            cl.run(_warm_up)
        except Exception:  # noqa: BLE001 -- warming up is an optimisation only
            pass
        n_workers = len(cl.scheduler_info().get("workers", {}))
        res = BatchResult(out=out, outcomes=[], n_workers=n_workers, dashboard=_dashboard(cl),
                          scheduler=str(getattr(cl, "scheduler", None) and cl.scheduler.address
                                        or ""))  # fmt: skip
        res.startup_s = time.perf_counter() - t_start
        (out / STUDIES_DIR).mkdir(parents=True, exist_ok=True)  # the scheduler answered
        if on_start is not None:
            on_start({"n_studies": len(tasks), "n_workers": n_workers,
                      "dashboard": res.dashboard, "scheduler": res.scheduler})  # fmt: skip
        t0 = time.perf_counter()
        futures = {
            cl.submit(task, str(t.study_file), str((out / STUDIES_DIR / t.id).absolute()),
                      settings, key=f"ohmslice-study-{t.id}-{uuid.uuid4().hex[:12]}",
                      pure=False): t
            for t in tasks
        }  # fmt: skip
        by_id: dict[str, StudyOutcome] = {}
        last_write = 0.0
        try:
            for fut in as_completed(futures):
                t = futures[fut]
                o = _outcome(t, fut)
                by_id[t.id] = o
                manifest["studies"][t.id] = {**asdict(o), "in_last_batch": True}
                if time.perf_counter() - last_write > 1.0:
                    _write_manifest(out, manifest)
                    last_write = time.perf_counter()
                if on_study is not None:
                    on_study(o)
        finally:
            for fut in futures:
                fut.release()
            _write_manifest(out, manifest)
        res.wall_s = time.perf_counter() - t0
    res.outcomes = [by_id[t.id] for t in tasks]
    write_catalogue(out)
    res.summary = write_summary(out, components=components, socs=socs)
    return res


@contextmanager
def _given(client: Any) -> Iterator[Any]:
    yield client


def _outcome(t: StudyTask, fut: Any) -> StudyOutcome:
    """The :class:`StudyOutcome` of a finished future: its record, or why it has none
    (a worker that died too often, a lost scheduler)."""
    base = {"id": t.id, "study": t.name, "study_file": str(t.study_file), "finished_utc": _now()}
    if fut.status == "finished":
        r = fut.result()
        keep = {k: r[k] for k in StudyOutcome.__dataclass_fields__ if k in r}
        return StudyOutcome(**base, **keep)
    if fut.status == "error":
        exc = fut.exception()
        name = type(exc).__name__
        if name == "KilledWorker":
            reason = ("the worker process running it died too often (crash or out of "
                      "memory); not retried further")  # fmt: skip
        else:
            reason = f"{name}: {' '.join(str(exc).split())}"
        return StudyOutcome(**base, status="failed", reason=reason)
    return StudyOutcome(**base, status="failed", reason=f"task {fut.status} (scheduler lost?)")


# =================================================================== catalogue ====
def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def write_catalogue(out: str | os.PathLike[str]) -> Path | None:
    """Write ``OUT/catalogue.duckdb``: one view per table over the Parquet files of every
    store the manifest lists, each row with its ``study`` (as
    :func:`ohmslice.study.store.open_results` names it). Its paths are relative to
    ``OUT``: open it from inside ``OUT`` (``cd OUT && duckdb catalogue.duckdb``).
    Replaced atomically; removed where no store is listed. Returns its path (or None)."""
    import duckdb

    from .store import open_results

    out = Path(out)
    manifest = _read_manifest(out) or {}
    target = out / BATCH_CATALOGUE
    if not manifest.get("stores"):
        target.unlink(missing_ok=True)
        return None
    with open_results(out) as res:
        studies, folders = res.studies, res.folders
    tables: dict[str, list[str]] = {}
    for study, folder in zip(studies, folders, strict=True):
        rel = folder.resolve().relative_to(out.resolve()).as_posix()
        for p in sorted(folder.glob("*.parquet")):
            tables.setdefault(p.stem, []).append(
                f"SELECT {_sql_str(study)} AS study, * FROM read_parquet({_sql_str(rel + '/' + p.name)})"
            )
    with atomic_file(target) as tmp:
        tmp.unlink()
        con = duckdb.connect(str(tmp))
        try:
            con.execute(f"SET file_search_path = {_sql_str(str(out.resolve()))}")
            for name, parts in sorted(tables.items()):
                con.execute(f"CREATE VIEW {_ident(name)} AS " + " UNION ALL BY NAME ".join(parts))
        finally:
            con.close()
    return target


# ===================================================================== summary ====
def _at_soc(soc: np.ndarray, v: np.ndarray, e: np.ndarray, x: float, max_gap: float) -> tuple:
    """(value, error, reason) at SOC ``x`` by linear interpolation between the two
    pulses around it (sorted ``soc``); NaN and a reason where ``x`` is outside the pulses'
    SOC range or the two pulses are more than ``max_gap`` % apart."""
    ok = np.isfinite(soc) & np.isfinite(v)
    soc, v, e = soc[ok], v[ok], e[ok]
    if soc.size == 0:
        return np.nan, np.nan, "no usable pulse"
    order = np.argsort(soc)
    soc, v, e = soc[order], v[order], e[order]
    if x < soc[0] or x > soc[-1]:
        near = soc[0] if x < soc[0] else soc[-1]
        if abs(x - near) > max_gap / 2:
            return np.nan, np.nan, f"outside the pulses' SOC range {soc[0]:.0f}-{soc[-1]:.0f} %"
        k = 0 if x < soc[0] else soc.size - 1
        return float(v[k]), float(e[k]), f"nearest pulse at {soc[k]:.1f} % SOC"
    j = int(np.searchsorted(soc, x))
    if j < soc.size and soc[j] == x:
        return float(v[j]), float(e[j]), ""
    a, b = j - 1, j
    if soc[b] - soc[a] > max_gap:
        return np.nan, np.nan, f"no pulses within {max_gap:g} % SOC around it"
    w = (x - soc[a]) / (soc[b] - soc[a])
    err = (1 - w) * e[a] + w * e[b] if np.isfinite(e[a]) and np.isfinite(e[b]) else np.nan
    return float((1 - w) * v[a] + w * v[b]), float(err), ""


def batch_summary(
    out: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    components: Sequence[str] = ("r2", "r3"),
    socs: Sequence[float] = (20.0, 50.0, 80.0),
    *,
    max_gap_pct: float = 15.0,
) -> pd.DataFrame:
    """Chosen components at chosen SOCs for every cell of every study, cells ranked.

    For each study, cell, component ``c`` and SOC: ``{c}_ohm`` of the decomposition the
    study's comparison used (``components`` rows with ``comparison_method``; the
    pulses that passed their checks), linearly interpolated between the two pulses whose
    SOCs bracket it, and its standard error interpolated alike (an upper bound where
    the two pulses' errors are correlated). No value where the SOC lies outside the
    pulses (by more than half of ``max_gap_pct``) or between pulses more than
    ``max_gap_pct`` apart; ``note`` says why.

    Parameters
    ----------
    out
        A batch folder, or results folders (anything :func:`~ohmslice.study.store.open_results` opens).
    components
        Of :data:`COMPONENTS` (``r12`` = R1 + R2, errors added in quadrature).
    socs
        SOCs [%], each on the cell's own GITT scale (``soc_reference`` says which).

    Returns
    -------
    DataFrame
        ``component``, ``soc_pct``, ``rank`` (1 = lowest value; NULL without a value),
        ``n_ranked``, ``study``, ``cell``, ``label``, ``value_ohm``, ``err_ohm``,
        ``value_ohm_cm2``, ``err_ohm_cm2`` (x the cell's area where the study gives one),
        ``method``, ``soc_reference``, ``z_next`` (difference to the next-ranked cell
        over the two errors combined in quadrature: above ~2 the order of the two is
        clear), ``note``. Sorted by component, SOC and rank.

    Raises
    ------
    InputError
        No results under ``out``; a component not in :data:`COMPONENTS`.
    """
    from .store import open_results

    bad = [c for c in components if c not in COMPONENTS]
    if bad:
        raise InputError(f"component {bad[0]!r}; expected one of {', '.join(COMPONENTS)}")
    cols = ["component", "soc_pct", "rank", "n_ranked", "study", "cell", "label", "value_ohm",
            "err_ohm", "value_ohm_cm2", "err_ohm_cm2", "method", "soc_reference", "z_next",
            "note"]  # fmt: skip
    with open_results(out) as res:
        if "components" not in res.tables:
            return pd.DataFrame(columns=cols)
        comp = res.sql("SELECT * FROM components WHERE comparison_method")
        cells = res.table("cells") if "cells" in res.tables else pd.DataFrame()
    if "usable" in comp.columns:
        comp = comp[comp["usable"].fillna(False).astype(bool)]
    info = {(r["study"], r["cell"]): r for r in cells.to_dict("records")}
    rows = []
    for (study, cell), g in comp.groupby(["study", "cell"], sort=True):
        meta = info.get((study, cell), {})
        area = pd.to_numeric(pd.Series([meta.get("area_cm2")]), errors="coerce").iloc[0]
        # each pulse at the SOC of its end, where its developed values belong (as
        # method.compare places them; mid-pulse is half a pulse off where R changes)
        at = "soc_end_pct" if "soc_end_pct" in g and g["soc_end_pct"].notna().all() else "soc_pct"
        soc = g[at].to_numpy(float)
        for c in components:
            if c == "r12":
                v = g["r1_ohm"].to_numpy(float) + g["r2_ohm"].to_numpy(float)
                e = np.hypot(g["r1_ohm_err"].to_numpy(float), g["r2_ohm_err"].to_numpy(float))
            else:
                v = g[f"{c}_ohm"].to_numpy(float)
                e = (
                    g[f"{c}_ohm_err"].to_numpy(float)
                    if f"{c}_ohm_err" in g
                    else np.full_like(v, np.nan)
                )
            for x in socs:
                val, err, note = _at_soc(soc, v, e, float(x), max_gap_pct)
                rows.append({"component": c, "soc_pct": float(x), "study": study, "cell": cell,
                             "label": meta.get("label") or "", "value_ohm": val, "err_ohm": err,
                             "value_ohm_cm2": val * area, "err_ohm_cm2": err * area,
                             "method": g["method"].iloc[0],
                             "soc_reference": meta.get("soc_reference") or "",
                             "note": note})  # fmt: skip
    df = pd.DataFrame(rows, columns=[c for c in cols if c not in ("rank", "n_ranked", "z_next")])
    if df.empty:
        return pd.DataFrame(columns=cols)
    parts = []
    for _, g in df.groupby(["component", "soc_pct"], sort=True):
        g = g.sort_values(["value_ohm", "study", "cell"], na_position="last").copy()
        has = g["value_ohm"].notna().to_numpy()
        rank = np.where(has, np.cumsum(has), 0)
        g["rank"] = pd.array([int(r) if r else None for r in rank], dtype="Int64")
        g["n_ranked"] = int(has.sum())
        v, e = g["value_ohm"].to_numpy(float), g["err_ohm"].to_numpy(float)
        z = np.full(v.size, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            z[:-1] = (v[1:] - v[:-1]) / np.hypot(e[1:], e[:-1])
        g["z_next"] = np.where(has & np.r_[has[1:], False], z, np.nan)
        parts.append(g)
    return pd.concat(parts, ignore_index=True)[cols]


def write_summary(
    out: str | os.PathLike[str],
    components: Sequence[str] = ("r2", "r3"),
    socs: Sequence[float] = (20.0, 50.0, 80.0),
) -> pd.DataFrame:
    """Write :func:`batch_summary` of the batch folder ``out`` as
    ``OUT/summary/summary.parquet`` and ``summary.csv`` (atomically) and return it; an
    empty table where no study has results."""
    out = Path(out)
    manifest = _read_manifest(out) or {}
    df = batch_summary(out, components, socs) if manifest.get("stores") else pd.DataFrame()
    folder = out / SUMMARY_DIR
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_file(folder / "summary.parquet") as tmp:
        df.to_parquet(tmp, index=False)
    with atomic_file(folder / "summary.csv") as tmp:
        df.to_csv(tmp, index=False)
    return df
