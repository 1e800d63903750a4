"""A logger for events sent on every request: structlog's processing, minus its per-call glue.

`structlog.make_filtering_bound_logger`'s methods go through `_proxy_to_logger` and
`_process_event` (a context copy, the keyword arguments repacked twice, a `getattr` dispatch);
on a path taken once per request that glue costs as much as a processor. `HotLogger` does the
same work directly: the event dict from the keywords, the shared processor chain in order, a
`DropEvent` ends the event, and the last processor's result reaches the wrapped logger's method
as structlog would pass it. Below the configured level a method returns at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from structlog import DropEvent
from structlog.typing import Processor


class HotLogger:
    """`FilteringBoundLogger`'s log methods, for an empty context, over a shared chain."""

    __slots__ = ("_logger", "_min_level", "_processors")

    def __init__(self, logger: Any, processors: Iterable[Processor], min_level: int) -> None:
        self._logger = logger
        self._processors = processors  # the shared list: changed in place, seen at once
        self._min_level = min_level

    def debug(self, event: str, **kw: Any) -> None:
        """Log a debug event."""
        if self._min_level <= logging.DEBUG:
            self._emit("debug", event, kw)

    def info(self, event: str, **kw: Any) -> None:
        """Log an info event."""
        if self._min_level <= logging.INFO:
            self._emit("info", event, kw)

    def warning(self, event: str, **kw: Any) -> None:
        """Log a warning event."""
        if self._min_level <= logging.WARNING:
            self._emit("warning", event, kw)

    def error(self, event: str, **kw: Any) -> None:
        """Log an error event."""
        if self._min_level <= logging.ERROR:
            self._emit("error", event, kw)

    def critical(self, event: str, **kw: Any) -> None:
        """Log a critical event."""
        if self._min_level <= logging.CRITICAL:
            self._emit("critical", event, kw)

    def _emit(self, method_name: str, event: str, event_dict: Any) -> None:
        """`_proxy_to_logger`: the chain over the event, its result to the logger's method."""
        event_dict["event"] = event  # the keywords' dict is this call's own: no copy needed
        logger = self._logger
        try:
            for processor in self._processors:
                event_dict = processor(logger, method_name, event_dict)
        except DropEvent:
            return
        method = getattr(logger, method_name)
        if isinstance(event_dict, tuple):  # (args, kwargs), as our as_logger_argument returns
            method(*event_dict[0], **event_dict[1])
        elif isinstance(event_dict, str | bytes | bytearray):
            method(event_dict)
        elif isinstance(event_dict, dict):
            method(**event_dict)
        else:
            raise ValueError(
                "Last processor didn't return an appropriate value.  Valid return values are"
                " a dict, a tuple of (args, kwargs), bytes, or a str."
            )
