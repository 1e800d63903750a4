"""nox: the fast suite on each supported Python that is installed here (`make test` runs it).

`make test` runs the whole suite in .venv, then `nox -s others`: the fast suite (no slow
end-to-end, no browser tests) on every other supported version. A version that is not installed
is reported and skipped, not an error. Each session installs the same hashed lock as .venv.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nox

SUPPORTED = ("3.11", "3.12", "3.13")
THIS_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
FAST = ("-m", "not slow and not browser")

nox.options.error_on_missing_interpreters = False  # also under CI=true: report, don't fail
nox.options.reuse_venv = "yes"  # .nox/ keeps each version's environment between runs
nox.options.default_venv_backend = "uv|virtualenv"  # uv (in the dev lock) installs in seconds
nox.options.sessions = ["others"]


def _pyenv_bin_dirs() -> list[str]:
    """pyenv's bin/ of the newest installed patch release of each supported version.

    pyenv's shims run only the active version (`python3.12` fails under a 3.11 global), and nox
    looks interpreters up on PATH: so the real interpreters' folders go first on it.
    """
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = []
    for minor in SUPPORTED:
        candidates = sorted(versions.glob(f"{minor}.*/bin/python{minor}"),
                            key=lambda path: [int(part) if part.isdigit() else -1
                                              for part in path.parents[1].name.split(".")])
        if candidates:
            found.append(str(candidates[-1].parent))
    return found


os.environ["PATH"] = os.pathsep.join([*_pyenv_bin_dirs(), os.environ.get("PATH", "")])
# Only the interpreters installed here: uv would otherwise try to download a missing one.
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")


def _install_locked(session: nox.Session) -> None:
    session.install("--quiet", "--require-hashes", "-r", "requirements/dev.txt")
    session.install("--quiet", "--no-deps", "-e", ".")


@nox.session(python=[version for version in SUPPORTED if version != THIS_PYTHON])
def others(session: nox.Session) -> None:
    """The fast suite on each supported version other than the one running nox."""
    _install_locked(session)
    session.run("pytest", *FAST, "-q", "-p", "no:cacheprovider", *session.posargs)


@nox.session(python=list(SUPPORTED))
def fast(session: nox.Session) -> None:
    """The fast suite on every supported version (`.venv/bin/nox -s fast`)."""
    _install_locked(session)
    session.run("pytest", *FAST, "-q", "-p", "no:cacheprovider", *session.posargs)


@nox.session(python=list(SUPPORTED))
def full(session: nox.Session) -> None:
    """The whole suite on every supported version (`.venv/bin/nox -s full`; slow)."""
    _install_locked(session)
    session.run("pytest", "-q", "-p", "no:cacheprovider", *session.posargs)
