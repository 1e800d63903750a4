"""`make screenshots`: the README's three pictures come out of a seeded demo."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browser.screenshots import VIEWPORT, take_screenshots

pytestmark = [pytest.mark.browser, pytest.mark.slow]
_PNG = b"\x89PNG\r\n\x1a\n"


def test_screenshots_are_taken_of_the_seeded_demo(browser: Browser, tmp_path: Path) -> None:
    """Index, error page and admin timeline are written as viewport-sized PNG files."""
    shots = take_screenshots(browser, tmp_path / "shots", tmp_path / "server")
    assert [path.name for path in shots] == ["index.png", "error.png", "admin-request.png"]
    for path in shots:
        data = path.read_bytes()
        assert data.startswith(_PNG)
        width, height = struct.unpack(">II", data[16:24])
        assert (width, height) == (VIEWPORT["width"], VIEWPORT["height"])
