"""The study file: ``study.toml`` names the cells of a study and their instrument files.

A study is a folder of instrument files plus ``study.toml``; paths in it are relative to
the file's folder. Every key but ``[study].name`` and one data file per cell is
optional; ohmslice runs what the data allow::

    [study]
    name = "LPSCl particle size"

    [[cell]]
    name = "S_SE"
    label = "small-particle LPSCl (D50 < 1 um)"
    area_cm2 = 0.785            # enables areal resistances
    active_mass_mg = 16.5       # enables mAh/g
    counter_potential_V = 0.62  # In-Li vs Li/Li+: recorded voltage + this = V vs Li
    nominal_capacity_mAh = 2.355
    gitt = "S_SE_GITT_C01.mpt"
    cycling = ["S_SE_formation_GCPL_C01.mpt"]   # cycling records, numbered on in this order
    cycling_eis = {1 = "S_SE_after_cycle1_PEIS.mpt"}  # spectra between cycles: cycle -> file
    conductivity = ["S_SE cathode", "LPSCl pellet"]   # the cell's [[sample]]s (Table S1)
    [cell.symmetric_eis]        # SOC in % -> file (two cathodes at that SOC)
    50 = "S_SE_sym_SOC50_PEIS_C01.mpt"
    0 = "S_SE_sym_SOC0_PEIS_C01.mpt"
    [cell.half_eis]
    50 = "S_SE_half_SOC50_PEIS_C01.mpt"
    [cell.rate]
    discharge = ["S_SE_rate_discharge_0.1C_C01.mpt", "S_SE_rate_discharge_2C_C01.mpt"]
    charge = ["S_SE_rate_charge_0.1C_C01.mpt"]

    [[sample]]                  # a conductivity sample: pellet or composite electrode
    name = "LPSCl pellet"
    kind = "electrolyte pellet"  # or "composite electrode"
    thickness_mm = 0.60         # or thickness_um; errors thickness_err_mm / _um
    thickness_err_mm = 0.01
    area_cm2 = 0.785
    files = {"-20" = "pellet_m20C.mpt", "25" = "pellet_25C.mpt"}   # degC -> spectrum

    [[sample]]
    name = "S_SE cathode"
    kind = "composite electrode"
    thickness_um = 50
    area_cm2 = 0.785
    files = ["S_SE_cathode_blocking.mpt"]
    temperatures_C = [25]       # with a list of files: one temperature each
    volume_fraction = 0.30      # electrolyte volume fraction: the tortuosity factor
    electrolyte = "LPSCl pellet"   # the pellet of its electrolyte (same temperature)
    polarization = "S_SE_cathode_DC.mpt"   # DC polarisation: electronic conductivity

    [analysis]                  # free-form options for the analyses
    circuit = "R0-p(R1,C1)-p(R2,CPE2)-Wo3"

:func:`load_study` reads and validates the file and returns a :class:`Study` with every
path made absolute. Any problem -- TOML syntax, an unknown or misspelt key, a wrong type,
a negative area, an SOC outside 0-100 %, a cell without data, a duplicate cell name, a
file that does not exist, a sample's thickness given in two units or implausible for
its unit, a ``conductivity`` link to a sample the file does not define -- raises
:class:`~ohmslice.errors.InputError` naming the study file and the key
(``cell[1].symmetric_eis.50``, ``sample[0].thickness_mm``).
"""

from __future__ import annotations

import re
from os import PathLike
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .._paths import check_input_file, os_reason
from ..errors import InputError

