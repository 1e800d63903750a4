"""Launching Debian's Chromium through Playwright, without ever downloading a browser."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.sync_api import Browser, Error, Playwright

# Flags known to work on this kind of machine (root in a container, no GPU, loopback only):
# no sandbox (root), no background traffic or updates that would try to reach the network.
LAUNCH_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
)
# Starting Chromium on a loaded two-core machine can take a while; a hang still ends.
LAUNCH_TIMEOUT_MS = 60_000


class ChromiumUnavailableError(RuntimeError):
    """Chromium cannot be started here; the message says why, for a skip reason."""


def find_chromium() -> Path:
    """The Chromium binary: $CHROMIUM_PATH, else `chromium` on PATH (Debian's package)."""
    named = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not named:
        raise ChromiumUnavailableError("no `chromium` on PATH (install Debian's chromium)")
    if not Path(named).is_file():
        raise ChromiumUnavailableError(f"CHROMIUM_PATH={named} is not a file")
    return Path(named)


def launch_chromium(playwright: Playwright) -> Browser:
    """Start headless Chromium; each launch gets its own fresh temporary profile."""
    executable = find_chromium()
    try:
        return playwright.chromium.launch(
            executable_path=executable, args=list(LAUNCH_ARGS), headless=True,
            timeout=LAUNCH_TIMEOUT_MS,
        )
    except Error as error:
        # Playwright's message is a long log; its first line says what went wrong.
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise ChromiumUnavailableError(f"{executable} did not start: {first_line}") from error
