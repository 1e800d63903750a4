"""EventLogger: our events reach stdlib handlers as Logger.handle would, rendered once for sinks."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest

from observability.logging_setup import JSONLineFormatter
from observability.pipeline.event_delivery import DirectSink, EventLogger, EventLoggerFactory
from observability.pipeline.processors import JSONLineRenderer

EVENT: dict[str, Any] = {"timestamp": "2026-11-24T04:32:48.123Z", "level": "info",
                         "event": "post_created", "logger": "x", "post_id": 7}


class Recording(logging.Handler):
    """A handler that is not a registered sink: it keeps the records it is handed."""

    def __init__(self, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []
        self.errors: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (stdlib's name)
        self.errors.append(record)


class Lines:
    """A registered sink's writer: keeps the lines it is handed, or fails if told to."""

    def __init__(self, failure: Exception | None = None) -> None:
        self.lines: list[bytes] = []
        self.failure = failure

    def __call__(self, line: bytes) -> None:
        if self.failure is not None:
            raise self.failure
        self.lines.append(line)


def _isolated_logger() -> logging.Logger:
    """A fresh stdlib logger cut off from the root (where pytest's handlers live).

    Made inside each test, not in a fixture: pytest attaches its capture handler to every
    logger that is already non-propagating when a test phase starts.
    """
    logger = logging.getLogger(f"test.delivery.{uuid.uuid4().hex}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)  # not whatever level an earlier test left on the root
    return logger


Sinks = dict[logging.Handler, DirectSink]


def _event_logger(stdlib_logger: logging.Logger, sinks: Sinks) -> EventLogger:
    return EventLoggerFactory(sinks)(stdlib_logger.name)


def _sink(
    logger: logging.Logger, writer: Lines, level: int = logging.NOTSET
) -> tuple[Recording, Sinks]:
    """A registered sink on `logger`: its handler (whose `emit` it bypasses) and the registry."""
    handler = Recording(level)
    logger.addHandler(handler)
    return handler, {handler: DirectSink(handler, writer)}


def test_a_sink_gets_the_line_and_other_handlers_the_formatters_record() -> None:
    """The registered sink writes the JSON line; a plain handler's record renders the same line."""
    stdlib_logger = _isolated_logger()
    writer, plain = Lines(), Recording()
    sink_handler, sinks = _sink(stdlib_logger, writer)
    stdlib_logger.addHandler(plain)
    _event_logger(stdlib_logger, sinks).info(dict(EVENT))
    assert writer.lines == [JSONLineRenderer().render_line(EVENT)]
    (record,) = plain.records
    assert (record.name, record.levelno, record.msg) == (stdlib_logger.name, logging.INFO, EVENT)
    assert JSONLineFormatter([]).format(record) == writer.lines[0][:-1].decode()
    assert sink_handler.records == []


def test_no_record_is_built_when_only_sinks_listen(monkeypatch: pytest.MonkeyPatch) -> None:
    """With nothing but registered sinks, delivering an event never makes a LogRecord."""
    stdlib_logger = _isolated_logger()
    writer = Lines()
    event_logger = _event_logger(stdlib_logger, _sink(stdlib_logger, writer)[1])

    def no_records(*_args: object, **_kwargs: object) -> logging.LogRecord:
        raise AssertionError("a LogRecord was built")

    monkeypatch.setattr(stdlib_logger, "makeRecord", no_records)
    event_logger.warning(dict(EVENT))
    assert len(writer.lines) == 1


def test_stdlib_levels_and_disable_still_apply() -> None:
    """The stdlib logger's level, each handler's level and logging.disable all filter events."""
    stdlib_logger = _isolated_logger()
    everything, errors_only = Lines(), Lines()
    sinks = {**_sink(stdlib_logger, everything)[1],
             **_sink(stdlib_logger, errors_only, logging.ERROR)[1]}
    event_logger = _event_logger(stdlib_logger, sinks)
    stdlib_logger.setLevel(logging.INFO)
    event_logger.debug(dict(EVENT, event="below_the_logger"))
    event_logger.warning(dict(EVENT, event="below_one_handler"))
    event_logger.error(dict(EVENT, event="for_both"))
    logging.disable(logging.CRITICAL)
    try:
        event_logger.critical(dict(EVENT, event="disabled"))
    finally:
        logging.disable(logging.NOTSET)
    assert [json.loads(line)["event"] for line in everything.lines] == [
        "below_one_handler", "for_both"]
    assert [json.loads(line)["event"] for line in errors_only.lines] == ["for_both"]


def test_events_propagate_like_records() -> None:
    """An ancestor's handlers get the event; `propagate = False` on the way stops it."""
    stdlib_logger = _isolated_logger()
    child = logging.getLogger(f"{stdlib_logger.name}.child")
    at_parent = Recording()
    stdlib_logger.addHandler(at_parent)
    event_logger = _event_logger(child, {})
    event_logger.info(dict(EVENT, event="reaches_the_parent"))
    child.propagate = False
    try:
        event_logger.info(dict(EVENT, event="stays_in_the_child"))
    finally:
        child.propagate = True
    assert [record.msg["event"] for record in at_parent.records] == ["reaches_the_parent"]


def test_filters_added_later_get_a_record_to_judge() -> None:
    """A filter added to a sink after registration, or to the logger, sees and can drop events."""
    stdlib_logger = _isolated_logger()
    writer = Lines()
    handler, sinks = _sink(stdlib_logger, writer)
    event_logger = _event_logger(stdlib_logger, sinks)
    handler.addFilter(lambda record: record.msg["event"] != "dropped_by_the_sink")
    event_logger.info(dict(EVENT, event="dropped_by_the_sink"))
    event_logger.info(dict(EVENT, event="kept"))
    stdlib_logger.addFilter(lambda record: False)
    event_logger.info(dict(EVENT, event="dropped_by_the_logger"))
    assert writer.lines == []  # the record way: the handler's own emit ran instead
    assert [record.msg["event"] for record in handler.records] == ["kept"]


def test_a_failing_sink_is_reported_not_raised() -> None:
    """A write error goes to the handler's handleError, as in Handler.emit; the caller goes on."""
    stdlib_logger = _isolated_logger()
    handler, sinks = _sink(stdlib_logger, Lines(failure=OSError("disk full")))
    _event_logger(stdlib_logger, sinks).error(dict(EVENT, event="lost"))
    assert [record.msg["event"] for record in handler.errors] == ["lost"]


def test_with_no_handler_anywhere_warnings_reach_the_last_resort(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """As with stdlib records, an event no handler hears still shows on stderr from WARNING up."""
    stdlib_logger = _isolated_logger()
    event_logger = _event_logger(stdlib_logger, {})
    event_logger.info(dict(EVENT, event="unheard_info"))
    event_logger.warning(dict(EVENT, event="unheard_warning"))
    err = capsys.readouterr().err
    assert "unheard_warning" in err and "unheard_info" not in err


def test_the_factory_keeps_one_logger_per_name_and_names_the_caller() -> None:
    """Loggers are reused per name; without a name, the calling module names the logger."""
    factory = EventLoggerFactory()
    assert factory("app.x") is factory("app.x")
    assert factory("app.x").stdlib_logger is logging.getLogger("app.x")
    assert factory().name == __name__


def test_replacing_the_sinks_reaches_loggers_made_before() -> None:
    """`use_direct_sinks` swaps sinks in place: an existing EventLogger writes to the new ones."""
    stdlib_logger = _isolated_logger()
    factory = EventLoggerFactory()
    event_logger = factory(stdlib_logger.name)
    writer = Lines()
    factory.use_direct_sinks(_sink(stdlib_logger, writer)[1])
    event_logger.info(dict(EVENT))
    assert len(writer.lines) == 1
