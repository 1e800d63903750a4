"""Without a working Chromium the browser tests skip and say why; they never fail or pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT

pytestmark = pytest.mark.slow

BIN_DIR = Path(sys.executable).parent  # the venv's tools, and no chromium


@pytest.mark.parametrize(
    ("environment", "reason"),
    [
        ({"PATH": str(BIN_DIR)}, "Chromium not available: no `chromium` on PATH"),
        ({"CHROMIUM_PATH": "/nonexistent/chromium"}, "/nonexistent/chromium is not a file"),
        ({"CHROMIUM_PATH": "/bin/false"}, "Chromium not available: /bin/false did not start"),
    ],
    ids=["not-installed", "wrong-path", "does-not-start"],
)
def test_an_unusable_chromium_is_a_skip_with_the_reason(
    environment: dict[str, str], reason: str
) -> None:
    """A run with a missing or broken Chromium reports each browser test as skipped, with why."""
    env = {key: value for key, value in os.environ.items() if key != "CHROMIUM_PATH"}
    env.update(environment)
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs",
         "tests/browser/test_phone_layout.py"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "3 skipped" in completed.stdout
    assert "passed" not in completed.stdout and "failed" not in completed.stdout
    assert reason in completed.stdout
