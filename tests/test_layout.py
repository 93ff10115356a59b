"""The package's folders follow the data flow: no import runs against it."""

import ast
from pathlib import Path

import ohmslice

PKG = Path(ohmslice.__file__).parent

#: stage -> stages it must not import (io -> engines -> method -> study -> report / cli)
FORBIDDEN = {
    "io": {"impedance", "dc", "method", "study", "report", "cli", "simulate"},
    "impedance": {"dc", "method", "study", "report", "cli", "simulate"},
    "dc": {"impedance", "method", "study", "report", "cli", "simulate"},
    "method": {"study", "report", "cli", "simulate"},
    "study": {"report", "cli"},
    "report": {"cli", "simulate"},
    "simulate": {"dc", "method", "study", "report", "cli"},
}


def _imported_stages(path: Path) -> set[str]:
    """Top-level subpackages of ohmslice that a module imports (relative or absolute)."""
    pkg = path.relative_to(PKG.parent).parent.parts  # the package the module is in
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(pkg[: len(pkg) - node.level + 1])
                target = base + (node.module.split(".") if node.module else [])
                names = [target] if node.module else [target + [a.name] for a in node.names]
            else:
                names = [(node.module or "").split(".")]
        elif isinstance(node, ast.Import):
            names = [a.name.split(".") for a in node.names]
        else:
            continue
        out |= {n[1] for n in names if len(n) > 1 and n[0] == "ohmslice"}
    return out


def test_no_import_against_the_data_flow():
    bad = []
    for stage, forbidden in FORBIDDEN.items():
        for path in sorted((PKG / stage).rglob("*.py")):
            hits = _imported_stages(path) & forbidden
            if hits:
                bad.append(f"{path.relative_to(PKG)} imports {sorted(hits)}")
    assert not bad, "\n".join(bad)


def test_analysis_modules_live_in_their_stage():
    top = sorted(p.name for p in PKG.glob("*.py"))
    assert top == [
        "__init__.py",
        "_atomic.py",
        "_blas.py",
        "_display.py",
        "_numbers.py",
        "_paths.py",
        "errors.py",
        "schema.py",
    ], top
