"""The one place that wires structlog and stdlib logging: the processor chain and the sinks.

structlog builds every event; stdlib logging delivers it. Our own events run the shared chain
once and reach each handler as a ready event dict; third-party records (werkzeug, sqlalchemy,
gunicorn, flask) enter each handler's `ProcessorFormatter` and run the same chain there, so
every line has the same shape and the same request context. See docs/architecture.md.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from functools import partial
from typing import TextIO, cast

import structlog
from structlog import BoundLoggerBase
from structlog.contextvars import merge_contextvars
from structlog.processors import StackInfoRenderer, add_log_level
from structlog.stdlib import ProcessorFormatter, add_logger_name
from structlog.typing import FilteringBoundLogger, Processor

from observability.fingerprint import add_fingerprint
from observability.mail.handler import build_email_handler
from observability.pipeline.breadcrumbs import CaptureBelowLevel
from observability.pipeline.event_delivery import (
    DirectSink,
    EventLoggerFactory,
    LineWriter,
    as_logger_argument,
)
from observability.pipeline.exceptions import structure_exception
from observability.pipeline.file_sink import SafeRotatingFileHandler
from observability.pipeline.hot_logger import HotLogger
from observability.pipeline.processors import (
    JSONLineRenderer,
    UTCTimestamper,
    add_record_extras,
    escape_for_console,
    exception_as_text,
    strip_ansi_styles,
)
from observability.pipeline.redaction import Redactor
from observability.settings import ObservabilitySettings

LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "WARN": 30, "ERROR": 40, "CRITICAL": 50}

# Libraries whose INFO records are noise in every process: alembic announces each of its
# autogenerate plugins whenever Flask-Migrate's commands are loaded (any `flask` command).
QUIETED_LOGGERS = ("alembic.runtime.plugins",)

# Set on every handler configure_logging installs, so a second call removes exactly those and
# never a handler someone else put on the root logger (pytest's caplog, a debugger's).
INSTALLED_MARK = "_microblog_observability"

# One processor list and one logger factory per process, updated in place by every call: a
# logger bound before a reconfiguration (`log.bind(...)` keeps the list and the factory it was
# built with) still runs the current chain (the current secrets) and reaches the current sinks.
_CHAIN: list[Processor] = []
_LOGGER_FACTORY = EventLoggerFactory()

# Loggers assembled once per configuration (see bound_logger), dropped by configure_logging.
_BOUND: dict[str, FilteringBoundLogger] = {}


def configure_logging(settings: ObservabilitySettings) -> None:
    """Install the pipeline and its sinks on the root logger; calling it again replaces them."""
    level = parse_level(settings.log_level)
    common = common_processors(settings)
    foreign_chain = [merge_contextvars, add_record_extras, strip_ansi_styles, *common]
    handlers = build_handlers(settings, foreign_chain)
    root = logging.getLogger()
    remove_installed_handlers(root)
    for handler in handlers:
        # Every sink filters at LOG_LEVEL too: a library logger with its own lower level
        # (Flask's app logger in debug mode) would otherwise get DEBUG lines through.
        handler.setLevel(max(level, handler.level))
        handler.addFilter(drop_werkzeug_access_line)
        setattr(handler, INSTALLED_MARK, True)
        root.addHandler(handler)
    # --- issue 14 (breadcrumbs), 1 of 2: events below LOG_LEVEL reach the chain's first
    # processor, which keeps them in the request's trail and drops them. ---
    breadcrumbs_on = settings.breadcrumbs_max > 0 and level > logging.DEBUG
    capture = [CaptureBelowLevel(level)] if breadcrumbs_on else []
    _CHAIN[:] = [*capture, merge_contextvars, StackInfoRenderer(), *common, as_logger_argument]
    # Our events skip the LogRecord: the JSON sinks get the line rendered once. Registered
    # after the handlers got their filters: a filter added later sends events the record way.
    _LOGGER_FACTORY.use_direct_sinks(direct_sinks(handlers))
    _BOUND.clear()  # the level (the wrapper class) may have changed: assemble them again
    structlog.configure(
        processors=_CHAIN,
        # Below LOG_LEVEL a structlog call is a method that returns None: nothing is built.
        # --- issue 14 (breadcrumbs), 2 of 2: with breadcrumbs on, debug events are built
        # and go to CaptureBelowLevel instead. ---
        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG if capture else level),
        logger_factory=_LOGGER_FACTORY,
        # Not cached: a cached logger would keep the level it was first used with; tests (and
        # `flask` commands) configure more than once per process. Without a cache, each call
        # reads the current configuration (cheap: no stdlib getLogger, see event_delivery.py).
        cache_logger_on_first_use=False,
    )
    root.setLevel(level)
    for name in QUIETED_LOGGERS:
        quieted = logging.getLogger(name)
        if quieted.level == logging.NOTSET:  # an explicit level set by someone else wins
            quieted.setLevel(max(level, logging.WARNING))


def bound_logger(name: str) -> FilteringBoundLogger:
    """`structlog.get_logger(name)`, assembled once per configure_logging instead of per call.

    Without structlog's logger cache, each call on a `get_logger()` proxy builds a new bound
    logger (factory, wrapper, context); hot paths (one event per request) reuse this one. It
    holds the shared chain and factory, so in-place changes to them (capture_logs) still apply.
    Under structlog's filtering wrapper (ours) it is a `HotLogger`: the same processing
    without structlog's per-call glue.
    """
    logger = _BOUND.get(name)
    if logger is None:
        bound = structlog.get_logger(name).bind()
        if isinstance(bound, BoundLoggerBase) and hasattr(bound, "get_effective_level") \
                and not bound._context:
            logger = cast(FilteringBoundLogger, HotLogger(
                bound._logger, bound._processors, bound.get_effective_level()))
        else:
            logger = cast(FilteringBoundLogger, bound)
        _BOUND[name] = logger
    return logger


def parse_level(name: str) -> int:
    """The numeric level for a LOG_LEVEL name; a typo is an error, not silent DEBUG."""
    try:
        return LEVELS[name.strip().upper()]
    except KeyError:
        choices = ", ".join(name for name in LEVELS if name != "WARN")
        raise ValueError(f"LOG_LEVEL must be one of {choices}, not {name!r}") from None


def common_processors(settings: ObservabilitySettings) -> list[Processor]:
    """The chain every event runs, ours and third-party: shape, exceptions, redaction."""
    return [
        add_log_level,
        add_logger_name,
        UTCTimestamper(),
        structure_exception,
        # After exceptions are structured, so secrets in exception messages are scrubbed too.
        Redactor(settings.secret_values),
        # fingerprint.py annotates its event dict as `dict`; structlog passes a MutableMapping.
        cast(Processor, add_fingerprint),
    ]


class JSONLineFormatter(ProcessorFormatter):
    """ProcessorFormatter rendering one JSON line, with a shortcut for structlog's own events.

    Our events arrive fully processed (the shared chain ran once, before any handler), so
    rendering `record.msg` directly skips ProcessorFormatter's record copy and dict copy;
    third-party records take the normal path through the foreign chain.
    """

    def __init__(self, foreign_chain: Sequence[Processor]) -> None:
        self._renderer = JSONLineRenderer()
        super().__init__(
            processors=[ProcessorFormatter.remove_processors_meta, self._renderer],
            foreign_pre_chain=foreign_chain,
        )

    def format(self, record: logging.LogRecord) -> str:
        """The record as one JSON line."""
        if isinstance(record.msg, dict) and hasattr(record, "_name"):  # wrap_for_formatter's
            return self._renderer.render(record.msg)
        return super().format(record)


def json_formatter(foreign_chain: Sequence[Processor]) -> ProcessorFormatter:
    """A formatter that renders events as one JSON line (the file, the email sink)."""
    return JSONLineFormatter(foreign_chain)


def console_formatter(
    foreign_chain: Sequence[Processor], *, colors: bool = False
) -> ProcessorFormatter:
    """A formatter for people at a terminal: aligned, optionally coloured, control chars shown."""
    return ProcessorFormatter(
        processors=[
            ProcessorFormatter.remove_processors_meta,
            escape_for_console,
            exception_as_text,
            structlog.dev.ConsoleRenderer(colors=colors),
        ],
        foreign_pre_chain=foreign_chain,
    )


def build_handlers(
    settings: ObservabilitySettings, foreign_chain: Sequence[Processor]
) -> list[logging.Handler]:
    """The sinks: the JSON file, the console on stdout (optional), the error emails (optional)."""
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    file_handler: logging.Handler = SafeRotatingFileHandler(
        settings.log_file, settings.log_max_bytes, settings.log_backup_count
    )
    file_handler.setFormatter(json_formatter(foreign_chain))
    handlers = [file_handler]
    if settings.console:
        stream = sys.stderr if settings.console_stream == "stderr" else sys.stdout
        console = logging.StreamHandler(stream)
        console.setFormatter(
            console_formatter(foreign_chain, colors=stream.isatty())
            if settings.debug
            else json_formatter(foreign_chain)
        )
        handlers.append(console)
    email_handler = build_email_handler(settings)
    if email_handler is not None:
        if email_handler.formatter is None:
            email_handler.setFormatter(json_formatter(foreign_chain))
        handlers.append(email_handler)
    return handlers


def direct_sinks(handlers: Sequence[logging.Handler]) -> dict[logging.Handler, DirectSink]:
    """The handlers that take our events as rendered JSON lines: the file and a JSON console."""
    sinks = {}
    for handler in handlers:
        if not isinstance(handler.formatter, JSONLineFormatter):
            continue  # the debug console and the email sink format a LogRecord
        write: LineWriter | None = None
        if isinstance(handler, SafeRotatingFileHandler):
            write = handler.write_line
        elif type(handler) is logging.StreamHandler:
            write = partial(write_to_stream, handler)
        if write is not None:
            sinks[handler] = DirectSink(handler, write)
    return sinks


def write_to_stream(handler: logging.StreamHandler[TextIO], line: bytes) -> None:
    """What StreamHandler.emit does with a formatted record, for a rendered line."""
    handler.acquire()
    try:
        stream = handler.stream
        buffer = getattr(stream, "buffer", None)
        if (
            buffer is not None
            and handler.terminator == "\n"
            and str(getattr(stream, "encoding", "")).lower() in _UTF8_NAMES
        ):
            # The line is UTF-8 already: straight to the byte buffer, no decode and re-encode.
            stream.flush()  # text written before (print) keeps its place; no syscall if none
            buffer.write(line)
            buffer.flush()
        else:
            stream.write(line[:-1].decode("utf-8") + handler.terminator)
            handler.flush()
    finally:
        handler.release()


_UTF8_NAMES = frozenset({"utf-8", "utf8"})


def remove_installed_handlers(logger: logging.Logger) -> None:
    """Detach and close the handlers an earlier configure_logging installed, and only those."""
    for handler in list(logger.handlers):
        if getattr(handler, INSTALLED_MARK, False):
            logger.removeHandler(handler)
            handler.close()


def drop_werkzeug_access_line(record: logging.LogRecord) -> bool:
    """Filter: werkzeug's dev-server access line repeats our `request_finished`, without an ID.

    It is logged after the request's context is gone, and it is the one werkzeug INFO record
    with this exact template; werkzeug's other lines (startup, errors) still pass.
    """
    return not (
        record.name == "werkzeug"
        and record.levelno == logging.INFO
        and isinstance(record.msg, str)
        and record.msg.endswith('] "%s" %s %s')
    )
