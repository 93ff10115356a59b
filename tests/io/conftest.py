"""Fixtures for the reader tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture()
def write(tmp_path: Path):
    """write(name, data: bytes | str) -> path in tmp_path."""

    def _write(name: str, data: bytes | str) -> Path:
        p = tmp_path / name
        p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return p

    return _write
