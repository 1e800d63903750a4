"""configure_logging with breadcrumbs: our below-level events feed the trail, never a handler."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from observability import logging_setup
from observability.logging_setup import configure_logging
from observability.pipeline.breadcrumbs import begin_trail, end_trail
from observability.settings import ObservabilitySettings
from tests.observability.log_reading import read_log

Configure = Callable[..., ObservabilitySettings]


class Recording(logging.Handler):
    """A handler configure_logging did not install, at DEBUG: it sees whatever is handled."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def configure(tmp_path: Path) -> Iterator[Configure]:
    """configure_logging with test settings at INFO (no console); undone afterwards."""

    def _configure(**overrides: Any) -> ObservabilitySettings:
        fields: dict[str, Any] = {"log_dir": tmp_path / "logs", "state_dir": tmp_path,
                                  "console": False, "log_level": "INFO", **overrides}
        settings = ObservabilitySettings(**fields)
        configure_logging(settings)
        return settings

    yield _configure
    end_trail()
    logging_setup.remove_installed_handlers(logging.getLogger())
    structlog.contextvars.clear_contextvars()


@pytest.fixture
def chatty_logger() -> Iterator[tuple[str, Recording]]:
    """A stdlib logger at DEBUG with a recording handler: a debug record would reach it."""
    name = "tests.chatty"
    logger = logging.getLogger(name)
    recording = Recording()
    logger.setLevel(logging.DEBUG)
    logger.addHandler(recording)
    yield name, recording
    logger.removeHandler(recording)
    logger.setLevel(logging.NOTSET)


def test_below_level_outside_a_request_reaches_no_handler(
    configure: Configure, chatty_logger: tuple[str, Recording]
) -> None:
    """A debug event with no trail is dropped before its record exists; info still goes out."""
    name, recording = chatty_logger
    settings = configure()
    log = structlog.get_logger(name)
    log.debug("not_written", detail=1)
    log.info("written")
    assert [record.levelno for record in recording.records] == [logging.INFO]
    assert [event["event"] for event in read_log(settings.log_file)] == ["written"]


def test_below_level_inside_a_request_joins_the_trail_only(
    configure: Configure, chatty_logger: tuple[str, Recording]
) -> None:
    """A debug event in a request becomes a breadcrumb and no record."""
    name, recording = chatty_logger
    settings = configure()
    trail = begin_trail(10)
    structlog.get_logger(name).debug("cache_miss", key="feed")
    assert recording.records == []
    assert read_log(settings.log_file) == []
    (crumb,) = trail.breadcrumbs()
    assert crumb["category"] == "log" and crumb["level"] == "debug"
    assert crumb["message"].startswith("cache_miss")


def test_library_records_are_not_captured_and_still_filtered_at_the_level(
    configure: Configure, chatty_logger: tuple[str, Recording]
) -> None:
    """A library's debug record is not a breadcrumb and our sinks drop it; its info is written."""
    name, _recording = chatty_logger
    settings = configure()
    trail = begin_trail(10)
    library = logging.getLogger(name)
    library.debug("library detail")
    library.info("library news")
    assert trail.breadcrumbs() == []
    (event,) = read_log(settings.log_file)
    assert event["event"] == "library news" and event["level"] == "info"


def test_breadcrumbs_off_keeps_debug_events_out_of_the_trail(
    configure: Configure, chatty_logger: tuple[str, Recording]
) -> None:
    """With BREADCRUMBS_MAX=0 a debug call is filtered by the level: no breadcrumb, no record."""
    name, recording = chatty_logger
    configure(breadcrumbs_max=0)
    trail = begin_trail(10)
    structlog.get_logger(name).debug("cache_miss")
    assert trail.breadcrumbs() == [] and recording.records == []


def test_debug_level_writes_debug_events_instead_of_keeping_them(
    configure: Configure, chatty_logger: tuple[str, Recording]
) -> None:
    """At LOG_LEVEL=DEBUG a debug event is written, so it is not a breadcrumb as well."""
    name, _recording = chatty_logger
    settings = configure(log_level="DEBUG")
    trail = begin_trail(10)
    structlog.get_logger(name).debug("cache_miss")
    assert trail.breadcrumbs() == []
    assert [event["event"] for event in read_log(settings.log_file)] == ["cache_miss"]
