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
    [cell.symmetric_eis]        # SOC in % -> file (two cathodes at that SOC)
    50 = "S_SE_sym_SOC50_PEIS_C01.mpt"
    0 = "S_SE_sym_SOC0_PEIS_C01.mpt"
    [cell.half_eis]
    50 = "S_SE_half_SOC50_PEIS_C01.mpt"
    [cell.rate]
    discharge = ["S_SE_rate_discharge_0.1C_C01.mpt", "S_SE_rate_discharge_2C_C01.mpt"]
    charge = ["S_SE_rate_charge_0.1C_C01.mpt"]

    [analysis]                  # free-form options for the analyses
    circuit = "R0-p(R1,C1)-p(R2,CPE2)-Wo3"

:func:`load_study` reads and validates the file and returns a :class:`Study` with every
path made absolute. Any problem -- TOML syntax, an unknown or misspelt key, a wrong type,
a negative area, an SOC outside 0-100 %, a cell without data, a duplicate cell name, a
file that does not exist -- raises :class:`~ohmslice.errors.InputError` naming the
study file and the key (``cell[1].symmetric_eis.50``).
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .._paths import check_input_file, os_reason
from ..errors import InputError

__all__ = ["Study", "StudyInfo", "CellSpec", "RateFiles", "load_study"]


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
        if not self.files():
            raise ValueError(
                "no data file: give at least one of gitt, symmetric_eis, half_eis, rate"
            )
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
        return out


class Study(_Strict):
    """A validated study file; paths are absolute (resolved against ``root``)."""

    study: StudyInfo
    cells: list[CellSpec] = Field(alias="cell", min_length=1)
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
        raise InputError(f"{loc or 'study'}: {msg}{more}", path=path) from None
    cells = [_resolve(c, study.root) for c in study.cells]
    study = study.model_copy(update={"cells": cells})
    if check_files:
        for i, c in enumerate(study.cells):
            for key, p in c.files().items():
                try:
                    check_input_file(p)
                except InputError as exc:
                    raise InputError(f"cell[{i}].{key}: {exc}", path=path) from None
    return study
