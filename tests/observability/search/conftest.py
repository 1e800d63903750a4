"""Fixtures shared by the search tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.logs_factory import write_standard_logs


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    """The standard story (see tests/logs_factory.py, one rotated file gzipped) in a fresh folder.

    A module with a story of its own defines its own `log_dir`.
    """
    return write_standard_logs(tmp_path / "logs")
