"""Reading a JSON-lines log in tests: every line must be one JSON object, or the test fails."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any


def flush_log_handlers() -> None:
    """Flush every root handler, so what was logged is on disk before a test reads it."""
    for handler in logging.getLogger().handlers:
        handler.flush()


def read_log(path: Path) -> list[dict[str, Any]]:
    """The events of a log file, in order; asserts that each line is exactly one JSON object."""
    flush_log_handlers()
    if not path.exists():
        return []
    data = path.read_bytes()
    assert data == b"" or data.endswith(b"\n"), "the last line is torn"
    events = []
    # Split on "\n" only: that is the one line separator of the format.
    for number, line in enumerate(data.decode("utf-8").split("\n")[:-1], start=1):
        event = json.loads(line)
        assert isinstance(event, dict), f"line {number} is not a JSON object: {line!r}"
        events.append(event)
    return events


def events_named(path: Path, name: str) -> list[dict[str, Any]]:
    """The events of a log file whose `event` is `name`."""
    return [event for event in read_log(path) if event.get("event") == name]
