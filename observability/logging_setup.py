"""The one place that wires structlog and stdlib logging: the processor chain and the sinks.

structlog builds every event and stdlib logging delivers it, by structlog's documented stdlib
integration: our events run the chain, become a `LogRecord` (`wrap_for_formatter`) and go
through `Logger.handle` like any library's record, so filters, caplog and Sentry see them.
Each handler's `ProcessorFormatter` runs the same chain on library records (werkzeug,
SQLAlchemy, gunicorn, Flask) and renders both kinds: python-json-logger for the JSON file, the
JSON console and the email sink; structlog's `ConsoleRenderer` for a person at a terminal.
See docs/architecture.md.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import TextIO, cast

import structlog
from structlog.contextvars import merge_contextvars
from structlog.processors import add_log_level
from structlog.stdlib import ProcessorFormatter, add_logger_name
from structlog.typing import Processor

from observability.fingerprint import add_fingerprint
from observability.mail.handler import build_email_handler
from observability.pipeline.breadcrumbs import CaptureBelowLevel
from observability.pipeline.exceptions import structure_exception
from observability.pipeline.file_sink import SafeRotatingFileHandler
from observability.pipeline.json_lines import PythonJsonRenderer
from observability.pipeline.processors import (
    UTCTimestamper,
    add_record_extras,
    escape_for_console,
    exception_as_text,
    keep_werkzeug_banner_lines,
    strip_ansi_styles,
)
from observability.pipeline.redaction import Redactor
from observability.pipeline.render_once import RenderOnceFormatter
from observability.settings import ObservabilitySettings

LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "WARN": 30, "ERROR": 40, "CRITICAL": 50}
CONSOLE_FORMATS = ("auto", "pretty", "json")

# Libraries whose INFO records are noise in every process: alembic announces each of its
# autogenerate plugins whenever Flask-Migrate's commands are loaded (any `flask` command).
QUIETED_LOGGERS = ("alembic.runtime.plugins",)

# Set on every handler configure_logging installs, so a second call removes exactly those and
# never a handler someone else put on the root logger (pytest's caplog, a debugger's).
INSTALLED_MARK = "_microblog_observability"


def configure_logging(settings: ObservabilitySettings) -> None:
    """Install the pipeline and its sinks on the root logger; calling it again replaces them.

    Nothing of an earlier call survives in a logger: structlog's loggers are not cached (each
    call on a `get_logger()` proxy reads the current configuration: level, chain, secrets), and
    stdlib logging finds the current handlers on the root logger at every record.
    """
    level = parse_level(settings.log_level)
    console_format = parse_console_format(settings.console_format)
    chain = processor_chain(settings)
    handlers = build_handlers(settings, chain, console_format)
    root = logging.getLogger()
    remove_installed_handlers(root)
    for handler in handlers:
        # Every sink filters at LOG_LEVEL too: a library logger with its own lower level
        # (Flask's app logger in debug mode) would otherwise get DEBUG lines through.
        handler.setLevel(max(level, handler.level))
        setattr(handler, INSTALLED_MARK, True)
        root.addHandler(handler)
    root.setLevel(level)
    # On werkzeug's own logger, so no other record pays for the test (addFilter adds it once).
    logging.getLogger("werkzeug").addFilter(drop_werkzeug_access_line)
    for name in QUIETED_LOGGERS:
        quieted = logging.getLogger(name)
        if quieted.level == logging.NOTSET:  # an explicit level set by someone else wins
            quieted.setLevel(max(level, logging.WARNING))
    skip_unused_record_attributes()
    # --- issue 14 (breadcrumbs), 1 of 2: our events below LOG_LEVEL reach CaptureBelowLevel,
    # first, which keeps them in the request's trail and drops them before any record exists.
    # Only our events: library records run `chain` in the formatters, after the handlers have
    # filtered them at LOG_LEVEL. ---
    breadcrumbs_on = settings.breadcrumbs_max > 0 and level > logging.DEBUG
    capture: list[Processor] = [CaptureBelowLevel(level)] if breadcrumbs_on else []
    structlog.configure(
        processors=[*capture, *chain, ProcessorFormatter.wrap_for_formatter],
        # Below LOG_LEVEL a structlog method is `return None`: no event dict, no record.
        # --- issue 14 (breadcrumbs), 2 of 2: with breadcrumbs on, debug events are built
        # and go to CaptureBelowLevel instead. ---
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.DEBUG if breadcrumbs_on else level
        ),
        logger_factory=structlog.stdlib.LoggerFactory(),
        # Not cached: a cached logger keeps the level (wrapper class) and chain of its first
        # use, and tests and `flask` commands configure more than once per process.
        cache_logger_on_first_use=False,
    )


def processor_chain(settings: ObservabilitySettings) -> list[Processor]:
    """The one chain every event runs, ours before its record exists, a library's in each sink.

    One list: a new processor is one more line here, and every sink gets it.
    """
    return [
        merge_contextvars,  # the request's ID, user and trace, bound by the web integration
        add_record_extras,  # a library record's `extra=` fields, never over ours
        strip_ansi_styles,  # colour codes in library messages (werkzeug)
        add_log_level,
        add_logger_name,
        UTCTimestamper(),
        structure_exception,
        # After exceptions are structured, so secrets in exception messages are scrubbed too.
        Redactor(settings.secret_values),
        # fingerprint.py annotates its event dict as `dict`; structlog passes a MutableMapping.
        cast(Processor, add_fingerprint),
    ]


def skip_unused_record_attributes() -> None:
    """The logging HOWTO's optimisations: no line shows threads, processes or call sites.

    So no record (ours or a library's) collects them. `pid` is a field of `app_startup`.
    """
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    # Documented in the logging HOWTO ("Optimization"): skip `findCaller`'s stack walk.
    logging._srcfile = None


def parse_level(name: str) -> int:
    """The numeric level for a LOG_LEVEL name; a typo is an error, not silent DEBUG."""
    try:
        return LEVELS[name.strip().upper()]
    except KeyError:
        choices = ", ".join(name for name in LEVELS if name != "WARN")
        raise ValueError(f"LOG_LEVEL must be one of {choices}, not {name!r}") from None


def parse_console_format(name: str) -> str:
    """LOG_CONSOLE_FORMAT, checked: `auto`, `pretty` or `json`."""
    value = name.strip().lower()
    if value not in CONSOLE_FORMATS:
        raise ValueError(
            f"LOG_CONSOLE_FORMAT must be one of {', '.join(CONSOLE_FORMATS)}, not {name!r}"
        )
    return value


def json_formatter(chain: Sequence[Processor]) -> ProcessorFormatter:
    """A formatter rendering every record as one JSON line (the file, the console, emails)."""
    return ProcessorFormatter(
        processors=[PythonJsonRenderer()],
        foreign_pre_chain=chain,
    )


def console_formatter(chain: Sequence[Processor], *, colors: bool = False) -> ProcessorFormatter:
    """A formatter for people at a terminal: aligned, optionally coloured, control chars shown."""
    return ProcessorFormatter(
        processors=[
            escape_for_console,
            keep_werkzeug_banner_lines,
            ProcessorFormatter.remove_processors_meta,
            exception_as_text,
            structlog.dev.ConsoleRenderer(colors=colors),
        ],
        foreign_pre_chain=chain,
    )


def console_is_pretty(console_format: str, stream: TextIO) -> bool:
    """`pretty`, `json`, or for `auto` whether a person is watching (a terminal)."""
    if console_format == "auto":
        isatty = getattr(stream, "isatty", None)
        return bool(isatty and isatty())
    return console_format == "pretty"


def build_handlers(
    settings: ObservabilitySettings, chain: Sequence[Processor], console_format: str = "auto"
) -> list[logging.Handler]:
    """The sinks: the JSON file, the console (optional), the error emails (optional)."""
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    # One formatter for every JSON sink: a record is rendered once, whatever number of them.
    json_lines = RenderOnceFormatter(json_formatter(chain))
    file_handler: logging.Handler = SafeRotatingFileHandler(
        settings.log_file, settings.log_max_bytes, settings.log_backup_count
    )
    file_handler.setFormatter(json_lines)
    handlers = [file_handler]
    if settings.console:
        stream = sys.stderr if settings.console_stream == "stderr" else sys.stdout
        console = logging.StreamHandler(stream)
        console.setFormatter(
            console_formatter(chain, colors=bool(stream.isatty()))
            if console_is_pretty(console_format, stream)
            else json_lines
        )
        handlers.append(console)
    email_handler = build_email_handler(settings)
    if email_handler is not None:
        if email_handler.formatter is None:
            email_handler.setFormatter(json_lines)
        handlers.append(email_handler)
    return handlers


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