__all__ = ["Study", "StudyInfo", "CellSpec", "RateFiles", "SampleSpec", "load_study"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StudyInfo(_Strict):
    """``[study]``: the study's name and an optional description."""

    name: str = Field(min_length=1)
    description: str = ""


class RateFiles(_Strict):
    """``[cell.rate]``: rate-test files, one per C-rate, by direction."""

    charge: list[Path] = Field(default_factory=list)
    discharge: list[Path] = Field(default_factory=list)


class CellSpec(_Strict):
    """``[[cell]]``: one cell (electrode material) and its files."""

    name: str = Field(min_length=1)
    label: str = ""
    area_cm2: float | None = Field(default=None, gt=0)
    active_mass_mg: float | None = Field(default=None, gt=0)
    nominal_capacity_mAh: float | None = Field(default=None, gt=0)
    counter_potential_V: float = 0.0
    gitt: Path | None = None
    symmetric_eis: dict[float, Path] = Field(default_factory=dict)
    half_eis: dict[float, Path] = Field(default_factory=dict)
    rate: RateFiles = Field(default_factory=RateFiles)
    cycling: list[Path] = Field(default_factory=list)
    cycling_eis: dict[float, Path] | list[Path] = Field(default_factory=list)
    conductivity: list[str] = Field(default_factory=list)

    @field_validator("cycling", "cycling_eis", "conductivity", mode="before")
    @classmethod
    def _one_is_a_list(cls, v: Any) -> Any:
        return [v] if isinstance(v, (str, Path)) else v

    @field_validator("cycling_eis")
    @classmethod
    def _cycle_numbers(cls, v: Any) -> Any:
        if isinstance(v, dict):
            for cycle in v:
                if cycle != int(cycle) or cycle < 0:
                    raise ValueError(f"cycle {cycle:g} is not a whole number >= 0")
        return v

    @field_validator("conductivity")
    @classmethod
    def _distinct_samples(cls, v: list[str]) -> list[str]:
        dup = sorted({n for n in v if v.count(n) > 1})
        if dup:
            raise ValueError(f"sample(s) {dup} named twice")
        return v

    @field_validator("symmetric_eis", "half_eis", mode="before")
    @classmethod
    def _distinct_socs(cls, v: Any) -> Any:
        if isinstance(v, dict):
            seen: dict[float, str] = {}
            for key in v:
                try:
                    soc = float(key)
                except (TypeError, ValueError):
                    continue  # the type check below names it
                if soc in seen:
                    raise ValueError(
                        f"SOC keys {seen[soc]!r} and {key!r} are the same SOC ({soc:g} %)"
                    )
                seen[soc] = key
        return v

    @field_validator("symmetric_eis", "half_eis")
    @classmethod
    def _soc_range(cls, v: dict[float, Path]) -> dict[float, Path]:
        for soc in v:
            if not 0.0 <= soc <= 100.0:
                raise ValueError(f"SOC {soc:g} % is outside 0-100 %")
        return v

    @model_validator(mode="after")
    def _has_data(self) -> CellSpec:
        if not self.files() and not self.conductivity:
            raise ValueError(
                "no data file: give at least one of gitt, symmetric_eis, half_eis, rate, "
                "cycling, conductivity"
            )
        if self.cycling_eis and not self.cycling:
            raise ValueError("cycling_eis: spectra between cycles need the cycling records "
                             "(cycling = [...])")  # fmt: skip
        return self

    def files(self) -> dict[str, Path]:
        """Every file of the cell by its key (``gitt``, ``symmetric_eis.50``, ``rate.charge.0``)."""
        out: dict[str, Path] = {}
        if self.gitt is not None:
            out["gitt"] = self.gitt
        for key in ("symmetric_eis", "half_eis"):
            for soc, p in getattr(self, key).items():
                out[f"{key}.{soc:g}"] = p
        for key in ("charge", "discharge"):
            for k, p in enumerate(getattr(self.rate, key)):
                out[f"rate.{key}.{k}"] = p
        for k, p in enumerate(self.cycling):
            out[f"cycling.{k}"] = p
        for key, p in self.cycling_eis_files():
            out[key] = p
        return out

    def cycling_eis_files(self) -> list[tuple[str, Path]]:
        """(key, file) of the spectra between cycles: ``cycling_eis.3`` (after cycle 3)
        where given per cycle, ``cycling_eis.0``, ``.1``, ... (placed by time) for a list."""
        if isinstance(self.cycling_eis, dict):
            return [(f"cycling_eis.{c:g}", p) for c, p in sorted(self.cycling_eis.items())]
        return [(f"cycling_eis.{k}", p) for k, p in enumerate(self.cycling_eis)]


#: a sample's kinds in the study file
SAMPLE_KINDS = ("electrolyte pellet", "composite electrode")
#: thickness key -> its unit in cm
_THICKNESS_UNITS = {"mm": 0.1, "um": 1e-4}


class SampleSpec(_Strict):
    """``[[sample]]``: a conductivity sample -- an electrolyte pellet or a composite
    electrode between blocking contacts -- with its geometry and files."""

    name: str = Field(min_length=1)
    kind: Literal["electrolyte pellet", "composite electrode"]
    label: str = ""
    thickness_mm: float | None = Field(default=None, gt=0)
    thickness_um: float | None = Field(default=None, gt=0)
    thickness_err_mm: float | None = Field(default=None, ge=0)
    thickness_err_um: float | None = Field(default=None, ge=0)
    area_cm2: float = Field(gt=0)
    area_err_cm2: float = Field(default=0.0, ge=0)
    files: dict[float, Path] | list[Path] = Field(default_factory=list)
    temperatures_C: list[float] | None = None
    temperature_err_C: float | None = Field(default=None, ge=0)
    volume_fraction: float | None = None
    volume_fraction_err: float = Field(default=0.0, ge=0)
    electrolyte: str | None = None
    symmetric: bool = False
    polarization: Path | None = None
    polarization_temperature_C: float | None = None

    @field_validator("files", mode="before")
    @classmethod
    def _one_file(cls, v: Any) -> Any:
        if isinstance(v, (str, Path)):
            return [v]
        if isinstance(v, dict):
            seen: dict[float, str] = {}
            for key in v:
                try:
                    t = float(key)
                except (TypeError, ValueError):
                    continue  # the type check names it
                if t in seen:
                    raise ValueError(f"temperature keys {seen[t]!r} and {key!r} are the same "
                                     f"temperature ({t:g} degC)")  # fmt: skip
                seen[t] = key
        return v

    @field_validator("volume_fraction")
    @classmethod
    def _fraction(cls, v: float | None) -> float | None:
        if v is not None and not 0 < v <= 1:
            raise ValueError(f"{v:g} is not a volume fraction: expected 0 < fraction <= 1 "
                             "(not a percentage)")  # fmt: skip
        return v

    @model_validator(mode="after")
    def _consistent(self) -> SampleSpec:
        from ..impedance.conductivity import AREA_RANGE_CM2, THICKNESS_RANGE_CM

        given = [u for u in _THICKNESS_UNITS if getattr(self, f"thickness_{u}") is not None]
        if len(given) != 1:
            raise ValueError(
                "thickness_mm: give the thickness once, as thickness_mm or thickness_um"
                + (" (both given)" if given else " (missing)")
            )
        errs = [u for u in _THICKNESS_UNITS if getattr(self, f"thickness_err_{u}") is not None]
        if len(errs) > 1:
            raise ValueError("thickness_err_mm: give the thickness's error once, as "
                             "thickness_err_mm or thickness_err_um")  # fmt: skip
        unit = given[0]
        lo, hi = (x / _THICKNESS_UNITS[unit] for x in THICKNESS_RANGE_CM)
        value = getattr(self, f"thickness_{unit}")
        if not lo <= value <= hi:
            raise ValueError(
                f"thickness_{unit}: {value:g} is implausible for a pellet or an electrode "
                f"(expected {lo:g} to {hi:g} {unit}); is it in {unit}?"
            )
        if not AREA_RANGE_CM2[0] <= self.area_cm2 <= AREA_RANGE_CM2[1]:
            raise ValueError(
                f"area_cm2: {self.area_cm2:g} is implausible (expected "
                f"{AREA_RANGE_CM2[0]:g} to {AREA_RANGE_CM2[1]:g} cm2); is it in cm2?"
            )
        if not self.files and self.polarization is None:
            raise ValueError("no data file: give files (spectra) and/or polarization")
        temps = [t for t in self.temperatures() if t is not None]
        if isinstance(self.files, dict) and self.temperatures_C is not None:
            raise ValueError("temperatures_C: temperatures given twice, as the keys of files "
                             "and as temperatures_C; give one")  # fmt: skip
        if isinstance(self.files, list) and self.temperatures_C is not None:
            if len(self.temperatures_C) != len(self.files):
                raise ValueError(f"temperatures_C: {len(self.temperatures_C)} value(s) for "
                                 f"{len(self.files)} file(s); expected one per file")  # fmt: skip
        if any(t <= -273.15 for t in temps):
            raise ValueError("files: a temperature at or below absolute zero (temperatures "
                             "are in degC)")  # fmt: skip
        if self.kind == "electrolyte pellet":
            for key in ("volume_fraction", "electrolyte"):
                if getattr(self, key) is not None:
                    raise ValueError(f"{key}: only for a composite electrode, not an "
                                     "electrolyte pellet")  # fmt: skip
            if self.symmetric:
                raise ValueError("symmetric: only for a composite electrode, not an "
                                 "electrolyte pellet")  # fmt: skip
        return self

    @property
    def thickness_cm(self) -> float:
        """The thickness [cm], whichever unit the file gives it in."""
        for u, f in _THICKNESS_UNITS.items():
            v = getattr(self, f"thickness_{u}")
            if v is not None:
                return v * f
        raise ValueError("no thickness")  # pragma: no cover - validated

    @property
    def thickness_err_cm(self) -> float:
        """The thickness's standard error [cm] (0 where not given)."""
        for u, f in _THICKNESS_UNITS.items():
            v = getattr(self, f"thickness_err_{u}")
            if v is not None:
                return v * f
        return 0.0

    def temperatures(self) -> list[float | None]:
        """One temperature [degC] per file of :meth:`measurements` (None: not given)."""
        if isinstance(self.files, dict):
            return [t for t, _ in sorted(self.files.items())]
        if self.temperatures_C is not None:
            return list(self.temperatures_C)
        return [None] * len(self.files)

    def measurements(self) -> list[tuple[str, float | None, Path]]:
        """(key, temperature [degC] or None, file) of every spectrum: ``files.25`` for
        files given per temperature, ``files.0``, ``files.1``, ... for a list."""
        if isinstance(self.files, dict):
            return [(f"files.{t:g}", t, p) for t, p in sorted(self.files.items())]
        temps = self.temperatures()
        return [(f"files.{k}", temps[k], p) for k, p in enumerate(self.files)]

    def all_files(self) -> dict[str, Path]:
        """Every file of the sample by its key (``files.25``, ``polarization``)."""
        out = {key: p for key, _, p in self.measurements()}
        if self.polarization is not None:
            out["polarization"] = self.polarization
        return out


class Study(_Strict):
    """A validated study file; paths are absolute (resolved against ``root``)."""

    study: StudyInfo
    cells: list[CellSpec] = Field(alias="cell", min_length=1)
    samples: list[SampleSpec] = Field(alias="sample", default_factory=list)
    analysis: dict[str, Any] = Field(default_factory=dict)
    root: Path = Path(".")
    source: Path | None = None  # the study file itself, where it was loaded from one

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _unique_names(self) -> Study:
        names = [c.name for c in self.cells]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"duplicate cell name(s) {dup}")
        samples = [s.name for s in self.samples]
        dup = sorted({n for n in samples if samples.count(n) > 1})
        if dup:
            raise ValueError(f"duplicate sample name(s) {dup}")
        kinds = {s.name: s.kind for s in self.samples}
        for i, c in enumerate(self.cells):
            for name in c.conductivity:
                if name not in kinds:
                    raise ValueError(f"cell[{i}].conductivity: no [[sample]] named {name!r}; "
                                     f"samples: {samples}")  # fmt: skip
        for i, s in enumerate(self.samples):
            if s.electrolyte is not None and kinds.get(s.electrolyte) != "electrolyte pellet":
                pellets = [n for n, k in kinds.items() if k == "electrolyte pellet"]
                raise ValueError(f"sample[{i}].electrolyte: no electrolyte pellet named "
                                 f"{s.electrolyte!r}; pellets: {pellets}")  # fmt: skip
        return self

    @property
    def name(self) -> str:
        return self.study.name

    def cell(self, name: str) -> CellSpec:
        """The cell called ``name`` (InputError if there is none)."""
        for c in self.cells:
            if c.name == name:
                return c
        raise InputError(
            f"study {self.name!r} has no cell {name!r}; cells: {[c.name for c in self.cells]}"
        )

    def sample(self, name: str) -> SampleSpec:
        """The sample called ``name`` (InputError if there is none)."""
        for s in self.samples:
            if s.name == name:
                return s
        raise InputError(
            f"study {self.name!r} has no sample {name!r}; samples: {[s.name for s in self.samples]}"
        )


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _resolve(cell: CellSpec, root: Path) -> CellSpec:
    def r(p: Path) -> Path:
        return p if p.is_absolute() else (root / p)

    return cell.model_copy(
        update={
            "gitt": r(cell.gitt) if cell.gitt is not None else None,
            "symmetric_eis": {k: r(p) for k, p in cell.symmetric_eis.items()},
            "half_eis": {k: r(p) for k, p in cell.half_eis.items()},
            "rate": RateFiles(
                charge=[r(p) for p in cell.rate.charge],
                discharge=[r(p) for p in cell.rate.discharge],
            ),
            "cycling": [r(p) for p in cell.cycling],
            "cycling_eis": {k: r(p) for k, p in cell.cycling_eis.items()}
            if isinstance(cell.cycling_eis, dict)
            else [r(p) for p in cell.cycling_eis],
        }
    )


