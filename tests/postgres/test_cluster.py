"""Finding PostgreSQL's tools: the newest installed version, or a reason to skip."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.postgres.cluster import ClusterUnavailableError, find_server_binaries


def _install(root: Path, version: str) -> Path:
    """Lay out a Debian-style /usr/lib/postgresql/<version>/bin/initdb under `root`."""
    bin_dir = root / version / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "initdb").touch()
    return bin_dir


def test_the_newest_major_version_wins(tmp_path: Path) -> None:
    """With 9, 13 and 15 installed, the cluster uses 15 (numeric, not alphabetical, order)."""
    for version in ("9", "13"):
        _install(tmp_path, version)
    newest = _install(tmp_path, "15")
    assert find_server_binaries(tmp_path) == newest


def test_no_postgresql_is_an_explained_unavailability(tmp_path: Path) -> None:
    """Without any initdb the error says where it looked and what to install (the skip reason)."""
    with pytest.raises(ClusterUnavailableError) as raised:
        find_server_binaries(tmp_path)
    assert str(raised.value) == f"no initdb under {tmp_path}/*/bin (install Debian's postgresql)"
