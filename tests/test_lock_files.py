"""The hashed lock files cover pyproject.toml: `make lock` was re-run after a dependency change."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==\S+ \\$", re.M)


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(requirements: list[str]) -> set[str]:
    return {_normalized(match.group()) for req in requirements
            if (match := _NAME.match(req.strip())) is not None}


def _project() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]  # type: ignore[no-any-return]


def _locked(name: str) -> tuple[set[str], str]:
    text = (ROOT / "requirements" / name).read_text()
    return {_normalized(found) for found in _PINNED.findall(text)}, text


@pytest.mark.parametrize(("lock", "with_extras"), [("runtime.txt", False), ("dev.txt", True)])
def test_every_dependency_is_pinned_with_hashes(lock: str, with_extras: bool) -> None:
    """Each dependency of pyproject.toml (and, in dev.txt, of every extra) is pinned and hashed."""
    project = _project()
    wanted = _names(project["dependencies"])  # type: ignore[arg-type]
    if with_extras:
        for extra in project["optional-dependencies"].values():  # type: ignore[attr-defined]
            wanted |= _names(extra)
    pinned, text = _locked(lock)
    missing = wanted - pinned
    assert not missing, f"requirements/{lock} lacks {sorted(missing)}: run `make lock`"
    assert len(re.findall(r"^\S+==\S+ \\\n +--hash=sha256:", text, re.M)) == len(pinned)
    assert "--universal" in text.splitlines()[1], "one resolution for every Python and platform"