def _resolve_sample(sample: SampleSpec, root: Path) -> SampleSpec:
    def r(p: Path) -> Path:
        return p if p.is_absolute() else (root / p)

    files = sample.files
    return sample.model_copy(
        update={
            "files": {k: r(p) for k, p in files.items()}
            if isinstance(files, dict)
            else [r(p) for p in files],
            "polarization": r(sample.polarization) if sample.polarization is not None else None,
        }
    )


def load_study(path: str | PathLike[str], *, check_files: bool = True) -> Study:
    """Read and validate ``study.toml``; return a :class:`Study` with absolute paths.

    Parameters
    ----------
    path
        The study file.
    check_files
        Also require every named data file to exist.

    Raises
    ------
    InputError
        Unreadable TOML, unknown keys, wrong types or values, a cell without data,
        duplicate cell names, missing files; the message names the file and the key.
        A study file that is missing, a folder, a named pipe or unreadable.
    """
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise InputError(
                "reading a study file needs Python >= 3.11 (tomllib) or the 'tomli' package",
                path=path,
            ) from None
    path = check_input_file(path, what="study file (study.toml)")
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise InputError(os_reason(exc), path=path) from None
    try:
        raw = tomllib.loads(raw_bytes.decode("utf-8-sig"))  # a BOM (Windows editors) is fine
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start}: {exc.reason}); save the study file as UTF-8",
            path=path,
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", path=path) from None
    except RecursionError:
        raise InputError("invalid TOML: arrays or tables nested too deeply", path=path) from None
    for key in ("root", "source"):
        if key in raw:
            raise InputError(f"key '{key}' is not allowed in a study file", path=path)
    try:
        study = Study.model_validate({**raw, "root": path.parent.resolve(), "source": path})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = _loc(tuple(err["loc"]))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        more = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
        if not loc and re.match(r"(cell|sample)\[\d+\]\.", msg):
            raise InputError(f"{msg}{more}", path=path) from None  # it names the key
        key = re.match(r"([A-Za-z_]+): ", msg)
        if loc and key:  # a check of several keys: the message names the key
            loc, msg = f"{loc}.{key.group(1)}", msg[key.end() :]
        raise InputError(f"{loc or 'study'}: {msg}{more}", path=path) from None
    cells = [_resolve(c, study.root) for c in study.cells]
    samples = [_resolve_sample(s, study.root) for s in study.samples]
    study = study.model_copy(update={"cells": cells, "samples": samples})
    if check_files:
        for i, c in enumerate(study.cells):
            for key, p in c.files().items():
                try:
                    check_input_file(p)
                except InputError as exc:
                    raise InputError(f"cell[{i}].{key}: {exc}", path=path) from None
        for i, smp in enumerate(study.samples):
            for key, p in smp.all_files().items():
                try:
                    check_input_file(p)
                except InputError as exc:
                    raise InputError(f"sample[{i}].{key}: {exc}", path=path) from None
    return study
