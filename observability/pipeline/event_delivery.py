"""Our structlog events, delivered to stdlib logging's handlers without building a LogRecord.

structlog runs the shared chain once; the `EventLogger` it wraps then does what
`logging.Logger.handle` would (the stdlib logger's level and `disabled`, handlers up the
hierarchy, `propagate`, each handler's level, `lastResort`), with one difference: a sink that
`configure_logging` registered (the JSON file, the JSON console) gets the line rendered once,
as bytes, instead of a LogRecord to format. Every other handler (the error emails, the debug
console, pytest's caplog, a debugger's) gets the LogRecord `ProcessorFormatter` expects, built
only when such a handler wants the event. See docs/architecture.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from structlog.stdlib import LoggerFactory
from structlog.typing import EventDict, WrappedLogger

from observability.pipeline.processors import JSONLineRenderer

# What a registered sink does with a rendered line (UTF-8 JSON ending in "\n").
LineWriter = Callable[[bytes], None]

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
           "error": logging.ERROR, "critical": logging.CRITICAL}


def as_logger_argument(
    _logger: WrappedLogger, _method_name: str, event_dict: EventDict
) -> tuple[tuple[EventDict], dict[str, Any]]:
    """Final processor: hand the processed event dict itself to the `EventLogger` method."""
    return (event_dict,), {}


class DirectSink:
    """A handler that takes rendered lines, and the filters it had when it was registered."""

    __slots__ = ("filter_count", "write")

    def __init__(self, handler: logging.Handler, write: LineWriter) -> None:
        self.write = write
        # A filter added later (by anyone) needs a LogRecord to judge: then the record path.
        self.filter_count = len(handler.filters)


class EventLoggerFactory:
    """structlog's logger factory: one `EventLogger` per name, all sharing one set of sinks."""

    def __init__(self, direct_sinks: Mapping[logging.Handler, DirectSink] | None = None) -> None:
        self._direct_sinks: dict[logging.Handler, DirectSink] = dict(direct_sinks or {})
        self._renderer = JSONLineRenderer()
        self._loggers: dict[str, EventLogger] = {}
        # Only for `structlog.get_logger()` without a name: the calling module's name, found
        # the way structlog's own factory does, skipping this module's frame as well.
        self._caller_name = LoggerFactory(ignore_frame_names=[__name__])

    def use_direct_sinks(self, direct_sinks: Mapping[logging.Handler, DirectSink]) -> None:
        """Replace the registered sinks, in place: loggers made earlier use the new ones too."""
        self._direct_sinks.clear()
        self._direct_sinks.update(direct_sinks)

    def __call__(self, *args: Any) -> EventLogger:
        """The logger for `structlog.get_logger(name)`; without a name, the calling module's."""
        name = str(args[0]) if args and args[0] is not None else self._caller_name().name
        logger = self._loggers.get(name)
        if logger is None:  # names come from code: few, so kept for the process's life
            logger = EventLogger(name, self._direct_sinks, self._renderer)
            self._loggers[name] = logger
        return logger


class EventLogger:
    """The logger structlog wraps: its methods take a processed event dict and deliver it."""

    def __init__(
        self,
        name: str,
        direct_sinks: Mapping[logging.Handler, DirectSink],
        renderer: JSONLineRenderer,
    ) -> None:
        self.name = name
        self.stdlib_logger = logging.getLogger(name)
        self._direct_sinks = direct_sinks
        self._render = renderer.render_line

    def debug(self, event_dict: EventDict) -> None:
        """Deliver a debug event."""
        self.deliver(logging.DEBUG, "debug", event_dict)

    def info(self, event_dict: EventDict) -> None:
        """Deliver an info event."""
        self.deliver(logging.INFO, "info", event_dict)

    def warning(self, event_dict: EventDict) -> None:
        """Deliver a warning event."""
        self.deliver(logging.WARNING, "warning", event_dict)

    def error(self, event_dict: EventDict) -> None:
        """Deliver an error event."""
        self.deliver(logging.ERROR, "error", event_dict)

    def critical(self, event_dict: EventDict) -> None:
        """Deliver a critical event."""
        self.deliver(logging.CRITICAL, "critical", event_dict)

    # Other wrapper classes (structlog.stdlib.BoundLogger) call the logger by these names too.
    warn = warning
    exception = error
    fatal = critical
    msg = info

    def log(self, level: int | str, event_dict: EventDict) -> None:
        """Deliver an event at a numeric or named level."""
        if isinstance(level, str):
            level = _LEVELS.get(level.lower(), logging.INFO)
        self.deliver(level, logging.getLevelName(level).lower(), event_dict)

    def deliver(self, levelno: int, method_name: str, event_dict: EventDict) -> None:
        """`Logger.handle` and `callHandlers` for an event: render once, a record only if asked."""
        logger: logging.Logger | None = self.stdlib_logger
        assert logger is not None
        if logger.disabled or not logger.isEnabledFor(levelno):
            return
        record: logging.LogRecord | None = None
        if logger.filters:
            record = self._record(levelno, method_name, event_dict)
            if not logger.filter(record):
                return
        line: bytes | None = None
        found = False
        direct_sinks = self._direct_sinks
        while logger is not None:
            for handler in logger.handlers:
                found = True
                if levelno < handler.level:
                    continue
                sink = direct_sinks.get(handler)
                if sink is not None and sink.filter_count == len(handler.filters):
                    if line is None:
                        line = self._render(event_dict)
                    try:
                        sink.write(line)
                    except Exception:  # as Handler.emit does: report, never raise to the caller
                        handler.handleError(self._record(levelno, method_name, event_dict))
                    continue
                if record is None:
                    record = self._record(levelno, method_name, event_dict)
                handler.handle(record)
            logger = logger.parent if logger.propagate else None
        if not found and logging.lastResort is not None and levelno >= logging.lastResort.level:
            logging.lastResort.handle(record or self._record(levelno, method_name, event_dict))

    def _record(self, levelno: int, method_name: str, event_dict: EventDict) -> logging.LogRecord:
        """The record `ProcessorFormatter.wrap_for_formatter` would have made for this event."""
        return self.stdlib_logger.makeRecord(
            self.name, levelno, "(unknown file)", 0, event_dict, (), None,
            extra={"_logger": self.stdlib_logger, "_name": method_name},
        )
